/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's standard backend on real trust, staging and RAM flash: key
 * ring refresh, deployment -> manifest reference, the decision and its
 * refusals (as NO_UPDATE), payload choice (delta from the running version),
 * staging through activation, trial confirm/reject and outcomes, resume after
 * a reset and retry after a failed download despite the raised floors. */
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlife/boot.h"
#include "iotlife/port/ram.h"
#include "iotlife/updater.h"
#include "trust_fixture.h"

#define NOW 1767225600LL
#define IMG_SIZE 20000u
#define SLOT_SIZE (64u * 1024u)

static uint8_t g_mem_slot[2][SLOT_SIZE];
static uint8_t g_mem_state[4 * 4096];
static iotl_ram_flash_t g_rf[3];
static struct iotl_storage g_slot[2];
static struct iotl_storage g_state;
static uint8_t g_stage_work[IOTL_STAGE_WORKBUF_DELTA > IOTL_STAGE_WORKBUF_DEFLATE ? IOTL_STAGE_WORKBUF_DELTA
                                                                                    : IOTL_STAGE_WORKBUF_DEFLATE];
static iotl_stage_t g_stage;
static struct iotl_stage_config g_stage_cfg;
static iotl_keyring_t g_ring;
static iotl_trust_work_t g_work;
static struct iotl_trust_result g_result;
static char g_dep_buf[IOTL_TRUST_JWS_MAX];
static struct iotl_updater_config g_cfg;
static iotl_updater_t g_u;
static struct iotl_device_info g_dev;
static struct fx_key g_root, g_pub, g_op;
static uint8_t g_img[IMG_SIZE];
static uint8_t g_img_sha[32];
static char g_ring_doc[8192];
static size_t g_ring_len;
static char g_man[8192];
static size_t g_man_len;
static char g_dep[4096];
static size_t g_dep_len;
static unsigned g_ring_saved;

static uint64_t up_ms(void *ctx)
{
    (void)ctx;
    return 1000;
}
static int wall(void *ctx, int64_t *s)
{
    (void)ctx;
    *s = NOW;
    return 0;
}
static const struct iotl_platform_ops plat_ops = {.uptime_ms = up_ms, .wall_time = wall};
static const struct iotl_platform g_plat = {&plat_ops, NULL};

static void hexs(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

static void saved(void *ctx, const uint8_t *doc, size_t len)
{
    (void)ctx;
    ck_assert_uint_eq(len, g_ring_len);
    ck_assert_int_eq(memcmp(doc, g_ring_doc, len), 0);
    g_ring_saved++;
}

/* Manifest v`version` seq `seq` with a full payload (and optionally a delta). */
static void make_manifest(const char *version, unsigned seq, bool with_delta)
{
    char sha[65];
    char json[4096];
    hexs(sha, g_img_sha, 32);
    int n = snprintf(json, sizeof(json),
                     "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"thermo\",\"hardware\":[\"rev-a\"],"
                     "\"version\":\"%s\",\"security_version\":1,\"sequence\":%u,\"issued_at\":%lld,"
                     "\"expires\":%lld,\"payloads\":[{\"name\":\"full\",\"component\":\"main\",\"size\":%u,"
                     "\"sha256\":\"%s\",\"location\":\"main.bin\",\"kind\":\"full\"}",
                     version, seq, NOW - 100, NOW + 86400, IMG_SIZE, sha);
    if (with_delta) {
        n += snprintf(json + n, sizeof(json) - (size_t)n,
                      ",{\"name\":\"delta\",\"component\":\"main\",\"size\":%u,\"sha256\":\"%s\","
                      "\"kind\":\"delta\",\"download_size\":900,\"download_sha256\":\"%s\","
                      "\"location\":\"main.from-1.0.0.delta\",\"base_version\":\"1.0.0\",\"base_sha256\":\"%s\"}",
                      IMG_SIZE, sha, sha, sha);
    }
    snprintf(json + n, sizeof(json) - (size_t)n, "]}");
    g_man_len = fx_sign(&g_pub, NULL, json, g_man, sizeof(g_man));
}

static void make_deployment(unsigned seq, const char *extra, const struct fx_key *signer)
{
    uint8_t msha[32];
    char h[65];
    char json[2048];
    ck_assert_int_eq(iotl_sha256(fx_crypto(), g_man, g_man_len, msha), 0);
    hexs(h, msha, 32);
    snprintf(json, sizeof(json),
             "{\"type\":\"iotlife-deployment\",\"v\":1,\"id\":\"d%u\",\"sequence\":%u,\"issued_at\":%lld,"
             "\"expires\":%lld,\"manifest_sha256\":\"%s\"%s}",
             seq, seq, NOW - 50, NOW + 86400, h, extra != NULL ? extra : "");
    g_dep_len = fx_sign(signer, NULL, json, g_dep, sizeof(g_dep));
}

static void stage_up(void)
{
    memset(&g_stage_cfg, 0, sizeof(g_stage_cfg));
    g_stage_cfg.slot[0] = &g_slot[0];
    g_stage_cfg.slot[1] = &g_slot[1];
    g_stage_cfg.state = &g_state;
    g_stage_cfg.crypto = fx_crypto();
    g_stage_cfg.work_buf = g_stage_work;
    g_stage_cfg.work_buf_len = sizeof(g_stage_work);
    g_stage_cfg.checkpoint_bytes = 4096;
    ck_assert_int_eq(iotl_stage_init(&g_stage, &g_stage_cfg), 0);
}

static void updater_up(void)
{
    memset(&g_cfg, 0, sizeof(g_cfg));
    g_cfg.keyring = &g_ring;
    g_cfg.crypto = fx_crypto();
    g_cfg.platform = &g_plat;
    g_cfg.stage = &g_stage;
    g_cfg.device = &g_dev;
    g_cfg.work = &g_work;
    g_cfg.result = &g_result;
    g_cfg.deployment_buf = g_dep_buf;
    g_cfg.deployment_buf_len = sizeof(g_dep_buf);
    g_cfg.keyring_accepted = saved;
    ck_assert_int_eq(iotl_updater_init(&g_u, &g_cfg), 0);
}

static void setup(void)
{
    struct iotl_storage_geometry sg = {SLOT_SIZE, 4096, 8, 0xFF};
    struct iotl_storage_geometry stg = {sizeof(g_mem_state), 4096, 8, 0xFF};
    ck_assert_int_eq(iotl_ram_flash_init(&g_rf[0], &g_slot[0], g_mem_slot[0], &sg, true), 0);
    ck_assert_int_eq(iotl_ram_flash_init(&g_rf[1], &g_slot[1], g_mem_slot[1], &sg, true), 0);
    ck_assert_int_eq(iotl_ram_flash_init(&g_rf[2], &g_state, g_mem_state, &stg, true), 0);
    fx_key_new(&g_root);
    fx_key_new(&g_pub);
    fx_key_new(&g_op);
    ck_assert_int_eq(iotl_keyring_init(&g_ring, fx_crypto(), (const uint8_t(*)[IOTL_P256_PUBKEY_LEN])g_root.pub, 1, 1), 0);
    struct fx_ring_key keys[] = {{&g_root, "root", 0, 0}, {&g_pub, "publisher", 0, 0}, {&g_op, "operator", 0, 0}};
    const struct fx_key *signers[] = {&g_root};
    g_ring_len = fx_keyring_doc(g_ring_doc, sizeof(g_ring_doc), 1, 1, NOW - 1000, NOW + 86400 * 30, keys, 3, NULL, 0,
                                signers, 1);
    for (size_t i = 0; i < IMG_SIZE; i++) {
        g_img[i] = (uint8_t)(i * 31u + (i >> 11));
    }
    ck_assert_int_eq(iotl_sha256(fx_crypto(), g_img, IMG_SIZE, g_img_sha), 0);
    memset(&g_dev, 0, sizeof(g_dev));
    g_dev.id = "dev-1";
    g_dev.product = "thermo";
    g_dev.hardware = "rev-a";
    g_dev.installed_version = "1.0.0";
    g_ring_saved = 0;
    stage_up();
    updater_up();
    make_manifest("2.0.0", 2, false);
    make_deployment(2, NULL, &g_op);
}

static void teardown(void)
{
    iotl_stage_deinit(&g_stage);
    fx_key_free(&g_root);
    fx_key_free(&g_pub);
    fx_key_free(&g_op);
}

static int dep(char *ref, size_t cap)
{
    return iotl_updater_ops.deployment(&g_u, (const uint8_t *)g_dep, g_dep_len, ref, cap);
}

static int man(struct iotl_agent_offer *o)
{
    memset(o, 0, sizeof(*o));
    return iotl_updater_ops.manifest(&g_u, (const uint8_t *)g_man, g_man_len, o);
}

static void accept_ring(void)
{
    ck_assert_int_eq(iotl_updater_ops.keyring(&g_u, (const uint8_t *)g_ring_doc, g_ring_len), 0);
}

/* deployment + manifest accepted; returns the offer */
static void decide(struct iotl_agent_offer *o)
{
    char ref[256];
    ck_assert_int_eq(dep(ref, sizeof(ref)), 0);
    ck_assert_int_eq(man(o), 0);
}

static void stage_all(const struct iotl_agent_offer *o, const uint8_t *img, uint64_t from)
{
    for (uint64_t off = from; off < o->payload_size;) {
        size_t n = (size_t)(o->payload_size - off < 1500u ? o->payload_size - off : 1500u);
        ck_assert_int_eq(iotl_updater_ops.write(&g_u, off, img + off, n), 0);
        off += n;
    }
}

static void boot(struct iotl_boot_result *res)
{
    iotl_boot_t b;
    struct iotl_boot_config bc = {.state = &g_state, .slot = {&g_slot[0], &g_slot[1]}, .crypto = fx_crypto()};
    iotl_stage_deinit(&g_stage);
    ck_assert_int_eq(iotl_boot_select(&b, &bc, res), 0);
    stage_up();
    updater_up();
}

START_TEST(keyring_deployment_manifest_offer)
{
    char ref[256];
    struct iotl_agent_offer o;
    /* the operator key is not known before the key ring is fetched */
    ck_assert_int_eq(dep(ref, sizeof(ref)), IOTL_ERR_UNKNOWN_KEY);
    accept_ring();
    ck_assert_uint_eq(g_ring_saved, 1);
    struct iotl_floors f;
    ck_assert_int_eq(iotl_stage_get_floors(&g_stage, &f), 0);
    ck_assert_uint_eq(f.keyring_version, 1);
    /* the same ring again is a replay */
    ck_assert_int_eq(iotl_updater_ops.keyring(&g_u, (const uint8_t *)g_ring_doc, g_ring_len), IOTL_ERR_REPLAYED);
    ck_assert_int_eq(dep(ref, sizeof(ref)), 0);
    uint8_t msha[32];
    char h[65];
    iotl_sha256(fx_crypto(), g_man, g_man_len, msha);
    hexs(h, msha, 32);
    char want[256];
    snprintf(want, sizeof(want), "../releases/%s/manifest.jws", h);
    ck_assert_str_eq(ref, want);
    ck_assert_int_eq(dep(ref, 40), IOTL_ERR_NO_MEM);
    /* a manifest that is not the one named */
    ck_assert_int_eq(dep(ref, sizeof(ref)), 0);
    char saved_man[8192];
    memcpy(saved_man, g_man, g_man_len + 1);
    size_t saved_len = g_man_len;
    make_manifest("2.0.1", 2, false);
    ck_assert_int_eq(man(&o), IOTL_ERR_MISMATCH);
    memcpy(g_man, saved_man, saved_len + 1);
    g_man_len = saved_len;
    ck_assert_int_eq(man(&o), 0);
    ck_assert_str_eq(o.version, "2.0.0");
    ck_assert_str_eq(o.payload_url, "main.bin");
    ck_assert_uint_eq(o.payload_size, IMG_SIZE);
    ck_assert_int_eq(memcmp(o.id, msha, 32), 0);
    ck_assert(!o.delta);
    ck_assert_uint_eq(o.urgency, IOTL_AGENT_URGENCY_NORMAL);
    /* a deployment signed by the publisher (wrong role) */
    make_deployment(2, NULL, &g_pub);
    ck_assert_int_eq(dep(ref, sizeof(ref)), IOTL_ERR_WRONG_ROLE);
    /* manifest_url given by the operator wins; critical urgency is passed on */
    make_deployment(2, ",\"manifest_url\":\"https://cdn.example/m.jws\",\"urgency\":\"critical\"", &g_op);
    ck_assert_int_eq(dep(ref, sizeof(ref)), 0);
    ck_assert_str_eq(ref, "https://cdn.example/m.jws");
    ck_assert_int_eq(man(&o), 0);
    ck_assert_uint_eq(o.urgency, IOTL_AGENT_URGENCY_CRITICAL);
}
END_TEST

START_TEST(refusals_become_no_update)
{
    char ref[256];
    struct iotl_agent_offer o;
    accept_ring();
    static const struct {
        const char *extra;
        const char *installed;
        int reason;
    } cases[] = {
        {",\"select\":{\"hardware\":[\"rev-z\"]}", "1.0.0", IOTL_ERR_NOT_TARGETED},
        {",\"select\":{\"devices\":[\"dev-9\"]}", "1.0.0", IOTL_ERR_NOT_TARGETED},
        {",\"rollout_percent\":0", "1.0.0", IOTL_ERR_NOT_IN_COHORT},
        {",\"not_before\":1867225600", "1.0.0", IOTL_ERR_OUTSIDE_WINDOW},
        {NULL, "2.0.0", IOTL_ERR_NO_UPDATE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        g_dev.installed_version = cases[i].installed;
        make_deployment(2, cases[i].extra, &g_op);
        ck_assert_int_eq(dep(ref, sizeof(ref)), 0);
        ck_assert_msg(man(&o) == IOTL_ERR_NO_UPDATE, "case %zu", i);
        ck_assert_msg(iotl_updater_last_refusal(&g_u) == cases[i].reason, "case %zu: %s", i,
                      iotl_strerror_name(iotl_updater_last_refusal(&g_u)));
    }
}
END_TEST

START_TEST(delta_from_running_version_is_preferred)
{
    struct iotl_agent_offer o;
    accept_ring();
    make_manifest("2.0.0", 2, true);
    make_deployment(2, NULL, &g_op);
    decide(&o);
    ck_assert(o.delta);
    ck_assert_str_eq(o.payload_url, "main.from-1.0.0.delta");
    ck_assert_uint_eq(o.payload_size, 900);
    g_dev.installed_version = "0.9.0"; /* not the delta's base: full payload */
    decide(&o);
    ck_assert(!o.delta);
    ck_assert_str_eq(o.payload_url, "main.bin");
}
END_TEST

START_TEST(stage_install_trial_confirm_outcome)
{
    struct iotl_agent_offer o;
    struct iotl_agent_outcome out;
    bool pending = true;
    uint64_t resume = 99;
    accept_ring();
    decide(&o);
    ck_assert_int_eq(iotl_updater_ops.begin(&g_u, &o, &resume), 0);
    ck_assert_uint_eq(resume, 0);
    stage_all(&o, g_img, 0);
    ck_assert_int_eq(iotl_updater_ops.install(&g_u), 0);
    ck_assert_int_eq(iotl_updater_ops.trial_pending(&g_u, &pending), 0);
    ck_assert(!pending); /* not booted yet */
    ck_assert_int_eq(iotl_updater_ops.outcome(&g_u, &out), IOTL_ERR_NOT_FOUND); /* installed is not final */
    struct iotl_boot_result br;
    boot(&br);
    ck_assert_uint_eq(br.slot, 1);
    ck_assert_uint_eq(br.trial, 1);
    ck_assert_int_eq(iotl_updater_ops.trial_pending(&g_u, &pending), 0);
    ck_assert(pending);
    ck_assert_int_eq(iotl_updater_ops.confirm(&g_u), 0);
    ck_assert_int_eq(iotl_updater_ops.outcome(&g_u, &out), 0);
    ck_assert_uint_eq(out.result, IOTL_AGENT_RESULT_CONFIRMED);
    ck_assert_str_eq(out.version, "2.0.0");
    ck_assert_int_eq(iotl_updater_ops.outcome_ack(&g_u, out.seq), 0);
    ck_assert_int_eq(iotl_updater_ops.outcome(&g_u, &out), IOTL_ERR_NOT_FOUND);
    ck_assert_int_eq(memcmp(g_mem_slot[1], g_img, IMG_SIZE), 0);
    /* the same deployment again: already taken (replay) -> no update */
    char ref[256];
    g_dev.installed_version = "1.9.9";
    ck_assert_int_eq(dep(ref, sizeof(ref)), 0);
    ck_assert_int_eq(man(&o), IOTL_ERR_NO_UPDATE);
    ck_assert_int_eq(iotl_updater_last_refusal(&g_u), IOTL_ERR_REPLAYED);
}
END_TEST

/* The agent's idle-time prepare op erases the inactive slot in pieces; the
 * install that follows programs it (the strict RAM flash refuses writes over
 * bytes that are not erased) and the image verifies. */
START_TEST(prepare_erases_inactive_slot_before_install)
{
    memset(g_mem_slot[1], 0x5A, sizeof(g_mem_slot[1])); /* an older image */
    bool done = true;
    unsigned calls = 0;
    do {
        ck_assert_int_eq(iotl_updater_ops.prepare(&g_u, 3 * 4096, &done), 0);
        calls++;
    } while (!done && calls < 100);
    ck_assert(done);
    ck_assert_uint_eq(calls, (SLOT_SIZE / 4096 + 2) / 3);
    for (size_t i = 0; i < SLOT_SIZE; i++) {
        ck_assert_uint_eq(g_mem_slot[1][i], 0xFF);
    }
    struct iotl_agent_offer o;
    uint64_t resume = 99;
    accept_ring();
    decide(&o);
    ck_assert_int_eq(iotl_updater_ops.begin(&g_u, &o, &resume), 0);
    stage_all(&o, g_img, 0);
    ck_assert_int_eq(iotl_updater_ops.install(&g_u), 0);
    ck_assert_int_eq(memcmp(g_mem_slot[1], g_img, IMG_SIZE), 0);
    /* a trial is pending: nothing to prepare now */
    ck_assert_int_eq(iotl_updater_ops.prepare(&g_u, 4096, &done), IOTL_ERR_TRIAL_PENDING);
    ck_assert(done);
}
END_TEST

START_TEST(reject_rolls_back_and_is_reported)
{
    struct iotl_agent_offer o;
    struct iotl_agent_outcome out;
    uint64_t resume;
    accept_ring();
    decide(&o);
    ck_assert_int_eq(iotl_updater_ops.begin(&g_u, &o, &resume), 0);
    stage_all(&o, g_img, 0);
    ck_assert_int_eq(iotl_updater_ops.install(&g_u), 0);
    struct iotl_boot_result br;
    boot(&br);
    ck_assert_int_eq(iotl_updater_ops.reject(&g_u, IOTL_ERR_UNHEALTHY), 0);
    boot(&br);
    ck_assert_uint_eq(br.slot, 0);
    ck_assert_uint_eq(br.trial, 0);
    ck_assert_int_eq(iotl_updater_ops.outcome(&g_u, &out), 0);
    ck_assert_uint_eq(out.result, IOTL_AGENT_RESULT_ROLLED_BACK);
    ck_assert_int_eq(out.code, IOTL_ERR_UNHEALTHY);
}
END_TEST

START_TEST(resume_after_reset_despite_raised_floors)
{
    struct iotl_agent_offer o;
    uint64_t resume;
    accept_ring();
    decide(&o);
    ck_assert_int_eq(iotl_updater_ops.begin(&g_u, &o, &resume), 0);
    for (uint64_t off = 0; off < 13000; off += 1000) {
        ck_assert_int_eq(iotl_updater_ops.write(&g_u, off, g_img + off, 1000), 0);
    }
    /* reset: objects rebuilt from flash; the key ring reloaded as accepted */
    iotl_stage_deinit(&g_stage);
    stage_up();
    updater_up();
    struct iotl_floors f;
    ck_assert_int_eq(iotl_stage_get_floors(&g_stage, &f), 0);
    ck_assert_uint_eq(f.deployment_seq, 2); /* taken on: a fresh decision would say REPLAYED */
    decide(&o);
    ck_assert_int_eq(iotl_updater_ops.begin(&g_u, &o, &resume), 0);
    ck_assert_uint_ge(resume, 8192);
    ck_assert_uint_le(resume, 13000);
    stage_all(&o, g_img, resume);
    ck_assert_int_eq(iotl_updater_ops.install(&g_u), 0);
}
END_TEST

START_TEST(failed_download_is_retried)
{
    struct iotl_agent_offer o;
    uint64_t resume;
    static uint8_t bad[IMG_SIZE];
    memcpy(bad, g_img, IMG_SIZE);
    bad[777] ^= 1u;
    accept_ring();
    decide(&o);
    ck_assert_int_eq(iotl_updater_ops.begin(&g_u, &o, &resume), 0);
    stage_all(&o, bad, 0);
    ck_assert_int_eq(iotl_updater_ops.install(&g_u), IOTL_ERR_HASH_MISMATCH);
    struct iotl_agent_outcome out;
    ck_assert_int_eq(iotl_updater_ops.outcome(&g_u, &out), 0);
    ck_assert_uint_eq(out.result, IOTL_AGENT_RESULT_FAILED);
    ck_assert_int_eq(out.code, IOTL_ERR_HASH_MISMATCH);
    /* the server is fixed: the same deployment is retried, not refused as a replay */
    decide(&o);
    ck_assert_int_eq(iotl_updater_ops.begin(&g_u, &o, &resume), 0);
    ck_assert_uint_eq(resume, 0);
    stage_all(&o, g_img, 0);
    ck_assert_int_eq(iotl_updater_ops.install(&g_u), 0);
}
END_TEST

START_TEST(init_refuses_incomplete_config)
{
    struct iotl_updater_config c = g_cfg;
    iotl_updater_t u;
    c.stage = NULL;
    ck_assert_int_eq(iotl_updater_init(&u, &c), IOTL_ERR_INVALID_ARG);
    c = g_cfg;
    c.deployment_buf_len = 0;
    ck_assert_int_eq(iotl_updater_init(&u, &c), IOTL_ERR_INVALID_ARG);
    /* a deployment larger than the buffer */
    c = g_cfg;
    c.deployment_buf_len = 16;
    ck_assert_int_eq(iotl_updater_init(&u, &c), 0);
    char ref[256];
    ck_assert_int_eq(iotl_updater_ops.deployment(&u, (const uint8_t *)g_dep, g_dep_len, ref, sizeof(ref)),
                     IOTL_ERR_TOO_LARGE);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("updater");
    TCase *tc = tcase_create("updater");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, keyring_deployment_manifest_offer);
    tcase_add_test(tc, refusals_become_no_update);
    tcase_add_test(tc, delta_from_running_version_is_preferred);
    tcase_add_test(tc, stage_install_trial_confirm_outcome);
    tcase_add_test(tc, prepare_erases_inactive_slot_before_install);
    tcase_add_test(tc, reject_rolls_back_and_is_reported);
    tcase_add_test(tc, resume_after_reset_despite_raised_floors);
    tcase_add_test(tc, failed_download_is_retried);
    tcase_add_test(tc, init_refuses_incomplete_config);
    suite_add_tcase(s, tc);
    return s;
}
