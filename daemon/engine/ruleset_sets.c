/* The candidate bit sets of a channel with a prefilter (ruleset_impl.h,
 * struct rs_eid): ruleset_eval() walks (set & marks) in index order
 * instead of testing every entry of a list of ~1,000 candidates.
 *
 * Order: a channel's variants are numbered in load order, and its lists
 * are in load order within an event id (by_eid) and overall (any), so
 * walking a set in index order visits what the list would, in the same
 * order: the event id's own candidates first, then the `any` ones.  A
 * list naming a variant twice would evaluate it twice: then no sets are
 * built and the lists stay in use.
 *
 * `any` variants pinned by their detection: SigmaHQ's `service: security`
 * rules often have no event id in their logsource and
 * `1 of selection_*` with an `EventID` in each selection; the loader
 * indexes a variant under the event ids of one selection its condition
 * requires, which does not cover an OR of them.  Here such a variant is a
 * candidate of the union of the pinned ids only (sets_pinned_ids() has the
 * argument); for every other event id it cannot be YES.  The `then` set of
 * an event id holds the `any` variants that may match it, in index order,
 * so the relative order of the evaluated `any` variants is unchanged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/intern.h"
#include "spoor/ruleset.h"
#include "ruleset_impl.h"

#define SETS_MAX_PINNED 64      /* event ids per pinned variant; more: left in `any` */

void ruleset_sets_free(struct rs_channel *c)
{
        for (size_t i = 0; i < c->neids; i++) {
                free(c->eids[i].set);
                free(c->eids[i].then);
        }
        free(c->eids);
        free(c->rest);
        free(c->vars);
        c->eids = NULL;
        c->neids = 0;
        c->rest = NULL;
        c->nrest = 0;
        c->rest_acs = 0;
        c->vars = NULL;
}

/* The event id a needle of an `EventID` equality can match: the field
 * holds the decimal text of ev->event_id (decode.c), so only canonical
 * decimals 0..65535 can be equal to it.  -1 for any other text. */
static long sets_canonical_id(const unsigned char *b, size_t len)
{
        long v = 0;

        if (len == 0 || len > 5 || (len > 1 && b[0] == '0'))
                return -1;
        for (size_t i = 0; i < len; i++) {
                if (b[i] < '0' || b[i] > '9')
                        return -1;
                v = v * 10 + (b[i] - '0');
        }
        return v <= 65535 ? v : -1;
}

/* Add the ids an `EventID` equality item can match to ids[*n] (deduplicated).
 * False when it is not such an item, or the ids overflow. */
static bool sets_item_ids(const struct match_item *it, const char *event_id_key, uint16_t *ids, size_t *n)
{
        size_t nn = match_item_needles(it);

        if (!event_id_key || nn == 0 || !match_item_is_equality(it) ||
            intern_find(match_item_event_field(it), strlen(match_item_event_field(it))) != event_id_key)
                return false;
        for (size_t k = 0; k < nn; k++) {
                const unsigned char *b;
                size_t len;
                bool cased, dup = false;

                match_item_needle(it, k, &b, &len, &cased);
                long id = sets_canonical_id(b, len);
                if (id < 0)
                        continue;       /* never equal to the field: no id */
                for (size_t i = 0; i < *n && !dup; i++)
                        dup = ids[i] == (uint16_t)id;
                if (dup)
                        continue;
                if (*n == SETS_MAX_PINNED)
                        return false;
                ids[(*n)++] = (uint16_t)id;
        }
        return true;
}

/* The ids selection s can be YES on, or false when some group of it does
 * not pin EventID.  A group is YES only when all its items are: one
 * `EventID` equality pins it; an item that is never YES makes it never
 * YES (no id). */
static bool sets_selection_ids(const struct sigma_selection *s, const char *event_id_key, uint16_t *ids,
                               size_t *n)
{
        if (s->ngroups == 0)
                return false;
        for (size_t g = 0; g < s->ngroups; g++) {
                const struct sigma_group *gr = &s->groups[g];
                bool pinned = false;

                for (size_t i = 0; i < gr->nitems && !pinned; i++)
                        pinned = match_item_never_yes(gr->items[i]);
                for (size_t i = 0; i < gr->nitems && !pinned; i++)
                        pinned = sets_item_ids(gr->items[i], event_id_key, ids, n);
                if (!pinned)
                        return false;
        }
        return true;
}

static enum tri sets_leaf(void *ud, size_t sel)
{
        const uint64_t *no = ud;

        return (*no >> sel) & 1 ? TRI_NO : TRI_UNKNOWN;
}

/* The event ids an `any` variant can be YES on; 0 when it may be YES on
 * any.  Let T be the pinned selections kept.  cond_eval() with T's
 * selections NO and the others UNKNOWN gives NO; Kleene logic is
 * monotone, so whatever the others are, the condition is not YES unless
 * some selection of T is YES (the argument of prefilter.c), and a
 * selection of T is YES only on an event whose EventID field — the
 * decimal ev->event_id — equals one of its pinned ids.  Filters only turn
 * YES into NO: they are not needed here. */
static size_t sets_pinned_ids(const struct sigma_variant *v, uint16_t *ids)
{
        const char *key = intern_find("EventID", 7);
        uint16_t sel_ids[SIGMA_MAX_SELECTIONS][SETS_MAX_PINNED];
        size_t nsel_ids[SIGMA_MAX_SELECTIONS];
        uint64_t t = 0;
        size_t n = 0;

        if (!key || !v->cond || v->nsels > SIGMA_MAX_SELECTIONS || v->nsels > 64)
                return 0;
        for (size_t i = 0; i < v->nsels; i++) {
                nsel_ids[i] = 0;
                if (sets_selection_ids(&v->sels[i], key, sel_ids[i], &nsel_ids[i]))
                        t |= UINT64_C(1) << i;
        }
        if (!t || cond_eval(v->cond, sets_leaf, &t) != TRI_NO)
                return 0;
        for (size_t i = 0; i < v->nsels; i++) {     /* keep only the selections needed */
                uint64_t u = t & ~(UINT64_C(1) << i);
                if (((t >> i) & 1) && u && cond_eval(v->cond, sets_leaf, &u) == TRI_NO)
                        t = u;
        }
        for (size_t i = 0; i < v->nsels; i++) {
                if (!((t >> i) & 1))
                        continue;
                for (size_t k = 0; k < nsel_ids[i]; k++) {
                        bool dup = false;
                        for (size_t j = 0; j < n && !dup; j++)
                                dup = ids[j] == sel_ids[i][k];
                        if (dup)
                                continue;
                        if (n == SETS_MAX_PINNED)
                                return 0;
                        ids[n++] = sel_ids[i][k];
                }
        }
        /* no id at all: the variant can never be YES; keep it where it was */
        return n;
}

static int sets_id_cmp(const void *a, const void *b)
{
        return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

size_t ruleset_eid_lower(const struct rs_channel *c, uint32_t event_id)
{
        size_t lo = 0, hi = c->neids;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (c->eids[mid].event_id < event_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* The rs_eid of id, added (sorted) when absent; NULL on ENOMEM. */
static struct rs_eid *sets_eid(struct rs_channel *c, uint16_t id, size_t words)
{
        size_t lo = ruleset_eid_lower(c, id);

        if (lo < c->neids && c->eids[lo].event_id == id)
                return &c->eids[lo];
        struct rs_eid *e = realloc(c->eids, (c->neids + 1) * sizeof(*e));
        if (!e)
                return NULL;
        c->eids = e;
        memmove(&e[lo + 1], &e[lo], (c->neids - lo) * sizeof(*e));
        c->neids++;
        e[lo] = (struct rs_eid){ .event_id = id };
        if (!(e[lo].set = calloc(words, sizeof(uint64_t))) || !(e[lo].then = calloc(words, sizeof(uint64_t))))
                return NULL;    /* freed with the others by ruleset_sets_free() */
        return &e[lo];
}

static inline void sets_bit(uint64_t *set, uint32_t vi)
{
        set[vi / 64] |= UINT64_C(1) << (vi % 64);
}

struct sets_pinned {
        size_t n;
        uint16_t ids[SETS_MAX_PINNED];  /* sorted */
};

int ruleset_sets_build(struct rs_channel *c, const struct sigma_variant **vars)
{
        size_t words = (c->nvars + 63) / 64;
        struct sets_pinned *pin = NULL;

        if (!c->always || !c->var_acs)
                return 0;
        if (!(c->vars = malloc(c->nvars * sizeof(*c->vars))) || !(c->rest = calloc(words, sizeof(*c->rest))) ||
            !(pin = calloc(c->nany ? c->nany : 1, sizeof(*pin))))
                goto fail;
        memcpy(c->vars, vars, c->nvars * sizeof(*c->vars));
        for (size_t i = 0; i < c->nby_eid; i++) {
                const struct rs_cand *k = &c->by_eid[i];
                struct rs_eid *d = sets_eid(c, k->event_id, words);
                if (!d)
                        goto fail;
                if (i && k->event_id == c->by_eid[i - 1].event_id && k->vi <= c->by_eid[i - 1].vi)
                        goto dup;
                sets_bit(d->set, k->vi);
                d->acs |= c->var_acs[k->vi];
                d->ncand++;
        }
        /* every event id any variant is pinned to gets its rs_eid first */
        for (size_t i = 0; i < c->nany; i++) {
                if (i && c->any[i].vi <= c->any[i - 1].vi)
                        goto dup;
                pin[i].n = sets_pinned_ids(c->any[i].v, pin[i].ids);
                qsort(pin[i].ids, pin[i].n, sizeof(pin[i].ids[0]), sets_id_cmp);
                for (size_t k = 0; k < pin[i].n; k++)
                        if (!sets_eid(c, pin[i].ids[k], words))
                                goto fail;
        }
        /* then: every event id gets the unpinned `any` variants, and the
         * pinned ones of its id; `rest` (ids without an rs_eid) the unpinned */
        for (size_t i = 0; i < c->nany; i++) {
                uint32_t vi = c->any[i].vi;
                const struct sets_pinned *p = &pin[i];

                if (p->n == 0) {
                        sets_bit(c->rest, vi);
                        c->rest_acs |= c->var_acs[vi];
                        c->nrest++;
                }
                for (size_t e = 0, k = 0; e < c->neids; e++) {
                        struct rs_eid *d = &c->eids[e];
                        while (k < p->n && p->ids[k] < d->event_id)
                                k++;
                        if (p->n == 0 || (k < p->n && p->ids[k] == d->event_id)) {
                                sets_bit(d->then, vi);
                                d->acs |= c->var_acs[vi];
                                d->ncand++;
                        }
                }
        }
        free(pin);
        return 0;
dup:
        free(pin);
        ruleset_sets_free(c);
        return 0;
fail:
        free(pin);
        ruleset_sets_free(c);
        return -ENOMEM;
}
