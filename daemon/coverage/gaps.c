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
 *     close rarely). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/gaps.h"
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

struct gaps {
        gaps_write_fn write;
        void *ud;
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

        if (gs) {
                gs->write = write;
                gs->ud = ud;
        }
        return gs;
}

void gaps_free(struct gaps *gs)
{
        if (gs)
                metrics.gaps_open -= gs->open <= metrics.gaps_open ? gs->open : metrics.gaps_open;
        free(gs);
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
