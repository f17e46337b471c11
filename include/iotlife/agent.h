/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file agent.h
 * @brief Optional update agent: poll, verify, consent, download, install,
 *        reboot, confirm or roll back, report, over the transport port.
 *
 * The core stays sans-I/O; the agent is a convenience on top of it for
 * devices whose updates come from an iotlife repository over a transport
 * (docs/repository.md). It is a non-blocking state machine driven by
 * iotl_agent_step(): each call does a bounded amount of work and says how
 * long the caller may sleep before the next one, so it fits a super-loop, an
 * RTOS task or an event loop alike. Nothing is allocated; all memory is the
 * caller's (the object and one work buffer).
 *
 * Verification and staging are reached through a backend ops table
 * (struct iotl_agent_backend_ops): the library's trust and stage modules
 * implement it for production; tests and unusual products provide their own.
 * The application is reached through struct iotl_agent_app_ops: consent,
 * progress, reboot request and the health check of a trial boot.
 *
 * Flow:
 * @verbatim
 *  IDLE --due--> CHECK (GET deployment, If-None-Match) --304--> IDLE
 *    CHECK --unknown key--> KEYRING (GET key ring) --> CHECK (once)
 *    CHECK --> MANIFEST (GET manifest) --> CONSENT --install--> DOWNLOAD
 *    CONSENT --defer--> DEFERRED --time--> CONSENT;  --decline--> IDLE
 *    DOWNLOAD (ranged GET, resumes) --> WINDOW (maintenance window) --> INSTALL
 *    INSTALL --> REBOOT (app reboots when it wants)
 *  after the reboot:  TRIAL (health check) --ok--> confirm --> REPORT --> IDLE
 *                     TRIAL --unhealthy--> reject --> REBOOT (into the old image)
 *                     next boot: REPORT (rolled back) --> IDLE
 *  any transport or verification failure --> BACKOFF --> the failed phase
 * @endverbatim
 */
#ifndef IOTLIFE_AGENT_H
#define IOTLIFE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"
#include "iotlife/port/platform.h"
#include "iotlife/port/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_agent Update agent
 *  @brief Optional driver of the whole update life cycle over a transport.
 *  @{ */

/** @brief Smallest work buffer: one document or download chunk plus the status report. */
#define IOTL_AGENT_WORKBUF_MIN 1024u

/** @brief Phases of the agent (iotl_agent_step() returns the current one). */
enum iotl_agent_phase {
    IOTL_AGENT_IDLE = 0,     /**< Nothing to do until the next poll. */
    IOTL_AGENT_CHECK = 1,    /**< Fetching and verifying the deployment. */
    IOTL_AGENT_KEYRING = 2,  /**< Fetching a newer key ring. */
    IOTL_AGENT_MANIFEST = 3, /**< Fetching and verifying the manifest. */
    IOTL_AGENT_CONSENT = 4,  /**< Asking the application. */
    IOTL_AGENT_DEFERRED = 5, /**< The application deferred the update. */
    IOTL_AGENT_DOWNLOAD = 6, /**< Downloading the payload (resumable). */
    IOTL_AGENT_WINDOW = 7,   /**< Downloaded; waiting for the maintenance window. */
    IOTL_AGENT_INSTALL = 8,  /**< Verifying and activating the staged image. */
    IOTL_AGENT_REBOOT = 9,   /**< A reboot was requested; waiting for it. */
    IOTL_AGENT_TRIAL = 10,   /**< Trial boot: running the health check. */
    IOTL_AGENT_REPORT = 11,  /**< Uploading the outcome. */
    IOTL_AGENT_BACKOFF = 12  /**< Waiting before retrying a failed phase. */
};

/** @brief How urgent a release is (from the deployment). */
enum iotl_agent_urgency {
    IOTL_AGENT_URGENCY_NORMAL = 0,  /**< Install when the application likes. */
    IOTL_AGENT_URGENCY_HIGH = 1,    /**< Install soon. */
    IOTL_AGENT_URGENCY_CRITICAL = 2 /**< Security fix: deferral capped, window ignored. */
};

/** @brief What the backend found worth installing. Filled by the manifest op. */
struct iotl_agent_offer {
    uint8_t id[32];                       /**< Release identity (manifest SHA-256). */
    char version[IOTL_AGENT_VERSION_MAX]; /**< Release version, NUL-terminated. */
    char payload_url[IOTL_AGENT_URL_MAX]; /**< Payload URL, relative to the manifest URL or absolute. */
    uint64_t payload_size;                /**< Exact payload size in bytes (> 0). */
    uint8_t urgency;                      /**< #iotl_agent_urgency. */
    bool delta;                           /**< true: the payload is a delta patch. */
};

/** @brief The application's answer to an offer. */
enum iotl_agent_decision {
    IOTL_AGENT_INSTALL_NOW = 0, /**< Download and install now. */
    IOTL_AGENT_DEFER = 1,       /**< Ask again after iotl_agent_consent::defer_s. */
    IOTL_AGENT_DECLINE = 2      /**< Do not install this release (asked again only for another one). */
};

/** @brief Consent answer filled by the application's consent callback. */
struct iotl_agent_consent {
    uint8_t decision; /**< #iotl_agent_decision. */
    uint32_t defer_s; /**< For #IOTL_AGENT_DEFER: seconds to wait (0: one poll interval). */
};

/** @brief How an update ended, as the backend recorded it (power-safe). */
enum iotl_agent_result {
    IOTL_AGENT_RESULT_CONFIRMED = 1,   /**< The new release runs and was confirmed. */
    IOTL_AGENT_RESULT_ROLLED_BACK = 2, /**< The new release failed its trial; the old one runs. */
    IOTL_AGENT_RESULT_FAILED = 3       /**< The update failed before activation; nothing changed. */
};

/** @brief An outcome to report, from the backend's outcome op. */
struct iotl_agent_outcome {
    uint32_t seq;                         /**< Increments per outcome; acknowledged once reported. */
    uint8_t result;                       /**< #iotl_agent_result. */
    int32_t code;                         /**< Error or application code, 0 if none. */
    char version[IOTL_AGENT_VERSION_MAX]; /**< Release concerned, NUL-terminated. */
};

/**
 * @brief Verification and staging backend. All ops run in iotl_agent_step()'s
 * context, must be bounded in time, and return 0 or a negative code (the
 * agent logs it, backs off and retries). Documents are in the agent's work
 * buffer and only valid during the call.
 */
struct iotl_agent_backend_ops {
    /** Optional. Verify and adopt a fetched key ring (root signatures, version floor). */
    int (*keyring)(void *ctx, const uint8_t *doc, size_t len);
    /** Verify the deployment and decide whether it concerns this device. On 0,
     *  write the manifest reference (relative or absolute URL) into
     *  @p manifest_url. Return #IOTL_ERR_NO_UPDATE when it selects nothing new
     *  (the agent goes idle), #IOTL_ERR_UNKNOWN_KEY to have the key ring
     *  refreshed, any other error to back off. */
    int (*deployment)(void *ctx, const uint8_t *doc, size_t len, char *manifest_url, size_t cap);
    /** Verify the manifest against the deployment just accepted (hash,
     *  signature, compatibility, anti-rollback, space) and pick the payload. */
    int (*manifest)(void *ctx, const uint8_t *doc, size_t len, struct iotl_agent_offer *offer);
    /** Begin staging @p offer, or find it already partly staged (after a
     *  power cut): set @p resume to the number of payload bytes already
     *  staged and verified-in-order (0 for a fresh start). Return
     *  #IOTL_ERR_NO_UPDATE to refuse the release for good (the agent goes idle
     *  until the deployment changes), any other error to back off. */
    int (*begin)(void *ctx, const struct iotl_agent_offer *offer, uint64_t *resume);
    /** Stage payload bytes at @p off (always == bytes staged so far). */
    int (*write)(void *ctx, uint64_t off, const void *data, size_t len);
    /** Verify the complete payload and activate it for a trial boot. May
     *  return #IOTL_ERR_WOULD_BLOCK to be called again (bounded steps). */
    int (*install)(void *ctx);
    /** Is the running image a trial boot awaiting confirm or reject? */
    int (*trial_pending)(void *ctx, bool *pending);
    /** Make the running trial image permanent. */
    int (*confirm)(void *ctx);
    /** Abandon the running trial image: the next boot runs the previous one. */
    int (*reject)(void *ctx, int32_t code);
    /** Optional. Latest unacknowledged outcome; #IOTL_ERR_NOT_FOUND when none. */
    int (*outcome)(void *ctx, struct iotl_agent_outcome *out);
    /** Optional (with outcome). The outcome @p seq was reported: do not report it again. */
    int (*outcome_ack)(void *ctx, uint32_t seq);
    /** Optional. Idle-time work for the next update: erase up to @p max_bytes
     *  more of the inactive slot (e.g. iotl_stage_prepare()); set @p done when
     *  nothing is left. Called only while idle and only when
     *  iotl_agent_config::prepare_step_bytes is set. */
    int (*prepare)(void *ctx, uint32_t max_bytes, bool *done);
};

/** @brief Application callbacks. Every member is optional unless stated. */
struct iotl_agent_app_ops {
    /** Ask whether to install @p offer. NULL: install now. Must not block. */
    void (*consent)(void *ctx, const struct iotl_agent_offer *offer, struct iotl_agent_consent *answer);
    /** Progress: phase entered or bytes moved (@p done of @p total; total 0 when unknown). */
    void (*progress)(void *ctx, enum iotl_agent_phase phase, uint64_t done, uint64_t total);
    /** Required. The update is activated (or rejected): reboot when convenient.
     *  The agent stays in #IOTL_AGENT_REBOOT until the device restarts. */
    void (*reboot)(void *ctx);
    /** Trial boot health: 0 healthy (confirm), #IOTL_ERR_WOULD_BLOCK still
     *  observing (asked again ~1 s later), negative: unhealthy (reject with
     *  that code). NULL: confirm at once. */
    int (*health)(void *ctx);
    /** The deployment document with entity tag @p etag is handled (installed,
     *  refused, declined or nothing new in it); called when the tag changes.
     *  Persist it and give it back as iotl_agent_config::etag after a reset,
     *  so that an unchanged deployment costs one conditional GET answered 304.
     *  @p etag is valid during the call only. */
    void (*etag)(void *ctx, const char *etag);
};

/** @brief Agent configuration. Zero means default; pointers must outlive the agent. */
struct iotl_agent_config {
    const struct iotl_transport *transport;     /**< Required. */
    const struct iotl_platform *platform;       /**< Required: uptime; wall time for windows, random for jitter. */
    const struct iotl_agent_backend_ops *backend; /**< Required. */
    void *backend_ctx;                          /**< Passed to every backend op. */
    const struct iotl_agent_app_ops *app;       /**< Required (reboot at least). */
    void *app_ctx;                              /**< Passed to every app callback. */
    const char *deployment_url; /**< Required: absolute URL of the channel's deployment. */
    const char *keyring_url;    /**< Key ring URL, may be relative to the deployment URL; NULL: "../keys/keyring.jws". */
    const char *report_url;     /**< Where to PUT the status document; NULL: no upload. */
    const char *device_id;      /**< Device identity for reports; NULL: "unknown". */
    uint8_t *work_buf;          /**< Required: documents, download chunks, reports. */
    size_t work_buf_len;        /**< >= #IOTL_AGENT_WORKBUF_MIN; bounds the largest document. */
    uint32_t poll_interval_s;   /**< Seconds between checks; 0: 3600. Jittered by +-10 %. */
    uint32_t backoff_min_ms;    /**< First retry delay; 0: 5000. Doubles per failure. */
    uint32_t backoff_max_ms;    /**< Retry delay cap; 0: 3600000. */
    uint32_t critical_defer_max_s; /**< Longest deferral of a critical release; 0: 3600. */
    uint16_t window_start_min;  /**< Maintenance window start, minutes after local midnight. */
    uint16_t window_end_min;    /**< Window end (exclusive); equal to start: no window. May wrap midnight. */
    int16_t utc_offset_min;     /**< Local time offset from UTC for the window, minutes. */
    uint32_t chunk_size;        /**< Bytes per download read; 0: the whole work buffer. */
    uint32_t prepare_step_bytes; /**< Bytes of inactive slot the backend's prepare op erases per
                                      step while idle (between checks), until done; 0: never. */
    const char *etag;           /**< Entity tag of the deployment already handled, as the app's
                                     etag callback saved it before a reset; NULL or "": none.
                                     Copied at init; at most #IOTL_TRANSPORT_ETAG_MAX chars. */
};

/** @brief Agent object. Caller-allocated (e.g. static); fields are private. */
typedef struct iotl_agent {
    const struct iotl_agent_config *cfg; /**< @private */
    uint8_t phase;                       /**< @private */
    uint8_t retry_phase;                 /**< @private Phase to resume after backoff. */
    bool busy;                           /**< @private A GET is open. */
    bool have_resp;                      /**< @private Headers received. */
    bool keyring_tried;                  /**< @private Key ring refreshed for this check. */
    bool have_declined;                  /**< @private declined_id is valid. */
    bool check_now;                      /**< @private Poll requested. */
    bool begun;                          /**< @private Backend begin() done for the offer. */
    bool not_modified;                   /**< @private The last check was answered 304. */
    bool prepared;                       /**< @private Idle-time prepare done (or failed) since idle began. */
    uint32_t failures;                   /**< @private Consecutive failures. */
    uint32_t report_tries;               /**< @private */
    int last_error;                      /**< @private */
    uint64_t due_ms;                     /**< @private Uptime when the current wait ends. */
    uint64_t pos;                        /**< @private Payload bytes staged / doc bytes read. */
    uint64_t skip;                       /**< @private Bytes to discard (server ignored Range). */
    uint32_t rng;                        /**< @private Jitter generator state. */
    struct iotl_transport_response resp; /**< @private */
    struct iotl_agent_offer offer;       /**< @private */
    uint8_t declined_id[32];             /**< @private */
    char etag[IOTL_TRANSPORT_ETAG_MAX + 1];      /**< @private ETag of the handled deployment. */
    char pending_etag[IOTL_TRANSPORT_ETAG_MAX + 1]; /**< @private ETag of the one in progress. */
    char manifest_url[IOTL_AGENT_URL_MAX];  /**< @private */
    char url[IOTL_AGENT_URL_MAX];           /**< @private URL of the current GET. */
} iotl_agent_t;

/**
 * @brief Validate @p cfg and start the agent.
 *
 * Asks the backend whether a trial boot is pending (then the first step runs
 * the health check) or an outcome awaits reporting; otherwise the first check
 * is due at once.
 * @param[out] a Agent, caller-owned; valid until iotl_agent_deinit().
 * @param[in] cfg Configuration, kept by pointer; must outlive @p a.
 * @retval 0 Success.
 * @retval IOTL_ERR_INVALID_ARG A required member is missing, the work buffer
 *         is too small, the deployment URL is not absolute or the restored
 *         ETag is longer than #IOTL_TRANSPORT_ETAG_MAX.
 * @retval other The backend's trial_pending error.
 * @note Not ISR-safe; one thread drives an agent.
 */
int iotl_agent_init(iotl_agent_t *a, const struct iotl_agent_config *cfg);

/**
 * @brief Do a bounded amount of work.
 *
 * Never blocks on the network: transport calls that have nothing ready
 * return at once. The status upload (transport put) is the one blocking
 * call, bounded by the transport's timeout.
 * @param[in,out] a Agent.
 * @param[out] wait_ms How long the caller may wait before the next call
 *             (0: call again now). While a download is in flight this is
 *             short; pass it to the transport's wait op to sleep until data.
 * @return The current phase (#iotl_agent_phase, >= 0), or #IOTL_ERR_STATE
 *         when @p a is not initialised. Failures do not surface here: they
 *         move the agent to #IOTL_AGENT_BACKOFF; see iotl_agent_last_error().
 */
int iotl_agent_step(iotl_agent_t *a, uint32_t *wait_ms);

/**
 * @brief Make the next step check for updates now (from idle, backoff or deferral).
 * @param[in,out] a Agent.
 */
void iotl_agent_check_now(iotl_agent_t *a);

/**
 * @brief The last failure the agent backed off from (0 if none since the last success).
 * @param[in] a Agent.
 * @return 0 or a negative #iotl_err code.
 */
int iotl_agent_last_error(const iotl_agent_t *a);

/**
 * @brief Entity tag of the last deployment document the agent handled.
 * @param[in] a Agent.
 * @return NUL-terminated tag, "" when none; valid until the next step.
 */
const char *iotl_agent_etag(const iotl_agent_t *a);

/**
 * @brief Whether the last check was answered 304 Not Modified (the deployment
 *        is the one already handled, so nothing was downloaded).
 * @param[in] a Agent.
 * @return true after such a check, until the next check gets a document.
 */
bool iotl_agent_not_modified(const iotl_agent_t *a);

/**
 * @brief Retry delay for the @p failures-th consecutive failure, with jitter.
 *
 * The delay doubles from @p min_ms up to @p max_ms; the result is uniformly
 * spread over [delay/2, delay] using @p rnd, so a fleet does not retry in
 * lockstep after an outage.
 * @param min_ms First delay (> 0).
 * @param max_ms Cap (>= min_ms).
 * @param failures Consecutive failures so far (1 for the first).
 * @param rnd Any random 32-bit value.
 * @return Delay in milliseconds, in [min(min_ms, cap)/2, cap].
 * @note Pure function.
 */
uint32_t iotl_agent_backoff_ms(uint32_t min_ms, uint32_t max_ms, uint32_t failures, uint32_t rnd);

/**
 * @brief Seconds until the maintenance window opens (0 when inside it).
 * @param now_unix_s Current wall time, seconds since 1970 UTC.
 * @param start_min Window start, minutes after local midnight (0..1439).
 * @param end_min Window end (exclusive, 0..1439); equal to start: always open. May wrap midnight.
 * @param utc_offset_min Local offset from UTC in minutes (-1439..1439).
 * @return Seconds to wait, 0 when the window is open.
 * @note Pure function.
 */
uint32_t iotl_agent_window_wait_s(int64_t now_unix_s, uint16_t start_min, uint16_t end_min,
                                  int16_t utc_offset_min);

/**
 * @brief Stop the agent and close any open request. Safe on a zeroed object.
 * @param[in,out] a Agent.
 */
void iotl_agent_deinit(iotl_agent_t *a);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
