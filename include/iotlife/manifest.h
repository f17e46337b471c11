/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file manifest.h
 * @brief The builder's signed manifest (schema v1, docs/manifest.md) as a plain C struct.
 *
 * A manifest says *what* a release is: product, compatible hardware, semantic
 * version, anti-rollback security version, replay-ordering sequence, payloads
 * (size, SHA-256, location, full/deflate/delta), support end, expiry. It is a
 * JSON payload signed as compact JWS ES256 by a key with the `publisher` role.
 * The parsed struct holds no pointers and no JSON types: copy it, persist it,
 * hand it to staging. Strings are NUL-terminated, of at most the documented
 * number of characters; longer ones are refused with #IOTL_ERR_RANGE.
 */
#ifndef IOTLIFE_MANIFEST_H
#define IOTLIFE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"
#include "iotlife/keyring.h"
#include "iotlife/port/crypto.h"
#include "iotlife/update_desc.h" /* enum iotl_payload_kind, shared with staging */

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_manifest Manifest
 *  @brief Parse and validate the builder's manifest.
 *  @{ */

/** @brief Schema version this library reads (the `v` member). */
#define IOTL_MANIFEST_SCHEMA 1
/** @brief Most characters in product, hardware, payload name and component strings. */
#define IOTL_MANIFEST_NAME_MAX 31
/** @brief Most characters in a version string. */
#define IOTL_MANIFEST_VERSION_MAX 63
/** @brief Most characters in a location or release-notes URL. */
#define IOTL_MANIFEST_URL_MAX 255

/** @brief A parsed semantic version (semver.org 2.0.0). Build metadata is dropped. */
struct iotl_semver {
    uint32_t major; /**< Major version. */
    uint32_t minor; /**< Minor version. */
    uint32_t patch; /**< Patch version. */
    char pre[IOTL_MANIFEST_VERSION_MAX + 1]; /**< Pre-release identifiers without the '-', or "". */
};

/** @brief One payload of a release. */
struct iotl_payload {
    char name[IOTL_MANIFEST_NAME_MAX + 1];      /**< Unique name within the manifest. */
    char component[IOTL_MANIFEST_NAME_MAX + 1]; /**< Target component (e.g. "app", "bootloader"). */
    /* download_size .. base_sha256: laid out as struct iotl_update_component from payload_size on
     * (static-asserted in src/trust.c), so the update descriptor takes them in one copy. */
    uint8_t kind;                               /**< An #iotl_payload_kind value. */
    uint8_t flags;                              /**< IOTL_COMPONENT_* flags (update_desc.h):
                                                     IOTL_COMPONENT_FULL_FLUSH when a deflate
                                                     payload declares `"restart_points": true`. */
    uint32_t download_size;                     /**< Bytes at location (== size for full). */
    uint32_t size;                              /**< Installed image size in bytes (> 0). */
    uint8_t sha256[IOTL_SHA256_LEN];            /**< SHA-256 of the installed image. */
    uint8_t base_sha256[IOTL_SHA256_LEN];       /**< Delta only: SHA-256 of the base image. */
    uint8_t download_sha256[IOTL_SHA256_LEN];   /**< SHA-256 of the bytes at location. */
    char location[IOTL_MANIFEST_URL_MAX + 1];   /**< http(s) URL, or path relative to the manifest. */
    char base_version[IOTL_MANIFEST_VERSION_MAX + 1]; /**< Delta only: version of the base image. */
};

/** @brief A parsed, validated manifest. About 2.6 KiB with the default limits. */
struct iotl_manifest {
    uint32_t schema;                            /**< Always #IOTL_MANIFEST_SCHEMA. */
    uint8_t payload_count;                      /**< Entries in payloads[] (>= 1). */
    uint32_t security_version;                  /**< Anti-rollback level; never below the device floor. */
    uint32_t sequence;                          /**< Publisher's monotonic counter (replay order). */
    int64_t issued_at;                          /**< Signing time, Unix seconds. */
    int64_t expires;                            /**< Not acceptable at or after this time. */
    int64_t supported_until;                    /**< End of support of this version; 0 = not stated. */
    char product[IOTL_MANIFEST_NAME_MAX + 1];   /**< Product identifier. */
    uint8_t hardware_count;                     /**< Entries in hardware[] (>= 1). */
    char hardware[IOTL_MANIFEST_MAX_HARDWARE][IOTL_MANIFEST_NAME_MAX + 1]; /**< Compatible hardware revisions. */
    char version[IOTL_MANIFEST_VERSION_MAX + 1]; /**< Semantic version string as signed. */
    struct iotl_semver semver;                  /**< version, parsed. */
    char release_notes[IOTL_MANIFEST_URL_MAX + 1]; /**< Release notes URL, or "". */
    struct iotl_payload payloads[IOTL_MANIFEST_MAX_PAYLOADS]; /**< The payloads. */
};

/**
 * @brief Parse a semantic version strictly (no leading zeros, no 'v' prefix).
 * @param[in] s NUL-terminated string. @param[out] out Result.
 * @retval 0 Success. @retval IOTL_ERR_VERSION_FORMAT Not semver 2.0.0, or a
 *         number above UINT32_MAX, or longer than IOTL_MANIFEST_VERSION_MAX.
 */
int iotl_semver_parse(const char *s, struct iotl_semver *out);

/**
 * @brief Compare two versions by semver precedence (pre-release sorts before release).
 * @param[in] a First. @param[in] b Second. @return <0, 0 or >0.
 */
int iotl_semver_cmp(const struct iotl_semver *a, const struct iotl_semver *b);

/**
 * @brief Parse and validate a manifest payload (the JSON inside the JWS).
 *
 * Uses the heap only through the bounded JSON parse and frees it before returning.
 * @param[out] m Result; zeroed on failure. @param[in] json Payload text. @param len Its length.
 * @retval 0 Valid.
 * @retval IOTL_ERR_MALFORMED, IOTL_ERR_TOO_DEEP, IOTL_ERR_DUPLICATE_KEY,
 *         IOTL_ERR_TRAILING_DATA Not strict JSON within the limits.
 * @retval IOTL_ERR_SCHEMA Wrong `type` or `v`, a required member missing or of the wrong type,
 *         members that contradict the payload kind, duplicate payload names.
 * @retval IOTL_ERR_RANGE A number or string outside its range (over-long strings,
 *         bad hex, unsafe location, expires not after issued_at).
 * @retval IOTL_ERR_TOO_LARGE Document above IOTL_JSON_MAX_SIZE, or more payloads or
 *         hardware entries than configured.
 * @retval IOTL_ERR_VERSION_FORMAT version or base_version is not semver.
 */
int iotl_manifest_parse(struct iotl_manifest *m, const void *json, size_t len);

/**
 * @brief Verify a manifest JWS with a `publisher` key of the ring, then parse it.
 * @param[in] kr Key ring. @param[in] crypto Crypto port. @param[in] compact Manifest JWS.
 * @param len Its length. @param now Trusted time. @param work Scratch memory.
 * @param[out] m Result. @param[out] signer Signing key (may be NULL).
 * @return 0, any code of iotl_keyring_verify_jws() or iotl_manifest_parse().
 */
int iotl_manifest_verify(const iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *compact,
                         size_t len, int64_t now, iotl_trust_work_t *work, struct iotl_manifest *m,
                         const struct iotl_key **signer);

/**
 * @brief Find a payload by component.
 * @param[in] m Manifest. @param[in] component Component name. @return The first match or NULL.
 * @note Host helper: built only with the CMake option IOTLIFE_HOST_HELPERS (src/doc_host.c; ON
 *       by default, OFF when cross-compiling), not part of a device build.
 */
const struct iotl_payload *iotl_manifest_find_component(const struct iotl_manifest *m, const char *component);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
