/* SPDX-License-Identifier: Apache-2.0 */
/* Delta patches: byte-exact round trips (firmware corpus and randomized
 * edits), resume from every checkpoint, memory bounds, and a bad-input table
 * in which every defect maps to its own error and nothing reaches the target. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta_enc.h"
#include "delta_test_util.h"
#include "iotlife/delta.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/ram.h"

/* ---- harness --------------------------------------------------------------------- */

struct cap_sink {
    uint8_t *buf;
    size_t cap, len;
    unsigned calls;
};

static int sink_cap(void *ctx, uint32_t off, const uint8_t *data, size_t len)
{
    struct cap_sink *s = ctx;
    ck_assert_uint_eq(off, s->len); /* strictly sequential */
    ck_assert_uint_gt(len, 0);
    s->calls++;
    if (s->len + len > s->cap) {
        return IOTL_ERR_FULL;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return 0;
}

#define MAX_CP 4096
struct cp_log {
    struct iotl_delta_checkpoint cp[MAX_CP];
    unsigned n;
    const struct cap_sink *sink;
};

static int on_cp(void *ctx, const struct iotl_delta_checkpoint *cp)
{
    struct cp_log *l = ctx;
    /* The sink has everything before the checkpoint. */
    ck_assert_uint_eq(cp->new_offset, l->sink->len);
    if (l->n < MAX_CP) {
        l->cp[l->n++] = *cp;
    }
    return 0;
}

static struct iotl_crypto crypto;
static uint8_t work[IOTL_DELTA_WORKBUF_SIZE(IOTL_DELTA_MAX_WINDOW_BITS)];

/* An old image as a RAM storage area (one erase block per byte is fine here). */
struct old_area {
    iotl_ram_flash_t rf;
    struct iotl_storage s;
    uint8_t *mem;
};

static void old_area_init(struct old_area *a, const uint8_t *img, size_t len)
{
    struct iotl_storage_geometry g = {(uint32_t)(len ? len : 1), 1, 1, 0xFF};
    a->mem = malloc(g.size);
    ck_assert_ptr_nonnull(a->mem);
    ck_assert_int_eq(iotl_ram_flash_init(&a->rf, &a->s, a->mem, &g, false), 0);
    if (len) {
        memcpy(a->mem, img, len);
    }
}

/* Apply patch in chunks of random size (1..max_chunk); returns the first error. */
static int apply(const uint8_t *old, size_t olen, const uint8_t *patch, size_t plen, struct cap_sink *out,
                 struct cp_log *log, size_t work_len, uint32_t seed, size_t max_chunk, uint32_t declared,
                 size_t *peak)
{
    struct old_area a;
    old_area_init(&a, old, olen);
    iotl_mbedtls_crypto_init(&crypto);
    struct iotl_delta_config cfg = {&a.s, &crypto, out ? sink_cap : NULL, out, log ? on_cp : NULL, log,
                                    work, work_len, declared};
    if (log) {
        log->sink = out;
    }
    iotl_delta_t d;
    int ret = iotl_delta_init(&d, &cfg);
    size_t at = 0;
    uint32_t s = seed | 1u;
    while (ret == 0 && at < plen) {
        size_t c = 1 + dt_rand(&s) % max_chunk;
        if (c > plen - at) {
            c = plen - at;
        }
        ret = iotl_delta_write(&d, patch + at, c);
        at += c;
    }
    if (ret == 0) {
        ret = iotl_delta_finish(&d);
    }
    if (peak) {
        *peak = iotl_delta_peak_mem(&d);
    }
    iotl_delta_deinit(&d);
    free(a.mem);
    return ret;
}

static void round_trip(const uint8_t *old, size_t olen, const uint8_t *neu, size_t nlen, int wbits,
                       uint32_t interval, uint32_t seed, size_t *patch_len)
{
    struct iotl_delta_enc_opts o = {wbits, interval, 9};
    struct iotl_delta_enc_result r;
    ck_assert_int_eq(iotl_delta_encode(old, olen, neu, nlen, &o, &r), 0);
    struct cap_sink out = {malloc(nlen + 1), nlen + 1, 0, 0};
    static struct cp_log log;
    log.n = 0;
    size_t peak = 0;
    int ret = apply(old, olen, r.patch, r.patch_len, &out, &log, IOTL_DELTA_WORKBUF_SIZE(wbits), seed,
                    seed % 3 == 0 ? 7 : 5000, seed % 2 ? (uint32_t)r.patch_len : 0, &peak);
    ck_assert_msg(ret == 0, "apply: %s (seed %u)", iotl_strerror(ret), seed);
    ck_assert_uint_eq(out.len, nlen);
    ck_assert(nlen == 0 || memcmp(out.buf, neu, nlen) == 0);
    ck_assert_uint_le(peak, IOTL_DELTA_WORKBUF_SIZE(wbits));
    uint32_t segs = (uint32_t)((nlen + interval - 1) / interval);
    ck_assert_uint_eq(log.n, segs);
    ck_assert_uint_eq(r.segments, segs);
    if (patch_len) {
        *patch_len = r.patch_len;
    }
    free(out.buf);
    iotl_delta_enc_free(&r);
}

/* ---- round trips ------------------------------------------------------------------ */

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

START_TEST(corpus_round_trip)
{
    static const char *pairs[] = {"upy-esp8266", "pybv11-v1.10", "pybv11-dirty", "shell-m4", "shell-pi3"};
    char po[512], pn[512];
    unsigned done = 0;
    for (size_t i = 0; i < IOTL_ARRAY_LEN(pairs); i++) {
        snprintf(po, sizeof(po), "%s/bench-data/firmware-pairs/%s/old", IOTL_SHARED_DIR, pairs[i]);
        snprintf(pn, sizeof(pn), "%s/bench-data/firmware-pairs/%s/new", IOTL_SHARED_DIR, pairs[i]);
        size_t ol, nl;
        uint8_t *o = load(po, &ol), *n = load(pn, &nl);
        if (o == NULL || n == NULL) {
            printf("test_delta: corpus pair %s not found under %s: skipped\n", pairs[i], IOTL_SHARED_DIR);
            free(o);
            free(n);
            continue;
        }
        size_t pl4, pl1;
        round_trip(o, ol, n, nl, 12, 65536, (uint32_t)i + 1, &pl4);
        round_trip(o, ol, n, nl, 10, 16384, (uint32_t)i + 11, &pl1);
        printf("test_delta: %-13s %7zu -> %7zu bytes: patch %6zu (4 KiB window), %6zu (1 KiB window)\n",
               pairs[i], ol, nl, pl4, pl1);
        free(o);
        free(n);
        done++;
    }
    printf("test_delta: %u corpus pairs round-tripped\n", done);
}
END_TEST

START_TEST(randomized_round_trip)
{
    enum { N = 96 * 1024 };
    uint8_t *old = malloc(N), *neu = malloc(2 * N);
    for (uint32_t seed = 1; seed <= 24; seed++) {
        size_t olen = 1 + (seed * 7919u) % N;
        dt_firmware(old, olen, seed);
        size_t nlen = dt_edit(old, olen, neu, 2 * N, seed * 31u);
        int wbits = 9 + (int)(seed % 7);
        uint32_t interval = 256u << (seed % 8);
        round_trip(old, olen, neu, nlen, wbits, interval, seed, NULL);
    }
    free(old);
    free(neu);
}
END_TEST

START_TEST(edge_cases_round_trip)
{
    enum { N = 20000 };
    uint8_t *a = malloc(N), *b = malloc(N);
    dt_firmware(a, N, 5);
    dt_firmware(b, N, 6);
    round_trip(a, 0, b, N, 12, 4096, 1, NULL);      /* empty old */
    round_trip(a, N, b, 0, 12, 4096, 2, NULL);      /* empty new */
    round_trip(a, 0, b, 0, 12, 4096, 3, NULL);      /* both empty */
    round_trip(a, N, a, N, 12, 4096, 4, NULL);      /* identical */
    round_trip(a, N, a + 5000, 3000, 12, 256, 5, NULL); /* old larger than new */
    round_trip(a, 100, b, N, 9, 512, 6, NULL);      /* new much larger */
    round_trip(a, N, b, N, 15, 1u << 20, 7, NULL);  /* unrelated images, one segment */
    size_t pl;
    round_trip(a, N, a, N, 12, 4096, 8, &pl);
    ck_assert_uint_lt(pl, 400); /* identical images cost (almost) nothing */
    free(a);
    free(b);
}
END_TEST

/* The committed patches (the fuzz seeds, made against a fixed 2 KiB image)
 * must keep applying: the format is frozen per version. Version 1 (made
 * before the version-2 diff-run coding, never released) is no longer read:
 * its patches are refused as an unknown version, by the header parser and
 * by the decoder. */
START_TEST(committed_patches_apply)
{
    static const char *seeds[] = {"edit.patch",    "moved.patch",    "empty-new.patch",    "diff.patch",
                                  "v1-edit.patch", "v1-moved.patch", "v1-empty-new.patch", "v1-diff.patch"};
    uint8_t old[2048];
    for (uint32_t i = 0; i < sizeof(old); i++) {
        old[i] = (uint8_t)(i * 7u + (i >> 5));
    }
    for (size_t k = 0; k < IOTL_ARRAY_LEN(seeds); k++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/delta/%s", IOTL_SOURCE_DIR, seeds[k]);
        size_t plen;
        uint8_t *p = load(path, &plen);
        ck_assert_msg(p != NULL, "missing %s", path);
        struct iotl_delta_header h;
        if (strncmp(seeds[k], "v1-", 3) == 0) {
            ck_assert_uint_eq(p[4], 1u);
            ck_assert_int_eq(iotl_delta_parse_header(p, plen, &h), IOTL_ERR_DELTA_VERSION);
            struct cap_sink none = {malloc(4096), 4096, 0, 0};
            int r1 = apply(old, sizeof(old), p, plen, &none, NULL, sizeof(work), (uint32_t)k + 1, 64, 0, NULL);
            ck_assert_msg(r1 == IOTL_ERR_DELTA_VERSION, "%s: %s", seeds[k], iotl_strerror(r1));
            ck_assert_uint_eq(none.len, 0);
            free(none.buf);
            free(p);
            continue;
        }
        ck_assert_int_eq(iotl_delta_parse_header(p, plen, &h), 0);
        ck_assert_uint_eq(h.version, IOTL_DELTA_VERSION);
        struct cap_sink out = {malloc(h.new_size + 1), h.new_size + 1, 0, 0};
        int ret = apply(old, sizeof(old), p, plen, &out, NULL, sizeof(work), (uint32_t)k + 1, 64, 0, NULL);
        ck_assert_msg(ret == 0, "%s: %s", seeds[k], iotl_strerror(ret));
        ck_assert_uint_eq(out.len, h.new_size); /* and its SHA-256 matched, or ret would say so */
        free(out.buf);
        free(p);
    }
}
END_TEST

/* ---- resume --------------------------------------------------------------------- */

START_TEST(resume_from_every_checkpoint)
{
    enum { N = 60000 };
    uint8_t *old = malloc(N), *neu = malloc(2 * N), *target = malloc(2 * N);
    dt_firmware(old, N, 77);
    size_t nlen = dt_edit(old, N, neu, 2 * N, 78);
    struct iotl_delta_enc_opts o = {12, 4096, 9};
    struct iotl_delta_enc_result r;
    ck_assert_int_eq(iotl_delta_encode(old, N, neu, nlen, &o, &r), 0);
    struct cap_sink out = {target, 2 * N, 0, 0};
    static struct cp_log log;
    log.n = 0;
    ck_assert_int_eq(apply(old, N, r.patch, r.patch_len, &out, &log, sizeof(work), 1, 999, 0, NULL), 0);
    ck_assert_uint_gt(log.n, 10);

    struct old_area a, t;
    old_area_init(&a, old, N);
    old_area_init(&t, neu, nlen); /* the "slot" already holding the durable prefix */
    for (unsigned i = 0; i < log.n; i++) {
        struct iotl_delta_checkpoint cp = log.cp[i];
        struct cap_sink rest = {target, 2 * N, cp.new_offset, 0};
        struct iotl_delta_config cfg = {&a.s, &crypto, sink_cap, &rest, NULL, NULL, work, sizeof(work), 0};
        iotl_delta_t d;
        ck_assert_int_eq(iotl_delta_resume(&d, &cfg, r.patch, &cp, &t.s), 0);
        ck_assert_uint_eq(iotl_delta_new_offset(&d), cp.new_offset);
        ck_assert_uint_eq(iotl_delta_patch_offset(&d), cp.patch_offset);
        ck_assert_int_eq(iotl_delta_write(&d, r.patch + cp.patch_offset, r.patch_len - cp.patch_offset), 0);
        ck_assert_int_eq(iotl_delta_finish(&d), 0);
        ck_assert_uint_eq(rest.len, nlen);
        ck_assert_uint_eq(iotl_delta_patch_offset(&d), r.patch_len);
        iotl_delta_deinit(&d);
    }
    ck_assert(memcmp(target, neu, nlen) == 0);

    /* A checkpoint of another patch, or a wrong feed offset, is refused. */
    struct cap_sink rest = {target, 2 * N, 0, 0};
    struct iotl_delta_config cfg = {&a.s, &crypto, sink_cap, &rest, NULL, NULL, work, sizeof(work), 0};
    iotl_delta_t d;
    struct iotl_delta_checkpoint bad = log.cp[2];
    bad.patch_id ^= 1;
    ck_assert_int_eq(iotl_delta_resume(&d, &cfg, r.patch, &bad, &t.s), IOTL_ERR_STATE);
    bad = log.cp[2];
    bad.new_offset += 1;
    ck_assert_int_eq(iotl_delta_resume(&d, &cfg, r.patch, &bad, &t.s), IOTL_ERR_STATE);
    bad = log.cp[2];
    rest.len = bad.new_offset;
    ck_assert_int_eq(iotl_delta_resume(&d, &cfg, r.patch, &bad, &t.s), 0);
    /* fed from the previous segment's offset: framing says no */
    ck_assert_int_eq(iotl_delta_write(&d, r.patch + log.cp[1].patch_offset, 64), IOTL_ERR_DELTA_STREAM);
    iotl_delta_deinit(&d);
    /* a prefix that is not what the patch produced: the final hash says no */
    t.mem[10] ^= 1;
    rest.len = log.cp[2].new_offset;
    ck_assert_int_eq(iotl_delta_resume(&d, &cfg, r.patch, &log.cp[2], &t.s), 0);
    ck_assert_int_eq(iotl_delta_write(&d, r.patch + log.cp[2].patch_offset, r.patch_len - log.cp[2].patch_offset),
                     IOTL_ERR_DELTA_RESULT);
    iotl_delta_deinit(&d);
    free(a.mem);
    free(t.mem);
    iotl_delta_enc_free(&r);
    free(old);
    free(neu);
    free(target);
}
END_TEST

/* ---- memory ----------------------------------------------------------------------- */

START_TEST(memory_bounds)
{
    ck_assert_uint_le(IOTL_DELTA_WORKBUF_SIZE(12) + sizeof(iotl_delta_t), 16384);
    ck_assert_uint_le(IOTL_DELTA_WORKBUF_SIZE(10) + sizeof(iotl_delta_t), 10240);
    /* The decoder refuses a work buffer too small for the patch's window. */
    enum { N = 5000 };
    uint8_t *a = malloc(N), *b = malloc(N);
    dt_firmware(a, N, 1);
    dt_firmware(b, N, 2);
    struct iotl_delta_enc_opts o = {13, 4096, 9};
    struct iotl_delta_enc_result r;
    ck_assert_int_eq(iotl_delta_encode(a, N, b, N, &o, &r), 0);
    struct cap_sink out = {malloc(N), N, 0, 0};
    ck_assert_int_eq(apply(a, N, r.patch, r.patch_len, &out, NULL, IOTL_DELTA_WORKBUF_SIZE(12), 1, 4096, 0, NULL),
                     IOTL_ERR_NO_MEM);
    ck_assert_uint_eq(out.calls, 0);
    size_t peak = 0;
    ck_assert_int_eq(apply(a, N, r.patch, r.patch_len, &out, NULL, IOTL_DELTA_WORKBUF_SIZE(13), 1, 4096, 0, &peak), 0);
    ck_assert_uint_le(peak, IOTL_DELTA_WORKBUF_SIZE(13));
    ck_assert_uint_gt(peak, IOTL_DELTA_WORKBUF_SIZE(13) - 1024); /* the formula is tight, not padded */
    free(out.buf);
    iotl_delta_enc_free(&r);
    free(a);
    free(b);
}
END_TEST

/* ---- bad inputs ------------------------------------------------------------------- */

enum { BN = 3000 };
static uint8_t b_old[BN], b_new[BN];
static uint8_t b_patch[BN * 3];
static size_t b_len;

static void bad_setup(void)
{
    dt_firmware(b_old, BN, 9);
    size_t n = dt_edit(b_old, BN, b_new, BN, 10);
    memset(b_new + n, 0x5A, BN - n);
    struct iotl_delta_enc_opts o = {12, 1024, 9};
    struct iotl_delta_enc_result r;
    ck_assert_int_eq(iotl_delta_encode(b_old, BN, b_new, BN, &o, &r), 0);
    ck_assert_uint_le(r.patch_len, sizeof(b_patch));
    memcpy(b_patch, r.patch, r.patch_len);
    b_len = r.patch_len;
    iotl_delta_enc_free(&r);
}

/* Check one bad patch: the single-pass decoder returns `want`; a validating
 * first pass (sink NULL, as `iotlife delta apply` and a device holding the
 * patch do) returns it too, so the target is never written. When
 * `silent_single` the defect precedes all output even in a single pass. */
static void expect_bad(const uint8_t *old, const uint8_t *patch, size_t plen, uint32_t declared, int want,
                       int silent_single, const char *what)
{
    uint8_t target[BN * 2];
    struct cap_sink out = {target, sizeof(target), 0, 0};
    int got = apply(old, BN, patch, plen, &out, NULL, sizeof(work), 3, 700, declared, NULL);
    ck_assert_msg(got == want, "%s: got %s, want %s", what, iotl_strerror_name(got), iotl_strerror_name(want));
    if (silent_single) {
        ck_assert_msg(out.calls == 0, "%s: %u sink calls before the error", what, out.calls);
    }
    int v = apply(old, BN, patch, plen, NULL, NULL, sizeof(work), 4, 700, declared, NULL);
    ck_assert_msg(v == want, "%s (validate): got %s", what, iotl_strerror_name(v));
}

START_TEST(bad_inputs_table)
{
    bad_setup();
    static uint8_t p[BN * 3];
    uint8_t wrong_old[BN];

    /* The good patch works, in both modes. */
    expect_bad(b_old, b_patch, b_len, 0, IOTL_OK, 0, "good patch");

    memcpy(wrong_old, b_old, BN);
    wrong_old[BN / 2] ^= 0x40;
    expect_bad(wrong_old, b_patch, b_len, 0, IOTL_ERR_DELTA_BASE, 1, "wrong base image");

    expect_bad(b_old, b_patch, b_len - 10, (uint32_t)b_len - 10, IOTL_ERR_DELTA_TRUNCATED, 1,
               "truncated patch, size known");
    expect_bad(b_old, b_patch, b_len - 10, 0, IOTL_ERR_DELTA_TRUNCATED, 0, "truncated patch");
    expect_bad(b_old, b_patch, 50, 0, IOTL_ERR_DELTA_TRUNCATED, 1, "truncated header");

    memcpy(p, b_patch, b_len);
    p[IOTL_DELTA_HEADER_SIZE + IOTL_DELTA_SEGMENT_HEADER_SIZE] |= 0x06; /* BTYPE 11: invalid block */
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_STREAM, 1, "corrupted deflate stream");

    memcpy(p, b_patch, b_len);
    p[IOTL_DELTA_HEADER_SIZE + 8] ^= 1; /* segment header old_pos, CRC now wrong */
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_STREAM, 1, "corrupted segment header");

    /* Header claims the patch ends where the second segment starts. */
    memcpy(p, b_patch, b_len);
    uint32_t seg2 = IOTL_DELTA_HEADER_SIZE + IOTL_DELTA_SEGMENT_HEADER_SIZE + iotl_get_le32(p + IOTL_DELTA_HEADER_SIZE);
    iotl_put_le32(p + 20, seg2);
    dt_reseal(p, b_len);
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_STREAM, 0, "segment beyond the declared patch size");

    memcpy(p, b_patch, b_len);
    p[0] = 'X';
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_MAGIC, 1, "bad magic");

    memcpy(p, b_patch, b_len);
    p[4] = IOTL_DELTA_VERSION + 1;
    dt_reseal(p, b_len);
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_VERSION, 1, "unknown version");
    p[4] = 0;
    dt_reseal(p, b_len);
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_VERSION, 1, "version 0");

    memcpy(p, b_patch, b_len);
    p[30] ^= 1; /* inside old_sha256, CRC not updated */
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_CORRUPT, 1, "corrupted header");

    static const struct {
        uint32_t off, val;
        const char *what;
    } absurd[] = {
        {12, 0xFFFFFFF0u, "absurd new size"},
        {8, 0x80000000u, "absurd old size"},
        {16, 100u, "interval not a multiple of 256"},
        {16, 0u, "zero interval"},
        {20, 100u, "patch size too small for its segments"},
    };
    for (size_t i = 0; i < IOTL_ARRAY_LEN(absurd); i++) {
        memcpy(p, b_patch, b_len);
        iotl_put_le32(p + absurd[i].off, absurd[i].val);
        dt_reseal(p, b_len);
        expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_HEADER, 1, absurd[i].what);
    }
    memcpy(p, b_patch, b_len);
    p[5] = 16; /* window 64 KiB: beyond deflate */
    dt_reseal(p, b_len);
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_HEADER, 1, "window bits 16");

    memcpy(p, b_patch, b_len);
    p[60] ^= 0x10; /* new_sha256 */
    dt_reseal(p, b_len);
    expect_bad(b_old, p, b_len, 0, IOTL_ERR_DELTA_RESULT, 0, "result hash mismatch");

    memcpy(p, b_patch, b_len);
    p[b_len] = 0;
    expect_bad(b_old, p, b_len + 1, 0, IOTL_ERR_TRAILING_DATA, 0, "trailing byte");

    /* Hand-written instruction streams, one segment (new_size 100, interval
     * 256). Diff runs: varint (unchanged << 2 | literals 0..2, or 3 =
     * "literals - 3 follows"). Version 1 (pre-release) is refused. */
    static const struct {
        uint8_t ver;
        uint8_t ins[16];
        size_t len;
        uint32_t seg_old;
        int want;
        const char *what;
    } hand[] = {
        /* diff 100 from old_pos 2950: reads 50 bytes past the old image */
        {2, {100, 0, 0, 0x90, 0x03}, 5, 2950, IOTL_ERR_DELTA_OLD_RANGE, "diff reads beyond old"},
        /* extra 10, seek -1 from 0: old position before the image */
        {2, {0, 10, 1}, 3, 0, IOTL_ERR_DELTA_OLD_RANGE, "seek before old"},
        /* segment header old_pos beyond the old image */
        {2, {0, 100, 0}, 3, BN + 1, IOTL_ERR_DELTA_OLD_RANGE, "segment old_pos beyond old"},
        /* extra 200 > new_size 100 */
        {2, {0, 0xC8, 0x01, 0}, 4, 0, IOTL_ERR_DELTA_NEW_RANGE, "writes beyond new size"},
        /* empty instruction */
        {2, {0, 0, 0}, 3, 0, IOTL_ERR_DELTA_INSTR, "empty instruction"},
        /* varint longer than 5 bytes */
        {2, {0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 6, 0, IOTL_ERR_DELTA_INSTR, "overlong varint"},
        /* a well-formed version-1 patch: the pre-release format is no longer read */
        {1, {0, 100, 0}, 3, 0, IOTL_ERR_DELTA_VERSION, "version 1 (pre-release)"},
        /* diff run of 0 unchanged + 0 literals */
        {2, {100, 0, 0, 0}, 4, 0, IOTL_ERR_DELTA_INSTR, "v2 empty diff run"},
        /* v2: 5 unchanged + "literals - 3 follows" = 2^31: cannot fit */
        {2, {10, 0, 0, (5 << 2) | 3, 0x80, 0x80, 0x80, 0x80, 0x08}, 9, 0, IOTL_ERR_DELTA_INSTR,
         "v2 literal count overflow"},
        /* v2: 20 unchanged, 1 literal in a 10-byte diff */
        {2, {10, 0, 0, (20 << 2) | 1, 7}, 5, 0, IOTL_ERR_DELTA_INSTR, "v2 diff run beyond diff length"},
        /* v2: 20 unchanged, then "literals - 3 follows", in a 10-byte diff */
        {2, {10, 0, 0, (20 << 2) | 3, 0}, 5, 0, IOTL_ERR_DELTA_INSTR, "v2 unchanged beyond diff length"},
    };
    for (size_t i = 0; i < IOTL_ARRAY_LEN(hand); i++) {
        size_t n = dt_build(p, sizeof(p), hand[i].ver, b_old, BN, NULL, 100, 256, hand[i].seg_old, hand[i].ins,
                            hand[i].len);
        expect_bad(b_old, p, n, 0, hand[i].want, 1, hand[i].what);
    }
    /* A segment that ends early (50 of 100 bytes): instruction stream ends. */
    static const uint8_t short_ins[] = {0, 50, 0};
    uint8_t fifty[100];
    memset(fifty, 0, sizeof(fifty));
    size_t n = dt_build(p, sizeof(p), 2, b_old, BN, fifty, 100, 256, 0, short_ins, sizeof(short_ins));
    expect_bad(b_old, p, n, 0, IOTL_ERR_DELTA_INSTR, 0, "segment shorter than declared");
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("delta");
    TCase *tc = tcase_create("delta");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, corpus_round_trip);
    tcase_add_test(tc, randomized_round_trip);
    tcase_add_test(tc, edge_cases_round_trip);
    tcase_add_test(tc, committed_patches_apply);
    tcase_add_test(tc, resume_from_every_checkpoint);
    tcase_add_test(tc, memory_bounds);
    tcase_add_test(tc, bad_inputs_table);
    suite_add_tcase(s, tc);
    return s;
}
