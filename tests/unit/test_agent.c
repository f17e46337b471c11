/* SPDX-License-Identifier: Apache-2.0 */
/* The update agent against a file:// repository, with a scripted backend
 * and a simulated clock: poll and backoff timing, ETag/304, key ring
 * refresh, consent (install, defer, critical cap, decline), maintenance
 * window, resumable download across a restart, a server ignoring Range,
 * wrong and oversized payloads, trial boot health, confirm, rollback, and
 * the status report. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "iotlife/agent.h"
#include "iotlife/port/posix.h"
#include "common/agent_fakes.h"


/* ---- simulated platform ---- */
struct fake_platform {
    uint64_t ms;
    int64_t wall0;
};
static uint64_t fp_uptime(void *ctx)
{
    return ((struct fake_platform *)ctx)->ms;
}
static int fp_wall(void *ctx, int64_t *s)
{
    struct fake_platform *p = ctx;
    *s = p->wall0 + (int64_t)(p->ms / 1000u);
    return 0;
}
static const struct iotl_platform_ops fp_ops = {.uptime_ms = fp_uptime, .wall_time = fp_wall};

/* ---- fixture ---- */
static char g_dir[256];
static char g_dep_url[512];
static char g_report_url[512];
static struct fake_platform g_fp;
static struct iotl_platform g_plat;
static iotl_posix_transport_t g_pt;
static struct rec_transport g_rt;
static struct iotl_transport g_t;
static struct fake_backend g_be;
static struct fake_app g_app;
static uint8_t g_work[4096];
static struct iotl_agent_config g_cfg;
static iotl_agent_t g_agent;

static void put_file(const char *rel, const void *d, size_t n)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", g_dir, rel);
    for (char *s = p + strlen(g_dir) + 1; *s != '\0'; s++) {
        if (*s == '/') {
            *s = '\0';
            (void)mkdir(p, 0755);
            *s = '/';
        }
    }
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(d, 1, n, f), n);
    fclose(f);
}

static void put_str(const char *rel, const char *s)
{
    put_file(rel, s, strlen(s));
}

static void setup(void)
{
    snprintf(g_dir, sizeof(g_dir), "/tmp/iotl_test_agent.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(g_dir));
    memset(&g_be, 0, sizeof(g_be));
    for (size_t i = 0; i < PAYLOAD_SIZE; i++) {
        g_be.payload[i] = (uint8_t)(i * 7u + (i >> 9));
    }
    g_be.offer_id = 2;
    g_be.offer_size = PAYLOAD_SIZE;
    put_str("deployments/stable.jws", "manifest=../releases/p/1.2.0/manifest.jws\n");
    put_str("releases/p/1.2.0/manifest.jws", "MANIFEST");
    put_file("releases/p/1.2.0/app.bin", g_be.payload, PAYLOAD_SIZE);
    put_str("keys/keyring.jws", "KEYRING v2");
    snprintf(g_dep_url, sizeof(g_dep_url), "file://%s/deployments/stable.jws", g_dir);
    snprintf(g_report_url, sizeof(g_report_url), "file://%s/upload/dev-1/status.json", g_dir);

    memset(&g_fp, 0, sizeof(g_fp));
    g_fp.ms = 1000;
    g_fp.wall0 = 1767225600; /* 2026-01-01T00:00:00Z */
    g_plat.ops = &fp_ops;
    g_plat.ctx = &g_fp;
    iotl_posix_transport_init(&g_pt, &g_rt.inner);
    memset(&g_rt, 0, sizeof(g_rt));
    iotl_posix_transport_init(&g_pt, &g_rt.inner);
    g_t.ops = &rt_ops;
    g_t.ctx = &g_rt;
    memset(&g_app, 0, sizeof(g_app));
    g_app.monotonic = true;
    memset(&g_cfg, 0, sizeof(g_cfg));
    g_cfg.transport = &g_t;
    g_cfg.platform = &g_plat;
    g_cfg.backend = &fb_ops;
    g_cfg.backend_ctx = &g_be;
    g_cfg.app = &fa_ops;
    g_cfg.app_ctx = &g_app;
    g_cfg.deployment_url = g_dep_url;
    g_cfg.report_url = g_report_url;
    g_cfg.device_id = "dev-1";
    g_cfg.work_buf = g_work;
    g_cfg.work_buf_len = sizeof(g_work);
    g_cfg.poll_interval_s = 600;
    g_cfg.backoff_min_ms = 1000;
    g_cfg.backoff_max_ms = 16000;
    g_cfg.chunk_size = 1500;
}

static void teardown(void)
{
    iotl_agent_deinit(&g_agent);
    iotl_posix_transport_deinit(&g_pt);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Step until phase `until` is reached (after at least one step), advancing
 * the simulated clock by every wait the agent asks for. Returns steps used. */
static unsigned run_until(int until, unsigned max_steps)
{
    for (unsigned i = 1; i <= max_steps; i++) {
        uint32_t w = 0;
        int ph = iotl_agent_step(&g_agent, &w);
        ck_assert_int_ge(ph, 0);
        if (ph == until) {
            return i;
        }
        g_fp.ms += w;
    }
    ck_abort_msg("phase %d not reached in %u steps (now %d, last error %s)", until, max_steps,
                 (int)g_agent.phase, iotl_strerror_name(iotl_agent_last_error(&g_agent)));
    return 0;
}

/* ---- pure helpers ---- */

START_TEST(backoff_grows_with_jitter_and_cap)
{
    static const struct {
        uint32_t failures;
        uint32_t lo, hi;
    } cases[] = {{1, 500, 1000}, {2, 1000, 2000}, {3, 2000, 4000}, {4, 4000, 8000},
                 {5, 4000, 8000}, {50, 4000, 8000}, {UINT32_MAX, 4000, 8000}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t seen_lo = UINT32_MAX, seen_hi = 0;
        for (uint32_t r = 0; r < 2000; r++) {
            uint32_t d = iotl_agent_backoff_ms(1000, 8000, cases[i].failures, r * 2654435761u);
            ck_assert_uint_ge(d, cases[i].lo);
            ck_assert_uint_le(d, cases[i].hi);
            seen_lo = d < seen_lo ? d : seen_lo;
            seen_hi = d > seen_hi ? d : seen_hi;
        }
        /* jitter really spreads over the range */
        ck_assert_uint_lt(seen_lo, cases[i].lo + (cases[i].hi - cases[i].lo) / 8u);
        ck_assert_uint_gt(seen_hi, cases[i].hi - (cases[i].hi - cases[i].lo) / 8u);
    }
    ck_assert_uint_le(iotl_agent_backoff_ms(0, 0, 3, 7), 1);
    ck_assert_uint_le(iotl_agent_backoff_ms(5000, 10, 1, 7), 5000);
}
END_TEST

START_TEST(window_wait_table)
{
    const int64_t day = 1767225600; /* midnight UTC */
    static const struct {
        int64_t t; /* seconds after midnight UTC */
        uint16_t start, end;
        int16_t off;
        uint32_t expect;
    } cases[] = {
        {3 * 3600, 120, 240, 0, 0},               /* 03:00 in 02:00-04:00 */
        {1 * 3600, 120, 240, 0, 3600},            /* 01:00: one hour to go */
        {4 * 3600, 120, 240, 0, 22 * 3600},       /* end is exclusive */
        {5 * 3600, 120, 240, 0, 21 * 3600},
        {23 * 3600, 1320, 120, 0, 0},             /* 22:00-02:00 wraps */
        {1 * 3600, 1320, 120, 0, 0},
        {3 * 3600, 1320, 120, 0, 19 * 3600},
        {1 * 3600 + 1800, 120, 240, 60, 0},       /* UTC 01:30 is 02:30 at +01:00 */
        {3 * 3600, 120, 240, -120, 3600},         /* UTC 03:00 is 01:00 at -02:00 */
        {-3600, 120, 240, 0, 3 * 3600},           /* the day before, 23:00 */
        {12345, 300, 300, 0, 0},                  /* no window */
        {12345, 2000, 100, 0, 0},                 /* invalid window: open */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t w = iotl_agent_window_wait_s(day + cases[i].t, cases[i].start, cases[i].end, cases[i].off);
        ck_assert_msg(w == cases[i].expect, "case %zu: %u want %u", i, w, cases[i].expect);
    }
}
END_TEST

START_TEST(init_refuses_bad_config)
{
    struct iotl_agent_config c = g_cfg;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), 0);
    iotl_agent_deinit(&g_agent);
    c.work_buf_len = IOTL_AGENT_WORKBUF_MIN - 1u;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), IOTL_ERR_INVALID_ARG);
    c = g_cfg;
    c.deployment_url = "deployments/stable.jws";
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), IOTL_ERR_INVALID_ARG);
    c = g_cfg;
    c.transport = NULL;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), IOTL_ERR_INVALID_ARG);
    c = g_cfg;
    static const struct iotl_agent_app_ops no_reboot = {.consent = fa_consent};
    c.app = &no_reboot;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), IOTL_ERR_INVALID_ARG);
    uint32_t w;
    iotl_agent_t zero;
    memset(&zero, 0, sizeof(zero));
    ck_assert_int_eq(iotl_agent_step(&zero, &w), IOTL_ERR_STATE);
    iotl_agent_deinit(&zero);
}
END_TEST

/* ---- flows ---- */

START_TEST(happy_path_installs_and_requests_reboot)
{
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_uint_eq(g_be.deployments, 1);
    ck_assert_uint_eq(g_be.manifests, 1);
    ck_assert_uint_eq(g_app.consents, 1);
    ck_assert_uint_eq(g_be.installs, 1);
    ck_assert_uint_eq(g_app.reboots, 1);
    ck_assert_uint_eq(g_be.staged_len, PAYLOAD_SIZE);
    ck_assert_int_eq(memcmp(g_be.staged, g_be.payload, PAYLOAD_SIZE), 0);
    ck_assert(g_app.monotonic);
    ck_assert_uint_eq(g_app.last_done, PAYLOAD_SIZE);
    ck_assert_uint_eq(g_app.last_total, PAYLOAD_SIZE);
    ck_assert_uint_eq(g_rt.gets, 3); /* deployment, manifest, payload */
    char want[600];
    snprintf(want, sizeof(want), "file://%s/releases/p/1.2.0/app.bin", g_dir);
    ck_assert_str_eq(g_rt.last_url, want);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), 0);
    /* waiting for the reboot does nothing */
    uint32_t w;
    ck_assert_int_eq(iotl_agent_step(&g_agent, &w), IOTL_AGENT_REBOOT);
    ck_assert_uint_gt(w, 0);
    ck_assert_uint_eq(g_rt.gets, 3);
}
END_TEST

START_TEST(download_resumes_after_restart)
{
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    /* cut power once about 20 kB are staged */
    for (unsigned i = 0; i < 1000 && g_be.staged_len < 20000; i++) {
        uint32_t w;
        (void)iotl_agent_step(&g_agent, &w);
        g_fp.ms += w;
    }
    ck_assert_uint_ge(g_be.staged_len, 20000);
    ck_assert_uint_lt(g_be.staged_len, PAYLOAD_SIZE);
    uint64_t staged = g_be.staged_len;
    iotl_agent_deinit(&g_agent); /* the process dies; the backend's flash keeps the bytes */
    g_fp.ms += 5000;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_uint_eq(g_rt.last_offset, staged); /* ranged GET from where it stopped */
    ck_assert_int_eq(g_rt.last_status, 206);
    ck_assert_uint_eq(g_be.staged_len, PAYLOAD_SIZE);
    ck_assert_int_eq(memcmp(g_be.staged, g_be.payload, PAYLOAD_SIZE), 0);
    ck_assert_uint_eq(g_be.installs, 1);
}
END_TEST

START_TEST(server_ignoring_range_is_handled)
{
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    for (unsigned i = 0; i < 1000 && g_be.staged_len < 10000; i++) {
        uint32_t w;
        (void)iotl_agent_step(&g_agent, &w);
        g_fp.ms += w;
    }
    iotl_agent_deinit(&g_agent);
    g_rt.ignore_range = true;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_int_eq(g_rt.last_status, 200);
    ck_assert_uint_gt(g_rt.last_offset, 0);
    ck_assert_uint_eq(g_be.staged_len, PAYLOAD_SIZE);
    ck_assert_int_eq(memcmp(g_be.staged, g_be.payload, PAYLOAD_SIZE), 0);
}
END_TEST

START_TEST(not_modified_deployment_is_not_reprocessed)
{
    g_be.deployment_ret = IOTL_ERR_NO_UPDATE;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_CHECK, 10);
    run_until(IOTL_AGENT_IDLE, 10);
    ck_assert_uint_eq(g_be.deployments, 1);
    ck_assert(!g_rt.last_inm);
    uint64_t t0 = g_fp.ms;
    run_until(IOTL_AGENT_CHECK, 10);
    /* the poll interval (600 s +-10 %) passed before the next check */
    ck_assert_uint_ge(g_fp.ms - t0, 540000);
    ck_assert_uint_le(g_fp.ms - t0, 660000);
    run_until(IOTL_AGENT_IDLE, 10);
    ck_assert(g_rt.last_inm);
    ck_assert_int_eq(g_rt.last_status, 304);
    ck_assert_uint_eq(g_be.deployments, 1); /* not verified again */
    ck_assert_uint_eq(g_rt.gets, 2);
    /* a new deployment (new ETag) is processed */
    g_be.deployment_ret = 0;
    put_str("deployments/stable.jws", "manifest=../releases/p/1.2.0/manifest.jws\n\n");
    iotl_agent_check_now(&g_agent);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_uint_eq(g_be.deployments, 2);
}
END_TEST

/* The handled deployment's ETag is handed to the app to persist, and given
 * back after a reset: the first check of the new agent is conditional and
 * answered 304, so nothing is fetched or verified again. */
START_TEST(handled_etag_survives_a_reset)
{
    g_be.deployment_ret = IOTL_ERR_NO_UPDATE;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    ck_assert_str_eq(iotl_agent_etag(&g_agent), "");
    run_until(IOTL_AGENT_CHECK, 10);
    run_until(IOTL_AGENT_IDLE, 10);
    ck_assert(!iotl_agent_not_modified(&g_agent));
    ck_assert_uint_eq(g_app.etag_calls, 1);
    ck_assert_uint_gt(strlen(g_app.saved_etag), 0);
    ck_assert_str_eq(g_app.saved_etag, iotl_agent_etag(&g_agent));
    /* reset: a fresh agent restored with the saved tag */
    iotl_agent_deinit(&g_agent);
    char saved[sizeof(g_app.saved_etag)];
    memcpy(saved, g_app.saved_etag, sizeof(saved));
    struct iotl_agent_config c = g_cfg;
    c.etag = saved;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), 0);
    run_until(IOTL_AGENT_CHECK, 10);
    run_until(IOTL_AGENT_IDLE, 10);
    ck_assert(g_rt.last_inm);
    ck_assert_int_eq(g_rt.last_status, 304);
    ck_assert(iotl_agent_not_modified(&g_agent));
    ck_assert_uint_eq(g_be.deployments, 1); /* not verified again */
    ck_assert_uint_eq(g_app.etag_calls, 1); /* unchanged: not saved again */
    iotl_agent_deinit(&g_agent);
    /* an installed update's deployment is handled too (saved before the reboot) */
    g_be.deployment_ret = 0;
    put_str("deployments/stable.jws", "manifest=../releases/p/1.2.0/manifest.jws\n\n");
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), 0);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert(!iotl_agent_not_modified(&g_agent));
    ck_assert_uint_eq(g_app.etag_calls, 2);
    ck_assert_str_ne(g_app.saved_etag, saved);
    iotl_agent_deinit(&g_agent);
    /* a restored tag longer than a transport can carry is refused */
    char big[IOTL_TRANSPORT_ETAG_MAX + 2];
    memset(big, 'e', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    c.etag = big;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), IOTL_ERR_INVALID_ARG);
}
END_TEST

/* Between checks the agent spends idle steps preparing the next update, a
 * bounded piece per step and back at once until done; never before the first
 * check, never when not configured, and a failing prepare waits for the next
 * idle period. */
START_TEST(idle_steps_prepare_the_next_update)
{
    g_be.deployment_ret = IOTL_ERR_NO_UPDATE;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0); /* prepare_step_bytes 0 */
    run_until(IOTL_AGENT_CHECK, 10);
    run_until(IOTL_AGENT_IDLE, 10);
    uint32_t w = 0;
    ck_assert_int_eq(iotl_agent_step(&g_agent, &w), IOTL_AGENT_IDLE);
    ck_assert_uint_gt(w, 0);
    ck_assert_uint_eq(g_be.prepares, 0);
    iotl_agent_deinit(&g_agent);

    struct iotl_agent_config c = g_cfg;
    c.prepare_step_bytes = PAYLOAD_SIZE / 4 + 1;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &c), 0);
    run_until(IOTL_AGENT_CHECK, 10);
    ck_assert_uint_eq(g_be.prepares, 0); /* the check comes first */
    run_until(IOTL_AGENT_IDLE, 10);
    unsigned steps = 0;
    do {
        ck_assert_int_eq(iotl_agent_step(&g_agent, &w), IOTL_AGENT_IDLE);
        steps++;
    } while (w == 0 && steps < 20);
    ck_assert_uint_eq(g_be.prepared, PAYLOAD_SIZE);
    ck_assert_uint_eq(g_be.prepares, 4); /* 4 pieces, each step returning at once */
    ck_assert_uint_gt(w, 500000);        /* then the poll interval */
    ck_assert_int_eq(iotl_agent_step(&g_agent, &w), IOTL_AGENT_IDLE);
    ck_assert_uint_eq(g_be.prepares, 4); /* done until the next idle period */
    /* A failure does not loop: it waits for the next idle period. */
    g_be.prepared = 0;
    g_be.prepare_ret = IOTL_ERR_IO;
    iotl_agent_check_now(&g_agent);
    run_until(IOTL_AGENT_CHECK, 10);
    run_until(IOTL_AGENT_IDLE, 10);
    ck_assert_int_eq(iotl_agent_step(&g_agent, &w), IOTL_AGENT_IDLE);
    ck_assert_int_eq(iotl_agent_step(&g_agent, &w), IOTL_AGENT_IDLE);
    ck_assert_uint_eq(g_be.prepares, 5);
    ck_assert_uint_gt(w, 500000);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), 0); /* not a failure of the agent */
}
END_TEST

START_TEST(release_refused_at_begin_goes_idle)
{
    g_be.begin_ret = IOTL_ERR_NO_UPDATE; /* e.g. rolled back before */
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_DOWNLOAD, 100);
    run_until(IOTL_AGENT_IDLE, 100);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), 0);
    ck_assert_uint_eq(g_be.staged_len, 0);
    run_until(IOTL_AGENT_CHECK, 100);
    run_until(IOTL_AGENT_IDLE, 100);
    ck_assert_int_eq(g_rt.last_status, 304); /* not fetched and decided again */
    ck_assert_uint_eq(g_be.manifests, 1);
    /* a retryable begin error backs off instead */
    g_be.begin_ret = IOTL_ERR_IO;
    put_str("deployments/stable.jws", "manifest=../releases/p/1.2.0/manifest.jws\n\n");
    iotl_agent_check_now(&g_agent);
    run_until(IOTL_AGENT_BACKOFF, 100);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_IO);
}
END_TEST

START_TEST(failures_back_off_exponentially_then_recover)
{
    put_str("deployments/other.jws", "x");
    char url[600];
    snprintf(url, sizeof(url), "file://%s/deployments/missing.jws", g_dir);
    g_cfg.deployment_url = url;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    uint64_t prev = 0;
    uint64_t delays[6];
    for (int i = 0; i < 6; i++) {
        run_until(IOTL_AGENT_BACKOFF, 20);
        ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_HTTP_NOT_FOUND);
        uint64_t t = g_fp.ms;
        run_until(IOTL_AGENT_CHECK, 20);
        delays[i] = g_fp.ms - t;
        (void)prev;
    }
    /* 1 s, 2 s, 4 s, 8 s, 16 s, 16 s nominal; jittered into [d/2, d] */
    static const uint64_t nominal[6] = {1000, 2000, 4000, 8000, 16000, 16000};
    for (int i = 0; i < 6; i++) {
        ck_assert_msg(delays[i] >= nominal[i] / 2u && delays[i] <= nominal[i], "delay %d: %llu", i,
                      (unsigned long long)delays[i]);
    }
    /* transport errors also back off, and success resets the count */
    g_cfg.deployment_url = g_dep_url;
    iotl_agent_deinit(&g_agent);
    g_rt.fail_next = 2;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_BACKOFF, 5);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_TRANSPORT);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), 0);
}
END_TEST

START_TEST(unknown_key_refreshes_keyring_once)
{
    g_be.need_keyring = true;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_uint_eq(g_be.keyrings, 1);
    ck_assert_str_eq(g_be.keyring_doc, "KEYRING v2");
    ck_assert_uint_eq(g_be.deployments, 2);
    /* a key ring that does not help: one refresh per check, then back off */
    iotl_agent_deinit(&g_agent);
    g_be.keyrings = 0;
    g_be.deployments = 0;
    g_be.need_keyring = true;
    g_be.keyring_useless = true;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_BACKOFF, 100);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_UNKNOWN_KEY);
    ck_assert_uint_eq(g_be.keyrings, 1);
    ck_assert_uint_eq(g_be.deployments, 2);
    run_until(IOTL_AGENT_CHECK, 100);
    run_until(IOTL_AGENT_BACKOFF, 100);
    ck_assert_uint_eq(g_be.keyrings, 2);
    ck_assert_uint_eq(g_be.deployments, 4);
}
END_TEST

START_TEST(consent_defer_then_install)
{
    g_app.decision = IOTL_AGENT_DEFER;
    g_app.defer_s = 7200;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_DEFERRED, 100);
    ck_assert_uint_eq(g_app.consents, 1);
    uint64_t t = g_fp.ms;
    g_app.decision = IOTL_AGENT_INSTALL_NOW;
    run_until(IOTL_AGENT_CONSENT, 100);
    ck_assert_uint_ge(g_fp.ms - t, 7200000u);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_uint_eq(g_app.consents, 2);
    ck_assert_uint_eq(g_be.staged_len, PAYLOAD_SIZE);
}
END_TEST

START_TEST(critical_release_caps_deferral)
{
    g_be.urgency = IOTL_AGENT_URGENCY_CRITICAL;
    g_cfg.critical_defer_max_s = 60;
    g_app.decision = IOTL_AGENT_DEFER;
    g_app.defer_s = 86400;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_DEFERRED, 100);
    uint64_t t = g_fp.ms;
    run_until(IOTL_AGENT_CONSENT, 100);
    ck_assert_uint_eq(g_fp.ms - t, 60000u);
    ck_assert_uint_eq(g_app.consents, 1);
}
END_TEST

START_TEST(declined_release_is_not_offered_again)
{
    g_app.decision = IOTL_AGENT_DECLINE;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_CONSENT, 100);
    run_until(IOTL_AGENT_IDLE, 100);
    ck_assert_uint_eq(g_app.consents, 1);
    ck_assert_uint_eq(g_be.staged_len, 0);
    /* a re-issued deployment of the same release: not asked again */
    put_str("deployments/stable.jws", "manifest=../releases/p/1.2.0/manifest.jws\n\n");
    iotl_agent_check_now(&g_agent);
    run_until(IOTL_AGENT_MANIFEST, 100);
    run_until(IOTL_AGENT_IDLE, 100);
    ck_assert_uint_eq(g_app.consents, 1);
    /* another release is offered */
    g_be.offer_id = 3;
    put_str("deployments/stable.jws", "manifest=../releases/p/1.2.0/manifest.jws\n\n\n");
    g_app.decision = IOTL_AGENT_INSTALL_NOW;
    iotl_agent_check_now(&g_agent);
    run_until(IOTL_AGENT_REBOOT, 2000);
    ck_assert_uint_eq(g_app.consents, 2);
}
END_TEST

START_TEST(maintenance_window_gates_install)
{
    g_cfg.window_start_min = 120; /* 02:00-03:00 UTC; the clock starts at 00:00 */
    g_cfg.window_end_min = 180;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_WINDOW, 2000);
    ck_assert_uint_eq(g_be.staged_len, PAYLOAD_SIZE); /* downloading is allowed any time */
    ck_assert_uint_eq(g_be.installs, 0);
    run_until(IOTL_AGENT_INSTALL, 1000);
    int64_t now;
    fp_wall(&g_fp, &now);
    ck_assert_int_ge((now - g_fp.wall0) % 86400, 2 * 3600);
    ck_assert_int_lt((now - g_fp.wall0) % 86400, 3 * 3600);
    run_until(IOTL_AGENT_REBOOT, 10);
}
END_TEST

START_TEST(critical_release_ignores_window)
{
    g_be.urgency = IOTL_AGENT_URGENCY_CRITICAL;
    g_cfg.window_start_min = 120;
    g_cfg.window_end_min = 180;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_REBOOT, 2000);
    int64_t now;
    fp_wall(&g_fp, &now);
    ck_assert_int_lt(now - g_fp.wall0, 3600);
}
END_TEST

START_TEST(wrong_or_oversized_payload_is_never_installed)
{
    uint8_t bad[PAYLOAD_SIZE];
    memcpy(bad, g_be.payload, sizeof(bad));
    bad[12345] ^= 1u;
    put_file("releases/p/1.2.0/app.bin", bad, sizeof(bad));
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_BACKOFF, 2000);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_HASH_MISMATCH);
    ck_assert_uint_eq(g_app.reboots, 0);
    /* oversized: the transport refuses before anything is staged */
    uint8_t big[PAYLOAD_SIZE + 1];
    memcpy(big, g_be.payload, PAYLOAD_SIZE);
    big[PAYLOAD_SIZE] = 0;
    put_file("releases/p/1.2.0/app.bin", big, sizeof(big));
    run_until(IOTL_AGENT_DOWNLOAD, 100);
    run_until(IOTL_AGENT_BACKOFF, 100);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_RESPONSE_TOO_LARGE);
    ck_assert_uint_eq(g_be.staged_len, 0);
    ck_assert_uint_eq(g_app.reboots, 0);
    /* the good payload comes back: installed */
    put_file("releases/p/1.2.0/app.bin", g_be.payload, PAYLOAD_SIZE);
    run_until(IOTL_AGENT_REBOOT, 2000);
}
END_TEST

static void read_report(char *buf, size_t cap)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/upload/dev-1/status.json", g_dir);
    FILE *f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap - 1u, f);
    buf[n] = '\0';
    fclose(f);
}

START_TEST(trial_healthy_confirms_and_reports)
{
    g_be.trial = true;
    g_app.health_wait = 3;
    g_app.health_after = 0;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    uint32_t w;
    ck_assert_int_eq(iotl_agent_step(&g_agent, &w), IOTL_AGENT_TRIAL);
    ck_assert_uint_gt(w, 0); /* still observing */
    run_until(IOTL_AGENT_REPORT, 20);
    ck_assert_uint_eq(g_be.confirms, 1);
    ck_assert_uint_eq(g_app.health_calls, 4);
    run_until(IOTL_AGENT_IDLE, 20);
    ck_assert_uint_eq(g_be.acks, 1);
    char doc[512];
    read_report(doc, sizeof(doc));
    ck_assert_str_eq(doc, "{\"format\":\"iotlife-status\",\"version\":1,\"device\":\"dev-1\",\"seq\":1,"
                          "\"result\":\"confirmed\",\"release\":\"1.2.0\",\"code\":0,\"error\":\"\"}\n");
}
END_TEST

START_TEST(trial_unhealthy_rolls_back_and_reports_after_reboot)
{
    g_be.trial = true;
    g_app.health_after = -77;
    g_cfg.device_id = "dev-\"1\"";
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_REBOOT, 20);
    ck_assert_uint_eq(g_be.rejects, 1);
    ck_assert_int_eq(g_be.reject_code, -77);
    ck_assert_uint_eq(g_app.reboots, 1);
    ck_assert_uint_eq(g_rt.puts, 0);
    /* the reboot into the previous image */
    iotl_agent_deinit(&g_agent);
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_IDLE, 20);
    ck_assert_uint_eq(g_rt.puts, 1);
    char doc[512];
    read_report(doc, sizeof(doc));
    ck_assert_str_eq(doc, "{\"format\":\"iotlife-status\",\"version\":1,\"device\":\"dev-\\u00221\\u0022\","
                          "\"seq\":1,\"result\":\"rolled-back\",\"release\":\"1.3.0\",\"code\":-77,"
                          "\"error\":\"IOTL_ERR_UNKNOWN\"}\n");
    /* nothing more to report on the next boot */
    iotl_agent_deinit(&g_agent);
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_CHECK, 20);
    ck_assert_uint_eq(g_rt.puts, 1);
}
END_TEST

START_TEST(report_failure_is_retried_then_kept_for_next_boot)
{
    g_be.have_outcome = true;
    g_be.outcome.seq = 4;
    g_be.outcome.result = IOTL_AGENT_RESULT_FAILED;
    g_be.outcome.code = IOTL_ERR_HASH_MISMATCH;
    snprintf(g_report_url, sizeof(g_report_url), "file://%s/deployments/stable.jws/x", g_dir);
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_BACKOFF, 5);
    run_until(IOTL_AGENT_BACKOFF, 50);
    run_until(IOTL_AGENT_IDLE, 50);
    ck_assert_uint_eq(g_rt.puts, 3);
    ck_assert_uint_eq(g_be.acks, 0);
    ck_assert(g_be.have_outcome);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("agent");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, backoff_grows_with_jitter_and_cap);
    tcase_add_test(tc, window_wait_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("flows");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, init_refuses_bad_config);
    tcase_add_test(tc, happy_path_installs_and_requests_reboot);
    tcase_add_test(tc, download_resumes_after_restart);
    tcase_add_test(tc, server_ignoring_range_is_handled);
    tcase_add_test(tc, not_modified_deployment_is_not_reprocessed);
    tcase_add_test(tc, handled_etag_survives_a_reset);
    tcase_add_test(tc, idle_steps_prepare_the_next_update);
    tcase_add_test(tc, release_refused_at_begin_goes_idle);
    tcase_add_test(tc, failures_back_off_exponentially_then_recover);
    tcase_add_test(tc, unknown_key_refreshes_keyring_once);
    tcase_add_test(tc, consent_defer_then_install);
    tcase_add_test(tc, critical_release_caps_deferral);
    tcase_add_test(tc, declined_release_is_not_offered_again);
    tcase_add_test(tc, maintenance_window_gates_install);
    tcase_add_test(tc, critical_release_ignores_window);
    tcase_add_test(tc, wrong_or_oversized_payload_is_never_installed);
    tcase_add_test(tc, trial_healthy_confirms_and_reports);
    tcase_add_test(tc, trial_unhealthy_rolls_back_and_reports_after_reboot);
    tcase_add_test(tc, report_failure_is_retried_then_kept_for_next_boot);
    suite_add_tcase(s, tc);
    return s;
}
