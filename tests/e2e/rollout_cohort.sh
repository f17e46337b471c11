#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Rollout cohort end-to-end (run through tests/e2e/run.sh, which starts nginx):
#   rollout_cohort.sh BUILD_DIR [DEVICES]
# One release, one deployment id raised 10 % -> 50 % -> 100 % (sequences
# 10, 11, 12), served by nginx; DEVICES (default 120) iotlife-device
# instances, each with its own directory and id, run the real agent, updater
# and staging over curl after each stage. The set of devices running the new
# release must equal, at every stage, the cohort computed independently:
#   bucket = big_endian_u32(SHA-256(id || 0x00 || device_id)[0..3]) mod 10000
#   in cohort <=> bucket < percent * 100           (docs/deployment.md)
# by Python's hashlib, and `iotlife check` must give the same answer per
# device. 50 % must contain 10 %, and each cohort size must be within three
# standard deviations of the percentage.
set -euo pipefail
BUILD="$(cd "$1" && pwd)"
N="${2:-120}"
CLI="$BUILD/tools/iotlife"
DEV="$BUILD/examples/posix-device/iotlife-device"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
: "${IOTL_E2E_ROOT:?run through tests/e2e/run.sh}"
W="$(mktemp -d "${TMPDIR:-/tmp}/iotl_cohort.XXXXXX")"
trap 'rm -rf "$W"' EXIT
cd "$W"
REPO="$IOTL_E2E_ROOT/repo"
URL="$IOTL_E2E_HTTP/repo/deployments/stable.jws"
DEP_ID="rollout-fleet-2026"
LOG="$IOTL_E2E_ROOT/../logs/access.log"
die() { echo "rollout_cohort FAILED: $*" >&2; exit 1; }
mkimg() { { printf 'IOTLSIM version=%s health=ok\n' "$1"; head -c "$2" /dev/urandom; } >"$3"; }

for k in root publisher operator; do "$CLI" keygen $k.key $k.pub >/dev/null; done
"$CLI" keyring create --version 1 --expires +30d --key root:root.pub --key publisher:publisher.pub \
  --key operator:operator.pub --sign root.key -o ring.json >/dev/null
"$CLI" publish keyring --repo "$REPO" ring.json >/dev/null
mkimg 1.0.0 20000 v1.img
mkimg 2.0.0 24000 v2.img
"$CLI" manifest create --key publisher.key --product thermo --hardware rev-a --version 2.0.0 \
  --security-version 1 --sequence 2 --expires +30d \
  --payload "name=main,component=main,file=v2.img,location=main.bin" -o m2.jws >/dev/null
"$CLI" publish release --repo "$REPO" m2.jws v2.img >/dev/null

mkdir -p dev
ids=()
for i in $(seq 0 $((N - 1))); do
  id=$(printf 'sim-%05d' "$i")
  ids+=("$id")
  "$DEV" --dir "dev/$id" init --product thermo --hardware rev-a --image v1.img --anchor root.pub --id "$id" \
    >/dev/null || die "init $id"
done

# Cohort by an independent implementation of the documented bucket function.
expected() { # PERCENT -> ids in the cohort, sorted
  printf '%s\n' "${ids[@]}" | "$PY" -c '
import hashlib, sys
dep, pct = sys.argv[1].encode(), float(sys.argv[2])
for line in sys.stdin:
    dev = line.strip().encode()
    b = int.from_bytes(hashlib.sha256(dep + b"\0" + dev).digest()[:4], "big") % 10000
    if b < round(pct * 100):
        print(dev.decode())' "$DEP_ID" "$1" | sort
}

prev=""
seq=10
for pct in 10 50 100; do
  "$CLI" deploy create --key operator.key --manifest m2.jws --id "$DEP_ID" --sequence "$seq" \
    --rollout "$pct" --expires +7d -o "d$pct.jws" >/dev/null
  "$CLI" publish deployment --repo "$REPO" --channel stable "d$pct.jws" >/dev/null
  # The host decision (same library, other code path) for every device still on 1.0.0.
  : >cli_accept.txt
  for id in "${ids[@]}"; do
    if "$CLI" check --root root.pub --keyring ring.json --deployment "d$pct.jws" --manifest m2.jws \
      --device-id "$id" --product thermo --hardware rev-a --installed 1.0.0 >check.out 2>&1; then
      echo "$id" >>cli_accept.txt
    else
      grep -q IOTL_ERR_NOT_IN_COHORT check.out || { cat check.out; die "iotlife check $id: unexpected reason"; }
    fi
  done
  sort -o cli_accept.txt cli_accept.txt
  t0=$(date +%s%N)
  for id in "${ids[@]}"; do
    "$DEV" --dir "dev/$id" run --url "$URL" -q >"dev/$id.run" 2>&1 || { cat "dev/$id.run"; die "run $id at $pct %"; }
  done
  t1=$(date +%s%N)
  : >updated.txt
  for id in "${ids[@]}"; do
    st=$("$DEV" --dir "dev/$id" status --json)
    run=${st#*\"running\":\{*\"version\":\"}; run=${run%%\"*}
    out=${st#*\"outcome\":\{\"kind\":\"}; out=${out%%\"*}
    v="$run $out"
    case "$v" in
      "2.0.0 confirmed") echo "$id" >>updated.txt ;;
      "1.0.0 none") ;;
      *) die "$id at $pct %: unexpected state '$v'" ;;
    esac
  done
  sort -o updated.txt updated.txt
  expected "$pct" >expected.txt
  cmp -s updated.txt expected.txt || { diff updated.txt expected.txt | head -n 20 >&2 || true; die "updated set != cohort at $pct %"; }
  cmp -s cli_accept.txt expected.txt || { diff cli_accept.txt expected.txt | head -n 20 >&2 || true; die "iotlife check set != cohort at $pct %"; }
  if [ -n "$prev" ]; then
    missing=$(comm -23 "$prev" updated.txt | wc -l)
    [ "$missing" -eq 0 ] || die "$missing devices of the previous stage are not in the $pct % cohort"
  fi
  n=$(wc -l <updated.txt)
  # The server's view: payload downloads so far == devices updated so far
  # (nobody outside the cohort fetched the payload; nobody fetched it twice).
  got=$(grep -c '"GET /repo/releases/[0-9a-f]*/main.bin HTTP/1.1" 200 ' "$LOG" || true)
  [ "$got" -eq "$n" ] || die "nginx served the payload $got times for $n updated devices at $pct %"
  "$PY" -c '
import math, sys
n, total, pct = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 100
mean = total * pct; sd = math.sqrt(total * pct * (1 - pct))
if abs(n - mean) > 3 * sd + 1:
    sys.exit("cohort of %d outside %.1f +- %.1f" % (n, mean, 3 * sd + 1))' "$n" "$N" "$pct" \
    || die "cohort size at $pct %"
  printf 'stage %3s %%: %3d of %d devices updated (expected cohort %d, iotlife check %d), runs took %d ms\n' \
    "$pct" "$n" "$N" "$(wc -l <expected.txt)" "$(wc -l <cli_accept.txt)" "$(( (t1 - t0) / 1000000 ))"
  cp updated.txt "stage$pct.txt"
  prev="stage$pct.txt"
  seq=$((seq + 1))
done
echo "rollout cohort: 3 stages passed on $N devices"
