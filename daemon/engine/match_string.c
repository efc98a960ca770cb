/* Sigma strings: parsing (wildcards and escapes), and the rows equals,
 * contains, startswith, endswith, which compile each value into the
 * cheapest matcher: any / exact / prefix / suffix / substring, or a glob.
 *
 * Case-insensitive matching (the Sigma default) folds ASCII letters only:
 * the pattern is lower-cased once at compile time, the event value once per
 * event and field (winevent_field_lower, handed in as `lower`), so the
 * comparison itself is exact; without `lower` (ENOMEM) the event bytes go
 * through match_lower[] while comparing.  Non-ASCII letters compare byte for byte
 * ("É" does not match "é"); `cased` compares every byte exactly.
 *
 * Escapes (Sigma spec, "Escaping"): `\*` and `\?` are a literal star and
 * question mark, `\\` is one backslash, and a backslash before any other
 * character is itself literal, so "C:\Windows\" works unchanged.
 * `?` matches one character: one byte, or a whole UTF-8 sequence. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "match_impl.h"

#define L(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))
#define L4(c) L(c), L(c + 1), L(c + 2), L(c + 3)
#define L16(c) L4(c), L4(c + 4), L4(c + 8), L4(c + 12)
#define L64(c) L16(c), L16(c + 16), L16(c + 32), L16(c + 48)
const unsigned char match_lower[256] = { L64(0), L64(64), L64(128), L64(192) };

/* ---- struct mstr ---------------------------------------------------------- */

void mstr_free(struct mstr *s)
{
        free(s->b);
        free(s->sp);
        *s = (struct mstr){ 0 };
}

void mstr_list_clear(struct mstr_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                mstr_free(&l->v[i]);
        l->n = 0;
}

int mstr_reserve(struct mstr *s, size_t extra)
{
        if (s->len + extra <= s->cap && s->b)
                return 0;
        size_t cap = s->cap ? s->cap : 16;
        while (cap < s->len + extra)
                cap *= 2;
        unsigned char *b = realloc(s->b, cap);
        if (!b)
                return -ENOMEM;
        s->b = b;
        unsigned char *sp = realloc(s->sp, cap);
        if (!sp)
                return -ENOMEM;
        s->sp = sp;
        s->cap = cap;
        return 0;
}

int mstr_put(struct mstr *s, const void *b, size_t n, unsigned char kind)
{
        if (mstr_reserve(s, n) < 0)
                return -ENOMEM;
        if (n)
                memcpy(s->b + s->len, b, n);
        memset(s->sp + s->len, kind, n);
        s->len += n;
        return 0;
}

int mstr_dup(struct mstr *dst, const struct mstr *src)
{
        *dst = (struct mstr){ 0 };
        if (mstr_reserve(dst, src->len) < 0) {
                mstr_free(dst);
                return -ENOMEM;
        }
        if (src->len) {
                memcpy(dst->b, src->b, src->len);
                memcpy(dst->sp, src->sp, src->len);
        }
        dst->len = src->len;
        return 0;
}

int mstr_list_push(struct mstr_list *l, struct mstr *s)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 4;
                struct mstr *v = realloc(l->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n++] = *s;
        *s = (struct mstr){ 0 };
        return 0;
}

bool mstr_has_wildcards(const struct mstr *s)
{
        for (size_t i = 0; i < s->len; i++)
                if (s->sp[i] != MS_LIT)
                        return true;
        return false;
}

int mstr_parse(struct mstr *out, const char *s, size_t len, bool raw)
{
        *out = (struct mstr){ 0 };
        if (mstr_reserve(out, len) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i], kind = MS_LIT;
                if (!raw && c == '\\' && i + 1 < len && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
                        c = (unsigned char)s[++i];
                else if (!raw && c == '*')
                        kind = MS_STAR;
                else if (!raw && c == '?')
                        kind = MS_ONE;
                out->b[out->len] = c;
                out->sp[out->len++] = kind;
        }
        return 0;
}

const char *match_scalar_text(struct json_object *v, size_t *len)
{
        const char *t;

        switch (json_object_get_type(v)) {
        case json_type_string:
                *len = (size_t)json_object_get_string_len(v);
                return json_object_get_string(v);
        case json_type_boolean:
                t = json_object_get_boolean(v) ? "true" : "false";
                break;
        case json_type_int:
        case json_type_double:
                t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
                break;
        default:
                return NULL;
        }
        *len = strlen(t);
        return t;
}

/* a (event bytes) equals lower (a lower-cased pattern), ASCII-folded. */
bool match_ci_eq(const unsigned char *a, const unsigned char *lower, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (match_lower[a[i]] != lower[i])
                        return false;
        return true;
}

/* ---- compile ----------------------------------------------------------------- */

/* pattern = [*] variant [*], runs of '*' collapsed. */
static int lit_build(struct mstr *p, const struct mstr *v, unsigned wild)
{
        static const unsigned char star = '*';

        *p = (struct mstr){ 0 };
        if (mstr_reserve(p, v->len + 2) < 0)
                return -ENOMEM;
        if (wild & MWILD_LEAD)
                mstr_put(p, &star, 1, MS_STAR);
        for (size_t i = 0; i < v->len; i++) {
                if (v->sp[i] == MS_STAR && p->len && p->sp[p->len - 1] == MS_STAR)
                        continue;
                mstr_put(p, &v->b[i], 1, v->sp[i]);
        }
        if ((wild & MWILD_TRAIL) && !(p->len && p->sp[p->len - 1] == MS_STAR))
                mstr_put(p, &star, 1, MS_STAR);
        return 0;
}

static int lit_kind(const struct mstr *p, size_t *from, size_t *to)
{
        size_t nspecial = 0;
        bool lead, trail;

        for (size_t i = 0; i < p->len; i++)
                nspecial += p->sp[i] != MS_LIT;
        lead = p->len && p->sp[0] == MS_STAR;
        trail = p->len && p->sp[p->len - 1] == MS_STAR;
        *from = 0;
        *to = p->len;
        if (nspecial == 0)
                return MLIT_EXACT;
        if (p->len == 1 && lead)
                return MLIT_ANY;
        if (nspecial == 2 && lead && trail) {
                *from = 1;
                *to = p->len - 1;
                return MLIT_SUBSTR;
        }
        if (nspecial == 1 && lead) {
                *from = 1;
                return MLIT_SUFFIX;
        }
        if (nspecial == 1 && trail) {
                *to = p->len - 1;
                return MLIT_PREFIX;
        }
        return MLIT_GLOB;
}

static int lit_compile_one(struct match_build *b, const struct match_op *op, const struct mstr *var)
{
        struct mstr p;
        size_t from, to;

        if (lit_build(&p, var, (unsigned)op->arg) < 0)
                return -ENOMEM;
        struct match_value *v = match_item_add_value(b->item, op, match_string_match);
        if (!v) {
                mstr_free(&p);
                return -ENOMEM;
        }
        v->u.lit.kind = lit_kind(&p, &from, &to);
        v->u.lit.cased = b->sp->cased;
        v->u.lit.len = to - from;
        if (!(v->u.lit.pat = malloc(v->u.lit.len + 1))) {
                mstr_free(&p);
                return -ENOMEM;
        }
        for (size_t i = 0; i < v->u.lit.len; i++) {
                unsigned char c = p.b[from + i];
                v->u.lit.pat[i] = v->u.lit.cased ? c : match_lower[c];
        }
        if (v->u.lit.kind == MLIT_GLOB) {      /* from = 0, to = p.len: take the kinds */
                v->u.lit.sp = p.sp;
                p.sp = NULL;
        }
        mstr_free(&p);
        if (v->u.lit.kind == MLIT_SUBSTR && !v->u.lit.cased && v->u.lit.len >= 2) {
                size_t m = v->u.lit.len;
                if (!(v->u.lit.skip = malloc(256)))
                        return -ENOMEM;
                memset(v->u.lit.skip, m > 255 ? 255 : (int)m, 256);
                for (size_t i = 0; i + 1 < m; i++) {
                        size_t sh = m - 1 - i;
                        v->u.lit.skip[v->u.lit.pat[i]] = sh > 255 ? 255 : (uint8_t)sh;
                }
        }
        return 0;
}

int match_string_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        for (size_t i = 0; i < b->vals.n; i++)
                if (lit_compile_one(b, op, &b->vals.v[i]) < 0)
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
        return 0;
}

void match_string_free(struct match_value *v)
{
        free(v->u.lit.pat);
        free(v->u.lit.sp);
        free(v->u.lit.skip);
}

void match_string_needle(const struct match_value *v, const unsigned char **b, size_t *len, bool *cased)
{
        *b = v->u.lit.pat;
        *len = v->u.lit.kind == MLIT_ANY ? 0 : v->u.lit.len;
        *cased = v->u.lit.cased;
        if (v->u.lit.kind != MLIT_GLOB)
                return;
        /* a glob: its longest run of literal bytes ('?' is any one character) */
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < v->u.lit.len;) {
                size_t j = i;
                while (j < v->u.lit.len && v->u.lit.sp[j] == MS_LIT)
                        j++;
                if (j - i > best_len) {
                        best = i;
                        best_len = j - i;
                }
                i = j + 1;
        }
        *b = v->u.lit.pat + best;
        *len = best_len;
}

/* ---- evaluation ------------------------------------------------------------ */

static inline bool lit_eq(const unsigned char *s, const unsigned char *pat, size_t n, bool cased)
{
        return cased ? memcmp(s, pat, n) == 0 : match_ci_eq(s, pat, n);
}

/* Horspool over ASCII-folded bytes; pat is lower-cased, m >= 2. */
static bool substr_ci(const unsigned char *h, size_t n, const unsigned char *pat, size_t m, const uint8_t *skip)
{
        size_t i = 0;

        while (i + m <= n) {
                unsigned char c = match_lower[h[i + m - 1]];
                if (c == pat[m - 1] && match_ci_eq(h + i, pat, m - 1))
                        return true;
                i += skip[c];
        }
        return false;
}

/* Horspool over folded bytes (winevent_field_lower); pat is lower-cased, m >= 2.
 * memmem() would rebuild its shift table on every call. */
static bool substr_folded(const unsigned char *h, size_t n, const unsigned char *pat, size_t m,
                          const uint8_t *skip)
{
        const unsigned char last = pat[m - 1];

        for (size_t i = 0; i + m <= n;) {
                unsigned char c = h[i + m - 1];
                if (c == last && memcmp(h + i, pat, m - 1) == 0)
                        return true;
                i += skip[c];
        }
        return false;
}

/* cased: compare bytes exactly (a `cased` value, or h holds folded bytes). */
static bool substr(const unsigned char *h, size_t n, const struct match_value *v, bool cased)
{
        const unsigned char *pat = v->u.lit.pat;
        size_t m = v->u.lit.len;

        if (m == 0)
                return true;
        if (m > n)
                return false;
        if (cased && v->u.lit.skip)
                return substr_folded(h, n, pat, m, v->u.lit.skip);
        if (cased)
                return memmem(h, n, pat, m) != NULL;
        if (m == 1) {
                for (size_t i = 0; i < n; i++)
                        if (match_lower[h[i]] == pat[0])
                                return true;
                return false;
        }
        return substr_ci(h, n, pat, m, v->u.lit.skip);
}

/* Index after the character at s[i]: one byte, or a UTF-8 sequence. */
static inline size_t utf8_next(const unsigned char *s, size_t n, size_t i)
{
        if (s[i++] >= 0xc0)
                while (i < n && (s[i] & 0xc0) == 0x80)
                        i++;
        return i;
}

/* Iterative glob with single star backtracking: O(n*m) worst case, no
 * recursion, no allocation. */
static bool glob(const unsigned char *s, size_t n, const struct match_value *v, bool cased)
{
        const unsigned char *pat = v->u.lit.pat, *sp = v->u.lit.sp;
        size_t m = v->u.lit.len, p = 0, i = 0, star = SIZE_MAX, mark = 0;

        while (i < n) {
                if (p < m && sp[p] == MS_ONE) {
                        p++;
                        i = utf8_next(s, n, i);
                } else if (p < m && sp[p] == MS_LIT && (cased ? s[i] == pat[p] : match_lower[s[i]] == pat[p])) {
                        p++;
                        i++;
                } else if (p < m && sp[p] == MS_STAR) {
                        star = p++;
                        mark = i;
                } else if (star != SIZE_MAX) {
                        p = star + 1;
                        i = ++mark;
                } else {
                        return false;
                }
        }
        while (p < m && sp[p] == MS_STAR)
                p++;
        return p == m;
}

enum tri match_string_match(const struct match_value *v, const struct winevent *ev, const char *str, size_t n,
                          const char *lower)
{
        const unsigned char *s = (const unsigned char *)str;
        const unsigned char *pat = v->u.lit.pat;
        size_t m = v->u.lit.len;
        bool cased = v->u.lit.cased;
        bool ok;

        /* On folded bytes, a case-insensitive comparison is an exact one:
         * match_lower[s[i]] == pat[i] exactly when lower[i] == pat[i]. */
        if (!cased && lower) {
                s = (const unsigned char *)lower;
                cased = true;
        }
        switch (v->u.lit.kind) {
        case MLIT_ANY:
                ok = true;
                break;
        case MLIT_EXACT:
                ok = n == m && lit_eq(s, pat, m, cased);
                break;
        case MLIT_PREFIX:
                ok = n >= m && lit_eq(s, pat, m, cased);
                break;
        case MLIT_SUFFIX:
                ok = n >= m && lit_eq(s + n - m, pat, m, cased);
                break;
        case MLIT_SUBSTR:
                ok = substr(s, n, v, cased);
                break;
        default:
                ok = glob(s, n, v, cased);
                break;
        }
        return ok ? TRI_YES : TRI_NO;
}

/* `null`: the field is absent or empty. */
enum tri match_null_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower)
{
        return !s || len == 0 ? TRI_YES : TRI_NO;
}
