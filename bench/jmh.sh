#!/usr/bin/env bash
# JMH microbenchmarks of kvmj's hot paths on in-memory fakes (no /dev/kvm needed): virtqueue pop/addUsed,
# Bus and virtio-mmio dispatch, GuestMemory accesses and copies. Builds the benchmarks module (Maven profile
# "bench"), runs it with the GC profiler and prints a Markdown table: time and bytes allocated per operation.
#   bench/jmh.sh                      (the whole suite, ~2-3 minutes)
#   bench/jmh.sh VirtqueueBench       (extra arguments go to JMH: a benchmark regex, -f, -i, -wi, ...)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./mvnw -B -q -DskipTests install
./mvnw -B -q -Pbench -pl benchmarks package

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar \
    -prof gc -rf json -rff "$work/jmh.json" "$@"

echo
python3 - "$work/jmh.json" <<'PY'
import json, sys

def fmt(v):
    if v is None or v != v:
        return "n/a"
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"

rows = json.load(open(sys.argv[1]))
print("| benchmark | ns/op | ± | allocated B/op |")
print("|---|---:|---:|---:|")
for r in rows:
    name = r["benchmark"].removeprefix("io.kvmj.bench.")
    if r.get("params"):
        name += " (" + ", ".join(f"{k}={v}" for k, v in r["params"].items()) + ")"
    m = r["primaryMetric"]
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
    print(f"| {name} | {fmt(m['score'])} | {fmt(m.get('scoreError'))} | {fmt(alloc)} |")
PY
