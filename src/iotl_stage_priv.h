/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: state transitions shared by the staging module and the boot
 * selector, so both record a rollback the same way, and the slot hash both
 * compute. */
#ifndef IOTL_STAGE_PRIV_H
#define IOTL_STAGE_PRIV_H

#include "iotlife/journal.h"

/* Record a new outcome (kind, reason, code) for the update described by
 * j->st.desc and commit it. ROLLED_BACK also abandons the trial: the
 * confirmed slot boots next and the release is remembered as rolled back;
 * CONFIRMED raises the security-version floor to the release's.
 * Every kind but INSTALLED ends the update (iotl_journal_clear_update()).
 * Returns iotl_journal_commit()'s result. */
int iotl_journal_outcome(iotl_journal_t *j, unsigned kind, unsigned reason, int32_t code);

/* Forget the update in flight (descriptor and progress). */
void iotl_journal_clear_update(struct iotl_journal_state *st);

/* Feed bytes [0, len) of area into the running SHA-256 sha, read through buf
 * (buf_len bytes). Returns 0 or the first storage/crypto error. (boot.c) */
int iotl_stage_hash_area(const struct iotl_crypto *c, iotl_sha256_state_t *sha, const struct iotl_storage *area,
                         uint32_t len, uint8_t *buf, uint32_t buf_len);

/* Finish the running SHA-256 sha and compare it with expected (NULL: the
 * digest is dropped). Returns 0 on a match (or drop), IOTL_ERR_HASH_MISMATCH,
 * or the crypto port's error. (boot.c) */
int iotl_stage_hash_check(const struct iotl_crypto *c, iotl_sha256_state_t *sha, const uint8_t *expected);

#endif
