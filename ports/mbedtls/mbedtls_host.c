/* SPDX-License-Identifier: Apache-2.0 */
/* Host side of the Mbed TLS port: P-256 keys, PEM files, ES256 signing.
 * Every difference between Mbed TLS 2.28 and 3.x stays in this file (the
 * RNG arguments of mbedtls_pk_parse_key, private struct members). */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "iotlife/port/mbedtls_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#define HOST_HAVE_POSIX_OPEN 1
#else
#define HOST_HAVE_POSIX_OPEN 0
#endif

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/version.h>

#include "iotlife/base64url.h"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define HOST_PRIV(m) MBEDTLS_PRIVATE(m)
#define HOST_PARSE_KEY(pk, buf, len, rng, prng) mbedtls_pk_parse_key((pk), (buf), (len), NULL, 0, (rng), (prng))
#else
#define HOST_PRIV(m) m
#define HOST_PARSE_KEY(pk, buf, len, rng, prng) ((void)(rng), (void)(prng), mbedtls_pk_parse_key((pk), (buf), (len), NULL, 0))
#endif

/* Largest key file we read: a PEM P-256 key is ~250 bytes. */
#define HOST_KEY_FILE_MAX 16384

struct iotl_host_key {
    mbedtls_pk_context pk;
    int has_private;
};

/* A per-call DRBG: host tools sign a handful of documents, so simplicity
 * beats reuse. */
struct host_rng {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
};

static int rng_init(struct host_rng *r)
{
    static const char pers[] = "iotlife-host";
    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    if (mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy, (const unsigned char *)pers,
                              sizeof(pers) - 1) != 0) {
        return IOTL_ERR_PORT(10);
    }
    return IOTL_OK;
}

static void rng_free(struct host_rng *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
}

static mbedtls_ecp_keypair *key_ec(const iotl_host_key_t *key)
{
    return mbedtls_pk_ec(key->pk);
}

/* The key must be an EC key on P-256. */
static int check_p256(const iotl_host_key_t *key)
{
    if (mbedtls_pk_get_type(&key->pk) != MBEDTLS_PK_ECKEY) {
        return IOTL_ERR_KEY_FORMAT;
    }
    const mbedtls_ecp_keypair *ec = key_ec(key);
    if (ec == NULL || ec->HOST_PRIV(grp).id != MBEDTLS_ECP_DP_SECP256R1) {
        return IOTL_ERR_KEY_FORMAT;
    }
    return IOTL_OK;
}

static iotl_host_key_t *key_new(void)
{
    iotl_host_key_t *k = calloc(1, sizeof(*k));
    if (k != NULL) {
        mbedtls_pk_init(&k->pk);
    }
    return k;
}

void iotl_host_key_free(iotl_host_key_t *key)
{
    if (key != NULL) {
        mbedtls_pk_free(&key->pk);
        mbedtls_platform_zeroize(key, sizeof(*key));
        free(key);
    }
}

int iotl_host_key_generate(iotl_host_key_t **out)
{
    *out = NULL;
    iotl_host_key_t *k = key_new();
    if (k == NULL) {
        return IOTL_ERR_NO_MEM;
    }
    struct host_rng rng;
    int ret = rng_init(&rng);
    if (ret != IOTL_OK) {
        goto exit;
    }
    if (mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0) {
        ret = IOTL_ERR_NO_MEM;
        goto exit;
    }
    if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, key_ec(k), mbedtls_ctr_drbg_random, &rng.drbg) != 0) {
        ret = IOTL_ERR_PORT(11);
        goto exit;
    }
    k->has_private = 1;
    *out = k;
    k = NULL;
    ret = IOTL_OK;
exit:
    rng_free(&rng);
    iotl_host_key_free(k);
    return ret;
}

int iotl_host_key_parse(const uint8_t *data, size_t len, iotl_host_key_t **out)
{
    *out = NULL;
    iotl_host_key_t *k = key_new();
    if (k == NULL) {
        return IOTL_ERR_NO_MEM;
    }
    struct host_rng rng;
    int ret = rng_init(&rng);
    if (ret != IOTL_OK) {
        goto exit;
    }
    if (HOST_PARSE_KEY(&k->pk, data, len, mbedtls_ctr_drbg_random, &rng.drbg) == 0) {
        k->has_private = 1;
    } else {
        mbedtls_pk_free(&k->pk);
        mbedtls_pk_init(&k->pk);
        if (mbedtls_pk_parse_public_key(&k->pk, data, len) != 0) {
            ret = IOTL_ERR_KEY_FORMAT;
            goto exit;
        }
    }
    ret = check_p256(k);
    if (ret != IOTL_OK) {
        goto exit;
    }
    *out = k;
    k = NULL;
exit:
    rng_free(&rng);
    iotl_host_key_free(k);
    return ret;
}

int iotl_host_key_read(const char *path, iotl_host_key_t **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return IOTL_ERR_IO;
    }
    uint8_t *buf = malloc(HOST_KEY_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        return IOTL_ERR_NO_MEM;
    }
    size_t n = fread(buf, 1, HOST_KEY_FILE_MAX + 1, f);
    int err = ferror(f);
    fclose(f);
    int ret;
    if (err != 0) {
        ret = IOTL_ERR_IO;
    } else if (n > HOST_KEY_FILE_MAX || n == 0) {
        ret = IOTL_ERR_KEY_FORMAT;
    } else {
        size_t len = n;
        if (memchr(buf, '\0', n) == NULL && n >= 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
            buf[n] = '\0'; /* PEM: Mbed TLS wants the terminator counted */
            len = n + 1;
        }
        ret = iotl_host_key_parse(buf, len, out);
    }
    mbedtls_platform_zeroize(buf, HOST_KEY_FILE_MAX + 1);
    free(buf);
    return ret;
}

int iotl_host_key_has_private(const iotl_host_key_t *key)
{
    return key != NULL && key->has_private;
}

static int write_file(const char *path, const unsigned char *data, size_t len, int secret)
{
    FILE *f = NULL;
#if HOST_HAVE_POSIX_OPEN
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
    if (fd >= 0) {
        f = fdopen(fd, "wb");
        if (f == NULL) {
            close(fd);
        }
    }
#else
    (void)secret;
    f = fopen(path, "wb");
#endif
    if (f == NULL) {
        return IOTL_ERR_IO;
    }
    size_t w = fwrite(data, 1, len, f);
    int cerr = fclose(f);
    return (w == len && cerr == 0) ? IOTL_OK : IOTL_ERR_IO;
}

int iotl_host_key_write_private(const iotl_host_key_t *key, const char *path)
{
    if (!iotl_host_key_has_private(key)) {
        return IOTL_ERR_KEY_FORMAT;
    }
    unsigned char buf[1024];
    int ret = IOTL_ERR_PORT(12);
    if (mbedtls_pk_write_key_pem((mbedtls_pk_context *)(uintptr_t)&key->pk, buf, sizeof(buf)) == 0) {
        ret = write_file(path, buf, strlen((const char *)buf), 1);
    }
    mbedtls_platform_zeroize(buf, sizeof(buf));
    return ret;
}

int iotl_host_key_write_public(const iotl_host_key_t *key, const char *path)
{
    unsigned char buf[1024];
    if (mbedtls_pk_write_pubkey_pem((mbedtls_pk_context *)(uintptr_t)&key->pk, buf, sizeof(buf)) != 0) {
        return IOTL_ERR_PORT(13);
    }
    return write_file(path, buf, strlen((const char *)buf), 0);
}

int iotl_host_key_public(const iotl_host_key_t *key, uint8_t pub[IOTL_P256_PUBKEY_LEN])
{
    const mbedtls_ecp_keypair *ec = key_ec(key);
    size_t olen = 0;
    if (mbedtls_ecp_point_write_binary(&ec->HOST_PRIV(grp), &ec->HOST_PRIV(Q), MBEDTLS_ECP_PF_UNCOMPRESSED,
                                       &olen, pub, IOTL_P256_PUBKEY_LEN) != 0 ||
        olen != IOTL_P256_PUBKEY_LEN) {
        return IOTL_ERR_PORT(14);
    }
    return IOTL_OK;
}

int iotl_host_sign_digest(const iotl_host_key_t *key, const uint8_t digest[IOTL_SHA256_LEN],
                          uint8_t sig[IOTL_P256_SIG_LEN])
{
    if (!iotl_host_key_has_private(key)) {
        return IOTL_ERR_KEY_FORMAT;
    }
    mbedtls_ecp_keypair *ec = key_ec(key);
    mbedtls_mpi r;
    mbedtls_mpi s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    struct host_rng rng;
    int ret = rng_init(&rng);
    if (ret != IOTL_OK) {
        goto exit;
    }
    ret = IOTL_ERR_PORT(15);
    if (mbedtls_ecdsa_sign(&ec->HOST_PRIV(grp), &r, &s, &ec->HOST_PRIV(d), digest, IOTL_SHA256_LEN,
                           mbedtls_ctr_drbg_random, &rng.drbg) != 0) {
        goto exit;
    }
    if (mbedtls_mpi_write_binary(&r, sig, 32) != 0 || mbedtls_mpi_write_binary(&s, sig + 32, 32) != 0) {
        goto exit;
    }
    ret = IOTL_OK;
exit:
    rng_free(&rng);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return ret;
}

int iotl_host_sign_input(const iotl_host_key_t *key, const struct iotl_crypto *crypto, const char *input,
                         size_t len, char sig_b64[87])
{
    uint8_t digest[IOTL_SHA256_LEN];
    uint8_t sig[IOTL_P256_SIG_LEN];
    int ret = iotl_sha256(crypto, input, len, digest);
    if (ret == IOTL_OK) {
        ret = iotl_host_sign_digest(key, digest, sig);
    }
    if (ret == IOTL_OK) {
        ret = iotl_b64url_encode(sig, sizeof(sig), sig_b64, 87, NULL);
    }
    return ret;
}

int iotl_host_jws_sign(const iotl_host_key_t *key, const struct iotl_crypto *crypto, const char *typ,
                       const void *payload, size_t len, char *out, size_t cap, size_t *out_len)
{
    uint8_t pub[IOTL_P256_PUBKEY_LEN];
    char kid[IOTL_JWS_KID_LEN + 1];
    char header[160];
    int ret = iotl_host_key_public(key, pub);
    if (ret == IOTL_OK) {
        ret = iotl_jwk_kid(crypto, pub, kid);
    }
    if (ret != IOTL_OK) {
        return ret;
    }
    int hn;
    if (typ != NULL) {
        hn = snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"%s\"}", kid, typ);
    } else {
        hn = snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", kid);
    }
    if (hn < 0 || (size_t)hn >= sizeof(header)) {
        return IOTL_ERR_INVALID_ARG;
    }
    size_t need = IOTL_B64URL_ENC_LEN((size_t)hn) + 1 + IOTL_B64URL_ENC_LEN(len) + 1 + 86 + 1;
    if (cap < need) {
        return IOTL_ERR_NO_MEM;
    }
    size_t o = 0;
    size_t n;
    (void)iotl_b64url_encode(header, (size_t)hn, out, cap, &n);
    o += n;
    out[o++] = '.';
    (void)iotl_b64url_encode(payload, len, out + o, cap - o, &n);
    o += n;
    char sig_b64[87];
    ret = iotl_host_sign_input(key, crypto, out, o, sig_b64);
    if (ret != IOTL_OK) {
        out[0] = '\0';
        return ret;
    }
    out[o++] = '.';
    memcpy(out + o, sig_b64, 86);
    o += 86;
    out[o] = '\0';
    if (out_len != NULL) {
        *out_len = o;
    }
    return IOTL_OK;
}
