/* SPDX-License-Identifier: Apache-2.0 */
/* Power-safe state journal: full-snapshot records appended to the current
 * erase block, compacted into the next block when it is full or damaged.
 * Format (docs/update-lifecycle.md, "State journal"), version 2 (the
 * pre-release version 1 is no longer read):
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
    uint8_t pad[4]; /* source of reserved zero bytes (encode), sink for them (decode) */
};

/* Field types of the codec tables: raw bytes, a NUL-terminated fixed-size
 * string, reserved zero bytes, raw bytes of which only as many as the byte
 * before says are used (at most the field's size), or unsigned integers of 4 or 8 bytes
 * (little-endian on flash; int32/int64 fields share the bits of their
 * unsigned type; a field may be an array of them). One-byte integers are raw. */
enum { F_RAW = 0, F_STR = 1, F_PAD = 2, F_VAR = 3, F_I32 = 4, F_I64 = 8 };

/* 1 on a little-endian host (folded by the compiler). */
static int host_le(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b;
}

/* Store v little-endian at p (one unaligned store on a little-endian host). */
static void put_le32(uint8_t *p, uint32_t v)
{
    if (host_le()) {
        memcpy(p, &v, 4);
    } else {
        iotl_put_le32(p, v);
    }
}

/* Load a little-endian u32 from p (one unaligned load on a little-endian host). */
static IOTL_ALWAYS_INLINE uint32_t get_le32(const uint8_t *p)
{
    uint32_t v;
    if (host_le()) {
        memcpy(&v, p, 4);
    } else {
        v = iotl_get_le32(p);
    }
    return v;
}

/* Move len bytes between v and the record; integers are little-endian on flash. */
static void c_bytes(struct codec *c, uint8_t *v, size_t len, unsigned type)
{
    if (c->err || len > c->cap - c->pos) {
        c->err = 1;
        return;
    }
    uint8_t *q = c->p + c->pos;
    c->pos += len;
    if (type == F_PAD) {
        v = c->pad;
    }
    uint8_t *dst = c->enc ? q : v;
    memcpy(dst, c->enc ? v : q, len);
    if (!host_le() && type >= F_I32) {
        for (size_t e = 0; e < len; e += type) { /* byte-swap each element in place */
            for (size_t k = 0; k < type / 2u; k++) {
                uint8_t t = dst[e + k];
                dst[e + k] = dst[e + type - 1u - k];
                dst[e + type - 1u - k] = t;
            }
        }
    }
    if (type == F_STR) {
        v[len - 1u] = '\0'; /* the decoder forces termination */
    }
}

/* A field table entry: {gap << 4 | type, len}: skip gap padding bytes of the
 * struct, then move len bytes of the type. Entries follow the struct order. */
IOTL_STATIC_ASSERT(IOTL_SHA256_LEN <= 0xffu && IOTL_STAGE_ID_MAX <= 0xffu && IOTL_STAGE_VERSION_MAX <= 0xffu &&
                       4u * IOTL_STAGE_MAX_COMPONENTS <= 0xffu,
                   field_lengths_fit_u8);

/* A gap or length that does not fit its bits is a compile error (negative array size). */
#define FITS(v, max) (0u * sizeof(char[(v) <= (max) ? 1 : -1]))
#define ENT(gap, len, t) {(uint8_t)((gap) << 4 | (t) | FITS(gap, 15u)), (uint8_t)((len) | FITS(len, 255u))}
#define M_OFF(type_, m) offsetof(type_, m)
#define M_END(type_, m) (offsetof(type_, m) + sizeof(((type_ *)0)->m))
/* A run of adjacent members first..last of one type (no padding between them,
 * asserted below) that starts pad bytes after the previous run's end prev. */
#define RUN(type_, prev, first, last, t) \
    ENT(M_OFF(type_, first) - (prev), M_END(type_, last) - M_OFF(type_, first), t)
#define S_END(m) (offsetof(struct iotl_journal_state, m) + sizeof(((struct iotl_journal_state *)0)->m))
#define S_OFF(m) offsetof(struct iotl_journal_state, m)

/* The runs below are the on-flash fields in order; they cover adjacent members only. */
IOTL_STATIC_ASSERT(S_OFF(floors.latest_time) == S_END(floors.keyring_version) &&
                       S_END(floors.keyring_version) - S_OFF(floors.security_version) == 16u &&
                       S_OFF(floors.security_version) == S_OFF(floors) && S_OFF(floors) == 0u &&
                       S_END(phase) - S_OFF(confirmed_slot) == 5u &&
                       S_OFF(slot[1].valid) == S_END(slot[0].sha256) && S_OFF(desc) == S_END(slot[1].sha256) &&
                       S_OFF(slot[0].size) + 4u == S_OFF(slot[0].security_version) &&
                       S_OFF(slot[1].size) + 4u == S_OFF(slot[1].security_version) &&
                       S_END(desc.keyring_version) - S_OFF(desc.security_version) == 16u &&
                       S_OFF(outcome.code) == 4u + S_OFF(outcome) &&
                       S_END(outcome.security_version) - S_OFF(outcome.code) == 12u &&
                       S_OFF(outcome.version) == S_END(outcome.manifest_sha256) &&
                       S_OFF(outcome.component_code) == S_END(outcome.version) &&
                       S_OFF(rolled_back_count) == S_END(outcome) && S_OFF(rolled_back_next) == S_END(rolled_back_count),
                   state_runs_adjacent);
IOTL_STATIC_ASSERT(offsetof(struct iotl_update_component, payload_size) + 8u ==
                           offsetof(struct iotl_update_component, image_sha256) &&
                       offsetof(struct iotl_update_component, base_sha256) ==
                           offsetof(struct iotl_update_component, image_sha256) + IOTL_SHA256_LEN &&
                       offsetof(struct iotl_update_component, flags) == offsetof(struct iotl_update_component, kind) + 1u &&
                       offsetof(struct iotl_comp_progress, ck_image_off) ==
                           offsetof(struct iotl_comp_progress, ck_payload_off) + 4u,
                   component_runs_adjacent);

#define S_RUN(prev, first, last, t) RUN(struct iotl_journal_state, prev, first, last, t)
#define C_RUN(prev, first, last, t) RUN(struct iotl_update_component, prev, first, last, t)
#define P_RUN(prev, first, last, t) RUN(struct iotl_comp_progress, prev, first, last, t)

/* The state up to the components (on-flash order; the floors first in both). */
static const uint8_t k_head[][2] = {
    S_RUN(0u, floors.security_version, floors.keyring_version, F_I32),
    S_RUN(S_END(floors.keyring_version), floors.latest_time, floors.latest_time, F_I64),
    S_RUN(S_END(floors.latest_time), confirmed_slot, phase, F_RAW),
    S_RUN(S_END(phase), slot[0].valid, slot[0].valid, F_RAW),
    S_RUN(S_END(slot[0].valid), slot[0].size, slot[0].security_version, F_I32),
    S_RUN(S_END(slot[0].security_version), slot[0].sha256, slot[1].valid, F_RAW),
    S_RUN(S_END(slot[1].valid), slot[1].size, slot[1].security_version, F_I32),
    S_RUN(S_END(slot[1].security_version), slot[1].sha256, desc.manifest_sha256, F_RAW),
    S_RUN(S_END(desc.manifest_sha256), desc.version, desc.version, F_STR),
    S_RUN(S_END(desc.version), desc.security_version, desc.keyring_version, F_I32),
    S_RUN(S_END(desc.keyring_version), desc.latest_time, desc.latest_time, F_I64),
    S_RUN(S_END(desc.latest_time), desc.component_count, desc.component_count, F_RAW),
};

/* One component: its descriptor, then its progress and 4 reserved bytes. */
#define C_END(m) M_END(struct iotl_update_component, m)
static const uint8_t k_comp[][2] = {
    C_RUN(0u, id, id, F_STR),
    C_RUN(C_END(id), kind, flags, F_RAW),
    C_RUN(C_END(flags), payload_size, image_size, F_I32),
    C_RUN(C_END(image_size), image_sha256, base_sha256, F_RAW),
};
static const uint8_t k_prog[][2] = {
    P_RUN(0u, status, status, F_RAW),
    P_RUN(M_END(struct iotl_comp_progress, status), ck_payload_off, ck_image_off, F_I32),
    ENT(0u, 4u, F_PAD),
};

/* The decoder state of the component in flight (its used length, then as
 * many bytes), the outcome with its per-component codes, then the rollback
 * counters (base: dec_len). */
#define T_RUN(prev, first, last, t) \
    ENT(S_OFF(first) - S_OFF(dec_len) - (prev), S_END(last) - S_OFF(first), t)
#define T_END(m) (S_END(m) - S_OFF(dec_len))
IOTL_STATIC_ASSERT(S_OFF(dec) == S_END(dec_len) && S_OFF(outcome) - S_END(dec) < 16u &&
                       IOTL_JOURNAL_DEC_STATE_MAX <= 0xffu,
                   dec_state_entries_fit);
static const uint8_t k_tail[][2] = {
    T_RUN(0u, dec_len, dec_len, F_RAW),
    T_RUN(T_END(dec_len), dec, dec, F_VAR),
    T_RUN(T_END(dec), outcome.kind, outcome.component_count, F_RAW),
    T_RUN(T_END(outcome.component_count), outcome.code, outcome.security_version, F_I32),
    T_RUN(T_END(outcome.security_version), outcome.manifest_sha256, outcome.manifest_sha256, F_RAW),
    T_RUN(T_END(outcome.manifest_sha256), outcome.version, outcome.version, F_STR),
    T_RUN(T_END(outcome.version), outcome.component_code, outcome.component_code, F_I32),
    T_RUN(T_END(outcome.component_code), rolled_back_count, rolled_back_next, F_RAW),
};
static const uint8_t k_rb[][2] = {
    RUN(struct iotl_rolled_back, 0u, manifest_sha256, manifest_sha256, F_RAW),
    RUN(struct iotl_rolled_back, M_END(struct iotl_rolled_back, manifest_sha256), deployment_seq, deployment_seq,
        F_I32),
};

static void c_fields(struct codec *c, void *base, const uint8_t (*f)[2], size_t n)
{
    uint8_t *v = (uint8_t *)base;
    for (; n > 0; n--, f++) {
        unsigned type = (*f)[0] & 15u;
        size_t len = (*f)[1];
        v += (*f)[0] >> 4;
        if (type == F_VAR) { /* its length byte came just before (decoded first) */
            if (v[-1] > len) {
                c->err = 1;
            } else {
                len = v[-1];
            }
        }
        c_bytes(c, v, len, type);
        v += (*f)[1];
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
    for (unsigned i = 0; i < d->component_count; i++) {
        C_TABLE(c, &d->component[i], k_comp);
        C_TABLE(c, &st->prog[i], k_prog);
    }
    C_TABLE(c, &st->dec_len, k_tail);
    for (int i = 0; i < IOTL_STAGE_ROLLED_BACK_MAX; i++) {
        C_TABLE(c, &st->rolled_back[i], k_rb);
    }
    /* A record that passed its CRC but names impossible values was not
     * written by us (the encoder never meets these). */
    if (st->confirmed_slot > 1 || (st->trial_slot > 1 && st->trial_slot != IOTL_SLOT_NONE) ||
        st->phase > IOTL_PHASE_TRIAL || st->outcome.component_count > IOTL_STAGE_MAX_COMPONENTS ||
        st->rolled_back_count > IOTL_STAGE_ROLLED_BACK_MAX || st->rolled_back_next >= IOTL_STAGE_ROLLED_BACK_MAX) {
        c->err = 1;
    }
}

/* Encode st into (enc) or decode it from the cap bytes at p: the bytes
 * used, or -1 when they do not fit or the values are impossible. */
static int32_t codec_run(struct iotl_journal_state *st, uint8_t *p, size_t cap, int enc)
{
    struct codec c = {p, 0, cap, enc, 0, {0}};
    codec_state(&c, st);
    return c.err ? -1 : (int32_t)c.pos;
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

/* The length of the valid record at off (room bytes left in its block), read
 * into j->buf; 0 when there is none; or a storage error. One read takes as
 * much as the largest record (or the rest of the block) and the header is
 * checked in the buffer. */
static int32_t read_record(iotl_journal_t *j, uint32_t off, uint32_t room)
{
    uint8_t *b = j->buf;
    if (room < REC_HDR + 4u) {
        return 0;
    }
    int ret = iotl_storage_read(j->area, off, b, IOTL_MIN(room, IOTL_JOURNAL_RECORD_MAX));
    if (ret != IOTL_OK) {
        return ret;
    }
    uint32_t l = iotl_get_le16(b + 6);
    if (get_le32(b) != IOTL_JOURNAL_MAGIC || l < REC_HDR + 4u || l > IOTL_JOURNAL_RECORD_MAX || l > room) {
        return 0;
    }
    return iotl_crc32(0, b, l - 4u) == get_le32(b + l - 4u) ? (int32_t)l : 0;
}

/* Decode the record of len bytes in j->buf into j->st (untouched on failure).
 * Only the current format version is read (version 1 was pre-release). */
static IOTL_ALWAYS_INLINE int decode_state(iotl_journal_t *j, uint32_t len)
{
    if (j->buf[4] != IOTL_JOURNAL_VERSION || j->buf[5] != REC_TYPE_STATE) {
        return IOTL_ERR_NOT_FOUND;
    }
    struct iotl_journal_state tmp;
    iotl_journal_defaults(&tmp);
    if (codec_run(&tmp, j->buf + REC_HDR, len - REC_HDR - 4u, 0) != (int32_t)(len - REC_HDR - 4u)) {
        return IOTL_ERR_NOT_FOUND;
    }
    j->st = tmp;
    return IOTL_OK;
}

IOTL_STATIC_ASSERT(IOTL_PHASE_IDLE == 0, idle_phase_is_zero);

int iotl_journal_mount(iotl_journal_t *j, const struct iotl_storage *area)
{
    IOTL_ASSERT(j != NULL);
    memset(j, 0, sizeof(*j));
    j->st.trial_slot = IOTL_SLOT_NONE; /* iotl_journal_defaults() on the cleared state */
    if (iotl_storage_check(area) != IOTL_OK) {
        return IOTL_ERR_SLOT_GEOMETRY;
    }
    const struct iotl_storage_geometry *g = &area->geo;
    uint32_t es = g->erase_size;
    uint32_t nblk = g->size / es;
    /* iotl_storage_check(): erase_size and write_align are powers of two,
     * write_align <= erase_size, so a block that holds the largest record
     * also holds it padded, and the masks below are the remainders. */
    if (nblk < 2 || g->write_align > IOTL_STAGE_MAX_WRITE_ALIGN || es < IOTL_JOURNAL_RECORD_MAX) {
        return IOTL_ERR_SLOT_GEOMETRY;
    }
    j->area = area;
    j->block = nblk - 1u; /* so the first commit lands in block 0 */
    j->pos = es;

    /* Each block is scanned from its start up to its first invalid record. */
    int found = 0, crc_valid = 0;
    for (uint32_t off = 0; off < nblk * es;) {
        int32_t len = read_record(j, off, es - (off & (es - 1u)));
        if (len < 0) {
            return len;
        }
        if (len == 0) {
            off = (off | (es - 1u)) + 1u; /* the next block */
            continue;
        }
        crc_valid = 1;
        uint32_t seq = get_le32(j->buf + 8);
        uint32_t padded = ((uint32_t)len + g->write_align - 1u) & ~(g->write_align - 1u);
        /* Records of another format version are stepped over (their header
         * layout is frozen) but only decodable ones are candidates. */
        if ((!found || is_newer(seq, j->seq)) && decode_state(j, (uint32_t)len) == IOTL_OK) {
            found = 1;
            j->seq = seq;
            j->block = off / es;
            j->pos = (off & (es - 1u)) + padded;
        }
        off += padded;
    }
    if (!found) {
        /* Intact records we cannot decode (another format version or build
         * configuration) are not a new device: refuse rather than re-create. */
        return crc_valid ? IOTL_ERR_JOURNAL : IOTL_ERR_NOT_FOUND;
    }
    return IOTL_OK;
}

int iotl_journal_commit(iotl_journal_t *j)
{
    IOTL_ASSERT(j != NULL && j->area != NULL);
    const struct iotl_storage_geometry *g = &j->area->geo;
    uint32_t es = g->erase_size;
    int32_t used = codec_run(&j->st, j->buf + REC_HDR, IOTL_JOURNAL_RECORD_MAX - REC_HDR - 4u, 1);
    IOTL_ASSERT(used >= 0);
    if (used < 0) {
        return IOTL_ERR_OVERFLOW;
    }
    uint32_t len = (uint32_t)(REC_HDR + (uint32_t)used + 4u);
    uint32_t seq = j->seq + 1u;
    put_le32(j->buf, IOTL_JOURNAL_MAGIC);
    put_le32(j->buf + 4, IOTL_JOURNAL_VERSION | REC_TYPE_STATE << 8 | len << 16); /* version, type, len */
    put_le32(j->buf + 8, seq);
    put_le32(j->buf + len - 4u, iotl_crc32(0, j->buf, len - 4u));
    uint32_t padded = (len + g->write_align - 1u) & ~(g->write_align - 1u); /* a power of two */
    memset(j->buf + len, g->erased_value, padded - len);

    uint32_t blk = j->block;
    uint32_t pos = j->pos; /* <= es */
    int ret = padded <= es - pos ? iotl_storage_is_erased(j->area, blk * es + pos, padded) : 0;
    if (ret < 0) {
        return ret;
    }
    if (ret == 0) {
        /* Compaction: the snapshot goes first in the next block. The block
         * holding the newest record is never the one erased. */
        blk = (blk + 1u) % (g->size / es);
        pos = 0;
        ret = iotl_storage_erase(j->area, blk * es, es);
        j->erases++;
        if (ret != IOTL_OK) {
            j->pos = es; /* retry compacts into the same block */
            return ret;
        }
    }
    ret = iotl_storage_write(j->area, blk * es + pos, j->buf, padded);
    j->writes++;
    j->seq = seq; /* burnt even on failure: a record that landed anyway must not share it */
    if (ret == IOTL_OK) {
        ret = iotl_storage_sync(j->area);
    }
    if (ret != IOTL_OK) {
        /* The range may hold a torn record: never append there again. The
         * block with the newest durable record stays j->block, so a retry
         * compacts into the next block again, never erasing that one. */
        j->pos = es;
        return ret;
    }
    j->block = blk;
    j->pos = pos + padded;
    return IOTL_OK;
}

IOTL_STATIC_ASSERT(offsetof(struct iotl_update_outcome, version) ==
                       offsetof(struct iotl_update_outcome, manifest_sha256) + IOTL_SHA256_LEN &&
                   offsetof(struct iotl_update_desc, version) == offsetof(struct iotl_update_desc, manifest_sha256) +
                                                                    IOTL_SHA256_LEN &&
                   sizeof(((struct iotl_update_outcome *)0)->version) == sizeof(((struct iotl_update_desc *)0)->version),
                   release_identity_adjacent);

/* Also ends a trial (a no-op for the callers outside one: no trial is set then). */
void iotl_journal_clear_update(struct iotl_journal_state *st)
{
    /* desc, prog, dec_len and dec are adjacent */
    memset(&st->desc, 0, offsetof(struct iotl_journal_state, outcome) - offsetof(struct iotl_journal_state, desc));
    st->trial_slot = IOTL_SLOT_NONE;
    st->attempts_left = 0;
    st->trial_booted = 0;
    st->phase = IOTL_PHASE_IDLE;
}

int iotl_journal_outcome(iotl_journal_t *j, unsigned kind, unsigned reason, int32_t code)
{
    struct iotl_journal_state *st = &j->st;
    if (kind == IOTL_OUTCOME_ROLLED_BACK) {
        /* The release's entry (at most one), else a new one, else the oldest. */
        int idx = 0;
        while (idx < st->rolled_back_count &&
               memcmp(st->rolled_back[idx].manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN) != 0) {
            idx++;
        }
        if (idx == IOTL_STAGE_ROLLED_BACK_MAX) {
            idx = st->rolled_back_next;
            st->rolled_back_next = (uint8_t)((idx + 1) % IOTL_STAGE_ROLLED_BACK_MAX);
        } else if (idx == st->rolled_back_count) {
            st->rolled_back_count++;
        }
        memcpy(st->rolled_back[idx].manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN);
        st->rolled_back[idx].deployment_seq = st->desc.deployment_seq;
        if (st->trial_slot <= 1) {
            st->slot[st->trial_slot].valid = 0;
        }
    }
    if (kind == IOTL_OUTCOME_CONFIRMED && st->desc.security_version > st->floors.security_version) {
        /* The release is in force: only now may the anti-rollback floor rise. */
        st->floors.security_version = st->desc.security_version;
    }
    struct iotl_update_outcome *o = &st->outcome;
    /* The per-component codes are the release's own: iotl_stage_begin()
     * clears them when it starts the update, and only that update sets them
     * (installed -> confirmed keeps them). */
    o->kind = (uint8_t)kind;
    o->reason = (uint8_t)reason;
    o->acked = 0;
    o->code = code;
    o->seq++;
    o->security_version = st->desc.security_version;
    /* manifest_sha256 and version are adjacent in both */
    memcpy((uint8_t *)o + offsetof(struct iotl_update_outcome, manifest_sha256),
           (const uint8_t *)&st->desc + offsetof(struct iotl_update_desc, manifest_sha256),
           IOTL_SHA256_LEN + sizeof(o->version));
    o->component_count = st->desc.component_count;
    if (kind != IOTL_OUTCOME_INSTALLED) {
        iotl_journal_clear_update(st); /* and the trial */
    }
    return iotl_journal_commit(j);
}
