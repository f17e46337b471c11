#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds iotlife against Mbed TLS 3.6 LTS and runs the crypto port's tests.
#
#   scripts/test-mbedtls36.sh BUILD_DIR
#
# The system's libmbedtls-dev is 2.28 LTS (tested by the release/asan steps).
# 3.6 comes from Debian 13's source package (apt-get source, verified by apt
# through the trixie Release file), built static into BUILD_DIR/prefix and
# cached there: the second run only rebuilds iotlife.
set -euo pipefail
MBEDTLS_DEB_VERSION="${IOTL_MBEDTLS36_VERSION:-3.6.6-0.1~deb13u1}"

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
B="$(cd "$1" && pwd)"
JOBS="${IOTL_JOBS:-$(nproc)}"
PREFIX="$B/prefix"
STAMP="$PREFIX/.built-$MBEDTLS_DEB_VERSION"

if [ ! -f "$STAMP" ]; then
  SRC=$("$ROOT/scripts/debian-src.sh" "mbedtls=$MBEDTLS_DEB_VERSION" "$B/src" | tail -n 1)
  echo "mbedtls36: building $SRC"
  rm -rf "$B/mbedtls-build" "$PREFIX"
  cmake -S "$SRC" -B "$B/mbedtls-build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
    -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF >/dev/null
  cmake --build "$B/mbedtls-build" -j "$JOBS" >/dev/null
  cmake --install "$B/mbedtls-build" >/dev/null
  touch "$STAMP"
else
  echo "mbedtls36: cached in $PREFIX"
fi

# Configure iotlife against the 3.6 prefix. MbedTLS_ROOT makes
# cmake/FindMbedTLS.cmake search there first; the version check below proves it.
cmake -S "$ROOT" -B "$B/iotlife" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMbedTLS_ROOT="$PREFIX" -DIOTLIFE_INSTALL=OFF >"$B/configure.log"
# The top-level CMakeLists reports the version FindMbedTLS read from the headers.
ver=$(sed -n 's/.*iotlife: Mbed TLS \([0-9.]*\) .*/\1/p' "$B/configure.log")
inc=$(sed -n 's/^MbedTLS_INCLUDE_DIR:[A-Z]*=//p' "$B/iotlife/CMakeCache.txt")
lib=$(sed -n 's/^MbedTLS_CRYPTO_LIBRARY:[A-Z]*=//p' "$B/iotlife/CMakeCache.txt")
echo "mbedtls36: MbedTLS_VERSION=$ver include=$inc lib=$lib"
case "$ver" in
  3.6.*) ;;
  *) echo "mbedtls36: FAIL: found Mbed TLS '$ver', expected 3.6.x" >&2; exit 1 ;;
esac
case "$inc:$lib" in
  "$PREFIX"/*:"$PREFIX"/*) ;;
  *) echo "mbedtls36: FAIL: headers or library not from $PREFIX" >&2; exit 1 ;;
esac

# Build everything (every target that links port_mbedtls must build), then
# run the tests that exercise the port: label crypto, and trust (JWS/ES256
# verification through the port) when that suite exists.
cmake --build "$B/iotlife" -j "$JOBS"
(cd "$B/iotlife" && ctest -L 'crypto|trust' --output-on-failure --timeout 300) | tee "$B/ctest.log"
grep -Eq "[1-9][0-9]* tests? passed|100% tests passed" "$B/ctest.log" || {
  echo "mbedtls36: FAIL: no crypto test ran" >&2; exit 1; }

# The linked test binary must carry 3.x symbols, not 2.28's *_ret names.
bin="$B/iotlife/tests/test_port_mbedtls"
nm "$bin" >"$B/test_port_mbedtls.nm" # (no nm | grep -q: SIGPIPE under pipefail)
if grep -q " T mbedtls_sha256_starts_ret$" "$B/test_port_mbedtls.nm" ||
   ! grep -q " T mbedtls_sha256_starts$" "$B/test_port_mbedtls.nm"; then
  echo "mbedtls36: FAIL: $bin is not linked against Mbed TLS 3.x" >&2; exit 1
fi
echo "mbedtls36: ok: port built and tested against Mbed TLS $ver"
