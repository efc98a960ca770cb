/* match_re_literal() (daemon/engine/match_re_literal.c) against PCRE2
 * itself: the needle it returns for a pattern must occur, ASCII-folded, in
 * every subject the pattern matches; otherwise the prefilter would skip a
 * rule that fires.  Input: one flag byte (bit 0: caseless, as |re|i), the
 * pattern up to the first newline, then subject lines, each matched on
 * its own. */
#include <stdbool.h>

#include "fuzz.h"
#include "daemon/engine/match_impl.h"

static bool folded_contains(const unsigned char *h, size_t n, const unsigned char *needle, size_t m)
{
        if (m == 0)
                return true;
        for (size_t i = 0; i + m <= n; i++) {
                size_t k = 0;
                while (k < m && match_lower[h[i + k]] == needle[k])
                        k++;
                if (k == m)
                        return true;
        }
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned char needle[MATCH_RE_LITERAL_MAX];
        const uint8_t *pat, *nl, *end = data + size;
        size_t plen, nlen;
        bool caseless;
        pcre2_code *code;
        pcre2_match_data *md;
        pcre2_match_context *mctx;
        int ec;
        PCRE2_SIZE eoff;

        if (size < 2 || size > 4096)
                return 0;
        caseless = data[0] & 1;
        pat = data + 1;
        nl = memchr(pat, '\n', (size_t)(end - pat));
        plen = nl ? (size_t)(nl - pat) : (size_t)(end - pat);
        nlen = match_re_literal(pat, plen, caseless, needle, sizeof(needle));
        for (size_t i = 0; i < nlen; i++)
                fuzz_assert(needle[i] == match_lower[needle[i]]);       /* folded */
        if (!nlen || !nl)
                return 0;
        code = pcre2_compile(pat, plen, (caseless ? PCRE2_CASELESS : 0) | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec,
                             &eoff, NULL);
        if (!code)
                return 0;       /* the rule would not load */
        md = pcre2_match_data_create(1, NULL);
        mctx = pcre2_match_context_create(NULL);
        fuzz_assert(md && mctx);
        pcre2_set_match_limit(mctx, 100000);
        pcre2_set_depth_limit(mctx, 1000);
        for (const uint8_t *s = nl + 1; s <= end;) {
                const uint8_t *e = memchr(s, '\n', (size_t)(end - s));
                size_t slen = e ? (size_t)(e - s) : (size_t)(end - s);
                int r = pcre2_match(code, s, slen, 0, 0, md, mctx);
                if (r >= 0 && !folded_contains(s, slen, needle, nlen)) {
                        fprintf(stderr, "pattern '%.*s' matches '%.*s' without its needle '%.*s'\n", (int)plen,
                                (const char *)pat, (int)slen, (const char *)s, (int)nlen, (const char *)needle);
                        abort();
                }
                if (!e)
                        break;
                s = e + 1;
        }
        pcre2_match_context_free(mctx);
        pcre2_match_data_free(md);
        pcre2_code_free(code);
        return 0;
}
