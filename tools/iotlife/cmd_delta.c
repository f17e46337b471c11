/* SPDX-License-Identifier: Apache-2.0 */
/* `iotlife delta create|apply|info`: make a patch on the host, apply it with
 * the same core decoder a device runs, and show a patch's header. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "delta_enc.h"
#include "host_crypto.h"
#include "iotlife/delta.h"
#include "iotlife/port/ram.h"

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *p = malloc(cap);
    while (p != NULL) {
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            break;
        }
        uint8_t *np = realloc(p, cap * 2);
        if (np == NULL) {
            free(p);
            p = NULL;
            break;
        }
        p = np;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (p == NULL || bad) {
        free(p);
        return -1;
    }
    *out = p;
    *len = n;
    return 0;
}

static const char *sys_err(void)
{
    return strerror(errno);
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > 0xFFFFFFFFul) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    const char *in[2] = {NULL, NULL}, *outp = NULL;
    int nin = 0, fail_if_full = 0, quiet = 0;
    struct iotl_delta_enc_opts o = {0, 0, 0};
    for (int i = 1; i < argc; i++) {
        uint32_t v;
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            outp = argv[++i];
        } else if (strcmp(argv[i], "--window-bits") == 0 && i + 1 < argc) {
            if (parse_u32(argv[++i], &v) != 0 || v < IOTL_DELTA_MIN_WINDOW_BITS || v > IOTL_DELTA_MAX_WINDOW_BITS) {
                return cli_fail("delta create", "--window-bits must be 9..15");
            }
            o.window_bits = (int)v;
        } else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            if (parse_u32(argv[++i], &v) != 0 || v < IOTL_DELTA_MIN_INTERVAL || v % IOTL_DELTA_MIN_INTERVAL != 0) {
                return cli_fail("delta create", "--interval must be a multiple of 256");
            }
            o.checkpoint_interval = v;
        } else if (strcmp(argv[i], "--fail-if-full") == 0) {
            fail_if_full = 1;
        } else if (strcmp(argv[i], "-q") == 0) {
            quiet = 1;
        } else if (argv[i][0] != '-' && nin < 2) {
            in[nin++] = argv[i];
        } else {
            fprintf(stderr, "iotlife: delta create: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (nin != 2 || outp == NULL) {
        fprintf(stderr, "usage: iotlife delta create OLD NEW -o PATCH [--window-bits N] [--interval BYTES] [--fail-if-full]\n");
        return 2;
    }
    uint8_t *old = NULL, *neu = NULL;
    size_t olen = 0, nlen = 0;
    if (read_file(in[0], &old, &olen) != 0) {
        return cli_fail(in[0], sys_err());
    }
    if (read_file(in[1], &neu, &nlen) != 0) {
        free(old);
        return cli_fail(in[1], sys_err());
    }
    struct iotl_delta_enc_result r;
    int ret = iotl_delta_encode(old, olen, neu, nlen, &o, &r);
    free(old);
    free(neu);
    if (ret != 0) {
        return cli_fail("delta create", iotl_strerror(ret));
    }
    FILE *f = fopen(outp, "wb");
    if (f == NULL || fwrite(r.patch, 1, r.patch_len, f) != r.patch_len || fclose(f) != 0) {
        iotl_delta_enc_free(&r);
        return cli_fail(outp, sys_err());
    }
    if (!quiet) {
        printf("patch: %zu bytes, %u segments, %u instructions (%llu diff + %llu extra bytes)\n",
               r.patch_len, r.segments, r.instructions, (unsigned long long)r.diff_bytes,
               (unsigned long long)r.extra_bytes);
        printf("full image deflated: %zu bytes; patch/full = %.3f\n", r.full_len,
               r.full_len ? (double)r.patch_len / (double)r.full_len : 0.0);
    }
    printf("decision: %s\n", r.use_delta ? "delta" : "full");
    int use = r.use_delta;
    iotl_delta_enc_free(&r);
    return (fail_if_full && !use) ? 3 : 0;
}

struct file_sink {
    FILE *f;
};

static int sink_file(void *ctx, uint32_t off, const uint8_t *data, size_t len)
{
    (void)off;
    struct file_sink *s = ctx;
    return fwrite(data, 1, len, s->f) == len ? 0 : IOTL_ERR_IO;
}

static int cmd_apply(int argc, char **argv)
{
    const char *in[2] = {NULL, NULL}, *outp = NULL;
    int nin = 0, stats = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            outp = argv[++i];
        } else if (strcmp(argv[i], "--stats") == 0) {
            stats = 1;
        } else if (argv[i][0] != '-' && nin < 2) {
            in[nin++] = argv[i];
        } else {
            fprintf(stderr, "iotlife: delta apply: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (nin != 2 || outp == NULL) {
        fprintf(stderr, "usage: iotlife delta apply OLD PATCH -o NEW [--stats]\n");
        return 2;
    }
    uint8_t *old = NULL, *patch = NULL;
    size_t olen = 0, plen = 0;
    if (read_file(in[0], &old, &olen) != 0) {
        return cli_fail(in[0], sys_err());
    }
    if (read_file(in[1], &patch, &plen) != 0) {
        free(old);
        return cli_fail(in[1], sys_err());
    }
    /* The old image is a RAM storage area, as a device's slot would be. */
    iotl_ram_flash_t rf;
    struct iotl_storage old_area;
    struct iotl_storage_geometry geo = {(uint32_t)(olen ? olen : 1), 1, 1, 0xFF};
    uint8_t *mem = malloc(geo.size);
    struct iotl_crypto crypto;
    static uint8_t work[IOTL_DELTA_WORKBUF_SIZE(IOTL_DELTA_MAX_WINDOW_BITS)];
    int ret = IOTL_OK;
    if (olen > 0xFFFFFFFFu || plen > 0xFFFFFFFFu) {
        ret = IOTL_ERR_TOO_LARGE;
    }
    if (mem == NULL) {
        ret = IOTL_ERR_NO_MEM;
    }
    if (ret == IOTL_OK) {
        ret = iotl_ram_flash_init(&rf, &old_area, mem, &geo, false); /* erases mem */
    }
    if (ret == IOTL_OK && olen > 0) {
        memcpy(mem, old, olen);
    }
    free(old);
    old = NULL;
    if (ret == IOTL_OK) {
        ret = iotl_host_crypto_init(&crypto);
    }
    /* Write to NEW.part and rename only after the decoder verified the result:
     * on any error nothing appears at NEW. */
    size_t tl = strlen(outp) + 6;
    char *tmp = malloc(tl);
    struct file_sink fs = {NULL};
    if (tmp == NULL) {
        ret = IOTL_ERR_NO_MEM;
    } else {
        snprintf(tmp, tl, "%s.part", outp);
    }
    if (ret == IOTL_OK) {
        fs.f = fopen(tmp, "wb");
        if (fs.f == NULL) {
            int e = cli_fail(tmp, sys_err());
            free(tmp);
            free(mem);
            free(patch);
            return e;
        }
        struct iotl_delta_config cfg = {&old_area, &crypto, sink_file, &fs, NULL, NULL,
                                        work, sizeof(work), (uint32_t)plen};
        iotl_delta_t d;
        ret = iotl_delta_init(&d, &cfg);
        if (ret == IOTL_OK) {
            ret = iotl_delta_write(&d, patch, plen);
        }
        if (ret == IOTL_OK) {
            ret = iotl_delta_finish(&d);
        }
        const struct iotl_delta_header *h = iotl_delta_get_header(&d);
        if (ret == IOTL_OK && stats && h != NULL) {
            printf("decoder memory: peak %zu of %u work-buffer bytes (window_bits %u) + %zu object bytes\n",
                   iotl_delta_peak_mem(&d), (unsigned)IOTL_DELTA_WORKBUF_SIZE(h->window_bits), h->window_bits,
                   sizeof(iotl_delta_t));
        }
        iotl_delta_deinit(&d);
        if (fclose(fs.f) != 0 && ret == IOTL_OK) {
            ret = IOTL_ERR_IO;
        }
        if (ret == IOTL_OK && rename(tmp, outp) != 0) {
            ret = IOTL_ERR_IO;
        }
        if (ret != IOTL_OK) {
            remove(tmp);
        }
    }
    free(tmp);
    free(mem);
    free(patch);
    if (ret != IOTL_OK) {
        return cli_fail("delta apply", iotl_strerror(ret));
    }
    return 0;
}

static void hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
    printf("\n");
}

static int cmd_info(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: iotlife delta info PATCH\n");
        return 2;
    }
    uint8_t *patch = NULL;
    size_t plen = 0;
    if (read_file(argv[1], &patch, &plen) != 0) {
        return cli_fail(argv[1], sys_err());
    }
    struct iotl_delta_header h;
    int ret = iotl_delta_parse_header(patch, plen, &h);
    if (ret != IOTL_OK) {
        free(patch);
        return cli_fail("delta info", iotl_strerror(ret));
    }
    printf("format version:      %u\n", h.version);
    printf("compression:         raw deflate, window %u bytes (window_bits %u)\n",
           1u << h.window_bits, h.window_bits);
    printf("decoder work buffer: %u bytes\n", (unsigned)IOTL_DELTA_WORKBUF_SIZE(h.window_bits));
    printf("decoder object:      %u bytes\n", (unsigned)sizeof(iotl_delta_t));
    printf("old size:            %u\n", h.old_size);
    printf("old sha256:          ");
    hex(h.old_sha256, IOTL_SHA256_LEN);
    printf("new size:            %u\n", h.new_size);
    printf("new sha256:          ");
    hex(h.new_sha256, IOTL_SHA256_LEN);
    printf("checkpoint interval: %u bytes\n", h.checkpoint_interval);
    printf("patch size:          %u (file has %zu)\n", h.patch_size, plen);
    printf("patch id:            %08x\n", h.header_crc);
    uint32_t segs = 0;
    size_t at = IOTL_DELTA_HEADER_SIZE;
    while (at + IOTL_DELTA_SEGMENT_HEADER_SIZE <= plen) {
        const uint8_t *s = patch + at;
        uint32_t comp = (uint32_t)s[0] | ((uint32_t)s[1] << 8) | ((uint32_t)s[2] << 16) | ((uint32_t)s[3] << 24);
        at += IOTL_DELTA_SEGMENT_HEADER_SIZE + comp;
        segs++;
    }
    printf("segments:            %u\n", segs);
    free(patch);
    if (h.patch_size != plen) {
        return cli_fail("delta info", iotl_strerror(plen < h.patch_size ? IOTL_ERR_DELTA_TRUNCATED
                                                                          : IOTL_ERR_TRAILING_DATA));
    }
    return 0;
}

int cmd_delta(int argc, char **argv);

int cmd_delta(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0) {
        return cmd_create(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "apply") == 0) {
        return cmd_apply(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "info") == 0) {
        return cmd_info(argc - 1, argv + 1);
    }
    fprintf(stderr, "usage: iotlife delta create|apply|info ... ('iotlife delta --help')\n");
    return 2;
}
