/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file journal.h
 * @brief Power-safe state journal shared by the staging module and the boot selector.
 *
 * The journal keeps one small state (#iotl_journal_state: floors, slots, the
 * update in flight, the last outcome, rolled-back releases) on a dedicated
 * storage area of two or more erase blocks. Every change appends a complete,
 * CRC-protected, sequence-numbered snapshot record; when a block is full the
 * next block is erased and the snapshot written there. At every instant at
 * least one complete record is readable, whatever the geometry, whatever
 * operation power fails during. docs/update-lifecycle.md specifies the format.
 *
 * Most integrators never call these functions: iotl_stage_* and
 * iotl_boot_select() use them. They are public so tools and tests can read a
 * journal, and so the object sizes are known to callers.
 */
#ifndef IOTLIFE_JOURNAL_H
#define IOTLIFE_JOURNAL_H

#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/floors.h"
#include "iotlife/port/storage.h"
#include "iotlife/update_desc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_journal State journal
 *  @brief Power-safe persistence of the update state.
 *  @{ */

/** @brief Record magic, "IOTJ" in little-endian byte order (neither all-0x00 nor all-0xFF). */
#define IOTL_JOURNAL_MAGIC 0x4A544F49u
/** @brief Record format version written and read by this build (the pre-release version 1 is no longer read). */
#define IOTL_JOURNAL_VERSION 2u
/** @brief Bytes of decoder state the journal keeps for the update in flight (the delta
 *  decoder keeps its 96-byte patch header there, to resume after a reset). */
#define IOTL_JOURNAL_DEC_STATE_MAX 96u
/** @brief Slot index meaning "no slot". */
#define IOTL_SLOT_NONE 0xFFu

/** @brief Largest encoded record in bytes (before padding to write_align). */
#define IOTL_JOURNAL_RECORD_MAX                                                                   \
    (234u + 2u * IOTL_STAGE_VERSION_MAX + IOTL_STAGE_MAX_COMPONENTS * (IOTL_STAGE_ID_MAX + 91u) + \
     36u * IOTL_STAGE_ROLLED_BACK_MAX + 1u + IOTL_JOURNAL_DEC_STATE_MAX)
/** @brief Size of the buffer inside #iotl_journal_t: the largest record padded to any supported write_align. */
#define IOTL_JOURNAL_BUF_SIZE (((IOTL_JOURNAL_RECORD_MAX + IOTL_STAGE_MAX_WRITE_ALIGN - 1u) / \
                                IOTL_STAGE_MAX_WRITE_ALIGN) * IOTL_STAGE_MAX_WRITE_ALIGN)

/** @brief Where the update lifecycle stands. Values are persisted. */
enum iotl_stage_phase {
    IOTL_PHASE_IDLE = 0,        /**< No update in flight. */
    IOTL_PHASE_DOWNLOADING = 1, /**< Payloads are being written (resumable). */
    IOTL_PHASE_STAGED = 2,      /**< Every component is written and verified; not active yet. */
    IOTL_PHASE_TRIAL = 3        /**< The new main image is on trial: boot it, then confirm or reject. */
};

/** @brief Progress of one component. Values are persisted. */
enum iotl_comp_status {
    IOTL_COMP_PENDING = 0,   /**< Not completely written yet. */
    IOTL_COMP_COMPLETE = 1,  /**< Written and its SHA-256 verified. */
    IOTL_COMP_ACTIVATED = 2  /**< Its handler activated it. */
};

/** @brief iotl_slot_meta::valid: the slot holds the image described. */
#define IOTL_SLOT_IMAGE 1
/** @brief iotl_slot_meta::valid: no image; the first `size` bytes are erased
 *  (iotl_stage_prepare()), so the next install need not erase them. */
#define IOTL_SLOT_ERASED 2

/** @brief What the journal knows about the image in one slot. */
struct iotl_slot_meta {
    uint8_t valid;                   /**< #IOTL_SLOT_IMAGE when size and digest below describe the
                                          slot's image, #IOTL_SLOT_ERASED when it holds none and
                                          its first size bytes are erased, 0 unknown. */
    uint32_t size;                   /**< Image bytes, or erased bytes (#IOTL_SLOT_ERASED). */
    uint32_t security_version;       /**< Security version of the image. */
    uint8_t sha256[IOTL_SHA256_LEN]; /**< SHA-256 of the image bytes. */
};

/** @brief Durable progress of one component of the update in flight. */
struct iotl_comp_progress {
    uint8_t status;          /**< #iotl_comp_status. */
    uint32_t ck_payload_off; /**< Payload offset of the last durable restart point. */
    uint32_t ck_image_off;   /**< Image bytes durably written at that restart point. */
};

/** @brief A release that was rolled back, refused until a newer deployment asks for it. */
struct iotl_rolled_back {
    uint8_t manifest_sha256[IOTL_SHA256_LEN]; /**< The release. */
    uint32_t deployment_seq;                  /**< Deployment sequence that installed it. */
};

/** @brief The whole persisted state. A new journal starts from iotl_journal_defaults(). */
struct iotl_journal_state {
    struct iotl_floors floors;     /**< Monotonic floors. */
    uint8_t confirmed_slot;        /**< Slot holding the last confirmed image (0 or 1). */
    uint8_t trial_slot;            /**< Slot on trial, or IOTL_SLOT_NONE. */
    uint8_t attempts_left;         /**< Boots the trial image may still get. */
    uint8_t trial_booted;          /**< 1 once the boot selector handed over to the trial image. */
    uint8_t phase;                 /**< #iotl_stage_phase. */
    struct iotl_slot_meta slot[2]; /**< Per slot metadata. */
    struct iotl_update_desc desc;  /**< Update in flight or on trial (component_count 0 when idle). */
    struct iotl_comp_progress prog[IOTL_STAGE_MAX_COMPONENTS]; /**< Progress per component of @ref desc. */
    uint8_t dec_len;               /**< Used bytes of @ref dec (0: none). */
    uint8_t dec[IOTL_JOURNAL_DEC_STATE_MAX]; /**< Decoder state of the component in flight. */
    struct iotl_update_outcome outcome; /**< How the last update ended. */
    uint8_t rolled_back_count;          /**< Used entries of @ref rolled_back. */
    uint8_t rolled_back_next;           /**< Entry the next rollback overwrites once full. */
    struct iotl_rolled_back rolled_back[IOTL_STAGE_ROLLED_BACK_MAX]; /**< Refused releases. */
};

/** @brief A mounted journal. Caller-allocated (about IOTL_JOURNAL_BUF_SIZE plus the state);
 *  members are private: read the state with iotl_journal_state(). */
typedef struct iotl_journal {
    const struct iotl_storage *area; /**< @private */
    uint32_t seq;                    /**< @private Sequence number of the newest record. */
    uint32_t block;                  /**< @private Block holding the newest record. */
    uint32_t pos;                    /**< @private Append offset inside that block. */
    uint32_t writes;                 /**< Records written since mount (wear accounting). */
    uint32_t erases;                 /**< Blocks erased since mount (wear accounting). */
    struct iotl_journal_state st;    /**< @private Current state. */
    uint8_t buf[IOTL_JOURNAL_BUF_SIZE]; /**< @private Record buffer. */
} iotl_journal_t;

/**
 * @brief Fill a state with the values of a new device: slot 0 confirmed (factory image,
 *        metadata unknown), no trial, all floors zero.
 * @param[out] st State to fill.
 */
void iotl_journal_defaults(struct iotl_journal_state *st);

/**
 * @brief Read the newest valid record of a state area.
 *
 * Scans every block, validates magic, version, length and CRC of each record and
 * keeps the one with the highest sequence number. Never writes. Blocking.
 * @param[out] j Journal object (caller-owned; keeps a pointer to @p area).
 * @param[in] area State area: at least two erase blocks, each holding a worst-case record.
 *                 Must stay valid while @p j is used.
 * @retval 0 A record was found and loaded.
 * @retval IOTL_ERR_NOT_FOUND No intact record at all: the state holds iotl_journal_defaults() (new device).
 * @retval IOTL_ERR_JOURNAL Intact records exist but none this build can decode (another format
 *         version, or a build with different IOTL_STAGE_* limits); nothing may be written.
 * @retval IOTL_ERR_SLOT_GEOMETRY The area is invalid, has fewer than two blocks, a block cannot
 *         hold a worst-case record, or write_align exceeds IOTL_STAGE_MAX_WRITE_ALIGN.
 * @return Otherwise the port's error code from a read.
 */
int iotl_journal_mount(iotl_journal_t *j, const struct iotl_storage *area);

/**
 * @brief The current state; the caller may modify it and then call iotl_journal_commit().
 * @param[in] j Mounted journal.
 * @return Pointer into @p j, valid as long as @p j.
 */
struct iotl_journal_state *iotl_journal_state(iotl_journal_t *j);

/**
 * @brief Durably append the current state as a new record (one write, then sync).
 *
 * Appends in the current block when the padded record fits and its range reads
 * as erased; otherwise erases the next block and writes the record there first
 * ("compaction"); the previous block keeps the previous record until then.
 * Blocking. On error the state in RAM is kept and may be committed again.
 * @param[in,out] j Mounted journal.
 * @retval 0 The record is durable.
 * @return Otherwise the port's error code (the previous record stays readable).
 */
int iotl_journal_commit(iotl_journal_t *j);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
