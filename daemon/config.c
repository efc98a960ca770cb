/* spoord's configuration: one schema table (config_keys[]) drives loading,
 * validation and its errors (here), `spoord --check` (config_print_summary)
 * and `spoord --config-reference` (config_print_reference), both in
 * config_print.c.  Sizes, durations and addresses are parsed and formatted
 * in config_value.c; config_schema.h is what the three files share.
 *
 * Decisions:
 *   - Every default is YAML text in the table and goes through the same
 *     setter as a value from a file, so the reference output is exactly what
 *     the loader accepts (the unit tests load it back).
 *   - A key whose value is null (`limits:` with every child commented out,
 *     `log_level:`) keeps its default.  A required key that is null is
 *     missing.
 *   - Giving `listen` replaces the built-in listener list entirely;
 *     `listen: []` means no stream listener (HTTP ingest only).
 *   - An empty file (or one holding only comments, or a lone null document)
 *     is an error "empty config": a truncated deploy should not silently
 *     start with defaults.  `{}` says "all defaults" explicitly.
 *   - Several documents in one file, or a top level that is not a mapping,
 *     are errors.
 *   - Strings must be YAML strings: `dir: 2024` is an integer and rejected
 *     (quote it).  Sizes and durations accept a plain number (bytes,
 *     seconds) or a string with units.
 *   - Rule paths are not checked for existence here: rules are loaded later.
 *   - Errors read "file:line:column: key: problem", at the offending value
 *     when it has a position, else at its key.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "spoor/framing.h"
#include "spoor/timefmt.h"
#include "spoor/tls.h"
#include "spoor/yaml.h"
#include "config_schema.h"

static const char *const config_framings[] = { "auto", "lf", "octet", NULL };
static const char *const config_log_levels[] = { "debug", "info", "notice", "warning", "error", NULL };
static const char *const config_fsync_values[] = { "always", "never", "duration", NULL };
/* enum tls_client_cert order */
static const char *const config_client_certs[] = { "none", "optional", "required", NULL };

#define KiB 1024ull
#define MiB (1024ull * 1024ull)
#define TiB (1024ull * 1024ull * 1024ull * 1024ull)
#define C_OFF(f) CONFIG_BASE_CONFIG, offsetof(struct config, f)
#define L_OFF(f) CONFIG_BASE_LISTEN, offsetof(struct listen_conf, f)

const struct config_key config_keys[] = {
        { .path = "listen", .type = CONFIG_MAP_LIST, C_OFF(listen),
          .aux = offsetof(struct config, nlisten), .elem_size = sizeof(struct listen_conf),
          .def = "[{address: \"127.0.0.1:1514\"}]", .max = CONFIG_MAX_LISTEN,
          .doc = "Stream listeners for forwarders; giving this list replaces the default one" },
        { .path = "listen[].address", .type = CONFIG_ADDRESS, L_OFF(address),
          .example = "127.0.0.1:1514", .required = true,
          .doc = "host:port to listen on; [::1]:1514 for IPv6, port 0 picks a free port" },
        { .path = "listen[].framing", .type = CONFIG_FRAMING, L_OFF(framing),
          .def = "auto", .values = config_framings,
          .doc = "How frames are delimited: auto-detected per frame, LF-terminated lines, or RFC 6587 octet counting" },
        { .path = "listen[].timezone", .type = CONFIG_TIMEZONE, L_OFF(timezone),
          .aux = offsetof(struct listen_conf, zone), .def = "UTC",
          .doc = "Zone of zone-less timestamps (NXLog CE EventTime): UTC, +02:00, or an IANA name" },
        { .path = "listen[].tls", .type = CONFIG_SECTION, L_OFF(tls),
          .doc = "TLS (1.2 or later) on this listener, on when cert is given; the files are read at start and by "
                 "--check (a restart, not SIGHUP, puts renewed ones to use)" },
        { .path = "listen[].tls.cert", .type = CONFIG_STRING, L_OFF(tls.cert),
          .doc = "PEM file: the listener's certificate, then any intermediate CA certificates; "
                 "e.g. /etc/spoor/tls/server.crt" },
        { .path = "listen[].tls.key", .type = CONFIG_STRING, L_OFF(tls.key),
          .doc = "PEM file: the certificate's private key, unencrypted, readable by spoord only; "
                 "e.g. /etc/spoor/tls/server.key" },
        { .path = "listen[].tls.ca", .type = CONFIG_STRING, L_OFF(tls.ca),
          .doc = "PEM file: the CA certificates that client certificates must chain to; needed unless "
                 "client_cert is none; e.g. /etc/spoor/tls/ca.crt" },
        { .path = "listen[].tls.client_cert", .type = CONFIG_ENUM, L_OFF(tls.client_cert),
          .def = "required", .values = config_client_certs,
          .doc = "Client certificates: none (not asked for), optional (verified against ca when presented), "
                 "required (no connection without a valid one)" },
        { .path = "listen[].tls.allowed_peers", .type = CONFIG_STRING_LIST, L_OFF(tls.allowed_peers),
          .aux = offsetof(struct listen_conf, tls.nallowed_peers), .def = "[]", .max = CONFIG_MAX_ALLOWED_PEERS,
          .doc = "Client certificates accepted, by name (needs client_cert required): a host name, *.domain "
                 "(exactly one label in front), or an IP address; matched against the certificate's DNS and IP "
                 "subjectAltNames, its subject CN only when it has no DNS name; any case; empty: every valid "
                 "certificate" },
        { .path = "listen[].tls.handshake_timeout", .type = CONFIG_DURATION, L_OFF(tls.handshake_timeout_s),
          .def = "10s", .min = 1, .max = 300,
          .doc = "Close a connection whose TLS handshake is not done this long after it was accepted" },
        { .path = "listen[].bind_host_to_peer", .type = CONFIG_BOOL, L_OFF(bind_host_to_peer), .def = "false",
          .doc = "Flag an event whose host the client certificate does not name (field SpoorPeerMismatch = the "
                 "certificate's name; counted in spoor_events_peer_mismatch_total); the event is kept; needs "
                 "tls.client_cert required" },
        { .path = "http", .type = CONFIG_SECTION,
          .doc = "HTTP endpoint: GET /metrics (Prometheus text), GET /healthz, GET /v1/status, POST /v1/reload" },
        { .path = "http.enabled", .type = CONFIG_BOOL, C_OFF(http_enabled), .def = "true",
          .doc = "Serve HTTP at all" },
        { .path = "http.address", .type = CONFIG_ADDRESS, C_OFF(http_address),
          .def = "127.0.0.1:8514", .doc = "host:port of the HTTP endpoint" },
        { .path = "http.token", .type = CONFIG_STRING, C_OFF(http_token),
          .doc = "When set, POST /v1/events needs \"Authorization: Bearer <token>\" (keep the file 0640 "
                 "root:spoor); unset: any client that reaches the address may send events" },
        { .path = "http.max_body", .type = CONFIG_SIZE, C_OFF(http_max_body), .def = "16MiB",
          .min = 64 * KiB, .max = 256 * MiB,
          .doc = "Largest request body (a POST /v1/events batch); larger ones are answered 413" },
        { .path = "spool", .type = CONFIG_SECTION, .doc = "Where leads and gaps are written" },
        { .path = "spool.dir", .type = CONFIG_STRING, C_OFF(spool_dir),
          .def = "/var/spool/spoor", .def_user = "./spool",
          .doc = "Spool directory (leads.jsonl, gaps.jsonl, coverage.json)" },
        { .path = "spool.fsync", .type = CONFIG_FSYNC, C_OFF(spool_fsync_ms), .def = "1s",
          .values = config_fsync_values, .min = 1, .max = 3600,
          .doc = "When spool records are flushed to disk: after every record, never (the kernel decides), "
                 "or at most this long after one was written" },
        { .path = "spool.rotate_bytes", .type = CONFIG_SIZE, C_OFF(spool_rotate_bytes), .def = "0",
          .min = 1 * MiB, .max = 1 * TiB, .zero_off = true,
          .doc = "Rename leads.jsonl (gaps.jsonl) to leads-<UTC time>.jsonl when a record would make it "
                 "larger than this; 0 never rotates (leave it to logrotate and SIGUSR1)" },
        { .path = "state_dir", .type = CONFIG_STRING, C_OFF(state_dir),
          .def = "/var/lib/spoor", .def_user = "./state",
          .doc = "Directory for state kept across restarts" },
        { .path = "state", .type = CONFIG_SECTION, .doc = "State kept across restarts (in state_dir)" },
        { .path = "state.interval", .type = CONFIG_DURATION, C_OFF(state_interval_s), .def = "30s",
          .min = 1, .max = 3600,
          .doc = "Save the correlation windows to state_dir/correlation.state this often (and on SIGTERM); "
                 "a crash loses at most this much" },
        { .path = "rules", .type = CONFIG_STRING_LIST, C_OFF(rules),
          .aux = offsetof(struct config, nrules), .def = "[]", .max = CONFIG_MAX_RULE_PATHS,
          .reloadable = true,
          .doc = "Rule files or directories (searched recursively); a relative path is relative to this file's folder; e.g. [leads.d]" },
        { .path = "log_level", .type = CONFIG_ENUM, C_OFF(log_level), .def = "info",
          .values = config_log_levels, .reloadable = true,
          .doc = "Lowest priority that is logged" },
        { .path = "engine_thread", .type = CONFIG_BOOL, C_OFF(engine_thread), .def = "true",
          .doc = "Evaluate rules on a second thread while the first reads and decodes (uses two cores; "
                 "false: one thread does everything)" },
        { .path = "limits", .type = CONFIG_SECTION, .reloadable = true,
          .doc = "Bounds on what peers can make spoord hold" },
        { .path = "limits.max_frame_bytes", .type = CONFIG_SIZE, C_OFF(limits.max_frame_bytes),
          .def = "256KiB", .min = 1 * KiB, .max = 16 * MiB, .reloadable = true,
          .doc = "Largest frame (one event); longer ones are rejected" },
        { .path = "limits.max_connections", .type = CONFIG_UINT, C_OFF(limits.max_connections),
          .def = "1024", .min = 1, .max = 65536, .reloadable = true,
          .doc = "Concurrent stream connections, all peers together" },
        { .path = "limits.max_connections_per_peer", .type = CONFIG_UINT,
          C_OFF(limits.max_connections_per_peer), .def = "64", .min = 1, .max = 65536,
          .reloadable = true, .doc = "Concurrent stream connections from one peer address" },
        { .path = "limits.max_handshakes", .type = CONFIG_UINT, C_OFF(limits.max_handshakes),
          .def = "64", .min = 1, .max = 65536, .reloadable = true,
          .doc = "TLS handshakes in progress, all TLS listeners together; connections beyond it are refused "
                 "(spoor_connections_rejected_total, reason max_handshakes)" },
        { .path = "limits.idle_timeout", .type = CONFIG_DURATION, C_OFF(limits.idle_timeout_s),
          .def = "15m", .min = 1, .max = 7 * 86400, .reloadable = true,
          .doc = "Close a connection that sent nothing for this long" },
        { .path = "limits.frame_timeout", .type = CONFIG_DURATION, C_OFF(limits.frame_timeout_s),
          .def = "60s", .min = 1, .max = 3600, .reloadable = true,
          .doc = "Close a connection whose current frame has been incomplete for this long, however slowly its "
                 "bytes keep coming; the partial frame is rejected as truncated" },
        { .path = "limits.max_json_depth", .type = CONFIG_UINT, C_OFF(limits.max_json_depth),
          .def = "16", .min = 4, .max = 64, .reloadable = true,
          .doc = "Deepest nesting accepted in a JSON event" },
        { .path = "limits.max_state_bytes", .type = CONFIG_SIZE, C_OFF(limits.max_state_bytes),
          .def = "256MiB", .min = 1 * MiB, .max = 64 * 1024 * MiB, .reloadable = true,
          .doc = "Memory for correlation windows; above it the least recently active groups are evicted "
                 "(counted); a reload applies it" },
        { .path = "limits.max_first_seen", .type = CONFIG_UINT, C_OFF(limits.max_first_seen),
          .def = "1000000", .min = 1000, .max = 100000000, .reloadable = true,
          .doc = "Entries (correlation x group x combination of fields) that first_seen correlations "
                 "remember; above it the least recently seen are evicted (counted); a reload applies it" },
        { .path = "limits.max_hosts", .type = CONFIG_UINT, C_OFF(limits.max_hosts),
          .def = "100000", .min = 100, .max = 10000000,
          .doc = "Hosts the coverage model tracks (about 2 KB each); above it the least recently seen is "
                 "forgotten with its open gaps (counted); read at start" },
        { .path = "limits.max_logon_sessions", .type = CONFIG_UINT, C_OFF(limits.max_logon_sessions),
          .def = "200000", .min = 1000, .max = 100000000, .reloadable = true,
          .doc = "Logon sessions (host x logon id) remembered for the SubjectLogonPrivileged field; above it "
                 "the least recently active are evicted (counted); a reload applies it" },
        { .path = "time", .type = CONFIG_SECTION, .reloadable = true,
          .doc = "Event time for correlation windows" },
        { .path = "time.allowed_lateness", .type = CONFIG_DURATION, C_OFF(time.allowed_lateness_s),
          .def = "5m", .min = 0, .max = 86400, .reloadable = true,
          .doc = "How far behind the newest event time an event may arrive and still join open "
                 "correlation windows; older ones are counted as late" },
        { .path = "time.max_future", .type = CONFIG_DURATION, C_OFF(time.max_future_s),
          .def = "5m", .min = 1, .max = 7 * 86400, .reloadable = true,
          .doc = "An event dated further ahead of its receive time is counted as skewed and does not "
                 "move the watermark (a host with a fast clock cannot make other hosts' events late)" },
        { .path = "coverage", .type = CONFIG_SECTION, .reloadable = true,
          .doc = "Telemetry coverage: gaps (gaps.jsonl) in what hosts send against what the rules need" },
        { .path = "coverage.grace", .type = CONFIG_DURATION, C_OFF(coverage.grace_s), .def = "1h",
          .min = 60, .max = 30 * 86400, .reloadable = true,
          .doc = "Event time a host must have been sending before a channel the rules need and it never "
                 "sent opens a channel_missing gap" },
        { .path = "coverage.interval", .type = CONFIG_DURATION, C_OFF(coverage.interval_s), .def = "60s",
          .min = 5, .max = 3600, .reloadable = true,
          .doc = "How often <spool>/coverage.json and attack-layer.json are replaced (also at the end of a "
                 "replay and at exit)" },
        { .path = "coverage.silence", .type = CONFIG_DURATION, C_OFF(coverage.silence_s), .def = "30m",
          .min = 60, .max = 7 * 86400, .reloadable = true,
          .doc = "A host (or a channel of a host still sending) quiet for this much event time, and for "
                 "ten of its usual intervals, while the rest of the fleet is sending, opens host_silent "
                 "(channel_silent)" },
        { .path = "coverage.max_skew", .type = CONFIG_DURATION, C_OFF(coverage.max_skew_s), .def = "5m",
          .min = 1, .max = 7 * 86400, .reloadable = true,
          .doc = "A host whose event times stay this far from their receive times, steadily, opens a "
                 "clock_skew gap (live input only: a replay has no receive time)" },
        { .path = "coverage.twin_window", .type = CONFIG_DURATION, C_OFF(coverage.twin_window_s),
          .def = "5m", .min = 10, .max = 86400, .reloadable = true,
          .doc = "How long an event waits for its twin from the other telemetry source (TaskScheduler 106 "
                 "for Security 4698, Sysmon 1 for Security 4688 and back) before a missing twin opens an "
                 "audit_off gap" },
        { .path = "suppress", .type = CONFIG_DURATION, C_OFF(suppress_s), .def = "0",
          .min = 1, .max = 7 * 86400, .zero_off = true, .reloadable = true,
          .doc = "Repeated leads of one rule for one group key (the host; a correlation's group-by values) "
                 "within this much event time are written once, then one summary record counts the rest; "
                 "0 is off.  A rule's own top-level `suppress: 1h` (or 0) overrides it" },
        { .path = "escalation", .type = CONFIG_SECTION, .reloadable = true,
          .doc = "A host escalates (one lead of kind escalation) when its leads within the window add up" },
        { .path = "escalation.window", .type = CONFIG_DURATION, C_OFF(escalation.window_s), .def = "1h",
          .min = 60, .max = 7 * 86400, .reloadable = true,
          .doc = "Sliding window, in event time, over a host's leads; a host escalates at most once per window" },
        { .path = "escalation.score_threshold", .type = CONFIG_UINT, C_OFF(escalation.score_threshold),
          .def = "0", .min = 1, .max = 1000000, .zero_off = true, .reloadable = true,
          .doc = "Escalate a host whose lead scores (escalation.scores) within the window reach this; "
                 "0 is off (the sum depends on the rule set: tune it, e.g. 30)" },
        { .path = "escalation.tactic_threshold", .type = CONFIG_UINT, C_OFF(escalation.tactic_threshold),
          .def = "3", .min = 2, .max = 15, .zero_off = true, .reloadable = true,
          .doc = "Escalate a host whose leads within the window carry this many distinct ATT&CK tactics "
                 "(tags attack.persistence, attack.discovery, ...); 0 is off" },
        { .path = "escalation.scores", .type = CONFIG_SECTION, .reloadable = true,
          .doc = "Score of one lead, by its rule's level" },
        { .path = "escalation.scores.informational", .type = CONFIG_UINT, C_OFF(escalation.scores[0]),
          .def = "1", .min = 0, .max = 1000, .reloadable = true, .doc = "Score of an informational lead" },
        { .path = "escalation.scores.low", .type = CONFIG_UINT, C_OFF(escalation.scores[1]),
          .def = "2", .min = 0, .max = 1000, .reloadable = true, .doc = "Score of a low lead" },
        { .path = "escalation.scores.medium", .type = CONFIG_UINT, C_OFF(escalation.scores[2]),
          .def = "5", .min = 0, .max = 1000, .reloadable = true, .doc = "Score of a medium lead" },
        { .path = "escalation.scores.high", .type = CONFIG_UINT, C_OFF(escalation.scores[3]),
          .def = "10", .min = 0, .max = 1000, .reloadable = true, .doc = "Score of a high lead" },
        { .path = "escalation.scores.critical", .type = CONFIG_UINT, C_OFF(escalation.scores[4]),
          .def = "20", .min = 0, .max = 1000, .reloadable = true, .doc = "Score of a critical lead" },
        { .path = "placeholders", .type = CONFIG_PLACEHOLDERS, C_OFF(placeholders), .def = "{}",
          .max = CONFIG_MAX_PLACEHOLDERS, .reloadable = true,
          .doc = "Values of Sigma |expand placeholders: name (letters, digits, _ . -) to a list of strings; "
                 "e.g. {domain_controllers: [dc01, dc02]}" },
        { .path = "change_windows", .type = CONFIG_CHANGE_WINDOWS, C_OFF(change_windows),
          .aux = offsetof(struct config, nchange_windows), .def = "[]", .max = CONFIG_MAX_CHANGE_WINDOWS,
          .reloadable = true,
          .doc = "Change windows for the InChangeWindow field: a list of {days: [mon, tue, ...] (default every "
                 "day; ranges like mon-fri), hours: \"08:00-18:00\" (local; end may be 24:00; 22:00-02:00 "
                 "crosses midnight; default 00:00-24:00), timezone: Europe/Berlin (default UTC)}; none: the "
                 "field is not set" },
};

const size_t config_nkeys = ELEMENTSOF(config_keys);

/* ---- errors --------------------------------------------------------- */

struct config_ctx {
        const char *file;
        struct config *cfg;
        struct config_error *err;
        unsigned flags;                 /* enum config_load_flags */
};

/* Where a value came from. */
struct config_at {
        struct json_object *map;        /* the mapping holding key (NULL for defaults) */
        const char *key;
        struct json_object *value;
        const char *shown;              /* "listen[0].address" */
};

static int config_fail(struct config_ctx *ctx, const struct config_at *at, struct json_object *node,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Blame `node` if it has a position, else the value, else the key. */
static int config_fail(struct config_ctx *ctx, const struct config_at *at, struct json_object *node,
                       const char *fmt, ...)
{
        char why[512];
        unsigned line = 0, column = 0;
        int n = 0;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);

        if (yaml_node_mark(node, &line, &column) < 0 &&
            yaml_node_mark(at ? at->value : NULL, &line, &column) < 0 &&
            (!at || yaml_key_mark(at->map, at->key, &line, &column) < 0))
                line = 0;
        if (line)
                n = snprintf(ctx->err->msg, sizeof(ctx->err->msg), "%s:%u:%u: ", ctx->file, line, column);
        else
                n = snprintf(ctx->err->msg, sizeof(ctx->err->msg), "%s: ", ctx->file);
        if (n < 0 || (size_t)n >= sizeof(ctx->err->msg))
                return -EINVAL;
        if (at && at->shown && at->shown[0])
                snprintf(ctx->err->msg + n, sizeof(ctx->err->msg) - (size_t)n, "%s: %s", at->shown, why);
        else
                snprintf(ctx->err->msg + n, sizeof(ctx->err->msg) - (size_t)n, "%s", why);
        return -EINVAL;
}

static const char *config_json_type(struct json_object *v)
{
        switch (json_object_get_type(v)) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "a boolean";
        case json_type_int:
                return "an integer";
        case json_type_double:
                return "a number";
        case json_type_string:
                return "a string";
        case json_type_array:
                return "a list";
        case json_type_object:
                return "a mapping";
        }
        return "?";
}

/* ---- setters -------------------------------------------------------- */

static void *config_field(const struct config_key *k, void *base)
{
        return (char *)base + k->offset;
}

static int config_need(struct config_ctx *ctx, const struct config_at *at, enum json_type t,
                       const char *what)
{
        if (json_object_is_type(at->value, t))
                return 0;
        return config_fail(ctx, at, NULL, "expected %s, got %s", what, config_json_type(at->value));
}

static int config_store_string(struct config_ctx *ctx, char **field, const char *s)
{
        char *d = strdup(s);

        if (!d) {
                snprintf(ctx->err->msg, sizeof(ctx->err->msg), "out of memory");
                return -ENOMEM;
        }
        free(*field);
        *field = d;
        return 0;
}

static int config_check_bounds(struct config_ctx *ctx, const struct config_at *at,
                               const struct config_key *k, uint64_t v,
                               void (*fmt)(uint64_t, char *, size_t))
{
        char a[32], b[32], c[32];

        if ((v >= k->min && v <= k->max) || (v == 0 && k->zero_off))
                return 0;
        fmt(v, a, sizeof(a));
        fmt(k->min, b, sizeof(b));
        fmt(k->max, c, sizeof(c));
        return config_fail(ctx, at, NULL, "%s is out of range (%s%s..%s)", a, k->zero_off ? "0 or " : "", b, c);
}

static int config_set_string(struct config_ctx *ctx, const struct config_key *k, void *base,
                             const struct config_at *at)
{
        int r = config_need(ctx, at, json_type_string, "a string");

        if (r < 0)
                return r;
        if (!json_object_get_string_len(at->value))
                return config_fail(ctx, at, NULL, "must not be empty");
        return config_store_string(ctx, config_field(k, base), json_object_get_string(at->value));
}

static int config_set_bool(struct config_ctx *ctx, const struct config_key *k, void *base,
                           const struct config_at *at)
{
        int r = config_need(ctx, at, json_type_boolean, "true or false");

        if (r < 0)
                return r;
        *(bool *)config_field(k, base) = json_object_get_boolean(at->value);
        return 0;
}

static int config_set_uint(struct config_ctx *ctx, const struct config_key *k, void *base,
                           const struct config_at *at)
{
        int64_t v;
        int r = config_need(ctx, at, json_type_int, "a whole number");

        if (r < 0)
                return r;
        v = json_object_get_int64(at->value);
        if (v < 0)
                return config_fail(ctx, at, NULL, "%" PRId64 " is out of range (%" PRIu64 "..%" PRIu64 ")",
                                   v, k->min, k->max);
        r = config_check_bounds(ctx, at, k, (uint64_t)v, config_value_format_uint);
        if (r < 0)
                return r;
        *(uint64_t *)config_field(k, base) = (uint64_t)v;
        return 0;
}

/* Sizes and durations: a plain non-negative integer, or a string with units,
 * within the key's bounds. */
static int config_parse_units(struct config_ctx *ctx, const struct config_key *k,
                              const struct config_at *at, int (*parse)(const char *, uint64_t *),
                              void (*fmt)(uint64_t, char *, size_t), const char *expect, uint64_t *out)
{
        uint64_t v;
        int r;

        if (json_object_is_type(at->value, json_type_int)) {
                int64_t i = json_object_get_int64(at->value);

                if (i < 0)
                        return config_fail(ctx, at, NULL, "must not be negative");
                v = (uint64_t)i;
        } else if (json_object_is_type(at->value, json_type_string)) {
                r = parse(json_object_get_string(at->value), &v);
                if (r == -ERANGE)
                        return config_fail(ctx, at, NULL, "'%s' is too large",
                                           json_object_get_string(at->value));
                if (r < 0)
                        return config_fail(ctx, at, NULL, "'%s' is not %s",
                                           json_object_get_string(at->value), expect);
        } else {
                return config_fail(ctx, at, NULL, "expected %s, got %s", expect,
                                   config_json_type(at->value));
        }
        r = config_check_bounds(ctx, at, k, v, fmt);
        if (r < 0)
                return r;
        *out = v;
        return 0;
}

static int config_set_units(struct config_ctx *ctx, const struct config_key *k, void *base,
                            const struct config_at *at, int (*parse)(const char *, uint64_t *),
                            void (*fmt)(uint64_t, char *, size_t), const char *expect)
{
        uint64_t v;
        int r = config_parse_units(ctx, k, at, parse, fmt, expect, &v);

        if (r < 0)
                return r;
        *(uint64_t *)config_field(k, base) = v;
        return 0;
}

static int config_set_size(struct config_ctx *ctx, const struct config_key *k, void *base,
                           const struct config_at *at)
{
        return config_set_units(ctx, k, base, at, config_value_parse_size,
                                config_value_format_size,
                                "a size (bytes, or a number with KiB, MiB, GiB, KB, MB, GB)");
}

static int config_set_duration(struct config_ctx *ctx, const struct config_key *k, void *base,
                               const struct config_at *at)
{
        return config_set_units(ctx, k, base, at, config_value_parse_duration,
                                config_value_format_duration,
                                "a duration (seconds, or like 30s, 15m, 1h30m, 7d)");
}

static void config_join_values(const char *const *values, char *buf, size_t len)
{
        size_t n = 0;

        buf[0] = '\0';
        for (; *values && n < len; values++) {
                int w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", *values);

                if (w < 0)
                        return;
                n += (size_t)w;
        }
}

static int config_check_enum(struct config_ctx *ctx, const struct config_key *k,
                             const struct config_at *at)
{
        char allowed[256];
        int r = config_need(ctx, at, json_type_string, "a string");

        if (r < 0)
                return r;
        for (const char *const *v = k->values; *v; v++)
                if (strcmp(*v, json_object_get_string(at->value)) == 0)
                        return 0;
        config_join_values(k->values, allowed, sizeof(allowed));
        return config_fail(ctx, at, NULL, "'%s' is not one of: %s", json_object_get_string(at->value),
                           allowed);
}

static int config_set_enum(struct config_ctx *ctx, const struct config_key *k, void *base,
                           const struct config_at *at)
{
        int r = config_check_enum(ctx, k, at);

        if (r < 0)
                return r;
        return config_store_string(ctx, config_field(k, base), json_object_get_string(at->value));
}

static int config_set_framing(struct config_ctx *ctx, const struct config_key *k, void *base,
                              const struct config_at *at)
{
        enum framing_mode m;
        int r = config_check_enum(ctx, k, at);

        if (r < 0)
                return r;
        m = framing_mode_from_name(json_object_get_string(at->value));
        if (m == _FRAMING_MODE_INVALID)
                return config_fail(ctx, at, NULL, "framing '%s' is not supported",
                                   json_object_get_string(at->value));
        *(enum framing_mode *)config_field(k, base) = m;
        return 0;
}

static int config_set_address(struct config_ctx *ctx, const struct config_key *k, void *base,
                              const struct config_at *at)
{
        int r = config_need(ctx, at, json_type_string, "an address (host:port)");

        if (r < 0)
                return r;
        if (config_split_address(json_object_get_string(at->value), NULL, 0, NULL) < 0)
                return config_fail(ctx, at, NULL,
                                   "bad address '%s': expected host:port or [IPv6]:port, port 0-65535",
                                   json_object_get_string(at->value));
        return config_store_string(ctx, config_field(k, base), json_object_get_string(at->value));
}

static int config_set_timezone(struct config_ctx *ctx, const struct config_key *k, void *base,
                               const struct config_at *at)
{
        struct timefmt_zone z;
        int r = config_need(ctx, at, json_type_string, "a time zone");

        if (r < 0)
                return r;
        if (timefmt_zone_init(&z, json_object_get_string(at->value)) < 0)
                return config_fail(ctx, at, NULL,
                                   "unknown time zone '%s' (UTC, +02:00, or a name under /usr/share/zoneinfo)",
                                   json_object_get_string(at->value));
        r = config_store_string(ctx, config_field(k, base), json_object_get_string(at->value));
        if (r < 0)
                return r;
        *(struct timefmt_zone *)((char *)base + k->aux) = z;
        return 0;
}

static void config_release_string(const struct config_key *k, void *base)
{
        char **p = config_field(k, base);

        free(*p);
        *p = NULL;
}

static void config_release_string_list(const struct config_key *k, void *base)
{
        char **v = config_field(k, base);
        size_t *n = (size_t *)((char *)base + k->aux);

        for (size_t i = 0; i < *n; i++) {
                free(v[i]);
                v[i] = NULL;
        }
        *n = 0;
}

/* A list of at most k->max entries: its length in *len.  0 or <0 (reported). */
static int config_need_list(struct config_ctx *ctx, const struct config_at *at, const struct config_key *k,
                            const char *what, size_t *len)
{
        int r = config_need(ctx, at, json_type_array, what);

        if (r < 0)
                return r;
        *len = json_object_array_length(at->value);
        if (*len > k->max)
                return config_fail(ctx, at, json_object_array_get_idx(at->value, k->max),
                                   "more than %" PRIu64 " entries", k->max);
        return 0;
}

static int config_set_string_list(struct config_ctx *ctx, const struct config_key *k, void *base,
                                  const struct config_at *at)
{
        char **v = config_field(k, base);
        size_t *n = (size_t *)((char *)base + k->aux);
        size_t len;
        int r = config_need_list(ctx, at, k, "a list of strings", &len);

        if (r < 0)
                return r;
        for (size_t i = 0; i < len; i++) {
                struct json_object *e = json_object_array_get_idx(at->value, i);

                if (!json_object_is_type(e, json_type_string) || !json_object_get_string_len(e))
                        return config_fail(ctx, at, e, "entry %zu: expected a non-empty string, got %s",
                                           i + 1, config_json_type(e));
        }
        config_release_string_list(k, base);
        for (size_t i = 0; i < len; i++) {
                v[i] = strdup(json_object_get_string(json_object_array_get_idx(at->value, i)));
                if (!v[i])
                        return -ENOMEM;
                *n = i + 1;
        }
        return 0;
}

/* "always" (0), "never" (-1), or a duration in seconds stored as ms. */
static int config_set_fsync(struct config_ctx *ctx, const struct config_key *k, void *base,
                            const struct config_at *at)
{
        int64_t *f = config_field(k, base);
        uint64_t v;
        int r;

        if (json_object_is_type(at->value, json_type_string)) {
                const char *s = json_object_get_string(at->value);

                if (strcmp(s, "always") == 0) {
                        *f = 0;
                        return 0;
                }
                if (strcmp(s, "never") == 0) {
                        *f = -1;
                        return 0;
                }
        }
        r = config_parse_units(ctx, k, at, config_value_parse_duration, config_value_format_duration,
                               "always, never or a duration (seconds, or like 1s, 30s, 5m)", &v);
        if (r < 0)
                return r;
        *f = (int64_t)v * 1000;
        return 0;
}

static bool config_placeholder_name_ok(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
                        return false;
        return true;
}

static void config_release_placeholders(const struct config_key *k, void *base)
{
        struct json_object **p = config_field(k, base);

        json_object_put(*p);
        *p = NULL;
}

/* A mapping name → list of strings (numbers become their text), copied
 * into a fresh tree: the YAML tree may share aliased nodes and carries
 * marks, so none of it is kept. */
static int config_set_placeholders(struct config_ctx *ctx, const struct config_key *k, void *base,
                                   const struct config_at *at)
{
        _cleanup_json_ struct json_object *copy = NULL;
        size_t count = 0;
        int r = config_need(ctx, at, json_type_object, "a mapping of names to lists of strings");

        if (r < 0)
                return r;
        copy = json_object_new_object();
        if (!copy)
                return -ENOMEM;
        json_object_object_foreach(at->value, name, list) {
                char shown[256];
                struct config_at nat = { .map = at->value, .key = name, .value = list, .shown = shown };
                struct json_object *vals;
                size_t n;

                snprintf(shown, sizeof(shown), "%s.%s", at->shown, name);
                if (++count > k->max) {
                        nat.value = NULL;
                        return config_fail(ctx, &nat, NULL, "more than %" PRIu64 " placeholders", k->max);
                }
                if (!config_placeholder_name_ok(name)) {
                        nat.value = NULL;       /* blame the name */
                        return config_fail(ctx, &nat, NULL,
                                           "bad placeholder name: use letters, digits, '_', '.' and '-'");
                }
                if (!json_object_is_type(list, json_type_array))
                        return config_fail(ctx, &nat, NULL, "expected a list of strings, got %s",
                                           config_json_type(list));
                n = json_object_array_length(list);
                if (n > CONFIG_MAX_PLACEHOLDER_VALUES)
                        return config_fail(ctx, &nat, json_object_array_get_idx(list, CONFIG_MAX_PLACEHOLDER_VALUES),
                                           "more than %d values", CONFIG_MAX_PLACEHOLDER_VALUES);
                vals = json_object_new_array_ext((int)n);
                if (!vals || json_object_object_add(copy, name, vals) < 0) {
                        json_object_put(vals);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < n; i++) {
                        struct json_object *e = json_object_array_get_idx(list, i), *s;

                        if (!json_object_is_type(e, json_type_string) && !json_object_is_type(e, json_type_int) &&
                            !json_object_is_type(e, json_type_double))
                                return config_fail(ctx, &nat, e, "entry %zu: expected a string, got %s", i + 1,
                                                   config_json_type(e));
                        s = json_object_new_string_len(json_object_get_string(e),
                                                       json_object_is_type(e, json_type_string)
                                                               ? json_object_get_string_len(e)
                                                               : (int)strlen(json_object_get_string(e)));
                        if (!s || json_object_array_add(vals, s) < 0) {
                                json_object_put(s);
                                return -ENOMEM;
                        }
                }
        }
        config_release_placeholders(k, base);
        *(struct json_object **)config_field(k, base) = TAKE_PTR(copy);
        return 0;
}

/* ---- change windows ------------------------------------------------- */

static const char *const config_day_names[7][2] = {
        { "mon", "monday" }, { "tue", "tuesday" }, { "wed", "wednesday" }, { "thu", "thursday" },
        { "fri", "friday" }, { "sat", "saturday" }, { "sun", "sunday" },
};

/* "mon", "Monday" → 0 .. 6; -1 when not a day. */
static int config_day(const char *s, size_t len)
{
        for (int d = 0; d < 7; d++)
                for (int f = 0; f < 2; f++)
                        if (strlen(config_day_names[d][f]) == len && strncasecmp(s, config_day_names[d][f], len) == 0)
                                return d;
        return -1;
}

/* "mon" or a range "mon-fri" / "fri-mon" (wrapping) → a day mask; 0 when bad. */
static uint8_t config_days_entry(const char *s)
{
        const char *dash = strchr(s, '-');
        int a, b;
        uint8_t m = 0;

        if (!dash) {
                a = config_day(s, strlen(s));
                return a < 0 ? 0 : (uint8_t)(1u << a);
        }
        a = config_day(s, (size_t)(dash - s));
        b = config_day(dash + 1, strlen(dash + 1));
        if (a < 0 || b < 0)
                return 0;
        for (int d = a;; d = (d + 1) % 7) {
                m |= (uint8_t)(1u << d);
                if (d == b)
                        break;
        }
        return m;
}

/* "HH:MM" (00:00 .. 24:00) → minutes; -1 when bad. */
static int config_clock(const char *s, size_t len)
{
        int h, m;

        if (len != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
            !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
                return -1;
        h = (s[0] - '0') * 10 + (s[1] - '0');
        m = (s[3] - '0') * 10 + (s[4] - '0');
        if (m > 59 || h > 24 || (h == 24 && m != 0))
                return -1;
        return h * 60 + m;
}

static int config_window_days(struct config_ctx *ctx, const struct config_at *at, struct change_window_conf *w)
{
        size_t n;

        if (!json_object_is_type(at->value, json_type_array))
                return config_fail(ctx, at, NULL, "expected a list of days (mon, tue, ... sun), got %s",
                                   config_json_type(at->value));
        n = json_object_array_length(at->value);
        if (n == 0)
                return config_fail(ctx, at, NULL, "no days: leave days out for every day");
        w->days = 0;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(at->value, i);
                uint8_t m = json_object_is_type(e, json_type_string) ? config_days_entry(json_object_get_string(e)) : 0;

                if (!m)
                        return config_fail(ctx, at, e, "entry %zu: '%s' is not a day (mon, tue, wed, thu, fri, sat, "
                                           "sun, or a range like mon-fri)", i + 1,
                                           e ? json_object_get_string(e) : "null");
                w->days |= m;
        }
        return 0;
}

static int config_window_hours(struct config_ctx *ctx, const struct config_at *at, struct change_window_conf *w)
{
        const char *s, *dash;
        int a, b;

        if (!json_object_is_type(at->value, json_type_string))
                return config_fail(ctx, at, NULL, "expected hours like \"08:00-18:00\", got %s",
                                   config_json_type(at->value));
        s = json_object_get_string(at->value);
        dash = strchr(s, '-');
        a = dash ? config_clock(s, (size_t)(dash - s)) : -1;
        b = dash ? config_clock(dash + 1, strlen(dash + 1)) : -1;
        if (a < 0 || b < 0 || a == 24 * 60 || b == 0)
                return config_fail(ctx, at, NULL, "'%s' is not hours like \"08:00-18:00\" (start 00:00..23:59, "
                                   "end 00:01..24:00; 22:00-02:00 crosses midnight)", s);
        if (a == b)
                return config_fail(ctx, at, NULL, "'%s' is empty: start equals end (00:00-24:00 is the whole day)", s);
        w->start_min = (uint16_t)a;
        w->end_min = (uint16_t)b;
        return 0;
}

static void config_release_change_windows(const struct config_key *k, void *base)
{
        struct change_window_conf *w = config_field(k, base);
        size_t *n = (size_t *)((char *)base + k->aux);

        for (size_t i = 0; i < *n; i++) {
                free(w[i].timezone);
                w[i].timezone = NULL;
        }
        *n = 0;
}

/* One window: every key checked before anything is kept; the zone is
 * resolved here, so an unknown zone fails the load. */
static int config_window(struct config_ctx *ctx, const struct config_at *eat, struct change_window_conf *w)
{
        const char *tz = "UTC";
        int r;

        *w = (struct change_window_conf){ .days = 0x7f, .start_min = 0, .end_min = 24 * 60 };
        timefmt_zone_init(&w->zone, tz);
        json_object_object_foreach(eat->value, key, val) {
                char shown[512];
                struct config_at at = { .map = eat->value, .key = key, .value = val, .shown = shown };

                snprintf(shown, sizeof(shown), "%s.%s", eat->shown, key);
                if (!val)
                        continue;       /* null keeps the default */
                if (strcmp(key, "days") == 0) {
                        r = config_window_days(ctx, &at, w);
                } else if (strcmp(key, "hours") == 0) {
                        r = config_window_hours(ctx, &at, w);
                } else if (strcmp(key, "timezone") == 0) {
                        r = config_need(ctx, &at, json_type_string, "a time zone");
                        if (r == 0 && timefmt_zone_init(&w->zone, json_object_get_string(val)) < 0)
                                r = config_fail(ctx, &at, NULL, "unknown time zone '%s' (UTC, +02:00, or a name "
                                                "under /usr/share/zoneinfo)", json_object_get_string(val));
                        if (r == 0)
                                tz = json_object_get_string(val);
                } else {
                        at.value = NULL;        /* blame the key */
                        r = config_fail(ctx, &at, NULL, "unknown key (days, hours, timezone)");
                }
                if (r < 0)
                        return r;
        }
        w->timezone = strdup(tz);
        return w->timezone ? 0 : -ENOMEM;
}

static int config_set_change_windows(struct config_ctx *ctx, const struct config_key *k, void *base,
                                     const struct config_at *at)
{
        struct change_window_conf nw[CONFIG_MAX_CHANGE_WINDOWS];
        struct change_window_conf *w = config_field(k, base);
        size_t *n = (size_t *)((char *)base + k->aux);
        size_t len;
        int r = config_need_list(ctx, at, k, "a list of change windows ({days, hours, timezone})", &len);

        if (r < 0)
                return r;
        for (size_t i = 0; i < len; i++) {
                struct json_object *e = json_object_array_get_idx(at->value, i);
                char shown[256];
                struct config_at eat = { .map = at->map, .key = at->key, .value = e, .shown = shown };

                snprintf(shown, sizeof(shown), "%s[%zu]", at->shown, i);
                if (!json_object_is_type(e, json_type_object))
                        r = config_fail(ctx, &eat, e, "expected a mapping {days, hours, timezone}, got %s",
                                        config_json_type(e));
                else
                        r = config_window(ctx, &eat, &nw[i]);
                if (r < 0) {
                        for (size_t j = 0; j < i; j++)
                                free(nw[j].timezone);
                        if (r == -ENOMEM)
                                snprintf(ctx->err->msg, sizeof(ctx->err->msg), "out of memory");
                        return r;
                }
        }
        config_release_change_windows(k, base);
        memcpy(w, nw, len * sizeof(*w));
        *n = len;
        return 0;
}

static int config_set_map_list(struct config_ctx *ctx, const struct config_key *k, void *base,
                               const struct config_at *at);
static void config_release_map_list(const struct config_key *k, void *base);

const struct config_type_ops config_types[_CONFIG_TYPE_MAX] = {
        [CONFIG_SECTION] = { "mapping", NULL, NULL, NULL },
        [CONFIG_MAP_LIST] = { "list of mappings", config_set_map_list, config_release_map_list, NULL },
        [CONFIG_STRING] = { "string", config_set_string, config_release_string, NULL },
        [CONFIG_BOOL] = { "bool", config_set_bool, NULL, NULL },
        [CONFIG_UINT] = { "integer", config_set_uint, NULL, config_value_format_uint },
        [CONFIG_SIZE] = { "size", config_set_size, NULL, config_value_format_size },
        [CONFIG_DURATION] = { "duration", config_set_duration, NULL, config_value_format_duration },
        [CONFIG_ENUM] = { "enum", config_set_enum, config_release_string, NULL },
        [CONFIG_FRAMING] = { "enum", config_set_framing, NULL, NULL },
        [CONFIG_ADDRESS] = { "address", config_set_address, config_release_string, NULL },
        [CONFIG_TIMEZONE] = { "time zone", config_set_timezone, config_release_string, NULL },
        [CONFIG_STRING_LIST] = { "list of strings", config_set_string_list, config_release_string_list, NULL },
        [CONFIG_FSYNC] = { "policy", config_set_fsync, NULL, config_value_format_duration },
        [CONFIG_PLACEHOLDERS] = { "mapping of lists", config_set_placeholders, config_release_placeholders, NULL },
        [CONFIG_CHANGE_WINDOWS] = { "list of change windows", config_set_change_windows,
                                    config_release_change_windows, NULL },
};

/* ---- table walking -------------------------------------------------- */

static const struct config_key *config_key_find(const char *path)
{
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (strcmp(config_keys[i].path, path) == 0)
                        return &config_keys[i];
        return NULL;
}

const char *config_leaf(const char *path, size_t *parent_len)
{
        const char *dot = strrchr(path, '.');
        const char *leaf = dot ? dot + 1 : path;

        if (parent_len)
                *parent_len = (size_t)(leaf - path);
        return leaf;
}

static unsigned config_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned row[65];

        if (la > 64 || lb > 64)
                return 99;
        for (size_t j = 0; j <= lb; j++)
                row[j] = (unsigned)j;
        for (size_t i = 1; i <= la; i++) {
                unsigned diag = row[0];

                row[0] = (unsigned)i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);

                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        diag = up;
                        row[j] = best;
                }
        }
        return row[lb];
}

/* The known key closest to `key` (given under `prefix`), or NULL. */
static const struct config_key *config_suggest(const char *prefix, const char *key)
{
        const struct config_key *best = NULL;
        unsigned best_d = 3;
        char full[256];

        snprintf(full, sizeof(full), "%s%s", prefix, key);
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const struct config_key *k = &config_keys[i];
                size_t plen;
                const char *leaf = config_leaf(k->path, &plen);
                unsigned d;

                if (plen == strlen(prefix) && strncmp(k->path, prefix, plen) == 0)
                        d = config_distance(key, leaf);         /* a sibling */
                else if (strcmp(key, leaf) == 0)
                        d = 1;                                  /* right name, wrong place */
                else
                        d = config_distance(full, k->path);
                if (d < best_d) {
                        best = k;
                        best_d = d;
                }
        }
        return best;
}

static int config_apply_value(struct config_ctx *ctx, const struct config_key *k, void *listen_base,
                              const struct config_at *at);

/* Apply every key of `map`, whose table paths start with `prefix` and are
 * shown to the user with `shown_prefix` ("listen[2]."). */
static int config_apply_map(struct config_ctx *ctx, struct json_object *map, const char *prefix,
                            const char *shown_prefix, void *listen_base)
{
        json_object_object_foreach(map, key, val) {
                char path[256], shown[256];
                struct config_at at = { .map = map, .key = key, .value = val, .shown = shown };
                const struct config_key *k;
                int r;

                snprintf(path, sizeof(path), "%s%s", prefix, key);
                snprintf(shown, sizeof(shown), "%s%s", shown_prefix, key);
                k = config_key_find(path);
                if (!k) {
                        const struct config_key *s = config_suggest(prefix, key);

                        at.value = NULL;        /* blame the key, not its value */
                        if (s)
                                return config_fail(ctx, &at, NULL, "unknown key (did you mean '%s'?)", s->path);
                        return config_fail(ctx, &at, NULL, "unknown key");
                }
                if (!val)
                        continue;       /* null keeps the default */
                r = config_apply_value(ctx, k, listen_base, &at);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int config_apply_value(struct config_ctx *ctx, const struct config_key *k, void *listen_base,
                              const struct config_at *at)
{
        void *base = k->base == CONFIG_BASE_LISTEN ? listen_base : (void *)ctx->cfg;

        if (k->type == CONFIG_SECTION) {
                char prefix[256], shown[256];
                int r = config_need(ctx, at, json_type_object, "a mapping");

                if (r < 0)
                        return r;
                snprintf(prefix, sizeof(prefix), "%s.", k->path);
                snprintf(shown, sizeof(shown), "%s.", at->shown);
                return config_apply_map(ctx, at->value, prefix, shown, listen_base);
        }
        return config_types[k->type].set(ctx, k, base, at);
}

/* Apply the default of every key of `base` under `prefix` ("" for the top). */
static int config_apply_defaults(struct config_ctx *ctx, enum config_base b, const char *prefix,
                                 void *base)
{
        bool root = geteuid() == 0;

        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const struct config_key *k = &config_keys[i];
                const char *def = (!root && k->def_user) ? k->def_user : k->def;
                _cleanup_json_ struct json_object *docs = NULL;
                struct yaml_error yerr;
                struct config_at at = { .key = k->path, .shown = k->path };
                int r;

                if (k->base != b || !def || k->type == CONFIG_SECTION ||
                    strncmp(k->path, prefix, strlen(prefix)) != 0)
                        continue;
                r = yaml_load_buffer("<default>", def, strlen(def), &docs, &yerr);
                if (r < 0)
                        return config_fail(ctx, &at, NULL, "bad default '%s': %s", def, yerr.msg);
                at.value = json_object_array_get_idx(docs, 0);
                r = config_types[k->type].set(ctx, k, base, &at);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void config_release_base(enum config_base b, void *base)
{
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const struct config_key *k = &config_keys[i];

                if (k->base == b && config_types[k->type].release)
                        config_types[k->type].release(k, base);
        }
}

static void config_release_map_list(const struct config_key *k, void *base)
{
        size_t *n = (size_t *)((char *)base + k->aux);

        for (size_t i = 0; i < *n; i++)
                config_release_base(CONFIG_BASE_LISTEN, (char *)config_field(k, base) + i * k->elem_size);
        *n = 0;
}

/* Where listen[i].tls.<key> is: its value when given, else the tls
 * mapping, else the listen[i] entry. */
static void config_tls_at(struct config_at *kat, char *shown, size_t len, const char *list_shown, size_t i,
                          struct json_object *entry, struct json_object *tls, const char *key)
{
        struct json_object *v = NULL;

        snprintf(shown, len, "%s[%zu].tls.%s", list_shown, i, key);
        *kat = (struct config_at) { .shown = shown };
        if (tls && json_object_is_type(tls, json_type_object) && json_object_object_get_ex(tls, key, &v) && v) {
                kat->map = tls;
                kat->key = key;
                kat->value = v;
        } else {
                kat->map = entry;
                kat->key = "tls";
                kat->value = tls;
        }
}

/* listen[i] as a whole, once its keys are set: the TLS keys that go
 * together, the allowed_peers patterns (checked, lower-cased), and the
 * certificate, key and CA files themselves, loaded as the listener will
 * load them, so that --check and a reload find what a start would. */
static int config_check_listen(struct config_ctx *ctx, const struct config_at *at, struct json_object *entry,
                               size_t i, struct listen_conf *lc)
{
        struct listen_tls_conf *t = &lc->tls;
        struct json_object *tls = NULL, *v = NULL;
        struct tls_server *srv = NULL;
        enum tls_conf_key bad;
        struct config_at kat;
        char shown[256], why[512];
        int r;

        json_object_object_get_ex(entry, "tls", &tls);
        t->verify = TLS_CLIENT_CERT_REQUIRED;
        for (int m = 0; m < _TLS_CLIENT_CERT_MAX; m++)
                if (t->client_cert && strcmp(t->client_cert, config_client_certs[m]) == 0)
                        t->verify = (enum tls_client_cert)m;
        if (!t->cert && !t->key && !t->ca && !t->nallowed_peers) {
                if (!lc->bind_host_to_peer)
                        return 0;
                json_object_object_get_ex(entry, "bind_host_to_peer", &v);
                snprintf(shown, sizeof(shown), "%s[%zu].bind_host_to_peer", at->shown, i);
                kat = (struct config_at) { .map = entry, .key = "bind_host_to_peer", .value = v, .shown = shown };
                return config_fail(ctx, &kat, NULL, "needs TLS with client certificates (tls: cert, key, ca)");
        }
        if (!t->cert || !t->key) {
                config_tls_at(&kat, shown, sizeof(shown), at->shown, i, entry, tls, t->cert ? "key" : "cert");
                return config_fail(ctx, &kat, NULL, "required key missing (TLS needs cert and key)");
        }
        if (t->verify == TLS_CLIENT_CERT_NONE && t->ca) {
                config_tls_at(&kat, shown, sizeof(shown), at->shown, i, entry, tls, "ca");
                return config_fail(ctx, &kat, NULL,
                                   "client_cert is none, so no client certificate is checked against it "
                                   "(set client_cert: required, or remove ca)");
        }
        if (t->verify != TLS_CLIENT_CERT_NONE && !t->ca) {
                config_tls_at(&kat, shown, sizeof(shown), at->shown, i, entry, tls, "ca");
                return config_fail(ctx, &kat, NULL,
                                   "required key missing: client_cert is %s%s and client certificates are "
                                   "verified against ca (client_cert: none accepts clients without one)",
                                   config_client_certs[t->verify],
                                   t->verify == TLS_CLIENT_CERT_REQUIRED ? " (the default)" : "");
        }
        if (t->nallowed_peers && t->verify != TLS_CLIENT_CERT_REQUIRED) {
                config_tls_at(&kat, shown, sizeof(shown), at->shown, i, entry, tls, "allowed_peers");
                return config_fail(ctx, &kat, NULL, "needs client_cert: required (a client without a "
                                                    "certificate has no name to match)");
        }
        for (size_t p = 0; p < t->nallowed_peers; p++) {
                if (tls_pattern_check(t->allowed_peers[p], why, sizeof(why)) < 0) {
                        struct json_object *list = NULL;

                        config_tls_at(&kat, shown, sizeof(shown), at->shown, i, entry, tls, "allowed_peers");
                        if (kat.map == tls)
                                list = kat.value;
                        return config_fail(ctx, &kat, list ? json_object_array_get_idx(list, p) : NULL,
                                           "entry %zu: %s", p + 1, why);
                }
                for (char *c = t->allowed_peers[p]; *c; c++)
                        *c = (char)tolower((unsigned char)*c);
        }
        if (lc->bind_host_to_peer && t->verify != TLS_CLIENT_CERT_REQUIRED) {
                json_object_object_get_ex(entry, "bind_host_to_peer", &v);
                snprintf(shown, sizeof(shown), "%s[%zu].bind_host_to_peer", at->shown, i);
                kat = (struct config_at) { .map = entry, .key = "bind_host_to_peer", .value = v, .shown = shown };
                return config_fail(ctx, &kat, NULL, "needs tls.client_cert: required");
        }
        if (ctx->flags & CONFIG_LOAD_SKIP_FILES)
                return 0;
        r = tls_server_new(t, &srv, &bad, why, sizeof(why));
        if (r == -ENOMEM) {
                snprintf(ctx->err->msg, sizeof(ctx->err->msg), "out of memory");
                return r;
        }
        if (r < 0) {
                config_tls_at(&kat, shown, sizeof(shown), at->shown, i, entry, tls, tls_conf_key_name(bad));
                return config_fail(ctx, &kat, NULL, "%s", why);
        }
        tls_server_free(srv);
        return 0;
}

static int config_set_map_list(struct config_ctx *ctx, const struct config_key *k, void *base,
                               const struct config_at *at)
{
        size_t *n = (size_t *)((char *)base + k->aux);
        char prefix[128];
        size_t len;
        int r = config_need_list(ctx, at, k, "a list of mappings", &len);

        if (r < 0)
                return r;
        snprintf(prefix, sizeof(prefix), "%s[].", k->path);
        config_release_map_list(k, base);
        for (size_t i = 0; i < len; i++) {
                struct json_object *e = json_object_array_get_idx(at->value, i);
                void *elem = (char *)config_field(k, base) + i * k->elem_size;
                char shown[256];
                struct config_at eat = { .map = at->map, .key = at->key, .value = e, .shown = shown };

                snprintf(shown, sizeof(shown), "%s[%zu]", at->shown, i);
                if (!json_object_is_type(e, json_type_object))
                        return config_fail(ctx, &eat, e, "expected a mapping, got %s", config_json_type(e));
                memset(elem, 0, k->elem_size);
                *n = i + 1;
                r = config_apply_defaults(ctx, CONFIG_BASE_LISTEN, prefix, elem);
                if (r < 0)
                        return r;
                snprintf(shown, sizeof(shown), "%s[%zu].", at->shown, i);
                r = config_apply_map(ctx, e, prefix, shown, elem);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < ELEMENTSOF(config_keys); j++) {
                        const struct config_key *c = &config_keys[j];
                        const char *leaf = config_leaf(c->path, NULL);
                        struct json_object *v = NULL;

                        if (!c->required || strncmp(c->path, prefix, strlen(prefix)) != 0)
                                continue;
                        if (!json_object_object_get_ex(e, leaf, &v) || !v) {
                                snprintf(shown, sizeof(shown), "%s[%zu].%s", at->shown, i, leaf);
                                return config_fail(ctx, &eat, e, "required key missing");
                        }
                }
                /* listen[] is the only list of mappings */
                r = config_check_listen(ctx, at, e, i, elem);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- load ----------------------------------------------------------- */

struct config *config_default(void)
{
        struct config_error err;
        struct config *c = calloc(1, sizeof(*c));
        struct config_ctx ctx = { .file = "<built-in default>", .cfg = c, .err = &err };

        if (!c)
                return NULL;
        if (config_apply_defaults(&ctx, CONFIG_BASE_CONFIG, "", c) < 0) {
                /* only ENOMEM, or a bad table (the unit tests catch that) */
                config_free(c);
                return NULL;
        }
        return c;
}

void config_free(struct config *c)
{
        if (!c)
                return;
        config_release_base(CONFIG_BASE_CONFIG, c);
        free(c->path);
        free(c);
}

int config_load(const char *path, struct config **out, struct config_error *err)
{
        return config_load_flags(path, 0, out, err);
}

int config_load_flags(const char *path, unsigned flags, struct config **out, struct config_error *err)
{
        struct config_error dummy;
        _cleanup_json_ struct json_object *docs = NULL;
        struct config *c = NULL;
        struct yaml_error yerr;
        struct json_object *root;
        struct config_ctx ctx;
        size_t ndocs;
        int r;

        if (!err)
                err = &dummy;
        err->msg[0] = '\0';
        ctx = (struct config_ctx) { .file = path, .err = err, .flags = flags };
        if (!path || !out) {
                snprintf(err->msg, sizeof(err->msg), "no config path");
                return -EINVAL;
        }
        r = yaml_load_file(path, &docs, &yerr);
        if (r < 0) {
                if (yerr.line)
                        snprintf(err->msg, sizeof(err->msg), "%s:%u:%u: %s", path, yerr.line, yerr.column,
                                 yerr.msg);
                else
                        snprintf(err->msg, sizeof(err->msg), "%s: %s", path, yerr.msg);
                return r;
        }
        ndocs = json_object_array_length(docs);
        if (ndocs > 1)
                return config_fail(&ctx, NULL, json_object_array_get_idx(docs, 1),
                                   "several YAML documents; the config is one document");
        root = ndocs ? json_object_array_get_idx(docs, 0) : NULL;
        if (!root) {
                snprintf(err->msg, sizeof(err->msg),
                         "%s:1:1: empty config (write {} to run with every default)", path);
                return -EINVAL;
        }
        if (!json_object_is_type(root, json_type_object))
                return config_fail(&ctx, NULL, root, "the top level must be a mapping of settings, not %s",
                                   config_json_type(root));

        c = config_default();
        if (!c) {
                snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
                return -ENOMEM;
        }
        ctx.cfg = c;
        r = config_apply_map(&ctx, root, "", "", NULL);
        if (r == 0) {
                c->path = strdup(path);
                if (!c->path)
                        r = -ENOMEM;
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
                config_free(c);
                return r;
        }
        *out = c;
        return 0;
}
