#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches (cached) Debian 12's source packages of zlib, cJSON and Mbed TLS and
# cross-builds them for Cortex-M4 into BUILD_DIR/prefix (static libraries,
# headers, the cJSON CMake package). Nothing of theirs is committed.
#
#   scripts/target-deps.sh BUILD_DIR      prints the prefix on its last line
set -euo pipefail
ZLIB_VER="${IOTL_TARGET_ZLIB_VERSION:-1:1.2.13.dfsg-1}"
CJSON_VER="${IOTL_TARGET_CJSON_VERSION:-1.7.15-1+deb12u4}"
MBEDTLS_VER="${IOTL_TARGET_MBEDTLS_VERSION:-2.28.3-1}"

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
B="$(cd "$1" && pwd)"
JOBS="${IOTL_JOBS:-$(nproc)}"
PREFIX="$B/prefix"
# The stamp names the versions and the hash of our build description, so a
# change to either rebuilds.
cfg_hash=$(cat "$ROOT/examples/bare-metal/deps/CMakeLists.txt" \
  "$ROOT/examples/bare-metal/deps/iotl_mbedtls_config.h" \
  "$ROOT/cmake/toolchain-arm-none-eabi.cmake" | sha256sum | cut -c1-16)
STAMP="$PREFIX/.built-$cfg_hash"
if [ -f "$STAMP" ]; then
  echo "target-deps: cached in $PREFIX" >&2
  echo "$PREFIX"
  exit 0
fi

src() { "$ROOT/scripts/debian-src.sh" "$1" "$B/src" | tail -n 1; }
ZSRC=$(src "zlib=$ZLIB_VER")
CSRC=$(src "cjson=$CJSON_VER")
MSRC=$(src "mbedtls=$MBEDTLS_VER")
echo "target-deps: building zlib $ZLIB_VER, cJSON $CJSON_VER, Mbed TLS $MBEDTLS_VER for Cortex-M4" >&2
rm -rf "$B/deps-build" "$PREFIX"
cmake -S "$ROOT/examples/bare-metal/deps" -B "$B/deps-build" \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DZLIB_SRC="$ZSRC" -DCJSON_SRC="$CSRC" -DMBEDTLS_SRC="$MSRC" >"$B/deps-configure.log"
cmake --build "$B/deps-build" -j "$JOBS" >"$B/deps-build.log" 2>&1 || {
  tail -n 40 "$B/deps-build.log" >&2; exit 1; }
cmake --install "$B/deps-build" >/dev/null
printf 'zlib=%s\ncjson=%s\nmbedtls=%s\n' "$ZLIB_VER" "$CJSON_VER" "$MBEDTLS_VER" >"$PREFIX/versions.txt"
touch "$STAMP"
echo "$PREFIX"
