/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers every module needs: CRC-32, constant-time compare, zeroize. */
#include "iotl_priv.h"
#include "iotlife/version.h"

uint32_t iotl_crc32(uint32_t crc, const void *data, size_t len)
{
    /* Nibble table: 64 bytes of flash instead of 1 KiB, fast enough for
     * journal records and diagnostics chunks. */
    static const uint32_t tbl[16] = {
        0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
        0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
        0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
    };
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
    while (len-- > 0) {
        crc ^= *p++;
        crc = (crc >> 4) ^ tbl[crc & 0x0fu];
        crc = (crc >> 4) ^ tbl[crc & 0x0fu];
    }
    return ~crc;
}

int iotl_memcmp_ct(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = (const volatile uint8_t *)a;
    const volatile uint8_t *y = (const volatile uint8_t *)b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++) {
        diff |= (uint8_t)(x[i] ^ y[i]);
    }
    return diff != 0;
}

void iotl_zeroize(void *buf, size_t len)
{
    volatile uint8_t *p = (volatile uint8_t *)buf;
    while (len-- > 0) {
        *p++ = 0;
    }
}

const char *iotl_version(void)
{
    return IOTL_VERSION_STRING;
}
