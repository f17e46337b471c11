#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Diagnostics benchmark: append rate (RAM and flash-backed on the RAM port),
# bytes per record on the wire raw vs deflated chunks (64/244/1024-byte MTUs)
# for a realistic mix, our ratio against gzip -6 of the same raw records (same
# run), and the compressor's arena peak. Prints markdown tables.
#   bench/diag/run.sh [BUILD_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
B="${1:-$ROOT/build/bench-diag}"
cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Release -DIOTLIFE_BUILD_TESTS=OFF -DIOTLIFE_BUILD_TOOLS=OFF \
  -DIOTLIFE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$B" -j2 --target iotlife iotlife_port_ram >/dev/null
cc -O2 -std=c99 -I "$ROOT/include" -I "$ROOT/ports/ram/include" "$ROOT/bench/diag/bench_diag.c" \
  "$B/libiotlife_port_ram.a" "$B/libiotlife.a" -lz -o "$B/bench_diag"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$B/bench_diag" "$OUT/raw.bin" >"$OUT/res.txt"
val() { grep -E "^$1=" "$OUT/res.txt" | head -1 | sed -E "s/^$1=([0-9]+).*/\1/"; }
field() { grep -E "^$1=" "$OUT/res.txt" | sed -E "s/.* $2=([0-9]+).*/\1/"; }
raw=$(val raw_records_bytes)
n=$(grep -E '^raw_records_bytes=' "$OUT/res.txt" | sed -E 's/.*records=([0-9]+).*/\1/')
gz=$(gzip -6 -c "$OUT/raw.bin" | wc -c)
gzip_v=$(gzip --version | head -1)

echo "### Append rate (host $(uname -m), $(date -u +%Y-%m-%d))"
echo
echo "| store | records/s |"
echo "| --- | ---: |"
echo "| RAM (64 KiB, 1 KiB blocks) | $(val append_ram) |"
echo "| flash on RAM port (256 KiB, 4 KiB erase, 1-byte writes) | $(val append_flash) |"
echo
echo "### Bytes per record on the wire ($n records: logs, compact logs, metrics, heartbeats, events)"
echo
echo "| MTU | raw chunks: B/record | deflated chunks: B/record | chunks raw -> deflated | records too big for the MTU | arena peak |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for m in 64 244 1024 16384; do
  wr=$(val wire_raw_$m); rr=$(field wire_raw_$m records); cr=$(field wire_raw_$m chunks)
  wz=$(val wire_z_$m); rz=$(field wire_z_$m records); cz=$(field wire_z_$m chunks)
  pk=$(field wire_z_$m arena_peak); tb=$(field wire_z_$m refused)
  printf "| %s | %s | %s | %s -> %s | %s | %s B |\n" "$m" \
    "$(awk -v a="$wr" -v b="$rr" 'BEGIN{printf "%.2f", a/b}')" \
    "$(awk -v a="$wz" -v b="$rz" 'BEGIN{printf "%.2f", a/b}')" "$cr" "$cz" "$tb" "$pk"
done
echo
echo "### Compression of the same raw records ($raw bytes, $(awk -v a="$raw" -v b="$n" 'BEGIN{printf "%.2f", a/b}') B/record)"
echo
echo "| codec | bytes | ratio |"
echo "| --- | ---: | ---: |"
for m in 1024 16384; do
  w1=$(val wire_z_$m)
  echo "| iotlife deflated chunks of $m B (window 512 B, memLevel 1; whole chunks incl. headers and CRC) | $w1 | $(awk -v a="$raw" -v b="$w1" 'BEGIN{printf "%.2f", a/b}') |"
done
echo "| $gzip_v, -6, one stream over all records | $gz | $(awk -v a="$raw" -v b="$gz" 'BEGIN{printf "%.2f", a/b}') |"
echo
echo "iotl_diag_t: $(val diag_t_bytes) bytes. Deflate arena configured: IOTL_DIAG_Z_ARENA(16384); peak above is what one chunk used."
