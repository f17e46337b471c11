/* SPDX-License-Identifier: Apache-2.0 */
/* Host-only crypto port for the CLI: SHA-256 from OpenSSL's libcrypto (which
 * uses the CPU's SHA extensions where present, several times faster than a
 * portable C implementation), P-256 verification from the Mbed TLS port.
 * Same contract as any crypto port; devices use their own.
 * The one-context SHA256_* API is used on purpose: it needs no provider
 * loading (EVP would add milliseconds to every short CLI run). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "host_crypto.h"

#include <openssl/sha.h>
#include <string.h>

#include "iotlife/port/mbedtls.h"

typedef char sha_ctx_fits[(sizeof(SHA256_CTX) <= IOTL_SHA256_STATE_SIZE) ? 1 : -1];

static SHA256_CTX *ctx_of(iotl_sha256_state_t *st)
{
    return (SHA256_CTX *)(void *)st->opaque.bytes;
}

static int h_start(void *ctx, iotl_sha256_state_t *st)
{
    (void)ctx;
    return SHA256_Init(ctx_of(st)) == 1 ? IOTL_OK : IOTL_ERR_PORT(1);
}

static int h_update(void *ctx, iotl_sha256_state_t *st, const void *data, size_t len)
{
    (void)ctx;
    return len == 0 || SHA256_Update(ctx_of(st), data, len) == 1 ? IOTL_OK : IOTL_ERR_PORT(1);
}

static int h_finish(void *ctx, iotl_sha256_state_t *st, uint8_t digest[IOTL_SHA256_LEN])
{
    (void)ctx;
    int ok = SHA256_Final(digest, ctx_of(st)) == 1;
    memset(st, 0, sizeof(*st));
    return ok ? IOTL_OK : IOTL_ERR_PORT(1);
}

static int h_verify(void *ctx, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN], const uint8_t digest[IOTL_SHA256_LEN],
                    const uint8_t sig[IOTL_P256_SIG_LEN])
{
    (void)ctx;
    return iotl_mbedtls_crypto_ops.p256_verify(NULL, pubkey, digest, sig);
}

static const struct iotl_crypto_ops host_ops = {h_start, h_update, h_finish, h_verify};

int iotl_host_crypto_init(struct iotl_crypto *out)
{
    out->ops = &host_ops;
    out->ctx = NULL;
    return IOTL_OK;
}
