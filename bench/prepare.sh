# Sourced by every bench script: moves to the repository root and selects a JDK >= 25 for Maven and kvmj.
# Each script then builds what it needs itself.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/find-jdk.sh
kvmj_find_jdk || exit 1
kvmj_quiet_maven
scripts/install-deps.sh --bench
