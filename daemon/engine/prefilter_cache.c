/* A cache of literal prefilter scans, by (automaton, folded value).
 *
 * Windows telemetry repeats itself: the same image paths, parent images
 * and command lines come back event after event (in scripts/gen-events'
 * input a third of the command lines are distinct, and image paths far
 * fewer).  Scanning a value through a channel's Aho-Corasick automaton
 * costs a few nanoseconds per byte, bound by memory (the automata of
 * SigmaHQ's rules hold tens of thousands of states); looking the value up
 * costs one hash over it and one memcmp.  So the scan of a long value is
 * kept, as the list of variants it marked, and a later scan of the same
 * value by the same automaton replays the list.
 *
 * Exact: a hit compares the whole value, never only its hash.  Bounded:
 * a direct-mapped table (a colliding value replaces the older one), values
 * of PF_CACHE_MIN_LEN..PF_CACHE_MAX_LEN bytes only, at most
 * PF_CACHE_MAX_VI marks per value, PF_CACHE_MAX_BYTES of copies in all.
 * Owned by the ruleset (its automata's addresses are the keys), two of
 * them: one for ruleset_prescan's thread, one for ruleset_eval's; each is
 * used by one thread at a time. */
#include <stdlib.h>
#include <string.h>

#include "ruleset_impl.h"

#define PF_CACHE_SLOTS 8192                     /* power of two */
#define PF_CACHE_MIN_LEN 24                     /* shorter values scan about as fast as they hash */
#define PF_CACHE_MAX_LEN 1024
#define PF_CACHE_MAX_VI 64
#define PF_CACHE_MAX_BYTES (4u * 1024 * 1024)

struct pf_entry {
        const struct rs_ac *ac;                 /* NULL: empty */
        uint64_t h;
        uint32_t len;                           /* of the value */
        uint32_t nvi;                           /* marks */
        uint32_t cap;                           /* bytes at buf */
        unsigned char *buf;                     /* uint32_t vi[nvi], then the value */
};

struct pf_cache {
        struct pf_entry slot[PF_CACHE_SLOTS];
        size_t bytes;                           /* sum of cap */
        struct pf_cache_stats st;
};

struct pf_cache *pf_cache_new(void)
{
        return calloc(1, sizeof(struct pf_cache));
}

void pf_cache_free(struct pf_cache *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < PF_CACHE_SLOTS; i++)
                free(c->slot[i].buf);
        free(c);
}

const struct pf_cache_stats *pf_cache_stats(const struct pf_cache *c)
{
        return &c->st;
}

/* 8 bytes at a time, multiplied and folded; the automaton's address mixed
 * in.  Not keyed: a peer who makes values collide only evicts entries (a
 * hit compares the value). */
static uint64_t pf_hash(const struct rs_ac *ac, const unsigned char *h, size_t n)
{
        const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
        uint64_t x = ((uint64_t)(uintptr_t)ac ^ n) * k, w;
        size_t i = 0;

        for (; i + 8 <= n; i += 8) {
                memcpy(&w, h + i, 8);
                x = (x ^ w) * k;
                x ^= x >> 29;
        }
        if (i < n) {
                w = 0;
                memcpy(&w, h + i, n - i);
                x = (x ^ w) * k;
                x ^= x >> 29;
        }
        return x ^ (x >> 32);
}

static void pf_mark(uint64_t *marks, const uint32_t *vi, size_t n)
{
        for (size_t k = 0; k < n; k++)
                marks[vi[k] / 64] |= UINT64_C(1) << (vi[k] % 64);
}

void pf_cache_scan(struct pf_cache *c, const struct rs_ac *ac, const unsigned char *h, size_t n, uint64_t *marks)
{
        uint32_t vi[PF_CACHE_MAX_VI];
        uint64_t x;
        struct pf_entry *e;
        size_t nvi, need;

        if (!c || n < PF_CACHE_MIN_LEN || n > PF_CACHE_MAX_LEN) {
                prefilter_scan(ac, h, n, marks);
                return;
        }
        x = pf_hash(ac, h, n);
        e = &c->slot[x & (PF_CACHE_SLOTS - 1)];
        if (e->ac == ac && e->h == x && e->len == n &&
            memcmp(e->buf + e->nvi * sizeof(uint32_t), h, n) == 0) {
                uint32_t *list = (uint32_t *)(void *)e->buf;

                c->st.hits++;
                pf_mark(marks, list, e->nvi);
                return;
        }
        c->st.misses++;
        nvi = prefilter_collect(ac, h, n, vi, PF_CACHE_MAX_VI);
        if (nvi == SIZE_MAX) {          /* too many marks to keep */
                prefilter_scan(ac, h, n, marks);
                return;
        }
        pf_mark(marks, vi, nvi);
        need = nvi * sizeof(uint32_t) + n;
        if (need > e->cap) {
                size_t cap = need < 128 ? 128 : (need + 63) & ~(size_t)63;
                unsigned char *b;

                if (c->bytes - e->cap + cap > PF_CACHE_MAX_BYTES || !(b = malloc(cap)))
                        return;         /* not kept: the next scan of it scans */
                free(e->buf);
                c->bytes = c->bytes - e->cap + cap;
                e->buf = b;
                e->cap = (uint32_t)cap;
        }
        memcpy(e->buf, vi, nvi * sizeof(uint32_t));
        memcpy(e->buf + nvi * sizeof(uint32_t), h, n);
        e->ac = ac;
        e->h = x;
        e->len = (uint32_t)n;
        e->nvi = (uint32_t)nvi;
}
