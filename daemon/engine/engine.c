/* Events → leads: the ruleset's hits become lead records in the spool. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/config.h"
#include "spoor/engine.h"
#include "spoor/log.h"
#include "spoor/metrics.h"
#include "spoor/record.h"
#include "spoor/timefmt.h"
#include "noise.h"

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

#define ENGINE_KEY_MAX 1024
#define ENGINE_KEY_SEP '\x1f'

static void engine_corr_metrics(struct engine *e)
{
        const struct corr_stats *st;

        if (!e->corr)
                return;
        st = correlator_stats(e->corr);
        metrics.events_late = st->late;
        metrics.events_skewed = st->skewed;
        metrics.corr_groups = st->groups;
        metrics.corr_evicted = st->evicted;
        metrics.corr_state_bytes = st->state_bytes;
}

/* Append `v` and a separator to the group key; false when it does not fit. */
static bool engine_key_add(char *key, size_t *off, const char *v, size_t len)
{
        if (*off + len + 2 > ENGINE_KEY_MAX)
                return false;
        memcpy(key + *off, v, len);
        *off += len;
        key[(*off)++] = ENGINE_KEY_SEP;
        key[*off] = '\0';
        return true;
}

static void engine_copy_trunc(char *dst, size_t size, const char *src)
{
        size_t n = strnlen(src, size - 1);

        memcpy(dst, src, n);
        dst[n] = '\0';
}

static void engine_corr_event(struct corr_event *ce, const struct winevent *ev, size_t ref)
{
        memset(ce, 0, sizeof(*ce));
        ce->time_us = ev->time_us;
        ce->recv_us = ev->recv_us;
        ce->record_id = ev->record_id;
        ce->has_record_id = ev->has_record_id;
        ce->event_id = (uint16_t)ev->event_id;
        ce->ref = (uint16_t)ref;
        engine_copy_trunc(ce->host, sizeof(ce->host), ev->host);
        engine_copy_trunc(ce->channel, sizeof(ce->channel), ev->channel ? ev->channel : "");
}

/* The event field a correlation's field name means for this variant. */
static const struct winevent_field *engine_corr_field(const struct sigma_variant *v, const struct winevent *ev,
                                                      const char *name)
{
        const char *mapped = name ? logsource_map_field(&v->source, name) : NULL;

        return mapped ? winevent_get(ev, mapped) : NULL;
}

/* A detection rule matched: tell every correlation that reads it. */
static void engine_observe_match(struct engine *e, const struct sigma_variant *v, struct winevent *ev)
{
        size_t ncorrs;
        const struct sigma_corr *corrs = ruleset_corrs(e->rs, &ncorrs);
        const struct sigma_rule *r = v->rule;

        for (size_t o = 0; o < r->nobservers; o++) {
                const struct sigma_corr *c = &corrs[r->observers[o].ci];
                size_t ref = r->observers[o].ref, off = 0;
                char key[ENGINE_KEY_MAX] = "";
                struct corr_event ce;
                const struct winevent_field *vf = NULL;
                bool ok = true;

                for (size_t g = 0; g < c->ngroup_by && ok; g++) {
                        const char *alias = c->alias_fields ? c->alias_fields[g * c->spec.nrefs + ref] : NULL;
                        const struct winevent_field *f = engine_corr_field(v, ev, alias ? alias : c->group_by[g]);

                        ok = engine_key_add(key, &off, f ? f->value : "", f ? f->len : 0);
                }
                if (!ok) {
                        log_limited(301, LOG_WARNING, "correlation %s: group-by values longer than %d bytes, "
                                    "match not counted", c->meta->id, ENGINE_KEY_MAX);
                        continue;
                }
                if (c->value_field)
                        vf = engine_corr_field(v, ev, c->value_field);
                engine_corr_event(&ce, ev, ref);
                correlator_observe(e->corr, r->observers[o].ci, key, &ce, vf ? vf->value : NULL);
        }
}

/* "event_count: 5 in 5m (≥ 5)" */
static void engine_corr_why(const struct sigma_corr *c, const struct corr_fire *f, char *buf, size_t len)
{
        static const char *const ops[_CORR_OP_MAX] = { ">", ">=", "<", "<=", "=", "!=" };
        long long span = (long long)(c->spec.timespan_us / 1000000);
        size_t off;

        if (c->spec.type == CORR_TEMPORAL || c->spec.type == CORR_TEMPORAL_ORDERED) {
                off = (size_t)snprintf(buf, len, "%s: all %zu rules matched%s within %llds", corr_type_name(c->spec.type),
                                       c->spec.nrefs, c->spec.type == CORR_TEMPORAL_ORDERED ? " in order" : "", span);
        } else if (c->spec.type == CORR_EVENT_COUNT) {
                off = (size_t)snprintf(buf, len, "event_count: %llu events within %llds",
                                       (unsigned long long)f->count, span);
        } else {
                off = (size_t)snprintf(buf, len, "%s of %s: %g over %llu events within %llds",
                                       corr_type_name(c->spec.type), c->value_field, f->aggregate,
                                       (unsigned long long)f->count, span);
        }
        for (size_t i = 0; i < c->spec.cond.ncrit && off < len; i++)
                off += (size_t)snprintf(buf + off, len - off, "%s%s %g", i ? " and " : " (", ops[c->spec.cond.crit[i].op],
                                        c->spec.cond.crit[i].value);
        if (c->spec.cond.ncrit && off < len)
                snprintf(buf + off, len - off, ")");
}

/* A correlation held: its lead, and the correlations that read it. */
static void engine_fire(void *ud, const struct corr_fire *f)
{
        struct engine *e = ud;
        size_t ncorrs;
        const struct sigma_corr *corrs = ruleset_corrs(e->rs, &ncorrs);
        const struct sigma_corr *c = &corrs[f->ci];
        const char *values[64];
        struct noise_lead nl;
        char keybuf[ENGINE_KEY_MAX], why[512];
        char *line = NULL, *p = keybuf;
        size_t len = 0, nv = 0;
        int rc;

        snprintf(keybuf, sizeof(keybuf), "%s", f->key);
        while (nv < c->ngroup_by && nv < 64) {
                char *sep = strchr(p, ENGINE_KEY_SEP);
                values[nv++] = p;
                if (!sep)
                        break;
                *sep = '\0';
                p = sep + 1;
        }
        for (size_t o = 0; o < c->meta->nobservers; o++) {
                /* chaining: the parent's group key from this one's values, by name */
                const struct sigma_corr *pc = &corrs[c->meta->observers[o].ci];
                size_t ref = c->meta->observers[o].ref, off = 0;
                char key[ENGINE_KEY_MAX] = "";
                struct corr_event ce = f->nevents ? f->events[f->nevents - 1] : (struct corr_event){ 0 };

                for (size_t g = 0; g < pc->ngroup_by; g++) {
                        const char *alias = pc->alias_fields ? pc->alias_fields[g * pc->spec.nrefs + ref] : NULL;
                        const char *name = alias ? alias : pc->group_by[g], *val = "";
                        for (size_t k = 0; k < c->ngroup_by && k < nv; k++)
                                if (strcmp(c->group_by[k], name) == 0)
                                        val = values[k];
                        engine_key_add(key, &off, val, strlen(val));
                }
                ce.ref = (uint16_t)ref;
                ce.time_us = f->last_us;
                correlator_observe(e->corr, c->meta->observers[o].ci, key, &ce, NULL);
        }
        if (c->meta->quiet)
                return;
        noise_lead_corr(&nl, c, f);
        if (!noise_admit(e->noise, &nl))
                return;         /* repeated: counted in a summary */
        engine_corr_why(c, f, why, sizeof(why));
        rc = record_lead_correlation(c, f, values, why, timefmt_now_us(), &line, &len);
        if (rc < 0) {
                e->record_errors++;
                log_limited(300, LOG_ERR, "lead for correlation %s: cannot build the record: %s", c->meta->id,
                            strerror(-rc));
                return;
        }
        e->leads++;
        if (c->meta->level >= 0 && c->meta->level < _SIGMA_LEVEL_MAX)
                metrics.leads[c->meta->level][RECORD_KIND_CORRELATION]++;
        if (e->spool)
                spool_write(e->spool, SPOOL_LEADS, line, len);
        free(line);
        noise_written(e->noise, &nl);
}

static void engine_hit(void *ud, const struct sigma_variant *v, const enum tri *sel, struct winevent *ev)
{
        struct engine *e = ud;
        const struct sigma_rule *r = v->rule;
        const char *fields[ENGINE_MAX_FIELDS];
        struct noise_lead nl;
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
        if (r->nobservers && e->corr)
                engine_observe_match(e, v, ev);
        if (r->quiet)
                return;         /* read by correlations only (`generate: false`) */
        noise_lead_match(&nl, r, ev);
        if (!noise_admit(e->noise, &nl))
                return;         /* repeated: counted in a summary */
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
        noise_written(e->noise, &nl);
}

void engine_event(struct engine *e, struct winevent *ev)
{
        if (!e->rs)
                return;
        e->events++;
        e->candidates += ruleset_eval(e->rs, ev, engine_hit, e);
        engine_corr_metrics(e);
}

void engine_advance(struct engine *e, int64_t now_us)
{
        if (e->corr) {
                correlator_advance(e->corr, now_us);
                engine_corr_metrics(e);
        }
        noise_advance(e->noise, now_us);
}

static int engine_corr_rebuild(struct engine *e)
{
        size_t n;
        const struct sigma_corr *corrs = ruleset_corrs(e->rs, &n);

        correlator_free(e->corr);
        e->corr = NULL;
        free(e->specs);
        e->specs = NULL;
        if (n == 0)
                return 0;
        e->specs = calloc(n, sizeof(*e->specs));
        if (!e->specs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                e->specs[i] = corrs[i].spec;
        e->corr_opts.fire = engine_fire;
        e->corr_opts.ud = e;
        e->corr = correlator_new(e->specs, n, &e->corr_opts);
        return e->corr ? 0 : -errno;
}

int engine_configure(struct engine *e, const struct config *cfg)
{
        if (!e->noise && !(e->noise = noise_new(e)))
                return -ENOMEM;
        if (noise_configure(e->noise, cfg) < 0)
                return -ENOMEM;
        corr_opts_init(&e->corr_opts);
        e->corr_opts.allowed_lateness_us = (int64_t)cfg->time.allowed_lateness_s * 1000000;
        e->corr_opts.max_future_us = (int64_t)cfg->time.max_future_s * 1000000;
        e->corr_opts.max_state_bytes = (size_t)cfg->limits.max_state_bytes;
        return engine_corr_rebuild(e);
}

void engine_swap(struct engine *e, struct ruleset *rs)
{
        noise_flush(e->noise);  /* summaries point into the old ruleset */
        ruleset_free(e->rs);
        e->rs = rs;
        if (engine_corr_rebuild(e) < 0)
                log_error("correlation windows: out of memory; correlations are off until the next reload");
}

void engine_fini(struct engine *e)
{
        noise_flush(e->noise);  /* open suppression windows end: their summaries are written */
        noise_free(e->noise);
        e->noise = NULL;
        correlator_free(e->corr);
        e->corr = NULL;
        free(e->specs);
        e->specs = NULL;
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

/* The correlations' rule ids, indexed like the correlator's specs. */
static const char **engine_corr_ids(const struct engine *e, size_t *n)
{
        const struct sigma_corr *corrs = e->rs ? ruleset_corrs(e->rs, n) : NULL;
        const char **ids;

        if (!corrs)
                *n = 0;
        ids = calloc(*n ? *n : 1, sizeof(*ids));
        for (size_t i = 0; ids && i < *n; i++)
                ids[i] = corrs[i].meta->id;
        return ids;
}

int engine_state_save(const struct engine *e, struct state_writer *w)
{
        size_t n;
        const char **ids = engine_corr_ids(e, &n);
        int r;

        if (!ids)
                return -ENOMEM;
        r = correlator_save(e->corr, ids, w);
        free(ids);
        return r;
}

int engine_state_restore(struct engine *e, struct state_reader *r)
{
        size_t n;
        const char **ids;
        int rc;

        if (!e->corr)
                return 0;
        ids = engine_corr_ids(e, &n);
        if (!ids)
                return -ENOMEM;
        rc = correlator_restore(e->corr, ids, n, r);
        free(ids);
        engine_corr_metrics(e);
        return rc;
}
