/* SPDX-License-Identifier: Apache-2.0 */
/* Relative references between repository documents resolve to one URL, and
 * everything outside the documented subset is refused. */
#include <check.h>
#include "unit/iotl_test.h"

#include <string.h>

#include "iotlife/url.h"

START_TEST(resolve_table)
{
    static const struct {
        const char *base;
        const char *ref;
        int expect;
        const char *out;
    } cases[] = {
        {"https://cdn.example/repo/deployments/stable.jws", "../releases/thermo/1.2.0/manifest.jws", 0,
         "https://cdn.example/repo/releases/thermo/1.2.0/manifest.jws"},
        {"https://cdn.example/repo/releases/t/1.2.0/manifest.jws", "app.bin", 0,
         "https://cdn.example/repo/releases/t/1.2.0/app.bin"},
        {"https://cdn.example/repo/releases/t/1.2.0/manifest.jws", "./app.from-1.1.0.delta", 0,
         "https://cdn.example/repo/releases/t/1.2.0/app.from-1.1.0.delta"},
        {"https://cdn.example/repo/deployments/stable.jws", "/other/x.bin", 0, "https://cdn.example/other/x.bin"},
        {"https://cdn.example/repo/deployments/stable.jws", "https://mirror.example/a/../b.bin", 0,
         "https://mirror.example/b.bin"},
        {"http://127.0.0.1:8080/d/stable.jws?sig=abc", "../keys/keyring.jws", 0,
         "http://127.0.0.1:8080/keys/keyring.jws"},
        {"file:///srv/repo/deployments/stable.jws", "../keys/keyring.jws", 0, "file:///srv/repo/keys/keyring.jws"},
        {"https://h", "a.bin", 0, "https://h/a.bin"},
        {"https://h/", "a/b/../../c", 0, "https://h/c"},
        {"https://h/x/y", "..", 0, "https://h/"},
        {"https://h/x/y", ".", 0, "https://h/x/"},
        {"https://h/d/f", "../../a.bin", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "../a.bin", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "a.bin?x=1", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "a.bin#frag", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "a%2Fb", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "a b", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "a\\b", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "a\nb", IOTL_ERR_INVALID_ARG, ""},
        {"relative/base", "a.bin", IOTL_ERR_INVALID_ARG, ""},
        {"https:no-authority", "a.bin", IOTL_ERR_INVALID_ARG, ""},
        {"https://h/f", "mailto:x", IOTL_ERR_INVALID_ARG, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[128];
        memset(out, 'x', sizeof(out));
        int r = iotl_url_resolve(cases[i].base, cases[i].ref, out, sizeof(out));
        ck_assert_msg(r == cases[i].expect, "%zu: %s + %s -> %d", i, cases[i].base, cases[i].ref, r);
        ck_assert_msg(strcmp(out, cases[i].out) == 0, "%zu: got '%s' want '%s'", i, out, cases[i].out);
    }
}
END_TEST

START_TEST(resolve_respects_capacity)
{
    const char *base = "https://h/d/f";
    const char *want = "https://h/d/abc";
    char out[32];
    size_t need = strlen(want) + 1u;
    for (size_t cap = 1; cap < need; cap++) {
        ck_assert_int_eq(iotl_url_resolve(base, "abc", out, cap), IOTL_ERR_NO_MEM);
    }
    ck_assert_int_eq(iotl_url_resolve(base, "abc", out, need), 0);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(iotl_url_resolve(base, "abc", out, 0), IOTL_ERR_NO_MEM);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("resolve");
    tcase_add_test(tc, resolve_table);
    tcase_add_test(tc, resolve_respects_capacity);
    suite_add_tcase(s, tc);
    return s;
}
