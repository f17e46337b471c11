/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file stage.h
 * @brief Fault-tolerant staging: A/B slots, resumable download and install,
 *        verification, trial activation, confirm, reject, outcomes, floors.
 *
 * Sans-I/O: the caller pushes payload bytes as they arrive
 * (iotl_stage_write()) and asks where to continue after a reset
 * (iotl_stage_begin() returns the component and offset to request next, e.g.
 * as an HTTP Range). Every state change is recorded in a power-safe journal
 * (iotlife/journal.h) before it takes effect; iotl_boot_select() (boot.h)
 * reads the same journal at boot.
 *
 * Lifecycle: begin → write… → finish → activate → (reboot: iotl_boot_select
 * boots the trial) → confirm or reject. A reset at any instant is followed by
 * iotl_stage_init() and, for an interrupted download, begin() with the same
 * descriptor, which resumes.
 *
 * Threading: one iotl_stage_t must not be used from two threads at once; no
 * function may be called from an ISR. Every function blocks on storage I/O.
 */
#ifndef IOTLIFE_STAGE_H
#define IOTLIFE_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/delta.h"
#include "iotlife/floors.h"
#include "iotlife/journal.h"
#include "iotlife/port/crypto.h"
#include "iotlife/port/storage.h"
#include "iotlife/update_desc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_stage Staging
 *  @brief A/B staging with a power-safe journal, resume, trial boot and rollback.
 *  @{ */

/** @brief Work buffer bytes needed for full-image payloads only. */
#define IOTL_STAGE_WORKBUF_MIN (1024u + IOTL_STAGE_MAX_WRITE_ALIGN)
/** @brief Work buffer bytes needed when deflate payloads are used (inflate arena included;
 *  about 41 KiB with the default 15-bit window). */
#define IOTL_STAGE_WORKBUF_DEFLATE \
    (IOTL_STAGE_WORKBUF_MIN + 64u + 7680u + 256u + (1u << IOTL_STAGE_INFLATE_WBITS))
/** @brief Work buffer bytes needed when delta payloads are used: the delta decoder object and
 *  its work buffer for patches declaring up to IOTL_STAGE_INFLATE_WBITS (about 43 KiB with 15,
 *  about 14 KiB with 12, the encoder's default). */
#define IOTL_STAGE_WORKBUF_DELTA \
    (IOTL_STAGE_WORKBUF_MIN + 64u + 1024u + IOTL_DELTA_WORKBUF_SIZE(IOTL_STAGE_INFLATE_WBITS))
/** @brief Default boot attempts of a trial image (when the config says 0). */
#define IOTL_STAGE_DEFAULT_ATTEMPTS 3u
/** @brief Default image bytes between durable download checkpoints (when the config says 0):
 *  a reset costs at most this much re-download; each checkpoint is one journal record. */
#define IOTL_STAGE_DEFAULT_CHECKPOINT (256u * 1024u)
/** @brief Component id of the built-in A/B main image when the config names none. */
#define IOTL_STAGE_DEFAULT_MAIN_ID "main"

/**
 * @brief Operations of an application component handler (co-processor, modem, FPGA...).
 *
 * The staging module decodes the payload, hashes the image and feeds the image
 * bytes to the handler in order. All operations block, return 0 or a negative
 * code, and receive the handler's `ctx` first. A failure is reported to the
 * caller as IOTL_ERR_HANDLER and recorded in the outcome with the handler's code.
 */
struct iotl_stage_handler_ops {
    /** Prepare to receive the component from image offset 0 (also called again after a reset:
     *  handler components restart from 0). Required. */
    int (*begin)(void *ctx, const struct iotl_update_component *comp);
    /** Take `len` image bytes at image offset `off` (strictly sequential). Required. */
    int (*write)(void *ctx, uint32_t off, const uint8_t *data, size_t len);
    /** All bytes delivered and their SHA-256 verified by the staging module. Required. */
    int (*finish)(void *ctx);
    /** Make the staged component live. Must be idempotent: after a reset during
     *  activation it is called again. Required. */
    int (*activate)(void *ctx);
    /** The update was abandoned; discard staged data. Optional (NULL). */
    void (*abort)(void *ctx);
};

/** @brief An application handler for components whose id is not the main image's. */
struct iotl_stage_handler {
    const char *id;                          /**< Component id it serves (NUL-terminated). */
    const struct iotl_stage_handler_ops *ops; /**< Operations; must not be NULL. */
    void *ctx;                               /**< Passed unchanged to every operation. */
};

/** @brief Configuration of a staging object. Zero fields mean defaults; the struct and every
 *  pointer in it must stay valid until iotl_stage_deinit(). */
struct iotl_stage_config {
    const struct iotl_storage *slot[2]; /**< Slot A (index 0) and slot B (index 1). Required. */
    const struct iotl_storage *state;   /**< State journal area (>= 2 erase blocks). Required. */
    const struct iotl_crypto *crypto;   /**< SHA-256 backend. Required. */
    void *work_buf;                     /**< Scratch memory owned by the object while initialised. */
    size_t work_buf_len;                /**< >= IOTL_STAGE_WORKBUF_MIN; IOTL_STAGE_WORKBUF_DEFLATE for deflate,
                                             IOTL_STAGE_WORKBUF_DELTA for delta payloads. */
    const char *main_id;                /**< Component id of the A/B main image; NULL: "main". */
    const struct iotl_stage_handler *handlers; /**< Handlers for other components; may be NULL. */
    size_t handler_count;               /**< Entries in @ref handlers. */
    uint8_t boot_attempts;              /**< Boots a trial image gets; 0: IOTL_STAGE_DEFAULT_ATTEMPTS. */
    uint32_t checkpoint_bytes;          /**< Image bytes between durable checkpoints; 0: default. */
    uint8_t running_slot;               /**< Slot the running image was booted from, plus one
                                             (1: A, 2: B), e.g. from iotl_boot_select(); 0: unknown.
                                             When known, confirm() refuses unless it is the trial slot. */
};

/** @brief Where the lifecycle stands (iotl_stage_status()). */
struct iotl_stage_status {
    uint8_t confirmed_slot; /**< Slot of the last confirmed image. */
    uint8_t trial_slot;     /**< Slot on trial, or IOTL_SLOT_NONE. */
    uint8_t attempts_left;  /**< Boots left for the trial image. */
    uint8_t trial_booted;   /**< 1 once the trial image was booted. */
    uint8_t phase;          /**< #iotl_stage_phase. */
    uint8_t next_component; /**< While downloading: component to send next. */
    uint32_t next_offset;   /**< While downloading: payload offset to send next (HTTP Range start). */
    uint8_t manifest_sha256[IOTL_SHA256_LEN]; /**< Release in flight or on trial (zero when idle). */
};

/** @brief A staging object. Caller-allocated (e.g. `static iotl_stage_t g_stage;`);
 *  members are private. */
typedef struct iotl_stage {
    const struct iotl_stage_config *cfg; /**< @private */
    const struct iotl_update_component *comp; /**< @private Descriptor of `cur` (set with it). */
    const struct iotl_storage *tgt;      /**< @private Target slot of the stream. */
    uint8_t cur;                         /**< @private Component being streamed. */
    uint8_t main_idx;                    /**< @private Index of the main component or 0xFF. */
    uint8_t ready;                       /**< @private Streaming state is set up for `cur`. */
    uint8_t at_end;                      /**< @private Decoder reached the end of its stream. */
    int err;                             /**< @private Sticky content error of the download. */
    uint32_t pay_off;                    /**< @private Payload bytes consumed. */
    uint32_t img_off;                    /**< @private Image bytes accepted. */
    uint32_t wpos;                       /**< @private Image bytes written to the slot. */
    uint32_t erased_to;                  /**< @private Slot erased up to here. */
    uint32_t last_ck;                    /**< @private Image offset of the last checkpoint. */
    uint32_t pend_len;                   /**< @private Bytes waiting for a full write unit. */
    uint32_t marker;                     /**< @private Last four payload bytes (flush-marker matcher). */
    uint64_t dec[8];                     /**< @private Decoder state. */
    uint32_t pre_erased;                 /**< @private Main slot prefix known erased at begin (prepare). */
    iotl_sha256_state_t sha;             /**< @private */
    iotl_journal_t j;                    /**< @private */
} iotl_stage_t;

/**
 * @brief Initialise a staging object from its journal (creating the journal on a new device).
 *
 * Reads the newest journal record. A state area without any valid record is
 * a new device: the journal is created with slot 0 confirmed.
 * @param[out] s Object to initialise (caller-owned).
 * @param[in] cfg Configuration; must stay valid until iotl_stage_deinit().
 * @retval 0 Ready.
 * @retval IOTL_ERR_INVALID_ARG cfg->crypto or its ops table is NULL.
 * @retval IOTL_ERR_SLOT_GEOMETRY A slot or the state area is missing (NULL) or invalid, the state area has fewer
 *         than two erase blocks or a block cannot hold a record, or a write_align exceeds
 *         IOTL_STAGE_MAX_WRITE_ALIGN.
 * @retval IOTL_ERR_NO_MEM work_buf is smaller than IOTL_STAGE_WORKBUF_MIN.
 * @retval IOTL_ERR_JOURNAL The journal holds records this build cannot decode (format version or
 *         IOTL_STAGE_* limits differ); nothing is written.
 * @return Otherwise the storage port's error code.
 */
int iotl_stage_init(iotl_stage_t *s, const struct iotl_stage_config *cfg);

/**
 * @brief Release a staging object; safe on a zeroed object. Nothing is written.
 * @param[in,out] s Object.
 */
void iotl_stage_deinit(iotl_stage_t *s);

/**
 * @brief Where the lifecycle stands.
 * @param[in] s Initialised object. @param[out] st Filled on return.
 * @return 0.
 */
int iotl_stage_status(const iotl_stage_t *s, struct iotl_stage_status *st);

/**
 * @brief Read the persisted floors (for the trust decision).
 * @param[in] s Initialised object. @param[out] f Filled on return.
 * @return 0.
 */
int iotl_stage_get_floors(const iotl_stage_t *s, struct iotl_floors *f);

/**
 * @brief Raise persisted floors after a verified document was accepted.
 *
 * Each of manifest_seq, deployment_seq, keyring_version and latest_time is set
 * to the larger of its current and given value; nothing is ever lowered. The
 * security version is ignored: it rises only on confirm. Writes a journal
 * record only when something rises.
 * @param[in,out] s Initialised object. @param[in] f Candidate values.
 * @retval 0 Durable. @return Otherwise the storage port's error code.
 */
int iotl_stage_raise_floors(iotl_stage_t *s, const struct iotl_floors *f);

/**
 * @brief Begin (or resume) an update.
 *
 * A new update is checked before anything is written: a trial pending, a
 * rolled-back release, a security version below the floor, sizes that do not
 * fit and unknown components are refused. It then raises the manifest and
 * deployment sequence floors (and key-ring version and time when given) and
 * records the update. The same descriptor while its download is in flight
 * (e.g. after a reset) resumes: the flash prefix written before the last
 * checkpoint is re-read and re-hashed, and the offset to request next returned.
 * @param[in,out] s Initialised object.
 * @param[in] desc Verified update; copied.
 * @param[out] next_comp Component to send next (may be NULL); the component
 *            count when already STAGED.
 * @param[out] next_off Payload offset to send next, e.g. the HTTP Range start (may be NULL);
 *            when already STAGED (e.g. after a reset between the last write and
 *            activation) the last component's payload size: nothing is left to send.
 * @retval 0 Ready for iotl_stage_write(), or already STAGED (then go on with
 *         iotl_stage_finish() / iotl_stage_activate()).
 * @retval IOTL_ERR_TRIAL_PENDING A trial image awaits confirm or reject.
 * @retval IOTL_ERR_ROLLED_BACK This release was rolled back and the deployment sequence is not higher.
 * @retval IOTL_ERR_ROLLBACK security_version is below the floor.
 * @retval IOTL_ERR_NO_SPACE An image does not fit its slot.
 * @retval IOTL_ERR_DELTA_BASE A delta payload's base SHA-256 is not the confirmed image's (when known).
 * @retval IOTL_ERR_STATE Another update is in flight (iotl_stage_abort() it first).
 * @retval IOTL_ERR_HANDLER A component has no handler (and is not the main image), or a handler failed.
 * @retval IOTL_ERR_UNSUPPORTED A payload kind this build cannot decode (deflate or delta without
 *         zlib), or a delta payload for a component other than the main image.
 * @retval IOTL_ERR_NO_MEM The work buffer is too small for the payload kind.
 * @retval IOTL_ERR_INVALID_ARG Bad component count, duplicate ids, a second main component,
 *         or the same manifest with a different descriptor.
 * @return Otherwise the storage or crypto port's error code.
 */
int iotl_stage_begin(iotl_stage_t *s, const struct iotl_update_desc *desc, uint8_t *next_comp,
                     uint32_t *next_off);

/**
 * @brief Push payload bytes of one component as they arrive.
 *
 * Bytes are decoded, hashed and written to the slot (or handed to the handler)
 * without holding the image in RAM; erase blocks are erased just ahead of the
 * data. Every checkpoint_bytes of image a checkpoint is made durable.
 * Components are sent in order. Data before the expected offset is skipped, so
 * re-sent bytes are harmless. A content error (oversize payload, corrupt
 * deflate) is sticky: later writes return it and iotl_stage_finish() records
 * the failure.
 * @param[in,out] s Object after iotl_stage_begin().
 * @param comp Component index. @param off Payload offset of @p data.
 * @param[in] data Payload bytes (not kept after return). @param len Bytes.
 * @retval 0 Taken.
 * @retval IOTL_ERR_NO_UPDATE No download is in flight (or begin() not called since init).
 * @retval IOTL_ERR_INVALID_ARG Wrong component, or @p off is beyond the expected offset.
 * @retval IOTL_ERR_SIZE_MISMATCH The payload or image exceeds its declared size.
 * @retval IOTL_ERR_CORRUPT The deflate stream is corrupt.
 * @retval IOTL_ERR_HANDLER The component's handler failed.
 * @retval IOTL_ERR_DELTA_BASE A delta patch whose base is not the confirmed image, or whose header
 *         disagrees with the descriptor (base or image SHA-256, image size).
 * @return A delta decoder error (IOTL_ERR_DELTA_*, IOTL_ERR_TRAILING_DATA, see delta.h) for a bad
 *         patch; otherwise the storage port's error code (the download can be resumed).
 */
int iotl_stage_write(iotl_stage_t *s, uint8_t comp, uint32_t off, const void *data, size_t len);

/**
 * @brief Finish the download: every component must be complete and match its SHA-256.
 *
 * On success the update is STAGED (durably). On a content failure the update
 * is abandoned with a FAILED outcome carrying the code, and the slot is left
 * unused; the running image is untouched.
 * @param[in,out] s Object.
 * @retval 0 Staged.
 * @retval IOTL_ERR_NO_UPDATE No download in flight.
 * @retval IOTL_ERR_HASH_MISMATCH An image does not match its SHA-256 (update failed).
 * @retval IOTL_ERR_SIZE_MISMATCH A payload or image is shorter or longer than declared (update failed).
 * @retval IOTL_ERR_CORRUPT A deflate payload was corrupt (update failed).
 * @return A delta decoder error (IOTL_ERR_DELTA_*) for a bad patch (update failed).
 * @return Otherwise the storage port's error code (the call can be repeated).
 */
int iotl_stage_finish(iotl_stage_t *s);

/**
 * @brief Activate a staged update: handlers activate their components, then the main image
 *        becomes the trial image with boot_attempts boots (the outcome becomes INSTALLED).
 *
 * Without a main component the update is complete at once (outcome CONFIRMED).
 * Resumable: after a reset during activation call it again.
 * @param[in,out] s Object.
 * @retval 0 Active; reboot so iotl_boot_select() boots the trial image.
 * @retval IOTL_ERR_NO_UPDATE Nothing is staged.
 * @retval IOTL_ERR_HANDLER A handler's activate failed (it may be retried).
 * @return Otherwise the storage port's error code.
 */
int iotl_stage_activate(iotl_stage_t *s);

/**
 * @brief Confirm the trial image now running: it becomes the confirmed image and only now
 *        the security-version floor rises. Outcome CONFIRMED.
 * @param[in,out] s Object.
 * @retval 0 Confirmed (durably).
 * @retval IOTL_ERR_NO_UPDATE No trial is pending.
 * @retval IOTL_ERR_STATE The trial image was never booted (reboot first), or the config's
 *         running_slot says the running image is not the trial image.
 * @return Otherwise the storage port's error code.
 */
int iotl_stage_confirm(iotl_stage_t *s);

/**
 * @brief Reject the trial image on purpose: the next boot runs the confirmed image.
 *        Outcome ROLLED_BACK (reason REJECTED, code @p code); the release is remembered as
 *        rolled back.
 * @param[in,out] s Object. @param code Application reason code, kept in the outcome.
 * @retval 0 Rolled back (durably). @retval IOTL_ERR_NO_UPDATE No trial is pending.
 * @return Otherwise the storage port's error code.
 */
int iotl_stage_reject(iotl_stage_t *s, int32_t code);

/**
 * @brief Erase the inactive slot ahead of the next update, a piece at a time.
 *
 * Erasing is the slowest flash operation (milliseconds per block on NOR
 * flash); done while the device is idle, it shortens the next install and
 * the time that install is exposed to a power cut. Each call erases up to
 * @p max_bytes more of the inactive slot (whole erase blocks, from where the
 * last call stopped) and then records in the journal how far the slot is
 * erased; the next iotl_stage_begin() programs that part without erasing or
 * blank-checking it again, and spends the record before its first write. The
 * image the inactive slot held (the one before the running, confirmed
 * image) is discarded: nothing boots or rolls back to it.
 * @param[in,out] s Object after iotl_stage_init().
 * @param max_bytes Upper bound of bytes to erase in this call (rounded up to
 *        the slot's erase size); 0 only reports.
 * @param[out] erased_out Bytes from the slot's start now known erased; may be NULL.
 * @retval 0 Done (the slot may be fully prepared already).
 * @retval IOTL_ERR_TRIAL_PENDING A trial image awaits confirm or reject.
 * @retval IOTL_ERR_STATE An update is in progress (downloading or staged).
 * @return Otherwise the storage port's error: the journal still describes
 *         only what was erased before, so calling again continues.
 * @note Two journal records the first time (the old image is forgotten
 *       before its blocks are erased), one per call after that.
 */
int iotl_stage_prepare(iotl_stage_t *s, uint32_t max_bytes, uint32_t *erased_out);

/**
 * @brief Abandon a download or staged update before activation. Outcome FAILED with @p code.
 * @param[in,out] s Object. @param code Reason, e.g. IOTL_ERR_DECLINED.
 * @retval 0 Abandoned (durably). @retval IOTL_ERR_NO_UPDATE Nothing to abandon.
 * @retval IOTL_ERR_TRIAL_PENDING The update is already active (use reject).
 * @return Otherwise the storage port's error code.
 */
int iotl_stage_abort(iotl_stage_t *s, int32_t code);

/**
 * @brief Read the outcome of the most recent update (it survives rollbacks and resets).
 * @param[in] s Object. @param[out] out Filled on return.
 * @retval 0 An outcome exists (check out->acked).
 * @retval IOTL_ERR_NOT_FOUND No update has ended yet.
 */
int iotl_stage_outcome(const iotl_stage_t *s, struct iotl_update_outcome *out);

/**
 * @brief Acknowledge the outcome (e.g. after reporting it). No write when already acknowledged.
 * @param[in,out] s Object. @param seq The outcome's seq, so a newer outcome is not acknowledged by mistake.
 * @retval 0 Acknowledged. @retval IOTL_ERR_NOT_FOUND No outcome with that seq.
 * @return Otherwise the storage port's error code.
 */
int iotl_stage_outcome_ack(iotl_stage_t *s, uint32_t seq);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
