/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: URL reference resolution and Content-Range parsing (the two
 * parsers of untrusted text in the agent and the transports). Input: one
 * byte splitting the rest into a base URL and a reference. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iotlife/port/transport.h"
#include "iotlife/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char base[512];
    static char ref[512];
    static char out[256];
    if (size < 1 || size > 1000) {
        return 0;
    }
    size_t split = data[0] % size;
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    if (split > n) {
        split = n;
    }
    size_t bl = split < sizeof(base) - 1 ? split : sizeof(base) - 1;
    size_t rl = n - split < sizeof(ref) - 1 ? n - split : sizeof(ref) - 1;
    memcpy(base, rest, bl);
    base[bl] = '\0';
    memcpy(ref, rest + split, rl);
    ref[rl] = '\0';
    for (size_t cap = 1; cap <= sizeof(out); cap *= 4) {
        if (iotl_url_resolve(base, ref, out, cap) == 0 && strlen(out) >= cap) {
            __builtin_trap(); /* must fit what was promised */
        }
    }
    uint64_t first;
    uint64_t last;
    int64_t total;
    if (iotl_transport_parse_content_range(ref, &first, &last, &total) == 0 &&
        (first > last || (total >= 0 && last >= (uint64_t)total))) {
        __builtin_trap();
    }
    return 0;
}
