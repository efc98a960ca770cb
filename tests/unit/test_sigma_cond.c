/* sigma_cond.c: grammar, errors, Kleene evaluation, short-circuit, and every
 * condition of SigmaHQ's Windows rules (when ../shared is present). */
#include <check.h>
#include "unit.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/sigma_cond.h"
#include "spoor/yaml.h"

static const char *const names[] = {
        "a", "b", "c", "selection", "selection_img", "selection_cli", "filter_main_x", "filter_optional_y",
        "_hidden", "_filter_z", "sel-dash", "sel.dot",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

/* ---- grammar ---- */

static const struct {
        const char *text;
        const char *canon;
} parse_ok[] = {
        { "a", "a" },
        { "a or b and not c", "(a or (b and not c))" },
        { "a and b or c", "((a and b) or c)" },
        { "not a and b", "(not a and b)" },
        { "not (a and b)", "not (a and b)" },
        { "not not a", "not not a" },
        { "(a or b) and c", "((a or b) and c)" },
        { "a or (b or c)", "(a or b or c)" },
        { "a and b and c", "(a and b and c)" },
        { "((a))", "a" },
        { "  a\tAND\nb ", "(a and b)" },
        { "a Or Not b", "(a or not b)" },
        { "1 of selection*", "(selection or selection_img or selection_cli)" },
        { "all of selection_*", "(selection_img and selection_cli)" },
        { "any of selection_*", "(selection_img or selection_cli)" },
        { "ALL OF selection_*", "(selection_img and selection_cli)" },
        { "1 of them",
          "(a or b or c or selection or selection_img or selection_cli or filter_main_x or filter_optional_y or "
          "sel-dash or sel.dot)" },
        { "all of *_x", "filter_main_x" },
        { "1 of sel*n*", "(selection or selection_img or selection_cli)" },
        { "1 of *", "(a or b or c or selection or selection_img or selection_cli or filter_main_x or "
                    "filter_optional_y or sel-dash or sel.dot)" },
        { "selection and not 1 of filter_main_* and not 1 of filter_optional_*",
          "(selection and not filter_main_x and not filter_optional_y)" },
        { "all of selection_* and not 1 of filter*", "(selection_img and selection_cli and not (filter_main_x or "
                                                     "filter_optional_y))" },
        { "_hidden and not _filter_z", "(_hidden and not _filter_z)" },
        { "sel-dash or sel.dot", "(sel-dash or sel.dot)" },
        { "1 of a", "a" },
};

START_TEST(test_grammar)
{
        struct cond_node *n;
        char err[256], buf[512];

        for (size_t i = 0; i < sizeof(parse_ok) / sizeof(parse_ok[0]); i++) {
                int r = cond_parse(parse_ok[i].text, names, NNAMES, &n, err, sizeof(err));
                ck_assert_msg(r == 0, "'%s': %d %s", parse_ok[i].text, r, err);
                ck_assert_str_eq(cond_format(n, names, buf, sizeof(buf)), parse_ok[i].canon);
                cond_free(n);
        }
}
END_TEST

static const struct {
        const char *text;
        int error;
        const char *msg;
} parse_bad[] = {
        { "", -EINVAL, "condition: empty condition" },
        { "   ", -EINVAL, "condition: empty condition" },
        { "a and selction", -EINVAL, "condition: unknown identifier 'selction' at 7" },
        { "a and", -EINVAL, "condition: expected an identifier at 6, got end of condition" },
        { "a b", -EINVAL, "condition: unexpected 'b' at 3" },
        { "(a or b", -EINVAL, "condition: missing ')' for '(' at 1, got end of condition at 8" },
        { "a)", -EINVAL, "condition: unexpected ')' at 2" },
        { "()", -EINVAL, "condition: expected an identifier at 2, got ')'" },
        { "not", -EINVAL, "condition: expected an identifier at 4, got end of condition" },
        { "1 of nothing*", -EINVAL, "condition: pattern 'nothing*' at 6 matches no identifier" },
        { "1 of _filter*", -EINVAL,
          "condition: pattern '_filter*' at 6 matches no identifier (names starting with '_' are excluded)" },
        { "1 of _hidden", -EINVAL,
          "condition: pattern '_hidden' at 6 matches no identifier (names starting with '_' are excluded)" },
        { "2 of selection*", -ENOTSUP,
          "condition: '2 of' at 1 is not supported (only '1 of', 'any of', 'all of')" },
        { "0 of them", -ENOTSUP, "condition: '0 of' at 1 is not supported (only '1 of', 'any of', 'all of')" },
        { "a of b", -EINVAL, "condition: expected '1', 'any' or 'all' before 'of' at 1, got 'a'" },
        { "all selection", -EINVAL, "condition: expected 'of' after 'all' at 5, got 'selection'" },
        { "1 of", -EINVAL, "condition: expected a pattern or 'them' after 'of' at 5, got end of condition" },
        { "1 of (a)", -EINVAL, "condition: expected a pattern or 'them' after 'of' at 6, got '('" },
        { "selection*", -EINVAL, "condition: wildcard identifier 'selection*' at 1 outside '1 of'/'all of'" },
        { "a and b | count() > 5", -ENOTSUP,
          "condition: aggregation '|' at 9 is not supported (use a correlation rule)" },
        { "a & b", -EINVAL, "condition: unexpected character '&' at 3" },
        { "them", -EINVAL, "condition: expected an identifier at 1, got 'them'" },
        { "A", -EINVAL, "condition: unknown identifier 'A' at 1" },
};

START_TEST(test_errors)
{
        struct cond_node *n = (struct cond_node *)1;
        char err[256];

        for (size_t i = 0; i < sizeof(parse_bad) / sizeof(parse_bad[0]); i++) {
                int r = cond_parse(parse_bad[i].text, names, NNAMES, &n, err, sizeof(err));
                ck_assert_msg(r == parse_bad[i].error, "'%s': %d (%s)", parse_bad[i].text, r, err);
                ck_assert_ptr_null(n);
                ck_assert_str_eq(err, parse_bad[i].msg);
        }
}
END_TEST

START_TEST(test_them_all_underscore)
{
        static const char *const only_hidden[] = { "_a", "_b" };
        struct cond_node *n;
        char err[256];

        ck_assert_int_eq(cond_parse("1 of them", only_hidden, 2, &n, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "condition: 'them' at 6 matches no identifier (names starting with '_' are excluded)");
        ck_assert_int_eq(cond_parse("_a or _b", only_hidden, 2, &n, err, sizeof(err)), 0);
        cond_free(n);
}
END_TEST

START_TEST(test_depth)
{
        char text[1024], err[256];
        struct cond_node *n;
        size_t p = 0;

        /* 64 levels are fine, 65 are not */
        for (int i = 0; i < 64; i++)
                text[p++] = '(';
        text[p++] = 'a';
        for (int i = 0; i < 64; i++)
                text[p++] = ')';
        text[p] = '\0';
        ck_assert_int_eq(cond_parse(text, names, NNAMES, &n, err, sizeof(err)), 0);
        cond_free(n);

        p = 0;
        for (int i = 0; i < 65; i++)
                text[p++] = '(';
        text[p++] = 'a';
        for (int i = 0; i < 65; i++)
                text[p++] = ')';
        text[p] = '\0';
        ck_assert_int_eq(cond_parse(text, names, NNAMES, &n, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "condition: condition nested too deeply at 65");

        p = 0;
        for (int i = 0; i < 100; i++)
                p += (size_t)sprintf(text + p, "not ");
        sprintf(text + p, "a");
        ck_assert_int_eq(cond_parse(text, names, NNAMES, &n, err, sizeof(err)), -EINVAL);
        ck_assert(strstr(err, "nested too deeply") != NULL);

        /* a long flat chain is not deep */
        p = 0;
        for (int i = 0; i < 150; i++)
                p += (size_t)sprintf(text + p, "a or ");
        sprintf(text + p, "b");
        ck_assert_int_eq(cond_parse(text, names, NNAMES, &n, err, sizeof(err)), 0);
        cond_free(n);
}
END_TEST

START_TEST(test_err_buffer_small)
{
        struct cond_node *n;
        char err[8];

        ck_assert_int_eq(cond_parse("nope", names, NNAMES, &n, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "conditi");
        ck_assert_int_eq(cond_parse("nope", names, NNAMES, &n, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_format_truncates)
{
        struct cond_node *n;
        char buf[6];

        ck_assert_int_eq(cond_parse("a or b", names, NNAMES, &n, NULL, 0), 0);
        ck_assert_str_eq(cond_format(n, names, buf, sizeof(buf)), "(a or");
        cond_free(n);
}
END_TEST

/* ---- evaluation ---- */

struct leaves {
        enum tri v[NNAMES];
        unsigned calls[NNAMES];
};

static enum tri leaf(void *ud, size_t sel)
{
        struct leaves *l = ud;

        ck_assert_uint_lt(sel, NNAMES);
        l->calls[sel]++;
        return l->v[sel];
}

static enum tri eval_text(const char *text, enum tri a, enum tri b, enum tri c, struct leaves *l)
{
        struct cond_node *n;
        char err[256];

        memset(l, 0, sizeof(*l));
        l->v[0] = a;
        l->v[1] = b;
        l->v[2] = c;
        ck_assert_msg(cond_parse(text, names, NNAMES, &n, err, sizeof(err)) == 0, "%s", err);
        enum tri r = cond_eval(n, leaf, l);
        cond_free(n);
        return r;
}

#define N TRI_NO
#define Y TRI_YES
#define U TRI_UNKNOWN

/* row index in the tables below: N, Y, U */
static int ti(enum tri t)
{
        return t == TRI_NO ? 0 : (t == TRI_YES ? 1 : 2);
}

START_TEST(test_truth_tables)
{
        static const enum tri v3[] = { N, Y, U };
        /* Kleene: and = min, or = max with N < U < Y */
        static const enum tri and_t[3][3] = { { N, N, N }, { N, Y, U }, { N, U, U } };
        static const enum tri or_t[3][3] = { { N, Y, U }, { Y, Y, Y }, { U, Y, U } };
        static const enum tri not_t[3] = { Y, N, U };
        struct leaves l;

        for (int i = 0; i < 3; i++) {
                ck_assert_int_eq(eval_text("not a", v3[i], N, N, &l), not_t[i]);
                ck_assert_int_eq(eval_text("a", v3[i], N, N, &l), v3[i]);
                for (int j = 0; j < 3; j++) {
                        ck_assert_int_eq(eval_text("a and b", v3[i], v3[j], N, &l), and_t[i][j]);
                        ck_assert_int_eq(eval_text("a or b", v3[i], v3[j], N, &l), or_t[i][j]);
                        ck_assert_int_eq(eval_text("all of them", v3[i], v3[j], Y, &l), N);   /* others N */
                        for (int k = 0; k < 3; k++) {
                                enum tri bc = and_t[j][ti(not_t[k])];
                                ck_assert_int_eq(eval_text("a or b and not c", v3[i], v3[j], v3[k], &l),
                                                 or_t[i][ti(bc)]);
                                ck_assert_int_eq(eval_text("1 of a or 1 of b or 1 of c", v3[i], v3[j], v3[k], &l),
                                                 or_t[i][ti(or_t[j][k])]);
                                ck_assert_int_eq(eval_text("(a or b) and not c", v3[i], v3[j], v3[k], &l),
                                                 and_t[ti(or_t[i][j])][ti(not_t[k])]);
                        }
                }
        }
        /* the spec's rule shape: selection and not filter, with an unknown filter */
        ck_assert_int_eq(eval_text("a and not b", Y, U, N, &l), U);
        ck_assert_int_eq(eval_text("a and not b", N, U, N, &l), N);
        ck_assert_int_eq(eval_text("a and not b", Y, N, N, &l), Y);
}
END_TEST

START_TEST(test_short_circuit)
{
        struct leaves l;

        ck_assert_int_eq(eval_text("a and b and c", N, Y, Y, &l), N);
        ck_assert_uint_eq(l.calls[0], 1);
        ck_assert_uint_eq(l.calls[1], 0);
        ck_assert_uint_eq(l.calls[2], 0);

        ck_assert_int_eq(eval_text("a or b or c", Y, N, N, &l), Y);
        ck_assert_uint_eq(l.calls[1] + l.calls[2], 0);

        /* UNKNOWN does not stop: a later NO (and) / YES (or) still decides */
        ck_assert_int_eq(eval_text("a and b and c", U, N, Y, &l), N);
        ck_assert_uint_eq(l.calls[0], 1);
        ck_assert_uint_eq(l.calls[1], 1);
        ck_assert_uint_eq(l.calls[2], 0);
        ck_assert_int_eq(eval_text("a or b or c", U, Y, N, &l), Y);
        ck_assert_uint_eq(l.calls[2], 0);

        ck_assert_int_eq(eval_text("a and (b or c)", N, Y, Y, &l), N);
        ck_assert_uint_eq(l.calls[1] + l.calls[2], 0);
        ck_assert_int_eq(eval_text("not a or b", N, Y, Y, &l), Y);
        ck_assert_uint_eq(l.calls[1], 0);
        ck_assert_int_eq(eval_text("all of them", Y, N, Y, &l), N);
        ck_assert_uint_eq(l.calls[2], 0);
        ck_assert_uint_eq(l.calls[3], 0);
        /* every leaf once when all are needed */
        ck_assert_int_eq(eval_text("a and b and c", Y, Y, Y, &l), Y);
        ck_assert_uint_eq(l.calls[0] + l.calls[1] + l.calls[2], 3);
}
END_TEST

START_TEST(test_selections)
{
        struct cond_node *n;
        size_t idx[NNAMES];

        ck_assert_int_eq(cond_parse("a and not (b or a) or 1 of selection_* or b", names, NNAMES, &n, NULL, 0), 0);
        size_t k = cond_selections(n, idx, NNAMES);
        ck_assert_uint_eq(k, 4);
        ck_assert_uint_eq(idx[0], 0);
        ck_assert_uint_eq(idx[1], 1);
        ck_assert_uint_eq(idx[2], 4);
        ck_assert_uint_eq(idx[3], 5);
        ck_assert_uint_eq(cond_selections(n, idx, 2), 2);
        ck_assert_uint_eq(idx[0], 0);
        ck_assert_uint_eq(idx[1], 1);
        cond_free(n);
}
END_TEST

START_TEST(test_or_list)
{
        struct cond_node *n[3];
        char buf[256];
        struct leaves l = { 0 };

        ck_assert_int_eq(cond_parse("a and b", names, NNAMES, &n[0], NULL, 0), 0);
        ck_assert_int_eq(cond_parse("c", names, NNAMES, &n[1], NULL, 0), 0);
        ck_assert_int_eq(cond_parse("selection or a", names, NNAMES, &n[2], NULL, 0), 0);
        struct cond_node *o = cond_or(n, 3);
        ck_assert_ptr_nonnull(o);
        ck_assert_str_eq(cond_format(o, names, buf, sizeof(buf)), "((a and b) or c or selection or a)");
        l.v[2] = TRI_YES;
        ck_assert_int_eq(cond_eval(o, leaf, &l), TRI_YES);
        cond_free(o);

        ck_assert_int_eq(cond_parse("c", names, NNAMES, &n[0], NULL, 0), 0);
        o = cond_or(n, 1);
        ck_assert_ptr_eq(o, n[0]);
        cond_free(o);
        ck_assert_ptr_null(cond_or(n, 0));
}
END_TEST

/* ---- SigmaHQ's Windows rules ---- */

struct corpus {
        unsigned rules, conditions, parsed, notsup, failed;
};

static void corpus_rule(struct json_object *doc, const char *path, struct corpus *c)
{
        struct json_object *det, *cond;
        const char *sel[256];
        size_t nsel = 0;

        if (!json_object_is_type(doc, json_type_object) || !json_object_object_get_ex(doc, "detection", &det) ||
            !json_object_object_get_ex(det, "condition", &cond))
                return;
        c->rules++;
        json_object_object_foreach(det, key, val) {
                (void)val;
                if (strcmp(key, "condition") != 0 && strcmp(key, "timeframe") != 0 && nsel < 256)
                        sel[nsel++] = key;
        }
        size_t ncond = json_object_is_type(cond, json_type_array) ? json_object_array_length(cond) : 1;
        for (size_t i = 0; i < ncond; i++) {
                struct json_object *ct = json_object_is_type(cond, json_type_array) ?
                                         json_object_array_get_idx(cond, i) : cond;
                struct cond_node *n;
                char err[256];
                c->conditions++;
                int r = cond_parse(json_object_get_string(ct), sel, nsel, &n, err, sizeof(err));
                if (r == 0) {
                        c->parsed++;
                        cond_free(n);
                } else if (r == -ENOTSUP && strstr(err, " of' at ")) {
                        c->notsup++;
                } else {
                        c->failed++;
                        fprintf(stderr, "%s: %s\n", path, err);
                }
        }
}

static void corpus_doc(void *ud, const char *path, struct json_object *doc)
{
        struct corpus *c = ud;

        if (!doc) {
                c->failed++;
                return;
        }
        corpus_rule(doc, path, c);
}

START_TEST(test_sigmahq_windows_conditions)
{
        char dir[4096];
        struct corpus c = { 0 };

        if (!unit_shared_dir("sigma/rules/windows", dir, sizeof(dir)))
                return;
        unit_walk_rules(dir, corpus_doc, &c);
        printf("sigmahq windows: %u rules, %u conditions, %u parsed, %u 'x of' unsupported, %u failed\n", c.rules,
               c.conditions, c.parsed, c.notsup, c.failed);
        ck_assert_uint_gt(c.rules, 0);
        ck_assert_uint_eq(c.failed, 0);
        ck_assert_uint_eq(c.parsed + c.notsup, c.conditions);
}
END_TEST

static Suite *sigma_cond_suite(void)
{
        Suite *s = suite_create("sigma_cond");
        TCase *tc;

        tc = tcase_create("grammar");
        tcase_add_test(tc, test_grammar);
        tcase_add_test(tc, test_them_all_underscore);
        tcase_add_test(tc, test_format_truncates);
        suite_add_tcase(s, tc);

        tc = tcase_create("errors");
        tcase_add_test(tc, test_errors);
        tcase_add_test(tc, test_depth);
        tcase_add_test(tc, test_err_buffer_small);
        suite_add_tcase(s, tc);

        tc = tcase_create("eval");
        tcase_add_test(tc, test_truth_tables);
        tcase_add_test(tc, test_short_circuit);
        tcase_add_test(tc, test_selections);
        tcase_add_test(tc, test_or_list);
        suite_add_tcase(s, tc);

        tc = tcase_create("sigmahq");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_sigmahq_windows_conditions);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(sigma_cond_suite());
}
