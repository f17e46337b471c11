#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CLI test of the trust commands: a full key ceremony, then one bad input per
# row; each must exit non-zero with exactly one stderr line naming its reason.
#   test_cli_trust.sh /path/to/iotlife
set -uo pipefail
IOTLIFE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
cd "$W"
pass=0
fail=0

ok() { # ok NAME CMD...
  local name="$1"; shift
  if "$@" >out.txt 2>err.txt; then pass=$((pass + 1)); else
    echo "FAIL $name: exit $? ($(cat err.txt))"; fail=$((fail + 1)); fi
}
bad() { # bad NAME IOTL_ERR_X CMD...
  local name="$1" code="$2"; shift 2
  "$@" >out.txt 2>err.txt
  local rc=$? lines
  lines=$(wc -l <err.txt)
  if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && grep -q "($code)" err.txt; then
    pass=$((pass + 1))
  else
    echo "FAIL $name: rc=$rc lines=$lines stderr=$(cat err.txt) (want $code)"; fail=$((fail + 1))
  fi
}
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# --- ceremony: roots, role keys, key ring, release, deployment ---------------
for k in root root2 pub op op2 stranger; do ok "keygen $k" "$IOTLIFE" keygen $k.key $k.pub; done
head -c 20000 /dev/urandom >app.bin
ok keyring "$IOTLIFE" keyring create --version 1 --issued-at 2025-11-01T00:00:00Z --expires 2030-01-01T00:00:00Z \
  --key root:root.pub --key publisher:pub.pub --key operator:op.pub --revoke op2.pub --sign root.key -o ring.json
ok manifest "$IOTLIFE" manifest create --key pub.key --product acme --hardware rev-a --hardware rev-b \
  --version 1.2.0 --security-version 2 --sequence 10 --issued-at 2025-11-24T10:00:00Z \
  --expires 2029-01-01T00:00:00Z --release-notes https://example.com/1.2.0 \
  --payload name=app,component=app,file=app.bin -o m.jws
ok deploy "$IOTLIFE" deploy create --key op.key --manifest m.jws --id wave-1 --sequence 3 \
  --issued-at 2025-11-24T11:00:00Z --expires 2029-01-01T00:00:00Z --hardware rev-a --group beta \
  --installed-max 1.1.9 --rollout 100 --hours 0-24 -o d.jws
ok "verify manifest" "$IOTLIFE" verify --key pub.pub m.jws
grep -q '"iotlife-manifest"' out.txt || { echo "FAIL verify printed no payload"; fail=$((fail + 1)); }
ok "inspect deployment" "$IOTLIFE" inspect d.jws --root root.pub --keyring ring.json --time 2025-12-01T12:00:00Z
grep -q "signer role operator" out.txt || { echo "FAIL inspect role"; fail=$((fail + 1)); }
ok "inspect ring" "$IOTLIFE" inspect ring.json --root root.pub --time 2025-12-01T12:00:00Z
CHECK=("$IOTLIFE" check --root root.pub --keyring ring.json --deployment d.jws --manifest m.jws
  --device-id dev-1 --product acme --hardware rev-a --group beta --installed 1.1.0
  --wall-time 2025-12-01T12:00:00Z)
ok "check accept" "${CHECK[@]}"
grep -q "^accept: acme 1.2.0" out.txt || { echo "FAIL check output"; fail=$((fail + 1)); }
ok "help documents commands" "$IOTLIFE" --help
for c in keygen kid sign verify keyring manifest deploy inspect check; do
  grep -q "^iotlife $c" out.txt || { echo "FAIL --help lacks $c"; fail=$((fail + 1)); }
done

# --- bad inputs: one reason each ------------------------------------------------
bad "wrong key" IOTL_ERR_KID_MISMATCH "$IOTLIFE" verify --key op.pub m.jws
sig_tampered=$(sed 's/.$//' m.jws); last=$(tail -c 1 m.jws)
if [ "$last" = "A" ]; then printf '%sQ' "$sig_tampered" >t.jws; else printf '%sA' "$sig_tampered" >t.jws; fi
bad "tampered signature" IOTL_ERR_SIGNATURE "$IOTLIFE" verify --key pub.pub t.jws
kid=$("$IOTLIFE" kid pub.pub)
payload=$(cut -d. -f2 m.jws)
printf '%s.%s.' "$(printf '{"alg":"none","kid":"%s"}' "$kid" | b64url)" "$payload" >none.jws
bad "alg none" IOTL_ERR_ALG "$IOTLIFE" verify --key pub.pub none.jws
printf '%s.%s.%s' "$(printf '{"alg":"none","kid":"%s"}' "$kid" | b64url)" "$payload" "$(cut -d. -f3 m.jws)" >none2.jws
bad "alg none with signature" IOTL_ERR_ALG "$IOTLIFE" verify --key pub.pub none2.jws
printf '%s.%s.%s' "$(printf '{"alg":"HS256","kid":"%s"}' "$kid" | b64url)" "$payload" "$(cut -d. -f3 m.jws)" >hs.jws
bad "alg HS256" IOTL_ERR_ALG "$IOTLIFE" verify --key pub.pub hs.jws
head -c 100 m.jws >trunc.jws
bad "truncated" IOTL_ERR_JWS_FORMAT "$IOTLIFE" verify --key pub.pub trunc.jws
printf '%s.%s.%s' "$(cut -d. -f1 m.jws)" "${payload}=" "$(cut -d. -f3 m.jws)" >pad.jws
bad "padded base64" IOTL_ERR_BASE64 "$IOTLIFE" verify --key pub.pub pad.jws
bad "keyring by stranger" IOTL_ERR_UNKNOWN_KEY "$IOTLIFE" inspect ring.json --root stranger.pub
ok "deploy signed by publisher" "$IOTLIFE" deploy create --key pub.key --manifest m.jws --id wave-1 --sequence 3 \
  --issued-at 2025-11-24T11:00:00Z --expires 2029-01-01T00:00:00Z -o dp.jws
bad "deployment signed by publisher" IOTL_ERR_WRONG_ROLE "${CHECK[@]/d.jws/dp.jws}"
bad "not in cohort" IOTL_ERR_NOT_IN_COHORT bash -c "'$IOTLIFE' deploy create --key op.key --manifest m.jws --id w0 \
  --sequence 4 --issued-at 2025-11-24T11:00:00Z --expires 2029-01-01T00:00:00Z --rollout 0 -o d0.jws &&
  '$IOTLIFE' check --root root.pub --keyring ring.json --deployment d0.jws --manifest m.jws --device-id dev-1 \
  --product acme --hardware rev-a --installed 1.1.0 --wall-time 2025-12-01T12:00:00Z"
bad "hardware not selected" IOTL_ERR_NOT_TARGETED "${CHECK[@]/rev-a/rev-z}"
bad "hardware not in manifest" IOTL_ERR_HW_MISMATCH bash -c "'$IOTLIFE' deploy create --key op.key --manifest m.jws \
  --id wh --sequence 6 --issued-at 2025-11-24T11:00:00Z --expires 2029-01-01T00:00:00Z -o dh.jws &&
  '$IOTLIFE' check --root root.pub --keyring ring.json --deployment dh.jws --manifest m.jws --device-id dev-1 \
  --product acme --hardware rev-z --installed 1.1.0 --wall-time 2025-12-01T12:00:00Z"
bad "replayed" IOTL_ERR_REPLAYED "${CHECK[@]}" --floors 0,0,3,0,0
bad "rollback" IOTL_ERR_ROLLBACK "${CHECK[@]}" --floors 3,0,0,0,0
bad "not targeted" IOTL_ERR_NOT_TARGETED "${CHECK[@]/1.1.0/1.2.0}"
bad "expired" IOTL_ERR_EXPIRED "${CHECK[@]/2025-12-01T12:00:00Z/2029-06-01T00:00:00Z}"
bad "revoked operator" IOTL_ERR_REVOKED bash -c "'$IOTLIFE' deploy create --key op2.key --manifest m.jws --id w2 \
  --sequence 5 --issued-at 2025-11-24T11:00:00Z --expires 2029-01-01T00:00:00Z -o d2.jws &&
  '$IOTLIFE' check --root root.pub --keyring ring.json --deployment d2.jws --manifest m.jws --device-id dev-1 \
  --product acme --hardware rev-a --installed 1.1.0 --wall-time 2025-12-01T12:00:00Z"
printf '%s\n' "$(cat m.jws)" >mnl.jws
bad "manifest bytes differ" IOTL_ERR_MISMATCH "${CHECK[@]/m.jws/mnl.jws}"
bad "bad manifest input" IOTL_ERR_VERSION_FORMAT "$IOTLIFE" manifest create --key pub.key --product acme \
  --hardware rev-a --version 1.2 --security-version 2 --sequence 10 --expires +1d \
  --payload name=app,component=app,file=app.bin -o x.jws


# --- root rotation chain: v2 moves from root to root2 (both sign), v3 by root2 only
ok "ring v2 (rotation)" "$IOTLIFE" keyring create --version 2 --issued-at 2025-11-02T00:00:00Z \
  --expires 2030-01-01T00:00:00Z --key root:root2.pub --key publisher:pub.pub --key operator:op.pub \
  --sign root.key --sign root2.key -o ring2.json
ok "ring v3 (new root only)" "$IOTLIFE" keyring create --version 3 --issued-at 2025-11-03T00:00:00Z \
  --expires 2030-01-01T00:00:00Z --key root:root2.pub --key publisher:pub.pub --key operator:op.pub \
  --sign root2.key -o ring3.json
ok "chain v1 v2 v3" "$IOTLIFE" check --root root.pub --keyring ring.json --keyring ring2.json --keyring ring3.json \
  --deployment d.jws --manifest m.jws --device-id dev-1 --product acme --hardware rev-a --group beta \
  --installed 1.1.0 --wall-time 2025-12-01T12:00:00Z
grep -q "keyring_version=3" out.txt || { echo "FAIL chain did not end at v3"; fail=$((fail + 1)); }
bad "v3 without the chain" IOTL_ERR_UNKNOWN_KEY "$IOTLIFE" inspect d.jws --root root.pub --keyring ring3.json \
  --time 2025-12-01T12:00:00Z
bad "same ring again" IOTL_ERR_REPLAYED "$IOTLIFE" inspect d.jws --root root.pub --keyring ring2.json \
  --keyring ring2.json --time 2025-12-01T12:00:00Z
bad "older ring, retired root" IOTL_ERR_UNKNOWN_KEY "$IOTLIFE" inspect d.jws --root root.pub --keyring ring2.json \
  --keyring ring.json --time 2025-12-01T12:00:00Z
bad "rotation without new root" IOTL_ERR_THRESHOLD bash -c "'$IOTLIFE' keyring create --version 2 \
  --expires 2030-01-01T00:00:00Z --key root:root2.pub --key publisher:pub.pub --sign root.key -o r2bad.json &&
  '$IOTLIFE' inspect r2bad.json --root root.pub"

# More repeated options than the tool holds: refused with one line, not dropped.
many=()
for i in $(seq 1 300); do many+=(--group "g$i"); done
"$IOTLIFE" deploy create "${many[@]}" >out.txt 2>err.txt
rc=$?
if [ "$rc" -ne 0 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q -- "--group" err.txt; then pass=$((pass + 1)); else
  echo "FAIL too many --group: rc=$rc stderr=$(cat err.txt)"; fail=$((fail + 1)); fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
