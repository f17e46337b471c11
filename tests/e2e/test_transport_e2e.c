/* SPDX-License-Identifier: Apache-2.0 */
/* Both transports against a real nginx on loopback (tests/e2e/nginx.sh):
 * the curl port over HTTP and HTTPS, the file:// port over the same
 * document root. Run through tests/e2e/run.sh, which starts and stops nginx
 * and exports the IOTL_E2E_* variables. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/tfetch.h"
#include "iotlife/port/curl.h"
#include "iotlife/port/posix.h"

#define BLOB_SIZE 300000u

static uint8_t g_blob[BLOB_SIZE];
static uint8_t g_buf[BLOB_SIZE + 4096];
static iotl_curl_t g_curl;
static iotl_posix_transport_t g_file;
static struct iotl_transport g_ct;
static struct iotl_transport g_ft;
static struct iotl_curl_config g_cfg;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL && v[0] != '\0', "%s not set: run through tests/e2e/run.sh", name);
    return v;
}

static void url(char *out, size_t cap, const char *base_env, const char *path)
{
    snprintf(out, cap, "%s%s", env(base_env), path);
}

static void file_url(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "file://%s%s", env("IOTL_E2E_ROOT"), path);
}

static void write_root_file(const char *path, const void *data, size_t len)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/pub", env("IOTL_E2E_ROOT"));
    (void)mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s%s", env("IOTL_E2E_ROOT"), path);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void setup(void)
{
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < BLOB_SIZE; i++) {
        x = x * 1103515245u + 12345u;
        g_blob[i] = (uint8_t)(x >> 16);
    }
    write_root_file("/pub/blob.bin", g_blob, BLOB_SIZE);
    memset(&g_cfg, 0, sizeof(g_cfg));
    g_cfg.ca_file = env("IOTL_E2E_CA");
    g_cfg.timeout_ms = 20000;
    ck_assert_int_eq(iotl_curl_init(&g_curl, &g_ct, &g_cfg), 0);
    iotl_posix_transport_init(&g_file, &g_ft);
}

static void teardown(void)
{
    iotl_curl_deinit(&g_curl);
    iotl_curl_deinit(&g_curl); /* twice is safe */
    iotl_posix_transport_deinit(&g_file);
}

/* Full GET of the blob through transport t at u; checks every byte. */
static void check_full(const struct iotl_transport *t, const char *u)
{
    struct iotl_transport_request req = {.url = u, .max_size = BLOB_SIZE};
    struct tfetch_result r;
    ck_assert_msg(tfetch(t, &req, g_buf, sizeof(g_buf), 0, &r) == 0, "%s: %d", u, r.err);
    ck_assert_int_eq(r.resp.status, 200);
    ck_assert_int_eq(r.resp.content_length, BLOB_SIZE);
    ck_assert_int_eq(r.resp.total_size, BLOB_SIZE);
    ck_assert_uint_eq(r.resp.offset, 0);
    ck_assert_uint_eq(r.len, BLOB_SIZE);
    ck_assert_int_eq(memcmp(g_buf, g_blob, BLOB_SIZE), 0);
    ck_assert_int_eq(r.resp.etag[0], '"');
}

START_TEST(full_get_http)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/pub/blob.bin");
    check_full(&g_ct, u);
}
END_TEST

START_TEST(full_get_https_with_ca)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTPS", "/pub/blob.bin");
    check_full(&g_ct, u);
}
END_TEST

START_TEST(full_get_file)
{
    char u[512];
    file_url(u, sizeof(u), "/pub/blob.bin");
    check_full(&g_ft, u);
}
END_TEST

/* Interrupted at `cut`, resumed with a ranged GET; every byte checked. */
static void check_resume(const struct iotl_transport *t, const char *u, size_t cut)
{
    struct iotl_transport_request req = {.url = u, .max_size = BLOB_SIZE};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(t, &req, g_buf, sizeof(g_buf), cut, &r), 0);
    ck_assert_uint_eq(r.len, cut);
    memset(g_buf + cut, 0, sizeof(g_buf) - cut);
    req.offset = cut;
    struct tfetch_result r2;
    ck_assert_int_eq(tfetch(t, &req, g_buf + cut, sizeof(g_buf) - cut, 0, &r2), 0);
    ck_assert_int_eq(r2.resp.status, 206);
    ck_assert_uint_eq(r2.resp.offset, cut);
    ck_assert_int_eq(r2.resp.content_length, (int64_t)(BLOB_SIZE - cut));
    ck_assert_int_eq(r2.resp.total_size, BLOB_SIZE);
    ck_assert_uint_eq(cut + r2.len, BLOB_SIZE);
    ck_assert_int_eq(memcmp(g_buf, g_blob, BLOB_SIZE), 0);
}

START_TEST(ranged_resume_http)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/pub/blob.bin");
    check_resume(&g_ct, u, 100001);
    check_resume(&g_ct, u, BLOB_SIZE - 1u);
}
END_TEST

START_TEST(ranged_resume_https)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTPS", "/pub/blob.bin");
    check_resume(&g_ct, u, 77777);
}
END_TEST

START_TEST(ranged_resume_file)
{
    char u[512];
    file_url(u, sizeof(u), "/pub/blob.bin");
    check_resume(&g_ft, u, 100001);
}
END_TEST

START_TEST(range_ignored_answers_whole_object)
{
    /* /norange/ serves the same file with Range disabled: a 200 to a ranged
     * request is reported truthfully (offset 0), never spliced. */
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/norange/blob.bin");
    struct iotl_transport_request req = {.url = u, .offset = 1000, .max_size = BLOB_SIZE};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_int_eq(r.resp.status, 200);
    ck_assert_uint_eq(r.resp.offset, 0);
    ck_assert_uint_eq(r.len, BLOB_SIZE);
    ck_assert_int_eq(memcmp(g_buf, g_blob, BLOB_SIZE), 0);
}
END_TEST

static void check_etag(const struct iotl_transport *t, const char *u)
{
    struct iotl_transport_request req = {.url = u};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    char etag[IOTL_TRANSPORT_ETAG_MAX + 1];
    ck_assert_uint_gt(strlen(r.resp.etag), 2);
    strcpy(etag, r.resp.etag);
    req.if_none_match = etag;
    ck_assert_int_eq(tfetch(t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_int_eq(r.resp.status, 304);
    ck_assert_uint_eq(r.len, 0);
    req.if_none_match = "\"not-the-tag\"";
    ck_assert_int_eq(tfetch(t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_int_eq(r.resp.status, 200);
    ck_assert_uint_eq(r.len, BLOB_SIZE);
}

START_TEST(etag_304_http)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/pub/blob.bin");
    check_etag(&g_ct, u);
}
END_TEST

START_TEST(etag_304_file)
{
    char u[512];
    file_url(u, sizeof(u), "/pub/blob.bin");
    check_etag(&g_ft, u);
}
END_TEST

/* Bad answers: each maps to its one error code, and the status is kept. */
START_TEST(http_errors_table)
{
    static const struct {
        const char *base;
        const char *path;
        uint64_t offset;
        uint64_t max_size;
        uint32_t timeout_ms;
        int expect;
        int status; /* -1: do not check */
        bool needs_echo;
    } cases[] = {
        {"IOTL_E2E_HTTP", "/pub/missing.bin", 0, 0, 0, IOTL_ERR_HTTP_NOT_FOUND, 404, false},
        {"IOTL_E2E_HTTP", "/err/404", 0, 0, 0, IOTL_ERR_HTTP_NOT_FOUND, 404, false},
        {"IOTL_E2E_HTTP", "/err/500", 0, 0, 0, IOTL_ERR_HTTP_SERVER, 500, false},
        {"IOTL_E2E_HTTP", "/err/503", 0, 0, 0, IOTL_ERR_HTTP_SERVER, 503, false},
        {"IOTL_E2E_HTTP", "/err/502", 0, 0, 0, IOTL_ERR_HTTP_SERVER, 502, false},
        {"IOTL_E2E_HTTP", "/err/418", 0, 0, 0, IOTL_ERR_HTTP_STATUS, 418, false},
        {"IOTL_E2E_HTTPS", "/err/500", 0, 0, 0, IOTL_ERR_HTTP_SERVER, 500, false},
        {"IOTL_E2E_HTTP", "/loop", 0, 0, 0, IOTL_ERR_REDIRECTS, -1, false},
        {"IOTL_E2E_HTTP", "/pub/blob.bin", 0, BLOB_SIZE - 1u, 0, IOTL_ERR_RESPONSE_TOO_LARGE, 200, false},
        {"IOTL_E2E_HTTP", "/pub/blob.bin", 5, BLOB_SIZE - 1u, 0, IOTL_ERR_RESPONSE_TOO_LARGE, 206, false},
        {"IOTL_E2E_HTTP", "/gen/chunked", 0, 100000, 0, IOTL_ERR_RESPONSE_TOO_LARGE, 200, true},
        {"IOTL_E2E_HTTP", "/pub/blob.bin", BLOB_SIZE, 0, 0, IOTL_ERR_HTTP_RANGE, 416, false},
        {"IOTL_E2E_RAW", "/truncated", 0, 0, 0, IOTL_ERR_TRUNCATED, 200, false},
        {"IOTL_E2E_CLOSED", "/x", 0, 0, 0, IOTL_ERR_TRANSPORT, -1, false},
        {"IOTL_E2E_HTTP", "/gen/slow", 0, 0, 300, IOTL_ERR_TIMEOUT, -1, true},
    };
    bool echo = strcmp(env("IOTL_E2E_ECHO"), "1") == 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].needs_echo && !echo) {
            continue;
        }
        char u[512];
        url(u, sizeof(u), cases[i].base, cases[i].path);
        struct iotl_transport_request req = {.url = u, .offset = cases[i].offset,
                                             .max_size = cases[i].max_size,
                                             .timeout_ms = cases[i].timeout_ms};
        struct tfetch_result r;
        int ret = tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r);
        ck_assert_msg(ret == cases[i].expect, "%s%s: %s, want %s", cases[i].base, cases[i].path,
                      iotl_strerror_name(ret), iotl_strerror_name(cases[i].expect));
        if (cases[i].status >= 0) {
            ck_assert_msg(r.resp.status == cases[i].status, "%s: status %d", cases[i].path, r.resp.status);
        }
    }
    struct iotl_transport_request req = {.url = "ftp://127.0.0.1/x"};
    ck_assert_int_eq(g_ct.ops->get_start(g_ct.ctx, &req), IOTL_ERR_INVALID_ARG);
}
END_TEST

START_TEST(truncated_body_delivers_what_came)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_RAW", "/truncated");
    struct iotl_transport_request req = {.url = u};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r), IOTL_ERR_TRUNCATED);
    ck_assert_int_eq(r.response_err, 0);
    ck_assert_int_eq(r.resp.content_length, 1000);
    ck_assert_uint_eq(r.len, 16);
}
END_TEST

START_TEST(redirect_followed)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/redir");
    check_full(&g_ct, u);
    /* with redirects disabled the 302 itself is the (unexpected) answer */
    iotl_curl_deinit(&g_curl);
    g_cfg.max_redirects = IOTL_CURL_NO_REDIRECTS;
    ck_assert_int_eq(iotl_curl_init(&g_curl, &g_ct, &g_cfg), 0);
    struct iotl_transport_request req = {.url = u};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r), IOTL_ERR_HTTP_STATUS);
    ck_assert_int_eq(r.resp.status, 302);
}
END_TEST

START_TEST(https_needs_the_right_ca)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTPS", "/pub/blob.bin");
    static const char *const cas[] = {NULL, "IOTL_E2E_OTHER_CA"};
    for (size_t i = 0; i < 2; i++) {
        iotl_curl_deinit(&g_curl);
        g_cfg.ca_file = cas[i] != NULL ? env(cas[i]) : NULL; /* NULL: system store */
        ck_assert_int_eq(iotl_curl_init(&g_curl, &g_ct, &g_cfg), 0);
        struct iotl_transport_request req = {.url = u};
        struct tfetch_result r;
        ck_assert_int_eq(tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r), IOTL_ERR_TLS);
        ck_assert_uint_eq(r.len, 0);
        ck_assert_int_eq(g_ct.ops->put(g_ct.ctx, u, "x", 1, NULL), IOTL_ERR_TLS);
    }
    /* the certificate names localhost too */
    iotl_curl_deinit(&g_curl);
    g_cfg.ca_file = env("IOTL_E2E_CA");
    ck_assert_int_eq(iotl_curl_init(&g_curl, &g_ct, &g_cfg), 0);
    const char *port = strrchr(env("IOTL_E2E_HTTPS"), ':');
    snprintf(u, sizeof(u), "https://localhost%s/pub/blob.bin", port);
    check_full(&g_ct, u);
}
END_TEST

START_TEST(https_client_certificate)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTPS", "/mtls/blob.bin");
    struct iotl_transport_request req = {.url = u};
    struct tfetch_result r;
    /* without a client certificate the location refuses */
    ck_assert_int_eq(tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r), IOTL_ERR_HTTP_STATUS);
    ck_assert_int_eq(r.resp.status, 403);
    iotl_curl_deinit(&g_curl);
    g_cfg.client_cert = env("IOTL_E2E_CLIENT_CERT");
    g_cfg.client_key = env("IOTL_E2E_CLIENT_KEY");
    ck_assert_int_eq(iotl_curl_init(&g_curl, &g_ct, &g_cfg), 0);
    check_full(&g_ct, u);
    /* a missing key file is a TLS setup failure, not a silent plain request */
    iotl_curl_deinit(&g_curl);
    g_cfg.client_key = "/nonexistent/client.key";
    ck_assert_int_eq(iotl_curl_init(&g_curl, &g_ct, &g_cfg), 0);
    ck_assert_int_eq(tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r), IOTL_ERR_TLS);
}
END_TEST

static void check_put_get(const struct iotl_transport *t, const char *u)
{
    const char *doc1 = "{\"device\":\"dev-1\",\"outcome\":\"installed\"}";
    char doc2[3000];
    memset(doc2, 'z', sizeof(doc2));
    ck_assert_int_eq(t->ops->put(t->ctx, u, doc1, strlen(doc1), "application/json"), 0);
    struct iotl_transport_request req = {.url = u};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_uint_eq(r.len, strlen(doc1));
    ck_assert_int_eq(memcmp(g_buf, doc1, r.len), 0);
    /* idempotent by name: the second PUT replaces the first */
    ck_assert_int_eq(t->ops->put(t->ctx, u, doc2, sizeof(doc2), NULL), 0);
    ck_assert_int_eq(tfetch(t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_uint_eq(r.len, sizeof(doc2));
    ck_assert_int_eq(memcmp(g_buf, doc2, r.len), 0);
}

START_TEST(put_then_get_http)
{
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/upload/dev-1/status.json");
    check_put_get(&g_ct, u);
    url(u, sizeof(u), "IOTL_E2E_HTTPS", "/upload/dev-2/deep/er/status.json");
    check_put_get(&g_ct, u);
    /* PUT where the server does not allow it */
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/pub/nope.json");
    ck_assert_int_eq(g_ct.ops->put(g_ct.ctx, u, "x", 1, NULL), IOTL_ERR_HTTP_STATUS);
    url(u, sizeof(u), "IOTL_E2E_CLOSED", "/upload/x");
    ck_assert_int_eq(g_ct.ops->put(g_ct.ctx, u, "x", 1, NULL), IOTL_ERR_TRANSPORT);
}
END_TEST

START_TEST(put_then_get_file)
{
    char u[512];
    file_url(u, sizeof(u), "/upload/dev-3/status.json");
    check_put_get(&g_ft, u);
}
END_TEST

START_TEST(curl_is_non_blocking)
{
    if (strcmp(env("IOTL_E2E_ECHO"), "1") != 0) {
        return;
    }
    char u[512];
    url(u, sizeof(u), "IOTL_E2E_HTTP", "/gen/slow");
    struct iotl_transport_request req = {.url = u};
    struct iotl_transport_response resp;
    ck_assert_int_eq(g_ct.ops->get_start(g_ct.ctx, &req), 0);
    ck_assert_int_eq(g_ct.ops->get_start(g_ct.ctx, &req), IOTL_ERR_STATE);
    ck_assert_int_eq(g_ct.ops->put(g_ct.ctx, u, "x", 1, NULL), IOTL_ERR_STATE);
    /* the answer takes 1 s: the first calls return at once */
    ck_assert_int_eq(g_ct.ops->get_response(g_ct.ctx, &resp), IOTL_ERR_WOULD_BLOCK);
    uint8_t b[16];
    ck_assert_int_eq(g_ct.ops->read(g_ct.ctx, b, sizeof(b)), IOTL_ERR_STATE);
    g_ct.ops->close(g_ct.ctx);
    g_ct.ops->close(g_ct.ctx);
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(&g_ct, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_uint_gt(r.would_block, 0);
    ck_assert_uint_eq(r.len, 5);
    ck_assert_int_eq(memcmp(g_buf, "late\n", 5), 0);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("transport_e2e");
    TCase *tc = tcase_create("nginx");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, full_get_http);
    tcase_add_test(tc, full_get_https_with_ca);
    tcase_add_test(tc, full_get_file);
    tcase_add_test(tc, ranged_resume_http);
    tcase_add_test(tc, ranged_resume_https);
    tcase_add_test(tc, ranged_resume_file);
    tcase_add_test(tc, range_ignored_answers_whole_object);
    tcase_add_test(tc, etag_304_http);
    tcase_add_test(tc, etag_304_file);
    tcase_add_test(tc, http_errors_table);
    tcase_add_test(tc, truncated_body_delivers_what_came);
    tcase_add_test(tc, redirect_followed);
    tcase_add_test(tc, https_needs_the_right_ca);
    tcase_add_test(tc, https_client_certificate);
    tcase_add_test(tc, put_then_get_http);
    tcase_add_test(tc, put_then_get_file);
    tcase_add_test(tc, curl_is_non_blocking);
    suite_add_tcase(s, tc);
    return s;
}
