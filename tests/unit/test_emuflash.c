/* SPDX-License-Identifier: Apache-2.0 */
/* The emulated flash proves each rule it enforces and each fault it models. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <string.h>

#include "emuflash.h"
#include "iotlife/port/ram.h"

#define AREA 16384u
static uint8_t mem[AREA];
static iotl_ram_flash_t rf;
static struct iotl_storage ram, flash;
static iotl_emu_flash_t emu;
static iotl_emu_power_t power;

static void setup_geo(uint32_t erase, uint32_t align, uint8_t ev)
{
    struct iotl_storage_geometry g = {AREA, erase, align, ev};
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &ram, mem, &g, false), 0);
    iotl_emu_power_reset(&power, 1234);
    ck_assert_int_eq(iotl_emu_flash_init(&emu, &flash, &ram, &power), 0);
}

START_TEST(write_to_non_erased_fails)
{
    setup_geo(4096, 1, 0xff);
    uint8_t a = 0x12;
    ck_assert_int_eq(iotl_storage_write(&flash, 10, &a, 1), 0);
    /* The inner RAM port is not strict: the rule comes from the emulator. */
    ck_assert_int_eq(flash.ops->write(flash.ctx, 10, &a, 1), IOTL_ERR_STORAGE_NOT_ERASED);
    ck_assert_int_eq(iotl_storage_erase(&flash, 0, 4096), 0);
    ck_assert_int_eq(flash.ops->write(flash.ctx, 10, &a, 1), 0);
}
END_TEST

START_TEST(misaligned_fails)
{
    setup_geo(4096, 16, 0x00);
    uint8_t buf[32] = {1};
    /* Call the ops directly: the emulator must refuse what a sloppy core might send. */
    ck_assert_int_eq(flash.ops->write(flash.ctx, 8, buf, 16), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(flash.ops->write(flash.ctx, 16, buf, 8), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(flash.ops->erase(flash.ctx, 512, 4096), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(flash.ops->erase(flash.ctx, 0, 100), IOTL_ERR_STORAGE_ALIGN);
    ck_assert_int_eq(flash.ops->write(flash.ctx, 16, buf, 16), 0);
    ck_assert_uint_eq(mem[16], 1);
    ck_assert_uint_eq(mem[0], 0x00); /* erased value 0x00 honoured */
}
END_TEST

START_TEST(cut_at_n_leaves_documented_state)
{
    /* Operations 1 and 2 complete; power fails during operation 3 (clean cut:
     * the interrupted write does not land); nothing afterwards happens. */
    setup_geo(4096, 4, 0xff);
    iotl_emu_power_cut_at(&power, 3, IOTL_EMU_TEAR_NONE);
    uint8_t v[4] = {1, 1, 1, 1};
    ck_assert_int_eq(iotl_storage_write(&flash, 0, v, 4), 0);
    v[0] = 2;
    ck_assert_int_eq(iotl_storage_write(&flash, 4, v, 4), 0);
    v[0] = 3;
    ck_assert_int_eq(iotl_storage_write(&flash, 8, v, 4), IOTL_ERR_POWER_LOSS);
    ck_assert(power.off);
    v[0] = 4;
    ck_assert_int_eq(iotl_storage_write(&flash, 12, v, 4), IOTL_ERR_POWER_LOSS);
    ck_assert_int_eq(iotl_storage_erase(&flash, 0, 4096), IOTL_ERR_POWER_LOSS);
    uint8_t rd[4];
    ck_assert_int_eq(iotl_storage_read(&flash, 0, rd, 4), IOTL_ERR_POWER_LOSS);
    ck_assert_uint_eq(power.ops, 3);
    iotl_emu_power_on(&power);
    ck_assert_int_eq(iotl_storage_read(&flash, 0, rd, 4), 0);
    ck_assert_uint_eq(mem[0], 1);
    ck_assert_uint_eq(mem[4], 2);
    ck_assert_uint_eq(mem[8], 0xff);
    ck_assert_uint_eq(mem[12], 0xff);
    ck_assert_uint_eq(power.cuts, 1);
}
END_TEST

START_TEST(torn_write_contents_appear)
{
    /* Over many seeds, a torn write shows: some prefix intact, and bytes that
     * are neither the data nor erased beyond it; never outside the range. */
    int saw_partial = 0, saw_garbage = 0;
    uint8_t data[256];
    memset(data, 0x5a, sizeof(data));
    for (uint32_t seed = 1; seed <= 50; seed++) {
        setup_geo(4096, 1, 0xff);
        power.rng = seed;
        ck_assert_int_eq(iotl_storage_write(&flash, 0, "keep", 4), 0);
        iotl_emu_power_cut_at(&power, 1, IOTL_EMU_TEAR_RANDOM);
        ck_assert_int_eq(iotl_storage_write(&flash, 100, data, sizeof(data)), IOTL_ERR_POWER_LOSS);
        ck_assert_mem_eq(mem, "keep", 4);
        for (uint32_t i = 4; i < 100; i++) {
            ck_assert_uint_eq(mem[i], 0xff);
        }
        for (uint32_t i = 356; i < AREA; i++) {
            ck_assert_uint_eq(mem[i], 0xff);
        }
        size_t prefix = 0;
        while (prefix < sizeof(data) && mem[100 + prefix] == 0x5a) {
            prefix++;
        }
        if (prefix > 0 && prefix < sizeof(data)) {
            saw_partial++;
        }
        for (size_t i = prefix; i < sizeof(data); i++) {
            if (mem[100 + i] != 0x5a && mem[100 + i] != 0xff) {
                saw_garbage++;
                break;
            }
        }
    }
    ck_assert_int_gt(saw_partial, 40);
    ck_assert_int_gt(saw_garbage, 40);
}
END_TEST

START_TEST(torn_erase_contents_appear)
{
    setup_geo(4096, 1, 0xff);
    uint8_t data[64];
    memset(data, 0x11, sizeof(data));
    ck_assert_int_eq(iotl_storage_write(&flash, 4096, data, sizeof(data)), 0);
    ck_assert_int_eq(iotl_storage_write(&flash, 0, data, sizeof(data)), 0);
    iotl_emu_power_cut_at(&power, 1, IOTL_EMU_TEAR_RANDOM);
    ck_assert_int_eq(iotl_storage_erase(&flash, 4096, 4096), IOTL_ERR_POWER_LOSS);
    int junk = 0;
    for (uint32_t i = 4096; i < 8192; i++) {
        junk += mem[i] != 0xff && mem[i] != 0x11;
    }
    ck_assert_int_gt(junk, 3000); /* the block holds arbitrary bits */
    ck_assert_mem_eq(mem, data, sizeof(data)); /* other blocks untouched */
    for (uint32_t i = 8192; i < AREA; i++) {
        ck_assert_uint_eq(mem[i], 0xff);
    }
}
END_TEST

START_TEST(read_bit_flips_and_bad_blocks)
{
    setup_geo(4096, 1, 0xff);
    uint8_t v = 0x0f, rd;
    ck_assert_int_eq(iotl_storage_write(&flash, 7, &v, 1), 0);
    iotl_emu_flash_flip(&emu, 7, 0x80, false);
    ck_assert_int_eq(iotl_storage_read(&flash, 7, &rd, 1), 0);
    ck_assert_uint_eq(rd, 0x8f);
    ck_assert_int_eq(iotl_storage_read(&flash, 7, &rd, 1), 0);
    ck_assert_uint_eq(rd, 0x0f); /* one-shot flip */
    iotl_emu_flash_flip(&emu, 7, 0x01, true);
    ck_assert_int_eq(iotl_storage_read(&flash, 0, mem + 9000, 8), 0);
    ck_assert_int_eq(iotl_storage_read(&flash, 7, &rd, 1), 0);
    ck_assert_uint_eq(rd, 0x0e);
    ck_assert_int_eq(iotl_emu_flash_mark_bad(&emu, 8192), 0);
    ck_assert_int_eq(iotl_storage_erase(&flash, 8192, 4096), IOTL_ERR_STORAGE_BAD_BLOCK);
    ck_assert_int_eq(iotl_storage_write(&flash, 8200, &v, 1), IOTL_ERR_STORAGE_BAD_BLOCK);
    ck_assert_int_eq(iotl_storage_erase(&flash, 4096, 4096), 0);
}
END_TEST

START_TEST(every_cut_point_is_reached)
{
    /* A three-operation sequence cut at every N = 1..3 stops exactly at N. */
    unsigned points = 0;
    for (uint32_t n = 1; n <= 3; n++) {
        setup_geo(4096, 1, 0xff);
        iotl_emu_power_cut_at(&power, n, IOTL_EMU_TEAR_NONE);
        int r1 = iotl_storage_erase(&flash, 0, 4096);
        int r2 = iotl_storage_write(&flash, 0, "a", 1);
        int r3 = iotl_storage_write(&flash, 1, "b", 1);
        ck_assert_int_eq(r1, n == 1 ? IOTL_ERR_POWER_LOSS : 0);
        ck_assert_int_eq(r2, n <= 2 ? IOTL_ERR_POWER_LOSS : 0);
        ck_assert_int_eq(r3, IOTL_ERR_POWER_LOSS);
        ck_assert_uint_eq(mem[0], n >= 3 ? 'a' : 0xff);
        points++;
    }
    printf("cut points: %u\n", points);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("emuflash");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, write_to_non_erased_fails);
    tcase_add_test(tc, misaligned_fails);
    tcase_add_test(tc, cut_at_n_leaves_documented_state);
    tcase_add_test(tc, torn_write_contents_appear);
    tcase_add_test(tc, torn_erase_contents_appear);
    tcase_add_test(tc, read_bit_flips_and_bad_blocks);
    tcase_add_test(tc, every_cut_point_is_reached);
    suite_add_tcase(s, tc);
    return s;
}
