#!/usr/bin/env bash
# The whole benchmark suite in one command, with smaller repetition counts than the scripts' defaults
# (about 8-10 minutes on a 2-CPU host): builds, runs bench/run.sh, block.sh, exit-cost.sh, warm-start.sh,
# memory.sh and jmh.sh one after the other, keeps each one's Markdown output and log, extracts the numbers
# into a TSV, draws bar charts with io.kvmj.bench.report.Plot (benchmarks module, XChart) and writes
# docs/benchmarks/README.md (host header, each section's table as printed, the PNGs).
#   bench/all.sh
# A failing benchmark does not stop the others: its section says "failed (see log)" and all.sh exits 1.
# Raw outputs and logs stay in a temporary directory whose path is printed at the start and at the end.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
out=docs/benchmarks
logs=$(mktemp -d "${TMPDIR:-/tmp}/kvmj-bench-all.XXXXXX")
echo "bench/all.sh: raw outputs and logs in $logs" >&2
suite_start=$(date +%s)
failed=()

# The build every script would otherwise repeat, plus the benchmarks module's jar (JMH and Plot).
echo "bench/all.sh: building" >&2
if ! { ./mvnw -B -q -DskipTests install && ./mvnw -B -q -Pbench -pl benchmarks package; } > "$logs/build.log" 2>&1; then
  echo "bench/all.sh: build failed, see $logs/build.log" >&2
  exit 1
fi

# bench NAME TIMEOUT_S [VAR=VALUE...] -- ARGS...: runs bench/NAME.sh, stdout to $logs/NAME.md, stderr to
# $logs/NAME.log, records its duration in $logs/NAME.secs and failures in ${failed[@]}.
bench() {
  local name=$1 limit=$2 start status
  shift 2
  local vars=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  local attempt
  # Two attempts: the VMs' sampling in memory.sh, for one, can race with a VM's exit and fail a good run.
  for attempt in 1 2; do
    echo "bench/all.sh: $name ${vars[*]} $* (at most ${limit}s, attempt $attempt)" >&2
    start=$(date +%s)
    env "${vars[@]}" timeout --kill-after=10 "$limit" "bench/$name.sh" "$@" > "$logs/$name.md" 2> "$logs/$name.log"
    status=$?
    echo $(( $(date +%s) - start )) > "$logs/$name.secs"
    # A script that exits 0 without printing a table has failed too.
    if [ "$status" -eq 0 ] && grep -q '^|---' "$logs/$name.md"; then
      rm -f "$logs/$name.failed"
      return
    fi
    echo "bench/all.sh: $name FAILED (status $status), see $logs/$name.log" >&2
    echo "$status" > "$logs/$name.failed"
    cp "$logs/$name.log" "$logs/$name.attempt$attempt.log"
    # Do not spend another 7 minutes on a timed-out run.
    [ "$status" -eq 124 ] || [ "$status" -eq 137 ] && break
  done
  failed+=("$name")
}

bench run 240 RUNS=5 --
bench block 420 RUNS=3 --
bench exit-cost 180 RUNS=5 --
bench warm-start 120 -- 30
bench memory 240 N=10 --
bench jmh 360 -- -f 1 -wi 2 -w 1s -i 3 -r 1s

# ---- numbers for the charts: png <TAB> chart title <TAB> y label <TAB> category <TAB> series <TAB> value
tsv=$logs/plot.tsv
: > "$tsv"
cells() { # FILE -> Markdown table rows with trimmed cells joined by TABs
  awk -F'|' '/^\| / && !/^\|---/ { s = ""; for (i = 2; i < NF; i++) { c = $i; gsub(/^ +| +$/, "", c); s = s (i > 2 ? "\t" : "") c }; print s }' "$1"
}
median_of() { awk -F' / ' '{ print (NF >= 3) ? $2 : $1 }' <<< "$1"; }
if [ ! -e "$logs/run.failed" ]; then
  cells "$logs/run.md" | while IFS=$'\t' read -r label k q _; do
    km=$(median_of "$k"); qm=$(median_of "$q")
    case $label in
      "first.elf: process start"*) cat="first.elf"; chart="Process start to guest exit"; unit=ms ;;
      "hello: process start to first serial byte"*) cat="hello"; chart="Process start to first serial byte"; unit=ms ;;
      "hello: process start to guest exit"*) cat=hello; chart="Process start to guest exit"; unit=ms ;;
      "exits guest, 0 exits"*) cat="exits, 0"; chart="Process start to guest exit"; unit=ms ;;
      "exits guest, 100,000"*) cat="exits, 100k"; chart="Process start to guest exit"; unit=ms ;;
      "hello: max RSS"*) cat=hello; chart="Max RSS"; unit=MiB
        km=$(awk -v v="$km" 'BEGIN { printf "%.1f", v / 1024 }'); qm=$(awk -v v="$qm" 'BEGIN { printf "%.1f", v / 1024 }') ;;
      "one port-I/O exit"*) cat="one exit"; chart="Port-I/O exit cost"; unit=us ;;
      *) continue ;;
    esac
    printf 'run\t%s (median)\t%s\t%s\tkvmj\t%s\nrun\t%s (median)\t%s\t%s\tQEMU\t%s\n' \
      "$chart" "$unit" "$cat" "$km" "$chart" "$unit" "$cat" "$qm"
  done >> "$tsv"
fi
if [ ! -e "$logs/block.failed" ]; then
  cells "$logs/block.md" | while IFS=$'\t' read -r mode file cache k q _; do
    [ "$mode" = workload ] && continue
    cat="$mode $file"; case $cache in O_DIRECT*) cat="$cat O_DIRECT" ;; esac
    case $mode in rand*) chart="Random 4 KiB reads" ;; *) chart="Sequential 1 MiB" ;; esac
    printf 'block\t%s\tMB/s\t%s\tkvmj\t%s\nblock\t%s\tMB/s\t%s\tQEMU\t%s\n' "$chart" "$cat" "$k" "$chart" "$cat" "$q"
  done >> "$tsv"
fi
if [ ! -e "$logs/memory.failed" ]; then
  cells "$logs/memory.md" | while IFS=$'\t' read -r count measure k q _; do
    case $measure in *"per VM"*) ;; *) continue ;; esac
    cat="${measure%% per VM*}, $count"
    printf 'memory\tMemory per VM (median)\tMiB\t%s\tkvmj\t%s\nmemory\tMemory per VM (median)\tMiB\t%s\tQEMU\t%s\n' \
      "$cat" "$(median_of "$k")" "$cat" "$(median_of "$q")"
  done >> "$tsv"
fi
if [ ! -e "$logs/exit-cost.failed" ]; then
  cells "$logs/exit-cost.md" | while IFS=$'\t' read -r label raw k _; do
    case $label in *exit*) ;; *) continue ;; esac
    printf 'exit-cost\tPort-I/O exit cost\tns/exit\tone exit\traw C VMM\t%s\nexit-cost\tPort-I/O exit cost\tns/exit\tone exit\tkvmj\t%s\n' \
      "$(median_of "$raw")" "$k"
  done >> "$tsv"
fi
mkdir -p "$out"
rm -f "$out"/*.png
if ! "$JAVA_HOME/bin/java" -Djava.awt.headless=true -cp benchmarks/target/benchmarks.jar io.kvmj.bench.report.Plot \
    "$tsv" "$out" > "$logs/plot.log" 2>&1; then
  echo "bench/all.sh: plotting failed, see $logs/plot.log" >&2
  failed+=(plot)
fi

# ---- docs/benchmarks/README.md
section() { # NAME TITLE PNG...
  local name=$1 title=$2 png
  shift 2
  echo "## $title"
  echo
  if [ -e "$logs/$name.failed" ]; then
    echo "failed (see log): \`bench/$name.sh\` exited with status $(cat "$logs/$name.failed") or printed no table;"
    echo "its log was \`$logs/$name.log\`."
  else
    echo; echo "\`bench/$name.sh\`, $(cat "$logs/$name.secs") s:"
    if [ "$name" = jmh ]; then
      echo; sed -n '/^| benchmark |/,$p' "$logs/jmh.md"   # JMH's own progress output precedes the table
    else
      echo; sed '/./,$!d' "$logs/$name.md"   # without the leading blank lines
    fi
    for png in "$@"; do
      [ -f "$out/$png.png" ] && printf '\n![%s](%s.png)\n' "$png" "$png"
    done
  fi
  echo
}
qemu_version=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)
{
  echo "# kvmj benchmarks"
  echo
  echo "Generated by \`bench/all.sh\` (the exact command; smaller repetition counts than each script's default)"
  echo "on $(date -u '+%Y-%m-%d %H:%M UTC'), in $(( $(date +%s) - suite_start )) s."
  echo
  echo "| host | |"
  echo "|---|---|"
  echo "| CPUs (\`nproc\`) | $(nproc) |"
  echo "| CPU model | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) |"
  echo "| kernel (\`uname -r\`) | $(uname -r) |"
  echo "| JDK | $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1) ($JAVA_HOME) |"
  echo "| QEMU | ${qemu_version:-not found} |"
  echo
  echo "Charts show medians; kvmj in blue, QEMU microvm in orange. Other machines' numbers will differ: this"
  echo "host's KVM may be PVM-based (see the README's Performance section)."
  echo
  section run "Start time, RSS and exit cost (bench/run.sh, RUNS=5)" run
  section block "virtio-blk throughput (bench/block.sh, RUNS=3)" block
  section exit-cost "Exit cost vs a minimal C VMM (bench/exit-cost.sh, RUNS=5)" exit-cost
  section warm-start "VM creation in a warm JVM (bench/warm-start.sh 30)"
  section memory "Memory per VM (bench/memory.sh, N=10)" memory
  section jmh "JMH microbenchmarks (bench/jmh.sh -f 1 -wi 2 -w 1s -i 3 -r 1s)"
} > "$out/README.md"

echo "bench/all.sh: wrote $out/README.md and $(ls "$out"/*.png 2>/dev/null | wc -l) PNGs in $out/ in $(( $(date +%s) - suite_start )) s" >&2
echo "bench/all.sh: raw outputs and logs in $logs" >&2
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench/all.sh: failed: ${failed[*]}" >&2
  exit 1
fi
