/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdlib.h>
#if IOTL_FEATURE_ZLIB
#include <zlib.h>
#endif

#include "iotl_priv.h"
#include "iotlife/version.h"

START_TEST(crc32_matches_zlib)
{
    ck_assert_uint_eq(iotl_crc32(0, "123456789", 9), 0xcbf43926u);
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i * 131u + 7u);
    }
#if IOTL_FEATURE_ZLIB
    for (size_t len = 0; len <= sizeof(buf); len += 37) {
        ck_assert_uint_eq(iotl_crc32(0, buf, len), (uint32_t)crc32(0, buf, (uInt)len));
    }
#endif
    /* incremental == one shot */
    uint32_t c = iotl_crc32(0, buf, 300);
    c = iotl_crc32(c, buf + 300, 700);
    ck_assert_uint_eq(c, iotl_crc32(0, buf, 1000));
}
END_TEST

START_TEST(little_endian_helpers)
{
    uint8_t b[8];
    iotl_put_le32(b, 0x11223344u);
    ck_assert_uint_eq(b[0], 0x44);
    ck_assert_uint_eq(iotl_get_le32(b), 0x11223344u);
    iotl_put_le64(b, 0x0102030405060708ull);
    ck_assert_uint_eq(b[0], 0x08);
    ck_assert(iotl_get_le64(b) == 0x0102030405060708ull);
    iotl_put_le16(b, 0xabcd);
    ck_assert_uint_eq(iotl_get_le16(b), 0xabcd);
}
END_TEST

START_TEST(compare_and_zeroize)
{
    uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 4};
    ck_assert_int_eq(iotl_memcmp_ct(a, b, 4), 0);
    b[3] = 5;
    ck_assert_int_ne(iotl_memcmp_ct(a, b, 4), 0);
    iotl_zeroize(a, sizeof(a));
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(a[i], 0);
    }
    ck_assert_str_eq(iotl_version(), IOTL_VERSION_STRING);
    ck_assert_uint_eq(IOTL_VERSION_NUMBER >> 24, IOTL_VERSION_MAJOR);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, crc32_matches_zlib);
    tcase_add_test(tc, little_endian_helpers);
    tcase_add_test(tc, compare_and_zeroize);
    suite_add_tcase(s, tc);
    return s;
}
