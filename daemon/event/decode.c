/* Frame payload → struct winevent (decode.h).
 *
 * json-c parses (strict mode, bounded depth, one reused tokener); this file
 * adds what json-c does not check:
 *   - one value per frame: after the object only JSON whitespace may
 *     follow.  A second object, array or complete JSON value is
 *     REJ_MULTIPLE_OBJECTS, anything else REJ_TRAILING_GARBAGE (json-c
 *     stops at a NUL byte, so "{}\0" is trailing garbage);
 *   - no duplicate identifying key in one object (json-c keeps the last
 *     one silently): a scan of the raw text, see decode_scan_duplicates();
 *   - the identifying values, the same way for every dialect: EventID and
 *     the record id are JSON integers, decimal strings or "0x" hex strings
 *     (EventID 0..65535, record id 0..UINT64_MAX); channel and provider are
 *     strings without control characters of at most EVENT_IDENT_MAX bytes;
 *     the host goes through host_canonicalise().
 * A missing or empty Channel is REJ_MISSING_CHANNEL unless the event names
 * its provider: events of ETW / debug / analytic logs carry no channel
 * (<Channel/> in their XML, no Channel key from NXLog).  Such an event is
 * kept with ev->channel = "" and no Channel field, so a rule that needs the
 * channel cannot evaluate rather than fails.
 * Fallbacks: no host (absent, null or "") → ctx->fallback_host; no event
 * time → ctx->fallback_time_us, else ctx->recv_us.  A zone-less event time
 * is local time in ctx->zone (UTC when NULL), whatever the dialect.
 *
 * On success the event carries the dialect's fields (dialect.c) followed
 * by the system fields EventID (decimal), Computer (the host as the event
 * wrote it), Channel, Provider_Name (when present) and EventRecordID
 * (decimal, when present); a system field replaces a same-named field.
 * Security 4698/4702 events then get the task XML's derived fields
 * (taskxml.h), or TaskParseError: bad task XML never rejects an event.
 * decode_event() returns -ENOMEM (with *why REJ_NONE) when memory runs out:
 * that is not the input's fault. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/decode.h"
#include "spoor/host.h"
#include "spoor/taskxml.h"
#include "spoor/utf8.h"
#include "decode_impl.h"
#include "dialect.h"
#include "flatscan.h"

struct decoder {
        struct json_tokener *tok;
        int max_depth;
        uint16_t *seen;         /* [max_depth + 1]: identifying keys seen per open object */
        unsigned repairs;       /* DECODE_REPAIRED_*, of the last decode_event() */
        char *fix[2];           /* mended copies of a frame: [0] UTF-8, [1] big integers */
        size_t fix_cap[2];
        struct flatscan *flat;  /* the fast path for flat events; NULL: json-c only */
        bool tok_dirty;         /* the last parse did not succeed: see decode_tok_reset() */
};

/* Keys that identify an event, and the containers that hold them: a
 * second copy in the same object would let a sender smuggle one value past
 * whoever reads the first. */
static const struct {
        const char *name;
        size_t len;
} decode_ident_keys[] = {
#define K(s) { s, sizeof(s) - 1 }
        K("EventID"), K("Channel"), K("Hostname"), K("Computer"),
        K("event_id"), K("channel"), K("computer_name"),
        K("winlog"), K("Event"), K("System"),
#undef K
};

static struct json_tokener *decode_tok_new(int max_depth)
{
        /* json-c counts the innermost scalar as a level too */
        struct json_tokener *tok = json_tokener_new_ex(max_depth + 1);

        if (tok)
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
        return tok;
}

/* Ready the tokener for a new text.  json_tokener_reset() does not forget
 * everything: after a parse that stopped inside a \uD83D surrogate escape,
 * the next text's "\ud800e" decodes to two U+FFFD instead of one (json-c
 * 0.16; found by fuzz_flatscan, whose two decoders then disagreed).  So a
 * tokener whose last parse did not succeed is replaced.  0 or -ENOMEM. */
static int decode_tok_reset(struct decoder *d)
{
        if (d->tok_dirty) {
                struct json_tokener *tok = decode_tok_new(d->max_depth);

                if (!tok)
                        return -ENOMEM;
                json_tokener_free(d->tok);
                d->tok = tok;
                d->tok_dirty = false;
        } else {
                json_tokener_reset(d->tok);
        }
        return 0;
}

/* json_tokener_parse_ex(), remembering a parse that did not succeed. */
static struct json_object *decode_tok_parse(struct decoder *d, const char *s, size_t n)
{
        struct json_object *o = json_tokener_parse_ex(d->tok, s, (int)n);

        if (json_tokener_get_error(d->tok) != json_tokener_success)
                d->tok_dirty = true;
        return o;
}

struct decoder *decoder_new(int max_depth)
{
        if (max_depth <= 0)
                max_depth = DECODE_DEFAULT_MAX_DEPTH;

        struct decoder *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->max_depth = max_depth;
        d->tok = decode_tok_new(max_depth);
        d->seen = calloc((size_t)max_depth + 1, sizeof(*d->seen));
        d->flat = flatscan_new();
        if (!d->tok || !d->seen || !d->flat) {
                decoder_free(d);
                return NULL;
        }
        return d;
}

void decoder_free(struct decoder *d)
{
        if (!d)
                return;
        if (d->tok)
                json_tokener_free(d->tok);
        free(d->seen);
        free(d->fix[0]);
        free(d->fix[1]);
        flatscan_free(d->flat);
        free(d);
}

unsigned decoder_repairs(const struct decoder *d)
{
        return d->repairs;
}

int decoder_set_fast_path(struct decoder *d, bool on)
{
        if (!on) {
                flatscan_free(d->flat);
                d->flat = NULL;
        } else if (!d->flat && !(d->flat = flatscan_new())) {
                return -ENOMEM;
        }
        return 0;
}

static unsigned decode_hex_digit(char h)
{
        if (h >= '0' && h <= '9')
                return (unsigned)(h - '0');
        h |= 0x20;
        if (h >= 'a' && h <= 'f')
                return (unsigned)(h - 'a' + 10);
        return 0x10000;         /* makes the code point invalid */
}

/* Which identifying key the raw key text [s, s+n) is (escapes decoded), or -1. */
static int decode_ident_index(const char *s, size_t n)
{
        char buf[16];
        size_t len = 0;

        if (memchr(s, '\\', n)) {
                for (size_t i = 0; i < n; i++) {
                        char c = s[i];
                        if (c == '\\' && i + 1 < n) {
                                c = s[++i];
                                if (c == 'u') {
                                        unsigned v = 0;
                                        if (i + 4 >= n)
                                                return -1;
                                        for (int k = 1; k <= 4; k++)
                                                v = v * 16 + decode_hex_digit(s[i + k]);
                                        if (v >= 0x80)
                                                return -1;
                                        c = (char)v;
                                        i += 4;
                                }
                        }
                        if (len == sizeof(buf))
                                return -1;
                        buf[len++] = c;
                }
                s = buf;
                n = len;
        }
        for (size_t k = 0; k < ELEMENTSOF(decode_ident_keys); k++)
                if (decode_ident_keys[k].len == n && memcmp(decode_ident_keys[k].name, s, n) == 0)
                        return (int)k;
        return -1;
}

/* Duplicate identifying keys in [json, json+len), which json-c has accepted
 * (so the text is well-formed, single quotes included).  Tracks strings and
 * escapes, and per open container a bitmask of identifying keys seen;
 * containers deeper than max_depth cannot occur (json-c rejected them).
 * Returns the index of the duplicate key, or -1. */
/* Does a raw key (between its quotes) hold the escape \u0000?  json-c cuts
 * a key at the NUL, so "EventID\u0000" would become a second "EventID" the
 * duplicate scan does not see. */
static bool decode_key_has_nul(const char *s, size_t n)
{
        for (size_t i = 0; i + 1 < n; i++) {
                if (s[i] != '\\')
                        continue;
                if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0)
                        return true;
                i++;    /* the escaped character: "\\u0000" is a backslash, then text */
        }
        return false;
}

#define DECODE_KEY_NUL (-2)     /* decode_scan_duplicates: a key holds \u0000 */
#define DECODE_BIG_INT (-3)     /* decode_scan_duplicates: an integer beyond 64 bits */

/* The closing quote of the string whose text starts at json[start] (after
 * its opening `quote`), or len when it is not closed: an odd run of
 * backslashes escapes a quote. */
static size_t decode_string_end(const char *json, size_t len, size_t start, char quote)
{
        for (size_t i = start;;) {
                const char *q = memchr(json + i, quote, len - i);
                if (!q)
                        return len;
                i = (size_t)(q - json);
                size_t bs = 0;
                while (i - bs > start && json[i - bs - 1] == '\\')
                        bs++;
                if (bs % 2 == 0)
                        return i;
                i++;
        }
}

/* The number token at s (a '-' or a digit outside any string): its length
 * in *tok (at least 1), and whether it is an integer json-c cannot hold
 * (below INT64_MIN or above UINT64_MAX: json-c would clamp it). */
static bool decode_int_too_big(const char *s, size_t n, size_t *tok)
{
        size_t i = s[0] == '-', d0 = i, d1;
        bool integer = true;

        while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        d1 = i;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
                         s[i] == '+' || s[i] == '-')) {
                integer = false;
                i++;
        }
        *tok = i > 0 ? i : 1;
        if (!integer || d1 == d0)
                return false;   /* a fraction, an exponent, or -Infinity */
        while (d0 + 1 < d1 && s[d0] == '0')
                d0++;
        return decode_digits_beyond_64(s + d0, d1 - d0, s[0] == '-');
}

/* A scratch copy of at most `need` bytes in d->fix[which], or NULL. */
static char *decode_fix_buf(struct decoder *d, int which, size_t need)
{
        if (need > d->fix_cap[which]) {
                char *b = realloc(d->fix[which], need);
                if (!b)
                        return NULL;
                d->fix[which] = b;
                d->fix_cap[which] = need;
        }
        return d->fix[which];
}

/* A frame that is not strict UTF-8 gets each bad byte replaced by U+FFFD
 * (EF BF BD) in d->fix[0]; *json and *len then point there.  0 or -ENOMEM. */
static int decode_mend_utf8(struct decoder *d, const char **json, size_t *len)
{
        if (utf8_valid_prefix(*json, *len) == *len)
                return 0;
        if (*len > SIZE_MAX / 3)
                return -ENOMEM;
        char *out = decode_fix_buf(d, 0, UTF8_MEND_MAX(*len));
        if (!out)
                return -ENOMEM;
        *len = utf8_mend(*json, *len, out);
        *json = out;
        d->repairs |= DECODE_REPAIRED_UTF8;
        return 0;
}

/* Every integer literal beyond 64 bits in [json, json+len) (outside strings)
 * quoted, in d->fix[1]: *json and *len then point there.  0 or -ENOMEM. */
static int decode_quote_big_ints(struct decoder *d, const char **json, size_t *len)
{
        const char *s = *json;
        size_t n = *len;

        if (n > (SIZE_MAX - 2) / 2)
                return -ENOMEM;
        /* at worst every other byte starts a number that gains two quotes */
        char *out = decode_fix_buf(d, 1, 2 * n + 2);
        if (!out)
                return -ENOMEM;
        size_t o = 0;
        for (size_t i = 0; i < n;) {
                char c = s[i];
                size_t tok = 1;

                if (c == '"' || c == '\'') {
                        size_t end = decode_string_end(s, n, i + 1, c);
                        tok = end < n ? end + 1 - i : n - i;
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                        if (decode_int_too_big(s + i, n - i, &tok)) {
                                out[o++] = '"';
                                memcpy(out + o, s + i, tok);
                                o += tok;
                                out[o++] = '"';
                                i += tok;
                                continue;
                        }
                }
                memcpy(out + o, s + i, tok);
                o += tok;
                i += tok;
        }
        d->repairs |= DECODE_REPAIRED_BIG_INT;
        *json = out;
        *len = o;
        return 0;
}

static int decode_scan_duplicates(struct decoder *d, const char *json, size_t len)
{
        int depth = 0;
        const char *str = NULL;         /* the last string, while a ':' may follow it */
        size_t str_len = 0;

        for (size_t i = 0; i < len; i++) {
                char c = json[i];

                switch (c) {
                case '"':
                case '\'': {
                        size_t start = i + 1;
                        i = decode_string_end(json, len, start, c);
                        if (i == len)
                                return -1;
                        str = json + start;
                        str_len = i - start;
                        break;
                }
                case '-':
                case '0': case '1': case '2': case '3': case '4':
                case '5': case '6': case '7': case '8': case '9': {
                        size_t tok;
                        if (decode_int_too_big(json + i, len - i, &tok))
                                return DECODE_BIG_INT;
                        i += tok - 1;
                        str = NULL;
                        break;
                }
                case '{':
                case '[':
                        depth++;
                        if (depth <= d->max_depth)
                                d->seen[depth] = 0;
                        str = NULL;
                        break;
                case ':':
                        if (str && decode_key_has_nul(str, str_len))
                                return DECODE_KEY_NUL;
                        /* the longest key, "computer_name", in \uXXXX escapes */
                        if (str && str_len <= 13 * 6 && depth >= 1 && depth <= d->max_depth) {
                                int key = decode_ident_index(str, str_len);
                                if (key >= 0) {
                                        uint16_t bit = (uint16_t)(1u << key);
                                        if (d->seen[depth] & bit)
                                                return key;
                                        d->seen[depth] |= bit;
                                }
                        }
                        str = NULL;
                        break;
                case ' ':
                case '\t':
                case '\r':
                case '\n':
                        break;
                case '}':
                case ']':
                        depth--;
                        /* fall through */
                default:
                        str = NULL;
                        break;
                }
        }
        return -1;
}

static bool decode_is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* json_tokener_parse_ex(), plus: a top-level scalar at the very end of the
 * input ("42", "null") is complete, though json-c waits for a delimiter. */
static struct json_object *decode_parse_value(struct decoder *d, const char *json, size_t len)
{
        struct json_object *o = decode_tok_parse(d, json, len);

        if (!o && json_tokener_get_error(d->tok) == json_tokener_continue)
                o = decode_tok_parse(d, " ", 1);
        return o;
}

/* After the object at [0, end): only whitespace may follow. */
static int decode_check_trailing(struct decoder *d, const char *json, size_t len, size_t end,
                                 const struct decode_fail *f)
{
        while (end < len && decode_is_ws(json[end]))
                end++;
        if (end == len)
                return 0;

        const char *rest = json + end;
        size_t n = len - end;
        bool another = rest[0] == '{' || rest[0] == '[';
        if (!another && rest[0] != '\0') {
                if (decode_tok_reset(d) < 0)
                        return -ENOMEM;
                struct json_object *o = decode_parse_value(d, rest, n);
                another = json_tokener_get_error(d->tok) == json_tokener_success;
                json_object_put(o);
        }
        if (another)
                return decode_reject(f, REJ_MULTIPLE_OBJECTS, "another JSON value at byte %zu", end);
        return decode_reject(f, REJ_TRAILING_GARBAGE, "garbage after the object at byte %zu", end);
}

static int decode_parse(struct decoder *d, const char *json, size_t len,
                        struct json_object **root, const struct decode_fail *f)
{
        if (len == 0)
                return decode_reject(f, REJ_NOT_JSON, "empty frame");
        if (len > INT_MAX)
                return decode_reject(f, REJ_NOT_JSON, "frame too long for the JSON parser");

        if (decode_tok_reset(d) < 0)
                return -ENOMEM;
        *root = decode_tok_parse(d, json, len);
        enum json_tokener_error err = json_tokener_get_error(d->tok);
        if (err == json_tokener_continue) {
                /* complete if it is a scalar: not an object either way */
                *root = decode_tok_parse(d, " ", 1);
                if (json_tokener_get_error(d->tok) == json_tokener_success)
                        return decode_reject(f, REJ_NOT_OBJECT, "JSON %s, not an object",
                                             json_type_to_name(json_object_get_type(*root)));
        }
        if (err == json_tokener_error_depth)
                return decode_reject(f, REJ_TOO_DEEP, "JSON nested deeper than %d", d->max_depth);
        if (err == json_tokener_continue)
                return decode_reject(f, REJ_NOT_JSON, "incomplete JSON");
        if (err != json_tokener_success)
                return decode_reject(f, REJ_NOT_JSON, "%s at byte %zu", json_tokener_error_desc(err),
                                     json_tokener_get_parse_end(d->tok));

        size_t end = json_tokener_get_parse_end(d->tok);
        int r = decode_check_trailing(d, json, len, end, f);
        if (r < 0)
                return r;
        if (!json_object_is_type(*root, json_type_object))
                return decode_reject(f, REJ_NOT_OBJECT, "JSON %s, not an object",
                                     json_type_to_name(json_object_get_type(*root)));

        int dup = decode_scan_duplicates(d, json, end);
        if (dup == DECODE_BIG_INT && !(d->repairs & DECODE_REPAIRED_BIG_INT)) {
                /* once: quote them and parse again (a rare path) */
                json_object_put(*root);
                *root = NULL;
                if (decode_quote_big_ints(d, &json, &len) < 0)
                        return -ENOMEM;
                return decode_parse(d, json, len, root, f);
        }
        if (dup == DECODE_BIG_INT)
                return decode_reject(f, REJ_NOT_JSON, "an integer beyond 64 bits json-c cannot hold");
        if (dup == DECODE_KEY_NUL)
                return decode_reject(f, REJ_NOT_JSON, "a key holds \\u0000 (a NUL, which would hide a duplicate key)");
        if (dup >= 0)
                return decode_reject(f, REJ_DUPLICATE_KEY, "duplicate key %s", decode_ident_keys[dup].name);
        return 0;
}

/* A json-c value as the mapping sees it (decode_impl.h); buf holds the
 * text of an integer. */
static void decode_dval(struct json_object *v, struct dval *out, char buf[32])
{
        *out = (struct dval){ 0 };
        if (!v)
                return;         /* absent, or null (dialect_system) */
        switch (json_object_get_type(v)) {
        case json_type_null:
                return;
        case json_type_string:
                out->kind = DV_STRING;
                break;
        case json_type_int:
                out->kind = DV_INT;
                break;
        case json_type_double:
                out->kind = DV_DOUBLE;
                break;
        case json_type_boolean:
                out->kind = DV_BOOL;
                break;
        default:
                out->kind = DV_OTHER;
                break;
        }
        out->s = dialect_value_text(v, buf, &out->len);
}

struct decode_tree {
        enum dialect dl;
        struct json_object *root;
};

static int decode_tree_fields(void *ud, struct winevent *ev)
{
        const struct decode_tree *t = ud;

        return dialect_fields(t->dl, t->root, ev);
}

/* The json-c path: the dialect of the tree, its identifying values, then
 * decode_map(). */
static int decode_tree_map(const struct decode_ctx *ctx, struct json_object *root, struct winevent *ev,
                           const struct decode_fail *f)
{
        struct dialect_system js;
        struct dsys sys;
        char num[6][32];
        struct decode_tree t = { .dl = dialect_detect(root), .root = root };

        if (t.dl == _DIALECT_INVALID)
                return decode_reject(f, REJ_UNKNOWN_DIALECT, "no known dialect (NXLog, Winlogbeat, EVTX)");
        dialect_system(t.dl, root, &js);
        decode_dval(js.event_id, &sys.event_id, num[0]);
        decode_dval(js.host, &sys.host, num[1]);
        decode_dval(js.channel, &sys.channel, num[2]);
        decode_dval(js.provider, &sys.provider, num[3]);
        decode_dval(js.record_id, &sys.record_id, num[4]);
        decode_dval(js.time, &sys.time, num[5]);
        return decode_map(ctx, t.dl, &sys, decode_tree_fields, &t, ev, f);
}

int decode_event(struct decoder *d, const char *json, size_t len,
                 const struct decode_ctx *ctx, struct winevent *ev,
                 enum reject_reason *why, char *detail, size_t detail_len)
{
        static const struct decode_ctx no_ctx;
        _cleanup_json_ struct json_object *root = NULL;
        enum reject_reason why_unused;
        int r;

        winevent_reset(ev);
        if (!ctx)
                ctx = &no_ctx;
        if (!why)
                why = &why_unused;
        *why = REJ_NONE;
        if (detail && detail_len)
                detail[0] = '\0';
        const struct decode_fail f = { .why = why, .detail = detail, .detail_len = detail_len };
        ev->recv_us = ctx->recv_us;
        d->repairs = 0;

        r = decode_mend_utf8(d, &json, &len);
        if (r == 0 && d->flat)
                r = flatscan_decode(d->flat, json, len, ctx, ev, &f);
        else if (r == 0)
                r = FLATSCAN_NOT_MINE;
        if (r == FLATSCAN_NOT_MINE) {      /* it touched nothing */
                r = decode_parse(d, json, len, &root, &f);
                if (r == 0)
                        r = decode_tree_map(ctx, root, ev, &f);
        }
        if (r == -ENOMEM) {
                /* not the input's fault: no reason, no detail */
                *why = REJ_NONE;
        }
        return r;
}
