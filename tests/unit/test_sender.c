/* daemon/coverage/sender.c: clock_skew (steady offsets open it, a draining
 * backlog does not, a replay never judges the clock, the time-zone hint,
 * closing after in-range events) and sender_truncation (each size, the
 * sizes measured with a newline or after a syslog header, hosts named by
 * each dialect, peers without their port, what must not open, the times,
 * closing, the cap).  Driven through coverage_new / coverage_event /
 * coverage_reject with synthetic receive and event times. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/coverage.h"
#include "spoor/metrics.h"
#include "spoor/timefmt.h"
#include "spoor/winevent.h"
#include "../../daemon/coverage/sender.h"
#include "unit.h"

#define S INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define PS "Microsoft-Windows-PowerShell/Operational"
#define MAXREC 600

static struct json_object *rec[MAXREC];
static size_t nrec;

static void collect(void *ud, const char *line, size_t len)
{
        (void)ud;
        (void)len;
        ck_assert_uint_lt(nrec, MAXREC);
        rec[nrec] = json_tokener_parse(line);
        ck_assert_ptr_nonnull(rec[nrec]);
        nrec++;
}

static void records_free(void)
{
        for (size_t i = 0; i < nrec; i++)
                json_object_put(rec[i]);
        nrec = 0;
}

static const char *field(size_t i, const char *key)
{
        struct json_object *v;

        ck_assert_uint_lt(i, nrec);
        if (!json_object_object_get_ex(rec[i], key, &v) || !v)
                return "";
        return json_object_get_string(v);
}

/* "kind host channel state [ttr]", as the scenario files say it */
static const char *brief(size_t i)
{
        static char buf[512];
        const char *ttr = field(i, "ttr_seconds");

        snprintf(buf, sizeof(buf), "%s %s %s %s%s%s", field(i, "kind"), field(i, "host"), field(i, "channel"),
                 field(i, "state"), *ttr ? " " : "", ttr);
        return buf;
}

static const char *at(int64_t us)
{
        static char buf[TIMEFMT_MAX];

        return timefmt_format(us, buf);
}

static struct coverage *cov_new(bool judge_clock)
{
        struct coverage_opts o = { .grace_us = 7 * 86400 * S, .silence_us = 7 * 86400 * S,
                                   .max_skew_us = 300 * S, .twin_window_us = 300 * S,
                                   .judge_clock = judge_clock, .write = collect };
        struct coverage *cov = coverage_new(&o);

        ck_assert_ptr_nonnull(cov);
        records_free();
        memset(&metrics, 0, sizeof(metrics));
        return cov;
}

static void done(struct coverage *cov)
{
        coverage_free(cov);
        records_free();
}

/* An accepted event: event time t, received at recv; `bytes` of field
 * values in a ScriptBlockText (0: a small event). */
static void feed(struct coverage *cov, const char *host, int64_t t, int64_t recv, size_t bytes)
{
        struct winevent ev;
        char *v = malloc(bytes + 1);

        ck_assert_ptr_nonnull(v);
        memset(v, 'x', bytes);
        v[bytes] = '\0';
        winevent_init(&ev);
        snprintf(ev.host, sizeof(ev.host), "%s", host);
        ev.channel = PS;
        ev.provider = "";
        ev.event_id = 4104;
        ev.time_us = t;
        ev.recv_us = recv;
        if (bytes)
                ck_assert_int_eq(winevent_set_field(&ev, "ScriptBlockText", 15, v, bytes), 0);
        coverage_event(cov, &ev);
        winevent_free(&ev);
        free(v);
}

/* ---- clock_skew ------------------------------------------------------ */

/* n events from host, one every `step` of receive time from recv0, event
 * time = receive time + offset(i). */
static void skewed(struct coverage *cov, const char *host, int64_t recv0, int64_t step, int n,
                   int64_t (*offset)(int i))
{
        for (int i = 0; i < n; i++)
                feed(cov, host, recv0 + i * step + offset(i), recv0 + i * step, 0);
}

static int64_t ahead_2h(int i)
{
        (void)i;
        return 7200 * S;
}

static int64_t on_time(int i)
{
        return -(i % 3) * S;    /* a forwarder's usual second or two */
}

START_TEST(test_skew_steady_opens_and_closes)
{
        struct coverage *cov = cov_new(true);

        skewed(cov, "wsb", T0, S, 60, on_time);                 /* the control host */
        skewed(cov, "wsa", T0, S, 29, ahead_2h);                /* samples at 0, 2 .. 28 s: 15 */
        ck_assert_uint_eq(nrec, 0);
        skewed(cov, "wsa", T0 + 29 * S, S, 2, ahead_2h);        /* the 16th sample, at 30 s */
        ck_assert_uint_eq(nrec, 1);
        ck_assert_str_eq(brief(0), "clock_skew wsa * open");
        ck_assert_str_eq(field(0, "opened"), at(T0 + 30 * S));  /* receive time */
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), "event times 7200 s ahead of receive times over 31 "
                                                           "events in 30 s of receive time (median offset "
                                                           "+7200.0 s; 16 samples within 0.0 s"));
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), "a whole-hour offset (2 h)"));
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), "listen[].timezone"));
        ck_assert_ptr_nonnull(strstr(field(0, "remedy"), "w32tm /resync"));
        ck_assert_ptr_nonnull(strstr(field(0, "remedy"), "w32tm /query /status"));
        skewed(cov, "wsa", T0 + 31 * S, S, 100, ahead_2h);      /* still skewed: stays open, once */
        ck_assert_uint_eq(nrec, 1);
        for (int i = 0; i < COV_SKEW_CLEAR - 1; i++)
                feed(cov, "wsa", T0 + (200 + i) * S, T0 + (200 + i) * S, 0);
        ck_assert_uint_eq(nrec, 1);
        feed(cov, "wsa", T0 + 290 * S + 7200 * S, T0 + 290 * S, 0);    /* one more skewed: the run restarts */
        for (int i = 0; i < COV_SKEW_CLEAR - 1; i++)
                feed(cov, "wsa", T0 + (300 + i) * S, T0 + (300 + i) * S, 0);
        ck_assert_uint_eq(nrec, 1);
        feed(cov, "wsa", T0 + 307 * S - 2 * S, T0 + 307 * S, 0);       /* 2 s behind: in range */
        ck_assert_uint_eq(nrec, 2);
        ck_assert_str_eq(brief(1), "clock_skew wsa * closed 277");
        ck_assert_str_eq(field(1, "closed"), at(T0 + 307 * S));
        ck_assert_str_eq(field(0, "id"), field(1, "id"));
        ck_assert_uint_eq(coverage_open_gaps(cov), 0);
        done(cov);
}
END_TEST

static int64_t draining_fast(int i)
{
        return -7200 * S + 2 * i * S;   /* event time runs 3x receive time */
}

static int64_t draining_slow(int i)
{
        return -7200 * S + i * S / 5;   /* 1.2x */
}

static int64_t wandering(int i)
{
        return -3600 * S - (i % 7) * 60 * S;    /* far, but spread over 6 min */
}

static int64_t flipping(int i)
{
        return i % 2 ? 7200 * S : -7200 * S;
}

static int64_t jittery_behind(int i)
{
        return -(2 * 3600 + 1800) * S - ((i * 7919) % 3000) * 1000;   /* 2.5 h behind + 0..3 s batching */
}

static int64_t odd_minutes_behind(int i)
{
        (void)i;
        return -433 * S;
}

START_TEST(test_skew_not_steady)
{
        struct coverage *cov = cov_new(true);

        skewed(cov, "fast", T0, S, 120, draining_fast);
        skewed(cov, "slow", T0, S, 120, draining_slow);
        skewed(cov, "wander", T0, S, 120, wandering);
        skewed(cov, "flip", T0, S, 120, flipping);
        ck_assert_uint_eq(nrec, 0);
        /* a busy host: 100 events a second, still judged over 30 s */
        skewed(cov, "busy", T0, S / 100, 2900, ahead_2h);
        ck_assert_uint_eq(nrec, 0);
        skewed(cov, "busy", T0 + 29 * S, S / 100, 200, ahead_2h);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_str_eq(brief(0), "clock_skew busy * open");
        done(cov);
}
END_TEST

START_TEST(test_skew_hints)
{
        struct coverage *cov = cov_new(true);

        skewed(cov, "half", T0, 2 * S, 40, jittery_behind);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_str_eq(brief(0), "clock_skew half * open");
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), " s behind receive times"));
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), "a half-hour offset (2 h 30 min)"));
        skewed(cov, "odd", T0, 3 * S, 20, odd_minutes_behind);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_ptr_nonnull(strstr(field(1, "evidence"), "event times 433 s behind receive times"));
        ck_assert_ptr_null(strstr(field(1, "evidence"), "-hour offset"));
        ck_assert_ptr_nonnull(strstr(field(1, "evidence"), "a queue that does not drain"));
        done(cov);
}
END_TEST

START_TEST(test_skew_replay_and_off)
{
        struct coverage *cov = cov_new(false);  /* --replay: no receive times to judge */

        skewed(cov, "wsa", T0, S, 100, ahead_2h);
        ck_assert_uint_eq(nrec, 0);
        done(cov);
        cov = cov_new(true);
        feed(cov, "wsa", T0 + 7200 * S, 0, 0);  /* no receive time */
        skewed(cov, "wsa", T0, S, 10, ahead_2h);
        coverage_free(cov);                     /* a host's samples are freed with it (ASan) */
        ck_assert_uint_eq(nrec, 0);
        records_free();
}
END_TEST

START_TEST(test_skew_extreme_times)
{
        struct coverage *cov = cov_new(true);

        for (int i = 0; i < 40; i++) {
                feed(cov, "min", INT64_MIN + 1, T0 + i * 2 * S, 0);     /* offsets that overflow */
                feed(cov, "max", INT64_C(253370764800) * S + i * 2 * S, T0 + i * 2 * S, 0);  /* 9999 */
        }
        ck_assert_uint_eq(nrec, 2);
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), " behind receive times"));
        ck_assert_ptr_nonnull(strstr(field(1, "evidence"), " ahead of receive times"));
        done(cov);
}
END_TEST

/* ---- sender_truncation ----------------------------------------------- */

static const unsigned sizes[] = { 1024, 2048, 8096, 8192, 65536 };

/* An NXLog CE PowerShell 4104 of at least min bytes; caller frees. */
static char *nxlog(const char *host, size_t min)
{
#define NXLOG_FMT "{\"EventTime\":\"2026-11-22 10:00:00\",\"Hostname\":\"%s\",\"Keywords\":-9223372036854775808," \
                  "\"EventType\":\"VERBOSE\",\"SeverityValue\":1,\"EventID\":4104,\"SourceName\":" \
                  "\"Microsoft-Windows-PowerShell\",\"Channel\":\"" PS "\",\"RecordNumber\":77," \
                  "\"ScriptBlockText\":\""
        size_t head = (size_t)snprintf(NULL, 0, NXLOG_FMT, host), n = head + min + 2;
        char *s = malloc(n + 1);

        ck_assert_ptr_nonnull(s);
        snprintf(s, n + 1, NXLOG_FMT, host);
        memset(s + head, 'A', min);
        memcpy(s + head + min, "\"}", 3);
        return s;
}

static void reject(struct coverage *cov, const char *peer, enum reject_reason why, const char *data, size_t len)
{
        coverage_reject(cov, peer, why, data, len);
}

START_TEST(test_trunc_each_size)
{
        struct coverage *cov = cov_new(false);
        char *ev = nxlog("WSA.corp.example", 70000);
        char key[96];

        feed(cov, "wsa.corp.example", T0 + 10 * S, T0 + 3600 * S, 0);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                reject(cov, "127.0.0.1:40112", REJ_NOT_JSON, ev, sizes[i]);
                ck_assert_uint_eq(nrec, i + 1);
                ck_assert_str_eq(brief(i), "sender_truncation wsa.corp.example * open");
                snprintf(key, sizeof(key), "1 frame of exactly %u bytes from wsa.corp.example failed", sizes[i]);
                ck_assert_ptr_nonnull(strstr(field(i, "evidence"), key));
                ck_assert_ptr_nonnull(strstr(field(i, "evidence"), "not_json"));
                ck_assert_ptr_nonnull(strstr(field(i, "evidence"), "the first: " PS " 4104, frame of"));
                ck_assert_str_eq(field(i, "opened"), at(T0 + 10 * S));     /* the host's latest event time */
                ck_assert_ptr_nonnull(strstr(field(i, "remedy"), "octet counting"));
        }
        ck_assert_ptr_nonnull(strstr(field(0, "remedy"), "RFC 3164"));
        ck_assert_ptr_nonnull(strstr(field(1, "remedy"), "RFC 5424"));
        ck_assert_ptr_nonnull(strstr(field(3, "remedy"), "maxMessageSize"));
        ck_assert_ptr_nonnull(strstr(field(4, "remedy"), "log-msg-size"));
        ck_assert_ptr_nonnull(strstr(field(4, "remedy"), "BufferSize"));
        /* the ids differ by size (the key) */
        for (size_t i = 1; i < nrec; i++)
                ck_assert_str_ne(field(0, "id"), field(i, "id"));
        ck_assert_uint_eq(metrics.gaps_opened[GAP_SENDER_TRUNCATION], 5);
        free(ev);
        done(cov);
}
END_TEST

START_TEST(test_trunc_measures)
{
        struct coverage *cov = cov_new(false);
        char *ev = nxlog("wsa", 5000), buf[4096];
        const char *hdr = "<14>1 2026-11-22T10:00:00Z wsa nxlog - - - ";
        size_t h = strlen(hdr);

        /* 2047 bytes: the sender's 2048 counted the newline the framer strips */
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 2047);
        ck_assert_uint_eq(nrec, 1);
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), "frame of 2047 bytes + a newline"));
        /* an RFC 5424 header in front of 1024 bytes of JSON */
        memcpy(buf, hdr, h);
        memcpy(buf + h, ev, 1024);
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, buf, h + 1024);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_ptr_nonnull(strstr(field(1, "evidence"), "exactly 1024 bytes"));
        ck_assert_ptr_nonnull(strstr(field(1, "evidence"), "JSON after the header of 1024 bytes"));
        /* 8097 bytes still ending in its newline */
        free(ev);
        ev = nxlog("wsa", 9000);
        ev[8096] = '\n';
        reject(cov, "127.0.0.1:1", REJ_BAD_SYSLOG, ev, 8097);
        ck_assert_uint_eq(nrec, 3);
        ck_assert_ptr_nonnull(strstr(field(2, "evidence"), "exactly 8096 bytes"));
        ck_assert_ptr_nonnull(strstr(field(2, "evidence"), "bad_syslog"));
        free(ev);
        done(cov);
}
END_TEST

START_TEST(test_trunc_not_evidence)
{
        struct coverage *cov = cov_new(false);
        char *ev = nxlog("wsa", 70000), *whole = nxlog("wsa", 100);
        size_t n = strlen(whole);
        char *padded = malloc(2048 + 1);

        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 2040);             /* not a size */
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 3000);
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 2049);             /* one over, no newline */
        reject(cov, "127.0.0.1:1", REJ_BAD_EVENT_ID, ev, 2048);         /* not a decode failure */
        reject(cov, "127.0.0.1:1", REJ_OVERSIZE, NULL, 0);
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, NULL, 2048);
        /* exactly 2048 bytes, but the object is whole (it failed for another reason) */
        ck_assert_ptr_nonnull(padded);
        memcpy(padded, whole, n);
        memset(padded + n, ' ', 2048 - n);
        padded[2047] = '#';
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, padded, 2048);
        /* no JSON at all */
        memset(padded, 'z', 2048);
        reject(cov, "127.0.0.1:1", REJ_BAD_SYSLOG, padded, 2048);
        ck_assert_uint_eq(nrec, 0);
        ck_assert_uint_eq(coverage_open_gaps(cov), 0);
        free(padded);
        free(whole);
        free(ev);
        done(cov);
}
END_TEST

START_TEST(test_trunc_hosts)
{
        struct coverage *cov = cov_new(false);
        char buf[4096];
        const char *docs[] = {
                /* Winlogbeat: winlog.computer_name wins over host.name */
                "{\"@timestamp\":\"2026-11-22T10:00:00Z\",\"host\":{\"name\":\"other\"},\"winlog\":{\"channel\":"
                "\"Security\",\"event_id\":4688,\"computer_name\":\"WS7.corp.example\",\"event_data\":{"
                "\"CommandLine\":\"",
                /* ECS host.name, not host.os.name */
                "{\"@timestamp\":\"2026-11-22T10:00:00Z\",\"host\":{\"os\":{\"name\":\"win10\"},\"name\":\"WS8\"},"
                "\"message\":\"",
                /* EVTX: Event.System.Computer */
                "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-PowerShell\"}},"
                "\"EventID\":4104,\"Channel\":\"" PS "\",\"Computer\":\"WS9.corp.example\"},\"EventData\":{"
                "\"ScriptBlockText\":\"",
                /* the host would come after the cut: the source is named */
                "{\"EventTime\":\"2026-11-22 10:00:00\",\"EventID\":4104,\"ScriptBlockText\":\"",
                /* a host name that is no host name */
                "{\"Hostname\":\"a/b\",\"ScriptBlockText\":\"",
        };
        const char *want[] = { "ws7.corp.example", "ws8", "ws9.corp.example", "peer:10.0.0.5", "peer:10.0.0.5" };

        feed(cov, "seen", T0 + 99 * S, T0, 0);
        for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
                size_t n = strlen(docs[i]);

                memcpy(buf, docs[i], n);
                memset(buf + n, 'B', sizeof(buf) - n);
                reject(cov, i == 4 ? "10.0.0.5:50001" : "10.0.0.5:50000", REJ_NOT_JSON, buf, 1024);
        }
        ck_assert_uint_eq(nrec, 4);     /* the two peer frames are one sender */
        for (size_t i = 0; i < 4; i++) {
                ck_assert_str_eq(field(i, "host"), want[i]);
                ck_assert_str_eq(field(i, "opened"), at(T0 + 99 * S));     /* unknown host: the fleet's newest */
        }
        ck_assert_ptr_nonnull(strstr(field(0, "evidence"), "the first: Security 4688"));
        ck_assert_ptr_nonnull(strstr(field(3, "evidence"), "from source 10.0.0.5 failed"));
        /* IPv6 without the port; the count reaches the closed record */
        reject(cov, "[::1]:7000", REJ_NOT_JSON, buf + 0, 0);
        memcpy(buf, docs[3], strlen(docs[3]));
        reject(cov, "[::1]:7000", REJ_NOT_JSON, buf, 2048);
        reject(cov, "[::1]:7001", REJ_NOT_JSON, buf, 2048);
        reject(cov, "[::1]:7002", REJ_NOT_JSON, buf, 2048);
        ck_assert_uint_eq(nrec, 5);
        ck_assert_str_eq(field(4, "host"), "peer:::1");
        coverage_frame_ok(cov, "[::1]:7003", 2048, T0 + 200 * S);       /* not bigger */
        coverage_frame_ok(cov, "10.0.0.9:1", 4000, T0 + 200 * S);       /* another sender */
        ck_assert_uint_eq(nrec, 5);
        coverage_frame_ok(cov, "[::1]:7003", 2049, T0 + 200 * S);
        ck_assert_uint_eq(nrec, 6);
        ck_assert_str_eq(brief(5), "sender_truncation peer:::1 * closed 101");
        ck_assert_ptr_nonnull(strstr(field(5, "evidence"), "3 frames of exactly 2048 bytes from source ::1"));
        done(cov);
}
END_TEST

START_TEST(test_trunc_closes)
{
        struct coverage *cov = cov_new(false);
        char *ev = nxlog("wsa", 70000);

        feed(cov, "wsa", T0, T0, 0);
        feed(cov, "wsb", T0 + 5 * S, T0, 0);
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 2048);
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 8192);
        reject(cov, "127.0.0.1:2", REJ_NOT_JSON, ev, 2048);
        ck_assert_uint_eq(nrec, 2);
        ck_assert_str_eq(field(0, "opened"), at(T0));
        feed(cov, "wsa", T0 + 60 * S, T0, 2000);        /* not bigger than 2048 */
        feed(cov, "wsb", T0 + 70 * S, T0, 9000);        /* another host */
        ck_assert_uint_eq(nrec, 2);
        feed(cov, "wsa", T0 + 300 * S, T0, 2100);       /* bigger than 2048, not than 8192 */
        ck_assert_uint_eq(nrec, 3);
        ck_assert_str_eq(brief(2), "sender_truncation wsa * closed 300");
        ck_assert_ptr_nonnull(strstr(field(2, "evidence"), "2 frames of exactly 2048 bytes"));
        feed(cov, "wsa", T0 + 400 * S, T0, 9000);
        ck_assert_uint_eq(nrec, 4);
        ck_assert_str_eq(brief(3), "sender_truncation wsa * closed 400");
        ck_assert_uint_eq(coverage_open_gaps(cov), 0);
        /* a recurrence is a new gap */
        reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 2048);
        ck_assert_uint_eq(nrec, 5);
        ck_assert_str_eq(brief(4), "sender_truncation wsa * open");
        ck_assert_str_ne(field(4, "id"), field(0, "id"));
        free(ev);
        done(cov);
}
END_TEST

START_TEST(test_trunc_cap)
{
        struct coverage *cov = cov_new(false);

        for (int i = 0; i < COV_TRUNC_MAX + 10; i++) {
                char host[32];
                char *ev;

                snprintf(host, sizeof(host), "h%d", i);
                ev = nxlog(host, 2000);
                reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 1024);
                free(ev);
        }
        ck_assert_uint_eq(nrec, COV_TRUNC_MAX);
        ck_assert_uint_eq(coverage_open_gaps(cov), COV_TRUNC_MAX);
        feed(cov, "h3", T0, T0, 1500);                  /* closing one makes room */
        ck_assert_uint_eq(coverage_open_gaps(cov), COV_TRUNC_MAX - 1);
        {
                char *ev = nxlog("late", 2000);

                reject(cov, "127.0.0.1:1", REJ_NOT_JSON, ev, 1024);
                free(ev);
        }
        ck_assert_uint_eq(coverage_open_gaps(cov), COV_TRUNC_MAX);
        ck_assert_str_eq(field(nrec - 1, "host"), "late");
        done(cov);
}
END_TEST

static Suite *sender_suite(void)
{
        Suite *s = suite_create("sender");
        TCase *skew = tcase_create("clock_skew"), *trunc = tcase_create("sender_truncation");

        tcase_set_timeout(skew, 60);
        tcase_set_timeout(trunc, 60);
        tcase_add_test(skew, test_skew_steady_opens_and_closes);
        tcase_add_test(skew, test_skew_not_steady);
        tcase_add_test(skew, test_skew_hints);
        tcase_add_test(skew, test_skew_replay_and_off);
        tcase_add_test(skew, test_skew_extreme_times);
        tcase_add_test(trunc, test_trunc_each_size);
        tcase_add_test(trunc, test_trunc_measures);
        tcase_add_test(trunc, test_trunc_not_evidence);
        tcase_add_test(trunc, test_trunc_hosts);
        tcase_add_test(trunc, test_trunc_closes);
        tcase_add_test(trunc, test_trunc_cap);
        suite_add_tcase(s, skew);
        suite_add_tcase(s, trunc);
        return s;
}

int main(void)
{
        return unit_run(sender_suite());
}
