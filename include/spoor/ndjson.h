/* Splitting an NDJSON body (POST /v1/events) into lines: one definition for
 * the daemon and its fuzz harness. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The next line of [*p, end): *line and *len without its LF and one CR in
 * front of it; *p moves past the LF.  false at the end (an empty body has
 * no line; a body ending in LF has no empty last line). */
static inline bool ndjson_next_line(const char **p, const char *end, const char **line, size_t *len)
{
        const char *s = *p, *nl;

        if (s >= end)
                return false;
        nl = memchr(s, '\n', (size_t)(end - s));
        *line = s;
        *len = (size_t)((nl ? nl : end) - s);
        if (*len && s[*len - 1] == '\r')
                (*len)--;
        *p = nl ? nl + 1 : end;
        return true;
}
