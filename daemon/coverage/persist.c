/* The coverage model across restarts (coverage_save / coverage_restore,
 * include/spoor/coverage.h) and the state_lost gap (persist.h).
 *
 * Decisions:
 *   - Saved: the newest event time; per host (most recently seen first) its
 *     name, first and last event time, its channels (name, first / last
 *     event time, count, in-order records since the last hole, the whole
 *     RecordNumber sequence with its pending holes) and its open gaps; then
 *     the fleet's open gaps (host "*", senders).  Every field of a gap is
 *     saved, its id included: a gap that closes after the restart writes its
 *     closed record under the id its open record had before it.
 *   - Not saved: the gap families' own parts (twins, silence, sender,
 *     fields): they restart empty, as for a new host, and learn again from
 *     the next events.  Their open gaps are saved like any other; a family
 *     finds them again on its host's list (gaps_find / gaps_find_key).
 *   - Not saved: whether a host was checked for channel_missing.  Restored
 *     hosts are checked again (as after a reload): the rules may have
 *     changed across the restart, and a gap still open is found by
 *     gaps_find, so it does not open twice.
 *   - A gap kind is saved by name, not by number: a kind this spoord does
 *     not know (a newer one wrote the file) is read, skipped and counted;
 *     the rest of the file is used.
 *   - Restore goes into an empty model only (-EBUSY otherwise): spoord calls
 *     it once, at start, before any event.  Restored gaps are adopted
 *     (gaps_adopt): counted as open, no record written.  On any error the
 *     model is emptied again: all or nothing.
 *   - Bounds on restore: at most max_hosts hosts (the least recently seen
 *     beyond are dropped with their gaps), COVERAGE_MAX_CHANS
 *     channels per host (beyond: dropped), RECORDSEQ_MAX_HOLES holes,
 *     GAP_MAX_EVENT_IDS event ids, GAP_MAX_BLINDS blinds; host and channel
 *     names as long as an event can carry them (EVENT_HOST_MAX,
 *     EVENT_IDENT_MAX), a gap's strings up to PERSIST_MAX_STR; every count
 *     is checked against the bytes left before anything is allocated for
 *     it.
 *   - Another format version is refused with the reason (spoord moves the
 *     file aside and the model starts empty), as for the other state
 *     files.
 *   - Hosts are linked straight into the hash table and the LRU list, in
 *     their saved order, with the same FNV-1a hash as coverage.c (the unit
 *     test finds restored hosts through coverage.c's lookups).
 *   - state_lost: opened on host "*" at the wall-clock time of the start
 *     that found the loss; blinds are the windowed correlation rules (their
 *     partial matches were lost).  It closes once `after` of wall-clock
 *     time has passed since it opened (coverage_state_lost_due; the caller
 *     decides `after` and calls it from a timer); a state_lost gap that was
 *     saved open and restored closes the same way.
 *
 * Format (version 1; integers and strings as include/spoor/state.h puts
 * them):
 *   u32 magic "COVS", u32 version, i64 newest_us, u32 nhosts, nhosts x
 *     { str name, i64 first_us, i64 last_us, u32 nchans, nchans x channel,
 *       gaps }, gaps (the fleet's)
 *   channel: str name, i64 first_us, i64 last_us, u64 count,
 *     u64 in_order_quiet, u8 started, u8 restart_ok, u64 hwm, u64 seen,
 *     u8 nholes, nholes x { u64 lo, u64 hi, u64 filled }
 *   gaps: u32 n, n x gap (the first on the list first)
 *   gap: str kind, str id, str host, str channel, u8 flags (1 field, 2 key,
 *     4 evidence, 8 remedy: which of those strings follow, in that order),
 *     u8 n + n x u16 event ids, i64 opened_us, u8 n + n x { str id,
 *     str title } blinds, u64 blinds_more, u64 lo, hi, missing, quiet */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_impl.h"
#include "persist.h"
#include "spoor/sigma.h"
#include "spoor/state.h"

#define PERSIST_MAGIC 0x53564f43u      /* "COVS" */
#define PERSIST_VERSION 1u
#define PERSIST_MAX_STR (1024u * 1024u) /* a gap's strings (free text; rule ids may be file paths) */

#define PERSIST_FIELD 1u
#define PERSIST_KEY 2u
#define PERSIST_EVIDENCE 4u
#define PERSIST_REMEDY 8u

/* the fewest bytes each saved item takes: a count beyond left / these is a lie */
#define PERSIST_HOST_MIN 28u            /* str, 2 x i64, 2 x u32 */
#define PERSIST_CHAN_MIN 55u            /* str, 6 x 8, 3 x u8 */
#define PERSIST_GAP_MIN 99u             /* 4 str (id: 32 bytes), 3 x u8, i64, 5 x u64 */

/* ---- save -------------------------------------------------------------- */

static void persist_put_cstr(struct state_writer *w, const char *s)
{
        state_put_str(w, s ? s : "", s ? strlen(s) : 0);
}

static void persist_save_gap(struct state_writer *w, const struct gap *g)
{
        uint8_t flags = (g->field ? PERSIST_FIELD : 0) | (g->key ? PERSIST_KEY : 0) |
                        (g->evidence ? PERSIST_EVIDENCE : 0) | (g->remedy ? PERSIST_REMEDY : 0);

        persist_put_cstr(w, gap_kind_name(g->kind));
        persist_put_cstr(w, g->id);
        persist_put_cstr(w, g->host);
        persist_put_cstr(w, g->channel);
        state_put_u8(w, flags);
        if (g->field)
                persist_put_cstr(w, g->field);
        if (g->key)
                persist_put_cstr(w, g->key);
        if (g->evidence)
                persist_put_cstr(w, g->evidence);
        if (g->remedy)
                persist_put_cstr(w, g->remedy);
        state_put_u8(w, (uint8_t)g->nevent_ids);
        for (size_t i = 0; i < g->nevent_ids; i++)
                state_put_u16(w, g->event_ids[i]);
        state_put_i64(w, g->opened_us);
        state_put_u8(w, (uint8_t)g->nblinds);
        for (size_t i = 0; i < g->nblinds; i++) {
                persist_put_cstr(w, g->blinds[i].id);
                persist_put_cstr(w, g->blinds[i].title);
        }
        state_put_u64(w, g->blinds_more);
        state_put_u64(w, g->lo);
        state_put_u64(w, g->hi);
        state_put_u64(w, g->missing);
        state_put_u64(w, g->quiet);
}

static void persist_save_gaps(struct state_writer *w, const struct gap_list *list)
{
        uint32_t n = 0;

        for (const struct gap *g = list->head; g; g = g->next)
                n++;
        state_put_u32(w, n);
        for (const struct gap *g = list->head; g; g = g->next)
                persist_save_gap(w, g);
}

static void persist_save_chan(struct state_writer *w, const struct cov_chan *c)
{
        persist_put_cstr(w, c->name);
        state_put_i64(w, c->first_us);
        state_put_i64(w, c->last_us);
        state_put_u64(w, c->count);
        state_put_u64(w, c->in_order_quiet);
        state_put_u8(w, c->seq.started);
        state_put_u8(w, c->seq.restart_ok);
        state_put_u64(w, c->seq.hwm);
        state_put_u64(w, c->seq.seen);
        state_put_u8(w, (uint8_t)c->seq.nholes);
        for (size_t i = 0; i < c->seq.nholes; i++) {
                state_put_u64(w, c->seq.holes[i].lo);
                state_put_u64(w, c->seq.holes[i].hi);
                state_put_u64(w, c->seq.holes[i].filled);
        }
}

static void persist_save_host(struct state_writer *w, const struct cov_host *h)
{
        persist_put_cstr(w, h->name);
        state_put_i64(w, h->first_us);
        state_put_i64(w, h->last_us);
        state_put_u32(w, (uint32_t)h->nchans);
        for (size_t i = 0; i < h->nchans; i++)
                persist_save_chan(w, &h->chans[i]);
        persist_save_gaps(w, &h->gaps);
}

int coverage_save(const struct coverage *cov, struct state_writer *w)
{
        const struct cov_host *h = cov ? cov->lru_head : NULL;
        size_t nhosts = cov ? cov->nhosts : 0;
        uint32_t n = nhosts < UINT32_MAX ? (uint32_t)nhosts : UINT32_MAX;

        state_put_u32(w, PERSIST_MAGIC);
        state_put_u32(w, PERSIST_VERSION);
        state_put_i64(w, cov ? cov->newest_us : 0);
        state_put_u32(w, n);
        for (uint32_t i = 0; i < n && h && !w->err; i++, h = h->next)
                persist_save_host(w, h);
        if (cov)
                persist_save_gaps(w, &cov->fleet_gaps);
        else
                state_put_u32(w, 0);
        return w->err;
}

/* ---- restore: reading ---------------------------------------------------- */

struct persist_span {
        const char *p;          /* borrowed from the image, not NUL-terminated */
        size_t len;
};

/* A string of at most max bytes without a NUL in it. */
static bool persist_get(struct state_reader *r, size_t max, const char *what, struct persist_span *s)
{
        s->p = state_get_str(r, max, &s->len);
        if (!s->p)
                return false;
        if (memchr(s->p, '\0', s->len)) {
                state_reader_fail(r, "%s contains a NUL byte", what);
                return false;
        }
        return true;
}

/* The same into buf (max + 1 bytes), NUL-terminated. */
static bool persist_get_buf(struct state_reader *r, size_t max, const char *what, char *buf)
{
        struct persist_span s;

        if (!persist_get(r, max, what, &s))
                return false;
        memcpy(buf, s.p, s.len);
        buf[s.len] = '\0';
        return true;
}

struct persist_gap {
        struct persist_span kind, id, host, channel, field, key, evidence, remedy;
        struct persist_span blind_id[GAP_MAX_BLINDS], blind_title[GAP_MAX_BLINDS];
        uint8_t flags, nevent_ids, nblinds;
        uint16_t event_ids[GAP_MAX_EVENT_IDS];
        int64_t opened_us;
        uint64_t blinds_more, lo, hi, missing, quiet;
};

static bool persist_get_opt(struct state_reader *r, const struct persist_gap *s, unsigned flag, const char *what,
                            struct persist_span *out)
{
        return !(s->flags & flag) || persist_get(r, PERSIST_MAX_STR, what, out);
}

static int persist_read_gap(struct state_reader *r, struct persist_gap *s)
{
        memset(s, 0, sizeof(*s));
        if (!persist_get(r, PERSIST_MAX_STR, "gap kind", &s->kind) ||
            !persist_get(r, RECORD_ID_LEN, "gap id", &s->id) ||
            !persist_get(r, PERSIST_MAX_STR, "gap host", &s->host) ||
            !persist_get(r, PERSIST_MAX_STR, "gap channel", &s->channel))
                return r->err;
        s->flags = state_get_u8(r);
        if (s->flags & ~(PERSIST_FIELD | PERSIST_KEY | PERSIST_EVIDENCE | PERSIST_REMEDY))
                return state_reader_fail(r, "gap flags %#x", s->flags);
        if (!persist_get_opt(r, s, PERSIST_FIELD, "gap field", &s->field) ||
            !persist_get_opt(r, s, PERSIST_KEY, "gap key", &s->key) ||
            !persist_get_opt(r, s, PERSIST_EVIDENCE, "gap evidence", &s->evidence) ||
            !persist_get_opt(r, s, PERSIST_REMEDY, "gap remedy", &s->remedy))
                return r->err;
        s->nevent_ids = state_get_u8(r);
        if (s->nevent_ids > GAP_MAX_EVENT_IDS)
                return state_reader_fail(r, "a gap with %u event ids (at most %d)", s->nevent_ids,
                                         GAP_MAX_EVENT_IDS);
        for (size_t i = 0; i < s->nevent_ids; i++)
                s->event_ids[i] = state_get_u16(r);
        s->opened_us = state_get_time(r, 0);
        s->nblinds = state_get_u8(r);
        if (s->nblinds > GAP_MAX_BLINDS)
                return state_reader_fail(r, "a gap with %u blinds (at most %d)", s->nblinds, GAP_MAX_BLINDS);
        for (size_t i = 0; i < s->nblinds; i++)
                if (!persist_get(r, PERSIST_MAX_STR, "blind rule id", &s->blind_id[i]) ||
                    !persist_get(r, PERSIST_MAX_STR, "blind rule title", &s->blind_title[i]))
                        return r->err;
        s->blinds_more = state_get_u64(r);
        s->lo = state_get_u64(r);
        s->hi = state_get_u64(r);
        s->missing = state_get_u64(r);
        s->quiet = state_get_u64(r);
        if (state_reader_error(r))
                return r->err;
        for (size_t i = 0; i < RECORD_ID_LEN; i++) {
                char c = s->id.len == RECORD_ID_LEN ? s->id.p[i] : '-';

                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                        return state_reader_fail(r, "a gap id is not %d hex digits", RECORD_ID_LEN);
        }
        return 0;
}

/* The kind by name; -1: unknown to this spoord. */
static int persist_kind(const struct persist_span *s)
{
        for (int k = 0; k < _GAP_KIND_MAX; k++) {
                const char *name = gap_kind_name((enum gap_kind)k);

                if (strlen(name) == s->len && memcmp(name, s->p, s->len) == 0)
                        return k;
        }
        return -1;
}

/* ---- restore: building ---------------------------------------------------- */

static char *persist_dup(const struct persist_span *s)
{
        return strndup(s->p, s->len);
}

/* *dst = a copy of s when flag is set.  False: out of memory. */
static bool persist_dup_opt(char **dst, const struct persist_gap *s, unsigned flag, const struct persist_span *v)
{
        if (!(s->flags & flag))
                return true;
        *dst = persist_dup(v);
        return *dst != NULL;
}

static int persist_build_gap(const struct persist_gap *s, enum gap_kind kind, struct gap **out)
{
        char *host = persist_dup(&s->host), *channel = persist_dup(&s->channel), *field = NULL;
        struct gap *g = NULL;
        bool ok = host && channel && persist_dup_opt(&field, s, PERSIST_FIELD, &s->field);

        if (ok)
                g = gap_new(kind, host, channel, s->event_ids, s->nevent_ids, field, s->opened_us);
        free(host);
        free(channel);
        free(field);
        if (!g)
                return -ENOMEM;
        memcpy(g->id, s->id.p, RECORD_ID_LEN);
        g->id[RECORD_ID_LEN] = '\0';
        ok = persist_dup_opt(&g->key, s, PERSIST_KEY, &s->key) &&
             persist_dup_opt(&g->evidence, s, PERSIST_EVIDENCE, &s->evidence) &&
             persist_dup_opt(&g->remedy, s, PERSIST_REMEDY, &s->remedy);
        for (size_t i = 0; ok && i < s->nblinds; i++) {
                char *id = persist_dup(&s->blind_id[i]), *title = persist_dup(&s->blind_title[i]);

                if (!id || !title) {
                        free(id);
                        free(title);
                        ok = false;
                        break;
                }
                g->blinds[g->nblinds++] = (struct record_blind){ id, title };
        }
        if (!ok) {
                gap_free(g);
                return -ENOMEM;
        }
        g->blinds_more = s->blinds_more;
        g->lo = s->lo;
        g->hi = s->hi;
        g->missing = s->missing;
        g->quiet = s->quiet;
        *out = g;
        return 0;
}

static void persist_reverse(struct gap_list *list)
{
        struct gap *done = NULL;

        while (list->head) {
                struct gap *g = list->head;

                list->head = g->next;
                g->next = done;
                done = g;
        }
        list->head = done;
}

/* A saved list of gaps onto list, in the saved order, adopted (counted as
 * open, no record written). */
static int persist_restore_gaps(struct coverage *cov, struct state_reader *r, struct gap_list *list,
                                struct coverage_restored *st)
{
        uint32_t n = state_get_u32(r);

        if (state_reader_error(r))
                return r->err;
        if (n > state_reader_left(r) / PERSIST_GAP_MIN)
                return state_reader_fail(r, "%u gaps cannot fit in %zu bytes", n, state_reader_left(r));
        for (uint32_t i = 0; i < n; i++) {
                struct persist_gap s;
                struct gap *g = NULL;
                int kind, rc = persist_read_gap(r, &s);

                if (rc < 0)
                        return rc;
                kind = persist_kind(&s.kind);
                if (kind < 0) {
                        st->gaps_skipped++;
                        continue;
                }
                if (kind == GAP_EVENTS_LOST && s.lo > s.hi)
                        return state_reader_fail(r, "an events_lost gap with the range %llu..%llu",
                                                 (unsigned long long)s.lo, (unsigned long long)s.hi);
                rc = persist_build_gap(&s, (enum gap_kind)kind, &g);
                if (rc < 0)
                        return rc;
                gaps_adopt(cov->gaps, list, g);
                st->gaps++;
        }
        persist_reverse(list);
        return 0;
}

static int persist_restore_seq(struct state_reader *r, struct recordseq *s)
{
        uint8_t started = state_get_u8(r), restart_ok = state_get_u8(r), nholes;

        s->hwm = state_get_u64(r);
        s->seen = state_get_u64(r);
        nholes = state_get_u8(r);
        if (state_reader_error(r))
                return r->err;
        if (started > 1 || restart_ok > 1 || nholes > RECORDSEQ_MAX_HOLES)
                return state_reader_fail(r, "a record sequence with flags %u/%u and %u holes (at most %d)",
                                         started, restart_ok, nholes, RECORDSEQ_MAX_HOLES);
        s->started = started;
        s->restart_ok = restart_ok;
        if (nholes && recordseq_holes_alloc(s) < 0)
                return -ENOMEM;
        for (s->nholes = 0; s->nholes < nholes; s->nholes++) {
                struct recordseq_hole *x = &s->holes[s->nholes];

                x->lo = state_get_u64(r);
                x->hi = state_get_u64(r);
                x->filled = state_get_u64(r);
                if (state_reader_error(r))
                        return r->err;
                /* a pending hole lies below the high-water mark */
                if (x->lo > x->hi || x->hi >= s->hwm || x->filled > x->hi - x->lo + 1)
                        return state_reader_fail(r, "a record hole %llu..%llu (%llu filled) under %llu",
                                                 (unsigned long long)x->lo, (unsigned long long)x->hi,
                                                 (unsigned long long)x->filled, (unsigned long long)s->hwm);
        }
        return 0;
}

static int persist_restore_chans(struct state_reader *r, struct cov_host *h, struct coverage_restored *st)
{
        uint32_t n = state_get_u32(r), keep;

        if (state_reader_error(r))
                return r->err;
        if (n > state_reader_left(r) / PERSIST_CHAN_MIN)
                return state_reader_fail(r, "%u channels cannot fit in %zu bytes", n, state_reader_left(r));
        keep = n < COVERAGE_MAX_CHANS ? n : COVERAGE_MAX_CHANS;
        if (keep && !(h->chans = calloc(keep, sizeof(*h->chans))))
                return -ENOMEM;
        h->cap = keep;
        for (uint32_t i = 0; i < n; i++) {
                char name[EVENT_IDENT_MAX + 1];
                struct cov_chan c;
                int rc;

                memset(&c, 0, sizeof(c));
                if (!persist_get_buf(r, EVENT_IDENT_MAX, "channel name", name))
                        return r->err;
                c.first_us = state_get_time(r, 0);
                c.last_us = state_get_time(r, 0);
                c.count = state_get_u64(r);
                c.in_order_quiet = state_get_u64(r);
                rc = persist_restore_seq(r, &c.seq);
                if (rc == 0 && cov_chan_find(h, name))
                        rc = state_reader_fail(r, "channel %s of %s saved twice", name, h->name);
                if (rc == 0 && i < keep && !(c.name = strdup(name)))
                        rc = -ENOMEM;
                if (rc < 0 || i >= keep)
                        recordseq_fini(&c.seq);
                if (rc < 0)
                        return rc;
                if (i >= keep) {
                        st->chans_dropped++;
                        continue;
                }
                h->chans[h->nchans++] = c;
                st->chans++;
        }
        return 0;
}

/* ---- restore: the model -------------------------------------------------- */

/* An empty model's table sized for n hosts at once (no rehashing). */
static void persist_size_table(struct coverage *cov, uint64_t n)
{
        size_t nb = cov->nbuckets;
        struct cov_host **b;

        while (nb < n && nb < ((size_t)1 << 30))
                nb *= 2;
        if (nb == cov->nbuckets || !(b = calloc(nb, sizeof(*b))))
                return;         /* fits, or longer chains */
        free(cov->buckets);
        cov->buckets = b;
        cov->nbuckets = nb;
}

/* Into the table, and at the least recent end of the LRU list (hosts are
 * saved most recent first). */
static void persist_link(struct coverage *cov, struct cov_host *h)
{
        size_t b;

        h->hash = cov_hash(h->name);
        b = h->hash & (cov->nbuckets - 1);
        h->hnext = cov->buckets[b];
        cov->buckets[b] = h;
        h->prev = cov->lru_tail;
        h->next = NULL;
        if (cov->lru_tail)
                cov->lru_tail->next = h;
        else
                cov->lru_head = h;
        cov->lru_tail = h;
        cov->nhosts++;
}

/* A host as restore builds it: the families' parts are still empty. */
static void persist_host_free(struct coverage *cov, struct cov_host *h)
{
        gaps_drop(cov->gaps, &h->gaps);
        for (size_t i = 0; i < h->nchans; i++) {
                recordseq_fini(&h->chans[i].seq);
                free(h->chans[i].name);
        }
        free(h->chans);
        free(h->name);
        free(h);
}

/* Back to the empty model the restore started from. */
static void persist_clear(struct coverage *cov)
{
        for (struct cov_host *h = cov->lru_head, *n; h; h = n) {
                n = h->next;
                persist_host_free(cov, h);
        }
        memset(cov->buckets, 0, cov->nbuckets * sizeof(*cov->buckets));
        cov->lru_head = cov->lru_tail = NULL;
        cov->nhosts = 0;
        gaps_drop(cov->gaps, &cov->fleet_gaps);
}

/* Saved host number i: linked into the model, or (beyond max_hosts) read
 * and dropped. */
static int persist_restore_host(struct coverage *cov, struct state_reader *r, uint32_t i,
                                struct coverage_restored *st)
{
        struct coverage_restored dropped;
        bool keep = i < cov->o.max_hosts;
        char name[EVENT_HOST_MAX + 1];
        struct cov_host *h;
        int64_t first, last;
        int rc;

        if (!persist_get_buf(r, EVENT_HOST_MAX, "host name", name))
                return r->err;
        first = state_get_time(r, 0);
        last = state_get_time(r, 0);
        if (state_reader_error(r))
                return r->err;
        if (!*name)
                return state_reader_fail(r, "host %u has no name", i);
        if (keep && cov_host_find(cov, name))
                return state_reader_fail(r, "host %s saved twice", name);
        h = calloc(1, sizeof(*h));
        if (!h || !(h->name = strdup(name))) {
                free(h);
                return -ENOMEM;
        }
        h->first_us = first;
        h->last_us = last;
        if (keep)
                persist_link(cov, h);   /* from now on freed with the model */
        else
                st = memset(&dropped, 0, sizeof(dropped));
        rc = persist_restore_chans(r, h, st);
        if (rc == 0)
                rc = persist_restore_gaps(cov, r, &h->gaps, st);
        if (!keep) {
                persist_host_free(cov, h);
                return rc;
        }
        if (rc == 0)
                st->hosts++;
        return rc;
}

int coverage_restore_counted(struct coverage *cov, struct state_reader *r, struct coverage_restored *st)
{
        uint32_t magic, version, nhosts;
        int64_t newest;
        int rc = 0;

        memset(st, 0, sizeof(*st));
        if (cov->nhosts || cov->fleet_gaps.head)
                return -EBUSY;
        magic = state_get_u32(r);
        if (state_reader_error(r))
                return r->err;
        if (magic != PERSIST_MAGIC)
                return state_reader_fail(r, "not a coverage state");
        version = state_get_u32(r);
        newest = state_get_time(r, 0);
        nhosts = state_get_u32(r);
        if (state_reader_error(r))
                return r->err;
        if (version != PERSIST_VERSION)
                return state_reader_fail(r, "coverage state version mismatch: version %u (this spoord reads %u)",
                                         version, PERSIST_VERSION);
        if (nhosts > state_reader_left(r) / PERSIST_HOST_MIN)
                return state_reader_fail(r, "%u hosts cannot fit in %zu bytes", nhosts, state_reader_left(r));
        persist_size_table(cov, nhosts < cov->o.max_hosts ? nhosts : cov->o.max_hosts);
        for (uint32_t i = 0; i < nhosts && rc == 0; i++)
                rc = persist_restore_host(cov, r, i, st);
        if (rc == 0)
                rc = persist_restore_gaps(cov, r, &cov->fleet_gaps, st);
        if (rc == 0 && state_reader_left(r))
                rc = state_reader_fail(r, "%zu bytes after the coverage state", state_reader_left(r));
        if (rc < 0) {
                persist_clear(cov);
                memset(st, 0, sizeof(*st));
                return rc;
        }
        st->hosts_dropped = nhosts > cov->o.max_hosts ? nhosts - cov->o.max_hosts : 0;
        cov->newest_us = newest;
        return 0;
}

int coverage_restore(struct coverage *cov, struct state_reader *r)
{
        struct coverage_restored st;

        return coverage_restore_counted(cov, r, &st);
}

/* ---- state_lost ------------------------------------------------------------ */

int64_t coverage_longest_window(const struct coverage *cov)
{
        size_t n;
        const struct sigma_corr *cs = ruleset_corrs(cov->rs, &n);
        int64_t longest = 0;

        for (size_t i = 0; i < n; i++)
                if (!cs[i].first_seen.on && cs[i].spec.timespan_us > longest)
                        longest = cs[i].spec.timespan_us;
        return longest;
}

int coverage_state_lost(struct coverage *cov, const char *evidence, const char *remedy, int64_t now_us,
                        char id[RECORD_ID_LEN + 1])
{
        size_t n;
        const struct sigma_corr *cs = ruleset_corrs(cov->rs, &n);
        struct gap *g = gap_new(GAP_STATE_LOST, "*", "", NULL, 0, NULL, now_us);

        if (!g || gap_set_evidence(g, "%s", evidence) < 0 || gap_set_remedy(g, remedy) < 0)
                goto oom;
        for (size_t i = 0; i < n; i++)
                if (!cs[i].first_seen.on && gap_add_blind(g, cs[i].meta->id, cs[i].meta->title) < 0)
                        goto oom;
        gaps_open(cov->gaps, &cov->fleet_gaps, g);
        if (id)
                memcpy(id, g->id, RECORD_ID_LEN + 1);
        return 0;
oom:
        gap_free(g);
        return -ENOMEM;
}

int64_t coverage_state_lost_due(struct coverage *cov, int64_t now_us, int64_t after_us)
{
        int64_t next = INT64_MAX;

        for (struct gap *g = cov->fleet_gaps.head, *n; g; g = n) {
                int64_t due = g->opened_us > INT64_MAX - after_us ? INT64_MAX : g->opened_us + after_us;

                n = g->next;
                if (g->kind != GAP_STATE_LOST)
                        continue;
                if (due <= now_us)
                        gaps_close(cov->gaps, &cov->fleet_gaps, g, now_us);
                else if (due < next)
                        next = due;
        }
        return next;
}
