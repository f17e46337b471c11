#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Peer numbers for bench/trust: python3-jwcrypto ES256 verify and json.loads."""
import json
import sys
import time

from jwcrypto import jwk, jws

iters = int(sys.argv[1]) if len(sys.argv) > 1 else 200
key = jwk.JWK.generate(kty="EC", crv="P-256")
payload = json.dumps({"type": "iotlife-manifest", "v": 1, "product": "acme-sensor",
                      "hardware": ["rev-a", "rev-b", "rev-c"], "version": "1.4.2",
                      "payloads": [{"name": "app", "size": 524288, "sha256": "00" * 32}] * 2}).encode()
tok = jws.JWS(payload)
tok.add_signature(key, alg="ES256", protected=json.dumps({"alg": "ES256", "kid": key.thumbprint()}))
compact = tok.serialize(compact=True)
pub = jwk.JWK.from_json(key.export_public())
t = time.perf_counter()
for _ in range(iters):
    v = jws.JWS()
    v.deserialize(compact)
    v.verify(pub, alg="ES256")
jws_us = (time.perf_counter() - t) / iters * 1e6
t = time.perf_counter()
for _ in range(iters * 20):
    json.loads(payload)
parse_us = (time.perf_counter() - t) / (iters * 20) * 1e6
print("| python3-jwcrypto JWS ES256 verify (peer) | %.0f us |" % jws_us)
print("| python3 json.loads of a %d B manifest (peer) | %.1f us |" % (len(payload), parse_us))
