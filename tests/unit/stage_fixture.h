/* SPDX-License-Identifier: Apache-2.0 */
/* Shared fixture of the staging suites: an emulated device (slot A, slot B,
 * state area on one power rail), two images, payload helpers and a
 * restartable "agent" that drives each lifecycle scenario from whatever
 * state the journal holds, the way real firmware does after every reset. */
#ifndef IOTL_STAGE_FIXTURE_H
#define IOTL_STAGE_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "delta_enc.h"
#include "emuflash.h"
#include "iotlife/boot.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/ram.h"
#include "iotlife/stage.h"

#define FX_SLOT_MAX (128u * 1024u)
#define FX_STATE_MAX (256u * 1024u)
#define FX_OLD_SIZE (24u * 1024u)
#define FX_NEW_SIZE (40u * 1024u + 123u)
#define FX_CHUNK 1000u

struct fx_geo {
    const char *name;
    uint32_t erase, align, slot, state;
    uint8_t ev;
};

static const struct fx_geo fx_geos[3] = {
    {"4KiB/1/0xFF", 4096u, 1u, 64u * 1024u, 8u * 1024u, 0xFF},
    {"128KiB/16/0xFF", 128u * 1024u, 16u, 128u * 1024u, 256u * 1024u, 0xFF},
    {"4KiB/8/0x00", 4096u, 8u, 64u * 1024u, 12u * 1024u, 0x00},
};

struct fx_dev {
    struct fx_geo geo;
    uint8_t mem[3][FX_STATE_MAX]; /* A, B, state */
    iotl_ram_flash_t ram[3];
    struct iotl_storage inner[3];
    iotl_emu_flash_t emu[3];
    struct iotl_storage area[3];
    iotl_emu_power_t power;
    struct iotl_crypto crypto;
    uint8_t work[IOTL_STAGE_WORKBUF_DELTA];
    struct iotl_stage_config cfg;
    iotl_stage_t stage;
    iotl_boot_t boot;
};

static struct fx_dev fx;
static uint8_t fx_old[FX_OLD_SIZE];
static uint8_t fx_new[FX_NEW_SIZE];
static uint8_t fx_deflate[FX_NEW_SIZE + 4096];
static uint32_t fx_deflate_len;
static struct iotl_delta_enc_result fx_delta; /* patch fx_old -> fx_new, made once */

static uint32_t fx_rng = 1;
static inline uint32_t fx_rand(void)
{
    uint32_t x = fx_rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    fx_rng = x;
    return x;
}

/* Images: random bytes with runs of 0xFF and 0x00 (look-alikes of erased flash). */
static inline void fx_make_images(void)
{
    fx_rng = 0x1234567u;
    for (uint32_t i = 0; i < FX_OLD_SIZE; i++) {
        fx_old[i] = (uint8_t)fx_rand();
    }
    for (uint32_t i = 0; i < FX_NEW_SIZE; i++) {
        uint32_t blk = i / 512u;
        fx_new[i] = blk % 5u == 1u ? 0xFF : blk % 5u == 3u ? 0x00 : (uint8_t)(fx_rand() % 16u);
        if (blk % 5u == 4u) {
            fx_new[i] = (uint8_t)(fx_old[(i * 3u) % FX_OLD_SIZE] + (i % 97u == 0u)); /* delta material */
        }
    }
    if (fx_delta.patch == NULL) {
        struct iotl_delta_enc_opts o = {12, 4096u, 9};
        ck_assert_int_eq(iotl_delta_encode(fx_old, FX_OLD_SIZE, fx_new, FX_NEW_SIZE, &o, &fx_delta), 0);
    }
    /* Raw deflate with a full flush every 4 KiB of input: restart points. */
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_out = fx_deflate;
    z.avail_out = sizeof(fx_deflate);
    for (uint32_t off = 0; off < FX_NEW_SIZE; off += 4096u) {
        uint32_t n = FX_NEW_SIZE - off < 4096u ? FX_NEW_SIZE - off : 4096u;
        z.next_in = fx_new + off;
        z.avail_in = n;
        int last = off + n == FX_NEW_SIZE;
        ck_assert_int_ne(deflate(&z, last ? Z_FINISH : Z_FULL_FLUSH), Z_STREAM_ERROR);
        ck_assert_uint_eq(z.avail_in, 0);
    }
    fx_deflate_len = (uint32_t)(sizeof(fx_deflate) - z.avail_out);
    deflateEnd(&z);
}

static inline void fx_sha(const void *d, size_t n, uint8_t out[32])
{
    ck_assert_int_eq(iotl_sha256(&fx.crypto, d, n, out), 0);
}

/* Descriptor of the new release: full (0), deflate (1) or delta (2) payload of fx_new. */
static inline void fx_desc(struct iotl_update_desc *d, int kind)
{
    int deflate = kind == 1;
    memset(d, 0, sizeof(*d));
    fx_sha(kind == 2 ? "release-2-delta" : deflate ? "release-2-deflate" : "release-2",
           kind == 2 ? 15 : deflate ? 17 : 9, d->manifest_sha256);
    strcpy(d->version, "2.0.0");
    d->security_version = 2;
    d->manifest_seq = 7;
    d->deployment_seq = 3;
    d->component_count = 1;
    struct iotl_update_component *c = &d->component[0];
    strcpy(c->id, "main");
    c->kind = deflate ? IOTL_PAYLOAD_DEFLATE : IOTL_PAYLOAD_FULL;
    c->flags = deflate ? IOTL_COMPONENT_FULL_FLUSH : 0;
    c->payload_size = deflate ? fx_deflate_len : FX_NEW_SIZE;
    c->image_size = FX_NEW_SIZE;
    fx_sha(fx_new, FX_NEW_SIZE, c->image_sha256);
    if (kind == 2) {
        c->kind = IOTL_PAYLOAD_DELTA;
        c->payload_size = (uint32_t)fx_delta.patch_len;
        fx_sha(fx_old, FX_OLD_SIZE, c->base_sha256);
    }
}

static inline const uint8_t *fx_payload(const struct iotl_update_desc *d)
{
    switch (d->component[0].kind) {
    case IOTL_PAYLOAD_DEFLATE:
        return fx_deflate;
    case IOTL_PAYLOAD_DELTA:
        return fx_delta.patch;
    default:
        return fx_new;
    }
}

/* A fresh device: slot A holds the factory image, B junk, state area erased. */
static inline void fx_setup(const struct fx_geo *g, uint32_t seed)
{
    memset(&fx.cfg, 0, sizeof(fx.cfg));
    fx.geo = *g;
    uint32_t sizes[3] = {g->slot, g->slot, g->state};
    iotl_emu_power_reset(&fx.power, seed);
    for (int i = 0; i < 3; i++) {
        struct iotl_storage_geometry geo = {sizes[i], g->erase, g->align, g->ev};
        memset(fx.mem[i], i == 2 ? g->ev : 0x5A, sizes[i]);
        ck_assert_int_eq(iotl_ram_flash_init(&fx.ram[i], &fx.inner[i], fx.mem[i], &geo, false), 0);
        ck_assert_int_eq(iotl_emu_flash_init(&fx.emu[i], &fx.area[i], &fx.inner[i], &fx.power), 0);
    }
    memcpy(fx.mem[0], fx_old, FX_OLD_SIZE);
    ck_assert_int_eq(iotl_mbedtls_crypto_init(&fx.crypto), 0);
    fx.cfg.slot[0] = &fx.area[0];
    fx.cfg.slot[1] = &fx.area[1];
    fx.cfg.state = &fx.area[2];
    fx.cfg.crypto = &fx.crypto;
    fx.cfg.work_buf = fx.work;
    fx.cfg.work_buf_len = sizeof(fx.work);
    fx.cfg.checkpoint_bytes = 8192;
}

/* Snapshot / restore of the whole emulated device (flash contents). */
static uint8_t fx_snap[3][FX_STATE_MAX];
static inline void fx_save(void)
{
    for (int i = 0; i < 3; i++) {
        memcpy(fx_snap[i], fx.mem[i], i == 2 ? fx.geo.state : fx.geo.slot);
    }
}
static inline void fx_restore(uint32_t seed)
{
    for (int i = 0; i < 3; i++) {
        memcpy(fx.mem[i], fx_snap[i], i == 2 ? fx.geo.state : fx.geo.slot);
    }
    iotl_emu_power_reset(&fx.power, seed);
}

/* Enough journal commits to compact at least twice on this geometry
 * (an idle record is 458 bytes). */
static inline uint32_t fx_compaction_target(void)
{
    return 2u * (fx.geo.erase / 464u) + 5u;
}

/* ---- the restartable agent --------------------------------------------------- */

enum fx_scenario {
    FX_INSTALL_FULL = 0,
    FX_INSTALL_DEFLATE,
    FX_INSTALL_DELTA,
    FX_CONFIRM,
    FX_ROLLBACK_ATTEMPTS,
    FX_REJECT,
    FX_COMPACTION,
    FX_INSTALL_PREPARED,
    FX_SCENARIOS
};

static const char *const fx_scenario_names[FX_SCENARIOS] = {
    "full install", "deflate install", "delta install", "confirm", "rollback (attempts exhausted)", "explicit reject",
    "journal compaction", "prepare + full install",
};

/* What the test knows must hold whatever happened. */
struct fx_expect {
    uint32_t floor_mseq_acked; /* compaction: highest manifest floor a call reported durable */
    int confirmed_new;         /* confirm reported durable: slot B holds the confirmed image */
};
static struct fx_expect fx_exp;

/* The chosen slot's content is the confirmed image or the trial image. */
static inline void fx_check_boot(const struct iotl_boot_result *r)
{
    const uint8_t *slot = fx.mem[r->slot];
    if (r->slot == 0) {
        ck_assert_msg(!r->trial, "slot A is never a trial slot in these scenarios");
        ck_assert_msg(memcmp(slot, fx_old, FX_OLD_SIZE) == 0, "slot A lost its confirmed image");
    } else {
        ck_assert_msg(memcmp(slot, fx_new, FX_NEW_SIZE) == 0, "slot B booted but not the new image");
    }
}

/* The journal reads back and the confirmed image is intact (power on, no writes). */
static inline void fx_check_invariants(void)
{
    iotl_journal_t *j = &fx.boot.j; /* reuse the memory; mount never writes */
    int ret = iotl_journal_mount(j, &fx.area[2]);
    ck_assert_msg(ret == 0, "journal does not read back: %s", iotl_strerror(ret));
    const struct iotl_journal_state *st = iotl_journal_state(j);
    if (st->confirmed_slot == 0) {
        ck_assert_msg(!fx_exp.confirmed_new, "confirm was durable but the journal forgot it");
        ck_assert_msg(memcmp(fx.mem[0], fx_old, FX_OLD_SIZE) == 0, "confirmed image A damaged");
    } else {
        ck_assert_msg(memcmp(fx.mem[1], fx_new, FX_NEW_SIZE) == 0, "confirmed image B damaged");
    }
    if (st->phase == IOTL_PHASE_TRIAL) {
        ck_assert_msg(memcmp(fx.mem[st->trial_slot], fx_new, FX_NEW_SIZE) == 0, "trial image damaged");
    }
    ck_assert_uint_ge(st->floors.manifest_seq, fx_exp.floor_mseq_acked);
}

#define FX_TRY(x)                 \
    do {                          \
        int r_ = (x);             \
        if (r_ != 0) {            \
            return r_;            \
        }                         \
    } while (0)

static inline int fx_boot(struct iotl_boot_result *r)
{
    struct iotl_boot_config bc = {&fx.area[2], {&fx.area[0], &fx.area[1]}, NULL};
    FX_TRY(iotl_boot_select(&fx.boot, &bc, r));
    fx_check_boot(r);
    return 0;
}

/* Send the payload from the offset the stage asks for. */
static inline int fx_download(const struct iotl_update_desc *d)
{
    uint8_t comp = 0;
    uint32_t off = 0;
    FX_TRY(iotl_stage_begin(&fx.stage, d, &comp, &off));
    const uint8_t *payload = fx_payload(d);
    uint32_t size = d->component[0].payload_size;
    if (comp == 0) {
        while (off < size) {
            uint32_t n = size - off < FX_CHUNK ? size - off : FX_CHUNK;
            FX_TRY(iotl_stage_write(&fx.stage, 0, off, payload + off, n));
            off += n;
        }
    }
    FX_TRY(iotl_stage_finish(&fx.stage));
    return 0;
}

/* One boot of the device running the scenario to its end. Returns 0 when the
 * scenario's end state is reached (or it was cleanly abandoned), else the error
 * that stopped it (a power loss). */
static inline int fx_agent(enum fx_scenario sc)
{
    struct iotl_boot_result r;
    struct iotl_update_desc d;
    struct iotl_stage_status st;
    FX_TRY(fx_boot(&r));
    FX_TRY(iotl_stage_init(&fx.stage, &fx.cfg));
    FX_TRY(iotl_stage_status(&fx.stage, &st));
    switch (sc) {
    case FX_INSTALL_FULL:
    case FX_INSTALL_DEFLATE:
    case FX_INSTALL_DELTA:
    case FX_INSTALL_PREPARED:
        if (st.phase == IOTL_PHASE_IDLE) {
            struct iotl_update_outcome o;
            if (iotl_stage_outcome(&fx.stage, &o) == 0 && o.kind == IOTL_OUTCOME_ROLLED_BACK) {
                return 0; /* boots kept failing: the trial was rolled back cleanly */
            }
        }
        if (sc == FX_INSTALL_PREPARED && st.phase == IOTL_PHASE_IDLE) {
            /* Idle: erase slot B (holding junk) three blocks per call; a cut
             * anywhere must never leave a block recorded as erased that is not. */
            uint32_t e = 0;
            do {
                FX_TRY(iotl_stage_prepare(&fx.stage, 3u * fx.area[1].geo.erase_size, &e));
            } while (e < fx.area[1].geo.size);
        }
        if (st.phase != IOTL_PHASE_TRIAL) {
            fx_desc(&d, sc == FX_INSTALL_DELTA ? 2 : sc == FX_INSTALL_DEFLATE);
            FX_TRY(fx_download(&d));
            FX_TRY(iotl_stage_activate(&fx.stage));
        }
        FX_TRY(fx_boot(&r)); /* reboot into the trial */
        return 0;
    case FX_CONFIRM:
        if (st.phase == IOTL_PHASE_TRIAL && st.trial_booted && r.trial) {
            FX_TRY(iotl_stage_confirm(&fx.stage));
            fx_exp.confirmed_new = 1;
        } else if (st.phase == IOTL_PHASE_TRIAL) {
            /* Booted the confirmed image (decrement not durable): reboot. */
            return IOTL_ERR_STATE;
        }
        FX_TRY(fx_boot(&r));
        return 0;
    case FX_ROLLBACK_ATTEMPTS:
        /* The trial image never confirms: reboot until the selector gives up. */
        for (int boots = 0; r.trial; boots++) {
            if (boots > 10) {
                ck_abort_msg("the boot selector never gives up on an unconfirmed trial");
            }
            FX_TRY(fx_boot(&r));
        }
        FX_TRY(iotl_stage_init(&fx.stage, &fx.cfg));
        return 0;
    case FX_REJECT:
        if (st.phase == IOTL_PHASE_TRIAL && r.trial) {
            FX_TRY(iotl_stage_reject(&fx.stage, 42));
        } else if (st.phase == IOTL_PHASE_TRIAL) {
            return IOTL_ERR_STATE;
        }
        FX_TRY(fx_boot(&r));
        return 0;
    case FX_COMPACTION: {
        struct iotl_floors f;
        FX_TRY(iotl_stage_get_floors(&fx.stage, &f));
        while (f.manifest_seq < fx_compaction_target()) {
            f.manifest_seq++;
            FX_TRY(iotl_stage_raise_floors(&fx.stage, &f));
            fx_exp.floor_mseq_acked = f.manifest_seq;
        }
        return 0;
    }
    case FX_SCENARIOS:
        break;
    }
    return IOTL_ERR_INVALID_ARG;
}

/* Bring a fresh device to the scenario's starting point (power never fails). */
static inline void fx_precondition(enum fx_scenario sc)
{
    memset(&fx_exp, 0, sizeof(fx_exp));
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0);
    if (sc == FX_CONFIRM || sc == FX_ROLLBACK_ATTEMPTS || sc == FX_REJECT) {
        struct iotl_update_desc d;
        fx_desc(&d, 0);
        ck_assert_int_eq(fx_download(&d), 0);
        ck_assert_int_eq(iotl_stage_activate(&fx.stage), 0);
    }
    iotl_stage_deinit(&fx.stage);
}

/* The end state each scenario must reach once power stays on. */
static inline void fx_check_end(enum fx_scenario sc)
{
    ck_assert_int_eq(iotl_stage_init(&fx.stage, &fx.cfg), 0); /* read what is durable */
    const struct iotl_journal_state *st = iotl_journal_state(&fx.stage.j);
    struct iotl_update_outcome o;
    (void)iotl_stage_outcome(&fx.stage, &o);
    switch (sc) {
    case FX_INSTALL_FULL:
    case FX_INSTALL_DEFLATE:
    case FX_INSTALL_DELTA:
    case FX_INSTALL_PREPARED:
        /* Installed and on trial, or (many cuts at boot) rolled back cleanly. */
        if (st->phase == IOTL_PHASE_TRIAL) {
            ck_assert_uint_eq(o.kind, IOTL_OUTCOME_INSTALLED);
            ck_assert_uint_eq(st->trial_booted, 1);
        } else {
            ck_assert_uint_eq(o.kind, IOTL_OUTCOME_ROLLED_BACK);
        }
        break;
    case FX_CONFIRM:
        if (o.kind == IOTL_OUTCOME_CONFIRMED) {
            ck_assert_uint_eq(st->confirmed_slot, 1);
            ck_assert_uint_eq(st->floors.security_version, 2);
        } else {
            ck_assert_uint_eq(o.kind, IOTL_OUTCOME_ROLLED_BACK);
            ck_assert_uint_eq(st->floors.security_version, 0);
        }
        break;
    case FX_ROLLBACK_ATTEMPTS:
        ck_assert_uint_eq(o.kind, IOTL_OUTCOME_ROLLED_BACK);
        ck_assert_uint_eq(o.reason, IOTL_ROLLBACK_ATTEMPTS_EXHAUSTED);
        ck_assert_uint_eq(st->confirmed_slot, 0);
        ck_assert_uint_eq(st->floors.security_version, 0);
        break;
    case FX_REJECT:
        ck_assert_uint_eq(o.kind, IOTL_OUTCOME_ROLLED_BACK);
        ck_assert_uint_eq(st->confirmed_slot, 0);
        break;
    case FX_COMPACTION:
        ck_assert_uint_eq(st->floors.manifest_seq, fx_compaction_target());
        break;
    case FX_SCENARIOS:
        break;
    }
    ck_assert_uint_eq(st->phase == IOTL_PHASE_DOWNLOADING || st->phase == IOTL_PHASE_STAGED, 0);
}

#endif
