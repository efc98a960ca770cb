/* daemon/coverage/persist.c: the coverage model and its open gaps across a
 * restart (coverage_save / coverage_restore), refusal of damaged payloads,
 * the restore bounds, and the state_lost gap. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "../../daemon/coverage/coverage_impl.h"
#include "../../daemon/coverage/persist.h"
#include "spoor/coverage.h"
#include "spoor/metrics.h"
#include "spoor/ruleset.h"
#include "spoor/state.h"
#include "spoor/winevent.h"
#include "cov_unit.h"
#include "unit.h"


#define S INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* the records one model wrote: "kind host state [ttr]" and the id */
struct sink {
        char line[64][256];
        char id[64][RECORD_ID_LEN + 1];
        size_t n;
};

static void collect(void *ud, const char *line, size_t len)
{
        struct sink *k = ud;
        struct json_object *o = json_tokener_parse(line), *kind, *host, *state, *ttr, *id;

        (void)len;
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_lt(k->n, 64);
        json_object_object_get_ex(o, "kind", &kind);
        json_object_object_get_ex(o, "host", &host);
        json_object_object_get_ex(o, "state", &state);
        json_object_object_get_ex(o, "id", &id);
        if (!json_object_object_get_ex(o, "ttr_seconds", &ttr))
                ttr = NULL;
        snprintf(k->line[k->n], sizeof(k->line[0]), "%s %s %s%s%s", json_object_get_string(kind),
                 json_object_get_string(host), json_object_get_string(state), ttr ? " " : "",
                 ttr ? json_object_get_string(ttr) : "");
        snprintf(k->id[k->n], sizeof(k->id[0]), "%s", json_object_get_string(id));
        k->n++;
        json_object_put(o);
}

static struct coverage *cov_new(struct sink *k, size_t max_hosts)
{
        struct coverage_opts o = { .grace_us = 3600 * S, .max_hosts = max_hosts, .write = collect, .ud = k };
        struct coverage *cov = coverage_new(&o);

        ck_assert_ptr_nonnull(cov);
        memset(k, 0, sizeof(*k));
        return cov;
}

/* The whole file image of a save (free it with state_writer_fini). */
static void save(const struct coverage *cov, struct state_writer *w)
{
        ck_assert_int_eq(state_writer_init_mem(w), 0);
        ck_assert_int_eq(coverage_save(cov, w), 0);
        ck_assert_int_eq(state_writer_finish(w), 0);
}

static int restore(struct coverage *cov, const struct state_writer *w, struct coverage_restored *st)
{
        struct state_reader r;

        ck_assert_int_eq(state_reader_open(&r, w->buf, w->len), 0);
        return coverage_restore_counted(cov, &r, st);
}

/* A payload on its own (no container): what coverage_restore sees. */
static int restore_payload(struct coverage *cov, const unsigned char *p, size_t len, struct coverage_restored *st)
{
        struct state_reader r = { .p = p, .len = len };

        return coverage_restore_counted(cov, &r, st);
}

/* A model with three hosts and a gap of every shape the model keeps:
 *   ws1: Security 1..10, 100..200 (events_lost 11..99 confirmed), then 205
 *        (201..204 pending), a 4688 without CommandLine (field_missing),
 *        Application 1, 1 (events_duplicated);
 *   ws2: Security for an hour, no Sysmon (channel_missing, blinds);
 *   ws3: one event, and a gap with every field set (key, eight event ids,
 *        blinds beyond the cap, range, quiet) that no later event touches;
 *   the fleet: a state_lost gap, and a sender_truncation gap whose host
 *        is longer than a host name ("peer:" and 255 bytes). */
static struct coverage *build(struct sink *k, struct ruleset *rs)
{
        struct coverage *cov = cov_new(k, 0);
        static const uint16_t eids[GAP_MAX_EVENT_IDS] = { 1, 2, 3, 4, 5, 6, 7, 8 };
        int64_t t = T0;
        struct gap *g;

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        for (uint64_t r = 1; r <= 10; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        for (uint64_t r = 100; r <= 200; r++)
                cov_unit_feed(cov, "ws1", "Security", 4624, t += S, r, NULL);
        cov_unit_feed(cov, "ws1", "Security", 4624, t += S, 205, NULL);
        cov_unit_feed(cov, "ws1", "Security", 4688, t += S, 206, "NewProcessName=a.exe", NULL);
        cov_unit_feed(cov, "ws1", "Application", 1000, t += S, 1, NULL);
        cov_unit_feed(cov, "ws1", "Application", 1000, t += S, 1, NULL);
        cov_unit_feed(cov, "ws2", "Security", 4624, T0, 1, NULL);
        cov_unit_feed(cov, "ws2", "Security", 4624, T0 + 3600 * S, 2, NULL);
        cov_unit_feed(cov, "ws3", "Security", 4624, T0 + 5 * S, 77, NULL);
        ck_assert(coverage_state_lost(cov, "spoord did not stop cleanly", "find why", T0 + 10 * S, NULL) == 0);

        g = gap_new(GAP_AUDIT_OFF, "ws3", "Security", eids, GAP_MAX_EVENT_IDS, NULL, T0 + 7 * S);
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(gap_set_key(g, "{0cce922b-69ae-11d9-bed3-505054503030}"), 0);
        ck_assert_int_eq(gap_set_evidence(g, "every field set"), 0);
        ck_assert_int_eq(gap_set_remedy(g, "auditpol /set ..."), 0);
        for (int i = 0; i < GAP_MAX_BLINDS + 3; i++) {
                char id[32], title[32];

                snprintf(id, sizeof(id), "rule-%d", i);
                snprintf(title, sizeof(title), "Rule %d", i);
                ck_assert_int_eq(gap_add_blind(g, id, title), 0);
        }
        g->lo = 7;
        g->hi = 9;
        g->missing = 2;
        g->quiet = 5;
        cov_open(cov, cov_host_find(cov, "ws3"), g);

        {
                char who[EVENT_HOST_MAX + 6];

                snprintf(who, sizeof(who), "peer:%0*d", EVENT_HOST_MAX, 7);
                g = gap_new(GAP_SENDER_TRUNCATION, who, "*", NULL, 0, NULL, T0 + 9 * S);
                ck_assert_ptr_nonnull(g);
                ck_assert_int_eq(gap_set_key(g, "1024"), 0);
                gaps_open(cov->gaps, &cov->fleet_gaps, g);
        }
        return cov;
}

static void gap_eq(const struct gap *a, const struct gap *b)
{
        ck_assert_str_eq(a->id, b->id);
        ck_assert_int_eq(a->kind, b->kind);
        ck_assert_str_eq(a->host, b->host);
        ck_assert_str_eq(a->channel, b->channel);
        ck_assert(!a->field == !b->field && (!a->field || strcmp(a->field, b->field) == 0));
        ck_assert(!a->key == !b->key && (!a->key || strcmp(a->key, b->key) == 0));
        ck_assert(!a->evidence == !b->evidence && (!a->evidence || strcmp(a->evidence, b->evidence) == 0));
        ck_assert(!a->remedy == !b->remedy && (!a->remedy || strcmp(a->remedy, b->remedy) == 0));
        ck_assert_uint_eq(a->nevent_ids, b->nevent_ids);
        ck_assert(memcmp(a->event_ids, b->event_ids, a->nevent_ids * sizeof(a->event_ids[0])) == 0);
        ck_assert_int_eq(a->opened_us, b->opened_us);
        ck_assert_uint_eq(a->nblinds, b->nblinds);
        for (size_t i = 0; i < a->nblinds; i++) {
                ck_assert_str_eq(a->blinds[i].id, b->blinds[i].id);
                ck_assert_str_eq(a->blinds[i].title, b->blinds[i].title);
        }
        ck_assert_uint_eq(a->blinds_more, b->blinds_more);
        ck_assert_uint_eq(a->lo, b->lo);
        ck_assert_uint_eq(a->hi, b->hi);
        ck_assert_uint_eq(a->missing, b->missing);
        ck_assert_uint_eq(a->quiet, b->quiet);
}

static size_t gaps_eq(const struct gap *a, const struct gap *b)
{
        size_t n = 0;

        for (; a && b; a = a->next, b = b->next, n++)
                gap_eq(a, b);
        ck_assert(!a && !b);
        return n;
}

/* Everything the two models hold, host by host in LRU order. */
static void model_eq(const struct coverage *a, const struct coverage *b)
{
        struct coverage_host_view va[8], vb[8];
        size_t n = coverage_hosts(a, va, 8), ngaps = 0;

        ck_assert_uint_eq(coverage_hosts(b, vb, 8), n);
        for (size_t i = 0; i < n; i++) {
                int64_t first, last;

                ck_assert_str_eq(va[i].name, vb[i].name);
                ck_assert(coverage_host(b, va[i].name, &first, &last));
                ck_assert_int_eq(first, va[i].first_us);
                ck_assert_int_eq(last, va[i].last_us);
                ck_assert_uint_eq(va[i].nchans, vb[i].nchans);
                for (size_t c = 0; c < va[i].nchans; c++) {
                        struct coverage_channel_stats sa, sb;
                        const char *name = coverage_host_channel(&va[i], c, &sa);
                        const struct cov_chan *ca = cov_chan_find(cov_host_find(a, va[i].name), name);
                        const struct cov_chan *cb = cov_chan_find(cov_host_find(b, va[i].name), name);

                        ck_assert(coverage_channel(b, va[i].name, name, &sb));
                        ck_assert_int_eq(sa.first_us, sb.first_us);
                        ck_assert_int_eq(sa.last_us, sb.last_us);
                        ck_assert_uint_eq(sa.count, sb.count);
                        ck_assert_uint_eq(sa.hwm, sb.hwm);
                        ck_assert_int_eq(sa.has_hwm, sb.has_hwm);
                        ck_assert_uint_eq(ca->in_order_quiet, cb->in_order_quiet);
                        ck_assert_int_eq(ca->seq.started, cb->seq.started);
                        ck_assert_int_eq(ca->seq.restart_ok, cb->seq.restart_ok);
                        ck_assert_uint_eq(ca->seq.seen, cb->seq.seen);
                        ck_assert_uint_eq(ca->seq.nholes, cb->seq.nholes);
                        for (size_t x = 0; x < ca->seq.nholes; x++) {
                                ck_assert_uint_eq(ca->seq.holes[x].lo, cb->seq.holes[x].lo);
                                ck_assert_uint_eq(ca->seq.holes[x].hi, cb->seq.holes[x].hi);
                                ck_assert_uint_eq(ca->seq.holes[x].filled, cb->seq.holes[x].filled);
                        }
                }
                ngaps += gaps_eq(va[i].gaps, vb[i].gaps);
        }
        ngaps += gaps_eq(a->fleet_gaps.head, b->fleet_gaps.head);
        ck_assert_uint_eq(ngaps, coverage_open_gaps(a));
        ck_assert_uint_eq(coverage_open_gaps(b), coverage_open_gaps(a));
        ck_assert_int_eq(a->newest_us, b->newest_us);
}

/* The index of the record k wrote as `line` ("kind host state [ttr]"), or
 * fail. */
static size_t find(const struct sink *k, const char *line)
{
        for (size_t i = 0; i < k->n; i++)
                if (strcmp(k->line[i], line) == 0)
                        return i;
        ck_abort_msg("no record \"%s\"", line);
        return 0;
}

START_TEST(test_roundtrip)
{
        struct ruleset *rs = cov_unit_load(SPOOR_TEST_DATA "/../scenarios/gap-channel-missing/rules");
        struct sink ka, kb;
        struct coverage *a = build(&ka, rs), *b = cov_new(&kb, 0);
        struct state_writer w, w2;
        struct coverage_restored st;
        size_t n0 = ka.n;

        ck_assert_int_eq(coverage_set_rules(b, rs), 0);
        save(a, &w);
        ck_assert_int_eq(restore(b, &w, &st), 0);
        ck_assert_uint_eq(st.hosts, 3);
        ck_assert_uint_eq(st.chans, 4);
        ck_assert_uint_ge(st.gaps, 7);
        ck_assert_uint_eq(st.gaps, coverage_open_gaps(a));
        ck_assert_uint_eq(st.hosts_dropped + st.chans_dropped + st.gaps_skipped, 0);
        ck_assert_uint_eq(kb.n, 0);     /* nothing written on restore */
        model_eq(a, b);
        /* restore(save(x)) saves to the same bytes */
        save(b, &w2);
        ck_assert_uint_eq(w2.len, w.len);
        ck_assert(memcmp(w.buf, w2.buf, w.len) == 0);
        state_writer_fini(&w2);
        state_writer_fini(&w);

        /* the same events after the restart write the same records: a
         * pending hole confirmed, restored gaps closed under their ids */
        for (struct coverage *c = a; c; c = c == a ? b : NULL) {
                int64_t t = T0 + 10000 * S;

                for (uint64_t r = 207; r <= 205 + RECORDSEQ_WINDOW; r++)
                        cov_unit_feed(c, "ws1", "Security", 4624, t += S, r, NULL);
                cov_unit_feed(c, "ws1", "Security", 4688, T0 + 10000 * S, 400, "CommandLine=c.exe", NULL);
                cov_unit_feed(c, "ws2", SYSMON, 1, T0 + 4000 * S, 1, NULL);
        }
        ck_assert_uint_eq(kb.n, ka.n - n0);
        for (size_t i = 0; i < kb.n; i++) {
                ck_assert_str_eq(kb.line[i], ka.line[n0 + i]);
                ck_assert_str_eq(kb.id[i], ka.id[n0 + i]);
        }
        find(&kb, "events_lost ws1 open");
        /* opened by the 4688 at T0 + 113 s */
        ck_assert_str_eq(kb.id[find(&kb, "field_missing ws1 closed 9887")], ka.id[find(&ka, "field_missing ws1 open")]);
        ck_assert_str_eq(kb.id[find(&kb, "channel_missing ws2 closed 400")],
                         ka.id[find(&ka, "channel_missing ws2 open")]);
        /* the confirmed hole 11..99 is still open and fills: closed under
         * its id (it was confirmed by record 163 at T0 + 74 s) */
        for (uint64_t r = 11; r <= 99; r++)
                cov_unit_feed(b, "ws1", "Security", 4624, T0 + 20000 * S, r, NULL);
        ck_assert_str_eq(kb.id[find(&kb, "events_lost ws1 closed 19926")], ka.id[find(&ka, "events_lost ws1 open")]);
        coverage_free(a);
        coverage_free(b);
        ruleset_free(rs);
        ck_assert_uint_eq(metrics.gaps_open, 0);
}
END_TEST

/* Every cut of the payload is refused, and leaves the model empty; flipped
 * bytes are refused or read, never more. */
START_TEST(test_damaged)
{
        struct ruleset *rs = cov_unit_load(SPOOR_TEST_DATA "/../scenarios/gap-channel-missing/rules");
        struct sink ka, kb;
        struct coverage *a = build(&ka, rs);
        struct coverage_restored st;
        struct state_writer w;
        const unsigned char *p;
        unsigned char *copy;
        size_t len, refused = 0;

        save(a, &w);
        p = w.buf + STATE_HEADER_BYTES;
        len = w.len - STATE_HEADER_BYTES;
        for (size_t cut = 0; cut < len; cut++) {
                struct coverage *b = cov_new(&kb, 0);

                ck_assert_int_eq(restore_payload(b, p, cut, &st), -EBADMSG);
                ck_assert_uint_eq(coverage_host_count(b), 0);
                ck_assert_uint_eq(coverage_open_gaps(b), 0);
                ck_assert_uint_eq(st.hosts + st.gaps, 0);
                ck_assert_uint_eq(kb.n, 0);
                coverage_free(b);
        }
        copy = malloc(len);
        ck_assert_ptr_nonnull(copy);
        for (size_t at = 0; at < len; at++) {
                struct coverage *b = cov_new(&kb, 0);
                int rc;

                memcpy(copy, p, len);
                copy[at] ^= 0xa5;
                rc = restore_payload(b, copy, len, &st);
                ck_assert(rc == 0 || rc == -EBADMSG);
                if (rc < 0) {
                        refused++;
                        ck_assert_uint_eq(coverage_host_count(b), 0);
                        ck_assert_uint_eq(coverage_open_gaps(b), 0);
                }
                ck_assert_uint_eq(kb.n, 0);
                coverage_free(b);
        }
        ck_assert_uint_gt(refused, 0);
        /* trailing bytes */
        {
                unsigned char *longer = malloc(len + 1);
                struct coverage *b = cov_new(&kb, 0);

                ck_assert_ptr_nonnull(longer);
                memcpy(longer, p, len);
                longer[len] = 0;
                ck_assert_int_eq(restore_payload(b, longer, len + 1, &st), -EBADMSG);
                ck_assert_uint_eq(coverage_host_count(b), 0);
                coverage_free(b);
                free(longer);
        }
        /* a model that already holds hosts is not restored into */
        ck_assert_int_eq(restore_payload(a, p, len, &st), -EBUSY);
        free(copy);
        state_writer_fini(&w);
        coverage_free(a);
        ruleset_free(rs);
        ck_assert_uint_eq(metrics.gaps_open, 0);
}
END_TEST

static void put_gap(struct state_writer *w, const char *kind, const char *id)
{
        state_put_str(w, kind, strlen(kind));
        state_put_str(w, id, strlen(id));
        state_put_str(w, "*", 1);
        state_put_str(w, "", 0);
        state_put_u8(w, 4);
        state_put_str(w, "why", 3);
        state_put_u8(w, 0);
        state_put_i64(w, T0);
        state_put_u8(w, 0);
        for (int i = 0; i < 5; i++)
                state_put_u64(w, 0);
}

/* A gap kind from a newer spoord is skipped and counted; the rest is used.
 * A version this spoord does not read is refused with the reason. */
START_TEST(test_unknown_kind_and_version)
{
        struct sink k;
        struct coverage *b = cov_new(&k, 0);
        struct coverage_restored st;
        struct state_reader r;
        struct state_writer w;
        const char *id = "0123456789abcdef0123456789abcdef";

        for (unsigned version = 1; version <= 2; version++) {
                ck_assert_int_eq(state_writer_init_mem(&w), 0);
                state_put_u32(&w, 0x53564f43u);
                state_put_u32(&w, version);
                state_put_i64(&w, T0);
                state_put_u32(&w, 0);
                state_put_u32(&w, 2);
                put_gap(&w, "printer_offline", id);
                put_gap(&w, "state_lost", id);
                ck_assert_int_eq(state_writer_finish(&w), 0);
                ck_assert_int_eq(state_reader_open(&r, w.buf, w.len), 0);
                if (version == 1) {
                        ck_assert_int_eq(coverage_restore_counted(b, &r, &st), 0);
                        ck_assert_uint_eq(st.gaps_skipped, 1);
                        ck_assert_uint_eq(st.gaps, 1);
                        ck_assert_uint_eq(coverage_open_gaps(b), 1);
                        ck_assert_str_eq(b->fleet_gaps.head->id, id);
                } else {
                        struct sink k2;
                        struct coverage *c = cov_new(&k2, 0);

                        ck_assert_int_eq(coverage_restore(c, &r), -EBADMSG);
                        ck_assert_str_eq(r.why, "coverage state version mismatch: version 2 (this spoord reads 1)");
                        coverage_free(c);
                }
                state_writer_fini(&w);
        }
        ck_assert_uint_eq(k.n, 0);
        coverage_free(b);
}
END_TEST

/* At most max_hosts hosts come back: the most recently seen, in order;
 * the dropped ones' gaps are not counted as open. */
START_TEST(test_host_bound)
{
        struct sink ka, kb;
        struct coverage *a = cov_new(&ka, 0), *b = cov_new(&kb, 2);
        struct coverage_host_view v[4];
        struct coverage_restored st;
        struct state_writer w;

        cov_unit_feed(a, "h1", "Security", 4688, T0, 0, NULL);  /* opens field_missing */
        cov_unit_feed(a, "h2", "Security", 4624, T0 + S, 0, NULL);
        cov_unit_feed(a, "h3", "Security", 4624, T0 + 2 * S, 0, NULL);
        cov_unit_feed(a, "h2", "Security", 4624, T0 + 3 * S, 0, NULL);
        save(a, &w);
        ck_assert_int_eq(restore(b, &w, &st), 0);
        ck_assert_uint_eq(st.hosts, 2);
        ck_assert_uint_eq(st.hosts_dropped, 1);
        ck_assert_uint_eq(st.gaps, 0);
        ck_assert_uint_eq(coverage_open_gaps(b), 0);
        ck_assert_uint_eq(coverage_hosts(b, v, 4), 2);
        ck_assert_str_eq(v[0].name, "h2");
        ck_assert_str_eq(v[1].name, "h3");
        /* the model goes on from there: a new host evicts the least recent */
        cov_unit_feed(b, "h4", "Security", 4624, T0 + 4 * S, 0, NULL);
        ck_assert_uint_eq(coverage_hosts(b, v, 4), 2);
        ck_assert_str_eq(v[0].name, "h4");
        ck_assert_str_eq(v[1].name, "h2");
        state_writer_fini(&w);
        coverage_free(a);
        coverage_free(b);
        ck_assert_uint_eq(metrics.gaps_open, 0);
}
END_TEST

/* Many hosts: the table is sized at once, every host is found again. */
START_TEST(test_many_hosts)
{
        struct sink ka, kb;
        struct coverage *a = cov_new(&ka, 0), *b = cov_new(&kb, 0);
        struct coverage_restored st;
        struct state_writer w;

        for (int i = 0; i < 5000; i++) {
                char h[32];

                snprintf(h, sizeof(h), "host-%d.corp.example", i);
                cov_unit_feed(a, h, "Security", 4624, T0 + i * S, (uint64_t)i + 1, NULL);
        }
        save(a, &w);
        ck_assert_int_eq(restore(b, &w, &st), 0);
        ck_assert_uint_eq(st.hosts, 5000);
        model_eq(a, b);
        for (int i = 0; i < 5000; i += 499) {
                char h[32];
                int64_t first, last;

                snprintf(h, sizeof(h), "host-%d.corp.example", i);
                ck_assert(coverage_host(b, h, &first, &last));
                ck_assert_int_eq(first, T0 + i * S);
        }
        state_writer_fini(&w);
        coverage_free(a);
        coverage_free(b);
}
END_TEST

/* state_lost: on host "*", blinds the windowed correlations, closes once
 * `after` has passed since it opened, and a restored one closes the same
 * way under its id. */
START_TEST(test_state_lost)
{
        struct ruleset *rs = cov_unit_load(SPOOR_TEST_DATA "/../scenarios/correlation/rules");
        struct ruleset *fs = cov_unit_load(SPOOR_TEST_DATA "/../scenarios/first-seen/rules");
        struct sink ka, kb;
        struct coverage *a = cov_new(&ka, 0), *b = cov_new(&kb, 0);
        struct coverage_restored st;
        char id[RECORD_ID_LEN + 1];
        struct state_writer w;
        int64_t after;

        ck_assert_int_eq(coverage_set_rules(a, fs), 0);
        ck_assert_int_eq(coverage_longest_window(a), 0);       /* first_seen is no window */
        ck_assert_int_eq(coverage_set_rules(a, rs), 0);
        after = coverage_longest_window(a);
        ck_assert_int_eq(after, 600 * S);
        ck_assert_int_eq(coverage_state_lost(a, "pid 42 did not stop cleanly", "journalctl -u spoord", T0, id), 0);
        ck_assert_uint_eq(ka.n, 1);
        ck_assert_str_eq(ka.line[0], "state_lost * open");
        ck_assert_str_eq(ka.id[0], id);
        ck_assert_uint_eq(a->fleet_gaps.head->nblinds, 4);
        ck_assert_str_eq(a->fleet_gaps.head->channel, "");
        ck_assert_int_eq(coverage_state_lost_due(a, T0 + after - 1, after), T0 + after);
        ck_assert_uint_eq(ka.n, 1);

        /* saved open, restored, closed after the restart under its id */
        save(a, &w);
        ck_assert_int_eq(restore(b, &w, &st), 0);
        ck_assert_uint_eq(st.gaps, 1);
        ck_assert_int_eq(coverage_state_lost_due(b, T0 + after - 1, after), T0 + after);
        ck_assert_int_eq(coverage_state_lost_due(b, T0 + after + S / 4, after), INT64_MAX);
        ck_assert_uint_eq(kb.n, 1);
        ck_assert_str_eq(kb.line[0], "state_lost * closed 600");
        ck_assert_str_eq(kb.id[0], id);
        ck_assert_uint_eq(coverage_open_gaps(b), 0);
        ck_assert_int_eq(coverage_state_lost_due(b, T0 + 2 * after, after), INT64_MAX);
        ck_assert_uint_eq(kb.n, 1);
        state_writer_fini(&w);
        coverage_free(a);
        coverage_free(b);
        ruleset_free(rs);
        ruleset_free(fs);
}
END_TEST

static Suite *persist_suite(void)
{
        Suite *s = suite_create("persist");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_roundtrip);
        tcase_add_test(tc, test_damaged);
        tcase_add_test(tc, test_unknown_kind_and_version);
        tcase_add_test(tc, test_host_bound);
        tcase_add_test(tc, test_many_hosts);
        tcase_add_test(tc, test_state_lost);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(persist_suite());
}
