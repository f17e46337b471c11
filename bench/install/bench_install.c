/* SPDX-License-Identifier: Apache-2.0 */
/* Install throughput: a local file is pushed through iotl_stage_write() into a
 * file-backed slot (posix storage port, mbedTLS SHA-256), the way a device
 * stores a download, then finish() verifies it. Prints one markdown row:
 *   | checkpoint | MiB | seconds | MiB/s | state writes | state erases |
 * Usage: bench_install <payload> <workdir> <checkpoint_bytes>
 * BENCH_OLD_IMAGE=1: both slots start full of an older image (not erased), as
 * on a device that already took an update, so every erase has to work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iotlife/port/mbedtls.h"
#ifdef BENCH_HOST_CRYPTO
#include "host_crypto.h" /* tools/delta: OpenSSL SHA-256, the CPU's SHA extensions */
#endif
#include "iotlife/port/posix.h"
#include "iotlife/stage.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Counts state-area operations on top of the posix port. */
static const struct iotl_storage *g_inner;
static unsigned g_writes, g_erases;
static int c_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    (void)ctx;
    return g_inner->ops->read(g_inner->ctx, off, buf, len);
}
static int c_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    (void)ctx;
    g_writes++;
    return g_inner->ops->write(g_inner->ctx, off, buf, len);
}
static int c_erase(void *ctx, uint32_t off, size_t len)
{
    (void)ctx;
    g_erases++;
    return g_inner->ops->erase(g_inner->ctx, off, len);
}
static int c_sync(void *ctx)
{
    (void)ctx;
    return g_inner->ops->sync(g_inner->ctx);
}
static const struct iotl_storage_ops counting_ops = {c_read, c_write, c_erase, c_sync};

/* Time spent in the slots' storage operations (erase = blank check + fill,
 * write, sync) and in reading the payload file, for the breakdown of the
 * hash-skipped row. Wraps the posix areas; a clock read per call. */
static double g_t_erase, g_t_write, g_t_sync, g_t_read;
static int t_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    const struct iotl_storage *a = ctx;
    return a->ops->read(a->ctx, off, buf, len);
}
static int t_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
    const struct iotl_storage *a = ctx;
    double t = now_s();
    int ret = a->ops->write(a->ctx, off, buf, len);
    g_t_write += now_s() - t;
    return ret;
}
static int t_erase(void *ctx, uint32_t off, size_t len)
{
    const struct iotl_storage *a = ctx;
    double t = now_s();
    int ret = a->ops->erase(a->ctx, off, len);
    g_t_erase += now_s() - t;
    return ret;
}
static int t_sync(void *ctx)
{
    const struct iotl_storage *a = ctx;
    double t = now_s();
    int ret = a->ops->sync(a->ctx);
    g_t_sync += now_s() - t;
    return ret;
}
static const struct iotl_storage_ops timed_ops = {t_read, t_write, t_erase, t_sync};

/* BENCH_NO_HASH=1: a crypto port whose SHA-256 does no work (digest all
 * zero), isolating what staging and storage cost besides the hash. */
static int nh_start(void *ctx, iotl_sha256_state_t *st)
{
    (void)ctx;
    memset(st, 0, sizeof(*st));
    return 0;
}
static int nh_update(void *ctx, iotl_sha256_state_t *st, const void *data, size_t len)
{
    (void)ctx;
    (void)st;
    (void)data;
    (void)len;
    return 0;
}
static int nh_finish(void *ctx, iotl_sha256_state_t *st, uint8_t digest[IOTL_SHA256_LEN])
{
    (void)ctx;
    (void)st;
    memset(digest, 0, IOTL_SHA256_LEN);
    return 0;
}
static struct iotl_crypto_ops no_hash_ops;

static uint8_t work[IOTL_STAGE_WORKBUF_DEFLATE];
static uint8_t chunk[64 * 1024];

/* read(2) straight into the chunk, as sha256sum does (no stdio copy). */
static size_t read_chunk(int fd)
{
    ssize_t n = read(fd, chunk, sizeof(chunk));
    return n > 0 ? (size_t)n : 0;
}

static int old_image(void)
{
    const char *v = getenv("BENCH_OLD_IMAGE");
    return v != NULL && v[0] == '1';
}

/* BENCH_PREPARED=1: the inactive slot was erased while idle (iotl_stage_prepare). */
static int prepared(void)
{
    const char *v = getenv("BENCH_PREPARED");
    return v != NULL && v[0] == '1';
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s <payload> <workdir> <checkpoint_bytes>\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "bench_install: cannot open %s\n", argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint32_t ck = (uint32_t)strtoul(argv[3], NULL, 0);

    struct iotl_crypto crypto;
#ifdef BENCH_HOST_CRYPTO
    iotl_host_crypto_init(&crypto);
    const char *hash_name = ", OpenSSL SHA-256";
#else
    iotl_mbedtls_crypto_init(&crypto);
    const char *hash_name = "";
#endif
    const char *nh = getenv("BENCH_NO_HASH");
    if (nh != NULL && nh[0] == '1') {
        no_hash_ops = *crypto.ops;
        no_hash_ops.sha256_start = nh_start;
        no_hash_ops.sha256_update = nh_update;
        no_hash_ops.sha256_finish = nh_finish;
        crypto.ops = &no_hash_ops;
        hash_name = ", hash skipped";
    }
    /* The descriptor's digest comes from a first pass (what the manifest would carry). */
    struct iotl_update_desc d;
    memset(&d, 0, sizeof(d));
    iotl_sha256_state_t hs;
    double h0 = now_s();
    crypto.ops->sha256_start(crypto.ctx, &hs);
    size_t n;
    while ((n = read_chunk(fileno(f))) > 0) {
        crypto.ops->sha256_update(crypto.ctx, &hs, chunk, n);
    }
    crypto.ops->sha256_finish(crypto.ctx, &hs, d.component[0].image_sha256);
    double th = now_s() - h0;
    memcpy(d.manifest_sha256, d.component[0].image_sha256, 32);
    strcpy(d.version, "1.0.0");
    d.component_count = 1;
    strcpy(d.component[0].id, "main");
    d.component[0].kind = IOTL_PAYLOAD_FULL;
    d.component[0].payload_size = d.component[0].image_size = (uint32_t)size;

    uint32_t slot_size = (uint32_t)(((size_t)size + 65535u) / 65536u * 65536u);
    struct iotl_storage_geometry sg = {slot_size, 4096, 16, 0xFF};
    struct iotl_storage_geometry jg = {4 * 4096, 4096, 16, 0xFF};
    iotl_posix_storage_t ps[3];
    struct iotl_storage areas[3], counted;
    char path[3][512];
    const char *names[3] = {"slot_a.bin", "slot_b.bin", "state.bin"};
    for (int i = 0; i < 3; i++) {
        snprintf(path[i], sizeof(path[i]), "%s/%s", argv[2], names[i]);
        unlink(path[i]);
        if (i < 2 && old_image()) {
            FILE *o = fopen(path[i], "wb");
            if (o == NULL) {
                fprintf(stderr, "bench_install: cannot create %s\n", path[i]);
                return 1;
            }
            memset(chunk, 0x5a, sizeof(chunk));
            for (uint32_t w = 0; w < slot_size; w += (uint32_t)sizeof(chunk)) {
                fwrite(chunk, 1, sizeof(chunk), o);
            }
            fclose(o);
        }
        /* Create the area (erased, or over the old image) outside the timing. */
        if (iotl_posix_storage_open(&ps[i], &areas[i], path[i], i == 2 ? &jg : &sg, false) != 0) {
            fprintf(stderr, "bench_install: cannot create %s\n", path[i]);
            return 1;
        }
    }
    if (prepared()) {
        /* Idle-time work before the update: erase the inactive slot. */
        struct iotl_stage_config pc = {.slot = {&areas[0], &areas[1]}, .state = &areas[2], .crypto = &crypto,
                                       .work_buf = work, .work_buf_len = sizeof(work)};
        iotl_stage_t pst;
        uint32_t erased = 0;
        if (iotl_stage_init(&pst, &pc) != 0 || iotl_stage_prepare(&pst, slot_size, &erased) != 0 ||
            erased != slot_size) {
            fprintf(stderr, "bench_install: prepare failed\n");
            return 1;
        }
        iotl_stage_deinit(&pst);
    }
    for (int i = 0; i < 3; i++) {
        iotl_posix_storage_close(&ps[i]);
    }
    /* Timed from here: what a device process does to take an update from a
     * file: attach its flash areas, mount the journal, begin, stream, finish. */
    double t0 = now_s();
    for (int i = 0; i < 3; i++) {
        if (iotl_posix_storage_open(&ps[i], &areas[i], path[i], i == 2 ? &jg : &sg, false) != 0) {
            fprintf(stderr, "bench_install: cannot open %s\n", path[i]);
            return 1;
        }
    }
    g_inner = &areas[2];
    counted = areas[2];
    counted.ops = &counting_ops;
    struct iotl_storage timed[2];
    for (int i = 0; i < 2; i++) {
        timed[i] = areas[i];
        timed[i].ops = &timed_ops;
        timed[i].ctx = &areas[i];
    }
    struct iotl_stage_config cfg = {
        .slot = {&timed[0], &timed[1]},
        .state = &counted,
        .crypto = &crypto,
        .work_buf = work,
        .work_buf_len = sizeof(work),
        .checkpoint_bytes = ck,
    };
    iotl_stage_t st;
    int ret = iotl_stage_init(&st, &cfg);
    g_writes = g_erases = 0; /* the install's own state traffic, not the journal's formatting */
    lseek(fileno(f), 0, SEEK_SET);
    if (ret == 0) {
        ret = iotl_stage_begin(&st, &d, NULL, NULL);
    }
    uint32_t off = 0;
    for (;;) {
        double tr = now_s();
        n = read_chunk(fileno(f));
        g_t_read += now_s() - tr;
        if (ret != 0 || n == 0) {
            break;
        }
        ret = iotl_stage_write(&st, 0, off, chunk, n);
        off += (uint32_t)n;
    }
    if (ret == 0) {
        ret = iotl_stage_finish(&st);
    }
    double t = now_s() - t0;
    fclose(f);
    if (ret != 0) {
        fprintf(stderr, "bench_install: %s\n", iotl_strerror(ret));
        return 1;
    }
    double mib = (double)size / (1024.0 * 1024.0);
    if (getenv("BENCH_HASH_ROW") != NULL) {
        printf("| read + SHA-256 only (%s, no storage) | %.1f | %.3f | %.1f | - | - |\n",
               hash_name[0] != '\0' ? "OpenSSL" : "mbedTLS port",
               (double)size / 1048576.0, th, (double)size / 1048576.0 / th);
        return 0;
    }
    char breakdown[160] = "";
    if (nh != NULL && nh[0] == '1') {
        snprintf(breakdown, sizeof(breakdown),
                 ": file read %.1f ms, slot erase %.1f, slot write %.1f, slot sync %.1f, the rest %.1f",
                 g_t_read * 1e3, g_t_erase * 1e3, g_t_write * 1e3, g_t_sync * 1e3,
                 (t - g_t_read - g_t_erase - g_t_write - g_t_sync) * 1e3);
    }
    printf("| install%s%s (stage, %u B checkpoints%s%s) | %.1f | %.3f | %.1f | %u | %u |\n",
           old_image() ? " over an old image" : "", prepared() ? " into a slot prepared while idle" : "", ck, hash_name, breakdown, mib, t, mib / t, g_writes,
           g_erases);
    iotl_stage_deinit(&st);
    for (int i = 0; i < 3; i++) {
        iotl_posix_storage_close(&ps[i]);
        unlink(path[i]);
    }
    return 0;
}
