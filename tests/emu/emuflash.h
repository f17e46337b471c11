/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emulated NOR flash for tests: wraps any storage port and
 *  - enforces the storage contract (write only to erased, aligned ranges;
 *    erase only whole blocks), whatever the wrapped port allows;
 *  - counts program and erase operations on a power rail shared by all areas
 *    of one emulated device, and cuts power at operation N;
 *  - models torn writes (a prefix lands, the rest of the range holds arbitrary
 *    bits) and torn erases (the block holds arbitrary bits);
 *  - injects read bit-flips and bad blocks.
 * After a cut every operation on every area of the rail fails with
 * IOTL_ERR_POWER_LOSS (or longjmps, when a jump buffer is set) until
 * iotl_emu_power_on(): the code under test cannot do anything more, exactly as
 * on a device that lost power. The test then "reboots" its objects from flash.
 */
#ifndef IOTL_EMUFLASH_H
#define IOTL_EMUFLASH_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "iotlife/port/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What happens to the operation that power fails during. */
enum iotl_emu_tear {
    IOTL_EMU_TEAR_NONE = 0, /* the operation does not happen at all */
    IOTL_EMU_TEAR_RANDOM,   /* write: random prefix lands, rest random bits; erase: random bits */
};

/* The power supply of one emulated device, shared by all its areas. */
typedef struct iotl_emu_power {
    uint32_t ops;            /* program + erase operations since iotl_emu_power_reset */
    uint32_t cut_at;         /* cut during operation number cut_at (1-based); 0 = never */
    bool off;                /* power is cut: every operation fails */
    enum iotl_emu_tear tear; /* what the interrupted operation leaves */
    uint32_t rng;            /* xorshift state for tear contents (deterministic per seed) */
    jmp_buf *jump;           /* when set, a cut longjmps here with value 1 */
    uint32_t cuts;           /* how many cuts happened */
} iotl_emu_power_t;

#define IOTL_EMU_MAX_BAD_BLOCKS 4

/* One emulated area on top of an inner storage area of the same geometry. */
typedef struct iotl_emu_flash {
    const struct iotl_storage *inner;
    iotl_emu_power_t *power;
    struct iotl_storage_geometry geo;
    uint32_t reads, writes, erases;      /* per-area counters */
    uint32_t flip_off;                   /* next read covering flip_off XORs flip_mask in */
    uint8_t flip_mask;                   /* 0 = no flip armed */
    bool flip_sticky;                    /* keep flipping on every read (a failing cell) */
    uint32_t bad_blocks[IOTL_EMU_MAX_BAD_BLOCKS]; /* erase-block indexes + 1; 0 = unused */
} iotl_emu_flash_t;

extern const struct iotl_storage_ops iotl_emu_storage_ops;

/* Reset the rail: counters to zero, power on, no cut armed. */
void iotl_emu_power_reset(iotl_emu_power_t *p, uint32_t seed);
/* Arm a cut during operation n (counted from now, 1-based) with the given tear mode. */
void iotl_emu_power_cut_at(iotl_emu_power_t *p, uint32_t n, enum iotl_emu_tear tear);
/* Restore power after a cut (the "reboot"); disarms the cut, keeps counting. */
void iotl_emu_power_on(iotl_emu_power_t *p);

/* Wrap inner (whose geometry is copied) as an emulated area on rail p. */
int iotl_emu_flash_init(iotl_emu_flash_t *e, struct iotl_storage *out,
                        const struct iotl_storage *inner, iotl_emu_power_t *p);
/* Flip bits of the byte at off on the next read covering it (or every read, if sticky). */
void iotl_emu_flash_flip(iotl_emu_flash_t *e, uint32_t off, uint8_t mask, bool sticky);
/* Mark the erase block containing off as bad: erases and writes there fail. */
int iotl_emu_flash_mark_bad(iotl_emu_flash_t *e, uint32_t off);

#ifdef __cplusplus
}
#endif
#endif
