/* Per-connection state: bounded input buffer, framing, idle timeout,
 * limits.  spoord never writes application data to a client: only EV_READ
 * is ever enabled (a TLS handshake writes its own records).
 *
 * On a TLS listener (tls.c) a connection first waits for its first byte: a
 * TLS record starts with 0x16, anything else is a plain-TCP sender and is
 * closed as not_tls before OpenSSL sees it.  Then the handshake runs on an
 * OpenSSL bufferevent (BUFFEREVENT_SSL_ACCEPTING) under a deadline
 * (tls.handshake_timeout, from accept, however slowly the client trickles
 * bytes) and a global bound (limits.max_handshakes).  A failed handshake is
 * counted by reason and logged once, rate-limited.  Once established, the
 * bytes read are decrypted ones and the framing and decoding path is the
 * plain one.  With bind_host_to_peer, each accepted event's host is checked
 * against the client certificate (conn_bound_event).
 *
 * Slow senders: idle_timeout bounds a pause, limits.frame_timeout bounds
 * how long one frame may stay incomplete however slowly its bytes keep
 * coming.  After each read the input either holds no partial frame, or one
 * whose start is stamped; the deadline is checked on each read and by
 * frame_timer, armed when a frame starts and no timer is pending (a timer
 * left from an earlier frame fires early and is re-armed for the rest).
 * Expiry rejects the partial frame as truncated and closes frame_timeout.
 *
 * Accept-time reaping: a sender that opens one connection per event may
 * have closed its earlier connections before the loop has read their EOF.
 * Before refusing over max_connections_per_peer (or max_connections),
 * connections the peer has finished (TCP state CLOSE_WAIT: its FIN is in)
 * are read to their end, processed and closed as eof, and the count is
 * taken again (conn_reap). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "spoor/log.h"
#include "spoor/spoord.h"
#include "spoor/tls.h"

/* Bytes libevent may hold for a connection beyond one maximal frame: with
 * the read high-watermark at max_frame + this, a connection is never
 * buffered without bound; reading pauses until frames are consumed. */
#define CONN_READ_SLACK (64 * 1024)
#define CONN_DRAIN_READ_MAX (64 * 1024 * 1024)
#define CONN_READ_BUF (256 * 1024)      /* conn_read_more's piece */
#define CONN_READ_BURST (1024 * 1024)   /* and what it reads in one callback at most */
#define CONN_TLS_ERRS 4                 /* OpenSSL errors looked at per failed handshake */
#define CONN_PEER_MISMATCH_FIELD "SpoorPeerMismatch"

/* log_limited keys (stable small integers, see log.h) */
enum {
        CONN_LOG_MAX_HANDSHAKES = 204,
        CONN_LOG_PEER_MISMATCH = 205,
        CONN_LOG_FRAME_TIMEOUT = 206,
        CONN_LOG_TLS_FAIL = 424,        /* + enum tls_fail_reason */
};

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

/* bind_host_to_peer: an event that decoded on a bound connection (the
 * pipeline_src's check, on the decoding thread): flag it when the client
 * certificate does not name its host; it is kept and evaluated. */
static void conn_bound_check(void *ctx, struct winevent *ev)
{
        struct conn *c = ctx;

        if (tls_session_names_host(c->tls, ev->host) != 1) {
                const char *peer = tls_session_peer(c->tls);

                metrics.events_peer_mismatch++;
                if (winevent_set_field(ev, CONN_PEER_MISMATCH_FIELD, strlen(CONN_PEER_MISMATCH_FIELD), peer,
                                       strlen(peer)) < 0)
                        log_limited(CONN_LOG_PEER_MISMATCH, LOG_ERR, "%s: out of memory flagging an event", c->peer);
                log_limited(CONN_LOG_PEER_MISMATCH, LOG_WARNING,
                            "%s: frame %" PRIu64 ": host '%s' is not a name of the client certificate '%s' "
                            "(bind_host_to_peer): event kept with " CONN_PEER_MISMATCH_FIELD,
                            c->peer, c->frames, ev->host, peer);
        }
}

/* Run every complete frame of buf[0, len) through the pipeline; *off is
 * where the first byte not consumed is.  Returns false when the connection
 * must be closed. */
static bool conn_frames(struct conn *c, const char *buf, size_t len, bool eof, size_t *off)
{
        struct pipeline_src src = { .name = c->peer, .zone = &c->l->zone,
                                    .check = c->bind_host ? conn_bound_check : NULL, .check_ctx = c };
        struct pipeline *pl = &c->d->pipe;
        bool keep = true;

        *off = 0;
        for (;;) {
                struct frame fr;
                size_t n = framer_next(&c->framer, buf + *off, len - *off, eof, &fr);

                if (fr.kind == FRAME_MSG || fr.kind == FRAME_REJECT) {
                        src.pos = ++c->frames;
                        pipeline_frame(pl, &src, &fr);
                } else if (fr.kind == FRAME_CLOSE) {
                        metrics.connections_rejected[CONN_REJ_TLS_ON_PLAIN]++;
                        log_limited(200, LOG_WARNING,
                                    "%s: TLS handshake on plain listener %s, connection closed "
                                    "(configure the forwarder without TLS, or use a TLS listener)",
                                    c->peer, c->l->address);
                        *off = len;
                        keep = false;
                        break;
                }
                *off += n;
                if (n == 0 && fr.kind == FRAME_NONE)
                        break;
                if (*off > len)
                        *off = len;
        }
        pipeline_flush(pl);     /* the engine thread takes what this read brought */
        return keep;
}

/* Run every complete frame in the input buffer through the pipeline.
 * Returns false when the connection must be closed. */
static bool conn_process(struct conn *c, bool eof)
{
        struct evbuffer *in = bufferevent_get_input(c->bev);
        size_t len = evbuffer_get_length(in);
        size_t off = 0;
        const char *buf;
        bool keep;

        metrics.bytes_received += len - c->buffered;
        c->buffered = len;
        if (len == 0 && !eof)
                return true;
        buf = len ? (const char *)evbuffer_pullup(in, -1) : "";
        if (!buf)
                return false;
        keep = conn_frames(c, buf, len, eof, &off);
        evbuffer_drain(in, off);
        c->buffered = len - off;
        return keep;
}

/* libevent 2.1 reads a socket bufferevent at most 4096 bytes a wakeup
 * (EVBUFFER_MAX_READ): an epoll_wait, an ioctl and a readv for every two or
 * three events.  After libevent's read, a plain connection goes on reading
 * what the kernel holds itself, in CONN_READ_BUF pieces: into the daemon's
 * read buffer (one for all connections, the loop runs one callback at a
 * time), behind the partial frame the input held; its frames go to the
 * pipeline from there and the new partial frame back to the input.  At
 * most CONN_READ_BURST bytes a callback, so one busy sender does not hold
 * the loop; a partial frame longer than a quarter of the buffer is left to
 * libevent's reads.  *consumed is set when frames ended (conn_frame_check).
 * Returns false when the connection must be closed. */
static bool conn_read_more(struct conn *c, bool *consumed)
{
        struct evbuffer *in = bufferevent_get_input(c->bev);
        struct spoord *d = c->d;
        size_t total = 0;

        if (!d->read_buf && !(d->read_buf = malloc(CONN_READ_BUF)))
                return true;    /* libevent's reads go on */
        while (total < CONN_READ_BURST) {
                size_t held = evbuffer_get_length(in), room, len, off;
                ssize_t n;
                bool keep;
                int r;

                if (held > CONN_READ_BUF / 4)
                        break;
                room = CONN_READ_BUF - held;
                if (evbuffer_copyout(in, d->read_buf, held) != (ev_ssize_t)held)
                        break;
                n = recv(c->fd, d->read_buf + held, room, MSG_DONTWAIT);
                if (n <= 0)
                        break;  /* nothing more, the end or an error: libevent's next read sees it */
                evbuffer_drain(in, held);
                len = held + (size_t)n;
                metrics.bytes_received += (size_t)n;
                total += (size_t)n;
                keep = conn_frames(c, d->read_buf, len, false, &off);
                if (off)
                        *consumed = true;
                evbuffer_unfreeze(in, 0);
                r = evbuffer_add(in, d->read_buf + off, len - off);
                evbuffer_freeze(in, 0);
                c->buffered = len - off;
                if (!keep || r < 0)
                        return false;
                if ((size_t)n < room)
                        break;  /* the kernel had no more */
        }
        return true;
}

static void conn_free(struct conn *c)
{
        struct spoord *d = c->d;

        TAILQ_REMOVE(&d->conns, c, entry);
        d->nconns--;
        metrics.connections_active--;
        if (c->handshaking)
                d->nhandshakes--;
        if (c->tls_wait)
                event_free(c->tls_wait);
        if (c->tls_timer)
                event_free(c->tls_timer);
        if (c->frame_timer)
                event_free(c->frame_timer);
        if (c->bev)
                bufferevent_free(c->bev);       /* closes the socket (BEV_OPT_CLOSE_ON_FREE), drops its SSL */
        else
                close(c->fd);
        tls_session_free(c->tls);
        free(c);
}

void conn_close(struct conn *c, enum conn_close_reason why)
{
        metrics.connections_closed[why]++;
        log_debug("%s: connection closed (%s) after %llu frames", c->peer, conn_close_reason_name(why),
                  (unsigned long long)c->frames);
        conn_free(c);
}

static uint64_t conn_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void conn_arm_frame_timer(struct conn *c, uint64_t ms)
{
        struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

        evtimer_add(c->frame_timer, &tv);
}

/* The idle timeout: what the connection holds is its last input. */
static void conn_close_idle(struct conn *c)
{
        conn_process(c, true);
        log_info("%s: idle for %llu s, connection closed", c->peer,
                 (unsigned long long)(c->idle_timeout_ms / 1000));
        conn_close(c, CONN_CLOSE_IDLE);
}

/* The frame deadline passed: the partial frame is rejected as truncated
 * (one received event, so received = accepted + rejected holds) and the
 * connection closed. */
static void conn_close_frame_timeout(struct conn *c, uint64_t now)
{
        struct pipeline_src src = { .name = c->peer, .zone = &c->l->zone, .pos = ++c->frames };
        struct frame fr = { .kind = FRAME_REJECT, .why = REJ_TRUNCATED };
        size_t held = c->buffered;

        pipeline_frame(&c->d->pipe, &src, &fr);
        pipeline_flush(&c->d->pipe);
        log_limited(CONN_LOG_FRAME_TIMEOUT, LOG_WARNING,
                    "%s: frame %" PRIu64 " incomplete after %llu s (%zu bytes; limits.frame_timeout): "
                    "rejected as truncated, connection closed", c->peer, c->frames,
                    (unsigned long long)((now - c->frame_start_ms) / 1000), held);
        conn_close(c, CONN_CLOSE_FRAME_TIMEOUT);
}

static void conn_frame_timer_cb(evutil_socket_t fd, short what, void *arg)
{
        struct conn *c = arg;
        uint64_t now = conn_now_ms(), age;

        if (!c->frame_open)
                return;
        if (now - c->last_read_ms >= c->idle_timeout_ms) {
                /* both due: silence is the better reason (the bufferevent's
                 * own idle timeout is about to say the same) */
                conn_close_idle(c);
                return;
        }
        age = now - c->frame_start_ms;
        if (age >= c->frame_timeout_ms) {
                conn_close_frame_timeout(c, now);
                return;
        }
        conn_arm_frame_timer(c, c->frame_timeout_ms - age);
}

/* After the input was processed on a read: consumed says whether any of it
 * was (a frame ended, or bytes were dropped), so what the input still holds
 * is a frame that began in this read.  Returns false when the connection
 * was closed (its frame is past the deadline). */
static bool conn_frame_check(struct conn *c, bool consumed)
{
        uint64_t now = conn_now_ms();

        c->last_read_ms = now;
        if (c->buffered == 0) {
                c->frame_open = false;          /* a pending timer finds nothing to do */
                return true;
        }
        if (!c->frame_open || consumed) {
                c->frame_open = true;
                c->frame_start_ms = now;
                if (!evtimer_pending(c->frame_timer, NULL))
                        conn_arm_frame_timer(c, c->frame_timeout_ms);
                return true;
        }
        if (now - c->frame_start_ms < c->frame_timeout_ms)
                return true;
        conn_close_frame_timeout(c, now);
        return false;
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
        struct conn *c = arg;
        size_t before;
        bool consumed;

        if (c->handshaking)
                return;
        before = evbuffer_get_length(bufferevent_get_input(bev));
        if (!conn_process(c, false)) {
                conn_close(c, CONN_CLOSE_ERROR);
                return;
        }
        consumed = c->buffered < before;
        if (!c->tls && !conn_read_more(c, &consumed)) {
                conn_close(c, CONN_CLOSE_ERROR);
                return;
        }
        conn_frame_check(c, consumed);
}

static void conn_set_idle(struct conn *c)
{
        struct timeval idle = { (time_t)(c->idle_timeout_ms / 1000), 0 };

        bufferevent_set_timeouts(c->bev, &idle, NULL);
}

/* ---- TLS handshake -------------------------------------------------- */

static void conn_tls_fail(struct conn *c, enum tls_fail_reason why, const char *detail)
{
        /* a client that hangs up or stalls is most often a scanner or a
         * health check; the rest says something about the sender's setup */
        int prio = why == TLS_FAIL_CLOSED || why == TLS_FAIL_TIMEOUT ? LOG_INFO : LOG_WARNING;

        metrics.tls_handshakes_failed[why]++;
        log_limited(CONN_LOG_TLS_FAIL + (int)why, prio, "%s: TLS handshake on %s failed (%s): %s", c->peer,
                    c->l->address, tls_fail_reason_name(why), detail);
        conn_close(c, CONN_CLOSE_TLS_HANDSHAKE);
}

static void conn_tls_timeout(evutil_socket_t fd, short what, void *arg)
{
        struct conn *c = arg;
        char detail[96];

        snprintf(detail, sizeof(detail), "not done %llu s after the connection was accepted (tls.handshake_timeout)",
                 (unsigned long long)c->tls_timeout_s);
        conn_tls_fail(c, TLS_FAIL_TIMEOUT, detail);
}

static void conn_tls_established(struct conn *c)
{
        enum tls_fail_reason why;
        char detail[512], desc[96];

        if (tls_session_established(c->tls, &why, detail, sizeof(detail)) < 0) {
                conn_tls_fail(c, why, detail);
                return;
        }
        c->handshaking = false;
        c->d->nhandshakes--;
        event_free(c->tls_timer);
        c->tls_timer = NULL;
        metrics.tls_handshakes++;
        c->bind_host = c->l->bind_host_to_peer && *tls_session_peer(c->tls);
        conn_set_idle(c);
        tls_session_describe(c->tls, desc, sizeof(desc));
        log_debug("%s: TLS on %s established (%s), client certificate '%s'", c->peer, c->l->address, desc,
                  *tls_session_peer(c->tls) ? tls_session_peer(c->tls) : "(none)");
}

/* An event of the bufferevent while the handshake runs. */
static void conn_tls_event(struct conn *c, short what)
{
        unsigned long errs[CONN_TLS_ERRS], e;
        size_t n = 0;
        enum tls_fail_reason why;
        char detail[512];

        if (what & BEV_EVENT_CONNECTED) {
                conn_tls_established(c);
                return;
        }
        if (!(what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)))
                return;
        while (n < CONN_TLS_ERRS && (e = bufferevent_get_openssl_error(c->bev)))
                errs[n++] = e;
        why = tls_session_failure(c->tls, errs, n, (what & BEV_EVENT_EOF) != 0, detail, sizeof(detail));
        conn_tls_fail(c, why, detail);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

/* The connection's bufferevent reads, with the read watermark that bounds
 * what it holds. */
static void conn_setup_bev(struct conn *c)
{
        const struct limits_conf *lim = &c->d->cfg->limits;

        bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
        bufferevent_setwatermark(c->bev, EV_READ, 0, lim->max_frame_bytes + CONN_READ_SLACK);
        bufferevent_enable(c->bev, EV_READ);
}

/* The first byte of a connection on a TLS listener arrived (or the
 * connection ended): a handshake record, or a plain-TCP sender. */
static void conn_tls_first_byte(evutil_socket_t fd, short what, void *arg)
{
        struct conn *c = arg;
        unsigned char b;
        ssize_t n = recv(fd, &b, 1, MSG_PEEK);
        struct ssl_st *ssl;
        char detail[192];

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                event_add(c->tls_wait, NULL);
                return;
        }
        if (n <= 0) {
                snprintf(detail, sizeof(detail), "the client closed the connection before sending anything%s%s",
                         n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
                conn_tls_fail(c, TLS_FAIL_CLOSED, detail);
                return;
        }
        event_free(c->tls_wait);
        c->tls_wait = NULL;
        if (b != 0x16) {
                snprintf(detail, sizeof(detail),
                         "first byte 0x%02x is not a TLS handshake record: a plain-TCP sender on a TLS listener? "
                         "(configure the forwarder for TLS, or point it at a plain listener)", b);
                conn_tls_fail(c, TLS_FAIL_NOT_TLS, detail);
                return;
        }
        ssl = tls_session_ssl_ref(c->tls);
        c->bev = ssl ? bufferevent_openssl_socket_new(c->d->base, c->fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE)
                     : NULL;
        if (!c->bev) {
                log_limited(CONN_LOG_TLS_FAIL + TLS_FAIL_ERROR, LOG_ERR, "%s: TLS: out of memory", c->peer);
                conn_close(c, CONN_CLOSE_ERROR);
                return;
        }
        /* forwarders often close without a TLS close_notify: that is the
         * end of the stream, as on a plain connection */
        bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
        conn_setup_bev(c);
}

/* A connection on a TLS listener: wait for its first byte, under the
 * handshake deadline.  0 or -ENOMEM. */
static int conn_tls_accept(struct conn *c)
{
        struct timeval tv;

        c->tls_timeout_s = tls_server_handshake_timeout_s(c->l->tls);
        tv = (struct timeval) { (time_t)c->tls_timeout_s, 0 };
        if (tls_session_new(c->l->tls, &c->tls) < 0)
                return -ENOMEM;
        c->tls_wait = event_new(c->d->base, c->fd, EV_READ, conn_tls_first_byte, c);
        c->tls_timer = evtimer_new(c->d->base, conn_tls_timeout, c);
        if (!c->tls_wait || !c->tls_timer)
                return -ENOMEM;
        c->handshaking = true;
        c->d->nhandshakes++;
        event_add(c->tls_wait, NULL);
        evtimer_add(c->tls_timer, &tv);
        return 0;
}

/* ---- events --------------------------------------------------------- */

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
        struct conn *c = arg;

        if (c->handshaking) {
                conn_tls_event(c, what);
                return;
        }

        if (what & BEV_EVENT_TIMEOUT) {
                conn_close_idle(c);
                return;
        }
        if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
                int err = EVUTIL_SOCKET_ERROR();
                conn_process(c, true);
                if (what & BEV_EVENT_ERROR) {
                        unsigned long e = c->tls ? bufferevent_get_openssl_error(c->bev) : 0;
                        char why[128];

                        if (e)
                                tls_error_string(e, why, sizeof(why));
                        else
                                snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(err));
                        log_limited(201, LOG_INFO, "%s: connection error: %s", c->peer, why);
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

/* Shutdown, TLS: what OpenSSL can still decrypt without waiting. */
static void conn_drain_tls(struct conn *c)
{
        struct evbuffer *in = bufferevent_get_input(c->bev);
        char buf[16384];
        size_t total = 0, n;

        evbuffer_unfreeze(in, 0);
        while (total < CONN_DRAIN_READ_MAX && (n = tls_session_read_now(c->tls, buf, sizeof(buf))) > 0) {
                total += n;
                if (evbuffer_add(in, buf, n) < 0 || !conn_process(c, false))
                        break;
        }
        evbuffer_freeze(in, 0);
}

/* The sender gets no more chances: read what the kernel (or OpenSSL) still
 * holds for c, without waiting, and process it as the end of the stream
 * (an unterminated last line is a frame, a partial octet frame is
 * truncated).  The caller closes c. */
static void conn_finish(struct conn *c)
{
        struct evbuffer *in;
        size_t total = 0;
        int n;

        if (c->handshaking || !c->bev)          /* no event can have come from it yet */
                return;
        if (c->tls) {
                conn_process(c, false);         /* what libevent already decrypted */
                conn_drain_tls(c);
                conn_process(c, true);
                return;
        }
        in = bufferevent_get_input(c->bev);

        /* libevent freezes a socket bufferevent's input outside its own
         * read callback: unfreeze it to read here. */
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
        conn_process(c, true);
}

void conn_drain_all(struct spoord *d)
{
        struct conn *c;

        while ((c = TAILQ_FIRST(&d->conns))) {
                conn_finish(c);
                conn_close(c, CONN_CLOSE_SHUTDOWN);
        }
}

/* Has the peer closed its side (its FIN is in: TCP_CLOSE_WAIT)?  Then no
 * more bytes can come, and what the kernel holds is bounded. */
static bool conn_peer_done(const struct conn *c)
{
        struct tcp_info ti;
        socklen_t len = sizeof(ti);

        if (c->handshaking || !c->bev)
                return false;
        if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || len < sizeof(ti.tcpi_state))
                return false;
        return ti.tcpi_state == TCP_CLOSE_WAIT;
}

/* Accept time, at a limit: finish and close (eof) the connections from ip
 * (every peer's when ip is NULL) whose sender has closed them, so they no
 * longer count.  One getsockopt per connection looked at; only finished
 * ones are read.  Returns how many were closed. */
static size_t conn_reap(struct spoord *d, const char *ip)
{
        struct conn *c, *next;
        size_t n = 0;

        for (c = TAILQ_FIRST(&d->conns); c; c = next) {
                next = TAILQ_NEXT(c, entry);
                if ((ip && strcmp(c->peer_ip, ip) != 0) || !conn_peer_done(c))
                        continue;
                conn_finish(c);
                conn_close(c, CONN_CLOSE_EOF);
                n++;
        }
        if (n)
                log_debug("%s: %zu finished connections closed before counting", ip ? ip : "all peers", n);
        return n;
}

void conn_accept(struct listener *l, int fd, const struct sockaddr *sa, int socklen)
{
        struct spoord *d = l->d;
        const struct limits_conf *lim = &d->cfg->limits;
        char ip[64], peer[80];
        struct conn *c;
        int r;

        conn_peer(sa, ip, sizeof(ip), peer, sizeof(peer));
        if (d->nconns >= lim->max_connections)
                conn_reap(d, NULL);
        if (d->nconns >= lim->max_connections) {
                metrics.connections_rejected[CONN_REJ_MAX_CONNECTIONS]++;
                log_limited(202, LOG_WARNING, "%s: refused, %zu connections open (limits.max_connections)",
                            peer, d->nconns);
                close(fd);
                return;
        }
        if (conn_count_peer(d, ip) >= lim->max_connections_per_peer)
                conn_reap(d, ip);
        if (conn_count_peer(d, ip) >= lim->max_connections_per_peer) {
                metrics.connections_rejected[CONN_REJ_MAX_PER_PEER]++;
                log_limited(203, LOG_WARNING,
                            "%s: refused, %llu connections open from %s (limits.max_connections_per_peer)",
                            peer, (unsigned long long)lim->max_connections_per_peer, ip);
                close(fd);
                return;
        }
        if (l->tls && d->nhandshakes >= lim->max_handshakes) {
                metrics.connections_rejected[CONN_REJ_MAX_HANDSHAKES]++;
                log_limited(CONN_LOG_MAX_HANDSHAKES, LOG_WARNING,
                            "%s: refused, %zu TLS handshakes in progress (limits.max_handshakes)", peer,
                            d->nhandshakes);
                close(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        c->d = d;
        c->l = l;
        c->fd = fd;
        snprintf(c->peer_ip, sizeof(c->peer_ip), "%s", ip);
        snprintf(c->peer, sizeof(c->peer), "%s", peer);
        framer_init(&c->framer, l->framing, lim->max_frame_bytes);
        c->idle_timeout_ms = lim->idle_timeout_s * 1000;
        c->frame_timeout_ms = lim->frame_timeout_s * 1000;
        conn_keepalive(fd);
        TAILQ_INSERT_TAIL(&d->conns, c, entry);
        d->nconns++;
        metrics.connections_accepted++;
        metrics.connections_active++;

        c->frame_timer = evtimer_new(d->base, conn_frame_timer_cb, c);
        if (!c->frame_timer) {
                r = -ENOMEM;
        } else if (l->tls) {
                r = conn_tls_accept(c);
        } else {
                c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
                r = c->bev ? 0 : -ENOMEM;
                if (r == 0) {
                        conn_set_idle(c);
                        conn_setup_bev(c);
                }
        }
        if (r < 0) {
                log_limited(202, LOG_ERR, "%s: out of memory, connection closed", peer);
                conn_close(c, CONN_CLOSE_ERROR);
                return;
        }
        log_debug("%s: connection accepted on %s", peer, l->address);
}

