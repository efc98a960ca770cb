/* daemon/output/record.c: lead ids (pinned format, determinism,
 * sensitivity) and the lead JSON line (shape, field selection and order,
 * NUL bytes, escaping). */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/record.h"
#include "spoor/sigma.h"
#include "spoor/winevent.h"

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

static Suite *record_suite(void)
{
        Suite *s = suite_create("record");
        TCase *tc;

        tc = tcase_create("id");
        tcase_add_test(tc, test_id_pinned);
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
        return s;
}

int main(void)
{
        return unit_run(record_suite());
}
