/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file platform.h
 * @brief Platform port contract: clocks, randomness and locking.
 *
 * Only `uptime_ms` is required. Logging and assertions are macros instead
 * (see iotlife/config.h), because they need `__FILE__`/`__LINE__` and must cost
 * nothing when disabled.
 */
#ifndef IOTLIFE_PORT_PLATFORM_H
#define IOTLIFE_PORT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_platform Platform port
 *  @brief Time, randomness and locking services of the board or OS.
 *  @{ */

/** @brief Platform operations. Optional members may be NULL. */
struct iotl_platform_ops {
    /** Required. Milliseconds since boot, monotonic, never blocks; ISR-safe. */
    uint64_t (*uptime_ms)(void *ctx);
    /** Optional. Wall-clock time in seconds since 1970-01-01 UTC. Return
     *  IOTL_ERR_UNSUPPORTED when the device has no trustworthy clock; the core
     *  then relies on its persisted latest-known time. */
    int (*wall_time)(void *ctx, int64_t *unix_s);
    /** Optional. Fill `buf` with `len` unpredictable bytes (used for jitter only). */
    int (*random)(void *ctx, void *buf, size_t len);
    /** Optional. Take the lock guarding shared iotlife objects (NULL: single-threaded use). */
    void (*lock)(void *ctx);
    /** Optional, paired with `lock`. */
    void (*unlock)(void *ctx);
};

/** @brief A platform instance: ops table + context. Must outlive its users. */
struct iotl_platform {
    const struct iotl_platform_ops *ops; /**< Platform operations; must not be NULL. */
    void *ctx;                           /**< Passed unchanged to every operation. */
};

/** @} */

#ifdef __cplusplus
}
#endif
#endif
