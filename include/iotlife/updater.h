/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file updater.h
 * @brief The agent's standard backend: trust decision, A/B staging, diagnostics.
 *
 * Implements struct iotl_agent_backend_ops on the library's own modules so a
 * device gets the whole update life cycle by wiring objects it already has:
 * - key ring documents go through iotl_keyring_update() (the floors move up
 *   through staging, the accepted document is handed back to be stored);
 * - a deployment is verified (operator role) to learn which manifest it names:
 *   its `manifest_url` when given, else `../releases/<manifest_sha256>/manifest.jws`
 *   relative to the deployment (docs/repository.md); the hash binds it either way;
 * - the manifest is decided on with iotl_trust_decide() (every check, one
 *   reason), unless it is the release already in flight after a reset (or
 *   whose download failed), which is re-verified (publisher signature and
 *   hash) and resumed or retried: its floors were raised when it was taken on;
 * - the payload of the main component is chosen (a delta whose base version
 *   is the running version, else the smallest full or deflate payload; a
 *   delta staging refuses, e.g. IOTL_ERR_DELTA_BASE, is not chosen again for
 *   that release), then staged, verified and activated with the stage
 *   module; confirm, reject and outcomes come from its journal;
 * - update outcomes are recorded as diagnostics events when a diag instance
 *   is given.
 *
 * Refusals that waiting will not cure (not targeted, outside the cohort or the
 * campaign window, replayed, rollback, hardware mismatch, a release rolled
 * back before, already installed) are reported to the agent as
 * #IOTL_ERR_NO_UPDATE, so it goes idle instead of retrying; the reason is kept
 * (iotl_updater_last_refusal()).
 */
#ifndef IOTLIFE_UPDATER_H
#define IOTLIFE_UPDATER_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/agent.h"
#include "iotlife/diag.h"
#include "iotlife/stage.h"
#include "iotlife/trust.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_updater Updater backend
 *  @brief Agent backend on trust, stage and diag.
 *  @{ */

/** @brief Configuration. Everything pointed to must outlive the updater. */
struct iotl_updater_config {
    iotl_keyring_t *keyring;                 /**< Required: ring in force (anchors, or reloaded); updated in place. */
    const struct iotl_crypto *crypto;        /**< Required. */
    const struct iotl_platform *platform;    /**< Required: wall_time used when available. */
    iotl_stage_t *stage;                     /**< Required: initialised staging object. */
    iotl_diag_t *diag;                       /**< Optional: update outcome events. */
    const struct iotl_device_info *device;   /**< Required: identity, product, hardware, running version. */
    const char *component;                   /**< Manifest component of the A/B main image; NULL: "main". */
    uint32_t max_payload_size;               /**< Largest payload accepted; 0: no limit beyond the slot. */
    iotl_trust_work_t *work;                 /**< Required: trust scratch memory. */
    struct iotl_trust_result *result;        /**< Required: decision output (about 5 KiB). */
    char *deployment_buf;                    /**< Required: keeps the deployment between the agent's two calls. */
    size_t deployment_buf_len;               /**< >= #IOTL_TRUST_JWS_MAX recommended. */
    /** Optional: a key ring document was accepted; store it (e.g. a file or a
     *  flash area) and reload it at boot with #IOTL_KEYRING_RELOAD. */
    void (*keyring_accepted)(void *ctx, const uint8_t *doc, size_t len);
    void *keyring_ctx;                       /**< Passed to keyring_accepted. */
};

/** @brief Updater state. Caller-allocated; fields are private. */
typedef struct iotl_updater {
    const struct iotl_updater_config *cfg; /**< @private */
    size_t dep_len;                        /**< @private Bytes in deployment_buf. */
    uint8_t dep_sha[IOTL_SHA256_LEN];      /**< @private Manifest the deployment names. */
    uint8_t urgency;                       /**< @private Deployment urgency. */
    uint8_t resuming;                      /**< @private The named release is the one in flight. */
    int last_refusal;                      /**< @private */
    uint8_t avoid_delta;                   /**< @private A delta was refused for avoid_delta_sha. */
    uint8_t avoid_delta_sha[IOTL_SHA256_LEN]; /**< @private */
    struct iotl_update_desc desc;          /**< @private Release being staged. */
} iotl_updater_t;

/** @brief The backend operations; pass an iotl_updater_t as backend_ctx. */
extern const struct iotl_agent_backend_ops iotl_updater_ops;

/**
 * @brief Check @p cfg and set up the updater.
 * @param[out] u Updater, caller-owned; must outlive the agent using it.
 * @param[in] cfg Configuration, kept by pointer.
 * @retval 0 Success.
 * @retval IOTL_ERR_INVALID_ARG A required member is missing.
 */
int iotl_updater_init(iotl_updater_t *u, const struct iotl_updater_config *cfg);

/**
 * @brief Why the last release was refused without retrying (0 if none).
 * @param[in] u Updater.
 * @return 0 or the decision's error code (e.g. #IOTL_ERR_NOT_TARGETED).
 */
int iotl_updater_last_refusal(const iotl_updater_t *u);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
