/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics upload end to end: a device with a flash-backed store exports
 * chunks and PUTs each one to nginx's WebDAV location (object-store
 * semantics: idempotent by name) through the curl transport, acknowledging
 * only after a 2xx. A server error, a lost acknowledgement (reboot before the
 * ack) and HTTPS are on the way. The objects on the server then decode to
 * every record exactly once. Run through tests/e2e/diag_upload.sh. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit/iotl_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlife/diag.h"
#include "iotlife/port/curl.h"
#include "iotlife/port/ram.h"

static uint8_t flash_mem[4 * 4096];
static uint8_t zarena[IOTL_DIAG_Z_ARENA(1024)];
static uint8_t chunk[1024], payload[8192], inflate_arena[IOTL_DIAG_Z_INFLATE_ARENA];
static iotl_curl_t curl;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL && v[0] != '\0', "%s not set: run through tests/e2e/diag_upload.sh", name);
    return v;
}

START_TEST(upload_chunks_to_object_store)
{
    iotl_ram_flash_t rf;
    struct iotl_storage area;
    struct iotl_storage_geometry g = {sizeof(flash_mem), 4096, 1, 0xFF};
    ck_assert_int_eq(iotl_ram_flash_init(&rf, &area, flash_mem, &g, true), 0);
    struct iotl_diag_config dc = {.storage = &area, .device_id = "e2e-dev", .z_arena = zarena,
                                  .z_arena_len = sizeof(zarena)};
    iotl_diag_t d;
    ck_assert_int_eq(iotl_diag_init(&d, &dc), 0);
    struct iotl_curl_config cc = {.ca_file = env("IOTL_E2E_CA"), .timeout_ms = 20000};
    struct iotl_transport t;
    ck_assert_int_eq(iotl_curl_init(&curl, &t, &cc), 0);

    const int total = 300;
    char text[64], url[512];
    for (int i = 0; i < total; i++) {
        snprintf(text, sizeof(text), "e2e record %d", i);
        ck_assert_int_eq(i % 25 == 0 ? iotl_diag_event(&d, IOTL_DIAG_EV_ALERT, 2, i, 0, text)
                                     : iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "e2e", text),
                         0);
    }
    int uploads = 0, failures = 0, lost_acks = 0;
    for (;;) {
        size_t len = 0;
        ck_assert_int_eq(iotl_diag_get_chunk(&d, chunk, sizeof(chunk), &len), 0);
        if (len == 0) {
            break;
        }
        struct iotl_diag_chunk_info info;
        ck_assert_int_eq(iotl_diag_chunk_decode(chunk, len, &info, payload, sizeof(payload),
                                                inflate_arena, sizeof(inflate_arena)),
                         0);
        uploads++;
        if (uploads == 2) {
            /* The server fails: nothing is acknowledged, the chunk comes again. */
            snprintf(url, sizeof(url), "%s/err/500", env("IOTL_E2E_HTTP"));
            ck_assert_int_eq(t.ops->put(t.ctx, url, chunk, len, "application/octet-stream"),
                             IOTL_ERR_HTTP_SERVER);
            failures++;
            iotl_diag_rewind(&d);
            continue;
        }
        /* Object name = device and sequence range: a re-sent chunk overwrites itself. */
        snprintf(url, sizeof(url), "%s/upload/diag/%s/%08u-%08u.bin",
                 env(uploads % 2 ? "IOTL_E2E_HTTP" : "IOTL_E2E_HTTPS"), info.device_id, info.first_seq,
                 info.last_seq);
        ck_assert_int_eq(t.ops->put(t.ctx, url, chunk, len, "application/octet-stream"), 0);
        if (uploads == 4) {
            /* Reboot before the ack: the same records are uploaded again. */
            lost_acks++;
            ck_assert_int_eq(iotl_diag_init(&d, &dc), 0);
            continue;
        }
        ck_assert_int_eq(iotl_diag_ack(&d, info.first_seq, info.last_seq), 0);
    }
    iotl_curl_deinit(&curl);
    ck_assert_int_eq(failures, 1);
    ck_assert_int_eq(lost_acks, 1);

    /* What the object store holds decodes to every record exactly once. */
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/upload/diag/e2e-dev", env("IOTL_E2E_ROOT"));
    DIR *dp = opendir(dir);
    ck_assert_ptr_nonnull(dp);
    static uint8_t seen[1024];
    memset(seen, 0, sizeof(seen));
    struct dirent *de;
    int objects = 0, records = 0;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        FILE *f = fopen(p, "rb");
        ck_assert_ptr_nonnull(f);
        size_t len = fread(chunk, 1, sizeof(chunk), f);
        fclose(f);
        struct iotl_diag_chunk_info info;
        ck_assert_int_eq(iotl_diag_chunk_decode(chunk, len, &info, payload, sizeof(payload),
                                                inflate_arena, sizeof(inflate_arena)),
                         0);
        size_t off = 0;
        struct iotl_diag_record r;
        while (iotl_diag_record_next(payload, info.payload_len, &off, &r) == 1) {
            ck_assert_uint_lt(r.seq, sizeof(seen));
            ck_assert_msg(!seen[r.seq], "seq %u in two objects", r.seq);
            seen[r.seq] = 1;
            records++;
        }
        objects++;
    }
    closedir(dp);
    ck_assert_int_eq(records, total);
    for (int q = 1; q <= total; q++) {
        ck_assert(seen[q]);
    }
    printf("diag upload e2e: %d records in %d objects (%d PUTs, 1 server error, 1 lost ack)\n", records,
           objects, uploads);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("diag_upload_e2e");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, upload_chunks_to_object_store);
    suite_add_tcase(s, tc);
    return s;
}
