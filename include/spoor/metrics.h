/* Process-wide counters (spoord is single-threaded: plain integers).  The
 * conservation law: events_received = events_accepted + sum(events_rejected). */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include "spoor/framing.h"
#include "spoor/reject.h"
#include "spoor/taskxml.h"
#include "spoor/tls.h"

enum conn_reject_reason {
        CONN_REJ_MAX_CONNECTIONS,
        CONN_REJ_MAX_PER_PEER,
        CONN_REJ_TLS_ON_PLAIN,
        CONN_REJ_ACCEPT_ERROR,
        CONN_REJ_MAX_HANDSHAKES,        /* limits.max_handshakes TLS handshakes already in progress */
        _CONN_REJ_MAX,
};

enum conn_close_reason {
        CONN_CLOSE_EOF,
        CONN_CLOSE_IDLE,
        CONN_CLOSE_ERROR,
        CONN_CLOSE_SHUTDOWN,
        CONN_CLOSE_TLS_HANDSHAKE,       /* the TLS handshake failed (tls_handshakes_failed says why) */
        CONN_CLOSE_FRAME_TIMEOUT,       /* a frame stayed incomplete too long (limits.frame_timeout) */
        _CONN_CLOSE_MAX,
};

enum http_batch {
        HTTP_BATCH_OK,          /* taken, durable: 200 */
        HTTP_BATCH_REFUSED,     /* a bad line, too large, no token, from a web page: 4xx, nothing taken */
        HTTP_BATCH_FAILED,      /* not durable (spool), or stopping: 503, send again */
};

struct metrics {
        uint64_t events_received;
        uint64_t events_accepted;
        uint64_t events_rejected[_REJ_MAX];
        uint64_t events_repaired_utf8;  /* accepted after bytes that are not UTF-8 became U+FFFD */
        uint64_t events_repaired_big_int;       /* accepted with an integer beyond 64 bits kept as text */
        uint64_t events_late;
        uint64_t events_skewed;         /* event time too far ahead of receive time */
        uint64_t corr_groups;           /* gauge: open correlation windows */
        uint64_t corr_evicted;          /* correlation windows evicted by the bound */
        uint64_t corr_state_bytes;      /* gauge: memory held by correlation windows */
        uint64_t state_saves_ok, state_saves_failed;    /* correlation.state written (or not) */
        uint64_t state_restored_windows;        /* gauge: windows restored at the last start */
        uint64_t first_seen_entries;    /* gauge: first_seen baseline entries */
        uint64_t first_seen_evicted;    /* first_seen entries evicted by limits.max_first_seen */
        uint64_t logon_sessions;        /* gauge: logon sessions the enrichment remembers */
        uint64_t logon_sessions_evicted;        /* ... evicted by limits.max_logon_sessions */
        uint64_t frames[_FRAME_METHOD_MAX];
        uint64_t frames_empty;
        uint64_t bytes_received;
        uint64_t syslog_pri_invalid;
        uint64_t engine_queue_full;     /* the decoding thread waited for the engine thread (pipeline.c) */
        uint64_t connections_accepted;
        uint64_t connections_active;
        uint64_t connections_rejected[_CONN_REJ_MAX];
        uint64_t connections_closed[_CONN_CLOSE_MAX];
        uint64_t tls_handshakes;        /* TLS handshakes completed */
        uint64_t tls_handshakes_failed[_TLS_FAIL_MAX];  /* by enum tls_fail_reason */
        uint64_t events_peer_mismatch;  /* accepted events whose host the client certificate does not
                                         * name (bind_host_to_peer: kept, flagged SpoorPeerMismatch) */
        uint64_t dialect[8];            /* by enum dialect */
        uint64_t http_requests;
        uint64_t http_batches[3];       /* POST /v1/events bodies by enum http_batch */
        uint64_t reloads_ok, reloads_failed;
        uint64_t rules_loaded;          /* gauge: rules in the running set */
        uint64_t rules_stable;          /* gauge: of them, status stable */
        uint64_t rules_promoted;        /* rules a reload found stable that were loaded with another status */
        double gaps_ttr_median_s;       /* gauge: median time to remediation of the closed gaps
                                         * (include/spoor/gaps.h); rendered NaN while none closed */
        uint64_t rules_unsupported;     /* gauge: rules skipped at the last load */
        uint64_t spool_write_errors;    /* failed or short spool writes, failed fsyncs */
        uint64_t spool_dropped;         /* records the spool's retry queue could not hold */
        uint64_t spool_torn_repaired;   /* torn tails cut at open */
        uint64_t spool_rotations;
        uint64_t leads[5][3];           /* by enum sigma_level (informational .. critical) and
                                         * kind (match, correlation, escalation); bumped by
                                         * whoever writes the lead to the spool */
        uint64_t leads_suppressed;      /* repeated leads not written (noise: suppress) */
        uint64_t lead_summaries;        /* summary records of suppressed leads */
        uint64_t suppress_evicted;      /* suppression windows ended early by the bound */
        uint64_t escalation_evicted;    /* hosts' escalation state evicted by the bound */
        uint64_t task_xml_rejected[_TASKXML_REJ_MAX];   /* 4698/4702 task XML not used, by reason
                                                         * (the event is kept: taskxml.h) */
        uint64_t gaps_open;             /* gauge: open telemetry-coverage gaps */
        uint64_t gaps_opened[10];        /* by enum gap_kind (include/spoor/gaps.h) */
        uint64_t gaps_closed;
        uint64_t spool_recreated;       /* spool directory or stream file found removed, recreated */
        uint64_t coverage_field_pairs_dropped;  /* field observations not kept (a host channel's cap) */
        uint64_t coverage_field_gaps_capped;    /* field_missing gaps not opened (a host's cap) */
        uint64_t coverage_chans_dropped;        /* events of a host's channels beyond COVERAGE_MAX_CHANS */
        uint64_t coverage_hosts_evicted;        /* hosts the coverage model forgot (bound) */
        int64_t start_us;
        int64_t start_mono_us;          /* CLOCK_MONOTONIC at start: uptime does not follow wall-clock steps */
};

extern struct metrics metrics;

uint64_t metrics_rejected_total(void);
const char *conn_reject_reason_name(enum conn_reject_reason r);
const char *conn_close_reason_name(enum conn_close_reason r);

/* Prometheus text exposition format 0.0.4. */
void metrics_render(FILE *out);
