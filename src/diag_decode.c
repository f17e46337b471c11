/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics chunk decoder: verifies a chunk (header, CRC, records against
 * the header) and inflates its payload. Bounded, no heap, hostile input safe.
 * Used by the host CLI and fuzzed; a device never needs it. */
#include "iotlife/diag.h"

#include "iotl_priv.h"
#include "iotl_zlib.h"

static int get_u32(const uint8_t *p, size_t len, size_t *off, uint32_t *v)
{
    uint64_t x;
    if (iotl_diag_varint(p, len, off, &x) != IOTL_OK || x > UINT32_MAX) {
        return IOTL_ERR_DIAG_CHUNK;
    }
    *v = (uint32_t)x;
    return IOTL_OK;
}

int iotl_diag_chunk_decode(const void *chunk, size_t len, struct iotl_diag_chunk_info *info,
                           uint8_t *payload, size_t payload_cap, void *arena, size_t arena_len)
{
    IOTL_ASSERT(chunk != NULL && info != NULL && (payload != NULL || payload_cap == 0));
    const uint8_t *c = (const uint8_t *)chunk;
    uint32_t raw_len = 0;
    memset(info, 0, sizeof(*info));
    if (len < 4u + 4u + 4u || c[0] != IOTL_DIAG_CHUNK_MAGIC) {
        return IOTL_ERR_DIAG_CHUNK;
    }
    if (c[1] != IOTL_DIAG_CHUNK_VERSION || (c[2] & ~1u) != 0) {
        return IOTL_ERR_DIAG_VERSION;
    }
    size_t body = len - 4u;
    if (iotl_crc32(0, c, body) != iotl_get_le32(c + body)) {
        return IOTL_ERR_DIAG_CRC;
    }
    info->version = c[1];
    info->flags = c[2];
    size_t dl = c[3], off = 4;
    if (dl > IOTL_DIAG_DEVICE_ID_MAX || dl > body - off) {
        return IOTL_ERR_DIAG_CHUNK;
    }
    memcpy(info->device_id, c + off, dl);
    off += dl;
    if (get_u32(c, body, &off, &info->boot_id) != IOTL_OK ||
        get_u32(c, body, &off, &info->first_seq) != IOTL_OK ||
        get_u32(c, body, &off, &info->last_seq) != IOTL_OK ||
        get_u32(c, body, &off, &info->count) != IOTL_OK || info->count == 0 ||
        ((info->flags & 1u) && get_u32(c, body, &off, &raw_len) != IOTL_OK)) {
        return IOTL_ERR_DIAG_CHUNK;
    }
    const uint8_t *in = c + off;
    size_t in_len = body - off;
    if ((info->flags & 1u) == 0) {
        if (in_len > payload_cap) {
            return IOTL_ERR_NO_MEM;
        }
        memcpy(payload, in, in_len);
        info->payload_len = in_len;
    } else {
#if IOTL_FEATURE_ZLIB
        if (raw_len > payload_cap) {
            return IOTL_ERR_NO_MEM;
        }
        if (arena == NULL) {
            return IOTL_ERR_NO_MEM;
        }
        iotl_zstream_t z;
        size_t used = 0, prod = 0;
        int ret = iotl_z_inflate_init(&z, arena, arena_len, 9);
        if (ret != IOTL_OK) {
            return ret;
        }
        /* One call: raw_len bounds the output; the stream must end exactly
         * there and use all the input. */
        ret = iotl_z_inflate(&z, in, in_len, &used, payload, raw_len, &prod);
        iotl_z_end(&z);
        if (ret == IOTL_ERR_NO_MEM) {
            return ret;
        }
        if (ret != 1 || used != in_len || prod != raw_len) {
            return IOTL_ERR_DIAG_CHUNK;
        }
        info->payload_len = raw_len;
#else
        (void)arena;
        (void)arena_len;
        (void)raw_len;
        return IOTL_ERR_UNSUPPORTED;
#endif
    }
    /* The records must be well-formed and agree with the header. */
    size_t ro = 0;
    uint32_t n = 0;
    struct iotl_diag_record rec;
    int r;
    while ((r = iotl_diag_record_next(payload, info->payload_len, &ro, &rec)) == 1) {
        if ((n == 0 && rec.seq != info->first_seq) || rec.type == 0 || rec.type > IOTL_DIAG_LOSS) {
            return n == 0 && rec.type != 0 && rec.type <= IOTL_DIAG_LOSS ? IOTL_ERR_DIAG_SEQ
                                                                         : IOTL_ERR_DIAG_CHUNK;
        }
        n++;
    }
    if (r < 0) {
        return r;
    }
    if (n != info->count) {
        return IOTL_ERR_DIAG_CHUNK;
    }
    return rec.seq == info->last_seq ? IOTL_OK : IOTL_ERR_DIAG_SEQ;
}
