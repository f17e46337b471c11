/* SPDX-License-Identifier: Apache-2.0 */
/* Power cut while applying a delta patch, at EVERY storage operation.
 *
 * The device here: the old image in one emulated NOR area, the new image
 * written into a second one (the "slot"), and a small third area holding two
 * alternating CRC-protected checkpoint records (the test's stand-in for the
 * staging journal). Geometries: 4 KiB erase, 8-byte writes, erased 0xFF, and
 * 16 KiB erase (4x the checkpoint interval: only erase-aligned checkpoints are
 * persisted), 16-byte writes, erased 0x00; cut
 * writes and erases are torn (IOTL_EMU_TEAR_RANDOM). For each N the apply
 * runs with power failing during operation N, the "device" reboots, resumes
 * from its last persisted checkpoint and finishes. Then: the slot holds the
 * exact new image, the old area is byte-for-byte untouched. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta_enc.h"
#include "unit/delta_test_util.h"
#include "emuflash.h"
#include "iotlife/delta.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/ram.h"

static uint32_t ERASE = 4096u; /* the geometry under test (see cut_at_every_operation) */
static uint32_t ALIGN = 8u;
static uint8_t EV = 0xFF;
#define MAX_ERASE 16384u
#define OLD_LEN (72u * 1024u + 123u)
#define AREA (128u * 1024u)
#define INTERVAL 4096u
#define WBUF 256u /* the slot writer's buffer: a multiple of ALIGN */

static uint8_t old_img[OLD_LEN], new_img[AREA];
static size_t new_len;
static struct iotl_delta_enc_result patch;

static uint8_t mem_old[AREA], mem_slot[AREA], mem_jrnl[2 * MAX_ERASE];
static iotl_ram_flash_t rf_old, rf_slot, rf_jrnl;
static struct iotl_storage ram_old, ram_slot, ram_jrnl, old_area, slot, jrnl;
static iotl_emu_flash_t e_old, e_slot, e_jrnl;
static iotl_emu_power_t power;
static struct iotl_crypto crypto;
static uint8_t work[IOTL_DELTA_WORKBUF_SIZE(12)];

/* ---- the journal: two alternating records, one per erase block ---------------- */

#define REC_MAGIC 0x4B435044u /* "DPCK" */
#define REC_LEN 32u /* 24 used, padded to the largest write unit tested */

static int jrnl_read(struct iotl_delta_checkpoint *cp, uint32_t *seq_out)
{
    int found = 0;
    uint32_t best = 0;
    for (uint32_t b = 0; b < 2; b++) {
        uint8_t r[REC_LEN];
        int ret = iotl_storage_read(&jrnl, b * ERASE, r, REC_LEN);
        if (ret != 0) {
            return ret;
        }
        if (iotl_get_le32(r) != REC_MAGIC || iotl_crc32(0, r, 20) != iotl_get_le32(r + 20)) {
            continue;
        }
        uint32_t seq = iotl_get_le32(r + 4);
        if (!found || seq > best) {
            best = seq;
            found = 1;
            cp->patch_id = iotl_get_le32(r + 8);
            cp->patch_offset = iotl_get_le32(r + 12);
            cp->new_offset = iotl_get_le32(r + 16);
        }
    }
    *seq_out = best;
    return found;
}

static int jrnl_write(const struct iotl_delta_checkpoint *cp, uint32_t seq)
{
    uint8_t r[REC_LEN];
    memset(r, 0, sizeof(r));
    iotl_put_le32(r, REC_MAGIC);
    iotl_put_le32(r + 4, seq);
    iotl_put_le32(r + 8, cp->patch_id);
    iotl_put_le32(r + 12, cp->patch_offset);
    iotl_put_le32(r + 16, cp->new_offset);
    iotl_put_le32(r + 20, iotl_crc32(0, r, 20));
    uint32_t blk = (seq % 2u) * ERASE; /* never the block holding the newest valid record */
    int ret = iotl_storage_erase(&jrnl, blk, ERASE);
    if (ret == 0) {
        ret = iotl_storage_write(&jrnl, blk, r, REC_LEN);
    }
    if (ret == 0) {
        ret = iotl_storage_sync(&jrnl);
    }
    return ret;
}

/* ---- the slot writer: erase ahead, 8-byte aligned programs ---------------------- */

struct writer {
    uint32_t pos; /* next flash offset to program (aligned) */
    uint8_t buf[WBUF];
    uint32_t fill;
    uint32_t seq; /* journal sequence of the last record */
};

static int wr_flush(struct writer *w, int final)
{
    if (w->fill == 0) {
        return 0;
    }
    uint32_t n = final ? IOTL_ALIGN_UP(w->fill, ALIGN) : IOTL_ALIGN_DOWN(w->fill, ALIGN);
    if (n == 0) {
        return 0;
    }
    memset(w->buf + w->fill, 0xFF, n > w->fill ? n - w->fill : 0);
    if (w->pos % ERASE == 0) {
        int ret = iotl_storage_erase(&slot, w->pos, ERASE);
        if (ret != 0) {
            return ret;
        }
    }
    /* Never cross into an unerased block within one program. */
    uint32_t room = ERASE - w->pos % ERASE;
    IOTL_ASSERT(n <= room);
    (void)room;
    int ret = iotl_storage_write(&slot, w->pos, w->buf, n);
    if (ret != 0) {
        return ret;
    }
    w->pos += n;
    uint32_t keep = w->fill > n ? w->fill - n : 0;
    memmove(w->buf, w->buf + n, keep);
    w->fill = keep;
    return 0;
}

static int sink(void *ctx, uint32_t off, const uint8_t *data, size_t len)
{
    struct writer *w = ctx;
    ck_assert_uint_eq(off, w->pos + w->fill);
    while (len > 0) {
        /* fill at most up to the end of the current erase block */
        uint32_t block_left = ERASE - (w->pos % ERASE);
        uint32_t cap = IOTL_MIN((uint32_t)WBUF, block_left);
        uint32_t c = (uint32_t)IOTL_MIN((size_t)(cap - w->fill), len);
        memcpy(w->buf + w->fill, data, c);
        w->fill += c;
        data += c;
        len -= c;
        if (w->fill == cap) {
            int ret = wr_flush(w, 0);
            if (ret != 0) {
                return ret;
            }
        }
    }
    return 0;
}

static int checkpoint(void *ctx, const struct iotl_delta_checkpoint *cp)
{
    struct writer *w = ctx;
    /* 1. the new image up to cp->new_offset is made durable ... */
    int ret = wr_flush(w, 1);
    if (ret == 0) {
        ret = iotl_storage_sync(&slot);
    }
    ck_assert(ret != 0 || w->pos >= cp->new_offset);
    /* 2. ... and only then the checkpoint is persisted; with erase blocks larger
     *    than the interval only erase-aligned ones (docs/delta-format.md). */
    if (ret == 0 && (cp->new_offset % ERASE == 0 || cp->new_offset == new_len)) {
        ret = jrnl_write(cp, ++w->seq);
    }
    return ret;
}

/* ---- one boot: start or resume, run to the end or the first failure ------------- */

static int run_update(void)
{
    struct writer w;
    memset(&w, 0, sizeof(w));
    struct iotl_delta_checkpoint cp;
    int have = jrnl_read(&cp, &w.seq);
    if (have < 0) {
        return have;
    }
    struct iotl_delta_config cfg = {&old_area, &crypto, sink, &w, checkpoint, &w, work, sizeof(work),
                                    (uint32_t)patch.patch_len};
    iotl_delta_t d;
    uint32_t from = 0;
    int ret;
    if (have) {
        ret = iotl_delta_resume(&d, &cfg, patch.patch, &cp, &slot);
        w.pos = cp.new_offset;
        from = cp.patch_offset;
    } else {
        ret = iotl_delta_init(&d, &cfg);
    }
    while (ret == 0 && from < patch.patch_len) {
        size_t c = IOTL_MIN((size_t)700, patch.patch_len - from);
        ret = iotl_delta_write(&d, patch.patch + from, c);
        from += (uint32_t)c;
    }
    if (ret == 0) {
        ret = iotl_delta_finish(&d);
    }
    iotl_delta_deinit(&d);
    return ret;
}

static void fresh_device(uint32_t seed)
{
    iotl_emu_power_reset(&power, seed);
    memset(mem_old, EV, sizeof(mem_old));
    memcpy(mem_old, old_img, OLD_LEN);
    memset(mem_slot, 0xA5, sizeof(mem_slot)); /* an old, not erased, slot */
    memset(mem_jrnl, EV, 2 * ERASE);
}

static void check_result(uint32_t n)
{
    ck_assert_msg(memcmp(mem_slot, new_img, new_len) == 0, "cut %u: slot differs", n);
    ck_assert_msg(memcmp(mem_old, old_img, OLD_LEN) == 0, "cut %u: old image modified", n);
    ck_assert_uint_eq(e_old.writes + e_old.erases, 0);
}

static const struct {
    uint32_t erase, align;
    uint8_t ev;
} geos[] = {
    {4096u, 8u, 0xFF},   /* erase block = checkpoint interval */
    {16384u, 16u, 0x00}, /* erase block 4x the interval, erased value 0x00 */
};

/* Run the whole cut-at-every-operation loop on geometry gi; returns the cuts. */
static uint32_t run_geometry(size_t gi)
{
    ERASE = geos[gi].erase;
    ALIGN = geos[gi].align;
    EV = geos[gi].ev;
    struct iotl_storage_geometry g = {AREA, ERASE, ALIGN, EV};
    struct iotl_storage_geometry gj = {2 * ERASE, ERASE, ALIGN, EV};
    ck_assert_int_eq(iotl_ram_flash_init(&rf_old, &ram_old, mem_old, &g, false), 0);
    ck_assert_int_eq(iotl_ram_flash_init(&rf_slot, &ram_slot, mem_slot, &g, false), 0);
    ck_assert_int_eq(iotl_ram_flash_init(&rf_jrnl, &ram_jrnl, mem_jrnl, &gj, false), 0);
    ck_assert_int_eq(iotl_emu_flash_init(&e_old, &old_area, &ram_old, &power), 0);
    ck_assert_int_eq(iotl_emu_flash_init(&e_slot, &slot, &ram_slot, &power), 0);
    ck_assert_int_eq(iotl_emu_flash_init(&e_jrnl, &jrnl, &ram_jrnl, &power), 0);
    iotl_mbedtls_crypto_init(&crypto);

    /* A firmware-like pair: ~72 KiB, relocated pointers, inserted and moved code. */
    dt_firmware(old_img, OLD_LEN, 2024);
    new_len = dt_edit(old_img, OLD_LEN, new_img, AREA - ERASE, 2025);
    struct iotl_delta_enc_opts o = {12, INTERVAL, 9};
    ck_assert_int_eq(iotl_delta_encode(old_img, OLD_LEN, new_img, new_len, &o, &patch), 0);

    /* Count the operations of an uninterrupted apply. */
    fresh_device(1);
    ck_assert_int_eq(run_update(), 0);
    check_result(0);
    uint32_t total = power.ops;
    ck_assert_uint_gt(total, 50);

    uint32_t cuts = 0, resumed = 0;
    for (uint32_t n = 1; n <= total; n++) {
        fresh_device(n * 2654435761u);
        e_old.writes = e_old.erases = 0;
        iotl_emu_power_cut_at(&power, n, IOTL_EMU_TEAR_RANDOM);
        int ret = run_update();
        ck_assert_msg(ret == IOTL_ERR_POWER_LOSS, "cut %u: first boot returned %s", n, iotl_strerror_name(ret));
        ck_assert_uint_eq(power.cuts, 1);
        iotl_emu_power_on(&power);
        struct iotl_delta_checkpoint cp;
        uint32_t seq;
        if (jrnl_read(&cp, &seq) == 1) {
            resumed++;
        }
        ret = run_update(); /* reboot: resume from the journal */
        ck_assert_msg(ret == 0, "cut %u: resume returned %s", n, iotl_strerror_name(ret));
        check_result(n);
        cuts++;
    }
    printf("test_delta_powercut: geometry erase %u / write %u / erased 0x%02X: new image %zu bytes, patch %zu "
           "bytes, %u ops per apply, %u cuts resumed from a checkpoint\n",
           ERASE, ALIGN, EV, new_len, patch.patch_len, total, resumed);
    iotl_delta_enc_free(&patch);
    return cuts;
}

START_TEST(cut_at_every_operation)
{
    uint32_t cuts = 0;
    for (size_t gi = 0; gi < IOTL_ARRAY_LEN(geos); gi++) {
        cuts += run_geometry(gi);
    }
    printf("cut points: %u\n", cuts);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("delta_powercut");
    TCase *tc = tcase_create("powercut");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cut_at_every_operation);
    suite_add_tcase(s, tc);
    return s;
}
