/* SPDX-License-Identifier: Apache-2.0 */
/* Checked wrappers around the storage port: every core access goes through
 * here, so bounds and alignment are enforced in one place. */
#include "iotl_priv.h"
#include "iotlife/port/storage.h"

static int is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1u)) == 0;
}

int iotl_storage_check(const struct iotl_storage *s)
{
    if (s == NULL || s->ops == NULL || s->ops->read == NULL || s->ops->write == NULL ||
        s->ops->erase == NULL) {
        return IOTL_ERR_STORAGE_GEOMETRY;
    }
    const struct iotl_storage_geometry *g = &s->geo;
    if (!is_pow2(g->erase_size) || !is_pow2(g->write_align) || g->write_align > g->erase_size ||
        g->size == 0 || g->size % g->erase_size != 0) {
        return IOTL_ERR_STORAGE_GEOMETRY;
    }
    return IOTL_OK;
}

static int in_bounds(const struct iotl_storage *s, uint32_t off, size_t len)
{
    return off <= s->geo.size && len <= (size_t)(s->geo.size - off);
}

int iotl_storage_read(const struct iotl_storage *s, uint32_t off, void *buf, size_t len)
{
    IOTL_ASSERT(s != NULL && s->ops != NULL);
    if (!in_bounds(s, off, len)) {
        return IOTL_ERR_BOUNDS;
    }
    if (len == 0) {
        return IOTL_OK;
    }
    return s->ops->read(s->ctx, off, buf, len);
}

int iotl_storage_write(const struct iotl_storage *s, uint32_t off, const void *buf, size_t len)
{
    IOTL_ASSERT(s != NULL && s->ops != NULL);
    if (!in_bounds(s, off, len)) {
        return IOTL_ERR_BOUNDS;
    }
    if (off % s->geo.write_align != 0 || len % s->geo.write_align != 0) {
        return IOTL_ERR_STORAGE_ALIGN;
    }
    if (len == 0) {
        return IOTL_OK;
    }
    return s->ops->write(s->ctx, off, buf, len);
}

int iotl_storage_erase(const struct iotl_storage *s, uint32_t off, size_t len)
{
    IOTL_ASSERT(s != NULL && s->ops != NULL);
    if (!in_bounds(s, off, len)) {
        return IOTL_ERR_BOUNDS;
    }
    if (off % s->geo.erase_size != 0 || len % s->geo.erase_size != 0) {
        return IOTL_ERR_STORAGE_ALIGN;
    }
    if (len == 0) {
        return IOTL_OK;
    }
    return s->ops->erase(s->ctx, off, len);
}

int iotl_storage_sync(const struct iotl_storage *s)
{
    IOTL_ASSERT(s != NULL && s->ops != NULL);
    return s->ops->sync != NULL ? s->ops->sync(s->ctx) : IOTL_OK;
}

int iotl_storage_is_erased(const struct iotl_storage *s, uint32_t off, uint32_t len)
{
    uint8_t tmp[64];
    while (len > 0) {
        uint32_t n = len < (uint32_t)sizeof(tmp) ? len : (uint32_t)sizeof(tmp);
        int ret = iotl_storage_read(s, off, tmp, n);
        if (ret != IOTL_OK) {
            return ret;
        }
        const uint8_t *p = tmp;
        const uint8_t *end = tmp + n;
        while (p < end && *p == s->geo.erased_value) {
            p++;
        }
        if (p != end) {
            return 0;
        }
        off += n;
        len -= n;
    }
    return 1;
}
