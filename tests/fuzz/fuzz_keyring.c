/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: key ring documents, both as an update (signatures against a
 * fixed anchor) and as a boot re-load (payload parsed, then its own roots). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iotlife/keyring.h"
#include "iotlife/port/mbedtls.h"

static const uint8_t anchor[1][65] = {{
    0x04, 0xd2, 0x71, 0x40, 0x7a, 0x8d, 0xa2, 0xde, 0xee, 0x0b, 0x3e, 0x34, 0x7c, 0x00, 0x95,
    0x44, 0x5d, 0xd6, 0x91, 0xf1, 0x92, 0xe6, 0x67, 0x60, 0x42, 0x45, 0xe2, 0x4d, 0x5e, 0x07,
    0x9c, 0xaf, 0x32, 0xd9, 0xf7, 0x28, 0x72, 0x9a, 0xcc, 0x61, 0xde, 0x2a, 0x88, 0xc5, 0xc6,
    0xaa, 0x51, 0x27, 0x5b, 0x10, 0x61, 0x8c, 0x32, 0xea, 0xf1, 0x2b, 0x28, 0xa9, 0x01, 0x63,
    0xac, 0xd2, 0x92, 0x72, 0xbd}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static iotl_keyring_t ring;
    static iotl_trust_work_t work;
    struct iotl_crypto c;
    iotl_mbedtls_crypto_init(&c);
    struct iotl_floors fl;
    memset(&fl, 0, sizeof(fl));
    for (unsigned flags = 0; flags <= IOTL_KEYRING_RELOAD; flags++) {
        if (iotl_keyring_init(&ring, &c, anchor, 1, 1) != IOTL_OK) {
            __builtin_trap();
        }
        if (iotl_keyring_update(&ring, &c, (const char *)data, size, &fl, 1764000000, flags, &work, NULL) ==
                IOTL_OK &&
            (ring.key_count == 0 || ring.key_count > IOTL_KEYRING_MAX_KEYS)) {
            __builtin_trap();
        }
    }
    return 0;
}
