/* SPDX-License-Identifier: Apache-2.0 */
/* Conveniences over the crypto port. */
#include "iotl_priv.h"
#include "iotlife/port/crypto.h"

int iotl_sha256(const struct iotl_crypto *c, const void *data, size_t len,
                uint8_t digest[IOTL_SHA256_LEN])
{
    IOTL_ASSERT(c != NULL && c->ops != NULL && digest != NULL);
    iotl_sha256_state_t st;
    int ret = c->ops->sha256_start(c->ctx, &st);
    if (ret == IOTL_OK && len > 0) {
        ret = c->ops->sha256_update(c->ctx, &st, data, len);
    }
    if (ret == IOTL_OK) {
        ret = c->ops->sha256_finish(c->ctx, &st, digest);
    } else {
        /* Release backend resources even on failure. */
        uint8_t scratch[IOTL_SHA256_LEN];
        (void)c->ops->sha256_finish(c->ctx, &st, scratch);
    }
    iotl_zeroize(&st, sizeof(st));
    return ret;
}
