# Sourced by every bench script: moves to the repository root and selects a JDK >= 25 for Maven and kvmj.
# Each script then builds what it needs itself.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/find-jdk.sh
kvmj_find_jdk || exit 1
kvmj_quiet_maven
scripts/install-deps.sh --bench

# Reads numbers, one per line, on stdin; prints "min median max" (nothing when there are none). Every script's
# statistics go through this one.
minmedmax() {
  sort -g | awk 'BEGIN {OFMT = "%.10g"} {v[NR] = $1} END {if (NR) print v[1], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR]}'
}
