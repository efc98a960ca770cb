/* host.c: the host-name canonicaliser, one table. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/host.h"

#define A51 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H255 A51 A51 A51 A51 A51      /* 255 bytes: EVENT_HOST_MAX */

static const struct host_case {
        const char *name;
        const char *in;
        size_t len;             /* 0: strlen(in) */
        const char *want;       /* NULL: rejected with REJ_BAD_HOST */
} host_cases[] = {
        { "plain", "ws01", 0, "ws01" },
        { "lower_cased", "WS01.Corp.Example", 0, "ws01.corp.example" },
        { "netbios_upper", "MSEDGEWIN10", 0, "msedgewin10" },
        { "trim_spaces", "  ws01  ", 0, "ws01" },
        { "trailing_dot", "ws01.corp.", 0, "ws01.corp" },
        { "trailing_dot_and_space", " Ws01. ", 0, "ws01" },
        { "underscore_dollar", "SRV_01$", 0, "srv_01$" },
        { "digits_first", "01566s-win16-ir.threebeesco.com", 0, "01566s-win16-ir.threebeesco.com" },
        { "max_len", H255, 0, H255 },
        { "too_long", H255 "a", 0, NULL },
        { "too_long_after_trim_ok", " " H255 " ", 0, H255 },
        { "empty", "", 0, NULL },
        { "only_spaces", "   ", 0, NULL },
        { "only_dot", ".", 0, NULL },
        { "leading_dot", ".ws01", 0, NULL },
        { "dotdot", "ws..corp", 0, NULL },
        { "trailing_dotdot", "ws01..", 0, NULL },
        { "path_traversal", "../../etc", 0, NULL },
        { "slash", "ws01/x", 0, NULL },
        { "backslash", "CORP\\ws01", 0, NULL },
        { "nul_inside", "ws\0001", 4, NULL },
        { "tab", "ws\t01", 0, NULL },
        { "trailing_newline", "ws01\n", 0, NULL },
        { "cr", "ws01\r", 0, NULL },
        { "del", "ws\x7f", 0, NULL },
        { "inner_space", "ws 01", 0, NULL },
        { "colon", "ws01:514", 0, NULL },
        { "non_ascii", "w\xc3\xa4s", 0, NULL },
        { "percent", "ws%01", 0, NULL },
};

START_TEST(test_host_table)
{
        const struct host_case *c = &host_cases[_i];
        char out[EVENT_HOST_MAX + 1];
        enum reject_reason why = REJ_NONE;
        size_t len = c->len ? c->len : strlen(c->in);
        _cleanup_free_ char *in = malloc(len ? len : 1);   /* exact size: ASan sees over-reads */

        memcpy(in, c->in, len);
        int r = host_canonicalise(in, len, out, &why);
        if (c->want) {
                ck_assert_msg(r == 0, "%s: rejected", c->name);
                ck_assert_msg(strcmp(out, c->want) == 0, "%s: got \"%s\"", c->name, out);
        } else {
                ck_assert_msg(r == -EINVAL, "%s: accepted as \"%s\"", c->name, out);
                ck_assert_msg(why == REJ_BAD_HOST, "%s: why %d", c->name, why);
                ck_assert_msg(out[0] == '\0', "%s: out not cleared", c->name);
        }
}
END_TEST

START_TEST(test_host_null_why)
{
        char out[EVENT_HOST_MAX + 1];

        ck_assert_int_eq(host_canonicalise("../x", 4, out, NULL), -EINVAL);
        ck_assert_int_eq(host_canonicalise(NULL, 0, out, NULL), -EINVAL);
}
END_TEST

static Suite *host_suite(void)
{
        Suite *s = suite_create("host");
        TCase *tc;

        tc = tcase_create("canonicalise_table");
        tcase_add_loop_test(tc, test_host_table, 0, (int)ELEMENTSOF(host_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("null_why");
        tcase_add_test(tc, test_host_null_why);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(host_suite());
}
