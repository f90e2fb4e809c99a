#!/usr/bin/env bash
# virtio-blk throughput, kvmj vs QEMU microvm, same guest driver (integration-tests/guests/virtio_blk_bench.c),
# same image files, alternating runs: sequential 1 MiB reads and writes, random 4 KiB reads, queue depth 16,
# on tmpfs (/dev/shm) and on disk (a 256 MiB random image in both), with the page cache (kvmj default, QEMU cache=writeback) and without it
# (kvmj direct_io, QEMU cache=none; O_DIRECT does not exist on tmpfs). Prints a Markdown table of MB/s.
#   bench/block.sh            (RUNS=3 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./mvnw -B -q -DskipTests package >&2
runs=${RUNS:-3}
guest=integration-tests/target/guests/virtio_blk_bench.elf
read -r -a java_opts < scripts/kvmj-java-options
work=$(mktemp -d)
shm=$(mktemp -d /dev/shm/kvmj-bench.XXXXXX)
trap 'rm -rf "$work" "$shm"' EXIT
for d in "$work" "$shm"; do head -c 256M /dev/urandom > "$d/disk.img"; done

# kvmj_run IMAGE DIRECT CMDLINE -> guest output
kvmj_run() {
  cat > "$work/vm.json" <<JSON
{"boot-source": {"kernel_image_path": "$root/$guest", "boot_args": "$3"},
 "machine-config": {"vcpu_count": 1, "mem_size_mib": 256},
 "drives": [{"drive_id": "bench", "path_on_host": "$1", "is_root_device": true, "is_read_only": false,
             "direct_io": $2}],
 "acpi": {"enabled": false}, "debug-exit": {"iobase": 244}, "serial": {"output": "stdout", "input": "none"}}
JSON
  "$JAVA_HOME/bin/java" "${java_opts[@]}" -jar cli/target/kvmj-cli.jar run "$work/vm.json" </dev/null 2>&1 || true
}
# qemu_run IMAGE CACHE CMDLINE
qemu_run() {
  qemu-system-x86_64 -M microvm,acpi=off -accel kvm -cpu host,-cx16,-xsave,-arch-capabilities -m 256M \
    -nodefaults -no-user-config -display none -no-reboot -serial stdio \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -global virtio-mmio.force-legacy=false \
    -drive "id=d0,file=$1,format=raw,if=none,cache=$2" -device virtio-blk-device,drive=d0 \
    -kernel "$guest" -append "$3" </dev/null 2>&1 || true
}
mbps() { sed -n 's/^bench: MBps=\([0-9.]*\).*/\1/p' | head -n 1; }
median() { local m; m=$(minmedmax | cut -d' ' -f2); echo "${m:-n/a}"; }
# ratios KVMJ_FILE QEMU_FILE -> "min / median / max" of kvmj/QEMU taken run by run (the two ran back to back)
ratios() {
  local r
  r=$(paste -d' ' "$1" "$2" | awk '$1 > 0 && $2 > 0 { printf "%.4f\n", $1 / $2 }' | minmedmax \
    | awk '{printf "%.2f / %.2f / %.2f", $1, $2, $3}')
  echo "${r:-n/a}"
}

echo
echo "virtio-blk, kvmj vs QEMU microvm (virtio-blk-device), guest driver polling, queue depth 16, 512 MiB per"
echo "sequential run (1 MiB requests), 32 MiB per random run (4 KiB requests),"
echo "$runs alternating runs, MB/s (medians) and kvmj/QEMU run by run; $(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -r)"
echo
echo "| workload | file | cache | kvmj MB/s | QEMU MB/s | kvmj/QEMU min / median / max |"
echo "|---|---|---|---|---|---|"
for place in shm disk; do
  dir=$([ "$place" = shm ] && echo "$shm" || echo "$work")
  for cache in page direct; do
    [ "$place" = shm ] && [ "$cache" = direct ] && continue
    direct=$([ "$cache" = direct ] && echo true || echo false)
    qcache=$([ "$cache" = direct ] && echo none || echo writeback)
    for mode in seqread seqwrite randread; do
      # Enough requests for the JIT to warm up (a 64 MiB sequential run is 64 requests, mostly interpreted).
      total=$([ "$mode" = randread ] && echo 32M || echo 512M)
      cmd="mode=$mode qd=16 total=$total"
      : > "$work/k"; : > "$work/q"
      for ((i = 0; i < runs; i++)); do
        kvmj_run "$dir/disk.img" "$direct" "$cmd" | mbps >> "$work/k"
        qemu_run "$dir/disk.img" "$qcache" "$cmd" | mbps >> "$work/q"
        # A run that printed no result would shift every later pair: stop instead.
        if [ "$(wc -l < "$work/k")" -ne $((i + 1)) ] || [ "$(wc -l < "$work/q")" -ne $((i + 1)) ]; then
          echo "bench/block.sh: a run printed no MB/s figure ($cmd, $place, $cache)" >&2
          exit 1
        fi
      done
      k=$(median < "$work/k"); q=$(median < "$work/q")
      printf '| %s | %s | %s | %s | %s | %s |\n' "$mode" "$([ "$place" = shm ] && echo tmpfs || echo disk)" \
        "$([ "$cache" = direct ] && echo "O_DIRECT / cache=none" || echo "page cache / writeback")" "$k" "$q" \
        "$(ratios "$work/k" "$work/q")"
    done
  done
done
