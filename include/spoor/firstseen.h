/* Extension `first_seen` (daemon/engine/firstseen.c, DESIGN §5): "a value
 * of a field combination never seen for this group in the history window"
 * — hosts that never receive task deployments, accounts with no business
 * authoring tasks (Elastic's new_terms, Wazuh's if_fts).
 *
 *   correlation: {type: first_seen, rules: [...], group-by: [...],
 *                 fields: [...], history: 30d, learning: 7d}
 *
 * Not a sliding window: the engine tells the table "correlation `ci` saw
 * this combination of `fields` values in group `group` at event time t"
 * (firstseen_observe), and the table answers whether that is a first:
 * the combination is unknown for the group, or was last seen more than
 * `history` before t, and the learning period is over.  Either way the
 * combination's last-seen time becomes max(last seen, t).  Decisions are
 * per event, in event time, without a watermark: a replay and a live run
 * of the same events in the same order decide the same.
 *
 * Learning.  It begins at the event time of a correlation's first
 * observation (not the wall clock, so a replay is deterministic) and lasts
 * `learning`: observations before begin + learning only build the baseline.
 * The beginning is saved with the baseline, so a restart does not learn
 * again; a correlation that is new (or whose fields / group-by changed)
 * learns from its own first observation.  learning 0 fires from the first
 * event.
 *
 * Keys.  Group keys and combinations are kept as keyed 64-bit SipHash-2-4
 * digests (the key is random per baseline and saved with it), one entry per
 * (correlation, group digest, combination digest) → last seen.
 *
 * Bounds.  At most `max_entries` entries over all first_seen correlations;
 * at the bound the least recently touched entry is evicted (stats.evicted).
 * Entries older than their correlation's history, relative to the newest
 * event time seen (events dated more than max_future ahead of their receive
 * time do not move it), are dropped lazily, a few per observation, from the
 * least recently touched end (stats.expired); an expired entry that is
 * still present counts as unknown anyway.
 *
 * Persistence.  firstseen_save writes the key, the newest event time, per
 * correlation its rule id, a signature (what its digests mean: group-by,
 * aliases, fields — changed means the baseline is dropped) and learning
 * start, then every entry, least recently touched first; firstseen_restore
 * maps rule ids onto the current correlations. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state_writer;
struct state_reader;

/* One correlation slot, indexed like the ruleset's correlations; `on`
 * false for correlations that are not first_seen (never observed). */
struct firstseen_spec {
        bool on;
        int64_t history_us;             /* > 0 */
        int64_t learning_us;            /* ≥ 0 */
};

struct firstseen_opts {
        size_t max_entries;             /* default 1000000 (0: default) */
        int64_t max_future_us;          /* default 5 min (≤ 0: default) */
};

struct firstseen_stats {
        uint64_t observed, fired, learning; /* learning: firsts during the learning period, not fired */
        uint64_t evicted;               /* dropped by max_entries */
        uint64_t expired;               /* dropped because older than history */
        size_t entries;
        uint64_t restored, restore_dropped;     /* entries taken from / left out of a saved state */
};

struct firstseen;

/* specs[0..n) is copied.  NULL with errno ENOMEM, or EINVAL for an active
 * spec with history ≤ 0 or learning < 0. */
struct firstseen *firstseen_new(const struct firstseen_spec *specs, size_t n, const struct firstseen_opts *o);
void firstseen_free(struct firstseen *fs);

/* Correlation ci saw the combination combo[0..clen) (the `fields` values,
 * encoded unambiguously by the caller) in group group[0..glen) at event
 * time t_us, received at recv_us.  1: a first — fire; 0: known, or still
 * learning; -EINVAL: ci out of range or not first_seen; -ENOMEM (the
 * observation is lost). */
int firstseen_observe(struct firstseen *fs, size_t ci, const void *group, size_t glen, const void *combo,
                      size_t clen, int64_t t_us, int64_t recv_us);

const struct firstseen_stats *firstseen_stats(const struct firstseen *fs);

/* Write the baselines to w: ids[ci] and sigs[ci] name and describe
 * correlation ci (read for active slots only).  fs may be NULL (an empty
 * state).  Returns w's error.
 *
 * Encoding (version 1):
 *   u32 "FRST" (0x54535246), u64 k0, u64 k1, i64 newest (INT64_MIN: none),
 *   u32 correlations, then per correlation: str rule id, str signature,
 *   i64 learning began (INT64_MIN: not yet); u64 entries, then per entry,
 *   least recently touched first: u32 correlation (index into the list
 *   above), u64 group digest, u64 combination digest, i64 last seen. */
int firstseen_save(const struct firstseen *fs, const char *const *ids, const char *const *sigs,
                   struct state_writer *w);

/* Load a saved state into fs, which must be new (nothing observed: else
 * -EBUSY).  ids / sigs [0..n) as for save (n: fs's slot count).  Saved
 * correlations whose id is unknown, or whose signature differs, are
 * dropped (their entries count in restore_dropped); entries older than
 * their history relative to the saved newest time are dropped (expired);
 * the rest are restored within max_entries.  0, or -EBADMSG with r->why
 * (a duplicate correlation or entry, an index out of range, trailing
 * bytes, ...) or -ENOMEM: then fs is left empty. */
int firstseen_restore(struct firstseen *fs, const char *const *ids, const char *const *sigs, size_t n,
                      struct state_reader *r);
