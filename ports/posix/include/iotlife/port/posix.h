/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file posix.h
 * @brief POSIX port: file-backed storage areas, clocks, randomness, device identity.
 *
 * Used by the desktop device simulator and host tools. A storage area is one
 * regular file of exactly `geo.size` bytes; erase fills with the erased value,
 * sync is fsync(2), so a process killed with SIGKILL leaves what a device
 * losing power would.
 */
#ifndef IOTLIFE_PORT_POSIX_H
#define IOTLIFE_PORT_POSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/port/platform.h"
#include "iotlife/port/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_posix POSIX port
 *  @brief Files as flash areas, POSIX clocks and randomness.
 *  @{ */

/** @brief One file-backed storage area. Caller-allocated; fields are private. */
typedef struct iotl_posix_storage {
    int fd;               /**< @private Open file descriptor, -1 when closed. */
    uint32_t size;        /**< @private Area size. */
    uint8_t erased_value; /**< @private Value written by erase. */
    bool strict;          /**< @private Refuse writes to non-erased bytes. */
} iotl_posix_storage_t;

/** @brief Storage operations of the POSIX port (sync is fsync). */
extern const struct iotl_storage_ops iotl_posix_storage_ops;

/**
 * @brief Open (creating if needed) a file as a storage area.
 *
 * A new file is created with `geo->size` bytes of `geo->erased_value`. An
 * existing file must have exactly that size.
 * @param[out] ps State, caller-owned; must outlive @p out until iotl_posix_storage_close().
 * @param[out] out Storage area to fill.
 * @param[in] path File path; copied, not kept.
 * @param[in] geo Geometry; copied.
 * @param strict true: writes to non-erased bytes fail (NOR rules); costs a read per write.
 * @retval 0 Success.
 * @retval IOTL_ERR_STORAGE_GEOMETRY Bad geometry, or an existing file of another size.
 * @retval IOTL_ERR_IO The file could not be opened or created.
 */
int iotl_posix_storage_open(iotl_posix_storage_t *ps, struct iotl_storage *out, const char *path,
                            const struct iotl_storage_geometry *geo, bool strict);

/**
 * @brief Close a file-backed area. Safe to call twice.
 * @param[in,out] ps State from iotl_posix_storage_open().
 */
void iotl_posix_storage_close(iotl_posix_storage_t *ps);

/** @brief Platform operations of the POSIX port: CLOCK_MONOTONIC uptime,
 *  CLOCK_REALTIME wall time, getrandom(2) randomness, no locking. */
extern const struct iotl_platform_ops iotl_posix_platform_ops;

/**
 * @brief Fill a platform instance with the POSIX operations.
 * @param[out] out Instance to fill (ctx NULL).
 * @return 0.
 */
int iotl_posix_platform_init(struct iotl_platform *out);

/**
 * @brief A stable identity for this host: /etc/machine-id, else the host name.
 * @param[out] buf Destination, NUL-terminated on success.
 * @param len Size of @p buf (33 bytes fit a machine id).
 * @retval 0 Success. @retval IOTL_ERR_NO_MEM @p buf too small.
 * @retval IOTL_ERR_NOT_FOUND No identity could be read.
 */
int iotl_posix_device_id(char *buf, size_t len);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
