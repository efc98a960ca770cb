/* Escalation by host (contract in include/spoor/risk.h).
 *
 * Decisions:
 *   - One table host → state: chained buckets, doubled when the load
 *     passes 1, and an intrusive LRU list for the bound.
 *   - A host keeps its window's leads sorted by event time in an array that
 *     grows to RISK_MAX_LEADS; the score and the tactics are recomputed
 *     over it on each lead (at most 32 items), so nothing drifts when
 *     leads slide out.
 *   - The window is anchored at the host's newest lead, not at the clock:
 *     a host's leads are judged against each other, so a host whose events
 *     arrive hours late still escalates on what it did.
 *   - Idle hosts (no lead for window_us of processing time) are forgotten
 *     on risk_advance, at most once a minute (a full scan), or when the
 *     bound needs room; never by event time, for the reason above.
 *   - Tags are matched case-insensitively, with '_' and '-' alike: Sigma
 *     rules use both attack.privilege_escalation and
 *     attack.privilege-escalation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/risk.h"

#define RISK_DEFAULT_WINDOW_US (3600 * (int64_t)1000000)
#define RISK_DEFAULT_MAX_HOSTS 100000
#define RISK_SCAN_INTERVAL_US (60 * (int64_t)1000000)
#define RISK_MIN_BUCKETS 64

static const char *const risk_tactic_names[_RISK_TACTIC_MAX] = {
        [RISK_RECONNAISSANCE] = "reconnaissance",
        [RISK_RESOURCE_DEVELOPMENT] = "resource-development",
        [RISK_INITIAL_ACCESS] = "initial-access",
        [RISK_EXECUTION] = "execution",
        [RISK_PERSISTENCE] = "persistence",
        [RISK_PRIVILEGE_ESCALATION] = "privilege-escalation",
        [RISK_DEFENSE_EVASION] = "defense-evasion",
        [RISK_STEALTH] = "stealth",
        [RISK_CREDENTIAL_ACCESS] = "credential-access",
        [RISK_DISCOVERY] = "discovery",
        [RISK_LATERAL_MOVEMENT] = "lateral-movement",
        [RISK_COLLECTION] = "collection",
        [RISK_COMMAND_AND_CONTROL] = "command-and-control",
        [RISK_EXFILTRATION] = "exfiltration",
        [RISK_IMPACT] = "impact",
};

struct risk_item {
        int64_t time_us;
        uint64_t score;
        uint32_t tactics;
        char id[RECORD_ID_LEN + 1];
        struct corr_event event;
};

struct risk_host {
        struct risk_host *hnext;
        struct risk_host *prev, *next;          /* LRU, most recent first */
        uint64_t hash;
        int64_t quiet_until_us;                 /* no escalation before the newest lead reaches it */
        int64_t recv_us;                        /* processing time of the last lead */
        struct risk_item *items;                /* by event time, oldest first */
        size_t n, cap;
        char name[];
};

struct risk {
        struct risk_opts o;
        struct risk_host **buckets;
        size_t nbuckets;
        struct risk_host *head, *tail;
        int64_t next_scan_us;
        struct risk_stats st;
};

const char *risk_tactic_name(enum risk_tactic t)
{
        return t >= 0 && t < _RISK_TACTIC_MAX ? risk_tactic_names[t] : NULL;
}

enum risk_tactic risk_tactic_from_tag(const char *tag)
{
        const char *s;

        if (!tag || strncasecmp(tag, "attack.", 7) != 0)
                return _RISK_TACTIC_INVALID;
        s = tag + 7;
        for (int t = 0; t < _RISK_TACTIC_MAX; t++) {
                const char *n = risk_tactic_names[t];
                size_t i;

                for (i = 0; n[i] && s[i]; i++) {
                        char c = s[i] == '_' ? '-' : (char)(s[i] | 0x20);
                        if (c != n[i])
                                break;
                }
                if (!n[i] && !s[i])
                        return (enum risk_tactic)t;
        }
        return _RISK_TACTIC_INVALID;
}

uint32_t risk_tactics(char *const *tags, size_t ntags)
{
        uint32_t set = 0;

        for (size_t i = 0; tags && i < ntags; i++) {
                enum risk_tactic t = risk_tactic_from_tag(tags[i]);
                if (t != _RISK_TACTIC_INVALID)
                        set |= 1u << t;
        }
        return set;
}

static size_t risk_popcount(uint32_t v)
{
        size_t n = 0;

        for (; v; v &= v - 1)
                n++;
        return n;
}

static int64_t sat_add(int64_t a, int64_t b)
{
        return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
        return a < INT64_MIN + b ? INT64_MIN : a - b;
}

void risk_opts_init(struct risk_opts *o)
{
        static const uint64_t scores[_SIGMA_LEVEL_MAX] = {
                [SIGMA_LEVEL_INFORMATIONAL] = 1, [SIGMA_LEVEL_LOW] = 2, [SIGMA_LEVEL_MEDIUM] = 5,
                [SIGMA_LEVEL_HIGH] = 10, [SIGMA_LEVEL_CRITICAL] = 20,
        };

        memset(o, 0, sizeof(*o));
        o->window_us = RISK_DEFAULT_WINDOW_US;
        memcpy(o->scores, scores, sizeof(scores));
        o->tactic_threshold = 3;
        o->max_hosts = RISK_DEFAULT_MAX_HOSTS;
}

/* Fill what o leaves at 0 with the defaults. */
static void risk_opts_fix(struct risk_opts *o)
{
        struct risk_opts d;
        bool any = false;

        risk_opts_init(&d);
        if (o->window_us <= 0)
                o->window_us = d.window_us;
        if (!o->max_hosts)
                o->max_hosts = d.max_hosts;
        for (size_t i = 0; i < _SIGMA_LEVEL_MAX; i++)
                any = any || o->scores[i];
        if (!any)
                memcpy(o->scores, d.scores, sizeof(d.scores));
}

struct risk *risk_new(const struct risk_opts *o)
{
        struct risk *r = calloc(1, sizeof(*r));

        if (!r)
                return NULL;
        if (o)
                r->o = *o;
        else
                risk_opts_init(&r->o);
        risk_opts_fix(&r->o);
        r->nbuckets = RISK_MIN_BUCKETS;
        r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
        if (!r->buckets) {
                free(r);
                errno = ENOMEM;
                return NULL;
        }
        r->next_scan_us = INT64_MIN;
        r->st.state_bytes = sizeof(*r) + r->nbuckets * sizeof(*r->buckets);
        return r;
}

void risk_configure(struct risk *r, const struct risk_opts *o)
{
        size_t max_hosts = r->o.max_hosts;
        void (*escalate)(void *, const struct risk_escalation *) = r->o.escalate;
        void *ud = r->o.ud;

        r->o = *o;
        risk_opts_fix(&r->o);
        r->o.max_hosts = max_hosts;
        r->o.escalate = escalate;
        r->o.ud = ud;
}

static uint64_t risk_hash(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ull;

        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                h = (h ^ *p) * 0x100000001b3ull;
        return h;
}

static void risk_lru_unlink(struct risk *r, struct risk_host *h)
{
        if (h->prev)
                h->prev->next = h->next;
        else
                r->head = h->next;
        if (h->next)
                h->next->prev = h->prev;
        else
                r->tail = h->prev;
        h->prev = h->next = NULL;
}

static void risk_lru_front(struct risk *r, struct risk_host *h)
{
        h->next = r->head;
        h->prev = NULL;
        if (r->head)
                r->head->prev = h;
        r->head = h;
        if (!r->tail)
                r->tail = h;
}

static size_t risk_host_bytes(const struct risk_host *h)
{
        return sizeof(*h) + strlen(h->name) + 1 + h->cap * sizeof(*h->items);
}

static void risk_remove(struct risk *r, struct risk_host *h)
{
        struct risk_host **pp = &r->buckets[h->hash & (r->nbuckets - 1)];

        while (*pp && *pp != h)
                pp = &(*pp)->hnext;
        if (*pp)
                *pp = h->hnext;
        risk_lru_unlink(r, h);
        r->st.hosts--;
        r->st.state_bytes -= risk_host_bytes(h);
        free(h->items);
        free(h);
}

static void risk_grow(struct risk *r)
{
        size_t nb = r->nbuckets * 2;
        struct risk_host **b = calloc(nb, sizeof(*b));

        if (!b)
                return;
        for (size_t i = 0; i < r->nbuckets; i++)
                for (struct risk_host *h = r->buckets[i], *nx; h; h = nx) {
                        nx = h->hnext;
                        h->hnext = b[h->hash & (nb - 1)];
                        b[h->hash & (nb - 1)] = h;
                }
        free(r->buckets);
        r->st.state_bytes += (nb - r->nbuckets) * sizeof(*b);
        r->buckets = b;
        r->nbuckets = nb;
}

static struct risk_host *risk_host_get(struct risk *r, const char *name)
{
        uint64_t hv = risk_hash(name);
        size_t len;
        struct risk_host *h;

        for (h = r->buckets[hv & (r->nbuckets - 1)]; h; h = h->hnext)
                if (h->hash == hv && strcmp(h->name, name) == 0) {
                        risk_lru_unlink(r, h);
                        risk_lru_front(r, h);
                        return h;
                }
        while (r->st.hosts >= r->o.max_hosts && r->tail) {
                r->st.evicted++;
                risk_remove(r, r->tail);
        }
        if (r->st.hosts >= r->nbuckets)
                risk_grow(r);
        len = strlen(name);
        h = calloc(1, sizeof(*h) + len + 1);
        if (!h)
                return NULL;
        memcpy(h->name, name, len + 1);
        h->hash = hv;
        h->quiet_until_us = INT64_MIN;
        h->hnext = r->buckets[hv & (r->nbuckets - 1)];
        r->buckets[hv & (r->nbuckets - 1)] = h;
        risk_lru_front(r, h);
        r->st.hosts++;
        r->st.state_bytes += risk_host_bytes(h);
        return h;
}

/* Insert by event time (after equal times: arrival order); at the cap the
 * oldest goes.  false on ENOMEM. */
static bool risk_insert(struct risk *r, struct risk_host *h, const struct risk_item *it)
{
        size_t pos;

        if (h->n == h->cap && h->cap < RISK_MAX_LEADS) {
                size_t cap = h->cap ? h->cap * 2 : 4;
                struct risk_item *n;

                if (cap > RISK_MAX_LEADS)
                        cap = RISK_MAX_LEADS;
                n = realloc(h->items, cap * sizeof(*n));
                if (!n)
                        return false;
                r->st.state_bytes += (cap - h->cap) * sizeof(*n);
                h->items = n;
                h->cap = cap;
        }
        for (pos = h->n; pos > 0 && h->items[pos - 1].time_us > it->time_us; pos--)
                ;
        if (h->n == h->cap) {
                r->st.truncated++;
                if (pos == 0)
                        return true;    /* older than everything kept */
                memmove(h->items, h->items + 1, (pos - 1) * sizeof(*h->items));
                h->items[pos - 1] = *it;
                return true;
        }
        memmove(h->items + pos + 1, h->items + pos, (h->n - pos) * sizeof(*h->items));
        h->items[pos] = *it;
        h->n++;
        return true;
}

static void risk_escalate(struct risk *r, struct risk_host *h, uint64_t score, uint32_t tactics)
{
        char ids[RISK_MAX_LEADS][RECORD_ID_LEN + 1];
        struct corr_event events[RISK_MAX_LEADS];
        struct risk_escalation x = {
                .host = h->name, .score = score, .tactics = tactics, .ntactics = risk_popcount(tactics),
                .first_us = h->items[0].time_us, .last_us = h->items[h->n - 1].time_us,
                .ids = ids, .events = events, .nleads = h->n,
        };

        x.by_score = r->o.score_threshold && score >= r->o.score_threshold;
        x.by_tactics = r->o.tactic_threshold && x.ntactics >= r->o.tactic_threshold;
        for (size_t i = 0; i < h->n; i++) {
                memcpy(ids[i], h->items[i].id, sizeof(ids[i]));
                events[i] = h->items[i].event;
        }
        r->st.escalations++;
        h->quiet_until_us = sat_add(x.last_us, r->o.window_us);
        if (r->o.escalate)
                r->o.escalate(r->o.ud, &x);
}

void risk_observe(struct risk *r, const struct risk_lead *l)
{
        struct risk_item it = { 0 };
        struct risk_host *h;
        uint64_t score = 0;
        uint32_t tactics = 0;
        int64_t newest, from;
        size_t drop = 0;

        if (!r || !l || !l->host || !*l->host || strcmp(l->host, "*") == 0) {
                if (r)
                        r->st.ignored++;
                return;
        }
        h = risk_host_get(r, l->host);
        if (!h)
                return;
        h->recv_us = l->recv_us;
        if (h->n && l->time_us <= sat_sub(h->items[h->n - 1].time_us, r->o.window_us)) {
                r->st.ignored++;
                return;
        }
        it.time_us = l->time_us;
        it.score = l->level >= 0 && l->level < _SIGMA_LEVEL_MAX ? r->o.scores[l->level] : 0;
        it.tactics = risk_tactics(l->tags, l->ntags);
        snprintf(it.id, sizeof(it.id), "%s", l->id ? l->id : "");
        if (l->event)
                it.event = *l->event;
        if (!risk_insert(r, h, &it))
                return;
        r->st.leads++;
        newest = h->items[h->n - 1].time_us;
        from = sat_sub(newest, r->o.window_us);
        while (drop < h->n && h->items[drop].time_us <= from)
                drop++;
        if (drop) {
                memmove(h->items, h->items + drop, (h->n - drop) * sizeof(*h->items));
                h->n -= drop;
        }
        if (newest < h->quiet_until_us || h->n == 0)
                return;
        for (size_t i = 0; i < h->n; i++) {
                score += h->items[i].score;
                tactics |= h->items[i].tactics;
        }
        if ((r->o.score_threshold && score >= r->o.score_threshold) ||
            (r->o.tactic_threshold && risk_popcount(tactics) >= r->o.tactic_threshold))
                risk_escalate(r, h, score, tactics);
}

void risk_advance(struct risk *r, int64_t now_us)
{
        if (!r)
                return;
        if (now_us == INT64_MAX) {
                while (r->head)
                        risk_remove(r, r->head);
                return;
        }
        if (now_us < r->next_scan_us)
                return;
        r->next_scan_us = sat_add(now_us, RISK_SCAN_INTERVAL_US);
        for (struct risk_host *h = r->head, *nx; h; h = nx) {
                nx = h->next;
                if (!h->n || (h->recv_us > 0 && sat_add(h->recv_us, r->o.window_us) <= now_us))
                        risk_remove(r, h);
        }
}

void risk_free(struct risk *r)
{
        if (!r)
                return;
        for (struct risk_host *h = r->head, *nx; h; h = nx) {
                nx = h->next;
                free(h->items);
                free(h);
        }
        free(r->buckets);
        free(r);
}

const struct risk_stats *risk_stats(const struct risk *r)
{
        return &r->st;
}
