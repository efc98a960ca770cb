/* Private to ruleset.c and prefilter.c: the ruleset's index structures. */
#pragma once
#include <stddef.h>
#include <stdint.h>
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

/* prefilter.c */
void prefilter_ac_free(struct rs_ac *ac);
/* Build the channel's automata and needle sets (vars: its variants by
 * channel-local index).  0 or -ENOMEM; on failure the prefilter is off for
 * the channel (every candidate is evaluated). */
int prefilter_channel(struct rs_channel *c, const struct sigma_variant **vars);
/* Mark in `marks` the variants whose needle occurs in h[0..n). */
void prefilter_scan(const struct rs_ac *ac, const unsigned char *h, size_t n, uint64_t *marks);
