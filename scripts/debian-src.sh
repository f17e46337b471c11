#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches and unpacks one Debian source package at an exact version, cached.
#
#   scripts/debian-src.sh PKG=VERSION DEST
#
# Prints the unpacked source directory on stdout (the last line). A second
# call with the same arguments is a no-op that prints the same directory.
#
# Source entries: Debian 12 ships binary entries only. This script adds
# deb-src entries, each in its own file under /etc/apt/sources.list.d/
# (iotlife-bookworm-src.sources, iotlife-trixie-src.sources), and never
# touches debian.sources. Only *source* indexes come from trixie: no binary
# package is ever installed from it. Versions are always pinned, so a newer
# trixie source cannot replace a bookworm one by accident.
set -euo pipefail

if [ $# -ne 2 ] || [[ "$1" != *=* ]]; then
  echo "usage: $0 PKG=VERSION DEST" >&2
  exit 2
fi
PKG="${1%%=*}"
VER="${1#*=}"
DEST="$2"
# Debian's directory name drops the epoch and the Debian revision.
UPVER="${VER#*:}"
UPVER="${UPVER%-*}"
STAMP="$DEST/.$PKG-$VER.done"

mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
find_dir() {
  # The unpacked tree is PKG-UPSTREAM (dpkg-source); some use a .orig suffix.
  local d
  for d in "$DEST/$PKG-$UPVER" "$DEST/$PKG-${UPVER%+*}" "$DEST"/"$PKG"-*; do
    if [ -d "$d" ]; then echo "$d"; return 0; fi
  done
  return 1
}
if [ -f "$STAMP" ] && dir=$(find_dir); then
  echo "$dir"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# add_src NAME SUITES... : write a deb822 deb-src file if it is missing.
add_src() {
  local name="$1"; shift
  local file="/etc/apt/sources.list.d/iotlife-$name-src.sources"
  [ -f "$file" ] && return 1
  echo "debian-src: adding $file" >&2
  $SUDO tee "$file" >/dev/null <<SRC
# Added by iotlife scripts/debian-src.sh: source packages only (apt-get source).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $*
Components: main
Signed-By: $KEYRING
SRC
  return 0
}

have_version() {
  # No grep -q: an early close would SIGPIPE apt-cache and fail under pipefail.
  apt-cache showsrc "$PKG" 2>/dev/null | grep -Fx "Version: $VER" >/dev/null
}

if ! have_version; then
  changed=0
  add_src bookworm bookworm bookworm-updates && changed=1
  add_src trixie trixie && changed=1
  if ! have_version || [ "$changed" -eq 1 ]; then
    echo "debian-src: apt-get update" >&2
    $SUDO apt-get update -qq >&2 || true
  fi
  if ! have_version; then
    echo "debian-src: no source package $PKG version $VER in the configured deb-src entries" >&2
    exit 1
  fi
fi

command -v dpkg-source >/dev/null || {
  echo "debian-src: dpkg-source missing (apt-get install dpkg-dev)" >&2
  exit 1
}

# apt-get source verifies the .dsc signature chain through the Release file
# and unpacks with dpkg-source; downloads go to DEST.
(cd "$DEST" && apt-get source -qq "$PKG=$VER" >&2)
dir=$(find_dir) || { echo "debian-src: $PKG unpacked, but no $PKG-* directory in $DEST" >&2; exit 1; }
touch "$STAMP"
echo "$dir"
