#!/usr/bin/env bash
# Runs one command in a machine that has a real /dev/kvm, on any host: QEMU's TCG emulator with an emulated AMD
# CPU that has SVM and nested paging, booting Debian's stock cloud kernel with kvm and kvm-amd loaded. The host's
# whole filesystem is the machine's root (virtio-fs through QEMU's virtiofsd): the command runs as root in the
# current directory with the current environment, on the host's own files, and what it writes lands on the host.
# /tmp (but for the job's own directories there), /dev and /proc are the machine's own. It installs what it needs
# (QEMU, virtiofsd, busybox-static: scripts/install-deps.sh) and fetches the kernel (scripts/fetch-debian-kernel.sh,
# cached in ~/.cache/kvmj/debian-kernel) on first use. Why these QEMU settings: docs/design-notes.md.
#
# usage: scripts/nested-kvm.sh [--timeout SECONDS] [--mem MIB] [--cpus N] [--] COMMAND [ARGS...]
#   --timeout  seconds the command may take (default 3600)   --mem  the machine's RAM in MiB (default 6144)
#   --cpus     its CPUs (default 1: with 2, emulated by one host thread, Linux guests of the nested KVM hung)
#
# Prints the command's stdout and stderr on this script's, and exits with the command's status; 124 when the
# command did not finish in time, 125 when the machine itself failed (QEMU or the kernel missing, no status
# reported: the machine's console is then printed) or the options are wrong. Everything in there runs 10-30x
# slower than natively: the machine takes about 10 s to start, a JVM about 2 s. No QEMU or virtiofsd outlives
# this script.
# Environment: KVMJ_QEMU and KVMJ_VIRTIOFSD name other binaries; KVMJ_CACHE (default ~/.cache/kvmj) holds the
# runs' files.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
timeout_s=3600 mem_mib=6144 cpus=1
fail() { echo "kvmj nested: $*" >&2; exit 125; }
usage() { sed -n '/^# usage:/,/^#$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
value() { [ $# -ge 2 ] || { usage >&2; fail "$1 needs a value"; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) value "$@"; timeout_s=$2; shift 2 ;;
    --mem) value "$@"; mem_mib=$2; shift 2 ;;
    --cpus) value "$@"; cpus=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; fail "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { usage >&2; fail "no command given"; }
for n in "$timeout_s" "$mem_mib" "$cpus"; do [[ $n =~ ^[1-9][0-9]*$ ]] || fail "not a positive number: $n"; done

[ -n "${KVMJ_QEMU:-}" ] || "$root/scripts/install-deps.sh" || fail "could not install what the machine needs"
qemu=${KVMJ_QEMU:-$(command -v qemu-system-x86_64 || true)}
virtiofsd=${KVMJ_VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
[ -n "$qemu" ] && [ -x "$qemu" ] || fail "qemu-system-x86_64 is missing (apt-get install qemu-system-x86, or scripts/install-deps.sh)"
[ -x "$virtiofsd" ] || fail "$virtiofsd is missing (Debian's qemu-system-common has it)"
busybox=/bin/busybox   # the initramfs has no libc: ldd must call it static
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 || fail "a static busybox is missing (apt-get install busybox-static)"
kernel=$("$root/scripts/fetch-debian-kernel.sh") || fail "Debian's cloud kernel could not be fetched (scripts/fetch-debian-kernel.sh)"
version=${kernel##*/vmlinuz-}
modules=$(dirname "$(dirname "$kernel")")/lib/modules/$version

# The run's files live on the host filesystem the machine shares (not under /tmp, which is the machine's own).
runs=${KVMJ_CACHE:-$HOME/.cache/kvmj}/nested
mkdir -p "$runs"
work=$(mktemp -d "$runs/run.XXXXXX")
qemu_pid="" vfs_pid="" tail_pids=()
cleanup() {
  local pid
  for pid in $qemu_pid $vfs_pid; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in $qemu_pid $vfs_pid; do wait "$pid" 2>/dev/null || true; done
  for pid in "${tail_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The initramfs: busybox, kvm/kvm-amd, virtio-fs, vhost_vsock and tun with their dependencies (busybox depmod/modprobe resolve
# them from the modules' own depends= lines), and an init that mounts the host and runs the job in a chroot.
initramfs=$work/initramfs
mkdir -p "$initramfs"/{bin,dev,proc,sys,host,lib/modules/"$version"}
cp "$busybox" "$initramfs/bin/busybox"
(cd "$modules" && cp --parents kernel/virt/lib/irqbypass.ko kernel/arch/x86/kvm/kvm.ko kernel/arch/x86/kvm/kvm-amd.ko \
  kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio_pci.ko \
  kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_pci_legacy_dev.ko \
  kernel/fs/fuse/fuse.ko kernel/fs/fuse/virtiofs.ko \
  kernel/drivers/vhost/vhost.ko kernel/drivers/vhost/vhost_iotlb.ko kernel/drivers/vhost/vhost_vsock.ko \
  kernel/net/vmw_vsock/vsock.ko kernel/net/vmw_vsock/vmw_vsock_virtio_transport_common.ko kernel/drivers/net/tun.ko \
  "$initramfs/lib/modules/$version/")
cat > "$initramfs/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev
depmod && modprobe kvm-amd && modprobe -a virtio_pci virtiofs || echo "kvmj-nested: module load failed"
[ -c /dev/kvm ] || echo "kvmj-nested: no /dev/kvm"
# /dev/vhost-vsock, for QEMU's vhost-vsock-device (the reference for kvmj's vsock); tests skip without it
modprobe vhost_vsock || echo "kvmj-nested: vhost_vsock not loaded"
# /dev/net/tun, for the TAPs of the virtio-net tests
modprobe tun || echo "kvmj-nested: tun not loaded"
# The virtio-fs device may still be probing: its tag appears a little after the module loads.
for i in $(seq 50); do mount -t virtiofs host /host 2>/dev/null && break; sleep 0.1; done
[ -d /host/proc ] || { echo "kvmj-nested: mounting the host failed"; mount -t virtiofs host /host; dmesg | tail -n 20; }
for m in "proc proc /host/proc" "sysfs sys /host/sys" "devtmpfs dev /host/dev"; do
  mount -t $m
done
# /tmp is the machine's own tmpfs, but the host directories under /tmp that the job needs (its working
# directory, e.g. a CI checkout) stay visible: bound in from the host's /tmp, kept aside first.
mkdir -p /hosttmp && mount --bind /host/tmp /hosttmp && mount -t tmpfs tmp /host/tmp
for keep in $(sed -n 's/.*kvmj.keep=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' '); do
  mkdir -p "/host$keep" && mount --bind "/hosttmp${keep#/tmp}" "/host$keep"
done
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts devpts /host/dev/pts && mount -t tmpfs shm /host/dev/shm
job=$(sed -n 's/.*kvmj.job=\([^ ]*\).*/\1/p' /proc/cmdline)
chroot /host /bin/bash "$job"
sync
poweroff -f
EOF
chmod +x "$initramfs/init"
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.img"

# The job: this shell's directory and exported environment, then the command; status written last.
{
  echo "set +e"
  export -p | grep -Ev '^declare -x (OLDPWD|PWD|SHLVL|_)='
  printf 'cd %q || exit 125\n' "$PWD"
  printf '%q ' "$@"
  printf '</dev/null >%q 2>%q\n' "$work/stdout" "$work/stderr"
  printf 'echo $? > %q\n' "$work/status.tmp"
  printf 'mv %q %q\n' "$work/status.tmp" "$work/status"
} > "$work/job.sh"
: > "$work/stdout"
: > "$work/stderr"

"$virtiofsd" --socket-path="$work/vfs.sock" -o source=/ -o cache=always -o sandbox=chroot \
  >"$work/virtiofsd.log" 2>&1 &
vfs_pid=$!
for _ in $(seq 100); do [ -S "$work/vfs.sock" ] && break; sleep 0.05; done
[ -S "$work/vfs.sock" ] || { cat "$work/virtiofsd.log" >&2; fail "virtiofsd did not start"; }

# The top directories under /tmp of the job's working directory and of the run's files, comma-separated.
kept_under_tmp() {
  local p out=()
  for p in "$PWD" "$work"; do
    p=$(realpath "$p")
    [[ $p == /tmp/* ]] && p=${p#/tmp/} && out+=("/tmp/${p%%/*}")
  done
  (IFS=,; echo "${out[*]}")
}

# AVX off (JIT-compiled code crashed at random with it) and XSAVE off (Linux guests' signal frames broke with
# it); one host thread for all emulated CPUs (multi-threaded TCG crashed JVMs at JIT-compiled method entries).
"$qemu" -accel tcg,thread=single -M q35 -cpu EPYC-Rome,+svm,+npt,-avx,-avx2,-fma,-f16c,-xsave \
  -smp "$cpus" -m "${mem_mib}M" -object memory-backend-memfd,id=mem,size="${mem_mib}M",share=on -numa node,memdev=mem \
  -chardev socket,id=vfs,path="$work/vfs.sock" -device vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=host \
  -nodefaults -no-user-config -display none -no-reboot -serial file:"$work/console.log" \
  -kernel "$kernel" -initrd "$work/initrd.img" \
  -append "console=ttyS0 quiet panic=-1 rdinit=/init kvmj.job=$work/job.sh kvmj.keep=$(kept_under_tmp)" \
  >"$work/qemu.log" 2>&1 &
qemu_pid=$!
tail -n +1 -F -s 0.2 "$work/stdout" 2>/dev/null &
tail_pids+=($!)
tail -n +1 -F -s 0.2 "$work/stderr" >&2 2>/dev/null &
tail_pids+=($!)

deadline=$((SECONDS + timeout_s))
while kill -0 "$qemu_pid" 2>/dev/null && [ ! -f "$work/status" ]; do
  if [ $SECONDS -ge $deadline ]; then
    echo "kvmj nested: '$*' did not finish within ${timeout_s} s; stopped the machine" >&2
    exit 124
  fi
  sleep 0.2
done
sleep 0.5   # let the tails print the last lines
if [ ! -f "$work/status" ]; then
  wait "$qemu_pid" 2>/dev/null || true
  { echo "--- QEMU ---"; cat "$work/qemu.log"; echo "--- console ---"; tail -n 40 "$work/console.log"; } >&2
  fail "the machine stopped before '$*' reported a status"
fi
status=$(cat "$work/status")
[[ $status =~ ^[0-9]+$ ]] || fail "unreadable status '$status'"
exit "$status"
