/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: raw deflate/inflate over zlib with every allocation served from a
 * caller-provided arena (no heap, no global allocator hooks). zlib.h is
 * included by src/zlib_glue.c only. */
#ifndef IOTL_ZLIB_H
#define IOTL_ZLIB_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"

#if IOTL_FEATURE_ZLIB

/* Worst-case arena sizes in bytes. Inflate: the z_stream, zlib's inflate state
 * (about 7 KiB) and the 2^window_bits window. Deflate: z_stream, state,
 * 2^(window_bits+2) window and hash, 2^(mem_level+9) pending buffer.
 * tests/unit/test_zlib.c checks these against what zlib really asks for. */
#define IOTL_Z_INFLATE_ARENA(window_bits) (7680u + 256u + (1u << (window_bits)))
#define IOTL_Z_DEFLATE_ARENA(window_bits, mem_level) \
    (6144u + 256u + 256u + (4u << (window_bits)) + (2u << ((mem_level) + 7)) + (1u << ((mem_level) + 9)))

enum iotl_z_flush {
    IOTL_Z_NO_FLUSH = 0, /* buffer freely */
    IOTL_Z_FULL_FLUSH,   /* byte-align and reset the dictionary: a restart point */
    IOTL_Z_FINISH        /* end the stream */
};

typedef struct iotl_zstream {
    void *strm;         /* z_stream placed inside the arena */
    uint8_t *arena;     /* caller memory */
    size_t arena_len;
    size_t arena_used;
    size_t arena_peak;  /* high-water mark, for documentation and benchmarks */
    int is_deflate;
} iotl_zstream_t;

/* Start a raw inflate (no zlib/gzip header). window_bits 8..15. */
int iotl_z_inflate_init(iotl_zstream_t *z, void *arena, size_t arena_len, int window_bits);

/* Inflate from in into out. Returns 0 while more is expected, 1 when the
 * deflate stream ended, IOTL_ERR_DELTA_STREAM-style codes are the caller's
 * business: this returns IOTL_ERR_CORRUPT on bad data. consumed/produced are
 * always set. */
int iotl_z_inflate(iotl_zstream_t *z, const uint8_t *in, size_t in_len, size_t *consumed,
                   uint8_t *out, size_t out_len, size_t *produced);

/* Start a raw deflate. level 0..9, window_bits 9..15, mem_level 1..9. */
int iotl_z_deflate_init(iotl_zstream_t *z, void *arena, size_t arena_len, int level,
                        int window_bits, int mem_level);

/* Deflate in into out. Returns 0 when all input was taken and the flush (if
 * any) is complete, 1 when out was too small (call again with more room,
 * same flush), 2 when IOTL_Z_FINISH completed the stream. */
int iotl_z_deflate(iotl_zstream_t *z, const uint8_t *in, size_t in_len, size_t *consumed,
                   uint8_t *out, size_t out_len, size_t *produced, enum iotl_z_flush flush);

/* Release the stream; the arena may then be reused. Safe on a zeroed object. */
void iotl_z_end(iotl_zstream_t *z);

#endif /* IOTL_FEATURE_ZLIB */
#endif
