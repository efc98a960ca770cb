/* pipeline.c: one frame → syslog header → decode → sink, with the counters.
 *
 * Frames are built by hand (no framer, no socket); each payload is copied
 * into an exact-size heap buffer so ASan sees any read past len.  After
 * every frame: received == accepted + metrics_rejected_total(). */
#include <check.h>
#include "unit.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spoor/cleanup.h"
#include "spoor/metrics.h"
#include "spoor/pipeline.h"

/* What the sink saw.  Event fields are copied: ev is valid only in the call. */
struct record {
        int events, rejects;
        char host[EVENT_HOST_MAX + 1];
        char channel[EVENT_IDENT_MAX + 1];
        char provider[EVENT_IDENT_MAX + 1];
        uint32_t event_id;
        int64_t time_us, recv_us;
        enum dialect dialect;
        enum reject_reason why;
        bool had_data;
        size_t data_len;
        char src_name[64];
        uint64_t src_pos;
};

static void record_event(void *ud, struct winevent *ev)
{
        struct record *r = ud;

        r->events++;
        snprintf(r->host, sizeof(r->host), "%s", ev->host);
        snprintf(r->channel, sizeof(r->channel), "%s", ev->channel ? ev->channel : "(null)");
        snprintf(r->provider, sizeof(r->provider), "%s", ev->provider ? ev->provider : "(null)");
        r->event_id = ev->event_id;
        r->time_us = ev->time_us;
        r->recv_us = ev->recv_us;
        r->dialect = ev->dialect;
}

static void record_reject(void *ud, const struct pipeline_src *src, enum reject_reason why,
                          const char *detail, const char *data, size_t len)
{
        struct record *r = ud;

        r->rejects++;
        r->why = why;
        r->had_data = data != NULL;
        r->data_len = len;
        snprintf(r->src_name, sizeof(r->src_name), "%s", src->name);
        r->src_pos = src->pos;
        ck_assert_ptr_nonnull(detail);  /* "" when there is none: safe to print */
}

static struct pipeline pl;
static struct record rec;
static struct timefmt_zone utc;

static void pipeline_setup(void)
{
        struct pipeline_sink sink = { .event = record_event, .reject = record_reject, .ud = &rec };

        memset(&metrics, 0, sizeof(metrics));
        memset(&rec, 0, sizeof(rec));
        ck_assert_int_eq(timefmt_zone_init(&utc, "UTC"), 0);
        ck_assert_int_eq(pipeline_init(&pl, 16, &sink), 0);
}

static void pipeline_teardown(void)
{
        pipeline_fini(&pl);
}

static void check_balance(const char *name)
{
        ck_assert_msg(metrics.events_received == metrics.events_accepted + metrics_rejected_total(),
                      "%s: received %llu != accepted %llu + rejected %llu", name,
                      (unsigned long long)metrics.events_received, (unsigned long long)metrics.events_accepted,
                      (unsigned long long)metrics_rejected_total());
}

/* Run one frame through the pipeline with src "test:1" in `zone`. */
static void run_frame(enum frame_kind kind, enum frame_method method, const char *data,
                      enum reject_reason why, struct timefmt_zone *zone)
{
        struct pipeline_src src = { .name = "test", .pos = 1, .zone = zone };
        size_t len = data ? strlen(data) : 0;
        _cleanup_free_ char *buf = NULL;
        struct frame fr = { .kind = kind, .method = method, .why = why };

        if (data) {
                buf = malloc(len ? len : 1);
                ck_assert_ptr_nonnull(buf);
                memcpy(buf, data, len);
                fr.data = buf;
                fr.len = len;
        }
        pipeline_frame(&pl, &src, &fr);
}

static int64_t utc_us(int y, int mo, int d, int h, int mi, int s)
{
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                         .tm_hour = h, .tm_min = mi, .tm_sec = s };

        return (int64_t)timegm(&tm) * 1000000;
}

/* ---- accepted frames, table-driven -------------------------------------- */

struct accept_case {
        const char *name;
        enum frame_method method;
        const char *in;
        const char *host, *channel;
        uint32_t event_id;
        int64_t time_us;                /* 0: the receive time */
        enum dialect dialect;
        bool pri_invalid;
};

#define CE_TIME "\"EventTime\":\"2026-11-22 10:11:12\""
#define T_CE utc_us(2026, 11, 22, 10, 11, 12)

static const struct accept_case *accept_cases(size_t *n)
{
        static struct accept_case c[] = {
                { "raw json, lf", FRAME_METHOD_LF,
                  "{" CE_TIME ",\"Hostname\":\"WS-0042.Corp.Example\",\"EventID\":4688,"
                  "\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\"}",
                  "ws-0042.corp.example", "Security", 4688, 0, DIALECT_NXLOG_CE, false },
                { "raw json, octet", FRAME_METHOD_OCTET,
                  "{\"EventTime\":\"2026-11-22T10:11:12.5+01:00\",\"Hostname\":\"dc1\",\"EventID\":\"0x1200\","
                  "\"Channel\":\"Security\"}",
                  "dc1", "Security", 0x1200, 0, DIALECT_NXLOG_EE, false },
                { "rfc5424, event's own host and time win", FRAME_METHOD_OCTET,
                  "<134>1 2025-01-02T03:04:05Z relay1 nxlog - - - {" CE_TIME
                  ",\"Hostname\":\"ws2\",\"EventID\":4624,\"Channel\":\"Security\"}",
                  "ws2", "Security", 4624, 0, DIALECT_NXLOG_CE, false },
                { "rfc5424, header host and time as fallbacks", FRAME_METHOD_LF,
                  "<134>1 2025-01-02T03:04:05.250Z Relay1.corp nxlog 42 - [x@1 a=\"b\"] "
                  "{\"EventID\":4625,\"Channel\":\"Security\"}",
                  "relay1.corp", "Security", 4625, 0, DIALECT_NXLOG_CE, false },
                { "rfc5424, pri above 191 kept", FRAME_METHOD_LF,
                  "<999>1 - ws9 - - - - {" CE_TIME ",\"EventID\":1,\"Channel\":\"System\"}",
                  "ws9", "System", 1, 0, DIALECT_NXLOG_CE, true },
                { "rfc3164, header host and time as fallbacks", FRAME_METHOD_LF,
                  "<13>Nov 22 10:11:12 WS3.corp.example nxlog: {\"EventID\":4698,\"Channel\":\"Security\","
                  "\"TaskName\":\"\\\\t1\"}",
                  "ws3.corp.example", "Security", 4698, 0, DIALECT_NXLOG_CE, false },
                { "winlogbeat", FRAME_METHOD_LF,
                  "{\"@timestamp\":\"2026-11-22T10:11:12Z\",\"winlog\":{\"channel\":\"Security\","
                  "\"event_id\":4720,\"computer_name\":\"WS5\",\"event_data\":{\"TargetUserName\":\"x\"}}}",
                  "ws5", "Security", 4720, 0, DIALECT_WINLOGBEAT, false },
        };

        c[0].time_us = T_CE;
        c[1].time_us = utc_us(2026, 11, 22, 9, 11, 12) + 500000;
        c[2].time_us = T_CE;
        c[3].time_us = utc_us(2025, 1, 2, 3, 4, 5) + 250000;
        c[4].time_us = T_CE;
        c[5].time_us = -1;      /* computed: RFC 3164 has no year */
        c[6].time_us = T_CE;
        *n = ELEMENTSOF(c);
        return c;
}

/* "Nov 22 10:11:12" UTC in the year that puts it closest to now. */
static int64_t rfc3164_expect(int64_t now_us)
{
        struct tm tm;
        time_t now = (time_t)(now_us / 1000000);
        int64_t best = 0;

        gmtime_r(&now, &tm);
        for (int y = tm.tm_year + 1900 - 1; y <= tm.tm_year + 1900 + 1; y++) {
                int64_t t = utc_us(y, 11, 22, 10, 11, 12);
                if (best == 0 || llabs(t - now_us) < llabs(best - now_us))
                        best = t;
        }
        return best;
}

START_TEST(test_accept)
{
        size_t n;
        const struct accept_case *c = &accept_cases(&n)[_i];
        uint64_t frames_before[_FRAME_METHOD_MAX];

        ck_assert_uint_lt((size_t)_i, n);
        memcpy(frames_before, metrics.frames, sizeof(frames_before));
        run_frame(FRAME_MSG, c->method, c->in, REJ_NONE, &utc);
        ck_assert_msg(rec.events == 1 && rec.rejects == 0, "%s: %d events, %d rejects (why %s)", c->name,
                      rec.events, rec.rejects, reject_reason_name(rec.why));
        ck_assert_msg(strcmp(rec.host, c->host) == 0, "%s: host \"%s\", want \"%s\"", c->name, rec.host, c->host);
        ck_assert_msg(strcmp(rec.channel, c->channel) == 0, "%s: channel \"%s\"", c->name, rec.channel);
        ck_assert_msg(rec.event_id == c->event_id, "%s: event_id %u, want %u", c->name, rec.event_id,
                      c->event_id);
        ck_assert_msg(rec.dialect == c->dialect, "%s: dialect %s", c->name, dialect_name(rec.dialect));
        if (c->time_us == -1) {
                int64_t want = rfc3164_expect(rec.recv_us);
                ck_assert_msg(rec.time_us == want, "%s: time_us %lld, want %lld", c->name,
                              (long long)rec.time_us, (long long)want);
        } else {
                ck_assert_msg(rec.time_us == c->time_us, "%s: time_us %lld, want %lld", c->name,
                              (long long)rec.time_us, (long long)c->time_us);
        }
        ck_assert_msg(rec.recv_us > utc_us(2024, 1, 1, 0, 0, 0), "%s: recv_us not set", c->name);

        ck_assert_uint_eq(metrics.events_received, 1);
        ck_assert_uint_eq(metrics.events_accepted, 1);
        for (int m = 0; m < _FRAME_METHOD_MAX; m++)
                ck_assert_msg(metrics.frames[m] == frames_before[m] + (m == (int)c->method),
                              "%s: frames[%s] = %llu", c->name, frame_method_name(m),
                              (unsigned long long)metrics.frames[m]);
        ck_assert_uint_eq(metrics.dialect[c->dialect], 1);
        ck_assert_uint_eq(metrics.syslog_pri_invalid, c->pri_invalid ? 1 : 0);
        check_balance(c->name);
}
END_TEST

/* An event time without zone is local time in the listener's zone. */
START_TEST(test_zone)
{
        struct timefmt_zone plus2;

        ck_assert_int_eq(timefmt_zone_init(&plus2, "+02:00"), 0);
        run_frame(FRAME_MSG, FRAME_METHOD_LF, "{" CE_TIME ",\"Hostname\":\"a\",\"EventID\":1,\"Channel\":\"S\"}",
                  REJ_NONE, &plus2);
        ck_assert_int_eq(rec.events, 1);
        ck_assert_int_eq(rec.time_us, T_CE - 2 * 3600 * 1000000LL);
        /* the RFC 3164 header time too */
        run_frame(FRAME_MSG, FRAME_METHOD_LF, "<13>Nov 22 10:11:12 h1 t: {\"EventID\":1,\"Channel\":\"S\"}",
                  REJ_NONE, &plus2);
        ck_assert_int_eq(rec.events, 2);
        ck_assert_int_eq(rec.time_us, rfc3164_expect(rec.recv_us) - 2 * 3600 * 1000000LL);
        check_balance("zone");
}
END_TEST

/* No event time and no header time: the receive time. */
START_TEST(test_time_fallback_recv)
{
        run_frame(FRAME_MSG, FRAME_METHOD_LF, "{\"Hostname\":\"a\",\"EventID\":1,\"Channel\":\"S\"}", REJ_NONE,
                  &utc);
        ck_assert_int_eq(rec.events, 1);
        ck_assert_int_eq(rec.time_us, rec.recv_us);
        /* a 5424 NILVALUE timestamp is no fallback either */
        run_frame(FRAME_MSG, FRAME_METHOD_LF, "<14>1 - h - - - - {\"EventID\":1,\"Channel\":\"S\"}", REJ_NONE,
                  &utc);
        ck_assert_int_eq(rec.events, 2);
        ck_assert_str_eq(rec.host, "h");
        ck_assert_int_eq(rec.time_us, rec.recv_us);
        check_balance("time_fallback_recv");
}
END_TEST

/* ---- rejected frames, table-driven -------------------------------------- */

static const struct reject_case {
        const char *name;
        const char *in;
        enum reject_reason why;
} reject_cases[] = {
        { "garbage", "\001\002\377\376 garbage", REJ_NOT_JSON },
        { "empty payload", "", REJ_NOT_JSON },
        { "truncated json", "{\"EventID\":4688,\"Hostname\":\"ws1", REJ_NOT_JSON },
        /* neither a syslog header nor a '{': the syslog layer says not_json */
        { "array", "[1,2,3]", REJ_NOT_JSON },
        { "bad pri", "<>1 - h - - - - {\"EventID\":1}", REJ_BAD_PRI },
        { "5424 without json", "<13>1 2026-11-22T10:11:12Z h app - - - hello", REJ_BAD_SYSLOG },
        { "two objects", "{\"EventID\":1,\"Hostname\":\"a\",\"Channel\":\"S\"} {\"EventID\":2}",
          REJ_MULTIPLE_OBJECTS },
        { "trailing garbage", "{\"EventID\":1,\"Hostname\":\"a\",\"Channel\":\"S\"} x", REJ_TRAILING_GARBAGE },
        { "duplicate EventID", "{\"EventID\":1,\"EventID\":2,\"Hostname\":\"a\",\"Channel\":\"S\"}",
          REJ_DUPLICATE_KEY },
        { "EventID out of range", "{\"EventID\":70000,\"Hostname\":\"a\",\"Channel\":\"S\"}", REJ_BAD_EVENT_ID },
        { "no host anywhere", "{\"EventID\":1,\"Channel\":\"S\"}", REJ_MISSING_HOST },
        { "path as host", "{\"EventID\":1,\"Hostname\":\"../etc\",\"Channel\":\"S\"}", REJ_BAD_HOST },
        { "no channel", "{\"EventID\":1,\"Hostname\":\"a\"}", REJ_MISSING_CHANNEL },
        { "bad event time", "{\"EventID\":1,\"Hostname\":\"a\",\"Channel\":\"S\",\"EventTime\":\"yesterday\"}",
          REJ_BAD_TIME },
        { "unknown dialect", "{\"foo\":1}", REJ_UNKNOWN_DIALECT },
        { "too deep", "{\"EventID\":1,\"Hostname\":\"a\",\"Channel\":\"S\",\"x\":"
          "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}", REJ_TOO_DEEP },
};

START_TEST(test_reject)
{
        const struct reject_case *c = &reject_cases[_i];

        run_frame(FRAME_MSG, FRAME_METHOD_OCTET, c->in, REJ_NONE, &utc);
        ck_assert_msg(rec.events == 0 && rec.rejects == 1, "%s: %d events, %d rejects", c->name, rec.events,
                      rec.rejects);
        ck_assert_msg(rec.why == c->why, "%s: why %s, want %s", c->name, reject_reason_name(rec.why),
                      reject_reason_name(c->why));
        ck_assert_msg(rec.had_data && rec.data_len == strlen(c->in), "%s: the sink did not get the frame's bytes",
                      c->name);
        ck_assert_str_eq(rec.src_name, "test");
        ck_assert_uint_eq(rec.src_pos, 1);
        ck_assert_uint_eq(metrics.events_received, 1);
        ck_assert_uint_eq(metrics.events_accepted, 0);
        ck_assert_msg(metrics.events_rejected[c->why] == 1, "%s: rejected{%s} = %llu", c->name,
                      reject_reason_name(c->why), (unsigned long long)metrics.events_rejected[c->why]);
        /* a frame that reached the parsers was a frame, whatever came of it */
        ck_assert_uint_eq(metrics.frames[FRAME_METHOD_OCTET], 1);
        ck_assert_uint_eq(metrics.frames[FRAME_METHOD_LF], 0);
        check_balance(c->name);
}
END_TEST

/* A framing-level rejection: counted under its reason, not as a frame. */
START_TEST(test_frame_reject)
{
        static const enum reject_reason whys[] = { REJ_OVERSIZE, REJ_BAD_OCTET_COUNT, REJ_TRUNCATED };

        for (size_t i = 0; i < ELEMENTSOF(whys); i++) {
                run_frame(FRAME_REJECT, FRAME_METHOD_OCTET, NULL, whys[i], &utc);
                ck_assert_int_eq(rec.rejects, (int)i + 1);
                ck_assert_int_eq(rec.why, whys[i]);
                ck_assert(!rec.had_data);
                ck_assert_uint_eq(metrics.events_rejected[whys[i]], 1);
                ck_assert_uint_eq(metrics.events_received, i + 1);
                check_balance(reject_reason_name(whys[i]));
        }
        ck_assert_int_eq(rec.events, 0);
        ck_assert_uint_eq(metrics.events_accepted, 0);
        ck_assert_uint_eq(metrics.frames[FRAME_METHOD_LF] + metrics.frames[FRAME_METHOD_OCTET], 0);
}
END_TEST

/* FRAME_NONE and FRAME_CLOSE are no events: nothing counted, sink not called. */
START_TEST(test_ignored_kinds)
{
        run_frame(FRAME_NONE, FRAME_METHOD_LF, NULL, REJ_NONE, &utc);
        run_frame(FRAME_CLOSE, FRAME_METHOD_LF, NULL, REJ_NONE, &utc);
        run_frame(FRAME_NONE, FRAME_METHOD_LF, "{\"EventID\":1,\"Hostname\":\"a\",\"Channel\":\"S\"}", REJ_NONE,
                  &utc);
        ck_assert_int_eq(rec.events + rec.rejects, 0);
        ck_assert_uint_eq(metrics.events_received, 0);
        ck_assert_uint_eq(metrics_rejected_total(), 0);
        ck_assert_uint_eq(metrics.frames[FRAME_METHOD_LF], 0);
        check_balance("ignored");
}
END_TEST

/* A sink without callbacks: frames are still counted. */
START_TEST(test_null_sink)
{
        struct pipeline p;
        struct pipeline_sink none = { 0 };
        struct pipeline_src src = { .name = "x", .pos = 1, .zone = NULL };
        static const char ok[] = "{\"EventID\":1,\"Hostname\":\"a\",\"Channel\":\"S\"}";
        struct frame good = { .kind = FRAME_MSG, .method = FRAME_METHOD_LF, .data = ok, .len = sizeof(ok) - 1 };
        struct frame bad = { .kind = FRAME_MSG, .method = FRAME_METHOD_LF, .data = "x", .len = 1 };

        ck_assert_int_eq(pipeline_init(&p, 16, &none), 0);
        pipeline_frame(&p, &src, &good);
        pipeline_frame(&p, &src, &bad);
        ck_assert_uint_eq(metrics.events_accepted, 1);
        ck_assert_uint_eq(metrics.events_rejected[REJ_NOT_JSON], 1);
        check_balance("null sink");
        pipeline_fini(&p);
}
END_TEST

/* Every case in one pipeline, in sequence: the state one frame leaves
 * (the reused struct winevent) must not leak into the next, and the law
 * holds after each. */
START_TEST(test_sequence)
{
        size_t n, accepted = 0, received = 0;
        const struct accept_case *ac = accept_cases(&n);

        for (int round = 0; round < 2; round++) {
                for (size_t i = 0; i < ELEMENTSOF(reject_cases); i++) {
                        const struct accept_case *a = &ac[i % n];

                        run_frame(FRAME_MSG, FRAME_METHOD_LF, reject_cases[i].in, REJ_NONE, &utc);
                        received++;
                        check_balance(reject_cases[i].name);
                        run_frame(FRAME_MSG, a->method, a->in, REJ_NONE, &utc);
                        received++;
                        accepted++;
                        check_balance(a->name);
                        ck_assert_msg(strcmp(rec.host, a->host) == 0, "%s after %s: host \"%s\"", a->name,
                                      reject_cases[i].name, rec.host);
                        ck_assert_uint_eq(rec.event_id, a->event_id);
                        run_frame(FRAME_REJECT, FRAME_METHOD_LF, NULL, REJ_TRUNCATED, &utc);
                        received++;
                        check_balance("truncated");
                }
        }
        ck_assert_uint_eq(metrics.events_received, received);
        ck_assert_uint_eq(metrics.events_accepted, accepted);
        ck_assert_int_eq(rec.events, (int)accepted);
        ck_assert_int_eq(rec.rejects, (int)(received - accepted));
        ck_assert_uint_eq(metrics.events_rejected[REJ_TRUNCATED], 2 * ELEMENTSOF(reject_cases));
}
END_TEST

/* ---- the worker thread ---------------------------------------------------------
 *
 * What the worker's sink sees, as a log of tagged sequence numbers: an
 * event's number is its record id, a reject's is in its bytes ("#N{"), a
 * call's is its argument.  The log is only read after pipeline_sync(). */

#define W_MAX 20000

struct wlog {
        uint64_t seq[W_MAX];
        char kind[W_MAX];               /* 'e' event, 'r' reject, 'c' call */
        size_t n;
        size_t data_bytes;              /* rejected bytes delivered */
        bool wrong_thread;              /* a sink call on the caller's thread, or prepare on the worker */
        bool prep_mismatch;             /* ev->prep not what prepare wrote for the event */
        size_t prepared;                /* events that came with ev->prep (prepare may be skipped) */
        pthread_t caller;
};

static struct wlog *wl;

static void wlog_add(char kind, uint64_t seq)
{
        if (pthread_equal(pthread_self(), wl->caller))
                wl->wrong_thread = true;
        if (wl->n < W_MAX) {
                wl->kind[wl->n] = kind;
                wl->seq[wl->n++] = seq;
        }
}

static void w_prepare(void *ud, struct winevent *ev)
{
        if (!pthread_equal(pthread_self(), wl->caller))
                wl->wrong_thread = true;
        memcpy(ev->prep, &ev->record_id, sizeof(ev->record_id));
}

static void w_event(void *ud, struct winevent *ev)
{
        uint64_t got;

        if (ev->prep) {         /* NULL: the decoding thread left it to us */
                memcpy(&got, ev->prep, sizeof(got));
                if (got != ev->record_id)
                        wl->prep_mismatch = true;
                wl->prepared++;
        }
        wlog_add('e', ev->record_id);
}

static void w_reject(void *ud, const struct pipeline_src *src, enum reject_reason why, const char *detail,
                     const char *data, size_t len)
{
        unsigned long long n = 0;

        if (data && len > 1 && data[0] == '#')
                n = strtoull(data + 1, NULL, 10);
        wl->data_bytes += len;
        wlog_add('r', n);
}

static void w_call(void *arg, int64_t now_us)
{
        wlog_add('c', (uint64_t)now_us);
}

static void w_frame(struct pipeline *p, const char *data, size_t len)
{
        struct pipeline_src src = { .name = "worker-test", .pos = 1, .zone = &utc };
        struct frame fr = { .kind = FRAME_MSG, .method = FRAME_METHOD_LF, .data = data, .len = len };

        pipeline_frame(p, &src, &fr);
}

/* Event number i (its record id) from host h, through the pipeline. */
static void w_send(struct pipeline *p, uint64_t i)
{
        char buf[256];
        size_t len = (size_t)snprintf(buf, sizeof(buf),
                                      "{\"Hostname\":\"h\",\"Channel\":\"Security\",\"EventID\":4624,"
                                      "\"RecordNumber\":%llu," CE_TIME "}", (unsigned long long)i);

        w_frame(p, buf, len);
}

static void w_start(struct pipeline *p, size_t depth)
{
        struct pipeline_sink sink = { .event = w_event, .reject = w_reject, .prepare = w_prepare,
                                      .prepare_size = sizeof(uint64_t) };

        wl = calloc(1, sizeof(*wl));
        ck_assert_ptr_nonnull(wl);
        wl->caller = pthread_self();
        ck_assert_int_eq(pipeline_init(p, 16, &sink), 0);
        if (depth)
                ck_assert_int_eq(pipeline_start_worker(p, depth), 0);
}

/* Without a worker, prepare runs for every event, on the caller's thread,
 * right before the sink sees it. */
START_TEST(test_prepare_without_worker)
{
        struct pipeline p;

        w_start(&p, 0);
        wl->caller = (pthread_t)0;      /* every call is on this thread: do not flag it */
        for (uint64_t i = 1; i <= 20; i++)
                w_send(&p, i);
        ck_assert_uint_eq(wl->n, 20);
        ck_assert_uint_eq(wl->prepared, 20);
        ck_assert(!wl->prep_mismatch);
        pipeline_fini(&p);
        free(wl);
}
END_TEST

/* While the worker waits for a batch it is the faster thread: the decoding
 * thread leaves prepare to it, however many events queue meanwhile (fewer
 * than the batch that wakes it).  Before, the decoding thread prepared
 * every event past a backlog of 16, the worker idle. */
START_TEST(test_prepare_left_to_idle_worker)
{
        struct pipeline p;

        w_start(&p, 64);
        pipeline_sync(&p);
        usleep(100 * 1000);     /* the worker is waiting for work */
        for (uint64_t i = 1; i <= 24; i++)
                w_send(&p, i);
        pipeline_sync(&p);
        ck_assert_uint_eq(wl->n, 24);
        ck_assert_uint_eq(wl->prepared, 0);
        ck_assert(!wl->wrong_thread);
        pipeline_fini(&p);
        free(wl);
}
END_TEST

/* Events, rejects and calls, interleaved through a queue far shorter than
 * the input: the worker sees every one, in order, never on the caller's
 * thread, each event with what prepare computed for it. */
START_TEST(test_worker_order)
{
        static const size_t depths[] = { 1, 3, 64 };
        struct pipeline p;
        char buf[256];
        uint64_t want = 0;
        size_t len;

        w_start(&p, depths[_i]);
        for (uint64_t i = 1; i <= 5000; i++) {
                switch (i % 7) {
                case 3:
                        len = (size_t)snprintf(buf, sizeof(buf), "#%llu{not json", (unsigned long long)i);
                        w_frame(&p, buf, len);
                        break;
                case 5:
                        pipeline_call(&p, w_call, NULL, (int64_t)i);
                        break;
                default:
                        len = (size_t)snprintf(buf, sizeof(buf),
                                               "{\"Hostname\":\"h%llu\",\"Channel\":\"Security\",\"EventID\":4624,"
                                               "\"RecordNumber\":%llu," CE_TIME "}",
                                               (unsigned long long)(i % 13), (unsigned long long)i);
                        w_frame(&p, buf, len);
                        break;
                }
                if (i % 1000 == 0) {
                        pipeline_sync(&p);
                        ck_assert_uint_eq(pipeline_pending(&p), 0);
                        ck_assert_uint_eq(wl->n, i);
                }
        }
        pipeline_sync(&p);
        ck_assert_uint_eq(wl->n, 5000);
        for (size_t k = 0; k < wl->n; k++) {
                want = k + 1;
                char kind = want % 7 == 3 ? 'r' : want % 7 == 5 ? 'c' : 'e';
                ck_assert_msg(wl->kind[k] == kind && wl->seq[k] == want, "item %zu: %c %llu, want %c %llu", k,
                              wl->kind[k], (unsigned long long)wl->seq[k], kind, (unsigned long long)want);
        }
        ck_assert(!wl->wrong_thread);
        ck_assert(!wl->prep_mismatch);
        check_balance("worker");
        ck_assert_uint_eq(metrics.events_rejected[REJ_NOT_JSON], 5000 / 7 + (5000 % 7 >= 3));
        pipeline_fini(&p);
        free(wl);
}
END_TEST

/* Rejected frames keep their bytes in the queue up to a bound: beyond it
 * the caller waits, and a frame larger than the bound is handled on the
 * caller's thread once the worker is idle.  None is lost or cut. */
START_TEST(test_worker_reject_bytes)
{
        struct pipeline p;
        size_t sizes[] = { 100, 300 * 1024, 700 * 1024, 2 * 1024 * 1024, 10, 900 * 1024 };
        size_t total = 0;
        char *buf = malloc(2 * 1024 * 1024 + 16);

        ck_assert_ptr_nonnull(buf);
        w_start(&p, 8);
        for (size_t round = 0; round < 3; round++)
                for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                        memset(buf, 'x', sizes[i]);
                        int n = snprintf(buf, 32, "#%zu{", round * 100 + i);
                        buf[n] = 'x';
                        w_frame(&p, buf, sizes[i]);
                        total += sizes[i];
                }
        pipeline_fini(&p);      /* stops the worker after what it holds */
        ck_assert_uint_eq(wl->n, 3 * ELEMENTSOF(sizes));
        ck_assert_uint_eq(wl->data_bytes, total);
        for (size_t k = 0; k < wl->n; k++)
                ck_assert_uint_eq(wl->seq[k], (k / ELEMENTSOF(sizes)) * 100 + k % ELEMENTSOF(sizes));
        free(wl);
        free(buf);
}
END_TEST

/* Large events give their memory back once handled (PIPELINE_ITEM_KEEP):
 * the items are reused for small and large events alike, every one
 * arrives whole (under ASan: no use after the memory is given back). */
START_TEST(test_worker_large_events)
{
        struct pipeline p;
        size_t big = 200 * 1024, cap = big + 256;
        char *buf = malloc(cap);
        size_t len;

        ck_assert_ptr_nonnull(buf);
        w_start(&p, 4);
        for (uint64_t i = 1; i <= 64; i++) {
                size_t pad = i % 3 == 0 ? big : 10;
                len = (size_t)snprintf(buf, cap, "{\"Hostname\":\"h\",\"Channel\":\"Security\",\"EventID\":4688,"
                                       "\"RecordNumber\":%llu," CE_TIME ",\"CommandLine\":\"", (unsigned long long)i);
                memset(buf + len, 'x', pad);
                len += pad;
                len += (size_t)snprintf(buf + len, cap - len, "\"}");
                w_frame(&p, buf, len);
        }
        pipeline_sync(&p);
        ck_assert_uint_eq(wl->n, 64);
        for (size_t k = 0; k < wl->n; k++)
                ck_assert(wl->kind[k] == 'e' && wl->seq[k] == k + 1);
        ck_assert(!wl->prep_mismatch);
        pipeline_fini(&p);
        free(wl);
        free(buf);
}
END_TEST

static Suite *pipeline_suite(void)
{
        Suite *s = suite_create("pipeline");
        size_t naccept;
        const struct {
                const char *name;
                const TTest *fn;
                int loop_end;
        } tc[] = {
                { "accept", test_accept, (accept_cases(&naccept), (int)naccept) },
                { "zone", test_zone, 1 },
                { "time_fallback_recv", test_time_fallback_recv, 1 },
                { "reject", test_reject, (int)ELEMENTSOF(reject_cases) },
                { "frame_reject", test_frame_reject, 1 },
                { "ignored_kinds", test_ignored_kinds, 1 },
                { "null_sink", test_null_sink, 1 },
                { "sequence", test_sequence, 1 },
                { "worker_order", test_worker_order, 3 },
                { "worker_reject_bytes", test_worker_reject_bytes, 1 },
                { "worker_large_events", test_worker_large_events, 1 },
                { "prepare_without_worker", test_prepare_without_worker, 1 },
                { "prepare_left_to_idle_worker", test_prepare_left_to_idle_worker, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
                TCase *t = tcase_create(tc[i].name);

                tcase_add_checked_fixture(t, pipeline_setup, pipeline_teardown);
                tcase_add_loop_test(t, tc[i].fn, 0, tc[i].loop_end);
                suite_add_tcase(s, t);
        }
        return s;
}

int main(void)
{
        return unit_run(pipeline_suite());
}
