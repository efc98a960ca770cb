/* Private to daemon/coverage: the state of the sender gaps, clock_skew and
 * sender_truncation (see sender.c for the decisions).  Plain data.  A
 * host's skew samples are allocated at its first event outside
 * coverage.max_skew and freed once it is back in range, so a host with a
 * right clock costs 16 bytes; the truncation table is allocated at the
 * first truncated frame. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spoor/winevent.h"

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

/* clock_skew.  A host's offset (receive time - event time) is sampled at
 * most every COV_SKEW_SPAN / (COV_SKEW_SAMPLES - 1) of receive time (2 s),
 * so a full ring always spans at least COV_SKEW_SPAN whatever the host's
 * rate.  30 s: the halves' centres are then >= 16 s apart, so a backlog
 * whose event time runs 1.12x receive time or faster moves the offset by
 * more than the drift allowed below (1 s + 5 % of 16 s); short enough for
 * a live test (tests/clients/clock_skew.sh runs in about 45 s). */
#define COV_SKEW_SAMPLES 16
#define COV_SKEW_SPAN (30 * INT64_C(1000000))           /* µs of receive time */
/* Steady: between the older and the newer half of the samples the median
 * offset moves by at most COV_SKEW_JITTER + COV_SKEW_DRIFT_PCT % of the
 * receive time between them (a wrong clock: ~0; a backlog: the rate at
 * which it drains), and all offsets lie within max_skew / 2. */
#define COV_SKEW_DRIFT_PCT 5
#define COV_SKEW_JITTER INT64_C(1000000)                /* forwarder batching */
/* Consecutive events within max_skew that close the gap. */
#define COV_SKEW_CLEAR 8

struct cov_skew_ring {
        int64_t recv_us[COV_SKEW_SAMPLES];
        int64_t skew_us[COV_SKEW_SAMPLES];
        unsigned n, next;                       /* samples held; the next slot */
        int64_t run_first_us;                   /* receive time of the run's first event */
        uint64_t run_events;                    /* events in the run (all outside, one sign) */
};

/* sender_truncation.  Sizes are listed in sender.c; at most COV_TRUNC_MAX
 * open gaps are tracked (beyond, the evidence is counted in
 * cov_sender_fleet.dropped and logged, no gap is opened). */
#define COV_TRUNC_MAX 256
#define COV_TRUNC_WHO_MAX (EVENT_HOST_MAX + 5)  /* "peer:" + an address or source name */
#define COV_TRUNC_WHAT_MAX 96                   /* "<channel> <event id>" of the first frame */

struct cov_trunc {
        char who[COV_TRUNC_WHO_MAX + 1];        /* the host, or "peer:<address>": the gap's host */
        uint32_t size;                          /* the gap's key */
        uint64_t frames;                        /* 0: adopted from the state file, not counted */
        char what[COV_TRUNC_WHAT_MAX];
        char how[48];                           /* how the first frame measured the size */
        int why;                                /* enum reject_reason of the first frame */
};

struct cov_sender_fleet {
        struct cov_trunc *trunc;                /* the open sender_truncation gaps */
        size_t ntrunc, cap;
        uint32_t min_size;                      /* the smallest size among them (0: none) */
        uint64_t dropped;                       /* truncated frames not tracked (COV_TRUNC_MAX) */
        bool synced;                            /* gaps adopted from the state file are tracked */
};

struct cov_sender_host {
        struct cov_skew_ring *ring;             /* NULL unless the host is outside max_skew */
        uint32_t in_range;                      /* consecutive events within max_skew */
};

/* skew.c: clock_skew from one accepted event (called by cov_sender_event) */
void cov_skew_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev);
