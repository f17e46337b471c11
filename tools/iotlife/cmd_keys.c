/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife keygen / kid / sign / verify: P-256 PEM keys and compact JWS ES256. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_trust.h"
#include "iotlife/base64url.h"
#include "iotlife/jws.h"
#include "iotlife/port/mbedtls_host.h"

static int load_key(const char *path, iotl_host_key_t **key)
{
    int ret = iotl_host_key_read(path, key);
    if (ret != 0) {
        return cli_fail_code(path, ret);
    }
    return 0;
}

int cmd_keygen(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: iotlife keygen PRIVATE.pem PUBLIC.pem\n");
        return 2;
    }
    iotl_host_key_t *key = NULL;
    int ret = iotl_host_key_generate(&key);
    if (ret != 0) {
        return cli_fail_code("keygen", ret);
    }
    uint8_t pub[IOTL_P256_PUBKEY_LEN];
    char kid[IOTL_JWS_KID_LEN + 1];
    ret = iotl_host_key_write_private(key, argv[1]);
    if (ret == 0) {
        ret = iotl_host_key_write_public(key, argv[2]);
    }
    if (ret == 0) {
        ret = iotl_host_key_public(key, pub);
    }
    if (ret == 0) {
        ret = iotl_jwk_kid(cli_crypto(), pub, kid);
    }
    iotl_host_key_free(key);
    if (ret != 0) {
        return cli_fail_code("keygen", ret);
    }
    printf("%s\n", kid);
    return 0;
}

int cmd_kid(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: iotlife kid KEY.pem\n");
        return 2;
    }
    iotl_host_key_t *key = NULL;
    if (load_key(argv[1], &key) != 0) {
        return 1;
    }
    uint8_t pub[IOTL_P256_PUBKEY_LEN];
    char kid[IOTL_JWS_KID_LEN + 1];
    int ret = iotl_host_key_public(key, pub);
    if (ret == 0) {
        ret = iotl_jwk_kid(cli_crypto(), pub, kid);
    }
    iotl_host_key_free(key);
    if (ret != 0) {
        return cli_fail_code(argv[1], ret);
    }
    printf("%s\n", kid);
    return 0;
}

int cmd_sign(int argc, char **argv)
{
    const char *key_path = NULL;
    const char *out = NULL;
    const char *in = NULL;
    const char *typ = NULL;
    for (int i = 1; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "--key", &key_path)) != 0 ||
            (r = cli_opt(argc, argv, &i, "-o", &out)) != 0 || (r = cli_opt(argc, argv, &i, "--typ", &typ)) != 0) {
            if (r < 0) {
                return 2;
            }
        } else if (in == NULL && argv[i][0] != '-') {
            in = argv[i];
        } else {
            fprintf(stderr, "iotlife sign: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (key_path == NULL || in == NULL) {
        fprintf(stderr, "usage: iotlife sign --key PRIVATE.pem IN [-o OUT.jws] [--typ TYP]\n");
        return 2;
    }
    iotl_host_key_t *key = NULL;
    if (load_key(key_path, &key) != 0) {
        return 1;
    }
    size_t len = 0;
    char *payload = cli_read_file(in, &len);
    if (payload == NULL) {
        iotl_host_key_free(key);
        return 1;
    }
    size_t cap = IOTL_B64URL_ENC_LEN(len) + 512;
    char *jws = malloc(cap);
    size_t jlen = 0;
    int ret = jws ? iotl_host_jws_sign(key, cli_crypto(), typ, payload, len, jws, cap, &jlen) : IOTL_ERR_NO_MEM;
    iotl_host_key_free(key);
    free(payload);
    if (ret != 0) {
        free(jws);
        return cli_fail_code("sign", ret);
    }
    /* The exact compact serialization: no trailing newline (its bytes are hashed). */
    int rc = cli_write_file(out, jws, jlen);
    free(jws);
    return rc;
}

/* Trailing whitespace a text editor or shell may add; the JWS itself has none. */
static size_t trim_len(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    return len;
}

int cmd_verify(int argc, char **argv)
{
    const char *key_path = NULL;
    const char *in = NULL;
    for (int i = 1; i < argc; i++) {
        int r = cli_opt(argc, argv, &i, "--key", &key_path);
        if (r < 0) {
            return 2;
        }
        if (r == 0) {
            if (in == NULL && argv[i][0] != '-') {
                in = argv[i];
            } else {
                fprintf(stderr, "iotlife verify: unexpected argument '%s'\n", argv[i]);
                return 2;
            }
        }
    }
    if (key_path == NULL || in == NULL) {
        fprintf(stderr, "usage: iotlife verify --key PUBLIC.pem IN.jws\n");
        return 2;
    }
    iotl_host_key_t *key = NULL;
    if (load_key(key_path, &key) != 0) {
        return 1;
    }
    uint8_t pub[IOTL_P256_PUBKEY_LEN];
    int ret = iotl_host_key_public(key, pub);
    iotl_host_key_free(key);
    if (ret != 0) {
        return cli_fail_code(key_path, ret);
    }
    size_t len = 0;
    char *text = cli_read_file(in, &len);
    if (text == NULL) {
        return 1;
    }
    len = trim_len(text, len);
    size_t cap = IOTL_B64URL_DEC_MAX(len);
    uint8_t *payload = malloc(cap + 1);
    size_t plen = 0;
    ret = payload ? iotl_jws_verify_compact(cli_crypto(), pub, text, len, payload, cap, &plen) : IOTL_ERR_NO_MEM;
    free(text);
    if (ret != 0) {
        free(payload);
        return cli_fail_code(in, ret);
    }
    fwrite(payload, 1, plen, stdout);
    free(payload);
    return 0;
}
