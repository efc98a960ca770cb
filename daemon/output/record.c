/* Lead records: the JSON line of DESIGN §3.3 and the deterministic lead id
 * (contract in include/spoor/record.h).
 *
 * Decisions:
 *   - Printed as json-c prints PLAIN and without escaping '/', so paths
 *     and command lines read as they are; values are copied with their
 *     length, so a NUL byte inside a value is written as \u0000 rather than
 *     ending the string.
 *   - Leads of kind "match", nearly all of them, are written as text
 *     (jsonw, one buffer handed to the caller); the rarer kinds and gaps
 *     are built as json-c trees.  Both give the same bytes for the same
 *     values: tests/unit/record_tree.h keeps the match lead's old tree, and
 *     test_record and fuzz_record compare the two.
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
#include <stdbool.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "spoor/cleanup.h"
#include "spoor/jsonw.h"
#include "spoor/record.h"
#include "spoor/sigma.h"
#include "spoor/timefmt.h"
#include "spoor/utf8.h"
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
/* (TaskParseError too: a lead on a task whose XML was refused says so.) */
static const char *const record_ident_fields[] = { "EventID", "Channel", "Computer", "EventRecordID",
                                                   "TaskParseError" };

const char *record_kind_name(enum record_kind k)
{
        return k >= 0 && k < _RECORD_KIND_MAX ? record_kind_names[k] : NULL;
}

/* ---- id ------------------------------------------------------------- */

static EVP_MD *record_md;
static pthread_once_t record_md_once = PTHREAD_ONCE_INIT;

static void record_md_fetch(void)
{
        record_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256, fetched once: EVP_sha256() in EVP_DigestInit_ex() looks the
 * implementation up on every call, a quarter of a lead id's cost.  Kept
 * until exit. */
static const EVP_MD *record_sha256(void)
{
        pthread_once(&record_md_once, record_md_fetch);
        return record_md ? record_md : EVP_sha256();
}

static int record_hash_item(EVP_MD_CTX *ctx, const char *s)
{
        static const unsigned char sep = 0x1f;

        if (s && *s && EVP_DigestUpdate(ctx, s, strlen(s)) != 1)
                return -1;
        return EVP_DigestUpdate(ctx, &sep, 1) == 1 ? 0 : -1;
}

/* What identifies a contributing event in a lead id. */
struct record_key {
        const char *host, *channel;
        bool has_record_id;
        uint64_t record_id;
        int64_t time_us;
        uint32_t event_id;
};

static void record_hash_keys(const char *rule_id, const char *kind, const char *group,
                             const struct record_key *keys, size_t nkeys, char out[RECORD_ID_LEN + 1])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int bad = !ctx || EVP_DigestInit_ex(ctx, record_sha256(), NULL) != 1;

        bad = bad || record_hash_item(ctx, rule_id) < 0 || record_hash_item(ctx, kind) < 0 ||
              record_hash_item(ctx, group) < 0;
        for (size_t i = 0; !bad && i < nkeys; i++) {
                const struct record_key *k = &keys[i];
                char num[48];

                bad = record_hash_item(ctx, k->host) < 0 || record_hash_item(ctx, k->channel) < 0;
                if (k->has_record_id) {
                        snprintf(num, sizeof(num), "r%" PRIu64, k->record_id);
                        bad = bad || record_hash_item(ctx, num) < 0;
                } else {
                        snprintf(num, sizeof(num), "t%" PRId64, k->time_us);
                        bad = bad || record_hash_item(ctx, num) < 0;
                        snprintf(num, sizeof(num), "e%" PRIu32, k->event_id);
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

void record_lead_id(const char *rule_id, const char *kind, const char *group,
                    const struct winevent *const *evs, size_t nevs, char out[RECORD_ID_LEN + 1])
{
        struct record_key keys[64];
        size_t n = nevs < ELEMENTSOF(keys) ? nevs : ELEMENTSOF(keys);

        for (size_t i = 0; i < n; i++)
                keys[i] = (struct record_key){ evs[i]->host, evs[i]->channel, evs[i]->has_record_id,
                                               evs[i]->record_id, evs[i]->time_us, evs[i]->event_id };
        record_hash_keys(rule_id, kind, group, keys, n, out);
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

/* The record as one line in a new buffer: *out (NUL-terminated), *len. */
static int record_finish(struct json_object *o, char **out, size_t *len)
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

/* ---- lead match, streamed ------------------------------------------- */

/* The buffer a lead of kind "match" starts with; it doubles when the lead
 * is longer.  1 kB: 95 % of the leads of the benchmark fit, and glibc
 * keeps freed blocks up to that size in its per-thread cache (a 2 kB
 * block cost 1,400 instructions a lead, this one 70). */
#define RECORD_MATCH_CAP 1024

static void record_w_str(struct jsonw *w, const char *s)
{
        jsonw_str(w, s ? s : "");
}

static void record_w_time(struct jsonw *w, int64_t us)
{
        char buf[TIMEFMT_MAX];

        jsonw_str(w, timefmt_format(us, buf));
}

static void record_w_str_array(struct jsonw *w, char *const *v, size_t n)
{
        jsonw_lit(w, "[");
        for (size_t i = 0; i < n; i++) {
                if (i)
                        jsonw_lit(w, ",");
                record_w_str(w, v[i]);
        }
        jsonw_lit(w, "]");
}

/* As record_rule() prints. */
static void record_w_rule(struct jsonw *w, const struct sigma_rule *r)
{
        jsonw_lit(w, "{\"id\":");
        record_w_str(w, r->id);
        jsonw_lit(w, ",\"title\":");
        record_w_str(w, r->title);
        jsonw_lit(w, ",\"level\":");
        jsonw_str(w, record_level_names[r->level]);
        jsonw_lit(w, ",\"status\":");
        record_w_str(w, r->status);
        jsonw_lit(w, ",\"tags\":");
        record_w_str_array(w, r->tags, r->ntags);
        if (r->description && r->description[0]) {
                jsonw_lit(w, ",\"description\":");
                jsonw_str(w, r->description);
        }
        if (r->nfalsepositives) {
                jsonw_lit(w, ",\"falsepositives\":");
                record_w_str_array(w, r->falsepositives, r->nfalsepositives);
        }
        jsonw_lit(w, "}");
}

/* Whether `name` is one of names[0..n): then "fields" holds it already,
 * or the event has no field of that name (winevent_get() gave NULL for the
 * same name before), so it is not written again.  A key's first
 * occurrence keeps its place, as a json-c object keeps insertion order. */
static bool record_name_seen(const char *name, const char *const *names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (names[i] && (names[i] == name || strcmp(names[i], name) == 0))
                        return true;
        return false;
}

/* "name":"value" when the event has the field; *first: nothing written
 * in the object yet. */
static void record_w_field(struct jsonw *w, const struct winevent *ev, const char *name, bool *first)
{
        const struct winevent_field *f = winevent_get(ev, name);

        if (!f)
                return;
        jsonw_key(w, name, *first);
        jsonw_str_len(w, f->value, f->len);
        *first = false;
}

/* The event: host, channel, event_id, record_id (null without one),
 * provider (when not empty), time (`time`: ev->time_us formatted), fields
 * (identifying ones first, then names[], each once, only those the event
 * has). */
static void record_w_event(struct jsonw *w, const struct winevent *ev, const char *time, const char *const *names,
                           size_t nnames)
{
        bool first = true;

        jsonw_lit(w, "{\"host\":");
        jsonw_str(w, ev->host);
        jsonw_lit(w, ",\"channel\":");
        record_w_str(w, ev->channel);
        jsonw_lit(w, ",\"event_id\":");
        jsonw_u64(w, ev->event_id);
        jsonw_lit(w, ",\"record_id\":");
        if (ev->has_record_id)
                jsonw_u64(w, ev->record_id);
        else
                jsonw_lit(w, "null");
        if (ev->provider && ev->provider[0]) {
                jsonw_lit(w, ",\"provider\":");
                jsonw_str(w, ev->provider);
        }
        jsonw_lit(w, ",\"time\":");
        jsonw_str(w, time);
        jsonw_lit(w, ",\"fields\":{");
        for (size_t i = 0; i < ELEMENTSOF(record_ident_fields); i++)
                record_w_field(w, ev, record_ident_fields[i], &first);
        for (size_t i = 0; i < nnames; i++)
                if (names[i] && !record_name_seen(names[i], record_ident_fields, ELEMENTSOF(record_ident_fields)) &&
                    !record_name_seen(names[i], names, i))
                        record_w_field(w, ev, names[i], &first);
        jsonw_lit(w, "}}");
}

/* The writer's text as the record: *out (NUL-terminated, the caller
 * frees), *len; mended as record_finish() mends.  Releases the writer. */
static int record_w_finish(struct jsonw *w, char **out, size_t *len)
{
        size_t n = 0;
        char *text = jsonw_take(w, &n);

        jsonw_fini(w);
        if (!text)
                return -ENOMEM;
        /* The safety net of record_finish(). */
        if (utf8_valid_prefix(text, n) != n) {
                char *mended = n > SIZE_MAX / 3 - 1 ? NULL : malloc(UTF8_MEND_MAX(n) + 1);

                if (!mended) {
                        free(text);
                        return -ENOMEM;
                }
                n = utf8_mend(text, n, mended);
                mended[n] = '\0';
                free(text);
                text = mended;
        }
        *out = text;
        if (len)
                *len = n;
        return 0;
}

int record_lead_match(const struct sigma_rule *r, const struct winevent *ev, const char *const *fields,
                      size_t nfields, const char *why, int64_t emitted_us, char **out, size_t *len)
{
        return record_lead_match_caveats(r, ev, fields, nfields, why, NULL, 0, emitted_us, out, len);
}

/* Written as text (jsonw), not built as a json-c tree: leads of kind
 * "match" are nearly all the leads, and the tree cost ~50 allocations
 * each.  The bytes are the tree's, printed PLAIN | NOSLASHESCAPE
 * (tests/unit/record_tree.h keeps the tree; test_record and fuzz_record
 * compare). */
int record_lead_match_caveats(const struct sigma_rule *r, const struct winevent *ev, const char *const *fields,
                              size_t nfields, const char *why, const struct record_caveat *caveats,
                              size_t ncaveats, int64_t emitted_us, char **out, size_t *len)
{
        return record_lead_match_id(NULL, r, ev, fields, nfields, why, caveats, ncaveats, emitted_us, out, len);
}

int record_lead_match_id(const char *given, const struct sigma_rule *r, const struct winevent *ev,
                         const char *const *fields, size_t nfields, const char *why,
                         const struct record_caveat *caveats, size_t ncaveats, int64_t emitted_us, char **out,
                         size_t *len)
{
        const struct winevent *evs[1] = { ev };
        const char *kind = record_kind_names[RECORD_KIND_MATCH];
        char id[RECORD_ID_LEN + 1], time[TIMEFMT_MAX];
        struct jsonw w;

        if (!r || !ev || !out || (nfields && !fields) || (ncaveats && !caveats) || r->level < 0 ||
            r->level >= _SIGMA_LEVEL_MAX)
                return -EINVAL;
        if (given && strlen(given) == RECORD_ID_LEN)
                memcpy(id, given, RECORD_ID_LEN + 1);
        else
                record_lead_id(r->id, kind, ev->host, evs, 1, id);
        if (!id[0])
                return -ENOMEM;
        if (jsonw_init_mem_ext(&w, RECORD_MATCH_CAP, JSONW_NOSLASHESCAPE) < 0)
                return -ENOMEM;
        jsonw_lit(&w, "{\"type\":\"lead\",\"id\":\"");
        jsonw_raw(&w, id, RECORD_ID_LEN);       /* hex digits */
        jsonw_lit(&w, "\",\"time\":");
        jsonw_str(&w, timefmt_format(ev->time_us, time));       /* twice: the event's time too */
        jsonw_lit(&w, ",\"emitted\":");
        record_w_time(&w, emitted_us);
        jsonw_lit(&w, ",\"host\":");
        jsonw_str(&w, ev->host);
        jsonw_lit(&w, ",\"rule\":");
        record_w_rule(&w, r);
        jsonw_lit(&w, ",\"kind\":\"match\",\"group\":{\"host\":");
        jsonw_str(&w, ev->host);
        jsonw_lit(&w, "},\"count\":1,\"events\":[");
        record_w_event(&w, ev, time, fields, nfields);
        jsonw_lit(&w, "],\"why\":");
        record_w_str(&w, why ? why : r->title);
        jsonw_lit(&w, ",\"caveats\":[");
        for (size_t i = 0; i < ncaveats; i++) {
                if (i)
                        jsonw_lit(&w, ",");
                jsonw_lit(&w, "{\"gap\":");
                record_w_str(&w, caveats[i].gap_id);
                jsonw_lit(&w, ",\"text\":");
                record_w_str(&w, caveats[i].text);
                jsonw_lit(&w, "}");
        }
        jsonw_lit(&w, "]}");
        return record_w_finish(&w, out, len);
}

static struct json_object *record_corr_event(const struct corr_event *e)
{
        _cleanup_json_ struct json_object *o = json_object_new_object();

        if (!o || record_add_str(o, "host", e->host) < 0 || record_add_str(o, "channel", e->channel) < 0 ||
            record_add(o, "event_id", json_object_new_int64(e->event_id)) < 0)
                return NULL;
        if (e->has_record_id) {
                if (record_add(o, "record_id", json_object_new_uint64(e->record_id)) < 0)
                        return NULL;
        } else if (json_object_object_add(o, "record_id", NULL) < 0) {
                return NULL;
        }
        if (record_add_time(o, "time", e->time_us) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static int record_corr(const struct sigma_corr *c, const struct corr_fire *f, const char *const *group_values,
                       const char *const *field_values, const char *why, int64_t emitted_us, char **out, size_t *len)
{
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *group, *events, *window;
        const struct sigma_rule *r = c ? c->meta : NULL;
        const char *kind = record_kind_names[RECORD_KIND_CORRELATION];
        struct record_key keys[64];
        const char *host;
        char id[RECORD_ID_LEN + 1];
        size_t nk;

        if (!r || !f || !out || r->level < 0 || r->level >= _SIGMA_LEVEL_MAX)
                return -EINVAL;
        nk = f->nevents < ELEMENTSOF(keys) ? f->nevents : ELEMENTSOF(keys);
        host = nk ? f->events[0].host : "*";
        for (size_t i = 0; i < nk; i++) {
                const struct corr_event *e = &f->events[i];
                keys[i] = (struct record_key){ e->host, e->channel, e->has_record_id, e->record_id, e->time_us,
                                               e->event_id };
                if (strcmp(e->host, host) != 0)
                        host = "*";     /* the correlation spans hosts */
        }
        record_hash_keys(r->id, kind, f->key, keys, nk, id);
        if (!id[0])
                return -ENOMEM;
        o = json_object_new_object();
        if (!o || record_add_str(o, "type", "lead") < 0 || record_add_str(o, "id", id) < 0 ||
            record_add_time(o, "time", f->last_us) < 0 || record_add_time(o, "emitted", emitted_us) < 0 ||
            record_add_str(o, "host", host) < 0 || record_add(o, "rule", record_rule(r)) < 0 ||
            record_add_str(o, "kind", kind) < 0 ||
            record_add_str(o, "correlation", c->first_seen.on ? "first_seen" : corr_type_name(c->spec.type)) < 0)
                return -ENOMEM;
        group = json_object_new_object();
        if (record_add(o, "group", group) < 0)
                return -ENOMEM;
        for (size_t g = 0; g < c->ngroup_by; g++)
                if (record_add_str(group, c->group_by[g], group_values && group_values[g] ? group_values[g] : "") < 0)
                        return -ENOMEM;
        if (c->first_seen.on) {
                struct json_object *fields = json_object_new_object();

                if (record_add(o, "fields", fields) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < c->first_seen.nfields; i++)
                        if (record_add_str(fields, c->first_seen.fields[i],
                                           field_values && field_values[i] ? field_values[i] : "") < 0)
                                return -ENOMEM;
        }
        if (record_add(o, "count", json_object_new_int64((int64_t)f->count)) < 0)
                return -ENOMEM;
        if (c->value_field && record_add(o, "value", json_object_new_double(f->aggregate)) < 0)
                return -ENOMEM;
        window = json_object_new_object();
        if (record_add(o, "window", window) < 0 || record_add_time(window, "first", f->first_us) < 0 ||
            record_add_time(window, "last", f->last_us) < 0)
                return -ENOMEM;
        events = json_object_new_array_ext((int)f->nevents);
        if (record_add(o, "events", events) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < f->nevents; i++) {
                struct json_object *e = record_corr_event(&f->events[i]);
                if (!e || json_object_array_add(events, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
        }
        if (f->nevents < f->count && record_add(o, "events_truncated", json_object_new_boolean(1)) < 0)
                return -ENOMEM;
        if (record_add_str(o, "why", why ? why : r->title) < 0 ||
            record_add(o, "caveats", json_object_new_array()) < 0)
                return -ENOMEM;
        return record_finish(o, out, len);
}

int record_lead_correlation(const struct sigma_corr *c, const struct corr_fire *f, const char *const *group_values,
                            const char *why, int64_t emitted_us, char **out, size_t *len)
{
        return record_corr(c, f, group_values, NULL, why, emitted_us, out, len);
}

int record_lead_first_seen(const struct sigma_corr *c, const struct corr_fire *f, const char *const *group_values,
                           const char *const *field_values, const char *why, int64_t emitted_us, char **out,
                           size_t *len)
{
        if (!c || !c->first_seen.on)
                return -EINVAL;
        return record_corr(c, f, group_values, field_values, why, emitted_us, out, len);
}

/* ---- noise: summaries and escalations ------------------------------- */

static struct record_key record_key_of(const struct corr_event *e)
{
        return (struct record_key){ e->host, e->channel, e->has_record_id, e->record_id, e->time_us, e->event_id };
}

void record_lead_id_events(const char *rule_id, const char *kind, const char *group,
                           const struct corr_event *evs, size_t nevs, char out[RECORD_ID_LEN + 1])
{
        struct record_key keys[64];
        size_t n = nevs < ELEMENTSOF(keys) ? nevs : ELEMENTSOF(keys);

        for (size_t i = 0; i < n; i++)
                keys[i] = record_key_of(&evs[i]);
        record_hash_keys(rule_id, kind, group, keys, n, out);
}

/* "1h", "90m", "45s" */
static void record_span(int64_t us, char *buf, size_t len)
{
        long long s = (long long)(us / 1000000);

        if (s > 0 && s % 3600 == 0)
                snprintf(buf, len, "%lldh", s / 3600);
        else if (s > 0 && s % 60 == 0)
                snprintf(buf, len, "%lldm", s / 60);
        else
                snprintf(buf, len, "%llds", s);
}

static int record_array_add_str(struct json_object *a, const char *v)
{
        struct json_object *s = json_object_new_string(v ? v : "");

        if (!s || json_object_array_add(a, s) < 0) {
                json_object_put(s);
                return -ENOMEM;
        }
        return 0;
}

static struct json_object *record_id_array(const char (*ids)[RECORD_ID_LEN + 1], size_t n)
{
        struct json_object *a = json_object_new_array_ext((int)n);

        for (size_t i = 0; a && i < n; i++) {
                struct json_object *s = json_object_new_string(ids[i]);

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static int record_add_events(struct json_object *o, const struct corr_event *evs, size_t n)
{
        struct json_object *events = json_object_new_array_ext((int)n);

        if (record_add(o, "events", events) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = record_corr_event(&evs[i]);

                if (!e || json_object_array_add(events, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
        }
        return 0;
}

int record_lead_summary(const struct record_summary *s, int64_t emitted_us, char **out, size_t *len)
{
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *group, *window;
        struct record_key key;
        char id[RECORD_ID_LEN + 1], first[TIMEFMT_MAX], last[TIMEFMT_MAX], why[1024];
        size_t off;

        if (!s || !s->rule || !s->event || !out || s->rule->level < 0 || s->rule->level >= _SIGMA_LEVEL_MAX ||
            (s->ngroup && (!s->group_names || !s->group_values)) || (s->nids && !s->ids))
                return -EINVAL;
        key = record_key_of(s->event);
        record_hash_keys(s->rule->id, "summary", s->group_key, &key, 1, id);
        if (!id[0])
                return -ENOMEM;
        o = json_object_new_object();
        if (!o || record_add_str(o, "type", "lead") < 0 || record_add_str(o, "id", id) < 0 ||
            record_add_time(o, "time", s->last_us) < 0 || record_add_time(o, "emitted", emitted_us) < 0 ||
            record_add_str(o, "host", s->host) < 0 || record_add(o, "rule", record_rule(s->rule)) < 0 ||
            record_add_str(o, "kind", "summary") < 0 ||
            record_add_str(o, "suppressed_kind", s->suppressed_kind) < 0)
                return -ENOMEM;
        group = json_object_new_object();
        if (record_add(o, "group", group) < 0)
                return -ENOMEM;
        off = (size_t)snprintf(why, sizeof(why), "%" PRIu64 " more lead%s of %s for ", s->count,
                               s->count == 1 ? "" : "s", s->rule->title ? s->rule->title : s->rule->id);
        for (size_t g = 0; g < s->ngroup; g++) {
                const char *v = s->group_values[g] ? s->group_values[g] : "";

                if (record_add_str(group, s->group_names[g], v) < 0)
                        return -ENOMEM;
                if (off < sizeof(why))
                        off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s=%s", g ? ", " : "",
                                                s->group_names[g], v);
        }
        if (off < sizeof(why))
                snprintf(why + off, sizeof(why) - off, "%s between %s and %s %s suppressed",
                         s->ngroup ? "" : "the group", timefmt_format(s->first_us, first),
                         timefmt_format(s->last_us, last), s->count == 1 ? "was" : "were");
        utf8_trim_tail(why);
        if (record_add(o, "count", json_object_new_uint64(s->count)) < 0 ||
            record_add_time(o, "first", s->first_us) < 0 || record_add_time(o, "last", s->last_us) < 0 ||
            record_add(o, "window", window = json_object_new_object()) < 0 || record_add_time(window, "opened", s->opened_us) < 0 ||
            record_add(window, "seconds", json_object_new_int64(s->window_us / 1000000)) < 0 ||
            record_add_str(o, "lead", s->lead_id) < 0 ||
            record_add(o, "suppressed_ids", record_id_array(s->ids, s->nids)) < 0 ||
            record_add_str(o, "ended", s->ended ? s->ended : "window") < 0 ||
            record_add_events(o, s->event, 1) < 0 || record_add_str(o, "why", why) < 0 ||
            record_add(o, "caveats", json_object_new_array()) < 0)
                return -ENOMEM;
        return record_finish(o, out, len);
}

int record_lead_escalation(const struct record_escalation *x, int64_t emitted_us, char **out, size_t *len)
{
        _cleanup_json_ struct json_object *o = NULL;
        _cleanup_json_ struct json_object *rule = NULL;
        struct json_object *tags, *tactics, *thresholds, *group, *window;
        char id[RECORD_ID_LEN + 1], span[32], title[512], why[1536], tag[64];
        size_t off = 0;

        if (!x || !x->host || !out || !x->nleads || !x->ids || !x->events || (x->ntactics && !x->tactics))
                return -EINVAL;
        record_lead_id_events(RECORD_ESCALATION_RULE_ID, record_kind_names[RECORD_KIND_ESCALATION], x->host,
                              x->events, x->nleads, id);
        if (!id[0])
                return -ENOMEM;
        record_span(x->window_us, span, sizeof(span));
        /* "Host escalated: 3 ATT&CK tactics, lead score 35" */
        off = (size_t)snprintf(title, sizeof(title), "Host escalated: ");
        if (x->by_tactics && off < sizeof(title))
                off += (size_t)snprintf(title + off, sizeof(title) - off, "%zu ATT&CK tactics", x->ntactics);
        if (x->by_score && off < sizeof(title))
                snprintf(title + off, sizeof(title) - off, "%slead score %" PRIu64, x->by_tactics ? ", " : "",
                         x->score);
        /* "ws1: leads span 3 ATT&CK tactics (persistence, ...) (threshold 3); score 17 (threshold 30); 4 leads within 1h" */
        off = (size_t)snprintf(why, sizeof(why), "%s: leads span %zu ATT&CK tactic%s", x->host, x->ntactics,
                               x->ntactics == 1 ? "" : "s");
        for (size_t i = 0; i < x->ntactics && off < sizeof(why); i++)
                off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s", i ? ", " : " (", x->tactics[i]);
        if (x->ntactics && off < sizeof(why))
                off += (size_t)snprintf(why + off, sizeof(why) - off, ")");
        if (x->tactic_threshold && off < sizeof(why))
                off += (size_t)snprintf(why + off, sizeof(why) - off, " (threshold %zu)", x->tactic_threshold);
        if (off < sizeof(why))
                off += (size_t)snprintf(why + off, sizeof(why) - off, "; score %" PRIu64, x->score);
        if (x->score_threshold && off < sizeof(why))
                off += (size_t)snprintf(why + off, sizeof(why) - off, " (threshold %" PRIu64 ")", x->score_threshold);
        if (off < sizeof(why))
                snprintf(why + off, sizeof(why) - off, "; %zu lead%s within %s", x->nleads, x->nleads == 1 ? "" : "s",
                         span);
        utf8_trim_tail(why);

        rule = json_object_new_object();
        tags = json_object_new_array_ext((int)x->ntactics);
        if (!rule || record_add_str(rule, "id", RECORD_ESCALATION_RULE_ID) < 0 ||
            record_add_str(rule, "title", title) < 0 ||
            record_add_str(rule, "level", record_level_names[SIGMA_LEVEL_HIGH]) < 0 ||
            record_add_str(rule, "status", "stable") < 0 || record_add(rule, "tags", tags) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < x->ntactics; i++) {
                snprintf(tag, sizeof(tag), "attack.%s", x->tactics[i]);
                if (record_array_add_str(tags, tag) < 0)
                        return -ENOMEM;
        }
        o = json_object_new_object();
        if (!o || record_add_str(o, "type", "lead") < 0 || record_add_str(o, "id", id) < 0 ||
            record_add_time(o, "time", x->last_us) < 0 || record_add_time(o, "emitted", emitted_us) < 0 ||
            record_add_str(o, "host", x->host) < 0 || record_add(o, "rule", TAKE_PTR(rule)) < 0 ||
            record_add_str(o, "kind", record_kind_names[RECORD_KIND_ESCALATION]) < 0 ||
            record_add(o, "group", group = json_object_new_object()) < 0 ||
            record_add_str(group, "host", x->host) < 0 ||
            record_add(o, "count", json_object_new_uint64(x->nleads)) < 0 ||
            record_add(o, "score", json_object_new_uint64(x->score)) < 0 ||
            record_add(o, "tactics", tactics = json_object_new_array_ext((int)x->ntactics)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < x->ntactics; i++)
                if (record_array_add_str(tactics, x->tactics[i]) < 0)
                        return -ENOMEM;
        if (record_add(o, "thresholds", thresholds = json_object_new_object()) < 0 ||
            record_add(thresholds, "score", json_object_new_uint64(x->score_threshold)) < 0 ||
            record_add(thresholds, "tactics", json_object_new_uint64(x->tactic_threshold)) < 0 ||
            record_add(o, "window", window = json_object_new_object()) < 0 ||
            record_add_time(window, "first", x->first_us) < 0 || record_add_time(window, "last", x->last_us) < 0 ||
            record_add(window, "seconds", json_object_new_int64(x->window_us / 1000000)) < 0 ||
            record_add(o, "leads", record_id_array(x->ids, x->nleads)) < 0 ||
            record_add_events(o, x->events, x->nleads) < 0 || record_add_str(o, "why", why) < 0 ||
            record_add(o, "caveats", json_object_new_array()) < 0)
                return -ENOMEM;
        return record_finish(o, out, len);
}

/* ---- gaps ----------------------------------------------------------- */

void record_gap_id(const char *kind, const char *host, const char *channel, const uint16_t *event_ids,
                   size_t nevent_ids, const char *field, int64_t opened_us, char out[RECORD_ID_LEN + 1])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        char num[48];
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int bad = !ctx || EVP_DigestInit_ex(ctx, record_sha256(), NULL) != 1;

        bad = bad || record_hash_item(ctx, "gap") < 0 || record_hash_item(ctx, kind) < 0 ||
              record_hash_item(ctx, host) < 0 || record_hash_item(ctx, channel) < 0;
        for (size_t i = 0; !bad && i < nevent_ids; i++) {
                snprintf(num, sizeof(num), "e%u", (unsigned)event_ids[i]);
                bad = record_hash_item(ctx, num) < 0;
        }
        snprintf(num, sizeof(num), "t%" PRId64, opened_us);
        bad = bad || record_hash_item(ctx, field) < 0 || record_hash_item(ctx, num) < 0;
        bad = bad || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < RECORD_ID_LEN / 2;
        EVP_MD_CTX_free(ctx);
        if (bad) {
                out[0] = '\0';
                return;
        }
        for (size_t i = 0; i < RECORD_ID_LEN / 2; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 0xf];
        }
        out[RECORD_ID_LEN] = '\0';
}

/* Append v (a new reference, possibly NULL) to array a; on failure v is
 * released.  The caller may keep filling v after a success.  0 or -ENOMEM. */
static int record_array_add(struct json_object *a, struct json_object *v)
{
        if (!v || json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* Seconds from opened to closed; a gap restored from a damaged state file
 * may hold any times, so the difference must not overflow (0 when closed
 * before opened). */
static int64_t record_ttr_seconds(const struct record_gap *g)
{
        if (g->closed_us <= g->opened_us)
                return 0;
        return (int64_t)(((uint64_t)g->closed_us - (uint64_t)g->opened_us) / 1000000u);
}

int record_gap(const struct record_gap *g, int64_t emitted_us, char **out, size_t *len)
{
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *ids, *blinds;
        bool closed;

        if (!g || !g->id || !g->kind || !out || (g->nevent_ids && !g->event_ids) || (g->nblinds && !g->blinds))
                return -EINVAL;
        closed = g->closed_us != RECORD_GAP_NOT_CLOSED;
        o = json_object_new_object();
        if (!o || record_add_str(o, "type", "gap") < 0 || record_add_str(o, "id", g->id) < 0 ||
            record_add_str(o, "state", g->state ? g->state : (closed ? "closed" : "open")) < 0 ||
            record_add_str(o, "host", g->host) < 0 || record_add_str(o, "kind", g->kind) < 0 ||
            record_add_str(o, "channel", g->channel) < 0)
                return -ENOMEM;
        ids = json_object_new_array_ext((int)g->nevent_ids);
        if (record_add(o, "event_ids", ids) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < g->nevent_ids; i++)
                if (record_array_add(ids, json_object_new_int(g->event_ids[i])) < 0)
                        return -ENOMEM;
        if (g->field && record_add_str(o, "field", g->field) < 0)
                return -ENOMEM;
        if (record_add_time(o, "opened", g->opened_us) < 0)
                return -ENOMEM;
        if (closed) {
                if (record_add_time(o, "closed", g->closed_us) < 0 ||
                    record_add(o, "ttr_seconds", json_object_new_int64(record_ttr_seconds(g))) < 0)
                        return -ENOMEM;
        } else if (json_object_object_add(o, "closed", NULL) < 0 ||
                   json_object_object_add(o, "ttr_seconds", NULL) < 0) {
                return -ENOMEM;
        }
        if (record_add_str(o, "evidence", g->evidence) < 0 || record_add_str(o, "remedy", g->remedy) < 0)
                return -ENOMEM;
        blinds = json_object_new_array_ext((int)g->nblinds);
        if (record_add(o, "blinds", blinds) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < g->nblinds; i++) {
                struct json_object *b = json_object_new_object();

                if (record_array_add(blinds, b) < 0 || record_add_str(b, "id", g->blinds[i].id) < 0 ||
                    record_add_str(b, "title", g->blinds[i].title) < 0)
                        return -ENOMEM;
        }
        if (g->blinds_more && record_add(o, "blinds_more", json_object_new_uint64(g->blinds_more)) < 0)
                return -ENOMEM;
        if (record_add_time(o, "emitted", emitted_us) < 0)
                return -ENOMEM;
        return record_finish(o, out, len);
}
