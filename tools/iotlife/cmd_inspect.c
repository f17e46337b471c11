/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife inspect: pretty-print any iotlife document with its signature
 * status; iotlife check: run the device's update decision on the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli_trust.h"
#include "iotlife/base64url.h"
#include "iotlife/trust.h"
#include "iotlife/port/mbedtls_host.h"

#define MAX_ROOTS 16

#define MAX_RINGS 16

struct ring_opts {
    const char *roots[MAX_ROOTS];
    size_t nroots;
    const char *threshold;
    const char *rings[MAX_RINGS]; /* applied in order: v1, v2, ... (rotations) */
    size_t nrings;
    const char *time;
};

/* Consumes --root/--threshold/--keyring/--time; 1 when taken, -1 on a missing value. */
static int ring_opt(int argc, char **argv, int *i, struct ring_opts *o)
{
    const char *v = NULL;
    int r = cli_opt(argc, argv, i, "--root", &v);
    if (r == 1) {
        if (o->nroots < MAX_ROOTS) {
            o->roots[o->nroots++] = v;
        }
        return 1;
    }
    if (r == 0) {
        r = cli_opt(argc, argv, i, "--threshold", &o->threshold);
    }
    if (r == 0) {
        r = cli_opt(argc, argv, i, "--keyring", &v);
        if (r == 1) {
            if (o->nrings >= MAX_RINGS) {
                fprintf(stderr, "iotlife: at most %d --keyring\n", MAX_RINGS);
                return -1;
            }
            o->rings[o->nrings++] = v;
            return 1;
        }
    }
    if (r == 0) {
        r = cli_opt(argc, argv, i, "--time", &o->time);
    }
    return r;
}

/* Anchors from --root, then the key ring document (if any) on top. */
static int load_ring(const struct ring_opts *o, int64_t now, iotl_keyring_t *ring, iotl_trust_work_t *work,
                     struct iotl_floors *fl)
{
    static uint8_t anchors[MAX_ROOTS][IOTL_P256_PUBKEY_LEN];
    for (size_t i = 0; i < o->nroots; i++) {
        iotl_host_key_t *k = NULL;
        int ret = iotl_host_key_read(o->roots[i], &k);
        if (ret == 0) {
            ret = iotl_host_key_public(k, anchors[i]);
        }
        iotl_host_key_free(k);
        if (ret != 0) {
            return cli_fail_code(o->roots[i], ret);
        }
    }
    uint32_t thr = 1;
    if (o->threshold && cli_parse_u32(o->threshold, &thr) != 0) {
        return cli_fail("--threshold", "must be an integer");
    }
    int ret = iotl_keyring_init(ring, cli_crypto(), (const uint8_t(*)[IOTL_P256_PUBKEY_LEN])anchors, o->nroots, thr);
    if (ret != 0) {
        return cli_fail_code("--root", ret);
    }
    for (size_t k = 0; k < o->nrings; k++) {
        size_t len = 0;
        char *doc = cli_read_file(o->rings[k], &len);
        if (doc == NULL) {
            return 1;
        }
        struct iotl_floors in = *fl;
        ret = iotl_keyring_update(ring, cli_crypto(), doc, len, &in, now, 0, work, fl);
        free(doc);
        if (ret != 0) {
            char what[600];
            snprintf(what, sizeof(what), "key ring %s", o->rings[k]);
            return cli_fail_code(what, ret);
        }
    }
    return 0;
}

static void print_json(const char *text, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(text, len);
    char *s = j ? cJSON_Print(j) : NULL;
    if (s != NULL) {
        printf("%s\n", s);
    } else {
        printf("%.*s\n", (int)len, text);
    }
    free(s);
    cJSON_Delete(j);
}

/* Document type named in a payload, for the role it needs. */
static enum iotl_key_role role_for(const char *payload, size_t len)
{
    enum iotl_key_role role = IOTL_ROLE_NONE;
    cJSON *j = cJSON_ParseWithLength(payload, len);
    cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "type") : NULL;
    if (cJSON_IsString(t) && strcmp(t->valuestring, "iotlife-manifest") == 0) {
        role = IOTL_ROLE_PUBLISHER;
    } else if (cJSON_IsString(t) && strcmp(t->valuestring, "iotlife-deployment") == 0) {
        role = IOTL_ROLE_OPERATOR;
    }
    cJSON_Delete(j);
    return role;
}

static size_t trim_len(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    return len;
}

int cmd_inspect(int argc, char **argv)
{
    static struct ring_opts ro;
    static iotl_keyring_t ring;
    static iotl_trust_work_t work;
    const char *key_path = NULL;
    const char *file = NULL;
    memset(&ro, 0, sizeof(ro));
    for (int i = 1; i < argc; i++) {
        int r = ring_opt(argc, argv, &i, &ro);
        if (r == 0) {
            r = cli_opt(argc, argv, &i, "--key", &key_path);
        }
        if (r < 0) {
            return 2;
        }
        if (r == 0) {
            if (file == NULL && argv[i][0] != '-') {
                file = argv[i];
            } else {
                fprintf(stderr, "iotlife inspect: unexpected argument '%s'\n", argv[i]);
                return 2;
            }
        }
    }
    if (file == NULL) {
        fprintf(stderr, "usage: iotlife inspect FILE [--key PUBLIC.pem | --root ROOT.pem ... [--keyring RING.json]]\n");
        return 2;
    }
    int64_t now = (int64_t)time(NULL);
    if (ro.time && cli_parse_time(ro.time, &now) != 0) {
        return cli_fail("--time", "bad time");
    }
    size_t len = 0;
    char *text = cli_read_file(file, &len);
    if (text == NULL) {
        return 1;
    }
    len = trim_len(text, len);
    int rc = 0;
    struct iotl_floors fl = {0};
    if (len > 0 && text[0] == '{') {
        /* A key ring: JWS JSON General Serialization. */
        cJSON *j = cJSON_ParseWithLength(text, len);
        cJSON *pay = j ? cJSON_GetObjectItemCaseSensitive(j, "payload") : NULL;
        cJSON *sigs = j ? cJSON_GetObjectItemCaseSensitive(j, "signatures") : NULL;
        printf("document: key ring (JWS JSON serialization, %d signature(s))\n", cJSON_GetArraySize(sigs));
        if (cJSON_IsString(pay)) {
            size_t pl = strlen(pay->valuestring);
            uint8_t *buf = malloc(IOTL_B64URL_DEC_MAX(pl) + 1);
            size_t n = 0;
            if (buf && iotl_b64url_decode(pay->valuestring, pl, buf, IOTL_B64URL_DEC_MAX(pl), &n) == 0) {
                print_json((const char *)buf, n);
            }
            free(buf);
        }
        cJSON *s;
        cJSON_ArrayForEach(s, sigs)
        {
            cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "protected");
            if (cJSON_IsString(p)) {
                uint8_t hdr[512];
                size_t n = 0;
                if (iotl_b64url_decode(p->valuestring, strlen(p->valuestring), hdr, sizeof(hdr) - 1, &n) == 0) {
                    printf("signature header: %.*s\n", (int)n, (const char *)hdr);
                }
            }
        }
        cJSON_Delete(j);
        if (ro.nroots > 0) {
            struct ring_opts only_roots = ro;
            only_roots.nrings = 0;
            rc = load_ring(&only_roots, now, &ring, &work, &fl);
            if (rc == 0) {
                int ret = iotl_keyring_update(&ring, cli_crypto(), text, len, &fl, now, 0, &work, NULL);
                if (ret == 0) {
                    printf("signatures: valid (threshold of roots met), version %u\n", ring.version);
                } else {
                    rc = cli_fail_code("key ring", ret);
                }
            }
        } else {
            printf("signatures: not checked (give --root)\n");
        }
        free(text);
        return rc;
    }
    struct iotl_jws jws;
    int ret = iotl_jws_parse(&jws, text, len);
    if (ret != 0) {
        free(text);
        return cli_fail_code(file, ret);
    }
    uint8_t hdr[IOTL_JWS_HEADER_MAX];
    size_t hl = 0;
    (void)iotl_b64url_decode(jws.header_b64, jws.header_b64_len, hdr, sizeof(hdr), &hl);
    size_t cap = IOTL_B64URL_DEC_MAX(jws.payload_b64_len) + 1;
    uint8_t *payload = malloc(cap);
    size_t pl = 0;
    if (payload == NULL || iotl_b64url_decode(jws.payload_b64, jws.payload_b64_len, payload, cap, &pl) != 0) {
        free(payload);
        free(text);
        return cli_fail_code(file, IOTL_ERR_BASE64);
    }
    enum iotl_key_role role = role_for((const char *)payload, pl);
    printf("document: %s (compact JWS, %zu bytes)\n",
           role == IOTL_ROLE_PUBLISHER ? "manifest" : role == IOTL_ROLE_OPERATOR ? "deployment" : "JWS", len);
    printf("header: %.*s\n", (int)hl, (const char *)hdr);
    uint8_t digest[32];
    char hex[65];
    iotl_sha256(cli_crypto(), text, len, digest);
    cli_hex(digest, 32, hex);
    printf("sha256 of the JWS bytes: %s\n", hex);
    printf("payload (shown before any check; trust only with a valid signature):\n");
    print_json((const char *)payload, pl);
    size_t out_len = 0;
    if (key_path != NULL) {
        iotl_host_key_t *k = NULL;
        uint8_t pub[IOTL_P256_PUBKEY_LEN];
        ret = iotl_host_key_read(key_path, &k);
        if (ret == 0) {
            ret = iotl_host_key_public(k, pub);
        }
        iotl_host_key_free(k);
        if (ret == 0) {
            ret = iotl_jws_verify(&jws, cli_crypto(), pub, payload, cap, &out_len);
        }
        if (ret == 0) {
            printf("signature: valid (kid %s)\n", jws.kid);
        } else {
            rc = cli_fail_code("signature", ret);
        }
    } else if (ro.nroots > 0) {
        rc = load_ring(&ro, now, &ring, &work, &fl);
        if (rc == 0) {
            const struct iotl_key *signer = NULL;
            if (role == IOTL_ROLE_NONE) {
                rc = cli_fail("signature", "not a manifest or deployment: no role to check");
            } else {
                ret = iotl_keyring_verify_jws(&ring, cli_crypto(), role, text, len, now, payload, cap, &out_len,
                                              &signer);
                if (ret == 0) {
                    printf("signature: valid, signer role %s (kid %s)\n",
                           iotl_key_role_name((enum iotl_key_role)signer->role), signer->kid);
                } else {
                    rc = cli_fail_code("signature", ret);
                }
            }
        }
    } else {
        printf("signature: not checked (give --key, or --root [--keyring])\n");
    }
    free(payload);
    free(text);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    static struct ring_opts ro;
    static iotl_keyring_t ring;
    static iotl_trust_work_t work;
    static struct iotl_trust_result res;
    const char *groups[64];
    size_t ngroups = 0;
    const char *dep = NULL, *man = NULL, *dev_id = NULL, *product = NULL, *hw = NULL, *installed = NULL;
    const char *floors = NULL, *max_payload = NULL, *wall = NULL;
    memset(&ro, 0, sizeof(ro));
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r = ring_opt(argc, argv, &i, &ro);
        if (r == 0 && (r = cli_opt(argc, argv, &i, "--group", &v)) == 1) {
            if (ngroups < 64) {
                groups[ngroups++] = v;
            }
            continue;
        }
        if (r == 0) {
            if ((r = cli_opt(argc, argv, &i, "--deployment", &dep)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--manifest", &man)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--device-id", &dev_id)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--product", &product)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--hardware", &hw)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--installed", &installed)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--floors", &floors)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--max-payload", &max_payload)) == 0 &&
                (r = cli_opt(argc, argv, &i, "--wall-time", &wall)) == 0) {
                fprintf(stderr, "iotlife check: unexpected argument '%s'\n", argv[i]);
                return 2;
            }
        }
        if (r < 0) {
            return 2;
        }
    }
    if (ro.nroots == 0 || !dep || !man || !dev_id || !product || !hw || !installed) {
        fprintf(stderr, "usage: iotlife check --root ROOT.pem [--keyring RING.json] --deployment D.jws\n"
                        "         --manifest M.jws --device-id ID --product P --hardware H --installed SEMVER\n"
                        "         [--group G ...] [--wall-time TIME] [--floors SEC,MSEQ,DSEQ,KRV,LATEST]\n"
                        "         [--max-payload BYTES]\n");
        return 2;
    }
    struct iotl_floors fl = {0};
    if (floors != NULL) {
        unsigned long long a, b, c, d;
        long long e;
        if (sscanf(floors, "%llu,%llu,%llu,%llu,%lld", &a, &b, &c, &d, &e) != 5) {
            return cli_fail("--floors", "expected SEC,MSEQ,DSEQ,KRV,LATEST");
        }
        fl.security_version = (uint32_t)a;
        fl.manifest_seq = (uint32_t)b;
        fl.deployment_seq = (uint32_t)c;
        fl.keyring_version = (uint32_t)d;
        fl.latest_time = e;
    }
    int64_t wall_time = 0;
    if (wall && cli_parse_time(wall, &wall_time) != 0) {
        return cli_fail("--wall-time", "bad time");
    }
    uint32_t maxp = 0;
    if (max_payload && cli_parse_u32(max_payload, &maxp) != 0) {
        return cli_fail("--max-payload", "bad size");
    }
    int64_t ring_time = wall_time > fl.latest_time ? wall_time : fl.latest_time;
    if (ring_time == 0) {
        ring_time = (int64_t)time(NULL);
    }
    int rc = load_ring(&ro, ring_time, &ring, &work, &fl);
    if (rc != 0) {
        return rc;
    }
    size_t dl = 0, ml = 0;
    char *dtext = cli_read_file(dep, &dl);
    char *mtext = dtext ? cli_read_file(man, &ml) : NULL;
    if (dtext == NULL || mtext == NULL) {
        free(dtext);
        return 1;
    }
    struct iotl_device_info dev = {dev_id, product, hw, groups, ngroups, installed};
    struct iotl_trust_request req = {&ring, cli_crypto(), &dev, &fl, wall_time, maxp};
    int ret = iotl_trust_decide(&req, dtext, dl, mtext, ml, &work, &res);
    free(dtext);
    free(mtext);
    if (ret != 0) {
        return cli_fail_code("decision", ret);
    }
    printf("accept: %s %s (deployment %s, sequence %u)\n", res.manifest.product, res.manifest.version,
           res.deployment.id, res.deployment.sequence);
    printf("floors to persist: security_version=%u manifest_seq=%u deployment_seq=%u keyring_version=%u "
           "latest_time=%lld\n",
           res.floors.security_version, res.floors.manifest_seq, res.floors.deployment_seq,
           res.floors.keyring_version, (long long)res.floors.latest_time);
    return 0;
}
