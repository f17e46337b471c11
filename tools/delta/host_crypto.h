/* SPDX-License-Identifier: Apache-2.0 */
/* Host crypto port used by the CLI and the encoder: see host_crypto.c. When
 * OpenSSL is not available it is the Mbed TLS port. */
#ifndef IOTL_HOST_CRYPTO_H
#define IOTL_HOST_CRYPTO_H

#include "iotlife/port/crypto.h"

int iotl_host_crypto_init(struct iotl_crypto *out);

#endif
