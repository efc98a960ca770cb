/* The telemetry-coverage model (contract in include/spoor/coverage.h).
 *
 * Decisions:
 *   - Hosts in a chained hash table (FNV-1a of the canonical name) with an
 *     LRU list; channels per host in a small array (hosts send few).
 *   - Channel names compare case-insensitively, as the ruleset indexes them.
 *   - A host is checked for channel_missing once after it has been sending
 *     for `grace` (last - first event time), and again after a reload.
 *   - events_lost holes: confirmed by the sequence's window, or at
 *     coverage_flush (end of a replay); a late record inside a confirmed
 *     hole fills it, the gap closes when it is full (ttr = fill time -
 *     opened), or when the channel has run COVERAGE_LOST_QUIET records in
 *     order without a new hole (ttr = the time the loss was seen to stop).
 *   - channel_missing gaps of a channel a reload no longer needs stay open
 *     until the channel arrives. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coverage_impl.h"
#include "spoor/metrics.h"
#include "spoor/recordseq.h"
#include "spoor/remedy.h"

_Static_assert(sizeof(metrics.gaps_opened) / sizeof(metrics.gaps_opened[0]) == _GAP_KIND_MAX,
               "metrics.gaps_opened is indexed by enum gap_kind");

uint64_t cov_hash(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

struct coverage *coverage_new(const struct coverage_opts *o)
{
        struct coverage *cov = calloc(1, sizeof(*cov));

        if (!cov)
                return NULL;
        cov->o = *o;
        if (!cov->o.max_hosts)
                cov->o.max_hosts = COVERAGE_MAX_HOSTS_DEFAULT;
        cov->nbuckets = 1024;
        cov->buckets = calloc(cov->nbuckets, sizeof(*cov->buckets));
        cov->gaps = gaps_new(o->write, o->ud);
        cov->gen = 1;
        if (!cov->buckets || !cov->gaps) {
                coverage_free(cov);
                return NULL;
        }
        return cov;
}

void coverage_configure(struct coverage *cov, const struct coverage_opts *o)
{
        cov->o.grace_us = o->grace_us;
        cov->o.silence_us = o->silence_us;
        cov->o.max_skew_us = o->max_skew_us;
        cov->o.twin_window_us = o->twin_window_us;
        cov->o.judge_clock = o->judge_clock;
}

static void cov_host_free(struct coverage *cov, struct cov_host *h)
{
        gaps_drop(cov->gaps, &h->gaps);
        cov_twins_host_fini(h);
        cov_silence_host_fini(h);
        cov_sender_host_fini(h);
        cov_fields_host_fini(h);
        for (size_t i = 0; i < h->nchans; i++) {
                cov_fields_chan_fini(&h->chans[i]);
                recordseq_fini(&h->chans[i].seq);
                free(h->chans[i].eids);
                free(h->chans[i].name);
        }
        free(h->chans);
        free(h->name);
        free(h);
}

static void cov_needs_free(struct coverage *cov)
{
        for (size_t i = 0; i < cov->nneeds; i++) {
                free(cov->needs[i].channel);
                free(cov->needs[i].rules);
        }
        free(cov->needs);
        cov->needs = NULL;
        cov->nneeds = 0;
}

void coverage_free(struct coverage *cov)
{
        if (!cov)
                return;
        for (struct cov_host *h = cov->lru_head, *n; h; h = n) {
                n = h->next;
                cov_host_free(cov, h);
        }
        free(cov->buckets);
        cov_needs_free(cov);
        cov_twins_fleet_fini(cov);
        cov_sender_fleet_fini(cov);
        cov_fields_fleet_fini(cov);
        if (cov->gaps)
                gaps_drop(cov->gaps, &cov->fleet_gaps);
        gaps_free(cov->gaps);
        free(cov);
}

int coverage_set_rules(struct coverage *cov, const struct ruleset *rs)
{
        size_t nrules = ruleset_rule_count(rs);

        cov_needs_free(cov);
        cov->rs = rs;
        cov->gen++;
        for (size_t i = 0; i < nrules; i++) {
                const struct sigma_variant *vs;
                size_t nv;

                ruleset_rule_at(rs, i, &vs, &nv);
                for (size_t k = 0; k < nv; k++) {
                        const char *ch = vs[k].source.channel;
                        size_t j;
                        struct cov_need *n;

                        if (!ch || !*ch)
                                continue;
                        for (j = 0; j < cov->nneeds && strcasecmp(cov->needs[j].channel, ch) != 0; j++)
                                ;
                        if (j == cov->nneeds) {
                                n = realloc(cov->needs, (cov->nneeds + 1) * sizeof(*n));
                                if (!n)
                                        return -ENOMEM;
                                cov->needs = n;
                                n[j] = (struct cov_need){ .channel = strdup(ch),
                                                          .event_id = vs[k].nevent_ids ? vs[k].event_ids[0] : 0 };
                                if (!n[j].channel)
                                        return -ENOMEM;
                                cov->nneeds++;
                        }
                        n = &cov->needs[j];
                        if (n->nrules && n->rules[n->nrules - 1] == i)
                                continue;       /* another variant of this rule on the channel */
                        {
                                size_t *rl = realloc(n->rules, (n->nrules + 1) * sizeof(*rl));

                                if (!rl)
                                        return -ENOMEM;
                                n->rules = rl;
                                rl[n->nrules++] = i;
                        }
                }
        }
        cov_twins_set_rules(cov);
        return cov_fields_set_rules(cov);
}

static struct cov_host *cov_find(const struct coverage *cov, const char *name, uint64_t hash)
{
        for (struct cov_host *h = cov->buckets[hash & (cov->nbuckets - 1)]; h; h = h->hnext)
                if (h->hash == hash && strcmp(h->name, name) == 0)
                        return h;
        return NULL;
}

static void cov_lru_unlink(struct coverage *cov, struct cov_host *h)
{
        if (h->prev)
                h->prev->next = h->next;
        else
                cov->lru_head = h->next;
        if (h->next)
                h->next->prev = h->prev;
        else
                cov->lru_tail = h->prev;
        h->prev = h->next = NULL;
}

static void cov_lru_front(struct coverage *cov, struct cov_host *h)
{
        h->next = cov->lru_head;
        h->prev = NULL;
        if (cov->lru_head)
                cov->lru_head->prev = h;
        cov->lru_head = h;
        if (!cov->lru_tail)
                cov->lru_tail = h;
}

static void cov_evict(struct coverage *cov, struct cov_host *h)
{
        struct cov_host **p = &cov->buckets[h->hash & (cov->nbuckets - 1)];

        while (*p != h)
                p = &(*p)->hnext;
        *p = h->hnext;
        cov_lru_unlink(cov, h);
        cov->nhosts--;
        metrics.coverage_hosts_evicted++;
        cov_host_free(cov, h);
}

static void cov_grow(struct coverage *cov)
{
        size_t n = cov->nbuckets * 2;
        struct cov_host **b = calloc(n, sizeof(*b));

        if (!b)
                return;         /* longer chains */
        for (struct cov_host *h = cov->lru_head; h; h = h->next) {
                h->hnext = b[h->hash & (n - 1)];
                b[h->hash & (n - 1)] = h;
        }
        free(cov->buckets);
        cov->buckets = b;
        cov->nbuckets = n;
}

static struct cov_host *cov_host_get(struct coverage *cov, const char *name, int64_t t)
{
        uint64_t hash = cov_hash(name);
        struct cov_host *h = cov_find(cov, name, hash);

        if (h) {
                cov_lru_unlink(cov, h);
                cov_lru_front(cov, h);
                return h;
        }
        while (cov->nhosts >= cov->o.max_hosts && cov->lru_tail)
                cov_evict(cov, cov->lru_tail);
        h = calloc(1, sizeof(*h));
        if (!h || !(h->name = strdup(name))) {
                free(h);
                return NULL;
        }
        h->hash = hash;
        h->first_us = h->last_us = t;
        if (cov->nhosts >= cov->nbuckets)
                cov_grow(cov);
        h->hnext = cov->buckets[hash & (cov->nbuckets - 1)];
        cov->buckets[hash & (cov->nbuckets - 1)] = h;
        cov_lru_front(cov, h);
        cov->nhosts++;
        return h;
}

struct cov_host *cov_host_find(const struct coverage *cov, const char *name)
{
        return cov_find(cov, name, cov_hash(name));
}

struct cov_chan *cov_chan_find(const struct cov_host *h, const char *name)
{
        for (size_t i = 0; i < h->nchans; i++)
                if (strcasecmp(h->chans[i].name, name) == 0)
                        return &h->chans[i];
        return NULL;
}

/* Count the event id in the channel's sorted set (bounded). */
static void cov_chan_eid(struct cov_chan *c, uint16_t id)
{
        size_t lo = 0, hi = c->neids;
        struct coverage_eid *n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (c->eids[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < c->neids && c->eids[lo].id == id) {
                c->eids[lo].count++;
                return;
        }
        if (c->neids == COVERAGE_MAX_EIDS || !(n = realloc(c->eids, (c->neids + 1) * sizeof(*n)))) {
                c->eids_dropped++;
                return;
        }
        c->eids = n;
        memmove(&n[lo + 1], &n[lo], (c->neids - lo) * sizeof(*n));
        n[lo] = (struct coverage_eid){ id, 1 };
        c->neids++;
}

/* ---- gap kinds ------------------------------------------------------- */

void cov_open(struct coverage *cov, struct cov_host *h, struct gap *g)
{
        gaps_open(cov->gaps, &h->gaps, g);
}

static void cov_field_missing(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
        static const uint16_t eid[] = { 4688 };
        const struct winevent_field *f;
        struct gap *g;
        bool empty;

        if (ev->event_id != 4688 || strcasecmp(ev->channel, "Security") != 0)
                return;
        f = winevent_get(ev, "CommandLine");
        empty = !f || f->len == 0;
        g = gaps_find(&h->gaps, GAP_FIELD_MISSING, "Security", "CommandLine");
        if (!empty) {
                if (g)
                        gaps_close(cov->gaps, &h->gaps, g, ev->time_us);
                return;
        }
        if (g || !(g = gap_new(GAP_FIELD_MISSING, h->name, "Security", eid, 1, "CommandLine", ev->time_us)))
                return;
        if (ev->has_record_id)
                gap_set_evidence(g, "4688 record %" PRIu64 " has %s CommandLine", ev->record_id,
                                 f ? "an empty" : "no");
        else
                gap_set_evidence(g, "a 4688 has %s CommandLine", f ? "an empty" : "no");
        gap_set_remedy(g, remedy_cmdline_policy());
        cov_open(cov, h, g);
}

static void cov_lost(struct coverage *cov, struct cov_host *h, const struct cov_chan *c,
                     const struct recordseq_out *out, int64_t t)
{
        for (size_t i = 0; i < out->nlost; i++) {
                const struct recordseq_hole *x = &out->lost[i];
                uint64_t n = x->hi - x->lo + 1 - x->filled;
                struct gap *g = gap_new(GAP_EVENTS_LOST, h->name, c->name, NULL, 0, NULL, t);

                if (!g)
                        return;
                g->lo = x->lo;
                g->hi = x->hi;
                g->missing = n;
                if (x->filled)
                        gap_set_evidence(g, "records %" PRIu64 "..%" PRIu64 " (%" PRIu64 ") missing (%" PRIu64
                                         " of the range arrived late)", x->lo, x->hi, n, x->filled);
                else
                        gap_set_evidence(g, "records %" PRIu64 "..%" PRIu64 " (%" PRIu64 ") missing", x->lo, x->hi, n);
                {
                        char remedy[512];

                        snprintf(remedy, sizeof(remedy), "check the forwarder's queue and the channel's size "
                                 "(wevtutil gl \"%s\"; raise it with wevtutil sl \"%s\" /ms:<bytes>) so events "
                                 "are not overwritten or dropped before they are sent", c->name, c->name);
                        gap_set_remedy(g, remedy);
                }
                cov_open(cov, h, g);
        }
}

/* A record older than the window: it fills a confirmed hole, or it was
 * seen before. */
static bool cov_fill(struct coverage *cov, struct cov_host *h, const struct cov_chan *c, uint64_t rec, int64_t t)
{
        for (struct gap *g = h->gaps.head; g; g = g->next) {
                if (g->kind != GAP_EVENTS_LOST || strcasecmp(g->channel, c->name) != 0 || rec < g->lo ||
                    rec > g->hi)
                        continue;
                if (g->missing && --g->missing == 0)
                        gaps_close(cov->gaps, &h->gaps, g, t);
                return true;
        }
        return false;
}

/* The channel has delivered COVERAGE_LOST_QUIET records in order since its
 * last hole: the loss stopped, its gaps close. */
static void cov_lost_age(struct coverage *cov, struct cov_host *h, const struct cov_chan *c, int64_t t)
{
        struct gap *g;

        while ((g = gaps_find(&h->gaps, GAP_EVENTS_LOST, c->name, NULL)))
                gaps_close(cov->gaps, &h->gaps, g, t);
}

static void cov_duplicate(struct coverage *cov, struct cov_host *h, const struct cov_chan *c, uint64_t rec,
                          int64_t t)
{
        struct gap *g = gaps_find(&h->gaps, GAP_EVENTS_DUPLICATED, c->name, NULL);

        if (g) {
                g->quiet = 0;
                return;
        }
        if (!(g = gap_new(GAP_EVENTS_DUPLICATED, h->name, c->name, NULL, 0, NULL, t)))
                return;
        gap_set_evidence(g, "record %" PRIu64 " arrived twice", rec);
        gap_set_remedy(g, "check the forwarder for redelivery (several outputs or routes to spoord, a "
                          "bookmark that is not saved, a replayed file)");
        cov_open(cov, h, g);
}

static void cov_sequence(struct coverage *cov, struct cov_host *h, struct cov_chan *c, const struct winevent *ev)
{
        struct recordseq_out out;
        struct gap *dup;

        if (ev->event_id == 1102 && strcasecmp(c->name, "Security") == 0)
                recordseq_reset(&c->seq);       /* the cleared Security log starts again */
        if (ev->event_id == 104 && strcasecmp(c->name, "System") == 0)
                for (size_t i = 0; i < h->nchans; i++)
                        if (&h->chans[i] != c)
                                recordseq_allow_restart(&h->chans[i].seq);
        recordseq_observe(&c->seq, ev->record_id, &out);
        cov_lost(cov, h, c, &out, ev->time_us);
        dup = gaps_find(&h->gaps, GAP_EVENTS_DUPLICATED, c->name, NULL);
        switch (out.what) {
        case RECORDSEQ_DUPLICATE:
                cov_duplicate(cov, h, c, ev->record_id, ev->time_us);
                break;
        case RECORDSEQ_LATE:
                if (!cov_fill(cov, h, c, ev->record_id, ev->time_us))
                        cov_duplicate(cov, h, c, ev->record_id, ev->time_us);
                break;
        case RECORDSEQ_IN_ORDER:
                if (dup && ++dup->quiet >= COVERAGE_DUP_QUIET)
                        gaps_close(cov->gaps, &h->gaps, dup, ev->time_us);
                if (++c->in_order_quiet >= COVERAGE_LOST_QUIET)
                        cov_lost_age(cov, h, c, ev->time_us);
                break;
        default:
                break;
        }
        if (out.nlost)
                c->in_order_quiet = 0;  /* counted from the record after the one that confirmed a hole */
}

void cov_blinds_channel(const struct coverage *cov, const struct cov_host *h, struct gap *g, const char *channel,
                        bool all_rules)
{
        const struct cov_need *need = NULL;

        for (size_t j = 0; j < cov->nneeds && !need; j++)
                if (strcasecmp(cov->needs[j].channel, channel) == 0)
                        need = &cov->needs[j];
        if (!need)
                return;         /* no rule reads the channel */
        for (size_t x = 0; x < need->nrules; x++) {
                size_t i = need->rules[x];
                const struct sigma_variant *vs;
                size_t nv;
                const struct sigma_rule *r = ruleset_rule_at(cov->rs, i, &vs, &nv);
                bool reads = false, blind = nv > 0;

                for (size_t k = 0; k < nv; k++) {
                        const char *ch = vs[k].source.channel;

                        if (ch && strcasecmp(ch, channel) == 0)
                                reads = true;
                        if (!all_rules && (!ch || !*ch || cov_chan_find(h, ch)))
                                blind = false;
                }
                if (reads && blind)
                        gap_add_blind(g, r->id, r->title);
        }
}

static void cov_channel_missing(struct coverage *cov, struct cov_host *h, int64_t t)
{
        if (h->checked_gen == cov->gen || h->last_us - h->first_us < cov->o.grace_us)
                return;
        h->checked_gen = cov->gen;
        for (size_t i = 0; i < cov->nneeds; i++) {
                const struct cov_need *n = &cov->needs[i];
                char remedy[1024];
                struct gap *g;

                if (cov_chan_find(h, n->channel) || gaps_find(&h->gaps, GAP_CHANNEL_MISSING, n->channel, NULL))
                        continue;
                g = gap_new(GAP_CHANNEL_MISSING, h->name, n->channel, &n->event_id, n->event_id ? 1 : 0, NULL, t);
                if (!g)
                        return;
                gap_set_evidence(g, "%s sent %zu channel%s for %llds of event time, never %s", h->name, h->nchans,
                                 h->nchans == 1 ? "" : "s", (long long)((h->last_us - h->first_us) / 1000000),
                                 n->channel);
                gap_set_remedy(g, remedy_for(n->channel, n->event_id, remedy, sizeof(remedy)));
                cov_blinds_channel(cov, h, g, n->channel, false);
                cov_open(cov, h, g);
        }
}

/* ---- events ---------------------------------------------------------- */

void coverage_event(struct coverage *cov, const struct winevent *ev)
{
        struct cov_host *h;
        struct cov_chan *c;
        const char *chname = ev->channel ? ev->channel : "";

        if (!cov || !ev->host[0])
                return;
        if (!(h = cov_host_get(cov, ev->host, ev->time_us)))
                return;
        if (ev->time_us < h->first_us)
                h->first_us = ev->time_us;
        if (ev->time_us > h->last_us)
                h->last_us = ev->time_us;
        c = cov_chan_find(h, chname);
        if (!c) {
                struct gap *g;

                if (h->nchans == COVERAGE_MAX_CHANS) {
                        metrics.coverage_chans_dropped++;
                        return;
                }
                if (h->nchans == h->cap) {
                        /* one at a time while few (most hosts send two or three channels) */
                        size_t cap = h->cap < 4 ? h->cap + 1 : h->cap * 2;
                        struct cov_chan *n = realloc(h->chans, cap * sizeof(*n));

                        if (!n)
                                return;
                        h->chans = n;
                        h->cap = cap;
                }
                c = &h->chans[h->nchans];
                memset(c, 0, sizeof(*c));
                if (!(c->name = strdup(chname)))
                        return;
                c->first_us = c->last_us = ev->time_us;
                h->nchans++;
                if ((g = gaps_find(&h->gaps, GAP_CHANNEL_MISSING, chname, NULL)))
                        gaps_close(cov->gaps, &h->gaps, g, ev->time_us);
        }
        if (ev->time_us < c->first_us)
                c->first_us = ev->time_us;
        if (ev->time_us > c->last_us)
                c->last_us = ev->time_us;
        c->count++;
        cov_chan_eid(c, (uint16_t)ev->event_id);
        if (ev->time_us > cov->newest_us)
                cov->newest_us = ev->time_us;
        if (ev->has_record_id)
                cov_sequence(cov, h, c, ev);
        cov_field_missing(cov, h, ev);
        cov_channel_missing(cov, h, ev->time_us);
        cov_twins_event(cov, h, ev);
        cov_silence_event(cov, h, c, ev);
        cov_sender_event(cov, h, ev);
        cov_fields_event(cov, h, c, ev);
}

void coverage_flush(struct coverage *cov)
{
        if (!cov)
                return;
        for (struct cov_host *h = cov->lru_head; h; h = h->next)
                for (size_t i = 0; i < h->nchans; i++) {
                        struct recordseq_out out;

                        recordseq_flush(&h->chans[i].seq, &out);
                        cov_lost(cov, h, &h->chans[i], &out, h->chans[i].last_us);
                }
        for (struct cov_host *h = cov->lru_head; h; h = h->next)
                cov_twins_flush(cov, h);
}

size_t coverage_caveats(const struct coverage *cov, const char *host, struct record_caveat *out, size_t max)
{
        const struct cov_host *h = cov ? cov_find(cov, host, cov_hash(host)) : NULL;
        size_t n = 0;

        for (const struct gap *g = h ? h->gaps.head : NULL; g && n < max; g = g->next)
                out[n++] = (struct record_caveat){ g->id, g->evidence ? g->evidence : "" };
        return n;
}

bool coverage_channel(const struct coverage *cov, const char *host, const char *channel,
                      struct coverage_channel_stats *out)
{
        const struct cov_host *h = cov_find(cov, host, cov_hash(host));
        const struct cov_chan *c = h ? cov_chan_find(h, channel) : NULL;

        if (!c)
                return false;
        *out = (struct coverage_channel_stats){ .first_us = c->first_us, .last_us = c->last_us, .count = c->count,
                                                .eids = c->eids, .neids = c->neids, .eids_dropped = c->eids_dropped,
                                                .hwm = c->seq.hwm, .has_hwm = c->seq.started };
        return true;
}

bool coverage_host(const struct coverage *cov, const char *host, int64_t *first_us, int64_t *last_us)
{
        const struct cov_host *h = cov_find(cov, host, cov_hash(host));

        if (!h)
                return false;
        *first_us = h->first_us;
        *last_us = h->last_us;
        return true;
}

size_t coverage_host_count(const struct coverage *cov)
{
        return cov->nhosts;
}

size_t coverage_open_gaps(const struct coverage *cov)
{
        return gaps_open_count(cov->gaps);
}

uint64_t coverage_closed_gaps(const struct coverage *cov)
{
        return gaps_closed_count(cov->gaps);
}

uint64_t coverage_surfaced_gaps(const struct coverage *cov)
{
        return gaps_opened_count(cov->gaps);
}

const struct gap *coverage_fleet_gaps(const struct coverage *cov)
{
        return cov->fleet_gaps.head;
}

bool coverage_median_ttr(const struct coverage *cov, double *out_s)
{
        return gaps_median_ttr(cov->gaps, out_s);
}

size_t coverage_hosts(const struct coverage *cov, struct coverage_host_view *out, size_t max)
{
        size_t n = 0;

        for (const struct cov_host *h = cov->lru_head; h && n < max; h = h->next)
                out[n++] = (struct coverage_host_view){ h->name, h->first_us, h->last_us, h->nchans, h->gaps.head, h };
        return n;
}

const char *coverage_host_channel(const struct coverage_host_view *hv, size_t i, struct coverage_channel_stats *out)
{
        const struct cov_host *h = hv->priv;
        const struct cov_chan *c;

        if (i >= h->nchans)
                return NULL;
        c = &h->chans[i];
        *out = (struct coverage_channel_stats){ .first_us = c->first_us, .last_us = c->last_us, .count = c->count,
                                                .eids = c->eids, .neids = c->neids, .eids_dropped = c->eids_dropped,
                                                .hwm = c->seq.hwm, .has_hwm = c->seq.started };
        return c->name;
}
