#!/usr/bin/env bash
# Fetches Debian's stock cloud kernel (the real-world check of kvmj's Linux boot path) into a cache directory
# and prints the path of its bzImage. Reuses the cache when present. Needs apt-get and dpkg-deb.
#   integration-tests/fetch-debian-kernel.sh CACHE_DIR
set -euo pipefail
cache=${1:?usage: fetch-debian-kernel.sh CACHE_DIR}
mkdir -p "$cache"
existing=$(ls "$cache"/boot/vmlinuz-*-cloud-amd64 2>/dev/null | head -n 1 || true)
if [ -n "$existing" ]; then
  echo "$existing"
  exit 0
fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "apt-get/dpkg-deb not available" >&2; exit 3; }
package() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
pkg=$(package)
if [ -z "$pkg" ]; then
  apt-get update -qq >&2
  pkg=$(package)
fi
[ -n "$pkg" ] || { echo "no linux-image-cloud-amd64 in the apt sources" >&2; exit 3; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$pkg" >&2)
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/x"
mkdir -p "$cache/boot"
cp "$work"/x/boot/vmlinuz-* "$cache/boot/"
ls "$cache"/boot/vmlinuz-*-cloud-amd64 | head -n 1
