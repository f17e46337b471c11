/* SPDX-License-Identifier: Apache-2.0 */
/* JWS compact ES256 verification, fail-closed. The header is parsed before
 * the signature is checked (it names the key); the payload is decoded only
 * after the signature verified. */
#include "iotlife/jws.h"

#include <stdbool.h>
#include <string.h>

#include "iotl_doc.h"
#include "iotl_encoding.h"
#include "iotl_json.h"
#include "iotl_priv.h"
#include "iotlife/base64url.h"

IOTL_STATIC_ASSERT(IOTL_B64URL_ENC_LEN(IOTL_SHA256_LEN) == IOTL_JWS_KID_LEN, kid_len);

/* Checks the protected header (parsed) against the profile in jws.h. */
IOTL_NOINLINE static int check_header(struct iotl_jws *jws, const iotl_json_node_t *root)
{
    if (iotl_doc_expect_str(root, IOTL_DOC_N(alg), "ES256") != IOTL_OK) {
        return IOTL_ERR_ALG;
    }
    if (iotl_json_member(root, IOTL_DOC_N(crit)) != NULL) {
        return IOTL_ERR_CRIT;
    }
    const iotl_json_node_t *b64 = iotl_json_member(root, IOTL_DOC_N(b64));
    if (b64 != NULL && iotl_json_type(b64) != IOTL_JSON_TRUE) {
        return IOTL_ERR_CRIT; /* false (RFC 7797 unencoded payload needs crit), or no boolean */
    }
    const char *s = iotl_json_str(iotl_json_member(root, IOTL_DOC_N(kid)));
    if (s == NULL || strlen(s) != IOTL_JWS_KID_LEN) {
        return IOTL_ERR_KID_MISMATCH;
    }
    (void)strcpy(jws->kid, s); /* 43 characters and the NUL */
    return IOTL_OK;
}

int iotl_jws_parse_parts(struct iotl_jws *jws, const char *header_b64, size_t header_len,
                         const char *payload_b64, size_t payload_len, const char *sig_b64,
                         size_t sig_len)
{
    IOTL_ASSERT(jws != NULL);
    /* Every member is written on success (kid and sig in full), the whole
     * struct zeroed on failure. */
    uint8_t hdr[IOTL_JWS_HEADER_MAX];
    size_t n = 0;
    int ret = header_b64 == NULL || header_len == 0                     ? IOTL_ERR_JWS_FORMAT
              : header_len > IOTL_B64URL_ENC_LEN(IOTL_JWS_HEADER_MAX) ? IOTL_ERR_TOO_LARGE
                                                                      : IOTL_OK;
    if (ret == IOTL_OK) {
        ret = iotl_b64url_decode(header_b64, header_len, hdr, sizeof(hdr), &n); /* always fits */
    }
    /* The header first: it says what the token claims to be (alg none,
     * HS256 are refused as such, whatever the signature part holds). */
    iotl_json_doc_t doc;
    if (ret == IOTL_OK) {
        ret = iotl_json_parse(&doc, (const char *)hdr, n);
    }
    if (ret == IOTL_OK) {
        ret = check_header(jws, (const iotl_json_node_t *)doc.root);
        iotl_json_free(&doc);
    }
    /* The payload only validated here (no room given), decoded only after
     * the signature verified. */
    if (ret == IOTL_OK) {
        ret = iotl_b64url_decode(payload_b64, payload_len, NULL, 0, &n);
        ret = ret == IOTL_ERR_NO_MEM ? IOTL_OK : ret;
    }
    /* Only the 64-byte r||s (a DER signature, or garbage, is longer or
     * shorter), decoded straight into place. */
    if (ret == IOTL_OK) {
        ret = iotl_b64url_decode(sig_b64, sig_len, jws->sig, sizeof(jws->sig), &n);
        if (ret != IOTL_ERR_BASE64 && n != IOTL_P256_SIG_LEN) {
            ret = IOTL_ERR_SIGNATURE;
        }
    }
    if (ret != IOTL_OK) {
        memset(jws, 0, sizeof(*jws));
        return ret;
    }
    jws->header_b64 = header_b64;
    jws->header_b64_len = header_len;
    jws->payload_b64 = payload_b64;
    jws->payload_b64_len = payload_len;
    return IOTL_OK;
}

int iotl_jws_parse(struct iotl_jws *jws, const char *compact, size_t len)
{
    IOTL_ASSERT(jws != NULL);
    memset(jws, 0, sizeof(*jws));
    size_t dot[2];
    unsigned dots = 0;
    for (size_t i = 0; compact != NULL && i < len; i++) {
        if (compact[i] == '.') {
            if (dots == 2) {
                return IOTL_ERR_JWS_FORMAT;
            }
            dot[dots++] = i;
        }
    }
    if (dots != 2) {
        return IOTL_ERR_JWS_FORMAT; /* also a NULL token */
    }
    return iotl_jws_parse_parts(jws, compact, dot[0], compact + dot[0] + 1, dot[1] - dot[0] - 1, compact + dot[1] + 1,
                                len - dot[1] - 1);
}

int iotl_sha256_parts(const struct iotl_crypto *c, const struct iotl_bytes *parts, size_t n,
                      uint8_t digest[IOTL_SHA256_LEN])
{
    iotl_sha256_state_t st;
    int ret = c->ops->sha256_start(c->ctx, &st);
    for (const struct iotl_bytes *p = parts; p != parts + n && ret == IOTL_OK; p++) {
        ret = c->ops->sha256_update(c->ctx, &st, p->p, p->len);
    }
    /* Finished on failure too (releases backend resources); digest is then
     * unspecified (every caller drops it). */
    int fret = c->ops->sha256_finish(c->ctx, &st, digest);
    iotl_zeroize(&st, sizeof(st));
    return ret != IOTL_OK ? ret : fret;
}

int iotl_jws_verify(const struct iotl_jws *jws, const struct iotl_crypto *crypto,
                    const uint8_t pubkey[IOTL_P256_PUBKEY_LEN], uint8_t *payload, size_t cap,
                    size_t *payload_len)
{
    IOTL_ASSERT(jws != NULL && crypto != NULL && crypto->ops != NULL && pubkey != NULL);
    IOTL_ASSERT(payload_len != NULL && (payload != NULL || cap == 0));
    int ret = IOTL_ERR_INTEGRITY; /* fail closed: only the success path below sets 0 */
    volatile int vret = IOTL_ERR_INTEGRITY;
    char kid[IOTL_JWS_KID_LEN + 1];
    uint8_t digest[IOTL_SHA256_LEN];
    *payload_len = 0;

    if (jws->header_b64 == NULL) {
        ret = IOTL_ERR_JWS_FORMAT;
        goto exit;
    }
    ret = iotl_jwk_kid(crypto, pubkey, kid);
    if (ret != IOTL_OK) {
        goto exit;
    }
    if (iotl_memcmp_ct(kid, jws->kid, IOTL_JWS_KID_LEN) != 0) {
        ret = IOTL_ERR_KID_MISMATCH;
        goto exit;
    }
    /* Above IOTL_B64URL_ENC_LEN(cap) = ceil(4 cap / 3) characters, without a division. */
    if ((uint64_t)jws->payload_b64_len * 3u >= (uint64_t)cap * 4u + 3u) {
        ret = IOTL_ERR_TOO_LARGE; /* bounded before any further work */
        goto exit;
    }
    const struct iotl_bytes input[3] = {
        {jws->header_b64, jws->header_b64_len}, {".", 1}, {jws->payload_b64, jws->payload_b64_len}};
    ret = iotl_sha256_parts(crypto, input, 3, digest);
    if (ret != IOTL_OK) {
        goto exit;
    }
    ret = IOTL_ERR_INTEGRITY;
    vret = crypto->ops->p256_verify(crypto->ctx, pubkey, digest, jws->sig);
    if (vret != IOTL_OK) {
        ret = (vret == IOTL_ERR_KEY_FORMAT) ? IOTL_ERR_KEY_FORMAT : IOTL_ERR_SIGNATURE;
        goto exit;
    }
    /* Second, independent check of the verify result (glitch hardening). */
    if (vret != IOTL_OK || iotl_memcmp_ct(kid, jws->kid, IOTL_JWS_KID_LEN) != 0) {
        ret = IOTL_ERR_INTEGRITY;
        goto exit;
    }
    size_t n; /* set by the decode */
    /* Fits: the length was bounded by IOTL_B64URL_ENC_LEN(cap) above. */
    int dret = iotl_b64url_decode(jws->payload_b64, jws->payload_b64_len, payload, cap, &n);
    if (dret != IOTL_OK) {
        ret = dret;
        goto exit;
    }
    if (vret == IOTL_OK) {
        *payload_len = n;
        ret = IOTL_OK;
    }
exit:
    iotl_zeroize(digest, sizeof(digest));
    return ret;
}

int iotl_jwk_thumbprint(const struct iotl_crypto *crypto, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                        uint8_t thumbprint[IOTL_SHA256_LEN])
{
    IOTL_ASSERT(crypto != NULL && pubkey != NULL && thumbprint != NULL);
    if (pubkey[0] != 0x04) {
        return IOTL_ERR_KEY_FORMAT;
    }
    /* RFC 7638: required members only, sorted, no whitespace; hashed in
     * parts: the text around x and y, and their base64url. */
    static const char t[31 + 7 + 2 + 1] = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"\",\"y\":\"\"}";
    char xy[2][IOTL_JWS_KID_LEN + 1];
    for (size_t k = 0; k < 2; k++) {
        (void)iotl_b64url_encode(pubkey + 1 + 32 * k, 32, xy[k], sizeof(xy[k]), NULL);
    }
    const struct iotl_bytes parts[5] = {
        {t, 31}, {xy[0], IOTL_JWS_KID_LEN}, {t + 31, 7}, {xy[1], IOTL_JWS_KID_LEN}, {t + 38, 2}};
    return iotl_sha256_parts(crypto, parts, 5, thumbprint);
}

int iotl_jwk_kid(const struct iotl_crypto *crypto, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                 char kid[IOTL_JWS_KID_LEN + 1])
{
    uint8_t tp[IOTL_SHA256_LEN];
    int ret = iotl_jwk_thumbprint(crypto, pubkey, tp);
    return ret != IOTL_OK ? ret : iotl_b64url_encode(tp, sizeof(tp), kid, IOTL_JWS_KID_LEN + 1, NULL);
}
