/* Events → leads: the ruleset's hits become lead records in the spool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/config.h"
#include "spoor/engine.h"
#include "spoor/log.h"
#include "spoor/metrics.h"
#include "spoor/record.h"
#include "spoor/timefmt.h"

#define ENGINE_MAX_FIELDS 128

struct engine_hit {
        struct engine *e;
};

/* "selection_img and selection_cli matched (filters: 1 passed)" */
static void engine_why(const struct sigma_variant *v, const enum tri *sel, char *buf, size_t len)
{
        size_t off = 0, n = 0;

        for (size_t i = 0; i < v->nsels && off < len; i++) {
                if (sel[i] != TRI_YES)
                        continue;
                off += (size_t)snprintf(buf + off, len - off, "%s%s", n++ ? ", " : "", v->sels[i].name);
        }
        if (off < len)
                off += (size_t)snprintf(buf + off, len - off, n ? " matched" : "condition held");
        for (size_t i = 0, m = 0; i < v->nsels && off < len; i++) {
                if (sel[i] != TRI_NO)
                        continue;
                off += (size_t)snprintf(buf + off, len - off, "%s%s", m++ ? ", " : "; not ", v->sels[i].name);
        }
        if (v->nfilters && off < len)
                snprintf(buf + off, len - off, "; %zu filter%s passed", v->nfilters, v->nfilters > 1 ? "s" : "");
}

static void engine_hit(void *ud, const struct sigma_variant *v, const enum tri *sel, struct winevent *ev)
{
        struct engine *e = ud;
        const struct sigma_rule *r = v->rule;
        const char *fields[ENGINE_MAX_FIELDS];
        size_t nf = 0;
        char why[512];
        char *line = NULL;
        size_t len = 0;
        int rc;

        for (size_t i = 0; i < v->nneeds_fields && nf < ENGINE_MAX_FIELDS; i++)
                fields[nf++] = v->needs_fields[i];
        for (size_t i = 0; i < r->nfields && nf < ENGINE_MAX_FIELDS; i++) {
                const char *f = logsource_map_field(&v->source, r->fields[i]);
                if (f)
                        fields[nf++] = f;
        }
        engine_why(v, sel, why, sizeof(why));
        rc = record_lead_match(r, ev, fields, nf, why, timefmt_now_us(), &line, &len);
        if (rc < 0) {
                e->record_errors++;
                log_limited(300, LOG_ERR, "lead for rule %s: cannot build the record: %s", r->id, strerror(-rc));
                return;
        }
        e->leads++;
        if (r->level >= 0 && r->level < _SIGMA_LEVEL_MAX)
                metrics.leads[r->level][RECORD_KIND_MATCH]++;
        if (e->spool)
                spool_write(e->spool, SPOOL_LEADS, line, len);
        free(line);
}

void engine_event(struct engine *e, struct winevent *ev)
{
        if (!e->rs)
                return;
        e->events++;
        e->candidates += ruleset_eval(e->rs, ev, engine_hit, e);
}

void engine_swap(struct engine *e, struct ruleset *rs)
{
        ruleset_free(e->rs);
        e->rs = rs;
}

void engine_fini(struct engine *e)
{
        ruleset_free(e->rs);
        e->rs = NULL;
        if (e->spool)
                spool_close(e->spool);
        e->spool = NULL;
}

int engine_load_rules(const struct config *cfg, struct ruleset **out, struct ruleset_report *rep)
{
        struct ruleset_opts o = {
                .paths = cfg->rules,
                .npaths = cfg->nrules,
                .placeholders = cfg->placeholders,
        };

        return ruleset_load(&o, out, rep);
}

void engine_log_report(const struct ruleset_report *rep)
{
        for (size_t i = 0; i < rep->nproblems; i++) {
                const struct ruleset_problem *p = &rep->problems[i];
                log_info("rule skipped: %s:%u: %s%s%s", p->file, p->line, p->rule, *p->rule ? ": " : "", p->reason);
        }
        metrics.rules_loaded = rep->loaded;
        metrics.rules_unsupported = rep->unsupported;
        log_notice("rules: %zu loaded, %zu unsupported (%zu variants from %zu files)", rep->loaded,
                   rep->unsupported, rep->variants, rep->files);
}

int engine_open_spool(struct engine *e, const struct config *cfg, const char *dir_override, char *err,
                      size_t errlen)
{
        struct spool_opts o = {
                .dir = dir_override ? dir_override : cfg->spool_dir,
                .fsync_interval_ms = cfg->spool_fsync_ms,
                .rotate_bytes = cfg->spool_rotate_bytes,
        };

        return spool_open(&o, &e->spool, err, errlen);
}
