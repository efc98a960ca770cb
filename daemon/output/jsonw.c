/* Streamed JSON text (contract in include/spoor/jsonw.h).
 *
 * Decisions:
 *   - Escaping follows json-c 0.16's json_escape_str: '"', '\\', '/'
 *     (unless JSONW_NOSLASHESCAPE) and \b \f \n \r \t get a backslash,
 *     other bytes below 0x20 become \u00xx (lower-case hex), every other
 *     byte passes as it is.  test_report compares it with json-c for every
 *     byte value, test_record with NOSLASHESCAPE.
 *   - A string is copied in runs between the bytes to escape, looked for
 *     8 bytes at a time (most strings have none), then through a
 *     256-entry table in the 8 bytes that hold one.
 *   - Doubles are rare (a share per rule): json-c formats them, so its
 *     float format and locale handling stay the reference. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "spoor/decimal.h"
#include "spoor/jsonw.h"
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

int jsonw_init_mem_ext(struct jsonw *w, size_t cap, unsigned flags)
{
        *w = (struct jsonw){ .fd = -1, .flags = flags };
        if (cap && !(w->buf = malloc(cap)))
                return w->err = -ENOMEM;
        w->cap = cap;
        return 0;
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

        while (cap - w->len < n) {
                if (cap > SIZE_MAX / 2) {
                        w->err = -ENOMEM;
                        return false;
                }
                cap *= 2;
        }
        if (!(b = realloc(w->buf, cap))) {
                w->err = -ENOMEM;
                return false;
        }
        w->buf = b;
        w->cap = cap;
        return true;
}

char *jsonw_take(struct jsonw *w, size_t *len)
{
        char *t;

        if (w->fd >= 0 || !jsonw_room(w, 1))
                return NULL;
        w->buf[w->len] = '\0';
        t = w->buf;
        if (len)
                *len = w->len;
        w->buf = NULL;
        w->len = w->cap = 0;
        return t;
}

void jsonw_raw_slow(struct jsonw *w, const char *s, size_t n)
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

/* Per byte: 0 passes as it is, 1 is escaped, 2 ('/') is escaped unless
 * JSONW_NOSLASHESCAPE. */
static const unsigned char jsonw_class[256] = {
        [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
        [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1,
        [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
        [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
        ['"'] = 1, ['\\'] = 1, ['/'] = 2,
};

/* The escape of byte c (jsonw_class[c] != 0) into tmp; its length. */
static size_t jsonw_escape(unsigned char c, char tmp[6])
{
        static const char hex[] = "0123456789abcdef";

        tmp[0] = '\\';
        switch (c) {
        case '"':
        case '\\':
        case '/':
                tmp[1] = (char)c;
                return 2;
        case '\b':
                tmp[1] = 'b';
                return 2;
        case '\f':
                tmp[1] = 'f';
                return 2;
        case '\n':
                tmp[1] = 'n';
                return 2;
        case '\r':
                tmp[1] = 'r';
                return 2;
        case '\t':
                tmp[1] = 't';
                return 2;
        default:
                memcpy(tmp + 1, "u00", 3);
                tmp[4] = hex[c >> 4];
                tmp[5] = hex[c & 0xf];
                return 6;
        }
}

#define JSONW_ONES UINT64_C(0x0101010101010101)
#define JSONW_HIGH UINT64_C(0x8080808080808080)

/* Non-zero when a byte of x is zero (exact as a yes/no: bithacks'
 * "haszero"). */
static inline uint64_t jsonw_zero_byte(uint64_t x)
{
        return (x - JSONW_ONES) & ~x & JSONW_HIGH;
}

/* Non-zero when one of the 8 bytes of x is escaped: below 0x20 (bithacks'
 * "hasless", exact as a yes/no for n <= 128), '"', '\\', or '/' unless
 * noslash. */
static inline uint64_t jsonw_escaped_byte(uint64_t x, bool noslash)
{
        uint64_t r = ((x - JSONW_ONES * 0x20) & ~x & JSONW_HIGH) | jsonw_zero_byte(x ^ (JSONW_ONES * '"')) |
                     jsonw_zero_byte(x ^ (JSONW_ONES * '\\'));

        return noslash ? r : r | jsonw_zero_byte(x ^ (JSONW_ONES * '/'));
}

void jsonw_str_len(struct jsonw *w, const char *s, size_t n)
{
        const bool noslash = w->flags & JSONW_NOSLASHESCAPE;
        const unsigned char pass = noslash ? 2 : 0;
        const char *run = s, *end = s + n;
        char tmp[6];

        jsonw_lit(w, "\"");
        while (s < end) {
                const char *stop;
                uint64_t x;

                /* 8 bytes at a time while none is escaped ... */
                while (end - s >= 8) {
                        memcpy(&x, s, 8);
                        if (jsonw_escaped_byte(x, noslash))
                                break;
                        s += 8;
                }
                /* ... then the 8 (or the tail) that hold one, byte by byte */
                for (stop = end - s >= 8 ? s + 8 : end; s < stop; s++) {
                        unsigned char c = (unsigned char)*s, k = jsonw_class[c];

                        if (!k || k == pass)
                                continue;
                        jsonw_raw(w, run, (size_t)(s - run));
                        jsonw_raw(w, tmp, jsonw_escape(c, tmp));
                        run = s + 1;
                }
        }
        jsonw_raw(w, run, (size_t)(s - run));
        jsonw_lit(w, "\"");
}

void jsonw_str(struct jsonw *w, const char *s)
{
        jsonw_str_len(w, s, strlen(s));
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
        char buf[1 + DECIMAL_U64_MAX];
        size_t n;
        char *p = decimal_u64(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, buf + 1, &n);

        if (v < 0) {
                *--p = '-';
                n++;
        }
        jsonw_raw(w, p, n);
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
        char buf[DECIMAL_U64_MAX];
        size_t n;
        const char *p = decimal_u64(v, buf, &n);

        jsonw_raw(w, p, n);
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
