#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `iotlife delta` end to end: create, info, apply (byte-exact), and the
# failure paths: one stderr line, non-zero exit, nothing at the output path.
#   delta_cli.sh IOTLIFE_BINARY
set -euo pipefail
CLI="$1"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
head -c 200000 /dev/urandom >"$T/old"
{ head -c 120000 "$T/old"; printf 'new feature'; tail -c 70000 "$T/old"; } >"$T/new"

"$CLI" delta create "$T/old" "$T/new" -o "$T/p" --interval 65536 | grep -q '^decision: delta$'
"$CLI" delta info "$T/p" | grep -q 'checkpoint interval: 65536 bytes'
"$CLI" delta apply "$T/old" "$T/p" -o "$T/out" --stats | grep -q '^decoder memory: peak'
cmp "$T/out" "$T/new"

fail() { # fail WANT_STATUS WANT_TEXT CMD...
  local want=$1 text=$2 rc=0
  shift 2
  "$@" 2>"$T/err" >/dev/null || rc=$?
  [ "$rc" = "$want" ] || { echo "expected exit $want, got $rc: $*"; cat "$T/err"; exit 1; }
  [ "$(wc -l <"$T/err")" = 1 ] || { echo "expected one stderr line: $*"; cat "$T/err"; exit 1; }
  grep -q "$text" "$T/err" || { echo "expected '$text': $*"; cat "$T/err"; exit 1; }
}
cp "$T/old" "$T/old.orig"
printf X | dd of="$T/old" bs=1 seek=5 conv=notrunc status=none
rm -f "$T/out2"
fail 1 "old image is not the patch's base" "$CLI" delta apply "$T/old" "$T/p" -o "$T/out2"
[ ! -e "$T/out2" ] && [ ! -e "$T/out2.part" ] || { echo "output written on error"; exit 1; }
head -c "$(( $(stat -c %s "$T/p") - 7 ))" "$T/p" >"$T/short"
fail 1 "patch ended before" "$CLI" delta apply "$T/old.orig" "$T/short" -o "$T/out2"
fail 1 "patch ended before" "$CLI" delta info "$T/short"
printf 'nope' >"$T/junk"
fail 1 "not an iotlife delta patch" "$CLI" delta info "$T/junk"
# Unrelated images: the patch is not worth it.
head -c 50000 /dev/urandom >"$T/a"
head -c 50000 /dev/urandom >"$T/b"
rc=0
"$CLI" delta create "$T/a" "$T/b" -o "$T/pf" --fail-if-full >"$T/o" || rc=$?
[ "$rc" = 3 ] && grep -q '^decision: full$' "$T/o" || { echo "expected decision full, exit 3"; exit 1; }
echo "delta_cli: ok"
