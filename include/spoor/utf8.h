/* Strict UTF-8 (RFC 3629): what every record and log line carries.
 *
 * Input is mended, never refused for its encoding: a byte that does not
 * begin or continue a valid sequence (invalid, overlong, a surrogate,
 * above U+10FFFF, cut short) becomes U+FFFD, one per bad byte, so an
 * event with odd bytes in its command line is still evaluated. */
#ifndef SPOOR_UTF8_H
#define SPOOR_UTF8_H

#include <stddef.h>

/* The length of the longest valid prefix of [s, s+n) (n when all of it). */
size_t utf8_valid_prefix(const char *s, size_t n);

/* The bytes utf8_mend() writes for [s, s+n): at most 3 * n. */
#define UTF8_MEND_MAX(n) (3 * (n))

/* [s, s+n) into out (room for UTF8_MEND_MAX(n) bytes) with each bad byte
 * replaced by U+FFFD.  Returns the bytes written. */
size_t utf8_mend(const char *s, size_t n, char *out);

/* Cut an incomplete sequence at the end of the NUL-terminated s (what a
 * snprintf() into a fixed buffer leaves). */
void utf8_trim_tail(char *s);

#endif
