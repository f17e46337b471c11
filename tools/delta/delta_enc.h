/* SPDX-License-Identifier: Apache-2.0 */
/* Host-side delta encoder (not part of the device core). Produces patches in
 * the format of docs/delta-format.md that src/delta.c applies.
 *
 * Matching: suffix array of the old image (libdivsufsort), then a bsdiff-style
 * scan that accepts approximate matches and codes them as byte differences.
 * Layout: instructions are cut at every checkpoint interval of the new image,
 * diff bytes are run-length coded (unchanged runs cost a varint), and each
 * segment is one raw deflate stream at level 9 with the declared window. */
#ifndef IOTL_DELTA_ENC_H
#define IOTL_DELTA_ENC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults: 4 KiB window (a 16 KiB decoder), 128 KiB between checkpoints
 * (each segment restarts deflate: about 80 bytes; 64 KiB costs ~0.6 % more). */
#define IOTL_DELTA_ENC_DEFAULT_WINDOW_BITS 12
#define IOTL_DELTA_ENC_DEFAULT_INTERVAL 131072u
/* The publisher ships the full image instead when the patch is larger than
 * this fraction (per mille) of the compressed full image. */
#define IOTL_DELTA_ENC_WORTH_PERMILLE 500u

struct iotl_delta_enc_opts {
    int window_bits;              /* 9..15; 0 = default */
    uint32_t checkpoint_interval; /* multiple of 256; 0 = default */
    int level;                    /* deflate level 1..9; 0 = 9 */
};

struct iotl_delta_enc_result {
    uint8_t *patch;        /* malloc'd patch bytes (free with iotl_delta_enc_free) */
    size_t patch_len;
    size_t full_len;       /* new image raw-deflated with the same window, level 9 */
    int use_delta;         /* 1: patch_len <= WORTH_PERMILLE/1000 * full_len */
    uint32_t instructions; /* after cutting at checkpoints */
    uint32_t segments;
    uint64_t diff_bytes;   /* new bytes coded as old + difference */
    uint64_t extra_bytes;  /* new bytes coded literally */
};

/* Encode. Returns 0, or a negative iotl_err (IOTL_ERR_INVALID_ARG for bad
 * options or sizes beyond the format's limits, IOTL_ERR_NO_MEM). */
int iotl_delta_encode(const uint8_t *old_img, size_t old_len, const uint8_t *new_img, size_t new_len,
                      const struct iotl_delta_enc_opts *opts, struct iotl_delta_enc_result *res);

void iotl_delta_enc_free(struct iotl_delta_enc_result *res);

#ifdef __cplusplus
}
#endif
#endif
