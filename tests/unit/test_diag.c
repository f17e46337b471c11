/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics store and chunks: record round trips, MTUs, acknowledgement and
 * re-send, retention classes when full, bad chunks, warm-reboot RAM, rollback. */
#include <check.h>
#include "unit/iotl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_harness.h"
#include "iotl_priv.h"
#include "iotlife/port/ram.h"

static uint8_t flash_mem[16 * 4096];
static iotl_ram_flash_t rf;
static struct iotl_storage area;
static uint8_t ram_store[8192];
static uint8_t zarena[IOTL_DIAG_Z_ARENA(16384)];
static struct seen seen[8192];
static iotl_diag_t d;

static uint64_t fake_ms;
static uint64_t fake_uptime(void *ctx)
{
    (void)ctx;
    return fake_ms;
}
static const struct iotl_platform_ops fake_ops = {fake_uptime, NULL, NULL, NULL, NULL};
static const struct iotl_platform fake_platform = {&fake_ops, NULL};

static void flash_setup(uint32_t erase, uint32_t blocks, uint32_t align, uint8_t ev)
{
    struct iotl_storage_geometry g = {erase * blocks, erase, align, ev};
    ck_assert_uint_le(erase * blocks, sizeof(flash_mem));
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &area, flash_mem, &g, true), 0);
}

static struct iotl_diag_config flash_cfg(void)
{
    struct iotl_diag_config c = {.storage = &area, .platform = &fake_platform,
                                 .device_id = "dev-0001", .z_arena = zarena,
                                 .z_arena_len = sizeof(zarena)};
    return c;
}

START_TEST(record_types_round_trip)
{
    struct iotl_diag_metric metrics[3] = {{"rx", IOTL_DIAG_COUNTER, 0, 0},
                                          {"temp", IOTL_DIAG_GAUGE, 0, 0},
                                          {"radio_on", IOTL_DIAG_TIMER, 0, 0}};
    struct iotl_diag_config c = {.ram_buf = ram_store, .ram_buf_len = sizeof(ram_store),
                                 .platform = &fake_platform, .device_id = "abc",
                                 .boot_id = 7, .metrics = metrics, .metric_count = 3};
    fake_ms = 1000;
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_WARN, "net", "link down"), 0);
    uint32_t args[2] = {42, 7};
    ck_assert_int_eq(iotl_diag_log_compact(&d, IOTL_DIAG_LVL_INFO, 0x1234, args, 2), 0);
    ck_assert_int_eq(iotl_diag_metric(&d, IOTL_DIAG_GAUGE, "rssi", -71), 0);
    ck_assert_int_eq(iotl_diag_metric_update(&d, 0, 5), 0);
    ck_assert_int_eq(iotl_diag_metric_update(&d, 0, 2), 0);
    ck_assert_int_eq(iotl_diag_metric_update(&d, 1, 21), 0);
    ck_assert_int_eq(iotl_diag_metric_timer(&d, 2, true), 0);
    fake_ms = 1250;
    ck_assert_int_eq(iotl_diag_metric_timer(&d, 2, false), 0);
    ck_assert_int_eq(iotl_diag_metric_timer(&d, 1, true), IOTL_ERR_INVALID_ARG);
    ck_assert_int_eq(iotl_diag_metric_update(&d, 3, 1), IOTL_ERR_INVALID_ARG);
    ck_assert_int_eq(iotl_diag_heartbeat(&d), 0);
    ck_assert_int_eq(metrics[0].value, 0); /* counters reset, gauges kept */
    ck_assert_int_eq(metrics[1].value, 21);
    ck_assert_int_eq(metrics[2].value, 0);
    ck_assert_int_eq(iotl_diag_event(&d, IOTL_DIAG_EV_REBOOT, IOTL_DIAG_REBOOT_WATCHDOG, 0, 0, NULL), 0);
    ck_assert_int_eq(iotl_diag_event(&d, IOTL_DIAG_EV_CRASH, 3, 0x08001234, 0x08004321, "HardFault"), 0);
    ck_assert_int_eq(iotl_diag_event(&d, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_CONFIRMED, 0, 0, "1.0.0->1.1.0"), 0);
    uint8_t blob[5] = {1, 2, 3, 4, 5};
    ck_assert_int_eq(iotl_diag_append(&d, IOTL_DIAG_BLOB, 9, blob, sizeof(blob)), 0);
    ck_assert_int_eq(iotl_diag_append(&d, IOTL_DIAG_LOSS, 0, blob, 1), IOTL_ERR_INVALID_ARG);
    ck_assert_int_eq(iotl_diag_append(&d, IOTL_DIAG_BLOB, 9, flash_mem, 300), IOTL_ERR_TOO_LARGE);

    size_t n = 0, len = 0;
    ck_assert_int_eq(iotl_diag_get_chunk(&d, h_chunk, 1024, &len), 0);
    struct iotl_diag_chunk_info info;
    ck_assert_int_eq(h_decode(h_chunk, len, &info, seen, 64, &n), 0);
    ck_assert_str_eq(info.device_id, "abc");
    ck_assert_uint_eq(info.boot_id, 7);
    ck_assert_uint_eq(info.count, 8);
    ck_assert_uint_eq(n, 8);
    ck_assert_uint_eq(info.first_seq, 1);
    ck_assert_uint_eq(info.last_seq, 8);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(seen[i].seq, i + 1);
        ck_assert_uint_eq(seen[i].boot, 7);
    }
    ck_assert_uint_eq(seen[0].type, IOTL_DIAG_LOG);
    ck_assert_uint_eq(seen[0].sub, IOTL_DIAG_LVL_WARN);
    ck_assert_str_eq(seen[0].text, "link down");
    ck_assert_uint_eq(seen[1].sub, IOTL_DIAG_LVL_INFO | IOTL_DIAG_LOG_COMPACT);
    ck_assert_uint_eq(seen[2].v0, 141); /* zigzag(-71) */
    ck_assert_str_eq(seen[2].text, "rssi");
    ck_assert_uint_eq(seen[3].sub, IOTL_DIAG_HEARTBEAT);
    ck_assert_uint_eq(seen[4].code, IOTL_DIAG_REBOOT_WATCHDOG);
    ck_assert_uint_eq(seen[5].code, 3);
    ck_assert_uint_eq(seen[5].v0, 2u * 0x08001234u);
    ck_assert_uint_eq(seen[5].v1, 2u * 0x08004321u);
    ck_assert_str_eq(seen[5].text, "HardFault");
    ck_assert_str_eq(seen[6].text, "1.0.0->1.1.0");
    ck_assert_uint_eq(seen[7].type, IOTL_DIAG_BLOB);
    ck_assert_uint_eq(seen[7].sub, 9);

    /* Heartbeat body: counter rx = 7, gauge temp = 21, timer radio_on = 250 ms. */
    size_t off = 0;
    struct iotl_diag_record r;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(iotl_diag_record_next(h_payload, info.payload_len, &off, &r), 1);
    }
    ck_assert_uint_eq(r.body[0], IOTL_DIAG_COUNTER);
    ck_assert_uint_eq(r.body[1], 14);
    ck_assert_uint_eq(r.ts_ms, 1250);
    size_t bo = 1;
    uint64_t v;
    int64_t expect[3] = {7, 21, 250};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(iotl_diag_varint(r.body, r.body_len, &bo, &v), 0);
        ck_assert_uint_eq(v, (uint64_t)expect[i] * 2u);
        bo += 1u + r.body[bo];
        bo++; /* next kind */
    }
    ck_assert_int_eq(iotl_diag_ack(&d, info.first_seq, info.last_seq), 0);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, h_chunk, 1024, &len), 0);
    ck_assert_uint_eq(len, 0);
    struct iotl_diag_stats st;
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_eq(st.stored, 0);
    ck_assert_uint_eq(st.next_seq, 9);
    iotl_diag_deinit(&d);
}
END_TEST

/* A realistic mix, exported through each MTU and decoded back. */
static void mtu_case(size_t mtu)
{
    flash_setup(4096, 16, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    c.record_max = mtu == 64 ? 34 : 0;
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    char text[64];
    const int total = 600;
    for (int i = 0; i < total; i++) {
        fake_ms = 1000u + 37u * (uint64_t)i;
        snprintf(text, sizeof(text), "m%d", i);
        int ret;
        if (i % 10 == 9) {
            ret = iotl_diag_event(&d, IOTL_DIAG_EV_ALERT, 1, i, 100, text);
        } else if (i % 3 == 0) {
            ret = iotl_diag_metric(&d, IOTL_DIAG_GAUGE, text, i * 3);
        } else {
            ret = iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", text);
        }
        ck_assert_int_eq(ret, 0);
    }
    size_t n = 0;
    int compressed = 0;
    int chunks = h_drain(&d, mtu, seen, 8192, &n, &compressed);
    ck_assert_int_gt(chunks, 0);
    ck_assert_uint_eq(n, (size_t)total);
    for (int i = 0; i < total; i++) {
        snprintf(text, sizeof(text), "m%d", i);
        ck_assert_uint_eq(seen[i].seq, (uint32_t)i + 1u);
        ck_assert_str_eq(seen[i].text, text);
    }
    printf("mtu %zu: %d records in %d chunks (%d compressed)\n", mtu, total, chunks, compressed);
    if (mtu >= 1024 && IOTL_FEATURE_ZLIB) {
        ck_assert_int_gt(compressed, 0);
    }
    iotl_diag_deinit(&d);
}

START_TEST(mtu_64)
{
    mtu_case(64);
}
END_TEST
START_TEST(mtu_244)
{
    mtu_case(244);
}
END_TEST
START_TEST(mtu_1k)
{
    mtu_case(1024);
}
END_TEST
START_TEST(mtu_16k)
{
    mtu_case(16384);
}
END_TEST

START_TEST(mtu_too_small)
{
    flash_setup(4096, 4, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    size_t len = 1;
    ck_assert_int_eq(iotl_diag_get_chunk(&d, h_chunk, 63, &len), IOTL_ERR_DIAG_MTU);
    ck_assert_uint_eq(len, 0);
    char big[200];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", big), 0);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, h_chunk, 64, &len), IOTL_ERR_DIAG_MTU);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, h_chunk, 512, &len), 0);
    size_t n = 0;
    struct iotl_diag_chunk_info info;
    ck_assert_int_eq(h_decode(h_chunk, len, &info, seen, 8, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(strlen(seen[0].text), sizeof(seen[0].text) - 1);
}
END_TEST

START_TEST(resend_and_ack)
{
    flash_setup(4096, 4, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    char text[32];
    for (int i = 0; i < 200; i++) {
        snprintf(text, sizeof(text), "line %d", i);
        ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", text), 0);
    }
    static uint8_t first[256], again[256];
    size_t l1, l2;
    struct iotl_diag_chunk_info i1, i2;
    size_t n = 0;
    ck_assert_int_eq(iotl_diag_get_chunk(&d, first, sizeof(first), &l1), 0);
    ck_assert_int_eq(h_decode(first, l1, &i1, seen, 8192, &n), 0);
    /* Lost in transit: rewind, the same records come again, byte for byte. */
    iotl_diag_rewind(&d);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, again, sizeof(again), &l2), 0);
    ck_assert_uint_eq(l1, l2);
    ck_assert_mem_eq(first, again, l1);
    /* Pipelining: a second chunk continues after the first. */
    ck_assert_int_eq(iotl_diag_get_chunk(&d, again, sizeof(again), &l2), 0);
    ck_assert_int_eq(h_decode(again, l2, &i2, seen, 8192, &n), 0);
    ck_assert_uint_eq(i2.first_seq, i1.last_seq + 1);
    /* Acks must name a chunk that was sent. */
    ck_assert_int_eq(iotl_diag_ack(&d, i1.first_seq, i1.last_seq + 1), IOTL_ERR_DIAG_SEQ);
    ck_assert_int_eq(iotl_diag_ack(&d, 1000, 1001), IOTL_ERR_DIAG_SEQ);
    /* A reboot before the ack: the same first chunk again (same sequence numbers). */
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_ack(&d, i1.first_seq, i1.last_seq), IOTL_ERR_DIAG_SEQ);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, again, sizeof(again), &l2), 0);
    struct iotl_diag_chunk_info i3;
    ck_assert_int_eq(h_decode(again, l2, &i3, seen, 8192, &n), 0);
    ck_assert_uint_eq(i3.first_seq, i1.first_seq);
    ck_assert_uint_eq(i3.last_seq, i1.last_seq);
    ck_assert_int_eq(iotl_diag_ack(&d, i3.first_seq, i3.last_seq), 0);
    ck_assert_int_eq(iotl_diag_ack(&d, i3.first_seq, i3.last_seq), IOTL_ERR_DIAG_SEQ);
    /* The ack is durable: after another reboot the next chunk starts after it. */
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, again, sizeof(again), &l2), 0);
    ck_assert_int_eq(h_decode(again, l2, &i2, seen, 8192, &n), 0);
    ck_assert_uint_eq(i2.first_seq, i1.last_seq + 1);
    /* Too many unacknowledged chunks. */
    for (int k = 1; k < IOTL_DIAG_INFLIGHT_MAX; k++) {
        ck_assert_int_eq(iotl_diag_get_chunk(&d, again, 64, &l2), 0);
    }
    ck_assert_int_eq(iotl_diag_get_chunk(&d, again, 64, &l2), IOTL_ERR_WOULD_BLOCK);
    /* Sequence numbers continue across reboots. */
    struct iotl_diag_stats st;
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_eq(st.next_seq, 201);
    ck_assert_uint_eq(st.boot_id, 3); /* derived: one more per init */
}
END_TEST

/* Normal records overwrite the oldest; what was dropped is counted exactly. */
START_TEST(full_normal_overwrites_and_counts)
{
    flash_setup(4096, 3, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    char text[32];
    const int total = 2000;
    for (int i = 0; i < total; i++) {
        snprintf(text, sizeof(text), "log line %d", i);
        ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", text), 0);
    }
    struct iotl_diag_stats st;
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_gt(st.dropped_normal, 0);
    ck_assert_uint_gt(st.compactions, 0);
    size_t n = 0;
    ck_assert_int_gt(h_drain(&d, 4096, seen, 8192, &n, NULL), 0);
    uint64_t lost = 0;
    uint32_t logs = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen[i].type == IOTL_DIAG_LOSS) {
            lost += seen[i].v0;
            ck_assert_uint_eq(seen[i].v1, 0);
        } else {
            logs++;
            ck_assert_uint_gt(seen[i].seq, prev); /* oldest went first, order kept */
            prev = seen[i].seq;
        }
    }
    /* Every log was either exported or counted as dropped, exactly. */
    ck_assert_uint_eq(logs + lost, (uint64_t)total);
    ck_assert_uint_eq(lost, st.dropped_normal);
    ck_assert_uint_eq(prev, st.next_seq - 1);
}
END_TEST

/* Critical records are never overwritten: new ones are refused and counted. */
START_TEST(full_critical_refused_and_counted)
{
    flash_setup(4096, 3, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    char text[32];
    int accepted = 0, refused = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(text, sizeof(text), "update %d", i);
        int ret = iotl_diag_event(&d, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_FAILED, -9, 0, text);
        if (ret == 0) {
            ck_assert_int_eq(refused, 0); /* once full, it stays full until acked */
            accepted++;
        } else {
            ck_assert_int_eq(ret, IOTL_ERR_FULL);
            refused++;
        }
    }
    ck_assert_int_gt(refused, 0);
    /* Normal records are refused too while only critical ones fill the store. */
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", "x"), IOTL_ERR_FULL);
    struct iotl_diag_stats st;
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_eq(st.dropped_critical, (uint32_t)refused);
    ck_assert_uint_eq(st.dropped_normal, 1);
    ck_assert_uint_eq(st.pending_loss, (uint32_t)refused + 1u);
    size_t n = 0;
    ck_assert_int_gt(h_drain(&d, 16384, seen, 8192, &n, NULL), 0);
    /* Every accepted one, none overwritten; then, once the acks made room, the
     * loss record, ahead of anything newer. */
    ck_assert_uint_eq(n, (size_t)accepted + 1u);
    for (int i = 0; i < accepted; i++) {
        snprintf(text, sizeof(text), "update %d", i);
        ck_assert_str_eq(seen[i].text, text);
    }
    ck_assert_uint_eq(seen[accepted].type, IOTL_DIAG_LOSS);
    ck_assert_uint_eq(seen[accepted].v0, 1);
    ck_assert_uint_eq(seen[accepted].v1, (uint64_t)refused);
    ck_assert_uint_eq(seen[accepted].seq, (uint32_t)accepted + 1u);
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_eq(st.pending_loss, 0);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", "after"), 0);
    n = 0;
    ck_assert_int_gt(h_drain(&d, 1024, seen, 8192, &n, NULL), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(seen[0].text, "after");
}
END_TEST

/* Mixed: criticals survive reclaiming; normals around them are dropped and counted. */
START_TEST(full_mixed_keeps_critical)
{
    flash_setup(4096, 3, 8, 0x00);
    struct iotl_diag_config c = flash_cfg();
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    char text[32];
    const int total = 1500;
    int crit = 0;
    for (int i = 0; i < total; i++) {
        snprintf(text, sizeof(text), "r%d", i);
        int ret = i % 50 == 0 ? (crit++, iotl_diag_event(&d, IOTL_DIAG_EV_CRASH, 1, 0x100 + i, 0, text))
                              : iotl_diag_log(&d, IOTL_DIAG_LVL_DEBUG, "m", text);
        ck_assert_int_eq(ret, 0);
    }
    size_t n = 0;
    ck_assert_int_gt(h_drain(&d, 2048, seen, 8192, &n, NULL), 0);
    int crit_seen = 0, logs = 0;
    uint64_t lost = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen[i].type == IOTL_DIAG_EVENT) {
            crit_seen++;
        } else if (seen[i].type == IOTL_DIAG_LOSS) {
            lost += seen[i].v0;
        } else {
            logs++;
        }
    }
    ck_assert_int_eq(crit_seen, crit);
    ck_assert_uint_eq((uint64_t)logs + lost, (uint64_t)(total - crit));
    ck_assert_uint_gt(lost, 0);
}
END_TEST

/* Wear is spread: every block is erased about as often as the others. */
static uint32_t erase_count[16];
static int count_erase(void *ctx, uint32_t off, size_t len)
{
    erase_count[off / 4096]++;
    return iotl_ram_storage_ops.erase(ctx, off, len);
}
START_TEST(wear_rotates)
{
    flash_setup(4096, 8, 1, 0xFF);
    static struct iotl_storage_ops ops;
    ops = iotl_ram_storage_ops;
    ops.erase = count_erase;
    struct iotl_storage counted = area;
    counted.ops = &ops;
    memset(erase_count, 0, sizeof(erase_count));
    struct iotl_diag_config c = flash_cfg();
    c.storage = &counted;
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    for (int i = 0; i < 8000; i++) {
        ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", "steady state logging"), 0);
        if (i % 100 == 99) {
            size_t n = 0;
            ck_assert_int_ge(h_drain(&d, 1024, seen, 8192, &n, NULL), 0);
        }
    }
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int b = 0; b < 8; b++) {
        lo = erase_count[b] < lo ? erase_count[b] : lo;
        hi = erase_count[b] > hi ? erase_count[b] : hi;
    }
    ck_assert_uint_gt(lo, 3);
    ck_assert_uint_le(hi - lo, 2); /* a block erased at open and at reclaim */
}
END_TEST

/* Bad chunks: each malformed input maps to its error code. */
static size_t resign(uint8_t *c, size_t len)
{
    uint32_t crc = iotl_crc32(0, c, len - 4);
    c[len - 4] = (uint8_t)crc;
    c[len - 3] = (uint8_t)(crc >> 8);
    c[len - 2] = (uint8_t)(crc >> 16);
    c[len - 1] = (uint8_t)(crc >> 24);
    return len;
}

START_TEST(bad_chunk_table)
{
    flash_setup(4096, 4, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    c.device_id = "d1";
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    for (int i = 0; i < 30; i++) {
        ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "app", "hello hello hello"), 0);
    }
    static uint8_t good_raw[256], good_z[2048], b[4096];
    size_t lr, lz;
    struct iotl_diag_config craw = c;
    craw.z_arena = NULL;
    ck_assert_int_eq(iotl_diag_init(&d, &craw), 0);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, good_raw, 64, &lr), 0);
    ck_assert_uint_eq(good_raw[2], 0); /* no arena: never compressed */
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_get_chunk(&d, good_z, sizeof(good_z), &lz), 0);
    ck_assert_uint_eq(good_z[2], IOTL_FEATURE_ZLIB ? 1 : 0);
    struct iotl_diag_chunk_info info;
    /* header: magic ver flags dl 'd' '1' boot first last count [raw_len] */
    const size_t seqoff = 4 + 2 + 1; /* first_seq varint (boot id 1 = one byte) */
    struct {
        const char *what;
        int z;
        int op; /* 0 truncate to arg, 1 set byte arg to val, 2 set + re-CRC, 3 append byte + re-CRC */
        size_t arg;
        uint8_t val;
        int expect;
    } t[] = {
        {"empty", 0, 0, 0, 0, IOTL_ERR_DIAG_CHUNK},
        {"too short", 0, 0, 11, 0, IOTL_ERR_DIAG_CHUNK},
        {"bad magic", 0, 1, 0, 0xD2, IOTL_ERR_DIAG_CHUNK},
        {"version 2", 0, 1, 1, 2, IOTL_ERR_DIAG_VERSION},
        {"unknown flag", 0, 1, 2, 0x80, IOTL_ERR_DIAG_VERSION},
        {"payload bit flip", 0, 1, 20, 0x55, IOTL_ERR_DIAG_CRC},
        {"crc flip", 0, 1, (size_t)-1, 0x00, IOTL_ERR_DIAG_CRC},
        {"truncated by one", 0, 0, (size_t)-1, 0, IOTL_ERR_DIAG_CRC},
        {"device id too long", 0, 2, 3, 200, IOTL_ERR_DIAG_CHUNK},
        {"first seq wrong", 0, 2, seqoff, 9, IOTL_ERR_DIAG_SEQ},
        {"last seq wrong", 0, 2, seqoff + 1, 100, IOTL_ERR_DIAG_SEQ},
        {"count wrong", 0, 2, seqoff + 2, 2, IOTL_ERR_DIAG_CHUNK},
        {"count zero", 0, 2, seqoff + 2, 0, IOTL_ERR_DIAG_CHUNK},
        {"record cut", 0, 3, 0, 0x01, IOTL_ERR_DIAG_CHUNK},
#if IOTL_FEATURE_ZLIB
        {"raw flagged deflate", 0, 2, 2, 1, IOTL_ERR_DIAG_CHUNK},
#else
        /* A build without zlib cannot inflate: it says so rather than guess. */
        {"raw flagged deflate", 0, 2, 2, 1, IOTL_ERR_UNSUPPORTED},
#endif
        {"deflate flagged raw", 1, 2, 2, 0, IOTL_ERR_DIAG_CHUNK},
        {"raw_len wrong", 1, 2, seqoff + 3, 0x05, IOTL_ERR_DIAG_CHUNK},
        {"deflate stream corrupt", 1, 2, 16, 0xFF, IOTL_ERR_DIAG_CHUNK},
        {"varint runaway", 0, 2, seqoff, 0xFF, IOTL_ERR_DIAG_CHUNK},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i].z && !IOTL_FEATURE_ZLIB) {
            continue; /* no deflated chunk to corrupt in this build */
        }
        const uint8_t *src = t[i].z ? good_z : good_raw;
        size_t len = t[i].z ? lz : lr;
        memcpy(b, src, len);
        size_t arg = t[i].arg == (size_t)-1 ? len - 1 : t[i].arg;
        switch (t[i].op) {
        case 0:
            len = arg;
            break;
        case 1:
            b[arg] ^= t[i].val ? t[i].val : 0xFF;
            if (arg == 0 || arg == 1 || arg == 2) {
                b[arg] = t[i].val;
            }
            break;
        case 2:
            b[arg] = t[i].val;
            if (t[i].val == 0xFF && arg == seqoff) {
                memset(b + seqoff, 0xFF, 12);
            }
            resign(b, len);
            break;
        default:
            memmove(b + len - 3, b + len - 4, 4);
            b[len - 4] = t[i].val;
            len += 1;
            resign(b, len);
            break;
        }
        int ret = iotl_diag_chunk_decode(b, len, &info, h_payload, sizeof(h_payload), h_inflate,
                                         sizeof(h_inflate));
        ck_assert_msg(ret == t[i].expect, "%s: got %d (%s), want %d", t[i].what, ret,
                      iotl_strerror_name(ret), t[i].expect);
    }
    /* Buffers too small for the payload or the inflater. */
    ck_assert_int_eq(iotl_diag_chunk_decode(good_raw, lr, &info, h_payload, 8, NULL, 0), IOTL_ERR_NO_MEM);
#if IOTL_FEATURE_ZLIB
    ck_assert_int_eq(iotl_diag_chunk_decode(good_z, lz, &info, h_payload, sizeof(h_payload), h_inflate, 1000),
                     IOTL_ERR_NO_MEM);
#endif
    ck_assert_int_eq(iotl_diag_chunk_decode(good_z, lz, &info, h_payload, sizeof(h_payload), h_inflate,
                                            sizeof(h_inflate)), 0);
}
END_TEST

/* A RAM store in a no-init region survives a warm reboot; corruption is detected. */
START_TEST(ram_noinit_survives_warm_reboot)
{
    struct iotl_diag_config c = {.ram_buf = ram_store, .ram_buf_len = sizeof(ram_store),
                                 .ram_block_size = 2048, .ram_keep = true};
    memset(ram_store, 0xA5, sizeof(ram_store)); /* power-on garbage */
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    struct iotl_diag_stats st;
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_eq(st.stored, 0);
    ck_assert_uint_eq(st.boot_id, 1);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_ERROR, "app", "before reset 1"), 0);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_ERROR, "app", "before reset 2"), 0);
    ck_assert_int_eq(iotl_diag_event(&d, IOTL_DIAG_EV_CRASH, 1, 0x100, 0x200, "wdt"), 0);
    /* Warm reboot: same memory, new instance. */
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_eq(st.stored, 3);
    ck_assert_uint_eq(st.boot_id, 2);
    ck_assert_uint_eq(st.next_seq, 4);
    /* Flip one byte of the second record: its CRC fails, the others stay. */
    uint8_t *p = memchr(ram_store + 24, 0xDA, 64);
    ck_assert_ptr_nonnull(p);
    p = memchr(p + 8, 0xDA, 64);
    ck_assert_ptr_nonnull(p);
    p[12] ^= 0x10;
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    size_t n = 0;
    ck_assert_int_gt(h_drain(&d, 512, seen, 64, &n, NULL), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(seen[0].text, "before reset 1");
    ck_assert_uint_eq(seen[1].type, IOTL_DIAG_EVENT);
    /* Without ram_keep the store starts empty. */
    c.ram_keep = false;
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_ERROR, "app", "x"), 0);
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    iotl_diag_get_stats(&d, &st);
    ck_assert_uint_eq(st.stored, 0);
}
END_TEST

/* Trial-boot diagnostics survive rollback: the old image reports what the
 * rolled-back trial image wrote, with the update outcome it records itself. */
START_TEST(trial_records_survive_rollback)
{
    flash_setup(4096, 4, 16, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    c.boot_id = 10; /* old image, boot 10 */
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "ota", "installing 2.0.0"), 0);
    ck_assert_int_eq(iotl_diag_event(&d, IOTL_DIAG_EV_REBOOT, IOTL_DIAG_REBOOT_UPDATE, 0, 0, NULL), 0);
    /* Trial image, boot 11: logs, then crashes before confirming. */
    c.boot_id = 11;
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_ERROR, "sensor", "i2c timeout"), 0);
    ck_assert_int_eq(iotl_diag_event(&d, IOTL_DIAG_EV_CRASH, 2, 0x0800beef, 0x0800cafe, "assert"), 0);
    /* Rolled back: the old image again, boot 12. It never saw the trial's RAM. */
    c.boot_id = 12;
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_event(&d, IOTL_DIAG_EV_UPDATE, IOTL_DIAG_UPDATE_ROLLED_BACK,
                                     IOTL_ERR_ROLLED_BACK, 0, "1.0.0->2.0.0"), 0);
    size_t n = 0;
    ck_assert_int_gt(h_drain(&d, 244, seen, 64, &n, NULL), 0);
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(seen[2].boot, 11);
    ck_assert_str_eq(seen[2].text, "i2c timeout");
    ck_assert_uint_eq(seen[3].boot, 11);
    ck_assert_uint_eq(seen[3].v0, 2u * 0x0800beefu);
    ck_assert_uint_eq(seen[4].boot, 12);
    ck_assert_uint_eq(seen[4].code, IOTL_DIAG_UPDATE_ROLLED_BACK);
    ck_assert_str_eq(seen[4].text, "1.0.0->2.0.0");
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(seen[i].seq, i + 1);
    }
}
END_TEST

/* A marker whose acknowledgement point lies beyond the head (a corrupt store
 * whose CRCs happen to check out) must not hang the mount or the export. */
START_TEST(marker_beyond_head_is_harmless)
{
    flash_setup(4096, 4, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "a", "one"), 0);
    /* Hand-made mark entry: generation 0, acknowledged up to (gen 1000, off 9). */
    uint8_t e[64], body[8] = {0, 0xE8, 0x07, 9};
    size_t n = 0;
    uint8_t *r = e + 4;
    r[n++] = 0x0F;
    r[n++] = 0;
    r[n++] = 4; /* body length */
    r[n++] = 0; /* seq */
    r[n++] = 1; /* boot */
    r[n++] = 0; /* ts */
    memcpy(r + n, body, 4);
    n += 4;
    e[0] = 0xDA;
    e[1] = 2;
    e[2] = (uint8_t)n;
    e[3] = 0;
    uint32_t crc = iotl_crc32(0, e, n + 4);
    memcpy(e + 4 + n, &crc, 4); /* little-endian host */
    e[8 + n] = 0x5A;            /* end mark: never the erased value */
    struct iotl_diag_stats st;
    iotl_diag_get_stats(&d, &st);
    uint32_t off = 4096u - st.free_bytes + 3u * (4096u - 24u); /* head offset in block 0 */
    ck_assert_int_eq(iotl_storage_write(&area, off, e, n + 9), 0);
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    size_t len = 1;
    ck_assert_int_eq(iotl_diag_get_chunk(&d, h_chunk, 256, &len), 0);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "a", "two"), 0);
}
END_TEST

/* A reboot after every append: the append position found at mount must be
 * right after the last entry even when its CRC ends in erased-looking bytes
 * (about one record in 256 on 0xFF flash). */
START_TEST(reboot_after_every_append)
{
    flash_setup(4096, 8, 1, 0xFF);
    struct iotl_diag_config c = flash_cfg();
    const int total = 700;
    char text[32];
    for (int i = 0; i < total; i++) {
        ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
        snprintf(text, sizeof(text), "r%d", i);
        ck_assert_int_eq(iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "b", text), 0);
    }
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    size_t n = 0;
    ck_assert_int_gt(h_drain(&d, 16384, seen, 8192, &n, NULL), 0);
    ck_assert_uint_eq(n, (size_t)total);
    for (int i = 0; i < total; i++) {
        snprintf(text, sizeof(text), "r%d", i);
        ck_assert_str_eq(seen[i].text, text);
        ck_assert_uint_eq(seen[i].boot, (uint32_t)i + 1u);
    }
}
END_TEST

START_TEST(config_errors)
{
    struct iotl_diag_config c = {0};
    ck_assert_int_eq(iotl_diag_init(&d, &c), IOTL_ERR_INVALID_ARG);
    c.ram_buf = ram_store;
    c.ram_buf_len = 1024; /* one block */
    ck_assert_int_eq(iotl_diag_init(&d, &c), IOTL_ERR_STORAGE_GEOMETRY);
    c.ram_buf_len = sizeof(ram_store);
    c.ram_block_size = 100;
    ck_assert_int_eq(iotl_diag_init(&d, &c), IOTL_ERR_STORAGE_GEOMETRY);
    c.ram_block_size = 0;
    c.record_max = 10;
    ck_assert_int_eq(iotl_diag_init(&d, &c), IOTL_ERR_INVALID_ARG);
    c.record_max = 0;
    c.device_id = "0123456789012345678901234567890123456789";
    ck_assert_int_eq(iotl_diag_init(&d, &c), IOTL_ERR_INVALID_ARG);
    ck_assert_int_eq(iotl_diag_log(&d, 0, "a", "b"), IOTL_ERR_STATE);
    size_t len;
    ck_assert_int_eq(iotl_diag_get_chunk(&d, h_chunk, 100, &len), IOTL_ERR_STATE);
    iotl_diag_deinit(&d);
    iotl_diag_deinit(NULL);
}
END_TEST

/* Random soak against a model: appends of every class and size, chunks of
 * random MTUs, acks, lost chunks (rewind) and reboots, on small stores that
 * wrap many times. At the end every record ever appended was received and
 * acknowledged, is still stored, or (normal records only) is counted in a
 * loss record - exactly; no sequence number carries two contents. */
static uint32_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

START_TEST(random_soak_against_model)
{
    enum { MAXQ = 60000 };
    static uint8_t cls[MAXQ], got[MAXQ], loss_seen[MAXQ];
    static int32_t content[MAXQ];
    static struct seen cs[2048];
    memset(cls, 0, sizeof(cls));
    memset(got, 0, sizeof(got));
    memset(loss_seen, 0, sizeof(loss_seen));
    memset(content, 0xff, sizeof(content));
    rng_state = 0x9e3779b9u + (uint32_t)_i * 7919u;
    const uint32_t geos[3][3] = {{4096, 3, 1}, {4096, 4, 16}, {8192, 2, 8}};
    const uint32_t *gg = geos[_i % 3];
    flash_setup(gg[0], gg[1], gg[2], _i % 2 ? 0x00 : 0xFF);
    struct iotl_diag_config c = flash_cfg();
    c.device_id = "soak";
    ck_assert_int_eq(iotl_diag_init(&d, &c), 0);
    uint64_t loss_norm = 0;
    int idx = 0;
    char text[200];
    for (int op = 0; op < 6000; op++) {
        uint32_t r = rnd(100);
        if (r < 70) {
            struct iotl_diag_stats st;
            iotl_diag_get_stats(&d, &st);
            int crit = rnd(10) == 0;
            snprintf(text, sizeof(text), "%d %.*s", idx, (int)rnd(150), "soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak soak");
            int ret = crit ? iotl_diag_event(&d, IOTL_DIAG_EV_ALERT, 1, idx, 0, text)
                           : iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "s", text);
            if (ret == IOTL_ERR_FULL) {
                continue; /* refused (and counted), never stored */
            }
            ck_assert_int_eq(ret, 0);
            iotl_diag_get_stats(&d, &st);
            ck_assert_uint_lt(st.next_seq, MAXQ);
            cls[st.next_seq - 1] = crit ? 2 : 1;
            content[st.next_seq - 1] = idx++;
        } else if (r < 95) {
            /* A chunk; acknowledged (usually) or lost in transit. */
            static const size_t mtus[5] = {64, 128, 244, 1024, 4096};
            size_t mtu = mtus[rnd(5)], len = 0, n = 0;
            int ret = iotl_diag_get_chunk(&d, h_chunk, mtu, &len);
            if (ret == IOTL_ERR_DIAG_MTU) {
                iotl_diag_rewind(&d);
                continue;
            }
            ck_assert_int_eq(ret, 0);
            if (len == 0) {
                continue;
            }
            struct iotl_diag_chunk_info info;
            ck_assert_int_eq(h_decode(h_chunk, len, &info, cs, 2048, &n), 0);
            if (rnd(5) == 0) {
                iotl_diag_rewind(&d);
                continue;
            }
            ck_assert_int_eq(iotl_diag_ack(&d, info.first_seq, info.last_seq), 0);
            for (size_t k = 0; k < n; k++) {
                got[cs[k].seq] = 1;
                if (cs[k].type == IOTL_DIAG_LOSS) {
                    if (!loss_seen[cs[k].seq]) {
                        loss_seen[cs[k].seq] = 1;
                        loss_norm += cs[k].v0;
                    }
                } else {
                    ck_assert_int_eq(atoi(cs[k].text), content[cs[k].seq]);
                }
            }
        } else {
            ck_assert_int_eq(iotl_diag_init(&d, &c), 0); /* reboot */
        }
    }
    size_t n = 0;
    ck_assert_int_ge(h_drain(&d, 4096, seen, 8192, &n, NULL), 0);
    for (size_t k = 0; k < n; k++) {
        got[seen[k].seq] = 1;
        if (seen[k].type == IOTL_DIAG_LOSS) {
            if (!loss_seen[seen[k].seq]) {
                loss_seen[seen[k].seq] = 1;
                loss_norm += seen[k].v0;
            }
        } else {
            ck_assert_int_eq(atoi(seen[k].text), content[seen[k].seq]);
        }
    }
    uint64_t missing = 0;
    for (uint32_t q = 1; q < MAXQ; q++) {
        if (cls[q] != 0 && !got[q]) {
            ck_assert_msg(cls[q] == 1, "critical seq %u lost", q);
            missing++;
        }
    }
    ck_assert_uint_eq(missing, loss_norm);
    ck_assert_uint_gt(idx, 1000);
    printf("soak %d: %d records, %llu dropped and counted\n", _i, idx, (unsigned long long)loss_norm);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("diag");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, record_types_round_trip);
    tcase_add_test(tc, mtu_64);
    tcase_add_test(tc, mtu_244);
    tcase_add_test(tc, mtu_1k);
    tcase_add_test(tc, mtu_16k);
    tcase_add_test(tc, mtu_too_small);
    tcase_add_test(tc, resend_and_ack);
    tcase_add_test(tc, full_normal_overwrites_and_counts);
    tcase_add_test(tc, full_critical_refused_and_counted);
    tcase_add_test(tc, full_mixed_keeps_critical);
    tcase_add_test(tc, wear_rotates);
    tcase_add_test(tc, bad_chunk_table);
    tcase_add_test(tc, ram_noinit_survives_warm_reboot);
    tcase_add_test(tc, trial_records_survive_rollback);
    tcase_add_test(tc, config_errors);
    tcase_add_test(tc, marker_beyond_head_is_harmless);
    tcase_add_test(tc, reboot_after_every_append);
    tcase_add_loop_test(tc, random_soak_against_model, 0, 6);
    suite_add_tcase(s, tc);
    return s;
}
