/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file floors.h
 * @brief Persisted monotonic floors: anti-rollback, anti-replay and time.
 *
 * The trust module decides against these values; the staging module owns
 * their persistence (in its power-safe journal) and raises them: the key-ring
 * version and latest-known time when a verified document is accepted, the
 * security version only when an update is confirmed, never on a trial boot.
 */
#ifndef IOTLIFE_FLOORS_H
#define IOTLIFE_FLOORS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_floors Floors
 *  @brief Values that only ever move forward on a device.
 *  @{ */

/** @brief Monotonic values a device persists. All zero on a new device. */
struct iotl_floors {
    uint32_t security_version; /**< Lowest security version the device may install. */
    uint32_t manifest_seq;     /**< Highest manifest sequence number accepted. */
    uint32_t deployment_seq;   /**< Highest deployment sequence number accepted. */
    uint32_t keyring_version;  /**< Version of the key ring in force. */
    int64_t latest_time;       /**< Latest trusted time seen (Unix seconds), from verified documents. */
};

/** @} */

#ifdef __cplusplus
}
#endif
#endif
