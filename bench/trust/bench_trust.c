/* SPDX-License-Identifier: Apache-2.0 */
/* Trust benchmark: ECDSA P-256 verify, JWS verify, manifest parse (time and
 * peak heap), key ring update and the full update decision. This program is
 * an application, so it may install cJSON allocator hooks to count the heap
 * the library's JSON parses use; the library itself never does. Prints a
 * markdown table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "iotlife/trust.h"
#include "iotlife/port/mbedtls.h"
#include "iotlife/port/mbedtls_host.h"

/* ---- counting allocator ---- */
static size_t cur_bytes, peak_bytes, n_allocs;

static void *count_malloc(size_t n)
{
    size_t *p = malloc(n + sizeof(size_t) * 2);
    if (p == NULL) {
        return NULL;
    }
    p[0] = n;
    cur_bytes += n;
    n_allocs++;
    if (cur_bytes > peak_bytes) {
        peak_bytes = cur_bytes;
    }
    return p + 2;
}

static void count_free(void *q)
{
    if (q != NULL) {
        size_t *p = (size_t *)q - 2;
        cur_bytes -= p[0];
        free(p);
    }
}

static void heap_reset(void)
{
    peak_bytes = cur_bytes;
    n_allocs = 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int ret)
{
    fprintf(stderr, "bench: %s failed: %d %s\n", what, ret, iotl_strerror(ret));
    exit(1);
}

#define T0 1764000000LL

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 200;
    cJSON_Hooks hooks = {count_malloc, count_free};
    cJSON_InitHooks(&hooks);
    struct iotl_crypto c;
    iotl_mbedtls_crypto_init(&c);

    iotl_host_key_t *root, *pub, *op;
    uint8_t root_pub[65], pub_pub[65], op_pub[65];
    char root_kid[44], pub_kid[44], op_kid[44];
    iotl_host_key_t **keys[3] = {&root, &pub, &op};
    uint8_t *pubs[3] = {root_pub, pub_pub, op_pub};
    char *kids[3] = {root_kid, pub_kid, op_kid};
    for (int i = 0; i < 3; i++) {
        int r = iotl_host_key_generate(keys[i]);
        if (r == 0) {
            r = iotl_host_key_public(*keys[i], pubs[i]);
        }
        if (r == 0) {
            r = iotl_jwk_kid(&c, pubs[i], kids[i]);
        }
        if (r != 0) {
            die("keygen", r);
        }
    }

    /* A realistic manifest: 2 payloads, 3 hardware revisions. */
    static char manifest[4096];
    int mlen_json = snprintf(
        manifest, sizeof(manifest),
        "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"acme-sensor\",\"hardware\":[\"rev-a\",\"rev-b\",\"rev-c\"],"
        "\"version\":\"1.4.2\",\"security_version\":3,\"sequence\":17,\"issued_at\":%lld,\"expires\":%lld,"
        "\"supported_until\":%lld,\"release_notes\":\"https://example.com/notes/1.4.2\",\"payloads\":["
        "{\"name\":\"app\",\"component\":\"app\",\"size\":524288,\"sha256\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
        "\"location\":\"https://cdn.example.com/acme/app-1.4.2.bin\",\"kind\":\"full\"},"
        "{\"name\":\"app-delta\",\"component\":\"app\",\"size\":524288,\"sha256\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
        "\"kind\":\"delta\",\"download_size\":31337,\"download_sha256\":\"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\","
        "\"location\":\"https://cdn.example.com/acme/app-1.4.1-1.4.2.patch\",\"base_version\":\"1.4.1\","
        "\"base_sha256\":\"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\"}]}",
        T0, T0 + 30 * 86400LL, T0 + 365 * 86400LL);
    static char mjws[8192], djws[8192], ring_doc[8192];
    size_t mlen = 0, dlen = 0;
    int r = iotl_host_jws_sign(pub, &c, NULL, manifest, (size_t)mlen_json, mjws, sizeof(mjws), &mlen);
    if (r != 0) {
        die("sign manifest", r);
    }
    uint8_t mh[32];
    iotl_sha256(&c, mjws, mlen, mh);
    char mhex[65];
    for (int i = 0; i < 32; i++) {
        snprintf(mhex + 2 * i, 3, "%02x", mh[i]);
    }
    static char dep[2048];
    int dlen_json = snprintf(dep, sizeof(dep),
                             "{\"type\":\"iotlife-deployment\",\"v\":1,\"id\":\"wave-1\",\"sequence\":5,\"issued_at\":%lld,"
                             "\"expires\":%lld,\"manifest_sha256\":\"%s\",\"select\":{\"hardware\":[\"rev-a\"],"
                             "\"groups\":[\"beta\"],\"installed_max\":\"1.4.1\"},\"rollout_percent\":100,"
                             "\"hours_utc\":[0,24]}",
                             T0, T0 + 7 * 86400LL, mhex);
    r = iotl_host_jws_sign(op, &c, NULL, dep, (size_t)dlen_json, djws, sizeof(djws), &dlen);
    if (r != 0) {
        die("sign deployment", r);
    }
    /* Key ring signed by the root (general JWS JSON). */
    static char ring_payload[2048];
    char xy[3][2][44];
    for (int i = 0; i < 3; i++) {
        iotl_b64url_encode(pubs[i] + 1, 32, xy[i][0], 44, NULL);
        iotl_b64url_encode(pubs[i] + 33, 32, xy[i][1], 44, NULL);
    }
    const char *roles[3] = {"root", "publisher", "operator"};
    int o = snprintf(ring_payload, sizeof(ring_payload),
                     "{\"type\":\"iotlife-keyring\",\"v\":1,\"version\":1,\"threshold\":1,\"issued_at\":%lld,"
                     "\"expires\":%lld,\"keys\":[",
                     T0 - 86400LL, T0 + 365 * 86400LL);
    for (int i = 0; i < 3; i++) {
        o += snprintf(ring_payload + o, sizeof(ring_payload) - (size_t)o,
                      "%s{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"kid\":\"%s\",\"role\":\"%s\"}",
                      i ? "," : "", xy[i][0], xy[i][1], kids[i], roles[i]);
    }
    o += snprintf(ring_payload + o, sizeof(ring_payload) - (size_t)o, "]}");
    char hdr[128], hdr_b64[200], pay_b64[4096], sig[87];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", root_kid);
    iotl_b64url_encode(hdr, strlen(hdr), hdr_b64, sizeof(hdr_b64), NULL);
    iotl_b64url_encode(ring_payload, (size_t)o, pay_b64, sizeof(pay_b64), NULL);
    static char input[8192];
    int il = snprintf(input, sizeof(input), "%s.%s", hdr_b64, pay_b64);
    iotl_host_sign_input(root, &c, input, (size_t)il, sig);
    size_t rlen = (size_t)snprintf(ring_doc, sizeof(ring_doc),
                                   "{\"payload\":\"%s\",\"signatures\":[{\"protected\":\"%s\",\"signature\":\"%s\"}]}",
                                   pay_b64, hdr_b64, sig);

    static iotl_keyring_t ring;
    static iotl_trust_work_t work;
    static struct iotl_trust_result res;
    static struct iotl_manifest m;
    struct iotl_floors fl = {0};

    /* 1. Raw ECDSA P-256 verify through the crypto port. */
    struct iotl_jws jws;
    iotl_jws_parse(&jws, mjws, mlen);
    uint8_t digest[32];
    iotl_sha256(&c, "x", 1, digest);
    uint8_t rawsig[64];
    iotl_host_sign_digest(pub, digest, rawsig);
    double t = now_s();
    for (int i = 0; i < iters; i++) {
        if (c.ops->p256_verify(c.ctx, pub_pub, digest, rawsig) != 0) {
            die("verify", -1);
        }
    }
    double ecdsa_us = (now_s() - t) / iters * 1e6;

    /* 2. JWS compact verify (parse header, kid, hash, verify, decode). */
    static uint8_t payload[IOTL_JSON_MAX_SIZE];
    size_t plen;
    heap_reset();
    t = now_s();
    for (int i = 0; i < iters; i++) {
        r = iotl_jws_verify_compact(&c, pub_pub, mjws, mlen, payload, sizeof(payload), &plen);
        if (r != 0) {
            die("jws verify", r);
        }
    }
    double jws_us = (now_s() - t) / iters * 1e6;
    size_t jws_peak = peak_bytes - cur_bytes;

    /* 3. Manifest parse (JSON payload -> struct), time and peak heap. */
    heap_reset();
    size_t base = cur_bytes;
    r = iotl_manifest_parse(&m, manifest, (size_t)mlen_json);
    if (r != 0) {
        die("manifest parse", r);
    }
    size_t parse_peak = peak_bytes - base;
    size_t parse_allocs = n_allocs;
    size_t leaked = cur_bytes - base;
    int parse_iters = iters * 20;
    t = now_s();
    for (int i = 0; i < parse_iters; i++) {
        iotl_manifest_parse(&m, manifest, (size_t)mlen_json);
    }
    double parse_us = (now_s() - t) / parse_iters * 1e6;

    /* Worst case the scan lets through: IOTL_JSON_MAX_NODES values with the
     * longest strings that fit IOTL_JSON_MAX_SIZE. */
    static char worst[IOTL_JSON_MAX_SIZE];
    size_t w = (size_t)snprintf(worst, sizeof(worst), "{\"pad\":[");
    size_t per = (IOTL_JSON_MAX_SIZE - 16) / (IOTL_JSON_MAX_NODES - 2);
    for (int i = 0; i < IOTL_JSON_MAX_NODES - 2 && w + per + 4 < sizeof(worst); i++) {
        w += (size_t)snprintf(worst + w, sizeof(worst) - w, "%s\"%.*s\"", i ? "," : "", (int)(per - 3),
                              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }
    w += (size_t)snprintf(worst + w, sizeof(worst) - w, "]}");
    heap_reset();
    base = cur_bytes;
    r = iotl_manifest_parse(&m, worst, w);
    size_t worst_peak = peak_bytes - base;
    if (r != IOTL_ERR_SCHEMA) {
        die("worst-case document not parsed by the JSON layer", r);
    }
    /* One value more than IOTL_JSON_MAX_NODES is refused before cJSON allocates. */
    static char over[IOTL_JSON_MAX_SIZE];
    size_t ov = (size_t)snprintf(over, sizeof(over), "{\"pad\":[");
    for (int i = 0; i < IOTL_JSON_MAX_NODES; i++) {
        ov += (size_t)snprintf(over + ov, sizeof(over) - ov, "%s0", i ? "," : "");
    }
    ov += (size_t)snprintf(over + ov, sizeof(over) - ov, "]}");
    heap_reset();
    base = cur_bytes;
    r = iotl_manifest_parse(&m, over, ov);
    size_t over_peak = peak_bytes - base;
    if (r != IOTL_ERR_TOO_LARGE) {
        die("node limit", r);
    }

    /* 4. Key ring update (1 root signature, 3 keys). */
    t = now_s();
    heap_reset();
    base = cur_bytes;
    for (int i = 0; i < iters; i++) {
        iotl_keyring_init(&ring, &c, (const uint8_t(*)[65])root_pub, 1, 1);
        r = iotl_keyring_update(&ring, &c, ring_doc, rlen, &fl, T0, 0, &work, NULL);
        if (r != 0) {
            die("keyring update", r);
        }
    }
    double ring_us = (now_s() - t) / iters * 1e6;
    size_t ring_peak = peak_bytes - base;

    /* 5. Full decision: deployment + manifest. */
    const char *groups[] = {"beta"};
    struct iotl_device_info dev = {"device-0001", "acme-sensor", "rev-a", groups, 1, "1.4.1"};
    struct iotl_trust_request req = {&ring, &c, &dev, &fl, T0 + 3600, 0};
    heap_reset();
    base = cur_bytes;
    t = now_s();
    for (int i = 0; i < iters; i++) {
        r = iotl_trust_decide(&req, djws, dlen, mjws, mlen, &work, &res);
        if (r != 0) {
            die("decide", r);
        }
    }
    double decide_us = (now_s() - t) / iters * 1e6;
    size_t decide_peak = peak_bytes - base;

    printf("| measurement (iotlife, Mbed TLS port, %d iterations) | value |\n|---|---:|\n", iters);
    printf("| ECDSA P-256 verify (crypto port) | %.0f us |\n", ecdsa_us);
    printf("| JWS compact ES256 verify (manifest, %zu B) | %.0f us |\n", mlen, jws_us);
    printf("| JWS verify peak heap (header parse) | %zu B |\n", jws_peak);
    printf("| manifest parse (%d B JSON, 2 payloads) | %.1f us |\n", mlen_json, parse_us);
    printf("| manifest parse peak heap | %zu B in %zu allocations |\n", parse_peak, parse_allocs);
    printf("| manifest parse heap left after return | %zu B |\n", leaked);
    printf("| worst-case JSON (%zu B, %d values) peak heap | %zu B |\n", w, IOTL_JSON_MAX_NODES - 1, worst_peak);
    printf("| JSON with %d values (refused by the scan) peak heap | %zu B |\n", IOTL_JSON_MAX_NODES + 1, over_peak);
    printf("| key ring update (3 keys, 1 root signature) | %.0f us, peak heap %zu B |\n", ring_us, ring_peak);
    printf("| full decision (deployment + manifest) | %.0f us, peak heap %zu B |\n", decide_us, decide_peak);
    printf("| sizeof(iotl_keyring_t) / (iotl_trust_work_t) / (struct iotl_manifest) / (struct iotl_trust_result) "
           "| %zu / %zu / %zu / %zu B |\n",
           sizeof(iotl_keyring_t), sizeof(iotl_trust_work_t), sizeof(struct iotl_manifest),
           sizeof(struct iotl_trust_result));
    iotl_host_key_free(root);
    iotl_host_key_free(pub);
    iotl_host_key_free(op);
    return 0;
}
