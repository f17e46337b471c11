/* SPDX-License-Identifier: Apache-2.0 */
/* Health: checks and confirm policy, metric alerts, boot-loop detection with
 * a boot history persisted in two alternating slots (erase blocks 0 and 1):
 * the slot with the higher sequence number and a good CRC wins, and a write
 * only ever erases the other one, so a cut leaves the previous history. */
#include "iotlife/health.h"

#include "iotl_priv.h"

#define HIST_MAGIC 0x314c4869u /* "iHL1" */
#define HIST_VERSION 1u
#define HIST_HDR 20u
#define HIST_ENTRY 9u
#define HIST_MAX_BYTES (HIST_HDR + IOTL_HEALTH_BOOTLOOP_MAX * HIST_ENTRY + 4u)

/* Slot: magic, version, count, 2 reserved, seq, trial_boots, 4 reserved,
 * count x (flags u8, time_s i64), CRC32. */
static int slot_read(iotl_health_t *h, uint32_t slot, uint8_t *b)
{
    const struct iotl_storage *st = h->cfg->storage;
    int ret = iotl_storage_read(st, slot * st->geo.erase_size, b, HIST_MAX_BYTES);
    if (ret != IOTL_OK) {
        return ret;
    }
    size_t n = b[5];
    if (iotl_get_le32(b) != HIST_MAGIC || b[4] != HIST_VERSION || n > IOTL_HEALTH_BOOTLOOP_MAX) {
        return 1;
    }
    size_t len = HIST_HDR + n * HIST_ENTRY;
    return iotl_crc32(0, b, len) == iotl_get_le32(b + len) ? IOTL_OK : 1;
}

static int load(iotl_health_t *h)
{
    uint8_t b[2][HIST_MAX_BYTES];
    int best = -1;
    for (uint32_t s = 0; s < 2; s++) {
        int ret = slot_read(h, s, b[s]);
        if (ret < 0) {
            return ret;
        }
        if (ret == IOTL_OK && (best < 0 || iotl_get_le32(b[s] + 8) > iotl_get_le32(b[best] + 8))) {
            best = (int)s;
        }
    }
    if (best >= 0) {
        const uint8_t *p = b[best];
        h->n_hist = p[5];
        h->seq = iotl_get_le32(p + 8);
        h->trial_boots = iotl_get_le32(p + 12);
        for (uint32_t i = 0; i < h->n_hist; i++) {
            h->hist[i].unexpected = p[HIST_HDR + i * HIST_ENTRY];
            h->hist[i].time_s = (int64_t)iotl_get_le64(p + HIST_HDR + i * HIST_ENTRY + 1);
        }
    }
    return IOTL_OK;
}

static int save(iotl_health_t *h)
{
    const struct iotl_storage *st = h->cfg->storage;
    if (st == NULL) {
        return IOTL_OK;
    }
    uint8_t b[IOTL_ALIGN_UP(HIST_MAX_BYTES, 16u)];
    uint32_t slot = (h->seq + 1u) & 1u; /* the one not holding the current history */
    size_t len = HIST_HDR + h->n_hist * HIST_ENTRY;
    memset(b, st->geo.erased_value, sizeof(b));
    iotl_put_le32(b, HIST_MAGIC);
    b[4] = HIST_VERSION;
    b[5] = (uint8_t)h->n_hist;
    b[6] = b[7] = 0;
    iotl_put_le32(b + 8, h->seq + 1u);
    iotl_put_le32(b + 12, h->trial_boots);
    iotl_put_le32(b + 16, 0);
    for (uint32_t i = 0; i < h->n_hist; i++) {
        b[HIST_HDR + i * HIST_ENTRY] = h->hist[i].unexpected;
        iotl_put_le64(b + HIST_HDR + i * HIST_ENTRY + 1, (uint64_t)h->hist[i].time_s);
    }
    iotl_put_le32(b + len, iotl_crc32(0, b, len));
    size_t wlen = IOTL_ALIGN_UP(len + 4u, st->geo.write_align);
    int ret = iotl_storage_erase(st, slot * st->geo.erase_size, st->geo.erase_size);
    if (ret == IOTL_OK) {
        ret = iotl_storage_write(st, slot * st->geo.erase_size, b, wlen);
    }
    if (ret == IOTL_OK) {
        ret = iotl_storage_sync(st);
    }
    if (ret == IOTL_OK) {
        h->seq++;
    }
    return ret;
}

int iotl_health_init(iotl_health_t *h, const struct iotl_health_config *cfg)
{
    IOTL_ASSERT(h != NULL && cfg != NULL);
    memset(h, 0, sizeof(*h));
    if (cfg->n_checks > IOTL_HEALTH_CHECKS_MAX || cfg->n_thresholds > 32u ||
        (cfg->n_checks != 0 && cfg->checks == NULL) ||
        (cfg->n_thresholds != 0 && cfg->thresholds == NULL) ||
        cfg->policy.bootloop_count == 1u || cfg->policy.bootloop_count > IOTL_HEALTH_BOOTLOOP_MAX) {
        return IOTL_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < cfg->n_checks; i++) {
        if (cfg->checks[i].fn == NULL) {
            return IOTL_ERR_INVALID_ARG;
        }
    }
    h->cfg = cfg;
    if (cfg->storage == NULL) {
        return IOTL_OK;
    }
    const struct iotl_storage_geometry *g = &cfg->storage->geo;
    if (iotl_storage_check(cfg->storage) != IOTL_OK || g->size < 2u * g->erase_size ||
        g->erase_size < HIST_MAX_BYTES || g->write_align > 16u) {
        h->cfg = NULL;
        return IOTL_ERR_STORAGE_GEOMETRY;
    }
    int ret = load(h);
    if (ret != IOTL_OK) {
        h->cfg = NULL;
    }
    return ret;
}

static int64_t wall_s(const iotl_health_t *h)
{
    const struct iotl_platform *p = h->cfg->platform;
    int64_t t = 0;
    if (p == NULL || p->ops->wall_time == NULL || p->ops->wall_time(p->ctx, &t) != IOTL_OK) {
        return 0;
    }
    return t;
}

static void event(iotl_health_t *h, uint8_t kind, uint32_t code, int64_t a, int64_t b, const char *t)
{
    if (h->cfg->diag != NULL) {
        (void)iotl_diag_event(h->cfg->diag, kind, code, a, b, t);
    }
}

int iotl_health_boot(iotl_health_t *h, uint32_t reason, bool trial)
{
    IOTL_ASSERT(h != NULL && h->cfg != NULL);
    if (h->booted) {
        return IOTL_ERR_STATE;
    }
    h->booted = true;
    h->trial = trial;
    int64_t now = wall_s(h);
    event(h, IOTL_DIAG_EV_REBOOT, reason, trial, 0, NULL);
    /* Shift the history: newest first, bounded. */
    if (h->n_hist == IOTL_HEALTH_BOOTLOOP_MAX) {
        h->n_hist--;
    }
    memmove(h->hist + 1, h->hist, h->n_hist * sizeof(h->hist[0]));
    h->hist[0].unexpected = reason >= IOTL_DIAG_REBOOT_UNEXPECTED;
    h->hist[0].time_s = now;
    h->n_hist++;
    h->trial_boots = trial ? h->trial_boots + 1u : 0;
    const struct iotl_health_policy *pol = &h->cfg->policy;
    uint32_t k = 0;
    for (uint32_t i = 0; i < h->n_hist; i++) {
        int in_window = pol->bootloop_window_s == 0 || now == 0 || h->hist[i].time_s == 0 ||
                        now - h->hist[i].time_s <= (int64_t)pol->bootloop_window_s;
        k += in_window && h->hist[i].unexpected;
    }
    h->bootloop = pol->bootloop_count != 0 && k >= pol->bootloop_count;
    if (h->bootloop) {
        event(h, IOTL_DIAG_EV_ALERT, 0, k, pol->bootloop_count, "bootloop");
    }
    return save(h);
}

static void decide(iotl_health_t *h, enum iotl_health_decision dec, enum iotl_health_decision *out)
{
    *out = dec;
    if (dec != IOTL_HEALTH_WAIT && !h->decided) {
        h->decided = true;
        if (h->trial) {
            event(h, IOTL_DIAG_EV_HEALTH, 0xFFu, dec, 0, dec == IOTL_HEALTH_CONFIRM ? "confirm" : "reject");
        }
        if (h->cfg->on_decision != NULL) {
            h->cfg->on_decision(h->cfg->on_decision_arg, dec);
        }
    }
}

int iotl_health_evaluate(iotl_health_t *h, enum iotl_health_decision *decision)
{
    IOTL_ASSERT(h != NULL && h->cfg != NULL && decision != NULL);
    const struct iotl_health_config *c = h->cfg;
    const struct iotl_health_policy *pol = &c->policy;
    *decision = IOTL_HEALTH_WAIT;
    if (!h->booted) {
        return IOTL_ERR_STATE;
    }
    if (h->trial && (h->bootloop || (pol->max_trial_boots != 0 && h->trial_boots > pol->max_trial_boots))) {
        decide(h, IOTL_HEALTH_REJECT, decision);
        return IOTL_OK;
    }
    int all_pass = 1;
    for (size_t i = 0; i < c->n_checks; i++) {
        int r = c->checks[i].fn(c->checks[i].arg);
        all_pass &= r == 0;
        /* Record each check's first definite result, and any change. */
        uint8_t state = r == 0 ? 1u : r == IOTL_ERR_WOULD_BLOCK ? 0u : 2u;
        if (state != 0 && h->reported[i] != state) {
            h->reported[i] = state;
            event(h, IOTL_DIAG_EV_HEALTH, (uint32_t)i, r, 0, c->checks[i].name);
        }
    }
    h->passes = all_pass ? h->passes + 1u : 0;
    if (h->passes >= (pol->passes_needed != 0 ? pol->passes_needed : 1u)) {
        decide(h, IOTL_HEALTH_CONFIRM, decision);
        return IOTL_OK;
    }
    const struct iotl_platform *p = c->platform;
    if (h->trial && pol->confirm_within_ms != 0 && p != NULL &&
        p->ops->uptime_ms(p->ctx) > pol->confirm_within_ms) {
        decide(h, IOTL_HEALTH_REJECT, decision);
    }
    return IOTL_OK;
}

int iotl_health_observe(iotl_health_t *h, size_t idx, int64_t value)
{
    IOTL_ASSERT(h != NULL && h->cfg != NULL);
    if (idx >= h->cfg->n_thresholds) {
        return IOTL_ERR_INVALID_ARG;
    }
    const struct iotl_health_threshold *t = &h->cfg->thresholds[idx];
    uint32_t bit = 1u << idx;
    if (value >= t->min && value <= t->max) {
        h->alerting &= ~bit;
        return 0;
    }
    if (h->alerting & bit) {
        return 0;
    }
    h->alerting |= bit;
    event(h, IOTL_DIAG_EV_ALERT, t->alert_id, value, value < t->min ? t->min : t->max, t->name);
    return 1;
}

bool iotl_health_bootloop(const iotl_health_t *h)
{
    return h != NULL && h->bootloop;
}

int iotl_health_clear(iotl_health_t *h)
{
    IOTL_ASSERT(h != NULL && h->cfg != NULL);
    h->n_hist = 0;
    h->trial_boots = 0;
    h->bootloop = false;
    return save(h);
}
