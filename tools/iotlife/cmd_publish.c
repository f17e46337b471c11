/* SPDX-License-Identifier: Apache-2.0 */
/* iotlife publish: lay signed documents and payloads out as a static
 * repository (docs/repository.md) that any HTTP server or CDN serves as-is.
 * Immutable objects are never rewritten with different bytes; mutable names
 * (deployments/<channel>.jws, keys/keyring.jws) are replaced atomically. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "iotlife/base64url.h"
#include "iotlife/deploy.h"
#include "iotlife/jws.h"
#include "iotlife/manifest.h"
#include "iotlife/port/mbedtls.h"

#define MAX_FILES 16

struct blob {
    uint8_t *data;
    size_t len;
};

static int read_blob(const char *path, struct blob *b)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    size_t cap = 1u << 16;
    b->len = 0;
    b->data = malloc(cap);
    while (b->data != NULL) {
        b->len += fread(b->data + b->len, 1, cap - b->len, f);
        if (b->len < cap) {
            break;
        }
        uint8_t *nd = realloc(b->data, cap * 2u);
        if (nd == NULL) {
            free(b->data);
            b->data = NULL;
            break;
        }
        b->data = nd;
        cap *= 2u;
    }
    int err = ferror(f);
    fclose(f);
    return b->data == NULL || err ? -1 : 0;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        (void)sprintf(out + 2u * i, "%02x", b[i]);
    }
}

static int sha256_hex(const struct blob *b, char out[2 * IOTL_SHA256_LEN + 1], uint8_t raw[IOTL_SHA256_LEN])
{
    struct iotl_crypto c;
    uint8_t d[IOTL_SHA256_LEN];
    if (iotl_mbedtls_crypto_init(&c) != 0 || iotl_sha256(&c, b->data, b->len, d) != 0) {
        return -1;
    }
    hex(out, d, sizeof(d));
    if (raw != NULL) {
        memcpy(raw, d, sizeof(d));
    }
    return 0;
}

static int mkdirs(const char *path)
{
    char tmp[1024];
    (void)snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Write atomically (temporary name, fsync, rename). */
static int write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[1100];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        return -1;
    }
    int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        (void)unlink(tmp);
        return -1;
    }
    return 0;
}

/* An immutable object: absent -> write; same bytes -> nothing; else refuse. */
static int put_immutable(const char *path, const void *data, size_t len, const char *what)
{
    struct blob old;
    if (read_blob(path, &old) == 0) {
        int same = old.len == len && memcmp(old.data, data, len) == 0;
        free(old.data);
        if (!same) {
            fprintf(stderr, "iotlife: publish: %s exists with different bytes (%s is immutable)\n", path, what);
            return 1;
        }
        return 0;
    }
    if (write_atomic(path, data, len) != 0) {
        return cli_fail(path, strerror(errno));
    }
    return 0;
}

/* The decoded payload of a compact JWS (NUL-terminated, malloc'ed). */
static char *jws_payload(const struct blob *doc, size_t *len)
{
    struct iotl_jws j;
    if (iotl_jws_parse(&j, (const char *)doc->data, doc->len) != 0) {
        return NULL;
    }
    size_t cap = j.payload_b64_len;
    char *out = malloc(cap + 1u);
    if (out == NULL || iotl_b64url_decode(j.payload_b64, j.payload_b64_len, (uint8_t *)out, cap, len) != 0) {
        free(out);
        return NULL;
    }
    out[*len] = '\0';
    return out;
}

static int name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

static void ensure_index(const char *repo)
{
    char p[1024];
    (void)snprintf(p, sizeof(p), "%s/iotlife-repo.json", repo);
    if (access(p, F_OK) != 0) {
        static const char idx[] = "{\"format\":\"iotlife-repo\",\"version\":1}\n";
        (void)write_atomic(p, idx, sizeof(idx) - 1u);
    }
}

static int publish_release(const char *repo, const char *manifest_path, char **files, int nfiles)
{
    static struct iotl_manifest m;
    struct blob doc;
    char sha[2 * IOTL_SHA256_LEN + 1];
    if (read_blob(manifest_path, &doc) != 0) {
        return cli_fail(manifest_path, "cannot read");
    }
    size_t plen = 0;
    char *payload = jws_payload(&doc, &plen);
    if (payload == NULL || iotl_manifest_parse(&m, payload, plen) != 0 || sha256_hex(&doc, sha, NULL) != 0) {
        free(payload);
        free(doc.data);
        return cli_fail(manifest_path, "not a valid manifest JWS");
    }
    free(payload);
    char dir[1024];
    char path[1200];
    (void)snprintf(dir, sizeof(dir), "%s/releases/%s", repo, sha);
    if (mkdirs(dir) != 0) {
        free(doc.data);
        return cli_fail(dir, strerror(errno));
    }
    int rc = 0;
    struct blob blobs[MAX_FILES];
    uint8_t digests[MAX_FILES][IOTL_SHA256_LEN];
    for (int i = 0; i < nfiles && rc == 0; i++) {
        char h[2 * IOTL_SHA256_LEN + 1];
        if (read_blob(files[i], &blobs[i]) != 0 || sha256_hex(&blobs[i], h, digests[i]) != 0) {
            rc = cli_fail(files[i], "cannot read");
            nfiles = i;
        }
    }
    for (uint8_t k = 0; k < m.payload_count && rc == 0; k++) {
        const struct iotl_payload *p = &m.payloads[k];
        if (strstr(p->location, "://") != NULL) {
            printf("payload %s: absolute location %s, not copied\n", p->name, p->location);
            continue;
        }
        if (!name_ok(p->location, 128)) {
            rc = cli_fail(p->name, "location must be a plain file name inside the release directory");
            break;
        }
        int found = -1;
        for (int i = 0; i < nfiles; i++) {
            if (blobs[i].len == p->download_size && memcmp(digests[i], p->download_sha256, IOTL_SHA256_LEN) == 0) {
                found = i;
                break;
            }
        }
        if (found < 0) {
            fprintf(stderr, "iotlife: publish: payload %s (%s, %u bytes): no given file has its SHA-256\n",
                    p->name, p->location, p->download_size);
            rc = 1;
            break;
        }
        (void)snprintf(path, sizeof(path), "%s/%s", dir, p->location);
        rc = put_immutable(path, blobs[found].data, blobs[found].len, "a payload");
    }
    if (rc == 0) {
        (void)snprintf(path, sizeof(path), "%s/manifest.jws", dir);
        rc = put_immutable(path, doc.data, doc.len, "a manifest");
    }
    for (int i = 0; i < nfiles; i++) {
        free(blobs[i].data);
    }
    free(doc.data);
    if (rc == 0) {
        ensure_index(repo);
        printf("published %s %s -> %s/\n", m.product, m.version, dir);
    }
    return rc;
}

static int publish_deployment(const char *repo, const char *channel, const char *path_in)
{
    static struct iotl_deployment d;
    struct blob doc;
    if (!name_ok(channel, 64)) {
        return cli_fail(channel, "channel must be [A-Za-z0-9._-]{1,64}");
    }
    if (read_blob(path_in, &doc) != 0) {
        return cli_fail(path_in, "cannot read");
    }
    size_t plen = 0;
    char *payload = jws_payload(&doc, &plen);
    int ok = payload != NULL && iotl_deployment_parse(&d, payload, plen) == 0;
    free(payload);
    if (!ok) {
        free(doc.data);
        return cli_fail(path_in, "not a valid deployment JWS");
    }
    char sha[2 * IOTL_SHA256_LEN + 1];
    char p[1200];
    hex(sha, d.manifest_sha256, IOTL_SHA256_LEN);
    (void)snprintf(p, sizeof(p), "%s/releases/%s/manifest.jws", repo, sha);
    if (access(p, R_OK) != 0) {
        free(doc.data);
        fprintf(stderr, "iotlife: publish: the manifest %s is not in %s: publish the release first\n", sha, repo);
        return 1;
    }
    (void)snprintf(p, sizeof(p), "%s/deployments/archive", repo);
    int rc = mkdirs(p) == 0 ? 0 : cli_fail(p, strerror(errno));
    if (rc == 0) {
        (void)snprintf(p, sizeof(p), "%s/deployments/archive/%s-%u.jws", repo, channel, d.sequence);
        rc = put_immutable(p, doc.data, doc.len, "an archived deployment (sequence already used)");
    }
    if (rc == 0) {
        (void)snprintf(p, sizeof(p), "%s/deployments/%s.jws", repo, channel);
        rc = write_atomic(p, doc.data, doc.len) == 0 ? 0 : cli_fail(p, strerror(errno));
    }
    free(doc.data);
    if (rc == 0) {
        ensure_index(repo);
        printf("deployment %s (sequence %u) -> %s/deployments/%s.jws, release %s\n", d.id, d.sequence, repo,
               channel, sha);
    }
    return rc;
}

/* The key ring is JWS JSON (general) serialization: read "version" from its payload. */
static int keyring_version(const struct blob *doc, unsigned long *version)
{
    char *text = malloc(doc->len + 1u);
    if (text == NULL) {
        return -1;
    }
    memcpy(text, doc->data, doc->len);
    text[doc->len] = '\0';
    int ret = -1;
    const char *p = strstr(text, "\"payload\"");
    p = p != NULL ? strchr(p + 9, '"') : NULL;
    const char *e = p != NULL ? strchr(p + 1, '"') : NULL;
    if (e != NULL) {
        size_t n = (size_t)(e - p - 1);
        uint8_t *pl = malloc(n + 1u);
        size_t plen = 0;
        if (pl != NULL && iotl_b64url_decode(p + 1, n, pl, n, &plen) == 0) {
            pl[plen] = '\0';
            const char *v = strstr((const char *)pl, "\"version\":");
            char *end = NULL;
            if (v != NULL) {
                *version = strtoul(v + 10, &end, 10);
                ret = end != v + 10 ? 0 : -1;
            }
        }
        free(pl);
    }
    free(text);
    return ret;
}

static int publish_keyring(const char *repo, const char *path_in)
{
    struct blob doc;
    unsigned long v = 0;
    if (read_blob(path_in, &doc) != 0) {
        return cli_fail(path_in, "cannot read");
    }
    if (keyring_version(&doc, &v) != 0) {
        free(doc.data);
        return cli_fail(path_in, "not a key ring document (JWS JSON serialization with a version)");
    }
    char p[1200];
    (void)snprintf(p, sizeof(p), "%s/keys", repo);
    int rc = mkdirs(p) == 0 ? 0 : cli_fail(p, strerror(errno));
    if (rc == 0) {
        (void)snprintf(p, sizeof(p), "%s/keys/keyring-%lu.jws", repo, v);
        rc = put_immutable(p, doc.data, doc.len, "a key ring version");
    }
    if (rc == 0) {
        (void)snprintf(p, sizeof(p), "%s/keys/keyring.jws", repo);
        rc = write_atomic(p, doc.data, doc.len) == 0 ? 0 : cli_fail(p, strerror(errno));
    }
    free(doc.data);
    if (rc == 0) {
        ensure_index(repo);
        printf("key ring version %lu -> %s/keys/keyring.jws\n", v, repo);
    }
    return rc;
}

int cmd_publish(int argc, char **argv); /* listed in main.c */
int cmd_publish(int argc, char **argv)
{
    const char *repo = NULL;
    const char *channel = NULL;
    char *pos[MAX_FILES + 2];
    int npos = 0;
    if (argc < 2) {
        return cli_fail("publish", "release|deployment|keyring expected (iotlife publish --help)");
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--repo") == 0 && i + 1 < argc) {
            repo = argv[++i];
        } else if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc) {
            channel = argv[++i];
        } else if (argv[i][0] == '-') {
            return cli_fail(argv[i], "unknown option (iotlife publish --help)");
        } else if (npos < MAX_FILES + 1) {
            pos[npos++] = argv[i];
        } else {
            return cli_fail("publish", "too many files");
        }
    }
    if (repo == NULL) {
        return cli_fail("publish", "--repo DIR is required");
    }
    if (mkdirs(repo) != 0) {
        return cli_fail(repo, strerror(errno));
    }
    if (strcmp(argv[1], "release") == 0) {
        if (npos < 1) {
            return cli_fail("publish release", "MANIFEST.jws expected");
        }
        return publish_release(repo, pos[0], pos + 1, npos - 1);
    }
    if (strcmp(argv[1], "deployment") == 0) {
        if (npos != 1 || channel == NULL) {
            return cli_fail("publish deployment", "--channel NAME and one DEPLOYMENT.jws expected");
        }
        return publish_deployment(repo, channel, pos[0]);
    }
    if (strcmp(argv[1], "keyring") == 0) {
        if (npos != 1) {
            return cli_fail("publish keyring", "one RING.json expected");
        }
        return publish_keyring(repo, pos[0]);
    }
    return cli_fail(argv[1], "release|deployment|keyring expected");
}
