#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: a device's lifetime and its replacement, against nginx (run
# through tests/e2e/run.sh, which starts nginx and exports IOTL_E2E_*):
#   device_lifetime.sh BUILD_DIR
# - supported_until from the manifest in `status`, one end-of-support alert per boot;
# - `export` / `init --from`: a replacement unit joins the same group rollouts;
# - `retire`: final diagnostics and report uploaded, state wiped, commands refused.
set -euo pipefail
BUILD="$(cd "$1" && pwd)"
CLI="$BUILD/tools/iotlife"
DEV="$BUILD/examples/posix-device/iotlife-device"
: "${IOTL_E2E_ROOT:?run through tests/e2e/run.sh}"
W="$(mktemp -d "${TMPDIR:-/tmp}/iotl_life_e2e.XXXXXX")"
trap '[ "${IOTL_E2E_KEEP:-0}" = 1 ] || rm -rf "$W"' EXIT
cd "$W"
REPO="$IOTL_E2E_ROOT/life"
URL="$IOTL_E2E_HTTP/life/deployments/beta.jws"
UP="$IOTL_E2E_HTTP/upload/life"
UPDIR="$IOTL_E2E_ROOT/upload/life"
passed=0
ok() { passed=$((passed + 1)); echo "scenario: $* ... ok"; }
die() { echo "scenario FAILED: $*" >&2; exit 1; }
json() { "$DEV" --dir "$1" status --json | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$2"; }
mkimg() { { printf 'IOTLSIM version=%s health=ok\n' "$1"; head -c "$2" /dev/urandom; } >"$3"; }
# end-of-support alerts of device $1 (id $2): the uploaded (acknowledged) chunks plus the rest on the device
alerts() {
  { "$DEV" --dir "$1" log; if ls "$UPDIR/diag/$2/"*.chunk >/dev/null 2>&1; then "$DEV" diag decode "$UPDIR/diag/$2/"*.chunk; fi; } |
    grep -c 'alert code=1 .*"end-of-support' || true
}

for k in root publisher operator; do "$CLI" keygen $k.key $k.pub >/dev/null; done
"$CLI" keyring create --version 1 --expires +30d --key root:root.pub --key publisher:publisher.pub \
  --key operator:operator.pub --sign root.key -o ring.json >/dev/null
"$CLI" publish keyring --repo "$REPO" ring.json >/dev/null
mkimg 1.0.0 30000 v1.img
mkimg 2.0.0 40000 v2.img
mkimg 3.0.0 40000 v3.img
past=$(( $(date +%s) - 86400 ))
future=$(( $(date +%s) + 400 * 86400 ))
release() { # VERSION SEQ IMAGE SUPPORTED_UNTIL
  "$CLI" manifest create --key publisher.key --product thermo --hardware rev-a --version "$1" \
    --security-version 1 --sequence "$2" --expires +30d --supported-until "$4" \
    --payload "name=main,component=main,file=$3,location=main.bin" -o "m$1.jws" >/dev/null
  "$CLI" publish release --repo "$REPO" "m$1.jws" "$3" >/dev/null
}
deploy() { # VERSION SEQ (targets group beta)
  "$CLI" deploy create --key operator.key --manifest "m$1.jws" --id "beta-$2" --sequence "$2" --group beta \
    --expires +7d -o "d$2.jws" >/dev/null
  "$CLI" publish deployment --repo "$REPO" --channel beta "d$2.jws" >/dev/null
  # nginx's ETag is mtime-size: two deployments of one length published in the
  # same second would share it (and a device polling between them would get a
  # 304 for the second). A distinct mtime per sequence keeps them apart.
  touch -d "@$(( $(date +%s) + 1000 + $2 ))" "$REPO/deployments/beta.jws"
}

# --- 1: supported_until surfaced; one end-of-support alert per boot -------------
"$DEV" --dir a init --product thermo --image v1.img --anchor root.pub --id life-a --group beta \
  --url "$URL" --report "$UP" --supported-until "$future" >init-a.out 2>&1 || { cat init-a.out; die "init"; }
[ "$(json a "['supported_until']")" = "$future" ] || die "factory supported_until not in status --json"
[ "$(json a "['support_ended']")" = False ] || die "support ended too early"
"$DEV" --dir a status >st.txt; grep -q "^support: until " st.txt || die "no support line in status"
release 2.0.0 2 v2.img "$past"
deploy 2.0.0 2
"$DEV" --dir a run -q >run-a.out 2>&1 || { cat run-a.out; die "run to v2"; }
[ "$(json a "['running']['version']")" = 2.0.0 ] || die "v2 not running"
[ "$(json a "['supported_until']")" = "$past" ] || die "supported_until of v2 (from its manifest) not in status"
[ "$(json a "['support_ended']")" = True ] || die "support of v2 not reported as ended"
"$DEV" --dir a status >st.txt; grep -q "ENDED" st.txt || die "text status does not say the support ended"
grep -q "past its end of support" run-a.out || { cat run-a.out; die "no end-of-support warning at the trial boot"; }
n1=$(alerts a life-a)
[ "$n1" -ge 1 ] || die "no end-of-support alert in the diagnostics"
"$DEV" --dir a poll -q >poll-a.out 2>&1 || { cat poll-a.out; die "poll"; }
[ "$(alerts a life-a)" = "$n1" ] || die "a second alert in the same boot"
"$DEV" --dir a boot >/dev/null 2>&1
[ "$(alerts a life-a)" = $((n1 + 1)) ] || die "no new alert after a reboot"
"$DEV" --dir a poll -q >/dev/null 2>&1 || die "poll after reboot"
[ "$(alerts a life-a)" = $((n1 + 1)) ] || die "alert repeated within a boot"
ok "supported_until in status (factory and from the v2 manifest); one end-of-support alert per boot ($((n1 + 1)) over 2 boots)"

# --- 2: export, replacement unit from the export joins the same rollouts -----------
"$DEV" --dir a export -o a.conf >export.out || die "export"
grep -q '^format=iotlife-device-config$' a.conf || die "export format line"
grep -q '^group=beta$' a.conf || die "export lacks the group"
grep -q "^url=$URL\$" a.conf || die "export lacks the repository URL"
grep -q '^keyring_version=1$' a.conf || die "export lacks the key ring version"
grep -q '^anchor=04[0-9a-f]\{128\}$' a.conf || die "export lacks the anchor"
grep -q '^hardware=rev-a$' a.conf || die "export lacks the hardware model"
# a replacement unit on another "machine": no access to the anchor files
mkdir other && cp a.conf v1.img other/ && (cd other && "$DEV" --dir b init --from a.conf --image v1.img --id life-b \
  >init-b.out 2>&1) || { cat other/init-b.out; die "init --from"; }
grep -q "key ring v1" other/init-b.out || { cat other/init-b.out; die "key ring not carried over"; }
[ "$(json other/b "['keyring_version']")" = 1 ] || die "replacement unit has no key ring v1"
[ "$(json other/b "['hardware']")" = rev-a ] || die "hardware model not carried over"
release 3.0.0 3 v3.img "$future"
deploy 3.0.0 3
"$DEV" --dir other/b run -q >run-b.out 2>&1 || { cat run-b.out; die "replacement run"; }
[ "$(json other/b "['running']['version']")" = 3.0.0 ] || die "replacement unit did not join the beta rollout"
grep -q '"result":"confirmed"' "$UPDIR/reports/life-b/status.json" || die "replacement did not report to the same prefix"
# a tampered export (anchor not a key) is refused, nothing created
sed 's/^anchor=04/anchor=zz/' a.conf >bad.conf
if "$DEV" --dir c init --from bad.conf --image v1.img 2>bad.err; then die "bad export accepted"; fi
grep -q "bad anchor" bad.err || { cat bad.err; die "no clear error for a bad export"; }
[ ! -e c/device.conf ] || die "device created from a bad export"
# a device without the group does not take the rollout (control)
"$DEV" --dir d init --product thermo --image v1.img --anchor root.pub --id life-d --url "$URL" >/dev/null
"$DEV" --dir d poll -q >poll-d.out 2>&1 || die "poll control device"
[ "$(json d "['running']['version']")" = 1.0.0 ] || die "device outside the group updated"
ok "export -> init --from: replacement unit (no anchor files) took the beta rollout (3.0.0) and reports; control device outside the group did not"

# --- 3: retire: final upload, wipe, commands refused -------------------------------
"$DEV" --dir a run -q >/dev/null 2>&1 || die "run a to v3"
[ "$(json a "['running']['version']")" = 3.0.0 ] || die "a not on v3 before retiring"
run_slot=$(json a "['running']['slot']")
other_slot=$([ "$run_slot" = A ] && echo b || echo a)
"$DEV" --dir a retire >retire.out 2>retire.err || { cat retire.out retire.err; die "retire"; }
[ "$(wc -l <retire.out)" = 1 ] || { cat retire.out; die "retire did not print one summary line"; }
grep -q "^retired life-a: .*uploaded.*wiped" retire.out || { cat retire.out; die "retire summary"; }
grep -q '"format":"iotlife-retired"' "$UPDIR/reports/life-a/retired.json" || die "no retirement report"
grep -q '"running":"3.0.0"' "$UPDIR/reports/life-a/retired.json" || die "retirement report: running version"
grep -q '"kind":"confirmed"' "$UPDIR/reports/life-a/retired.json" || die "retirement report: outcome"
"$DEV" diag decode "$UPDIR/diag/life-a/"*.chunk >retire-decoded.txt || die "decode final diagnostics"
grep -q "retired: final upload" retire-decoded.txt || die "final diagnostics lack the retirement record"
grep -q "end-of-support 2.0.0" retire-decoded.txt || die "end-of-support alert not uploaded"
for f in keyring.json device.conf boot.txt eol.txt; do [ ! -e "a/$f" ] || die "a/$f survived the wipe"; done
ls a/support-* >/dev/null 2>&1 && die "support records survived the wipe"
for f in state.img diag.img health.img; do
  [ "$(tr -d '\377' <"a/$f" | wc -c)" = 0 ] || die "a/$f not erased"
done
# the slot not running (the previous image, or a trial's) is erased; the running one stays
[ "$(tr -d '\377' <"a/slot-$other_slot.img" | wc -c)" = 0 ] || die "previous/trial slot not erased"
head -c 32 "a/slot-${run_slot,,}.img" >head.bin
grep -q "IOTLSIM version=3.0.0" head.bin || die "running image damaged by the wipe"
for cmd in status poll boot "export -o x.conf" retire log; do
  # shellcheck disable=SC2086
  if "$DEV" --dir a $cmd >refused.out 2>&1; then die "retired device accepted '$cmd'"; fi
  grep -q "was retired on .*accepts no commands" refused.out || { cat refused.out; die "unclear refusal of '$cmd'"; }
done
# a retirement whose upload fails wipes nothing
if "$DEV" --dir other/b retire --report "$IOTL_E2E_HTTP/err/500" >r2.out 2>&1; then die "retire with a failing upload"; fi
grep -q "nothing wiped" r2.out || { cat r2.out; die "failed retire message"; }
[ "$(json other/b "['running']['version']")" = 3.0.0 ] || die "failed retire changed the device"
# a retirement cut short mid-wipe (slow flash, SIGKILL once RETIRED is written) is finished by `retire`
IOTL_SIM_FLASH_KBPS=20 "$DEV" --dir other/b retire >r3.out 2>&1 &
RBG=$!
for _ in $(seq 1 1000); do [ -e other/b/RETIRED ] && break; sleep 0.01; done
sleep 0.1
kill -9 "$RBG" 2>/dev/null || true
wait "$RBG" 2>/dev/null || true
grep -q "wiped=0" other/b/RETIRED || { cat r3.out other/b/RETIRED 2>/dev/null; die "kill did not land inside the wipe"; }
if "$DEV" --dir other/b status >r4.out 2>&1; then die "half-wiped device accepted status"; fi
grep -q "wipe unfinished" r4.out || { cat r4.out; die "no 'wipe unfinished' refusal"; }
"$DEV" --dir other/b retire >r5.out 2>&1 || { cat r5.out; die "retire after the cut"; }
grep -q "wipe finished" r5.out || { cat r5.out; die "retire did not finish the wipe"; }
grep -q "wiped=1" other/b/RETIRED || die "RETIRED not marked wiped"
for f in state.img diag.img health.img; do
  [ "$(tr -d '\377' <"other/b/$f" | wc -c)" = 0 ] || die "other/b/$f not erased after the resumed wipe"
done
[ ! -e other/b/keyring.json ] || die "key ring survived the resumed wipe"
ok "retire: final diagnostics + retired.json uploaded, state/trial slot/diag/health/key ring wiped, 6 commands refused; failed upload wipes nothing; a wipe cut by SIGKILL is finished by the next retire"

echo "lifetime scenarios: $passed passed"
