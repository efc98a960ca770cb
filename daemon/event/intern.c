/* Interned field names: a bounded open-addressing hash set.
 *
 * The strings live in large chunks that are never freed before
 * intern_reset(), so an interned pointer stays valid for the life of the
 * process.  Each string is preceded in its chunk by its id (4 bytes,
 * aligned): intern_id() reads it back without a lookup, which is how a
 * struct winevent indexes its fields.  The table holds at most
 * INTERN_MAX_NAMES names: past that, intern() returns NULL and the caller
 * keeps a private copy.
 *
 * Two threads use it at once (the decoding thread and the pipeline's
 * worker, include/spoor/pipeline.h): lookups take no lock, additions take
 * one.  A slot's name pointer is published last (release) after its hash
 * and length; a grown table is published whole (release) and the old one
 * is kept until intern_reset(), so a reader holding it still reads a
 * consistent, older set of names.  The old tables add at most the size of
 * the current one.  intern_reset() is for tests and exit, with no other
 * thread using the table. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/intern.h"

#define INTERN_CHUNK_SIZE (64 * 1024)
#define INTERN_MIN_SLOTS 1024

struct intern_chunk {
        struct intern_chunk *next;
        size_t used;
        char data[INTERN_CHUNK_SIZE];
};

struct intern_slot {
        _Atomic(const char *) s;
        uint32_t hash;
        uint32_t len;
};

struct intern_table {
        struct intern_table *older;     /* replaced tables, freed by intern_reset() */
        size_t nslots;                  /* power of two */
        struct intern_slot slots[];
};

static _Atomic(struct intern_table *) intern_tab;
static atomic_size_t intern_n;
static atomic_uint_least32_t intern_epoch_n;   /* intern_reset()s so far */
static struct intern_chunk *intern_chunks;     /* under intern_mu */
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;

/* Reads of 8 bytes at a time (the last read overlapping), multiplied and
 * folded (names are short: 10 to 30 bytes); *has_nul: whether s holds a
 * NUL byte, found on the way ((w - 0x01..) & ~w & 0x80.. is nonzero
 * exactly when a byte of w is zero, in either byte order).
 * Any hash would do for correctness: slots compare length and bytes. */
static uint32_t intern_hash(const char *s, size_t len, bool *has_nul)
{
        const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
        uint64_t h = len * k, w, nul = 0;
        size_t i = 0;

        for (; i + 8 <= len; i += 8) {
                memcpy(&w, s + i, 8);
                nul |= (w - ones) & ~w & highs;
                h = (h ^ w) * k;
                h ^= h >> 32;
        }
        if (i < len && len >= 8) {
                /* the last 8 bytes, overlapping what was read */
                memcpy(&w, s + len - 8, 8);
                nul |= (w - ones) & ~w & highs;
                h = (h ^ w) * k;
                h ^= h >> 32;
        } else if (i < len) {
                w = 0;
                for (size_t b = 0; b < len; b++) {
                        nul |= s[b] == '\0';
                        w = w << 8 | (unsigned char)s[b];
                }
                h = (h ^ w) * k;
                h ^= h >> 32;
        }
        *has_nul = nul != 0;
        h *= k;
        return (uint32_t)(h >> 32);
}

/* Under intern_mu: a table twice the size, published whole.  NULL: ENOMEM. */
static struct intern_table *intern_grow(struct intern_table *old)
{
        size_t nslots = old ? old->nslots * 2 : INTERN_MIN_SLOTS;
        struct intern_table *t = calloc(1, sizeof(*t) + nslots * sizeof(t->slots[0]));

        if (!t)
                return NULL;
        t->nslots = nslots;
        t->older = old;
        for (size_t i = 0; old && i < old->nslots; i++) {
                const struct intern_slot *o = &old->slots[i];
                const char *os = atomic_load_explicit(&o->s, memory_order_relaxed);

                if (!os)
                        continue;
                size_t j = o->hash & (nslots - 1);
                while (atomic_load_explicit(&t->slots[j].s, memory_order_relaxed))
                        j = (j + 1) & (nslots - 1);
                t->slots[j].hash = o->hash;
                t->slots[j].len = o->len;
                atomic_store_explicit(&t->slots[j].s, os, memory_order_relaxed);
        }
        atomic_store_explicit(&intern_tab, t, memory_order_release);
        return t;
}

/* [uint32_t id][bytes][NUL], the id 4-byte aligned; returns the bytes. */
static const char *intern_store(const char *s, size_t len, uint32_t id)
{
        struct intern_chunk *c = intern_chunks;
        size_t need = sizeof(id) + len + 1;

        if (c)
                c->used = (c->used + sizeof(id) - 1) & ~(sizeof(id) - 1);
        if (!c || INTERN_CHUNK_SIZE - c->used < need) {
                c = malloc(sizeof(*c));
                if (!c)
                        return NULL;
                c->next = intern_chunks;
                c->used = 0;
                intern_chunks = c;
        }
        char *p = c->data + c->used + sizeof(id);
        memcpy(p - sizeof(id), &id, sizeof(id));
        memcpy(p, s, len);
        p[len] = '\0';
        c->used += need;
        return p;
}

/* The interned copy of s in t, or NULL when there is none. */
static const char *intern_lookup(const struct intern_table *t, const char *s, size_t len, uint32_t h)
{
        const char *p;

        if (!t)
                return NULL;
        size_t mask = t->nslots - 1;
        for (size_t i = h & mask; (p = atomic_load_explicit(&t->slots[i].s, memory_order_acquire));
             i = (i + 1) & mask) {
                const struct intern_slot *sl = &t->slots[i];
                if (sl->hash == h && sl->len == len && memcmp(p, s, len) == 0)
                        return p;
        }
        return NULL;
}

/* A name intern() can never take (too long, holds a NUL): false.  Else
 * true with its hash in *h. */
static bool intern_hashable(const char *s, size_t len, uint32_t *h)
{
        bool has_nul;

        if (len > INTERN_MAX_LEN)
                return false;
        *h = intern_hash(s, len, &has_nul);
        return !has_nul;
}

const char *intern_find(const char *s, size_t len)
{
        uint32_t h;

        return intern_hashable(s, len, &h)
                       ? intern_lookup(atomic_load_explicit(&intern_tab, memory_order_acquire), s, len, h)
                       : NULL;
}

/* Under intern_mu, after a lookup missed. */
static const char *intern_add(const char *s, size_t len, uint32_t h)
{
        struct intern_table *t = atomic_load_explicit(&intern_tab, memory_order_relaxed);
        size_t n = atomic_load_explicit(&intern_n, memory_order_relaxed);
        /* another thread may have added it since the lookup */
        const char *found = intern_lookup(t, s, len, h);

        if (found)
                return found;
        if (n >= INTERN_MAX_NAMES)
                return NULL;
        /* keep the load factor at or below 1/2 */
        if ((!t || (n + 1) * 2 > t->nslots) && !(t = intern_grow(t)))
                return NULL;

        const char *copy = intern_store(s, len, (uint32_t)n);
        if (!copy)
                return NULL;

        size_t mask = t->nslots - 1;
        size_t i = h & mask;
        while (atomic_load_explicit(&t->slots[i].s, memory_order_relaxed))
                i = (i + 1) & mask;
        t->slots[i].hash = h;
        t->slots[i].len = (uint32_t)len;
        atomic_store_explicit(&t->slots[i].s, copy, memory_order_release);
        atomic_store_explicit(&intern_n, n + 1, memory_order_release);
        return copy;
}

const char *intern(const char *s, size_t len)
{
        uint32_t h;

        if (!intern_hashable(s, len, &h))
                return NULL;
        const char *found = intern_lookup(atomic_load_explicit(&intern_tab, memory_order_acquire), s, len, h);

        if (found)
                return found;
        pthread_mutex_lock(&intern_mu);
        found = intern_add(s, len, h);
        pthread_mutex_unlock(&intern_mu);
        return found;
}

size_t intern_count(void)
{
        return atomic_load_explicit(&intern_n, memory_order_acquire);
}

void intern_reset(void)
{
        struct intern_table *t = atomic_load_explicit(&intern_tab, memory_order_relaxed);

        pthread_mutex_lock(&intern_mu);
        while (intern_chunks) {
                struct intern_chunk *next = intern_chunks->next;
                free(intern_chunks);
                intern_chunks = next;
        }
        while (t) {
                struct intern_table *older = t->older;
                free(t);
                t = older;
        }
        atomic_store_explicit(&intern_tab, NULL, memory_order_release);
        atomic_store_explicit(&intern_n, 0, memory_order_release);
        atomic_fetch_add_explicit(&intern_epoch_n, 1, memory_order_release);
        pthread_mutex_unlock(&intern_mu);
}

uint32_t intern_epoch(void)
{
        return (uint32_t)atomic_load_explicit(&intern_epoch_n, memory_order_acquire);
}

#define INTERN_LITERALS 64      /* direct-mapped by address; a collision only costs a lookup */

const char *intern_literal(const char *s)
{
        static _Thread_local struct {
                const char *lit, *name;
        } cache[INTERN_LITERALS];
        static _Thread_local uint32_t epoch;
        size_t slot = ((uintptr_t)s >> 3) % INTERN_LITERALS;
        uint32_t now = intern_epoch();

        if (epoch != now) {
                memset(cache, 0, sizeof(cache));
                epoch = now;
        }
        if (cache[slot].lit == s)
                return cache[slot].name;
        const char *name = intern(s, strlen(s));
        if (name) {
                cache[slot].lit = s;
                cache[slot].name = name;
        }
        return name;
}
