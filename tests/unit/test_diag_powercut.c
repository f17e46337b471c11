/* SPDX-License-Identifier: Apache-2.0 */
/* Power cuts at every storage operation of the diagnostics store: during
 * appends, block rotation with reclaim (relocating critical records, counting
 * dropped normal ones) and acknowledgements, with torn writes and erases, on
 * three flash geometries. After each cut the store is re-mounted and drained.
 * Invariants: every record durably appended is still stored or was
 * acknowledged, or (normal records only) was counted as dropped, and the loss
 * records count exactly those; no content appears under a second sequence
 * number; critical records are never dropped. */
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_harness.h"
#include "emuflash.h"
#include "iotlife/health.h"
#include "iotlife/port/ram.h"

#define MAXR 16384

struct model {
    uint8_t cls[MAXR];      /* by seq: 1 normal, 2 critical (durably appended) */
    uint8_t acked[MAXR];    /* by seq: acknowledged */
    uint8_t loss_seen[MAXR];
    int32_t seq_of[MAXR];   /* by content index: seq it got (or was about to get) */
    uint64_t loss_norm, loss_crit;
    int next_idx;
};

static struct model m, m0;
static uint8_t mem[2 * 131072], mem0[sizeof(mem)];
static iotl_ram_flash_t rf;
static struct iotl_storage ram, flash;
static iotl_emu_flash_t emu;
static iotl_emu_power_t power;
static iotl_diag_t d;
static uint8_t zarena[IOTL_DIAG_Z_ARENA(1024)];
static struct seen seen[MAXR];
static struct iotl_diag_config cfg;

struct geo_case {
    uint32_t erase, blocks, align;
    uint8_t ev;
    int crit_every; /* every n-th record is critical */
    int pad;        /* text padding, to fill big blocks with fewer records */
};

static int crit_every, pad;

static void note_chunk_acked(const struct seen *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        m.acked[s[i].seq] = 1;
        if (s[i].type == IOTL_DIAG_LOSS && !m.loss_seen[s[i].seq]) {
            m.loss_seen[s[i].seq] = 1;
            m.loss_norm += s[i].v0;
            m.loss_crit += s[i].v1;
        }
    }
}

/* Append count records, acknowledging a 256-byte chunk every ack_every.
 * Returns 0, or the first error (IOTL_ERR_POWER_LOSS after a cut). */
static int script(int count, int ack_every)
{
    char text[160];
    static struct seen cs[256];
    for (int k = 0; k < count; k++) {
        int idx = m.next_idx++;
        struct iotl_diag_stats st;
        iotl_diag_get_stats(&d, &st);
        snprintf(text, sizeof(text), "c%d %.*s", idx, pad, "................................................................................................................................................");
        int crit = idx % crit_every == 0;
        m.seq_of[idx] = (int32_t)st.next_seq;
        int ret = crit ? iotl_diag_event(&d, IOTL_DIAG_EV_UPDATE, 1, idx, 0, text)
                       : iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", text);
        if (ret != 0) {
            return ret;
        }
        /* A loss record may have been written first: re-read the seq. */
        iotl_diag_get_stats(&d, &st);
        m.seq_of[idx] = (int32_t)st.next_seq - 1;
        ck_assert_int_lt(st.next_seq, MAXR);
        m.cls[st.next_seq - 1] = crit ? 2 : 1;
        if (ack_every != 0 && k % ack_every == ack_every - 1) {
            size_t len = 0, n = 0;
            struct iotl_diag_chunk_info info;
            ret = iotl_diag_get_chunk(&d, h_chunk, 256, &len);
            if (ret != 0) {
                return ret;
            }
            if (len != 0) {
                ck_assert_int_eq(h_decode(h_chunk, len, &info, cs, 256, &n), 0);
                ret = iotl_diag_ack(&d, info.first_seq, info.last_seq);
                /* The server has the chunk: an ack cut short may or may not
                 * have persisted, so its records count as acknowledged. */
                note_chunk_acked(cs, n);
                if (ret != 0) {
                    return ret;
                }
            }
        }
    }
    return 0;
}

/* Re-mount, drain everything and check the invariants. */
static void verify(const char *where)
{
    ck_assert_msg(iotl_diag_init(&d, &cfg) == 0, "%s: mount failed", where);
    size_t n = 0;
    int ret = h_drain(&d, 1024, seen, MAXR, &n, NULL);
    ck_assert_msg(ret >= 0, "%s: drain failed %d", where, ret);
    static uint8_t present[MAXR];
    static int32_t content_at[MAXR];
    memset(present, 0, sizeof(present));
    memset(content_at, 0xff, sizeof(content_at));
    uint64_t loss_norm = m.loss_norm, loss_crit = m.loss_crit;
    static uint8_t loss_seen[MAXR];
    memcpy(loss_seen, m.loss_seen, sizeof(loss_seen));
    for (size_t i = 0; i < n; i++) {
        const struct seen *s = &seen[i];
        ck_assert_uint_lt(s->seq, MAXR);
        if (s->type == IOTL_DIAG_LOSS) {
            if (!loss_seen[s->seq]) {
                loss_seen[s->seq] = 1;
                loss_norm += s->v0;
                loss_crit += s->v1;
            }
            continue;
        }
        int idx = atoi(s->text + 1);
        ck_assert_msg(idx >= 0 && idx < m.next_idx, "%s: unknown content %s", where, s->text);
        /* The content has exactly the sequence number it was given. */
        ck_assert_msg(m.seq_of[idx] == (int32_t)s->seq, "%s: c%d under seq %u, expected %d", where,
                      idx, s->seq, m.seq_of[idx]);
        ck_assert_msg(content_at[s->seq] == -1 || content_at[s->seq] == idx, "%s: seq %u reused", where,
                      s->seq);
        content_at[s->seq] = idx;
        present[s->seq] = 1;
    }
    uint64_t missing = 0;
    for (uint32_t q = 1; q < MAXR; q++) {
        if (m.cls[q] == 0 || m.acked[q] || present[q]) {
            continue;
        }
        ck_assert_msg(m.cls[q] == 1, "%s: critical record seq %u lost", where, q);
        missing++;
    }
    ck_assert_msg(missing == loss_norm, "%s: %llu normal records missing, loss records say %llu",
                  where, (unsigned long long)missing, (unsigned long long)loss_norm);
    ck_assert_msg(loss_crit == 0, "%s: critical drops counted", where);
}

static void setup_case(const struct geo_case *g)
{
    struct iotl_storage_geometry geo = {g->erase * g->blocks, g->erase, g->align, g->ev};
    ck_assert_uint_le(geo.size, sizeof(mem));
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &ram, mem, &geo, false), 0);
    iotl_emu_power_reset(&power, 0x1234u + g->align);
    ck_assert_int_eq(iotl_emu_flash_init(&emu, &flash, &ram, &power), 0);
    memset(&cfg, 0, sizeof(cfg));
    cfg.storage = &flash;
    cfg.device_id = "pc";
    cfg.boot_id = 1;
    cfg.z_arena = zarena;
    cfg.z_arena_len = sizeof(zarena);
    crit_every = g->crit_every;
    pad = g->pad;
    memset(&m, 0, sizeof(m));
}

/* Fill until one free block is left and the head is nearly full, so that the
 * phase under test rotates into the last block and reclaims the oldest. */
static void prefill(const struct geo_case *g)
{
    ck_assert_int_eq(iotl_diag_init(&d, &cfg), 0);
    struct iotl_diag_stats st;
    uint32_t per_block = g->erase - 32u;
    for (;;) {
        iotl_diag_get_stats(&d, &st);
        if (st.free_bytes < per_block + 3u * (40u + (uint32_t)pad)) {
            break;
        }
        /* Acknowledge early chunks, so the oldest block mixes acked and unacked. */
        ck_assert_int_eq(script(1, m.next_idx < 60 ? 3 : 0), 0);
    }
    memcpy(mem0, mem, sizeof(mem));
    m0 = m;
}

static uint32_t run_geometry(const struct geo_case *g)
{
    setup_case(g);
    prefill(g);
    /* Count the operations of the phase under test, without a cut. */
    uint32_t ops0 = power.ops;
    ck_assert_int_eq(script(30, 7), 0);
    uint32_t total = power.ops - ops0;
    struct iotl_diag_stats st;
    iotl_diag_get_stats(&d, &st);
    ck_assert_msg(st.compactions > 0, "the phase did not reclaim a block");
    verify("no cut");
    for (uint32_t cut = 1; cut <= total; cut++) {
        memcpy(mem, mem0, sizeof(mem));
        m = m0;
        iotl_emu_power_on(&power);
        ck_assert_int_eq(iotl_diag_init(&d, &cfg), 0);
        iotl_emu_power_cut_at(&power, cut, IOTL_EMU_TEAR_RANDOM);
        int ret = script(30, 7);
        ck_assert_msg(ret == IOTL_ERR_POWER_LOSS, "cut %u: script returned %d", cut, ret);
        iotl_emu_power_on(&power);
        char where[64];
        snprintf(where, sizeof(where), "erase %u align %u cut %u/%u", g->erase, g->align, cut, total);
        verify(where);
    }
    return total;
}

static const struct geo_case cases[] = {
    {4096, 4, 1, 0xFF, 4, 0},
    {131072, 2, 16, 0xFF, 16, 100},
    {4096, 3, 8, 0x00, 3, 0},
};

START_TEST(powercut_geometry)
{
    uint32_t n = run_geometry(&cases[_i]);
    printf("diag store, erase %u, align %u, erased 0x%02X\ncut points: %u\n", cases[_i].erase,
           cases[_i].align, cases[_i].ev, n);
}
END_TEST

/* A second cut while the store recovers from the first one (during the
 * resumed reclaim at mount). */
START_TEST(powercut_during_recovery)
{
    const struct geo_case *g = &cases[0];
    setup_case(g);
    prefill(g);
    uint32_t ops0 = power.ops;
    ck_assert_int_eq(script(30, 7), 0);
    uint32_t total = power.ops - ops0, points = 0;
    for (uint32_t cut = 1; cut <= total; cut++) {
        for (uint32_t cut2 = 1;; cut2++) {
            memcpy(mem, mem0, sizeof(mem));
            m = m0;
            iotl_emu_power_on(&power);
            ck_assert_int_eq(iotl_diag_init(&d, &cfg), 0);
            iotl_emu_power_cut_at(&power, cut, IOTL_EMU_TEAR_RANDOM);
            ck_assert_int_eq(script(30, 7), IOTL_ERR_POWER_LOSS);
            iotl_emu_power_on(&power);
            uint32_t before = power.ops;
            iotl_emu_power_cut_at(&power, cut2, IOTL_EMU_TEAR_RANDOM);
            int ret = iotl_diag_init(&d, &cfg);
            iotl_emu_power_on(&power);
            if (ret == 0 && power.ops - before < cut2) {
                break; /* the mount finished before this cut point */
            }
            points++;
            char where[64];
            snprintf(where, sizeof(where), "cut %u then %u during mount", cut, cut2);
            verify(where);
        }
    }
    printf("diag store, second cut during recovery\ncut points: %u\n", points);
}
END_TEST

/* The boot history of the health module: a cut while it is saved leaves the
 * previous history or the new one, never none. */
START_TEST(powercut_health_history)
{
    static const struct geo_case hg[3] = {{4096, 2, 1, 0xFF, 1, 0}, {131072, 2, 16, 0xFF, 1, 0},
                                          {4096, 2, 8, 0x00, 1, 0}};
    uint32_t points = 0;
    for (int gi = 0; gi < 3; gi++) {
        setup_case(&hg[gi]);
        struct iotl_health_config hc = {.storage = &flash, .policy = {.bootloop_count = 4}};
        iotl_health_t h;
        /* Three unexpected boots recorded. */
        for (int i = 0; i < 3; i++) {
            ck_assert_int_eq(iotl_health_init(&h, &hc), 0);
            ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_WATCHDOG, false), 0);
        }
        memcpy(mem0, mem, sizeof(mem));
        for (uint32_t cut = 1;; cut++) {
            memcpy(mem, mem0, sizeof(mem));
            iotl_emu_power_on(&power);
            ck_assert_int_eq(iotl_health_init(&h, &hc), 0);
            uint32_t before = power.ops;
            iotl_emu_power_cut_at(&power, cut, IOTL_EMU_TEAR_RANDOM);
            int ret = iotl_health_boot(&h, IOTL_DIAG_REBOOT_WATCHDOG, false);
            iotl_emu_power_on(&power);
            if (ret == 0) {
                ck_assert_uint_lt(power.ops - before, cut);
                break;
            }
            points++;
            /* Reboot: the fourth unexpected boot is either remembered or not;
             * the fifth makes a loop either way, the history never vanished. */
            ck_assert_int_eq(iotl_health_init(&h, &hc), 0);
            ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_WATCHDOG, false), 0);
            ck_assert(iotl_health_bootloop(&h));
        }
    }
    printf("health boot history, three geometries\ncut points: %u\n", points);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("diag_powercut");
    TCase *tc = tcase_create("powercut");
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, powercut_geometry, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, powercut_during_recovery);
    tcase_add_test(tc, powercut_health_history);
    suite_add_tcase(s, tc);
    return s;
}
