/* Syslog header → JSON payload.  See include/spoor/syslog.h for the contract.
 *
 * Every scan is bounded by len: the buffer is a frame inside the caller's
 * receive buffer and is not NUL-terminated.
 *
 * Details beyond the header's contract:
 *   - PRI: leading zeros are accepted ("<013>" is 13).  A PRI above 191 sets
 *     pri_invalid and leaves pri at -1.
 *   - RFC 5424 is recognised by "1 " right after the PRI.  Header fields are
 *     separated by one or more SP.  TIMESTAMP is "-" or RFC 3339
 *     ("YYYY-MM-DDThh:mm:ss" then fraction / zone characters); HOSTNAME,
 *     APP-NAME, PROCID and MSGID are any non-empty runs of non-SP bytes.
 *     STRUCTURED-DATA is "-" or one or more "[id name="value" ...]"
 *     elements (names: 1-32 printable ASCII bytes other than '=', SP, ']',
 *     '"'; inside values a backslash escapes the next byte, and an unescaped
 *     ']' is tolerated); it must be followed by SP.
 *   - RFC 3164: TIMESTAMP is "Mmm dd hh:mm:ss" (day space-padded "Nov  6",
 *     zero-padded "Nov 06" or bare "Nov 6"; English month abbreviations;
 *     values range-checked) or an RFC 3339 timestamp (relays in
 *     RSYSLOG_ForwardFormat and syslog-ng do that; format stays RFC3164).
 *     The word after it is the HOSTNAME unless it ends with ':' or holds '['
 *     or '{' (then it is the TAG or the message: no hostname).  The PRI may
 *     be missing.  "<PRI>" directly followed by '{' is accepted as RFC 3164
 *     without timestamp or hostname.
 *   - MSG is from the first '{' after the header (after STRUCTURED-DATA for
 *     RFC 5424, after HOSTNAME for RFC 3164) to the end of the frame; the
 *     decoder judges the rest of it.  No '{' there: REJ_BAD_SYSLOG.
 *   - A payload that neither starts with '{', '<' nor a 3164 timestamp (and
 *     an empty one) is REJ_NOT_JSON: it is not syslog, and not JSON. */
#include <errno.h>
#include <string.h>

#include "spoor/syslog.h"

#define SYSLOG_PRI_MAX 191
#define SYSLOG_SD_NAME_MAX 32

static bool syslog_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Value of the `n` digits at p, or -1 if one is not a digit. */
static int syslog_num(const char *p, size_t n)
{
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (!syslog_digit(p[i]))
                        return -1;
                v = v * 10 + (p[i] - '0');
        }
        return v;
}

/* Length of the run of non-SP bytes at buf[i..len). */
static size_t syslog_word(const char *buf, size_t len, size_t i)
{
        size_t j = i;

        while (j < len && buf[j] != ' ')
                j++;
        return j - i;
}

/* "<PRI>" at buf[0] ('<' known).  Sets *end past '>'.  0 or -EINVAL. */
static int syslog_pri(const char *buf, size_t len, struct syslog_msg *out, size_t *end)
{
        size_t j = 1;
        int v;

        while (j < len && j <= 4 && syslog_digit(buf[j]))
                j++;
        if (j == 1 || j > 4 || j >= len || buf[j] != '>')
                return -EINVAL;
        v = syslog_num(buf + 1, j - 1);
        if (v > SYSLOG_PRI_MAX) {
                out->pri = -1;
                out->pri_invalid = true;
        } else {
                out->pri = v;
        }
        *end = j + 1;
        return 0;
}

/* Length of an RFC 3339 timestamp word at p[0..n), or 0. */
static size_t syslog_rfc3339(const char *p, size_t n)
{
        static const char shape[] = "dddd-dd-ddTdd:dd:dd";
        size_t w = syslog_word(p, n, 0);

        if (w < sizeof(shape) - 1)
                return 0;
        for (size_t i = 0; i < sizeof(shape) - 1; i++) {
                char c = p[i];

                if (shape[i] == 'd' ? !syslog_digit(c)
                    : shape[i] == 'T' ? (c != 'T' && c != 't')
                    : c != shape[i])
                        return 0;
        }
        for (size_t i = sizeof(shape) - 1; i < w; i++)
                if (!strchr("0123456789.:+-Zz", p[i]) || p[i] == '\0')
                        return 0;
        return w;
}

/* Length of an RFC 3164 "Mmm dd hh:mm:ss" at p[0..n), or 0. */
static size_t syslog_rfc3164_time(const char *p, size_t n)
{
        static const char months[12][3] = {
                "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        };
        size_t k;
        int day, hh, mm, ss;
        bool month = false;

        if (n < 4 || p[3] != ' ')
                return 0;
        for (size_t m = 0; m < 12 && !month; m++)
                month = memcmp(p, months[m], 3) == 0;
        if (!month)
                return 0;
        k = 4;
        if (k + 2 > n)
                return 0;
        if (p[k] == ' ' && syslog_digit(p[k + 1])) {            /* "Nov  6" */
                day = p[k + 1] - '0';
                k += 2;
        } else if (syslog_digit(p[k]) && syslog_digit(p[k + 1])) {     /* "Nov 06", "Nov 16" */
                day = syslog_num(p + k, 2);
                k += 2;
        } else if (syslog_digit(p[k]) && p[k + 1] == ' ') {     /* "Nov 6" */
                day = p[k] - '0';
                k += 1;
        } else {
                return 0;
        }
        if (k + 9 > n || p[k] != ' ' || p[k + 3] != ':' || p[k + 6] != ':')
                return 0;
        hh = syslog_num(p + k + 1, 2);
        mm = syslog_num(p + k + 4, 2);
        ss = syslog_num(p + k + 7, 2);
        if (day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
                return 0;
        return k + 9;
}

/* MSG: the first '{' at or after buf[i]. */
static int syslog_msg_from(const char *buf, size_t len, size_t i, struct syslog_msg *out,
                           enum reject_reason *why)
{
        const char *brace = i < len ? memchr(buf + i, '{', len - i) : NULL;

        if (!brace) {
                *why = REJ_BAD_SYSLOG;
                return -EINVAL;
        }
        out->msg = brace;
        out->msg_len = len - (size_t)(brace - buf);
        return 0;
}

/* An SD-NAME (SD-ID or PARAM-NAME) at buf[*i..len).  0 or -EINVAL. */
static int syslog_sd_name(const char *buf, size_t len, size_t *i)
{
        size_t s = *i;

        while (*i < len && buf[*i] > ' ' && buf[*i] < 127 && buf[*i] != '=' && buf[*i] != ']' &&
               buf[*i] != '"')
                (*i)++;
        return *i > s && *i - s <= SYSLOG_SD_NAME_MAX ? 0 : -EINVAL;
}

/* STRUCTURED-DATA at buf[*i..len): "-" or "[...]"+.  0 or -EINVAL. */
static int syslog_sd(const char *buf, size_t len, size_t *i)
{
        if (*i < len && buf[*i] == '-') {
                (*i)++;
                return 0;
        }
        if (*i >= len || buf[*i] != '[')
                return -EINVAL;
        while (*i < len && buf[*i] == '[') {
                (*i)++;
                if (syslog_sd_name(buf, len, i) < 0)
                        return -EINVAL;
                for (;;) {
                        if (*i >= len)
                                return -EINVAL;
                        if (buf[*i] == ']')
                                break;
                        if (buf[*i] != ' ')
                                return -EINVAL;
                        while (*i < len && buf[*i] == ' ')
                                (*i)++;
                        if (*i < len && buf[*i] == ']')
                                break;
                        if (syslog_sd_name(buf, len, i) < 0)
                                return -EINVAL;
                        if (*i + 1 >= len || buf[*i] != '=' || buf[*i + 1] != '"')
                                return -EINVAL;
                        *i += 2;
                        for (;;) {
                                if (*i >= len)
                                        return -EINVAL;
                                if (buf[*i] == '\\') {
                                        *i += 2;        /* \" \\ \] (and any other: kept) */
                                        continue;
                                }
                                if (buf[*i] == '"')
                                        break;
                                (*i)++;
                        }
                        (*i)++;                         /* closing '"' */
                }
                (*i)++;                                 /* closing ']' */
        }
        return 0;
}

/* One RFC 5424 header field at buf[*i..len), followed by SP (skipped).
 * Sets *f and *flen.  0 or -EINVAL. */
static int syslog_field(const char *buf, size_t len, size_t *i, const char **f, size_t *flen)
{
        size_t w = syslog_word(buf, len, *i);

        if (w == 0 || *i + w >= len)
                return -EINVAL;                 /* empty, or nothing after it */
        *f = buf + *i;
        *flen = w;
        *i += w;
        while (*i < len && buf[*i] == ' ')
                (*i)++;
        return 0;
}

static int syslog_5424(const char *buf, size_t len, size_t i, struct syslog_msg *out,
                       enum reject_reason *why)
{
        const char *ts, *host, *skip;
        size_t ts_len, host_len, skip_len;

        out->format = SYSLOG_RFC5424;
        i += 2;                                 /* "1 " */
        while (i < len && buf[i] == ' ')
                i++;
        if (syslog_field(buf, len, &i, &ts, &ts_len) < 0 ||
            syslog_field(buf, len, &i, &host, &host_len) < 0 ||
            syslog_field(buf, len, &i, &skip, &skip_len) < 0 ||      /* APP-NAME */
            syslog_field(buf, len, &i, &skip, &skip_len) < 0 ||      /* PROCID */
            syslog_field(buf, len, &i, &skip, &skip_len) < 0)        /* MSGID */
                goto bad;
        if (!(ts_len == 1 && ts[0] == '-')) {
                if (syslog_rfc3339(ts, ts_len) != ts_len)
                        goto bad;
                out->timestamp = ts;
                out->timestamp_len = ts_len;
        }
        if (!(host_len == 1 && host[0] == '-')) {
                out->hostname = host;
                out->hostname_len = host_len;
        }
        if (syslog_sd(buf, len, &i) < 0)
                goto bad;
        if (i >= len || buf[i] != ' ')
                goto bad;                       /* no MSG, or junk glued to SD */
        return syslog_msg_from(buf, len, i, out, why);
bad:
        /* Neither PRI nor timestamp: not syslog at all, and not JSON. */
        *why = i == 0 ? REJ_NOT_JSON : REJ_BAD_SYSLOG;
        return -EINVAL;
}

static int syslog_3164(const char *buf, size_t len, size_t i, struct syslog_msg *out,
                       enum reject_reason *why)
{
        size_t ts_len, w;

        out->format = SYSLOG_RFC3164;
        if (i < len && buf[i] == '{' && i > 0)
                return syslog_msg_from(buf, len, i, out, why);  /* "<13>{...}" */
        ts_len = syslog_rfc3164_time(buf + i, len - i);
        if (ts_len == 0)
                ts_len = syslog_rfc3339(buf + i, len - i);
        if (ts_len == 0 || i + ts_len >= len || buf[i + ts_len] != ' ')
                goto bad;
        out->timestamp = buf + i;
        out->timestamp_len = ts_len;
        i += ts_len;
        while (i < len && buf[i] == ' ')
                i++;
        w = syslog_word(buf, len, i);
        if (w > 0 && buf[i + w - 1] != ':' && !memchr(buf + i, '[', w) && !memchr(buf + i, '{', w)) {
                if (!(w == 1 && buf[i] == '-')) {
                        out->hostname = buf + i;
                        out->hostname_len = w;
                }
                i += w;
        }
        return syslog_msg_from(buf, len, i, out, why);
bad:
        /* Neither PRI nor timestamp: not syslog at all, and not JSON. */
        *why = i == 0 ? REJ_NOT_JSON : REJ_BAD_SYSLOG;
        return -EINVAL;
}

int syslog_parse(const char *buf, size_t len, struct syslog_msg *out, enum reject_reason *why)
{
        size_t i = 0;

        memset(out, 0, sizeof(*out));
        out->format = SYSLOG_NONE;
        out->pri = -1;
        *why = REJ_NONE;
        if (len == 0) {
                *why = REJ_NOT_JSON;
                return -EINVAL;
        }
        if (buf[0] == '{') {
                out->msg = buf;
                out->msg_len = len;
                return 0;
        }
        if (buf[0] == '<') {
                if (syslog_pri(buf, len, out, &i) < 0) {
                        *why = REJ_BAD_PRI;
                        return -EINVAL;
                }
                if (len - i >= 2 && buf[i] == '1' && buf[i + 1] == ' ')
                        return syslog_5424(buf, len, i, out, why);
        }
        return syslog_3164(buf, len, i, out, why);
}
