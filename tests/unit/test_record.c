/* daemon/output/record.c: lead ids (pinned format, determinism,
 * sensitivity), the lead JSON line (shape, field selection and order,
 * NUL bytes, escaping), and the streamed lead of kind "match" against the
 * json-c tree it replaced (record_tree.h), byte for byte, over generated
 * rules and events; daemon/output/jsonw.c with JSONW_NOSLASHESCAPE. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/jsonw.h"
#include "spoor/record.h"
#include "spoor/sigma.h"
#include "spoor/winevent.h"
#include "record_tree.h"

#define T_EVENT 1795342272345000ll      /* 2026-11-22T10:11:12.345Z */
#define T_EMIT 1795342273000001ll       /* 2026-11-22T10:11:13.000001Z */

static char *rule_tags[] = { (char *)"attack.persistence", (char *)"attack.t1053.005" };
static char *rule_fps[] = { (char *)"Software installers" };

static struct sigma_rule rule = {
        .id = (char *)"3f5b0c2e-1111-4d3c-9a9e-000000000001",
        .title = (char *)"Scheduled task created",
        .status = (char *)"experimental",
        .level = SIGMA_LEVEL_MEDIUM,
        .description = (char *)"A task was registered",
        .tags = rule_tags,
        .ntags = 2,
        .falsepositives = rule_fps,
        .nfalsepositives = 1,
};

static void set(struct winevent *ev, const char *name, const char *value, size_t len)
{
        ck_assert_int_eq(winevent_set_field(ev, name, strlen(name), value, len), 0);
}

/* A Security 4698 from ws-0042 with record id 5043782. */
static void make_event(struct winevent *ev)
{
        winevent_init(ev);
        ev->time_us = T_EVENT;
        snprintf(ev->host, sizeof(ev->host), "ws-0042.corp.example");
        ev->channel = winevent_strndup(ev, "Security", 8);
        ev->provider = winevent_strndup(ev, "Microsoft-Windows-Security-Auditing", 35);
        ev->event_id = 4698;
        ev->record_id = 5043782;
        ev->has_record_id = true;
        set(ev, "TaskName", "\\Updater", 8);
        set(ev, "SubjectUserName", "alice", 5);
        set(ev, "EventRecordID", "5043782", 7);
        set(ev, "Computer", "WS-0042.corp.example", 20);
        set(ev, "TaskContent", "<Exec>C:/Temp/x.exe</Exec>", 26);
        set(ev, "Channel", "Security", 8);
        set(ev, "EventID", "4698", 4);
}

static struct json_object *lead(const struct winevent *ev, const char *const *fields, size_t n,
                                const char *why, char **text)
{
        char *out = NULL;
        size_t len = 0;
        struct json_object *o;

        ck_assert_int_eq(record_lead_match(&rule, ev, fields, n, why, T_EMIT, &out, &len), 0);
        ck_assert_ptr_nonnull(out);
        ck_assert_uint_eq(strlen(out), len);
        ck_assert_ptr_null(memchr(out, '\n', len));     /* one spool line */
        o = json_tokener_parse(out);
        ck_assert_msg(o != NULL, "not JSON: %s", out);
        if (text)
                *text = out;
        else
                free(out);
        return o;
}

static struct json_object *get(struct json_object *o, const char *key, enum json_type t)
{
        struct json_object *v = NULL;

        ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing key '%s'", key);
        ck_assert_msg(json_object_is_type(v, t), "'%s' has type %s", key, json_type_to_name(json_object_get_type(v)));
        return v;
}

static const char *get_str(struct json_object *o, const char *key)
{
        return json_object_get_string(get(o, key, json_type_string));
}

/* ---- id -------------------------------------------------------------- */

START_TEST(test_id_pinned)
{
        struct winevent ev, ev2;
        const struct winevent *evs[1] = { &ev };
        char id[RECORD_ID_LEN + 1];

        /* sha256("<rule>\x1fmatch\x1f<host>\x1f<host>\x1fSecurity\x1fr5043782\x1f")[:16]:
         * changing this breaks dedup of leads across versions */
        make_event(&ev);
        record_lead_id(rule.id, "match", ev.host, evs, 1, id);
        ck_assert_str_eq(id, "0dd3d6bb1919caa85f3258e099aec3b3");

        /* without a record id: time and event id */
        winevent_init(&ev2);
        ev2.time_us = T_EVENT;
        snprintf(ev2.host, sizeof(ev2.host), "h");
        ev2.channel = "Security";
        ev2.event_id = 4698;
        evs[0] = &ev2;
        record_lead_id("r1", "correlation", NULL, evs, 1, id);
        ck_assert_str_eq(id, "e5628a4e34841aefcbaece7bfdbb4c5f");
        winevent_free(&ev);
        winevent_free(&ev2);
}
END_TEST

/* record_lead_match_id: the id the caller computed goes in as it is (the
 * engine passes the one its noise control made), and without one, or an
 * empty one, the record computes the same id record_lead_match_caveats
 * writes. */
START_TEST(test_match_given_id)
{
        struct winevent ev;
        const struct winevent *evs[1] = { &ev };
        char id[RECORD_ID_LEN + 1], *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        size_t la, lb, lc, ld;

        make_event(&ev);
        record_lead_id(rule.id, "match", ev.host, evs, 1, id);
        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, NULL, 0, "why", NULL, 0, T_EMIT, &a, &la), 0);
        ck_assert_int_eq(record_lead_match_id(id, &rule, &ev, NULL, 0, "why", NULL, 0, T_EMIT, &b, &lb), 0);
        ck_assert_int_eq(record_lead_match_id(NULL, &rule, &ev, NULL, 0, "why", NULL, 0, T_EMIT, &c, &lc), 0);
        ck_assert_int_eq(record_lead_match_id("", &rule, &ev, NULL, 0, "why", NULL, 0, T_EMIT, &d, &ld), 0);
        ck_assert_str_eq(a, b);
        ck_assert_str_eq(a, c);
        ck_assert_str_eq(a, d);
        free(b);
        ck_assert_int_eq(record_lead_match_id("0123456789abcdef0123456789abcdef", &rule, &ev, NULL, 0, "why", NULL,
                                              0, T_EMIT, &b, &lb), 0);
        ck_assert_ptr_nonnull(strstr(b, "\"id\":\"0123456789abcdef0123456789abcdef\""));
        free(a);
        free(b);
        free(c);
        free(d);
        winevent_free(&ev);
}
END_TEST

START_TEST(test_id_deterministic_and_sensitive)
{
        struct winevent a, b;
        const struct winevent *one[1] = { &a }, *two[2] = { &a, &b }, *rev[2] = { &b, &a };
        char base[RECORD_ID_LEN + 1], id[RECORD_ID_LEN + 1];

        make_event(&a);
        make_event(&b);
        record_lead_id("r", "match", "g", one, 1, base);
        ck_assert_uint_eq(strlen(base), RECORD_ID_LEN);
        ck_assert_uint_eq(strspn(base, "0123456789abcdef"), RECORD_ID_LEN);
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_eq(id, base);

        /* a different record id */
        b.record_id = 5043783;
        one[0] = &b;
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        one[0] = &a;

        /* rule, kind, group, host, channel */
        record_lead_id("r2", "match", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        record_lead_id("r", "correlation", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        record_lead_id("r", "match", "g2", one, 1, id);
        ck_assert_str_ne(id, base);
        /* items are separated: "r"+"matchg" is not "rm"+"atchg" */
        record_lead_id("rm", "atch", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        snprintf(a.host, sizeof(a.host), "ws-0043.corp.example");
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        snprintf(a.host, sizeof(a.host), "ws-0042.corp.example");
        a.channel = "Microsoft-Windows-Sysmon/Operational";
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        a.channel = "Security";
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_eq(id, base);

        /* the event time does not matter when there is a record id ... */
        a.time_us += 1000;
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_eq(id, base);
        /* ... and does when there is none */
        a.has_record_id = false;
        record_lead_id("r", "match", "g", one, 1, base);
        a.time_us -= 1000;
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        a.event_id = 4699;
        record_lead_id("r", "match", "g", one, 1, base);
        ck_assert_str_ne(id, base);
        a.event_id = 4698;
        a.has_record_id = true;

        /* several events: each counts, in order */
        record_lead_id("r", "match", "g", two, 2, base);
        record_lead_id("r", "match", "g", rev, 2, id);
        ck_assert_str_ne(id, base);
        record_lead_id("r", "match", "g", one, 1, id);
        ck_assert_str_ne(id, base);
        winevent_free(&a);
        winevent_free(&b);
}
END_TEST

/* ---- JSON ------------------------------------------------------------ */

START_TEST(test_shape)
{
        struct winevent ev;
        const char *fields[] = { "TaskName" };
        char id[RECORD_ID_LEN + 1];
        const struct winevent *evs[1] = { &ev };
        struct json_object *o, *r, *e, *a;

        make_event(&ev);
        o = lead(&ev, fields, 1, "task \\Updater registered by alice", NULL);
        record_lead_id(rule.id, "match", ev.host, evs, 1, id);

        ck_assert_str_eq(get_str(o, "type"), "lead");
        ck_assert_str_eq(get_str(o, "id"), id);
        ck_assert_str_eq(get_str(o, "time"), "2026-11-22T10:11:12.345Z");
        ck_assert_str_eq(get_str(o, "emitted"), "2026-11-22T10:11:13.000001Z");
        ck_assert_str_eq(get_str(o, "host"), "ws-0042.corp.example");
        ck_assert_str_eq(get_str(o, "kind"), "match");
        ck_assert_int_eq(json_object_get_int(get(o, "count", json_type_int)), 1);
        ck_assert_str_eq(get_str(o, "why"), "task \\Updater registered by alice");
        ck_assert_uint_eq(json_object_array_length(get(o, "caveats", json_type_array)), 0);
        ck_assert_str_eq(get_str(get(o, "group", json_type_object), "host"), "ws-0042.corp.example");

        r = get(o, "rule", json_type_object);
        ck_assert_str_eq(get_str(r, "id"), rule.id);
        ck_assert_str_eq(get_str(r, "title"), "Scheduled task created");
        ck_assert_str_eq(get_str(r, "level"), "medium");
        ck_assert_str_eq(get_str(r, "status"), "experimental");
        ck_assert_str_eq(get_str(r, "description"), "A task was registered");
        a = get(r, "tags", json_type_array);
        ck_assert_uint_eq(json_object_array_length(a), 2);
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, 1)), "attack.t1053.005");
        a = get(r, "falsepositives", json_type_array);
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, 0)), "Software installers");

        a = get(o, "events", json_type_array);
        ck_assert_uint_eq(json_object_array_length(a), 1);
        e = json_object_array_get_idx(a, 0);
        ck_assert_str_eq(get_str(e, "channel"), "Security");
        ck_assert_str_eq(get_str(e, "host"), "ws-0042.corp.example");
        ck_assert_int_eq(json_object_get_int64(get(e, "event_id", json_type_int)), 4698);
        ck_assert_int_eq(json_object_get_int64(get(e, "record_id", json_type_int)), 5043782);
        ck_assert_str_eq(get_str(e, "time"), "2026-11-22T10:11:12.345Z");
        ck_assert_str_eq(get_str(get(e, "fields", json_type_object), "TaskName"), "\\Updater");
        json_object_put(o);

        /* no record id: null; why defaults to the title; no description or
         * falsepositives when the rule has none */
        ev.has_record_id = false;
        rule.description = NULL;
        rule.nfalsepositives = 0;
        o = lead(&ev, NULL, 0, NULL, NULL);
        e = json_object_array_get_idx(get(o, "events", json_type_array), 0);
        ck_assert_ptr_null(get(e, "record_id", json_type_null));
        ck_assert_str_eq(get_str(o, "why"), "Scheduled task created");
        r = get(o, "rule", json_type_object);
        ck_assert(!json_object_object_get_ex(r, "description", NULL));
        ck_assert(!json_object_object_get_ex(r, "falsepositives", NULL));
        rule.description = (char *)"A task was registered";
        rule.nfalsepositives = 1;
        json_object_put(o);
        winevent_free(&ev);
}
END_TEST

/* Identifying fields first (stable order), then the rule's, each once, only
 * those present. */
START_TEST(test_field_selection)
{
        struct winevent ev;
        const char *fields[] = { "TaskContent", "EventID", "NoSuchField", "SubjectUserName", "TaskContent" };
        static const char *const want[] = {
                "EventID", "Channel", "Computer", "EventRecordID", "TaskContent", "SubjectUserName",
        };
        struct json_object *o, *f;
        size_t i = 0;

        make_event(&ev);
        o = lead(&ev, fields, ELEMENTSOF(fields), "x", NULL);
        f = get(json_object_array_get_idx(get(o, "events", json_type_array), 0), "fields", json_type_object);
        json_object_object_foreach(f, key, val) {
                ck_assert_uint_lt(i, ELEMENTSOF(want));
                ck_assert_str_eq(key, want[i]);
                ck_assert(json_object_is_type(val, json_type_string));
                i++;
        }
        ck_assert_uint_eq(i, ELEMENTSOF(want));
        ck_assert_str_eq(get_str(f, "Computer"), "WS-0042.corp.example");
        ck_assert_str_eq(get_str(f, "EventID"), "4698");
        json_object_put(o);
        winevent_free(&ev);

        /* an event without the identifying fields: none invented */
        winevent_init(&ev);
        ev.time_us = T_EVENT;
        snprintf(ev.host, sizeof(ev.host), "h");
        ev.channel = "Security";
        set(&ev, "TaskName", "t", 1);
        o = lead(&ev, fields, ELEMENTSOF(fields), "x", NULL);
        f = get(json_object_array_get_idx(get(o, "events", json_type_array), 0), "fields", json_type_object);
        ck_assert_int_eq(json_object_object_length(f), 0);
        json_object_put(o);
        winevent_free(&ev);

        /* a task whose XML was refused: the lead says so, unasked */
        make_event(&ev);
        set(&ev, "TaskParseError", "too large", 9);
        o = lead(&ev, NULL, 0, "x", NULL);
        f = get(json_object_array_get_idx(get(o, "events", json_type_array), 0), "fields", json_type_object);
        ck_assert_str_eq(get_str(f, "TaskParseError"), "too large");
        json_object_put(o);
        winevent_free(&ev);
}
END_TEST

START_TEST(test_nul_and_escaping)
{
        struct winevent ev;
        const char *fields[] = { "CommandLine", "TaskContent" };
        _cleanup_free_ char *text = NULL;
        struct json_object *o, *f, *v;

        make_event(&ev);
        set(&ev, "CommandLine", "cmd\0/c \"x\"\t\xc3\xa9", 13);
        o = lead(&ev, fields, 2, "why \"quoted\"", &text);
        ck_assert_ptr_nonnull(strstr(text, "\"CommandLine\":\"cmd\\u0000/c \\\"x\\\"\\t\xc3\xa9\""));
        ck_assert_ptr_nonnull(strstr(text, "C:/Temp/x.exe"));   /* slashes not escaped */
        ck_assert_ptr_null(strstr(text, "\\/"));
        ck_assert_ptr_null(strstr(text, ", "));                 /* plain: no spaces added */
        f = get(json_object_array_get_idx(get(o, "events", json_type_array), 0), "fields", json_type_object);
        v = get(f, "CommandLine", json_type_string);
        ck_assert_int_eq(json_object_get_string_len(v), 13);
        ck_assert_mem_eq(json_object_get_string(v), "cmd\0/c \"x\"\t\xc3\xa9", 13);
        json_object_put(o);
        winevent_free(&ev);
}
END_TEST

START_TEST(test_bad_arguments)
{
        struct winevent ev;
        char *out = NULL;
        size_t len;

        make_event(&ev);
        rule.level = _SIGMA_LEVEL_MAX;
        ck_assert_int_eq(record_lead_match(&rule, &ev, NULL, 0, NULL, T_EMIT, &out, &len), -EINVAL);
        rule.level = SIGMA_LEVEL_MEDIUM;
        ck_assert_int_eq(record_lead_match(NULL, &ev, NULL, 0, NULL, T_EMIT, &out, &len), -EINVAL);
        ck_assert_int_eq(record_lead_match(&rule, NULL, NULL, 0, NULL, T_EMIT, &out, &len), -EINVAL);
        ck_assert_int_eq(record_lead_match(&rule, &ev, NULL, 1, NULL, T_EMIT, &out, &len), -EINVAL);
        ck_assert_ptr_null(out);
        ck_assert_str_eq(record_kind_name(RECORD_KIND_ESCALATION), "escalation");
        ck_assert_ptr_null(record_kind_name(_RECORD_KIND_MAX));
        winevent_free(&ev);
}
END_TEST

/* ---- noise: summary and escalation ---------------------------------- */

static struct corr_event noise_event(const char *host, uint64_t rec, int64_t t)
{
        struct corr_event e = { .time_us = t, .record_id = rec, .has_record_id = true, .event_id = 4698 };

        snprintf(e.host, sizeof(e.host), "%s", host);
        snprintf(e.channel, sizeof(e.channel), "Security");
        return e;
}

/* rc and the line of a record builder (called before: arguments are
 * evaluated in any order) as JSON; frees the line. */
static struct json_object *parse_line(int rc, char **out, const size_t *len)
{
        struct json_object *o;

        ck_assert_int_eq(rc, 0);
        ck_assert_ptr_nonnull(*out);
        ck_assert_uint_eq(strlen(*out), *len);
        ck_assert_ptr_null(memchr(*out, '\n', *len));
        o = json_tokener_parse(*out);
        ck_assert_msg(o != NULL, "not JSON: %s", *out);
        free(*out);
        *out = NULL;
        return o;
}

/* The id of corr_events is the id record_lead_correlation writes. */
START_TEST(test_id_events_is_correlation_id)
{
        struct corr_event evs[2] = { noise_event("ws1", 7, T_EVENT), noise_event("ws2", 9, T_EVENT + 1) };
        struct sigma_corr c = { .meta = &rule, .spec = { .type = CORR_EVENT_COUNT, .nrefs = 1 } };
        struct corr_fire f = { .key = "bob\x1f", .events = evs, .nevents = 2, .count = 2,
                               .first_us = T_EVENT, .last_us = T_EVENT + 1 };
        char id[RECORD_ID_LEN + 1], *out = NULL;
        size_t len = 0;
        int rc;
        _cleanup_json_ struct json_object *o = NULL;

        rc = record_lead_correlation(&c, &f, NULL, NULL, T_EMIT, &out, &len);
        o = parse_line(rc, &out, &len);
        record_lead_id_events(rule.id, "correlation", f.key, evs, 2, id);
        ck_assert_str_eq(get_str(o, "id"), id);
}
END_TEST

START_TEST(test_summary_shape)
{
        static const char ids[2][RECORD_ID_LEN + 1] = { "00000000000000000000000000000002",
                                                       "00000000000000000000000000000003" };
        const char *names[] = { "host" }, *values[] = { "ws1" };
        struct corr_event ev = noise_event("ws1", 2, T_EVENT + 60000000);
        struct record_summary sm = {
                .rule = &rule, .suppressed_kind = "match", .host = "ws1", .group_key = "ws1",
                .group_names = names, .group_values = values, .ngroup = 1,
                .lead_id = "00000000000000000000000000000001", .opened_us = T_EVENT, .window_us = 3600000000,
                .count = 4, .first_us = T_EVENT + 60000000, .last_us = T_EVENT + 240000000,
                .ids = ids, .nids = 2, .event = &ev, .ended = "window",
        };
        char *out = NULL, id2[RECORD_ID_LEN + 1];
        size_t len = 0;
        int rc;
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *e;

        rc = record_lead_summary(&sm, T_EMIT, &out, &len);
        o = parse_line(rc, &out, &len);
        ck_assert_str_eq(get_str(o, "type"), "lead");
        ck_assert_str_eq(get_str(o, "kind"), "summary");
        ck_assert_str_eq(get_str(o, "suppressed_kind"), "match");
        ck_assert_str_eq(get_str(o, "host"), "ws1");
        ck_assert_str_eq(get_str(get(o, "rule", json_type_object), "id"), rule.id);
        ck_assert_str_eq(get_str(get(o, "group", json_type_object), "host"), "ws1");
        ck_assert_int_eq(json_object_get_int64(get(o, "count", json_type_int)), 4);
        ck_assert_str_eq(get_str(o, "first"), "2026-11-22T10:12:12.345Z");
        ck_assert_str_eq(get_str(o, "last"), "2026-11-22T10:15:12.345Z");
        ck_assert_str_eq(get_str(o, "time"), "2026-11-22T10:15:12.345Z");
        ck_assert_str_eq(get_str(get(o, "window", json_type_object), "opened"), "2026-11-22T10:11:12.345Z");
        ck_assert_int_eq(json_object_get_int64(get(get(o, "window", json_type_object), "seconds", json_type_int)),
                         3600);
        ck_assert_str_eq(get_str(o, "lead"), "00000000000000000000000000000001");
        ck_assert_int_eq(json_object_array_length(get(o, "suppressed_ids", json_type_array)), 2);
        ck_assert_str_eq(get_str(o, "ended"), "window");
        e = json_object_array_get_idx(get(o, "events", json_type_array), 0);
        ck_assert_int_eq(json_object_get_int64(get(e, "record_id", json_type_int)), 2);
        ck_assert_str_eq(get_str(o, "why"), "4 more leads of Scheduled task created for host=ws1 between "
                                            "2026-11-22T10:12:12.345Z and 2026-11-22T10:15:12.345Z were suppressed");
        /* deterministic, and not the id of a lead */
        {
                _cleanup_json_ struct json_object *o2 = NULL;

                rc = record_lead_summary(&sm, T_EMIT + 5, &out, &len);
                o2 = parse_line(rc, &out, &len);
                ck_assert_str_eq(get_str(o, "id"), get_str(o2, "id"));
        }
        record_lead_id_events(rule.id, "match", "ws1", &ev, 1, id2);
        ck_assert_str_ne(get_str(o, "id"), id2);
        sm.event = NULL;
        ck_assert_int_eq(record_lead_summary(&sm, T_EMIT, &out, &len), -EINVAL);
}
END_TEST

START_TEST(test_escalation_shape)
{
        static const char ids[3][RECORD_ID_LEN + 1] = { "a", "b", "c" };
        const char *tactics[] = { "persistence", "privilege-escalation", "discovery" };
        struct corr_event evs[3] = { noise_event("ws1", 1, T_EVENT), noise_event("ws1", 2, T_EVENT + 1),
                                     noise_event("ws1", 3, T_EVENT + 2) };
        struct record_escalation x = {
                .host = "ws1", .score = 9, .score_threshold = 0, .tactics = tactics, .ntactics = 3,
                .tactic_threshold = 3, .by_tactics = true, .window_us = 3600000000, .first_us = T_EVENT,
                .last_us = T_EVENT + 2, .ids = ids, .events = evs, .nleads = 3,
        };
        char *out = NULL;
        size_t len = 0;
        int rc;
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *r, *e;

        rc = record_lead_escalation(&x, T_EMIT, &out, &len);
        o = parse_line(rc, &out, &len);
        ck_assert_str_eq(get_str(o, "kind"), "escalation");
        r = get(o, "rule", json_type_object);
        ck_assert_str_eq(get_str(r, "id"), RECORD_ESCALATION_RULE_ID);
        ck_assert_str_eq(get_str(r, "title"), "Host escalated: 3 ATT&CK tactics");
        ck_assert_str_eq(get_str(r, "level"), "high");
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(get(r, "tags", json_type_array), 1)),
                         "attack.privilege-escalation");
        ck_assert_str_eq(get_str(o, "host"), "ws1");
        ck_assert_int_eq(json_object_get_int64(get(o, "score", json_type_int)), 9);
        ck_assert_int_eq(json_object_get_int64(get(o, "count", json_type_int)), 3);
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(get(o, "tactics", json_type_array), 2)),
                         "discovery");
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(get(o, "leads", json_type_array), 0)),
                         "a");
        e = json_object_array_get_idx(get(o, "events", json_type_array), 0);
        ck_assert_int_eq(json_object_get_int64(get(e, "record_id", json_type_int)), 1);
        ck_assert_int_eq(json_object_array_length(get(o, "events", json_type_array)), 3);
        ck_assert_str_eq(get_str(o, "why"), "ws1: leads span 3 ATT&CK tactics (persistence, privilege-escalation, "
                                            "discovery) (threshold 3); score 9; 3 leads within 1h");
        x.nleads = 0;
        ck_assert_int_eq(record_lead_escalation(&x, T_EMIT, &out, &len), -EINVAL);
}
END_TEST

/* ---- the streamed lead against the json-c tree ---------------------- */

static uint64_t rnd_state;

/* xorshift64*: the same cases on every run (SPOOR_TEST_SEED picks others) */
static uint64_t rnd(void)
{
        rnd_state ^= rnd_state >> 12;
        rnd_state ^= rnd_state << 25;
        rnd_state ^= rnd_state >> 27;
        return rnd_state * UINT64_C(2685821657736338717);
}

static size_t rnd_below(size_t n)
{
        return (size_t)(rnd() % n);
}

/* Pieces strings are made of: plain text, what JSON escapes ('/' is not
 * escaped in a lead), control bytes, DEL, valid UTF-8 (2, 3, 4 bytes,
 * U+2028), invalid UTF-8 (a lone continuation, a cut sequence, overlong,
 * a surrogate, above U+10FFFF, 0xff). */
static const char *const rnd_pieces[] = {
        "a", "Z", "0", " ", "cmd.exe", "C:\\Windows\\System32", "https://x/y", "\"", "\\", "/", "//", "\\/",
        "\x01", "\x08", "\x09", "\x0a", "\x0c", "\x0d", "\x1b", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\x80", "\xc3", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xff", "\xfe", "u00", "\\u0041", "<Exec>", "%s%n", "{}[],:",
};

/* A random string (NUL-terminated, no NUL inside) into buf[size]: often
 * empty, sometimes long. */
static char *rnd_str(char *buf, size_t size)
{
        size_t n = 0, pieces;

        switch (rnd_below(8)) {
        case 0:
                pieces = 0;
                break;
        case 1:
                pieces = 40 + rnd_below(100);
                break;
        default:
                pieces = 1 + rnd_below(8);
                break;
        }
        for (size_t i = 0; i < pieces; i++) {
                const char *p = rnd_pieces[rnd_below(ELEMENTSOF(rnd_pieces))];
                size_t k = strlen(p);

                if (n + k >= size)
                        break;
                memcpy(buf + n, p, k);
                n += k;
        }
        buf[n] = '\0';
        return buf;
}

/* The same, or NULL one time in `null_in`. */
static char *rnd_str_or_null(char *buf, size_t size, size_t null_in)
{
        return rnd_below(null_in) == 0 ? NULL : rnd_str(buf, size);
}

/* Times that matter to the format: before 1970, at the epoch, within
 * milliseconds and microseconds, beyond year 9999, the extremes. */
static int64_t rnd_time(void)
{
        static const int64_t edge[] = { 0, -1, 1, 999, 1000, -1000, -1001, INT64_MIN, INT64_MAX, INT64_MIN + 1,
                                        INT64_MAX - 1, T_EVENT, T_EMIT, -62135596800000000ll /* 0001-01-01 */,
                                        253402300799999999ll /* 9999-12-31T23:59:59.999999 */,
                                        253402300800000000ll /* 10000-01-01 */, -86400000000ll };

        switch (rnd_below(4)) {
        case 0:
                return edge[rnd_below(ELEMENTSOF(edge))];
        case 1:
                return (int64_t)rnd();
        case 2:
                return (int64_t)(rnd() % UINT64_C(253402300800000000)) - (int64_t)(rnd() % 2 ? 0 : 1) * 62135596800000000ll;
        default:
                return T_EVENT + (int64_t)rnd_below(1000000000) * (rnd() % 2 ? 1000 : 1);
        }
}

static uint64_t rnd_u64(void)
{
        static const uint64_t edge[] = { 0, 1, 9, 10, 4294967295u, INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX,
                                         UINT64_MAX - 1, 5043782 };

        return rnd() % 2 ? edge[rnd_below(ELEMENTSOF(edge))] : rnd() >> rnd_below(64);
}

/* Field names: the identifying ones, everyday ones, and names JSON must
 * escape or that are not UTF-8. */
static const char *const rnd_names[] = {
        "EventID", "Channel", "Computer", "EventRecordID", "TaskParseError", "CommandLine", "Image", "TaskName",
        "ParentImage", "a/b", "we\"ird", "back\\slash", "ctl\x01\x1f", "del\x7f", "caf\xc3\xa9", "bad\xff", "",
        "SubjectUserName",
};

/* One generated case; kept in arrays the record points into. */
struct gen_case {
        struct sigma_rule rule;
        char *tags[5], *fps[4];
        char rule_id[256], title[256], status[256], desc[1024], tag[5][128], fp[4][128];
        struct winevent ev;
        char channel[256], provider[256];
        const char *names[24];
        size_t nnames;
        char why[1024];
        const char *whyp;
        struct record_caveat cav[6];
        char cav_id[6][64], cav_text[6][512];
        size_t ncav;
        int64_t emitted;
};

static void gen_case(struct gen_case *c)
{
        size_t nf;

        memset(&c->rule, 0, sizeof(c->rule));
        c->rule.id = rnd_str_or_null(c->rule_id, sizeof(c->rule_id), 16);
        c->rule.title = rnd_str_or_null(c->title, sizeof(c->title), 16);
        c->rule.status = rnd_str_or_null(c->status, sizeof(c->status), 8);
        c->rule.description = rnd_str_or_null(c->desc, sizeof(c->desc), 3);
        c->rule.level = (enum sigma_level)rnd_below(_SIGMA_LEVEL_MAX);
        c->rule.ntags = rnd_below(ELEMENTSOF(c->tags) + 1);
        for (size_t i = 0; i < c->rule.ntags; i++)
                c->tags[i] = rnd_str_or_null(c->tag[i], sizeof(c->tag[i]), 10);
        c->rule.tags = c->rule.ntags || rnd() % 2 ? c->tags : NULL;
        c->rule.nfalsepositives = rnd_below(ELEMENTSOF(c->fps) + 1);
        for (size_t i = 0; i < c->rule.nfalsepositives; i++)
                c->fps[i] = rnd_str_or_null(c->fp[i], sizeof(c->fp[i]), 10);
        c->rule.falsepositives = c->rule.nfalsepositives || rnd() % 2 ? c->fps : NULL;

        winevent_init(&c->ev);
        rnd_str(c->ev.host, sizeof(c->ev.host));
        c->ev.channel = rnd_str_or_null(c->channel, sizeof(c->channel), 8);
        c->ev.provider = rnd_below(3) == 0 ? "" : rnd_str_or_null(c->provider, sizeof(c->provider), 4);
        c->ev.event_id = rnd() % 4 ? (uint32_t)rnd_below(65536) : (uint32_t)rnd();
        c->ev.record_id = rnd_u64();
        c->ev.has_record_id = rnd() % 3 != 0;
        c->ev.time_us = rnd_time();
        nf = rnd_below(4) == 0 ? 0 : rnd_below(ELEMENTSOF(rnd_names) + 4);
        for (size_t i = 0; i < nf; i++) {
                const char *name = rnd_names[rnd_below(ELEMENTSOF(rnd_names))];
                char value[2048];
                size_t len;

                rnd_str(value, sizeof(value) - 8);
                len = strlen(value);
                if (rnd_below(6) == 0) {         /* NUL bytes inside */
                        memcpy(value + len, "\0x\0/\0", 5);
                        len += 5;
                }
                if (!name[0])
                        continue;               /* decode never sets an empty name */
                ck_assert_int_eq(winevent_set_field(&c->ev, name, strlen(name), value, len), 0);
        }

        /* the names asked for: often some the event lacks, repeated, NULL */
        c->nnames = rnd_below(4) == 0 ? 0 : rnd_below(ELEMENTSOF(c->names) + 1);
        for (size_t i = 0; i < c->nnames; i++) {
                size_t k = rnd_below(ELEMENTSOF(rnd_names) + 3);

                c->names[i] = k < ELEMENTSOF(rnd_names) ? rnd_names[k] : k == ELEMENTSOF(rnd_names) ? NULL : "Absent";
        }
        c->whyp = rnd_str_or_null(c->why, sizeof(c->why), 3);
        c->ncav = rnd_below(3) == 0 ? rnd_below(ELEMENTSOF(c->cav) + 1) : 0;
        for (size_t i = 0; i < c->ncav; i++) {
                c->cav[i].gap_id = rnd_str_or_null(c->cav_id[i], sizeof(c->cav_id[i]), 8);
                c->cav[i].text = rnd_str_or_null(c->cav_text[i], sizeof(c->cav_text[i]), 8);
        }
        c->emitted = rnd_time();
}

/* record_lead_match_caveats() and the tree give the same return, length
 * and bytes for case c. */
static void same_as_tree(const struct gen_case *c, unsigned iter)
{
        char *got = NULL, *want = NULL;
        size_t glen = 7, wlen = 7;
        const struct record_caveat *cav = c->ncav || rnd() % 2 ? c->cav : NULL;
        int grc = record_lead_match_caveats(&c->rule, &c->ev, c->nnames || rnd() % 2 ? c->names : NULL, c->nnames,
                                            c->whyp, cav, c->ncav, c->emitted, &got, &glen);
        int wrc = tree_lead_match_caveats(&c->rule, &c->ev, c->nnames ? c->names : NULL, c->nnames, c->whyp, cav,
                                          c->ncav, c->emitted, &want, &wlen);

        ck_assert_msg(grc == wrc, "case %u: rc %d, the tree %d", iter, grc, wrc);
        if (grc < 0)
                return;
        ck_assert_msg(glen == wlen && memcmp(got, want, wlen + 1) == 0, "case %u:\n got  %s\n want %s", iter, got,
                      want);
        ck_assert_uint_eq(strlen(got), glen);
        free(got);
        free(want);
}

START_TEST(test_match_same_as_tree)
{
        const char *seed = getenv("SPOOR_TEST_SEED");
        struct gen_case *c = calloc(1, sizeof(*c));

        ck_assert_ptr_nonnull(c);
        rnd_state = seed ? strtoull(seed, NULL, 0) | 1 : UINT64_C(0x9e3779b97f4a7c15);
        for (unsigned i = 0; i < 20000; i++) {
                gen_case(c);
                same_as_tree(c, i);
                winevent_free(&c->ev);
        }
        free(c);
}
END_TEST

/* The fixed event of the other tests, with every field asked for once,
 * twice, NULL and absent, and the identifying ones asked again. */
START_TEST(test_match_same_as_tree_fixed)
{
        struct winevent ev;
        const char *fields[] = { "TaskContent", NULL, "EventID", "NoSuchField", "SubjectUserName", "TaskContent",
                                 "CommandLine", "Computer", "NoSuchField", "CommandLine" };
        const struct record_caveat cav[] = { { "0123456789abcdef0123456789abcdef", "EventLog service stopped" },
                                             { NULL, NULL }, { "g/2", "a \"quoted\" path C:/x\\y" } };
        char *got, *want;
        size_t glen, wlen;

        make_event(&ev);
        set(&ev, "CommandLine", "cmd\0/c \"x\"\t\xc3\xa9\xff", 14);
        for (size_t n = 0; n <= ELEMENTSOF(fields); n++)
                for (size_t k = 0; k <= ELEMENTSOF(cav); k++) {
                        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, fields, n, n % 2 ? "w/hy" : NULL,
                                                                   cav, k, T_EMIT, &got, &glen), 0);
                        ck_assert_int_eq(tree_lead_match_caveats(&rule, &ev, fields, n, n % 2 ? "w/hy" : NULL,
                                                                 cav, k, T_EMIT, &want, &wlen), 0);
                        ck_assert_uint_eq(glen, wlen);
                        ck_assert_str_eq(got, want);
                        free(got);
                        free(want);
                }
        /* the event without a record id, provider, fields */
        winevent_free(&ev);
        winevent_init(&ev);
        ev.provider = "";
        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, fields, ELEMENTSOF(fields), NULL, NULL, 0,
                                                   INT64_MIN, &got, &glen), 0);
        ck_assert_int_eq(tree_lead_match_caveats(&rule, &ev, fields, ELEMENTSOF(fields), NULL, NULL, 0, INT64_MIN,
                                                 &want, &wlen), 0);
        ck_assert_str_eq(got, want);
        ck_assert_ptr_nonnull(strstr(got, "\"channel\":\"\",\"event_id\":0,\"record_id\":null,\"time\":"));
        ck_assert_ptr_nonnull(strstr(got, "\"fields\":{}}]"));
        free(got);
        free(want);
        winevent_free(&ev);
}
END_TEST

/* Bad arguments: the tree's -EINVAL, and *out untouched; caveats NULL with
 * a count is refused too (the tree would read through NULL). */
START_TEST(test_match_bad_arguments_as_tree)
{
        struct winevent ev;
        const char *fields[] = { "EventID" };
        char *out = NULL, *want = NULL;
        size_t len = 0;

        make_event(&ev);
        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, fields, 1, NULL, NULL, 0, 0, NULL, &len), -EINVAL);
        ck_assert_int_eq(tree_lead_match_caveats(&rule, &ev, fields, 1, NULL, NULL, 0, 0, NULL, &len), -EINVAL);
        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, NULL, 1, NULL, NULL, 0, 0, &out, &len), -EINVAL);
        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, fields, 1, NULL, NULL, 1, 0, &out, &len), -EINVAL);
        rule.level = (enum sigma_level)-1;
        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, fields, 1, NULL, NULL, 0, 0, &out, &len), -EINVAL);
        ck_assert_int_eq(tree_lead_match_caveats(&rule, &ev, fields, 1, NULL, NULL, 0, 0, &want, &len), -EINVAL);
        rule.level = SIGMA_LEVEL_MEDIUM;
        ck_assert_ptr_null(out);
        ck_assert_ptr_null(want);
        /* len may be NULL */
        ck_assert_int_eq(record_lead_match_caveats(&rule, &ev, fields, 1, NULL, NULL, 0, 0, &out, NULL), 0);
        ck_assert_int_eq(tree_lead_match_caveats(&rule, &ev, fields, 1, NULL, NULL, 0, 0, &want, NULL), 0);
        ck_assert_str_eq(out, want);
        free(out);
        free(want);
        winevent_free(&ev);
}
END_TEST

/* Invalid UTF-8 anywhere in the line is mended (U+FFFD per bad byte), as
 * the tree's text was. */
START_TEST(test_match_mends_utf8_as_tree)
{
        struct winevent ev;
        const char *fields[] = { "CommandLine" };
        char *got, *want;
        size_t glen, wlen;

        make_event(&ev);
        set(&ev, "CommandLine", "a\xff" "b\xc3", 4);
        ck_assert_int_eq(record_lead_match(&rule, &ev, fields, 1, "\xe2\x82", T_EMIT, &got, &glen), 0);
        ck_assert_int_eq(tree_lead_match_caveats(&rule, &ev, fields, 1, "\xe2\x82", NULL, 0, T_EMIT, &want, &wlen),
                         0);
        ck_assert_uint_eq(glen, wlen);
        ck_assert_str_eq(got, want);
        ck_assert_ptr_nonnull(strstr(got, "\"CommandLine\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\""));
        free(got);
        free(want);
        winevent_free(&ev);
}
END_TEST

/* ---- jsonw: NOSLASHESCAPE, lengths, integers, as json-c --------------- */

static char *jsonw_flags_text(unsigned flags, const char *s, size_t n)
{
        struct jsonw w;
        char *t;

        ck_assert_int_eq(jsonw_init_mem_ext(&w, flags & 4 ? 0 : 3, flags & JSONW_NOSLASHESCAPE), 0);
        jsonw_lit(&w, "{");
        jsonw_key(&w, s, 1);
        jsonw_str_len(&w, s, n);
        jsonw_lit(&w, "}");
        ck_assert_int_eq(jsonw_finish(&w), 0);
        ck_assert_ptr_nonnull(t = jsonw_take(&w, NULL));
        jsonw_fini(&w);
        return t;
}

/* every byte value, alone and between others, as a key and as a value
 * (with a NUL byte after it), with and without NOSLASHESCAPE */
START_TEST(test_jsonw_escapes_as_json_c)
{
        for (unsigned flags = 0; flags < 8; flags++) {
                for (unsigned c = 1; c < 256; c++) {
                        char s[8];
                        struct json_object *o;
                        char *got;
                        int jflags = JSON_C_TO_STRING_PLAIN | (flags & 1 ? JSON_C_TO_STRING_NOSLASHESCAPE : 0);

                        snprintf(s, sizeof(s), "a%cb%c", (char)c, (char)c);
                        ck_assert_ptr_nonnull(o = json_object_new_object());
                        json_object_object_add(o, s, json_object_new_string_len(s, (flags & 2) ? 5 : 4));
                        got = jsonw_flags_text(flags, s, (flags & 2) ? 5 : 4);
                        ck_assert_msg(strcmp(got, json_object_to_json_string_ext(o, jflags)) == 0,
                                      "byte 0x%02x flags %u: %s", c, flags, got);
                        free(got);
                        json_object_put(o);
                }
        }
}
END_TEST

/* Strings past 8 bytes (looked at a word at a time): every byte value at
 * every place of a 19-byte string, then random bytes of any value (runs
 * of high bytes beside control bytes: the word tests must not borrow
 * across bytes), with and without NOSLASHESCAPE. */
START_TEST(test_jsonw_long_strings_as_json_c)
{
        char s[64];

        for (unsigned flags = 0; flags < 2; flags++) {
                int jflags = JSON_C_TO_STRING_PLAIN | (flags ? JSON_C_TO_STRING_NOSLASHESCAPE : 0);

                for (unsigned c = 0; c < 256; c++)
                        for (size_t at = 0; at < 19; at++) {
                                struct json_object *o;
                                struct jsonw w;
                                char *got;

                                memcpy(s, "abcdefghijklmnopqrs", 19);
                                s[at] = (char)c;
                                ck_assert_ptr_nonnull(o = json_object_new_object());
                                json_object_object_add(o, "k", json_object_new_string_len(s, 19));
                                ck_assert_int_eq(jsonw_init_mem_ext(&w, 0, flags), 0);
                                jsonw_lit(&w, "{\"k\":");
                                jsonw_str_len(&w, s, 19);
                                jsonw_lit(&w, "}");
                                ck_assert_ptr_nonnull(got = jsonw_take(&w, NULL));
                                ck_assert_msg(strcmp(got, json_object_to_json_string_ext(o, jflags)) == 0,
                                              "byte 0x%02x at %zu: %s", c, at, got);
                                free(got);
                                json_object_put(o);
                        }
                rnd_state = UINT64_C(0x2545f4914f6cdd1d);
                for (unsigned i = 0; i < 20000; i++) {
                        static const unsigned char pick[] = { 0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x2f, 0x5c, 0x7f,
                                                              0x80, 0x9f, 0xa0, 0xdf, 0xe0, 0xff, 'a' };
                        size_t n = rnd_below(sizeof(s));
                        struct json_object *o;
                        struct jsonw w;
                        char *got;

                        for (size_t k = 0; k < n; k++)
                                s[k] = (char)(rnd() % 2 ? pick[rnd_below(sizeof(pick))] : rnd());
                        ck_assert_ptr_nonnull(o = json_object_new_string_len(s, (int)n));
                        ck_assert_int_eq(jsonw_init_mem_ext(&w, 0, flags), 0);
                        jsonw_str_len(&w, s, n);
                        ck_assert_ptr_nonnull(got = jsonw_take(&w, NULL));
                        ck_assert_str_eq(got, json_object_to_json_string_ext(o, jflags));
                        free(got);
                        json_object_put(o);
                }
        }
}
END_TEST

START_TEST(test_jsonw_integers_as_json_c)
{
        static const int64_t i[] = { 0, -1, 1, 9, 10, -9, -10, 99, 100, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN,
                                     INT64_MIN + 1, 4688, -4688 };
        static const uint64_t u[] = { 0, 1, 9, 10, 4294967295u, INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX,
                                      UINT64_MAX - 1, 10000000000000000000u };
        struct jsonw w;
        char *t;

        for (size_t k = 0; k < ELEMENTSOF(i); k++) {
                struct json_object *o = json_object_new_int64(i[k]);

                jsonw_init_mem(&w);
                jsonw_i64(&w, i[k]);
                ck_assert_ptr_nonnull(t = jsonw_take(&w, NULL));
                ck_assert_str_eq(t, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                free(t);
                json_object_put(o);
        }
        for (size_t k = 0; k < ELEMENTSOF(u); k++) {
                struct json_object *o = json_object_new_uint64(u[k]);
                size_t n;

                jsonw_init_mem(&w);
                jsonw_u64(&w, u[k]);
                ck_assert_ptr_nonnull(t = jsonw_take(&w, &n));
                ck_assert_uint_eq(strlen(t), n);
                ck_assert_str_eq(t, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                free(t);
                json_object_put(o);
        }
        /* an empty writer's text is "" */
        jsonw_init_mem(&w);
        ck_assert_ptr_nonnull(t = jsonw_take(&w, NULL));
        ck_assert_str_eq(t, "");
        free(t);
        jsonw_fini(&w);
}
END_TEST

static Suite *record_suite(void)
{
        Suite *s = suite_create("record");
        TCase *tc;

        tc = tcase_create("id");
        tcase_add_test(tc, test_id_pinned);
        tcase_add_test(tc, test_match_given_id);
        tcase_add_test(tc, test_id_deterministic_and_sensitive);
        suite_add_tcase(s, tc);

        tc = tcase_create("json");
        tcase_add_test(tc, test_shape);
        tcase_add_test(tc, test_field_selection);
        tcase_add_test(tc, test_nul_and_escaping);
        tcase_add_test(tc, test_bad_arguments);
        tcase_add_test(tc, test_id_events_is_correlation_id);
        tcase_add_test(tc, test_summary_shape);
        tcase_add_test(tc, test_escalation_shape);
        suite_add_tcase(s, tc);

        tc = tcase_create("match_as_tree");
        tcase_add_test(tc, test_match_same_as_tree);
        tcase_add_test(tc, test_match_same_as_tree_fixed);
        tcase_add_test(tc, test_match_bad_arguments_as_tree);
        tcase_add_test(tc, test_match_mends_utf8_as_tree);
        tcase_set_timeout(tc, 100);
        suite_add_tcase(s, tc);

        tc = tcase_create("jsonw");
        tcase_add_test(tc, test_jsonw_escapes_as_json_c);
        tcase_add_test(tc, test_jsonw_long_strings_as_json_c);
        tcase_add_test(tc, test_jsonw_integers_as_json_c);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(record_suite());
}
