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

/* Field types of the codec tables. */
enum { F_INT, F_RAW, F_STR, F_PAD };

/* One fixed-size field at off of a base struct: an unsigned integer of 1, 4
 * or 8 bytes (little-endian on flash; int32/int64 fields share the bits of
 * their unsigned type), raw bytes, a NUL-terminated fixed-size string, or
 * len reserved zero bytes. */
struct field {
    uint16_t off;
    uint8_t len;
    uint8_t type;
};
IOTL_STATIC_ASSERT(sizeof(struct iotl_journal_state) <= 0xffffu, state_offsets_fit_u16);
IOTL_STATIC_ASSERT(IOTL_SHA256_LEN <= 0xffu && IOTL_STAGE_ID_MAX <= 0xffu && IOTL_STAGE_VERSION_MAX <= 0xffu,
                   field_lengths_fit_u8);

#define FLD(type_, member, t) {(uint16_t)offsetof(type_, member), (uint8_t)sizeof(((type_ *)0)->member), t}
#define S_INT(m) FLD(struct iotl_journal_state, m, F_INT)
#define S_RAW(m) FLD(struct iotl_journal_state, m, F_RAW)
#define S_STR(m) FLD(struct iotl_journal_state, m, F_STR)

/* The state up to the components (on-flash order). */
static const struct field k_head[] = {
    S_INT(floors.security_version), S_INT(floors.manifest_seq), S_INT(floors.deployment_seq),
    S_INT(floors.keyring_version), S_INT(floors.latest_time), S_INT(confirmed_slot), S_INT(trial_slot),
    S_INT(attempts_left), S_INT(trial_booted), S_INT(phase), S_INT(slot[0].valid), S_INT(slot[0].size),
    S_INT(slot[0].security_version), S_RAW(slot[0].sha256), S_INT(slot[1].valid), S_INT(slot[1].size),
    S_INT(slot[1].security_version), S_RAW(slot[1].sha256), S_RAW(desc.manifest_sha256), S_STR(desc.version),
    S_INT(desc.security_version), S_INT(desc.manifest_seq), S_INT(desc.deployment_seq),
    S_INT(desc.keyring_version), S_INT(desc.latest_time), S_INT(desc.component_count),
};

/* One component: its descriptor, then its progress and 4 reserved bytes. */
static const struct field k_comp[] = {
    FLD(struct iotl_update_component, id, F_STR),           FLD(struct iotl_update_component, kind, F_INT),
    FLD(struct iotl_update_component, flags, F_INT),        FLD(struct iotl_update_component, payload_size, F_INT),
    FLD(struct iotl_update_component, image_size, F_INT),   FLD(struct iotl_update_component, image_sha256, F_RAW),
    FLD(struct iotl_update_component, base_sha256, F_RAW),
};
static const struct field k_prog[] = {
    FLD(struct iotl_comp_progress, status, F_INT),
    FLD(struct iotl_comp_progress, ck_payload_off, F_INT),
    FLD(struct iotl_comp_progress, ck_image_off, F_INT),
    {0, 4, F_PAD},
};

/* The outcome (its per-component codes follow), then the rollback counters. */
static const struct field k_outcome[] = {
    S_INT(outcome.kind),     S_INT(outcome.reason),           S_INT(outcome.acked),
    S_INT(outcome.component_count), S_INT(outcome.code),      S_INT(outcome.seq),
    S_INT(outcome.security_version), S_RAW(outcome.manifest_sha256), S_STR(outcome.version),
};
static const struct field k_code = {0, 4, F_INT};
static const struct field k_rb_counts[] = {S_INT(rolled_back_count), S_INT(rolled_back_next)};
static const struct field k_rb[] = {
    FLD(struct iotl_rolled_back, manifest_sha256, F_RAW),
    FLD(struct iotl_rolled_back, deployment_seq, F_INT),
};

static void c_fields(struct codec *c, void *base, const struct field *f, size_t n)
{
    for (; n > 0; n--, f++) {
        uint8_t *v = (uint8_t *)base + f->off;
        uint8_t *q = take(c, f->len);
        if (q == NULL) {
            return;
        }
        if (f->type == F_INT && f->len != 1u) {
            if (c->enc) {
                if (f->len == 4u) {
                    iotl_put_le32(q, *(const uint32_t *)(const void *)v);
                } else {
                    iotl_put_le64(q, *(const uint64_t *)(const void *)v);
                }
            } else if (f->len == 4u) {
                *(uint32_t *)(void *)v = iotl_get_le32(q);
            } else {
                *(uint64_t *)(void *)v = iotl_get_le64(q);
            }
        } else if (f->type == F_PAD) {
            if (c->enc) {
                memset(q, 0, f->len);
            }
        } else if (c->enc) {
            memcpy(q, v, f->len);
        } else {
            memcpy(v, q, f->len);
        }
        if (f->type == F_STR) {
            v[f->len - 1u] = '\0'; /* the decoder forces termination */
        }
    }
}

#define C_TABLE(c, base, t) c_fields((c), (base), (t), sizeof(t) / sizeof((t)[0]))

static void codec_state(struct codec *c, struct iotl_journal_state *st)
{
    C_TABLE(c, st, k_head);
    struct iotl_update_desc *d = &st->desc;
    if (d->component_count > IOTL_STAGE_MAX_COMPONENTS) {
        c->err = 1;
        return;
    }
    for (uint8_t i = 0; i < d->component_count; i++) {
        C_TABLE(c, &d->component[i], k_comp);
        C_TABLE(c, &st->prog[i], k_prog);
    }

    if (c->ver >= 2) {
        /* v2: decoder state of the component in flight. */
        struct field dec = S_INT(dec_len);
        c_fields(c, st, &dec, 1);
        if (st->dec_len > IOTL_JOURNAL_DEC_STATE_MAX) {
            c->err = 1;
            return;
        }
        dec.off = (uint16_t)offsetof(struct iotl_journal_state, dec);
        dec.len = st->dec_len;
        dec.type = F_RAW;
        c_fields(c, st, &dec, 1);
    }

    struct iotl_update_outcome *o = &st->outcome;
    C_TABLE(c, st, k_outcome);
    for (int i = 0; i < IOTL_STAGE_MAX_COMPONENTS; i++) {
        c_fields(c, &o->component_code[i], &k_code, 1);
    }

    C_TABLE(c, st, k_rb_counts);
    if (st->rolled_back_count > IOTL_STAGE_ROLLED_BACK_MAX ||
        st->rolled_back_next >= IOTL_STAGE_ROLLED_BACK_MAX) {
        c->err = 1;
        return;
    }
    for (int i = 0; i < IOTL_STAGE_ROLLED_BACK_MAX; i++) {
        C_TABLE(c, &st->rolled_back[i], k_rb);
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
    if (memcmp(o->manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN) != 0) {
        /* Another release: its per-component codes start clean (the same
         * release moving on, installed -> confirmed, keeps them). */
        memset(o->component_code, 0, sizeof(o->component_code));
    }
    o->kind = kind;
    o->reason = reason;
    o->acked = 0;
    o->code = code;
    o->seq++;
    o->security_version = st->desc.security_version;
    memcpy(o->manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN);
    memcpy(o->version, st->desc.version, sizeof(o->version));
    o->component_count = st->desc.component_count;
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
