/* Private to daemon/coverage/fields*.c: the table of what the loaded rules
 * need (built in fields_need.c, read in fields.c); decisions in fields.c. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage_impl.h"

#define FIELDS_COUNT_MAX ((1u << 30) - 1)
#define FIELDS_NPROBES 3

/* A field spoord derives, checked at its source.  read: the event field
 * the rules read after the logsource mapping ("Task*": every Task field of
 * the task XML); field, alt: the telemetry fields that serve. */
struct fields_derived {
        const char *channel;
        uint16_t event_id;
        const char *read;
        const char *field, *alt;
        const char *note;               /* why the gap names field (evidence) */
        const char *hint;               /* a known cause (remedy), or NULL */
};

struct fields_field {
        const char *probe[FIELDS_NPROBES];      /* present when any is in the event; NULL-padded */
        bool interned[FIELDS_NPROBES];
        const struct fields_derived *via;       /* NULL: the rules read it as it is */
};

struct fields_entry {
        uint32_t chan;
        uint16_t event_id;              /* 0: every event of the channel */
        uint32_t first, n;              /* its slots */
};

struct fields_slot {
        uint32_t field, entry;
};

struct fields_chan {
        const char *name;               /* a variant's source.channel (the ruleset's) */
        uint32_t lo, hi;                /* its entries */
        int32_t any;                    /* its event id 0 entry, -1: none */
};

/* A field a variant requires on one of its event ids. */
struct fields_req {
        uint16_t event_id;
        const char *name;               /* the event field as the rules read it (fields_keep) */
};

struct fields_var {
        const struct sigma_variant *v;
        int32_t chan;                   /* -1: no required field, or no channel */
        uint32_t eid, neid;             /* its event ids in eids (one 0: any event of the channel) */
        uint32_t req, nreq;             /* in reqs */
};

struct cov_fields_tab {
        struct fields_chan *chans;
        size_t nchans;
        struct fields_field *fields;
        size_t nfields;
        struct fields_entry *entries;
        size_t nentries;
        struct fields_slot *slots;
        size_t nslots;
        struct fields_var *vars;        /* every variant, rule by rule */
        size_t nvars;
        uint32_t *rule_vars;            /* rule i's variants: [rule_vars[i], rule_vars[i + 1]) */
        size_t nrules;
        uint16_t *eids;
        size_t neids;
        struct fields_req *reqs;
        size_t nreqs;
        char **owned;                   /* names intern() refused */
        size_t nowned;
};

/* fields_need.c */
void fields_tab_free(struct cov_fields_tab *t);
/* The name a gap carries for the field the rules read as `read` on
 * (channel, event id): the telemetry field a derived one comes from. */
const char *fields_gap_name(const char *channel, uint16_t event_id, const char *read);
