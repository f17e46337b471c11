/* SPDX-License-Identifier: Apache-2.0 */
/* Emulated NOR flash with power cuts, torn operations, bit flips, bad blocks. */
#include "emuflash.h"

#include <string.h>

static uint32_t rng_next(iotl_emu_power_t *p)
{
    uint32_t x = p->rng ? p->rng : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p->rng = x;
    return x;
}

void iotl_emu_power_reset(iotl_emu_power_t *p, uint32_t seed)
{
    jmp_buf *jump = p->jump;
    memset(p, 0, sizeof(*p));
    p->jump = jump;
    p->rng = seed ? seed : 1u;
}

void iotl_emu_power_cut_at(iotl_emu_power_t *p, uint32_t n, enum iotl_emu_tear tear)
{
    p->cut_at = n == 0 ? 0 : p->ops + n;
    p->tear = tear;
}

void iotl_emu_power_on(iotl_emu_power_t *p)
{
    p->off = false;
    p->cut_at = 0;
}

static bool is_bad(const iotl_emu_flash_t *e, uint32_t off)
{
    uint32_t blk = off / e->geo.erase_size + 1u;
    for (int i = 0; i < IOTL_EMU_MAX_BAD_BLOCKS; i++) {
        if (e->bad_blocks[i] == blk) {
            return true;
        }
    }
    return false;
}

static bool range_has_bad(const iotl_emu_flash_t *e, uint32_t off, size_t len)
{
    for (uint32_t o = off - off % e->geo.erase_size; o < off + len; o += e->geo.erase_size) {
        if (is_bad(e, o)) {
            return true;
        }
    }
    return false;
}

/* Store arbitrary bytes at [off, off+len) of the inner area, whatever it held.
 * The inner port may itself refuse writes to non-erased bytes, so rewrite
 * every touched erase block: read, patch, erase, program back. */
static uint8_t copy[256 * 1024]; /* one erase block; tests are single-threaded */

static int inner_store_raw(iotl_emu_flash_t *e, uint32_t off, const uint8_t *data, size_t len)
{
    /* Rewrite every erase block touched: read it, patch it, erase, write back. */
    uint8_t blk[512];
    const struct iotl_storage *in = e->inner;
    uint32_t es = e->geo.erase_size;
    for (uint32_t b = off - off % es; b < off + len; b += es) {
        if (es > sizeof(copy)) {
            return IOTL_ERR_NO_MEM;
        }
        int ret = in->ops->read(in->ctx, b, copy, es);
        if (ret != IOTL_OK) {
            return ret;
        }
        for (uint32_t i = 0; i < es; i++) {
            uint32_t a = b + i;
            if (a >= off && a < off + len) {
                copy[i] = data[a - off];
            }
        }
        ret = in->ops->erase(in->ctx, b, es);
        if (ret != IOTL_OK) {
            return ret;
        }
        /* Write back only bytes that differ from erased, in aligned windows, so
         * a strict inner port accepts it. */
        for (uint32_t w = 0; w < es; w += sizeof(blk)) {
            uint32_t n = es - w < sizeof(blk) ? es - w : (uint32_t)sizeof(blk);
            bool all_erased = true;
            for (uint32_t i = 0; i < n; i++) {
                if (copy[w + i] != e->geo.erased_value) {
                    all_erased = false;
                    break;
                }
            }
            if (!all_erased) {
                memcpy(blk, copy + w, n);
                ret = in->ops->write(in->ctx, b + w, blk, n);
                if (ret != IOTL_OK) {
                    return ret;
                }
            }
        }
    }
    return IOTL_OK;
}

/* Count one state-changing operation; returns true when power fails during it. */
static bool op_cuts_power(iotl_emu_power_t *p)
{
    p->ops++;
    if (p->cut_at != 0 && p->ops == p->cut_at) {
        p->off = true;
        p->cuts++;
        return true;
    }
    return false;
}

static int power_lost(iotl_emu_power_t *p)
{
    if (p->jump != NULL) {
        longjmp(*p->jump, 1);
    }
    return IOTL_ERR_POWER_LOSS;
}

static int emu_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    iotl_emu_flash_t *e = (iotl_emu_flash_t *)ctx;
    if (e->power->off) {
        return power_lost(e->power);
    }
    if (off > e->geo.size || len > e->geo.size - off) {
        return IOTL_ERR_BOUNDS;
    }
    int ret = e->inner->ops->read(e->inner->ctx, off, buf, len);
    if (ret != IOTL_OK) {
        return ret;
    }
    e->reads++;
    if (e->flip_mask != 0 && e->flip_off >= off && e->flip_off < off + len) {
        ((uint8_t *)buf)[e->flip_off - off] ^= e->flip_mask;
        if (!e->flip_sticky) {
            e->flip_mask = 0;
        }
    }
    return IOTL_OK;
}

static int emu_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    iotl_emu_flash_t *e = (iotl_emu_flash_t *)ctx;
    iotl_emu_power_t *p = e->power;
    if (p->off) {
        return power_lost(p);
    }
    if (off > e->geo.size || len > e->geo.size - off) {
        return IOTL_ERR_BOUNDS;
    }
    if (off % e->geo.write_align != 0 || len % e->geo.write_align != 0) {
        return IOTL_ERR_STORAGE_ALIGN;
    }
    if (range_has_bad(e, off, len)) {
        return IOTL_ERR_STORAGE_BAD_BLOCK;
    }
    /* NOR rule: only erased bytes may be programmed. */
    uint8_t cur[256];
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof(cur) ? len - done : sizeof(cur);
        int ret = e->inner->ops->read(e->inner->ctx, off + (uint32_t)done, cur, n);
        if (ret != IOTL_OK) {
            return ret;
        }
        for (size_t i = 0; i < n; i++) {
            if (cur[i] != e->geo.erased_value) {
                return IOTL_ERR_STORAGE_NOT_ERASED;
            }
        }
        done += n;
    }
    if (op_cuts_power(p)) {
        if (p->tear == IOTL_EMU_TEAR_RANDOM && len > 0) {
            /* A prefix of the program lands; the rest holds arbitrary bits. */
            static uint8_t torn[256 * 1024];
            if (len <= sizeof(torn)) {
                size_t prefix = rng_next(p) % len;
                memcpy(torn, buf, prefix);
                for (size_t i = prefix; i < len; i++) {
                    torn[i] = (uint8_t)rng_next(p);
                }
                (void)inner_store_raw(e, off, torn, len);
            }
        }
        return power_lost(p);
    }
    int ret = e->inner->ops->write(e->inner->ctx, off, buf, len);
    if (ret == IOTL_OK) {
        e->writes++;
    }
    return ret;
}

static int emu_erase(void *ctx, uint32_t off, size_t len)
{
    iotl_emu_flash_t *e = (iotl_emu_flash_t *)ctx;
    iotl_emu_power_t *p = e->power;
    if (p->off) {
        return power_lost(p);
    }
    if (off > e->geo.size || len > e->geo.size - off) {
        return IOTL_ERR_BOUNDS;
    }
    if (off % e->geo.erase_size != 0 || len % e->geo.erase_size != 0) {
        return IOTL_ERR_STORAGE_ALIGN;
    }
    if (range_has_bad(e, off, len)) {
        return IOTL_ERR_STORAGE_BAD_BLOCK;
    }
    if (op_cuts_power(p)) {
        if (p->tear == IOTL_EMU_TEAR_RANDOM && len > 0) {
            /* Blocks erased before the cut are clean; the block being erased
             * when power failed holds arbitrary bits; later ones are untouched. */
            uint32_t es = e->geo.erase_size;
            uint32_t nblk = (uint32_t)(len / es);
            uint32_t torn_blk = rng_next(p) % nblk;
            static uint8_t junk[256 * 1024];
            if (torn_blk > 0) {
                (void)e->inner->ops->erase(e->inner->ctx, off, (size_t)torn_blk * es);
            }
            if (es <= sizeof(junk)) {
                for (uint32_t i = 0; i < es; i++) {
                    junk[i] = (uint8_t)rng_next(p);
                }
                (void)inner_store_raw(e, off + torn_blk * es, junk, es);
            }
        }
        return power_lost(p);
    }
    int ret = e->inner->ops->erase(e->inner->ctx, off, len);
    if (ret == IOTL_OK) {
        e->erases++;
    }
    return ret;
}

static int emu_sync(void *ctx)
{
    iotl_emu_flash_t *e = (iotl_emu_flash_t *)ctx;
    if (e->power->off) {
        return power_lost(e->power);
    }
    return e->inner->ops->sync != NULL ? e->inner->ops->sync(e->inner->ctx) : IOTL_OK;
}

const struct iotl_storage_ops iotl_emu_storage_ops = {
    .read = emu_read,
    .write = emu_write,
    .erase = emu_erase,
    .sync = emu_sync,
};

int iotl_emu_flash_init(iotl_emu_flash_t *e, struct iotl_storage *out,
                        const struct iotl_storage *inner, iotl_emu_power_t *p)
{
    memset(e, 0, sizeof(*e));
    int ret = iotl_storage_check(inner);
    if (ret != IOTL_OK) {
        return ret;
    }
    e->inner = inner;
    e->power = p;
    e->geo = inner->geo;
    out->ops = &iotl_emu_storage_ops;
    out->ctx = e;
    out->geo = inner->geo;
    return IOTL_OK;
}

void iotl_emu_flash_flip(iotl_emu_flash_t *e, uint32_t off, uint8_t mask, bool sticky)
{
    e->flip_off = off;
    e->flip_mask = mask;
    e->flip_sticky = sticky;
}

int iotl_emu_flash_mark_bad(iotl_emu_flash_t *e, uint32_t off)
{
    if (off >= e->geo.size) {
        return IOTL_ERR_BOUNDS;
    }
    for (int i = 0; i < IOTL_EMU_MAX_BAD_BLOCKS; i++) {
        if (e->bad_blocks[i] == 0) {
            e->bad_blocks[i] = off / e->geo.erase_size + 1u;
            return IOTL_OK;
        }
    }
    return IOTL_ERR_FULL;
}
