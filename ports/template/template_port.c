/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Skeleton port for a new board: storage (internal or SPI NOR flash),
 * platform (clock, optional RNG and lock) and the hook-up of a crypto port.
 * Compiles as is (every operation returns IOTL_ERR_UNSUPPORTED), so you can
 * fill it in one FIXME at a time. See docs/porting.md.
 */
#include <stddef.h>
#include <stdint.h>

#include "iotlife/iotlife.h"

/* ---- storage --------------------------------------------------------------
 * One ops table serves every area (slot A, slot B, state, diagnostics); each
 * area has its own context telling where it starts in the device. */
struct board_flash_area {
    uint32_t base; /* FIXME: absolute flash address of the area */
};

static int board_flash_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    const struct board_flash_area *a = (const struct board_flash_area *)ctx;
    (void)a->base;
    (void)off;
    (void)buf;
    (void)len;
    /* FIXME: memcpy from memory-mapped flash at a->base + off, or SPI read. */
    return IOTL_ERR_UNSUPPORTED;
}

static int board_flash_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    const struct board_flash_area *a = (const struct board_flash_area *)ctx;
    (void)a;
    (void)off;
    (void)buf;
    (void)len;
    /* FIXME: program len bytes. The core guarantees off and len are multiples
     * of write_align and the range is erased. Block until done. Return a
     * driver error as IOTL_ERR_PORT(code) to keep its detail. */
    return IOTL_ERR_UNSUPPORTED;
}

static int board_flash_erase(void *ctx, uint32_t off, size_t len)
{
    const struct board_flash_area *a = (const struct board_flash_area *)ctx;
    (void)a;
    (void)off;
    (void)len;
    /* FIXME: erase whole sectors; off and len are multiples of erase_size. */
    return IOTL_ERR_UNSUPPORTED;
}

/* const: the table lives in flash, shared by all areas. */
static const struct iotl_storage_ops board_flash_ops = {
    .read = board_flash_read,
    .write = board_flash_write,
    .erase = board_flash_erase,
    .sync = NULL, /* FIXME: set if the driver caches writes */
};

static struct board_flash_area slot_a_ctx = {.base = 0x08020000u}; /* FIXME */

/* FIXME: one of these per area, with the real geometry of your part. */
const struct iotl_storage board_slot_a = {
    .ops = &board_flash_ops,
    .ctx = &slot_a_ctx,
    .geo = {.size = 0x60000u, .erase_size = 0x20000u, .write_align = 16u, .erased_value = 0xffu},
};

/* ---- platform ------------------------------------------------------------- */
static uint64_t board_uptime_ms(void *ctx)
{
    (void)ctx;
    return 0; /* FIXME: milliseconds since boot, e.g. from SysTick */
}

static const struct iotl_platform_ops board_platform_ops = {
    .uptime_ms = board_uptime_ms,
    .wall_time = NULL, /* FIXME: set if the board has a trustworthy RTC */
    .random = NULL,    /* FIXME: set if the board has a TRNG (used for jitter) */
    .lock = NULL,      /* FIXME: set both when iotlife objects are shared between threads */
    .unlock = NULL,
};

const struct iotl_platform board_platform = {.ops = &board_platform_ops, .ctx = NULL};

/* ---- crypto ----------------------------------------------------------------
 * FIXME: use ports/mbedtls (iotl_mbedtls_crypto_init) or wrap your hardware
 * SHA-256 / ECDSA engine in a struct iotl_crypto_ops the same way. */
