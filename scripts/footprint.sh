#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Footprint and stack budgets on Cortex-M4, enforced (bench/footprint/budget.txt).
#
#   scripts/footprint.sh BUILD_DIR
#
# Builds (cached) the cortex-m4 preset with zlib/cJSON/Mbed TLS for the
# target in BUILD_DIR/m4 and the bare-metal firmware in BUILD_DIR/fw, then
# prints per-module .text/.data/.bss, worst-case stack per public call, the
# whole firmware by component beside mender-mcu and MCUboot, and the budget
# table. Fails when a budget is exceeded. scripts/qemu-bare-metal.sh calls it
# on its own build directory after the QEMU runs.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
B="$(cd "$1" && pwd)"
JOBS="${IOTL_JOBS:-$(nproc)}"

# The cross-built dependencies are shared by the cortex-m4, qemu and
# footprint steps (a sibling of BUILD_DIR, or IOTL_TARGET_DEPS_DIR).
DEPS="${IOTL_TARGET_DEPS_DIR:-$(dirname "$B")/target-deps}"
PREFIX=$("$ROOT/scripts/target-deps.sh" "$DEPS" | tail -n 1)
(cd "$ROOT" && IOTLIFE_TARGET_PREFIX="$PREFIX" cmake --preset cortex-m4-deps -B "$B/m4" \
  -DIOTLIFE_STACK_USAGE=ON >"$B/m4-configure.log")
cmake --build "$B/m4" -j "$JOBS" >"$B/m4-build.log" 2>&1 || { cat "$B/m4-build.log" >&2; exit 1; }
if [ ! -f "$B/fw/fw.map" ] || [ "${IOTL_FOOTPRINT_REBUILD_FW:-1}" = 1 ]; then
  # The firmware's delta payload is made by a host CLI at build time:
  # IOTL_HOST_CLI, else one built (cached) in BUILD_DIR/host.
  CLI="${IOTL_HOST_CLI:-}"
  if [ -z "$CLI" ]; then
    cmake -S "$ROOT" -B "$B/host" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOTLIFE_BUILD_TESTS=OFF \
      -DIOTLIFE_BUILD_EXAMPLES=OFF -DIOTLIFE_INSTALL=OFF >"$B/host-configure.log"
    cmake --build "$B/host" -j "$JOBS" --target iotlife_cli >"$B/host-build.log" 2>&1 || {
      tail -n 40 "$B/host-build.log" >&2; exit 1; }
    CLI="$B/host/tools/iotlife"
  fi
  cmake -S "$ROOT/examples/bare-metal" -B "$B/fw" \
    -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-arm-none-eabi.cmake" \
    -DCMAKE_FIND_ROOT_PATH="$PREFIX" -DPython3_EXECUTABLE=/usr/bin/python3 \
    -DIOTLIFE_HOST_CLI="$CLI" >"$B/fw-configure.log"
  cmake --build "$B/fw" -j "$JOBS" >"$B/fw-build.log" 2>&1 || { cat "$B/fw-build.log" >&2; exit 1; }
fi
log_arg=()
for l in "$B/qemu-full.log" "$B/qemu-normal.log"; do
  if [ -f "$l" ]; then log_arg=(--qemu-log "$l"); break; fi
done
/usr/bin/python3 "$ROOT/scripts/footprint.py" --root "$ROOT" --m4 "$B/m4" --deps "$DEPS/deps-build" \
  --fw "$B/fw" --budget "$ROOT/bench/footprint/budget.txt" "${log_arg[@]}" | tee "$B/footprint.md"
