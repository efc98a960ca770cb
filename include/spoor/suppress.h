/* Suppression of repeated leads (daemon/engine/suppress.c), DESIGN §5
 * "Noise".
 *
 * A lead opens a window for its key (rule id, group key); the leads of the
 * same key whose event time falls inside the window are suppressed
 * (counted, not written).  When the window ends, one summary says how many
 * were suppressed, between which times, and names the first few.
 *
 * Time.  A window of `window_us` opened by a lead at event time t ends at
 * the first of:
 *   - the event-time clock reaches t + window_us: the clock is the newest
 *     event time of any lead seen (a lead dated more than max_future ahead
 *     of its receive time does not move it), so later leads of any key close
 *     the windows they passed;
 *   - a lead of the same key dated at or after t + window_us (it opens the
 *     next window and is written);
 *   - processing time (suppress_advance) reaches the receive time of the
 *     opening lead + window_us: a live daemon whose input went quiet still
 *     reports;
 *   - suppress_flush / suppress_advance(INT64_MAX) (end of a replay,
 *     shutdown, reload), or eviction by the bound.
 * A window in which nothing was suppressed ends silently.
 *
 * Bounds.  At most max_keys open windows; at the bound the least recently
 * used one ends early (its summary is written, evicted_total counts it). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/correlate.h"
#include "spoor/record.h"

#define SUPPRESS_MAX_IDS 5              /* suppressed lead ids a summary names */

/* One lead about to be written. */
struct suppress_lead {
        const void *rule;               /* opaque, handed back in the summary */
        int kind;                       /* opaque (enum record_kind), handed back */
        const char *rule_id;            /* with group: the key */
        const char *group;              /* group key (NUL-terminated) */
        const char *host;               /* the lead's host, for the summary */
        int64_t window_us;              /* ≤ 0: never suppressed, no state */
        int64_t time_us;                /* the lead's event time */
        int64_t recv_us;                /* when it was received (processing time) */
        const char *id;                 /* the lead's id */
        const struct corr_event *event; /* its first event */
};

/* Why a window ended (the summary's `ended`). */
enum suppress_end {
        SUPPRESS_END_WINDOW,            /* event or processing time passed its end */
        SUPPRESS_END_EVICTED,           /* the bound */
        SUPPRESS_END_FLUSH,             /* flush: end of replay, shutdown, reload */
        _SUPPRESS_END_MAX,
};

const char *suppress_end_name(enum suppress_end e);     /* "window", "evicted", "flush" */

/* A window ended with count > 0 leads suppressed.  Valid during the call. */
struct suppress_summary {
        const void *rule;
        int kind;
        const char *rule_id;
        const char *group;
        const char *host;               /* the first suppressed lead's host */
        const char *lead_id;            /* the lead that opened the window (written) */
        int64_t window_us;
        int64_t opened_us;              /* event time of that lead */
        uint64_t count;                 /* leads suppressed */
        int64_t first_us, last_us;      /* earliest / latest event time among them */
        const char (*ids)[RECORD_ID_LEN + 1];   /* the first nids suppressed, in arrival order */
        size_t nids;                    /* ≤ SUPPRESS_MAX_IDS */
        const struct corr_event *event; /* the first suppressed lead's first event */
        enum suppress_end ended;
};

struct suppress_opts {
        size_t max_keys;                /* default 100000 (0: default) */
        int64_t max_future_us;          /* default 5 min (≤ 0: default) */
        void (*summary)(void *ud, const struct suppress_summary *s);     /* must not call back in */
        void *ud;
};

struct suppress_stats {
        uint64_t suppressed;            /* leads suppressed */
        uint64_t summaries;             /* summaries delivered */
        uint64_t evicted;               /* windows ended by the bound */
        size_t keys;                    /* open windows */
        size_t state_bytes;             /* approximate memory held */
};

struct suppressor;

/* NULL with errno ENOMEM.  o: NULL for the defaults (no summary callback:
 * summaries are counted only). */
struct suppressor *suppress_new(const struct suppress_opts *o);

/* Delivers nothing: call suppress_flush first to keep the counts. */
void suppress_free(struct suppressor *s);

/* Decide one lead: true = write it (it may have opened a window), false =
 * suppressed (counted).  Windows the lead's time closed are summarised
 * first, oldest first. */
bool suppress_check(struct suppressor *s, const struct suppress_lead *l);

/* Processing time passed: windows whose opening lead was received more
 * than window_us before now_us end.  INT64_MAX ends every window. */
void suppress_advance(struct suppressor *s, int64_t now_us);

/* Every window ends now (summaries, reason "flush"); the suppressor stays
 * usable. */
void suppress_flush(struct suppressor *s);

const struct suppress_stats *suppress_stats(const struct suppressor *s);
