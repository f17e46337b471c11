#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Helper of jwcrypto_interop.sh: sign and verify JWS with Debian's python3-jwcrypto.

  jwcrypto_interop.py sign PRIVATE.pem PAYLOAD_FILE OUT.jws   (kid = RFC 7638 thumbprint)
  jwcrypto_interop.py verify PUBLIC.pem IN.jws PAYLOAD_FILE    (exit 0 when valid and equal)
  jwcrypto_interop.py kid KEY.pem                              (prints the thumbprint)
"""
import json
import sys

from jwcrypto import jwk, jws


def load(path, private):
    with open(path, "rb") as f:
        data = f.read()
    return jwk.JWK.from_pem(data) if private else jwk.JWK.from_pem(data)


def main(argv):
    cmd = argv[1]
    if cmd == "sign":
        key = load(argv[2], True)
        with open(argv[3], "rb") as f:
            payload = f.read()
        token = jws.JWS(payload)
        token.add_signature(key, alg="ES256",
                            protected=json.dumps({"alg": "ES256", "kid": key.thumbprint()}))
        with open(argv[4], "w") as f:
            f.write(token.serialize(compact=True))
        return 0
    if cmd == "verify":
        key = load(argv[2], False)
        with open(argv[3]) as f:
            text = f.read()
        with open(argv[4], "rb") as f:
            want = f.read()
        token = jws.JWS()
        token.deserialize(text)
        token.verify(key, alg="ES256")
        hdr = token.jose_header
        if hdr.get("alg") != "ES256" or hdr.get("kid") != key.thumbprint():
            print("header mismatch: %r (thumbprint %s)" % (hdr, key.thumbprint()), file=sys.stderr)
            return 1
        if token.payload != want:
            print("payload mismatch", file=sys.stderr)
            return 1
        return 0
    if cmd == "kid":
        print(load(argv[2], False).thumbprint())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
