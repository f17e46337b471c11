/* SPDX-License-Identifier: Apache-2.0 */
/* Field readers shared by the manifest, deployment and key ring parsers:
 * one descriptor table per document section, read in order. */
#include "iotl_doc.h"

#include <string.h>

#include "iotl_encoding.h"
#include "iotl_priv.h"
#include "iotlife/base64url.h"
#include "iotlife/deploy.h"
#include "iotlife/manifest.h"

#define IOTL_DOC_NAME_INIT(n) #n,
const struct iotl_doc_names iotl_doc_names = {IOTL_DOC_NAME_LIST(IOTL_DOC_NAME_INIT)};
IOTL_STATIC_ASSERT(sizeof(struct iotl_doc_names) <= UINT16_MAX, doc_names_offsets_fit);
const char iotl_doc_enums[] = IOTL_DOC_KINDS "\0" IOTL_DOC_URGENCIES "\0" IOTL_DOC_ROLES "\0" IOTL_DOC_KTYS "\0" IOTL_DOC_CRVS;
IOTL_STATIC_ASSERT(IOTL_DOC_ENUM_CRVS <= UINT8_MAX, doc_enum_offsets_fit);

IOTL_STATIC_ASSERT(sizeof(struct iotl_manifest) <= UINT16_MAX && sizeof(struct iotl_deployment) <= UINT16_MAX &&
                       sizeof(iotl_keyring_t) <= UINT16_MAX,
                   document_sizes_fit);
/* By kind (IOTL_DOC_*). */
static const struct iotl_doc_schema doc_kinds[] = {
    {"iotlife-deployment", IOTL_DEPLOY_SCHEMA, (uint16_t)sizeof(struct iotl_deployment), IOTL_ROLE_OPERATOR,
     iotl_doc_parse_deployment},
    {"iotlife-manifest", IOTL_MANIFEST_SCHEMA, (uint16_t)sizeof(struct iotl_manifest), IOTL_ROLE_PUBLISHER,
     iotl_doc_parse_manifest},
    {"iotlife-keyring", 1, (uint16_t)sizeof(iotl_keyring_t), IOTL_ROLE_ROOT, iotl_doc_parse_ring},
};
IOTL_STATIC_ASSERT(IOTL_DOC_DEPLOYMENT == 0 && IOTL_DOC_MANIFEST == 1 && IOTL_DOC_RING == 2, doc_kind_index);

static const struct iotl_doc_schema *doc_kind(const void *out)
{
    uint32_t k;
    memcpy(&k, out, sizeof(k));
    return &doc_kinds[k <= IOTL_DOC_RING ? k : IOTL_DOC_DEPLOYMENT];
}

int iotl_doc_parse(void *out, const void *json, size_t len, const void *arg)
{
    const struct iotl_doc_schema *t = doc_kind(out);
    iotl_json_doc_t doc;
    memset(out, 0, t->size);
    int ret = iotl_json_parse(&doc, (const char *)json, len);
    if (ret != IOTL_OK) {
        return ret;
    }
    const iotl_json_node_t *root = (const iotl_json_node_t *)doc.root;
    uint32_t v; /* read only once set */
    ret = IOTL_ERR_SCHEMA;
    if (iotl_doc_expect_str(root, IOTL_DOC_N(type), t->type) == IOTL_OK &&
        iotl_json_u32(iotl_json_member(root, IOTL_DOC_N(v)), &v) == IOTL_OK && v == t->schema) {
        ret = t->parse(out, root, arg);
    }
    iotl_json_free(&doc); /* the tree never outlives the call */
    if (ret != IOTL_OK) {
        memset(out, 0, t->size);
    }
    return ret;
}

IOTL_STATIC_ASSERT(offsetof(struct iotl_manifest, schema) == 0 && offsetof(struct iotl_deployment, schema) == 0,
                   documents_start_with_their_schema);

int iotl_doc_verify(const iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *compact, size_t len,
                    int64_t now, iotl_trust_work_t *work, void *out, const struct iotl_key **signer)
{
    IOTL_ASSERT(work != NULL && out != NULL);
    const struct iotl_doc_schema *t = doc_kind(out);
    size_t n; /* set (0 on failure) by the verify */
    int ret = iotl_keyring_verify_jws(kr, crypto, (enum iotl_key_role)t->role, compact, len, now, work->text,
                                      sizeof(work->text), &n, signer);
    /* Parsed (zeroing out) on failure too: then of no text (n is 0), which
     * fails at once. */
    int pret = iotl_doc_parse(out, work->text, n, NULL);
    return ret != IOTL_OK ? ret : pret;
}

int iotl_doc_expect_str(const iotl_json_node_t *obj, const char *name, const char *want)
{
    const char *s = iotl_json_str(iotl_json_member(obj, name));
    if (s == NULL || strcmp(s, want) != 0) {
        return IOTL_ERR_SCHEMA;
    }
    return IOTL_OK;
}

int iotl_doc_find(const void *rows, size_t stride, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp((const char *)rows + i * stride, s) == 0) {
            return (int)i;
        }
    }
    return -1;
}


/* An identifier: 1..cap-1 characters of [A-Za-z0-9._+:-] (IOTL_ERR_RANGE). */
static int doc_ident(const iotl_json_node_t *n, char *buf, size_t cap)
{
    /* On failure buf is left as it is: every parser zeroes its output then. */
    int ret = iotl_json_str_copy(n, buf, cap);
    if (ret == IOTL_OK && buf[0] == '\0') {
        ret = IOTL_ERR_RANGE;
    }
    /* The alphabet string ends after its IOTL_B64URL_IDENT_CHARS characters. */
    if (ret == IOTL_OK && buf[strspn(buf, iotl_b64url_alphabet)] != '\0') {
        ret = IOTL_ERR_RANGE;
    }
    return ret;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* 64 lowercase hex characters into 32 bytes, or (b64) base64url of exactly
 * cap bytes. */
static int get_bytes(const iotl_json_node_t *m, uint8_t *out, size_t cap, bool b64)
{
    const char *s;
    size_t n;
    int ret = iotl_json_str_ref(m, &s, &n);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (b64) {
        ret = iotl_b64url_decode(s, n, out, cap, &n);
        return ret == IOTL_OK && n != cap ? IOTL_ERR_RANGE : ret;
    }
    if (n != 64) {
        return IOTL_ERR_RANGE;
    }
    for (size_t i = 0; i < 64; i++) {
        int h = hexval(s[i]);
        if (h < 0) {
            return IOTL_ERR_RANGE;
        }
        out[i / 2] = (uint8_t)((out[i / 2] << 4) | h);
    }
    return IOTL_OK;
}

/* A URL or relative path (already copied into buf): printable ASCII, no
 * spaces, quotes, backslashes or angle brackets; relative paths must not
 * start with '/' or name a scheme; ".." only when allow_parent (IOTL_ERR_RANGE). */
static int check_location(const char *buf, bool allow_parent)
{
    bool url = (strncmp(buf, "https://", 8) == 0 || strncmp(buf, "http://", 7) == 0);
    bool bad = (buf[0] == '\0') || (!url && (buf[0] == '/' || strchr(buf, ':') != NULL)) ||
               (!allow_parent && strstr(buf, "..") != NULL) || strpbrk(buf, "\"\\<>") != NULL;
    for (const char *p = buf; *p != '\0'; p++) {
        bad = bad || (unsigned)((uint8_t)*p - 0x21u) >= 0x5eu; /* not printable ASCII without space */
    }
    return bad ? IOTL_ERR_RANGE : IOTL_OK;
}

/* Array of identifiers into rows of `stride` bytes after the count byte, at
 * most max rows (IOTL_ERR_TOO_LARGE); duplicates are IOTL_ERR_SCHEMA, and so
 * is an empty required list. */
int iotl_doc_array(const iotl_json_node_t *a, size_t max, bool required)
{
    if (iotl_json_type(a) != IOTL_JSON_ARRAY) {
        return IOTL_ERR_SCHEMA;
    }
    size_t n = iotl_json_count(a);
    if (n > max) {
        return IOTL_ERR_TOO_LARGE;
    }
    return (n == 0 && required) ? IOTL_ERR_SCHEMA : IOTL_OK;
}

static const char *field_name(const struct iotl_doc_field *f)
{
    return (const char *)&iotl_doc_names + f->name;
}

static int get_ident_list(const iotl_json_node_t *m, uint8_t *count, size_t stride, size_t max, bool required)
{
    char *rows = (char *)(count + 1);
    int ret = iotl_doc_array(m, max, required);
    if (ret != IOTL_OK) {
        return ret;
    }
    size_t i = 0;
    for (const iotl_json_node_t *e = iotl_json_first(m); e != NULL; e = iotl_json_next(e), i++) {
        char *row = rows + i * stride;
        ret = doc_ident(e, row, stride);
        if (ret != IOTL_OK) {
            return ret;
        }
        if (iotl_doc_find(rows, stride, i, row) >= 0) {
            return IOTL_ERR_SCHEMA;
        }
    }
    *count = (uint8_t)i;
    return IOTL_OK;
}

IOTL_STATIC_ASSERT(IOTL_MANIFEST_MAX_HARDWARE <= 255 && IOTL_DEPLOY_MAX_SELECT <= 255, list_count_fits);

int iotl_doc_fields(const iotl_json_node_t *obj, const struct iotl_doc_field *f, size_t n, void *base)
{
    for (const struct iotl_doc_field *end = f + n; f != end; f++) {
        const iotl_json_node_t *m = iotl_json_member(obj, field_name(f));
        uint8_t *dst = (uint8_t *)base + f->off;
        size_t cap = (size_t)f->max + 1u;
        bool required = (f->type & IOTL_DOC_REQ) != 0;
        int64_t t;
        struct iotl_semver sv;
        int ret;
        unsigned kind = f->type & 0x0fu;
        if (kind == IOTL_DOC_OBJ) {
            /* The fields after it are its members (all absent when it is). */
            if (m != NULL && iotl_json_type(m) != IOTL_JSON_OBJECT) {
                return IOTL_ERR_SCHEMA;
            }
            obj = m;
            continue;
        }
        if (m == NULL) {
            if (required) {
                return IOTL_ERR_SCHEMA;
            }
            continue;
        }
        if (kind == IOTL_DOC_ENUM) {
            const char *s = iotl_json_str(m); /* NULL: no string, no name matches */
            const char *names = iotl_doc_enums + f->max;
            ret = IOTL_ERR_SCHEMA;
            for (unsigned i = (f->type & IOTL_DOC_POS) ? 1u : 0u; s != NULL && *names != '\0';
                 i++, names += strlen(names) + 1u) {
                if (strcmp(s, names) == 0) {
                    *dst = (uint8_t)i;
                    ret = IOTL_OK;
                    break;
                }
            }
        } else if (kind == IOTL_DOC_U32) {
            ret = iotl_json_u32(m, (uint32_t *)(void *)dst);
            if (ret == IOTL_OK && (f->type & IOTL_DOC_POS) && *(uint32_t *)(void *)dst == 0u) {
                ret = IOTL_ERR_RANGE;
            }
        } else if (kind == IOTL_DOC_TIME) {
            int64_t start = -1; /* no start: any time >= 0 is later */
            if (f->type & IOTL_DOC_END) {
                memcpy(&start, dst - sizeof(start), sizeof(start));
            }
            ret = iotl_json_i64(m, &t);
            /* start >= -1, so a negative t is at or before it (and not 0). */
            if (ret == IOTL_OK && t <= start && (required || t != 0)) {
                ret = IOTL_ERR_RANGE;
            }
            if (ret == IOTL_OK) {
                memcpy(dst, &t, sizeof(t));
            }
        } else if (kind == IOTL_DOC_SHA256 || kind == IOTL_DOC_B64) {
            ret = get_bytes(m, dst, cap, kind == IOTL_DOC_B64);
        } else if (kind == IOTL_DOC_LIST) {
            ret = get_ident_list(m, dst, cap,
                                 (f->type & IOTL_DOC_SEL) ? IOTL_DEPLOY_MAX_SELECT : IOTL_MANIFEST_MAX_HARDWARE,
                                 required);
        } else if (kind == IOTL_DOC_IDENT) {
            ret = doc_ident(m, (char *)dst, cap);
        } else {
            /* A string checked once copied: a version or a location. */
            ret = iotl_json_str_copy(m, (char *)dst, cap);
            if (kind == IOTL_DOC_VERSION) {
                if (ret == IOTL_ERR_RANGE) {
                    ret = IOTL_ERR_VERSION_FORMAT;
                }
                if (ret == IOTL_OK && (required || dst[0] != '\0')) {
                    ret = iotl_semver_parse((const char *)dst, &sv);
                }
            } else if (ret == IOTL_OK) {
                ret = check_location((const char *)dst, kind == IOTL_DOC_URL_UP);
            }
        }
        if (ret != IOTL_OK) {
            return ret;
        }
    }
    return IOTL_OK;
}
