/* A parsed event's identifying values → struct winevent (decode_impl.h):
 * the validation every dialect and both parsers share (json-c in
 * decode.c, the flat fast path in flatscan.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode_impl.h"
#include "spoor/host.h"
#include "spoor/intern.h"
#include "spoor/taskxml.h"

int decode_reject(const struct decode_fail *f, enum reject_reason r, const char *fmt, ...)
{
        *f->why = r;
        if (f->detail && f->detail_len) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(f->detail, f->detail_len, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* (a C1 control such as U+009B is CSI on some terminals, so bytes >= 0x80
 * are shown as '?' too) */
const char *decode_show(const char *s, size_t len, char buf[48])
{
        size_t n = 0, max = 40;

        for (size_t i = 0; i < len && n < max; i++) {
                unsigned char c = (unsigned char)s[i];
                buf[n++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
        }
        if (len > max) {
                memcpy(buf + n, "...", 3);
                n += 3;
        }
        buf[n] = '\0';
        return buf;
}

static const char *decode_show_value(const struct dval *v, char buf[48])
{
        return decode_show(v->s ? v->s : "", v->s ? v->len : 0, buf);
}

bool decode_digits_beyond_64(const char *d, size_t n, bool neg)
{
        const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
        size_t lim_len = strlen(lim);

        return n > lim_len || (n == lim_len && memcmp(d, lim, lim_len) > 0);
}

/* Decimal digits (base 10) or hex digits (base 16) [s, s+n) as a uint64.
 * 0, -EINVAL (not a digit, or none), -ERANGE (above UINT64_MAX). */
static int decode_digits(const char *s, size_t n, unsigned base, uint64_t *out)
{
        uint64_t x = 0;

        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned c = (unsigned char)s[i], dv;
                if (c >= '0' && c <= '9')
                        dv = c - '0';
                else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                        dv = (c | 0x20) - 'a' + 10;
                else
                        return -EINVAL;
                if (x > (UINT64_MAX - dv) / base)
                        return -ERANGE;
                x = x * base + dv;
        }
        *out = x;
        return 0;
}

/* A JSON integer, a decimal string or a "0x" hex string.  0; -EINVAL when
 * it is not a number; -ERANGE when negative or above UINT64_MAX. */
static int decode_number(const struct dval *v, uint64_t *out)
{
        const char *s = v->s;
        size_t n = v->len;

        switch (v->kind) {
        case DV_INT:
                if (n && s[0] == '-')
                        return -ERANGE;
                return decode_digits(s, n, 10, out);
        case DV_STRING:
                if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                        return decode_digits(s + 2, n - 2, 16, out);
                if (n > 1 && s[0] == '-') {
                        int r = decode_digits(s + 1, n - 1, 10, out);
                        return r < 0 ? r : *out != 0 ? -ERANGE : 0;
                }
                return decode_digits(s, n, 10, out);
        default:
                return -EINVAL;
        }
}

/* Whether the text of v, a number decode_number() read, is that number in
 * decimal already: digits without a leading zero (a JSON integer, or a
 * string of one).  Then it serves as the field's value as it is, sparing
 * an snprintf() per event (which cost more than the rest of the mapping
 * of the system fields). */
static bool decode_is_decimal(const struct dval *v)
{
        if (v->len == 0 || (v->s[0] == '0' && v->len > 1))
                return false;
        for (size_t i = 0; i < v->len; i++)
                if (v->s[i] < '0' || v->s[i] > '9')
                        return false;
        return true;
}

/* Channel / provider: a string, no control characters, bounded. */
static int decode_ident(const struct dval *v, const char *what, enum reject_reason bad,
                        const char **s, size_t *len, const struct decode_fail *f)
{
        char show[48];

        if (v->kind != DV_STRING)
                return decode_reject(f, bad, "%s %s is not a string", what, decode_show_value(v, show));
        *s = v->s;
        *len = v->len;
        if (*len > EVENT_IDENT_MAX)
                return decode_reject(f, bad, "%s longer than %d bytes", what, EVENT_IDENT_MAX);
        for (size_t i = 0; i < *len; i++) {
                unsigned char c = (unsigned char)(*s)[i];
                if (c < 0x20 || c == 0x7f)
                        return decode_reject(f, bad, "%s \"%s\" holds a control character", what,
                                             decode_show(*s, *len, show));
        }
        return 0;
}

/* Set a system field (name: a literal, interned once per thread). */
static int decode_set(struct winevent *ev, const char *name, const char *v, size_t len, const char **out)
{
        const char *key = intern_literal(name);
        int r = key ? winevent_set_field_interned(ev, key, v, len) : winevent_set_field(ev, name, strlen(name), v, len);

        if (r < 0)
                return r;
        if (out)
                *out = (key ? winevent_get_interned(ev, key) : winevent_get(ev, name))->value;
        return 0;
}

int decode_map(const struct decode_ctx *ctx, enum dialect dl, const struct dsys *sys, decode_fields_fn fields,
               void *ud, struct winevent *ev, const struct decode_fail *f)
{
        uint64_t id, rec = 0;
        const char *channel = "", *provider = NULL, *host;
        size_t channel_len = 0, provider_len = 0, host_len;
        char show[48];
        int r;

        ev->dialect = dl;

        /* EventID */
        if (sys->event_id.kind == DV_ABSENT)
                return decode_reject(f, REJ_MISSING_EVENT_ID, "no EventID");
        r = decode_number(&sys->event_id, &id);
        if (r == -EINVAL)
                return decode_reject(f, REJ_BAD_EVENT_ID, "EventID \"%s\" is not a number",
                                     decode_show_value(&sys->event_id, show));
        if (r < 0 || id > 65535)
                return decode_reject(f, REJ_BAD_EVENT_ID, "EventID %s out of range",
                                     decode_show_value(&sys->event_id, show));
        ev->event_id = (uint32_t)id;

        /* host: the event's own, else the fallback */
        if (sys->host.kind != DV_ABSENT && sys->host.kind != DV_STRING)
                return decode_reject(f, REJ_BAD_HOST, "host %s is not a string",
                                     decode_show_value(&sys->host, show));
        if (sys->host.kind == DV_STRING && sys->host.len > 0) {
                host = sys->host.s;
                host_len = sys->host.len;
        } else if (ctx->fallback_host && ctx->fallback_host_len) {
                host = ctx->fallback_host;
                host_len = ctx->fallback_host_len;
        } else {
                return decode_reject(f, REJ_MISSING_HOST, "no host in the event or the syslog header");
        }
        enum reject_reason host_why;
        if (host_canonicalise(host, host_len, ev->host, &host_why) < 0)
                return decode_reject(f, host_why, "bad host \"%s\"", decode_show(host, host_len, show));

        /* channel, provider, record id */
        if (sys->channel.kind != DV_ABSENT &&
            (r = decode_ident(&sys->channel, "Channel", REJ_BAD_CHANNEL, &channel, &channel_len, f)) < 0)
                return r;
        if (sys->provider.kind != DV_ABSENT &&
            (r = decode_ident(&sys->provider, "provider", REJ_BAD_PROVIDER, &provider, &provider_len, f)) < 0)
                return r;
        if (channel_len == 0 && provider_len == 0)
                return decode_reject(f, REJ_MISSING_CHANNEL, "no Channel (and no provider)");
        if (sys->record_id.kind != DV_ABSENT) {
                if (decode_number(&sys->record_id, &rec) < 0)
                        return decode_reject(f, REJ_BAD_RECORD_ID,
                                             "record id \"%s\" is not a non-negative integer",
                                             decode_show_value(&sys->record_id, show));
                ev->record_id = rec;
                ev->has_record_id = true;
        }

        /* event time */
        if (sys->time.kind != DV_ABSENT) {
                if (sys->time.kind != DV_STRING ||
                    timefmt_parse(sys->time.s, sys->time.len, ctx->zone, &ev->time_us) < 0)
                        return decode_reject(f, REJ_BAD_TIME, "bad event time \"%s\"",
                                             decode_show_value(&sys->time, show));
        } else {
                ev->time_us = ctx->fallback_time_us ? ctx->fallback_time_us : ctx->recv_us;
        }

        /* fields, then the system fields over them */
        char num[24];
        const char *text = sys->event_id.s;
        size_t n = sys->event_id.len;
        if (!decode_is_decimal(&sys->event_id)) {
                n = (size_t)snprintf(num, sizeof(num), "%" PRIu32, ev->event_id);
                text = num;
        }
        if ((r = fields(ud, ev)) < 0 ||
            (r = decode_set(ev, "EventID", text, n, NULL)) < 0 ||
            (r = decode_set(ev, "Computer", host, host_len, NULL)) < 0)
                return r;
        if (channel_len && (r = decode_set(ev, "Channel", channel, channel_len, &ev->channel)) < 0)
                return r;
        if (provider && (r = decode_set(ev, "Provider_Name", provider, provider_len, &ev->provider)) < 0)
                return r;
        if (ev->has_record_id) {
                text = sys->record_id.s;
                n = sys->record_id.len;
                if (!decode_is_decimal(&sys->record_id)) {
                        n = (size_t)snprintf(num, sizeof(num), "%" PRIu64, rec);
                        text = num;
                }
                if ((r = decode_set(ev, "EventRecordID", text, n, NULL)) < 0)
                        return r;
        }
        /* Security 4698/4702: the task XML's derived fields (never a rejection) */
        if (channel_len == 8 && memcmp(channel, "Security", 8) == 0 && (r = taskxml_enrich(ev, NULL)) < 0)
                return r;
        return 0;
}
