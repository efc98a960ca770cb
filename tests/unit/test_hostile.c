/* Hostile input end to end inside the core (decode.c → record.c, state
 * restores, timefmt.c): what tests/clients/hostile_*.sh do against a live
 * spoord, one table row per case, plus the regressions the fuzzers found
 * (tests/fuzz/corpus/<target>/regress-*): each tcase is named after its
 * bug.
 *
 * The decode table: an event line → rejected with a reason, or accepted,
 * and then its match lead is one line of strict JSON (no byte below 0x20,
 * valid UTF-8) in which the hostile value round-trips. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/sha.h>

#include "spoor/cleanup.h"
#include "spoor/decode.h"
#include "spoor/firstseen.h"
#include "spoor/record.h"
#include "spoor/sigma.h"
#include "spoor/state.h"
#include "spoor/timefmt.h"
#include "spoor/winevent.h"
#include "../fuzz/utf8_oracle.h"

#define NX "\"EventTime\":\"2026-11-22 10:11:12\",\"SourceName\":\"Microsoft-Windows-Security-Auditing\""
#define NXH NX ",\"Hostname\":\"ws1.corp.example\",\"Channel\":\"Security\""

static char *rule_tags[] = { (char *)"attack.execution" };
static struct sigma_rule rule = {
        .id = (char *)"2f7d0c3a-5b1e-4d6f-9a8b-0000000000c1",
        .title = (char *)"Hostile marker",
        .status = (char *)"test",
        .level = SIGMA_LEVEL_HIGH,
        .tags = rule_tags,
        .ntags = 1,
};

/* The record line is one strict JSON object: returns it parsed. */
static struct json_object *one_line(const char *line, size_t len)
{
        struct json_tokener *tok = json_tokener_new();
        struct json_object *o;

        ck_assert_uint_eq(strlen(line), len);
        for (size_t i = 0; i < len; i++)
                ck_assert_msg((unsigned char)line[i] >= 0x20, "raw control byte %#x at %zu in %s",
                              (unsigned char)line[i], i, line);
        ck_assert_msg(fuzz_utf8_valid((const unsigned char *)line, len), "not valid UTF-8: %s", line);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, line, (int)len);
        ck_assert_msg(o && json_tokener_get_parse_end(tok) == len, "not one JSON value: %s", line);
        ck_assert(json_object_is_type(o, json_type_object));
        json_tokener_free(tok);
        return o;
}

/* ---- decode → lead ------------------------------------------------------------- */

static const struct hostile_case {
        const char *name;
        const char *json;               /* the event line */
        size_t len;                     /* 0: strlen */
        enum reject_reason why;         /* REJ_NONE: accepted */
        const char *field;              /* accepted: the field to look at in the lead ... */
        const char *want;               /* ... and its value (NULL: only the line checks) */
        size_t want_len;                /* 0: strlen(want) */
} hostile_cases[] = {
        /* hosts */
        { .name = "host_traversal", .json = "{" NX ",\"Hostname\":\"../../etc\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_BAD_HOST },
        { .name = "host_slash", .json = "{" NX ",\"Hostname\":\"a/b\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_BAD_HOST },
        { .name = "host_newline", .json = "{" NX ",\"Hostname\":\"ws1\\nevil\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_BAD_HOST },
        { .name = "host_ansi", .json = "{" NX ",\"Hostname\":\"ws1\\u001b[31m\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_BAD_HOST },
        { .name = "host_nul", .json = "{" NX ",\"Hostname\":\"ws\\u0000x\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_BAD_HOST },
        { .name = "host_overlong_slash", .json = "{" NX ",\"Hostname\":\"..\xc0\xaf" "etc\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_BAD_HOST },
        { .name = "host_empty", .json = "{" NX ",\"Hostname\":\"\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_MISSING_HOST },
        { .name = "host_con", .json = "{" NX ",\"Hostname\":\"CON\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_NONE, .field = NULL },
        /* identifiers */
        { .name = "channel_nul", .json = "{" NX ",\"Hostname\":\"ws1\",\"Channel\":\"Secu\\u0000rity\",\"EventID\":4688}", .why = REJ_BAD_CHANNEL },
        { .name = "channel_esc", .json = "{" NX ",\"Hostname\":\"ws1\",\"Channel\":\"Sec\\u001b[2J\",\"EventID\":4688}", .why = REJ_BAD_CHANNEL },
        { .name = "provider_nul", .json = "{\"EventTime\":\"2026-11-22 10:11:12\",\"Hostname\":\"ws1\",\"SourceName\":\"Mi\\u0000x\",\"Channel\":\"Security\",\"EventID\":4688}", .why = REJ_BAD_PROVIDER },
        { .name = "event_id_nul", .json = "{" NXH ",\"EventID\":\"46\\u000088\"}", .why = REJ_BAD_EVENT_ID },
        { .name = "event_id_nan", .json = "{" NXH ",\"EventID\":NaN}", .why = REJ_BAD_EVENT_ID },
        { .name = "event_id_huge", .json = "{" NXH ",\"EventID\":1e400}", .why = REJ_BAD_EVENT_ID },
        { .name = "event_id_fraction", .json = "{" NXH ",\"EventID\":4688.5}", .why = REJ_BAD_EVENT_ID },
        { .name = "event_id_negative", .json = "{" NXH ",\"EventID\":-4688}", .why = REJ_BAD_EVENT_ID },
        { .name = "record_id_negative", .json = "{" NXH ",\"EventID\":4688,\"RecordNumber\":-1}", .why = REJ_BAD_RECORD_ID },
        { .name = "record_id_float", .json = "{" NXH ",\"EventID\":4688,\"RecordNumber\":1e30}", .why = REJ_BAD_RECORD_ID },
        /* json-c reads 2^64 as UINT64_MAX: the record id must not be clamped
         * (two records would share an id, and lead ids hash it) */
        { .name = "regress_record_id_2p64_clamped", .json = "{" NXH ",\"EventID\":4688,\"RecordNumber\":18446744073709551616}", .why = REJ_BAD_RECORD_ID },
        /* duplicate identifying keys */
        { .name = "dup_event_id", .json = "{" NXH ",\"EventID\":4688,\"EventID\":1}", .why = REJ_DUPLICATE_KEY },
        { .name = "dup_escaped", .json = "{" NXH ",\"EventID\":4688,\"Event\\u0049D\":1}", .why = REJ_DUPLICATE_KEY },
        /* json-c cuts a key at \u0000: "EventID\u0000" is EventID again and
         * replaces the first value, past decode_scan_duplicates() */
        { .name = "regress_dup_key_behind_nul_event_id", .json = "{" NXH ",\"EventID\":4688,\"EventID\\u0000\":1}", .why = _REJ_MAX },
        { .name = "regress_dup_key_behind_nul_hostname", .json = "{" NXH ",\"EventID\":4688,\"Hostname\\u0000x\":\"evil.example\"}", .why = _REJ_MAX },
        { .name = "regress_dup_key_behind_nul_computer", .json = "{\"Event\":{\"System\":{\"Computer\":\"a\",\"Computer\\u0000\":\"evil\",\"EventID\":1,\"Channel\":\"Security\"}}}", .why = _REJ_MAX },
        { .name = "regress_dup_key_behind_nul_winlog", .json = "{\"winlog\":{\"computer_name\":\"ws1\",\"computer_name\\u0000\":\"evil\",\"event_id\":4688,\"channel\":\"Security\",\"provider_name\":\"S\"},\"@timestamp\":\"2026-11-22T10:11:12Z\"}", .why = _REJ_MAX },
        /* control characters in values: escaped in the lead, exact */
        { .name = "cmd_newline", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":\"a\\nb\\r\\nc\"}", .why = REJ_NONE, .field = "CommandLine", .want = "a\nb\r\nc" },
        { .name = "cmd_ansi", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":\"\\u001b[31mred\\u001b]0;t\\u0007\"}", .why = REJ_NONE, .field = "CommandLine", .want = "\x1b[31mred\x1b]0;t\x07" },
        { .name = "cmd_line_separators", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":\"a\\u2028b\\u2029c\\u0085d\"}", .why = REJ_NONE, .field = "CommandLine", .want = "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xc2\x85" "d" },
        { .name = "cmd_nul", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":\"a\\u0000b\"}", .why = REJ_NONE, .field = "CommandLine", .want = "a\0b", .want_len = 3 },
        { .name = "cmd_lone_surrogate", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":\"a\\ud800b\"}", .why = REJ_NONE, .field = "CommandLine", .want = "a\xef\xbf\xbd" "b" },
        { .name = "task_name_controls", .json = "{" NXH ",\"EventID\":4698,\"TaskName\":\"\\\\t\\n\\u001b[5m\",\"TaskContent\":\"<Task/>\"}", .why = REJ_NONE, .field = "TaskName", .want = "\\t\n\x1b[5m" },
        { .name = "nan_in_field", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":NaN}", .why = REJ_NONE, .field = "CommandLine", .want = "NaN" },
        { .name = "huge_double_in_field", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":1e400}", .why = REJ_NONE, .field = "CommandLine", .want = "1e400" },
        /* an integer beyond 64 bits is shown as written, never clamped to
         * 18446744073709551615 / -9223372036854775808 */
        { .name = "regress_field_integer_clamped", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":123456789012345678901234567890}", .why = REJ_NONE, .field = "CommandLine", .want = "123456789012345678901234567890" },
        { .name = "regress_field_negative_integer_clamped", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":-99999999999999999999}", .why = REJ_NONE, .field = "CommandLine", .want = "-99999999999999999999" },
        /* invalid UTF-8 in a value: the lead must stay valid UTF-8 (refused
         * at decode, or replaced: either passes; raw bytes do not) */
        { .name = "regress_invalid_utf8_value", .json = "{" NXH ",\"EventID\":4688,\"CommandLine\":\"a\xff\xfe" "b\"}", .why = _REJ_MAX + 1, .field = "CommandLine" },
        { .name = "regress_overlong_utf8_channel", .json = "{" NX ",\"Hostname\":\"ws1\",\"Channel\":\"Sec\xc0\xafurity\",\"EventID\":4688}", .why = _REJ_MAX + 1, .field = "Channel" },
};
/* why _REJ_MAX: refused with any reason; _REJ_MAX + 1: either refused, or
 * accepted with a lead that passes the line checks */

START_TEST(test_hostile_decode)
{
        const struct hostile_case *c = &hostile_cases[_i];
        size_t len = c->len ? c->len : strlen(c->json);
        _cleanup_free_ char *json = malloc(len);
        struct decoder *d = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        struct decode_ctx ctx = { .recv_us = INT64_C(1795342272000000) };
        enum reject_reason why = REJ_NONE;
        struct winevent ev;
        char detail[160];
        int r;

        ck_assert_ptr_nonnull(d);
        memcpy(json, c->json, len);
        winevent_init(&ev);
        r = decode_event(d, json, len, &ctx, &ev, &why, detail, sizeof(detail));
        if (c->why != REJ_NONE && c->why < _REJ_MAX) {
                ck_assert_msg(r == -EINVAL, "%s: accepted (host %s, event %u), expected %s", c->name, ev.host,
                              ev.event_id, reject_reason_name(c->why));
                ck_assert_msg(why == c->why, "%s: rejected as %s, expected %s", c->name, reject_reason_name(why),
                              reject_reason_name(c->why));
        } else if (c->why == _REJ_MAX) {
                ck_assert_msg(r == -EINVAL, "%s: accepted (host %s, event %u): a duplicate identifying key "
                              "behind a NUL was taken", c->name, ev.host, ev.event_id);
        } else if (r < 0) {
                ck_assert_msg(c->why == _REJ_MAX + 1, "%s: rejected (%s: %s)", c->name, reject_reason_name(why),
                              detail);
        } else {
                const char *fields[1] = { c->field };
                char *out = NULL;
                size_t n = 0;
                struct json_object *o, *a, *f, *v;

                ck_assert_int_eq(record_lead_match(&rule, &ev, fields, c->field ? 1 : 0, NULL,
                                                   INT64_C(1795342273000000), &out, &n), 0);
                o = one_line(out, n);
                ck_assert(json_object_object_get_ex(o, "events", &a));
                ck_assert(json_object_object_get_ex(json_object_array_get_idx(a, 0), "fields", &f));
                if (c->want) {
                        size_t wl = c->want_len ? c->want_len : strlen(c->want);

                        ck_assert_msg(json_object_object_get_ex(f, c->field, &v), "%s: no %s in %s", c->name,
                                      c->field, out);
                        ck_assert_msg((size_t)json_object_get_string_len(v) == wl &&
                                              memcmp(json_object_get_string(v), c->want, wl) == 0,
                                      "%s: %s is %s in the lead", c->name, c->field, json_object_get_string(v));
                }
                json_object_put(o);
                free(out);
        }
        winevent_free(&ev);
        decoder_free(d);
}
END_TEST

/* ---- record writers ------------------------------------------------------------- */

/* record.c: the summary's "why" is cut at 1023 bytes by snprintf, which can
 * split a UTF-8 sequence of a group value (event text): the lead line is
 * then not valid UTF-8 (tests/fuzz/corpus/fuzz_record/regress-summary-why-utf8-cut). */
START_TEST(test_regress_summary_why_utf8_cut)
{
        char value[1300], ids[1][RECORD_ID_LEN + 1];
        const char *names[1] = { "Host" }, *values[1] = { value };
        struct corr_event ev = { .time_us = INT64_C(1795342272000000), .event_id = 4688, .host = "ws1",
                                 .channel = "Security" };
        char *out = NULL;
        size_t n = 0, k = 0;

        /* 'a' then 2-byte characters: one of the two paddings cuts one */
        for (int pad = 0; pad < 2; pad++) {
                k = 0;
                for (int i = 0; i < pad; i++)
                        value[k++] = 'a';
                while (k + 2 < sizeof(value)) {
                        value[k++] = (char)0xc3;
                        value[k++] = (char)0xa9;        /* é */
                }
                value[k] = '\0';
                memset(ids, 'a', sizeof(ids));
                ids[0][RECORD_ID_LEN] = '\0';
                struct record_summary s = {
                        .rule = &rule, .suppressed_kind = "match", .host = "ws1", .group_key = value,
                        .group_names = names, .group_values = values, .ngroup = 1, .lead_id = ids[0],
                        .opened_us = ev.time_us, .window_us = 3600 * INT64_C(1000000), .count = 4,
                        .first_us = ev.time_us, .last_us = ev.time_us, .ids = (const char (*)[RECORD_ID_LEN + 1])ids,
                        .nids = 1, .event = &ev, .ended = "window",
                };

                ck_assert_int_eq(record_lead_summary(&s, ev.time_us, &out, &n), 0);
                json_object_put(one_line(out, n));
                free(out);
        }
}
END_TEST

/* record.c record_gap(): ttr_seconds = (closed - opened) / 1e6 overflows for
 * an opened time restored from a damaged coverage.state
 * (tests/fuzz/corpus/fuzz_state/regress-coverage-gap-ttr-overflow; UBSan). */
START_TEST(test_regress_gap_ttr_overflow)
{
        struct record_gap g = {
                .id = "0123456789abcdef0123456789abcdef", .host = "*", .kind = "state_lost", .channel = "*",
                .opened_us = -INT64_C(9222000000000000000), .closed_us = INT64_C(1795428000000000),
                .evidence = "e", .remedy = "r",
        };
        char *out = NULL;
        size_t n = 0;

        ck_assert_int_eq(record_gap(&g, INT64_C(1795428000000000), &out, &n), 0);
        json_object_put(one_line(out, n));
        free(out);
}
END_TEST

/* timefmt.c timefmt_format(): us - s * 1000000 overflows for times near
 * INT64_MIN (tests/fuzz/corpus/fuzz_record/regress-timefmt-int64-min,
 * fuzz_state/regress-coverage-gap-opened-int64-min; UBSan). */
START_TEST(test_regress_timefmt_int64_min)
{
        static const int64_t t[] = { INT64_MIN, INT64_MIN + 1, -INT64_C(9223372036854000001), INT64_MAX, 0, -1 };
        char buf[TIMEFMT_MAX];

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                timefmt_format(t[i], buf);
                ck_assert_ptr_nonnull(memchr(buf, '\0', sizeof(buf)));
                ck_assert_msg(buf[strlen(buf) - 1] == 'Z', "%lld: %s", (long long)t[i], buf);
        }
}
END_TEST

/* ---- state files -------------------------------------------------------------- */

static void put_le(unsigned char *p, uint64_t v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

/* A state container around payload (exact size). */
static unsigned char *wrap(const unsigned char *payload, size_t n, size_t *len)
{
        unsigned char *img = malloc(STATE_HEADER_BYTES + n);

        ck_assert_ptr_nonnull(img);
        memcpy(img, STATE_MAGIC, 8);
        put_le(img + 8, STATE_VERSION, 4);
        put_le(img + 12, STATE_HEADER_BYTES, 4);
        put_le(img + 16, n, 8);
        SHA256(payload, n, img + 24);
        memset(img + 56, 0, 8);
        memcpy(img + STATE_HEADER_BYTES, payload, n);
        *len = STATE_HEADER_BYTES + n;
        return img;
}

/* firstseen.c firstseen_restore(): `newest - last` overflows for a saved
 * newest time near INT64_MAX and an entry near INT64_MIN
 * (tests/fuzz/corpus/fuzz_state/regress-firstseen-expiry-overflow; UBSan).
 * Either refused as impossible or restored: never undefined. */
START_TEST(test_regress_firstseen_expiry_overflow)
{
        static const struct firstseen_spec specs[1] = { { true, 3600 * INT64_C(1000000), 0 } };
        static const char *const ids[1] = { "fs-a" }, *const sigs[1] = { "sig" };
        unsigned char p[256];
        size_t n = 0, len;
        struct state_reader r;
        struct firstseen *fs = firstseen_new(specs, 1, NULL);
        int rc;

        ck_assert_ptr_nonnull(fs);
#define PUT(v, k) (put_le(p + n, (uint64_t)(v), k), n += k)
        PUT(0x54535246u, 4);            /* "FRST" */
        PUT(1, 8);
        PUT(2, 8);                      /* k0, k1 */
        PUT(INT64_MAX, 8);              /* newest */
        PUT(1, 4);                      /* one correlation */
        PUT(4, 4);
        memcpy(p + n, "fs-a", 4), n += 4;
        PUT(3, 4);
        memcpy(p + n, "sig", 3), n += 3;
        PUT(0, 8);                      /* learning began */
        PUT(1, 8);                      /* one entry */
        PUT(0, 4);
        PUT(5, 8);
        PUT(6, 8);
        PUT(INT64_MIN, 8);              /* last seen */
#undef PUT
        _cleanup_free_ unsigned char *img = wrap(p, n, &len);
        ck_assert_int_eq(state_reader_open(&r, img, len), 0);
        rc = firstseen_restore(fs, ids, sigs, 1, &r);
        ck_assert(rc == 0 || rc == -EBADMSG);
        firstseen_free(fs);
}
END_TEST

static Suite *hostile_suite(void)
{
        Suite *s = suite_create("hostile");
        TCase *tc = tcase_create("decode_to_lead");

        tcase_add_loop_test(tc, test_hostile_decode, 0, (int)(sizeof(hostile_cases) / sizeof(hostile_cases[0])));
        suite_add_tcase(s, tc);
        tc = tcase_create("regress_summary_why_utf8_cut");
        tcase_add_test(tc, test_regress_summary_why_utf8_cut);
        suite_add_tcase(s, tc);
        tc = tcase_create("regress_gap_ttr_overflow");
        tcase_add_test(tc, test_regress_gap_ttr_overflow);
        suite_add_tcase(s, tc);
        tc = tcase_create("regress_timefmt_int64_min");
        tcase_add_test(tc, test_regress_timefmt_int64_min);
        suite_add_tcase(s, tc);
        tc = tcase_create("regress_firstseen_expiry_overflow");
        tcase_add_test(tc, test_regress_firstseen_expiry_overflow);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(hostile_suite());
}
