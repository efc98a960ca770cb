/* The one path every frame takes, live or replayed:
 *   frame → syslog header (syslog.c) → JSON decode (decode.c) → sink.
 * It keeps the conservation law: each FRAME_MSG or FRAME_REJECT is one
 * received event, which ends up accepted or rejected{reason}. */
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
        void *ud;
};

struct pipeline {
        struct decoder *dec;
        struct winevent ev;
        struct pipeline_sink sink;
};

int pipeline_init(struct pipeline *p, int max_json_depth, const struct pipeline_sink *sink);
void pipeline_fini(struct pipeline *p);

/* Would this frame's bytes decode?  The same parsing as pipeline_frame,
 * without counters or the sink (POST /v1/events checks a whole body before
 * it takes any of it).  0, or -EINVAL with *why and a short detail. */
int pipeline_check(struct pipeline *p, const struct pipeline_src *src, const char *data, size_t len,
                   enum reject_reason *why, char *detail, size_t dlen);

/* Process one framer result (FRAME_MSG or FRAME_REJECT; others are ignored). */
void pipeline_frame(struct pipeline *p, const struct pipeline_src *src, const struct frame *fr);
