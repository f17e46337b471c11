/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file mbedtls.h
 * @brief Crypto port on Mbed TLS (2.28 LTS and 3.6 LTS): SHA-256 and ECDSA P-256 verify.
 *
 * All differences between Mbed TLS versions are confined to this port.
 */
#ifndef IOTLIFE_PORT_MBEDTLS_H
#define IOTLIFE_PORT_MBEDTLS_H

#include "iotlife/port/crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup iotl_port_mbedtls Mbed TLS crypto port
 *  @brief Reference implementation of the crypto port.
 *  @{ */

/** @brief The operations table; stateless, so one instance serves any number of users. */
extern const struct iotl_crypto_ops iotl_mbedtls_crypto_ops;

/**
 * @brief Fill a crypto instance with the Mbed TLS operations.
 * @param[out] out Instance to fill; its ctx is NULL (the port keeps no global state).
 * @return 0.
 */
int iotl_mbedtls_crypto_init(struct iotl_crypto *out);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
