/* The compiled ruleset: storage, the (channel, event id) index, and
 * evaluation of an event against its candidates only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/cleanup.h"
#include "spoor/logsource.h"
#include "spoor/ruleset.h"

struct rs_entry {
        struct sigma_rule *rule;
        struct sigma_variant *variants;
        size_t nvariants;
};

struct rs_cand {
        uint16_t event_id;
        const struct sigma_variant *v;
};

struct rs_channel {
        const char *name;                       /* borrowed from a variant's source */
        struct rs_cand *by_eid;                 /* sorted by event_id */
        size_t nby_eid;
        const struct sigma_variant **any;       /* variants for every event of the channel */
        size_t nany;
};

struct ruleset {
        struct rs_entry *rules;
        size_t nrules, cap;
        struct rs_channel *chans;               /* sorted by name, case-insensitive */
        size_t nchans;
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
        free(r);
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
        for (size_t i = 0; i < rs->nrules; i++) {
                for (size_t k = 0; k < rs->rules[i].nvariants; k++)
                        sigma_variant_fini(&rs->rules[i].variants[k]);
                free(rs->rules[i].variants);
                sigma_rule_free(rs->rules[i].rule);
        }
        free(rs->rules);
        for (size_t i = 0; i < rs->nchans; i++) {
                free(rs->chans[i].by_eid);
                free(rs->chans[i].any);
        }
        free(rs->chans);
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

        return (int)x->event_id - (int)y->event_id;
}

static struct rs_channel *ruleset_channel(struct ruleset *rs, const char *name)
{
        for (size_t i = 0; i < rs->nchans; i++)
                if (strcasecmp(rs->chans[i].name, name) == 0)
                        return &rs->chans[i];
        return NULL;
}

/* Build the (channel, event id) index.  Call once, after the last add. */
int ruleset_index(struct ruleset *rs)
{
        /* pass 1: channels */
        for (size_t i = 0; i < rs->nrules; i++) {
                for (size_t k = 0; k < rs->rules[i].nvariants; k++) {
                        const char *ch = rs->rules[i].variants[k].source.channel;
                        struct rs_channel *c;

                        if (ruleset_channel(rs, ch))
                                continue;
                        c = realloc(rs->chans, (rs->nchans + 1) * sizeof(*c));
                        if (!c)
                                return -ENOMEM;
                        rs->chans = c;
                        rs->chans[rs->nchans++] = (struct rs_channel){ .name = ch };
                }
        }
        /* pass 2: candidates */
        for (size_t i = 0; i < rs->nrules; i++) {
                for (size_t k = 0; k < rs->rules[i].nvariants; k++) {
                        const struct sigma_variant *v = &rs->rules[i].variants[k];
                        struct rs_channel *c = ruleset_channel(rs, v->source.channel);

                        if (v->nevent_ids == 0) {
                                const struct sigma_variant **a = realloc(c->any, (c->nany + 1) * sizeof(*a));
                                if (!a)
                                        return -ENOMEM;
                                c->any = a;
                                c->any[c->nany++] = v;
                                continue;
                        }
                        struct rs_cand *b = realloc(c->by_eid, (c->nby_eid + v->nevent_ids) * sizeof(*b));
                        if (!b)
                                return -ENOMEM;
                        c->by_eid = b;
                        for (size_t e = 0; e < v->nevent_ids; e++)
                                c->by_eid[c->nby_eid++] = (struct rs_cand){ v->event_ids[e], v };
                }
        }
        for (size_t i = 0; i < rs->nchans; i++)
                if (rs->chans[i].nby_eid)
                        qsort(rs->chans[i].by_eid, rs->chans[i].nby_eid, sizeof(struct rs_cand), cand_cmp);
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

size_t ruleset_eval(const struct ruleset *rs, struct winevent *ev, ruleset_hit_fn hit, void *ud)
{
        const struct rs_channel *c;
        size_t lo, hi, n = 0;

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
        for (size_t i = lo; i < c->nby_eid && c->by_eid[i].event_id == ev->event_id; i++, n++)
                ruleset_eval_variant(c->by_eid[i].v, ev, hit, ud);
        for (size_t i = 0; i < c->nany; i++, n++)
                ruleset_eval_variant(c->any[i], ev, hit, ud);
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
        if (rep->filters)
                fprintf(f, ", %zu filters applied", rep->filters);
        fprintf(f, " (%zu variants, %zu files)\n", rep->variants, rep->files);
}
