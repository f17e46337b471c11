/* SPDX-License-Identifier: Apache-2.0 */
/* RAM-backed storage port. */
#include "iotlife/port/ram.h"

#include <string.h>

static int ram_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    iotl_ram_flash_t *rf = (iotl_ram_flash_t *)ctx;
    if (off > rf->size || len > rf->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    memcpy(buf, rf->mem + off, len);
    rf->reads++;
    return IOTL_OK;
}

static int ram_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    iotl_ram_flash_t *rf = (iotl_ram_flash_t *)ctx;
    if (off > rf->size || len > rf->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    if (rf->strict) {
        for (size_t i = 0; i < len; i++) {
            if (rf->mem[off + i] != rf->erased_value) {
                return IOTL_ERR_STORAGE_NOT_ERASED;
            }
        }
    }
    memcpy(rf->mem + off, buf, len);
    rf->writes++;
    return IOTL_OK;
}

static int ram_erase(void *ctx, uint32_t off, size_t len)
{
    iotl_ram_flash_t *rf = (iotl_ram_flash_t *)ctx;
    if (off > rf->size || len > rf->size - off) {
        return IOTL_ERR_BOUNDS;
    }
    memset(rf->mem + off, rf->erased_value, len);
    rf->erases++;
    return IOTL_OK;
}

const struct iotl_storage_ops iotl_ram_storage_ops = {
    .read = ram_read,
    .write = ram_write,
    .erase = ram_erase,
    .sync = NULL,
};

int iotl_ram_flash_attach(iotl_ram_flash_t *rf, struct iotl_storage *out, void *mem,
                          const struct iotl_storage_geometry *geo, bool strict)
{
    memset(rf, 0, sizeof(*rf));
    out->ops = &iotl_ram_storage_ops;
    out->ctx = rf;
    out->geo = *geo;
    int ret = iotl_storage_check(out);
    if (ret != IOTL_OK) {
        return ret;
    }
    rf->mem = (uint8_t *)mem;
    rf->size = geo->size;
    rf->erased_value = geo->erased_value;
    rf->strict = strict;
    return IOTL_OK;
}

int iotl_ram_flash_init(iotl_ram_flash_t *rf, struct iotl_storage *out, void *mem,
                        const struct iotl_storage_geometry *geo, bool strict)
{
    int ret = iotl_ram_flash_attach(rf, out, mem, geo, strict);
    if (ret != IOTL_OK) {
        return ret;
    }
    memset(rf->mem, geo->erased_value, geo->size);
    return IOTL_OK;
}
