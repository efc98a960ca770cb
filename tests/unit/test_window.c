/* window.c: time order with out-of-order inserts, the ring, kept events,
 * distinct values, percentile, the incremental aggregate. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "daemon/engine/window.h"

static struct wobs ob(int64_t t, uint16_t ref)
{
        return (struct wobs){ .time_us = t, .slot = -1, .ref = ref };
}

static void check_sorted(const struct window *w)
{
        for (size_t i = 1; i < w->n; i++)
                ck_assert_int_le(window_time(w, i - 1), window_time(w, i));
}

START_TEST(test_order)
{
        static const int64_t in[] = { 10, 30, 20, 30, 5, 40, 30, 25 };
        static const int64_t want[] = { 5, 10, 20, 25, 30, 30, 30, 40 };
        static const uint16_t want_ref[] = { 4, 0, 2, 7, 1, 3, 6, 5 };  /* equal times: arrival order */
        struct window w;
        size_t pos;

        window_init(&w);
        for (size_t i = 0; i < ELEMENTSOF(in); i++) {
                struct wobs o = ob(in[i], (uint16_t)i);
                ck_assert_int_eq(window_insert(&w, &o, &pos), 0);
                ck_assert_int_eq(window_time(&w, pos), in[i]);
                ck_assert_int_eq(window_at(&w, pos)->ref, i);
        }
        ck_assert_uint_eq(w.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                ck_assert_int_eq(window_time(&w, i), want[i]);
                ck_assert_uint_eq(window_at(&w, i)->ref, want_ref[i]);
        }
        ck_assert_uint_eq(window_lower(&w, 30), 4);
        ck_assert_uint_eq(window_upper(&w, 30), 7);
        ck_assert_uint_eq(window_lower(&w, 0), 0);
        ck_assert_uint_eq(window_upper(&w, 40), 8);
        ck_assert_uint_eq(window_lower(&w, 41), 8);
        ck_assert_uint_eq(window_lower(&w, 26), 4);
        window_free(&w);
}
END_TEST

/* The ring wraps, grows, removes ranges from the front and the middle and
 * shrinks, staying sorted; checked against a plain array. */
START_TEST(test_ring)
{
        struct window w;
        int64_t ref[4096];
        size_t n = 0, pos;
        unsigned seed = 7;

        window_init(&w);
        for (int round = 0; round < 20000; round++) {
                int op = rand_r(&seed) % 10;
                if (op < 6 && n < ELEMENTSOF(ref)) {
                        /* mostly increasing, sometimes out of order */
                        int64_t t = (n ? ref[n - 1] : 0) + (rand_r(&seed) % 10) - (op == 0 ? 40 : 0);
                        struct wobs o = ob(t, 0);
                        size_t k = n;
                        ck_assert_int_eq(window_insert(&w, &o, &pos), 0);
                        while (k > 0 && ref[k - 1] > t)
                                k--;
                        memmove(&ref[k + 1], &ref[k], (n - k) * sizeof(ref[0]));
                        ref[k] = t;
                        n++;
                        ck_assert_uint_eq(pos, k);
                } else if (n > 0) {
                        size_t a = op < 8 ? 0 : (size_t)rand_r(&seed) % n;
                        size_t b = a + 1 + (size_t)rand_r(&seed) % (op < 8 ? 3 : 5);
                        if (b > n)
                                b = n;
                        window_remove(&w, a, b);
                        memmove(&ref[a], &ref[b], (n - b) * sizeof(ref[0]));
                        n -= b - a;
                }
                ck_assert_uint_eq(w.n, n);
        }
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(window_time(&w, i), ref[i]);
        check_sorted(&w);
        /* shrink: a big window emptied down to a few keeps a small ring */
        for (int i = 0; i < 1000; i++) {
                struct wobs o = ob(1000000 + i, 0);
                ck_assert_int_eq(window_insert(&w, &o, &pos), 0);
        }
        window_remove(&w, 0, w.n - 3);
        ck_assert_uint_eq(w.n, 3);
        ck_assert_uint_le(w.cap, 16);
        ck_assert_int_eq(window_time(&w, 2), 1000999);
        window_free(&w);
}
END_TEST

START_TEST(test_cap)
{
        struct window w;
        struct wobs o = ob(1, 0);
        size_t pos;

        window_init(&w);
        for (unsigned i = 0; i < WINDOW_MAX_OBS; i++)
                ck_assert_int_eq(window_insert(&w, &o, &pos), 0);
        ck_assert_int_eq(window_insert(&w, &o, &pos), -ENOSPC);
        ck_assert_uint_eq(w.n, WINDOW_MAX_OBS);
        window_free(&w);
}
END_TEST

START_TEST(test_slots)
{
        struct window w;
        struct corr_event ev = { .time_us = 1 };
        size_t pos;

        window_init(&w);
        for (int i = 0; i < 5; i++) {
                struct wobs o = ob(i, 0);
                ck_assert_int_eq(window_insert(&w, &o, &pos), 0);
                ev.record_id = (uint64_t)i;
                window_at(&w, pos)->slot = window_slot_take(&w, 3, &ev);
        }
        ck_assert_int_ge(window_at(&w, 0)->slot, 0);
        ck_assert_int_ge(window_at(&w, 2)->slot, 0);
        ck_assert_int_eq(window_at(&w, 3)->slot, -1);   /* first come, first kept */
        ck_assert_int_eq(window_at(&w, 4)->slot, -1);
        ck_assert_uint_eq(window_slot(&w, window_at(&w, 1)->slot)->record_id, 1);
        window_remove(&w, 0, 2);                        /* frees two */
        ev.record_id = 42;
        window_at(&w, 1)->slot = window_slot_take(&w, 3, &ev);
        ck_assert_int_ge(window_at(&w, 1)->slot, 0);
        ck_assert_uint_eq(window_slot(&w, window_at(&w, 1)->slot)->record_id, 42);
        ck_assert_uint_eq(window_slot(&w, window_at(&w, 0)->slot)->record_id, 2);
        ck_assert_uint_le(w.slot_cap, 3);
        window_free(&w);
}
END_TEST

/* vset against a naive count: add / remove in random order. */
START_TEST(test_vset)
{
        struct vset s = { 0 };
        unsigned cnt[300] = { 0 }, seed = 3, distinct = 0;

        for (int i = 0; i < 50000; i++) {
                unsigned v = (unsigned)rand_r(&seed) % 300;
                uint64_t h = (uint64_t)v * 0x100000001b3ull;     /* includes 0 */
                if (rand_r(&seed) % 3 || cnt[v] == 0) {
                        ck_assert_int_eq(vset_add(&s, h), 0);
                        distinct += cnt[v]++ == 0;
                } else {
                        vset_del(&s, h);
                        distinct -= --cnt[v] == 0;
                }
                ck_assert_uint_eq(s.n, distinct);
        }
        vset_del(&s, 0xdeadbeef);       /* absent: no-op */
        ck_assert_uint_eq(s.n, distinct);
        vset_clear(&s);
        ck_assert_uint_eq(s.n, 0);
        vset_free(&s);
}
END_TEST

static const struct {
        double p;
        double want;
} pct[] = {
        /* values 15, 20, 35, 40, 50 (the Wikipedia nearest-rank example) */
        { 5, 15 }, { 30, 20 }, { 40, 20 }, { 50, 35 }, { 100, 50 }, { 0, 15 }, { 99.9, 50 }, { 80, 40 },
};

START_TEST(test_aggregates)
{
        static const double vals[] = { 40, 15, 50, 35, 20 };
        struct window w;
        struct vset scratch = { 0 };
        double *buf = NULL, out;
        size_t cap = 0, pos, d;

        window_init(&w);
        ck_assert_int_eq(window_percentile(&w, 0, 0, 50, &buf, &cap, &out), -ENODATA);
        for (size_t i = 0; i < ELEMENTSOF(vals); i++) {
                struct wobs o = ob((int64_t)i, 0);
                o.num = vals[i];
                ck_assert_int_eq(window_insert(&w, &o, &pos), 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(pct); i++) {
                ck_assert_int_eq(window_percentile(&w, 0, w.n, pct[i].p, &buf, &cap, &out), 0);
                ck_assert_msg(out == pct[i].want, "p%g: %g, want %g", pct[i].p, out, pct[i].want);
        }
        ck_assert_double_eq(window_sum(&w, 0, w.n), 160);
        ck_assert_double_eq(window_sum(&w, 1, 3), 65);
        window_free(&w);

        window_init(&w);
        for (int i = 0; i < 10; i++) {
                struct wobs o = ob(i, 0);
                o.vhash = (uint64_t)(i % 4) + 100;
                ck_assert_int_eq(window_insert(&w, &o, &pos), 0);
        }
        ck_assert_int_eq(window_distinct(&w, 0, 10, &scratch, &d), 0);
        ck_assert_uint_eq(d, 4);
        ck_assert_int_eq(window_distinct(&w, 2, 4, &scratch, &d), 0);
        ck_assert_uint_eq(d, 2);
        window_free(&w);
        vset_free(&scratch);
        free(buf);
}
END_TEST

START_TEST(test_wagg)
{
        struct wagg a;
        struct wobs o[4] = { ob(1, 0), ob(2, 1), ob(3, 1), ob(4, 2) };

        ck_assert_int_eq(wagg_init(&a, 3, true), 0);
        for (int i = 0; i < 4; i++) {
                o[i].vhash = i < 2 ? 7 : 9;
                ck_assert_int_eq(wagg_add(&a, &o[i]), 0);
        }
        ck_assert_uint_eq(a.count, 4);
        ck_assert_uint_eq(a.present, 3);
        ck_assert_uint_eq(a.vals.n, 2);
        wagg_del(&a, &o[1]);
        ck_assert_uint_eq(a.present, 3);        /* ref 1 still there */
        wagg_del(&a, &o[2]);
        ck_assert_uint_eq(a.present, 2);
        ck_assert_uint_eq(a.vals.n, 2);
        wagg_del(&a, &o[3]);
        ck_assert_uint_eq(a.vals.n, 1);
        wagg_clear(&a);
        ck_assert_uint_eq(a.count, 0);
        ck_assert_uint_eq(a.present, 0);
        wagg_free(&a);
}
END_TEST

static Suite *window_suite(void)
{
        Suite *s = suite_create("window");
        struct {
                const char *name;
                const TTest *fn;
        } cases[] = {
                { "order", test_order }, { "ring", test_ring }, { "cap", test_cap }, { "slots", test_slots },
                { "vset", test_vset }, { "aggregates", test_aggregates }, { "wagg", test_wagg },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_add_test(tc, cases[i].fn);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        return unit_run(window_suite());
}
