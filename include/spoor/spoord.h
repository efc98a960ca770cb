/* The serving daemon: event base, listeners, connections, HTTP, signals,
 * systemd notification.  Single-threaded: everything runs in one libevent
 * loop, so counters and tables need no locks. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "spoor/config.h"
#include "spoor/engine.h"
#include "spoor/framing.h"
#include "spoor/metrics.h"
#include "spoor/pipeline.h"

struct event_base;
struct evconnlistener;
struct evhttp;
struct bufferevent;
struct tls_server;
struct tls_session;

struct listener {
        struct spoord *d;
        struct evconnlistener *evl;
        char address[128];              /* as bound: "127.0.0.1:41234" */
        enum framing_mode framing;
        struct timefmt_zone zone;
        bool activated;                 /* came from systemd socket activation */
        struct tls_server *tls;         /* TLS listener (listen[].tls), else NULL; owned */
        bool bind_host_to_peer;         /* flag events whose host the client certificate does not name */
};

struct conn {
        TAILQ_ENTRY(conn) entry;
        struct spoord *d;
        struct listener *l;
        struct bufferevent *bev;
        int fd;
        char peer[80];                  /* "ip:port" */
        char peer_ip[64];
        struct framer framer;
        uint64_t frames;                /* frames seen on this connection */
        size_t buffered;                /* input bytes already counted, not yet consumed */
        /* limits.frame_timeout: frame_start_ms is when the incomplete frame
         * the input holds began (monotonic; frame_open says there is one);
         * frame_timer fires at its deadline, or earlier and is re-armed (it
         * is armed once per deadline, not per read).  The limits are those
         * in force when the connection was accepted. */
        struct event *frame_timer;
        bool frame_open;
        uint64_t frame_start_ms;
        uint64_t last_read_ms;          /* the last read callback, monotonic */
        uint64_t frame_timeout_ms;      /* min(frame_timeout, 2 x idle_timeout) */
        uint64_t idle_timeout_ms;
        /* TLS listeners only: the handshake waits for the first byte
         * (tls_wait; a plain-TCP sender is told apart here), then runs on an
         * OpenSSL bufferevent; tls_timer is its deadline. */
        struct tls_session *tls;
        struct event *tls_wait;
        struct event *tls_timer;
        uint64_t tls_timeout_s;         /* the deadline's length, for the log */
        bool handshaking;               /* counted in spoord.nhandshakes */
        bool bind_host;                 /* check each event's host against the client certificate */
};

TAILQ_HEAD(conn_list, conn);

struct spoord {
        struct event_base *base;
        struct config *cfg;
        const char *config_path;        /* as given with -c, or NULL */
        struct listener listeners[CONFIG_MAX_LISTEN];
        size_t nlisteners;
        struct evhttp *http;
        char http_address[128];         /* as bound */
        struct pipeline pipe;
        struct engine engine;           /* rules → leads → spool */
        struct conn_list conns;
        size_t nconns;
        char *read_buf;                 /* conn.c: plain connections read into it (conn_read_more) */
        size_t nhandshakes;             /* TLS handshakes in progress (limits.max_handshakes) */
        bool stopping;
        struct event *signals[5];
        struct event *status_timer;
        struct event *watchdog_timer;
        struct event *spool_timer;
        struct event *state_timer;      /* saves the state files every state.interval */
        int state_dirfd;                /* -1: state not restored (nothing to save) */
        char *state_dir;                /* as opened at start (state_dir is not reloaded) */
        bool marker;                    /* <state_dir>/running written: remove it at a clean exit */
        struct event *state_lost_timer; /* closes the open state_lost gap when it is due */
        int64_t state_lost_after_us;    /* how long after opening a state_lost gap closes */
};

/* Serve until SIGTERM/SIGINT.  Takes ownership of cfg and rs (the rules
 * loaded from it).  Returns the exit code. */
int spoord_run(struct config *cfg, const char *config_path, struct ruleset *rs);

/* Reload (SIGHUP, POST /v1/reload): load the configuration file and its
 * rules beside the running ones and swap them in only when both load; on
 * failure the running ones stay.  Logged, counted (reloads_ok/_failed)
 * and told to systemd here.  0, or -EINVAL / -ENOMEM with the reason in
 * err (file:line:column when it comes from a file; err may be NULL).
 * -EBUSY is reserved for a reload already in progress (POST /v1/reload
 * answers 503). */
int spoord_reload(struct spoord *d, char *err, size_t errlen);

/* Let the engine thread finish the events queued for it (pipeline_sync):
 * afterwards the caller may read or change the engine, its spool and the
 * counters it keeps, until it takes more input. */
void spoord_sync(struct spoord *d);

/* Notify systemd (no-op outside systemd) of the headline numbers. */
void spoord_notify_status(struct spoord *d);

/* listener.c: bind every listen[] address, or adopt sockets passed by
 * systemd (sd_listen_fds).  0 or -errno (logged). */
int listener_open_all(struct spoord *d);
void listener_close_all(struct spoord *d);
/* At shutdown: accept the connections waiting in the listen backlog, so the
 * data the kernel already acknowledged for them is drained too. */
void listener_accept_pending(struct spoord *d);

/* conn.c */
void conn_accept(struct listener *l, int fd, const struct sockaddr *sa, int socklen);
void conn_close(struct conn *c, enum conn_close_reason why);
/* Read what the kernel still holds for every connection, process it, close. */
void conn_drain_all(struct spoord *d);

/* http.c: /metrics and /healthz on cfg->http_address.  0 or -errno (logged). */
int http_open(struct spoord *d);
void http_close(struct spoord *d);

/* replay.c: `spoord --replay`.  Returns the exit code. */
struct replay_opts {
        bool dump_events;               /* print each decoded event as a JSON line on stdout */
        const char *timezone;           /* override for zone-less times; NULL = listen[0]'s */
        const char *spool_dir;          /* override for cfg->spool_dir */
};
/* Takes ownership of rs (may be NULL: decode only). */
int replay_run(struct config *cfg, struct ruleset *rs, char **files, int nfiles, const struct replay_opts *o);
