/* SPDX-License-Identifier: Apache-2.0 */
/* Host crypto port without OpenSSL: the Mbed TLS port as it is. */
#include "host_crypto.h"

#include "iotlife/port/mbedtls.h"

int iotl_host_crypto_init(struct iotl_crypto *out)
{
    return iotl_mbedtls_crypto_init(out);
}
