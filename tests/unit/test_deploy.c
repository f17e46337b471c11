/* SPDX-License-Identifier: Apache-2.0 */
/* Deployment schema v1 and the device policy: targeting, deterministic
 * rollout cohorts, campaign windows and maintenance hours. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <string.h>

#include "iotlife/deploy.h"
#include "trust_fixture.h"

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const char base[] =
    "{\"type\":\"iotlife-deployment\",\"v\":1,\"id\":\"rollout-2026-11\",\"sequence\":5,"
    "\"issued_at\":1764000000,\"expires\":1766592000,\"manifest_sha256\":\"" H64 "\","
    "\"manifest_url\":\"../releases/acme/1.4.2/manifest.jws\","
    "\"select\":{\"hardware\":[\"rev-a\"],\"groups\":[\"beta\",\"lab\"],\"installed_min\":\"1.0.0\","
    "\"installed_max\":\"1.4.1\"},\"rollout_percent\":12.5,\"not_before\":1764000000,"
    "\"not_after\":1766000000,\"hours_utc\":[22,4],\"urgency\":\"normal\"}";

static const char *mutate(const char *from, const char *to)
{
    static char buf[8192];
    const char *p = strstr(base, from);
    ck_assert_msg(p != NULL, "pattern %s", from);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - base), base, to, p + strlen(from));
    return buf;
}

START_TEST(valid_deployment)
{
    struct iotl_deployment d;
    ck_assert_int_eq(iotl_deployment_parse(&d, base, strlen(base)), 0);
    ck_assert_str_eq(d.id, "rollout-2026-11");
    ck_assert_uint_eq(d.sequence, 5);
    ck_assert_uint_eq(d.manifest_sha256[31], 0xff);
    ck_assert_uint_eq(d.hardware_count, 1);
    ck_assert_uint_eq(d.group_count, 2);
    ck_assert_uint_eq(d.device_count, 0);
    ck_assert_str_eq(d.installed_max, "1.4.1");
    ck_assert_uint_eq(d.rollout_bp, 1250);
    ck_assert_uint_eq(d.hours_start, 22);
    ck_assert_uint_eq(d.hours_end, 4);
    ck_assert_uint_eq(d.urgency, IOTL_URGENCY_NORMAL);
    ck_assert_str_eq(d.manifest_url, "../releases/acme/1.4.2/manifest.jws");
    /* Minimal: no selector, no rollout -> everyone, 100 %. */
    static const char min[] = "{\"type\":\"iotlife-deployment\",\"v\":1,\"id\":\"d\",\"sequence\":1,"
                              "\"issued_at\":1,\"expires\":2,\"manifest_sha256\":\"" H64 "\"}";
    ck_assert_int_eq(iotl_deployment_parse(&d, min, strlen(min)), 0);
    ck_assert_uint_eq(d.rollout_bp, 10000);
    ck_assert_uint_eq(d.hours_start, d.hours_end);
}
END_TEST

START_TEST(bad_input_table)
{
    static const struct {
        const char *from;
        const char *to;
        int expect;
    } rows[] = {
        {"\"iotlife-deployment\"", "\"iotlife-manifest\"", IOTL_ERR_SCHEMA},
        {"\"v\":1", "\"v\":0", IOTL_ERR_SCHEMA},
        {"\"v\":1", "\"v\":1.5", IOTL_ERR_SCHEMA},
        {"\"v\":1", "\"v\":\"1\"", IOTL_ERR_SCHEMA},
        {"\"id\":\"rollout-2026-11\",", "", IOTL_ERR_SCHEMA},
        {"\"id\":\"rollout-2026-11\"", "\"id\":\"a/b\"", IOTL_ERR_RANGE},
        {"\"sequence\":5", "\"sequence\":-5", IOTL_ERR_RANGE},
        {"\"expires\":1766592000", "\"expires\":1764000000", IOTL_ERR_RANGE},
        {"\"manifest_sha256\":\"" H64 "\"", "\"manifest_sha256\":\"abc\"", IOTL_ERR_RANGE},
        {"\"manifest_sha256\":\"" H64 "\",", "", IOTL_ERR_SCHEMA},
        {"\"select\":{", "\"select\":[],\"x\":{", IOTL_ERR_SCHEMA},
        {"[\"beta\",\"lab\"]", "[\"beta\",\"beta\"]", IOTL_ERR_SCHEMA},
        {"[\"beta\",\"lab\"]", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\","
                               "\"o\",\"p\",\"q\"]",
         IOTL_ERR_TOO_LARGE},
        {"\"installed_min\":\"1.0.0\"", "\"installed_min\":\"1.0\"", IOTL_ERR_VERSION_FORMAT},
        {"\"installed_min\":\"1.0.0\"", "\"installed_min\":\"2.0.0\"", IOTL_ERR_RANGE},
        {"\"rollout_percent\":12.5", "\"rollout_percent\":100.5", IOTL_ERR_RANGE},
        {"\"rollout_percent\":12.5", "\"rollout_percent\":-1", IOTL_ERR_RANGE},
        {"\"rollout_percent\":12.5", "\"rollout_percent\":12.345", IOTL_ERR_RANGE},
        {"\"rollout_percent\":12.5", "\"rollout_percent\":\"10\"", IOTL_ERR_SCHEMA},
        {"\"rollout_percent\":12.5", "\"rollout_percent\":0.01", 0},
        {"\"not_after\":1766000000", "\"not_after\":1763000000", IOTL_ERR_RANGE},
        {"\"hours_utc\":[22,4]", "\"hours_utc\":[22,25]", IOTL_ERR_RANGE},
        {"\"hours_utc\":[22,4]", "\"hours_utc\":[3,3]", IOTL_ERR_RANGE},
        {"\"hours_utc\":[22,4]", "\"hours_utc\":[3]", IOTL_ERR_SCHEMA},
        {"\"urgency\":\"normal\"", "\"urgency\":\"asap\"", IOTL_ERR_SCHEMA},
        {"\"../releases/acme/1.4.2/manifest.jws\"", "\"/abs/manifest.jws\"", IOTL_ERR_RANGE},
        {"\"../releases/acme/1.4.2/manifest.jws\"", "\"a b.jws\"", IOTL_ERR_RANGE},
        {"\"../releases/acme/1.4.2/manifest.jws\"", "\"https://cdn.example.com/m.jws\"", 0},
        {"\"../releases/acme/1.4.2/manifest.jws\"", "7", IOTL_ERR_SCHEMA},
        {"\"urgency\":\"normal\"", "\"urgency\":\"normal\",\"urgency\":\"critical\"", IOTL_ERR_DUPLICATE_KEY},
        {"\"normal\"}", "\"normal\"}garbage", IOTL_ERR_TRAILING_DATA},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *doc = mutate(rows[i].from, rows[i].to);
        struct iotl_deployment d;
        int ret = iotl_deployment_parse(&d, doc, strlen(doc));
        ck_assert_msg(ret == rows[i].expect, "row %zu (%s): got %d %s want %d", i, rows[i].to, ret,
                      iotl_strerror_name(ret), rows[i].expect);
    }
}
END_TEST

START_TEST(targeting)
{
    struct iotl_deployment d;
    ck_assert_int_eq(iotl_deployment_parse(&d, base, strlen(base)), 0);
    const char *groups[] = {"prod", "lab"};
    struct iotl_device_info dev = {"dev-1", "acme-sensor", "rev-a", groups, 2, "1.2.0"};
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), 0);
    dev.hardware = "rev-b";
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), IOTL_ERR_NOT_TARGETED);
    dev.hardware = "rev-a";
    dev.group_count = 1; /* only "prod" */
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), IOTL_ERR_NOT_TARGETED);
    dev.group_count = 2;
    dev.installed_version = "1.4.1";
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), 0);
    dev.installed_version = "1.4.2";
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), IOTL_ERR_NOT_TARGETED);
    dev.installed_version = "1.0.0-rc.1"; /* pre-release sorts below 1.0.0 */
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), IOTL_ERR_NOT_TARGETED);
    dev.installed_version = "garbage";
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), IOTL_ERR_VERSION_FORMAT);
    /* Explicit device ids. */
    const char *doc = mutate("\"select\":{", "\"select\":{\"devices\":[\"dev-7\",\"aa:bb:cc\"],");
    ck_assert_int_eq(iotl_deployment_parse(&d, doc, strlen(doc)), 0);
    dev.installed_version = "1.2.0";
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), IOTL_ERR_NOT_TARGETED);
    dev.id = "aa:bb:cc";
    ck_assert_int_eq(iotl_deployment_targets(&d, &dev), 0);
}
END_TEST

START_TEST(rollout_is_deterministic_and_proportional)
{
    struct iotl_deployment d;
    const char *doc = mutate("\"rollout_percent\":12.5", "\"rollout_percent\":10");
    ck_assert_int_eq(iotl_deployment_parse(&d, doc, strlen(doc)), 0);
    ck_assert_uint_eq(d.rollout_bp, 1000);
    const struct iotl_crypto *c = fx_crypto();
    unsigned in = 0;
    for (unsigned i = 0; i < 10000; i++) {
        char id[32];
        snprintf(id, sizeof(id), "device-%05u", i);
        int a = iotl_deployment_in_cohort(c, &d, id);
        int b = iotl_deployment_in_cohort(c, &d, id);
        ck_assert_int_eq(a, b); /* same device, same answer */
        ck_assert(a == 0 || a == IOTL_ERR_NOT_IN_COHORT);
        in += (a == 0);
    }
    printf("rollout 10%%: %u of 10000 devices selected\n", in);
    ck_assert_uint_ge(in, 900);
    ck_assert_uint_le(in, 1100);
    /* The id salts the hash: another deployment picks a different cohort. */
    struct iotl_deployment d2 = d;
    strcpy(d2.id, "other-rollout");
    unsigned differ = 0;
    for (unsigned i = 0; i < 1000; i++) {
        char id[32];
        snprintf(id, sizeof(id), "device-%05u", i);
        differ += (iotl_deployment_in_cohort(c, &d, id) != iotl_deployment_in_cohort(c, &d2, id));
    }
    ck_assert_uint_gt(differ, 50);
    /* Known answers from an independent Python one-liner (docs/deployment.md):
     * int.from_bytes(sha256(id + b"\\0" + dev).digest()[:4], "big") % 10000 */
    uint32_t bucket;
    ck_assert_int_eq(iotl_deployment_bucket(c, "a", "b", &bucket), 0);
    ck_assert_uint_eq(bucket, 6734);
    ck_assert_int_eq(iotl_deployment_bucket(c, "rollout-2026-11", "device-00000", &bucket), 0);
    ck_assert_uint_eq(bucket, 2323);
    /* 0 % selects nobody, 100 % everybody. */
    d.rollout_bp = 0;
    ck_assert_int_eq(iotl_deployment_in_cohort(c, &d, "device-00001"), IOTL_ERR_NOT_IN_COHORT);
    d.rollout_bp = 10000;
    ck_assert_int_eq(iotl_deployment_in_cohort(c, &d, "device-00001"), 0);
}
END_TEST

START_TEST(windows_and_hours)
{
    struct iotl_deployment d;
    ck_assert_int_eq(iotl_deployment_parse(&d, base, strlen(base)), 0);
    /* 1764000000 is 2025-11-24T16:00:00Z. Hours window 22:00..04:00 UTC. */
    int64_t day = 1764000000 - 16 * 3600;
    ck_assert_int_eq(iotl_deployment_in_window(&d, day + 23 * 3600), 0);
    ck_assert_int_eq(iotl_deployment_in_window(&d, day + 86400 + 3 * 3600 + 3599), 0);
    ck_assert_int_eq(iotl_deployment_in_window(&d, day + 86400 + 4 * 3600), IOTL_ERR_OUTSIDE_WINDOW);
    ck_assert_int_eq(iotl_deployment_in_window(&d, day + 86400 + 12 * 3600), IOTL_ERR_OUTSIDE_WINDOW);
    /* Before not_before / at not_after. */
    ck_assert_int_eq(iotl_deployment_in_window(&d, 1764000000 - 3600), IOTL_ERR_OUTSIDE_WINDOW);
    ck_assert_int_eq(iotl_deployment_in_window(&d, 1766000000), IOTL_ERR_OUTSIDE_WINDOW);
    /* Far beyond 2^32 s (no 64-bit division on the device): the hour still
     * follows the UTC day, checked for every hour of two days. */
    struct iotl_deployment far = d;
    far.not_before = 0;
    far.not_after = 0;
    for (int64_t t = ((INT64_C(1) << 40) / 86400 + 1) * 86400, h = 0; h < 48; h++) {
        int want = ((h % 24) >= 22 || (h % 24) < 4) ? 0 : IOTL_ERR_OUTSIDE_WINDOW;
        ck_assert_int_eq(iotl_deployment_in_window(&far, t + h * 3600 + 1799), want);
    }
    /* Critical ignores maintenance hours, not the campaign window. */
    d.urgency = IOTL_URGENCY_CRITICAL;
    ck_assert_int_eq(iotl_deployment_in_window(&d, day + 86400 + 12 * 3600), 0);
    ck_assert_int_eq(iotl_deployment_in_window(&d, 1766000000), IOTL_ERR_OUTSIDE_WINDOW);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("deploy");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, valid_deployment);
    tcase_add_test(tc, bad_input_table);
    tcase_add_test(tc, targeting);
    tcase_add_test(tc, rollout_is_deterministic_and_proportional);
    tcase_add_test(tc, windows_and_hours);
    suite_add_tcase(s, tc);
    return s;
}
