/* daemon/coverage/fields.c: field_missing for any field the loaded rules
 * require — what a rule requires (not a field read only to exclude, nor in
 * one branch of an `or`; event ids inferred for `1 of` rules; derived
 * fields checked at their source), the threshold, one gap per (host,
 * channel, field) with its event ids, evidence, remedy and blinds, the
 * close with its ttr, the caps, and a reload. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "../../daemon/coverage/coverage_impl.h"
#include "spoor/coverage.h"
#include "spoor/metrics.h"
#include "spoor/ruleset.h"
#include "spoor/winevent.h"
#include "unit.h"

#define S INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define MIN COV_FIELDS_MIN_EVENTS

/* The gap records written, as parsed JSON. */
static struct json_object *rec[256];
static size_t nrec;

static void collect(void *ud, const char *line, size_t len)
{
        (void)ud;
        (void)len;
        ck_assert_uint_lt(nrec, 256);
        rec[nrec] = json_tokener_parse(line);
        ck_assert_ptr_nonnull(rec[nrec]);
        nrec++;
}

static void recs_free(void)
{
        for (size_t i = 0; i < nrec; i++)
                json_object_put(rec[i]);
        nrec = 0;
}

static const char *str(size_t i, const char *key)
{
        struct json_object *v;

        ck_assert_uint_lt(i, nrec);
        if (!json_object_object_get_ex(rec[i], key, &v) || !v)
                return "";
        return json_object_get_string(v);
}

/* "kind host channel field state [ttr]" of record i */
static const char *line(size_t i)
{
        static char buf[512];
        struct json_object *t;

        json_object_object_get_ex(rec[i], "ttr_seconds", &t);
        snprintf(buf, sizeof(buf), "%s %s %s %s %s%s%s", str(i, "kind"), str(i, "host"), str(i, "channel"),
                 str(i, "field"), str(i, "state"), t ? " " : "", t ? json_object_get_string(t) : "");
        return buf;
}

/* the field_missing records with this field */
static size_t count_field(const char *field)
{
        size_t n = 0;

        for (size_t i = 0; i < nrec; i++)
                n += strcmp(str(i, "kind"), "field_missing") == 0 && strcmp(str(i, "field"), field) == 0;
        return n;
}

static bool has_blind(size_t i, const char *id)
{
        struct json_object *b;

        json_object_object_get_ex(rec[i], "blinds", &b);
        for (size_t k = 0; b && k < json_object_array_length(b); k++) {
                struct json_object *x;

                json_object_object_get_ex(json_object_array_get_idx(b, k), "id", &x);
                if (strcmp(json_object_get_string(x), id) == 0)
                        return true;
        }
        return false;
}

static char tmpdir[64];

/* A rules folder holding the given YAML documents, one file each. */
static struct ruleset *rules(const char *first, ...)
{
        char *paths[1] = { tmpdir };
        struct ruleset_opts o = { .paths = paths, .npaths = 1 };
        struct ruleset_report rep;
        struct ruleset *rs = NULL;
        va_list ap;
        int n = 0;

        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_fields.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        va_start(ap, first);
        for (const char *doc = first; doc; doc = va_arg(ap, const char *)) {
                char path[128];
                FILE *f;

                snprintf(path, sizeof(path), "%s/r%d.yml", tmpdir, n++);
                f = fopen(path, "w");
                ck_assert_ptr_nonnull(f);
                fputs(doc, f);
                fclose(f);
        }
        va_end(ap);
        ck_assert_int_eq(ruleset_load(&o, &rs, &rep), 0);
        ck_assert_uint_eq(rep.unsupported, 0);
        ruleset_report_fini(&rep);
        unit_rmtree(tmpdir);
        return rs;
}

static struct coverage *cov_new(const struct ruleset *rs)
{
        struct coverage_opts o = { .grace_us = 1000 * 3600 * S, .write = collect };
        struct coverage *cov = coverage_new(&o);

        ck_assert_ptr_nonnull(cov);
        memset(&metrics, 0, sizeof(metrics));
        recs_free();
        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        return cov;
}

/* fields as "Name=value", NULL-terminated */
static void feed(struct coverage *cov, const char *host, const char *channel, unsigned id, int64_t t, ...)
{
        struct winevent ev;
        va_list ap;
        const char *kv;

        winevent_init(&ev);
        snprintf(ev.host, sizeof(ev.host), "%s", host);
        ev.channel = channel;
        ev.provider = "";
        ev.event_id = id;
        ev.time_us = ev.recv_us = t;
        va_start(ap, t);
        while ((kv = va_arg(ap, const char *))) {
                const char *eq = strchr(kv, '=');

                ck_assert_int_eq(winevent_set_field(&ev, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1)), 0);
        }
        va_end(ap);
        coverage_event(cov, &ev);
        winevent_free(&ev);
}

#define RULE(id, logsource, detection) \
        "title: rule " id "\nid: " id "\nstatus: test\nlogsource: " logsource "\ndetection:\n" detection \
        "level: low\n"
#define SEC "{product: windows, service: security}"

static const char *const r_logon = RULE("00000000-0000-0000-0000-000000000001", SEC,
        "  sel:\n    EventID: 4624\n    LogonType: 3\n    IpAddress|startswith: '10.'\n"
        "  filter:\n    WorkstationName: 'ADMIN01'\n  condition: sel and not filter\n");

/* Opens at the MIN-th event without the field, not before, with the rule
 * blinded; a host whose events carry it has none; closes with the ttr. */
START_TEST(test_open_close)
{
        struct ruleset *rs = rules(r_logon, NULL);
        struct coverage *cov = cov_new(rs);
        int64_t t = T0, opened;
        struct json_object *ids;

        for (int i = 0; i < MIN - 1; i++) {
                feed(cov, "wsa", "Security", 4624, t += S, "LogonType=3", NULL);
                feed(cov, "wsb", "Security", 4624, t, "LogonType=3", "IpAddress=10.0.0.1", NULL);
        }
        ck_assert_uint_eq(nrec, 0);
        feed(cov, "wsb", "Security", 4624, t + S, "LogonType=3", "IpAddress=-", NULL);
        feed(cov, "wsa", "Security", 4624, opened = t += S, "LogonType=3", NULL);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_str_eq(line(0), "field_missing wsa Security IpAddress open");
        ck_assert_str_eq(str(0, "evidence"), "50 Security 4624 events from wsa, none with IpAddress");
        ck_assert(strstr(str(0, "remedy"), "winlog.event_data.IpAddress"));
        ck_assert(strstr(str(0, "remedy"), "Windows version"));
        ck_assert(has_blind(0, "00000000-0000-0000-0000-000000000001"));
        json_object_object_get_ex(rec[0], "event_ids", &ids);
        ck_assert_str_eq(json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN), "[4624]");
        /* WorkstationName (read only by the filter) and EventID: no gap */
        for (int i = 0; i < 2 * MIN; i++)
                feed(cov, "wsa", "Security", 4624, t += S, "LogonType=3", NULL);
        ck_assert_uint_eq(nrec, 1);
        /* an empty value is the field present */
        feed(cov, "wsa", "Security", 4624, t = opened + 300 * S, "LogonType=3", "IpAddress=", NULL);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_str_eq(line(1), "field_missing wsa Security IpAddress closed 300");
        ck_assert_str_eq(str(1, "id"), str(0, "id"));
        /* seen once: never again from this pair */
        for (int i = 0; i < 2 * MIN; i++)
                feed(cov, "wsa", "Security", 4624, t += S, "LogonType=3", NULL);
        ck_assert_uint_eq(nrec, 2);
        coverage_free(cov);
        ruleset_free(rs);
        recs_free();
}
END_TEST

/* A field in one branch of an `or` is not required; one in every branch
 * is; `null` and `exists: false` see an absent field; a filter document's
 * condition counts like the rule's. */
START_TEST(test_requires)
{
        struct ruleset *rs = rules(
                RULE("00000000-0000-0000-0000-000000000002", SEC,
                     "  sel_a:\n    EventID: 4625\n    A: x\n    C: x\n"
                     "  sel_b:\n    EventID: 4625\n    B: x\n    C|contains: y\n"
                     "  condition: 1 of sel_*\n"),
                RULE("00000000-0000-0000-0000-000000000003", SEC,
                     "  sel:\n    EventID: 4625\n    D: null\n    E|exists: false\n    G|exists: true\n"
                     "  condition: sel\n"),
                NULL);
        struct coverage *cov = cov_new(rs);
        int64_t t = T0;

        for (int i = 0; i < MIN; i++)
                feed(cov, "ws1", "Security", 4625, t += S, NULL);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_uint_eq(count_field("C"), 1);
        ck_assert_uint_eq(count_field("G"), 1);
        ck_assert_uint_eq(count_field("A") + count_field("B") + count_field("D") + count_field("E"), 0);
        coverage_free(cov);
        ruleset_free(rs);
        recs_free();
}
END_TEST

/* A `1 of selection_*` rule whose selections each pin an id: sigma_load
 * leaves it at "any id"; fields.c infers the ids, so events of other ids
 * do not count. */
START_TEST(test_inferred_ids)
{
        struct ruleset *rs = rules(RULE("00000000-0000-0000-0000-000000000004", SEC,
                "  selection_a:\n    EventID: 4657\n    ObjectName|endswith: '\\Run'\n"
                "  selection_b:\n    EventID: 4663\n    ObjectName|endswith: '\\RunOnce'\n    AccessMask: '0x2'\n"
                "  condition: 1 of selection_*\n"), NULL);
        struct coverage *cov = cov_new(rs);
        struct json_object *ids;
        int64_t t = T0;

        for (int i = 0; i < 3 * MIN; i++)
                feed(cov, "ws1", "Security", 4624, t += S, NULL);
        ck_assert_uint_eq(nrec, 0);
        for (int i = 0; i < 10; i++)
                feed(cov, "ws1", "Security", 4663, t += S, "AccessMask=0x2", NULL);
        for (int i = 0; i < MIN; i++)
                feed(cov, "ws1", "Security", 4657, t += S, NULL);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_str_eq(line(0), "field_missing ws1 Security ObjectName open");
        json_object_object_get_ex(rec[0], "event_ids", &ids);
        ck_assert_str_eq(json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN), "[4657,4663]");
        ck_assert_str_eq(str(0, "evidence"),
                         "50 Security 4657 events from ws1, none with ObjectName (nor 10 events of id 4663)");
        ck_assert(has_blind(0, "00000000-0000-0000-0000-000000000004"));
        /* AccessMask is required on 4663 only: present there, no gap */
        ck_assert_uint_eq(count_field("AccessMask"), 0);
        coverage_free(cov);
        ruleset_free(rs);
        recs_free();
}
END_TEST

/* A variant that reads every event of its channel: the gap has no event
 * ids and closes on any event that carries the field. */
START_TEST(test_any_id)
{
        struct ruleset *rs = rules(RULE("00000000-0000-0000-0000-000000000005",
                "{product: windows, service: powershell-classic}",
                "  selection:\n    Data|contains: 'Invoke-Mimikatz'\n  condition: selection\n"), NULL);
        struct coverage *cov = cov_new(rs);
        struct json_object *ids;
        int64_t t = T0;

        for (int i = 0; i < MIN; i++)
                feed(cov, "ws1", "Windows PowerShell", i % 2 ? 400 : 800, t += S, "Data_1=x", NULL);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_str_eq(line(0), "field_missing ws1 Windows PowerShell Data open");
        json_object_object_get_ex(rec[0], "event_ids", &ids);
        ck_assert_uint_eq(json_object_array_length(ids), 0);
        ck_assert_str_eq(str(0, "evidence"), "50 Windows PowerShell events from ws1, none with Data");
        feed(cov, "ws1", "Windows PowerShell", 600, t + 60 * S, "Data=x", NULL);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_str_eq(line(1), "field_missing ws1 Windows PowerShell Data closed 60");
        coverage_free(cov);
        ruleset_free(rs);
        recs_free();
}
END_TEST

static const char *const r_proc = RULE("00000000-0000-0000-0000-000000000006",
        "{product: windows, category: process_creation}",
        "  selection:\n    ParentImage|endswith: '\\svchost.exe'\n    IntegrityLevel: System\n"
        "    CommandLine|contains: ' -k '\n  condition: selection\n");

/* Derived fields are checked at their source (IntegrityLevel: 4688's
 * MandatoryLabel); (Security, CommandLine) is left to coverage.c; blinds
 * leave out a rule that can fire on another channel the host sends. */
START_TEST(test_derived_and_skip)
{
        struct ruleset *rs = rules(r_proc, NULL);
        struct coverage *cov = cov_new(rs);
        int64_t t = T0;
        size_t a, b;

        feed(cov, "mixed", SYSMON, 1, t, "Image=a.exe", "ParentImage=b", "IntegrityLevel=High", "CommandLine=a",
             NULL);
        for (int i = 0; i < MIN; i++) {
                feed(cov, "old", "Security", 4688, t += S, "NewProcessName=a.exe", "CommandLine=a", NULL);
                feed(cov, "new", "Security", 4688, t, "MandatoryLabel=S-1-16-16384", "ParentProcessName=b",
                     "CommandLine=a", NULL);
                feed(cov, "mixed", "Security", 4688, t, "CommandLine=a", NULL);
        }
        /* old: MandatoryLabel and ParentProcessName; mixed: the same, no blinds; new: none */
        ck_assert_uint_eq(nrec, 4);
        a = strcmp(str(0, "field"), "MandatoryLabel") == 0 ? 0 : 1;
        b = 1 - a;
        ck_assert_str_eq(line(a), "field_missing old Security MandatoryLabel open");
        ck_assert_str_eq(line(b), "field_missing old Security ParentProcessName open");
        ck_assert_str_eq(str(a, "evidence"), "50 Security 4688 events from old, none with MandatoryLabel "
                                             "(spoord derives IntegrityLevel from it)");
        ck_assert(has_blind(a, "00000000-0000-0000-0000-000000000006"));
        ck_assert_str_eq(str(2, "host"), "mixed");
        ck_assert_str_eq(str(3, "host"), "mixed");
        ck_assert(!has_blind(2, "00000000-0000-0000-0000-000000000006"));      /* mixed sends Sysmon */
        ck_assert(!has_blind(3, "00000000-0000-0000-0000-000000000006"));
        /* CommandLine missing: only coverage.c's gap */
        recs_free();
        for (int i = 0; i < 2 * MIN; i++)
                feed(cov, "nocmd", "Security", 4688, t += S, "MandatoryLabel=S-1-16-16384", "ParentProcessName=b",
                     NULL);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_str_eq(line(0), "field_missing nocmd Security CommandLine open");
        ck_assert_str_eq(str(0, "evidence"), "a 4688 has no CommandLine");
        coverage_free(cov);
        ruleset_free(rs);
        recs_free();
}
END_TEST

/* Two ids without the field: one gap listing both; the field on one of
 * them closes it, and the other id, still without, opens a new one. */
START_TEST(test_two_ids_reopen)
{
        struct ruleset *rs = rules(RULE("00000000-0000-0000-0000-000000000007", SEC,
                "  sel:\n    EventID: [4624, 4625]\n    TargetOutboundUserName|startswith: 'adm'\n"
                "  condition: sel\n"), NULL);
        struct coverage *cov = cov_new(rs);
        struct json_object *ids;
        int64_t t = T0;

        for (int i = 0; i < 5; i++)
                feed(cov, "ws1", "Security", 4625, t += S, NULL);
        for (int i = 0; i < MIN; i++)
                feed(cov, "ws1", "Security", 4624, t += S, NULL);
        ck_assert_uint_eq(nrec, 1);
        json_object_object_get_ex(rec[0], "event_ids", &ids);
        ck_assert_str_eq(json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN), "[4624,4625]");
        feed(cov, "ws1", "Security", 4625, t + 10 * S, "TargetOutboundUserName=-", NULL);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_str_eq(line(1), "field_missing ws1 Security TargetOutboundUserName closed 10");
        feed(cov, "ws1", "Security", 4624, t + 20 * S, NULL);
        ck_assert_uint_eq(nrec, 3);
        ck_assert_str_eq(line(2), "field_missing ws1 Security TargetOutboundUserName open");
        json_object_object_get_ex(rec[2], "event_ids", &ids);
        ck_assert_str_eq(json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN), "[4624]");
        ck_assert_str_ne(str(2, "id"), str(0, "id"));
        coverage_free(cov);
        ruleset_free(rs);
        recs_free();
}
END_TEST

/* At most COV_FIELDS_MAX_GAPS open per host, retried after a close; at most
 * COV_FIELDS_MAX_PAIRS pairs per host channel, the rest counted. */
START_TEST(test_caps)
{
        char det[4096] = "  sel:\n    EventID: 5000\n", ids[1024] = "  big:\n    EventID: [";
        char rule_gaps[8192], rule_pairs[8192];
        struct ruleset *rs;
        struct coverage *cov;
        int64_t t = T0;
        size_t len = strlen(det);

        for (int i = 0; i < 20; i++)
                len += (size_t)snprintf(det + len, sizeof(det) - len, "    F%02d: x\n", i);
        snprintf(det + len, sizeof(det) - len, "  condition: sel\n");
        snprintf(rule_gaps, sizeof(rule_gaps), RULE("00000000-0000-0000-0000-000000000008", SEC, "%s"), det);
        len = strlen(ids);
        for (int i = 0; i < 64; i++)
                len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%d", i ? ", " : "", 6000 + i);
        snprintf(ids + len, sizeof(ids) - len, "]\n    P1: x\n    P2: x\n    P3: x\n    P4: x\n"
                 "    P5: x\n  condition: big\n");
        snprintf(rule_pairs, sizeof(rule_pairs), RULE("00000000-0000-0000-0000-000000000009", SEC, "%s"), ids);
        rs = rules(rule_gaps, rule_pairs, NULL);
        cov = cov_new(rs);
        for (int i = 0; i < MIN; i++)
                feed(cov, "ws1", "Security", 5000, t += S, NULL);
        ck_assert_uint_eq(nrec, COV_FIELDS_MAX_GAPS);
        ck_assert_uint_eq(cov->fields.gaps_capped, 20 - COV_FIELDS_MAX_GAPS);
        /* one field arrives: its gap closes, a refused one opens */
        feed(cov, "ws1", "Security", 5000, t += S, "F00=x", NULL);
        ck_assert_uint_eq(nrec, COV_FIELDS_MAX_GAPS + 2);
        ck_assert_str_eq(line(COV_FIELDS_MAX_GAPS), "field_missing ws1 Security F00 closed 1");
        ck_assert_str_eq(str(COV_FIELDS_MAX_GAPS + 1, "state"), "open");
        ck_assert_uint_eq(count_field(str(COV_FIELDS_MAX_GAPS + 1, "field")), 1);
        ck_assert_uint_eq(metrics.gaps_open, COV_FIELDS_MAX_GAPS);
        /* 64 ids x 5 fields: 51 entries fit in 256 pairs, the rest is counted */
        for (int i = 0; i < 64; i++)
                feed(cov, "ws2", "Security", (unsigned)(6000 + i), t += S, NULL);
        ck_assert_uint_eq(cov->fields.pairs_dropped, (64 - COV_FIELDS_MAX_PAIRS / 5) * 5);
        {
                const struct cov_host *h = cov_host_find(cov, "ws2");
                const struct cov_chan *c = cov_chan_find(h, "Security");

                ck_assert_uint_le(c->fields.nobs, COV_FIELDS_MAX_PAIRS);
                ck_assert_uint_eq(c->fields.nobs, (COV_FIELDS_MAX_PAIRS / 5) * 5);
        }
        coverage_free(cov);
        ruleset_free(rs);
        recs_free();
}
END_TEST

/* A reload forgets the counts, keeps the open gaps (closed by the field),
 * and a ruleset that needs nothing observes nothing. */
START_TEST(test_reload)
{
        struct ruleset *rs = rules(r_logon, NULL), *rs2 = rules(r_proc, NULL);
        struct coverage *cov = cov_new(rs);
        int64_t t = T0;

        for (int i = 0; i < MIN; i++)
                feed(cov, "ws1", "Security", 4624, t += S, "LogonType=3", NULL);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_int_eq(coverage_set_rules(cov, rs2), 0);
        ruleset_free(rs);
        feed(cov, "ws1", "Security", 4624, t += S, "IpAddress=10.1.1.1", NULL);
        ck_assert_uint_eq(nrec, 1);     /* no rule needs IpAddress now: stays open */
        rs = rules(r_logon, NULL);
        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        for (int i = 0; i < MIN; i++)
                feed(cov, "ws1", "Security", 4624, t += S, "LogonType=3", NULL);
        ck_assert_uint_eq(nrec, 1);     /* already open */
        feed(cov, "ws1", "Security", 4624, t += S, "IpAddress=10.1.1.1", NULL);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_str_eq(str(1, "state"), "closed");
        ck_assert_int_eq(coverage_set_rules(cov, NULL), 0);
        ck_assert_ptr_null(cov->fields.tab);
        coverage_free(cov);
        ruleset_free(rs);
        ruleset_free(rs2);
        recs_free();
}
END_TEST

static Suite *fields_suite(void)
{
        Suite *s = suite_create("fields");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_open_close);
        tcase_add_test(tc, test_requires);
        tcase_add_test(tc, test_inferred_ids);
        tcase_add_test(tc, test_any_id);
        tcase_add_test(tc, test_derived_and_skip);
        tcase_add_test(tc, test_two_ids_reopen);
        tcase_add_test(tc, test_caps);
        tcase_add_test(tc, test_reload);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(fields_suite());
}
