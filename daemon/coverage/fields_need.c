/* field_missing, part one: what the loaded rules need — which fields each
 * rule variant cannot do without, on which (channel, event id); the
 * decisions are in fields.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "fields_tab.h"
#include "spoor/enrich.h"
#include "spoor/intern.h"
#include "spoor/match.h"
#include "spoor/sigma_cond.h"


static const struct fields_derived fields_derived[] = {
        { "Security", 4688, "User", "SubjectUserName", "TargetUserName",
          "spoord derives User from them", NULL },
        { "Security", 4688, "IntegrityLevel", "MandatoryLabel", NULL,
          "spoord derives IntegrityLevel from it", NULL },
        { "Security", 4688, "NewProcessIdDecimal", "NewProcessId", NULL,
          "spoord derives the Sigma ProcessId from it", NULL },
        { "Security", 4688, "CreatorProcessIdDecimal", "ProcessId", NULL,
          "the creator's id: spoord derives the Sigma ParentProcessId from it",
          "NXLog CE's im_msvistalog drops 4688's ProcessId: its own ProcessID (the logging process) "
          "has the same name but for case and wins; NXLog Enterprise Edition calls its own "
          "ExecutionProcessID and keeps ProcessId; Winlogbeat sends winlog.event_data.ProcessId." },
        { "Security", 5156, "Initiated", "Direction", NULL, "spoord derives Initiated from it", NULL },
        { "Security", 5156, "ProtocolName", "Protocol", NULL, "spoord derives ProtocolName from it", NULL },
        { "Security", 4657, "TargetObject", "ObjectName", NULL, "spoord derives TargetObject from it", NULL },
        { "Security", 4698, "Task*", "TaskContent", NULL, "the task XML the Task* fields come from", NULL },
        { "Security", 4702, "Task*", "TaskContentNew", "TaskContent", "the task XML the Task* fields come from",
          NULL },
};

/* Never a telemetry gap: every decoded event has them, or spoord sets them
 * from its own state. */
static const char *const fields_skip[] = {
        "EventID", "Channel", ENRICH_FIELD_CHANGE_WINDOW, ENRICH_FIELD_PRIVILEGED, "TaskParseError",
};

/* ---- what the rules need ---------------------------------------------- */

/* Can the item be YES on an event without `field`?  False when it reads
 * the field and evaluates to NO or UNKNOWN on an event without any. */
static bool fields_item_requires(const struct match_item *it, const char *field)
{
        static const struct winevent empty;
        const char *ef = match_item_event_field(it), *rf = match_item_ref_field(it);

        if (!(ef && strcmp(ef, field) == 0) && !(rf && strcmp(rf, field) == 0))
                return false;
        return match_item_eval(it, &empty) != TRI_YES;
}

static bool fields_is_eid(const struct match_item *it)
{
        const char *ef = match_item_event_field(it);

        return ef && strcmp(ef, "EventID") == 0;
}

/* What a selection can be on an event that lacks `field` (NULL: any
 * field) and whose EventID is the one of `eid` (NULL: any): NO when each
 * group holds an item that cannot be YES there, else UNKNOWN.  Only the
 * EventID items see `eid`: every other item is unknown. */
struct fields_leaf {
        const struct sigma_selection *sels;
        const char *field;
        const struct winevent *eid;
};

static enum tri fields_leaf(void *ud, size_t i)
{
        const struct fields_leaf *l = ud;
        const struct sigma_selection *s = &l->sels[i];

        if (s->ngroups == 0)
                return TRI_UNKNOWN;
        for (size_t g = 0; g < s->ngroups; g++) {
                bool no = false;

                for (size_t k = 0; k < s->groups[g].nitems && !no; k++) {
                        const struct match_item *it = s->groups[g].items[k];

                        no = (l->field && fields_item_requires(it, l->field)) ||
                             (l->eid && fields_is_eid(it) && match_item_eval(it, l->eid) == TRI_NO);
                }
                if (!no)
                        return TRI_UNKNOWN;
        }
        return TRI_NO;
}

/* Can the variant fire on such an event (see fields_leaf)?  Kleene logic
 * is monotone: NO here means no event of that kind can make it YES. */
static bool fields_can_fire(const struct sigma_variant *v, const char *field, const struct winevent *eid)
{
        struct fields_leaf l = { v->sels, field, eid };

        if (cond_eval(v->cond, fields_leaf, &l) == TRI_NO)
                return false;
        for (size_t f = 0; f < v->nfilters; f++) {
                l.sels = v->filters[f].sels;
                if (cond_eval(v->filters[f].cond, fields_leaf, &l) == TRI_NO)
                        return false;
        }
        return true;
}

/* A synthetic event that holds only EventID = id.  0 or -ENOMEM. */
static int fields_eid_event(struct winevent *ev, uint16_t id)
{
        char buf[8];
        int n = snprintf(buf, sizeof(buf), "%u", (unsigned)id);

        winevent_reset(ev);
        ev->event_id = id;
        return winevent_set_field(ev, "EventID", 7, buf, (size_t)n);
}

/* The decimal EventID values a variant's EventID items name, once. */
static size_t fields_eid_values(const struct sigma_variant *v, uint16_t *ids, size_t max)
{
        size_t n = 0;

        for (size_t s = 0; s < v->nsels; s++)
                for (size_t g = 0; g < v->sels[s].ngroups; g++)
                        for (size_t k = 0; k < v->sels[s].groups[g].nitems; k++) {
                                const struct match_item *it = v->sels[s].groups[g].items[k];
                                size_t nn = fields_is_eid(it) ? match_item_needles(it) : 0;

                                for (size_t i = 0; i < nn; i++) {
                                        const unsigned char *b;
                                        size_t len, j;
                                        unsigned long x = 0;
                                        bool cased, dup = false;

                                        match_item_needle(it, i, &b, &len, &cased);
                                        for (j = 0; j < len && j < 5 && b[j] >= '0' && b[j] <= '9'; j++)
                                                x = x * 10 + (b[j] - '0');
                                        if (j != len || len == 0 || x > UINT16_MAX || x == 0)
                                                continue;
                                        for (j = 0; j < n && !dup; j++)
                                                dup = ids[j] == x;
                                        if (!dup && n < max)
                                                ids[n++] = (uint16_t)x;
                                }
                        }
        return n;
}

/* The event ids of a variant the logsource and sigma_load left at "any":
 * the EventID values its items name on which it can fire, when an event
 * of another id cannot make it fire; else just 0 (any).  Missing an id
 * here only means observing less. */
static size_t fields_infer_eids(const struct sigma_variant *v, struct winevent *ev, uint16_t *ids, size_t max,
                                int *err)
{
        uint16_t cand[64], other = UINT16_MAX;
        size_t ncand = fields_eid_values(v, cand, 64), n = 0;
        bool taken = true;

        for (size_t i = 0; i < ncand && n < max; i++) {
                if ((*err = fields_eid_event(ev, cand[i])) < 0)
                        return 0;
                if (fields_can_fire(v, NULL, ev))
                        ids[n++] = cand[i];
        }
        while (taken && other > 0) {
                taken = false;
                for (size_t i = 0; i < ncand && !taken; i++)
                        taken = cand[i] == other;
                other -= taken;
        }
        if (n && (*err = fields_eid_event(ev, other)) == 0 && !fields_can_fire(v, NULL, ev))
                return n;
        ids[0] = 0;
        return 1;
}

static bool fields_skipped(const char *name)
{
        for (size_t i = 0; i < sizeof(fields_skip) / sizeof(fields_skip[0]); i++)
                if (strcmp(name, fields_skip[i]) == 0)
                        return true;
        return false;
}

static const struct fields_derived *fields_derived_for(const char *channel, uint16_t event_id, const char *read)
{
        for (size_t i = 0; i < sizeof(fields_derived) / sizeof(fields_derived[0]); i++) {
                const struct fields_derived *d = &fields_derived[i];
                bool name = strcmp(d->read, "Task*") == 0 ? strncmp(read, "Task", 4) == 0 : strcmp(read, d->read) == 0;

                if (d->event_id == event_id && name && strcasecmp(d->channel, channel) == 0)
                        return d;
        }
        return NULL;
}

/* The name the gap carries for `read` on (channel, event id). */
const char *fields_gap_name(const char *channel, uint16_t event_id, const char *read)
{
        const struct fields_derived *d = fields_derived_for(channel, event_id, read);

        return d ? d->field : read;
}

/* A stable copy of name: interned when intern() takes it.  NULL: ENOMEM. */
static const char *fields_keep(struct cov_fields_tab *t, const char *name, bool *interned)
{
        const char *s = intern(name, strlen(name));
        char **o;

        *interned = s != NULL;
        if (s)
                return s;
        o = realloc(t->owned, (t->nowned + 1) * sizeof(*o));
        if (!o)
                return NULL;
        t->owned = o;
        if (!(o[t->nowned] = strdup(name)))
                return NULL;
        return o[t->nowned++];
}

static int fields_push(void **arr, size_t *n, size_t *cap, size_t size)
{
        if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 64;
                void *a = realloc(*arr, c * size);

                if (!a)
                        return -ENOMEM;
                *arr = a;
                *cap = c;
        }
        (*n)++;
        return 0;
}

#define FIELDS_PUSH(arr, n, cap) fields_push((void **)&(arr), &(n), &(cap), sizeof(*(arr)))

/* Every event field the variant's selections and filters read, once. */
static int fields_candidates(const struct sigma_variant *v, const char ***out, size_t *n, size_t *cap)
{
        for (size_t f = 0; f <= v->nfilters; f++) {
                const struct sigma_selection *sels = f == 0 ? v->sels : v->filters[f - 1].sels;
                size_t nsels = f == 0 ? v->nsels : v->filters[f - 1].nsels;

                for (size_t s = 0; s < nsels; s++)
                        for (size_t g = 0; g < sels[s].ngroups; g++)
                                for (size_t k = 0; k < sels[s].groups[g].nitems; k++) {
                                        const struct match_item *it = sels[s].groups[g].items[k];
                                        const char *names[2] = { match_item_event_field(it),
                                                                 match_item_ref_field(it) };

                                        for (size_t x = 0; x < 2; x++) {
                                                bool dup = !names[x];

                                                for (size_t j = 0; j < *n && !dup; j++)
                                                        dup = strcmp((*out)[j], names[x]) == 0;
                                                if (dup)
                                                        continue;
                                                if (FIELDS_PUSH(*out, *n, *cap) < 0)
                                                        return -ENOMEM;
                                                (*out)[*n - 1] = names[x];
                                        }
                                }
        }
        return 0;
}

struct fields_caps {
        size_t eids, reqs, chans;
};

static int32_t fields_chan_index(struct cov_fields_tab *t, const char *channel, size_t *cap)
{
        for (size_t i = 0; i < t->nchans; i++)
                if (strcasecmp(t->chans[i].name, channel) == 0)
                        return (int32_t)i;
        if (FIELDS_PUSH(t->chans, t->nchans, *cap) < 0)
                return -ENOMEM;
        t->chans[t->nchans - 1] = (struct fields_chan){ .name = channel, .any = -1 };
        return (int32_t)(t->nchans - 1);
}

/* One variant: its event ids into t->eids, and per id the fields it
 * requires into t->reqs. */
static int fields_add_variant(struct cov_fields_tab *t, const struct sigma_variant *v, struct fields_caps *caps,
                              struct winevent *ev)
{
        struct fields_var *fv = &t->vars[t->nvars++];
        const char **cand = NULL;
        size_t ncand = 0, candcap = 0, neid;
        uint16_t ids[64];
        int r = 0;

        *fv = (struct fields_var){ .v = v, .chan = -1, .eid = (uint32_t)t->neids, .req = (uint32_t)t->nreqs };
        if (!v->source.channel || !*v->source.channel)
                return 0;
        if (v->nevent_ids) {
                neid = v->nevent_ids;
                memcpy(ids, v->event_ids, neid * sizeof(ids[0]));
        } else {
                neid = fields_infer_eids(v, ev, ids, 64, &r);
        }
        if (r == 0)
                r = fields_candidates(v, &cand, &ncand, &candcap);
        for (size_t e = 0; r == 0 && e < neid; e++) {
                const struct winevent *eidev = ids[e] ? ev : NULL;

                if (FIELDS_PUSH(t->eids, t->neids, caps->eids) < 0) {
                        r = -ENOMEM;
                        break;
                }
                t->eids[t->neids - 1] = ids[e];
                if (ids[e] && (r = fields_eid_event(ev, ids[e])) < 0)
                        break;
                if (!fields_can_fire(v, NULL, eidev))
                        continue;       /* never on this id: it requires nothing there */
                for (size_t i = 0; r == 0 && i < ncand; i++) {
                        bool interned;
                        const char *name;

                        if (fields_skipped(cand[i]) || fields_can_fire(v, cand[i], eidev))
                                continue;
                        if (!(name = fields_keep(t, cand[i], &interned)) ||
                            FIELDS_PUSH(t->reqs, t->nreqs, caps->reqs) < 0)
                                r = -ENOMEM;
                        else
                                t->reqs[t->nreqs - 1] = (struct fields_req){ ids[e], name };
                }
        }
        free(cand);
        if (r < 0)
                return r;
        fv->neid = (uint32_t)(t->neids - fv->eid);
        fv->nreq = (uint32_t)(t->nreqs - fv->req);
        if (fv->nreq) {
                fv->chan = fields_chan_index(t, v->source.channel, &caps->chans);
                if (fv->chan < 0)
                        return fv->chan;
        }
        return 0;
}

/* The field object for `read` on (channel, event id), added if new. */
static int fields_field_index(struct cov_fields_tab *t, const char *channel, uint16_t event_id, const char *read,
                              size_t *cap)
{
        const struct fields_derived *d = fields_derived_for(channel, event_id, read);
        const char *want[FIELDS_NPROBES] = { read };
        struct fields_field *f;

        if (d) {
                want[0] = d->field;
                want[1] = d->alt;
                want[2] = strcmp(d->read, "Task*") == 0 ? NULL : d->read;
        }
        for (size_t i = 0; i < t->nfields; i++) {
                bool same = t->fields[i].via == d;

                for (size_t k = 0; k < FIELDS_NPROBES && same; k++)
                        same = (!want[k] && !t->fields[i].probe[k]) ||
                               (want[k] && t->fields[i].probe[k] && strcmp(want[k], t->fields[i].probe[k]) == 0);
                if (same)
                        return (int)i;
        }
        if (FIELDS_PUSH(t->fields, t->nfields, *cap) < 0)
                return -ENOMEM;
        f = &t->fields[t->nfields - 1];
        memset(f, 0, sizeof(*f));
        f->via = d;
        for (size_t k = 0, j = 0; k < FIELDS_NPROBES; k++) {
                if (!want[k])
                        continue;
                if (!(f->probe[j] = fields_keep(t, want[k], &f->interned[j])))
                        return -ENOMEM;
                j++;
        }
        return (int)(t->nfields - 1);
}

struct fields_triple {
        uint32_t chan;
        uint16_t event_id;
        uint32_t field;
};

static int fields_triple_cmp(const void *a, const void *b)
{
        const struct fields_triple *x = a, *y = b;

        if (x->chan != y->chan)
                return x->chan < y->chan ? -1 : 1;
        if (x->event_id != y->event_id)
                return x->event_id < y->event_id ? -1 : 1;
        return (x->field > y->field) - (x->field < y->field);
}

/* Every (channel, event id, field) the variants require, sorted, once. */
static int fields_triples(struct cov_fields_tab *t, struct fields_triple **out, size_t *n)
{
        size_t cap = 0, fcap = 0;

        *out = NULL;
        *n = 0;
        for (size_t i = 0; i < t->nvars; i++) {
                const struct fields_var *fv = &t->vars[i];
                const char *ch = fv->chan >= 0 ? t->chans[fv->chan].name : NULL;

                for (uint32_t k = 0; ch && k < fv->nreq; k++) {
                        const struct fields_req *q = &t->reqs[fv->req + k];
                        int f;

                        if (strcasecmp(ch, "Security") == 0 &&
                            strcmp(fields_gap_name(ch, q->event_id, q->name), "CommandLine") == 0)
                                continue;       /* coverage.c's */
                        if ((f = fields_field_index(t, ch, q->event_id, q->name, &fcap)) < 0 ||
                            FIELDS_PUSH(*out, *n, cap) < 0)
                                return -ENOMEM;
                        (*out)[*n - 1] = (struct fields_triple){ (uint32_t)fv->chan, q->event_id, (uint32_t)f };
                }
        }
        if (*n)
                qsort(*out, *n, sizeof(**out), fields_triple_cmp);
        return 0;
}

/* Entries and slots from the sorted triples. */
static int fields_index(struct cov_fields_tab *t, const struct fields_triple *tr, size_t n)
{
        t->slots = calloc(n ? n : 1, sizeof(*t->slots));
        t->entries = calloc(n ? n : 1, sizeof(*t->entries));
        if (!t->slots || !t->entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct fields_entry *e = t->nentries ? &t->entries[t->nentries - 1] : NULL;

                if (i && fields_triple_cmp(&tr[i], &tr[i - 1]) == 0)
                        continue;
                if (!e || e->chan != tr[i].chan || e->event_id != tr[i].event_id) {
                        e = &t->entries[t->nentries++];
                        *e = (struct fields_entry){ tr[i].chan, tr[i].event_id, (uint32_t)t->nslots, 0 };
                }
                t->slots[t->nslots++] = (struct fields_slot){ tr[i].field, (uint32_t)(t->nentries - 1) };
                e->n++;
        }
        for (size_t c = 0; c < t->nchans; c++)
                t->chans[c].lo = t->chans[c].hi = 0;
        for (size_t i = t->nentries; i-- > 0;) {
                struct fields_chan *c = &t->chans[t->entries[i].chan];

                if (c->hi == 0)
                        c->hi = (uint32_t)i + 1;
                c->lo = (uint32_t)i;
                if (t->entries[i].event_id == 0)
                        c->any = (int32_t)i;
        }
        return 0;
}

void fields_tab_free(struct cov_fields_tab *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->nowned; i++)
                free(t->owned[i]);
        free(t->owned);
        free(t->chans);
        free(t->fields);
        free(t->entries);
        free(t->slots);
        free(t->vars);
        free(t->rule_vars);
        free(t->reqs);
        free(t->eids);
        free(t);
}

static int fields_build(const struct ruleset *rs, struct cov_fields_tab **out)
{
        struct cov_fields_tab *t = calloc(1, sizeof(*t));
        size_t nrules = ruleset_rule_count(rs), nvars = 0, ntr = 0;
        struct fields_caps caps = { 0 };
        struct fields_triple *tr = NULL;
        struct winevent ev;
        int r = 0;

        *out = NULL;
        if (!t)
                return -ENOMEM;
        winevent_init(&ev);
        for (size_t i = 0; i < nrules; i++) {
                size_t nv;

                ruleset_rule_at(rs, i, NULL, &nv);
                nvars += nv;
        }
        t->nrules = nrules;
        t->rule_vars = calloc(nrules + 1, sizeof(*t->rule_vars));
        t->vars = calloc(nvars ? nvars : 1, sizeof(*t->vars));
        if (!t->rule_vars || !t->vars)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < nrules; i++) {
                const struct sigma_variant *vs;
                size_t nv;

                ruleset_rule_at(rs, i, &vs, &nv);
                t->rule_vars[i] = (uint32_t)t->nvars;
                for (size_t k = 0; r == 0 && k < nv; k++)
                        r = fields_add_variant(t, &vs[k], &caps, &ev);
        }
        winevent_free(&ev);
        if (t->rule_vars)
                t->rule_vars[nrules] = (uint32_t)t->nvars;
        if (r == 0)
                r = fields_triples(t, &tr, &ntr);
        if (r == 0)
                r = fields_index(t, tr, ntr);
        free(tr);
        if (r < 0) {
                fields_tab_free(t);
                return r;
        }
        *out = t;
        return 0;
}

int cov_fields_set_rules(struct coverage *cov)
{
        fields_tab_free(cov->fields.tab);
        cov->fields.tab = NULL;
        if (!cov->rs)
                return 0;
        return fields_build(cov->rs, &cov->fields.tab);        /* host channels reset on cov->gen */
}
