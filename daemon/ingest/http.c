/* The HTTP endpoint (libevent evhttp): GET /metrics, GET /healthz.
 * Bound to 127.0.0.1 by default; it serves counters, never event data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "spoor/cleanup.h"
#include "spoor/log.h"
#include "spoor/spoord.h"

#define HTTP_MAX_HEADERS 8192
#define HTTP_MAX_BODY 4096
#define HTTP_TIMEOUT_S 10

static void http_reply(struct evhttp_request *req, int code, const char *reason, const char *ctype,
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

static void http_metrics_cb(struct evhttp_request *req, void *arg)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f;

        metrics.http_requests++;
        if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
                evhttp_send_error(req, 405, "Method Not Allowed");
                return;
        }
        f = open_memstream(&text, &len);
        if (!f) {
                evhttp_send_error(req, 500, NULL);
                return;
        }
        metrics_render(f);
        fclose(f);
        http_reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static void http_healthz_cb(struct evhttp_request *req, void *arg)
{
        struct spoord *d = arg;
        static const char ok[] = "ok\n";
        static const char stopping[] = "stopping\n";

        metrics.http_requests++;
        if (d->stopping)
                http_reply(req, 503, "Service Unavailable", "text/plain", stopping, sizeof(stopping) - 1);
        else
                http_reply(req, 200, "OK", "text/plain", ok, sizeof(ok) - 1);
}

static void http_default_cb(struct evhttp_request *req, void *arg)
{
        metrics.http_requests++;
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
        evhttp_set_max_body_size(d->http, HTTP_MAX_BODY);
        evhttp_set_timeout(d->http, HTTP_TIMEOUT_S);
        evhttp_set_allowed_methods(d->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
        evhttp_set_cb(d->http, "/metrics", http_metrics_cb, d);
        evhttp_set_cb(d->http, "/healthz", http_healthz_cb, d);
        evhttp_set_gencb(d->http, http_default_cb, d);
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
        log_notice("listening on http %s (/metrics, /healthz)", d->http_address);
        return 0;
}

void http_close(struct spoord *d)
{
        if (d->http)
                evhttp_free(d->http);
        d->http = NULL;
}
