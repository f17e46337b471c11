/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file health.h
 * @brief Health checks that gate the confirm of a trial boot, metric thresholds
 *        that raise alerts, and boot-loop detection.
 *
 * The application registers checks (callbacks) and a policy. iotl_health_evaluate()
 * runs the checks and returns a decision: confirm, reject or wait. The staging
 * module does the actual confirm or rollback: pass it the decision (or use the
 * optional callback). Boot-loop detection counts unexpected reboots within a
 * window; the history is persisted (A/B slots on a small storage area) so it
 * survives the very resets it counts. Results, alerts and reboots are recorded
 * as diagnostics events when a diag instance is given.
 *
 * Threading: not thread-safe, not for ISRs; check callbacks run in the caller's
 * context, from iotl_health_evaluate().
 */
#ifndef IOTLIFE_HEALTH_H
#define IOTLIFE_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/diag.h"
#include "iotlife/error.h"
#include "iotlife/port/platform.h"
#include "iotlife/port/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_health Health
 *  @brief Health checks, alert thresholds, boot-loop detection.
 *  @{ */

/** @brief What the policy concludes. */
enum iotl_health_decision {
    IOTL_HEALTH_WAIT = 0,    /**< Not decided yet: evaluate again later. */
    IOTL_HEALTH_CONFIRM = 1, /**< Healthy: confirm the trial image (or: all is well). */
    IOTL_HEALTH_REJECT = 2   /**< Unhealthy: roll the trial image back. */
};

/**
 * @brief A health check callback.
 * @param arg The check's @ref iotl_health_check::arg.
 * @return 0 pass; IOTL_ERR_WOULD_BLOCK not known yet; any other negative value fails.
 */
typedef int (*iotl_health_check_fn)(void *arg);

/** @brief One application health check. */
struct iotl_health_check {
    const char *name;        /**< Name recorded with its result (static string). */
    iotl_health_check_fn fn; /**< Callback; must not be NULL. */
    void *arg;               /**< Passed to @ref fn. */
};

/** @brief A metric threshold: a value outside [min, max] raises an alert event. */
struct iotl_health_threshold {
    const char *name;  /**< Metric name recorded with the alert (static string). */
    uint32_t alert_id; /**< Alert id recorded as the event code. */
    int64_t min;       /**< Lowest acceptable value. */
    int64_t max;       /**< Highest acceptable value. */
};

/** @brief The confirm policy and boot-loop parameters. Zero means default. */
struct iotl_health_policy {
    /** Trial: reject when the checks have not all passed this many ms after boot. 0 = no limit. */
    uint32_t confirm_within_ms;
    /** Trial: reject when this many trial boots went by without a confirm. 0 = no limit. */
    uint32_t max_trial_boots;
    /** Consecutive all-pass evaluations needed to confirm. 0 = 1. */
    uint32_t passes_needed;
    /** Boot loop: this many unexpected reboots ... 0 = detection off (2..IOTL_HEALTH_BOOTLOOP_MAX). */
    uint32_t bootloop_count;
    /** ... within this many seconds (needs a wall clock); 0 or no clock: within the last
     *  IOTL_HEALTH_BOOTLOOP_MAX boots. */
    uint32_t bootloop_window_s;
};

/** @brief Configuration. Must stay valid, with what it points to, until the instance is dropped. */
struct iotl_health_config {
    const struct iotl_health_check *checks;         /**< Checks (may be NULL when n_checks is 0). */
    size_t n_checks;                                /**< At most IOTL_HEALTH_CHECKS_MAX. */
    const struct iotl_health_threshold *thresholds; /**< Alert thresholds (may be NULL). */
    size_t n_thresholds;                            /**< At most 32. */
    struct iotl_health_policy policy;               /**< Policy. */
    /** Persisted boot history: >= 2 erase blocks, used only by health. NULL: RAM only. */
    const struct iotl_storage *storage;
    const struct iotl_platform *platform;           /**< uptime_ms (required for the time limit), wall_time (optional). */
    iotl_diag_t *diag;                              /**< Records reboots, check results, alerts (may be NULL). */
    /** Optional: called once when the decision becomes confirm or reject. */
    void (*on_decision)(void *arg, enum iotl_health_decision decision);
    void *on_decision_arg;                          /**< Passed to @ref on_decision. */
};

/** @cond IOTL_PRIVATE */
struct iotl_health_boot {
    uint8_t unexpected;
    int64_t time_s;
};
/** @endcond */

/** @brief A health instance. Caller-allocated; members are private. */
typedef struct iotl_health {
    /** @cond IOTL_PRIVATE */
    const struct iotl_health_config *cfg;
    struct iotl_health_boot hist[IOTL_HEALTH_BOOTLOOP_MAX];
    uint32_t n_hist, seq, trial_boots, passes, alerting;
    uint8_t reported[IOTL_HEALTH_CHECKS_MAX];
    bool trial, bootloop, decided, booted;
    /** @endcond */
} iotl_health_t;

/**
 * @brief Set up the instance and load the persisted boot history.
 * @param[out] h Instance. @param[in] cfg Configuration; must outlive @p h.
 * @retval 0 Success (a missing or corrupt history starts empty).
 * @retval IOTL_ERR_INVALID_ARG Too many checks or thresholds, a NULL callback, a bad policy.
 * @retval IOTL_ERR_STORAGE_GEOMETRY History area has fewer than two erase blocks.
 * @return Otherwise a storage error.
 */
int iotl_health_init(iotl_health_t *h, const struct iotl_health_config *cfg);

/**
 * @brief Record this boot: its reboot reason, whether the image is on trial; persist
 *        the history and detect a boot loop (which raises an alert event).
 * Call once per boot, early.
 * @param[in,out] h Instance. @param reason #iotl_diag_reboot_reason of the previous reset.
 * @param trial true when the running image is a trial image awaiting confirm.
 * @retval 0 Recorded. @retval IOTL_ERR_STATE Called twice.
 * @return Otherwise a storage error (detection still ran on the RAM copy).
 */
int iotl_health_boot(iotl_health_t *h, uint32_t reason, bool trial);

/**
 * @brief Run every check and apply the policy.
 * @param[in,out] h Instance. @param[out] decision The decision (#IOTL_HEALTH_WAIT until decided).
 * @retval 0 Evaluated. @retval IOTL_ERR_STATE iotl_health_boot() was not called.
 */
int iotl_health_evaluate(iotl_health_t *h, enum iotl_health_decision *decision);

/**
 * @brief Report a metric value against threshold @p idx; the first value outside
 *        its range raises an alert event (again only after it came back in range).
 * @param[in,out] h Instance. @param idx Threshold index. @param value Value.
 * @retval 1 An alert was raised. @retval 0 No new alert.
 * @retval IOTL_ERR_INVALID_ARG Bad index.
 */
int iotl_health_observe(iotl_health_t *h, size_t idx, int64_t value);

/**
 * @brief Whether the last iotl_health_boot() detected a boot loop.
 * @param[in] h Instance.
 * @return true when a boot loop was detected.
 */
bool iotl_health_bootloop(const iotl_health_t *h);

/**
 * @brief Forget the boot history (e.g. after a confirmed update), durably.
 * @param[in,out] h Instance.
 * @return 0 or a storage error.
 */
int iotl_health_clear(iotl_health_t *h);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
