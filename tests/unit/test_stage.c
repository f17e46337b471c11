/* SPDX-License-Identifier: Apache-2.0 */
/* Staging lifecycle, journal and boot selector: behaviour, resume, multiple
 * components, wear figures, and every documented error. */
#include "unit/iotl_test.h"
#include "unit/stage_fixture.h"

static struct iotl_update_desc D;

static void dev(int geo)
{
    fx_make_images();
    fx_setup(&fx_geos[geo], 1);
    memset(&fx_exp, 0, sizeof(fx_exp));
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
}

static int boot_now(struct iotl_boot_result *r)
{
    struct iotl_boot_config bc = {&fx.area[2], {&fx.area[0], &fx.area[1]}, NULL};
    return iotl_boot_select(&fx.boot, &bc, r);
}

static void reboot_into(int expect_slot, int expect_trial)
{
    struct iotl_boot_result r;
    ck_assert_int_eq(boot_now(&r), 0);
    ck_assert_int_eq(r.slot, expect_slot);
    ck_assert_int_eq(r.trial, expect_trial);
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
}

/* Write a payload from offset `from` in chunks. */
static int send(const uint8_t *p, uint32_t from, uint32_t size)
{
    for (uint32_t off = from; off < size;) {
        uint32_t n = size - off < 777u ? size - off : 777u;
        int ret = iotl_stage_write(&fx.stage, 0, off, p + off, n);
        if (ret != 0) {
            return ret;
        }
        off += n;
    }
    return 0;
}

static void outcome_is(uint8_t kind, int32_t code)
{
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_uint_eq(o.kind, kind);
    ck_assert_int_eq(o.code, code);
}

START_TEST(install_confirm_happy_path)
{
    dev(0);
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), IOTL_ERR_NOT_FOUND);
    fx_desc(&D, 0);
    D.keyring_version = 5;
    D.latest_time = 1700000000;
    uint8_t comp = 9;
    uint32_t off = 9;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, &comp, &off), 0);
    ck_assert_uint_eq(comp, 0);
    ck_assert_uint_eq(off, 0);
    struct iotl_floors f;
    ck_assert_int_eq(iotl_stage_get_floors(&fx.stage, &f), 0);
    ck_assert_uint_eq(f.manifest_seq, 7);
    ck_assert_uint_eq(f.deployment_seq, 3);
    ck_assert_uint_eq(f.keyring_version, 5);
    ck_assert_int_eq(f.latest_time, 1700000000);
    ck_assert_uint_eq(f.security_version, 0);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0); /* idempotent */
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    outcome_is(IOTL_OUTCOME_INSTALLED, 0);
    reboot_into(1, 1);
    ck_assert_int_eq(iotl_stage_get_floors(&fx.stage, &f), 0);
    ck_assert_uint_eq(f.security_version, 0); /* never raised on a trial boot */
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_get_floors(&fx.stage, &f), 0);
    ck_assert_uint_eq(f.security_version, 2);
    outcome_is(IOTL_OUTCOME_CONFIRMED, 0);
    reboot_into(1, 0);
    ck_assert(memcmp(fx.mem[1], fx_new, FX_NEW_SIZE) == 0);
    /* Acknowledge: wrong seq refused, then one write, then none. */
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_uint_eq(o.acked, 0);
    ck_assert_str_eq(o.version, "2.0.0");
    ck_assert_int_eq(iotl_stage_outcome_ack(&fx.stage, o.seq + 1), IOTL_ERR_NOT_FOUND);
    uint32_t w0 = fx.emu[2].writes;
    ck_assert_int_eq(iotl_stage_outcome_ack(&fx.stage, o.seq), 0);
    ck_assert_uint_eq(fx.emu[2].writes, w0 + 1);
    ck_assert_int_eq(iotl_stage_outcome_ack(&fx.stage, o.seq), 0);
    ck_assert_uint_eq(fx.emu[2].writes, w0 + 1);
    reboot_into(1, 0);
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_uint_eq(o.acked, 1);
}
END_TEST

/* Cut power in the middle of the download; the next begin resumes at a
 * durable offset (not 0) and the install completes. */
static void resume_case(int geo, int deflate)
{
    dev(geo);
    fx_desc(&D, deflate);
    const uint8_t *pl = deflate ? fx_deflate : fx_new;
    uint32_t size = D.component[0].payload_size;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    /* Send 3/4 of the payload, then power fails on the next operation. */
    ck_assert_int_eq(send(pl, 0, size * 3 / 4), 0);
    iotl_emu_power_cut_at(&fx.power, 1, IOTL_EMU_TEAR_RANDOM);
    int ret = send(pl, size * 3 / 4, size);
    ck_assert_int_eq(ret, IOTL_ERR_POWER_LOSS);
    iotl_emu_power_on(&fx.power);
    reboot_into(0, 0);
    struct iotl_stage_status st;
    ck_assert_int_eq(iotl_stage_status(&fx.stage, &st), 0);
    ck_assert_uint_eq(st.phase, IOTL_PHASE_DOWNLOADING);
    uint8_t comp;
    uint32_t off;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, &comp, &off), 0);
    ck_assert_uint_eq(comp, 0);
    ck_assert_uint_gt(off, 0);
    ck_assert_uint_le(off, size * 3 / 4);
    ck_assert_uint_eq(st.next_offset, off);
    /* Re-sent overlapping bytes are harmless. */
    ck_assert_int_eq(send(pl, off > 100 ? off - 100 : 0, size), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    reboot_into(1, 1);
    ck_assert(memcmp(fx.mem[1], fx_new, FX_NEW_SIZE) == 0);
}

/* A reset after the last byte was written (STAGED) but before activation:
 * begin() with the same release says nothing is left to send (the payload
 * size, as documented), and finish/activate complete the install. */
START_TEST(begin_after_fully_staged_reports_payload_size)
{
    dev(0);
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
    reboot_into(0, 0);
    struct iotl_stage_status st;
    ck_assert_int_eq(iotl_stage_status(&fx.stage, &st), 0);
    ck_assert_uint_eq(st.phase, IOTL_PHASE_STAGED);
    uint8_t comp = 9;
    uint32_t off = 0;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, &comp, &off), 0);
    ck_assert_uint_eq(comp, D.component_count);
    ck_assert_uint_eq(off, D.component[0].payload_size);
    ck_assert_uint_eq(off, FX_NEW_SIZE);
    /* the same for a deflate payload: its download size, not the image size */
    dev(0);
    fx_desc(&D, 1);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_deflate, 0, D.component[0].payload_size), 0);
    reboot_into(0, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, &comp, &off), 0);
    ck_assert_uint_eq(off, D.component[0].payload_size);
    ck_assert_uint_ne(off, D.component[0].image_size);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    reboot_into(1, 1);
    ck_assert(memcmp(fx.mem[1], fx_new, FX_NEW_SIZE) == 0);
}
END_TEST

START_TEST(resume_full_download) { resume_case(0, 0); }
END_TEST
START_TEST(resume_full_download_align8_erased0) { resume_case(2, 0); }
END_TEST
START_TEST(resume_deflate_from_restart_point) { resume_case(0, 1); }
END_TEST

/* What is on flash is re-read on resume, not trusted: a corrupted prefix
 * fails the update instead of being vouched for by a saved hash. */
START_TEST(resume_rehashes_flash_prefix)
{
    dev(0);
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, 20000), 0);
    reboot_into(0, 0);
    fx.mem[1][100] ^= 0x01; /* bit rot or tampering in the written prefix */
    uint32_t off;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, &off), 0);
    ck_assert_uint_gt(off, 100);
    ck_assert_int_eq(send(fx_new, off, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_HASH_MISMATCH);
    outcome_is(IOTL_OUTCOME_FAILED, IOTL_ERR_HASH_MISMATCH);
    reboot_into(0, 0);
}
END_TEST

START_TEST(err_hash_mismatch)
{
    dev(0);
    fx_desc(&D, 0);
    D.component[0].image_sha256[5] ^= 0x80;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_HASH_MISMATCH);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), IOTL_ERR_NO_UPDATE);
    outcome_is(IOTL_OUTCOME_FAILED, IOTL_ERR_HASH_MISMATCH);
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_int_eq(o.component_code[0], IOTL_ERR_HASH_MISMATCH);
    reboot_into(0, 0);
    ck_assert(memcmp(fx.mem[0], fx_old, FX_OLD_SIZE) == 0);
    /* A failed update does not block a correct one. */
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
}
END_TEST

START_TEST(err_hash_mismatch_deflate)
{
    dev(0);
    fx_desc(&D, 1);
    D.component[0].image_sha256[0] ^= 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_deflate, 0, fx_deflate_len), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_HASH_MISMATCH);
}
END_TEST

START_TEST(err_size_mismatch)
{
    dev(0);
    /* Payload longer than declared. */
    fx_desc(&D, 0);
    D.component[0].payload_size = D.component[0].image_size = FX_NEW_SIZE - 10;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), IOTL_ERR_SIZE_MISMATCH);
    ck_assert_int_eq(iotl_stage_write(&fx.stage, 0, 0, fx_new, 1), IOTL_ERR_SIZE_MISMATCH); /* sticky */
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_SIZE_MISMATCH);
    outcome_is(IOTL_OUTCOME_FAILED, IOTL_ERR_SIZE_MISMATCH);
    /* Stream ends early. */
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE - 1), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_SIZE_MISMATCH);
    /* Full payload whose sizes disagree. */
    fx_desc(&D, 0);
    D.component[0].payload_size++;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_SIZE_MISMATCH);
    /* Deflate stream that inflates to more than image_size. */
    fx_desc(&D, 1);
    D.component[0].image_size -= 1000;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_deflate, 0, fx_deflate_len), IOTL_ERR_SIZE_MISMATCH);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_SIZE_MISMATCH);
    /* Deflate stream that ends before image_size. */
    fx_desc(&D, 1);
    D.component[0].image_size += 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_deflate, 0, fx_deflate_len), IOTL_ERR_SIZE_MISMATCH);
}
END_TEST

START_TEST(err_corrupt_deflate)
{
    dev(0);
    fx_desc(&D, 1);
    static uint8_t bad[FX_NEW_SIZE + 4096];
    memcpy(bad, fx_deflate, fx_deflate_len);
    memset(bad + 10, 0xEE, 64); /* garbage where the first block's codes are */
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    int ret = send(bad, 0, fx_deflate_len);
    ck_assert(ret == IOTL_ERR_CORRUPT || ret == IOTL_ERR_SIZE_MISMATCH);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), ret);
    outcome_is(IOTL_OUTCOME_FAILED, ret);
}
END_TEST

START_TEST(err_no_space_unsupported_invalid)
{
    dev(0);
    fx_desc(&D, 0);
    D.component[0].payload_size = D.component[0].image_size = fx.geo.slot + 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_NO_SPACE);
    fx_desc(&D, 0);
    D.component[0].kind = IOTL_PAYLOAD_DELTA;
    strcpy(D.component[0].id, "modem"); /* delta needs the running image as base: main only */
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_UNSUPPORTED);
    D.component[0].kind = 77;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_UNSUPPORTED);
    fx_desc(&D, 0);
    D.component_count = 0;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_INVALID_ARG);
    D.component_count = IOTL_STAGE_MAX_COMPONENTS + 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_INVALID_ARG);
    fx_desc(&D, 0);
    D.component_count = 2;
    D.component[1] = D.component[0]; /* duplicate id */
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_INVALID_ARG);
    fx_desc(&D, 0);
    strcpy(D.component[0].id, "modem"); /* no handler registered */
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_HANDLER);
    /* Nothing was recorded by refused begins. */
    struct iotl_stage_status st;
    ck_assert_int_eq(iotl_stage_status(&fx.stage, &st), 0);
    ck_assert_uint_eq(st.phase, IOTL_PHASE_IDLE);
    ck_assert_int_eq(iotl_stage_write(&fx.stage, 0, 0, fx_new, 10), IOTL_ERR_NO_UPDATE);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_NO_UPDATE);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), IOTL_ERR_NO_UPDATE);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), IOTL_ERR_NO_UPDATE);
    ck_assert_int_eq(iotl_stage_reject(&fx.stage, 1), IOTL_ERR_NO_UPDATE);
    ck_assert_int_eq(iotl_stage_abort(&fx.stage, 1), IOTL_ERR_NO_UPDATE);
}
END_TEST

START_TEST(err_workbuf_too_small)
{
    dev(0);
    fx.cfg.work_buf_len = IOTL_STAGE_WORKBUF_MIN - 1;
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), IOTL_ERR_NO_MEM);
    fx.cfg.work_buf_len = IOTL_STAGE_WORKBUF_MIN; /* enough for full payloads only */
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    fx_desc(&D, 1);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_NO_MEM);
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
}
END_TEST

START_TEST(err_slot_geometry)
{
    static uint8_t m[3][8192];
    iotl_ram_flash_t r[3];
    struct iotl_storage a[3];
    struct iotl_stage_config c;
    iotl_stage_t s;
    struct iotl_crypto cr;
    ck_assert_int_eq(iotl_mbedtls_crypto_init(&cr), 0);
    static uint8_t work[IOTL_STAGE_WORKBUF_MIN];
    struct {
        struct iotl_storage_geometry slot, state;
    } bad[] = {
        {{8192, 4096, 1, 0xFF}, {4096, 4096, 1, 0xFF}},  /* state area: one block */
        {{8192, 4096, 1, 0xFF}, {8192, 512, 1, 0xFF}},   /* state block smaller than a record */
        {{8192, 4096, 512, 0xFF}, {8192, 4096, 1, 0xFF}}, /* slot write_align above the maximum */
        {{8192, 4096, 1, 0xFF}, {8192, 4096, 512, 0xFF}}, /* state write_align above the maximum */
        {{8192, 3000, 1, 0xFF}, {8192, 4096, 1, 0xFF}},  /* erase size not a power of two */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* The RAM port refuses some of these: set it up sane, then force the geometry under test. */
        const struct iotl_storage_geometry good = {8192, 4096, 1, 0xFF};
        for (int k = 0; k < 3; k++) {
            ck_assert_int_eq(iotl_ram_flash_init(&r[k], &a[k], m[k], &good, false), 0);
            a[k].geo = k < 2 ? bad[i].slot : bad[i].state;
        }
        memset(&c, 0, sizeof(c));
        c.slot[0] = &a[0];
        c.slot[1] = &a[1];
        c.state = &a[2];
        c.crypto = &cr;
        c.work_buf = work;
        c.work_buf_len = sizeof(work);
        ck_assert_msg(iotl_stage_init(&s, &c) == IOTL_ERR_SLOT_GEOMETRY, "case %zu", i);
    }
    /* A missing area is an unsuitable one; missing crypto is a bad argument. */
    const struct iotl_storage_geometry good = {8192, 4096, 1, 0xFF};
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(iotl_ram_flash_init(&r[k], &a[k], m[k], &good, true), 0);
    }
    for (int k = 0; k < 5; k++) {
        memset(&c, 0, sizeof(c));
        c.slot[0] = k == 0 ? NULL : &a[0];
        c.slot[1] = k == 1 ? NULL : &a[1];
        c.state = k == 2 ? NULL : &a[2];
        struct iotl_crypto no_ops = {NULL, NULL};
        c.crypto = k == 3 ? NULL : k == 4 ? &no_ops : &cr;
        c.work_buf = work;
        c.work_buf_len = sizeof(work);
        ck_assert_msg(iotl_stage_init(&s, &c) == (k < 3 ? IOTL_ERR_SLOT_GEOMETRY : IOTL_ERR_INVALID_ARG), "null %d", k);
    }
    c.crypto = &cr;
    ck_assert_int_eq(iotl_stage_init(&s, &c), 0); /* the same areas, all given */
    iotl_stage_deinit(&s);
}
END_TEST

START_TEST(err_trial_pending_and_state)
{
    dev(0);
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    /* Another release while one is in flight. */
    struct iotl_update_desc other;
    fx_desc(&other, 1);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &other, NULL, NULL), IOTL_ERR_STATE);
    /* Same manifest, different contents. */
    other = D;
    other.component[0].image_sha256[0] ^= 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &other, NULL, NULL), IOTL_ERR_INVALID_ARG);
    ck_assert_int_eq(iotl_stage_write(&fx.stage, 1, 0, fx_new, 1), IOTL_ERR_INVALID_ARG);
    ck_assert_int_eq(iotl_stage_write(&fx.stage, 0, 5, fx_new, 1), IOTL_ERR_INVALID_ARG); /* gap */
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), IOTL_ERR_STATE); /* never booted */
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &other, NULL, NULL), IOTL_ERR_TRIAL_PENDING);
    ck_assert_int_eq(iotl_stage_abort(&fx.stage, 1), IOTL_ERR_TRIAL_PENDING);
    reboot_into(1, 1);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &other, NULL, NULL), IOTL_ERR_TRIAL_PENDING);
    /* The old image (e.g. booted because a decrement could not be written) cannot confirm. */
    fx.cfg.running_slot = 1;
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), IOTL_ERR_STATE);
    fx.cfg.running_slot = 2;
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
}
END_TEST

/* Idle-time erase of the inactive slot: progress in pieces, recorded in the
 * journal, used once by the next install (no erase of slot B during it), and
 * refused while an update or a trial is pending. */
START_TEST(prepare_erases_ahead_and_is_spent_by_begin)
{
    dev(0);
    const uint32_t es = fx.area[1].geo.erase_size, size = fx.area[1].geo.size;
    uint32_t e = 1;
    ck_assert_int_eq(iotl_stage_prepare(&fx.stage, 0, &e), 0); /* forgets the old image, erases nothing */
    ck_assert_uint_eq(e, 0);
    ck_assert_uint_eq(fx.emu[1].erases, 0);
    ck_assert_int_eq(iotl_stage_prepare(&fx.stage, es + 1, &e), 0); /* rounded up to blocks */
    ck_assert_uint_eq(e, 2 * es);
    reboot_into(0, 0); /* durable */
    const struct iotl_journal_state *st = iotl_journal_state(&fx.stage.j);
    ck_assert_uint_eq(st->slot[1].valid, IOTL_SLOT_ERASED);
    ck_assert_uint_eq(st->slot[1].size, 2 * es);
    while (e < size) {
        ck_assert_int_eq(iotl_stage_prepare(&fx.stage, 5 * es, &e), 0);
    }
    ck_assert_uint_eq(e, size);
    ck_assert_int_eq(iotl_stage_prepare(&fx.stage, es, &e), 0); /* nothing left */
    ck_assert_uint_eq(e, size);
    for (uint32_t i = 0; i < size; i++) {
        ck_assert_uint_eq(fx.mem[1][i], fx.geo.ev);
    }
    /* The install programs slot B without erasing it; begin spends the record. */
    uint32_t erases = fx.emu[1].erases;
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_uint_eq(iotl_journal_state(&fx.stage.j)->slot[1].valid, 0);
    ck_assert_int_eq(iotl_stage_prepare(&fx.stage, es, &e), IOTL_ERR_STATE);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_uint_eq(fx.emu[1].erases, erases);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_prepare(&fx.stage, es, &e), IOTL_ERR_TRIAL_PENDING);
    reboot_into(1, 1);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
    /* Slot A now holds the previous image: a later install erases as usual
     * unless prepared again (the record was used once). */
    ck_assert_int_eq(iotl_stage_prepare(&fx.stage, 0, &e), 0);
    ck_assert_uint_eq(e, 0);
}
END_TEST

/* An abandoned install leaves no erased record behind: its blocks hold data. */
START_TEST(prepare_record_not_reused_after_abort)
{
    dev(0);
    uint32_t e = 0;
    ck_assert_int_eq(iotl_stage_prepare(&fx.stage, fx.area[1].geo.size, &e), 0);
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, 5000), 0);
    ck_assert_int_eq(iotl_stage_abort(&fx.stage, IOTL_ERR_DECLINED), 0);
    reboot_into(0, 0);
    ck_assert_uint_ne(iotl_journal_state(&fx.stage.j)->slot[1].valid, IOTL_SLOT_ERASED);
    /* A new install erases what the abandoned one wrote (the emulated flash
     * refuses writes over data, so skipping the erase would fail here). */
    struct iotl_update_desc other;
    fx_desc(&other, 1);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &other, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_payload(&other), 0, other.component[0].payload_size), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
}
END_TEST

START_TEST(abort_records_failed_outcome)
{
    dev(0);
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, 5000), 0);
    ck_assert_int_eq(iotl_stage_abort(&fx.stage, IOTL_ERR_DECLINED), 0);
    outcome_is(IOTL_OUTCOME_FAILED, IOTL_ERR_DECLINED);
    reboot_into(0, 0);
    outcome_is(IOTL_OUTCOME_FAILED, IOTL_ERR_DECLINED);
    struct iotl_update_desc other;
    fx_desc(&other, 1);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &other, NULL, NULL), 0);
}
END_TEST

static void install_trial(void)
{
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
}

START_TEST(reject_then_rolled_back_refused_until_newer_deployment)
{
    dev(0);
    install_trial();
    reboot_into(1, 1);
    ck_assert_int_eq(iotl_stage_reject(&fx.stage, 1234), 0);
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_uint_eq(o.kind, IOTL_OUTCOME_ROLLED_BACK);
    ck_assert_uint_eq(o.reason, IOTL_ROLLBACK_REJECTED);
    ck_assert_int_eq(o.code, 1234);
    reboot_into(0, 0); /* the OLD image runs and can report */
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_uint_eq(o.reason, IOTL_ROLLBACK_REJECTED);
    ck_assert(memcmp(o.manifest_sha256, D.manifest_sha256, 32) == 0);
    struct iotl_floors f;
    ck_assert_int_eq(iotl_stage_get_floors(&fx.stage, &f), 0);
    ck_assert_uint_eq(f.security_version, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_ROLLED_BACK);
    D.deployment_seq++;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
}
END_TEST

START_TEST(rollback_when_attempts_exhausted)
{
    dev(0);
    fx.cfg.boot_attempts = 2;
    install_trial();
    reboot_into(1, 1);
    reboot_into(1, 1);
    struct iotl_boot_result r;
    ck_assert_int_eq(boot_now(&r), 0);
    ck_assert_uint_eq(r.slot, 0);
    ck_assert_uint_eq(r.rolled_back, IOTL_ROLLBACK_ATTEMPTS_EXHAUSTED);
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_uint_eq(o.kind, IOTL_OUTCOME_ROLLED_BACK);
    ck_assert_uint_eq(o.reason, IOTL_ROLLBACK_ATTEMPTS_EXHAUSTED);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), IOTL_ERR_NO_UPDATE);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_ROLLED_BACK);
}
END_TEST

START_TEST(err_rollback_below_security_floor)
{
    dev(0);
    install_trial();
    reboot_into(1, 1);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
    fx_desc(&D, 1);
    D.security_version = 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_ROLLBACK);
    D.security_version = 2;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
}
END_TEST

START_TEST(raise_floors_never_lowers)
{
    dev(0);
    struct iotl_floors f = {9, 10, 11, 12, 13};
    ck_assert_int_eq(iotl_stage_raise_floors(&fx.stage, &f), 0);
    struct iotl_floors g = {0, 1, 1, 1, 1};
    uint32_t w = fx.emu[2].writes;
    ck_assert_int_eq(iotl_stage_raise_floors(&fx.stage, &g), 0);
    ck_assert_uint_eq(fx.emu[2].writes, w); /* nothing rose: no write */
    reboot_into(0, 0);
    ck_assert_int_eq(iotl_stage_get_floors(&fx.stage, &g), 0);
    ck_assert_uint_eq(g.security_version, 0); /* only confirm raises it */
    ck_assert_uint_eq(g.manifest_seq, 10);
    ck_assert_uint_eq(g.deployment_seq, 11);
    ck_assert_uint_eq(g.keyring_version, 12);
    ck_assert_int_eq(g.latest_time, 13);
}
END_TEST

/* ---- storage errors from the port --------------------------------------------- */

START_TEST(err_storage_bad_block_in_slot)
{
    dev(0);
    ck_assert_int_eq(iotl_emu_flash_mark_bad(&fx.emu[1], 8192), 0);
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), IOTL_ERR_STORAGE_BAD_BLOCK);
    /* The download is still resumable (e.g. after the block recovers)... */
    fx.emu[1].bad_blocks[0] = 0;
    uint32_t off;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, &off), 0);
    ck_assert_int_eq(send(fx_new, off, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    /* ...and the confirmed image was never touched. */
    ck_assert(memcmp(fx.mem[0], fx_old, FX_OLD_SIZE) == 0);
}
END_TEST

static int g_fail_read, g_fail_write;
static int failing_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    if (g_fail_read) {
        return IOTL_ERR_PORT(7);
    }
    return iotl_emu_storage_ops.read(ctx, off, buf, len);
}
static int failing_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    if (g_fail_write) {
        return IOTL_ERR_IO;
    }
    return iotl_emu_storage_ops.write(ctx, off, buf, len);
}
static int failing_erase(void *ctx, uint32_t off, size_t len)
{
    return iotl_emu_storage_ops.erase(ctx, off, len);
}
static const struct iotl_storage_ops failing_ops = {failing_read, failing_write, failing_erase, NULL};

START_TEST(err_storage_state_area_port_errors)
{
    dev(0);
    fx.area[2].ops = &failing_ops;
    g_fail_read = 1;
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), IOTL_ERR_PORT(7)); /* port detail kept */
    struct iotl_boot_result r;
    ck_assert_int_eq(boot_now(&r), IOTL_ERR_PORT(7));
    g_fail_read = 0;
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    g_fail_write = 1;
    fx_desc(&D, 0);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_IO);
    g_fail_write = 0;
    /* The journal still holds the state before the failed commit. */
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    struct iotl_stage_status st;
    ck_assert_int_eq(iotl_stage_status(&fx.stage, &st), 0);
    ck_assert_uint_eq(st.phase, IOTL_PHASE_IDLE);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    /* A failed boot decrement must not boot the trial. */
    ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    g_fail_write = 1;
    ck_assert_int_eq(boot_now(&r), 0);
    ck_assert_uint_eq(r.slot, 0);
    ck_assert_uint_eq(r.trial, 0);
    g_fail_write = 0;
    ck_assert_int_eq(boot_now(&r), 0);
    ck_assert_uint_eq(r.slot, 1);
    ck_assert_uint_eq(r.trial, 1);
}
END_TEST

/* ---- journal format ----------------------------------------------------------- */

START_TEST(journal_erased_zero_never_parses_and_falls_back)
{
    dev(2); /* erased value 0x00 */
    iotl_journal_t *j = &fx.boot.j;
    /* An erased (all 0x00) area has no record. */
    memset(fx.mem[2], 0x00, fx.geo.state);
    ck_assert_int_eq(iotl_journal_mount(j, &fx.area[2]), IOTL_ERR_NOT_FOUND);
    memset(fx.mem[2], 0xFF, fx.geo.state);
    ck_assert_int_eq(iotl_journal_mount(j, &fx.area[2]), IOTL_ERR_NOT_FOUND);
    memset(fx.mem[2], 0x00, fx.geo.state);
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    struct iotl_floors f = {0, 1, 0, 0, 0};
    ck_assert_int_eq(iotl_stage_raise_floors(&fx.stage, &f), 0);
    f.manifest_seq = 2;
    ck_assert_int_eq(iotl_stage_raise_floors(&fx.stage, &f), 0);
    uint32_t pos = fx.stage.j.pos; /* end of the newest record in its block */
    ck_assert_int_eq(iotl_journal_mount(j, &fx.area[2]), 0);
    ck_assert_uint_eq(iotl_journal_state(j)->floors.manifest_seq, 2);
    /* Damage the newest record: the previous one is used. */
    fx.mem[2][fx.stage.j.block * fx.geo.erase + pos - 20] ^= 0x10;
    ck_assert_int_eq(iotl_journal_mount(j, &fx.area[2]), 0);
    ck_assert_uint_eq(iotl_journal_state(j)->floors.manifest_seq, 1);
    /* The next commit does not append after the damaged record. */
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    f.manifest_seq = 3;
    ck_assert_int_eq(iotl_stage_raise_floors(&fx.stage, &f), 0);
    ck_assert_int_eq(iotl_journal_mount(j, &fx.area[2]), 0);
    ck_assert_uint_eq(iotl_journal_state(j)->floors.manifest_seq, 3);
}
END_TEST

START_TEST(journal_skips_unknown_version)
{
    dev(0);
    struct iotl_floors f = {0, 5, 0, 0, 0};
    ck_assert_int_eq(iotl_stage_raise_floors(&fx.stage, &f), 0);
    /* Forge a newer-version record after it: valid CRC, version 2. */
    iotl_journal_t *j = &fx.stage.j;
    uint32_t base = j->block * fx.geo.erase + j->pos;
    uint8_t rec[64];
    memset(rec, 0, sizeof(rec));
    rec[0] = 'I';
    rec[1] = 'O';
    rec[2] = 'T';
    rec[3] = 'J';
    rec[4] = 9;
    rec[5] = 1;
    rec[6] = sizeof(rec);
    uint32_t seq = j->seq + 1;
    memcpy(rec + 8, &seq, 4);
    uLong crc = crc32(0, rec, sizeof(rec) - 4);
    for (int i = 0; i < 4; i++) {
        rec[60 + i] = (uint8_t)(crc >> (8 * i));
    }
    memcpy(fx.mem[2] + base, rec, sizeof(rec));
    ck_assert_int_eq(iotl_journal_mount(&fx.boot.j, &fx.area[2]), 0);
    ck_assert_uint_eq(iotl_journal_state(&fx.boot.j)->floors.manifest_seq, 5);
}
END_TEST


/* The worst-case record (every component, every rolled-back entry, longest
 * strings) encodes, fits IOTL_JOURNAL_RECORD_MAX exactly and reads back. */
START_TEST(journal_worst_case_record_fits)
{
    dev(0);
    struct iotl_journal_state *st = iotl_journal_state(&fx.stage.j);
    st->phase = IOTL_PHASE_DOWNLOADING;
    st->desc.component_count = IOTL_STAGE_MAX_COMPONENTS;
    memset(st->desc.version, 'v', sizeof(st->desc.version) - 1);
    for (int i = 0; i < IOTL_STAGE_MAX_COMPONENTS; i++) {
        memset(st->desc.component[i].id, 'a' + i, sizeof(st->desc.component[i].id) - 1);
        st->prog[i].ck_image_off = 4096u * (uint32_t)i;
    }
    st->rolled_back_count = IOTL_STAGE_ROLLED_BACK_MAX;
    st->dec_len = IOTL_JOURNAL_DEC_STATE_MAX;
    memset(st->dec, 0x5C, sizeof(st->dec));
    uint32_t pos0 = fx.stage.j.pos;
    uint32_t blk0 = fx.stage.j.block;
    ck_assert_int_eq(iotl_journal_commit(&fx.stage.j), 0);
    uint32_t used = fx.stage.j.block == blk0 ? fx.stage.j.pos - pos0 : fx.stage.j.pos;
    ck_assert_uint_eq(used, IOTL_JOURNAL_RECORD_MAX); /* write_align 1: no padding */
    ck_assert_int_eq(iotl_journal_mount(&fx.boot.j, &fx.area[2]), 0);
    const struct iotl_journal_state *rd = iotl_journal_state(&fx.boot.j);
    ck_assert_uint_eq(rd->desc.component_count, IOTL_STAGE_MAX_COMPONENTS);
    ck_assert_uint_eq(rd->prog[IOTL_STAGE_MAX_COMPONENTS - 1].ck_image_off,
                      4096u * (IOTL_STAGE_MAX_COMPONENTS - 1));
    ck_assert_uint_eq(strlen(rd->desc.component[3].id), IOTL_STAGE_ID_MAX - 1);
    ck_assert_uint_eq(rd->dec_len, IOTL_JOURNAL_DEC_STATE_MAX);
    ck_assert_uint_eq(rd->dec[IOTL_JOURNAL_DEC_STATE_MAX - 1], 0x5C);
    printf("sizes: record max %u B, idle record 459 B, state %zu B, iotl_stage_t %zu B, iotl_boot_t %zu B, "
           "work buffer %u B (full) / %u B (deflate) / %u B (delta)\n",
           (unsigned)IOTL_JOURNAL_RECORD_MAX, sizeof(struct iotl_journal_state), sizeof(iotl_stage_t), sizeof(iotl_boot_t),
           (unsigned)IOTL_STAGE_WORKBUF_MIN, (unsigned)IOTL_STAGE_WORKBUF_DEFLATE,
           (unsigned)IOTL_STAGE_WORKBUF_DELTA);
}
END_TEST

START_TEST(journal_undecodable_is_not_a_new_device)
{
    dev(0);
    /* An intact record of an unknown version only: refused, nothing written. */
    iotl_journal_t *j = &fx.stage.j;
    memset(fx.mem[2], 0xFF, fx.geo.state);
    uint8_t rec[64];
    memset(rec, 0, sizeof(rec));
    memcpy(rec, "IOTJ", 4);
    rec[4] = 9;
    rec[5] = 1;
    rec[6] = sizeof(rec);
    rec[8] = 1;
    uLong crc = crc32(0, rec, sizeof(rec) - 4);
    for (int i = 0; i < 4; i++) {
        rec[60 + i] = (uint8_t)(crc >> (8 * i));
    }
    memcpy(fx.mem[2], rec, sizeof(rec));
    (void)j;
    uint32_t w = fx.emu[2].writes;
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), IOTL_ERR_JOURNAL);
    struct iotl_boot_result r;
    ck_assert_int_eq(boot_now(&r), IOTL_ERR_JOURNAL);
    ck_assert_uint_eq(fx.emu[2].writes, w);
}
END_TEST

/* ---- boot selector hash check --------------------------------------------------- */

START_TEST(boot_hash_check)
{
    dev(0);
    install_trial();
    struct iotl_boot_config bc = {&fx.area[2], {&fx.area[0], &fx.area[1]}, &fx.crypto};
    struct iotl_boot_result r;
    ck_assert_int_eq(iotl_boot_select(&fx.boot, &bc, &r), 0);
    ck_assert_uint_eq(r.slot, 1);
    ck_assert_uint_eq(r.trial, 1);
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
    ck_assert_int_eq(iotl_boot_select(&fx.boot, &bc, &r), 0);
    ck_assert_uint_eq(r.slot, 1);
    /* A damaged confirmed image is reported, not booted silently. */
    fx.mem[1][7] ^= 1;
    ck_assert_int_eq(iotl_boot_select(&fx.boot, &bc, &r), IOTL_ERR_NOT_BOOTABLE);
    fx.mem[1][7] ^= 1;
    /* A recorded image size beyond the slot is no image of it (the read that
     * reaches past the slot fails). */
    static iotl_journal_t jj;
    ck_assert_int_eq(iotl_journal_mount(&jj, &fx.area[2]), 0);
    uint32_t real_size = jj.st.slot[1].size;
    jj.st.slot[1].size = fx.area[1].geo.size + 1u;
    ck_assert_int_eq(iotl_journal_commit(&jj), 0);
    ck_assert_int_eq(iotl_boot_select(&fx.boot, &bc, &r), IOTL_ERR_NOT_BOOTABLE);
    jj.st.slot[1].size = real_size;
    ck_assert_int_eq(iotl_journal_commit(&jj), 0);
    ck_assert_int_eq(iotl_boot_select(&fx.boot, &bc, &r), 0);
    /* A damaged trial image is rolled back before it runs. */
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    struct iotl_update_desc d2;
    fx_desc(&d2, 1);
    memcpy(fx.mem[0], fx_new, 0); /* slot A becomes the target */
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &d2, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_deflate, 0, fx_deflate_len), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    fx.mem[0][1000] ^= 0x40;
    ck_assert_int_eq(iotl_boot_select(&fx.boot, &bc, &r), 0);
    ck_assert_uint_eq(r.slot, 1);
    ck_assert_uint_eq(r.trial, 0);
    ck_assert_uint_eq(r.rolled_back, IOTL_ROLLBACK_IMAGE_INVALID);
}
END_TEST


/* ---- delta payloads (the delta decoder behind the same seam) -------------------- */

START_TEST(delta_install_resume_confirm)
{
    dev(0);
    fx_desc(&D, 2);
    uint32_t size = D.component[0].payload_size;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_delta.patch, 0, size * 3 / 4), 0);
    iotl_emu_power_cut_at(&fx.power, 1, IOTL_EMU_TEAR_RANDOM);
    ck_assert_int_eq(send(fx_delta.patch, size * 3 / 4, size), IOTL_ERR_POWER_LOSS);
    iotl_emu_power_on(&fx.power);
    reboot_into(0, 0);
    ck_assert_uint_eq(iotl_journal_state(&fx.stage.j)->dec_len, IOTL_DELTA_HEADER_SIZE);
    uint32_t off;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, &off), 0);
    ck_assert_uint_gt(off, IOTL_DELTA_HEADER_SIZE); /* resumed at a segment, not from 0 */
    ck_assert_int_eq(send(fx_delta.patch, off, size), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    reboot_into(1, 1);
    ck_assert(memcmp(fx.mem[1], fx_new, FX_NEW_SIZE) == 0);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
}
END_TEST

/* A patch header that disagrees with the descriptor (image digest, image
 * size) is refused once its last byte arrives, before the decoder emits
 * anything: the target slot is not touched, whatever the write sizes. */
START_TEST(err_delta_header_before_output)
{
    static uint8_t slot_b[FX_STATE_MAX];
    static const uint32_t chunk[] = {1u, 95u, 96u, 97u, 4096u};
    for (size_t k = 0; k < 2u * (sizeof(chunk) / sizeof(chunk[0])); k++) {
        dev(0);
        fx_desc(&D, 2);
        if (k % 2u == 0u) {
            D.component[0].image_sha256[31] ^= 1;
        } else {
            D.component[0].image_size -= 1u;
        }
        memcpy(slot_b, fx.mem[1], fx.geo.slot);
        ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
        uint32_t n = chunk[k / 2u], off = 0, at = 0;
        int ret = 0;
        while (ret == 0 && off < D.component[0].payload_size) {
            uint32_t len = D.component[0].payload_size - off < n ? D.component[0].payload_size - off : n;
            at = off;
            ret = iotl_stage_write(&fx.stage, 0, off, fx_delta.patch + off, len);
            off += len;
        }
        ck_assert_msg(ret == IOTL_ERR_DELTA_BASE, "case %zu: %d", k, ret);
        /* refused by the write that completes the header */
        ck_assert_msg(at < IOTL_DELTA_HEADER_SIZE && off >= IOTL_DELTA_HEADER_SIZE, "case %zu: refused at %u", k,
                      (unsigned)at);
        ck_assert_msg(memcmp(slot_b, fx.mem[1], fx.geo.slot) == 0, "case %zu: slot written", k);
        ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_DELTA_BASE);
        outcome_is(IOTL_OUTCOME_FAILED, IOTL_ERR_DELTA_BASE);
    }
}
END_TEST

START_TEST(err_delta_base)
{
    dev(0);
    /* The descriptor names another base than the patch header: refused before any output. */
    fx_desc(&D, 2);
    D.component[0].base_sha256[0] ^= 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_delta.patch, 0, D.component[0].payload_size), IOTL_ERR_DELTA_BASE);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_DELTA_BASE);
    outcome_is(IOTL_OUTCOME_FAILED, IOTL_ERR_DELTA_BASE);
    /* The running image is not the patch's base: the decoder finds out. */
    fx.mem[0][5] ^= 1;
    fx_desc(&D, 2);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send(fx_delta.patch, 0, D.component[0].payload_size), IOTL_ERR_DELTA_BASE);
    fx.mem[0][5] ^= 1;
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_DELTA_BASE);
    /* Corrupt patch body: a delta decoder error, recorded. */
    static uint8_t bad[64 * 1024];
    ck_assert_uint_le(fx_delta.patch_len, sizeof(bad));
    memcpy(bad, fx_delta.patch, fx_delta.patch_len);
    memset(bad + 200, 0xA5, 64);
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    int ret = send(bad, 0, D.component[0].payload_size);
    ck_assert_int_le(ret, IOTL_ERR_DELTA_MAGIC);
    ck_assert_int_ge(ret, IOTL_ERR_DELTA_INSTR);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), ret);
    /* Once a known image is confirmed, a patch for another base is refused before download. */
    install_trial();
    reboot_into(1, 1);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
    fx_desc(&D, 2);
    D.security_version = 3;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), IOTL_ERR_DELTA_BASE);
}
END_TEST

/* Put a state-area dump from tests/data/stage into the emulated state area
 * (the rest erased); returns its length. */
static size_t load_state_fixture(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/data/stage/%s", IOTL_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    memset(fx.mem[2], 0xFF, fx.geo.state);
    size_t n = fread(fx.mem[2], 1, fx.geo.state, f);
    fclose(f);
    return n;
}

/* A version 2 record written by an earlier build (golden file) still decodes:
 * the on-flash layout did not move. */
START_TEST(journal_reads_fixture_v2)
{
    dev(0);
    ck_assert_uint_eq(load_state_fixture("journal_v2_trial.bin"), 562);
    ck_assert_uint_eq(fx.mem[2][4], 2);
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    const struct iotl_journal_state *st = iotl_journal_state(&fx.stage.j);
    ck_assert_uint_eq(st->floors.security_version, 3);
    ck_assert_uint_eq(st->floors.keyring_version, 13);
    ck_assert_int_eq(st->floors.latest_time, 1700000000);
    ck_assert_uint_eq(st->phase, IOTL_PHASE_TRIAL);
    ck_assert_uint_eq(st->trial_slot, 1);
    ck_assert_uint_eq(st->attempts_left, 2);
    ck_assert_str_eq(st->desc.version, "4.5.6");
    ck_assert_uint_eq(st->desc.component[0].kind, IOTL_PAYLOAD_DEFLATE);
    ck_assert_uint_eq(st->desc.component[0].image_size, 40000);
    ck_assert_uint_eq(st->dec_len, 0);
    ck_assert_uint_eq(st->rolled_back_count, 1);
    ck_assert_uint_eq(st->rolled_back[0].deployment_seq, 9);
    ck_assert_uint_eq(st->outcome.seq, 5);
    ck_assert_int_eq(iotl_stage_reject(&fx.stage, 7), 0);
    ck_assert_uint_eq(fx.mem[2][562 + 4], IOTL_JOURNAL_VERSION);
    reboot_into(0, 0);
    outcome_is(IOTL_OUTCOME_ROLLED_BACK, 7);
}
END_TEST

/* Journal format version 1 (before the decoder-state field) was a
 * pre-release format: an intact v1 record is not read, and it is not taken
 * for a new device either (nothing is written over it). */
START_TEST(journal_refuses_format_v1)
{
    dev(0);
    ck_assert_uint_eq(load_state_fixture("journal_v1_trial.bin"), 561);
    ck_assert_uint_eq(fx.mem[2][4], 1);
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), IOTL_ERR_JOURNAL);
    struct iotl_boot_result res;
    ck_assert_int_eq(boot_now(&res), IOTL_ERR_JOURNAL);
    ck_assert_uint_eq(fx.mem[2][4], 1);
    ck_assert_uint_eq(fx.mem[2][561 + 4], 0xFF); /* nothing appended */
}
END_TEST

/* ---- multiple components ------------------------------------------------------- */

struct h_state {
    uint8_t buf[8192];
    uint32_t len;
    int begins, finishes, activates, aborts;
    int fail_write, fail_activate;
};
static struct h_state H[2];
static int staged_count;

static int h_begin(void *ctx, const struct iotl_update_component *c)
{
    struct h_state *h = ctx;
    h->begins++;
    h->len = 0;
    return c->image_size <= sizeof(h->buf) ? 0 : IOTL_ERR_NO_SPACE;
}
static int h_write(void *ctx, uint32_t off, const uint8_t *d, size_t n)
{
    struct h_state *h = ctx;
    if (h->fail_write || off != h->len) {
        return IOTL_ERR_PORT(3);
    }
    memcpy(h->buf + off, d, n);
    h->len += (uint32_t)n;
    return 0;
}
static int h_finish(void *ctx)
{
    ((struct h_state *)ctx)->finishes++;
    staged_count++;
    return 0;
}
static int h_activate(void *ctx)
{
    struct h_state *h = ctx;
    /* All components are staged and verified before any is activated. */
    ck_assert_int_eq(iotl_journal_state(&fx.stage.j)->phase, IOTL_PHASE_STAGED);
    if (h->fail_activate) {
        return IOTL_ERR_PORT(4);
    }
    h->activates++;
    return 0;
}
static void h_abort(void *ctx)
{
    ((struct h_state *)ctx)->aborts++;
}
static const struct iotl_stage_handler_ops h_ops = {h_begin, h_write, h_finish, h_activate, h_abort};

static uint8_t coproc_img[3000], modem_img[5000];

static void multi_setup(void)
{
    dev(0);
    memset(H, 0, sizeof(H));
    staged_count = 0;
    static struct iotl_stage_handler hs[2] = {{"coproc", &h_ops, &H[0]}, {"modem", &h_ops, &H[1]}};
    fx.cfg.handlers = hs;
    fx.cfg.handler_count = 2;
    for (size_t i = 0; i < sizeof(coproc_img); i++) {
        coproc_img[i] = (uint8_t)(i * 7);
    }
    for (size_t i = 0; i < sizeof(modem_img); i++) {
        modem_img[i] = (uint8_t)(i * 13 + 1);
    }
    fx_desc(&D, 0);
    D.component_count = 3;
    struct iotl_update_component *c = &D.component[1];
    strcpy(c->id, "coproc");
    c->kind = IOTL_PAYLOAD_FULL;
    c->payload_size = c->image_size = sizeof(coproc_img);
    fx_sha(coproc_img, sizeof(coproc_img), c->image_sha256);
    c = &D.component[2];
    strcpy(c->id, "modem");
    c->kind = IOTL_PAYLOAD_FULL;
    c->payload_size = c->image_size = sizeof(modem_img);
    fx_sha(modem_img, sizeof(modem_img), c->image_sha256);
}

static int send_comp(uint8_t comp, const uint8_t *p, uint32_t from, uint32_t size)
{
    for (uint32_t off = from; off < size;) {
        uint32_t n = size - off < 999u ? size - off : 999u;
        int ret = iotl_stage_write(&fx.stage, comp, off, p + off, n);
        if (ret != 0) {
            return ret;
        }
        off += n;
    }
    return 0;
}

START_TEST(multi_component_staged_before_activation)
{
    multi_setup();
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send_comp(0, fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(iotl_stage_write(&fx.stage, 2, 0, modem_img, 10), IOTL_ERR_INVALID_ARG); /* in order */
    ck_assert_int_eq(send_comp(1, coproc_img, 0, sizeof(coproc_img)), 0);
    /* Power fails before the modem is complete: it restarts from 0, the others stay done. */
    ck_assert_int_eq(send_comp(2, modem_img, 0, 2000), 0);
    reboot_into(0, 0);
    uint8_t comp;
    uint32_t off;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, &comp, &off), 0);
    ck_assert_uint_eq(comp, 2);
    ck_assert_uint_eq(off, 0);
    ck_assert_int_eq(H[1].begins, 2);
    ck_assert_int_eq(send_comp(2, modem_img, 0, sizeof(modem_img)), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(staged_count, 2);
    ck_assert_int_eq(H[0].activates + H[1].activates, 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    ck_assert_int_eq(H[0].activates, 1);
    ck_assert_int_eq(H[1].activates, 1);
    ck_assert(memcmp(H[0].buf, coproc_img, sizeof(coproc_img)) == 0);
    ck_assert(memcmp(H[1].buf, modem_img, sizeof(modem_img)) == 0);
    reboot_into(1, 1);
    ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_uint_eq(o.component_count, 3);
    ck_assert_int_eq(o.component_code[0] | o.component_code[1] | o.component_code[2], 0);
}
END_TEST

START_TEST(multi_component_handler_failures)
{
    multi_setup();
    /* A handler's bad hash fails the whole update before anything activates. */
    D.component[2].image_sha256[3] ^= 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send_comp(0, fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(send_comp(1, coproc_img, 0, sizeof(coproc_img)), 0);
    ck_assert_int_eq(send_comp(2, modem_img, 0, sizeof(modem_img)), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_HASH_MISMATCH);
    ck_assert_int_eq(H[0].activates + H[1].activates, 0);
    ck_assert_int_eq(H[0].aborts, 1);
    ck_assert_int_eq(H[1].aborts, 1);
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_int_eq(o.component_code[2], IOTL_ERR_HASH_MISMATCH);
    ck_assert_int_eq(o.component_code[0], 0);
    /* A failing handler write: IOTL_ERR_HANDLER, the handler's own code in the outcome. */
    D.component[2].image_sha256[3] ^= 1;
    D.deployment_seq++;
    H[0].fail_write = 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send_comp(0, fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(send_comp(1, coproc_img, 0, sizeof(coproc_img)), IOTL_ERR_HANDLER);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_HANDLER);
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_int_eq(o.code, IOTL_ERR_HANDLER);
    ck_assert_int_eq(o.component_code[1], IOTL_ERR_PORT(3));
    /* A failing activation can be retried; the main image stays inactive until then. */
    H[0].fail_write = 0;
    H[1].fail_activate = 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send_comp(0, fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(send_comp(1, coproc_img, 0, sizeof(coproc_img)), 0);
    ck_assert_int_eq(send_comp(2, modem_img, 0, sizeof(modem_img)), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), IOTL_ERR_HANDLER);
    reboot_into(0, 0);
    H[1].fail_activate = 0;
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    ck_assert_int_eq(H[0].activates, 1); /* recorded: not repeated after the reset */
    ck_assert_int_eq(H[1].activates, 1);
    reboot_into(1, 1);
}
END_TEST

/* The first outcome of a release (the previous one names another release)
 * keeps the failing handler's own code. */
START_TEST(handler_code_kept_in_first_outcome_of_release)
{
    multi_setup();
    struct iotl_update_outcome o;
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), IOTL_ERR_NOT_FOUND);
    H[0].fail_write = 1;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send_comp(0, fx_new, 0, FX_NEW_SIZE), 0);
    ck_assert_int_eq(send_comp(1, coproc_img, 0, sizeof(coproc_img)), IOTL_ERR_HANDLER);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), IOTL_ERR_HANDLER);
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_int_eq(o.kind, IOTL_OUTCOME_FAILED);
    ck_assert_int_eq(o.code, IOTL_ERR_HANDLER);
    ck_assert_int_eq(o.component_code[1], IOTL_ERR_PORT(3));
    ck_assert_int_eq(o.component_code[0] | o.component_code[2], 0);
    /* The next release starts with clean codes. */
    H[0].fail_write = 0;
    D.manifest_sha256[0] ^= 1;
    D.deployment_seq++;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(iotl_stage_abort(&fx.stage, 7), 0);
    ck_assert_int_eq(iotl_stage_outcome(&fx.stage, &o), 0);
    ck_assert_int_eq(o.component_code[0], 7);
    ck_assert_int_eq(o.component_code[1] | o.component_code[2], 0);
}
END_TEST

START_TEST(handler_only_update_completes_without_trial)
{
    multi_setup();
    D.component[0] = D.component[1];
    D.component[1] = D.component[2];
    D.component_count = 2;
    ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
    ck_assert_int_eq(send_comp(0, coproc_img, 0, sizeof(coproc_img)), 0);
    ck_assert_int_eq(send_comp(1, modem_img, 0, sizeof(modem_img)), 0);
    ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
    ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    outcome_is(IOTL_OUTCOME_CONFIRMED, 0);
    reboot_into(0, 0);
}
END_TEST

/* ---- wear --------------------------------------------------------------------- */

START_TEST(wear_state_area_per_update_and_rollback)
{
    dev(0);
    fx.cfg.checkpoint_bytes = 0; /* default: 64 KiB between checkpoints */
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    const int cycles = 20;
    uint32_t w0 = fx.emu[2].writes, e0 = fx.emu[2].erases;
    for (int i = 0; i < cycles; i++) {
        fx_desc(&D, 0);
        D.manifest_sha256[0] = (uint8_t)i;
        D.deployment_seq = 10u + (uint32_t)i;
        ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
        ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
        ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
        ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
        struct iotl_boot_result r;
        ck_assert_int_eq(boot_now(&r), 0);
        ck_assert_uint_eq(r.trial, 1);
        ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
        ck_assert_int_eq(iotl_stage_confirm(&fx.stage), 0);
    }
    double wu = (double)(fx.emu[2].writes - w0) / cycles, eu = (double)(fx.emu[2].erases - e0) / cycles;
    ck_assert_uint_eq(fx.emu[2].writes - w0, 5u * (uint32_t)cycles);

    w0 = fx.emu[2].writes, e0 = fx.emu[2].erases;
    for (int i = 0; i < cycles; i++) {
        fx_desc(&D, 0);
        D.manifest_sha256[0] = (uint8_t)(100 + i);
        D.deployment_seq = 100u + (uint32_t)i;
        ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
        ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
        ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
        ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
        struct iotl_boot_result r;
        do {
            ck_assert_int_eq(boot_now(&r), 0);
        } while (r.trial);
        ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    }
    double wr = (double)(fx.emu[2].writes - w0) / cycles, er = (double)(fx.emu[2].erases - e0) / cycles;

    w0 = fx.emu[2].writes, e0 = fx.emu[2].erases;
    for (int i = 0; i < cycles; i++) {
        fx_desc(&D, 0);
        D.manifest_sha256[0] = (uint8_t)(200 + i);
        D.deployment_seq = 200u + (uint32_t)i;
        ck_assert_int_eq(iotl_stage_begin(&fx.stage, &D, NULL, NULL), 0);
        ck_assert_int_eq(send(fx_new, 0, FX_NEW_SIZE), 0);
        ck_assert_int_eq(iotl_stage_finish(&fx.stage), 0);
        ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
        reboot_into((int)iotl_journal_state(&fx.stage.j)->trial_slot, 1);
        ck_assert_int_eq(iotl_stage_reject(&fx.stage, 1), 0);
    }
    double wj = (double)(fx.emu[2].writes - w0) / cycles, ej = (double)(fx.emu[2].erases - e0) / cycles;
    printf("wear (state area: 2 x 4 KiB blocks; 40 KiB image; default checkpoints every 256 KiB):\n");
    printf("  per confirmed update:            %.2f record writes, %.2f block erases\n", wu, eu);
    printf("  per rollback (3 attempts spent): %.2f record writes, %.2f block erases\n", wr, er);
    printf("  per explicit reject:             %.2f record writes, %.2f block erases\n", wj, ej);
    fflush(stdout);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("stage");
    TCase *tc = tcase_create("lifecycle");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, install_confirm_happy_path);
    tcase_add_test(tc, resume_full_download);
    tcase_add_test(tc, begin_after_fully_staged_reports_payload_size);
    tcase_add_test(tc, resume_full_download_align8_erased0);
    tcase_add_test(tc, resume_deflate_from_restart_point);
    tcase_add_test(tc, resume_rehashes_flash_prefix);
    tcase_add_test(tc, err_hash_mismatch);
    tcase_add_test(tc, err_hash_mismatch_deflate);
    tcase_add_test(tc, err_size_mismatch);
    tcase_add_test(tc, err_corrupt_deflate);
    tcase_add_test(tc, err_no_space_unsupported_invalid);
    tcase_add_test(tc, err_workbuf_too_small);
    tcase_add_test(tc, err_slot_geometry);
    tcase_add_test(tc, err_trial_pending_and_state);
    tcase_add_test(tc, abort_records_failed_outcome);
    tcase_add_test(tc, prepare_erases_ahead_and_is_spent_by_begin);
    tcase_add_test(tc, prepare_record_not_reused_after_abort);
    tcase_add_test(tc, reject_then_rolled_back_refused_until_newer_deployment);
    tcase_add_test(tc, rollback_when_attempts_exhausted);
    tcase_add_test(tc, err_rollback_below_security_floor);
    tcase_add_test(tc, raise_floors_never_lowers);
    tcase_add_test(tc, err_storage_bad_block_in_slot);
    tcase_add_test(tc, err_storage_state_area_port_errors);
    tcase_add_test(tc, journal_erased_zero_never_parses_and_falls_back);
    tcase_add_test(tc, journal_skips_unknown_version);
    tcase_add_test(tc, journal_undecodable_is_not_a_new_device);
    tcase_add_test(tc, journal_worst_case_record_fits);
    tcase_add_test(tc, journal_reads_fixture_v2);
    tcase_add_test(tc, journal_refuses_format_v1);
    tcase_add_test(tc, delta_install_resume_confirm);
    tcase_add_test(tc, err_delta_base);
    tcase_add_test(tc, err_delta_header_before_output);
    tcase_add_test(tc, boot_hash_check);
    tcase_add_test(tc, multi_component_staged_before_activation);
    tcase_add_test(tc, multi_component_handler_failures);
    tcase_add_test(tc, handler_code_kept_in_first_outcome_of_release);
    tcase_add_test(tc, handler_only_update_completes_without_trial);
    tcase_add_test(tc, wear_state_area_per_update_and_rollback);
    suite_add_tcase(s, tc);
    return s;
}
