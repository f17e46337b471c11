/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: mount a diagnostics store from arbitrary memory (a no-init RAM
 * region after a crash, or corrupted flash), export and acknowledge it all,
 * then append more. Nothing may crash, hang or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iotlife/diag.h"

static uint8_t store[4 * 1024];
static uint8_t zarena[IOTL_DIAG_Z_ARENA(512)];
static uint8_t chunk[512], payload[4096], arena[IOTL_DIAG_Z_INFLATE_ARENA];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(store, 0xFF, sizeof(store));
    memcpy(store, data, size < sizeof(store) ? size : sizeof(store));
    /* Compression only on every fourth input: it is slow and sees our own bytes. */
    int z = size > 0 && (data[0] & 3u) == 0;
    struct iotl_diag_config cfg = {.ram_buf = store, .ram_buf_len = sizeof(store), .ram_keep = true,
                                   .device_id = "f", .z_arena = z ? zarena : NULL,
                                   .z_arena_len = z ? sizeof(zarena) : 0};
    iotl_diag_t d;
    if (iotl_diag_init(&d, &cfg) != 0) {
        return 0;
    }
    for (int i = 0; i < 64; i++) {
        size_t len = 0;
        if (iotl_diag_get_chunk(&d, chunk, sizeof(chunk), &len) != 0 || len == 0) {
            break;
        }
        struct iotl_diag_chunk_info info;
        if (iotl_diag_chunk_decode(chunk, len, &info, payload, sizeof(payload), arena, sizeof(arena)) != 0) {
            __builtin_trap(); /* the device made a chunk its own decoder rejects */
        }
        if (iotl_diag_ack(&d, info.first_seq, info.last_seq) != 0) {
            break;
        }
    }
    for (int i = 0; i < 12; i++) {
        (void)iotl_diag_log(&d, IOTL_DIAG_LVL_INFO, "fz", "after mount");
    }
    iotl_diag_deinit(&d);
    return 0;
}
