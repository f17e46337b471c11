/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the delta decoder fed arbitrary patches against a fixed 2 KiB old
 * image in RAM (old[i] = i*7 + i/32), once writing to a sink that checks the
 * output contract and once in validate-only mode. Seeds in corpus/delta/ are
 * valid patches against that image, made with `iotlife delta create` (v1-*:
 * the pre-release format version 1, which the decoder refuses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iotlife/delta.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/ram.h"

#define OLD_LEN 2048u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink_state {
    uint32_t next;
    uint32_t limit;
};

static int sink(void *ctx, uint32_t off, const uint8_t *p, size_t len)
{
    struct sink_state *s = ctx;
    (void)p;
    if (off != s->next || len == 0 || len > s->limit - off) {
        abort(); /* the decoder broke its output contract */
    }
    s->next += (uint32_t)len;
    return 0;
}

static int run(const uint8_t *data, size_t size, int with_sink, size_t chunk)
{
    static uint8_t mem[OLD_LEN];
    static uint8_t work[IOTL_DELTA_WORKBUF_SIZE(IOTL_DELTA_MAX_WINDOW_BITS)];
    iotl_ram_flash_t rf;
    struct iotl_storage old;
    struct iotl_storage_geometry g = {OLD_LEN, 256, 1, 0xFF};
    struct iotl_crypto crypto;
    if (iotl_ram_flash_init(&rf, &old, mem, &g, true) != 0 || iotl_mbedtls_crypto_init(&crypto) != 0) {
        abort();
    }
    for (uint32_t i = 0; i < OLD_LEN; i++) {
        mem[i] = (uint8_t)(i * 7u + (i >> 5));
    }
    struct sink_state st = {0, 0};
    struct iotl_delta_config cfg = {&old, &crypto, with_sink ? sink : NULL, &st, NULL, NULL, work, sizeof(work), 0};
    iotl_delta_t d;
    int ret = iotl_delta_init(&d, &cfg);
    size_t at = 0;
    while (ret == 0 && at < size) {
        size_t c = size - at < chunk ? size - at : chunk;
        if (at == 0 && size >= IOTL_DELTA_HEADER_SIZE) {
            struct iotl_delta_header h;
            st.limit = iotl_delta_parse_header(data, size, &h) == 0 ? h.new_size : 0;
        }
        ret = iotl_delta_write(&d, data + at, c);
        at += c;
    }
    if (ret == 0) {
        ret = iotl_delta_finish(&d);
    }
    if (ret == 0 && with_sink) {
        const struct iotl_delta_header *h = iotl_delta_get_header(&d);
        if (h == NULL || st.next != h->new_size) {
            abort(); /* success must mean the whole image was produced */
        }
    }
    iotl_delta_deinit(&d);
    return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int a = run(data, size, 1, 61);
    int b = run(data, size, 0, size ? size : 1);
    if (a != b) {
        abort(); /* validation and application must agree */
    }
    return 0;
}
