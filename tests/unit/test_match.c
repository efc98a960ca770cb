/* match.c: Sigma detection items, one tcase per modifier (STYLE rule 17).
 *
 * Every case is a row: spec, value, the event's fields, the expected
 * tri-state.  Values are written as JSON text (the YAML loader hands the
 * engine json-c objects), so a Sigma backslash is "\\\\" here. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/match.h"
#include "spoor/ruleset.h"
#include "spoor/winevent.h"

struct ev_field {
        const char *name;
        const char *value;
        size_t len;             /* 0: strlen(value) */
};

struct mcase {
        const char *name;
        const char *spec;       /* NULL: keyword item */
        const char *json;       /* the value, as JSON text */
        struct ev_field ev[6];  /* ends at name == NULL */
        enum tri want;
};

#define YES TRI_YES
#define NO TRI_NO
#define UNK TRI_UNKNOWN

/* ---- environment: placeholders and a logsource mapping --------------------- */

static const char *test_map(void *ud, const char *name)
{
        if (strcmp(name, "Mapped") == 0)
                return "EvField";
        if (strcmp(name, "Unavailable") == 0)
                return NULL;
        return name;
}

static struct json_object *placeholders;
static struct match_env env = { .map_field = test_map };

static void env_setup(void)
{
        placeholders = json_tokener_parse("{ \"admins\": [\"Admin*\", \"root\"],"
                                          "  \"drive\": [\"C:\", \"D:\"],"
                                          "  \"single\": \"solo\","
                                          "  \"empty\": [] }");
        ck_assert_ptr_nonnull(placeholders);
        env.placeholders = placeholders;
}

static void env_teardown(void)
{
        json_object_put(placeholders);
        placeholders = NULL;
        env.placeholders = NULL;
}

static void build_event(struct winevent *ev, const struct ev_field *f)
{
        winevent_init(ev);
        for (; f->name; f++)
                ck_assert_int_eq(winevent_set_field(ev, f->name, strlen(f->name), f->value,
                                                    f->len ? f->len : strlen(f->value)), 0);
}

static void run_case(const struct mcase *c)
{
        _cleanup_json_ struct json_object *v = json_tokener_parse(c->json);
        struct match_item *it = NULL;
        struct winevent ev;
        char err[256] = "";

        if (strcmp(c->json, "null") != 0)
                ck_assert_msg(v, "%s: bad JSON in the test table", c->name);
        int r = match_item_compile(c->spec, v, &env, &it, err, sizeof(err));
        ck_assert_msg(r == 0, "%s: compile %s: %d %s", c->name, c->spec ? c->spec : "(keyword)", r, err);
        build_event(&ev, c->ev);
        enum tri got = match_item_eval(it, &ev);
        ck_assert_msg(got == c->want, "%s: got %d, want %d", c->name, got, c->want);
        winevent_free(&ev);
        match_item_free(it);
}

#define CASE_TEST(tbl)                          \
        START_TEST(test_##tbl)                  \
        {                                       \
                run_case(&tbl[_i]);             \
        }                                       \
        END_TEST

/* ---- equality, wildcards ----------------------------------------------------- */

static const struct mcase equals_cases[] = {
        { "exact_ci", "Image", "\"C:\\\\Windows\\\\System32\\\\cmd.exe\"",
          { { "Image", "C:\\WINDOWS\\System32\\CMD.EXE", 0 } }, YES },
        { "exact_mismatch", "Image", "\"cmd.exe\"", { { "Image", "C:\\cmd.exe", 0 } }, NO },
        { "exact_longer", "Image", "\"cmd\"", { { "Image", "cmd.exe", 0 } }, NO },
        { "suffix_wildcard", "Image", "\"*\\\\cmd.exe\"", { { "Image", "C:\\Windows\\cmd.exe", 0 } }, YES },
        { "prefix_wildcard", "Image", "\"C:\\\\Windows\\\\\\\\*\"", { { "Image", "c:\\windows\\x.exe", 0 } }, YES },
        { "substring_wildcard", "Image", "\"*system32*\"", { { "Image", "C:\\Windows\\System32\\a", 0 } }, YES },
        { "glob_middle", "Image", "\"C:\\\\\\\\*\\\\cmd.exe\"", { { "Image", "C:\\Windows\\System32\\cmd.exe", 0 } }, YES },
        { "glob_middle_no", "Image", "\"C:\\\\\\\\*\\\\cmd.exe\"", { { "Image", "D:\\Windows\\cmd.exe", 0 } }, NO },
        { "question_one", "Image", "\"c?d.exe\"", { { "Image", "cmd.exe", 0 } }, YES },
        { "question_not_two", "Image", "\"c?d.exe\"", { { "Image", "cmmd.exe", 0 } }, NO },
        { "question_not_zero", "Image", "\"c?d.exe\"", { { "Image", "cd.exe", 0 } }, NO },
        { "question_utf8_char", "Name", "\"caf?\"", { { "Name", "caf\xc3\xa9", 0 } }, YES },
        { "star_only_empty", "Name", "\"*\"", { { "Name", "", 0 } }, YES },
        { "star_only_absent", "Name", "\"*\"", { { "Other", "x", 0 } }, UNK },
        { "stars_collapse", "Name", "\"a**b\"", { { "Name", "aXXb", 0 } }, YES },
        { "glob_backtrack", "Name", "\"*ab*abc\"", { { "Name", "xxababxabc", 0 } }, YES },
        { "glob_pathological", "Name", "\"*a*a*a*a*a*a*a*b\"",
          { { "Name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 } }, NO },
        { "number_as_text", "EventID", "4688", { { "EventID", "4688", 0 } }, YES },
        { "number_not_prefix", "EventID", "4688", { { "EventID", "46880", 0 } }, NO },
        { "number_wildcard_free", "EventID", "1", { { "EventID", "1*", 0 } }, NO },
        { "double_as_text", "Version", "1.5", { { "Version", "1.5", 0 } }, YES },
        { "bool_true", "Enabled", "true", { { "Enabled", "True", 0 } }, YES },
        { "bool_false", "Enabled", "false", { { "Enabled", "true", 0 } }, NO },
        { "non_ascii_bytewise", "Name", "\"\xc3\x89t\xc3\xa9\"", { { "Name", "\xc3\x89T\xc3\xa9", 0 } }, YES },
        { "non_ascii_not_folded", "Name", "\"\xc3\xa9\"", { { "Name", "\xc3\x89", 0 } }, NO },
        { "embedded_nul_field", "Data", "\"a*b\"", { { "Data", "a\0\0b", 4 } }, YES },
};
CASE_TEST(equals_cases)

/* Sigma spec, "Escaping": \* \? \\ and any other backslash literal. */
static const struct mcase escape_cases[] = {
        { "escaped_star", "F", "\"\\\\*\"", { { "F", "*", 0 } }, YES },
        { "escaped_star_not_wild", "F", "\"\\\\*\"", { { "F", "x", 0 } }, NO },
        { "escaped_question", "F", "\"foo\\\\?\"", { { "F", "foo?", 0 } }, YES },
        { "escaped_question_not_wild", "F", "\"foo\\\\?\"", { { "F", "foox", 0 } }, NO },
        { "double_backslash_is_one", "F", "\"C:\\\\\\\\Windows\"", { { "F", "C:\\Windows", 0 } }, YES },
        { "double_backslash_not_two", "F", "\"C:\\\\\\\\Windows\"", { { "F", "C:\\\\Windows", 0 } }, NO },
        { "single_backslash_literal", "F", "\"C:\\\\Windows\\\\\"", { { "F", "C:\\Windows\\", 0 } }, YES },
        { "backslash_then_wildcard", "F", "\"\\\\\\\\*\"", { { "F", "\\anything", 0 } }, YES },
        { "backslash_then_wildcard_needs_bs", "F", "\"\\\\\\\\*\"", { { "F", "anything", 0 } }, NO },
        { "backslash_other_char", "F", "\"a\\\\b\"", { { "F", "a\\b", 0 } }, YES },
        { "path_backslash_star_is_literal", "F", "\"C:\\\\Windows\\\\*\"", { { "F", "C:\\Windows*", 0 } }, YES },
        { "path_backslash_star_not_wild", "F", "\"C:\\\\Windows\\\\*\"", { { "F", "C:\\Windows\\x", 0 } }, NO },
        { "trailing_backslash", "F", "\"a\\\\\"", { { "F", "a\\", 0 } }, YES },
        { "escaped_in_contains", "F|contains", "\"50\\\\*\"", { { "F", "x 50* y", 0 } }, YES },
        { "escaped_in_contains_no", "F|contains", "\"50\\\\*\"", { { "F", "x 500 y", 0 } }, NO },
};
CASE_TEST(escape_cases)

static const struct mcase contains_cases[] = {
        { "contains", "CommandLine|contains", "\"-EncodedCommand\"", { { "CommandLine", "powershell -encodedcommand AAA", 0 } }, YES },
        { "contains_no", "CommandLine|contains", "\"-enc\"", { { "CommandLine", "powershell -e AAA", 0 } }, NO },
        { "contains_one_char", "CommandLine|contains", "\"X\"", { { "CommandLine", "abxc", 0 } }, YES },
        { "contains_at_end", "CommandLine|contains", "\"abc\"", { { "CommandLine", "zzzabc", 0 } }, YES },
        { "contains_at_start", "CommandLine|contains", "\"abc\"", { { "CommandLine", "ABCzzz", 0 } }, YES },
        { "contains_longer_than_value", "CommandLine|contains", "\"abcdef\"", { { "CommandLine", "abc", 0 } }, NO },
        { "contains_inner_wildcard", "CommandLine|contains", "\"net*user\"", { { "CommandLine", "c:\\net.exe  user x", 0 } }, YES },
        { "contains_empty_matches_all", "CommandLine|contains", "\"\"", { { "CommandLine", "x", 0 } }, YES },
        { "contains_horspool_repeat", "CommandLine|contains", "\"aab\"", { { "CommandLine", "aaaaaaab", 0 } }, YES },
        { "contains_long_needle", "CommandLine|contains",
          "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
          "0123456789012345678901234567890123456789012345678901234567890123456789X\"",
          { { "CommandLine", "zz0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                             "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                             "0123456789012345678901234567890123456789012345678901234567890123456789xzz", 0 } }, YES },
        { "startswith", "Image|startswith", "\"C:\\\\Users\\\\\"", { { "Image", "c:\\users\\bob\\a.exe", 0 } }, YES },
        { "startswith_no", "Image|startswith", "\"C:\\\\Users\\\\\"", { { "Image", "D:\\c:\\users\\", 0 } }, NO },
        { "startswith_wildcard", "Image|startswith", "\"C:\\\\\\\\*\\\\Temp\\\\\"", { { "Image", "C:\\x\\Temp\\a", 0 } }, YES },
        { "endswith", "Image|endswith", "\"\\\\rundll32.exe\"", { { "Image", "C:\\Windows\\RUNDLL32.EXE", 0 } }, YES },
        { "endswith_no", "Image|endswith", "\"\\\\rundll32.exe\"", { { "Image", "C:\\rundll32.exe.bak", 0 } }, NO },
        { "endswith_shorter_value", "Image|endswith", "\"\\\\rundll32.exe\"", { { "Image", "a.exe", 0 } }, NO },
};
CASE_TEST(contains_cases)

static const struct mcase cased_cases[] = {
        { "cased_exact_yes", "Image|cased", "\"cmd.exe\"", { { "Image", "cmd.exe", 0 } }, YES },
        { "cased_exact_no", "Image|cased", "\"cmd.exe\"", { { "Image", "CMD.exe", 0 } }, NO },
        { "cased_contains_yes", "CommandLine|contains|cased", "\"-Enc\"", { { "CommandLine", "x -Enc y", 0 } }, YES },
        { "cased_contains_no", "CommandLine|contains|cased", "\"-Enc\"", { { "CommandLine", "x -enc y", 0 } }, NO },
        { "cased_startswith", "CommandLine|cased|startswith", "\"Ab\"", { { "CommandLine", "aB", 0 } }, NO },
        { "cased_glob", "CommandLine|cased", "\"A*z\"", { { "CommandLine", "AbcZ", 0 } }, NO },
        { "cased_glob_yes", "CommandLine|cased", "\"A*z\"", { { "CommandLine", "Abcz", 0 } }, YES },
};
CASE_TEST(cased_cases)

/* ---- lists, all, null, '' ----------------------------------------------------- */

static const struct mcase list_cases[] = {
        { "list_or_first", "Image|endswith", "[\"\\\\a.exe\", \"\\\\b.exe\"]", { { "Image", "C:\\a.exe", 0 } }, YES },
        { "list_or_second", "Image|endswith", "[\"\\\\a.exe\", \"\\\\b.exe\"]", { { "Image", "C:\\b.exe", 0 } }, YES },
        { "list_or_none", "Image|endswith", "[\"\\\\a.exe\", \"\\\\b.exe\"]", { { "Image", "C:\\c.exe", 0 } }, NO },
        { "all_both", "CommandLine|contains|all", "[\"-nop\", \"-w hidden\"]", { { "CommandLine", "ps -w hidden -nop", 0 } }, YES },
        { "all_one_missing", "CommandLine|contains|all", "[\"-nop\", \"-w hidden\"]", { { "CommandLine", "ps -nop", 0 } }, NO },
        { "all_single", "CommandLine|all|contains", "[\"x\"]", { { "CommandLine", "axb", 0 } }, YES },
        { "list_numbers", "EventID", "[4624, 4625]", { { "EventID", "4625", 0 } }, YES },
        { "list_mixed_types", "F", "[1, \"two\", true]", { { "F", "TWO", 0 } }, YES },
        { "null_absent", "F", "null", { { "G", "x", 0 } }, YES },
        { "null_empty", "F", "null", { { "F", "", 0 } }, YES },
        { "null_value", "F", "null", { { "F", "x", 0 } }, NO },
        { "empty_string_empty", "F", "\"\"", { { "F", "", 0 } }, YES },
        { "empty_string_value", "F", "\"\"", { { "F", "x", 0 } }, NO },
        { "empty_string_absent", "F", "\"\"", { { "G", "x", 0 } }, UNK },
        { "list_with_null_absent", "F", "[null, \"x\"]", { { "G", "x", 0 } }, YES },
        { "list_with_null_value", "F", "[null, \"x\"]", { { "F", "x", 0 } }, YES },
        { "list_with_null_other", "F", "[null, \"x\"]", { { "F", "y", 0 } }, NO },
        { "null_neq_present", "F|neq", "null", { { "F", "x", 0 } }, YES },
        { "null_neq_absent", "F|neq", "null", { { "G", "x", 0 } }, NO },
};
CASE_TEST(list_cases)

/* ---- UNKNOWN and the mapping callback ----------------------------------------- */

static const struct mcase unknown_cases[] = {
        { "absent_equals", "Missing", "\"x\"", { { "F", "x", 0 } }, UNK },
        { "absent_contains_list", "Missing|contains", "[\"a\", \"b\"]", { { "F", "a", 0 } }, UNK },
        { "absent_all", "Missing|contains|all", "[\"a\", \"b\"]", { { "F", "a", 0 } }, UNK },
        { "absent_neq", "Missing|neq", "\"x\"", { { "F", "x", 0 } }, UNK },
        { "absent_re", "Missing|re", "\"x\"", { { "F", "x", 0 } }, UNK },
        { "absent_cidr", "Missing|cidr", "\"10.0.0.0/8\"", { { "F", "10.0.0.1", 0 } }, UNK },
        { "absent_lt", "Missing|lt", "5", { { "F", "1", 0 } }, UNK },
        { "absent_hour", "Missing|hour", "5", { { "F", "1", 0 } }, UNK },
        { "absent_exists_false", "Missing|exists", "false", { { "F", "x", 0 } }, YES },
        { "absent_exists_true", "Missing|exists", "true", { { "F", "x", 0 } }, NO },
        { "unmapped_equals", "Unavailable", "\"x\"", { { "Unavailable", "x", 0 } }, UNK },
        { "unmapped_null", "Unavailable", "null", { { "Unavailable", "x", 0 } }, YES },
        { "unmapped_exists", "Unavailable|exists", "false", { { "Unavailable", "x", 0 } }, YES },
        { "mapped_reads_event_field", "Mapped", "\"abc\"", { { "EvField", "ABC", 0 }, { "Mapped", "zzz", 0 } }, YES },
        { "mapped_not_sigma_name", "Mapped", "\"zzz\"", { { "EvField", "ABC", 0 }, { "Mapped", "zzz", 0 } }, NO },
        { "mapped_absent", "Mapped", "\"abc\"", { { "Mapped", "abc", 0 } }, UNK },
        { "all_unknown_and_no", "F|contains|all", "[\"a\", \"b\"]", { { "F", "a", 0 } }, NO },
};
CASE_TEST(unknown_cases)

START_TEST(test_accessors)
{
        _cleanup_json_ struct json_object *x = json_object_new_string("x");
        _cleanup_json_ struct json_object *ref = json_object_new_string("Mapped");
        struct match_item *it;
        char err[128];

        ck_assert_int_eq(match_item_compile("Mapped|contains", x, &env, &it, err, sizeof(err)), 0);
        ck_assert_str_eq(match_item_field(it), "Mapped");
        ck_assert_str_eq(match_item_event_field(it), "EvField");
        ck_assert_ptr_null(match_item_ref_field(it));
        match_item_free(it);

        ck_assert_int_eq(match_item_compile("Unavailable", x, &env, &it, err, sizeof(err)), 0);
        ck_assert_str_eq(match_item_field(it), "Unavailable");
        ck_assert_ptr_null(match_item_event_field(it));
        match_item_free(it);

        ck_assert_int_eq(match_item_compile(NULL, x, &env, &it, err, sizeof(err)), 0);
        ck_assert_ptr_null(match_item_field(it));
        ck_assert_ptr_null(match_item_event_field(it));
        match_item_free(it);

        ck_assert_int_eq(match_item_compile("A|fieldref", ref, &env, &it, err, sizeof(err)), 0);
        ck_assert_str_eq(match_item_ref_field(it), "EvField");
        match_item_free(it);

        /* identity mapping without an env */
        ck_assert_int_eq(match_item_compile("Image", x, NULL, &it, err, sizeof(err)), 0);
        ck_assert_str_eq(match_item_event_field(it), "Image");
        match_item_free(it);
}
END_TEST

/* ---- keywords --------------------------------------------------------------------- */

static const struct mcase keyword_cases[] = {
        { "keyword_contains", NULL, "\"mimikatz\"", { { "A", "x", 0 }, { "B", "run Mimikatz.exe", 0 } }, YES },
        { "keyword_no", NULL, "\"mimikatz\"", { { "A", "x", 0 }, { "B", "y", 0 } }, NO },
        { "keyword_no_fields", NULL, "\"mimikatz\"", { { NULL, NULL, 0 } }, NO },
        { "keyword_list_or", NULL, "[\"foo\", \"bar\"]", { { "A", "xbarx", 0 } }, YES },
        { "keyword_all", "|all", "[\"foo\", \"bar\"]", { { "A", "foo", 0 }, { "B", "bar", 0 } }, YES },
        { "keyword_all_missing", "|all", "[\"foo\", \"bar\"]", { { "A", "foo", 0 } }, NO },
        { "keyword_empty_spec", "", "\"foo\"", { { "A", "xfoo", 0 } }, YES },
        { "keyword_wildcard", NULL, "\"sekurlsa::*pass\"", { { "A", "x sekurlsa::logonpasswords", 0 } }, YES },
        { "keyword_re", "|re", "\"^ab+c$\"", { { "A", "x", 0 }, { "B", "abbbc", 0 } }, YES },
        { "keyword_cased", "|cased", "\"Foo\"", { { "A", "foo", 0 } }, NO },
        { "keyword_neq", "|neq", "\"foo\"", { { "A", "bar", 0 } }, YES },
};
CASE_TEST(keyword_cases)

/* ---- neq ----------------------------------------------------------------------------- */

static const struct mcase neq_cases[] = {
        { "neq_equal", "User|neq", "\"admin\"", { { "User", "Admin", 0 } }, NO },
        { "neq_other", "User|neq", "\"admin\"", { { "User", "bob", 0 } }, YES },
        { "neq_list_none", "User|neq", "[\"a\", \"b\"]", { { "User", "c", 0 } }, YES },
        { "neq_list_one", "User|neq", "[\"a\", \"b\"]", { { "User", "b", 0 } }, NO },
        { "neq_all_not_all", "User|contains|all|neq", "[\"a\", \"b\"]", { { "User", "ab", 0 } }, NO },
        { "neq_all_partial", "User|contains|all|neq", "[\"a\", \"b\"]", { { "User", "a", 0 } }, YES },
        { "neq_number", "EventID|neq", "4688", { { "EventID", "4689", 0 } }, YES },
        { "neq_number_equal", "EventID|neq", "4688", { { "EventID", "4688", 0 } }, NO },
        { "neq_contains", "CommandLine|neq|contains", "\"x\"", { { "CommandLine", "abc", 0 } }, YES },
        { "neq_lt", "Count|lt|neq", "5", { { "Count", "3", 0 } }, NO },
};
CASE_TEST(neq_cases)

/* ---- re ------------------------------------------------------------------------------- */

static const struct mcase re_cases[] = {
        { "re_anchored", "Image|re", "\"^cmd\\\\.exe$\"", { { "Image", "cmd.exe", 0 } }, YES },
        { "re_search", "Image|re", "\"cmd\"", { { "Image", "x\\cmd.exe", 0 } }, YES },
        { "re_case_sensitive", "Image|re", "\"^cmd\\\\.exe$\"", { { "Image", "CMD.EXE", 0 } }, NO },
        { "re_i", "Image|re|i", "\"^cmd\\\\.exe$\"", { { "Image", "CMD.EXE", 0 } }, YES },
        { "re_ignorecase_alias", "Image|re|ignorecase", "\"^cmd$\"", { { "Image", "CMD", 0 } }, YES },
        { "re_no_m", "Text|re", "\"^b$\"", { { "Text", "a\nb", 0 } }, NO },
        { "re_m", "Text|re|m", "\"^b$\"", { { "Text", "a\nb", 0 } }, YES },
        { "re_no_s", "Text|re", "\"a.b\"", { { "Text", "a\nb", 0 } }, NO },
        { "re_s", "Text|re|s", "\"a.b\"", { { "Text", "a\nb", 0 } }, YES },
        { "re_i_m_s", "Text|re|i|m|s", "\"^X.Y$\"", { { "Text", "q\nx\ny", 0 } }, YES },
        { "re_not_wildcards", "Text|re", "\"a*\"", { { "Text", "bbb", 0 } }, YES },
        { "re_list", "Text|re", "[\"^a\", \"^b\"]", { { "Text", "bc", 0 } }, YES },
        { "re_utf8_dot", "Text|re", "\"^caf.$\"", { { "Text", "caf\xc3\xa9", 0 } }, YES },
        { "re_invalid_utf8_subject", "Text|re", "\"abc\"", { { "Text", "\xff\xfe" "abc", 0 } }, YES },
        { "re_neq", "Text|re|neq", "\"^a\"", { { "Text", "ba", 0 } }, YES },
        { "re_match_limit_is_no", "Text|re", "\"^(a+)+$\"",
          { { "Text", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", 0 } }, NO },
};
CASE_TEST(re_cases)

/* ---- windash ------------------------------------------------------------------------------ */

#define EN "\xe2\x80\x93"
#define EM "\xe2\x80\x94"
#define HB "\xe2\x80\x95"

static const struct mcase windash_cases[] = {
        { "windash_dash", "CommandLine|windash|contains", "\"-exec bypass\"", { { "CommandLine", "ps -exec bypass", 0 } }, YES },
        { "windash_slash", "CommandLine|windash|contains", "\"-exec bypass\"", { { "CommandLine", "ps /exec bypass", 0 } }, YES },
        { "windash_en_dash", "CommandLine|windash|contains", "\"-exec bypass\"", { { "CommandLine", "ps " EN "exec bypass", 0 } }, YES },
        { "windash_em_dash", "CommandLine|windash|contains", "\"-exec bypass\"", { { "CommandLine", "ps " EM "exec bypass", 0 } }, YES },
        { "windash_horizontal_bar", "CommandLine|windash|contains", "\"-exec bypass\"", { { "CommandLine", "ps " HB "exec bypass", 0 } }, YES },
        { "windash_other_char", "CommandLine|windash|contains", "\"-exec bypass\"", { { "CommandLine", "ps _exec bypass", 0 } }, NO },
        { "windash_from_slash", "CommandLine|windash|contains", "\"/exec\"", { { "CommandLine", "ps " EN "exec", 0 } }, YES },
        /* pySigma's own example: only dashes that start a word vary, independently */
        { "windash_pysigma_1", "CommandLine|windash", "\"-param-1 -param2\"", { { "CommandLine", "/param-1 -param2", 0 } }, YES },
        { "windash_pysigma_2", "CommandLine|windash", "\"-param-1 -param2\"", { { "CommandLine", "-param-1 /param2", 0 } }, YES },
        { "windash_mixed", "CommandLine|windash", "\"-param-1 -param2\"", { { "CommandLine", EM "param-1 " EN "param2", 0 } }, YES },
        { "windash_inner_dash_fixed", "CommandLine|windash", "\"-param-1 -param2\"", { { "CommandLine", "-param/1 -param2", 0 } }, NO },
        { "windash_trailing_dash_fixed", "CommandLine|windash", "\"a -\"", { { "CommandLine", "a /", 0 } }, NO },
        { "windash_after_wildcard", "CommandLine|windash", "\"*-k\"", { { "CommandLine", "svchost /k", 0 } }, YES },
        { "windash_list_all", "CommandLine|windash|contains|all", "[\"-a\", \"-b\"]", { { "CommandLine", "x /a " EN "b", 0 } }, YES },
        { "windash_list_all_missing", "CommandLine|windash|contains|all", "[\"-a\", \"-b\"]", { { "CommandLine", "x /a", 0 } }, NO },
};
CASE_TEST(windash_cases)

/* ---- base64, base64offset, utf16 --------------------------------------------------------- */

static const struct mcase base64_cases[] = {
        { "base64", "F|base64", "\"foobar\"", { { "F", "Zm9vYmFy", 0 } }, YES },
        { "base64_padding", "F|base64", "\"cmd\"", { { "F", "Y21k", 0 } }, YES },
        { "base64_padded", "F|base64", "\"/bin/sh\"", { { "F", "L2Jpbi9zaA==", 0 } }, YES },
        { "base64_contains", "F|base64|contains", "\"foobar\"", { { "F", "xxZm9vYmFyxx", 0 } }, YES },
        /* the spec's example: base64offset|contains of /bin/sh */
        { "b64off_spec_shift0", "F|base64offset|contains", "\"/bin/sh\"", { { "F", "L2Jpbi9zaA==", 0 } }, YES },
        { "b64off_spec_shift1", "F|base64offset|contains", "\"/bin/sh\"", { { "F", "YS9iaW4vc2g=", 0 } }, YES },
        { "b64off_spec_shift2", "F|base64offset|contains", "\"/bin/sh\"", { { "F", "YWIvYmluL3No", 0 } }, YES },
        { "b64off_spec_other", "F|base64offset|contains", "\"/bin/sh\"", { { "F", "L2Jpbi9iYXNo", 0 } }, NO },
        /* the three variants exactly (equality): L2Jpbi9za, 9iaW4vc2, vYmluL3No */
        { "b64off_exact_0", "F|base64offset", "\"/bin/sh\"", { { "F", "L2Jpbi9za", 0 } }, YES },
        { "b64off_exact_1", "F|base64offset", "\"/bin/sh\"", { { "F", "9iaW4vc2", 0 } }, YES },
        { "b64off_exact_2", "F|base64offset", "\"/bin/sh\"", { { "F", "vYmluL3No", 0 } }, YES },
        { "b64off_exact_padded", "F|base64offset", "\"/bin/sh\"", { { "F", "L2Jpbi9zaA==", 0 } }, NO },
        /* pySigma's test: foobar → Zm9vYmFy, Zvb2Jhc, mb29iYX */
        { "b64off_foobar_0", "F|base64offset", "\"foobar\"", { { "F", "Zm9vYmFy", 0 } }, YES },
        { "b64off_foobar_1", "F|base64offset", "\"foobar\"", { { "F", "Zvb2Jhc", 0 } }, YES },
        { "b64off_foobar_2", "F|base64offset", "\"foobar\"", { { "F", "mb29iYX", 0 } }, YES },
        { "utf16le_base64", "F|utf16le|base64", "\"cmd\"", { { "F", "YwBtAGQA", 0 } }, YES },
        { "wide_base64", "F|wide|base64", "\"cmd\"", { { "F", "YwBtAGQA", 0 } }, YES },
        { "utf16be_base64", "F|utf16be|base64", "\"cmd\"", { { "F", "AGMAbQBk", 0 } }, YES },
        { "utf16_bom_base64", "F|utf16|base64", "\"cmd\"", { { "F", "//5jAG0AZAA=", 0 } }, YES },
        { "wide_base64offset_contains", "CommandLine|wide|base64offset|contains", "\"ping\"",
          { { "CommandLine", "powershell -enc eAB4ACAAcABpAG4AZwAgAHkAeQA=", 0 } }, YES },
        { "wide_base64offset_shift1", "CommandLine|wide|base64offset|contains", "\"ping\"",
          { { "CommandLine", "IHAAaQBuAGcA", 0 } }, YES },
        { "wide_base64offset_shift2", "CommandLine|wide|base64offset|contains", "\"ping\"",
          { { "CommandLine", "ICBwAGkAbgBnAA==", 0 } }, YES },
        { "wide_raw_bytes", "Data|wide", "\"cmd\"", { { "Data", "c\0m\0d\0", 6 } }, YES },
        { "wide_raw_contains", "Data|wide|contains", "\"md\"", { { "Data", "c\0m\0d\0", 6 } }, YES },
        { "wide_raw_no", "Data|wide", "\"cmd\"", { { "Data", "cmd", 0 } }, NO },
        { "utf16be_non_ascii", "Data|utf16be", "\"\xc3\xa9\"", { { "Data", "\0\xe9", 2 } }, YES },
        { "utf16le_surrogates", "Data|utf16le|cased", "\"\xf0\x9f\x98\x80\"", { { "Data", "\x3d\xd8\x00\xde", 4 } }, YES },
};
CASE_TEST(base64_cases)

/* ---- cidr ---------------------------------------------------------------------------------- */

static const struct mcase cidr_cases[] = {
        { "v4_in", "DestinationIp|cidr", "\"10.0.0.0/8\"", { { "DestinationIp", "10.1.2.3", 0 } }, YES },
        { "v4_out", "DestinationIp|cidr", "\"10.0.0.0/8\"", { { "DestinationIp", "11.0.0.1", 0 } }, NO },
        { "v4_odd_prefix_in", "DestinationIp|cidr", "\"192.168.0.0/23\"", { { "DestinationIp", "192.168.1.200", 0 } }, YES },
        { "v4_odd_prefix_out", "DestinationIp|cidr", "\"192.168.0.0/23\"", { { "DestinationIp", "192.168.2.1", 0 } }, NO },
        { "v4_host", "DestinationIp|cidr", "\"192.168.1.5\"", { { "DestinationIp", "192.168.1.5", 0 } }, YES },
        { "v4_host_other", "DestinationIp|cidr", "\"192.168.1.5\"", { { "DestinationIp", "192.168.1.6", 0 } }, NO },
        { "v4_zero", "DestinationIp|cidr", "\"0.0.0.0/0\"", { { "DestinationIp", "8.8.8.8", 0 } }, YES },
        { "v4_mapped_v6_value", "DestinationIp|cidr", "\"10.0.0.0/8\"", { { "DestinationIp", "::ffff:10.9.9.9", 0 } }, YES },
        { "v4_net_v6_value", "DestinationIp|cidr", "\"10.0.0.0/8\"", { { "DestinationIp", "2001:db8::1", 0 } }, NO },
        { "v4_garbage", "DestinationIp|cidr", "\"10.0.0.0/8\"", { { "DestinationIp", "ten", 0 } }, NO },
        { "v4_spaces", "DestinationIp|cidr", "\"10.0.0.0/8\"", { { "DestinationIp", " 10.0.0.1 ", 0 } }, YES },
        { "v6_in", "DestinationIp|cidr", "\"2001:db8::/32\"", { { "DestinationIp", "2001:DB8:1::5", 0 } }, YES },
        { "v6_out", "DestinationIp|cidr", "\"2001:db8::/32\"", { { "DestinationIp", "2001:db9::1", 0 } }, NO },
        { "v6_v4_value", "DestinationIp|cidr", "\"2001:db8::/32\"", { { "DestinationIp", "10.0.0.1", 0 } }, NO },
        { "v6_link_local_zone", "DestinationIp|cidr", "\"fe80::/10\"", { { "DestinationIp", "fe80::1%eth0", 0 } }, YES },
        { "v6_mapped_net_v4_value", "DestinationIp|cidr", "\"::ffff:0:0/96\"", { { "DestinationIp", "1.2.3.4", 0 } }, YES },
        { "cidr_list", "DestinationIp|cidr", "[\"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\"]",
          { { "DestinationIp", "172.20.1.1", 0 } }, YES },
        { "cidr_neq", "DestinationIp|cidr|neq", "[\"10.0.0.0/8\", \"127.0.0.0/8\"]", { { "DestinationIp", "8.8.8.8", 0 } }, YES },
};
CASE_TEST(cidr_cases)

/* ---- lt, lte, gt, gte -------------------------------------------------------------------------- */

static const struct mcase num_cases[] = {
        { "lt_yes", "Count|lt", "10", { { "Count", "9", 0 } }, YES },
        { "lt_equal", "Count|lt", "10", { { "Count", "10", 0 } }, NO },
        { "lte_equal", "Count|lte", "10", { { "Count", "10", 0 } }, YES },
        { "lte_more", "Count|lte", "10", { { "Count", "11", 0 } }, NO },
        { "gt_yes", "Count|gt", "10", { { "Count", "11", 0 } }, YES },
        { "gt_equal", "Count|gt", "10", { { "Count", "10", 0 } }, NO },
        { "gte_equal", "Count|gte", "10", { { "Count", "10", 0 } }, YES },
        { "gte_less", "Count|gte", "10", { { "Count", "-3", 0 } }, NO },
        { "gt_hex_value", "Status|gt", "10", { { "Status", "0x10", 0 } }, YES },
        { "gte_double", "Ratio|gte", "1.5", { { "Ratio", "1.5", 0 } }, YES },
        { "lt_double_int", "Ratio|lt", "1.5", { { "Ratio", "1", 0 } }, YES },
        { "lt_not_numeric", "Count|lt", "10", { { "Count", "abc", 0 } }, NO },
        { "lt_trailing_garbage", "Count|lt", "10", { { "Count", "5x", 0 } }, NO },
        { "lt_empty", "Count|lt", "10", { { "Count", "", 0 } }, NO },
        { "lt_int64_exact", "Big|lt", "9007199254740993", { { "Big", "9007199254740992", 0 } }, YES },
        { "gt_numeric_string_value", "Count|gt", "\"5\"", { { "Count", "6", 0 } }, YES },
        { "gt_list_or", "Count|gt", "[100, 5]", { { "Count", "6", 0 } }, YES },
        { "gt_list_all", "Count|gt|all", "[100, 5]", { { "Count", "6", 0 } }, NO },
};
CASE_TEST(num_cases)

/* ---- exists ------------------------------------------------------------------------------------ */

static const struct mcase exists_cases[] = {
        { "exists_true_present", "F|exists", "true", { { "F", "x", 0 } }, YES },
        { "exists_true_empty", "F|exists", "true", { { "F", "", 0 } }, YES },
        { "exists_true_absent", "F|exists", "true", { { "G", "x", 0 } }, NO },
        { "exists_false_present", "F|exists", "false", { { "F", "x", 0 } }, NO },
        { "exists_false_empty", "F|exists", "false", { { "F", "", 0 } }, NO },
        { "exists_false_absent", "F|exists", "false", { { "G", "x", 0 } }, YES },
        { "exists_neq", "F|exists|neq", "true", { { "G", "x", 0 } }, YES },
};
CASE_TEST(exists_cases)

/* ---- expand -------------------------------------------------------------------------------------- */

static const struct mcase expand_cases[] = {
        { "expand_wildcard_value", "User|expand", "\"%admins%\"", { { "User", "Administrator", 0 } }, YES },
        { "expand_second_value", "User|expand", "\"%admins%\"", { { "User", "ROOT", 0 } }, YES },
        { "expand_no", "User|expand", "\"%admins%\"", { { "User", "bob", 0 } }, NO },
        { "expand_cartesian", "Path|expand", "\"%drive%\\\\Users\\\\%admins%\"", { { "Path", "D:\\Users\\Administrator", 0 } }, YES },
        { "expand_cartesian_no", "Path|expand", "\"%drive%\\\\Users\\\\%admins%\"", { { "Path", "E:\\Users\\root", 0 } }, NO },
        { "expand_single_string", "F|expand", "\"x%single%\"", { { "F", "xsolo", 0 } }, YES },
        { "expand_contains", "F|contains|expand", "\"\\\\%single%\\\\\"", { { "F", "C:\\solo\\a", 0 } }, YES },
        { "expand_not_placeholder", "F|expand", "\"100%\"", { { "F", "100%", 0 } }, YES },
        { "expand_bad_name_literal", "F|expand", "\"%a b%\"", { { "F", "%a b%", 0 } }, YES },
        { "expand_re_raw", "F|re|expand", "\"^%drive%\\\\\\\\\"", { { "F", "D:\\x", 0 } }, YES },
        { "expand_then_base64", "F|expand|base64", "\"%single%\"", { { "F", "c29sbw==", 0 } }, YES },
};
CASE_TEST(expand_cases)

/* ---- fieldref -------------------------------------------------------------------------------------- */

static const struct mcase fieldref_cases[] = {
        { "fieldref_equal_ci", "TargetUser|fieldref", "\"SubjectUser\"", { { "TargetUser", "Bob", 0 }, { "SubjectUser", "bob", 0 } }, YES },
        { "fieldref_differs", "TargetUser|fieldref", "\"SubjectUser\"", { { "TargetUser", "Bob", 0 }, { "SubjectUser", "eve", 0 } }, NO },
        { "fieldref_ref_absent", "TargetUser|fieldref", "\"SubjectUser\"", { { "TargetUser", "Bob", 0 } }, UNK },
        { "fieldref_field_absent", "TargetUser|fieldref", "\"SubjectUser\"", { { "SubjectUser", "bob", 0 } }, UNK },
        { "fieldref_neq_differs", "TargetUser|fieldref|neq", "\"SubjectUser\"", { { "TargetUser", "Bob", 0 }, { "SubjectUser", "eve", 0 } }, YES },
        { "fieldref_neq_equal", "TargetUser|fieldref|neq", "\"SubjectUser\"", { { "TargetUser", "Bob", 0 }, { "SubjectUser", "BOB", 0 } }, NO },
        { "fieldref_neq_absent", "TargetUser|neq|fieldref", "\"SubjectUser\"", { { "TargetUser", "Bob", 0 } }, UNK },
        { "fieldref_cased", "TargetUser|fieldref|cased", "\"SubjectUser\"", { { "TargetUser", "Bob", 0 }, { "SubjectUser", "bob", 0 } }, NO },
        { "fieldref_mapped", "TargetUser|fieldref", "\"Mapped\"", { { "TargetUser", "x", 0 }, { "EvField", "X", 0 } }, YES },
        { "fieldref_unavailable", "TargetUser|fieldref", "\"Unavailable\"", { { "TargetUser", "x", 0 }, { "Unavailable", "x", 0 } }, UNK },
        { "fieldref_contains", "CommandLine|fieldref|contains", "\"Image\"", { { "CommandLine", "\"C:\\a.exe\" -x", 0 }, { "Image", "c:\\A.exe", 0 } }, YES },
        { "fieldref_startswith", "CommandLine|startswith|fieldref", "\"Image\"", { { "CommandLine", "a.exe -x", 0 }, { "Image", "a.exe", 0 } }, YES },
        { "fieldref_endswith_no", "CommandLine|endswith|fieldref", "\"Image\"", { { "CommandLine", "a.exe -x", 0 }, { "Image", "a.exe", 0 } }, NO },
        { "fieldref_list", "A|fieldref", "[\"B\", \"C\"]", { { "A", "x", 0 }, { "B", "y", 0 }, { "C", "x", 0 } }, YES },
};
CASE_TEST(fieldref_cases)

/* ---- time parts --------------------------------------------------------------------------------------- */

#define TS "2026-11-22 10:11:12.345"
static const struct mcase time_cases[] = {
        { "minute", "UtcTime|minute", "11", { { "UtcTime", TS, 0 } }, YES },
        { "hour", "UtcTime|hour", "10", { { "UtcTime", TS, 0 } }, YES },
        { "hour_no", "UtcTime|hour", "11", { { "UtcTime", TS, 0 } }, NO },
        { "day", "UtcTime|day", "22", { { "UtcTime", TS, 0 } }, YES },
        { "week", "UtcTime|week", "47", { { "UtcTime", TS, 0 } }, YES },
        { "month", "UtcTime|month", "11", { { "UtcTime", TS, 0 } }, YES },
        { "year", "UtcTime|year", "2026", { { "UtcTime", TS, 0 } }, YES },
        { "iso_hour", "UtcTime|hour", "23", { { "UtcTime", "2026-01-01T23:59:59.1234567Z", 0 } }, YES },
        { "iso_week_1", "UtcTime|week", "1", { { "UtcTime", "2026-01-01T23:59:59Z", 0 } }, YES },
        { "iso_week_53", "UtcTime|week", "53", { { "UtcTime", "2027-01-01T00:00:00Z", 0 } }, YES },
        { "iso_week_next_year", "UtcTime|week", "1", { { "UtcTime", "2024-12-30T00:00:00Z", 0 } }, YES },
        { "hour_gte", "UtcTime|hour|gte", "8", { { "UtcTime", TS, 0 } }, YES },
        { "hour_lt", "UtcTime|hour|lt", "8", { { "UtcTime", TS, 0 } }, NO },
        { "hour_list", "UtcTime|hour", "[0, 1, 2, 10]", { { "UtcTime", TS, 0 } }, YES },
        { "hour_neq", "UtcTime|hour|neq", "10", { { "UtcTime", TS, 0 } }, NO },
        { "offset_ignored", "UtcTime|hour", "10", { { "UtcTime", "2026-11-22T10:11:12+05:00", 0 } }, YES },
        { "date_only_day", "UtcTime|day", "22", { { "UtcTime", "2026-11-22", 0 } }, YES },
        { "date_only_hour", "UtcTime|hour", "0", { { "UtcTime", "2026-11-22", 0 } }, NO },
        { "unparsable", "UtcTime|hour", "10", { { "UtcTime", "yesterday", 0 } }, NO },
};
CASE_TEST(time_cases)

/* ---- compile errors ---------------------------------------------------------------------------------------- */

static const struct ecase {
        const char *name;
        const char *spec;
        const char *json;
        int rc;
        const char *err;        /* substring of the message */
} error_cases[] = {
        { "unknown_modifier", "F|foo", "\"x\"", -ENOTSUP, "unsupported modifier 'foo'" },
        { "unknown_after_known", "F|contains|Contains", "\"x\"", -ENOTSUP, "unsupported modifier 'Contains'" },
        { "two_comparisons", "F|contains|startswith", "\"x\"", -ENOTSUP, "two comparisons" },
        { "re_and_contains", "F|re|contains", "\"x\"", -ENOTSUP, "two comparisons" },
        { "cidr_and_lt", "F|cidr|lt", "\"x\"", -ENOTSUP, "two comparisons" },
        { "reflag_without_re", "F|contains|i", "\"x\"", -ENOTSUP, "sub-modifier of 're'" },
        { "base64_then_re", "F|base64|re", "\"x\"", -ENOTSUP, "'base64' cannot be combined with 're'" },
        { "windash_cidr", "F|windash|cidr", "\"10.0.0.0/8\"", -ENOTSUP, "cannot be combined" },
        { "fieldref_lt", "F|fieldref|lt", "\"G\"", -ENOTSUP, "'fieldref' cannot be combined with 'lt'" },
        { "fieldref_base64", "F|fieldref|base64", "\"G\"", -ENOTSUP, "cannot be combined" },
        { "hour_contains", "F|hour|contains", "5", -ENOTSUP, "'hour' cannot be combined with 'contains'" },
        { "two_subjects", "F|hour|fieldref", "5", -ENOTSUP, "cannot be combined" },
        { "keyword_exists", "|exists", "true", -ENOTSUP, "needs a field" },
        { "keyword_fieldref", "|fieldref", "\"x\"", -ENOTSUP, "needs a field" },
        { "expand_missing", "F|expand", "\"%nope%\"", -ENOTSUP, "placeholder %nope% has no value" },
        { "expand_empty_list", "F|expand", "\"%empty%\"", -ENOTSUP, "placeholder %empty% has no value" },
        { "bad_regex", "F|re", "\"(\"", -EINVAL, "regular expression" },
        { "cidr_prefix_too_long", "F|cidr", "\"10.0.0.0/33\"", -EINVAL, "CIDR" },
        { "cidr_not_address", "F|cidr", "\"ten/8\"", -EINVAL, "CIDR" },
        { "cidr_empty_prefix", "F|cidr", "\"10.0.0.0/\"", -EINVAL, "CIDR" },
        { "lt_text", "F|lt", "\"abc\"", -EINVAL, "numeric" },
        { "lt_null", "F|lt", "null", -EINVAL, "null" },
        { "hour_text", "F|hour", "\"noon\"", -EINVAL, "numeric" },
        { "exists_text", "F|exists", "\"yes\"", -EINVAL, "true or false" },
        { "base64_wildcard", "F|base64", "\"a*b\"", -EINVAL, "wildcards" },
        { "base64offset_wildcard", "F|base64offset|contains", "\"a?b\"", -EINVAL, "wildcards" },
        { "wide_latin1_is_fine", "F|wide", "\"\\u00ff\"", 0, "" },
        { "fieldref_wildcard", "F|fieldref", "\"G*\"", -EINVAL, "plain field name" },
        { "empty_list", "F", "[]", -EINVAL, "empty" },
        { "nested_list", "F", "[[\"a\"]]", -EINVAL, "scalar" },
        { "object_value", "F", "{\"a\": 1}", -EINVAL, "scalar" },
        { "windash_too_many", "F|windash", "\"-a -b -c -d -e -f\"", -EINVAL, "variants" },
};

START_TEST(test_error_cases)
{
        const struct ecase *c = &error_cases[_i];
        _cleanup_json_ struct json_object *v = json_tokener_parse(c->json);
        struct match_item *it = (struct match_item *)&it;       /* must be reset to NULL */
        char err[256] = "";

        int r = match_item_compile(c->spec, v, &env, &it, err, sizeof(err));
        ck_assert_msg(r == c->rc, "%s: rc %d, want %d (%s)", c->name, r, c->rc, err);
        ck_assert_msg(strstr(err, c->err), "%s: message '%s' lacks '%s'", c->name, err, c->err);
        if (r < 0)
                ck_assert_ptr_null(it);
        match_item_free(r == 0 ? it : NULL);
}
END_TEST

/* Invalid UTF-8 cannot come through json-c; feed it directly. */
START_TEST(test_utf16_invalid_utf8)
{
        _cleanup_json_ struct json_object *v = json_object_new_string_len("a\xff", 2);
        struct match_item *it;
        char err[128] = "";

        ck_assert_int_eq(match_item_compile("F|utf16le", v, &env, &it, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "UTF-8"));
        ck_assert_int_eq(match_item_compile("F|re", v, &env, &it, err, sizeof(err)), -EINVAL);
}
END_TEST

/* ---- modifier names ------------------------------------------------------------------------------------------ */

START_TEST(test_modifier_names)
{
        /* every modifier of the Sigma v2.1 modifiers appendix */
        static const char *const want[] = {
                "all", "startswith", "endswith", "contains", "exists", "cased", "neq", "windash", "re", "i", "m",
                "s", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "lt", "lte", "gt", "gte",
                "minute", "hour", "day", "week", "month", "year", "cidr", "expand", "fieldref",
        };
        const char *const *names = match_modifier_names();
        size_t n = 0;

        while (names[n])
                n++;
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                bool found = false;
                for (size_t k = 0; k < n; k++)
                        found |= strcmp(names[k], want[i]) == 0;
                ck_assert_msg(found, "modifier %s missing", want[i]);
        }
        /* each name compiles (as far as its value allows) */
        for (size_t k = 0; k < n; k++) {
                char spec[64], err[128];
                struct match_item *it;
                snprintf(spec, sizeof(spec), "F|%s", names[k]);
                int r = match_item_compile(spec, NULL, &env, &it, err, sizeof(err));
                ck_assert_msg(r != -ENOTSUP || strstr(err, "unsupported") == NULL, "%s: %s", spec, err);
                if (r == 0)
                        match_item_free(it);
        }
}
END_TEST

/* ---- evaluation cost --------------------------------------------------------------------------------------- */

/* A hostile value against a glob and a regex must finish promptly. */
START_TEST(test_hostile_values_bounded)
{
        static char big[64 * 1024];
        struct match_item *g, *re;
        struct winevent ev;
        char err[128];
        _cleanup_json_ struct json_object *gv = json_object_new_string("*a*a*a*a*a*a*a*a*a*a*b");
        _cleanup_json_ struct json_object *rv = json_object_new_string("^(a|aa)+$");

        memset(big, 'a', sizeof(big) - 2);
        big[sizeof(big) - 2] = 'c';
        ck_assert_int_eq(match_item_compile("F", gv, &env, &g, err, sizeof(err)), 0);
        ck_assert_int_eq(match_item_compile("F|re", rv, &env, &re, err, sizeof(err)), 0);
        winevent_init(&ev);
        ck_assert_int_eq(winevent_set_field(&ev, "F", 1, big, sizeof(big) - 1), 0);

        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ck_assert_int_eq(match_item_eval(g, &ev), TRI_NO);
        ck_assert_int_eq(match_item_eval(re, &ev), TRI_NO);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        ck_assert_msg(s < 5.0, "took %.2fs", s);

        winevent_free(&ev);
        match_item_free(g);
        match_item_free(re);
}
END_TEST

/* ---- needles: what the ruleset's prefilter may rely on ------------------------------------------ */

struct ncase {
        const char *name;
        const char *spec;
        const char *json;
        size_t want;                    /* needles; 0: no guarantee */
        const char *first;              /* needle 0, folded; NULL when want is 0 */
        bool never_yes;
};

static const struct ncase needle_cases[] = {
        { "contains_list", "F|contains", "[\"Mimi\", \"kAtz\"]", 2, "mimi", false },
        { "equals", "F", "\"Cmd.EXE\"", 1, "cmd.exe", false },
        { "startswith", "F|startswith", "\"C:\\\\Win\"", 1, "c:\\win", false },
        { "endswith", "F|endswith", "\"\\\\X.exe\"", 1, "\\x.exe", false },
        { "cased_folded_here", "F|contains|cased", "\"AbC\"", 1, "abc", false },
        /* `all`: every value must match, so the most selective value's needles are enough */
        { "all_one_value", "F|contains|all", "[\"-enc\", \"power\"]", 1, "power", false },
        { "all_digits_weak", "F|contains|all", "[\"12345678\", \"abc\"]", 1, "abc", false },
        { "all_windash_variants", "F|windash|contains|all", "[\"-abcdef\", \"xy\"]", 5, "-abcdef", false },
        { "glob_longest_run", "F", "\"a*bcd?e*\"", 1, "bcd", false },
        { "windash_each_variant", "F|windash|contains", "\"-x\"", 5, "-x", false },
        { "star_alone", "F", "\"*\"", 0, NULL, false },
        { "empty_value", "F", "\"\"", 0, NULL, false },
        { "one_value_without_literal", "F|contains", "[\"abc\", \"*\"]", 0, NULL, false },
        { "null", "F", "null", 0, NULL, false },
        { "null_in_list", "F", "[\"x\", null]", 0, NULL, false },
        { "neq", "F|neq", "\"x\"", 0, NULL, false },
        { "keyword", NULL, "\"needle\"", 0, NULL, false },
        /* |re: a literal every match contains (match_re_literal.c), or nothing when unsure */
        { "re_literal", "F|re", "\"abc\"", 1, "abc", false },
        { "re_literal_then_class", "F|re", "\"^IPConfig\\\\s+/all\"", 1, "ipconfig", false },
        { "re_escaped_literals", "F|re", "\"\\\\$PSHome\\\\[\\\\s*\\\\d\"", 1, "$pshome[", false },
        { "re_optional_last_char", "F|re", "\"abcd*e\"", 1, "abc", false },
        { "re_dot_ends_it", "F|re", "\"cmd.{0,5}x\"", 1, "cmd", false },
        { "re_later_run", "F|re", "\"ab*cdef\"", 1, "cdef", false },
        { "re_too_short", "F|re", "\"ab*cd.e\"", 0, NULL, false },
        { "re_repeat_ends_run", "F|re", "\"xyzw+abc\"", 1, "xyzw", false },
        { "re_group_content", "F|re", "\"(?i)(?:set).*&&\\\\s?(?:invoke)\"", 1, "invo", false },
        { "re_optional_group_skipped", "F|re", "\"ab(?:verylong)?cd\"", 0, NULL, false },
        { "re_repeated_group_kept", "F|re", "\"a(?:verylong)+b\"", 1, "averylong", false },
        /* the run before a group every match enters goes on into it, and ends with it */
        { "re_run_into_group", "F|re", "\"\\\"(?:\\\\{\\\\d\\\\})+\\\"\\\\s*-f\"", 1, "\"{", false },
        { "re_run_into_capture", "F|re", "\"xy(cdef)+gh\"", 1, "xycdef", false },
        { "re_run_not_into_optional", "F|re", "\"wxyz(?:cd)?gh\"", 1, "wxyz", false },
        { "re_run_not_into_lookahead", "F|re", "\"wxyz(?=ab)cd\"", 1, "wxyz", false },
        { "re_lone_backtick", "F|re", "\"\\\\w+`(?:\\\\w+|-|.)`\"", 1, "`", false },
        { "re_lookahead_skipped", "F|re", "\"(?=verylong)ab\"", 0, NULL, false },
        { "re_punctuation_pair", "F|re", "\"set.*&&.*x\"", 1, "set", false },
        { "re_punctuation_only", "F|re", "\"a.*&&.*b\"", 1, "&&", false },
        { "re_caseless_splits_at_s", "F|re", "\"(?i)\\\\.exe\\\\s+werfaultsecure\\\\.exe\"", 1, "ecure.exe", false },
        { "re_digits_weak", "F|re", "\"123456789.abcd\"", 1, "abcd", false },
        { "re_hex_escape_refused", "F|re", "\"abcd\\\\x41efgh\"", 0, NULL, false },
        { "re_backref_refused", "F|re", "\"(abcd)\\\\1\"", 0, NULL, false },
        { "re_named_group_refused", "F|re", "\"(?<n>abcd)\"", 0, NULL, false },
        { "re_brace_literal_refused", "F|re", "\"abcd{x\"", 0, NULL, false },
        { "re_posix_class", "F|re", "\"[[:alpha:]]+verylong\"", 1, "verylong", false },
        { "re_class_with_bracket", "F|re", "\"[]a]verylong\"", 1, "verylong", false },
        { "re_alternation_in_optional_group", "F|re", "\"abcd(?:x|y)?efgh\"", 1, "abcd", false },
        { "re_alternation", "F|re", "\"abcdef|xyz\"", 0, NULL, false },
        { "re_alternation_in_group_ok", "F|re", "\"abcd(?:x|y)\"", 1, "abcd", false },
        { "re_class_first", "F|re", "\"[ab]cdef\"", 1, "cdef", false },
        { "re_caseless", "F|re", "\"(?i)abc\"", 1, "abc", false },
        { "re_caseless_kelvin", "F|re", "\"(?i)kelvin\"", 1, "elvin", false },
        { "re_caseless_kelvin_short", "F|re", "\"(?i)kel\"", 0, NULL, false },
        { "re_caseless_flag_long_s", "F|re|i", "\"mask\"", 0, NULL, false },
        { "re_cased_k_ok", "F|re", "\"kelvin\"", 1, "kelvin", false },
        { "re_option_setting", "F|re", "\"(?x)a b c d\"", 0, NULL, false },
        { "re_option_later", "F|re", "\"abcd(?i)e\"", 0, NULL, false },
        { "re_quoting", "F|re", "\"abcd\\\\Q|\\\\E\"", 0, NULL, false },
        { "re_list_one_without", "F|re", "[\"abcdef\", \"\\\\w+x\"]", 0, NULL, false },
        { "exists", "F|exists", "true", 0, NULL, false },
        { "fieldref", "F|fieldref", "\"G\"", 0, NULL, false },
        { "number_compare", "F|gt", "3", 0, NULL, false },
        { "unavailable_never_yes", "Unavailable|contains", "\"x\"", 0, NULL, true },
        { "unavailable_null_can_be_yes", "Unavailable", "null", 0, NULL, false },
        { "unavailable_exists_can_be_yes", "Unavailable|exists", "false", 0, NULL, false },
        { "unavailable_neq_exists", "Unavailable|exists|neq", "true", 0, NULL, false },
};

START_TEST(test_needle_cases)
{
        const struct ncase *c = &needle_cases[_i];
        _cleanup_json_ struct json_object *v = json_tokener_parse(c->json);
        struct match_item *it = NULL;
        char err[256] = "";

        ck_assert_msg(match_item_compile(c->spec, v, &env, &it, err, sizeof(err)) == 0, "%s: %s", c->name, err);
        ck_assert_msg(match_item_needles(it) == c->want, "%s: %zu needles, want %zu", c->name,
                      match_item_needles(it), c->want);
        ck_assert_msg(match_item_never_yes(it) == c->never_yes, "%s: never_yes", c->name);
        if (c->first) {
                const unsigned char *b;
                size_t len;
                bool cased;
                char folded[64];

                match_item_needle(it, 0, &b, &len, &cased);
                ck_assert(len < sizeof(folded));
                for (size_t k = 0; k < len; k++)
                        folded[k] = (char)(b[k] >= 'A' && b[k] <= 'Z' ? b[k] + 32 : b[k]);
                folded[len] = '\0';
                ck_assert_msg(strcmp(folded, c->first) == 0, "%s: needle '%s', want '%s'", c->name, folded,
                              c->first);
        }
        match_item_free(it);
}
END_TEST

/* The folded-value cache gives the same answers as folding while comparing:
 * every kind of string matcher, twice on one event (cache cold, then warm),
 * on a value with upper case, with none, and with NUL bytes. */
START_TEST(test_folded_cache_same_answers)
{
        static const struct {
                const char *spec, *json;
                enum tri want;
        } rows[] = {
                { "F", "\"c:\\\\windows\\\\cmd.exe /c WHOAMI\"", YES },
                { "F|startswith", "\"C:\\\\WINDOWS\"", YES },
                { "F|endswith", "\"whoami\"", YES },
                { "F|contains", "\"CMD.exe /C\"", YES },
                { "F|contains", "\"cmd.exe  /c\"", NO },
                { "F", "\"*windows?cmd*WHO?MI\"", YES },
                { "F|contains|cased", "\"whoAMI\"", YES },
                { "F|contains|cased", "\"WHOAMI\"", NO },
                { "F|contains", "\"w\"", YES },
                { NULL, "\"CMD.EXE\"", YES },
        };
        struct winevent ev;
        const char *value = "C:\\Windows\\cmd.exe /c whoAMI";

        winevent_init(&ev);
        ck_assert_int_eq(winevent_set_field(&ev, "F", 1, value, strlen(value)), 0);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_json_ struct json_object *v = json_tokener_parse(rows[i].json);
                struct match_item *it = NULL;
                char err[256] = "";

                ck_assert_msg(match_item_compile(rows[i].spec, v, &env, &it, err, sizeof(err)) == 0, "%s", err);
                for (int pass = 0; pass < 2; pass++)
                        ck_assert_msg(match_item_eval(it, &ev) == rows[i].want, "row %zu pass %d", i, pass);
                match_item_free(it);
        }
        winevent_free(&ev);
}
END_TEST

/* ---- the ruleset's prefilter never changes a result -------------------------------------------------- */

/* Rules that exercise what the prefilter must not rely on (not, keywords,
 * null, neq, re, unavailable fields, filters) and what it uses (contains,
 * equals, globs, windash, wide/base64offset, all, 1 of / all of). */
static const char *const pf_rules[] = {
        "detection:\n  selection:\n    CommandLine|contains: ['mimikatz', 'sekurlsa::']\n  condition: selection\n",
        "detection:\n  selection:\n    Image|endswith: '\\evil.exe'\n  filter:\n    CommandLine|contains: 'safe'\n"
        "  condition: selection and not filter\n",
        "detection:\n  selection:\n    CommandLine|contains: 'x'\n  condition: not selection\n",
        "detection:\n  selection_a:\n    Image|endswith: '\\a.exe'\n  selection_b:\n"
        "    CommandLine|contains|all: ['-enc', 'power']\n  condition: 1 of selection_*\n",
        "detection:\n  keywords:\n    - 'needle'\n  condition: keywords\n",
        "detection:\n  selection:\n    CommandLine: null\n  condition: selection\n",
        "detection:\n  selection:\n    CommandLine|contains|cased: 'CaSeD'\n  condition: selection\n",
        "detection:\n  selection:\n    CommandLine|re: 'ab+c'\n  condition: selection\n",
        "detection:\n  selection:\n    CommandLine|re: 'alpha\\s*beta'\n  condition: selection\n",
        "detection:\n  selection:\n    CommandLine|re|i: 'ALPHA\\s+beta'\n  condition: selection\n",
        "detection:\n  sel1:\n    CommandLine|contains: 'alpha'\n  sel2:\n    ParentImage|neq: 'x'\n"
        "  condition: sel1 or sel2\n",
        "detection:\n  selection_img:\n    Image|endswith: '\\pchunter.exe'\n  selection_pe:\n"
        "    OriginalFileName: 'pc.exe'\n  condition: 1 of selection_*\n",
        "detection:\n  selection:\n    CommandLine: '*foo?bar*baz*'\n  condition: selection\n",
        "detection:\n  selection:\n    CommandLine|windash|contains: '-enc'\n  condition: selection\n",
        "detection:\n  selection:\n    CommandLine|wide|base64offset|contains: 'ping'\n  condition: selection\n",
        "detection:\n  selection_1:\n    Image|endswith: '.exe'\n  selection_2:\n    CommandLine|contains: 'yy'\n"
        "  condition: all of selection_*\n",
        "detection:\n  selection:\n    - Image|endswith: '\\x.exe'\n    - CommandLine|contains: 'yy'\n"
        "  condition: selection\n",
        "detection:\n  selection:\n    CommandLine|contains: 'zz'\n    ParentImage|exists: false\n"
        "  condition: selection\n",
        "detection:\n  selection:\n    Image|endswith: '\\cmd.exe'\n  noise:\n    CommandLine|contains: 'qq'\n"
        "  condition: selection or not noise\n",
        /* fields the engine adds after decoding (ruleset_prescan leaves them late) */
        "detection:\n  selection:\n    User|contains: 'ADMIN'\n  condition: selection\n",
        "detection:\n  selection:\n    IntegrityLevel: 'High'\n    CommandLine|contains: 'yy'\n"
        "  condition: selection\n",
        "detection:\n  selection:\n    InChangeWindow|contains: 'tru'\n  condition: selection\n",
        "detection:\n  selection:\n    SubjectLogonPrivileged: 'true'\n    CommandLine|contains: 'x'\n"
        "  condition: selection\n",
        /* two clauses (prefilter.c): other selections, other items of the
         * same selection, one clause early and one late, a pinned item
         * reused where its group has no other */
        "detection:\n  selection_a:\n    Image|endswith: ['\\cmd.exe', '\\a.exe']\n  selection_b:\n"
        "    CommandLine|contains: ['yy', 'alpha']\n  condition: selection_a and selection_b\n",
        "detection:\n  selection:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: ['qq', 'needle']\n"
        "  condition: selection\n",
        "detection:\n  selection:\n    User|contains: 'ADMIN'\n    CommandLine|contains: ['x', 'enc']\n"
        "  filter:\n    CommandLine|contains: 'safe'\n  condition: selection and not filter\n",
        "detection:\n  selection_1:\n    Image|contains: '\\windows\\'\n    CommandLine|contains: ['alpha', 'yy']\n"
        "  selection_2:\n    CommandLine|contains: 'zz'\n  filter:\n    CommandLine|contains: 'beta'\n"
        "  condition: 1 of selection_* and not filter\n",
        "detection:\n  selection:\n    IntegrityLevel: 'High'\n    User|contains: 'corp'\n  selection_special:\n"
        "    - Image|endswith: '\\a.exe'\n    - CommandLine|re: 'net\\s+user'\n"
        "    - CommandLine|contains: [' -ma ', 'sekurlsa']\n  condition: all of selection*\n",
        /* a lone backtick is a regular expression's needle (match_re_literal.c) */
        "detection:\n  selection:\n    - CommandLine|re: '\\w+`(?:\\w+|-|.)`'\n    - CommandLine|contains: 'zz'\n"
        "  condition: selection\n",
};

static const char *const pf_cmdlines[] = {
        "", "C:\\Tools\\MIMIKATZ.exe sekurlsa::logonpasswords", "powershell -ENC abc", "powershell /enc x",
        "safe run", "a needle here", "CaSeD", "cased", "xABBBCx", "alpha", "FOO1BARxxBAZ", "fooXbar baz",
        "cmd \xe2\x80\x93" "enc", "yy", "zz", "qq", "cABpAG4AZwA", "x", "xALPHA beta", "alpha  beta",
        "alphabeta", "Alpha\tBETA", "net  user x", "NET USER", "i`E`x y", "a`b", "cmd -ma lsass",
};

static const char *const pf_images[] = {
        "C:\\Windows\\System32\\cmd.exe", "C:\\Temp\\EVIL.EXE", "C:\\a.exe", "C:\\T\\PCHunter.exe",
        "C:\\x.exe", "C:\\y.com",
};

struct pf_set {
        const struct sigma_variant *v[256];
        size_t n;
};

static void pf_hit(void *ud, const struct sigma_variant *v, const enum tri *sel, struct winevent *ev)
{
        struct pf_set *s = ud;

        ck_assert(s->n < ELEMENTSOF(s->v));
        s->v[s->n++] = v;
}

static void pf_explain(void *ud, const struct sigma_variant *v, bool candidate, enum tri result,
                       const enum tri *sel, struct winevent *ev)
{
        if (candidate && result == TRI_YES)
                pf_hit(ud, v, sel, ev);
}

static int pf_ptr_cmp(const void *a, const void *b)
{
        const void *x = *(const void *const *)a, *y = *(const void *const *)b;

        return x < y ? -1 : x > y;
}

static void pf_event(struct winevent *ev, bool sysmon, const char *image, const char *cmdline, bool parent)
{
        winevent_reset(ev);
        ev->channel = sysmon ? "Microsoft-Windows-Sysmon/Operational" : "Security";
        ev->event_id = sysmon ? 1 : 4688;
        ck_assert_int_eq(winevent_set_field(ev, sysmon ? "Image" : "NewProcessName", sysmon ? 5 : 14, image,
                                            strlen(image)), 0);
        if (cmdline)
                ck_assert_int_eq(winevent_set_field(ev, "CommandLine", 11, cmdline, strlen(cmdline)), 0);
        if (parent)
                ck_assert_int_eq(winevent_set_field(ev, sysmon ? "ParentImage" : "ParentProcessName",
                                                    sysmon ? 11 : 17, "C:\\x", 4), 0);
        if (sysmon)
                ck_assert_int_eq(winevent_set_field(ev, "OriginalFileName", 16, "pc.exe", 6), 0);
        if (!sysmon) {
                /* what logsource_derive() turns into User and IntegrityLevel */
                ck_assert_int_eq(winevent_set_field(ev, "SubjectUserName", 15, "admin", 5), 0);
                ck_assert_int_eq(winevent_set_field(ev, "SubjectDomainName", 17, "CORP", 4), 0);
                ck_assert_int_eq(winevent_set_field(ev, "MandatoryLabel", 14, "S-1-16-12288", 12), 0);
        }
}

/* What enrich_event() adds, after the prescan. */
static void pf_enrich(struct winevent *ev, int parent)
{
        if (parent) {
                ck_assert_int_eq(winevent_set_field(ev, "InChangeWindow", 14, "true", 4), 0);
                ck_assert_int_eq(winevent_set_field(ev, "SubjectLogonPrivileged", 22, "true", 4), 0);
        }
}

/* A new rule file in dir (the i-th), open for writing. */
static FILE *pf_rule_open(const char *dir, unsigned i)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/r%03u.yml", dir, i);
        f = fopen(path, "w");
        ck_assert_msg(f, "%s: %s", path, strerror(errno));
        return f;
}

/* The rules written into dir: exactly `want` of them load. */
static struct ruleset *pf_load(char *dir, size_t want, struct ruleset_report *rep)
{
        struct ruleset *rs = NULL;
        char *paths[] = { dir };
        struct ruleset_opts o = { .paths = paths, .npaths = 1 };

        ck_assert_msg(ruleset_load(&o, &rs, rep) == 0, "%s", rep->error);
        ck_assert_uint_eq(rep->loaded, want);
        return rs;
}

/* A Sysmon process creation with this command line: the hits with the
 * prefilter (ruleset_eval) are those of full evaluation (ruleset_explain).
 * Their number. */
static size_t pf_agree_cmdline(const struct ruleset *rs, struct winevent *ev, const char *cmd)
{
        struct pf_set fast = { 0 }, full = { 0 };

        pf_event(ev, true, "C:\\x.exe", cmd, false);
        ruleset_eval(rs, ev, pf_hit, &fast);
        pf_event(ev, true, "C:\\x.exe", cmd, false);
        ruleset_explain(rs, ev, pf_explain, &full);
        qsort(fast.v, fast.n, sizeof(fast.v[0]), pf_ptr_cmp);
        qsort(full.v, full.n, sizeof(full.v[0]), pf_ptr_cmp);
        ck_assert_msg(fast.n == full.n && memcmp(fast.v, full.v, fast.n * sizeof(fast.v[0])) == 0,
                      "cmdline '%s': %zu hits, full evaluation %zu", cmd, fast.n, full.n);
        return fast.n;
}

START_TEST(test_prefilter_agrees_with_full_evaluation)
{
        char dir[] = "/tmp/spoor-test-prefilter-XXXXXX";
        struct ruleset *rs = NULL;
        struct ruleset_report rep = { 0 };
        struct winevent ev;
        size_t hits = 0;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        for (size_t i = 0; i < ELEMENTSOF(pf_rules); i++) {
                FILE *f = pf_rule_open(dir, (unsigned)i);
                fprintf(f, "title: prefilter %zu\nid: pf-%02zu\nlevel: high\n"
                        "logsource:\n  category: process_creation\n  product: windows\n%s",
                        i, i, pf_rules[i]);
                fclose(f);
        }
        rs = pf_load(dir, ELEMENTSOF(pf_rules), &rep);

        winevent_init(&ev);
        /* long values go through ruleset_prescan's cache (prefilter_cache.c):
         * the second round replays what the first scanned */
        for (int round = 0; round < 3; round++)
        for (int sysmon = 0; sysmon < 2; sysmon++)
                for (size_t im = 0; im < ELEMENTSOF(pf_images); im++)
                        for (size_t cl = 0; cl <= ELEMENTSOF(pf_cmdlines); cl++)
                                for (int parent = 0; parent < 2; parent++) {
                                        char longer[256];
                                        const char *cmd = cl < ELEMENTSOF(pf_cmdlines) ? pf_cmdlines[cl] : NULL;

                                        if (cmd && round > 0) {
                                                snprintf(longer, sizeof(longer), "%s%s", round == 1 ?
                                                         "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\p.exe " :
                                                         "a padded command line, long enough to be kept: ", cmd);
                                                cmd = longer;
                                        }
                                        struct pf_set fast = { 0 }, full = { 0 }, split = { 0 };
                                        struct ruleset_pre pre;

                                        pf_event(&ev, sysmon, pf_images[im], cmd, parent);
                                        pf_enrich(&ev, parent);
                                        ruleset_eval(rs, &ev, pf_hit, &fast);
                                        /* in two steps, the enrichment between them: the same
                                         * hits in the same order */
                                        pf_event(&ev, sysmon, pf_images[im], cmd, parent);
                                        ruleset_prescan(rs, &ev, &pre);
                                        ck_assert_ptr_eq(pre.rs, rs);
                                        pf_enrich(&ev, parent);
                                        ruleset_eval_pre(rs, &ev, &pre, pf_hit, &split);
                                        ck_assert_msg(split.n == fast.n &&
                                                      memcmp(split.v, fast.v, fast.n * sizeof(fast.v[0])) == 0,
                                                      "sysmon %d image %s cmdline %s parent %d: %zu hits in two "
                                                      "steps, %zu in one", sysmon, pf_images[im],
                                                      cmd ? cmd : "(absent)", parent, split.n, fast.n);
                                        pf_event(&ev, sysmon, pf_images[im], cmd, parent);
                                        pf_enrich(&ev, parent);
                                        ruleset_explain(rs, &ev, pf_explain, &full);
                                        qsort(fast.v, fast.n, sizeof(fast.v[0]), pf_ptr_cmp);
                                        qsort(full.v, full.n, sizeof(full.v[0]), pf_ptr_cmp);
                                        ck_assert_msg(fast.n == full.n &&
                                                      memcmp(fast.v, full.v, fast.n * sizeof(fast.v[0])) == 0,
                                                      "sysmon %d image %s cmdline %s parent %d: %zu hits, "
                                                      "full evaluation %zu", sysmon, pf_images[im],
                                                      cmd ? cmd : "(absent)", parent, fast.n, full.n);
                                        hits += fast.n;
                                }
        ck_assert_msg(hits > 100, "only %zu hits: the table tests nothing", hits);
        winevent_free(&ev);
        ruleset_free(rs);
        ruleset_report_fini(&rep);
        unit_rmtree(dir);
}
END_TEST

/* Needles of two to four "syllables" (40 of them, 3 characters from 58),
 * one rule each: the automaton has ~59 byte classes and so about 300
 * dense rows of its ~2,500 states, and a needle's end is another's
 * beginning so often that failure and dictionary links lead from deep
 * states to deep states.  Texts spliced from needles, their prefixes and
 * pieces walk deep and fall back along those links: a link computed
 * before its target (numbering the states other than breadth first, say)
 * loses hits here. */
START_TEST(test_prefilter_deep_links)
{
        enum { RULES = 400, SYLLABLES = 40, LEN = 12, EVENTS = 3000, CHUNKS = 6 };
        static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789-_.,;:!#$%&()+=@[]^{}~";
        char dir[] = "/tmp/spoor-test-links-XXXXXX";
        char syl[SYLLABLES][4], needles[RULES][LEN + 1], cmd[CHUNKS * LEN + 1];
        struct ruleset *rs = NULL;
        struct ruleset_report rep = { 0 };
        struct winevent ev;
        size_t hits = 0;
        uint32_t seed = 777;

#define LINKS_RAND() ((seed = seed * 1103515245u + 12345u) >> 16)
        for (int y = 0; y < SYLLABLES; y++) {
                for (int k = 0; k < 3; k++)
                        syl[y][k] = alpha[LINKS_RAND() % (sizeof(alpha) - 1)];
                syl[y][3] = '\0';
        }
        ck_assert_ptr_nonnull(mkdtemp(dir));
        for (int r = 0; r < RULES; r++) {
                int n = 2 + (int)(LINKS_RAND() % 3);
                needles[r][0] = '\0';
                for (int k = 0; k < n; k++)
                        strcat(needles[r], syl[LINKS_RAND() % SYLLABLES]);
                FILE *f = pf_rule_open(dir, (unsigned)r);
                fprintf(f, "title: links %d\nid: links-%03d\nlevel: high\nlogsource:\n  category: process_creation\n"
                        "  product: windows\ndetection:\n  selection:\n    CommandLine|contains: '%s'\n"
                        "  condition: selection\n", r, r, needles[r]);
                fclose(f);
        }
        rs = pf_load(dir, RULES, &rep);

        winevent_init(&ev);
        for (int e = 0; e < EVENTS; e++) {
                size_t len = 0;
                for (int c = 0; c < CHUNKS; c++) {
                        const char *nd = needles[LINKS_RAND() % RULES];
                        /* a whole needle, a prefix (a path left half-way), or a piece */
                        size_t nl = strlen(nd), pick = LINKS_RAND() % 3;
                        size_t from = pick == 2 ? LINKS_RAND() % nl : 0;
                        size_t n = pick == 0 ? nl : 1 + LINKS_RAND() % (nl - from);
                        memcpy(cmd + len, nd + from, n);
                        len += n;
                }
                cmd[len] = '\0';
                hits += pf_agree_cmdline(rs, &ev, cmd);
        }
#undef LINKS_RAND
        ck_assert_msg(hits > EVENTS, "only %zu hits: the texts test nothing", hits);
        winevent_free(&ev);
        ruleset_free(rs);
        ruleset_report_fini(&rep);
        unit_rmtree(dir);
}
END_TEST

/* ---- a channel with more automata than an acs mask has bits ---------------------------------------------- */

/* 80 rules, each on its own field: 80 automata, the 64th and later sharing
 * bit 63 of the masks (ruleset_scan walks those one by one).  An event with
 * one field set hits that field's rule and no other, with the prefilter as
 * in full evaluation. */
START_TEST(test_prefilter_many_automata)
{
        enum { FIELDS = 80 };
        char dir[] = "/tmp/spoor-test-manyac-XXXXXX";
        struct ruleset *rs = NULL;
        struct ruleset_report rep = { 0 };
        struct winevent ev;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        for (int r = 0; r < FIELDS; r++) {
                FILE *f = pf_rule_open(dir, (unsigned)r);
                fprintf(f, "title: field %d\nid: manyac-%02d\nlevel: high\nlogsource:\n  product: windows\n"
                        "  service: security\ndetection:\n  selection:\n    Field%02d|contains: 'needle%02d'\n"
                        "  condition: selection\n", r, r, r, r);
                fclose(f);
        }
        rs = pf_load(dir, FIELDS, &rep);
        winevent_init(&ev);
        for (int k = 0; k < FIELDS; k++)
                for (int hit = 0; hit < 2; hit++) {
                        struct pf_set fast = { 0 }, full = { 0 };
                        char name[16], value[64];

                        winevent_reset(&ev);
                        ev.channel = "Security";
                        ev.event_id = 4624;
                        snprintf(name, sizeof(name), "Field%02d", k);
                        snprintf(value, sizeof(value), "a value with %s in it", hit ? "NEEDLE" : "nothing");
                        if (hit)
                                snprintf(value, sizeof(value), "a value with NEEDLE%02d in it", k);
                        ck_assert_int_eq(winevent_set_field(&ev, name, strlen(name), value, strlen(value)), 0);
                        ruleset_eval(rs, &ev, pf_hit, &fast);
                        ruleset_explain(rs, &ev, pf_explain, &full);
                        ck_assert_msg(fast.n == (size_t)hit && full.n == (size_t)hit,
                                      "field %d, hit %d: %zu hits, full evaluation %zu", k, hit, fast.n, full.n);
                        if (hit)
                                ck_assert_ptr_eq(fast.v[0], full.v[0]);
                }
        winevent_free(&ev);
        ruleset_free(rs);
        ruleset_report_fini(&rep);
        unit_rmtree(dir);
}
END_TEST

/* ---- the Aho-Corasick automaton's deep states (prefilter.c) ----------------------------------------------- */

/* Enough needles over a small alphabet that the automaton has states past
 * its dense rows (failure links followed through edge lists), and text
 * over the same alphabet: the prefilter never changes a result. */
START_TEST(test_prefilter_deep_automaton)
{
        enum { RULES = 24, NEEDLES = 120, LEN = 7, EVENTS = 400, TEXT = 60 };
        char dir[] = "/tmp/spoor-test-deep-XXXXXX";
        char cmd[TEXT + 1];
        struct ruleset *rs = NULL;
        struct ruleset_report rep = { 0 };
        struct winevent ev;
        size_t hits = 0;
        uint32_t seed = 12345;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        for (int r = 0; r < RULES; r++) {
                FILE *f = pf_rule_open(dir, (unsigned)r);
                fprintf(f, "title: deep %d\nid: deep-%02d\nlevel: high\nlogsource:\n  category: process_creation\n"
                        "  product: windows\ndetection:\n  selection:\n    CommandLine|contains:\n", r, r);
                for (int n = 0; n < NEEDLES; n++) {
                        char nd[LEN + 1];
                        int len = 3 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % (LEN - 2);
                        for (int k = 0; k < len; k++)
                                nd[k] = "abcdEFG"[((seed = seed * 1103515245u + 12345u) >> 16) % 7];
                        nd[len] = '\0';
                        fprintf(f, "      - '%s'\n", nd);
                }
                fprintf(f, "  condition: selection\n");
                fclose(f);
        }
        rs = pf_load(dir, RULES, &rep);

        winevent_init(&ev);
        for (int e = 0; e < EVENTS; e++) {
                int len = (int)((seed = seed * 1103515245u + 12345u) >> 16) % TEXT;
                for (int k = 0; k < len; k++)
                        cmd[k] = "abcdefgABCDEFG x"[((seed = seed * 1103515245u + 12345u) >> 16) % 16];
                cmd[len] = '\0';
                hits += pf_agree_cmdline(rs, &ev, cmd);
        }
        ck_assert_msg(hits > EVENTS && hits < (size_t)EVENTS * RULES, "%zu hits: the table tests nothing", hits);
        winevent_free(&ev);
        ruleset_free(rs);
        ruleset_report_fini(&rep);
        unit_rmtree(dir);
}
END_TEST

/* ---- `any` variants pinned to event ids by their selections (ruleset_sets.c) ------------------- */

/* Security rules without an event id in their logsource: pinned (1 of
 * selections that each name an EventID), half pinned, negated, `all`,
 * non-canonical ids, and unpinned ones, evaluated on events of every id
 * they name and others: the index never changes a result. */
static const char *const pin_rules[] = {
        "detection:\n  selection_517:\n    EventID: 517\n    Provider_Name: Security\n  selection_1102:\n"
        "    EventID: 1102\n    Provider_Name: Microsoft-Windows-Eventlog\n  condition: 1 of selection_*\n",
        "detection:\n  sel_a:\n    EventID: 4688\n  sel_b:\n    CommandLine|contains: 'x'\n"
        "  condition: 1 of sel_*\n",
        "detection:\n  sel_a:\n    EventID: '04688'\n  sel_b:\n    EventID: 517\n  condition: 1 of sel_*\n",
        "detection:\n  sel:\n    EventID: 517\n  condition: not sel\n",
        "detection:\n  sel_a:\n    EventID|all: [517, 1102]\n  sel_b:\n    - EventID: 4624\n"
        "    - EventID: 4625\n      CommandLine: 'y'\n  condition: 1 of sel_*\n",
        "detection:\n  sel_a:\n    EventID: 517\n  sel_b:\n    EventID: 1102\n  filter:\n"
        "    CommandLine: 'x'\n  condition: 1 of sel_* and not filter\n",
        "detection:\n  sel_a:\n    EventID|startswith: '11'\n  sel_b:\n    EventID: 517\n"
        "  condition: 1 of sel_*\n",
        "detection:\n  keywords:\n    - 'x'\n  condition: keywords\n",
};

static const uint32_t pin_ids[] = { 0, 517, 1102, 1100, 4624, 4625, 4688, 65535 };

START_TEST(test_pinned_event_ids_agree_with_full_evaluation)
{
        char dir[] = "/tmp/spoor-test-pinned-XXXXXX";
        char num[16];
        struct ruleset *rs = NULL;
        struct ruleset_report rep = { 0 };
        struct winevent ev;
        size_t hits = 0;
        static const char *const providers[] = { "Security", "Microsoft-Windows-Eventlog" };
        static const char *const cmds[] = { NULL, "x", "y" };

        ck_assert_ptr_nonnull(mkdtemp(dir));
        for (size_t i = 0; i < ELEMENTSOF(pin_rules); i++) {
                FILE *f = pf_rule_open(dir, (unsigned)i);
                fprintf(f, "title: pinned %zu\nid: pin-%02zu\nlevel: high\n"
                        "logsource:\n  product: windows\n  service: security\n%s", i, i, pin_rules[i]);
                fclose(f);
        }
        rs = pf_load(dir, ELEMENTSOF(pin_rules), &rep);

        winevent_init(&ev);
        for (size_t id = 0; id < ELEMENTSOF(pin_ids); id++)
                for (size_t p = 0; p < ELEMENTSOF(providers); p++)
                        for (size_t c = 0; c < ELEMENTSOF(cmds); c++)
                                for (int pass = 0; pass < 2; pass++) {
                                        struct pf_set fast = { 0 }, full = { 0 };
                                        int n = snprintf(num, sizeof(num), "%u", pin_ids[id]);

                                        winevent_reset(&ev);
                                        ev.channel = "Security";
                                        ev.event_id = pin_ids[id];
                                        /* as decode.c writes it: the decimal event id */
                                        ck_assert_int_eq(winevent_set_field(&ev, "EventID", 7, num, (size_t)n), 0);
                                        ck_assert_int_eq(winevent_set_field(&ev, "Provider_Name", 13, providers[p],
                                                                            strlen(providers[p])), 0);
                                        if (cmds[c])
                                                ck_assert_int_eq(winevent_set_field(&ev, "CommandLine", 11, cmds[c],
                                                                                    strlen(cmds[c])), 0);
                                        if (pass == 0)
                                                ruleset_eval(rs, &ev, pf_hit, &fast);
                                        else
                                                ruleset_explain(rs, &ev, pf_explain, &full);
                                        static struct pf_set first;
                                        if (pass == 0) {
                                                first = fast;
                                                continue;
                                        }
                                        qsort(first.v, first.n, sizeof(first.v[0]), pf_ptr_cmp);
                                        qsort(full.v, full.n, sizeof(full.v[0]), pf_ptr_cmp);
                                        ck_assert_msg(first.n == full.n &&
                                                      memcmp(first.v, full.v, first.n * sizeof(first.v[0])) == 0,
                                                      "event id %u provider %s cmdline %s: %zu hits, full "
                                                      "evaluation %zu", pin_ids[id], providers[p],
                                                      cmds[c] ? cmds[c] : "(absent)", first.n, full.n);
                                        hits += first.n;
                                }
        ck_assert_msg(hits > 20, "only %zu hits: the table tests nothing", hits);
        winevent_free(&ev);
        ruleset_free(rs);
        ruleset_report_fini(&rep);
        unit_rmtree(dir);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------------------------------ */

#define ADD_TABLE(s, label, tbl)                                                        \
        do {                                                                            \
                TCase *tc_ = tcase_create(label);                                       \
                tcase_add_checked_fixture(tc_, env_setup, env_teardown);                \
                tcase_add_loop_test(tc_, test_##tbl, 0, (int)ELEMENTSOF(tbl));          \
                suite_add_tcase(s, tc_);                                                \
        } while (0)

#define ADD_TEST(s, label, fn)                                                          \
        do {                                                                            \
                TCase *tc_ = tcase_create(label);                                       \
                tcase_add_checked_fixture(tc_, env_setup, env_teardown);                \
                tcase_add_test(tc_, fn);                                                \
                suite_add_tcase(s, tc_);                                                \
        } while (0)

static Suite *match_suite(void)
{
        Suite *s = suite_create("match");

        ADD_TABLE(s, "equals_wildcards", equals_cases);
        ADD_TABLE(s, "escapes", escape_cases);
        ADD_TABLE(s, "contains_startswith_endswith", contains_cases);
        ADD_TABLE(s, "cased", cased_cases);
        ADD_TABLE(s, "lists_all_null", list_cases);
        ADD_TABLE(s, "unknown_and_mapping", unknown_cases);
        ADD_TEST(s, "accessors", test_accessors);
        ADD_TABLE(s, "keywords", keyword_cases);
        ADD_TABLE(s, "neq", neq_cases);
        ADD_TABLE(s, "re", re_cases);
        ADD_TABLE(s, "windash", windash_cases);
        ADD_TABLE(s, "base64_utf16", base64_cases);
        ADD_TABLE(s, "cidr", cidr_cases);
        ADD_TABLE(s, "lt_lte_gt_gte", num_cases);
        ADD_TABLE(s, "exists", exists_cases);
        ADD_TABLE(s, "expand", expand_cases);
        ADD_TABLE(s, "fieldref", fieldref_cases);
        ADD_TABLE(s, "time_parts", time_cases);
        ADD_TABLE(s, "compile_errors", error_cases);
        ADD_TEST(s, "utf16_invalid_utf8", test_utf16_invalid_utf8);
        ADD_TEST(s, "modifier_names", test_modifier_names);
        ADD_TEST(s, "hostile_values_bounded", test_hostile_values_bounded);
        ADD_TABLE(s, "needles", needle_cases);
        ADD_TEST(s, "folded_cache_same_answers", test_folded_cache_same_answers);
        ADD_TEST(s, "prefilter_agrees_with_full_evaluation", test_prefilter_agrees_with_full_evaluation);
        ADD_TEST(s, "pinned_event_ids_agree_with_full_evaluation", test_pinned_event_ids_agree_with_full_evaluation);
        ADD_TEST(s, "prefilter_deep_automaton", test_prefilter_deep_automaton);
        ADD_TEST(s, "prefilter_deep_links", test_prefilter_deep_links);
        ADD_TEST(s, "prefilter_many_automata", test_prefilter_many_automata);
        return s;
}

int main(void)
{
        return unit_run(match_suite());
}
