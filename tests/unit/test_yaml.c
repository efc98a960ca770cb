/* daemon/yaml.c: YAML → json-c with marks. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/yaml.h"

static struct json_object *load_ok(const char *text)
{
        struct json_object *docs = NULL;
        struct yaml_error err;
        int r = yaml_load_buffer("t.yml", text, strlen(text), &docs, &err);

        ck_assert_msg(r == 0, "'%s': %d %s:%u:%u: %s", text, r, err.file, err.line, err.column, err.msg);
        return docs;
}

/* The value of key "v" in the first document. */
static struct json_object *value_of(struct json_object *docs)
{
        struct json_object *v = NULL;

        ck_assert(json_object_object_get_ex(json_object_array_get_idx(docs, 0), "v", &v));
        return v;
}

static void load_fail(const char *text, unsigned line, unsigned column, const char *msg_part)
{
        struct json_object *docs = NULL;
        struct yaml_error err;
        int r = yaml_load_buffer("t.yml", text, strlen(text), &docs, &err);

        ck_assert_msg(r == -EINVAL, "'%s' loaded (r=%d)", text, r);
        ck_assert_ptr_null(docs);
        ck_assert_str_eq(err.file, "t.yml");
        ck_assert_msg(err.line == line && err.column == column, "'%s': at %u:%u, want %u:%u (%s)", text,
                      err.line, err.column, line, column, err.msg);
        ck_assert_msg(strstr(err.msg, msg_part), "'%s': message '%s' lacks '%s'", text, err.msg, msg_part);
}

/* ---- scalars -------------------------------------------------------- */

static const struct {
        const char *yaml;
        enum json_type type;
        const char *json;       /* json_object_to_json_string of the value */
} scalar_cases[] = {
        { "v: ~", json_type_null, "null" },
        { "v: null", json_type_null, "null" },
        { "v: Null", json_type_null, "null" },
        { "v: NULL", json_type_null, "null" },
        { "v:", json_type_null, "null" },
        { "v: nULL", json_type_string, "\"nULL\"" },
        { "v: true", json_type_boolean, "true" },
        { "v: True", json_type_boolean, "true" },
        { "v: TRUE", json_type_boolean, "true" },
        { "v: false", json_type_boolean, "false" },
        { "v: False", json_type_boolean, "false" },
        { "v: FALSE", json_type_boolean, "false" },
        { "v: yes", json_type_string, "\"yes\"" },     /* YAML 1.1 only */
        { "v: off", json_type_string, "\"off\"" },
        { "v: tRUE", json_type_string, "\"tRUE\"" },
        { "v: 42", json_type_int, "42" },
        { "v: -17", json_type_int, "-17" },
        { "v: +5", json_type_int, "5" },
        { "v: 0", json_type_int, "0" },
        { "v: 017", json_type_int, "17" },             /* 1.2: decimal, not octal */
        { "v: 0x1F", json_type_int, "31" },
        { "v: 0xff", json_type_int, "255" },
        { "v: 0o17", json_type_int, "15" },
        { "v: 0o8", json_type_string, "\"0o8\"" },
        { "v: 0x", json_type_string, "\"0x\"" },
        { "v: 9223372036854775807", json_type_int, "9223372036854775807" },
        { "v: -9223372036854775808", json_type_int, "-9223372036854775808" },
        { "v: 9223372036854775808", json_type_string, "\"9223372036854775808\"" },
        { "v: 4688", json_type_int, "4688" },
        { "v: 1.5", json_type_double, "1.5" },
        { "v: -0.25", json_type_double, "-0.25" },
        { "v: .5", json_type_double, "0.5" },
        { "v: 1.", json_type_double, "1.0" },
        { "v: 1e3", json_type_double, "1000.0" },
        { "v: 2.5E-1", json_type_double, "0.25" },
        { "v: 1.2.3", json_type_string, "\"1.2.3\"" },
        { "v: 1e", json_type_string, "\"1e\"" },
        { "v: .", json_type_string, "\".\"" },
        { "v: -x", json_type_string, "\"-x\"" },
        { "v: 10.0.0.1", json_type_string, "\"10.0.0.1\"" },
        { "v: 127.0.0.1:1514", json_type_string, "\"127.0.0.1:1514\"" },
        { "v: 15m", json_type_string, "\"15m\"" },
        { "v: hello world", json_type_string, "\"hello world\"" },
        /* quoted and block scalars are always strings */
        { "v: '42'", json_type_string, "\"42\"" },
        { "v: \"true\"", json_type_string, "\"true\"" },
        { "v: '~'", json_type_string, "\"~\"" },
        { "v: ''", json_type_string, "\"\"" },
        { "v: \"\"", json_type_string, "\"\"" },
        { "v: 'C:\\Windows\\'", json_type_string, "\"C:\\\\Windows\\\\\"" },
        { "v: C:\\Windows\\System32\\", json_type_string, "\"C:\\\\Windows\\\\System32\\\\\"" },
        { "v: \"a\\tb\"", json_type_string, "\"a\\tb\"" },
        { "v: 'it''s'", json_type_string, "\"it's\"" },
        { "v: |\n  42\n", json_type_string, "\"42\\n\"" },
        { "v: >-\n  a\n  b\n", json_type_string, "\"a b\"" },
        /* tags */
        { "v: !!str 42", json_type_string, "\"42\"" },
        { "v: !!str true", json_type_string, "\"true\"" },
        { "v: !!str", json_type_string, "\"\"" },
        { "v: !!int \"7\"", json_type_int, "7" },
        { "v: !!float 1", json_type_double, "1.0" },
        { "v: !!bool 'false'", json_type_boolean, "false" },
        { "v: !!null ''", json_type_null, "null" },
        { "v: ! 42", json_type_string, "\"42\"" },
        { "v: !custom 42", json_type_int, "42" },      /* unknown tags are ignored */
        { "v: !<tag:yaml.org,2002:str> 1", json_type_string, "\"1\"" },
};

START_TEST(test_scalar_typing)
{
        _cleanup_json_ struct json_object *docs = load_ok(scalar_cases[_i].yaml);
        struct json_object *v = value_of(docs);

        ck_assert_msg(json_object_get_type(v) == scalar_cases[_i].type, "'%s': type %s",
                      scalar_cases[_i].yaml, json_type_to_name(json_object_get_type(v)));
        ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), scalar_cases[_i].json);
}
END_TEST

START_TEST(test_scalar_special_floats)
{
        _cleanup_json_ struct json_object *docs =
                load_ok("a: .inf\nb: -.Inf\nc: +.INF\nd: .nan\ne: .NaN\nf: .NAN\ng: .Nan\n");
        struct json_object *root = json_object_array_get_idx(docs, 0), *v;

        ck_assert(json_object_object_get_ex(root, "a", &v));
        ck_assert(isinf(json_object_get_double(v)) && json_object_get_double(v) > 0);
        ck_assert(json_object_object_get_ex(root, "b", &v));
        ck_assert(isinf(json_object_get_double(v)) && json_object_get_double(v) < 0);
        ck_assert(json_object_object_get_ex(root, "c", &v));
        ck_assert(isinf(json_object_get_double(v)));
        ck_assert(json_object_object_get_ex(root, "d", &v));
        ck_assert(isnan(json_object_get_double(v)));
        ck_assert(json_object_object_get_ex(root, "e", &v));
        ck_assert(isnan(json_object_get_double(v)));
        ck_assert(json_object_object_get_ex(root, "f", &v));
        ck_assert(isnan(json_object_get_double(v)));
        ck_assert(json_object_object_get_ex(root, "g", &v));
        ck_assert(json_object_is_type(v, json_type_string));
}
END_TEST

START_TEST(test_scalar_bad_tag)
{
        load_fail("v: !!int abc\n", 1, 4, "'abc' is not a valid !!int");
        load_fail("v: !!bool yes\n", 1, 4, "'yes' is not a valid !!bool");
        load_fail("v: !!float x\n", 1, 4, "!!float");
}
END_TEST

START_TEST(test_keys_keep_text)
{
        _cleanup_json_ struct json_object *docs =
                load_ok("1: a\ntrue: b\n~: c\n'q': d\n0x10: e\n");
        struct json_object *root = json_object_array_get_idx(docs, 0);

        ck_assert(json_object_object_get_ex(root, "1", NULL));
        ck_assert(json_object_object_get_ex(root, "true", NULL));
        ck_assert(json_object_object_get_ex(root, "~", NULL));
        ck_assert(json_object_object_get_ex(root, "q", NULL));
        ck_assert(json_object_object_get_ex(root, "0x10", NULL));
}
END_TEST

/* ---- documents ------------------------------------------------------ */

static const struct {
        const char *yaml;
        const char *json;       /* the array of documents */
} doc_cases[] = {
        { "", "[]" },
        { "# only a comment\n", "[]" },
        { "   \n\n", "[]" },
        { "---\n", "[null]" },
        { "--- 1\n--- 2\n", "[1,2]" },
        { "a: 1\n---\nb: 2\n", "[{\"a\":1},{\"b\":2}]" },
        { "a: 1\n...\n---\nb: 2\n...\n", "[{\"a\":1},{\"b\":2}]" },
        { "- 1\n- [2, 3]\n- {x: y}\n", "[[1,[2,3],{\"x\":\"y\"}]]" },
        { "{}", "[{}]" },
        { "[]", "[[]]" },
        { "%YAML 1.2\n---\na: 1\n", "[{\"a\":1}]" },
};

START_TEST(test_documents)
{
        _cleanup_json_ struct json_object *docs = load_ok(doc_cases[_i].yaml);

        ck_assert_str_eq(json_object_to_json_string_ext(docs, JSON_C_TO_STRING_PLAIN), doc_cases[_i].json);
}
END_TEST

/* A Sigma rule shaped document: multi-doc, lists of maps, modifiers in keys,
 * backslashes in quoted strings. */
static const char sigma_rule[] =
        "title: Scheduled Task Created\n"
        "id: 92626ddd-662c-49e3-ac59-f6535f12d189\n"
        "status: experimental\n"
        "logsource:\n"
        "    product: windows\n"
        "    service: security\n"
        "detection:\n"
        "    selection:\n"
        "        EventID: 4698\n"
        "        CommandLine|contains|all:\n"
        "            - 'C:\\Windows\\'\n"
        "            - \"\\\\Temp\\\\\"\n"
        "    filter:\n"
        "        - Image|endswith: '\\svchost.exe'\n"
        "        - User: 'NT AUTHORITY\\SYSTEM'\n"
        "    condition: selection and not 1 of filter*\n"
        "tags:\n"
        "    - attack.persistence\n"
        "    - attack.t1053.005\n"
        "level: medium\n"
        "---\n"
        "title: Second\n"
        "detection:\n"
        "    sel: {EventID: [4624, 4625]}\n"
        "    condition: sel\n";

START_TEST(test_sigma_shape)
{
        _cleanup_json_ struct json_object *docs = load_ok(sigma_rule);
        struct json_object *r0, *det, *sel, *v, *filter;

        ck_assert_int_eq(json_object_array_length(docs), 2);
        r0 = json_object_array_get_idx(docs, 0);
        ck_assert(json_object_object_get_ex(r0, "detection", &det));
        ck_assert(json_object_object_get_ex(det, "selection", &sel));
        ck_assert(json_object_object_get_ex(sel, "EventID", &v));
        ck_assert_int_eq(json_object_get_int64(v), 4698);
        ck_assert(json_object_object_get_ex(sel, "CommandLine|contains|all", &v));
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "C:\\Windows\\");
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)), "\\Temp\\");
        ck_assert(json_object_object_get_ex(det, "filter", &filter));
        ck_assert_int_eq(json_object_array_length(filter), 2);
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(filter, 0), "Image|endswith", &v));
        ck_assert_str_eq(json_object_get_string(v), "\\svchost.exe");
        ck_assert(json_object_object_get_ex(r0, "id", &v));
        ck_assert(json_object_is_type(v, json_type_string));
        ck_assert_str_eq(json_object_to_json_string_ext(json_object_array_get_idx(docs, 1),
                                                        JSON_C_TO_STRING_PLAIN),
                         "{\"title\":\"Second\",\"detection\":{\"sel\":{\"EventID\":[4624,4625]},"
                         "\"condition\":\"sel\"}}");
}
END_TEST

/* ---- aliases -------------------------------------------------------- */

START_TEST(test_alias_resolved)
{
        _cleanup_json_ struct json_object *docs =
                load_ok("base: &b {k: v, n: [1, 2]}\ncopy: *b\ns: &s hi\nt: *s\nn: &n\nm: *n\n&kk key: 1\nother: *kk\n");

        ck_assert_str_eq(json_object_to_json_string_ext(docs, JSON_C_TO_STRING_PLAIN),
                         "[{\"base\":{\"k\":\"v\",\"n\":[1,2]},\"copy\":{\"k\":\"v\",\"n\":[1,2]},"
                         "\"s\":\"hi\",\"t\":\"hi\",\"n\":null,\"m\":null,\"key\":1,\"other\":\"key\"}]");
}
END_TEST

START_TEST(test_alias_as_key)
{
        /* an alias of a scalar as a key: its text is the key */
        _cleanup_json_ struct json_object *docs = load_ok("a: &k name\n? *k\n: 2\n");
        struct json_object *v;

        ck_assert(json_object_object_get_ex(json_object_array_get_idx(docs, 0), "name", &v));
        ck_assert_int_eq(json_object_get_int64(v), 2);
}
END_TEST

START_TEST(test_alias_errors)
{
        load_fail("a: *nope\n", 1, 4, "unknown anchor");
        load_fail("a: &x [1, *x]\n", 1, 11, "unknown anchor");          /* recursive */
        load_fail("a: &x 1\n---\nb: *x\n", 3, 4, "unknown anchor");     /* per document */
        load_fail("a: &m {k: v}\n? *m\n: 1\n", 2, 3, "not a scalar");
}
END_TEST

START_TEST(test_billion_laughs)
{
        static const char bomb[] =
                "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

        /* a expands to 10 nodes, b 91, c 820, d 7381, e 66430, f 597871;
         * with the keys that is 672611 nodes before g's first *f, which
         * crosses 1000000 (at 7:8) long before anything is copied. */
        load_fail(bomb, 7, 8, "more than 1000000 nodes");
}
END_TEST

START_TEST(test_alias_budget_counts_expansion)
{
        /* a 1001-node list aliased 1000 times: ~6 KB of input, 1M nodes */
        char *buf = malloc(16384);
        size_t n = 0;

        ck_assert_ptr_nonnull(buf);
        n += (size_t)sprintf(buf + n, "a: &a [");
        for (int i = 0; i < 999; i++)
                n += (size_t)sprintf(buf + n, "1,");
        n += (size_t)sprintf(buf + n, "1]\nb: [");
        for (int i = 0; i < 1000; i++)
                n += (size_t)sprintf(buf + n, "*a,");
        sprintf(buf + n - 1, "]\n");
        /* before b's aliases: a, [..] and 1000 items, b, [ = 1004 nodes; each
         * alias adds 1001, so the 998th crosses 1000000: column 5 + 997 * 3 */
        load_fail(buf, 2, 2996, "more than 1000000 nodes");
        free(buf);

        /* a legitimate handful of aliases is fine */
        _cleanup_json_ struct json_object *docs =
                load_ok("x: &x {a: 1, b: 2}\ny: [*x, *x, *x, *x, *x, *x, *x, *x]\n");
        ck_assert_int_eq(json_object_array_length(json_object_object_get(json_object_array_get_idx(docs, 0), "y")), 8);
}
END_TEST

/* ---- structure errors ----------------------------------------------- */

START_TEST(test_duplicate_keys)
{
        load_fail("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate mapping key 'a' (first at line 1)");
        load_fail("x:\n  k: 1\n  j: 2\n  k: 3\n", 4, 3, "duplicate mapping key 'k' (first at line 2)");
        load_fail("{a: 1, 'a': 2}\n", 1, 8, "duplicate mapping key 'a'");
        load_fail("\"a\\0b\": 1\n", 1, 1, "mapping key contains a NUL character");
        load_fail("- CommandLine|contains: a\n  CommandLine|contains: b\n", 2, 3,
                  "duplicate mapping key 'CommandLine|contains'");
}
END_TEST

START_TEST(test_nonscalar_keys)
{
        load_fail("? [a, b]\n: 1\n", 1, 3, "mapping keys must be scalars, not a sequence");
        load_fail("{[a]: 1}\n", 1, 2, "mapping keys must be scalars, not a sequence");
        load_fail("? {a: 1}\n: 1\n", 1, 3, "mapping keys must be scalars, not a mapping");
}
END_TEST

static char *nested(int depth)
{
        char *s = malloc((size_t)depth * 2 + 1);

        ck_assert_ptr_nonnull(s);
        for (int i = 0; i < depth; i++) {
                s[i] = '[';
                s[depth * 2 - 1 - i] = ']';
        }
        s[depth * 2] = '\0';
        return s;
}

START_TEST(test_depth_bound)
{
        _cleanup_free_ char *ok = nested(YAML_MAX_DEPTH);
        _cleanup_free_ char *deep = nested(YAML_MAX_DEPTH + 1);
        _cleanup_json_ struct json_object *docs = load_ok(ok);

        ck_assert_ptr_nonnull(docs);
        load_fail(deep, 1, YAML_MAX_DEPTH + 1, "nesting deeper than 64 levels");
}
END_TEST

/* libyaml's own errors: 0-based marks reported 1-based */
static const struct {
        const char *yaml;
        unsigned line, column;
        const char *msg;
} syntax_cases[] = {
        { "a: b: c\n", 1, 5, "mapping values are not allowed in this context" },
        { "a:\n\tb: 1\n", 2, 1, "found character that cannot start any token" },
        { "a: [1, 2\n", 2, 1, "did not find expected ',' or ']'" },
        { "a: 'open\n", 2, 1, "found unexpected end of stream" },
        { "a: 1\n b: 2\n", 2, 3, "mapping values are not allowed in this context" },
        { "- a\nb: 1\n", 2, 1, "did not find expected '-' indicator" },
        { "a: \xff\n", 1, 4, "invalid leading UTF-8 octet" },
        { "a: \"x\\q\"\n", 1, 6, "found unknown escape character" },   /* at the backslash */
};

START_TEST(test_syntax_error_marks)
{
        load_fail(syntax_cases[_i].yaml, syntax_cases[_i].line, syntax_cases[_i].column, syntax_cases[_i].msg);
}
END_TEST

/* ---- marks ---------------------------------------------------------- */

START_TEST(test_node_marks)
{
        _cleanup_json_ struct json_object *docs =
                load_ok("# comment\na:\n  b: 1\n  c: [x, 'y']\n  d:\n  e: |\n    text\n");
        struct json_object *root = json_object_array_get_idx(docs, 0), *a, *b, *c, *d;
        unsigned line, column;
        char buf[64];

        ck_assert_int_eq(yaml_node_mark(root, &line, &column), 0);
        ck_assert_uint_eq(line, 2);
        ck_assert_uint_eq(column, 1);
        ck_assert(json_object_object_get_ex(root, "a", &a));
        ck_assert_int_eq(yaml_node_mark(a, &line, &column), 0);
        ck_assert_uint_eq(line, 3);
        ck_assert_uint_eq(column, 3);
        ck_assert(json_object_object_get_ex(a, "b", &b));
        ck_assert_int_eq(yaml_node_mark(b, &line, &column), 0);
        ck_assert_uint_eq(line, 3);
        ck_assert_uint_eq(column, 6);
        ck_assert(json_object_object_get_ex(a, "c", &c));
        ck_assert_int_eq(yaml_node_mark(c, &line, &column), 0);
        ck_assert_uint_eq(line, 4);
        ck_assert_uint_eq(column, 6);
        ck_assert_int_eq(yaml_node_mark(json_object_array_get_idx(c, 1), &line, &column), 0);
        ck_assert_uint_eq(line, 4);
        ck_assert_uint_eq(column, 10);
        ck_assert(json_object_object_get_ex(a, "e", &d));
        ck_assert_int_eq(yaml_node_mark(d, &line, &column), 0);
        ck_assert_uint_eq(line, 6);
        ck_assert_uint_eq(column, 6);

        /* null carries no mark; its key does */
        ck_assert(json_object_object_get_ex(a, "d", &d));
        ck_assert_ptr_null(d);
        ck_assert_int_eq(yaml_node_mark(d, &line, &column), -ENOENT);
        ck_assert_int_eq(yaml_key_mark(a, "d", &line, &column), 0);
        ck_assert_uint_eq(line, 5);
        ck_assert_uint_eq(column, 3);
        ck_assert_int_eq(yaml_key_mark(root, "a", &line, &column), 0);
        ck_assert_uint_eq(line, 2);
        ck_assert_uint_eq(column, 1);
        ck_assert_int_eq(yaml_key_mark(a, "zz", &line, &column), -ENOENT);
        ck_assert_int_eq(yaml_key_mark(c, "x", &line, &column), -ENOENT);

        yaml_format_mark(buf, sizeof(buf), "t.yml", b);
        ck_assert_str_eq(buf, "t.yml:3:6");
        yaml_format_mark(buf, sizeof(buf), NULL, b);
        ck_assert_str_eq(buf, "3:6");
        yaml_format_mark(buf, sizeof(buf), "t.yml", NULL);
        ck_assert_str_eq(buf, "t.yml");
}
END_TEST

START_TEST(test_foreign_nodes_have_no_mark)
{
        _cleanup_json_ struct json_object *o = json_object_new_object();
        _cleanup_json_ struct json_object *s = json_object_new_string("x");
        unsigned line, column;

        ck_assert_int_eq(yaml_node_mark(o, &line, &column), -ENOENT);
        ck_assert_int_eq(yaml_node_mark(s, &line, &column), -ENOENT);
        ck_assert_int_eq(yaml_key_mark(o, "x", &line, &column), -ENOENT);
}
END_TEST

/* ---- files ---------------------------------------------------------- */

START_TEST(test_load_file)
{
        char dir[] = "/tmp/spoor-yaml-XXXXXX", path[64];
        struct json_object *docs = NULL;
        struct yaml_error err;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/a.yml", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("a: 1\nb: [x\n", f);
        fclose(f);
        ck_assert_int_eq(yaml_load_file(path, &docs, &err), -EINVAL);
        ck_assert_str_eq(err.file, path);
        ck_assert_uint_eq(err.line, 3);
        ck_assert_uint_eq(err.column, 1);

        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("a: 1\n", f);
        fclose(f);
        ck_assert_int_eq(yaml_load_file(path, &docs, &err), 0);
        ck_assert_str_eq(json_object_to_json_string_ext(docs, JSON_C_TO_STRING_PLAIN), "[{\"a\":1}]");
        json_object_put(docs);
        docs = NULL;

        ck_assert_int_eq(yaml_load_file(dir, &docs, &err), -EISDIR);
        unlink(path);
        ck_assert_int_eq(yaml_load_file(path, &docs, &err), -ENOENT);
        ck_assert_str_eq(err.file, path);
        ck_assert_uint_eq(err.line, 0);
        ck_assert_ptr_null(docs);
        rmdir(dir);
}
END_TEST

/* Marks sit in userdata, which json_object_deep_copy() refuses to copy;
 * a shallow_copy callback returning 2 makes it work (as yaml.h says). */
static int copy_without_marks(struct json_object *src, struct json_object *parent, const char *key,
                              size_t index, struct json_object **dst)
{
        int r = json_c_shallow_copy_default(src, parent, key, index, dst);

        return r < 0 ? r : 2;
}

START_TEST(test_deep_copy)
{
        _cleanup_json_ struct json_object *docs = load_ok("a: &x {k: [1, 2.5, true, s]}\nb: *x\n");
        _cleanup_json_ struct json_object *copy = NULL;
        unsigned line, column;

        ck_assert_int_eq(json_object_deep_copy(docs, &copy, copy_without_marks), 0);
        ck_assert(json_object_equal(docs, copy));
        ck_assert_int_eq(yaml_node_mark(json_object_array_get_idx(copy, 0), &line, &column), -ENOENT);
}
END_TEST

static Suite *yaml_suite(void)
{
        Suite *s = suite_create("yaml");
        TCase *tc;

        tc = tcase_create("scalars");
        tcase_add_loop_test(tc, test_scalar_typing, 0, (int)ELEMENTSOF(scalar_cases));
        tcase_add_test(tc, test_scalar_special_floats);
        tcase_add_test(tc, test_scalar_bad_tag);
        tcase_add_test(tc, test_keys_keep_text);
        suite_add_tcase(s, tc);

        tc = tcase_create("documents");
        tcase_add_loop_test(tc, test_documents, 0, (int)ELEMENTSOF(doc_cases));
        tcase_add_test(tc, test_sigma_shape);
        suite_add_tcase(s, tc);

        tc = tcase_create("aliases");
        tcase_add_test(tc, test_alias_resolved);
        tcase_add_test(tc, test_alias_as_key);
        tcase_add_test(tc, test_alias_errors);
        tcase_add_test(tc, test_billion_laughs);
        tcase_add_test(tc, test_alias_budget_counts_expansion);
        suite_add_tcase(s, tc);

        tc = tcase_create("structure");
        tcase_add_test(tc, test_duplicate_keys);
        tcase_add_test(tc, test_nonscalar_keys);
        tcase_add_test(tc, test_depth_bound);
        tcase_add_loop_test(tc, test_syntax_error_marks, 0, (int)ELEMENTSOF(syntax_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("marks");
        tcase_add_test(tc, test_node_marks);
        tcase_add_test(tc, test_foreign_nodes_have_no_mark);
        tcase_add_test(tc, test_deep_copy);
        suite_add_tcase(s, tc);

        tc = tcase_create("files");
        tcase_add_test(tc, test_load_file);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(yaml_suite());
}
