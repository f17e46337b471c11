/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the document parsers (manifest, deployment). */
#ifndef IOTL_DOC_H
#define IOTL_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotl_json.h"

/* Member `name` must be a string equal to want (IOTL_ERR_SCHEMA otherwise). */
int iotl_doc_expect_str(const iotl_json_node_t *obj, const char *name, const char *want);
/* Member `v` must be the number `schema` (IOTL_ERR_SCHEMA otherwise). */
int iotl_doc_expect_schema(const iotl_json_node_t *obj, uint32_t schema);
/* An identifier: 1..cap-1 characters of [A-Za-z0-9._+:-] (IOTL_ERR_RANGE). */
int iotl_doc_get_ident(const iotl_json_node_t *obj, const char *name, char *buf, size_t cap, bool required);
int iotl_doc_ident(const iotl_json_node_t *n, char *buf, size_t cap);
/* 64 lowercase hex characters -> 32 bytes (IOTL_ERR_RANGE). */
int iotl_doc_get_sha256(const iotl_json_node_t *obj, const char *name, uint8_t out[32], bool required);
/* A URL or relative path: printable ASCII, no spaces, quotes or backslashes;
 * relative paths must not start with '/' or name a scheme; ".." only when
 * allow_parent (IOTL_ERR_RANGE). */
int iotl_doc_get_location(const iotl_json_node_t *obj, const char *name, char *buf, size_t cap,
                          bool required, bool allow_parent);
/* Array of identifiers into rows of `stride` bytes, at most max rows
 * (IOTL_ERR_TOO_LARGE); duplicates are IOTL_ERR_SCHEMA. Missing: 0 rows
 * unless required. */
int iotl_doc_get_ident_list(const iotl_json_node_t *obj, const char *name, char *rows, size_t stride,
                            size_t max, uint8_t *count, bool required);
/* Non-negative Unix time. */
int iotl_doc_get_time(const iotl_json_node_t *obj, const char *name, int64_t *out, bool required);

#endif
