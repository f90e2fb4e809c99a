#!/usr/bin/env bash
# virtio-net and virtio-vsock throughput, kvmj vs QEMU microvm, one stock Linux guest (its own virtio_net and vsock
# drivers) with the same TAP set-up in a network namespace: TCP both ways, UDP datagrams per second both ways at
# 64-byte frames and 1500-byte packets, vsock streams both ways (kvmj: Firecracker's Unix sockets; QEMU:
# vhost-vsock). Alternating boots, ratios pair by pair (integration-tests/.../LinuxNetBench.java). Linux must
# reach user space: on a host without a VT-x/AMD-V /dev/kvm it all runs in the nested machine (10-30x slower:
# the figures then say more about the emulator than about either VMM, the ratios a little more).
#   bench/net.sh            (RUNS=3 by default); prints a Markdown table
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
./mvnw -B -q -DskipTests package >&2
scripts/fetch-debian-kernel.sh >/dev/null
test=(./mvnw -B -o -q test -pl integration-tests -Dtest=LinuxNetBench -Dsurefire.failIfNoSpecifiedTests=false
      -Dkvmj.bench.runs="${RUNS:-3}" -DtrimStackTrace=false)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ -c /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then
  where="this host's VT-x/AMD-V KVM"
  "${test[@]}" > "$out" 2>&1 || { cat "$out" >&2; exit 1; }
else
  where="the nested machine (scripts/nested-kvm.sh: QEMU's emulator with KVM inside)"
  scripts/nested-kvm.sh --mem 6144 --timeout 3600 -- "${test[@]}" > "$out" 2>&1 || { cat "$out" >&2; exit 1; }
fi
grep '^kvmj-bench:' "$out" >&2 || true
echo "Ran in $where, $(date -u +%Y-%m-%d)."
echo
grep '^|' "$out"
