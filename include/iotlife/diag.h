/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file diag.h
 * @brief Diagnostics: bounded, power-safe, loss-accounted buffering of logs,
 *        metrics and events, exported as sequenced, CRC-protected, optionally
 *        deflate-compressed chunks that are deleted only once acknowledged.
 *
 * Data model (docs/diagnostics.md has the byte-level formats):
 * - every record carries a type, a sub-type, a sequence number (monotonic per
 *   device, persisted), the boot id and a timestamp (ms since boot);
 * - records live in a log-structured store over a storage area (flash) or over
 *   caller RAM (optionally a no-init region that survives a warm reboot);
 * - *critical* records (update outcomes, crashes, alerts, loss records) are
 *   never overwritten: when the store is full, new ones are dropped and
 *   counted; *normal* records (logs, metrics, other events, blobs) give way to
 *   newer ones, and each one removed unacknowledged is counted. Counts travel
 *   as #IOTL_DIAG_LOSS records ahead of later records;
 * - export is a pull: iotl_diag_get_chunk() fills a caller buffer (64 bytes and
 *   up); nothing is deleted before iotl_diag_ack(). A re-sent chunk carries the
 *   same sequence numbers, so a server de-duplicates by (device, sequence).
 *
 * Threading: an iotl_diag_t is not thread-safe and must not be used from an ISR;
 * serialise calls (one task owns it, or wrap calls in a lock).
 */
#ifndef IOTLIFE_DIAG_H
#define IOTLIFE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"
#include "iotlife/port/platform.h"
#include "iotlife/port/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_diag Diagnostics
 *  @brief Logs, metrics and events: buffered, persisted, exported in chunks.
 *  @{ */

/** @brief Chunk format version written by this library (docs/diagnostics.md). */
#define IOTL_DIAG_CHUNK_VERSION 1
/** @brief First byte of every chunk. */
#define IOTL_DIAG_CHUNK_MAGIC 0xD1
/** @brief Store (block header) format version. */
#define IOTL_DIAG_STORE_VERSION 1
/** @brief Smallest chunk buffer iotl_diag_get_chunk() accepts (a BLE MTU). */
#define IOTL_DIAG_CHUNK_MIN 64
/** @brief Chunk header bytes at most (without the device id) plus the CRC trailer. */
#define IOTL_DIAG_CHUNK_OVERHEAD (4u + 5u * 5u + 4u)
/** @brief Bytes a stored entry adds to a record (sync, flags, length, CRC32, end mark). */
#define IOTL_DIAG_ENTRY_OVERHEAD 9u
/** @brief Block header bytes before padding to the write alignment. */
#define IOTL_DIAG_BLOCK_HEADER 24u

/**
 * @brief A record_max that always fits one record into a chunk of @p mtu bytes
 *        whose header carries a device id of @p id_len bytes (worst-case header
 *        varints; in practice about 10 bytes more fit).
 */
#define IOTL_DIAG_RECORD_MAX_FOR_MTU(mtu, id_len) ((mtu) - 32u - (id_len))

/**
 * @brief Compression arena for chunks of up to @p chunk_len bytes: the deflate
 *        state (window 2^9, memLevel 1) plus room to gather 4x the chunk raw.
 */
#define IOTL_DIAG_Z_ARENA(chunk_len) (10240u + 64u + 4u * (size_t)(chunk_len))
/**
 * @brief Inflate arena iotl_diag_chunk_decode() needs for compressed chunks.
 */
#define IOTL_DIAG_Z_INFLATE_ARENA (7680u + 256u + 512u + 64u)

/** @brief Record types (one byte on the wire). */
enum iotl_diag_type {
    IOTL_DIAG_LOG = 1,    /**< Log line: level, module, text (or compact id + args). */
    IOTL_DIAG_METRIC = 2, /**< One metric value, or a heartbeat snapshot of all metrics. */
    IOTL_DIAG_EVENT = 3,  /**< Event: reboot, crash, update outcome, health check, alert. */
    IOTL_DIAG_BLOB = 4,   /**< Small application blob; sub-type chosen by the application. */
    IOTL_DIAG_LOSS = 5    /**< Loss accounting: how many records were dropped unacknowledged. */
};

/** @brief Log levels (the sub-type of an #IOTL_DIAG_LOG record). */
enum iotl_diag_level {
    IOTL_DIAG_LVL_ERROR = 0, /**< Error. */
    IOTL_DIAG_LVL_WARN = 1,  /**< Warning. */
    IOTL_DIAG_LVL_INFO = 2,  /**< Information. */
    IOTL_DIAG_LVL_DEBUG = 3  /**< Debug. */
};

/** @brief Sub-type flag of a compact log record: body is a format id and arguments. */
#define IOTL_DIAG_LOG_COMPACT 0x80u

/** @brief Metric kinds (the sub-type of an #IOTL_DIAG_METRIC record). */
enum iotl_diag_metric_kind {
    IOTL_DIAG_COUNTER = 0,  /**< Counts events; reset at each heartbeat. */
    IOTL_DIAG_GAUGE = 1,    /**< Last value set; kept across heartbeats. */
    IOTL_DIAG_TIMER = 2,    /**< Milliseconds accumulated between start and stop; reset at heartbeat. */
    IOTL_DIAG_HEARTBEAT = 3 /**< Record sub-type only: a snapshot of every registered metric. */
};

/** @brief Event kinds (the sub-type of an #IOTL_DIAG_EVENT record). */
enum iotl_diag_event_kind {
    IOTL_DIAG_EV_REBOOT = 1, /**< code = reboot reason (#iotl_diag_reboot_reason). */
    IOTL_DIAG_EV_CRASH = 2,  /**< code = reason, a = PC, b = LR (0 when unknown). Critical. */
    IOTL_DIAG_EV_UPDATE = 3, /**< code = #iotl_diag_update_outcome, a = error code, text = versions. Critical. */
    IOTL_DIAG_EV_HEALTH = 4, /**< code = check index, a = result (0 pass), text = check name. */
    IOTL_DIAG_EV_ALERT = 5   /**< code = alert id, a = value, b = threshold, text = name. Critical. */
};

/** @brief Reboot reasons. Values below #IOTL_DIAG_REBOOT_UNEXPECTED are expected. */
enum iotl_diag_reboot_reason {
    IOTL_DIAG_REBOOT_UNKNOWN = 0,          /**< Cause not known (counted as expected). */
    IOTL_DIAG_REBOOT_USER = 1,             /**< Requested by the user or application. */
    IOTL_DIAG_REBOOT_UPDATE = 2,           /**< To install or try an update. */
    IOTL_DIAG_REBOOT_ROLLBACK = 3,         /**< To roll back a rejected trial image. */
    IOTL_DIAG_REBOOT_POWER_ON = 4,         /**< Cold power-on. */
    IOTL_DIAG_REBOOT_UNEXPECTED = 0x80,    /**< First unexpected reason. */
    IOTL_DIAG_REBOOT_WATCHDOG = 0x80,      /**< Watchdog reset. */
    IOTL_DIAG_REBOOT_BROWNOUT = 0x81,      /**< Supply dropped. */
    IOTL_DIAG_REBOOT_FAULT = 0x82,         /**< CPU fault (hard fault, bus fault ...). */
    IOTL_DIAG_REBOOT_ASSERT = 0x83,        /**< Assertion or panic. */
    IOTL_DIAG_REBOOT_UNKNOWN_RESET = 0x84  /**< A reset the firmware did not ask for. */
};

/** @brief Outcomes of an update (the code of an #IOTL_DIAG_EV_UPDATE event). */
enum iotl_diag_update_outcome {
    IOTL_DIAG_UPDATE_CONFIRMED = 0,   /**< Trial image confirmed. */
    IOTL_DIAG_UPDATE_ROLLED_BACK = 1, /**< Trial image rolled back. */
    IOTL_DIAG_UPDATE_FAILED = 2,      /**< Download, verify or install failed (a = error code). */
    IOTL_DIAG_UPDATE_INSTALLED = 3    /**< Installed; trial boot next. */
};

/** @brief One application metric, registered in the config (caller-owned, mutable). */
struct iotl_diag_metric {
    const char *name;         /**< Short name (<= 32 bytes), static string. */
    uint8_t kind;             /**< #iotl_diag_metric_kind (counter, gauge or timer). */
    int64_t value;            /**< Current value; updated by the iotl_diag_metric_* calls. */
    uint64_t started_ms;      /**< Timer start (uptime ms + 1), 0 when stopped; private use. */
};

/**
 * @brief Configuration. Zero means default. Must stay valid, with everything it
 *        points to, until iotl_diag_deinit().
 */
struct iotl_diag_config {
    /** Persistent area (flash): >= 2 erase blocks. NULL: use @ref ram_buf instead. */
    const struct iotl_storage *storage;
    /** RAM store when @ref storage is NULL: >= 2 * ram_block_size bytes, caller-owned. */
    void *ram_buf;
    /** Bytes of @ref ram_buf (rounded down to whole blocks). */
    size_t ram_buf_len;
    /** RAM block size (power of two, 256..65536); 0 = 1024. */
    uint32_t ram_block_size;
    /** true: ram_buf may hold records from before a warm reboot (a no-init
     *  region): keep every block whose magic and CRC check out. false: erase. */
    bool ram_keep;
    /** Clock for timestamps (uptime_ms); NULL: timestamps are 0. */
    const struct iotl_platform *platform;
    /** Device id copied into every chunk (<= IOTL_DIAG_DEVICE_ID_MAX bytes); NULL = none. */
    const char *device_id;
    /** Boot id stamped on records; 0 = one more than the highest found in the store. */
    uint32_t boot_id;
    /** Deflate arena (>= IOTL_DIAG_Z_ARENA(largest chunk)); NULL = chunks are never compressed. */
    void *z_arena;
    /** Bytes of @ref z_arena. */
    size_t z_arena_len;
    /** Largest encoded record in bytes (30..IOTL_DIAG_RECORD_MAX); longer text is cut. 0 = maximum. */
    uint16_t record_max;
    /** Registered metrics for heartbeats (may be NULL). */
    struct iotl_diag_metric *metrics;
    /** Number of entries in @ref metrics. */
    size_t metric_count;
};

/** @brief Counters for monitoring the store itself. */
struct iotl_diag_stats {
    uint32_t stored;            /**< Records stored and not yet acknowledged. */
    uint32_t next_seq;          /**< Sequence number the next record gets. */
    uint32_t boot_id;           /**< Boot id in use. */
    uint32_t dropped_normal;    /**< Normal records removed unacknowledged since init. */
    uint32_t dropped_critical;  /**< Critical records refused since init (store full). */
    uint32_t pending_loss;      /**< Dropped records not yet written into a loss record. */
    uint32_t compactions;       /**< Blocks reclaimed since init. */
    uint32_t free_bytes;        /**< Bytes free in the store (not counting reclaimable blocks). */
    uint32_t z_arena_peak;      /**< Most bytes of the compression arena used by one chunk so far. */
};

/** @cond IOTL_PRIVATE */
struct iotl_diag_pos {
    uint32_t gen;
    uint32_t off;
};
struct iotl_diag_inflight {
    uint32_t first_seq;
    uint32_t last_seq;
    uint32_t count;
    struct iotl_diag_pos end;
};
/** @endcond */

/** @brief A diagnostics instance. Caller-allocated (may be static); members are private. */
typedef struct iotl_diag {
    /** @cond IOTL_PRIVATE */
    const struct iotl_diag_config *cfg;
    const struct iotl_storage *st;
    struct iotl_storage ram_area;
    uint32_t nblocks, bsize, hdr, align;
    uint32_t head_blk, head_gen, head_off, used;
    uint32_t next_seq, boot_id;
    struct iotl_diag_pos tail;
    struct iotl_diag_pos send;
    struct iotl_diag_inflight inflight[IOTL_DIAG_INFLIGHT_MAX];
    uint32_t n_inflight;
    uint32_t pend_norm, pend_crit;
    uint32_t end_gen, end_off;
    struct iotl_diag_stats stats;
    uint16_t rec_max;
    bool ready;
    uint8_t rbuf[IOTL_DIAG_RECORD_MAX + IOTL_DIAG_ENTRY_OVERHEAD + 16];
    uint8_t wbuf[IOTL_DIAG_RECORD_MAX + IOTL_DIAG_ENTRY_OVERHEAD + 16];
    /** @endcond */
} iotl_diag_t;

/**
 * @brief Mount the store: validate or format it, recover the head, finish an
 *        interrupted compaction, restore the sequence number and acknowledgement point.
 * @param[out] d Instance, caller-owned; valid until iotl_diag_deinit().
 * @param[in] cfg Configuration; must outlive @p d.
 * @retval 0 Success.
 * @retval IOTL_ERR_INVALID_ARG Neither storage nor a RAM buffer, or a bad option.
 * @retval IOTL_ERR_STORAGE_GEOMETRY Fewer than two blocks, or blocks too small.
 * @return Otherwise a storage error (the instance is then unusable).
 * @note Blocks on storage; not from an ISR.
 */
int iotl_diag_init(iotl_diag_t *d, const struct iotl_diag_config *cfg);

/**
 * @brief Forget the instance (the stored records stay). Safe on a zeroed object.
 * @param[in,out] d Instance.
 */
void iotl_diag_deinit(iotl_diag_t *d);

/**
 * @brief Append one pre-built record body (the generic form behind the helpers).
 * @param[in,out] d Instance.
 * @param type #iotl_diag_type (not #IOTL_DIAG_LOSS).
 * @param sub Sub-type (level, metric or event kind, blob type).
 * @param[in] body Body bytes (format per type, docs/diagnostics.md); copied.
 * @param body_len Bytes of @p body; cut to fit record_max for logs, refused otherwise.
 * @retval 0 Stored.
 * @retval IOTL_ERR_FULL Store full: the record was dropped and counted.
 * @retval IOTL_ERR_TOO_LARGE Body does not fit a record (not a log).
 * @retval IOTL_ERR_STATE Not initialised.
 * @return Otherwise a storage error (the record may or may not be stored).
 */
int iotl_diag_append(iotl_diag_t *d, uint8_t type, uint8_t sub, const void *body, size_t body_len);

/**
 * @brief Append a log line.
 * @param[in,out] d Instance. @param level #iotl_diag_level.
 * @param[in] module Module name (<= 32 bytes used), may be NULL.
 * @param[in] text NUL-terminated text; cut to fit record_max.
 * @return As iotl_diag_append().
 */
int iotl_diag_log(iotl_diag_t *d, uint8_t level, const char *module, const char *text);

/**
 * @brief Append a compact log line: a format id the host maps to a string, plus arguments.
 * @param[in,out] d Instance. @param level #iotl_diag_level. @param fmt_id Format id.
 * @param[in] args Arguments (may be NULL when @p nargs is 0). @param nargs At most 8.
 * @return As iotl_diag_append(); IOTL_ERR_INVALID_ARG for more than 8 arguments.
 */
int iotl_diag_log_compact(iotl_diag_t *d, uint8_t level, uint32_t fmt_id, const uint32_t *args,
                          size_t nargs);

/**
 * @brief Append one metric value as its own record.
 * @param[in,out] d Instance. @param kind #iotl_diag_metric_kind. @param[in] name Metric name.
 * @param value Value.
 * @return As iotl_diag_append().
 */
int iotl_diag_metric(iotl_diag_t *d, uint8_t kind, const char *name, int64_t value);

/**
 * @brief Add @p delta to registered counter (or set gauge) number @p idx.
 * @param[in,out] d Instance. @param idx Index into cfg->metrics. @param delta Value to add (counter) or set (gauge).
 * @retval 0 Done. @retval IOTL_ERR_INVALID_ARG Bad index.
 */
int iotl_diag_metric_update(iotl_diag_t *d, size_t idx, int64_t delta);

/**
 * @brief Start (@p run true) or stop registered timer @p idx; stopping adds the elapsed ms.
 * @param[in,out] d Instance. @param idx Index into cfg->metrics. @param run Start or stop.
 * @retval 0 Done. @retval IOTL_ERR_INVALID_ARG Bad index or not a timer.
 */
int iotl_diag_metric_timer(iotl_diag_t *d, size_t idx, bool run);

/**
 * @brief Append a heartbeat: one record with every registered metric, then reset
 *        counters and timers (running timers restart from now).
 * @param[in,out] d Instance.
 * @return As iotl_diag_append().
 */
int iotl_diag_heartbeat(iotl_diag_t *d);

/**
 * @brief Append an event. Update, crash and alert events are critical.
 * @param[in,out] d Instance. @param kind #iotl_diag_event_kind. @param code Kind-specific code.
 * @param a First kind-specific value (PC, error code, value ...). @param b Second value (LR, threshold ...).
 * @param[in] text Optional NUL-terminated text (may be NULL); cut to fit.
 * @return As iotl_diag_append().
 */
int iotl_diag_event(iotl_diag_t *d, uint8_t kind, uint32_t code, int64_t a, int64_t b,
                    const char *text);

/**
 * @brief Produce the next chunk: as many unacknowledged records (in store order)
 *        as fit in @p len bytes, deflate-compressed when that carries more or is smaller.
 *
 * Chunks are produced one after another until iotl_diag_ack() or
 * iotl_diag_rewind(); at most IOTL_DIAG_INFLIGHT_MAX may be unacknowledged.
 * @param[in,out] d Instance.
 * @param[out] buf Chunk destination. @param len Its size (>= #IOTL_DIAG_CHUNK_MIN).
 * @param[out] out_len Bytes of the chunk (0 when nothing to send).
 * @retval 0 A chunk was produced (or none is due: *out_len is 0).
 * @retval IOTL_ERR_DIAG_MTU @p len is below 64 or too small for the header and the next record.
 * @retval IOTL_ERR_WOULD_BLOCK Too many unacknowledged chunks: ack or rewind first.
 * @return Otherwise a storage error.
 */
int iotl_diag_get_chunk(iotl_diag_t *d, void *buf, size_t len, size_t *out_len);

/**
 * @brief Acknowledge a chunk (and every chunk produced before it): its records
 *        are deleted, durably, before this returns.
 * @param[in,out] d Instance.
 * @param first_seq First sequence number in the chunk header. @param last_seq Last one.
 * @retval 0 Acknowledged.
 * @retval IOTL_ERR_DIAG_SEQ No unacknowledged chunk since init or rewind has these numbers.
 * @return Otherwise a storage error (the acknowledgement may be lost; chunks will be re-sent).
 */
int iotl_diag_ack(iotl_diag_t *d, uint32_t first_seq, uint32_t last_seq);

/**
 * @brief Forget unacknowledged chunks: the next chunk starts again at the oldest
 *        unacknowledged record (same sequence numbers).
 * @param[in,out] d Instance.
 */
void iotl_diag_rewind(iotl_diag_t *d);

/**
 * @brief Current statistics.
 * @param[in] d Instance. @param[out] st Filled.
 */
void iotl_diag_get_stats(const iotl_diag_t *d, struct iotl_diag_stats *st);

/** @brief What a chunk header says (output of iotl_diag_chunk_decode()). */
struct iotl_diag_chunk_info {
    uint8_t version;        /**< Format version. */
    uint8_t flags;          /**< Bit 0: payload was deflate-compressed. */
    char device_id[IOTL_DIAG_DEVICE_ID_MAX + 1]; /**< Device id, NUL-terminated ("" if none). */
    uint32_t boot_id;       /**< Boot id of the device when it made the chunk. */
    uint32_t first_seq;     /**< Sequence number of the first record. */
    uint32_t last_seq;      /**< Sequence number of the last record. */
    uint32_t count;         /**< Number of records. */
    size_t payload_len;     /**< Bytes of decoded (raw) payload. */
};

/** @brief One decoded record; pointers refer into the payload buffer. */
struct iotl_diag_record {
    uint8_t type;           /**< #iotl_diag_type. */
    uint8_t sub;            /**< Sub-type. */
    uint32_t seq;           /**< Sequence number. */
    uint32_t boot_id;       /**< Boot id. */
    uint64_t ts_ms;         /**< Milliseconds since that boot. */
    const uint8_t *body;    /**< Body bytes (valid while the payload buffer is). */
    size_t body_len;        /**< Bytes of body. */
};

/**
 * @brief Verify and decode a chunk: header, CRC, then inflate the payload if needed.
 * Bounded, no heap; safe on hostile input.
 * @param[in] chunk Chunk bytes. @param len Their count.
 * @param[out] info Header fields.
 * @param[out] payload Destination of the raw records. @param payload_cap Its size.
 * @param[in] arena Inflate arena (>= #IOTL_DIAG_Z_INFLATE_ARENA), needed for compressed chunks; may be NULL.
 * @param arena_len Bytes of @p arena.
 * @retval 0 Decoded; info->payload_len bytes of records in @p payload.
 * @retval IOTL_ERR_DIAG_CHUNK Truncated or malformed header, or payload inconsistent with the header.
 * @retval IOTL_ERR_DIAG_CRC CRC mismatch.
 * @retval IOTL_ERR_DIAG_VERSION Unknown version or flags.
 * @retval IOTL_ERR_DIAG_SEQ Sequence numbers of records disagree with the header.
 * @retval IOTL_ERR_NO_MEM @p payload_cap or the arena too small.
 * @retval IOTL_ERR_UNSUPPORTED Compressed chunk in a build without zlib.
 */
int iotl_diag_chunk_decode(const void *chunk, size_t len, struct iotl_diag_chunk_info *info,
                           uint8_t *payload, size_t payload_cap, void *arena, size_t arena_len);

/**
 * @brief Parse the record at @p *off of a decoded payload and advance @p *off.
 * @param[in] payload Raw records. @param len Their length. @param[in,out] off Cursor (start at 0).
 * @param[out] rec Record view.
 * @retval 1 A record was parsed. @retval 0 End of payload.
 * @retval IOTL_ERR_DIAG_CHUNK Malformed record.
 */
int iotl_diag_record_next(const uint8_t *payload, size_t len, size_t *off,
                          struct iotl_diag_record *rec);

/**
 * @brief Read one LEB128 varint from a record body (helper for body formats).
 * @param[in] p Bytes. @param len Their count. @param[in,out] off Cursor, advanced.
 * @param[out] v Value.
 * @retval 0 Read. @retval IOTL_ERR_DIAG_CHUNK Truncated or longer than 10 bytes.
 */
int iotl_diag_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
