/* record.c: every lead and gap record writer, fed hostile field values
 * (control characters, escape sequences, U+2028, NUL bytes, invalid UTF-8,
 * long strings, any event time).
 *
 * Input: parts separated by 0x1e (missing parts are "").
 *   part 0   control bytes: [0] bit 0: clean (every string made valid
 *            UTF-8 first), bit 1: any times (else event times within
 *            1970..9999), bits 2-4: rule level (5-7: out of range);
 *            [1..32] four big-endian u64 times (event, emitted, opened,
 *            closed)
 *   part 1.. rule id, title, status, description, tag, falsepositive,
 *            host, channel, provider, CommandLine, TaskName, another field
 *            name, its value, why, caveat text, group-by name, group
 *            value, gap kind, gap field, remedy, blind title
 * The correlation's contributing events keep host and channel in 64-byte
 * arrays, cut as engine.c cuts them (spoord puts ASCII there: a canonical
 * host, a rule's channel); escalation tactics are names from risk.c.
 * Checked for each writer (match with caveats, correlation, first_seen,
 * summary, escalation, gap): 0 or -EINVAL (an out-of-range level) — never
 * a crash; the output is one line (fuzz_json_line: no byte below 0x20,
 * strict JSON, one object, nothing after it, valid UTF-8 when the inputs
 * were); the values round-trip exactly (host, CommandLine and TaskName
 * with their NUL bytes, why, the evidence); *len is the line's length; the
 * lead id is 32 lowercase hex digits and is the same for the same input.
 * The match lead is written as text (jsonw), no longer as a json-c tree:
 * each one, and a variant whose arguments the input picks (its byte 3:
 * bits 1-3 how many of a field list with repeats, NULL, an identifying
 * name and one the event lacks; bits 4-5 caveats, 0..3 with a NULL gap id;
 * bit 6 why NULL; bit 7 provider ""), must be byte for byte what the tree
 * gives (tests/unit/record_tree.h), with the same return. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "fuzz_json.h"
#include "spoor/record.h"
#include "spoor/risk.h"
#include "spoor/sigma.h"
#include "tests/unit/record_tree.h"

enum {
        P_CTL,
        P_RULE_ID,
        P_TITLE,
        P_STATUS,
        P_DESC,
        P_TAG,
        P_FP,
        P_HOST,
        P_CHANNEL,
        P_PROVIDER,
        P_CMDLINE,
        P_TASKNAME,
        P_FNAME,
        P_FVALUE,
        P_WHY,
        P_CAVEAT,
        P_GROUP_NAME,
        P_GROUP_VALUE,
        P_GAP_KIND,
        P_GAP_FIELD,
        P_REMEDY,
        P_BLIND_TITLE,
        _P_MAX,
};

struct part {
        char *s;                        /* NUL-terminated copy (may hold NUL bytes before len) */
        size_t len;
};

static struct part parts[_P_MAX];
static bool clean, any_time;

static void parts_split(const char *in, size_t size)
{
        const char *p = in, *end = in + size;

        for (size_t i = 0; i < _P_MAX; i++) {
                const char *sep = p < end ? memchr(p, 0x1e, (size_t)(end - p)) : NULL;
                size_t n = p < end ? (size_t)((sep ? sep : end) - p) : 0;

                if (clean && i != P_CTL) {
                        parts[i].s = fuzz_utf8_clean(p, n);
                } else {
                        parts[i].s = malloc(n + 1);
                        fuzz_assert(parts[i].s != NULL);
                        if (n)
                                memcpy(parts[i].s, p, n);
                        parts[i].s[n] = '\0';
                }
                parts[i].len = n;
                p = sep ? sep + 1 : end;
        }
}

static void parts_free(void)
{
        for (size_t i = 0; i < _P_MAX; i++)
                free(parts[i].s);
}

/* part i as a C string (up to its first NUL) */
static const char *S(int i)
{
        return parts[i].s;
}

static int64_t ctl_time(size_t k)
{
        const unsigned char *c = (const unsigned char *)parts[P_CTL].s;
        uint64_t v = 0;

        for (size_t i = 0; i < 8; i++) {
                size_t at = 1 + 8 * k + i;

                v = v << 8 | (at < parts[P_CTL].len ? c[at] : 0);
        }
        if (any_time)
                return (int64_t)v;
        /* 1970-01-01 .. 9999-12-31 */
        return (int64_t)(v % UINT64_C(253402300799000000));
}

/* Copy s into dst[size] as engine.c keeps a contributing event's host and
 * channel (at most size - 1 bytes), without cutting a UTF-8 sequence: in
 * spoord those strings are a canonical host and a rule's channel (ASCII),
 * so a cut character would be the harness's doing, not record.c's. */
static void copy_cut(char *dst, size_t size, const char *s)
{
        size_t n = strnlen(s, size - 1);

        if (n == size - 1 && ((unsigned char)s[n] & 0xc0) == 0x80)
                while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                        n--;
        memcpy(dst, s, n);
        dst[n] = '\0';
}

/* record_lead_match_caveats() gives what the json-c tree gives: the same
 * return, and on success the same length and bytes. */
static void check_same_as_tree(const struct sigma_rule *r, const struct winevent *ev, const char *const *fields,
                               size_t nfields, const char *why, const struct record_caveat *cav, size_t ncav,
                               int64_t emitted)
{
        char *got = NULL, *want = NULL;
        size_t glen = 0, wlen = 0;
        int grc = record_lead_match_caveats(r, ev, fields, nfields, why, cav, ncav, emitted, &got, &glen);
        int wrc = tree_lead_match_caveats(r, ev, fields, nfields, why, cav, ncav, emitted, &want, &wlen);

        fuzz_assert(grc == wrc);
        if (grc == 0) {
                fuzz_assert(glen == wlen);
                fuzz_assert(memcmp(got, want, wlen + 1) == 0);
        }
        free(got);
        free(want);
}

static void check_id(const char *id)
{
        fuzz_assert(strlen(id) == RECORD_ID_LEN);
        for (size_t i = 0; i < RECORD_ID_LEN; i++)
                fuzz_assert((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'));
}

/* The common checks of a lead line; returns the parsed object. */
static struct json_object *check_lead(int r, char *out, size_t len, bool level_ok)
{
        struct json_object *o, *v;

        if (!level_ok) {
                fuzz_assert(r == -EINVAL);
                return NULL;
        }
        fuzz_assert(r == 0);
        o = fuzz_json_line(out, len, clean);
        fuzz_assert(json_object_object_get_ex(o, "id", &v));
        check_id(json_object_get_string(v));
        fuzz_json_str_eq(o, "type", "lead", 4);
        free(out);
        return o;
}

/* A string field of a C-string input: round-trips when the input was
 * clean UTF-8 (a NUL ends a C string, so only the part before it). */
static void check_cstr(struct json_object *o, const char *key, const char *want)
{
        if (clean)
                fuzz_json_str_eq(o, key, want, strlen(want));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sigma_rule rule;
        struct sigma_corr corr;
        struct winevent ev;
        struct corr_event cev[3];
        struct corr_fire fire;
        struct record_caveat cav[2];
        char *tags[1], *fps[1], *rfields[1], *group_by[1], *fs_fields[1];
        const char *fields[3], *group_values[1], *field_values[1];
        char gap_id[RECORD_ID_LEN + 1], ids[2][RECORD_ID_LEN + 1], id2[RECORD_ID_LEN + 1];
        struct json_object *o, *a, *e, *f;
        char *out = NULL;
        size_t len = 0;
        bool level_ok;
        int level, r;

        if (size > 64 * 1024)
                return 0;
        clean = size > 0 && (data[0] & 1);
        any_time = size > 0 && (data[0] & 2);
        level = size > 0 ? (data[0] >> 2) & 7 : 0;
        level_ok = level < _SIGMA_LEVEL_MAX;
        parts_split((const char *)data, size);

        /* the rule */
        memset(&rule, 0, sizeof(rule));
        rule.id = parts[P_RULE_ID].s;
        rule.title = parts[P_TITLE].s;
        rule.status = parts[P_STATUS].s;
        rule.description = parts[P_DESC].s;
        rule.level = (enum sigma_level)level;
        tags[0] = parts[P_TAG].s;
        rule.tags = tags;
        rule.ntags = 1;
        fps[0] = parts[P_FP].s;
        rule.falsepositives = fps;
        rule.nfalsepositives = 1;
        rfields[0] = parts[P_FNAME].s;
        rule.fields = rfields;
        rule.nfields = 1;

        /* the event: host as the event holds it (any bytes here, though
         * decode only lets canonical names through) */
        winevent_init(&ev);
        copy_cut(ev.host, sizeof(ev.host), S(P_HOST));
        ev.channel = S(P_CHANNEL);
        ev.provider = S(P_PROVIDER);
        ev.event_id = 4698;
        ev.time_us = ctl_time(0);
        ev.recv_us = ctl_time(1);
        ev.record_id = (uint64_t)ctl_time(2);
        ev.has_record_id = size && (data[size - 1] & 1);
        fuzz_assert(winevent_set_field(&ev, "EventID", 7, "4698", 4) == 0);
        fuzz_assert(winevent_set_field(&ev, "Computer", 8, parts[P_HOST].s, parts[P_HOST].len) == 0);
        fuzz_assert(winevent_set_field(&ev, "CommandLine", 11, parts[P_CMDLINE].s, parts[P_CMDLINE].len) == 0);
        fuzz_assert(winevent_set_field(&ev, "TaskName", 8, parts[P_TASKNAME].s, parts[P_TASKNAME].len) == 0);
        if (S(P_FNAME)[0])
                fuzz_assert(winevent_set_field(&ev, S(P_FNAME), strlen(S(P_FNAME)), parts[P_FVALUE].s,
                                               parts[P_FVALUE].len) == 0);
        fields[0] = "CommandLine";
        fields[1] = "TaskName";
        fields[2] = S(P_FNAME);
        cav[0] = (struct record_caveat){ "0123456789abcdef0123456789abcdef", S(P_CAVEAT) };
        cav[1] = (struct record_caveat){ S(P_RULE_ID), S(P_WHY) };

        /* match, with caveats */
        check_same_as_tree(&rule, &ev, fields, 3, S(P_WHY), cav, 2, ctl_time(1));
        {
                const char *more[8] = { S(P_FNAME), "CommandLine", NULL, "EventID", "Absent", S(P_FNAME),
                                        "TaskName", "Computer" };
                const struct record_caveat cav3[3] = { cav[0], { NULL, S(P_FVALUE) }, cav[1] };
                unsigned pick = size > 3 ? data[3] : 0;

                if (pick & 0x80)
                        ev.provider = "";
                check_same_as_tree(&rule, &ev, more, (pick >> 1) & 7, pick & 0x40 ? NULL : S(P_WHY), cav3,
                                   (pick >> 4) & 3, ctl_time(0));
                ev.provider = S(P_PROVIDER);
        }
        r = record_lead_match_caveats(&rule, &ev, fields, 3, S(P_WHY), cav, 2, ctl_time(1), &out, &len);
        o = check_lead(r, out, len, level_ok);
        if (o) {
                check_cstr(o, "host", ev.host);
                check_cstr(o, "why", S(P_WHY));
                fuzz_assert(json_object_object_get_ex(o, "events", &a) && json_object_array_length(a) == 1);
                e = json_object_array_get_idx(a, 0);
                fuzz_assert(json_object_object_get_ex(e, "fields", &f));
                if (clean && strcmp(S(P_FNAME), "CommandLine") != 0 && strcmp(S(P_FNAME), "TaskName") != 0) {
                        fuzz_json_str_eq(f, "CommandLine", parts[P_CMDLINE].s, parts[P_CMDLINE].len);
                        fuzz_json_str_eq(f, "TaskName", parts[P_TASKNAME].s, parts[P_TASKNAME].len);
                        fuzz_json_str_eq(e, "channel", S(P_CHANNEL), strlen(S(P_CHANNEL)));
                        fuzz_assert(json_object_object_get_ex(o, "rule", &f));
                        fuzz_json_str_eq(f, "title", S(P_TITLE), strlen(S(P_TITLE)));
                        fuzz_json_str_eq(f, "id", S(P_RULE_ID), strlen(S(P_RULE_ID)));
                }
                {
                        /* the id is deterministic */
                        struct json_object *idv;
                        const struct winevent *evs[1] = { &ev };

                        record_lead_id(rule.id, "match", ev.host, evs, 1, id2);
                        fuzz_assert(json_object_object_get_ex(o, "id", &idv));
                        fuzz_assert(strcmp(json_object_get_string(idv), id2) == 0);
                }
                json_object_put(o);
        }

        /* correlation and first_seen */
        memset(cev, 0, sizeof(cev));
        for (size_t i = 0; i < 3; i++) {
                copy_cut(cev[i].host, sizeof(cev[i].host), i == 2 ? "other" : S(P_HOST));
                copy_cut(cev[i].channel, sizeof(cev[i].channel), S(P_CHANNEL));
                cev[i].time_us = ctl_time(i);
                cev[i].recv_us = ctl_time(1);
                cev[i].record_id = i;
                cev[i].has_record_id = i != 1;
                cev[i].event_id = (uint16_t)(4698 + i);
        }
        memset(&corr, 0, sizeof(corr));
        corr.meta = &rule;
        corr.spec.type = (enum corr_type)((size > 1 ? data[1] : 0) % _CORR_TYPE_MAX);
        corr.spec.nrefs = 1;
        group_by[0] = parts[P_GROUP_NAME].s;
        corr.group_by = group_by;
        corr.ngroup_by = 1;
        corr.value_field = size > 2 && (data[2] & 1) ? parts[P_FNAME].s : NULL;
        group_values[0] = S(P_GROUP_VALUE);
        memset(&fire, 0, sizeof(fire));
        fire.key = S(P_GROUP_VALUE);
        fire.events = cev;
        fire.nevents = 1 + (size > 3 ? data[3] % 3 : 0);
        fire.count = (uint64_t)ctl_time(3);
        fire.aggregate = (double)ctl_time(2) / 7.0;
        fire.first_us = ctl_time(0);
        fire.last_us = ctl_time(1);
        r = record_lead_correlation(&corr, &fire, group_values, S(P_WHY), ctl_time(1), &out, &len);
        o = check_lead(r, out, len, level_ok);
        if (o) {
                fuzz_assert(json_object_object_get_ex(o, "group", &f));
                check_cstr(f, S(P_GROUP_NAME), S(P_GROUP_VALUE));
                json_object_put(o);
        }
        fuzz_assert(record_lead_first_seen(&corr, &fire, group_values, NULL, NULL, 0, &out, &len) == -EINVAL);
        corr.first_seen.on = true;
        fs_fields[0] = parts[P_FNAME].s;
        corr.first_seen.fields = fs_fields;
        corr.first_seen.nfields = 1;
        field_values[0] = S(P_FVALUE);
        r = record_lead_first_seen(&corr, &fire, group_values, field_values, NULL, ctl_time(1), &out, &len);
        o = check_lead(r, out, len, level_ok);
        if (o) {
                fuzz_json_str_eq(o, "correlation", "first_seen", 10);
                json_object_put(o);
        }

        /* summary */
        memset(ids, 'a', sizeof(ids));
        ids[0][RECORD_ID_LEN] = ids[1][RECORD_ID_LEN] = '\0';
        {
                const char *names[1] = { S(P_GROUP_NAME) };
                struct record_summary s = {
                        .rule = &rule,
                        .suppressed_kind = "match",
                        .host = S(P_HOST),
                        .group_key = S(P_GROUP_VALUE),
                        .group_names = names,
                        .group_values = group_values,
                        .ngroup = 1,
                        .lead_id = S(P_CAVEAT),
                        .opened_us = ctl_time(2),
                        .window_us = ctl_time(3),
                        .count = (uint64_t)ctl_time(3),
                        .first_us = ctl_time(0),
                        .last_us = ctl_time(1),
                        .ids = (const char (*)[RECORD_ID_LEN + 1])ids,
                        .nids = 2,
                        .event = &cev[0],
                        .ended = "window",
                };

                r = record_lead_summary(&s, ctl_time(1), &out, &len);
                o = check_lead(r, out, len, level_ok);
                json_object_put(o);
        }

        /* escalation: tactics are names from risk.c's table (not text of an
         * event or a rule) */
        {
                const char *tactics[2] = { risk_tactic_name((enum risk_tactic)((size > 5 ? data[5] : 0) %
                                                                               _RISK_TACTIC_MAX)),
                                           risk_tactic_name((enum risk_tactic)((size > 6 ? data[6] : 1) %
                                                                               _RISK_TACTIC_MAX)) };
                struct record_escalation x = {
                        .host = ev.host,
                        .score = (uint64_t)ctl_time(3),
                        .score_threshold = 30,
                        .tactics = tactics,
                        .ntactics = 2,
                        .tactic_threshold = 2,
                        .by_score = true,
                        .by_tactics = true,
                        .window_us = ctl_time(3),
                        .first_us = ctl_time(0),
                        .last_us = ctl_time(1),
                        .ids = (const char (*)[RECORD_ID_LEN + 1])ids,
                        .events = cev,
                        .nleads = 2,
                };

                r = record_lead_escalation(&x, ctl_time(1), &out, &len);
                o = check_lead(r, out, len, true);
                if (o) {
                        check_cstr(o, "host", ev.host);
                        json_object_put(o);
                }
        }

        /* gap */
        {
                const uint16_t eids[2] = { 4688, 1 };
                struct record_blind b[1] = { { S(P_RULE_ID), S(P_BLIND_TITLE) } };
                struct record_gap g = {
                        .id = gap_id,
                        .host = S(P_HOST),
                        .kind = S(P_GAP_KIND),
                        .channel = S(P_CHANNEL),
                        .event_ids = eids,
                        .nevent_ids = 2,
                        .field = S(P_GAP_FIELD)[0] ? S(P_GAP_FIELD) : NULL,
                        .opened_us = ctl_time(2),
                        .closed_us = size > 4 && (data[4] & 1) ? RECORD_GAP_NOT_CLOSED : ctl_time(3),
                        .evidence = S(P_WHY),
                        .remedy = S(P_REMEDY),
                        .blinds = b,
                        .nblinds = 1,
                        .blinds_more = (uint64_t)ctl_time(1),
                };

                record_gap_id(g.kind, g.host, g.channel, eids, 2, g.field, g.opened_us, gap_id);
                check_id(gap_id);
                r = record_gap(&g, ctl_time(1), &out, &len);
                fuzz_assert(r == 0);
                o = fuzz_json_line(out, len, clean);
                free(out);
                fuzz_json_str_eq(o, "type", "gap", 3);
                fuzz_json_str_eq(o, "id", gap_id, RECORD_ID_LEN);
                check_cstr(o, "host", S(P_HOST));
                check_cstr(o, "evidence", S(P_WHY));
                check_cstr(o, "remedy", S(P_REMEDY));
                json_object_put(o);
        }

        winevent_free(&ev);
        parts_free();
        return 0;
}
