/* POST /v1/events: acknowledged ingest for senders that resend until they
 * get a 200 (NXLog om_http): the answer is 200 only once every event of the
 * body has been processed and every record it wrote is on disk.
 *
 * Decisions:
 *   - The body is NDJSON: one event per line (LF or CRLF; empty lines are
 *     skipped), each exactly what a TCP frame may carry (raw JSON, or a
 *     syslog line carrying JSON), at most limits.max_frame_bytes.
 *   - All or nothing: every line is checked first (pipeline_check: the same
 *     parsing, no counters, no rules).  A bad line refuses the whole body
 *     with 400 naming its line number and reason, and nothing of it is
 *     processed — the sender resends the body (fixed, or to its error
 *     queue) and no event is taken twice.  Only the bad line is counted (as
 *     received and rejected{reason}); the good lines of a refused body were
 *     not received.
 *   - Then every line runs through the live pipeline (counted like a frame
 *     of a TCP connection; the source is "http:<peer>"), and spool_flush()
 *     makes the records durable whatever spool.fsync says.  When that fails
 *     (disk full: records wait in the retry queue) the answer is 503 with
 *     Retry-After: the sender resends, and leads of the resent events are
 *     written again under the same ids (at-least-once; readers key on id).
 *   - http.token (when set): "Authorization: Bearer <token>", compared in
 *     constant time; otherwise 401.  A request with an Origin header (a web
 *     page) is refused with 403.  While spoord stops: 503.
 *   - The body size is bounded by evhttp (http.max_body: 413 beyond). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "http_impl.h"
#include "spoor/metrics.h"
#include "spoor/ndjson.h"
#include "spoor/spool.h"
#include "spoor/spoord.h"

static bool http_authorized(const struct spoord *d, struct evhttp_request *req)
{
        const char *token = d->cfg->http_token;
        const char *h;
        size_t n;

        if (!token || !*token)
                return true;
        h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
        if (!h || strncasecmp(h, "Bearer ", 7) != 0)
                return false;
        h += 7;
        n = strlen(token);
        return strlen(h) == n && CRYPTO_memcmp(h, token, n) == 0;
}

/* Answer a body not taken: refused (the sender must change something) or
 * failed (it may send it again). */
static void http_refuse(struct evhttp_request *req, int code, const char *reason, const char *result,
                        const char *error)
{
        metrics.http_batches[code == 503 ? HTTP_BATCH_FAILED : HTTP_BATCH_REFUSED]++;
        http_reply_json(req, code, reason, http_result(result, error));
}

/* Pass 1: 0, or the 1-based number of the first bad line (with why and
 * detail). */
static size_t http_check_body(struct spoord *d, const struct pipeline_src *src, const char *body, size_t len,
                              enum reject_reason *why, char *detail, size_t dlen, size_t *nevents)
{
        const char *p = body, *end = body + len, *line;
        size_t n, lineno = 0;

        *nevents = 0;
        while (ndjson_next_line(&p, end, &line, &n)) {
                lineno++;
                if (n == 0)
                        continue;
                if (n > d->cfg->limits.max_frame_bytes) {
                        *why = REJ_OVERSIZE;
                        snprintf(detail, dlen, "%zu bytes, more than limits.max_frame_bytes", n);
                        return lineno;
                }
                if (pipeline_check(&d->pipe, src, line, n, why, detail, dlen) < 0)
                        return lineno;
                (*nevents)++;
        }
        return 0;
}

/* Pass 2: every line through the live pipeline. */
static void http_take_body(struct spoord *d, struct pipeline_src *src, const char *body, size_t len)
{
        const char *p = body, *end = body + len, *line;
        size_t n;

        src->pos = 0;
        while (ndjson_next_line(&p, end, &line, &n)) {
                struct frame fr = { .kind = FRAME_MSG, .method = _FRAME_METHOD_MAX, .data = line, .len = n };

                src->pos++;
                if (n)
                        pipeline_frame(&d->pipe, src, &fr);
        }
}

void http_events(struct spoord *d, struct evhttp_request *req)
{
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in), bad, nevents;
        const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
        char name[96], detail[160], msg[320];
        struct pipeline_src src = { .name = name, .zone = &d->cfg->listen[0].zone };
        enum reject_reason why = REJ_NONE;
        uint64_t leads_before = d->engine.leads;
        struct json_object *o;
        int r;

        if (evhttp_find_header(evhttp_request_get_input_headers(req), "Origin")) {
                http_refuse(req, 403, "Forbidden", "refused", "requests from web pages are refused");
                return;
        }
        if (!http_authorized(d, req)) {
                evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", "Bearer");
                http_refuse(req, 401, "Unauthorized", "refused", "a valid 'Authorization: Bearer' token is required");
                return;
        }
        if (d->stopping) {
                evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "5");
                http_refuse(req, 503, "Service Unavailable", "failed", "spoord is stopping");
                return;
        }
        if (len && !body) {
                http_refuse(req, 503, "Service Unavailable", "failed", "out of memory");
                return;
        }
        {
                struct evhttp_connection *con = evhttp_request_get_connection(req);
                char *addr = NULL;
                ev_uint16_t port = 0;

                if (con)
                        evhttp_connection_get_peer(con, &addr, &port);
                snprintf(name, sizeof(name), "http:%s:%u", addr ? addr : "?", (unsigned)port);
        }
        bad = http_check_body(d, &src, body, len, &why, detail, sizeof(detail), &nevents);
        if (bad) {
                metrics.events_received++;
                metrics.events_rejected[why]++;
                snprintf(msg, sizeof(msg), "line %zu: %s%s%s; nothing of the body was taken", bad,
                         reject_reason_name(why), *detail ? ": " : "", detail);
                o = http_result("refused", msg);
                if (o) {
                        json_object_object_add(o, "line", json_object_new_int64((int64_t)bad));
                        json_object_object_add(o, "reason", json_object_new_string(reject_reason_name(why)));
                }
                metrics.http_batches[HTTP_BATCH_REFUSED]++;
                http_reply_json(req, 400, "Bad Request", o);
                return;
        }
        http_take_body(d, &src, body, len);
        spoord_sync(d);         /* every record of the body written before the flush */
        r = spool_flush(d->engine.spool);
        if (r < 0) {
                snprintf(msg, sizeof(msg), "the records of these events are not on disk yet (%s); send them again",
                         strerror(-r));
                evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "5");
                http_refuse(req, 503, "Service Unavailable", "failed", msg);
                return;
        }
        o = http_result("ok", NULL);
        if (o) {
                json_object_object_add(o, "events", json_object_new_int64((int64_t)nevents));
                json_object_object_add(o, "leads", json_object_new_int64((int64_t)(d->engine.leads - leads_before)));
        }
        metrics.http_batches[HTTP_BATCH_OK]++;
        http_reply_json(req, 200, "OK", o);
}
