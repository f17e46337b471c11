#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Footprint benchmark: per-module code/RAM and worst-case stack on Cortex-M4,
# the whole bare-metal firmware beside mender-mcu and MCUboot. Markdown out.
#   bench/footprint/run.sh [BUILD_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "$ROOT/scripts/footprint.sh" "${1:-$ROOT/build/footprint}"
