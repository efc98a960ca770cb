/* Noise control between the engine and the spool (contract in noise.h).
 *
 * Decisions:
 *   - The suppression window of a lead: its rule's `suppress:` when given
 *     (0 turns it off for that rule), else the config's `suppress`.  The
 *     group key: the host for a match, the joined group-by values for a
 *     correlation (the key the correlator used).
 *   - Suppressed leads do not count towards escalation: a burst of one
 *     lead is one finding, and its count is in the summary.  Escalations and
 *     summaries themselves are neither suppressed nor scored.
 *   - A correlation lead across hosts (host "*") is not scored: no host
 *     owns it.
 *   - Summaries point at the rule they summarise, so every window ends
 *     (noise_flush) before a reload frees the ruleset, and at exit.
 *   - Processing time for a lead is the receive time of its (last) event;
 *     the clock when that is unknown. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "spoor/engine.h"
#include "spoor/log.h"
#include "spoor/metrics.h"
#include "spoor/risk.h"
#include "spoor/suppress.h"
#include "spoor/timefmt.h"
#include "noise.h"

#define NOISE_KEY_SEP '\x1f'
#define NOISE_MAX_GROUP 64

struct noise {
        struct engine *e;
        struct suppressor *sup;
        struct risk *risk;
        int64_t suppress_us;            /* config default */
        struct risk_opts ropts;         /* as configured (for the record's thresholds) */
};

static void noise_copy(char *dst, size_t size, const char *src)
{
        size_t n = strnlen(src ? src : "", size - 1);

        memcpy(dst, src ? src : "", n);
        dst[n] = '\0';
}

static void noise_write(struct noise *n, const char *line, size_t len)
{
        if (n->e->spool)
                spool_write(n->e->spool, SPOOL_LEADS, line, len);
}

/* ---- summaries ------------------------------------------------------ */

static void noise_summary(void *ud, const struct suppress_summary *s)
{
        struct noise *n = ud;
        const struct sigma_rule *r = s->kind == RECORD_KIND_CORRELATION ?
                ((const struct sigma_corr *)s->rule)->meta : s->rule;
        const struct sigma_corr *c = s->kind == RECORD_KIND_CORRELATION ? s->rule : NULL;
        const char *names[NOISE_MAX_GROUP], *values[NOISE_MAX_GROUP];
        char keybuf[1024], *p = keybuf, *line = NULL;
        size_t ng = 0, len = 0;
        struct record_summary rs;
        int rc;

        if (c) {
                noise_copy(keybuf, sizeof(keybuf), s->group);
                while (ng < c->ngroup_by && ng < NOISE_MAX_GROUP) {
                        char *sep = strchr(p, NOISE_KEY_SEP);

                        names[ng] = c->group_by[ng];
                        values[ng++] = p;
                        if (!sep)
                                break;
                        *sep = '\0';
                        p = sep + 1;
                }
        } else {
                names[0] = "host";
                values[0] = s->group;
                ng = 1;
        }
        rs = (struct record_summary){
                .rule = r, .suppressed_kind = record_kind_name(s->kind), .host = s->host,
                .group_key = s->group, .group_names = names, .group_values = values, .ngroup = ng,
                .lead_id = s->lead_id, .opened_us = s->opened_us, .window_us = s->window_us,
                .count = s->count, .first_us = s->first_us, .last_us = s->last_us,
                .ids = s->ids, .nids = s->nids, .event = s->event, .ended = suppress_end_name(s->ended),
        };
        rc = record_lead_summary(&rs, timefmt_now_us(), &line, &len);
        if (rc < 0) {
                n->e->record_errors++;
                log_limited(302, LOG_ERR, "summary for rule %s: cannot build the record: %s", s->rule_id,
                            strerror(-rc));
                return;
        }
        metrics.lead_summaries++;
        noise_write(n, line, len);
        free(line);
}

/* ---- escalations ---------------------------------------------------- */

static void noise_escalate(void *ud, const struct risk_escalation *x)
{
        struct noise *n = ud;
        const char *tactics[_RISK_TACTIC_MAX];
        struct record_escalation re;
        char *line = NULL;
        size_t nt = 0, len = 0;
        int rc;

        for (int t = 0; t < _RISK_TACTIC_MAX; t++)
                if (x->tactics & (1u << t))
                        tactics[nt++] = risk_tactic_name((enum risk_tactic)t);
        re = (struct record_escalation){
                .host = x->host, .score = x->score, .score_threshold = n->ropts.score_threshold,
                .tactics = tactics, .ntactics = nt, .tactic_threshold = n->ropts.tactic_threshold,
                .by_score = x->by_score, .by_tactics = x->by_tactics, .window_us = n->ropts.window_us,
                .first_us = x->first_us, .last_us = x->last_us, .ids = x->ids, .events = x->events,
                .nleads = x->nleads,
        };
        rc = record_lead_escalation(&re, timefmt_now_us(), &line, &len);
        if (rc < 0) {
                n->e->record_errors++;
                log_limited(303, LOG_ERR, "escalation of host %s: cannot build the record: %s", x->host,
                            strerror(-rc));
                return;
        }
        n->e->leads++;
        metrics.leads[SIGMA_LEVEL_HIGH][RECORD_KIND_ESCALATION]++;
        noise_write(n, line, len);
        free(line);
}

/* ---- setup ---------------------------------------------------------- */

struct noise *noise_new(struct engine *e)
{
        struct noise *n = calloc(1, sizeof(*n));

        if (!n)
                return NULL;
        n->e = e;
        risk_opts_init(&n->ropts);
        return n;
}

void noise_free(struct noise *n)
{
        if (!n)
                return;
        suppress_free(n->sup);
        risk_free(n->risk);
        free(n);
}

int noise_configure(struct noise *n, const struct config *cfg)
{
        risk_opts_init(&n->ropts);
        n->ropts.window_us = (int64_t)cfg->escalation.window_s * 1000000;
        n->ropts.score_threshold = cfg->escalation.score_threshold;
        n->ropts.tactic_threshold = (size_t)cfg->escalation.tactic_threshold;
        for (size_t l = 0; l < _SIGMA_LEVEL_MAX && l < ELEMENTSOF(cfg->escalation.scores); l++)
                n->ropts.scores[l] = cfg->escalation.scores[l];
        n->ropts.escalate = noise_escalate;
        n->ropts.ud = n;
        n->suppress_us = (int64_t)cfg->suppress_s * 1000000;
        if (!n->sup) {
                struct suppress_opts so = {
                        .max_future_us = (int64_t)cfg->time.max_future_s * 1000000,
                        .summary = noise_summary,
                        .ud = n,
                };
                n->sup = suppress_new(&so);
                if (!n->sup)
                        return -ENOMEM;
        }
        if (!n->risk) {
                n->risk = risk_new(&n->ropts);
                if (!n->risk)
                        return -ENOMEM;
        } else {
                risk_configure(n->risk, &n->ropts);
        }
        return 0;
}

/* ---- leads ---------------------------------------------------------- */

void noise_lead_match(struct noise_lead *l, const struct sigma_rule *r, const struct winevent *ev)
{
        const struct winevent *evs[1] = { ev };

        memset(l, 0, sizeof(*l));
        l->rule = r;
        l->group = ev->host;
        noise_copy(l->host, sizeof(l->host), ev->host);
        l->time_us = ev->time_us;
        l->recv_us = ev->recv_us;
        l->first.time_us = ev->time_us;
        l->first.recv_us = ev->recv_us;
        l->first.record_id = ev->record_id;
        l->first.has_record_id = ev->has_record_id;
        l->first.event_id = (uint16_t)ev->event_id;
        noise_copy(l->first.host, sizeof(l->first.host), ev->host);
        noise_copy(l->first.channel, sizeof(l->first.channel), ev->channel);
        record_lead_id(r->id, record_kind_name(RECORD_KIND_MATCH), ev->host, evs, 1, l->id);
}

void noise_lead_corr(struct noise_lead *l, const struct sigma_corr *c, const struct corr_fire *f)
{
        memset(l, 0, sizeof(*l));
        l->rule = c->meta;
        l->corr = c;
        l->group = f->key;
        l->time_us = f->last_us;
        noise_copy(l->host, sizeof(l->host), f->nevents ? f->events[0].host : "*");
        for (size_t i = 1; i < f->nevents; i++)
                if (strcmp(f->events[i].host, l->host) != 0)
                        noise_copy(l->host, sizeof(l->host), "*");
        if (f->nevents) {
                l->first = f->events[0];
                l->recv_us = f->events[f->nevents - 1].recv_us;
        }
        record_lead_id_events(c->meta->id, record_kind_name(RECORD_KIND_CORRELATION), f->key, f->events,
                              f->nevents, l->id);
}

static int64_t noise_window(const struct noise *n, const struct sigma_rule *r)
{
        if (r->suppress_us == SIGMA_SUPPRESS_OFF)
                return 0;
        return r->suppress_us > 0 ? r->suppress_us : n->suppress_us;
}

bool noise_admit(struct noise *n, const struct noise_lead *l)
{
        struct suppress_lead sl;

        if (!n || !n->sup)
                return true;
        sl = (struct suppress_lead){
                .rule = l->corr ? (const void *)l->corr : (const void *)l->rule,
                .kind = l->corr ? RECORD_KIND_CORRELATION : RECORD_KIND_MATCH,
                .rule_id = l->rule->id, .group = l->group, .host = l->host,
                .window_us = noise_window(n, l->rule), .time_us = l->time_us,
                .recv_us = l->recv_us > 0 ? l->recv_us : timefmt_now_us(), .id = l->id, .event = &l->first,
        };
        if (sl.window_us <= 0)
                return true;
        if (suppress_check(n->sup, &sl)) {
                metrics.suppress_evicted = suppress_stats(n->sup)->evicted;
                return true;
        }
        metrics.leads_suppressed++;
        return false;
}

void noise_written(struct noise *n, const struct noise_lead *l)
{
        struct risk_lead rl;

        if (!n || !n->risk)
                return;
        rl = (struct risk_lead){
                .host = l->host, .time_us = l->time_us, .recv_us = l->recv_us > 0 ? l->recv_us : timefmt_now_us(),
                .level = l->rule->level, .tags = l->rule->tags, .ntags = l->rule->ntags, .id = l->id,
                .event = &l->first,
        };
        risk_observe(n->risk, &rl);
        metrics.escalation_evicted = risk_stats(n->risk)->evicted;
}

void noise_advance(struct noise *n, int64_t now_us)
{
        if (!n)
                return;
        suppress_advance(n->sup, now_us);
        risk_advance(n->risk, now_us);
        if (n->sup)
                metrics.suppress_evicted = suppress_stats(n->sup)->evicted;
}

void noise_flush(struct noise *n)
{
        if (n)
                suppress_flush(n->sup);
}
