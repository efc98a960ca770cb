/* Private to daemon/coverage: the model's structures, shared by the gap
 * families that live in their own files (twins.c, silence.c, sender.c,
 * fields.c, persist.c).  coverage.c owns hosts, channels, the record
 * sequence, channel_missing and the 4688 command line; each family keeps
 * its own per-fleet, per-host and per-channel part (its header) and is
 * called through the hooks below.
 *
 * Hook rules: hooks never free or move hosts or channels; a hook that opens
 * a gap calls cov_open() (or gaps_open() on cov->fleet_gaps for gaps that
 * belong to no host); a hook that closes one calls gaps_close(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spoor/coverage.h"
#include "spoor/gaps.h"
#include "spoor/recordseq.h"
#include "spoor/reject.h"
#include "spoor/ruleset.h"
#include "spoor/winevent.h"

#include "fields.h"
#include "sender.h"
#include "silence.h"
#include "twins.h"

struct cov_chan {
        char *name;
        int64_t first_us, last_us;
        uint64_t count;
        struct coverage_eid *eids;              /* the event ids seen, sorted; at most COVERAGE_MAX_EIDS */
        size_t neids;
        uint64_t eids_dropped;                  /* events of ids beyond the cap */
        struct recordseq seq;
        uint64_t in_order_quiet;                /* in-order records since the last hole confirmed */
        struct cov_silence_chan silence;
        struct cov_fields_chan fields;
};

struct cov_host {
        char *name;
        uint64_t hash;
        struct cov_host *hnext;                 /* bucket chain */
        struct cov_host *prev, *next;           /* LRU: head = most recent */
        int64_t first_us, last_us;
        struct cov_chan *chans;
        size_t nchans, cap;
        unsigned checked_gen;                   /* channel_missing checked for this rules generation */
        struct gap_list gaps;
        struct cov_twins_host twins;
        struct cov_silence_host silence;
        struct cov_sender_host sender;
        struct cov_fields_host fields;
};

struct cov_need {
        char *channel;
        uint16_t event_id;                      /* the first event id a variant needs (0: any) */
        size_t *rules;                          /* the rules (ruleset index) with a variant reading it */
        size_t nrules;
};

struct coverage {
        struct coverage_opts o;
        struct gaps *gaps;
        struct cov_host **buckets;
        size_t nbuckets, nhosts;
        struct cov_host *lru_head, *lru_tail;
        const struct ruleset *rs;
        struct cov_need *needs;
        size_t nneeds;
        unsigned gen;                           /* bumped by coverage_set_rules */
        int64_t newest_us;                      /* the newest event time seen (any host) */
        struct gap_list fleet_gaps;             /* gaps of no one host (host "*", or a sender) */
        struct cov_twins_fleet twins;
        struct cov_silence_fleet silence;
        struct cov_sender_fleet sender;
        struct cov_fields_fleet fields;
};

/* coverage.c */
uint64_t cov_hash(const char *s);              /* of a host name: the table's (FNV-1a) */
void cov_open(struct coverage *cov, struct cov_host *h, struct gap *g);
struct cov_host *cov_host_find(const struct coverage *cov, const char *name);
struct cov_chan *cov_chan_find(const struct cov_host *h, const char *name);
/* Add to g the rules (id, title) that read `channel` and, on host h,
 * cannot fire: every variant needs a channel h does not send.  With
 * all_rules, every rule that reads channel (the channel itself is gone). */
void cov_blinds_channel(const struct coverage *cov, const struct cov_host *h, struct gap *g, const char *channel,
                        bool all_rules);

/* twins.c: audit_off from twin events */
void cov_twins_set_rules(struct coverage *cov);
void cov_twins_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev);
void cov_twins_flush(struct coverage *cov, struct cov_host *h);
void cov_twins_host_fini(struct cov_host *h);
void cov_twins_fleet_fini(struct coverage *cov);

/* silence.c: host_silent, channel_silent */
void cov_silence_event(struct coverage *cov, struct cov_host *h, struct cov_chan *c, const struct winevent *ev);
void cov_silence_host_fini(struct cov_host *h);

/* sender.c: clock_skew (from accepted events), sender_truncation (from
 * rejected frames: coverage_reject) */
void cov_sender_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev);
void cov_sender_host_fini(struct cov_host *h);
void cov_sender_fleet_fini(struct coverage *cov);

/* fields.c: field_missing for any field the loaded rules need */
int cov_fields_set_rules(struct coverage *cov);
void cov_fields_event(struct coverage *cov, struct cov_host *h, struct cov_chan *c, const struct winevent *ev);
void cov_fields_host_fini(struct cov_host *h);
void cov_fields_chan_fini(struct cov_chan *c);
void cov_fields_fleet_fini(struct coverage *cov);
