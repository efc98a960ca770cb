/* daemon/coverage/gaps.c and the gap record (record.c): lifecycle, ids,
 * records, metrics. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/gaps.h"
#include "spoor/metrics.h"
#include "spoor/record.h"
#include "unit.h"


static struct json_object *lines[16];
static size_t nlines;

static void collect(void *ud, const char *line, size_t len)
{
        (void)ud;
        ck_assert_uint_eq(strlen(line), len);
        ck_assert_uint_lt(nlines, 16);
        lines[nlines] = json_tokener_parse(line);
        ck_assert_ptr_nonnull(lines[nlines]);
        nlines++;
}

static void reset(void)
{
        for (size_t i = 0; i < nlines; i++)
                json_object_put(lines[i]);
        nlines = 0;
        memset(&metrics, 0, sizeof(metrics));
}

static const char *str(struct json_object *o, const char *key)
{
        struct json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
        return json_object_get_string(v);
}

static bool is_null(struct json_object *o, const char *key)
{
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) && v == NULL;
}

#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */

START_TEST(test_open_close)
{
        static const uint16_t eid[] = { 4688 };
        struct gaps *gs;
        struct gap_list list = { 0 };
        struct gap *g;
        char id[RECORD_ID_LEN + 1];
        struct json_object *v;

        reset();
        gs = gaps_new(collect, NULL);
        ck_assert_ptr_nonnull(gs);
        g = gap_new(GAP_FIELD_MISSING, "ws1", "Security", eid, 1, "CommandLine", T0);
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(gap_set_evidence(g, "4688 record %d has no CommandLine", 7), 0);
        ck_assert_int_eq(gap_set_remedy(g, "enable it"), 0);
        gaps_open(gs, &list, g);
        ck_assert_uint_eq(gaps_open_count(gs), 1);
        ck_assert_uint_eq(metrics.gaps_open, 1);
        ck_assert_uint_eq(metrics.gaps_opened[GAP_FIELD_MISSING], 1);
        ck_assert_ptr_eq(gaps_find(&list, GAP_FIELD_MISSING, "security", "CommandLine"), g);
        ck_assert_ptr_null(gaps_find(&list, GAP_FIELD_MISSING, "Security", "Image"));
        ck_assert_ptr_null(gaps_find(&list, GAP_EVENTS_LOST, NULL, NULL));
        record_gap_id("field_missing", "ws1", "Security", eid, 1, "CommandLine", T0, id);
        ck_assert_str_eq(g->id, id);
        ck_assert_uint_eq(strlen(id), RECORD_ID_LEN);

        ck_assert_uint_eq(nlines, 1);
        ck_assert_str_eq(str(lines[0], "type"), "gap");
        ck_assert_str_eq(str(lines[0], "state"), "open");
        ck_assert_str_eq(str(lines[0], "kind"), "field_missing");
        ck_assert_str_eq(str(lines[0], "host"), "ws1");
        ck_assert_str_eq(str(lines[0], "field"), "CommandLine");
        ck_assert_str_eq(str(lines[0], "opened"), "2026-11-22T10:00:00.000Z");
        ck_assert_str_eq(str(lines[0], "evidence"), "4688 record 7 has no CommandLine");
        ck_assert_str_eq(str(lines[0], "remedy"), "enable it");
        ck_assert(is_null(lines[0], "closed"));
        ck_assert(is_null(lines[0], "ttr_seconds"));
        ck_assert(json_object_object_get_ex(lines[0], "event_ids", &v));
        ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(v, 0)), 4688);

        gaps_close(gs, &list, g, T0 + 300 * INT64_C(1000000));
        ck_assert_ptr_null(list.head);
        ck_assert_uint_eq(nlines, 2);
        ck_assert_str_eq(str(lines[1], "state"), "closed");
        ck_assert_str_eq(str(lines[1], "id"), id);
        ck_assert_str_eq(str(lines[1], "closed"), "2026-11-22T10:05:00.000Z");
        ck_assert(json_object_object_get_ex(lines[1], "ttr_seconds", &v));
        ck_assert_int_eq(json_object_get_int(v), 300);
        ck_assert_uint_eq(metrics.gaps_open, 0);
        ck_assert_uint_eq(metrics.gaps_closed, 1);
        gaps_free(gs);
        reset();
}
END_TEST

START_TEST(test_ids_differ)
{
        char a[RECORD_ID_LEN + 1], b[RECORD_ID_LEN + 1], c[RECORD_ID_LEN + 1];

        record_gap_id("events_lost", "ws1", "Security", NULL, 0, "r1-5", T0, a);
        record_gap_id("events_lost", "ws1", "Security", NULL, 0, "r7-9", T0, b);
        record_gap_id("events_lost", "ws1", "Security", NULL, 0, "r1-5", T0 + 1, c);
        ck_assert_str_ne(a, b);
        ck_assert_str_ne(a, c);
        record_gap_id("events_lost", "ws1", "Security", NULL, 0, "r1-5", T0, b);
        ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_blinds_and_drop)
{
        struct gaps *gs;
        struct gap_list list = { 0 };
        struct gap *g;
        struct json_object *v;

        reset();
        gs = gaps_new(collect, NULL);
        g = gap_new(GAP_CHANNEL_MISSING, "ws2", "Microsoft-Windows-Sysmon/Operational", NULL, 0, NULL, T0);
        for (int i = 0; i < GAP_MAX_BLINDS + 3; i++) {
                char id[16];

                snprintf(id, sizeof(id), "r%d", i);
                ck_assert_int_eq(gap_add_blind(g, id, "title"), 0);
        }
        gaps_open(gs, &list, g);
        ck_assert(json_object_object_get_ex(lines[0], "blinds", &v));
        ck_assert_uint_eq(json_object_array_length(v), GAP_MAX_BLINDS);
        ck_assert_str_eq(str(json_object_array_get_idx(v, 0), "id"), "r0");
        ck_assert(json_object_object_get_ex(lines[0], "blinds_more", &v));
        ck_assert_int_eq(json_object_get_int(v), 3);
        ck_assert(!json_object_object_get_ex(lines[0], "field", NULL));
        gaps_drop(gs, &list);
        ck_assert_uint_eq(gaps_open_count(gs), 0);
        ck_assert_uint_eq(metrics.gaps_open, 0);
        ck_assert_uint_eq(nlines, 1);   /* dropping writes nothing */
        gaps_free(gs);
        reset();
}
END_TEST

/* Open gaps share the strings they repeat (one copy per struct gaps);
 * the records are the same, a close leaves the others' intact. */
START_TEST(test_shared_strings)
{
        static const char *remedy = "enable the channel: wevtutil sl \"Microsoft-Windows-Sysmon/Operational\" /e:true";
        struct gaps *gs;
        struct gap_list a = { 0 }, b = { 0 };
        struct gap *ga, *gb;
        struct json_object *v;

        reset();
        gs = gaps_new(collect, NULL);
        ga = gap_new(GAP_CHANNEL_MISSING, "ws1", "Microsoft-Windows-Sysmon/Operational", NULL, 0, NULL, T0);
        gb = gap_new(GAP_CHANNEL_MISSING, "ws2", "Microsoft-Windows-Sysmon/Operational", NULL, 0, NULL, T0);
        ck_assert_int_eq(gap_set_remedy(ga, remedy), 0);
        ck_assert_int_eq(gap_set_remedy(gb, remedy), 0);
        ck_assert_int_eq(gap_set_evidence(ga, "ws1 sent 1 channel"), 0);
        ck_assert_int_eq(gap_set_evidence(gb, "ws2 sent 1 channel"), 0);
        for (int i = 0; i < 3; i++) {
                char id[16];

                snprintf(id, sizeof(id), "rule-%d", i);
                ck_assert_int_eq(gap_add_blind(ga, id, "a title"), 0);
                ck_assert_int_eq(gap_add_blind(gb, id, "a title"), 0);
        }
        ck_assert_ptr_ne(ga->remedy, gb->remedy);       /* own copies until opened */
        gaps_open(gs, &a, ga);
        gaps_open(gs, &b, gb);
        ck_assert_ptr_eq(ga->remedy, gb->remedy);
        ck_assert_ptr_eq(ga->channel, gb->channel);
        ck_assert_ptr_eq(ga->blinds[2].id, gb->blinds[2].id);
        ck_assert_ptr_eq(ga->blinds[0].title, ga->blinds[1].title);
        ck_assert_ptr_ne(ga->host, gb->host);
        ck_assert_ptr_ne(ga->evidence, gb->evidence);
        ck_assert_str_eq(str(lines[0], "remedy"), remedy);
        ck_assert_str_eq(str(lines[1], "remedy"), remedy);
        ck_assert_str_eq(str(lines[1], "host"), "ws2");
        gaps_close(gs, &a, ga, T0 + 1000000);
        ck_assert_uint_eq(nlines, 3);
        ck_assert_str_eq(str(lines[2], "remedy"), remedy);
        ck_assert(json_object_object_get_ex(lines[2], "blinds", &v));
        ck_assert_uint_eq(json_object_array_length(v), 3);
        /* the other's strings outlive the close */
        ck_assert_str_eq(gb->remedy, remedy);
        ck_assert_str_eq(gb->channel, "Microsoft-Windows-Sysmon/Operational");
        ck_assert_str_eq(gb->blinds[2].id, "rule-2");
        ck_assert_ptr_eq(gaps_find(&b, GAP_CHANNEL_MISSING, "microsoft-windows-sysmon/operational", NULL), gb);
        gaps_drop(gs, &b);
        ck_assert_uint_eq(gaps_open_count(gs), 0);
        gaps_free(gs);
        reset();
}
END_TEST

static Suite *gaps_suite(void)
{
        Suite *s = suite_create("gaps");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_open_close);
        tcase_add_test(tc, test_ids_differ);
        tcase_add_test(tc, test_blinds_and_drop);
        tcase_add_test(tc, test_shared_strings);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(gaps_suite());
}
