/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64url: RFC 4648 vectors, round trips, and every rejection. */
#include <check.h>
#include "unit/iotl_test.h"
#include <string.h>

#include "iotlife/base64url.h"

START_TEST(rfc4648_vectors)
{
    static const struct {
        const char *raw;
        const char *enc;
    } v[] = {{"", ""},         {"f", "Zg"},         {"fo", "Zm8"},         {"foo", "Zm9v"},
             {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char enc[32];
        size_t n = 99;
        ck_assert_int_eq(iotl_b64url_encode(v[i].raw, strlen(v[i].raw), enc, sizeof(enc), &n), 0);
        ck_assert_str_eq(enc, v[i].enc);
        ck_assert_uint_eq(n, strlen(v[i].enc));
        ck_assert_uint_eq(IOTL_B64URL_ENC_LEN(strlen(v[i].raw)), n);
        uint8_t dec[32];
        ck_assert_int_eq(iotl_b64url_decode(v[i].enc, strlen(v[i].enc), dec, sizeof(dec), &n), 0);
        ck_assert_uint_eq(n, strlen(v[i].raw));
        ck_assert(memcmp(dec, v[i].raw, n) == 0);
    }
}
END_TEST

START_TEST(url_alphabet_round_trip)
{
    uint8_t all[256];
    for (int i = 0; i < 256; i++) {
        all[i] = (uint8_t)i;
    }
    for (size_t len = 0; len <= sizeof(all); len += 7) {
        char enc[400];
        size_t n;
        ck_assert_int_eq(iotl_b64url_encode(all, len, enc, sizeof(enc), &n), 0);
        ck_assert(strchr(enc, '+') == NULL && strchr(enc, '/') == NULL && strchr(enc, '=') == NULL);
        uint8_t dec[256];
        size_t m;
        ck_assert_int_eq(iotl_b64url_decode(enc, n, dec, sizeof(dec), &m), 0);
        ck_assert_uint_eq(m, len);
        ck_assert(memcmp(dec, all, len) == 0);
    }
    /* 0xfb 0xff -> "-_8" uses both URL-safe characters. */
    char enc[8];
    ck_assert_int_eq(iotl_b64url_encode("\xfb\xff", 2, enc, sizeof(enc), NULL), 0);
    ck_assert_str_eq(enc, "-_8");
}
END_TEST

START_TEST(rejects_non_canonical)
{
    static const struct {
        const char *in;
        int expect;
    } bad[] = {
        {"Zg==", IOTL_ERR_BASE64},     /* padding */
        {"Zm9v YmFy", IOTL_ERR_BASE64}, /* space */
        {"Zm9v\nYmFy", IOTL_ERR_BASE64}, /* newline */
        {"Zm+v", IOTL_ERR_BASE64},     /* standard alphabet '+' */
        {"Zm/v", IOTL_ERR_BASE64},     /* standard alphabet '/' */
        {"Z", IOTL_ERR_BASE64},        /* 1 mod 4 */
        {"Zm9vY", IOTL_ERR_BASE64},    /* 1 mod 4 */
        {"Zh", IOTL_ERR_BASE64},       /* non-zero trailing bits ('f' is Zg) */
        {"Zm9", IOTL_ERR_BASE64},      /* non-zero trailing bits ('fo' is Zm8) */
        {"Zm\x80v", IOTL_ERR_BASE64},  /* high byte */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t out[16];
        size_t n = 7;
        ck_assert_msg(iotl_b64url_decode(bad[i].in, strlen(bad[i].in), out, sizeof(out), &n) == bad[i].expect,
                      "row %zu", i);
        ck_assert_uint_eq(n, 0);
        /* The same verdict when only validating (no room, out NULL). */
        n = 7;
        ck_assert_msg(iotl_b64url_decode(bad[i].in, strlen(bad[i].in), NULL, 0, &n) == bad[i].expect,
                      "row %zu (validate only)", i);
        ck_assert_uint_eq(n, 0);
    }
}
END_TEST

START_TEST(buffer_limits)
{
    uint8_t out[2];
    size_t n;
    ck_assert_int_eq(iotl_b64url_decode("Zm9v", 4, out, sizeof(out), &n), IOTL_ERR_NO_MEM);
    ck_assert_int_eq(iotl_b64url_decode("Zm8", 3, out, sizeof(out), &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert(out[0] == 'f' && out[1] == 'o');
    /* Validate only: a valid input does not fit no room; an empty one does. */
    ck_assert_int_eq(iotl_b64url_decode("Zm8", 3, NULL, 0, &n), IOTL_ERR_NO_MEM);
    ck_assert_int_eq(iotl_b64url_decode("", 0, NULL, 0, &n), 0);
    ck_assert_uint_eq(n, 0);
    char enc[4];
    ck_assert_int_eq(iotl_b64url_encode("foo", 3, enc, sizeof(enc), &n), IOTL_ERR_NO_MEM);
    ck_assert_str_eq(enc, "");
    char enc5[5];
    ck_assert_int_eq(iotl_b64url_encode("foo", 3, enc5, sizeof(enc5), &n), 0);
    ck_assert_str_eq(enc5, "Zm9v");
    ck_assert_uint_eq(n, 4);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("base64url");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rfc4648_vectors);
    tcase_add_test(tc, url_alphabet_round_trip);
    tcase_add_test(tc, rejects_non_canonical);
    tcase_add_test(tc, buffer_limits);
    suite_add_tcase(s, tc);
    return s;
}
