/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers of the signed-document modules: the base64url alphabet
 * (src/base64url.c) and SHA-256 over several parts (src/jws.c). */
#ifndef IOTL_ENCODING_H
#define IOTL_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/port/crypto.h"

/* 0..63 for a base64url alphabet character, -1 otherwise. */
int iotl_b64url_value(uint8_t c);

/* One part of a hashed message. */
struct iotl_bytes {
    const void *p;
    size_t len;
};
/* SHA-256 of the n parts one after the other; the port's state is finished
 * and wiped on every path. 0 or a crypto port error. */
int iotl_sha256_parts(const struct iotl_crypto *c, const struct iotl_bytes *parts, size_t n,
                      uint8_t digest[IOTL_SHA256_LEN]);

#endif
