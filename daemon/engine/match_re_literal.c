/* The literal every match of a `|re` pattern starts with, for the
 * ruleset's prefilter (match_item_needles): 'ipconfig\s+/all' cannot match
 * unless "ipconfig" occurs.  Deliberately small and conservative: it reads
 * only the pattern's leading run of literal characters and gives up (no
 * literal, the rule is evaluated on every candidate event as before) on
 * anything it does not fully understand.
 *
 * Accepted: an optional "(?i)" then an optional '^'; then characters other
 * than . [ ( ) * + ? { | ^ $ \, and '\' followed by a character that is
 * not a letter or digit (an escaped literal).  The run ends at the first
 * other token; when that token is a quantifier that allows zero (* ? {),
 * the last literal character is dropped.  Refused outright: a '|' outside
 * brackets and parentheses (an alternative without the literal), any
 * "(?" other than "(?:", "(?=", "(?!", "(?<=", "(?<!" and the leading
 * "(?i)" (option settings such as (?x) change what a character means),
 * and "\Q".
 *
 * Case: the needle is ASCII-folded and the prefilter scans folded text,
 * so a case-sensitive literal is found too.  A caseless pattern (`|i`,
 * "(?i)") in UTF mode also matches non-ASCII case variants: 'k' matches
 * U+212A KELVIN SIGN and 's' U+017F LONG S, and non-ASCII letters fold
 * beyond ASCII; such a literal would not be found in the folded text, so
 * a caseless literal holding k, s or a byte >= 0x80 is refused. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "match_impl.h"

#define RE_LITERAL_MIN 3        /* shorter literals select nothing */

static bool re_is_alnum(unsigned char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* False when the pattern has a top-level '|', "\Q", or an option setting
 * "(?..." this reader does not know (other than at `skip`, the leading
 * "(?i)" already taken). */
static bool re_shape_ok(const unsigned char *p, size_t n, size_t skip)
{
        int depth = 0;
        bool cls = false;

        for (size_t i = skip; i < n; i++) {
                unsigned char c = p[i];
                if (c == '\\') {
                        if (i + 1 < n && p[i + 1] == 'Q')
                                return false;
                        i++;
                } else if (cls) {
                        cls = c != ']';
                } else if (c == '[') {
                        cls = true;
                        if (i + 1 < n && p[i + 1] == '^')
                                i++;
                        if (i + 1 < n && p[i + 1] == ']')
                                i++;    /* a leading ']' is a member */
                } else if (c == '(') {
                        depth++;
                        if (i + 1 < n && p[i + 1] == '?') {
                                const unsigned char *q = p + i + 2;
                                size_t left = n - i - 2;
                                bool known = (left >= 1 && (q[0] == ':' || q[0] == '=' || q[0] == '!')) ||
                                             (left >= 2 && q[0] == '<' && (q[1] == '=' || q[1] == '!'));
                                if (!known)
                                        return false;
                        }
                } else if (c == ')') {
                        depth--;
                } else if (c == '|' && depth <= 0) {
                        return false;
                }
        }
        return true;
}

size_t match_re_literal(const unsigned char *p, size_t n, bool caseless, unsigned char *out, size_t max)
{
        size_t i = 0, len = 0, last = 0;

        if (n >= 4 && memcmp(p, "(?i)", 4) == 0) {
                caseless = true;
                i = 4;
        }
        if (!re_shape_ok(p, n, i))
                return 0;
        if (i < n && p[i] == '^')
                i++;
        while (i < n && len < max) {
                unsigned char c = p[i];
                size_t start = len;

                if (strchr(".[()*+?{|^$", c))
                        break;
                if (c == '\\') {
                        if (i + 1 >= n || re_is_alnum(p[i + 1]) || p[i + 1] >= 0x80)
                                break;
                        c = p[i + 1];
                        i += 2;
                } else {
                        i++;
                }
                out[len++] = match_lower[c];
                /* a UTF-8 sequence is one character: its continuation bytes */
                while (c >= 0xc0 && i < n && (p[i] & 0xc0) == 0x80 && len < max)
                        out[len++] = p[i++];
                last = start;
        }
        if (len > 0 && i < n && (p[i] == '*' || p[i] == '?' || p[i] == '{'))
                len = last;     /* the last character may occur zero times */
        if (caseless)
                for (size_t k = 0; k < len; k++)
                        if (out[k] == 'k' || out[k] == 's' || out[k] >= 0x80)
                                return 0;
        return len >= RE_LITERAL_MIN ? len : 0;
}
