#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generates payload.h for the bare-metal example (build time, host side).

Two firmware images (v1, the factory image in slot A; v2, the update), each
raw-deflated with a Z_FULL_FLUSH restart point every BLOCK bytes of output, so
an interrupted install resumes at its last finished block without decoding the
stream from the start, and the delta patch v1 -> v2 made by the host CLI
(`iotlife delta create`), which the device applies against slot A. v2's SHA-256 is signed ECDSA P-256 with a key made for
this build by openssl (the private key never leaves the build directory).
It also writes what a builder and an operator publish for v2: a root-signed
key ring naming a publisher and an operator key, the publisher's manifest and
the operator's deployment (compact JWS, ES256), all from keys made here.

    gen_payload.py OUT_HEADER WORK_DIR IOTLIFE_CLI
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import zlib

BLOCK = 4096
IMAGE_SIZE = 40 * 1024
MAGIC = b"IOTLIMG1"


def image(version):
    """A deterministic, partly compressible image: header, code-like words, tables."""
    body = bytearray()
    x = 0x12345678  # LCG state: v2 starts from the same code as v1
    while len(body) < IMAGE_SIZE - 16:
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        if (x >> 28) < 11:  # mostly repetitive "instructions"
            body += struct.pack("<I", 0x4770B500 | ((x >> 8) & 0xFF))
        else:  # some noise
            body += struct.pack("<I", x)
    body = body[: IMAGE_SIZE - 16]
    if version == 2:  # v2 changes v1 like a real update would:
        for off in range(1000, len(body), 7919):  # call sites patched
            body[off : off + 8] = b"v2-patch"
        # a function grown by 1 KiB: everything after it moves
        grown = bytes((i * 37 + 11) & 0xFF for i in range(1024))
        body[12000:12000] = grown
        # a table rebuilt
        for off in range(30000, 32048, 4):
            body[off : off + 4] = struct.pack("<I", (off * 2654435761) & 0xFFFFFFFF)
        body = body[: IMAGE_SIZE - 16]
    hdr = MAGIC + struct.pack("<II", version, IMAGE_SIZE)
    return bytes(hdr + body)


def deflate_with_restarts(data):
    comp = zlib.compressobj(9, zlib.DEFLATED, -12, 8)
    out = bytearray()
    restarts = []
    for off in range(0, len(data), BLOCK):
        restarts.append(len(out))
        out += comp.compress(data[off : off + BLOCK])
        out += comp.flush(zlib.Z_FULL_FLUSH if off + BLOCK < len(data) else zlib.Z_FINISH)
    return bytes(out), restarts


def der_sig_to_raw(der):
    """ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r||s, 32 bytes each."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 3
    raw = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2 : i + 2 + n].lstrip(b"\x00")
        raw += v.rjust(32, b"\x00")
        i += 2 + n
    return raw


def sign(work, digest_input):
    key = os.path.join(work, "fw-signing-key.pem")
    if not os.path.exists(key):
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                        "-out", key], check=True)
    pub_der = subprocess.run(["openssl", "ec", "-in", key, "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
    pub = pub_der[-65:]
    assert pub[0] == 0x04
    sig_der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                             input=digest_input, check=True, capture_output=True).stdout
    return pub, der_sig_to_raw(sig_der)


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Key:
    """A P-256 key made by openssl for this build (private part stays in WORK_DIR)."""

    def __init__(self, work, name):
        self.path = os.path.join(work, f"{name}.pem")
        if not os.path.exists(self.path):
            subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                            "-out", self.path], check=True)
        der = subprocess.run(["openssl", "ec", "-in", self.path, "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.pub = der[-65:]
        assert self.pub[0] == 0x04
        # RFC 7638 thumbprint of the public JWK: the kid iotlife expects.
        self.jwk = (f'"kty":"EC","crv":"P-256","x":"{b64u(self.pub[1:33])}","y":"{b64u(self.pub[33:])}"')
        canon = (f'{{"crv":"P-256","kty":"EC","x":"{b64u(self.pub[1:33])}","y":"{b64u(self.pub[33:])}"}}')
        self.kid = b64u(hashlib.sha256(canon.encode()).digest())

    def sign(self, data):
        der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.path], input=data, check=True,
                             capture_output=True).stdout
        return der_sig_to_raw(der)

    def jws_compact(self, payload, typ=None):
        hdr = {"alg": "ES256", "kid": self.kid}
        if typ:
            hdr["typ"] = typ
        signing_input = b64u(json.dumps(hdr, separators=(",", ":")).encode()) + "." + b64u(payload.encode())
        return signing_input + "." + b64u(self.sign(signing_input.encode()))


def trust_documents(work, z2, d2, v1, v2, now):
    """Key ring (root-signed, JWS JSON serialization), manifest (publisher) and
    deployment (operator), as a builder and an operator would publish them."""
    root, publisher, operator = Key(work, "root"), Key(work, "publisher"), Key(work, "operator")
    ring = {"type": "iotlife-keyring", "v": 1, "version": 1, "threshold": 1, "issued_at": now - 3600,
            "expires": now + 365 * 86400, "keys": [], "revoked": []}
    body = json.dumps(ring, separators=(",", ":"))
    keys = ",".join(f'{{{k.jwk},"kid":"{k.kid}","role":"{role}","not_before":0,"not_after":0}}'
                    for k, role in ((root, "root"), (publisher, "publisher"), (operator, "operator")))
    body = body.replace('"keys":[]', f'"keys":[{keys}]')
    payload_b64 = b64u(body.encode())
    hdr_b64 = b64u(json.dumps({"alg": "ES256", "kid": root.kid}, separators=(",", ":")).encode())
    sig = b64u(root.sign(f"{hdr_b64}.{payload_b64}".encode()))
    keyring = json.dumps({"payload": payload_b64, "signatures": [{"protected": hdr_b64, "signature": sig}]},
                         separators=(",", ":"))
    manifest = {"type": "iotlife-manifest", "v": 1, "product": "iotlife-demo", "hardware": ["mps2-an386"],
                "version": "2.0.0", "security_version": 2, "sequence": 2, "issued_at": now - 3600,
                "expires": now + 90 * 86400, "supported_until": now + 730 * 86400,
                "release_notes": "https://example.com/notes/2.0.0",
                "payloads": [{"name": "fw-delta", "component": "main", "size": len(v2),
                              "sha256": hashlib.sha256(v2).hexdigest(), "kind": "delta",
                              "download_size": len(d2), "download_sha256": hashlib.sha256(d2).hexdigest(),
                              "base_version": "1.0.0", "base_sha256": hashlib.sha256(v1).hexdigest(),
                              "location": "fw-1.0.0-2.0.0.delta"},
                             {"name": "fw", "component": "main", "size": len(v2),
                              "sha256": hashlib.sha256(v2).hexdigest(), "kind": "deflate",
                              "download_size": len(z2), "download_sha256": hashlib.sha256(z2).hexdigest(),
                              "location": "fw-2.0.0.deflate"}]}
    manifest_jws = publisher.jws_compact(json.dumps(manifest, separators=(",", ":")), "iotlife-manifest+jws")
    deployment = {"type": "iotlife-deployment", "v": 1, "id": "demo-rollout", "sequence": 1,
                  "issued_at": now - 3600, "expires": now + 30 * 86400,
                  "manifest_sha256": hashlib.sha256(manifest_jws.encode()).hexdigest(),
                  "select": {"hardware": ["mps2-an386"], "installed_max": "1.9.9"},
                  "rollout_percent": 100, "not_before": now - 3600, "not_after": now + 30 * 86400,
                  "urgency": "normal"}
    deployment_jws = operator.jws_compact(json.dumps(deployment, separators=(",", ":")),
                                          "iotlife-deployment+jws")
    return root, keyring, manifest_jws, deployment_jws


def c_string(name, text):
    """A C string literal in 100-character pieces; each piece escaped on its own."""
    esc = lambda t: t.replace("\\", "\\\\").replace('"', '\\"')
    parts = [esc(text[i:i + 100]) for i in range(0, len(text), 100)]
    return f"static const char {name}[] =\n" + "\n".join(f'    "{p}"' for p in parts) + ";"


def c_array(name, data):
    lines = [f"static const uint8_t {name}[{len(data)}] = {{"]
    for i in range(0, len(data), 16):
        lines.append("    " + ", ".join(f"0x{b:02x}" for b in data[i : i + 16]) + ",")
    lines.append("};")
    return "\n".join(lines)


def c_u32s(name, values):
    return f"static const uint32_t {name}[{len(values)}] = {{" + ", ".join(map(str, values)) + "};"


def main():
    out, work, cli = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    v1, v2 = image(1), image(2)
    # The delta patch, by the host CLI as a release pipeline would make it:
    # a 4 KiB window (the device's IOTL_STAGE_INFLATE_WBITS) and a segment
    # (resume point) every 4 KiB of new image, one flash erase block.
    paths = {n: os.path.join(work, n) for n in ("fw-1.0.0.bin", "fw-2.0.0.bin", "fw-1.0.0-2.0.0.delta")}
    for name, img in (("fw-1.0.0.bin", v1), ("fw-2.0.0.bin", v2)):
        with open(paths[name], "wb") as f:
            f.write(img)
    subprocess.run([cli, "delta", "create", paths["fw-1.0.0.bin"], paths["fw-2.0.0.bin"], "-o",
                    paths["fw-1.0.0-2.0.0.delta"], "--window-bits", "12", "--interval", str(BLOCK)],
                   check=True, stdout=subprocess.DEVNULL)
    with open(paths["fw-1.0.0-2.0.0.delta"], "rb") as f:
        d2 = f.read()
    z1, r1 = deflate_with_restarts(v1)
    z2, r2 = deflate_with_restarts(v2)
    assert zlib.decompress(z2, -12) == v2
    # The signature covers the image: openssl hashes it, the device hashes
    # slot B after the install and verifies the same digest.
    pub, sig = sign(work, v2)
    # A fixed "now" keeps the documents valid whenever the test runs; the
    # firmware's clock starts there (it has no RTC).
    now = 1790000000
    root, keyring, manifest_jws, deployment_jws = trust_documents(work, z2, d2, v1, v2, now)
    text = [
        "/* SPDX-License-Identifier: Apache-2.0 */",
        "/* Generated by gen_payload.py at build time. Do not edit. */",
        "#ifndef IOTL_FW_PAYLOAD_H",
        "#define IOTL_FW_PAYLOAD_H",
        "#include <stdint.h>",
        f"#define PAYLOAD_BLOCK {BLOCK}u",
        f"#define PAYLOAD_IMAGE_SIZE {IMAGE_SIZE}u",
        f"#define PAYLOAD_BLOCKS {len(r2)}u",
        f"#define PAYLOAD_WINDOW_BITS 12",
        c_array("img_v1_z", z1),
        c_u32s("img_v1_restart", r1),
        c_array("img_v1_sha256", hashlib.sha256(v1).digest()),
        c_array("img_v2_z", z2),
        c_u32s("img_v2_restart", r2),
        c_array("img_v2_sha256", hashlib.sha256(v2).digest()),
        c_array("img_v2_sig", sig),
        c_array("img_v2_delta", d2),
        c_array("fw_pubkey", pub),
        f"#define TRUST_NOW {now}",
        c_array("trust_root_pub", root.pub),
        c_string("trust_keyring", keyring),
        c_string("trust_manifest", manifest_jws),
        c_string("trust_deployment", deployment_jws),
        "#endif",
        "",
    ]
    with open(out, "w") as f:
        f.write("\n".join(text))
    print(f"payload: v1 {len(v1)} -> {len(z1)} B deflated, v2 {len(v2)} -> {len(z2)} B deflated, "
          f"delta v1 -> v2 {len(d2)} B")


if __name__ == "__main__":
    main()
