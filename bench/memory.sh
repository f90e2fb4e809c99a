#!/usr/bin/env bash
# Memory of kvmj vs QEMU microvm, each VM running exits.elf (count=300000 mmio=0, 256 MiB): N VMs at once as N
# processes, N VMs at once in one JVM (bench/ManyVms.java, through the Java API), then 1 VM as 1 process; QEMU
# always runs one process per VM. Samples VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) of every
# process every 200 ms while all its VMs run, keeps the sample with the largest total RSS, and prints a Markdown
# table.
#   bench/memory.sh     (N=10 by default)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./kvmj --version >/dev/null   # builds when needed (and trains the CDS archive)
n=${N:-10}
kernel=integration-tests/target/guests/exits.elf
cmdline="count=300000 mmio=0"
kvmj=(./kvmj run --kernel "$kernel" --cmdline "$cmdline" --debug-exit --mem 256M)
qemu=(qemu-system-x86_64 -M microvm,acpi=off -accel kvm -cpu host,-cx16,-xsave,-arch-capabilities -m 256M -nodefaults
      -no-user-config -display none -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4
      -kernel "$kernel" -append "$cmdline")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# bench/ManyVms.java compiled beforehand, so javac does not run (and grow the heap) inside the measured JVM,
# which gets the launcher's JVM options (not its CDS archive: that one is trained for `-jar kvmj-cli.jar`).
jcp="cli/target/kvmj-cli.jar:cli/target/lib/*"
"$JAVA_HOME/bin/javac" -d "$work/classes" -cp "$jcp" bench/ManyVms.java
read -r -a java_opts < scripts/kvmj-java-options

kib() { awk -v k="$2" '$1 == k":" {print $2; found=1} END {if (!found) print "NA"}' "$1" 2>/dev/null || echo NA; }
# guest_kib PID -> KiB of guest RAM resident in PID. Both VMMs map guest RAM as anonymous regions of 256 MiB or
# more advised for transparent huge pages (VmFlags "hg"); nothing else in either process is mapped that way.
guest_kib() {
  awk '/^Size:/ {s = $2} /^Rss:/ {r = $2} /^VmFlags:/ {if (s >= 262144 && / hg/) t += r} END {print t + 0}' \
    "/proc/$1/smaps" 2>/dev/null || echo NA
}
# sample PID -> "rss_kib pss_kib guest_kib"
sample() { echo "$(kib "/proc/$1/status" VmRSS) $(kib "/proc/$1/smaps_rollup" Pss) $(guest_kib "$1")"; }

# run NAME COUNT CMD...: starts COUNT copies (./kvmj execs the JVM, so each PID is the VMM process itself),
# samples every 200 ms while all are alive, writes "rss_kib pss_kib guest_kib" lines of the best sample to $work/NAME
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
      line=$(sample "$pid")
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

# run_jvm NAME COUNT: runs COUNT VMs at once in one JVM (bench/ManyVms.java), samples that process every 200 ms
# from its "ready" (all VMs started) until its "exit" (the first VM stopped), writes "rss_kib pss_kib guest_kib" of the
# sample with the largest RSS to $work/NAME, and ManyVms's own "rss BEFORE_KIB BUILT_KIB" line to $work/NAME.rss
run_jvm() {
  local name=$1 count=$2 pid line rss best=0 status
  "$JAVA_HOME/bin/java" "${java_opts[@]}" --enable-native-access=ALL-UNNAMED -cp "$work/classes:$jcp" ManyVms "$count" "$kernel" "$cmdline" 256 \
    </dev/null >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  while ! grep -q '^ready$' "$work/$name.out" && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  while grep -q '^ready$' "$work/$name.out" && ! grep -q '^exit$' "$work/$name.out"; do
    line=$(sample "$pid")
    case "$line" in *NA*) break ;; esac
    # A VM that stopped while this sample was read makes it incomplete.
    grep -q '^exit$' "$work/$name.out" && break
    rss=${line%% *}
    if [ "$rss" -gt "$best" ]; then best=$rss; echo "$line" > "$work/$name"; fi
    sleep 0.2
  done
  set +e; wait "$pid"; status=$?; set -e
  if [ "$status" -ne 0 ] || ! grep -q '^done ' "$work/$name.out"; then
    echo "$name: $count VMs in one JVM failed (status $status):" >&2; cat "$work/$name.err" >&2; exit 1
  fi
  [ -s "$work/$name" ] || { echo "$name: no sample taken while all $count ran" >&2; exit 1; }
  grep '^rss ' "$work/$name.out" > "$work/$name.rss"
}

# summary FILE COL -> "median sum" (KiB)
summary() {
  echo "$(cut -d' ' -f"$2" "$1" | minmedmax | cut -d' ' -f2) $(cut -d' ' -f"$2" "$1" | awk '{s += $1} END {print s}')"
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

run kvmj$n "$n" "${kvmj[@]}"
run qemu$n "$n" "${qemu[@]}"
if [ "$n" -gt 1 ]; then
  run_jvm jvm$n "$n"
  run_jvm jvm1 1   # only for the growth per added VM, below the table
fi
# One VM alone, three times each, alternating.
for r in 1 2 3; do
  run "kvmj1.$r" 1 "${kvmj[@]}"
  run "qemu1.$r" 1 "${qemu[@]}"
done
cat "$work"/kvmj1.? > "$work/kvmj1"
cat "$work"/qemu1.? > "$work/qemu1"

# row LABEL MEASURE KVMJ_KIB QEMU_KIB
row() { echo "| $1 | $2 | $(mib "$3") | $(mib "$4") | $(ratio "$3" "$4") |"; }
# spread FILE COL -> "min / median / max" in MiB; median FILE COL -> KiB
spread() {
  cut -d' ' -f"$2" "$1" | minmedmax | awk '{printf "%.1f / %.1f / %.1f", $1 / 1024, $2 / 1024, $3 / 1024}'
}
median() { summary "$1" "$2" | cut -d' ' -f1; }
# row_spread LABEL MEASURE NAME COL: min / median / max over the processes of kvmj NAME and qemu NAME, ratio of medians
row_spread() {
  echo "| $1 | $2 | $(spread "$work/kvmj$3" "$4") | $(spread "$work/qemu$3" "$4") | $(ratio "$(median "$work/kvmj$3" "$4")" "$(median "$work/qemu$3" "$4")") |"
}
# row_vmm LABEL NAME: RSS minus guest RAM, process by process
row_vmm() {
  local k=$work/kvmj$2.vmm q=$work/qemu$2.vmm
  awk '{print $1 - $3}' "$work/kvmj$2" > "$k"; awk '{print $1 - $3}' "$work/qemu$2" > "$q"
  echo "| $1 | RSS without guest RAM: the VMM itself | $(spread "$k" 1) | $(spread "$q" 1) | $(ratio "$(median "$k" 1)" "$(median "$q" 1)") |"
}
per() { awk -v k="$1" -v n="$2" 'BEGIN {print k / n}'; }
procs() { if [ "$1" -eq 1 ]; then echo "1 process"; else echo "$1 processes"; fi; }

echo
echo "Memory per VM, exits.elf ($cmdline) with 256 MiB guest RAM; $(date -u +%Y-%m-%d) on $(nproc) CPUs, $(uname -r)"
echo "JVM: $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1) ($(cat scripts/kvmj-java-options)); QEMU: $(qemu-system-x86_64 --version | head -n 1)"
echo
echo "| VMs at once | measure (MiB; processes: min / median / max) | kvmj | QEMU | kvmj/QEMU (medians) |"
echo "|---|---|---|---|---|"
row_spread "$(procs "$n")" "RSS per VM" "$n" 1
row_spread "$(procs "$n")" "PSS per VM" "$n" 2
row_spread "$(procs "$n")" "guest RAM resident per VM" "$n" 3
row_vmm "$(procs "$n")" "$n"
if [ "$n" -gt 1 ]; then
  read -r _ krs < <(summary "$work/kvmj$n" 1); read -r _ qrs < <(summary "$work/qemu$n" 1)
  read -r _ kps < <(summary "$work/kvmj$n" 2); read -r _ qps < <(summary "$work/qemu$n" 2)
  read -r _ qgs < <(summary "$work/qemu$n" 3)
  row "$(procs "$n")" "RSS total" "$krs" "$qrs"
  row "$(procs "$n")" "PSS total" "$kps" "$qps"
  read -r jr jp jg < "$work/jvm$n"
  row "$n in one JVM" "RSS per VM (total / $n)" "$(per "$jr" "$n")" "$(per "$qrs" "$n")"
  row "$n in one JVM" "RSS per VM without guest RAM (total / $n)" "$(per "$((jr - jg))" "$n")" \
    "$(per "$((qrs - qgs))" "$n")"
  row "$n in one JVM" "PSS per VM (total / $n)" "$(per "$jp" "$n")" "$(per "$qps" "$n")"
  row "$n in one JVM" "RSS total" "$jr" "$qrs"
  row "$n in one JVM" "PSS total" "$jp" "$qps"
fi
row_spread "1 process (3 runs)" "RSS per VM" 1 1
row_spread "1 process (3 runs)" "PSS per VM" 1 2
row_spread "1 process (3 runs)" "guest RAM resident" 1 3
row_vmm "1 process (3 runs)" 1
echo
echo "Rows: \"$(procs "$n")\": $n \`kvmj run\` processes (one JVM each) at once beside $n QEMU processes; per VM"
echo "is the median process. \"$n in one JVM\": $n VMs built and started through the Java API in a single JVM"
echo "(bench/ManyVms.java: same guest, command line and guest RAM; the launcher's JVM options, not its CDS archive),"
echo "measured as that one process, per VM = total / $n; QEMU has no such mode, so its column repeats its $n"
echo "processes, per VM = their total / $n. \"1 process\": one VM alone, three times each."
echo "Each row is from the 200 ms sample, taken while all VMs ran, with the largest total RSS. RSS counts pages"
echo "shared between processes (the JDK's libjvm, CDS archives, the jars; QEMU's binary and libraries) in every"
echo "process, so RSS totals overstate the cost of $n processes; PSS splits shared pages among their users and is"
echo "the fair per-VM number when $n processes run at once. Guest RAM counts only where the guest touched it; the"
echo "\"guest RAM\" rows are the resident part of each process's guest RAM mapping(s) (from /proc/PID/smaps), so"
echo "\"without guest RAM\" is what the VMM itself keeps resident beside the guest's memory."
if [ "$n" -gt 1 ]; then
  read -r _ jb jbuilt < "$work/jvm$n.rss"
  read -r j1r j1p _ < "$work/jvm1"
  echo "Growth per VM in one JVM: its VmRSS was $(mib "$jb") MiB before the first VM was built, $(mib "$jbuilt") MiB"
  echo "with all $n built (none started) and $(mib "$jr") MiB at the peak while they ran; a JVM with 1 VM (same"
  echo "program) peaked at $(mib "$j1r") MiB RSS / $(mib "$j1p") MiB PSS, so each VM beyond the first added"
  echo "$(mib "$(per "$((jr - j1r))" "$((n - 1))")") MiB RSS / $(mib "$(per "$((jp - j1p))" "$((n - 1))")") MiB PSS."
fi
