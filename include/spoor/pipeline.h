/* The one path every frame takes, live or replayed:
 *   frame → syslog header (syslog.c) → JSON decode (decode.c) → sink.
 * It keeps the conservation law: each FRAME_MSG or FRAME_REJECT is one
 * received event, which ends up accepted or rejected{reason}.
 *
 * Two threads (pipeline_start_worker): the caller's thread frames, decodes
 * and runs the sink's `prepare`; the worker runs the rest of the sink, in
 * the order the frames came, through a bounded queue (a full queue blocks
 * the caller: backpressure reaches the sender through TCP).  Whatever the
 * sink touches (the engine, its spool, its counters) belongs to the worker
 * while the queue holds anything: the caller touches it only after
 * pipeline_sync(), or asks the worker with pipeline_call().  Without a
 * worker the sink runs inside pipeline_frame(), as before. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "spoor/decode.h"
#include "spoor/winevent.h"
#include "spoor/framing.h"
#include "spoor/reject.h"
#include "spoor/timefmt.h"

struct pipeline_src {
        const char *name;               /* "127.0.0.1:40112" or a file name: for logs */
        uint64_t pos;                   /* line or frame number within the source (1-based) */
        struct timefmt_zone *zone;      /* the listener's zone for zone-less times */
        /* Optional, on the decoding thread, after the frame decodes and
         * before the sink's prepare: the source's own look at the event
         * (bind_host_to_peer flags a host the client certificate does not
         * name).  The sink never sees check or check_ctx. */
        void (*check)(void *ctx, struct winevent *ev);
        void *check_ctx;
};

struct pipeline_sink {
        /* An accepted event.  ev is valid only during the call; the sink may
         * add derived fields to it. */
        void (*event)(void *ud, struct winevent *ev);
        /* A rejected frame: the reason, a short detail, and (when there is
         * one) the frame's bytes, for diagnostics. */
        void (*reject)(void *ud, const struct pipeline_src *src, enum reject_reason why,
                       const char *detail, const char *data, size_t len);
        /* After event: the accepted frame's source and length (optional;
         * coverage: a sender that delivers long frames again). */
        void (*accepted)(void *ud, const struct pipeline_src *src, size_t len, const struct winevent *ev);
        /* Optional, on the decoding thread, before event: work that reads
         * only the event and what does not change while the queue holds
         * anything (the ruleset's literal prefilter), into ev->prep:
         * prepare_size bytes the pipeline keeps with the event.  With a
         * worker it is skipped (ev->prep NULL: event does that work
         * itself) while the worker has little in hand: it would otherwise
         * wait for the decoding thread. */
        void (*prepare)(void *ud, struct winevent *ev);
        size_t prepare_size;
        void *ud;
};

struct pipeline_worker;

struct pipeline {
        struct decoder *dec;
        struct winevent ev;             /* without a worker */
        void *prep;                     /* ev's sink.prepare_size bytes */
        struct pipeline_sink sink;
        struct pipeline_worker *w;      /* NULL: the sink runs in pipeline_frame() */
};

int pipeline_init(struct pipeline *p, int max_json_depth, const struct pipeline_sink *sink);
/* Stops the worker first (what it holds is handled). */
void pipeline_fini(struct pipeline *p);

/* Run the sink on a thread of its own, behind a queue of `depth` frames
 * (PIPELINE_QUEUE_DEPTH when 0).  0 or -errno (the pipeline stays
 * synchronous). */
#define PIPELINE_QUEUE_DEPTH 256
int pipeline_start_worker(struct pipeline *p, size_t depth);
/* The worker is woken once a batch of frames waits; the caller says
 * when it has no more input for now (the end of a read, of a file, of a
 * request), so that fewer wait no longer than that.  Without a worker:
 * nothing to do. */
void pipeline_flush(struct pipeline *p);
/* Wait until the worker has handled everything queued: afterwards, and
 * until the next pipeline_frame()/pipeline_call(), the caller may touch
 * what the sink touches.  Without a worker: nothing to do. */
void pipeline_sync(struct pipeline *p);
/* Run fn(arg, now_us) on the worker after what is queued (without a
 * worker: now).  For periodic work that must not stall the input. */
void pipeline_call(struct pipeline *p, void (*fn)(void *arg, int64_t now_us), void *arg, int64_t now_us);
/* Frames queued and not yet handled (0 without a worker). */
size_t pipeline_pending(const struct pipeline *p);

/* Would this frame's bytes decode?  The same parsing as pipeline_frame,
 * without counters or the sink (POST /v1/events checks a whole body before
 * it takes any of it).  0, or -EINVAL with *why and a short detail. */
int pipeline_check(struct pipeline *p, const struct pipeline_src *src, const char *data, size_t len,
                   enum reject_reason *why, char *detail, size_t dlen);

/* Process one framer result (FRAME_MSG or FRAME_REJECT; others are ignored). */
void pipeline_frame(struct pipeline *p, const struct pipeline_src *src, const struct frame *fr);
