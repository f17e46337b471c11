/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iotlife bare-metal reference firmware (QEMU mps2-an386, Cortex-M4).
 *
 * Static memory only: the emulated flash lives in .noinit RAM (kept across a
 * system reset), every buffer is a static array, and libc's malloc (used by
 * Mbed TLS bignums only) draws from one fixed arena (board.c).
 *
 * Scenario, resumable at every boot:
 *   selftest  storage port conformance on the scratch area (cold boot only)
 *   factory   slot A programmed with image v1 (cold boot only)
 *   boot      slot selector: which slot runs, from the install journal
 *   crypto    SHA-256 known answer, ECDSA P-256 verify of v2's signature and
 *             refusal of a one-bit-altered one, on the target's Mbed TLS
 *   install   v2 inflated block by block into slot B, one journal record per
 *             block; a reset here resumes at the last finished block
 *   verify    SHA-256 of slot B checked against the signed digest
 *   trial     journal TRIAL, then NVIC system reset
 *   health    after the reset, slot B boots as a trial, is checked, confirmed
 *
 * Until iotlife's stage/boot modules land, the journal and slot selection
 * here are the example's own, deliberately small (journal.c).
 *
 * Semihosting command line: "fw.elf [reset-at=N] [reset-in=N] [tamper]":
 * reset-at=N injects a system reset after N finished blocks of the install,
 * reset-in=N after erasing block N but before programming it (once each
 * power-on); tamper flips one bit of slot B after the install, which the
 * verify must refuse.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <zlib.h>

#include "board.h"
#include "iotlife/iotlife.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/ram.h"
#include "payload.h"

/* ---- emulated flash layout (in .noinit) --------------------------------- */
#define FLASH_ERASE 4096u
#define FLASH_ALIGN 8u
#define SLOT_SIZE (48u * 1024u)
#define STATE_SIZE (2u * FLASH_ERASE)
#define SCRATCH_SIZE (2u * FLASH_ERASE)
#define NOINIT_MAGIC 0x494F544Cu /* "IOTL" */

enum phase { PH_SELFTEST, PH_FACTORY, PH_BOOT, PH_CRYPTO, PH_INSTALL, PH_VERIFY, PH_HEALTH, PH_COUNT };
static const char *const phase_name[PH_COUNT] = {"selftest", "factory", "boot", "crypto",
                                                 "install", "verify", "health"};

/* Everything that must survive a system reset, like flash would. */
struct noinit {
    uint32_t magic;
    uint32_t boots;
    uint32_t reset_injected;
    uint32_t phase_us[PH_COUNT]; /* accumulated over all boots */
    uint32_t stack_peak, heap_peak, zarena_peak; /* maxima over all boots */
    uint8_t slot_a[SLOT_SIZE];
    uint8_t slot_b[SLOT_SIZE];
    uint8_t state[STATE_SIZE];
    uint8_t scratch[SCRATCH_SIZE];
};
static struct noinit g_nv __attribute__((section(".noinit"), aligned(8)));

static iotl_ram_flash_t g_rf[4];
static struct iotl_storage g_slot_a, g_slot_b, g_state, g_scratch;
static struct iotl_crypto g_crypto;
static uint8_t g_block[PAYLOAD_BLOCK];
static size_t g_zused, g_zpeak; /* inflate arena use */

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

static enum phase g_phase;
static uint32_t g_phase_t0;
static void phase_begin(enum phase p)
{
    g_phase = p;
    g_phase_t0 = now_us();
    board_printf("[%s]\n", phase_name[p]);
}
static uint32_t max_u32(uint32_t a, size_t b)
{
    return (size_t)a > b ? a : (uint32_t)b;
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

/* ---- storage ------------------------------------------------------------ */
static int storage_setup(bool cold)
{
    struct {
        struct iotl_storage *s;
        uint8_t *mem;
        uint32_t size;
    } areas[4] = {
        {&g_slot_a, g_nv.slot_a, SLOT_SIZE},
        {&g_slot_b, g_nv.slot_b, SLOT_SIZE},
        {&g_state, g_nv.state, STATE_SIZE},
        {&g_scratch, g_nv.scratch, SCRATCH_SIZE},
    };
    for (unsigned i = 0; i < 4; i++) {
        const struct iotl_storage_geometry geo = {
            .size = areas[i].size, .erase_size = FLASH_ERASE, .write_align = FLASH_ALIGN, .erased_value = 0xFF};
        int ret = cold ? iotl_ram_flash_init(&g_rf[i], areas[i].s, areas[i].mem, &geo, true)
                       : iotl_ram_flash_attach(&g_rf[i], areas[i].s, areas[i].mem, &geo, true);
        if (ret != IOTL_OK) {
            return ret;
        }
    }
    return IOTL_OK;
}

/* ---- inflate one block from a restart point ----------------------------- */
static uint8_t g_zarena[(1u << PAYLOAD_WINDOW_BITS) + 7u * 1024u + 512u] __attribute__((aligned(8)));

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
    (void)p; /* bump arena: released as a whole at the end of the block */
}

/* Decode block `k` of a payload: start a raw inflater at the block's
 * Z_FULL_FLUSH restart point and take exactly PAYLOAD_BLOCK bytes out. */
static int inflate_block(const uint8_t *z, size_t zlen, const uint32_t *restart, unsigned k,
                         uint8_t *out)
{
    z_stream s;
    memset(&s, 0, sizeof(s));
    s.zalloc = zalloc_arena;
    s.zfree = zfree_arena;
    g_zused = 0;
    if (inflateInit2(&s, -PAYLOAD_WINDOW_BITS) != Z_OK) {
        return IOTL_ERR_NO_MEM;
    }
    s.next_in = (z_const Bytef *)(z + restart[k]);
    s.avail_in = (uInt)(zlen - restart[k]);
    s.next_out = out;
    s.avail_out = PAYLOAD_BLOCK;
    int zr = inflate(&s, Z_SYNC_FLUSH);
    (void)inflateEnd(&s);
    if ((zr != Z_OK && zr != Z_STREAM_END) || s.avail_out != 0) {
        return IOTL_ERR_CORRUPT;
    }
    return IOTL_OK;
}

/* ---- the example's install journal (until iotlife's stage module lands) --
 * Append-only 16-byte records in the state area: magic, kind, arg, crc32.
 * The last valid record is the state; a torn record fails its CRC and is
 * ignored, so the previous one stands. */
#define J_MAGIC 0x4A544F49u /* "IOTJ" */
enum jkind { J_NONE = 0, J_BLOCK = 1, J_TRIAL = 2, J_TRIAL_BOOTED = 3, J_CONFIRMED = 4 };
struct jstate {
    enum jkind kind;
    uint32_t arg;
    uint32_t next_off;
};

static int journal_read(struct jstate *st)
{
    memset(st, 0, sizeof(*st));
    uint8_t r[16];
    for (uint32_t off = 0; off + sizeof(r) <= STATE_SIZE; off += sizeof(r)) {
        int ret = iotl_storage_read(&g_state, off, r, sizeof(r));
        if (ret != IOTL_OK) {
            return ret;
        }
        uint32_t w[4];
        memcpy(w, r, sizeof(w));
        if (w[0] != J_MAGIC || (uint32_t)crc32(0, r, 12) != w[3]) {
            st->next_off = off;
            if (w[0] == 0xFFFFFFFFu) {
                break; /* erased: end of the journal */
            }
            continue; /* torn record: skip its slot */
        }
        st->kind = (enum jkind)w[1];
        st->arg = w[2];
        st->next_off = off + sizeof(r);
    }
    return IOTL_OK;
}

static int journal_append(enum jkind kind, uint32_t arg)
{
    struct jstate st;
    int ret = journal_read(&st);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (st.next_off + 16u > STATE_SIZE) {
        return IOTL_ERR_FULL;
    }
    uint32_t w[4] = {J_MAGIC, (uint32_t)kind, arg, 0};
    w[3] = (uint32_t)crc32(0, (const Bytef *)w, 12);
    return iotl_storage_write(&g_state, st.next_off, w, sizeof(w));
}

static unsigned g_reset_at; /* 0: none */
static unsigned g_reset_in; /* 0: none; N: reset after erasing block N-1, before programming it */
static bool g_tamper;        /* flip one bit of slot B after the install */

static int program_image(const struct iotl_storage *slot, const uint8_t *z, size_t zlen,
                         const uint32_t *restart, unsigned from, unsigned to, bool journal)
{
    for (unsigned k = from; k < to; k++) {
        int ret = inflate_block(z, zlen, restart, k, g_block);
        if (ret == IOTL_OK) {
            ret = iotl_storage_erase(slot, k * PAYLOAD_BLOCK, FLASH_ERASE);
        }
        if (ret == IOTL_OK && journal && g_reset_in != 0 && k + 1u == g_reset_in && !g_nv.reset_injected) {
            g_nv.reset_injected = 1;
            phase_end();
            board_printf("  injected: system reset between erase and program of block %u\n", k + 1u);
            board_system_reset();
        }
        if (ret == IOTL_OK) {
            ret = iotl_storage_write(slot, k * PAYLOAD_BLOCK, g_block, PAYLOAD_BLOCK);
        }
        if (ret == IOTL_OK && journal) {
            ret = journal_append(J_BLOCK, k + 1u);
        }
        if (ret != IOTL_OK) {
            return ret;
        }
        if (journal) {
            board_printf("  progress %u/%u blocks (%u%%)\n", k + 1u, to, (k + 1u) * 100u / to);
            if (g_reset_at != 0 && k + 1u == g_reset_at && !g_nv.reset_injected) {
                g_nv.reset_injected = 1;
                phase_end();
                board_printf("  injected: system reset in the middle of the install\n");
                board_system_reset();
            }
        }
    }
    return IOTL_OK;
}

static int hash_slot(const struct iotl_storage *slot, uint8_t digest[IOTL_SHA256_LEN])
{
    iotl_sha256_state_t st;
    int ret = g_crypto.ops->sha256_start(g_crypto.ctx, &st);
    for (uint32_t off = 0; ret == IOTL_OK && off < PAYLOAD_IMAGE_SIZE; off += PAYLOAD_BLOCK) {
        ret = iotl_storage_read(slot, off, g_block, PAYLOAD_BLOCK);
        if (ret == IOTL_OK) {
            ret = g_crypto.ops->sha256_update(g_crypto.ctx, &st, g_block, PAYLOAD_BLOCK);
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
    g_reset_in = arg_uint(cmd, "reset-in=");
    g_tamper = strstr(cmd, "tamper") != NULL;
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
                 (g_reset_at != 0 || g_reset_in != 0) && !g_nv.reset_injected ? ", reset injection armed" : "");
    (void)iotl_mbedtls_crypto_init(&g_crypto);
    int ret = storage_setup(cold);
    if (ret != IOTL_OK) {
        return fail("storage setup", ret);
    }

    if (cold) {
        phase_begin(PH_SELFTEST);
        ret = iotl_storage_selftest(&g_scratch, g_block, sizeof(g_block));
        phase_end();
        if (ret != IOTL_OK) {
            return fail("iotl_storage_selftest", ret);
        }
        board_printf("  storage selftest ok (%u KiB area, erase %u, align %u)\n", SCRATCH_SIZE / 1024u,
                     FLASH_ERASE, FLASH_ALIGN);
        phase_begin(PH_FACTORY);
        ret = program_image(&g_slot_a, img_v1_z, sizeof(img_v1_z), img_v1_restart, 0, PAYLOAD_BLOCKS, false);
        phase_end();
        if (ret != IOTL_OK) {
            return fail("factory programming of slot A", ret);
        }
        g_nv.magic = NOINIT_MAGIC;
    }

    phase_begin(PH_BOOT);
    struct jstate js;
    ret = journal_read(&js);
    if (ret != IOTL_OK) {
        return fail("journal read", ret);
    }
    const struct iotl_storage *run = &g_slot_a;
    const char *why = "slot A: no update pending";
    if (js.kind == J_TRIAL || js.kind == J_TRIAL_BOOTED) {
        if (js.kind == J_TRIAL_BOOTED) {
            why = "slot A: the trial of slot B reset before confirming (rollback)";
        } else {
            run = &g_slot_b;
            why = "slot B: trial boot of the new image";
            ret = journal_append(J_TRIAL_BOOTED, 0);
        }
    } else if (js.kind == J_CONFIRMED) {
        run = &g_slot_b;
        why = "slot B: confirmed";
    }
    uint32_t ver = 0;
    if (ret == IOTL_OK) {
        ret = slot_version(run, &ver);
    }
    phase_end();
    if (ret != IOTL_OK) {
        return fail("boot selector", ret);
    }
    board_printf("  boot selector: %s, image v%lu\n", why, (unsigned long)ver);

    if (run == &g_slot_a && js.kind != J_TRIAL_BOOTED) {
        phase_begin(PH_CRYPTO);
        ret = crypto_phase();
        phase_end();
        if (ret != 0) {
            return ret;
        }
        phase_begin(PH_INSTALL);
        unsigned from = js.kind == J_BLOCK ? (unsigned)js.arg : 0u;
        if (from != 0) {
            board_printf("  resuming the install at block %u of %u\n", from, PAYLOAD_BLOCKS);
        }
        ret = program_image(&g_slot_b, img_v2_z, sizeof(img_v2_z), img_v2_restart, from, PAYLOAD_BLOCKS, true);
        phase_end();
        if (ret != IOTL_OK) {
            return fail("install into slot B", ret);
        }
        if (g_tamper) {
            g_nv.slot_b[PAYLOAD_IMAGE_SIZE / 2u] ^= 0x10u; /* a flash bit error */
            board_printf("  injected: one bit of slot B flipped\n");
        }
        phase_begin(PH_VERIFY);
        uint8_t d[IOTL_SHA256_LEN];
        ret = hash_slot(&g_slot_b, d);
        if (ret == IOTL_OK && memcmp(d, img_v2_sha256, sizeof(d)) != 0) {
            ret = IOTL_ERR_INTEGRITY;
        }
        if (ret == IOTL_OK) {
            ret = g_crypto.ops->p256_verify(g_crypto.ctx, fw_pubkey, d, img_v2_sig);
        }
        if (ret == IOTL_OK) {
            ret = journal_append(J_TRIAL, 0);
        }
        phase_end();
        if (ret != IOTL_OK) {
            return fail("verify of slot B", ret);
        }
        board_printf("  slot B: SHA-256 matches the signed digest, signature ok; marked for trial\n");
        board_printf("  system reset\n");
        board_system_reset();
    }

    if (run == &g_slot_b && js.kind == J_TRIAL) {
        phase_begin(PH_HEALTH);
        uint8_t d[IOTL_SHA256_LEN];
        ret = hash_slot(&g_slot_b, d);
        if (ret == IOTL_OK && (ver != 2u || memcmp(d, img_v2_sha256, sizeof(d)) != 0)) {
            ret = IOTL_ERR_INTEGRITY;
        }
        if (ret == IOTL_OK) {
            ret = journal_append(J_CONFIRMED, 0);
        }
        phase_end();
        if (ret != IOTL_OK) {
            return fail("health check / confirm", ret);
        }
        board_printf("  health check passed: image v%lu confirmed\n", (unsigned long)ver);
    }

    board_printf("[diag] diagnostics export: module not in this build yet\n");
    board_printf("summary: boots %lu, running slot %s image v%lu, %s\n", (unsigned long)g_nv.boots,
                 run == &g_slot_b ? "B" : "A", (unsigned long)ver,
                 js.kind == J_CONFIRMED || run == &g_slot_b ? "confirmed" : "not updated");
    board_printf("| phase | time (us, SysTick @ %u Hz) |\n| --- | ---: |\n", BOARD_TICK_HZ);
    for (unsigned p = 0; p < PH_COUNT; p++) {
        board_printf("| %s | %lu |\n", phase_name[p], (unsigned long)g_nv.phase_us[p]);
    }
    board_printf("memory peaks over all boots: stack %lu of %lu bytes, heap arena %lu of %lu bytes "
                 "(Mbed TLS bignums), inflate arena %lu of %lu bytes\n",
                 (unsigned long)g_nv.stack_peak, (unsigned long)board_stack_size(), (unsigned long)g_nv.heap_peak,
                 (unsigned long)board_heap_size(), (unsigned long)g_nv.zarena_peak, (unsigned long)sizeof(g_zarena));
    if (run != &g_slot_b || ver != 2u) {
        board_printf("FAIL: did not end on the new image\n");
        return 1;
    }
    board_printf("SUCCESS: updated to v2 and confirmed\n");
    return 0;
}
