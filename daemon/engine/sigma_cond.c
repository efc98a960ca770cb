/* Sigma conditions: a tokenizer and a recursive-descent parser into a tree
 * over selection indices, evaluated with Kleene logic (tri.h).
 *
 *   or_expr   := and_expr ('or' and_expr)*
 *   and_expr  := not_expr ('and' not_expr)*
 *   not_expr  := 'not' not_expr | primary
 *   primary   := '(' or_expr ')' | quant 'of' (PATTERN | 'them') | IDENT
 *   quant     := '1' | 'any' | 'all'
 *
 * Decisions (Sigma v2 spec, "Condition", and pySigma's conditions.py):
 *  - `any of` is accepted as a synonym of `1 of` (pySigma does; the spec
 *    text only names 1/all).  Another number (`2 of`, `0 of`) is -ENOTSUP.
 *  - `them` and every pattern skip identifiers starting with '_', even a
 *    pattern that itself starts with '_' (`1 of _filter*` matches nothing
 *    and is therefore -EINVAL): the spec defines a pattern as "same as
 *    1/all of them, restricted to matching identifiers" and pySigma filters
 *    '_' names after matching.  A plain `_filter` identifier is allowed.
 *  - Patterns match the whole name, '*' = any run of characters (pySigma's
 *    re.match only anchors at the start, so there `1 of sel` also matches
 *    `selection`; we follow the spec's wording instead).
 *  - A wildcard outside `x of`, the deprecated aggregation pipe ('|') and
 *    any other character are errors; '|' is -ENOTSUP (use a correlation).
 *  - Positions in messages are 1-based character columns of the condition.
 *  - `a or b or c` is one n-ary node (and so is a selector's expansion);
 *    a one-element selector is the selection itself. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/sigma_cond.h"

#define COND_MAX_DEPTH 64

enum cond_kind {
        COND_SEL,
        COND_NOT,
        COND_AND,
        COND_OR,
};

struct cond_node {
        enum cond_kind kind;
        size_t sel;                     /* COND_SEL */
        size_t nkids;                   /* COND_NOT: 1 */
        struct cond_node **kids;
};

enum tok_kind {
        TOK_END,
        TOK_LPAREN,
        TOK_RPAREN,
        TOK_WORD,       /* identifier, pattern or number */
        TOK_AND,
        TOK_OR,
        TOK_NOT,
        TOK_OF,
        TOK_THEM,
        TOK_ALL,
        TOK_ANY,
};

struct tok {
        enum tok_kind kind;
        const char *start;
        size_t len;
        size_t pos;     /* 0-based offset in the text */
};

struct parser {
        const char *text;
        const char *const *names;
        size_t nnames;
        struct tok tok;         /* current token */
        unsigned depth;
        int error;              /* first error, -errno */
        char *err;
        size_t errlen;
};

static bool cond_ident_char(char c)
{
        return isalnum((unsigned char)c) || c == '_' || c == '*' || c == '-' || c == '.';
}

static void cond_fail(struct parser *p, int error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void cond_fail(struct parser *p, int error, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (p->error)
                return;
        p->error = error;
        if (!p->err || p->errlen == 0)
                return;
        n = snprintf(p->err, p->errlen, "condition: ");
        if (n < 0 || (size_t)n >= p->errlen)
                return;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
}

static const struct {
        const char *word;
        enum tok_kind kind;
} cond_keywords[] = {
        { "and", TOK_AND },
        { "or", TOK_OR },
        { "not", TOK_NOT },
        { "of", TOK_OF },
        { "them", TOK_THEM },
        { "all", TOK_ALL },
        { "any", TOK_ANY },
};

/* Read the next token into p->tok.  An invalid character fails the parse. */
static void cond_next(struct parser *p)
{
        const char *s = p->tok.start + p->tok.len;

        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        p->tok.start = s;
        p->tok.pos = (size_t)(s - p->text);
        p->tok.len = 1;
        switch (*s) {
        case '\0':
                p->tok.kind = TOK_END;
                p->tok.len = 0;
                return;
        case '(':
                p->tok.kind = TOK_LPAREN;
                return;
        case ')':
                p->tok.kind = TOK_RPAREN;
                return;
        case '|':
                p->tok.kind = TOK_END;
                p->tok.len = 0;
                cond_fail(p, -ENOTSUP, "aggregation '|' at %zu is not supported (use a correlation rule)",
                          p->tok.pos + 1);
                return;
        default:
                break;
        }
        if (!cond_ident_char(*s)) {
                p->tok.kind = TOK_END;
                p->tok.len = 0;
                cond_fail(p, -EINVAL, "unexpected character '%c' at %zu", *s, p->tok.pos + 1);
                return;
        }
        while (cond_ident_char(s[p->tok.len]))
                p->tok.len++;
        p->tok.kind = TOK_WORD;
        for (size_t i = 0; i < sizeof(cond_keywords) / sizeof(cond_keywords[0]); i++)
                if (strlen(cond_keywords[i].word) == p->tok.len &&
                    strncasecmp(cond_keywords[i].word, s, p->tok.len) == 0) {
                        p->tok.kind = cond_keywords[i].kind;
                        break;
                }
}

/* "'word'" or "end of condition", for messages. */
static const char *cond_tok_desc(const struct tok *t, char *buf, size_t len)
{
        if (t->kind == TOK_END)
                return "end of condition";
        snprintf(buf, len, "'%.*s'", (int)(t->len > 64 ? 64 : t->len), t->start);
        return buf;
}

static struct cond_node *cond_leaf(size_t sel)
{
        struct cond_node *n = calloc(1, sizeof(*n));

        if (n) {
                n->kind = COND_SEL;
                n->sel = sel;
        }
        return n;
}

void cond_free(struct cond_node *n)
{
        if (!n)
                return;
        for (size_t i = 0; i < n->nkids; i++)
                cond_free(n->kids[i]);
        free(n->kids);
        free(n);
}

/* Append `kid` to the n-ary node `n` (flattening a kid of the same kind).
 * Takes ownership of kid.  0 or -ENOMEM. */
static int cond_append(struct cond_node *n, struct cond_node *kid)
{
        size_t add = kid->kind == n->kind ? kid->nkids : 1;
        struct cond_node **k = realloc(n->kids, (n->nkids + add) * sizeof(*k));

        if (!k) {
                cond_free(kid);
                return -ENOMEM;
        }
        n->kids = k;
        if (kid->kind == n->kind) {
                memcpy(n->kids + n->nkids, kid->kids, add * sizeof(*k));
                n->nkids += add;
                free(kid->kids);
                free(kid);
        } else {
                n->kids[n->nkids++] = kid;
        }
        return 0;
}

static struct cond_node *cond_nary(enum cond_kind kind)
{
        struct cond_node *n = calloc(1, sizeof(*n));

        if (n)
                n->kind = kind;
        return n;
}

/* Glob with '*' only, whole string, case-sensitive (selection names are
 * YAML keys). */
static bool cond_glob(const char *pat, size_t plen, const char *s)
{
        size_t pi = 0, star = (size_t)-1;
        const char *resume = NULL;

        while (*s) {
                if (pi < plen && pat[pi] == '*') {
                        star = pi++;
                        resume = s;
                } else if (pi < plen && pat[pi] == *s) {
                        pi++;
                        s++;
                } else if (star != (size_t)-1) {
                        pi = star + 1;
                        s = ++resume;
                } else {
                        return false;
                }
        }
        while (pi < plen && pat[pi] == '*')
                pi++;
        return pi == plen;
}

static struct cond_node *cond_parse_or(struct parser *p);

/* `quant of target`: the current token is the quantifier. */
static struct cond_node *cond_parse_selector(struct parser *p)
{
        struct tok q = p->tok;
        char d[80];
        bool all = q.kind == TOK_ALL;

        if (q.kind == TOK_WORD && !(q.len == 1 && q.start[0] == '1')) {
                if (strspn(q.start, "0123456789") >= q.len)
                        cond_fail(p, -ENOTSUP, "'%.*s of' at %zu is not supported (only '1 of', 'any of', 'all of')",
                                  (int)q.len, q.start, q.pos + 1);
                else
                        cond_fail(p, -EINVAL, "expected '1', 'any' or 'all' before 'of' at %zu, got '%.*s'",
                                  q.pos + 1, (int)q.len, q.start);
                return NULL;
        }
        cond_next(p);   /* 'of' */
        if (!p->error && p->tok.kind != TOK_OF) {
                cond_fail(p, -EINVAL, "expected 'of' after '%.*s' at %zu, got %s", (int)q.len, q.start,
                          p->tok.pos + 1, cond_tok_desc(&p->tok, d, sizeof(d)));
                return NULL;
        }
        cond_next(p);   /* target */
        if (p->error)
                return NULL;
        struct tok t = p->tok;
        if (t.kind != TOK_THEM && t.kind != TOK_WORD) {
                cond_fail(p, -EINVAL, "expected a pattern or 'them' after 'of' at %zu, got %s",
                          t.pos + 1, cond_tok_desc(&t, d, sizeof(d)));
                return NULL;
        }
        struct cond_node *n = cond_nary(all ? COND_AND : COND_OR);
        if (!n) {
                cond_fail(p, -ENOMEM, "out of memory");
                return NULL;
        }
        for (size_t i = 0; i < p->nnames; i++) {
                const char *name = p->names[i];
                if (name[0] == '_')
                        continue;
                if (t.kind == TOK_WORD && !cond_glob(t.start, t.len, name))
                        continue;
                struct cond_node *leaf = cond_leaf(i);
                if (!leaf || cond_append(n, leaf) < 0) {
                        cond_free(n);
                        cond_fail(p, -ENOMEM, "out of memory");
                        return NULL;
                }
        }
        if (n->nkids == 0) {
                cond_free(n);
                if (t.kind == TOK_THEM)
                        cond_fail(p, -EINVAL, "'them' at %zu matches no identifier (names starting with '_' are excluded)",
                                  t.pos + 1);
                else
                        cond_fail(p, -EINVAL, "pattern '%.*s' at %zu matches no identifier%s", (int)t.len,
                                  t.start, t.pos + 1,
                                  t.start[0] == '_' ? " (names starting with '_' are excluded)" : "");
                return NULL;
        }
        cond_next(p);
        if (n->nkids == 1) {
                struct cond_node *only = n->kids[0];
                free(n->kids);
                free(n);
                return only;
        }
        return n;
}

static struct cond_node *cond_parse_primary(struct parser *p)
{
        char d[80];
        struct tok t = p->tok;

        if (p->error)
                return NULL;
        switch (t.kind) {
        case TOK_LPAREN: {
                if (++p->depth > COND_MAX_DEPTH) {
                        cond_fail(p, -EINVAL, "condition nested too deeply at %zu", t.pos + 1);
                        return NULL;
                }
                cond_next(p);
                struct cond_node *n = cond_parse_or(p);
                if (!n)
                        return NULL;
                if (p->tok.kind != TOK_RPAREN) {
                        cond_free(n);
                        cond_fail(p, -EINVAL, "missing ')' for '(' at %zu, got %s at %zu", t.pos + 1,
                                  cond_tok_desc(&p->tok, d, sizeof(d)), p->tok.pos + 1);
                        return NULL;
                }
                p->depth--;
                cond_next(p);
                return n;
        }
        case TOK_ALL:
        case TOK_ANY:
                return cond_parse_selector(p);
        case TOK_WORD: {
                /* a quantifier when followed by 'of' */
                struct parser peek = *p;
                peek.err = NULL;
                cond_next(&peek);
                if (peek.tok.kind == TOK_OF)
                        return cond_parse_selector(p);
                if (memchr(t.start, '*', t.len)) {
                        cond_fail(p, -EINVAL, "wildcard identifier '%.*s' at %zu outside '1 of'/'all of'",
                                  (int)t.len, t.start, t.pos + 1);
                        return NULL;
                }
                for (size_t i = 0; i < p->nnames; i++)
                        if (strlen(p->names[i]) == t.len && memcmp(p->names[i], t.start, t.len) == 0) {
                                struct cond_node *n = cond_leaf(i);
                                if (!n)
                                        cond_fail(p, -ENOMEM, "out of memory");
                                else
                                        cond_next(p);
                                return n;
                        }
                cond_fail(p, -EINVAL, "unknown identifier '%.*s' at %zu", (int)t.len, t.start, t.pos + 1);
                return NULL;
        }
        default:
                cond_fail(p, -EINVAL, "expected an identifier at %zu, got %s", t.pos + 1,
                          cond_tok_desc(&t, d, sizeof(d)));
                return NULL;
        }
}

static struct cond_node *cond_parse_not(struct parser *p)
{
        if (p->tok.kind != TOK_NOT)
                return cond_parse_primary(p);
        if (++p->depth > COND_MAX_DEPTH) {
                cond_fail(p, -EINVAL, "condition nested too deeply at %zu", p->tok.pos + 1);
                return NULL;
        }
        cond_next(p);
        struct cond_node *kid = cond_parse_not(p);
        if (!kid)
                return NULL;
        p->depth--;
        struct cond_node *n = cond_nary(COND_NOT);
        if (n)
                n->kids = malloc(sizeof(*n->kids));
        if (!n || !n->kids) {
                free(n);
                cond_free(kid);
                cond_fail(p, -ENOMEM, "out of memory");
                return NULL;
        }
        n->kids[0] = kid;
        n->nkids = 1;
        return n;
}

/* Left-associative chain of `sub` joined by `op`, as one n-ary node. */
static struct cond_node *cond_parse_chain(struct parser *p, enum tok_kind op, enum cond_kind kind,
                                          struct cond_node *(*sub)(struct parser *))
{
        struct cond_node *first = sub(p);

        if (!first || p->tok.kind != op)
                return first;
        struct cond_node *n = cond_nary(kind);
        if (!n || cond_append(n, first) < 0) {
                if (!n)
                        cond_free(first);
                cond_free(n);
                cond_fail(p, -ENOMEM, "out of memory");
                return NULL;
        }
        while (p->tok.kind == op) {
                cond_next(p);
                struct cond_node *kid = sub(p);
                if (!kid) {
                        cond_free(n);
                        return NULL;
                }
                if (cond_append(n, kid) < 0) {
                        cond_free(n);
                        cond_fail(p, -ENOMEM, "out of memory");
                        return NULL;
                }
        }
        return n;
}

static struct cond_node *cond_parse_and(struct parser *p)
{
        return cond_parse_chain(p, TOK_AND, COND_AND, cond_parse_not);
}

static struct cond_node *cond_parse_or(struct parser *p)
{
        return cond_parse_chain(p, TOK_OR, COND_OR, cond_parse_and);
}

int cond_parse(const char *text, const char *const *names, size_t nnames, struct cond_node **out,
               char *err, size_t errlen)
{
        struct parser p = {
                .text = text ? text : "",
                .names = names,
                .nnames = nnames,
                .err = err,
                .errlen = errlen,
        };
        char d[80];

        *out = NULL;
        if (err && errlen)
                err[0] = '\0';
        p.tok.start = p.text;
        p.tok.len = 0;
        cond_next(&p);
        if (!p.error && p.tok.kind == TOK_END) {
                cond_fail(&p, -EINVAL, "empty condition");
                return p.error;
        }
        struct cond_node *n = cond_parse_or(&p);
        if (n && !p.error && p.tok.kind != TOK_END)
                cond_fail(&p, -EINVAL, "unexpected %s at %zu", cond_tok_desc(&p.tok, d, sizeof(d)),
                          p.tok.pos + 1);
        if (p.error) {
                cond_free(n);
                return p.error;
        }
        *out = n;
        return 0;
}

struct cond_node *cond_or(struct cond_node **nodes, size_t n)
{
        if (n == 0) {
                errno = EINVAL;
                return NULL;
        }
        if (n == 1)
                return nodes[0];
        struct cond_node *r = cond_nary(COND_OR);
        if (r) {
                for (size_t i = 0; i < n; i++)
                        if (cond_append(r, nodes[i]) < 0) {
                                for (size_t j = i + 1; j < n; j++)
                                        cond_free(nodes[j]);
                                cond_free(r);
                                return NULL;
                        }
                return r;
        }
        for (size_t i = 0; i < n; i++)
                cond_free(nodes[i]);
        return NULL;
}

enum tri cond_eval(const struct cond_node *n, enum tri (*leaf)(void *ud, size_t sel), void *ud)
{
        enum tri r;

        switch (n->kind) {
        case COND_SEL:
                return leaf(ud, n->sel);
        case COND_NOT:
                return tri_not(cond_eval(n->kids[0], leaf, ud));
        case COND_AND:
                r = TRI_YES;
                for (size_t i = 0; i < n->nkids && r != TRI_NO; i++)
                        r = tri_and(r, cond_eval(n->kids[i], leaf, ud));
                return r;
        case COND_OR:
                r = TRI_NO;
                for (size_t i = 0; i < n->nkids && r != TRI_YES; i++)
                        r = tri_or(r, cond_eval(n->kids[i], leaf, ud));
                return r;
        }
        return TRI_UNKNOWN;
}

static size_t cond_collect(const struct cond_node *n, size_t *idx, size_t max, size_t count)
{
        if (n->kind == COND_SEL) {
                for (size_t i = 0; i < count; i++)
                        if (idx[i] == n->sel)
                                return count;
                if (count < max)
                        idx[count++] = n->sel;
                return count;
        }
        for (size_t i = 0; i < n->nkids; i++)
                count = cond_collect(n->kids[i], idx, max, count);
        return count;
}

size_t cond_selections(const struct cond_node *n, size_t *idx, size_t max)
{
        return n ? cond_collect(n, idx, max, 0) : 0;
}

struct fmt {
        char *buf;
        size_t len, pos;
};

static void fmt_put(struct fmt *f, const char *s)
{
        size_t l = strlen(s);

        if (f->pos + 1 < f->len) {
                size_t room = f->len - 1 - f->pos;
                memcpy(f->buf + f->pos, s, l < room ? l : room);
                f->buf[f->pos + (l < room ? l : room)] = '\0';
        }
        f->pos += l;
}

static void cond_fmt(const struct cond_node *n, const char *const *names, struct fmt *f)
{
        switch (n->kind) {
        case COND_SEL:
                fmt_put(f, names[n->sel]);
                return;
        case COND_NOT:
                fmt_put(f, "not ");
                cond_fmt(n->kids[0], names, f);
                return;
        case COND_AND:
        case COND_OR:
                fmt_put(f, "(");
                for (size_t i = 0; i < n->nkids; i++) {
                        if (i)
                                fmt_put(f, n->kind == COND_AND ? " and " : " or ");
                        cond_fmt(n->kids[i], names, f);
                }
                fmt_put(f, ")");
                return;
        }
}

char *cond_format(const struct cond_node *n, const char *const *names, char *buf, size_t len)
{
        struct fmt f = { .buf = buf, .len = len };

        if (len)
                buf[0] = '\0';
        if (n)
                cond_fmt(n, names, &f);
        return buf;
}
