/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file boot.h
 * @brief Boot-time slot selector: which slot to boot, with trial attempts and rollback.
 *
 * Tiny and self-contained so a bootloader can call it: no heap, no crypto
 * unless the optional image hash check is enabled, bounded stack (about
 * 1.2 KiB besides the caller-owned #iotl_boot_t). It reads the state journal
 * written by the staging module (stage.h):
 * - no trial pending: boot the confirmed slot;
 * - a trial pending with attempts left: durably decrement the attempts, THEN
 *   return the trial slot (a reset during the trial costs one attempt);
 * - a trial pending with no attempts left (or a damaged trial image when the
 *   hash check is on): durably roll back to the confirmed slot, record the
 *   reason in the outcome, and return the confirmed slot.
 */
#ifndef IOTLIFE_BOOT_H
#define IOTLIFE_BOOT_H

#include <stdint.h>

#include "iotlife/journal.h"
#include "iotlife/port/crypto.h"
#include "iotlife/port/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_boot Boot selector
 *  @brief Slot selection for bootloaders.
 *  @{ */

/** @brief Boot selector configuration. Pointers must stay valid during iotl_boot_select(). */
struct iotl_boot_config {
    const struct iotl_storage *state;   /**< State journal area (the staging module's). Required. */
    const struct iotl_storage *slot[2]; /**< Slots A and B; needed only for the hash check. */
    const struct iotl_crypto *crypto;   /**< NULL: no hash check. Else the slot to boot is hashed
                                             and compared with the journal's digest first. */
};

/** @brief What to boot. */
struct iotl_boot_result {
    uint8_t slot;          /**< Slot to boot: 0 (A) or 1 (B). */
    uint8_t trial;         /**< 1 when @ref slot holds the image on trial. */
    uint8_t attempts_left; /**< Boots left for the trial after this one. */
    uint8_t rolled_back;   /**< #iotl_rollback_reason when this call rolled back, else 0. */
};

/** @brief Selector working memory (holds a mounted journal). Caller-allocated; may be
 *  a static or a stack object of a bootloader; members are private. */
typedef struct iotl_boot {
    iotl_journal_t j; /**< @private */
} iotl_boot_t;

/**
 * @brief Decide which slot to boot, recording attempts and rollbacks durably first.
 *
 * Blocking; call once per boot, before handing over. On a state area with no
 * valid record (new device) slot 0 is returned and nothing is written.
 * @param[out] b Working memory. @param[in] cfg Configuration. @param[out] res Decision.
 * @retval 0 Boot res->slot.
 * @retval IOTL_ERR_NOT_BOOTABLE The hash check found the confirmed image damaged and no trial is
 *         pending (res->slot still names the confirmed slot, for a last-resort attempt).
 * @retval IOTL_ERR_SLOT_GEOMETRY The state area is unsuitable.
 * @retval IOTL_ERR_JOURNAL The journal holds records this build cannot decode.
 * @return Otherwise a storage port error from reading the journal. A failure to write the
 *         decrement returns 0 with the confirmed slot (the trial is not booted without it).
 */
int iotl_boot_select(iotl_boot_t *b, const struct iotl_boot_config *cfg, struct iotl_boot_result *res);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
