/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest schema v1 (docs/manifest.md): strict parse into a plain struct,
 * and semantic versions. */
#include "iotlife/manifest.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "iotl_doc.h"
#include "iotl_json.h"
#include "iotl_priv.h"

/* ---- semantic versions ------------------------------------------------- */

static bool is_digit(char c)
{
    return (unsigned)(c - '0') <= 9u;
}

static IOTL_ALWAYS_INLINE bool is_ident_char(char c)
{
    return is_digit(c) || (unsigned)((c | 0x20) - 'a') <= 25u || c == '-';
}

/* One pass over the dot-separated identifiers: part 0..2 the numeric core
 * (digits only, no leading zero, fits uint32), 3 the pre-release (numeric
 * identifiers without leading zeros), 4 the build metadata. */
int iotl_semver_parse(const char *s, struct iotl_semver *out)
{
    IOTL_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    uint32_t *num = &out->major; /* major, minor, patch: consecutive */
    const char *p = s;
    const char *pre = NULL;
    unsigned part = 0;
    for (;;) {
        const char *start = p;
        bool digits = true;
        uint64_t v = 0;
        while (part < 3 ? is_digit(*p) : is_ident_char(*p)) {
            digits &= is_digit(*p);
            if (v <= UINT32_MAX) {
                v = v * 10u + (uint64_t)(*p - '0');
            }
            p++;
        }
        size_t n = (size_t)(p - start);
        if (n == 0 || (part <= 3 && digits && n > 1 && start[0] == '0') || (part < 3 && v > UINT32_MAX)) {
            goto fail;
        }
        if (part < 3) {
            num[part] = (uint32_t)v;
        }
        char c = *p++;
        if (c == '\0' && part >= 2) {
            if (p - s > IOTL_MANIFEST_VERSION_MAX + 1) {
                goto fail; /* p is past the NUL */
            }
            break;
        }
        if (part == 2 && c == '-') {
            pre = p;
            part = 3;
        } else if (part >= 2 && part < 4 && c == '+') {
            part = 4;
        } else if (c != '.' || part == 2) {
            goto fail;
        } else if (part < 2) {
            part++;
        }
    }
    if (pre != NULL) {
        memcpy(out->pre, pre, strcspn(pre, "+"));
    }
    return IOTL_OK;
fail:
    memset(out, 0, sizeof(*out));
    return IOTL_ERR_VERSION_FORMAT;
}

/* Length of the identifier at p (up to '.' or the end); true when numeric. */
static IOTL_ALWAYS_INLINE bool ident_len(const char *p, size_t *n)
{
    bool digits = true;
    size_t k = 0;
    for (; p[k] != '\0' && p[k] != '.'; k++) {
        digits = digits && is_digit(p[k]);
    }
    *n = k;
    return digits;
}

int iotl_semver_cmp(const struct iotl_semver *a, const struct iotl_semver *b)
{
    const uint32_t *na = &a->major;
    const uint32_t *nb = &b->major;
    for (int k = 0; k < 3; k++) {
        if (na[k] != nb[k]) {
            return na[k] < nb[k] ? -1 : 1;
        }
    }
    /* A version without pre-release has higher precedence. */
    const char *x = a->pre;
    const char *y = b->pre;
    if (*x == '\0' || *y == '\0') {
        return (*x == '\0') - (*y == '\0');
    }
    for (;;) {
        size_t nx;
        size_t ny;
        bool dx = ident_len(x, &nx);
        bool dy = ident_len(y, &ny);
        int c = (int)dy - (int)dx; /* numeric identifiers sort first */
        int dn = (int)nx - (int)ny;
        if (c == 0) {
            /* Numbers have no leading zeros: the longer is larger; else bytes, then length. */
            c = (dx && dn != 0) ? dn : memcmp(x, y, IOTL_MIN(nx, ny));
        }
        if (c == 0) {
            c = dn;
        }
        if (c != 0) {
            return c < 0 ? -1 : 1;
        }
        x += nx;
        y += ny;
        if (*x == '\0' || *y == '\0') {
            return (*x != '\0') - (*y != '\0');
        }
        x++;
        y++;
    }
}

/* ---- manifest ---------------------------------------------------------- */

#define PF(name, member, type) IOTL_DOC_FIELD(name, struct iotl_payload, member, type)
static const struct iotl_doc_field payload_fields[] = {
    PF(name, name, IOTL_DOC_IDENT | IOTL_DOC_REQ),
    PF(component, component, IOTL_DOC_IDENT | IOTL_DOC_REQ),
    PF(size, size, IOTL_DOC_U32 | IOTL_DOC_POS | IOTL_DOC_REQ),
    PF(sha256, sha256, IOTL_DOC_SHA256 | IOTL_DOC_REQ),
    PF(location, location, IOTL_DOC_URL | IOTL_DOC_REQ),
    IOTL_DOC_ENUM_FIELD(kind, struct iotl_payload, kind, IOTL_DOC_ENUM_KINDS, 0),
};
/* What a full image may state about its download (rows 0-1: it must
 * agree), and what a deflate or delta payload must state (rows 2-3). */
static const struct iotl_doc_field download_fields[] = {
    PF(download_size, download_size, IOTL_DOC_U32 | IOTL_DOC_REQ),
    PF(download_sha256, download_sha256, IOTL_DOC_SHA256),
    PF(download_size, download_size, IOTL_DOC_U32 | IOTL_DOC_POS | IOTL_DOC_REQ),
    PF(download_sha256, download_sha256, IOTL_DOC_SHA256 | IOTL_DOC_REQ),
};
static const struct iotl_doc_field delta_fields[] = {
    PF(base_version, base_version, IOTL_DOC_VERSION | IOTL_DOC_REQ),
    PF(base_sha256, base_sha256, IOTL_DOC_SHA256 | IOTL_DOC_REQ),
};

/* True when obj has a member named by one of the n fields. */
static bool any_member(const iotl_json_node_t *obj, const struct iotl_doc_field *f, size_t n)
{
    for (const struct iotl_doc_field *end = f + n; f != end; f++) {
        if (iotl_json_member(obj, IOTL_DOC_NAME_AT(f->name)) != NULL) {
            return true;
        }
    }
    return false;
}

IOTL_STATIC_ASSERT(IOTL_JSON_INVALID == 0 && IOTL_JSON_FALSE == 1 && IOTL_JSON_TRUE == 2 && IOTL_JSON_NULL > 2,
                   json_types_above_true_are_not_booleans);

/* A payload object (a non-object has no required member: IOTL_ERR_SCHEMA). */
static IOTL_ALWAYS_INLINE int parse_payload(const iotl_json_node_t *o, struct iotl_payload *p)
{
    int ret = iotl_doc_fields(o, payload_fields, IOTL_ARRAY_LEN(payload_fields), p);
    if (ret != IOTL_OK) {
        return ret;
    }
    bool full = p->kind == IOTL_PAYLOAD_FULL;
    /* A full image is its own download; it may say so, but must agree. A
     * deflate or delta payload states both. */
    p->download_size = p->size;
    memcpy(p->download_sha256, p->sha256, IOTL_SHA256_LEN);
    if (!full || any_member(o, download_fields, 2)) {
        ret = iotl_doc_fields(o, download_fields + (full ? 0 : 2), 2, p);
        if (ret != IOTL_OK) {
            return ret;
        }
        if (p->download_size != p->size || memcmp(p->download_sha256, p->sha256, IOTL_SHA256_LEN) != 0) {
            if (full) {
                return IOTL_ERR_SCHEMA; /* a full image's download is the image */
            }
        }
    }
    /* Absent (no node), false or true; any other type is IOTL_ERR_SCHEMA. */
    enum iotl_json_type restart = iotl_json_type(iotl_json_member(o, IOTL_DOC_N(restart_points)));
    if (restart > IOTL_JSON_TRUE) {
        return IOTL_ERR_SCHEMA;
    }
    if (restart == IOTL_JSON_TRUE) {
        if (p->kind != IOTL_PAYLOAD_DEFLATE) {
            return IOTL_ERR_SCHEMA; /* restart points are a property of a deflate stream */
        }
        p->flags |= IOTL_COMPONENT_FULL_FLUSH;
    }
    if (p->kind == IOTL_PAYLOAD_DELTA) {
        return iotl_doc_fields(o, delta_fields, IOTL_ARRAY_LEN(delta_fields), p);
    }
    /* A base image only makes sense for a delta. */
    return any_member(o, delta_fields, IOTL_ARRAY_LEN(delta_fields)) ? IOTL_ERR_SCHEMA : IOTL_OK;
}

#define MF(name, member, type) IOTL_DOC_FIELD(name, struct iotl_manifest, member, type)
IOTL_STATIC_ASSERT(offsetof(struct iotl_manifest, hardware) == offsetof(struct iotl_manifest, hardware_count) + 1,
                   hardware_rows_follow_count);
IOTL_STATIC_ASSERT(offsetof(struct iotl_manifest, release_notes) < 65536u, manifest_offsets_fit);
static const struct iotl_doc_field manifest_fields[] = {
    MF(product, product, IOTL_DOC_IDENT | IOTL_DOC_REQ),
    IOTL_DOC_LIST_FIELD(hardware, struct iotl_manifest, hardware_count, hardware, IOTL_DOC_REQ),
    MF(version, version, IOTL_DOC_VERSION | IOTL_DOC_REQ),
    MF(security_version, security_version, IOTL_DOC_U32 | IOTL_DOC_REQ),
    MF(sequence, sequence, IOTL_DOC_U32 | IOTL_DOC_REQ),
    MF(issued_at, issued_at, IOTL_DOC_TIME | IOTL_DOC_REQ),
    MF(expires, expires, IOTL_DOC_TIME | IOTL_DOC_END | IOTL_DOC_REQ),
    MF(supported_until, supported_until, IOTL_DOC_TIME),
    MF(release_notes, release_notes, IOTL_DOC_URL),
};

int iotl_doc_parse_manifest(void *out, const iotl_json_node_t *root, const void *arg)
{
    (void)arg;
    struct iotl_manifest *m = (struct iotl_manifest *)out;
    int ret = iotl_doc_fields(root, manifest_fields, IOTL_ARRAY_LEN(manifest_fields), m);
    if (ret != IOTL_OK) {
        return ret;
    }
    m->schema = IOTL_MANIFEST_SCHEMA;
    (void)iotl_semver_parse(m->version, &m->semver); /* valid: checked as the field was read */
    const iotl_json_node_t *pl = iotl_json_member(root, IOTL_DOC_N(payloads));
    ret = iotl_doc_array(pl, IOTL_MANIFEST_MAX_PAYLOADS, true);
    if (ret != IOTL_OK) {
        return ret;
    }
    struct iotl_payload *p = m->payloads;
    for (const iotl_json_node_t *e = iotl_json_first(pl); e != NULL; e = iotl_json_next(e), p++) {
        ret = parse_payload(e, p);
        if (ret != IOTL_OK) {
            return ret;
        }
        if (iotl_doc_find(m->payloads[0].name, sizeof(*p), m->payload_count, p->name) >= 0) {
            return IOTL_ERR_SCHEMA;
        }
        m->payload_count++;
    }
    return IOTL_OK;
}

int iotl_manifest_parse(struct iotl_manifest *m, const void *json, size_t len)
{
    IOTL_ASSERT(m != NULL);
    m->schema = IOTL_DOC_MANIFEST; /* names the document to iotl_doc_parse */
    return iotl_doc_parse(m, json, len, NULL);
}

int iotl_manifest_verify(const iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *compact,
                         size_t len, int64_t now, iotl_trust_work_t *work, struct iotl_manifest *m,
                         const struct iotl_key **signer)
{
    IOTL_ASSERT(m != NULL);
    m->schema = IOTL_DOC_MANIFEST; /* names the document to iotl_doc_verify */
    return iotl_doc_verify(kr, crypto, compact, len, now, work, m, signer);
}
