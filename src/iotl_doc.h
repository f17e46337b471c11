/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the document parsers (manifest, deployment, key ring):
 * one table-driven field reader instead of hand-written per-field code. */
#ifndef IOTL_DOC_H
#define IOTL_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotl_json.h"
#include "iotlife/keyring.h"

/* Field kinds (low 4 bits of iotl_doc_field.type). */
enum iotl_doc_kind {
    IOTL_DOC_URL_UP = 0, /* location, ".." allowed (never required: the one kind at 0, so no
                          * descriptor ORs a flag into an empty kind) */
    IOTL_DOC_U32,        /* uint32_t */
    IOTL_DOC_TIME,       /* int64_t Unix time, 0..IOTL_JSON_INT_MAX (IOTL_ERR_RANGE) */
    IOTL_DOC_IDENT,      /* identifier: 1..cap-1 characters of [A-Za-z0-9._+:-] (IOTL_ERR_RANGE) */
    IOTL_DOC_VERSION,    /* semantic version string; "" only when optional (IOTL_ERR_VERSION_FORMAT) */
    IOTL_DOC_SHA256,     /* 64 lowercase hex characters -> 32 bytes (IOTL_ERR_RANGE) */
    IOTL_DOC_URL,        /* location: printable ASCII URL or relative path, no ".." (IOTL_ERR_RANGE) */
    IOTL_DOC_LIST,       /* identifier list: off = its uint8_t count, rows follow the count */
    IOTL_DOC_ENUM,       /* uint8_t: index of the string among the NUL-separated names of
                          * iotl_doc_enums from offset max on (ended by an empty one), else
                          * IOTL_ERR_SCHEMA; absent: unchanged */
    IOTL_DOC_OBJ,        /* an object (IOTL_ERR_SCHEMA otherwise), never required, whose members
                          * all the fields after it name; absent: they are all absent (off, max unused) */
    IOTL_DOC_B64         /* base64url of exactly cap bytes (IOTL_ERR_RANGE, IOTL_ERR_NO_MEM,
                          * IOTL_ERR_BASE64); read with IOTL_DOC_SHA256 by one helper */
};
/* Flags in iotl_doc_field.type. */
#define IOTL_DOC_REQ 0x80u  /* missing member: IOTL_ERR_SCHEMA */
#define IOTL_DOC_SEL 0x40u  /* IOTL_DOC_LIST: at most IOTL_DEPLOY_MAX_SELECT rows (else IOTL_MANIFEST_MAX_HARDWARE) */
/* IOTL_DOC_TIME: an end, later than the int64_t right before it in the struct
 * (read before it: expires after issued_at, not_after after not_before);
 * optional ends only when not 0 (IOTL_ERR_RANGE). */
#define IOTL_DOC_END 0x20u
#define IOTL_DOC_POS IOTL_DOC_END /* IOTL_DOC_U32: above 0 (IOTL_ERR_RANGE); IOTL_DOC_ENUM: index from 1 */

/* Every member name the signed-document parsers read (JWS header, key
 * ring, manifest, deployment), stored once in src/doc_util.c: a name shared
 * by several documents costs its bytes once, a name that ends another one
 * ("sha256" of "base_sha256", "v" of "crv") is that name's tail, and a field table refers
 * to a name by its 16-bit offset instead of a pointer. */
#define IOTL_DOC_NAME_LIST(X)                                                                                  \
    X(type) X(kid) X(issued_at) X(expires) X(sequence) X(hardware) X(not_before) X(not_after)             \
    X(product) X(security_version) X(supported_until) X(release_notes) X(payloads) X(name) X(component) X(kind) \
    X(location) X(download_size) X(download_sha256) X(restart_points) X(base_version)                          \
    X(base_sha256) X(manifest_sha256) X(manifest_url) X(select) X(groups) X(devices) X(installed_min)          \
    X(installed_max) X(rollout_percent) X(hours_utc) X(urgency) X(threshold) X(keys) X(revoked) X(kty) X(crv)   \
    X(role) X(signatures) X(payload) X(protected) X(signature) X(alg) X(crit) X(b64)
/* The names stored as the tail of a longer one: (name, the longer name). */
#define IOTL_DOC_TAIL_LIST(T) T(sha256, base_sha256) T(size, download_size) T(version, base_version) T(y, urgency) T(id, kid) \
    T(v, crv) T(x, installed_max)
#define IOTL_DOC_NAME_MEMBER(n) char n[sizeof(#n)];
struct iotl_doc_names {
    IOTL_DOC_NAME_LIST(IOTL_DOC_NAME_MEMBER)
};
extern const struct iotl_doc_names iotl_doc_names;
/* IOTL_DOC_O_<name>: the offset of each name in iotl_doc_names. */
#define IOTL_DOC_NAME_OFFSET(n) IOTL_DOC_O_##n = offsetof(struct iotl_doc_names, n),
#define IOTL_DOC_TAIL_OFFSET(n, host) IOTL_DOC_O_##n = offsetof(struct iotl_doc_names, host) + sizeof(#host) - sizeof(#n),
enum iotl_doc_name_offset { IOTL_DOC_NAME_LIST(IOTL_DOC_NAME_OFFSET) IOTL_DOC_TAIL_LIST(IOTL_DOC_TAIL_OFFSET) };
/* The member name n (an identifier from the lists above) as a C string. */
#define IOTL_DOC_N(n) ((const char *)&iotl_doc_names + IOTL_DOC_O_##n)
/* The member name at offset o of iotl_doc_names. */
#define IOTL_DOC_NAME_AT(o) ((const char *)&iotl_doc_names + (o))

/* One member of a document: its name (offset in iotl_doc_names), where it
 * lands in the destination struct, kind | flags, and capacity - 1 (strings;
 * row stride - 1 for lists). */
struct iotl_doc_field {
    uint16_t name;
    uint16_t off;
    uint8_t type;
    uint8_t max;
};
#define IOTL_DOC_FIELD(name, st, member, type)                                                            \
    {                                                                                                    \
        (uint16_t)IOTL_DOC_O_##name, (uint16_t)offsetof(st, member), (uint8_t)(type), \
            (uint8_t)(sizeof(((st *)0)->member) - 1u)                                                     \
    }
/* A list: count member, then its rows member right after it (checked by the caller). */
#define IOTL_DOC_LIST_FIELD(name, st, count, rows, flags)                                                   \
    {                                                                                                      \
        (uint16_t)IOTL_DOC_O_##name, (uint16_t)offsetof(st, count),                    \
            (uint8_t)(IOTL_DOC_LIST | (flags)), (uint8_t)(sizeof(((st *)0)->rows[0]) - 1u)                 \
    }

/* The names of the enumerated members, one list after the other. */
#define IOTL_DOC_KINDS "full\0deflate\0delta\0"          /* payload kind (enum iotl_payload_kind) */
#define IOTL_DOC_URGENCIES "normal\0critical\0"           /* deployment urgency */
#define IOTL_DOC_ROLES "root\0publisher\0operator\0" /* key role (enum iotl_key_role, from 1: "none" is none) */
#define IOTL_DOC_KTYS "EC\0"                              /* JWK key type */
#define IOTL_DOC_CRVS "P-256\0"                           /* JWK curve */
extern const char iotl_doc_enums[];
#define IOTL_DOC_ENUM_KINDS 0u
#define IOTL_DOC_ENUM_URGENCIES (sizeof(IOTL_DOC_KINDS))
#define IOTL_DOC_ENUM_ROLES (sizeof(IOTL_DOC_KINDS) + sizeof(IOTL_DOC_URGENCIES))
#define IOTL_DOC_ENUM_KTYS (IOTL_DOC_ENUM_ROLES + sizeof(IOTL_DOC_ROLES))
#define IOTL_DOC_ENUM_CRVS (IOTL_DOC_ENUM_KTYS + sizeof(IOTL_DOC_KTYS))
#define IOTL_DOC_ENUM_FIELD(name, st, member, names, flags)                                                \
    {                                                                                                    \
        (uint16_t)IOTL_DOC_O_##name, (uint16_t)offsetof(st, member),                 \
            (uint8_t)(IOTL_DOC_ENUM | (flags)), (uint8_t)(names)                                          \
    }

/* A signed document kind: its "type" and "v" members, the struct it fills
 * and the signer's role; parse() reads the rest once type and v matched. */
struct iotl_doc_schema {
    const char *type;
    uint32_t schema;
    uint16_t size;
    uint8_t role; /* an enum iotl_key_role */
    int (*parse)(void *out, const iotl_json_node_t *root, const void *arg);
};
/* The payload readers of the documents (manifest.c, deploy.c, keyring.c;
 * the ring's arg is the crypto port that checks key ids), called by
 * iotl_doc_parse() once type and v matched. */
int iotl_doc_parse_manifest(void *out, const iotl_json_node_t *root, const void *arg);
int iotl_doc_parse_deployment(void *out, const iotl_json_node_t *root, const void *arg);
int iotl_doc_parse_ring(void *out, const iotl_json_node_t *root, const void *arg);
/* The document kind the driver reads: the caller stores it in the first
 * uint32_t of out (for a manifest or a deployment their schema member,
 * which the parse then zeroes or sets; written and read with memcpy), so
 * the public parse and verify calls pass their own arguments on. */
#define IOTL_DOC_DEPLOYMENT 0u
#define IOTL_DOC_MANIFEST 1u
#define IOTL_DOC_RING 2u
/* Zeroes out (of the kind it names), parses the JSON (tree freed before the
 * return), checks type and v (any other value, or none: IOTL_ERR_SCHEMA),
 * calls t->parse(out, root, arg); out is zeroed on failure. */
int iotl_doc_parse(void *out, const void *json, size_t len, const void *arg);
/* Zeroes out, verifies the compact JWS with a key of the kind's role in kr,
 * then iotl_doc_parse() of its payload (decoded into work->text). */
int iotl_doc_verify(const iotl_keyring_t *kr, const struct iotl_crypto *crypto, const char *compact, size_t len,
                    int64_t now, iotl_trust_work_t *work, void *out, const struct iotl_key **signer);

/* *out = *in with the key-ring version and the latest time raised to at
 * least version and t (out may be in). */
void iotl_floors_raise(struct iotl_floors *out, const struct iotl_floors *in, uint32_t version, int64_t t);

/* Index of the first of n NUL-terminated strings `stride` bytes apart that
 * equals s, -1 when none does. */
int iotl_doc_find(const void *rows, size_t stride, size_t n, const char *s);

/* Reads the n fields in order into base; the first failure is returned. */
int iotl_doc_fields(const iotl_json_node_t *obj, const struct iotl_doc_field *f, size_t n, void *base);
/* Member `name` must be a string equal to want (IOTL_ERR_SCHEMA otherwise). */
int iotl_doc_expect_str(const iotl_json_node_t *obj, const char *name, const char *want);
/* An array of at most max elements (IOTL_ERR_TOO_LARGE); not an array, or
 * empty when required: IOTL_ERR_SCHEMA. */
int iotl_doc_array(const iotl_json_node_t *a, size_t max, bool required);

#endif
