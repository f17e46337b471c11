/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife deploy create: an operator's deployment of one manifest (docs/deployment.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_trust.h"
#include "iotlife/base64url.h"
#include "iotlife/deploy.h"
#include "iotlife/port/mbedtls_host.h"

#define MAX_ARGS 256

static const char usage_text[] =
    "usage: iotlife deploy create --key OPERATOR.pem --manifest MANIFEST.jws --id ID --sequence N\n"
    "         --expires TIME [--issued-at TIME] [--hardware H ...] [--group G ...] [--device ID ...]\n"
    "         [--installed-min SEMVER] [--installed-max SEMVER] [--rollout PERCENT]\n"
    "         [--not-before TIME] [--not-after TIME] [--hours START-END] [--urgency normal|critical]\n"
    "         [--manifest-url URL] -o DEPLOYMENT.jws\n";

static void json_list(struct cli_buf *b, int *first, const char *name, const char *const *v, size_t n)
{
    if (n == 0) {
        return;
    }
    cli_buf_printf(b, "%s\n    \"%s\": [", *first ? "" : ",", name);
    *first = 0;
    for (size_t i = 0; i < n; i++) {
        cli_buf_printf(b, "%s", i ? ", " : "");
        cli_buf_json_str(b, v[i]);
    }
    cli_buf_printf(b, "]");
}

static int deploy_create(int argc, char **argv)
{
    const char *hw[MAX_ARGS], *groups[MAX_ARGS], *devices[MAX_ARGS];
    size_t nhw = 0, ngr = 0, ndev = 0;
    const char *key_path = NULL, *manifest = NULL, *id = NULL, *seq = NULL, *expires = NULL, *issued = "now";
    const char *imin = NULL, *imax = NULL, *rollout = NULL, *nbf = NULL, *naf = NULL, *hours = NULL;
    const char *urgency = NULL, *out = NULL, *murl = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--hardware", &v)) == 1) {
            if (nhw == MAX_ARGS) {
                return cli_fail("--hardware", "given more times than this tool supports");
            }
            hw[nhw++] = v;
        } else if (r == 0 && (r = cli_opt(argc, argv, &i, "--group", &v)) == 1) {
            if (ngr == MAX_ARGS) {
                return cli_fail("--group", "given more times than this tool supports");
            }
            groups[ngr++] = v;
        } else if (r == 0 && (r = cli_opt(argc, argv, &i, "--device", &v)) == 1) {
            if (ndev == MAX_ARGS) {
                return cli_fail("--device", "given more times than this tool supports");
            }
            devices[ndev++] = v;
        } else if (r == 0 && ((r = cli_opt(argc, argv, &i, "--key", &key_path)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--manifest", &manifest)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--id", &id)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--sequence", &seq)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--expires", &expires)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--issued-at", &issued)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--installed-min", &imin)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--installed-max", &imax)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--rollout", &rollout)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--not-before", &nbf)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--not-after", &naf)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--hours", &hours)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--urgency", &urgency)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--manifest-url", &murl)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "-o", &out)) != 0)) {
            /* stored */
        } else if (r == 0) {
            fprintf(stderr, "iotlife deploy create: unexpected argument '%s'\n%s", argv[i], usage_text);
            return 2;
        }
        if (r < 0) {
            return 2;
        }
    }
    if (!key_path || !manifest || !id || !seq || !expires || !out) {
        fprintf(stderr, "%s", usage_text);
        return 2;
    }
    uint32_t sq;
    int64_t exp, iat, t_nbf = 0, t_naf = 0;
    if (cli_parse_u32(seq, &sq) != 0) {
        return cli_fail("--sequence", "must be an unsigned 32-bit integer");
    }
    if (cli_parse_time(expires, &exp) != 0 || cli_parse_time(issued, &iat) != 0 ||
        (nbf && cli_parse_time(nbf, &t_nbf) != 0) || (naf && cli_parse_time(naf, &t_naf) != 0)) {
        return cli_fail("time", "expected Unix seconds, YYYY-MM-DDTHH:MM:SSZ, now or +Nd/+Nh");
    }
    /* The deployment names the manifest by the SHA-256 of its exact bytes. */
    size_t mlen = 0;
    char *mtext = cli_read_file(manifest, &mlen);
    if (mtext == NULL) {
        return 1;
    }
    if (mlen == 0 || mtext[mlen - 1] == '\n' || mtext[mlen - 1] == '\r' || mtext[mlen - 1] == ' ') {
        free(mtext);
        return cli_fail(manifest, "must hold exactly the compact JWS (no trailing newline): its bytes are hashed");
    }
    uint8_t mh[32];
    int ret = iotl_sha256(cli_crypto(), mtext, mlen, mh);
    free(mtext);
    if (ret != 0) {
        return cli_fail_code("sha256", ret);
    }
    char mhex[65];
    cli_hex(mh, 32, mhex);

    struct cli_buf b = {0};
    cli_buf_printf(&b, "{\n  \"type\": \"iotlife-deployment\",\n  \"v\": 1,\n  \"id\": ");
    cli_buf_json_str(&b, id);
    cli_buf_printf(&b, ",\n  \"sequence\": %u,\n  \"issued_at\": %lld,\n  \"expires\": %lld,\n"
                       "  \"manifest_sha256\": \"%s\"",
                   sq, (long long)iat, (long long)exp, mhex);
    if (murl) {
        cli_buf_printf(&b, ",\n  \"manifest_url\": ");
        cli_buf_json_str(&b, murl);
    }
    if (nhw || ngr || ndev || imin || imax) {
        int first = 1;
        cli_buf_printf(&b, ",\n  \"select\": {");
        json_list(&b, &first, "hardware", hw, nhw);
        json_list(&b, &first, "groups", groups, ngr);
        json_list(&b, &first, "devices", devices, ndev);
        if (imin) {
            cli_buf_printf(&b, "%s\n    \"installed_min\": ", first ? "" : ",");
            first = 0;
            cli_buf_json_str(&b, imin);
        }
        if (imax) {
            cli_buf_printf(&b, "%s\n    \"installed_max\": ", first ? "" : ",");
            cli_buf_json_str(&b, imax);
        }
        cli_buf_printf(&b, "\n  }");
    }
    if (rollout) {
        char *end = NULL;
        double pct = strtod(rollout, &end);
        if (end == rollout || *end != '\0' || !(pct >= 0.0 && pct <= 100.0)) {
            cli_buf_free(&b);
            return cli_fail("--rollout", "must be a percentage 0..100 with at most two decimals");
        }
        cli_buf_printf(&b, ",\n  \"rollout_percent\": %s", rollout);
    }
    if (nbf) {
        cli_buf_printf(&b, ",\n  \"not_before\": %lld", (long long)t_nbf);
    }
    if (naf) {
        cli_buf_printf(&b, ",\n  \"not_after\": %lld", (long long)t_naf);
    }
    if (hours) {
        unsigned hs, he;
        int used = 0;
        if (sscanf(hours, "%u-%u%n", &hs, &he, &used) != 2 || hours[used] != '\0') {
            cli_buf_free(&b);
            return cli_fail("--hours", "expected START-END in UTC hours, e.g. 22-4");
        }
        cli_buf_printf(&b, ",\n  \"hours_utc\": [%u, %u]", hs, he);
    }
    if (urgency) {
        cli_buf_printf(&b, ",\n  \"urgency\": ");
        cli_buf_json_str(&b, urgency);
    }
    cli_buf_printf(&b, "\n}\n");

    static struct iotl_deployment d;
    ret = iotl_deployment_parse(&d, b.p, b.len);
    if (ret != 0) {
        cli_buf_free(&b);
        return cli_fail_code("deployment", ret);
    }
    iotl_host_key_t *key = NULL;
    ret = iotl_host_key_read(key_path, &key);
    if (ret != 0) {
        cli_buf_free(&b);
        return cli_fail_code(key_path, ret);
    }
    size_t cap = IOTL_B64URL_ENC_LEN(b.len) + 512;
    char *jws = malloc(cap);
    size_t jlen = 0;
    ret = iotl_host_jws_sign(key, cli_crypto(), "iotlife-deployment+jws", b.p, b.len, jws, cap, &jlen);
    iotl_host_key_free(key);
    cli_buf_free(&b);
    if (ret != 0) {
        free(jws);
        return cli_fail_code("sign", ret);
    }
    int rc = cli_write_file(out, jws, jlen);
    free(jws);
    return rc;
}

int cmd_deploy(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0) {
        return deploy_create(argc - 1, argv + 1);
    }
    fprintf(stderr, "%s", usage_text);
    return 2;
}
