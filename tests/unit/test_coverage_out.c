/* daemon/coverage/report.c: coverage.json and the ATT&CK Navigator layer
 * rendered from a small model and ruleset, parsed back with json-c; the
 * atomic publication (state_publish). */
#include <check.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "spoor/coverage.h"
#include "spoor/metrics.h"
#include "spoor/report.h"
#include "spoor/ruleset.h"
#include "spoor/state.h"
#include "spoor/winevent.h"
#include "unit.h"

#define S INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define R1 "00000000-0000-4000-8000-0000000000e1"
#define R2 "00000000-0000-4000-8000-0000000000e2"

static char tmpdir[] = "/tmp/spoor-covout.XXXXXX";

static void write_file(const char *name, const char *text)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        ck_assert_ptr_nonnull(f = fopen(path, "w"));
        fputs(text, f);
        fclose(f);
}

static struct ruleset *load_rules(void)
{
        char dir[256];
        char *paths[1] = { dir };
        struct ruleset_opts o = { .paths = paths, .npaths = 1 };
        struct ruleset_report rep;
        struct ruleset *rs = NULL;

        snprintf(dir, sizeof(dir), "%s/rules", tmpdir);
        mkdir(dir, 0700);
        write_file("rules/r1.yml", "title: schtasks (Sysmon)\nid: " R1 "\nstatus: stable\n"
                   "tags: [attack.execution, attack.t1053.005]\n"
                   "logsource: {product: windows, service: sysmon}\n"
                   "detection:\n  sel: {EventID: 1, Image|endswith: '\\schtasks.exe'}\n  condition: sel\n");
        write_file("rules/r2.yml", "title: encoded command line\nid: " R2 "\nstatus: test\n"
                   "tags: [attack.T1059]\n"
                   "logsource: {product: windows, service: security}\n"
                   "detection:\n  sel: {EventID: 4688, CommandLine|contains: ' -enc '}\n  condition: sel\n");
        ck_assert_int_eq(ruleset_load(&o, &rs, &rep), 0);
        ck_assert_uint_eq(rep.loaded, 2);
        ruleset_report_fini(&rep);
        return rs;
}

static void feed(struct coverage *cov, const char *host, const char *channel, unsigned id, int64_t t,
                 const char *cmdline)
{
        struct winevent ev;

        winevent_init(&ev);
        snprintf(ev.host, sizeof(ev.host), "%s", host);
        ev.channel = channel;
        ev.provider = "";
        ev.event_id = id;
        ev.time_us = ev.recv_us = t;
        if (cmdline)
                ck_assert_int_eq(winevent_set_field(&ev, "CommandLine", 11, cmdline, strlen(cmdline)), 0);
        coverage_event(cov, &ev);
        winevent_free(&ev);
}

static struct json_object *get(struct json_object *o, const char *path)
{
        char buf[256], *save = NULL;

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *k = strtok_r(buf, "/", &save); k; k = strtok_r(NULL, "/", &save)) {
                struct json_object *v = NULL;

                ck_assert_msg(json_object_object_get_ex(o, k, &v), "no key %s in %s", k, path);
                o = v;
        }
        return o;
}

static int64_t num(struct json_object *o, const char *path)
{
        struct json_object *v = get(o, path);

        ck_assert_msg(json_object_is_type(v, json_type_int), "%s is not an integer", path);
        return json_object_get_int64(v);
}

static const char *str(struct json_object *o, const char *path)
{
        struct json_object *v = get(o, path);

        ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", path);
        return json_object_get_string(v);
}

/* h1 sends what both rules need; h2 sends 4688 without a command line
 * (field_missing) and no Sysmon; h3 went quiet more than 2 x grace before
 * the newest event: not live. */
static struct coverage *model(struct ruleset *rs)
{
        struct coverage_opts co = { .grace_us = 3600 * S };
        struct coverage *cov = coverage_new(&co);

        ck_assert_ptr_nonnull(cov);
        ck_assert_int_eq(coverage_set_rules(cov, rs), 0);
        feed(cov, "h3.corp", "Security", 4688, T0, "a.exe");
        feed(cov, "h1.corp", "Security", 4688, T0 + 3 * 3600 * S, "a.exe");
        feed(cov, "h1.corp", SYSMON, 1, T0 + 3 * 3600 * S + S, NULL);
        feed(cov, "h2.corp", "Security", 4688, T0 + 3 * 3600 * S, NULL);
        return cov;
}

START_TEST(test_coverage_json)
{
        struct ruleset *rs = load_rules();
        struct coverage *cov;
        struct json_object *c, *l, *v;
        char *text;

        memset(&metrics, 0, sizeof(metrics));
        metrics.leads[2][2] = 3;        /* escalations */
        metrics.leads[4][2] = 1;
        cov = model(rs);
        ck_assert_int_eq(report_render(cov, rs, 3600 * S, T0 + 4 * 3600 * S, &c, &l), 0);
        /* round trip through the text, as a reader sees it */
        text = strdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
        json_object_put(c);
        ck_assert_ptr_nonnull(c = json_tokener_parse(text));
        free(text);

        ck_assert_str_eq(str(c, "generated"), "2026-11-22T14:00:00.000Z");
        ck_assert_int_eq(json_object_object_length(get(c, "hosts")), 3);
        ck_assert(json_object_get_boolean(get(c, "hosts/h1.corp/live")));
        ck_assert(json_object_get_boolean(get(c, "hosts/h2.corp/live")));
        ck_assert(!json_object_get_boolean(get(c, "hosts/h3.corp/live")));
        ck_assert_str_eq(str(c, "hosts/h1.corp/first_seen"), "2026-11-22T13:00:00.000Z");
        ck_assert_str_eq(str(c, "hosts/h1.corp/last_seen"), "2026-11-22T13:00:01.000Z");
        ck_assert_int_eq(num(c, "hosts/h1.corp/channels/Security/count"), 1);
        ck_assert(json_object_object_get_ex(get(c, "hosts/h1.corp/channels"), SYSMON, &v));
        ck_assert_str_eq(str(v, "last_seen"), "2026-11-22T13:00:01.000Z");
        ck_assert_int_eq(num(v, "count"), 1);
        ck_assert_int_eq(json_object_array_length(get(c, "hosts/h1.corp/open_gaps")), 0);
        v = get(c, "hosts/h2.corp/open_gaps");
        ck_assert_int_eq(json_object_array_length(v), 1);
        ck_assert_int_eq(strlen(str(json_object_array_get_idx(v, 0), "id")), 32);
        ck_assert_str_eq(str(json_object_array_get_idx(v, 0), "kind"), "field_missing");

        ck_assert_str_eq(str(c, "rules/" R1 "/title"), "schtasks (Sysmon)");
        ck_assert_int_eq(num(c, "rules/" R1 "/can_fire_hosts"), 1);
        ck_assert_int_eq(num(c, "rules/" R1 "/live_hosts"), 2);
        v = get(c, "rules/" R1 "/share");
        ck_assert(json_object_is_type(v, json_type_double));
        ck_assert(json_object_get_double(v) == 0.5);
        /* h2 sends Security, but no command line: R2 cannot fire there */
        ck_assert_int_eq(num(c, "rules/" R2 "/can_fire_hosts"), 1);

        ck_assert_int_eq(num(c, "fleet/hosts"), 3);
        ck_assert_int_eq(num(c, "fleet/live_hosts"), 2);
        ck_assert_int_eq(num(c, "fleet/gaps_open"), 1);
        ck_assert_int_eq(num(c, "fleet/gaps_closed"), 0);
        ck_assert(json_object_is_type(get(c, "fleet/median_ttr_seconds"), json_type_null));
        ck_assert_int_eq(num(c, "fleet/rules_loaded"), 2);
        ck_assert_int_eq(num(c, "fleet/rules_stable"), 1);
        ck_assert_int_eq(num(c, "fleet/escalations"), 4);

        /* the gap closes: ttr counted */
        feed(cov, "h2.corp", "Security", 4688, T0 + 3 * 3600 * S + 90 * S, "b.exe");
        json_object_put(c);
        json_object_put(l);
        ck_assert_int_eq(report_render(cov, rs, 3600 * S, T0, &c, &l), 0);
        ck_assert_int_eq(num(c, "fleet/gaps_closed"), 1);
        ck_assert_int_eq(num(c, "fleet/median_ttr_seconds"), 90);
        ck_assert_int_eq(num(c, "rules/" R2 "/can_fire_hosts"), 2);
        json_object_put(c);
        json_object_put(l);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

START_TEST(test_attack_layer)
{
        struct ruleset *rs = load_rules();
        struct coverage *cov;
        struct json_object *c, *l, *techs, *v;
        regex_t re;
        bool seen1 = false, seen2 = false;

        memset(&metrics, 0, sizeof(metrics));
        cov = model(rs);
        ck_assert_int_eq(report_render(cov, rs, 3600 * S, T0, &c, &l), 0);
        ck_assert_int_eq(regcomp(&re, "^T[0-9]{4}(\\.[0-9]{3})?$", REG_EXTENDED | REG_NOSUB), 0);
        ck_assert_str_eq(str(l, "name"), "spoor coverage");
        ck_assert(json_object_is_type(get(l, "versions"), json_type_object));
        ck_assert_str_eq(str(l, "versions/layer"), "4.5");
        ck_assert_str_eq(str(l, "versions/attack"), "14");
        ck_assert_str_eq(str(l, "domain"), "enterprise-attack");
        (void)str(l, "description");
        ck_assert(json_object_is_type(get(l, "gradient/colors"), json_type_array));
        ck_assert(json_object_is_type(get(l, "legendItems"), json_type_array));
        ck_assert(json_object_is_type(get(l, "selectTechniquesAcrossTactics"), json_type_boolean));
        techs = get(l, "techniques");
        ck_assert(json_object_is_type(techs, json_type_array));
        ck_assert_int_eq(json_object_array_length(techs), 2);
        for (size_t i = 0; i < json_object_array_length(techs); i++) {
                struct json_object *t = json_object_array_get_idx(techs, i);
                const char *id = str(t, "techniqueID"), *comment = str(t, "comment");
                int64_t score;

                ck_assert(json_object_is_type(t, json_type_object));
                ck_assert_msg(regexec(&re, id, 0, NULL, 0) == 0, "techniqueID %s", id);
                v = get(t, "score");
                ck_assert(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
                score = json_object_get_int64(v);
                ck_assert(score >= 0 && score <= 100);
                if (strcmp(id, "T1053.005") == 0) {
                        seen1 = true;
                        ck_assert_int_eq(score, 50);
                        ck_assert_str_eq(comment, "rules: 1; blinded on 1 hosts by: not sent yet");
                } else if (strcmp(id, "T1059") == 0) {
                        seen2 = true;
                        ck_assert_int_eq(score, 50);
                        ck_assert_str_eq(comment, "rules: 1; blinded on 1 hosts by: field_missing");
                }
        }
        ck_assert(seen1 && seen2);
        regfree(&re);
        json_object_put(c);
        json_object_put(l);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

/* report_write publishes both files whole; no temporary file remains */
START_TEST(test_report_write)
{
        struct ruleset *rs = load_rules();
        struct coverage *cov;
        char path[256];
        int dirfd;

        memset(&metrics, 0, sizeof(metrics));
        cov = model(rs);
        ck_assert_int_ge(dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY), 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(report_write(dirfd, cov, rs, 3600 * S, T0), 0);
        for (int i = 0; i < 2; i++) {
                const char *name = i ? REPORT_LAYER_FILE : REPORT_COVERAGE_FILE;
                struct json_object *o;

                snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
                ck_assert_ptr_nonnull(o = json_object_from_file(path));
                json_object_put(o);
                snprintf(path, sizeof(path), "%s/%s.tmp", tmpdir, name);
                ck_assert_int_ne(access(path, F_OK), 0);
        }
        close(dirfd);
        coverage_free(cov);
        ruleset_free(rs);
}
END_TEST

static Suite *coverage_out_suite(void)
{
        Suite *s = suite_create("coverage_out");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_coverage_json);
        tcase_add_test(tc, test_attack_layer);
        tcase_add_test(tc, test_report_write);
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
        r = unit_run(coverage_out_suite());
        {
                char cmd[300];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", tmpdir);
        }
        return r;
}
