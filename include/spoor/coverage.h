/* The telemetry-coverage model (daemon/coverage/coverage.c): what each
 * host sends, per channel, against what the loaded rules need; the gaps it
 * finds from that evidence go to gaps.jsonl (include/spoor/gaps.h).
 *
 * Observation, from every accepted event: per (host, channel) first and
 * last event time, count and the RecordNumber sequence
 * (include/spoor/recordseq.h); per host first and last event time.  At
 * most max_hosts hosts; beyond, the least recently seen is forgotten
 * (counted: spoor_coverage_hosts_evicted_total) with its open gaps (not
 * written as closed).
 *
 * Gap kinds (all in event time):
 *   field_missing      a Security 4688 with an empty or absent CommandLine
 *                      opens it on the host; a 4688 with a command line
 *                      closes it.  Remedy: remedy_cmdline_policy().
 *   events_lost        a hole in a channel's RecordNumber sequence that
 *                      did not fill within RECORDSEQ_WINDOW records; closes
 *                      when every missing record arrived late, or once the
 *                      channel delivered COVERAGE_LOST_QUIET records in
 *                      order since its last hole (the loss stopped; the
 *                      records it lost stay lost: the evidence counts them).
 *   events_duplicated  a record number seen twice; closes after
 *                      COVERAGE_DUP_QUIET in-order records without another.
 *                      A cleared log (Security 1102: the Security sequence
 *                      restarts; System 104: the host's other channels may
 *                      restart once) is neither loss nor duplication.
 *   channel_missing    a host that has been sending for `grace` and never
 *                      sent a channel a loaded rule variant needs; closes
 *                      when the channel arrives.  blinds: the rules all of
 *                      whose variants need a channel the host does not send.
 *   host_silent        a host quiet for max(coverage.silence, 10 usual
 *                      intervals) while more than half of the hosts with
 *                      history send (daemon/coverage/silence.c); channel "*".
 *   channel_silent     a channel quiet as long while its host sends others.
 *   audit_off          an audit source switched off, from twins (a
 *                      TaskScheduler 106 without 4698, a Sysmon 1 without
 *                      4688 and the reverse, within coverage.twin_window) or
 *                      a 4719 removing success auditing of a needed
 *                      subcategory (daemon/coverage/twins.c).
 *   clock_skew         live input only: a host whose receive − event time
 *                      offset stays beyond coverage.max_skew, steadily (one
 *                      sign, little spread, event time advancing at the
 *                      rate of receive time: not a draining backlog) over
 *                      16 samples spanning ≥ 30 s; opened and closed in
 *                      receive time (daemon/coverage/sender.c).
 *   sender_truncation  a frame rejected as broken JSON whose length is one
 *                      senders cut at (1024, 2048, 8096, 8192, 65536) and
 *                      whose JSON breaks off; on the host the cut text
 *                      names, else "peer:<address>" (sender.c).
 *   field_missing for any field a rule cannot do without (fields.c),
 *   state_lost (persist.c): see those files.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/gaps.h"
#include "spoor/record.h"
#include "spoor/reject.h"
#include "spoor/ruleset.h"
#include "spoor/winevent.h"

#define COVERAGE_DUP_QUIET 1000
#define COVERAGE_LOST_QUIET 1000
#define COVERAGE_MAX_HOSTS_DEFAULT 100000
#define COVERAGE_MAX_CHANS 1024         /* per host; events of further channels are counted, not modelled */

struct coverage;

struct coverage_opts {
        int64_t grace_us;               /* coverage.grace */
        int64_t silence_us;             /* coverage.silence */
        int64_t max_skew_us;            /* coverage.max_skew */
        int64_t twin_window_us;         /* coverage.twin_window */
        bool judge_clock;               /* receive times mean something (live input, not a replay) */
        size_t max_hosts;               /* 0: COVERAGE_MAX_HOSTS_DEFAULT */
        gaps_write_fn write;            /* a gap record line (open or closed) */
        void *ud;
};

struct coverage *coverage_new(const struct coverage_opts *o);
void coverage_free(struct coverage *cov);
/* Take the settings of o (not write/ud): a reload. */
void coverage_configure(struct coverage *cov, const struct coverage_opts *o);

/* What the rules need (channels, their first event id); rs stays valid
 * until the next call.  Hosts are checked again for channel_missing. */
int coverage_set_rules(struct coverage *cov, const struct ruleset *rs);

void coverage_event(struct coverage *cov, const struct winevent *ev);

/* A frame the pipeline rejected (peer: the source's name, data/len: the
 * frame, may be NULL): evidence of sender_truncation. */
void coverage_reject(struct coverage *cov, const char *peer, enum reject_reason why, const char *data, size_t len);

/* A frame from `peer` of `len` bytes decoded into an event of event time
 * time_us: closes the peer's sender_truncation gaps (attributed to
 * "peer:<address>" because the cut text showed no host) of a size below
 * len. */
void coverage_frame_ok(struct coverage *cov, const char *peer, size_t len, int64_t time_us);

/* The model and its open gaps across restarts (daemon/coverage/persist.c):
 * hosts, channels, record sequences, open gaps (the gap families' own
 * evidence restarts empty).  A restored gap is not written again; it closes
 * under its id.  restore: into an empty model only (-EBUSY), before any
 * event, all or nothing; 0, -EBUSY, -ENOMEM or the reader's error. */
struct state_writer;
struct state_reader;
int coverage_save(const struct coverage *cov, struct state_writer *w);
int coverage_restore(struct coverage *cov, struct state_reader *r);

/* The end of the input: holes still pending are confirmed lost. */
void coverage_flush(struct coverage *cov);

/* The open gaps of a host as lead caveats (borrowed; valid until the next
 * coverage_event); returns how many were stored (at most max). */
size_t coverage_caveats(const struct coverage *cov, const char *host, struct record_caveat *out, size_t max);

/* Per host channel, the event ids seen and how many of each (at most
 * COVERAGE_MAX_EIDS ids; events of further ids are counted in
 * eids_dropped). */
#define COVERAGE_MAX_EIDS 128
struct coverage_eid {
        uint16_t id;
        uint64_t count;
};

struct coverage_channel_stats {
        int64_t first_us, last_us;
        uint64_t count;
        const struct coverage_eid *eids;        /* sorted by id; borrowed like the views */
        size_t neids;
        uint64_t eids_dropped;
        uint64_t hwm;                   /* highest record number (has_hwm) */
        bool has_hwm;
};

/* Queries (tests, status). */
bool coverage_channel(const struct coverage *cov, const char *host, const char *channel,
                      struct coverage_channel_stats *out);
bool coverage_host(const struct coverage *cov, const char *host, int64_t *first_us, int64_t *last_us);
size_t coverage_host_count(const struct coverage *cov);
size_t coverage_open_gaps(const struct coverage *cov);
uint64_t coverage_closed_gaps(const struct coverage *cov);
uint64_t coverage_surfaced_gaps(const struct coverage *cov);   /* opened so far */
/* The open gaps of no one host (state_lost, sender_truncation), linked by
 * ->next; borrowed like the host views. */
const struct gap *coverage_fleet_gaps(const struct coverage *cov);
/* The median ttr of the closed gaps (include/spoor/gaps.h); false: none. */
bool coverage_median_ttr(const struct coverage *cov, double *out_s);

/* The hosts, for the reports (daemon/coverage/report.c).  Views are
 * borrowed: valid until the next coverage_event / coverage_set_rules. */
struct coverage_host_view {
        const char *name;
        int64_t first_us, last_us;
        size_t nchans;
        const struct gap *gaps;         /* the open gaps, linked by ->next */
        const void *priv;
};
/* Up to max hosts into out (most recently seen first); returns how many. */
size_t coverage_hosts(const struct coverage *cov, struct coverage_host_view *out, size_t max);
/* Channel i (0 .. nchans-1) of a host: its name, stats in *out. */
const char *coverage_host_channel(const struct coverage_host_view *hv, size_t i, struct coverage_channel_stats *out);
