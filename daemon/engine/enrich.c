/* Enrichment: InChangeWindow and SubjectLogonPrivileged, added to each
 * accepted event before the rules see it (what they mean:
 * include/spoor/enrich.h).
 *
 * Decisions:
 *   - Change windows read the event time in the window's zone.  The UTC
 *     offset of a named zone is taken from the C library (localtime_r
 *     under TZ=:name, as daemon/event/timefmt.c does for the other
 *     direction) and cached per zone per UTC quarter-hour in a small
 *     direct-mapped cache, so events of hosts whose clocks interleave cost
 *     no tz work in the steady state.  Offsets are assumed constant within
 *     a UTC quarter-hour: true of every zone (offsets are whole quarter
 *     hours and transitions happen on local hour boundaries).
 *   - Logon sessions: an open-addressed table (linear probing, backward
 *     shift deletion) of indices into a session pool, keyed by SipHash of
 *     (SipHash(host), logon id) with a random key, plus an LRU list for
 *     the bound and the 24 h expiry.  Hosts are kept as 64-bit hashes, not
 *     names: two hosts colliding under a random 64-bit key is not a
 *     practical concern, and a session costs 56 bytes instead of 300.
 *   - Nothing here logs: outcomes are fields and counters. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <json-c/json.h>

#include "spoor/config.h"
#include "spoor/enrich.h"
#include "spoor/intern.h"
#include "spoor/siphash.h"
#include "spoor/timefmt.h"

#define ENRICH_NIL UINT32_MAX
#define ENRICH_ZONE_SLOTS 64            /* power of two */
#define ENRICH_SLOT_S 900               /* offsets cached per UTC quarter-hour */
#define US_PER_S INT64_C(1000000)
#define ENRICH_IDLE_US (INT64_C(86400) * US_PER_S)     /* sessions forgotten after 24 h */
#define ENRICH_PAIR_US (INT64_C(5) * US_PER_S)         /* a 4672 belongs to a 4624 this close */
#define ENRICH_DEFAULT_MAX 200000
#define ENRICH_MIN_CAP 1024u
#define ENRICH_NAME_MAX 512             /* longer account names are not compared */

#define ENRICH_LUID_SYSTEM 0x3e7
#define ENRICH_LUID_NETWORK_SERVICE 0x3e4
#define ENRICH_LUID_LOCAL_SERVICE 0x3e5

struct enrich_zone {
        struct timefmt_zone z;
        bool named;                     /* an IANA name (else a fixed offset) */
        int64_t slot[ENRICH_ZONE_SLOTS];        /* UTC quarter-hour held; INT64_MIN: empty */
        int off[ENRICH_ZONE_SLOTS];
};

struct enrich_window {
        uint8_t days;                   /* bit 0 Monday */
        uint16_t start, end;            /* minutes; end <= start crosses midnight */
        size_t zone;                    /* index into zones */
};

struct enrich_session {
        uint64_t host_h, id, h;
        int64_t seen_us;                /* latest event time that touched it */
        int64_t priv_us;                /* time of its 4672; INT64_MIN: none */
        uint32_t prev, next;            /* LRU list (head: most recent); next: free list too */
        bool logon;                     /* its 4624 was seen */
};

struct enrich {
        uint64_t k0, k1;

        struct enrich_zone *zones;
        size_t nzones;
        struct enrich_window *windows;
        size_t nwindows;
        char **admins;                  /* lower case, sorted */
        size_t nadmins;
        size_t max_sessions;
        int64_t max_future_us;

        struct enrich_session *s;
        uint32_t cap, used, count, head, tail, free_head;
        uint32_t *idx;                  /* mask + 1 slots of session indices */
        size_t mask;
        int64_t newest_us;              /* newest plausible event time: drives expiry */
        struct enrich_stats st;

        const char *f_subject, *f_target, *f_user, *f_domain;   /* interned names (or NULL) */
};

/* ---- change windows ------------------------------------------------- */

static int64_t enrich_floordiv(int64_t a, int64_t b)
{
        int64_t q = a / b;

        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int enrich_zone_offset(struct enrich_zone *z, int64_t utc_s, int *out)
{
        int64_t q;
        size_t i;
        int r;

        if (!z->named) {
                *out = z->z.offset_s;
                return 0;
        }
        q = enrich_floordiv(utc_s, ENRICH_SLOT_S);
        i = (size_t)q & (ENRICH_ZONE_SLOTS - 1);
        if (z->slot[i] != q) {
                r = timefmt_zone_offset_at(&z->z, q * ENRICH_SLOT_S, &z->off[i]);
                if (r < 0)
                        return r;
                z->slot[i] = q;
        }
        *out = z->off[i];
        return 0;
}

/* Local weekday wday (0 Monday) and minute of day `mod`. */
static bool enrich_window_holds(const struct enrich_window *w, int wday, int mod)
{
        if (w->start < w->end)
                return (w->days >> wday & 1) && mod >= w->start && mod < w->end;
        if (mod >= w->start)            /* crosses midnight: the evening of its day */
                return w->days >> wday & 1;
        if (mod < w->end)               /* ... and the morning after it */
                return w->days >> ((wday + 6) % 7) & 1;
        return false;
}

/* 1 in a window, 0 in none, -1 cannot tell (a zone did not resolve). */
static int enrich_in_window(struct enrich *en, int64_t time_us)
{
        int64_t utc_s = enrich_floordiv(time_us, US_PER_S);
        bool unknown = false;

        for (size_t i = 0; i < en->nwindows; i++) {
                const struct enrich_window *w = &en->windows[i];
                int64_t local_s, days;
                int off;

                if (enrich_zone_offset(&en->zones[w->zone], utc_s, &off) < 0) {
                        unknown = true;
                        continue;
                }
                local_s = utc_s + off;
                days = enrich_floordiv(local_s, 86400);
                /* 1970-01-01 was a Thursday (3 counting from Monday) */
                if (enrich_window_holds(w, (int)(((days % 7) + 7 + 3) % 7), (int)((local_s - days * 86400) / 60)))
                        return 1;
        }
        return unknown ? -1 : 0;
}

/* ---- the session table ---------------------------------------------- */

static void enrich_lru_unlink(struct enrich *en, uint32_t i)
{
        struct enrich_session *e = &en->s[i];

        if (e->prev != ENRICH_NIL)
                en->s[e->prev].next = e->next;
        else
                en->head = e->next;
        if (e->next != ENRICH_NIL)
                en->s[e->next].prev = e->prev;
        else
                en->tail = e->prev;
}

static void enrich_lru_push(struct enrich *en, uint32_t i)
{
        struct enrich_session *e = &en->s[i];

        e->prev = ENRICH_NIL;
        e->next = en->head;
        if (en->head != ENRICH_NIL)
                en->s[en->head].prev = i;
        en->head = i;
        if (en->tail == ENRICH_NIL)
                en->tail = i;
}

static void enrich_touch(struct enrich *en, uint32_t i)
{
        if (en->head == i)
                return;
        enrich_lru_unlink(en, i);
        enrich_lru_push(en, i);
}

static uint64_t enrich_hash(const struct enrich *en, uint64_t host_h, uint64_t id)
{
        uint64_t k[2] = { host_h, id };

        return siphash24(k, sizeof(k), en->k0, en->k1);
}

static uint32_t enrich_find(const struct enrich *en, uint64_t host_h, uint64_t id, uint64_t h)
{
        if (!en->idx)
                return ENRICH_NIL;
        for (size_t p = h & en->mask;; p = (p + 1) & en->mask) {
                uint32_t i = en->idx[p];

                if (i == ENRICH_NIL)
                        return ENRICH_NIL;
                if (en->s[i].h == h && en->s[i].id == id && en->s[i].host_h == host_h)
                        return i;
        }
}

static void enrich_slot_put(struct enrich *en, uint32_t i)
{
        size_t p = en->s[i].h & en->mask;

        while (en->idx[p] != ENRICH_NIL)
                p = (p + 1) & en->mask;
        en->idx[p] = i;
}

/* Forget session i: out of the index (backward shift), the LRU list, onto
 * the free list. */
static void enrich_remove(struct enrich *en, uint32_t i)
{
        size_t p = en->s[i].h & en->mask, j;

        while (en->idx[p] != i)
                p = (p + 1) & en->mask;
        en->idx[p] = ENRICH_NIL;
        for (j = (p + 1) & en->mask; en->idx[j] != ENRICH_NIL; j = (j + 1) & en->mask) {
                size_t k = en->s[en->idx[j]].h & en->mask;

                /* move the entry at j back to p unless its home lies cyclically in (p, j] */
                if ((j > p && (k <= p || k > j)) || (j < p && k <= p && k > j)) {
                        en->idx[p] = en->idx[j];
                        en->idx[j] = ENRICH_NIL;
                        p = j;
                }
        }
        enrich_lru_unlink(en, i);
        en->s[i].next = en->free_head;
        en->free_head = i;
        en->count--;
}

/* A larger pool (and index, kept at most half full).  0 or -ENOMEM. */
static int enrich_grow(struct enrich *en)
{
        size_t ncap = en->cap ? (size_t)en->cap * 2 : ENRICH_MIN_CAP, nslots = 1;
        struct enrich_session *ns;
        uint32_t *nidx;

        if (ncap > en->max_sessions)
                ncap = en->max_sessions;
        if (ncap <= en->cap)
                return -ENOMEM;
        while (nslots < ncap * 2)
                nslots *= 2;
        ns = realloc(en->s, ncap * sizeof(*ns));
        if (!ns)
                return -ENOMEM;
        en->s = ns;
        en->cap = (uint32_t)ncap;
        if (en->idx && nslots <= en->mask + 1)
                return 0;
        nidx = malloc(nslots * sizeof(*nidx));
        if (!nidx)
                return 0;       /* the pool grew; the old index still has room for it */
        free(en->idx);
        en->idx = nidx;
        en->mask = nslots - 1;
        memset(nidx, 0xff, nslots * sizeof(*nidx));
        for (uint32_t i = en->head; i != ENRICH_NIL; i = en->s[i].next)
                enrich_slot_put(en, i);
        return 0;
}

static void enrich_evict(struct enrich *en)
{
        enrich_remove(en, en->tail);
        en->st.evicted++;
}

/* A new session, most recent in the LRU list; ENRICH_NIL only when no
 * memory could be had at all. */
static uint32_t enrich_insert(struct enrich *en, uint64_t host_h, uint64_t id, uint64_t h, int64_t now)
{
        uint32_t i;

        if (en->count >= en->max_sessions)
                enrich_evict(en);
        if (en->free_head != ENRICH_NIL) {
                i = en->free_head;
                en->free_head = en->s[i].next;
        } else if (en->used < en->cap && en->used * 2 < en->mask + 1) {
                i = en->used++;
        } else if (enrich_grow(en) == 0 && en->used < en->cap && en->used * 2 < en->mask + 1) {
                i = en->used++;
        } else if (en->count) {
                enrich_evict(en);       /* out of memory: the bound is what we have */
                i = en->free_head;
                en->free_head = en->s[i].next;
        } else {
                return ENRICH_NIL;
        }
        en->s[i] = (struct enrich_session){ .host_h = host_h, .id = id, .h = h, .seen_us = now,
                                            .priv_us = INT64_MIN };
        enrich_slot_put(en, i);
        enrich_lru_push(en, i);
        en->count++;
        return i;
}

/* The session, or ENRICH_NIL; a session idle for 24 h is forgotten here. */
static uint32_t enrich_lookup(struct enrich *en, uint64_t host_h, uint64_t id, uint64_t h, int64_t now)
{
        uint32_t i = enrich_find(en, host_h, id, h);

        if (i == ENRICH_NIL)
                return i;
        if (en->s[i].seen_us < now - ENRICH_IDLE_US) {
                enrich_remove(en, i);
                en->st.expired++;
                return ENRICH_NIL;
        }
        if (en->s[i].seen_us < now)
                en->s[i].seen_us = now;
        enrich_touch(en, i);
        return i;
}

/* Sessions idle for 24 h of the newest event time, from the LRU end. */
static void enrich_expire(struct enrich *en)
{
        while (en->tail != ENRICH_NIL && en->s[en->tail].seen_us < en->newest_us - ENRICH_IDLE_US) {
                enrich_remove(en, en->tail);
                en->st.expired++;
        }
}

/* ---- logon sessions ------------------------------------------------- */

/* "0x3e7" (hex) or "999" (decimal) → id; false when neither. */
static bool enrich_parse_luid(const struct winevent_field *f, uint64_t *out)
{
        const char *s = f->value;
        size_t n = f->len, i = 0;
        uint64_t v = 0;
        unsigned base = 10;

        if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                i = 2;
        }
        if (i == n || n - i > (base == 16 ? 16 : 19))
                return false;
        for (; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = c - '0';
                else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                        d = (c | 0x20) - 'a' + 10;
                else
                        return false;
                v = v * base + d;
        }
        *out = v;
        return true;
}

static const struct winevent_field *enrich_get(const struct winevent *ev, const char *interned, const char *name)
{
        return interned ? winevent_get_interned(ev, interned) : winevent_get(ev, name);
}

static int enrich_admin_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool enrich_admin_has(const struct enrich *en, const char *lower)
{
        return bsearch(&lower, en->admins, en->nadmins, sizeof(*en->admins), enrich_admin_cmp) != NULL;
}

/* Lower-case `f` into buf at off; false when it does not fit. */
static bool enrich_lower_into(char *buf, size_t size, size_t *off, const struct winevent_field *f)
{
        if (*off + f->len + 1 > size)
                return false;
        for (size_t i = 0; i < f->len; i++) {
                char c = f->value[i];

                buf[(*off)++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        buf[*off] = '\0';
        return true;
}

/* SubjectUserName, or SubjectDomainName\SubjectUserName, is an administrator. */
static bool enrich_is_admin(const struct enrich *en, const struct winevent *ev)
{
        const struct winevent_field *user, *dom;
        char buf[ENRICH_NAME_MAX];
        size_t off = 0;

        if (!en->nadmins || !(user = enrich_get(ev, en->f_user, "SubjectUserName")) || !user->len)
                return false;
        if (enrich_lower_into(buf, sizeof(buf), &off, user) && enrich_admin_has(en, buf))
                return true;
        dom = enrich_get(ev, en->f_domain, "SubjectDomainName");
        if (!dom || !dom->len)
                return false;
        off = 0;
        if (!enrich_lower_into(buf, sizeof(buf), &off, dom) || off + 2 > sizeof(buf))
                return false;
        buf[off++] = '\\';
        return enrich_lower_into(buf, sizeof(buf), &off, user) && enrich_admin_has(en, buf);
}

/* 4624, 4672, 4634, 4647 of the Security channel change the table. */
static void enrich_learn(struct enrich *en, const struct winevent *ev, uint64_t host_h)
{
        const struct winevent_field *f;
        uint64_t id, h;
        uint32_t i;
        int64_t now = ev->time_us;

        if (ev->event_id == 4672)
                f = enrich_get(ev, en->f_subject, "SubjectLogonId");
        else
                f = enrich_get(ev, en->f_target, "TargetLogonId");
        if (!f || !enrich_parse_luid(f, &id))
                return;
        h = enrich_hash(en, host_h, id);
        i = enrich_lookup(en, host_h, id, h, now);
        if (ev->event_id == 4634 || ev->event_id == 4647) {
                if (i != ENRICH_NIL)
                        enrich_remove(en, i);
                return;
        }
        if (i == ENRICH_NIL) {
                i = enrich_insert(en, host_h, id, h, now);
                if (i == ENRICH_NIL)
                        return;
        }
        if (ev->event_id == 4672) {
                if (en->s[i].priv_us == INT64_MIN)
                        en->s[i].priv_us = now;
                return;
        }
        /* 4624: a 4672 far from it belonged to an earlier logon reusing the id */
        if (en->s[i].priv_us != INT64_MIN &&
            (en->s[i].priv_us < now - ENRICH_PAIR_US || en->s[i].priv_us > now + ENRICH_PAIR_US))
                en->s[i].priv_us = INT64_MIN;
        en->s[i].logon = true;
}

static void enrich_set(struct winevent *ev, const char *name, bool v)
{
        /* ENOMEM: the field stays absent, which reads as "cannot evaluate" */
        (void)winevent_set_field(ev, name, strlen(name), v ? "true" : "false", v ? 4 : 5);
}

static bool enrich_security(const struct winevent *ev)
{
        return ev->channel && strcasecmp(ev->channel, "Security") == 0;
}

static void enrich_logon(struct enrich *en, struct winevent *ev)
{
        const struct winevent_field *subj = enrich_get(ev, en->f_subject, "SubjectLogonId");
        bool learn = (ev->event_id == 4624 || ev->event_id == 4672 || ev->event_id == 4634 ||
                      ev->event_id == 4647) && enrich_security(ev);
        uint64_t host_h, id;
        int verdict = -1;

        if (!subj && !learn)
                return;
        host_h = siphash24(ev->host, strlen(ev->host), en->k1, en->k0);
        if (ev->time_us > en->newest_us && (ev->recv_us <= 0 || ev->time_us <= ev->recv_us + en->max_future_us)) {
                en->newest_us = ev->time_us;
                enrich_expire(en);
        }
        if (learn)
                enrich_learn(en, ev, host_h);
        en->st.sessions = en->count;
        if (!subj)
                return;
        if (enrich_parse_luid(subj, &id)) {
                if (id == ENRICH_LUID_SYSTEM || id == ENRICH_LUID_NETWORK_SERVICE || id == ENRICH_LUID_LOCAL_SERVICE) {
                        verdict = 1;
                } else {
                        uint32_t i = enrich_lookup(en, host_h, id, enrich_hash(en, host_h, id), ev->time_us);

                        en->st.sessions = en->count;    /* the lookup may forget an idle one */
                        if (i != ENRICH_NIL)
                                verdict = en->s[i].priv_us != INT64_MIN ? 1 : en->s[i].logon ? 0 : -1;
                }
        }
        if (verdict != 1 && enrich_is_admin(en, ev))
                verdict = 1;
        if (verdict >= 0)
                enrich_set(ev, ENRICH_FIELD_PRIVILEGED, verdict == 1);
}

/* ---- the API -------------------------------------------------------- */

void enrich_event(struct enrich *en, struct winevent *ev)
{
        if (en->nwindows) {
                int w = enrich_in_window(en, ev->time_us);

                if (w >= 0)
                        enrich_set(ev, ENRICH_FIELD_CHANGE_WINDOW, w == 1);
        }
        enrich_logon(en, ev);
}

static void enrich_free_admins(char **a, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(a[i]);
        free(a);
}

/* The Administrators placeholder (that name exactly, else any case),
 * lower-cased and sorted.  0 or -ENOMEM. */
static int enrich_build_admins(const struct config *cfg, char ***out, size_t *nout)
{
        struct json_object *list = NULL;
        char **a;
        size_t n;

        *out = NULL;
        *nout = 0;
        if (!cfg->placeholders)
                return 0;
        if (!json_object_object_get_ex(cfg->placeholders, "Administrators", &list)) {
                json_object_object_foreach(cfg->placeholders, name, v)
                        if (strcasecmp(name, "Administrators") == 0)
                                list = v;
        }
        if (!list || !json_object_is_type(list, json_type_array) || !(n = json_object_array_length(list)))
                return 0;
        a = calloc(n, sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(list, i));

                if (!(a[i] = strdup(s ? s : ""))) {
                        enrich_free_admins(a, n);
                        return -ENOMEM;
                }
                for (char *p = a[i]; *p; p++)
                        if (*p >= 'A' && *p <= 'Z')
                                *p = (char)(*p + 32);
        }
        qsort(a, n, sizeof(*a), enrich_admin_cmp);
        *out = a;
        *nout = n;
        return 0;
}

/* The windows, with their zones resolved once per distinct name.  0 or -ENOMEM. */
static int enrich_build_windows(const struct config *cfg, struct enrich_window **wout, struct enrich_zone **zout,
                                size_t *nz)
{
        size_t n = cfg->nchange_windows;
        struct enrich_window *w = calloc(n ? n : 1, sizeof(*w));
        struct enrich_zone *z = calloc(n ? n : 1, sizeof(*z));

        *nz = 0;
        if (!w || !z) {
                free(w);
                free(z);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const struct change_window_conf *c = &cfg->change_windows[i];
                const char *name = c->zone.name;
                size_t j = 0;

                while (j < *nz && strcmp(z[j].z.name, name) != 0)
                        j++;
                if (j == *nz) {
                        z[j].z = c->zone;
                        z[j].named = !(strcasecmp(name, "UTC") == 0 || strcmp(name, "Z") == 0 || name[0] == '+' ||
                                       name[0] == '-');
                        for (size_t k = 0; k < ENRICH_ZONE_SLOTS; k++)
                                z[j].slot[k] = INT64_MIN;
                        (*nz)++;
                }
                w[i] = (struct enrich_window){ .days = c->days, .start = c->start_min, .end = c->end_min, .zone = j };
        }
        *wout = w;
        *zout = z;
        return 0;
}

struct enrich *enrich_new(void)
{
        struct enrich *en = calloc(1, sizeof(*en));
        uint64_t k[2];

        if (!en)
                return NULL;
        if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
                k[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uintptr_t)en;
                k[1] = (uint64_t)clock() ^ 0xc2b2ae3d27d4eb4full;
        }
        en->k0 = k[0];
        en->k1 = k[1];
        en->head = en->tail = en->free_head = ENRICH_NIL;
        en->max_sessions = ENRICH_DEFAULT_MAX;
        en->max_future_us = 300 * US_PER_S;
        en->newest_us = INT64_MIN;
        en->f_subject = intern("SubjectLogonId", strlen("SubjectLogonId"));
        en->f_target = intern("TargetLogonId", strlen("TargetLogonId"));
        en->f_user = intern("SubjectUserName", strlen("SubjectUserName"));
        en->f_domain = intern("SubjectDomainName", strlen("SubjectDomainName"));
        return en;
}

int enrich_configure(struct enrich *en, const struct config *cfg)
{
        struct enrich_window *w;
        struct enrich_zone *z;
        char **admins;
        size_t nz, nadmins;

        if (enrich_build_windows(cfg, &w, &z, &nz) < 0)
                return -ENOMEM;
        if (enrich_build_admins(cfg, &admins, &nadmins) < 0) {
                free(w);
                free(z);
                return -ENOMEM;
        }
        free(en->windows);
        free(en->zones);
        enrich_free_admins(en->admins, en->nadmins);
        en->windows = w;
        en->nwindows = cfg->nchange_windows;
        en->zones = z;
        en->nzones = nz;
        en->admins = admins;
        en->nadmins = nadmins;
        en->max_sessions = cfg->limits.max_logon_sessions ? (size_t)cfg->limits.max_logon_sessions : ENRICH_DEFAULT_MAX;
        if (en->max_sessions > UINT32_MAX / 4)
                en->max_sessions = UINT32_MAX / 4;
        en->max_future_us = (int64_t)cfg->time.max_future_s * US_PER_S;
        while (en->count > en->max_sessions)
                enrich_evict(en);
        en->st.sessions = en->count;
        return 0;
}

const struct enrich_stats *enrich_stats(const struct enrich *en)
{
        return &en->st;
}

void enrich_free(struct enrich *en)
{
        if (!en)
                return;
        free(en->windows);
        free(en->zones);
        enrich_free_admins(en->admins, en->nadmins);
        free(en->s);
        free(en->idx);
        free(en);
}
