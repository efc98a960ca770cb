/* Which spool records `spoorctl tail` shows (daemon/ctl/filter.c): by
 * kind, rule level, host, rule and the time spoord wrote them.  Filters
 * combine (all must hold); the values of one filter are any-of. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/sigma.h"

#define FILTER_MAX_KINDS 32

struct json_object;

struct filter {
        const char *kinds[FILTER_MAX_KINDS];
        size_t nkinds;
        bool level[_SIGMA_LEVEL_MAX];
        bool by_level;
        const char *host;
        const char *rule;
        bool by_since;
        int64_t since_us;
};

/* --kind a,b: "lead", "gap", a lead kind or a gap kind.  arg is split in
 * place and kept (argv memory).  0, or -EINVAL (printed). */
int filter_parse_kinds(struct filter *fl, char *arg);

/* --level low,high+ ("high+": high and above; "info" for informational).
 * 0, or -EINVAL (printed). */
int filter_parse_levels(struct filter *fl, char *arg);

/* A lead kind (or "lead"), not a gap's. */
bool filter_kind_is_lead(const char *k);

/* When spoord wrote the record (emitted; else its time; else 0), µs. */
int64_t filter_order(struct json_object *rec);

/* Whether rec passes every filter; order = filter_order(rec).  --level
 * keeps leads only (gaps have no level); --rule matches a lead's rule id
 * or title, a gap's blinded rules; globs are case-insensitive. */
bool filter_match(const struct filter *fl, struct json_object *rec, int64_t order);
