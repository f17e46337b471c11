/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file deploy.h
 * @brief The operator's signed deployment (schema v1, docs/deployment.md) and its device policy.
 *
 * A deployment says *who* gets a release and *when*: it binds exactly one
 * manifest by the SHA-256 of the manifest's compact JWS bytes, selects
 * devices (hardware, groups, installed-version range, explicit ids), rolls out
 * to a deterministic percentage of them, within a time window and UTC
 * maintenance hours, with an urgency and an expiry. It is signed as compact
 * JWS ES256 by a key with the `operator` role. The parsed struct is plain
 * data; the policy helpers are pure functions (the cohort one hashes through
 * the crypto port).
 */
#ifndef IOTLIFE_DEPLOY_H
#define IOTLIFE_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"
#include "iotlife/keyring.h"
#include "iotlife/manifest.h"
#include "iotlife/port/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_deploy Deployment
 *  @brief Parse a deployment and evaluate it for one device.
 *  @{ */

/** @brief Schema version this library reads (the `v` member). */
#define IOTL_DEPLOY_SCHEMA 1
/** @brief Most characters in a deployment id or a device id. */
#define IOTL_DEPLOY_ID_MAX 63
/** @brief Rollout resolution: buckets per device population (basis points). */
#define IOTL_DEPLOY_BUCKETS 10000u

/** @brief How urgent a deployment is. */
enum iotl_urgency {
    IOTL_URGENCY_NORMAL = 0,  /**< Install within the maintenance hours. */
    IOTL_URGENCY_CRITICAL = 1 /**< Security fix: maintenance hours do not apply. */
};

/** @brief A parsed, validated deployment. About 2.3 KiB with the default limits. */
struct iotl_deployment {
    uint32_t schema;                       /**< Always #IOTL_DEPLOY_SCHEMA. */
    uint8_t hours_start;                   /**< Maintenance hours start (UTC hour 0..23). */
    uint8_t hours_end;                     /**< Maintenance hours end (exclusive, 1..24; wraps when < start); equal to start = any hour. */
    uint8_t urgency;                       /**< An #iotl_urgency value. */
    uint16_t rollout_bp;                   /**< Rollout in basis points 0..10000 (100 % = 10000). */
    uint32_t sequence;                     /**< Operator's monotonic counter (replay order). */
    int64_t issued_at;                     /**< Signing time, Unix seconds. */
    int64_t expires;                       /**< Not acceptable at or after this time. */
    int64_t not_before;                    /**< Campaign start, 0 = none. */
    int64_t not_after;                     /**< Campaign end (exclusive), 0 = none. */
    char id[IOTL_DEPLOY_ID_MAX + 1];       /**< Deployment id (also salts the rollout hash). */
    uint8_t manifest_sha256[IOTL_SHA256_LEN]; /**< SHA-256 of the manifest's compact JWS bytes. */
    uint8_t hardware_count;                /**< Entries in hardware[]; 0 = any hardware. */
    char hardware[IOTL_MANIFEST_MAX_HARDWARE][IOTL_MANIFEST_NAME_MAX + 1]; /**< Selected hardware. */
    uint8_t group_count;                   /**< Entries in groups[]; 0 = any group. */
    char groups[IOTL_DEPLOY_MAX_SELECT][IOTL_MANIFEST_NAME_MAX + 1]; /**< Device in at least one. */
    uint8_t device_count;                  /**< Entries in devices[]; 0 = any device. */
    char devices[IOTL_DEPLOY_MAX_SELECT][IOTL_DEPLOY_ID_MAX + 1]; /**< Explicit device ids. */
    char installed_min[IOTL_MANIFEST_VERSION_MAX + 1]; /**< Lowest installed version (inclusive), or "". */
    char installed_max[IOTL_MANIFEST_VERSION_MAX + 1]; /**< Highest installed version (inclusive), or "". */
    char manifest_url[IOTL_MANIFEST_URL_MAX + 1]; /**< Where to fetch the manifest: absolute http(s)
                                                       URL or relative to the deployment's URL; "" when
                                                       not given (the hash still binds it). */
};

/** @brief What the device says about itself. Pointers must stay valid during the call. */
struct iotl_device_info {
    const char *id;                /**< Device id (NUL-terminated, non-empty). */
    const char *product;           /**< Product identifier, compared with the manifest's. */
    const char *hardware;          /**< Hardware revision. */
    const char *const *groups;     /**< Groups/tags the device belongs to (may be NULL). */
    size_t group_count;            /**< Entries in groups. */
    const char *installed_version; /**< Semantic version of the running software. */
};

/**
 * @brief Parse and validate a deployment payload (the JSON inside the JWS).
 * @param[out] d Result; zeroed on failure. @param[in] json Payload text. @param len Its length.
 * @retval 0 Valid.
 * @retval IOTL_ERR_MALFORMED, IOTL_ERR_TOO_LARGE, IOTL_ERR_TOO_DEEP, IOTL_ERR_DUPLICATE_KEY,
 *         IOTL_ERR_TRAILING_DATA, IOTL_ERR_SCHEMA, IOTL_ERR_RANGE As iotl_manifest_parse().
 * @retval IOTL_ERR_VERSION_FORMAT installed_min or installed_max is not semver.
 */
int iotl_deployment_parse(struct iotl_deployment *d, const void *json, size_t len);

/**
 * @brief Verify a deployment JWS with an `operator` key of the ring, then parse it.
 * @param[in] kr Key ring. @param[in] crypto Crypto port. @param[in] compact Deployment JWS.
 * @param len Its length. @param now Trusted time. @param work Scratch memory.
 * @param[out] d Result. @param[out] signer Signing key (may be NULL).
 * @return 0, any code of iotl_keyring_verify_jws() or iotl_deployment_parse().
 */
int iotl_deployment_verify(const iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *compact,
                           size_t len, int64_t now, iotl_trust_work_t *work, struct iotl_deployment *d,
                           const struct iotl_key **signer);

/**
 * @brief The device's rollout bucket: first 4 bytes (big-endian) of
 *        SHA-256(deployment id || 0x00 || device id), modulo 10000.
 * @param[in] crypto Crypto port. @param[in] deployment_id Id. @param[in] device_id Device id.
 * @param[out] bucket 0..9999. @return 0 or a crypto port error.
 */
int iotl_deployment_bucket(const struct iotl_crypto *crypto, const char *deployment_id, const char *device_id,
                           uint32_t *bucket);

/**
 * @brief Whether the deployment selects the device (hardware, groups, ids, installed version).
 * @param[in] d Deployment. @param[in] dev Device.
 * @retval 0 Selected. @retval IOTL_ERR_NOT_TARGETED Not selected.
 * @retval IOTL_ERR_VERSION_FORMAT dev->installed_version is not semver while a range is set.
 */
int iotl_deployment_targets(const struct iotl_deployment *d, const struct iotl_device_info *dev);

/**
 * @brief Whether the device is in the rollout cohort.
 * @param[in] crypto Crypto port. @param[in] d Deployment. @param[in] device_id Device id.
 * @retval 0 In the cohort. @retval IOTL_ERR_NOT_IN_COHORT Outside. @retval other Crypto error.
 */
int iotl_deployment_in_cohort(const struct iotl_crypto *crypto, const struct iotl_deployment *d,
                              const char *device_id);

/**
 * @brief Whether now is inside the campaign window and (unless critical) the maintenance hours.
 * @param[in] d Deployment. @param now Trusted time (Unix seconds, UTC).
 * @retval 0 Inside. @retval IOTL_ERR_OUTSIDE_WINDOW Outside.
 */
int iotl_deployment_in_window(const struct iotl_deployment *d, int64_t now);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
