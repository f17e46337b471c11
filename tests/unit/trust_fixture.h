/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers shared by the trust suites: fresh keys, JWS with any header. */
#ifndef TRUST_FIXTURE_H
#define TRUST_FIXTURE_H
#include <stddef.h>
#include <stdint.h>

#include "iotlife/jws.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/mbedtls_host.h"

struct fx_key {
    iotl_host_key_t *k;
    uint8_t pub[IOTL_P256_PUBKEY_LEN];
    char kid[IOTL_JWS_KID_LEN + 1];
};

const struct iotl_crypto *fx_crypto(void);
void fx_key_new(struct fx_key *key);
void fx_key_free(struct fx_key *key);
/* Compact JWS over payload with the given header JSON (NULL: the standard
 * {"alg":"ES256","kid":<key's kid>}). Returns the length; out is NUL-terminated. */
size_t fx_sign(const struct fx_key *key, const char *header, const char *payload, char *out, size_t cap);
/* Reads a whole file into a malloc'd NUL-terminated buffer. */
char *fx_read_file(const char *path, size_t *len);
#endif
