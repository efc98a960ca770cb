/* Forwarder dialects: where each one keeps the identifying values, and how
 * its fields map onto Sigma/Windows names (DESIGN §4).
 *
 * NXLog CE / EE (flat): every top-level key is a field, named as it is.
 *   Identifying: EventID, Hostname, Channel, SourceName, RecordNumber,
 *   EventTime.  Nested objects and arrays (not sent by im_msvistalog) become
 *   their compact JSON text.
 * Winlogbeat (ECS, via Logstash): winlog.event_id (else event.code),
 *   winlog.computer_name (else host.name, else host.hostname),
 *   winlog.channel, winlog.provider_name, winlog.record_id, @timestamp.
 *   Fields: winlog.event_data.* and winlog.user_data.* under their plain
 *   names (user_data after event_data: it wins a name clash).  Other ECS
 *   keys (process.*, message, ...) are not fields: Sigma's Windows rules
 *   name EventData.
 * EVTX (evtx_dump / Chainsaw / xmltodict-style exports):
 *   {"Event": {"#attributes"?, "System": {...}, "EventData" | "UserData"}}.
 *   System: EventID (number, string, or {"#text": n, "#attributes": ...}),
 *   Channel, Computer, Provider {"#attributes": {"Name"}} (or {"Name"} or a
 *   string), EventRecordID, TimeCreated {"#attributes": {"SystemTime"}}.
 *   Scalar System children (Level, Task, Opcode, Keywords, Version ...)
 *   are fields too.  EventData: each key is a field; "#attributes" and
 *   "xmlns" are skipped; a {"#text": v} wrapper is unwrapped; "Data" whose
 *   elements are named ({"#attributes": {"Name": n}, "#text": v}, or
 *   {"@Name": n, "#text": v}, or {"Name": n, "Value": v}) yields one field
 *   per element (no text: ""); an unnamed "Data" (string or array of
 *   strings, as for classic Application-log events) is kept as the field
 *   "Data" (arrays as compact JSON, so Data|contains still matches).
 *   UserData: {"<Wrapper>": {k: v ...}} is flattened one level to k. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "dialect.h"
#include "spoor/decimal.h"

const char *dialect_name(enum dialect d)
{
        static const char *const names[_DIALECT_MAX] = {
                [DIALECT_NXLOG_CE] = "nxlog-ce",
                [DIALECT_NXLOG_EE] = "nxlog-ee",
                [DIALECT_WINLOGBEAT] = "winlogbeat",
                [DIALECT_EVTX] = "evtx",
        };

        if (d < 0 || d >= _DIALECT_MAX)
                return "invalid";
        return names[d];
}

static struct json_object *dialect_get(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!o || !json_object_is_type(o, json_type_object) ||
            !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return NULL;
        return v;
}

static struct json_object *dialect_get_object(struct json_object *o, const char *key)
{
        struct json_object *v = dialect_get(o, key);

        return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

/* {"#text": v, ...} → v; anything else as it is. */
static struct json_object *dialect_untext(struct json_object *v)
{
        struct json_object *t;

        if (v && json_object_is_type(v, json_type_object) &&
            json_object_object_get_ex(v, "#text", &t))
                return json_object_is_type(t, json_type_null) ? NULL : t;
        return v;
}

static bool dialect_has(struct json_object *o, const char *key)
{
        return json_object_object_get_ex(o, key, NULL);
}

enum dialect dialect_detect(struct json_object *root)
{
        if (!root || !json_object_is_type(root, json_type_object))
                return _DIALECT_INVALID;
        if (dialect_get_object(root, "Event"))
                return DIALECT_EVTX;
        if (dialect_get_object(root, "winlog"))
                return DIALECT_WINLOGBEAT;
        if (dialect_has(root, "EventID") || dialect_has(root, "EventTime") ||
            dialect_has(root, "Hostname") || dialect_has(root, "SourceName") ||
            dialect_has(root, "Channel")) {
                struct json_object *t = dialect_get(root, "EventTime");
                if (dialect_has(root, "ExecutionProcessID"))
                        return DIALECT_NXLOG_EE;
                if (t && json_object_is_type(t, json_type_string) &&
                    json_object_get_string_len(t) > 10 && json_object_get_string(t)[10] == 'T')
                        return DIALECT_NXLOG_EE;
                return DIALECT_NXLOG_CE;
        }
        return _DIALECT_INVALID;
}

static void dialect_system_flat(struct json_object *root, struct dialect_system *sys)
{
        sys->event_id = dialect_get(root, "EventID");
        sys->host = dialect_get(root, "Hostname");
        sys->channel = dialect_get(root, "Channel");
        sys->provider = dialect_get(root, "SourceName");
        sys->record_id = dialect_get(root, "RecordNumber");
        sys->time = dialect_get(root, "EventTime");
}

static void dialect_system_winlogbeat(struct json_object *root, struct dialect_system *sys)
{
        struct json_object *w = dialect_get_object(root, "winlog");
        struct json_object *host = dialect_get_object(root, "host");

        sys->event_id = dialect_get(w, "event_id");
        if (!sys->event_id)
                sys->event_id = dialect_get(dialect_get_object(root, "event"), "code");
        sys->host = dialect_get(w, "computer_name");
        if (!sys->host)
                sys->host = dialect_get(host, "name");
        if (!sys->host)
                sys->host = dialect_get(host, "hostname");
        sys->channel = dialect_get(w, "channel");
        sys->provider = dialect_get(w, "provider_name");
        sys->record_id = dialect_get(w, "record_id");
        sys->time = dialect_get(root, "@timestamp");
}

static void dialect_system_evtx(struct json_object *root, struct dialect_system *sys)
{
        struct json_object *s = dialect_get_object(dialect_get_object(root, "Event"), "System");
        struct json_object *p = dialect_get(s, "Provider"), *t = dialect_get(s, "TimeCreated");

        sys->event_id = dialect_untext(dialect_get(s, "EventID"));
        sys->host = dialect_untext(dialect_get(s, "Computer"));
        sys->channel = dialect_untext(dialect_get(s, "Channel"));
        sys->record_id = dialect_untext(dialect_get(s, "EventRecordID"));

        if (p && json_object_is_type(p, json_type_object)) {
                struct json_object *a = dialect_get_object(p, "#attributes");
                sys->provider = a ? dialect_get(a, "Name") : dialect_get(p, "Name");
        } else {
                sys->provider = p;
        }
        if (t && json_object_is_type(t, json_type_object)) {
                struct json_object *a = dialect_get_object(t, "#attributes");
                sys->time = a ? dialect_get(a, "SystemTime") : dialect_get(t, "SystemTime");
        } else {
                sys->time = t;
        }
}

void dialect_system(enum dialect d, struct json_object *root, struct dialect_system *sys)
{
        *sys = (struct dialect_system){ 0 };
        switch (d) {
        case DIALECT_NXLOG_CE:
        case DIALECT_NXLOG_EE:
                dialect_system_flat(root, sys);
                break;
        case DIALECT_WINLOGBEAT:
                dialect_system_winlogbeat(root, sys);
                break;
        case DIALECT_EVTX:
                dialect_system_evtx(root, sys);
                break;
        default:
                break;
        }
}

/* u in decimal (after a '-' when neg) at the end of buf[32]: what
 * snprintf's %PRIu64 / %PRId64 print, without the format machinery (most
 * events carry several integers).  Returns the text, *len its length. */
static const char *dialect_decimal(char buf[32], uint64_t u, bool neg, size_t *len)
{
        char *p = decimal_u64(u, buf + 31 - DECIMAL_U64_MAX, len);

        buf[31] = '\0';
        if (neg) {
                *--p = '-';
                (*len)++;
        }
        return p;
}

const char *dialect_value_text(struct json_object *v, char buf[32], size_t *len)
{
        const char *s;

        switch (json_object_get_type(v)) {
        case json_type_null:
                *len = 0;
                return "";
        case json_type_string:
                *len = (size_t)json_object_get_string_len(v);
                return json_object_get_string(v);
        case json_type_boolean:
                s = json_object_get_boolean(v) ? "true" : "false";
                *len = strlen(s);
                return s;
        case json_type_int: {
                /* json-c keeps integers above INT64_MAX as uint64 */
                int64_t i = json_object_get_int64(v);
                if (i == INT64_MAX)
                        return dialect_decimal(buf, json_object_get_uint64(v), false, len);
                return i < 0 ? dialect_decimal(buf, -(uint64_t)i, true, len)
                             : dialect_decimal(buf, (uint64_t)i, false, len);
        }
        case json_type_double:
                /* a parsed double prints the text it was written as */
                return json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, len);
        case json_type_object:
        case json_type_array:
        default:
                return json_object_to_json_string_length(
                        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
        }
}

static int dialect_add(struct winevent *ev, const char *name, size_t name_len, struct json_object *v)
{
        char buf[32];
        size_t len;
        const char *s = dialect_value_text(v, buf, &len);

        if (!s)
                return -ENOMEM;
        return winevent_set_field(ev, name, name_len, s, len);
}

/* Every key of `o` as a field; skip names starting with '#' or "xmlns"
 * when `xml` (EVTX attribute noise), unwrap {"#text": v} when `xml`. */
static int dialect_add_object(struct winevent *ev, struct json_object *o, bool xml)
{
        if (!o || !json_object_is_type(o, json_type_object))
                return 0;
        json_object_object_foreach(o, key, val) {
                if (xml && (key[0] == '#' || strcmp(key, "xmlns") == 0))
                        continue;
                int r = dialect_add(ev, key, strlen(key), xml ? dialect_untext(val) : val);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dialect_fields_flat(struct json_object *root, struct winevent *ev)
{
        return dialect_add_object(ev, root, false);
}

static int dialect_fields_winlogbeat(struct json_object *root, struct winevent *ev)
{
        struct json_object *w = dialect_get_object(root, "winlog");
        int r = dialect_add_object(ev, dialect_get_object(w, "event_data"), false);

        if (r < 0)
                return r;
        return dialect_add_object(ev, dialect_get_object(w, "user_data"), false);
}

/* The name of an EVTX <Data Name="..."> element, or NULL. */
static const char *dialect_data_name(struct json_object *el, struct json_object **text)
{
        struct json_object *a, *n = NULL;

        *text = NULL;
        if (!el || !json_object_is_type(el, json_type_object))
                return NULL;
        if ((a = dialect_get_object(el, "#attributes")))
                n = dialect_get(a, "Name");
        if (!n)
                n = dialect_get(el, "@Name");
        if (!n) {
                n = dialect_get(el, "Name");
                *text = dialect_get(el, "Value");
        }
        if (!n || !json_object_is_type(n, json_type_string))
                return NULL;
        if (!*text)
                *text = dialect_get(el, "#text");
        return json_object_get_string(n);
}

static int dialect_add_data(struct winevent *ev, struct json_object *data)
{
        struct json_object *text;
        const char *name;

        if (json_object_is_type(data, json_type_array)) {
                size_t n = json_object_array_length(data);
                bool named = false;
                for (size_t i = 0; i < n; i++) {
                        name = dialect_data_name(json_object_array_get_idx(data, i), &text);
                        if (!name)
                                continue;
                        named = true;
                        int r = dialect_add(ev, name, strlen(name), text);
                        if (r < 0)
                                return r;
                }
                if (named)
                        return 0;
        } else if ((name = dialect_data_name(data, &text))) {
                return dialect_add(ev, name, strlen(name), text);
        }
        return dialect_add(ev, "Data", 4, dialect_untext(data));
}

static int dialect_fields_evtx(struct json_object *root, struct winevent *ev)
{
        struct json_object *e = dialect_get_object(root, "Event");
        struct json_object *sys = dialect_get_object(e, "System");
        struct json_object *ed = dialect_get_object(e, "EventData");
        struct json_object *ud = dialect_get_object(e, "UserData");
        int r;

        if (sys) {
                json_object_object_foreach(sys, key, val) {
                        struct json_object *v = dialect_untext(val);
                        if (v && (json_object_is_type(v, json_type_object) ||
                                  json_object_is_type(v, json_type_array)))
                                continue;
                        if ((r = dialect_add(ev, key, strlen(key), v)) < 0)
                                return r;
                }
        }
        if (ed) {
                json_object_object_foreach(ed, key, val) {
                        if (key[0] == '#' || strcmp(key, "xmlns") == 0)
                                continue;
                        if (strcmp(key, "Data") == 0)
                                r = dialect_add_data(ev, val);
                        else
                                r = dialect_add(ev, key, strlen(key), dialect_untext(val));
                        if (r < 0)
                                return r;
                }
        }
        if (ud) {
                json_object_object_foreach(ud, key, val) {
                        if (key[0] == '#' || strcmp(key, "xmlns") == 0)
                                continue;
                        if (json_object_is_type(val, json_type_object) &&
                            !dialect_has(val, "#text"))
                                r = dialect_add_object(ev, val, true);
                        else
                                r = dialect_add(ev, key, strlen(key), dialect_untext(val));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int dialect_fields(enum dialect d, struct json_object *root, struct winevent *ev)
{
        switch (d) {
        case DIALECT_NXLOG_CE:
        case DIALECT_NXLOG_EE:
                return dialect_fields_flat(root, ev);
        case DIALECT_WINLOGBEAT:
                return dialect_fields_winlogbeat(root, ev);
        case DIALECT_EVTX:
                return dialect_fields_evtx(root, ev);
        default:
                return 0;
        }
}
