#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds everything and runs every test: the Check suites (release and
# ASan+UBSan), power-cut suites, the Mbed TLS 3.6 port build, the cortex-m4
# cross build with its size table, the consumer projects, Doxygen, cppcheck
# and bounded fuzzing. Installs missing Debian packages itself.
#
#   ./scripts/test.sh            everything
#   IOTL_STEPS="release asan" ./scripts/test.sh   only the named steps
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD="${IOTL_BUILD_DIR:-$ROOT/build}"
JOBS="$(nproc)"
mkdir -p "$BUILD"

"$ROOT/scripts/deps.sh" || { echo "test.sh: could not install dependencies"; exit 1; }

passed=0
failed=0
failed_steps=()
tests_passed=0
tests_failed=0

# Add the counts of a ctest log to the totals.
count_ctest() {
  local line
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -n 1 || true)
  if [ -n "$line" ]; then
    local total fail
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    fail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    tests_passed=$((tests_passed + total - fail))
    tests_failed=$((tests_failed + fail))
  fi
}

step() {
  local name="$1"; shift
  case " ${IOTL_STEPS:-all} " in
    *" all "*|*" $name "*) ;;
    *) return 0 ;;
  esac
  echo
  echo "=== step: $name"
  local t0=$SECONDS log="$BUILD/step-$name.log"
  if "$@" 2>&1 | tee "$log"; then
    passed=$((passed + 1))
    echo "=== step $name: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    failed_steps+=("$name")
    echo "=== step $name: FAILED ($((SECONDS - t0)) s)"
  fi
  count_ctest "$log"
}

configure_and_test() {
  local dir="$1"; shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null &&
    cmake --build "$dir" -j "$JOBS" &&
    (cd "$dir" && ctest -j "$JOBS" --output-on-failure --timeout 900)
}

# The release build also registers the bare-metal firmware's QEMU runs (ctest
# label qemu, tests/qemu/CMakeLists.txt), sharing the cross-built target
# dependencies with the cortex-m4 step.
# The QEMU runs are tests of the release build (label qemu): when the release
# step ran in this invocation they have run already and are not repeated;
# otherwise `ctest -L qemu` runs them there (building what is missing). Then
# the footprint and stack budgets on the firmware they built.
qemu_step() {
  local dir="$BUILD/release"
  case " ${IOTL_STEPS:-all} " in
    *" all "*|*" release "*) ;;
    *)
      cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DIOTLIFE_TARGET_DEPS_DIR="$BUILD/target-deps" >/dev/null &&
        cmake --build "$dir" -j "$JOBS" &&
        (cd "$dir" && ctest -L qemu -j "$JOBS" --output-on-failure --timeout 900) || return 1 ;;
  esac
  [ -f "$dir/qemu/fw/fw.elf" ] || { echo "qemu: no firmware in $dir/qemu (qemu tests not registered?)"; return 1; }
  IOTL_TARGET_DEPS_DIR="$BUILD/target-deps" IOTL_FOOTPRINT_REBUILD_FW=0 scripts/footprint.sh "$dir/qemu"
}

step release configure_and_test "$BUILD/release" -DIOTLIFE_TARGET_DEPS_DIR="$BUILD/target-deps"
step asan configure_and_test "$BUILD/asan" -DIOTLIFE_SANITIZE=ON
# Minimal configuration: no zlib, no cJSON, assertions compiled out. Every
# feature flag is built, or it does not exist.
step minimal configure_and_test "$BUILD/minimal" -DIOTLIFE_WITH_ZLIB=OFF -DIOTLIFE_WITH_CJSON=OFF \
  -DCMAKE_C_FLAGS=-DIOTL_ASSERT_ENABLED=0
[ -x scripts/test-mbedtls36.sh ] && step mbedtls36 scripts/test-mbedtls36.sh "$BUILD/mbedtls36"
[ -x scripts/cross-cortex-m4.sh ] && step cortex-m4 scripts/cross-cortex-m4.sh "$BUILD/cortex-m4"
[ -x scripts/qemu-bare-metal.sh ] && step qemu qemu_step
[ -x tests/consumers/run.sh ] && step consumers tests/consumers/run.sh "$BUILD/consumers"
[ -x scripts/doxygen.sh ] && step doxygen scripts/doxygen.sh "$BUILD/docs"
[ -x scripts/cppcheck.sh ] && step cppcheck scripts/cppcheck.sh
[ -x scripts/fuzz.sh ] && step fuzz scripts/fuzz.sh "$BUILD/fuzz"

echo
echo "steps: ${passed} ok, ${failed} failed${failed_steps[*]:+ (${failed_steps[*]})}"
echo "tests: ${tests_passed} passed, $((tests_failed + failed)) failed"
[ "$failed" -eq 0 ]
