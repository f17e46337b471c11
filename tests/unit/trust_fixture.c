/* SPDX-License-Identifier: Apache-2.0 */
#include "trust_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlife/base64url.h"

const struct iotl_crypto *fx_crypto(void)
{
    static struct iotl_crypto c;
    if (c.ops == NULL) {
        iotl_mbedtls_crypto_init(&c);
    }
    return &c;
}

void fx_key_new(struct fx_key *key)
{
    ck_assert_int_eq(iotl_host_key_generate(&key->k), 0);
    ck_assert_int_eq(iotl_host_key_public(key->k, key->pub), 0);
    ck_assert_int_eq(iotl_jwk_kid(fx_crypto(), key->pub, key->kid), 0);
}

void fx_key_free(struct fx_key *key)
{
    iotl_host_key_free(key->k);
    key->k = NULL;
}

size_t fx_sign(const struct fx_key *key, const char *header, const char *payload, char *out, size_t cap)
{
    char hdr[600];
    if (header == NULL) {
        snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", key->kid);
        header = hdr;
    }
    size_t o = 0;
    size_t n;
    ck_assert_int_eq(iotl_b64url_encode(header, strlen(header), out, cap, &n), 0);
    o += n;
    out[o++] = '.';
    ck_assert_int_eq(iotl_b64url_encode(payload, strlen(payload), out + o, cap - o, &n), 0);
    o += n;
    char sig[87];
    ck_assert_int_eq(iotl_host_sign_input(key->k, fx_crypto(), out, o, sig), 0);
    ck_assert_uint_ge(cap, o + 88);
    out[o++] = '.';
    memcpy(out + o, sig, 87);
    return o + 86;
}

char *fx_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}
