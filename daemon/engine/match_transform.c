/* Value transforms: base64, base64offset, utf16le / wide, utf16be, utf16,
 * windash, expand.  Each rewrites the list of variants of one YAML value
 * (struct match_build.vals), in the order the modifiers are written, as
 * pySigma does; the comparison then compiles the variants (OR).
 *
 *  - base64: standard alphabet, with '=' padding; a value with wildcards
 *    cannot be encoded (-EINVAL, as pySigma).
 *  - base64offset: for shift i = 0, 1, 2: base64(i spaces + value) minus
 *    the first (0, 2, 3)[i] characters and, depending on (len + i) % 3,
 *    the last (0, 3, 2) characters that depend on the bytes around the
 *    value (pySigma SigmaBase64OffsetModifier).  An empty slice (values of
 *    one or two bytes) is dropped: it would match everything.
 *  - utf16le / wide, utf16be, utf16 (FF FE + LE): from UTF-8 (invalid
 *    UTF-8 is -EINVAL); wildcards stay wildcards.
 *  - windash: every '-' or '/' that starts a word (pySigma regex
 *    `\B[-/]\b`: not preceded by a word character, followed by one) is
 *    replaced by each of '-', '/', U+2013, U+2014, U+2015, independently:
 *    n such dashes give 5^n variants (spec: "all possible permutations").
 *    Word characters: ASCII letters, digits, '_' and any non-ASCII byte.
 *  - expand: each %name% (name of word characters) is replaced by each
 *    value of env->placeholders[name] (a cartesian product over several
 *    placeholders); placeholder values are Sigma strings (their wildcards
 *    count), verbatim for re / cidr.  A placeholder without values is
 *    -ENOTSUP: the spec says such rules cannot be used. */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "match_impl.h"

static int oom(char *err, size_t errlen)
{
        return match_errf(err, errlen, -ENOMEM, "out of memory");
}

/* ---- base64 -------------------------------------------------------------- */

static int b64_encode(struct mstr *out, const unsigned char *in, size_t n)
{
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t i = 0;

        *out = (struct mstr){ 0 };
        if (mstr_reserve(out, (n + 2) / 3 * 4 + 1) < 0)
                return -ENOMEM;
        for (; i + 2 < n; i += 3) {
                unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
                char q[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63] };
                mstr_put(out, q, 4, MS_LIT);
        }
        if (i < n) {
                unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
                char q[4] = { tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=', '=' };
                mstr_put(out, q, 4, MS_LIT);
        }
        return 0;
}

static int no_wildcards(const struct mstr_list *l, const char *name, char *err, size_t errlen)
{
        for (size_t i = 0; i < l->n; i++)
                if (mstr_has_wildcards(&l->v[i]))
                        return match_errf(err, errlen, -EINVAL,
                                          "'%s': a value with wildcards cannot be encoded", name);
        return 0;
}

int match_base64_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        int r = no_wildcards(&b->vals, op->name, err, errlen);

        if (r < 0)
                return r;
        for (size_t i = 0; i < b->vals.n; i++) {
                struct mstr e;
                if (b64_encode(&e, b->vals.v[i].b, b->vals.v[i].len) < 0) {
                        mstr_free(&e);
                        return oom(err, errlen);
                }
                mstr_free(&b->vals.v[i]);
                b->vals.v[i] = e;
        }
        return 0;
}

int match_base64offset_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        static const size_t start[3] = { 0, 2, 3 }, end_cut[3] = { 0, 3, 2 };
        struct mstr_list out = { 0 };
        int r = no_wildcards(&b->vals, op->name, err, errlen);

        if (r < 0)
                return r;
        for (size_t k = 0; k < b->vals.n; k++) {
                const struct mstr *v = &b->vals.v[k];
                for (size_t i = 0; i < 3; i++) {
                        struct mstr in = { 0 }, e = { 0 }, cut = { 0 };
                        if (mstr_put(&in, "  ", i, MS_LIT) < 0 || mstr_put(&in, v->b, v->len, MS_LIT) < 0 ||
                            b64_encode(&e, in.b, in.len) < 0) {
                                mstr_free(&in);
                                mstr_free(&e);
                                goto nomem;
                        }
                        size_t from = start[i], to = e.len - end_cut[(v->len + i) % 3];
                        mstr_free(&in);
                        if (to > from && (mstr_put(&cut, e.b + from, to - from, MS_LIT) < 0 ||
                                          mstr_list_push(&out, &cut) < 0)) {
                                mstr_free(&e);
                                mstr_free(&cut);
                                goto nomem;
                        }
                        mstr_free(&e);
                }
        }
        if (out.n == 0) {
                free(out.v);
                return match_errf(err, errlen, -EINVAL, "'%s': the value is too short to be found", op->name);
        }
        mstr_list_clear(&b->vals);
        free(b->vals.v);
        b->vals = out;
        return 0;
nomem:
        mstr_list_clear(&out);
        free(out.v);
        return oom(err, errlen);
}

/* ---- UTF-16 ---------------------------------------------------------------- */

/* Decode one UTF-8 code point at s[*i]; -1 when invalid. */
static long utf8_decode(const unsigned char *s, size_t n, size_t *i)
{
        unsigned char c = s[*i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        static const long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };

        if (!len || *i + len > n)
                return -1;
        long cp = len == 1 ? c : c & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
                if ((s[*i + k] & 0xc0) != 0x80)
                        return -1;
                cp = cp << 6 | (s[*i + k] & 0x3f);
        }
        if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return -1;
        *i += len;
        return cp;
}

static int put_unit(struct mstr *o, unsigned u, bool be)
{
        unsigned char b[2] = { be ? u >> 8 : u & 0xff, be ? u & 0xff : u >> 8 };
        return mstr_put(o, b, 2, MS_LIT);
}

static int utf16_one(struct mstr *o, const struct mstr *v, int mode)
{
        bool be = mode == MUTF16_BE;

        *o = (struct mstr){ 0 };
        if (mode == MUTF16_BOM && mstr_put(o, "\xff\xfe", 2, MS_LIT) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < v->len;) {
                if (v->sp[i] != MS_LIT) {
                        if (mstr_put(o, &v->b[i], 1, v->sp[i]) < 0)
                                return -ENOMEM;
                        i++;
                        continue;
                }
                long cp = utf8_decode(v->b, v->len, &i);
                if (cp < 0)
                        return -EINVAL;
                int r = cp < 0x10000 ? put_unit(o, (unsigned)cp, be)
                                     : (put_unit(o, 0xd800 | (unsigned)((cp - 0x10000) >> 10), be) < 0 ? -ENOMEM
                                        : put_unit(o, 0xdc00 | (unsigned)((cp - 0x10000) & 0x3ff), be));
                if (r < 0)
                        return r;
        }
        return 0;
}

int match_utf16_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        for (size_t i = 0; i < b->vals.n; i++) {
                struct mstr o;
                int r = utf16_one(&o, &b->vals.v[i], op->arg);
                if (r < 0) {
                        mstr_free(&o);
                        return r == -EINVAL ? match_errf(err, errlen, r, "'%s': the value is not valid UTF-8", op->name)
                                            : oom(err, errlen);
                }
                mstr_free(&b->vals.v[i]);
                b->vals.v[i] = o;
        }
        return 0;
}

/* ---- windash ---------------------------------------------------------------- */

static const char *const windash_alts[5] = { "-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95" };

static bool is_word(const struct mstr *v, size_t i)
{
        unsigned char c = v->b[i];

        return v->sp[i] == MS_LIT && (c == '_' || c >= 0x80 || (c >= '0' && c <= '9') ||
                                      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

static bool windash_at(const struct mstr *v, size_t i)
{
        return v->sp[i] == MS_LIT && (v->b[i] == '-' || v->b[i] == '/') && (i == 0 || !is_word(v, i - 1)) &&
               i + 1 < v->len && is_word(v, i + 1);
}

int match_windash_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        struct mstr_list out = { 0 };

        for (size_t k = 0; k < b->vals.n; k++) {
                const struct mstr *v = &b->vals.v[k];
                size_t ndash = 0, total = 1;
                for (size_t i = 0; i < v->len; i++)
                        ndash += windash_at(v, i);
                for (size_t d = 0; d < ndash; d++)
                        if ((total *= 5) > MATCH_VARIANTS_MAX)
                                goto toomany;
                if (out.n + total > MATCH_VARIANTS_MAX)
                        goto toomany;
                /* variant number t: digit d (base 5) picks the d-th dash's replacement */
                for (size_t t = 0; t < total; t++) {
                        struct mstr o = { 0 };
                        size_t digits = t;
                        for (size_t i = 0; i < v->len; i++) {
                                int r;
                                if (windash_at(v, i)) {
                                        const char *alt = windash_alts[digits % 5];
                                        digits /= 5;
                                        r = mstr_put(&o, alt, strlen(alt), MS_LIT);
                                } else {
                                        r = mstr_put(&o, &v->b[i], 1, v->sp[i]);
                                }
                                if (r < 0) {
                                        mstr_free(&o);
                                        goto nomem;
                                }
                        }
                        if (mstr_list_push(&out, &o) < 0) {
                                mstr_free(&o);
                                goto nomem;
                        }
                }
        }
        mstr_list_clear(&b->vals);
        free(b->vals.v);
        b->vals = out;
        return 0;
toomany:
        mstr_list_clear(&out);
        free(out.v);
        return match_errf(err, errlen, -EINVAL, "'%s': more than %d variants", op->name, MATCH_VARIANTS_MAX);
nomem:
        mstr_list_clear(&out);
        free(out.v);
        return oom(err, errlen);
}

/* ---- expand -------------------------------------------------------------------- */

static bool is_name_char(const struct mstr *v, size_t i)
{
        unsigned char c = v->b[i];

        return v->sp[i] == MS_LIT && c < 0x80 && (c == '_' || (c >= '0' && c <= '9') ||
                                                  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/* The next placeholder at or after `from`: [*ps, *pe) spans "%name%". */
static bool next_placeholder(const struct mstr *v, size_t from, size_t *ps, size_t *pe)
{
        for (size_t i = from; i < v->len; i++) {
                if (v->sp[i] != MS_LIT || v->b[i] != '%')
                        continue;
                size_t j = i + 1;
                while (j < v->len && is_name_char(v, j))
                        j++;
                if (j > i + 1 && j < v->len && v->sp[j] == MS_LIT && v->b[j] == '%') {
                        *ps = i;
                        *pe = j + 1;
                        return true;
                }
        }
        return false;
}

/* Append to `out` every expansion of v[from..]: prefix + each expansion. */
static int expand_tail(struct match_build *b, const struct mstr *v, size_t from, const struct mstr *prefix,
                       struct mstr_list *out, char *err, size_t errlen)
{
        size_t ps, pe;

        if (!next_placeholder(v, from, &ps, &pe)) {
                struct mstr o;
                if (mstr_dup(&o, prefix) < 0 || mstr_put(&o, v->b + from, v->len - from, MS_LIT) < 0) {
                        mstr_free(&o);
                        goto nomem;
                }
                memcpy(o.sp + prefix->len, v->sp + from, v->len - from);
                if (out->n >= MATCH_VARIANTS_MAX) {
                        mstr_free(&o);
                        return match_errf(err, errlen, -EINVAL, "'expand': more than %d variants",
                                          MATCH_VARIANTS_MAX);
                }
                if (mstr_list_push(out, &o) < 0) {
                        mstr_free(&o);
                        goto nomem;
                }
                return 0;
        }

        char name[128];
        struct json_object *vals = NULL;
        size_t nlen = pe - ps - 2;
        if (nlen >= sizeof(name))
                return match_errf(err, errlen, -ENOTSUP, "placeholder name too long");
        memcpy(name, v->b + ps + 1, nlen);
        name[nlen] = '\0';
        if (!b->env->placeholders || !json_object_object_get_ex(b->env->placeholders, name, &vals) || !vals ||
            (json_object_is_type(vals, json_type_array) && json_object_array_length(vals) == 0))
                return match_errf(err, errlen, -ENOTSUP, "placeholder %%%s%% has no value", name);

        bool list = json_object_is_type(vals, json_type_array);
        size_t n = list ? json_object_array_length(vals) : 1;
        for (size_t k = 0; k < n; k++) {
                struct json_object *pv = list ? json_object_array_get_idx(vals, k) : vals;
                size_t tlen;
                const char *text = pv ? match_scalar_text(pv, &tlen) : NULL;
                struct mstr pre, val;
                int r;
                if (!text)
                        return match_errf(err, errlen, -EINVAL, "placeholder %%%s%%: values must be strings", name);
                if (mstr_dup(&pre, prefix) < 0 || mstr_put(&pre, v->b + from, ps - from, MS_LIT) < 0) {
                        mstr_free(&pre);
                        goto nomem;
                }
                memcpy(pre.sp + prefix->len, v->sp + from, ps - from);
                if (mstr_parse(&val, text, tlen, b->raw) < 0 || mstr_reserve(&pre, val.len) < 0) {
                        mstr_free(&pre);
                        mstr_free(&val);
                        goto nomem;
                }
                memcpy(pre.b + pre.len, val.b, val.len);
                memcpy(pre.sp + pre.len, val.sp, val.len);
                pre.len += val.len;
                mstr_free(&val);
                r = expand_tail(b, v, pe, &pre, out, err, errlen);
                mstr_free(&pre);
                if (r < 0)
                        return r;
        }
        return 0;
nomem:
        return oom(err, errlen);
}

int match_expand_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        struct mstr_list out = { 0 };
        struct mstr empty = { 0 };

        for (size_t k = 0; k < b->vals.n; k++) {
                int r = expand_tail(b, &b->vals.v[k], 0, &empty, &out, err, errlen);
                if (r < 0) {
                        mstr_list_clear(&out);
                        free(out.v);
                        return r;
                }
        }
        mstr_list_clear(&b->vals);
        free(b->vals.v);
        b->vals = out;
        return 0;
}
