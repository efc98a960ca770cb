/* risk.c: tactic tags, the score and tactic thresholds over a host's
 * sliding window, once per window, out-of-order leads, the per-host cap,
 * the host bound and forgetting idle hosts. */
#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/risk.h"

#define MIN (60 * (int64_t)1000000)
#define HOUR (60 * MIN)
#define T0 ((int64_t)1795000000 * 1000000)

struct got {
        char host[32];
        uint64_t score;
        uint32_t tactics;
        size_t ntactics, nleads;
        bool by_score, by_tactics;
        int64_t first, last;
        char ids[RISK_MAX_LEADS][RECORD_ID_LEN + 1];
        uint64_t records[RISK_MAX_LEADS];
};

static struct got got[16];
static size_t ngot;

static void on_escalate(void *ud, const struct risk_escalation *x)
{
        struct got *g = &got[ngot < ELEMENTSOF(got) ? ngot : ELEMENTSOF(got) - 1];

        (void)ud;
        ngot++;
        snprintf(g->host, sizeof(g->host), "%s", x->host);
        g->score = x->score;
        g->tactics = x->tactics;
        g->ntactics = x->ntactics;
        g->nleads = x->nleads;
        g->by_score = x->by_score;
        g->by_tactics = x->by_tactics;
        g->first = x->first_us;
        g->last = x->last_us;
        for (size_t i = 0; i < x->nleads; i++) {
                memcpy(g->ids[i], x->ids[i], sizeof(g->ids[i]));
                g->records[i] = x->events[i].record_id;
        }
}

static struct risk *new_risk(uint64_t score_threshold, size_t tactic_threshold, size_t max_hosts)
{
        struct risk_opts o;
        struct risk *r;

        risk_opts_init(&o);
        o.score_threshold = score_threshold;
        o.tactic_threshold = tactic_threshold;
        o.max_hosts = max_hosts;
        o.escalate = on_escalate;
        r = risk_new(&o);
        ck_assert_ptr_nonnull(r);
        ngot = 0;
        return r;
}

/* A lead on `host` at T0 + at, of `level`, tagged `tags` (comma-separated,
 * may be ""), record id `rec`, id "id<rec>". */
static void lead(struct risk *r, const char *host, int64_t at, enum sigma_level level, const char *tags,
                 uint64_t rec)
{
        char buf[256], *tv[8], *save = NULL, id[RECORD_ID_LEN + 1];
        size_t nt = 0;
        struct corr_event ev = { .time_us = T0 + at, .record_id = rec, .has_record_id = true };
        struct risk_lead l;

        snprintf(buf, sizeof(buf), "%s", tags);
        for (char *t = strtok_r(buf, ",", &save); t && nt < ELEMENTSOF(tv); t = strtok_r(NULL, ",", &save))
                tv[nt++] = t;
        snprintf(id, sizeof(id), "id%llu", (unsigned long long)rec);
        l = (struct risk_lead){ .host = host, .time_us = T0 + at, .recv_us = T0 + at, .level = level,
                                .tags = tv, .ntags = nt, .id = id, .event = &ev };
        risk_observe(r, &l);
}

static const struct {
        const char *tag;
        enum risk_tactic want;
} tag_cases[] = {
        { "attack.persistence", RISK_PERSISTENCE },
        { "attack.privilege-escalation", RISK_PRIVILEGE_ESCALATION },
        { "attack.privilege_escalation", RISK_PRIVILEGE_ESCALATION },
        { "ATTACK.Defense_Evasion", RISK_DEFENSE_EVASION },
        { "attack.command-and-control", RISK_COMMAND_AND_CONTROL },
        { "attack.command_and_control", RISK_COMMAND_AND_CONTROL },
        { "attack.stealth", RISK_STEALTH },
        { "attack.reconnaissance", RISK_RECONNAISSANCE },
        { "attack.impact", RISK_IMPACT },
        { "attack.t1053.005", _RISK_TACTIC_INVALID },
        { "attack.g0016", _RISK_TACTIC_INVALID },
        { "attack.persistencex", _RISK_TACTIC_INVALID },
        { "attack.persist", _RISK_TACTIC_INVALID },
        { "attack.", _RISK_TACTIC_INVALID },
        { "cve.2021-1675", _RISK_TACTIC_INVALID },
        { "persistence", _RISK_TACTIC_INVALID },
        { "", _RISK_TACTIC_INVALID },
};

START_TEST(test_tags)
{
        ck_assert_int_eq(risk_tactic_from_tag(tag_cases[_i].tag), tag_cases[_i].want);
}
END_TEST

START_TEST(test_tactic_names)
{
        char tag[64];

        for (int t = 0; t < _RISK_TACTIC_MAX; t++) {
                ck_assert_ptr_nonnull(risk_tactic_name(t));
                snprintf(tag, sizeof(tag), "attack.%s", risk_tactic_name(t));
                ck_assert_int_eq(risk_tactic_from_tag(tag), t);
        }
        ck_assert_ptr_null(risk_tactic_name(_RISK_TACTIC_MAX));
        ck_assert_ptr_null(risk_tactic_name(_RISK_TACTIC_INVALID));
        ck_assert_int_eq(risk_tactic_from_tag(NULL), _RISK_TACTIC_INVALID);
}
END_TEST

/* Three tactics within the hour: one escalation naming them and its
 * leads; a fourth lead does not repeat it. */
START_TEST(test_tactics)
{
        struct risk *r = new_risk(0, 3, 0);

        lead(r, "ws1", 0, SIGMA_LEVEL_LOW, "attack.persistence,attack.t1053.005", 1);
        lead(r, "ws1", 5 * MIN, SIGMA_LEVEL_LOW, "attack.discovery", 2);
        ck_assert_uint_eq(ngot, 0);
        lead(r, "ws1", 10 * MIN, SIGMA_LEVEL_MEDIUM, "attack.privilege_escalation,attack.persistence", 3);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].host, "ws1");
        ck_assert_uint_eq(got[0].ntactics, 3);
        ck_assert_uint_eq(got[0].tactics,
                          (1u << RISK_PERSISTENCE) | (1u << RISK_DISCOVERY) | (1u << RISK_PRIVILEGE_ESCALATION));
        ck_assert(got[0].by_tactics);
        ck_assert(!got[0].by_score);
        ck_assert_uint_eq(got[0].score, 9);
        ck_assert_uint_eq(got[0].nleads, 3);
        ck_assert_str_eq(got[0].ids[0], "id1");
        ck_assert_str_eq(got[0].ids[2], "id3");
        ck_assert_uint_eq(got[0].records[1], 2);
        ck_assert_int_eq(got[0].first, T0);
        ck_assert_int_eq(got[0].last, T0 + 10 * MIN);
        lead(r, "ws1", 20 * MIN, SIGMA_LEVEL_HIGH, "attack.impact", 4);
        ck_assert_uint_eq(ngot, 1);
        /* another host with two tactics only */
        lead(r, "ws2", 0, SIGMA_LEVEL_LOW, "attack.persistence", 5);
        lead(r, "ws2", MIN, SIGMA_LEVEL_LOW, "attack.discovery,attack.t1033", 6);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_uint_eq(risk_stats(r)->escalations, 1);
        ck_assert_uint_eq(risk_stats(r)->hosts, 2);
        risk_free(r);
}
END_TEST

/* The score, by level, over the sliding window; table of steps. */
static const struct {
        int64_t at;
        enum sigma_level level;
        size_t escalations;     /* so far */
} score_steps[] = {
        { 0, SIGMA_LEVEL_HIGH, 0 },             /* 10 */
        { 10 * MIN, SIGMA_LEVEL_MEDIUM, 0 },    /* 15 */
        { 70 * MIN, SIGMA_LEVEL_HIGH, 0 },      /* window (10m, 70m]: 10 */
        { 75 * MIN, SIGMA_LEVEL_CRITICAL, 1 },  /* 30 ≥ 30 */
        { 80 * MIN, SIGMA_LEVEL_CRITICAL, 1 },  /* 50, quiet until 75m + 1h */
        { 134 * MIN, SIGMA_LEVEL_INFORMATIONAL, 1 },    /* (74m, 134m]: 41, still quiet */
        { 135 * MIN, SIGMA_LEVEL_LOW, 1 },      /* (75m, 135m]: 20 + 1 + 2 = 23 */
        { 136 * MIN, SIGMA_LEVEL_MEDIUM, 1 },   /* 28 */
        { 137 * MIN, SIGMA_LEVEL_LOW, 2 },      /* 30, on leads after the first escalation only */
};

START_TEST(test_score)
{
        struct risk *r = new_risk(30, 0, 0);

        for (size_t i = 0; i < ELEMENTSOF(score_steps); i++) {
                lead(r, "ws1", score_steps[i].at, score_steps[i].level, "attack.persistence", i + 1);
                ck_assert_msg(ngot == score_steps[i].escalations, "step %zu: %zu escalations", i, ngot);
        }
        ck_assert_uint_eq(got[0].score, 30);
        ck_assert_uint_eq(got[0].nleads, 2);
        ck_assert_str_eq(got[0].ids[0], "id3");
        ck_assert(got[0].by_score);
        ck_assert(!got[0].by_tactics);
        ck_assert_uint_eq(got[1].score, 30);
        ck_assert_uint_eq(got[1].nleads, 5);
        ck_assert_str_eq(got[1].ids[0], "id5");
        risk_free(r);
}
END_TEST

/* Leads out of order: inside the window they count, older ones are
 * ignored; equal scores, different thresholds (0 = off). */
START_TEST(test_out_of_order)
{
        struct risk *r = new_risk(0, 2, 0);

        lead(r, "ws1", 2 * HOUR, SIGMA_LEVEL_LOW, "attack.execution", 1);
        lead(r, "ws1", 0, SIGMA_LEVEL_LOW, "attack.impact", 2);         /* too old: ignored */
        ck_assert_uint_eq(ngot, 0);
        ck_assert_uint_eq(risk_stats(r)->ignored, 1);
        lead(r, "ws1", 90 * MIN, SIGMA_LEVEL_LOW, "attack.collection", 3);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].ids[0], "id3");         /* oldest first */
        ck_assert_uint_eq(got[0].records[1], 1);
        ck_assert_int_eq(got[0].last, T0 + 2 * HOUR);
        risk_free(r);
}
END_TEST

/* Not scored: no host, "*"; both thresholds off: never escalates. */
START_TEST(test_off_and_ignored)
{
        struct risk *r = new_risk(0, 0, 0);

        for (int i = 0; i < 50; i++)
                lead(r, "ws1", i * MIN, SIGMA_LEVEL_CRITICAL,
                     "attack.persistence,attack.discovery,attack.impact,attack.execution", (uint64_t)i);
        lead(r, "*", 0, SIGMA_LEVEL_CRITICAL, "", 99);
        lead(r, "", 0, SIGMA_LEVEL_CRITICAL, "", 100);
        ck_assert_uint_eq(ngot, 0);
        ck_assert_uint_eq(risk_stats(r)->ignored, 2);
        ck_assert_uint_eq(risk_stats(r)->truncated, 50 - RISK_MAX_LEADS);
        risk_free(r);
}
END_TEST

/* The per-host cap keeps the newest leads. */
START_TEST(test_cap)
{
        struct risk *r = new_risk(300, 0, 0);
        int k;

        for (int i = 0; i < RISK_MAX_LEADS + 8; i++)
                lead(r, "ws1", i * MIN / 2, SIGMA_LEVEL_INFORMATIONAL, "", (uint64_t)i);
        ck_assert_uint_eq(ngot, 0);
        ck_assert_uint_eq(risk_stats(r)->truncated, 8);
        /* each critical lead (20) pushes out an informational one (1): the
         * score of the kept 32 is 32 + 19 k, ≥ 300 at k = 15 */
        for (k = 1; k <= RISK_MAX_LEADS && ngot == 0; k++)
                lead(r, "ws1", 20 * MIN, SIGMA_LEVEL_CRITICAL, "", 1000 + (uint64_t)k);
        ck_assert_int_eq(k - 1, 15);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_uint_eq(got[0].score, 32 + 19 * 15);
        ck_assert_uint_eq(got[0].nleads, RISK_MAX_LEADS);
        ck_assert_str_eq(got[0].ids[RISK_MAX_LEADS - 1], "id1015");
        ck_assert_uint_eq(got[0].records[0], 8 + 15);
        risk_free(r);
}
END_TEST

/* The host bound evicts the least recently used host; advance forgets
 * hosts idle for a window of processing time; INT64_MAX forgets all. */
START_TEST(test_hosts)
{
        struct risk *r = new_risk(0, 2, 2);

        lead(r, "a", 0, SIGMA_LEVEL_LOW, "attack.persistence", 1);
        lead(r, "b", 0, SIGMA_LEVEL_LOW, "attack.persistence", 2);
        lead(r, "a", MIN, SIGMA_LEVEL_LOW, "attack.persistence", 3);   /* a is recent */
        lead(r, "c", 0, SIGMA_LEVEL_LOW, "attack.persistence", 4);     /* evicts b */
        ck_assert_uint_eq(risk_stats(r)->evicted, 1);
        lead(r, "b", MIN, SIGMA_LEVEL_LOW, "attack.discovery", 5);     /* b starts over, evicts a */
        ck_assert_uint_eq(ngot, 0);
        lead(r, "c", MIN, SIGMA_LEVEL_LOW, "attack.discovery", 6);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].host, "c");
        risk_advance(r, T0 + MIN + HOUR - 1);
        ck_assert_uint_eq(risk_stats(r)->hosts, 2);
        risk_advance(r, T0 + MIN + HOUR + 60 * 1000000);     /* the next scan, a minute later */
        ck_assert_uint_eq(risk_stats(r)->hosts, 0);
        lead(r, "d", 0, SIGMA_LEVEL_LOW, "", 7);
        risk_advance(r, INT64_MAX);
        ck_assert_uint_eq(risk_stats(r)->hosts, 0);
        risk_free(r);
}
END_TEST

/* Reload: new thresholds apply to the scores already kept. */
START_TEST(test_configure)
{
        struct risk *r = new_risk(0, 3, 0);
        struct risk_opts o;

        lead(r, "ws1", 0, SIGMA_LEVEL_HIGH, "attack.persistence", 1);
        lead(r, "ws1", MIN, SIGMA_LEVEL_HIGH, "attack.persistence", 2);
        ck_assert_uint_eq(ngot, 0);
        risk_opts_init(&o);
        o.score_threshold = 20;
        o.scores[SIGMA_LEVEL_LOW] = 3;
        risk_configure(r, &o);
        lead(r, "ws1", 2 * MIN, SIGMA_LEVEL_LOW, "", 3);
        ck_assert_uint_eq(ngot, 1);     /* kept leads keep their score: 10 + 10, the new one 3 */
        ck_assert_uint_eq(got[0].score, 23);
        risk_free(r);
}
END_TEST

static Suite *risk_suite(void)
{
        Suite *s = suite_create("risk");
        TCase *tc;

        tc = tcase_create("tags");
        tcase_add_loop_test(tc, test_tags, 0, (int)ELEMENTSOF(tag_cases));
        tcase_add_test(tc, test_tactic_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("thresholds");
        tcase_add_test(tc, test_tactics);
        tcase_add_test(tc, test_score);
        tcase_add_test(tc, test_out_of_order);
        tcase_add_test(tc, test_off_and_ignored);
        tcase_add_test(tc, test_configure);
        suite_add_tcase(s, tc);

        tc = tcase_create("bounds");
        tcase_add_test(tc, test_cap);
        tcase_add_test(tc, test_hosts);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(risk_suite());
}
