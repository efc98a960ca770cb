/* The sliding window of one correlation in one group: a ring of
 * observations ordered by event time, kept event details, and the
 * aggregates the correlator decides on (daemon/engine/window.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

#define WINDOW_MIN_CAP 4u
#define VSET_MIN_CAP 8u

void window_init(struct window *w)
{
        memset(w, 0, sizeof(*w));
}

void window_free(struct window *w)
{
        free(w->ring);
        free(w->slots);
        free(w->free_slots);
        window_init(w);
}

size_t window_bytes(const struct window *w)
{
        return (size_t)w->cap * sizeof(struct wobs) +
               (size_t)w->slot_cap * (sizeof(struct corr_event) + sizeof(int32_t));
}

size_t window_lower(const struct window *w, int64_t t)
{
        size_t lo = 0, hi = w->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (window_time(w, mid) < t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

size_t window_upper(const struct window *w, int64_t t)
{
        size_t lo = 0, hi = w->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (window_time(w, mid) <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* Reallocate the ring to `cap` (a power of two ≥ n), unwrapping it. */
static int window_resize(struct window *w, uint32_t cap)
{
        struct wobs *r = malloc((size_t)cap * sizeof(*r));

        if (!r)
                return -ENOMEM;
        for (uint32_t i = 0; i < w->n; i++)
                r[i] = *window_at(w, i);
        free(w->ring);
        w->ring = r;
        w->cap = cap;
        w->head = 0;
        return 0;
}

int window_insert(struct window *w, const struct wobs *o, size_t *pos)
{
        size_t p;

        if (w->n >= WINDOW_MAX_OBS)
                return -ENOSPC;
        if (w->n == w->cap) {
                int r = window_resize(w, w->cap ? w->cap * 2 : WINDOW_MIN_CAP);
                if (r < 0)
                        return r;
        }
        /* Usually an append: test the end before searching.  Order: (time,
         * ref), after the equal ones. */
        if (w->n == 0 || window_time(w, w->n - 1) < o->time_us ||
            (window_time(w, w->n - 1) == o->time_us && window_at(w, w->n - 1)->ref <= o->ref))
                p = w->n;
        else
                p = window_upper(w, o->time_us);
        while (p > 0 && window_time(w, p - 1) == o->time_us && window_at(w, p - 1)->ref > o->ref)
                p--;
        for (size_t i = w->n; i > p; i--)
                *window_at(w, i) = *window_at(w, i - 1);
        *window_at(w, p) = *o;
        w->n++;
        *pos = p;
        return 0;
}

static void window_slot_release(struct window *w, int32_t s)
{
        if (s < 0)
                return;
        w->free_slots[w->nfree++] = s;
}

void window_remove(struct window *w, size_t a, size_t b)
{
        size_t k;

        if (b > w->n)
                b = w->n;
        if (a >= b)
                return;
        k = b - a;
        for (size_t i = a; i < b; i++)
                window_slot_release(w, window_at(w, i)->slot);
        if (a == 0) {
                w->head = (uint32_t)((w->head + k) & (w->cap - 1));
        } else {
                for (size_t i = b; i < w->n; i++)
                        *window_at(w, i - k) = *window_at(w, i);
        }
        w->n -= (uint32_t)k;
        /* An emptied window keeps a small ring (no allocation per fire in a
         * busy group); a large one shrinks with its contents. */
        if (w->cap > 4 * WINDOW_MIN_CAP && w->n < w->cap / 4) {
                uint32_t cap = w->cap;
                while (cap > 4 * WINDOW_MIN_CAP && w->n < cap / 4)
                        cap /= 2;
                (void)window_resize(w, cap);    /* on ENOMEM keep the larger ring */
        }
}

int32_t window_slot_take(struct window *w, size_t max, const struct corr_event *ev)
{
        int32_t s;

        if (w->nfree > 0) {
                s = w->free_slots[--w->nfree];
        } else if (w->slot_hi < w->slot_cap) {
                s = (int32_t)w->slot_hi++;
        } else {
                uint32_t cap = w->slot_cap ? w->slot_cap * 2 : 2;
                struct corr_event *ns;
                int32_t *nf;

                if (w->slot_cap >= max)
                        return -1;
                if (cap > max)
                        cap = (uint32_t)max;
                ns = realloc(w->slots, (size_t)cap * sizeof(*ns));
                if (!ns)
                        return -1;
                w->slots = ns;
                nf = realloc(w->free_slots, (size_t)cap * sizeof(*nf));
                if (!nf)
                        return -1;      /* slots stay larger: slot_cap grows only with both */
                w->free_slots = nf;
                w->slot_cap = cap;
                s = (int32_t)w->slot_hi++;
        }
        w->slots[s] = *ev;
        return s;
}

double window_sum(const struct window *w, size_t a, size_t b)
{
        double s = 0;

        for (size_t i = a; i < b && i < w->n; i++)
                s += window_at(w, i)->num;
        return s;
}

static int cmp_double(const void *x, const void *y)
{
        double a = *(const double *)x, b = *(const double *)y;

        return (a > b) - (a < b);
}

int window_percentile(const struct window *w, size_t a, size_t b, double p, double **scratch,
                      size_t *scratch_cap, double *out)
{
        size_t n, rank;
        double *v;

        if (b > w->n)
                b = w->n;
        if (a >= b)
                return -ENODATA;
        n = b - a;
        if (*scratch_cap < n) {
                v = realloc(*scratch, n * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                *scratch = v;
                *scratch_cap = n;
        }
        v = *scratch;
        for (size_t i = 0; i < n; i++)
                v[i] = window_at(w, a + i)->num;
        qsort(v, n, sizeof(*v), cmp_double);
        if (p <= 0)
                rank = 1;
        else if (p >= 100)
                rank = n;
        else {
                double r = p / 100.0 * (double)n;
                rank = (size_t)r;
                if ((double)rank < r)
                        rank++;         /* ceil */
                if (rank < 1)
                        rank = 1;
        }
        *out = v[rank - 1];
        return 0;
}

/* ---- vset ---------------------------------------------------------------- */

static uint32_t vset_home(const struct vset *s, uint64_t h)
{
        return (uint32_t)((h * 0x9e3779b97f4a7c15ull) >> 32) & (s->cap - 1);
}

static int vset_grow(struct vset *s)
{
        uint32_t cap = s->cap ? s->cap * 2 : VSET_MIN_CAP;
        struct vset ns = { .cap = cap };

        ns.h = calloc(cap, sizeof(*ns.h));
        ns.cnt = calloc(cap, sizeof(*ns.cnt));
        if (!ns.h || !ns.cnt) {
                free(ns.h);
                free(ns.cnt);
                return -ENOMEM;
        }
        for (uint32_t i = 0; i < s->cap; i++) {
                uint32_t j;
                if (!s->h[i])
                        continue;
                for (j = vset_home(&ns, s->h[i]); ns.h[j]; j = (j + 1) & (cap - 1))
                        ;
                ns.h[j] = s->h[i];
                ns.cnt[j] = s->cnt[i];
        }
        ns.n = s->n;
        vset_free(s);
        *s = ns;
        return 0;
}

int vset_add(struct vset *s, uint64_t h)
{
        uint32_t i;

        if (!h)
                h = 1;
        if ((s->n + 1) * 4 > s->cap * 3) {     /* load ≤ 3/4 */
                int r = vset_grow(s);
                if (r < 0)
                        return r;
        }
        for (i = vset_home(s, h); s->h[i]; i = (i + 1) & (s->cap - 1))
                if (s->h[i] == h) {
                        s->cnt[i]++;
                        return 0;
                }
        s->h[i] = h;
        s->cnt[i] = 1;
        s->n++;
        return 0;
}

void vset_del(struct vset *s, uint64_t h)
{
        uint32_t i, j, mask = s->cap - 1;

        if (!h)
                h = 1;
        if (!s->cap)
                return;
        for (i = vset_home(s, h); s->h[i] != h; i = (i + 1) & mask)
                if (!s->h[i])
                        return;
        if (--s->cnt[i] > 0)
                return;
        s->n--;
        /* Backward-shift: move up every entry whose probe passed slot i. */
        for (j = (i + 1) & mask; s->h[j]; j = (j + 1) & mask) {
                uint32_t home = vset_home(s, s->h[j]);
                /* entry j may fill hole i when home is not in (i, j] (cyclically) */
                if (((j - home) & mask) >= ((j - i) & mask)) {
                        s->h[i] = s->h[j];
                        s->cnt[i] = s->cnt[j];
                        i = j;
                }
        }
        s->h[i] = 0;
        s->cnt[i] = 0;
}

void vset_clear(struct vset *s)
{
        if (s->n) {
                memset(s->h, 0, (size_t)s->cap * sizeof(*s->h));
                memset(s->cnt, 0, (size_t)s->cap * sizeof(*s->cnt));
        }
        s->n = 0;
}

void vset_free(struct vset *s)
{
        free(s->h);
        free(s->cnt);
        memset(s, 0, sizeof(*s));
}

size_t vset_bytes(const struct vset *s)
{
        return (size_t)s->cap * (sizeof(*s->h) + sizeof(*s->cnt));
}

int window_distinct(const struct window *w, size_t a, size_t b, struct vset *scratch, size_t *out)
{
        vset_clear(scratch);
        for (size_t i = a; i < b && i < w->n; i++) {
                int r = vset_add(scratch, window_at(w, i)->vhash);
                if (r < 0)
                        return r;
        }
        *out = scratch->n;
        vset_clear(scratch);
        return 0;
}

/* ---- wagg ---------------------------------------------------------------- */

int wagg_init(struct wagg *a, size_t nrefs, bool distinct)
{
        memset(a, 0, sizeof(*a));
        if (nrefs > UINT16_MAX)
                return -EINVAL;
        if (nrefs) {
                a->refcnt = calloc(nrefs, sizeof(*a->refcnt));
                if (!a->refcnt)
                        return -ENOMEM;
        }
        a->nrefs = (uint16_t)nrefs;
        a->distinct = distinct;
        return 0;
}

void wagg_free(struct wagg *a)
{
        vset_free(&a->vals);
        free(a->refcnt);
        memset(a, 0, sizeof(*a));
}

void wagg_clear(struct wagg *a)
{
        vset_clear(&a->vals);
        if (a->refcnt)
                memset(a->refcnt, 0, a->nrefs * sizeof(*a->refcnt));
        a->count = 0;
        a->present = 0;
}

int wagg_add(struct wagg *a, const struct wobs *o)
{
        if (a->distinct) {
                int r = vset_add(&a->vals, o->vhash);
                if (r < 0)
                        return r;
        }
        if (o->ref < a->nrefs && a->refcnt[o->ref]++ == 0)
                a->present++;
        a->count++;
        return 0;
}

void wagg_del(struct wagg *a, const struct wobs *o)
{
        if (a->distinct)
                vset_del(&a->vals, o->vhash);
        if (o->ref < a->nrefs && a->refcnt[o->ref] > 0 && --a->refcnt[o->ref] == 0)
                a->present--;
        if (a->count)
                a->count--;
}

size_t wagg_bytes(const struct wagg *a)
{
        return vset_bytes(&a->vals) + a->nrefs * sizeof(*a->refcnt);
}
