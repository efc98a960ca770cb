/* daemon/coverage/recordseq.c: holes, duplicates, reordering, restarts. */
#include <check.h>
#include <string.h>

#include "spoor/recordseq.h"
#include "unit.h"

static enum recordseq_what feed(struct recordseq *s, uint64_t from, uint64_t to, struct recordseq_out *all)
{
        struct recordseq_out out = { 0 };

        for (uint64_t r = from; r <= to; r++) {
                recordseq_observe(s, r, &out);
                for (size_t i = 0; all && i < out.nlost && all->nlost < RECORDSEQ_MAX_HOLES + 1; i++)
                        all->lost[all->nlost++] = out.lost[i];
        }
        return out.what;
}

START_TEST(test_in_order)
{
        struct recordseq s = { 0 };
        struct recordseq_out all = { 0 };

        ck_assert_int_eq(feed(&s, 1, 500, &all), RECORDSEQ_IN_ORDER);
        ck_assert_uint_eq(all.nlost, 0);
        ck_assert_uint_eq(s.hwm, 500);
        recordseq_fini(&s);
}
END_TEST

START_TEST(test_hole_confirmed_after_window)
{
        struct recordseq s = { 0 };
        struct recordseq_out all = { 0 };

        feed(&s, 1000, 1050, &all);
        feed(&s, 1101, 1101 + RECORDSEQ_WINDOW - 2, &all);
        ck_assert_uint_eq(all.nlost, 0);        /* still pending: may arrive */
        feed(&s, 1101 + RECORDSEQ_WINDOW - 1, 1101 + RECORDSEQ_WINDOW - 1, &all);
        ck_assert_uint_eq(all.nlost, 1);
        ck_assert_uint_eq(all.lost[0].lo, 1051);
        ck_assert_uint_eq(all.lost[0].hi, 1100);
        ck_assert_uint_eq(all.lost[0].filled, 0);
        recordseq_fini(&s);
}
END_TEST

START_TEST(test_reordered_within_window)
{
        struct recordseq s = { 0 };
        struct recordseq_out all = { 0 };

        feed(&s, 1, 10, &all);
        feed(&s, 15, 20, &all);
        ck_assert_int_eq(feed(&s, 11, 14, &all), RECORDSEQ_REORDERED);
        feed(&s, 21, 300, &all);
        ck_assert_uint_eq(all.nlost, 0);
        recordseq_fini(&s);
}
END_TEST

START_TEST(test_partly_filled)
{
        struct recordseq s = { 0 };
        struct recordseq_out all = { 0 };

        feed(&s, 1, 10, &all);
        feed(&s, 21, 30, &all);
        feed(&s, 11, 15, &all);
        feed(&s, 31, 200, &all);
        ck_assert_uint_eq(all.nlost, 1);
        ck_assert_uint_eq(all.lost[0].lo, 11);
        ck_assert_uint_eq(all.lost[0].hi, 20);
        ck_assert_uint_eq(all.lost[0].filled, 5);
        recordseq_fini(&s);
}
END_TEST

START_TEST(test_duplicate_and_late)
{
        struct recordseq s = { 0 };

        feed(&s, 1, 100, NULL);
        ck_assert_int_eq(feed(&s, 90, 90, NULL), RECORDSEQ_DUPLICATE);
        ck_assert_int_eq(feed(&s, 100, 100, NULL), RECORDSEQ_DUPLICATE);
        ck_assert_int_eq(feed(&s, 5, 5, NULL), RECORDSEQ_LATE);        /* older than the window */
        recordseq_fini(&s);
}
END_TEST

START_TEST(test_restart)
{
        struct recordseq s = { 0 };
        struct recordseq_out all = { 0 };

        feed(&s, 5000, 5100, &all);
        recordseq_allow_restart(&s);
        ck_assert_int_eq(feed(&s, 1, 1, &all), RECORDSEQ_RESTART);
        ck_assert_int_eq(feed(&s, 2, 200, &all), RECORDSEQ_IN_ORDER);
        ck_assert_uint_eq(all.nlost, 0);
        /* the permission is used once: a later backward jump is a duplicate */
        ck_assert_int_eq(feed(&s, 150, 150, &all), RECORDSEQ_DUPLICATE);
        recordseq_reset(&s);
        ck_assert_int_eq(feed(&s, 1, 1, &all), RECORDSEQ_IN_ORDER);
        recordseq_fini(&s);
}
END_TEST

START_TEST(test_flush_and_many_holes)
{
        struct recordseq s = { 0 };
        struct recordseq_out all = { 0 }, out;

        feed(&s, 1, 1, &all);
        for (uint64_t r = 3; r < 3 + 2 * (RECORDSEQ_MAX_HOLES + 1); r += 2)
                feed(&s, r, r, &all);   /* holes 2, 4, 6 ...: the oldest confirmed early */
        ck_assert_uint_eq(all.nlost, 1);
        ck_assert_uint_eq(all.lost[0].lo, 2);
        recordseq_flush(&s, &out);
        ck_assert_uint_eq(out.nlost, RECORDSEQ_MAX_HOLES);
        ck_assert_uint_eq(s.nholes, 0);
        recordseq_fini(&s);
}
END_TEST

/* the pending holes take memory only while there are some */
START_TEST(test_holes_memory)
{
        struct recordseq s = { 0 };
        struct recordseq_out all = { 0 };

        feed(&s, 1, 10, &all);
        ck_assert_ptr_null(s.holes);
        feed(&s, 20, 20, &all);
        ck_assert_ptr_nonnull(s.holes);
        ck_assert_uint_eq(s.nholes, 1);
        feed(&s, 11, 19, &all);         /* filled in time: no hole left pending after the window */
        feed(&s, 21, 20 + RECORDSEQ_WINDOW, &all);
        ck_assert_uint_eq(s.nholes, 0);
        ck_assert_ptr_null(s.holes);
        ck_assert_uint_eq(all.nlost, 0);
        feed(&s, 200, 200, &all);
        ck_assert_ptr_nonnull(s.holes);
        recordseq_reset(&s);
        ck_assert_ptr_null(s.holes);
        recordseq_fini(&s);
}
END_TEST

static Suite *recordseq_suite(void)
{
        Suite *s = suite_create("recordseq");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_in_order);
        tcase_add_test(tc, test_hole_confirmed_after_window);
        tcase_add_test(tc, test_reordered_within_window);
        tcase_add_test(tc, test_partly_filled);
        tcase_add_test(tc, test_duplicate_and_late);
        tcase_add_test(tc, test_restart);
        tcase_add_test(tc, test_flush_and_many_holes);
        tcase_add_test(tc, test_holes_memory);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(recordseq_suite());
}
