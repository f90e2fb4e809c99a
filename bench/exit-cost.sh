#!/usr/bin/env bash
# Cost of one port-I/O exit to user space: kvmj vs a minimal C VMM (bench/rawkvm.c), on the same guest.
# Both boot integration-tests/target/guests/exits.elf (PVH, 64 MiB, one vCPU) and are timed the same way:
# per-exit cost = (median wall time of a whole run with count=300000 - median with count=0) / 300,000 (a long run:
# the difference is a few per cent of ~9 us on this host, so the exits must outweigh the runs' jitter).
# Raw and kvmj runs alternate. Then an allocation check: a kvmj run with count=300000 (and one with count=0)
# under JFR, reporting what the vCPU thread allocates per exit and where (jq reads the JFR output; bench/prepare.sh installs it).
#   bench/exit-cost.sh      (RUNS=5 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./kvmj --version >/dev/null   # builds when needed (and trains the CDS archive)
runs=${RUNS:-5}
exits=300000
alloc_exits=300000
guest=integration-tests/target/guests/exits.elf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -Wextra -Werror -o "$work/rawkvm" bench/rawkvm.c

# wall_us raw|kvmj COUNT -> wall-clock microseconds of one whole run; exit status 1 = guest passed.
# rawkvm's own timing line (stderr) is kept in $work/raw.err.
wall_us() {
  local cmdline="count=$2 mmio=0" start end status
  start=$(date +%s%N)
  set +e
  if [ "$1" = raw ]; then
    "$work/rawkvm" "$guest" "$cmdline" </dev/null >/dev/null 2>"$work/raw.err"
  else
    ./kvmj run --kernel "$guest" --cmdline "$cmdline" --debug-exit --mem 64M </dev/null >/dev/null 2>&1
  fi
  status=$?
  set -e
  end=$(date +%s%N)
  if [ "$status" -ne 1 ]; then
    echo "$1 run failed (status $status): $cmdline" >&2
    [ "$1" = raw ] && cat "$work/raw.err" >&2
    exit 1
  fi
  echo "$(( (end - start) / 1000 ))"
}
# stats FILE -> "min median max"
stats() { minmedmax < "$1"; }
median() { stats "$1" | awk '{print $2}'; }
# per_pair A B -> one ns/exit per run: (A_i - B_i) microseconds / exits
per_pair() { paste "$1" "$2" | awk -v n=$exits '{printf "%.1f\n", ($1 - $2) * 1000 / n}'; }

wall_us raw 0 >/dev/null; wall_us kvmj 0 >/dev/null   # warm-up (page cache)
for ((i = 0; i < runs; i++)); do
  wall_us raw $exits >> "$work/raw.n"
  sed -n 's/.*run_loop_ns=//p' "$work/raw.err" >> "$work/rawloop.n"
  wall_us kvmj $exits >> "$work/kvmj.n"
  wall_us raw 0 >> "$work/raw.0"
  sed -n 's/.*run_loop_ns=//p' "$work/raw.err" >> "$work/rawloop.0"
  wall_us kvmj 0 >> "$work/kvmj.0"
done

for v in raw kvmj; do
  per_pair "$work/$v.n" "$work/$v.0" > "$work/$v.pairs"
  read -r pmin pmed pmax < <(stats "$work/$v.pairs")
  printf -v "${v}_pairs" '%.0f / %.0f / %.0f' "$pmin" "$pmed" "$pmax"
  printf -v "${v}_ns" '%.0f' "$(echo "$(median "$work/$v.n") $(median "$work/$v.0")" \
    | awk -v n=$exits '{print ($1 - $2) * 1000 / n}')"
  printf -v "${v}_ms" 'count=%s %.1f ms, count=0 %.1f ms' $exits \
    "$(median "$work/$v.n" | awk '{print $1 / 1000}')" "$(median "$work/$v.0" | awk '{print $1 / 1000}')"
done
raw_loop_ns=$(echo "$(median "$work/rawloop.n") $(median "$work/rawloop.0")" | awk -v n=$exits '{printf "%.0f", ($1 - $2) / n}')
ratio=$(echo "$kvmj_ns $raw_ns" | awk '{printf "%.2f", $1 / $2}')
read -r rmin rmed rmax < <(paste "$work/kvmj.pairs" "$work/raw.pairs" | awk '{print $1 / $2}' > "$work/ratio.pairs"
  stats "$work/ratio.pairs")
pair_ratios=$(printf '%.2f / %.2f / %.2f' "$rmin" "$rmed" "$rmax")

echo
echo "Port-I/O exit cost, same guest for both (exits.elf, count=$exits vs count=0), $runs runs each, alternating;"
echo "$(date -u +%Y-%m-%d) on $(nproc) CPUs, $(uname -r)"
echo
echo "| measure | raw C VMM ns/exit | kvmj ns/exit | kvmj/raw |"
echo "|---|---|---|---|"
echo "| one \`out\` exit, difference of medians of whole-run wall time | $raw_ns | $kvmj_ns | $ratio |"
echo "| the same per run pair (count=$exits run i - count=0 run i), min / median / max | $raw_pairs | $kvmj_pairs | $pair_ratios |"
echo
echo "Wall time (medians): raw $raw_ms; kvmj $kvmj_ms (./kvmj run, JVM start-up included)."
echo "Cross-check: rawkvm's own timer around its KVM_RUN loop gives $raw_loop_ns ns/exit (difference of medians)."
echo "Both VMMs boot the same PVH guest the same way (64 MiB, in-kernel irqchip and PIT, kvmj's boot data layout and"
echo "CPUID): it runs count iterations of a long-mode out/dec/jnz loop at CPL0 on port 0x3e0, which no device claims;"
echo "each out is one KVM_EXIT_IO to user space, dropped by the VMM. Subtracting the count=0 run cancels boot, process"
echo "and JVM start-up, and guest output. What is left per exit: the loop's three instructions (emulated on this"
echo "PVM host, as all CPL0 guest code is, and identical for both), the KVM round trip, and the VMM's user-space"
echo "handling of the exit; only the last differs, so kvmj - raw is kvmj's extra cost per exit. The ratio depends on"
echo "the host: on VT-x/AMD-V the guest instructions are nearly free and the exit itself is cheaper."

# ---- allocation check: what the vCPU thread allocates per exit ----
echo
read -r -a java_opts < scripts/kvmj-java-options
jfr="$JAVA_HOME/bin/jfr"
# jfr_run COUNT: kvmj with JFR (profile settings, per-thread allocation totals every 10 ms) and a GC log
jfr_run() {
  local status
  set +e
  "$JAVA_HOME/bin/java" "${java_opts[@]}" -Xlog:gc:file="$work/gc$1.log" \
    "-XX:StartFlightRecording:filename=$work/alloc$1.jfr,settings=profile,jdk.ThreadAllocationStatistics#period=10ms" \
    -jar cli/target/kvmj-cli.jar run --kernel "$guest" --cmdline "count=$1 mmio=0" --debug-exit --mem 64M \
    </dev/null >/dev/null 2>&1
  status=$?
  set -e
  if [ "$status" -ne 1 ]; then echo "kvmj run under JFR failed (status $status): count=$1" >&2; exit 1; fi
}
# vcpu_bytes COUNT -> bytes the vcpu-0 thread allocated (its last cumulative sample)
vcpu_bytes() {
  "$jfr" print --json --events jdk.ThreadAllocationStatistics "$work/alloc$1.jfr" \
    | jq '[.recording.events[].values | select(.thread.javaName == "vcpu-0") | .allocated] | max // 0'
}
jfr_run $alloc_exits
jfr_run 0
b_n=$(vcpu_bytes $alloc_exits)
b_0=$(vcpu_bytes 0)
echo "Allocation by kvmj's vCPU thread (JFR jdk.ThreadAllocationStatistics every 10 ms; JVM options from"
echo "scripts/kvmj-java-options, as ./kvmj uses, without its CDS archive):"
echo
echo "| run | vcpu-0 allocated bytes | GCs (whole JVM, -Xlog:gc) |"
echo "|---|---|---|"
echo "| count=$alloc_exits | $b_n | $(grep -c Pause "$work/gc$alloc_exits.log" || true) |"
echo "| count=0 | $b_0 | $(grep -c Pause "$work/gc0.log" || true) |"
echo "| difference / $alloc_exits exits | $(echo "$b_n $b_0" | awk -v n=$alloc_exits '{printf "%.1f B/exit", ($1 - $2) / n}') | |"
echo
echo "Top allocation sites on vcpu-0 in the count=$alloc_exits run (jdk.ObjectAllocationSample; share of sampled"
echo "weight, allocated class, JDK method reached < first kvmj frames):"
"$jfr" print --json --stack-depth 16 --events jdk.ObjectAllocationSample "$work/alloc$alloc_exits.jfr" | jq -r '
  def frame: "\(.method.type.name | gsub("/"; ".") | sub("^.*\\."; ""))::\(.method.name):\(.lineNumber)";
  def kvmj: .method.type.name | startswith("io/kvmj/");
  [.recording.events[].values | select(.eventThread.javaName == "vcpu-0")
   | .stackTrace.frames as $f | ($f | map(kvmj) | index(true)) as $k
   | {cls: (.objectClass.name | gsub("/"; ".")), w: .weight,
      site: ([$f[0:$k][] | select(.method.hidden | not) | frame][-1:]
             + [$f[] | select(kvmj) | frame][0:5] | join(" < "))}]
  | (map(.w) | add) as $total
  | group_by(.cls + " " + .site)
  | map({cls: .[0].cls, site: .[0].site, w: (map(.w) | add)})
  | sort_by(-.w) | .[] | select(.w / $total >= 0.01)
  | "  \((.w * 100 / $total) | round)%  \(.cls)  \(.site)"'
