/* SPDX-License-Identifier: Apache-2.0 */
/* Every Check test executable defines this suite; check_main.c runs it. */
#ifndef IOTL_TEST_H
#define IOTL_TEST_H
#include <check.h>
Suite *iotl_test_suite(void);
#endif
