/* A loaded, compiled and indexed set of Sigma rules (daemon/engine/
 * sigma_load.c builds it, daemon/engine/ruleset.c indexes and evaluates).
 * A ruleset is immutable once built: reload builds a new one beside the
 * old and swaps (STYLE rule 13). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "spoor/sigma.h"
#include "spoor/tri.h"
#include "spoor/winevent.h"

struct json_object;
struct ruleset;

/* A rule that was not loaded, with the one reason. */
struct ruleset_problem {
        char *file;
        unsigned line;
        char *rule;             /* rule id or title, "" when unknown */
        char *reason;
};

struct ruleset_report {
        size_t files;           /* YAML files read */
        size_t loaded;          /* detection rules loaded */
        size_t variants;        /* compiled variants (one per telemetry source) */
        size_t unsupported;     /* rules skipped whole, each with a problem */
        size_t filters;         /* Sigma filter documents applied */
        size_t correlations;    /* correlation rules loaded (also counted in loaded) */
        struct ruleset_problem *problems;
        size_t nproblems;
        char error[768];        /* set when loading failed as a whole */
};

struct ruleset_opts {
        char *const *paths;     /* files or directories, searched recursively for *.yml / *.yaml */
        size_t npaths;
        struct json_object *placeholders;       /* for |expand; may be NULL */
};

/* Load and compile.  Unsupported rules are skipped and reported, never
 * half-loaded.  A file that cannot be read or is not valid YAML fails the
 * whole load (-EINVAL / -errno, rep->error = "file:line:column: ...") so a
 * reload keeps the running set.  A path that does not exist is reported as
 * a problem, not a failure. */
int ruleset_load(const struct ruleset_opts *o, struct ruleset **out, struct ruleset_report *rep);

void ruleset_report_fini(struct ruleset_report *rep);
void ruleset_free(struct ruleset *rs);

size_t ruleset_rule_count(const struct ruleset *rs);

/* Rule i (0 .. ruleset_rule_count()-1): its metadata, and its variants
 * in *variants / *nvariants (the coverage model reads what each needs;
 * either may be NULL). */
const struct sigma_rule *ruleset_rule_at(const struct ruleset *rs, size_t i, const struct sigma_variant **variants,
                                         size_t *nvariants);

/* The correlation rules, indexed as sigma_observer.ci says. */
const struct sigma_corr *ruleset_corrs(const struct ruleset *rs, size_t *n);

/* A matching variant.  sel[i] is selection i's result (TRI_UNKNOWN also
 * for selections the evaluation did not need). */
typedef void (*ruleset_hit_fn)(void *ud, const struct sigma_variant *v, const enum tri *sel,
                               struct winevent *ev);

/* Evaluate an event against its candidates (indexed by channel and event
 * id); calls hit for each variant whose condition is YES.  Adds derived
 * fields to the event first (logsource_derive).  Returns the number of
 * candidate variants (before the literal prefilter skips those that
 * cannot match).  The event's EventID field, when present, is the decimal
 * text of ev->event_id, as decode_event() writes it: a variant whose
 * selections pin EventID is a candidate of those ids only. */
size_t ruleset_eval(const struct ruleset *rs, struct winevent *ev, ruleset_hit_fn hit, void *ud);

/* ruleset_eval() in two steps, so that the literal prefilter (the larger
 * part of the work that reads only the decoded event) can run on the
 * decoding thread while the engine thread evaluates earlier events:
 * ruleset_prescan() right after decoding scans every field but those the
 * engine adds later (logsource_derive, enrich); ruleset_eval_pre() on the
 * same event, after those are added, scans them and evaluates: the same
 * hits, in the same order, as ruleset_eval().  A pre computed for another
 * ruleset (a reload in between) is ignored.  The ruleset keeps the scans
 * of long values for when they come again (engine/prefilter_cache.c), one
 * cache for ruleset_prescan() and one for ruleset_eval() /
 * ruleset_eval_pre(): one thread at a time may call ruleset_prescan(), and
 * one (another) the two others; ruleset_explain() only reads. */
#define RULESET_PRE_WORDS 128           /* RS_PF_MAX_VARS / 64 */
struct rs_channel;
struct rs_eid;
struct ruleset_pre {
        const struct ruleset *rs;       /* what it was computed for; NULL: not computed */
        bool found;                     /* the event's channel has rules */
        const struct rs_channel *chan;  /* NULL: no candidates */
        const struct rs_eid *eid;       /* NULL: the channel's `rest` */
        uint64_t acs;                   /* automata the candidates need */
        uint64_t marks[2 * RULESET_PRE_WORDS];  /* both clauses' (RS_PF_MARKS) */
};
void ruleset_prescan(const struct ruleset *rs, struct winevent *ev, struct ruleset_pre *pre);
size_t ruleset_eval_pre(const struct ruleset *rs, struct winevent *ev, const struct ruleset_pre *pre,
                        ruleset_hit_fn hit, void *ud);

/* `spoorctl test`: every variant of every rule, with whether the event is
 * one of its candidates (channel and event id), the condition's result and
 * every selection's result (all computed, for the explanation). */
typedef void (*ruleset_explain_fn)(void *ud, const struct sigma_variant *v, bool candidate, enum tri result,
                                   const enum tri *sel, struct winevent *ev);
void ruleset_explain(const struct ruleset *rs, struct winevent *ev, ruleset_explain_fn fn, void *ud);

/* `spoord --check`: one line per rule problem, then "rules: N loaded, M
 * unsupported"; verbose adds each variant's needs (channel, event ids,
 * fields). */
void ruleset_print(const struct ruleset *rs, const struct ruleset_report *rep, bool verbose, FILE *f);

/* internal, for sigma_load.c → ruleset.c */
struct ruleset *ruleset_new(void);
int ruleset_add(struct ruleset *rs, struct sigma_rule *rule, struct sigma_variant *variants, size_t n);
int ruleset_index(struct ruleset *rs);
void sigma_rule_free(struct sigma_rule *r);
void sigma_variant_fini(struct sigma_variant *v);
void sigma_corr_fini(struct sigma_corr *c);
/* Takes ownership of corrs[0..n). */
void ruleset_set_corrs(struct ruleset *rs, struct sigma_corr *corrs, size_t n);
void ruleset_selections_free(struct sigma_selection *sels, size_t n);
