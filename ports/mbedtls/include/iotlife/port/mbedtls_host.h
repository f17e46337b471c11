/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file mbedtls_host.h
 * @brief Host-side key handling and signing on Mbed TLS (2.28 and 3.6): for
 *        build machines and signing services, never for devices.
 *
 * P-256 key generation (CTR_DRBG seeded from the platform entropy source),
 * PEM files that `openssl` reads and writes (private: SEC1 "EC PRIVATE KEY"
 * written; SEC1 or PKCS#8 "PRIVATE KEY" read; public: SubjectPublicKeyInfo
 * "PUBLIC KEY"), raw public key export and ES256 compact JWS signing with the
 * RFC 7638 thumbprint as `kid`. Keys live on the heap of this port; functions
 * are blocking and not thread-safe on one key object.
 */
#ifndef IOTLIFE_PORT_MBEDTLS_HOST_H
#define IOTLIFE_PORT_MBEDTLS_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/jws.h"
#include "iotlife/port/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_mbedtls_host Mbed TLS host signing
 *  @brief Key generation, PEM and ES256 signing for host tools.
 *  @{ */

/** @brief An opaque P-256 key pair (or public key only) owned by this port. */
typedef struct iotl_host_key iotl_host_key_t;

/**
 * @brief Generate a fresh P-256 key pair.
 * @param[out] out Receives the key; release with iotl_host_key_free().
 * @retval 0 Success. @retval IOTL_ERR_NO_MEM Out of heap.
 * @retval IOTL_ERR_PORT(n) Entropy or key generation failed.
 */
int iotl_host_key_generate(iotl_host_key_t **out);

/**
 * @brief Read a PEM (or DER) file: a private key (SEC1 or PKCS#8, unencrypted) or a public key.
 * @param[in] path File name. @param[out] out Receives the key; release with iotl_host_key_free().
 * @retval 0 Success. @retval IOTL_ERR_IO File cannot be read.
 * @retval IOTL_ERR_KEY_FORMAT Not a P-256 key in a supported encoding.
 * @retval IOTL_ERR_NO_MEM Out of heap.
 */
int iotl_host_key_read(const char *path, iotl_host_key_t **out);

/**
 * @brief Parse a key from memory, as iotl_host_key_read() does from a file.
 * @param[in] data PEM text (NUL-terminated, length includes the NUL) or DER.
 * @param len Bytes in data. @param[out] out Receives the key.
 * @return As iotl_host_key_read() (never IOTL_ERR_IO).
 */
int iotl_host_key_parse(const uint8_t *data, size_t len, iotl_host_key_t **out);

/** @brief Whether the key holds a private part. @param[in] key A key. @return 1 or 0. */
int iotl_host_key_has_private(const iotl_host_key_t *key);

/**
 * @brief Write the private key as SEC1 PEM ("EC PRIVATE KEY"), file mode 0600.
 * @param[in] key Key pair. @param[in] path File to create or replace.
 * @retval 0 Success. @retval IOTL_ERR_IO Cannot write. @retval IOTL_ERR_KEY_FORMAT No private part.
 */
int iotl_host_key_write_private(const iotl_host_key_t *key, const char *path);

/**
 * @brief Write the public key as SubjectPublicKeyInfo PEM ("PUBLIC KEY").
 * @param[in] key Key. @param[in] path File to create or replace.
 * @retval 0 Success. @retval IOTL_ERR_IO Cannot write. @retval IOTL_ERR_PORT(n) Encoding failed.
 */
int iotl_host_key_write_public(const iotl_host_key_t *key, const char *path);

/**
 * @brief Export the raw uncompressed public key.
 * @param[in] key Key. @param[out] pub Receives 0x04 || X || Y.
 * @retval 0 Success. @retval IOTL_ERR_PORT(n) Export failed.
 */
int iotl_host_key_public(const iotl_host_key_t *key, uint8_t pub[IOTL_P256_PUBKEY_LEN]);

/**
 * @brief Sign a SHA-256 digest with ECDSA P-256 (randomized k from CTR_DRBG).
 * @param[in] key Key pair. @param[in] digest 32 bytes. @param[out] sig Raw R || S.
 * @retval 0 Success. @retval IOTL_ERR_KEY_FORMAT No private part.
 * @retval IOTL_ERR_PORT(n) Signing failed.
 */
int iotl_host_sign_digest(const iotl_host_key_t *key, const uint8_t digest[IOTL_SHA256_LEN],
                          uint8_t sig[IOTL_P256_SIG_LEN]);

/**
 * @brief Produce a compact JWS: header `{"alg":"ES256","kid":"<thumbprint>"}` (plus
 *        `"typ"` when typ is not NULL), the payload as given, an ES256 signature.
 * @param[in] key Key pair. @param[in] crypto Crypto port (hashing, thumbprint).
 * @param[in] typ Optional `typ` header value, or NULL.
 * @param[in] payload Payload bytes. @param len Their count.
 * @param[out] out Receives the NUL-terminated JWS. @param cap Its size.
 * @param[out] out_len Receives the JWS length (without the NUL), may be NULL.
 * @retval 0 Success. @retval IOTL_ERR_NO_MEM out too small.
 * @retval other As iotl_host_sign_digest() and iotl_jwk_kid().
 */
int iotl_host_jws_sign(const iotl_host_key_t *key, const struct iotl_crypto *crypto, const char *typ,
                       const void *payload, size_t len, char *out, size_t cap, size_t *out_len);

/**
 * @brief Sign an already built signing input `header_b64 '.' payload_b64`.
 * @param[in] key Key pair. @param[in] crypto Crypto port. @param[in] input Signing input.
 * @param len Its length. @param[out] sig_b64 Receives 86 characters and a NUL.
 * @return As iotl_host_sign_digest().
 */
int iotl_host_sign_input(const iotl_host_key_t *key, const struct iotl_crypto *crypto, const char *input,
                         size_t len, char sig_b64[87]);

/** @brief Release a key and zeroize its secret. NULL is allowed. @param key Key to free. */
void iotl_host_key_free(iotl_host_key_t *key);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
