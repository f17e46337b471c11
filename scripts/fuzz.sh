#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds every libFuzzer target (tests/fuzz/fuzz_*.c) with clang and runs each
# for a bounded time over its seed corpus (tests/fuzz/corpus/<name>/).
#   scripts/fuzz.sh [BUILD_DIR]     IOTL_FUZZ_SECONDS (default 20) per target
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/build/fuzz}"
SECS="${IOTL_FUZZ_SECONDS:-20}"
shopt -s nullglob
targets=("$ROOT"/tests/fuzz/fuzz_*.c)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets"
  exit 0
fi
CC=clang cmake -S "$ROOT/tests/fuzz" -B "$OUT" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$OUT" -j "$(nproc)"
for src in "${targets[@]}"; do
  name="$(basename "$src" .c)"
  corpus="$ROOT/tests/fuzz/corpus/${name#fuzz_}"
  work="$OUT/corpus-${name#fuzz_}"
  mkdir -p "$work"
  echo "fuzz: $name for ${SECS}s (seeds: $corpus)"
  # New inputs go to the scratch dir; the committed seeds are only read.
  [ -d "$corpus" ] || { echo "fuzz: $name has no seed corpus at $corpus"; exit 1; }
  rc=0
  "$OUT/$name" -max_total_time="$SECS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    "$work" "$corpus" >"$OUT/$name.log" 2>&1 || rc=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)" "$OUT/$name.log" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$OUT/$name.log"
    echo "fuzz: $name FAILED"
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} targets ok"
