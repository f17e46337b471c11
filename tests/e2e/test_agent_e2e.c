/* SPDX-License-Identifier: Apache-2.0 */
/* The update agent over the curl transport against nginx on loopback
 * (tests/e2e/run.sh): resume after a restart over HTTP and HTTPS, a server
 * ignoring Range, wrong bytes, a failing server, the trial confirm and the
 * status report PUT to WebDAV and read back. The backend is the scripted
 * one of the unit suite (trust and stage are exercised by their own suites). */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/agent_fakes.h"
#include "common/tfetch.h"
#include "iotlife/agent.h"
#include "iotlife/port/curl.h"

struct sim_clock {
    uint64_t ms;
};
static uint64_t sc_uptime(void *ctx)
{
    return ((struct sim_clock *)ctx)->ms;
}
static const struct iotl_platform_ops sc_ops = {.uptime_ms = sc_uptime};

static struct sim_clock g_clock;
static struct iotl_platform g_plat;
static iotl_curl_t g_curl;
static struct iotl_curl_config g_ccfg;
static struct rec_transport g_rt;
static struct iotl_transport g_t;
static struct fake_backend g_be;
static struct fake_app g_app;
static uint8_t g_work[4096];
static struct iotl_agent_config g_cfg;
static iotl_agent_t g_agent;
static char g_dep_url[512];
static char g_report_url[512];

static const char *env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL && v[0] != '\0', "%s not set: run through tests/e2e/run.sh", name);
    return v;
}

static void put_file(const char *rel, const void *d, size_t n)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", env("IOTL_E2E_ROOT"), rel);
    for (char *s = p + strlen(env("IOTL_E2E_ROOT")) + 1; *s != '\0'; s++) {
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

static void use_base(const char *base_env)
{
    snprintf(g_dep_url, sizeof(g_dep_url), "%s/pub/repo/deployments/stable.jws", env(base_env));
    snprintf(g_report_url, sizeof(g_report_url), "%s/upload/reports/dev-1/status.json", env(base_env));
}

static void setup(void)
{
    memset(&g_be, 0, sizeof(g_be));
    for (size_t i = 0; i < PAYLOAD_SIZE; i++) {
        g_be.payload[i] = (uint8_t)(i * 13u + (i >> 7));
    }
    g_be.offer_id = 2;
    g_be.offer_size = PAYLOAD_SIZE;
    static const char dep[] = "manifest=../releases/p/1.2.0/manifest.jws\n";
    put_file("pub/repo/deployments/stable.jws", dep, strlen(dep));
    put_file("pub/repo/releases/p/1.2.0/manifest.jws", "MANIFEST", 8);
    put_file("pub/repo/releases/p/1.2.0/app.bin", g_be.payload, PAYLOAD_SIZE);
    static uint8_t wrong[PAYLOAD_SIZE];
    memcpy(wrong, g_be.payload, PAYLOAD_SIZE);
    wrong[PAYLOAD_SIZE / 2] ^= 0x40u;
    put_file("pub/repo/releases/p/1.2.0/app-wrong.bin", wrong, PAYLOAD_SIZE);

    memset(&g_ccfg, 0, sizeof(g_ccfg));
    g_ccfg.ca_file = env("IOTL_E2E_CA");
    g_ccfg.timeout_ms = 20000;
    memset(&g_rt, 0, sizeof(g_rt));
    ck_assert_int_eq(iotl_curl_init(&g_curl, &g_rt.inner, &g_ccfg), 0);
    g_t.ops = &rt_ops;
    g_t.ctx = &g_rt;
    g_clock.ms = 1000;
    g_plat.ops = &sc_ops;
    g_plat.ctx = &g_clock;
    memset(&g_app, 0, sizeof(g_app));
    g_app.monotonic = true;
    use_base("IOTL_E2E_HTTP");
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
    g_cfg.backoff_max_ms = 4000;
}

static void teardown(void)
{
    iotl_agent_deinit(&g_agent);
    iotl_curl_deinit(&g_curl);
}

/* One step; real waiting on the network, simulated waiting otherwise. */
static int step(void)
{
    uint32_t w = 0;
    int ph = iotl_agent_step(&g_agent, &w);
    ck_assert_int_ge(ph, 0);
    if (w > 0) {
        if (ph == IOTL_AGENT_CHECK || ph == IOTL_AGENT_KEYRING || ph == IOTL_AGENT_MANIFEST ||
            ph == IOTL_AGENT_DOWNLOAD) {
            (void)g_t.ops->wait(g_t.ctx, w > 200 ? 200 : w);
        }
        g_clock.ms += w;
    }
    return ph;
}

static void run_until(int until, unsigned max_steps)
{
    for (unsigned i = 0; i < max_steps; i++) {
        if (step() == until) {
            return;
        }
    }
    ck_abort_msg("phase %d not reached (now %d, last error %s)", until, (int)g_agent.phase,
                 iotl_strerror_name(iotl_agent_last_error(&g_agent)));
}

static void interrupted_then_resumed(void)
{
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    for (unsigned i = 0; i < 20000 && g_be.staged_len < 20000; i++) {
        (void)step();
    }
    ck_assert_uint_ge(g_be.staged_len, 20000);
    ck_assert_uint_lt(g_be.staged_len, PAYLOAD_SIZE);
    uint64_t staged = g_be.staged_len;
    iotl_agent_deinit(&g_agent); /* power cut */
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_REBOOT, 20000);
    ck_assert_uint_eq(g_rt.last_offset, staged);
    ck_assert_uint_eq(g_be.staged_len, PAYLOAD_SIZE);
    ck_assert_int_eq(memcmp(g_be.staged, g_be.payload, PAYLOAD_SIZE), 0);
    ck_assert_uint_eq(g_be.installs, 1);
    ck_assert_uint_eq(g_app.reboots, 1);
    ck_assert(g_app.monotonic);
}

START_TEST(http_resume_confirm_report)
{
    /* the first attempt only gets part of the payload before the restart */
    g_cfg.chunk_size = 1000;
    interrupted_then_resumed();
    ck_assert_int_eq(g_rt.last_status, 206);
    /* reboot into the trial image: healthy, confirmed, reported */
    iotl_agent_deinit(&g_agent);
    g_be.trial = true;
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_CHECK, 200);
    ck_assert_uint_eq(g_be.confirms, 1);
    ck_assert_uint_eq(g_be.acks, 1);
    ck_assert_uint_eq(g_rt.puts, 1);
    /* the report is on the server, as the device wrote it */
    struct iotl_transport_request req = {.url = g_report_url};
    static uint8_t doc[1024];
    struct tfetch_result r;
    iotl_agent_deinit(&g_agent);
    ck_assert_int_eq(tfetch(&g_rt.inner, &req, doc, sizeof(doc) - 1u, 0, &r), 0);
    doc[r.len] = '\0';
    ck_assert_msg(strstr((char *)doc, "\"result\":\"confirmed\"") != NULL, "%s", doc);
    ck_assert_msg(strstr((char *)doc, "\"device\":\"dev-1\"") != NULL, "%s", doc);
}
END_TEST

START_TEST(https_resume)
{
    use_base("IOTL_E2E_HTTPS");
    g_cfg.chunk_size = 1000;
    interrupted_then_resumed();
    ck_assert_int_eq(g_rt.last_status, 206);
}
END_TEST

START_TEST(server_ignoring_range)
{
    /* absolute-path reference to the same file under /norange/ (Range off) */
    snprintf(g_be.payload_ref, sizeof(g_be.payload_ref), "/norange/repo/releases/p/1.2.0/app.bin");
    g_cfg.chunk_size = 1000;
    interrupted_then_resumed();
    ck_assert_int_eq(g_rt.last_status, 200);
}
END_TEST

START_TEST(wrong_bytes_never_installed)
{
    snprintf(g_be.payload_ref, sizeof(g_be.payload_ref), "app-wrong.bin");
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_BACKOFF, 20000);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_HASH_MISMATCH);
    ck_assert_uint_eq(g_app.reboots, 0);
}
END_TEST

START_TEST(failing_server_backs_off)
{
    snprintf(g_dep_url, sizeof(g_dep_url), "%s/err/500", env("IOTL_E2E_HTTP"));
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_BACKOFF, 2000);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_HTTP_SERVER);
    snprintf(g_dep_url, sizeof(g_dep_url), "%s/x", env("IOTL_E2E_CLOSED"));
    iotl_agent_deinit(&g_agent);
    ck_assert_int_eq(iotl_agent_init(&g_agent, &g_cfg), 0);
    run_until(IOTL_AGENT_BACKOFF, 2000);
    ck_assert_int_eq(iotl_agent_last_error(&g_agent), IOTL_ERR_TRANSPORT);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("agent_e2e");
    TCase *tc = tcase_create("nginx");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, http_resume_confirm_report);
    tcase_add_test(tc, https_resume);
    tcase_add_test(tc, server_ignoring_range);
    tcase_add_test(tc, wrong_bytes_never_installed);
    tcase_add_test(tc, failing_server_backs_off);
    suite_add_tcase(s, tc);
    return s;
}
