/* For the harnesses that check a spool line (fuzz_record, fuzz_state): one
 * record is one line of valid JSON.  Include after fuzz.h. */
#pragma once
#include <stdbool.h>
#include <json-c/json.h>

#include "utf8_oracle.h"

/* A copy of [s, s + n) with every byte that is not part of a valid UTF-8
 * sequence replaced by '?' (NUL-terminated; NUL bytes are kept). */
static inline char *fuzz_utf8_clean(const char *s, size_t n)
{
        char *o = malloc(n + 1);
        size_t i = 0;

        if (!o)
                abort();
        while (i < n) {
                size_t k = 1;

                if ((unsigned char)s[i] >= 0x80) {
                        for (k = 2; k <= 4 && i + k <= n; k++)
                                if (fuzz_utf8_valid((const unsigned char *)s + i, k))
                                        break;
                        if (k > 4 || i + k > n) {
                                o[i++] = '?';
                                continue;
                        }
                }
                memcpy(o + i, s + i, k);
                i += k;
        }
        o[n] = '\0';
        return o;
}

/* line[0..len) is one record: no NUL before len, no byte below 0x20
 * (so no CR, LF or raw escape sequence), one JSON object and nothing
 * after it, and (when utf8) valid UTF-8.  Returns the parsed object (put
 * it). */
static inline struct json_object *fuzz_json_line(const char *line, size_t len, bool utf8)
{
        struct json_tokener *tok;
        struct json_object *o;

        fuzz_assert(line != NULL);
        fuzz_assert(strlen(line) == len);
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)line[i] < 0x20) {
                        fprintf(stderr, "record: raw control byte %#x at %zu\n", (unsigned char)line[i], i);
                        fuzz_assert((unsigned char)line[i] >= 0x20);
                }
        if (utf8 && !fuzz_utf8_valid((const unsigned char *)line, len)) {
                fprintf(stderr, "record is not valid UTF-8: %.*s\n", (int)(len > 2000 ? 2000 : len), line);
                fuzz_assert(fuzz_utf8_valid((const unsigned char *)line, len));
        }
        tok = json_tokener_new_ex(64);
        fuzz_assert(tok != NULL);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, line, (int)len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
                fprintf(stderr, "record does not parse (%s): %.*s\n",
                        json_tokener_error_desc(json_tokener_get_error(tok)), (int)(len > 2000 ? 2000 : len), line);
                fuzz_assert(!"record is one JSON value");
        }
        fuzz_assert(json_object_is_type(o, json_type_object));
        json_tokener_free(tok);
        return o;
}

/* o[key] is the string want[0..wlen). */
static inline void fuzz_json_str_eq(struct json_object *o, const char *key, const char *want, size_t wlen)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
            (size_t)json_object_get_string_len(v) != wlen || memcmp(json_object_get_string(v), want, wlen) != 0) {
                fprintf(stderr, "record: \"%s\" does not round-trip\n", key);
                fuzz_assert(!"a value round-trips");
        }
}
