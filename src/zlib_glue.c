/* SPDX-License-Identifier: Apache-2.0 */
/* The only core file that includes zlib. zlib's zalloc/zfree/opaque are set
 * per stream to a bump allocator over the caller's arena, so nothing touches
 * the heap and concurrent streams never share memory. */
#include "iotl_zlib.h"

#if IOTL_FEATURE_ZLIB

/* next_in is const with ZLIB_CONST: input is never modified. */
#define ZLIB_CONST
#include <zlib.h>

#include "iotl_priv.h"

static voidpf arena_alloc(voidpf opaque, uInt items, uInt size)
{
    iotl_zstream_t *z = (iotl_zstream_t *)opaque;
    if (size != 0 && items > (size_t)-1 / size) {
        return Z_NULL;
    }
    size_t need = IOTL_ALIGN_UP((size_t)items * size, sizeof(void *) * 2);
    if (need > z->arena_len - z->arena_used) {
        return Z_NULL;
    }
    void *p = z->arena + z->arena_used;
    z->arena_used += need;
    if (z->arena_used > z->arena_peak) {
        z->arena_peak = z->arena_used;
    }
    return p;
}

static void arena_free(voidpf opaque, voidpf address)
{
    /* Bump allocator: memory returns when the stream ends. zlib frees only at
     * inflateEnd/deflateEnd, so nothing is lost in between. */
    (void)opaque;
    (void)address;
}

static int setup(iotl_zstream_t *z, void *arena, size_t arena_len, int is_deflate)
{
    IOTL_ASSERT(z != NULL && arena != NULL);
    memset(z, 0, sizeof(*z));
    uintptr_t base = (uintptr_t)arena;
    size_t pad = (size_t)(IOTL_ALIGN_UP(base, sizeof(void *) * 2) - base);
    if (arena_len < pad + sizeof(z_stream)) {
        return IOTL_ERR_NO_MEM;
    }
    z->arena = (uint8_t *)arena + pad;
    z->arena_len = arena_len - pad;
    z->arena_used = IOTL_ALIGN_UP(sizeof(z_stream), sizeof(void *) * 2);
    z->arena_peak = z->arena_used + pad;
    z->strm = z->arena;
    z->is_deflate = is_deflate;
    z_stream *s = (z_stream *)z->strm;
    memset(s, 0, sizeof(*s));
    s->zalloc = arena_alloc;
    s->zfree = arena_free;
    s->opaque = z;
    return IOTL_OK;
}

static int map_init_error(iotl_zstream_t *z, int zret)
{
    z->strm = NULL;
    return zret == Z_MEM_ERROR ? IOTL_ERR_NO_MEM : IOTL_ERR_INVALID_ARG;
}

int iotl_z_inflate_init(iotl_zstream_t *z, void *arena, size_t arena_len, int window_bits)
{
    if (window_bits < 8 || window_bits > 15) {
        return IOTL_ERR_INVALID_ARG;
    }
    int ret = setup(z, arena, arena_len, 0);
    if (ret != IOTL_OK) {
        return ret;
    }
    int zret = inflateInit2((z_stream *)z->strm, -window_bits);
    return zret == Z_OK ? IOTL_OK : map_init_error(z, zret);
}

int iotl_z_inflate(iotl_zstream_t *z, const uint8_t *in, size_t in_len, size_t *consumed,
                   uint8_t *out, size_t out_len, size_t *produced)
{
    IOTL_ASSERT(z != NULL && z->strm != NULL && !z->is_deflate);
    z_stream *s = (z_stream *)z->strm;
    /* uInt may be 32 bits while size_t is 64: feed at most UINT_MAX-ish per call. */
    uInt ilen = (uInt)IOTL_MIN(in_len, (size_t)0x40000000u);
    uInt olen = (uInt)IOTL_MIN(out_len, (size_t)0x40000000u);
    s->next_in = (z_const Bytef *)in;
    s->avail_in = ilen;
    s->next_out = out;
    s->avail_out = olen;
    int zret = inflate(s, Z_NO_FLUSH);
    *consumed = ilen - s->avail_in;
    *produced = olen - s->avail_out;
    switch (zret) {
    case Z_OK:
        return 0;
    case Z_BUF_ERROR: /* no progress possible: needs more input or more room */
        return 0;
    case Z_STREAM_END:
        return 1;
    case Z_MEM_ERROR:
        return IOTL_ERR_NO_MEM;
    default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
        return IOTL_ERR_CORRUPT;
    }
}

int iotl_z_deflate_init(iotl_zstream_t *z, void *arena, size_t arena_len, int level,
                        int window_bits, int mem_level)
{
    if (level < 0 || level > 9 || window_bits < 9 || window_bits > 15 || mem_level < 1 ||
        mem_level > 9) {
        return IOTL_ERR_INVALID_ARG;
    }
    int ret = setup(z, arena, arena_len, 1);
    if (ret != IOTL_OK) {
        return ret;
    }
    int zret = deflateInit2((z_stream *)z->strm, level, Z_DEFLATED, -window_bits, mem_level,
                            Z_DEFAULT_STRATEGY);
    return zret == Z_OK ? IOTL_OK : map_init_error(z, zret);
}

int iotl_z_deflate(iotl_zstream_t *z, const uint8_t *in, size_t in_len, size_t *consumed,
                   uint8_t *out, size_t out_len, size_t *produced, enum iotl_z_flush flush)
{
    IOTL_ASSERT(z != NULL && z->strm != NULL && z->is_deflate);
    z_stream *s = (z_stream *)z->strm;
    uInt ilen = (uInt)IOTL_MIN(in_len, (size_t)0x40000000u);
    uInt olen = (uInt)IOTL_MIN(out_len, (size_t)0x40000000u);
    s->next_in = (z_const Bytef *)in;
    s->avail_in = ilen;
    s->next_out = out;
    s->avail_out = olen;
    int zflush = flush == IOTL_Z_FINISH ? Z_FINISH : flush == IOTL_Z_FULL_FLUSH ? Z_FULL_FLUSH : Z_NO_FLUSH;
    int zret = deflate(s, zflush);
    *consumed = ilen - s->avail_in;
    *produced = olen - s->avail_out;
    if (zret == Z_STREAM_END) {
        return 2;
    }
    if (zret != Z_OK && zret != Z_BUF_ERROR) {
        return IOTL_ERR_CORRUPT;
    }
    /* More room needed while output space was used up, or input remains. */
    if (s->avail_in != 0 || s->avail_out == 0) {
        return 1;
    }
    return 0;
}

void iotl_z_end(iotl_zstream_t *z)
{
    if (z == NULL || z->strm == NULL) {
        return;
    }
    if (z->is_deflate) {
        (void)deflateEnd((z_stream *)z->strm);
    } else {
        (void)inflateEnd((z_stream *)z->strm);
    }
    z->strm = NULL;
    z->arena_used = 0;
}

#endif /* IOTL_FEATURE_ZLIB */
