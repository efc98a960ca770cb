/* Streamed JSON text (contract in daemon/coverage/jsonw.h).
 *
 * Decisions:
 *   - Escaping follows json-c 0.16's json_escape_str without
 *     JSON_C_TO_STRING_NOSLASHESCAPE: '"', '\\', '/' and \b \f \n \r \t
 *     get a backslash, other bytes below 0x20 become \u00xx (lower-case
 *     hex), every other byte passes as it is.  test_report compares it
 *     with json-c for every byte value.
 *   - Doubles are rare (a share per rule): json-c formats them, so its
 *     float format and locale handling stay the reference. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "jsonw.h"
#include "spoor/timefmt.h"

#define JSONW_FD_BUF (64 * 1024)

int jsonw_init_fd(struct jsonw *w, int fd)
{
        *w = (struct jsonw){ .fd = fd, .buf = malloc(JSONW_FD_BUF), .cap = JSONW_FD_BUF };
        if (!w->buf)
                return w->err = -ENOMEM;
        return 0;
}

void jsonw_init_mem(struct jsonw *w)
{
        *w = (struct jsonw){ .fd = -1 };
}

static void jsonw_flush(struct jsonw *w)
{
        const char *p = w->buf;
        size_t n = w->len;

        while (!w->err && n > 0) {
                ssize_t k = write(w->fd, p, n);

                if (k < 0) {
                        if (errno != EINTR)
                                w->err = -errno;
                        continue;
                }
                p += k;
                n -= (size_t)k;
                w->written += (uint64_t)k;
        }
        w->len = 0;
}

int jsonw_finish(struct jsonw *w)
{
        if (w->fd >= 0)
                jsonw_flush(w);
        return w->err;
}

void jsonw_fini(struct jsonw *w)
{
        free(w->buf);
        w->buf = NULL;
        w->len = w->cap = 0;
}

/* Room for n more bytes in buf; false after a failure. */
static bool jsonw_room(struct jsonw *w, size_t n)
{
        if (w->err)
                return false;
        if (w->cap - w->len >= n)
                return true;
        if (w->fd >= 0) {
                jsonw_flush(w);
                return !w->err && w->cap >= n;
        }
        size_t cap = w->cap ? w->cap : 4096;
        char *b;

        while (cap - w->len < n)
                cap *= 2;
        if (!(b = realloc(w->buf, cap))) {
                w->err = -ENOMEM;
                return false;
        }
        w->buf = b;
        w->cap = cap;
        return true;
}

void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
        while (n > 0 && !w->err) {
                size_t k = n;

                if (w->fd >= 0 && k > w->cap)
                        k = w->cap;     /* longer than the buffer: in pieces */
                if (!jsonw_room(w, k))
                        return;
                memcpy(w->buf + w->len, s, k);
                w->len += k;
                s += k;
                n -= k;
        }
}

/* The escape of byte c, or NULL when it passes as it is. */
static const char *jsonw_escape(unsigned char c, char tmp[7])
{
        static const char hex[] = "0123456789abcdef";

        switch (c) {
        case '"':
                return "\\\"";
        case '\\':
                return "\\\\";
        case '/':
                return "\\/";
        case '\b':
                return "\\b";
        case '\f':
                return "\\f";
        case '\n':
                return "\\n";
        case '\r':
                return "\\r";
        case '\t':
                return "\\t";
        default:
                if (c >= 0x20)
                        return NULL;
                snprintf(tmp, 7, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
                return tmp;
        }
}

void jsonw_str(struct jsonw *w, const char *s)
{
        const char *run = s;
        char tmp[7];

        jsonw_lit(w, "\"");
        for (; *s; s++) {
                const char *e = jsonw_escape((unsigned char)*s, tmp);

                if (!e)
                        continue;
                jsonw_raw(w, run, (size_t)(s - run));
                jsonw_raw(w, e, strlen(e));
                run = s + 1;
        }
        jsonw_raw(w, run, (size_t)(s - run));
        jsonw_lit(w, "\"");
}

void jsonw_key(struct jsonw *w, const char *k, int first)
{
        if (!first)
                jsonw_lit(w, ",");
        jsonw_str(w, k);
        jsonw_lit(w, ":");
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
        char buf[24];
        int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

        jsonw_raw(w, buf, (size_t)n);
}

void jsonw_num(struct jsonw *w, double v)
{
        struct json_object *o;
        const char *s;
        size_t n;

        if (v == (double)(int64_t)v) {
                jsonw_i64(w, (int64_t)v);
                return;
        }
        if (w->err)
                return;
        if (!(o = json_object_new_double(v)) || !(s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n)))
                w->err = -ENOMEM;
        else
                jsonw_raw(w, s, n);
        json_object_put(o);
}

void jsonw_time(struct jsonw *w, int64_t us)
{
        char buf[TIMEFMT_MAX];

        jsonw_str(w, timefmt_format(us, buf));
}
