#!/bin/sh
# Download Debian's arm64 kernel package and extract its board DTBs into a cache directory
# outside the repository (default: ${XDG_CACHE_HOME:-$HOME/.cache}/dom0sim/boards).
#
# Usage: sh scripts/boards_fetch.sh [CACHE_DIR]
# Needs: root (dpkg --add-architecture arm64, apt-get update) and Debian's apt sources.
# Prints the directory holding the extracted tree (…/usr/lib/linux-image-<ver>/) on its last line.
# The board scripts and benches find it through $DOM0SIM_BOARDS or the default path.
set -eu

CACHE="${1:-${DOM0SIM_BOARDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dom0sim/boards}}"
mkdir -p "$CACHE"

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq
fi

# linux-image-arm64 is the meta package; it depends on the current linux-image-<abi>-arm64.
PKG=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1)
if [ -z "$PKG" ]; then
  echo "boards_fetch: cannot find the kernel package behind linux-image-arm64:arm64" >&2
  exit 1
fi
VER=${PKG#linux-image-}

if [ ! -d "$CACHE/$VER/usr/lib/linux-image-$VER" ]; then
  TMP=$(mktemp -d)
  chmod 755 "$TMP" # apt-get download drops privileges to _apt
  (cd "$TMP" && apt-get download -q "$PKG:arm64" >/dev/null)
  mkdir -p "$CACHE/$VER"
  dpkg-deb -x "$TMP"/*.deb "$CACHE/$VER"
  rm -rf "$TMP"
  # Keep only the device trees: the rest of the package (modules, Image) is not needed.
  find "$CACHE/$VER" -mindepth 1 -maxdepth 2 ! -path "$CACHE/$VER/usr" ! -path "$CACHE/$VER/usr/lib" -exec rm -rf {} + 2>/dev/null || true
  find "$CACHE/$VER/usr/lib" -mindepth 1 -maxdepth 1 ! -name "linux-image-$VER" -exec rm -rf {} +
fi

N=$(find "$CACHE/$VER/usr/lib/linux-image-$VER" -name '*.dtb' | wc -l)
echo "boards_fetch: $N DTBs from $PKG" >&2
ln -sfn "$CACHE/$VER/usr/lib/linux-image-$VER" "$CACHE/current"
echo "$CACHE/current"
