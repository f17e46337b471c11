/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file trust.h
 * @brief The update decision: verify a deployment (operator) and its manifest
 *        (publisher) against the key ring, the device and the persisted floors.
 *
 * iotl_trust_decide() returns 0 (install this release) or exactly one reason.
 * It runs two phases, also callable on their own (an agent fetches the
 * manifest only after the deployment selected the device):
 *
 * iotl_trust_check_deployment():
 *  1. size of the document (#IOTL_ERR_TOO_LARGE);
 *  2. deployment JWS: format, header, signer in the ring with role `operator`,
 *     not revoked, key and ring valid at the trusted time, signature
 *     (#IOTL_ERR_JWS_FORMAT, #IOTL_ERR_ALG, #IOTL_ERR_CRIT, #IOTL_ERR_UNKNOWN_KEY,
 *     #IOTL_ERR_REVOKED, #IOTL_ERR_WRONG_ROLE, #IOTL_ERR_EXPIRED,
 *     #IOTL_ERR_NOT_YET_VALID, #IOTL_ERR_KID_MISMATCH, #IOTL_ERR_SIGNATURE), then its
 *     content (#IOTL_ERR_MALFORMED and the other parse codes);
 *  3. issue time not beyond wall_time + IOTL_TRUST_CLOCK_SKEW when a wall clock
 *     is given (#IOTL_ERR_NOT_YET_VALID), expiry (#IOTL_ERR_EXPIRED), sequence
 *     above the floor (#IOTL_ERR_REPLAYED);
 *  4. the deployment targets this device (#IOTL_ERR_NOT_TARGETED), rollout
 *     cohort (#IOTL_ERR_NOT_IN_COHORT), campaign window and maintenance hours
 *     (#IOTL_ERR_OUTSIDE_WINDOW).
 *
 * iotl_trust_check_manifest() (after a successful first phase):
 *  5. size, then the manifest bytes hash to the deployment's `manifest_sha256`
 *     (#IOTL_ERR_MISMATCH);
 *  6. manifest JWS with role `publisher` (same codes as 2);
 *  7. issue time (as in 3), expiry (#IOTL_ERR_EXPIRED), sequence above the
 *     floor (#IOTL_ERR_REPLAYED), security version not below the floor
 *     (#IOTL_ERR_ROLLBACK);
 *  8. product and hardware compatibility (#IOTL_ERR_HW_MISMATCH), payload
 *     sizes within max_payload_size (#IOTL_ERR_TOO_LARGE).
 *
 * Trusted time: max(wall_time, floors->latest_time), then raised by each
 * verified document's `issued_at` (a signed document proves the time is at
 * least its issue time). The latest-known time therefore only moves forward.
 *
 * The security floor is NOT raised here: the result's floors carry the new
 * manifest and deployment sequence numbers and the latest time; staging raises
 * `security_version` only when the new image is confirmed after its trial
 * boot, so a rejected trial can still roll back.
 */
#ifndef IOTLIFE_TRUST_H
#define IOTLIFE_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/base64url.h"
#include "iotlife/deploy.h"
#include "iotlife/floors.h"
#include "iotlife/keyring.h"
#include "iotlife/manifest.h"
#include "iotlife/port/crypto.h"
#include "iotlife/update_desc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_trust Trust decision
 *  @brief Accept or refuse a release for this device, with one reason.
 *  @{ */

/** @brief Longest compact JWS accepted for a manifest or deployment (bytes). */
#define IOTL_TRUST_JWS_MAX \
    (IOTL_B64URL_ENC_LEN(IOTL_JWS_HEADER_MAX) + 1u + IOTL_B64URL_ENC_LEN(IOTL_JSON_MAX_SIZE) + 1u + 86u)

/** @brief Inputs of a decision. All pointers must stay valid during the call. */
struct iotl_trust_request {
    const iotl_keyring_t *keyring;         /**< Key ring in force. */
    const struct iotl_crypto *crypto;      /**< Crypto port. */
    const struct iotl_device_info *device; /**< This device. */
    const struct iotl_floors *floors;      /**< Persisted floors. */
    int64_t wall_time;        /**< Trusted wall clock (Unix seconds), or 0 when the device has none. */
    uint32_t max_payload_size; /**< Largest payload the device can take (bytes); 0 = no limit. */
};

/** @brief Outputs of an accepted decision. Caller-owned (about 5 KiB). */
struct iotl_trust_result {
    uint8_t manifest_sha256[IOTL_SHA256_LEN]; /**< SHA-256 of the manifest JWS bytes. */
    struct iotl_floors floors;         /**< Floors to persist when the update is taken on
                                            (sequences, key-ring version and latest time
                                            raised; security version unchanged). */
    int64_t trusted_time;              /**< The time the decision used. */
    uint32_t phase;                    /**< Internal progress marker; do not modify. */
    struct iotl_manifest manifest;     /**< The verified, parsed manifest. */
    struct iotl_deployment deployment; /**< The verified, parsed deployment. */
};

/**
 * @brief First phase: verify the deployment and decide whether it selects this device now.
 *
 * On success res->deployment and res->trusted_time are set and the second
 * phase may run; nothing is to be persisted yet. Blocking (one ECDSA verify).
 * @param[in] req Inputs. @param[in] deployment_jws Deployment, compact JWS.
 * @param deployment_len Its length. @param work Scratch memory.
 * @param[out] res Result being built; zeroed on failure.
 * @retval 0 Selected: fetch the manifest (res->deployment.manifest_url).
 * @retval <0 The one reason (checks 1-4 of the file description).
 */
int iotl_trust_check_deployment(const struct iotl_trust_request *req, const char *deployment_jws,
                                size_t deployment_len, iotl_trust_work_t *work, struct iotl_trust_result *res);

/**
 * @brief Second phase: verify the manifest the accepted deployment names.
 * @param[in] req Same inputs as the first phase. @param[in] manifest_jws Manifest,
 *        compact JWS, exactly the bytes whose SHA-256 the deployment names.
 * @param manifest_len Its length. @param work Scratch memory.
 * @param[in,out] res Result of iotl_trust_check_deployment(); completed on
 *        success (manifest, floors to persist), zeroed on failure.
 * @retval 0 Accept.
 * @retval IOTL_ERR_STATE The first phase did not succeed on res.
 * @retval <0 The one reason (checks 5-8 of the file description).
 */
int iotl_trust_check_manifest(const struct iotl_trust_request *req, const char *manifest_jws, size_t manifest_len,
                              iotl_trust_work_t *work, struct iotl_trust_result *res);

/**
 * @brief Decide whether this device installs the release a deployment names
 *        (both phases; both document sizes are checked first).
 *
 * Blocking (two ECDSA verifies and a few hashes); reentrant with distinct
 * work/result objects; not for ISRs. The JSON parses use cJSON's heap and
 * free it before returning.
 * @param[in] req Inputs. @param[in] deployment_jws Deployment, compact JWS.
 * @param deployment_len Its length. @param[in] manifest_jws Manifest, compact JWS,
 *        exactly the bytes whose SHA-256 the deployment names.
 * @param manifest_len Its length. @param work Scratch memory.
 * @param[out] res Filled on success; zeroed on failure.
 * @retval 0 Accept.
 * @retval <0 The one reason, see the file description for the order and codes.
 */
int iotl_trust_decide(const struct iotl_trust_request *req, const char *deployment_jws, size_t deployment_len,
                      const char *manifest_jws, size_t manifest_len, iotl_trust_work_t *work,
                      struct iotl_trust_result *res);

/** @brief The image a component runs now (for choosing a delta payload). */
struct iotl_installed_image {
    const char *component; /**< Component id as the manifest names it. */
    const uint8_t *sha256; /**< SHA-256 of the component's current image (32 bytes). */
};

/**
 * @brief Turn an accepted decision into staging's update descriptor.
 *
 * One descriptor component per distinct manifest component, in manifest
 * order. For each, the payload is chosen as: a `delta` whose base_sha256 is
 * the installed image's SHA-256, else a `deflate`, else a `full` payload.
 * Sequence numbers, key-ring version and latest time come from res->floors;
 * `flags` come from the payload (IOTL_COMPONENT_FULL_FLUSH when a deflate
 * payload declares restart points).
 * @param[in] res Result of a successful iotl_trust_decide().
 * @param[in] installed Current images (may be NULL when count is 0).
 * @param count Entries in installed.
 * @param[out] desc Filled on success; zeroed on failure.
 * @retval 0 Success.
 * @retval IOTL_ERR_TOO_LARGE More components than IOTL_STAGE_MAX_COMPONENTS.
 * @retval IOTL_ERR_RANGE A component id or the version does not fit staging's fields.
 * @retval IOTL_ERR_DELTA_BASE A component has only delta payloads and none applies
 *         to the installed image.
 */
int iotl_trust_update_desc(const struct iotl_trust_result *res, const struct iotl_installed_image *installed,
                           size_t count, struct iotl_update_desc *desc);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
