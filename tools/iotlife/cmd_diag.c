/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife diag: decode diagnostics chunks (as received from devices) into one
 * JSON object per record, and produce sample chunks for tests and demos. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "iotlife/diag.h"

#define CHUNK_FILE_MAX (1u << 24)

struct rec {
    char device[IOTL_DIAG_DEVICE_ID_MAX + 1];
    struct iotl_diag_record r;
    uint8_t *body; /* owned copy */
};

struct recs {
    struct rec *v;
    size_t n, cap;
};

/* ---- output helpers -------------------------------------------------------- */

static void json_str(FILE *f, const uint8_t *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1u);
}

static const char *level_name(unsigned l)
{
    static const char *const n[] = {"error", "warn", "info", "debug"};
    return l < 4 ? n[l] : "level?";
}

static const char *reboot_name(uint64_t r)
{
    switch (r) {
    case IOTL_DIAG_REBOOT_UNKNOWN: return "unknown";
    case IOTL_DIAG_REBOOT_USER: return "user";
    case IOTL_DIAG_REBOOT_UPDATE: return "update";
    case IOTL_DIAG_REBOOT_ROLLBACK: return "rollback";
    case IOTL_DIAG_REBOOT_POWER_ON: return "power_on";
    case IOTL_DIAG_REBOOT_WATCHDOG: return "watchdog";
    case IOTL_DIAG_REBOOT_BROWNOUT: return "brownout";
    case IOTL_DIAG_REBOOT_FAULT: return "fault";
    case IOTL_DIAG_REBOOT_ASSERT: return "assert";
    case IOTL_DIAG_REBOOT_UNKNOWN_RESET: return "unknown_reset";
    default: return "other";
    }
}

static const char *outcome_name(uint64_t o)
{
    static const char *const n[] = {"confirmed", "rolled_back", "failed", "installed"};
    return o < 4 ? n[o] : "other";
}

static const char *metric_kind(unsigned k)
{
    static const char *const n[] = {"counter", "gauge", "timer", "heartbeat"};
    return k < 4 ? n[k] : "kind?";
}

/* Print the body of one record as JSON members (after the common ones). */
static void json_body(FILE *f, const struct iotl_diag_record *r)
{
    const uint8_t *b = r->body;
    size_t len = r->body_len, off = 0;
    uint64_t v[3] = {0, 0, 0};
    switch (r->type) {
    case IOTL_DIAG_LOG:
        fprintf(f, ",\"type\":\"log\",\"level\":\"%s\"", level_name(r->sub & 0x7fu));
        if (r->sub & IOTL_DIAG_LOG_COMPACT) {
            if (iotl_diag_varint(b, len, &off, &v[0]) != 0) {
                break;
            }
            fprintf(f, ",\"fmt_id\":%" PRIu64 ",\"args\":[", v[0]);
            for (int first = 1; off < len && iotl_diag_varint(b, len, &off, &v[1]) == 0; first = 0) {
                fprintf(f, "%s%" PRIu64, first ? "" : ",", v[1]);
            }
            fputc(']', f);
        } else if (len > 0 && (size_t)b[0] < len) {
            fprintf(f, ",\"module\":");
            json_str(f, b + 1, b[0]);
            fprintf(f, ",\"text\":");
            json_str(f, b + 1 + b[0], len - 1u - b[0]);
        }
        break;
    case IOTL_DIAG_METRIC:
        fprintf(f, ",\"type\":\"metric\",\"kind\":\"%s\"", metric_kind(r->sub));
        if (r->sub == IOTL_DIAG_HEARTBEAT) {
            fprintf(f, ",\"metrics\":{");
            for (int first = 1; off + 1 < len; first = 0) {
                unsigned kind = b[off++];
                if (iotl_diag_varint(b, len, &off, &v[0]) != 0 || off >= len || b[off] > len - off - 1u) {
                    break;
                }
                size_t nl = b[off++];
                fprintf(f, "%s", first ? "" : ",");
                json_str(f, b + off, nl);
                fprintf(f, ":{\"kind\":\"%s\",\"value\":%" PRId64 "}", metric_kind(kind), unzigzag(v[0]));
                off += nl;
            }
            fputc('}', f);
        } else if (iotl_diag_varint(b, len, &off, &v[0]) == 0) {
            fprintf(f, ",\"name\":");
            json_str(f, b + off, len - off);
            fprintf(f, ",\"value\":%" PRId64, unzigzag(v[0]));
        }
        break;
    case IOTL_DIAG_EVENT: {
        for (int i = 0; i < 3; i++) {
            if (iotl_diag_varint(b, len, &off, &v[i]) != 0) {
                fprintf(f, ",\"type\":\"event\",\"malformed\":true");
                return;
            }
        }
        int64_t a = unzigzag(v[1]), bb = unzigzag(v[2]);
        fprintf(f, ",\"type\":\"event\"");
        switch (r->sub) {
        case IOTL_DIAG_EV_REBOOT:
            fprintf(f, ",\"kind\":\"reboot\",\"reason\":\"%s\",\"code\":%" PRIu64 ",\"expected\":%s",
                    reboot_name(v[0]), v[0], v[0] < IOTL_DIAG_REBOOT_UNEXPECTED ? "true" : "false");
            break;
        case IOTL_DIAG_EV_CRASH:
            fprintf(f, ",\"kind\":\"crash\",\"reason\":%" PRIu64 ",\"pc\":\"0x%08" PRIx64
                       "\",\"lr\":\"0x%08" PRIx64 "\"", v[0], (uint64_t)a, (uint64_t)bb);
            break;
        case IOTL_DIAG_EV_UPDATE:
            fprintf(f, ",\"kind\":\"update\",\"outcome\":\"%s\",\"error\":%" PRId64, outcome_name(v[0]), a);
            break;
        case IOTL_DIAG_EV_HEALTH:
            fprintf(f, ",\"kind\":\"health\",\"check\":%" PRIu64 ",\"result\":%" PRId64, v[0], a);
            break;
        case IOTL_DIAG_EV_ALERT:
            fprintf(f, ",\"kind\":\"alert\",\"id\":%" PRIu64 ",\"value\":%" PRId64 ",\"threshold\":%" PRId64,
                    v[0], a, bb);
            break;
        default:
            fprintf(f, ",\"kind\":%u,\"code\":%" PRIu64 ",\"a\":%" PRId64 ",\"b\":%" PRId64, r->sub, v[0], a, bb);
            break;
        }
        if (off < len) {
            fprintf(f, ",\"text\":");
            json_str(f, b + off, len - off);
        }
        break;
    }
    case IOTL_DIAG_BLOB:
        fprintf(f, ",\"type\":\"blob\",\"blob_type\":%u,\"hex\":\"", r->sub);
        for (size_t i = 0; i < len; i++) {
            fprintf(f, "%02x", b[i]);
        }
        fputc('"', f);
        break;
    case IOTL_DIAG_LOSS:
        (void)iotl_diag_varint(b, len, &off, &v[0]);
        (void)iotl_diag_varint(b, len, &off, &v[1]);
        fprintf(f, ",\"type\":\"loss\",\"dropped_normal\":%" PRIu64 ",\"dropped_critical\":%" PRIu64, v[0], v[1]);
        break;
    default:
        fprintf(f, ",\"type\":%u,\"sub\":%u", r->type, r->sub);
        break;
    }
}

static void print_rec(const struct rec *x, int text)
{
    const struct iotl_diag_record *r = &x->r;
    if (!text) {
        printf("{\"device\":");
        json_str(stdout, (const uint8_t *)x->device, strlen(x->device));
        printf(",\"boot\":%" PRIu32 ",\"seq\":%" PRIu32 ",\"ts_ms\":%" PRIu64, r->boot_id, r->seq, r->ts_ms);
        json_body(stdout, r);
        printf("}\n");
        return;
    }
    /* Human form: the same members, one line, without quotes and braces. */
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    if (m == NULL) {
        return;
    }
    json_body(m, r);
    fclose(m);
    printf("%s boot %" PRIu32 " #%" PRIu32 " +%" PRIu64 "ms ", x->device, r->boot_id, r->seq, r->ts_ms);
    /* Keys bare, string values quoted, "k":v as k=v. */
    int in_str = 0, is_val = 0;
    for (size_t i = 1; i < blen; i++) { /* skip the leading comma */
        char c = buf[i];
        if (in_str) {
            if (c == '"' && buf[i - 1] != '\\') {
                in_str = 0;
                if (is_val) {
                    putchar('"');
                }
            } else {
                putchar(c);
            }
            continue;
        }
        if (c == '"') {
            in_str = 1;
            is_val = buf[i - 1] == ':';
            if (is_val) {
                putchar('"');
            }
            continue;
        }
        putchar(c == ',' ? ' ' : c == ':' ? '=' : c);
    }
    putchar('\n');
    free(buf);
}

/* ---- decode ------------------------------------------------------------------ */

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->device, y->device);
    if (c != 0) {
        return c;
    }
    return x->r.seq < y->r.seq ? -1 : x->r.seq > y->r.seq;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -errno;
    }
    size_t cap = 4096, n = 0;
    uint8_t *p = malloc(cap);
    size_t got;
    while (p != NULL && (got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            if (cap >= CHUNK_FILE_MAX) {
                free(p);
                fclose(f);
                return -EFBIG;
            }
            uint8_t *q = realloc(p, cap * 2);
            if (q == NULL) {
                free(p);
                p = NULL;
                break;
            }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    if (p == NULL) {
        return -ENOMEM;
    }
    *data = p;
    *len = n;
    return 0;
}

static int add_chunk_records(struct recs *rs, const struct iotl_diag_chunk_info *info,
                             const uint8_t *payload)
{
    size_t off = 0;
    struct iotl_diag_record r;
    while (iotl_diag_record_next(payload, info->payload_len, &off, &r) == 1) {
        if (rs->n == rs->cap) {
            size_t nc = rs->cap ? rs->cap * 2 : 256;
            struct rec *v = realloc(rs->v, nc * sizeof(*v));
            if (v == NULL) {
                return -1;
            }
            rs->v = v;
            rs->cap = nc;
        }
        struct rec *x = &rs->v[rs->n];
        memcpy(x->device, info->device_id, sizeof(x->device));
        x->r = r;
        x->body = malloc(r.body_len ? r.body_len : 1);
        if (x->body == NULL) {
            return -1;
        }
        memcpy(x->body, r.body, r.body_len);
        x->r.body = x->body;
        rs->n++;
    }
    return 0;
}

static int diag_decode(int argc, char **argv)
{
    int text = 0, nfiles = 0, good = 0;
    static uint8_t payload[4u * CHUNK_FILE_MAX / 16u];
    static uint8_t arena[IOTL_DIAG_Z_INFLATE_ARENA];
    struct recs rs = {NULL, 0, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--text") == 0) {
            text = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "iotlife: diag decode: unknown option %s\n", argv[i]);
            return 2;
        }
        nfiles++;
        uint8_t *data = NULL;
        size_t len = 0;
        int e = read_file(argv[i], &data, &len);
        if (e != 0) {
            fprintf(stderr, "iotlife: diag decode: %s: %s\n", argv[i], strerror(-e));
            continue;
        }
        struct iotl_diag_chunk_info info;
        int ret = iotl_diag_chunk_decode(data, len, &info, payload, sizeof(payload), arena, sizeof(arena));
        free(data);
        if (ret != 0) {
            fprintf(stderr, "iotlife: diag decode: %s: %s (%s)\n", argv[i], iotl_strerror(ret),
                    iotl_strerror_name(ret));
            continue;
        }
        if (add_chunk_records(&rs, &info, payload) != 0) {
            return cli_fail("diag decode", "out of memory");
        }
        good++;
    }
    if (nfiles == 0) {
        fprintf(stderr, "usage: iotlife diag decode [--text] FILE...\n");
        return 2;
    }
    /* Order by device and sequence number; drop re-sent duplicates; report gaps. */
    qsort(rs.v, rs.n, sizeof(*rs.v), cmp_rec);
    size_t dups = 0;
    for (size_t i = 0; i < rs.n; i++) {
        const struct rec *x = &rs.v[i];
        if (i > 0 && cmp_rec(x, &rs.v[i - 1]) == 0) {
            dups++;
            continue;
        }
        if (i > 0 && strcmp(x->device, rs.v[i - 1].device) == 0 && x->r.seq > rs.v[i - 1].r.seq + 1u) {
            fprintf(stderr, "iotlife: diag decode: device \"%s\": gap: sequence numbers %" PRIu32 "..%" PRIu32
                            " missing\n", x->device, rs.v[i - 1].r.seq + 1u, x->r.seq - 1u);
        }
        print_rec(x, text);
    }
    if (dups != 0) {
        fprintf(stderr, "iotlife: diag decode: %zu duplicate records ignored\n", dups);
    }
    for (size_t i = 0; i < rs.n; i++) {
        free(rs.v[i].body);
    }
    free(rs.v);
    if (good == 0) {
        return cli_fail("diag decode", "no valid chunk");
    }
    return 0;
}

/* ---- sample ------------------------------------------------------------------- */

/* A simulated clock: 250 ms pass between two records. */
static uint64_t sample_ms;
static uint64_t sample_uptime(void *ctx)
{
    (void)ctx;
    return sample_ms += 250u;
}
static const struct iotl_platform_ops sample_clock_ops = {sample_uptime, NULL, NULL, NULL, NULL};
static const struct iotl_platform sample_clock = {&sample_clock_ops, NULL};

static int diag_sample(int argc, char **argv)
{
    const char *dir = NULL;
    long count = 200, mtu = 1024;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
            count = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--mtu") == 0 && i + 1 < argc) {
            mtu = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: iotlife diag sample -o DIR [--records N] [--mtu BYTES]\n");
            return 2;
        }
    }
    if (dir == NULL || count < 1 || count > 100000 || mtu < IOTL_DIAG_CHUNK_MIN || mtu > 65536) {
        fprintf(stderr, "usage: iotlife diag sample -o DIR [--records N] [--mtu BYTES]\n");
        return 2;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        return cli_fail(dir, strerror(errno));
    }
    static uint8_t store[256 * 1024];
    static uint8_t zarena[IOTL_DIAG_Z_ARENA(65536)];
    static uint8_t chunk[65536];
    struct iotl_diag_metric metrics[2] = {{"uplink_bytes", IOTL_DIAG_COUNTER, 0, 0},
                                          {"battery_mv", IOTL_DIAG_GAUGE, 0, 0}};
    struct iotl_diag_config cfg = {.ram_buf = store, .ram_buf_len = sizeof(store), .ram_block_size = 4096,
                                   .device_id = "sample-device", .boot_id = 1, .z_arena = zarena,
                                   .z_arena_len = sizeof(zarena), .metrics = metrics, .metric_count = 2,
                                   .record_max = mtu < 128 ? 34 : 0};
    cfg.platform = &sample_clock;
    iotl_diag_t d;
    int ret = iotl_diag_init(&d, &cfg);
    if (ret != 0) {
        return cli_fail("diag sample", iotl_strerror(ret));
    }
    char text[80];
    (void)iotl_diag_event(&d, IOTL_DIAG_EV_REBOOT, IOTL_DIAG_REBOOT_WATCHDOG, 0, 0, NULL);
    for (long i = 0; i < count; i++) {
        switch (i % 8) {
        case 0:
        case 1:
        case 2:
            snprintf(text, sizeof(text), "%s %ld", mtu < 128 ? "rx" : "mqtt publish ok, bytes", 100 + i % 37);
            ret = iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "net", text);
            break;
        case 3:
            if (mtu < 128) { /* a heartbeat of two metrics needs more than 64 bytes */
                ret = iotl_diag_metric(&d, IOTL_DIAG_COUNTER, "up", 1000 + i);
                break;
            }
            (void)iotl_diag_metric_update(&d, 0, 1000 + i);
            (void)iotl_diag_metric_update(&d, 1, 3700 - i % 50);
            ret = iotl_diag_heartbeat(&d);
            break;
        case 4:
            ret = iotl_diag_metric(&d, IOTL_DIAG_GAUGE, "rssi", -60 - i % 20);
            break;
        case 5: {
            uint32_t args[2] = {(uint32_t)i, 42};
            ret = iotl_diag_log_compact(&d, IOTL_DIAG_LVL_DEBUG, 0x2001, args, 2);
            break;
        }
        case 6:
            ret = iotl_diag_log(&d, IOTL_DIAG_LVL_WARN, "sensor", mtu < 128 ? "i2c retry" : "i2c read retried after NACK");
            break;
        default:
            ret = i % 64 == 7 ? iotl_diag_event(&d, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_CONFIRMED, 0, 0, "1.2.0")
                              : iotl_diag_event(&d, IOTL_DIAG_EV_ALERT, 1, 90, 85, "temp");
            break;
        }
        if (ret != 0 && ret != IOTL_ERR_FULL) {
            return cli_fail("diag sample", iotl_strerror(ret));
        }
    }
    int files = 0;
    for (;;) {
        size_t len = 0;
        ret = iotl_diag_get_chunk(&d, chunk, (size_t)mtu, &len);
        if (ret != 0) {
            return cli_fail("diag sample", iotl_strerror(ret));
        }
        if (len == 0) {
            break;
        }
        struct iotl_diag_chunk_info info;
        static uint8_t payload[262144], arena[IOTL_DIAG_Z_INFLATE_ARENA];
        ret = iotl_diag_chunk_decode(chunk, len, &info, payload, sizeof(payload), arena, sizeof(arena));
        if (ret != 0) {
            return cli_fail("diag sample", iotl_strerror(ret));
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/chunk-%04d.bin", dir, ++files);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(chunk, 1, len, f) != len || fclose(f) != 0) {
            return cli_fail(path, strerror(errno));
        }
        ret = iotl_diag_ack(&d, info.first_seq, info.last_seq);
        if (ret != 0) {
            return cli_fail("diag sample", iotl_strerror(ret));
        }
    }
    printf("%d chunk files in %s\n", files, dir);
    return 0;
}

int cmd_diag(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "decode") == 0) {
        return diag_decode(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "sample") == 0) {
        return diag_sample(argc - 1, argv + 1);
    }
    fprintf(stderr, "usage: iotlife diag decode [--text] FILE...\n"
                    "       iotlife diag sample -o DIR [--records N] [--mtu BYTES]\n");
    return 2;
}
