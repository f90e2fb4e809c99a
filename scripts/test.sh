#!/usr/bin/env bash
# Builds kvmj and runs every test, each where this host can run it. Installs what the tests need first
# (idempotent). Tests are tagged by what they need (JUnit 5 tags):
#   kvm    a /dev/kvm of any kind;
#   linux  a KVM that runs Linux to user space (hardware virtualization: not a PVM-based KVM);
#   none   everything else (unit tests), always on the host.
# Where each runs, by the host's KVM:
#   VT-x/AMD-V /dev/kvm   everything on the host;
#   PVM-based /dev/kvm    kvm on the host, linux in the nested machine (scripts/nested-kvm.sh);
#   no /dev/kvm           kvm and linux in the nested machine.
# The nested machine is QEMU's emulator with a real /dev/kvm in it, sharing this filesystem; it runs 10-30x
# slower than native. Under CI=true a test that needs something missing fails instead of skipping.
#
#   scripts/test.sh [--nested] [MAVEN ARGS...]
#     --nested          run every kvm and linux test in the nested machine, whatever this host has
#     MAVEN ARGS        passed to both Maven runs, e.g. -Dtest=LinuxGuestTest for one class
#   KVMJ_NESTED_TIMEOUT seconds allowed for the nested run (default 4200)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
force_nested=false
if [ "${1:-}" = --nested ]; then
  force_nested=true
  shift
fi
"$root/scripts/install-deps.sh"
. "$root/scripts/find-jdk.sh"
kvmj_find_jdk
kvmj_quiet_maven
cd "$root"
start=$SECONDS

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  if [ -d /sys/module/kvm_pvm ]; then kvm=pvm; else kvm=native; fi
else
  kvm=none
fi
case $kvm in
  native) host_kvm="VT-x/AMD-V /dev/kvm"; nested_groups="" ;;
  pvm) host_kvm="PVM-based /dev/kvm"; nested_groups="linux" ;;
  none) host_kvm="no /dev/kvm"; nested_groups="kvm,linux" ;;
esac
$force_nested && nested_groups="kvm,linux"

# The Linux tests' kernel comes from apt; the nested machine boots it too and has no network: fetch it here.
scripts/fetch-debian-kernel.sh >/dev/null || echo "kvmj: Debian's kernel could not be fetched; the tests that boot Linux will say so" >&2

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
common=(-B -Dsurefire.failIfNoSpecifiedTests=false)
host_args=(verify "${common[@]}")
[ -n "$nested_groups" ] && host_args+=(-DexcludedGroups="$nested_groups")
echo "kvmj: host ($host_kvm): building, then running the tests${nested_groups:+ not tagged $nested_groups}" >&2
set +e
./mvnw "${host_args[@]}" "$@" 2>&1 | tee "$logs/host"
status=${PIPESTATUS[0]}
set -e
host_time=$((SECONDS - start))

nested_time=0
if [ "$status" -eq 0 ] && [ -n "$nested_groups" ]; then
  echo "kvmj: nested machine (QEMU emulator with KVM inside): running the tests tagged $nested_groups" >&2
  set +e
  scripts/nested-kvm.sh --timeout "${KVMJ_NESTED_TIMEOUT:-4200}" --mem 12288 -- \
    ./mvnw -o test "${common[@]}" -Dgroups="$nested_groups" "$@" 2>&1 | tee "$logs/nested"
  status=${PIPESTATUS[0]}
  set -e
  nested_time=$((SECONDS - start - host_time))
fi

# Surefire's per-module totals ("Tests run: N, Failures: F, Errors: E, Skipped: S" without a class name).
totals() {
  [ -f "$1" ] || { echo "0 0 0"; return; }
  sed -n 's/^\[[A-Z]*\] Tests run: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\), Skipped: \([0-9]*\)$/\1 \2 \3 \4/p' "$1" \
    | awk '{r += $1; f += $2 + $3; s += $4} END {print r + 0, f + 0, s + 0}'
}
minutes() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
read -r host_run host_failed host_skipped < <(totals "$logs/host")
read -r nested_run nested_failed nested_skipped < <(totals "$logs/nested")
echo
echo "kvmj test summary (this host: $host_kvm)"
printf '  host:   %4d run, %d failed, %d skipped, in %s\n' "$host_run" "$host_failed" "$host_skipped" "$(minutes $host_time)"
if [ -n "$nested_groups" ]; then
  printf '  nested: %4d run, %d failed, %d skipped, in %s (tests tagged %s)\n' "$nested_run" "$nested_failed" \
    "$nested_skipped" "$(minutes $nested_time)" "$nested_groups"
fi
echo "  wall time $(minutes $((SECONDS - start))), exit status $status"
failed=$((host_failed + nested_failed))
echo "tests: $((host_run + nested_run - failed - host_skipped - nested_skipped)) passed, $failed failed, $((host_skipped + nested_skipped)) skipped"
exit "$status"
