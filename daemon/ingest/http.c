/* The HTTP endpoint (libevent evhttp): GET /metrics, GET /healthz,
 * GET /v1/status, POST /v1/reload, POST /v1/events (acknowledged ingest:
 * http_events.c).  Bound to 127.0.0.1 by default; it serves counters and
 * state, never event data.
 *
 * Decisions:
 *   - One table row per endpoint: its path, the methods it answers and the
 *     handler.  A known path asked with another method gets 405 with an
 *     Allow header built from the row; an unknown path 404.  evhttp lets
 *     every common method through to the table for that (it would answer
 *     501 itself).
 *   - POST /v1/reload runs the same reload as SIGHUP (spoord_reload) in the
 *     event loop and answers when it is done: 200 with the result, ok or
 *     failed and why (a failed reload is a successful request: the old
 *     configuration runs on); 503 when spoord reports a reload in progress.
 *     A request carrying an Origin header comes from a browser page and is
 *     refused (403): no web page can make spoord reload.
 *   - /v1/status is built with json-c (output only: nothing here parses
 *     input). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <json-c/json.h>

#include "http_impl.h"
#include "spoor/cleanup.h"
#include "spoor/coverage.h"
#include "spoor/log.h"
#include "spoor/sigma.h"
#include "spoor/spoord.h"
#include "spoor/timefmt.h"
#include "spoor-config.h"

#define HTTP_MAX_HEADERS 8192
#define HTTP_TIMEOUT_S 10
#define HTTP_METHODS_SEEN (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | \
                           EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS)

void http_reply(struct evhttp_request *req, int code, const char *reason, const char *ctype,
                const char *body, size_t len)
{
        struct evbuffer *out = evbuffer_new();

        if (!out) {
                evhttp_send_error(req, 500, NULL);
                return;
        }
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
        evbuffer_add(out, body, len);
        evhttp_send_reply(req, code, reason, out);
        evbuffer_free(out);
}

/* Send o (taken) as the JSON answer. */
void http_reply_json(struct evhttp_request *req, int code, const char *reason, struct json_object *o)
{
        _cleanup_json_ struct json_object *own = o;
        const char *text;
        size_t len = 0;

        text = own ? json_object_to_json_string_length(own, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                       &len) : NULL;
        if (!text) {
                evhttp_send_error(req, 500, NULL);
                return;
        }
        /* the body ends with a newline, like every line spoor writes */
        {
                _cleanup_free_ char *body = malloc(len + 1);

                if (!body) {
                        evhttp_send_error(req, 500, NULL);
                        return;
                }
                memcpy(body, text, len);
                body[len] = '\n';
                http_reply(req, code, reason, "application/json", body, len + 1);
        }
}

/* ---- GET /metrics, GET /healthz --------------------------------------- */

static void http_metrics(struct spoord *d, struct evhttp_request *req)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&text, &len);
        if (!f) {
                evhttp_send_error(req, 500, NULL);
                return;
        }
        metrics_render(f);
        fclose(f);
        http_reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static void http_healthz(struct spoord *d, struct evhttp_request *req)
{
        static const char ok[] = "ok\n";
        static const char stopping[] = "stopping\n";

        if (d->stopping)
                http_reply(req, 503, "Service Unavailable", "text/plain", stopping, sizeof(stopping) - 1);
        else
                http_reply(req, 200, "OK", "text/plain", ok, sizeof(ok) - 1);
}

/* ---- GET /v1/status ----------------------------------------------------- */

/* Add key: value to o, taking v (freed on failure; NULL is a failure:
 * the ENOMEM of whoever made it).  false on ENOMEM. */
static bool http_add(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v)
                return false;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

static bool http_add_u64(struct json_object *o, const char *key, uint64_t n)
{
        return http_add(o, key, json_object_new_uint64(n));
}

static struct json_object *http_status_listeners(struct spoord *d)
{
        struct json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && i < d->nlisteners; i++) {
                struct listener *l = &d->listeners[i];
                struct json_object *o = json_object_new_object();
                uint64_t conns = 0;
                struct conn *c;

                TAILQ_FOREACH(c, &d->conns, entry)
                        if (c->l == l)
                                conns++;
                if (!o || !http_add(o, "address", json_object_new_string(l->address)) ||
                    !http_add(o, "framing", json_object_new_string(framing_mode_name(l->framing))) ||
                    !http_add(o, "activated", json_object_new_boolean(l->activated)) ||
                    !http_add_u64(o, "connections", conns) || json_object_array_add(arr, o) < 0) {
                        json_object_put(o);
                        json_object_put(arr);
                        return NULL;
                }
        }
        return arr;
}

static struct json_object *http_status_events(void)
{
        struct json_object *o = json_object_new_object();
        struct json_object *why = json_object_new_object();

        for (int r = 0; o && why && r < _REJ_MAX; r++)
                if (metrics.events_rejected[r] &&
                    !http_add_u64(why, reject_reason_name((enum reject_reason)r), metrics.events_rejected[r]))
                        goto fail;
        if (!o || !why || !http_add_u64(o, "received", metrics.events_received) ||
            !http_add_u64(o, "accepted", metrics.events_accepted) ||
            !http_add_u64(o, "rejected", metrics_rejected_total()))
                goto fail;
        if (!http_add(o, "rejected_by_reason", TAKE_PTR(why)) || !http_add_u64(o, "late", metrics.events_late) ||
            !http_add_u64(o, "skewed", metrics.events_skewed) || !http_add_u64(o, "bytes", metrics.bytes_received))
                goto fail;
        return o;
fail:
        json_object_put(why);
        json_object_put(o);
        return NULL;
}

static struct json_object *http_status_leads(void)
{
        struct json_object *o = json_object_new_object();
        struct json_object *by = json_object_new_object();
        uint64_t total = 0;

        for (size_t l = 0; o && by && l < ELEMENTSOF(metrics.leads); l++) {
                uint64_t n = 0;

                for (size_t k = 0; k < ELEMENTSOF(metrics.leads[0]); k++)
                        n += metrics.leads[l][k];
                total += n;
                if (!http_add_u64(by, sigma_level_name((enum sigma_level)l), n))
                        goto fail;
        }
        if (!o || !by || !http_add_u64(o, "written", total))
                goto fail;
        if (!http_add(o, "by_level", TAKE_PTR(by)) || !http_add_u64(o, "suppressed", metrics.leads_suppressed) ||
            !http_add_u64(o, "summaries", metrics.lead_summaries))
                goto fail;
        return o;
fail:
        json_object_put(by);
        json_object_put(o);
        return NULL;
}

/* Build a section object from (key, value) pairs; NULL on ENOMEM. */
struct http_kv {
        const char *key;
        uint64_t value;
};

static struct json_object *http_section(const struct http_kv *kv, size_t n)
{
        struct json_object *o = json_object_new_object();

        for (size_t i = 0; o && i < n; i++)
                if (!http_add_u64(o, kv[i].key, kv[i].value)) {
                        json_object_put(o);
                        return NULL;
                }
        return o;
}

#define HTTP_SECTION(...) \
        http_section((const struct http_kv[]){ __VA_ARGS__ }, \
                     sizeof((const struct http_kv[]){ __VA_ARGS__ }) / sizeof(struct http_kv))

static struct json_object *http_status_json(struct spoord *d)
{
        struct json_object *o = json_object_new_object();
        struct json_object *spool;
        char started[TIMEFMT_MAX];
        struct timespec ts;
        int64_t mono;
        uint64_t uptime;
        uint64_t connections_rejected = 0;
        uint64_t hosts = d->engine.cov ? coverage_host_count(d->engine.cov) : 0;

        /* on the monotonic clock: a wall-clock step does not change it */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        mono = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        uptime = mono > metrics.start_mono_us ? (uint64_t)(mono - metrics.start_mono_us) / 1000000 : 0;

        for (size_t i = 0; i < ELEMENTSOF(metrics.connections_rejected); i++)
                connections_rejected += metrics.connections_rejected[i];
        if (!o || !http_add(o, "version", json_object_new_string(SPOOR_VERSION)) ||
            !http_add(o, "started", json_object_new_string(timefmt_format(metrics.start_us, started))) ||
            !http_add_u64(o, "uptime_seconds", uptime) ||
            (d->config_path ? !http_add(o, "config", json_object_new_string(d->config_path)) :
                              json_object_object_add(o, "config", NULL) < 0) ||
            !http_add(o, "stopping", json_object_new_boolean(d->stopping)) ||
            !http_add(o, "http", json_object_new_string(d->http_address)) ||
            !http_add(o, "listeners", http_status_listeners(d)) ||
            !http_add(o, "connections", HTTP_SECTION({ "active", metrics.connections_active },
                                                       { "accepted", metrics.connections_accepted },
                                                       { "rejected", connections_rejected })) ||
            !http_add(o, "events", http_status_events()) || !http_add(o, "leads", http_status_leads()) ||
            !http_add(o, "rules", HTTP_SECTION({ "loaded", metrics.rules_loaded },
                                                 { "unsupported", metrics.rules_unsupported },
                                                 { "stable", metrics.rules_stable })) ||
            !http_add(o, "hosts", HTTP_SECTION({ "tracked", hosts },
                                                 { "evicted", metrics.coverage_hosts_evicted })) ||
            !http_add(o, "gaps", HTTP_SECTION({ "open", metrics.gaps_open }, { "closed", metrics.gaps_closed })) ||
            !http_add(o, "reloads", HTTP_SECTION({ "ok", metrics.reloads_ok },
                                                   { "failed", metrics.reloads_failed })))
                goto fail;
        spool = HTTP_SECTION({ "write_errors", metrics.spool_write_errors }, { "dropped", metrics.spool_dropped },
                             { "rotations", metrics.spool_rotations });
        if (spool && !http_add(spool, "dir", json_object_new_string(d->cfg->spool_dir ? d->cfg->spool_dir : ""))) {
                json_object_put(spool);
                spool = NULL;
        }
        if (!http_add(o, "spool", spool))       /* takes spool, also on failure */
                goto fail;
        return o;
fail:
        json_object_put(o);
        return NULL;
}

static void http_status(struct spoord *d, struct evhttp_request *req)
{
        http_reply_json(req, 200, "OK", http_status_json(d));
}

/* ---- POST /v1/reload ---------------------------------------------------- */

struct json_object *http_result(const char *result, const char *error)
{
        struct json_object *o = json_object_new_object();

        if (!o || !http_add(o, "result", json_object_new_string(result)) ||
            (error && !http_add(o, "error", json_object_new_string(error)))) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static void http_reload(struct spoord *d, struct evhttp_request *req)
{
        struct evkeyvalq *in = evhttp_request_get_input_headers(req);
        struct json_object *o;
        char err[1024] = "";
        int r;

        if (evhttp_find_header(in, "Origin")) {
                http_reply_json(req, 403, "Forbidden", http_result("refused", "requests from web pages are refused"));
                return;
        }
        r = spoord_reload(d, err, sizeof(err));
        if (r == -EBUSY) {
                evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
                http_reply_json(req, 503, "Service Unavailable", http_result("busy", "a reload is in progress"));
                return;
        }
        if (r < 0 && !err[0])
                snprintf(err, sizeof(err), "%s", strerror(-r));
        o = http_result(r < 0 ? "failed" : "ok", r < 0 ? err : NULL);
        if (o && (!http_add_u64(o, "rules_loaded", metrics.rules_loaded) ||
                  !http_add_u64(o, "rules_unsupported", metrics.rules_unsupported))) {
                json_object_put(o);
                o = NULL;
        }
        http_reply_json(req, 200, "OK", o);
}

/* ---- routing ------------------------------------------------------------ */

static const struct http_route {
        const char *path;
        int methods;                    /* EVHTTP_REQ_* */
        const char *allow;              /* the same, for 405's Allow header */
        void (*handle)(struct spoord *d, struct evhttp_request *req);
} http_routes[] = {
        { "/metrics", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "GET, HEAD", http_metrics },
        { "/healthz", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "GET, HEAD", http_healthz },
        { "/v1/status", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "GET, HEAD", http_status },
        { "/v1/reload", EVHTTP_REQ_POST, "POST", http_reload },
        { "/v1/events", EVHTTP_REQ_POST, "POST", http_events },
};

static void http_dispatch_cb(struct evhttp_request *req, void *arg)
{
        struct spoord *d = arg;
        const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
        const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

        /* every handler reads what the engine thread writes (counters,
         * coverage, the spool): let it finish what it holds */
        spoord_sync(d);
        metrics.http_requests++;
        for (size_t i = 0; path && i < ELEMENTSOF(http_routes); i++) {
                const struct http_route *rt = &http_routes[i];

                if (strcmp(path, rt->path) != 0)
                        continue;
                if (!((int)evhttp_request_get_command(req) & rt->methods)) {
                        char body[128];
                        int n = snprintf(body, sizeof(body), "method not allowed: %s answers %s\n", rt->path,
                                         rt->allow);

                        /* evhttp_send_error() would drop the Allow header */
                        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", rt->allow);
                        http_reply(req, 405, "Method Not Allowed", "text/plain", body, (size_t)n);
                        return;
                }
                rt->handle(d, req);
                return;
        }
        evhttp_send_error(req, 404, "Not Found");
}

int http_open(struct spoord *d)
{
        char host[256];
        unsigned port;
        struct evhttp_bound_socket *bs;
        struct sockaddr_storage ss;
        socklen_t sslen = sizeof(ss);

        if (!d->cfg->http_enabled)
                return 0;
        if (config_split_address(d->cfg->http_address, host, sizeof(host), &port) < 0) {
                log_error("http address %s: not host:port", d->cfg->http_address);
                return -EINVAL;
        }
        d->http = evhttp_new(d->base);
        if (!d->http)
                return -ENOMEM;
        evhttp_set_max_headers_size(d->http, HTTP_MAX_HEADERS);
        evhttp_set_max_body_size(d->http, (ev_ssize_t)d->cfg->http_max_body);
        evhttp_set_timeout(d->http, HTTP_TIMEOUT_S);
        evhttp_set_allowed_methods(d->http, HTTP_METHODS_SEEN);
        evhttp_set_gencb(d->http, http_dispatch_cb, d);
        bs = evhttp_bind_socket_with_handle(d->http, host, (ev_uint16_t)port);
        if (!bs) {
                int err = errno;
                log_error("http %s: cannot bind: %s", d->cfg->http_address, strerror(err ? err : EADDRINUSE));
                evhttp_free(d->http);
                d->http = NULL;
                return -(err ? err : EADDRINUSE);
        }
        if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sslen) == 0) {
                char ip[64] = "?";
                unsigned p = 0;
                if (ss.ss_family == AF_INET) {
                        evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
                        p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
                        snprintf(d->http_address, sizeof(d->http_address), "%s:%u", ip, p);
                } else {
                        evutil_inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip));
                        p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
                        snprintf(d->http_address, sizeof(d->http_address), "[%s]:%u", ip, p);
                }
        }
        log_notice("listening on http %s (/metrics, /healthz, /v1/status, /v1/reload, /v1/events)", d->http_address);
        return 0;
}

void http_close(struct spoord *d)
{
        if (d->http)
                evhttp_free(d->http);
        d->http = NULL;
}
