/* SPDX-License-Identifier: Apache-2.0 */
/* Power-safe state journal: full-snapshot records appended to the current
 * erase block, compacted into the next block when it is full or damaged.
 * Format (docs/update-lifecycle.md, "State journal"), version 2 (1 is read):
 *   0  u32 magic "IOTJ"     4 u8 version   5 u8 type (1 = state snapshot)
 *   6  u16 len (header..crc) 8 u32 seq     12 payload   len-4 u32 CRC-32 of [0, len-4)
 * Records start at multiples of write_align; padding holds the erased value. */
#include "iotl_priv.h"
#include "iotlife/journal.h"
#include "iotl_stage_priv.h"

#define REC_HDR 12u
#define REC_TYPE_STATE 1u

IOTL_STATIC_ASSERT(IOTL_JOURNAL_RECORD_MAX <= 0xffffu, record_len_fits_u16);

/* One codec for both directions keeps encoder and decoder symmetric. */
struct codec {
    uint8_t *p;
    size_t pos;
    size_t cap;
    int enc;
    int err;
    int ver; /* record format version being read or written */
};

static uint8_t *take(struct codec *c, size_t n)
{
    if (c->err || n > c->cap - c->pos) {
        c->err = 1;
        return NULL;
    }
    uint8_t *q = c->p + c->pos;
    c->pos += n;
    return q;
}

static void c_u8(struct codec *c, uint8_t *v)
{
    uint8_t *q = take(c, 1);
    if (q != NULL) {
        if (c->enc) {
            *q = *v;
        } else {
            *v = *q;
        }
    }
}

static void c_u32(struct codec *c, uint32_t *v)
{
    uint8_t *q = take(c, 4);
    if (q != NULL) {
        if (c->enc) {
            iotl_put_le32(q, *v);
        } else {
            *v = iotl_get_le32(q);
        }
    }
}

static void c_i32(struct codec *c, int32_t *v)
{
    uint32_t u = (uint32_t)*v;
    c_u32(c, &u);
    if (!c->enc) {
        *v = (int32_t)u;
    }
}

static void c_i64(struct codec *c, int64_t *v)
{
    uint8_t *q = take(c, 8);
    if (q != NULL) {
        if (c->enc) {
            iotl_put_le64(q, (uint64_t)*v);
        } else {
            *v = (int64_t)iotl_get_le64(q);
        }
    }
}

static void c_bytes(struct codec *c, void *v, size_t n)
{
    uint8_t *q = take(c, n);
    if (q != NULL) {
        if (c->enc) {
            memcpy(q, v, n);
        } else {
            memcpy(v, q, n);
        }
    }
}

/* Strings are fixed-size fields; the decoder forces termination. */
static void c_str(struct codec *c, char *s, size_t n)
{
    c_bytes(c, s, n);
    s[n - 1] = '\0';
}

static void codec_state(struct codec *c, struct iotl_journal_state *st)
{
    c_u32(c, &st->floors.security_version);
    c_u32(c, &st->floors.manifest_seq);
    c_u32(c, &st->floors.deployment_seq);
    c_u32(c, &st->floors.keyring_version);
    c_i64(c, &st->floors.latest_time);

    c_u8(c, &st->confirmed_slot);
    c_u8(c, &st->trial_slot);
    c_u8(c, &st->attempts_left);
    c_u8(c, &st->trial_booted);
    c_u8(c, &st->phase);
    for (int i = 0; i < 2; i++) {
        struct iotl_slot_meta *m = &st->slot[i];
        c_u8(c, &m->valid);
        c_u32(c, &m->size);
        c_u32(c, &m->security_version);
        c_bytes(c, m->sha256, sizeof(m->sha256));
    }

    struct iotl_update_desc *d = &st->desc;
    c_bytes(c, d->manifest_sha256, sizeof(d->manifest_sha256));
    c_str(c, d->version, sizeof(d->version));
    c_u32(c, &d->security_version);
    c_u32(c, &d->manifest_seq);
    c_u32(c, &d->deployment_seq);
    c_u32(c, &d->keyring_version);
    c_i64(c, &d->latest_time);
    c_u8(c, &d->component_count);
    if (d->component_count > IOTL_STAGE_MAX_COMPONENTS) {
        c->err = 1;
        return;
    }
    for (uint8_t i = 0; i < d->component_count; i++) {
        struct iotl_update_component *k = &d->component[i];
        struct iotl_comp_progress *g = &st->prog[i];
        c_str(c, k->id, sizeof(k->id));
        c_u8(c, &k->kind);
        c_u8(c, &k->flags);
        c_u32(c, &k->payload_size);
        c_u32(c, &k->image_size);
        c_bytes(c, k->image_sha256, sizeof(k->image_sha256));
        c_bytes(c, k->base_sha256, sizeof(k->base_sha256));
        c_u8(c, &g->status);
        c_u32(c, &g->ck_payload_off);
        c_u32(c, &g->ck_image_off);
        uint32_t reserved = 0;
        c_u32(c, &reserved);
    }

    if (c->ver >= 2) {
        /* v2: decoder state of the component in flight. */
        c_u8(c, &st->dec_len);
        if (st->dec_len > IOTL_JOURNAL_DEC_STATE_MAX) {
            c->err = 1;
            return;
        }
        c_bytes(c, st->dec, st->dec_len);
    }

    struct iotl_update_outcome *o = &st->outcome;
    c_u8(c, &o->kind);
    c_u8(c, &o->reason);
    c_u8(c, &o->acked);
    c_u8(c, &o->component_count);
    c_i32(c, &o->code);
    c_u32(c, &o->seq);
    c_u32(c, &o->security_version);
    c_bytes(c, o->manifest_sha256, sizeof(o->manifest_sha256));
    c_str(c, o->version, sizeof(o->version));
    for (int i = 0; i < IOTL_STAGE_MAX_COMPONENTS; i++) {
        c_i32(c, &o->component_code[i]);
    }

    c_u8(c, &st->rolled_back_count);
    c_u8(c, &st->rolled_back_next);
    if (st->rolled_back_count > IOTL_STAGE_ROLLED_BACK_MAX ||
        st->rolled_back_next >= IOTL_STAGE_ROLLED_BACK_MAX) {
        c->err = 1;
        return;
    }
    for (int i = 0; i < IOTL_STAGE_ROLLED_BACK_MAX; i++) {
        c_bytes(c, st->rolled_back[i].manifest_sha256, IOTL_SHA256_LEN);
        c_u32(c, &st->rolled_back[i].deployment_seq);
    }
    /* Semantic checks on decode: a record that passed its CRC but names
     * impossible values was not written by us. */
    if (!c->enc && (st->confirmed_slot > 1 || (st->trial_slot > 1 && st->trial_slot != IOTL_SLOT_NONE) ||
                    st->phase > IOTL_PHASE_TRIAL || o->component_count > IOTL_STAGE_MAX_COMPONENTS)) {
        c->err = 1;
    }
}

void iotl_journal_defaults(struct iotl_journal_state *st)
{
    IOTL_ASSERT(st != NULL);
    memset(st, 0, sizeof(*st));
    st->confirmed_slot = 0;
    st->trial_slot = IOTL_SLOT_NONE;
    st->phase = IOTL_PHASE_IDLE;
}

struct iotl_journal_state *iotl_journal_state(iotl_journal_t *j)
{
    IOTL_ASSERT(j != NULL);
    return &j->st;
}

static int is_newer(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/* Validate the record at off of the area; on success *len and *seq are set
 * and the record is in j->buf. */
static int read_record(iotl_journal_t *j, uint32_t off, uint32_t limit, uint32_t *len, uint32_t *seq,
                       uint8_t *version)
{
    if (limit - off < REC_HDR + 4u) {
        return IOTL_ERR_NOT_FOUND;
    }
    int ret = iotl_storage_read(j->area, off, j->buf, REC_HDR);
    if (ret != IOTL_OK) {
        return ret;
    }
    uint32_t l = iotl_get_le16(j->buf + 6);
    if (iotl_get_le32(j->buf) != IOTL_JOURNAL_MAGIC || l < REC_HDR + 4u || l > IOTL_JOURNAL_RECORD_MAX ||
        l > limit - off) {
        return IOTL_ERR_NOT_FOUND;
    }
    ret = iotl_storage_read(j->area, off + REC_HDR, j->buf + REC_HDR, l - REC_HDR);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (iotl_crc32(0, j->buf, l - 4u) != iotl_get_le32(j->buf + l - 4u)) {
        return IOTL_ERR_NOT_FOUND;
    }
    *len = l;
    *seq = iotl_get_le32(j->buf + 8);
    *version = j->buf[4];
    return IOTL_OK;
}

static int decode_state(iotl_journal_t *j, uint32_t len, struct iotl_journal_state *out)
{
    if (j->buf[4] < 1u || j->buf[4] > IOTL_JOURNAL_VERSION || j->buf[5] != REC_TYPE_STATE) {
        return IOTL_ERR_NOT_FOUND;
    }
    struct iotl_journal_state tmp;
    iotl_journal_defaults(&tmp);
    struct codec c = {j->buf + REC_HDR, 0, len - REC_HDR - 4u, 0, 0, j->buf[4]};
    codec_state(&c, &tmp);
    if (c.err || c.pos != c.cap) {
        return IOTL_ERR_NOT_FOUND;
    }
    *out = tmp;
    return IOTL_OK;
}

int iotl_journal_mount(iotl_journal_t *j, const struct iotl_storage *area)
{
    IOTL_ASSERT(j != NULL);
    memset(j, 0, sizeof(*j));
    iotl_journal_defaults(&j->st);
    if (iotl_storage_check(area) != IOTL_OK) {
        return IOTL_ERR_SLOT_GEOMETRY;
    }
    const struct iotl_storage_geometry *g = &area->geo;
    uint32_t nblk = g->size / g->erase_size;
    if (nblk < 2 || g->write_align > IOTL_STAGE_MAX_WRITE_ALIGN ||
        g->erase_size < IOTL_ALIGN_UP(IOTL_JOURNAL_RECORD_MAX, g->write_align)) {
        return IOTL_ERR_SLOT_GEOMETRY;
    }
    j->area = area;
    j->block = nblk - 1u; /* so the first commit lands in block 0 */
    j->pos = g->erase_size;

    int found = 0, crc_valid = 0;
    uint32_t best_seq = 0, best_blk = 0, best_end = 0;
    for (uint32_t b = 0; b < nblk; b++) {
        uint32_t base = b * g->erase_size;
        uint32_t limit = base + g->erase_size;
        uint32_t off = base;
        for (;;) {
            uint32_t len, seq;
            uint8_t ver;
            int ret = read_record(j, off, limit, &len, &seq, &ver);
            if (ret == IOTL_ERR_NOT_FOUND) {
                break;
            }
            if (ret != IOTL_OK) {
                return ret;
            }
            crc_valid = 1;
            /* Records of a newer format version are stepped over (their
             * header layout is frozen) but only versions we understand are
             * candidates for the current state. */
            if (ver >= 1u && ver <= IOTL_JOURNAL_VERSION && (!found || is_newer(seq, best_seq)) &&
                decode_state(j, len, &j->st) == IOTL_OK) {
                found = 1;
                best_seq = seq;
                best_blk = b;
                best_end = off + (uint32_t)IOTL_ALIGN_UP(len, g->write_align);
            }
            off += (uint32_t)IOTL_ALIGN_UP(len, g->write_align);
        }
    }
    if (!found) {
        /* Intact records we cannot decode (another format version or build
         * configuration) are not a new device: refuse rather than re-create. */
        return crc_valid ? IOTL_ERR_JOURNAL : IOTL_ERR_NOT_FOUND;
    }
    j->seq = best_seq;
    j->block = best_blk;
    j->pos = best_end - best_blk * g->erase_size;
    return IOTL_OK;
}

static int range_erased(iotl_journal_t *j, uint32_t off, uint32_t len)
{
    return iotl_storage_is_erased(j->area, off, len);
}

int iotl_journal_commit(iotl_journal_t *j)
{
    IOTL_ASSERT(j != NULL && j->area != NULL);
    const struct iotl_storage_geometry *g = &j->area->geo;
    struct codec c = {j->buf + REC_HDR, 0, IOTL_JOURNAL_RECORD_MAX - REC_HDR - 4u, 1, 0, IOTL_JOURNAL_VERSION};
    codec_state(&c, &j->st);
    IOTL_ASSERT(!c.err);
    if (c.err) {
        return IOTL_ERR_OVERFLOW;
    }
    uint32_t len = (uint32_t)(REC_HDR + c.pos + 4u);
    uint32_t seq = j->seq + 1u;
    iotl_put_le32(j->buf, IOTL_JOURNAL_MAGIC);
    j->buf[4] = (uint8_t)IOTL_JOURNAL_VERSION;
    j->buf[5] = (uint8_t)REC_TYPE_STATE;
    iotl_put_le16(j->buf + 6, (uint16_t)len);
    iotl_put_le32(j->buf + 8, seq);
    iotl_put_le32(j->buf + len - 4u, iotl_crc32(0, j->buf, len - 4u));
    uint32_t padded = (uint32_t)IOTL_ALIGN_UP(len, g->write_align);
    memset(j->buf + len, g->erased_value, padded - len);

    uint32_t nblk = g->size / g->erase_size;
    uint32_t blk = j->block;
    uint32_t pos = j->pos;
    int fits = pos <= g->erase_size && padded <= g->erase_size - pos;
    if (fits) {
        int e = range_erased(j, blk * g->erase_size + pos, padded);
        if (e < 0) {
            return e;
        }
        fits = e;
    }
    if (!fits) {
        /* Compaction: the snapshot goes first in the next block. The block
         * holding the newest record is never the one erased. */
        blk = (blk + 1u) % nblk;
        pos = 0;
        int ret = iotl_storage_erase(j->area, blk * g->erase_size, g->erase_size);
        j->erases++;
        if (ret != IOTL_OK) {
            j->pos = g->erase_size; /* retry compacts into the same block */
            return ret;
        }
    }
    int ret = iotl_storage_write(j->area, blk * g->erase_size + pos, j->buf, padded);
    j->writes++;
    j->seq = seq; /* burnt even on failure: a record that landed anyway must not share it */
    if (ret == IOTL_OK) {
        ret = iotl_storage_sync(j->area);
    }
    if (ret != IOTL_OK) {
        /* The range may hold a torn record: never append there again. The
         * block with the newest durable record stays j->block, so a retry
         * compacts into the next block again, never erasing that one. */
        j->pos = g->erase_size;
        return ret;
    }
    j->block = blk;
    j->pos = pos + padded;
    return IOTL_OK;
}

void iotl_journal_new_outcome(struct iotl_journal_state *st, uint8_t kind, uint8_t reason, int32_t code)
{
    struct iotl_update_outcome *o = &st->outcome;
    uint32_t seq = o->seq + 1u;
    int32_t codes[IOTL_STAGE_MAX_COMPONENTS];
    memcpy(codes, o->component_code, sizeof(codes));
    int same = memcmp(o->manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN) == 0;
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->reason = reason;
    o->code = code;
    o->seq = seq;
    o->security_version = st->desc.security_version;
    memcpy(o->manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN);
    memcpy(o->version, st->desc.version, sizeof(o->version));
    o->component_count = st->desc.component_count;
    if (same) {
        /* Same release moving on (installed -> confirmed): keep per-component codes. */
        memcpy(o->component_code, codes, sizeof(codes));
    }
}

void iotl_journal_clear_update(struct iotl_journal_state *st)
{
    memset(&st->desc, 0, sizeof(st->desc));
    memset(st->prog, 0, sizeof(st->prog));
    st->dec_len = 0;
    memset(st->dec, 0, sizeof(st->dec));
    st->phase = IOTL_PHASE_IDLE;
}

void iotl_journal_rollback(struct iotl_journal_state *st, uint8_t reason, int32_t code)
{
    iotl_journal_new_outcome(st, IOTL_OUTCOME_ROLLED_BACK, reason, code);
    int idx = -1;
    for (int i = 0; i < st->rolled_back_count; i++) {
        if (memcmp(st->rolled_back[i].manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN) == 0) {
            idx = i;
        }
    }
    if (idx < 0) {
        if (st->rolled_back_count < IOTL_STAGE_ROLLED_BACK_MAX) {
            idx = st->rolled_back_count++;
        } else {
            idx = st->rolled_back_next;
            st->rolled_back_next = (uint8_t)((st->rolled_back_next + 1u) % IOTL_STAGE_ROLLED_BACK_MAX);
        }
    }
    memcpy(st->rolled_back[idx].manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN);
    st->rolled_back[idx].deployment_seq = st->desc.deployment_seq;
    if (st->trial_slot <= 1) {
        st->slot[st->trial_slot].valid = 0;
    }
    st->trial_slot = IOTL_SLOT_NONE;
    st->attempts_left = 0;
    st->trial_booted = 0;
    iotl_journal_clear_update(st);
}
