#!/usr/bin/env bash
# Builds kvmj and runs every test. Installs what the tests need first (idempotent): QEMU (the reference
# VMM the test guests also run under), gcc/make (the test guests), acpica-tools (iasl, for the ACPI tests).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-deps.sh"
. "$root/scripts/find-jdk.sh"
kvmj_find_jdk
kvmj_quiet_maven
cd "$root"
exec ./mvnw -B verify "$@"
