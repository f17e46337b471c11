/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife keyring create: a root-signed key ring (JWS JSON General Serialization). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_trust.h"
#include "iotlife/base64url.h"
#include "iotlife/jws.h"
#include "iotlife/keyring.h"
#include "iotlife/port/mbedtls_host.h"

#define MAX_ARGS 64

static const char usage_text[] =
    "usage: iotlife keyring create --version N --expires TIME [--threshold N] [--issued-at TIME]\n"
    "         --key ROLE:KEY.pem[@NOT_BEFORE..NOT_AFTER] ...  [--revoke KID|KEY.pem ...]\n"
    "         --sign ROOT_PRIVATE.pem ... -o RING.json\n";

/* Appends one key entry (a JWK with role and validity). */
static int add_key(struct cli_buf *b, const char *spec, int first)
{
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", spec);
    char *colon = strchr(tmp, ':');
    if (colon == NULL) {
        return cli_fail(spec, "expected ROLE:KEY.pem");
    }
    *colon = '\0';
    const char *role = tmp;
    char *path = colon + 1;
    int64_t nbf = 0;
    int64_t naf = 0;
    char *at = strchr(path, '@');
    if (at != NULL) {
        *at = '\0';
        char *range = at + 1;
        char *dots = strstr(range, "..");
        if (dots == NULL) {
            return cli_fail(spec, "validity must be NOT_BEFORE..NOT_AFTER (either may be empty)");
        }
        *dots = '\0';
        if ((range[0] != '\0' && cli_parse_time(range, &nbf) != 0) ||
            (dots[2] != '\0' && cli_parse_time(dots + 2, &naf) != 0)) {
            return cli_fail(spec, "bad time");
        }
    }
    if (strcmp(role, "root") != 0 && strcmp(role, "publisher") != 0 && strcmp(role, "operator") != 0) {
        return cli_fail(spec, "role must be root, publisher or operator");
    }
    iotl_host_key_t *key = NULL;
    int ret = iotl_host_key_read(path, &key);
    if (ret != 0) {
        return cli_fail_code(path, ret);
    }
    uint8_t pub[IOTL_P256_PUBKEY_LEN];
    char kid[IOTL_JWS_KID_LEN + 1];
    char x[44];
    char y[44];
    ret = iotl_host_key_public(key, pub);
    iotl_host_key_free(key);
    if (ret == 0) {
        ret = iotl_jwk_kid(cli_crypto(), pub, kid);
    }
    if (ret != 0) {
        return cli_fail_code(path, ret);
    }
    iotl_b64url_encode(pub + 1, 32, x, sizeof(x), NULL);
    iotl_b64url_encode(pub + 33, 32, y, sizeof(y), NULL);
    cli_buf_printf(b,
                   "%s\n    {\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"kid\":\"%s\",\"role\":\"%s\","
                   "\"not_before\":%lld,\"not_after\":%lld}",
                   first ? "" : ",", x, y, kid, role, (long long)nbf, (long long)naf);
    return 0;
}

/* A kid given directly, or the kid of a key file. */
static int revoke_kid(const char *spec, char kid[IOTL_JWS_KID_LEN + 1])
{
    if (strlen(spec) == IOTL_JWS_KID_LEN && strchr(spec, '.') == NULL && strchr(spec, '/') == NULL) {
        memcpy(kid, spec, IOTL_JWS_KID_LEN + 1);
        return 0;
    }
    iotl_host_key_t *key = NULL;
    int ret = iotl_host_key_read(spec, &key);
    uint8_t pub[IOTL_P256_PUBKEY_LEN];
    if (ret == 0) {
        ret = iotl_host_key_public(key, pub);
        iotl_host_key_free(key);
    }
    if (ret == 0) {
        ret = iotl_jwk_kid(cli_crypto(), pub, kid);
    }
    return ret != 0 ? cli_fail_code(spec, ret) : 0;
}

static int keyring_create(int argc, char **argv)
{
    const char *keys[MAX_ARGS];
    const char *revokes[MAX_ARGS];
    const char *signers[MAX_ARGS];
    size_t nkeys = 0, nrev = 0, nsig = 0;
    const char *version = NULL, *threshold = "1", *expires = NULL, *issued = "now", *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--key", &v)) == 1) {
            if (nkeys == MAX_ARGS) {
                return cli_fail("--key", "given more times than this tool supports");
            }
            keys[nkeys++] = v;
        } else if (r == 0 && (r = cli_opt(argc, argv, &i, "--revoke", &v)) == 1) {
            if (nrev == MAX_ARGS) {
                return cli_fail("--revoke", "given more times than this tool supports");
            }
            revokes[nrev++] = v;
        } else if (r == 0 && (r = cli_opt(argc, argv, &i, "--sign", &v)) == 1) {
            if (nsig == MAX_ARGS) {
                return cli_fail("--sign", "given more times than this tool supports");
            }
            signers[nsig++] = v;
        } else if (r == 0 && ((r = cli_opt(argc, argv, &i, "--version", &version)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--threshold", &threshold)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--expires", &expires)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--issued-at", &issued)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "-o", &out)) != 0)) {
            /* stored */
        } else if (r == 0) {
            fprintf(stderr, "iotlife keyring create: unexpected argument '%s'\n%s", argv[i], usage_text);
            return 2;
        }
        if (r < 0) {
            return 2;
        }
    }
    uint32_t ver, thr;
    int64_t exp, iat;
    if (version == NULL || expires == NULL || nkeys == 0 || nsig == 0 || out == NULL) {
        fprintf(stderr, "%s", usage_text);
        return 2;
    }
    if (cli_parse_u32(version, &ver) != 0 || ver == 0) {
        return cli_fail("--version", "must be a positive integer");
    }
    if (cli_parse_u32(threshold, &thr) != 0 || thr == 0) {
        return cli_fail("--threshold", "must be a positive integer");
    }
    if (cli_parse_time(expires, &exp) != 0 || cli_parse_time(issued, &iat) != 0) {
        return cli_fail("time", "expected Unix seconds, YYYY-MM-DDTHH:MM:SSZ, now or +Nd/+Nh");
    }
    struct cli_buf pay = {0};
    cli_buf_printf(&pay,
                   "{\n  \"type\": \"iotlife-keyring\",\n  \"v\": 1,\n  \"version\": %u,\n  \"threshold\": %u,\n"
                   "  \"issued_at\": %lld,\n  \"expires\": %lld,\n  \"keys\": [",
                   ver, thr, (long long)iat, (long long)exp);
    int rc = 0;
    for (size_t i = 0; i < nkeys && rc == 0; i++) {
        rc = add_key(&pay, keys[i], i == 0);
    }
    cli_buf_printf(&pay, "\n  ],\n  \"revoked\": [");
    for (size_t i = 0; i < nrev && rc == 0; i++) {
        char kid[IOTL_JWS_KID_LEN + 1];
        rc = revoke_kid(revokes[i], kid);
        if (rc == 0) {
            cli_buf_printf(&pay, "%s\"%s\"", i ? ", " : "", kid);
        }
    }
    cli_buf_printf(&pay, "]\n}\n");
    if (rc != 0) {
        cli_buf_free(&pay);
        return rc;
    }
    size_t b64cap = IOTL_B64URL_ENC_LEN(pay.len) + 1;
    char *pay_b64 = malloc(b64cap);
    size_t pay_b64_len = 0;
    iotl_b64url_encode(pay.p, pay.len, pay_b64, b64cap, &pay_b64_len);
    struct cli_buf doc = {0};
    cli_buf_printf(&doc, "{\"payload\":\"%s\",\"signatures\":[", pay_b64);
    for (size_t i = 0; i < nsig && rc == 0; i++) {
        iotl_host_key_t *key = NULL;
        int ret = iotl_host_key_read(signers[i], &key);
        uint8_t pub[IOTL_P256_PUBKEY_LEN];
        char kid[IOTL_JWS_KID_LEN + 1];
        if (ret == 0) {
            ret = iotl_host_key_public(key, pub);
        }
        if (ret == 0) {
            ret = iotl_jwk_kid(cli_crypto(), pub, kid);
        }
        char hdr[128];
        char hdr_b64[200];
        struct cli_buf input = {0};
        char sig[87];
        if (ret == 0) {
            snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", kid);
            iotl_b64url_encode(hdr, strlen(hdr), hdr_b64, sizeof(hdr_b64), NULL);
            cli_buf_printf(&input, "%s.%s", hdr_b64, pay_b64);
            ret = iotl_host_sign_input(key, cli_crypto(), input.p, input.len, sig);
        }
        cli_buf_free(&input);
        iotl_host_key_free(key);
        if (ret != 0) {
            rc = cli_fail_code(signers[i], ret);
            break;
        }
        cli_buf_printf(&doc, "%s\n  {\"protected\":\"%s\",\"signature\":\"%s\"}", i ? "," : "", hdr_b64, sig);
    }
    cli_buf_printf(&doc, "\n]}\n");
    if (rc == 0 && doc.len > IOTL_JSON_MAX_SIZE) {
        fprintf(stderr, "iotlife: keyring: %zu bytes exceeds IOTL_JSON_MAX_SIZE (%d)\n", doc.len,
                IOTL_JSON_MAX_SIZE);
        rc = 1;
    }
    if (rc == 0) {
        rc = cli_write_file(out, doc.p, doc.len);
    }
    free(pay_b64);
    cli_buf_free(&pay);
    cli_buf_free(&doc);
    return rc;
}

int cmd_keyring(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0) {
        return keyring_create(argc - 1, argv + 1);
    }
    fprintf(stderr, "%s", usage_text);
    return 2;
}
