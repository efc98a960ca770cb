/* Events → leads: the ruleset's hits become lead records in the spool. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spoor/config.h"
#include "spoor/engine.h"
#include "spoor/firstseen.h"
#include "spoor/log.h"
#include "spoor/metrics.h"
#include "spoor/record.h"
#include "spoor/report.h"
#include "spoor/state.h"
#include "spoor/timefmt.h"
#include "noise.h"

#define ENGINE_MAX_FIELDS 128
#define ENGINE_MAX_CAVEATS 16

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

        if (e->fs) {
                const struct firstseen_stats *fst = firstseen_stats(e->fs);

                metrics.first_seen_entries = fst->entries;
                metrics.first_seen_evicted += fst->evicted - e->fs_evicted_reported;
                e->fs_evicted_reported = fst->evicted;
        } else {
                metrics.first_seen_entries = 0;
        }
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

static void engine_fire_ci(struct engine *e, size_t ci, const struct corr_fire *f, const char *const *field_values);

#define ENGINE_FS_MAX_FIELDS 64

/* A referenced rule of first_seen correlation ci matched in group `key`:
 * the combination of its `fields` (length-prefixed, so no value can
 * imitate two) is looked up in the baseline; a first writes a lead.  An
 * event without one of the fields cannot be evaluated: it is skipped. */
static void engine_first_seen(struct engine *e, size_t ci, size_t ref, const struct sigma_variant *v,
                              const struct winevent *ev, const char *key, size_t klen)
{
        size_t ncorrs;
        const struct sigma_corr *c = &ruleset_corrs(e->rs, &ncorrs)[ci];
        const char *vals[ENGINE_FS_MAX_FIELDS];
        char combo[ENGINE_KEY_MAX], fkey[ENGINE_KEY_MAX];
        size_t clen = 0, foff = klen;
        struct corr_event ce;
        struct corr_fire f;
        int rc;

        if (c->first_seen.nfields > ENGINE_FS_MAX_FIELDS)
                return;         /* the loader bounds it */
        memcpy(fkey, key, klen + 1);
        for (size_t i = 0; i < c->first_seen.nfields; i++) {
                const struct winevent_field *fv = engine_corr_field(v, ev, c->first_seen.fields[i]);
                uint32_t n;

                if (!fv)
                        return;
                n = (uint32_t)fv->len;
                if (clen + sizeof(n) + fv->len > sizeof(combo) || !engine_key_add(fkey, &foff, fv->value, fv->len)) {
                        log_limited(320, LOG_WARNING, "correlation %s: first_seen values longer than %d bytes, "
                                    "match not counted", c->meta->id, ENGINE_KEY_MAX);
                        return;
                }
                memcpy(combo + clen, &n, sizeof(n));
                memcpy(combo + clen + sizeof(n), fv->value, fv->len);
                clen += sizeof(n) + fv->len;
                vals[i] = fv->value;
        }
        rc = firstseen_observe(e->fs, ci, key, klen, combo, clen, ev->time_us, ev->recv_us);
        if (rc == -ENOMEM)
                log_limited(321, LOG_ERR, "correlation %s: first_seen: out of memory, match not counted", c->meta->id);
        if (rc != 1)
                return;
        engine_corr_event(&ce, ev, ref);
        /* the noise key and the lead id: the group, then the combination */
        f = (struct corr_fire){ .ci = ci, .key = fkey, .events = &ce, .nevents = 1, .count = 1,
                                .first_us = ev->time_us, .last_us = ev->time_us };
        engine_fire_ci(e, ci, &f, vals);
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
                if (c->first_seen.on) {
                        if (e->fs)
                                engine_first_seen(e, r->observers[o].ci, ref, v, ev, key, off);
                        continue;
                }
                if (!e->corr || e->corr_idx[r->observers[o].ci] == SIZE_MAX)
                        continue;
                if (c->value_field)
                        vf = engine_corr_field(v, ev, c->value_field);
                engine_corr_event(&ce, ev, ref);
                correlator_observe(e->corr, e->corr_idx[r->observers[o].ci], key, &ce, vf ? vf->value : NULL);
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

/* "30d", "1h", "90s": the largest unit that divides it. */
static void engine_span(int64_t us, char *buf, size_t len)
{
        static const struct {
                int64_t s;
                char u;
        } units[] = { { 7 * 86400, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' } };
        long long s = (long long)(us / 1000000);

        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (s && s % units[i].s == 0) {
                        snprintf(buf, len, "%lld%c", s / units[i].s, units[i].u);
                        return;
                }
        snprintf(buf, len, "%llds", s);
}

/* "first time SubjectUserName=bob for Computer=ws-a in 30d" */
static void engine_fs_why(const struct sigma_corr *c, const char *const *group, const char *const *fields, char *buf,
                          size_t len)
{
        size_t off = (size_t)snprintf(buf, len, "first time ");
        char span[32];

        for (size_t i = 0; i < c->first_seen.nfields && off < len; i++)
                off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", i ? ", " : "", c->first_seen.fields[i],
                                        fields[i]);
        for (size_t g = 0; g < c->ngroup_by && off < len; g++)
                off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", g ? ", " : " for ", c->group_by[g],
                                        group[g] ? group[g] : "");
        engine_span(c->first_seen.history_us, span, sizeof(span));
        if (off < len)
                snprintf(buf + off, len - off, " in %s", span);
}

/* A windowed correlation held (f->ci: the correlator's index). */
static void engine_fire(void *ud, const struct corr_fire *f)
{
        struct engine *e = ud;

        engine_fire_ci(e, e->corr_rule[f->ci], f, NULL);
}

/* Correlation ci (the ruleset's index) held: its lead, and the
 * correlations that read it.  field_values: a first_seen combination. */
static void engine_fire_ci(struct engine *e, size_t ci, const struct corr_fire *f, const char *const *field_values)
{
        size_t ncorrs;
        const struct sigma_corr *corrs = ruleset_corrs(e->rs, &ncorrs);
        const struct sigma_corr *c = &corrs[ci];
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
                size_t pci = e->corr_idx ? e->corr_idx[c->meta->observers[o].ci] : SIZE_MAX;
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
                if (e->corr && pci != SIZE_MAX)  /* a first_seen reads detection rules only */
                        correlator_observe(e->corr, pci, key, &ce, NULL);
        }
        if (c->meta->quiet)
                return;
        noise_lead_corr(&nl, c, f);
        if (!noise_admit(e->noise, &nl))
                return;         /* repeated: counted in a summary */
        if (c->first_seen.on && field_values) {
                engine_fs_why(c, values, field_values, why, sizeof(why));
                rc = record_lead_first_seen(c, f, values, field_values, why, timefmt_now_us(), &line, &len);
        } else {
                engine_corr_why(c, f, why, sizeof(why));
                rc = record_lead_correlation(c, f, values, why, timefmt_now_us(), &line, &len);
        }
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
        struct record_caveat cav[ENGINE_MAX_CAVEATS];
        size_t nf = 0, ncav;
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
        if (r->nobservers && (e->corr || e->fs))
                engine_observe_match(e, v, ev);
        if (r->quiet)
                return;         /* read by correlations only (`generate: false`) */
        noise_lead_match(&nl, r, ev);
        if (!noise_admit(e->noise, &nl))
                return;         /* repeated: counted in a summary */
        engine_why(v, sel, why, sizeof(why));
        ncav = coverage_caveats(e->cov, ev->host, cav, ENGINE_MAX_CAVEATS);
        rc = record_lead_match_id(nl.id, r, ev, fields, nf, why, cav, ncav, timefmt_now_us(), &line, &len);
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
        if (e->enrich) {
                const struct enrich_stats *st;

                enrich_event(e->enrich, ev);
                st = enrich_stats(e->enrich);
                metrics.logon_sessions = st->sessions;
                metrics.logon_sessions_evicted = st->evicted;
        }
        e->report_final = false;
        coverage_event(e->cov, ev);     /* before the rules: a lead carries the gaps this event opens */
        correlator_clock(e->corr, ev->time_us, ev->recv_us);
        if (!e->rs)
                return;
        e->events++;
        e->candidates += ruleset_eval_pre(e->rs, ev, ev->prep, engine_hit, e);
        engine_corr_metrics(e);
}

void engine_prepare(struct engine *e, struct winevent *ev)
{
        if (ev->prep)
                ruleset_prescan(e->rs, ev, ev->prep);
}

void engine_reject(struct engine *e, const char *peer, enum reject_reason why, const char *data, size_t len)
{
        e->report_final = false;
        coverage_reject(e->cov, peer, why, data, len);
}

void engine_accepted(struct engine *e, const char *peer, size_t len, int64_t time_us)
{
        e->report_final = false;
        coverage_frame_ok(e->cov, peer, len, time_us);
}

/* coverage.json and attack-layer.json into the spool directory.  0 when
 * written, -errno (logged) when not, -ENOENT when reports are off. */
static int engine_report(struct engine *e, int64_t now_us)
{
        int r;

        if (!e->report_on || !e->cov)
                return -ENOENT;
        e->report_last_us = now_us;
        /* the spool's directory as it is now: a reopen (SIGUSR1, a removed
         * directory recreated) moves the reports with the streams */
        r = report_write(e->spool ? spool_dirfd(e->spool) : e->report_dirfd, e->cov, e->rs, e->report_grace_us,
                         timefmt_now_us());
        if (r < 0)
                log_limited(340, LOG_ERR, "coverage report: cannot write %s / %s: %s", REPORT_COVERAGE_FILE,
                            REPORT_LAYER_FILE, strerror(-r));
        return r < 0 ? r : 0;
}

void engine_advance(struct engine *e, int64_t now_us)
{
        if (e->corr) {
                correlator_advance(e->corr, now_us);
                engine_corr_metrics(e);
        }
        noise_advance(e->noise, now_us);
        if (now_us == INT64_MAX) {
                coverage_flush(e->cov);
                e->report_final = engine_report(e, timefmt_now_us()) == 0;
        } else if (e->report_on && (now_us - e->report_last_us >= e->report_interval_us ||
                                    now_us < e->report_last_us)) {
                engine_report(e, now_us);
        }
}

static void engine_write_gap(void *ud, const char *line, size_t len)
{
        struct engine *e = ud;

        if (e->spool)
                spool_write(e->spool, SPOOL_GAPS, line, len);
}

static void engine_corr_drop(struct engine *e)
{
        correlator_free(e->corr);
        e->corr = NULL;
        free(e->specs);
        e->specs = NULL;
        free(e->corr_idx);
        e->corr_idx = NULL;
        free(e->corr_rule);
        e->corr_rule = NULL;
        e->ncorr_specs = 0;
        firstseen_free(e->fs);
        e->fs = NULL;
        e->fs_evicted_reported = 0;
}

/* The windowed correlations go to the correlator (its own indices:
 * corr_idx / corr_rule), the first_seen ones to the first_seen table
 * (the ruleset's indices). */
static int engine_corr_rebuild(struct engine *e)
{
        size_t n, m = 0, nfs = 0;
        const struct sigma_corr *corrs = ruleset_corrs(e->rs, &n);
        struct firstseen_spec *fss;

        engine_corr_drop(e);
        if (n == 0)
                return 0;
        e->specs = calloc(n, sizeof(*e->specs));
        e->corr_idx = calloc(n, sizeof(*e->corr_idx));
        e->corr_rule = calloc(n, sizeof(*e->corr_rule));
        if (!e->specs || !e->corr_idx || !e->corr_rule) {
                engine_corr_drop(e);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                if (corrs[i].first_seen.on) {
                        e->corr_idx[i] = SIZE_MAX;
                        nfs++;
                        continue;
                }
                e->corr_idx[i] = m;
                e->corr_rule[m] = i;
                e->specs[m++] = corrs[i].spec;
        }
        e->ncorr_specs = m;
        if (m) {
                e->corr_opts.fire = engine_fire;
                e->corr_opts.ud = e;
                e->corr = correlator_new(e->specs, m, &e->corr_opts);
                if (!e->corr) {
                        int r = -errno;
                        engine_corr_drop(e);
                        return r;
                }
        }
        if (nfs == 0)
                return 0;
        fss = calloc(n, sizeof(*fss));
        if (!fss) {
                engine_corr_drop(e);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                fss[i] = (struct firstseen_spec){ corrs[i].first_seen.on, corrs[i].first_seen.history_us,
                                                  corrs[i].first_seen.learning_us };
        e->fs = firstseen_new(fss, n, &(struct firstseen_opts){ .max_entries = e->max_first_seen,
                                                                .max_future_us = e->corr_opts.max_future_us });
        free(fss);
        if (!e->fs) {
                int r = -errno;
                engine_corr_drop(e);
                return r;
        }
        return 0;
}

/* What a first_seen correlation's digests mean: its group-by (with the
 * aliases) and fields.  A baseline saved under another signature is not
 * used.  malloc'd; NULL on ENOMEM. */
static char *engine_fs_sig(const struct sigma_corr *c)
{
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);

        if (!f)
                return NULL;
        fputs("first_seen/1\x1fgroup-by", f);
        for (size_t g = 0; g < c->ngroup_by; g++) {
                fprintf(f, "\x1f%s", c->group_by[g]);
                for (size_t r = 0; c->alias_fields && r < c->spec.nrefs; r++)
                        fprintf(f, "\x1e%s", c->alias_fields[g * c->spec.nrefs + r] ?
                                c->alias_fields[g * c->spec.nrefs + r] : "");
        }
        fputs("\x1f" "fields", f);
        for (size_t i = 0; i < c->first_seen.nfields; i++)
                fprintf(f, "\x1f%s", c->first_seen.fields[i]);
        if (fclose(f) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

struct engine_fs_names {
        const char **ids;
        char **sigs;
        size_t n;
};

static void engine_fs_names_fini(struct engine_fs_names *nm)
{
        for (size_t i = 0; nm->sigs && i < nm->n; i++)
                free(nm->sigs[i]);
        free(nm->sigs);
        free(nm->ids);
}

/* The rule ids and signatures of the current first_seen correlations,
 * indexed like the ruleset's correlations.  0 or -ENOMEM. */
static int engine_fs_names(const struct engine *e, struct engine_fs_names *nm)
{
        const struct sigma_corr *corrs = e->rs ? ruleset_corrs(e->rs, &nm->n) : NULL;

        if (!corrs)
                nm->n = 0;
        nm->ids = calloc(nm->n ? nm->n : 1, sizeof(*nm->ids));
        nm->sigs = calloc(nm->n ? nm->n : 1, sizeof(*nm->sigs));
        if (!nm->ids || !nm->sigs)
                goto oom;
        for (size_t i = 0; i < nm->n; i++) {
                nm->ids[i] = corrs[i].meta->id;
                if (corrs[i].first_seen.on && !(nm->sigs[i] = engine_fs_sig(&corrs[i])))
                        goto oom;
        }
        return 0;
oom:
        engine_fs_names_fini(nm);
        return -ENOMEM;
}

/* Reload: the baselines of the first_seen correlations that stay, carried
 * by rule id and signature through an in-memory state image. */
static bool engine_fs_keep(struct engine *e, struct state_writer *w)
{
        if (!e->fs)
                return false;
        if (state_writer_init_mem(w) < 0)
                return false;
        if (engine_first_seen_save(e, w) < 0 || state_writer_finish(w) < 0) {
                state_writer_fini(w);
                log_warn("first_seen: out of memory; the baselines restart empty");
                return false;
        }
        return true;
}

static void engine_fs_carry(struct engine *e, struct state_writer *w)
{
        struct state_reader rd;
        int r = state_reader_open(&rd, w->buf, w->len);

        if (r == 0)
                r = engine_first_seen_restore(e, &rd);
        state_writer_fini(w);
        if (r < 0)
                log_warn("first_seen: the baselines restart empty: %s", r == -ENOMEM ? "out of memory" : rd.why);
}

static int engine_id_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool engine_stable(const struct sigma_rule *r)
{
        return r->status && strcmp(r->status, "stable") == 0;
}

/* Programme metrics: rules of status stable, and rules a reload promoted
 * (running before with another status, stable now). */
static void engine_rule_status(const struct ruleset *old, const struct ruleset *rs)
{
        size_t n = old ? ruleset_rule_count(old) : 0, m = rs ? ruleset_rule_count(rs) : 0, k = 0;
        const char **ids = n ? malloc(n * sizeof(*ids)) : NULL;

        metrics.rules_stable = 0;
        for (size_t i = 0; i < m; i++)
                metrics.rules_stable += engine_stable(ruleset_rule_at(rs, i, NULL, NULL));
        if (!ids)
                return;         /* no earlier set (or ENOMEM): nothing is promoted */
        for (size_t i = 0; i < n; i++) {
                const struct sigma_rule *r = ruleset_rule_at(old, i, NULL, NULL);

                if (!engine_stable(r) && r->id && *r->id)
                        ids[k++] = r->id;
        }
        qsort(ids, k, sizeof(*ids), engine_id_cmp);
        for (size_t i = 0; k && i < m; i++) {
                const struct sigma_rule *r = ruleset_rule_at(rs, i, NULL, NULL);

                if (engine_stable(r) && r->id && bsearch(&r->id, ids, k, sizeof(*ids), engine_id_cmp))
                        metrics.rules_promoted++;
        }
        free(ids);
}

int engine_configure(struct engine *e, const struct config *cfg)
{
        struct state_writer keep;
        bool kept;
        int r;

        if (!e->noise && !(e->noise = noise_new(e)))
                return -ENOMEM;
        if (noise_configure(e->noise, cfg) < 0)
                return -ENOMEM;
        if (!e->enrich && !(e->enrich = enrich_new()))
                return -ENOMEM;
        if (enrich_configure(e->enrich, cfg) < 0)
                return -ENOMEM;
        {
                int64_t sec = 1000000;
                struct coverage_opts co = { .grace_us = (int64_t)cfg->coverage.grace_s * sec,
                                            .silence_us = (int64_t)cfg->coverage.silence_s * sec,
                                            .max_skew_us = (int64_t)cfg->coverage.max_skew_s * sec,
                                            .twin_window_us = (int64_t)cfg->coverage.twin_window_s * sec,
                                            .judge_clock = !e->replay,
                                            .max_hosts = (size_t)cfg->limits.max_hosts,
                                            .write = engine_write_gap, .ud = e };

                if (!e->cov && !(e->cov = coverage_new(&co)))
                        return -ENOMEM;
                coverage_configure(e->cov, &co);
        }
        engine_rule_status(NULL, e->rs);
        e->report_grace_us = (int64_t)cfg->coverage.grace_s * 1000000;
        e->report_interval_us = (int64_t)cfg->coverage.interval_s * 1000000;
        if (coverage_set_rules(e->cov, e->rs) < 0)
                return -ENOMEM;
        corr_opts_init(&e->corr_opts);
        e->corr_opts.allowed_lateness_us = (int64_t)cfg->time.allowed_lateness_s * 1000000;
        e->corr_opts.max_future_us = (int64_t)cfg->time.max_future_s * 1000000;
        e->corr_opts.max_state_bytes = (size_t)cfg->limits.max_state_bytes;
        e->max_first_seen = (size_t)cfg->limits.max_first_seen;
        kept = engine_fs_keep(e, &keep);
        r = engine_corr_rebuild(e);
        if (kept)
                engine_fs_carry(e, &keep);
        engine_corr_metrics(e);
        return r;
}

void engine_swap(struct engine *e, struct ruleset *rs)
{
        struct state_writer keep;
        bool kept;

        engine_rule_status(e->rs, rs);
        e->report_final = false;        /* the report names the rules */
        noise_flush(e->noise);  /* summaries point into the old ruleset */
        kept = engine_fs_keep(e, &keep);        /* before the old rule ids are freed */
        ruleset_free(e->rs);
        e->rs = rs;
        if (e->cov && coverage_set_rules(e->cov, rs) < 0)
                log_error("coverage: out of memory; channel_missing gaps use a partial list of needed channels");
        if (engine_corr_rebuild(e) < 0)
                log_error("correlation windows: out of memory; correlations are off until the next reload");
        if (kept)
                engine_fs_carry(e, &keep);
        engine_corr_metrics(e);
}

void engine_fini(struct engine *e)
{
        noise_flush(e->noise);  /* open suppression windows end: their summaries are written */
        noise_free(e->noise);
        e->noise = NULL;
        enrich_free(e->enrich);
        e->enrich = NULL;
        if (e->report_on) {
                if (!e->report_final)   /* --replay wrote it at the end of input */
                        engine_report(e, timefmt_now_us());
                close(e->report_dirfd);
                e->report_on = false;
        }
        coverage_free(e->cov);
        e->cov = NULL;
        engine_corr_drop(e);
        ruleset_free(e->rs);
        e->rs = NULL;
        if (e->spool)
                spool_close(e->spool);
        e->spool = NULL;
}

/* A relative rule path is relative to the configuration file's folder, so
 * the shipped `rules: [leads.d]` means conf/leads.d in a checkout and
 * /etc/spoor/leads.d once installed. */
int engine_load_rules(const struct config *cfg, struct ruleset **out, struct ruleset_report *rep)
{
        char *paths[CONFIG_MAX_RULE_PATHS];
        const char *slash = cfg->path ? strrchr(cfg->path, '/') : NULL;
        struct ruleset_opts o = {
                .paths = paths,
                .npaths = cfg->nrules,
                .placeholders = cfg->placeholders,
        };
        int r;

        for (size_t i = 0; i < cfg->nrules; i++) {
                if (cfg->rules[i][0] == '/' || !cfg->path)
                        paths[i] = strdup(cfg->rules[i]);
                else if (!slash)
                        paths[i] = strdup(cfg->rules[i]);   /* config in the current folder */
                else if (asprintf(&paths[i], "%.*s/%s", (int)(slash - cfg->path), cfg->path, cfg->rules[i]) < 0)
                        paths[i] = NULL;
                if (!paths[i]) {
                        for (size_t k = 0; k < i; k++)
                                free(paths[k]);
                        memset(rep, 0, sizeof(*rep));
                        snprintf(rep->error, sizeof(rep->error), "loading rules: out of memory");
                        return -ENOMEM;
                }
        }
        r = ruleset_load(&o, out, rep);
        for (size_t i = 0; i < cfg->nrules; i++)
                free(paths[i]);
        return r;
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
        int r = spool_open(&o, &e->spool, err, errlen);

        if (r < 0)
                return r;
        /* the reports are published beside the spool's streams */
        if (!e->report_on) {
                int fd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0) {
                        r = -errno;
                        snprintf(err, errlen, "spool %s: %s", o.dir, strerror(-r));
                        spool_close(e->spool);
                        e->spool = NULL;
                        return r;
                }
                e->report_dirfd = fd;
                e->report_on = true;
                e->report_last_us = 0;
        }
        return 0;
}

/* The windowed correlations' rule ids, indexed like the correlator's specs. */
static const char **engine_corr_ids(const struct engine *e, size_t *n)
{
        size_t nc;
        const struct sigma_corr *corrs = e->rs ? ruleset_corrs(e->rs, &nc) : NULL;
        const char **ids;

        *n = corrs && e->corr_rule ? e->ncorr_specs : 0;
        ids = calloc(*n ? *n : 1, sizeof(*ids));
        for (size_t i = 0; ids && i < *n; i++)
                ids[i] = corrs[e->corr_rule[i]].meta->id;
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

int engine_first_seen_save(const struct engine *e, struct state_writer *w)
{
        struct engine_fs_names nm;
        int r;

        if (engine_fs_names(e, &nm) < 0) {
                if (!w->err)
                        w->err = -ENOMEM;
                return w->err;
        }
        r = firstseen_save(e->fs, nm.ids, (const char *const *)nm.sigs, w);
        engine_fs_names_fini(&nm);
        return r;
}

int engine_first_seen_restore(struct engine *e, struct state_reader *r)
{
        struct engine_fs_names nm;
        int rc;

        if (!e->fs)
                return 0;
        if (engine_fs_names(e, &nm) < 0)
                return -ENOMEM;
        rc = firstseen_restore(e->fs, nm.ids, (const char *const *)nm.sigs, nm.n, r);
        engine_fs_names_fini(&nm);
        engine_corr_metrics(e);
        return rc;
}
