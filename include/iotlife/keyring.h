/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file keyring.h
 * @brief Key ring: trust anchors, a root-signed list of role keys, rotation and revocation.
 *
 * A device is provisioned with one or more root public keys (trust anchors)
 * and a root threshold. Everything else comes in a key ring document
 * (docs/keys.md): a JWS JSON General Serialization (RFC 7515 section 7.2.1)
 * whose payload lists keys with a role (`root`, `publisher`, `operator`) and a
 * validity window, revoked key ids, a monotonic `version`, a root `threshold`
 * and an expiry. A new key ring is accepted only when signed by at least
 * `threshold` keys of the current roots AND by at least the new ring's own
 * threshold of its roots (TUF-style rotation), and only when its version is
 * above the persisted floor (struct iotl_floors::keyring_version), so an older
 * ring - and the keys it had - can never come back.
 *
 * Objects are caller-owned (no heap outside the bounded JSON parse); the
 * functions are blocking (ECDSA verifies through the crypto port), reentrant
 * on distinct objects, not for ISRs.
 */
#ifndef IOTLIFE_KEYRING_H
#define IOTLIFE_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"
#include "iotlife/floors.h"
#include "iotlife/jws.h"
#include "iotlife/port/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_keyring Key ring
 *  @brief Trust anchors, role keys, rotation, revocation.
 *  @{ */

/** @brief What a key may sign. */
enum iotl_key_role {
    IOTL_ROLE_NONE = 0,      /**< No role (unused entry). */
    IOTL_ROLE_ROOT = 1,      /**< Signs key rings. */
    IOTL_ROLE_PUBLISHER = 2, /**< Device builder: signs manifests. */
    IOTL_ROLE_OPERATOR = 3   /**< Solution operator: signs deployments. */
};

/** @brief One key of the ring. */
struct iotl_key {
    char kid[IOTL_JWS_KID_LEN + 1];   /**< RFC 7638 thumbprint, base64url, NUL-terminated. */
    uint8_t pub[IOTL_P256_PUBKEY_LEN]; /**< Uncompressed P-256 public key. */
    uint8_t role;                      /**< An #iotl_key_role value. */
    int64_t not_before;                /**< Valid from (Unix seconds, inclusive); 0 = always. */
    int64_t not_after;                 /**< Valid until (Unix seconds, exclusive); 0 = no end. */
};

/** @brief The key ring in force. Caller-owned; about 2.9 KiB with the default limits. */
typedef struct iotl_keyring {
    int64_t issued_at;    /**< Issue time of the document in force (0 for anchors). */
    int64_t expires;      /**< Expiry of the document in force; 0 = none (anchors). */
    uint32_t version;     /**< Version of the document in force; 0 = trust anchors only. */
    uint32_t threshold;   /**< Root signatures the next key ring needs. */
    uint16_t key_count;   /**< Entries used in keys[]. */
    uint16_t revoked_count; /**< Entries used in revoked[]. */
    char revoked[IOTL_KEYRING_MAX_REVOKED > 0 ? IOTL_KEYRING_MAX_REVOKED : 1][IOTL_JWS_KID_LEN + 1]; /**< Revoked key ids. */
    struct iotl_key keys[IOTL_KEYRING_MAX_KEYS]; /**< Keys, roots included. */
} iotl_keyring_t;

/**
 * @brief Scratch memory for verifying documents (payload text and a candidate
 *        key ring). Caller-owned, may be static, reusable between calls, not
 *        shared between concurrent calls. Contents are meaningless between calls.
 */
typedef struct iotl_trust_work {
    uint8_t text[IOTL_JSON_MAX_SIZE]; /**< Decoded payload. */
    iotl_keyring_t ring;              /**< Candidate key ring. */
} iotl_trust_work_t;

/** @brief iotl_keyring_update() flag: re-load the persisted key ring at boot. */
#define IOTL_KEYRING_RELOAD 1u

/**
 * @brief Start a key ring from the provisioned trust anchors (version 0, roots only).
 * @param[out] kr Key ring to fill. @param[in] crypto Crypto port (computes kids).
 * @param[in] anchors Root public keys. @param count Number of anchors, 1..IOTL_KEYRING_MAX_KEYS.
 * @param threshold Root signatures a key ring must carry; 0 means 1; at most count.
 * @retval 0 Success. @retval IOTL_ERR_INVALID_ARG Bad count or threshold.
 * @retval IOTL_ERR_KEY_FORMAT An anchor is not an uncompressed key.
 * @note On failure kr holds no key (key_count 0) and a threshold of at least 1,
 *       so it verifies nothing (fail-closed even when the error is ignored).
 */
int iotl_keyring_init(iotl_keyring_t *kr, const struct iotl_crypto *crypto,
                      const uint8_t (*anchors)[IOTL_P256_PUBKEY_LEN], size_t count, uint32_t threshold);

/**
 * @brief Verify a key ring document and, when accepted, make it the ring in force.
 *
 * Normal mode: the document must be signed by `kr->threshold` distinct current
 * roots and by its own threshold of its own roots, have a version above both
 * `floors->keyring_version` and `kr->version`, and not be expired at `now`.
 * With #IOTL_KEYRING_RELOAD (boot: re-load the document the device stored
 * when it accepted it) the signatures are checked against the document's own
 * roots, its version must be at least the floor, and expiry is not checked
 * (an expired ring still anchors its successor; using its role keys fails
 * with IOTL_ERR_EXPIRED).
 * On failure `kr` is unchanged.
 * @param[in,out] kr Ring in force. @param[in] crypto Crypto port.
 * @param[in] doc JWS JSON General Serialization text. @param len Its length (<= IOTL_JSON_MAX_SIZE).
 * @param[in] floors Persisted floors. @param now Trusted time (Unix seconds); raised to
 *        floors->latest_time when that is later.
 * @param flags 0 or #IOTL_KEYRING_RELOAD. @param work Scratch memory.
 * @param[out] floors_out On success: floors to persist (keyring_version and
 *             latest_time raised), may be NULL.
 * @retval 0 Accepted.
 * @retval IOTL_ERR_MALFORMED, IOTL_ERR_TOO_LARGE, IOTL_ERR_TOO_DEEP, IOTL_ERR_DUPLICATE_KEY,
 *         IOTL_ERR_TRAILING_DATA, IOTL_ERR_SCHEMA, IOTL_ERR_RANGE Not a valid document.
 * @retval IOTL_ERR_UNKNOWN_KEY No signature from a current root.
 * @retval IOTL_ERR_SIGNATURE A current root's signature does not verify and the threshold is not met.
 * @retval IOTL_ERR_THRESHOLD Too few valid signatures of current or new roots.
 * @retval IOTL_ERR_REPLAYED Version not above the floor (not below it with RELOAD).
 * @retval IOTL_ERR_EXPIRED Document expired at now.
 * @retval IOTL_ERR_KID_MISMATCH A listed key's kid is not its thumbprint.
 * @retval IOTL_ERR_KEY_FORMAT A listed key is not a P-256 key.
 * @retval IOTL_ERR_ALG, IOTL_ERR_CRIT, IOTL_ERR_BASE64 A signature header is unacceptable.
 */
int iotl_keyring_update(iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *doc, size_t len,
                        const struct iotl_floors *floors, int64_t now, unsigned flags,
                        iotl_trust_work_t *work, struct iotl_floors *floors_out);

/**
 * @brief Find the key that may sign for a role at a time.
 * @param[in] kr Key ring. @param[in] kid Key id (NUL-terminated). @param role Needed role.
 * @param now Trusted time. @param[out] key Receives a pointer into kr (valid while kr is unchanged).
 * @retval 0 Found and valid.
 * @retval IOTL_ERR_REVOKED kid is listed as revoked.
 * @retval IOTL_ERR_UNKNOWN_KEY kid is not in the ring.
 * @retval IOTL_ERR_WRONG_ROLE The key has another role.
 * @retval IOTL_ERR_EXPIRED The key, or the key ring document, is past its end.
 * @retval IOTL_ERR_NOT_YET_VALID The key is not valid yet.
 */
int iotl_keyring_find(const iotl_keyring_t *kr, const char *kid, enum iotl_key_role role, int64_t now,
                      const struct iotl_key **key);

/**
 * @brief Verify a compact JWS whose signer must hold a role in the ring, and decode its payload.
 * @param[in] kr Key ring. @param[in] crypto Crypto port. @param role Needed role.
 * @param[in] compact Compact JWS. @param len Its length. @param now Trusted time.
 * @param[out] payload Payload buffer. @param cap Its size. @param[out] payload_len Payload length.
 * @param[out] signer Receives the signing key (may be NULL).
 * @return 0, or any code of iotl_jws_parse(), iotl_keyring_find() and iotl_jws_verify().
 */
int iotl_keyring_verify_jws(const iotl_keyring_t *kr, const struct iotl_crypto *crypto,
                            enum iotl_key_role role, const char *compact, size_t len, int64_t now,
                            uint8_t *payload, size_t cap, size_t *payload_len,
                            const struct iotl_key **signer);

/**
 * @brief Name of a role as it appears in documents ("root", "publisher", "operator").
 * @param role A role. @return A static string; "none" for unknown values.
 * @note Host helper: built only with the CMake option IOTLIFE_HOST_HELPERS (src/doc_host.c; ON
 *       by default, OFF when cross-compiling), not part of a device build.
 */
const char *iotl_key_role_name(enum iotl_key_role role);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
