/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file ram.h
 * @brief RAM-backed storage port with configurable flash geometry.
 *
 * The quickest way to try iotlife, and the base the emulated test flash wraps.
 * It models NOR semantics faithfully enough for the core (erase sets
 * `erased_value`; writes are checked for alignment and, when `strict` is set,
 * for landing on erased bytes), with no fault injection.
 */
#ifndef IOTLIFE_PORT_RAM_H
#define IOTLIFE_PORT_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/port/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_ram RAM storage port
 *  @brief Storage areas in caller-provided RAM.
 *  @{ */

/** @brief State of one RAM area. Caller-allocated; set up by iotl_ram_flash_init(), then read-only for the caller. */
typedef struct iotl_ram_flash {
    uint8_t *mem;         /**< Caller's buffer of `size` bytes (read it to inspect the flash). */
    uint32_t size;        /**< Bytes in the area. */
    uint8_t erased_value; /**< Value an erase writes. */
    bool strict;          /**< Refuse writes to non-erased bytes. */
    uint32_t reads;       /**< Read operations so far. */
    uint32_t writes;      /**< Write operations so far. */
    uint32_t erases;      /**< Erase operations so far. */
} iotl_ram_flash_t;

/** @brief The RAM port's operations table (read, write, erase; no sync needed). */
extern const struct iotl_storage_ops iotl_ram_storage_ops;

/**
 * @brief Set up a RAM area and describe it as a storage area.
 * @param[out] rf  RAM state, caller-owned; must outlive @p out.
 * @param[out] out Storage area to fill (ops, ctx, geometry).
 * @param mem Buffer of @p geo->size bytes, caller-owned; its content is erased
 *            (set to geo->erased_value) here.
 * @param[in] geo Geometry to emulate; copied.
 * @param strict true: writes to non-erased bytes fail with IOTL_ERR_STORAGE_NOT_ERASED.
 * @retval 0 Success. @retval IOTL_ERR_STORAGE_GEOMETRY Geometry invalid.
 */
int iotl_ram_flash_init(iotl_ram_flash_t *rf, struct iotl_storage *out, void *mem,
                        const struct iotl_storage_geometry *geo, bool strict);

/**
 * @brief Describe RAM that already holds flash content as a storage area,
 *        without erasing it.
 *
 * For RAM that outlives a reset (a `.noinit` section emulating flash on a
 * board, or a buffer restored by a test): the content is kept as it is.
 * Same parameters, ownership and errors as iotl_ram_flash_init().
 * @param[out] rf  RAM state, caller-owned; must outlive @p out.
 * @param[out] out Storage area to fill (ops, ctx, geometry).
 * @param mem Buffer of @p geo->size bytes, caller-owned; left unchanged.
 * @param[in] geo Geometry to emulate; copied.
 * @param strict true: writes to non-erased bytes fail with IOTL_ERR_STORAGE_NOT_ERASED.
 * @retval 0 Success. @retval IOTL_ERR_STORAGE_GEOMETRY Geometry invalid.
 */
int iotl_ram_flash_attach(iotl_ram_flash_t *rf, struct iotl_storage *out, void *mem,
                          const struct iotl_storage_geometry *geo, bool strict);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
