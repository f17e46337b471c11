/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file jws.h
 * @brief JWS ES256 verification (RFC 7515, RFC 7518) and JWK thumbprints (RFC 7638).
 *
 * The profile iotlife accepts:
 * - protected header is a JSON object (strictly parsed) with `"alg": "ES256"`
 *   (anything else, including `none` and `HS256`, is #IOTL_ERR_ALG) and a
 *   `kid` equal to the RFC 7638 thumbprint of the signing key (base64url of
 *   SHA-256 over `{"crv":"P-256","kty":"EC","x":"..","y":".."}`, 43
 *   characters); any `crit` member is #IOTL_ERR_CRIT (no extension is
 *   understood); `typ`, `cty` and other members are ignored, and keys are
 *   never taken from the header (`jwk`, `jku`, `x5c`, `x5u` are ignored);
 * - signature is raw R || S (64 bytes), over the ASCII signing input
 *   `BASE64URL(header) '.' BASE64URL(payload)`;
 * - every base64url part is canonical and unpadded.
 *
 * The payload is decoded only after the signature verified. All functions
 * are blocking (one ECDSA verify through the crypto port), reentrant, and
 * not for ISRs. They use the heap only inside the header's JSON parse (see
 * docs/threat-model.md for the measured peak).
 */
#ifndef IOTLIFE_JWS_H
#define IOTLIFE_JWS_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"
#include "iotlife/port/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_jws JWS
 *  @brief Compact JWS ES256 verification and key ids.
 *  @{ */

/** @brief Characters in a key id: base64url of a 32-byte SHA-256 thumbprint. */
#define IOTL_JWS_KID_LEN 43

/**
 * @brief A JWS split into its parts and its header checked; not yet verified.
 *
 * Filled by iotl_jws_parse() or iotl_jws_parse_parts(). Points into the
 * caller's text, which must stay valid and unchanged until the last use.
 */
struct iotl_jws {
    char kid[IOTL_JWS_KID_LEN + 1];   /**< Header's `kid`, NUL-terminated. */
    const char *header_b64;  /**< Protected header, base64url (not NUL-terminated). */
    size_t header_b64_len;   /**< Characters in header_b64. */
    const char *payload_b64; /**< Payload, base64url (not NUL-terminated). */
    size_t payload_b64_len;  /**< Characters in payload_b64. */
    uint8_t sig[IOTL_P256_SIG_LEN]; /**< Decoded raw R || S signature. */
};

/**
 * @brief Split a compact JWS and check its protected header and signature encoding.
 * @param[out] jws Receives the parts; valid while `compact` is.
 * @param[in] compact `header.payload.signature`, exactly, no whitespace.
 * @param len Characters in compact.
 * @retval 0 Well-formed; the signature still has to be verified.
 * @retval IOTL_ERR_JWS_FORMAT Not three parts separated by two dots, or an empty header.
 * @retval IOTL_ERR_TOO_LARGE Header longer than IOTL_JWS_HEADER_MAX bytes.
 * @retval IOTL_ERR_BASE64 A part (the payload included: it is validated here,
 *         decoded only by iotl_jws_verify()) is not canonical unpadded base64url.
 * @retval IOTL_ERR_MALFORMED, IOTL_ERR_DUPLICATE_KEY, IOTL_ERR_TOO_DEEP,
 *         IOTL_ERR_TRAILING_DATA, IOTL_ERR_RANGE, IOTL_ERR_SCHEMA Header is not a strict JSON object.
 * @retval IOTL_ERR_ALG `alg` missing or not "ES256".
 * @retval IOTL_ERR_CRIT Header has `crit` (or `b64` other than true).
 * @retval IOTL_ERR_KID_MISMATCH `kid` missing or not a 43-character thumbprint.
 * @retval IOTL_ERR_SIGNATURE Signature is not 64 bytes (also when empty).
 * @note The header is checked before the signature part, so an unsigned
 *       `alg: none` token is refused with IOTL_ERR_ALG.
 * @retval IOTL_ERR_NO_MEM The JSON parser ran out of heap.
 */
int iotl_jws_parse(struct iotl_jws *jws, const char *compact, size_t len);

/**
 * @brief Like iotl_jws_parse() for parts held separately (JWS JSON serialization).
 * @param[out] jws Receives the parts. @param[in] header_b64 Protected header.
 * @param header_len Its length. @param[in] payload_b64 Payload. @param payload_len Its length.
 * @param[in] sig_b64 Signature. @param sig_len Its length.
 * @return As iotl_jws_parse(), except IOTL_ERR_JWS_FORMAT only for an empty header.
 */
int iotl_jws_parse_parts(struct iotl_jws *jws, const char *header_b64, size_t header_len,
                         const char *payload_b64, size_t payload_len, const char *sig_b64,
                         size_t sig_len);

/**
 * @brief Verify a parsed JWS with one public key and decode its payload.
 *
 * Fails closed: only the path where the kid matches and the signature
 * verified returns 0; on any failure *payload_len is 0 and nothing from the
 * payload is decoded.
 * @param[in] jws From iotl_jws_parse(). @param[in] crypto Crypto port.
 * @param[in] pubkey Uncompressed P-256 public key (0x04 || X || Y).
 * @param[out] payload Receives the decoded payload (may be NULL when cap is 0
 *             and only the signature matters). @param cap Its size.
 * @param[out] payload_len Receives the payload length.
 * @retval 0 Signature valid; payload decoded.
 * @retval IOTL_ERR_KID_MISMATCH Header `kid` is not this key's thumbprint.
 * @retval IOTL_ERR_TOO_LARGE Payload longer than cap.
 * @retval IOTL_ERR_SIGNATURE Signature does not verify.
 * @retval IOTL_ERR_KEY_FORMAT pubkey is not a valid P-256 point.
 * @retval IOTL_ERR_BASE64 Payload is not canonical base64url (iotl_jws_parse() already
 *         refuses such a payload; checked again when decoding, after the signature).
 * @retval other A crypto port error.
 */
int iotl_jws_verify(const struct iotl_jws *jws, const struct iotl_crypto *crypto,
                    const uint8_t pubkey[IOTL_P256_PUBKEY_LEN], uint8_t *payload, size_t cap,
                    size_t *payload_len);

/**
 * @brief iotl_jws_parse() then iotl_jws_verify() in one call.
 * @param[in] crypto Crypto port. @param[in] pubkey Verifying key.
 * @param[in] compact Compact JWS. @param len Its length.
 * @param[out] payload Payload buffer. @param cap Its size. @param[out] payload_len Payload length.
 * @return Any code of the two functions.
 * @note Host helper: built only with the CMake option IOTLIFE_HOST_HELPERS (src/doc_host.c; ON
 *       by default, OFF when cross-compiling), not part of a device build.
 */
int iotl_jws_verify_compact(const struct iotl_crypto *crypto, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                            const char *compact, size_t len, uint8_t *payload, size_t cap,
                            size_t *payload_len);

/**
 * @brief RFC 7638 JWK SHA-256 thumbprint of a P-256 public key.
 * @param[in] crypto Crypto port. @param[in] pubkey Uncompressed key (first byte 0x04).
 * @param[out] thumbprint 32-byte digest (unspecified on failure).
 * @retval 0 Success. @retval IOTL_ERR_KEY_FORMAT First byte is not 0x04.
 * @retval other A crypto port error.
 */
int iotl_jwk_thumbprint(const struct iotl_crypto *crypto, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                        uint8_t thumbprint[IOTL_SHA256_LEN]);

/**
 * @brief The key id iotlife uses: base64url of the RFC 7638 thumbprint.
 * @param[in] crypto Crypto port. @param[in] pubkey Uncompressed key.
 * @param[out] kid Receives 43 characters and a NUL (unspecified on failure).
 * @return As iotl_jwk_thumbprint().
 */
int iotl_jwk_kid(const struct iotl_crypto *crypto, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                 char kid[IOTL_JWS_KID_LEN + 1]);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
