#!/usr/bin/env bash
# Side-by-side benchmark: kvmj vs QEMU microvm on the same test guests, in one run, alternating A B A B.
# Prints a Markdown table of wall-clock times (min / median / max over RUNS runs) and their ratio.
#   bench/run.sh            (RUNS=10 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./kvmj --version >/dev/null   # builds when needed and trains the launcher's CDS archive
runs=${RUNS:-10}
guests=integration-tests/target/guests
# What users run: the launcher (JDK check, staleness check, CDS archive) and the CLI.
kvmj=(./kvmj run --debug-exit --mem 256M)
qemu=(qemu-system-x86_64 -M microvm,acpi=off -accel kvm -cpu host,-cx16,-xsave,-arch-capabilities -m 256M -nodefaults
      -no-user-config -display none -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4)

# Runs "$@" once with no stdin; prints "first_byte_ms exit_ms max_rss_kib" (bench/timed.py: times from just
# before the process starts to its first stdout byte and to its exit). Exit status 1 = guest passed.
measure() {
  local first exit status rss
  read -r first exit status rss < <(bench/timed.py "$@")
  if [ "$status" -ne 1 ]; then echo "benchmark run failed (status $status): $*" >&2; exit 1; fi
  echo "$first $exit $rss"
}

# stats FILE COLUMN -> "min median max"
stats() { cut -d' ' -f"$2" "$1" | minmedmax; }

# scenario NAME KERNEL CMDLINE: alternates kvmj and QEMU, writes $work/NAME.{kvmj,qemu}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario() {
  local name=$1 kernel=$2 cmdline=$3 i
  measure "${kvmj[@]}" --kernel "$kernel" --cmdline "$cmdline" >/dev/null   # warm-up (page cache)
  measure "${qemu[@]}" -kernel "$kernel" -append "$cmdline" >/dev/null
  for ((i = 0; i < runs; i++)); do
    measure "${kvmj[@]}" --kernel "$kernel" --cmdline "$cmdline" >> "$work/$name.kvmj"
    measure "${qemu[@]}" -kernel "$kernel" -append "$cmdline" >> "$work/$name.qemu"
  done
}

scenario first "$guests/first.elf" ""
scenario hello "$guests/hello.elf" ""
scenario exits0 "$guests/exits.elf" "count=0 mmio=0"
scenario exits100k "$guests/exits.elf" "count=100000 mmio=0"

# ratios FILE COLUMN -> "min median max" of kvmj/QEMU taken pair by pair (run i of each, which ran back to
# back), so a drift in the machine's speed during the benchmark cancels out.
ratios() {
  paste -d' ' <(cut -d' ' -f"$2" "$work/$1.kvmj") <(cut -d' ' -f"$2" "$work/$1.qemu") \
    | awk '{ printf "%.4f\n", $1 / $2 }' | minmedmax | awk '{printf "%.2f %.2f %.2f\n", $1, $2, $3}'
}
row() { # label file column
  read -r kmin kmed kmax < <(stats "$work/$2.kvmj" "$3")
  read -r qmin qmed qmax < <(stats "$work/$2.qemu" "$3")
  read -r rmin rmed rmax < <(ratios "$2" "$3")
  printf '| %s | %s / %s / %s | %s / %s / %s | %s / %s / %s |\n' "$1" "$kmin" "$kmed" "$kmax" \
    "$qmin" "$qmed" "$qmax" "$rmin" "$rmed" "$rmax"
}
exit_cost() { # median(100k) - median(0), per exit in microseconds
  local a b
  a=$(stats "$work/exits100k.$1" 2 | cut -d' ' -f2); b=$(stats "$work/exits0.$1" 2 | cut -d' ' -f2)
  echo "$a $b" | awk '{printf "%.2f", ($1 - $2) * 1000 / 100000}'
}

echo
echo "kvmj vs QEMU microvm, $runs runs each, alternating; $(date -u +%Y-%m-%d) on $(nproc) CPUs, $(uname -r)"
echo "JVM: $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1); QEMU: $(qemu-system-x86_64 --version | head -n 1)"
echo
echo "| measure | kvmj min / median / max | QEMU min / median / max | kvmj/QEMU per pair, min / median / max |"
echo "|---|---|---|---|"
row "first.elf: process start to guest exit (its first instructions exit) (ms)" first 2
row "hello: process start to first serial byte (ms)" hello 1
row "hello: process start to guest exit (ms)" hello 2
row "hello: max RSS (KiB)" hello 3
row "exits guest, 0 exits: start to exit (ms)" exits0 2
row "exits guest, 100,000 port-I/O exits: start to exit (ms)" exits100k 2
ke=$(exit_cost kvmj); qe=$(exit_cost qemu)
printf '| one port-I/O exit, from the difference of medians (us) | %s | %s | %.2f |\n' "$ke" "$qe" \
  "$(echo "$ke $qe" | awk '{print $1 / $2}')"
echo
echo "first.elf's first instructions write 0 to isa-debug-exit: its row is process start to the first guest"
echo "instruction, plus one exit and the VMM's teardown. hello prints its first serial byte after its boot code"
echo "(page tables, long mode, UART set-up), which this PVM host emulates at CPL0 for both VMMs. Times run from"
echo "just before the process starts (bench/timed.py); kvmj runs through ./kvmj, its launcher script, as users run it."
