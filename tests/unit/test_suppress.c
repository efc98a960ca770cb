/* suppress.c: repeated leads per (rule, group key), summaries when a window
 * ends by event time, by processing time, by a later lead of the key, by
 * flush or by the bound; skewed leads; the order summaries come in. */
#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/suppress.h"

#define MIN (60 * (int64_t)1000000)
#define HOUR (60 * MIN)
#define T0 ((int64_t)1795000000 * 1000000)     /* 2026-11-18, an event time */

struct got {
        char rule[32], group[32], host[32], lead[RECORD_ID_LEN + 1], ids[SUPPRESS_MAX_IDS][RECORD_ID_LEN + 1];
        uint64_t count;
        int64_t first, last, opened;
        size_t nids;
        uint64_t record;
        enum suppress_end ended;
};

static struct got got[64];
static size_t ngot;

static void on_summary(void *ud, const struct suppress_summary *s)
{
        struct got *g = &got[ngot < ELEMENTSOF(got) ? ngot : ELEMENTSOF(got) - 1];

        (void)ud;
        ngot++;         /* past the array: counted, the last slot overwritten */
        snprintf(g->rule, sizeof(g->rule), "%s", s->rule_id);
        snprintf(g->group, sizeof(g->group), "%s", s->group);
        snprintf(g->host, sizeof(g->host), "%s", s->host);
        snprintf(g->lead, sizeof(g->lead), "%s", s->lead_id);
        g->count = s->count;
        g->first = s->first_us;
        g->last = s->last_us;
        g->opened = s->opened_us;
        g->nids = s->nids;
        for (size_t i = 0; i < s->nids; i++)
                memcpy(g->ids[i], s->ids[i], sizeof(g->ids[i]));
        g->record = s->event->record_id;
        g->ended = s->ended;
}

static struct suppressor *new_sup(size_t max_keys)
{
        struct suppress_opts o = { .max_keys = max_keys, .summary = on_summary };
        struct suppressor *s = suppress_new(&o);

        ck_assert_ptr_nonnull(s);
        ngot = 0;
        return s;
}

/* One lead of `rule` for `group` at event time t (received at recv), with
 * record id `rec`; its id is "id<rec>".  The decision. */
static bool lead(struct suppressor *s, const char *rule, const char *group, int64_t window, int64_t t,
                 int64_t recv, uint64_t rec)
{
        char id[RECORD_ID_LEN + 1];
        struct corr_event ev = { .time_us = t, .recv_us = recv, .record_id = rec, .has_record_id = true };
        struct suppress_lead l = {
                .rule_id = rule, .group = group, .host = group, .window_us = window, .time_us = t,
                .recv_us = recv, .id = id, .event = &ev,
        };

        snprintf(id, sizeof(id), "id%llu", (unsigned long long)rec);
        snprintf(ev.host, sizeof(ev.host), "%s", group);
        return suppress_check(s, &l);
}

/* The case: 5 identical matches in 10 minutes, suppress 1h → the
 * first is written, one summary counts 4 at the end of input. */
START_TEST(test_burst)
{
        struct suppressor *s = new_sup(0);

        ck_assert(lead(s, "r1", "ws1", HOUR, T0, 0, 1));
        for (uint64_t i = 2; i <= 5; i++)
                ck_assert(!lead(s, "r1", "ws1", HOUR, T0 + (int64_t)(i - 1) * 2 * MIN, 0, i));
        ck_assert_uint_eq(ngot, 0);
        ck_assert_uint_eq(suppress_stats(s)->suppressed, 4);
        ck_assert_uint_eq(suppress_stats(s)->keys, 1);
        suppress_advance(s, INT64_MAX);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].rule, "r1");
        ck_assert_str_eq(got[0].group, "ws1");
        ck_assert_str_eq(got[0].lead, "id1");
        ck_assert_uint_eq(got[0].count, 4);
        ck_assert_int_eq(got[0].opened, T0);
        ck_assert_int_eq(got[0].first, T0 + 2 * MIN);
        ck_assert_int_eq(got[0].last, T0 + 8 * MIN);
        ck_assert_uint_eq(got[0].nids, 4);
        ck_assert_str_eq(got[0].ids[0], "id2");
        ck_assert_str_eq(got[0].ids[3], "id5");
        ck_assert_uint_eq(got[0].record, 2);
        ck_assert_int_eq(got[0].ended, SUPPRESS_END_FLUSH);
        ck_assert_uint_eq(suppress_stats(s)->keys, 0);
        ck_assert_uint_eq(suppress_stats(s)->summaries, 1);
        suppress_free(s);
}
END_TEST

/* Decisions at the window's edges, one key, window 1h opened at T0. */
static const struct {
        int64_t at;
        bool written;
        size_t summaries;       /* delivered so far */
} edge_cases[] = {
        { 0, true, 0 },
        { 59 * MIN, false, 0 },
        { HOUR - 1, false, 0 },
        { -30 * MIN, false, 0 },        /* out of order, before the opener: still the same burst */
        { HOUR, true, 1 },              /* the end belongs to the next window */
        { HOUR + 1, false, 1 },
        { 3 * HOUR, true, 2 },
        { 3 * HOUR + MIN, false, 2 },
};

START_TEST(test_edges)
{
        struct suppressor *s = new_sup(0);

        for (size_t i = 0; i < ELEMENTSOF(edge_cases); i++) {
                bool w = lead(s, "r1", "ws1", HOUR, T0 + edge_cases[i].at, 0, i + 1);

                ck_assert_msg(w == edge_cases[i].written, "step %zu: written %d", i, w);
                ck_assert_msg(ngot == edge_cases[i].summaries, "step %zu: %zu summaries", i, ngot);
        }
        ck_assert_uint_eq(got[0].count, 3);
        ck_assert_int_eq(got[0].first, T0 - 30 * MIN);
        ck_assert_int_eq(got[0].last, T0 + HOUR - 1);
        ck_assert_int_eq(got[0].ended, SUPPRESS_END_WINDOW);
        ck_assert_uint_eq(got[1].count, 1);
        suppress_free(s);
}
END_TEST

/* Another key's later lead moves the event-time clock past the end: the
 * summary comes before that lead is decided. */
START_TEST(test_event_clock)
{
        struct suppressor *s = new_sup(0);

        ck_assert(lead(s, "r1", "ws1", HOUR, T0, 0, 1));
        ck_assert(!lead(s, "r1", "ws1", HOUR, T0 + 10 * MIN, 0, 2));
        ck_assert(lead(s, "r1", "ws2", HOUR, T0 + 59 * MIN, 0, 3));
        ck_assert_uint_eq(ngot, 0);
        ck_assert(lead(s, "r2", "ws9", HOUR, T0 + 61 * MIN, 0, 4));
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].group, "ws1");
        ck_assert_int_eq(got[0].ended, SUPPRESS_END_WINDOW);
        /* ws2's window is open still, and never had a repeat: ends silently */
        ck_assert_uint_eq(suppress_stats(s)->keys, 2);
        suppress_flush(s);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_uint_eq(suppress_stats(s)->keys, 0);
        suppress_free(s);
}
END_TEST

/* Live: input goes quiet; processing time ends the window at the opener's
 * receive time + window, whatever the event times. */
START_TEST(test_processing_time)
{
        struct suppressor *s = new_sup(0);
        int64_t recv = T0 + 96 * HOUR;  /* events four days old */

        ck_assert(lead(s, "r1", "ws1", HOUR, T0, recv, 1));
        ck_assert(!lead(s, "r1", "ws1", HOUR, T0 + MIN, recv + 1000, 2));
        suppress_advance(s, recv + HOUR - 1);
        ck_assert_uint_eq(ngot, 0);
        suppress_advance(s, recv + HOUR);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_uint_eq(got[0].count, 1);
        ck_assert_int_eq(got[0].ended, SUPPRESS_END_WINDOW);
        ck_assert(lead(s, "r1", "ws1", HOUR, T0 + 2 * MIN, recv + HOUR, 3));
        suppress_free(s);
}
END_TEST

/* A lead dated far ahead of its receive time does not move the clock. */
START_TEST(test_skew)
{
        struct suppressor *s = new_sup(0);

        ck_assert(lead(s, "r1", "ws1", HOUR, T0, T0, 1));
        ck_assert(!lead(s, "r1", "ws1", HOUR, T0 + MIN, T0 + MIN, 2));
        ck_assert(lead(s, "r1", "fast", HOUR, T0 + 5 * HOUR, T0 + 2 * MIN, 3));
        ck_assert_uint_eq(ngot, 0);
        ck_assert(lead(s, "r1", "ws2", HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR, 4));
        ck_assert_uint_eq(ngot, 1);
        suppress_free(s);
}
END_TEST

/* Keys: the rule id and the group key, each on its own; window 0 keeps no
 * state. */
START_TEST(test_keys)
{
        struct suppressor *s = new_sup(0);

        ck_assert(lead(s, "r1", "ws1", HOUR, T0, 0, 1));
        ck_assert(lead(s, "r2", "ws1", HOUR, T0, 0, 2));
        ck_assert(lead(s, "r1", "ws2", HOUR, T0, 0, 3));
        ck_assert(lead(s, "r1ws", "1", HOUR, T0, 0, 4));        /* no confusion across the separator */
        ck_assert(!lead(s, "r1", "ws1", HOUR, T0 + 1, 0, 5));
        ck_assert(lead(s, "r3", "ws1", 0, T0, 0, 6));
        ck_assert(lead(s, "r3", "ws1", 0, T0, 0, 7));
        ck_assert(lead(s, "r3", "ws1", -1, T0, 0, 8));
        ck_assert_uint_eq(suppress_stats(s)->keys, 4);
        ck_assert_uint_eq(suppress_stats(s)->suppressed, 1);
        suppress_free(s);
}
END_TEST

/* Windows that end together come in the order they opened, not in hash
 * order; ids are capped, the count is not. */
START_TEST(test_order_and_cap)
{
        static const char *const groups[] = { "h5", "h1", "h4", "h2", "h3", "h0" };
        struct suppressor *s = new_sup(0);
        uint64_t rec = 1;

        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                int64_t t = T0 + (int64_t)i * MIN;

                ck_assert(lead(s, "r1", groups[i], HOUR, t, 0, rec++));
                ck_assert(!lead(s, "r1", groups[i], HOUR, t, 0, rec++));
        }
        for (int i = 0; i < 10; i++)
                ck_assert(!lead(s, "r1", "h3", HOUR, T0 + 10 * MIN, 0, 100 + (uint64_t)i));
        ck_assert(lead(s, "r9", "x", HOUR, T0 + 3 * HOUR, 0, rec++));
        ck_assert_uint_eq(ngot, ELEMENTSOF(groups));
        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                ck_assert_str_eq(got[i].group, groups[i]);
        ck_assert_uint_eq(got[4].count, 11);
        ck_assert_uint_eq(got[4].nids, SUPPRESS_MAX_IDS);
        ck_assert_str_eq(got[4].ids[SUPPRESS_MAX_IDS - 1], "id103");
        suppress_free(s);
}
END_TEST

/* The bound: the least recently used window ends early, with its
 * summary. */
START_TEST(test_eviction)
{
        struct suppressor *s = new_sup(2);

        ck_assert(lead(s, "r1", "a", HOUR, T0, 0, 1));
        ck_assert(!lead(s, "r1", "a", HOUR, T0 + 1, 0, 2));
        ck_assert(lead(s, "r1", "b", HOUR, T0 + 2, 0, 3));
        ck_assert(!lead(s, "r1", "a", HOUR, T0 + 3, 0, 4));     /* a is the most recent now */
        ck_assert(lead(s, "r1", "c", HOUR, T0 + 4, 0, 5));      /* evicts b: nothing to say */
        ck_assert_uint_eq(ngot, 0);
        ck_assert(lead(s, "r1", "d", HOUR, T0 + 5, 0, 6));      /* evicts a */
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].group, "a");
        ck_assert_uint_eq(got[0].count, 2);
        ck_assert_int_eq(got[0].ended, SUPPRESS_END_EVICTED);
        ck_assert_uint_eq(suppress_stats(s)->evicted, 2);
        ck_assert_uint_eq(suppress_stats(s)->keys, 2);
        suppress_free(s);
}
END_TEST

/* Many keys: the table grows, every window is found again, and the state
 * returns to its empty size. */
START_TEST(test_many_keys)
{
        struct suppressor *s = new_sup(0);
        size_t empty = suppress_stats(s)->state_bytes;
        char g[32];

        for (int i = 0; i < 5000; i++) {
                snprintf(g, sizeof(g), "host-%d", i);
                ck_assert(lead(s, "r1", g, HOUR, T0, 0, (uint64_t)i));
        }
        for (int i = 0; i < 5000; i++) {
                snprintf(g, sizeof(g), "host-%d", i);
                ck_assert(!lead(s, "r1", g, HOUR, T0 + 1, 0, (uint64_t)i));
        }
        ck_assert_uint_eq(suppress_stats(s)->keys, 5000);
        suppress_flush(s);
        ck_assert_uint_eq(ngot, 5000);
        ck_assert_uint_eq(suppress_stats(s)->keys, 0);
        ck_assert_uint_ge(suppress_stats(s)->state_bytes, empty);
        suppress_free(s);
}
END_TEST

static Suite *suppress_suite(void)
{
        Suite *s = suite_create("suppress");
        TCase *tc;

        tc = tcase_create("window");
        tcase_add_test(tc, test_burst);
        tcase_add_test(tc, test_edges);
        tcase_add_test(tc, test_keys);
        suite_add_tcase(s, tc);

        tc = tcase_create("time");
        tcase_add_test(tc, test_event_clock);
        tcase_add_test(tc, test_processing_time);
        tcase_add_test(tc, test_skew);
        suite_add_tcase(s, tc);

        tc = tcase_create("bounds");
        tcase_add_test(tc, test_order_and_cap);
        tcase_add_test(tc, test_eviction);
        tcase_add_test(tc, test_many_keys);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(suppress_suite());
}
