/* Comparisons other than string equality: re, cidr, lt / lte / gt / gte,
 * exists, and the subjects fieldref and minute ... year.
 *
 *  - re: PCRE2, compiled once with PCRE2_UTF | PCRE2_MATCH_INVALID_UTF
 *    (the pattern must be valid UTF-8; an event value with invalid UTF-8
 *    is still searched, invalid sequences match nothing), JIT-compiled when
 *    available, searched unanchored (re.search semantics, as SigmaHQ rules
 *    assume).  Case-sensitive unless `i` (spec).  A match limit of
 *    MATCH_RE_LIMIT bounds hostile values: hitting it (or any other match
 *    error) counts as NO.  The match data is preallocated per value:
 *    evaluation is single-threaded per compiled item.
 *  - cidr: IPv4 or IPv6 network; the event value is parsed with
 *    inet_pton (a "%zone" suffix is ignored).  An IPv4-mapped IPv6 value
 *    (::ffff:10.1.2.3) is compared as IPv4 against an IPv4 network, and
 *    an IPv4 value as ::ffff:a.b.c.d against an IPv6 network.  Host bits
 *    in the network are ignored.  An unparsable event value is NO.
 *  - lt/lte/gt/gte: the YAML value is a number (or a numeric string); the
 *    event value is trimmed and read as a decimal integer, a 0x hex
 *    integer, or a floating point number; anything else is NO.  Integers
 *    compare exactly as int64, otherwise as double.
 *  - exists: true → YES when the field is present (even empty), false →
 *    YES when absent; never UNKNOWN.
 *  - fieldref: the value names another Sigma field (mapped through
 *    map_field); the two values are compared for equality, or with
 *    contains / startswith / endswith, ASCII case-insensitively unless
 *    `cased`.  Either field absent or unavailable → UNKNOWN.
 *  - minute/hour/day/week/month/year: the event field holds a timestamp
 *    "YYYY-MM-DD[T ]HH:MM[:SS[.f]][zone]"; the part is read as written (no
 *    zone conversion, spec: "not designed to handle timezone"); week is
 *    the ISO 8601 week (1..53).  Compared numerically: equality, or
 *    lt/lte/gt/gte when combined (`|hour|gte: 8`).  An unparsable
 *    timestamp is NO. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "match_impl.h"
#include "spoor/intern.h"
#include "spoor/log.h"

#define MATCH_RE_LIMIT 100000
#define MATCH_RE_DEPTH 10000

static bool match_jit_warned;   /* the JIT failure is logged once per process */

/* ---- re ---------------------------------------------------------------------- */

void match_re_free(struct match_value *v)
{
        free(v->u.re.lit);
        pcre2_match_data_free(v->u.re.md);
        pcre2_match_context_free(v->u.re.mctx);
        pcre2_code_free(v->u.re.code);
}

int match_re_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        for (size_t i = 0; i < b->vals.n; i++) {
                const struct mstr *p = &b->vals.v[i];
                int ec;
                PCRE2_SIZE eoff;
                struct match_value *v = match_item_add_value(b->item, op, match_re_match);
                if (!v)
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
                v->u.re.code = pcre2_compile(p->len ? p->b : (PCRE2_SPTR)"", p->len,
                                             b->sp->re_flags | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eoff,
                                             NULL);
                if (!v->u.re.code) {
                        PCRE2_UCHAR msg[160];
                        pcre2_get_error_message(ec, msg, sizeof(msg));
                        return match_errf(err, errlen, -EINVAL, "bad regular expression at offset %zu: %s",
                                          (size_t)eoff, (const char *)msg);
                }
                /* the interpreter when JIT fails, or when SPOOR_PCRE2_JIT=0 asks
                 * for it (valgrind cannot follow JIT code: tests/meson.build) */
                const char *jit = getenv("SPOOR_PCRE2_JIT");
                ec = jit && strcmp(jit, "0") == 0 ? 0 : pcre2_jit_compile(v->u.re.code, PCRE2_JIT_COMPLETE);
                if (ec != 0 && !match_jit_warned) {
                        PCRE2_UCHAR msg[160];

                        match_jit_warned = true;        /* once per process: it is the machine, not the rule */
                        pcre2_get_error_message(ec, msg, sizeof(msg));
                        log_warn("PCRE2 JIT unavailable (%s): |re patterns run in the "
                                 "interpreter, slower, and may hit the match limit where JIT would decide "
                                 "(MemoryDenyWriteExecute=yes, or no JIT for this CPU)", (const char *)msg);
                }
                unsigned char lit[MATCH_RE_LITERAL_MAX];
                size_t nlit = match_re_literal(p->b, p->len, b->sp->re_flags & PCRE2_CASELESS, lit, sizeof(lit));
                if (nlit) {     /* out of line: most values are not regular expressions */
                        if (!(v->u.re.lit = malloc(nlit)))
                                return match_errf(err, errlen, -ENOMEM, "out of memory");
                        memcpy(v->u.re.lit, lit, nlit);
                        v->u.re.lit_len = nlit;
                }
                v->u.re.md = pcre2_match_data_create(1, NULL);
                v->u.re.mctx = pcre2_match_context_create(NULL);
                if (!v->u.re.md || !v->u.re.mctx)
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
                pcre2_set_match_limit(v->u.re.mctx, MATCH_RE_LIMIT);
                pcre2_set_depth_limit(v->u.re.mctx, MATCH_RE_DEPTH);
                /* the interpreter keeps its backtracking frames in the match
                 * data: allocate them now, not at the first event */
                (void)pcre2_match(v->u.re.code, (PCRE2_SPTR)"", 0, 0, 0, v->u.re.md, v->u.re.mctx);
        }
        return 0;
}

enum tri match_re_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower)
{
        int rc = pcre2_match(v->u.re.code, (PCRE2_SPTR)s, len, 0, 0, v->u.re.md, v->u.re.mctx);

        return rc >= 0 ? TRI_YES : TRI_NO;     /* PCRE2_ERROR_MATCHLIMIT too: NO */
}

/* ---- cidr --------------------------------------------------------------------- */

static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parse an address (NUL-terminated copy, "%zone" cut); AF_INET / AF_INET6 or 0. */
static int addr_parse(const char *s, size_t len, unsigned char out[16])
{
        char buf[INET6_ADDRSTRLEN + 8];

        while (len && (*s == ' ' || *s == '\t')) {
                s++;
                len--;
        }
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        if (len == 0 || len >= sizeof(buf))
                return 0;
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *zone = strchr(buf, '%');
        if (zone)
                *zone = '\0';
        if (inet_pton(AF_INET, buf, out) == 1)
                return AF_INET;
        if (inet_pton(AF_INET6, buf, out) == 1)
                return AF_INET6;
        return 0;
}

int match_cidr_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        for (size_t i = 0; i < b->vals.n; i++) {
                const struct mstr *p = &b->vals.v[i];
                const unsigned char *slash = memchr(p->b, '/', p->len);
                size_t alen = slash ? (size_t)(slash - p->b) : p->len;
                unsigned char net[16] = { 0 };
                int af = addr_parse((const char *)p->b, alen, net);
                unsigned max = af == AF_INET ? 32 : 128, prefix = max;

                if (!af)
                        return match_errf(err, errlen, -EINVAL, "bad CIDR '%.*s'", (int)p->len, (const char *)p->b);
                if (slash) {
                        char *end;
                        char num[8] = { 0 };
                        size_t nlen = p->len - alen - 1;
                        if (nlen == 0 || nlen >= sizeof(num))
                                return match_errf(err, errlen, -EINVAL, "bad CIDR prefix in '%.*s'", (int)p->len,
                                                  (const char *)p->b);
                        memcpy(num, slash + 1, nlen);
                        unsigned long n = strtoul(num, &end, 10);
                        if (*end || num[0] < '0' || num[0] > '9' || n > max)
                                return match_errf(err, errlen, -EINVAL, "bad CIDR prefix in '%.*s'", (int)p->len,
                                                  (const char *)p->b);
                        prefix = (unsigned)n;
                }
                struct match_value *v = match_item_add_value(b->item, op, match_cidr_match);
                if (!v)
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
                v->u.cidr.af = af;
                v->u.cidr.prefix = prefix;
                memcpy(v->u.cidr.net, net, sizeof(net));
        }
        return 0;
}

static bool prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
        size_t full = bits / 8;
        unsigned rest = bits % 8;

        if (memcmp(a, b, full) != 0)
                return false;
        if (!rest)
                return true;
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        return (a[full] & mask) == (b[full] & mask);
}

enum tri match_cidr_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower)
{
        unsigned char a[16];
        int af = addr_parse(s, len, a);

        if (!af)
                return TRI_NO;
        if (af == AF_INET6 && v->u.cidr.af == AF_INET) {
                if (memcmp(a, v4mapped, 12) != 0)
                        return TRI_NO;
                memmove(a, a + 12, 4);
        } else if (af == AF_INET && v->u.cidr.af == AF_INET6) {
                memmove(a + 12, a, 4);
                memcpy(a, v4mapped, 12);
        }
        return prefix_eq(a, v->u.cidr.net, v->u.cidr.prefix) ? TRI_YES : TRI_NO;
}

/* ---- numbers ---------------------------------------------------------------------- */

struct num {
        bool is_int;
        int64_t i;
        double d;
};

/* Read a whole (trimmed) number from text; false when it is not one. */
static bool num_parse(const char *s, size_t len, struct num *out)
{
        char buf[64], *end;

        while (len && (*s == ' ' || *s == '\t'))
                s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        if (len == 0 || len >= sizeof(buf))
                return false;
        memcpy(buf, s, len);
        buf[len] = '\0';

        errno = 0;
        if (len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
                unsigned long long u = strtoull(buf + 2, &end, 16);
                if (*end || errno || u > INT64_MAX || buf[2] == '-' || buf[2] == '+')
                        return false;
                *out = (struct num){ .is_int = true, .i = (int64_t)u, .d = (double)u };
                return true;
        }
        long long ll = strtoll(buf, &end, 10);
        if (!*end && !errno) {
                *out = (struct num){ .is_int = true, .i = ll, .d = (double)ll };
                return true;
        }
        errno = 0;
        double d = strtod(buf, &end);
        if (*end || isnan(d))
                return false;
        *out = (struct num){ .is_int = false, .d = d };
        return true;
}

static bool num_from_json(struct json_object *j, struct num *out)
{
        size_t len;
        const char *t;

        switch (json_object_get_type(j)) {
        case json_type_int:
                *out = (struct num){ .is_int = true, .i = json_object_get_int64(j) };
                out->d = (double)out->i;
                return true;
        case json_type_double:
                *out = (struct num){ .is_int = false, .d = json_object_get_double(j) };
                return !isnan(out->d);
        case json_type_string:
                t = json_object_get_string(j);
                len = (size_t)json_object_get_string_len(j);
                return num_parse(t, len, out);
        default:
                return false;
        }
}

static int num_add(struct match_build *b, const struct match_op *op, int cmp, int part, char *err, size_t errlen)
{
        struct num n;

        if (!num_from_json(b->value, &n))
                return match_errf(err, errlen, -EINVAL, "'%s' needs a numeric value", op->name);
        struct match_value *v = match_item_add_value(b->item, op, match_num_match);
        if (!v)
                return match_errf(err, errlen, -ENOMEM, "out of memory");
        v->u.num.op = cmp;
        v->u.num.part = part;
        v->u.num.is_int = n.is_int;
        v->u.num.i = n.i;
        v->u.num.d = n.d;
        return 0;
}

int match_num_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        return num_add(b, op, op->arg, -1, err, errlen);
}

/* ---- time parts ---------------------------------------------------------------------- */

static int digits(const char *s, size_t len, size_t at, size_t n)
{
        int v = 0;

        if (at + n > len)
                return -1;
        for (size_t i = at; i < at + n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned)(y - era * 400);
        unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

/* ISO weekday, Monday = 1 .. Sunday = 7. */
static int iso_wday(int64_t days)
{
        int64_t w = (days + 3) % 7;     /* 1970-01-01 was a Thursday */
        return (int)(w < 0 ? w + 7 : w) + 1;
}

static int iso_weeks_in_year(int y)
{
        int jan1 = iso_wday(days_from_civil(y, 1, 1));
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return jan1 == 4 || (leap && jan1 == 3) ? 53 : 52;
}

static int iso_week(int y, int m, int d)
{
        int64_t days = days_from_civil(y, (unsigned)m, (unsigned)d);
        int doy = (int)(days - days_from_civil(y, 1, 1)) + 1;
        int w = (doy - iso_wday(days) + 10) / 7;

        if (w < 1)
                return iso_weeks_in_year(y - 1);
        if (w > iso_weeks_in_year(y))
                return 1;
        return w;
}

/* The part of a "YYYY-MM-DD[T ]HH:MM..." timestamp, or -1. */
static int time_part(const char *s, size_t len, int part)
{
        int y = digits(s, len, 0, 4), mo = digits(s, len, 5, 2), d = digits(s, len, 8, 2);

        if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || s[4] != '-' || s[7] != '-')
                return -1;
        switch (part) {
        case MPART_YEAR:
                return y;
        case MPART_MONTH:
                return mo;
        case MPART_DAY:
                return d;
        case MPART_WEEK:
                return iso_week(y, mo, d);
        default:
                break;
        }
        if (len < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':')
                return -1;
        int h = digits(s, len, 11, 2), mi = digits(s, len, 14, 2);
        if (h < 0 || h > 23 || mi < 0 || mi > 59)
                return -1;
        return part == MPART_HOUR ? h : mi;
}

int match_part_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        const struct match_op *cmp = b->sp->cmp;

        return num_add(b, op, (cmp->cls & MCLS_NUM) ? cmp->arg : MNUM_EQ, op->arg, err, errlen);
}

enum tri match_num_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower)
{
        struct num n;
        int c;

        if (v->u.num.part >= 0) {
                int p = time_part(s, len, v->u.num.part);
                if (p < 0)
                        return TRI_NO;
                n = (struct num){ .is_int = true, .i = p, .d = p };
        } else if (!num_parse(s, len, &n)) {
                return TRI_NO;
        }
        if (n.is_int && v->u.num.is_int)
                c = (n.i > v->u.num.i) - (n.i < v->u.num.i);
        else
                c = (n.d > v->u.num.d) - (n.d < v->u.num.d);

        bool ok;
        switch (v->u.num.op) {
        case MNUM_LT:
                ok = c < 0;
                break;
        case MNUM_LTE:
                ok = c <= 0;
                break;
        case MNUM_GT:
                ok = c > 0;
                break;
        case MNUM_GTE:
                ok = c >= 0;
                break;
        default:
                ok = c == 0;
                break;
        }
        return ok ? TRI_YES : TRI_NO;
}

/* ---- exists ---------------------------------------------------------------------------- */

int match_exists_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        if (!json_object_is_type(b->value, json_type_boolean))
                return match_errf(err, errlen, -EINVAL, "'exists' needs true or false");
        struct match_value *v = match_item_add_value(b->item, op, match_exists_match);
        if (!v)
                return match_errf(err, errlen, -ENOMEM, "out of memory");
        v->sees_absent = true;
        v->u.exists.want = json_object_get_boolean(b->value);
        return 0;
}

enum tri match_exists_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower)
{
        return (s != NULL) == v->u.exists.want ? TRI_YES : TRI_NO;
}

/* ---- fieldref ---------------------------------------------------------------------------- */

int match_fieldref_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen)
{
        const struct match_op *cmp = b->sp->cmp;

        for (size_t i = 0; i < b->vals.n; i++) {
                const struct mstr *p = &b->vals.v[i];
                char *name = strndup((const char *)p->b, p->len);
                const char *mapped;

                if (!name)
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
                if (!*name || strlen(name) != p->len || strpbrk(name, "*?")) {
                        free(name);
                        return match_errf(err, errlen, -EINVAL, "'fieldref' needs a plain field name");
                }
                mapped = b->env->map_field ? b->env->map_field(b->env->map_ud, name) : name;
                struct match_value *v = match_item_add_value(b->item, op, match_fieldref_match);
                if (!v || (mapped && !(v->u.ref.field = strdup(mapped)))) {
                        free(name);
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
                }
                if (mapped)
                        v->u.ref.key = intern(mapped, strlen(mapped));
                free(name);
                v->u.ref.wild = (cmp->cls & MCLS_WILD) ? (unsigned)cmp->arg : 0;
                v->u.ref.cased = b->sp->cased;
                if (!b->item->ref_field)
                        b->item->ref_field = v->u.ref.field;
        }
        return 0;
}

void match_fieldref_free(struct match_value *v)
{
        free(v->u.ref.field);
}

static bool ref_eq(const unsigned char *a, const unsigned char *b, size_t n, bool cased)
{
        if (cased)
                return memcmp(a, b, n) == 0;
        for (size_t i = 0; i < n; i++)
                if (match_lower[a[i]] != match_lower[b[i]])
                        return false;
        return true;
}

enum tri match_fieldref_match(const struct match_value *v, const struct winevent *ev, const char *str, size_t n,
                          const char *lower)
{
        const struct winevent_field *f = v->u.ref.field ? match_field(ev, v->u.ref.field, v->u.ref.key) : NULL;
        const unsigned char *s = (const unsigned char *)str;
        bool cased = v->u.ref.cased;

        if (!f)
                return TRI_UNKNOWN;
        const unsigned char *r = (const unsigned char *)f->value;
        size_t m = f->len;
        bool ok = false;

        switch (v->u.ref.wild) {
        case 0:
                ok = n == m && ref_eq(s, r, m, cased);
                break;
        case MWILD_TRAIL:
                ok = n >= m && ref_eq(s, r, m, cased);
                break;
        case MWILD_LEAD:
                ok = n >= m && ref_eq(s + n - m, r, m, cased);
                break;
        default:
                for (size_t i = 0; !ok && i + m <= n; i++)
                        ok = ref_eq(s + i, r, m, cased);
                break;
        }
        return ok ? TRI_YES : TRI_NO;
}
