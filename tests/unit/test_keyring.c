/* SPDX-License-Identifier: Apache-2.0 */
/* Key ring: anchors, accepted updates, replay of older rings, revocation,
 * threshold root rotation, key validity windows, boot re-load. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <string.h>

#include "iotlife/keyring.h"
#include "trust_fixture.h"

#define T0 1764000000LL
#define DAY 86400LL

static struct fx_key r1, r2, r3, r4, r5, pub1, op1;
static iotl_keyring_t ring;
static iotl_trust_work_t work;
static char doc[16384];

static void setup(void)
{
    fx_key_new(&r1);
    fx_key_new(&r2);
    fx_key_new(&r3);
    fx_key_new(&r4);
    fx_key_new(&r5);
    fx_key_new(&pub1);
    fx_key_new(&op1);
}

static void teardown(void)
{
    struct fx_key *all[] = {&r1, &r2, &r3, &r4, &r5, &pub1, &op1};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        fx_key_free(all[i]);
    }
}

static void init_anchors(size_t n, uint32_t threshold)
{
    uint8_t anchors[3][IOTL_P256_PUBKEY_LEN];
    memcpy(anchors[0], r1.pub, 65);
    memcpy(anchors[1], r2.pub, 65);
    memcpy(anchors[2], r3.pub, 65);
    ck_assert_int_eq(iotl_keyring_init(&ring, fx_crypto(), (const uint8_t(*)[65])anchors, n, threshold), 0);
}

static int update(size_t len, const struct iotl_floors *fl, int64_t now, struct iotl_floors *out)
{
    return iotl_keyring_update(&ring, fx_crypto(), doc, len, fl, now, 0, &work, out);
}

START_TEST(anchors_then_first_ring)
{
    init_anchors(1, 1);
    ck_assert_uint_eq(ring.version, 0);
    const struct iotl_key *k;
    ck_assert_int_eq(iotl_keyring_find(&ring, r1.kid, IOTL_ROLE_ROOT, T0, &k), 0);
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0, &k), IOTL_ERR_UNKNOWN_KEY);

    struct fx_ring_key keys[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", 0, 0}, {&op1, "operator", 0, 0}};
    const struct fx_key *signers[] = {&r1};
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + 365 * DAY, keys, 3, NULL, 0, signers, 1);
    struct iotl_floors fl = {0};
    struct iotl_floors out;
    ck_assert_int_eq(update(n, &fl, T0 + 10, &out), 0);
    ck_assert_uint_eq(out.keyring_version, 1);
    ck_assert(out.latest_time == T0);
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0, &k), 0);
    ck_assert_mem_eq(k->pub, pub1.pub, 65);
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_OPERATOR, T0, &k), IOTL_ERR_WRONG_ROLE);
    ck_assert_int_eq(iotl_keyring_find(&ring, op1.kid, IOTL_ROLE_OPERATOR, T0, &k), 0);
    /* The same document again, and any older version, is a replay. */
    ck_assert_int_eq(update(n, &out, T0 + 10, NULL), IOTL_ERR_REPLAYED);
}
END_TEST

START_TEST(failed_init_trusts_nothing)
{
    /* A caller that ignores a failed init must not end up with a ring that
     * accepts any self-signed key ring (a threshold of 0 would). */
    uint8_t anchors[2][IOTL_P256_PUBKEY_LEN];
    memcpy(anchors[0], r1.pub, 65);
    memcpy(anchors[1], r2.pub, 65);
    anchors[1][0] = 0x05; /* not an uncompressed point */
    struct fx_ring_key keys[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", 0, 0}};
    const struct fx_key *signers[] = {&r1};
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + 365 * DAY, keys, 2, NULL, 0, signers, 1);
    struct iotl_floors fl = {0};
    const struct iotl_key *k;
    static const struct {
        size_t count;
        int expect;
    } rows[] = {{2, IOTL_ERR_KEY_FORMAT}, {0, IOTL_ERR_INVALID_ARG}, {IOTL_KEYRING_MAX_KEYS + 1, IOTL_ERR_INVALID_ARG}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ck_assert_int_eq(iotl_keyring_init(&ring, fx_crypto(), (const uint8_t(*)[65])anchors, rows[i].count, 0),
                         rows[i].expect);
        ck_assert_uint_eq(ring.key_count, 0);
        ck_assert_uint_ge(ring.threshold, 1);
        ck_assert_int_eq(iotl_keyring_find(&ring, r1.kid, IOTL_ROLE_ROOT, T0, &k), IOTL_ERR_UNKNOWN_KEY);
        ck_assert_int_eq(update(n, &fl, T0 + 10, NULL), IOTL_ERR_UNKNOWN_KEY);
        ck_assert_uint_eq(ring.version, 0);
    }
}
END_TEST

START_TEST(older_version_refused)
{
    init_anchors(1, 1);
    struct fx_ring_key keys[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", 0, 0}};
    const struct fx_key *signers[] = {&r1};
    struct iotl_floors fl = {0};
    fl.keyring_version = 5; /* the device already accepted version 5 once */
    size_t n = fx_keyring_doc(doc, sizeof(doc), 4, 1, T0, T0 + DAY, keys, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_REPLAYED);
    ck_assert_uint_eq(ring.version, 0); /* unchanged on failure */
    n = fx_keyring_doc(doc, sizeof(doc), 5, 1, T0, T0 + DAY, keys, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_REPLAYED);
    n = fx_keyring_doc(doc, sizeof(doc), 6, 1, T0, T0 + DAY, keys, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), 0);
}
END_TEST

START_TEST(revocation)
{
    init_anchors(1, 1);
    struct fx_ring_key keys1[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", 0, 0}};
    const struct fx_key *signers[] = {&r1};
    struct iotl_floors fl = {0};
    struct iotl_floors fl1;
    struct iotl_floors fl2;
    char doc1[16384];
    size_t n1 = fx_keyring_doc(doc1, sizeof(doc1), 1, 1, T0, T0 + 30 * DAY, keys1, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(iotl_keyring_update(&ring, fx_crypto(), doc1, n1, &fl, T0, 0, &work, &fl1), 0);
    /* Version 2 revokes the publisher key. */
    struct fx_ring_key keys2[] = {{&r1, "root", 0, 0}};
    const char *revoked[] = {pub1.kid};
    size_t n2 = fx_keyring_doc(doc, sizeof(doc), 2, 1, T0 + DAY, T0 + 30 * DAY, keys2, 1, revoked, 1, signers, 1);
    ck_assert_int_eq(update(n2, &fl1, T0 + DAY, &fl2), 0);
    const struct iotl_key *k;
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0 + DAY, &k), IOTL_ERR_REVOKED);
    /* The old ring, which still had the key, cannot come back. */
    ck_assert_int_eq(iotl_keyring_update(&ring, fx_crypto(), doc1, n1, &fl2, T0 + DAY, 0, &work, NULL),
                     IOTL_ERR_REPLAYED);
    /* Not even after a reboot (anchors only, floor persisted). */
    init_anchors(1, 1);
    ck_assert_int_eq(iotl_keyring_update(&ring, fx_crypto(), doc1, n1, &fl2, T0 + DAY, 0, &work, NULL),
                     IOTL_ERR_REPLAYED);
    ck_assert_int_eq(iotl_keyring_update(&ring, fx_crypto(), doc1, n1, &fl2, T0 + DAY, IOTL_KEYRING_RELOAD,
                                         &work, NULL),
                     IOTL_ERR_REPLAYED);
    /* A listed key that is also revoked is a malformed ring. */
    struct fx_ring_key keys3[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", 0, 0}};
    size_t n3 = fx_keyring_doc(doc, sizeof(doc), 3, 1, T0, T0 + DAY, keys3, 2, revoked, 1, signers, 1);
    ck_assert_int_eq(update(n3, &fl2, T0, NULL), IOTL_ERR_SCHEMA);
}
END_TEST

START_TEST(rotation_with_threshold)
{
    init_anchors(3, 2); /* r1 r2 r3, any two must sign */
    struct fx_ring_key keys[] = {{&r4, "root", 0, 0}, {&r5, "root", 0, 0}, {&pub1, "publisher", 0, 0}};
    struct iotl_floors fl = {0};
    struct iotl_floors out;
    /* Only one current root: below the threshold. */
    const struct fx_key *s1[] = {&r1, &r4, &r5};
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 2, T0, T0 + DAY, keys, 3, NULL, 0, s1, 3);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_THRESHOLD);
    /* The same root twice still counts once. */
    const struct fx_key *s1b[] = {&r1, &r1, &r4, &r5};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 2, T0, T0 + DAY, keys, 3, NULL, 0, s1b, 4);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_THRESHOLD);
    /* Two current roots but the new roots did not sign. */
    const struct fx_key *s2[] = {&r1, &r3};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 2, T0, T0 + DAY, keys, 3, NULL, 0, s2, 2);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_THRESHOLD);
    /* No current root at all. */
    const struct fx_key *s3[] = {&r4, &r5};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 2, T0, T0 + DAY, keys, 3, NULL, 0, s3, 2);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_UNKNOWN_KEY);
    /* Two old + two new: accepted; the old roots are gone. */
    const struct fx_key *s4[] = {&r2, &r3, &r4, &r5};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 2, T0, T0 + DAY, keys, 3, NULL, 0, s4, 4);
    ck_assert_int_eq(update(n, &fl, T0, &out), 0);
    const struct iotl_key *k;
    ck_assert_int_eq(iotl_keyring_find(&ring, r1.kid, IOTL_ROLE_ROOT, T0, &k), IOTL_ERR_UNKNOWN_KEY);
    ck_assert_int_eq(iotl_keyring_find(&ring, r4.kid, IOTL_ROLE_ROOT, T0, &k), 0);
    /* Next ring signed by the retired roots: unknown keys. */
    struct fx_ring_key keys2[] = {{&r4, "root", 0, 0}, {&r5, "root", 0, 0}};
    n = fx_keyring_doc(doc, sizeof(doc), 2, 2, T0, T0 + DAY, keys2, 2, NULL, 0, s2, 2);
    ck_assert_int_eq(update(n, &out, T0, NULL), IOTL_ERR_UNKNOWN_KEY);
    /* Boot: anchors are r1..r3, the stored ring (v1) is re-loaded against its own roots. */
    char stored[16384];
    size_t sn = fx_keyring_doc(stored, sizeof(stored), 1, 2, T0, T0 + DAY, keys, 3, NULL, 0, s4, 4);
    init_anchors(3, 2);
    ck_assert_int_eq(iotl_keyring_update(&ring, fx_crypto(), stored, sn, &out, T0 + 2 * DAY,
                                         IOTL_KEYRING_RELOAD, &work, NULL),
                     0);
    ck_assert_uint_eq(ring.version, 1);
    /* Re-loaded but expired: its role keys are refused. */
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0 + 2 * DAY, &k), IOTL_ERR_EXPIRED);
}
END_TEST

START_TEST(key_validity_and_expiry)
{
    init_anchors(1, 1);
    struct fx_ring_key keys[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", T0 + DAY, T0 + 2 * DAY}};
    const struct fx_key *signers[] = {&r1};
    struct iotl_floors fl = {0};
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + 10 * DAY, keys, 2, NULL, 0, signers, 1);
    /* An expired key ring document is refused outright, also when only the
     * latest-known time (not the caller's clock) says so. */
    ck_assert_int_eq(update(n, &fl, T0 + 10 * DAY, NULL), IOTL_ERR_EXPIRED);
    struct iotl_floors late = {0};
    late.latest_time = T0 + 10 * DAY;
    ck_assert_int_eq(update(n, &late, T0, NULL), IOTL_ERR_EXPIRED);
    ck_assert_int_eq(update(n, &fl, T0, NULL), 0);
    const struct iotl_key *k;
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0, &k), IOTL_ERR_NOT_YET_VALID);
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0 + DAY, &k), 0);
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0 + 2 * DAY, &k), IOTL_ERR_EXPIRED);
    /* Signing with an expired key is refused before the signature is checked. */
    char jws[1024];
    size_t jn = fx_sign(&pub1, NULL, "{}", jws, sizeof(jws));
    uint8_t out[64];
    size_t out_len;
    ck_assert_int_eq(iotl_keyring_verify_jws(&ring, fx_crypto(), IOTL_ROLE_PUBLISHER, jws, jn, T0 + 3 * DAY, out,
                                             sizeof(out), &out_len, NULL),
                     IOTL_ERR_EXPIRED);
    ck_assert_int_eq(iotl_keyring_verify_jws(&ring, fx_crypto(), IOTL_ROLE_PUBLISHER, jws, jn, T0 + DAY, out,
                                             sizeof(out), &out_len, &k),
                     0);
    ck_assert_uint_eq(out_len, 2);
}
END_TEST

/* A key entry whose JWK members are given: the role string of a good
 * first key closes its object and opens this one (the fixture prints the
 * role verbatim). */
START_TEST(bad_key_entries)
{
    init_anchors(1, 1);
    struct iotl_floors fl = {0};
    const struct fx_key *signers[] = {&r1};
    char jwk[300];
    fx_jwk_members(&pub1, jwk, sizeof(jwk));
    char x[44];
    char y[44];
    ck_assert_ptr_nonnull(strstr(jwk, "\"x\":\""));
    memcpy(x, strstr(jwk, "\"x\":\"") + 5, 43);
    memcpy(y, strstr(jwk, "\"y\":\"") + 5, 43);
    x[43] = y[43] = '\0';
    char x_short[44];
    char x_long[45];
    char x_loose[44];
    memcpy(x_short, x, 42);
    x_short[42] = '\0';
    snprintf(x_long, sizeof(x_long), "%sA", x);
    /* The last of 43 characters carries 4 bits and 2 unused zero bits: the
     * next alphabet character sets one (non-canonical). */
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    memcpy(x_loose, x, 44);
    x_loose[42] = strchr(abc, x[42])[1];
    char members[9][300];
    snprintf(members[0], 300, "\"kty\":\"RSA\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x, y);
    snprintf(members[1], 300, "\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"%s\",\"y\":\"%s\"", x, y);
    snprintf(members[2], 300, "\"kty\":\"EC\",\"crv\":\"P-256\",\"y\":\"%s\"", y);
    snprintf(members[3], 300, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x_short, y);
    snprintf(members[4], 300, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x_long, y);
    snprintf(members[5], 300, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x_loose, y);
    snprintf(members[6], 300, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":7", x);
    snprintf(members[7], 300, "\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x, y);
    snprintf(members[8], 300, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x, y);
    static const struct {
        const char *kid_of; /* "pub1": its own kid, else another key's */
        int want;
    } rows[9] = {{"pub1", IOTL_ERR_KEY_FORMAT}, {"pub1", IOTL_ERR_KEY_FORMAT}, {"pub1", IOTL_ERR_KEY_FORMAT},
                 {"pub1", IOTL_ERR_KEY_FORMAT}, {"pub1", IOTL_ERR_KEY_FORMAT}, {"pub1", IOTL_ERR_KEY_FORMAT},
                 {"pub1", IOTL_ERR_KEY_FORMAT}, {"pub1", IOTL_ERR_KEY_FORMAT}, {"op1", IOTL_ERR_KID_MISMATCH}};
    for (size_t i = 0; i < 9; i++) {
        char role[3072];
        snprintf(role, sizeof(role), "root\"},{%s,\"kid\":\"%s\",\"role\":\"publisher", members[i],
                 strcmp(rows[i].kid_of, "pub1") == 0 ? pub1.kid : op1.kid);
        struct fx_ring_key keys[] = {{&r1, role, 0, 0}};
        size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, keys, 1, NULL, 0, signers, 1);
        ck_assert_msg(update(n, &fl, T0, NULL) == rows[i].want, "row %zu", i);
        ck_assert_uint_eq(ring.version, 0);
    }
    /* No kid, or one that is no string: no thumbprint stated (mismatch). */
    const char *kids[] = {"", ",\"kid\":7"};
    for (size_t i = 0; i < 2; i++) {
        char role[3072];
        snprintf(role, sizeof(role), "root\"},{%s%s,\"role\":\"publisher", jwk, kids[i]);
        struct fx_ring_key keys[] = {{&r1, role, 0, 0}};
        size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, keys, 1, NULL, 0, signers, 1);
        ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_KID_MISMATCH);
    }
    /* The same entry with good members is taken (the injection itself works). */
    char role[3072];
    snprintf(role, sizeof(role), "root\"},{%s,\"kid\":\"%s\",\"role\":\"publisher", jwk, pub1.kid);
    struct fx_ring_key keys[] = {{&r1, role, 0, 0}};
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, keys, 1, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), 0);
    const struct iotl_key *k;
    ck_assert_int_eq(iotl_keyring_find(&ring, pub1.kid, IOTL_ROLE_PUBLISHER, T0, &k), 0);
    ck_assert_mem_eq(k->pub, pub1.pub, IOTL_P256_PUBKEY_LEN);
}
END_TEST

START_TEST(bad_documents)
{
    init_anchors(1, 1);
    struct iotl_floors fl = {0};
    const struct fx_key *signers[] = {&r1};
    struct fx_ring_key keys[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", 0, 0}};
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, keys, 2, NULL, 0, signers, 1);
    /* Tamper with the signature: a current root's signature fails. */
    char *sig = strstr(doc, "\"signature\":\"") + 14;
    sig[3] = sig[3] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_SIGNATURE);
    /* Duplicate key entry. */
    struct fx_ring_key dup[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", 0, 0}, {&pub1, "operator", 0, 0}};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, dup, 3, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_SCHEMA);
    /* Unknown role. */
    struct fx_ring_key role[] = {{&r1, "root", 0, 0}, {&pub1, "admin", 0, 0}};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, role, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_SCHEMA);
    /* "none" is no role. */
    struct fx_ring_key none[] = {{&r1, "root", 0, 0}, {&pub1, "none", 0, 0}};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, none, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_SCHEMA);
    /* Version 0, threshold 0, expiry not after the issue time. */
    n = fx_keyring_doc(doc, sizeof(doc), 0, 1, T0, T0 + DAY, keys, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_RANGE);
    n = fx_keyring_doc(doc, sizeof(doc), 1, 0, T0, T0 + DAY, keys, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_RANGE);
    n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0, keys, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_RANGE);
    /* Threshold above the number of roots. */
    n = fx_keyring_doc(doc, sizeof(doc), 1, 2, T0, T0 + DAY, keys, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_RANGE);
    /* Not-after before not-before. */
    struct fx_ring_key win[] = {{&r1, "root", 0, 0}, {&pub1, "publisher", T0 + 5, T0}};
    n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, win, 2, NULL, 0, signers, 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_RANGE);
    /* Too many signatures. */
    const struct fx_key *many[IOTL_KEYRING_MAX_SIGNATURES + 1];
    for (size_t i = 0; i < IOTL_KEYRING_MAX_SIGNATURES + 1; i++) {
        many[i] = &r1;
    }
    n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0, T0 + DAY, keys, 2, NULL, 0, many,
                       IOTL_KEYRING_MAX_SIGNATURES + 1);
    ck_assert_int_eq(update(n, &fl, T0, NULL), IOTL_ERR_TOO_LARGE);
    /* Outer document problems. */
    static const struct {
        const char *text;
        int expect;
    } outer[] = {
        {"{\"payload\":\"e30\"}", IOTL_ERR_SCHEMA},
        {"{\"payload\":\"e30\",\"signatures\":[]}", IOTL_ERR_SCHEMA},
        {"{\"payload\":\"e30\",\"signatures\":[{\"protected\":1}]}", IOTL_ERR_SCHEMA},
        {"{\"payload\":\"e30\",\"payload\":\"e30\",\"signatures\":[]}", IOTL_ERR_DUPLICATE_KEY},
        {"{\"payload\":\"e30\",\"signatures\":[]} x", IOTL_ERR_TRAILING_DATA},
        {"{\"payload\":\"e30\",\"signatures\":[{\"protected\":\"eyJhbGciOiJub25lIn0\",\"signature\":\"\"}]}",
         IOTL_ERR_ALG},
    };
    for (size_t i = 0; i < sizeof(outer) / sizeof(outer[0]); i++) {
        ck_assert_msg(iotl_keyring_update(&ring, fx_crypto(), outer[i].text, strlen(outer[i].text), &fl, T0, 0,
                                          &work, NULL) == outer[i].expect,
                      "outer row %zu", i);
    }
    ck_assert_uint_eq(ring.version, 0);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("keyring");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, anchors_then_first_ring);
    tcase_add_test(tc, failed_init_trusts_nothing);
    tcase_add_test(tc, older_version_refused);
    tcase_add_test(tc, revocation);
    tcase_add_test(tc, rotation_with_threshold);
    tcase_add_test(tc, key_validity_and_expiry);
    tcase_add_test(tc, bad_documents);
    tcase_add_test(tc, bad_key_entries);
    suite_add_tcase(s, tc);
    return s;
}
