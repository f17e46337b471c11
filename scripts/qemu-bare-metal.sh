#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the bare-metal reference firmware (examples/bare-metal) with its
# cross-built dependencies and runs it on QEMU's mps2-an386 (Cortex-M4):
#
#   1. the full update scenario                    must end "SUCCESS", exit 0
#   2. the same with a system reset mid-download  must resume and end confirmed;
#      then a sweep: a reset before each flash program/erase operation of
#      the update, every one of which must still end confirmed
#   3. a bit of the payload flipped in transit     must be refused (exit != 0)
#   4. one character of the signed manifest changed: refused before staging
#   5. the new image fails its health check        must be rejected and the
#      device must come back on v1
#   6. scripts/footprint.sh on the same build: size and stack budgets
#
#   scripts/qemu-bare-metal.sh BUILD_DIR
#
# Time is deterministic: -icount shift=4 advances the virtual clock 16 ns per
# instruction (62.5 MIPS, about a Cortex-M4 at 60-80 MHz), so SysTick phase
# times do not depend on the host.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
B="$(cd "$1" && pwd)"
JOBS="${IOTL_JOBS:-$(nproc)}"
TIMEOUT="${IOTL_QEMU_TIMEOUT:-120}"
command -v qemu-system-arm >/dev/null || {
  echo "qemu: qemu-system-arm missing (scripts/deps.sh installs it)" >&2; exit 1; }

# The cross-built dependencies are shared by the cortex-m4, qemu and
# footprint steps (a sibling of BUILD_DIR, or IOTL_TARGET_DEPS_DIR).
DEPS="${IOTL_TARGET_DEPS_DIR:-$(dirname "$B")/target-deps}"
PREFIX=$("$ROOT/scripts/target-deps.sh" "$DEPS" | tail -n 1)
cmake -S "$ROOT/examples/bare-metal" -B "$B/fw" \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-arm-none-eabi.cmake" \
  -DCMAKE_FIND_ROOT_PATH="$PREFIX" -DPython3_EXECUTABLE=/usr/bin/python3 >"$B/fw-configure.log"
cmake --build "$B/fw" -j "$JOBS" 2>&1 | tee "$B/fw-build.log" | grep -E "warning:|error:|Memory region|FLASH:|RAM:|NOINIT:" || true
if grep -q "warning:" "$B/fw-build.log"; then
  echo "qemu: FAIL: the firmware build printed warnings" >&2; exit 1
fi
ELF="$B/fw/fw.elf"

# run NAME ARGS... : boot the firmware; the log goes to BUILD_DIR/qemu-NAME.log.
run() {
  local name="$1"; shift
  local log="$B/qemu-$name.log" rc=0
  local cfg="enable=on,target=native,arg=fw.elf"
  for a in "$@"; do cfg="$cfg,arg=$a"; done
  timeout "$TIMEOUT" qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -icount shift=4 -semihosting-config "$cfg" -kernel "$ELF" >"$log" 2>&1 || rc=$?
  echo "$rc"
}

fail=0
echo "--- qemu run 1: full scenario"
rc=$(run normal)
grep -v "progress" "$B/qemu-normal.log"
if [ "$rc" -ne 0 ] || ! grep -q "^SUCCESS: updated to v2 and confirmed" "$B/qemu-normal.log"; then
  echo "qemu: FAIL: full scenario (exit $rc)"; fail=1
fi

echo "--- qemu run 2: system reset injected after 3 payload chunks of the download"
rc=$(run reset reset-at=3)
grep -E "boot [0-9]|injected|resuming|boot selector|SUCCESS|FAIL" "$B/qemu-reset.log"
if [ "$rc" -ne 0 ] || ! grep -q "^SUCCESS: updated to v2 and confirmed" "$B/qemu-reset.log" ||
   ! grep -q "injected: system reset in the middle of the download" "$B/qemu-reset.log" ||
   ! grep -q "resuming the download at payload offset [1-9]" "$B/qemu-reset.log"; then
  echo "qemu: FAIL: reset mid-install did not resume and confirm (exit $rc)"; fail=1
fi
# A reset just before every flash program/erase operation of the update
# (download, checkpoints, verify, activate, trial boot, confirm): each run
# must still end confirmed on v2.
total=$(sed -n 's/.*flash ops \([0-9]*\) since power-on.*/\1/p' "$B/qemu-normal.log" | tail -n 1)
step_by="${IOTL_QEMU_SWEEP_STEP:-1}"
# The runs are independent: use every core.
for ((n = 1; n <= ${total:-0}; n += step_by)); do
  ( rc=$(run "sweep-$n" "reset-op=$n"); echo "$rc" >"$B/qemu-sweep-$n.rc" ) &
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
done
wait
sweep_ok=0; sweep_n=0
for ((n = 1; n <= ${total:-0}; n += step_by)); do
  sweep_n=$((sweep_n + 1))
  rc=$(cat "$B/qemu-sweep-$n.rc" 2>/dev/null || echo 99)
  log="$B/qemu-sweep-$n.log"
  if [ "$rc" -eq 0 ] && grep -q "^SUCCESS: updated to v2 and confirmed" "$log" &&
     grep -q "injected: system reset" "$log"; then
    sweep_ok=$((sweep_ok + 1))
    rm -f "$log" "$B/qemu-sweep-$n.rc"
  else
    echo "qemu: FAIL: reset-op=$n did not end confirmed on v2 (exit $rc), see $log:"; tail -n 5 "$log"; fail=1
  fi
done
echo "reset sweep: $sweep_ok of $sweep_n resets (one before each of the update's $total flash operations) ended confirmed on v2"
[ "$sweep_n" -gt 0 ] || { echo "qemu: FAIL: no flash operation count from run 1"; fail=1; }

echo "--- qemu run 3: one bit of the payload flipped in transit (must be refused)"
rc=$(run tamper tamper)
grep -E "injected|FAIL|SUCCESS" "$B/qemu-tamper.log" || true
if [ "$rc" -eq 0 ] || ! grep -q "^FAIL: iotl_stage_finish" "$B/qemu-tamper.log"; then
  echo "qemu: FAIL: a corrupted payload was not refused (exit $rc)"; fail=1
fi

echo "--- qemu run 4: one character of the signed manifest changed (must be refused before staging)"
rc=$(run forge forge-manifest)
grep -E "injected|FAIL|SUCCESS|\[install\]" "$B/qemu-forge.log" || true
if [ "$rc" -eq 0 ] || ! grep -q "^FAIL: manifest/deployment decision: -[0-9]" "$B/qemu-forge.log" || grep -q "^\[install\]" "$B/qemu-forge.log"; then
  echo "qemu: FAIL: a forged manifest was not refused before staging (exit $rc)"; fail=1
fi

echo "--- qemu run 5: the new image fails its health check on trial (must roll back to v1)"
rc=$(run unhealthy unhealthy)
grep -E "boot [0-9]|boot selector|health|rolled back|FAIL|SUCCESS" "$B/qemu-unhealthy.log" || true
if [ "$rc" -ne 0 ] || ! grep -q "^SUCCESS: unhealthy v2 rejected, rolled back to v1" "$B/qemu-unhealthy.log"; then
  echo "qemu: FAIL: an unhealthy trial image was not rolled back (exit $rc)"; fail=1
fi

[ "$fail" -eq 0 ] && echo "qemu: ok"

# Footprint and stack budgets, on the same build (fails when one is exceeded).
echo "--- footprint"
IOTL_FOOTPRINT_REBUILD_FW=0 "$ROOT/scripts/footprint.sh" "$B" || fail=1
exit "$fail"
