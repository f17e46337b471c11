/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by transport ports so that every transport maps HTTP
 * answers to the same error codes (include/iotlife/port/transport.h). */
#include "iotlife/port/transport.h"

#include "iotl_priv.h"

int iotl_transport_status_err(int status, bool ranged)
{
    if (status == 200 || status == 304) {
        return IOTL_OK;
    }
    if (status == 206) {
        return ranged ? IOTL_OK : IOTL_ERR_HTTP_STATUS;
    }
    if (status == 404 || status == 410) {
        return IOTL_ERR_HTTP_NOT_FOUND;
    }
    if (status == 416) {
        return IOTL_ERR_HTTP_RANGE;
    }
    if (status >= 500 && status <= 599) {
        return IOTL_ERR_HTTP_SERVER;
    }
    return IOTL_ERR_HTTP_STATUS;
}

/* Parse a decimal uint64 at *pp; advances *pp. Refuses overflow and no digits. */
static int parse_u64(const char **pp, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    if (*p < '0' || *p > '9') {
        return IOTL_ERR_HTTP_STATUS;
    }
    while (*p >= '0' && *p <= '9') {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10u) {
            return IOTL_ERR_HTTP_STATUS;
        }
        v = v * 10u + d;
        p++;
    }
    *pp = p;
    *out = v;
    return IOTL_OK;
}

int iotl_transport_parse_content_range(const char *value, uint64_t *first, uint64_t *last,
                                       int64_t *total)
{
    IOTL_ASSERT(value != NULL && first != NULL && last != NULL && total != NULL);
    const char *p = value;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    static const char unit[] = "bytes ";
    for (size_t i = 0; i < sizeof(unit) - 1u; i++, p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != unit[i]) {
            return IOTL_ERR_HTTP_STATUS;
        }
    }
    uint64_t f;
    uint64_t l;
    if (parse_u64(&p, &f) != IOTL_OK || *p++ != '-' || parse_u64(&p, &l) != IOTL_OK ||
        *p++ != '/' || f > l) {
        return IOTL_ERR_HTTP_STATUS;
    }
    int64_t t = -1;
    if (*p == '*') {
        p++;
    } else {
        uint64_t tv;
        if (parse_u64(&p, &tv) != IOTL_OK || tv > (uint64_t)INT64_MAX || l >= tv) {
            return IOTL_ERR_HTTP_STATUS;
        }
        t = (int64_t)tv;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
        p++;
    }
    if (*p != '\0') {
        return IOTL_ERR_HTTP_STATUS;
    }
    *first = f;
    *last = l;
    *total = t;
    return IOTL_OK;
}
