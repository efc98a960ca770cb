/* Events → leads (daemon/engine/engine.c): evaluate each accepted event
 * against the ruleset and write a lead record to the spool for every
 * matching rule.  One engine per process, used by the live daemon and by
 * --replay alike, so both write the same leads for the same events. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "spoor/correlate.h"
#include "spoor/coverage.h"
#include "spoor/enrich.h"
#include "spoor/ruleset.h"
#include "spoor/spool.h"
#include "spoor/winevent.h"

struct config;

struct engine {
        struct ruleset *rs;             /* owned; swapped on reload */
        struct spool *spool;            /* owned; NULL = leads are counted, not written */
        struct correlator *corr;        /* owned; NULL when the ruleset has no correlations */
        struct corr_opts corr_opts;     /* lateness, skew (engine_configure) */
        struct corr_spec *specs;        /* the correlator's copy of the ruleset's windowed specs */
        size_t *corr_idx;               /* ruleset correlation → correlator index (SIZE_MAX: first_seen) */
        size_t *corr_rule;              /* correlator index → ruleset correlation */
        size_t ncorr_specs;             /* windowed correlations (the correlator's count) */
        struct firstseen *fs;           /* owned; NULL when no correlation is first_seen */
        size_t max_first_seen;          /* limits.max_first_seen (engine_configure) */
        uint64_t fs_evicted_reported;   /* fs's evictions already added to the metric */
        struct noise *noise;            /* owned; suppression and escalation (engine/noise.c) */
        struct enrich *enrich;          /* owned; fields added before evaluation (engine/enrich.c) */
        struct coverage *cov;           /* owned; telemetry gaps → gaps.jsonl (coverage/coverage.c) */
        bool report_on;                 /* report_dirfd is the open spool directory */
        int report_dirfd;               /* coverage.json, attack-layer.json (include/spoor/report.h) */
        int64_t report_interval_us;     /* coverage.interval */
        int64_t report_grace_us;        /* coverage.grace: live = within 2 x grace of the newest event */
        int64_t report_last_us;         /* processing time of the last write */
        bool report_final;              /* the end-of-input report is written and nothing came since */
        uint64_t events;                /* events evaluated */
        uint64_t candidates;            /* rule variants evaluated */
        uint64_t leads;
        uint64_t record_errors;
        bool replay;                    /* set before engine_configure: input from files (no receive time) */
};

/* Take the time settings from the configuration and (re)build the
 * correlator for the current ruleset.  0 or -ENOMEM. */
int engine_configure(struct engine *e, const struct config *cfg);

/* Enrich one event (include/spoor/enrich.h: InChangeWindow,
 * SubjectLogonPrivileged), evaluate it, write its leads (matches, and
 * correlations that complete with it). */
void engine_event(struct engine *e, struct winevent *ev);

/* The part of engine_event() that reads only the event and the ruleset
 * (the literal prefilter, ruleset_prescan), into ev->prep (a struct
 * ruleset_pre), on the decoding thread: the pipeline sink's prepare
 * (include/spoor/pipeline.h), with prepare_size ENGINE_PREP_SIZE.  The
 * ruleset must not change before engine_event() takes the event (a
 * reload syncs the pipeline first); engine_event() ignores a ev->prep
 * computed for another ruleset. */
#define ENGINE_PREP_SIZE sizeof(struct ruleset_pre)
void engine_prepare(struct engine *e, struct winevent *ev);

/* A frame the pipeline rejected: evidence for coverage (sender_truncation). */
void engine_reject(struct engine *e, const char *peer, enum reject_reason why, const char *data, size_t len);
/* A frame that decoded: its source and length (coverage_frame_ok). */
void engine_accepted(struct engine *e, const char *peer, size_t len, int64_t time_us);

/* Let processing time pass (live: from a timer, while input may be idle);
 * INT64_MAX at the end of a replay decides every open window (and
 * confirms the record-number holes still pending: coverage_flush).  With
 * a spool, coverage.json and attack-layer.json are rewritten every
 * coverage.interval of it, at INT64_MAX and at engine_fini. */
void engine_advance(struct engine *e, int64_t now_us);

/* Replace the ruleset (reload): the old one is freed, and with it the
 * correlation windows (they restart empty). */
void engine_swap(struct engine *e, struct ruleset *rs);

void engine_fini(struct engine *e);

/* Load the rules the configuration names (rules[], placeholders).  0 or
 * <0 with rep->error (file:line:column) — see ruleset_load(). */
int engine_load_rules(const struct config *cfg, struct ruleset **out, struct ruleset_report *rep);

/* Log each rule problem (info) and the summary (notice). */
void engine_log_report(const struct ruleset_report *rep);

/* Open the spool (dir_override, else cfg->spool_dir).  0 or <0 with err. */
int engine_open_spool(struct engine *e, const struct config *cfg, const char *dir_override, char *err,
                      size_t errlen);

/* Persistence (include/spoor/state.h): the correlation windows under their
 * rules' ids, so a restart (or a reload) with changed rules keeps the
 * windows of the correlations that remain.  save: w's error.  restore: into
 * a new correlator (after engine_configure, before any event); nothing to
 * do without correlations; 0 or <0 with r->why (see correlator_restore). */
int engine_state_save(const struct engine *e, struct state_writer *w);
int engine_state_restore(struct engine *e, struct state_reader *r);

/* The first_seen baselines (include/spoor/firstseen.h), saved apart from
 * the windows (<state_dir>/first_seen.state) under their rules' ids and
 * signatures.  save: w's error.  restore: after engine_configure, before
 * any event; nothing to do without first_seen correlations; 0 or <0 with
 * r->why (see firstseen_restore).  A reload carries the baselines of the
 * first_seen correlations that remain by itself (engine_swap /
 * engine_configure). */
int engine_first_seen_save(const struct engine *e, struct state_writer *w);
int engine_first_seen_restore(struct engine *e, struct state_reader *r);
