/* Private to daemon/engine/: noise control between the engine's leads and
 * the spool (daemon/engine/noise.c) — suppression of repeated leads
 * (suppress.c) and escalation by host (risk.c), DESIGN §5 "Noise".
 *
 * The engine describes each lead it is about to write (noise_lead_match,
 * noise_lead_corr), asks noise_admit whether to write it, and after writing
 * it calls noise_written.  Summaries and escalations are written to the
 * engine's spool by noise.c itself.  Suppression hides leads from the
 * spool only: correlations still read every match. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "spoor/correlate.h"
#include "spoor/record.h"

struct config;
struct engine;
struct sigma_corr;
struct sigma_rule;
struct winevent;

/* A lead about to be written. */
struct noise_lead {
        const struct sigma_rule *rule;          /* the rule, or the correlation's meta */
        const struct sigma_corr *corr;          /* NULL for a match */
        const char *group;                      /* group key: the host, or the joined group-by values */
        char host[256];                         /* the lead's host ("*": a correlation across hosts) */
        int64_t time_us, recv_us;
        struct corr_event first;                /* its first event */
        char id[RECORD_ID_LEN + 1];             /* its id, as the record will carry it */
};

struct noise;

/* NULL on ENOMEM.  e must outlive it. */
struct noise *noise_new(struct engine *e);
void noise_free(struct noise *n);

/* Windows, thresholds and scores from the configuration (at start and on
 * reload; open windows and host scores are kept).  0 or -ENOMEM. */
int noise_configure(struct noise *n, const struct config *cfg);

void noise_lead_match(struct noise_lead *l, const struct sigma_rule *r, const struct winevent *ev);
void noise_lead_corr(struct noise_lead *l, const struct sigma_corr *c, const struct corr_fire *f);

/* true: write the lead; false: suppressed (counted).  May first write the
 * summaries of windows the lead's time ended. */
bool noise_admit(struct noise *n, const struct noise_lead *l);

/* The lead was written: it counts towards its host's escalation (which may
 * be written now). */
void noise_written(struct noise *n, const struct noise_lead *l);

/* Processing time passed (engine_advance); INT64_MAX ends every window. */
void noise_advance(struct noise *n, int64_t now_us);

/* Every suppression window ends now (its summary is written): before the
 * ruleset the windows point into goes (reload, exit). */
void noise_flush(struct noise *n);
