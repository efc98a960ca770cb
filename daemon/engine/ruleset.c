/* The compiled ruleset: storage, the (channel, event id) index, the
 * literal prefilter, and evaluation of an event against its candidates.
 *
 * Prefilter.  Most Sigma rules cannot match unless some literal occurs in
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
#include "spoor/logsource.h"
#include "spoor/ruleset.h"

/* Channels with more variants go without a prefilter (the marks live on
 * the stack: RS_PF_MAX_VARS / 8 bytes). */
#define RS_PF_MAX_VARS 8192
#define RS_PF_WORDS (RS_PF_MAX_VARS / 64)

struct rs_entry {
        struct sigma_rule *rule;
        struct sigma_variant *variants;
        size_t nvariants;
};

struct rs_cand {
        uint16_t event_id;
        uint32_t vi;                            /* channel-local variant index, in load order */
        uint64_t acs;                           /* automata the event id's candidates need */
        const struct sigma_variant *v;
};

/* Aho-Corasick automaton over the folded needles of one (channel, event
 * field).  State 0 is the root; its transitions are a full table, the
 * other states' are sorted edge lists (trie nodes have few children). */
struct rs_ac {
        const char *field;                      /* borrowed from a match item */
        const char *key;                        /* field interned, or NULL */
        uint32_t root[256];
        uint32_t *edge_off;                     /* nstates + 1 */
        uint8_t *edge_c;
        uint32_t *edge_to;
        uint32_t *fail;
        uint32_t *dict;                         /* nearest state on the fail chain with output, or 0 */
        uint32_t *out_off;                      /* nstates + 1: variants whose needle ends here */
        uint32_t *outv;
        size_t nstates;
};

struct rs_channel {
        const char *name;                       /* borrowed from a variant's source */
        struct rs_cand *by_eid;                 /* sorted by event_id, then load order */
        size_t nby_eid;
        struct rs_cand *any;                    /* variants for every event of the channel */
        size_t nany;
        uint64_t any_acs;                       /* automata the `any` variants need */
        size_t nvars;                           /* distinct variants (channel-local indices) */
        uint64_t *always;                       /* variants without a prefilter; NULL: prefilter off */
        struct rs_ac *acs;                      /* bit min(i, 63) of an acs mask is acs[i] */
        size_t nacs;
};

struct ruleset {
        struct rs_entry *rules;
        size_t nrules, cap;
        struct rs_channel *chans;               /* sorted by name, case-insensitive */
        size_t nchans;
        struct sigma_corr *corrs;               /* correlation rules, referenced by index */
        size_t ncorrs;
};

static const char *const level_names[_SIGMA_LEVEL_MAX] = {
        [SIGMA_LEVEL_INFORMATIONAL] = "informational",
        [SIGMA_LEVEL_LOW] = "low",
        [SIGMA_LEVEL_MEDIUM] = "medium",
        [SIGMA_LEVEL_HIGH] = "high",
        [SIGMA_LEVEL_CRITICAL] = "critical",
};

const char *sigma_level_name(enum sigma_level l)
{
        return l >= 0 && l < _SIGMA_LEVEL_MAX ? level_names[l] : "unknown";
}

enum sigma_level sigma_level_from_name(const char *s)
{
        for (int i = 0; s && i < _SIGMA_LEVEL_MAX; i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return (enum sigma_level)i;
        return _SIGMA_LEVEL_INVALID;
}

struct ruleset *ruleset_new(void)
{
        return calloc(1, sizeof(struct ruleset));
}

static void strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void sigma_rule_free(struct sigma_rule *r)
{
        if (!r)
                return;
        free(r->id);
        free(r->name);
        free(r->title);
        free(r->status);
        free(r->description);
        free(r->file);
        strv_free(r->tags, r->ntags);
        strv_free(r->fields, r->nfields);
        strv_free(r->falsepositives, r->nfalsepositives);
        free(r->observers);
        free(r);
}

void sigma_corr_fini(struct sigma_corr *c)
{
        size_t n = c->ngroup_by * c->spec.nrefs;

        sigma_rule_free(c->meta);
        strv_free(c->refs, c->spec.nrefs);
        strv_free(c->group_by, c->ngroup_by);
        for (size_t i = 0; c->alias_fields && i < n; i++)
                free(c->alias_fields[i]);
        free(c->alias_fields);
        free(c->value_field);
        memset(c, 0, sizeof(*c));
}

void ruleset_set_corrs(struct ruleset *rs, struct sigma_corr *corrs, size_t n)
{
        rs->corrs = corrs;
        rs->ncorrs = n;
}

const struct sigma_corr *ruleset_corrs(const struct ruleset *rs, size_t *n)
{
        *n = rs ? rs->ncorrs : 0;
        return rs ? rs->corrs : NULL;
}

void ruleset_selections_free(struct sigma_selection *sels, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                for (size_t g = 0; g < sels[i].ngroups; g++) {
                        for (size_t k = 0; k < sels[i].groups[g].nitems; k++)
                                match_item_free(sels[i].groups[g].items[k]);
                        free(sels[i].groups[g].items);
                }
                free(sels[i].groups);
                free(sels[i].name);
        }
        free(sels);
}

void sigma_variant_fini(struct sigma_variant *v)
{
        ruleset_selections_free(v->sels, v->nsels);
        cond_free(v->cond);
        for (size_t i = 0; i < v->nfilters; i++) {
                ruleset_selections_free(v->filters[i].sels, v->filters[i].nsels);
                cond_free(v->filters[i].cond);
        }
        free(v->filters);
        free(v->needs_fields);
        memset(v, 0, sizeof(*v));
}

static void ac_free(struct rs_ac *ac);

void ruleset_free(struct ruleset *rs)
{
        if (!rs)
                return;
        for (size_t i = 0; i < rs->nrules; i++) {
                for (size_t k = 0; k < rs->rules[i].nvariants; k++)
                        sigma_variant_fini(&rs->rules[i].variants[k]);
                free(rs->rules[i].variants);
                sigma_rule_free(rs->rules[i].rule);
        }
        free(rs->rules);
        for (size_t i = 0; i < rs->nchans; i++) {
                struct rs_channel *c = &rs->chans[i];
                free(c->by_eid);
                free(c->any);
                free(c->always);
                for (size_t a = 0; a < c->nacs; a++)
                        ac_free(&c->acs[a]);
                free(c->acs);
        }
        free(rs->chans);
        for (size_t i = 0; i < rs->ncorrs; i++)
                sigma_corr_fini(&rs->corrs[i]);
        free(rs->corrs);
        free(rs);
}

size_t ruleset_rule_count(const struct ruleset *rs)
{
        return rs ? rs->nrules : 0;
}

int ruleset_add(struct ruleset *rs, struct sigma_rule *rule, struct sigma_variant *variants, size_t n)
{
        if (rs->nrules == rs->cap) {
                size_t cap = rs->cap ? rs->cap * 2 : 64;
                struct rs_entry *r = realloc(rs->rules, cap * sizeof(*r));
                if (!r)
                        return -ENOMEM;
                rs->rules = r;
                rs->cap = cap;
        }
        for (size_t i = 0; i < n; i++)
                variants[i].rule = rule;
        rs->rules[rs->nrules++] = (struct rs_entry){ rule, variants, n };
        return 0;
}

static int chan_cmp(const void *a, const void *b)
{
        return strcasecmp(((const struct rs_channel *)a)->name, ((const struct rs_channel *)b)->name);
}

static int cand_cmp(const void *a, const void *b)
{
        const struct rs_cand *x = a, *y = b;

        if (x->event_id != y->event_id)
                return (int)x->event_id - (int)y->event_id;
        return x->vi < y->vi ? -1 : x->vi > y->vi;
}

static struct rs_channel *ruleset_channel(struct ruleset *rs, const char *name)
{
        for (size_t i = 0; i < rs->nchans; i++)
                if (strcasecmp(rs->chans[i].name, name) == 0)
                        return &rs->chans[i];
        return NULL;
}

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

static void ac_free(struct rs_ac *ac)
{
        free(ac->edge_off);
        free(ac->edge_c);
        free(ac->edge_to);
        free(ac->fail);
        free(ac->dict);
        free(ac->out_off);
        free(ac->outv);
        memset(ac, 0, sizeof(*ac));
}

/* The transition of state s (not the root) on c, 0 when it has none. */
static inline uint32_t ac_edge(const struct rs_ac *ac, uint32_t s, uint8_t c)
{
        for (uint32_t e = ac->edge_off[s]; e < ac->edge_off[s + 1]; e++)
                if (ac->edge_c[e] == c)
                        return ac->edge_to[e];
        return 0;
}

static inline uint32_t ac_step(const struct rs_ac *ac, uint32_t s, uint8_t c)
{
        for (;;) {
                if (s == 0)
                        return ac->root[c];
                uint32_t t = ac_edge(ac, s, c);
                if (t)
                        return t;
                s = ac->fail[s];
        }
}

/* Mark (bit vi of marks) every variant one of whose needles occurs in h. */
static void ac_scan(const struct rs_ac *ac, const unsigned char *h, size_t n, uint64_t *marks)
{
        uint32_t s = 0;

        for (size_t i = 0; i < n; i++) {
                s = ac_step(ac, s, h[i]);
                for (uint32_t t = ac->out_off[s] < ac->out_off[s + 1] ? s : ac->dict[s]; t; t = ac->dict[t])
                        for (uint32_t k = ac->out_off[t]; k < ac->out_off[t + 1]; k++)
                                marks[ac->outv[k] / 64] |= UINT64_C(1) << (ac->outv[k] % 64);
        }
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

/* Build ac from needles[idx[0..n)] (all of one field).  0 or -ENOMEM. */
static int ac_build(struct rs_ac *ac, const struct rs_needles *l, const size_t *idx, size_t n)
{
        struct ac_node *nodes = NULL;
        struct ac_out *outs = NULL;
        uint32_t *queue = NULL;
        size_t nnodes = 1, cap = 1;
        int r = -ENOMEM;

        for (size_t i = 0; i < n; i++)
                cap += l->v[idx[i]].len;
        if (cap > UINT32_MAX / 2)
                return -ENOMEM;
        nodes = calloc(cap, sizeof(*nodes));
        outs = malloc(n * sizeof(*outs));
        if (!nodes || !outs)
                goto out;
        /* the trie */
        for (size_t i = 0; i < n; i++) {
                const struct rs_needle *nd = &l->v[idx[i]];
                uint32_t s = 0;
                for (size_t k = 0; k < nd->len; k++) {
                        uint32_t t = nodes[s].child;
                        while (t && nodes[t].c != nd->b[k])
                                t = nodes[t].sibling;
                        if (!t) {
                                t = (uint32_t)nnodes++;
                                nodes[t] = (struct ac_node){ .sibling = nodes[s].child, .c = nd->b[k] };
                                nodes[s].child = t;
                        }
                        s = t;
                }
                outs[i] = (struct ac_out){ s, nd->vi };
        }
        ac->nstates = nnodes;
        ac->edge_off = calloc(nnodes + 1, sizeof(*ac->edge_off));
        ac->edge_c = malloc(nnodes);
        ac->edge_to = malloc(nnodes * sizeof(*ac->edge_to));
        ac->fail = calloc(nnodes, sizeof(*ac->fail));
        ac->dict = calloc(nnodes, sizeof(*ac->dict));
        ac->out_off = calloc(nnodes + 1, sizeof(*ac->out_off));
        ac->outv = malloc(n * sizeof(*ac->outv));
        queue = malloc(nnodes * sizeof(*queue));
        if (!ac->edge_off || !ac->edge_c || !ac->edge_to || !ac->fail || !ac->dict || !ac->out_off ||
            !ac->outv || !queue)
                goto out;
        /* edges, sorted by byte, in CSR form */
        uint32_t ne = 0;
        for (uint32_t s = 0; s < nnodes; s++) {
                ac->edge_off[s] = ne;
                uint32_t first = ne;
                for (uint32_t t = nodes[s].child; t; t = nodes[t].sibling) {
                        uint32_t k = ne++;
                        while (k > first && ac->edge_c[k - 1] > nodes[t].c) {
                                ac->edge_c[k] = ac->edge_c[k - 1];
                                ac->edge_to[k] = ac->edge_to[k - 1];
                                k--;
                        }
                        ac->edge_c[k] = nodes[t].c;
                        ac->edge_to[k] = t;
                }
        }
        ac->edge_off[nnodes] = ne;
        /* outputs: variants per final state, each once */
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
        /* failure and dictionary links, breadth first */
        size_t qh = 0, qt = 0;
        for (uint32_t e = ac->edge_off[0]; e < ac->edge_off[1]; e++) {
                ac->root[ac->edge_c[e]] = ac->edge_to[e];
                queue[qt++] = ac->edge_to[e];
        }
        while (qh < qt) {
                uint32_t s = queue[qh++];
                for (uint32_t e = ac->edge_off[s]; e < ac->edge_off[s + 1]; e++) {
                        uint32_t t = ac->edge_to[e];
                        uint32_t f = ac_step(ac, ac->fail[s], ac->edge_c[e]);
                        ac->fail[t] = f;
                        ac->dict[t] = ac->out_off[f] < ac->out_off[f + 1] ? f : ac->dict[f];
                        queue[qt++] = t;
                }
        }
        r = 0;
out:
        free(nodes);
        free(outs);
        free(queue);
        if (r < 0)
                ac_free(ac);
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

/* The item of group g whose needles are the most selective, or NULL.  A
 * group that holds an item which can never be YES is never YES either: it
 * needs no needle (NULL, *score SIZE_MAX). */
static const struct match_item *group_pick(const struct sigma_group *g, size_t *score)
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
                size_t sc = item_score(g->items[i]);
                if (sc > *score) {
                        *score = sc;
                        pick = g->items[i];
                }
        }
        return pick;
}

/* A selection is YES only when one of its groups is, that is when every
 * item of that group is: the picked item of each group gives needles for
 * the selection.  Its score is the worst group's; 0 when some group that
 * can be YES has no needles. */
static size_t selection_score(const struct sigma_selection *s)
{
        size_t worst = SIZE_MAX, sc;

        for (size_t g = 0; g < s->ngroups; g++) {
                if (!group_pick(&s->groups[g], &sc) && sc == 0)
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
 * on: a selection built on them is left UNKNOWN in the test. */
static uint64_t variant_needle_sels(const struct sigma_variant *v)
{
        size_t score[SIGMA_MAX_SELECTIONS];
        uint64_t t = 0;

        if (!v->cond || v->nsels > 64)
                return 0;
        for (size_t i = 0; i < v->nsels; i++) {
                score[i] = selection_score(&v->sels[i]);
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

/* Append variant vi's needles; *has: whether it has a prefilter. */
static int variant_needles(const struct sigma_variant *v, uint32_t vi, struct rs_needles *l, bool *has)
{
        uint64_t t = variant_needle_sels(v);
        size_t sc;

        *has = t != 0;
        for (size_t i = 0; i < v->nsels; i++) {
                if (!((t >> i) & 1))
                        continue;
                for (size_t g = 0; g < v->sels[i].ngroups; g++) {
                        const struct match_item *it = group_pick(&v->sels[i].groups[g], &sc);
                        size_t n = it ? match_item_needles(it) : 0;
                        for (size_t k = 0; k < n; k++)
                                if (needles_push(l, it, k, vi) < 0)
                                        return -ENOMEM;
                }
        }
        return 0;
}

static bool same_field(const struct rs_needle *a, const char *field, const char *key)
{
        return key ? a->key == key : (!a->key && strcmp(a->field, field) == 0);
}

/* The channel's prefilter: needles of every variant, one automaton per
 * event field, the candidates' automaton masks.  vars: the channel's
 * variants by local index. */
static int channel_prefilter(struct rs_channel *c, const struct sigma_variant **vars)
{
        _cleanup_free_ uint64_t *var_acs = NULL;
        _cleanup_free_ size_t *idx = NULL;
        struct rs_needles l = { 0 };
        size_t words = (c->nvars + 63) / 64;
        int r = -ENOMEM;

        if (c->nvars == 0 || c->nvars > RS_PF_MAX_VARS)
                return 0;
        c->always = calloc(words, sizeof(*c->always));
        var_acs = calloc(c->nvars, sizeof(*var_acs));
        if (!c->always || !var_acs)
                goto fail;
        for (uint32_t vi = 0; vi < c->nvars; vi++) {
                bool has;
                if (variant_needles(vars[vi], vi, &l, &has) < 0)
                        goto fail;
                if (!has)
                        c->always[vi / 64] |= UINT64_C(1) << (vi % 64);
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
                if (ac_build(ac, &l, idx, n) < 0) {
                        free(done);
                        goto fail;
                }
                uint64_t bit = UINT64_C(1) << (c->nacs < 63 ? c->nacs : 63);
                for (size_t k = 0; k < n; k++)
                        var_acs[l.v[idx[k]].vi] |= bit;
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
                ac_free(&c->acs[a]);
        free(c->acs);
        c->acs = NULL;
        c->nacs = 0;
        free(c->always);
        c->always = NULL;
        return r;
}

/* ---- index ------------------------------------------------------------------- */

/* Build the (channel, event id) index and the prefilter.  Call once, after
 * the last add. */
int ruleset_index(struct ruleset *rs)
{
        _cleanup_free_ const struct sigma_variant **vars = NULL;
        size_t nall = 0;

        /* pass 1: channels */
        for (size_t i = 0; i < rs->nrules; i++) {
                for (size_t k = 0; k < rs->rules[i].nvariants; k++) {
                        const char *ch = rs->rules[i].variants[k].source.channel;
                        struct rs_channel *c;

                        nall++;
                        if (ruleset_channel(rs, ch))
                                continue;
                        c = realloc(rs->chans, (rs->nchans + 1) * sizeof(*c));
                        if (!c)
                                return -ENOMEM;
                        rs->chans = c;
                        rs->chans[rs->nchans++] = (struct rs_channel){ .name = ch };
                }
        }
        /* pass 2: candidates, each variant with its channel-local index */
        for (size_t i = 0; i < rs->nrules; i++) {
                for (size_t k = 0; k < rs->rules[i].nvariants; k++) {
                        const struct sigma_variant *v = &rs->rules[i].variants[k];
                        struct rs_channel *c = ruleset_channel(rs, v->source.channel);
                        uint32_t vi = (uint32_t)c->nvars++;

                        if (v->nevent_ids == 0) {
                                struct rs_cand *a = realloc(c->any, (c->nany + 1) * sizeof(*a));
                                if (!a)
                                        return -ENOMEM;
                                c->any = a;
                                c->any[c->nany++] = (struct rs_cand){ .vi = vi, .v = v };
                                continue;
                        }
                        struct rs_cand *b = realloc(c->by_eid, (c->nby_eid + v->nevent_ids) * sizeof(*b));
                        if (!b)
                                return -ENOMEM;
                        c->by_eid = b;
                        for (size_t e = 0; e < v->nevent_ids; e++)
                                c->by_eid[c->nby_eid++] = (struct rs_cand){ .event_id = v->event_ids[e],
                                                                            .vi = vi, .v = v };
                }
        }
        for (size_t i = 0; i < rs->nchans; i++)
                if (rs->chans[i].nby_eid)
                        qsort(rs->chans[i].by_eid, rs->chans[i].nby_eid, sizeof(struct rs_cand), cand_cmp);
        /* pass 3: the prefilter, per channel */
        if (!(vars = malloc((nall ? nall : 1) * sizeof(*vars))))
                return -ENOMEM;
        for (size_t ci = 0; ci < rs->nchans; ci++) {
                struct rs_channel *c = &rs->chans[ci];
                for (size_t i = 0; i < c->nby_eid; i++)
                        vars[c->by_eid[i].vi] = c->by_eid[i].v;
                for (size_t i = 0; i < c->nany; i++)
                        vars[c->any[i].vi] = c->any[i].v;
                int r = channel_prefilter(c, vars);
                if (r < 0)
                        return r;
        }
        if (rs->nchans)
                qsort(rs->chans, rs->nchans, sizeof(*rs->chans), chan_cmp);
        return 0;
}

/* ---- evaluation ---------------------------------------------------------- */

#define SEL_UNCOMPUTED 3

struct rs_eval {
        const struct sigma_selection *sels;
        const struct winevent *ev;
        uint8_t memo[SIGMA_MAX_SELECTIONS];
};

static enum tri ruleset_selection(const struct sigma_selection *s, const struct winevent *ev)
{
        enum tri any = TRI_NO;

        for (size_t g = 0; g < s->ngroups && any != TRI_YES; g++) {
                enum tri all = TRI_YES;

                for (size_t i = 0; i < s->groups[g].nitems && all != TRI_NO; i++)
                        all = tri_and(all, match_item_eval(s->groups[g].items[i], ev));
                any = tri_or(any, all);
        }
        return any;
}

static enum tri ruleset_leaf(void *ud, size_t sel)
{
        struct rs_eval *e = ud;

        if (e->memo[sel] == SEL_UNCOMPUTED)
                e->memo[sel] = (uint8_t)ruleset_selection(&e->sels[sel], e->ev);
        return (enum tri)e->memo[sel];
}

/* Evaluate one variant; call `hit` when its condition (and every filter's)
 * is YES. */
static void ruleset_eval_variant(const struct sigma_variant *v, struct winevent *ev, ruleset_hit_fn hit,
                                 void *ud)
{
        struct rs_eval e = { .sels = v->sels, .ev = ev };
        enum tri sel[SIGMA_MAX_SELECTIONS];

        memset(e.memo, SEL_UNCOMPUTED, sizeof(e.memo));
        if (cond_eval(v->cond, ruleset_leaf, &e) != TRI_YES)
                return;
        for (size_t f = 0; f < v->nfilters; f++) {
                struct rs_eval fe = { .sels = v->filters[f].sels, .ev = ev };

                memset(fe.memo, SEL_UNCOMPUTED, sizeof(fe.memo));
                if (cond_eval(v->filters[f].cond, ruleset_leaf, &fe) != TRI_YES)
                        return;
        }
        for (size_t i = 0; i < v->nsels; i++)
                sel[i] = e.memo[i] == SEL_UNCOMPUTED ? TRI_UNKNOWN : (enum tri)e.memo[i];
        hit(ud, v, sel, ev);
}

static const struct rs_channel *ruleset_find_channel(const struct ruleset *rs, const char *name)
{
        size_t lo = 0, hi = rs->nchans;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcasecmp(name, rs->chans[mid].name);

                if (c == 0)
                        return &rs->chans[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

/* Mark the variants of c whose prefilter passes: those without one, and
 * those with a needle in the folded value of its field.  acs: the automata
 * to run. */
static void ruleset_prefilter(const struct rs_channel *c, struct winevent *ev, uint64_t acs, uint64_t *marks)
{
        size_t words = (c->nvars + 63) / 64;

        memcpy(marks, c->always, words * sizeof(*marks));
        for (size_t a = 0; a < c->nacs; a++) {
                const struct rs_ac *ac = &c->acs[a];
                if (!((acs >> (a < 63 ? a : 63)) & 1))
                        continue;
                const struct winevent_field *f = ac->key ? winevent_get_interned(ev, ac->key)
                                                         : winevent_get(ev, ac->field);
                if (!f)
                        continue;       /* absent: its items are UNKNOWN, never YES */
                const char *lower = winevent_field_lower(ev, f);
                if (!lower) {           /* ENOMEM: evaluate every candidate */
                        memset(marks, 0xff, words * sizeof(*marks));
                        return;
                }
                ac_scan(ac, (const unsigned char *)lower, f->len, marks);
        }
}

static inline bool ruleset_marked(const struct rs_channel *c, const uint64_t *marks, uint32_t vi)
{
        return !c->always || ((marks[vi / 64] >> (vi % 64)) & 1);
}

size_t ruleset_eval(const struct ruleset *rs, struct winevent *ev, ruleset_hit_fn hit, void *ud)
{
        const struct rs_channel *c;
        size_t lo, hi, n = 0;
        uint64_t marks[RS_PF_WORDS];

        if (!rs || !ev->channel || !(c = ruleset_find_channel(rs, ev->channel)))
                return 0;
        logsource_derive(ev);
        /* lower bound of the event id */
        lo = 0;
        hi = c->nby_eid;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (c->by_eid[mid].event_id < ev->event_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        bool by_eid = lo < c->nby_eid && c->by_eid[lo].event_id == ev->event_id;
        if (!by_eid && !c->nany)
                return 0;
        if (c->always)
                ruleset_prefilter(c, ev, (by_eid ? c->by_eid[lo].acs : 0) | c->any_acs, marks);
        for (size_t i = lo; i < c->nby_eid && c->by_eid[i].event_id == ev->event_id; i++, n++)
                if (ruleset_marked(c, marks, c->by_eid[i].vi))
                        ruleset_eval_variant(c->by_eid[i].v, ev, hit, ud);
        for (size_t i = 0; i < c->nany; i++, n++)
                if (ruleset_marked(c, marks, c->any[i].vi))
                        ruleset_eval_variant(c->any[i].v, ev, hit, ud);
        return n;
}

void ruleset_explain(const struct ruleset *rs, struct winevent *ev, ruleset_explain_fn fn, void *ud)
{
        if (!rs)
                return;
        logsource_derive(ev);
        for (size_t i = 0; i < rs->nrules; i++) {
                for (size_t k = 0; k < rs->rules[i].nvariants; k++) {
                        const struct sigma_variant *v = &rs->rules[i].variants[k];
                        bool candidate = ev->channel && strcasecmp(v->source.channel, ev->channel) == 0;
                        enum tri sel[SIGMA_MAX_SELECTIONS];
                        struct rs_eval e = { .sels = v->sels, .ev = ev };
                        enum tri r = TRI_NO;

                        for (size_t x = 0; candidate && v->nevent_ids && x < v->nevent_ids; x++)
                                if (v->event_ids[x] == ev->event_id)
                                        break;
                                else if (x + 1 == v->nevent_ids)
                                        candidate = false;
                        memset(e.memo, SEL_UNCOMPUTED, sizeof(e.memo));
                        if (candidate) {
                                r = cond_eval(v->cond, ruleset_leaf, &e);
                                for (size_t f = 0; f < v->nfilters && r == TRI_YES; f++) {
                                        struct rs_eval fe = { .sels = v->filters[f].sels, .ev = ev };
                                        memset(fe.memo, SEL_UNCOMPUTED, sizeof(fe.memo));
                                        r = cond_eval(v->filters[f].cond, ruleset_leaf, &fe);
                                }
                                for (size_t x = 0; x < v->nsels; x++)
                                        ruleset_leaf(&e, x);
                        }
                        for (size_t x = 0; x < v->nsels; x++)
                                sel[x] = e.memo[x] == SEL_UNCOMPUTED ? TRI_UNKNOWN : (enum tri)e.memo[x];
                        fn(ud, v, candidate, r, sel, ev);
                }
        }
}

/* ---- reporting ----------------------------------------------------------- */

void ruleset_report_fini(struct ruleset_report *rep)
{
        for (size_t i = 0; i < rep->nproblems; i++) {
                free(rep->problems[i].file);
                free(rep->problems[i].rule);
                free(rep->problems[i].reason);
        }
        free(rep->problems);
        memset(rep, 0, sizeof(*rep));
}

void ruleset_print(const struct ruleset *rs, const struct ruleset_report *rep, bool verbose, FILE *f)
{
        for (size_t i = 0; i < rep->nproblems; i++) {
                const struct ruleset_problem *p = &rep->problems[i];
                fprintf(f, "  unsupported: %s:%u: %s%s%s\n", p->file, p->line, p->rule, *p->rule ? ": " : "",
                        p->reason);
        }
        if (verbose && rs) {
                for (size_t i = 0; i < rs->nrules; i++) {
                        const struct rs_entry *r = &rs->rules[i];
                        fprintf(f, "  rule %s (%s) %s\n", r->rule->id, sigma_level_name(r->rule->level),
                                r->rule->title);
                        for (size_t k = 0; k < r->nvariants; k++) {
                                const struct sigma_variant *v = &r->variants[k];
                                fprintf(f, "    needs [%s] channel %s, event ids", v->source.name,
                                        v->source.channel);
                                if (v->nevent_ids == 0)
                                        fprintf(f, " any");
                                for (size_t e = 0; e < v->nevent_ids; e++)
                                        fprintf(f, "%s%u", e ? "," : " ", v->event_ids[e]);
                                fprintf(f, ", fields");
                                if (v->nneeds_fields == 0)
                                        fprintf(f, " (none)");
                                for (size_t e = 0; e < v->nneeds_fields; e++)
                                        fprintf(f, "%s%s", e ? "," : " ", v->needs_fields[e]);
                                fprintf(f, "\n");
                        }
                }
        }
        fprintf(f, "rules: %zu loaded, %zu unsupported", rep->loaded, rep->unsupported);
        if (rep->correlations)
                fprintf(f, ", %zu of them correlations", rep->correlations);
        if (rep->filters)
                fprintf(f, ", %zu filters applied", rep->filters);
        fprintf(f, " (%zu variants, %zu files)\n", rep->variants, rep->files);
}
