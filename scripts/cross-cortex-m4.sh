#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds the iotlife core and ports/ram for Cortex-M4 (preset
# `cortex-m4`: arm-none-eabi-gcc, newlib-nano, -Os, -Werror, OS headers
# poisoned), prints a per-object size table, and proves the poison works.
#
#   scripts/cross-cortex-m4.sh BUILD_DIR
#
# Two builds: the preset as it is (core + ports/ram, no third-party code) in
# BUILD_DIR, then with zlib, cJSON and the Mbed TLS port on, against those
# libraries cross-built from Debian's source packages (scripts/target-deps.sh),
# in BUILD_DIR/full. Extra cmake arguments: IOTL_CROSS_CMAKE_ARGS.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
B="$(cd "$1" && pwd)"
JOBS="${IOTL_JOBS:-$(nproc)}"
SIZE=arm-none-eabi-size
command -v arm-none-eabi-gcc >/dev/null || {
  echo "cortex-m4: arm-none-eabi-gcc missing (scripts/deps.sh installs gcc-arm-none-eabi)" >&2; exit 1; }

cd "$ROOT"
# build_one DIR [cmake args...]: configure from the preset, build, no warnings.
build_one() {
  local dir="$1"; shift
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  cmake --preset "${PRESET:-cortex-m4}" -B "$dir" "$@" ${IOTL_CROSS_CMAKE_ARGS:-} >"$dir/configure.log"
  cmake --build "$dir" -j "$JOBS" 2>&1 | tee "$dir/build.log" | grep -E "warning:|error:|Built target" || true
  if grep -q "warning:" "$dir/build.log" || ! cmake --build "$dir" >/dev/null 2>&1; then
    echo "cortex-m4: FAIL: the cross build in $dir failed or printed warnings" >&2
    exit 1
  fi
}

# 1. The preset as it is: the core and ports/ram alone, no third-party code.
echo "--- cortex-m4: core + ports/ram (preset as is)"
build_one "$B"
# 2. With the dependencies cross-built from Debian's source packages: zlib
#    and cJSON users in the core, and the Mbed TLS port.
echo "--- cortex-m4: with zlib, cJSON and the Mbed TLS port for the target"
# The cross-built dependencies are shared by the cortex-m4, qemu and
# footprint steps (a sibling of BUILD_DIR, or IOTL_TARGET_DEPS_DIR).
DEPS="${IOTL_TARGET_DEPS_DIR:-$(dirname "$B")/target-deps}"
PREFIX=$("$ROOT/scripts/target-deps.sh" "$DEPS" | tail -n 1)
IOTLIFE_TARGET_PREFIX="$PREFIX" PRESET=cortex-m4-deps build_one "$B/full"

# ---- size table: one row per object, from the static archives --------------
archives=()
for a in libiotlife.a libiotlife_port_ram.a libiotlife_port_mbedtls.a; do
  [ -f "$B/full/$a" ] && archives+=("$B/full/$a")
done
echo
echo "### Cortex-M4 object sizes (arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion), -Os, unlinked)"
echo
echo "| archive | object | .text | .data | .bss |"
echo "| --- | --- | ---: | ---: | ---: |"
tt=0; td=0; tb=0
for a in "${archives[@]}"; do
  lib=$(basename "$a")
  # Berkeley format: text data bss dec hex filename "(ex archive)"
  while read -r t d bs _ _ f _; do
    [[ "$t" =~ ^[0-9]+$ ]] || continue
    obj=${f%.obj}
    echo "| $lib | ${obj} | $t | $d | $bs |"
    tt=$((tt + t)); td=$((td + d)); tb=$((tb + bs))
  done < <($SIZE -B "$a")
done
echo "| **total** | | **$tt** | **$td** | **$tb** |"
echo

# ---- the poison must bite --------------------------------------------------
# Compile probes with exactly the core's flags and include path: every
# poisoned OS header must fail with the poison's message, and a probe using
# only the allowed headers must compile (so a failure is not a broken setup).
flags_make="$B/CMakeFiles/iotlife.dir/flags.make"
get() { sed -n "s/^$1 = //p" "$flags_make"; }
read -r -a cflags <<<"$(get C_DEFINES) $(get C_INCLUDES) $(get C_FLAGS)"
probe="$B/poison-probe.c"
printf '#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n#include <assert.h>\n#include <limits.h>\n#include <stdarg.h>\n#include <stdbool.h>\nint iotl_probe(void);\nint iotl_probe(void) { return (int)strlen("x"); }\n' >"$probe"
arm-none-eabi-gcc "${cflags[@]}" -c "$probe" -o "$B/poison-probe.o" || {
  echo "cortex-m4: FAIL: the allowed headers do not compile with the core's flags" >&2; exit 1; }
n=0
while read -r h; do
  printf '#include <%s>\nint iotl_probe(void);\nint iotl_probe(void) { return 0; }\n' "$h" >"$probe"
  if arm-none-eabi-gcc "${cflags[@]}" -c "$probe" -o "$B/poison-probe.o" 2>"$B/poison-probe.err"; then
    echo "cortex-m4: FAIL: <$h> compiled in the core; the poison does not work" >&2; exit 1
  fi
  grep -q "iotlife core must not include OS headers" "$B/poison-probe.err" || {
    echo "cortex-m4: FAIL: <$h> failed, but not because of the poison:" >&2
    cat "$B/poison-probe.err" >&2; exit 1; }
  n=$((n + 1))
done < <(cd "$ROOT/cmake/poison" && find . -name '*.h' | sed 's|^\./||' | sort)
rm -f "$probe" "$B/poison-probe.o" "$B/poison-probe.err"
echo "cortex-m4: poison check: $n OS headers refused in the core, allowed headers compile"
echo "cortex-m4: ok"
