/* Private to daemon/coverage: field_missing for any field the loaded rules
 * need (the decisions are in fields.c).  Plain data: a host channel keeps
 * one 8-byte observation per (event id, field) pair the rules need and the
 * host sent, at most COV_FIELDS_MAX_PAIRS of them. */
#pragma once
#include <stdint.h>

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

#define COV_FIELDS_MIN_EVENTS 50        /* events of one id without the field before a gap opens */
#define COV_FIELDS_MAX_PAIRS 256        /* (event id, field) pairs observed per host channel */
#define COV_FIELDS_MAX_GAPS 16          /* open field_missing gaps per host (from this file) */

struct cov_fields_tab;                  /* what the rules need: built by cov_fields_set_rules */

/* One needed (event id, field) pair on one host channel.  count: events of
 * that id seen while the field was never present (saturates). */
struct cov_fields_obs {
        uint32_t slot;                  /* the pair in the table (entry's first slot + field) */
        uint32_t count : 30;
        uint32_t present : 1;           /* the field was in one of them (even empty) */
        uint32_t tried : 1;             /* COV_FIELDS_MIN_EVENTS reached and a gap opened or refused */
};

struct cov_fields_fleet {
        struct cov_fields_tab *tab;     /* NULL: no rules, or none needs a field */
        uint64_t pairs_dropped;         /* pair observations not kept: the host channel was full */
        uint64_t gaps_capped;           /* gaps not opened: the host had COV_FIELDS_MAX_GAPS open */
};

struct cov_fields_host {
        uint32_t gaps_capped;           /* the same, for this host */
};

struct cov_fields_chan {
        struct cov_fields_obs *obs;     /* sorted by slot; an entry's slots are contiguous */
        uint16_t nobs, cap;
        int32_t tchan;                  /* index of the channel in the table, -1: no rule reads it */
        unsigned gen;                   /* cov->gen tchan and obs belong to */
};
