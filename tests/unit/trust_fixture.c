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

void fx_jwk_members(const struct fx_key *key, char *out, size_t cap)
{
    char x[44];
    char y[44];
    iotl_b64url_encode(key->pub + 1, 32, x, sizeof(x), NULL);
    iotl_b64url_encode(key->pub + 33, 32, y, sizeof(y), NULL);
    snprintf(out, cap, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x, y);
}

size_t fx_keyring_doc(char *out, size_t cap, uint32_t version, uint32_t threshold, int64_t issued_at,
                      int64_t expires, const struct fx_ring_key *keys, size_t nkeys, const char *const *revoked,
                      size_t nrevoked, const struct fx_key *const *signers, size_t nsigners)
{
    static char payload[16384];
    size_t o = 0;
    o += (size_t)snprintf(payload + o, sizeof(payload) - o,
                          "{\"type\":\"iotlife-keyring\",\"v\":1,\"version\":%u,\"threshold\":%u,"
                          "\"issued_at\":%lld,\"expires\":%lld,\"keys\":[",
                          version, threshold, (long long)issued_at, (long long)expires);
    for (size_t i = 0; i < nkeys; i++) {
        char jwk[300];
        fx_jwk_members(keys[i].key, jwk, sizeof(jwk));
        o += (size_t)snprintf(payload + o, sizeof(payload) - o,
                              "%s{%s,\"kid\":\"%s\",\"role\":\"%s\",\"not_before\":%lld,\"not_after\":%lld}",
                              i ? "," : "", jwk, keys[i].key->kid, keys[i].role,
                              (long long)keys[i].not_before, (long long)keys[i].not_after);
    }
    o += (size_t)snprintf(payload + o, sizeof(payload) - o, "],\"revoked\":[");
    for (size_t i = 0; i < nrevoked; i++) {
        o += (size_t)snprintf(payload + o, sizeof(payload) - o, "%s\"%s\"", i ? "," : "", revoked[i]);
    }
    o += (size_t)snprintf(payload + o, sizeof(payload) - o, "]}");
    ck_assert_uint_lt(o, sizeof(payload));

    size_t w = 0;
    size_t n;
    w += (size_t)snprintf(out + w, cap - w, "{\"payload\":\"");
    ck_assert_int_eq(iotl_b64url_encode(payload, o, out + w, cap - w, &n), 0);
    size_t pay_off = w;
    size_t pay_len = n;
    w += n;
    w += (size_t)snprintf(out + w, cap - w, "\",\"signatures\":[");
    for (size_t i = 0; i < nsigners; i++) {
        char hdr[128];
        char hdr_b64[200];
        snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", signers[i]->kid);
        iotl_b64url_encode(hdr, strlen(hdr), hdr_b64, sizeof(hdr_b64), NULL);
        static char input[24000];
        int in_len = snprintf(input, sizeof(input), "%s.%.*s", hdr_b64, (int)pay_len, out + pay_off);
        char sig[87];
        ck_assert_int_eq(iotl_host_sign_input(signers[i]->k, fx_crypto(), input, (size_t)in_len, sig), 0);
        w += (size_t)snprintf(out + w, cap - w, "%s{\"protected\":\"%s\",\"signature\":\"%s\"}", i ? "," : "",
                              hdr_b64, sig);
    }
    w += (size_t)snprintf(out + w, cap - w, "]}");
    ck_assert_uint_lt(w, cap);
    return w;
}
