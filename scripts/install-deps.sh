#!/usr/bin/env bash
# Installs the Debian packages kvmj's build and tests use, only when something is missing.
#   scripts/install-deps.sh            build and tests
#   scripts/install-deps.sh --bench    also what bench/ uses (jq and python3 read JFR and JMH output)
# Tests: gcc/make build the test guests; QEMU is the reference VMM and, with its virtiofsd, the nested machine
# (scripts/nested-kvm.sh); busybox-static, cpio, e2fsprogs and lz4 build the Linux guests' initramfs and disk
# images and unpack Debian's kernel; iasl disassembles our ACPI tables; iproute2 makes the network tests' namespaces
# and TAPs.
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /usr/lib/qemu/virtiofsd ] || need+=(qemu-system-common)
command -v iasl >/dev/null || need+=(acpica-tools)
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
{ command -v mke2fs && command -v debugfs; } >/dev/null || need+=(e2fsprogs)
command -v lz4 >/dev/null || need+=(lz4)
command -v ip >/dev/null || need+=(iproute2)
command -v strings >/dev/null || need+=(binutils)
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
