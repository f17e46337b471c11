/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file delta.h
 * @brief Streaming, resumable delta-patch decoder (format: docs/delta-format.md).
 *
 * Sans-I/O: the caller pushes patch bytes in any chunk sizes with
 * iotl_delta_write(); the decoder reads the old (base) image at random offsets
 * through a #iotl_storage area and hands the new image, strictly in order, to
 * the caller's sink callback. All memory is the caller's: the #iotl_delta_t
 * object plus one work buffer of IOTL_DELTA_WORKBUF_SIZE(window_bits) bytes.
 * No heap, no recursion, no blocking other than the storage and crypto ports.
 *
 * Safety order: the header (magic, version, CRC, sane sizes) is checked, then
 * the whole old image is hashed and compared with the header's old SHA-256
 * before the first byte reaches the sink; every instruction is range-checked
 * before it emits anything; the new image's SHA-256 is compared when the last
 * byte is out. A sink of NULL validates a patch without writing anything.
 *
 * Resume after power loss: the patch body is made of segments, each an
 * independent deflate stream producing `checkpoint_interval` bytes of new
 * image. After each segment the decoder calls the checkpoint callback with a
 * small POD #iotl_delta_checkpoint. The caller first makes the new image up to
 * `new_offset` durable, then persists the checkpoint. After a reboot,
 * iotl_delta_resume() restarts from it and the caller feeds the patch from
 * `patch_offset` on. See docs/delta-format.md, "Integration".
 */
#ifndef IOTLIFE_DELTA_H
#define IOTLIFE_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"
#include "iotlife/port/crypto.h"
#include "iotlife/port/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_delta Delta patches
 *  @brief Apply a delta patch to an old image, in bounded RAM, resumably.
 *  @{ */

/** @brief Bytes in the fixed patch header. */
#define IOTL_DELTA_HEADER_SIZE 96u
/** @brief Bytes in each segment header inside the patch body. */
#define IOTL_DELTA_SEGMENT_HEADER_SIZE 16u
/** @brief Patch format version the encoder writes and the decoder reads. */
#define IOTL_DELTA_VERSION 2u
/** @brief Oldest patch format version the decoder reads (the pre-release version 1 is refused). */
#define IOTL_DELTA_VERSION_MIN 2u
/** @brief The four magic bytes that open every patch: "IOTD". */
#define IOTL_DELTA_MAGIC "IOTD"
/** @brief Smallest deflate window (log2 bytes) a patch may declare. */
#define IOTL_DELTA_MIN_WINDOW_BITS 9
/** @brief Largest deflate window (log2 bytes) a patch may declare. */
#define IOTL_DELTA_MAX_WINDOW_BITS 15
/** @brief Smallest checkpoint interval (new-image bytes per segment); intervals are multiples of it. */
#define IOTL_DELTA_MIN_INTERVAL 256u
/** @brief Bytes of each of the decoder's two I/O buffers inside the work buffer. */
#define IOTL_DELTA_IO_BUF 256u
/** @brief Exact inflate arena the decoder reserves for a window of 2^wbits bytes. */
#define IOTL_DELTA_INFLATE_ARENA(wbits) (7680u + 256u + (1u << (wbits)))
/**
 * @brief Work buffer bytes needed to apply a patch declaring window_bits
 *        (the inflate arena plus two I/O buffers and alignment slack).
 *
 * Worst case for the whole decoder is this plus sizeof(#iotl_delta_t)
 * (424 bytes on Cortex-M4, 472 on x86-64): 4 KiB window (default) 12 608 bytes,
 * 1 KiB window 9 536 bytes. Measured peak with 4 KiB: 11 936.
 */
#define IOTL_DELTA_WORKBUF_SIZE(window_bits) \
    (IOTL_DELTA_INFLATE_ARENA(window_bits) + 2u * IOTL_DELTA_IO_BUF + 64u)

/** @brief Parsed patch header (host byte order). */
struct iotl_delta_header {
    uint8_t version;              /**< Format version (2). */
    uint8_t window_bits;          /**< Deflate window of every segment, log2 bytes (9..15). */
    uint32_t header_crc;          /**< CRC-32 of the header's first 92 bytes (identifies the patch). */
    uint32_t old_size;            /**< Bytes of the base image. */
    uint32_t new_size;            /**< Bytes of the image the patch produces. */
    uint32_t checkpoint_interval; /**< New-image bytes per segment (last one may be shorter). */
    uint32_t patch_size;          /**< Total bytes of the patch, header included. */
    uint8_t old_sha256[IOTL_SHA256_LEN]; /**< SHA-256 of the base image. */
    uint8_t new_sha256[IOTL_SHA256_LEN]; /**< SHA-256 of the new image. */
};

/**
 * @brief Restart point. Plain data: persist it as bytes, little-endian
 *        conversion is the caller's choice (it never leaves the device).
 *
 * Persist it only after every new-image byte before `new_offset` is durable.
 */
struct iotl_delta_checkpoint {
    uint32_t patch_id;     /**< header_crc of the patch it belongs to (guards against mixing patches). */
    uint32_t patch_offset; /**< Offset in the patch of the next segment header: feed from here on resume. */
    uint32_t new_offset;   /**< New-image bytes already produced (a multiple of the interval, or new_size). */
};

/**
 * @brief Sink for new-image bytes, called in order with consecutive ranges.
 * @param ctx The config's sink_ctx. @param new_off Offset of data[0] in the new image.
 * @param data Bytes (valid only during the call). @param len Byte count (> 0).
 * @return 0 to continue, or a negative code that aborts and is returned by iotl_delta_write().
 */
typedef int (*iotl_delta_sink_fn)(void *ctx, uint32_t new_off, const uint8_t *data, size_t len);

/**
 * @brief Checkpoint callback, called after each segment's last byte went to the sink.
 * @param ctx The config's checkpoint_ctx. @param cp Restart point (valid only during the call).
 * @return 0 to continue, or a negative code that aborts and is returned by iotl_delta_write().
 */
typedef int (*iotl_delta_checkpoint_fn)(void *ctx, const struct iotl_delta_checkpoint *cp);

/** @brief Decoder configuration. Pointers must stay valid while the decoder is used. */
struct iotl_delta_config {
    const struct iotl_storage *old_img; /**< Base image area (read only; at least old_size bytes). */
    const struct iotl_crypto *crypto;   /**< SHA-256 provider. */
    iotl_delta_sink_fn sink;            /**< New-image sink; NULL = validate only, write nothing. */
    void *sink_ctx;                     /**< Passed to sink. */
    iotl_delta_checkpoint_fn checkpoint; /**< Checkpoint callback; may be NULL. */
    void *checkpoint_ctx;               /**< Passed to checkpoint. */
    void *work_buf;                     /**< >= IOTL_DELTA_WORKBUF_SIZE(window_bits) bytes, any alignment. */
    size_t work_buf_len;                /**< Size of work_buf. */
    uint32_t patch_size;                /**< Total patch size if known (e.g. from the manifest), else 0. */
};

/** @brief Decoder object. Caller-owned; treat every field as private. */
typedef struct iotl_delta {
    int state;                    /**< @private Decoder state. */
    uint8_t pstate;                     /**< @private Instruction parser state. */
    uint8_t sha_live;                   /**< @private sha holds a started hash. */
    uint8_t z_live;                     /**< @private An inflate stream is open in the work buffer. */
    int status;                       /**< @private Sticky error once failed. */
    uint32_t left;                    /**< @private Patch bytes left in this header or segment. */
    uint32_t patch_pos;               /**< @private Offset in the patch of the next byte fed. */
    uint32_t new_pos;                 /**< @private New-image bytes emitted. */
    uint32_t seg_end;                 /**< @private New-image offset where this segment ends. */
    uint32_t old_pos;                 /**< @private Current old-image position. */
    uint32_t vacc;                    /**< @private Varint accumulator. */
    uint32_t vshift;                  /**< @private Varint shift. */
    uint32_t lit_left;                /**< @private Literal or extra bytes left (or a run's unchanged count). */
    uint32_t ctl[3];                  /**< @private Diff bytes left, extra bytes left, seek of the instruction. */
    uint8_t *nbuf;                    /**< @private Old-read / new-emit buffer. */
    uint8_t *obuf;                    /**< @private Inflated-bytes buffer. */
    void *z;                          /**< @private Inflate stream (inside the work buffer). */
    struct iotl_delta_config cfg;     /**< @private Copy of the configuration. */
    struct iotl_delta_header hdr;     /**< @private Parsed header. */
    uint32_t hbuf[IOTL_DELTA_HEADER_SIZE / 4u]; /**< @private Header / segment header (last 16 bytes) assembly
                                                     (bytes; words so the segment header is read in place). */
    iotl_sha256_state_t sha;          /**< @private Running hash of the new image. */
    size_t arena_peak;                /**< @private Peak inflate arena use. */
} iotl_delta_t;

/**
 * @brief Parse and check a patch header.
 * @param[in] buf Patch bytes (at least IOTL_DELTA_HEADER_SIZE are read when available).
 * @param len Bytes available in buf.
 * @param[out] out Parsed header (written only on success).
 * @retval 0 Valid header.
 * @retval IOTL_ERR_DELTA_MAGIC Not an iotlife patch (checked first, once 4 bytes are there).
 * @retval IOTL_ERR_DELTA_TRUNCATED Fewer than IOTL_DELTA_HEADER_SIZE bytes.
 * @retval IOTL_ERR_DELTA_VERSION Unknown format version.
 * @retval IOTL_ERR_CORRUPT Header CRC mismatch.
 * @retval IOTL_ERR_DELTA_HEADER Absurd or inconsistent sizes, window, interval or flags.
 */
int iotl_delta_parse_header(const uint8_t *buf, size_t len, struct iotl_delta_header *out);

/**
 * @brief Start applying a patch from its first byte.
 * @param[out] d Decoder object (fully initialised by this call).
 * @param[in] cfg Configuration (copied; the objects it points to must outlive d).
 * @retval 0 Ready for iotl_delta_write().
 * @retval IOTL_ERR_INVALID_ARG Missing old_img, crypto or work buffer.
 * @retval IOTL_ERR_NO_MEM Work buffer smaller than IOTL_DELTA_WORKBUF_SIZE(IOTL_DELTA_MIN_WINDOW_BITS)
 *         (the exact need is checked once the header is known).
 */
int iotl_delta_init(iotl_delta_t *d, const struct iotl_delta_config *cfg);

/**
 * @brief Restart from a persisted checkpoint after a power loss.
 *
 * Re-checks the header, re-verifies the old image, and re-hashes the new image
 * prefix [0, cp->new_offset) from @p new_img. Then feed the patch from
 * cp->patch_offset on with iotl_delta_write().
 * @param[out] d Decoder object. @param[in] cfg Configuration (as for iotl_delta_init()).
 * @param[in] header The patch's first IOTL_DELTA_HEADER_SIZE bytes.
 * @param[in] cp The checkpoint persisted earlier.
 * @param[in] new_img Area holding the new image produced so far (read only); may be NULL
 *            only when cp->new_offset is 0.
 * @retval 0 Ready; the next byte to feed is patch offset cp->patch_offset.
 * @retval IOTL_ERR_STATE The checkpoint does not belong to this patch or is inconsistent.
 * @retval IOTL_ERR_DELTA_BASE The old image is not the patch's base.
 * @return Otherwise any error of iotl_delta_init() or iotl_delta_parse_header(), or a port error.
 */
int iotl_delta_resume(iotl_delta_t *d, const struct iotl_delta_config *cfg,
                      const uint8_t header[IOTL_DELTA_HEADER_SIZE],
                      const struct iotl_delta_checkpoint *cp, const struct iotl_storage *new_img);

/**
 * @brief Push patch bytes (any chunk size, in order). Blocking; not for ISRs.
 *
 * May call the sink and the checkpoint callback any number of times. When the
 * header completes, the whole old image is hashed before anything is emitted.
 * After an error the decoder is dead: every later call returns the same code.
 * @param d Decoder. @param[in] data Patch bytes. @param len Byte count (0 is a no-op).
 * @retval 0 All bytes consumed.
 * @retval IOTL_ERR_DELTA_MAGIC, IOTL_ERR_DELTA_VERSION, IOTL_ERR_DELTA_HEADER, IOTL_ERR_CORRUPT Bad header.
 * @retval IOTL_ERR_DELTA_TRUNCATED The header's patch size differs from cfg.patch_size.
 * @retval IOTL_ERR_NO_MEM The work buffer is too small for the patch's window.
 * @retval IOTL_ERR_DELTA_BASE Old area too small or its SHA-256 differs (nothing was emitted).
 * @retval IOTL_ERR_DELTA_STREAM Corrupt deflate data or segment framing.
 * @retval IOTL_ERR_DELTA_INSTR Malformed instruction or segment that does not end where declared.
 * @retval IOTL_ERR_DELTA_OLD_RANGE An instruction reads outside the old image.
 * @retval IOTL_ERR_DELTA_NEW_RANGE An instruction writes beyond the declared new size.
 * @retval IOTL_ERR_DELTA_RESULT The complete new image does not match its SHA-256.
 * @retval IOTL_ERR_TRAILING_DATA Bytes after the end of the patch.
 * @return Otherwise the storage, crypto, sink or checkpoint callback's error.
 */
int iotl_delta_write(iotl_delta_t *d, const void *data, size_t len);

/**
 * @brief End of input: check the patch was complete and the result verified.
 * @param d Decoder.
 * @retval 0 The whole new image was emitted and matches its SHA-256.
 * @retval IOTL_ERR_DELTA_TRUNCATED The patch ended early.
 * @return Otherwise the sticky error of an earlier call.
 */
int iotl_delta_finish(iotl_delta_t *d);

/**
 * @brief The parsed header, once the first IOTL_DELTA_HEADER_SIZE bytes were accepted.
 * @param[in] d Decoder. @return Pointer into d, or NULL before the header is known.
 */
const struct iotl_delta_header *iotl_delta_get_header(const iotl_delta_t *d);

/**
 * @brief New-image bytes emitted so far (counting a resumed prefix).
 * @param[in] d Decoder. @return Offset of the next new-image byte.
 */
uint32_t iotl_delta_new_offset(const iotl_delta_t *d);

/**
 * @brief Offset in the patch of the next byte iotl_delta_write() expects
 *        (after iotl_delta_resume(): the checkpoint's patch_offset).
 * @param[in] d Decoder. @return Patch offset.
 */
uint32_t iotl_delta_patch_offset(const iotl_delta_t *d);

/**
 * @brief Peak bytes of the work buffer used so far (measured, for sizing and benchmarks).
 * @param[in] d Decoder. @return High-water mark in bytes.
 */
size_t iotl_delta_peak_mem(const iotl_delta_t *d);

/**
 * @brief Release the decoder (ends the hash). Safe after any error; d may then be reused.
 * @param d Decoder.
 */
void iotl_delta_deinit(iotl_delta_t *d);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
