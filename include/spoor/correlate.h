/* Sigma correlation rules in sliding event-time windows
 * (daemon/engine/correlate.c, daemon/engine/window.c).
 *
 * The correlator does not look at events: the engine tells it "referenced
 * rule `ref` of correlation `ci` matched, in group `key`, at event time t"
 * (correlator_observe), and advances time (correlator_advance).  It keeps
 * state keyed group key → per-correlation window (DESIGN §8: never one
 * global table), decides conditions, and calls `fire` for each correlation
 * that holds, with the contributing events.
 *
 * Time.  Windows are sliding, in event time: a window of correlation C in
 * group G is the set of observations within `timespan` of each other; an
 * observation at t completes a window only with observations in
 * [t - timespan, t] (an event exactly timespan + 1 s after the first does
 * not).  The watermark is the highest event time observed minus
 * `allowed_lateness`, advanced by processing time while input is idle
 * (correlator_advance with the receive clock); no observation older than
 * it is on time any more.
 * Decisions are made in watermark order, so the leads do not depend on
 * the arrival order within the allowed lateness (the same leads as the
 * event-time-ordered stream, in the same order):
 *  - threshold conditions (event_count / value_count with only gt / gte)
 *    and temporal / temporal_ordered buffer their observations; the
 *    observations at time t are decided once the watermark passes t,
 *    oldest first, exactly as an in-order stream would: the window
 *    [t - timespan, t] of undecided, unconsumed observations is evaluated,
 *    and when it holds it fires and its observations are consumed
 *    (observations with equal times are decided together);
 *  - conditions that can only be decided when the window closes (lt, lte,
 *    eq, neq, the value_* aggregates) are decided when the watermark passes
 *    the window's end.
 * Fires are delivered in decision order: by the time decided (the event
 * time of the completing observations, or the window's end for the
 * close-decided), then by (correlation index, group key).
 * Latency: a correlation lead is written when the watermark passes its
 * completing event: `allowed_lateness` of event time after it (a later
 * event moves the watermark), or, while input is idle, once the processing
 * time elapsed since the newest event reaches allowed_lateness (the idle
 * rule of correlator_advance; the daemon ticks every 250 ms).  With
 * allowed_lateness 0 that is the next event or tick.
 * Late: an observation older than the watermark is counted (late_total).
 * For thresholds and temporal it still joins when its group has decided
 * no later time point (decided at once: a fire's callback chaining into
 * another correlation is late by construction), else it is dropped
 * (stats.dropped): the lateness is the tolerance, beyond it an event
 * counts only for matching.  It never extends or reopens a window that was
 * already decided.
 * Skew.  An observation whose event time is more than `max_future` ahead of
 * its receive time (a host whose clock runs ahead) is counted
 * (skewed_total) and does not advance the watermark, so it cannot make
 * other hosts' events late; it waits in its window and is decided when the
 * watermark reaches it (by the other hosts' events, idle time, or the
 * final flush).
 *
 * Bounds.  At most `max_groups` groups across all correlations and
 * `max_events_per_window` contributing events kept per window (the count is
 * exact, the list is truncated and says so); the least recently active
 * group is evicted first, counted in evicted_total.  The same eviction
 * keeps state_bytes at most `max_state_bytes` (the group being updated is
 * never evicted for it, so one group larger than the bound stays alone).
 *
 * Persistence.  correlator_save writes the watermark and every window
 * (group key, observations — decided and still pending —, kept events,
 * decided_until, the last decided time point) under its
 * correlation's rule id; correlator_restore maps the ids onto the current
 * correlations, so a restart with changed rules keeps the windows of the
 * correlations that still exist with the same type and references. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state_writer;
struct state_reader;

enum corr_type {
        CORR_EVENT_COUNT,
        CORR_VALUE_COUNT,
        CORR_TEMPORAL,
        CORR_TEMPORAL_ORDERED,
        CORR_VALUE_SUM,
        CORR_VALUE_AVG,
        CORR_VALUE_PERCENTILE,
        _CORR_TYPE_MAX,
        _CORR_TYPE_INVALID = -1,
};

const char *corr_type_name(enum corr_type t);           /* "event_count", ... */
enum corr_type corr_type_from_name(const char *s);

enum corr_op {
        CORR_GT,
        CORR_GTE,
        CORR_LT,
        CORR_LTE,
        CORR_EQ,
        CORR_NEQ,
        _CORR_OP_MAX,
};

struct corr_condition {
        struct {
                enum corr_op op;
                double value;
        } crit[2];                      /* one criterion, or two as a range (gt: 5, lte: 10) */
        size_t ncrit;                   /* 0 for temporal / temporal_ordered (all rules seen) */
        double percentile;              /* value_percentile: 0..100 */
};

/* One correlation as the correlator needs it (the loader builds these). */
struct corr_spec {
        enum corr_type type;
        size_t nrefs;                   /* referenced rules, in the order written (temporal_ordered) */
        int64_t timespan_us;
        struct corr_condition cond;
};

/* A contributing event, as kept in a window (enough for the lead). */
struct corr_event {
        int64_t time_us;
        int64_t recv_us;
        uint64_t record_id;
        bool has_record_id;
        uint16_t event_id;
        uint16_t ref;                   /* which referenced rule it matched */
        char host[64];                  /* canonical host (truncated for storage) */
        char channel[64];
};

struct corr_fire {
        size_t ci;                      /* correlation index */
        const char *key;                /* group key as given to observe */
        const struct corr_event *events;        /* oldest first (equal times: by ref) */
        size_t nevents;                 /* kept (≤ max_events_per_window; first come, first
                                         * kept, so the completing event is listed only
                                         * when its details were kept) */
        uint64_t count;                 /* observations in the window (exact) */
        double aggregate;               /* value_count: distinct values; value_sum/avg/percentile: the value */
        int64_t first_us, last_us;      /* window span in event time */
};

struct corr_opts {
        int64_t allowed_lateness_us;    /* default 5 min (negative: default; 0 is valid) */
        int64_t max_future_us;          /* default 5 min (≤ 0: default) */
        size_t max_groups;              /* default 100000 (0: default) */
        size_t max_events_per_window;   /* default 32 (0: default) */
        size_t max_state_bytes;         /* default 256 MiB (0: default): above it the least
                                         * recently active groups are evicted (stats.evicted) */
        void (*fire)(void *ud, const struct corr_fire *f);      /* may call correlator_observe */
        void *ud;
};

/* The defaults above. */
void corr_opts_init(struct corr_opts *o);

struct corr_stats {
        uint64_t observed, late, skewed, evicted, fired;
        uint64_t ignored;               /* no value / non-numeric value for a value_* type, bad ref */
        uint64_t dropped;               /* could not join an open window: older than watermark -
                                         * timespan, inside a decided window, before its
                                         * group's last decided time point, or ENOMEM */
        uint64_t overflow;              /* a window at WINDOW_MAX_OBS (65536) observations: the oldest
                                         * (gt/gte, temporal) or the new one (decided at close) is dropped */
        size_t groups;                  /* live (correlation, group key) windows */
        size_t state_bytes;             /* approximate memory held */
        size_t state_bytes_peak;        /* highest state_bytes after an observation was
                                         * accounted and the bounds enforced */
        uint64_t restored;              /* windows taken from a saved state */
        uint64_t restore_dropped;       /* saved windows of correlations that are gone or changed */
};

struct correlator;

/* specs[0..n) must outlive the correlator.  o: NULL for the defaults.
 * NULL with errno ENOMEM, or EINVAL for an invalid spec (timespan ≤ 0, no
 * refs, event_count / value_* without a condition, percentile outside
 * 0..100). */
struct correlator *correlator_new(const struct corr_spec *specs, size_t n, const struct corr_opts *o);
void correlator_free(struct correlator *c);

/* Referenced rule `ref` (< specs[ci].nrefs) of correlation `ci` matched in
 * group `key` (any bytes, NUL-terminated; the engine joins the group-by
 * values): the observation is buffered and the watermark moves; what the
 * watermark passed is decided, so fires (of any group) may be delivered
 * from here.  `value`: the correlation field's value for value_count / value_*
 * types (NULL when the event lacks it: then the observation is ignored for
 * value_* and counted for nothing). */
void correlator_observe(struct correlator *c, size_t ci, const char *key, const struct corr_event *ev,
                        const char *value);

/* Let time pass: the watermark becomes at least the newest event time plus
 * the processing time elapsed since its receive time (now_us - its
 * recv_us), minus allowed_lateness (now_us - allowed_lateness when receive
 * times are unknown); the observations and windows it passed are decided
 * (fires delivered from here), what it closed is dropped.  Call from a
 * timer and at end of replay with INT64_MAX to decide and flush
 * everything (a fire's callback may still observe during that flush; after
 * it every observation is dropped). */
void correlator_advance(struct correlator *c, int64_t now_us);

/* An accepted event's time (and receive time), whatever rules it matches:
 * event time is the stream's, so every event moves the watermark as an
 * observation would (skewed ones aside: time.max_future), and windows it
 * passed are decided now rather than at the next tick. */
void correlator_clock(struct correlator *c, int64_t time_us, int64_t recv_us);

const struct corr_stats *correlator_stats(const struct correlator *c);

/* Write the correlator's state to w (include/spoor/state.h): rule_ids[ci]
 * names correlation ci.  Call between observations (not from `fire`).  c
 * may be NULL (no correlations loaded): an empty state.  Returns w's error.
 *
 * Encoding (version 2; version 1 began with u32 "CORR" and is rejected as a
 * version mismatch, like any other version):
 *   u32 "CORW" (0x57524f43), u32 version (2), i64 watermark, u64 k0, u64 k1 (the keyed-hash
 *   key: value_count keeps only hashes of values, so a restore must hash
 *   new values with the same key), u64 windows, then per window, least
 *   recently active first:
 *     str rule id, u8 type, u16 nrefs, str group key, i64 decided_until,
 *     i64 done_until (thresholds / temporal: the last decided time point),
 *     i64 latest observation, u32 observations, u32 decided (the first
 *     `decided` observations are at or before done_until, the others —
 *     pending — at or after it), then per observation
 *     (oldest first): i64 time, u64 value (value_count: the hash;
 *     value_*: the IEEE-754 bits; else 0), u16 ref, u8 kept (0|1), and
 *     when kept the event: i64 time, i64 recv, u64 record id, u8
 *     has_record_id, u16 event id, u16 ref, str host, str channel. */
int correlator_save(const struct correlator *c, const char *const *rule_ids, struct state_writer *w);

/* Load a saved state into c, which must be new (no window, no observation
 * yet: else -EBUSY).  rule_ids[0..n) name c's correlations (n: its count).
 * A window whose rule id is unknown, or whose correlation changed type or
 * number of referenced rules, is skipped (stats.restore_dropped); the rest
 * are restored (stats.restored) in their activity order, within the
 * current bounds (evicted past max_groups / max_state_bytes).  The
 * watermark is restored too, and pending observations are decided when it
 * passes them, as if there had been no restart.  0, or -EBADMSG with r->why
 * for an impossible value (times out of order, a ref out of range, a
 * duplicate window, trailing bytes, ...) or another version ("correlation
 * state version mismatch: ..."), -ENOMEM: then c is left empty. */
int correlator_restore(struct correlator *c, const char *const *rule_ids, size_t n, struct state_reader *r);
