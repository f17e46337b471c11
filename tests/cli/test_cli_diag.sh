#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iotlife diag sample/decode: round trip, re-sent and out-of-order chunks,
# gaps, bad chunks and exit codes.   usage: test_cli_diag.sh IOTLIFE_BINARY
set -euo pipefail
CLI="$1"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$CLI" diag sample -o "$T/c" --records 300 --mtu 244 >/dev/null
n=$(ls "$T/c" | wc -l)
[ "$n" -gt 3 ] || fail "expected several chunks, got $n"
# All chunks, reversed and the first twice: 301 records (reboot + 300), in order, no dups.
files=$(ls "$T/c"/*.bin | sort -r)
"$CLI" diag decode $files "$T/c/chunk-0001.bin" >"$T/out.json" 2>"$T/err"
[ "$(wc -l <"$T/out.json")" -eq 301 ] || fail "want 301 records, got $(wc -l <"$T/out.json")"
seqs=$(sed -E 's/.*"seq":([0-9]+).*/\1/' "$T/out.json" | tr '\n' ' ')
[ "$seqs" = "$(seq 1 301 | tr '\n' ' ')" ] || fail "sequence numbers not 1..301 in order"
grep -q "duplicate records ignored" "$T/err" || fail "duplicates not reported"
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out.json" || fail "not JSON"
# A missing chunk is reported as a gap.
"$CLI" diag decode $(ls "$T/c"/*.bin | sed -n '1p;3,$p') >/dev/null 2>"$T/err"
grep -q "gap: sequence numbers" "$T/err" || fail "gap not reported"
# Bad chunks: one stderr line each; exit 0 while something decoded, 1 when nothing did.
head -c 20 "$T/c/chunk-0002.bin" >"$T/trunc.bin"
cp "$T/c/chunk-0003.bin" "$T/flip.bin"; printf '\x00' | dd of="$T/flip.bin" bs=1 seek=30 conv=notrunc 2>/dev/null
"$CLI" diag decode "$T/trunc.bin" "$T/c/chunk-0001.bin" "$T/flip.bin" >/dev/null 2>"$T/err" || fail "exit non-zero with a valid chunk"
[ "$(grep -c 'iotlife: diag decode' "$T/err")" -ge 2 ] || fail "bad chunks not reported"
grep -q "IOTL_ERR_DIAG_CRC" "$T/err" || fail "CRC error not named"
if "$CLI" diag decode "$T/trunc.bin" 2>/dev/null; then fail "exit 0 without a valid chunk"; fi
if "$CLI" diag decode 2>/dev/null; then fail "exit 0 without files"; fi
"$CLI" diag decode --text "$T/c/chunk-0001.bin" | head -1 | grep -q "reason=\"watchdog\"" || fail "--text"
# 64-byte chunks decode as well.
"$CLI" diag sample -o "$T/s" --records 50 --mtu 64 >/dev/null
[ "$("$CLI" diag decode "$T/s"/*.bin | wc -l)" -eq 51 ] || fail "64-byte chunks"
for f in "$T/s"/*.bin; do [ "$(stat -c %s "$f")" -le 64 ] || fail "$f larger than 64 bytes"; done
echo "cli diag: ok"
