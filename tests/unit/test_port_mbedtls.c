/* SPDX-License-Identifier: Apache-2.0 */
/* The Mbed TLS crypto port: SHA-256 known answers, streaming equivalence,
 * ECDSA P-256 verification of a signature made by openssl, fail-closed on
 * any altered bit. Built and run against Mbed TLS 2.28 and 3.6. */
#include <check.h>
#include "unit/iotl_test.h"
#include <string.h>

#include "iotlife/port/mbedtls.h"

/* openssl ecparam -name prime256v1 -genkey; openssl dgst -sha256 -sign, DER
 * signature converted to raw R||S. Message: "iotlife test vector". */
static const uint8_t pub[65] = {
    0x04, 0xd2, 0x71, 0x40, 0x7a, 0x8d, 0xa2, 0xde, 0xee, 0x0b, 0x3e, 0x34, 0x7c, 0x00, 0x95,
    0x44, 0x5d, 0xd6, 0x91, 0xf1, 0x92, 0xe6, 0x67, 0x60, 0x42, 0x45, 0xe2, 0x4d, 0x5e, 0x07,
    0x9c, 0xaf, 0x32, 0xd9, 0xf7, 0x28, 0x72, 0x9a, 0xcc, 0x61, 0xde, 0x2a, 0x88, 0xc5, 0xc6,
    0xaa, 0x51, 0x27, 0x5b, 0x10, 0x61, 0x8c, 0x32, 0xea, 0xf1, 0x2b, 0x28, 0xa9, 0x01, 0x63,
    0xac, 0xd2, 0x92, 0x72, 0xbd};
static const uint8_t sig[64] = {
    0x30, 0x49, 0x29, 0x0e, 0x79, 0xb9, 0xb3, 0x4a, 0xb2, 0xf2, 0x29, 0x69, 0x9e, 0xab, 0xbe, 0x86,
    0x4b, 0xe0, 0x3d, 0x4f, 0x38, 0xce, 0x1a, 0xb5, 0x6a, 0x0d, 0xa1, 0xfd, 0x6a, 0xe9, 0x8f, 0x06,
    0xfd, 0x40, 0xcc, 0x30, 0xc0, 0x41, 0xfd, 0x20, 0x86, 0x57, 0xf5, 0x8e, 0xa9, 0x90, 0x71, 0xae,
    0x88, 0xd3, 0x8c, 0xcb, 0x14, 0xda, 0x9f, 0xb6, 0x7e, 0xc2, 0xd5, 0x8e, 0xcd, 0x09, 0xa1, 0x01};
static const char msg[] = "iotlife test vector";

START_TEST(sha256_known_answers)
{
    struct iotl_crypto c;
    ck_assert_int_eq(iotl_mbedtls_crypto_init(&c), 0);
    uint8_t d[32];
    static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    static const uint8_t empty[32] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                                      0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                                      0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    ck_assert_int_eq(iotl_sha256(&c, "abc", 3, d), 0);
    ck_assert_mem_eq(d, abc, 32);
    ck_assert_int_eq(iotl_sha256(&c, NULL, 0, d), 0);
    ck_assert_mem_eq(d, empty, 32);
}
END_TEST

START_TEST(sha256_streams_interleaved)
{
    struct iotl_crypto c;
    iotl_mbedtls_crypto_init(&c);
    static uint8_t data[10000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i ^ (i >> 5));
    }
    uint8_t one[32], a[32], b[32];
    ck_assert_int_eq(iotl_sha256(&c, data, sizeof(data), one), 0);
    /* Two states in flight at once, fed in uneven pieces. */
    iotl_sha256_state_t s1, s2;
    ck_assert_int_eq(c.ops->sha256_start(c.ctx, &s1), 0);
    ck_assert_int_eq(c.ops->sha256_start(c.ctx, &s2), 0);
    for (size_t off = 0; off < sizeof(data);) {
        size_t n = (off % 7) * 97 + 1;
        if (n > sizeof(data) - off) {
            n = sizeof(data) - off;
        }
        ck_assert_int_eq(c.ops->sha256_update(c.ctx, &s1, data + off, n), 0);
        ck_assert_int_eq(c.ops->sha256_update(c.ctx, &s2, data + off, n), 0);
        off += n;
    }
    ck_assert_int_eq(c.ops->sha256_finish(c.ctx, &s1, a), 0);
    ck_assert_int_eq(c.ops->sha256_finish(c.ctx, &s2, b), 0);
    ck_assert_mem_eq(a, one, 32);
    ck_assert_mem_eq(b, one, 32);
}
END_TEST

START_TEST(p256_verifies_openssl_signature)
{
    struct iotl_crypto c;
    iotl_mbedtls_crypto_init(&c);
    uint8_t d[32];
    ck_assert_int_eq(iotl_sha256(&c, msg, strlen(msg), d), 0);
    ck_assert_int_eq(c.ops->p256_verify(c.ctx, pub, d, sig), 0);
}
END_TEST

START_TEST(p256_fails_closed_on_any_flipped_bit)
{
    struct iotl_crypto c;
    iotl_mbedtls_crypto_init(&c);
    uint8_t d[32];
    iotl_sha256(&c, msg, strlen(msg), d);
    for (int bit = 0; bit < 512; bit += 7) {
        uint8_t s2[64];
        memcpy(s2, sig, 64);
        s2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_eq(c.ops->p256_verify(c.ctx, pub, d, s2), IOTL_ERR_SIGNATURE);
    }
    uint8_t d2[32];
    memcpy(d2, d, 32);
    d2[31] ^= 1;
    ck_assert_int_eq(c.ops->p256_verify(c.ctx, pub, d2, sig), IOTL_ERR_SIGNATURE);
    /* Key not on the curve, or not uncompressed form. */
    uint8_t k[65];
    memcpy(k, pub, 65);
    k[40] ^= 1;
    ck_assert_int_eq(c.ops->p256_verify(c.ctx, k, d, sig), IOTL_ERR_KEY_FORMAT);
    memcpy(k, pub, 65);
    k[0] = 0x02;
    ck_assert_int_eq(c.ops->p256_verify(c.ctx, k, d, sig), IOTL_ERR_KEY_FORMAT);
    /* All-zero signature (r = s = 0) must not verify. */
    uint8_t zero[64] = {0};
    ck_assert_int_eq(c.ops->p256_verify(c.ctx, pub, d, zero), IOTL_ERR_SIGNATURE);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("port_mbedtls");
    TCase *tc = tcase_create("crypto");
    tcase_add_test(tc, sha256_known_answers);
    tcase_add_test(tc, sha256_streams_interleaved);
    tcase_add_test(tc, p256_verifies_openssl_signature);
    tcase_add_test(tc, p256_fails_closed_on_any_flipped_bit);
    suite_add_tcase(s, tc);
    return s;
}
