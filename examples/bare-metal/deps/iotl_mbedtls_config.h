/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimal Mbed TLS 2.28 configuration for the iotlife crypto port on a
 * Cortex-M4: SHA-256 and ECDSA P-256 verification, nothing else (no TLS, no
 * X.509, no entropy, no PEM, no time). scripts/target-deps.sh installs it as
 * the target prefix's <mbedtls/config.h>, so the library and every file that
 * includes Mbed TLS headers (ports/mbedtls) see the same configuration.
 *
 * Memory: bignums come from calloc/free. The bare-metal firmware serves libc's
 * malloc from one fixed static arena (no growth beyond it) and reports the
 * peak it reached.
 */
#ifndef IOTL_MBEDTLS_CONFIG_H
#define IOTL_MBEDTLS_CONFIG_H

/* System support: a bare-metal target with no OS entropy, clock or files. */
#define MBEDTLS_HAVE_ASM /* Thumb-2 UMAAL multiply-accumulate in bignum */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED

/* What iotlife needs. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER /* rolled loop: about 1 KiB less code */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM /* fast P-256 reduction */
#define MBEDTLS_ECP_NO_INTERNAL_RNG /* verify only: public inputs need no blinding */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C /* required by MBEDTLS_ECDSA_C */
#define MBEDTLS_ASN1_WRITE_C /* required by MBEDTLS_ECDSA_C */

/* RAM over speed: a small comb window and no fixed-point table cache. */
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_MPI_WINDOW_SIZE 1
#define MBEDTLS_MPI_MAX_SIZE 64

#include "mbedtls/check_config.h"

#endif
