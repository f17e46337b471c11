#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interop both ways with Debian's python3-jwcrypto and openssl:
#  1. keys made by openssl (ecparam -genkey, pkcs8), JWS made by jwcrypto ->
#     `iotlife verify` accepts it and prints the exact payload;
#  2. JWS made by `iotlife sign` (with the openssl PKCS#8 key and with an
#     `iotlife keygen` key) -> jwcrypto verifies it and checks kid == thumbprint;
#  3. `iotlife kid` == jwcrypto's JWK.thumbprint() for the same keys;
#  4. a manifest signed by jwcrypto passes the device decision (`iotlife check`).
#   jwcrypto_interop.sh /path/to/iotlife
set -uo pipefail
IOTLIFE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
PY=/usr/bin/python3
HERE="$(cd "$(dirname "$0")" && pwd)"
JWC="$HERE/jwcrypto_interop.py"
if ! $PY -c "import jwcrypto" 2>/dev/null; then
  echo "interop: python3-jwcrypto missing (scripts/deps.sh installs it)" >&2
  exit 1
fi
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
cd "$W"
pass=0
fail=0
check() { # check NAME CMD...
  local name="$1"; shift
  if "$@" >out.txt 2>err.txt; then pass=$((pass + 1)); echo "ok   $name"; else
    fail=$((fail + 1)); echo "FAIL $name: $(cat err.txt out.txt | head -3)"; fi
}

# Keys from openssl: SEC1 private, PKCS#8 private, SubjectPublicKeyInfo public.
openssl ecparam -name prime256v1 -genkey -noout -out ossl_sec1.pem 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in ossl_sec1.pem -out ossl_pk8.pem
openssl ec -in ossl_sec1.pem -pubout -out ossl_pub.pem 2>/dev/null
printf '{"type":"iotlife-manifest","v":1,"note":"made by jwcrypto \\u00e9"}' >payload.json

# 1. jwcrypto signs, iotlife verifies.
check "jwcrypto sign" $PY "$JWC" sign ossl_pk8.pem payload.json py.jws
check "iotlife verify (jwcrypto JWS, openssl key)" "$IOTLIFE" verify --key ossl_pub.pem py.jws
"$IOTLIFE" verify --key ossl_pub.pem py.jws >verified.txt 2>/dev/null
check "payload printed byte for byte" cmp verified.txt payload.json

# 2. iotlife signs (openssl PKCS#8 key and SEC1 key, then its own key), jwcrypto verifies.
check "iotlife sign (PKCS#8 key)" "$IOTLIFE" sign --key ossl_pk8.pem payload.json -o c1.jws
check "jwcrypto verify (iotlife JWS)" $PY "$JWC" verify ossl_pub.pem c1.jws payload.json
check "iotlife sign (SEC1 key)" "$IOTLIFE" sign --key ossl_sec1.pem payload.json -o c2.jws
check "jwcrypto verify (SEC1-signed)" $PY "$JWC" verify ossl_pub.pem c2.jws payload.json
check "iotlife keygen" "$IOTLIFE" keygen own.key own.pub
check "openssl reads iotlife private key" openssl pkey -in own.key -noout
check "openssl reads iotlife public key" openssl pkey -pubin -in own.pub -noout
check "iotlife sign (own key)" "$IOTLIFE" sign --key own.key payload.json -o c3.jws
check "jwcrypto verify (own key)" $PY "$JWC" verify own.pub c3.jws payload.json

# 3. Key ids agree.
for k in ossl_pub.pem own.pub; do
  a=$("$IOTLIFE" kid "$k"); b=$($PY "$JWC" kid "$k")
  check "kid of $k matches jwcrypto thumbprint" test "$a" = "$b"
done

# 4. A jwcrypto-made manifest passes the device decision.
"$IOTLIFE" keygen root.key root.pub >/dev/null && "$IOTLIFE" keygen op.key op.pub >/dev/null
"$IOTLIFE" keyring create --version 1 --issued-at 2025-11-01T00:00:00Z --expires 2030-01-01T00:00:00Z \
  --key root:root.pub --key publisher:ossl_pub.pem --key operator:op.pub --sign root.key -o ring.json
head -c 1000 /dev/urandom >app.bin
sha=$(sha256sum app.bin | cut -d' ' -f1)
cat >manifest.json <<JSON
{"type":"iotlife-manifest","v":1,"product":"acme","hardware":["rev-a"],"version":"2.0.0",
 "security_version":1,"sequence":1,"issued_at":1764000000,"expires":1890000000,
 "payloads":[{"name":"app","component":"app","size":1000,"sha256":"$sha","location":"app.bin"}]}
JSON
check "jwcrypto signs manifest" $PY "$JWC" sign ossl_pk8.pem manifest.json m.jws
check "operator deploys it" "$IOTLIFE" deploy create --key op.key --manifest m.jws --id w --sequence 1 \
  --issued-at 2025-11-24T00:00:00Z --expires 2029-01-01T00:00:00Z -o d.jws
check "device accepts jwcrypto manifest" "$IOTLIFE" check --root root.pub --keyring ring.json \
  --deployment d.jws --manifest m.jws --device-id dev-1 --product acme --hardware rev-a --installed 1.0.0 \
  --wall-time 2025-12-01T00:00:00Z

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
