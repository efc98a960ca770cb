/* frame → syslog header → decode → sink, with the ingest counters; the
 * sink on a worker thread behind a bounded queue (pipeline_start_worker). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/metrics.h"
#include "spoor/pipeline.h"
#include "spoor/syslog.h"
#include "spoor/timefmt.h"

/* ---- the worker ------------------------------------------------------------
 *
 * A ring of `depth` items with one producer (the decoding thread) and one
 * consumer (the worker).  head and tail only grow; the producer owns the
 * items in [head, tail + depth), the worker those in [tail, head).  One
 * mutex guards head, tail and the waiting flags; an item's contents are
 * handed over by the unlock/lock pair around head and tail. */

#define PIPELINE_SRC_NAME_MAX 255
/* Rejected frames' bytes held in the queue at once: past this, the frame
 * waits for the worker to catch up (coverage reads the whole frame). */
#define PIPELINE_REJECT_BYTES_MAX (1024 * 1024)
/* What a queued event may keep after it is handled: a larger one (a big
 * frame, a field with a late-interned name) gives its memory back, so the
 * queue holds at most depth x this between large events. */
#define PIPELINE_ITEM_KEEP (64 * 1024)
/* Waking a thread costs a system call on each side: the worker is woken
 * once this many items wait (or at pipeline_flush(), a call, a sync, the
 * stop), and the producer once a quarter of the queue is free again (or
 * the queue is empty, for a sync). */
#define PIPELINE_WAKE_BATCH 32
/* The sink's prepare runs on the decoding thread only while the worker is
 * busy with at least this many events in hand; with fewer, or while it
 * waits for a batch, the decoding thread is the slower one, so the event
 * goes without and the worker does that part itself (ev->prep NULL).  The
 * two threads share the work as their speeds require. */
#define PIPELINE_PREPARE_BACKLOG 16

enum pipeline_item_kind { PI_EVENT, PI_REJECT, PI_CALL, PI_STOP };

struct pipeline_item {
        enum pipeline_item_kind kind;
        struct winevent ev;             /* PI_EVENT: decoded on the producer */
        void *prep;                     /* the sink's prepare_size bytes for ev */
        struct pipeline_src src;        /* .name points to name */
        char name[PIPELINE_SRC_NAME_MAX + 1];
        size_t len;                     /* PI_EVENT: the frame's length; PI_REJECT: data's */
        enum reject_reason why;
        char detail[160];
        char *data;                     /* PI_REJECT: a copy of the frame (malloc), or NULL */
        void (*fn)(void *arg, int64_t now_us);
        void *arg;
        int64_t now_us;
};

struct pipeline_worker {
        struct pipeline *p;
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv_work;         /* worker: something to do */
        pthread_cond_t cv_done;         /* producer: room, or everything handled */
        struct pipeline_item *items;
        size_t depth;
        uint64_t head;                  /* next item the producer fills */
        _Atomic uint64_t tail;          /* next item the worker handles (read unlocked: pipeline_backlog) */
        uint64_t room;                  /* producer's copy: tail + depth as last seen */
        _Atomic bool worker_waits;      /* written under mu; read unlocked: pipeline_worker_busy */
        bool producer_waits;
        size_t wake_batch;              /* min(PIPELINE_WAKE_BATCH, depth) */
        size_t reject_bytes;            /* data held by queued PI_REJECT items */
};

static void pipeline_item_src(struct pipeline_item *it, const struct pipeline_src *src)
{
        size_t n = src->name ? strnlen(src->name, PIPELINE_SRC_NAME_MAX) : 0;

        if (n)
                memcpy(it->name, src->name, n);
        it->name[n] = '\0';
        it->src = (struct pipeline_src){ .name = it->name, .pos = src->pos, .zone = NULL };
}

static void pipeline_handle(struct pipeline *p, struct pipeline_item *it)
{
        switch (it->kind) {
        case PI_EVENT:
                if (p->sink.event)
                        p->sink.event(p->sink.ud, &it->ev);
                if (p->sink.accepted)
                        p->sink.accepted(p->sink.ud, &it->src, it->len, &it->ev);
                break;
        case PI_REJECT:
                if (p->sink.reject)
                        p->sink.reject(p->sink.ud, &it->src, it->why, it->detail, it->data, it->data ? it->len : 0);
                break;
        case PI_CALL:
                it->fn(it->arg, it->now_us);
                break;
        case PI_STOP:
                break;
        }
}

static void *pipeline_worker_main(void *arg)
{
        struct pipeline_worker *w = arg;

        for (;;) {
                struct pipeline_item *it;

                pthread_mutex_lock(&w->mu);
                while (w->tail == w->head) {
                        w->worker_waits = true;
                        pthread_cond_wait(&w->cv_work, &w->mu);
                        w->worker_waits = false;
                }
                it = &w->items[w->tail % w->depth];
                pthread_mutex_unlock(&w->mu);

                pipeline_handle(w->p, it);
                if (it->kind == PI_EVENT && winevent_memory(&it->ev) > PIPELINE_ITEM_KEEP)
                        winevent_free(&it->ev);         /* and ready for the next decode */
                bool stop = it->kind == PI_STOP;
                size_t freed = 0;
                if (it->kind == PI_REJECT && it->data) {
                        freed = it->len;
                        free(it->data);
                        it->data = NULL;
                }

                pthread_mutex_lock(&w->mu);
                w->tail++;
                w->reject_bytes -= freed;
                if (w->producer_waits && (w->tail == w->head || w->head - w->tail <= w->depth - w->depth / 4))
                        pthread_cond_signal(&w->cv_done);
                pthread_mutex_unlock(&w->mu);
                if (stop)
                        return NULL;
        }
}

/* The next free item for the producer (waiting for room). */
static struct pipeline_item *pipeline_slot(struct pipeline_worker *w)
{
        if (w->head == w->room) {
                pthread_mutex_lock(&w->mu);
                if (w->head == w->tail + w->depth)
                        metrics.engine_queue_full++;    /* the caller's counter: it waits */
                while (w->head == w->tail + w->depth) {
                        w->producer_waits = true;
                        pthread_cond_wait(&w->cv_done, &w->mu);
                        w->producer_waits = false;
                }
                w->room = w->tail + w->depth;
                pthread_mutex_unlock(&w->mu);
        }
        return &w->items[w->head % w->depth];
}

/* Events queued and not yet handled, read without the lock (a moment's
 * estimate, for pipeline_frame's choice). */
static inline uint64_t pipeline_backlog(const struct pipeline_worker *w)
{
        return w->head - atomic_load_explicit(&w->tail, memory_order_relaxed);
}

/* Whether the worker is handling events (read without the lock, an
 * estimate), with at least PIPELINE_PREPARE_BACKLOG of them queued. */
static inline bool pipeline_worker_busy(struct pipeline_worker *w)
{
        return !atomic_load_explicit(&w->worker_waits, memory_order_relaxed) &&
               pipeline_backlog(w) >= PIPELINE_PREPARE_BACKLOG;
}

/* Hand the item pipeline_slot() gave over to the worker; now: wake it
 * whatever is queued (else only once a batch waits). */
static void pipeline_push(struct pipeline_worker *w, bool now)
{
        pthread_mutex_lock(&w->mu);
        w->head++;
        w->room = w->tail + w->depth;
        if (w->worker_waits && (now || w->head - w->tail >= w->wake_batch))
                pthread_cond_signal(&w->cv_work);
        pthread_mutex_unlock(&w->mu);
}

/* Under w->mu: wake the worker when it waits with something queued
 * (fewer than a batch). */
static void pipeline_wake(struct pipeline_worker *w)
{
        if (w->worker_waits && w->head != w->tail)
                pthread_cond_signal(&w->cv_work);
}

void pipeline_flush(struct pipeline *p)
{
        struct pipeline_worker *w = p->w;

        if (!w)
                return;
        pthread_mutex_lock(&w->mu);
        pipeline_wake(w);
        pthread_mutex_unlock(&w->mu);
}

/* Free w and its items (calloc'ed: the ones never used are zero). */
static void pipeline_worker_free(struct pipeline_worker *w)
{
        for (size_t i = 0; w->items && i < w->depth; i++) {
                winevent_free(&w->items[i].ev);
                free(w->items[i].data);
                free(w->items[i].prep);
        }
        free(w->items);
        pthread_cond_destroy(&w->cv_done);
        pthread_cond_destroy(&w->cv_work);
        pthread_mutex_destroy(&w->mu);
        free(w);
}

int pipeline_start_worker(struct pipeline *p, size_t depth)
{
        struct pipeline_worker *w;
        int r;

        if (p->w)
                return 0;
        if (!depth)
                depth = PIPELINE_QUEUE_DEPTH;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv_work, NULL);
        pthread_cond_init(&w->cv_done, NULL);
        w->p = p;
        w->depth = depth;
        w->room = depth;
        w->wake_batch = depth < PIPELINE_WAKE_BATCH ? depth : PIPELINE_WAKE_BATCH;
        w->items = calloc(depth, sizeof(*w->items));
        for (size_t i = 0; w->items && i < depth; i++) {
                winevent_init(&w->items[i].ev);
                if (p->sink.prepare_size && !(w->items[i].prep = malloc(p->sink.prepare_size))) {
                        pipeline_worker_free(w);
                        return -ENOMEM;
                }
        }
        if (!w->items) {
                pipeline_worker_free(w);
                return -ENOMEM;
        }
        r = pthread_create(&w->thread, NULL, pipeline_worker_main, w);
        if (r != 0) {
                pipeline_worker_free(w);
                return -r;
        }
        p->w = w;
        return 0;
}

void pipeline_sync(struct pipeline *p)
{
        struct pipeline_worker *w = p->w;

        if (!w)
                return;
        pthread_mutex_lock(&w->mu);
        pipeline_wake(w);
        while (w->tail != w->head) {
                w->producer_waits = true;
                pthread_cond_wait(&w->cv_done, &w->mu);
                w->producer_waits = false;
        }
        w->room = w->tail + w->depth;
        pthread_mutex_unlock(&w->mu);
}

size_t pipeline_pending(const struct pipeline *p)
{
        struct pipeline_worker *w = p->w;
        size_t n;

        if (!w)
                return 0;
        pthread_mutex_lock(&w->mu);
        n = (size_t)(w->head - w->tail);
        pthread_mutex_unlock(&w->mu);
        return n;
}

void pipeline_call(struct pipeline *p, void (*fn)(void *arg, int64_t now_us), void *arg, int64_t now_us)
{
        struct pipeline_item *it;

        if (!p->w) {
                fn(arg, now_us);
                return;
        }
        it = pipeline_slot(p->w);
        it->kind = PI_CALL;
        it->fn = fn;
        it->arg = arg;
        it->now_us = now_us;
        pipeline_push(p->w, true);
}

static void pipeline_stop_worker(struct pipeline *p)
{
        struct pipeline_worker *w = p->w;

        if (!w)
                return;
        pipeline_slot(w)->kind = PI_STOP;
        pipeline_push(w, true);
        pthread_join(w->thread, NULL);
        pipeline_worker_free(w);
        p->w = NULL;
}

/* ---- the path ---------------------------------------------------------------- */

int pipeline_init(struct pipeline *p, int max_json_depth, const struct pipeline_sink *sink)
{
        memset(p, 0, sizeof(*p));
        p->dec = decoder_new(max_json_depth);
        if (!p->dec)
                return -ENOMEM;
        winevent_init(&p->ev);
        p->sink = *sink;
        if (sink->prepare_size && !(p->prep = malloc(sink->prepare_size))) {
                pipeline_fini(p);
                return -ENOMEM;
        }
        return 0;
}

void pipeline_fini(struct pipeline *p)
{
        pipeline_stop_worker(p);
        decoder_free(p->dec);
        p->dec = NULL;
        winevent_free(&p->ev);
        free(p->prep);
        p->prep = NULL;
}

static void pipeline_reject(struct pipeline *p, const struct pipeline_src *src, enum reject_reason why,
                            const char *detail, const char *data, size_t len)
{
        struct pipeline_worker *w = p->w;
        struct pipeline_item *it;

        if (why <= REJ_NONE || why >= _REJ_MAX)
                why = REJ_INTERNAL;     /* -ENOMEM from the decoder */
        metrics.events_rejected[why]++;
        if (!p->sink.reject)
                return;
        if (!w) {
                p->sink.reject(p->sink.ud, src, why, detail, data, len);
                return;
        }
        if (data && len) {
                /* bound the bytes the queue holds: wait for the worker */
                pthread_mutex_lock(&w->mu);
                bool full = w->reject_bytes + len > PIPELINE_REJECT_BYTES_MAX;
                pthread_mutex_unlock(&w->mu);
                if (full) {
                        pipeline_sync(p);
                        if (len > PIPELINE_REJECT_BYTES_MAX) {
                                /* too large to queue: the worker is idle, so here and now */
                                p->sink.reject(p->sink.ud, src, why, detail, data, len);
                                return;
                        }
                }
        }
        it = pipeline_slot(w);
        it->kind = PI_REJECT;
        pipeline_item_src(it, src);
        it->why = why;
        snprintf(it->detail, sizeof(it->detail), "%s", detail ? detail : "");
        it->data = NULL;
        it->len = 0;
        if (data && len && (it->data = malloc(len))) {
                memcpy(it->data, data, len);
                it->len = len;
        }
        pthread_mutex_lock(&w->mu);
        w->reject_bytes += it->len;
        pthread_mutex_unlock(&w->mu);
        pipeline_push(w, false);
}

/* The syslog header (when there is one) and the JSON into p->ev.  0, or -1
 * with *why, *detail and *stage ("syslog header" or the decoder's detail). */
static int pipeline_decode(struct pipeline *p, const struct pipeline_src *src, const char *data, size_t len,
                           struct winevent *ev, enum reject_reason *why, char *detail, size_t dlen,
                           bool *pri_invalid)
{
        struct syslog_msg sm;
        struct decode_ctx ctx;

        *why = REJ_NONE;
        detail[0] = '\0';
        if (syslog_parse(data, len, &sm, why) < 0) {
                snprintf(detail, dlen, "syslog header");
                return -1;
        }
        *pri_invalid = sm.pri_invalid;
        memset(&ctx, 0, sizeof(ctx));
        ctx.zone = src->zone;
        ctx.recv_us = timefmt_now_us();
        ctx.fallback_host = sm.hostname;
        ctx.fallback_host_len = sm.hostname_len;
        if (sm.timestamp) {
                int64_t t;
                /* RFC 3164 relays may carry an RFC 3339 timestamp: a digit first. */
                bool rfc3339 = sm.timestamp_len > 0 && sm.timestamp[0] >= '0' && sm.timestamp[0] <= '9';
                int r = rfc3339 ? timefmt_parse(sm.timestamp, sm.timestamp_len, src->zone, &t)
                                : timefmt_parse_3164(sm.timestamp, sm.timestamp_len, src->zone,
                                                     ctx.recv_us, &t);
                if (r == 0)
                        ctx.fallback_time_us = t;
        }
        return decode_event(p->dec, sm.msg, sm.msg_len, &ctx, ev, why, detail, dlen) < 0 ? -1 : 0;
}

int pipeline_check(struct pipeline *p, const struct pipeline_src *src, const char *data, size_t len,
                   enum reject_reason *why, char *detail, size_t dlen)
{
        bool pri_invalid = false;

        if (pipeline_decode(p, src, data, len, &p->ev, why, detail, dlen, &pri_invalid) == 0)
                return 0;
        if (*why <= REJ_NONE || *why >= _REJ_MAX)
                *why = REJ_INTERNAL;
        return -EINVAL;
}

void pipeline_frame(struct pipeline *p, const struct pipeline_src *src, const struct frame *fr)
{
        enum reject_reason why = REJ_NONE;
        char detail[160] = "";
        bool pri_invalid = false;
        struct pipeline_item *it = NULL;
        struct winevent *ev = &p->ev;
        void *prep = p->prep;

        if (fr->kind != FRAME_MSG && fr->kind != FRAME_REJECT)
                return;
        metrics.events_received++;
        if (fr->kind == FRAME_REJECT) {
                pipeline_reject(p, src, fr->why, "", NULL, 0);
                return;
        }
        if (fr->method < _FRAME_METHOD_MAX)
                metrics.frames[fr->method]++;
        if (p->w) {
                it = pipeline_slot(p->w);
                ev = &it->ev;
                prep = it->prep;
        }
        if (pipeline_decode(p, src, fr->data, fr->len, ev, &why, detail, sizeof(detail), &pri_invalid) < 0) {
                pipeline_reject(p, src, why, detail, fr->data, fr->len);
                return;
        }
        if (pri_invalid)
                metrics.syslog_pri_invalid++;
        metrics.events_accepted++;
        unsigned mended = decoder_repairs(p->dec);
        if (mended & DECODE_REPAIRED_UTF8)
                metrics.events_repaired_utf8++;
        if (mended & DECODE_REPAIRED_BIG_INT)
                metrics.events_repaired_big_int++;
        if (ev->dialect >= 0 && (size_t)ev->dialect < sizeof(metrics.dialect) / sizeof(metrics.dialect[0]))
                metrics.dialect[ev->dialect]++;
        if (src->check)
                src->check(src->check_ctx, ev);
        ev->prep = NULL;
        if (p->sink.prepare && prep && (!p->w || pipeline_worker_busy(p->w))) {
                ev->prep = prep;
                p->sink.prepare(p->sink.ud, ev);
        }
        if (it) {
                it->kind = PI_EVENT;
                pipeline_item_src(it, src);
                it->len = fr->len;
                pipeline_push(p->w, false);
                return;
        }
        if (p->sink.event)
                p->sink.event(p->sink.ud, ev);
        if (p->sink.accepted)
                p->sink.accepted(p->sink.ud, src, fr->len, ev);
}
