/* A literal every match of a `|re` pattern contains, for the ruleset's
 * prefilter (match_item_needles): '(?i)\.exe\s+\S*werfaultsecure\.exe'
 * cannot match unless "werfault" occurs.  Deliberately small and
 * conservative: it reads the pattern as a sequence of atoms, keeps the
 * runs of literal characters that every match must contain, and returns
 * the most selective run; it gives up (no literal: the rule is evaluated
 * on every candidate event, as without a prefilter) on anything it does
 * not fully understand.
 *
 * What makes a run:
 *   - a literal character: any byte other than . [ ( ) * + ? { | ^ $ \,
 *     a UTF-8 sequence as one character, an escaped punctuation character
 *     ("\.", "\$"), and \t \n \r \f \e \a;
 *   - a quantifier that allows zero (* ? {0,...}) takes its character back
 *     out of the run; one that repeats (+ {n,...}) ends the run after it
 *     ("ab+c": "ab", then "c");
 *   - anything else ends the run: '.', a character class, \d \w \s and
 *     the other letter escapes that match a set, the anchors and
 *     assertions ^ $ \b \B \A \z \Z \G, a backslash-K;
 *   - a group ( ... ) ends the run after it; its content is read the same
 *     way when every match must pass through it (no quantifier that allows
 *     zero, no '|' at its own level), the run before it going on into it,
 *     and skipped otherwise (ending the run before it); lookarounds "(?="
 *     "(?!" "(?<=" "(?<!" are skipped (they consume nothing).
 * Refused outright: a '|' outside every group (an alternative without the
 * literal), "(?" forms other than the above, named groups and "(?:",
 * option settings anywhere but a leading "(?i)" (they change what a
 * character means), letter or digit escapes not listed above (\x41,
 * \p{..}, \Q..\E, back references: they are not what they look like), a
 * '{' that is not a quantifier, an unbalanced parenthesis.
 *
 * The run returned: the longest (a run of digits only counts a quarter of
 * its length: event ids and flags are in any text), at least
 * RE_LITERAL_MIN characters, or 2 when it holds no letter or digit ("&&",
 * "${": rare in ordinary command lines), or a lone backtick (PowerShell's
 * escape character, which obfuscated commands are full of and ordinary
 * command lines hardly hold).
 *
 * Case: the needle is ASCII-folded and the prefilter scans folded text,
 * so a case-sensitive literal is found too.  A caseless pattern (`|i`,
 * "(?i)") in UTF mode also matches non-ASCII case variants: 'k' matches
 * U+212A KELVIN SIGN and 's' U+017F LONG S, and non-ASCII letters fold
 * beyond ASCII; such a character would not be found in the folded text,
 * so in a caseless pattern it ends the run as a set would. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "match_impl.h"

#define RE_LITERAL_MIN 3        /* shorter literals select nothing */
#define RE_LITERAL_RUN_MAX 256

struct re_scan {
        const unsigned char *p;
        size_t n;
        bool caseless;
        unsigned char run[RE_LITERAL_RUN_MAX];
        size_t len;                     /* of run */
        unsigned char best[RE_LITERAL_RUN_MAX];
        size_t best_len;
        size_t best_score;
};

static bool re_is_alnum(unsigned char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t re_score(const unsigned char *b, size_t len)
{
        size_t digits = 0, alnum = 0;

        for (size_t i = 0; i < len; i++) {
                digits += b[i] >= '0' && b[i] <= '9';
                alnum += re_is_alnum(b[i]);
        }
        if (len == 1 && b[0] == '`')
                return 1;
        if (len < (alnum ? RE_LITERAL_MIN : 2))
                return 0;
        return digits == len ? (len + 3) / 4 : len;
}

/* The run so far is a candidate; a new one starts. */
static void re_flush(struct re_scan *s)
{
        size_t score = re_score(s->run, s->len);

        if (score > s->best_score) {
                memcpy(s->best, s->run, s->len);
                s->best_len = s->len;
                s->best_score = score;
        }
        s->len = 0;
}

static void re_add(struct re_scan *s, const unsigned char *c, size_t k)
{
        if (s->len + k > sizeof(s->run))
                re_flush(s);
        for (size_t i = 0; i < k; i++)
                s->run[s->len++] = match_lower[c[i]];
}

/* The index of the ']' that ends the class whose '[' is at i (a leading
 * ']', after an optional '^', is a member; "[:alpha:]" is one), or n. */
static size_t re_class_end(const unsigned char *p, size_t n, size_t i)
{
        i++;
        if (i < n && p[i] == '^')
                i++;
        if (i < n && p[i] == ']')
                i++;
        for (; i < n && p[i] != ']'; i++) {
                if (p[i] == '\\') {
                        i++;
                } else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
                        const unsigned char *e = memchr(p + i + 2, ']', n - i - 2);
                        if (!e || e[-1] != ':')
                                return n;
                        i = (size_t)(e - p);
                }
        }
        return i < n ? i : n;
}

/* The end of the group whose '(' is at i: the index of its ')', or n when
 * unbalanced; *alt: whether it has a '|' at its own level. */
static size_t re_group_end(const unsigned char *p, size_t n, size_t i, bool *alt)
{
        int depth = 0;

        *alt = false;
        for (; i < n; i++) {
                unsigned char c = p[i];
                if (c == '\\') {
                        i++;
                } else if (c == '[') {
                        if ((i = re_class_end(p, n, i)) >= n)
                                return n;
                } else if (c == '(') {
                        depth++;
                } else if (c == ')') {
                        if (--depth == 0)
                                return i;
                        if (depth < 0)
                                return n;
                } else if (c == '|' && depth == 1) {
                        *alt = true;
                }
        }
        return n;
}

/* A quantifier at i: its length (with a lazy/possessive suffix) and its
 * minimum in *min; 0 when there is none.  SIZE_MAX: a '{' that is not a
 * quantifier (refused). */
static size_t re_quantifier(const unsigned char *p, size_t n, size_t i, unsigned *min)
{
        size_t k;

        if (i >= n)
                return 0;
        if (p[i] == '*' || p[i] == '?') {
                *min = 0;
                k = 1;
        } else if (p[i] == '+') {
                *min = 1;
                k = 1;
        } else if (p[i] == '{') {
                size_t j = i + 1;
                unsigned m = 0;
                bool digits = false;

                while (j < n && p[j] >= '0' && p[j] <= '9') {
                        m = m > 100000 ? m : m * 10 + (unsigned)(p[j] - '0');
                        digits = true;
                        j++;
                }
                if (!digits)
                        return SIZE_MAX;
                if (j < n && p[j] == ',') {
                        j++;
                        while (j < n && p[j] >= '0' && p[j] <= '9')
                                j++;
                }
                if (j >= n || p[j] != '}')
                        return SIZE_MAX;
                *min = m;
                k = j + 1 - i;
        } else {
                return 0;
        }
        if (i + k < n && (p[i + k] == '?' || p[i + k] == '+'))
                k++;
        return k;
}

static bool re_seq_check(struct re_scan *s, size_t i, size_t end);

/* Read p[i..end) as a sequence every match passes through.  false: refused. */
static bool re_seq(struct re_scan *s, size_t i, size_t end)
{
        const unsigned char *p = s->p;

        while (i < end) {
                unsigned char c = p[i];
                unsigned char lit[4];
                size_t k = 0, litlen = 1, q;
                unsigned min = 1;
                bool literal = false;

                if (c == '(') {
                        bool alt;
                        size_t close = re_group_end(p, end, i, &alt), body = i + 1;
                        bool look = false;

                        if (close >= end)
                                return false;
                        if (i + 1 < end && p[i + 1] == '?') {
                                const unsigned char *t = p + i + 2;
                                size_t left = close - i - 2;
                                if (left >= 1 && t[0] == ':')
                                        body = i + 3;
                                else if (left >= 1 && (t[0] == '=' || t[0] == '!'))
                                        look = true;
                                else if (left >= 2 && t[0] == '<' && (t[1] == '=' || t[1] == '!'))
                                        look = true;
                                else
                                        return false;   /* options, named groups, ...: unsure */
                        }
                        q = re_quantifier(p, end, close + 1, &min);
                        if (q == SIZE_MAX)
                                return false;
                        if (!look && !alt && min > 0) {
                                /* every match enters the body right after the run
                                 * so far: the run goes on into it ('"(?:\{\d\})+' holds
                                 * '"{'), and ends with it (repeated, or not) */
                                if (!re_seq(s, body, close))
                                        return false;
                                re_flush(s);
                        } else {
                                re_flush(s);
                                if (!look && !re_seq_check(s, body, close))
                                        return false;
                        }
                        i = close + 1 + q;
                        continue;
                }
                if (c == ')' || c == '|')
                        return false;           /* unbalanced, or an alternative at this level */
                if (c == '\\') {
                        if (i + 1 >= end)
                                return false;
                        unsigned char e = p[i + 1];
                        k = 2;
                        if (!re_is_alnum(e) && e < 0x80) {
                                lit[0] = e;
                                literal = true;
                        } else if (e == 't' || e == 'n' || e == 'r' || e == 'f' || e == 'e' || e == 'a') {
                                lit[0] = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 'f' ? '\f'
                                       : e == 'e' ? 0x1b : 0x07;
                                literal = true;
                        } else if (!strchr("dDwWsShHvVRbBAzZGKX", e)) {
                                return false;   /* \x41, \p{..}, \Q, \1, \k<..>, ...: not what they look like */
                        }
                } else if (c == '[') {
                        size_t j = re_class_end(p, end, i);
                        if (j >= end)
                                return false;
                        k = j + 1 - i;
                } else if (c == '.' || c == '^' || c == '$') {
                        k = 1;
                } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                        return false;           /* a quantifier with nothing before it */
                } else {
                        k = 1;
                        lit[0] = c;
                        literal = true;
                        if (c >= 0xc0) {        /* a UTF-8 sequence is one character */
                                while (i + k < end && k < sizeof(lit) && (p[i + k] & 0xc0) == 0x80) {
                                        lit[k] = p[i + k];
                                        k++;
                                }
                                litlen = k;
                        }
                }
                q = re_quantifier(p, end, i + k, &min);
                if (q == SIZE_MAX)
                        return false;
                if (literal && s->caseless && (lit[0] >= 0x80 || match_lower[lit[0]] == 'k' ||
                                               match_lower[lit[0]] == 's'))
                        literal = false;        /* may match a non-ASCII case variant */
                if (!literal || min == 0) {
                        re_flush(s);
                } else {
                        re_add(s, lit, litlen);
                        if (q)
                                re_flush(s);    /* repeated: what follows is not next to it */
                }
                i += k + q;
        }
        return true;
}

/* A group every match need not pass through: nothing of it is kept, but
 * it must still be something this reader understands. */
static bool re_seq_check(struct re_scan *s, size_t i, size_t end)
{
        struct re_scan inner = { .p = s->p, .n = s->n, .caseless = s->caseless };
        bool alt;
        size_t from = i;

        /* its alternatives, one at a time (a '|' at its own level splits them) */
        for (; i <= end; i++) {
                if (i == end || s->p[i] == '|') {
                        if (!re_seq(&inner, from, i))
                                return false;
                        from = i + 1;
                        continue;
                }
                if (s->p[i] == '\\') {
                        i++;
                } else if (s->p[i] == '(') {
                        size_t close = re_group_end(s->p, end, i, &alt);
                        if (close >= end)
                                return false;
                        i = close;
                } else if (s->p[i] == '[') {
                        if ((i = re_class_end(s->p, end, i)) >= end)
                                return false;
                }
        }
        return true;
}

size_t match_re_literal(const unsigned char *p, size_t n, bool caseless, unsigned char *out, size_t max)
{
        struct re_scan s = { .p = p, .n = n, .caseless = caseless };
        size_t i = 0;

        if (n >= 4 && memcmp(p, "(?i)", 4) == 0) {
                s.caseless = true;
                i = 4;
        }
        if (!re_seq(&s, i, n))
                return 0;
        re_flush(&s);
        if (!s.best_score)
                return 0;
        /* a part of a literal every match contains is one too */
        size_t len = s.best_len < max ? s.best_len : max;
        memcpy(out, s.best, len);
        return len;
}
