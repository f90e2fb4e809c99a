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
echo "failures: $fails"
[ "$fails" -eq 0 ]
