/* timefmt.c: zones, ISO / zone-less / RFC 3164 parsing, formatting.
 *
 * Expected instants are written as UTC calendar fields and computed with
 * the C library's timegm(), independently of timefmt.c's own arithmetic. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spoor/cleanup.h"
#include "spoor/timefmt.h"

struct utc {
        int y, mo, d, h, mi, s, us;
};

static int64_t utc_us(struct utc u)
{
        struct tm tm = { .tm_year = u.y - 1900, .tm_mon = u.mo - 1, .tm_mday = u.d,
                         .tm_hour = u.h, .tm_min = u.mi, .tm_sec = u.s };

        return (int64_t)timegm(&tm) * 1000000 + u.us;
}

static void zone_must(struct timefmt_zone *z, const char *name)
{
        ck_assert_msg(timefmt_zone_init(z, name) == 0, "zone %s", name);
}

/* ---- timefmt_parse ------------------------------------------------------ */

#define BAD { 0, 0, 0, 0, 0, 0, 0 }

static const struct parse_case {
        const char *name;
        const char *in;
        const char *zone;       /* NULL: no zone (UTC) */
        bool ok;
        struct utc want;
} parse_cases[] = {
        /* zone-less (NXLog CE) */
        { "zoneless_utc", "2026-11-22 10:11:12", NULL, true, { 2026, 11, 22, 10, 11, 12, 0 } },
        { "zoneless_utc_named", "2026-11-22 10:11:12", "UTC", true, { 2026, 11, 22, 10, 11, 12, 0 } },
        { "zoneless_plus0200", "2026-11-22 10:11:12", "+02:00", true, { 2026, 11, 22, 8, 11, 12, 0 } },
        { "zoneless_minus0530", "2026-11-22 10:11:12", "-0530", true, { 2026, 11, 22, 15, 41, 12, 0 } },
        { "zoneless_plus02_crosses_day", "2026-01-01 01:00:00", "+02", true, { 2025, 12, 31, 23, 0, 0, 0 } },
        { "zoneless_ms", "2026-11-22 10:11:12.345", NULL, true, { 2026, 11, 22, 10, 11, 12, 345000 } },
        { "zoneless_T", "2026-11-22T10:11:12", "+02:00", true, { 2026, 11, 22, 8, 11, 12, 0 } },
        /* Europe/Berlin across DST (2026: CEST from 03-29 01:00Z to 10-25 01:00Z) */
        { "berlin_winter", "2026-01-15 12:00:00", "Europe/Berlin", true, { 2026, 1, 15, 11, 0, 0, 0 } },
        { "berlin_before_spring", "2026-03-29 01:59:59", "Europe/Berlin", true, { 2026, 3, 29, 0, 59, 59, 0 } },
        { "berlin_after_spring", "2026-03-29 03:00:00", "Europe/Berlin", true, { 2026, 3, 29, 1, 0, 0, 0 } },
        { "berlin_summer", "2026-07-01 12:00:00", "Europe/Berlin", true, { 2026, 7, 1, 10, 0, 0, 0 } },
        { "berlin_before_fall", "2026-10-25 01:30:00", "Europe/Berlin", true, { 2026, 10, 24, 23, 30, 0, 0 } },
        { "berlin_after_fall", "2026-10-25 03:30:00", "Europe/Berlin", true, { 2026, 10, 25, 2, 30, 0, 0 } },
        { "berlin_new_year", "2027-01-01 00:00:30.5", "Europe/Berlin", true, { 2026, 12, 31, 23, 0, 30, 500000 } },
        { "new_york_summer", "2026-07-04 09:00:00", "America/New_York", true, { 2026, 7, 4, 13, 0, 0, 0 } },
        /* ISO 8601 / RFC 3339: the offset in the string wins over the zone */
        { "iso_z", "2026-11-22T10:11:12Z", "Europe/Berlin", true, { 2026, 11, 22, 10, 11, 12, 0 } },
        { "iso_lower", "2026-11-22t10:11:12z", NULL, true, { 2026, 11, 22, 10, 11, 12, 0 } },
        { "iso_space_z", "2026-11-22 10:11:12Z", "+05:00", true, { 2026, 11, 22, 10, 11, 12, 0 } },
        { "iso_offset", "2026-11-22T10:11:12+01:00", NULL, true, { 2026, 11, 22, 9, 11, 12, 0 } },
        { "iso_offset_compact", "2026-11-22T10:11:12-0800", NULL, true, { 2026, 11, 22, 18, 11, 12, 0 } },
        { "nxlog_ee", "2019-03-19T23:35:07.524200+00:00", NULL, true, { 2019, 3, 19, 23, 35, 7, 524200 } },
        { "windows_7_digits", "2026-02-02T12:34:56.1234567Z", NULL, true, { 2026, 2, 2, 12, 34, 56, 123456 } },
        { "nine_digits", "2026-02-02T12:34:56.999999999Z", NULL, true, { 2026, 2, 2, 12, 34, 56, 999999 } },
        { "one_digit", "2026-02-02T12:34:56.5+01:00", NULL, true, { 2026, 2, 2, 11, 34, 56, 500000 } },
        { "leap_day", "2024-02-29 00:00:00", NULL, true, { 2024, 2, 29, 0, 0, 0, 0 } },
        { "leap_400", "2000-02-29 00:00:00", NULL, true, { 2000, 2, 29, 0, 0, 0, 0 } },
        { "before_epoch", "1969-12-31 23:59:59.5", NULL, true, { 1969, 12, 31, 23, 59, 59, 500000 } },
        /* rejected */
        { "empty", "", NULL, false, BAD },
        { "date_only", "2026-11-22", NULL, false, BAD },
        { "leading_space", " 2026-11-22 10:11:12", NULL, false, BAD },
        { "trailing_space", "2026-11-22 10:11:12 ", NULL, false, BAD },
        { "slashes", "2026/11/22 10:11:12", NULL, false, BAD },
        { "bad_separator", "2026-11-22X10:11:12", NULL, false, BAD },
        { "letter_in_year", "2O26-11-22 10:11:12", NULL, false, BAD },
        { "month_13", "2026-13-01 00:00:00", NULL, false, BAD },
        { "month_0", "2026-00-01 00:00:00", NULL, false, BAD },
        { "feb_30", "2026-02-30 00:00:00", NULL, false, BAD },
        { "feb_29_non_leap", "2025-02-29 00:00:00", NULL, false, BAD },
        { "feb_29_1900", "1900-02-29 00:00:00", NULL, false, BAD },
        { "hour_24", "2026-11-22 24:00:00", NULL, false, BAD },
        { "minute_60", "2026-11-22 10:60:00", NULL, false, BAD },
        { "empty_fraction", "2026-11-22 10:11:12.", NULL, false, BAD },
        { "ten_digits", "2026-11-22T10:11:12.1234567891Z", NULL, false, BAD },
        { "offset_hour_25", "2026-11-22T10:11:12+25:00", NULL, false, BAD },
        { "offset_short", "2026-11-22T10:11:12+02:0", NULL, false, BAD },
        { "z_then_junk", "2026-11-22T10:11:12Zjunk", NULL, false, BAD },
        { "unix_seconds", "1795342272", NULL, false, BAD },
};

START_TEST(test_parse_table)
{
        const struct parse_case *c = &parse_cases[_i];
        struct timefmt_zone z, *zp = NULL;
        size_t len = strlen(c->in);
        _cleanup_free_ char *in = malloc(len ? len : 1);        /* exact size, no NUL */
        int64_t got = -42;

        memcpy(in, c->in, len);
        if (c->zone) {
                zone_must(&z, c->zone);
                zp = &z;
        }
        int r = timefmt_parse(in, len, zp, &got);
        if (!c->ok) {
                ck_assert_msg(r == -EINVAL, "%s: accepted as %lld", c->name, (long long)got);
                ck_assert_msg(got == -42, "%s: out written on failure", c->name);
                return;
        }
        ck_assert_msg(r == 0, "%s: rejected", c->name);
        int64_t want = utc_us(c->want);
        ck_assert_msg(got == want, "%s: got %lld want %lld (diff %lld s)", c->name, (long long)got,
                      (long long)want, (long long)(got - want) / 1000000);
}
END_TEST

/* The spring-forward gap (02:xx does not exist) resolves to one of the two
 * neighbouring offsets, never to garbage. */
START_TEST(test_parse_dst_gap)
{
        struct timefmt_zone z;
        int64_t got;

        zone_must(&z, "Europe/Berlin");
        ck_assert_int_eq(timefmt_parse("2026-03-29 02:30:00", 19, &z, &got), 0);
        ck_assert(got == utc_us((struct utc){ 2026, 3, 29, 1, 30, 0, 0 }) ||
                  got == utc_us((struct utc){ 2026, 3, 29, 0, 30, 0, 0 }));
}
END_TEST

/* Resolving a named zone must leave TZ as it found it (set or unset). */
START_TEST(test_parse_restores_tz)
{
        struct timefmt_zone z;
        int64_t got;

        zone_must(&z, "Europe/Berlin");
        ck_assert_int_eq(setenv("TZ", "America/New_York", 1), 0);
        tzset();
        ck_assert_int_eq(timefmt_parse("2026-07-01 12:00:00", 19, &z, &got), 0);
        ck_assert_str_eq(getenv("TZ"), "America/New_York");

        /* the local hour is cached: a second hour needs a new lookup */
        ck_assert_int_eq(timefmt_parse("2026-07-01 12:59:59", 19, &z, &got), 0);
        ck_assert_int_eq(timefmt_parse("2026-12-01 12:00:00", 19, &z, &got), 0);
        ck_assert(got == utc_us((struct utc){ 2026, 12, 1, 11, 0, 0, 0 }));

        unsetenv("TZ");
        tzset();
        ck_assert_int_eq(timefmt_parse("2026-01-01 00:00:00", 19, &z, &got), 0);
        ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

/* ---- zones -------------------------------------------------------------- */

static const struct zone_case {
        const char *name;
        bool ok;
} zone_cases[] = {
        { "UTC", true }, { "utc", true }, { "Z", true },
        { "+02:00", true }, { "-0530", true }, { "+02", true }, { "-00:00", true },
        { "Europe/Berlin", true }, { "America/New_York", true }, { "Etc/GMT+5", true },
        { "", false }, { "Europe/Nowhere", false }, { "Europe", false },
        { "../../etc/passwd", false }, { "/etc/localtime", false },
        { "Europe/../Europe/Berlin", false }, { "Europe/Berlin;id", false },
        { "Europe/Berlin ", false }, { "+24:00", false }, { "+02:60", false }, { "+2", false },
        { "+02:00x", false },
        { "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
};

START_TEST(test_zone_table)
{
        const struct zone_case *c = &zone_cases[_i];
        struct timefmt_zone z, before;

        memset(&z, 0x5a, sizeof(z));
        before = z;
        int r = timefmt_zone_init(&z, c->name);
        if (c->ok) {
                ck_assert_msg(r == 0, "\"%s\" rejected", c->name);
        } else {
                ck_assert_msg(r == -EINVAL, "\"%s\" accepted", c->name);
                ck_assert_msg(memcmp(&z, &before, sizeof(z)) == 0, "\"%s\": zone written", c->name);
        }
}
END_TEST

START_TEST(test_zone_null)
{
        struct timefmt_zone z;

        ck_assert_int_eq(timefmt_zone_init(&z, NULL), -EINVAL);
}
END_TEST

/* ---- RFC 3164 ----------------------------------------------------------- */

static const struct p3164_case {
        const char *name;
        const char *in;
        const char *zone;
        struct utc now;
        bool ok;
        struct utc want;
} p3164_cases[] = {
        { "same_day", "Nov 26 10:00:00", NULL, { 2026, 11, 26, 10, 5, 0, 0 }, true, { 2026, 11, 26, 10, 0, 0, 0 } },
        { "space_padded", "Nov  6 01:02:03", NULL, { 2026, 11, 6, 2, 0, 0, 0 }, true, { 2026, 11, 6, 1, 2, 3, 0 } },
        { "zero_padded", "Nov 06 01:02:03", NULL, { 2026, 11, 6, 2, 0, 0, 0 }, true, { 2026, 11, 6, 1, 2, 3, 0 } },
        { "old_year_after_new_year", "Dec 31 23:59:58", NULL, { 2027, 1, 1, 0, 0, 10, 0 }, true,
          { 2026, 12, 31, 23, 59, 58, 0 } },
        { "new_year_before_new_year", "Jan  1 00:00:05", NULL, { 2026, 12, 31, 23, 59, 50, 0 }, true,
          { 2027, 1, 1, 0, 0, 5, 0 } },
        { "new_year_local_plus2", "Jan  1 00:30:00", "+02:00", { 2026, 12, 31, 22, 35, 0, 0 }, true,
          { 2026, 12, 31, 22, 30, 0, 0 } },
        { "berlin_summer", "Jul  1 12:00:00", "Europe/Berlin", { 2026, 7, 1, 10, 1, 0, 0 }, true,
          { 2026, 7, 1, 10, 0, 0, 0 } },
        { "feb_29_leap", "Feb 29 12:00:00", NULL, { 2028, 3, 1, 0, 0, 0, 0 }, true, { 2028, 2, 29, 12, 0, 0, 0 } },
        { "too_short", "Nov 26 10:00", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "trailing_space", "Nov 26 10:00:00 ", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "bad_month", "Foo 26 10:00:00", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "lower_month", "nov 26 10:00:00", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "day_32", "Nov 32 10:00:00", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "day_0", "Nov  0 10:00:00", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "nov_31", "Nov 31 10:00:00", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "hour_25", "Nov 26 25:00:00", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
        { "iso", "2026-11-26T10:0", NULL, { 2026, 11, 26, 0, 0, 0, 0 }, false, BAD },
};

START_TEST(test_3164_table)
{
        const struct p3164_case *c = &p3164_cases[_i];
        struct timefmt_zone z, *zp = NULL;
        int64_t got = -42;

        if (c->zone) {
                zone_must(&z, c->zone);
                zp = &z;
        }
        int r = timefmt_parse_3164(c->in, strlen(c->in), zp, utc_us(c->now), &got);
        if (!c->ok) {
                ck_assert_msg(r == -EINVAL, "%s: accepted as %lld", c->name, (long long)got);
                return;
        }
        ck_assert_msg(r == 0, "%s: rejected", c->name);
        ck_assert_msg(got == utc_us(c->want), "%s: got %lld want %lld", c->name, (long long)got,
                      (long long)utc_us(c->want));
}
END_TEST

/* ---- format ------------------------------------------------------------- */

static const struct format_case {
        struct utc in;
        const char *want;
} format_cases[] = {
        { { 1970, 1, 1, 0, 0, 0, 0 }, "1970-01-01T00:00:00.000Z" },
        { { 2026, 11, 22, 10, 11, 12, 345000 }, "2026-11-22T10:11:12.345Z" },
        { { 2026, 11, 22, 10, 11, 12, 123456 }, "2026-11-22T10:11:12.123456Z" },
        { { 2026, 11, 22, 10, 11, 12, 1 }, "2026-11-22T10:11:12.000001Z" },
        { { 2024, 2, 29, 23, 59, 59, 999000 }, "2024-02-29T23:59:59.999Z" },
        { { 1969, 12, 31, 23, 59, 59, 999999 }, "1969-12-31T23:59:59.999999Z" },
        { { 9999, 12, 31, 23, 59, 59, 0 }, "9999-12-31T23:59:59.000Z" },
};

START_TEST(test_format_table)
{
        const struct format_case *c = &format_cases[_i];
        char buf[TIMEFMT_MAX];
        int64_t back;

        ck_assert_ptr_eq(timefmt_format(utc_us(c->in), buf), buf);
        ck_assert_str_eq(buf, c->want);
        ck_assert_int_eq(timefmt_parse(buf, strlen(buf), NULL, &back), 0);
        ck_assert_int_eq(back, utc_us(c->in));
}
END_TEST

START_TEST(test_format_roundtrip)
{
        char buf[TIMEFMT_MAX];
        uint64_t x = 88172645463325252ull;

        for (int i = 0; i < 20000; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                /* 1900 .. 2100 */
                int64_t us = (int64_t)(x % (INT64_C(6311390400) * 1000000)) - INT64_C(2208988800) * 1000000;
                int64_t back;
                timefmt_format(us, buf);
                ck_assert_int_eq(timefmt_parse(buf, strlen(buf), NULL, &back), 0);
                ck_assert_msg(back == us, "%s: %lld != %lld", buf, (long long)back, (long long)us);

                /* and the calendar agrees with the C library's */
                time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
                struct tm tm;
                char want[32];
                gmtime_r(&t, &tm);
                strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
                ck_assert_msg(strncmp(buf, want, 19) == 0, "%s vs %s", buf, want);
        }
}
END_TEST

/* Every microsecond count, extremes included, formats as the C library
 * formats it: the date and time with gmtime_r and snprintf's %04 rules for
 * years outside four digits (a sign, more digits), then the fraction. */
static void format_oracle(int64_t us, char *out, size_t len)
{
        int64_t s = us / 1000000 - (us % 1000000 < 0), sub = us % 1000000;    /* no s * 1000000: it overflows */
        time_t t = (time_t)s;
        struct tm tm;

        if (sub < 0)
                sub += 1000000;
        ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
        int n = snprintf(out, len, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        ck_assert(n > 0 && (size_t)n < len);
        if (sub % 1000)
                snprintf(out + n, len - (size_t)n, ".%06dZ", (int)sub);
        else
                snprintf(out + n, len - (size_t)n, ".%03dZ", (int)(sub / 1000));
}

START_TEST(test_format_oracle)
{
        static const int64_t fixed[] = {
                0, 1, -1, 999, 1000, 999999, 1000000, -1000000, -999999,
                INT64_C(253402300799999999),            /* 9999-12-31T23:59:59.999999 */
                INT64_C(253402300800000000),            /* 10000-01-01 */
                INT64_C(-62135596800000000),            /* 0001-01-01 */
                INT64_C(-62135596800000001),            /* 0000-12-31T23:59:59.999999 */
                INT64_C(-62167219200000000),            /* 0000-01-01 */
                INT64_C(-62167219200000001),            /* year -1 */
                INT64_C(9223372036854775807) / 1000 * 1000, INT64_C(-9223372036854775807) / 1000 * 1000,
        };
        char buf[TIMEFMT_MAX], want[64];
        uint64_t x = 0x9e3779b97f4a7c15ull;

        for (size_t i = 0; i < ELEMENTSOF(fixed) + 50000; i++) {
                int64_t us;
                if (i < ELEMENTSOF(fixed)) {
                        us = fixed[i];
                } else {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        /* years -290000 .. 290000, half of them sub-millisecond */
                        us = (int64_t)(x >> 1);
                        if (x & 1)
                                us = -us;
                        if (i % 2)
                                us = us / 1000 * 1000;
                }
                format_oracle(us, want, sizeof(want));
                ck_assert_str_eq(timefmt_format(us, buf), want);
        }
}
END_TEST

START_TEST(test_now)
{
        int64_t now = timefmt_now_us();
        int64_t t = (int64_t)time(NULL) * 1000000;

        ck_assert(now > t - 2000000 && now < t + 2000000);
}
END_TEST

static Suite *timefmt_suite(void)
{
        Suite *s = suite_create("timefmt");
        TCase *tc;

        tc = tcase_create("parse_table");
        tcase_add_loop_test(tc, test_parse_table, 0, (int)ELEMENTSOF(parse_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("parse_dst_gap");
        tcase_add_test(tc, test_parse_dst_gap);
        suite_add_tcase(s, tc);

        tc = tcase_create("parse_restores_tz");
        tcase_add_test(tc, test_parse_restores_tz);
        suite_add_tcase(s, tc);

        tc = tcase_create("zone_table");
        tcase_add_loop_test(tc, test_zone_table, 0, (int)ELEMENTSOF(zone_cases));
        tcase_add_test(tc, test_zone_null);
        suite_add_tcase(s, tc);

        tc = tcase_create("rfc3164_table");
        tcase_add_loop_test(tc, test_3164_table, 0, (int)ELEMENTSOF(p3164_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("format_table");
        tcase_add_loop_test(tc, test_format_table, 0, (int)ELEMENTSOF(format_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("format_roundtrip");
        tcase_add_test(tc, test_format_roundtrip);
        tcase_add_test(tc, test_format_oracle);
        suite_add_tcase(s, tc);

        tc = tcase_create("now");
        tcase_add_test(tc, test_now);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(timefmt_suite());
}
