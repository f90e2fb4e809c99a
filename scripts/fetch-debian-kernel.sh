#!/usr/bin/env bash
# Fetches Debian's stock cloud kernel package (linux-image-*-cloud-amd64) with apt-get download and unpacks it
# into a cache directory: boot/vmlinuz-VERSION (the bzImage), boot/vmlinux-VERSION (the ELF inside it, for the
# PVH path) and lib/modules/VERSION (the modules: kvm for the nested machine, virtio drivers for Linux guests).
# Reuses the cache when it is complete. Prints the bzImage's path. Needs apt-get, dpkg-deb and lz4.
#   scripts/fetch-debian-kernel.sh [CACHE_DIR]     (default ~/.cache/kvmj/debian-kernel)
# Exit status 3: the package could not be had (no apt, no network, no such package).
set -euo pipefail
cache=${1:-$HOME/.cache/kvmj/debian-kernel}
mkdir -p "$cache"
complete() {
  local k
  k=$(ls "$cache"/boot/vmlinuz-*-cloud-amd64 2>/dev/null | head -n 1 || true)
  [ -n "$k" ] && [ -f "$cache/boot/vmlinux-${k##*/vmlinuz-}" ] && [ -d "$cache/lib/modules/${k##*/vmlinuz-}" ] \
    && echo "$k"
}
if k=$(complete); then
  echo "$k"
  exit 0
fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "kvmj: apt-get/dpkg-deb not available" >&2; exit 3; }
command -v lz4 >/dev/null || { echo "kvmj: lz4 is missing (apt-get install lz4)" >&2; exit 3; }
package() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
pkg=$(package)
if [ -z "$pkg" ]; then
  apt-get update -qq >&2 || true
  pkg=$(package)
fi
[ -n "$pkg" ] || { echo "kvmj: no linux-image-cloud-amd64 in the apt sources" >&2; exit 3; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$pkg" >&2) || { echo "kvmj: apt-get download $pkg failed" >&2; exit 3; }
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/x"
bz=$(ls "$work"/x/boot/vmlinuz-* | head -n 1)
version=${bz##*/vmlinuz-}
# The bzImage's payload is an LZ4 frame (magic 02 21 4c 18, legacy format) holding vmlinux.
offset=$(grep -obUaP '\x02\x21\x4c\x18' "$bz" | head -n 1 | cut -d: -f1)
[ -n "$offset" ] || { echo "kvmj: no LZ4 payload in $bz" >&2; exit 3; }
tail -c +"$((offset + 1))" "$bz" | lz4 -dc > "$work/vmlinux" 2>/dev/null || true
[ "$(head -c 4 "$work/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || { echo "kvmj: could not unpack vmlinux from $bz" >&2; exit 3; }
rm -rf "$cache/boot" "$cache/lib"
mkdir -p "$cache/boot" "$cache/lib/modules"
cp "$bz" "$cache/boot/"
mv "$work/vmlinux" "$cache/boot/vmlinux-$version"
cp -a "$work/x/lib/modules/$version" "$cache/lib/modules/"
complete
