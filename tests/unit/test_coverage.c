/* daemon/coverage/coverage.c: observation, field_missing, events_lost /
 * events_duplicated, channel_missing with blinds, caveats, the host bound. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/coverage.h"
#include "spoor/recordseq.h"
#include "spoor/metrics.h"
#include "spoor/ruleset.h"
#include "spoor/winevent.h"
#include "cov_unit.h"
#include "unit.h"


#define S INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define SYSMON "Microsoft-Windows-Sysmon/Operational"

static char got[64][512];       /* "kind host channel state [ttr]" */
static size_t ngot;

static void collect(void *ud, const char *line, size_t len)
{
        struct json_object *o = json_tokener_parse(line), *v;
        const char *state;

        (void)ud;
        (void)len;
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_lt(ngot, 64);
        json_object_object_get_ex(o, "state", &v);
        state = json_object_get_string(v);
        {
                struct json_object *k, *h, *c, *t;

                json_object_object_get_ex(o, "kind", &k);
                json_object_object_get_ex(o, "host", &h);
                json_object_object_get_ex(o, "channel", &c);
                json_object_object_get_ex(o, "ttr_seconds", &t);
                snprintf(got[ngot], sizeof(got[0]), "%s %s %s %s%s%s", json_object_get_string(k),
                         json_object_get_string(h), json_object_get_string(c), state, t ? " " : "",
                         t ? json_object_get_string(t) : "");
        }
        ngot++;
        json_object_put(o);
}

static struct coverage *cov_new(int64_t grace_us, size_t max_hosts)
{
        struct coverage_opts o = { .grace_us = grace_us, .max_hosts = max_hosts, .write = collect };
        struct coverage *cov = coverage_new(&o);

        ck_assert_ptr_nonnull(cov);
        ngot = 0;
        memset(&metrics, 0, sizeof(metrics));
        return cov;
}

START_TEST(test_observation)
{
        struct coverage *cov = cov_new(3600 * S, 0);
        struct coverage_channel_stats st;
        int64_t first, last;

        cov_unit_feed(cov, "ws1", "Security", 4624, T0 + 10 * S, 5, NULL);
        cov_unit_feed(cov, "ws1", "Security", 4624, T0, 6, NULL);
        cov_unit_feed(cov, "ws1", "System", 7036, T0 + 20 * S, 0, NULL);
        ck_assert(coverage_channel(cov, "ws1", "security", &st));
        ck_assert_uint_eq(st.count, 2);
        ck_assert_int_eq(st.first_us, T0);
        ck_assert_int_eq(st.last_us, T0 + 10 * S);
        ck_assert(st.has_hwm);
        ck_assert_uint_eq(st.hwm, 6);
        ck_assert(coverage_channel(cov, "ws1", "System", &st));
        ck_assert(!st.has_hwm);
        ck_assert(coverage_host(cov, "ws1", &first, &last));
        ck_assert_int_eq(first, T0);
        ck_assert_int_eq(last, T0 + 20 * S);
        ck_assert(!coverage_host(cov, "ws2", &first, &last));
        ck_assert_uint_eq(coverage_host_count(cov), 1);
        ck_assert_uint_eq(ngot, 0);
        coverage_free(cov);
}
END_TEST

START_TEST(test_field_missing)
{
        struct coverage *cov = cov_new(3600 * S, 0);
        struct record_caveat cav[4];

        cov_unit_feed(cov, "wsa", "Security", 4688, T0, 0, "NewProcessName=a.exe", NULL);
        cov_unit_feed(cov, "wsb", "Security", 4688, T0, 0, "CommandLine=b.exe /x", NULL);
        cov_unit_feed(cov, "wsa", "Security", 4688, T0 + 5 * S, 0, "CommandLine=", NULL);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "field_missing wsa Security open");
        ck_assert_uint_eq(coverage_caveats(cov, "wsa", cav, 4), 1);
        ck_assert_str_eq(cav[0].text, "a 4688 has no CommandLine");
        ck_assert_uint_eq(coverage_caveats(cov, "wsb", cav, 4), 0);
        cov_unit_feed(cov, "wsa", "Security", 4688, T0 + 125 * S, 0, "CommandLine=c.exe", NULL);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1], "field_missing wsa Security closed 125");
        ck_assert_uint_eq(coverage_caveats(cov, "wsa", cav, 4), 0);
        /* a recurrence is a new gap */
        cov_unit_feed(cov, "wsa", "Security", 4688, T0 + 200 * S, 0, NULL);
        ck_assert_uint_eq(ngot, 3);
        ck_assert_uint_eq(metrics.gaps_opened[GAP_FIELD_MISSING], 2);
        ck_assert_uint_eq(metrics.gaps_closed, 1);
        ck_assert_uint_eq(metrics.gaps_open, 1);
        coverage_free(cov);
        ck_assert_uint_eq(metrics.gaps_open, 0);
}
END_TEST

START_TEST(test_lost_and_cleared)
{
        struct coverage *cov = cov_new(3600 * S, 0);
        int64_t t = T0;

        for (uint64_t r = 1000; r <= 1050; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        for (uint64_t r = 1101; r <= 1200; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "events_lost ws1 Security open");
        /* the log is cleared: numbering restarts, not a duplicate */
        cov_unit_feed(cov, "ws1", "Security", 1102, t += S, 1, NULL);
        for (uint64_t r = 2; r <= 100; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        /* System 104: the other channels may restart once */
        for (uint64_t r = 50; r <= 60; r++)
                cov_unit_feed(cov, "ws1", "Application", 1000, t += S, r, NULL);
        cov_unit_feed(cov, "ws1", "System", 104, t += S, 9, NULL);
        cov_unit_feed(cov, "ws1", "Application", 1000, t += S, 1, NULL);
        ck_assert_uint_eq(ngot, 1);
        /* a repeat */
        cov_unit_feed(cov, "ws1", "Application", 1000, t += S, 1, NULL);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1], "events_duplicated ws1 Application open");
        for (uint64_t r = 2; r < 2 + COVERAGE_DUP_QUIET; r++)
                cov_unit_feed(cov, "ws1", "Application", 1000, t += S, r, NULL);
        ck_assert_uint_eq(ngot, 3);
        ck_assert_str_eq(got[2], "events_duplicated ws1 Application closed 1000");
        coverage_free(cov);
}
END_TEST

START_TEST(test_lost_filled_and_flush)
{
        struct coverage *cov = cov_new(3600 * S, 0);
        int64_t t = T0;

        for (uint64_t r = 1; r <= 10; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        for (uint64_t r = 100; r <= 200; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        ck_assert_uint_eq(ngot, 1);
        for (uint64_t r = 11; r <= 99; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        ck_assert_uint_eq(ngot, 2);
        /* opened at 163 (the 63rd second after 100), closed at the last fill */
        ck_assert_str_eq(got[1], "events_lost ws1 Security closed 126");
        /* a pending hole at the end of the input */
        cov_unit_feed(cov, "ws1", "Security", 4624, t += S, 205, NULL);
        ck_assert_uint_eq(ngot, 2);
        coverage_flush(cov);
        ck_assert_uint_eq(ngot, 3);
        ck_assert_str_eq(got[2], "events_lost ws1 Security open");
        coverage_free(cov);
}
END_TEST

/* An unfilled hole: the gap closes once the channel has run
 * COVERAGE_LOST_QUIET records in order after it; one record short, it stays
 * open; a new hole restarts the count. */
START_TEST(test_lost_ages)
{
        struct coverage *cov = cov_new(3600 * S, 0);
        int64_t t = T0;
        uint64_t r = 1;

        for (; r <= 10; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        r += 50;        /* 11..60 never arrive */
        for (uint64_t i = 0; ngot == 0 && i <= 2 * RECORDSEQ_WINDOW; i++, r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "events_lost ws1 Security open");
        /* the quiet count starts after the confirming record */
        for (uint64_t i = 0; i < COVERAGE_LOST_QUIET - 1; i++, r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        ck_assert_uint_eq(ngot, 1);
        cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r++, NULL);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1], "events_lost ws1 Security closed 1000");
        coverage_free(cov);
}
END_TEST

START_TEST(test_channel_missing)
{
        struct coverage *cov = cov_new(3600 * S, 0);
        struct ruleset *rs = cov_unit_load(SPOOR_TEST_DATA "/../scenarios/gap-channel-missing/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        cov_unit_feed(cov, "wsc", "Security", 4624, T0, 1, NULL);
        cov_unit_feed(cov, "wsc", "Security", 4624, T0 + 3599 * S, 2, NULL);
        ck_assert_uint_eq(ngot, 0);
        cov_unit_feed(cov, "wsc", "Security", 4624, T0 + 3600 * S, 3, NULL);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "channel_missing wsc " SYSMON " open");
        cov_unit_feed(cov, "wsc", "Security", 4624, T0 + 3700 * S, 4, NULL);
        ck_assert_uint_eq(ngot, 1);     /* once */
        cov_unit_feed(cov, "wsc", SYSMON, 1, T0 + 4000 * S, 1, NULL);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1], "channel_missing wsc " SYSMON " closed 400");
        /* without rules nothing is needed */
        ck_assert_int_eq(coverage_set_rules(cov, NULL), 0);
        cov_unit_feed(cov, "wsd", "Security", 4624, T0, 1, NULL);
        cov_unit_feed(cov, "wsd", "Security", 4624, T0 + 7200 * S, 2, NULL);
        ck_assert_uint_eq(ngot, 2);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

START_TEST(test_host_bound)
{
        struct coverage *cov = cov_new(3600 * S, 3);
        int64_t first, last;

        cov_unit_feed(cov, "h1", "Security", 4688, T0, 0, NULL);        /* opens field_missing */
        cov_unit_feed(cov, "h2", "Security", 4624, T0, 0, NULL);
        cov_unit_feed(cov, "h3", "Security", 4624, T0, 0, NULL);
        cov_unit_feed(cov, "h2", "Security", 4624, T0, 0, NULL);
        ck_assert_uint_eq(metrics.gaps_open, 1);
        cov_unit_feed(cov, "h4", "Security", 4624, T0, 0, NULL);        /* h1 is the least recent */
        ck_assert_uint_eq(coverage_host_count(cov), 3);
        ck_assert(!coverage_host(cov, "h1", &first, &last));
        ck_assert(coverage_host(cov, "h2", &first, &last));
        ck_assert_uint_eq(metrics.coverage_hosts_evicted, 1);
        ck_assert_uint_eq(metrics.gaps_open, 0);
        ck_assert_uint_eq(coverage_open_gaps(cov), 0);
        for (int i = 0; i < 5000; i++) {
                char h[32];

                snprintf(h, sizeof(h), "x%d", i);
                cov_unit_feed(cov, h, "Security", 4624, T0, 0, NULL);
        }
        ck_assert_uint_eq(coverage_host_count(cov), 3);
        coverage_free(cov);
}
END_TEST

static Suite *coverage_suite(void)
{
        Suite *s = suite_create("coverage");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_observation);
        tcase_add_test(tc, test_field_missing);
        tcase_add_test(tc, test_lost_and_cleared);
        tcase_add_test(tc, test_lost_filled_and_flush);
        tcase_add_test(tc, test_lost_ages);
        tcase_add_test(tc, test_channel_missing);
        tcase_add_test(tc, test_host_bound);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(coverage_suite());
}
