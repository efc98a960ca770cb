/* daemon/coverage/twins.c: audit_off from twins (TaskScheduler 106 ↔
 * Security 4698, Sysmon 1 ↔ Security 4688 both ways) and from 4719, driven
 * through coverage_event with the scenarios' rules. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/coverage.h"
#include "spoor/metrics.h"
#include "spoor/ruleset.h"
#include "spoor/winevent.h"
#include "cov_unit.h"
#include "unit.h"


#define S INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define W (300 * S)
#define SEC "Security"
#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define TASKS "Microsoft-Windows-TaskScheduler/Operational"
#define RULES SPOOR_TEST_DATA "/../scenarios/"
#define OOA "{0CCE9227-69AE-11D9-BED3-505054503030}"

struct got {
        char line[256];         /* "kind host channel state [ttr]" */
        char opened[40], ids[64], evidence[512], remedy[512], blinds[256];
};
static struct got got[32];
static size_t ngot;

static void copy(char *dst, size_t len, struct json_object *o, const char *key)
{
        struct json_object *v;

        snprintf(dst, len, "%s", json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "");
}

/* The audit_off records, in order. */
static void collect(void *ud, const char *line, size_t len)
{
        struct json_object *o = json_tokener_parse(line), *t, *b;
        struct got *g = &got[ngot];
        char kind[32], host[64], chan[64], state[16];

        (void)ud;
        (void)len;
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_lt(ngot, 32);
        copy(kind, sizeof(kind), o, "kind");
        if (strcmp(kind, "audit_off") != 0) {   /* other families' gaps (field_missing ...) */
                json_object_put(o);
                return;
        }
        copy(host, sizeof(host), o, "host");
        copy(chan, sizeof(chan), o, "channel");
        copy(state, sizeof(state), o, "state");
        json_object_object_get_ex(o, "ttr_seconds", &t);
        snprintf(g->line, sizeof(g->line), "%s %s %s %s%s%s", kind, host, chan, state, t ? " " : "",
                 t ? json_object_get_string(t) : "");
        copy(g->opened, sizeof(g->opened), o, "opened");
        copy(g->ids, sizeof(g->ids), o, "event_ids");
        copy(g->evidence, sizeof(g->evidence), o, "evidence");
        copy(g->remedy, sizeof(g->remedy), o, "remedy");
        g->blinds[0] = '\0';
        if (json_object_object_get_ex(o, "blinds", &b))
                for (size_t i = 0; i < json_object_array_length(b); i++) {
                        struct json_object *id;

                        json_object_object_get_ex(json_object_array_get_idx(b, i), "id", &id);
                        strncat(g->blinds, json_object_get_string(id), sizeof(g->blinds) - strlen(g->blinds) - 2);
                        strcat(g->blinds, " ");
                }
        ngot++;
        json_object_put(o);
}

static struct coverage *cov_new(size_t max_hosts)
{
        struct coverage_opts o = { .grace_us = 3600 * S, .twin_window_us = W, .max_hosts = max_hosts,
                                   .write = collect };
        struct coverage *cov = coverage_new(&o);

        ck_assert_ptr_nonnull(cov);
        ngot = 0;
        memset(&metrics, 0, sizeof(metrics));
        return cov;
}

#define LOGON(c, h, t) cov_unit_feed(c, h, SEC, 4624, t, 0, "TargetUserName=ann", NULL)
#define TASK106(c, h, t, name) cov_unit_feed(c, h, TASKS, 106, t, 7, "TaskName=" name, NULL)
#define TASK4698(c, h, t, name) cov_unit_feed(c, h, SEC, 4698, t, 0, "TaskName=" name, NULL)
#define SYSMON1(c, h, t) cov_unit_feed(c, h, SYSMON, 1, t, 11, "Image=C:\\Windows\\System32\\whoami.exe", NULL)
#define SYSMON3(c, h, t) cov_unit_feed(c, h, SYSMON, 3, t, 0, "DestinationPort=443", NULL)
#define PROC4688(c, h, t) cov_unit_feed(c, h, SEC, 4688, t, 21, "NewProcessName=C:\\Windows\\System32\\cmd.exe", NULL)

/* ---- task twin ------------------------------------------------------------------ */

START_TEST(test_task_opens_and_closes)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-task/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        LOGON(cov, "wta", T0 - 600 * S);
        TASK106(cov, "wta", T0, "\\Folder\\Updater");
        LOGON(cov, "wta", T0 + 120 * S);        /* Security flows inside the window */
        LOGON(cov, "wta", T0 + 300 * S);        /* at t + w: not yet over */
        ck_assert_uint_eq(ngot, 0);
        LOGON(cov, "wta", T0 + 301 * S);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].line, "audit_off wta Security open");
        ck_assert_str_eq(got[0].opened, "2026-11-22T10:05:00.000Z");
        ck_assert_str_eq(got[0].ids, "[ 4698 ]");
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "106 record 7 registered task \\Folder\\Updater at "));
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "Audit Other Object Access Events"));
        ck_assert_ptr_nonnull(strstr(got[0].remedy, "auditpol /set /subcategory:" OOA " /success:enable"));
        ck_assert_str_eq(got[0].blinds, "7c1d0e00-0000-4000-8000-0000000a0f01 ");
        /* another 106 while it is open: not twice */
        TASK106(cov, "wta", T0 + 400 * S, "\\Other");
        LOGON(cov, "wta", T0 + 800 * S);
        ck_assert_uint_eq(ngot, 1);
        /* a 4698 dated before the opening proves nothing about after it */
        TASK4698(cov, "wta", T0 + 200 * S, "\\Late");
        ck_assert_uint_eq(ngot, 1);
        /* a 4698 of any task closes it */
        TASK4698(cov, "wta", T0 + 2100 * S, "\\Reporter");
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1].line, "audit_off wta Security closed 1800");
        ck_assert_uint_eq(metrics.gaps_opened[GAP_AUDIT_OFF], 1);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

START_TEST(test_task_controls)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-task/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        /* both twins, the 4698's TaskName in another case */
        LOGON(cov, "wtb", T0 - 600 * S);
        TASK106(cov, "wtb", T0, "\\Folder\\Backup");
        TASK4698(cov, "wtb", T0 + S, "\\FOLDER\\backup");
        /* the 4698 first */
        LOGON(cov, "wte", T0 - 600 * S);
        TASK4698(cov, "wte", T0, "\\Inventory");
        TASK106(cov, "wte", T0 + 2 * S, "\\Inventory");
        /* a 4698 of another task inside the window: the subcategory is on */
        LOGON(cov, "wtf", T0 - 600 * S);
        TASK106(cov, "wtf", T0, "\\One");
        TASK4698(cov, "wtf", T0 + 250 * S, "\\Two");
        /* no task at all */
        LOGON(cov, "wtc", T0 - 600 * S);
        LOGON(cov, "wtc", T0 + 900 * S);
        /* Security quiet within the window (before it, and long after): no evidence */
        LOGON(cov, "wtd", T0 - 600 * S);
        TASK106(cov, "wtd", T0, "\\Sync");
        for (int64_t t = T0 + 350 * S; t <= T0 + 1000 * S; t += 50 * S) {
                LOGON(cov, "wtb", t);
                LOGON(cov, "wte", t);
                LOGON(cov, "wtf", t);
                LOGON(cov, "wtd", t);
        }
        coverage_flush(cov);
        ck_assert_uint_eq(ngot, 0);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

START_TEST(test_task_flush)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-task/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        /* the input ends before the window does: no verdict */
        LOGON(cov, "wtg", T0 - 600 * S);
        TASK106(cov, "wtg", T0, "\\Short");
        LOGON(cov, "wtg", T0 + 299 * S);
        /* the input ends exactly at t + w: judged */
        LOGON(cov, "wth", T0 - 600 * S);
        TASK106(cov, "wth", T0, "\\Exact");
        LOGON(cov, "wth", T0 + 300 * S);
        ck_assert_uint_eq(ngot, 0);
        coverage_flush(cov);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].line, "audit_off wth Security open");
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "\\Exact"));
        coverage_flush(cov);    /* judged once */
        ck_assert_uint_eq(ngot, 1);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

START_TEST(test_task_cap)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-task/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        LOGON(cov, "wti", T0 - 600 * S);
        LOGON(cov, "wti", T0 - 200 * S);
        /* 17 waiting 106s: the oldest (T0) is dropped without a verdict, so
         * the gap comes from the second one (T0 + 1 s) */
        TASK106(cov, "wti", T0, "\\T0");
        for (int i = 1; i <= 16; i++) {
                char name[32];

                snprintf(name, sizeof(name), "TaskName=\\T%d", i);
                cov_unit_feed(cov, "wti", TASKS, 106, T0 + i * S, 0, name, NULL);
        }
        LOGON(cov, "wti", T0 + 400 * S);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].opened, "2026-11-22T10:05:01.000Z");
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "106 registered task \\T1 at"));
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

/* ---- process twins ---------------------------------------------------------- */

START_TEST(test_proc_forward)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-process/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        LOGON(cov, "wpa", T0 - 600 * S);
        SYSMON1(cov, "wpa", T0);
        LOGON(cov, "wpa", T0 + 100 * S);
        LOGON(cov, "wpa", T0 + 301 * S);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].line, "audit_off wpa Security open");
        ck_assert_str_eq(got[0].ids, "[ 4688 ]");
        ck_assert_str_eq(got[0].opened, "2026-11-22T10:05:00.000Z");
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "Sysmon 1 record 11 (whoami.exe)"));
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "Audit Process Creation"));
        ck_assert_ptr_nonnull(strstr(got[0].remedy, "{0CCE922B-69AE-11D9-BED3-505054503030} /success:enable"));
        ck_assert_str_eq(got[0].blinds, "7c1d0e00-0000-4000-8000-0000000a0f11 ");
        /* more Sysmon 1 while open: nothing new */
        SYSMON1(cov, "wpa", T0 + 500 * S);
        LOGON(cov, "wpa", T0 + 900 * S);
        ck_assert_uint_eq(ngot, 1);
        /* a 4688 that is a failure audit does not close it; a 4688 does */
        cov_unit_feed(cov, "wpa", SEC, 4688, T0 + 1000 * S, 0, "EventType=AUDIT_FAILURE", NULL);
        ck_assert_uint_eq(ngot, 1);
        PROC4688(cov, "wpa", T0 + 1200 * S);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1].line, "audit_off wpa Security closed 900");
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

START_TEST(test_proc_forward_controls)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-process/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        /* a 4688 (of any process) 299 s before the Sysmon 1 */
        LOGON(cov, "wpb", T0 - 600 * S);
        PROC4688(cov, "wpb", T0 - 299 * S);
        SYSMON1(cov, "wpb", T0);
        /* a 4696 (same subcategory) 200 s after it */
        LOGON(cov, "wpc", T0 - 600 * S);
        SYSMON1(cov, "wpc", T0);
        cov_unit_feed(cov, "wpc", SEC, 4696, T0 + 200 * S, 0, NULL);
        /* no Security at all */
        SYSMON3(cov, "wpd", T0 - 600 * S);
        SYSMON1(cov, "wpd", T0);
        SYSMON3(cov, "wpd", T0 + 900 * S);
        /* the host's first event: the window before it was not seen */
        SYSMON1(cov, "wpe", T0);
        LOGON(cov, "wpe", T0 + 10 * S);
        /* the 4688 arrives late (Security lags Sysmon) but inside the window */
        LOGON(cov, "wpf", T0 - 600 * S);
        SYSMON1(cov, "wpf", T0);
        SYSMON3(cov, "wpf", T0 + 900 * S);
        PROC4688(cov, "wpf", T0 + 5 * S);
        for (int64_t t = T0 + 350 * S; t <= T0 + 1000 * S; t += 50 * S) {
                LOGON(cov, "wpb", t);
                LOGON(cov, "wpc", t);
                LOGON(cov, "wpe", t);
                LOGON(cov, "wpf", t);
        }
        coverage_flush(cov);
        ck_assert_uint_eq(ngot, 0);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

START_TEST(test_proc_reverse)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-sysmon/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        SYSMON3(cov, "wsa", T0 - 600 * S);
        LOGON(cov, "wsa", T0 - 600 * S);
        PROC4688(cov, "wsa", T0);
        SYSMON3(cov, "wsa", T0 + 240 * S);
        ck_assert_uint_eq(ngot, 0);
        SYSMON3(cov, "wsa", T0 + 360 * S);
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].line, "audit_off wsa " SYSMON " open");
        ck_assert_str_eq(got[0].ids, "[ 1 ]");
        ck_assert_str_eq(got[0].opened, "2026-11-22T10:05:00.000Z");
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "4688 record 21 (cmd.exe)"));
        ck_assert_ptr_nonnull(strstr(got[0].remedy, "ProcessCreate"));
        ck_assert_ptr_nonnull(strstr(got[0].remedy, "<Select Path=\"" SYSMON "\">"));
        ck_assert_str_eq(got[0].blinds, "7c1d0e00-0000-4000-8000-0000000a0f21 ");
        PROC4688(cov, "wsa", T0 + 900 * S);
        SYSMON3(cov, "wsa", T0 + 1300 * S);
        ck_assert_uint_eq(ngot, 1);
        SYSMON1(cov, "wsa", T0 + 2400 * S);
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1].line, "audit_off wsa " SYSMON " closed 2100");
        /* controls: a Sysmon 1 of another process 2 s later; no Sysmon channel */
        SYSMON3(cov, "wsb", T0 - 600 * S);
        PROC4688(cov, "wsb", T0);
        SYSMON1(cov, "wsb", T0 + 2 * S);
        SYSMON3(cov, "wsb", T0 + 900 * S);
        LOGON(cov, "wsc", T0 - 600 * S);
        PROC4688(cov, "wsc", T0);
        LOGON(cov, "wsc", T0 + 900 * S);
        coverage_flush(cov);
        ck_assert_uint_eq(ngot, 2);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

/* ---- what the rules need -------------------------------------------------------- */

START_TEST(test_needs)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-task/rules");
        const char *hosts[] = { "n1", "n2" };

        /* n1 without rules, n2 with rules needing only 4698: no process twin judged */
        ck_assert_int_eq(coverage_set_rules(cov, NULL), 0);
        for (int i = 0; i < 2; i++) {
                const char *h = hosts[i];

                if (i == 1)
                        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
                SYSMON3(cov, h, T0 - 600 * S);
                LOGON(cov, h, T0 - 600 * S);
                SYSMON1(cov, h, T0);
                PROC4688(cov, h, T0 + 1000 * S);
                LOGON(cov, h, T0 + 100 * S);
                SYSMON3(cov, h, T0 + 1100 * S);
                LOGON(cov, h, T0 + 1500 * S);
                cov_unit_feed(cov, h, SEC, 4719, T0 + 1600 * S, 0, "SubcategoryGuid={0cce922b-69ae-11d9-bed3-505054503030}",
                     "AuditPolicyChanges=%%8448", NULL);
        }
        coverage_flush(cov);
        ck_assert_uint_eq(ngot, 0);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

/* ---- 4719 ----------------------------------------------------------------------- */

#define POLICY(c, h, t, guid, chg) \
        cov_unit_feed(c, h, SEC, 4719, t, 31, "SubcategoryGuid=" guid, "AuditPolicyChanges=" chg, NULL)

START_TEST(test_policy)
{
        struct coverage *cov = cov_new(0);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-policy/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        /* raw insertion strings; removed twice, opened once; added back */
        POLICY(cov, "wxa", T0, "{0cce9227-69ae-11d9-bed3-505054503030}", "%%8448, %%8450");
        ck_assert_uint_eq(ngot, 1);
        ck_assert_str_eq(got[0].line, "audit_off wxa Security open");
        ck_assert_str_eq(got[0].opened, "2026-11-22T10:00:00.000Z");
        ck_assert_str_eq(got[0].ids, "[ 4698 ]");
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "4719 record 31"));
        ck_assert_ptr_nonnull(strstr(got[0].evidence, "Audit Other Object Access Events " OOA));
        ck_assert_ptr_nonnull(strstr(got[0].remedy, OOA " /success:enable"));
        ck_assert_str_eq(got[0].blinds, "7c1d0e00-0000-4000-8000-0000000a0f31 ");
        POLICY(cov, "wxa", T0 + 60 * S, "0CCE9227-69AE-11D9-BED3-505054503030", "Success removed");
        LOGON(cov, "wxa", T0 + 120 * S);
        TASK106(cov, "wxa", T0 + 120 * S, "\\X");
        LOGON(cov, "wxa", T0 + 900 * S);
        ck_assert_uint_eq(ngot, 1);
        POLICY(cov, "wxa", T0 + 1800 * S, "{0CCE9227-69AE-11D9-BED3-505054503030}", "%%8449");
        ck_assert_uint_eq(ngot, 2);
        ck_assert_str_eq(got[1].line, "audit_off wxa Security closed 1800");
        /* rendered text; a failure-audit 4688 does not close it, a 4688 before does not, a 4688 does */
        POLICY(cov, "wxb", T0, "{0cce922b-69ae-11d9-bed3-505054503030}", "Success removed, Failure removed");
        ck_assert_uint_eq(ngot, 3);
        ck_assert_str_eq(got[2].ids, "[ 4688 ]");
        cov_unit_feed(cov, "wxb", SEC, 4688, T0 + 100 * S, 0, "EventType=AUDIT_FAILURE", NULL);
        PROC4688(cov, "wxb", T0 - 5 * S);
        ck_assert_uint_eq(ngot, 3);
        PROC4688(cov, "wxb", T0 + 600 * S);
        ck_assert_uint_eq(ngot, 4);
        ck_assert_str_eq(got[3].line, "audit_off wxb Security closed 600");
        /* nothing the rules need: Logon success removed, failure-only removal, additions, junk */
        POLICY(cov, "wxc", T0, "{0cce9215-69ae-11d9-bed3-505054503030}", "%%8448");
        POLICY(cov, "wxc", T0, "{0cce9227-69ae-11d9-bed3-505054503030}", "%%8450");
        POLICY(cov, "wxc", T0, "{0cce922b-69ae-11d9-bed3-505054503030}", "%%8449, %%8451");
        POLICY(cov, "wxc", T0, "{0cce922b}", "%%8448");
        cov_unit_feed(cov, "wxc", SEC, 4719, T0, 0, "AuditPolicyChanges=%%8448", NULL);
        ck_assert_uint_eq(ngot, 4);
        /* any event of the subcategory closes it */
        POLICY(cov, "wxd", T0, "0cce9227-69ae-11d9-bed3-505054503030", "%%8448");
        cov_unit_feed(cov, "wxd", SEC, 4702, T0 + 300 * S, 0, "TaskName=\\U", NULL);
        ck_assert_uint_eq(ngot, 6);
        ck_assert_str_eq(got[5].line, "audit_off wxd Security closed 300");
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

/* ---- bounds --------------------------------------------------------------------- */

START_TEST(test_history_and_eviction)
{
        struct coverage *cov = cov_new(2);
        struct ruleset *rs = cov_unit_load(RULES "gap-audit-off-process/rules");

        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        /* a Sysmon 1 arriving 3 h late, older than the marks' history: no verdict */
        LOGON(cov, "wph", T0 - 20000 * S);
        PROC4688(cov, "wph", T0);
        SYSMON1(cov, "wph", T0 - 10800 * S);
        LOGON(cov, "wph", T0 - 10790 * S);      /* Security "flowing" in its window (late too) */
        LOGON(cov, "wph", T0 + 10 * S);
        ck_assert_uint_eq(ngot, 0);
        /* hosts with waiting twins are evicted and freed (ASan checks) */
        for (int i = 0; i < 5; i++) {
                char h[16];

                snprintf(h, sizeof(h), "ev%d", i);
                LOGON(cov, h, T0);
                SYSMON1(cov, h, T0 + S);
                TASK106(cov, h, T0 + S, "\\E");
        }
        ck_assert_uint_eq(coverage_host_count(cov), 2);
        coverage_flush(cov);
        ck_assert_uint_eq(ngot, 0);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

static Suite *twins_suite(void)
{
        Suite *s = suite_create("twins");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_task_opens_and_closes);
        tcase_add_test(tc, test_task_controls);
        tcase_add_test(tc, test_task_flush);
        tcase_add_test(tc, test_task_cap);
        tcase_add_test(tc, test_proc_forward);
        tcase_add_test(tc, test_proc_forward_controls);
        tcase_add_test(tc, test_proc_reverse);
        tcase_add_test(tc, test_needs);
        tcase_add_test(tc, test_policy);
        tcase_add_test(tc, test_history_and_eviction);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(twins_suite());
}
