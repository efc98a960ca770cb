/* Per-connection state: bounded input buffer, framing, idle timeout,
 * limits.  spoord never writes to a client: only EV_READ is ever enabled. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "spoor/log.h"
#include "spoor/spoord.h"

/* Bytes libevent may hold for a connection beyond one maximal frame: with
 * the read high-watermark at max_frame + this, a connection is never
 * buffered without bound; reading pauses until frames are consumed. */
#define CONN_READ_SLACK (64 * 1024)
#define CONN_DRAIN_READ_MAX (64 * 1024 * 1024)

static void conn_peer(const struct sockaddr *sa, char *ip, size_t iplen, char *peer, size_t peerlen)
{
        unsigned port = 0;

        ip[0] = '\0';
        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const void *)sa;
                inet_ntop(AF_INET, &in->sin_addr, ip, iplen);
                port = ntohs(in->sin_port);
                snprintf(peer, peerlen, "%s:%u", ip, port);
        } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const void *)sa;
                inet_ntop(AF_INET6, &in6->sin6_addr, ip, iplen);
                port = ntohs(in6->sin6_port);
                snprintf(peer, peerlen, "[%s]:%u", ip, port);
        } else {
                snprintf(ip, iplen, "local");
                snprintf(peer, peerlen, "local");
        }
}

static size_t conn_count_peer(struct spoord *d, const char *ip)
{
        size_t n = 0;
        struct conn *c;

        TAILQ_FOREACH(c, &d->conns, entry)
                if (strcmp(c->peer_ip, ip) == 0)
                        n++;
        return n;
}

/* Run every complete frame in the input buffer through the pipeline.
 * Returns false when the connection must be closed. */
static bool conn_process(struct conn *c, bool eof)
{
        struct evbuffer *in = bufferevent_get_input(c->bev);
        size_t len = evbuffer_get_length(in);
        size_t off = 0;
        const char *buf;
        struct pipeline_src src = { .name = c->peer, .zone = &c->l->zone };
        bool keep = true;

        metrics.bytes_received += len - c->buffered;
        c->buffered = len;
        if (len == 0 && !eof)
                return true;
        buf = len ? (const char *)evbuffer_pullup(in, -1) : "";
        if (!buf)
                return false;
        for (;;) {
                struct frame fr;
                size_t n = framer_next(&c->framer, buf + off, len - off, eof, &fr);

                if (fr.kind == FRAME_MSG || fr.kind == FRAME_REJECT) {
                        src.pos = ++c->frames;
                        pipeline_frame(&c->d->pipe, &src, &fr);
                } else if (fr.kind == FRAME_CLOSE) {
                        metrics.connections_rejected[CONN_REJ_TLS_ON_PLAIN]++;
                        log_limited(200, LOG_WARNING,
                                    "%s: TLS handshake on plain listener %s, connection closed "
                                    "(configure the forwarder without TLS, or use a TLS listener)",
                                    c->peer, c->l->address);
                        off = len;
                        keep = false;
                        break;
                }
                off += n;
                if (n == 0 && fr.kind == FRAME_NONE)
                        break;
                if (off > len)
                        off = len;
        }
        evbuffer_drain(in, off);
        c->buffered = len - off;
        return keep;
}

static void conn_free(struct conn *c)
{
        struct spoord *d = c->d;

        TAILQ_REMOVE(&d->conns, c, entry);
        d->nconns--;
        metrics.connections_active--;
        bufferevent_free(c->bev);       /* closes the socket (BEV_OPT_CLOSE_ON_FREE) */
        free(c);
}

void conn_close(struct conn *c, enum conn_close_reason why)
{
        metrics.connections_closed[why]++;
        log_debug("%s: connection closed (%s) after %llu frames", c->peer, conn_close_reason_name(why),
                  (unsigned long long)c->frames);
        conn_free(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
        struct conn *c = arg;

        if (!conn_process(c, false))
                conn_close(c, CONN_CLOSE_ERROR);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
        struct conn *c = arg;

        if (what & BEV_EVENT_TIMEOUT) {
                conn_process(c, true);
                log_info("%s: idle for %llu s, connection closed", c->peer,
                         (unsigned long long)c->d->cfg->limits.idle_timeout_s);
                conn_close(c, CONN_CLOSE_IDLE);
                return;
        }
        if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
                int err = EVUTIL_SOCKET_ERROR();
                conn_process(c, true);
                if (what & BEV_EVENT_ERROR) {
                        log_limited(201, LOG_INFO, "%s: connection error: %s", c->peer,
                                    evutil_socket_error_to_string(err));
                        conn_close(c, CONN_CLOSE_ERROR);
                } else {
                        conn_close(c, CONN_CLOSE_EOF);
                }
        }
}

static void conn_keepalive(int fd)
{
        int one = 1, idle = 60, intvl = 10, cnt = 6;

        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

void conn_accept(struct listener *l, int fd, const struct sockaddr *sa, int socklen)
{
        struct spoord *d = l->d;
        const struct limits_conf *lim = &d->cfg->limits;
        char ip[64], peer[80];
        struct conn *c;
        struct timeval idle;

        conn_peer(sa, ip, sizeof(ip), peer, sizeof(peer));
        if (d->nconns >= lim->max_connections) {
                metrics.connections_rejected[CONN_REJ_MAX_CONNECTIONS]++;
                log_limited(202, LOG_WARNING, "%s: refused, %zu connections open (limits.max_connections)",
                            peer, d->nconns);
                close(fd);
                return;
        }
        if (conn_count_peer(d, ip) >= lim->max_connections_per_peer) {
                metrics.connections_rejected[CONN_REJ_MAX_PER_PEER]++;
                log_limited(203, LOG_WARNING,
                            "%s: refused, %llu connections open from %s (limits.max_connections_per_peer)",
                            peer, (unsigned long long)lim->max_connections_per_peer, ip);
                close(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (!c->bev) {
                free(c);
                close(fd);
                return;
        }
        c->d = d;
        c->l = l;
        c->fd = fd;
        snprintf(c->peer_ip, sizeof(c->peer_ip), "%s", ip);
        snprintf(c->peer, sizeof(c->peer), "%s", peer);
        framer_init(&c->framer, l->framing, lim->max_frame_bytes);
        conn_keepalive(fd);

        bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
        bufferevent_setwatermark(c->bev, EV_READ, 0, lim->max_frame_bytes + CONN_READ_SLACK);
        idle.tv_sec = (time_t)lim->idle_timeout_s;
        idle.tv_usec = 0;
        bufferevent_set_timeouts(c->bev, &idle, NULL);
        bufferevent_enable(c->bev, EV_READ);

        TAILQ_INSERT_TAIL(&d->conns, c, entry);
        d->nconns++;
        metrics.connections_accepted++;
        metrics.connections_active++;
        log_debug("%s: connection accepted on %s", peer, l->address);
}

void conn_drain_all(struct spoord *d)
{
        struct conn *c;

        while ((c = TAILQ_FIRST(&d->conns))) {
                struct evbuffer *in = bufferevent_get_input(c->bev);
                size_t total = 0;
                int n;

                /* Whatever the kernel already holds for us is processed.
                 * libevent freezes a socket bufferevent's input outside its
                 * own read callback: unfreeze it to read here. */
                evbuffer_unfreeze(in, 0);
                do {
                        n = evbuffer_read(in, c->fd, 65536);
                        if (n > 0) {
                                total += (size_t)n;
                                if (!conn_process(c, false))
                                        break;
                        }
                } while (n > 0 && total < CONN_DRAIN_READ_MAX);
                evbuffer_freeze(in, 0);
                /* The sender gets no more chances: an unterminated last line
                 * is a frame, a partial octet frame is truncated. */
                conn_process(c, true);
                conn_close(c, CONN_CLOSE_SHUTDOWN);
        }
}
