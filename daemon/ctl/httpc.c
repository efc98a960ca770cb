/* One HTTP request from spoorctl to spoord, with libevent's evhttp client:
 * a private event base, one connection, one request, wait for the answer
 * or the timeout.  The answer body is bounded (CTL_HTTP_MAX_BODY). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "spoor/config.h"
#include "ctl.h"

#define CTL_HTTP_MAX_BODY (4u << 20)

struct httpc {
        struct ctl_http_reply *reply;
        bool done;
        int error;                      /* -errno when no answer came */
        enum evhttp_request_error why;
        bool has_why;
        int sys_errno;                  /* errno as the connection failed */
};

static void httpc_error_cb(enum evhttp_request_error why, void *arg)
{
        struct httpc *h = arg;

        h->why = why;
        h->has_why = true;
        h->sys_errno = errno;
}

static void httpc_done_cb(struct evhttp_request *req, void *arg)
{
        struct httpc *h = arg;
        struct evbuffer *in;
        size_t len;

        h->done = true;
        if (!req || evhttp_request_get_response_code(req) == 0) {
                h->error = -ECONNREFUSED;
                return;
        }
        in = evhttp_request_get_input_buffer(req);
        len = evbuffer_get_length(in);
        if (len > CTL_HTTP_MAX_BODY) {
                h->error = -EFBIG;
                return;
        }
        h->reply->body = malloc(len + 1);
        if (!h->reply->body) {
                h->error = -ENOMEM;
                return;
        }
        evbuffer_remove(in, h->reply->body, len);
        h->reply->body[len] = '\0';
        h->reply->len = len;
        h->reply->status = evhttp_request_get_response_code(req);
}

static const char *httpc_why(const struct httpc *h)
{
        if (!h->has_why)
                return NULL;
        switch (h->why) {
        case EVREQ_HTTP_TIMEOUT: return "no answer before the timeout";
        case EVREQ_HTTP_EOF: return "the connection was closed";
        case EVREQ_HTTP_INVALID_HEADER: return "the answer is not valid HTTP";
        case EVREQ_HTTP_BUFFER_ERROR: return "the connection failed";
        case EVREQ_HTTP_REQUEST_CANCEL: return "the request was cancelled";
        case EVREQ_HTTP_DATA_TOO_LONG: return "the answer is too long";
        }
        return "the request failed";
}

int ctl_http_request(const char *addr, const char *method, const char *path, int timeout_s,
                     struct ctl_http_reply *reply, char *err, size_t errlen)
{
        struct httpc h = { .reply = reply };
        struct event_base *base = NULL;
        struct evhttp_connection *conn = NULL;
        struct evhttp_request *req;
        char host[256], hosthdr[300];
        unsigned port;
        int r = 0;

        memset(reply, 0, sizeof(*reply));
        if (config_split_address(addr, host, sizeof(host), &port) < 0 || port == 0 || port > 65535) {
                snprintf(err, errlen, "%s: not host:port", addr);
                return -EINVAL;
        }
        base = event_base_new();
        conn = base ? evhttp_connection_base_new(base, NULL, host, (ev_uint16_t)port) : NULL;
        req = conn ? evhttp_request_new(httpc_done_cb, &h) : NULL;
        if (!req) {
                snprintf(err, errlen, "out of memory");
                r = -ENOMEM;
                goto out;
        }
        evhttp_connection_set_timeout(conn, timeout_s);
        evhttp_connection_set_retries(conn, 0);
        evhttp_connection_set_max_body_size(conn, CTL_HTTP_MAX_BODY);
        evhttp_request_set_error_cb(req, httpc_error_cb);
        snprintf(hosthdr, sizeof(hosthdr), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Host", hosthdr);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Accept", "application/json");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        errno = 0;
        if (evhttp_make_request(conn, req, strcmp(method, "POST") == 0 ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
                                path) < 0) {
                /* evhttp_make_request frees req on failure */
                snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(errno ? errno : ECONNREFUSED));
                r = -(errno ? errno : ECONNREFUSED);
                goto out;
        }
        while (!h.done && event_base_loop(base, EVLOOP_ONCE) == 0)
                ;
        if (!h.done || h.error) {
                const char *why = httpc_why(&h);
                int e = h.error ? -h.error : EIO;

                if (h.error == -ECONNREFUSED && h.sys_errno && (!h.has_why || h.why != EVREQ_HTTP_TIMEOUT))
                        e = h.sys_errno;
                if (h.has_why && h.why == EVREQ_HTTP_TIMEOUT)
                        snprintf(err, errlen, "%s: %s (%d s)", addr, why, timeout_s);
                else if (h.error == -ECONNREFUSED)
                        snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(e));
                else
                        snprintf(err, errlen, "%s: %s", addr, why ? why : strerror(e));
                ctl_http_reply_fini(reply);
                r = -e;
        }
out:
        if (conn)
                evhttp_connection_free(conn);
        if (base)
                event_base_free(base);
        return r;
}

void ctl_http_reply_fini(struct ctl_http_reply *reply)
{
        free(reply->body);
        memset(reply, 0, sizeof(*reply));
}

int ctl_http_address(const char *opt, const struct config *cfg, char *out, size_t len)
{
        char host[256];
        unsigned port;

        if (opt) {
                snprintf(out, len, "%s", opt);
                return 0;
        }
        if (!cfg) {
                snprintf(out, len, "%s", CTL_HTTP_DEFAULT);
                return 0;
        }
        if (!cfg->http_enabled)
                return -ENOENT;
        if (config_split_address(cfg->http_address, host, sizeof(host), &port) < 0)
                return -EINVAL;
        /* spoord listening on every address answers on loopback */
        if (strcmp(host, "0.0.0.0") == 0 || host[0] == '\0')
                snprintf(out, len, "127.0.0.1:%u", port);
        else if (strcmp(host, "::") == 0)
                snprintf(out, len, "[::1]:%u", port);
        else
                snprintf(out, len, "%s", cfg->http_address);
        return 0;
}
