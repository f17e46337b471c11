/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file base64url.h
 * @brief Strict, canonical, unpadded base64url (RFC 4648 section 5) as JOSE uses it.
 *
 * Decoding refuses padding (`=`), whitespace, characters outside
 * `A-Z a-z 0-9 - _`, a length of 1 modulo 4, and non-zero trailing bits
 * (so every byte string has exactly one accepted encoding). Pure functions:
 * no state, reentrant, callable from any context.
 */
#ifndef IOTLIFE_BASE64URL_H
#define IOTLIFE_BASE64URL_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_base64url Base64url
 *  @brief Canonical unpadded base64url.
 *  @{ */

/** @brief Characters needed to encode n bytes (no padding, no terminator). */
#define IOTL_B64URL_ENC_LEN(n) ((((size_t)(n)) / 3u) * 4u + ((((size_t)(n)) % 3u) ? (((size_t)(n)) % 3u) + 1u : 0u))
/** @brief Upper bound of the bytes decoded from n characters. */
#define IOTL_B64URL_DEC_MAX(n) ((((size_t)(n)) / 4u) * 3u + 2u)

/**
 * @brief Encode bytes as unpadded base64url and NUL-terminate the result.
 * @param[in] in Bytes to encode (may be NULL when in_len is 0).
 * @param in_len Number of bytes.
 * @param[out] out Receives IOTL_B64URL_ENC_LEN(in_len) characters and a NUL.
 * @param out_cap Size of out in bytes.
 * @param[out] out_len If not NULL, receives the number of characters (without the NUL).
 * @retval 0 Success.
 * @retval IOTL_ERR_NO_MEM out_cap < IOTL_B64URL_ENC_LEN(in_len) + 1; out is left empty when out_cap > 0.
 */
int iotl_b64url_encode(const void *in, size_t in_len, char *out, size_t out_cap, size_t *out_len);

/**
 * @brief Decode canonical unpadded base64url.
 * @param[in] in Characters (need not be NUL-terminated; may be NULL when in_len is 0).
 * @param in_len Number of characters.
 * @param[out] out Receives the decoded bytes; untrusted content until verified. On
 *             failure its content is unspecified (bytes that fitted may have been stored).
 *             May be NULL when out_cap is 0: the input is then only validated
 *             (#IOTL_ERR_NO_MEM for a valid non-empty input).
 * @param out_cap Size of out in bytes.
 * @param[out] out_len Receives the number of decoded bytes.
 * @retval 0 Success (an empty input decodes to zero bytes).
 * @retval IOTL_ERR_BASE64 Padding, whitespace, a foreign character, a length of
 *         1 mod 4 or non-zero trailing bits.
 * @retval IOTL_ERR_NO_MEM The decoded bytes do not fit out_cap.
 */
int iotl_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
