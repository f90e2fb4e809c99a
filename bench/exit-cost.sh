#!/usr/bin/env bash
# Cost of one port-I/O exit: a minimal C VMM (bench/rawkvm.c, real-mode "out" loop) vs kvmj (exits.elf).
# kvmj's per-exit cost = (median wall time with count=100000 - median with count=0) / 100,000.
#   bench/exit-cost.sh      (RUNS=5 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./kvmj --version >/dev/null   # builds when needed (and trains the AOT cache)
runs=${RUNS:-5}
exits=100000
guest=integration-tests/target/guests/exits.elf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -Wextra -o "$work/rawkvm" bench/rawkvm.c

# kvmj_ms CMDLINE -> wall ms of one run; exit status 1 = guest passed
kvmj_ms() {
  local start end status
  start=$(date +%s%N)
  set +e
  ./kvmj run --kernel "$guest" --cmdline "$1" --debug-exit --mem 64M </dev/null >/dev/null 2>&1
  status=$?
  set -e
  end=$(date +%s%N)
  if [ "$status" -ne 1 ]; then echo "kvmj run failed (status $status): $1" >&2; exit 1; fi
  echo "$(( (end - start) / 1000000 ))"
}
# stats FILE -> "min median max"
stats() { sort -g "$1" | awk '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; print v[1], m, v[NR]}'; }

kvmj_ms "count=0 mmio=0" >/dev/null   # warm-up (page cache)
for ((i = 0; i < runs; i++)); do
  "$work/rawkvm" "$exits" | sed 's/.*ns_per_exit=//' >> "$work/raw"
  kvmj_ms "count=$exits mmio=0" >> "$work/k100k"
  kvmj_ms "count=0 mmio=0" >> "$work/k0"
done

read -r rmin rmed rmax < <(stats "$work/raw")
read -r _ k100k _ < <(stats "$work/k100k")
read -r _ k0 _ < <(stats "$work/k0")
kns=$(echo "$k100k $k0" | awk -v n=$exits '{printf "%.0f", ($1 - $2) * 1e6 / n}')

echo
echo "Port-I/O exit cost, $runs runs each, alternating; $(date -u +%Y-%m-%d) on $(nproc) CPUs, $(uname -r)"
echo
echo "| measure | raw C VMM ns/exit (min / median / max) | kvmj ns/exit (difference of medians) | kvmj/raw (medians) |"
echo "|---|---|---|---|"
printf '| one `out` exit, KVM_RUN round trip | %.0f / %.0f / %.0f | %s | %.2f |\n' "$rmin" "$rmed" "$rmax" "$kns" \
  "$(echo "$kns $rmed" | awk '{print $1 / $2}')"
echo
echo "kvmj wall ms (median): count=$exits $k100k, count=0 $k0 (./kvmj run, JVM start included in both)."
echo "The guests differ: the raw VMM runs a 16-bit real-mode out/dec/jnz loop timed around its KVM_RUN loop;"
echo "kvmj runs the PVH test guest's long-mode loop, timed as a wall-clock difference of whole runs. Only the"
echo "exit path is compared. On this PVM host CPL0 guest code is emulated, so both include emulating the"
echo "loop's instructions (and the ratio would differ on a VT-x/AMD-V host)."
