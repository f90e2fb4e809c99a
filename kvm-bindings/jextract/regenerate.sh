#!/usr/bin/env bash
# Regenerates the jextract bindings committed under kvm-bindings/src/main/java/io/kvmj/kvm/gen/:
#   io.kvmj.kvm.gen.linux (KvmHeaders)  from <linux/kvm.h>, filtered by kvm.includes
#   io.kvmj.kvm.gen.libc  (LibcHeaders) from libc.h,        filtered by libc.includes
# The generated sources must not be edited by hand; change the include lists and rerun this.
#
# Requirements:
#   - a JDK >= 25: $JAVA_HOME if it is >= 25, else the newest one under /usr/lib/jvm
#   - jextract built from https://github.com/openjdk/jextract source (it is on no package
#     registry): $JEXTRACT, else `jextract` on PATH
#   - Linux x86_64 with the kernel UAPI headers (linux-libc-dev) and glibc headers installed
#
# Usage: kvm-bindings/jextract/regenerate.sh   (from any directory)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=$(cd "$HERE/.." && pwd)
SRC="$MODULE/src/main/java"
GEN_LINUX="$SRC/io/kvmj/kvm/gen/linux"
GEN_LIBC="$SRC/io/kvmj/kvm/gen/libc"

die() { echo "regenerate.sh: error: $*" >&2; exit 1; }

# --- find a JDK >= 25 ---------------------------------------------------------------------
java_major() { # $1 = JDK home; prints the feature version or nothing
    local rel="$1/release" v
    [[ -x "$1/bin/java" ]] || return 0
    if [[ -f "$rel" ]]; then
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
    else
        v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
    fi
    echo "$v"
}

JDK=""
if [[ -n "${JAVA_HOME:-}" ]]; then
    v=$(java_major "$JAVA_HOME")
    if [[ -n "$v" && "$v" -ge 25 ]]; then JDK="$JAVA_HOME"; fi
fi
if [[ -z "$JDK" ]]; then
    best=0
    for d in /usr/lib/jvm/*; do
        [[ -d "$d" && ! -L "$d" ]] || continue
        v=$(java_major "$d")
        if [[ -n "$v" && "$v" -ge 25 && "$v" -gt "$best" ]]; then best=$v; JDK="$d"; fi
    done
fi
[[ -n "$JDK" ]] || die "no JDK >= 25 found (set JAVA_HOME to a JDK 25+ or install one under /usr/lib/jvm)"
export JAVA_HOME="$JDK"
export PATH="$JDK/bin:$PATH"

# --- find jextract --------------------------------------------------------------------------
if [[ -n "${JEXTRACT:-}" ]]; then
    [[ -x "$JEXTRACT" ]] || die "JEXTRACT=$JEXTRACT is not an executable file"
elif command -v jextract >/dev/null 2>&1; then
    JEXTRACT=$(command -v jextract)
else
    die "jextract not found. It is not on any package registry: build it from the
  https://github.com/openjdk/jextract source (it needs libclang) and point to its launcher with
  JEXTRACT=/path/to/jextract/bin/jextract, or put it on PATH."
fi

echo "JDK:      $JDK"
echo "jextract: $JEXTRACT"
"$JEXTRACT" --version

# --- regenerate -----------------------------------------------------------------------------
rm -rf "$GEN_LINUX" "$GEN_LIBC"

KVM_H=/usr/include/linux/kvm.h
[[ -f "$KVM_H" ]] || die "$KVM_H not found (install the kernel UAPI headers, e.g. linux-libc-dev)"

"$JEXTRACT" \
    --output "$SRC" \
    --target-package io.kvmj.kvm.gen.linux \
    --header-class-name KvmHeaders \
    @"$HERE/kvm.includes" \
    "$KVM_H"

"$JEXTRACT" \
    -D _GNU_SOURCE \
    --output "$SRC" \
    --target-package io.kvmj.kvm.gen.libc \
    --header-class-name LibcHeaders \
    @"$HERE/libc.includes" \
    "$HERE/libc.h"

echo "Generated:"
echo "  $GEN_LINUX ($(find "$GEN_LINUX" -name '*.java' | wc -l) files)"
echo "  $GEN_LIBC ($(find "$GEN_LIBC" -name '*.java' | wc -l) files)"
