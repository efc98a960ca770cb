/* The whole ingest path: framer → pipeline_frame (syslog → decode → sink).
 *
 * Input: 2 parameter bytes, then the stream.
 *   [0]  framing mode (% 3); bits 2-7 seed the chunk sizes (0: all at once)
 *   [1]  max_frame = 64 * (1 + [1]), i.e. 64 B .. 16 KiB
 * Checked after every frame and inside the sink: the conservation law of
 * metrics.h (received == accepted + sum(rejected)); every FRAME_MSG or
 * FRAME_REJECT is exactly one received event; a rejection has a real
 * reason and its bytes lie inside the frame; an accepted event is
 * well-formed (canonical host, event_id <= 65535, channel set). */
#include <stdbool.h>

#include "fuzz.h"
#include "spoor/metrics.h"
#include "spoor/pipeline.h"

#define PARAM_BYTES 2

static struct pipeline pipe_;
static struct timefmt_zone utc;
static const struct frame *cur;         /* the frame being processed */
static size_t sink_calls;

static void check_law(void)
{
        fuzz_assert(metrics.events_received == metrics.events_accepted + metrics_rejected_total());
}

static void sink_event(void *ud, struct winevent *ev)
{
        size_t hl;

        (void)ud;
        sink_calls++;
        check_law();
        fuzz_assert(cur && cur->kind == FRAME_MSG);
        fuzz_assert(memchr(ev->host, '\0', sizeof(ev->host)) != NULL);
        hl = strlen(ev->host);
        fuzz_assert(hl > 0);
        for (size_t i = 0; i < hl; i++)
                fuzz_assert(!(ev->host[i] >= 'A' && ev->host[i] <= 'Z'));
        fuzz_assert(ev->event_id <= 65535);
        fuzz_assert(ev->channel != NULL);
        fuzz_assert(ev->provider != NULL);
}

static void sink_reject(void *ud, const struct pipeline_src *src, enum reject_reason why,
                        const char *detail, const char *data, size_t len)
{
        (void)ud;
        (void)src;
        sink_calls++;
        check_law();
        fuzz_assert(cur != NULL);
        /* Counted under a real reason: REJ_NONE is not exposed in /metrics. */
        fuzz_assert(why > REJ_NONE && why < _REJ_MAX);
        fuzz_assert(cur->kind != FRAME_REJECT || why == cur->why);
        fuzz_assert(detail != NULL);
        if (data && len)
                fuzz_assert(cur->kind == FRAME_MSG && fuzz_within(data, len, cur->data, cur->len));
}

static void fuzz_init(void)
{
        static bool done;
        static const struct pipeline_sink sink = { .event = sink_event, .reject = sink_reject };

        if (done)
                return;
        fuzz_assert(timefmt_zone_init(&utc, "UTC") == 0);
        fuzz_assert(pipeline_init(&pipe_, DECODE_DEFAULT_MAX_DEPTH, &sink) == 0);
        done = true;
}

static void feed_frame(const struct pipeline_src *src, const struct frame *fr)
{
        uint64_t before = metrics.events_received;
        size_t calls = sink_calls;

        cur = fr;
        pipeline_frame(&pipe_, src, fr);
        cur = NULL;
        check_law();
        if (fr->kind == FRAME_MSG || fr->kind == FRAME_REJECT) {
                fuzz_assert(metrics.events_received == before + 1);
                fuzz_assert(sink_calls == calls + 1);
        } else {
                fuzz_assert(metrics.events_received == before);
                fuzz_assert(sink_calls == calls);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pipeline_src src = { .name = "fuzz", .pos = 0, .zone = &utc };
        struct framer f;
        uint32_t state;
        size_t len, off = 0, avail = 0, iters = 0;
        unsigned seed;
        bool closed = false;
        char *in;

        if (size < PARAM_BYTES || size > FUZZ_MAX_INPUT)
                return 0;
        fuzz_init();
        framer_init(&f, (enum framing_mode)(data[0] % _FRAMING_MODE_MAX), 64 * (1 + (size_t)data[1]));
        seed = data[0] >> 2;
        state = 0x9e3779b9u ^ (seed * 0x01000193u);
        len = size - PARAM_BYTES;
        in = fuzz_dup(data + PARAM_BYTES, len);

        do {
                size_t c = len - avail;

                if (seed) {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        c = 1 + state % (seed & 1 ? 7 : 700);
                }
                avail = c < len - avail ? avail + c : len;
                for (;;) {
                        bool eof = avail == len;
                        struct frame fr;
                        size_t n;

                        fuzz_assert(++iters <= 2 * len + 16);
                        n = framer_next(&f, in + off, avail - off, eof, &fr);
                        fuzz_assert(n <= avail - off);
                        if (fr.kind == FRAME_MSG || fr.kind == FRAME_REJECT)
                                src.pos++;
                        feed_frame(&src, &fr);
                        if (fr.kind == FRAME_CLOSE) {
                                closed = true;
                                break;
                        }
                        off += n;
                        if (n == 0 && fr.kind == FRAME_NONE)
                                break;
                }
        } while (avail < len && !closed);
        fuzz_assert(closed || off == len);
        free(in);
        return 0;
}
