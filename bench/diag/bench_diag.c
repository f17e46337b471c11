/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics benchmark: append rate (RAM store and flash-backed store on the
 * RAM port), bytes per record on the wire (raw and compressed chunks at three
 * MTUs) for a realistic mix, the compressor's arena peak. Writes the raw
 * records to a file so run.sh can compare with gzip -6 of the same bytes.
 * Output: key=value lines, formatted by run.sh. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iotlife/diag.h"
#include "iotlife/port/ram.h"

static uint8_t ram_store[64 * 1024];
static uint8_t flash_mem[256 * 1024];
static uint8_t zarena[IOTL_DIAG_Z_ARENA(16384)];
static uint8_t chunk[16384], payload[262144], inflate_arena[IOTL_DIAG_Z_INFLATE_ARENA];

static uint64_t clock_ms;
static uint64_t uptime(void *ctx)
{
    (void)ctx;
    return clock_ms;
}
static const struct iotl_platform_ops pops = {uptime, NULL, NULL, NULL, NULL};
static const struct iotl_platform plat = {&pops, NULL};

static struct iotl_diag_metric metrics[4] = {{"uplink_bytes", IOTL_DIAG_COUNTER, 0, 0},
                                             {"battery_mv", IOTL_DIAG_GAUGE, 0, 0},
                                             {"radio_on_ms", IOTL_DIAG_TIMER, 0, 0},
                                             {"heap_free", IOTL_DIAG_GAUGE, 0, 0}};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A day in the life of a sensor node: mostly logs, a metric now and then, a
 * heartbeat every 50 records, rare events. */
static int append_mix(iotl_diag_t *d, long i)
{
    char text[96];
    clock_ms += 10u + (uint64_t)(i % 7) * 40u;
    switch (i % 20) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
        snprintf(text, sizeof(text), "mqtt publish ok topic=sensors/%ld bytes=%ld", i % 4, 80 + i % 53);
        return iotl_diag_log(d, IOTL_DIAG_LVL_INFO, "net", text);
    case 6:
    case 7:
        snprintf(text, sizeof(text), "sample t=%ld.%ld rh=%ld", 20 + i % 5, i % 10, 40 + i % 17);
        return iotl_diag_log(d, IOTL_DIAG_LVL_DEBUG, "sensor", text);
    case 8:
    case 9:
    case 10: {
        uint32_t args[3] = {(uint32_t)(i % 1000), 42, (uint32_t)(i * 7 % 300)};
        return iotl_diag_log_compact(d, IOTL_DIAG_LVL_INFO, 0x2001 + (uint32_t)(i % 3), args, 3);
    }
    case 11:
    case 12:
        return iotl_diag_metric(d, IOTL_DIAG_GAUGE, "rssi", -60 - i % 25);
    case 13:
        return iotl_diag_metric(d, IOTL_DIAG_GAUGE, "temp_c", 21 + i % 4);
    case 14:
        snprintf(text, sizeof(text), "i2c read retried after NACK addr=0x%02lx", 0x40 + i % 4);
        return iotl_diag_log(d, IOTL_DIAG_LVL_WARN, "sensor", text);
    case 15:
        (void)iotl_diag_metric_update(d, 0, 1000 + i % 500);
        (void)iotl_diag_metric_update(d, 1, 3700 - i % 60);
        (void)iotl_diag_metric_update(d, 3, 21000 - i % 900);
        return i % 50 == 15 ? iotl_diag_heartbeat(d) : iotl_diag_log(d, IOTL_DIAG_LVL_INFO, "app", "tick");
    case 16:
        return i % 400 == 16 ? iotl_diag_event(d, IOTL_DIAG_EV_REBOOT, IOTL_DIAG_REBOOT_WATCHDOG, 0, 0, NULL)
                             : iotl_diag_log(d, IOTL_DIAG_LVL_INFO, "app", "state idle->measure");
    case 17:
        return i % 200 == 17 ? iotl_diag_event(d, IOTL_DIAG_EV_ALERT, 3, 91, 85, "temp_c")
                             : iotl_diag_log(d, IOTL_DIAG_LVL_INFO, "app", "state measure->idle");
    case 18:
        return iotl_diag_log(d, IOTL_DIAG_LVL_ERROR, "net", "dns lookup failed, retry in 30 s");
    default:
        return i % 1000 == 19 ? iotl_diag_event(d, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_CONFIRMED, 0, 0, "1.4.2->1.5.0")
                              : iotl_diag_metric(d, IOTL_DIAG_COUNTER, "tx_retries", i % 3);
    }
}

static size_t export_all(iotl_diag_t *d, size_t mtu, size_t *records, size_t *chunks, FILE *raw_out);

/* Appends per second; every 2000 records the store is exported and
 * acknowledged (not timed), as a connected device would. */
static double rate(iotl_diag_t *d, long n)
{
    double t = 0;
    size_t r, c;
    for (long i = 0; i < n; i += 2000) {
        double t0 = now_s();
        for (long k = i; k < i + 2000; k++) {
            int ret = append_mix(d, k);
            if (ret != 0) {
                fprintf(stderr, "append: %s\n", iotl_strerror(ret));
                exit(1);
            }
        }
        t += now_s() - t0;
        (void)export_all(d, 16384, &r, &c, NULL);
    }
    return (double)n / t;
}

/* Export everything through chunks of mtu bytes; returns total chunk bytes. */
static size_t export_all(iotl_diag_t *d, size_t mtu, size_t *records, size_t *chunks, FILE *raw_out)
{
    size_t total = 0;
    *records = *chunks = 0;
    for (;;) {
        size_t len = 0;
        struct iotl_diag_chunk_info info;
        int ret = iotl_diag_get_chunk(d, chunk, mtu, &len);
        if (ret != 0) {
            fprintf(stderr, "get_chunk(%zu): %s\n", mtu, iotl_strerror(ret));
            exit(1);
        }
        if (len == 0) {
            return total;
        }
        if (iotl_diag_chunk_decode(chunk, len, &info, payload, sizeof(payload), inflate_arena,
                                   sizeof(inflate_arena)) != 0 ||
            iotl_diag_ack(d, info.first_seq, info.last_seq) != 0) {
            exit(1);
        }
        if (raw_out != NULL) {
            fwrite(payload, 1, info.payload_len, raw_out);
        }
        total += len;
        *records += info.count;
        (*chunks)++;
    }
}

int main(int argc, char **argv)
{
    const char *raw_path = argc > 1 ? argv[1] : "diag-raw.bin";
    const long n = 20000;
    iotl_diag_t d;
    struct iotl_ram_flash rf;
    struct iotl_storage area;
    struct iotl_storage_geometry g = {sizeof(flash_mem), 4096, 1, 0xFF};

    /* Append rate: RAM store (1 KiB blocks), then flash-backed (4 KiB erase). */
    struct iotl_diag_config rc = {.ram_buf = ram_store, .ram_buf_len = sizeof(ram_store),
                                  .platform = &plat, .metrics = metrics, .metric_count = 4};
    if (iotl_diag_init(&d, &rc) != 0) {
        return 1;
    }
    printf("append_ram=%.0f\n", rate(&d, 200000));
    if (iotl_ram_flash_init(&rf, &area, flash_mem, &g, true) != 0) {
        return 1;
    }
    struct iotl_diag_config fc = {.storage = &area, .platform = &plat, .metrics = metrics, .metric_count = 4};
    if (iotl_diag_init(&d, &fc) != 0) {
        return 1;
    }
    printf("append_flash=%.0f\n", rate(&d, 200000));

    /* Wire size: the same records through each MTU, raw and compressed. */
    static const size_t mtus[4] = {64, 244, 1024, 16384};
    for (int z = 0; z < 2; z++) {
        for (int k = 0; k < 4; k++) {
            size_t mtu = mtus[k];
            if (iotl_ram_flash_init(&rf, &area, flash_mem, &g, true) != 0) {
                return 1;
            }
            struct iotl_diag_config c = {.storage = &area, .platform = &plat, .device_id = "n42",
                                         .metrics = metrics, .metric_count = 4,
                                         .z_arena = z ? zarena : NULL, .z_arena_len = z ? sizeof(zarena) : 0,
                                         .record_max = mtu == 64 ? 40 : 0};
            if (iotl_diag_init(&d, &c) != 0) {
                return 1;
            }
            clock_ms = 0;
            long appended = 0, refused = 0;
            size_t wire = 0, recs = 0, chunks = 0, r2, c2;
            for (long i = 0; i < n; i++) {
                if (append_mix(&d, i) == 0) {
                    appended++;
                } else {
                    refused++;
                }
                if (i % 1000 == 999) { /* export as we go: nothing is dropped */
                    wire += export_all(&d, mtu, &r2, &c2, NULL);
                    recs += r2;
                    chunks += c2;
                }
            }
            FILE *raw = (z == 0 && mtu == 1024) ? fopen(raw_path, "wb") : NULL;
            (void)raw;
            wire += export_all(&d, mtu, &r2, &c2, NULL);
            recs += r2;
            chunks += c2;
            struct iotl_diag_stats st;
            iotl_diag_get_stats(&d, &st);
            printf("wire_%s_%zu=%zu records=%zu chunks=%zu dropped=%u refused=%ld arena_peak=%u\n", z ? "z" : "raw",
                   mtu, wire, recs, chunks, st.dropped_normal + st.dropped_critical, refused, st.z_arena_peak);
            if (raw != NULL) {
                fclose(raw);
            }
        }
    }
    /* The raw records themselves (what gzip gets): one big raw export. */
    if (iotl_ram_flash_init(&rf, &area, flash_mem, &g, true) != 0) {
        return 1;
    }
    struct iotl_diag_config c = {.storage = &area, .platform = &plat, .metrics = metrics, .metric_count = 4};
    if (iotl_diag_init(&d, &c) != 0) {
        return 1;
    }
    clock_ms = 0;
    FILE *raw = fopen(raw_path, "wb");
    if (raw == NULL) {
        return 1;
    }
    size_t r2, c2, rawbytes = 0;
    for (long i = 0; i < n; i++) {
        (void)append_mix(&d, i);
        if (i % 1000 == 999) {
            (void)export_all(&d, 16384, &r2, &c2, raw);
        }
    }
    (void)export_all(&d, 16384, &r2, &c2, raw);
    rawbytes = (size_t)ftell(raw);
    fclose(raw);
    printf("raw_records_bytes=%zu records=%ld\n", rawbytes, n);
    printf("diag_t_bytes=%zu\n", sizeof(iotl_diag_t));
    return 0;
}
