/* SPDX-License-Identifier: Apache-2.0 */
/* State journal: a record that passes its CRC but names values the encoder
 * never writes is not decoded. Each case puts an impossible value into one
 * field of an intact record and re-seals the CRC; apart from the decoder
 * state's length, the record's length stays right, so only the decoder's
 * value check can refuse it. */
#include <stdlib.h>
#include <string.h>

#include "iotl_test.h"
#include "iotlife/journal.h"
#include "iotlife/port/ram.h"

#define BLK 4096u

static uint8_t mem[2 * BLK];
static iotl_ram_flash_t rf;
static struct iotl_storage area;
static iotl_journal_t j;

static void fresh(void)
{
    const struct iotl_storage_geometry geo = {2 * BLK, BLK, 8, 0xFF};
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &area, mem, &geo, true), 0);
}

/* A typical state: a trial with one component, decoder state, an outcome and a rolled-back release. */
static void fill(struct iotl_journal_state *st)
{
    st->confirmed_slot = 1;
    st->trial_slot = 0;
    st->phase = IOTL_PHASE_TRIAL;
    st->desc.component_count = 1;
    strcpy(st->desc.component[0].id, "main");
    st->dec_len = 3;
    memcpy(st->dec, "abc", 3);
    st->outcome.component_count = 1;
    st->rolled_back_count = 1;
    st->rolled_back_next = 0;
}

/* Commit st to a fresh area; returns the record length (from its header). */
static uint32_t commit_fresh(void (*tweak)(struct iotl_journal_state *))
{
    fresh();
    ck_assert_int_eq(iotl_journal_mount(&j, &area), IOTL_ERR_NOT_FOUND);
    struct iotl_journal_state *st = iotl_journal_state(&j);
    fill(st);
    if (tweak != NULL) {
        tweak(st);
    }
    ck_assert_int_eq(iotl_journal_commit(&j), 0);
    return (uint32_t)mem[6] | (uint32_t)mem[7] << 8;
}

/* CRC-32 (IEEE, as zlib), bitwise: the test's own, independent of the core's. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        }
    }
    return ~c;
}

static void reseal(uint32_t len)
{
    uint32_t crc = crc32_ieee(mem, len - 4u);
    for (int i = 0; i < 4; i++) {
        mem[len - 4u + (uint32_t)i] = (uint8_t)(crc >> (8 * i));
    }
}

/* Each tweak moves one field to another valid value, which locates its byte. */
static void t_confirmed(struct iotl_journal_state *st) { st->confirmed_slot = 0; }
static void t_trial(struct iotl_journal_state *st) { st->trial_slot = 1; }
static void t_phase(struct iotl_journal_state *st) { st->phase = IOTL_PHASE_STAGED; }
static void t_out_count(struct iotl_journal_state *st) { st->outcome.component_count = 2; }
static void t_rb_count(struct iotl_journal_state *st) { st->rolled_back_count = 2; }
static void t_rb_next(struct iotl_journal_state *st) { st->rolled_back_next = 1; }
static void t_dec_len(struct iotl_journal_state *st) { st->dec_len = 2; }

static const struct {
    const char *name;
    void (*tweak)(struct iotl_journal_state *);
    uint8_t bad; /* the impossible value written into the located byte */
} k_bad[] = {
    {"confirmed slot 2", t_confirmed, 2},
    {"trial slot 2", t_trial, 2},
    {"phase 4", t_phase, IOTL_PHASE_TRIAL + 1},
    {"outcome components over the limit", t_out_count, IOTL_STAGE_MAX_COMPONENTS + 1},
    {"rolled-back count over the limit", t_rb_count, IOTL_STAGE_ROLLED_BACK_MAX + 1},
    {"rolled-back next out of range", t_rb_next, IOTL_STAGE_ROLLED_BACK_MAX},
    {"decoder state longer than its field", t_dec_len, IOTL_JOURNAL_DEC_STATE_MAX + 1},
};

START_TEST(journal_round_trip)
{
    commit_fresh(NULL);
    ck_assert_int_eq(iotl_journal_mount(&j, &area), 0);
    const struct iotl_journal_state *st = iotl_journal_state(&j);
    ck_assert_uint_eq(st->confirmed_slot, 1);
    ck_assert_uint_eq(st->trial_slot, 0);
    ck_assert_uint_eq(st->phase, IOTL_PHASE_TRIAL);
    ck_assert_str_eq(st->desc.component[0].id, "main");
    ck_assert_uint_eq(st->dec_len, 3);
    ck_assert_mem_eq(st->dec, "abc", 3);
    ck_assert_uint_eq(st->rolled_back_count, 1);
}
END_TEST

START_TEST(journal_refuses_impossible_values)
{
    static uint8_t ref[2 * BLK];
    size_t i = (size_t)_i;
    uint32_t len = commit_fresh(NULL);
    memcpy(ref, mem, len);
    uint32_t len2 = commit_fresh(k_bad[i].tweak);
    /* The first byte after the header (seq 1 in both) that differs is the field. */
    uint32_t at = 12;
    uint32_t shorter = len < len2 ? len : len2;
    while (at < shorter - 4u && mem[at] == ref[at]) {
        at++;
    }
    ck_assert_msg(at < len - 4u, "%s: field not found", k_bad[i].name);
    /* Back to the reference record, with the impossible value in that byte. */
    memcpy(mem, ref, len);
    reseal(len);
    ck_assert_int_eq(iotl_journal_mount(&j, &area), 0); /* the untouched record decodes */
    mem[at] = k_bad[i].bad;
    reseal(len);
    ck_assert_msg(iotl_journal_mount(&j, &area) == IOTL_ERR_JOURNAL, "%s: accepted", k_bad[i].name);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, journal_round_trip);
    tcase_add_loop_test(tc, journal_refuses_impossible_values, 0, (int)(sizeof(k_bad) / sizeof(k_bad[0])));
    suite_add_tcase(s, tc);
    return s;
}
