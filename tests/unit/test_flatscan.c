/* flatscan.c, the one-pass path for flat NXLog events: which inputs it
 * takes (and which it leaves to json-c), and that whatever it takes decodes
 * exactly as json-c does (tests/fuzz/fuzz_flatscan.c does the same on
 * fuzzed input). */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/event/flatscan.h"
#include "spoor/decode.h"

#define NX "\"EventTime\":\"2026-11-22 10:11:12\",\"Hostname\":\"WS1.corp.example\",\"SourceName\":\"S\",\"Channel\":\"Security\""

static const struct flat_case {
        const char *name;
        const char *json;
        bool mine;              /* the fast path takes it */
} cases[] = {
        { "plain", "{" NX ",\"EventID\":4688,\"CommandLine\":\"cmd.exe /c whoami\"}", true },
        { "whitespace", " \t{ " NX " , \"EventID\" : 4688 }\r\n ", true },
        { "escapes", "{" NX ",\"EventID\":4688,\"Message\":\"a\\r\\n\\tb \\\"q\\\" \\\\ \\/ \\b\\f\"}", true },
        { "unicode_escapes", "{" NX ",\"EventID\":4688,\"X\":\"\\u00e9\\u20ac\\u0041\\u0000z\"}", true },
        { "utf8_raw", "{" NX ",\"EventID\":4688,\"X\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", true },
        { "numbers", "{" NX ",\"EventID\":4688,\"A\":0,\"B\":-1,\"C\":1.5,\"D\":-2e-3,\"E\":1E+400,\"F\":18446744073709551615,\"G\":-9223372036854775808}", true },
        { "keywords_19_digits", "{" NX ",\"EventID\":4624,\"Keywords\":-9214364837600034816}", true },
        { "literals", "{" NX ",\"EventID\":4688,\"T\":true,\"F\":false,\"N\":null}", true },
        { "null_event_id", "{" NX ",\"EventID\":null}", true },
        { "string_event_id", "{" NX ",\"EventID\":\"0x1250\",\"RecordNumber\":\"17\"}", true },
        { "bad_event_id", "{" NX ",\"EventID\":70000}", true },
        { "bool_event_id", "{" NX ",\"EventID\":true}", true },
        { "bad_host", "{\"EventTime\":\"2026-11-22 10:11:12\",\"Hostname\":\"../etc\",\"Channel\":\"Security\",\"EventID\":1}", true },
        { "no_host", "{\"EventTime\":\"2026-11-22 10:11:12\",\"Channel\":\"Security\",\"EventID\":1}", true },
        { "ee_time", "{\"EventTime\":\"2026-11-22T10:11:12.5+02:00\",\"Hostname\":\"h\",\"Channel\":\"Security\",\"EventID\":1}", true },
        { "ee_pid", "{" NX ",\"EventID\":1,\"ExecutionProcessID\":null}", true },
        { "dup_plain_key", "{" NX ",\"EventID\":4688,\"X\":\"a\",\"Y\":1,\"X\":\"b\"}", true },
        { "dup_record_number", "{" NX ",\"EventID\":4688,\"RecordNumber\":1,\"RecordNumber\":2}", true },
        { "task_xml", "{" NX ",\"EventID\":4698,\"TaskName\":\"\\\\t\",\"TaskContent\":\"<?xml version=\\\"1.0\\\" encoding=\\\"UTF-16\\\"?><Task xmlns=\\\"http://schemas.microsoft.com/windows/2004/02/mit/task\\\"><Actions><Exec><Command>c.exe</Command></Exec></Actions></Task>\"}", true },
        /* left to json-c */
        { "dup_event_id", "{" NX ",\"EventID\":4688,\"EventID\":1}", false },
        { "dup_ident_other", "{" NX ",\"EventID\":4688,\"Computer\":\"a\",\"System\":\"b\"}", false },
        { "escaped_key", "{" NX ",\"Event\\u0049D\":4688}", false },
        { "surrogate_pair", "{" NX ",\"EventID\":4688,\"X\":\"\\ud83d\\ude00\"}", false },
        { "lone_surrogate", "{" NX ",\"EventID\":4688,\"X\":\"a\\ud800b\"}", false },
        { "nested", "{" NX ",\"EventID\":4688,\"X\":{\"a\":1}}", false },
        { "array", "{" NX ",\"EventID\":4688,\"X\":[1,2]}", false },
        { "minus_zero", "{" NX ",\"EventID\":4688,\"X\":-0}", false },
        { "big_int", "{" NX ",\"EventID\":4688,\"X\":18446744073709551616}", false },
        { "big_negative", "{" NX ",\"EventID\":4688,\"X\":-9223372036854775809}", false },
        { "leading_zero", "{" NX ",\"EventID\":04688}", false },
        { "nan", "{" NX ",\"EventID\":4688,\"X\":NaN}", false },
        { "single_quotes", "{" NX ",\"EventID\":4688,'X':'y'}", false },
        { "raw_control", "{" NX ",\"EventID\":4688,\"X\":\"a\tb\"}", false },
        { "trailing_comma", "{" NX ",\"EventID\":4688,}", false },
        { "trailing_garbage", "{" NX ",\"EventID\":4688} x", false },
        { "two_objects", "{" NX ",\"EventID\":4688}{}", false },
        { "empty_object", "{}", false },
        { "not_nxlog", "{\"a\":1,\"b\":\"c\"}", false },
        { "bad_escape", "{" NX ",\"EventID\":4688,\"X\":\"\\q\"}", false },
        { "cut", "{" NX ",\"EventID\":4688,\"X\":\"abc", false },
        { "nul_byte", "{" NX ",\"EventID\":4688}\0", false },
};

static struct timefmt_zone utc;

static void compare(const char *name, const char *json, size_t len)
{
        struct decoder *fast = decoder_new(DECODE_DEFAULT_MAX_DEPTH), *slow = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        struct winevent a, b;
        struct decode_ctx ctx = { .zone = &utc, .recv_us = INT64_C(1795342272000000) };
        enum reject_reason wa = REJ_NONE, wb = REJ_NONE;
        char da[160], db[160];
        int ra, rb;

        ck_assert(fast && slow && decoder_set_fast_path(slow, false) == 0);
        winevent_init(&a);
        winevent_init(&b);
        ra = decode_event(fast, json, len, &ctx, &a, &wa, da, sizeof(da));
        rb = decode_event(slow, json, len, &ctx, &b, &wb, db, sizeof(db));
        ck_assert_msg(ra == rb && wa == wb && strcmp(da, db) == 0, "%s: fast %d %s \"%s\", json-c %d %s \"%s\"", name,
                      ra, reject_reason_name(wa), da, rb, reject_reason_name(wb), db);
        if (ra == 0) {
                ck_assert_str_eq(a.host, b.host);
                ck_assert_str_eq(a.channel, b.channel);
                ck_assert_str_eq(a.provider, b.provider);
                ck_assert_uint_eq(a.event_id, b.event_id);
                ck_assert(a.has_record_id == b.has_record_id && a.record_id == b.record_id);
                ck_assert(a.time_us == b.time_us && a.dialect == b.dialect);
                ck_assert_msg(a.nfields == b.nfields, "%s: %zu fields, json-c %zu", name, a.nfields, b.nfields);
                for (size_t i = 0; i < a.nfields; i++) {
                        ck_assert_str_eq(a.fields[i].name, b.fields[i].name);
                        ck_assert_msg(a.fields[i].len == b.fields[i].len &&
                                              memcmp(a.fields[i].value, b.fields[i].value, a.fields[i].len) == 0,
                                      "%s: field %s is \"%s\", json-c \"%s\"", name, a.fields[i].name,
                                      a.fields[i].value, b.fields[i].value);
                }
        }
        winevent_free(&a);
        winevent_free(&b);
        decoder_free(fast);
        decoder_free(slow);
}

START_TEST(test_case)
{
        const struct flat_case *c = &cases[_i];
        size_t len = strcmp(c->name, "nul_byte") == 0 ? strlen(c->json) + 1 : strlen(c->json);
        struct flatscan *fs = flatscan_new();
        struct winevent ev;
        struct decode_ctx ctx = { .zone = &utc, .recv_us = INT64_C(1795342272000000) };
        enum reject_reason why = REJ_NONE;
        struct decode_fail f = { .why = &why };
        int r;

        ck_assert_ptr_nonnull(fs);
        ck_assert_int_eq(timefmt_zone_init(&utc, "UTC"), 0);
        winevent_init(&ev);
        r = flatscan_decode(fs, c->json, len, &ctx, &ev, &f);
        if (c->mine)
                ck_assert_msg(r != FLATSCAN_NOT_MINE, "%s: left to json-c", c->name);
        else
                ck_assert_msg(r == FLATSCAN_NOT_MINE, "%s: taken by the fast path (%d)", c->name, r);
        winevent_free(&ev);
        flatscan_free(fs);
        compare(c->name, c->json, len);
}
END_TEST

static Suite *flatscan_suite(void)
{
        Suite *s = suite_create("flatscan");
        TCase *tc = tcase_create("cases");

        tcase_add_loop_test(tc, test_case, 0, sizeof(cases) / sizeof(cases[0]));
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(flatscan_suite());
}
