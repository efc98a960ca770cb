/* metrics.c: the Prometheus exposition and the reason names.
 *
 * Every family DESIGN §3.4 names that spoord implements today must be
 * rendered with HELP and TYPE, every sample line must be valid text format
 * 0.0.4, and each labelled sample must carry the counter it claims to. */
#include <check.h>
#include "unit.h"
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/metrics.h"

/* A rendering, split into lines (the buffer is owned, lines point into it). */
struct rendered {
        char *text;
        size_t len;
        char **lines;
        size_t nlines;
};

static void rendered_free(struct rendered *r)
{
        free(r->lines);
        free(r->text);
        memset(r, 0, sizeof(*r));
}

static void render(struct rendered *r)
{
        FILE *f;
        size_t cap = 0;

        memset(r, 0, sizeof(*r));
        f = open_memstream(&r->text, &r->len);
        ck_assert_ptr_nonnull(f);
        metrics_render(f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_msg(r->len > 0, "metrics_render wrote nothing");
        ck_assert_msg(r->text[r->len - 1] == '\n', "the exposition must end with a newline");
        for (char *p = r->text, *nl; *p; p = nl + 1) {
                nl = strchr(p, '\n');
                ck_assert_ptr_nonnull(nl);
                *nl = '\0';
                if (r->nlines == cap) {
                        cap = cap ? 2 * cap : 64;
                        r->lines = realloc(r->lines, cap * sizeof(*r->lines));
                        ck_assert_ptr_nonnull(r->lines);
                }
                r->lines[r->nlines++] = p;
        }
}

/* The line index of an exact line, or -1. */
static long find_line(const struct rendered *r, const char *line)
{
        for (size_t i = 0; i < r->nlines; i++)
                if (strcmp(r->lines[i], line) == 0)
                        return (long)i;
        return -1;
}

/* The line index of the first line starting with prefix, or -1. */
static long find_prefix(const struct rendered *r, const char *prefix)
{
        size_t n = strlen(prefix);

        for (size_t i = 0; i < r->nlines; i++)
                if (strncmp(r->lines[i], prefix, n) == 0)
                        return (long)i;
        return -1;
}

/* The value of the sample "name{labels}" (labels may be NULL); fails the
 * test when the sample is absent or appears twice. */
static uint64_t sample(const struct rendered *r, const char *name, const char *labels)
{
        char key[256];
        size_t n;
        long at = -1;
        uint64_t v = 0;

        if (labels)
                n = (size_t)snprintf(key, sizeof(key), "%s{%s} ", name, labels);
        else
                n = (size_t)snprintf(key, sizeof(key), "%s ", name);
        for (size_t i = 0; i < r->nlines; i++) {
                if (strncmp(r->lines[i], key, n) != 0)
                        continue;
                ck_assert_msg(at < 0, "sample %s appears twice", key);
                at = (long)i;
                v = strtoull(r->lines[i] + n, NULL, 10);
        }
        ck_assert_msg(at >= 0, "sample \"%s\" is missing", key);
        return v;
}

static void metrics_setup(void)
{
        memset(&metrics, 0, sizeof(metrics));
}

/* ---- families ---------------------------------------------------------- */

static const struct family {
        const char *name;
        const char *type;
} families[] = {
        /* DESIGN §3.4, the part spoord implements today */
        { "spoor_events_received_total", "counter" },
        { "spoor_events_accepted_total", "counter" },
        { "spoor_events_rejected_total", "counter" },
        { "spoor_events_late_total", "counter" },
        { "spoor_frames_total", "counter" },
        { "spoor_connections_active", "gauge" },
        { "spoor_connections_rejected_total", "counter" },
        { "spoor_reloads_total", "counter" },
        /* spoord's own additions */
        { "spoor_connections_accepted_total", "counter" },
        { "spoor_connections_closed_total", "counter" },
        { "spoor_bytes_received_total", "counter" },
        { "spoor_frames_empty_total", "counter" },
        { "spoor_events_dialect_total", "counter" },
};

START_TEST(test_families)
{
        struct rendered r;

        render(&r);
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                const struct family *f = &families[i];
                char help[160], type[160], first[160];
                long h, t, s;

                snprintf(help, sizeof(help), "# HELP %s ", f->name);
                snprintf(type, sizeof(type), "# TYPE %s %s", f->name, f->type);
                h = find_prefix(&r, help);
                t = find_line(&r, type);
                ck_assert_msg(h >= 0, "%s: no HELP line", f->name);
                ck_assert_msg(strlen(r.lines[h]) > strlen(help), "%s: empty HELP text", f->name);
                ck_assert_msg(t >= 0, "%s: no \"%s\" line", f->name, type);
                /* the first sample of the family comes after its HELP and TYPE */
                snprintf(first, sizeof(first), "%s ", f->name);
                s = find_prefix(&r, first);
                if (s < 0) {
                        snprintf(first, sizeof(first), "%s{", f->name);
                        s = find_prefix(&r, first);
                }
                ck_assert_msg(s >= 0, "%s: no sample", f->name);
                ck_assert_msg(h < s && t < s, "%s: HELP/TYPE after the first sample", f->name);
        }
        rendered_free(&r);
}
END_TEST

/* ---- text format ------------------------------------------------------- */

#define NAME_RE "[a-zA-Z_:][a-zA-Z0-9_:]*"
#define LABEL_RE "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\"\\\\n])*\""
#define SAMPLE_RE "^(" NAME_RE ")(\\{" LABEL_RE "(," LABEL_RE ")*\\})? (-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN)$"
#define HELP_RE "^# HELP " NAME_RE " [^ ].*$"
#define TYPE_RE "^# TYPE (" NAME_RE ") (counter|gauge|histogram|summary|untyped)$"

START_TEST(test_text_format)
{
        struct rendered r;
        regex_t sample_re, help_re, type_re;
        char typed[128][128];
        size_t ntyped = 0;

        /* non-zero values everywhere, so a wrong format specifier shows */
        metrics.events_received = UINT64_MAX;
        metrics.connections_active = 3;
        for (size_t i = 0; i < _REJ_MAX; i++)
                metrics.events_rejected[i] = 1000000000000u + i;
        metrics.start_us = 1764000000123456;

        ck_assert_int_eq(regcomp(&sample_re, SAMPLE_RE, REG_EXTENDED), 0);
        ck_assert_int_eq(regcomp(&help_re, HELP_RE, REG_EXTENDED | REG_NOSUB), 0);
        ck_assert_int_eq(regcomp(&type_re, TYPE_RE, REG_EXTENDED), 0);
        render(&r);
        for (size_t i = 0; i < r.nlines; i++) {
                const char *l = r.lines[i];
                regmatch_t m[2];

                if (strncmp(l, "# HELP ", 7) == 0) {
                        ck_assert_msg(regexec(&help_re, l, 0, NULL, 0) == 0, "bad HELP line: %s", l);
                } else if (strncmp(l, "# TYPE ", 7) == 0) {
                        ck_assert_msg(regexec(&type_re, l, 2, m, 0) == 0, "bad TYPE line: %s", l);
                        ck_assert(ntyped < ELEMENTSOF(typed));
                        snprintf(typed[ntyped], sizeof(typed[0]), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
                                 l + m[1].rm_so);
                        for (size_t j = 0; j < ntyped; j++)
                                ck_assert_msg(strcmp(typed[j], typed[ntyped]) != 0, "TYPE %s twice",
                                              typed[ntyped]);
                        ntyped++;
                } else {
                        char name[128];
                        bool known = false;

                        ck_assert_msg(regexec(&sample_re, l, 2, m, 0) == 0, "bad sample line: \"%s\"", l);
                        snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), l + m[1].rm_so);
                        /* a sample belongs to the family TYPEd last */
                        ck_assert_msg(ntyped > 0 && strcmp(typed[ntyped - 1], name) == 0,
                                      "sample %s outside its family (last TYPE %s)", name,
                                      ntyped ? typed[ntyped - 1] : "none");
                        for (size_t j = 0; j < ntyped; j++)
                                known |= strcmp(typed[j], name) == 0;
                        ck_assert(known);
                }
        }
        ck_assert_uint_eq(sample(&r, "spoor_events_received_total", NULL), UINT64_MAX);
        ck_assert_uint_eq(sample(&r, "spoor_connections_active", NULL), 3);
        ck_assert_uint_eq(sample(&r, "spoor_start_time_seconds", NULL), 1764000000);
        regfree(&sample_re);
        regfree(&help_re);
        regfree(&type_re);
        rendered_free(&r);
}
END_TEST

/* ---- labelled samples carry their own counter --------------------------- */

START_TEST(test_rejected_by_reason)
{
        struct rendered r;
        char label[96];

        for (int i = 1; i < _REJ_MAX; i++)
                metrics.events_rejected[i] = 100 + (uint64_t)i;
        render(&r);
        for (int i = 1; i < _REJ_MAX; i++) {
                snprintf(label, sizeof(label), "reason=\"%s\"", reject_reason_name(i));
                ck_assert_uint_eq(sample(&r, "spoor_events_rejected_total", label), 100 + (uint64_t)i);
        }
        rendered_free(&r);
}
END_TEST

START_TEST(test_frames_by_framing)
{
        struct rendered r;

        metrics.frames[FRAME_METHOD_LF] = 7;
        metrics.frames[FRAME_METHOD_OCTET] = 11;
        render(&r);
        ck_assert_uint_eq(sample(&r, "spoor_frames_total", "framing=\"lf\""), 7);
        ck_assert_uint_eq(sample(&r, "spoor_frames_total", "framing=\"octet\""), 11);
        rendered_free(&r);
}
END_TEST

START_TEST(test_connections)
{
        static const struct {
                enum conn_reject_reason r;
                const char *name;
        } names[] = {
                { CONN_REJ_MAX_CONNECTIONS, "max_connections" },
                { CONN_REJ_MAX_PER_PEER, "max_connections_per_peer" },
                { CONN_REJ_MAX_HANDSHAKES, "max_handshakes" },
                { CONN_REJ_TLS_ON_PLAIN, "tls_on_plain_port" },
                { CONN_REJ_ACCEPT_ERROR, "accept_error" },
        };
        struct rendered r;
        char label[96];

        ck_assert_uint_eq(ELEMENTSOF(names), _CONN_REJ_MAX);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                metrics.connections_rejected[names[i].r] = 20 + i;
        metrics.connections_active = 5;
        metrics.connections_accepted = 9;
        metrics.connections_closed[CONN_CLOSE_IDLE] = 4;
        render(&r);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                ck_assert_str_eq(conn_reject_reason_name(names[i].r), names[i].name);
                snprintf(label, sizeof(label), "reason=\"%s\"", names[i].name);
                ck_assert_uint_eq(sample(&r, "spoor_connections_rejected_total", label), 20 + i);
        }
        ck_assert_uint_eq(sample(&r, "spoor_connections_active", NULL), 5);
        ck_assert_uint_eq(sample(&r, "spoor_connections_accepted_total", NULL), 9);
        ck_assert_uint_eq(sample(&r, "spoor_connections_closed_total", "reason=\"idle_timeout\""), 4);
        rendered_free(&r);
}
END_TEST

START_TEST(test_reloads_and_late)
{
        struct rendered r;

        metrics.reloads_ok = 2;
        metrics.reloads_failed = 3;
        metrics.events_late = 13;
        metrics.events_accepted = 17;
        render(&r);
        ck_assert_uint_eq(sample(&r, "spoor_reloads_total", "result=\"ok\""), 2);
        ck_assert_uint_eq(sample(&r, "spoor_reloads_total", "result=\"failed\""), 3);
        ck_assert_uint_eq(sample(&r, "spoor_events_late_total", NULL), 13);
        ck_assert_uint_eq(sample(&r, "spoor_events_accepted_total", NULL), 17);
        rendered_free(&r);
}
END_TEST

/* The conservation law must hold for what Prometheus sees, not only for
 * metrics_rejected_total(): the rendered rejected samples sum to it. */
static uint64_t rendered_rejected_sum(const struct rendered *r)
{
        static const char p[] = "spoor_events_rejected_total{";
        uint64_t sum = 0;

        for (size_t i = 0; i < r->nlines; i++)
                if (strncmp(r->lines[i], p, sizeof(p) - 1) == 0)
                        sum += strtoull(strrchr(r->lines[i], ' ') + 1, NULL, 10);
        return sum;
}

START_TEST(test_rendered_balance)
{
        struct rendered r;

        for (int i = 1; i < _REJ_MAX; i++)
                metrics.events_rejected[i] = (uint64_t)i;
        metrics.events_accepted = 1000;
        metrics.events_received = metrics.events_accepted + metrics_rejected_total();
        render(&r);
        ck_assert_uint_eq(rendered_rejected_sum(&r), metrics_rejected_total());
        ck_assert_uint_eq(sample(&r, "spoor_events_received_total", NULL),
                          sample(&r, "spoor_events_accepted_total", NULL) + rendered_rejected_sum(&r));
        rendered_free(&r);
}
END_TEST

/* Regression: a rejection the pipeline could not attribute (decoder
 * -ENOMEM) once landed in events_rejected[REJ_NONE], which
 * metrics_rejected_total() summed but /metrics never showed.  Such
 * rejections are now reason="internal", and the total skips REJ_NONE. */
START_TEST(test_rendered_sum_is_total)
{
        struct rendered r;

        metrics.events_rejected[REJ_NONE] = 1;
        metrics.events_received = 1;
        render(&r);
        ck_assert_msg(rendered_rejected_sum(&r) == metrics_rejected_total(),
                      "metrics_rejected_total() counts a slot /metrics does not show "
                      "(rendered sum %llu)",
                      (unsigned long long)rendered_rejected_sum(&r));
        rendered_free(&r);
}
END_TEST

/* ---- names ------------------------------------------------------------- */

static bool snake_case(const char *s)
{
        static regex_t re;
        static bool compiled;

        if (!compiled) {
                ck_assert_int_eq(regcomp(&re, "^[a-z][a-z0-9]*(_[a-z0-9]+)*$", REG_EXTENDED | REG_NOSUB), 0);
                compiled = true;
        }
        return regexec(&re, s, 0, NULL, 0) == 0;
}

START_TEST(test_reject_names)
{
        for (int i = 1; i < _REJ_MAX; i++) {
                const char *n = reject_reason_name(i);

                ck_assert_ptr_nonnull(n);
                ck_assert_msg(snake_case(n), "reason %d: \"%s\" is not snake_case", i, n);
                ck_assert_msg(strcmp(n, "unknown") != 0 && strcmp(n, "none") != 0,
                              "reason %d has no name of its own (\"%s\")", i, n);
                for (int j = 1; j < i; j++)
                        ck_assert_msg(strcmp(n, reject_reason_name(j)) != 0, "reasons %d and %d are both \"%s\"",
                                      j, i, n);
        }
        /* the names the tests and dashboards use */
        ck_assert_str_eq(reject_reason_name(REJ_OVERSIZE), "oversize");
        ck_assert_str_eq(reject_reason_name(REJ_BAD_OCTET_COUNT), "bad_octet_count");
        ck_assert_str_eq(reject_reason_name(REJ_TRUNCATED), "truncated");
        ck_assert_str_eq(reject_reason_name(REJ_NOT_JSON), "not_json");
        /* out of range: a name safe to print, never NULL */
        ck_assert_ptr_nonnull(reject_reason_name(_REJ_MAX));
        ck_assert_ptr_nonnull(reject_reason_name(_REJ_INVALID));
        ck_assert_ptr_nonnull(reject_reason_name((enum reject_reason)100000));
        ck_assert_ptr_nonnull(conn_reject_reason_name(_CONN_REJ_MAX));
        ck_assert_ptr_nonnull(conn_close_reason_name(_CONN_CLOSE_MAX));
}
END_TEST

START_TEST(test_conn_names)
{
        for (int i = 0; i < _CONN_REJ_MAX; i++) {
                ck_assert(snake_case(conn_reject_reason_name(i)));
                for (int j = 0; j < i; j++)
                        ck_assert_str_ne(conn_reject_reason_name(i), conn_reject_reason_name(j));
        }
        for (int i = 0; i < _CONN_CLOSE_MAX; i++) {
                ck_assert(snake_case(conn_close_reason_name(i)));
                for (int j = 0; j < i; j++)
                        ck_assert_str_ne(conn_close_reason_name(i), conn_close_reason_name(j));
        }
}
END_TEST

static Suite *metrics_suite(void)
{
        Suite *s = suite_create("metrics");
        const struct {
                const char *name;
                const TTest *fn;
        } tc[] = {
                { "families", test_families },
                { "text_format", test_text_format },
                { "rejected_by_reason", test_rejected_by_reason },
                { "frames_by_framing", test_frames_by_framing },
                { "connections", test_connections },
                { "reloads_and_late", test_reloads_and_late },
                { "rendered_balance", test_rendered_balance },
                { "rendered_sum_is_total", test_rendered_sum_is_total },
                { "reject_names", test_reject_names },
                { "conn_names", test_conn_names },
        };

        for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
                TCase *t = tcase_create(tc[i].name);

                tcase_add_checked_fixture(t, metrics_setup, NULL);
                tcase_add_test(t, tc[i].fn);
                suite_add_tcase(s, t);
        }
        return s;
}

int main(void)
{
        return unit_run(metrics_suite());
}
