/* The flat-event fast path (flatscan.h): one pass over the text, no tree. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "flatscan.h"
#include "spoor/intern.h"

/* The keys the mapping reads, and the other identifying keys (a second
 * copy of any of these is json-c's to reject as duplicate_key). */
enum fs_key {
        FK_EVENT_ID,
        FK_HOSTNAME,
        FK_CHANNEL,
        FK_SOURCE_NAME,
        FK_RECORD_NUMBER,
        FK_EVENT_TIME,
        FK_EXECUTION_PID,
        FK_IDENT_OTHER,         /* Computer, event_id, channel, computer_name, winlog, Event, System */
        FK_NONE,
};

#define FS_NO_SRC UINT32_MAX

struct flat_pair {
        const char *key;
        const char *name;       /* key interned, or NULL: winevent_set_field() interns it */
        const char *val;        /* into the input, or into fs->buf when unescaped */
        uint32_t key_len;
        uint32_t val_len;
        /* where the value's text begins in the input (a string's after its
         * quote, a number's first byte), or FS_NO_SRC (true, false, null):
         * fs_fields() puts the value there in the event's copy of the input */
        uint32_t src;
};

/* What followed a key the last times.  A source sends the keys of an
 * event type in one order, so the key after "Opcode" is nearly always one
 * of the few seen there before: checking such a guess costs one memcmp(),
 * where scanning the key, classifying it and hashing it to look it up
 * cost three passes over it.  Entries are learnt only from keys
 * fs_string() accepted (no quote, backslash or control character), so a
 * guess whose bytes are in the input followed by a quote is exactly the
 * key the scan would have found.  The pointers are intern()'s, valid
 * until intern_reset(): fs->epoch tells. */
struct fs_next {
        const char *prev;       /* interned; NULL: the object's first key */
        const char *name;       /* interned; NULL: an empty entry */
        uint32_t len;
        uint32_t id;            /* intern_id(name) */
        enum fs_key kind;
};

/* Sets by intern_id() of the previous key, each of FS_NEXT_WAYS entries
 * most recent first: on 200k generated events (102 names, 12 event
 * types), one entry a set missed 6.5% of the keys, two 1.6%, four 0.1%. */
#define FS_NEXT_SETS 512        /* power of two */
#define FS_NEXT_WAYS 2

struct flatscan {
        struct flat_pair *pairs;
        size_t npairs, cap;
        const char *in;         /* the object being decoded (for fs_fields) */
        size_t in_len;
        char *buf;              /* unescaped strings: never more bytes than the input */
        size_t buf_len, buf_cap;
        uint32_t epoch;         /* intern_epoch() that next[] belongs to */
        struct fs_next next[FS_NEXT_SETS][FS_NEXT_WAYS];
};

struct flatscan *flatscan_new(void)
{
        return calloc(1, sizeof(struct flatscan));
}

void flatscan_free(struct flatscan *fs)
{
        if (!fs)
                return;
        free(fs->pairs);
        free(fs->buf);
        free(fs);
}

static enum fs_key fs_key_of(const char *k, size_t n)
{
#define IS(s) (n == sizeof(s) - 1 && memcmp(k, s, sizeof(s) - 1) == 0)
        switch (n) {
        case 5:
                return IS("Event") ? FK_IDENT_OTHER : FK_NONE;
        case 6:
                return IS("winlog") || IS("System") ? FK_IDENT_OTHER : FK_NONE;
        case 7:
                return IS("EventID") ? FK_EVENT_ID : IS("Channel") ? FK_CHANNEL :
                       IS("channel") ? FK_IDENT_OTHER : FK_NONE;
        case 8:
                return IS("Hostname") ? FK_HOSTNAME : IS("Computer") || IS("event_id") ? FK_IDENT_OTHER :
                       FK_NONE;
        case 9:
                return IS("EventTime") ? FK_EVENT_TIME : FK_NONE;
        case 10:
                return IS("SourceName") ? FK_SOURCE_NAME : FK_NONE;
        case 12:
                return IS("RecordNumber") ? FK_RECORD_NUMBER : FK_NONE;
        case 13:
                return IS("computer_name") ? FK_IDENT_OTHER : FK_NONE;
        case 18:
                return IS("ExecutionProcessID") ? FK_EXECUTION_PID : FK_NONE;
        default:
                return FK_NONE;
        }
#undef IS
}

static size_t fs_ws(const char *s, size_t n, size_t i)
{
        /* compact JSON, the common case, has none */
        if (i < n && (unsigned char)s[i] > ' ')
                return i;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
                i++;
        return i;
}

static int fs_hex4(const char *s, uint32_t *cp)
{
        uint32_t v = 0;

        for (int k = 0; k < 4; k++) {
                unsigned c = (unsigned char)s[k];
                if (c >= '0' && c <= '9')
                        c -= '0';
                else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                        c = (c | 0x20) - 'a' + 10;
                else
                        return -1;
                v = v << 4 | c;
        }
        *cp = v;
        return 0;
}

#ifdef __SSE2__
/* A bit for each of the 16 bytes in x that ends a plain run of string
 * text: a quote, a backslash, or a control character (a byte that is its
 * own minimum with 0x1f, as unsigned). */
static inline unsigned fs_stops16(__m128i x)
{
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
        __m128i t = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));

        return (unsigned)_mm_movemask_epi8(t);
}
#endif

/* The first byte at or after s[j] that ends a plain run of string text: a
 * quote, a backslash or a control character (n when none).  With SSE2
 * (every x86-64) 16 bytes a step, then 8 bytes a step: the lowest byte
 * flagged by the usual zero-byte tricks is exact (only bytes above a true
 * hit can be flagged falsely), and bytes >= 0x80 (UTF-8) are never
 * flagged.  Nothing past n is read. */
static size_t fs_plain_run(const char *s, size_t n, size_t j)
{
#ifdef __SSE2__
        for (; j + 16 <= n; j += 16) {
                unsigned m = fs_stops16(_mm_loadu_si128((const __m128i *)(const void *)(s + j)));
                if (m)
                        return j + (size_t)__builtin_ctz(m);
        }
#endif
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);

        while (j + 8 <= n) {
                uint64_t x, q, b, t;

                memcpy(&x, s + j, 8);
                q = x ^ (ones * '"');
                b = x ^ (ones * '\\');
                t = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x);
                t &= highs;
                if (t)
                        return j + (size_t)__builtin_ctzll(t) / 8;
                j += 8;
        }
        while (j < n && s[j] != '"' && s[j] != '\\' && (unsigned char)s[j] >= 0x20)
                j++;
        return j;
}

/* fs_plain_run() that also copies the run to out, which has room for
 * n - j bytes: it may write there past the run's end.  With SSE2 in one
 * pass, 16 bytes a step: the runs between escapes are short, and a
 * memcpy() call per run cost more than the scan. */
static size_t fs_plain_copy(const char *s, size_t n, size_t j, char *out)
{
#ifdef __SSE2__
        for (; j + 16 <= n; j += 16, out += 16) {
                __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
                unsigned m = fs_stops16(x);

                _mm_storeu_si128((__m128i *)(void *)out, x);
                if (m)
                        return j + (size_t)__builtin_ctz(m);
        }
#endif
        size_t end = fs_plain_run(s, n, j);

        memcpy(out, s + j, end - j);
        return end;
}

/* The rest of a string with escapes, from s[j] (a backslash), its first
 * j - start bytes plain: unescaped into fs->buf.  0 with *val, *vlen and
 * *i past the closing quote; FLATSCAN_NOT_MINE. */
static int fs_unescape(struct flatscan *fs, const char *s, size_t n, size_t start, size_t j, size_t *i,
                       const char **val, size_t *vlen)
{
        char *out = fs->buf + fs->buf_len, *o = out;

        memcpy(o, s + start, j - start);
        o += j - start;
        while (j < n) {
                /* room: o is at most j bytes into fs->buf (no string
                 * grows by unescaping), which holds n */
                size_t run = fs_plain_copy(s, n, j, o);
                unsigned char c;
                uint32_t cp;

                o += run - j;
                j = run;
                if (j == n)
                        break;
                c = (unsigned char)s[j];
                if (c == '"') {
                        *val = out;
                        *vlen = (size_t)(o - out);
                        fs->buf_len += *vlen;
                        *i = j + 1;
                        return 0;
                }
                if (c < 0x20)
                        return FLATSCAN_NOT_MINE;
                if (j + 1 >= n)
                        return FLATSCAN_NOT_MINE;
                switch (s[j + 1]) {
                case '"': *o++ = '"'; break;
                case '\\': *o++ = '\\'; break;
                case '/': *o++ = '/'; break;
                case 'b': *o++ = '\b'; break;
                case 'f': *o++ = '\f'; break;
                case 'n': *o++ = '\n'; break;
                case 'r': *o++ = '\r'; break;
                case 't': *o++ = '\t'; break;
                case 'u':
                        /* surrogates (pairs, or lone ones json-c mends) stay json-c's */
                        if (j + 6 > n || fs_hex4(s + j + 2, &cp) < 0 || (cp >= 0xd800 && cp <= 0xdfff))
                                return FLATSCAN_NOT_MINE;
                        if (cp < 0x80) {
                                *o++ = (char)cp;
                        } else if (cp < 0x800) {
                                *o++ = (char)(0xc0 | cp >> 6);
                                *o++ = (char)(0x80 | (cp & 0x3f));
                        } else {
                                *o++ = (char)(0xe0 | cp >> 12);
                                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                                *o++ = (char)(0x80 | (cp & 0x3f));
                        }
                        j += 6;
                        continue;
                default:
                        return FLATSCAN_NOT_MINE;
                }
                j += 2;
        }
        return FLATSCAN_NOT_MINE;
}

/* The string whose text starts at s[*i] (after its quote).  Keys may not
 * hold escapes.  0 with *val, *vlen and *i past the closing quote;
 * FLATSCAN_NOT_MINE. */
static int fs_string(struct flatscan *fs, const char *s, size_t n, size_t *i, bool key, const char **val,
                     size_t *vlen)
{
        size_t start = *i, j = fs_plain_run(s, n, start);

        if (j == n || (unsigned char)s[j] < 0x20)
                return FLATSCAN_NOT_MINE;
        if (s[j] == '\\')
                return key ? FLATSCAN_NOT_MINE : fs_unescape(fs, s, n, start, j, i, val, vlen);
        *val = s + start;
        *vlen = j - start;
        *i = j + 1;
        return 0;
}

/* A key as the scan read it. */
struct fs_keyref {
        const char *text;       /* into the input */
        size_t len;
        const char *name;       /* interned, or NULL (new, or not internable) */
        uint32_t id;            /* intern_id(name) */
        enum fs_key kind;
};

/* Whether the input at s[j] is e's key and its closing quote. */
static bool fs_next_is(const struct fs_next *e, const char *prev, const char *s, size_t n, size_t j)
{
        return e->name && e->prev == prev && e->len < n - j && s[j + e->len] == '"' &&
               memcmp(s + j, e->name, e->len) == 0;
}

/* Make e the set's most recent entry (e within set). */
static void fs_next_front(struct fs_next *set, struct fs_next *e)
{
        struct fs_next t = *e;

        memmove(set + 1, set, (size_t)(e - set) * sizeof(*set));
        set[0] = t;
}

/* The key whose text starts at s[*i] (after its quote), following the key
 * `prev` (its name NULL: none) when `known`, else following a key whose
 * name is not known.  0 with *k and *i past the closing quote;
 * FLATSCAN_NOT_MINE. */
static int fs_key(struct flatscan *fs, const char *s, size_t n, size_t *i, bool known,
                  const struct fs_keyref *prev, struct fs_keyref *k)
{
        struct fs_next *set = fs->next[(prev->name ? prev->id + 1 : 0) & (FS_NEXT_SETS - 1)];
        size_t j = *i;

        for (int w = 0; known && w < FS_NEXT_WAYS; w++) {
                struct fs_next *e = &set[w];

                if (!fs_next_is(e, prev->name, s, n, j))
                        continue;
                *k = (struct fs_keyref){ .text = s + j, .len = e->len, .name = e->name, .id = e->id,
                                         .kind = e->kind };
                *i = j + e->len + 1;
                if (w > 0)
                        fs_next_front(set, e);
                return 0;
        }
        if (fs_string(fs, s, n, i, true, &k->text, &k->len) != 0)
                return FLATSCAN_NOT_MINE;
        k->kind = fs_key_of(k->text, k->len);
        /* only a lookup: names are interned, in input order, when the
         * event's fields are set (fs_fields) */
        k->name = intern_find(k->text, k->len);
        k->id = k->name ? intern_id(k->name) : 0;
        if (known && k->name) {
                set[FS_NEXT_WAYS - 1] = (struct fs_next){ .prev = prev->name, .name = k->name,
                                                          .len = (uint32_t)k->len, .id = k->id, .kind = k->kind };
                fs_next_front(set, &set[FS_NEXT_WAYS - 1]);
        }
        return 0;
}

static bool fs_digit(const char *s, size_t n, size_t j)
{
        return j < n && s[j] >= '0' && s[j] <= '9';
}

/* A number in strict JSON grammar at s[*i]: 0 with v (DV_INT or DV_DOUBLE,
 * its text as written) and *i past it; FLATSCAN_NOT_MINE for anything
 * else, -0, and integers json-c holds otherwise than as written (beyond
 * int64 below zero, beyond uint64 above). */
static int fs_number(const char *s, size_t n, size_t *i, struct dval *v)
{
        size_t j = *i, d0, d1;
        bool neg = s[j] == '-', integer = true;

        if (neg)
                j++;
        d0 = j;
        if (j < n && s[j] == '0')
                j++;
        else if (fs_digit(s, n, j))
                while (fs_digit(s, n, j))
                        j++;
        else
                return FLATSCAN_NOT_MINE;
        d1 = j;
        if (j < n && s[j] == '.') {
                integer = false;
                if (!fs_digit(s, n, ++j))
                        return FLATSCAN_NOT_MINE;
                while (fs_digit(s, n, j))
                        j++;
        }
        if (j < n && (s[j] == 'e' || s[j] == 'E')) {
                integer = false;
                j++;
                if (j < n && (s[j] == '+' || s[j] == '-'))
                        j++;
                if (!fs_digit(s, n, j))
                        return FLATSCAN_NOT_MINE;
                while (fs_digit(s, n, j))
                        j++;
        }
        if (integer) {
                if (neg && d1 - d0 == 1 && s[d0] == '0')
                        return FLATSCAN_NOT_MINE;
                if (decode_digits_beyond_64(s + d0, d1 - d0, neg))
                        return FLATSCAN_NOT_MINE;
        }
        *v = (struct dval){ .kind = integer ? DV_INT : DV_DOUBLE, .s = s + *i, .len = j - *i };
        *i = j;
        return 0;
}

/* One value at s[*i]: 0 with v and *i past it; FLATSCAN_NOT_MINE. */
static int fs_value(struct flatscan *fs, const char *s, size_t n, size_t *i, struct dval *v)
{
        size_t j = *i;

        switch (s[j]) {
        case '"':
                *i = j + 1;
                v->kind = DV_STRING;
                return fs_string(fs, s, n, i, false, &v->s, &v->len);
        case 't':
                if (n - j < 4 || memcmp(s + j, "true", 4) != 0)
                        return FLATSCAN_NOT_MINE;
                *v = (struct dval){ .kind = DV_BOOL, .s = "true", .len = 4 };
                *i = j + 4;
                return 0;
        case 'f':
                if (n - j < 5 || memcmp(s + j, "false", 5) != 0)
                        return FLATSCAN_NOT_MINE;
                *v = (struct dval){ .kind = DV_BOOL, .s = "false", .len = 5 };
                *i = j + 5;
                return 0;
        case 'n':
                if (n - j < 4 || memcmp(s + j, "null", 4) != 0)
                        return FLATSCAN_NOT_MINE;
                *v = (struct dval){ .kind = DV_ABSENT, .s = "", .len = 0 };
                *i = j + 4;
                return 0;
        default:
                if (s[j] == '-' || (s[j] >= '0' && s[j] <= '9'))
                        return fs_number(s, n, i, v);
                return FLATSCAN_NOT_MINE;       /* objects, arrays, NaN, single quotes ... */
        }
}

static int fs_add_pair(struct flatscan *fs, const struct fs_keyref *k, const struct dval *v, size_t vstart)
{
        uint32_t src = v->kind == DV_STRING ? (uint32_t)vstart + 1
                       : v->kind == DV_INT || v->kind == DV_DOUBLE ? (uint32_t)vstart : FS_NO_SRC;

        if (fs->npairs == fs->cap) {
                size_t cap = fs->cap ? fs->cap * 2 : 64;
                struct flat_pair *p = realloc(fs->pairs, cap * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                fs->pairs = p;
                fs->cap = cap;
        }
        fs->pairs[fs->npairs++] = (struct flat_pair){ .key = k->text, .key_len = (uint32_t)k->len, .name = k->name,
                                                      .val = v->s, .val_len = (uint32_t)v->len, .src = src };
        return 0;
}

/* The fields into ev.  The event gets one copy of the whole object, and
 * each value is made a string where its text was: a plain string ends
 * where its closing quote was, an unescaped one is written over its
 * escaped text (never shorter), a number ends on the byte after it (a
 * comma, a brace or a space).  So one copy instead of one per field; the
 * values of names intern() cannot take, and true, false and null, are
 * copied as before. */
static int fs_fields(void *ud, struct winevent *ev)
{
        const struct flatscan *fs = ud;
        char *copy = winevent_strndup(ev, fs->in, fs->in_len);

        if (!copy)
                return -ENOMEM;
        for (size_t k = 0; k < fs->npairs; k++) {
                const struct flat_pair *p = &fs->pairs[k];
                int r;

                if (p->name && p->src != FS_NO_SRC) {
                        char *v = copy + p->src;

                        if (p->val != fs->in + p->src)
                                memcpy(v, p->val, p->val_len);
                        v[p->val_len] = '\0';
                        r = winevent_set_field_interned_own(ev, p->name, v, p->val_len);
                } else {
                        r = p->name ? winevent_set_field_interned(ev, p->name, p->val, p->val_len)
                                    : winevent_set_field(ev, p->key, p->key_len, p->val, p->val_len);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The scan: fs->pairs in input order, sys from the last copy of each
 * system key, the dialect.  0, FLATSCAN_NOT_MINE or -ENOMEM. */
static int fs_scan(struct flatscan *fs, const char *s, size_t n, struct dsys *sys, enum dialect *dl)
{
        unsigned seen = 0;
        bool nxlog = false, ee = false, known = true;
        struct fs_keyref prev = { .name = NULL };
        size_t i;

        fs->npairs = 0;
        fs->buf_len = 0;
        if (n > fs->buf_cap) {
                char *b = realloc(fs->buf, n);
                if (!b)
                        return -ENOMEM;
                fs->buf = b;
                fs->buf_cap = n;
        }
        memset(sys, 0, sizeof(*sys));
        i = fs_ws(s, n, 0);
        if (i == n || s[i] != '{')
                return FLATSCAN_NOT_MINE;
        i = fs_ws(s, n, i + 1);
        for (;;) {
                struct fs_keyref key;
                struct dval v;
                int r;

                if (i == n || s[i] != '"')
                        return FLATSCAN_NOT_MINE;       /* also {} and a trailing comma */
                i++;
                if (fs_key(fs, s, n, &i, known, &prev, &key) != 0)
                        return FLATSCAN_NOT_MINE;
                prev = key;
                known = key.name != NULL;
                i = fs_ws(s, n, i);
                if (i == n || s[i] != ':')
                        return FLATSCAN_NOT_MINE;
                i = fs_ws(s, n, i + 1);
                size_t vstart = i;
                if (i == n || fs_value(fs, s, n, &i, &v) != 0)
                        return FLATSCAN_NOT_MINE;

                enum fs_key k = key.kind;
                if (k != FK_NONE) {
                        bool ident = k == FK_EVENT_ID || k == FK_HOSTNAME || k == FK_CHANNEL || k == FK_IDENT_OTHER;
                        unsigned bit = 1u << k;

                        /* the FK_IDENT_OTHER names share a bit: a second
                         * one, even of another name, goes to json-c, which
                         * judges precisely */
                        if (ident && (seen & bit))
                                return FLATSCAN_NOT_MINE;
                        seen |= bit;
                        switch (k) {
                        case FK_EVENT_ID: sys->event_id = v; nxlog = true; break;
                        case FK_HOSTNAME: sys->host = v; nxlog = true; break;
                        case FK_CHANNEL: sys->channel = v; nxlog = true; break;
                        case FK_SOURCE_NAME: sys->provider = v; nxlog = true; break;
                        case FK_RECORD_NUMBER: sys->record_id = v; break;
                        case FK_EVENT_TIME: sys->time = v; nxlog = true; break;
                        case FK_EXECUTION_PID: ee = true; break;
                        default: break;
                        }
                }
                if ((r = fs_add_pair(fs, &key, &v, vstart)) < 0)
                        return r;

                i = fs_ws(s, n, i);
                if (i == n)
                        return FLATSCAN_NOT_MINE;
                if (s[i] == ',') {
                        i = fs_ws(s, n, i + 1);
                        continue;
                }
                if (s[i] != '}')
                        return FLATSCAN_NOT_MINE;
                break;
        }
        if (fs_ws(s, n, i + 1) != n || !nxlog)
                return FLATSCAN_NOT_MINE;
        /* as dialect_detect(): ExecutionProcessID, or an ISO EventTime */
        if (sys->time.kind == DV_STRING && sys->time.len > 10 && sys->time.s[10] == 'T')
                ee = true;
        *dl = ee ? DIALECT_NXLOG_EE : DIALECT_NXLOG_CE;
        return 0;
}

int flatscan_decode(struct flatscan *fs, const char *json, size_t len, const struct decode_ctx *ctx,
                    struct winevent *ev, const struct decode_fail *f)
{
        struct dsys sys;
        enum dialect dl;
        int r;

        if (len == 0 || len > INT_MAX)
                return FLATSCAN_NOT_MINE;
        if (fs->epoch != intern_epoch()) {
                memset(fs->next, 0, sizeof(fs->next));
                fs->epoch = intern_epoch();
        }
        r = fs_scan(fs, json, len, &sys, &dl);
        if (r != 0)
                return r;
        fs->in = json;
        fs->in_len = len;
        return decode_map(ctx, dl, &sys, fs_fields, fs, ev, f);
}
