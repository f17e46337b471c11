/* SPDX-License-Identifier: Apache-2.0 */
/* Boot-time slot selector. Decrement before hand-over, roll back when the
 * attempts are spent; both are journal records written before the decision
 * is returned. */
#include "iotl_priv.h"
#include "iotlife/boot.h"
#include "iotl_stage_priv.h"

int iotl_stage_hash_area(const struct iotl_crypto *c, iotl_sha256_state_t *sha, const struct iotl_storage *area,
                         uint32_t len, uint8_t *buf, uint32_t buf_len)
{
    int ret = IOTL_OK;
    for (uint32_t off = 0; ret == IOTL_OK && off < len;) {
        uint32_t n = IOTL_MIN(len - off, buf_len);
        ret = iotl_storage_read(area, off, buf, n);
        if (ret == IOTL_OK) {
            ret = c->ops->sha256_update(c->ctx, sha, buf, n);
        }
        off += n;
    }
    return ret;
}

int iotl_stage_hash_check(const struct iotl_crypto *c, iotl_sha256_state_t *sha, const uint8_t *expected)
{
    uint8_t digest[IOTL_SHA256_LEN];
    int ret = c->ops->sha256_finish(c->ctx, sha, digest);
    /* Fail closed: only an explicit match is a match. */
    if (ret == IOTL_OK && expected != NULL && iotl_memcmp_ct(digest, expected, IOTL_SHA256_LEN) != 0) {
        ret = IOTL_ERR_HASH_MISMATCH;
    }
    return ret;
}

/* 1 when the slot's content matches the journal's digest, or when no crypto
 * is configured (the check is off). */
static int image_ok(const struct iotl_boot_config *cfg, const struct iotl_slot_meta *m, unsigned slot)
{
    const struct iotl_storage *a = cfg->slot[slot];
    const struct iotl_crypto *c = cfg->crypto;
    if (c == NULL) {
        return 1;
    }
    if (a == NULL) {
        return 0;
    }
    /* A size beyond the slot fails the bounds check of the read that reaches it. */
    iotl_sha256_state_t st;
    int ret = c->ops->sha256_start(c->ctx, &st);
    if (ret == IOTL_OK) {
        uint8_t buf[128];
        ret = iotl_stage_hash_area(c, &st, a, m->size, buf, (uint32_t)sizeof(buf));
    }
    int fin = iotl_stage_hash_check(c, &st, m->sha256);
    return (ret | fin) == IOTL_OK; /* both succeeded */
}

int iotl_boot_select(iotl_boot_t *b, const struct iotl_boot_config *cfg, struct iotl_boot_result *res)
{
    IOTL_ASSERT(b != NULL && cfg != NULL && res != NULL);
    memset(res, 0, sizeof(*res));
    int ret = iotl_journal_mount(&b->j, cfg->state);
    if (ret == IOTL_ERR_NOT_FOUND) {
        return IOTL_OK; /* new device: the factory image in slot 0 */
    }
    if (ret != IOTL_OK) {
        return ret;
    }
    struct iotl_journal_state *st = iotl_journal_state(&b->j);
    res->slot = st->confirmed_slot;
    if (st->phase == IOTL_PHASE_TRIAL && st->trial_slot <= 1) {
        unsigned reason = IOTL_ROLLBACK_NONE;
        if (st->attempts_left == 0) {
            reason = IOTL_ROLLBACK_ATTEMPTS_EXHAUSTED;
        } else if (!image_ok(cfg, &st->slot[st->trial_slot], st->trial_slot)) {
            reason = IOTL_ROLLBACK_IMAGE_INVALID;
        }
        if (reason == IOTL_ROLLBACK_NONE) {
            unsigned trial = st->trial_slot;
            st->attempts_left--;
            st->trial_booted = 1;
            if (iotl_journal_commit(&b->j) != IOTL_OK) {
                return IOTL_OK; /* no durable decrement: boot the confirmed image */
            }
            res->slot = (uint8_t)trial;
            res->trial = 1;
            res->attempts_left = st->attempts_left;
            return IOTL_OK;
        }
        res->rolled_back = (uint8_t)reason;
        (void)iotl_journal_outcome(&b->j, IOTL_OUTCOME_ROLLED_BACK, reason, 0); /* if not durable, the next boot rolls back again */
    }
    if (st->slot[st->confirmed_slot].valid == IOTL_SLOT_IMAGE && !image_ok(cfg, &st->slot[st->confirmed_slot], st->confirmed_slot)) {
        return IOTL_ERR_NOT_BOOTABLE;
    }
    return IOTL_OK;
}
