/* POST /v1/events body handling (daemon/ingest/http_events.c): the NDJSON
 * line splitter, then pass 1 (pipeline_check on every line) and pass 2
 * (pipeline_frame on every line) over the same body.
 *
 * The splitter is the daemon's own, ndjson_next_line() (spoor/ndjson.h).
 *
 * Input: 1 parameter byte, then the body.
 *   [0]  max_frame_bytes = 16 << ([0] % 11), i.e. 16 B .. 16 KiB
 * Checked:
 *   - the splitter: every line lies inside the body, holds no LF and does
 *     not end in CR-before-LF; lines and separators tile the body exactly;
 *     the loop ends (at most size + 1 lines);
 *   - pass 1: pipeline_check returns 0 or -EINVAL with a real reason and a
 *     NUL-terminated detail, and touches no counter;
 *   - pass 2, done only when pass 1 found no bad line (as http_events does):
 *     every line pass 1 took is accepted by pipeline_frame (the same
 *     verdict, so a 200 never hides a rejection), the number accepted is
 *     the number pass 1 counted, and the conservation law of metrics.h
 *     holds;
 *   - when pass 1 refuses, pipeline_frame on the bad line alone rejects
 *     it with the reason pass 1 gave (the 400's "reason" is what the
 *     counters say). */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "spoor/ndjson.h"
#include "spoor/metrics.h"
#include "spoor/pipeline.h"

#define PARAM_BYTES 1

static struct pipeline pipe_;
static struct timefmt_zone utc;
static size_t accepted, rejected;
static enum reject_reason last_why;

static void sink_event(void *ud, struct winevent *ev)
{
        (void)ud;
        accepted++;
        fuzz_assert(ev->host[0] != '\0');
        fuzz_assert(ev->event_id <= 65535);
}

static void sink_reject(void *ud, const struct pipeline_src *src, enum reject_reason why, const char *detail,
                        const char *data, size_t len)
{
        (void)ud;
        (void)src;
        (void)data;
        (void)len;
        rejected++;
        last_why = why;
        fuzz_assert(detail != NULL);
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

static void check_law(void)
{
        fuzz_assert(metrics.events_received == metrics.events_accepted + metrics_rejected_total());
}

/* Pass 1 as http_check_body: 0, or the 1-based number of the first bad
 * line (its bytes in *bad, *bad_len). */
static size_t check_body(const char *body, size_t len, size_t max_frame, size_t *nevents, enum reject_reason *why,
                         const char **bad, size_t *bad_len)
{
        const struct pipeline_src src = { .name = "http:fuzz", .zone = &utc };
        const char *p = body, *end = body + len, *line, *prev = body;
        size_t n, lineno = 0;
        uint64_t received = metrics.events_received, acc = metrics.events_accepted;

        *nevents = 0;
        while (ndjson_next_line(&p, end, &line, &n)) {
                char detail[160];
                int r;

                fuzz_assert(++lineno <= len + 1);
                /* the splitter tiles the body */
                fuzz_assert(line == prev);
                fuzz_assert(fuzz_within(line, n, body, len));
                fuzz_assert(memchr(line, '\n', n) == NULL);
                fuzz_assert(p == end || p[-1] == '\n');
                fuzz_assert(p == line + n || p == line + n + 1 || (p == line + n + 2 && line[n] == '\r'));
                prev = p;
                if (n == 0)
                        continue;
                if (n > max_frame) {
                        *why = REJ_OVERSIZE;
                        *bad = line;
                        *bad_len = n;
                        return lineno;
                }
                memset(detail, 'x', sizeof(detail));
                *why = REJ_NONE;
                r = pipeline_check(&pipe_, &src, line, n, why, detail, sizeof(detail));
                fuzz_assert(memchr(detail, '\0', sizeof(detail)) != NULL);
                if (r < 0) {
                        fuzz_assert(r == -EINVAL);
                        fuzz_assert(*why > REJ_NONE && *why < _REJ_MAX);
                        *bad = line;
                        *bad_len = n;
                        return lineno;
                }
                fuzz_assert(r == 0);
                (*nevents)++;
        }
        fuzz_assert(p == end);
        /* pass 1 counts nothing */
        fuzz_assert(metrics.events_received == received && metrics.events_accepted == acc);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pipeline_src src = { .name = "http:fuzz", .zone = &utc };
        const char *bad = NULL, *p, *end, *line;
        size_t len, max_frame, nevents = 0, badline, bad_len = 0, n;
        enum reject_reason why = REJ_NONE;
        char *body;

        if (size < PARAM_BYTES || size > FUZZ_MAX_INPUT)
                return 0;
        fuzz_init();
        max_frame = (size_t)16 << (data[0] % 11);
        len = size - PARAM_BYTES;
        body = fuzz_dup(data + PARAM_BYTES, len);
        accepted = rejected = 0;

        badline = check_body(body, len, max_frame, &nevents, &why, &bad, &bad_len);
        if (badline) {
                /* The refused line, through the live path, is rejected with
                 * the reason the 400 names (oversize is decided by the size
                 * check alone and never reaches the pipeline). */
                if (why != REJ_OVERSIZE) {
                        char *copy = fuzz_dup(bad, bad_len);
                        struct frame fr = { .kind = FRAME_MSG, .method = _FRAME_METHOD_MAX, .data = copy,
                                            .len = bad_len };

                        src.pos = badline;
                        pipeline_frame(&pipe_, &src, &fr);
                        fuzz_assert(accepted == 0 && rejected == 1);
                        fuzz_assert(last_why == why);
                        free(copy);
                }
                check_law();
                free(body);
                return 0;
        }

        /* pass 2, as http_take_body: each line an exact-size copy, so ASan
         * sees a read past the line */
        p = body;
        end = body + len;
        src.pos = 0;
        while (ndjson_next_line(&p, end, &line, &n)) {
                src.pos++;
                if (n) {
                        char *copy = fuzz_dup(line, n);
                        struct frame fr = { .kind = FRAME_MSG, .method = _FRAME_METHOD_MAX, .data = copy, .len = n };
                        size_t before = accepted;

                        pipeline_frame(&pipe_, &src, &fr);
                        if (accepted != before + 1) {
                                fprintf(stderr, "line %llu: pass 1 took it, pass 2 rejected it (%s)\n",
                                        (unsigned long long)src.pos, reject_reason_name(last_why));
                                fuzz_assert(accepted == before + 1);
                        }
                        free(copy);
                }
        }
        fuzz_assert(rejected == 0 && accepted == nevents);
        check_law();
        free(body);
        return 0;
}
