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

struct fx_ring_key {
    const struct fx_key *key;
    const char *role;
    int64_t not_before;
    int64_t not_after;
};
/* Builds a key ring document (JWS JSON General Serialization) signed by each
 * of signers. extra_payload_json (may be NULL) is appended inside the payload
 * object. Returns its length. */
size_t fx_keyring_doc(char *out, size_t cap, uint32_t version, uint32_t threshold, int64_t issued_at,
                      int64_t expires, const struct fx_ring_key *keys, size_t nkeys, const char *const *revoked,
                      size_t nrevoked, const struct fx_key *const *signers, size_t nsigners);
/* JWK members "kty","crv","x","y" of a key, written into out. */
void fx_jwk_members(const struct fx_key *key, char *out, size_t cap);
