/* Private to the rule loader (sigma_load.c, corr_load.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spoor/ruleset.h"

struct json_object;

#define LOAD_MAX_DEPTH 32
#define LOAD_MAX_FILES 100000

struct load_pending {
        struct sigma_rule *rule;
        struct sigma_variant *variants;
        size_t nvariants;
};

struct load_filter {
        char *file;
        unsigned line;
        char *name;
        struct json_object *doc;        /* owned reference */
};

struct loader {
        const struct ruleset_opts *o;
        struct ruleset_report *rep;
        char **files;
        size_t nfiles, files_cap;
        struct load_pending *rules;
        size_t nrules, rules_cap;
        struct load_filter *filters;
        size_t nfilters;
        struct sigma_corr *corrs;
        size_t ncorrs;
};

/* A rule skipped whole: counted in rep->unsupported. */
#define load_unsupported(L, ...) do { (L)->rep->unsupported++; load_problem((L), __VA_ARGS__); } while (0)

char *xstrdup(const char *s);
__attribute__((format(printf, 5, 6)))
void load_problem(struct loader *L, const char *file, unsigned line, const char *rule, const char *fmt, ...);
/* A string member of o, or NULL. */
const char *load_str(struct json_object *o, const char *key);
/* A string or a list of strings → a vector.  0, -EINVAL (wrong type) or -ENOMEM. */
int load_strv(struct json_object *o, const char *key, char ***out, size_t *n);
/* The pending detection rule with this id or name, or NULL. */
struct load_pending *load_find(struct loader *L, const char *id);
/* The id a rule is known by: id, else name, else "file#document" (*fallback, caller frees). */
const char *load_rule_id(struct json_object *doc, const char *file, unsigned docno, char **fallback);
/* The metadata every rule and correlation carries.  0 or -ENOMEM. */
int load_meta(struct json_object *doc, const char *id, const char *file, unsigned line,
              enum sigma_level default_level, struct sigma_rule **out);

/* The custom attribute `suppress:` — absent or null: 0 (the config's
 * default); 0, "0", "0s": SIGMA_SUPPRESS_OFF; else a timespan in µs.
 * 0 or -EINVAL. */
int load_suppress(struct json_object *doc, int64_t *out);

/* corr_load.c */
/* "5m", "30s", "1h", "2d", "1w": a number and one unit, in µs.  -1 when invalid. */
int64_t load_timespan(struct json_object *v);
/* One `correlation:` document.  0 (loaded or reported) or -ENOMEM. */
int load_correlation(struct loader *L, const char *file, unsigned line, unsigned docno, struct json_object *doc);
/* Resolve references, record observers and quiet rules.  0, -ENOMEM, or
 * -ELOOP with rep->error for a chain that loops. */
int load_resolve_correlations(struct loader *L);
