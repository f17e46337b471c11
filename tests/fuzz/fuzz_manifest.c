/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: manifest payload parser (and through it the strict JSON layer). */
#include <stddef.h>
#include <stdint.h>

#include "iotlife/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct iotl_manifest m;
    if (iotl_manifest_parse(&m, data, size) == IOTL_OK && m.payload_count == 0) {
        __builtin_trap(); /* a valid manifest has at least one payload */
    }
    return 0;
}
