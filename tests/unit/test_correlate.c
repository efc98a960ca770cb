/* correlate.c: the Sigma correlation spec's examples, the window semantics
 * (sliding, bounds, close-decided conditions, lateness, skew), bounds,
 * chaining, and arrival-order properties over generated streams. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/correlate.h"

#define S(x) ((int64_t)(x) * 1000000)
#define MAXFIRES 4096

struct fire_rec {
        size_t ci;
        char key[64];
        uint64_t count;
        double aggregate;
        int64_t first_us, last_us;
        size_t nevents;
        int64_t ev_time[8];
        uint16_t ev_ref[8];
        uint64_t last_record;
        uint64_t ev_hash;       /* FNV-1a over every contributing event's (time, ref) */
};

struct harness {
        struct correlator *c;
        int64_t lateness;
        struct fire_rec fires[MAXFIRES];
        size_t n;
        /* chaining: a fire of ci is observed as ref chain_ref[ci] of chain_to[ci] */
        bool chain[4];
        size_t chain_to[4];
        uint16_t chain_ref[4];
};

static void on_fire(void *ud, const struct corr_fire *f)
{
        struct harness *h = ud;
        struct fire_rec *r;

        ck_assert_uint_lt(h->n, MAXFIRES);
        r = &h->fires[h->n++];
        memset(r, 0, sizeof(*r));
        r->ci = f->ci;
        snprintf(r->key, sizeof(r->key), "%s", f->key);
        r->count = f->count;
        r->aggregate = f->aggregate;
        r->first_us = f->first_us;
        r->last_us = f->last_us;
        r->nevents = f->nevents;
        ck_assert_uint_le(f->nevents, f->count);
        r->ev_hash = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < f->nevents; i++) {
                uint64_t v[2] = { (uint64_t)f->events[i].time_us, f->events[i].ref };
                const unsigned char *b = (const unsigned char *)v;
                for (size_t k = 0; k < sizeof(v); k++)
                        r->ev_hash = (r->ev_hash ^ b[k]) * 0x100000001b3ull;
                if (i < 8) {
                        r->ev_time[i] = f->events[i].time_us;
                        r->ev_ref[i] = f->events[i].ref;
                }
                if (i > 0)      /* oldest first */
                        ck_assert_int_le(f->events[i - 1].time_us, f->events[i].time_us);
                ck_assert_int_ge(f->events[i].time_us, f->first_us);
                ck_assert_int_le(f->events[i].time_us, f->last_us);
        }
        if (f->nevents)
                r->last_record = f->events[f->nevents - 1].record_id;
        if (f->ci < 4 && h->chain[f->ci]) {
                struct corr_event ev = { .time_us = f->last_us, .ref = h->chain_ref[f->ci] };
                correlator_observe(h->c, h->chain_to[f->ci], f->key, &ev, NULL);
        }
}

static void h_init_events(struct harness *h, const struct corr_spec *specs, size_t n, int64_t lateness,
                          size_t max_events)
{
        struct corr_opts o;

        memset(h, 0, sizeof(*h));
        h->lateness = lateness;
        corr_opts_init(&o);
        o.allowed_lateness_us = lateness;
        o.max_events_per_window = max_events;
        o.fire = on_fire;
        o.ud = h;
        h->c = correlator_new(specs, n, &o);
        ck_assert_ptr_nonnull(h->c);
}

static void h_init(struct harness *h, const struct corr_spec *specs, size_t n, int64_t lateness)
{
        h_init_events(h, specs, n, lateness, 0);
}

static uint64_t record_seq;

static void h_obs(struct harness *h, size_t ci, const char *key, int64_t t, uint16_t ref, const char *value)
{
        struct corr_event ev = { .time_us = t, .recv_us = 0, .ref = ref, .record_id = ++record_seq,
                                 .has_record_id = true, .event_id = 4625 };

        snprintf(ev.host, sizeof(ev.host), "%s", key);
        correlator_observe(h->c, ci, key, &ev, value);
}

/* Let the watermark pass t (receive times are 0 here: an idle tick at now
 * sets it to now - lateness): every observation at or before t is decided. */
static void h_pass(struct harness *h, int64_t t)
{
        correlator_advance(h->c, t + h->lateness + 1);
}

static void h_free(struct harness *h)
{
        correlator_free(h->c);
        h->c = NULL;
}

static struct corr_condition cond1(enum corr_op op, double v)
{
        return (struct corr_condition){ .crit = { { op, v } }, .ncrit = 1 };
}

/* ---- the Sigma correlation specification's examples ----------------------------- */

/* "Many failed logins": event_count, group-by TargetUserName, 1h, gte 10 (a
 * smaller threshold than the spec's 100, same shape). */
START_TEST(test_spec_event_count)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(3600), cond1(CORR_GTE, 10) };
        struct harness h;

        h_init(&h, &sp, 1, S(300));
        for (int i = 0; i < 9; i++) {
                h_obs(&h, 0, "alice", S(60 * i), 0, NULL);
                h_obs(&h, 0, "bob", S(60 * i + 1), 0, NULL);
        }
        h_pass(&h, S(8 * 60 + 1));
        ck_assert_uint_eq(h.n, 0);
        h_obs(&h, 0, "alice", S(3000), 0, NULL);
        ck_assert_uint_eq(h.n, 0);              /* decided once the watermark passes it */
        h_pass(&h, S(3000));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_str_eq(h.fires[0].key, "alice");
        ck_assert_uint_eq(h.fires[0].count, 10);
        ck_assert_double_eq(h.fires[0].aggregate, 10);
        ck_assert_int_eq(h.fires[0].first_us, 0);
        ck_assert_int_eq(h.fires[0].last_us, S(3000));
        ck_assert_uint_eq(h.fires[0].nevents, 10);
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 1);
        ck_assert_uint_eq(correlator_stats(h.c)->groups, 0);
        h_free(&h);
}
END_TEST

/* "Failed logons with more than 3 different accounts from one source":
 * value_count of TargetUserName, group-by IpAddress, 1d, gte 4. */
START_TEST(test_spec_value_count)
{
        struct corr_spec sp = { CORR_VALUE_COUNT, 1, S(86400), cond1(CORR_GTE, 4) };
        static const char *const users[] = { "admin", "admin", "Admin", "root", "admin", NULL, "guest" };
        struct harness h;

        h_init(&h, &sp, 1, S(300));
        for (size_t i = 0; i < ELEMENTSOF(users) - 1; i++)
                h_obs(&h, 0, "10.0.0.5", S(100 * i), 0, users[i]);
        ck_assert_uint_eq(h.n, 0);              /* admin, Admin, root: 3 distinct (case-sensitive) */
        ck_assert_uint_eq(correlator_stats(h.c)->ignored, 1);   /* the NULL value */
        h_obs(&h, 0, "10.0.0.6", S(700), 0, "guest");           /* another source */
        h_pass(&h, S(700));
        ck_assert_uint_eq(h.n, 0);
        h_obs(&h, 0, "10.0.0.5", S(800), 0, "guest");
        h_pass(&h, S(800));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_double_eq(h.fires[0].aggregate, 4);
        ck_assert_uint_eq(h.fires[0].count, 6);                 /* observations with a value */
        ck_assert_str_eq(h.fires[0].key, "10.0.0.5");
        h_free(&h);
}
END_TEST

/* "Many failed logins followed by a successful login" (temporal_ordered over
 * an event_count correlation and a detection rule: chaining), 1h by user. */
START_TEST(test_spec_chained)
{
        struct corr_spec sp[2] = {
                { CORR_EVENT_COUNT, 1, S(600), cond1(CORR_GTE, 3) },
                { CORR_TEMPORAL_ORDERED, 2, S(3600), { .ncrit = 0 } },
        };
        struct harness h;

        h_init(&h, sp, 2, S(300));
        h.chain[0] = true;
        h.chain_to[0] = 1;
        h.chain_ref[0] = 0;
        h_obs(&h, 1, "alice", S(10), 1, NULL);  /* a success before the failures: no */
        for (int i = 0; i < 3; i++)
                h_obs(&h, 0, "alice", S(100 + i), 0, NULL);
        h_pass(&h, S(102));
        ck_assert_uint_eq(h.n, 1);              /* the event_count fire, chained into ci 1 */
        ck_assert_uint_eq(h.fires[0].ci, 0);
        h_obs(&h, 1, "bob", S(200), 1, NULL);   /* another user's success */
        h_pass(&h, S(200));
        ck_assert_uint_eq(h.n, 1);
        h_obs(&h, 1, "alice", S(201), 1, NULL);
        h_pass(&h, S(201));
        ck_assert_uint_eq(h.n, 2);
        ck_assert_uint_eq(h.fires[1].ci, 1);
        ck_assert_str_eq(h.fires[1].key, "alice");
        ck_assert_int_eq(h.fires[1].first_us, S(102));
        ck_assert_int_eq(h.fires[1].last_us, S(201));
        ck_assert_uint_eq(h.fires[1].nevents, 2);
        ck_assert_uint_eq(h.fires[1].ev_ref[0], 0);
        ck_assert_uint_eq(h.fires[1].ev_ref[1], 1);
        h_free(&h);
}
END_TEST

/* temporal (any order): recon commands whoami, net, ipconfig by host in 5 min. */
START_TEST(test_spec_temporal)
{
        struct corr_spec sp = { CORR_TEMPORAL, 3, S(300), { .ncrit = 0 } };
        struct harness h;

        h_init(&h, &sp, 1, S(60));
        h_obs(&h, 0, "ws1", S(0), 2, NULL);
        h_obs(&h, 0, "ws1", S(10), 0, NULL);
        h_obs(&h, 0, "ws2", S(20), 1, NULL);
        h_obs(&h, 0, "ws1", S(20), 0, NULL);
        ck_assert_uint_eq(h.n, 0);
        h_pass(&h, S(20));
        ck_assert_uint_eq(h.n, 0);
        h_obs(&h, 0, "ws1", S(300), 1, NULL);   /* [0, 300]: all three */
        h_pass(&h, S(300));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_uint_eq(h.fires[0].count, 4);
        ck_assert_int_eq(h.fires[0].first_us, 0);
        ck_assert_double_eq(h.fires[0].aggregate, 3);
        h_obs(&h, 0, "ws1", S(310), 2, NULL);   /* consumed: nothing to pair with */
        h_obs(&h, 0, "ws1", S(320), 0, NULL);
        h_pass(&h, S(320));
        ck_assert_uint_eq(h.n, 1);
        h_obs(&h, 0, "ws1", S(611), 1, NULL);   /* 310 is 301 s before: out */
        h_pass(&h, S(611));
        ck_assert_uint_eq(h.n, 1);
        h_obs(&h, 0, "ws1", S(621), 2, NULL);   /* 320 is out too */
        h_pass(&h, S(621));
        ck_assert_uint_eq(h.n, 1);
        h_obs(&h, 0, "ws1", S(622), 0, NULL);
        h_pass(&h, S(622));
        ck_assert_uint_eq(h.n, 2);
        ck_assert_int_eq(h.fires[1].first_us, S(611));
        h_free(&h);
}
END_TEST

/* value_sum (bytes out per host > 1 GB in 1h), value_avg, value_percentile:
 * decided when the window closes. */
START_TEST(test_spec_value_aggregates)
{
        struct corr_spec sp[3] = {
                { CORR_VALUE_SUM, 1, S(3600), cond1(CORR_GT, 1e9) },
                { CORR_VALUE_AVG, 1, S(60), cond1(CORR_GTE, 10) },
                { CORR_VALUE_PERCENTILE, 1, S(60), cond1(CORR_GT, 100) },
        };
        struct harness h;

        sp[2].cond.percentile = 90;
        h_init(&h, sp, 3, S(10));
        h_obs(&h, 0, "srv", S(0), 0, "600000000");
        h_obs(&h, 0, "srv", S(10), 0, "bogus");
        h_obs(&h, 0, "srv", S(20), 0, " 500000000 ");
        h_obs(&h, 0, "other", S(30), 0, "900000000");
        h_obs(&h, 1, "a", S(0), 0, "5");
        h_obs(&h, 1, "a", S(30), 0, "15");
        h_obs(&h, 1, "a", S(60), 0, "10");      /* avg 10 over [0, 60] */
        h_obs(&h, 1, "b", S(0), 0, "9");
        h_obs(&h, 1, "b", S(61), 0, "100");     /* next window of b */
        for (int i = 1; i <= 10; i++)
                h_obs(&h, 2, "p", S(i), 0, i == 10 ? "500" : "1");      /* p90 = 1 */
        for (int i = 1; i <= 10; i++)
                h_obs(&h, 2, "q", S(i), 0, i >= 9 ? "500" : "1");       /* p90 = 500 */
        ck_assert_uint_eq(h.n, 0);
        ck_assert_uint_eq(correlator_stats(h.c)->ignored, 1);
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 4);
        for (size_t i = 0; i < h.n; i++) {
                const struct fire_rec *r = &h.fires[i];
                if (r->ci == 0) {
                        ck_assert_str_eq(r->key, "srv");
                        ck_assert_double_eq(r->aggregate, 1.1e9);
                        ck_assert_uint_eq(r->count, 2);
                } else if (r->ci == 1 && strcmp(r->key, "a") == 0) {
                        ck_assert_double_eq(r->aggregate, 10);
                        ck_assert_uint_eq(r->count, 3);
                } else if (r->ci == 1) {
                        ck_assert_str_eq(r->key, "b");
                        ck_assert_double_eq(r->aggregate, 100);
                        ck_assert_int_eq(r->first_us, S(61));
                } else {
                        ck_assert_str_eq(r->key, "q");
                        ck_assert_double_eq(r->aggregate, 500);
                }
        }
        h_free(&h);
}
END_TEST

/* ---- window semantics: the bug classes ------------------------------------------ */

START_TEST(test_groups_separate)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 3) };
        struct harness h;

        h_init(&h, &sp, 1, S(30));
        h_obs(&h, 0, "hostA", S(1), 0, NULL);
        h_obs(&h, 0, "hostB", S(2), 0, NULL);
        h_obs(&h, 0, "hostA", S(3), 0, NULL);
        h_obs(&h, 0, "hostB", S(4), 0, NULL);
        h_obs(&h, 0, "hostA\x01", S(4), 0, NULL);      /* keys are bytes: no prefix sharing */
        h_obs(&h, 0, "hosta", S(4), 0, NULL);
        h_pass(&h, S(4));
        ck_assert_uint_eq(h.n, 0);
        h_obs(&h, 0, "hostB", S(5), 0, NULL);
        h_pass(&h, S(5));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_str_eq(h.fires[0].key, "hostB");
        ck_assert_uint_eq(h.fires[0].count, 3);
        h_free(&h);
}
END_TEST

/* Two correlations over the same group key do not share a window. */
START_TEST(test_correlations_separate)
{
        struct corr_spec sp[2] = {
                { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) },
                { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) },
        };
        struct harness h;

        h_init(&h, sp, 2, S(30));
        h_obs(&h, 0, "k", S(1), 0, NULL);
        h_obs(&h, 1, "k", S(2), 0, NULL);
        h_pass(&h, S(2));
        ck_assert_uint_eq(h.n, 0);
        h_obs(&h, 1, "k", S(3), 0, NULL);
        h_pass(&h, S(3));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_uint_eq(h.fires[0].ci, 1);
        h_free(&h);
}
END_TEST

START_TEST(test_ordered_rejects_reverse)
{
        struct corr_spec sp = { CORR_TEMPORAL_ORDERED, 2, S(60), { .ncrit = 0 } };
        struct harness h;

        h_init(&h, &sp, 1, S(30));
        h_obs(&h, 0, "x", S(10), 1, NULL);      /* B */
        h_obs(&h, 0, "x", S(20), 0, NULL);      /* then A */
        h_obs(&h, 0, "y", S(20), 0, NULL);      /* B arriving first but stamped after A */
        h_obs(&h, 0, "y", S(15), 1, NULL);      /* B before A (arriving out of order): still B-before-A */
        h_pass(&h, S(20));
        ck_assert_uint_eq(h.n, 0);
        h_obs(&h, 0, "z", S(30), 1, NULL);      /* B (arrives first), A stamped earlier */
        h_obs(&h, 0, "z", S(25), 0, NULL);      /* A-then-B in event time: fires */
        h_obs(&h, 0, "x", S(30), 1, NULL);      /* x: A@20 then B@30 */
        h_obs(&h, 0, "t", S(40), 1, NULL);      /* equal times count as ordered */
        h_obs(&h, 0, "t", S(40), 0, NULL);
        ck_assert_uint_eq(h.n, 0);              /* nothing decided before the watermark passes */
        h_pass(&h, S(40));
        ck_assert_uint_eq(h.n, 3);
        /* by event time, then (correlation, group key) */
        ck_assert_str_eq(h.fires[0].key, "x");
        ck_assert_int_eq(h.fires[0].first_us, S(20));   /* the chain's span; the stray B@10 is not in it */
        ck_assert_uint_eq(h.fires[0].count, 2);
        ck_assert_str_eq(h.fires[1].key, "z");
        ck_assert_str_eq(h.fires[2].key, "t");
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 3);
        h_free(&h);
}
END_TEST

/* Three-step order: A B C, with decoys. */
START_TEST(test_ordered_three)
{
        struct corr_spec sp = { CORR_TEMPORAL_ORDERED, 3, S(100), { .ncrit = 0 } };
        struct harness h;

        h_init(&h, &sp, 1, S(200));
        h_obs(&h, 0, "k", S(0), 0, NULL);       /* A */
        h_obs(&h, 0, "k", S(5), 2, NULL);       /* C too early */
        h_obs(&h, 0, "k", S(10), 1, NULL);      /* B */
        h_obs(&h, 0, "k", S(101), 2, NULL);     /* C: A@0 .. C@101 spans 101 s */
        h_pass(&h, S(0));
        ck_assert_uint_eq(h.n, 0);
        h_obs(&h, 0, "k", S(1), 0, NULL);       /* A@1, out of order: A@1 B@10 C@101 span 100 */
        ck_assert_uint_eq(h.n, 0);
        h_pass(&h, S(101));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_int_eq(h.fires[0].first_us, S(1));
        ck_assert_int_eq(h.fires[0].last_us, S(101));
        ck_assert_uint_eq(h.fires[0].count, 4);         /* A@1 C@5 B@10 C@101: the span is consumed */
        h_free(&h);
}
END_TEST

START_TEST(test_timespan_bound)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) };
        struct harness h;

        h_init(&h, &sp, 1, S(30));
        h_obs(&h, 0, "a", S(0), 0, NULL);
        h_obs(&h, 0, "a", S(61), 0, NULL);      /* timespan + 1 s: not one window */
        h_obs(&h, 0, "b", S(0), 0, NULL);
        h_obs(&h, 0, "b", S(60), 0, NULL);      /* exactly timespan: one window */
        h_obs(&h, 0, "c", S(0), 0, NULL);
        h_obs(&h, 0, "c", S(60) + 1, 0, NULL);  /* one microsecond past */
        h_pass(&h, S(61));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_str_eq(h.fires[0].key, "b");
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 1);
        h_free(&h);
}
END_TEST

/* Sliding, not tumbling: three events spread across any bucket boundary. */
START_TEST(test_sliding_boundary)
{
        static const int64_t streams[][3] = {
                { 50, 70, 100 },        /* across the 60 s boundary */
                { 59, 60, 61 },
                { 119, 121, 179 },      /* across 120 */
                { 30, 61, 89 },
                { 1, 2, 61 },
        };
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 3) };
        struct harness h;
        char key[16];

        h_init(&h, &sp, 1, S(1000));
        for (size_t i = 0; i < ELEMENTSOF(streams); i++) {
                snprintf(key, sizeof(key), "s%zu", i);
                for (int j = 0; j < 3; j++)
                        h_obs(&h, 0, key, S(streams[i][j]), 0, NULL);
        }
        /* 0, 30, 61: [1, 61] holds only two */
        h_obs(&h, 0, "n", S(0), 0, NULL);
        h_obs(&h, 0, "n", S(30), 0, NULL);
        h_obs(&h, 0, "n", S(61), 0, NULL);
        h_pass(&h, S(179));
        ck_assert_uint_eq(h.n, ELEMENTSOF(streams));
        for (size_t i = 0; i < h.n; i++) {
                ck_assert_msg(h.fires[i].key[0] == 's', "%s fired", h.fires[i].key);
                ck_assert_uint_eq(h.fires[i].count, 3);
        }
        h_free(&h);
}
END_TEST

/* An out-of-order arrival completes a window anchored at a later observation. */
START_TEST(test_out_of_order_completes)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 3) };
        struct harness h;

        h_init(&h, &sp, 1, S(120));
        h_obs(&h, 0, "k", S(40), 0, NULL);
        h_obs(&h, 0, "k", S(95), 0, NULL);
        h_obs(&h, 0, "k", S(60), 0, NULL);      /* [35, 95] = {40, 60, 95} */
        h_pass(&h, S(95));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_int_eq(h.fires[0].first_us, S(40));
        ck_assert_int_eq(h.fires[0].last_us, S(95));
        ck_assert_uint_eq(correlator_stats(h.c)->late, 0);
        h_free(&h);
}
END_TEST

/* After a fire its observations are consumed: they never fire again. */
START_TEST(test_consumed)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) };
        struct harness h;

        h_init(&h, &sp, 1, S(30));
        h_obs(&h, 0, "k", S(0), 0, NULL);
        h_obs(&h, 0, "k", S(10), 0, NULL);
        h_obs(&h, 0, "k", S(20), 0, NULL);
        h_pass(&h, S(20));
        ck_assert_uint_eq(h.n, 1);
        h_obs(&h, 0, "k", S(30), 0, NULL);
        h_pass(&h, S(30));
        ck_assert_uint_eq(h.n, 2);
        ck_assert_int_eq(h.fires[1].first_us, S(20));
        h_free(&h);
}
END_TEST

/* Decisions in watermark order: for threshold conditions the arrival order
 * within the allowed lateness does not matter (0, 10, 50 with gte 2: {0, 10}
 * fires whether 0 s arrives first or last). */
START_TEST(test_arrival_order_independent)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) };
        struct harness h;

        h_init(&h, &sp, 1, S(300));
        h_obs(&h, 0, "in-order", S(0), 0, NULL);
        h_obs(&h, 0, "in-order", S(10), 0, NULL);
        h_obs(&h, 0, "in-order", S(50), 0, NULL);
        h_obs(&h, 0, "shuffled", S(10), 0, NULL);
        h_obs(&h, 0, "shuffled", S(50), 0, NULL);
        h_obs(&h, 0, "shuffled", S(0), 0, NULL);
        ck_assert_uint_eq(h.n, 0);
        h_pass(&h, S(50));
        ck_assert_uint_eq(h.n, 2);
        for (size_t i = 0; i < 2; i++) {
                ck_assert_int_eq(h.fires[i].first_us, S(0));
                ck_assert_int_eq(h.fires[i].last_us, S(10));
        }
        ck_assert_str_eq(h.fires[0].key, "in-order");
        ck_assert_uint_eq(correlator_stats(h.c)->late, 0);
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 2);
        h_free(&h);
}
END_TEST

/* lt is decided only when the watermark passes the window's end. */
START_TEST(test_lt_at_watermark)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_LT, 3) };
        struct harness h;

        h_init(&h, &sp, 1, S(30));
        h_obs(&h, 0, "few", S(0), 0, NULL);
        h_obs(&h, 0, "few", S(10), 0, NULL);
        h_obs(&h, 0, "many", S(5), 0, NULL);
        h_obs(&h, 0, "many", S(6), 0, NULL);
        h_obs(&h, 0, "many", S(7), 0, NULL);
        ck_assert_uint_eq(h.n, 0);
        correlator_advance(h.c, S(90));         /* watermark 60: [0, 60] still open */
        ck_assert_uint_eq(h.n, 0);
        correlator_advance(h.c, S(90) + 1);     /* passes 60 */
        ck_assert_uint_eq(h.n, 1);
        ck_assert_str_eq(h.fires[0].key, "few");
        ck_assert_uint_eq(h.fires[0].count, 2);
        ck_assert_int_eq(h.fires[0].last_us, S(10));
        correlator_advance(h.c, S(1000));
        ck_assert_uint_eq(h.n, 1);              /* "many" had 3; a group never seen never fires */
        ck_assert_uint_eq(correlator_stats(h.c)->groups, 0);

        /* two windows in a row: the second is decided only past its own end */
        h_obs(&h, 0, "two", S(1000), 0, NULL);
        h_obs(&h, 0, "two", S(1061), 0, NULL);
        correlator_advance(h.c, S(1121 + 30));  /* watermark 1121 = the second window's end */
        ck_assert_uint_eq(h.n, 2);
        ck_assert_int_eq(h.fires[1].first_us, S(1000));
        correlator_advance(h.c, S(1121 + 30) + 1);
        ck_assert_uint_eq(h.n, 3);
        ck_assert_int_eq(h.fires[2].first_us, S(1061));
        h_free(&h);
}
END_TEST

/* Ranges and eq / neq (decided at close); a gt + lte range. */
START_TEST(test_close_conditions)
{
        static const struct {
                struct corr_condition cond;
                int n;
                bool fires;
        } rows[] = {
                { { { { CORR_GT, 2 }, { CORR_LTE, 4 } }, 2, 0 }, 2, false },
                { { { { CORR_GT, 2 }, { CORR_LTE, 4 } }, 2, 0 }, 3, true },
                { { { { CORR_GT, 2 }, { CORR_LTE, 4 } }, 2, 0 }, 4, true },
                { { { { CORR_GT, 2 }, { CORR_LTE, 4 } }, 2, 0 }, 5, false },
                { { { { CORR_EQ, 3 } }, 1, 0 }, 3, true },
                { { { { CORR_EQ, 3 } }, 1, 0 }, 4, false },
                { { { { CORR_NEQ, 3 } }, 1, 0 }, 4, true },
                { { { { CORR_NEQ, 3 } }, 1, 0 }, 3, false },
                { { { { CORR_LTE, 1 } }, 1, 0 }, 1, true },
                { { { { CORR_LTE, 1 } }, 1, 0 }, 2, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), rows[i].cond };
                struct harness h;

                h_init(&h, &sp, 1, S(30));
                for (int j = 0; j < rows[i].n; j++)
                        h_obs(&h, 0, "k", S(j), 0, NULL);
                ck_assert_msg(h.n == 0, "row %zu fired before close", i);
                correlator_advance(h.c, INT64_MAX);
                ck_assert_msg(h.n == (rows[i].fires ? 1u : 0u), "row %zu: %zu fires", i, h.n);
                h_free(&h);
        }
}
END_TEST

/* A close-decided window, then the next observation anchors the next one. */
START_TEST(test_close_next_window)
{
        struct corr_spec sp = { CORR_VALUE_COUNT, 1, S(60), cond1(CORR_LT, 2) };
        struct harness h;

        h_init(&h, &sp, 1, S(0));
        h_obs(&h, 0, "u", S(0), 0, "a");
        h_obs(&h, 0, "u", S(30), 0, "a");
        h_obs(&h, 0, "u", S(61), 0, "b");       /* watermark 61: [0, 60] decided: 1 distinct */
        ck_assert_uint_eq(h.n, 1);
        ck_assert_int_eq(h.fires[0].last_us, S(30));
        h_obs(&h, 0, "u", S(100), 0, "c");      /* [61, 121]: b, c */
        h_obs(&h, 0, "u", S(121), 0, "c");
        h_obs(&h, 0, "u", S(122), 0, "c");      /* next window: [122, 182] */
        ck_assert_uint_eq(h.n, 1);
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 2);
        ck_assert_int_eq(h.fires[1].first_us, S(122));
        h_free(&h);
}
END_TEST

/* Late observations are counted, still join open windows, never reopen a
 * decided one: for thresholds (decided in watermark order), a late one
 * joins only if its group has not decided a later time point. */
START_TEST(test_late)
{
        struct corr_spec sp[2] = {
                { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_LT, 5) },
                { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) },
        };
        const struct corr_stats *st;
        struct harness h;

        h_init(&h, sp, 2, S(100));
        h_obs(&h, 0, "g", S(0), 0, NULL);
        h_obs(&h, 0, "h", S(161), 0, NULL);     /* watermark 61: g's [0, 60] decided */
        ck_assert_uint_eq(h.n, 1);
        h_obs(&h, 0, "g", S(50), 0, NULL);      /* late, inside the decided window: ignored */
        h_obs(&h, 0, "g", S(0), 0, NULL);       /* late and older than watermark - timespan */
        h_obs(&h, 0, "g", S(60), 0, NULL);      /* the decided window's last instant */
        st = correlator_stats(h.c);
        ck_assert_uint_eq(st->late, 3);
        ck_assert_uint_eq(st->dropped, 3);
        h_obs(&h, 0, "g", S(60) + 500000, 0, NULL);     /* late (< 61), after decided_until: a new window */
        ck_assert_uint_eq(st->late, 4);
        ck_assert_uint_eq(st->dropped, 3);
        ck_assert_uint_eq(h.n, 1);

        h_obs(&h, 1, "x", S(150), 0, NULL);
        h_obs(&h, 1, "y", S(300), 0, NULL);     /* watermark 200: g's [60.5, 120.5] decided */
        ck_assert_uint_eq(h.n, 2);
        ck_assert_str_eq(h.fires[1].key, "g");
        ck_assert_int_eq(h.fires[1].first_us, S(60) + 500000);
        h_obs(&h, 1, "x", S(170), 0, NULL);     /* late, after x's last decided time point 150 */
        ck_assert_uint_eq(st->late, 5);
        ck_assert_uint_eq(h.n, 3);              /* completes [110, 170] */
        ck_assert_uint_eq(h.fires[2].ci, 1);
        ck_assert_str_eq(h.fires[2].key, "x");
        h_obs(&h, 1, "x", S(165), 0, NULL);     /* before x's last decided time point 170 */
        h_obs(&h, 1, "x", S(171), 0, NULL);
        ck_assert_uint_eq(st->late, 7);
        ck_assert_uint_eq(st->dropped, 4);
        ck_assert_uint_eq(h.n, 3);              /* 171 alone */

        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 4);              /* h [161, 221] */
        ck_assert_str_eq(h.fires[3].key, "h");
        ck_assert_uint_eq(h.fires[3].count, 1);
        h_free(&h);
}
END_TEST

/* A host whose clock runs 3 days ahead must not make other hosts late. */
START_TEST(test_skew)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) };
        const int64_t now = S(1700000000);
        struct corr_event ev = { .recv_us = now };
        const struct corr_stats *st;
        struct harness h;

        h_init(&h, &sp, 1, S(300));
        st = correlator_stats(h.c);
        ev.time_us = now + S(3 * 86400);
        correlator_observe(h.c, 0, "ahead", &ev, NULL);
        ck_assert_uint_eq(st->skewed, 1);
        ev.time_us = now - S(1);
        correlator_observe(h.c, 0, "ontime", &ev, NULL);
        ck_assert_uint_eq(st->late, 0);
        ck_assert_uint_eq(st->dropped, 0);
        ev.time_us = now;
        correlator_observe(h.c, 0, "ontime", &ev, NULL);
        correlator_advance(h.c, now + S(300) + 1);     /* idle: the watermark passes now */
        ck_assert_uint_eq(h.n, 1);
        ck_assert_str_eq(h.fires[0].key, "ontime");
        ev.time_us = now + S(3 * 86400) + S(1);  /* still counted in its own window */
        correlator_observe(h.c, 0, "ahead", &ev, NULL);
        ck_assert_uint_eq(st->skewed, 2);
        ev.time_us = now + S(240);              /* within max_future: moves the watermark */
        correlator_observe(h.c, 0, "soon", &ev, NULL);
        ck_assert_uint_eq(st->skewed, 2);
        ck_assert_uint_eq(st->late, 0);
        ck_assert_uint_eq(h.n, 1);              /* skewed: decided when the watermark reaches them */
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 2);
        ck_assert_str_eq(h.fires[1].key, "ahead");
        h_free(&h);
}
END_TEST

/* Idle input moves event time by the processing time elapsed since the
 * newest event, not to the wall clock: a forwarder catching up on events
 * days old is not all late (regression: the live tick once set the
 * watermark to now - lateness and dropped every old event). */
START_TEST(test_idle_backlog)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) };
        const int64_t now = S(1700000000), old = now - S(4 * 86400);
        struct corr_event ev = { .recv_us = now };
        const struct corr_stats *st;
        struct harness h;

        h_init(&h, &sp, 1, S(300));
        st = correlator_stats(h.c);
        correlator_advance(h.c, now);                   /* nothing seen: nothing moves */
        ev.time_us = old;
        correlator_observe(h.c, 0, "backlog", &ev, NULL);
        correlator_advance(h.c, now + S(10));           /* 10 s idle */
        ev.time_us = old + S(5);
        ev.recv_us = now + S(10);
        correlator_observe(h.c, 0, "backlog", &ev, NULL);
        ck_assert_uint_eq(st->late, 0);
        ck_assert_uint_eq(st->dropped, 0);
        ck_assert_uint_eq(h.n, 0);              /* decided when the watermark passes old + 5 s */
        /* idle longer than lateness + timespan: the old window is decided */
        correlator_advance(h.c, now + S(10) + S(400));
        ck_assert_uint_eq(h.n, 1);
        ev.time_us = old + S(6);
        correlator_observe(h.c, 0, "backlog", &ev, NULL);
        ck_assert_uint_eq(st->late, 1);
        h_free(&h);
}
END_TEST

/* ---- bounds ----------------------------------------------------------------------- */

START_TEST(test_eviction)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(200000), cond1(CORR_GTE, 5) };
        struct corr_opts o;
        struct correlator *c;
        const struct corr_stats *st;
        struct corr_event ev = { 0 };
        char key[32];
        size_t base;

        corr_opts_init(&o);
        o.max_groups = 1000;
        c = correlator_new(&sp, 1, &o);
        ck_assert_ptr_nonnull(c);
        st = correlator_stats(c);
        base = st->state_bytes;
        for (int i = 0; i < 1000; i++) {
                snprintf(key, sizeof(key), "host-%06d", i);
                ev.time_us = S(i);
                correlator_observe(c, 0, key, &ev, NULL);
        }
        ck_assert_uint_eq(st->groups, 1000);
        fprintf(stderr, "correlate: %zu bytes per event_count group (1 observation, key 11 bytes, "
                        "event kept)\n", (st->state_bytes - base) / 1000);
        for (int i = 1000; i < 100000; i++) {
                snprintf(key, sizeof(key), "host-%06d", i);
                ev.time_us = S(i);
                correlator_observe(c, 0, key, &ev, NULL);
                ck_assert_uint_le(st->groups, 1000);
        }
        ck_assert_uint_eq(st->groups, 1000);
        ck_assert_uint_eq(st->evicted, 99000);
        ck_assert_uint_lt(st->state_bytes, base + 1000 * 2048);
        /* the most recent groups survived: 4 more for host-099999 fire */
        for (int i = 0; i < 4; i++) {
                ev.time_us = S(100000 + i);
                correlator_observe(c, 0, "host-099999", &ev, NULL);
        }
        correlator_advance(c, S(100003) + S(300) + 1);
        ck_assert_uint_eq(st->fired, 1);
        correlator_free(c);
}
END_TEST

/* count stays exact, the event list is bounded (the oldest kept). */
START_TEST(test_events_bounded)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(3600), cond1(CORR_GTE, 100) };
        struct harness h;

        h_init(&h, &sp, 1, S(30));
        for (int i = 0; i < 100; i++)
                h_obs(&h, 0, "k", S(i), 0, NULL);
        h_pass(&h, S(99));
        ck_assert_uint_eq(h.n, 1);
        ck_assert_uint_eq(h.fires[0].count, 100);
        ck_assert_uint_eq(h.fires[0].nevents, 32);
        ck_assert_uint_eq(h.fires[0].last_record, record_seq - 100 + 32);       /* the 32nd */
        ck_assert_int_eq(h.fires[0].ev_time[0], 0);
        h_free(&h);
}
END_TEST

START_TEST(test_overflow)
{
        struct corr_spec sp[2] = {
                { CORR_VALUE_COUNT, 1, S(86400), cond1(CORR_GTE, 1e9) },
                { CORR_EVENT_COUNT, 1, S(86400), cond1(CORR_LT, 1) },
        };
        struct harness h;
        const struct corr_stats *st;

        h_init(&h, sp, 2, S(30));
        st = correlator_stats(h.c);
        for (int i = 0; i < 70000; i++) {
                h_obs(&h, 0, "k", i, 0, "v");
                h_obs(&h, 1, "k", i, 0, NULL);
        }
        ck_assert_uint_eq(st->overflow, 2 * (70000 - 65536));
        correlator_advance(h.c, INT64_MAX);
        ck_assert_uint_eq(h.n, 0);
        ck_assert_uint_eq(st->groups, 0);
        h_free(&h);
}
END_TEST

/* ---- chaining and re-entrancy ------------------------------------------------------- */

/* A fire callback that observes into the same correlation and a chained one:
 * state is consistent and every fire is delivered, in order. */
START_TEST(test_chaining)
{
        struct corr_spec sp[3] = {
                { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 2) },
                { CORR_EVENT_COUNT, 1, S(600), cond1(CORR_GTE, 2) },    /* 2 fires of ci 0 */
                { CORR_EVENT_COUNT, 1, S(600), cond1(CORR_GTE, 1) },    /* any fire of ci 1 */
        };
        struct harness h;

        h_init(&h, sp, 3, S(30));
        h.chain[0] = h.chain[1] = true;
        h.chain_to[0] = 1;
        h.chain_to[1] = 2;
        for (int i = 0; i < 4; i++)
                h_obs(&h, 0, "k", S(i), 0, NULL);
        ck_assert_uint_eq(h.n, 0);
        h_pass(&h, S(3));
        /* ci 0 at 1 s and 3 s; the second completes ci 1, which completes ci 2
         * (chained observations are decided in the same pass, in time order) */
        ck_assert_uint_eq(h.n, 4);
        ck_assert_uint_eq(h.fires[0].ci, 0);
        ck_assert_uint_eq(h.fires[1].ci, 0);
        ck_assert_uint_eq(h.fires[2].ci, 1);
        ck_assert_uint_eq(h.fires[2].count, 2);
        ck_assert_int_eq(h.fires[2].first_us, S(1));
        ck_assert_uint_eq(h.fires[3].ci, 2);
        ck_assert_int_eq(h.fires[3].last_us, S(3));
        for (int i = 4; i < 8; i++)
                h_obs(&h, 0, "k", S(i), 0, NULL);
        correlator_advance(h.c, INT64_MAX);     /* chaining still works in the final flush */
        ck_assert_uint_eq(h.n, 8);
        h_free(&h);
}
END_TEST

static struct correlator *reenter_c;
static int reenter_depth;

static void reenter_fire(void *ud, const struct corr_fire *f)
{
        int *n = ud;
        struct corr_event ev = { .time_us = f->last_us + 1 };

        (*n)++;
        ck_assert_int_eq(reenter_depth, 0);     /* never delivered inside another callback */
        reenter_depth++;
        if (*n < 50)
                correlator_observe(reenter_c, 0, f->key, &ev, NULL);     /* fires again once decided */
        correlator_advance(reenter_c, f->last_us + 2);  /* lateness 0: decides it */
        reenter_depth--;
}

START_TEST(test_reentrant)
{
        struct corr_spec sp = { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 1) };
        struct corr_opts o;
        int n = 0;
        struct corr_event ev = { .time_us = 0 };

        corr_opts_init(&o);
        o.allowed_lateness_us = 0;
        o.fire = reenter_fire;
        o.ud = &n;
        reenter_c = correlator_new(&sp, 1, &o);
        correlator_observe(reenter_c, 0, "k", &ev, NULL);
        ck_assert_int_eq(n, 0);
        correlator_advance(reenter_c, 1);
        ck_assert_int_eq(n, 50);
        ck_assert_uint_eq(correlator_stats(reenter_c)->fired, 50);
        correlator_free(reenter_c);
}
END_TEST

/* ---- properties over generated streams --------------------------------------------- */

struct gobs {
        size_t ci;
        int g;
        int64_t t;
        uint16_t ref;
        char value[8];
        int64_t arrive;
        size_t idx;             /* generation order: breaks ties */
};

static int cmp_arrive(const void *a, const void *b)
{
        const struct gobs *x = a, *y = b;

        if (x->arrive != y->arrive)
                return x->arrive < y->arrive ? -1 : 1;
        return (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_fire(const void *a, const void *b)
{
        const struct fire_rec *x = a, *y = b;
        int r = (x->ci > y->ci) - (x->ci < y->ci);

        if (!r)
                r = strcmp(x->key, y->key);
        if (!r)
                r = (x->first_us > y->first_us) - (x->first_us < y->first_us);
        if (!r)
                r = (x->last_us > y->last_us) - (x->last_us < y->last_us);
        if (!r)
                r = (x->count > y->count) - (x->count < y->count);
        if (!r)
                r = (x->aggregate > y->aggregate) - (x->aggregate < y->aggregate);
        if (!r)
                r = (x->nevents > y->nevents) - (x->nevents < y->nevents);
        if (!r)
                r = (x->ev_hash > y->ev_hash) - (x->ev_hash < y->ev_hash);
        return r;
}

/* Every generated observation arrives before the watermark passes it. */
static void run_stream(struct harness *h, const struct corr_spec *sp, size_t nsp, int64_t lateness,
                       const struct gobs *o, size_t n)
{
        char key[8];

        h_init_events(h, sp, nsp, lateness, 1024);
        for (size_t i = 0; i < n; i++) {
                snprintf(key, sizeof(key), "g%d", o[i].g);
                h_obs(h, o[i].ci, key, o[i].t, o[i].ref, o[i].value);
                ck_assert_uint_eq(correlator_stats(h->c)->late, 0);
        }
        correlator_advance(h->c, INT64_MAX);
        ck_assert_uint_eq(correlator_stats(h->c)->groups, 0);
        ck_assert_uint_eq(correlator_stats(h->c)->dropped, 0);
}

static void gen_stream(struct gobs *o, size_t n, unsigned *seed, int64_t lateness, const struct corr_spec *sp,
                       size_t nsp, int gap)
{
        int64_t t = S(rand_r(seed) % 100);

        for (size_t i = 0; i < n; i++) {
                t += S(rand_r(seed) % gap);     /* 0: equal times */
                o[i].idx = i;
                o[i].ci = (size_t)rand_r(seed) % nsp;
                o[i].g = rand_r(seed) % 3;
                o[i].t = t;
                o[i].ref = (uint16_t)((size_t)rand_r(seed) % sp[o[i].ci].nrefs);
                snprintf(o[i].value, sizeof(o[i].value), "%d", rand_r(seed) % 5);
                /* displaced by at most lateness / 2 (and sometimes by a few µs) */
                o[i].arrive = t + (rand_r(seed) % 4 ? (int64_t)(rand_r(seed) % (unsigned)(lateness / 2 + 1))
                                                    : (int64_t)(rand_r(seed) % 3));
        }
}

static struct harness ha, hb;

/* The acceptance property: shuffling the observations within the allowed
 * lateness (every observation displaced by at most lateness / 2 against
 * the event-time order, across and within groups) gives exactly the fires
 * of the ordered stream — every type, the same decisions, the same
 * contributing events, delivered in the same order. */
START_TEST(test_prop_shuffle_within_lateness)
{
        struct corr_spec sp[10] = {
                { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_GTE, 3) },
                { CORR_VALUE_COUNT, 1, S(90), cond1(CORR_GT, 2) },
                { CORR_TEMPORAL, 3, S(40), { .ncrit = 0 } },
                { CORR_TEMPORAL_ORDERED, 2, S(30), { .ncrit = 0 } },
                { CORR_VALUE_SUM, 1, S(45), cond1(CORR_GT, 4) },
                { CORR_VALUE_AVG, 2, S(50), cond1(CORR_GTE, 2.5) },
                { CORR_VALUE_PERCENTILE, 1, S(120), cond1(CORR_GTE, 3) },
                { CORR_EVENT_COUNT, 1, S(60), cond1(CORR_LTE, 3) },
                { CORR_VALUE_COUNT, 1, S(90), { { { CORR_GTE, 2 }, { CORR_LT, 4 } }, 2, 0 } },
                { CORR_TEMPORAL_ORDERED, 3, S(60), { .ncrit = 0 } },
        };
        enum { NOBS = 150 };
        struct gobs o[NOBS];
        size_t total = 0, per_ci[10] = { 0 }, shuffled = 0;

        sp[6].cond.percentile = 75;
        for (unsigned seed = 1; seed <= 300; seed++) {
                unsigned s = seed;
                int64_t lateness = S(2 + seed % 120);

                gen_stream(o, NOBS, &s, lateness, sp, 10, 1 + (int)(seed % 6));
                run_stream(&ha, sp, 10, lateness, o, NOBS);     /* generation = event-time order */
                qsort(o, NOBS, sizeof(o[0]), cmp_arrive);
                for (size_t i = 0; i < NOBS; i++)
                        shuffled += o[i].idx != i;
                run_stream(&hb, sp, 10, lateness, o, NOBS);
                ck_assert_msg(ha.n == hb.n, "seed %u: %zu fires in order, %zu shuffled", seed, ha.n, hb.n);
                for (size_t i = 0; i < ha.n; i++) {
                        const struct fire_rec *x = &ha.fires[i], *y = &hb.fires[i];
                        ck_assert_msg(cmp_fire(x, y) == 0,
                                      "seed %u fire %zu: ci %zu %s [%" PRId64 ", %" PRId64 "] count %" PRIu64
                                      " agg %g vs ci %zu %s [%" PRId64 ", %" PRId64 "] count %" PRIu64 " agg %g",
                                      seed, i, x->ci, x->key, x->first_us, x->last_us, x->count, x->aggregate,
                                      y->ci, y->key, y->first_us, y->last_us, y->count, y->aggregate);
                        per_ci[x->ci]++;
                }
                total += ha.n;
                h_free(&ha);
                h_free(&hb);
        }
        for (size_t ci = 0; ci < 10; ci++)       /* the property is not vacuous */
                ck_assert_msg(per_ci[ci] >= 50, "correlation %zu fired %zu times", ci, per_ci[ci]);
        ck_assert_uint_gt(shuffled, 300 * NOBS / 4);
        fprintf(stderr, "correlate: shuffle property: %zu fires over 300 streams\n", total);
}
END_TEST

/* ---- API ------------------------------------------------------------------------------- */

START_TEST(test_api)
{
        struct corr_spec bad[] = {
                { CORR_EVENT_COUNT, 1, 0, cond1(CORR_GTE, 1) },
                { CORR_EVENT_COUNT, 0, S(1), cond1(CORR_GTE, 1) },
                { CORR_EVENT_COUNT, 1, S(1), { .ncrit = 0 } },
                { CORR_VALUE_PERCENTILE, 1, S(1), { { { CORR_GT, 1 } }, 1, 101 } },
                { (enum corr_type)42, 1, S(1), cond1(CORR_GTE, 1) },
        };

        for (int t = 0; t < _CORR_TYPE_MAX; t++)
                ck_assert_int_eq(corr_type_from_name(corr_type_name((enum corr_type)t)), t);
        ck_assert_str_eq(corr_type_name(CORR_TEMPORAL_ORDERED), "temporal_ordered");
        ck_assert_int_eq(corr_type_from_name("value_median"), _CORR_TYPE_INVALID);
        ck_assert_ptr_null(corr_type_name(_CORR_TYPE_MAX));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                errno = 0;
                ck_assert_ptr_null(correlator_new(&bad[i], 1, NULL));
                ck_assert_int_eq(errno, EINVAL);
        }
        {
                struct corr_spec ok = { CORR_TEMPORAL, 2, S(1), { .ncrit = 0 } };
                struct correlator *c = correlator_new(&ok, 1, NULL);
                struct corr_event ev = { .ref = 5 };
                ck_assert_ptr_nonnull(c);
                correlator_observe(c, 0, "k", &ev, NULL);       /* ref out of range */
                correlator_observe(c, 3, "k", &ev, NULL);       /* ci out of range */
                ck_assert_uint_eq(correlator_stats(c)->ignored, 1);
                ck_assert_uint_eq(correlator_stats(c)->groups, 0);
                correlator_free(c);
        }
}
END_TEST

static Suite *correlate_suite(void)
{
        Suite *s = suite_create("correlate");
        struct {
                const char *name;
                const TTest *fn;
                int timeout;
        } cases[] = {
                { "spec_event_count", test_spec_event_count, 0 },
                { "spec_value_count", test_spec_value_count, 0 },
                { "spec_chained", test_spec_chained, 0 },
                { "spec_temporal", test_spec_temporal, 0 },
                { "spec_value_aggregates", test_spec_value_aggregates, 0 },
                { "groups_separate", test_groups_separate, 0 },
                { "correlations_separate", test_correlations_separate, 0 },
                { "ordered_rejects_reverse", test_ordered_rejects_reverse, 0 },
                { "ordered_three", test_ordered_three, 0 },
                { "timespan_bound", test_timespan_bound, 0 },
                { "sliding_boundary", test_sliding_boundary, 0 },
                { "out_of_order_completes", test_out_of_order_completes, 0 },
                { "consumed", test_consumed, 0 },
                { "arrival_order_independent", test_arrival_order_independent, 0 },
                { "lt_at_watermark", test_lt_at_watermark, 0 },
                { "close_conditions", test_close_conditions, 0 },
                { "close_next_window", test_close_next_window, 0 },
                { "late", test_late, 0 },
                { "skew", test_skew, 0 },
                { "idle_backlog", test_idle_backlog, 0 },
                { "eviction", test_eviction, 60 },
                { "events_bounded", test_events_bounded, 0 },
                { "overflow", test_overflow, 60 },
                { "chaining", test_chaining, 0 },
                { "reentrant", test_reentrant, 0 },
                { "prop_shuffle_within_lateness", test_prop_shuffle_within_lateness, 120 },
                { "api", test_api, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_add_test(tc, cases[i].fn);
                if (cases[i].timeout)
                        tcase_set_timeout(tc, cases[i].timeout);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        return unit_run(correlate_suite());
}
