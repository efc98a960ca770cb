/* Strict UTF-8 validation and mending (utf8.h). */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "spoor/utf8.h"

/* The end of the ASCII run from s[i]: whole blocks of 64 bytes (SSE2,
 * else 8 at a time), the caller finishing byte by byte.  Every frame is
 * validated, and a frame is mostly ASCII. */
static size_t utf8_ascii_run(const unsigned char *s, size_t n, size_t i)
{
#ifdef __SSE2__
        while (i + 64 <= n) {
                __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
                __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
                __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 32));
                __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 48));
                if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))))
                        break;
                i += 64;
        }
#endif
        uint64_t w;

        while (i + 8 <= n && (memcpy(&w, s + i, 8), (w & UINT64_C(0x8080808080808080)) == 0))
                i += 8;
        return i;
}

/* The length of the valid sequence that starts with the byte s[0] >= 0x80,
 * or 0: no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no surrogates
 * (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
        unsigned char c = s[0], lo = 0x80, hi = 0xbf;
        size_t k;

        if (c >= 0xc2 && c <= 0xdf) {
                k = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
                k = 3;
                lo = c == 0xe0 ? 0xa0 : 0x80;
                hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
                k = 4;
                lo = c == 0xf0 ? 0x90 : 0x80;
                hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
                return 0;
        }
        if (n < k || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t j = 2; j < k; j++)
                if ((s[j] & 0xc0) != 0x80)
                        return 0;
        return k;
}

size_t utf8_valid_prefix(const char *str, size_t n)
{
        const unsigned char *s = (const unsigned char *)str;
        size_t i = 0;

        while (i < n) {
                i = utf8_ascii_run(s, n, i);
                if (i == n)
                        break;
                if (s[i] < 0x80) {
                        i++;
                        continue;
                }
                size_t k = utf8_seq(s + i, n - i);
                if (k == 0)
                        return i;
                i += k;
        }
        return n;
}

size_t utf8_mend(const char *s, size_t n, char *out)
{
        size_t o = 0;

        for (size_t i = 0; i < n;) {
                size_t ok = utf8_valid_prefix(s + i, n - i);

                memcpy(out + o, s + i, ok);
                o += ok;
                i += ok;
                if (i == n)
                        break;
                memcpy(out + o, "\xef\xbf\xbd", 3);
                o += 3;
                i++;
        }
        return o;
}

void utf8_trim_tail(char *s)
{
        size_t n = strlen(s), i = n;

        /* back over at most 3 continuation bytes to the sequence's first byte */
        while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
                i--;
        if (i == 0)
                return;
        i--;
        if ((unsigned char)s[i] >= 0x80 && utf8_seq((const unsigned char *)s + i, n - i) != n - i)
                s[i] = '\0';
}
