/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file update_desc.h
 * @brief Plain descriptions of an update and of how it ended, shared by the
 *        staging module, the boot selector and whoever verified the update.
 *
 * The trust/policy code fills an #iotl_update_desc from a verified manifest
 * and deployment; the staging module never parses documents itself. Outcomes
 * (#iotl_update_outcome) are persisted in the state journal so the image that
 * runs after an update (or after its rollback) can report what happened.
 */
#ifndef IOTLIFE_UPDATE_DESC_H
#define IOTLIFE_UPDATE_DESC_H

#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/port/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_update_desc Update descriptor and outcome
 *  @brief What an update is, and how it ended.
 *  @{ */

/** @brief How a component's payload encodes its image. Values are persisted. */
enum iotl_payload_kind {
    IOTL_PAYLOAD_FULL = 0,    /**< The payload is the image itself. */
    IOTL_PAYLOAD_DEFLATE = 1, /**< Raw deflate (RFC 1951) of the image. */
    IOTL_PAYLOAD_DELTA = 2    /**< iotlife delta patch against a base image (decoder plugs in later). */
};

/** @brief Component flag: the deflate producer emitted a Z_FULL_FLUSH (empty stored block
 *  `00 00 FF FF` with a reset dictionary) at its restart points, so the device may resume
 *  decoding there after a reset. Without it a deflate payload restarts from offset 0. */
#define IOTL_COMPONENT_FULL_FLUSH 0x01u

/** @brief One component of an update: what to write and what it must hash to. */
struct iotl_update_component {
    /** NUL-terminated component id; the staging config names which id is the A/B main image. */
    char id[IOTL_STAGE_ID_MAX];
    uint8_t kind;                            /**< #iotl_payload_kind. */
    uint8_t flags;                           /**< IOTL_COMPONENT_* flags. */
    uint32_t payload_size;                   /**< Bytes of the payload as downloaded. */
    uint32_t image_size;                     /**< Bytes of the image once decoded. */
    uint8_t image_sha256[IOTL_SHA256_LEN];   /**< SHA-256 of the decoded image. */
    uint8_t base_sha256[IOTL_SHA256_LEN];    /**< SHA-256 of the base image (delta only; else zero). */
};

/** @brief Everything the staging module needs to know about one verified update. */
struct iotl_update_desc {
    uint8_t manifest_sha256[IOTL_SHA256_LEN]; /**< SHA-256 of the signed manifest: the release's identity. */
    char version[IOTL_STAGE_VERSION_MAX];     /**< NUL-terminated version string (semver), for reports. */
    uint32_t security_version;                /**< Anti-rollback security version of the release. */
    uint32_t manifest_seq;                    /**< Manifest sequence number (raised into the floors at begin). */
    uint32_t deployment_seq;                  /**< Deployment sequence number (raised into the floors at begin). */
    uint32_t keyring_version;                 /**< Key-ring version in force when verified (0: leave floor). */
    int64_t latest_time;                      /**< Latest trusted time seen while verifying (0: leave floor). */
    uint8_t component_count;                  /**< Used entries of @ref component (1..IOTL_STAGE_MAX_COMPONENTS). */
    struct iotl_update_component component[IOTL_STAGE_MAX_COMPONENTS]; /**< The components, in install order. */
};

/** @brief How an update ended (or where it stands). Values are persisted. */
enum iotl_outcome_kind {
    IOTL_OUTCOME_NONE = 0,        /**< No update has ended since the journal was created. */
    IOTL_OUTCOME_INSTALLED = 1,   /**< Staged, verified and activated; the trial boot is pending. */
    IOTL_OUTCOME_CONFIRMED = 2,   /**< The trial image was confirmed and is now permanent. */
    IOTL_OUTCOME_ROLLED_BACK = 3, /**< The trial image was abandoned; the previous image runs. */
    IOTL_OUTCOME_FAILED = 4       /**< The update failed before activation; nothing changed. */
};

/** @brief Why a trial was rolled back. Values are persisted. */
enum iotl_rollback_reason {
    IOTL_ROLLBACK_NONE = 0,               /**< Not rolled back. */
    IOTL_ROLLBACK_ATTEMPTS_EXHAUSTED = 1, /**< The trial image used up its boot attempts unconfirmed. */
    IOTL_ROLLBACK_REJECTED = 2,           /**< The application rejected the trial image. */
    IOTL_ROLLBACK_IMAGE_INVALID = 3       /**< The boot selector found the trial image damaged. */
};

/** @brief The persisted record of how the most recent update ended. */
struct iotl_update_outcome {
    uint8_t kind;                             /**< #iotl_outcome_kind. */
    uint8_t reason;                           /**< #iotl_rollback_reason for ROLLED_BACK, else 0. */
    uint8_t acked;                            /**< 1 once the application acknowledged it. */
    uint8_t component_count;                  /**< Entries of @ref component_code in use. */
    int32_t code;                             /**< Error code for FAILED, application code for REJECTED, else 0. */
    uint32_t seq;                             /**< Increments with every new outcome. */
    uint32_t security_version;                /**< Security version of the release concerned. */
    uint8_t manifest_sha256[IOTL_SHA256_LEN]; /**< Release concerned. */
    char version[IOTL_STAGE_VERSION_MAX];     /**< Its version string. */
    int32_t component_code[IOTL_STAGE_MAX_COMPONENTS]; /**< Per component: 0 or the error it failed with. */
};

/** @} */

#ifdef __cplusplus
}
#endif
#endif
