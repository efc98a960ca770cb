/* The reference for test_record.c and fuzz_record.c: a lead of kind
 * "match" as record.c built it up to the streamed writer, one json-c tree
 * per lead printed PLAIN | NOSLASHESCAPE (from daemon/output/record.c at
 * e84a705; ~50 allocations a lead, fine for a test's model).  The
 * streamed record_lead_match_caveats() must give the same bytes and the
 * same return for every input; a change of the format changes both. */
#pragma once
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/record.h"
#include "spoor/sigma.h"
#include "spoor/timefmt.h"
#include "spoor/utf8.h"
#include "spoor/winevent.h"

static const char *const tree_level_names[_SIGMA_LEVEL_MAX] = {
        [SIGMA_LEVEL_INFORMATIONAL] = "informational",
        [SIGMA_LEVEL_LOW] = "low",
        [SIGMA_LEVEL_MEDIUM] = "medium",
        [SIGMA_LEVEL_HIGH] = "high",
        [SIGMA_LEVEL_CRITICAL] = "critical",
};

static const char *const tree_ident_fields[] = { "EventID", "Channel", "Computer", "EventRecordID",
                                                 "TaskParseError" };

/* Add `v` (a new reference, possibly NULL from a failed constructor) under
 * `key`.  0 or -ENOMEM. */
static int tree_add(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int tree_add_str(struct json_object *o, const char *key, const char *s)
{
        return tree_add(o, key, json_object_new_string(s ? s : ""));
}

static int tree_add_time(struct json_object *o, const char *key, int64_t us)
{
        char buf[TIMEFMT_MAX];

        return tree_add_str(o, key, timefmt_format(us, buf));
}

static struct json_object *tree_str_array(char *const *v, size_t n)
{
        struct json_object *a = json_object_new_array_ext((int)n);

        for (size_t i = 0; a && i < n; i++) {
                struct json_object *s = json_object_new_string(v[i] ? v[i] : "");

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static struct json_object *tree_rule(const struct sigma_rule *r)
{
        _cleanup_json_ struct json_object *o = json_object_new_object();

        if (!o || tree_add_str(o, "id", r->id) < 0 || tree_add_str(o, "title", r->title) < 0 ||
            tree_add_str(o, "level", tree_level_names[r->level]) < 0 ||
            tree_add_str(o, "status", r->status) < 0 ||
            tree_add(o, "tags", tree_str_array(r->tags, r->ntags)) < 0)
                return NULL;
        if (r->description && r->description[0] && tree_add_str(o, "description", r->description) < 0)
                return NULL;
        if (r->nfalsepositives &&
            tree_add(o, "falsepositives", tree_str_array(r->falsepositives, r->nfalsepositives)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* Add event field `name` to `fields` when the event has it and it is not
 * there yet.  0 or -ENOMEM. */
static int tree_add_field(struct json_object *fields, const struct winevent *ev, const char *name)
{
        const struct winevent_field *f;

        if (!name || json_object_object_get_ex(fields, name, NULL))
                return 0;
        f = winevent_get(ev, name);
        if (!f)
                return 0;
        return tree_add(fields, name, json_object_new_string_len(f->value, (int)f->len));
}

static struct json_object *tree_event(const struct winevent *ev, const char *const *names, size_t nnames)
{
        _cleanup_json_ struct json_object *o = json_object_new_object();
        _cleanup_json_ struct json_object *fields = json_object_new_object();

        if (!o || !fields)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(tree_ident_fields); i++)
                if (tree_add_field(fields, ev, tree_ident_fields[i]) < 0)
                        return NULL;
        for (size_t i = 0; i < nnames; i++)
                if (tree_add_field(fields, ev, names[i]) < 0)
                        return NULL;
        if (tree_add_str(o, "host", ev->host) < 0 || tree_add_str(o, "channel", ev->channel) < 0 ||
            tree_add(o, "event_id", json_object_new_int64(ev->event_id)) < 0)
                return NULL;
        if (ev->has_record_id) {
                if (tree_add(o, "record_id", json_object_new_uint64(ev->record_id)) < 0)
                        return NULL;
        } else if (json_object_object_add(o, "record_id", NULL) < 0) {
                return NULL;
        }
        if (ev->provider && ev->provider[0] && tree_add_str(o, "provider", ev->provider) < 0)
                return NULL;
        if (tree_add_time(o, "time", ev->time_us) < 0 || json_object_object_add(o, "fields", fields) < 0)
                return NULL;
        fields = NULL;  /* owned by o now */
        return TAKE_PTR(o);
}

/* The record as one line in a new buffer: *out (NUL-terminated), *len. */
static int tree_finish(struct json_object *o, char **out, size_t *len)
{
        size_t n = 0;
        const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE, &n);

        if (!text)
                return -ENOMEM;
        /* A safety net: event text is mended at decode, but a string cut to
         * a buffer's size elsewhere would make the line invalid UTF-8. */
        if (utf8_valid_prefix(text, n) != n) {
                if (n > SIZE_MAX / 3 - 1 || !(*out = malloc(UTF8_MEND_MAX(n) + 1)))
                        return -ENOMEM;
                n = utf8_mend(text, n, *out);
                (*out)[n] = '\0';
        } else {
                if (!(*out = malloc(n + 1)))
                        return -ENOMEM;
                memcpy(*out, text, n + 1);
        }
        if (len)
                *len = n;
        return 0;
}

/* "caveats": [{"gap": id, "text": evidence}]. */
static struct json_object *tree_caveats(const struct record_caveat *c, size_t n)
{
        _cleanup_json_ struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++) {
                struct json_object *o = json_object_new_object();

                if (json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return NULL;
                }
                if (!o || tree_add_str(o, "gap", c[i].gap_id) < 0 || tree_add_str(o, "text", c[i].text) < 0)
                        return NULL;
        }
        return TAKE_PTR(a);
}

static int tree_lead_match_caveats(const struct sigma_rule *r, const struct winevent *ev,
                                   const char *const *fields, size_t nfields, const char *why,
                                   const struct record_caveat *caveats, size_t ncaveats, int64_t emitted_us,
                                   char **out, size_t *len)
{
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *group, *events, *e;
        const struct winevent *evs[1] = { ev };
        const char *kind = "match";
        char id[RECORD_ID_LEN + 1];

        if (!r || !ev || !out || (nfields && !fields) || r->level < 0 || r->level >= _SIGMA_LEVEL_MAX)
                return -EINVAL;
        record_lead_id(r->id, kind, ev->host, evs, 1, id);
        if (!id[0])
                return -ENOMEM;
        o = json_object_new_object();
        if (!o || tree_add_str(o, "type", "lead") < 0 || tree_add_str(o, "id", id) < 0 ||
            tree_add_time(o, "time", ev->time_us) < 0 || tree_add_time(o, "emitted", emitted_us) < 0 ||
            tree_add_str(o, "host", ev->host) < 0 || tree_add(o, "rule", tree_rule(r)) < 0 ||
            tree_add_str(o, "kind", kind) < 0)
                return -ENOMEM;
        group = json_object_new_object();
        if (tree_add(o, "group", group) < 0 || tree_add_str(group, "host", ev->host) < 0 ||
            tree_add(o, "count", json_object_new_int(1)) < 0)
                return -ENOMEM;
        events = json_object_new_array_ext(1);
        if (tree_add(o, "events", events) < 0)
                return -ENOMEM;
        e = tree_event(ev, fields, nfields);
        if (!e || json_object_array_add(events, e) < 0) {
                json_object_put(e);
                return -ENOMEM;
        }
        if (tree_add_str(o, "why", why ? why : r->title) < 0 ||
            tree_add(o, "caveats", tree_caveats(caveats, ncaveats)) < 0)
                return -ENOMEM;
        return tree_finish(o, out, len);
}

