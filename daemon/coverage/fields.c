/* field_missing for any field the loaded rules need: a host whose events
 * of an id a rule reads never carry the field that rule cannot do without.
 *
 * What the rules need (cov_fields_set_rules, again at every reload):
 *   - A variant *requires* field F when its condition cannot be YES while
 *     F is absent.  Computed per variant, not taken from needs_fields
 *     (which lists every field a selection reads, also under `not`): a
 *     selection is "no" without F when each of its groups holds an item
 *     that reads F (as its field or a fieldref's) and is not YES on an
 *     event without F (`null` and `exists: false` items are); the other
 *     selections are "unknown"; F is required when the condition (or one
 *     of the Sigma filter documents applied to the variant) is then NO.
 *     Kleene logic is monotone, so this never calls a field required that
 *     is not: a field read only to exclude events (`and not filter`) or in
 *     one branch of an `or` is never required.
 *   - Event ids: the variant's (logsource or sigma_load).  sigma_load
 *     leaves a variant at "any id" unless one required selection pins
 *     EventID, so `1 of selection_*` with an id in each selection reads
 *     "any" (18 Security variants of SigmaHQ); for those, the EventID
 *     values the items name are tried on an event holding only that
 *     EventID (every other item unknown), and the variant is pinned to the
 *     ids where it can fire when an event of another id cannot.  Counting
 *     every Security event against such a variant made false gaps ("none
 *     with ObjectValueName" on hosts that never sent a 4657).  Required
 *     fields are computed per event id the same way (an `or` of 4657 and
 *     4663 selections requires AccessMask on 4663 only).
 *   - EventID and Channel (every decoded event has them) and the fields
 *     spoord itself adds from its own state (InChangeWindow,
 *     SubjectLogonPrivileged, TaskParseError) are never a telemetry gap.
 *   - Fields spoord derives are checked at their source, and the gap names
 *     the source (fields_derived[]): 4688's IntegrityLevel is MandatoryLabel,
 *     the Task* fields of 4698 / 4702 are the task XML, and so on.
 *     logsource_derive runs after coverage (the derived name would be
 *     absent on every event), and a Task* field is absent whenever the
 *     task lacks that element: only a missing task XML is a telemetry gap.
 *   - (Security, CommandLine) belongs to coverage.c (cov_field_missing),
 *     with its own evidence and remedy: skipped here.
 *   - The table: needed channels; entries (channel, event id; 0 = a
 *     variant that reads every event of the channel) sorted, each with the
 *     slots of its fields; field names interned (intern.h) so an event pays
 *     a pointer comparison per field it holds.
 *
 * Observation (cov_fields_event):
 *   - Only events whose (channel, event id) has an entry, or whose channel
 *     has an "any id" entry, pay anything: a binary search for the entry,
 *     one for the host channel's observations of it, then one field lookup
 *     per needed field not yet seen on that host.
 *   - Per host channel, one 8-byte observation per needed (event id, field)
 *     pair: events seen without the field (saturating at 2^30), whether it
 *     was ever in one.  An entry's pairs are added together when its first
 *     event arrives; at most COV_FIELDS_MAX_PAIRS (256, 2 KiB) per host
 *     channel, entries beyond are not observed (counted in
 *     cov->fields.pairs_dropped, per event).  A reload forgets the
 *     observations (the table's slots changed); open gaps stay.
 *   - A field with an empty value is present: the source carries it and
 *     has nothing to say on that event (4768's CertThumbprint without
 *     PKINIT: counting "" as absent made a false gap on a domain
 *     controller).  The one field where empty means "not collected",
 *     4688's CommandLine, is coverage.c's.
 *
 * Gaps:
 *   - Opens once a pair counts COV_FIELDS_MIN_EVENTS events with the field
 *     never present: opened = that event's time.  50, because an event id
 *     carries the same template every time: a field that the source sends
 *     at all is in nearly every event, and 50 misses in a row leave less
 *     than 0.6 % for a field present in one event out of ten, while a host
 *     that sends an id a rule reads at all reaches 50 soon.  Fields filled
 *     only on rare events are the false-positive risk; a gap then closes
 *     at the first one that is.
 *   - One gap per (host, channel, field); event_ids: the pair's id first,
 *     then the other ids of the channel seen without the field (at most
 *     GAP_MAX_EVENT_IDS); none when opened by an "any id" pair.
 *   - blinds: the rules whose every variant on the channel requires the
 *     field on each of its event ids and has not seen it there (at least
 *     one of them seen without it), and that have no variant on another
 *     channel the host sends (they could fire there).
 *   - At most COV_FIELDS_MAX_GAPS (16) open per host: a host missing more
 *     fields than that has a forwarder or format problem the first 16
 *     already show; refusals are counted (cov->fields.gaps_capped, and per
 *     host) and retried when one of them closes.
 *   - Closes at the first event of one of its ids (any id when it has
 *     none) that carries the field; ttr = that event time - opened.  The
 *     channel's other ids still without the field open a new gap on their
 *     next event.  A gap whose field a reload no longer needs stays open,
 *     like channel_missing's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "fields_tab.h"
#include "spoor/metrics.h"
#include "spoor/enrich.h"
#include "spoor/intern.h"
#include "spoor/match.h"
#include "spoor/sigma_cond.h"


/* ---- observation -------------------------------------------------------- */

/* The event carries the field (or one that serves), even empty. */
static bool fields_present(const struct fields_field *f, const struct winevent *ev)
{
        for (size_t k = 0; k < FIELDS_NPROBES && f->probe[k]; k++) {
                const struct winevent_field *x = f->interned[k] ? winevent_get_interned(ev, f->probe[k])
                                                                : winevent_get(ev, f->probe[k]);
                if (x)
                        return true;
        }
        return false;
}

static const struct fields_entry *fields_entry_find(const struct cov_fields_tab *t, int32_t chan,
                                                    uint16_t event_id)
{
        size_t lo = t->chans[chan].lo, hi = t->chans[chan].hi;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (t->entries[mid].event_id == event_id)
                        return &t->entries[mid];
                if (t->entries[mid].event_id < event_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* First observation with slot >= `slot`. */
static size_t fields_obs_lower(const struct cov_fields_chan *fc, uint32_t slot)
{
        size_t lo = 0, hi = fc->nobs;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (fc->obs[mid].slot < slot)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static void fields_chan_reset(const struct coverage *cov, struct cov_chan *c)
{
        const struct cov_fields_tab *t = cov->fields.tab;

        free(c->fields.obs);
        c->fields = (struct cov_fields_chan){ .tchan = -1, .gen = cov->gen };
        for (size_t i = 0; t && i < t->nchans; i++)
                if (strcasecmp(t->chans[i].name, c->name) == 0)
                        c->fields.tchan = (int32_t)i;
}

/* The index of the entry's first observation, adding all its pairs when it
 * has none; -1 when the host channel is full. */
static ssize_t fields_obs_entry(struct coverage *cov, struct cov_chan *c, const struct fields_entry *e)
{
        struct cov_fields_chan *fc = &c->fields;
        size_t i = fields_obs_lower(fc, e->first);

        if (i < fc->nobs && fc->obs[i].slot == e->first)
                return (ssize_t)i;
        if (fc->nobs + e->n > COV_FIELDS_MAX_PAIRS) {
                cov->fields.pairs_dropped += e->n;
                metrics.coverage_field_pairs_dropped += e->n;
                return -1;
        }
        if (fc->nobs + e->n > fc->cap) {
                /* exactly what is needed: an entry is added once per event id a host channel
                 * sends, and every host keeps its observations */
                size_t cap = fc->nobs + e->n;
                struct cov_fields_obs *o;

                if (!(o = realloc(fc->obs, cap * sizeof(*o)))) {
                        cov->fields.pairs_dropped += e->n;
                        metrics.coverage_field_pairs_dropped += e->n;
                        return -1;
                }
                fc->obs = o;
                fc->cap = (uint16_t)cap;
        }
        memmove(&fc->obs[i + e->n], &fc->obs[i], (fc->nobs - i) * sizeof(*fc->obs));
        for (uint32_t k = 0; k < e->n; k++)
                fc->obs[i + k] = (struct cov_fields_obs){ .slot = e->first + k };
        fc->nobs += (uint16_t)e->n;
        return (ssize_t)i;
}

/* ---- gaps --------------------------------------------------------------- */

static const char *fields_name(const struct cov_fields_tab *t, uint32_t slot)
{
        return t->fields[t->slots[slot].field].probe[0];
}

static bool fields_mine(const struct gap *g)
{
        return g->kind == GAP_FIELD_MISSING && g->field &&
               !(strcasecmp(g->channel, "Security") == 0 && strcmp(g->field, "CommandLine") == 0);
}

static size_t fields_open_count(const struct cov_host *h)
{
        size_t n = 0;

        for (const struct gap *g = h->gaps.head; g; g = g->next)
                n += fields_mine(g);
        return n;
}

/* After a close: pairs that reached the threshold may try again. */
static void fields_retry(struct cov_host *h)
{
        for (size_t i = 0; i < h->nchans; i++)
                for (size_t k = 0; k < h->chans[i].fields.nobs; k++)
                        if (!h->chans[i].fields.obs[k].present)
                                h->chans[i].fields.obs[k].tried = 0;
}

/* What the host channel saw of `name` on (the channel's) event id. */
static void fields_state(const struct cov_fields_tab *t, const struct cov_chan *c, uint16_t event_id,
                         const char *name, bool *present, bool *without)
{
        const struct fields_entry *e = fields_entry_find(t, c->fields.tchan, event_id);
        size_t i = e ? fields_obs_lower(&c->fields, e->first) : c->fields.nobs;

        for (; e && i < c->fields.nobs && c->fields.obs[i].slot < e->first + e->n; i++) {
                const struct cov_fields_obs *o = &c->fields.obs[i];

                if (strcmp(fields_name(t, o->slot), name) != 0)
                        continue;
                *present |= o->present;
                *without |= !o->present && o->count > 0;
        }
}

/* The variant (on c's channel) cannot fire on this host for want of
 * `name`: it requires it on each of its event ids and has not seen it. */
static bool fields_var_blind(const struct cov_fields_tab *t, const struct cov_chan *c, const struct fields_var *fv,
                             const char *name, bool *without)
{
        const char *ch = t->chans[fv->chan].name;

        for (uint32_t e = fv->eid; e < fv->eid + fv->neid; e++) {
                uint16_t eid = t->eids[e];
                bool req = false, present = false;

                for (uint32_t k = fv->req; k < fv->req + fv->nreq && !req; k++)
                        req = t->reqs[k].event_id == eid &&
                              strcmp(fields_gap_name(ch, eid, t->reqs[k].name), name) == 0;
                if (!req)
                        return false;
                fields_state(t, c, eid, name, &present, without);
                if (present)
                        return false;
        }
        return true;
}

static void fields_blinds(const struct coverage *cov, const struct cov_host *h, const struct cov_chan *c,
                          struct gap *g)
{
        const struct cov_fields_tab *t = cov->fields.tab;

        for (size_t r = 0; r < t->nrules; r++) {
                bool on = false, blind = true, without = false;

                for (uint32_t k = t->rule_vars[r]; k < t->rule_vars[r + 1] && blind; k++) {
                        const struct fields_var *fv = &t->vars[k];
                        const char *ch = fv->v->source.channel;

                        if (fv->chan == c->fields.tchan) {
                                on = true;
                                blind = fields_var_blind(t, c, fv, g->field, &without);
                        } else if (ch && *ch) {
                                if (strcasecmp(ch, c->name) == 0)       /* no required field there */
                                        blind = false;
                                else if (cov_chan_find(h, ch))
                                        blind = false;
                        }
                }
                if (on && blind && without) {
                        const struct sigma_rule *rule = ruleset_rule_at(cov->rs, r, NULL, NULL);

                        gap_add_blind(g, rule->id, rule->title);
                }
        }
}

static void fields_evidence(struct gap *g, const struct cov_host *h, const struct cov_chan *c,
                            const struct fields_field *f, uint16_t event_id, uint32_t count, const uint32_t *counts)
{
        char more[256] = "", idtxt[8] = "";
        size_t len = 0;

        for (size_t i = 1; i < g->nevent_ids && len < sizeof(more); i++) {
                int n = snprintf(more + len, sizeof(more) - len, "%s%u %s %u", i == 1 ? " (nor " : ", ",
                                 (unsigned)counts[i], i == 1 ? "events of id" : "of id", (unsigned)g->event_ids[i]);
                len += n > 0 ? (size_t)n : 0;
        }
        if (len && len < sizeof(more))
                snprintf(more + len, sizeof(more) - len, ")");
        if (event_id)
                snprintf(idtxt, sizeof(idtxt), " %u", (unsigned)event_id);
        gap_set_evidence(g, "%u %s%s events from %s, none with %s%s%s%s%s%s%s", (unsigned)count, c->name, idtxt,
                         h->name, f->probe[0], f->via && f->via->alt ? " or " : "",
                         f->via && f->via->alt ? f->via->alt : "", more, f->via ? " (" : "",
                         f->via ? f->via->note : "", f->via ? ")" : "");
}

static void fields_remedy(struct gap *g, const struct cov_chan *c, const struct fields_field *f, uint16_t event_id)
{
        char buf[1536], idtxt[8] = "";

        if (event_id)
                snprintf(idtxt, sizeof(idtxt), " %u", (unsigned)event_id);
        snprintf(buf, sizeof(buf),
                 "%s%s%s%s events from this host never carry %s. Either the event does not carry that field on "
                 "this Windows version or audit configuration (compare one in Event Viewer, Details tab), or the "
                 "forwarder drops or renames it (NXLog im_msvistalog sends each EventData item as a top-level "
                 "field of its own name: look for Exec rules or xm_rewrite that delete or rename it; Winlogbeat "
                 "sends winlog.event_data.%s: look for drop_fields or rename processors), or the rules read a "
                 "name this source does not use (spoord --check -v lists the fields each rule reads).",
                 f->via && f->via->hint ? f->via->hint : "", f->via && f->via->hint ? " " : "", c->name, idtxt,
                 f->probe[0], f->probe[0]);
        gap_set_remedy(g, buf);
}

/* The pair at obs[i] reached the threshold on event time t. */
static void fields_open(struct coverage *cov, struct cov_host *h, struct cov_chan *c, size_t i, int64_t t)
{
        const struct cov_fields_tab *tab = cov->fields.tab;
        const struct cov_fields_obs *o = &c->fields.obs[i];
        const struct fields_field *f = &tab->fields[tab->slots[o->slot].field];
        uint16_t eid = tab->entries[tab->slots[o->slot].entry].event_id, ids[GAP_MAX_EVENT_IDS];
        uint32_t counts[GAP_MAX_EVENT_IDS];
        size_t nids = 0;
        struct gap *g;

        if (gaps_find(&h->gaps, GAP_FIELD_MISSING, c->name, f->probe[0]))
                return;
        if (fields_open_count(h) >= COV_FIELDS_MAX_GAPS) {
                cov->fields.gaps_capped++;
                metrics.coverage_field_gaps_capped++;
                h->fields.gaps_capped++;
                return;
        }
        if (eid) {
                ids[0] = eid;
                counts[nids++] = o->count;
        }
        for (size_t k = 0; eid && k < c->fields.nobs && nids < GAP_MAX_EVENT_IDS; k++) {
                const struct cov_fields_obs *x = &c->fields.obs[k];
                uint16_t xid = tab->entries[tab->slots[x->slot].entry].event_id;
                bool dup = xid == 0 || x->present || x->count == 0;

                for (size_t j = 0; j < nids && !dup; j++)
                        dup = ids[j] == xid;
                if (dup || strcmp(fields_name(tab, x->slot), f->probe[0]) != 0)
                        continue;
                ids[nids] = xid;
                counts[nids++] = x->count;
        }
        if (!(g = gap_new(GAP_FIELD_MISSING, h->name, c->name, ids, nids, f->probe[0], t)))
                return;
        fields_evidence(g, h, c, f, eid, o->count, counts);
        fields_remedy(g, c, f, eid);
        fields_blinds(cov, h, c, g);
        cov_open(cov, h, g);
}

/* The field arrived on an event of id event_id: close its gap when the gap
 * is about that id. */
static void fields_close(struct coverage *cov, struct cov_host *h, const struct cov_chan *c, const char *name,
                         uint16_t event_id, int64_t t)
{
        struct gap *g = gaps_find(&h->gaps, GAP_FIELD_MISSING, c->name, name);
        bool ours = g && g->nevent_ids == 0;

        for (size_t i = 0; g && i < g->nevent_ids && !ours; i++)
                ours = g->event_ids[i] == event_id;
        if (!ours || !fields_mine(g))
                return;
        gaps_close(cov->gaps, &h->gaps, g, t);
        fields_retry(h);
}

static void fields_observe(struct coverage *cov, struct cov_host *h, struct cov_chan *c,
                           const struct fields_entry *e, const struct winevent *ev)
{
        const struct cov_fields_tab *t = cov->fields.tab;
        ssize_t at = fields_obs_entry(cov, c, e);

        if (at < 0)
                return;
        for (size_t i = (size_t)at; i < (size_t)at + e->n; i++) {
                struct cov_fields_obs *o = &c->fields.obs[i];
                const struct fields_field *f;

                if (o->present)
                        continue;
                f = &t->fields[t->slots[o->slot].field];
                if (fields_present(f, ev)) {
                        o->present = 1;
                        fields_close(cov, h, c, f->probe[0], (uint16_t)ev->event_id, ev->time_us);
                        continue;
                }
                if (o->count < FIELDS_COUNT_MAX)
                        o->count++;
                if (o->count >= COV_FIELDS_MIN_EVENTS && !o->tried) {
                        o->tried = 1;
                        fields_open(cov, h, c, i, ev->time_us);
                }
        }
}

void cov_fields_event(struct coverage *cov, struct cov_host *h, struct cov_chan *c, const struct winevent *ev)
{
        const struct cov_fields_tab *t = cov->fields.tab;
        const struct fields_entry *e;

        if (!t)
                return;
        if (c->fields.gen != cov->gen)
                fields_chan_reset(cov, c);
        if (c->fields.tchan < 0 || ev->event_id > UINT16_MAX)
                return;
        if (ev->event_id != 0 && (e = fields_entry_find(t, c->fields.tchan, (uint16_t)ev->event_id)))
                fields_observe(cov, h, c, e, ev);
        if (t->chans[c->fields.tchan].any >= 0)
                fields_observe(cov, h, c, &t->entries[t->chans[c->fields.tchan].any], ev);
}

void cov_fields_host_fini(struct cov_host *h)
{
        h->fields.gaps_capped = 0;
}

void cov_fields_chan_fini(struct cov_chan *c)
{
        free(c->fields.obs);
        c->fields.obs = NULL;
        c->fields.nobs = c->fields.cap = 0;
}

void cov_fields_fleet_fini(struct coverage *cov)
{
        fields_tab_free(cov->fields.tab);
        cov->fields.tab = NULL;
}
