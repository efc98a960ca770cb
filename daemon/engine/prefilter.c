/* The literal prefilter of the ruleset.  Most Sigma rules cannot match unless some literal occurs in
 * some field ("CommandLine|contains: [20 values]").  At index time each
 * variant gets, when it can be proven, a set of needles (event field,
 * folded literal) such that the variant's condition cannot be YES unless
 * one needle occurs in its field's folded value (variant_needle_sels() has
 * the argument).  Per channel and event field, one Aho-Corasick automaton
 * holds every needle of the channel's variants; per event, each automaton
 * some candidate needs scans its field's folded value once, marking the
 * variants whose needle occurred.  Candidates with a prefilter that are
 * not marked are skipped (their result is NO or UNKNOWN, never YES); the
 * rest are evaluated as before, in the same order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/cleanup.h"
#include "spoor/intern.h"
#include "spoor/ruleset.h"
#include "ruleset_impl.h"

/* ---- Aho-Corasick ------------------------------------------------------------ */

/* One needle while indexing a channel: folded bytes, owned. */
struct rs_needle {
        const char *field;
        const char *key;
        unsigned char *b;
        size_t len;
        uint32_t vi;
};

struct rs_needles {
        struct rs_needle *v;
        size_t n, cap;
};

static void needles_clear(struct rs_needles *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].b);
        free(l->v);
        *l = (struct rs_needles){ 0 };
}

void prefilter_ac_free(struct rs_ac *ac)
{
        free(ac->dense);
        free(ac->sparse);
        free(ac->edge_off);
        free(ac->edge_c);
        free(ac->edge_to);
        free(ac->fail);
        free(ac->dict);
        free(ac->out_off);
        free(ac->outv);
        memset(ac, 0, sizeof(*ac));
}

/* Entries of an automaton's dense rows at most (4 bytes each): the rows
 * of the shallowest states that fit, all of them for small automata.
 * 64 KB keeps them in L2; 256 KB saved another ~1 % of the replay's
 * instructions and cache misses for ~5 MB more of RSS with SigmaHQ. */
#define AC_DENSE_MAX (16 * 1024)

/* Transitions (edge_to, dense) carry AC_HIT when the target state has
 * output (its own, or through dict), so a scan reads the output arrays
 * only then. */
#define AC_HIT (UINT32_C(1) << 31)

static inline bool ac_has_out(const struct rs_ac *ac, uint32_t s)
{
        return ac->out_off[s] < ac->out_off[s + 1];
}

/* The goto transition of state s on c (sorted edge list), 0 when none. */
static inline uint32_t ac_edge(const struct rs_ac *ac, uint32_t s, uint8_t c)
{
        for (uint32_t e = ac->edge_off[s]; e < ac->edge_off[s + 1]; e++)
                if (ac->edge_c[e] == c)
                        return ac->edge_to[e];
        return 0;
}

/* The DFA transition of s on c (with AC_HIT): goto edges, then failure
 * links, until a dense state answers (the root is dense).  Only bytes of
 * class > 0. */
static inline uint32_t ac_step(const struct rs_ac *ac, uint32_t s, uint8_t c)
{
        while (s >= ac->ndense) {
                const struct rs_ac_sparse *r = &ac->sparse[s - ac->ndense];
                if (r->n != AC_EDGES) {
                        for (uint32_t k = 0; k < r->n; k++)
                                if (r->c[k] == c)
                                        return (r->child + k) | (((r->hit >> k) & 1) ? AC_HIT : 0);
                } else {
                        uint32_t t = ac_edge(ac, s, c);
                        if (t)
                                return t;
                }
                s = r->fail;
        }
        return ac->dense[(size_t)s * ac->ncls + ac->cls[c]];
}

/* The scan, for both uses: with marks, set bit vi of every variant one
 * of whose needles occurs in h; without, list them in vi[] (SIZE_MAX past
 * max).  Inlined into each with its constant arguments. */
static inline size_t ac_run(const struct rs_ac *ac, const unsigned char *h, size_t n, uint64_t *marks, uint32_t *vi,
                            size_t max)
{
        uint32_t s = 0;
        size_t nvi = 0;

        for (size_t i = 0; i < n; i++) {
                if (!ac->cls[h[i]]) {   /* in no needle: back to the root */
                        s = 0;
                        continue;
                }
                uint32_t t = ac_step(ac, s, h[i]);
                s = t & ~AC_HIT;
                if (!(t & AC_HIT))
                        continue;
                for (uint32_t o = ac_has_out(ac, s) ? s : ac->dict[s]; o; o = ac->dict[o])
                        for (uint32_t k = ac->out_off[o]; k < ac->out_off[o + 1]; k++) {
                                if (marks) {
                                        marks[ac->outv[k] / 64] |= UINT64_C(1) << (ac->outv[k] % 64);
                                } else {
                                        if (nvi == max)
                                                return SIZE_MAX;
                                        vi[nvi++] = ac->outv[k];
                                }
                        }
        }
        return nvi;
}

void prefilter_scan(const struct rs_ac *ac, const unsigned char *h, size_t n, uint64_t *marks)
{
        (void)ac_run(ac, h, n, marks, NULL, 0);
}

size_t prefilter_collect(const struct rs_ac *ac, const unsigned char *h, size_t n, uint32_t *vi, size_t max)
{
        return ac_run(ac, h, n, NULL, vi, max);
}

/* Trie under construction: first child / next sibling lists. */
struct ac_node {
        uint32_t child, sibling;
        uint8_t c;
};

struct ac_out {
        uint32_t state, vi;
};

static int ac_out_cmp(const void *a, const void *b)
{
        const struct ac_out *x = a, *y = b;

        if (x->state != y->state)
                return x->state < y->state ? -1 : 1;
        return x->vi < y->vi ? -1 : x->vi > y->vi;
}

/* The trie of needles[idx[0..n)]: nodes[0..*nnodes), outs[i] the (trie
 * node, variant) of needle i.  0 or -ENOMEM. */
static int ac_trie(const struct rs_needles *l, const size_t *idx, size_t n, struct ac_node **nodes_out,
                   size_t *nnodes, struct ac_out *outs)
{
        struct ac_node *nodes;
        size_t cap = 1;

        for (size_t i = 0; i < n; i++)
                cap += l->v[idx[i]].len;
        if (cap > UINT32_MAX / 2 || !(nodes = calloc(cap, sizeof(*nodes))))
                return -ENOMEM;
        *nnodes = 1;
        for (size_t i = 0; i < n; i++) {
                const struct rs_needle *nd = &l->v[idx[i]];
                uint32_t s = 0;
                for (size_t k = 0; k < nd->len; k++) {
                        /* siblings sorted by byte: numbered breadth first, a
                         * state's children are consecutive and in edge order */
                        uint32_t *link = &nodes[s].child;
                        while (*link && nodes[*link].c < nd->b[k])
                                link = &nodes[*link].sibling;
                        uint32_t t = *link;
                        if (!t || nodes[t].c != nd->b[k]) {
                                t = (uint32_t)(*nnodes)++;
                                nodes[t] = (struct ac_node){ .sibling = *link, .c = nd->b[k] };
                                *link = t;
                        }
                        s = t;
                }
                outs[i] = (struct ac_out){ s, nd->vi };
        }
        *nodes_out = nodes;
        return 0;
}

/* Byte classes: one per byte that occurs in some needle, 0 for the rest. */
static void ac_classes(struct rs_ac *ac, const struct ac_node *nodes, size_t nnodes)
{
        memset(ac->cls, 0, sizeof(ac->cls));
        ac->ncls = 1;
        for (size_t i = 1; i < nnodes; i++)
                if (!ac->cls[nodes[i].c])
                        ac->cls[nodes[i].c] = (uint16_t)ac->ncls++;
}

/* The dense rows of states 0 .. ndense-1, breadth first: a state's row is
 * its goto edges over its failure state's row (computed before it, being
 * shallower). */
static int ac_dense(struct rs_ac *ac)
{
        ac->ndense = (uint32_t)(ac->nstates < AC_DENSE_MAX / ac->ncls ? ac->nstates : AC_DENSE_MAX / ac->ncls);
        if (ac->ndense == 0)
                ac->ndense = 1;
        if (!(ac->dense = calloc((size_t)ac->ndense * ac->ncls, sizeof(*ac->dense))))
                return -ENOMEM;
        for (uint32_t s = 0; s < ac->ndense; s++) {
                uint32_t *row = &ac->dense[(size_t)s * ac->ncls];
                if (s)
                        memcpy(row, &ac->dense[(size_t)ac->fail[s] * ac->ncls], ac->ncls * sizeof(*row));
                for (uint32_t e = ac->edge_off[s]; e < ac->edge_off[s + 1]; e++)
                        row[ac->cls[ac->edge_c[e]]] = ac->edge_to[e];
                row[0] = 0;
        }
        return 0;
}

/* The records of the states past the dense rows (edges flagged with
 * AC_HIT already).  A state whose children are not consecutive (never,
 * ac_trie() sorts them) or more than AC_INLINE keeps its edge list. */
static int ac_sparse(struct rs_ac *ac)
{
        if (ac->nstates <= ac->ndense)
                return 0;
        if (!(ac->sparse = calloc(ac->nstates - ac->ndense, sizeof(*ac->sparse))))
                return -ENOMEM;
        for (uint32_t s = ac->ndense; s < ac->nstates; s++) {
                struct rs_ac_sparse *r = &ac->sparse[s - ac->ndense];
                uint32_t first = ac->edge_off[s], n = ac->edge_off[s + 1] - first;

                r->fail = ac->fail[s];
                r->n = n <= AC_INLINE ? (uint8_t)n : AC_EDGES;
                r->child = n ? ac->edge_to[first] & ~AC_HIT : 0;
                for (uint32_t k = 0; k < n && r->n != AC_EDGES; k++) {
                        if ((ac->edge_to[first + k] & ~AC_HIT) != r->child + k) {
                                r->n = AC_EDGES;
                                break;
                        }
                        r->c[k] = ac->edge_c[first + k];
                        if (ac->edge_to[first + k] & AC_HIT)
                                r->hit |= (uint8_t)(1u << k);
                }
        }
        return 0;
}

/* Build ac from needles[idx[0..n)] (all of one field).  0 or -ENOMEM. */
static int ac_build(struct rs_ac *ac, const struct rs_needles *l, const size_t *idx, size_t n)
{
        struct ac_node *nodes = NULL;
        struct ac_out *outs = NULL;
        uint32_t *order = NULL, *newid = NULL;
        size_t nnodes = 0;
        int r = -ENOMEM;

        if (!(outs = malloc((n ? n : 1) * sizeof(*outs))) || ac_trie(l, idx, n, &nodes, &nnodes, outs) < 0)
                goto out;
        ac->nstates = nnodes;
        ac_classes(ac, nodes, nnodes);
        order = malloc(nnodes * sizeof(*order));
        newid = malloc(nnodes * sizeof(*newid));
        ac->edge_off = calloc(nnodes + 1, sizeof(*ac->edge_off));
        ac->edge_c = malloc(nnodes);
        ac->edge_to = malloc(nnodes * sizeof(*ac->edge_to));
        ac->fail = calloc(nnodes, sizeof(*ac->fail));
        ac->dict = calloc(nnodes, sizeof(*ac->dict));
        ac->out_off = calloc(nnodes + 1, sizeof(*ac->out_off));
        ac->outv = malloc((n ? n : 1) * sizeof(*ac->outv));
        if (!order || !newid || !ac->edge_off || !ac->edge_c || !ac->edge_to || !ac->fail || !ac->dict ||
            !ac->out_off || !ac->outv)
                goto out;
        /* breadth-first numbering: order[new] = old */
        size_t qt = 1;
        order[0] = 0;
        newid[0] = 0;
        for (size_t qh = 0; qh < qt; qh++)
                for (uint32_t t = nodes[order[qh]].child; t; t = nodes[t].sibling) {
                        newid[t] = (uint32_t)qt;
                        order[qt++] = t;
                }
        /* edges, sorted by byte, in CSR form */
        uint32_t ne = 0;
        for (uint32_t s = 0; s < nnodes; s++) {
                ac->edge_off[s] = ne;
                uint32_t first = ne;
                for (uint32_t t = nodes[order[s]].child; t; t = nodes[t].sibling) {
                        uint32_t k = ne++;
                        while (k > first && ac->edge_c[k - 1] > nodes[t].c) {
                                ac->edge_c[k] = ac->edge_c[k - 1];
                                ac->edge_to[k] = ac->edge_to[k - 1];
                                k--;
                        }
                        ac->edge_c[k] = nodes[t].c;
                        ac->edge_to[k] = newid[t];
                }
        }
        ac->edge_off[nnodes] = ne;
        /* outputs: variants per final state, each once */
        for (size_t i = 0; i < n; i++)
                outs[i].state = newid[outs[i].state];
        qsort(outs, n, sizeof(*outs), ac_out_cmp);
        size_t no = 0;
        for (size_t i = 0; i < n; i++) {
                if (no && outs[i].state == outs[no - 1].state && outs[i].vi == outs[no - 1].vi)
                        continue;
                outs[no++] = outs[i];
        }
        for (size_t i = 0; i < no; i++) {
                ac->outv[i] = outs[i].vi;
                ac->out_off[outs[i].state + 1]++;
        }
        for (size_t s = 0; s < nnodes; s++)
                ac->out_off[s + 1] += ac->out_off[s];
        /* failure and dictionary links: in state order, which is breadth
         * first; a child's failure state is shallower than the child */
        for (uint32_t s = 0; s < nnodes; s++) {
                for (uint32_t e = ac->edge_off[s]; e < ac->edge_off[s + 1]; e++) {
                        uint32_t t = ac->edge_to[e], f = 0;
                        if (s) {
                                for (f = ac->fail[s];; f = ac->fail[f]) {
                                        uint32_t g = ac_edge(ac, f, ac->edge_c[e]);
                                        if (g) {
                                                f = g;
                                                break;
                                        }
                                        if (!f)
                                                break;
                                }
                        }
                        ac->fail[t] = f;
                        ac->dict[t] = ac->out_off[f] < ac->out_off[f + 1] ? f : ac->dict[f];
                }
        }
        if (ac_dense(ac) < 0)
                goto out;
        if (nnodes >= AC_HIT)
                goto out;
        for (uint32_t e = 0; e < ne; e++)
                if (ac_has_out(ac, ac->edge_to[e]) || ac->dict[ac->edge_to[e]])
                        ac->edge_to[e] |= AC_HIT;
        for (size_t i = 0; i < (size_t)ac->ndense * ac->ncls; i++)
                if (ac_has_out(ac, ac->dense[i]) || ac->dict[ac->dense[i]])
                        ac->dense[i] |= AC_HIT;
        if (ac_sparse(ac) < 0)
                goto out;
        r = 0;
out:
        free(nodes);
        free(outs);
        free(order);
        free(newid);
        if (r < 0)
                prefilter_ac_free(ac);
        return r;
}

/* ---- which literals a variant needs ----------------------------------------- */

/* How selective an item's needles are: the shortest one's length, digits
 * only (event ids, flags) counting a quarter; 0 for no needles. */
static size_t item_score(const struct match_item *it)
{
        size_t n = match_item_needles(it), best = SIZE_MAX;

        for (size_t i = 0; i < n; i++) {
                const unsigned char *b;
                size_t len, digits = 0;
                bool cased;

                match_item_needle(it, i, &b, &len, &cased);
                while (digits < len && b[digits] >= '0' && b[digits] <= '9')
                        digits++;
                if (digits == len)
                        len = (len + 3) / 4;
                if (len < best)
                        best = len;
        }
        return n ? best : 0;
}

/* What a second clause may not use: the selections of the first (its
 * sels), or its items (a second clause from the same selections). */
struct pf_used {
        uint64_t sels;
        const struct match_item *items[64];
        size_t nitems;
};

static bool pf_used_item(const struct pf_used *u, const struct match_item *it)
{
        for (size_t i = 0; u && i < u->nitems; i++)
                if (u->items[i] == it)
                        return true;
        return false;
}

/* The item of group g whose needles are the most selective, or NULL.  A
 * group that holds an item which can never be YES is never YES either: it
 * needs no needle (NULL, *score SIZE_MAX).  Items in `used` are passed
 * over while the group has another with needles. */
static const struct match_item *group_pick(const struct sigma_group *g, const struct pf_used *used,
                                           size_t *score)
{
        const struct match_item *pick = NULL;

        *score = 0;
        for (size_t i = 0; i < g->nitems; i++) {
                if (match_item_never_yes(g->items[i])) {
                        *score = SIZE_MAX;
                        return NULL;
                }
        }
        for (size_t i = 0; i < g->nitems; i++) {
                if (pf_used_item(used, g->items[i]))
                        continue;
                size_t sc = item_score(g->items[i]);
                if (sc > *score) {
                        *score = sc;
                        pick = g->items[i];
                }
        }
        return pick || !used || !used->nitems ? pick : group_pick(g, NULL, score);
}

/* A selection is YES only when one of its groups is, that is when every
 * item of that group is: the picked item of each group gives needles for
 * the selection.  Its score is the worst group's; 0 when some group that
 * can be YES has no needles. */
static size_t selection_score(const struct sigma_selection *s, const struct pf_used *used)
{
        size_t worst = SIZE_MAX, sc;

        for (size_t g = 0; g < s->ngroups; g++) {
                if (!group_pick(&s->groups[g], used, &sc) && sc == 0)
                        return 0;
                if (sc < worst)
                        worst = sc;
        }
        return s->ngroups ? worst : 0;
}

static enum tri pf_leaf(void *ud, size_t sel)
{
        const uint64_t *no = ud;

        return sel < 64 && ((*no >> sel) & 1) ? TRI_NO : TRI_UNKNOWN;
}

/* The selections whose needles the variant needs, as a bit set; 0 when
 * there is no prefilter for it.
 *
 * Why skipping is safe: let T be the returned set.  cond_eval() with every
 * selection of T NO and every other UNKNOWN gives NO.  Kleene logic is
 * monotone (replacing an UNKNOWN input by YES or NO never changes a YES or
 * NO output), so whatever the other selections are, the condition is NO
 * while T's are all NO; and with some of T's UNKNOWN instead of NO it is
 * NO or UNKNOWN (a YES there would have to survive turning them to NO).
 * When no needle of T occurs, no selection of T is YES (selection_score),
 * so the condition is not YES and the variant cannot hit.  `not`, keyword
 * items, null, neq, re, fieldref... give no needles and are never relied
 * on: a selection built on them is left UNKNOWN in the test.
 *
 * With `used` (a first clause's), the set for a second clause: none of
 * the first's selections, or, failing that, none of its items.  The same
 * argument holds for it alone, so a variant whose two clauses each lack
 * a needle cannot hit either. */
static uint64_t variant_needle_sels(const struct sigma_variant *v, const struct pf_used *used)
{
        size_t score[SIGMA_MAX_SELECTIONS];
        uint64_t t = 0;

        if (!v->cond || v->nsels > 64)
                return 0;
        for (size_t i = 0; i < v->nsels; i++) {
                score[i] = used && ((used->sels >> i) & 1) ? 0 : selection_score(&v->sels[i], used);
                if (score[i])
                        t |= UINT64_C(1) << i;
        }
        if (!t || cond_eval(v->cond, pf_leaf, &t) != TRI_NO)
                return 0;
        /* drop the least selective selections while the condition still needs the rest */
        for (;;) {
                size_t worst = SIZE_MAX, wi = 0;
                for (size_t i = 0; i < v->nsels; i++)
                        if (((t >> i) & 1) && score[i] < worst) {
                                worst = score[i];
                                wi = i;
                        }
                uint64_t u = t & ~(UINT64_C(1) << wi);
                if (!u || cond_eval(v->cond, pf_leaf, &u) != TRI_NO)
                        break;
                t = u;
        }
        /* a further drop of a better one may still hold: try each once */
        for (size_t i = 0; i < v->nsels; i++) {
                uint64_t u = t & ~(UINT64_C(1) << i);
                if (((t >> i) & 1) && u && cond_eval(v->cond, pf_leaf, &u) == TRI_NO)
                        t = u;
        }
        return t;
}

static int needles_push(struct rs_needles *l, const struct match_item *it, size_t i, uint32_t vi)
{
        const unsigned char *b;
        size_t len;
        bool cased;

        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 256;
                struct rs_needle *v = realloc(l->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        match_item_needle(it, i, &b, &len, &cased);
        unsigned char *copy = malloc(len);
        if (!copy)
                return -ENOMEM;
        for (size_t k = 0; k < len; k++)
                copy[k] = b[k] >= 'A' && b[k] <= 'Z' ? (unsigned char)(b[k] + 32) : b[k];
        const char *field = match_item_event_field(it);
        l->v[l->n++] = (struct rs_needle){ .field = field, .key = intern(field, strlen(field)),
                                           .b = copy, .len = len, .vi = vi };
        return 0;
}

/* Append the needles of the selections t (picking items past `used`),
 * output as out; record the items picked in `picked`. */
static int clause_needles(const struct sigma_variant *v, uint64_t t, const struct pf_used *used, uint32_t out,
                          struct rs_needles *l, struct pf_used *picked)
{
        size_t sc;

        for (size_t i = 0; i < v->nsels; i++) {
                if (!((t >> i) & 1))
                        continue;
                for (size_t g = 0; g < v->sels[i].ngroups; g++) {
                        const struct match_item *it = group_pick(&v->sels[i].groups[g], used, &sc);
                        size_t n = it ? match_item_needles(it) : 0;
                        if (it && picked->nitems < ELEMENTSOF(picked->items))
                                picked->items[picked->nitems++] = it;
                        for (size_t k = 0; k < n; k++)
                                if (needles_push(l, it, k, out) < 0)
                                        return -ENOMEM;
                }
        }
        return 0;
}

/* Whether the clause of selections t picks some item not in `used` (one
 * that picks only those would repeat the first clause). */
static bool clause_new_item(const struct sigma_variant *v, uint64_t t, const struct pf_used *used)
{
        size_t sc;

        for (size_t i = 0; i < v->nsels; i++)
                for (size_t g = 0; ((t >> i) & 1) && g < v->sels[i].ngroups; g++) {
                        const struct match_item *it = group_pick(&v->sels[i].groups[g], used, &sc);
                        if (it && !pf_used_item(used, it))
                                return true;
                }
        return false;
}

/* Append variant vi's needles: its first clause's, output as vi, and a
 * second clause's, output as RS_PF_SECOND + vi.  *has: it has a
 * prefilter; *second: a second clause. */
static int variant_needles(const struct sigma_variant *v, uint32_t vi, struct rs_needles *l, bool *has,
                           bool *second)
{
        struct pf_used first = { .sels = variant_needle_sels(v, NULL) }, other, unused = { 0 };
        uint64_t t2;

        *has = first.sels != 0;
        *second = false;
        if (!*has)
                return 0;
        if (clause_needles(v, first.sels, NULL, vi, l, &first) < 0)
                return -ENOMEM;
        if (first.nitems == ELEMENTSOF(first.items))
                return 0;       /* its items may not all be listed */
        /* other selections, else other items of the same where there are */
        other = (struct pf_used){ .sels = first.sels };
        if (!(t2 = variant_needle_sels(v, &other))) {
                other = first;
                other.sels = 0;
                if (!(t2 = variant_needle_sels(v, &other)) || !clause_new_item(v, t2, &other))
                        return 0;
        }
        *second = true;
        return clause_needles(v, t2, &other, RS_PF_SECOND + vi, l, &unused);
}

static bool same_field(const struct rs_needle *a, const char *field, const char *key)
{
        return key ? a->key == key : (!a->key && strcmp(a->field, field) == 0);
}

/* The channel's prefilter: needles of every variant, one automaton per
 * event field, the candidates' automaton masks.  vars: the channel's
 * variants by local index. */
int prefilter_channel(struct rs_channel *c, const struct sigma_variant **vars)
{
        uint64_t *var_acs;
        _cleanup_free_ size_t *idx = NULL;
        struct rs_needles l = { 0 };
        size_t words = (c->nvars + 63) / 64;
        int r = -ENOMEM;

        if (c->nvars == 0 || c->nvars > RS_PF_MAX_VARS)
                return 0;
        c->always = calloc(words, sizeof(*c->always));
        c->second = calloc(words, sizeof(*c->second));
        var_acs = c->var_acs = calloc(c->nvars, sizeof(*var_acs));
        if (!c->always || !c->second || !var_acs)
                goto fail;
        for (uint32_t vi = 0; vi < c->nvars; vi++) {
                bool has, second;
                if (variant_needles(vars[vi], vi, &l, &has, &second) < 0)
                        goto fail;
                if (!has)
                        c->always[vi / 64] |= UINT64_C(1) << (vi % 64);
                if (second)
                        c->second[vi / 64] |= UINT64_C(1) << (vi % 64);
        }
        if (!(idx = malloc((l.n ? l.n : 1) * sizeof(*idx))))
                goto fail;
        /* one automaton per field, in order of first appearance */
        bool *done = calloc(l.n ? l.n : 1, sizeof(*done));
        if (!done)
                goto fail;
        for (size_t i = 0; i < l.n; i++) {
                if (done[i])
                        continue;
                size_t n = 0;
                for (size_t k = i; k < l.n; k++)
                        if (!done[k] && same_field(&l.v[k], l.v[i].field, l.v[i].key)) {
                                done[k] = true;
                                idx[n++] = k;
                        }
                struct rs_ac *a = realloc(c->acs, (c->nacs + 1) * sizeof(*a));
                if (!a) {
                        free(done);
                        goto fail;
                }
                c->acs = a;
                struct rs_ac *ac = &c->acs[c->nacs];
                memset(ac, 0, sizeof(*ac));
                ac->field = l.v[i].field;
                ac->key = l.v[i].key;
                ac->late = ruleset_field_late(ac->field);
                if (ac_build(ac, &l, idx, n) < 0) {
                        free(done);
                        goto fail;
                }
                uint64_t bit = UINT64_C(1) << (c->nacs < 63 ? c->nacs : 63);
                for (size_t k = 0; k < n; k++)
                        var_acs[l.v[idx[k]].vi % RS_PF_SECOND] |= bit;
                c->nacs++;
        }
        free(done);
        for (size_t i = 0; i < c->nby_eid; i++)
                c->by_eid[i].acs = var_acs[c->by_eid[i].vi];
        for (size_t i = 0; i < c->nby_eid;) {   /* every candidate of an event id: the union */
                size_t j = i;
                uint64_t acs = 0;
                for (; j < c->nby_eid && c->by_eid[j].event_id == c->by_eid[i].event_id; j++)
                        acs |= c->by_eid[j].acs;
                for (; i < j; i++)
                        c->by_eid[i].acs = acs;
        }
        for (size_t i = 0; i < c->nany; i++)
                c->any_acs |= var_acs[c->any[i].vi];
        needles_clear(&l);
        return 0;
fail:
        needles_clear(&l);
        for (size_t a = 0; a < c->nacs; a++)
                prefilter_ac_free(&c->acs[a]);
        free(c->acs);
        c->acs = NULL;
        c->nacs = 0;
        free(c->always);
        c->always = NULL;
        free(c->second);
        c->second = NULL;
        free(c->var_acs);
        c->var_acs = NULL;
        return r;
}

