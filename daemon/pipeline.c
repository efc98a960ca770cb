/* frame → syslog header → decode → sink, with the ingest counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spoor/metrics.h"
#include "spoor/pipeline.h"
#include "spoor/syslog.h"
#include "spoor/timefmt.h"

int pipeline_init(struct pipeline *p, int max_json_depth, const struct pipeline_sink *sink)
{
        memset(p, 0, sizeof(*p));
        p->dec = decoder_new(max_json_depth);
        if (!p->dec)
                return -ENOMEM;
        winevent_init(&p->ev);
        p->sink = *sink;
        return 0;
}

void pipeline_fini(struct pipeline *p)
{
        decoder_free(p->dec);
        p->dec = NULL;
        winevent_free(&p->ev);
}

static void pipeline_reject(struct pipeline *p, const struct pipeline_src *src, enum reject_reason why,
                            const char *detail, const char *data, size_t len)
{
        if (why <= REJ_NONE || why >= _REJ_MAX)
                why = REJ_INTERNAL;     /* -ENOMEM from the decoder */
        metrics.events_rejected[why]++;
        if (p->sink.reject)
                p->sink.reject(p->sink.ud, src, why, detail, data, len);
}

/* The syslog header (when there is one) and the JSON into p->ev.  0, or -1
 * with *why, *detail and *stage ("syslog header" or the decoder's detail). */
static int pipeline_decode(struct pipeline *p, const struct pipeline_src *src, const char *data, size_t len,
                           enum reject_reason *why, char *detail, size_t dlen, bool *pri_invalid)
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
        return decode_event(p->dec, sm.msg, sm.msg_len, &ctx, &p->ev, why, detail, dlen) < 0 ? -1 : 0;
}

int pipeline_check(struct pipeline *p, const struct pipeline_src *src, const char *data, size_t len,
                   enum reject_reason *why, char *detail, size_t dlen)
{
        bool pri_invalid = false;

        if (pipeline_decode(p, src, data, len, why, detail, dlen, &pri_invalid) == 0)
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

        if (fr->kind != FRAME_MSG && fr->kind != FRAME_REJECT)
                return;
        metrics.events_received++;
        if (fr->kind == FRAME_REJECT) {
                pipeline_reject(p, src, fr->why, "", NULL, 0);
                return;
        }
        if (fr->method < _FRAME_METHOD_MAX)
                metrics.frames[fr->method]++;
        if (pipeline_decode(p, src, fr->data, fr->len, &why, detail, sizeof(detail), &pri_invalid) < 0) {
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
        if (p->ev.dialect >= 0 && (size_t)p->ev.dialect < sizeof(metrics.dialect) / sizeof(metrics.dialect[0]))
                metrics.dialect[p->ev.dialect]++;
        if (p->sink.event)
                p->sink.event(p->sink.ud, &p->ev);
        if (p->sink.accepted)
                p->sink.accepted(p->sink.ud, src, fr->len, &p->ev);
}
