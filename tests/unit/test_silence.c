/* daemon/coverage/silence.c: host_silent and channel_silent, driven through
 * coverage_event in event time (coverage.silence 10 min: a sweep every
 * 150 s of fleet time; with events every minute, at each 3rd minute). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/coverage.h"
#include "spoor/metrics.h"
#include "spoor/ruleset.h"
#include "spoor/timefmt.h"
#include "spoor/winevent.h"
#include "cov_unit.h"
#include "unit.h"


#define S INT64_C(1000000)
#define MIN (60 * S)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define SILENCE (10 * MIN)
#define RULES SPOOR_TEST_DATA "/../scenarios/gap-channel-silent/rules"
#define MAXGOT 64

/* Each gap record: "kind host channel state [ttr]" and its JSON */
static char got[MAXGOT][512];
static struct json_object *rec[MAXGOT];
static size_t ngot;

static void collect(void *ud, const char *line, size_t len)
{
        struct json_object *o = json_tokener_parse(line), *k, *h, *c, *st, *t;

        (void)ud;
        (void)len;
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_lt(ngot, MAXGOT);
        json_object_object_get_ex(o, "kind", &k);
        json_object_object_get_ex(o, "host", &h);
        json_object_object_get_ex(o, "channel", &c);
        json_object_object_get_ex(o, "state", &st);
        json_object_object_get_ex(o, "ttr_seconds", &t);
        snprintf(got[ngot], sizeof(got[0]), "%s %s %s %s%s%s", json_object_get_string(k), json_object_get_string(h),
                 json_object_get_string(c), json_object_get_string(st), t ? " " : "",
                 t ? json_object_get_string(t) : "");
        rec[ngot++] = o;
}

static void reset(void)
{
        for (size_t i = 0; i < ngot; i++)
                json_object_put(rec[i]);
        ngot = 0;
}

static const char *str(size_t i, const char *key)
{
        struct json_object *v;

        ck_assert_uint_lt(i, ngot);
        ck_assert(json_object_object_get_ex(rec[i], key, &v));
        return json_object_get_string(v);
}

/* "opened" of record i as seconds after T0 */
static int64_t opened_s(size_t i)
{
        const char *s = str(i, "opened");
        int64_t us;

        ck_assert_int_eq(timefmt_parse(s, strlen(s), NULL, &us), 0);
        return (us - T0) / S;
}

static struct coverage *cov_new(int64_t silence_us)
{
        struct coverage_opts o = { .grace_us = 24 * 3600 * S, .silence_us = silence_us, .write = collect };
        struct coverage *cov = coverage_new(&o);

        ck_assert_ptr_nonnull(cov);
        reset();
        memset(&metrics, 0, sizeof(metrics));
        return cov;
}

static void done(struct coverage *cov)
{
        coverage_free(cov);
        reset();
}

static void feed(struct coverage *cov, const char *host, const char *channel, int64_t t)
{
        struct winevent ev;

        winevent_init(&ev);
        snprintf(ev.host, sizeof(ev.host), "%s", host);
        ev.channel = channel;
        ev.provider = "";
        ev.event_id = strcmp(channel, "System") == 0 ? 7036 : 4624;
        ev.time_us = ev.recv_us = t;
        coverage_event(cov, &ev);
        winevent_free(&ev);
}

/* Every minute from `from` to `to` (seconds after T0, inclusive), the
 * hosts of a space-separated list in that order, on Security. */
static void minutes(struct coverage *cov, const char *hosts, int64_t from, int64_t to)
{
        for (int64_t t = from; t <= to; t += 60) {
                char buf[256], *save = NULL;

                snprintf(buf, sizeof(buf), "%s", hosts);
                for (char *h = strtok_r(buf, " ", &save); h; h = strtok_r(NULL, " ", &save))
                        feed(cov, h, "Security", T0 + t * S);
        }
}

/* The blinded rule ids of record i, comma-separated, in record order */
static void blinds(size_t i, char *buf, size_t len)
{
        struct json_object *a, *id;

        buf[0] = 0;
        ck_assert(json_object_object_get_ex(rec[i], "blinds", &a));
        for (size_t k = 0; k < json_object_array_length(a); k++) {
                ck_assert(json_object_object_get_ex(json_object_array_get_idx(a, k), "id", &id));
                snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", k ? "," : "", json_object_get_string(id));
        }
}

/* A host every minute stops while three others go on: host_silent at the
 * first sweep more than max(silence, 10 x 60 s) after its last event, closed
 * by its next event; a recurrence is a new gap with a new id. */
START_TEST(test_host_silent)
{
        struct coverage *cov = cov_new(SILENCE);
        char id1[64];

        minutes(cov, "a b c d", 0, 2400);
        minutes(cov, "a b c", 2460, 4740);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "host_silent d * open");
        ck_assert_int_eq(opened_s(0), 3060);    /* sweeps at each 3rd minute; 660 s > 600 */
        ck_assert_ptr_nonnull(strstr(str(0, "evidence"), "last event at 2026-11-22T10:40:00.000Z, 660 s before"));
        ck_assert_ptr_nonnull(strstr(str(0, "evidence"), "usual interval 60 s; 3 of 4 hosts sending"));
        ck_assert_ptr_nonnull(strstr(str(0, "remedy"), "forwarder"));
        snprintf(id1, sizeof(id1), "%s", str(0, "id"));
        minutes(cov, "a b c d", 4800, 6000);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1], "host_silent d * closed 1740");
        ck_assert_str_eq(str(1, "id"), id1);
        /* it stops again: a new gap (the clipped 40 min raised its limit) */
        minutes(cov, "a b c", 6060, 12000);
        ck_assert_uint_eq(ngot, 3);
        ck_assert_str_eq(got[2], "host_silent d * open");
        ck_assert_str_ne(str(2, "id"), id1);
        /* last at 6000; its usual interval is now ~138 s: limit ~1376 s */
        ck_assert_int_eq(opened_s(2), 7380);
        ck_assert_uint_eq(metrics.gaps_opened[GAP_HOST_SILENT], 2);
        ck_assert_uint_eq(metrics.gaps_open, 1);
        done(cov);
}
END_TEST

/* A host that sends every 12 minutes (more than coverage.silence) is not
 * silent between its events; quiet for ten of its intervals, it is. */
START_TEST(test_rare_host)
{
        struct coverage *cov = cov_new(SILENCE);

        for (int64_t t = 0; t <= 4 * 3600; t += 60) {
                minutes(cov, "a b c", t, t);
                if (t % 720 == 0)
                        feed(cov, "r", "Security", T0 + t * S);
        }
        ck_assert_uint_eq(ngot, 0);
        /* the same 12 min quiet on a host every minute opens */
        minutes(cov, "a b", 4 * 3600 + 60, 4 * 3600 + 780);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "host_silent c * open");
        ck_assert_int_eq(opened_s(0), 4 * 3600 + 720);
        minutes(cov, "a b c", 4 * 3600 + 840, 4 * 3600 + 840);
        ck_assert_uint_eq(ngot, 2);
        /* r quiet for 3 h (its limit is ten intervals, about 2 h) */
        minutes(cov, "a b c", 4 * 3600 + 900, 7 * 3600 + 1800);
        ck_assert_uint_eq(ngot, 3);
        ck_assert_str_eq(got[2], "host_silent r * open");
        ck_assert_int_eq(opened_s(2), 4 * 3600 + 7200);       /* usual interval 715 s: limit 7150 s */
        ck_assert_ptr_nonnull(strstr(str(2, "evidence"), "usual interval 715 s"));
        done(cov);
}
END_TEST

/* When all hosts stop, nothing moves the fleet clock; when they come back
 * one by one, a host is judged only once more than half of the hosts with
 * history (and no host_silent gap) are sending. */
START_TEST(test_input_health)
{
        struct coverage *cov = cov_new(SILENCE);

        minutes(cov, "a b c d", 0, 3600);
        /* the input stops 1 h; a alone comes back for 1 h: 1 of 4 sending */
        minutes(cov, "a", 7200, 10800);
        ck_assert_uint_eq(ngot, 0);
        /* b too: 2 of 4 is not more than half */
        minutes(cov, "a b", 10860, 14400);
        ck_assert_uint_eq(ngot, 0);
        /* c too: 3 of 4; d is silent at the next sweep */
        minutes(cov, "a b c", 14460, 14700);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "host_silent d * open");
        ck_assert_int_eq(opened_s(0), 14580);
        ck_assert_ptr_nonnull(strstr(str(0, "evidence"), "3 of 4 hosts sending"));
        /* d, judged, leaves the count: b stops, 2 of 3 still send */
        minutes(cov, "a c", 14760, 16000);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1], "host_silent b * open");
        ck_assert_int_eq(opened_s(1), 15840);  /* its limit grew to ~1000 s with the clipped outage */
        ck_assert_ptr_nonnull(strstr(str(1, "evidence"), "2 of 3 hosts sending"));
        done(cov);
}
END_TEST

/* Two hosts cannot tell a silent host from a broken input. */
START_TEST(test_fleet_of_two)
{
        struct coverage *cov = cov_new(SILENCE);

        minutes(cov, "a b", 0, 3600);
        minutes(cov, "a", 3660, 4 * 3600);
        ck_assert_uint_eq(ngot, 0);
        done(cov);
}
END_TEST

/* SILENCE_MIN_EVENTS: 9 events make no history, 10 do. */
START_TEST(test_history)
{
        struct coverage *cov = cov_new(SILENCE);

        minutes(cov, "a b c d e", 0, 480);     /* 9 events each */
        minutes(cov, "a b c e", 540, 540);     /* e has 10 */
        minutes(cov, "a b c", 600, 7200);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "host_silent e * open");
        ck_assert_int_eq(opened_s(0), 1260);
        done(cov);
}
END_TEST

/* Hosts without history do not count when the input's health is judged:
 * four hosts seen once, long ago, do not make 3 of 8 hosts sending. */
START_TEST(test_health_needs_history)
{
        struct coverage *cov = cov_new(SILENCE);

        minutes(cov, "x1 x2 x3 x4", 0, 0);
        minutes(cov, "a b c d", 0, 2400);
        minutes(cov, "a b c", 2460, 3600);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0], "host_silent d * open");
        ck_assert_ptr_nonnull(strstr(str(0, "evidence"), "3 of 4 hosts sending"));
        done(cov);
}
END_TEST

/* A host whose clock runs 20 minutes behind the fleet keeps sending: an
 * event that arrived since the previous sweep is never silence. */
START_TEST(test_clock_behind)
{
        struct coverage *cov = cov_new(SILENCE);

        for (int64_t t = 0; t <= 3 * 3600; t += 60) {
                minutes(cov, "a b c", t, t);
                if (t >= 1200)
                        feed(cov, "late", "Security", T0 + (t - 1200) * S);
        }
        ck_assert_uint_eq(ngot, 0);
        done(cov);
}
END_TEST

/* 0 (no coverage.silence): the family is off. */
START_TEST(test_off)
{
        struct coverage *cov = cov_new(0);

        minutes(cov, "a b c d", 0, 3600);
        minutes(cov, "a b c", 3660, 4 * 3600);
        ck_assert_uint_eq(ngot, 0);
        done(cov);
}
END_TEST

/* Events arriving late: a backlog dated during the silence closes the gap
 * at the fleet clock (the remedy happened now); an event older than the
 * host's newest (a redelivery) does not close it. */
START_TEST(test_backlog)
{
        struct coverage *cov = cov_new(SILENCE);

        minutes(cov, "a b c d", 0, 2400);
        minutes(cov, "a b c", 2460, 4800);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_int_eq(opened_s(0), 3060);
        feed(cov, "d", "Security", T0 + 1200 * S);     /* older than its newest */
        ck_assert_uint_eq(ngot, 1);
        feed(cov, "d", "Security", T0 + 2460 * S);     /* its queue, dated 10:41 */
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1], "host_silent d * closed 1740");       /* at 4800, the fleet's newest */
        ck_assert_str_eq(str(1, "closed"), "2026-11-22T11:20:00.000Z");
        done(cov);
}
END_TEST

/* Per channel: System stops on a host still sending Security; the gap
 * blinds the rules reading only System; it closes when System is back.  A
 * host that stops altogether is host_silent, not channel_silent; when it is
 * back, its channels count from its return. */
START_TEST(test_channel_silent)
{
        struct coverage *cov = cov_new(SILENCE);
        struct ruleset *rs = cov_unit_load(RULES);
        char b[512];

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        for (int64_t t = 0; t <= 9000; t += 30) {
                bool sec = t % 60 == 0;
                const char *hosts[] = { "a", "b", "c", "d" };

                for (size_t i = 0; i < 4; i++) {
                        bool c_sys_off = i == 2 && !sec && t > 2430 && t < 4830;
                        bool d_off = i == 3 && t > 5430 && t < 7200;
                        bool d_sys_late = i == 3 && !sec && t >= 7200 && t < 7470;

                        if (!c_sys_off && !d_off && !d_sys_late)
                                feed(cov, hosts[i], sec ? "Security" : "System", T0 + t * S);
                }
        }
        ck_assert_uint_eq(ngot, 4);
        ck_assert_str_eq(got[0], "channel_silent c System open");
        /* at 3150 c's newest is 3120: 690 s of Security since System's last */
        ck_assert_int_eq(opened_s(0), 3150);
        ck_assert_ptr_nonnull(strstr(str(0, "evidence"), "the host sent other channels for 690 s since"));
        ck_assert_ptr_nonnull(strstr(str(0, "remedy"), "wevtutil sl \"System\" /e:true"));
        blinds(0, b, sizeof(b));
        ck_assert_str_eq(b, "3f6a2b10-5c4d-4e8f-9a01-5e1e7c000012,3f6a2b10-5c4d-4e8f-9a01-5e1e7c000011");
        ck_assert_str_eq(got[1], "channel_silent c System closed 1680");
        ck_assert_str_eq(got[2], "host_silent d * open");
        blinds(2, b, sizeof(b));
        ck_assert_ptr_nonnull(strstr(b, "3f6a2b10-5c4d-4e8f-9a01-5e1e7c000013"));
        ck_assert_str_eq(got[3], "host_silent d * closed 1050");      /* back at 7200, opened at 6150 */
        done(cov);
        ruleset_free(rs);
}
END_TEST

/* A channel that sends every 12 minutes on a host sending every minute. */
START_TEST(test_rare_channel)
{
        struct coverage *cov = cov_new(SILENCE);

        for (int64_t t = 0; t <= 6 * 3600; t += 60) {
                minutes(cov, "a b c", t, t);
                if (t % 720 == 0)
                        feed(cov, "c", "System", T0 + t * S);
        }
        ck_assert_uint_eq(ngot, 0);
        done(cov);
}
END_TEST

static Suite *silence_suite(void)
{
        Suite *s = suite_create("silence");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_host_silent);
        tcase_add_test(tc, test_rare_host);
        tcase_add_test(tc, test_input_health);
        tcase_add_test(tc, test_fleet_of_two);
        tcase_add_test(tc, test_history);
        tcase_add_test(tc, test_health_needs_history);
        tcase_add_test(tc, test_clock_behind);
        tcase_add_test(tc, test_off);
        tcase_add_test(tc, test_backlog);
        tcase_add_test(tc, test_channel_silent);
        tcase_add_test(tc, test_rare_channel);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(silence_suite());
}
