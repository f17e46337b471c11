/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto port on Mbed TLS. Version differences (2.28 *_ret names, 3.x
 * private fields) stay in this file. */
#include "iotlife/port/mbedtls.h"

#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SHA256_STARTS(c) mbedtls_sha256_starts((c), 0)
#define SHA256_UPDATE(c, d, l) mbedtls_sha256_update((c), (d), (l))
#define SHA256_FINISH(c, o) mbedtls_sha256_finish((c), (o))
#else
#define SHA256_STARTS(c) mbedtls_sha256_starts_ret((c), 0)
#define SHA256_UPDATE(c, d, l) mbedtls_sha256_update_ret((c), (d), (l))
#define SHA256_FINISH(c, o) mbedtls_sha256_finish_ret((c), (o))
#endif

/* The core reserves IOTL_SHA256_STATE_SIZE bytes per hash; refuse to build if
 * this Mbed TLS needs more. */
typedef char sha256_state_fits[(sizeof(mbedtls_sha256_context) <= IOTL_SHA256_STATE_SIZE) ? 1 : -1];

static mbedtls_sha256_context *sha_ctx(iotl_sha256_state_t *st)
{
    return (mbedtls_sha256_context *)(void *)st->opaque.bytes;
}

static int sha256_start(void *ctx, iotl_sha256_state_t *st)
{
    (void)ctx;
    mbedtls_sha256_init(sha_ctx(st));
    return SHA256_STARTS(sha_ctx(st)) == 0 ? IOTL_OK : IOTL_ERR_PORT(1);
}

static int sha256_update(void *ctx, iotl_sha256_state_t *st, const void *data, size_t len)
{
    (void)ctx;
    if (len == 0) {
        return IOTL_OK;
    }
    return SHA256_UPDATE(sha_ctx(st), (const unsigned char *)data, len) == 0 ? IOTL_OK
                                                                            : IOTL_ERR_PORT(1);
}

static int sha256_finish(void *ctx, iotl_sha256_state_t *st, uint8_t digest[IOTL_SHA256_LEN])
{
    (void)ctx;
    int ret = SHA256_FINISH(sha_ctx(st), digest) == 0 ? IOTL_OK : IOTL_ERR_PORT(1);
    mbedtls_sha256_free(sha_ctx(st));
    return ret;
}

static int p256_verify(void *ctx, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                       const uint8_t digest[IOTL_SHA256_LEN], const uint8_t sig[IOTL_P256_SIG_LEN])
{
    (void)ctx;
    int ret = IOTL_ERR_INTEGRITY; /* fail closed: only the verify success path sets 0 */
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r;
    mbedtls_mpi s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);

    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0) {
        ret = IOTL_ERR_PORT(2);
        goto exit;
    }
    if (pubkey[0] != 0x04 ||
        mbedtls_ecp_point_read_binary(&grp, &q, pubkey, IOTL_P256_PUBKEY_LEN) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
        ret = IOTL_ERR_KEY_FORMAT;
        goto exit;
    }
    if (mbedtls_mpi_read_binary(&r, sig, 32) != 0 || mbedtls_mpi_read_binary(&s, sig + 32, 32) != 0) {
        ret = IOTL_ERR_PORT(3);
        goto exit;
    }
    int vret = mbedtls_ecdsa_verify(&grp, digest, IOTL_SHA256_LEN, &q, &r, &s);
    if (vret == 0) {
        ret = IOTL_OK;
    } else {
        ret = IOTL_ERR_SIGNATURE;
    }

exit:
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return ret;
}

const struct iotl_crypto_ops iotl_mbedtls_crypto_ops = {
    .sha256_start = sha256_start,
    .sha256_update = sha256_update,
    .sha256_finish = sha256_finish,
    .p256_verify = p256_verify,
};

int iotl_mbedtls_crypto_init(struct iotl_crypto *out)
{
    out->ops = &iotl_mbedtls_crypto_ops;
    out->ctx = NULL;
    return IOTL_OK;
}
