/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers of the signed-document modules: the base64url alphabet
 * (src/base64url.c) and SHA-256 over several parts (src/jws.c). */
#ifndef IOTL_ENCODING_H
#define IOTL_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/port/crypto.h"

/* The base64url alphabet (64 characters), then ".+:": its first
 * IOTL_B64URL_IDENT_CHARS characters are those of an identifier
 * (src/doc_util.c). */
#define IOTL_B64URL_IDENT_CHARS 67
extern const char iotl_b64url_alphabet[IOTL_B64URL_IDENT_CHARS + 1];

/* One part of a hashed message. */
struct iotl_bytes {
    const void *p;
    size_t len;
};
/* SHA-256 of the n parts one after the other; the port's state is finished
 * and wiped on every path. 0 or a crypto port error (digest unspecified). */
int iotl_sha256_parts(const struct iotl_crypto *c, const struct iotl_bytes *parts, size_t n,
                      uint8_t digest[IOTL_SHA256_LEN]);

#endif
