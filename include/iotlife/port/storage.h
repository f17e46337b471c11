/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file storage.h
 * @brief Storage port contract: one flash-like area = const ops table + context + geometry.
 *
 * The contract (NOR flash rules, which the emulated test flash enforces):
 * - offsets are relative to the area and `off + len <= geo.size`;
 * - `write` programs only erased bytes, with `off` and `len` multiples of
 *   `geo.write_align`; the core pads writes itself;
 * - `erase` sets whole erase blocks (`off`, `len` multiples of `geo.erase_size`)
 *   to `geo.erased_value`;
 * - a write or erase interrupted by power loss may leave the touched range with
 *   any content; everything outside it is unchanged;
 * - every call blocks until done. Return 0 or a negative #iotl_err (or
 *   IOTL_ERR_PORT(n) for detail the port wants to keep).
 * See docs/porting.md for a walk-through.
 */
#ifndef IOTLIFE_PORT_STORAGE_H
#define IOTLIFE_PORT_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "iotlife/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_storage Storage port
 *  @brief Contract every storage backend (flash driver, file, RAM) implements.
 *  @{ */

/** @brief Physical facts of a storage area, as data the core obeys. */
struct iotl_storage_geometry {
    uint32_t size;        /**< Bytes in the area; a multiple of erase_size. */
    uint32_t erase_size;  /**< Erase granularity in bytes (power of two). */
    uint32_t write_align; /**< Program granularity in bytes (power of two, <= erase_size). */
    uint8_t erased_value; /**< Value of every byte after an erase (0xFF for NOR, 0x00 for some). */
};

/**
 * @brief Operations of a storage backend. Keep the table `const` (it can live in flash);
 *        one table may serve several areas, each with its own context.
 *
 * Every operation receives the area's `ctx` first, blocks until done, must not
 * be called from an ISR unless the port says so, and returns 0 or a negative code.
 */
struct iotl_storage_ops {
    /** Read `len` bytes at `off` into `buf` (any alignment). */
    int (*read)(void *ctx, uint32_t off, void *buf, size_t len);
    /** Program `len` bytes at `off`; the range is erased and write_align aligned. */
    int (*write)(void *ctx, uint32_t off, const void *buf, size_t len);
    /** Erase `len` bytes at `off`; both are multiples of erase_size. */
    int (*erase)(void *ctx, uint32_t off, size_t len);
    /** Make earlier writes durable (flush caches). May be NULL when writes are durable on return. */
    int (*sync)(void *ctx);
};

/** @brief One storage area: backend ops, its instance context and geometry.
 *  The core keeps a pointer to it; it must stay valid while any object uses it. */
struct iotl_storage {
    const struct iotl_storage_ops *ops; /**< Backend operations; must not be NULL. */
    void *ctx;                          /**< Passed unchanged to every operation. */
    struct iotl_storage_geometry geo;   /**< Geometry of this area. */
};

/**
 * @brief Check that an area's geometry is self-consistent.
 * @param[in] s Area to check; NULL is an error.
 * @retval 0 Valid: non-zero powers of two, write_align <= erase_size, size a multiple of erase_size.
 * @retval IOTL_ERR_STORAGE_GEOMETRY Otherwise.
 */
int iotl_storage_check(const struct iotl_storage *s);

/**
 * @brief Read from an area after checking bounds.
 * @param[in] s Area. @param off Offset in the area. @param[out] buf Destination (len bytes).
 * @param len Bytes to read; 0 is a no-op.
 * @retval 0 Success. @retval IOTL_ERR_BOUNDS Range outside the area.
 * @return Otherwise the port's error code, unchanged.
 */
int iotl_storage_read(const struct iotl_storage *s, uint32_t off, void *buf, size_t len);

/**
 * @brief Program an erased, aligned range after checking bounds and alignment.
 * @param[in] s Area. @param off Offset (multiple of write_align). @param[in] buf Data.
 * @param len Bytes (multiple of write_align); 0 is a no-op.
 * @retval 0 Success. @retval IOTL_ERR_BOUNDS Outside the area.
 * @retval IOTL_ERR_STORAGE_ALIGN Misaligned offset or length.
 * @return Otherwise the port's error code, unchanged.
 */
int iotl_storage_write(const struct iotl_storage *s, uint32_t off, const void *buf, size_t len);

/**
 * @brief Erase whole erase blocks after checking bounds and alignment.
 * @param[in] s Area. @param off Offset (multiple of erase_size). @param len Bytes (multiple of erase_size).
 * @retval 0 Success. @retval IOTL_ERR_BOUNDS Outside the area.
 * @retval IOTL_ERR_STORAGE_ALIGN Not erase-block aligned.
 * @return Otherwise the port's error code, unchanged.
 */
int iotl_storage_erase(const struct iotl_storage *s, uint32_t off, size_t len);

/**
 * @brief Make earlier writes durable; a no-op when the port has no sync.
 * @param[in] s Area.
 * @return 0 or the port's error code.
 */
int iotl_storage_sync(const struct iotl_storage *s);

/**
 * @brief Tell whether a range reads as erased (every byte equal to geo.erased_value).
 *
 * Used before appending to or resuming in a partly written block: only an
 * erased range may be programmed. Reads in small pieces on the caller's stack.
 * @param[in] s Area. @param off Offset. @param len Bytes to check; 0 reads as erased.
 * @retval 1 Every byte is erased. @retval 0 At least one byte is not.
 * @retval IOTL_ERR_BOUNDS Range outside the area.
 * @return Otherwise the port's read error, unchanged.
 */
int iotl_storage_is_erased(const struct iotl_storage *s, uint32_t off, uint32_t len);

/**
 * @brief Port conformance self-test: checks a storage port against this contract.
 *
 * Destructive: erases the whole area. Runs on the host against every port in
 * the test suite and can be built into firmware to check a new flash driver.
 * Checks: erase yields erased_value everywhere; aligned programs read back at
 * the first, last and a middle write unit of each of the first two and the
 * last erase blocks; erasing one block leaves its neighbours intact; reads work
 * at any offset and length; sync succeeds.
 * @param[in] s Area under test (at least two erase blocks).
 * @param[out] scratch Work buffer of at least 2 * write_align bytes (256 bytes or more is faster).
 * @param scratch_len Size of @p scratch.
 * @retval 0 The port conforms.
 * @retval IOTL_ERR_STORAGE_GEOMETRY Geometry invalid or fewer than two blocks.
 * @retval IOTL_ERR_NO_MEM Scratch too small.
 * @retval IOTL_ERR_CORRUPT Data read back differs from what the contract promises.
 * @return Otherwise the port's own error code from the failing operation.
 */
int iotl_storage_selftest(const struct iotl_storage *s, void *scratch, size_t scratch_len);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
