#!/usr/bin/env bash
# Installs the Debian packages kvmj's build and tests use, only when something is missing.
# (The Linux conformance test fetches Debian's kernel with apt-get download on its own.)
#   scripts/install-deps.sh            build and tests
#   scripts/install-deps.sh --bench    also what bench/ uses (jq and python3 read JFR and JMH output)
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v iasl >/dev/null || need+=(acpica-tools)   # disassembles our ACPI tables in their tests
if [ "${1:-}" = --bench ]; then
  command -v jq >/dev/null || need+=(jq)
  command -v python3 >/dev/null || need+=(python3)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "kvmj: missing ${need[*]}; install them (Debian: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "kvmj: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
