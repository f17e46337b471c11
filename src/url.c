/* SPDX-License-Identifier: Apache-2.0 */
/* Relative reference resolution for repository documents (RFC 3986 5.2 subset). */
#include "iotlife/url.h"

#include <stdbool.h>
#include <string.h>

#include "iotl_priv.h"

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of "scheme:" when s starts with one, else 0. */
static size_t scheme_len(const char *s)
{
    if (!is_alpha(s[0])) {
        return 0;
    }
    size_t i = 1;
    while (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
           s[i] == '.') {
        i++;
    }
    return s[i] == ':' ? i + 1u : 0;
}

static bool ref_char_ok(char c)
{
    return (unsigned char)c > 0x20 && (unsigned char)c < 0x7f && c != '?' && c != '#' && c != '\\' &&
           c != '%';
}

/* Append path segments of p (n bytes) onto out[*len..], applying . and ..;
 * root is the index where the path starts (cannot pop past it). */
static int append_segments(char *out, size_t cap, size_t *len, size_t root, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != '/') {
            j++;
        }
        size_t seg = j - i;
        bool last = j >= n;
        if (seg == 1 && p[i] == '.') {
            /* nothing */
        } else if (seg == 2 && p[i] == '.' && p[i + 1] == '.') {
            /* out ends with '/': drop the previous segment */
            if (*len <= root + 1u) {
                return IOTL_ERR_INVALID_ARG; /* above the root */
            }
            size_t k = *len - 1u;
            while (k > root && out[k - 1u] != '/') {
                k--;
            }
            *len = k;
        } else if (seg > 0 || !last) {
            if (*len + seg + (last ? 1u : 2u) > cap) {
                return IOTL_ERR_NO_MEM;
            }
            memcpy(out + *len, p + i, seg);
            *len += seg;
            if (!last) {
                out[(*len)++] = '/';
            }
        }
        i = j + 1u;
    }
    return IOTL_OK;
}

int iotl_url_resolve(const char *base, const char *ref, char *out, size_t cap)
{
    IOTL_ASSERT(base != NULL && ref != NULL && out != NULL);
    if (cap == 0) {
        return IOTL_ERR_NO_MEM;
    }
    out[0] = '\0';
    if (ref[0] == '\0') {
        return IOTL_ERR_INVALID_ARG;
    }
    for (const char *c = ref; *c != '\0'; c++) {
        if (!ref_char_ok(*c)) {
            return IOTL_ERR_INVALID_ARG;
        }
    }
    const char *src = base;
    if (scheme_len(ref) != 0) {
        src = ref;
    }
    size_t sl = scheme_len(src);
    if (sl == 0 || src[sl] != '/' || src[sl + 1u] != '/') {
        return IOTL_ERR_INVALID_ARG;
    }
    const char *auth_end = src + sl + 2u;
    while (*auth_end != '\0' && *auth_end != '/' && *auth_end != '?' && *auth_end != '#') {
        auth_end++;
    }
    size_t prefix = (size_t)(auth_end - src);
    if (prefix + 2u > cap) {
        return IOTL_ERR_NO_MEM;
    }
    memcpy(out, src, prefix);
    size_t len = prefix;
    out[len++] = '/';
    size_t root = prefix; /* out[root] == '/' */
    int ret;
    if (src == ref) {
        const char *path = auth_end;
        size_t n = strlen(path);
        ret = append_segments(out, cap, &len, root, path + (n > 0 ? 1 : 0), n > 0 ? n - 1u : 0);
    } else {
        /* directory of the base path (base query/fragment dropped) */
        const char *bp = auth_end;
        const char *bend = bp;
        while (*bend != '\0' && *bend != '?' && *bend != '#') {
            bend++;
        }
        const char *dir_end = bend;
        while (dir_end > bp && dir_end[-1] != '/') {
            dir_end--;
        }
        ret = IOTL_OK;
        if (ref[0] != '/' && dir_end > bp) {
            ret = append_segments(out, cap, &len, root, bp + 1, (size_t)(dir_end - bp - 1));
        }
        if (ret == IOTL_OK) {
            const char *rp = ref[0] == '/' ? ref + 1 : ref;
            ret = append_segments(out, cap, &len, root, rp, strlen(rp));
        }
    }
    if (ret != IOTL_OK) {
        out[0] = '\0';
        return ret;
    }
    if (len + 1u > cap) {
        out[0] = '\0';
        return IOTL_ERR_NO_MEM;
    }
    out[len] = '\0';
    return IOTL_OK;
}
