/* spoord's configuration.  One schema table in daemon/config.c defines every
 * key (type, default, bounds, reloadable, doc); it drives loading, the
 * errors, `spoord --check` and `spoord --config-reference`. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "spoor/framing.h"
#include "spoor/timefmt.h"
#include "spoor-config.h"

#define CONFIG_DEFAULT_PATH SPOOR_SYSCONFDIR "/spoord.yml"
/* The hunt pack the built-in default loads (no configuration file): the
 * installed one, else (a spoord run from its build tree) the source's. */
#define CONFIG_DEFAULT_PACK SPOOR_SYSCONFDIR "/leads.d"
#define CONFIG_MAX_LISTEN 64
#define CONFIG_MAX_RULE_PATHS 256
#define CONFIG_MAX_PLACEHOLDERS 1024
#define CONFIG_MAX_PLACEHOLDER_VALUES 4096
#define CONFIG_MAX_CHANGE_WINDOWS 64
#define CONFIG_MAX_ALLOWED_PEERS 256

/* listen[].tls.client_cert */
enum tls_client_cert {
        TLS_CLIENT_CERT_NONE,           /* no certificate is requested */
        TLS_CLIENT_CERT_OPTIONAL,       /* requested; verified against ca when presented */
        TLS_CLIENT_CERT_REQUIRED,       /* a valid one (verified against ca) or no connection */
        _TLS_CLIENT_CERT_MAX,
};

/* listen[].tls: TLS is on for the listener when cert is set.  The loader
 * checks the combination (cert and key together; ca exactly when
 * client_cert is optional or required; allowed_peers only with
 * required), loads the files once to check them (a bad path, a key that
 * does not match the certificate: an error naming the key), and lower-cases
 * allowed_peers. */
struct listen_tls_conf {
        char *cert;                     /* PEM: the server certificate, then its chain */
        char *key;                      /* PEM: its private key */
        char *ca;                       /* PEM: the CAs that issue client certificates */
        char *client_cert;              /* "none" | "optional" | "required", as written */
        enum tls_client_cert verify;    /* resolved from client_cert */
        char *allowed_peers[CONFIG_MAX_ALLOWED_PEERS];  /* "host", "*.domain", an IPv4/IPv6 address */
        size_t nallowed_peers;          /* 0: any peer with a valid certificate */
        uint64_t handshake_timeout_s;   /* 10; 1 .. 300 */
};

struct json_object;

struct listen_conf {
        char *address;                  /* "127.0.0.1:1514", "[::1]:1514", "0.0.0.0:1514"; port 0 = ephemeral */
        enum framing_mode framing;
        char *timezone;                 /* for zone-less timestamps */
        struct timefmt_zone zone;       /* resolved from timezone */
        struct listen_tls_conf tls;
        bool bind_host_to_peer;         /* flag events whose host the client certificate does not name */
};

/* One change window (enrichment field InChangeWindow, daemon/engine/enrich.c):
 * local time in `zone`. */
struct change_window_conf {
        uint8_t days;                   /* bit 0 Monday .. bit 6 Sunday; default all */
        uint16_t start_min;             /* minutes after local midnight, 0..1439 */
        uint16_t end_min;               /* 1..1440 (24:00); <= start_min: crosses midnight */
        char *timezone;                 /* as given; default "UTC" */
        struct timefmt_zone zone;       /* resolved from timezone */
};

struct limits_conf {
        uint64_t max_frame_bytes;       /* 256 KiB; 1 KiB .. 16 MiB */
        uint64_t max_connections;       /* 1024 */
        uint64_t max_connections_per_peer;      /* 64 */
        uint64_t idle_timeout_s;        /* 900 */
        uint64_t frame_timeout_s;       /* 60; 1 .. 3600: longest a frame may stay incomplete */
        uint64_t max_json_depth;        /* 16 */
        uint64_t max_state_bytes;       /* 256 MiB; 1 MiB .. 64 GiB: correlation windows */
        uint64_t max_first_seen;        /* 1000000; 1000 .. 100000000: first_seen baseline entries */
        uint64_t max_hosts;             /* 100000; 100 .. 10000000: hosts in the coverage model (start only) */
        uint64_t max_logon_sessions;    /* 200000; 1000 .. 100000000: enrichment's logon sessions */
        uint64_t max_handshakes;        /* 64; 1 .. 65536: TLS handshakes in progress, all listeners */
};

struct time_conf {
        uint64_t allowed_lateness_s;    /* 300 */
        uint64_t max_future_s;          /* 300 */
};

/* Noise: escalation by host (daemon/engine/risk.c). */
struct escalation_conf {
        uint64_t window_s;              /* 1h; 1m .. 7d */
        uint64_t score_threshold;       /* 0 = off */
        uint64_t tactic_threshold;      /* 3; 0 = off */
        uint64_t scores[5];             /* per lead level (enum sigma_level): 1, 2, 5, 10, 20 */
};

struct config {
        char *path;                     /* file it came from; NULL = built-in default */
        struct listen_conf listen[CONFIG_MAX_LISTEN];
        size_t nlisten;
        bool http_enabled;
        char *http_address;
        char *http_token;               /* NULL: POST /v1/events needs no token */
        uint64_t http_max_body;         /* 16MiB; 64KiB .. 256MiB */
        char *spool_dir;
        int64_t spool_fsync_ms;         /* 0 = after every record ("always"), -1 = never, else interval */
        uint64_t spool_rotate_bytes;    /* 0 = never rotate */
        char *state_dir;
        uint64_t state_interval_s;      /* 30; 1 .. 3600: save correlation state this often */
        char *rules[CONFIG_MAX_RULE_PATHS];
        size_t nrules;
        struct limits_conf limits;
        struct time_conf time;
        char *log_level;                /* "debug" | "info" | "notice" | "warning" | "error" */
        bool engine_thread;             /* true: the sink runs on a worker thread (pipeline.h) */
        struct json_object *placeholders;       /* Sigma |expand: name → array of strings; owned,
                                                 * a fresh tree (no YAML marks, no shared nodes) */
        uint64_t suppress_s;            /* default suppression window of repeated leads; 0 = off */
        struct escalation_conf escalation;
        struct {
                uint64_t grace_s;       /* 1h; 1m .. 30d: channel_missing after this much event time */
                uint64_t interval_s;    /* 60s; 5s .. 1h: coverage.json / attack-layer.json rewritten */
                uint64_t silence_s;     /* 30m; 1m .. 7d: host_silent / channel_silent */
                uint64_t max_skew_s;    /* 5m; 1s .. 7d: clock_skew */
                uint64_t twin_window_s; /* 5m; 10s .. 1d: audit_off twins */
        } coverage;
        struct change_window_conf change_windows[CONFIG_MAX_CHANGE_WINDOWS];
        size_t nchange_windows;         /* 0: InChangeWindow is not set (unknown) */
};

struct config_error {
        char msg[768];                  /* "file:line:column: key: problem" */
};

/* The built-in default (listen 127.0.0.1:1514, http 127.0.0.1:8514, spool
 * /var/spool/spoor as root, ./spool otherwise).  NULL on ENOMEM. */
struct config *config_default(void);

/* Load a YAML file over the built-in default: keys not given keep their
 * default.  0, or -errno/-EINVAL with err->msg naming file:line:column and
 * the key. */
int config_load(const char *path, struct config **out, struct config_error *err);

enum config_load_flags {
        /* Check listen[].tls but do not open its certificate, key and CA
         * files: for callers that serve nothing (spoorctl, --replay), run
         * by users who need not be able to read the server's key. */
        CONFIG_LOAD_SKIP_FILES = 1u << 0,
};

/* config_load with enum config_load_flags.  config_load (flags 0) loads
 * every TLS file as the listener will: a bad path, or a key that does not
 * match its certificate, is an error naming the key. */
int config_load_flags(const char *path, unsigned flags, struct config **out, struct config_error *err);

void config_free(struct config *c);

/* The summary printed by `spoord --check`. */
void config_print_summary(const struct config *c, FILE *f);

/* Every key with type, default, bounds, reloadable and doc, as commented
 * YAML (`spoord --config-reference`; the README's table comes from it). */
void config_print_reference(FILE *f);

/* Split "host:port" / "[v6]:port" into host (no brackets) and port.
 * 0 or -EINVAL. */
int config_split_address(const char *addr, char *host, size_t host_len, unsigned *port);
