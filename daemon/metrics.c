/* Process-wide counters and their Prometheus exposition. */
#include <inttypes.h>
#include <stdio.h>

#include "spoor/cleanup.h"
#include "spoor/winevent.h"
#include "spoor/gaps.h"
#include "spoor/metrics.h"
#include "spoor/timefmt.h"
#include "spoor-config.h"

struct metrics metrics;

static const char *const reject_names[_REJ_MAX] = {
        [REJ_NONE] = "none",
        [REJ_OVERSIZE] = "oversize",
        [REJ_BAD_OCTET_COUNT] = "bad_octet_count",
        [REJ_TRUNCATED] = "truncated",
        [REJ_BAD_PRI] = "bad_pri",
        [REJ_BAD_SYSLOG] = "bad_syslog",
        [REJ_NOT_JSON] = "not_json",
        [REJ_NOT_OBJECT] = "not_object",
        [REJ_TRAILING_GARBAGE] = "trailing_garbage",
        [REJ_MULTIPLE_OBJECTS] = "multiple_objects",
        [REJ_TOO_DEEP] = "too_deep",
        [REJ_DUPLICATE_KEY] = "duplicate_key",
        [REJ_UNKNOWN_DIALECT] = "unknown_dialect",
        [REJ_MISSING_EVENT_ID] = "missing_event_id",
        [REJ_BAD_EVENT_ID] = "bad_event_id",
        [REJ_MISSING_HOST] = "missing_host",
        [REJ_BAD_HOST] = "bad_host",
        [REJ_MISSING_CHANNEL] = "missing_channel",
        [REJ_BAD_CHANNEL] = "bad_channel",
        [REJ_BAD_PROVIDER] = "bad_provider",
        [REJ_BAD_RECORD_ID] = "bad_record_id",
        [REJ_BAD_TIME] = "bad_time",
        [REJ_INTERNAL] = "internal",
};

const char *reject_reason_name(enum reject_reason r)
{
        if (r < 0 || r >= _REJ_MAX || !reject_names[r])
                return "unknown";
        return reject_names[r];
}

static const char *const conn_reject_names[_CONN_REJ_MAX] = {
        [CONN_REJ_MAX_CONNECTIONS] = "max_connections",
        [CONN_REJ_MAX_PER_PEER] = "max_connections_per_peer",
        [CONN_REJ_TLS_ON_PLAIN] = "tls_on_plain_port",
        [CONN_REJ_ACCEPT_ERROR] = "accept_error",
        [CONN_REJ_MAX_HANDSHAKES] = "max_handshakes",
};

const char *conn_reject_reason_name(enum conn_reject_reason r)
{
        return r < _CONN_REJ_MAX ? conn_reject_names[r] : "unknown";
}

static const char *const conn_close_names[_CONN_CLOSE_MAX] = {
        [CONN_CLOSE_EOF] = "eof",
        [CONN_CLOSE_IDLE] = "idle_timeout",
        [CONN_CLOSE_ERROR] = "error",
        [CONN_CLOSE_SHUTDOWN] = "shutdown",
        [CONN_CLOSE_TLS_HANDSHAKE] = "tls_handshake_failed",
        [CONN_CLOSE_FRAME_TIMEOUT] = "frame_timeout",
};

const char *conn_close_reason_name(enum conn_close_reason r)
{
        return r < _CONN_CLOSE_MAX ? conn_close_names[r] : "unknown";
}

/* Labels of metrics.leads[level][kind]: enum sigma_level order, then the
 * lead kinds of DESIGN §3.3. */
static const char *const lead_level_names[ELEMENTSOF(metrics.leads)] = {
        "informational", "low", "medium", "high", "critical",
};
static const char *const lead_kind_names[ELEMENTSOF(metrics.leads[0])] = {
        "match", "correlation", "escalation",
};

uint64_t metrics_rejected_total(void)
{
        uint64_t sum = 0;

        for (size_t i = REJ_NONE + 1; i < _REJ_MAX; i++)     /* REJ_NONE is not a reason */
                sum += metrics.events_rejected[i];
        return sum;
}

static void metrics_head(FILE *out, const char *name, const char *type, const char *help)
{
        fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_one(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
        metrics_head(out, name, type, help);
        fprintf(out, "%s %" PRIu64 "\n", name, v);
}

void metrics_render(FILE *out)
{
        metrics_head(out, "spoor_build_info", "gauge", "Version of spoord.");
        fprintf(out, "spoor_build_info{version=\"%s\"} 1\n", SPOOR_VERSION);
        metrics_head(out, "spoor_start_time_seconds", "gauge", "When spoord started, seconds since the epoch.");
        fprintf(out, "spoor_start_time_seconds %" PRId64 "\n", metrics.start_us / 1000000);

        metrics_one(out, "spoor_events_received_total", "counter",
                    "Events received (frames); = accepted + rejected.", metrics.events_received);
        metrics_one(out, "spoor_events_accepted_total", "counter",
                    "Events decoded and passed on.", metrics.events_accepted);
        metrics_head(out, "spoor_events_rejected_total", "counter", "Events rejected, by reason.");
        for (size_t i = 1; i < _REJ_MAX; i++)
                fprintf(out, "spoor_events_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
                        reject_reason_name(i), metrics.events_rejected[i]);
        metrics_head(out, "spoor_events_repaired_total", "counter",
                     "Events accepted after mending: bytes that are not UTF-8 became U+FFFD (utf8), "
                     "an integer beyond 64 bits was kept as its text (big_integer).");
        fprintf(out, "spoor_events_repaired_total{what=\"utf8\"} %" PRIu64 "\n", metrics.events_repaired_utf8);
        fprintf(out, "spoor_events_repaired_total{what=\"big_integer\"} %" PRIu64 "\n",
                metrics.events_repaired_big_int);
        metrics_one(out, "spoor_events_late_total", "counter",
                    "Events older than the watermark.", metrics.events_late);
        metrics_one(out, "spoor_events_skewed_total", "counter",
                    "Events dated further ahead of their receive time than time.max_future.", metrics.events_skewed);
        metrics_one(out, "spoor_correlation_groups", "gauge",
                    "Open correlation windows (correlation x group key).", metrics.corr_groups);
        metrics_one(out, "spoor_correlation_evicted_total", "counter",
                    "Correlation windows evicted by the bound (least recently active first).", metrics.corr_evicted);
        metrics_one(out, "spoor_correlation_state_bytes", "gauge",
                    "Memory held by correlation windows, approximately.", metrics.corr_state_bytes);
        metrics_head(out, "spoor_state_saves_total", "counter", "Saves of the correlation state, by result.");
        fprintf(out, "spoor_state_saves_total{result=\"ok\"} %" PRIu64 "\n", metrics.state_saves_ok);
        fprintf(out, "spoor_state_saves_total{result=\"failed\"} %" PRIu64 "\n", metrics.state_saves_failed);
        metrics_one(out, "spoor_state_restored_windows", "gauge",
                    "Correlation windows restored from the state file at start.", metrics.state_restored_windows);
        metrics_one(out, "spoor_first_seen_entries", "gauge",
                    "first_seen baseline entries (correlation x group x combination of fields).",
                    metrics.first_seen_entries);
        metrics_one(out, "spoor_first_seen_evicted_total", "counter",
                    "first_seen entries evicted by limits.max_first_seen (least recently seen first).",
                    metrics.first_seen_evicted);
        metrics_one(out, "spoor_logon_sessions", "gauge",
                    "Logon sessions (host x logon id) remembered for the SubjectLogonPrivileged field.",
                    metrics.logon_sessions);
        metrics_one(out, "spoor_logon_sessions_evicted_total", "counter",
                    "Logon sessions evicted by limits.max_logon_sessions (least recently active first).",
                    metrics.logon_sessions_evicted);
        metrics_head(out, "spoor_events_dialect_total", "counter", "Accepted events by input dialect.");
        for (int d = 0; d < _DIALECT_MAX; d++)
                fprintf(out, "spoor_events_dialect_total{dialect=\"%s\"} %" PRIu64 "\n",
                        dialect_name(d), metrics.dialect[d]);
        metrics_head(out, "spoor_frames_total", "counter", "Frames by framing method.");
        for (int m = 0; m < _FRAME_METHOD_MAX; m++)
                fprintf(out, "spoor_frames_total{framing=\"%s\"} %" PRIu64 "\n",
                        frame_method_name(m), metrics.frames[m]);
        metrics_one(out, "spoor_frames_empty_total", "counter",
                    "Empty lines skipped (not events).", metrics.frames_empty);
        metrics_one(out, "spoor_bytes_received_total", "counter",
                    "Bytes read from TCP connections and replayed files.", metrics.bytes_received);
        metrics_one(out, "spoor_syslog_pri_invalid_total", "counter",
                    "Syslog headers with a numeric PRI above 191 (event kept).", metrics.syslog_pri_invalid);
        metrics_one(out, "spoor_engine_queue_full_total", "counter",
                    "Times the reading thread found the engine thread's queue full and waited (engine_thread).",
                    metrics.engine_queue_full);
        metrics_one(out, "spoor_connections_active", "gauge",
                    "Open TCP connections.", metrics.connections_active);
        metrics_one(out, "spoor_connections_accepted_total", "counter",
                    "TCP connections accepted.", metrics.connections_accepted);
        metrics_head(out, "spoor_connections_rejected_total", "counter",
                     "TCP connections refused or closed at once, by reason.");
        for (int r = 0; r < _CONN_REJ_MAX; r++)
                fprintf(out, "spoor_connections_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
                        conn_reject_reason_name(r), metrics.connections_rejected[r]);
        metrics_head(out, "spoor_connections_closed_total", "counter", "TCP connections closed, by reason.");
        for (int r = 0; r < _CONN_CLOSE_MAX; r++)
                fprintf(out, "spoor_connections_closed_total{reason=\"%s\"} %" PRIu64 "\n",
                        conn_close_reason_name(r), metrics.connections_closed[r]);
        metrics_one(out, "spoor_tls_handshakes_total", "counter",
                    "TLS handshakes completed on stream listeners.", metrics.tls_handshakes);
        metrics_head(out, "spoor_tls_handshakes_failed_total", "counter",
                     "TLS handshakes that failed, by reason (the connection is closed).");
        for (int r = 0; r < _TLS_FAIL_MAX; r++)
                fprintf(out, "spoor_tls_handshakes_failed_total{reason=\"%s\"} %" PRIu64 "\n",
                        tls_fail_reason_name(r), metrics.tls_handshakes_failed[r]);
        metrics_one(out, "spoor_events_peer_mismatch_total", "counter",
                    "Accepted events whose host the client certificate does not name (bind_host_to_peer; "
                    "kept, with field SpoorPeerMismatch).", metrics.events_peer_mismatch);
        metrics_one(out, "spoor_http_requests_total", "counter",
                    "HTTP requests served.", metrics.http_requests);
        metrics_head(out, "spoor_http_batches_total", "counter",
                     "POST /v1/events bodies: ok (taken and durable), refused (4xx, nothing taken), failed (503).");
        fprintf(out, "spoor_http_batches_total{result=\"ok\"} %" PRIu64 "\n", metrics.http_batches[HTTP_BATCH_OK]);
        fprintf(out, "spoor_http_batches_total{result=\"refused\"} %" PRIu64 "\n",
                metrics.http_batches[HTTP_BATCH_REFUSED]);
        fprintf(out, "spoor_http_batches_total{result=\"failed\"} %" PRIu64 "\n",
                metrics.http_batches[HTTP_BATCH_FAILED]);
        metrics_one(out, "spoor_rules_loaded", "gauge", "Sigma rules in the running set.", metrics.rules_loaded);
        metrics_one(out, "spoor_rules_stable", "gauge", "Of the rules in the running set, those of status stable.",
                    metrics.rules_stable);
        metrics_one(out, "spoor_rules_promoted_total", "counter",
                    "Rules a reload found with status stable that were running with another status.",
                    metrics.rules_promoted);
        metrics_one(out, "spoor_rules_unsupported", "gauge",
                    "Sigma rules skipped at the last load (spoord --check lists why).", metrics.rules_unsupported);
        metrics_head(out, "spoor_reloads_total", "counter", "Configuration reloads, by result.");
        fprintf(out, "spoor_reloads_total{result=\"ok\"} %" PRIu64 "\n", metrics.reloads_ok);
        fprintf(out, "spoor_reloads_total{result=\"failed\"} %" PRIu64 "\n", metrics.reloads_failed);
        metrics_one(out, "spoor_spool_write_errors_total", "counter",
                    "Spool writes or fsyncs that failed (records kept for a retry).", metrics.spool_write_errors);
        metrics_one(out, "spoor_spool_dropped_total", "counter",
                    "Spool records lost: the retry queue was full, or still full at exit.", metrics.spool_dropped);
        metrics_one(out, "spoor_spool_torn_repaired_total", "counter",
                    "Torn spool tails (unfinished last lines) cut at open.", metrics.spool_torn_repaired);
        metrics_one(out, "spoor_spool_recreated_total", "counter",
                    "Times the spool directory or a stream file was found removed and recreated.",
                    metrics.spool_recreated);
        metrics_one(out, "spoor_spool_rotations_total", "counter",
                    "Spool files rotated by size.", metrics.spool_rotations);
        metrics_head(out, "spoor_leads_total", "counter", "Leads written, by rule level and kind.");
        for (size_t l = 0; l < ELEMENTSOF(metrics.leads); l++)
                for (size_t k = 0; k < ELEMENTSOF(metrics.leads[0]); k++)
                        fprintf(out, "spoor_leads_total{level=\"%s\",kind=\"%s\"} %" PRIu64 "\n",
                                lead_level_names[l], lead_kind_names[k], metrics.leads[l][k]);
        metrics_one(out, "spoor_leads_suppressed_total", "counter",
                    "Repeated leads not written: counted in a summary record instead (suppress).",
                    metrics.leads_suppressed);
        metrics_one(out, "spoor_lead_summaries_total", "counter",
                    "Summary records of suppressed leads written.", metrics.lead_summaries);
        metrics_one(out, "spoor_suppress_evicted_total", "counter",
                    "Suppression windows ended early by the bound (their summary is written).",
                    metrics.suppress_evicted);
        metrics_one(out, "spoor_escalation_evicted_total", "counter",
                    "Hosts whose escalation state was evicted by the bound (least recently active first).",
                    metrics.escalation_evicted);
        metrics_one(out, "spoor_gaps_open", "gauge", "Telemetry-coverage gaps open now (gaps.jsonl).",
                    metrics.gaps_open);
        metrics_head(out, "spoor_gaps_opened_total", "counter", "Telemetry-coverage gaps opened, by kind.");
        for (size_t k = 0; k < ELEMENTSOF(metrics.gaps_opened); k++)
                fprintf(out, "spoor_gaps_opened_total{kind=\"%s\"} %" PRIu64 "\n", gap_kind_name((enum gap_kind)k),
                        metrics.gaps_opened[k]);
        metrics_one(out, "spoor_gaps_closed_total", "counter", "Telemetry-coverage gaps closed.",
                    metrics.gaps_closed);
        metrics_head(out, "spoor_gaps_ttr_median_seconds", "gauge",
                     "Median time to remediation (opened to closed, event time) of the last closed gaps.");
        if (metrics.gaps_closed)
                fprintf(out, "spoor_gaps_ttr_median_seconds %.17g\n", metrics.gaps_ttr_median_s);
        else
                fprintf(out, "spoor_gaps_ttr_median_seconds NaN\n");
        metrics_one(out, "spoor_coverage_channels_dropped_total", "counter",
                    "Events of a host channel the coverage model did not track (more than 1024 channels on the host).",
                    metrics.coverage_chans_dropped);
        metrics_one(out, "spoor_coverage_field_pairs_dropped_total", "counter",
                    "Observations of (event id, field) pairs not kept: the host channel tracks 256 at most.",
                    metrics.coverage_field_pairs_dropped);
        metrics_one(out, "spoor_gaps_field_capped_total", "counter",
                    "field_missing gaps not opened: the host had 16 open from the rules' fields.",
                    metrics.coverage_field_gaps_capped);
        metrics_one(out, "spoor_coverage_hosts_evicted_total", "counter",
                    "Hosts the coverage model forgot by its bound (least recently seen first).",
                    metrics.coverage_hosts_evicted);
        metrics_head(out, "spoor_task_xml_rejected_total", "counter",
                     "Scheduled-task XML (4698/4702) not parsed, by reason; the event is kept with TaskParseError.");
        for (int r = 0; r < _TASKXML_REJ_MAX; r++)
                fprintf(out, "spoor_task_xml_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
                        taskxml_reject_name(r), metrics.task_xml_rejected[r]);
}
