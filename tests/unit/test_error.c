/* SPDX-License-Identifier: Apache-2.0 */
/* Every enumerator in error.h has a name and a distinct description. */
#include <check.h>
#include "unit/iotl_test.h"
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlife/error.h"

START_TEST(every_enumerator_has_a_name)
{
    FILE *f = fopen(IOTL_SOURCE_DIR "/include/iotlife/error.h", "r");
    ck_assert_ptr_nonnull(f);
    regex_t re;
    ck_assert_int_eq(regcomp(&re, "(IOTL_ERR_[A-Z0-9_]+) = (-[0-9]+),", REG_EXTENDED), 0);
    char line[512];
    int seen = 0;
    const char *texts[512] = {0};
    while (fgets(line, sizeof(line), f) != NULL) {
        regmatch_t m[3];
        if (regexec(&re, line, 3, m, 0) != 0) {
            continue;
        }
        char name[64] = {0};
        memcpy(name, line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
        int code = atoi(line + m[2].rm_so);
        if (strcmp(name, "IOTL_ERR_PORT_BASE") == 0) {
            continue;
        }
        ck_assert_msg(strcmp(iotl_strerror_name(code), name) == 0, "%s (%d) missing from error.c", name, code);
        const char *t = iotl_strerror(code);
        ck_assert_str_ne(t, "unknown error");
        for (int i = 0; i < seen; i++) {
            ck_assert_msg(strcmp(texts[i], t) != 0, "%s shares its text", name);
        }
        texts[seen++] = t;
    }
    fclose(f);
    regfree(&re);
    ck_assert_int_gt(seen, 50);
}
END_TEST

START_TEST(port_range_keeps_detail)
{
    int e = IOTL_ERR_PORT(7);
    ck_assert(IOTL_ERR_IS_PORT(e));
    ck_assert_int_eq(IOTL_ERR_PORT_DETAIL(e), 7);
    ck_assert(!IOTL_ERR_IS_PORT(IOTL_ERR_IO));
    ck_assert_str_eq(iotl_strerror_name(e), "IOTL_ERR_PORT");
    ck_assert_str_eq(iotl_strerror(e), "port-specific error");
    ck_assert_str_eq(iotl_strerror(-999), "unknown error");
    ck_assert_str_eq(iotl_strerror(0), "success");
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_enumerator_has_a_name);
    tcase_add_test(tc, port_range_keeps_detail);
    suite_add_tcase(s, tc);
    return s;
}
