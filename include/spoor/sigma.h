/* The compiled Sigma rule model shared by the loader (sigma_load.c), the
 * ruleset (ruleset.c), the lead records (record.c) and `spoord --check`. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/logsource.h"
#include "spoor/match.h"
#include "spoor/sigma_cond.h"
#include "spoor/correlate.h"

enum sigma_level {
        SIGMA_LEVEL_INFORMATIONAL,
        SIGMA_LEVEL_LOW,
        SIGMA_LEVEL_MEDIUM,
        SIGMA_LEVEL_HIGH,
        SIGMA_LEVEL_CRITICAL,
        _SIGMA_LEVEL_MAX,
        _SIGMA_LEVEL_INVALID = -1,
};

const char *sigma_level_name(enum sigma_level l);
enum sigma_level sigma_level_from_name(const char *s);

/* A correlation that reads a rule's (or a correlation's) matches: it is
 * referenced rule `ref` of correlation `ci`. */
struct sigma_observer {
        uint32_t ci;
        uint16_t ref;
};

/* A rule's metadata, shared by its variants. */
struct sigma_rule {
        char *id;               /* rule id (or name, or file:document when neither) */
        char *name;             /* optional Sigma `name` */
        char *title;
        char *status;           /* "" when absent */
        enum sigma_level level;
        char *description;
        char *file;             /* where it came from */
        unsigned line;
        char **tags;
        size_t ntags;
        char **fields;          /* `fields:` — what the analyst looks at next */
        size_t nfields;
        char **falsepositives;
        size_t nfalsepositives;
        struct sigma_observer *observers;       /* correlations that read its matches */
        size_t nobservers;
        bool quiet;             /* referenced by correlations, none with `generate: true`:
                                 * its own matches write no lead */
        int64_t suppress_us;    /* top-level `suppress:` (a custom attribute): 0 = not given (the
                                 * config's `suppress` applies), SIGMA_SUPPRESS_OFF = `suppress: 0`,
                                 * else the window of repeated leads (include/spoor/suppress.h) */
};

#define SIGMA_SUPPRESS_OFF ((int64_t)-1)

/* A Sigma correlation rule (correlation: type, rules, aliases, group-by,
 * timespan, condition, generate). */
struct sigma_corr {
        struct sigma_rule *meta;        /* id, name, title, level, tags... (owned) */
        struct corr_spec spec;
        char **refs;                    /* referenced rules, as written (id or name) */
        char **group_by;
        size_t ngroup_by;
        /* alias_fields[g * spec.nrefs + r]: the field referenced rule r calls
         * group-by entry g (from `aliases`); NULL = the entry's own name. */
        char **alias_fields;
        char *value_field;              /* condition.field (value_* types) */
        bool generate;
        /* Extension `type: first_seen` (include/spoor/firstseen.h): on is
         * true for it, and then `spec` is not a windowed correlation
         * (spec.nrefs still counts `refs`; the windowed correlator never
         * sees it).  fields: the combination whose values are new for the
         * group; history: how long a combination stays known (default
         * 30d); learning: event time after the first observation during
         * which nothing fires (default 0). */
        struct {
                bool on;
                char **fields;
                size_t nfields;
                int64_t history_us;
                int64_t learning_us;
        } first_seen;
};

/* One selection (detection identifier): OR over groups, each an AND of
 * items.  A map is one group, a list of maps is one group per map, a list
 * of keywords is one group with one keyword item. */
struct sigma_group {
        struct match_item **items;
        size_t nitems;
};

struct sigma_selection {
        char *name;
        struct sigma_group *groups;
        size_t ngroups;
};

/* A Sigma filter document applied to this rule: the rule matches only
 * when every filter's condition is YES too. */
struct sigma_filter {
        struct sigma_selection *sels;
        size_t nsels;
        struct cond_node *cond;
};

/* A rule compiled for one telemetry source. */
struct sigma_variant {
        const struct sigma_rule *rule;
        struct logsource_variant source;        /* channel, event ids, mapping */
        uint16_t event_ids[64];         /* what it needs: from the logsource, or from the
                                         * detection's required EventID values */
        size_t nevent_ids;              /* 0 = any event of the channel */
        struct sigma_selection *sels;
        size_t nsels;
        struct cond_node *cond;
        struct sigma_filter *filters;
        size_t nfilters;
        const char **needs_fields;      /* event fields the variant reads (coverage) */
        size_t nneeds_fields;
};

#define SIGMA_MAX_SELECTIONS 64         /* per rule (and per filter) */
