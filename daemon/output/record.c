/* Lead records: the JSON line of DESIGN §3.3 and the deterministic lead id
 * (contract in include/spoor/record.h).
 *
 * Decisions:
 *   - Built with json-c, printed PLAIN and without escaping '/', so paths
 *     and command lines read as they are; values are copied with their
 *     length, so a NUL byte inside a value is written as \u0000 rather than
 *     ending the string.
 *   - Event fields are strings, as the event holds them ("4698"); the
 *     typed copies sit beside them (event_id, record_id as numbers).
 *   - The identifying fields come first in "fields" so every lead starts the
 *     same way; the rule's fields follow in the caller's order.
 *   - The id hashes items each followed by 0x1f; record ids are written
 *     "r<decimal>", the fallback "t<time µs>" 0x1f "e<event id>", so the two
 *     can never collide.
 *   - Level names are a private table in enum sigma_level order (the rule
 *     loader owns sigma_level_name(); the output layer does not depend on
 *     the engine). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "spoor/cleanup.h"
#include "spoor/record.h"
#include "spoor/sigma.h"
#include "spoor/timefmt.h"
#include "spoor/winevent.h"

static const char *const record_kind_names[_RECORD_KIND_MAX] = {
        [RECORD_KIND_MATCH] = "match",
        [RECORD_KIND_CORRELATION] = "correlation",
        [RECORD_KIND_ESCALATION] = "escalation",
};

static const char *const record_level_names[_SIGMA_LEVEL_MAX] = {
        [SIGMA_LEVEL_INFORMATIONAL] = "informational",
        [SIGMA_LEVEL_LOW] = "low",
        [SIGMA_LEVEL_MEDIUM] = "medium",
        [SIGMA_LEVEL_HIGH] = "high",
        [SIGMA_LEVEL_CRITICAL] = "critical",
};

/* Always in a lead's "fields", first, when the event has them. */
static const char *const record_ident_fields[] = { "EventID", "Channel", "Computer", "EventRecordID" };

const char *record_kind_name(enum record_kind k)
{
        return k >= 0 && k < _RECORD_KIND_MAX ? record_kind_names[k] : NULL;
}

/* ---- id ------------------------------------------------------------- */

static int record_hash_item(EVP_MD_CTX *ctx, const char *s)
{
        static const unsigned char sep = 0x1f;

        if (s && *s && EVP_DigestUpdate(ctx, s, strlen(s)) != 1)
                return -1;
        return EVP_DigestUpdate(ctx, &sep, 1) == 1 ? 0 : -1;
}

void record_lead_id(const char *rule_id, const char *kind, const char *group,
                    const struct winevent *const *evs, size_t nevs, char out[RECORD_ID_LEN + 1])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int bad = !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1;

        bad = bad || record_hash_item(ctx, rule_id) < 0 || record_hash_item(ctx, kind) < 0 ||
              record_hash_item(ctx, group) < 0;
        for (size_t i = 0; !bad && i < nevs; i++) {
                const struct winevent *ev = evs[i];
                char num[48];

                bad = record_hash_item(ctx, ev->host) < 0 || record_hash_item(ctx, ev->channel) < 0;
                if (ev->has_record_id) {
                        snprintf(num, sizeof(num), "r%" PRIu64, ev->record_id);
                        bad = bad || record_hash_item(ctx, num) < 0;
                } else {
                        snprintf(num, sizeof(num), "t%" PRId64, ev->time_us);
                        bad = bad || record_hash_item(ctx, num) < 0;
                        snprintf(num, sizeof(num), "e%" PRIu32, ev->event_id);
                        bad = bad || record_hash_item(ctx, num) < 0;
                }
        }
        bad = bad || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < RECORD_ID_LEN / 2;
        EVP_MD_CTX_free(ctx);
        if (bad) {
                out[0] = '\0';  /* libcrypto out of memory */
                return;
        }
        for (size_t i = 0; i < RECORD_ID_LEN / 2; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 0xf];
        }
        out[RECORD_ID_LEN] = '\0';
}

/* ---- JSON ----------------------------------------------------------- */

/* Add `v` (a new reference, possibly NULL from a failed constructor) under
 * `key`.  0 or -ENOMEM. */
static int record_add(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int record_add_str(struct json_object *o, const char *key, const char *s)
{
        return record_add(o, key, json_object_new_string(s ? s : ""));
}

static int record_add_time(struct json_object *o, const char *key, int64_t us)
{
        char buf[TIMEFMT_MAX];

        return record_add_str(o, key, timefmt_format(us, buf));
}

static struct json_object *record_str_array(char *const *v, size_t n)
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

static struct json_object *record_rule(const struct sigma_rule *r)
{
        _cleanup_json_ struct json_object *o = json_object_new_object();

        if (!o || record_add_str(o, "id", r->id) < 0 || record_add_str(o, "title", r->title) < 0 ||
            record_add_str(o, "level", record_level_names[r->level]) < 0 ||
            record_add_str(o, "status", r->status) < 0 ||
            record_add(o, "tags", record_str_array(r->tags, r->ntags)) < 0)
                return NULL;
        if (r->description && r->description[0] && record_add_str(o, "description", r->description) < 0)
                return NULL;
        if (r->nfalsepositives &&
            record_add(o, "falsepositives", record_str_array(r->falsepositives, r->nfalsepositives)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* Add event field `name` to `fields` when the event has it and it is not
 * there yet.  0 or -ENOMEM. */
static int record_add_field(struct json_object *fields, const struct winevent *ev, const char *name)
{
        const struct winevent_field *f;

        if (!name || json_object_object_get_ex(fields, name, NULL))
                return 0;
        f = winevent_get(ev, name);
        if (!f)
                return 0;
        return record_add(fields, name, json_object_new_string_len(f->value, (int)f->len));
}

static struct json_object *record_event(const struct winevent *ev, const char *const *names, size_t nnames)
{
        _cleanup_json_ struct json_object *o = json_object_new_object();
        _cleanup_json_ struct json_object *fields = json_object_new_object();

        if (!o || !fields)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(record_ident_fields); i++)
                if (record_add_field(fields, ev, record_ident_fields[i]) < 0)
                        return NULL;
        for (size_t i = 0; i < nnames; i++)
                if (record_add_field(fields, ev, names[i]) < 0)
                        return NULL;
        if (record_add_str(o, "host", ev->host) < 0 || record_add_str(o, "channel", ev->channel) < 0 ||
            record_add(o, "event_id", json_object_new_int64(ev->event_id)) < 0)
                return NULL;
        if (ev->has_record_id) {
                if (record_add(o, "record_id", json_object_new_uint64(ev->record_id)) < 0)
                        return NULL;
        } else if (json_object_object_add(o, "record_id", NULL) < 0) {
                return NULL;
        }
        if (ev->provider && ev->provider[0] && record_add_str(o, "provider", ev->provider) < 0)
                return NULL;
        if (record_add_time(o, "time", ev->time_us) < 0 || json_object_object_add(o, "fields", fields) < 0)
                return NULL;
        fields = NULL;  /* owned by o now */
        return TAKE_PTR(o);
}

int record_lead_match(const struct sigma_rule *r, const struct winevent *ev, const char *const *fields,
                      size_t nfields, const char *why, int64_t emitted_us, char **out, size_t *len)
{
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *group, *events, *e;
        const struct winevent *evs[1] = { ev };
        const char *kind = record_kind_names[RECORD_KIND_MATCH];
        char id[RECORD_ID_LEN + 1];
        const char *text;
        size_t n = 0;

        if (!r || !ev || !out || (nfields && !fields) || r->level < 0 || r->level >= _SIGMA_LEVEL_MAX)
                return -EINVAL;
        record_lead_id(r->id, kind, ev->host, evs, 1, id);
        if (!id[0])
                return -ENOMEM;
        o = json_object_new_object();
        if (!o || record_add_str(o, "type", "lead") < 0 || record_add_str(o, "id", id) < 0 ||
            record_add_time(o, "time", ev->time_us) < 0 || record_add_time(o, "emitted", emitted_us) < 0 ||
            record_add_str(o, "host", ev->host) < 0 || record_add(o, "rule", record_rule(r)) < 0 ||
            record_add_str(o, "kind", kind) < 0)
                return -ENOMEM;
        group = json_object_new_object();
        if (record_add(o, "group", group) < 0 || record_add_str(group, "host", ev->host) < 0 ||
            record_add(o, "count", json_object_new_int(1)) < 0)
                return -ENOMEM;
        events = json_object_new_array_ext(1);
        if (record_add(o, "events", events) < 0)
                return -ENOMEM;
        e = record_event(ev, fields, nfields);
        if (!e || json_object_array_add(events, e) < 0) {
                json_object_put(e);
                return -ENOMEM;
        }
        if (record_add_str(o, "why", why ? why : r->title) < 0 ||
            record_add(o, "caveats", json_object_new_array()) < 0)
                return -ENOMEM;
        text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        if (!text || !(*out = malloc(n + 1)))
                return -ENOMEM;
        memcpy(*out, text, n + 1);
        if (len)
                *len = n;
        return 0;
}
