/* SPDX-License-Identifier: Apache-2.0 */
/* The only file that includes cJSON. A strict, non-recursive pre-scan bounds
 * what cJSON is given (size, depth, grammar, number length); cJSON builds the
 * tree on its default heap; the callers walk it through iotl_json.h and free
 * it before they return. cJSON_InitHooks is never called: its hooks are
 * process-global and belong to the application. */
#include "iotl_json.h"

#include <limits.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "iotl_priv.h"

/* cJSON copies a number into a 64-byte buffer; the scan keeps numbers far
 * shorter so cJSON never truncates one. */
#define JSON_NUM_MAX_CHARS 40
#define JSON_NUM_MAX_SIGDIGITS 15

IOTL_NOINLINE /* out of line: measured smaller */
static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads the four hex digits of \uXXXX at p (p points at 'u'); -1 when malformed. */
static long read_u4(const uint8_t *p, size_t avail)
{
    long v = 0;
    for (size_t i = 1; i <= 4; i++) {
        unsigned c = i < avail ? p[i] : 0u;
        unsigned h = c - '0';
        if (h > 9u) {
            h = (c | 0x20u) - 'a' + 10u;
            if (h - 10u > 5u) {
                return -1;
            }
        }
        v = (v << 4) | (long)h;
    }
    return v;
}

/* Length of a valid UTF-8 sequence starting at p (lead byte >= 0x80), 0 if
 * invalid: a lead byte 0xc2..0xf4, continuation bytes, no overlong form
 * (the smallest code point of an n-byte form is 2^(5n-4)), no surrogate,
 * nothing above U+10FFFF. */
static IOTL_ALWAYS_INLINE size_t utf8_seq(const uint8_t *p, size_t avail)
{
    unsigned c = p[0];
    size_t n = c >= 0xf0 ? 4u : c >= 0xe0 ? 3u : 2u;
    uint32_t cp = c & (0x7fu >> n);
    if (c < 0xc2 || c > 0xf4 || avail < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < (1u << (5u * n - 4u)) || cp > 0x10ffff || (cp >> 11) == 0x1bu) { /* 0x1b: D800..DFFF */
        return 0;
    }
    return n;
}

/* Scans a string starting at the opening quote; returns the index after the
 * closing quote, or 0 when malformed (0 can never be a valid end). */
IOTL_NOINLINE /* out of line: smaller */
static size_t scan_string(const uint8_t *s, size_t len, size_t i)
{
    bool high = false; /* a \u high surrogate waits for its low half */
    i++;               /* opening quote */
    while (i < len) {
        unsigned c = s[i];
        size_t n = 1;
        long u = 0; /* the code unit of a \uXXXX escape (never 0 once read) */
        if (c == '\\' && i + 1 < len) {
            n = 2;
            if (s[i + 1] == 'u') {
                u = read_u4(s + i + 1, len - i - 1);
                n = 6;
                if (u <= 0) {
                    return 0; /* malformed, or \u0000 (would truncate the C string) */
                }
            } else if (memchr("\"\\/bfnrt", s[i + 1], 8) == NULL) {
                return 0;
            }
        } else if (c >= 0x80) {
            n = utf8_seq(s + i, len - i);
        } else if (c < 0x20 || c == '\\') {
            n = 0;
        }
        /* Only a low surrogate may follow a high one, and only there. */
        if (n == 0 || high != ((u >> 10) == 0x37)) { /* DC00..DFFF */
            return 0;
        }
        high = (u >> 10) == 0x36; /* D800..DBFF */
        if (c == '"') {
            return i + 1;
        }
        i += n;
    }
    return 0;
}

static bool is_digit(uint8_t c)
{
    return (unsigned)(c - '0') <= 9u;
}

/* RFC 8259 number grammar as a state machine: states 1 '-', 2 a leading
 * '0', 3 integer digits, 4 '.', 5 fraction digits, 6 'e', 7 exponent sign,
 * 8 exponent digits (2, 3, 5 and 8 may end a number); 0 = no transition.
 * Character classes: '0', '1'-'9', '-', '+', '.', 'e'/'E'. */
/* One row per state, one nibble per class (class k at bits 4k..4k+3). */
static const uint32_t num_next[9] = {
    0x000132u, /* start: 2 3 1 0 0 0 */
    0x000032u, /* after '-': 2 3 0 0 0 0 */
    0x640000u, /* after a leading 0: 0 0 0 0 4 6 */
    0x640033u, /* integer digits: 3 3 0 0 4 6 */
    0x000055u, /* after '.': 5 5 0 0 0 0 */
    0x600055u, /* fraction digits: 5 5 0 0 0 6 */
    0x007788u, /* after 'e': 8 8 7 7 0 0 */
    0x000088u, /* after the exponent sign: 8 8 0 0 0 0 */
    0x000088u, /* exponent digits: 8 8 0 0 0 0 */
};

/* The class of '+' ... '9' ('e' and 'E' are class 5; 6: no class, its nibble is 0 in every row). */
static const uint8_t num_class[15] = {3, 6, 2, 4, 6, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};

/* Scans an RFC 8259 number; returns the index after it, 0 when malformed,
 * and sets *too_long when it has more digits than the parsers accept
 * (significant digits: from the first non-zero digit of the mantissa on). */
static size_t scan_number(const uint8_t *s, size_t len, size_t i, bool *too_long)
{
    size_t start = i;
    unsigned st = 0;
    unsigned sig = 0;
    for (; i < len; i++) {
        uint8_t c = s[i];
        unsigned cls = (unsigned)(c - '+') < sizeof(num_class) ? num_class[c - '+'] : (c | 0x20) == 'e' ? 5u : 6u;
        unsigned nx = (num_next[st] >> (4u * cls)) & 15u;
        if (nx == 0u) {
            break;
        }
        sig += (cls < 2u && nx <= 5u && (sig != 0u || cls != 0u)); /* a mantissa digit */
        st = nx;
    }
    if (((1u << st) & ((1u << 2) | (1u << 3) | (1u << 5) | (1u << 8))) == 0u) {
        return 0;
    }
    if (sig > JSON_NUM_MAX_SIGDIGITS || i - start > JSON_NUM_MAX_CHARS) {
        *too_long = true;
    }
    return i;
}

enum scan_want {
    W_VALUE, /* a value */
    W_KEY,   /* a member name */
    W_COLON, /* the colon after a member name */
    W_AFTER  /* after a value: ',' or a closing bracket (at depth 0: only whitespace) */
};

/* What an opening bracket (or a ',' in its container) is followed by: a
 * member name after '{' (bit 5 set), a value after '['. */
static enum scan_want next_want(unsigned bracket)
{
    return (enum scan_want)((bracket >> 5) & 1u);
}
IOTL_STATIC_ASSERT(W_VALUE == 0 && W_KEY == 1 && ('{' & 0x20) != 0 && ('[' & 0x20) == 0, bracket_want_bit);
IOTL_STATIC_ASSERT(W_AFTER - W_KEY == W_COLON && W_AFTER - W_VALUE == W_AFTER, name_then_colon_value_then_after);

static int json_check(const char *text, size_t len)
{
    if (text == NULL || len == 0) {
        return IOTL_ERR_MALFORMED;
    }
    if (len > IOTL_JSON_MAX_SIZE) {
        return IOTL_ERR_TOO_LARGE;
    }
    const uint8_t *s = (const uint8_t *)text;
    uint8_t open[IOTL_JSON_MAX_DEPTH]; /* the bracket that opened each container */
    unsigned depth = 0;
    unsigned nodes = 0;
    bool range = false;
    bool can_close = false; /* just after an opening bracket: an empty container may end */
    enum scan_want want = W_VALUE;
    size_t i = 0;
    for (;;) {
        while (i < len && is_ws(s[i])) {
            i++;
        }
        bool done = want == W_AFTER && depth == 0;
        if (i >= len) {
            /* The input ended: inside the document (or it was only whitespace), or after it. */
            return !done ? IOTL_ERR_MALFORMED : range ? IOTL_ERR_RANGE : IOTL_OK;
        }
        if (done) {
            return IOTL_ERR_TRAILING_DATA;
        }
        uint8_t c = s[i];
        if (want == W_AFTER && c == ',') {
            want = next_want(open[depth - 1]);
            i++;
            continue;
        }
        if (want == W_AFTER || (can_close && (c == '}' || c == ']'))) {
            /* A closing bracket ('}' and ']' are their opener + 2) that matches the innermost container. */
            if (open[depth - 1] + 2 != c) {
                return IOTL_ERR_MALFORMED;
            }
            depth--;
            i++;
            can_close = false;
            want = W_AFTER;
            continue;
        }
        can_close = false;
        if (want == W_COLON) {
            if (c != ':') {
                return IOTL_ERR_MALFORMED;
            }
            i++;
            want = W_VALUE;
            continue;
        }
        if (want == W_KEY) {
            if (c != '"') {
                return IOTL_ERR_MALFORMED;
            }
        } else if (++nodes > IOTL_JSON_MAX_NODES) {
            return IOTL_ERR_TOO_LARGE; /* bounds cJSON's heap: one node per value */
        } else if (c == '{' || c == '[') {
            if (depth >= IOTL_JSON_MAX_DEPTH) {
                return IOTL_ERR_TOO_DEEP;
            }
            open[depth++] = c;
            i++;
            can_close = true;
            want = next_want(c);
            continue;
        }
        /* A member name (then the colon) or a scalar value (then what follows it). */
        want = W_AFTER - want;
        if (c == '"') {
            i = scan_string(s, len, i);
        } else if (c == '-' || is_digit(c)) {
            i = scan_number(s, len, i, &range);
        } else {
            /* The literal that starts with c ("null" for any other c: its 'n' then fails). */
            const char *lit = &"null\0true\0false"[c == 't' ? 5 : c == 'f' ? 10 : 0];
            while (*lit != '\0' && i < len && s[i] == (uint8_t)*lit) {
                i++;
                lit++;
            }
            i = *lit == '\0' ? i : 0; /* the whole literal matched */
        }
        if (i == 0) {
            return IOTL_ERR_MALFORMED;
        }
    }
}

/* Walks the whole tree without recursion (a parent stack bounded by the
 * depth the scan already enforced, so it is not checked again) and rejects
 * a member whose name an earlier member of the same object has: O(n^2) over at most
 * IOTL_JSON_MAX_SIZE / 4 members, bounded, and no allocation. */
IOTL_NOINLINE /* measured smaller out of line */
static int check_tree(const cJSON *n)
{
    const cJSON *parents[IOTL_JSON_MAX_DEPTH + 1];
    size_t depth = 0;
    for (;;) {
        /* A member that is not the first of its object with its name. */
        if (n->string != NULL && cJSON_GetObjectItemCaseSensitive(parents[depth - 1], n->string) != n) {
            return IOTL_ERR_DUPLICATE_KEY;
        }
        if (n->child != NULL) {
            IOTL_ASSERT(depth < IOTL_ARRAY_LEN(parents)); /* the scan bounded the nesting */
            parents[depth++] = n;
            n = n->child;
            continue;
        }
        while (n->next == NULL) {
            if (depth == 0) {
                return IOTL_OK;
            }
            n = parents[--depth];
        }
        n = n->next;
    }
}

int iotl_json_parse(iotl_json_doc_t *doc, const char *text, size_t len)
{
    IOTL_ASSERT(doc != NULL);
    doc->root = NULL;
    int ret = json_check(text, len);
    if (ret != IOTL_OK) {
        return ret;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL) {
        /* The scan accepted the grammar, so only the allocator can fail here. */
        return IOTL_ERR_NO_MEM;
    }
    ret = check_tree(root);
    if (ret == IOTL_OK && (root->type & 0xff) != cJSON_Object) {
        ret = IOTL_ERR_SCHEMA;
    }
    if (ret != IOTL_OK) {
        cJSON_Delete(root);
        return ret;
    }
    doc->root = root;
    return IOTL_OK;
}

void iotl_json_free(iotl_json_doc_t *doc)
{
    cJSON_Delete((cJSON *)doc->root); /* NULL is a no-op */
    doc->root = NULL;
}

static const cJSON *cj(const iotl_json_node_t *n)
{
    return (const cJSON *)(const void *)n;
}

static const iotl_json_node_t *node(const cJSON *c)
{
    return (const iotl_json_node_t *)(const void *)c;
}

IOTL_STATIC_ASSERT(cJSON_False == IOTL_JSON_FALSE && cJSON_True == IOTL_JSON_TRUE && cJSON_NULL == IOTL_JSON_NULL &&
                       cJSON_Number == IOTL_JSON_NUMBER && cJSON_String == IOTL_JSON_STRING &&
                       cJSON_Array == IOTL_JSON_ARRAY && cJSON_Object == IOTL_JSON_OBJECT,
                   cjson_type_bits);

enum iotl_json_type iotl_json_type(const iotl_json_node_t *n)
{
    /* The low byte holds one type bit (the flags above it are never set by a parse). */
    return n != NULL ? (enum iotl_json_type)(cj(n)->type & 0xff) : IOTL_JSON_INVALID;
}

const iotl_json_node_t *iotl_json_member(const iotl_json_node_t *obj, const char *name)
{
    /* Exact, case-sensitive match (cJSON_GetObjectItem is case-insensitive);
     * NULL for a NULL node, an array (its elements have no name) or a scalar. */
    return node(cJSON_GetObjectItemCaseSensitive(cj(obj), name));
}

const iotl_json_node_t *iotl_json_first(const iotl_json_node_t *n)
{
    return n != NULL ? node(cj(n)->child) : NULL; /* only containers have children */
}

const iotl_json_node_t *iotl_json_next(const iotl_json_node_t *n)
{
    return node(cj(n)->next); /* n is a node (every caller walks from a non-NULL one) */
}

size_t iotl_json_count(const iotl_json_node_t *n)
{
    return (size_t)cJSON_GetArraySize(cj(n)); /* children of any node; 0 for NULL */
}

const char *iotl_json_str(const iotl_json_node_t *n)
{
    return cJSON_GetStringValue(cj(n)); /* NULL unless a string (also for NULL) */
}

int iotl_json_str_ref(const iotl_json_node_t *n, const char **s, size_t *len)
{
    const char *v = iotl_json_str(n);
    if (v == NULL) {
        return IOTL_ERR_SCHEMA;
    }
    *s = v;
    *len = strlen(v);
    return IOTL_OK;
}

int iotl_json_str_copy(const iotl_json_node_t *n, char *buf, size_t cap)
{
    const char *s;
    size_t len;
    int ret = iotl_json_str_ref(n, &s, &len);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (len + 1 > cap) {
        return IOTL_ERR_RANGE;
    }
    memcpy(buf, s, len + 1);
    return IOTL_OK;
}

int iotl_json_number(const iotl_json_node_t *n, double *out)
{
    if (iotl_json_type(n) != IOTL_JSON_NUMBER) { /* also for NULL */
        return IOTL_ERR_SCHEMA;
    }
    *out = cj(n)->valuedouble; /* may be infinite (1e999): every caller checks its range */
    return IOTL_OK;
}

IOTL_STATIC_ASSERT(sizeof(double) == sizeof(uint64_t), double_is_ieee754_binary64);

int iotl_json_i64(const iotl_json_node_t *n, int64_t *out)
{
    double v;
    int ret = iotl_json_number(n, &v);
    if (ret != IOTL_OK) {
        return ret;
    }
    /* |v| <= IOTL_JSON_INT_MAX as one compare (false for NaN): |v| is v
     * with the IEEE 754 sign bit (the top bit) cleared. */
    uint64_t bits;
    double mag;
    memcpy(&bits, &v, sizeof(bits));
    bits &= ~((uint64_t)1 << 63);
    memcpy(&mag, &bits, sizeof(mag));
    if (!(mag <= (double)IOTL_JSON_INT_MAX)) {
        return IOTL_ERR_RANGE;
    }
    *out = (int64_t)v; /* the callers read it only on success */
    return (double)*out == v ? IOTL_OK : IOTL_ERR_RANGE; /* not an integer */
}

int iotl_json_u32(const iotl_json_node_t *n, uint32_t *out)
{
    int64_t v;
    int ret = iotl_json_i64(n, &v);
    if (ret != IOTL_OK) {
        return ret;
    }
    if (((uint64_t)v >> 32) != 0u) { /* above UINT32_MAX, or negative (its high word is not 0) */
        return IOTL_ERR_RANGE;
    }
    *out = (uint32_t)v;
    return IOTL_OK;
}
