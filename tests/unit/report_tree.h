/* The reference for test_report.c: coverage.json and attack-layer.json
 * as report.c built them up to the streamed writer, one json-c tree per
 * document (from daemon/coverage/report.c at b7bfbbf; the tree costs
 * hosts x rules and memory for the whole fleet, fine for a test's model).
 * The streamed report must serialize to the same bytes; a change of the
 * format changes both. */
#pragma once
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "spoor/coverage.h"
#include "spoor/gaps.h"
#include "spoor/metrics.h"
#include "spoor/record.h"
#include "spoor/ruleset.h"
#include "spoor/timefmt.h"

#define TREE_NOT_SENT (1u << _GAP_KIND_MAX)   /* reason bit: the channel never arrived, no gap yet */

struct rep_rule {
        const struct sigma_rule *r;
        const struct sigma_variant *vs;
        size_t nv;
        size_t *vchan;                  /* per variant: its channel in rep.chans, SIZE_MAX: none */
        uint64_t can;                   /* live hosts where it can fire */
};

struct rep_tech {
        char id[16];                    /* "T1053.005" */
        size_t *rules;
        size_t nrules;
        uint64_t fire, blind;
        unsigned kinds;                 /* reason bits over the blinded hosts */
};

struct rep {
        struct rep_rule *rules;
        size_t nrules;
        struct rep_tech *techs;
        size_t ntechs;
        bool *can;                      /* per rule, for the current host */
        unsigned *why;
        /* The distinct channels the variants read (case-insensitive), and
         * whether the current host sends each: -1 not looked up yet.  A
         * report of 100k hosts asked rep_has_channel() once per host and
         * variant (~3,000 strcasecmp loops per host with SigmaHQ). */
        const char **chans;
        size_t nchans;
        signed char *has;
};

/* "attack.t1053.005" → "T1053.005"; false when the tag is not a technique */
static bool report_technique(const char *tag, char out[16])
{
        const char *s;
        size_t n;

        if (strncasecmp(tag, "attack.t", 8) != 0)
                return false;
        s = tag + 8;
        for (n = 0; n < 4; n++)
                if (!isdigit((unsigned char)s[n]))
                        return false;
        if (s[4] == '.') {
                for (n = 5; n < 8; n++)
                        if (!isdigit((unsigned char)s[n]))
                                return false;
                if (s[8])
                        return false;
        } else if (s[4]) {
                return false;
        }
        snprintf(out, 16, "T%s", s);
        return true;
}

static void rep_free(struct rep *rp)
{
        for (size_t i = 0; i < rp->ntechs; i++)
                free(rp->techs[i].rules);
        free(rp->techs);
        for (size_t i = 0; rp->rules && i < rp->nrules; i++)
                free(rp->rules[i].vchan);
        free(rp->rules);
        free(rp->can);
        free(rp->why);
        free(rp->chans);
        free(rp->has);
}

/* Index of channel ch in rp->chans (added when new), SIZE_MAX on ENOMEM. */
static size_t rep_chan_index(struct rep *rp, const char *ch)
{
        for (size_t i = 0; i < rp->nchans; i++)
                if (strcasecmp(rp->chans[i], ch) == 0)
                        return i;
        const char **c = realloc(rp->chans, (rp->nchans + 1) * sizeof(*c));
        if (!c)
                return SIZE_MAX;
        rp->chans = c;
        signed char *h = realloc(rp->has, rp->nchans + 1);
        if (!h)
                return SIZE_MAX;
        rp->has = h;
        rp->chans[rp->nchans] = ch;
        return rp->nchans++;
}

static int rep_add_tech(struct rep *rp, const char *id, size_t rule)
{
        struct rep_tech *t = NULL;
        size_t *n;

        for (size_t i = 0; i < rp->ntechs && !t; i++)
                if (strcmp(rp->techs[i].id, id) == 0)
                        t = &rp->techs[i];
        if (!t) {
                struct rep_tech *nt = realloc(rp->techs, (rp->ntechs + 1) * sizeof(*nt));

                if (!nt)
                        return -ENOMEM;
                rp->techs = nt;
                t = &nt[rp->ntechs++];
                memset(t, 0, sizeof(*t));
                snprintf(t->id, sizeof(t->id), "%s", id);
        }
        if (t->nrules && t->rules[t->nrules - 1] == rule)
                return 0;       /* a rule tagged twice */
        if (!(n = realloc(t->rules, (t->nrules + 1) * sizeof(*n))))
                return -ENOMEM;
        t->rules = n;
        t->rules[t->nrules++] = rule;
        return 0;
}

static int rep_init(struct rep *rp, const struct ruleset *rs)
{
        size_t n = rs ? ruleset_rule_count(rs) : 0;

        memset(rp, 0, sizeof(*rp));
        rp->rules = calloc(n ? n : 1, sizeof(*rp->rules));
        rp->can = calloc(n ? n : 1, sizeof(*rp->can));
        rp->why = calloc(n ? n : 1, sizeof(*rp->why));
        if (!rp->rules || !rp->can || !rp->why)
                return -ENOMEM;
        rp->nrules = n;
        for (size_t i = 0; i < n; i++) {
                struct rep_rule *x = &rp->rules[i];

                x->r = ruleset_rule_at(rs, i, &x->vs, &x->nv);
                if (!(x->vchan = malloc((x->nv ? x->nv : 1) * sizeof(*x->vchan))))
                        return -ENOMEM;
                for (size_t k = 0; k < x->nv; k++) {
                        const char *ch = x->vs[k].source.channel;
                        x->vchan[k] = SIZE_MAX;
                        if (ch && *ch && (x->vchan[k] = rep_chan_index(rp, ch)) == SIZE_MAX)
                                return -ENOMEM;
                }
                for (size_t k = 0; k < x->r->ntags; k++) {
                        char id[16];

                        if (report_technique(x->r->tags[k], id) && rep_add_tech(rp, id, i) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

static bool rep_reads_field(const struct sigma_variant *v, const char *field)
{
        for (size_t i = 0; i < v->nneeds_fields; i++)
                if (strcasecmp(v->needs_fields[i], field) == 0)
                        return true;
        return false;
}

static bool rep_has_channel(const struct coverage_host_view *hv, const char *ch)
{
        struct coverage_channel_stats st;
        const char *name;

        for (size_t i = 0; (name = coverage_host_channel(hv, i, &st)); i++)
                if (strcasecmp(name, ch) == 0)
                        return true;
        return false;
}

/* Does open gap g keep variant v (reading channel ch) from firing?  A
 * silent host blinds everything; a silent channel, its readers; audit off,
 * the readers of its event ids; a missing field, the variants reading it.
 * channel_missing only explains (the channel is not sent at all). */
static bool rep_gap_blocks(const struct gap *g, const struct sigma_variant *v, const char *ch)
{
        if (g->kind == GAP_HOST_SILENT)
                return true;
        if (strcasecmp(g->channel, ch) != 0)
                return false;
        switch (g->kind) {
        case GAP_CHANNEL_SILENT:
                return true;
        case GAP_FIELD_MISSING:
                return g->field && rep_reads_field(v, g->field);
        case GAP_AUDIT_OFF:
                if (!v->nevent_ids || !g->nevent_ids)
                        return true;
                for (size_t i = 0; i < g->nevent_ids; i++)
                        for (size_t k = 0; k < v->nevent_ids; k++)
                                if (g->event_ids[i] == v->event_ids[k])
                                        return true;
                return false;
        default:
                return false;
        }
}

/* rep_has_channel() for channel rp->chans[idx], once per host. */
static bool rep_host_has(struct rep *rp, const struct coverage_host_view *hv, size_t idx)
{
        if (rp->has[idx] < 0)
                rp->has[idx] = rep_has_channel(hv, rp->chans[idx]);
        return rp->has[idx];
}

/* Which rules can fire on a live host (rp->can), and why not (rp->why) */
static void rep_host(struct rep *rp, const struct coverage_host_view *hv)
{
        if (rp->nchans)
                memset(rp->has, -1, rp->nchans);
        for (size_t i = 0; i < rp->nrules; i++) {
                const struct rep_rule *x = &rp->rules[i];
                bool can = false;
                unsigned why = 0;

                for (size_t k = 0; k < x->nv && !can; k++) {
                        const struct sigma_variant *v = &x->vs[k];
                        const char *ch = v->source.channel;
                        bool blocked = false;

                        if (!ch || !*ch) {
                                can = true;
                                break;
                        }
                        for (const struct gap *g = hv->gaps; g; g = g->next) {
                                if (g->kind == GAP_CHANNEL_MISSING && strcasecmp(g->channel, ch) == 0) {
                                        why |= 1u << g->kind;
                                } else if (rep_gap_blocks(g, v, ch)) {
                                        why |= 1u << g->kind;
                                        blocked = true;
                                }
                        }
                        if (blocked)
                                continue;
                        if (rep_host_has(rp, hv, x->vchan[k]))
                                can = true;
                        else if (!(why & (1u << GAP_CHANNEL_MISSING)))
                                why |= TREE_NOT_SENT;
                }
                rp->can[i] = can;
                rp->why[i] = can ? 0 : why;
        }
}

/* ---- json helpers ----------------------------------------------------- */

static int add(struct json_object *o, const char *k, struct json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, k, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int push(struct json_object *a, struct json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static struct json_object *jtime(int64_t us)
{
        char buf[TIMEFMT_MAX];

        return json_object_new_string(timefmt_format(us, buf));
}

static struct json_object *jnum(double v)
{
        if (v == (double)(int64_t)v)
                return json_object_new_int64((int64_t)v);
        return json_object_new_double(v);
}

static int view_cmp(const void *a, const void *b)
{
        return strcmp(((const struct coverage_host_view *)a)->name, ((const struct coverage_host_view *)b)->name);
}

/* {"id","kind","channel","field"?,"event_ids","opened"} of each open gap */
static int report_gaps(struct json_object *arr, const struct gap *gaps)
{
        for (const struct gap *g = gaps; g; g = g->next) {
                struct json_object *o = json_object_new_object(), *ids;

                if (push(arr, o) < 0 || add(o, "id", json_object_new_string(g->id)) < 0 ||
                    add(o, "kind", json_object_new_string(gap_kind_name(g->kind))) < 0 ||
                    add(o, "host", json_object_new_string(g->host)) < 0 ||
                    add(o, "channel", json_object_new_string(g->channel)) < 0 ||
                    (g->field && add(o, "field", json_object_new_string(g->field)) < 0) ||
                    add(o, "event_ids", ids = json_object_new_array()) < 0 || add(o, "opened", jtime(g->opened_us)) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < g->nevent_ids; i++)
                        if (push(ids, json_object_new_int(g->event_ids[i])) < 0)
                                return -ENOMEM;
        }
        return 0;
}

static int report_host(struct json_object *hosts, const struct coverage_host_view *hv, bool live)
{
        struct json_object *h = json_object_new_object(), *chans, *gaps;
        struct coverage_channel_stats st;
        const char *name;
        int r;

        if (!h)
                return -ENOMEM;
        if ((r = add(hosts, hv->name, h)) < 0)
                return r;
        if (add(h, "first_seen", jtime(hv->first_us)) < 0 || add(h, "last_seen", jtime(hv->last_us)) < 0 ||
            add(h, "live", json_object_new_boolean(live)) < 0 || add(h, "channels", chans = json_object_new_object()) < 0 ||
            add(h, "open_gaps", gaps = json_object_new_array()) < 0)
                return -ENOMEM;
        for (size_t i = 0; (name = coverage_host_channel(hv, i, &st)); i++) {
                struct json_object *c = json_object_new_object(), *ids;
                char key[8];

                if (add(chans, name, c) < 0 || add(c, "first_seen", jtime(st.first_us)) < 0 ||
                    add(c, "last_seen", jtime(st.last_us)) < 0 ||
                    add(c, "count", json_object_new_int64((int64_t)st.count)) < 0 ||
                    add(c, "event_ids", ids = json_object_new_object()) < 0 ||
                    (st.eids_dropped && add(c, "event_ids_other", json_object_new_int64((int64_t)st.eids_dropped)) < 0))
                        return -ENOMEM;
                for (size_t k = 0; k < st.neids; k++) {
                        snprintf(key, sizeof(key), "%u", (unsigned)st.eids[k].id);
                        if (add(ids, key, json_object_new_int64((int64_t)st.eids[k].count)) < 0)
                                return -ENOMEM;
                }
        }
        return report_gaps(gaps, hv->gaps);
}

static int report_kinds(char *buf, size_t len, unsigned kinds)
{
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned k = 0; k <= _GAP_KIND_MAX; k++) {
                const char *n = k == _GAP_KIND_MAX ? "not sent yet" : gap_kind_name((enum gap_kind)k);

                if (!(kinds & (1u << k)) || off >= len)
                        continue;
                off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", n);
        }
        return 0;
}

static struct json_object *report_layer(const struct rep *rp, uint64_t live, int64_t now_us)
{
        struct json_object *l = json_object_new_object(), *v, *techs, *g, *colors;
        char desc[256], when[TIMEFMT_MAX];

        if (!l)
                return NULL;
        snprintf(desc, sizeof(desc), "spoor telemetry coverage at %s: score = percent of the %llu live hosts where "
                 "at least one loaded rule tagged with the technique can fire", timefmt_format(now_us, when),
                 (unsigned long long)live);
        if (add(l, "name", json_object_new_string("spoor coverage")) < 0 ||
            add(l, "versions", v = json_object_new_object()) < 0 ||
            add(v, "attack", json_object_new_string("14")) < 0 ||
            add(v, "navigator", json_object_new_string("4.9.1")) < 0 ||
            add(v, "layer", json_object_new_string("4.5")) < 0 ||
            add(l, "domain", json_object_new_string("enterprise-attack")) < 0 ||
            add(l, "description", json_object_new_string(desc)) < 0 ||
            add(l, "techniques", techs = json_object_new_array()) < 0)
                goto fail;
        for (size_t i = 0; i < rp->ntechs; i++) {
                const struct rep_tech *t = &rp->techs[i];
                struct json_object *o = json_object_new_object();
                char kinds[160], comment[256];
                int64_t score = live ? (int64_t)((t->fire * 100 + live / 2) / live) : 0;

                report_kinds(kinds, sizeof(kinds), t->kinds);
                if (t->blind)
                        snprintf(comment, sizeof(comment), "rules: %zu; blinded on %llu hosts by: %s", t->nrules,
                                 (unsigned long long)t->blind, kinds);
                else
                        snprintf(comment, sizeof(comment), "rules: %zu; blinded on 0 hosts", t->nrules);
                if (push(techs, o) < 0 || add(o, "techniqueID", json_object_new_string(t->id)) < 0 ||
                    add(o, "score", json_object_new_int64(score)) < 0 ||
                    add(o, "comment", json_object_new_string(comment)) < 0)
                        goto fail;
        }
        if (add(l, "gradient", g = json_object_new_object()) < 0 ||
            add(g, "colors", colors = json_object_new_array()) < 0 ||
            push(colors, json_object_new_string("#ff6666")) < 0 || push(colors, json_object_new_string("#ffe766")) < 0 ||
            push(colors, json_object_new_string("#8ec843")) < 0 || add(g, "minValue", json_object_new_int(0)) < 0 ||
            add(g, "maxValue", json_object_new_int(100)) < 0 ||
            add(l, "legendItems", json_object_new_array()) < 0 || add(l, "metadata", json_object_new_array()) < 0 ||
            add(l, "showTacticRowBackground", json_object_new_boolean(0)) < 0 ||
            add(l, "selectTechniquesAcrossTactics", json_object_new_boolean(1)) < 0 ||
            add(l, "selectSubtechniquesWithParent", json_object_new_boolean(0)) < 0)
                goto fail;
        return l;
fail:
        json_object_put(l);
        return NULL;
}

static int tree_render(const struct coverage *cov, const struct ruleset *rs, int64_t grace_us, int64_t now_us,
                       struct json_object **coverage_out, struct json_object **layer_out)
{
        struct rep rp;
        size_t n = coverage_host_count(cov);
        struct coverage_host_view *hv = calloc(n ? n : 1, sizeof(*hv));
        struct json_object *o = json_object_new_object(), *hosts, *rules, *fleet;
        int64_t newest = INT64_MIN, live_from;
        uint64_t live = 0, stable = 0, esc = 0;
        double median;
        int r = -ENOMEM;

        *coverage_out = *layer_out = NULL;
        if (rep_init(&rp, rs) < 0 || !hv || !o)
                goto out;
        n = coverage_hosts(cov, hv, n);
        qsort(hv, n, sizeof(*hv), view_cmp);
        for (size_t i = 0; i < n; i++)
                if (hv[i].last_us > newest)
                        newest = hv[i].last_us;
        live_from = n ? newest - 2 * grace_us : 0;
        if (add(o, "generated", jtime(now_us)) < 0 || add(o, "hosts", hosts = json_object_new_object()) < 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                bool is_live = hv[i].last_us >= live_from;

                if (report_host(hosts, &hv[i], is_live) < 0)
                        goto out;
                if (!is_live)
                        continue;
                live++;
                rep_host(&rp, &hv[i]);
                for (size_t k = 0; k < rp.nrules; k++)
                        rp.rules[k].can += rp.can[k];
                for (size_t t = 0; t < rp.ntechs; t++) {
                        struct rep_tech *x = &rp.techs[t];
                        bool fire = false;
                        unsigned why = 0;

                        for (size_t k = 0; k < x->nrules && !fire; k++) {
                                fire = rp.can[x->rules[k]];
                                why |= rp.why[x->rules[k]];
                        }
                        if (fire) {
                                x->fire++;
                        } else {
                                x->blind++;
                                x->kinds |= why;
                        }
                }
        }
        if (add(o, "rules", rules = json_object_new_object()) < 0)
                goto out;
        for (size_t k = 0; k < rp.nrules; k++) {
                const struct rep_rule *x = &rp.rules[k];
                struct json_object *ro = json_object_new_object();

                if (add(rules, x->r->id, ro) < 0 || add(ro, "title", json_object_new_string(x->r->title ? x->r->title : "")) < 0 ||
                    add(ro, "can_fire_hosts", json_object_new_int64((int64_t)x->can)) < 0 ||
                    add(ro, "live_hosts", json_object_new_int64((int64_t)live)) < 0 ||
                    add(ro, "share", jnum(live ? (double)x->can / (double)live : 0)) < 0)
                        goto out;
                if (x->r->status && strcmp(x->r->status, "stable") == 0)
                        stable++;
        }
        for (size_t l = 0; l < sizeof(metrics.leads) / sizeof(metrics.leads[0]); l++)
                esc += metrics.leads[l][RECORD_KIND_ESCALATION];
        if (add(o, "fleet", fleet = json_object_new_object()) < 0 ||
            add(fleet, "hosts", json_object_new_int64((int64_t)n)) < 0 ||
            add(fleet, "live_hosts", json_object_new_int64((int64_t)live)) < 0 ||
            add(fleet, "gaps_surfaced", json_object_new_int64((int64_t)coverage_surfaced_gaps(cov))) < 0 ||
            add(fleet, "gaps_open", json_object_new_int64((int64_t)coverage_open_gaps(cov))) < 0 ||
            add(fleet, "gaps_closed", json_object_new_int64((int64_t)coverage_closed_gaps(cov))) < 0 ||
            json_object_object_add(fleet, "median_ttr_seconds",
                                   coverage_median_ttr(cov, &median) ? jnum(median) : NULL) < 0 ||
            add(fleet, "rules_loaded", json_object_new_int64((int64_t)rp.nrules)) < 0 ||
            add(fleet, "rules_stable", json_object_new_int64((int64_t)stable)) < 0 ||
            add(fleet, "rules_promoted", json_object_new_int64((int64_t)metrics.rules_promoted)) < 0 ||
            add(fleet, "escalations", json_object_new_int64((int64_t)esc)) < 0 ||
            add(o, "fleet_gaps", fleet = json_object_new_array()) < 0 || report_gaps(fleet, coverage_fleet_gaps(cov)) < 0)
                goto out;
        if (!(*layer_out = report_layer(&rp, live, now_us)))
                goto out;
        *coverage_out = o;
        o = NULL;
        r = 0;
out:
        json_object_put(o);
        free(hv);
        rep_free(&rp);
        return r;
}
