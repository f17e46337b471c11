/* SPDX-License-Identifier: Apache-2.0 */
/* JWS ES256 verification: round trip, RFC 7638 kid, and one row per reason. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <string.h>

#include "iotlife/base64url.h"
#include "trust_fixture.h"

static struct fx_key key_a;
static struct fx_key key_b;

static void setup(void)
{
    fx_key_new(&key_a);
    fx_key_new(&key_b);
}

static void teardown(void)
{
    fx_key_free(&key_a);
    fx_key_free(&key_b);
}

START_TEST(kid_is_rfc7638_thumbprint)
{
    /* Public key of test_port_mbedtls; thumbprint computed by python3-jwcrypto. */
    static const uint8_t pub[65] = {
        0x04, 0xd2, 0x71, 0x40, 0x7a, 0x8d, 0xa2, 0xde, 0xee, 0x0b, 0x3e, 0x34, 0x7c, 0x00, 0x95,
        0x44, 0x5d, 0xd6, 0x91, 0xf1, 0x92, 0xe6, 0x67, 0x60, 0x42, 0x45, 0xe2, 0x4d, 0x5e, 0x07,
        0x9c, 0xaf, 0x32, 0xd9, 0xf7, 0x28, 0x72, 0x9a, 0xcc, 0x61, 0xde, 0x2a, 0x88, 0xc5, 0xc6,
        0xaa, 0x51, 0x27, 0x5b, 0x10, 0x61, 0x8c, 0x32, 0xea, 0xf1, 0x2b, 0x28, 0xa9, 0x01, 0x63,
        0xac, 0xd2, 0x92, 0x72, 0xbd};
    char kid[IOTL_JWS_KID_LEN + 1];
    ck_assert_int_eq(iotl_jwk_kid(fx_crypto(), pub, kid), 0);
    ck_assert_str_eq(kid, "vOJGOFBFhNY9NawPbx-gzyAlLzBfa-Ovac3jyCwWfWQ");
    uint8_t bad[65];
    memcpy(bad, pub, sizeof(bad));
    bad[0] = 0x02;
    ck_assert_int_eq(iotl_jwk_kid(fx_crypto(), bad, kid), IOTL_ERR_KEY_FORMAT);
}
END_TEST

START_TEST(round_trip)
{
    char jws[2048];
    const char *payload = "{\"hello\":\"world\"}";
    size_t n = 0;
    ck_assert_int_eq(iotl_host_jws_sign(key_a.k, fx_crypto(), NULL, payload, strlen(payload), jws,
                                        sizeof(jws), &n),
                     0);
    uint8_t out[256];
    size_t out_len = 0;
    ck_assert_int_eq(iotl_jws_verify_compact(fx_crypto(), key_a.pub, jws, n, out, sizeof(out), &out_len), 0);
    ck_assert_uint_eq(out_len, strlen(payload));
    ck_assert(memcmp(out, payload, out_len) == 0);
    struct iotl_jws p;
    ck_assert_int_eq(iotl_jws_parse(&p, jws, n), 0);
    ck_assert_str_eq(p.kid, key_a.kid);
    /* Payload buffer too small: refused, nothing reported decoded. */
    ck_assert_int_eq(iotl_jws_verify(&p, fx_crypto(), key_a.pub, out, 4, &out_len), IOTL_ERR_TOO_LARGE);
    ck_assert_uint_eq(out_len, 0);
    /* With typ, as the CLI writes it. */
    ck_assert_int_eq(iotl_host_jws_sign(key_a.k, fx_crypto(), "iotlife-manifest+jws", payload,
                                        strlen(payload), jws, sizeof(jws), &n),
                     0);
    ck_assert_int_eq(iotl_jws_verify_compact(fx_crypto(), key_a.pub, jws, n, out, sizeof(out), &out_len), 0);
}
END_TEST

/* One row per rejection reason; each must yield exactly its code. */
START_TEST(bad_input_table)
{
    static char hdr[32][700];
    static char jws[32][4096];
    const char *payload = "{\"x\":1}";
    char good[2048];
    size_t good_len = fx_sign(&key_a, NULL, payload, good, sizeof(good));
    struct row {
        const char *name;
        const char *text;
        int expect;
    } rows[40];
    size_t nrows = 0;
    int h = 0;

#define ROW_HDR(nm, fmt, code)                                                                     \
    do {                                                                                           \
        snprintf(hdr[h], sizeof(hdr[h]), fmt, key_a.kid);                                          \
        fx_sign(&key_a, hdr[h], payload, jws[h], sizeof(jws[h]));                                  \
        rows[nrows++] = (struct row){nm, jws[h], code};                                            \
        h++;                                                                                       \
    } while (0)

    ROW_HDR("alg none", "{\"alg\":\"none\",\"kid\":\"%s\"}", IOTL_ERR_ALG);
    ROW_HDR("alg HS256", "{\"alg\":\"HS256\",\"kid\":\"%s\"}", IOTL_ERR_ALG);
    ROW_HDR("alg RS256", "{\"alg\":\"RS256\",\"kid\":\"%s\"}", IOTL_ERR_ALG);
    ROW_HDR("alg es256 case", "{\"alg\":\"es256\",\"kid\":\"%s\"}", IOTL_ERR_ALG);
    ROW_HDR("alg missing", "{\"kid\":\"%s\"}", IOTL_ERR_ALG);
    ROW_HDR("alg not string", "{\"alg\":256,\"kid\":\"%s\"}", IOTL_ERR_ALG);
    ROW_HDR("crit unknown", "{\"alg\":\"ES256\",\"kid\":\"%s\",\"crit\":[\"exp\"],\"exp\":1}", IOTL_ERR_CRIT);
    ROW_HDR("b64 false", "{\"alg\":\"ES256\",\"kid\":\"%s\",\"b64\":false}", IOTL_ERR_CRIT);
    ROW_HDR("kid missing", "{\"alg\":\"ES256\",\"x\":\"%s\"}", IOTL_ERR_KID_MISMATCH);
    ROW_HDR("kid short", "{\"alg\":\"ES256\",\"kid\":\"%.20s\"}", IOTL_ERR_KID_MISMATCH);
    ROW_HDR("header dup alg", "{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"%s\"}", IOTL_ERR_DUPLICATE_KEY);
    ROW_HDR("header trailing", "{\"alg\":\"ES256\",\"kid\":\"%s\"}x", IOTL_ERR_TRAILING_DATA);
    ROW_HDR("header not json", "alg=ES256 kid=%s", IOTL_ERR_MALFORMED);
    ROW_HDR("header array", "[\"%s\"]", IOTL_ERR_SCHEMA);
    ROW_HDR("header too deep", "{\"alg\":\"ES256\",\"kid\":\"%s\",\"z\":[[[[[[[[[[1]]]]]]]]]]}", IOTL_ERR_TOO_DEEP);

    /* Header larger than IOTL_JWS_HEADER_MAX. */
    {
        char big[IOTL_JWS_HEADER_MAX + 64];
        int o = snprintf(big, sizeof(big), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"pad\":\"", key_a.kid);
        while ((size_t)o < sizeof(big) - 3) {
            big[o++] = 'p';
        }
        big[o++] = '"';
        big[o++] = '}';
        big[o] = '\0';
        snprintf(hdr[h], sizeof(hdr[h]), "%s", big);
        fx_sign(&key_a, hdr[h], payload, jws[h], sizeof(jws[h]));
        rows[nrows++] = (struct row){"header too large", jws[h], IOTL_ERR_TOO_LARGE};
        h++;
    }
    /* Signed by key B but claims key A's kid -> verify with A fails the signature. */
    {
        snprintf(hdr[h], sizeof(hdr[h]), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", key_a.kid);
        fx_sign(&key_b, hdr[h], payload, jws[h], sizeof(jws[h]));
        rows[nrows++] = (struct row){"wrong signer", jws[h], IOTL_ERR_SIGNATURE};
        h++;
    }
    /* Signed by B with B's kid -> verifying with A is a kid mismatch. */
    fx_sign(&key_b, NULL, payload, jws[h], sizeof(jws[h]));
    rows[nrows++] = (struct row){"kid mismatch", jws[h], IOTL_ERR_KID_MISMATCH};
    h++;
    /* Tampered payload: same header and signature. */
    {
        char *p = jws[h];
        strcpy(p, good);
        char *dot = strchr(p, '.') + 1;
        dot[2] = dot[2] == 'A' ? 'B' : 'A';
        rows[nrows++] = (struct row){"payload tampered", p, IOTL_ERR_SIGNATURE};
        h++;
    }
    /* Tampered signature (flip a bit in R). */
    {
        char *p = jws[h];
        strcpy(p, good);
        char *sig = strrchr(p, '.') + 1;
        sig[5] = sig[5] == 'A' ? 'B' : 'A';
        rows[nrows++] = (struct row){"signature tampered", p, IOTL_ERR_SIGNATURE};
        h++;
    }
    /* Truncations and framing. */
    {
        char *p = jws[h++];
        memcpy(p, good, good_len - 2); /* 84 characters: valid base64url, 63 bytes */
        p[good_len - 2] = '\0';
        rows[nrows++] = (struct row){"truncated signature", p, IOTL_ERR_SIGNATURE};
        p = jws[h++];
        memcpy(p, good, good_len - 5);
        p[good_len - 5] = '\0';
        rows[nrows++] = (struct row){"truncated 1 mod 4", p, IOTL_ERR_BASE64};
        p = jws[h++];
        strcpy(p, good);
        *strrchr(p, '.') = '\0';
        rows[nrows++] = (struct row){"two parts", p, IOTL_ERR_JWS_FORMAT};
        p = jws[h++];
        snprintf(p, 4096, "%s.", good);
        rows[nrows++] = (struct row){"four parts", p, IOTL_ERR_JWS_FORMAT};
        p = jws[h++];
        snprintf(p, 4096, "%s\n", good);
        rows[nrows++] = (struct row){"trailing newline", p, IOTL_ERR_BASE64};
        p = jws[h++];
        snprintf(p, 4096, "%sAAAA", good);
        rows[nrows++] = (struct row){"trailing garbage", p, IOTL_ERR_SIGNATURE};
        p = jws[h++];
        strcpy(p, good);
        char *dot = strchr(p, '.');
        dot[1] = '=';
        rows[nrows++] = (struct row){"payload bad base64", p, IOTL_ERR_BASE64};
        p = jws[h++];
        strcpy(p, good);
        dot = strrchr(p, '.'); /* {"x":1}: 10 characters, the last one's low 4 bits unused */
        ck_assert_int_eq(dot - strchr(p, '.') - 1, 10);
        dot[-1] = 'B';       /* non-zero unused bits: refused at parse, before the signature */
        rows[nrows++] = (struct row){"payload non-canonical tail", p, IOTL_ERR_BASE64};
        p = jws[h++];
        snprintf(p, 4096, "=%s", good);
        rows[nrows++] = (struct row){"header bad base64", p, IOTL_ERR_BASE64};
        p = jws[h++];
        snprintf(p, 4096, "%s", strchr(good, '.'));
        rows[nrows++] = (struct row){"empty header", p, IOTL_ERR_JWS_FORMAT};
        rows[nrows++] = (struct row){"empty", "", IOTL_ERR_JWS_FORMAT};
        p = jws[h++];
        snprintf(hdr[0], sizeof(hdr[0]), "{\"alg\":\"none\",\"kid\":\"%s\"}", key_a.kid);
        size_t o = 0;
        iotl_b64url_encode(hdr[0], strlen(hdr[0]), p, 4096, &o);
        snprintf(p + o, 4096 - o, ".%s", strchr(good, '.') + 1);
        *(strrchr(p, '.') + 1) = '\0';
        rows[nrows++] = (struct row){"unsigned alg none", p, IOTL_ERR_ALG};
        p = jws[h++];
        strcpy(p, good);
        *(strrchr(p, '.') + 1) = '\0';
        rows[nrows++] = (struct row){"empty signature", p, IOTL_ERR_SIGNATURE};
        rows[nrows++] = (struct row){"dots", "..", IOTL_ERR_JWS_FORMAT};
    }
    ck_assert_uint_le((size_t)h, 32);
    rows[nrows++] = (struct row){"valid", good, 0};

    for (size_t i = 0; i < nrows; i++) {
        uint8_t out[256];
        size_t out_len = 99;
        int ret = iotl_jws_verify_compact(fx_crypto(), key_a.pub, rows[i].text, strlen(rows[i].text), out,
                                          sizeof(out), &out_len);
        ck_assert_msg(ret == rows[i].expect, "%s: got %d (%s) want %d", rows[i].name, ret,
                      iotl_strerror_name(ret), rows[i].expect);
        ck_assert_uint_eq(out_len, ret == 0 ? strlen(payload) : 0);
    }
}
END_TEST

START_TEST(bad_public_key)
{
    char jws[2048];
    size_t n = fx_sign(&key_a, NULL, "{}", jws, sizeof(jws));
    struct iotl_jws p;
    ck_assert_int_eq(iotl_jws_parse(&p, jws, n), 0);
    uint8_t out[8];
    size_t len;
    uint8_t bad[65];
    memcpy(bad, key_a.pub, sizeof(bad));
    bad[0] = 0x05;
    ck_assert_int_eq(iotl_jws_verify(&p, fx_crypto(), bad, out, sizeof(out), &len), IOTL_ERR_KEY_FORMAT);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("jws");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, kid_is_rfc7638_thumbprint);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, bad_input_table);
    tcase_add_test(tc, bad_public_key);
    suite_add_tcase(s, tc);
    return s;
}
