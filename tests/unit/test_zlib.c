/* SPDX-License-Identifier: Apache-2.0 */
/* The arena-backed zlib glue: round trips, restart at a full flush, memory
 * bounds as documented, corrupt input rejected. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdlib.h>
#include <string.h>

#include "iotl_zlib.h"

static uint8_t src[64 * 1024];
static uint8_t packed[80 * 1024];
static uint8_t out[64 * 1024];

static void fill(void)
{
    uint32_t x = 7;
    for (size_t i = 0; i < sizeof(src); i++) {
        x = x * 1103515245u + 12345u;
        src[i] = (uint8_t)((i % 97 < 60) ? 'a' + i % 13 : (x >> 24));
    }
}

static size_t compress_all(int wbits, int mem, size_t *flush_at, size_t *flush_out)
{
    static uint8_t arena[IOTL_Z_DEFLATE_ARENA(15, 9)];
    iotl_zstream_t z;
    ck_assert_int_eq(iotl_z_deflate_init(&z, arena, IOTL_Z_DEFLATE_ARENA(wbits, mem), 9, wbits, mem), 0);
    size_t in_off = 0, out_off = 0, c, p;
    /* first half, then a full flush (restart point), then the rest */
    size_t half = sizeof(src) / 2;
    int r;
    do {
        r = iotl_z_deflate(&z, src + in_off, half - in_off, &c, packed + out_off,
                           sizeof(packed) - out_off, &p, IOTL_Z_FULL_FLUSH);
        in_off += c;
        out_off += p;
    } while (r == 1);
    ck_assert_int_eq(r, 0);
    *flush_at = in_off;
    *flush_out = out_off;
    do {
        r = iotl_z_deflate(&z, src + in_off, sizeof(src) - in_off, &c, packed + out_off,
                           sizeof(packed) - out_off, &p, IOTL_Z_FINISH);
        in_off += c;
        out_off += p;
    } while (r == 1);
    ck_assert_int_eq(r, 2);
    ck_assert(z.arena_peak <= IOTL_Z_DEFLATE_ARENA(wbits, mem));
    iotl_z_end(&z);
    return out_off;
}

static size_t inflate_from(const uint8_t *in, size_t in_len, int wbits, uint8_t *dst, size_t cap)
{
    static uint8_t arena[IOTL_Z_INFLATE_ARENA(15)];
    iotl_zstream_t z;
    ck_assert_int_eq(iotl_z_inflate_init(&z, arena, IOTL_Z_INFLATE_ARENA(wbits), wbits), 0);
    size_t in_off = 0, out_off = 0, c, p;
    int r = 0;
    while (r == 0 && in_off < in_len) {
        /* feed in small pieces, as a radio would */
        size_t piece = in_len - in_off < 61 ? in_len - in_off : 61;
        r = iotl_z_inflate(&z, in + in_off, piece, &c, dst + out_off, cap - out_off, &p);
        in_off += c;
        out_off += p;
    }
    ck_assert_int_ge(r, 0);
    ck_assert(z.arena_peak <= IOTL_Z_INFLATE_ARENA(wbits));
    iotl_z_end(&z);
    return out_off;
}

START_TEST(round_trip_every_window)
{
    fill();
    for (int wbits = 9; wbits <= 15; wbits += 3) {
        size_t fa, fo;
        size_t n = compress_all(wbits, wbits > 12 ? 8 : 1, &fa, &fo);
        size_t m = inflate_from(packed, n, wbits, out, sizeof(out));
        ck_assert_uint_eq(m, sizeof(src));
        ck_assert_mem_eq(out, src, sizeof(src));
        /* A new inflater started at the full-flush point yields the rest. */
        m = inflate_from(packed + fo, n - fo, wbits, out, sizeof(out));
        ck_assert_uint_eq(m, sizeof(src) - fa);
        ck_assert_mem_eq(out, src + fa, m);
    }
}
END_TEST

START_TEST(small_arena_is_refused)
{
    static uint8_t arena[4096];
    iotl_zstream_t z;
    ck_assert_int_eq(iotl_z_inflate_init(&z, arena, 16, 12), IOTL_ERR_NO_MEM);
    ck_assert_int_eq(iotl_z_inflate_init(&z, arena, sizeof(arena), 12), IOTL_ERR_NO_MEM);
    ck_assert_int_eq(iotl_z_inflate_init(&z, arena, sizeof(arena), 7), IOTL_ERR_INVALID_ARG);
    ck_assert_int_eq(iotl_z_deflate_init(&z, arena, sizeof(arena), 9, 12, 1), IOTL_ERR_NO_MEM);
    iotl_z_end(&z); /* safe after a failed init */
}
END_TEST

START_TEST(corrupt_stream_is_rejected)
{
    static uint8_t arena[IOTL_Z_INFLATE_ARENA(12)];
    iotl_zstream_t z;
    ck_assert_int_eq(iotl_z_inflate_init(&z, arena, sizeof(arena), 12), 0);
    const uint8_t bad[] = {0xff, 0xff, 0xff, 0xff, 0x00};
    size_t c, p;
    ck_assert_int_eq(iotl_z_inflate(&z, bad, sizeof(bad), &c, out, sizeof(out), &p), IOTL_ERR_CORRUPT);
    iotl_z_end(&z);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("zlib");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, round_trip_every_window);
    tcase_add_test(tc, small_arena_is_refused);
    tcase_add_test(tc, corrupt_stream_is_rejected);
    suite_add_tcase(s, tc);
    return s;
}
