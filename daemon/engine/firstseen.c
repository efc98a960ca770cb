/* Extension first_seen: per correlation, group digest → combination digest
 * → last seen (include/spoor/firstseen.h).
 *
 * One table for every first_seen correlation: entries in a slab (indices,
 * not pointers, so growing it is a realloc), chained hash buckets, and an
 * intrusive least-recently-touched list that drives both the eviction at
 * max_entries and the lazy expiry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "spoor/firstseen.h"
#include "spoor/siphash.h"
#include "spoor/state.h"

#define FS_MAGIC 0x54535246u    /* "FRST" */
#define FS_NIL UINT32_MAX
#define FS_FREE UINT32_MAX      /* entry.ci of a free slot */
#define FS_DEFAULT_MAX 1000000u
#define FS_MAX_ENTRIES (UINT32_MAX - 1u)
#define FS_MIN_SLOTS 64u
#define FS_PRUNE_STEP 2         /* expired entries looked at per observation */
#define FS_ID_MAX 4096
#define FS_SIG_MAX 65536
#define FS_NONE INT64_MIN       /* no time yet */

struct fs_entry {
        uint64_t gh, vh;        /* group digest, combination digest */
        int64_t last_us;
        uint32_t ci;            /* FS_FREE: on the free list */
        uint32_t hnext;         /* bucket chain; free list */
        uint32_t prev, next;    /* least recently touched first */
};

struct fs_corr {
        struct firstseen_spec spec;
        int64_t learn_us;       /* event time of the first observation; FS_NONE */
};

struct firstseen {
        struct fs_corr *corrs;
        size_t ncorrs;
        struct firstseen_opts o;
        uint64_t k0, k1;
        int64_t newest_us;      /* newest non-skewed event time; FS_NONE */
        struct fs_entry *ents;
        uint32_t nslots;        /* allocated entries */
        uint32_t freelist;
        uint32_t *buckets;
        uint32_t nbuckets;      /* power of two */
        uint32_t head, tail;    /* LRU list */
        bool touched;           /* anything observed or restored */
        struct firstseen_stats st;
};

static uint32_t fs_bucket(const struct firstseen *fs, uint32_t ci, uint64_t gh, uint64_t vh)
{
        uint64_t h = gh ^ ((vh << 29) | (vh >> 35)) ^ ((uint64_t)ci * 0x9e3779b97f4a7c15ull);

        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        return (uint32_t)h & (fs->nbuckets - 1);
}

/* ---- table ------------------------------------------------------------ */

static void fs_lru_unlink(struct firstseen *fs, uint32_t i)
{
        struct fs_entry *e = &fs->ents[i];

        if (e->prev != FS_NIL)
                fs->ents[e->prev].next = e->next;
        else
                fs->head = e->next;
        if (e->next != FS_NIL)
                fs->ents[e->next].prev = e->prev;
        else
                fs->tail = e->prev;
        e->prev = e->next = FS_NIL;
}

static void fs_lru_append(struct firstseen *fs, uint32_t i)
{
        struct fs_entry *e = &fs->ents[i];

        e->prev = fs->tail;
        e->next = FS_NIL;
        if (fs->tail != FS_NIL)
                fs->ents[fs->tail].next = i;
        else
                fs->head = i;
        fs->tail = i;
}

static uint32_t fs_find(const struct firstseen *fs, uint32_t ci, uint64_t gh, uint64_t vh)
{
        if (!fs->nbuckets)
                return FS_NIL;
        for (uint32_t i = fs->buckets[fs_bucket(fs, ci, gh, vh)]; i != FS_NIL; i = fs->ents[i].hnext)
                if (fs->ents[i].ci == ci && fs->ents[i].gh == gh && fs->ents[i].vh == vh)
                        return i;
        return FS_NIL;
}

static void fs_remove(struct firstseen *fs, uint32_t i)
{
        struct fs_entry *e = &fs->ents[i];
        uint32_t *pp = &fs->buckets[fs_bucket(fs, e->ci, e->gh, e->vh)];

        while (*pp != i)
                pp = &fs->ents[*pp].hnext;
        *pp = e->hnext;
        fs_lru_unlink(fs, i);
        e->ci = FS_FREE;
        e->hnext = fs->freelist;
        fs->freelist = i;
        fs->st.entries--;
}

/* Room for one more slot: double the slab (and the buckets) up to the
 * bound.  0 or -ENOMEM. */
static int fs_grow(struct firstseen *fs)
{
        uint32_t n = fs->nslots ? fs->nslots * 2 : FS_MIN_SLOTS, nb;
        struct fs_entry *ents;
        uint32_t *buckets;

        if (n > fs->o.max_entries || n < fs->nslots)
                n = (uint32_t)fs->o.max_entries;
        if (n <= fs->nslots)
                return -ENOMEM;
        ents = realloc(fs->ents, (size_t)n * sizeof(*ents));
        if (!ents)
                return -ENOMEM;
        fs->ents = ents;
        for (uint32_t i = n; i-- > fs->nslots;) {
                ents[i].ci = FS_FREE;
                ents[i].hnext = fs->freelist;
                ents[i].prev = ents[i].next = FS_NIL;
                fs->freelist = i;
        }
        fs->nslots = n;
        for (nb = FS_MIN_SLOTS; nb < n && nb < (1u << 31); nb <<= 1)
                ;
        if (nb <= fs->nbuckets)
                return 0;
        buckets = malloc((size_t)nb * sizeof(*buckets));
        if (!buckets)
                return 0;       /* longer chains, still correct */
        free(fs->buckets);
        fs->buckets = buckets;
        fs->nbuckets = nb;
        for (uint32_t b = 0; b < nb; b++)
                buckets[b] = FS_NIL;
        for (uint32_t i = fs->head; i != FS_NIL; i = ents[i].next) {
                uint32_t b = fs_bucket(fs, ents[i].ci, ents[i].gh, ents[i].vh);
                ents[i].hnext = buckets[b];
                buckets[b] = i;
        }
        return 0;
}

static bool fs_expired(const struct firstseen *fs, const struct fs_entry *e)
{
        return fs->newest_us != FS_NONE && fs->newest_us - e->last_us > fs->corrs[e->ci].spec.history_us;
}

/* Drop up to `step` expired entries from the least recently touched end. */
static void fs_prune(struct firstseen *fs, int step)
{
        while (step-- > 0 && fs->head != FS_NIL && fs_expired(fs, &fs->ents[fs->head])) {
                fs_remove(fs, fs->head);
                fs->st.expired++;
        }
}

/* A new entry at the most recently touched end, evicting at the bound.
 * Its index, or FS_NIL on ENOMEM. */
static uint32_t fs_insert(struct firstseen *fs, uint32_t ci, uint64_t gh, uint64_t vh, int64_t t_us)
{
        uint32_t i, b;

        if (fs->freelist == FS_NIL && fs->st.entries >= fs->o.max_entries && fs->head != FS_NIL) {
                bool expired = fs_expired(fs, &fs->ents[fs->head]);
                fs_remove(fs, fs->head);
                if (expired)
                        fs->st.expired++;
                else
                        fs->st.evicted++;
        }
        if (fs->freelist == FS_NIL && fs_grow(fs) < 0)
                return FS_NIL;
        i = fs->freelist;
        fs->freelist = fs->ents[i].hnext;
        b = fs_bucket(fs, ci, gh, vh);
        fs->ents[i] = (struct fs_entry){ .gh = gh, .vh = vh, .last_us = t_us, .ci = ci, .hnext = fs->buckets[b],
                                         .prev = FS_NIL, .next = FS_NIL };
        fs->buckets[b] = i;
        fs_lru_append(fs, i);
        fs->st.entries++;
        return i;
}

static void fs_clear(struct firstseen *fs)
{
        free(fs->ents);
        free(fs->buckets);
        fs->ents = NULL;
        fs->buckets = NULL;
        fs->nslots = fs->nbuckets = 0;
        fs->freelist = fs->head = fs->tail = FS_NIL;
        fs->st.entries = 0;
        fs->newest_us = FS_NONE;
        for (size_t i = 0; i < fs->ncorrs; i++)
                fs->corrs[i].learn_us = FS_NONE;
}

/* ---- API ---------------------------------------------------------------- */

struct firstseen *firstseen_new(const struct firstseen_spec *specs, size_t n, const struct firstseen_opts *o)
{
        struct firstseen *fs;
        uint64_t k[2];

        for (size_t i = 0; i < n; i++)
                if (specs[i].on && (specs[i].history_us <= 0 || specs[i].learning_us < 0)) {
                        errno = EINVAL;
                        return NULL;
                }
        fs = calloc(1, sizeof(*fs));
        if (!fs || !(fs->corrs = calloc(n ? n : 1, sizeof(*fs->corrs)))) {
                free(fs);
                errno = ENOMEM;
                return NULL;
        }
        fs->ncorrs = n;
        for (size_t i = 0; i < n; i++)
                fs->corrs[i].spec = specs[i];
        if (o)
                fs->o = *o;
        if (fs->o.max_entries == 0)
                fs->o.max_entries = FS_DEFAULT_MAX;
        if (fs->o.max_entries > FS_MAX_ENTRIES)
                fs->o.max_entries = FS_MAX_ENTRIES;
        if (fs->o.max_future_us <= 0)
                fs->o.max_future_us = 300 * 1000000LL;
        if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
                k[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uintptr_t)fs;
                k[1] = (uint64_t)clock() ^ 0xc2b2ae3d27d4eb4full;
        }
        fs->k0 = k[0];
        fs->k1 = k[1];
        fs_clear(fs);
        return fs;
}

void firstseen_free(struct firstseen *fs)
{
        if (!fs)
                return;
        free(fs->ents);
        free(fs->buckets);
        free(fs->corrs);
        free(fs);
}

const struct firstseen_stats *firstseen_stats(const struct firstseen *fs)
{
        return &fs->st;
}

int firstseen_observe(struct firstseen *fs, size_t ci, const void *group, size_t glen, const void *combo,
                      size_t clen, int64_t t_us, int64_t recv_us)
{
        struct fs_corr *c;
        uint64_t gh, vh;
        bool skewed, first, learning;
        uint32_t i;

        if (!fs || ci >= fs->ncorrs || !fs->corrs[ci].spec.on || (glen && !group) || (clen && !combo))
                return -EINVAL;
        c = &fs->corrs[ci];
        fs->touched = true;
        fs->st.observed++;
        skewed = recv_us > 0 && t_us > recv_us && t_us - recv_us > fs->o.max_future_us;
        if (!skewed) {
                if (fs->newest_us == FS_NONE || t_us > fs->newest_us)
                        fs->newest_us = t_us;
                if (c->learn_us == FS_NONE)
                        c->learn_us = t_us;
        }
        fs_prune(fs, FS_PRUNE_STEP);
        gh = siphash24(group, glen, fs->k0, fs->k1);
        vh = siphash24(combo, clen, fs->k1, fs->k0);
        i = fs_find(fs, (uint32_t)ci, gh, vh);
        first = i == FS_NIL || t_us - fs->ents[i].last_us > c->spec.history_us;
        if (i == FS_NIL) {
                if (fs_insert(fs, (uint32_t)ci, gh, vh, t_us) == FS_NIL)
                        return -ENOMEM;
        } else {
                if (t_us > fs->ents[i].last_us)
                        fs->ents[i].last_us = t_us;
                fs_lru_unlink(fs, i);
                fs_lru_append(fs, i);
        }
        if (!first)
                return 0;
        /* a skewed event before any other cannot start (or end) learning */
        learning = c->learn_us == FS_NONE || t_us < c->learn_us ||
                   t_us - c->learn_us < c->spec.learning_us;
        if (learning) {
                fs->st.learning++;
                return 0;
        }
        fs->st.fired++;
        return 1;
}

/* ---- persistence -------------------------------------------------------- */

int firstseen_save(const struct firstseen *fs, const char *const *ids, const char *const *sigs,
                   struct state_writer *w)
{
        uint32_t *slot = NULL, nsaved = 0;
        uint64_t n = 0;

        state_put_u32(w, FS_MAGIC);
        state_put_u64(w, fs ? fs->k0 : 0);
        state_put_u64(w, fs ? fs->k1 : 0);
        state_put_i64(w, fs ? fs->newest_us : FS_NONE);
        if (fs && fs->ncorrs) {
                slot = calloc(fs->ncorrs, sizeof(*slot));
                if (!slot) {
                        if (!w->err)
                                w->err = -ENOMEM;
                        return w->err;
                }
        }
        for (size_t i = 0; fs && i < fs->ncorrs; i++)
                if (fs->corrs[i].spec.on)
                        slot[i] = nsaved++;
        state_put_u32(w, nsaved);
        for (size_t i = 0; fs && i < fs->ncorrs; i++) {
                if (!fs->corrs[i].spec.on)
                        continue;
                state_put_str(w, ids[i], strlen(ids[i]));
                state_put_str(w, sigs[i], strlen(sigs[i]));
                state_put_i64(w, fs->corrs[i].learn_us);
        }
        for (uint32_t i = fs ? fs->head : FS_NIL; i != FS_NIL; i = fs->ents[i].next)
                n++;
        state_put_u64(w, n);
        for (uint32_t i = fs ? fs->head : FS_NIL; i != FS_NIL; i = fs->ents[i].next) {
                const struct fs_entry *e = &fs->ents[i];
                state_put_u32(w, slot[e->ci]);
                state_put_u64(w, e->gh);
                state_put_u64(w, e->vh);
                state_put_i64(w, e->last_us);
        }
        free(slot);
        return w->err;
}

int firstseen_restore(struct firstseen *fs, const char *const *ids, const char *const *sigs, size_t n,
                      struct state_reader *r)
{
        uint32_t nsaved, *map = NULL;
        uint64_t magic, nent, k0, k1;
        int64_t newest;
        int rc = 0;

        if (!fs || n != fs->ncorrs)
                return -EINVAL;
        if (fs->touched)
                return -EBUSY;
        magic = state_get_u32(r);
        k0 = state_get_u64(r);
        k1 = state_get_u64(r);
        newest = state_get_time(r, FS_NONE);
        nsaved = state_get_u32(r);
        if (state_reader_error(r))
                return state_reader_error(r);
        if (magic != FS_MAGIC)
                return state_reader_fail(r, "not a first_seen state (magic %#x)", (unsigned)magic);
        /* a correlation takes at least 16 bytes */
        if (nsaved > state_reader_left(r) / 16)
                return state_reader_fail(r, "%u first_seen correlations cannot fit in %zu bytes", nsaved,
                                         state_reader_left(r));
        map = calloc(nsaved ? nsaved : 1, sizeof(*map));
        if (!map)
                return -ENOMEM;
        fs->k0 = k0;
        fs->k1 = k1;
        fs->newest_us = newest;
        for (uint32_t s = 0; s < nsaved; s++) {
                size_t idlen, siglen;
                const char *id = state_get_str(r, FS_ID_MAX, &idlen);
                const char *sig = state_get_str(r, FS_SIG_MAX, &siglen);
                int64_t learn = state_get_time(r, FS_NONE);

                map[s] = FS_NIL;
                if (state_reader_error(r))
                        goto bad;
                for (size_t i = 0; i < n; i++) {
                        if (!fs->corrs[i].spec.on || strlen(ids[i]) != idlen || memcmp(ids[i], id, idlen) != 0)
                                continue;
                        for (uint32_t p = 0; p < s; p++)
                                if (map[p] == i) {
                                        state_reader_fail(r, "first_seen correlation %.*s saved twice",
                                                          (int)idlen, id);
                                        goto bad;
                                }
                        if (strlen(sigs[i]) == siglen && memcmp(sigs[i], sig, siglen) == 0) {
                                map[s] = (uint32_t)i;
                                fs->corrs[i].learn_us = learn;
                        }
                        break;
                }
        }
        nent = state_get_u64(r);
        if (state_reader_error(r))
                goto bad;
        if (nent > state_reader_left(r) / 28) {
                state_reader_fail(r, "%llu first_seen entries cannot fit in %zu bytes", (unsigned long long)nent,
                                  state_reader_left(r));
                goto bad;
        }
        for (uint64_t k = 0; k < nent; k++) {
                uint32_t s = state_get_u32(r), ci;
                uint64_t gh = state_get_u64(r), vh = state_get_u64(r);
                int64_t last = state_get_time(r, 0);

                if (state_reader_error(r))
                        goto bad;
                if (s >= nsaved) {
                        state_reader_fail(r, "first_seen entry %llu: correlation %u of %u", (unsigned long long)k,
                                          s, nsaved);
                        goto bad;
                }
                if (map[s] == FS_NIL) {
                        fs->st.restore_dropped++;
                        continue;
                }
                ci = map[s];
                if (fs_find(fs, ci, gh, vh) != FS_NIL) {
                        state_reader_fail(r, "first_seen entry %llu saved twice", (unsigned long long)k);
                        goto bad;
                }
                if (newest != FS_NONE && newest - last > fs->corrs[ci].spec.history_us) {
                        fs->st.expired++;
                        continue;
                }
                if (fs_insert(fs, ci, gh, vh, last) == FS_NIL) {
                        rc = -ENOMEM;
                        goto bad;
                }
                fs->st.restored++;
        }
        if (state_reader_left(r)) {
                state_reader_fail(r, "%zu trailing bytes after the first_seen state", state_reader_left(r));
                goto bad;
        }
        free(map);
        fs->touched = true;
        return 0;
bad:
        free(map);
        fs_clear(fs);
        fs->st.restored = 0;
        return rc ? rc : state_reader_error(r);
}
