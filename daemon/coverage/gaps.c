/* Gap lifecycle and records (contract in include/spoor/gaps.h).
 *
 * Decisions:
 *   - The id hashes kind, host, channel, event ids, the field (events_lost:
 *     the range "r<lo>-<hi>", so two holes confirmed by one event differ)
 *     and the opened time (event time): a replay writes the same ids.
 *   - Records are written through a callback (the engine's spool), so the
 *     module is testable without a spool.
 *   - Metrics: spoor_gaps_open (gauge), spoor_gaps_opened_total{kind},
 *     spoor_gaps_closed_total, spoor_gaps_ttr_median_seconds (recomputed
 *     at each close: a sort of at most GAPS_TTR_SAMPLES values, and gaps
 *     close rarely).
 *   - The strings many open gaps repeat (host, channel, field, key,
 *     remedy, the blinded rules' ids and titles: a host short of channels
 *     has a channel_missing gap per channel, each blinding up to 20 rules,
 *     and so has the next host) are shared, counted, in a table of the
 *     struct gaps from gaps_open / gaps_adopt on (gap->shared) until the
 *     gap closes or is dropped.  Before that a gap owns its copies, so
 *     gap_new, gap_set_* and gap_free work without the table; without
 *     memory for the table a gap just keeps them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/random.h>

#include "spoor/gaps.h"
#include "spoor/siphash.h"
#include "spoor/log.h"
#include "spoor/metrics.h"
#include "spoor/timefmt.h"

static const char *const gap_kind_names[_GAP_KIND_MAX] = {
        [GAP_CHANNEL_MISSING] = "channel_missing",
        [GAP_FIELD_MISSING] = "field_missing",
        [GAP_EVENTS_LOST] = "events_lost",
        [GAP_EVENTS_DUPLICATED] = "events_duplicated",
        [GAP_AUDIT_OFF] = "audit_off",
        [GAP_HOST_SILENT] = "host_silent",
        [GAP_CHANNEL_SILENT] = "channel_silent",
        [GAP_CLOCK_SKEW] = "clock_skew",
        [GAP_SENDER_TRUNCATION] = "sender_truncation",
        [GAP_STATE_LOST] = "state_lost",
};

struct gaps_str {
        uint64_t hash;
        uint32_t refs;
        char s[];
};

struct gaps {
        gaps_write_fn write;
        void *ud;
        uint64_t k0, k1;                        /* SipHash key of strs: hosts come from peers */
        struct gaps_str **strs;                 /* the shared strings (linear probing) */
        size_t nstrs, strs_mask;
        size_t open;
        uint64_t opened, closed;
        int64_t ttr_s[GAPS_TTR_SAMPLES];        /* the last closed gaps' ttr (ring) */
        size_t nttr, ttr_next;
};

const char *gap_kind_name(enum gap_kind k)
{
        return k >= 0 && k < _GAP_KIND_MAX ? gap_kind_names[k] : NULL;
}

struct gaps *gaps_new(gaps_write_fn write, void *ud)
{
        struct gaps *gs = calloc(1, sizeof(*gs));

        uint64_t k[2];

        if (gs) {
                gs->write = write;
                gs->ud = ud;
                if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
                        k[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uintptr_t)gs;
                        k[1] = (uint64_t)clock() ^ 0xc2b2ae3d27d4eb4full;
                }
                gs->k0 = k[0];
                gs->k1 = k[1];
        }
        return gs;
}

void gaps_free(struct gaps *gs)
{
        if (gs) {
                metrics.gaps_open -= gs->open <= metrics.gaps_open ? gs->open : metrics.gaps_open;
                for (size_t i = 0; gs->strs && i <= gs->strs_mask; i++)
                        free(gs->strs[i]);      /* of gaps still open: their lists are dropped without us */
                free(gs->strs);
        }
        free(gs);
}

/* ---- shared strings --------------------------------------------------- */

/* Keyed: a peer choosing host names cannot make them collide. */
static uint64_t gaps_str_hash(const struct gaps *gs, const char *s)
{
        return siphash24(s, strlen(s), gs->k0, gs->k1);
}

static struct gaps_str *gaps_str_of(const char *s)
{
        return (struct gaps_str *)(void *)(s - offsetof(struct gaps_str, s));
}

static bool gaps_strs_grow(struct gaps *gs)
{
        size_t size = gs->strs ? 2 * (gs->strs_mask + 1) : 256;
        struct gaps_str **t = calloc(size, sizeof(*t));

        if (!t)
                return false;
        for (size_t i = 0; gs->strs && i <= gs->strs_mask; i++) {
                size_t k;

                if (!gs->strs[i])
                        continue;
                for (k = gs->strs[i]->hash & (size - 1); t[k]; k = (k + 1) & (size - 1))
                        ;
                t[k] = gs->strs[i];
        }
        free(gs->strs);
        gs->strs = t;
        gs->strs_mask = size - 1;
        return true;
}

/* The shared copy of s (one more reference), NULL on ENOMEM. */
static const char *gaps_str_get(struct gaps *gs, const char *s)
{
        uint64_t h = gaps_str_hash(gs, s);
        size_t k, len;
        struct gaps_str *e;

        if ((!gs->strs || 2 * (gs->nstrs + 1) > gs->strs_mask + 1) && !gaps_strs_grow(gs))
                return NULL;
        for (k = h & gs->strs_mask; (e = gs->strs[k]); k = (k + 1) & gs->strs_mask)
                if (e->hash == h && strcmp(e->s, s) == 0) {
                        e->refs++;
                        return e->s;
                }
        len = strlen(s);
        if (!(e = malloc(sizeof(*e) + len + 1)))
                return NULL;
        e->hash = h;
        e->refs = 1;
        memcpy(e->s, s, len + 1);
        gs->strs[k] = e;
        gs->nstrs++;
        return e->s;
}

/* One reference less to shared string s (NULL: none); the last frees it. */
static void gaps_str_put(struct gaps *gs, const char *s)
{
        struct gaps_str *e;
        size_t k, j;

        if (!s || --(e = gaps_str_of(s))->refs)
                return;
        for (k = e->hash & gs->strs_mask; gs->strs[k] != e; k = (k + 1) & gs->strs_mask)
                ;
        /* backward-shift deletion keeps every probe chain whole */
        for (j = (k + 1) & gs->strs_mask; gs->strs[j]; j = (j + 1) & gs->strs_mask) {
                size_t home = gs->strs[j]->hash & gs->strs_mask;

                if (((j - home) & gs->strs_mask) >= ((j - k) & gs->strs_mask)) {
                        gs->strs[k] = gs->strs[j];
                        k = j;
                }
        }
        gs->strs[k] = NULL;
        gs->nstrs--;
        free(e);
}

/* The strings a gap may share, in the order of its bit in gap->shared:
 * host, channel, field, key, remedy, then each blind's id and title. */
#define GAPS_OWN 5
_Static_assert(GAPS_OWN + 2 * GAP_MAX_BLINDS <= 64, "gap->shared has a bit per string");

static char **gaps_slot(struct gap *g, size_t i)
{
        char **own[GAPS_OWN] = { &g->host, &g->channel, &g->field, &g->key, &g->remedy };

        if (i < GAPS_OWN)
                return own[i];
        i -= GAPS_OWN;
        return (char **)(i % 2 ? &g->blinds[i / 2].title : &g->blinds[i / 2].id);
}

/* Share g's repeated strings, each one that can be (on ENOMEM the gap
 * keeps its own copy of the others). */
static void gaps_share(struct gaps *gs, struct gap *g)
{
        for (size_t i = 0; i < GAPS_OWN + 2 * g->nblinds; i++) {
                char **p = gaps_slot(g, i);
                const char *s;

                if (!*p || (g->shared & (UINT64_C(1) << i)) || !(s = gaps_str_get(gs, *p)))
                        continue;
                free(*p);
                *p = (char *)s;
                g->shared |= UINT64_C(1) << i;
        }
}

/* Put back g's shared strings (set to NULL; gap_free frees the rest). */
static void gaps_unshare(struct gaps *gs, struct gap *g)
{
        for (size_t i = 0; g->shared && i < GAPS_OWN + 2 * GAP_MAX_BLINDS; i++) {
                char **p = gaps_slot(g, i);

                if (!(g->shared & (UINT64_C(1) << i)))
                        continue;
                gaps_str_put(gs, *p);
                *p = NULL;
                g->shared &= ~(UINT64_C(1) << i);
        }
}

struct gap *gap_new(enum gap_kind kind, const char *host, const char *channel, const uint16_t *event_ids,
                    size_t nevent_ids, const char *field, int64_t opened_us)
{
        struct gap *g = calloc(1, sizeof(*g));

        if (!g)
                return NULL;
        g->kind = kind;
        g->opened_us = opened_us;
        g->host = strdup(host ? host : "");
        g->channel = strdup(channel ? channel : "");
        g->field = field ? strdup(field) : NULL;
        if (!g->host || !g->channel || (field && !g->field)) {
                gap_free(g);
                return NULL;
        }
        g->nevent_ids = nevent_ids < GAP_MAX_EVENT_IDS ? nevent_ids : GAP_MAX_EVENT_IDS;
        if (g->nevent_ids)
                memcpy(g->event_ids, event_ids, g->nevent_ids * sizeof(g->event_ids[0]));
        return g;
}

int gap_set_evidence(struct gap *g, const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -1;
        free(g->evidence);
        g->evidence = s;
        return 0;
}

int gap_set_remedy(struct gap *g, const char *remedy)
{
        char *s = strdup(remedy ? remedy : "");

        if (!s)
                return -1;
        free(g->remedy);
        g->remedy = s;
        return 0;
}

int gap_set_key(struct gap *g, const char *key)
{
        char *s = key ? strdup(key) : NULL;

        if (key && !s)
                return -1;
        free(g->key);
        g->key = s;
        return 0;
}

int gap_add_blind(struct gap *g, const char *id, const char *title)
{
        struct record_blind *b;

        if (g->nblinds == GAP_MAX_BLINDS) {
                g->blinds_more++;
                return 0;
        }
        b = &g->blinds[g->nblinds];
        b->id = strdup(id ? id : "");
        b->title = strdup(title ? title : "");
        if (!b->id || !b->title) {
                free((char *)b->id);
                free((char *)b->title);
                return -1;
        }
        g->nblinds++;
        return 0;
}

void gap_free(struct gap *g)
{
        if (!g)
                return;
        if (g->shared) {
                /* an open gap: gaps_close / gaps_drop put its shared strings back */
                log_limited(331, LOG_ERR, "gap %s on %s freed while open", g->id, g->host);
                return;
        }
        for (size_t i = 0; i < g->nblinds; i++) {
                free((char *)g->blinds[i].id);
                free((char *)g->blinds[i].title);
        }
        free(g->host);
        free(g->channel);
        free(g->field);
        free(g->key);
        free(g->evidence);
        free(g->remedy);
        free(g);
}

static void gaps_write(struct gaps *gs, const struct gap *g, int64_t closed_us)
{
        struct record_gap r = {
                .id = g->id, .host = g->host, .kind = gap_kind_names[g->kind], .channel = g->channel,
                .event_ids = g->event_ids, .nevent_ids = g->nevent_ids, .field = g->field,
                .opened_us = g->opened_us, .closed_us = closed_us, .evidence = g->evidence ? g->evidence : "",
                .remedy = g->remedy ? g->remedy : "", .blinds = g->blinds, .nblinds = g->nblinds,
                .blinds_more = g->blinds_more,
        };
        char *line = NULL;
        size_t len = 0;

        if (record_gap(&r, timefmt_now_us(), &line, &len) < 0) {
                log_limited(330, LOG_ERR, "gap %s on %s: cannot build the record", r.kind, g->host);
                return;
        }
        if (gs->write)
                gs->write(gs->ud, line, len);
        free(line);
}

void gaps_open(struct gaps *gs, struct gap_list *list, struct gap *g)
{
        char range[64];
        const char *idfield = g->field ? g->field : g->key;

        if (g->kind == GAP_EVENTS_LOST) {
                snprintf(range, sizeof(range), "r%llu-%llu", (unsigned long long)g->lo, (unsigned long long)g->hi);
                idfield = range;
        }
        record_gap_id(gap_kind_names[g->kind], g->host, g->channel, g->event_ids, g->nevent_ids, idfield,
                      g->opened_us, g->id);
        gaps_share(gs, g);
        g->next = list->head;
        list->head = g;
        list->nkind[g->kind]++;
        gs->open++;
        gs->opened++;
        metrics.gaps_open++;
        metrics.gaps_opened[g->kind]++;
        gaps_write(gs, g, RECORD_GAP_NOT_CLOSED);
}

static void gaps_unlink(struct gap_list *list, struct gap *g)
{
        for (struct gap **p = &list->head; *p; p = &(*p)->next)
                if (*p == g) {
                        *p = g->next;
                        list->nkind[g->kind]--;
                        return;
                }
}

void gaps_close(struct gaps *gs, struct gap_list *list, struct gap *g, int64_t closed_us)
{
        if (closed_us < g->opened_us)
                closed_us = g->opened_us;       /* an event dated before the opening one */
        gaps_write(gs, g, closed_us);
        gaps_unlink(list, g);
        gs->open--;
        if (metrics.gaps_open)
                metrics.gaps_open--;
        metrics.gaps_closed++;
        gs->closed++;
        gs->ttr_s[gs->ttr_next] = (closed_us - g->opened_us) / 1000000;
        gs->ttr_next = (gs->ttr_next + 1) % GAPS_TTR_SAMPLES;
        if (gs->nttr < GAPS_TTR_SAMPLES)
                gs->nttr++;
        gaps_median_ttr(gs, &metrics.gaps_ttr_median_s);
        gaps_unshare(gs, g);
        gap_free(g);
}

struct gap *gaps_find(const struct gap_list *list, enum gap_kind kind, const char *channel, const char *field)
{
        if (!list->nkind[kind])
                return NULL;
        for (struct gap *g = list->head; g; g = g->next)
                if (g->kind == kind && (!channel || strcasecmp(g->channel, channel) == 0) &&
                    (!field || (g->field && strcmp(g->field, field) == 0)))
                        return g;
        return NULL;
}

struct gap *gaps_find_key(const struct gap_list *list, enum gap_kind kind, const char *channel, const char *key)
{
        if (!list->nkind[kind])
                return NULL;
        for (struct gap *g = list->head; g; g = g->next)
                if (g->kind == kind && (!channel || strcasecmp(g->channel, channel) == 0) &&
                    (!key || (g->key && strcmp(g->key, key) == 0)))
                        return g;
        return NULL;
}

void gaps_adopt(struct gaps *gs, struct gap_list *list, struct gap *g)
{
        gaps_share(gs, g);
        g->next = list->head;
        list->head = g;
        list->nkind[g->kind]++;
        gs->open++;
        metrics.gaps_open++;
}

void gaps_drop(struct gaps *gs, struct gap_list *list)
{
        while (list->head) {
                struct gap *g = list->head;

                list->head = g->next;
                list->nkind[g->kind]--;
                gs->open--;
                if (metrics.gaps_open)
                        metrics.gaps_open--;
                gaps_unshare(gs, g);
                gap_free(g);
        }
}

size_t gaps_open_count(const struct gaps *gs)
{
        return gs ? gs->open : 0;
}

uint64_t gaps_opened_count(const struct gaps *gs)
{
        return gs ? gs->opened : 0;
}

uint64_t gaps_closed_count(const struct gaps *gs)
{
        return gs ? gs->closed : 0;
}

static int gaps_cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return (x > y) - (x < y);
}

bool gaps_median_ttr(const struct gaps *gs, double *out)
{
        int64_t *v;
        size_t n = gs ? gs->nttr : 0;

        if (!n || !(v = malloc(n * sizeof(*v))))
                return false;
        memcpy(v, gs->ttr_s, n * sizeof(*v));
        qsort(v, n, sizeof(*v), gaps_cmp_i64);
        *out = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
        free(v);
        return true;
}
