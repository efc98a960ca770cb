/* Sigma correlation rules in sliding event-time windows
 * (include/spoor/correlate.h; the window itself is window.c).
 *
 * State: one entry per (correlation, group key) — a "group" in the stats —
 * in a hash table (SipHash with a per-process random key: group keys and
 * values come from the events) with an LRU list for eviction and a min-heap
 * of deadlines, so advancing the watermark touches only the windows it
 * closes.
 *
 * Decisions:
 *  - Windows are anchored at observations: an observation at t considers
 *    [t - timespan, t], bounds included (timespan 60 s: 0 s and 60 s are in
 *    one window, 0 s and 61 s are not).
 *  - Decided in watermark order ("on arrival" in the code, for history):
 *    event_count / value_count whose criteria are all gt / gte, temporal,
 *    temporal_ordered.  Observations are buffered in the window (sorted by
 *    (time, ref)); [0, proc) are decided, [proc, n) pending.  Once the
 *    watermark passes the next pending time point t (the group's deadline
 *    in the heap), every observation at t joins the decided prefix and the
 *    window [t - timespan, t] of decided, unconsumed observations is
 *    evaluated (an incremental aggregate, the tail); when it holds it fires
 *    and every observation in it is consumed (removed), so the same
 *    observations never fire twice.  This is exactly what an in-order
 *    stream would do, so the result does not depend on the arrival order
 *    within the allowed lateness.  For temporal_ordered the fired window is
 *    the chain's span [first rule's observation, t].
 *  - Late observations for these: accepted while t ≥ done_until (the
 *    group's last decided time point; equal: that time point is decided
 *    again with the newcomer), which is what chaining needs (a fire at t is
 *    delivered once the watermark passed t); older ones are dropped.
 *  - Order of the decisions: the heap pops (deadline, ci, key), one step
 *    (one time point, one close-decided window, one drop of the front) at a
 *    time, and the fires of a step are delivered before the next step.
 *  - temporal_ordered: the referenced rules in the written order with
 *    non-decreasing event times (equal times count as ordered: event times
 *    have a resolution, arrival order is not evidence); B before A never
 *    fires.  aggregate = nrefs for temporal types.
 *  - Decided at window close: event_count / value_count with lt, lte, eq or
 *    neq in the condition, and every value_sum / value_avg /
 *    value_percentile.  The window is anchored at its first observation f
 *    and decided once the watermark passes f + timespan, over [f, f +
 *    timespan]; then those observations are dropped, `decided_until`
 *    becomes f + timespan, and the next observation anchors the next
 *    window.  A group without observations has no window: `lt` never fires
 *    for a group that never appeared.
 *  - value_*: the value is parsed with strtod (surrounding blanks allowed);
 *    missing, non-numeric or non-finite → the observation is ignored
 *    (stats.ignored).  value_count counts distinct values as bytes (case
 *    sensitive) through a keyed 64-bit hash (collisions: ~n²/2⁶⁵).
 *    Percentile: nearest rank.  event_count fires carry aggregate = count.
 *  - Watermark (one per correlator = one shard): max(previous, highest
 *    accepted event time - allowed_lateness), and on correlator_advance
 *    max(previous, newest event time + processing time since it -
 *    allowed_lateness); INT64_MAX flushes everything (every pending
 *    observation and window is decided, every group freed; observations
 *    made by fire callbacks during the flush are still decided, later ones
 *    are dropped).
 *  - Late (time < watermark): counted in stats.late.  If it is older than
 *    watermark - timespan no open window can contain it: dropped.  Else it
 *    joins its window like any other, except that a close-decided window
 *    ignores observations ≤ decided_until and a threshold / temporal one
 *    observations < done_until (stats.dropped): decided windows are never
 *    reopened or extended.
 *  - Skew: time > recv + max_future (recv_us > 0 only) → stats.skewed; it
 *    joins its window but does not move the watermark: it is decided when
 *    the watermark reaches it.
 *  - Re-entrancy: fires are queued with copies of the key and events, and
 *    delivered by the outermost observe / advance between two steps (state
 *    consistent); a callback may observe (chaining) or advance: that only
 *    updates state, and what it makes due is decided by the same loop, in
 *    order.  Callbacks never nest.
 *  - Bounds: max_groups windows (LRU eviction; the evicted window is not
 *    decided: stats.evicted); max_events_per_window full events per window
 *    (first come, first kept; a threshold / temporal fire lists the event
 *    that completed it when its details were kept); WINDOW_MAX_OBS
 *    observations per window (thresholds / temporal drop the oldest, even
 *    if pending).
 *  - max_state_bytes: after each observation, the least recently active
 *    groups other than the one just updated are evicted (stats.evicted)
 *    until state_bytes is back under the bound; state_bytes_peak is
 *    sampled there, so it shows what the bound allowed.
 *  - Persistence (correlator_save / correlator_restore): windows are
 *    written least recently active first, so restoring them in order
 *    rebuilds the LRU list; pending observations, the decided prefix
 *    (proc) and done_until are saved (format version 2); the per-group tail
 *    aggregate is not saved but marked dirty (rebuilt at the next decided
 *    time point); kept event
 *    details travel with their observations.  The SipHash key is saved:
 *    value_count holds only hashes of values.  A window whose rule id is
 *    not loaded, or whose correlation changed type or number of
 *    references, is skipped; its timespan and condition may change (the
 *    observations are re-judged under the new ones).
 *  - Idle groups: a window emptied by a fire keeps its group (and small
 *    buffers) until the watermark passes its last observation + timespan,
 *    so a busy group does not allocate per fire; then it is freed.
 *
 * Cost per observation: O(log n) (insert, heap) plus O(log groups) per
 * decided time point, plus, for out-of-order arrivals (the shift) and for
 * temporal_ordered (the chain search), O(observations within timespan). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "spoor/cleanup.h"
#include "spoor/correlate.h"
#include "spoor/siphash.h"
#include "spoor/state.h"
#include "window.h"

#define CORR_DEFAULT_LATENESS_US (INT64_C(5) * 60 * 1000000)
#define CORR_DEFAULT_FUTURE_US (INT64_C(5) * 60 * 1000000)
#define CORR_DEFAULT_GROUPS 100000
#define CORR_DEFAULT_EVENTS 32
#define CORR_DEFAULT_STATE_BYTES ((size_t)256 * 1024 * 1024)
#define CORR_STATE_MAGIC_V1 0x52524f43u /* "CORR": version 1, no version field */
#define CORR_STATE_MAGIC 0x57524f43u    /* "CORW", then a u32 version */
#define CORR_STATE_VERSION 2u
#define CORR_STATE_MAX_KEY (64u * 1024u)
#define CORR_STATE_MAX_ID 4096u
#define CORR_MIN_BUCKETS 64

struct group {
        struct group *hnext;
        struct group *prev, *next;      /* LRU, most recent first */
        size_t heap_idx;
        int64_t deadline;               /* expire when the watermark passes it */
        int64_t decided_until;          /* decided at close: windows up to here are decided */
        int64_t max_us;                 /* latest observation */
        uint64_t hash;
        size_t ci;
        size_t bytes;                   /* accounted in state_bytes */
        struct window w;
        int64_t done_until;             /* on arrival: the last time point processed */
        struct wagg tail;               /* on arrival: processed observations of [t - timespan, t] */
        uint32_t tail_lo;               /* index of the tail's first observation */
        uint32_t proc;                  /* on arrival: [0, proc) processed, [proc, n) pending */
        bool tail_dirty;                /* rebuild on the next processed time point */
        size_t keylen;
        char key[];
};

struct pending {
        struct corr_fire f;
        void *mem;                      /* key and events, one allocation */
};

struct correlator {
        const struct corr_spec *specs;
        size_t nspecs;
        bool *on_arrival;
        struct corr_opts o;
        struct corr_stats st;
        size_t fixed_bytes, group_bytes;
        uint64_t k0, k1;

        struct group **buckets;
        size_t nbuckets;
        struct group *lru_head, *lru_tail;
        struct group **heap;
        size_t heap_n, heap_cap;
        int64_t watermark;
        int64_t max_time;               /* newest non-skewed event time observed */
        int64_t max_time_recv;          /* its receive time (the processing clock then); 0 = unknown */

        struct vset vscratch;
        double *nums;
        size_t nums_cap;
        struct corr_event *evbuf;       /* max_events_per_window */

        struct pending *pend;
        size_t pend_head, pend_n, pend_cap;
        unsigned depth;
        bool delivering;
};

static const char *const corr_type_names[_CORR_TYPE_MAX] = {
        [CORR_EVENT_COUNT] = "event_count",
        [CORR_VALUE_COUNT] = "value_count",
        [CORR_TEMPORAL] = "temporal",
        [CORR_TEMPORAL_ORDERED] = "temporal_ordered",
        [CORR_VALUE_SUM] = "value_sum",
        [CORR_VALUE_AVG] = "value_avg",
        [CORR_VALUE_PERCENTILE] = "value_percentile",
};

const char *corr_type_name(enum corr_type t)
{
        return t >= 0 && t < _CORR_TYPE_MAX ? corr_type_names[t] : NULL;
}

enum corr_type corr_type_from_name(const char *s)
{
        for (int t = 0; s && t < _CORR_TYPE_MAX; t++)
                if (strcmp(s, corr_type_names[t]) == 0)
                        return (enum corr_type)t;
        return _CORR_TYPE_INVALID;
}

void corr_opts_init(struct corr_opts *o)
{
        memset(o, 0, sizeof(*o));
        o->allowed_lateness_us = CORR_DEFAULT_LATENESS_US;
        o->max_future_us = CORR_DEFAULT_FUTURE_US;
        o->max_groups = CORR_DEFAULT_GROUPS;
        o->max_events_per_window = CORR_DEFAULT_EVENTS;
        o->max_state_bytes = CORR_DEFAULT_STATE_BYTES;
}

/* ---- small helpers --------------------------------------------------------- */

static int64_t sat_add(int64_t a, int64_t b)
{
        int64_t r;

        if (__builtin_add_overflow(a, b, &r))
                return b > 0 ? INT64_MAX : INT64_MIN;
        return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
        int64_t r;

        if (__builtin_sub_overflow(a, b, &r))
                return b > 0 ? INT64_MIN : INT64_MAX;
        return r;
}

static bool corr_crit(enum corr_op op, double x, double v)
{
        switch (op) {
        case CORR_GT: return x > v;
        case CORR_GTE: return x >= v;
        case CORR_LT: return x < v;
        case CORR_LTE: return x <= v;
        case CORR_EQ: return x == v;
        case CORR_NEQ: return x != v;
        default: return false;
        }
}

static bool corr_cond_holds(const struct corr_condition *cond, double x)
{
        if (cond->ncrit == 0 || isnan(x))
                return false;
        for (size_t i = 0; i < cond->ncrit && i < 2; i++)
                if (!corr_crit(cond->crit[i].op, x, cond->crit[i].value))
                        return false;
        return true;
}

static bool corr_spec_on_arrival(const struct corr_spec *s)
{
        switch (s->type) {
        case CORR_TEMPORAL:
        case CORR_TEMPORAL_ORDERED:
                return true;
        case CORR_EVENT_COUNT:
        case CORR_VALUE_COUNT:
                for (size_t i = 0; i < s->cond.ncrit; i++)
                        if (s->cond.crit[i].op != CORR_GT && s->cond.crit[i].op != CORR_GTE)
                                return false;
                return true;
        default:
                return false;
        }
}

static bool corr_spec_valid(const struct corr_spec *s)
{
        if (s->type < 0 || s->type >= _CORR_TYPE_MAX || s->nrefs < 1 || s->nrefs > UINT16_MAX ||
            s->timespan_us <= 0)
                return false;
        if (s->type == CORR_TEMPORAL || s->type == CORR_TEMPORAL_ORDERED)
                return true;
        if (s->cond.ncrit < 1 || s->cond.ncrit > 2)
                return false;
        for (size_t i = 0; i < s->cond.ncrit; i++)
                if (s->cond.crit[i].op < 0 || s->cond.crit[i].op >= _CORR_OP_MAX || isnan(s->cond.crit[i].value))
                        return false;
        if (s->type == CORR_VALUE_PERCENTILE && !(s->cond.percentile >= 0 && s->cond.percentile <= 100))
                return false;
        return true;
}

/* ---- accounting ------------------------------------------------------------ */

static size_t group_size(const struct group *g)
{
        return sizeof(*g) + g->keylen + 1 + window_bytes(&g->w) + wagg_bytes(&g->tail);
}

static void corr_account(struct correlator *c, struct group *g)
{
        size_t nb = g ? group_size(g) : 0;

        if (g) {
                c->group_bytes = c->group_bytes - g->bytes + nb;
                g->bytes = nb;
        }
        c->fixed_bytes = sizeof(*c) + c->nspecs * sizeof(bool) + c->nbuckets * sizeof(*c->buckets) +
                         c->heap_cap * sizeof(*c->heap) + vset_bytes(&c->vscratch) +
                         c->nums_cap * sizeof(double) + c->o.max_events_per_window * sizeof(struct corr_event) +
                         c->pend_cap * sizeof(struct pending);
        c->st.state_bytes = c->fixed_bytes + c->group_bytes;
}

/* ---- heap of deadlines ------------------------------------------------------ */

/* Heap order: deadline, then (correlation, group key), so groups due at
 * the same time are processed — and fire — in a deterministic order. */
static bool grp_before(const struct group *a, const struct group *b)
{
        if (a->deadline != b->deadline)
                return a->deadline < b->deadline;
        if (a->ci != b->ci)
                return a->ci < b->ci;
        return strcmp(a->key, b->key) < 0;
}

static void heap_set(struct correlator *c, size_t i, struct group *g)
{
        c->heap[i] = g;
        g->heap_idx = i;
}

static void heap_up(struct correlator *c, size_t i)
{
        struct group *g = c->heap[i];

        while (i > 0) {
                size_t p = (i - 1) / 2;
                if (!grp_before(g, c->heap[p]))
                        break;
                heap_set(c, i, c->heap[p]);
                i = p;
        }
        heap_set(c, i, g);
}

static void heap_down(struct correlator *c, size_t i)
{
        struct group *g = c->heap[i];

        for (;;) {
                size_t l = 2 * i + 1, m = i;
                const struct group *mg = g;

                if (l < c->heap_n && grp_before(c->heap[l], mg)) {
                        m = l;
                        mg = c->heap[l];
                }
                if (l + 1 < c->heap_n && grp_before(c->heap[l + 1], mg))
                        m = l + 1;
                if (m == i)
                        break;
                heap_set(c, i, c->heap[m]);
                i = m;
        }
        heap_set(c, i, g);
}

static void heap_remove(struct correlator *c, struct group *g)
{
        size_t i = g->heap_idx;

        if (i == SIZE_MAX)
                return;
        g->heap_idx = SIZE_MAX;
        if (--c->heap_n == i)
                return;
        struct group *m = c->heap[c->heap_n];
        heap_set(c, i, m);
        heap_up(c, i);
        heap_down(c, m->heap_idx);
}

/* Room for every group was reserved when it was created. */
static void group_schedule(struct correlator *c, struct group *g)
{
        const struct corr_spec *s = &c->specs[g->ci];
        int64_t d;

        if (g->w.n > 0)
                d = sat_add(window_time(&g->w, 0), s->timespan_us);
        else if (!c->on_arrival[g->ci])
                d = sat_add(g->decided_until, s->timespan_us);
        else
                d = sat_add(g->max_us, s->timespan_us);
        /* on arrival: the next pending time point is due as soon as the
         * watermark passes it */
        if (c->on_arrival[g->ci] && g->proc < g->w.n && window_time(&g->w, g->proc) < d)
                d = window_time(&g->w, g->proc);
        g->deadline = d;
        if (g->heap_idx == SIZE_MAX) {
                g->heap_idx = c->heap_n++;
                c->heap[g->heap_idx] = g;
        }
        heap_up(c, g->heap_idx);
        heap_down(c, g->heap_idx);
}

/* ---- group table ------------------------------------------------------------ */

static uint64_t group_hash(const struct correlator *c, size_t ci, const char *key, size_t len)
{
        return siphash24(key, len, c->k0 ^ ((uint64_t)ci * 0x9e3779b97f4a7c15ull), c->k1);
}

static void lru_unlink(struct correlator *c, struct group *g)
{
        if (g->prev)
                g->prev->next = g->next;
        else
                c->lru_head = g->next;
        if (g->next)
                g->next->prev = g->prev;
        else
                c->lru_tail = g->prev;
        g->prev = g->next = NULL;
}

static void lru_push(struct correlator *c, struct group *g)
{
        g->next = c->lru_head;
        g->prev = NULL;
        if (c->lru_head)
                c->lru_head->prev = g;
        else
                c->lru_tail = g;
        c->lru_head = g;
}

static void group_destroy(struct correlator *c, struct group *g)
{
        struct group **pp = &c->buckets[g->hash & (c->nbuckets - 1)];

        while (*pp != g)
                pp = &(*pp)->hnext;
        *pp = g->hnext;
        lru_unlink(c, g);
        heap_remove(c, g);
        c->group_bytes -= g->bytes;
        c->st.groups--;
        window_free(&g->w);
        wagg_free(&g->tail);
        free(g);
        corr_account(c, NULL);
}

static int corr_rehash(struct correlator *c, size_t nb)
{
        struct group **b = calloc(nb, sizeof(*b));

        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < c->nbuckets; i++)
                for (struct group *g = c->buckets[i], *next; g; g = next) {
                        next = g->hnext;
                        g->hnext = b[g->hash & (nb - 1)];
                        b[g->hash & (nb - 1)] = g;
                }
        free(c->buckets);
        c->buckets = b;
        c->nbuckets = nb;
        return 0;
}

static struct group *group_find(const struct correlator *c, size_t ci, const char *key, size_t len, uint64_t h)
{
        for (struct group *g = c->buckets[h & (c->nbuckets - 1)]; g; g = g->hnext)
                if (g->hash == h && g->ci == ci && g->keylen == len && memcmp(g->key, key, len) == 0)
                        return g;
        return NULL;
}

/* Evict the least recently active groups, never `keep` (the one being
 * updated), while state_bytes is above max_state_bytes. */
static void corr_bound(struct correlator *c, const struct group *keep)
{
        while (c->st.state_bytes > c->o.max_state_bytes && c->lru_tail && c->lru_tail != keep) {
                group_destroy(c, c->lru_tail);
                c->st.evicted++;
        }
        if (c->st.state_bytes > c->st.state_bytes_peak)
                c->st.state_bytes_peak = c->st.state_bytes;
}

/* The group of (ci, key), created when absent (evicting the least recently
 * used at max_groups); NULL on ENOMEM. */
static struct group *group_get(struct correlator *c, size_t ci, const char *key)
{
        const struct corr_spec *s = &c->specs[ci];
        size_t len = strlen(key);
        uint64_t h = group_hash(c, ci, key, len);
        struct group *g = group_find(c, ci, key, len, h);

        if (g) {
                lru_unlink(c, g);
                lru_push(c, g);
                return g;
        }
        while (c->st.groups >= c->o.max_groups && c->lru_tail) {
                group_destroy(c, c->lru_tail);
                c->st.evicted++;
        }
        if (c->st.groups + 1 > c->nbuckets)
                (void)corr_rehash(c, c->nbuckets * 2);  /* on ENOMEM: longer chains */
        if (c->heap_n + 1 > c->heap_cap) {
                size_t cap = c->heap_cap ? c->heap_cap * 2 : CORR_MIN_BUCKETS;
                struct group **hp = realloc(c->heap, cap * sizeof(*hp));
                if (!hp)
                        return NULL;
                c->heap = hp;
                c->heap_cap = cap;
        }
        g = calloc(1, sizeof(*g) + len + 1);
        if (!g)
                return NULL;
        if (c->on_arrival[ci] && s->type != CORR_TEMPORAL_ORDERED &&
            wagg_init(&g->tail, s->type == CORR_TEMPORAL ? s->nrefs : 0, s->type == CORR_VALUE_COUNT) < 0) {
                free(g);
                return NULL;
        }
        window_init(&g->w);
        g->heap_idx = SIZE_MAX;
        g->decided_until = INT64_MIN;
        g->done_until = INT64_MIN;
        g->max_us = INT64_MIN;
        g->hash = h;
        g->ci = ci;
        g->keylen = len;
        memcpy(g->key, key, len + 1);
        g->hnext = c->buckets[h & (c->nbuckets - 1)];
        c->buckets[h & (c->nbuckets - 1)] = g;
        lru_push(c, g);
        c->st.groups++;
        corr_account(c, g);
        return g;
}

/* ---- fires ------------------------------------------------------------------ */

/* Queue a fire for observations [lo, hi) of g.  `trig` (an index, or
 * SIZE_MAX) is the observation that completed it: listed (ahead of older
 * kept events when the list is full) when its details were kept. */
static void corr_fire(struct correlator *c, struct group *g, size_t lo, size_t hi, size_t trig, double aggregate)
{
        const struct window *w = &g->w;
        size_t max = c->o.max_events_per_window, nev = 0;
        bool want_trig = trig >= lo && trig < hi && window_at(w, trig)->slot >= 0;
        struct pending *pe;
        char *mem;

        c->st.fired++;
        if (!c->o.fire || lo >= hi)
                return;
        for (size_t i = lo; i < hi && nev < max; i++) {
                const struct wobs *o = window_at(w, i);
                if (i == trig && o->slot >= 0) {
                        c->evbuf[nev++] = *window_slot(w, o->slot);
                        want_trig = false;
                } else if (o->slot >= 0 && nev + want_trig < max) {
                        c->evbuf[nev++] = *window_slot(w, o->slot);
                }
        }
        if (c->pend_n == c->pend_cap) {
                size_t cap = c->pend_cap ? c->pend_cap * 2 : 8;
                pe = realloc(c->pend, cap * sizeof(*pe));
                if (!pe)
                        return;
                c->pend = pe;
                c->pend_cap = cap;
        }
        mem = malloc(nev * sizeof(struct corr_event) + g->keylen + 1);
        if (!mem)
                return;
        memcpy(mem, c->evbuf, nev * sizeof(struct corr_event));
        memcpy(mem + nev * sizeof(struct corr_event), g->key, g->keylen + 1);
        pe = &c->pend[c->pend_n++];
        pe->mem = mem;
        pe->f = (struct corr_fire){
                .ci = g->ci,
                .key = mem + nev * sizeof(struct corr_event),
                .events = (const struct corr_event *)(void *)mem,
                .nevents = nev,
                .count = hi - lo,
                .aggregate = aggregate,
                .first_us = window_time(w, lo),
                .last_us = window_time(w, hi - 1),
        };
}

static void group_expire(struct correlator *c, struct group *g);

static bool corr_due(const struct correlator *c)
{
        return c->heap_n > 0 && (c->watermark == INT64_MAX || c->heap[0]->deadline < c->watermark);
}

/* Decide everything the watermark passed, one time point of one group at a
 * time in heap order (deadline, correlation, group key), delivering the
 * fires of each step before the next: a callback that observes (chaining)
 * or advances only updates state, and what that makes due is decided by
 * this same loop, in order.  Callbacks never nest. */
static void corr_run(struct correlator *c)
{
        if (c->depth || c->delivering)
                return;
        c->delivering = true;
        for (;;) {
                if (c->pend_head < c->pend_n) {
                        struct pending pe = c->pend[c->pend_head++];

                        c->o.fire(c->o.ud, &pe.f);
                        free(pe.mem);
                        continue;
                }
                c->pend_head = c->pend_n = 0;
                if (!corr_due(c))
                        break;
                group_expire(c, c->heap[0]);
        }
        c->delivering = false;
}

/* ---- decided on arrival ------------------------------------------------------ */

static bool agg_holds(const struct corr_spec *s, const struct wagg *a)
{
        switch (s->type) {
        case CORR_EVENT_COUNT: return corr_cond_holds(&s->cond, a->count);
        case CORR_VALUE_COUNT: return corr_cond_holds(&s->cond, a->vals.n);
        case CORR_TEMPORAL: return a->present == s->nrefs;
        default: return false;
        }
}

static double agg_value(const struct corr_spec *s, const struct wagg *a)
{
        switch (s->type) {
        case CORR_EVENT_COUNT: return a->count;
        case CORR_VALUE_COUNT: return a->vals.n;
        default: return (double)s->nrefs;
        }
}

/* Remove [0, k) of an on-arrival window, keeping the tail and the
 * processed prefix consistent. */
static void group_drop_front(struct group *g, size_t k)
{
        size_t pk = k < g->proc ? k : g->proc;

        if (!g->tail_dirty)
                for (size_t i = g->tail_lo; i < pk; i++)
                        wagg_del(&g->tail, window_at(&g->w, i));
        g->tail_lo = k > g->tail_lo ? 0 : g->tail_lo - (uint32_t)k;
        g->proc -= (uint32_t)pk;
        window_remove(&g->w, 0, k);
}

/* temporal_ordered at time point t (every observation ≤ t processed, none
 * of the earlier time points completed a chain): a chain ref 0 ≤ … ≤ ref
 * n-1 in time ending at t.  Greedy backwards gives the latest start; the
 * fired window is the chain's span [start, t] (what lies between is
 * consumed with it, an older stray observation is not). */
static bool process_ordered(const struct correlator *c, const struct group *g, int64_t t, size_t *lo)
{
        const struct corr_spec *s = &c->specs[g->ci];
        const struct window *w = &g->w;
        int64_t cur = t, lowb = sat_sub(t, s->timespan_us);

        for (size_t rr = s->nrefs; rr-- > 0;) {
                size_t i = window_upper(w, cur);
                bool found = false;

                while (i > 0) {
                        const struct wobs *o = window_at(w, --i);
                        if (o->time_us < lowb)
                                break;
                        if (o->ref == rr) {
                                cur = o->time_us;
                                found = true;
                                break;
                        }
                }
                if (!found)
                        return false;
        }
        *lo = window_lower(w, cur);
        return true;
}

/* Decide the next pending time point t of an on-arrival group (the
 * watermark passed it): every observation at t joins the processed prefix,
 * then the window [t - timespan, t] of processed, unconsumed observations
 * is evaluated exactly as an in-order stream would; when it holds it fires
 * and is consumed.  Observations with equal times are one time point, so
 * their arrival order does not matter. */
static void group_process(struct correlator *c, struct group *g)
{
        const struct corr_spec *s = &c->specs[g->ci];
        struct window *w = &g->w;
        int64_t t = window_time(w, g->proc), from = sat_sub(t, s->timespan_us);
        size_t first = g->proc, lo, hi;
        double aggregate = (double)s->nrefs;

        while (g->proc < w->n && window_time(w, g->proc) == t)
                g->proc++;
        g->done_until = t;
        hi = g->proc;
        if (s->type == CORR_TEMPORAL_ORDERED) {
                if (!process_ordered(c, g, t, &lo))
                        return;
        } else {
                if (g->tail_dirty) {
                        wagg_clear(&g->tail);
                        g->tail_lo = (uint32_t)window_lower(w, from);
                        first = g->tail_lo;
                        g->tail_dirty = false;
                }
                for (size_t i = first; i < hi; i++)
                        if (wagg_add(&g->tail, window_at(w, i)) < 0) {
                                g->tail_dirty = true;   /* rebuilt at the next time point */
                                return;
                        }
                while (window_time(w, g->tail_lo) < from)
                        wagg_del(&g->tail, window_at(w, g->tail_lo++));
                if (!agg_holds(s, &g->tail))
                        return;
                lo = g->tail_lo;
                aggregate = agg_value(s, &g->tail);
        }
        corr_fire(c, g, lo, hi, hi - 1, aggregate);
        window_remove(w, lo, hi);
        g->proc = (uint32_t)lo;
        if (s->type != CORR_TEMPORAL_ORDERED)
                wagg_clear(&g->tail);
        g->tail_lo = (uint32_t)lo;
}

/* ---- decided at close --------------------------------------------------------- */

/* The window anchored at the first observation f: [f, f + timespan]. */
static void group_decide(struct correlator *c, struct group *g)
{
        const struct corr_spec *s = &c->specs[g->ci];
        struct window *w = &g->w;
        int64_t end = sat_add(window_time(w, 0), s->timespan_us);
        size_t j = window_upper(w, end), d;
        double x = NAN;

        switch (s->type) {
        case CORR_EVENT_COUNT:
                x = (double)j;
                break;
        case CORR_VALUE_COUNT:
                if (window_distinct(w, 0, j, &c->vscratch, &d) == 0)
                        x = (double)d;
                break;
        case CORR_VALUE_SUM:
                x = window_sum(w, 0, j);
                break;
        case CORR_VALUE_AVG:
                x = window_sum(w, 0, j) / (double)j;
                break;
        case CORR_VALUE_PERCENTILE:
                if (window_percentile(w, 0, j, s->cond.percentile, &c->nums, &c->nums_cap, &x) < 0)
                        x = NAN;
                break;
        default:
                break;
        }
        if (corr_cond_holds(&s->cond, x))
                corr_fire(c, g, 0, j, SIZE_MAX, x);
        window_remove(w, 0, j);
        g->decided_until = end;
}

/* The watermark passed g's deadline: decide / drop what it closed, free
 * the group when nothing is left to wait for. */
static void group_expire(struct correlator *c, struct group *g)
{
        const struct corr_spec *s = &c->specs[g->ci];
        int64_t wm = c->watermark;
        bool flush = wm == INT64_MAX;

        if (!c->on_arrival[g->ci]) {
                /* one window per step: the heap orders the decisions */
                if (g->w.n > 0 && (flush || wm > sat_add(window_time(&g->w, 0), s->timespan_us)))
                        group_decide(c, g);
                else if (g->w.n == 0 && (flush || wm > sat_add(g->decided_until, s->timespan_us))) {
                        group_destroy(c, g);
                        return;
                }
        } else if (g->proc < g->w.n && window_time(&g->w, g->proc) == g->deadline) {
                group_process(c, g);    /* the due step is the next time point */
        } else {
                /* the due step is the oldest observation leaving every
                 * window still to decide: the watermark's, and the next
                 * pending time point's */
                int64_t lim = flush ? INT64_MAX : wm;
                size_t k;

                if (g->proc < g->w.n && window_time(&g->w, g->proc) < lim)
                        lim = window_time(&g->w, g->proc);
                k = lim == INT64_MAX ? g->w.n : window_lower(&g->w, sat_sub(lim, s->timespan_us));
                group_drop_front(g, k < g->proc ? k : g->proc);
                if (g->w.n == 0 && (flush || wm > sat_add(g->max_us, s->timespan_us))) {
                        group_destroy(c, g);
                        return;
                }
        }
        corr_account(c, g);
        group_schedule(c, g);
}


/* ---- observe / advance -------------------------------------------------------- */

static bool corr_parse_num(const char *v, double *out)
{
        char *end;
        double d;

        errno = 0;
        d = strtod(v, &end);
        if (end == v)
                return false;
        while (*end == ' ' || *end == '\t')
                end++;
        if (*end || !isfinite(d))
                return false;
        *out = d;
        return true;
}

/* An event time seen in the stream (skewed ones aside) moves the watermark
 * and the newest time; false when it is skewed. */
static bool corr_clock(struct correlator *c, int64_t t, int64_t recv_us)
{
        int64_t wm;

        if (recv_us > 0 && t > sat_add(recv_us, c->o.max_future_us))
                return false;
        wm = sat_sub(t, c->o.allowed_lateness_us);
        if (wm > c->watermark)
                c->watermark = wm;
        if (t >= c->max_time) {
                c->max_time = t;
                c->max_time_recv = recv_us;
        }
        return true;
}

static void corr_observe_one(struct correlator *c, size_t ci, const char *key, const struct corr_event *ev,
                             const char *value)
{
        const struct corr_spec *s = &c->specs[ci];
        int64_t t = ev->time_us;
        struct wobs o = { .time_us = t, .slot = -1, .ref = ev->ref };
        struct group *g;
        size_t p;
        int r;

        if (t < c->watermark && !(ev->recv_us > 0 && t > sat_add(ev->recv_us, c->o.max_future_us)))
                c->st.late++;
        if (!corr_clock(c, t, ev->recv_us))
                c->st.skewed++;
        if (ev->ref >= s->nrefs) {
                c->st.ignored++;
                return;
        }
        switch (s->type) {
        case CORR_VALUE_COUNT:
                if (!value) {
                        c->st.ignored++;
                        return;
                }
                o.vhash = siphash24(value, strlen(value), c->k1, c->k0);
                break;
        case CORR_VALUE_SUM:
        case CORR_VALUE_AVG:
        case CORR_VALUE_PERCENTILE:
                if (!value || !corr_parse_num(value, &o.num)) {
                        c->st.ignored++;
                        return;
                }
                break;
        default:
                break;
        }
        /* while the final flush runs, a fire's callback may still chain into
         * other correlations; after it everything is late */
        if ((c->watermark == INT64_MAX && !c->delivering) ||
            (c->watermark < INT64_MAX && t < sat_sub(c->watermark, s->timespan_us))) {
                c->st.dropped++;
                return;
        }
        g = group_get(c, ci, key);
        if (!g) {
                c->st.dropped++;
                return;
        }
        /* decided windows are never reopened: a close-decided window up to
         * decided_until, an on-arrival group's time points before done_until
         * (one at done_until is decided again with the newcomer) */
        if (c->on_arrival[ci] ? t < g->done_until : t <= g->decided_until) {
                c->st.dropped++;
                return;
        }
        r = window_insert(&g->w, &o, &p);
        if (r == -ENOSPC) {
                c->st.overflow++;
                if (!c->on_arrival[ci])
                        return;
                group_drop_front(g, 1);
                r = window_insert(&g->w, &o, &p);
        }
        if (r < 0) {
                c->st.dropped++;
        } else {
                if (t > g->max_us)
                        g->max_us = t;
                window_at(&g->w, p)->slot = window_slot_take(&g->w, c->o.max_events_per_window, ev);
                if (c->on_arrival[ci] && p < g->proc) {
                        /* at done_until, before processed ones of a higher
                         * ref: that time point is decided again, whole */
                        g->proc = (uint32_t)p;
                        g->tail_dirty = true;
                }
        }
        corr_account(c, g);
        group_schedule(c, g);
        corr_bound(c, g);
}

void correlator_observe(struct correlator *c, size_t ci, const char *key, const struct corr_event *ev,
                        const char *value)
{
        if (!c || ci >= c->nspecs || !key || !ev)
                return;
        c->st.observed++;
        c->depth++;
        corr_observe_one(c, ci, key, ev, value);
        c->depth--;
        corr_run(c);
}

void correlator_clock(struct correlator *c, int64_t time_us, int64_t recv_us)
{
        if (!c || c->depth)
                return;
        if (corr_clock(c, time_us, recv_us))
                corr_run(c);
}

void correlator_advance(struct correlator *c, int64_t now_us)
{
        int64_t wm;

        /* Idle input: event time moves on as fast as the processing clock
         * since the newest event arrived — not to the wall clock itself, so
         * a forwarder catching up on a backlog days old is not all late. */
        if (now_us == INT64_MAX)
                wm = INT64_MAX;
        else if (c->max_time_recv > 0 && c->max_time > INT64_MIN)
                wm = sat_sub(sat_add(c->max_time, sat_sub(now_us, c->max_time_recv)), c->o.allowed_lateness_us);
        else if (c->max_time_recv == 0 && c->max_time > INT64_MIN)
                wm = sat_sub(now_us, c->o.allowed_lateness_us);
        else
                return;         /* nothing observed yet: nothing to decide */

        if (wm > c->watermark)
                c->watermark = wm;
        corr_run(c);
}

const struct corr_stats *correlator_stats(const struct correlator *c)
{
        return &c->st;
}

/* ---- persistence ----------------------------------------------------------------- */

static void corr_save_event(struct state_writer *w, const struct corr_event *ev)
{
        state_put_i64(w, ev->time_us);
        state_put_i64(w, ev->recv_us);
        state_put_u64(w, ev->record_id);
        state_put_u8(w, ev->has_record_id);
        state_put_u16(w, ev->event_id);
        state_put_u16(w, ev->ref);
        state_put_str(w, ev->host, strnlen(ev->host, sizeof(ev->host)));
        state_put_str(w, ev->channel, strnlen(ev->channel, sizeof(ev->channel)));
}

int correlator_save(const struct correlator *c, const char *const *rule_ids, struct state_writer *w)
{
        state_put_u32(w, CORR_STATE_MAGIC);
        state_put_u32(w, CORR_STATE_VERSION);
        state_put_i64(w, c ? c->watermark : INT64_MIN);
        state_put_u64(w, c ? c->k0 : 0);
        state_put_u64(w, c ? c->k1 : 0);
        state_put_u64(w, c ? c->st.groups : 0);
        for (const struct group *g = c ? c->lru_tail : NULL; g && !w->err; g = g->prev) {
                const struct corr_spec *s = &c->specs[g->ci];
                const char *id = rule_ids[g->ci];

                state_put_str(w, id, strlen(id));
                state_put_u8(w, (uint8_t)s->type);
                state_put_u16(w, (uint16_t)s->nrefs);
                state_put_str(w, g->key, g->keylen);
                state_put_i64(w, g->decided_until);
                state_put_i64(w, g->done_until);
                state_put_i64(w, g->max_us);
                state_put_u32(w, g->w.n);
                state_put_u32(w, g->proc);
                for (size_t i = 0; i < g->w.n; i++) {
                        const struct wobs *o = window_at(&g->w, i);
                        const struct corr_event *ev = window_slot(&g->w, o->slot);

                        state_put_i64(w, o->time_us);
                        /* the hash, or the number's bits (the union's other member) */
                        state_put_u64(w, s->type >= CORR_VALUE_SUM || s->type == CORR_VALUE_COUNT ? o->vhash : 0);
                        state_put_u16(w, o->ref);
                        state_put_u8(w, ev != NULL);
                        if (ev)
                                corr_save_event(w, ev);
                }
        }
        return w->err;
}

/* Every group freed, the watermark back to "nothing seen". */
static void corr_clear(struct correlator *c)
{
        while (c->lru_head)
                group_destroy(c, c->lru_head);
        c->watermark = INT64_MIN;
        c->max_time = INT64_MIN;
        c->max_time_recv = 0;
}

/* A string from the state into dst (size ≥ max + 1), NUL-terminated;
 * embedded NULs are impossible values. */
static bool corr_restore_str(struct state_reader *r, const char *what, char *dst, size_t max)
{
        size_t len = 0;
        const char *p = state_get_str(r, max, &len);

        if (!p)
                return false;
        if (memchr(p, '\0', len)) {
                state_reader_fail(r, "%s contains a NUL byte", what);
                return false;
        }
        memcpy(dst, p, len);
        dst[len] = '\0';
        return true;
}

static bool corr_restore_event(struct state_reader *r, struct corr_event *ev)
{
        memset(ev, 0, sizeof(*ev));
        ev->time_us = state_get_i64(r);
        ev->recv_us = state_get_i64(r);
        ev->record_id = state_get_u64(r);
        ev->has_record_id = state_get_u8(r) != 0;
        ev->event_id = state_get_u16(r);
        ev->ref = state_get_u16(r);
        return corr_restore_str(r, "event host", ev->host, sizeof(ev->host) - 1) &&
               corr_restore_str(r, "event channel", ev->channel, sizeof(ev->channel) - 1);
}

struct corr_id {
        const char *id;
        size_t ci;
};

static int corr_id_cmp(const void *a, const void *b)
{
        return strcmp(((const struct corr_id *)a)->id, ((const struct corr_id *)b)->id);
}

/* One saved window: into g (NULL: read and skip it). */
static int corr_restore_obs(struct correlator *c, struct state_reader *r, struct group *g, uint64_t wi,
                            enum corr_type type, size_t nrefs, int64_t decided_until, int64_t done_until,
                            int64_t max_us, uint32_t nobs, uint32_t proc)
{
        bool on_arrival = g && c->on_arrival[g->ci];
        int64_t prev = INT64_MIN;

        for (uint32_t i = 0; i < nobs; i++) {
                struct wobs o = { .slot = -1 };
                struct corr_event ev = { 0 };
                uint64_t v;
                uint8_t kept;
                size_t pos;

                o.time_us = state_get_i64(r);
                v = state_get_u64(r);
                o.ref = state_get_u16(r);
                kept = state_get_u8(r);
                if (kept == 1 && !corr_restore_event(r, &ev))
                        return r->err;
                if (state_reader_error(r))
                        return r->err;
                if (kept > 1)
                        return state_reader_fail(r, "window %llu: bad kept flag %u", (unsigned long long)wi, kept);
                if (o.time_us < prev)
                        return state_reader_fail(r, "window %llu: observations out of time order",
                                                 (unsigned long long)wi);
                if (o.ref >= nrefs || (kept && ev.ref != o.ref))
                        return state_reader_fail(r, "window %llu: reference %u out of range", (unsigned long long)wi,
                                                 o.ref);
                if (o.time_us > max_us || (g && !on_arrival && o.time_us <= decided_until))
                        return state_reader_fail(r, "window %llu: observation outside the window's span",
                                                 (unsigned long long)wi);
                if (i < proc ? o.time_us > done_until : o.time_us < done_until)
                        return state_reader_fail(r, "window %llu: processed / pending observation on the "
                                                 "wrong side of its time point", (unsigned long long)wi);
                prev = o.time_us;
                if (type == CORR_VALUE_COUNT) {
                        o.vhash = v;
                } else if (type == CORR_VALUE_SUM || type == CORR_VALUE_AVG || type == CORR_VALUE_PERCENTILE) {
                        memcpy(&o.num, &v, sizeof(o.num));
                        if (!isfinite(o.num))
                                return state_reader_fail(r, "window %llu: value is not a finite number",
                                                         (unsigned long long)wi);
                }
                if (!g)
                        continue;
                if (window_insert(&g->w, &o, &pos) < 0)
                        return -ENOMEM;
                if (kept)
                        window_at(&g->w, pos)->slot = window_slot_take(&g->w, c->o.max_events_per_window, &ev);
        }
        return 0;
}

static int corr_restore_groups(struct correlator *c, const struct corr_id *ids, size_t nids,
                               struct state_reader *r, uint64_t nwin)
{
        _cleanup_free_ char *key = malloc(CORR_STATE_MAX_KEY + 1);
        char id[CORR_STATE_MAX_ID + 1];

        if (!key)
                return -ENOMEM;
        for (uint64_t wi = 0; wi < nwin; wi++) {
                struct corr_id want = { .id = id }, *hit;
                struct group *g = NULL;
                enum corr_type type;
                size_t nrefs, keylen;
                int64_t decided_until, done_until, max_us;
                uint32_t nobs, proc;
                int rc;

                if (!corr_restore_str(r, "rule id", id, CORR_STATE_MAX_ID))
                        return r->err;
                type = (enum corr_type)state_get_u8(r);
                nrefs = state_get_u16(r);
                if (!corr_restore_str(r, "group key", key, CORR_STATE_MAX_KEY))
                        return r->err;
                keylen = strlen(key);
                decided_until = state_get_i64(r);
                done_until = state_get_i64(r);
                max_us = state_get_i64(r);
                nobs = state_get_u32(r);
                proc = state_get_u32(r);
                if (state_reader_error(r))
                        return r->err;
                if (type < 0 || type >= _CORR_TYPE_MAX || nrefs < 1 || nobs > WINDOW_MAX_OBS || proc > nobs)
                        return state_reader_fail(r, "window %llu: impossible type, references or size",
                                                 (unsigned long long)wi);
                hit = bsearch(&want, ids, nids, sizeof(*ids), corr_id_cmp);
                if (hit && c->specs[hit->ci].type == type && c->specs[hit->ci].nrefs == nrefs) {
                        uint64_t h = group_hash(c, hit->ci, key, keylen);

                        if (group_find(c, hit->ci, key, keylen, h))
                                return state_reader_fail(r, "window %llu: duplicate (%s, group key)",
                                                         (unsigned long long)wi, id);
                        g = group_get(c, hit->ci, key);
                        if (!g)
                                return -ENOMEM;
                }
                rc = corr_restore_obs(c, r, g, wi, type, nrefs, decided_until, done_until, max_us, nobs, proc);
                if (rc < 0)
                        return rc;
                if (!g) {
                        c->st.restore_dropped++;
                        continue;
                }
                g->decided_until = decided_until;
                g->max_us = max_us;
                /* a correlation that became close-decided (its condition
                 * changed) re-judges every observation */
                g->done_until = c->on_arrival[g->ci] ? done_until : INT64_MIN;
                g->proc = c->on_arrival[g->ci] ? proc : 0;
                g->tail_dirty = true;
                g->tail_lo = 0;
                c->st.restored++;
                corr_account(c, g);
                group_schedule(c, g);
                corr_bound(c, g);
        }
        if (state_reader_left(r))
                return state_reader_fail(r, "%zu bytes after the last window", state_reader_left(r));
        return 0;
}

int correlator_restore(struct correlator *c, const char *const *rule_ids, size_t n, struct state_reader *r)
{
        _cleanup_free_ struct corr_id *ids = NULL;
        uint64_t magic, version, nwin, k0, k1;
        int64_t wm;
        size_t nids = 0;
        int rc;

        if (c->st.groups || c->watermark != INT64_MIN || c->st.observed)
                return -EBUSY;
        magic = state_get_u32(r);
        if (magic == CORR_STATE_MAGIC_V1)
                return state_reader_fail(r, "correlation state version mismatch: version 1 (this spoord reads %u)",
                                         CORR_STATE_VERSION);
        if (state_reader_error(r))
                return r->err;
        if (magic != CORR_STATE_MAGIC)
                return state_reader_fail(r, "not a correlation state");
        version = state_get_u32(r);
        if (state_reader_error(r))
                return r->err;
        if (version != CORR_STATE_VERSION)
                return state_reader_fail(r, "correlation state version mismatch: version %llu (this spoord reads %u)",
                                         (unsigned long long)version, CORR_STATE_VERSION);
        wm = state_get_i64(r);
        k0 = state_get_u64(r);
        k1 = state_get_u64(r);
        nwin = state_get_u64(r);
        if (state_reader_error(r))
                return r->err;
        /* each window takes at least 43 bytes: a count beyond that is a lie */
        if (nwin > state_reader_left(r) / 43)
                return state_reader_fail(r, "%llu windows cannot fit in %zu bytes", (unsigned long long)nwin,
                                         state_reader_left(r));
        if (n > c->nspecs)
                n = c->nspecs;
        ids = calloc(n ? n : 1, sizeof(*ids));
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (rule_ids[i])
                        ids[nids++] = (struct corr_id){ .id = rule_ids[i], .ci = i };
        qsort(ids, nids, sizeof(*ids), corr_id_cmp);
        if (nwin > 0) {
                /* value_count hashes and group hashes must match the saved ones */
                c->k0 = k0;
                c->k1 = k1;
        }
        rc = corr_restore_groups(c, ids, nids, r, nwin);
        if (rc < 0) {
                corr_clear(c);
                c->st.restored = 0;
                return rc;
        }
        c->watermark = wm;
        return 0;
}

/* ---- lifetime ------------------------------------------------------------------- */

struct correlator *correlator_new(const struct corr_spec *specs, size_t n, const struct corr_opts *o)
{
        struct correlator *c;
        uint64_t k[2];

        for (size_t i = 0; i < n; i++) {
                if (!corr_spec_valid(&specs[i])) {
                        errno = EINVAL;
                        return NULL;
                }
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                goto oom;
        if (o)
                c->o = *o;
        else
                corr_opts_init(&c->o);
        if (c->o.allowed_lateness_us < 0)
                c->o.allowed_lateness_us = CORR_DEFAULT_LATENESS_US;
        if (c->o.max_future_us <= 0)
                c->o.max_future_us = CORR_DEFAULT_FUTURE_US;
        if (!c->o.max_groups)
                c->o.max_groups = CORR_DEFAULT_GROUPS;
        if (!c->o.max_events_per_window)
                c->o.max_events_per_window = CORR_DEFAULT_EVENTS;
        if (!c->o.max_state_bytes)
                c->o.max_state_bytes = CORR_DEFAULT_STATE_BYTES;
        if (c->o.max_events_per_window > WINDOW_MAX_OBS)
                c->o.max_events_per_window = WINDOW_MAX_OBS;
        c->specs = specs;
        c->nspecs = n;
        c->watermark = INT64_MIN;
        c->max_time = INT64_MIN;
        c->max_time_recv = 0;
        if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
                k[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
                k[1] = (uint64_t)clock() * 0x9e3779b97f4a7c15ull;
        }
        c->k0 = k[0];
        c->k1 = k[1];
        c->on_arrival = calloc(n ? n : 1, sizeof(*c->on_arrival));
        c->buckets = calloc(CORR_MIN_BUCKETS, sizeof(*c->buckets));
        c->evbuf = calloc(c->o.max_events_per_window, sizeof(*c->evbuf));
        if (!c->on_arrival || !c->buckets || !c->evbuf)
                goto oom;
        c->nbuckets = CORR_MIN_BUCKETS;
        for (size_t i = 0; i < n; i++)
                c->on_arrival[i] = corr_spec_on_arrival(&specs[i]);
        corr_account(c, NULL);
        return c;
oom:
        correlator_free(c);
        errno = ENOMEM;
        return NULL;
}

void correlator_free(struct correlator *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->nbuckets; i++)
                for (struct group *g = c->buckets[i], *next; g; g = next) {
                        next = g->hnext;
                        window_free(&g->w);
                        wagg_free(&g->tail);
                        free(g);
                }
        for (size_t i = c->pend_head; i < c->pend_n; i++)
                free(c->pend[i].mem);
        free(c->pend);
        free(c->buckets);
        free(c->heap);
        free(c->on_arrival);
        free(c->evbuf);
        free(c->nums);
        vset_free(&c->vscratch);
        free(c);
}
