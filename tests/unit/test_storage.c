/* SPDX-License-Identifier: Apache-2.0 */
/* The checked storage wrappers and geometry validation. */
#include <check.h>
#include "unit/iotl_test.h"

#include "iotlife/port/ram.h"
#include "iotlife/port/storage.h"

static uint8_t mem[16384];

START_TEST(geometry_is_validated)
{
    iotl_ram_flash_t rf;
    struct iotl_storage s;
    struct iotl_storage_geometry bad[] = {
        {16384, 3000, 1, 0xff},  /* erase not a power of two */
        {16384, 4096, 0, 0xff},  /* write_align zero */
        {16384, 4096, 8192, 0xff}, /* write_align above erase */
        {10000, 4096, 1, 0xff},  /* size not a multiple of erase */
        {0, 4096, 1, 0xff},      /* empty */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(iotl_ram_flash_init(&rf, &s, mem, &bad[i], true), IOTL_ERR_STORAGE_GEOMETRY);
    }
    ck_assert_int_eq(iotl_storage_check(NULL), IOTL_ERR_STORAGE_GEOMETRY);
    struct iotl_storage_geometry ok = {16384, 4096, 8, 0x00};
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &s, mem, &ok, true), 0);
    ck_assert_uint_eq(mem[100], 0x00);
}
END_TEST

START_TEST(bounds_and_alignment)
{
    iotl_ram_flash_t rf;
    struct iotl_storage s;
    struct iotl_storage_geometry g = {16384, 4096, 8, 0xff};
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &s, mem, &g, true), 0);
    uint8_t buf[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    ck_assert_int_eq(iotl_storage_write(&s, 4, buf, 8), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(iotl_storage_write(&s, 8, buf, 5), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(iotl_storage_write(&s, 16384 - 8, buf, 16), IOTL_ERR_BOUNDS);
    ck_assert_int_eq(iotl_storage_write(&s, 0xfffffff8u, buf, 16), IOTL_ERR_BOUNDS);
    ck_assert_int_eq(iotl_storage_write(&s, 8, buf, 16), 0);
    ck_assert_int_eq(iotl_storage_write(&s, 8, buf, 8), IOTL_ERR_STORAGE_NOT_ERASED);
    uint8_t rd[16];
    ck_assert_int_eq(iotl_storage_read(&s, 8, rd, 16), 0);
    ck_assert_mem_eq(rd, buf, 16);
    ck_assert_int_eq(iotl_storage_read(&s, 16380, rd, 8), IOTL_ERR_BOUNDS);
    ck_assert_int_eq(iotl_storage_erase(&s, 100, 4096), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(iotl_storage_erase(&s, 0, 100), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(iotl_storage_erase(&s, 12288, 8192), IOTL_ERR_BOUNDS);
    ck_assert_int_eq(iotl_storage_erase(&s, 0, 4096), 0);
    ck_assert_int_eq(iotl_storage_read(&s, 8, rd, 1), 0);
    ck_assert_uint_eq(rd[0], 0xff);
    ck_assert_int_eq(iotl_storage_sync(&s), 0);
    ck_assert_int_eq(iotl_storage_read(&s, 0, NULL, 0), 0);
    ck_assert_uint_eq(rf.erases, 1);
}
END_TEST

/* Attach keeps the content (flash kept in RAM across a reset); init erases. */
START_TEST(attach_keeps_content)
{
    iotl_ram_flash_t rf;
    struct iotl_storage s;
    struct iotl_storage_geometry g = {16384, 4096, 8, 0xff};
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &s, mem, &g, true), 0);
    const uint8_t buf[8] = {0xa5, 1, 2, 3, 4, 5, 6, 7};
    ck_assert_int_eq(iotl_storage_write(&s, 4096, buf, 8), 0);
    iotl_ram_flash_t rf2;
    struct iotl_storage s2;
    ck_assert_int_eq(iotl_ram_flash_attach(&rf2, &s2, mem, &g, true), 0);
    uint8_t rd[8];
    ck_assert_int_eq(iotl_storage_read(&s2, 4096, rd, 8), 0);
    ck_assert_mem_eq(rd, buf, 8);
    ck_assert_int_eq(iotl_storage_write(&s2, 4096, buf, 8), IOTL_ERR_STORAGE_NOT_ERASED);
    struct iotl_storage_geometry bad = {16384, 3000, 8, 0xff};
    ck_assert_int_eq(iotl_ram_flash_attach(&rf2, &s2, mem, &bad, true), IOTL_ERR_STORAGE_GEOMETRY);
    ck_assert_uint_eq(mem[4096], 0xa5); /* a refused attach leaves the content */
    ck_assert_int_eq(iotl_ram_flash_init(&rf2, &s2, mem, &g, true), 0);
    ck_assert_uint_eq(mem[4096], 0xff);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("storage");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, geometry_is_validated);
    tcase_add_test(tc, bounds_and_alignment);
    tcase_add_test(tc, attach_keeps_content);
    suite_add_tcase(s, tc);
    return s;
}
