/* SPDX-License-Identifier: Apache-2.0 */
/* Internal JSON layer: the one door to cJSON (src/json.c). The document
 * parsers (JWS header, key ring, manifest, deployment) walk an opaque tree
 * with these functions and never see a cJSON type.
 *
 * Contract:
 *  - iotl_json_parse() enforces, before cJSON sees a byte: the size limit
 *    (IOTL_JSON_MAX_SIZE, IOTL_ERR_TOO_LARGE), the value count limit
 *    (IOTL_JSON_MAX_NODES, IOTL_ERR_TOO_LARGE: bounds cJSON's heap), the nesting limit
 *    (IOTL_JSON_MAX_DEPTH, IOTL_ERR_TOO_DEEP; non-recursive scan), strict
 *    RFC 8259 grammar incl. valid UTF-8 and no \u0000 (IOTL_ERR_MALFORMED),
 *    numbers of at most 15 significant digits (IOTL_ERR_RANGE), nothing but
 *    whitespace after the value (IOTL_ERR_TRAILING_DATA). After cJSON built
 *    the tree it rejects repeated member names (IOTL_ERR_DUPLICATE_KEY) and a
 *    root that is not an object (IOTL_ERR_SCHEMA).
 *  - The tree lives on cJSON's heap (its default hooks; the library never
 *    calls cJSON_InitHooks) until iotl_json_free(), which every public parser
 *    calls before it returns. Node pointers die with the document.
 *  - No recursion anywhere; traversals use a stack of IOTL_JSON_MAX_DEPTH. */
#ifndef IOTL_JSON_H
#define IOTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotlife/config.h"
#include "iotlife/error.h"

/* Opaque node (a cJSON inside json.c). */
typedef struct iotl_json_node iotl_json_node_t;

typedef struct iotl_json_doc {
    void *root; /* cJSON tree, NULL when empty */
} iotl_json_doc_t;

/* A node's type; the values are cJSON's type bits (static-asserted in json.c),
 * so a boolean is IOTL_JSON_FALSE or IOTL_JSON_TRUE. */
enum iotl_json_type {
    IOTL_JSON_INVALID = 0, /* a NULL node */
    IOTL_JSON_FALSE = 1,
    IOTL_JSON_TRUE = 2,
    IOTL_JSON_NULL = 4,
    IOTL_JSON_NUMBER = 8,
    IOTL_JSON_STRING = 16,
    IOTL_JSON_ARRAY = 32,
    IOTL_JSON_OBJECT = 64
};

/* Largest integer magnitude the integer getters accept (exactness bound). */
#define IOTL_JSON_INT_MAX 999999999999999LL

/* Check, build the tree, reject duplicate names; doc is empty on failure.
 * IOTL_ERR_NO_MEM when cJSON's allocator failed on a valid document. */
int iotl_json_parse(iotl_json_doc_t *doc, const char *text, size_t len);
/* Frees the tree of doc (not NULL) and empties doc; its nodes die. */
void iotl_json_free(iotl_json_doc_t *doc);

enum iotl_json_type iotl_json_type(const iotl_json_node_t *n);

/* Object member by exact name, NULL when absent or obj is not an object. */
const iotl_json_node_t *iotl_json_member(const iotl_json_node_t *obj, const char *name);
/* First element/member of an array/object (NULL when empty, a scalar or NULL), and the next one
 * (of a node, not NULL). */
const iotl_json_node_t *iotl_json_first(const iotl_json_node_t *n);
const iotl_json_node_t *iotl_json_next(const iotl_json_node_t *n);
/* Number of elements/members; 0 for scalars. */
size_t iotl_json_count(const iotl_json_node_t *n);

/* Value accessors: IOTL_ERR_SCHEMA for the wrong type, IOTL_ERR_RANGE when
 * the value does not fit (string longer than cap-1 bytes, non-integral or
 * out-of-range integer; iotl_json_number() gives any double, also an
 * infinite one for 1e999, and leaves the range to its caller). Strings are valid UTF-8 without NUL bytes. A NULL
 * node (a missing member) is IOTL_ERR_SCHEMA, so `iotl_json_u32(iotl_json_member(o,
 * "x"), &v)` reads a required member; iotl_doc_fields() reads optional ones.
 * *out holds the value only on success (iotl_json_i64() may write it before
 * it finds the number is not an integer). */
/* The string of a string node, NULL for any other node (and for NULL). */
const char *iotl_json_str(const iotl_json_node_t *n);
int iotl_json_str_ref(const iotl_json_node_t *n, const char **s, size_t *len);
int iotl_json_str_copy(const iotl_json_node_t *n, char *buf, size_t cap);
int iotl_json_u32(const iotl_json_node_t *n, uint32_t *out);
int iotl_json_i64(const iotl_json_node_t *n, int64_t *out);
int iotl_json_number(const iotl_json_node_t *n, double *out);

#endif
