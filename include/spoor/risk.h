/* Escalation by host (daemon/engine/risk.c), DESIGN §5 "Noise": leads are
 * weak alone; a host whose leads add up escalates.
 *
 * Every lead written for a host adds its level's score and its ATT&CK
 * tactics (tags attack.<tactic>, e.g. attack.persistence,
 * attack.privilege-escalation or attack.privilege_escalation) to the
 * host's sliding window in event time.  When the leads within
 * `window_us` of the host's newest lead reach `score_threshold`, or span
 * `tactic_threshold` distinct tactics, the host escalates once: the
 * escalation names the score, the tactics and the contributing leads.  It
 * does not escalate again until its newest lead is at least `window_us`
 * after the one that escalated it (the window slid past), and then only on
 * leads after that one.
 *
 * A lead older than the host's window (out of order) is ignored.
 *
 * Bounds.  At most max_hosts hosts (least recently used evicted, counted);
 * per host the newest RISK_MAX_LEADS leads of the window are kept (older
 * ones are dropped from the sum, counted in truncated). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/correlate.h"
#include "spoor/record.h"
#include "spoor/sigma.h"

#define RISK_MAX_LEADS 32

/* ATT&CK enterprise tactics, in kill-chain order (the bit of a tactic is
 * 1u << enum value). */
enum risk_tactic {
        RISK_RECONNAISSANCE,
        RISK_RESOURCE_DEVELOPMENT,
        RISK_INITIAL_ACCESS,
        RISK_EXECUTION,
        RISK_PERSISTENCE,
        RISK_PRIVILEGE_ESCALATION,
        RISK_DEFENSE_EVASION,
        RISK_STEALTH,
        RISK_CREDENTIAL_ACCESS,
        RISK_DISCOVERY,
        RISK_LATERAL_MOVEMENT,
        RISK_COLLECTION,
        RISK_COMMAND_AND_CONTROL,
        RISK_EXFILTRATION,
        RISK_IMPACT,
        _RISK_TACTIC_MAX,
        _RISK_TACTIC_INVALID = -1,
};

const char *risk_tactic_name(enum risk_tactic t);      /* "privilege-escalation", NULL out of range */

/* "attack.privilege-escalation", "attack.Privilege_Escalation" → the
 * tactic; technique tags (attack.t1053.005), groups and anything else →
 * _RISK_TACTIC_INVALID. */
enum risk_tactic risk_tactic_from_tag(const char *tag);

/* The tactics of a tag list, as a bit set. */
uint32_t risk_tactics(char *const *tags, size_t ntags);

/* One lead written for a host. */
struct risk_lead {
        const char *host;
        int64_t time_us;                /* event time */
        int64_t recv_us;                /* processing time (0: unknown) */
        enum sigma_level level;
        char *const *tags;
        size_t ntags;
        const char *id;                 /* lead id */
        const struct corr_event *event; /* its first event */
};

/* A host escalated.  Valid during the call. */
struct risk_escalation {
        const char *host;
        uint64_t score;                 /* summed over the contributing leads */
        uint32_t tactics;               /* bit set of enum risk_tactic */
        size_t ntactics;
        bool by_score, by_tactics;      /* which threshold was reached (both may) */
        int64_t first_us, last_us;      /* event times of the oldest / newest contributing lead */
        const char (*ids)[RECORD_ID_LEN + 1];   /* contributing leads, oldest first */
        const struct corr_event *events;        /* their first events, same order */
        size_t nleads;
};

struct risk_opts {
        int64_t window_us;              /* default 1 h (≤ 0: default) */
        uint64_t scores[_SIGMA_LEVEL_MAX];      /* per level; all 0: 1, 2, 5, 10, 20 */
        uint64_t score_threshold;       /* 0: off */
        size_t tactic_threshold;        /* 0: off */
        size_t max_hosts;               /* default 100000 (0: default) */
        void (*escalate)(void *ud, const struct risk_escalation *x);      /* must not call back in */
        void *ud;
};

/* The defaults above, with score_threshold 0 and tactic_threshold 3. */
void risk_opts_init(struct risk_opts *o);

struct risk_stats {
        uint64_t leads;                 /* leads added */
        uint64_t ignored;               /* older than the host's window, or no host */
        uint64_t escalations;
        uint64_t evicted;               /* hosts evicted by the bound */
        uint64_t truncated;             /* leads dropped by the per-host cap */
        size_t hosts;
        size_t state_bytes;
};

struct risk;

/* NULL with errno ENOMEM.  o: NULL for the defaults. */
struct risk *risk_new(const struct risk_opts *o);
void risk_free(struct risk *r);

/* New thresholds, window and scores (reload); host state is kept.  The
 * callback and the bound stay as they were. */
void risk_configure(struct risk *r, const struct risk_opts *o);

/* Add a written lead; may deliver one escalation for its host. */
void risk_observe(struct risk *r, const struct risk_lead *l);

/* Processing time passed: forget hosts without a lead for window_us of
 * processing time (checked at most once a minute).  INT64_MAX forgets every
 * host.  Never escalates. */
void risk_advance(struct risk *r, int64_t now_us);

const struct risk_stats *risk_stats(const struct risk *r);
