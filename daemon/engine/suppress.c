/* Suppression of repeated leads (contract in include/spoor/suppress.h).
 *
 * Decisions:
 *   - One table keyed (rule id, group key): chained buckets, doubled when
 *     the load passes 1, and an intrusive LRU list (a lead of the key
 *     moves it to the front; the bound evicts from the back).
 *   - Expiry without a timer wheel: the earliest event-time end and the
 *     earliest processing-time end over all windows are kept; a check or an
 *     advance scans the table only when the clock passed one of them, and
 *     recomputes both during the scan.  Windows end rarely compared with
 *     leads, and a scan is O(open windows).
 *   - Summaries that end together are delivered in the order their windows
 *     opened (event time, then arrival), never in hash order: a replay
 *     writes the same file every time.
 *   - A lead dated before its window opened (out of order) is still
 *     suppressed: the window is a burst of the same lead, not a range.
 *   - Each window keeps the first SUPPRESS_MAX_IDS suppressed ids and the
 *     first suppressed lead's first event: under a kilobyte per key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/suppress.h"

#define SUPPRESS_DEFAULT_MAX_KEYS 100000
#define SUPPRESS_DEFAULT_MAX_FUTURE_US (300 * (int64_t)1000000)
#define SUPPRESS_MIN_BUCKETS 64

struct sup_win {
        struct sup_win *hnext;                  /* bucket chain */
        struct sup_win *prev, *next;            /* LRU list, most recent first */
        uint64_t hash, seq;
        const void *rule;
        int kind;
        int64_t window_us, opened_us, end_us, recv_end_us;
        uint64_t count;
        int64_t first_us, last_us;
        char lead_id[RECORD_ID_LEN + 1];
        char ids[SUPPRESS_MAX_IDS][RECORD_ID_LEN + 1];
        size_t nids;
        struct corr_event event;
        char host[256];                         /* the first suppressed lead's host */
        char *group;                            /* into key[] */
        char key[];                             /* rule id \0 group \0 */
};

struct suppressor {
        struct suppress_opts o;
        struct sup_win **buckets;
        size_t nbuckets;
        struct sup_win *head, *tail;
        uint64_t seq;
        int64_t clock_us;                       /* newest (unskewed) lead event time */
        int64_t next_end_us, next_recv_end_us;  /* earliest ends; INT64_MAX when none */
        struct suppress_stats st;
};

static const char *const suppress_end_names[_SUPPRESS_END_MAX] = {
        [SUPPRESS_END_WINDOW] = "window",
        [SUPPRESS_END_EVICTED] = "evicted",
        [SUPPRESS_END_FLUSH] = "flush",
};

const char *suppress_end_name(enum suppress_end e)
{
        return e < _SUPPRESS_END_MAX ? suppress_end_names[e] : "unknown";
}

static int64_t sat_add(int64_t a, int64_t b)
{
        return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* FNV-1a over rule id, 0x1f, group. */
static uint64_t suppress_hash(const char *rule_id, const char *group)
{
        uint64_t h = 0xcbf29ce484222325ull;

        for (const unsigned char *p = (const unsigned char *)rule_id; *p; p++)
                h = (h ^ *p) * 0x100000001b3ull;
        h = (h ^ 0x1f) * 0x100000001b3ull;
        for (const unsigned char *p = (const unsigned char *)group; *p; p++)
                h = (h ^ *p) * 0x100000001b3ull;
        return h;
}

struct suppressor *suppress_new(const struct suppress_opts *o)
{
        struct suppressor *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        if (o)
                s->o = *o;
        if (!s->o.max_keys)
                s->o.max_keys = SUPPRESS_DEFAULT_MAX_KEYS;
        if (s->o.max_future_us <= 0)
                s->o.max_future_us = SUPPRESS_DEFAULT_MAX_FUTURE_US;
        s->nbuckets = SUPPRESS_MIN_BUCKETS;
        s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
        if (!s->buckets) {
                free(s);
                errno = ENOMEM;
                return NULL;
        }
        s->clock_us = INT64_MIN;
        s->next_end_us = s->next_recv_end_us = INT64_MAX;
        s->st.state_bytes = sizeof(*s) + s->nbuckets * sizeof(*s->buckets);
        return s;
}

static void suppress_lru_unlink(struct suppressor *s, struct sup_win *w)
{
        if (w->prev)
                w->prev->next = w->next;
        else
                s->head = w->next;
        if (w->next)
                w->next->prev = w->prev;
        else
                s->tail = w->prev;
        w->prev = w->next = NULL;
}

static void suppress_lru_front(struct suppressor *s, struct sup_win *w)
{
        w->next = s->head;
        w->prev = NULL;
        if (s->head)
                s->head->prev = w;
        s->head = w;
        if (!s->tail)
                s->tail = w;
}

static struct sup_win *suppress_find(struct suppressor *s, uint64_t h, const char *rule_id, const char *group)
{
        for (struct sup_win *w = s->buckets[h & (s->nbuckets - 1)]; w; w = w->hnext)
                if (w->hash == h && strcmp(w->key, rule_id) == 0 && strcmp(w->group, group) == 0)
                        return w;
        return NULL;
}

/* Unlink from bucket and LRU list and free. */
static void suppress_remove(struct suppressor *s, struct sup_win *w)
{
        struct sup_win **pp = &s->buckets[w->hash & (s->nbuckets - 1)];

        while (*pp && *pp != w)
                pp = &(*pp)->hnext;
        if (*pp)
                *pp = w->hnext;
        suppress_lru_unlink(s, w);
        s->st.keys--;
        s->st.state_bytes -= sizeof(*w) + strlen(w->key) + strlen(w->group) + 2;
        free(w);
}

static void suppress_deliver(struct suppressor *s, const struct sup_win *w, enum suppress_end why)
{
        struct suppress_summary sum;

        if (w->count == 0)
                return;
        sum = (struct suppress_summary){
                .rule = w->rule, .kind = w->kind, .rule_id = w->key, .group = w->group, .host = w->host,
                .lead_id = w->lead_id, .window_us = w->window_us, .opened_us = w->opened_us,
                .count = w->count, .first_us = w->first_us, .last_us = w->last_us,
                .ids = w->ids, .nids = w->nids, .event = &w->event, .ended = why,
        };
        s->st.summaries++;
        if (s->o.summary)
                s->o.summary(s->o.ud, &sum);
}

static int suppress_cmp_open(const void *a, const void *b)
{
        const struct sup_win *x = *(const struct sup_win *const *)a, *y = *(const struct sup_win *const *)b;

        if (x->opened_us != y->opened_us)
                return x->opened_us < y->opened_us ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* End the windows that `all` says, or whose end the clocks passed, in the
 * order they opened; recompute the earliest ends. */
static void suppress_expire(struct suppressor *s, int64_t now_us, bool all, enum suppress_end why)
{
        struct sup_win **done;
        size_t n = 0;

        s->next_end_us = s->next_recv_end_us = INT64_MAX;
        if (s->st.keys == 0)
                return;
        done = malloc(s->st.keys * sizeof(*done));
        for (struct sup_win *w = s->head; w; w = w->next) {
                if (all || w->end_us <= s->clock_us || w->recv_end_us <= now_us) {
                        if (done) {
                                done[n++] = w;
                                continue;
                        }
                        /* no memory to order them: deliver in LRU order */
                        suppress_deliver(s, w, why);
                        w->count = 0;
                        w->end_us = INT64_MIN;  /* removed below */
                        continue;
                }
                if (w->end_us < s->next_end_us)
                        s->next_end_us = w->end_us;
                if (w->recv_end_us < s->next_recv_end_us)
                        s->next_recv_end_us = w->recv_end_us;
        }
        if (!done) {
                for (struct sup_win *w = s->head, *nx; w; w = nx) {
                        nx = w->next;
                        if (w->end_us == INT64_MIN)
                                suppress_remove(s, w);
                }
                return;
        }
        qsort(done, n, sizeof(*done), suppress_cmp_open);
        for (size_t i = 0; i < n; i++) {
                suppress_deliver(s, done[i], why);
                suppress_remove(s, done[i]);
        }
        free(done);
}

static void suppress_grow(struct suppressor *s)
{
        size_t nb = s->nbuckets * 2;
        struct sup_win **b = calloc(nb, sizeof(*b));

        if (!b)
                return;         /* longer chains, still correct */
        for (size_t i = 0; i < s->nbuckets; i++)
                for (struct sup_win *w = s->buckets[i], *nx; w; w = nx) {
                        nx = w->hnext;
                        w->hnext = b[w->hash & (nb - 1)];
                        b[w->hash & (nb - 1)] = w;
                }
        free(s->buckets);
        s->st.state_bytes += (nb - s->nbuckets) * sizeof(*b);
        s->buckets = b;
        s->nbuckets = nb;
}

/* Open a window for l; false on ENOMEM (the lead is written anyway). */
static bool suppress_open(struct suppressor *s, const struct suppress_lead *l, uint64_t h)
{
        size_t lr = strlen(l->rule_id), lg = strlen(l->group);
        struct sup_win *w;

        while (s->st.keys >= s->o.max_keys && s->tail) {
                struct sup_win *old = s->tail;

                s->st.evicted++;
                suppress_deliver(s, old, SUPPRESS_END_EVICTED);
                suppress_remove(s, old);
        }
        if (s->st.keys >= s->nbuckets)
                suppress_grow(s);
        w = calloc(1, sizeof(*w) + lr + lg + 2);
        if (!w)
                return false;
        memcpy(w->key, l->rule_id, lr + 1);
        w->group = w->key + lr + 1;
        memcpy(w->group, l->group, lg + 1);
        w->hash = h;
        w->seq = s->seq++;
        w->rule = l->rule;
        w->kind = l->kind;
        w->window_us = l->window_us;
        w->opened_us = l->time_us;
        w->end_us = sat_add(l->time_us, l->window_us);
        w->recv_end_us = l->recv_us > 0 ? sat_add(l->recv_us, l->window_us) : INT64_MAX;
        snprintf(w->lead_id, sizeof(w->lead_id), "%s", l->id ? l->id : "");
        w->hnext = s->buckets[h & (s->nbuckets - 1)];
        s->buckets[h & (s->nbuckets - 1)] = w;
        suppress_lru_front(s, w);
        s->st.keys++;
        s->st.state_bytes += sizeof(*w) + lr + lg + 2;
        if (w->end_us < s->next_end_us)
                s->next_end_us = w->end_us;
        if (w->recv_end_us < s->next_recv_end_us)
                s->next_recv_end_us = w->recv_end_us;
        return true;
}

static void suppress_add(struct suppressor *s, struct sup_win *w, const struct suppress_lead *l)
{
        if (w->count == 0 || l->time_us < w->first_us)
                w->first_us = l->time_us;
        if (w->count == 0 || l->time_us > w->last_us)
                w->last_us = l->time_us;
        if (w->count == 0) {
                if (l->event)
                        w->event = *l->event;
                snprintf(w->host, sizeof(w->host), "%s", l->host ? l->host : "");
        }
        if (w->nids < SUPPRESS_MAX_IDS)
                snprintf(w->ids[w->nids++], RECORD_ID_LEN + 1, "%s", l->id ? l->id : "");
        w->count++;
        s->st.suppressed++;
        suppress_lru_unlink(s, w);
        suppress_lru_front(s, w);
}

bool suppress_check(struct suppressor *s, const struct suppress_lead *l)
{
        struct sup_win *w;
        uint64_t h;

        if (!s || !l || l->window_us <= 0 || !l->rule_id || !l->group)
                return true;
        if (l->recv_us <= 0 || l->time_us <= sat_add(l->recv_us, s->o.max_future_us))
                if (l->time_us > s->clock_us)
                        s->clock_us = l->time_us;
        if (s->clock_us >= s->next_end_us)
                suppress_expire(s, INT64_MIN, false, SUPPRESS_END_WINDOW);
        h = suppress_hash(l->rule_id, l->group);
        w = suppress_find(s, h, l->rule_id, l->group);
        if (w && l->time_us >= w->end_us) {
                /* a skewed lead past the end: it ends this window and opens the next */
                suppress_deliver(s, w, SUPPRESS_END_WINDOW);
                suppress_remove(s, w);
                w = NULL;
        }
        if (w) {
                suppress_add(s, w, l);
                return false;
        }
        suppress_open(s, l, h);
        return true;
}

void suppress_advance(struct suppressor *s, int64_t now_us)
{
        if (!s)
                return;
        if (now_us == INT64_MAX) {
                suppress_expire(s, now_us, true, SUPPRESS_END_FLUSH);
                return;
        }
        if (now_us >= s->next_recv_end_us || s->clock_us >= s->next_end_us)
                suppress_expire(s, now_us, false, SUPPRESS_END_WINDOW);
}

void suppress_flush(struct suppressor *s)
{
        if (s)
                suppress_expire(s, INT64_MAX, true, SUPPRESS_END_FLUSH);
}

void suppress_free(struct suppressor *s)
{
        if (!s)
                return;
        for (struct sup_win *w = s->head, *nx; w; w = nx) {
                nx = w->next;
                free(w);
        }
        free(s->buckets);
        free(s);
}

const struct suppress_stats *suppress_stats(const struct suppressor *s)
{
        return &s->st;
}
