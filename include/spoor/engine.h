/* Events → leads (daemon/engine/engine.c): evaluate each accepted event
 * against the ruleset and write a lead record to the spool for every
 * matching rule.  One engine per process, used by the live daemon and by
 * --replay alike, so both write the same leads for the same events. */
#pragma once
#include <stdint.h>
#include "spoor/ruleset.h"
#include "spoor/spool.h"
#include "spoor/winevent.h"

struct engine {
        struct ruleset *rs;             /* owned; swapped on reload */
        struct spool *spool;            /* owned; NULL = leads are counted, not written */
        uint64_t events;                /* events evaluated */
        uint64_t candidates;            /* rule variants evaluated */
        uint64_t leads;
        uint64_t record_errors;
};

/* Evaluate one event; write its leads. */
void engine_event(struct engine *e, struct winevent *ev);

/* Replace the ruleset (reload): the old one is freed. */
void engine_swap(struct engine *e, struct ruleset *rs);

void engine_fini(struct engine *e);

struct config;

/* Load the rules the configuration names (rules[], placeholders).  0 or
 * <0 with rep->error (file:line:column) — see ruleset_load(). */
int engine_load_rules(const struct config *cfg, struct ruleset **out, struct ruleset_report *rep);

/* Log each rule problem (info) and the summary (notice). */
void engine_log_report(const struct ruleset_report *rep);

/* Open the spool (dir_override, else cfg->spool_dir).  0 or <0 with err. */
int engine_open_spool(struct engine *e, const struct config *cfg, const char *dir_override, char *err,
                      size_t errlen);
