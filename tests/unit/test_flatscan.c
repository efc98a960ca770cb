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
#include "spoor/cleanup.h"
#include "spoor/decode.h"
#include "spoor/intern.h"

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

/* a (the fast path's) and b (json-c's) hold the same event; every name
 * that is interned is the interned pointer. */
static void same_event(const char *name, const struct winevent *a, const struct winevent *b)
{
        ck_assert_str_eq(a->host, b->host);
        ck_assert_str_eq(a->channel, b->channel);
        ck_assert_str_eq(a->provider, b->provider);
        ck_assert_uint_eq(a->event_id, b->event_id);
        ck_assert(a->has_record_id == b->has_record_id && a->record_id == b->record_id);
        ck_assert(a->time_us == b->time_us && a->dialect == b->dialect);
        ck_assert_msg(a->nfields == b->nfields, "%s: %zu fields, json-c %zu", name, a->nfields, b->nfields);
        ck_assert_uint_eq(a->nprivate, b->nprivate);
        for (size_t i = 0; i < a->nfields; i++) {
                const char *n = a->fields[i].name, *key = intern_find(n, strlen(n));

                ck_assert_msg(strcmp(n, b->fields[i].name) == 0, "%s: field %zu is %s, json-c %s", name, i, n,
                              b->fields[i].name);
                ck_assert_msg(!key || key == n, "%s: field %s not the interned name", name, n);
                ck_assert_msg(a->fields[i].len == b->fields[i].len &&
                                      memcmp(a->fields[i].value, b->fields[i].value, a->fields[i].len) == 0,
                              "%s: field %s is \"%s\", json-c \"%s\"", name, n, a->fields[i].value,
                              b->fields[i].value);
                /* values are C strings too (strcmp and strcasecmp read them) */
                ck_assert_msg(a->fields[i].value[a->fields[i].len] == '\0', "%s: field %s not NUL-terminated",
                              name, n);
        }
}

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
        if (ra == 0)
                same_event(name, &a, &b);
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

/* A stream of events through one fast path, which learns from each (its
 * guesses of the next key), each event checked against json-c. */
struct stream {
        struct flatscan *fs;
        struct decoder *slow;
        struct winevent a, b;
        bool fresh;             /* a new fast path for every event */
};

static void stream_init(struct stream *q, bool fresh)
{
        ck_assert_int_eq(timefmt_zone_init(&utc, "UTC"), 0);
        q->fs = flatscan_new();
        q->slow = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        ck_assert(q->fs && q->slow && decoder_set_fast_path(q->slow, false) == 0);
        winevent_init(&q->a);
        winevent_init(&q->b);
        q->fresh = fresh;
}

static void stream_free(struct stream *q)
{
        flatscan_free(q->fs);
        decoder_free(q->slow);
        winevent_free(&q->a);
        winevent_free(&q->b);
}

/* [json, len) (valid UTF-8) through the fast path, from a copy of exactly
 * len bytes (ASan sees a read past the end; with `fresh`, the unescaping
 * buffer is exactly len bytes too): taken when `mine`, and then decoded
 * as json-c does; else left untouched. */
static void stream_check(struct stream *q, const char *what, const char *json, size_t len, bool mine)
{
        struct decode_ctx ctx = { .zone = &utc, .recv_us = INT64_C(1795342272000000) };
        enum reject_reason wa = REJ_NONE, wb = REJ_NONE;
        char da[160] = "", db[160];
        const struct decode_fail f = { .why = &wa, .detail = da, .detail_len = sizeof(da) };
        char *buf = malloc(len);
        int ra, rb;

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, json, len);
        if (q->fresh) {
                flatscan_free(q->fs);
                ck_assert_ptr_nonnull(q->fs = flatscan_new());
        }
        winevent_reset(&q->a);
        q->a.recv_us = ctx.recv_us;
        ra = flatscan_decode(q->fs, buf, len, &ctx, &q->a, &f);
        ck_assert_msg((ra != FLATSCAN_NOT_MINE) == mine, "%s: %s", what, mine ? "left to json-c" : "taken");
        if (ra == FLATSCAN_NOT_MINE) {
                ck_assert_uint_eq(q->a.nfields, 0);
        } else {
                rb = decode_event(q->slow, buf, len, &ctx, &q->b, &wb, db, sizeof(db));
                ck_assert_msg(ra == rb && wa == wb && strcmp(da, db) == 0, "%s: fast %d \"%s\", json-c %d \"%s\"",
                              what, ra, da, rb, db);
                if (ra == 0)
                        same_event(what, &q->a, &q->b);
        }
        free(buf);
}

static void stream_check_str(struct stream *q, const char *what, const char *json, bool mine)
{
        stream_check(q, what, json, strlen(json), mine);
}

/* What may sit inside a string value, and whether the fast path takes it. */
static const struct {
        const char *text;
        bool mine;
} specials[] = {
        { "\\\"", true }, { "\\\\", true }, { "\\n", true }, { "\\/", true }, { "\\u00e9", true },
        { "\\u20ac", true }, { "\xc3\xa9", true }, { "\xe2\x82\xac", true }, { "\x7f", true },
        { "\x01", false }, { "\x1f", false }, { "\t", false }, { "\"", false },
};

/* The string scan reads 16 bytes at a time: a quote, a backslash, a
 * control character, a UTF-8 sequence at every position of a value, the
 * value starting at every offset from a 16-byte boundary, ending at the
 * input's end or up to 17 bytes before it. */
START_TEST(test_string_positions)
{
        static const size_t tails[] = { 0, 1, 15, 16, 17 };
        struct stream q;
        char json[512], what[64];

        stream_init(&q, true);
        for (size_t pad = 0; pad < 16; pad++)
                for (size_t pos = 0; pos < 34; pos++)
                        for (size_t t = 0; t < ELEMENTSOF(tails); t++) {
                                int n = snprintf(json, sizeof(json), "{" NX ",\"EventID\":4688,\"P\":\"%.*s\",\"V\":\"%.*s%s%.*s\"}",
                                                 (int)pad, "pppppppppppppppp", (int)pos,
                                                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", specials[_i].text,
                                                 (int)tails[t], "bbbbbbbbbbbbbbbbbbbb");
                                ck_assert(n > 0 && (size_t)n < sizeof(json));
                                snprintf(what, sizeof(what), "special %d, pad %zu, pos %zu, tail %zu", _i, pad, pos,
                                         tails[t]);
                                stream_check(&q, what, json, (size_t)n, specials[_i].mine);
                        }
        stream_free(&q);
}
END_TEST

/* Strings of escapes only: the unescaped copy shrinks (\n), or nearly
 * keeps its length (\u20ac, 6 bytes for 3), with no plain run between. */
START_TEST(test_escape_runs)
{
        static const char *const esc[] = { "\\n", "\\\"", "\\u20ac", "\\u0041" };
        struct stream q;
        char json[1280], value[512], what[64];

        stream_init(&q, true);
        for (size_t e = 0; e < ELEMENTSOF(esc); e++)
                for (size_t k = 0; k < 40; k++) {
                        value[0] = '\0';
                        for (size_t j = 0; j < k; j++)
                                strcat(value, esc[e]);
                        snprintf(json, sizeof(json), "{" NX ",\"EventID\":4688,\"V\":\"%s\",\"W\":\"x%sy\"}", value, value);
                        snprintf(what, sizeof(what), "escape %zu, %zu times", e, k);
                        stream_check_str(&q, what, json, true);
                }
        stream_free(&q);
}
END_TEST

#define EV(keys) "{" NX ",\"EventID\":4688" keys "}"

/* Keys seen before in another order, or left out: each event decodes as
 * it would alone, however the guesses learnt from the others fit. */
START_TEST(test_keys_reordered)
{
        static const char *const evs[] = {
                EV(",\"X\":\"1\",\"Y\":\"2\",\"Z\":\"3\""),
                EV(",\"Z\":\"3\",\"X\":\"1\",\"Y\":\"2\""),
                EV(",\"Y\":\"2\""),
                EV(",\"X\":\"1\",\"Y\":\"2\",\"Z\":\"3\",\"X\":\"4\""),      /* X replaced */
                "{\"X\":\"0\"," NX ",\"EventID\":4688,\"Y\":\"2\",\"Z\":\"3\"}",
        };
        struct stream q;
        char what[32];

        stream_init(&q, false);
        for (int round = 0; round < 4; round++)
                for (size_t e = 0; e < ELEMENTSOF(evs); e++) {
                        snprintf(what, sizeof(what), "round %d, event %zu", round, e);
                        stream_check_str(&q, what, evs[e], true);
                }
        stream_free(&q);
}
END_TEST

/* Keys after the same key that differ in their last byte, or in length
 * with one a prefix of the other: a guess matches only the whole key.
 * "Ke" after a guess of "Keyy" puts a quote (the value's) where the guess
 * would end. */
START_TEST(test_keys_near_misses)
{
        static const char *const evs[] = {
                EV(",\"A\":1,\"KeyA\":\"1\",\"B\":1"),
                EV(",\"A\":1,\"KeyB\":\"2\",\"B\":1"),
                EV(",\"A\":1,\"Key\":\"3\",\"B\":1"),
                EV(",\"A\":1,\"KeyLonger\":\"4\",\"B\":1"),
                EV(",\"A\":1,\"Keyy\":\"5\",\"B\":1"),
                EV(",\"A\":1,\"Ke\":\"6\",\"B\":1"),
                EV(",\"A\":1,\"Ke\":\"yy\",\"B\":1"),
                EV(",\"A\":1,\"K\":\"\",\"B\":1"),
                EV(",\"A\":1,\"KeyA\":1}"),
                EV(",\"A\":1,\"KeyA\""),                 /* cut after the key: not JSON */
                EV(",\"A\":1,\"Key"),
        };
        struct stream q;
        char what[32];

        stream_init(&q, false);
        for (int round = 0; round < 3; round++)
                for (size_t e = 0; e < ELEMENTSOF(evs); e++) {
                        snprintf(what, sizeof(what), "round %d, event %zu", round, e);
                        stream_check_str(&q, what, evs[e], e < 8);
                }
        /* the last key cut at the input's end, after a guess of it */
        for (int round = 0; round < 2; round++) {
                stream_check_str(&q, "whole", EV(",\"A\":1,\"KeyA\":1"), true);
                stream_check(&q, "cut", EV(",\"A\":1,\"KeyA\":1"), strlen(EV(",\"A\":1,\"KeyA\":1")) - 6, false);
        }
        stream_free(&q);
}
END_TEST

/* A NUL or a control character inside a key, raw or escaped, where a key
 * without it was guessed: left to json-c, and the stream goes on. */
START_TEST(test_keys_nul)
{
        static const struct {
                const char *json;
                size_t len;
                bool mine;
        } evs[] = {
                { EV(",\"A\":1,\"KeyA\":1"), sizeof(EV(",\"A\":1,\"KeyA\":1")) - 1, true },
                { EV(",\"A\":1,\"Key\0A\":1"), sizeof(EV(",\"A\":1,\"Key\0A\":1")) - 1, false },
                { EV(",\"A\":1,\"KeyA\0\":1"), sizeof(EV(",\"A\":1,\"KeyA\0\":1")) - 1, false },
                { EV(",\"A\":1,\"Key\\u0000A\":1"), sizeof(EV(",\"A\":1,\"Key\\u0000A\":1")) - 1, false },
                { EV(",\"A\":1,\"Key\x01\":1"), sizeof(EV(",\"A\":1,\"Key\x01\":1")) - 1, false },
                { EV(",\"A\":1,\"\0eyA\":1"), sizeof(EV(",\"A\":1,\"\0eyA\":1")) - 1, false },
        };
        struct stream q;
        char what[32];

        stream_init(&q, false);
        for (int round = 0; round < 3; round++)
                for (size_t e = 0; e < ELEMENTSOF(evs); e++) {
                        snprintf(what, sizeof(what), "round %d, event %zu", round, e);
                        stream_check(&q, what, evs[e].json, evs[e].len, evs[e].mine);
                }
        stream_free(&q);
}
END_TEST

/* Names intern() cannot take (longer than INTERN_MAX_LEN) stay private
 * copies, the key after one is found without a guess, and a name of
 * exactly the bound is interned. */
START_TEST(test_keys_private)
{
        char json[2048], what[32], at_max[INTERN_MAX_LEN + 1], over[INTERN_MAX_LEN + 2];
        struct stream q;

        memset(at_max, 'M', INTERN_MAX_LEN);
        at_max[INTERN_MAX_LEN] = '\0';
        memset(over, 'O', INTERN_MAX_LEN + 1);
        over[INTERN_MAX_LEN + 1] = '\0';
        stream_init(&q, false);
        for (int round = 0; round < 3; round++) {
                snprintf(json, sizeof(json), EV(",\"A\":1,\"%s\":\"o\",\"B\":2,\"%s\":\"m\",\"C\":3"), over, at_max);
                snprintf(what, sizeof(what), "round %d, over then max", round);
                stream_check_str(&q, what, json, true);
                ck_assert_uint_eq(q.a.nprivate, 1);
                snprintf(json, sizeof(json), EV(",\"%s\":\"o\",\"%s\":\"m\",\"%s\":\"o2\",\"A\":1"), over, at_max, over);
                snprintf(what, sizeof(what), "round %d, over twice", round);
                stream_check_str(&q, what, json, true);
                ck_assert_str_eq(winevent_get(&q.a, over)->value, "o2");
        }
        stream_free(&q);
}
END_TEST

/* The guesses hold interned pointers: after intern_reset() (tests, exit)
 * they are forgotten, never followed (ASan would see the freed names). */
START_TEST(test_keys_intern_reset)
{
        struct stream q;
        const char *json = EV(",\"X\":\"1\",\"Y\":\"2\",\"Z\":\"3\"");

        intern_reset();
        stream_init(&q, false);
        for (int round = 0; round < 3; round++) {
                stream_check_str(&q, "before", json, true);
                stream_check_str(&q, "before, again", json, true);
                winevent_reset(&q.a);
                winevent_reset(&q.b);
                intern_reset();
                /* other names first: the same names get other ids */
                ck_assert_ptr_nonnull(intern("Unrelated", 9));
                ck_assert_ptr_nonnull(intern("Y", 1));
                stream_check_str(&q, "after", json, true);
                ck_assert_ptr_eq(winevent_get_interned(&q.a, intern("Y", 1)), winevent_get(&q.a, "Y"));
        }
        stream_free(&q);
        intern_reset();
}
END_TEST

/* With the intern table full, new keys are private copies and known keys
 * are still guessed: the same events as json-c's. */
START_TEST(test_keys_intern_full)
{
        char name[32], json[512], what[32];
        struct stream q;

        intern_reset();
        stream_init(&q, false);
        stream_check_str(&q, "known", EV(",\"X\":\"1\",\"Y\":\"2\""), true);
        stream_check_str(&q, "known", EV(",\"X\":\"1\",\"Y\":\"2\""), true);
        for (int i = 0; intern_count() < INTERN_MAX_NAMES - 2; i++) {
                int n = snprintf(name, sizeof(name), "Filler%d", i);
                ck_assert_ptr_nonnull(intern(name, (size_t)n));
        }
        for (int round = 0; round < 3; round++) {
                snprintf(json, sizeof(json),
                         EV(",\"X\":\"1\",\"New1\":\"a\",\"New2\":\"b\",\"New3\":\"c\",\"Y\":\"2\",\"New4\":\"d\",\"New3\":\"e\""));
                snprintf(what, sizeof(what), "round %d", round);
                stream_check_str(&q, what, json, true);
                ck_assert_uint_eq(intern_count(), INTERN_MAX_NAMES);
                ck_assert_uint_eq(q.a.nprivate, 2);
                ck_assert_str_eq(winevent_get(&q.a, "New3")->value, "e");
        }
        stream_free(&q);
        intern_reset();
}
END_TEST

static Suite *flatscan_suite(void)
{
        Suite *s = suite_create("flatscan");
        TCase *tc = tcase_create("cases");

        tcase_add_loop_test(tc, test_case, 0, sizeof(cases) / sizeof(cases[0]));
        suite_add_tcase(s, tc);

        tc = tcase_create("string_scan");
        tcase_add_loop_test(tc, test_string_positions, 0, (int)ELEMENTSOF(specials));
        tcase_add_test(tc, test_escape_runs);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);

        tc = tcase_create("key_guess");
        tcase_add_test(tc, test_keys_reordered);
        tcase_add_test(tc, test_keys_near_misses);
        tcase_add_test(tc, test_keys_nul);
        tcase_add_test(tc, test_keys_private);
        tcase_add_test(tc, test_keys_intern_reset);
        tcase_add_test(tc, test_keys_intern_full);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(flatscan_suite());
}
