#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The iotlife demo. Until the desktop device simulator (examples/posix-device)
# exists, this runs the most end-to-end path the library has today and says so.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${IOTL_BUILD_DIR:-$ROOT/build}/demo"
"$ROOT/scripts/deps.sh"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null
echo "NOTE: the device simulator is not built yet; this demo runs the storage"
echo "      port conformance and power-cut emulation suites instead."
(cd "$BUILD" && ctest -R 'test_conformance|test_emuflash' --output-on-failure)
"$BUILD/tools/iotlife" version
