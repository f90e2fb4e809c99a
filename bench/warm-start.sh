#!/usr/bin/env bash
# VM creation in a warm JVM (bench/WarmStart.java): N hello.elf VMs in one JVM, build / first serial byte / exit,
# then N first.elf VMs: build() to the exit their first instruction causes.
#   bench/warm-start.sh [N]     (N=50 by default; statistics over the last N-10)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./kvmj --version >/dev/null   # builds when needed
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "cli/target/kvmj-cli.jar:cli/target/lib/*" \
  bench/WarmStart.java "${1:-50}"
