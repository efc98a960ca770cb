/* daemon/coverage/report.c and jsonw.c: the streamed coverage.json and
 * attack-layer.json are byte for byte what the json-c tree of the same
 * model serializes to (report_tree.h, the renderer before streaming), on
 * a model with every gap kind that changes what can fire, and on a fleet
 * of many hosts x many rules; jsonw escapes and formats as json-c does. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "daemon/coverage/coverage_impl.h"
#include "spoor/coverage.h"
#include "spoor/jsonw.h"
#include "spoor/metrics.h"
#include "spoor/report.h"
#include "spoor/ruleset.h"
#include "spoor/state.h"
#include "cov_unit.h"
#include "report_tree.h"
#include "unit.h"

#define S INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define SEC "Security"
#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define PS "Microsoft-Windows-PowerShell/Operational"

static char tmpdir[] = "/tmp/spoor-report.XXXXXX";

static void write_rule(const char *dir, unsigned n, const char *title, const char *tags, const char *logsource,
                       const char *detection)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/r%04u.yml", dir, n);
        ck_assert_ptr_nonnull(f = fopen(path, "w"));
        fprintf(f, "title: '%s'\nid: 00000000-0000-4000-8000-%012u\nstatus: %s\ntags: [%s]\nlogsource: {%s}\n"
                "detection:\n  sel: {%s}\n  condition: sel\n", title, n, n % 3 ? "test" : "stable", tags, logsource,
                detection);
        fclose(f);
}

static struct ruleset *load(const char *sub)
{
        char dir[256];

        snprintf(dir, sizeof(dir), "%s/%s", tmpdir, sub);
        return cov_unit_load(dir);
}

/* The text json-c gives for o, with the newline the files end with. */
static char *tree_text(struct json_object *o)
{
        size_t len;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        char *t = malloc(len + 2);

        ck_assert_ptr_nonnull(t);
        memcpy(t, s, len);
        strcpy(t + len, "\n");
        return t;
}

static char *read_file(const char *name)
{
        char path[512];
        struct stat st;
        char *t;
        int fd;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
        ck_assert_int_eq(fstat(fd, &st), 0);
        ck_assert_ptr_nonnull(t = malloc((size_t)st.st_size + 1));
        ck_assert_int_eq(read(fd, t, (size_t)st.st_size), st.st_size);
        t[st.st_size] = '\0';
        close(fd);
        return t;
}

/* report_write's files, report_render's objects and the tree renderer's
 * serialize alike; returns the number of live hosts. */
static int64_t same_as_tree(const struct coverage *cov, const struct ruleset *rs, int64_t grace, int64_t now)
{
        struct json_object *tc, *tl, *rc, *rl, *v;
        char *want_c, *want_l, *got;
        int dirfd;
        int64_t live;

        ck_assert_int_eq(tree_render(cov, rs, grace, now, &tc, &tl), 0);
        want_c = tree_text(tc);
        want_l = tree_text(tl);
        ck_assert_int_ge(dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY), 0);
        ck_assert_int_eq(report_write(dirfd, cov, rs, grace, now), 0);
        close(dirfd);
        got = read_file(REPORT_COVERAGE_FILE);
        ck_assert_uint_eq(strlen(got), strlen(want_c));
        ck_assert_msg(strcmp(got, want_c) == 0, "coverage.json differs from the tree's");
        free(got);
        got = read_file(REPORT_LAYER_FILE);
        ck_assert_str_eq(got, want_l);
        free(got);

        ck_assert_int_eq(report_render(cov, rs, grace, now, &rc, &rl), 0);
        got = tree_text(rc);
        ck_assert_msg(strcmp(got, want_c) == 0, "report_render differs from the tree");
        free(got);
        got = tree_text(rl);
        ck_assert_str_eq(got, want_l);
        free(got);
        ck_assert(json_object_object_get_ex(json_object_object_get(tc, "fleet"), "live_hosts", &v));
        live = json_object_get_int64(v);
        json_object_put(tc);
        json_object_put(tl);
        json_object_put(rc);
        json_object_put(rl);
        free(want_c);
        free(want_l);
        return live;
}

static void inject(struct coverage *cov, const char *host, enum gap_kind kind, const char *channel,
                   const uint16_t *ids, size_t nids, const char *field)
{
        struct cov_host *h = cov_host_find(cov, host);
        struct gap *g;

        ck_assert_ptr_nonnull(h);
        ck_assert_ptr_nonnull(g = gap_new(kind, host, channel, ids, nids, field, T0));
        cov_open(cov, h, g);
}

/* A host that sends what every rule reads. */
static void full_host(struct coverage *cov, const char *name, int64_t t)
{
        cov_unit_feed(cov, name, SEC, 4688, t, 0, "CommandLine=a.exe -x", NULL);
        cov_unit_feed(cov, name, SEC, 4624, t + S, 0, NULL);
        cov_unit_feed(cov, name, SYSMON, 1, t + 2 * S, 0, "Image=C:\\a.exe", NULL);
        cov_unit_feed(cov, name, PS, 4104, t + 3 * S, 0, NULL);
}

/* Every gap kind rep_eval looks at, hosts alike and not, escapes in host,
 * channel and rule names, a channel over COVERAGE_MAX_EIDS ids, fleet
 * gaps, a median ttr that is not an integer. */
START_TEST(test_stream_equals_tree)
{
        char dir[256];
        struct ruleset *rs;
        struct coverage_opts co = { .grace_us = 3600 * S };
        struct coverage *cov;
        static const uint16_t e4688 = 4688, e1 = 1;
        char name[64];
        struct gap *g;

        memset(&metrics, 0, sizeof(metrics));
        metrics.leads[1][RECORD_KIND_ESCALATION] = 2;
        metrics.rules_promoted = 3;
        snprintf(dir, sizeof(dir), "%s/small", tmpdir);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        write_rule(dir, 1, "schtasks (Sysmon)", "attack.t1053.005", "product: windows, service: sysmon",
                   "EventID: 1, Image|endswith: '\\schtasks.exe'");
        write_rule(dir, 2, "encoded \"command\" \\ line / é\u00e9", "attack.T1059, attack.t1059.001",
                   "product: windows, service: security", "EventID: 4688, CommandLine|contains: ' -enc '");
        write_rule(dir, 3, "process creation, both sources", "attack.t1059.001, attack.t1053.005",
                   "product: windows, category: process_creation", "CommandLine|contains: 'whoami'");
        write_rule(dir, 4, "logon", "attack.t1078", "product: windows, service: security",
                   "EventID: 4624, LogonType: 10");
        write_rule(dir, 5, "script block", "attack.t1059.001", "product: windows, service: powershell",
                   "EventID: 4104, ScriptBlockText|contains: 'iex'");
        write_rule(dir, 6, "no channel", "attack.t1003", "product: windows", "Image|endswith: '\\mimikatz.exe'");
        write_rule(dir, 7, "untagged", "attack.execution", "product: windows, service: security",
                   "EventID: 4625");
        rs = load("small");
        cov = coverage_new(&co);
        ck_assert_ptr_nonnull(cov);
        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);

        for (int i = 0; i < 6; i++) {
                snprintf(name, sizeof(name), "alike%02d.corp", i);
                full_host(cov, name, T0 + 3 * 3600 * S);
        }
        cov_unit_feed(cov, "quiet.corp", SEC, 4688, T0, 0, "CommandLine=x", NULL);     /* not live */
        cov_unit_feed(cov, "nocmd.corp", SEC, 4688, T0 + 3 * 3600 * S, 0, NULL);        /* field_missing */
        cov_unit_feed(cov, "nocmd2.corp", SEC, 4688, T0 + 3 * 3600 * S, 0, NULL);
        /* sending for more than grace without Sysmon or PowerShell: channel_missing */
        cov_unit_feed(cov, "nosysmon.corp", SEC, 4688, T0 + 2 * 3600 * S, 0, "CommandLine=y", NULL);
        cov_unit_feed(cov, "nosysmon.corp", SEC, 4688, T0 + 3 * 3600 * S + 10 * S, 0, "CommandLine=y", NULL);
        const char *kinds[] = { "silent.corp", "chsilent.corp", "audit4688.corp", "auditall.corp", "audit1.corp",
                                "imagemissing.corp", "lost.corp", "odd\"host\\/\x01\tname.corp" };
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                full_host(cov, kinds[i], T0 + 3 * 3600 * S);
        inject(cov, "silent.corp", GAP_HOST_SILENT, "*", NULL, 0, NULL);
        inject(cov, "chsilent.corp", GAP_CHANNEL_SILENT, "security", NULL, 0, NULL);
        inject(cov, "audit4688.corp", GAP_AUDIT_OFF, SEC, &e4688, 1, NULL);
        inject(cov, "auditall.corp", GAP_AUDIT_OFF, SEC, NULL, 0, NULL);
        inject(cov, "audit1.corp", GAP_AUDIT_OFF, SYSMON, &e1, 1, NULL);
        inject(cov, "imagemissing.corp", GAP_FIELD_MISSING, SYSMON, &e1, 1, "Image");
        inject(cov, "imagemissing.corp", GAP_FIELD_MISSING, PS, NULL, 0, "ScriptBlockText");
        inject(cov, "lost.corp", GAP_EVENTS_LOST, SEC, NULL, 0, NULL);
        inject(cov, "lost.corp", GAP_CHANNEL_MISSING, "Some/Other", NULL, 0, NULL);
        /* a channel no rule reads, with an odd name and more ids than kept */
        for (unsigned id = 1; id <= COVERAGE_MAX_EIDS + 5; id++)
                cov_unit_feed(cov, kinds[7], "Odd \"chan\"/x\x7f", id, T0 + 3 * 3600 * S + id * S, 0, NULL);
        /* two closed gaps: median ttr 1.5 s */
        cov_unit_feed(cov, "closes.corp", SEC, 4688, T0 + 3 * 3600 * S, 0, NULL);
        cov_unit_feed(cov, "closes.corp", SEC, 4688, T0 + 3 * 3600 * S + S, 0, "CommandLine=z", NULL);
        cov_unit_feed(cov, "closes.corp", SEC, 4688, T0 + 3 * 3600 * S + 2 * S, 0, NULL);
        cov_unit_feed(cov, "closes.corp", SEC, 4688, T0 + 3 * 3600 * S + 4 * S, 0, "CommandLine=z", NULL);
        ck_assert_ptr_nonnull(g = gap_new(GAP_SENDER_TRUNCATION, "peer:192.0.2.1", "*", NULL, 0, NULL, T0));
        gaps_open(cov->gaps, &cov->fleet_gaps, g);

        ck_assert_int_eq(same_as_tree(cov, rs, 3600 * S, T0 + 4 * 3600 * S), 18);
        /* everything live with a long grace; nothing live with an empty model */
        ck_assert_int_eq(same_as_tree(cov, rs, 24 * 3600 * S, T0), 19);
        coverage_free(cov);
        cov = coverage_new(&co);
        ck_assert_int_eq(same_as_tree(cov, rs, 3600 * S, T0), 0);
        ck_assert_int_eq(same_as_tree(cov, NULL, 3600 * S, T0), 0);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

/* 3,000 hosts x 400 rules over 8 channels: hosts send different subsets,
 * some with gaps (the groups of alike hosts), the file well beyond the
 * writer's buffer. */
START_TEST(test_many_hosts_rules)
{
        static const char *chans[] = { "security", "sysmon", "powershell", "system", "application", "taskscheduler",
                                       "windefend", "bits-client" };
        static const char *real[] = { SEC, SYSMON, PS, "System", "Application",
                                      "Microsoft-Windows-TaskScheduler/Operational",
                                      "Microsoft-Windows-Windows Defender/Operational",
                                      "Microsoft-Windows-Bits-Client/Operational" };
        char dir[256], tags[128], ls[128];
        struct ruleset *rs;
        struct coverage_opts co = { .grace_us = 3600 * S };
        struct coverage *cov;

        memset(&metrics, 0, sizeof(metrics));
        snprintf(dir, sizeof(dir), "%s/many", tmpdir);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        for (unsigned i = 0; i < 400; i++) {
                snprintf(tags, sizeof(tags), "attack.t%04u, attack.t%04u.%03u", 1000 + i % 37, 1000 + i % 11, i % 5);
                snprintf(ls, sizeof(ls), "product: windows, service: %s", chans[i % 8]);
                write_rule(dir, i, "rule", tags, ls, i % 4 ? "EventID: 4688, CommandLine|contains: 'x'"
                                                         : "Image|endswith: 'y'");
        }
        rs = load("many");
        ck_assert_uint_eq(ruleset_rule_count(rs), 400);
        cov = coverage_new(&co);
        ck_assert_ptr_nonnull(cov);
        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        for (unsigned h = 0; h < 3000; h++) {
                char name[32];
                int64_t t = T0 + (h % 50 ? 3 * 3600 * S : 0);   /* every 50th host not live */

                snprintf(name, sizeof(name), "host%05u.corp", h);
                for (unsigned c = 0; c < 8; c++)
                        if ((h * 2654435761u >> (c + 3)) & 1 || c == 0)
                                cov_unit_feed(cov, name, real[c], 4688, t + c * S, 0,
                                              h % 7 ? "CommandLine=a" : NULL, NULL);
                if (h % 13 == 0)
                        inject(cov, name, GAP_CHANNEL_SILENT, real[h % 8], NULL, 0, NULL);
        }
        ck_assert_int_eq(same_as_tree(cov, rs, 3600 * S, T0 + 4 * 3600 * S), 2940);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

/* No rule reads any channel and no host has a gap: every group key is
 * empty (found by UBSan in the client tests: no memcpy from a NULL key
 * buffer). */
START_TEST(test_hosts_without_rule_channels)
{
        char dir[256];
        struct ruleset *rs;
        struct coverage_opts co = { .grace_us = 3600 * S };
        struct coverage *cov;

        memset(&metrics, 0, sizeof(metrics));
        snprintf(dir, sizeof(dir), "%s/empty-key", tmpdir);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        rs = load("empty-key");         /* no rules */
        cov = coverage_new(&co);
        ck_assert_ptr_nonnull(cov);
        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        cov_unit_feed(cov, "app-only-1.corp", "Application", 1000, T0, 0, NULL);
        cov_unit_feed(cov, "app-only-2.corp", "Application", 1001, T0 + S, 0, NULL);
        ck_assert_int_eq(same_as_tree(cov, rs, 3600 * S, T0 + 2 * S), 2);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

static char *jsonw_text(void (*put)(struct jsonw *, const char *), const char *s)
{
        struct jsonw w;
        char *t;

        jsonw_init_mem(&w);
        put(&w, s);
        ck_assert_int_eq(jsonw_finish(&w), 0);
        ck_assert_ptr_nonnull(t = strndup(w.buf, w.len));
        jsonw_fini(&w);
        return t;
}

static void put_str(struct jsonw *w, const char *s)
{
        jsonw_str(w, s);
}

static void put_obj(struct jsonw *w, const char *s)
{
        jsonw_lit(w, "{");
        jsonw_key(w, s, 1);
        jsonw_lit(w, "0");
        jsonw_key(w, "b", 0);
        jsonw_lit(w, "1}");
}

/* every byte value, alone and between others, as a string and as a key */
START_TEST(test_jsonw_escapes_as_json_c)
{
        for (unsigned c = 1; c < 256; c++) {
                char s[8];
                struct json_object *o, *k;
                char *got;

                snprintf(s, sizeof(s), "a%cb%c", (char)c, (char)c);
                ck_assert_ptr_nonnull(o = json_object_new_string(s));
                got = jsonw_text(put_str, s);
                ck_assert_msg(strcmp(got, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) == 0,
                              "byte 0x%02x: %s", c, got);
                free(got);
                json_object_put(o);
                ck_assert_ptr_nonnull(k = json_object_new_object());
                json_object_object_add(k, s, json_object_new_int(0));
                json_object_object_add(k, "b", json_object_new_int(1));
                got = jsonw_text(put_obj, s);
                ck_assert_str_eq(got, json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN));
                free(got);
                json_object_put(k);
        }
}
END_TEST

/* numbers, and a text longer than the fd writer's buffer */
START_TEST(test_jsonw_numbers_and_fd)
{
        static const double d[] = { 0, 1, 0.5, 1.0 / 3, 2.0 / 3, 1e-7, 123456.789, 90, 1.5, 0.1 + 0.2 };
        static const int64_t i[] = { 0, -1, INT64_MAX, INT64_MIN, 4688 };
        struct jsonw w;
        char path[512], *big, *got;
        int fd;

        for (size_t k = 0; k < sizeof(d) / sizeof(d[0]); k++) {
                struct json_object *o = d[k] == (double)(int64_t)d[k] ? json_object_new_int64((int64_t)d[k])
                                                                     : json_object_new_double(d[k]);

                jsonw_init_mem(&w);
                jsonw_num(&w, d[k]);
                ck_assert_int_eq(jsonw_finish(&w), 0);
                ck_assert_int_eq((int)w.len, (int)strlen(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)));
                ck_assert(memcmp(w.buf, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), w.len) == 0);
                jsonw_fini(&w);
                json_object_put(o);
        }
        for (size_t k = 0; k < sizeof(i) / sizeof(i[0]); k++) {
                struct json_object *o = json_object_new_int64(i[k]);

                jsonw_init_mem(&w);
                jsonw_i64(&w, i[k]);
                ck_assert_int_eq(jsonw_finish(&w), 0);
                ck_assert(w.len == strlen(json_object_to_json_string(o)) &&
                          memcmp(w.buf, json_object_to_json_string(o), w.len) == 0);
                jsonw_fini(&w);
                json_object_put(o);
        }

        ck_assert_ptr_nonnull(big = malloc(300001));
        for (size_t k = 0; k < 300000; k++)
                big[k] = "ab/\"c\n"[k % 6];
        big[300000] = '\0';
        snprintf(path, sizeof(path), "%s/big.json", tmpdir);
        ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
        ck_assert_int_eq(jsonw_init_fd(&w, fd), 0);
        jsonw_lit(&w, "[");
        jsonw_str(&w, big);
        jsonw_lit(&w, ",");
        jsonw_raw(&w, big, 300000);     /* raw, longer than the buffer */
        ck_assert_int_eq(jsonw_finish(&w), 0);
        jsonw_fini(&w);
        close(fd);
        got = read_file("big.json");
        {
                struct json_object *o = json_object_new_string(big);
                const char *want = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
                size_t n = strlen(want);

                ck_assert_int_eq(got[0], '[');
                ck_assert(strncmp(got + 1, want, n) == 0);
                ck_assert_int_eq(got[1 + n], ',');
                ck_assert(strcmp(got + 2 + n, big) == 0);
                json_object_put(o);
        }
        free(got);
        free(big);
}
END_TEST

/* a failing write: the error is sticky and nothing is published */
START_TEST(test_jsonw_write_error)
{
        struct jsonw w;
        int fd = open("/dev/full", O_WRONLY);

        if (fd < 0) {
                fprintf(stderr, "no /dev/full: skipped\n");
                return;
        }
        ck_assert_int_eq(jsonw_init_fd(&w, fd), 0);
        for (int i = 0; i < 20000; i++)
                jsonw_lit(&w, "0123456789");
        ck_assert_int_eq(jsonw_finish(&w), -ENOSPC);
        jsonw_i64(&w, 1);
        ck_assert_int_eq(jsonw_finish(&w), -ENOSPC);
        jsonw_fini(&w);
        close(fd);
}
END_TEST

static Suite *report_suite(void)
{
        Suite *s = suite_create("report");
        TCase *tc = tcase_create("stream");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_stream_equals_tree);
        tcase_add_test(tc, test_many_hosts_rules);
        tcase_add_test(tc, test_hosts_without_rule_channels);
        suite_add_tcase(s, tc);
        tc = tcase_create("jsonw");
        tcase_add_test(tc, test_jsonw_escapes_as_json_c);
        tcase_add_test(tc, test_jsonw_numbers_and_fd);
        tcase_add_test(tc, test_jsonw_write_error);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        int r;

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        r = unit_run(report_suite());
        {
                char cmd[300];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
                if (system(cmd) != 0)
                        fprintf(stderr, "could not remove %s\n", tmpdir);
        }
        return r;
}
