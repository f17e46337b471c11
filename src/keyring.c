/* SPDX-License-Identifier: Apache-2.0 */
/* Key ring: anchors, root-signed role keys, threshold rotation, revocation.
 * Signatures of the current roots are checked before the payload is parsed;
 * the candidate ring is built in the caller's work area and copied over the
 * ring in force only on full success. */
#include "iotlife/keyring.h"

#include <stdbool.h>
#include <string.h>

#include "iotl_doc.h"
#include "iotl_json.h"
#include "iotl_priv.h"
#include "iotlife/base64url.h"


int iotl_keyring_init(iotl_keyring_t *kr, const struct iotl_crypto *crypto,
                      const uint8_t (*anchors)[IOTL_P256_PUBKEY_LEN], size_t count, uint32_t threshold)
{
    IOTL_ASSERT(kr != NULL && crypto != NULL && (anchors != NULL || count == 0));
    memset(kr, 0, sizeof(*kr));
    if (threshold == 0) {
        threshold = 1;
    }
    /* Set first: on any failure the ring counts no key but still needs
     * at least one signature, so it trusts nothing. */
    kr->threshold = threshold;
    if (count == 0 || count > IOTL_KEYRING_MAX_KEYS || threshold > count) {
        return IOTL_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < count; i++) {
        struct iotl_key *k = &kr->keys[i];
        memcpy(k->pub, anchors[i], IOTL_P256_PUBKEY_LEN);
        k->role = IOTL_ROLE_ROOT;
        int ret = iotl_jwk_kid(crypto, k->pub, k->kid); /* key_count stays 0 on failure */
        if (ret != IOTL_OK) {
            return ret;
        }
    }
    kr->key_count = (uint16_t)count;
    return IOTL_OK;
}

void iotl_floors_raise(struct iotl_floors *out, const struct iotl_floors *in, uint32_t version, int64_t t)
{
    *out = *in;
    if (version > out->keyring_version) {
        out->keyring_version = version;
    }
    if (t > out->latest_time) {
        out->latest_time = t;
    }
}

/* Index of the key kid in kr when it holds role and is not revoked, else
 * IOTL_ERR_REVOKED, IOTL_ERR_UNKNOWN_KEY or IOTL_ERR_WRONG_ROLE (< 0). The
 * parser asks for no role (0xff) to find whether kid is listed at all. */
static int key_for(const iotl_keyring_t *kr, const char *kid, unsigned role)
{
    if (iotl_doc_find(kr->revoked, sizeof(kr->revoked[0]), kr->revoked_count, kid) >= 0) {
        return IOTL_ERR_REVOKED;
    }
    int i = iotl_doc_find(kr->keys[0].kid, sizeof(kr->keys[0]), kr->key_count, kid);
    if (i < 0) {
        return IOTL_ERR_UNKNOWN_KEY;
    }
    return kr->keys[i].role == role ? i : IOTL_ERR_WRONG_ROLE;
}

int iotl_keyring_find(const iotl_keyring_t *kr, const char *kid, enum iotl_key_role role, int64_t now,
                      const struct iotl_key **key)
{
    IOTL_ASSERT(kr != NULL && kid != NULL && key != NULL);
    *key = NULL;
    int i = key_for(kr, kid, (unsigned)role);
    if (i < 0) {
        return i;
    }
    const struct iotl_key *k = &kr->keys[i];
    if (kr->expires != 0 && now >= kr->expires) {
        return IOTL_ERR_EXPIRED; /* the ring itself is stale (freeze attack) */
    }
    if (k->not_before != 0 && now < k->not_before) {
        return IOTL_ERR_NOT_YET_VALID;
    }
    if (k->not_after != 0 && now >= k->not_after) {
        return IOTL_ERR_EXPIRED;
    }
    *key = k;
    return IOTL_OK;
}

int iotl_keyring_verify_jws(const iotl_keyring_t *kr, const struct iotl_crypto *crypto,
                            enum iotl_key_role role, const char *compact, size_t len, int64_t now,
                            uint8_t *payload, size_t cap, size_t *payload_len,
                            const struct iotl_key **signer)
{
    IOTL_ASSERT(payload_len != NULL);
    struct iotl_jws jws;
    const struct iotl_key *k = NULL;
    *payload_len = 0;
    if (signer != NULL) {
        *signer = NULL;
    }
    int ret = iotl_jws_parse(&jws, compact, len);
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = iotl_keyring_find(kr, jws.kid, role, now, &k);
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = iotl_jws_verify(&jws, crypto, k->pub, payload, cap, payload_len);
    if (ret == IOTL_OK && signer != NULL) {
        *signer = k;
    }
    return ret;
}

/* ---- key ring document ------------------------------------------------- */

/* The public key as a JWK (any failure: IOTL_ERR_KEY_FORMAT); kty and crv
 * write their index (0) into pub[0], which then takes the 0x04 prefix. */
static const struct iotl_doc_field jwk_fields[] = {
    IOTL_DOC_ENUM_FIELD(kty, struct iotl_key, pub, IOTL_DOC_ENUM_KTYS, IOTL_DOC_REQ),
    IOTL_DOC_ENUM_FIELD(crv, struct iotl_key, pub, IOTL_DOC_ENUM_CRVS, IOTL_DOC_REQ),
    {(uint16_t)IOTL_DOC_O_x, (uint16_t)offsetof(struct iotl_key, pub) + 1u, IOTL_DOC_B64 | IOTL_DOC_REQ, 31u},
    {(uint16_t)IOTL_DOC_O_y, (uint16_t)offsetof(struct iotl_key, pub) + 33u, IOTL_DOC_B64 | IOTL_DOC_REQ, 31u},
};

static const struct iotl_doc_field key_fields[] = {
    IOTL_DOC_ENUM_FIELD(role, struct iotl_key, role, IOTL_DOC_ENUM_ROLES, IOTL_DOC_REQ | IOTL_DOC_POS),
    IOTL_DOC_FIELD(not_before, struct iotl_key, not_before, IOTL_DOC_TIME),
    IOTL_DOC_FIELD(not_after, struct iotl_key, not_after, IOTL_DOC_TIME | IOTL_DOC_END),
};

static int parse_key(const iotl_json_node_t *o, const struct iotl_crypto *crypto, struct iotl_key *k)
{
    if (iotl_json_type(o) != IOTL_JSON_OBJECT) {
        return IOTL_ERR_SCHEMA;
    }
    int ret = IOTL_ERR_KEY_FORMAT;
    if (iotl_doc_fields(o, jwk_fields, IOTL_ARRAY_LEN(jwk_fields), k) != IOTL_OK) {
        return ret;
    }
    k->pub[0] = 0x04;
    /* The document must state the thumbprint as kid (missing: mismatch too). */
    ret = iotl_jwk_kid(crypto, k->pub, k->kid);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (iotl_doc_expect_str(o, IOTL_DOC_N(kid), k->kid) != IOTL_OK) {
        return IOTL_ERR_KID_MISMATCH;
    }
    /* Roles from IOTL_ROLE_ROOT on: "none" is no role (IOTL_ERR_SCHEMA as
     * any unknown name). */
    return iotl_doc_fields(o, key_fields, IOTL_ARRAY_LEN(key_fields), k);
}

/* An IOTL_DOC_END time is checked against the int64_t right before it. */
IOTL_STATIC_ASSERT(IOTL_ROLE_NONE == 0 && IOTL_ROLE_ROOT == 1 && IOTL_ROLE_PUBLISHER == 2 && IOTL_ROLE_OPERATOR == 3, role_names_from_1);
IOTL_STATIC_ASSERT(offsetof(iotl_keyring_t, expires) == offsetof(iotl_keyring_t, issued_at) + 8u &&
                       offsetof(struct iotl_key, not_after) == offsetof(struct iotl_key, not_before) + 8u,
                   end_follows_start);
#define RF(name, member, type) IOTL_DOC_FIELD(name, iotl_keyring_t, member, (type) | IOTL_DOC_REQ)
static const struct iotl_doc_field ring_fields[] = {
    RF(version, version, IOTL_DOC_U32 | IOTL_DOC_POS),
    RF(threshold, threshold, IOTL_DOC_U32 | IOTL_DOC_POS),
    RF(issued_at, issued_at, IOTL_DOC_TIME),
    RF(expires, expires, IOTL_DOC_TIME | IOTL_DOC_END),
};

/* The key ring payload once type and v matched; crypto (arg) checks key ids. */
int iotl_doc_parse_ring(void *out, const iotl_json_node_t *root, const void *arg)
{
    iotl_keyring_t *r = (iotl_keyring_t *)out;
    const struct iotl_crypto *crypto = (const struct iotl_crypto *)arg;
    const iotl_json_node_t *keys = iotl_json_member(root, IOTL_DOC_N(keys));
    uint32_t roots = 0;
    int ret = iotl_doc_fields(root, ring_fields, IOTL_ARRAY_LEN(ring_fields), r);
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = iotl_doc_array(keys, IOTL_KEYRING_MAX_KEYS, true);
    if (ret != IOTL_OK) {
        return ret;
    }
    for (const iotl_json_node_t *e = iotl_json_first(keys); e != NULL; e = iotl_json_next(e)) {
        struct iotl_key *k = &r->keys[r->key_count];
        ret = parse_key(e, crypto, k);
        if (ret != IOTL_OK) {
            return ret;
        }
        if (key_for(r, k->kid, 0xffu) != IOTL_ERR_UNKNOWN_KEY) {
            ret = IOTL_ERR_SCHEMA; /* one entry, one role per key */
            return ret;
        }
        roots += (k->role == IOTL_ROLE_ROOT);
        r->key_count++;
    }
    ret = IOTL_ERR_RANGE;
    if (roots < r->threshold) {
        return ret;
    }
    const iotl_json_node_t *rev = iotl_json_member(root, IOTL_DOC_N(revoked));
    ret = rev != NULL ? iotl_doc_array(rev, IOTL_KEYRING_MAX_REVOKED, false) : IOTL_OK;
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = IOTL_ERR_SCHEMA;
    for (const iotl_json_node_t *e = iotl_json_first(rev); e != NULL; e = iotl_json_next(e)) {
        const char *kid;
        size_t n;
        if (iotl_json_str_ref(e, &kid, &n) != IOTL_OK || n != IOTL_JWS_KID_LEN ||
            key_for(r, kid, 0xffu) != IOTL_ERR_UNKNOWN_KEY) {
            return ret; /* not a key id, or listed and revoked at once, or twice */
        }
        (void)strcpy(r->revoked[r->revoked_count++], kid); /* 43 characters and the NUL */
    }
    return IOTL_OK;
}


int iotl_keyring_update(iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *doc, size_t len,
                        const struct iotl_floors *floors, int64_t now, unsigned flags,
                        iotl_trust_work_t *work, struct iotl_floors *floors_out)
{
    IOTL_ASSERT(kr != NULL && crypto != NULL && floors != NULL && work != NULL);
    int ret = IOTL_ERR_INTEGRITY; /* fail closed */
    iotl_json_doc_t outer;
    const char *pay;      /* set with ret 0 */
    size_t pay_len;
    size_t text_len;
    uint32_t count = 0;
    const unsigned reload = (flags & IOTL_KEYRING_RELOAD) != 0;
    const iotl_keyring_t *ring = kr;
    if (floors->latest_time > now) {
        now = floors->latest_time; /* the latest-known time only moves forward */
    }

    ret = iotl_json_parse(&outer, doc, len);
    if (ret != IOTL_OK) {
        return ret;
    }
    const iotl_json_node_t *root = (const iotl_json_node_t *)outer.root;
    const iotl_json_node_t *sigs = iotl_json_member(root, IOTL_DOC_N(signatures));
    ret = iotl_json_str_ref(iotl_json_member(root, IOTL_DOC_N(payload)), &pay, &pay_len);
    if (ret == IOTL_OK) {
        ret = iotl_doc_array(sigs, IOTL_KEYRING_MAX_SIGNATURES, true);
    }
    /* Decoded (not parsed) before any signature is checked: bounded and
     * canonical from here on; each verified signature decodes the same bytes. */
    if (ret == IOTL_OK) {
        ret = iotl_b64url_decode(pay, pay_len, work->text, sizeof(work->text), &text_len);
        ret = ret == IOTL_ERR_NO_MEM ? IOTL_ERR_TOO_LARGE : ret;
    }

    /* Pass 0: the roots in force must sign before any payload byte is
     * parsed (skipped when re-loading the stored ring). Pass 1: the
     * candidate ring, parsed and checked, must be signed by its own roots
     * too (proves the new keys are held). A pass counts the distinct roots
     * of its ring whose signature verifies. */
    for (unsigned pass = reload; ret == IOTL_OK && pass < 2; pass++) {
        if (pass == 1) {
            const uint32_t kind = IOTL_DOC_RING; /* names the document to iotl_doc_parse */
            memcpy(&work->ring, &kind, sizeof(kind));
            ret = iotl_doc_parse(&work->ring, work->text, text_len, crypto);
            if (ret != IOTL_OK) {
                goto exit;
            }
            /* Monotonic version: an older ring, and the keys it had, never
             * return (an update must be newer than the floor and the ring in
             * force; the stored ring may be the floor itself). */
            uint32_t floor_v = floors->keyring_version;
            if (!reload && kr->version > floor_v) {
                floor_v = kr->version;
            }
            ret = IOTL_ERR_REPLAYED;
            if (work->ring.version < floor_v || (!reload && work->ring.version == floor_v)) {
                goto exit;
            }
            ret = IOTL_ERR_EXPIRED;
            if (!reload && now >= work->ring.expires) {
                goto exit;
            }
            ring = &work->ring;
        }
        bool used[IOTL_KEYRING_MAX_KEYS];
        bool bad = false;   /* a known root's signature failed */
        bool known = false; /* at least one signature named a root of the ring */
        memset(used, 0, sizeof(used));
        count = 0;
        for (const iotl_json_node_t *s = iotl_json_first(sigs); s != NULL; s = iotl_json_next(s)) {
            const char *h;
            size_t hl;
            const char *g;
            size_t gl;
            struct iotl_jws jws;
            ret = IOTL_ERR_SCHEMA;
            if (iotl_json_str_ref(iotl_json_member(s, IOTL_DOC_N(protected)), &h, &hl) != IOTL_OK ||
                iotl_json_str_ref(iotl_json_member(s, IOTL_DOC_N(signature)), &g, &gl) != IOTL_OK) {
                goto exit;
            }
            ret = iotl_jws_parse_parts(&jws, h, hl, pay, pay_len, g, gl);
            if (ret != IOTL_OK) {
                goto exit;
            }
            int i = key_for(ring, jws.kid, IOTL_ROLE_ROOT);
            if (i < 0) {
                continue; /* revoked, unknown or not a root */
            }
            known = true;
            if (used[i]) {
                continue; /* one key counts once */
            }
            /* The payload was decoded (so bounded and canonical) before:
             * only the signature can fail here. */
            size_t n = 0;
            if (iotl_jws_verify(&jws, crypto, ring->keys[i].pub, work->text, sizeof(work->text), &n) == IOTL_OK) {
                used[i] = true;
                count++;
            } else {
                bad = true;
            }
        }
        /* Too few: a known root's signature failed, else a root of the ring
         * signed (or it is the new ring's pass), else no root signed. */
        ret = count >= ring->threshold ? IOTL_OK
              : bad                    ? IOTL_ERR_SIGNATURE
              : known || pass == 1     ? IOTL_ERR_THRESHOLD
                                       : IOTL_ERR_UNKNOWN_KEY;
    }

    /* Accept: only this path returns 0. */
    if (ret == IOTL_OK) {
        ret = IOTL_ERR_INTEGRITY;
        if (ring == &work->ring && count >= work->ring.threshold) {
            if (floors_out != NULL) {
                iotl_floors_raise(floors_out, floors, work->ring.version, work->ring.issued_at);
            }
            memcpy(kr, &work->ring, sizeof(*kr));
            ret = IOTL_OK;
        }
    }
exit:
    iotl_json_free(&outer);
    return ret;
}
