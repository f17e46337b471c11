/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the core modules: assertions, logging hooks,
 * byte order and CRC. Never installed; never included by ports. */
#ifndef IOTL_PRIV_H
#define IOTL_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iotlife/config.h"
#include "iotlife/error.h"

/* Contract violations (bad config, forbidden NULL) trip IOTL_ASSERT, which an
 * integrator may override; environmental failures return codes instead. */
#ifndef IOTL_ASSERT
#if IOTL_ASSERT_ENABLED
#include <assert.h>
#define IOTL_ASSERT(x) assert(x)
#else
#define IOTL_ASSERT(x) ((void)0)
#endif
#endif

/* Logging costs nothing unless the integrator maps these to a sink. */
#ifndef IOTL_LOG_ERR
#define IOTL_LOG_ERR(...) ((void)0)
#endif
#ifndef IOTL_LOG_WRN
#define IOTL_LOG_WRN(...) ((void)0)
#endif
#ifndef IOTL_LOG_INF
#define IOTL_LOG_INF(...) ((void)0)
#endif
#ifndef IOTL_LOG_DBG
#define IOTL_LOG_DBG(...) ((void)0)
#endif

#define IOTL_STATIC_ASSERT(cond, name) typedef char iotl_static_assert_##name[(cond) ? 1 : -1]
#define IOTL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* Keep a function out of line where that makes the code shorter (a helper
 * called from many sites, or a large once-called function that would crowd
 * its caller's registers); a hint for GCC and Clang, nothing elsewhere. */
#if defined(__GNUC__)
#define IOTL_NOINLINE __attribute__((noinline))
#else
#define IOTL_NOINLINE
#endif
/* Inline a once-called helper where that measured smaller (GCC and Clang);
 * a plain inline hint elsewhere. */
#if defined(__GNUC__)
#define IOTL_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define IOTL_ALWAYS_INLINE inline
#endif

#define IOTL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define IOTL_MAX(a, b) ((a) > (b) ? (a) : (b))
#define IOTL_ALIGN_UP(x, a) ((((x) + (a)-1u) / (a)) * (a))
#define IOTL_ALIGN_DOWN(x, a) (((x) / (a)) * (a))

/* On-flash and on-wire formats are little-endian, whatever the CPU. */
static inline uint16_t iotl_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t iotl_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t iotl_get_le64(const uint8_t *p)
{
    return (uint64_t)iotl_get_le32(p) | ((uint64_t)iotl_get_le32(p + 4) << 32);
}
static inline void iotl_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void iotl_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void iotl_put_le64(uint8_t *p, uint64_t v)
{
    iotl_put_le32(p, (uint32_t)v);
    iotl_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* CRC-32 (IEEE 802.3, the one zlib and gzip use): pass 0 to start, then the
 * previous result to continue. Bitwise, 16-entry table: small for MCUs. */
uint32_t iotl_crc32(uint32_t crc, const void *data, size_t len);

/* Constant-time comparison; 0 when equal. For digests and MACs. */
int iotl_memcmp_ct(const void *a, const void *b, size_t len);

/* Overwrite secrets so the compiler cannot drop the stores. */
void iotl_zeroize(void *buf, size_t len);

#endif
