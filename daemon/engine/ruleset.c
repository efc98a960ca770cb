/* The compiled ruleset: storage, the (channel, event id) index, and
 * evaluation of an event against its candidates (the literal prefilter is
 * in prefilter.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/cleanup.h"
#include "spoor/enrich.h"
#include "spoor/intern.h"
#include "spoor/logsource.h"
#include "spoor/ruleset.h"
#include "ruleset_impl.h"

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
        strv_free(c->first_seen.fields, c->first_seen.nfields);
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


void ruleset_free(struct ruleset *rs)
{
        if (!rs)
                return;
        pf_cache_free(rs->scan_cache);
        pf_cache_free(rs->eval_cache);
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
                free(c->second);
                free(c->var_acs);
                for (size_t a = 0; a < c->nacs; a++)
                        prefilter_ac_free(&c->acs[a]);
                free(c->acs);
                ruleset_sets_free(c);
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

const struct sigma_rule *ruleset_rule_at(const struct ruleset *rs, size_t i, const struct sigma_variant **variants,
                                         size_t *nvariants)
{
        bool ok = rs && i < rs->nrules;

        if (variants)
                *variants = ok ? rs->rules[i].variants : NULL;
        if (nvariants)
                *nvariants = ok ? rs->rules[i].nvariants : 0;
        return ok ? rs->rules[i].rule : NULL;
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
                int r = prefilter_channel(c, vars);
                if (r < 0)
                        return r;
                (void)ruleset_sets_build(c, vars);      /* on failure, the lists */
        }
        if (rs->nchans)
                qsort(rs->chans, rs->nchans, sizeof(*rs->chans), chan_cmp);
        if (!rs->scan_cache)
                rs->scan_cache = pf_cache_new();        /* NULL: every value is scanned */
        if (!rs->eval_cache)
                rs->eval_cache = pf_cache_new();
        return 0;
}

/* ---- evaluation ---------------------------------------------------------- */

_Static_assert(RULESET_PRE_WORDS == RS_PF_WORDS, "struct ruleset_pre holds a channel's marks");

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

/* A selection for the condition: one that cannot be evaluated (a field it
 * reads is absent) does not match — Sigma's semantics, so `selection and
 * not filter` fires on an event without the filter's field.  The memo keeps
 * the three-valued result for explanations (spoorctl test, lead "why"). */
static enum tri ruleset_leaf(void *ud, size_t sel)
{
        struct rs_eval *e = ud;

        if (e->memo[sel] == SEL_UNCOMPUTED)
                e->memo[sel] = (uint8_t)ruleset_selection(&e->sels[sel], e->ev);
        return e->memo[sel] == TRI_UNKNOWN ? TRI_NO : (enum tri)e->memo[sel];
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

bool ruleset_field_late(const char *field)
{
        return logsource_derived_field(field) || strcmp(field, ENRICH_FIELD_CHANGE_WINDOW) == 0 ||
               strcmp(field, ENRICH_FIELD_PRIVILEGED) == 0;
}

/* Which automata ruleset_scan() runs. */
enum rs_scan { RS_SCAN_ALL, RS_SCAN_EARLY, RS_SCAN_LATE };

/* Run automaton ac over the folded value of its field (unless `which`
 * leaves it out), marking the variants with a needle found.  false: out
 * of memory. */
static bool ruleset_scan_one(const struct rs_ac *ac, struct winevent *ev, enum rs_scan which,
                             struct pf_cache *cache, uint64_t *marks)
{
        if ((which == RS_SCAN_EARLY && ac->late) || (which == RS_SCAN_LATE && !ac->late))
                return true;
        const struct winevent_field *f = ac->key ? winevent_get_interned(ev, ac->key) : winevent_get(ev, ac->field);
        if (!f)
                return true;    /* absent: its items are UNKNOWN, never YES */
        const char *lower = winevent_field_lower(ev, f);
        if (!lower)
                return false;
        pf_cache_scan(cache, ac, (const unsigned char *)lower, f->len, marks);
        return true;
}

/* Run the automata `acs` of c (those `which` selects): those of the first
 * 63 bits one by one (a channel has up to ~80: walking them all cost more
 * than the scans of short values), then, when bit 63 is set, every one
 * from the 64th.  false: out of memory (the caller marks every variant). */
static bool ruleset_scan(const struct rs_channel *c, struct winevent *ev, uint64_t acs, enum rs_scan which,
                         struct pf_cache *cache, uint64_t *marks)
{
        for (uint64_t bits = acs & ~(UINT64_C(1) << 63); bits; bits &= bits - 1) {
                size_t a = (size_t)__builtin_ctzll(bits);
                if (a < c->nacs && !ruleset_scan_one(&c->acs[a], ev, which, cache, marks))
                        return false;
        }
        for (size_t a = 63; (acs >> 63) && a < c->nacs; a++)
                if (!ruleset_scan_one(&c->acs[a], ev, which, cache, marks))
                        return false;
        return true;
}

/* Both halves of marks before a scan: the first clause passes for the
 * variants without a prefilter, the second for those without a second
 * clause. */
static void ruleset_marks_init(const struct rs_channel *c, uint64_t *marks)
{
        size_t words = (c->nvars + 63) / 64;

        memcpy(marks, c->always, words * sizeof(*marks));
        for (size_t w = 0; w < words; w++)
                marks[RS_PF_WORDS + w] = c->second ? ~c->second[w] : ~UINT64_C(0);
}

/* After the scans: a variant passes when both of its clauses do (the
 * first half).  ok false: a scan ran out of memory, every candidate
 * passes (both halves, for a join still to come). */
static void ruleset_marks_join(const struct rs_channel *c, uint64_t *marks, bool ok)
{
        size_t words = (c->nvars + 63) / 64;

        for (size_t w = 0; w < words; w++) {
                marks[w] = ok ? marks[w] & marks[RS_PF_WORDS + w] : ~UINT64_C(0);
                if (!ok)
                        marks[RS_PF_WORDS + w] = ~UINT64_C(0);
        }
}

/* Mark the variants of c whose prefilter passes: those without one, and
 * those with a needle of each clause in the folded values of its fields.
 * acs: the automata to run. */
static void ruleset_prefilter(const struct rs_channel *c, struct winevent *ev, uint64_t acs, enum rs_scan which,
                              struct pf_cache *cache, uint64_t *marks)
{
        ruleset_marks_init(c, marks);
        ruleset_marks_join(c, marks, ruleset_scan(c, ev, acs, which, cache, marks));
}

static inline bool ruleset_marked(const struct rs_channel *c, const uint64_t *marks, uint32_t vi)
{
        return !c->always || ((marks[vi / 64] >> (vi % 64)) & 1);
}

/* Evaluate the variants of `set & marks`, in index order. */
static void ruleset_eval_set(const struct rs_channel *c, const uint64_t *set, const uint64_t *marks,
                             struct winevent *ev, ruleset_hit_fn hit, void *ud)
{
        size_t words = (c->nvars + 63) / 64;

        for (size_t w = 0; w < words; w++) {
                uint64_t bits = set[w] & marks[w];
                while (bits) {
                        size_t vi = w * 64 + (size_t)__builtin_ctzll(bits);
                        bits &= bits - 1;
                        ruleset_eval_variant(c->vars[vi], ev, hit, ud);
                }
        }
}

/* The event id's entry of a channel with bit sets, or NULL. */
static const struct rs_eid *ruleset_find_eid(const struct rs_channel *c, uint32_t event_id)
{
        size_t lo = ruleset_eid_lower(c, event_id);

        return lo < c->neids && c->eids[lo].event_id == event_id ? &c->eids[lo] : NULL;
}

/* Evaluate the marked candidates of d (the event id's entry: its own,
 * then the channel's `any` ones that may match it), or of the channel's
 * `rest` when d is NULL, as the lists would.  Their number. */
static size_t ruleset_eval_marked(const struct rs_channel *c, const struct rs_eid *d, const uint64_t *marks,
                                  struct winevent *ev, ruleset_hit_fn hit, void *ud)
{
        if (d) {
                ruleset_eval_set(c, d->set, marks, ev, hit, ud);
                ruleset_eval_set(c, d->then, marks, ev, hit, ud);
                return d->ncand;
        }
        ruleset_eval_set(c, c->rest, marks, ev, hit, ud);
        return c->nrest;
}

/* ruleset_eval() on a channel with its bit sets. */
static size_t ruleset_eval_sets(const struct rs_channel *c, struct winevent *ev, struct pf_cache *cache,
                                ruleset_hit_fn hit, void *ud)
{
        const struct rs_eid *d = ruleset_find_eid(c, ev->event_id);
        uint64_t marks[RS_PF_MARKS];

        if (!d && !c->nrest)
                return 0;
        ruleset_prefilter(c, ev, d ? d->acs : c->rest_acs, RS_SCAN_ALL, cache, marks);
        return ruleset_eval_marked(c, d, marks, ev, hit, ud);
}

void ruleset_prescan(const struct ruleset *rs, struct winevent *ev, struct ruleset_pre *pre)
{
        const struct rs_channel *c;

        pre->rs = NULL;
        if (!rs || !ev->channel)
                return;
        pre->chan = NULL;
        pre->found = false;
        if ((c = ruleset_find_channel(rs, ev->channel))) {
                pre->found = true;
                if (!c->vars || (c->nvars + 63) / 64 > RULESET_PRE_WORDS)
                        return;         /* no bit sets: ruleset_eval() does it all */
                pre->eid = ruleset_find_eid(c, ev->event_id);
                if (pre->eid || c->nrest) {
                        pre->chan = c;
                        pre->acs = pre->eid ? pre->eid->acs : c->rest_acs;
                        ruleset_marks_init(c, pre->marks);
                        if (!ruleset_scan(c, ev, pre->acs, RS_SCAN_EARLY, rs->scan_cache, pre->marks))
                                ruleset_marks_join(c, pre->marks, false);
                        /* the late scan adds to both halves; ruleset_eval_pre() joins them */
                }
        }
        pre->rs = rs;
}

size_t ruleset_eval_pre(const struct ruleset *rs, struct winevent *ev, const struct ruleset_pre *pre,
                        ruleset_hit_fn hit, void *ud)
{
        const struct rs_channel *c;
        uint64_t marks[RS_PF_MARKS];

        if (!pre || !rs || pre->rs != rs)
                return ruleset_eval(rs, ev, hit, ud);
        if (pre->found)
                logsource_derive(ev);   /* as ruleset_eval() would */
        if (!(c = pre->chan))
                return 0;
        size_t words = (c->nvars + 63) / 64;
        memcpy(marks, pre->marks, words * sizeof(*marks));
        memcpy(marks + RS_PF_WORDS, pre->marks + RS_PF_WORDS, words * sizeof(*marks));
        ruleset_marks_join(c, marks, ruleset_scan(c, ev, pre->acs, RS_SCAN_LATE, rs->eval_cache, marks));
        return ruleset_eval_marked(c, pre->eid, marks, ev, hit, ud);
}

size_t ruleset_eval(const struct ruleset *rs, struct winevent *ev, ruleset_hit_fn hit, void *ud)
{
        const struct rs_channel *c;
        size_t lo, hi, n = 0;
        uint64_t marks[RS_PF_MARKS];

        if (!rs || !ev->channel || !(c = ruleset_find_channel(rs, ev->channel)))
                return 0;
        logsource_derive(ev);
        if (c->vars)
                return ruleset_eval_sets(c, ev, rs->eval_cache, hit, ud);
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
                ruleset_prefilter(c, ev, (by_eid ? c->by_eid[lo].acs : 0) | c->any_acs, RS_SCAN_ALL,
                                  rs->eval_cache, marks);
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
