/* SPDX-License-Identifier: Apache-2.0 */
/* Shared main() of the Check suites: each test executable defines
 * iotl_test_suite() and links this file. Writes TAP when IOTL_TAP_DIR is set. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "iotl_test.h"

int main(void)
{
    SRunner *sr = srunner_create(iotl_test_suite());
    const char *tap_dir = getenv("IOTL_TAP_DIR");
    char path[512];
    if (tap_dir != NULL) {
        snprintf(path, sizeof(path), "%s/%s.tap", tap_dir, IOTL_TEST_NAME);
        srunner_set_tap(sr, path);
    }
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
