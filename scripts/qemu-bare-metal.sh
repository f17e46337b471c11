#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the bare-metal reference firmware (examples/bare-metal) with its
# cross-built dependencies and runs it on QEMU's mps2-an386 (Cortex-M4).
#
#   scripts/qemu-bare-metal.sh BUILD_DIR             build, every run, footprint
#   scripts/qemu-bare-metal.sh --build BUILD_DIR [--cli IOTLIFE]
#                                                    build the firmware only
#   scripts/qemu-bare-metal.sh --run MODE BUILD_DIR  one run of a built firmware
#
# The host build registers one ctest test per run (label qemu, see
# tests/qemu/CMakeLists.txt): a fixture builds the firmware once into
# <host build>/qemu, with the host build's `iotlife` CLI making the delta
# patch; every other test is a --run of it. The runs (MODE):
#
#   full       the full update scenario, v1 -> v2 as a delta   "SUCCESS", exit 0
#   reset      a system reset in the middle of the delta install: must resume
#              from the last delta checkpoint and end confirmed on v2
#   sweep      a reset before each flash program/erase operation of the
#              update, every one of which must still end confirmed on v2
#   deflate    the same update as a compressed full image (a device whose
#              running image is not the delta's base), with a reset mid-install
#   tamper     a bit of the payload flipped in transit: refused (exit != 0)
#   forge      one character of the signed manifest changed: refused before
#              staging
#   unhealthy  the new image fails its health check: rejected, back on v1
#
# IOTLIFE is the host CLI that makes the delta patch (`iotlife delta create`);
# without --cli one is built in BUILD_DIR/host.
#
# Time is deterministic: -icount shift=4 advances the virtual clock 16 ns per
# instruction (62.5 MIPS, about a Cortex-M4 at 60-80 MHz), so SysTick phase
# times do not depend on the host.
set -euo pipefail
usage() {
  echo "usage: $0 BUILD_DIR | --build BUILD_DIR [--cli IOTLIFE] | --run MODE BUILD_DIR" >&2
  exit 2
}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ACTION=all MODE="" CLI=""
case "${1:-}" in
  --build) ACTION=build; shift ;;
  --run) ACTION=run; MODE="${2:-}"; shift 2 || usage ;;
esac
[ $# -ge 1 ] || usage
mkdir -p "$1"
B="$(cd "$1" && pwd)"
shift
if [ "$ACTION" = build ] && [ "${1:-}" = --cli ]; then
  CLI="${2:-}"; shift 2 || usage
fi
[ $# -eq 0 ] || usage
JOBS="${IOTL_JOBS:-$(nproc)}"
TIMEOUT="${IOTL_QEMU_TIMEOUT:-120}"
ELF="$B/fw/fw.elf"

build_fw() {
  command -v arm-none-eabi-gcc >/dev/null || {
    echo "qemu: arm-none-eabi-gcc missing (scripts/deps.sh installs it)" >&2; exit 1; }
  # The cross-built dependencies are shared by the cortex-m4, qemu and
  # footprint steps (a sibling of BUILD_DIR, or IOTL_TARGET_DEPS_DIR).
  local deps="${IOTL_TARGET_DEPS_DIR:-$(dirname "$B")/target-deps}" prefix
  prefix=$("$ROOT/scripts/target-deps.sh" "$deps" | tail -n 1)
  if [ -z "$CLI" ]; then
    echo "qemu: building the host CLI (iotlife) in $B/host" >&2
    cmake -S "$ROOT" -B "$B/host" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOTLIFE_BUILD_TESTS=OFF \
      -DIOTLIFE_BUILD_EXAMPLES=OFF -DIOTLIFE_INSTALL=OFF >"$B/host-configure.log"
    cmake --build "$B/host" -j "$JOBS" --target iotlife_cli >"$B/host-build.log" 2>&1 || {
      tail -n 40 "$B/host-build.log" >&2; exit 1; }
    CLI="$B/host/tools/iotlife"
  fi
  cmake -S "$ROOT/examples/bare-metal" -B "$B/fw" \
    -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-arm-none-eabi.cmake" \
    -DCMAKE_FIND_ROOT_PATH="$prefix" -DPython3_EXECUTABLE=/usr/bin/python3 \
    -DIOTLIFE_HOST_CLI="$CLI" >"$B/fw-configure.log"
  cmake --build "$B/fw" -j "$JOBS" 2>&1 | tee "$B/fw-build.log" |
    grep -E "warning:|error:|payload:|Memory region|FLASH:|RAM:|NOINIT:" || true
  if grep -q "warning:" "$B/fw-build.log" || [ ! -f "$ELF" ] || ! cmake --build "$B/fw" >/dev/null 2>&1; then
    echo "qemu: FAIL: the firmware build failed or printed warnings" >&2; exit 1
  fi
}

# boot NAME ARGS... : boot the firmware; the log goes to BUILD_DIR/qemu-NAME.log;
# prints the exit status.
boot() {
  local name="$1"; shift
  local log="$B/qemu-$name.log" rc=0
  local cfg="enable=on,target=native,arg=fw.elf"
  for a in "$@"; do cfg="$cfg,arg=$a"; done
  timeout "$TIMEOUT" qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -icount shift=4 -semihosting-config "$cfg" -kernel "$ELF" >"$log" 2>&1 || rc=$?
  echo "$rc"
}

OK_V2="^SUCCESS: updated to v2 and confirmed"

# run_mode MODE: one run; returns non-zero unless it behaved as required.
run_mode() {
  local rc log="$B/qemu-$1.log"
  case "$1" in
    full)
      echo "--- qemu: full scenario (v1 -> v2 as a delta)"
      rc=$(boot full)
      grep -v "progress" "$log"
      if [ "$rc" -ne 0 ] || ! grep -q "$OK_V2" "$log" || ! grep -q "payload: delta" "$log"; then
        echo "qemu: FAIL: full scenario (exit $rc)"; return 1
      fi ;;
    reset|deflate)
      # A reset after N chunks of 512 bytes: past the first checkpoint (a
      # delta segment, or a deflate restart point, every 4 KiB of image).
      local args=(reset-at=3) kind=delta
      if [ "$1" = deflate ]; then args=(reset-at=12 deflate); kind=deflate; fi
      echo "--- qemu: system reset injected after ${args[0]#reset-at=} payload chunks of the $kind install"
      rc=$(boot "$1" "${args[@]}")
      grep -E "boot [0-9]|payload:|injected|resuming|boot selector|SUCCESS|FAIL" "$log"
      if [ "$rc" -ne 0 ] || ! grep -q "$OK_V2" "$log" || ! grep -q "payload: $kind" "$log" ||
         ! grep -q "injected: system reset in the middle of the download" "$log" ||
         ! grep -q "resuming the download at payload offset [1-9]" "$log"; then
        echo "qemu: FAIL: reset mid-install ($kind) did not resume and confirm on v2 (exit $rc)"; return 1
      fi ;;
    sweep)
      # A reset just before every flash program/erase operation of the update
      # (download, checkpoints, verify, activate, trial boot, confirm): each
      # run must still end confirmed on v2. The runs are independent: every
      # core is used.
      local total n step_by="${IOTL_QEMU_SWEEP_STEP:-1}" ok=0 cnt=0 fail=0
      rc=$(boot sweep-count)
      total=$(sed -n 's/.*flash ops \([0-9]*\) since power-on.*/\1/p' "$B/qemu-sweep-count.log" | tail -n 1)
      [ -n "$total" ] && [ "$rc" -eq 0 ] || { echo "qemu: FAIL: no flash operation count (exit $rc)"; return 1; }
      for ((n = 1; n <= total; n += step_by)); do
        ( r=$(boot "sweep-$n" "reset-op=$n"); echo "$r" >"$B/qemu-sweep-$n.rc" ) &
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
      done
      wait
      for ((n = 1; n <= total; n += step_by)); do
        cnt=$((cnt + 1))
        rc=$(cat "$B/qemu-sweep-$n.rc" 2>/dev/null || echo 99)
        log="$B/qemu-sweep-$n.log"
        if [ "$rc" -eq 0 ] && grep -q "$OK_V2" "$log" && grep -q "injected: system reset" "$log"; then
          ok=$((ok + 1))
          rm -f "$log" "$B/qemu-sweep-$n.rc"
        else
          echo "qemu: FAIL: reset-op=$n did not end confirmed on v2 (exit $rc), see $log:"; tail -n 5 "$log"; fail=1
        fi
      done
      local which="one before each of the update's $total flash operations"
      [ "$step_by" -eq 1 ] || which="one before every ${step_by}th of the update's $total flash operations"
      echo "reset sweep: $ok of $cnt resets ($which) ended confirmed on v2"
      return "$fail" ;;
    tamper)
      echo "--- qemu: one bit of the payload flipped in transit (must be refused)"
      rc=$(boot tamper tamper)
      grep -E "injected|FAIL|SUCCESS" "$log" || true
      if [ "$rc" -eq 0 ] || ! grep -Eq "^FAIL: iotl_stage_(write|finish)" "$log" || grep -q "^SUCCESS" "$log"; then
        echo "qemu: FAIL: a corrupted payload was not refused (exit $rc)"; return 1
      fi ;;
    forge)
      echo "--- qemu: one character of the signed manifest changed (must be refused before staging)"
      rc=$(boot forge forge-manifest)
      grep -E "injected|FAIL|SUCCESS|\[install\]" "$log" || true
      if [ "$rc" -eq 0 ] || ! grep -q "^FAIL: manifest/deployment decision: -[0-9]" "$log" ||
         grep -q "^\[install\]" "$log"; then
        echo "qemu: FAIL: a forged manifest was not refused before staging (exit $rc)"; return 1
      fi ;;
    unhealthy)
      echo "--- qemu: the new image fails its health check on trial (must roll back to v1)"
      rc=$(boot unhealthy unhealthy)
      grep -E "boot [0-9]|boot selector|health|rolled back|FAIL|SUCCESS" "$log" || true
      if [ "$rc" -ne 0 ] || ! grep -q "^SUCCESS: unhealthy v2 rejected, rolled back to v1" "$log"; then
        echo "qemu: FAIL: an unhealthy trial image was not rolled back (exit $rc)"; return 1
      fi ;;
    *) echo "qemu: unknown mode $1" >&2; return 2 ;;
  esac
}

need_qemu() {
  command -v qemu-system-arm >/dev/null || {
    echo "qemu: qemu-system-arm missing (scripts/deps.sh installs it)" >&2; exit 1; }
  [ -f "$ELF" ] || { echo "qemu: no firmware in $B/fw (run with --build first)" >&2; exit 1; }
}

case "$ACTION" in
  build) build_fw ;;
  run) need_qemu; run_mode "$MODE" ;;
  all)
    build_fw
    need_qemu
    fail=0
    for m in full reset sweep deflate tamper forge unhealthy; do
      run_mode "$m" || fail=1
    done
    [ "$fail" -eq 0 ] && echo "qemu: ok"
    # Footprint and stack budgets, on the same build (fails when one is exceeded).
    echo "--- footprint"
    IOTL_FOOTPRINT_REBUILD_FW=0 "$ROOT/scripts/footprint.sh" "$B" || fail=1
    exit "$fail" ;;
esac
