/* One sliding window of one correlation in one group (private to
 * daemon/engine): the observations ordered by event time, in a ring that
 * grows by doubling and shrinks when mostly empty, plus up to
 * max_events_per_window full events kept for the lead.
 *
 * Order: by event time, then by referenced rule; observations with the
 * same time and rule stay in arrival order (an insert goes after the equal
 * ones), so what a fire lists does not depend on the arrival order of
 * simultaneous events of different rules.  Index 0 is the oldest.
 * Out-of-order inserts shift the younger observations by one (O(distance
 * from the end): late observations are rare and near the end).
 *
 * Event details: an observation gets a slot when one is free (first come,
 * first kept); removing an observation frees its slot.  So a fire lists
 * the oldest kept events of its window.
 *
 * wagg: an incremental aggregate over a range of observations (count,
 * distinct value hashes with reference counts, observations per ref), for
 * the sliding evaluation of event_count / value_count / temporal. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spoor/correlate.h"

#define WINDOW_MAX_OBS 65536u          /* hard cap on observations in one window */

struct wobs {
        int64_t time_us;
        union {
                uint64_t vhash;         /* value_count: keyed hash of the value (never 0) */
                double num;             /* value_sum / value_avg / value_percentile */
        };
        int32_t slot;                   /* event details slot, -1: not kept */
        uint16_t ref;                   /* referenced rule */
        uint16_t pad_;
};

struct window {
        struct wobs *ring;
        uint32_t cap, head, n;          /* cap: 0 or a power of two */
        struct corr_event *slots;
        int32_t *free_slots;
        uint32_t slot_cap, slot_hi, nfree;
};

void window_init(struct window *w);
void window_free(struct window *w);
size_t window_bytes(const struct window *w);

static inline struct wobs *window_at(const struct window *w, size_t i)
{
        return &w->ring[(w->head + i) & (w->cap - 1)];
}

static inline int64_t window_time(const struct window *w, size_t i)
{
        return window_at(w, i)->time_us;
}

size_t window_lower(const struct window *w, int64_t t);        /* first index with time >= t (n: none) */
size_t window_upper(const struct window *w, int64_t t);        /* first index with time > t */

/* Insert in (time, ref) order (after equal ones); *pos = its index.  -ENOMEM,
 * -ENOSPC at WINDOW_MAX_OBS (the caller decides what to drop). */
int window_insert(struct window *w, const struct wobs *o, size_t *pos);

/* Remove [a, b), releasing their event slots. */
void window_remove(struct window *w, size_t a, size_t b);

/* Keep a copy of ev for an observation: a slot index, or -1 when `max`
 * slots are in use (or on ENOMEM). */
int32_t window_slot_take(struct window *w, size_t max, const struct corr_event *ev);

static inline const struct corr_event *window_slot(const struct window *w, int32_t s)
{
        return s >= 0 ? &w->slots[s] : NULL;
}

/* Aggregates over [a, b). */
double window_sum(const struct window *w, size_t a, size_t b);
/* Nearest-rank percentile p (0..100) of the `num`s: the value of rank
 * ceil(p/100 * n) (at least 1) in ascending order.  *scratch grows as
 * needed.  -ENOMEM, -ENODATA on an empty range. */
int window_percentile(const struct window *w, size_t a, size_t b, double p, double **scratch,
                      size_t *scratch_cap, double *out);

/* A multiset of 64-bit hashes (0 is not a valid hash): distinct count
 * under add / remove.  Open addressing, linear probing, backward-shift
 * deletion. */
struct vset {
        uint64_t *h;
        uint32_t *cnt;
        uint32_t cap, n;
};

int vset_add(struct vset *s, uint64_t h);               /* -ENOMEM */
void vset_del(struct vset *s, uint64_t h);              /* no-op when absent */
void vset_clear(struct vset *s);
void vset_free(struct vset *s);
size_t vset_bytes(const struct vset *s);

/* Distinct value hashes of [a, b) (uses and clears *scratch). */
int window_distinct(const struct window *w, size_t a, size_t b, struct vset *scratch, size_t *out);

struct wagg {
        struct vset vals;               /* used when `distinct` */
        uint32_t *refcnt;               /* nrefs counters */
        uint32_t count;
        uint16_t nrefs, present;        /* refs with refcnt > 0 */
        bool distinct;
};

int wagg_init(struct wagg *a, size_t nrefs, bool distinct);    /* -ENOMEM */
void wagg_free(struct wagg *a);
void wagg_clear(struct wagg *a);
int wagg_add(struct wagg *a, const struct wobs *o);            /* -ENOMEM (state unchanged) */
void wagg_del(struct wagg *a, const struct wobs *o);
size_t wagg_bytes(const struct wagg *a);
