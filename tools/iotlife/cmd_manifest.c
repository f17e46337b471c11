/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife manifest create: build, check and sign a manifest (docs/manifest.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_trust.h"
#include "iotlife/base64url.h"
#include "iotlife/manifest.h"
#include "iotlife/port/mbedtls_host.h"

#define MAX_ARGS 64

static const char usage_text[] =
    "usage: iotlife manifest create --key PUBLISHER.pem --product P --hardware H [--hardware H ...]\n"
    "         --version SEMVER --security-version N --sequence N --expires TIME [--issued-at TIME]\n"
    "         [--supported-until TIME] [--release-notes URL]\n"
    "         --payload name=N,component=C,file=F[,location=L][,kind=full|deflate|delta]\n"
    "                   [,image=IMAGE][,base-version=V][,base=BASE_IMAGE | ,base-sha256=HEX]\n"
    "                   [,restart-points=1] ...\n"
    "         -o MANIFEST.jws\n";

/* Value of key=... in a comma-separated spec, copied into out; 0 when absent. */
static int spec_get(const char *spec, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = n - kl - 1;
            if (vl + 1 > cap) {
                return -1;
            }
            memcpy(out, p + kl + 1, vl);
            out[vl] = '\0';
            return 1;
        }
        if (!end) {
            break;
        }
        p = end + 1;
    }
    return 0;
}

static int add_payload(struct cli_buf *b, const char *spec, int first)
{
    char name[256], comp[256], file[1024], loc[1024], kind[32] = "full", image[1024], bver[128], base[1024],
        bsha[128];
    if (spec_get(spec, "name", name, sizeof(name)) != 1 || spec_get(spec, "component", comp, sizeof(comp)) != 1 ||
        spec_get(spec, "file", file, sizeof(file)) != 1) {
        return cli_fail(spec, "payload needs name=, component= and file=");
    }
    if (spec_get(spec, "kind", kind, sizeof(kind)) < 0) {
        return cli_fail(spec, "bad kind");
    }
    if (spec_get(spec, "location", loc, sizeof(loc)) != 1) {
        const char *slash = strrchr(file, '/');
        snprintf(loc, sizeof(loc), "%s", slash ? slash + 1 : file);
    }
    uint8_t fd[32];
    uint64_t fsize;
    if (cli_hash_file(file, fd, &fsize) != 0) {
        return 1;
    }
    char fhex[65];
    cli_hex(fd, 32, fhex);
    cli_buf_printf(b, "%s\n    {\"name\": ", first ? "" : ",");
    cli_buf_json_str(b, name);
    cli_buf_printf(b, ", \"component\": ");
    cli_buf_json_str(b, comp);
    cli_buf_printf(b, ", \"kind\": ");
    cli_buf_json_str(b, kind);
    cli_buf_printf(b, ", \"location\": ");
    cli_buf_json_str(b, loc);
    if (strcmp(kind, "full") == 0) {
        cli_buf_printf(b, ", \"size\": %llu, \"sha256\": \"%s\"", (unsigned long long)fsize, fhex);
    } else {
        if (spec_get(spec, "image", image, sizeof(image)) != 1) {
            return cli_fail(spec, "deflate and delta payloads need image= (the installed image)");
        }
        uint8_t id[32];
        uint64_t isize;
        if (cli_hash_file(image, id, &isize) != 0) {
            return 1;
        }
        char ihex[65];
        cli_hex(id, 32, ihex);
        cli_buf_printf(b, ", \"size\": %llu, \"sha256\": \"%s\", \"download_size\": %llu, \"download_sha256\": \"%s\"",
                       (unsigned long long)isize, ihex, (unsigned long long)fsize, fhex);
    }
    char rp[8];
    if (spec_get(spec, "restart-points", rp, sizeof(rp)) == 1 && strcmp(rp, "1") == 0) {
        cli_buf_printf(b, ", \"restart_points\": true");
    }
    if (strcmp(kind, "delta") == 0) {
        if (spec_get(spec, "base-version", bver, sizeof(bver)) != 1) {
            return cli_fail(spec, "delta payloads need base-version=");
        }
        if (spec_get(spec, "base", base, sizeof(base)) == 1) {
            uint8_t bd[32];
            uint64_t bsize;
            if (cli_hash_file(base, bd, &bsize) != 0) {
                return 1;
            }
            cli_hex(bd, 32, bsha);
        } else if (spec_get(spec, "base-sha256", bsha, sizeof(bsha)) != 1) {
            return cli_fail(spec, "delta payloads need base= or base-sha256=");
        }
        cli_buf_printf(b, ", \"base_version\": ");
        cli_buf_json_str(b, bver);
        cli_buf_printf(b, ", \"base_sha256\": ");
        cli_buf_json_str(b, bsha);
    }
    cli_buf_printf(b, "}");
    return 0;
}

static int manifest_create(int argc, char **argv)
{
    const char *hw[MAX_ARGS];
    const char *payloads[MAX_ARGS];
    size_t nhw = 0, npl = 0;
    const char *key_path = NULL, *product = NULL, *version = NULL, *secver = NULL, *seq = NULL, *expires = NULL;
    const char *issued = "now", *supported = NULL, *notes = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--hardware", &v)) == 1) {
            if (nhw == MAX_ARGS) {
                return cli_fail("--hardware", "given more times than this tool supports");
            }
            hw[nhw++] = v;
        } else if (r == 0 && (r = cli_opt(argc, argv, &i, "--payload", &v)) == 1) {
            if (npl == MAX_ARGS) {
                return cli_fail("--payload", "given more times than this tool supports");
            }
            payloads[npl++] = v;
        } else if (r == 0 && ((r = cli_opt(argc, argv, &i, "--key", &key_path)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--product", &product)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--version", &version)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--security-version", &secver)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--sequence", &seq)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--expires", &expires)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--issued-at", &issued)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--supported-until", &supported)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "--release-notes", &notes)) != 0 ||
                              (r = cli_opt(argc, argv, &i, "-o", &out)) != 0)) {
            /* stored */
        } else if (r == 0) {
            fprintf(stderr, "iotlife manifest create: unexpected argument '%s'\n%s", argv[i], usage_text);
            return 2;
        }
        if (r < 0) {
            return 2;
        }
    }
    if (!key_path || !product || !version || !secver || !seq || !expires || !out || nhw == 0 || npl == 0) {
        fprintf(stderr, "%s", usage_text);
        return 2;
    }
    uint32_t sv, sq;
    int64_t exp, iat, sup = 0;
    if (cli_parse_u32(secver, &sv) != 0 || cli_parse_u32(seq, &sq) != 0) {
        return cli_fail("manifest", "--security-version and --sequence must be unsigned 32-bit integers");
    }
    if (cli_parse_time(expires, &exp) != 0 || cli_parse_time(issued, &iat) != 0 ||
        (supported && cli_parse_time(supported, &sup) != 0)) {
        return cli_fail("time", "expected Unix seconds, YYYY-MM-DDTHH:MM:SSZ, now or +Nd/+Nh");
    }
    struct cli_buf b = {0};
    cli_buf_printf(&b, "{\n  \"type\": \"iotlife-manifest\",\n  \"v\": 1,\n  \"product\": ");
    cli_buf_json_str(&b, product);
    cli_buf_printf(&b, ",\n  \"hardware\": [");
    for (size_t i = 0; i < nhw; i++) {
        cli_buf_printf(&b, "%s", i ? ", " : "");
        cli_buf_json_str(&b, hw[i]);
    }
    cli_buf_printf(&b, "],\n  \"version\": ");
    cli_buf_json_str(&b, version);
    cli_buf_printf(&b, ",\n  \"security_version\": %u,\n  \"sequence\": %u,\n  \"issued_at\": %lld,\n"
                       "  \"expires\": %lld",
                   sv, sq, (long long)iat, (long long)exp);
    if (supported) {
        cli_buf_printf(&b, ",\n  \"supported_until\": %lld", (long long)sup);
    }
    if (notes) {
        cli_buf_printf(&b, ",\n  \"release_notes\": ");
        cli_buf_json_str(&b, notes);
    }
    cli_buf_printf(&b, ",\n  \"payloads\": [");
    int rc = 0;
    for (size_t i = 0; i < npl && rc == 0; i++) {
        rc = add_payload(&b, payloads[i], i == 0);
    }
    cli_buf_printf(&b, "\n  ]\n}\n");
    if (rc != 0) {
        cli_buf_free(&b);
        return rc;
    }
    /* Refuse to sign what a device would refuse to parse. */
    static struct iotl_manifest m;
    int ret = iotl_manifest_parse(&m, b.p, b.len);
    if (ret != 0) {
        cli_buf_free(&b);
        return cli_fail_code("manifest", ret);
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
    ret = iotl_host_jws_sign(key, cli_crypto(), "iotlife-manifest+jws", b.p, b.len, jws, cap, &jlen);
    iotl_host_key_free(key);
    cli_buf_free(&b);
    if (ret != 0) {
        free(jws);
        return cli_fail_code("sign", ret);
    }
    rc = cli_write_file(out, jws, jlen);
    free(jws);
    return rc;
}

int cmd_manifest(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0) {
        return manifest_create(argc - 1, argv + 1);
    }
    fprintf(stderr, "%s", usage_text);
    return 2;
}
