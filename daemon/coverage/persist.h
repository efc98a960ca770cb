/* The coverage model across restarts, beyond coverage_save /
 * coverage_restore (include/spoor/coverage.h): what a restore kept and
 * dropped, and the state_lost gap that says a restart lost state
 * (daemon/coverage/persist.c).  spoord.c is the only other user. */
#pragma once
#include <stdint.h>

#include "spoor/coverage.h"
#include "spoor/record.h"

/* At most this many channels per host are restored; the rest are dropped
 * (counted in chans_dropped). */

struct coverage_restored {
        uint64_t hosts, chans, gaps;    /* restored (gaps: host and fleet gaps) */
        uint64_t hosts_dropped;         /* the least recently seen beyond max_hosts, with their gaps */
        uint64_t chans_dropped;         /* beyond COVERAGE_MAX_CHANS on a host */
        uint64_t gaps_skipped;          /* of a kind this spoord does not know (a newer one saved them) */
};

/* coverage_restore, saying what it kept in *out (zeroed first). */
int coverage_restore_counted(struct coverage *cov, struct state_reader *r, struct coverage_restored *out);

/* The longest timespan of the windowed correlations in the loaded rules
 * (first_seen excluded), 0 when there are none: how long a partial match
 * lost with the state could still have completed. */
int64_t coverage_longest_window(const struct coverage *cov);

/* Open a state_lost gap on host "*" (the fleet's gaps), opened at now_us:
 * receive (wall-clock) time, since the loss is spoord's, not a host's.
 * blinds: the windowed correlation rules (their partial matches were
 * lost).  Written at once; its id into id (may be NULL).  0 or -ENOMEM. */
int coverage_state_lost(struct coverage *cov, const char *evidence, const char *remedy, int64_t now_us,
                        char id[RECORD_ID_LEN + 1]);

/* Close, at now_us, every open state_lost gap opened at least after_us
 * before now_us.  Returns when the next one still open is due
 * (opened_us + after_us), INT64_MAX when none is open. */
int64_t coverage_state_lost_due(struct coverage *cov, int64_t now_us, int64_t after_us);
