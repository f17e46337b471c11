/* SPDX-License-Identifier: Apache-2.0 */
/* Field validators shared by the manifest and deployment parsers. */
#include "iotl_doc.h"

#include <string.h>

#include "iotl_priv.h"

int iotl_doc_expect_str(const iotl_json_node_t *obj, const char *name, const char *want)
{
    const char *s;
    size_t n;
    if (iotl_json_str_ref(iotl_json_member(obj, name), &s, &n) != IOTL_OK || n != strlen(want) ||
        memcmp(s, want, n) != 0) {
        return IOTL_ERR_SCHEMA;
    }
    return IOTL_OK;
}

int iotl_doc_expect_schema(const iotl_json_node_t *obj, uint32_t schema)
{
    uint32_t v = 0;
    if (iotl_json_get_u32(obj, "v", &v, true) != IOTL_OK || v != schema) {
        return IOTL_ERR_SCHEMA;
    }
    return IOTL_OK;
}

static bool ident_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '+' || c == ':';
}

int iotl_doc_ident(const iotl_json_node_t *n, char *buf, size_t cap)
{
    int ret = iotl_json_str_copy(n, buf, cap);
    if (ret != IOTL_OK) {
        buf[0] = '\0';
        return ret;
    }
    if (buf[0] == '\0') {
        return IOTL_ERR_RANGE;
    }
    for (const char *p = buf; *p != '\0'; p++) {
        if (!ident_char(*p)) {
            buf[0] = '\0';
            return IOTL_ERR_RANGE;
        }
    }
    return IOTL_OK;
}

int iotl_doc_get_ident(const iotl_json_node_t *obj, const char *name, char *buf, size_t cap, bool required)
{
    const iotl_json_node_t *m = iotl_json_member(obj, name);
    if (m == NULL) {
        return required ? IOTL_ERR_SCHEMA : IOTL_OK;
    }
    return iotl_doc_ident(m, buf, cap);
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

int iotl_doc_get_sha256(const iotl_json_node_t *obj, const char *name, uint8_t out[32], bool required)
{
    const iotl_json_node_t *m = iotl_json_member(obj, name);
    if (m == NULL) {
        return required ? IOTL_ERR_SCHEMA : IOTL_OK;
    }
    const char *s;
    size_t n;
    int ret = iotl_json_str_ref(m, &s, &n);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (n != 64) {
        return IOTL_ERR_RANGE;
    }
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(s[2 * i]);
        int lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return IOTL_ERR_RANGE;
        }
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    return IOTL_OK;
}

int iotl_doc_get_location(const iotl_json_node_t *obj, const char *name, char *buf, size_t cap,
                          bool required, bool allow_parent)
{
    const iotl_json_node_t *m = iotl_json_member(obj, name);
    if (m == NULL) {
        return required ? IOTL_ERR_SCHEMA : IOTL_OK;
    }
    int ret = iotl_json_str_copy(m, buf, cap);
    if (ret != IOTL_OK) {
        buf[0] = '\0';
        return ret;
    }
    size_t n = strlen(buf);
    bool url = (strncmp(buf, "https://", 8) == 0 || strncmp(buf, "http://", 7) == 0);
    bool bad = (n == 0) || (!url && buf[0] == '/') || (!allow_parent && strstr(buf, "..") != NULL);
    for (size_t i = 0; i < n && !bad; i++) {
        uint8_t c = (uint8_t)buf[i];
        bad = c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>';
    }
    if (!url && !bad) {
        /* A relative path names no scheme. */
        bad = strchr(buf, ':') != NULL;
    }
    if (bad) {
        buf[0] = '\0';
        return IOTL_ERR_RANGE;
    }
    return IOTL_OK;
}

int iotl_doc_get_ident_list(const iotl_json_node_t *obj, const char *name, char *rows, size_t stride,
                            size_t max, uint8_t *count, bool required)
{
    *count = 0;
    const iotl_json_node_t *m = iotl_json_member(obj, name);
    if (m == NULL) {
        return required ? IOTL_ERR_SCHEMA : IOTL_OK;
    }
    if (iotl_json_type(m) != IOTL_JSON_ARRAY) {
        return IOTL_ERR_SCHEMA;
    }
    size_t n = iotl_json_count(m);
    if (n > max || n > 255) {
        return IOTL_ERR_TOO_LARGE;
    }
    if (n == 0 && required) {
        return IOTL_ERR_SCHEMA;
    }
    size_t i = 0;
    for (const iotl_json_node_t *e = iotl_json_first(m); e != NULL; e = iotl_json_next(e), i++) {
        char *row = rows + i * stride;
        int ret = iotl_doc_ident(e, row, stride);
        if (ret != IOTL_OK) {
            return ret;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(rows + j * stride, row) == 0) {
                return IOTL_ERR_SCHEMA;
            }
        }
    }
    *count = (uint8_t)n;
    return IOTL_OK;
}

int iotl_doc_get_time(const iotl_json_node_t *obj, const char *name, int64_t *out, bool required)
{
    int64_t t = *out;
    int ret = iotl_json_get_i64(obj, name, &t, required);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (t < 0) {
        return IOTL_ERR_RANGE;
    }
    *out = t;
    return IOTL_OK;
}
