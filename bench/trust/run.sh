#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Trust benchmark: builds iotlife (Release) and bench_trust, runs it, then the
# peers from Debian packages (openssl speed, python3-jwcrypto). Markdown out.
#   bench/trust/run.sh [BUILD_DIR] [ITERATIONS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
B="${1:-$ROOT/build/bench-trust}"
N="${2:-200}"
mkdir -p "$B"
cmake -S "$ROOT" -B "$B/iotlife" -DCMAKE_BUILD_TYPE=Release -DIOTLIFE_BUILD_TESTS=OFF \
  -DIOTLIFE_BUILD_EXAMPLES=OFF -DIOTLIFE_BUILD_TOOLS=OFF -DIOTLIFE_INSTALL=OFF >/dev/null
cmake --build "$B/iotlife" -j 2 --target iotlife iotlife_port_mbedtls >/dev/null
MBED_INC=$(sed -n 's/^MbedTLS_INCLUDE_DIR:[A-Z]*=//p' "$B/iotlife/CMakeCache.txt")
MBED_LIB=$(sed -n 's/^MbedTLS_CRYPTO_LIBRARY:[A-Z]*=//p' "$B/iotlife/CMakeCache.txt")
cc -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Wall -o "$B/bench_trust" "$ROOT/bench/trust/bench_trust.c" \
  -I"$ROOT/include" -I"$ROOT/ports/mbedtls/include" -I"$MBED_INC" \
  "$B/iotlife/libiotlife_port_mbedtls.a" "$B/iotlife/libiotlife.a" "$MBED_LIB" -lcjson -lz
MBED_VER=$(cat "$MBED_INC"/mbedtls/version.h "$MBED_INC"/mbedtls/build_info.h 2>/dev/null |
  sed -n 's/.*MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' | head -n 1 || true)
echo "### iotlife trust ($(uname -m), $(nproc) cores, Mbed TLS $MBED_VER)"
echo
"$B/bench_trust" "$N"
if command -v openssl >/dev/null; then
  # openssl speed prints verify/s for ecdsa (nistp256).
  line=$(openssl speed -seconds 1 ecdsap256 2>/dev/null | grep -E "^ *256 bits ecdsa \(nistp256\)" | tail -1 || true)
  if [ -n "$line" ]; then
    vps=$(awk '{print $(NF)}' <<<"$line")
    echo "| openssl speed ecdsap256 verify (peer, $(openssl version | cut -d' ' -f1-2)) | $(awk -v v="$vps" 'BEGIN{printf "%.0f us", 1e6/v}') |"
  fi
fi
if /usr/bin/python3 -c "import jwcrypto" 2>/dev/null; then
  /usr/bin/python3 "$ROOT/bench/trust/peer_jwcrypto.py" "$N"
fi
