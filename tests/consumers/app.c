/* SPDX-License-Identifier: Apache-2.0 */
/* A consumer program: links iotlife the way an integrator would and uses the
 * core, the RAM port and the Mbed TLS port. Exits 0 only if all work. */
#include <stdio.h>
#include <string.h>

#include "iotlife/iotlife.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/ram.h"

static uint8_t flash_mem[8192];

int main(void)
{
    iotl_ram_flash_t rf;
    struct iotl_storage area;
    const struct iotl_storage_geometry geo = {.size = sizeof(flash_mem), .erase_size = 4096,
                                              .write_align = 8, .erased_value = 0xff};
    uint8_t scratch[256];
    int ret = iotl_ram_flash_init(&rf, &area, flash_mem, &geo, true);
    if (ret == IOTL_OK) {
        ret = iotl_storage_selftest(&area, scratch, sizeof(scratch));
    }
    struct iotl_crypto crypto;
    uint8_t digest[IOTL_SHA256_LEN];
    if (ret == IOTL_OK) {
        iotl_mbedtls_crypto_init(&crypto);
        ret = iotl_sha256(&crypto, "abc", 3, digest);
    }
    if (ret == IOTL_OK && digest[0] != 0xba) {
        ret = IOTL_ERR_INTEGRITY;
    }
    printf("consumer: iotlife %s: %s\n", iotl_version(), iotl_strerror(ret));
    return ret == IOTL_OK ? 0 : 1;
}
