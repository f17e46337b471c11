/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the diagnostics chunk decoder (header, CRC, inflate, records).
 * Inputs with a wrong CRC stop early, so the harness also re-seals the input
 * with a valid CRC (second pass) to reach the payload parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iotl_priv.h"
#include "iotlife/diag.h"

static uint8_t payload[65536];
static uint8_t arena[IOTL_DIAG_Z_INFLATE_ARENA];
static uint8_t copy[16384];

static void decode(const uint8_t *data, size_t size)
{
    struct iotl_diag_chunk_info info;
    if (iotl_diag_chunk_decode(data, size, &info, payload, sizeof(payload), arena, sizeof(arena)) != 0) {
        return;
    }
    size_t off = 0;
    struct iotl_diag_record r;
    uint32_t n = 0;
    while (iotl_diag_record_next(payload, info.payload_len, &off, &r) == 1) {
        size_t bo = 0;
        uint64_t v;
        while (bo < r.body_len && iotl_diag_varint(r.body, r.body_len, &bo, &v) == 0) {
        }
        n++;
    }
    if (n != info.count) {
        __builtin_trap(); /* decode accepted a chunk whose records disagree with it */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode(data, size);
    if (size >= 8 && size <= sizeof(copy)) {
        memcpy(copy, data, size);
        iotl_put_le32(copy + size - 4, iotl_crc32(0, copy, size - 4));
        decode(copy, size);
    }
    return 0;
}
