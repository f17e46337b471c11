/* SPDX-License-Identifier: Apache-2.0 */
/* The update decision: one table row per reason, each built from real,
 * signed documents, each expecting exactly its own code. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <string.h>

#include "iotlife/trust.h"
#include "trust_fixture.h"

#define T0 1764000000LL /* 2025-11-24T16:00:00Z */
#define DAY 86400LL

static struct fx_key root, publisher, op, revoked_op, expired_op, stranger;
static iotl_keyring_t ring;
static iotl_trust_work_t work;
static struct iotl_trust_result res;

/* Knobs of one scenario; defaults give an accepted update. */
struct scen {
    const struct fx_key *m_key;
    const struct fx_key *d_key;
    const char *m_header; /* NULL: standard */
    const char *d_header;
    const char *m_extra; /* appended inside the manifest object */
    const char *d_extra;
    const char *m_raw;   /* whole manifest payload instead of the template */
    const char *d_raw;
    int64_t m_expires;
    int64_t d_expires;
    uint32_t m_seq;
    uint32_t d_seq;
    uint32_t secver;
    const char *hardware;
    const char *rollout;
    int64_t not_before;
    int bad_hash;
    int tamper_d_sig;
    int truncate_d;
    struct iotl_floors floors;
    int64_t wall;
    uint32_t max_payload;
    const char *dev_hw;
    const char *dev_group;
};

static void defaults(struct scen *s)
{
    memset(s, 0, sizeof(*s));
    s->m_key = &publisher;
    s->d_key = &op;
    s->m_expires = T0 + 30 * DAY;
    s->d_expires = T0 + 7 * DAY;
    s->m_seq = 17;
    s->d_seq = 5;
    s->secver = 3;
    s->hardware = "\"rev-a\",\"rev-b\"";
    s->rollout = "100";
    s->wall = T0 + 3600; /* 17:00 UTC */
    s->dev_hw = "rev-a";
    s->dev_group = "beta";
    s->floors.security_version = 2;
    s->floors.manifest_seq = 16;
    s->floors.deployment_seq = 4;
}

static int run(const struct scen *s)
{
    static char mpay[8192];
    static char dpay[8192];
    static char mjws[16384];
    static char djws[16384];
    if (s->m_raw != NULL) {
        snprintf(mpay, sizeof(mpay), "%s", s->m_raw);
    } else {
        snprintf(mpay, sizeof(mpay),
                 "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"acme-sensor\",\"hardware\":[%s],"
                 "\"version\":\"1.4.2\",\"security_version\":%u,\"sequence\":%u,\"issued_at\":%lld,"
                 "\"expires\":%lld,\"payloads\":[{\"name\":\"app\",\"component\":\"app\",\"size\":4096,"
                 "\"sha256\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
                 "\"location\":\"app.bin\"}]%s}",
                 s->hardware, s->secver, s->m_seq, (long long)T0, (long long)s->m_expires,
                 s->m_extra ? s->m_extra : "");
    }
    size_t mlen = fx_sign(s->m_key, s->m_header, mpay, mjws, sizeof(mjws));
    uint8_t h[32];
    ck_assert_int_eq(iotl_sha256(fx_crypto(), mjws, mlen, h), 0);
    if (s->bad_hash) {
        h[0] ^= 1;
    }
    char hex[65];
    for (int i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    }
    if (s->d_raw != NULL) {
        snprintf(dpay, sizeof(dpay), "%s", s->d_raw);
    } else {
        snprintf(dpay, sizeof(dpay),
                 "{\"type\":\"iotlife-deployment\",\"v\":1,\"id\":\"wave-1\",\"sequence\":%u,\"issued_at\":%lld,"
                 "\"expires\":%lld,\"manifest_sha256\":\"%s\",\"select\":{\"hardware\":[\"rev-a\",\"rev-c\"],"
                 "\"groups\":[\"beta\"],\"installed_max\":\"1.4.1\"},\"rollout_percent\":%s,"
                 "\"not_before\":%lld,\"hours_utc\":[16,20]%s}",
                 s->d_seq, (long long)T0, (long long)s->d_expires, hex, s->rollout, (long long)s->not_before,
                 s->d_extra ? s->d_extra : "");
    }
    size_t dlen = fx_sign(s->d_key, s->d_header, dpay, djws, sizeof(djws));
    if (s->tamper_d_sig) {
        djws[dlen - 10] = djws[dlen - 10] == 'A' ? 'B' : 'A';
    }
    if (s->truncate_d) {
        dlen -= 30;
    }
    const char *groups[] = {s->dev_group};
    struct iotl_device_info dev = {"device-0001", "acme-sensor", s->dev_hw, groups, 1, "1.4.1"};
    struct iotl_trust_request req = {&ring, fx_crypto(), &dev, &s->floors, s->wall, s->max_payload};
    return iotl_trust_decide(&req, djws, dlen, mjws, mlen, &work, &res);
}

static void setup(void)
{
    struct fx_key *all[] = {&root, &publisher, &op, &revoked_op, &expired_op, &stranger};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        fx_key_new(all[i]);
    }
    ck_assert_int_eq(iotl_keyring_init(&ring, fx_crypto(), (const uint8_t(*)[65])root.pub, 1, 1), 0);
    struct fx_ring_key keys[] = {{&root, "root", 0, 0},
                                 {&publisher, "publisher", 0, 0},
                                 {&op, "operator", 0, 0},
                                 {&expired_op, "operator", T0 - 30 * DAY, T0 - DAY}};
    const char *revoked[] = {revoked_op.kid};
    const struct fx_key *signers[] = {&root};
    static char doc[16384];
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, T0 - 60 * DAY, T0 + 365 * DAY, keys, 4, revoked, 1,
                              signers, 1);
    struct iotl_floors fl = {0};
    ck_assert_int_eq(iotl_keyring_update(&ring, fx_crypto(), doc, n, &fl, T0 - 60 * DAY, 0, &work, NULL), 0);
}

static void teardown(void)
{
    struct fx_key *all[] = {&root, &publisher, &op, &revoked_op, &expired_op, &stranger};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        fx_key_free(all[i]);
    }
}

START_TEST(accepts_and_reports_floors)
{
    struct scen s;
    defaults(&s);
    ck_assert_int_eq(run(&s), 0);
    ck_assert_str_eq(res.manifest.version, "1.4.2");
    ck_assert_str_eq(res.deployment.id, "wave-1");
    ck_assert_uint_eq(res.floors.manifest_seq, 17);
    ck_assert_uint_eq(res.floors.deployment_seq, 5);
    ck_assert_uint_eq(res.floors.security_version, 2); /* not raised here */
    ck_assert_uint_eq(res.floors.keyring_version, 1);  /* the ring that vouched */
    ck_assert(res.floors.latest_time == T0);
    ck_assert(res.trusted_time == T0 + 3600);
    /* No wall clock: the latest-known time and the documents' issue time are used. */
    defaults(&s);
    s.wall = 0;
    s.floors.latest_time = T0 - DAY;
    s.rollout = "100,\"urgency\":\"critical\""; /* 16:00 issue time is in hours anyway */
    ck_assert_int_eq(run(&s), 0);
    ck_assert(res.trusted_time == T0);
    /* A latest-known time past the expiry refuses, even with a wall clock set back. */
    defaults(&s);
    s.wall = T0;
    s.floors.latest_time = T0 + 8 * DAY;
    ck_assert_int_eq(run(&s), IOTL_ERR_EXPIRED);
}
END_TEST

START_TEST(bad_input_table)
{
    struct row {
        const char *name;
        int expect;
        struct scen s;
    } rows[48];
    size_t n = 0;
#define ROW(nm, code, ...)                                                                         \
    do {                                                                                           \
        rows[n].name = nm;                                                                         \
        rows[n].expect = code;                                                                     \
        defaults(&rows[n].s);                                                                      \
        struct scen *s = &rows[n].s;                                                               \
        (void)s;                                                                                   \
        __VA_ARGS__;                                                                               \
        n++;                                                                                       \
    } while (0)

    static char hdr_none[200], hdr_hs[200], hdr_crit[240];
    snprintf(hdr_none, sizeof(hdr_none), "{\"alg\":\"none\",\"kid\":\"%s\"}", op.kid);
    snprintf(hdr_hs, sizeof(hdr_hs), "{\"alg\":\"HS256\",\"kid\":\"%s\"}", op.kid);
    snprintf(hdr_crit, sizeof(hdr_crit), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"crit\":[\"x\"],\"x\":1}", op.kid);

    ROW("valid", 0, );
    ROW("deployment signature", IOTL_ERR_SIGNATURE, s->tamper_d_sig = 1);
    ROW("unknown key", IOTL_ERR_UNKNOWN_KEY, s->d_key = &stranger);
    ROW("deployment by publisher", IOTL_ERR_WRONG_ROLE, s->d_key = &publisher);
    ROW("manifest by operator", IOTL_ERR_WRONG_ROLE, s->m_key = &op);
    ROW("manifest by root", IOTL_ERR_WRONG_ROLE, s->m_key = &root);
    ROW("revoked operator", IOTL_ERR_REVOKED, s->d_key = &revoked_op);
    ROW("expired operator key", IOTL_ERR_EXPIRED, s->d_key = &expired_op);
    ROW("deployment expired", IOTL_ERR_EXPIRED, s->d_expires = T0 + 1800);
    ROW("manifest expired", IOTL_ERR_EXPIRED, s->m_expires = T0 + 1800);
    ROW("deployment replayed", IOTL_ERR_REPLAYED, s->floors.deployment_seq = 5);
    ROW("manifest replayed", IOTL_ERR_REPLAYED, s->floors.manifest_seq = 17);
    ROW("rollback", IOTL_ERR_ROLLBACK, s->floors.security_version = 4);
    ROW("hardware not in manifest", IOTL_ERR_HW_MISMATCH, s->hardware = "\"rev-b\"");
    ROW("not in group", IOTL_ERR_NOT_TARGETED, s->dev_group = "prod");
    ROW("hardware not selected", IOTL_ERR_NOT_TARGETED, s->hardware = "\"rev-a\",\"rev-b\""; s->dev_hw = "rev-b");
    ROW("not in cohort", IOTL_ERR_NOT_IN_COHORT, s->rollout = "0");
    ROW("before campaign", IOTL_ERR_OUTSIDE_WINDOW, s->not_before = T0 + 2 * DAY);
    ROW("outside hours", IOTL_ERR_OUTSIDE_WINDOW, s->wall = T0 + 6 * 3600);
    ROW("deployment from the future", IOTL_ERR_NOT_YET_VALID, s->wall = T0 - 2 * DAY);
    ROW("future ok without wall clock", 0, s->wall = 0; s->floors.latest_time = T0 - 2 * DAY;
        s->d_extra = ",\"urgency\":\"critical\"");
    ROW("critical ignores hours", 0, s->wall = T0 + 6 * 3600; s->d_extra = ",\"urgency\":\"critical\"");
    ROW("manifest hash", IOTL_ERR_MISMATCH, s->bad_hash = 1);
    ROW("payload too large", IOTL_ERR_TOO_LARGE, s->max_payload = 4095);
    ROW("deployment not json", IOTL_ERR_MALFORMED, s->d_raw = "not json at all");
    ROW("alg none", IOTL_ERR_ALG, s->d_header = hdr_none);
    ROW("alg HS256", IOTL_ERR_ALG, s->d_header = hdr_hs);
    ROW("unknown crit", IOTL_ERR_CRIT, s->d_header = hdr_crit);
    ROW("truncated deployment", IOTL_ERR_SIGNATURE, s->truncate_d = 1);
    ROW("trailing garbage", IOTL_ERR_TRAILING_DATA, s->d_raw = "{\"type\":\"iotlife-deployment\"} {}");
    ROW("duplicate keys", IOTL_ERR_DUPLICATE_KEY, s->m_extra = ",\"sequence\":99");
    ROW("nesting too deep", IOTL_ERR_TOO_DEEP, s->m_extra = ",\"x\":[[[[[[[[[[1]]]]]]]]]]");
    ROW("number out of range", IOTL_ERR_RANGE, s->d_extra = ",\"not_after\":1e300");
    ROW("integer not exact", IOTL_ERR_RANGE, s->m_extra = ",\"supported_until\":12345678901234567890");
    ROW("version format", IOTL_ERR_VERSION_FORMAT,
        s->m_raw = "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"acme-sensor\",\"hardware\":[\"rev-a\"],"
                   "\"version\":\"1.4\",\"security_version\":3,\"sequence\":17,\"issued_at\":1764000000,"
                   "\"expires\":1766592000,\"payloads\":[]}");
    ROW("schema", IOTL_ERR_SCHEMA, s->d_extra = ",\"urgency\":7");

    for (size_t i = 0; i < n; i++) {
        int ret = run(&rows[i].s);
        ck_assert_msg(ret == rows[i].expect, "%s: got %d (%s) want %d (%s)", rows[i].name, ret,
                      iotl_strerror_name(ret), rows[i].expect, iotl_strerror_name(rows[i].expect));
        if (ret != 0) {
            ck_assert_uint_eq(res.floors.manifest_seq, 0); /* nothing to persist on refusal */
        }
    }
    printf("trust decision table: %zu rows\n", n);
}
END_TEST

START_TEST(two_phases)
{
    /* Phase 2 without an accepted phase 1 is refused. */
    const char *groups[] = {"beta"};
    struct iotl_device_info dev = {"device-0001", "acme-sensor", "rev-a", groups, 1, "1.4.1"};
    struct iotl_floors fl = {0};
    struct iotl_trust_request req = {&ring, fx_crypto(), &dev, &fl, T0 + 3600, 0};
    memset(&res, 0, sizeof(res));
    ck_assert_int_eq(iotl_trust_check_manifest(&req, "x.y.z", 5, &work, &res), IOTL_ERR_STATE);
    /* The full decision equals phase 1 then phase 2 on the same documents. */
    struct scen s;
    defaults(&s);
    ck_assert_int_eq(run(&s), 0);
    struct iotl_trust_result whole = res;
    ck_assert_uint_eq(whole.floors.manifest_seq, 17);
    /* A device that is not targeted is refused in phase 1: the manifest is never needed. */
    defaults(&s);
    s.dev_group = "prod";
    ck_assert_int_eq(run(&s), IOTL_ERR_NOT_TARGETED);
    ck_assert_uint_eq(res.phase, 0);
}
END_TEST

START_TEST(oversized_documents)
{
    static char big[IOTL_TRUST_JWS_MAX + 2];
    memset(big, 'A', sizeof(big));
    const char *groups[] = {"beta"};
    struct iotl_device_info dev = {"device-0001", "acme-sensor", "rev-a", groups, 1, "1.4.1"};
    struct iotl_floors fl = {0};
    struct iotl_trust_request req = {&ring, fx_crypto(), &dev, &fl, T0, 0};
    ck_assert_int_eq(iotl_trust_decide(&req, big, sizeof(big), "x", 1, &work, &res), IOTL_ERR_TOO_LARGE);
    ck_assert_int_eq(iotl_trust_decide(&req, "x", 1, big, sizeof(big), &work, &res), IOTL_ERR_TOO_LARGE);
    /* A signed payload above IOTL_JSON_MAX_SIZE is refused before its signature is checked. */
    static char pay[IOTL_JSON_MAX_SIZE + 100];
    memset(pay, ' ', sizeof(pay) - 1);
    pay[0] = '{';
    pay[sizeof(pay) - 2] = '}';
    pay[sizeof(pay) - 1] = '\0';
    static char jws[IOTL_TRUST_JWS_MAX + 400];
    size_t len = fx_sign(&op, NULL, pay, jws, sizeof(jws));
    ck_assert_int_eq(iotl_trust_decide(&req, jws, len, "x", 1, &work, &res), IOTL_ERR_TOO_LARGE);
}
END_TEST

START_TEST(update_descriptor_for_staging)
{
    static const char json[] =
        "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"acme\",\"hardware\":[\"rev-a\"],"
        "\"version\":\"2.0.0\",\"security_version\":4,\"sequence\":9,\"issued_at\":1,\"expires\":2,"
        "\"payloads\":[{\"name\":\"app\",\"component\":\"app\",\"size\":100,\"sha256\":\"" 
        "1111111111111111111111111111111111111111111111111111111111111111\",\"location\":\"a.bin\"},"
        "{\"name\":\"app-d\",\"component\":\"app\",\"kind\":\"delta\",\"size\":100,\"sha256\":\""
        "1111111111111111111111111111111111111111111111111111111111111111\",\"download_size\":7,"
        "\"download_sha256\":\"2222222222222222222222222222222222222222222222222222222222222222\","
        "\"location\":\"a.delta\",\"base_version\":\"1.0.0\",\"base_sha256\":\""
        "3333333333333333333333333333333333333333333333333333333333333333\"},"
        "{\"name\":\"cfg\",\"component\":\"config\",\"kind\":\"delta\",\"size\":10,\"sha256\":\""
        "4444444444444444444444444444444444444444444444444444444444444444\",\"download_size\":3,"
        "\"download_sha256\":\"5555555555555555555555555555555555555555555555555555555555555555\","
        "\"location\":\"c.delta\",\"base_version\":\"1.0.0\",\"base_sha256\":\""
        "6666666666666666666666666666666666666666666666666666666666666666\"}]}";
    memset(&res, 0, sizeof(res));
    ck_assert_int_eq(iotl_manifest_parse(&res.manifest, json, strlen(json)), 0);
    res.floors.manifest_seq = 9;
    res.floors.deployment_seq = 3;
    res.floors.keyring_version = 2;
    res.floors.latest_time = 77;
    res.manifest_sha256[0] = 0xab;
    uint8_t app_base[32], cfg_base[32], other[32];
    memset(app_base, 0x33, 32);
    memset(cfg_base, 0x66, 32);
    memset(other, 0x99, 32);
    struct iotl_update_desc desc;
    /* Both bases installed: the deltas win. */
    struct iotl_installed_image inst[] = {{"app", app_base}, {"config", cfg_base}};
    ck_assert_int_eq(iotl_trust_update_desc(&res, inst, 2, &desc), 0);
    ck_assert_uint_eq(desc.component_count, 2);
    ck_assert_str_eq(desc.component[0].id, "app");
    ck_assert_uint_eq(desc.component[0].kind, IOTL_PAYLOAD_DELTA);
    ck_assert_uint_eq(desc.component[0].payload_size, 7);
    ck_assert_uint_eq(desc.component[0].image_size, 100);
    ck_assert_uint_eq(desc.component[0].base_sha256[0], 0x33);
    ck_assert_str_eq(desc.component[1].id, "config");
    ck_assert_str_eq(desc.version, "2.0.0");
    ck_assert_uint_eq(desc.security_version, 4);
    ck_assert_uint_eq(desc.manifest_seq, 9);
    ck_assert_uint_eq(desc.deployment_seq, 3);
    ck_assert_uint_eq(desc.keyring_version, 2);
    ck_assert(desc.latest_time == 77);
    ck_assert_uint_eq(desc.manifest_sha256[0], 0xab);
    /* Another app image: full payload for app; config has only a delta for another base. */
    struct iotl_installed_image inst2[] = {{"app", other}, {"config", cfg_base}};
    res.manifest.payloads[0].flags = IOTL_COMPONENT_FULL_FLUSH; /* flags travel to staging */
    ck_assert_int_eq(iotl_trust_update_desc(&res, inst2, 2, &desc), 0);
    ck_assert_uint_eq(desc.component[0].kind, IOTL_PAYLOAD_FULL);
    ck_assert_uint_eq(desc.component[0].flags, IOTL_COMPONENT_FULL_FLUSH);
    ck_assert_uint_eq(desc.component[0].payload_size, 100);
    struct iotl_installed_image inst3[] = {{"app", app_base}, {"config", other}};
    ck_assert_int_eq(iotl_trust_update_desc(&res, inst3, 2, &desc), IOTL_ERR_DELTA_BASE);
    ck_assert_uint_eq(desc.component_count, 0);
    /* Component id longer than staging's field. */
    strcpy(res.manifest.payloads[2].component, "a-very-long-component-id");
    ck_assert_int_eq(iotl_trust_update_desc(&res, inst, 2, &desc), IOTL_ERR_RANGE);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("trust");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, accepts_and_reports_floors);
    tcase_add_test(tc, bad_input_table);
    tcase_add_test(tc, oversized_documents);
    tcase_add_test(tc, two_phases);
    tcase_add_test(tc, update_descriptor_for_staging);
    suite_add_tcase(s, tc);
    return s;
}
