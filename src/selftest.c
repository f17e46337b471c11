/* SPDX-License-Identifier: Apache-2.0 */
/* Storage port conformance self-test, usable on the host and on targets. */
#include "iotl_priv.h"
#include "iotlife/port/storage.h"

static uint8_t pattern_byte(uint32_t off)
{
    /* Never equal to 0x00 or 0xFF, so it always differs from an erased byte. */
    return (uint8_t)(0x40u + (off * 7u + (off >> 8)) % 0x80u);
}

static int expect_range(const struct iotl_storage *s, uint32_t off, uint32_t len, int erased,
                        uint8_t *buf, size_t buf_len)
{
    while (len > 0) {
        uint32_t n = (uint32_t)IOTL_MIN((size_t)len, buf_len);
        int ret = iotl_storage_read(s, off, buf, n);
        if (ret != IOTL_OK) {
            return ret;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint8_t want = erased ? s->geo.erased_value : pattern_byte(off + i);
            if (buf[i] != want) {
                return IOTL_ERR_CORRUPT;
            }
        }
        off += n;
        len -= n;
    }
    return IOTL_OK;
}

static int program_unit(const struct iotl_storage *s, uint32_t off, uint8_t *buf)
{
    uint32_t wa = s->geo.write_align;
    for (uint32_t i = 0; i < wa; i++) {
        buf[i] = pattern_byte(off + i);
    }
    return iotl_storage_write(s, off, buf, wa);
}

int iotl_storage_selftest(const struct iotl_storage *s, void *scratch, size_t scratch_len)
{
    int ret = iotl_storage_check(s);
    if (ret != IOTL_OK || s->geo.size / s->geo.erase_size < 2) {
        return IOTL_ERR_STORAGE_GEOMETRY;
    }
    const uint32_t es = s->geo.erase_size;
    const uint32_t wa = s->geo.write_align;
    uint8_t *buf = (uint8_t *)scratch;
    if (scratch == NULL || scratch_len < 2u * wa) {
        return IOTL_ERR_NO_MEM;
    }
    const uint32_t last = s->geo.size - es;
    const uint32_t blocks[3] = {0, es, last};
    const int nblocks = last == es ? 2 : 3; /* a two-block area has no third */

    ret = iotl_storage_erase(s, 0, s->geo.size);
    if (ret == IOTL_OK) {
        ret = expect_range(s, 0, s->geo.size, 1, buf, scratch_len);
    }
    /* First, middle and last write unit of three blocks. */
    for (int b = 0; b < nblocks && ret == IOTL_OK; b++) {
        const uint32_t units[3] = {0, IOTL_ALIGN_DOWN(es / 2, wa), es - wa};
        for (int u = 0; u < 3 && ret == IOTL_OK; u++) {
            ret = program_unit(s, blocks[b] + units[u], buf);
            if (ret == IOTL_OK) {
                ret = expect_range(s, blocks[b] + units[u], wa, 0, buf, scratch_len);
            }
        }
    }
    if (ret == IOTL_OK) {
        ret = iotl_storage_sync(s);
    }
    /* Odd-offset, odd-length read across a write unit boundary. */
    if (ret == IOTL_OK && wa > 1) {
        ret = iotl_storage_read(s, es - wa + 1u, buf, wa - 1u);
        for (uint32_t i = 0; ret == IOTL_OK && i < wa - 1u; i++) {
            if (buf[i] != pattern_byte(es - wa + 1u + i)) {
                ret = IOTL_ERR_CORRUPT;
            }
        }
    }
    /* Erasing block 1 leaves block 0 programmed. */
    if (ret == IOTL_OK) {
        ret = iotl_storage_erase(s, es, es);
    }
    if (ret == IOTL_OK) {
        ret = expect_range(s, es, es, 1, buf, scratch_len);
    }
    if (ret == IOTL_OK) {
        ret = expect_range(s, 0, wa, 0, buf, scratch_len);
    }
    if (ret == IOTL_OK) {
        ret = expect_range(s, es - wa, wa, 0, buf, scratch_len);
    }
    /* Out-of-range access is refused before it reaches the port. */
    if (ret == IOTL_OK && iotl_storage_read(s, s->geo.size, buf, 1) != IOTL_ERR_BOUNDS) {
        ret = IOTL_ERR_CORRUPT;
    }
    if (ret == IOTL_OK) {
        ret = iotl_storage_erase(s, 0, s->geo.size);
    }
    return ret;
}
