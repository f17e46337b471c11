/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming delta-patch decoder. Format: docs/delta-format.md.
 *
 * Layers, outermost first:
 *  - patch framing: 96-byte header, then segments (16-byte header + one raw
 *    deflate stream each); the framing state machine is in iotl_delta_write();
 *  - inflate of the current segment into obuf (IOTL_DELTA_IO_BUF bytes);
 *  - instruction parser over the inflated bytes (parse()), which reads the old
 *    image into nbuf, adds diff bytes there and emits to the sink.
 * Every length is range-checked before the first byte it covers is emitted. */
#include "iotlife/delta.h"

#include <stdbool.h>
#include <stddef.h>

#include "iotl_priv.h"
#include "iotl_stage_priv.h"
#include "iotl_zlib.h"

#if IOTL_FEATURE_ZLIB

enum {
    S_HEADER = 0, /* assembling the patch header */
    S_SEGHDR,     /* assembling a segment header */
    S_SEGDATA,    /* inflating a segment */
    S_DONE,       /* new image complete and verified */
    S_DEAD        /* failed: status holds the error */
};

enum {
    P_CTL0 = 0, /* varint: diff length (0: end_segment() relies on it) */
    P_CTL1,     /* varint: extra length */
    P_CTL2,     /* varint: zigzag old-position seek */
    P_RUNZ,     /* varint: unchanged bytes in this diff run << 2 | literal code */
    P_RUNN,     /* varint: diff literals in this diff run - 3 (code 3 only) */
    P_LIT,      /* diff literals (the states from here on carry bytes, not varints) */
    P_EXTRA     /* extra (inserted) bytes */
};

#define HDR_CRC_SPAN 92u
IOTL_STATIC_ASSERT(IOTL_DELTA_MAX_IMAGE_SIZE <= 0x7FFFFFFFul, run_counts_fit_32_bits);
#define HDR_OFF(m) offsetof(struct iotl_delta_header, m)
IOTL_STATIC_ASSERT(HDR_OFF(new_size) == HDR_OFF(old_size) + 4u && HDR_OFF(checkpoint_interval) == HDR_OFF(old_size) + 8u &&
                       HDR_OFF(patch_size) == HDR_OFF(old_size) + 12u &&
                       HDR_OFF(old_sha256) == HDR_OFF(old_size) + 16u &&
                       HDR_OFF(new_sha256) == HDR_OFF(old_sha256) + IOTL_SHA256_LEN,
                   header_fields_follow_the_wire_order);

/* Finishes the running hash and compares it with want (NULL: drops it): err on a mismatch. */
IOTL_NOINLINE /* one copy for its three callers */
static int sha_check(iotl_delta_t *d, const uint8_t *want, int err)
{
    d->sha_live = 0;
    int ret = iotl_stage_hash_check(d->cfg.crypto, &d->sha, want);
    return ret == IOTL_ERR_HASH_MISMATCH ? err : ret;
}

/* Ends the inflate stream, if one is open. */
static void z_close(iotl_delta_t *d)
{
    if (d->z_live) {
        iotl_z_end((iotl_zstream_t *)d->z);
        d->z_live = 0;
    }
}

static void release(iotl_delta_t *d)
{
    z_close(d);
    if (d->sha_live) {
        (void)sha_check(d, NULL, 0);
    }
}

static int fail(iotl_delta_t *d, int err)
{
    if (d->status == IOTL_OK) {
        d->status = err;
    }
    d->state = S_DEAD;
    release(d);
    return d->status;
}

/* len bytes from src to dst, the first four of them 32-bit little-endian
 * words (one copy on a little-endian host: the test folds at compile time). */
static void load_le(void *dst, const uint8_t *src, size_t len)
{
    const uint16_t one = 1;
    memcpy(dst, src, len);
    for (size_t k = 0; *(const uint8_t *)&one == 0u && k < 4u; k++) {
        uint32_t w = iotl_get_le32(src + 4u * k);
        memcpy((uint8_t *)dst + 4u * k, &w, 4u);
    }
}

/* n 32-bit little-endian words, converted in place to host order (nothing
 * to do on a little-endian host: the test folds at compile time). */
static void words_le(uint32_t *w, size_t n)
{
    const uint16_t one = 1;
    for (size_t k = 0; *(const uint8_t *)&one == 0u && k < n; k++) {
        w[k] = iotl_get_le32((const uint8_t *)&w[k]);
    }
}

int iotl_delta_parse_header(const uint8_t *buf, size_t len, struct iotl_delta_header *out)
{
    IOTL_ASSERT(out != NULL);
    if (buf != NULL && len >= 4u && memcmp(buf, IOTL_DELTA_MAGIC, 4) != 0) {
        return IOTL_ERR_DELTA_MAGIC; /* say "not a patch" even for a short file */
    }
    if (buf == NULL || len < IOTL_DELTA_HEADER_SIZE) {
        return IOTL_ERR_DELTA_TRUNCATED;
    }
    if (buf[4] != IOTL_DELTA_VERSION) {
        return IOTL_ERR_DELTA_VERSION; /* also the pre-release version 1, no longer read */
    }
    struct iotl_delta_header h;
    h.header_crc = iotl_get_le32(buf + HDR_CRC_SPAN);
    if (iotl_crc32(0, buf, HDR_CRC_SPAN) != h.header_crc) {
        return IOTL_ERR_CORRUPT;
    }
    h.version = buf[4];
    h.window_bits = buf[5];
    /* old_size, new_size, checkpoint_interval, patch_size, then both hashes. */
    load_le((uint8_t *)&h + HDR_OFF(old_size), buf + 8, 16u + 2u * IOTL_SHA256_LEN);
    uint32_t iv = h.checkpoint_interval;
    /* compression 1 = raw deflate; flags and reserved must be zero. Every
     * segment costs its header plus at least one compressed byte; 32-bit
     * arithmetic only (no 64-bit division helpers on small MCUs): segs <=
     * 2^31 / 256, so segs * 17 + 96 cannot overflow. */
    if (iotl_get_le16(buf + 6) != 1u || iotl_get_le32(buf + 88) != 0u ||
        h.window_bits < IOTL_DELTA_MIN_WINDOW_BITS || h.window_bits > IOTL_DELTA_MAX_WINDOW_BITS ||
        h.old_size > IOTL_DELTA_MAX_IMAGE_SIZE || h.new_size > IOTL_DELTA_MAX_IMAGE_SIZE ||
        iv == 0u || iv % IOTL_DELTA_MIN_INTERVAL != 0u || /* the only multiple below the minimum is 0 */
        h.patch_size < IOTL_DELTA_HEADER_SIZE + (h.new_size / iv + (h.new_size % iv != 0u)) *
                                                    (IOTL_DELTA_SEGMENT_HEADER_SIZE + 1u) ||
        (h.new_size == 0u && h.patch_size != IOTL_DELTA_HEADER_SIZE)) {
        return IOTL_ERR_DELTA_HEADER;
    }
    *out = h;
    return IOTL_OK;
}

int iotl_delta_init(iotl_delta_t *d, const struct iotl_delta_config *cfg)
{
    IOTL_ASSERT(d != NULL && cfg != NULL);
    memset(d, 0, sizeof(*d));
    if (cfg->old_img == NULL || cfg->crypto == NULL || cfg->crypto->ops == NULL ||
        cfg->work_buf == NULL) {
        return IOTL_ERR_INVALID_ARG;
    }
    if (cfg->work_buf_len < IOTL_DELTA_WORKBUF_SIZE(IOTL_DELTA_MIN_WINDOW_BITS)) {
        return IOTL_ERR_NO_MEM;
    }
    d->cfg = *cfg;
    d->state = S_HEADER;
    d->left = IOTL_DELTA_HEADER_SIZE;
    return IOTL_OK;
}

/* ---- hashing helpers -------------------------------------------------------- */

static int sha_start(iotl_delta_t *d)
{
    int ret = d->cfg.crypto->ops->sha256_start(d->cfg.crypto->ctx, &d->sha);
    d->sha_live = ret == IOTL_OK;
    return ret;
}

/* ---- emitting ---------------------------------------------------------------- */

/* n new-image bytes made in nbuf: old-image bytes at old_pos (old; it moves
 * on) or zeros, plus diff bytes (NULL: none); hashed and written to the sink
 * at new_pos, which moves on. */
static int put(iotl_delta_t *d, const uint8_t *diff, size_t n, bool old)
{
    while (n > 0) {
        size_t c = IOTL_MIN(n, (size_t)IOTL_DELTA_IO_BUF);
        int ret = IOTL_OK;
        if (old) {
            ret = iotl_storage_read(d->cfg.old_img, d->old_pos, d->nbuf, c);
            d->old_pos += (uint32_t)c;
        } else {
            memset(d->nbuf, 0, c);
        }
        for (size_t i = 0; diff != NULL && i != c; i++) {
            d->nbuf[i] = (uint8_t)(d->nbuf[i] + *diff++);
        }
        if (ret == IOTL_OK) {
            ret = d->cfg.crypto->ops->sha256_update(d->cfg.crypto->ctx, &d->sha, d->nbuf, c);
        }
        if (ret == IOTL_OK && d->cfg.sink != NULL) {
            ret = d->cfg.sink(d->cfg.sink_ctx, d->new_pos, d->nbuf, c);
        }
        if (ret != IOTL_OK) {
            return ret;
        }
        d->new_pos += (uint32_t)c;
        n -= c;
    }
    return IOTL_OK;
}

/* ---- header ------------------------------------------------------------------ */

/* Work buffer: [align pad][iotl_zstream_t][inflate arena][obuf][nbuf]. */
#define ZS_SLOT 48u
IOTL_STATIC_ASSERT(sizeof(iotl_zstream_t) <= ZS_SLOT, zstream_fits_slot);
IOTL_STATIC_ASSERT(15u + ZS_SLOT <= 64u, workbuf_slack);

static iotl_zstream_t *zstream(iotl_delta_t *d)
{
    return (iotl_zstream_t *)d->z;
}

static int layout_workbuf(iotl_delta_t *d)
{
    size_t need = IOTL_DELTA_WORKBUF_SIZE(d->hdr.window_bits);
    if (d->cfg.work_buf_len < need) {
        return IOTL_ERR_NO_MEM;
    }
    uintptr_t base = (uintptr_t)d->cfg.work_buf;
    size_t pad = (size_t)(IOTL_ALIGN_UP(base, (uintptr_t)16u) - base);
    d->z = (uint8_t *)d->cfg.work_buf + pad;
    d->obuf = (uint8_t *)d->z + ZS_SLOT + IOTL_DELTA_INFLATE_ARENA(d->hdr.window_bits);
    d->nbuf = d->obuf + IOTL_DELTA_IO_BUF;
    return IOTL_OK;
}

/* The last new-image byte is out: compare the hash. */
static int finalize(iotl_delta_t *d)
{
    int ret = sha_check(d, d->hdr.new_sha256, IOTL_ERR_DELTA_RESULT);
    if (ret == IOTL_OK) {
        d->state = S_DONE;
    }
    return ret;
}

/* The header is known and the position set (at a segment boundary): the next
 * segment header, or the end of the patch. */
IOTL_NOINLINE /* one copy for the header and the segment end */
static int enter_body(iotl_delta_t *d)
{
    if (d->new_pos == d->hdr.new_size) {
        if (d->patch_pos != d->hdr.patch_size) {
            return IOTL_ERR_TRAILING_DATA;
        }
        return finalize(d);
    }
    d->state = S_SEGHDR;
    d->left = IOTL_DELTA_SEGMENT_HEADER_SIZE;
    return IOTL_OK;
}

/* Accept the header at hb (hbuf, or the caller's copy on resume): check it
 * (and the checkpoint cp to resume from, NULL: start), size the work buffer,
 * verify the base, hash the new image written before the checkpoint (from
 * new_img), go on to the body. */
static int on_header(iotl_delta_t *d, const uint8_t *hb, const struct iotl_delta_checkpoint *cp,
                     const struct iotl_storage *new_img)
{
    const struct iotl_delta_header *h = &d->hdr;
    int ret = iotl_delta_parse_header(hb, IOTL_DELTA_HEADER_SIZE, &d->hdr);
    if (ret != IOTL_OK) {
        return ret;
    }
    uint32_t no = 0, po = IOTL_DELTA_HEADER_SIZE;
    if (cp != NULL) {
        no = cp->new_offset;
        po = cp->patch_offset;
        if (cp->patch_id != h->header_crc || no > h->new_size || (no % h->checkpoint_interval != 0u && no != h->new_size) ||
            po < IOTL_DELTA_HEADER_SIZE || po > h->patch_size || (no == 0u && po != IOTL_DELTA_HEADER_SIZE) ||
            (no == h->new_size && po != h->patch_size) || no > (new_img != NULL ? new_img->geo.size : 0u)) {
            return IOTL_ERR_STATE;
        }
    }
    if (d->cfg.patch_size != 0u && d->cfg.patch_size != h->patch_size) {
        return d->cfg.patch_size < h->patch_size ? IOTL_ERR_DELTA_TRUNCATED : IOTL_ERR_TRAILING_DATA;
    }
    ret = layout_workbuf(d);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (h->old_size > d->cfg.old_img->geo.size) {
        return IOTL_ERR_DELTA_BASE;
    }
    /* The base, compared with its hash; then the running hash of the new
     * image, over what was written before the checkpoint (none when no is 0:
     * new_img may be NULL). A failure leaves the hash live: fail() ->
     * release() finishes it. */
    for (int pass = 0; ret == IOTL_OK && pass < 2; pass++) {
        ret = sha_start(d);
        if (ret == IOTL_OK) {
            ret = iotl_stage_hash_area(d->cfg.crypto, &d->sha, pass ? new_img : d->cfg.old_img, pass ? no : h->old_size, d->nbuf,
                                       IOTL_DELTA_IO_BUF);
        }
        if (ret == IOTL_OK && pass == 0) {
            ret = sha_check(d, h->old_sha256, IOTL_ERR_DELTA_BASE);
        }
    }
    d->new_pos = no;
    d->patch_pos = po;
    return ret == IOTL_OK ? enter_body(d) : ret;
}

/* ---- instruction parser -------------------------------------------------------- */

/* ctl[]: the instruction's diff bytes left, extra bytes left, zigzag seek. */
enum { C_DIFF = 0, C_EXTRA, C_SEEK };

/* What follows once a run or an instruction part is done: more diff runs,
 * the extra bytes, or the next instruction (after the old-position seek). */
static void advance(iotl_delta_t *d)
{
    if (d->ctl[C_DIFF] != 0u) {
        d->pstate = P_RUNZ;
    } else if (d->ctl[C_EXTRA] != 0u) {
        d->lit_left = d->ctl[C_EXTRA];
        d->ctl[C_EXTRA] = 0;
        d->pstate = P_EXTRA;
    } else {
        /* zigzag seek, checked by start_instruction(): odd = back by z/2 + 1 */
        uint32_t z = d->ctl[C_SEEK];
        d->old_pos = (z & 1u) != 0u ? d->old_pos - (z >> 1) - 1u : d->old_pos + (z >> 1);
        d->pstate = P_CTL0;
    }
}

/* All three control fields are known: check them before anything is emitted. */
static IOTL_ALWAYS_INLINE int start_instruction(iotl_delta_t *d)
{
    uint32_t dl = d->ctl[C_DIFF], el = d->ctl[C_EXTRA], z = d->ctl[C_SEEK];
    uint64_t end = (uint64_t)d->new_pos + dl + el;
    if ((dl | el) == 0u) {
        return IOTL_ERR_DELTA_INSTR;
    }
    if (end > d->hdr.new_size) {
        return IOTL_ERR_DELTA_NEW_RANGE;
    }
    if (end > d->seg_end) {
        return IOTL_ERR_DELTA_INSTR;
    }
    /* old_pos <= old_size holds between instructions (segment header and
     * every seek are checked), so the differences below cannot wrap. */
    uint32_t after = d->old_pos + dl;
    if (dl > d->hdr.old_size - d->old_pos ||
        ((z & 1u) != 0u ? (z >> 1) >= after : (z >> 1) > d->hdr.old_size - after)) {
        return IOTL_ERR_DELTA_OLD_RANGE;
    }
    advance(d);
    return IOTL_OK;
}

/* A diff run is known: z unchanged bytes, then n literals. Check it, copy
 * the unchanged bytes, and go on to the literals or what follows. */
static int start_run(iotl_delta_t *d, uint32_t z, uint32_t n)
{
    /* z + n cannot wrap: z < 2^30 (a varint >> 2), n <= 3 or n <= ctl[C_DIFF]
     * + 3 (checked by the parser), and ctl[C_DIFF] <= new_size < 2^31. */
    if (z + n > d->ctl[C_DIFF] || (z | n) == 0u) {
        return IOTL_ERR_DELTA_INSTR;
    }
    d->ctl[C_DIFF] -= z + n;
    int ret = put(d, NULL, z, true);
    d->lit_left = n;
    d->pstate = P_LIT;
    if (n == 0u) {
        advance(d);
    }
    return ret;
}

/* Consume every inflated byte in p[0..n). */
IOTL_NOINLINE /* out of iotl_delta_write(): fewer registers live across the framing loop */
static int parse(iotl_delta_t *d, const uint8_t *p, size_t n)
{
    int ret = IOTL_OK;
    while (n > 0 && ret == IOTL_OK) {
        if (d->pstate >= P_LIT) {
            /* Literals (added to old bytes) or extra bytes (emitted as they are). */
            size_t m = IOTL_MIN((size_t)d->lit_left, n);
            ret = put(d, p, m, d->pstate == P_LIT);
            p += m;
            n -= m;
            d->lit_left -= (uint32_t)m;
            if (d->lit_left == 0u) {
                advance(d);
            }
            continue;
        }
        /* LEB128 fields: at most 5 bytes, value < 2^32. */
        uint8_t b = *p++;
        uint32_t sh = d->vshift;
        n--;
        d->vacc |= (uint32_t)(b & 0x7Fu) << sh;
        d->vshift = sh + 7u;
        if (sh == 28u && b > 0x0Fu) {
            return IOTL_ERR_DELTA_INSTR;
        }
        if ((b & 0x80u) != 0u) {
            continue;
        }
        uint32_t v = d->vacc;
        d->vacc = 0;
        d->vshift = 0;
        uint32_t z = d->lit_left; /* P_RUNN: the run's unchanged count waits there */
        uint32_t lits = v + 3u;
        switch (d->pstate) {
        case P_CTL0:
        case P_CTL1:
        case P_CTL2:
            d->ctl[d->pstate - P_CTL0] = v;
            ret = d->pstate++ == P_CTL2 ? start_instruction(d) : IOTL_OK;
            continue;
        case P_RUNZ:
            /* unchanged << 2 | literals (0..2), or 3: "literals - 3 follows"
             * (the unchanged count waits in lit_left). */
            if ((v & 3u) == 3u) {
                d->lit_left = v >> 2;
                d->pstate = P_RUNN;
                continue;
            }
            z = v >> 2;
            lits = v & 3u;
            break;
        default: /* P_RUNN */
            /* v + 3 literals cannot fit when v alone does not (no overflow). */
            if (v > d->ctl[C_DIFF]) {
                return IOTL_ERR_DELTA_INSTR;
            }
            break;
        }
        ret = start_run(d, z, lits);
    }
    return ret;
}

/* ---- segments ------------------------------------------------------------------- */

static int on_segment_header(iotl_delta_t *d)
{
    /* comp_len, new_offset, old_pos, seg_crc: the last four words of hbuf. */
    uint32_t *f = d->hbuf + (IOTL_DELTA_HEADER_SIZE - IOTL_DELTA_SEGMENT_HEADER_SIZE) / 4u;
    uint32_t crc = iotl_crc32(d->hdr.header_crc, (const uint8_t *)f, 12);
    words_le(f, 4u);
    uint32_t comp = f[0], new_off = f[1], old_pos = f[2];
    if (crc != f[3]) {
        return IOTL_ERR_DELTA_STREAM;
    }
    if (new_off != d->new_pos || comp == 0u || (uint64_t)d->patch_pos + comp > d->hdr.patch_size) {
        return IOTL_ERR_DELTA_STREAM;
    }
    if (old_pos > d->hdr.old_size) {
        return IOTL_ERR_DELTA_OLD_RANGE;
    }
    d->left = comp;
    d->state = S_SEGDATA;
    /* new_pos < new_size here: the room left cannot wrap. */
    d->seg_end = d->hdr.new_size - d->new_pos < d->hdr.checkpoint_interval ? d->hdr.new_size
                                                                              : d->new_pos + d->hdr.checkpoint_interval;
    d->old_pos = old_pos;
    /* The instruction parser is at P_CTL0 with no varint pending: zeroed by
     * init, and end_segment() refuses a segment that ends elsewhere. */
    int ret = iotl_z_inflate_init(zstream(d), (uint8_t *)d->z + ZS_SLOT, IOTL_DELTA_INFLATE_ARENA(d->hdr.window_bits),
                                  d->hdr.window_bits);
    if (ret == IOTL_OK) {
        d->z_live = 1;
    }
    return ret;
}

static int inflate_feed(iotl_delta_t *d, iotl_zstream_t *zs, const uint8_t *in, size_t n)
{
    for (;;) {
        size_t c, pr; /* iotl_z_inflate() sets both */
        if (!d->z_live) { /* the segment's deflate stream ended */
            return n > 0 ? IOTL_ERR_DELTA_STREAM : IOTL_OK;
        }
        int r = iotl_z_inflate(zs, in, n, &c, d->obuf, IOTL_DELTA_IO_BUF, &pr);
        if (zs->arena_peak > d->arena_peak) {
            d->arena_peak = zs->arena_peak;
        }
        in += c;
        n -= c;
        /* Bytes inflated before a data error are parsed first, so the error
         * reported does not depend on how the patch was chunked. */
        if (pr > 0) {
            int ret = parse(d, d->obuf, pr);
            if (ret != IOTL_OK) {
                return ret;
            }
        }
        if (r < 0) {
            return r == IOTL_ERR_NO_MEM ? r : IOTL_ERR_DELTA_STREAM;
        }
        if (r == 1) {
            z_close(d);
            continue;
        }
        if ((c == 0 && pr == 0) || (n == 0 && pr < IOTL_DELTA_IO_BUF)) {
            return IOTL_OK;
        }
    }
}

static IOTL_ALWAYS_INLINE int end_segment(iotl_delta_t *d)
{
    if (d->z_live) { /* the segment's deflate stream did not end */
        return IOTL_ERR_DELTA_STREAM;
    }
    /* At an instruction boundary: P_CTL0 (0) with no varint begun. */
    if (((uint32_t)d->pstate | d->vshift) != 0u || d->new_pos != d->seg_end) {
        return IOTL_ERR_DELTA_INSTR;
    }
    int ret = enter_body(d);
    if (ret == IOTL_OK && d->cfg.checkpoint != NULL) {
        struct iotl_delta_checkpoint cp = {d->hdr.header_crc, d->patch_pos, d->new_pos};
        ret = d->cfg.checkpoint(d->cfg.checkpoint_ctx, &cp);
    }
    return ret;
}

int iotl_delta_write(iotl_delta_t *d, const void *data, size_t len)
{
    IOTL_ASSERT(d != NULL);
    const uint8_t *p = (const uint8_t *)data;
    if (d->status != IOTL_OK) {
        return d->status;
    }
    while (len > 0) {
        int ret = IOTL_ERR_TRAILING_DATA; /* S_DONE (S_DEAD has a status) */
        /* Every framing state takes d->left more patch bytes. */
        size_t c = IOTL_MIN(len, (size_t)d->left);
        /* A header ends at the end of hbuf (a segment header in its last 16 bytes). */
        uint8_t *h = (uint8_t *)d->hbuf + IOTL_DELTA_HEADER_SIZE - d->left;
        d->left -= (uint32_t)c;
        d->patch_pos += (uint32_t)c;
        if (d->state == S_SEGDATA) {
            ret = inflate_feed(d, zstream(d), p, c);
            if (ret == IOTL_OK && d->left == 0u) {
                ret = end_segment(d);
            }
        } else if (d->state != S_DONE) {
            /* S_HEADER or S_SEGHDR: assemble the header in hbuf. */
            memcpy(h, p, c);
            ret = IOTL_OK;
            if (d->state == S_HEADER && d->left <= IOTL_DELTA_HEADER_SIZE - 4u &&
                memcmp(d->hbuf, IOTL_DELTA_MAGIC, 4) != 0) {
                ret = IOTL_ERR_DELTA_MAGIC; /* reject junk at its fourth byte */
            } else if (d->left == 0u && d->state == S_HEADER) {
                ret = on_header(d, (const uint8_t *)d->hbuf, NULL, NULL);
            } else if (d->left == 0u) {
                ret = on_segment_header(d);
            }
        }
        p += c;
        len -= c;
        if (ret != IOTL_OK) {
            return fail(d, ret);
        }
    }
    return IOTL_OK;
}

int iotl_delta_resume(iotl_delta_t *d, const struct iotl_delta_config *cfg,
                      const uint8_t header[IOTL_DELTA_HEADER_SIZE],
                      const struct iotl_delta_checkpoint *cp, const struct iotl_storage *new_img)
{
    IOTL_ASSERT(header != NULL && cp != NULL);
    int ret = iotl_delta_init(d, cfg);
    if (ret != IOTL_OK) {
        return ret;
    }
    ret = on_header(d, header, cp, new_img);
    return ret == IOTL_OK ? IOTL_OK : fail(d, ret);
}

int iotl_delta_finish(iotl_delta_t *d)
{
    IOTL_ASSERT(d != NULL);
    /* S_DONE only with a clean status; a failed decoder keeps its first error. */
    return d->state == S_DONE ? IOTL_OK : fail(d, IOTL_ERR_DELTA_TRUNCATED);
}

const struct iotl_delta_header *iotl_delta_get_header(const iotl_delta_t *d)
{
    IOTL_ASSERT(d != NULL);
    return d->hdr.version != 0u ? &d->hdr : NULL;
}

uint32_t iotl_delta_new_offset(const iotl_delta_t *d)
{
    IOTL_ASSERT(d != NULL);
    return d->new_pos;
}

uint32_t iotl_delta_patch_offset(const iotl_delta_t *d)
{
    IOTL_ASSERT(d != NULL);
    return d->patch_pos;
}

size_t iotl_delta_peak_mem(const iotl_delta_t *d)
{
    IOTL_ASSERT(d != NULL);
    if (d->z == NULL) {
        return 0;
    }
    /* Alignment pad + stream object slot + arena high-water + both I/O buffers. */
    size_t pad = (size_t)((uint8_t *)d->z - (uint8_t *)d->cfg.work_buf);
    return pad + ZS_SLOT + d->arena_peak + 2u * IOTL_DELTA_IO_BUF;
}

void iotl_delta_deinit(iotl_delta_t *d)
{
    if (d != NULL && d->cfg.crypto != NULL) {
        (void)fail(d, IOTL_ERR_STATE); /* releases the stream and the hash; a later call is refused */
    }
}

#endif /* IOTL_FEATURE_ZLIB */
