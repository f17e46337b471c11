/* SPDX-License-Identifier: Apache-2.0 */
/* The strict JSON layer: grammar, limits, duplicates, exact integers, and
 * the walker API the document parsers use. */
#include <check.h>
#include "unit/iotl_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotl_doc.h"
#include "iotl_json.h"
#include "iotlife/manifest.h"

#include <cjson/cJSON.h>

/* The test program is an application, so it may install cJSON hooks (the
 * library never does): they count live bytes to prove every parse, failed or
 * not, frees its tree before returning. */
static long live_bytes;
static long peak_bytes;

static void *count_malloc(size_t n)
{
    size_t *p = malloc(n + 2 * sizeof(size_t));
    if (p == NULL) {
        return NULL;
    }
    p[0] = n;
    live_bytes += (long)n;
    if (live_bytes > peak_bytes) {
        peak_bytes = live_bytes;
    }
    return p + 2;
}

static void count_free(void *q)
{
    if (q != NULL) {
        size_t *p = (size_t *)q - 2;
        live_bytes -= (long)p[0];
        free(p);
    }
}

static int parse_str(const char *s)
{
    iotl_json_doc_t doc;
    int ret = iotl_json_parse(&doc, s, strlen(s));
    if (ret == 0) {
        ck_assert_ptr_nonnull(doc.root);
        iotl_json_free(&doc);
        ck_assert_ptr_null(doc.root);
    } else {
        ck_assert_ptr_null(doc.root);
    }
    return ret;
}

START_TEST(bad_input_table)
{
    static const struct {
        const char *in;
        int expect;
    } rows[] = {
        {"{}", 0},
        {" {\"a\":[1,2,{\"b\":null}],\"c\":true,\"d\":false,\"e\":\"\\u00e9\\ud83d\\ude00\"} \n", 0},
        {"", IOTL_ERR_MALFORMED},
        {"   ", IOTL_ERR_MALFORMED},
        {"{", IOTL_ERR_MALFORMED},
        {"{\"a\":1", IOTL_ERR_MALFORMED},               /* truncated */
        {"{\"a\":1,}", IOTL_ERR_MALFORMED},             /* trailing comma */
        {"{\"a\" 1}", IOTL_ERR_MALFORMED},              /* missing colon */
        {"{a:1}", IOTL_ERR_MALFORMED},                  /* unquoted name */
        {"{\"a\":01}", IOTL_ERR_MALFORMED},             /* leading zero */
        {"{\"a\":+1}", IOTL_ERR_MALFORMED},             /* plus sign */
        {"{\"a\":1.}", IOTL_ERR_MALFORMED},             /* bare fraction */
        {"{\"a\":.5}", IOTL_ERR_MALFORMED},
        {"{\"a\":NaN}", IOTL_ERR_MALFORMED},
        {"{\"a\":tru}", IOTL_ERR_MALFORMED},
        {"{\"a\":\"x\ty\"}", IOTL_ERR_MALFORMED},       /* raw control character */
        {"{\"a\":\"\\x\"}", IOTL_ERR_MALFORMED},        /* unknown escape */
        {"{\"a\":\"\\u0000\"}", IOTL_ERR_MALFORMED},    /* NUL would truncate */
        {"{\"a\":\"\\ud800\"}", IOTL_ERR_MALFORMED},    /* lone high surrogate */
        {"{\"a\":\"\\udc00\"}", IOTL_ERR_MALFORMED},    /* lone low surrogate */
        {"{\"a\":\"\xc0\xaf\"}", IOTL_ERR_MALFORMED},   /* overlong UTF-8 */
        {"{\"a\":\"\xed\xa0\x80\"}", IOTL_ERR_MALFORMED}, /* UTF-8 surrogate */
        {"{\"a\":\"\xff\"}", IOTL_ERR_MALFORMED},
        {"{\"a\":1]", IOTL_ERR_MALFORMED},              /* mismatched bracket */
        {"[1}", IOTL_ERR_MALFORMED},
        {"{}x", IOTL_ERR_TRAILING_DATA},
        {"{} {}", IOTL_ERR_TRAILING_DATA},
        {"{\"a\":1,\"a\":2}", IOTL_ERR_DUPLICATE_KEY},
        {"{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", IOTL_ERR_DUPLICATE_KEY},
        {"{\"x\":[{\"k\":1},{\"k\":1,\"k\":1}]}", IOTL_ERR_DUPLICATE_KEY},
        {"{\"a\":12345678901234567}", IOTL_ERR_RANGE},  /* more digits than exact */
        {"{\"a\":1.0000000000000001}", IOTL_ERR_RANGE},
        {"[]", IOTL_ERR_SCHEMA},                        /* root must be an object */
        {"\"s\"", IOTL_ERR_SCHEMA},
        {"1", IOTL_ERR_SCHEMA},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int expect = rows[i].expect;
        ck_assert_msg(parse_str(rows[i].in) == expect, "row %zu: got %d want %d", i, parse_str(rows[i].in),
                      expect);
    }
    iotl_json_doc_t doc;
    ck_assert_int_eq(iotl_json_parse(&doc, "{}\0", 3), IOTL_ERR_TRAILING_DATA);
    ck_assert_int_eq(iotl_json_parse(&doc, "{\"a\":\"b\0c\"}", 11), IOTL_ERR_MALFORMED);
}
END_TEST

START_TEST(depth_limit)
{
    char buf[256];
    /* IOTL_JSON_MAX_DEPTH levels pass, one more fails before cJSON runs. */
    for (int extra = 0; extra <= 1; extra++) {
        int depth = IOTL_JSON_MAX_DEPTH + extra;
        size_t o = 0;
        memcpy(buf + o, "{\"a\":", 5);
        o += 5;
        for (int d = 1; d < depth; d++) {
            buf[o++] = '[';
        }
        for (int d = 1; d < depth; d++) {
            buf[o++] = ']';
        }
        buf[o++] = '}';
        iotl_json_doc_t doc;
        int ret = iotl_json_parse(&doc, buf, o);
        ck_assert_int_eq(ret, extra ? IOTL_ERR_TOO_DEEP : 0);
        iotl_json_free(&doc);
    }
    /* A deep bomb of 100000 brackets is refused by size before anything else. */
    size_t big = 100000;
    char *bomb = malloc(big);
    memset(bomb, '[', big);
    iotl_json_doc_t doc;
    ck_assert_int_eq(iotl_json_parse(&doc, bomb, big), IOTL_ERR_TOO_LARGE);
    ck_assert_int_eq(iotl_json_parse(&doc, bomb, IOTL_JSON_MAX_SIZE), IOTL_ERR_TOO_DEEP);
    free(bomb);
}
END_TEST

START_TEST(size_limit)
{
    char *buf = malloc(IOTL_JSON_MAX_SIZE + 2);
    size_t n = IOTL_JSON_MAX_SIZE;
    memset(buf, ' ', n);
    memcpy(buf, "{\"a\":\"", 6);
    memcpy(buf + n - 2, "\"}", 2);
    memset(buf + 6, 'x', n - 8);
    iotl_json_doc_t doc;
    ck_assert_int_eq(iotl_json_parse(&doc, buf, n), 0);
    iotl_json_free(&doc);
    buf[n - 2] = 'x';
    buf[n - 1] = '"';
    buf[n] = '}';
    ck_assert_int_eq(iotl_json_parse(&doc, buf, n + 1), IOTL_ERR_TOO_LARGE);
    free(buf);
}
END_TEST

START_TEST(value_count_limit)
{
    /* IOTL_JSON_MAX_NODES values pass (the object is one), one more is refused
     * by the scan, so cJSON's heap stays bounded whatever the input. */
    static char buf[IOTL_JSON_MAX_SIZE];
    for (int extra = 0; extra <= 1; extra++) {
        size_t o = (size_t)snprintf(buf, sizeof(buf), "{\"a\":[");
        int elems = IOTL_JSON_MAX_NODES - 2 + extra;
        for (int i = 0; i < elems; i++) {
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s0", i ? "," : "");
        }
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "]}");
        iotl_json_doc_t doc;
        ck_assert_int_eq(iotl_json_parse(&doc, buf, o), extra ? IOTL_ERR_TOO_LARGE : 0);
        iotl_json_free(&doc);
    }
}
END_TEST

START_TEST(integers_exact_and_ranged)
{
    static const char text[] = "{\"u\":4294967295,\"big\":4294967296,\"neg\":-1,\"frac\":1.5,\"exp\":1e3,"
                               "\"t\":1764100000,\"huge\":1e300,\"i\":-999999999999999,\"i2\":1e15,"
                               "\"s\":\"str\",\"b\":true,\"imax\":999999999999999,\"nbig\":-1e15,\"ninf\":-1e999}";
    iotl_json_doc_t doc;
    ck_assert_int_eq(iotl_json_parse(&doc, text, strlen(text)), 0);
    const iotl_json_node_t *r = (const iotl_json_node_t *)doc.root;
    uint32_t u = 0;
    int64_t i = 0;
    ck_assert_int_eq(iotl_json_u32(iotl_json_member(r, "u"), &u), 0);
    ck_assert_uint_eq(u, 4294967295u);
    ck_assert_int_eq(iotl_json_u32(iotl_json_member(r, "big"), &u), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_u32(iotl_json_member(r, "neg"), &u), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_u32(iotl_json_member(r, "frac"), &u), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_u32(iotl_json_member(r, "exp"), &u), 0);
    ck_assert_uint_eq(u, 1000);
    ck_assert_int_eq(iotl_json_i64(iotl_json_member(r, "t"), &i), 0);
    ck_assert(i == 1764100000LL);
    ck_assert_int_eq(iotl_json_i64(iotl_json_member(r, "huge"), &i), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_i64(iotl_json_member(r, "i"), &i), 0);
    ck_assert(i == -999999999999999LL);
    ck_assert_int_eq(iotl_json_i64(iotl_json_member(r, "i2"), &i), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_i64(iotl_json_member(r, "imax"), &i), 0);
    ck_assert(i == 999999999999999LL);
    ck_assert_int_eq(iotl_json_i64(iotl_json_member(r, "nbig"), &i), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_i64(iotl_json_member(r, "ninf"), &i), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_u32(iotl_json_member(r, "s"), &u), IOTL_ERR_SCHEMA);
    ck_assert_int_eq(iotl_json_u32(iotl_json_member(r, "missing"), &u), IOTL_ERR_SCHEMA);
    char s[4];
    ck_assert_int_eq(iotl_json_str_copy(iotl_json_member(r, "s"), s, sizeof(s)), 0);
    ck_assert_str_eq(s, "str");
    ck_assert_int_eq(iotl_json_str_copy(iotl_json_member(r, "s"), s, 3), IOTL_ERR_RANGE);
    ck_assert_int_eq(iotl_json_str_copy(iotl_json_member(r, "b"), s, sizeof(s)), IOTL_ERR_SCHEMA);
    ck_assert_int_eq(iotl_json_type(iotl_json_member(r, "b")), IOTL_JSON_TRUE);
    ck_assert_uint_eq(iotl_json_count(r), 14);
    /* Member lookup is exact (cJSON's own is case-insensitive). */
    ck_assert_ptr_null(iotl_json_member(r, "U"));
    iotl_json_free(&doc);
}
END_TEST

/* The descriptor-table reader the document parsers share: order, required
 * and optional members, and each kind's error (member names come from the
 * shared name list, so the test uses real document names). */
struct doc_fields_dst {
    uint32_t u;
    int64_t t;
    char id[8];
    char ver[16];
    uint8_t sha[32];
    char url[32];
    uint8_t list_count;
    char list[4][8];
};

START_TEST(doc_field_table)
{
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"{\"sequence\":5,\"issued_at\":0,\"id\":\"a.b\"}", 0},
        {"{\"issued_at\":0,\"id\":\"a\"}", IOTL_ERR_SCHEMA}, /* required sequence missing */
        {"{\"sequence\":-1,\"id\":7}", IOTL_ERR_RANGE},                        /* first failure wins */
        {"{\"sequence\":1,\"issued_at\":-1,\"id\":\"a\"}", IOTL_ERR_RANGE},              /* time below 0 */
        {"{\"sequence\":1,\"id\":\"a b\"}", IOTL_ERR_RANGE},                    /* identifier characters */
        {"{\"sequence\":1,\"id\":\"abcdefgh\"}", IOTL_ERR_RANGE},               /* identifier too long */
        {"{\"sequence\":1,\"id\":\"a\",\"version\":\"\"}", 0},                       /* optional version may be "" */
        {"{\"sequence\":1,\"id\":\"a\",\"version\":\"1.2\"}", IOTL_ERR_VERSION_FORMAT},
        {"{\"sequence\":1,\"id\":\"a\",\"version\":\"1.2.3-0123456789abc\"}", IOTL_ERR_VERSION_FORMAT},
        {"{\"sequence\":1,\"id\":\"a\",\"sha256\":\"00\"}", IOTL_ERR_RANGE},
        {"{\"sequence\":1,\"id\":\"a\",\"location\":\"/abs\"}", IOTL_ERR_RANGE},
        {"{\"sequence\":1,\"id\":\"a\",\"location\":\"../up\"}", IOTL_ERR_RANGE},
        {"{\"sequence\":1,\"id\":\"a\",\"location\":\"https://h/x\"}", 0},
        {"{\"sequence\":1,\"id\":\"a\",\"hardware\":[\"x\",\"x\"]}", IOTL_ERR_SCHEMA}, /* duplicate */
        {"{\"sequence\":1,\"id\":\"a\",\"hardware\":{}}", IOTL_ERR_SCHEMA},
    };
    static const struct iotl_doc_field fields[] = {
        IOTL_DOC_FIELD(sequence, struct doc_fields_dst, u, IOTL_DOC_U32 | IOTL_DOC_REQ),
        IOTL_DOC_FIELD(issued_at, struct doc_fields_dst, t, IOTL_DOC_TIME),
        IOTL_DOC_FIELD(id, struct doc_fields_dst, id, IOTL_DOC_IDENT | IOTL_DOC_REQ),
        IOTL_DOC_FIELD(version, struct doc_fields_dst, ver, IOTL_DOC_VERSION),
        IOTL_DOC_FIELD(sha256, struct doc_fields_dst, sha, IOTL_DOC_SHA256),
        IOTL_DOC_FIELD(location, struct doc_fields_dst, url, IOTL_DOC_URL),
        IOTL_DOC_LIST_FIELD(hardware, struct doc_fields_dst, list_count, list, 0),
    };
    /* Names stored as the tail of a longer one read as themselves. */
#define TAIL_NAME_IS_ITSELF(n, host) ck_assert_str_eq(IOTL_DOC_N(n), #n);
    IOTL_DOC_TAIL_LIST(TAIL_NAME_IS_ITSELF)
    ck_assert_str_eq(IOTL_DOC_N(b64), "b64");
    ck_assert_str_eq(IOTL_DOC_N(type), "type");
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        iotl_json_doc_t doc;
        struct doc_fields_dst d;
        memset(&d, 0, sizeof(d));
        d.t = 42;
        ck_assert_int_eq(iotl_json_parse(&doc, cases[k].text, strlen(cases[k].text)), 0);
        int ret = iotl_doc_fields((const iotl_json_node_t *)doc.root, fields, sizeof(fields) / sizeof(fields[0]), &d);
        iotl_json_free(&doc);
        ck_assert_msg(ret == cases[k].want, "case %zu: %d, want %d", k, ret, cases[k].want);
        if (k == 0) {
            ck_assert_uint_eq(d.u, 5);
            ck_assert(d.t == 0);
            ck_assert_str_eq(d.id, "a.b");
        }
        if (k == 6) {
            ck_assert(d.t == 42); /* an optional member that is absent leaves the field */
        }
    }
}
END_TEST

START_TEST(walk_arrays)
{
    static const char text[] = "{\"list\":[\"a\",\"bb\",\"ccc\"],\"o\":{\"x\":1}}";
    iotl_json_doc_t doc;
    ck_assert_int_eq(iotl_json_parse(&doc, text, strlen(text)), 0);
    const iotl_json_node_t *l = iotl_json_member((const iotl_json_node_t *)doc.root, "list");
    ck_assert_int_eq(iotl_json_type(l), IOTL_JSON_ARRAY);
    ck_assert_uint_eq(iotl_json_count(l), 3);
    size_t total = 0;
    for (const iotl_json_node_t *e = iotl_json_first(l); e != NULL; e = iotl_json_next(e)) {
        const char *s;
        size_t n;
        ck_assert_int_eq(iotl_json_str_ref(e, &s, &n), 0);
        total += n;
    }
    ck_assert_uint_eq(total, 6);
    const iotl_json_node_t *o = iotl_json_member((const iotl_json_node_t *)doc.root, "o");
    ck_assert_ptr_eq(iotl_json_first(o), iotl_json_member(o, "x"));
    iotl_json_free(&doc);
}
END_TEST

START_TEST(no_tree_outlives_a_parse)
{
    cJSON_Hooks hooks = {count_malloc, count_free};
    cJSON_InitHooks(&hooks);
    static const char *docs[] = {
        "{\"a\":[1,2,{\"b\":\"x\"}]}",
        "{\"a\":1,\"a\":2}",
        "{\"x\":{\"k\":1,\"k\":2}}",
        "[1,2,3]",
        "{\"type\":\"iotlife-manifest\",\"v\":1,\"product\":\"p\",\"hardware\":[\"h\"],"
        "\"version\":\"1.0\",\"security_version\":1,\"sequence\":1,\"issued_at\":1,\"expires\":2,"
        "\"payloads\":[]}",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        peak_bytes = 0;
        iotl_json_doc_t doc;
        int ret = iotl_json_parse(&doc, docs[i], strlen(docs[i]));
        iotl_json_free(&doc);
        ck_assert_msg(live_bytes == 0, "doc %zu (ret %d) left %ld bytes", i, ret, live_bytes);
        struct iotl_manifest m;
        ret = iotl_manifest_parse(&m, docs[i], strlen(docs[i]));
        ck_assert_int_ne(ret, 0);
        ck_assert_msg(live_bytes == 0, "manifest %zu left %ld bytes", i, live_bytes);
        ck_assert_int_gt(peak_bytes, 0); /* cJSON did allocate: the hooks were used */
    }
    /* Refused by the scan: cJSON never runs, nothing is allocated. */
    peak_bytes = 0;
    iotl_json_doc_t doc;
    static const char deep[] = "{\"a\":[[[[[[[[[1]]]]]]]]]}";
    ck_assert_int_eq(iotl_json_parse(&doc, deep, strlen(deep)), IOTL_ERR_TOO_DEEP);
    ck_assert_int_eq(peak_bytes, 0);
    cJSON_InitHooks(NULL);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, bad_input_table);
    tcase_add_test(tc, depth_limit);
    tcase_add_test(tc, size_limit);
    tcase_add_test(tc, value_count_limit);
    tcase_add_test(tc, integers_exact_and_ranged);
    tcase_add_test(tc, doc_field_table);
    tcase_add_test(tc, walk_arrays);
    tcase_add_test(tc, no_tree_outlives_a_parse);
    suite_add_tcase(s, tc);
    return s;
}
