#!/usr/bin/env bash
# Memory of kvmj vs QEMU microvm: 10 VMs at once, then 1, each running exits.elf (count=300000, 256 MiB).
# Samples every process's VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) while all of them run,
# keeps the sample with the largest total RSS, and prints a Markdown table.
#   bench/memory.sh     (N=10 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./kvmj --version >/dev/null   # builds when needed (and trains the AOT cache)
n=${N:-10}
kernel=integration-tests/target/guests/exits.elf
cmdline="count=300000 mmio=0"
kvmj=(./kvmj run --kernel "$kernel" --cmdline "$cmdline" --debug-exit --mem 256M)
qemu=(qemu-system-x86_64 -M microvm,acpi=off -accel kvm -cpu host,-cx16,-xsave,-arch-capabilities -m 256M -nodefaults
      -no-user-config -display none -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4
      -kernel "$kernel" -append "$cmdline")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

kib() { awk -v k="$2" '$1 == k":" {print $2; found=1} END {if (!found) print "NA"}' "$1" 2>/dev/null || echo NA; }

# run NAME COUNT CMD...: starts COUNT copies (./kvmj execs the JVM, so each PID is the VMM process itself),
# samples every 200 ms while all are alive, writes "rss_kib pss_kib" lines of the best sample to $work/NAME
run() {
  local name=$1 count=$2 i s pid alive line total best=0
  shift 2
  local pids=()
  for ((i = 0; i < count; i++)); do
    "$@" </dev/null >/dev/null 2>&1 &
    pids+=($!)
  done
  for ((s = 0; ; s++)); do
    sleep 0.2
    alive=1; : > "$work/sample"; total=0
    for pid in "${pids[@]}"; do
      if [ ! -r "/proc/$pid/status" ] || grep -q '^State:.*zombie' "/proc/$pid/status" 2>/dev/null; then
        alive=0; break
      fi
      line="$(kib "/proc/$pid/status" VmRSS) $(kib "/proc/$pid/smaps_rollup" Pss)"
      # The VM may exit between the check above and these reads: then the sample is incomplete.
      case "$line" in *NA*) alive=0; break ;; esac
      echo "$line" >> "$work/sample"
      total=$((total + ${line%% *}))
    done
    [ "$alive" -eq 1 ] || break
    if [ "$total" -gt "$best" ]; then best=$total; cp "$work/sample" "$work/$name"; fi
  done
  for pid in "${pids[@]}"; do
    set +e; wait "$pid"; local status=$?; set -e
    if [ "$status" -ne 1 ]; then echo "$name: a VM failed (status $status): $*" >&2; exit 1; fi
  done
  [ -s "$work/$name" ] || { echo "$name: no sample taken while all $count ran" >&2; exit 1; }
}

# summary FILE COL -> "median sum" (KiB)
summary() { cut -d' ' -f"$2" "$1" | sort -n | awk '{v[NR]=$1; s+=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; print m, s}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

run kvmj$n "$n" "${kvmj[@]}"
run qemu$n "$n" "${qemu[@]}"
run kvmj1 1 "${kvmj[@]}"
run qemu1 1 "${qemu[@]}"

echo
echo "Memory per VM, exits.elf ($cmdline) with 256 MiB guest RAM; $(date -u +%Y-%m-%d) on $(nproc) CPUs, $(uname -r)"
echo "JVM: $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1); QEMU: $(qemu-system-x86_64 --version | head -n 1)"
echo
echo "| VMs at once | measure (MiB) | kvmj | QEMU | kvmj/QEMU |"
echo "|---|---|---|---|---|"
for c in "$n" 1; do
  read -r krm krs < <(summary "$work/kvmj$c" 1); read -r qrm qrs < <(summary "$work/qemu$c" 1)
  read -r kpm kps < <(summary "$work/kvmj$c" 2); read -r qpm qps < <(summary "$work/qemu$c" 2)
  echo "| $c | RSS per VM (median) | $(mib "$krm") | $(mib "$qrm") | $(ratio "$krm" "$qrm") |"
  echo "| $c | PSS per VM (median) | $(mib "$kpm") | $(mib "$qpm") | $(ratio "$kpm" "$qpm") |"
  if [ "$c" -ne 1 ]; then
    echo "| $c | RSS total | $(mib "$krs") | $(mib "$qrs") | $(ratio "$krs" "$qrs") |"
    echo "| $c | PSS total | $(mib "$kps") | $(mib "$qps") | $(ratio "$kps" "$qps") |"
  fi
done
echo
echo "Each row is from the 200 ms sample, taken while all VMs ran, with the largest total RSS. RSS counts pages"
echo "shared between processes (the JDK's libjvm, CDS/AOT archive, the jars; QEMU's binary and libraries) in every"
echo "process, so RSS totals overstate the cost of $n VMs; PSS splits shared pages among their users and is the"
echo "fair per-VM number when $n run at once. Guest RAM counts only where the guest touched it."
