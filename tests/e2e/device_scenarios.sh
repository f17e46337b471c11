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
  # nginx's ETag is mtime-size: two deployments of one length published in the
  # same second would share it (and a device polling between them would get a
  # 304 for the second). A distinct mtime per sequence keeps them apart.
  touch -d "@$(( $(date +%s) + 1000 + $2 ))" "$REPO/deployments/stable.jws"
}
release 2.0.0 2 v2.img
deploy 2.0.0 2

# publish refuses to rewrite an immutable object and a deployment of an unpublished release
cp v2.img v2-bad.img # one byte changed (to a value it cannot already have)
b=$(od -An -tu1 -j500 -N1 v2.img | tr -d ' ')
printf "\\$(printf '%03o' $(( (b + 1) % 256 )))" | dd of=v2-bad.img bs=1 seek=500 conv=notrunc 2>/dev/null
cmp -s v2.img v2-bad.img && die "test setup: the corrupted copy equals the original"
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

# --- 7: kill points: SIGKILL at >= 20 random instants mid-download and mid-install --
# Slow flash (IOTL_SIM_FLASH_KBPS) and a paced transport (--throttle) stretch
# one update (`run`: download, install, trial boot verifying the image,
# health check, confirm) over ~2 s. A calibration run gives the phase
# boundaries; each kill point is a fresh v1 device whose `run` is killed at
# a random instant inside the download or the install window (alternately),
# classified by the phase the device had reached, then a plain `run` must
# resume and finish: v2 confirmed, slot bytes equal to the release image.
KILLS="${IOTL_E2E_KILL_POINTS:-24}" # 0 skips this scenario (while iterating on others)
FLASH=400
PACE=300
phase_ms() { tr '\r' '\n' <"$1" | sed -n "s/^agent: $2 (+\([0-9]*\) ms)\$/\1/p" | sed -n 1p; }
if [ "$KILLS" != 0 ]; then
"$DEV" --dir kcal init --product thermo --image v1.img --anchor root.pub --id kcal >/dev/null
IOTL_SIM_TRACE=1 IOTL_SIM_FLASH_KBPS=$FLASH "$DEV" --dir kcal run --url "$HTTP_REPO/deployments/stable.jws" \
  --throttle $PACE >kcal.out 2>&1 || { cat kcal.out; die "calibration run"; }
t_dl=$(phase_ms kcal.out download); t_in=$(phase_ms kcal.out install); t_end=$(phase_ms kcal.out report)
[ -n "$t_dl" ] && [ -n "$t_in" ] && [ -n "$t_end" ] && [ $((t_in - t_dl)) -gt 200 ] && [ $((t_end - t_in)) -gt 100 ] ||
  { cat kcal.out; die "calibration: download $t_dl, install $t_in, end $t_end ms"; }
v2size=$(stat -c %s v2.img)
k_dl=0; k_in=0; k_other=0; resumed=0; kt0=$SECONDS
# A kill that lands outside both windows (a loaded machine shifts the phases)
# does not count: attempts continue, up to twice KILLS, until KILLS landed
# with at least 5 on each side.
i=0
while [ $((k_dl + k_in)) -lt "$KILLS" ] || [ "$k_dl" -lt 5 ] || [ "$k_in" -lt 5 ]; do
  i=$((i + 1))
  [ "$i" -le $((2 * KILLS)) ] || break
  d="k$i"
  "$DEV" --dir "$d" init --product thermo --image v1.img --anchor root.pub --id "dev-k$i" >/dev/null
  # alternate windows; once one side has its 5 and KILLS are near, aim at the short side
  if { [ $((i % 2)) -eq 1 ] || [ "$k_in" -ge $((KILLS / 2)) ]; } && [ "$k_dl" -lt $((KILLS / 2)) ]; then
    at=$((t_dl + RANDOM % (t_in - t_dl)))
  else
    at=$((t_in + RANDOM % (t_end - t_in)))
  fi
  IOTL_SIM_TRACE=1 IOTL_SIM_FLASH_KBPS=$FLASH "$DEV" --dir "$d" run --url "$HTTP_REPO/deployments/stable.jws" \
    --throttle $PACE >"$d.out" 2>&1 &
  BG=$!
  sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
  kill -9 "$BG" 2>/dev/null || true
  wait "$BG" 2>/dev/null && { BG=""; k_other=$((k_other + 1)); continue; } # ended before the kill
  BG=""
  last=$(tr '\r' '\n' <"$d.out" | sed -n 's/^agent: \([a-z]*\) .*/\1/p' | tail -n 1)
  case "$last" in
    download) k_dl=$((k_dl + 1)); where=download ;;
    window|install|reboot|trial) k_in=$((k_in + 1)); where=install ;;
    *) k_other=$((k_other + 1)); where="$last" ;;
  esac
  staged=$(json "$d" "['stage']['next_offset']") || die "kill $i ($where, ${at} ms): state unreadable"
  v=$(json "$d" "['running']['version']")
  case "$v" in 1.0.0|2.0.0) ;; *) die "kill $i ($where): running '$v'" ;; esac
  "$DEV" --dir "$d" run --url "$HTTP_REPO/deployments/stable.jws" >"$d.resume" 2>&1 ||
    { tr '\r' '\n' <"$d.resume" | tail -n 5; die "kill $i ($where, ${at} ms): resumed run failed"; }
  if [ "$where" = download ] && [ "$staged" -gt 0 ]; then
    grep -q "resuming the download at byte $staged " "$d.resume" ||
      { tr '\r' '\n' <"$d.resume" | head -n 8; die "kill $i: download not resumed at $staged"; }
    resumed=$((resumed + 1))
  fi
  [ "$(json "$d" "['running']['version']") $(json "$d" "['outcome']['kind']")" = "2.0.0 confirmed" ] ||
    die "kill $i ($where, ${at} ms): not 2.0.0 confirmed after resuming"
  slot=$(json "$d" "['running']['slot']")
  cmp -s -n "$v2size" v2.img "$d/slot-${slot,,}.img" || die "kill $i ($where): slot $slot differs from the release"
  rm -rf "$d"
done
total=$((k_dl + k_in))
echo "kill points survived: $total (download $k_dl, $resumed resumed from a checkpoint; install $k_in; other $k_other; $((SECONDS - kt0)) s)"
[ "$total" -ge 20 ] && [ "$k_dl" -ge 5 ] && [ "$k_in" -ge 5 ] ||
  die "too few kill points landed: $total (download $k_dl, install $k_in)"
ok "$total SIGKILLs mid-download ($k_dl) and mid-install ($k_in), each resumed to a confirmed, byte-identical v2"
fi

# --- 8: server misbehaviour seen by a device; 304 polling ------------------------
# Each bad answer: `poll` fails with one line naming the error, the device
# keeps running v2 with nothing lost (status as before, journal readable,
# every diagnostics record still there); then the good server installs v4.
"$DEV" --dir dm init --product thermo --image v1.img --anchor root.pub --id dev-m >/dev/null
"$DEV" --dir dm run --url "$HTTP_REPO/deployments/stable.jws" -q >runm.out 2>&1 || { cat runm.out; die "dm to v2"; }
mis=0
misbehave() { # LABEL URL ERROR SAME_STATUS(1: status --json unchanged; 0: only the running image and idle)
  "$DEV" --dir dm status --json >st.before; "$DEV" --dir dm log >log.before || die "$1: journal unreadable before"
  if "$DEV" --dir dm poll --url "$2" --retries 0 -q >m.out 2>m.err; then die "$1: poll succeeded"; fi
  [ "$(wc -l <m.err)" = 1 ] && grep -q "^iotlife-device: poll: .*($3)\$" m.err || { cat m.out m.err; die "$1: not one line naming $3"; }
  "$DEV" --dir dm status --json >st.after || die "$1: status unreadable"
  "$DEV" --dir dm log >log.after || die "$1: journal unreadable"
  if [ "$4" = 1 ]; then
    cmp -s st.before st.after || { diff st.before st.after; die "$1: status changed"; }
  fi
  # still v2 in the same slot; the staging journal idle, or holding the download to resume
  local slot0
  slot0=$(/usr/bin/python3 -c "import json;print(json.load(open('st.before'))['running']['slot'])")
  case "$(json dm "['running']['version']") $(json dm "['running']['slot']") $(json dm "['stage']['phase']")" in
    "2.0.0 $slot0 idle"|"2.0.0 $slot0 downloading") ;;
    *) cat m.err; "$DEV" --dir dm status; die "$1: not on v2 in the same slot, idle or resumable" ;;
  esac
  grep -v '^chunk ' log.before | while IFS= read -r l; do grep -qF -- "$l" log.after || { echo "lost: $l"; exit 1; }; done ||
    die "$1: diagnostics records lost"
  mis=$((mis + 1))
  echo "  $1 -> $(cut -c1-120 m.err) [staging $(json dm "['stage']['phase']")]"
}
misbehave "deployment 404" "$IOTL_E2E_HTTP/err/404" IOTL_ERR_HTTP_NOT_FOUND 1
misbehave "deployment 500" "$IOTL_E2E_HTTP/err/500" IOTL_ERR_HTTP_SERVER 1
if [ "${IOTL_E2E_STREAM:-0}" = 1 ]; then
  misbehave "deployment truncated (1000 announced, 16 sent)" "$IOTL_E2E_RAW/stable.jws" IOTL_ERR_TRUNCATED 1
fi
head -c 100000 /dev/urandom | base64 -w0 >"$IOTL_E2E_ROOT/big.jws"
misbehave "deployment oversized (133 KB)" "$IOTL_E2E_HTTP/big.jws" IOTL_ERR_RESPONSE_TOO_LARGE 1
# the real deployment with one character of its signed payload changed (A<->B keeps it base64url)
/usr/bin/python3 - "$REPO/deployments/stable.jws" "$IOTL_E2E_ROOT/junk.jws" <<'PY'
import sys
h, p, s = open(sys.argv[1]).read().strip().split(".")
i = len(p) // 2
p = p[:i] + ("B" if p[i] != "B" else "A") + p[i + 1:]
open(sys.argv[2], "w").write(".".join((h, p, s)))
PY
misbehave "deployment wrong bytes (payload altered)" "$IOTL_E2E_HTTP/junk.jws" IOTL_ERR_SIGNATURE 1
mkimg 4.0.0 ok 150000 v4.img
release 4.0.0 6 v4.img
deploy 4.0.0 6
sha4=$(sha256sum m4.0.0.jws | cut -d' ' -f1)
BIN4="$REPO/releases/$sha4/main.bin"
cp "$BIN4" v4.saved
rm "$BIN4"
misbehave "payload 404" "$HTTP_REPO/deployments/stable.jws" IOTL_ERR_HTTP_NOT_FOUND 0
head -c 150032 /dev/urandom >"$BIN4"
misbehave "payload wrong bytes" "$HTTP_REPO/deployments/stable.jws" IOTL_ERR_HASH_MISMATCH 0
head -c 100000 v4.saved >"$BIN4"
misbehave "payload truncated (100000 of 150032 bytes)" "$HTTP_REPO/deployments/stable.jws" IOTL_ERR_TRUNCATED 0
{ cat v4.saved; head -c 50000 /dev/urandom; } >"$BIN4"
misbehave "payload oversized (+50000 bytes)" "$HTTP_REPO/deployments/stable.jws" IOTL_ERR_RESPONSE_TOO_LARGE 0
cp v4.saved "$BIN4"
"$DEV" --dir dm poll --url "$HTTP_REPO/deployments/stable.jws" -q >m.out 2>&1 || { cat m.out; die "poll with the server repaired"; }
"$DEV" --dir dm run --url "$HTTP_REPO/deployments/stable.jws" -q >m.out 2>&1 || { cat m.out; die "run v4"; }
[ "$(json dm "['running']['version']") $(json dm "['outcome']['kind']")" = "4.0.0 confirmed" ] || die "v4 not installed after the server was repaired"
ok "$mis server misbehaviours: one error line each, v2 kept running, status/journal/diagnostics intact; v4 installed once repaired"

# 304: the deployment's ETag survives between polls; nothing new is a conditional GET
"$DEV" --dir dm poll --url "$HTTP_REPO/deployments/stable.jws" >p1.out 2>&1 || { cat p1.out; die "poll 1"; }
"$DEV" --dir dm poll --url "$HTTP_REPO/deployments/stable.jws" >p2.out 2>&1 || { cat p2.out; die "poll 2"; }
grep -q "not modified (HTTP 304" p2.out || { cat p1.out p2.out; die "second poll did not get a 304"; }
grep -q "GET /repo/deployments/stable.jws HTTP/1.1\" 304 " "$IOTL_E2E_ROOT/../logs/access.log" || die "nginx did not answer 304"
deploy 4.0.0 7
"$DEV" --dir dm poll --url "$HTTP_REPO/deployments/stable.jws" >p3.out 2>&1 || { cat p3.out; die "poll 3"; }
grep -q "not modified" p3.out && die "a changed deployment was taken for not modified"
ok "second poll with nothing new: 304 ($(grep -o 'ETag [^)]*' p2.out)); a new deployment is fetched again"

# --- 9: idle-time prepare: the inactive slot erased ahead, the next install only programs ----
# d3 runs 2.0.0 (confirmed, slot B); slot A still holds v1. The simulator's
# flash refuses to program a byte that is not erased, so an install into a
# slot wrongly recorded as erased fails.
"$DEV" --dir d3 prepare --step 16384 >prep.out 2>&1 || { cat prep.out; die "prepare"; }
grep -q "^prepared: inactive slot erased" prep.out || { cat prep.out; die "prepare output"; }
[ "$(od -An -v -tx1 d3/slot-a.img | tr -s ' \n' '\n' | grep -v '^$' | sort -u)" = ff ] || die "slot A not erased by prepare"
"$CLI" journal show d3/state.img --erase-size 4096 >js.out 2>&1 || { cat js.out; die "journal show after prepare"; }
grep -q "slot A: no image, first [0-9]* bytes erased" js.out || { cat js.out; die "journal does not record the erased slot"; }
"$DEV" --dir d3 run --url "$HTTP_REPO/deployments/stable.jws" -q >run9.out 2>&1 || { cat run9.out; die "run into the prepared slot"; }
[ "$(json d3 "['running']['version']") $(json d3 "['outcome']['kind']") $(json d3 "['running']['slot']")" = "4.0.0 confirmed A" ] ||
  die "v4 not installed into the prepared slot A"
cmp -s -n "$(stat -c %s v4.img)" v4.img d3/slot-a.img || die "slot A differs from v4 after the prepared install"
ok "prepare erased the inactive slot while idle ($(grep -o '[0-9]* bytes in [0-9]* steps' prep.out)); v4 then installed into it and confirmed"

echo "device scenarios: $passed passed"
