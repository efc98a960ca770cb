/* Private to ruleset.c and prefilter.c: the ruleset's index structures. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/ruleset.h"

/* A field the engine adds to an event after decoding and before
 * evaluation (logsource_derive, enrich): ruleset_prescan() leaves its
 * automata to ruleset_eval_pre(). */
bool ruleset_field_late(const char *field);

/* Channels with more variants go without a prefilter (the marks live on
 * the stack: 2 × RS_PF_MAX_VARS / 8 bytes). */
#define RS_PF_MAX_VARS 8192
#define RS_PF_WORDS (RS_PF_MAX_VARS / 64)

/* A variant may have two clauses of needles, each enough on its own to
 * rule it out (prefilter.c): it is evaluated only when a needle of each
 * occurs.  A marks array holds RS_PF_MARKS words: bit vi of its first half
 * for the first clause, bit RS_PF_MAX_VARS + vi (the output an automaton
 * lists for a second clause's needle) for the second. */
#define RS_PF_SECOND RS_PF_MAX_VARS
#define RS_PF_MARKS (2 * RS_PF_WORDS)

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

/* A state of an automaton past its dense rows, in one 16-byte record (a
 * scan in the deep states touches one cache line per state, not one per
 * array): its children are consecutive states, sorted by byte. */
#define AC_INLINE 6
struct rs_ac_sparse {
        uint32_t fail;
        uint32_t child;                         /* the first child's state */
        uint8_t n;                              /* children; AC_EDGES: more than AC_INLINE, see edge_* */
        uint8_t hit;                            /* bit k: child k has output */
        uint8_t c[AC_INLINE];                   /* the children's bytes */
};
#define AC_EDGES UINT8_MAX

/* Aho-Corasick automaton over the folded needles of one (channel, event
 * field).  States are numbered breadth first (0 is the root), so the
 * first `ndense` are the shallowest: they have full transition rows over
 * byte classes (the automaton's DFA: failure links already followed),
 * where a scan spends most of its bytes.  Deeper states keep their
 * children and failure links (`sparse`), followed until a dense state is
 * reached. */
struct rs_ac {
        const char *field;                      /* borrowed from a match item */
        const char *key;                        /* field interned, or NULL */
        bool late;                              /* a field set after decoding (ruleset_field_late) */
        uint16_t cls[256];                      /* byte → class; 0: in no needle */
        uint32_t ncls;                          /* classes, 0 included */
        uint32_t ndense;
        uint32_t *dense;                        /* ndense × ncls next states */
        struct rs_ac_sparse *sparse;            /* states ndense .. nstates-1 */
        uint32_t *edge_off;                     /* nstates + 1 */
        uint8_t *edge_c;
        uint32_t *edge_to;
        uint32_t *fail;
        uint32_t *dict;                         /* nearest state on the fail chain with output, or 0 */
        uint32_t *out_off;                      /* nstates + 1: variants whose needle ends here */
        uint32_t *outv;
        size_t nstates;
};

/* The candidates of one event id as bit sets over channel-local variant
 * indices (words = (nvars + 63) / 64), for channels with a prefilter:
 * evaluation walks (set & prefilter marks), then (then & marks), each in
 * index order, which is the order of the lists they come from. */
struct rs_eid {
        uint16_t event_id;
        uint64_t acs;                           /* automata its candidates need */
        size_t ncand;                           /* bits in set and then */
        uint64_t *set;                          /* words: the variants indexed under it (by_eid) */
        uint64_t *then;                         /* words: the `any` variants that may match it */
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
        uint64_t *second;                       /* variants with a second clause; NULL: none has */
        struct rs_ac *acs;                      /* bit min(i, 63) of an acs mask is acs[i] */
        size_t nacs;
        uint64_t *var_acs;                      /* per variant: the automata it needs */
        /* with a prefilter (always != NULL), unless building them failed: */
        struct rs_eid *eids;                    /* sorted by event id */
        size_t neids;
        uint64_t *rest;                         /* words: `any` variants of every other event id */
        size_t nrest;
        uint64_t rest_acs;
        const struct sigma_variant **vars;      /* by channel-local index */
};

struct ruleset {
        struct rs_entry *rules;
        size_t nrules, cap;
        struct rs_channel *chans;               /* sorted by name, case-insensitive */
        size_t nchans;
        struct sigma_corr *corrs;               /* correlation rules, referenced by index */
        size_t ncorrs;
        struct pf_cache *scan_cache;            /* ruleset_prescan's (its caller's thread only); may be NULL */
        struct pf_cache *eval_cache;            /* ruleset_eval's and _eval_pre's (theirs); may be NULL */
};

/* ruleset_sets.c: the bit sets (struct rs_eid) of a channel with a
 * prefilter, from its by_eid and any lists (vars: its variants by local
 * index).  An `any` variant whose condition needs a selection that pins
 * EventID (`1 of selection_*`, each with its own EventID) is a candidate
 * of those event ids only.  0, or -ENOMEM (the lists are used then). */
int ruleset_sets_build(struct rs_channel *c, const struct sigma_variant **vars);
void ruleset_sets_free(struct rs_channel *c);
/* The index in c->eids of the first entry with an id >= event_id. */
size_t ruleset_eid_lower(const struct rs_channel *c, uint32_t event_id);

/* prefilter.c */
void prefilter_ac_free(struct rs_ac *ac);
/* Build the channel's automata and needle sets (vars: its variants by
 * channel-local index).  0 or -ENOMEM; on failure the prefilter is off for
 * the channel (every candidate is evaluated). */
int prefilter_channel(struct rs_channel *c, const struct sigma_variant **vars);
/* Mark in `marks` the variants whose needle occurs in h[0..n). */
void prefilter_scan(const struct rs_ac *ac, const unsigned char *h, size_t n, uint64_t *marks);
/* The same scan, the variants listed in vi[] instead (a variant may be
 * listed more than once): their number, or SIZE_MAX when there are more
 * than max. */
size_t prefilter_collect(const struct rs_ac *ac, const unsigned char *h, size_t n, uint32_t *vi, size_t max);

/* prefilter_cache.c: prefilter_scan() of values seen before, replayed.
 * pf_cache_scan(NULL, ...) scans. */
struct pf_cache;
struct pf_cache_stats {
        uint64_t hits, misses;
};
struct pf_cache *pf_cache_new(void);
void pf_cache_free(struct pf_cache *c);
void pf_cache_scan(struct pf_cache *c, const struct rs_ac *ac, const unsigned char *h, size_t n, uint64_t *marks);
const struct pf_cache_stats *pf_cache_stats(const struct pf_cache *c);
