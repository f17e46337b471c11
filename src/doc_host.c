/* SPDX-License-Identifier: Apache-2.0 */
/* Host conveniences of the document modules: one-call JWS verification,
 * role names for printing, payload lookup by component. A device does not
 * need them; builds for a device (CMake: IOTLIFE_HOST_HELPERS=OFF, the
 * default when cross-compiling) leave this file out, so they are not in the
 * update path's footprint. */
#include <string.h>

#include "iotl_priv.h"
#include "iotlife/jws.h"
#include "iotlife/keyring.h"
#include "iotlife/manifest.h"

int iotl_jws_verify_compact(const struct iotl_crypto *crypto, const uint8_t pubkey[IOTL_P256_PUBKEY_LEN],
                            const char *compact, size_t len, uint8_t *payload, size_t cap,
                            size_t *payload_len)
{
    struct iotl_jws jws;
    IOTL_ASSERT(payload_len != NULL);
    *payload_len = 0;
    int ret = iotl_jws_parse(&jws, compact, len);
    if (ret != IOTL_OK) {
        return ret;
    }
    return iotl_jws_verify(&jws, crypto, pubkey, payload, cap, payload_len);
}

const char *iotl_key_role_name(enum iotl_key_role role)
{
    static const char *const names[] = {"none", "root", "publisher", "operator"};
    return (unsigned)role < IOTL_ARRAY_LEN(names) ? names[role] : names[0];
}

const struct iotl_payload *iotl_manifest_find_component(const struct iotl_manifest *m, const char *component)
{
    for (size_t i = 0; i < m->payload_count; i++) {
        if (strcmp(m->payloads[i].component, component) == 0) {
            return &m->payloads[i];
        }
    }
    return NULL;
}
