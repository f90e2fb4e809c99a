#!/usr/bin/env bash
# Builds an initramfs for a stock Linux guest: a static busybox, the named kernel modules with every module they
# depend on (from each module's own depends= entry), and an /init that mounts /proc, /sys and /dev, loads the
# modules (busybox depmod + modprobe) and starts a shell on the console, or runs a script of yours instead.
#   scripts/linux-initramfs.sh [--kernel-dir DIR] [--run SCRIPT] [--add FILE]... OUT.img [MODULE]...
#     --kernel-dir DIR  an unpacked kernel package (default: what scripts/fetch-debian-kernel.sh caches,
#                       ~/.cache/kvmj/debian-kernel, fetched first if missing)
#     --run SCRIPT      run SCRIPT (busybox sh) instead of a shell, then power off
#     --add FILE        also put FILE (a static program, say) in /bin
#   e.g. scripts/linux-initramfs.sh initrd.img virtio_net vmw_vsock_virtio_transport
# Debian's cloud kernel has virtio-mmio itself (virtio_mmio) as a module: it is always added.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fail() { echo "linux-initramfs: $*" >&2; exit 1; }
kernel_dir="" run="" adds=()
while [ $# -gt 0 ]; do
  case $1 in
    --kernel-dir) kernel_dir=$2; shift 2 ;;
    --run) run=$2; shift 2 ;;
    --add) adds+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) fail "unknown option $1 (see $0 --help)" ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || fail "usage: $0 [--kernel-dir DIR] [--run SCRIPT] [--add FILE]... OUT.img [MODULE]..."
out=$1
shift
if [ -z "$kernel_dir" ]; then
  kernel_dir=$HOME/.cache/kvmj/debian-kernel
  "$root/scripts/fetch-debian-kernel.sh" "$kernel_dir" >/dev/null
fi
modules_root=$(echo "$kernel_dir"/lib/modules/*)
[ -d "$modules_root" ] || fail "no lib/modules/VERSION under $kernel_dir"
version=$(basename "$modules_root")
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 || fail "a static busybox is needed at $busybox (apt-get install busybox-static)"
[ -z "$run" ] || [ -f "$run" ] || fail "no such script: $run"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,"lib/modules/$version"}
cp "$busybox" "$work/bin/busybox"
for f in "${adds[@]}"; do cp "$f" "$work/bin/"; done

# Module name -> its .ko file (names match with - and _ alike); then the same for what it depends on.
declare -A seen=()
add_module() {
  local name=${1//-/_} file dep
  [ -n "${seen[$name]:-}" ] && return
  seen[$name]=1
  file=$(find "$modules_root/kernel" -name "$name.ko" -o -name "${name//_/-}.ko" | head -n 1)
  if [ -z "$file" ]; then
    # built into the kernel (no .ko) is fine; unknown is not
    grep -q "/$name.ko\$" "$modules_root/modules.builtin" 2>/dev/null || fail "no module $1 in $modules_root"
    return
  fi
  mkdir -p "$work/lib/modules/$version/$(dirname "${file#"$modules_root"/}")"
  cp "$file" "$work/lib/modules/$version/${file#"$modules_root"/}"
  for dep in $(strings -a "$file" | sed -n 's/^depends=//p' | tr , ' '); do add_module "$dep"; done
}
modules=(virtio_mmio "$@")
for m in "${modules[@]}"; do add_module "$m"; done

{
  echo '#!/bin/busybox sh'
  echo '/bin/busybox --install -s /bin'
  echo 'mount -t proc proc /proc && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev'
  echo "depmod && modprobe -a ${modules[*]} || echo 'linux-initramfs: loading modules failed'"
  if [ -n "$run" ]; then
    echo 'sh /run.sh'
    echo 'poweroff -f'
  else
    echo 'exec setsid cttyhack sh'
  fi
} > "$work/init"
chmod +x "$work/init"
[ -z "$run" ] || cp "$run" "$work/run.sh"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
echo "$out: busybox, ${#seen[@]} modules ($(echo "${!seen[@]}" | tr ' ' '\n' | sort | tr '\n' ' ')), kernel $version" >&2
