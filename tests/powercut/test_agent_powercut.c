/* SPDX-License-Identifier: Apache-2.0 */
/* The whole update life cycle driven by the real agent and updater (key ring
 * refresh, decision, download, install, trial boot, confirm, report) over a
 * file:// repository, on emulated NOR flash: power is cut at every storage
 * operation (torn writes and erases), the device reboots (boot selector,
 * objects rebuilt from flash, a new agent) and carries on. After every boot
 * the selected slot holds the factory image or the verified new one; in the
 * end the new image is confirmed, its outcome reported, and the download was
 * resumed rather than restarted whenever a checkpoint had been passed. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emuflash.h"
#include "iotlife/agent.h"
#include "iotlife/boot.h"
#include "iotlife/port/posix.h"
#include "iotlife/port/ram.h"
#include "iotlife/updater.h"
#include "trust_fixture.h"

#define NOW 1767225600LL
#define IMG_SIZE 24000u
#define SLOT_SIZE (32u * 1024u)
#define STATE_SIZE (4u * 4096u)

static uint8_t g_v1[IMG_SIZE];
static uint8_t g_v2[IMG_SIZE];
static uint8_t g_v2_sha[32];
static uint8_t g_mem[3][SLOT_SIZE];   /* slot A, slot B, state (first STATE_SIZE bytes) */
static uint8_t g_init[3][SLOT_SIZE];  /* factory state */
static iotl_ram_flash_t g_rf[3];
static struct iotl_storage g_ram[3];
static iotl_emu_power_t g_power;
static iotl_emu_flash_t g_emu[3];
static struct iotl_storage g_area[3];
static uint8_t g_stage_work[IOTL_STAGE_WORKBUF_DEFLATE];
static iotl_stage_t g_stage;
static struct iotl_stage_config g_stage_cfg;
static iotl_keyring_t g_ring;
static iotl_trust_work_t g_work;
static struct iotl_trust_result g_result;
static char g_dep_buf[IOTL_TRUST_JWS_MAX];
static struct iotl_updater_config g_ucfg;
static iotl_updater_t g_upd;
static struct iotl_device_info g_dev;
static char g_saved_ring[8192]; /* the key ring document the device stored */
static size_t g_saved_ring_len;
static struct fx_key g_root, g_pub, g_op;
static char g_dir[128];
static char g_dep_url[256];
static char g_report_url[256];
static iotl_posix_transport_t g_pt;
static struct iotl_transport g_t;
static uint8_t g_agent_work[16384];
static struct iotl_agent_config g_acfg;
static iotl_agent_t g_agent;
static uint64_t g_ms;
static bool g_reboot;
static bool g_dl_seen;        /* first download progress of this boot seen */
static unsigned g_resumes;     /* downloads that continued from a checkpoint */

static uint64_t up_ms(void *ctx)
{
    (void)ctx;
    return g_ms;
}
static int wall(void *ctx, int64_t *s)
{
    (void)ctx;
    *s = NOW + (int64_t)(g_ms / 1000u);
    return 0;
}
static const struct iotl_platform_ops plat_ops = {.uptime_ms = up_ms, .wall_time = wall};
static const struct iotl_platform g_plat = {&plat_ops, NULL};

static void app_reboot(void *ctx)
{
    (void)ctx;
    g_reboot = true;
}
static void app_progress(void *ctx, enum iotl_agent_phase ph, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (ph == IOTL_AGENT_DOWNLOAD && total != 0 && !g_dl_seen) {
        g_dl_seen = true; /* the first report of a download says where it starts */
        if (done > 0) {
            g_resumes++;
        }
    }
}
static const struct iotl_agent_app_ops app_ops = {.progress = app_progress, .reboot = app_reboot};

static void ring_saved(void *ctx, const uint8_t *doc, size_t len)
{
    (void)ctx;
    ck_assert_uint_le(len, sizeof(g_saved_ring));
    memcpy(g_saved_ring, doc, len);
    g_saved_ring_len = len;
}

static void hexs(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

static void write_file(const char *rel, const void *d, size_t n)
{
    char p[512];
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

/* Keys, key ring, v2 manifest and deployment, as a file:// repository. */
static void make_repo(void)
{
    static char doc[8192];
    static char json[4096];
    snprintf(g_dir, sizeof(g_dir), "/tmp/iotl_agent_pc.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(g_dir));
    fx_key_new(&g_root);
    fx_key_new(&g_pub);
    fx_key_new(&g_op);
    struct fx_ring_key keys[] = {{&g_root, "root", 0, 0}, {&g_pub, "publisher", 0, 0}, {&g_op, "operator", 0, 0}};
    const struct fx_key *signers[] = {&g_root};
    size_t n = fx_keyring_doc(doc, sizeof(doc), 1, 1, NOW - 1000, NOW + 86400 * 30, keys, 3, NULL, 0, signers, 1);
    write_file("keys/keyring.jws", doc, n);
    for (size_t i = 0; i < IMG_SIZE; i++) {
        g_v1[i] = (uint8_t)(i * 7u);
        g_v2[i] = (uint8_t)(i * 13u + 5u);
    }
    ck_assert_int_eq(iotl_sha256(fx_crypto(), g_v2, IMG_SIZE, g_v2_sha), 0);
    char sha[65];
    hexs(sha, g_v2_sha, 32);
    snprintf(json, sizeof(json),
             "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"thermo\",\"hardware\":[\"rev-a\"],"
             "\"version\":\"2.0.0\",\"security_version\":1,\"sequence\":2,\"issued_at\":%lld,\"expires\":%lld,"
             "\"payloads\":[{\"name\":\"full\",\"component\":\"main\",\"size\":%u,\"sha256\":\"%s\","
             "\"location\":\"main.bin\",\"kind\":\"full\"}]}",
             NOW - 100, NOW + 86400 * 30, IMG_SIZE, sha);
    n = fx_sign(&g_pub, NULL, json, doc, sizeof(doc));
    uint8_t msha[32];
    char mhex[65];
    ck_assert_int_eq(iotl_sha256(fx_crypto(), doc, n, msha), 0);
    hexs(mhex, msha, 32);
    char rel[256];
    snprintf(rel, sizeof(rel), "releases/%s/manifest.jws", mhex);
    write_file(rel, doc, n);
    snprintf(rel, sizeof(rel), "releases/%s/main.bin", mhex);
    write_file(rel, g_v2, IMG_SIZE);
    snprintf(json, sizeof(json),
             "{\"type\":\"iotlife-deployment\",\"v\":1,\"id\":\"d2\",\"sequence\":2,\"issued_at\":%lld,"
             "\"expires\":%lld,\"manifest_sha256\":\"%s\"}",
             NOW - 50, NOW + 86400 * 30, mhex);
    n = fx_sign(&g_op, NULL, json, doc, sizeof(doc));
    write_file("deployments/stable.jws", doc, n);
    snprintf(g_dep_url, sizeof(g_dep_url), "file://%s/deployments/stable.jws", g_dir);
    snprintf(g_report_url, sizeof(g_report_url), "file://%s/upload/reports/dev-1/status.json", g_dir);
}

/* Factory flash: v1 in slot A, the rest erased. */
static void make_factory(void)
{
    memset(g_init, 0xFF, sizeof(g_init));
    memcpy(g_init[0], g_v1, IMG_SIZE);
}

static void flash_restore(uint32_t seed)
{
    memcpy(g_mem, g_init, sizeof(g_mem));
    struct iotl_storage_geometry sg = {SLOT_SIZE, 4096, 8, 0xFF};
    struct iotl_storage_geometry stg = {STATE_SIZE, 4096, 8, 0xFF};
    iotl_emu_power_reset(&g_power, seed);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(iotl_ram_flash_attach(&g_rf[i], &g_ram[i], g_mem[i], i < 2 ? &sg : &stg, true), 0);
        ck_assert_int_eq(iotl_emu_flash_init(&g_emu[i], &g_area[i], &g_ram[i], &g_power), 0);
    }
    g_saved_ring_len = 0;
    g_ms = 1000;
}

/* A reset: boot selector, firmware objects rebuilt from flash. Returns false
 * when power failed again during it (the caller powers on and retries). */
static bool device_boot(void)
{
    iotl_boot_t b;
    struct iotl_boot_result res;
    struct iotl_boot_config bc = {.state = &g_area[2], .slot = {&g_area[0], &g_area[1]}, .crypto = fx_crypto()};
    iotl_agent_deinit(&g_agent);
    iotl_posix_transport_deinit(&g_pt);
    iotl_stage_deinit(&g_stage);
    int ret = iotl_boot_select(&b, &bc, &res);
    if (ret == IOTL_ERR_POWER_LOSS) {
        return false;
    }
    ck_assert_msg(ret == 0, "boot select: %s", iotl_strerror_name(ret));
    /* invariant: the booted slot holds the factory image or the verified new one */
    const uint8_t *img = g_mem[res.slot];
    ck_assert_msg(memcmp(img, g_v1, IMG_SIZE) == 0 || memcmp(img, g_v2, IMG_SIZE) == 0,
                  "slot %u holds neither image", res.slot);
    memset(&g_stage_cfg, 0, sizeof(g_stage_cfg));
    g_stage_cfg.slot[0] = &g_area[0];
    g_stage_cfg.slot[1] = &g_area[1];
    g_stage_cfg.state = &g_area[2];
    g_stage_cfg.crypto = fx_crypto();
    g_stage_cfg.work_buf = g_stage_work;
    g_stage_cfg.work_buf_len = sizeof(g_stage_work);
    g_stage_cfg.checkpoint_bytes = 4096;
    ret = iotl_stage_init(&g_stage, &g_stage_cfg);
    if (ret == IOTL_ERR_POWER_LOSS) {
        return false;
    }
    ck_assert_msg(ret == 0, "stage init: %s", iotl_strerror_name(ret));
    ck_assert_int_eq(iotl_keyring_init(&g_ring, fx_crypto(), (const uint8_t(*)[IOTL_P256_PUBKEY_LEN])g_root.pub, 1, 1), 0);
    if (g_saved_ring_len > 0) {
        struct iotl_floors f;
        ck_assert_int_eq(iotl_stage_get_floors(&g_stage, &f), 0);
        ck_assert_int_eq(iotl_keyring_update(&g_ring, fx_crypto(), g_saved_ring, g_saved_ring_len, &f, NOW,
                                             IOTL_KEYRING_RELOAD, &g_work, NULL),
                         0);
    }
    memset(&g_dev, 0, sizeof(g_dev));
    g_dev.id = "dev-1";
    g_dev.product = "thermo";
    g_dev.hardware = "rev-a";
    g_dev.installed_version = memcmp(img, g_v2, IMG_SIZE) == 0 ? "2.0.0" : "1.0.0";
    memset(&g_ucfg, 0, sizeof(g_ucfg));
    g_ucfg.keyring = &g_ring;
    g_ucfg.crypto = fx_crypto();
    g_ucfg.platform = &g_plat;
    g_ucfg.stage = &g_stage;
    g_ucfg.device = &g_dev;
    g_ucfg.work = &g_work;
    g_ucfg.result = &g_result;
    g_ucfg.deployment_buf = g_dep_buf;
    g_ucfg.deployment_buf_len = sizeof(g_dep_buf);
    g_ucfg.keyring_accepted = ring_saved;
    ck_assert_int_eq(iotl_updater_init(&g_upd, &g_ucfg), 0);
    iotl_posix_transport_init(&g_pt, &g_t);
    memset(&g_acfg, 0, sizeof(g_acfg));
    g_acfg.transport = &g_t;
    g_acfg.platform = &g_plat;
    g_acfg.backend = &iotl_updater_ops;
    g_acfg.backend_ctx = &g_upd;
    g_acfg.app = &app_ops;
    g_acfg.deployment_url = g_dep_url;
    g_acfg.report_url = g_report_url;
    g_acfg.device_id = "dev-1";
    g_acfg.work_buf = g_agent_work;
    g_acfg.work_buf_len = sizeof(g_agent_work);
    g_acfg.backoff_min_ms = 1000;
    g_acfg.chunk_size = 1000;
    ret = iotl_agent_init(&g_agent, &g_acfg);
    if (ret == IOTL_ERR_POWER_LOSS) {
        return false;
    }
    ck_assert_int_eq(ret, 0);
    g_reboot = false;
    g_dl_seen = false;
    return true;
}

/* Run the device until v2 is confirmed and reported; power cuts and
 * requested reboots restart it. Returns the number of boots. */
static unsigned run_device(void)
{
    unsigned boots = 0;
    bool need_boot = true;
    for (unsigned steps = 0; steps < 20000; steps++) {
        if (g_power.off) {
            iotl_emu_power_on(&g_power);
            need_boot = true;
        }
        if (need_boot) {
            boots++;
            ck_assert_uint_lt(boots, 12);
            if (!device_boot()) {
                continue;
            }
            need_boot = false;
        }
        uint32_t w = 0;
        int ph = iotl_agent_step(&g_agent, &w);
        ck_assert_int_ge(ph, 0);
        if (g_power.off) {
            continue;
        }
        if (ph == IOTL_AGENT_REBOOT) {
            need_boot = true;
            continue;
        }
        struct iotl_update_outcome o;
        if (ph == IOTL_AGENT_IDLE && iotl_stage_outcome(&g_stage, &o) == 0 && o.kind == IOTL_OUTCOME_CONFIRMED &&
            o.acked) {
            return boots;
        }
        g_ms += w;
    }
    ck_abort_msg("device did not finish (phase %d, %s)", (int)g_agent.phase,
                 iotl_strerror_name(iotl_agent_last_error(&g_agent)));
    return 0;
}

static void check_end(void)
{
    struct iotl_stage_status st;
    ck_assert_int_eq(iotl_stage_status(&g_stage, &st), 0);
    ck_assert_int_eq(memcmp(g_mem[st.confirmed_slot], g_v2, IMG_SIZE), 0);
    char p[300];
    snprintf(p, sizeof(p), "%s/upload/reports/dev-1/status.json", g_dir);
    FILE *f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    char buf[512] = {0};
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    ck_assert_ptr_nonnull(strstr(buf, "\"result\":\"confirmed\""));
    (void)remove(p);
}

START_TEST(cut_at_every_storage_operation)
{
    make_repo();
    make_factory();
    flash_restore(1);
    unsigned boots = run_device();
    ck_assert_uint_eq(boots, 2); /* power on, then the reboot into the trial */
    check_end();
    uint32_t total = g_power.ops;
    ck_assert_uint_gt(total, 10);
    ck_assert_uint_eq(g_resumes, 0);
    for (uint32_t n = 1; n <= total; n++) {
        flash_restore(n * 2654435761u + 7u);
        iotl_emu_power_cut_at(&g_power, n, IOTL_EMU_TEAR_RANDOM);
        run_device();
        ck_assert_msg(g_power.cuts == 1, "cut %u not reached", n);
        check_end();
    }
    printf("cut points: %u\n", total);
    printf("agent powercut: %u storage operations in a full update (key ring, download, install, trial, "
           "confirm, report), each cut (torn), each recovered to a confirmed v2; %u downloads resumed "
           "from a checkpoint\n",
           total, g_resumes);
    ck_assert_uint_gt(g_resumes, 0);
    iotl_agent_deinit(&g_agent);
    iotl_stage_deinit(&g_stage);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    ck_assert_int_eq(system(cmd), 0);
    fx_key_free(&g_root);
    fx_key_free(&g_pub);
    fx_key_free(&g_op);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("agent_powercut");
    TCase *tc = tcase_create("powercut");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cut_at_every_storage_operation);
    suite_add_tcase(s, tc);
    return s;
}
