/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file posix.h
 * @brief POSIX port: file-backed storage areas, clocks, randomness, device identity,
 *        and a file:// transport.
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
#include "iotlife/port/transport.h"

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
    const uint8_t *map;   /**< @private Read-only shared mapping of the file, or NULL. */
} iotl_posix_storage_t;

/** @brief Storage operations of the POSIX port (sync is fsync). */
extern const struct iotl_storage_ops iotl_posix_storage_ops;

/**
 * @brief Open (creating if needed) a file as a storage area.
 *
 * A new file is created with `geo->size` bytes of `geo->erased_value`. An
 * existing file must have exactly that size. Writes and erases use pwrite(2),
 * so a failing disk is an error code; reads and blank checks go through a
 * read-only shared mapping of the file (no copy; coherent with any writer
 * of the file) when mmap(2) allows one, else pread(2). The file belongs to
 * the area while it is open: truncating it then makes reads fault (SIGBUS).
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

/** @brief State of a file:// transport. Caller-allocated; fields are private. */
typedef struct iotl_posix_transport {
    int fd;            /**< @private Open object, -1 when none. */
    bool open;         /**< @private A request is open. */
    int result;        /**< @private get_response() result of the open request. */
    uint64_t pos;      /**< @private Next object offset to read. */
    uint64_t end;      /**< @private Object offset where the body ends. */
    struct iotl_transport_response resp; /**< @private Response of the open request. */
} iotl_posix_transport_t;

/** @brief Transport operations of the file:// transport (wait returns at once). */
extern const struct iotl_transport_ops iotl_posix_transport_ops;

/**
 * @brief Set up a file:// transport, for tests, host tools and local repositories.
 *
 * URLs are `file:///absolute/path` (or `file://localhost/...`), %XX escapes
 * decoded. Files answer like a static HTTP server: a missing file is 404, a
 * directory or unreadable file 403, an offset at or past the end 416, a
 * matching If-None-Match 304, a ranged request 206. The entity tag is
 * `"<size hex>-<mtime ns hex>"`, so it changes when the file is rewritten.
 * A file shorter than announced (shrunk while read) ends with
 * #IOTL_ERR_TRUNCATED. PUT writes a temporary file, fsyncs it and renames
 * it over the target (creating missing directories), so a reader never sees
 * a partial object. Everything is local, so no operation ever returns
 * #IOTL_ERR_WOULD_BLOCK.
 * @param[out] pt State, caller-owned; must outlive @p out.
 * @param[out] out Transport instance to fill.
 * @return 0.
 */
int iotl_posix_transport_init(iotl_posix_transport_t *pt, struct iotl_transport *out);

/**
 * @brief Close any open request. Safe to call twice and on a zeroed state.
 * @param[in,out] pt State from iotl_posix_transport_init().
 */
void iotl_posix_transport_deinit(iotl_posix_transport_t *pt);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
