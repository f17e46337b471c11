/* SPDX-License-Identifier: Apache-2.0 */
/* Power is cut at every storage operation of every lifecycle scenario, on
 * three geometries, with torn writes and erases; then random sequences of
 * cuts where power fails again during recovery. After every cut: the journal
 * reads back, the confirmed image is intact, every boot decision names a slot
 * holding the confirmed or the trial image; once power stays on the scenario
 * completes or is cleanly abandoned. (MCUboot sim / littlefs powerloss style.) */
#include "unit/iotl_test.h"
#include "unit/stage_fixture.h"


static void recover_and_check(enum fx_scenario sc)
{
    int ret = -1;
    for (int k = 0; k < 8 && ret != 0; k++) {
        ret = fx_agent(sc);
    }
    ck_assert_msg(ret == 0, "scenario did not complete after power returned: %s", iotl_strerror(ret));
    fx_check_end(sc);
    fx_check_invariants();
}

/* Cut at operation 1..total of the scenario; returns total. */
static uint32_t cut_every_op(enum fx_scenario sc, const struct fx_geo *g)
{
    fx_setup(g, 1);
    fx_precondition(sc);
    fx_save();
    fx_restore(1);
    ck_assert_int_eq(fx_agent(sc), 0);
    fx_check_end(sc);
    uint32_t total = fx.power.ops;
    ck_assert_uint_gt(total, 0);
    for (uint32_t n = 1; n <= total; n++) {
        fx_restore(n * 2654435761u + 1u);
        memset(&fx_exp, 0, sizeof(fx_exp));
        iotl_emu_power_cut_at(&fx.power, n, IOTL_EMU_TEAR_RANDOM);
        int ret = fx_agent(sc);
        ck_assert_msg(fx.power.cuts == 1, "%s/%s: op %u not reached (ret %d)", fx_scenario_names[sc], g->name,
                      n, ret);
        /* ret may be 0: a cut while the boot selector records an attempt
         * makes it boot the confirmed image instead, which is correct. */
        (void)ret;
        iotl_emu_power_on(&fx.power);
        fx_check_invariants();
        recover_and_check(sc);
    }
    return total;
}

static void scenario_test(enum fx_scenario sc)
{
    uint32_t sum = 0;
    fx_make_images();
    for (int gi = 0; gi < 3; gi++) {
        uint32_t n = cut_every_op(sc, &fx_geos[gi]);
        printf("powercut %-30s %-15s: %u storage operations, each cut (torn)\n", fx_scenario_names[sc],
               fx_geos[gi].name, n);
        sum += n;
    }
    printf("cut points: %u\n", sum);
    fflush(stdout);
}

START_TEST(powercut_install_full) { scenario_test(FX_INSTALL_FULL); }
END_TEST
START_TEST(powercut_install_deflate) { scenario_test(FX_INSTALL_DEFLATE); }
END_TEST
START_TEST(powercut_install_delta) { scenario_test(FX_INSTALL_DELTA); }
END_TEST
START_TEST(powercut_confirm) { scenario_test(FX_CONFIRM); }
END_TEST
START_TEST(powercut_rollback_attempts) { scenario_test(FX_ROLLBACK_ATTEMPTS); }
END_TEST
START_TEST(powercut_reject) { scenario_test(FX_REJECT); }
END_TEST
START_TEST(powercut_compaction) { scenario_test(FX_COMPACTION); }
END_TEST
START_TEST(powercut_prepare_then_install) { scenario_test(FX_INSTALL_PREPARED); }
END_TEST

/* Random sequences of 1..4 cuts: power fails again during recovery. */
#define SEQ_PER_COMBO 60
START_TEST(powercut_random_multi)
{
    uint32_t sequences = 0, cuts = 0;
    fx_make_images();
    fx_rng = 0xC0FFEEu;
    for (int sc = 0; sc < FX_SCENARIOS; sc++) {
        for (int gi = 0; gi < 3; gi++) {
            fx_setup(&fx_geos[gi], 1);
            fx_precondition((enum fx_scenario)sc);
            fx_save();
            fx_restore(1);
            ck_assert_int_eq(fx_agent((enum fx_scenario)sc), 0);
            uint32_t total = fx.power.ops;
            for (int q = 0; q < SEQ_PER_COMBO; q++) {
                uint32_t seed = fx_rand();
                fx_restore(seed | 1u);
                memset(&fx_exp, 0, sizeof(fx_exp));
                uint32_t ncut = 1u + fx_rand() % 4u;
                for (uint32_t c = 0; c < ncut; c++) {
                    iotl_emu_power_cut_at(&fx.power, 1u + fx_rand() % (total + 4u), IOTL_EMU_TEAR_RANDOM);
                    uint32_t before = fx.power.cuts;
                    (void)fx_agent((enum fx_scenario)sc);
                    if (fx.power.cuts != before) {
                        cuts++;
                    }
                    iotl_emu_power_on(&fx.power);
                    fx_check_invariants();
                }
                recover_and_check((enum fx_scenario)sc);
                sequences++;
            }
        }
    }
    printf("random multi-cut sequences: %u (%u cuts, up to 4 per sequence, %d scenarios x 3 geometries)\n",
           sequences, cuts, (int)FX_SCENARIOS);
    printf("cut points: %u\n", cuts);
    fflush(stdout);
    ck_assert_uint_ge(sequences, 1000);
}
END_TEST

Suite *iotl_test_suite(void)
{
    Suite *s = suite_create("stage_powercut");
    TCase *tc = tcase_create("powercut");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, powercut_install_full);
    tcase_add_test(tc, powercut_install_deflate);
    tcase_add_test(tc, powercut_install_delta);
    tcase_add_test(tc, powercut_confirm);
    tcase_add_test(tc, powercut_rollback_attempts);
    tcase_add_test(tc, powercut_reject);
    tcase_add_test(tc, powercut_compaction);
    tcase_add_test(tc, powercut_prepare_then_install);
    tcase_add_test(tc, powercut_random_multi);
    suite_add_tcase(s, tc);
    return s;
}
