/* TCP listeners: one per listen[] entry, or the sockets systemd passes.
 * A listener with listen[].tls holds its TLS server context (tls.c),
 * loaded once at start: SIGHUP does not reload certificates. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <systemd/sd-daemon.h>

#include "spoor/log.h"
#include "spoor/spoord.h"
#include "spoor/tls.h"

#define LISTEN_BACKLOG 511
#define LISTEN_DRAIN_MAX 4096

static void listener_format(const struct sockaddr *sa, char *buf, size_t len)
{
        char host[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;

        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const void *)sa;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                port = ntohs(in->sin_port);
                snprintf(buf, len, "%s:%u", host, port);
        } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const void *)sa;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                port = ntohs(in6->sin6_port);
                snprintf(buf, len, "[%s]:%u", host, port);
        } else {
                snprintf(buf, len, "(family %d)", sa->sa_family);
        }
}

static void listener_accept_cb(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa,
                               int socklen, void *arg)
{
        conn_accept(arg, fd, sa, socklen);
}

static void listener_error_cb(struct evconnlistener *evl, void *arg)
{
        struct listener *l = arg;
        int err = EVUTIL_SOCKET_ERROR();

        metrics.connections_rejected[CONN_REJ_ACCEPT_ERROR]++;
        log_limited(100, LOG_WARNING, "accept on %s failed: %s", l->address,
                    evutil_socket_error_to_string(err));
}

static int listener_adopt(struct spoord *d, const struct listen_conf *lc, int fd, bool activated)
{
        struct listener *l = &d->listeners[d->nlisteners];
        struct sockaddr_storage ss;
        socklen_t sslen = sizeof(ss);
        unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;

        char tls_desc[128] = "";

        memset(l, 0, sizeof(*l));
        l->d = d;
        l->framing = lc->framing;
        l->zone = lc->zone;
        l->activated = activated;
        if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
                listener_format((struct sockaddr *)&ss, l->address, sizeof(l->address));
        if (lc->tls.cert) {
                enum tls_conf_key bad;
                char why[512], desc[96];
                int r = tls_server_new(&lc->tls, &l->tls, &bad, why, sizeof(why));

                if (r < 0) {
                        log_error("listen %s: tls.%s: %s", lc->address, tls_conf_key_name(bad), why);
                        close(fd);
                        return r;
                }
                l->bind_host_to_peer = lc->bind_host_to_peer;
                tls_server_describe(l->tls, desc, sizeof(desc));
                snprintf(tls_desc, sizeof(tls_desc), ", tls: %s%s", desc,
                         l->bind_host_to_peer ? ", bind_host_to_peer" : "");
        }
        evutil_make_socket_nonblocking(fd);
        l->evl = evconnlistener_new(d->base, listener_accept_cb, l, flags, activated ? -1 : LISTEN_BACKLOG, fd);
        if (!l->evl) {
                tls_server_free(l->tls);
                l->tls = NULL;
                close(fd);
                return -ENOMEM;
        }
        evconnlistener_set_error_cb(l->evl, listener_error_cb);
        d->nlisteners++;
        log_notice("listening on tcp %s (framing %s, timezone %s%s%s)", l->address,
                   framing_mode_name(l->framing), lc->timezone, tls_desc, activated ? ", socket activation" : "");
        return 0;
}

static int listener_bind(struct spoord *d, const struct listen_conf *lc)
{
        char host[256];
        unsigned port;
        char portstr[8];
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
        struct addrinfo *res = NULL;
        int fd, one = 1, r;

        if (config_split_address(lc->address, host, sizeof(host), &port) < 0) {
                log_error("listen address %s: not host:port", lc->address);
                return -EINVAL;
        }
        snprintf(portstr, sizeof(portstr), "%u", port);
        r = getaddrinfo(host, portstr, &hints, &res);
        if (r != 0) {
                log_error("listen address %s: %s", lc->address, gai_strerror(r));
                return -EINVAL;
        }
        fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                r = -errno;
                freeaddrinfo(res);
                log_error("listen %s: socket: %s", lc->address, strerror(-r));
                return r;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (res->ai_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
                r = -errno;
                freeaddrinfo(res);
                close(fd);
                log_error("listen %s: %s", lc->address, strerror(-r));
                return r;
        }
        freeaddrinfo(res);
        return listener_adopt(d, lc, fd, false);
}

/* Which listen[] entry a socket passed by systemd belongs to: the one with
 * the same port, else the first. */
static const struct listen_conf *listener_conf_for_fd(const struct config *cfg, int fd)
{
        struct sockaddr_storage ss;
        socklen_t sslen = sizeof(ss);
        unsigned port = 0;

        if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
                if (ss.ss_family == AF_INET)
                        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
                else if (ss.ss_family == AF_INET6)
                        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        for (size_t i = 0; i < cfg->nlisten; i++) {
                char host[256];
                unsigned p;
                if (config_split_address(cfg->listen[i].address, host, sizeof(host), &p) == 0 && p == port)
                        return &cfg->listen[i];
        }
        return &cfg->listen[0];
}

int listener_open_all(struct spoord *d)
{
        int n = sd_listen_fds(1);
        int r;

        if (n > 0) {
                for (int i = 0; i < n && d->nlisteners < CONFIG_MAX_LISTEN; i++) {
                        int fd = SD_LISTEN_FDS_START + i;
                        if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
                                log_warn("socket activation: fd %d is not a listening stream socket, ignored", fd);
                                continue;
                        }
                        r = listener_adopt(d, listener_conf_for_fd(d->cfg, fd), fd, true);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        for (size_t i = 0; i < d->cfg->nlisten; i++) {
                r = listener_bind(d, &d->cfg->listen[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

void listener_accept_pending(struct spoord *d)
{
        for (size_t i = 0; i < d->nlisteners; i++) {
                struct listener *l = &d->listeners[i];
                int lfd, fd;

                /* A TLS sender in the backlog has had no event acknowledged
                 * yet (no handshake): it is left to retry. */
                if (!l->evl || l->tls)
                        continue;
                lfd = evconnlistener_get_fd(l->evl);
                for (unsigned n = 0; n < LISTEN_DRAIN_MAX; n++) {
                        struct sockaddr_storage ss;
                        socklen_t sslen = sizeof(ss);

                        fd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_NONBLOCK | SOCK_CLOEXEC);
                        if (fd < 0)
                                break;
                        conn_accept(l, fd, (struct sockaddr *)&ss, (int)sslen);
                }
        }
}

void listener_close_all(struct spoord *d)
{
        for (size_t i = 0; i < d->nlisteners; i++) {
                if (d->listeners[i].evl)
                        evconnlistener_free(d->listeners[i].evl);
                d->listeners[i].evl = NULL;
                /* connections still open hold their own reference */
                tls_server_free(d->listeners[i].tls);
                d->listeners[i].tls = NULL;
        }
}
