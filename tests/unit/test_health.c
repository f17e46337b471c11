/* SPDX-License-Identifier: Apache-2.0 */
/* Health: the confirm policy (pass, wait, time limit, trial-boot limit),
 * boot-loop detection persisted across reboots, metric alert thresholds. */
#include <check.h>
#include "unit/iotl_test.h"

#include <string.h>

#include "diag_harness.h"
#include "iotlife/health.h"
#include "iotlife/port/ram.h"

static uint8_t hist_mem[2 * 4096];
static iotl_ram_flash_t hist_rf;
static struct iotl_storage hist;
static uint8_t diag_ram[8192];
static iotl_diag_t dg;
static struct iotl_diag_config dcfg = {.ram_buf = diag_ram, .ram_buf_len = sizeof(diag_ram)};
static iotl_health_t h;
static struct seen seen[256];

static uint64_t now_ms;
static int64_t now_s;
static uint64_t up(void *ctx)
{
    (void)ctx;
    return now_ms;
}
static int wall(void *ctx, int64_t *t)
{
    (void)ctx;
    if (now_s == 0) {
        return IOTL_ERR_UNSUPPORTED;
    }
    *t = now_s;
    return 0;
}
static const struct iotl_platform_ops pops = {up, wall, NULL, NULL, NULL};
static const struct iotl_platform plat = {&pops, NULL};

static int check_results[3];
static int run_check(void *arg)
{
    return check_results[(int)(intptr_t)arg];
}
static const struct iotl_health_check checks[3] = {
    {"cloud", run_check, (void *)0}, {"sensor", run_check, (void *)1}, {"app", run_check, (void *)2}};

static int decisions[3];
static void on_decision(void *arg, enum iotl_health_decision dec)
{
    (void)arg;
    decisions[dec]++;
}

static struct iotl_health_config base_cfg(void)
{
    struct iotl_health_config c = {.checks = checks, .n_checks = 3, .platform = &plat, .diag = &dg,
                                   .storage = &hist, .on_decision = on_decision};
    return c;
}

static void setup(void)
{
    struct iotl_storage_geometry g = {sizeof(hist_mem), 4096, 8, 0xFF};
    ck_assert_int_eq(iotl_ram_flash_init(&hist_rf, &hist, hist_mem, &g, true), 0);
    ck_assert_int_eq(iotl_diag_init(&dg, &dcfg), 0);
    memset(check_results, 0, sizeof(check_results));
    memset(decisions, 0, sizeof(decisions));
    now_ms = 0;
    now_s = 0;
}

static size_t drain_events(void)
{
    size_t n = 0;
    ck_assert_int_ge(h_drain(&dg, 1024, seen, 256, &n, NULL), 0);
    return n;
}

START_TEST(confirm_when_all_pass)
{
    struct iotl_health_config c = base_cfg();
    c.policy.passes_needed = 2;
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    enum iotl_health_decision dec;
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), IOTL_ERR_STATE);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_UPDATE, true), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_UPDATE, true), IOTL_ERR_STATE);
    check_results[1] = IOTL_ERR_WOULD_BLOCK; /* sensor not ready yet */
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_WAIT);
    check_results[1] = 0;
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_WAIT); /* one pass; two needed */
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_CONFIRM);
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(decisions[IOTL_HEALTH_CONFIRM], 1); /* the callback fires once */
    size_t n = drain_events();
    /* reboot, three check results (each once), the decision */
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(seen[0].sub, IOTL_DIAG_EV_REBOOT);
    ck_assert_uint_eq(seen[0].code, IOTL_DIAG_REBOOT_UPDATE);
    ck_assert_str_eq(seen[1].text, "cloud");
    ck_assert_str_eq(seen[2].text, "app"); /* sensor reported only once it was known */
    ck_assert_str_eq(seen[3].text, "sensor");
    ck_assert_str_eq(seen[4].text, "confirm");
}
END_TEST

START_TEST(reject_after_time_limit)
{
    struct iotl_health_config c = base_cfg();
    c.policy.confirm_within_ms = 60000;
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_UPDATE, true), 0);
    check_results[2] = IOTL_ERR_TIMEOUT;
    enum iotl_health_decision dec;
    now_ms = 59000;
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_WAIT); /* failing, but there is time left */
    now_ms = 60001;
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_REJECT);
    ck_assert_int_eq(decisions[IOTL_HEALTH_REJECT], 1);
    size_t n = drain_events();
    ck_assert_str_eq(seen[3].text, "app");
    ck_assert_uint_eq(seen[3].v0, 2u * 11u - 1u); /* zigzag(IOTL_ERR_TIMEOUT = -11) */
    ck_assert_str_eq(seen[n - 1].text, "reject");
}
END_TEST

START_TEST(not_on_trial_never_rejects)
{
    struct iotl_health_config c = base_cfg();
    c.policy.confirm_within_ms = 10;
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_POWER_ON, false), 0);
    check_results[0] = -1;
    now_ms = 100000;
    enum iotl_health_decision dec;
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_WAIT);
}
END_TEST

START_TEST(reject_after_trial_boots)
{
    struct iotl_health_config c = base_cfg();
    c.policy.max_trial_boots = 2;
    check_results[0] = IOTL_ERR_WOULD_BLOCK;
    enum iotl_health_decision dec;
    for (int boot = 1; boot <= 3; boot++) {
        ck_assert_int_eq(iotl_health_init(&h, &c), 0); /* reboot: history from flash */
        ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_UPDATE, true), 0);
        ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
        ck_assert_int_eq(dec, boot <= 2 ? IOTL_HEALTH_WAIT : IOTL_HEALTH_REJECT);
    }
    /* Back on the old image: the trial count resets. */
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_ROLLBACK, false), 0);
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_UPDATE, true), 0);
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_WAIT);
}
END_TEST

START_TEST(bootloop_detected_and_persisted)
{
    struct iotl_health_config c = base_cfg();
    c.policy.bootloop_count = 3;
    c.policy.bootloop_window_s = 600;
    uint32_t reasons[] = {IOTL_DIAG_REBOOT_WATCHDOG, IOTL_DIAG_REBOOT_USER, IOTL_DIAG_REBOOT_FAULT,
                          IOTL_DIAG_REBOOT_ASSERT};
    now_s = 1700000000;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(iotl_health_init(&h, &c), 0);
        ck_assert_int_eq(iotl_health_boot(&h, reasons[i], true), 0);
        /* the expected (user) reboot does not count: loop on the fourth boot */
        ck_assert(iotl_health_bootloop(&h) == (i == 3));
        now_s += 60;
    }
    enum iotl_health_decision dec;
    ck_assert_int_eq(iotl_health_evaluate(&h, &dec), 0);
    ck_assert_int_eq(dec, IOTL_HEALTH_REJECT); /* on a trial image: reject */
    size_t n = drain_events();
    int alerts = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen[i].sub == IOTL_DIAG_EV_ALERT) {
            alerts++;
            ck_assert_str_eq(seen[i].text, "bootloop");
            ck_assert_uint_eq(seen[i].v0, 6); /* zigzag(3) */
        }
    }
    ck_assert_int_eq(alerts, 1);
    /* Much later: the old unexpected reboots fall out of the window. */
    now_s += 3600;
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_WATCHDOG, false), 0);
    ck_assert(!iotl_health_bootloop(&h));
    /* Without a wall clock the window is the remembered boots. */
    now_s = 0;
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_WATCHDOG, false), 0);
    ck_assert(iotl_health_bootloop(&h));
    ck_assert_int_eq(iotl_health_clear(&h), 0);
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_WATCHDOG, false), 0);
    ck_assert(!iotl_health_bootloop(&h));
    /* Both slots corrupt: the history starts again, empty. */
    hist_mem[20] ^= 1;
    hist_mem[4096 + 20] ^= 1;
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, IOTL_DIAG_REBOOT_WATCHDOG, false), 0);
    ck_assert(!iotl_health_bootloop(&h));
}
END_TEST

START_TEST(threshold_alerts)
{
    static const struct iotl_health_threshold th[2] = {{"temp_c", 7, -20, 85}, {"heap_free", 8, 2048, INT64_MAX}};
    struct iotl_health_config c = base_cfg();
    c.thresholds = th;
    c.n_thresholds = 2;
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_observe(&h, 0, 40), 0);
    ck_assert_int_eq(iotl_health_observe(&h, 0, 90), 1);
    ck_assert_int_eq(iotl_health_observe(&h, 0, 95), 0); /* already alerting */
    ck_assert_int_eq(iotl_health_observe(&h, 0, 80), 0);
    ck_assert_int_eq(iotl_health_observe(&h, 0, -30), 1);
    ck_assert_int_eq(iotl_health_observe(&h, 1, 1000), 1);
    ck_assert_int_eq(iotl_health_observe(&h, 2, 1000), IOTL_ERR_INVALID_ARG);
    size_t n = drain_events();
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(seen[0].sub, IOTL_DIAG_EV_ALERT);
    ck_assert_uint_eq(seen[0].code, 7);
    ck_assert_uint_eq(seen[0].v0, 180);
    ck_assert_uint_eq(seen[0].v1, 170);
    ck_assert_str_eq(seen[0].text, "temp_c");
    ck_assert_uint_eq(seen[2].code, 8);
}
END_TEST

START_TEST(config_errors)
{
    struct iotl_health_config c = base_cfg();
    c.n_checks = IOTL_HEALTH_CHECKS_MAX + 1;
    ck_assert_int_eq(iotl_health_init(&h, &c), IOTL_ERR_INVALID_ARG);
    c = base_cfg();
    c.policy.bootloop_count = 1;
    ck_assert_int_eq(iotl_health_init(&h, &c), IOTL_ERR_INVALID_ARG);
    static const struct iotl_health_check bad[1] = {{"x", NULL, NULL}};
    c = base_cfg();
    c.checks = bad;
    c.n_checks = 1;
    ck_assert_int_eq(iotl_health_init(&h, &c), IOTL_ERR_INVALID_ARG);
    struct iotl_storage one = hist;
    one.geo.size = 4096;
    c = base_cfg();
    c.storage = &one;
    ck_assert_int_eq(iotl_health_init(&h, &c), IOTL_ERR_STORAGE_GEOMETRY);
    c.storage = NULL; /* RAM only is fine */
    ck_assert_int_eq(iotl_health_init(&h, &c), 0);
    ck_assert_int_eq(iotl_health_boot(&h, 0, false), 0);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("health");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, confirm_when_all_pass);
    tcase_add_test(tc, reject_after_time_limit);
    tcase_add_test(tc, not_on_trial_never_rejects);
    tcase_add_test(tc, reject_after_trial_boots);
    tcase_add_test(tc, bootloop_detected_and_persisted);
    tcase_add_test(tc, threshold_alerts);
    tcase_add_test(tc, config_errors);
    suite_add_tcase(s, tc);
    return s;
}
