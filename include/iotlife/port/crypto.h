/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file crypto.h
 * @brief Crypto port contract: streaming SHA-256 and ECDSA P-256 verification.
 *
 * The core links no crypto library; it calls these operations. The hash state
 * lives in caller memory (iotl_sha256_state_t), so several hashes can run at
 * once without the core knowing the backend's context size.
 * `ports/mbedtls` is the reference implementation.
 */
#ifndef IOTLIFE_PORT_CRYPTO_H
#define IOTLIFE_PORT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_crypto Crypto port
 *  @brief Contract for hashing and signature verification backends.
 *  @{ */

/** @brief Bytes in a SHA-256 digest. */
#define IOTL_SHA256_LEN 32
/** @brief Bytes in an uncompressed P-256 public key: 0x04 || X || Y. */
#define IOTL_P256_PUBKEY_LEN 65
/** @brief Bytes in a raw P-256 ECDSA signature: R || S, 32 bytes each, big-endian. */
#define IOTL_P256_SIG_LEN 64

/** @brief Opaque, suitably aligned storage for one in-flight SHA-256 computation.
 *  Owned by the caller; the port stores its context inside. */
typedef struct iotl_sha256_state {
    /** Backend storage; aligned for any scalar or pointer. */
    union {
        uint64_t align_u64;
        void *align_ptr;
        uint8_t bytes[IOTL_SHA256_STATE_SIZE];
    } opaque;
} iotl_sha256_state_t;

/**
 * @brief Operations of a crypto backend. Blocking, reentrant for distinct states,
 *        not for ISRs. All return 0 or a negative code.
 */
struct iotl_crypto_ops {
    /** Start a SHA-256 computation in `st` (any previous content is discarded). */
    int (*sha256_start)(void *ctx, iotl_sha256_state_t *st);
    /** Feed `len` bytes; `len` 0 is allowed. */
    int (*sha256_update)(void *ctx, iotl_sha256_state_t *st, const void *data, size_t len);
    /** Write the 32-byte digest and release backend resources held in `st`. */
    int (*sha256_finish)(void *ctx, iotl_sha256_state_t *st, uint8_t digest[IOTL_SHA256_LEN]);
    /**
     * Verify a raw R||S signature over a SHA-256 digest with an uncompressed
     * P-256 public key. Must return exactly 0 only for a valid signature,
     * IOTL_ERR_SIGNATURE for an invalid one, IOTL_ERR_KEY_FORMAT for a bad key.
     */
    int (*p256_verify)(void *ctx, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                       const uint8_t digest[IOTL_SHA256_LEN], const uint8_t sig[IOTL_P256_SIG_LEN]);
};

/** @brief A crypto backend instance: ops table + backend context. Must outlive its users. */
struct iotl_crypto {
    const struct iotl_crypto_ops *ops; /**< Backend operations; must not be NULL. */
    void *ctx;                         /**< Passed unchanged to every operation; may be NULL. */
};

/**
 * @brief One-shot SHA-256 of a buffer through the crypto port.
 * @param[in] c Crypto backend. @param[in] data Input (may be NULL when len is 0).
 * @param len Input length. @param[out] digest 32-byte result.
 * @return 0 or the port's error code.
 */
int iotl_sha256(const struct iotl_crypto *c, const void *data, size_t len,
                uint8_t digest[IOTL_SHA256_LEN]);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
