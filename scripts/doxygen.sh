#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs Doxygen over the public headers with warnings as errors.
#   scripts/doxygen.sh [BUILD_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/build/docs}"
cmake -S "$ROOT" -B "$OUT" -DIOTLIFE_BUILD_TESTS=OFF -DIOTLIFE_BUILD_EXAMPLES=OFF \
  -DIOTLIFE_BUILD_TOOLS=OFF >/dev/null
rm -f "$OUT/doxygen-warnings.log"
if ! cmake --build "$OUT" --target docs; then
  cat "$OUT/doxygen-warnings.log" 2>/dev/null || true
  echo "doxygen: FAILED"
  exit 1
fi
if [ -s "$OUT/doxygen-warnings.log" ]; then
  cat "$OUT/doxygen-warnings.log"
  echo "doxygen: warnings"
  exit 1
fi
echo "doxygen: public API documented, no warnings ($(find "$OUT/docs/html" -name '*.html' | wc -l) pages)"
