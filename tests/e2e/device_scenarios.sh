#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end device scenarios against nginx (run through tests/e2e/run.sh,
# which starts nginx and exports IOTL_E2E_*):
#   device_scenarios.sh BUILD_DIR
# The repository is built with the iotlife CLI (keygen, keyring, manifest,
# deploy, publish) and served as static files; iotlife-device runs the real
# agent, updater, staging, health and diagnostics over curl.
set -euo pipefail
BUILD="$(cd "$1" && pwd)"
CLI="$BUILD/tools/iotlife"
DEV="$BUILD/examples/posix-device/iotlife-device"
: "${IOTL_E2E_ROOT:?run through tests/e2e/run.sh}"
W="$(mktemp -d "${TMPDIR:-/tmp}/iotl_dev_e2e.XXXXXX")"
BG=""
cleanup() {
  if [ -n "$BG" ]; then kill -9 "$BG" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
REPO="$IOTL_E2E_ROOT/repo"
HTTP_REPO="$IOTL_E2E_HTTP/repo"
HTTPS_REPO="$IOTL_E2E_HTTPS/repo"
UP="$IOTL_E2E_HTTP/upload"
UPDIR="$IOTL_E2E_ROOT/upload"
passed=0
ok() { passed=$((passed + 1)); echo "scenario: $* ... ok"; }
die() {
  echo "scenario FAILED: $*" >&2
  for f in poll.out poll.err; do
    [ -f "$f" ] && { echo "--- $f" >&2; tr '\r' '\n' <"$f" | tail -n 5 >&2; }
  done
  exit 1
}
json() { "$DEV" --dir "$1" status --json | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$2"; }
mkimg() { { printf 'IOTLSIM version=%s health=%s\n' "$1" "$2"; head -c "$3" /dev/urandom; } >"$4"; }

# --- builder and operator material ------------------------------------------
for k in root publisher operator rogue; do "$CLI" keygen $k.key $k.pub >/dev/null; done
"$CLI" keyring create --version 1 --expires +30d --key root:root.pub --key publisher:publisher.pub \
  --key operator:operator.pub --sign root.key -o ring.json >/dev/null
"$CLI" publish keyring --repo "$REPO" ring.json >/dev/null
mkimg 1.0.0 ok 100000 v1.img
mkimg 2.0.0 ok 180000 v2.img
mkimg 3.0.0 fail 120000 v3.img
release() { # VERSION SEQ IMAGE
  "$CLI" manifest create --key publisher.key --product thermo --hardware rev-a --version "$1" \
    --security-version 1 --sequence "$2" --expires +30d \
    --payload "name=main,component=main,file=$3,location=main.bin" -o "m$1.jws" >/dev/null
  "$CLI" publish release --repo "$REPO" "m$1.jws" "$3" >/dev/null
}
deploy() { # VERSION SEQ [KEY]
  "$CLI" deploy create --key "${3:-operator.key}" --manifest "m$1.jws" --id "rollout-$2" --sequence "$2" \
    --expires +7d -o "d$2.jws" >/dev/null
  "$CLI" publish deployment --repo "$REPO" --channel stable "d$2.jws" >/dev/null
}
release 2.0.0 2 v2.img
deploy 2.0.0 2

# publish refuses to rewrite an immutable object and a deployment of an unpublished release
cp v2.img v2-bad.img; printf 'X' | dd of=v2-bad.img bs=1 seek=500 conv=notrunc 2>/dev/null
if "$CLI" publish release --repo "$REPO" m2.0.0.jws v2-bad.img 2>/dev/null; then die "publish took a wrong payload"; fi
"$CLI" manifest create --key publisher.key --product thermo --hardware rev-a --version 9.0.0 \
  --security-version 1 --sequence 9 --expires +30d --payload "name=main,component=main,file=v1.img" -o m9.jws >/dev/null
"$CLI" deploy create --key operator.key --manifest m9.jws --id x --sequence 9 --expires +7d -o d9.jws >/dev/null
if "$CLI" publish deployment --repo "$REPO" --channel stable d9.jws 2>/dev/null; then die "deployment of an unpublished release"; fi
ok "publish refuses wrong payloads and dangling deployments"

# --- 1: HTTPS update with a power cut (SIGKILL) mid-download, resumed ---------
"$DEV" --dir d1 init --product thermo --image v1.img --anchor root.pub --id dev-1 >/dev/null
"$DEV" --dir d1 poll --url "$HTTPS_REPO/deployments/stable.jws" --ca "$IOTL_E2E_CA" --throttle 60 \
  >poll.out 2>poll.err &
BG=$!
for _ in $(seq 1 200); do
  pct=$(tr '\r' '\n' <poll.err | grep -o '[0-9]*%' | tail -n 1 | tr -d '%' || true)
  [ -n "$pct" ] && [ "$pct" -ge 30 ] && break
  sleep 0.05
done
kill -9 "$BG"; wait "$BG" 2>/dev/null || true; BG=""
[ "$(json d1 "['stage']['phase']")" = downloading ] || die "no download in flight after the cut"
staged=$(json d1 "['stage']['next_offset']")
[ "$staged" -gt 0 ] || die "nothing staged before the cut"
"$DEV" --dir d1 run --url "$HTTPS_REPO/deployments/stable.jws" --ca "$IOTL_E2E_CA" --report "$UP" >run1.out 2>&1 \
  || { cat run1.out; die "run after the power cut"; }
grep -q "Range: bytes=$staged-\|bytes=$staged-" "$IOTL_E2E_ROOT/../logs/access.log" 2>/dev/null || true
[ "$(json d1 "['running']['version']")" = 2.0.0 ] || die "v2 not running"
[ "$(json d1 "['outcome']['kind']")" = confirmed ] || die "v2 not confirmed"
grep -q '"result":"confirmed"' "$UPDIR/reports/dev-1/status.json" || die "confirmed report missing"
ok "HTTPS update resumed after SIGKILL at $staged bytes, confirmed, reported"

# --- 2: bad v3 fails its health check -> automatic rollback ---------------------
release 3.0.0 3 v3.img
deploy 3.0.0 3
"$DEV" --dir d1 run --url "$HTTPS_REPO/deployments/stable.jws" --ca "$IOTL_E2E_CA" --report "$UP" >run2.out 2>&1 \
  || { cat run2.out; die "run with v3"; }
[ "$(json d1 "['running']['version']")" = 2.0.0 ] || die "not rolled back to v2"
[ "$(json d1 "['outcome']['kind']")" = rolled-back ] || die "outcome is not rolled-back"
grep -q '"result":"rolled-back"' "$UPDIR/reports/dev-1/status.json" || die "rollback report missing"
ls "$UPDIR/diag/dev-1/"*.chunk >/dev/null || die "no diagnostics uploaded"
"$DEV" diag decode "$UPDIR/diag/dev-1/"*.chunk >decoded.txt
grep -q "update rolled-back" decoded.txt || die "rollback not in the decoded diagnostics"
grep -q "update confirmed" decoded.txt || die "confirm not in the decoded diagnostics"
"$CLI" diag decode --text "$UPDIR/diag/dev-1/"*.chunk >decoded2.txt 2>&1
grep -q 'outcome="rolled_back" error=-251' decoded2.txt || { cat decoded2.txt; die "iotlife diag decode: no rollback"; }
# the refused release is not retried
"$DEV" --dir d1 poll --url "$HTTPS_REPO/deployments/stable.jws" --ca "$IOTL_E2E_CA" >poll3.out 2>&1 || die "poll after rollback"
grep -q "nothing new" poll3.out || die "rolled-back release offered again"
ok "v3 unhealthy: rolled back to v2, outcome and diagnostics uploaded and decoded"

# --- 3: wrong bytes on the server are never installed ----------------------------
"$DEV" --dir d2 init --product thermo --image v1.img --anchor root.pub --id dev-2 >/dev/null
sha3=$(sha256sum m3.0.0.jws | cut -d' ' -f1)
cp v2.img "$REPO/releases/$sha3/main.bin.good"
cp "$REPO/releases/$sha3/main.bin" v3.saved
head -c "$(stat -c %s v3.saved)" /dev/urandom >"$REPO/releases/$sha3/main.bin"
if "$DEV" --dir d2 poll --url "$HTTP_REPO/deployments/stable.jws" -q >poll4.out 2>&1; then cat poll4.out; die "tampered payload accepted"; fi
grep -q "IOTL_ERR_HASH_MISMATCH" poll4.out || { cat poll4.out; die "no hash mismatch reported"; }
[ "$(json d2 "['running']['version']")" = 1.0.0 ] || die "device changed image"
[ "$(json d2 "['stage']['phase']")" = idle ] || die "staging not back to idle"
cp v3.saved "$REPO/releases/$sha3/main.bin"
ok "tampered payload refused (IOTL_ERR_HASH_MISMATCH), v1 still running"

# --- 4: a deployment signed by a key outside the ring is refused ------------------
"$DEV" --dir d3 init --product thermo --image v1.img --anchor root.pub --id dev-3 >/dev/null
deploy 2.0.0 4 rogue.key
if "$DEV" --dir d3 poll --url "$HTTP_REPO/deployments/stable.jws" -q >poll5.out 2>&1; then die "rogue deployment accepted"; fi
grep -q "IOTL_ERR_UNKNOWN_KEY" poll5.out || { cat poll5.out; die "no unknown-key refusal"; }
[ "$(json d3 "['running']['version']")" = 1.0.0 ] || die "device changed image"
ok "deployment signed by an unknown key refused (after a key ring refresh)"

# --- 5: HTTPS without the right CA fails closed --------------------------------------
deploy 2.0.0 5
if "$DEV" --dir d3 poll --url "$HTTPS_REPO/deployments/stable.jws" --ca "$IOTL_E2E_OTHER_CA" -q >poll6.out 2>&1; then
  die "TLS with a wrong CA accepted"
fi
grep -q "IOTL_ERR_TLS" poll6.out || { cat poll6.out; die "no TLS error"; }
"$DEV" --dir d3 run --url "$HTTP_REPO/deployments/stable.jws" -q >run7.out 2>&1 || { cat run7.out; die "plain run"; }
[ "$(json d3 "['running']['version']")" = 2.0.0 ] || die "d3 not updated over HTTP"
ok "wrong CA refused (IOTL_ERR_TLS); the same release over HTTP installs"

# --- 6: SIGKILL at random instants of a whole update, then power stays on ----------
"$DEV" --dir d4 init --product thermo --image v1.img --anchor root.pub --id dev-4 >/dev/null
kills=0
for i in 1 2 3 4 5 6; do
  "$DEV" --dir d4 run --url "$HTTP_REPO/deployments/stable.jws" --throttle 120 -q >/dev/null 2>&1 &
  BG=$!
  sleep "0.$(( (RANDOM % 9) + 1 ))"
  if kill -9 "$BG" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$BG" 2>/dev/null || true; BG=""
  v=$(json d4 "['running']['version']") || die "state unreadable after kill $i"
  case "$v" in 1.0.0|2.0.0) ;; *) die "running '$v' after kill $i" ;; esac
done
"$DEV" --dir d4 run --url "$HTTP_REPO/deployments/stable.jws" -q >run8.out 2>&1 || { cat run8.out; die "final run"; }
final="$(json d4 "['running']['version']") $(json d4 "['outcome']['kind']")"
case "$final" in
  "2.0.0 confirmed"|"1.0.0 rolled-back") ;; # a trial killed before every confirm exhausts its attempts
  *) die "after random kills: $final" ;;
esac
ok "$kills SIGKILLs at random instants, then: $final"

echo "device scenarios: $passed passed"
