/* SPDX-License-Identifier: Apache-2.0 */
/* Fault-tolerant staging: every state change is a journal record written
 * before (or, for completion, after the data it vouches for is durable) the
 * change takes effect. See docs/update-lifecycle.md for the state machine and
 * the invariants the power-cut tests check. */
#include "iotl_priv.h"
#include "iotl_zlib.h"
#include "iotlife/stage.h"
#include "iotl_stage_priv.h"

#define OUT_BUF 1024u
#define MAIN_NONE 0xFFu

/* OUT_OF_LINE (IOTL_NOINLINE): small helpers called from many places, and
 * the payload writers and completion, which would otherwise crowd
 * iotl_stage_write()'s registers. */
#define OUT_OF_LINE IOTL_NOINLINE

/* ---- payload decoder seam ----------------------------------------------------
 * A decoder turns payload bytes into image bytes. Full payloads bypass it
 * (zero copy). A decoder reports restart points: payload offsets where a
 * fresh decoder can start (after a reset) producing the image from the image
 * offset reached there. The delta decoder plugs in here as another kind. */
struct dec_state {
#if IOTL_FEATURE_ZLIB
    iotl_zstream_t z;
    int delta_live; /* the delta decoder in the work buffer is initialised */
#else
    int unused;
#endif
};
IOTL_STATIC_ASSERT(sizeof(struct dec_state) <= sizeof(((iotl_stage_t *)0)->dec), dec_state_fits);
#if IOTL_FEATURE_ZLIB
IOTL_STATIC_ASSERT(IOTL_STAGE_WORKBUF_DEFLATE >=
                       IOTL_STAGE_WORKBUF_MIN + 64u + IOTL_Z_INFLATE_ARENA(IOTL_STAGE_INFLATE_WBITS),
                   deflate_workbuf_enough);
#endif

#if IOTL_FEATURE_ZLIB /* the decoder state and arena exist only with zlib */
static struct dec_state *dec_of(iotl_stage_t *s)
{
    return (struct dec_state *)(void *)s->dec;
}
#endif

static struct iotl_journal_state *st_of(iotl_stage_t *s)
{
    return &s->j.st;
}

static uint8_t *out_buf(const iotl_stage_t *s)
{
    return (uint8_t *)s->cfg->work_buf;
}

static uint8_t *pend_buf(const iotl_stage_t *s)
{
    return (uint8_t *)s->cfg->work_buf + OUT_BUF;
}

#if IOTL_FEATURE_ZLIB
static uint8_t *arena_buf(const iotl_stage_t *s, size_t *len)
{
    *len = s->cfg->work_buf_len - IOTL_STAGE_WORKBUF_MIN;
    return (uint8_t *)s->cfg->work_buf + IOTL_STAGE_WORKBUF_MIN;
}
#endif

#if IOTL_FEATURE_ZLIB
/* The delta decoder object and its work buffer live in the work buffer's arena. */
#define DELTA_OBJ_ROOM 1024u
IOTL_STATIC_ASSERT(sizeof(iotl_delta_t) + 16u <= DELTA_OBJ_ROOM, delta_object_fits);

static iotl_delta_t *delta_of(const iotl_stage_t *s)
{
    size_t alen;
    uint8_t *a = arena_buf(s, &alen);
    uintptr_t p = (uintptr_t)a;
    return (iotl_delta_t *)(void *)(a + (IOTL_ALIGN_UP(p, (uintptr_t)16u) - p));
}
#endif

/* Release the decoder (stream_reset() then clears its state). */
static void dec_end(iotl_stage_t *s)
{
#if IOTL_FEATURE_ZLIB
    iotl_z_end(&dec_of(s)->z);
    if (dec_of(s)->delta_live) {
        iotl_delta_deinit(delta_of(s));
    }
#else
    (void)s;
#endif
}

static int sink(iotl_stage_t *s, const uint8_t *d, size_t n);
static int restart_point(iotl_stage_t *s, uint32_t pay, uint32_t img);
static OUT_OF_LINE const struct iotl_storage *target_slot(iotl_stage_t *s);

#if IOTL_FEATURE_ZLIB
/* The patch header is complete in the journal's decoder state (write_delta()
 * keeps it there for a resume): it must be the one the descriptor names,
 * checked before the decoder sees its last byte, so before any image byte.
 * Then it counts (dec_len): a checkpoint may refer to it. */
static int delta_check_header(iotl_stage_t *s)
{
    struct iotl_delta_header h;
    const struct iotl_update_component *c = s->comp;
    int ret = iotl_delta_parse_header(st_of(s)->dec, IOTL_DELTA_HEADER_SIZE, &h);
    if (ret == IOTL_OK && (h.new_size != c->image_size || memcmp(h.new_sha256, c->image_sha256, IOTL_SHA256_LEN) != 0 ||
                           memcmp(h.old_sha256, c->base_sha256, IOTL_SHA256_LEN) != 0)) {
        ret = IOTL_ERR_DELTA_BASE;
    }
    if (ret == IOTL_OK) {
        st_of(s)->dec_len = (uint8_t)IOTL_DELTA_HEADER_SIZE;
    }
    return ret;
}

static int delta_sink(void *ctx, uint32_t new_off, const uint8_t *data, size_t len)
{
    iotl_stage_t *s = (iotl_stage_t *)ctx;
    if (new_off != s->img_off) {
        return IOTL_ERR_STATE;
    }
    return sink(s, data, len);
}

/* The decoder finished a segment: persist it when it is a block-aligned
 * restart point and the checkpoint interval has passed. */
static int delta_checkpoint(void *ctx, const struct iotl_delta_checkpoint *cp)
{
    iotl_stage_t *s = (iotl_stage_t *)ctx;
    if (cp->new_offset == s->img_off) { /* after the checked header */
        return restart_point(s, cp->patch_offset, cp->new_offset);
    }
    return IOTL_OK;
}

static OUT_OF_LINE int delta_start(iotl_stage_t *s, const struct iotl_update_component *c)
{
    struct iotl_journal_state *st = st_of(s);
    size_t alen;
    uint8_t *a = arena_buf(s, &alen);
    const struct iotl_delta_config dc = {
        .old_img = s->cfg->slot[st->confirmed_slot], /* the running image is the base */
        .crypto = s->cfg->crypto,
        .sink = delta_sink,
        .sink_ctx = s,
        .checkpoint = delta_checkpoint,
        .checkpoint_ctx = s,
        .work_buf = a + DELTA_OBJ_ROOM,
        .work_buf_len = alen - DELTA_OBJ_ROOM,
        .patch_size = c->payload_size,
    };
    int ret;
    if (s->img_off > 0) {
        struct iotl_delta_checkpoint cp;
        cp.patch_id = iotl_get_le32(st->dec + 92);
        cp.patch_offset = s->pay_off;
        cp.new_offset = s->img_off;
        /* The stored header passed delta_check_header() against this
         * descriptor (dec_len says so; begin() found the same descriptor). */
        ret = iotl_delta_resume(delta_of(s), &dc, st->dec, &cp, s->tgt);
    } else {
        st->dec_len = 0; /* the header is kept again, and checked, as it arrives */
        ret = iotl_delta_init(delta_of(s), &dc);
    }
    if (ret == IOTL_OK) {
        dec_of(s)->delta_live = 1;
    }
    return ret;
}
#endif

/* Start the decoder of component c (after stream_reset()). */
static OUT_OF_LINE int dec_start(iotl_stage_t *s, const struct iotl_update_component *c)
{
    (void)s; /* unused without zlib */
    switch ((enum iotl_payload_kind)c->kind) {
    case IOTL_PAYLOAD_FULL:
        return IOTL_OK;
    case IOTL_PAYLOAD_DEFLATE: {
#if IOTL_FEATURE_ZLIB
        size_t alen;
        uint8_t *arena = arena_buf(s, &alen);
        return iotl_z_inflate_init(&dec_of(s)->z, arena, alen, IOTL_STAGE_INFLATE_WBITS);
#else
        return IOTL_ERR_UNSUPPORTED;
#endif
    }
    case IOTL_PAYLOAD_DELTA:
#if IOTL_FEATURE_ZLIB
        return delta_start(s, c);
#else
        break;
#endif
    }
    return IOTL_ERR_UNSUPPORTED;
}

/* ---- helpers -------------------------------------------------------------- */

static IOTL_ALWAYS_INLINE const char *main_id(const iotl_stage_t *s)
{
    return s->cfg->main_id != NULL ? s->cfg->main_id : IOTL_STAGE_DEFAULT_MAIN_ID;
}

static const struct iotl_stage_handler *find_handler(const iotl_stage_t *s, const char *id)
{
    const struct iotl_stage_handler *h = s->cfg->handlers;
    for (size_t n = s->cfg->handler_count; n > 0; n--, h++) { /* (handlers may be NULL when n is 0) */
        if (h->id != NULL && strcmp(h->id, id) == 0) {
            return h;
        }
    }
    return NULL;
}

/* The handler of component i of the update in flight. */
static OUT_OF_LINE const struct iotl_stage_handler *comp_handler(const iotl_stage_t *s, uint8_t i)
{
    return find_handler(s, s->j.st.desc.component[i].id);
}

static uint8_t find_main(const iotl_stage_t *s, const struct iotl_update_desc *d)
{
    for (uint8_t i = 0; i < d->component_count; i++) {
        if (strcmp(d->component[i].id, main_id(s)) == 0) {
            return (uint8_t)i;
        }
    }
    return MAIN_NONE;
}

/* A handler of component i failed with ret: keep its code for the outcome. */
static int handler_fail(iotl_stage_t *s, uint8_t i, int ret)
{
    st_of(s)->outcome.component_code[i] = ret;
    return IOTL_ERR_HANDLER;
}

/* The first component not yet complete (component_count when none). */
static uint8_t first_pending(const struct iotl_journal_state *st)
{
    uint8_t i = 0;
    while (i < st->desc.component_count && st->prog[i].status != IOTL_COMP_PENDING) {
        i++;
    }
    return i;
}

/* Drop the running hash (its digest is not wanted). */
static void hash_drop(iotl_stage_t *s)
{
    (void)iotl_stage_hash_check(s->cfg->crypto, &s->sha, NULL);
}

static OUT_OF_LINE const struct iotl_storage *target_slot(iotl_stage_t *s)
{
    return s->cfg->slot[1u - st_of(s)->confirmed_slot];
}

/* The journal's progress record of component i. */
static OUT_OF_LINE struct iotl_comp_progress *prog_of(iotl_stage_t *s, uint8_t i)
{
    return &st_of(s)->prog[i];
}

/* The journal's record of the target (inactive) slot. */
static OUT_OF_LINE struct iotl_slot_meta *target_meta(iotl_stage_t *s)
{
    return &st_of(s)->slot[1u - st_of(s)->confirmed_slot];
}

static OUT_OF_LINE int commit(iotl_stage_t *s)
{
    return iotl_journal_commit(&s->j);
}

/* ready, at_end, err, the stream positions and the decoder state are cleared together. */
IOTL_STATIC_ASSERT(offsetof(iotl_stage_t, at_end) > offsetof(iotl_stage_t, ready) &&
                       offsetof(iotl_stage_t, err) > offsetof(iotl_stage_t, ready) &&
                       offsetof(iotl_stage_t, pay_off) > offsetof(iotl_stage_t, ready) &&
                       offsetof(iotl_stage_t, marker) < offsetof(iotl_stage_t, dec) &&
                       offsetof(iotl_stage_t, pre_erased) >= offsetof(iotl_stage_t, dec) + sizeof(((iotl_stage_t *)0)->dec) &&
                       offsetof(iotl_stage_t, cur) < offsetof(iotl_stage_t, ready) &&
                       offsetof(iotl_stage_t, main_idx) < offsetof(iotl_stage_t, ready),
                   stream_fields_contiguous);

static void stream_reset(iotl_stage_t *s)
{
    if (s->ready) {
        hash_drop(s);
    }
    dec_end(s);
    memset(&s->ready, 0, offsetof(iotl_stage_t, dec) + sizeof(s->dec) - offsetof(iotl_stage_t, ready));
}

/* Abandon the update in flight with a FAILED outcome; 0 once recorded. */
static int fail_update(iotl_stage_t *s, int code)
{
    struct iotl_journal_state *st = st_of(s);
    for (uint8_t i = 0; i < st->desc.component_count; i++) {
        if (i != s->main_idx) {
            const struct iotl_stage_handler *h = comp_handler(s, i);
            if (h != NULL && h->ops->abort != NULL) {
                h->ops->abort(h->ctx);
            }
        }
    }
    stream_reset(s);
    if (s->cur < st->desc.component_count && /* <= IOTL_STAGE_MAX_COMPONENTS */
        st->outcome.component_code[s->cur] == 0) {
        st->outcome.component_code[s->cur] = code;
    }
    return iotl_journal_outcome(&s->j, IOTL_OUTCOME_FAILED, IOTL_ROLLBACK_NONE, code);
}

/* ---- init ----------------------------------------------------------------- */

static int slot_ok(const struct iotl_storage *a)
{
    return iotl_storage_check(a) == IOTL_OK && a->geo.write_align <= IOTL_STAGE_MAX_WRITE_ALIGN;
}

int iotl_stage_init(iotl_stage_t *s, const struct iotl_stage_config *cfg)
{
    IOTL_ASSERT(s != NULL && cfg != NULL);
    memset(s, 0, sizeof(*s));
    if (cfg->crypto == NULL || cfg->crypto->ops == NULL) {
        return IOTL_ERR_INVALID_ARG;
    }
    /* A missing slot or state area fails its storage check (and the journal's). */
    if (!slot_ok(cfg->slot[0]) || !slot_ok(cfg->slot[1])) {
        return IOTL_ERR_SLOT_GEOMETRY;
    }
    if (cfg->work_buf == NULL || cfg->work_buf_len < IOTL_STAGE_WORKBUF_MIN) {
        return IOTL_ERR_NO_MEM;
    }
    int ret = iotl_journal_mount(&s->j, cfg->state);
    if (ret == IOTL_ERR_NOT_FOUND) {
        /* New device: create the journal (slot 0 holds the factory image). */
        ret = iotl_journal_commit(&s->j);
    }
    if (ret != IOTL_OK) {
        iotl_stage_deinit(s);
        return ret;
    }
    s->cfg = cfg;
    s->main_idx = find_main(s, &st_of(s)->desc);
    return IOTL_OK;
}

void iotl_stage_deinit(iotl_stage_t *s)
{
    if (s == NULL) {
        return;
    }
    if (s->cfg != NULL) {
        stream_reset(s);
    }
    iotl_zeroize(s, sizeof(*s));
}

IOTL_STATIC_ASSERT(offsetof(struct iotl_stage_status, phase) == offsetof(struct iotl_stage_status, confirmed_slot) + 4u &&
                       offsetof(struct iotl_journal_state, phase) ==
                           offsetof(struct iotl_journal_state, confirmed_slot) + 4u,
                   status_slots_same_order);

/* Where to send next: the stream's position, else the first pending
 * component's restart point. With none pending (STAGED) nothing is left: the
 * component count and the last component's payload size (the end of what was
 * sent), so a caller that resumes there downloads nothing. comp and off may
 * be NULL (begin()'s optional outputs). */
static void next_pos(const iotl_stage_t *s, uint8_t *comp, uint32_t *off)
{
    const struct iotl_journal_state *st = &s->j.st;
    uint8_t n = st->desc.component_count;
    uint8_t i = s->cur;
    uint32_t o = s->pay_off;
    if (!s->ready) {
        i = first_pending(st);
        o = i < n ? st->prog[i].ck_payload_off : n > 0 ? st->desc.component[n - 1u].payload_size : 0;
    }
    if (comp != NULL) {
        *comp = i;
    }
    if (off != NULL) {
        *off = o;
    }
}

int iotl_stage_status(const iotl_stage_t *s, struct iotl_stage_status *out)
{
    IOTL_ASSERT(s != NULL && out != NULL && s->cfg != NULL);
    const struct iotl_journal_state *st = &s->j.st;
    out->next_component = 0; /* every member is set (next_pos() below when downloading) */
    out->next_offset = 0;
    /* confirmed_slot, trial_slot, attempts_left, trial_booted, phase: same order in both */
    memcpy(&out->confirmed_slot, &st->confirmed_slot, 5);
    memcpy(out->manifest_sha256, st->desc.manifest_sha256, IOTL_SHA256_LEN);
    if (st->phase == IOTL_PHASE_DOWNLOADING) {
        next_pos(s, &out->next_component, &out->next_offset);
    }
    return IOTL_OK;
}

int iotl_stage_get_floors(const iotl_stage_t *s, struct iotl_floors *f)
{
    IOTL_ASSERT(s != NULL && f != NULL);
    *f = s->j.st.floors;
    return IOTL_OK;
}

static int raise_u32(uint32_t *floor, uint32_t v)
{
    if (v > *floor) {
        *floor = v;
        return 1;
    }
    return 0;
}

/* The descriptor's security version, sequences, key-ring version and latest
 * time are laid out as a struct iotl_floors (same types, same order, same
 * padding; the block starts 8-aligned): raise_floors() reads them in place. */
#define D_OFF(m) (offsetof(struct iotl_update_desc, m) - offsetof(struct iotl_update_desc, security_version))
IOTL_STATIC_ASSERT(D_OFF(manifest_seq) == offsetof(struct iotl_floors, manifest_seq) &&
                       D_OFF(deployment_seq) == offsetof(struct iotl_floors, deployment_seq) &&
                       D_OFF(keyring_version) == offsetof(struct iotl_floors, keyring_version) &&
                       D_OFF(latest_time) == offsetof(struct iotl_floors, latest_time) &&
                       D_OFF(latest_time) + sizeof(int64_t) == sizeof(struct iotl_floors) &&
                       offsetof(struct iotl_update_desc, security_version) % 8u == 0,
                   desc_holds_floors);
static const struct iotl_floors *desc_floors(const struct iotl_update_desc *d)
{
    return (const struct iotl_floors *)(const void *)&d->security_version;
}

/* Raise the floors fl to f's where higher (f's security version is not read):
 * 1 when one rose. */
static OUT_OF_LINE int raise_floors(struct iotl_floors *fl, const struct iotl_floors *f)
{
    int changed = raise_u32(&fl->manifest_seq, f->manifest_seq);
    changed |= raise_u32(&fl->deployment_seq, f->deployment_seq);
    changed |= raise_u32(&fl->keyring_version, f->keyring_version);
    if (f->latest_time > fl->latest_time) {
        fl->latest_time = f->latest_time;
        changed = 1;
    }
    return changed;
}

int iotl_stage_raise_floors(iotl_stage_t *s, const struct iotl_floors *f)
{
    IOTL_ASSERT(s != NULL && f != NULL && s->cfg != NULL);
    if (!raise_floors(&st_of(s)->floors, f)) {
        return IOTL_OK;
    }
    return commit(s);
}

/* ---- streaming ------------------------------------------------------------ */

/* Erase and write sizes are powers of two (iotl_storage_check(), run on every
 * slot at init), so block offsets below are masks. */

/* Program whole write units at wpos, erasing blocks just ahead. */
static int program(iotl_stage_t *s, const uint8_t *d, uint32_t n)
{
    const struct iotl_storage *a = s->tgt;
    uint32_t es = a->geo.erase_size;
    if (s->erased_to < s->wpos + n) {
        /* One erase call for every block this write needs. */
        uint32_t end = (s->wpos + n + es - 1u) & ~(es - 1u);
        int ret = iotl_storage_erase(a, s->erased_to, end - s->erased_to);
        if (ret != IOTL_OK) {
            return ret;
        }
        s->erased_to = end;
    }
    int ret = iotl_storage_write(a, s->wpos, d, n);
    if (ret != IOTL_OK) {
        return ret;
    }
    s->wpos += n;
    return IOTL_OK;
}

/* Main image bytes: whole write units are programmed straight from d, the
 * rest collects in the pending buffer until it holds a whole unit. On a
 * storage error the stream is reset (iotl_stage_write()), so nothing here
 * needs undoing. */
static int slot_put(iotl_stage_t *s, const uint8_t *d, size_t n)
{
    uint32_t align = s->tgt->geo.write_align;
    uint8_t *pend = pend_buf(s);
    while (n > 0) {
        /* Whole units straight from d, or through the pending buffer once it is full. */
        const uint8_t *src = d;
        uint32_t len = (uint32_t)IOTL_ALIGN_DOWN(n, (size_t)align);
        uint32_t unit = len; /* bytes to program now */
        if (s->pend_len > 0 || len == 0) {
            len = IOTL_MIN((uint32_t)n, align - s->pend_len);
            memcpy(pend + s->pend_len, d, len);
            s->pend_len += len;
            src = pend;
            unit = s->pend_len == align ? align : 0;
        }
        d += len;
        n -= len;
        if (unit > 0) {
            int ret = program(s, src, unit);
            if (ret != IOTL_OK) {
                return ret;
            }
            s->pend_len = 0;
        }
    }
    return IOTL_OK;
}

/* Image bytes: size check, hash, then slot or handler. */
static int sink(iotl_stage_t *s, const uint8_t *d, size_t n)
{
    const struct iotl_update_component *c = s->comp;
    if (n > (size_t)(c->image_size - s->img_off)) {
        return IOTL_ERR_SIZE_MISMATCH;
    }
    int ret;
    if (s->cur == s->main_idx) {
        ret = slot_put(s, d, n);
    } else {
        const struct iotl_stage_handler *h = comp_handler(s, s->cur);
        ret = h->ops->write(h->ctx, s->img_off, d, n);
        if (ret != IOTL_OK) {
            ret = handler_fail(s, s->cur, ret);
        }
    }
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = s->cfg->crypto->ops->sha256_update(s->cfg->crypto->ctx, &s->sha, d, n);
    if (ret != IOTL_OK) {
        return ret;
    }
    s->img_off += (uint32_t)n;
    return IOTL_OK;
}

/* Restart points only move forward within a stream (img >= last_ck), so
 * img - last_ck is the distance from the last checkpoint. */
/* The main image reached a restart point: payload offset pay where a fresh
 * decoder produces the image from img on, with [0, img) written. Make it
 * durable (slot data first, then the record) when it is due: inside the image,
 * block-aligned (a resume erases the block it continues in) and a checkpoint
 * interval past the last. */
static int restart_point(iotl_stage_t *s, uint32_t pay, uint32_t img)
{
    const struct iotl_storage *a = s->tgt;
    uint32_t every = s->cfg->checkpoint_bytes != 0 ? s->cfg->checkpoint_bytes : IOTL_STAGE_DEFAULT_CHECKPOINT;
    /* [0, img) is written: img is img_off (deflate, delta) or at most wpos
     * (full), and wpos + pend_len == img_off where wpos is a whole number of
     * write units, so at an erase-block boundary (a whole number of write
     * units too: both are powers of two) nothing is pending. */
    if (s->cur != s->main_idx || s->at_end || img >= s->comp->image_size || (img & (a->geo.erase_size - 1u)) != 0 ||
        img - s->last_ck < every) {
        return IOTL_OK;
    }
    int ret = iotl_storage_sync(a);
    if (ret != IOTL_OK) {
        return ret;
    }
    struct iotl_comp_progress *g = prog_of(s, s->cur);
    g->ck_payload_off = pay;
    g->ck_image_off = img;
    ret = commit(s);
    if (ret == IOTL_OK) {
        s->last_ck = img;
    }
    return ret;
}

/* Set up streaming of component idx from its last durable restart point. */
static int start_stream(iotl_stage_t *s, uint8_t idx)
{
    struct iotl_journal_state *st = st_of(s);
    const struct iotl_update_component *c = &st->desc.component[idx];
    struct iotl_comp_progress *g = prog_of(s, idx);
    const struct iotl_crypto *cr = s->cfg->crypto;
    const struct iotl_storage *a = target_slot(s);
    s->tgt = a;
    for (;;) {
        stream_reset(s);
        s->cur = idx;
        s->comp = c;
        int ret = cr->ops->sha256_start(cr->ctx, &s->sha);
        if (ret != IOTL_OK) {
            return ret;
        }
        s->ready = 1;
        if (idx == s->main_idx) {
            /* The prefix prepare() erased needs no erase (used once, from 0:
             * a resume sets erased_to below). */
            s->erased_to = s->pre_erased;
            s->pre_erased = 0;
        } else {
            /* Handler components restart from 0. */
            const struct iotl_stage_handler *h = comp_handler(s, idx);
            g->ck_payload_off = g->ck_image_off = 0;
            ret = h->ops->begin(h->ctx, c);
            if (ret != IOTL_OK) {
                ret = handler_fail(s, idx, ret);
            }
        }
        uint32_t ck = g->ck_image_off;
        if (ret == IOTL_OK && ck > 0) {
            /* restart_point() records only erase-block boundaries inside the
             * image: the resume erases the block it continues in, so nothing
             * that landed after the checkpoint is trusted. Any other value is
             * no usable restart point. */
            ret = IOTL_ERR_STATE;
            if ((ck & (a->geo.erase_size - 1u)) == 0 && ck <= c->image_size && g->ck_payload_off <= c->payload_size) {
                /* Re-hash what is on flash: the prefix is re-read, not trusted. */
                ret = iotl_stage_hash_area(cr, &s->sha, a, ck, out_buf(s), OUT_BUF);
                s->pay_off = g->ck_payload_off;
                s->img_off = s->wpos = s->last_ck = s->erased_to = ck;
            }
        }
        if (ret == IOTL_OK) {
            ret = dec_start(s, c);
        }
        if (ret == IOTL_OK) {
            return IOTL_OK;
        }
        stream_reset(s);
        if (ck == 0 || ret == IOTL_ERR_POWER_LOSS || IOTL_ERR_IS_PORT(ret) || ret == IOTL_ERR_IO) {
            return ret;
        }
        /* No usable restart point, or the decoder refuses it: start over
         * from 0 with a fresh hash. */
        g->ck_image_off = g->ck_payload_off = 0;
    }
}

/* The current component received its whole payload. */
static OUT_OF_LINE int complete_component(iotl_stage_t *s)
{
    struct iotl_journal_state *st = st_of(s);
    const struct iotl_update_component *c = s->comp;
    if (!s->at_end || s->img_off != c->image_size) {
        return IOTL_ERR_SIZE_MISMATCH;
    }
    /* Fail closed: only an explicit match marks the component complete.
     * The stream ends here (its hash is spent); its decoder is released
     * with the next stream_reset() (next stream, failure, abort, deinit). */
    int ret = iotl_stage_hash_check(s->cfg->crypto, &s->sha, c->image_sha256);
    s->ready = 0;
    if (ret != IOTL_OK) {
        return ret;
    }
    /* Only verified bytes are finished: the slot's last write unit and a
     * sync, or the handler's finish. */
    if (s->cur == s->main_idx) {
        const struct iotl_storage *a = s->tgt;
        if (s->pend_len > 0) {
            uint32_t align = a->geo.write_align;
            memset(pend_buf(s) + s->pend_len, a->geo.erased_value, align - s->pend_len);
            ret = program(s, pend_buf(s), align); /* (the stream ends: pend_len is not read again) */
        }
        if (ret == IOTL_OK) {
            ret = iotl_storage_sync(a);
        }
    } else {
        const struct iotl_stage_handler *h = comp_handler(s, s->cur);
        ret = h->ops->finish(h->ctx);
        if (ret != IOTL_OK) {
            ret = handler_fail(s, s->cur, ret);
        }
    }
    if (ret != IOTL_OK) {
        return ret;
    }
    prog_of(s, s->cur)->status = IOTL_COMP_COMPLETE;
    unsigned next = s->cur + 1u;
    if (next == st->desc.component_count) {
        /* Last component: staged in the same record (one write fewer). */
        st->phase = IOTL_PHASE_STAGED;
        if (s->main_idx != MAIN_NONE) {
            target_meta(s)->valid = IOTL_SLOT_IMAGE; /* begin() filled in the rest */
        }
    }
    /* Should the record not become durable, RAM still only claims what is
     * true (the component is verified and synced); the next record carries it. */
    ret = commit(s);
    if (ret == IOTL_OK && next < st->desc.component_count) {
        ret = start_stream(s, next);
    }
    return ret;
}

static IOTL_ALWAYS_INLINE int write_full(iotl_stage_t *s, const uint8_t *p, size_t n)
{
    int ret = sink(s, p, n);
    if (ret != IOTL_OK) {
        return ret;
    }
    s->pay_off += (uint32_t)n;
    const struct iotl_update_component *c = s->comp;
    if (s->pay_off == c->payload_size) {
        s->at_end = 1;
    }
    /* Full payload: payload offset == image offset. Checkpoints sit on
     * erase-block boundaries, so a resume erases the block it continues
     * in; bytes after the checkpoint are simply sent again. */
    uint32_t ck = s->wpos & ~(s->tgt->geo.erase_size - 1u);
    return restart_point(s, ck, ck);
}

#if IOTL_FEATURE_ZLIB
/* Length of the prefix of p up to and including the end of the next
 * 00 00 FF FF flush marker (or n if none); *hit tells which. */
static size_t scan_marker(iotl_stage_t *s, const uint8_t *p, size_t n, int *hit)
{
    /* The last four bytes seen, each complemented (the marker reads
     * FF FF 00 00): the cleared state (stream start, after a marker) stands
     * for FF bytes, which cannot start a marker, so a match needs four new
     * bytes, as with the marker's prefix automaton it replaces. */
    uint32_t m = s->marker;
    size_t i = 0;
    *hit = 0;
    while (i < n) {
        m = (m << 8) | (uint8_t)~p[i++];
        if (m == 0xFFFF0000u) {
            m = 0;
            *hit = 1;
            break;
        }
    }
    s->marker = m;
    return i;
}
#endif

#if IOTL_FEATURE_ZLIB
static OUT_OF_LINE int write_deflate(iotl_stage_t *s, const uint8_t *p, size_t n)
{
    uint8_t *out = out_buf(s);
    while (n > 0) {
        int hit = 0;
        size_t seg = scan_marker(s, p, n, &hit);
        size_t used, prod;
        do { /* until the inflater neither takes nor gives */
            used = prod = 0;
            if (!s->at_end) {
                int zr = iotl_z_inflate(&dec_of(s)->z, p, seg, &used, out, OUT_BUF, &prod);
                if (zr < 0) {
                    return IOTL_ERR_CORRUPT;
                }
                s->at_end = (uint8_t)zr;
            }
            if (prod > 0) {
                int ret = sink(s, out, prod);
                if (ret != IOTL_OK) {
                    /* Content or storage error: the caller resumes via begin(). */
                    return ret;
                }
            }
            p += used;
            n -= used;
            seg -= used;
            s->pay_off += (uint32_t)used;
        } while ((used | prod) != 0);
        if (seg > 0) {
            /* bytes after the end of the stream, or an inflater stuck on them */
            return s->at_end ? IOTL_ERR_SIZE_MISMATCH : IOTL_ERR_CORRUPT;
        }
        if (hit && (s->comp->flags & IOTL_COMPONENT_FULL_FLUSH)) {
            int ret = restart_point(s, s->pay_off, s->img_off);
            if (ret != IOTL_OK) {
                return ret;
            }
        }
    }
    return IOTL_OK;
}
#endif

#if IOTL_FEATURE_ZLIB
static OUT_OF_LINE int write_delta(iotl_stage_t *s, const uint8_t *p, size_t n)
{
    struct iotl_journal_state *st = st_of(s);
    const struct iotl_update_component *c = s->comp;
    int ret;
    if (s->pay_off < IOTL_DELTA_HEADER_SIZE) {
        /* Keep the patch header: a resume needs it (journal format v2). */
        size_t k = IOTL_MIN(n, (size_t)(IOTL_DELTA_HEADER_SIZE - s->pay_off));
        memcpy(st->dec + s->pay_off, p, k);
        if (s->pay_off + k == IOTL_DELTA_HEADER_SIZE) {
            ret = delta_check_header(s);
            if (ret != IOTL_OK) {
                return ret;
            }
        }
    }
    ret = iotl_delta_write(delta_of(s), p, n);
    if (ret != IOTL_OK) {
        return ret;
    }
    s->pay_off += (uint32_t)n;
    if (s->pay_off == c->payload_size) {
        ret = iotl_delta_finish(delta_of(s));
        if (ret != IOTL_OK) {
            return ret;
        }
        s->at_end = 1;
    }
    return IOTL_OK;
}
#endif

/* A content error: the payload is bad, the update will fail. The staging
 * range (HASH_MISMATCH, SIZE_MISMATCH, HANDLER; the others never come out of
 * the write path) and the delta decoder's range are one span. */
IOTL_STATIC_ASSERT(IOTL_ERR_DELTA_MAGIC == -120 && IOTL_ERR_DELTA_INSTR > -160 && IOTL_ERR_HASH_MISMATCH == -160 &&
                       IOTL_ERR_SIZE_MISMATCH == -161 && IOTL_ERR_HANDLER == -168 && IOTL_ERR_NOT_BOOTABLE == -169,
                   content_error_span);
static int is_content_error(int ret)
{
    return ret == IOTL_ERR_CORRUPT || ret == IOTL_ERR_TRAILING_DATA || ret == IOTL_ERR_NO_MEM ||
           (ret <= IOTL_ERR_DELTA_MAGIC && ret >= IOTL_ERR_NOT_BOOTABLE);
}

int iotl_stage_write(iotl_stage_t *s, uint8_t comp, uint32_t off, const void *data, size_t len)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL && (data != NULL || len == 0));
    /* A stream is set up only while DOWNLOADING: every way out of that phase
     * (last completion, failure, abort) clears ready first. */
    if (!s->ready) {
        return IOTL_ERR_NO_UPDATE;
    }
    IOTL_ASSERT(st_of(s)->phase == IOTL_PHASE_DOWNLOADING);
    if (s->err != IOTL_OK) {
        return s->err;
    }
    if (comp != s->cur || off > s->pay_off) {
        return IOTL_ERR_INVALID_ARG;
    }
    const uint8_t *p = (const uint8_t *)data;
    size_t skip = s->pay_off - off;
    if (skip >= len) {
        return IOTL_OK; /* all of it was already taken */
    }
    p += skip;
    len -= skip;
    const struct iotl_update_component *c = s->comp;
    if (len > (size_t)(c->payload_size - s->pay_off)) {
        s->err = IOTL_ERR_SIZE_MISMATCH;
        return s->err;
    }
    int ret;
    if (c->kind == IOTL_PAYLOAD_FULL) {
        ret = write_full(s, p, len);
    } else {
#if IOTL_FEATURE_ZLIB
        ret = c->kind == IOTL_PAYLOAD_DELTA ? write_delta(s, p, len) : write_deflate(s, p, len);
#else
        ret = IOTL_ERR_UNSUPPORTED;
#endif
    }
    if (ret == IOTL_OK && s->pay_off == c->payload_size) {
        ret = complete_component(s);
    }
    if (is_content_error(ret)) {
        s->err = ret; /* content errors are sticky; finish() records them */
        if (ret == IOTL_ERR_HASH_MISMATCH) {
            ret = IOTL_OK; /* the verdict belongs to finish() */
        }
    } else if (ret != IOTL_OK) {
        /* Storage error: the stream position is unknown; resume via begin()
         * (also after a completion: the stream and its decoder are released). */
        stream_reset(s);
    }
    return ret;
}

int iotl_stage_finish(iotl_stage_t *s)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL);
    struct iotl_journal_state *st = st_of(s);
    if (st->phase == IOTL_PHASE_STAGED) {
        return IOTL_OK;
    }
    if (st->phase != IOTL_PHASE_DOWNLOADING) {
        return IOTL_ERR_NO_UPDATE;
    }
    /* A content error, or not every component complete: the payload stream ended early. */
    int code = s->err != IOTL_OK ? s->err : IOTL_ERR_SIZE_MISMATCH;
    int ret = fail_update(s, code);
    return ret != IOTL_OK ? ret : code;
}

/* ---- begin ---------------------------------------------------------------- */

#define NO_RECORD UINT32_MAX

/* Bytes of slot a that iotl_stage_prepare() recorded as erased, or NO_RECORD
 * (an image, unknown, or a value no prepare() writes). */
static OUT_OF_LINE uint32_t erased_prefix(const struct iotl_slot_meta *m, const struct iotl_storage *a)
{
    return m->valid == IOTL_SLOT_ERASED && m->size <= a->geo.size && (m->size & (a->geo.erase_size - 1u)) == 0 ? m->size
                                                                                                       : NO_RECORD;
}

/* The work buffer sizes fit 16 bits (config.h bounds the window and the write unit). */
IOTL_STATIC_ASSERT(IOTL_STAGE_WORKBUF_DEFLATE <= 0xFFFFu && IOTL_STAGE_WORKBUF_DELTA <= 0xFFFFu, workbuf_needs_fit_u16);

/* Descriptor sanity; *main is the index of the main component (MAIN_NONE). */
static int check_desc(iotl_stage_t *s, const struct iotl_update_desc *d, uint8_t *main)
{
    if (d->component_count < 1 || d->component_count > IOTL_STAGE_MAX_COMPONENTS) {
        return IOTL_ERR_INVALID_ARG;
    }
    const struct iotl_journal_state *st = st_of(s);
    const struct iotl_slot_meta *m = &st->slot[st->confirmed_slot];
    *main = MAIN_NONE;
    for (uint8_t i = 0; i < d->component_count; i++) {
        const struct iotl_update_component *c = &d->component[i];
        if (memchr(c->id, '\0', sizeof(c->id)) == NULL || c->id[0] == '\0') {
            return IOTL_ERR_INVALID_ARG;
        }
        for (const struct iotl_update_component *k = d->component; k < c; k++) {
            if (strcmp(k->id, c->id) == 0) {
                return IOTL_ERR_INVALID_ARG;
            }
        }
        /* Work buffer each payload kind needs (FULL, DEFLATE, DELTA). */
        static const uint16_t need[] = {IOTL_STAGE_WORKBUF_MIN, IOTL_STAGE_WORKBUF_DEFLATE, IOTL_STAGE_WORKBUF_DELTA};
        if (c->kind > IOTL_PAYLOAD_DELTA || (!IOTL_FEATURE_ZLIB && c->kind != IOTL_PAYLOAD_FULL)) {
            return IOTL_ERR_UNSUPPORTED;
        }
        if (c->kind == IOTL_PAYLOAD_FULL && c->payload_size != c->image_size) {
            return IOTL_ERR_SIZE_MISMATCH;
        }
        /* A delta's base is the running (confirmed) image: main component only. */
        const int delta = c->kind == IOTL_PAYLOAD_DELTA;
        const int is_main = strcmp(c->id, main_id(s)) == 0;
        if (delta && !is_main) {
            return IOTL_ERR_UNSUPPORTED;
        }
        if (s->cfg->work_buf_len < need[c->kind]) {
            return IOTL_ERR_NO_MEM;
        }
        if (delta && m->valid == IOTL_SLOT_IMAGE && memcmp(m->sha256, c->base_sha256, IOTL_SHA256_LEN) != 0) {
            return IOTL_ERR_DELTA_BASE; /* not a patch for the image we run */
        }
        if (is_main) {
            *main = i; /* ids are unique: at most one main component */
            if (c->image_size > target_slot(s)->geo.size) {
                return IOTL_ERR_NO_SPACE;
            }
        } else {
            const struct iotl_stage_handler *h = find_handler(s, c->id);
            if (h == NULL || h->ops == NULL || h->ops->begin == NULL || h->ops->write == NULL ||
                h->ops->finish == NULL || h->ops->activate == NULL) {
                return IOTL_ERR_HANDLER;
            }
        }
    }
    return IOTL_OK;
}

/* The component fields after kind and flags are compared as bytes. */
IOTL_STATIC_ASSERT(offsetof(struct iotl_update_component, payload_size) + 8u + 2u * IOTL_SHA256_LEN ==
                       sizeof(struct iotl_update_component),
                   component_tail_unpadded);

/* Same descriptor as the one in flight (whose manifest is the same)? */
static int same_desc(const struct iotl_update_desc *a, const struct iotl_update_desc *b)
{
    if (a->component_count != b->component_count || a->security_version != b->security_version) {
        return 0;
    }
    const struct iotl_update_component *x = a->component, *y = b->component;
    for (unsigned n = a->component_count; n > 0; n--, x++, y++) {
        if (strcmp(x->id, y->id) != 0 || x->kind != y->kind || x->flags != y->flags ||
            memcmp(&x->payload_size, &y->payload_size,
                   sizeof(*x) - offsetof(struct iotl_update_component, payload_size)) != 0) {
            return 0;
        }
    }
    return 1;
}

int iotl_stage_begin(iotl_stage_t *s, const struct iotl_update_desc *desc, uint8_t *next_comp,
                     uint32_t *next_off)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL && desc != NULL);
    struct iotl_journal_state *st = st_of(s);
    const struct iotl_update_desc *d = &st->desc;
    uint8_t main;
    if (st->phase == IOTL_PHASE_TRIAL) {
        return IOTL_ERR_TRIAL_PENDING;
    }
    int ret = check_desc(s, desc, &main);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (st->phase != IOTL_PHASE_IDLE) {
        /* DOWNLOADING or STAGED: the same descriptor resumes. */
        if (memcmp(d->manifest_sha256, desc->manifest_sha256, IOTL_SHA256_LEN) != 0) {
            return IOTL_ERR_STATE;
        }
        if (!same_desc(d, desc)) {
            return IOTL_ERR_INVALID_ARG;
        }
        /* main_idx is current: init found it in this same descriptor */
        if (st->phase == IOTL_PHASE_DOWNLOADING && !s->ready) {
            uint8_t i = first_pending(st);
            if (i < d->component_count) { /* else cannot happen: the last completion records STAGED */
                ret = start_stream(s, i);
            }
        }
    } else {
        for (int i = 0; i < st->rolled_back_count; i++) {
            if (memcmp(st->rolled_back[i].manifest_sha256, desc->manifest_sha256, IOTL_SHA256_LEN) == 0 &&
                desc->deployment_seq <= st->rolled_back[i].deployment_seq) {
                return IOTL_ERR_ROLLED_BACK;
            }
        }
        if (desc->security_version < st->floors.security_version) {
            return IOTL_ERR_ROLLBACK;
        }
        /* Record the update before touching the target slot. */
        (void)raise_floors(&st->floors, desc_floors(desc));
        iotl_journal_clear_update(st); /* progress and decoder state */
        st->desc = *desc; /* ids are terminated (checked above) */
        st->desc.version[IOTL_STAGE_VERSION_MAX - 1] = '\0';
        memset(st->outcome.component_code, 0, sizeof(st->outcome.component_code));
        st->phase = IOTL_PHASE_DOWNLOADING;
        s->main_idx = main;
        if (main != MAIN_NONE) {
            /* A prefix erased by prepare() is used once, by this stream: the
             * record is spent in the same commit, before the first write. */
            struct iotl_slot_meta *m = target_meta(s);
            uint32_t pre = erased_prefix(m, target_slot(s));
            s->pre_erased = pre == NO_RECORD ? 0 : pre;
            /* What the slot will hold, claimed (valid) only once verified. */
            const struct iotl_update_component *mc = &desc->component[main];
            m->valid = 0;
            m->size = mc->image_size;
            m->security_version = desc->security_version;
            memcpy(m->sha256, mc->image_sha256, IOTL_SHA256_LEN);
        }
        ret = commit(s); /* no stream is set up while idle */
        if (ret != IOTL_OK) {
            return ret;
        }
        ret = start_stream(s, 0);
    }
    if (ret == IOTL_OK) {
        next_pos(s, next_comp, next_off);
    }
    return ret;
}

/* ---- activation, confirm, reject, abort ---------------------------------- */

int iotl_stage_activate(iotl_stage_t *s)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL);
    struct iotl_journal_state *st = st_of(s);
    if (st->phase == IOTL_PHASE_TRIAL) {
        return IOTL_OK;
    }
    if (st->phase != IOTL_PHASE_STAGED) {
        return IOTL_ERR_NO_UPDATE;
    }
    /* main_idx is current (init and begin set it). Handlers first; each
     * activation is recorded so a reset does not repeat more than the one in
     * progress (handlers' activate is idempotent). */
    for (unsigned i = 0; i < st->desc.component_count; i++) {
        struct iotl_comp_progress *g = prog_of(s, i);
        if (i == s->main_idx || g->status == IOTL_COMP_ACTIVATED) {
            continue;
        }
        const struct iotl_stage_handler *h = comp_handler(s, i);
        int ret = h != NULL ? h->ops->activate(h->ctx) : IOTL_ERR_HANDLER;
        if (ret != IOTL_OK) {
            return handler_fail(s, i, ret);
        }
        g->status = IOTL_COMP_ACTIVATED;
        ret = commit(s);
        if (ret != IOTL_OK) {
            return ret;
        }
    }
    if (s->main_idx == MAIN_NONE) {
        /* nothing to boot on trial */
        return iotl_journal_outcome(&s->j, IOTL_OUTCOME_CONFIRMED, IOTL_ROLLBACK_NONE, 0);
    }
    st->trial_slot = (uint8_t)(1u - st->confirmed_slot);
    st->attempts_left = s->cfg->boot_attempts != 0 ? s->cfg->boot_attempts : (uint8_t)IOTL_STAGE_DEFAULT_ATTEMPTS;
    /* trial_booted is 0 outside a trial (every way out of one clears it) */
    st->phase = IOTL_PHASE_TRIAL;
    return iotl_journal_outcome(&s->j, IOTL_OUTCOME_INSTALLED, IOTL_ROLLBACK_NONE, 0);
}

int iotl_stage_confirm(iotl_stage_t *s)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL);
    struct iotl_journal_state *st = st_of(s);
    if (st->phase != IOTL_PHASE_TRIAL || st->trial_slot > 1) {
        return IOTL_ERR_NO_UPDATE;
    }
    if (!st->trial_booted ||
        (s->cfg->running_slot != 0 && s->cfg->running_slot != (uint8_t)(st->trial_slot + 1u))) {
        return IOTL_ERR_STATE;
    }
    st->confirmed_slot = st->trial_slot;
    return iotl_journal_outcome(&s->j, IOTL_OUTCOME_CONFIRMED, IOTL_ROLLBACK_NONE, 0); /* ends the trial */
}

int iotl_stage_reject(iotl_stage_t *s, int32_t code)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL);
    struct iotl_journal_state *st = st_of(s);
    if (st->phase != IOTL_PHASE_TRIAL) {
        return IOTL_ERR_NO_UPDATE;
    }
    return iotl_journal_outcome(&s->j, IOTL_OUTCOME_ROLLED_BACK, IOTL_ROLLBACK_REJECTED, code);
}

int iotl_stage_prepare(iotl_stage_t *s, uint32_t max_bytes, uint32_t *erased_out)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL);
    struct iotl_journal_state *st = st_of(s);
    if (st->phase != IOTL_PHASE_IDLE) {
        return st->phase == IOTL_PHASE_TRIAL ? IOTL_ERR_TRIAL_PENDING : IOTL_ERR_STATE;
    }
    const struct iotl_storage *a = target_slot(s);
    struct iotl_slot_meta *m = target_meta(s);
    int ret = IOTL_OK;
    if (erased_prefix(m, a) == NO_RECORD) {
        /* Forget the old image before erasing any of it. (Should this record
         * not become durable, RAM still only claims what is true.) */
        m->valid = IOTL_SLOT_ERASED;
        m->size = 0;
        ret = commit(s);
    }
    uint32_t done = m->size;
    if (ret == IOTL_OK && max_bytes > 0 && done < a->geo.size) {
        uint32_t end = done + IOTL_MIN(max_bytes, a->geo.size - done);
        end = (uint32_t)IOTL_ALIGN_UP(end, a->geo.erase_size); /* <= size: a whole number of blocks */
        ret = iotl_storage_erase(a, done, end - done);
        if (ret == IOTL_OK) {
            ret = iotl_storage_sync(a); /* erased before the record says so */
        }
        if (ret == IOTL_OK) {
            m->size = end;
            ret = commit(s);
        }
    }
    if (erased_out != NULL) {
        *erased_out = m->size;
    }
    return ret;
}

int iotl_stage_abort(iotl_stage_t *s, int32_t code)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL);
    struct iotl_journal_state *st = st_of(s);
    if (st->phase == IOTL_PHASE_TRIAL) {
        return IOTL_ERR_TRIAL_PENDING;
    }
    if (st->phase == IOTL_PHASE_IDLE) {
        return IOTL_ERR_NO_UPDATE;
    }
    return fail_update(s, code);
}

int iotl_stage_outcome(const iotl_stage_t *s, struct iotl_update_outcome *out)
{
    IOTL_ASSERT(s != NULL && out != NULL);
    *out = s->j.st.outcome;
    return out->kind == IOTL_OUTCOME_NONE ? IOTL_ERR_NOT_FOUND : IOTL_OK;
}

int iotl_stage_outcome_ack(iotl_stage_t *s, uint32_t seq)
{
    IOTL_ASSERT(s != NULL && s->cfg != NULL);
    struct iotl_update_outcome *o = &st_of(s)->outcome;
    if (o->kind == IOTL_OUTCOME_NONE || o->seq != seq) {
        return IOTL_ERR_NOT_FOUND;
    }
    if (o->acked) {
        return IOTL_OK;
    }
    o->acked = 1;
    int ret = commit(s);
    if (ret != IOTL_OK) {
        o->acked = 0;
    }
    return ret;
}
