/* daemon/engine/enrich.c: InChangeWindow and SubjectLogonPrivileged. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "spoor/enrich.h"
#include "spoor/timefmt.h"
#include "spoor/winevent.h"
#include "unit.h"

static char tmpdir[] = "/tmp/spoor-enrich-XXXXXX";

static struct config *conf(const char *text)
{
        static unsigned n;
        char path[128];
        struct config *c = NULL;
        struct config_error err = { "" };
        FILE *f;

        snprintf(path, sizeof(path), "%s/c%u.yml", tmpdir, n++);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_msg(config_load(path, &c, &err) == 0, "%s", err.msg);
        return c;
}

static struct enrich *enricher(const char *text)
{
        struct config *c = conf(text);
        struct enrich *en = enrich_new();

        ck_assert_ptr_nonnull(en);
        ck_assert_int_eq(enrich_configure(en, c), 0);
        config_free(c);
        return en;
}

static int64_t at(const char *iso)
{
        int64_t us;

        ck_assert_int_eq(timefmt_parse(iso, strlen(iso), NULL, &us), 0);
        return us;
}

/* A Security event: fields as "Name=value" strings, NULL-terminated. */
static void event(struct winevent *ev, const char *host, unsigned id, const char *iso, ...)
{
        va_list ap;
        const char *kv;

        winevent_reset(ev);
        snprintf(ev->host, sizeof(ev->host), "%s", host);
        ev->channel = "Security";
        ev->provider = "Microsoft-Windows-Security-Auditing";
        ev->event_id = id;
        ev->time_us = at(iso);
        ev->recv_us = ev->time_us;
        va_start(ap, iso);
        while ((kv = va_arg(ap, const char *))) {
                const char *eq = strchr(kv, '=');

                ck_assert_ptr_nonnull(eq);
                ck_assert_int_eq(winevent_set_field(ev, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1)), 0);
        }
        va_end(ap);
}

/* The field's value, or "absent". */
static const char *field(const struct winevent *ev, const char *name)
{
        const struct winevent_field *f = winevent_get(ev, name);

        return f ? f->value : "absent";
}

/* The InChangeWindow of an event at `iso`. */
static const char *window_at(struct enrich *en, const char *iso)
{
        static char out[16];
        struct winevent ev;

        winevent_init(&ev);
        event(&ev, "ws-1", 4688, iso, NULL);
        enrich_event(en, &ev);
        snprintf(out, sizeof(out), "%s", field(&ev, ENRICH_FIELD_CHANGE_WINDOW));
        winevent_free(&ev);
        return out;
}

/* ---- change windows ------------------------------------------------- */

START_TEST(test_window_absent_without_config)
{
        struct enrich *en = enricher("{}\n");

        ck_assert_str_eq(window_at(en, "2026-03-27T10:00:00Z"), "absent");
        enrich_free(en);
}
END_TEST

/* 2026-03-27 is a Friday. */
START_TEST(test_window_weekday_boundaries)
{
        struct enrich *en = enricher("change_windows:\n  - {days: [mon-fri], hours: \"08:00-18:00\"}\n");

        ck_assert_str_eq(window_at(en, "2026-03-27T07:59:59.999999Z"), "false");
        ck_assert_str_eq(window_at(en, "2026-03-27T08:00:00Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-27T17:59:59Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-27T18:00:00Z"), "false");
        ck_assert_str_eq(window_at(en, "2026-03-28T10:00:00Z"), "false");      /* Saturday */
        ck_assert_str_eq(window_at(en, "2026-03-29T10:00:00Z"), "false");      /* Sunday */
        ck_assert_str_eq(window_at(en, "2026-03-30T08:00:00Z"), "true");       /* Monday */
        ck_assert_str_eq(window_at(en, "1969-12-31T12:00:00Z"), "true");       /* a Wednesday before the epoch */
        enrich_free(en);
}
END_TEST

/* 22:00-02:00 on Friday: Friday evening and Saturday morning. */
START_TEST(test_window_crosses_midnight)
{
        struct enrich *en = enricher("change_windows:\n  - {days: [fri], hours: \"22:00-02:00\"}\n");

        ck_assert_str_eq(window_at(en, "2026-03-27T21:59:59Z"), "false");
        ck_assert_str_eq(window_at(en, "2026-03-27T22:00:00Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-27T23:59:59Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-28T00:00:00Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-28T01:59:59Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-28T02:00:00Z"), "false");
        ck_assert_str_eq(window_at(en, "2026-03-27T01:00:00Z"), "false");      /* Thursday's night */
        ck_assert_str_eq(window_at(en, "2026-03-28T23:00:00Z"), "false");      /* Saturday evening */
        enrich_free(en);
}
END_TEST

/* Europe/Berlin 08:00-18:00: CET (+1) until 2026-03-29 01:00Z, CEST (+2)
 * until 2026-10-25 01:00Z. */
START_TEST(test_window_dst_berlin)
{
        struct enrich *en = enricher("change_windows:\n"
                                     "  - {hours: \"08:00-18:00\", timezone: Europe/Berlin}\n");

        ck_assert_str_eq(window_at(en, "2026-03-28T06:59:59Z"), "false");      /* 07:59 CET */
        ck_assert_str_eq(window_at(en, "2026-03-28T07:00:00Z"), "true");       /* 08:00 CET */
        ck_assert_str_eq(window_at(en, "2026-03-28T16:59:59Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-28T17:00:00Z"), "false");
        ck_assert_str_eq(window_at(en, "2026-03-30T05:59:59Z"), "false");      /* 07:59 CEST */
        ck_assert_str_eq(window_at(en, "2026-03-30T06:00:00Z"), "true");       /* 08:00 CEST */
        ck_assert_str_eq(window_at(en, "2026-03-30T15:59:59Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-30T16:00:00Z"), "false");
        /* the transition itself: 00:59:59Z is 01:59:59 CET, 01:00Z is 03:00 CEST */
        ck_assert_str_eq(window_at(en, "2026-10-26T06:59:59Z"), "false");      /* 07:59 CET again */
        ck_assert_str_eq(window_at(en, "2026-10-26T07:00:00Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-10-24T06:00:00Z"), "true");       /* 08:00 CEST */
        enrich_free(en);

        /* a window right at the spring-forward hour: 02:00-04:00 local */
        en = enricher("change_windows:\n  - {days: [sun], hours: \"02:00-04:00\", timezone: Europe/Berlin}\n");
        ck_assert_str_eq(window_at(en, "2026-03-29T00:59:59Z"), "false");      /* 01:59:59 CET */
        ck_assert_str_eq(window_at(en, "2026-03-29T01:00:00Z"), "true");       /* 03:00 CEST */
        ck_assert_str_eq(window_at(en, "2026-03-29T01:59:59Z"), "true");
        ck_assert_str_eq(window_at(en, "2026-03-29T02:00:00Z"), "false");      /* 04:00 CEST */
        enrich_free(en);
}
END_TEST

START_TEST(test_window_several)
{
        struct enrich *en = enricher("change_windows:\n"
                                     "  - {days: [mon], hours: \"08:00-10:00\"}\n"
                                     "  - {days: [tue], hours: \"12:00-14:00\", timezone: \"+02:00\"}\n"
                                     "  - {days: [sat, sun], timezone: America/New_York}\n");

        ck_assert_str_eq(window_at(en, "2026-03-30T09:00:00Z"), "true");       /* Mon, first */
        ck_assert_str_eq(window_at(en, "2026-03-30T11:00:00Z"), "false");
        ck_assert_str_eq(window_at(en, "2026-03-31T10:30:00Z"), "true");       /* Tue 12:30 +02 */
        ck_assert_str_eq(window_at(en, "2026-03-31T12:30:00Z"), "false");      /* Tue 14:30 +02 */
        ck_assert_str_eq(window_at(en, "2026-03-28T03:00:00Z"), "false");      /* Fri 23:00 EDT */
        ck_assert_str_eq(window_at(en, "2026-03-28T04:00:00Z"), "true");       /* Sat 00:00 EDT */
        ck_assert_str_eq(window_at(en, "2026-03-30T03:59:59Z"), "true");       /* Sun 23:59 EDT */
        ck_assert_str_eq(window_at(en, "2026-03-30T04:00:00Z"), "false");      /* Mon 00:00 EDT */
        enrich_free(en);
}
END_TEST

/* ---- privileged sessions -------------------------------------------- */

/* The SubjectLogonPrivileged of an event on `host` in session `luid`. */
static const char *priv_at(struct enrich *en, const char *host, const char *luid, const char *iso)
{
        static char out[16];
        char f[64];
        struct winevent ev;

        snprintf(f, sizeof(f), "SubjectLogonId=%s", luid);
        winevent_init(&ev);
        event(&ev, host, 4698, iso, f, "SubjectUserName=alice", "SubjectDomainName=CORP", "TaskName=\\t", NULL);
        enrich_event(en, &ev);
        snprintf(out, sizeof(out), "%s", field(&ev, ENRICH_FIELD_PRIVILEGED));
        winevent_free(&ev);
        return out;
}

/* Feed one Security event with one field. */
static void feed(struct enrich *en, const char *host, unsigned id, const char *iso, const char *kv)
{
        struct winevent ev;

        winevent_init(&ev);
        event(&ev, host, id, iso, kv, NULL);
        enrich_event(en, &ev);
        winevent_free(&ev);
}

START_TEST(test_priv_4672_then_task)
{
        struct enrich *en = enricher("{}\n");
        struct winevent ev;

        winevent_init(&ev);
        event(&ev, "ws-1", 4672, "2026-03-27T10:00:00Z", "SubjectLogonId=0x1A2B3C", "SubjectUserName=alice",
              "PrivilegeList=SeDebugPrivilege", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "true");     /* the 4672 itself */
        winevent_free(&ev);
        ck_assert_str_eq(priv_at(en, "ws-1", "0x1a2b3c", "2026-03-27T10:05:00Z"), "true");
        ck_assert_uint_eq(enrich_stats(en)->sessions, 1);
        enrich_free(en);
}
END_TEST

START_TEST(test_priv_4624_without_4672)
{
        struct enrich *en = enricher("{}\n");
        struct winevent ev;

        winevent_init(&ev);
        /* the 4624's own subject is SYSTEM */
        event(&ev, "ws-1", 4624, "2026-03-27T10:00:00Z", "SubjectLogonId=0x3e7", "TargetLogonId=0x5555", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "true");
        winevent_free(&ev);
        ck_assert_str_eq(priv_at(en, "ws-1", "0x5555", "2026-03-27T10:00:03Z"), "false");
        /* a later 4672 flips it */
        feed(en, "ws-1", 4672, "2026-03-27T10:00:04Z", "SubjectLogonId=0x5555");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x5555", "2026-03-27T10:00:05Z"), "true");
        enrich_free(en);
}
END_TEST

/* A 4624 long after a 4672 of the same id is a new logon reusing it. */
START_TEST(test_priv_id_reuse)
{
        struct enrich *en = enricher("{}\n");

        feed(en, "ws-1", 4672, "2026-03-27T10:00:00Z", "SubjectLogonId=0x77");
        feed(en, "ws-1", 4624, "2026-03-27T10:00:01Z", "TargetLogonId=0x77");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x77", "2026-03-27T10:01:00Z"), "true");
        feed(en, "ws-1", 4624, "2026-03-27T12:00:00Z", "TargetLogonId=0x77");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x77", "2026-03-27T12:01:00Z"), "false");
        enrich_free(en);
}
END_TEST

START_TEST(test_priv_unknown_absent)
{
        struct enrich *en = enricher("{}\n");
        struct winevent ev;

        ck_assert_str_eq(priv_at(en, "ws-1", "0x9999", "2026-03-27T10:00:00Z"), "absent");
        ck_assert_str_eq(priv_at(en, "ws-1", "not-a-luid", "2026-03-27T10:00:00Z"), "absent");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x3e7", "2026-03-27T10:00:00Z"), "true");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x3E4", "2026-03-27T10:00:00Z"), "true");
        ck_assert_str_eq(priv_at(en, "ws-1", "999", "2026-03-27T10:00:00Z"), "true");      /* decimal 0x3e7 */
        /* no SubjectLogonId: no field */
        winevent_init(&ev);
        event(&ev, "ws-1", 4688, "2026-03-27T10:00:00Z", "CommandLine=x", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "absent");
        /* a forged value in the input is replaced by what spoord knows */
        event(&ev, "ws-1", 4688, "2026-03-27T10:00:00Z", "SubjectLogonId=0x3e7", "SubjectLogonPrivileged=false",
              NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "true");
        winevent_free(&ev);
        /* only the Security channel teaches */
        winevent_init(&ev);
        event(&ev, "ws-1", 4672, "2026-03-27T10:00:00Z", "SubjectLogonId=0x4242", NULL);
        ev.channel = "Application";
        enrich_event(en, &ev);
        winevent_free(&ev);
        ck_assert_str_eq(priv_at(en, "ws-1", "0x4242", "2026-03-27T10:00:01Z"), "absent");
        ck_assert_uint_eq(enrich_stats(en)->sessions, 0);
        enrich_free(en);
}
END_TEST

START_TEST(test_priv_placeholder_account)
{
        struct enrich *en = enricher("placeholders:\n  Administrators: [ADM-Alice, 'corp\\bob']\n");
        struct winevent ev;

        winevent_init(&ev);
        event(&ev, "ws-1", 4698, "2026-03-27T10:00:00Z", "SubjectLogonId=0x10", "SubjectUserName=adm-alice", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "true");
        event(&ev, "ws-1", 4698, "2026-03-27T10:00:00Z", "SubjectLogonId=0x11", "SubjectUserName=BOB",
              "SubjectDomainName=CORP", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "true");
        event(&ev, "ws-1", 4698, "2026-03-27T10:00:00Z", "SubjectLogonId=0x12", "SubjectUserName=bob",
              "SubjectDomainName=OTHER", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "absent");
        /* the placeholder wins over a known unprivileged logon */
        feed(en, "ws-1", 4624, "2026-03-27T10:00:00Z", "TargetLogonId=0x13");
        event(&ev, "ws-1", 4698, "2026-03-27T10:00:01Z", "SubjectLogonId=0x13", "SubjectUserName=Adm-Alice", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "true");
        winevent_free(&ev);
        enrich_free(en);

        /* the placeholder name in another case */
        en = enricher("placeholders:\n  administrators: [carol]\n");
        winevent_init(&ev);
        event(&ev, "ws-1", 4698, "2026-03-27T10:00:00Z", "SubjectLogonId=0x10", "SubjectUserName=Carol", NULL);
        enrich_event(en, &ev);
        ck_assert_str_eq(field(&ev, ENRICH_FIELD_PRIVILEGED), "true");
        winevent_free(&ev);
        enrich_free(en);
}
END_TEST

START_TEST(test_priv_logoff_forgets)
{
        struct enrich *en = enricher("{}\n");

        feed(en, "ws-1", 4624, "2026-03-27T10:00:00Z", "TargetLogonId=0x20");
        feed(en, "ws-1", 4624, "2026-03-27T10:00:00Z", "TargetLogonId=0x21");
        ck_assert_uint_eq(enrich_stats(en)->sessions, 2);
        ck_assert_str_eq(priv_at(en, "ws-1", "0x20", "2026-03-27T10:01:00Z"), "false");
        feed(en, "ws-1", 4634, "2026-03-27T10:02:00Z", "TargetLogonId=0x20");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x20", "2026-03-27T10:03:00Z"), "absent");
        feed(en, "ws-1", 4647, "2026-03-27T10:02:00Z", "TargetLogonId=0x21");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x21", "2026-03-27T10:03:00Z"), "absent");
        ck_assert_uint_eq(enrich_stats(en)->sessions, 0);
        enrich_free(en);
}
END_TEST

START_TEST(test_priv_per_host)
{
        struct enrich *en = enricher("{}\n");

        feed(en, "ws-1", 4672, "2026-03-27T10:00:00Z", "SubjectLogonId=0x30");
        feed(en, "ws-2", 4624, "2026-03-27T10:00:00Z", "TargetLogonId=0x30");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x30", "2026-03-27T10:01:00Z"), "true");
        ck_assert_str_eq(priv_at(en, "ws-2", "0x30", "2026-03-27T10:01:00Z"), "false");
        ck_assert_str_eq(priv_at(en, "ws-3", "0x30", "2026-03-27T10:01:00Z"), "absent");
        enrich_free(en);
}
END_TEST

/* 24 h of event time without activity forgets a session; activity keeps it. */
START_TEST(test_priv_expiry)
{
        struct enrich *en = enricher("{}\n");

        feed(en, "ws-1", 4624, "2026-03-27T10:00:00Z", "TargetLogonId=0x40");
        feed(en, "ws-1", 4624, "2026-03-27T10:00:00Z", "TargetLogonId=0x41");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x41", "2026-03-28T09:00:00Z"), "false");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x40", "2026-03-28T10:00:01Z"), "absent");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x41", "2026-03-29T08:59:59Z"), "false");
        ck_assert_uint_eq(enrich_stats(en)->expired, 1);
        ck_assert_uint_eq(enrich_stats(en)->sessions, 1);
        enrich_free(en);
}
END_TEST

/* The bound evicts the least recently active; a reload to a smaller bound
 * evicts down to it. */
START_TEST(test_priv_eviction_bound)
{
        struct enrich *en = enricher("limits: {max_logon_sessions: 1000}\n");
        struct config *c;
        char kv[64];

        for (int i = 0; i < 3000; i++) {
                snprintf(kv, sizeof(kv), "TargetLogonId=0x%x", 0x10000 + i);
                feed(en, "ws-1", 4624, "2026-03-27T10:00:00Z", kv);
                if (i == 500)   /* keep the first one active */
                        ck_assert_str_eq(priv_at(en, "ws-1", "0x10000", "2026-03-27T10:00:00Z"), "false");
        }
        ck_assert_uint_eq(enrich_stats(en)->sessions, 1000);
        ck_assert_uint_eq(enrich_stats(en)->evicted, 2000);
        ck_assert_str_eq(priv_at(en, "ws-1", "0x10001", "2026-03-27T10:00:01Z"), "absent");
        ck_assert_str_eq(priv_at(en, "ws-1", "0x10bb7", "2026-03-27T10:00:01Z"), "false");      /* the last */
        ck_assert_str_eq(priv_at(en, "ws-1", "0x107d0", "2026-03-27T10:00:01Z"), "false");      /* the 1000th newest */
        ck_assert_str_eq(priv_at(en, "ws-1", "0x107cf", "2026-03-27T10:00:01Z"), "absent");
        /* 0x10000 was touched at i = 500, then 2499 newer ones came */
        ck_assert_str_eq(priv_at(en, "ws-1", "0x10000", "2026-03-27T10:00:01Z"), "absent");

        c = conf("limits: {max_logon_sessions: 1000}\n");
        c->limits.max_logon_sessions = 10;      /* below the schema's bound: the unit accepts it */
        ck_assert_int_eq(enrich_configure(en, c), 0);
        config_free(c);
        ck_assert_uint_eq(enrich_stats(en)->sessions, 10);
        ck_assert_str_eq(priv_at(en, "ws-1", "0x10bb7", "2026-03-27T10:00:01Z"), "false");
        enrich_free(en);
}
END_TEST

/* Deletions in the open-addressed index keep every other session findable. */
START_TEST(test_priv_table_churn)
{
        struct enrich *en = enricher("{}\n");
        char kv[64], luid[32];

        for (int i = 0; i < 5000; i++) {
                snprintf(kv, sizeof(kv), "TargetLogonId=0x%x", i + 0x10000);
                feed(en, i % 2 ? "a" : "b", 4624, "2026-03-27T10:00:00Z", kv);
        }
        for (int i = 0; i < 5000; i += 3) {
                snprintf(kv, sizeof(kv), "TargetLogonId=0x%x", i + 0x10000);
                feed(en, i % 2 ? "a" : "b", 4634, "2026-03-27T10:00:00Z", kv);
        }
        for (int i = 0; i < 5000; i++) {
                snprintf(luid, sizeof(luid), "0x%x", i + 0x10000);
                ck_assert_str_eq(priv_at(en, i % 2 ? "a" : "b", luid, "2026-03-27T10:00:00Z"),
                                 i % 3 == 0 ? "absent" : "false");
        }
        ck_assert_uint_eq(enrich_stats(en)->sessions, 5000 - 1667);
        enrich_free(en);
}
END_TEST

static Suite *enrich_suite(void)
{
        Suite *s = suite_create("enrich");
        TCase *tc;

        tc = tcase_create("change_window");
        tcase_add_test(tc, test_window_absent_without_config);
        tcase_add_test(tc, test_window_weekday_boundaries);
        tcase_add_test(tc, test_window_crosses_midnight);
        tcase_add_test(tc, test_window_dst_berlin);
        tcase_add_test(tc, test_window_several);
        suite_add_tcase(s, tc);

        tc = tcase_create("privileged");
        tcase_add_test(tc, test_priv_4672_then_task);
        tcase_add_test(tc, test_priv_4624_without_4672);
        tcase_add_test(tc, test_priv_id_reuse);
        tcase_add_test(tc, test_priv_unknown_absent);
        tcase_add_test(tc, test_priv_placeholder_account);
        tcase_add_test(tc, test_priv_logoff_forgets);
        tcase_add_test(tc, test_priv_per_host);
        tcase_add_test(tc, test_priv_expiry);
        tcase_add_test(tc, test_priv_eviction_bound);
        tcase_add_test(tc, test_priv_table_churn);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        int r;

        if (!mkdtemp(tmpdir))
                return 99;
        r = unit_run(enrich_suite());
        unit_rmtree(tmpdir);
        return r;
}
