/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the delta suites: firmware-like test images, edits, and a
 * hand-made single-segment patch builder for bad-input tables. Test-only. */
#ifndef DELTA_TEST_UTIL_H
#define DELTA_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "iotl_priv.h"
#include "iotlife/delta.h"
#include "iotlife/port/mbedtls.h"

static inline uint32_t dt_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* Firmware-like bytes: instruction-ish words, pointer tables, strings, padding. */
static inline void dt_firmware(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t s = seed | 1u;
    size_t i = 0;
    while (i < n) {
        uint32_t kind = dt_rand(&s) % 4, len = 16 + dt_rand(&s) % 240;
        for (uint32_t k = 0; k < len && i < n; k++, i++) {
            switch (kind) {
            case 0: p[i] = (uint8_t)(dt_rand(&s) % 7 ? (0x40 + (dt_rand(&s) & 0x1f)) : 0x00); break;
            case 1: p[i] = (uint8_t)((k % 4 == 3) ? 0x08 : (k % 4 == 2) ? (i >> 8) : dt_rand(&s)); break;
            case 2: p[i] = (uint8_t)("the quick brown fox jumps over "[k % 31]); break;
            default: p[i] = 0xFF; break;
            }
        }
    }
}

/* A pseudo-random edit of old into buf (capacity cap): replaced bytes,
 * insertions, deletions, moved blocks and shifted "pointers". */
static inline size_t dt_edit(const uint8_t *old, size_t olen, uint8_t *buf, size_t cap, uint32_t seed)
{
    uint32_t s = seed | 1u;
    size_t o = 0, n = 0;
    while (o < olen && n < cap) {
        uint32_t op = dt_rand(&s) % 100;
        size_t len = 1 + dt_rand(&s) % 2000;
        if (op < 60) { /* copy, with sparse changed bytes (relocated pointers) */
            for (size_t k = 0; k < len && o < olen && n < cap; k++) {
                buf[n++] = (uint8_t)(old[o++] + ((k % 64 == 7) ? 4 : 0));
            }
        } else if (op < 72) { /* insertion of new bytes */
            for (size_t k = 0; k < len / 4 && n < cap; k++) {
                buf[n++] = (uint8_t)dt_rand(&s);
            }
        } else if (op < 84) { /* deletion */
            o += len / 2;
        } else if (op < 94 && olen > 0) { /* block moved from elsewhere */
            size_t from = dt_rand(&s) % olen;
            for (size_t k = 0; k < len && from + k < olen && n < cap; k++) {
                buf[n++] = old[from + k];
            }
        } else { /* byte noise */
            for (size_t k = 0; k < 8 && o < olen && n < cap; k++) {
                buf[n++] = (uint8_t)(old[o++] ^ (dt_rand(&s) & 0xff));
            }
        }
    }
    return n;
}

static inline void dt_varint(uint8_t **p, uint32_t v)
{
    while (v >= 0x80u) {
        *(*p)++ = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    *(*p)++ = (uint8_t)v;
}

/* Build a one-segment patch around a hand-written instruction stream. The
 * header claims new_size and new's SHA-256 (new may be NULL: hash of zeros
 * is not needed for range errors). Returns the patch length. */
static inline size_t dt_build(uint8_t *out, size_t cap, uint8_t ver, const uint8_t *old, uint32_t olen,
                              const uint8_t *neu, uint32_t nlen, uint32_t interval, uint32_t seg_old,
                              const uint8_t *ins, size_t ilen)
{
    struct iotl_crypto c;
    iotl_mbedtls_crypto_init(&c);
    memset(out, 0, IOTL_DELTA_HEADER_SIZE);
    memcpy(out, IOTL_DELTA_MAGIC, 4);
    out[4] = ver;
    out[5] = 12;
    out[6] = 1;
    iotl_put_le32(out + 8, olen);
    iotl_put_le32(out + 12, nlen);
    iotl_put_le32(out + 16, interval);
    iotl_sha256(&c, old, olen, out + 24);
    if (neu != NULL) {
        iotl_sha256(&c, neu, nlen, out + 56);
    }
    size_t at = IOTL_DELTA_HEADER_SIZE;
    if (nlen > 0) {
        uLongf clen = (uLongf)(cap - at - IOTL_DELTA_SEGMENT_HEADER_SIZE);
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        deflateInit2(&zs, 9, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY);
        zs.next_in = (Bytef *)(uintptr_t)ins;
        zs.avail_in = (uInt)ilen;
        zs.next_out = out + at + IOTL_DELTA_SEGMENT_HEADER_SIZE;
        zs.avail_out = (uInt)clen;
        deflate(&zs, Z_FINISH);
        clen = clen - zs.avail_out;
        deflateEnd(&zs);
        iotl_put_le32(out + at, (uint32_t)clen);
        iotl_put_le32(out + at + 4, 0);
        iotl_put_le32(out + at + 8, seg_old);
        at += IOTL_DELTA_SEGMENT_HEADER_SIZE + clen;
    }
    iotl_put_le32(out + 20, (uint32_t)at);
    iotl_put_le32(out + 92, iotl_crc32(0, out, 92));
    if (nlen > 0) {
        uint8_t *s = out + IOTL_DELTA_HEADER_SIZE;
        iotl_put_le32(s + 12, iotl_crc32(iotl_get_le32(out + 92), s, 12));
    }
    return at;
}

/* Re-seal a header (and the segment CRCs seeded with it) after a test edited it. */
static inline void dt_reseal(uint8_t *patch, size_t len)
{
    uint32_t crc = iotl_crc32(0, patch, 92);
    iotl_put_le32(patch + 92, crc);
    size_t at = IOTL_DELTA_HEADER_SIZE;
    while (at + IOTL_DELTA_SEGMENT_HEADER_SIZE <= len) {
        iotl_put_le32(patch + at + 12, iotl_crc32(crc, patch + at, 12));
        at += IOTL_DELTA_SEGMENT_HEADER_SIZE + iotl_get_le32(patch + at);
    }
}

#endif
