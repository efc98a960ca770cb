/* Time formats of Windows forwarders, to and from UTC microseconds.
 *
 * UTC math is plain calendar arithmetic (days_from_civil, same results as
 * timegm(3) without its search loop), so fixed zones never touch the C
 * library's local-time machinery.  A named zone is resolved with
 * setenv("TZ") + tzset() + mktime(tm_isdst = -1), after which the previous
 * TZ is restored; the offset is cached per local hour, so the steady state
 * costs no syscalls.  Offsets are assumed constant within a local hour
 * (true of every current zone: transitions happen on the hour).  Local
 * times that occur twice (the hour after a DST fall-back) or never (the
 * spring-forward gap) resolve as glibc's mktime() resolves them.
 *
 * Not thread-safe (TZ is process-global): spoord decodes on one thread. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "spoor/timefmt.h"

enum {
        TIMEFMT_ZONE_FIXED = 0,         /* UTC or a fixed offset; a zeroed struct is UTC */
        TIMEFMT_ZONE_NAMED = 1,
};

#define TIMEFMT_ZONEINFO "/usr/share/zoneinfo/"
#define US_PER_S INT64_C(1000000)

static bool timefmt_leap(int64_t y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int timefmt_mdays(int64_t y, int m)
{
        static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        return m == 2 && timefmt_leap(y) ? 29 : mdays[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t timefmt_days_from_civil(int64_t y, int m, int d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void timefmt_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
        z += 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

static int64_t timefmt_floordiv(int64_t a, int64_t b)
{
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* "+02:00", "-0530", "+02": seconds east of UTC.  0 or -EINVAL. */
static int timefmt_parse_offset(const char *s, size_t len, int *out_s)
{
        int sign, h, m = 0;

        if (len < 3 || (s[0] != '+' && s[0] != '-'))
                return -EINVAL;
        sign = s[0] == '-' ? -1 : 1;
        for (size_t i = 1; i < len; i++)
                if (!(i == 3 && s[i] == ':' && len == 6) && (s[i] < '0' || s[i] > '9'))
                        return -EINVAL;
        h = (s[1] - '0') * 10 + (s[2] - '0');
        if (len == 6 && s[3] == ':')
                m = (s[4] - '0') * 10 + (s[5] - '0');
        else if (len == 5)
                m = (s[3] - '0') * 10 + (s[4] - '0');
        else if (len != 3)
                return -EINVAL;
        if (h > 23 || m > 59)
                return -EINVAL;
        *out_s = sign * (h * 3600 + m * 60);
        return 0;
}

static bool timefmt_zone_name_ok(const char *name, size_t len)
{
        if (len == 0 || len >= sizeof(((struct timefmt_zone *)0)->name) || name[0] == '/' ||
            strstr(name, ".."))
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = name[i];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '+' || c == '-' || c == '/'))
                        return false;
        }
        return true;
}

int timefmt_zone_init(struct timefmt_zone *z, const char *name)
{
        struct timefmt_zone nz = { .kind = TIMEFMT_ZONE_FIXED, .cache_hour = INT64_MIN };

        if (!name)
                return -EINVAL;
        size_t len = strlen(name);

        if (strcasecmp(name, "UTC") == 0 || strcmp(name, "Z") == 0) {
                /* fixed, offset 0 */
        } else if (name[0] == '+' || name[0] == '-') {
                if (timefmt_parse_offset(name, len, &nz.offset_s) < 0)
                        return -EINVAL;
        } else {
                char path[sizeof(TIMEFMT_ZONEINFO) + sizeof(nz.name)];
                struct stat st;

                if (!timefmt_zone_name_ok(name, len))
                        return -EINVAL;
                snprintf(path, sizeof(path), TIMEFMT_ZONEINFO "%s", name);
                if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                        return -EINVAL;
                nz.kind = TIMEFMT_ZONE_NAMED;
        }
        snprintf(nz.name, sizeof(nz.name), "%s", name);
        *z = nz;
        return 0;
}

/* Run fn(ud) with TZ=:name set, then put TZ back as it was (spoord is
 * single-threaded; the C library's zone database does the work). */
static int timefmt_with_tz(const char *name, int (*fn)(void *ud), void *ud)
{
        char saved_buf[256], *saved = NULL, tzval[80];
        const char *old = getenv("TZ");
        int r;

        if (old) {
                if (strlen(old) < sizeof(saved_buf)) {
                        strcpy(saved_buf, old);
                        saved = saved_buf;
                } else if (!(saved = strdup(old))) {
                        return -ENOMEM;
                }
        }
        snprintf(tzval, sizeof(tzval), ":%s", name);
        if (setenv("TZ", tzval, 1) < 0) {
                r = -errno;
        } else {
                tzset();
                r = fn(ud);
        }
        if (saved)
                setenv("TZ", saved, 1);
        else
                unsetenv("TZ");
        tzset();
        if (saved && saved != saved_buf)
                free(saved);
        return r;
}

struct timefmt_probe {
        int64_t s;                      /* in: local (counted as UTC) or UTC seconds */
        int offset_s;                   /* out */
};

static int timefmt_probe_local(void *ud)
{
        struct timefmt_probe *p = ud;
        int64_t y, days = timefmt_floordiv(p->s, 86400), sod = p->s - days * 86400;
        int m, d;
        struct tm tm;
        time_t t;

        timefmt_civil_from_days(days, &y, &m, &d);
        tm = (struct tm){
                .tm_year = (int)(y - 1900), .tm_mon = m - 1, .tm_mday = d,
                .tm_hour = (int)(sod / 3600), .tm_min = (int)(sod / 60 % 60), .tm_sec = (int)(sod % 60),
                .tm_isdst = -1,
        };
        t = mktime(&tm);
        if (t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31))
                return -EINVAL;
        if (p->s - (int64_t)t > 86400 || p->s - (int64_t)t < -86400)
                return -EINVAL;
        p->offset_s = (int)(p->s - (int64_t)t);
        return 0;
}

static int timefmt_probe_utc(void *ud)
{
        struct timefmt_probe *p = ud;
        time_t t = (time_t)p->s;
        struct tm tm;

        if (!localtime_r(&t, &tm) || tm.tm_gmtoff > 86400 || tm.tm_gmtoff < -86400)
                return -EINVAL;
        p->offset_s = (int)tm.tm_gmtoff;
        return 0;
}

/* The offset of a named zone at a local time, by mktime() under TZ=:name.
 * `local_s` is the local wall-clock time counted as if it were UTC. */
static int timefmt_named_offset(const struct timefmt_zone *z, int64_t local_s, int *out_s)
{
        struct timefmt_probe p = { .s = local_s };
        int r = timefmt_with_tz(z->name, timefmt_probe_local, &p);

        if (r == 0)
                *out_s = p.offset_s;
        return r;
}

int timefmt_zone_offset_at(const struct timefmt_zone *z, int64_t utc_s, int *out_s)
{
        struct timefmt_probe p = { .s = utc_s };
        int r;

        if (z->kind != TIMEFMT_ZONE_NAMED) {
                *out_s = z->offset_s;
                return 0;
        }
        r = timefmt_with_tz(z->name, timefmt_probe_utc, &p);
        if (r == 0)
                *out_s = p.offset_s;
        return r;
}

/* Local wall-clock seconds (counted as if UTC) → UTC seconds in `zone`. */
static int timefmt_local_to_utc(struct timefmt_zone *zone, int64_t local_s, int64_t *utc_s)
{
        if (!zone || zone->kind == TIMEFMT_ZONE_FIXED) {
                *utc_s = local_s - (zone ? zone->offset_s : 0);
                return 0;
        }

        int64_t hour = timefmt_floordiv(local_s, 3600);
        if (zone->cache_hour != hour) {
                int off = 0;
                int r = timefmt_named_offset(zone, hour * 3600, &off);
                if (r < 0)
                        return r;
                zone->cache_hour = hour;
                zone->cache_offset_s = off;
        }
        *utc_s = local_s - zone->cache_offset_s;
        return 0;
}

static bool timefmt_digits(const char *s, size_t n, int *out)
{
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return true;
}

int timefmt_parse(const char *s, size_t len, struct timefmt_zone *zone, int64_t *out_us)
{
        int Y, M, D, h, m, sec, off = 0;
        int64_t frac_us = 0;
        bool zoned = false;

        /* YYYY-MM-DD?HH:MM:SS */
        if (!s || len < 19 || s[4] != '-' || s[7] != '-' ||
            (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
                return -EINVAL;
        if (!timefmt_digits(s, 4, &Y) || !timefmt_digits(s + 5, 2, &M) ||
            !timefmt_digits(s + 8, 2, &D) || !timefmt_digits(s + 11, 2, &h) ||
            !timefmt_digits(s + 14, 2, &m) || !timefmt_digits(s + 17, 2, &sec))
                return -EINVAL;
        if (M < 1 || M > 12 || D < 1 || D > timefmt_mdays(Y, M) || h > 23 || m > 59 || sec > 60)
                return -EINVAL;

        size_t i = 19;
        if (i < len && s[i] == '.') {
                size_t n = 0;
                int64_t scale = 100000;
                for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++) {
                        frac_us += (s[i] - '0') * scale;
                        scale /= 10;
                }
                if (n == 0 || n > 9)
                        return -EINVAL;
        }
        if (i < len) {
                if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len)
                        off = 0;
                else if (timefmt_parse_offset(s + i, len - i, &off) < 0)
                        return -EINVAL;
                zoned = true;
        }

        int64_t local_s = timefmt_days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
        int64_t utc_s;
        if (zoned)
                utc_s = local_s - off;
        else if (timefmt_local_to_utc(zone, local_s, &utc_s) < 0)
                return -EINVAL;
        *out_us = utc_s * US_PER_S + frac_us;
        return 0;
}

static const char timefmt_months[12][4] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

int timefmt_parse_3164(const char *s, size_t len, struct timefmt_zone *zone,
                       int64_t now_us, int64_t *out_us)
{
        int M = 0, D, h, m, sec;

        /* "Mmm dd hh:mm:ss", day space- or zero-padded */
        if (!s || len != 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
                return -EINVAL;
        for (int k = 0; k < 12; k++)
                if (memcmp(s, timefmt_months[k], 3) == 0)
                        M = k + 1;
        if (!M)
                return -EINVAL;
        if (s[4] == ' ') {
                if (!timefmt_digits(s + 5, 1, &D))
                        return -EINVAL;
        } else if (!timefmt_digits(s + 4, 2, &D)) {
                return -EINVAL;
        }
        if (!timefmt_digits(s + 7, 2, &h) || !timefmt_digits(s + 10, 2, &m) ||
            !timefmt_digits(s + 13, 2, &sec) || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
                return -EINVAL;

        int64_t now_s = timefmt_floordiv(now_us, US_PER_S), ny;
        int nm, nd;
        timefmt_civil_from_days(timefmt_floordiv(now_s, 86400), &ny, &nm, &nd);

        bool found = false;
        int64_t best = 0, best_dist = 0;
        for (int64_t y = ny - 1; y <= ny + 1; y++) {
                int64_t utc_s;
                if (D > timefmt_mdays(y, M))
                        continue;       /* Feb 29 outside a leap year */
                int64_t local_s = timefmt_days_from_civil(y, M, D) * 86400 + h * 3600 + m * 60 + sec;
                if (timefmt_local_to_utc(zone, local_s, &utc_s) < 0)
                        return -EINVAL;
                int64_t dist = utc_s > now_s ? utc_s - now_s : now_s - utc_s;
                if (!found || dist < best_dist) {
                        found = true;
                        best = utc_s;
                        best_dist = dist;
                }
        }
        if (!found)
                return -EINVAL;
        *out_us = best * US_PER_S;
        return 0;
}

/* n digits of v (zero-padded) at p; p past them. */
static char *timefmt_put_digits(char *p, unsigned v, int n)
{
        for (int i = n - 1; i >= 0; i--) {
                p[i] = (char)('0' + v % 10);
                v /= 10;
        }
        return p + n;
}

char *timefmt_format(int64_t us, char buf[TIMEFMT_MAX])
{
        int64_t s = timefmt_floordiv(us, US_PER_S), y;
        int64_t sub = us % US_PER_S;    /* not us - s * US_PER_S: that overflows near INT64_MIN */

        if (sub < 0)
                sub += US_PER_S;
        int64_t days = timefmt_floordiv(s, 86400), sod = s - days * 86400;
        int m, d;
        char *p = buf;

        timefmt_civil_from_days(days, &y, &m, &d);
        if (y < 0 || y > 9999) {
                /* outside four digits: snprintf's %04 rules (a sign, more digits) */
                int n = snprintf(buf, TIMEFMT_MAX, "%04" PRId64, y);
                if (n < 0 || n >= TIMEFMT_MAX - 30)
                        return buf;
                p += n;
        } else {
                /* every lead and record formats two times: digits by hand, not snprintf */
                p = timefmt_put_digits(p, (unsigned)y, 4);
        }
        *p++ = '-';
        p = timefmt_put_digits(p, (unsigned)m, 2);
        *p++ = '-';
        p = timefmt_put_digits(p, (unsigned)d, 2);
        *p++ = 'T';
        p = timefmt_put_digits(p, (unsigned)(sod / 3600), 2);
        *p++ = ':';
        p = timefmt_put_digits(p, (unsigned)(sod / 60 % 60), 2);
        *p++ = ':';
        p = timefmt_put_digits(p, (unsigned)(sod % 60), 2);
        *p++ = '.';
        p = sub % 1000 ? timefmt_put_digits(p, (unsigned)sub, 6) : timefmt_put_digits(p, (unsigned)(sub / 1000), 3);
        *p++ = 'Z';
        *p = '\0';
        return buf;
}

int64_t timefmt_now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}
