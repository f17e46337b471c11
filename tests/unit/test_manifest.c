/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest schema v1: a valid document, one mutation per rejection, semver. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <string.h>

#include "iotlife/manifest.h"

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define H64B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static const char base[] =
    "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"acme-sensor\",\"hardware\":[\"rev-a\",\"rev-b\"],"
    "\"version\":\"1.4.2-rc.1+build.7\",\"security_version\":3,\"sequence\":17,\"issued_at\":1764000000,"
    "\"expires\":1795536000,\"supported_until\":1827072000,\"release_notes\":\"https://example.com/notes/1.4.2\","
    "\"payloads\":[{\"name\":\"app\",\"component\":\"app\",\"size\":4096,\"sha256\":\"" H64 "\","
    "\"location\":\"app-1.4.2.bin\",\"kind\":\"full\"},"
    "{\"name\":\"app-delta\",\"component\":\"app\",\"size\":4096,\"sha256\":\"" H64 "\",\"kind\":\"delta\","
    "\"download_size\":300,\"download_sha256\":\"" H64B "\",\"location\":\"https://cdn.example.com/d.bin\","
    "\"base_version\":\"1.4.1\",\"base_sha256\":\"" H64B "\"}]}";

/* base with the first occurrence of `from` replaced by `to`. */
static const char *mutate(const char *from, const char *to)
{
    static char buf[16384];
    const char *p = strstr(base, from);
    ck_assert_msg(p != NULL, "pattern %s", from);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - base), base, to, p + strlen(from));
    return buf;
}

START_TEST(valid_manifest)
{
    struct iotl_manifest m;
    ck_assert_int_eq(iotl_manifest_parse(&m, base, strlen(base)), 0);
    ck_assert_str_eq(m.product, "acme-sensor");
    ck_assert_uint_eq(m.hardware_count, 2);
    ck_assert_str_eq(m.hardware[1], "rev-b");
    ck_assert_str_eq(m.version, "1.4.2-rc.1+build.7");
    ck_assert_uint_eq(m.semver.major, 1);
    ck_assert_uint_eq(m.semver.minor, 4);
    ck_assert_uint_eq(m.semver.patch, 2);
    ck_assert_str_eq(m.semver.pre, "rc.1");
    ck_assert_uint_eq(m.security_version, 3);
    ck_assert_uint_eq(m.sequence, 17);
    ck_assert(m.expires == 1795536000LL);
    ck_assert(m.supported_until == 1827072000LL);
    ck_assert_uint_eq(m.payload_count, 2);
    const struct iotl_payload *p = &m.payloads[0];
    ck_assert_uint_eq(p->kind, IOTL_PAYLOAD_FULL);
    ck_assert_uint_eq(p->size, 4096);
    ck_assert_uint_eq(p->download_size, 4096);
    ck_assert_uint_eq(p->sha256[1], 0x11);
    ck_assert_mem_eq(p->download_sha256, p->sha256, 32);
    p = &m.payloads[1];
    ck_assert_uint_eq(p->kind, IOTL_PAYLOAD_DELTA);
    ck_assert_uint_eq(p->download_size, 300);
    ck_assert_str_eq(p->base_version, "1.4.1");
    ck_assert_uint_eq(p->base_sha256[0], 0xff);
    ck_assert_ptr_eq(iotl_manifest_find_component(&m, "app"), &m.payloads[0]);
    ck_assert_uint_eq(m.payloads[0].flags, 0);
    const char *dfl = mutate("\"kind\":\"full\"", "\"kind\":\"deflate\",\"download_size\":9,\"download_sha256\":\"" H64
                                                    "\",\"restart_points\":true");
    ck_assert_int_eq(iotl_manifest_parse(&m, dfl, strlen(dfl)), 0);
    ck_assert_uint_eq(m.payloads[0].kind, IOTL_PAYLOAD_DEFLATE);
    ck_assert_uint_eq(m.payloads[0].flags, IOTL_COMPONENT_FULL_FLUSH);
    ck_assert_uint_eq(m.payloads[0].download_size, 9);
    ck_assert_ptr_null(iotl_manifest_find_component(&m, "bootloader"));
}
END_TEST

START_TEST(bad_input_table)
{
    char long_name[64];
    memset(long_name, 'n', IOTL_MANIFEST_NAME_MAX + 1);
    long_name[IOTL_MANIFEST_NAME_MAX + 1] = '\0';
    char long_prod[80];
    snprintf(long_prod, sizeof(long_prod), "\"product\":\"%s\"", long_name);
    char ok_prod[80];
    long_name[IOTL_MANIFEST_NAME_MAX] = '\0';
    snprintf(ok_prod, sizeof(ok_prod), "\"product\":\"%s\"", long_name);

    struct row {
        const char *from;
        const char *to;
        int expect;
    } rows[] = {
        {"\"type\":\"iotlife-manifest\"", "\"type\":\"iotlife-deployment\"", IOTL_ERR_SCHEMA},
        {"\"v\":1", "\"v\":2", IOTL_ERR_SCHEMA},
        {"\"v\":1", "\"v\":1.5", IOTL_ERR_SCHEMA},
        {"\"v\":1", "\"v\":\"1\"", IOTL_ERR_SCHEMA},
        {"\"product\":\"acme-sensor\",", "", IOTL_ERR_SCHEMA},
        {"\"product\":\"acme-sensor\"", "\"product\":\"acme sensor\"", IOTL_ERR_RANGE},
        {"\"product\":\"acme-sensor\"", "\"product\":\"\"", IOTL_ERR_RANGE},
        {"\"product\":\"acme-sensor\"", "\"product\":7", IOTL_ERR_SCHEMA},
        {"\"product\":\"acme-sensor\"", long_prod, IOTL_ERR_RANGE},
        {"\"product\":\"acme-sensor\"", ok_prod, 0},
        {"[\"rev-a\",\"rev-b\"]", "[]", IOTL_ERR_SCHEMA},
        {"[\"rev-a\",\"rev-b\"]", "[\"rev-a\",\"rev-a\"]", IOTL_ERR_SCHEMA},
        {"[\"rev-a\",\"rev-b\"]", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]", IOTL_ERR_TOO_LARGE},
        {"\"1.4.2-rc.1+build.7\"", "\"1.4\"", IOTL_ERR_VERSION_FORMAT},
        {"\"1.4.2-rc.1+build.7\"", "\"v1.4.2\"", IOTL_ERR_VERSION_FORMAT},
        {"\"1.4.2-rc.1+build.7\"", "\"01.4.2\"", IOTL_ERR_VERSION_FORMAT},
        {"\"1.4.2-rc.1+build.7\"", "\"1.4.2-rc.01\"", IOTL_ERR_VERSION_FORMAT},
        {"\"1.4.2-rc.1+build.7\"", "\"1.4.2-\"", IOTL_ERR_VERSION_FORMAT},
        {"\"1.4.2-rc.1+build.7\"", "\"4294967296.0.0\"", IOTL_ERR_VERSION_FORMAT},
        {"\"1.4.2-rc.1+build.7\"", "\"1.0.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
         IOTL_ERR_VERSION_FORMAT},
        {"\"security_version\":3", "\"security_version\":-1", IOTL_ERR_RANGE},
        {"\"security_version\":3", "\"security_version\":4294967296", IOTL_ERR_RANGE},
        {"\"security_version\":3", "\"security_version\":3.5", IOTL_ERR_RANGE},
        {"\"security_version\":3", "\"security_version\":\"3\"", IOTL_ERR_SCHEMA},
        {"\"sequence\":17", "\"sequence\":1e20", IOTL_ERR_RANGE},
        {"\"sequence\":17,", "", IOTL_ERR_SCHEMA},
        {"\"expires\":1795536000", "\"expires\":1764000000", IOTL_ERR_RANGE},
        {"\"issued_at\":1764000000", "\"issued_at\":-5", IOTL_ERR_RANGE},
        {"\"https://example.com/notes/1.4.2\"", "\"https://example.com/a b\"", IOTL_ERR_RANGE},
        {"\"size\":4096", "\"size\":0", IOTL_ERR_RANGE},
        {"\"size\":4096", "\"size\":4294967296", IOTL_ERR_RANGE},
        {"\"sha256\":\"" H64 "\"", "\"sha256\":\"00\"", IOTL_ERR_RANGE},
        {"\"sha256\":\"" H64 "\"", "\"sha256\":\"" H64B "\",\"sha256\":\"" H64 "\"", IOTL_ERR_DUPLICATE_KEY},
        {"00112233445566778899aabbccddeeff0011", "00112233445566778899AABBCCDDEEFF0011", IOTL_ERR_RANGE},
        {"\"app-1.4.2.bin\"", "\"../etc/passwd\"", IOTL_ERR_RANGE},
        {"\"app-1.4.2.bin\"", "\"/abs/path.bin\"", IOTL_ERR_RANGE},
        {"\"app-1.4.2.bin\"", "\"file:///x.bin\"", IOTL_ERR_RANGE},
        {"\"app-1.4.2.bin\"", "\"images/app.bin\"", 0},
        {"\"kind\":\"full\"", "\"kind\":\"zip\"", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"base_version\":\"1.0.0\"", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"download_size\":1", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"deflate\"", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"download_size\":0", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"download_sha256\":\"" H64 "\"", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"download_size\":4096,\"download_sha256\":\"" H64B "\"",
         IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"download_size\":4096,\"download_sha256\":\"" H64 "\"", 0},
        {"\"download_size\":300", "\"download_size\":0", IOTL_ERR_RANGE},
        {"\"download_size\":300,", "", IOTL_ERR_SCHEMA},
        {"\"download_sha256\":\"" H64B "\",", "", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"restart_points\":true", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"full\",\"restart_points\":1", IOTL_ERR_SCHEMA},
        {"\"kind\":\"full\"", "\"kind\":\"deflate\",\"download_size\":9,\"download_sha256\":\"" H64
                                  "\",\"restart_points\":true",
         0},
        {"\"base_version\":\"1.4.1\"", "\"base_version\":\"1.4\"", IOTL_ERR_VERSION_FORMAT},
        {"\"base_version\":\"1.4.1\",", "", IOTL_ERR_SCHEMA},
        {"\"name\":\"app-delta\"", "\"name\":\"app\"", IOTL_ERR_SCHEMA},
        {"\"payloads\":[", "\"payloads\":[],\"x\":[", IOTL_ERR_SCHEMA},
        {"]}", "]}}", IOTL_ERR_TRAILING_DATA},
        {"]}", "]", IOTL_ERR_MALFORMED},
        {"\"sequence\":17", "\"sequence\":17,\"sequence\":18", IOTL_ERR_DUPLICATE_KEY},
        {"\"release_notes\"", "\"deep\":[[[[[[[[[1]]]]]]]]],\"release_notes\"", IOTL_ERR_TOO_DEEP},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *doc = mutate(rows[i].from, rows[i].to);
        struct iotl_manifest m;
        int ret = iotl_manifest_parse(&m, doc, strlen(doc));
        ck_assert_msg(ret == rows[i].expect, "row %zu (%s): got %d %s want %d", i, rows[i].to, ret,
                      iotl_strerror_name(ret), rows[i].expect);
        if (ret != 0) {
            ck_assert_uint_eq(m.payload_count, 0);
        }
    }
    /* Too many payloads. */
    char big[IOTL_JSON_MAX_SIZE];
    size_t o = (size_t)snprintf(big, sizeof(big),
                                "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"p\",\"hardware\":[\"h\"],"
                                "\"version\":\"1.0.0\",\"security_version\":0,\"sequence\":1,\"issued_at\":1,"
                                "\"expires\":2,\"payloads\":[");
    for (int i = 0; i <= IOTL_MANIFEST_MAX_PAYLOADS; i++) {
        o += (size_t)snprintf(big + o, sizeof(big) - o,
                              "%s{\"name\":\"p%d\",\"component\":\"c\",\"size\":1,\"sha256\":\"" H64
                              "\",\"location\":\"x\"}",
                              i ? "," : "", i);
    }
    o += (size_t)snprintf(big + o, sizeof(big) - o, "]}");
    struct iotl_manifest m;
    ck_assert_int_eq(iotl_manifest_parse(&m, big, o), IOTL_ERR_TOO_LARGE);
    /* Oversized document. */
    static char huge[IOTL_JSON_MAX_SIZE + 16];
    memset(huge, ' ', sizeof(huge));
    memcpy(huge, base, strlen(base));
    ck_assert_int_eq(iotl_manifest_parse(&m, huge, sizeof(huge)), IOTL_ERR_TOO_LARGE);
}
END_TEST

START_TEST(semver_precedence)
{
    /* semver.org section 11 example order. */
    static const char *order[] = {"1.0.0-alpha",      "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                  "1.0.0-beta.2",     "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
                                  "1.0.1",            "1.1.0",         "2.0.0",            "10.0.0"};
    size_t n = sizeof(order) / sizeof(order[0]);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            struct iotl_semver a;
            struct iotl_semver b;
            ck_assert_int_eq(iotl_semver_parse(order[i], &a), 0);
            ck_assert_int_eq(iotl_semver_parse(order[j], &b), 0);
            int c = iotl_semver_cmp(&a, &b);
            int want = (i > j) - (i < j);
            ck_assert_msg((c > 0) - (c < 0) == want, "%s vs %s", order[i], order[j]);
        }
    }
    struct iotl_semver a;
    struct iotl_semver b;
    ck_assert_int_eq(iotl_semver_parse("1.0.0+abc", &a), 0);
    ck_assert_int_eq(iotl_semver_parse("1.0.0+xyz.007", &b), 0);
    ck_assert_int_eq(iotl_semver_cmp(&a, &b), 0); /* build metadata has no precedence */
    ck_assert_int_eq(iotl_semver_parse("1.0.0+", &a), IOTL_ERR_VERSION_FORMAT);
    ck_assert_int_eq(iotl_semver_parse("1.0.0 ", &a), IOTL_ERR_VERSION_FORMAT);
    ck_assert_int_eq(iotl_semver_parse("1..0", &a), IOTL_ERR_VERSION_FORMAT);
    ck_assert_int_eq(iotl_semver_parse("", &a), IOTL_ERR_VERSION_FORMAT);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("manifest");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, valid_manifest);
    tcase_add_test(tc, bad_input_table);
    tcase_add_test(tc, semver_precedence);
    suite_add_tcase(s, tc);
    return s;
}
