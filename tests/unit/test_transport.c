/* SPDX-License-Identifier: Apache-2.0 */
/* Transport contract helpers and the file:// transport of the POSIX port:
 * it must answer exactly like a static HTTP server would. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tfetch.h"
#include "iotlife/port/posix.h"

static char g_dir[256];
static uint8_t g_blob[100000];
static uint8_t g_buf[200000];
static iotl_posix_transport_t g_pt;
static struct iotl_transport g_t;

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void url_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "file://%s/%s", g_dir, name);
}

static void setup(void)
{
    snprintf(g_dir, sizeof(g_dir), "/tmp/iotl_test_transport.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(g_dir));
    for (size_t i = 0; i < sizeof(g_blob); i++) {
        g_blob[i] = (uint8_t)((i * 131u) ^ (i >> 8));
    }
    char p[512];
    snprintf(p, sizeof(p), "%s/blob.bin", g_dir);
    write_file(p, g_blob, sizeof(g_blob));
    snprintf(p, sizeof(p), "%s/sub dir", g_dir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/sub dir/a.txt", g_dir);
    write_file(p, "hello", 5);
    iotl_posix_transport_init(&g_pt, &g_t);
}

static void teardown(void)
{
    iotl_posix_transport_deinit(&g_pt);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(status_mapping_table)
{
    static const struct {
        int status;
        bool ranged;
        int expect;
    } cases[] = {
        {200, false, IOTL_OK},
        {200, true, IOTL_OK},
        {206, true, IOTL_OK},
        {206, false, IOTL_ERR_HTTP_STATUS},
        {304, false, IOTL_OK},
        {404, false, IOTL_ERR_HTTP_NOT_FOUND},
        {410, true, IOTL_ERR_HTTP_NOT_FOUND},
        {416, true, IOTL_ERR_HTTP_RANGE},
        {500, false, IOTL_ERR_HTTP_SERVER},
        {502, false, IOTL_ERR_HTTP_SERVER},
        {599, false, IOTL_ERR_HTTP_SERVER},
        {600, false, IOTL_ERR_HTTP_STATUS},
        {301, false, IOTL_ERR_HTTP_STATUS},
        {403, false, IOTL_ERR_HTTP_STATUS},
        {100, false, IOTL_ERR_HTTP_STATUS},
        {0, false, IOTL_ERR_HTTP_STATUS},
        {-1, false, IOTL_ERR_HTTP_STATUS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(iotl_transport_status_err(cases[i].status, cases[i].ranged) == cases[i].expect,
                      "status %d", cases[i].status);
    }
}
END_TEST

START_TEST(content_range_table)
{
    static const struct {
        const char *v;
        int expect;
        uint64_t first, last;
        int64_t total;
    } cases[] = {
        {"bytes 0-99/100", 0, 0, 99, 100},
        {" bytes 10-19/*\r\n", 0, 10, 19, -1},
        {"Bytes 5-5/6", 0, 5, 5, 6},
        {"bytes 0-99/99", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"bytes 20-10/100", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"bytes -10/100", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"bytes */100", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"items 0-1/2", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"bytes 0-1/2x", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"bytes 0-99999999999999999999/1", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"bytes 0-1/99999999999999999999", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
        {"", IOTL_ERR_HTTP_STATUS, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t f = 7;
        uint64_t l = 7;
        int64_t t = 7;
        int r = iotl_transport_parse_content_range(cases[i].v, &f, &l, &t);
        ck_assert_msg(r == cases[i].expect, "'%s' -> %d", cases[i].v, r);
        if (r == 0) {
            ck_assert_uint_eq(f, cases[i].first);
            ck_assert_uint_eq(l, cases[i].last);
            ck_assert_int_eq(t, cases[i].total);
        }
    }
}
END_TEST

START_TEST(file_full_get)
{
    char url[512];
    url_of(url, sizeof(url), "blob.bin");
    struct iotl_transport_request req = {.url = url};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_int_eq(r.resp.status, 200);
    ck_assert_int_eq(r.resp.content_length, (int64_t)sizeof(g_blob));
    ck_assert_int_eq(r.resp.total_size, (int64_t)sizeof(g_blob));
    ck_assert_uint_eq(r.resp.offset, 0);
    ck_assert_uint_eq(r.len, sizeof(g_blob));
    ck_assert_int_eq(memcmp(g_buf, g_blob, sizeof(g_blob)), 0);
    ck_assert_int_eq(r.resp.etag[0], '"');
    ck_assert_uint_eq(r.would_block, 0);
}
END_TEST

START_TEST(file_ranged_resume)
{
    char url[512];
    url_of(url, sizeof(url), "blob.bin");
    struct iotl_transport_request req = {.url = url};
    struct tfetch_result r;
    /* interrupted first attempt */
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 33333, &r), 0);
    ck_assert_uint_eq(r.len, 33333);
    /* resume where it stopped */
    req.offset = r.len;
    struct tfetch_result r2;
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf + r.len, sizeof(g_buf) - r.len, 0, &r2), 0);
    ck_assert_int_eq(r2.resp.status, 206);
    ck_assert_uint_eq(r2.resp.offset, 33333);
    ck_assert_int_eq(r2.resp.content_length, (int64_t)(sizeof(g_blob) - 33333));
    ck_assert_int_eq(r2.resp.total_size, (int64_t)sizeof(g_blob));
    ck_assert_uint_eq(r.len + r2.len, sizeof(g_blob));
    ck_assert_int_eq(memcmp(g_buf, g_blob, sizeof(g_blob)), 0);
    /* the last byte alone */
    req.offset = sizeof(g_blob) - 1u;
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r2), 0);
    ck_assert_uint_eq(r2.len, 1);
    ck_assert_uint_eq(g_buf[0], g_blob[sizeof(g_blob) - 1u]);
}
END_TEST

START_TEST(file_range_past_end_is_416)
{
    char url[512];
    url_of(url, sizeof(url), "blob.bin");
    uint64_t offs[] = {sizeof(g_blob), sizeof(g_blob) + 1u, UINT64_MAX};
    for (size_t i = 0; i < 3; i++) {
        struct iotl_transport_request req = {.url = url, .offset = offs[i]};
        struct tfetch_result r;
        ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), IOTL_ERR_HTTP_RANGE);
        ck_assert_int_eq(r.resp.status, 416);
    }
}
END_TEST

START_TEST(file_etag_304)
{
    char url[512];
    char p[512];
    url_of(url, sizeof(url), "blob.bin");
    struct iotl_transport_request req = {.url = url};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    char etag[IOTL_TRANSPORT_ETAG_MAX + 1];
    strcpy(etag, r.resp.etag);
    req.if_none_match = etag;
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_int_eq(r.resp.status, 304);
    ck_assert_uint_eq(r.len, 0);
    ck_assert_str_eq(r.resp.etag, etag);
    /* a rewrite of another size changes the tag: full body again */
    snprintf(p, sizeof(p), "%s/blob.bin", g_dir);
    write_file(p, g_blob, 5000);
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_int_eq(r.resp.status, 200);
    ck_assert_uint_eq(r.len, 5000);
    ck_assert_str_ne(r.resp.etag, etag);
    /* a stale tag does not match */
    req.if_none_match = "\"0-0\"";
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_int_eq(r.resp.status, 200);
}
END_TEST

START_TEST(file_errors_table)
{
    static const struct {
        const char *name;
        uint64_t offset;
        uint64_t max_size;
        int expect;
        int status;
    } cases[] = {
        {"missing.bin", 0, 0, IOTL_ERR_HTTP_NOT_FOUND, 404},
        {"missing/deeper.bin", 0, 0, IOTL_ERR_HTTP_NOT_FOUND, 404},
        {"blob.bin/under-a-file", 0, 0, IOTL_ERR_HTTP_NOT_FOUND, 404},
        {"sub%20dir", 0, 0, IOTL_ERR_HTTP_STATUS, 403},
        {"blob.bin", 0, sizeof(g_blob) - 1u, IOTL_ERR_RESPONSE_TOO_LARGE, 200},
        {"blob.bin", 10, sizeof(g_blob) - 1u, IOTL_ERR_RESPONSE_TOO_LARGE, 206},
        {"blob.bin", 0, sizeof(g_blob), IOTL_OK, 200},
        {"sub%20dir/a.txt", 0, 5, IOTL_OK, 200},
        {"sub%20dir/a.txt", 0, 4, IOTL_ERR_RESPONSE_TOO_LARGE, 200},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char url[512];
        url_of(url, sizeof(url), cases[i].name);
        struct iotl_transport_request req = {.url = url, .offset = cases[i].offset,
                                             .max_size = cases[i].max_size};
        struct tfetch_result r;
        int ret = tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r);
        ck_assert_msg(ret == cases[i].expect, "%s: %d", cases[i].name, ret);
        ck_assert_msg(r.resp.status == cases[i].status, "%s: status %d", cases[i].name, r.resp.status);
    }
}
END_TEST

START_TEST(file_bad_urls)
{
    static const char *const urls[] = {
        "http://example.com/x", "file://relative/x", "file:/x", "", "file:///a%00b", "file:///a%zz",
        "file:///a%4",
    };
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        struct iotl_transport_request req = {.url = urls[i]};
        ck_assert_int_eq(g_t.ops->get_start(g_t.ctx, &req), IOTL_ERR_INVALID_ARG);
        ck_assert_int_eq(g_t.ops->put(g_t.ctx, urls[i], "x", 1, NULL), IOTL_ERR_INVALID_ARG);
    }
    struct iotl_transport_request req = {.url = NULL};
    ck_assert_int_eq(g_t.ops->get_start(g_t.ctx, &req), IOTL_ERR_INVALID_ARG);
}
END_TEST

START_TEST(file_truncated_when_file_shrinks)
{
    char url[512];
    char p[512];
    url_of(url, sizeof(url), "blob.bin");
    snprintf(p, sizeof(p), "%s/blob.bin", g_dir);
    struct iotl_transport_request req = {.url = url};
    struct iotl_transport_response resp;
    ck_assert_int_eq(g_t.ops->get_start(g_t.ctx, &req), 0);
    ck_assert_int_eq(g_t.ops->get_response(g_t.ctx, &resp), 0);
    ck_assert_int_eq(truncate(p, 1000), 0);
    iotl_ssize_t n = g_t.ops->read(g_t.ctx, g_buf, 600);
    ck_assert_int_eq(n, 600);
    n = g_t.ops->read(g_t.ctx, g_buf, sizeof(g_buf));
    ck_assert_int_eq(n, 400);
    n = g_t.ops->read(g_t.ctx, g_buf, sizeof(g_buf));
    ck_assert_int_eq(n, IOTL_ERR_TRUNCATED);
    g_t.ops->close(g_t.ctx);
}
END_TEST

START_TEST(file_one_request_at_a_time)
{
    char url[512];
    url_of(url, sizeof(url), "blob.bin");
    struct iotl_transport_request req = {.url = url};
    struct iotl_transport_response resp;
    uint8_t b[4];
    ck_assert_int_eq(g_t.ops->read(g_t.ctx, b, sizeof(b)), IOTL_ERR_STATE);
    ck_assert_int_eq(g_t.ops->get_response(g_t.ctx, &resp), IOTL_ERR_STATE);
    ck_assert_int_eq(g_t.ops->get_start(g_t.ctx, &req), 0);
    ck_assert_int_eq(g_t.ops->get_start(g_t.ctx, &req), IOTL_ERR_STATE);
    ck_assert_int_eq(g_t.ops->put(g_t.ctx, url, "x", 1, NULL), IOTL_ERR_STATE);
    g_t.ops->close(g_t.ctx);
    g_t.ops->close(g_t.ctx);
    ck_assert_int_eq(g_t.ops->wait(g_t.ctx, 10), 0);
    /* reading an error answer's body is a state error */
    url_of(url, sizeof(url), "nope");
    ck_assert_int_eq(g_t.ops->get_start(g_t.ctx, &req), 0);
    ck_assert_int_eq(g_t.ops->get_response(g_t.ctx, &resp), IOTL_ERR_HTTP_NOT_FOUND);
    ck_assert_int_eq(g_t.ops->read(g_t.ctx, b, sizeof(b)), IOTL_ERR_STATE);
    g_t.ops->close(g_t.ctx);
    iotl_posix_transport_t z;
    memset(&z, 0, sizeof(z));
    iotl_posix_transport_deinit(&z);
}
END_TEST

START_TEST(file_put_then_get)
{
    char url[512];
    url_of(url, sizeof(url), "up/dev%201/status.json");
    const char *doc1 = "{\"outcome\":\"installed\"}";
    const char *doc2 = "{\"outcome\":\"rolled-back\",\"x\":1}";
    ck_assert_int_eq(g_t.ops->put(g_t.ctx, url, doc1, strlen(doc1), "application/json"), 0);
    struct iotl_transport_request req = {.url = url};
    struct tfetch_result r;
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_uint_eq(r.len, strlen(doc1));
    ck_assert_int_eq(memcmp(g_buf, doc1, r.len), 0);
    /* idempotent by name: a second PUT replaces */
    ck_assert_int_eq(g_t.ops->put(g_t.ctx, url, doc2, strlen(doc2), NULL), 0);
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_uint_eq(r.len, strlen(doc2));
    ck_assert_int_eq(memcmp(g_buf, doc2, r.len), 0);
    /* empty object */
    ck_assert_int_eq(g_t.ops->put(g_t.ctx, url, NULL, 0, NULL), 0);
    ck_assert_int_eq(tfetch(&g_t, &req, g_buf, sizeof(g_buf), 0, &r), 0);
    ck_assert_uint_eq(r.len, 0);
    /* a collection name is refused; no temporary file is left behind */
    url_of(url, sizeof(url), "up/");
    ck_assert_int_eq(g_t.ops->put(g_t.ctx, url, "x", 1, NULL), IOTL_ERR_HTTP_STATUS);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s' -name '*.tmp')\"", g_dir);
    ck_assert_int_eq(system(cmd), 0);
    /* a path under a regular file cannot be created */
    url_of(url, sizeof(url), "blob.bin/x");
    ck_assert_int_eq(g_t.ops->put(g_t.ctx, url, "x", 1, NULL), IOTL_ERR_IO);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("transport");
    TCase *tc = tcase_create("contract");
    tcase_add_test(tc, status_mapping_table);
    tcase_add_test(tc, content_range_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, file_full_get);
    tcase_add_test(tc, file_ranged_resume);
    tcase_add_test(tc, file_range_past_end_is_416);
    tcase_add_test(tc, file_etag_304);
    tcase_add_test(tc, file_errors_table);
    tcase_add_test(tc, file_bad_urls);
    tcase_add_test(tc, file_truncated_when_file_shrinks);
    tcase_add_test(tc, file_one_request_at_a_time);
    tcase_add_test(tc, file_put_then_get);
    suite_add_tcase(s, tc);
    return s;
}
