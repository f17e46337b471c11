/* SPDX-License-Identifier: Apache-2.0 */
/* The same storage contract tests against every storage port we ship:
 * RAM, POSIX files, and the emulated flash wrapping each, on the geometries
 * the power-cut suites use. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emuflash.h"
#include "iotlife/port/posix.h"
#include "iotlife/port/ram.h"

static const struct iotl_storage_geometry geos[] = {
    {64 * 1024, 4096, 1, 0xff},
    {256 * 1024, 128 * 1024, 16, 0xff},
    {64 * 1024, 4096, 8, 0x00},
};

static uint8_t mem[256 * 1024];
static uint8_t scratch[512];

START_TEST(ram_port_conforms)
{
    iotl_ram_flash_t rf;
    struct iotl_storage s;
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &s, mem, &geos[_i], true), 0);
    ck_assert_int_eq(iotl_storage_selftest(&s, scratch, sizeof(scratch)), 0);
}
END_TEST

/* A fresh path for an area file the port creates itself. */
static void fresh_path(char path[22])
{
    memcpy(path, "/tmp/iotl_conf_XXXXXX", 22);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(path);
}

START_TEST(posix_port_conforms)
{
    char path[22];
    fresh_path(path);
    iotl_posix_storage_t ps;
    struct iotl_storage s;
    ck_assert_int_eq(iotl_posix_storage_open(&ps, &s, path, &geos[_i], true), 0);
    ck_assert_int_eq(iotl_storage_selftest(&s, scratch, sizeof(scratch)), 0);
    iotl_posix_storage_close(&ps);
    /* Reopening with another size is refused; the same size works. */
    struct iotl_storage_geometry other = geos[_i];
    other.size *= 2;
    ck_assert_int_eq(iotl_posix_storage_open(&ps, &s, path, &other, true), IOTL_ERR_STORAGE_GEOMETRY);
    ck_assert_int_eq(iotl_posix_storage_open(&ps, &s, path, &geos[_i], true), 0);
    iotl_posix_storage_close(&ps);
    iotl_posix_storage_close(&ps);
    unlink(path);
}
END_TEST

/* Without a mapping (mmap refused: address space, file system) the port
 * reads and blank-checks with pread; the same contract holds. */
START_TEST(posix_port_conforms_unmapped)
{
    char path[22];
    fresh_path(path);
    iotl_posix_storage_t ps;
    struct iotl_storage s;
    for (int strict = 0; strict < 2; strict++) {
        ck_assert_int_eq(iotl_posix_storage_open(&ps, &s, path, &geos[_i], strict != 0), 0);
        ck_assert_ptr_nonnull(ps.map);
        ck_assert_int_eq(munmap((void *)(uintptr_t)ps.map, ps.size), 0);
        ps.map = NULL; /* white box: take the fallback path */
        ck_assert_int_eq(iotl_storage_selftest(&s, scratch, sizeof(scratch)), 0);
        iotl_posix_storage_close(&ps);
    }
    unlink(path);
}
END_TEST

/* Two opens of one file, the way a host tool inspects a device's flash
 * while the device runs: a write through one is read back, and blank-checked
 * (not skipped by erase), through the other's mapping. */
START_TEST(posix_port_sees_other_writers)
{
    char path[22];
    fresh_path(path);
    const struct iotl_storage_geometry *g = &geos[_i];
    iotl_posix_storage_t pa, pb;
    struct iotl_storage a, b;
    ck_assert_int_eq(iotl_posix_storage_open(&pa, &a, path, g, false), 0);
    ck_assert_int_eq(iotl_posix_storage_open(&pb, &b, path, g, true), 0);
    uint8_t data[64], back[64];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(0x5a ^ i);
    }
    uint32_t at = g->size - g->erase_size; /* last block */
    ck_assert_int_eq(iotl_storage_write(&a, at, data, sizeof(data)), 0);
    ck_assert_int_eq(iotl_storage_read(&b, at, back, sizeof(back)), 0);
    ck_assert_mem_eq(back, data, sizeof(data));
    /* b is strict: the block is no longer blank for it. */
    ck_assert_int_eq(iotl_storage_write(&b, at, data, sizeof(data)), IOTL_ERR_STORAGE_NOT_ERASED);
    /* b's erase must see a's data and really erase it. */
    ck_assert_int_eq(iotl_storage_erase(&b, at, g->erase_size), 0);
    ck_assert_int_eq(iotl_storage_read(&a, at, back, sizeof(back)), 0);
    for (size_t i = 0; i < sizeof(back); i++) {
        ck_assert_uint_eq(back[i], g->erased_value);
    }
    iotl_posix_storage_close(&pa);
    iotl_posix_storage_close(&pb);
    unlink(path);
}
END_TEST

START_TEST(emulated_flash_conforms)
{
    iotl_ram_flash_t rf;
    struct iotl_storage ram, s;
    iotl_emu_flash_t emu;
    iotl_emu_power_t power;
    memset(&power, 0, sizeof(power));
    iotl_emu_power_reset(&power, 1);
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &ram, mem, &geos[_i], false), 0);
    ck_assert_int_eq(iotl_emu_flash_init(&emu, &s, &ram, &power), 0);
    ck_assert_int_eq(iotl_storage_selftest(&s, scratch, sizeof(scratch)), 0);
}
END_TEST

START_TEST(selftest_catches_a_broken_port)
{
    /* A port missing an operation, a scratch too small, or data that comes
     * back altered are all reported. */
    iotl_ram_flash_t rf;
    struct iotl_storage s;
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &s, mem, &geos[0], false), 0);
    static struct iotl_storage_ops broken;
    broken = iotl_ram_storage_ops;
    broken.erase = NULL;
    s.ops = &broken;
    ck_assert_int_eq(iotl_storage_selftest(&s, scratch, sizeof(scratch)), IOTL_ERR_STORAGE_GEOMETRY);
    ck_assert_int_eq(iotl_storage_selftest(&s, scratch, 0), IOTL_ERR_STORAGE_GEOMETRY);
    s.ops = &iotl_ram_storage_ops;
    ck_assert_int_eq(iotl_storage_selftest(&s, scratch, 0), IOTL_ERR_NO_MEM);
    /* Flip a bit on read: the self-test notices corrupted data. */
    iotl_emu_flash_t emu;
    iotl_emu_power_t power;
    struct iotl_storage e;
    memset(&power, 0, sizeof(power));
    iotl_emu_power_reset(&power, 1);
    ck_assert_int_eq(iotl_emu_flash_init(&emu, &e, &s, &power), 0);
    iotl_emu_flash_flip(&emu, 4096, 0x04, true);
    ck_assert_int_eq(iotl_storage_selftest(&e, scratch, sizeof(scratch)), IOTL_ERR_CORRUPT);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("conformance");
    TCase *tc = tcase_create("storage");
    tcase_add_loop_test(tc, ram_port_conforms, 0, 3);
    tcase_add_loop_test(tc, posix_port_conforms, 0, 3);
    tcase_add_loop_test(tc, posix_port_conforms_unmapped, 0, 3);
    tcase_add_loop_test(tc, posix_port_sees_other_writers, 0, 3);
    tcase_add_loop_test(tc, emulated_flash_conforms, 0, 3);
    tcase_add_test(tc, selftest_catches_a_broken_port);
    suite_add_tcase(s, tc);
    return s;
}
