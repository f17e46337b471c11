/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iotlife bare-metal reference firmware (QEMU mps2-an386, Cortex-M4).
 *
 * Static memory only: the emulated flash lives in .noinit RAM (kept across a
 * system reset), every buffer is a static array, and libc's malloc (used by
 * Mbed TLS bignums only) draws from one fixed arena (board.c).
 *
 * Every boot runs main(); what it does follows from the staging journal, so
 * an interruption anywhere resumes:
 *   selftest  storage port conformance on the scratch area (cold boot only)
 *   factory   slot A programmed with image v1 (cold boot only)
 *   boot      iotl_boot_select(): slot to run, trial attempts, rollback
 *   crypto    SHA-256 known answer, ECDSA P-256 verify of v2's signature and
 *             refusal of a one-bit-altered one, on the target's Mbed TLS
 *   trust     the root-signed key ring, the publisher's manifest and the
 *             operator's deployment verified (keyring/manifest/deploy); the
 *             deployment must name this manifest and select this device
 *   install   iotl_stage_begin()/write()/finish()/activate(): v2 streamed
 *             into slot B with progress, as the delta patch v1 -> v2 applied
 *             against slot A (or, with "deflate", as the compressed full
 *             image); resumes at its last checkpoint after a reset; then a
 *             system reset
 *   health    slot B boots on trial; iotl_health runs the checks and decides:
 *             iotl_stage_confirm(), or iotl_stage_reject() and a reset back
 *             into slot A
 *   diag      boot, update and health events recorded; one chunk exported
 *
 * Semihosting command line: "fw.elf [reset-at=N] [reset-op=N] [deflate]
 * [tamper] [forge-manifest] [unhealthy]":
 * reset-at=N injects a system reset after N payload chunks of 512 bytes were
 * accepted, reset-op=N just before the Nth flash program/erase operation
 * since power-on (both once per power-on); deflate makes the device report
 * no known running image, so trust picks the manifest's compressed full
 * image instead of the delta (whose base it cannot vouch for); tamper flips one bit of the
 * payload in transit, which staging must refuse; forge-manifest changes one
 * character of the manifest's signed payload, which trust must refuse
 * before staging begins; unhealthy makes the new
 * image's application self-test fail, so the trial must be rolled back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <zlib.h>

#include "board.h"
#include "iotlife/boot.h"
#include "iotlife/deploy.h"
#include "iotlife/diag.h"
#include "iotlife/health.h"
#include "iotlife/keyring.h"
#include "iotlife/manifest.h"
#include "iotlife/iotlife.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/ram.h"
#include "iotlife/stage.h"
#include "iotlife/trust.h"
#include "payload.h"

/* ---- emulated flash layout (in .noinit) --------------------------------- */
#define FLASH_ERASE 4096u
#define FLASH_ALIGN 8u
#define SLOT_SIZE (48u * 1024u)
#define STATE_SIZE (4u * FLASH_ERASE)
#define DIAG_SIZE (2u * FLASH_ERASE)
#define SCRATCH_SIZE (2u * FLASH_ERASE)
#define NOINIT_MAGIC 0x494F544Cu /* "IOTL" */
#define CHUNK 512u               /* payload bytes per iotl_stage_write() (a network read) */

enum phase { PH_SELFTEST, PH_FACTORY, PH_BOOT, PH_CRYPTO, PH_TRUST, PH_INSTALL, PH_HEALTH, PH_DIAG, PH_COUNT };
static const char *const phase_name[PH_COUNT] = {"selftest", "factory", "boot", "crypto", "trust",
                                                 "install", "health", "diag"};

enum { AREA_A, AREA_B, AREA_STATE, AREA_DIAG, AREA_SCRATCH, AREA_COUNT };

/* Everything that must survive a system reset, like flash would. */
struct noinit {
    uint32_t magic;
    uint32_t boots;
    uint32_t reset_injected;
    uint32_t phase_us[PH_COUNT]; /* accumulated over all boots */
    uint32_t stack_peak, heap_peak, zarena_peak; /* maxima over all boots */
    uint32_t flash_ops;                          /* program/erase operations since power-on */
    uint8_t slot_a[SLOT_SIZE];
    uint8_t slot_b[SLOT_SIZE];
    uint8_t state[STATE_SIZE];
    uint8_t diag[DIAG_SIZE];
    uint8_t scratch[SCRATCH_SIZE];
};
static struct noinit g_nv __attribute__((section(".noinit"), aligned(8)));

static iotl_ram_flash_t g_rf[AREA_COUNT];
static struct iotl_storage g_raw[AREA_COUNT]; /* the RAM port itself */
static struct iotl_storage g_area[AREA_COUNT]; /* what iotlife sees: counted, can inject a reset */
static struct iotl_crypto g_crypto;
static uint8_t g_block[FLASH_ERASE];
static size_t g_zused, g_zpeak; /* factory inflate and diag deflate arena use */
static uint8_t g_zarena[IOTL_DIAG_Z_ARENA(256)] __attribute__((aligned(8)));
/* Staging's work buffer: the delta decoder's need covers the inflater's. */
#define STAGE_WORK_LEN \
    (IOTL_STAGE_WORKBUF_DELTA > IOTL_STAGE_WORKBUF_DEFLATE ? IOTL_STAGE_WORKBUF_DELTA : IOTL_STAGE_WORKBUF_DEFLATE)
static uint8_t g_stage_work[STAGE_WORK_LEN] __attribute__((aligned(8)));
static iotl_stage_t g_stage;
static iotl_boot_t g_boot;
static iotl_diag_t g_diag;
static unsigned g_reset_at, g_reset_op;
static bool g_tamper, g_tamper_manifest, g_unhealthy, g_count_ops, g_deflate;

/* ---- time --------------------------------------------------------------- */
static uint32_t now_us(void)
{
    uint32_t t, v;
    do {
        t = board_ticks();
        v = board_systick_val();
    } while (t != board_ticks());
    const uint32_t per_tick = BOARD_SYSCLK_HZ / BOARD_TICK_HZ;
    return t * 1000u + (per_tick - 1u - v) / (BOARD_SYSCLK_HZ / 1000000u);
}

static uint64_t uptime_ms(void *ctx)
{
    (void)ctx;
    return board_ticks();
}
static const struct iotl_platform_ops g_platform_ops = {.uptime_ms = uptime_ms};
static const struct iotl_platform g_platform = {&g_platform_ops, NULL};

static enum phase g_phase;
static uint32_t g_phase_t0;
static uint32_t max_u32(uint32_t a, size_t b)
{
    return (size_t)a > b ? a : (uint32_t)b;
}
static void phase_begin(enum phase p)
{
    g_phase = p;
    g_phase_t0 = now_us();
    board_printf("[%s]\n", phase_name[p]);
}
static void phase_end(void)
{
    g_nv.phase_us[g_phase] += now_us() - g_phase_t0;
    g_nv.stack_peak = max_u32(g_nv.stack_peak, board_stack_size() - board_stack_unused());
    g_nv.heap_peak = max_u32(g_nv.heap_peak, board_heap_peak());
    g_nv.zarena_peak = max_u32(g_nv.zarena_peak, g_zpeak);
}

static int fail(const char *what, int err)
{
    board_printf("FAIL: %s: %d (%s)\n", what, err, iotl_strerror(err));
    return 1;
}

static void inject_reset(const char *why)
{
    g_nv.reset_injected = 1;
    phase_end();
    board_printf("  injected: system reset %s\n", why);
    board_system_reset();
}

/* ---- storage: the RAM port behind a counting shim ------------------------
 * The shim counts program and erase operations (the unit of a power cut)
 * and, when asked, resets the system just before the Nth one: a cut between
 * two flash operations, at any point of the update. */
static int shim_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    const struct iotl_storage *s = (const struct iotl_storage *)ctx;
    return s->ops->read(s->ctx, off, buf, len);
}
static void shim_count(void)
{
    if (!g_count_ops) {
        return;
    }
    g_nv.flash_ops++;
    if (g_reset_op != 0 && g_nv.flash_ops == g_reset_op && !g_nv.reset_injected) {
        inject_reset("before a flash operation");
    }
}
static int shim_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    const struct iotl_storage *s = (const struct iotl_storage *)ctx;
    shim_count();
    return s->ops->write(s->ctx, off, buf, len);
}
static int shim_erase(void *ctx, uint32_t off, size_t len)
{
    const struct iotl_storage *s = (const struct iotl_storage *)ctx;
    shim_count();
    return s->ops->erase(s->ctx, off, len);
}
static const struct iotl_storage_ops g_shim_ops = {shim_read, shim_write, shim_erase, NULL};

static int storage_setup(bool cold)
{
    uint8_t *const mem[AREA_COUNT] = {g_nv.slot_a, g_nv.slot_b, g_nv.state, g_nv.diag, g_nv.scratch};
    const uint32_t size[AREA_COUNT] = {SLOT_SIZE, SLOT_SIZE, STATE_SIZE, DIAG_SIZE, SCRATCH_SIZE};
    for (unsigned i = 0; i < AREA_COUNT; i++) {
        const struct iotl_storage_geometry geo = {
            .size = size[i], .erase_size = FLASH_ERASE, .write_align = FLASH_ALIGN, .erased_value = 0xFF};
        int ret = cold ? iotl_ram_flash_init(&g_rf[i], &g_raw[i], mem[i], &geo, true)
                       : iotl_ram_flash_attach(&g_rf[i], &g_raw[i], mem[i], &geo, true);
        if (ret != IOTL_OK) {
            return ret;
        }
        g_area[i].ops = &g_shim_ops;
        g_area[i].ctx = &g_raw[i];
        g_area[i].geo = geo;
    }
    return IOTL_OK;
}

/* ---- factory programming: inflate v1 into slot A ------------------------- */
static voidpf zalloc_arena(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    size_t n = ((size_t)items * size + 7u) & ~(size_t)7u;
    if (n > sizeof(g_zarena) - g_zused) {
        return Z_NULL;
    }
    void *p = &g_zarena[g_zused];
    g_zused += n;
    g_zpeak = g_zused > g_zpeak ? g_zused : g_zpeak;
    return p;
}
static void zfree_arena(voidpf opaque, voidpf p)
{
    (void)opaque;
    (void)p; /* bump arena: released as a whole */
}

static int factory_program(void)
{
    z_stream s;
    memset(&s, 0, sizeof(s));
    s.zalloc = zalloc_arena;
    s.zfree = zfree_arena;
    g_zused = 0;
    if (inflateInit2(&s, -PAYLOAD_WINDOW_BITS) != Z_OK) {
        return IOTL_ERR_NO_MEM;
    }
    s.next_in = (z_const Bytef *)img_v1_z;
    s.avail_in = (uInt)sizeof(img_v1_z);
    int ret = iotl_storage_erase(&g_raw[AREA_A], 0, SLOT_SIZE);
    for (uint32_t off = 0; ret == IOTL_OK && off < PAYLOAD_IMAGE_SIZE; off += sizeof(g_block)) {
        s.next_out = g_block;
        s.avail_out = sizeof(g_block);
        int zr = inflate(&s, Z_SYNC_FLUSH);
        if ((zr != Z_OK && zr != Z_STREAM_END) || s.avail_out != 0) {
            ret = IOTL_ERR_CORRUPT;
        } else {
            ret = iotl_storage_write(&g_raw[AREA_A], off, g_block, sizeof(g_block));
        }
    }
    (void)inflateEnd(&s);
    return ret;
}

/* ---- helpers -------------------------------------------------------------- */
static int hash_slot(const struct iotl_storage *slot, uint8_t digest[IOTL_SHA256_LEN])
{
    iotl_sha256_state_t st;
    int ret = g_crypto.ops->sha256_start(g_crypto.ctx, &st);
    for (uint32_t off = 0; ret == IOTL_OK && off < PAYLOAD_IMAGE_SIZE; off += sizeof(g_block)) {
        ret = iotl_storage_read(slot, off, g_block, sizeof(g_block));
        if (ret == IOTL_OK) {
            ret = g_crypto.ops->sha256_update(g_crypto.ctx, &st, g_block, sizeof(g_block));
        }
    }
    if (ret == IOTL_OK) {
        ret = g_crypto.ops->sha256_finish(g_crypto.ctx, &st, digest);
    }
    return ret;
}

/* Slot image header: "IOTLIMG1", version, size (little-endian). */
static int slot_version(const struct iotl_storage *slot, uint32_t *version)
{
    uint8_t h[16];
    int ret = iotl_storage_read(slot, 0, h, sizeof(h));
    if (ret != IOTL_OK) {
        return ret;
    }
    if (memcmp(h, "IOTLIMG1", 8) != 0) {
        return IOTL_ERR_CORRUPT;
    }
    *version = (uint32_t)h[8] | ((uint32_t)h[9] << 8) | ((uint32_t)h[10] << 16) | ((uint32_t)h[11] << 24);
    return IOTL_OK;
}

static unsigned arg_uint(const char *cmd, const char *key)
{
    const char *p = strstr(cmd, key);
    unsigned v = 0;
    if (p != NULL) {
        for (p += strlen(key); *p >= '0' && *p <= '9'; p++) {
            v = v * 10u + (unsigned)(*p - '0');
        }
    }
    return v;
}

static void parse_cmdline(void)
{
    static char cmd[96];
    if (board_cmdline(cmd, sizeof(cmd)) != 0) {
        return;
    }
    g_reset_at = arg_uint(cmd, "reset-at=");
    g_reset_op = arg_uint(cmd, "reset-op=");
    g_tamper = strstr(cmd, "tamper") != NULL;
    g_deflate = strstr(cmd, "deflate") != NULL;
    g_unhealthy = strstr(cmd, "unhealthy") != NULL;
    g_tamper_manifest = strstr(cmd, "forge-manifest") != NULL;
}

static int crypto_phase(void)
{
    static const uint8_t abc_sha256[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t d[IOTL_SHA256_LEN];
    int ret = iotl_sha256(&g_crypto, "abc", 3, d);
    if (ret != IOTL_OK || memcmp(d, abc_sha256, sizeof(d)) != 0) {
        return fail("SHA-256 known answer", ret != IOTL_OK ? ret : IOTL_ERR_INTEGRITY);
    }
    uint32_t t0 = now_us();
    ret = g_crypto.ops->p256_verify(g_crypto.ctx, fw_pubkey, img_v2_sha256, img_v2_sig);
    uint32_t t1 = now_us();
    if (ret != IOTL_OK) {
        return fail("ECDSA P-256 verify of the v2 signature", ret);
    }
    uint8_t bad[IOTL_P256_SIG_LEN];
    memcpy(bad, img_v2_sig, sizeof(bad));
    bad[17] ^= 0x04;
    ret = g_crypto.ops->p256_verify(g_crypto.ctx, fw_pubkey, img_v2_sha256, bad);
    if (ret != IOTL_ERR_SIGNATURE) {
        return fail("altered signature was not refused", ret == IOTL_OK ? IOTL_ERR_INTEGRITY : ret);
    }
    board_printf("  SHA-256 KAT ok; P-256 verify ok (%lu us); altered signature refused\n",
                 (unsigned long)(t1 - t0));
    return 0;
}

/* ---- trust: key ring, manifest, deployment -> the staging descriptor ----
 * A new update: iotl_trust_decide() verifies the deployment (operator) and
 * the manifest (publisher) against the key ring and the persisted floors
 * (replay, rollback, expiry, targeting, cohort, window) and
 * iotl_trust_update_desc() turns the result into the staging descriptor.
 * An update already in flight after a reset: staging has raised the floors
 * to this release, so deciding again would be a replay; the documents are
 * verified again (signatures, expiry) and the same descriptor rebuilt, which
 * iotl_stage_begin() then accepts as the update in flight. */
static iotl_keyring_t g_ring;
static iotl_trust_work_t g_trust_work;
static struct iotl_trust_result g_trust;

static int trust_phase(struct iotl_update_desc *d, bool in_flight)
{
    const int64_t now = TRUST_NOW; /* no RTC: the clock starts at the documents' epoch */
    struct iotl_floors floors, floors_out;
    int ret = iotl_stage_get_floors(&g_stage, &floors);
    if (ret == IOTL_OK) {
        ret = iotl_keyring_init(&g_ring, &g_crypto, &trust_root_pub, 1, 1);
    }
    if (ret == IOTL_OK) {
        /* Once staging raised the key-ring floor to this version, the same
         * document is re-loaded rather than taken as new. */
        unsigned flags = floors.keyring_version >= 1u ? IOTL_KEYRING_RELOAD : 0u;
        ret = iotl_keyring_update(&g_ring, &g_crypto, trust_keyring, sizeof(trust_keyring) - 1u, &floors, now,
                                  flags, &g_trust_work, &floors_out);
    }
    if (ret != IOTL_OK) {
        return fail("key ring", ret);
    }
    if (ret == IOTL_OK) {
        floors.keyring_version = g_ring.version;
    }
    const char *manifest = trust_manifest;
    static char forged[sizeof(trust_manifest)];
    if (g_tamper_manifest) {
        /* Change one character of the signed payload (base64url), as an
         * attacker editing the release in transit would. */
        memcpy(forged, trust_manifest, sizeof(forged));
        char *dot = strchr(forged, '.');
        dot[40] = dot[40] == 'A' ? 'B' : 'A';
        manifest = forged;
        board_printf("  injected: one character of the manifest's signed payload changed\n");
    }
    static const char *const groups[] = {"lab"};
    static const struct iotl_device_info dev = {.id = "qemu-mps2-an386",
                                                .product = "iotlife-demo",
                                                .hardware = "mps2-an386",
                                                .groups = groups,
                                                .group_count = 1,
                                                .installed_version = "1.0.0"};
    if (!in_flight) {
        const struct iotl_trust_request req = {.keyring = &g_ring,
                                               .crypto = &g_crypto,
                                               .device = &dev,
                                               .floors = &floors,
                                               .wall_time = now,
                                               .max_payload_size = SLOT_SIZE};
        ret = iotl_trust_decide(&req, trust_deployment, sizeof(trust_deployment) - 1u, manifest,
                                sizeof(trust_manifest) - 1u, &g_trust_work, &g_trust);
        if (ret != IOTL_OK) {
            return fail("manifest/deployment decision", ret);
        }
    } else {
        memset(&g_trust, 0, sizeof(g_trust));
        ret = iotl_deployment_verify(&g_ring, &g_crypto, trust_deployment, sizeof(trust_deployment) - 1u, now,
                                     &g_trust_work, &g_trust.deployment, NULL);
        if (ret == IOTL_OK) {
            ret = iotl_manifest_verify(&g_ring, &g_crypto, manifest, sizeof(trust_manifest) - 1u, now,
                                       &g_trust_work, &g_trust.manifest, NULL);
        }
        if (ret == IOTL_OK) {
            ret = iotl_sha256(&g_crypto, manifest, sizeof(trust_manifest) - 1u, g_trust.manifest_sha256);
        }
        if (ret == IOTL_OK && memcmp(g_trust.deployment.manifest_sha256, g_trust.manifest_sha256,
                                     IOTL_SHA256_LEN) != 0) {
            ret = IOTL_ERR_MISMATCH;
        }
        if (ret != IOTL_OK) {
            return fail("manifest/deployment of the update in flight", ret);
        }
        g_trust.floors = floors; /* already raised to this release by staging */
        g_trust.trusted_time = now;
    }
    /* The running image is the base for delta payloads: v1 here. With
     * "deflate" the device vouches for no running image, so no delta
     * applies and trust picks the compressed full image. */
    static const uint8_t unknown[IOTL_SHA256_LEN] = {0};
    const struct iotl_installed_image installed = {"main", g_deflate ? unknown : img_v1_sha256};
    ret = iotl_trust_update_desc(&g_trust, &installed, 1, d);
    if (ret != IOTL_OK) {
        return fail("iotl_trust_update_desc", ret);
    }
    if (d->component[0].kind == IOTL_PAYLOAD_DEFLATE) {
        d->component[0].flags |= IOTL_COMPONENT_FULL_FLUSH; /* gen_payload.py flushes every 4 KiB */
    }
    board_printf("  key ring v%lu (root-signed), manifest %s by the publisher, deployment \"%s\" by the "
                 "operator: %s\n",
                 (unsigned long)g_ring.version, g_trust.manifest.version, g_trust.deployment.id,
                 in_flight ? "verified again for the update in flight" : "verified, device selected");
    return 0;
}

/* ---- health checks of the trial image ------------------------------------ */
static uint32_t g_run_version;
static const struct iotl_storage *g_run_slot;

/* The image in the running slot is the one the update installed: version 2
 * and the signed digest. */
static int check_image(void *arg)
{
    (void)arg;
    uint8_t d[IOTL_SHA256_LEN];
    int ret = hash_slot(g_run_slot, d);
    if (ret == IOTL_OK && (g_run_version != 2u || memcmp(d, img_v2_sha256, sizeof(d)) != 0)) {
        ret = IOTL_ERR_INTEGRITY;
    }
    return ret;
}

/* Stands for the application's own self-test (sensors, radio, ...). */
static int check_app(void *arg)
{
    (void)arg;
    return g_unhealthy ? IOTL_ERR_STATE : IOTL_OK;
}

static int install_phase(const struct iotl_update_desc *dp)
{
    struct iotl_update_desc desc = *dp;
    const bool delta = desc.component[0].kind == IOTL_PAYLOAD_DELTA;
    const uint8_t *const pay = delta ? img_v2_delta : img_v2_z;
    const uint32_t pay_len = delta ? (uint32_t)sizeof(img_v2_delta) : (uint32_t)sizeof(img_v2_z);
    if (desc.component[0].payload_size != pay_len) {
        return fail("payload size differs from the manifest", IOTL_ERR_SIZE_MISMATCH);
    }
    board_printf("  payload: %s, %lu bytes for the %lu-byte image v2 (%lu%%)\n",
                 delta ? "delta from v1 (slot A)" : "deflate (compressed full image)", (unsigned long)pay_len,
                 (unsigned long)desc.component[0].image_size,
                 (unsigned long)(pay_len * 100u / desc.component[0].image_size));
    uint8_t comp = 0;
    uint32_t off = 0;
    int ret = iotl_stage_begin(&g_stage, &desc, &comp, &off);
    if (ret != IOTL_OK) {
        return fail("iotl_stage_begin", ret);
    }
    if (comp >= desc.component_count) {
        off = pay_len; /* already staged: nothing left to send */
        board_printf("  payload already staged before the reset\n");
    } else if (off != 0) {
        board_printf("  resuming the download at payload offset %lu of %lu\n", (unsigned long)off,
                     (unsigned long)pay_len);
    }
    static uint8_t chunk[CHUNK];
    unsigned sent = 0;
    while (off < pay_len) {
        size_t n = pay_len - off < sizeof(chunk) ? pay_len - off : sizeof(chunk);
        memcpy(chunk, pay + off, n); /* as if it came from the network */
        if (g_tamper && off <= pay_len / 2 && pay_len / 2 < off + n) {
            chunk[pay_len / 2 - off] ^= 0x10u;
            board_printf("  injected: one bit of the payload flipped in transit\n");
        }
        ret = iotl_stage_write(&g_stage, comp, off, chunk, n);
        if (ret != IOTL_OK) {
            return fail("iotl_stage_write", ret);
        }
        off += (uint32_t)n;
        sent++;
        board_printf("  progress %lu/%lu bytes (%lu%%)\n", (unsigned long)off, (unsigned long)pay_len,
                     (unsigned long)(off * 100u / pay_len));
        if (g_reset_at != 0 && sent == g_reset_at && !g_nv.reset_injected) {
            inject_reset("in the middle of the download");
        }
    }
    ret = iotl_stage_finish(&g_stage);
    if (ret != IOTL_OK) {
        return fail("iotl_stage_finish (image verification)", ret);
    }
    ret = iotl_stage_activate(&g_stage);
    if (ret != IOTL_OK) {
        return fail("iotl_stage_activate", ret);
    }
    (void)iotl_diag_event(&g_diag, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_INSTALLED, 0, 0, "1.0.0->2.0.0");
    board_printf("  staged, verified, activated: slot B on trial; system reset\n");
    return 0;
}

int main(void)
{
    board_init();
    const bool cold = g_nv.magic != NOINIT_MAGIC;
    if (cold) {
        memset(&g_nv, 0, offsetof(struct noinit, slot_a));
    }
    g_nv.boots++;
    parse_cmdline();
    board_printf("iotlife %s bare-metal on Cortex-M4 (mps2-an386): boot %lu (%s)%s\n", iotl_version(),
                 (unsigned long)g_nv.boots, cold ? "power-on" : "reset",
                 (g_reset_at != 0 || g_reset_op != 0) && !g_nv.reset_injected ? ", reset injection armed" : "");
    (void)iotl_mbedtls_crypto_init(&g_crypto);
    int ret = storage_setup(cold);
    if (ret != IOTL_OK) {
        return fail("storage setup", ret);
    }

    if (cold) {
        phase_begin(PH_SELFTEST);
        ret = iotl_storage_selftest(&g_raw[AREA_SCRATCH], g_block, sizeof(g_block));
        phase_end();
        if (ret != IOTL_OK) {
            return fail("iotl_storage_selftest", ret);
        }
        board_printf("  storage selftest ok (%u KiB area, erase %u, align %u)\n", SCRATCH_SIZE / 1024u,
                     FLASH_ERASE, FLASH_ALIGN);
        phase_begin(PH_FACTORY);
        ret = factory_program();
        phase_end();
        if (ret != IOTL_OK) {
            return fail("factory programming of slot A", ret);
        }
        g_nv.magic = NOINIT_MAGIC;
    }
    g_count_ops = true; /* from here on, flash operations are the update's */

    phase_begin(PH_BOOT);
    const struct iotl_boot_config bc = {
        .state = &g_area[AREA_STATE], .slot = {&g_area[AREA_A], &g_area[AREA_B]}, .crypto = &g_crypto};
    struct iotl_boot_result br;
    ret = iotl_boot_select(&g_boot, &bc, &br);
    const struct iotl_storage *run = br.slot == 0 ? &g_area[AREA_A] : &g_area[AREA_B];
    uint32_t ver = 0;
    if (ret == IOTL_OK) {
        ret = slot_version(run, &ver);
    }
    const struct iotl_stage_config sc = {
        .slot = {&g_area[AREA_A], &g_area[AREA_B]},
        .state = &g_area[AREA_STATE],
        .crypto = &g_crypto,
        .work_buf = g_stage_work,
        .work_buf_len = sizeof(g_stage_work),
        .checkpoint_bytes = FLASH_ERASE,
    };
    if (ret == IOTL_OK) {
        ret = iotl_stage_init(&g_stage, &sc);
    }
    struct iotl_stage_status st;
    if (ret == IOTL_OK) {
        ret = iotl_stage_status(&g_stage, &st);
    }
    phase_end();
    if (ret != IOTL_OK) {
        return fail("boot selector / staging init", ret);
    }
    board_printf("  boot selector: slot %c%s, image v%lu%s\n", br.slot == 0 ? 'A' : 'B',
                 br.trial ? " (trial)" : "", (unsigned long)ver, br.rolled_back ? ", rolled back" : "");

    const struct iotl_diag_config dc = {
        .storage = &g_area[AREA_DIAG],
        .platform = &g_platform,
        .device_id = "qemu-mps2-an386",
        .z_arena = g_zarena,
        .z_arena_len = sizeof(g_zarena),
    };
    ret = iotl_diag_init(&g_diag, &dc);
    if (ret != IOTL_OK) {
        return fail("iotl_diag_init", ret);
    }
    (void)iotl_diag_event(&g_diag, IOTL_DIAG_EV_REBOOT,
                          cold ? IOTL_DIAG_REBOOT_POWER_ON : IOTL_DIAG_REBOOT_UPDATE, 0, 0, NULL);

    struct iotl_update_outcome outcome;
    if (iotl_stage_outcome(&g_stage, &outcome) != IOTL_OK) {
        memset(&outcome, 0, sizeof(outcome));
    }
    const bool rolled_back = outcome.kind == IOTL_OUTCOME_ROLLED_BACK;
    if (st.phase == IOTL_PHASE_IDLE && br.slot == 0 && !br.rolled_back && !rolled_back) {
        phase_begin(PH_CRYPTO);
        ret = crypto_phase();
        phase_end();
        if (ret != 0) {
            return ret;
        }
    }
    if ((rolled_back || br.rolled_back) && st.phase == IOTL_PHASE_IDLE) {
        board_printf("  last update: %s rolled back (reason %u); not retried\n", outcome.version, outcome.reason);
        (void)iotl_diag_event(&g_diag, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_ROLLED_BACK, outcome.code, 0,
                              outcome.version);
    } else if ((st.phase == IOTL_PHASE_IDLE && br.slot == 0 && !br.rolled_back) ||
               st.phase == IOTL_PHASE_DOWNLOADING || st.phase == IOTL_PHASE_STAGED) {
        struct iotl_update_desc desc;
        phase_begin(PH_TRUST);
        ret = trust_phase(&desc, st.phase != IOTL_PHASE_IDLE);
        phase_end();
        if (ret != 0) {
            return ret;
        }
        phase_begin(PH_INSTALL);
        ret = install_phase(&desc);
        phase_end();
        if (ret != 0) {
            (void)iotl_diag_event(&g_diag, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_FAILED, 0, 0, NULL);
            return ret;
        }
        board_system_reset();
    }

    if (st.phase == IOTL_PHASE_TRIAL && br.trial) {
        phase_begin(PH_HEALTH);
        g_run_slot = run;
        g_run_version = ver;
        static const struct iotl_health_check checks[] = {{"image", check_image, NULL},
                                                          {"app-selftest", check_app, NULL}};
        static const struct iotl_health_config hc = {
            .checks = checks,
            .n_checks = 2,
            .policy = {.passes_needed = 1, .max_trial_boots = 2},
            .platform = &g_platform,
            .diag = &g_diag,
        };
        static iotl_health_t health;
        enum iotl_health_decision decision = IOTL_HEALTH_WAIT;
        ret = iotl_health_init(&health, &hc);
        if (ret == IOTL_OK) {
            ret = iotl_health_boot(&health, IOTL_DIAG_REBOOT_UPDATE, true);
        }
        if (ret == IOTL_OK) {
            ret = iotl_health_evaluate(&health, &decision);
        }
        if (ret == IOTL_OK && decision == IOTL_HEALTH_CONFIRM) {
            ret = iotl_stage_confirm(&g_stage);
        } else if (ret == IOTL_OK && decision == IOTL_HEALTH_REJECT) {
            ret = iotl_stage_reject(&g_stage, IOTL_ERR_STATE);
        } else if (ret == IOTL_OK) {
            /* A check failed without a final verdict yet: on a real device
             * the application keeps running and evaluates again; here the
             * trial is given up at once. */
            ret = iotl_stage_reject(&g_stage, IOTL_ERR_TIMEOUT);
            decision = IOTL_HEALTH_REJECT;
        }
        phase_end();
        if (ret != IOTL_OK) {
            return fail("health check / confirm", ret);
        }
        if (decision != IOTL_HEALTH_CONFIRM) {
            board_printf("  health check failed: trial image v%lu rejected; system reset\n", (unsigned long)ver);
            board_system_reset();
        }
        (void)iotl_diag_event(&g_diag, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_CONFIRMED, 0, 0, "2.0.0");
        board_printf("  health checks passed: image v%lu confirmed\n", (unsigned long)ver);
    }

    phase_begin(PH_DIAG);
    static uint8_t chunk[256];
    size_t clen = 0;
    ret = iotl_diag_get_chunk(&g_diag, chunk, sizeof(chunk), &clen);
    /* Decode it again on the device, as the host's `iotlife diag decode`
     * would: a self-check of the chunk format (the diag store is done with
     * the arena, so the decoder may take it). */
    struct iotl_diag_chunk_info ci;
    static uint8_t raw[1024];
    if (ret == IOTL_OK) {
        iotl_diag_deinit(&g_diag);
        ret = iotl_diag_chunk_decode(chunk, clen, &ci, raw, sizeof(raw), g_zarena, sizeof(g_zarena));
    }
    phase_end();
    if (ret != IOTL_OK) {
        return fail("diagnostics chunk", ret);
    }
    board_printf("  diagnostics chunk: %lu bytes%s, records %lu..%lu (%lu), %lu bytes decoded on the device\n",
                 (unsigned long)clen, (ci.flags & 1u) != 0 ? " deflated" : "", (unsigned long)ci.first_seq,
                 (unsigned long)ci.last_seq, (unsigned long)ci.count, (unsigned long)ci.payload_len);

    struct iotl_stage_status fin;
    ret = iotl_stage_status(&g_stage, &fin);
    board_printf("summary: boots %lu, running slot %c image v%lu, flash ops %lu since power-on\n",
                 (unsigned long)g_nv.boots, br.slot == 0 ? 'A' : 'B', (unsigned long)ver,
                 (unsigned long)g_nv.flash_ops);
    board_printf("| phase | time (us, SysTick @ %u Hz) |\n| --- | ---: |\n", BOARD_TICK_HZ);
    for (unsigned p = 0; p < PH_COUNT; p++) {
        board_printf("| %s | %lu |\n", phase_name[p], (unsigned long)g_nv.phase_us[p]);
    }
    board_printf("memory peaks over all boots: stack %lu of %lu bytes, heap arena %lu of %lu bytes "
                 "(Mbed TLS bignums), inflate arena %lu of %lu bytes\n",
                 (unsigned long)g_nv.stack_peak, (unsigned long)board_stack_size(), (unsigned long)g_nv.heap_peak,
                 (unsigned long)board_heap_size(), (unsigned long)g_nv.zarena_peak, (unsigned long)sizeof(g_zarena));
    if (g_unhealthy) {
        if (ret != IOTL_OK || br.slot != 0 || ver != 1u || fin.phase != IOTL_PHASE_IDLE || !rolled_back) {
            board_printf("FAIL: the unhealthy image was not rolled back\n");
            return 1;
        }
        board_printf("SUCCESS: unhealthy v2 rejected, rolled back to v1\n");
        return 0;
    }
    if (ret != IOTL_OK || br.slot != 1 || ver != 2u || fin.phase != IOTL_PHASE_IDLE || fin.confirmed_slot != 1) {
        board_printf("FAIL: did not end confirmed on the new image\n");
        return 1;
    }
    board_printf("SUCCESS: updated to v2 and confirmed\n");
    return 0;
}
