#!/bin/sh
# Boots every guest under QEMU microvm (the reference VMM) and checks exit statuses.
# Usage: ./qemu-smoke.sh [OUT]   (OUT = directory holding the .elf files, default build;
#        build it first with: make OUT=<dir>). Needs /dev/kvm and qemu-system-x86_64.
set -u
OUT=${1:-build}
QEMU="qemu-system-x86_64 -M microvm,acpi=off -accel kvm -cpu host,-cx16,-xsave,-arch-capabilities \
 -nodefaults -no-user-config -display none -serial stdio -no-reboot"
DEBUG_EXIT="-device isa-debug-exit,iobase=0xf4,iosize=4"
fails=0

# run <name> <expected status> <qemu args...> -- <kernel cmdline>
run() {
    name=$1; want=$2; shift 2
    args=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do args="$args $1"; shift; done
    [ $# -gt 0 ] && shift
    log=$(mktemp)
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    timeout 300 $QEMU $args -append "$*" >"$log" 2>&1
    status=$?
    end=$(date +%s.%N)
    secs=$(awk "BEGIN { printf \"%.2f\", $end - $start }")
    if [ "$status" -eq "$want" ] && grep -q "^kvmj-guest .* done" "$log"; then
        echo "PASS $name status=$status ${secs}s"
    else
        echo "FAIL $name status=$status (want $want) ${secs}s"; sed 's/^/    /' "$log"; fails=$((fails + 1))
    fi
    rm -f "$log"
}

run hello             1  -m 256 $DEBUG_EXIT -kernel "$OUT/hello.elf" -- console=ttyS0
run hello-exit5       11 -m 256 $DEBUG_EXIT -kernel "$OUT/hello.elf" -- exit=5
run hello-no-debugexit 0 -m 256 -kernel "$OUT/hello.elf" --
run smp-2             1  -m 256 -smp 2 $DEBUG_EXIT -kernel "$OUT/smp.elf" -- cpus=2
run memory-256        1  -m 256 $DEBUG_EXIT -kernel "$OUT/memory.elf" -- expect_mib=256 expect_above4g=0
run memory-3584       1  -m 3584 $DEBUG_EXIT -kernel "$OUT/memory.elf" -- expect_mib=3584 expect_above4g=1
run exits             1  -m 256 $DEBUG_EXIT -kernel "$OUT/exits.elf" -- count=100000

# virtio guests: modern virtio-mmio, a scratch disk image (default cache mode: cache=none needs
# O_DIRECT, which tmpfs lacks).
VIRTIO="-m 256 $DEBUG_EXIT -global virtio-mmio.force-legacy=false"
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
truncate -s 64M "$TMPD/disk.img"
BLK="-drive id=d0,file=$TMPD/disk.img,format=raw,if=none -device virtio-blk-device,drive=d0,serial=kvmj-disk-0"
BLK_RO="-drive id=d0,file=$TMPD/disk.img,format=raw,if=none,readonly=on -device virtio-blk-device,drive=d0"
RNG="-device virtio-rng-device"
run virtio_blk        1  $VIRTIO $BLK -kernel "$OUT/virtio_blk.elf" -- expect_serial=kvmj-disk-0 seed=3
run virtio_blk-ind-evt 1 $VIRTIO $BLK -kernel "$OUT/virtio_blk.elf" -- indirect=1 event_idx=1 inflight=16 seed=3 discard=0
run virtio_blk-ro     1  $VIRTIO $BLK_RO -kernel "$OUT/virtio_blk.elf" -- expect_ro=1 seed=3 verify=1
run virtio_rng        1  $VIRTIO $RNG -kernel "$OUT/virtio_rng.elf" -- bytes=4096
run virtio_hostile    1  $VIRTIO $BLK $RNG -kernel "$OUT/virtio_hostile.elf" -- qemu_safe=1
run virtio_blk_bench  1  $VIRTIO $BLK -kernel "$OUT/virtio_blk_bench.elf" -- mode=randread total=4M
echo "failures: $fails"
[ "$fails" -eq 0 ]
