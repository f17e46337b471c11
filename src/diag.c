/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics store: a log of CRC-framed records over erase blocks used in
 * ring order (wear spread by rotation). The newest block is the head; when it
 * is full the next block is erased and opened. When no free block is left the
 * oldest is reclaimed: a marker (a LOSS record when something is dropped) is
 * written first, then the oldest block's unacknowledged critical records are
 * copied byte for byte (same sequence numbers), then it is erased. A cut
 * anywhere is repaired at mount: a marker naming a block that still exists
 * means "finish copying what is not yet copied, then erase". The
 * acknowledgement point is a store position persisted in marker records.
 * docs/diagnostics.md specifies the formats. */
#include "iotlife/diag.h"

#include "iotl_priv.h"
#include "iotl_zlib.h"

#define ENTRY_SYNC 0xDAu
#define EF_CRIT 0x01u
#define EF_INTERNAL 0x02u
#define REC_MARK 0x0Fu /* internal: acknowledgement point / reclaim marker */
#define BLK_MAGIC 0x31474469u /* "iDG1" */
#define RAM_BLOCK_DEFAULT 1024u
/* Bytes of the head kept free while no block is free, so that a reclaim can
 * always write its marker (and survive one torn write). */
#define RESERVE(d) (96u + (uint32_t)sizeof((d)->rbuf))

/* ---- varints ------------------------------------------------------------ */

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80u) {
        p[n++] = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

int iotl_diag_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (*off >= len) {
            return IOTL_ERR_DIAG_CHUNK;
        }
        uint8_t b = p[(*off)++];
        r |= (uint64_t)(b & 0x7Fu) << (7u * i);
        if ((b & 0x80u) == 0) {
            *v = r;
            return IOTL_OK;
        }
    }
    return IOTL_ERR_DIAG_CHUNK;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v < 0 ? -1 : 0);
}

int iotl_diag_record_next(const uint8_t *payload, size_t len, size_t *off,
                          struct iotl_diag_record *rec)
{
    if (*off >= len) {
        return 0;
    }
    if (len - *off < 2) {
        return IOTL_ERR_DIAG_CHUNK;
    }
    size_t o = *off;
    uint64_t blen, seq, boot, ts;
    rec->type = payload[o];
    rec->sub = payload[o + 1];
    o += 2;
    if (iotl_diag_varint(payload, len, &o, &blen) != IOTL_OK ||
        iotl_diag_varint(payload, len, &o, &seq) != IOTL_OK ||
        iotl_diag_varint(payload, len, &o, &boot) != IOTL_OK ||
        iotl_diag_varint(payload, len, &o, &ts) != IOTL_OK || seq > UINT32_MAX ||
        boot > UINT32_MAX || blen > len - o) {
        return IOTL_ERR_DIAG_CHUNK;
    }
    rec->seq = (uint32_t)seq;
    rec->boot_id = (uint32_t)boot;
    rec->ts_ms = ts;
    rec->body = payload + o;
    rec->body_len = (size_t)blen;
    *off = o + (size_t)blen;
    return 1;
}

/* ---- RAM backend: the same log over caller memory ----------------------- */

static int ram_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    memcpy(buf, (const uint8_t *)ctx + off, len);
    return IOTL_OK;
}

static int ram_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    memcpy((uint8_t *)ctx + off, buf, len);
    return IOTL_OK;
}

static int ram_erase(void *ctx, uint32_t off, size_t len)
{
    memset((uint8_t *)ctx + off, 0xFF, len);
    return IOTL_OK;
}

static const struct iotl_storage_ops ram_ops = {ram_read, ram_write, ram_erase, NULL};

/* ---- positions and blocks ----------------------------------------------- */

static uint32_t oldest_gen(const iotl_diag_t *d)
{
    return d->head_gen - d->used + 1u;
}

static uint32_t blk_of(const iotl_diag_t *d, uint32_t gen)
{
    return (d->head_blk + d->nblocks - ((d->head_gen - gen) % d->nblocks)) % d->nblocks;
}

static int pos_lt(struct iotl_diag_pos a, struct iotl_diag_pos b)
{
    return a.gen < b.gen || (a.gen == b.gen && a.off < b.off);
}

/* The acknowledgement point, never before the oldest block. */
static struct iotl_diag_pos eff_tail(const iotl_diag_t *d)
{
    struct iotl_diag_pos o = {oldest_gen(d), d->hdr};
    return pos_lt(d->tail, o) ? o : d->tail;
}

static int hdr_read(iotl_diag_t *d, uint32_t b, uint32_t *gen, uint32_t *boot)
{
    uint8_t h[IOTL_DIAG_BLOCK_HEADER];
    int ret = iotl_storage_read(d->st, b * d->bsize, h, sizeof(h));
    if (ret != IOTL_OK) {
        return ret;
    }
    if (iotl_get_le32(h) != BLK_MAGIC || h[4] != IOTL_DIAG_STORE_VERSION ||
        iotl_crc32(0, h, 20) != iotl_get_le32(h + 20)) {
        return 1;
    }
    *gen = iotl_get_le32(h + 8);
    uint32_t base = iotl_get_le32(h + 12);
    if (base > d->next_seq) {
        d->next_seq = base;
    }
    *boot = iotl_get_le32(h + 16);
    return IOTL_OK;
}

static int open_block(iotl_diag_t *d, uint32_t b, uint32_t gen)
{
    uint8_t h[IOTL_ALIGN_UP(IOTL_DIAG_BLOCK_HEADER, 16u)];
    int ret = iotl_storage_erase(d->st, b * d->bsize, d->bsize);
    if (ret != IOTL_OK) {
        return ret;
    }
    memset(h, d->st->geo.erased_value, sizeof(h));
    iotl_put_le32(h, BLK_MAGIC);
    h[4] = IOTL_DIAG_STORE_VERSION;
    h[5] = h[6] = h[7] = 0;
    iotl_put_le32(h + 8, gen);
    iotl_put_le32(h + 12, d->next_seq);
    iotl_put_le32(h + 16, d->boot_id);
    iotl_put_le32(h + 20, iotl_crc32(0, h, 20));
    return iotl_storage_write(d->st, b * d->bsize, h, d->hdr);
}

/* End of the written part of block b: after its last byte that is not
 * erased, rounded up to the write alignment (one backward pass). */
static int written_end(iotl_diag_t *d, uint32_t b, uint32_t *end_out)
{
    uint32_t end = d->bsize;
    while (end > d->hdr) {
        uint8_t t[32];
        uint32_t n = end - d->hdr;
        if (n > sizeof(t)) {
            n = sizeof(t);
        }
        int ret = iotl_storage_read(d->st, b * d->bsize + end - n, t, n);
        if (ret != IOTL_OK) {
            return ret;
        }
        uint32_t i = n;
        while (i > 0 && t[i - 1] == d->st->geo.erased_value) {
            i--;
        }
        end = end - n + i;
        if (i > 0) {
            break;
        }
    }
    *end_out = IOTL_ALIGN_UP(end, d->align);
    return IOTL_OK;
}

/* Read the entry at (b, off) into buf. Returns its padded size (> 0), 0 when
 * there is no valid entry there, or a negative storage error. */
static int read_entry(iotl_diag_t *d, uint32_t b, uint32_t off, uint32_t lim, uint8_t *buf)
{
    if (lim - off < IOTL_DIAG_ENTRY_OVERHEAD) {
        return 0;
    }
    int ret = iotl_storage_read(d->st, b * d->bsize + off, buf, 4);
    if (ret != IOTL_OK) {
        return ret;
    }
    uint32_t rl = iotl_get_le16(buf + 2);
    if (buf[0] != ENTRY_SYNC || rl < 6 || rl > IOTL_DIAG_RECORD_MAX ||
        rl + IOTL_DIAG_ENTRY_OVERHEAD > lim - off) {
        return 0;
    }
    ret = iotl_storage_read(d->st, b * d->bsize + off + 4, buf + 4, rl + 4);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (iotl_crc32(0, buf, rl + 4) != iotl_get_le32(buf + 4 + rl)) {
        return 0;
    }
    return (int)IOTL_ALIGN_UP(rl + IOTL_DIAG_ENTRY_OVERHEAD, d->align);
}

/* Find the next valid entry at or after *p (skipping torn garbage), load it
 * into buf and set *p to its start. Returns its size, 0 at the end of the
 * store, or a storage error. */
static int next_entry(iotl_diag_t *d, struct iotl_diag_pos *p, uint8_t *buf)
{
    struct iotl_diag_pos t = {oldest_gen(d), d->hdr};
    if (pos_lt(*p, t)) {
        *p = t;
    }
    for (;;) {
        if (p->gen > d->head_gen) {
            return 0; /* a position beyond the head (only from a corrupt marker) */
        }
        uint32_t b = blk_of(d, p->gen), lim = d->head_off;
        if (p->gen != d->head_gen) {
            /* Closed blocks never change: remember the written end of one. */
            if (d->end_gen != p->gen) {
                int ret = written_end(d, b, &d->end_off);
                if (ret != IOTL_OK) {
                    return ret;
                }
                d->end_gen = p->gen;
            }
            lim = d->end_off;
        }
        if (p->off >= lim) {
            if (p->gen == d->head_gen) {
                return 0;
            }
            p->gen++;
            p->off = d->hdr;
            continue;
        }
        int r = read_entry(d, b, p->off, lim, buf);
        if (r != 0) {
            return r;
        }
        p->off += d->align; /* torn bytes: step over them */
    }
}

/* Record fields of a loaded entry. */
static const uint8_t *entry_rec(const uint8_t *e, size_t *len)
{
    *len = iotl_get_le16(e + 2);
    return e + 4;
}

static uint32_t entry_seq(const uint8_t *e)
{
    size_t len, off = 0;
    struct iotl_diag_record r;
    const uint8_t *rec = entry_rec(e, &len);
    return iotl_diag_record_next(rec, len, &off, &r) == 1 ? r.seq : 0;
}

/* ---- writing ------------------------------------------------------------- */

static uint64_t now_ms(const iotl_diag_t *d)
{
    const struct iotl_platform *p = d->cfg != NULL ? d->cfg->platform : NULL;
    return p != NULL && p->ops != NULL && p->ops->uptime_ms != NULL ? p->ops->uptime_ms(p->ctx) : 0;
}

static int is_critical(uint8_t type, uint8_t sub)
{
    return type == IOTL_DIAG_LOSS ||
           (type == IOTL_DIAG_EVENT && (sub == IOTL_DIAG_EV_CRASH || sub == IOTL_DIAG_EV_UPDATE ||
                                        sub == IOTL_DIAG_EV_ALERT));
}

/* Frame a record into an entry at e: sync, flags, length, record, CRC, padding.
 * Returns the padded entry size. */
static size_t frame(iotl_diag_t *d, uint8_t *e, uint8_t type, uint8_t sub, uint32_t seq,
                    uint64_t ts, const uint8_t *body, size_t blen)
{
    uint8_t *r = e + 4;
    size_t n = 0;
    r[n++] = type;
    r[n++] = sub;
    n += put_varint(r + n, blen);
    n += put_varint(r + n, seq);
    n += put_varint(r + n, d->boot_id);
    n += put_varint(r + n, ts);
    memcpy(r + n, body, blen);
    n += blen;
    e[0] = ENTRY_SYNC;
    e[1] = (uint8_t)((is_critical(type, sub) ? EF_CRIT : 0u) | (type == REC_MARK ? EF_INTERNAL : 0u));
    iotl_put_le16(e + 2, (uint16_t)n);
    iotl_put_le32(r + n, iotl_crc32(0, e, n + 4));
    size_t sz = IOTL_ALIGN_UP(n + IOTL_DIAG_ENTRY_OVERHEAD, d->align);
    memset(r + n + 4, d->st->geo.erased_value, sz - n - 8u);
    /* A last byte that is never erased: the end of the written data (found by
     * scanning back over erased bytes) is then the end of this entry, even
     * when the CRC ends in bytes that look erased. */
    r[n + 4] = (uint8_t)(d->st->geo.erased_value ^ 0xA5u);
    return sz;
}

static int write_entry(iotl_diag_t *d, const uint8_t *e, size_t sz)
{
    int ret = iotl_storage_write(d->st, d->head_blk * d->bsize + d->head_off, e, sz);
    if (ret == IOTL_OK) {
        d->head_off += (uint32_t)sz;
        ret = iotl_storage_sync(d->st);
    } else {
        /* The range may hold anything now: never write there again. */
        d->head_off = d->bsize;
    }
    return ret;
}

/* Marker body: reclaimed block generation (0: plain acknowledgement) and the
 * acknowledgement point; a LOSS record adds the drop counts in front. */
static size_t marker_body(const iotl_diag_t *d, uint8_t *b, uint32_t gen, uint32_t norm, uint32_t crit)
{
    size_t n = 0;
    if (norm != 0 || crit != 0) {
        n += put_varint(b + n, norm);
        n += put_varint(b + n, crit);
    }
    n += put_varint(b + n, gen);
    n += put_varint(b + n, d->tail.gen);
    n += put_varint(b + n, d->tail.off);
    return n;
}

static int write_marker(iotl_diag_t *d, uint32_t gen, uint32_t norm, uint32_t crit)
{
    uint8_t body[32], e[IOTL_DIAG_ENTRY_OVERHEAD + 64 + 16];
    size_t bl = marker_body(d, body, gen, norm, crit);
    int loss = norm != 0 || crit != 0;
    size_t sz = frame(d, e, loss ? IOTL_DIAG_LOSS : REC_MARK, 0, loss ? d->next_seq : 0, now_ms(d),
                      body, bl);
    if (d->head_off + sz > d->bsize) {
        return IOTL_ERR_FULL;
    }
    int ret = write_entry(d, e, sz);
    if (loss) {
        /* Consumed even by a failed write: its bytes may have landed. */
        d->next_seq++;
        d->stats.stored += ret == IOTL_OK;
    }
    return ret;
}

/* Is an entry with this CRC (a byte-identical copy) stored after pos? */
static int copied_after(iotl_diag_t *d, struct iotl_diag_pos p, uint32_t crc)
{
    int r;
    while ((r = next_entry(d, &p, d->wbuf)) > 0) {
        size_t len;
        (void)entry_rec(d->wbuf, &len);
        if (iotl_get_le32(d->wbuf + 4 + len) == crc) {
            return 1;
        }
        p.off += (uint32_t)r;
    }
    return r;
}

/* Reclaim the oldest block (see the file comment). resume: a marker written at
 * mark already covers this block. */
static int reclaim(iotl_diag_t *d, int resume, struct iotl_diag_pos mark)
{
    uint32_t og = oldest_gen(d), ob = blk_of(d, og);
    struct iotl_diag_pos p = {og, d->hdr}, t = eff_tail(d);
    uint32_t norm = 0, crit_bytes = 0;
    int r = 0;
    if (d->used < 2) {
        return IOTL_ERR_FULL;
    }
    while (p.gen == og && (r = next_entry(d, &p, d->rbuf)) > 0) {
        if (p.gen != og) {
            break;
        }
        if (!pos_lt(p, t) && (d->rbuf[1] & EF_INTERNAL) == 0) {
            if (d->rbuf[1] & EF_CRIT) {
                crit_bytes += (uint32_t)r;
            } else {
                norm++;
            }
        }
        p.off += (uint32_t)r;
    }
    if (r < 0) {
        return r;
    }
    if (!resume && (crit_bytes != 0 || norm != 0 || d->pend_norm != 0 || d->pend_crit != 0)) {
        /* Room for the copies, the marker and one torn write. */
        if (d->head_off + crit_bytes + RESERVE(d) > d->bsize) {
            return IOTL_ERR_FULL; /* its critical records do not fit: store full */
        }
        mark.gen = d->head_gen;
        mark.off = d->head_off;
        {
            r = write_marker(d, og, norm + d->pend_norm, d->pend_crit);
            if (r != IOTL_OK) {
                return r;
            }
            d->stats.dropped_normal += norm;
            d->stats.stored -= IOTL_MIN(d->stats.stored, norm);
            d->pend_norm = d->pend_crit = 0;
        }
    }
    p.gen = og;
    p.off = d->hdr;
    while ((r = next_entry(d, &p, d->rbuf)) > 0 && p.gen == og) {
        if (!pos_lt(p, t) && (d->rbuf[1] & (EF_CRIT | EF_INTERNAL)) == EF_CRIT) {
            size_t len;
            (void)entry_rec(d->rbuf, &len);
            int c = resume ? copied_after(d, mark, iotl_get_le32(d->rbuf + 4 + len)) : 0;
            if (c < 0) {
                return c;
            }
            if (c == 0) {
                if (d->head_off + (uint32_t)r > d->bsize) {
                    return IOTL_ERR_FULL;
                }
                c = write_entry(d, d->rbuf, (size_t)r);
                if (c != IOTL_OK) {
                    return c;
                }
            }
        }
        p.off += (uint32_t)r;
    }
    if (r < 0) {
        return r;
    }
    r = iotl_storage_erase(d->st, ob * d->bsize, d->bsize);
    if (r == IOTL_OK) {
        d->used--;
        d->stats.compactions++;
    }
    return r;
}

/* Open the next block; reclaim the oldest when none is left free. */
static int rotate(iotl_diag_t *d)
{
    struct iotl_diag_pos none = {0, 0};
    int ret;
    if (d->used == d->nblocks && (ret = reclaim(d, 0, none)) != IOTL_OK) {
        return ret;
    }
    uint32_t nb = (d->head_blk + 1u) % d->nblocks;
    ret = open_block(d, nb, d->head_gen + 1u);
    if (ret != IOTL_OK) {
        return ret;
    }
    d->head_blk = nb;
    d->head_gen++;
    d->head_off = d->hdr;
    d->used++;
    if (d->used == d->nblocks) {
        ret = reclaim(d, 0, none);
        if (ret != IOTL_OK && ret != IOTL_ERR_FULL) {
            return ret;
        }
    }
    return IOTL_OK;
}

static int no_room(const iotl_diag_t *d, size_t sz)
{
    return d->head_off + sz + (d->used == d->nblocks ? RESERVE(d) : 0u) > d->bsize;
}

static int ensure(iotl_diag_t *d, size_t sz)
{
    for (int i = 0; i < 2 && no_room(d, sz); i++) {
        int ret = rotate(d);
        if (ret != IOTL_OK) {
            return ret;
        }
    }
    return no_room(d, sz) ? IOTL_ERR_FULL : IOTL_OK;
}

int iotl_diag_append(iotl_diag_t *d, uint8_t type, uint8_t sub, const void *body, size_t body_len)
{
    IOTL_ASSERT(d != NULL && (body != NULL || body_len == 0));
    if (!d->ready) {
        return IOTL_ERR_STATE;
    }
    if (type == 0 || type >= IOTL_DIAG_LOSS) {
        return IOTL_ERR_INVALID_ARG;
    }
    uint64_t ts = now_ms(d);
    /* Sized for the sequence number after a loss record, too. */
    size_t hl = 2u + varint_len(body_len) + varint_len(d->next_seq + 1u) + varint_len(d->boot_id) +
                varint_len(ts);
    if (hl + body_len > d->rec_max) {
        return IOTL_ERR_TOO_LARGE;
    }
    int crit = is_critical(type, sub);
    size_t sz = IOTL_ALIGN_UP(hl + body_len + IOTL_DIAG_ENTRY_OVERHEAD, d->align);
    size_t loss_sz = d->pend_norm || d->pend_crit ? sizeof(d->rbuf) : 0;
    int ret = ensure(d, sz + loss_sz);
    if (ret == IOTL_OK && (d->pend_norm || d->pend_crit)) {
        ret = write_marker(d, 0, d->pend_norm, d->pend_crit);
        if (ret == IOTL_OK) {
            d->pend_norm = d->pend_crit = 0;
            ret = ensure(d, sz);
        }
    }
    if (ret == IOTL_ERR_FULL) {
        if (crit) {
            d->pend_crit++;
            d->stats.dropped_critical++;
        } else {
            d->pend_norm++;
            d->stats.dropped_normal++;
        }
        return ret;
    }
    if (ret != IOTL_OK) {
        return ret;
    }
    sz = frame(d, d->wbuf, type, sub, d->next_seq, ts, (const uint8_t *)body, body_len);
    ret = write_entry(d, d->wbuf, sz);
    d->next_seq++; /* consumed even by a failed write: its bytes may have landed */
    d->stats.stored += ret == IOTL_OK;
    return ret;
}

/* ---- helpers building bodies --------------------------------------------- */

static size_t put_text(uint8_t *b, size_t n, size_t cap, const char *s)
{
    size_t l = s != NULL ? strlen(s) : 0;
    l = IOTL_MIN(l, cap > n ? cap - n : 0);
    memcpy(b + n, s != NULL ? s : "", l);
    return n + l;
}

/* Room for a body: record_max minus the record header (one byte spare for
 * a clock that grows a varint byte meanwhile). */
static size_t body_cap(const iotl_diag_t *d)
{
    return (size_t)d->rec_max - (2u + 2u + varint_len(d->next_seq + 1u) + varint_len(d->boot_id) +
                                 varint_len(now_ms(d)) + 1u);
}

int iotl_diag_log(iotl_diag_t *d, uint8_t level, const char *module, const char *text)
{
    uint8_t b[IOTL_DIAG_RECORD_MAX];
    size_t ml = module != NULL ? IOTL_MIN(strlen(module), 32u) : 0;
    b[0] = (uint8_t)ml;
    memcpy(b + 1, module != NULL ? module : "", ml);
    size_t n = put_text(b, 1 + ml, body_cap(d), text);
    return iotl_diag_append(d, IOTL_DIAG_LOG, (uint8_t)(level & 0x7Fu), b, n);
}

int iotl_diag_log_compact(iotl_diag_t *d, uint8_t level, uint32_t fmt_id, const uint32_t *args,
                          size_t nargs)
{
    uint8_t b[5 * 9];
    if (nargs > 8) {
        return IOTL_ERR_INVALID_ARG;
    }
    size_t n = put_varint(b, fmt_id);
    for (size_t i = 0; i < nargs; i++) {
        n += put_varint(b + n, args[i]);
    }
    return iotl_diag_append(d, IOTL_DIAG_LOG, (uint8_t)(level | IOTL_DIAG_LOG_COMPACT), b, n);
}

int iotl_diag_metric(iotl_diag_t *d, uint8_t kind, const char *name, int64_t value)
{
    uint8_t b[IOTL_DIAG_RECORD_MAX];
    size_t n = put_varint(b, zigzag(value));
    n = put_text(b, n, IOTL_MIN(body_cap(d), n + 32u), name);
    return iotl_diag_append(d, IOTL_DIAG_METRIC, kind, b, n);
}

int iotl_diag_metric_update(iotl_diag_t *d, size_t idx, int64_t delta)
{
    IOTL_ASSERT(d != NULL && d->cfg != NULL);
    if (idx >= d->cfg->metric_count) {
        return IOTL_ERR_INVALID_ARG;
    }
    struct iotl_diag_metric *m = &d->cfg->metrics[idx];
    m->value = m->kind == IOTL_DIAG_GAUGE ? delta : m->value + delta;
    return IOTL_OK;
}

int iotl_diag_metric_timer(iotl_diag_t *d, size_t idx, bool run)
{
    IOTL_ASSERT(d != NULL && d->cfg != NULL);
    if (idx >= d->cfg->metric_count || d->cfg->metrics[idx].kind != IOTL_DIAG_TIMER) {
        return IOTL_ERR_INVALID_ARG;
    }
    struct iotl_diag_metric *m = &d->cfg->metrics[idx];
    uint64_t now = now_ms(d);
    if (m->started_ms != 0) {
        m->value += (int64_t)(now + 1u - m->started_ms);
    }
    m->started_ms = run ? now + 1u : 0;
    return IOTL_OK;
}

int iotl_diag_heartbeat(iotl_diag_t *d)
{
    uint8_t b[IOTL_DIAG_RECORD_MAX];
    size_t n = 0, cap = body_cap(d);
    if (!d->ready) {
        return IOTL_ERR_STATE;
    }
    for (size_t i = 0; i < d->cfg->metric_count; i++) {
        struct iotl_diag_metric *m = &d->cfg->metrics[i];
        if (m->started_ms != 0) {
            (void)iotl_diag_metric_timer(d, i, true);
        }
        size_t nl = IOTL_MIN(strlen(m->name), 32u);
        if (n + 12u + nl > cap) {
            return IOTL_ERR_TOO_LARGE;
        }
        b[n++] = m->kind;
        n += put_varint(b + n, zigzag(m->value));
        b[n++] = (uint8_t)nl;
        memcpy(b + n, m->name, nl);
        n += nl;
    }
    int ret = iotl_diag_append(d, IOTL_DIAG_METRIC, IOTL_DIAG_HEARTBEAT, b, n);
    for (size_t i = 0; ret == IOTL_OK && i < d->cfg->metric_count; i++) {
        if (d->cfg->metrics[i].kind != IOTL_DIAG_GAUGE) {
            d->cfg->metrics[i].value = 0;
        }
    }
    return ret;
}

int iotl_diag_event(iotl_diag_t *d, uint8_t kind, uint32_t code, int64_t a, int64_t b,
                    const char *text)
{
    uint8_t buf[IOTL_DIAG_RECORD_MAX];
    size_t n = put_varint(buf, code);
    n += put_varint(buf + n, zigzag(a));
    n += put_varint(buf + n, zigzag(b));
    n = put_text(buf, n, body_cap(d), text);
    return iotl_diag_append(d, IOTL_DIAG_EVENT, kind, buf, n);
}

/* ---- mount ---------------------------------------------------------------- */

static int mount(iotl_diag_t *d)
{
    uint32_t gen, boot, maxboot = 0, best = 0;
    int ret;
    /* Head = the valid block with the highest generation (generations start at 1). */
    for (uint32_t b = 0; b < d->nblocks; b++) {
        ret = hdr_read(d, b, &gen, &boot);
        if (ret < 0) {
            return ret;
        }
        if (ret == 0) {
            if (gen > best) {
                best = gen;
                d->head_blk = b;
            }
            maxboot = IOTL_MAX(maxboot, boot);
        }
    }
    if (d->cfg->boot_id == 0) {
        d->boot_id = maxboot + 1u;
    }
    if (best == 0) {
        d->head_blk = 0;
        d->head_gen = 1;
        d->used = 1;
        d->head_off = d->hdr;
        return open_block(d, 0, 1);
    }
    d->head_gen = best;
    /* The chain: blocks before the head in ring order with consecutive generations. */
    d->used = 1;
    while (d->used < d->nblocks) {
        uint32_t b = (d->head_blk + d->nblocks - d->used) % d->nblocks;
        ret = hdr_read(d, b, &gen, &boot);
        if (ret < 0) {
            return ret;
        }
        if (ret != 0 || gen != best - d->used) {
            break;
        }
        d->used++;
    }
    /* Head offset: after the last byte that is not erased. */
    ret = written_end(d, d->head_blk, &d->head_off);
    if (ret != IOTL_OK) {
        return ret;
    }
    /* Scan: sequence numbers, acknowledgement point, unfinished reclaim. */
    struct iotl_diag_pos p = {oldest_gen(d), d->hdr}, mark = {0, 0};
    uint32_t mark_gen = 0, maxrec = 0;
    while ((ret = next_entry(d, &p, d->rbuf)) > 0) {
        size_t len, off = 0;
        struct iotl_diag_record r;
        const uint8_t *rec = entry_rec(d->rbuf, &len);
        if (iotl_diag_record_next(rec, len, &off, &r) == 1) {
            if (r.seq >= d->next_seq) {
                d->next_seq = r.seq + 1u;
            }
            maxrec = IOTL_MAX(maxrec, r.boot_id);
            if (r.type == REC_MARK || r.type == IOTL_DIAG_LOSS) {
                uint64_t v[5] = {0, 0, 0, 0, 0};
                size_t bo = 0, k = r.type == REC_MARK ? 2 : 0;
                while (k < 5 && iotl_diag_varint(r.body, r.body_len, &bo, &v[k]) == IOTL_OK) {
                    k++;
                }
                if (k == 5) {
                    d->tail.gen = (uint32_t)v[3];
                    d->tail.off = (uint32_t)v[4];
                    if (v[2] != 0) {
                        mark_gen = (uint32_t)v[2];
                        mark = p;
                    }
                }
            }
        }
        p.off += (uint32_t)ret;
    }
    if (ret < 0) {
        return ret;
    }
    if (d->cfg->boot_id == 0 && maxrec >= d->boot_id) {
        d->boot_id = maxrec + 1u;
    }
    if (mark_gen != 0 && mark_gen == oldest_gen(d) && d->used > 1) {
        ret = reclaim(d, 1, mark);
    } else if (d->used == d->nblocks) {
        struct iotl_diag_pos none = {0, 0};
        ret = reclaim(d, 0, none);
    }
    return ret == IOTL_ERR_FULL ? IOTL_OK : ret;
}

/* Count stored, unacknowledged, exportable records. */
static int count_stored(iotl_diag_t *d)
{
    struct iotl_diag_pos p = eff_tail(d);
    int r;
    d->stats.stored = 0;
    while ((r = next_entry(d, &p, d->rbuf)) > 0) {
        d->stats.stored += (d->rbuf[1] & EF_INTERNAL) == 0;
        p.off += (uint32_t)r;
    }
    return r;
}

int iotl_diag_init(iotl_diag_t *d, const struct iotl_diag_config *cfg)
{
    IOTL_ASSERT(d != NULL && cfg != NULL);
    int ret = IOTL_ERR_INVALID_ARG;
    memset(d, 0, sizeof(*d));
    d->cfg = cfg;
    d->st = cfg->storage;
    if (d->st == NULL && cfg->ram_buf != NULL) {
        uint32_t bs = cfg->ram_block_size != 0 ? cfg->ram_block_size : RAM_BLOCK_DEFAULT;
        struct iotl_storage_geometry *g = &d->ram_area.geo;
        d->ram_area.ops = &ram_ops;
        d->ram_area.ctx = cfg->ram_buf;
        g->size = (uint32_t)(IOTL_MIN(cfg->ram_buf_len, (size_t)1 << 30) / bs * bs);
        g->erase_size = bs;
        g->write_align = 1;
        g->erased_value = 0xFF;
        d->st = &d->ram_area;
    }
    d->rec_max = cfg->record_max != 0 ? cfg->record_max : IOTL_DIAG_RECORD_MAX;
    if (d->st == NULL || d->rec_max < 30u || d->rec_max > IOTL_DIAG_RECORD_MAX ||
        (cfg->device_id != NULL && strlen(cfg->device_id) > IOTL_DIAG_DEVICE_ID_MAX) ||
        (cfg->metric_count != 0 && cfg->metrics == NULL)) {
        goto fail;
    }
    ret = IOTL_ERR_STORAGE_GEOMETRY;
    if (iotl_storage_check(d->st) != IOTL_OK) {
        goto fail;
    }
    d->bsize = d->st->geo.erase_size;
    d->align = d->st->geo.write_align;
    d->nblocks = d->st->geo.size / d->bsize;
    d->hdr = IOTL_ALIGN_UP(IOTL_DIAG_BLOCK_HEADER, d->align);
    if (d->nblocks < 2 || d->align > 16u || d->bsize > (1u << 24) ||
        d->bsize < d->hdr + 3u * sizeof(d->rbuf)) {
        goto fail;
    }
    if (d->st == &d->ram_area && !cfg->ram_keep) {
        (void)ram_erase(cfg->ram_buf, 0, d->ram_area.geo.size);
    }
    d->boot_id = cfg->boot_id;
    d->next_seq = 1;
    ret = mount(d);
    if (ret == IOTL_OK) {
        ret = count_stored(d);
    }
    if (ret == IOTL_OK) {
        d->send = d->tail;
        d->ready = true;
        return IOTL_OK;
    }
fail:
    memset(d, 0, sizeof(*d));
    return ret;
}

void iotl_diag_deinit(iotl_diag_t *d)
{
    if (d != NULL) {
        memset(d, 0, sizeof(*d));
    }
}

/* ---- export ---------------------------------------------------------------- */

struct gather {
    size_t n, bytes;   /* records and bytes copied */
    size_t r, rbytes;  /* of those, how many fit the raw budget */
    uint32_t first, last;
    struct iotl_diag_pos end; /* position after the last record copied */
    int more;          /* a record did not fit */
};

/* Copy exportable records from p on into dst (cap bytes, at most maxn). */
static int gather(iotl_diag_t *d, struct iotl_diag_pos p, uint8_t *dst, size_t cap, size_t budget,
                  size_t maxn, struct gather *g)
{
    int r = 0;
    memset(g, 0, sizeof(*g));
    g->end = p;
    while (g->n < maxn && (r = next_entry(d, &p, d->rbuf)) > 0) {
        if ((d->rbuf[1] & EF_INTERNAL) == 0) {
            size_t len;
            const uint8_t *rec = entry_rec(d->rbuf, &len);
            if (g->bytes + len > cap) {
                g->more = 1;
                return IOTL_OK;
            }
            memcpy(dst + g->bytes, rec, len);
            g->bytes += len;
            g->last = entry_seq(d->rbuf);
            if (g->n++ == 0) {
                g->first = g->last;
            }
            if (g->bytes <= budget) {
                g->r = g->n;
                g->rbytes = g->bytes;
            }
        }
        p.off += (uint32_t)r;
        g->end = p;
    }
    return r < 0 ? r : IOTL_OK;
}

#if IOTL_FEATURE_ZLIB
#define Z_STATE_ARENA (IOTL_Z_DEFLATE_ARENA(9, 1) + 64u)
/* Compress the longest prefix of the gathered records that fits the budget.
 * Returns the record count compressed into out (0: none fit), *zlen, *rawlen. */
static int deflate_to(const uint8_t *raw, size_t bytes, uint8_t *out, size_t cap, uint8_t *arena,
                      size_t arena_len, size_t *prod, size_t *peak)
{
    iotl_zstream_t z;
    size_t used = 0;
    int ret = iotl_z_deflate_init(&z, arena, arena_len, 6, 9, 1);
    if (ret == IOTL_OK) {
        ret = iotl_z_deflate(&z, raw, bytes, &used, out, cap, prod, IOTL_Z_FINISH);
        *peak = IOTL_MAX(*peak, z.arena_peak);
        iotl_z_end(&z);
    }
    return ret;
}

/* Byte length of the longest prefix of whole records within target bytes. */
static size_t prefix(const uint8_t *raw, size_t len, size_t target, size_t *count)
{
    size_t bytes = 0, next = 0;
    struct iotl_diag_record rec;
    *count = 0;
    while (iotl_diag_record_next(raw, len, &next, &rec) == 1 && next <= target) {
        bytes = next;
        (*count)++;
    }
    return bytes;
}

/* Compress as many gathered records as fit the budget: one trial pass over
 * all of them into tmp measures the ratio, then at most four passes into out.
 * Returns the record count in out (0: none), with *zlen and *rawlen. */
static size_t try_deflate(const uint8_t *raw, const struct gather *g, uint8_t *tmp,
                          size_t tmp_cap, uint8_t *out, size_t budget, uint8_t *arena, size_t arena_len, size_t *zlen,
                          size_t *rawlen, size_t *peak)
{
    size_t c = 0, m;
    int ret = deflate_to(raw, g->bytes, tmp, tmp_cap, arena, arena_len, &c, peak);
    if (ret < 0) {
        return 0;
    }
    if (ret == 2 && c <= budget) {
        memcpy(out, tmp, c);
        *zlen = c;
        *rawlen = g->bytes;
        return g->n;
    }
    size_t target = (size_t)((uint64_t)g->bytes * budget / (ret == 2 ? c : 4u * budget));
    for (int tries = 0; tries < 4; tries++) {
        target -= target / 16u;
        size_t bytes = prefix(raw, g->bytes, target, &m);
        if (m == 0 || m < g->r) {
            break;
        }
        if (deflate_to(raw, bytes, out, budget, arena, arena_len, &c, peak) == 2) {
            *zlen = c;
            *rawlen = bytes;
            return m;
        }
        target = bytes;
    }
    return 0;
}
#endif

int iotl_diag_get_chunk(iotl_diag_t *d, void *out, size_t len, size_t *out_len)
{
    IOTL_ASSERT(d != NULL && out != NULL && out_len != NULL);
    uint8_t *buf = (uint8_t *)out;
    *out_len = 0;
    if (!d->ready) {
        return IOTL_ERR_STATE;
    }
    if (len < IOTL_DIAG_CHUNK_MIN) {
        return IOTL_ERR_DIAG_MTU;
    }
    if (d->n_inflight == IOTL_DIAG_INFLIGHT_MAX) {
        return IOTL_ERR_WOULD_BLOCK;
    }
    if (len > 0x1000000u) {
        len = 0x1000000u; /* chunk lengths are bounded for the varints below */
    }
    size_t dl = d->cfg->device_id != NULL ? strlen(d->cfg->device_id) : 0;
    size_t hmax = 4u + dl + varint_len(d->boot_id) + 2u * varint_len(d->next_seq) +
                  varint_len(len) + varint_len(4u * len);
    if (hmax + 4u + 8u > len) {
        return IOTL_ERR_DIAG_MTU;
    }
    size_t budget = len - hmax - 4u;
    uint8_t *pay = buf + hmax;
    struct iotl_diag_pos start = d->send;
    struct iotl_diag_pos t = eff_tail(d);
    if (pos_lt(start, t)) {
        start = t;
    }
    struct gather g;
    size_t k, psize, rawlen = 0;
    uint8_t flags = 0, *raw_buf = pay;
    int ret;
#if IOTL_FEATURE_ZLIB
    size_t scap = d->cfg->z_arena_len > Z_STATE_ARENA + budget ? d->cfg->z_arena_len - Z_STATE_ARENA : 0;
    scap = IOTL_ALIGN_DOWN(IOTL_MIN(scap / 2u, 2u * budget), 16u);
    if (d->cfg->z_arena != NULL && scap >= budget) {
        uint8_t *raw = (uint8_t *)d->cfg->z_arena;
        raw_buf = raw;
        ret = gather(d, start, raw, scap, budget, SIZE_MAX, &g);
        if (ret != IOTL_OK) {
            return ret;
        }
        size_t zlen = 0, peak = 0;
        size_t m = try_deflate(raw, &g, raw + scap, scap, pay, budget, raw + 2u * scap,
                               d->cfg->z_arena_len - 2u * scap, &zlen, &rawlen, &peak);
        peak += 2u * scap;
        d->stats.z_arena_peak = (uint32_t)IOTL_MAX(d->stats.z_arena_peak, peak);
        if (m > g.r || (m != 0 && m == g.r && zlen < g.rbytes)) {
            k = m;
            psize = zlen;
            flags = 1;
        } else {
            k = g.r;
            psize = g.rbytes;
            memcpy(pay, raw, psize);
        }
    } else
#endif
    {
        ret = gather(d, start, pay, budget, budget, SIZE_MAX, &g);
        if (ret != IOTL_OK) {
            return ret;
        }
        k = g.r;
        psize = g.rbytes;
    }
    if (k == 0) {
        return g.more ? IOTL_ERR_DIAG_MTU : IOTL_OK;
    }
    if (k != g.n) {
        /* Fewer records than gathered: walk k again to find where they end
         * (rewriting the same bytes into the gather buffer). */
        struct gather g2;
        ret = gather(d, start, raw_buf, g.bytes, budget, k, &g2);
        if (ret != IOTL_OK) {
            return ret;
        }
        g.end = g2.end;
        g.last = g2.last;
    }
    size_t h = 0;
    uint8_t hb[4 + IOTL_DIAG_DEVICE_ID_MAX + 25];
    hb[h++] = IOTL_DIAG_CHUNK_MAGIC;
    hb[h++] = IOTL_DIAG_CHUNK_VERSION;
    hb[h++] = flags;
    hb[h++] = (uint8_t)dl;
    memcpy(hb + h, d->cfg->device_id != NULL ? d->cfg->device_id : "", dl);
    h += dl;
    h += put_varint(hb + h, d->boot_id);
    h += put_varint(hb + h, g.first);
    h += put_varint(hb + h, g.last);
    h += put_varint(hb + h, k);
    if (flags) {
        h += put_varint(hb + h, rawlen);
    }
    memmove(buf + h, pay, psize);
    memcpy(buf, hb, h);
    iotl_put_le32(buf + h + psize, iotl_crc32(0, buf, h + psize));
    *out_len = h + psize + 4u;
    struct iotl_diag_inflight *f = &d->inflight[d->n_inflight++];
    f->first_seq = g.first;
    f->last_seq = g.last;
    f->count = (uint32_t)k;
    f->end = g.end;
    d->send = g.end;
    return IOTL_OK;
}

int iotl_diag_ack(iotl_diag_t *d, uint32_t first_seq, uint32_t last_seq)
{
    IOTL_ASSERT(d != NULL);
    if (!d->ready) {
        return IOTL_ERR_STATE;
    }
    uint32_t i;
    for (i = 0; i < d->n_inflight; i++) {
        if (d->inflight[i].first_seq == first_seq && d->inflight[i].last_seq == last_seq) {
            break;
        }
    }
    if (i == d->n_inflight) {
        return IOTL_ERR_DIAG_SEQ;
    }
    d->tail = d->inflight[i].end;
    for (uint32_t j = 0; j <= i; j++) {
        d->stats.stored -= IOTL_MIN(d->stats.stored, d->inflight[j].count);
    }
    d->n_inflight -= i + 1u;
    memmove(d->inflight, d->inflight + i + 1u, d->n_inflight * sizeof(d->inflight[0]));
    int ret = ensure(d, 96u);
    return ret == IOTL_OK ? write_marker(d, 0, 0, 0) : ret;
}

void iotl_diag_rewind(iotl_diag_t *d)
{
    IOTL_ASSERT(d != NULL);
    d->n_inflight = 0;
    d->send = d->tail;
}

void iotl_diag_get_stats(const iotl_diag_t *d, struct iotl_diag_stats *st)
{
    IOTL_ASSERT(d != NULL && st != NULL);
    *st = d->stats;
    st->next_seq = d->next_seq;
    st->boot_id = d->boot_id;
    st->pending_loss = d->pend_norm + d->pend_crit;
    st->free_bytes = d->ready ? (d->bsize - d->head_off) + (d->nblocks - d->used) * (d->bsize - d->hdr) : 0;
}
