/* audit_off from twins: events two telemetry sources both write for one
 * action, so that one arriving without the other is evidence that the
 * other source is switched off.  Also from 4719, the audit policy change
 * that turns a needed subcategory off.
 *
 * The twins (w = coverage.twin_window, event time; 5 min when unset):
 *   task     TaskScheduler/Operational 106 (TaskName) ↔ Security 4698 of the
 *            same TaskName (compared case-insensitively).  Missing 4698:
 *            "Audit Other Object Access Events" is off.
 *   forward  Sysmon 1 ↔ any Security 4688.  Missing: "Audit Process
 *            Creation" is off.  Process-creation auditing is all or
 *            nothing, so ANY event of that subcategory within ±w of the
 *            Sysmon 1 proves it on; the image need not match.
 *   reverse  Security 4688 ↔ any Sysmon 1.  Missing: Sysmon's event 1
 *            does not arrive (its configuration logs no ProcessCreate, or
 *            the forwarder does not select event 1).  Sysmon configurations
 *            filter processes, so only the absence of ANY Sysmon 1 within
 *            ±w counts.
 *
 * Decisions:
 *   - A subcategory is proven on around time t by any Security event of
 *     that subcategory (remedy_audit_for) within [t - w, t + w] that is not
 *     an AUDIT_FAILURE (a failure proves only failure auditing).  For the
 *     task twin that is broader than "the 4698 of that task": a 4702 or a
 *     4698 of another task in the window means the subcategory was on and
 *     the missing 4698 went astray some other way (events_lost's business
 *     when it leaves a record hole), not audit_off.  The TaskName match
 *     only releases a waiting 106 early.
 *   - Evidence, not absence: a waiting event is judged only once the
 *     TWIN'S CHANNEL from that host has moved past t + w (an event of that
 *     channel dated after it; at cov_twins_flush, its newest event time
 *     >= t + w), and only if that channel carried some event within
 *     [t - w, t + w]: it was flowing then, just without the twin.  A host
 *     that never sends Security (for the task and forward twins) or Sysmon
 *     (reverse) gets no audit_off: that is channel_missing, which already
 *     names the remedy and the blinded rules.  So the reverse twin means
 *     "Sysmon runs and is forwarded, but its event 1 does not arrive".
 *     Judging on the twin's own channel also keeps a lagging channel (the
 *     forwarder reading Security later than Sysmon) from looking like a gap.
 *   - What was seen is kept as marks: per host and kind (events of 4698's
 *     subcategory, of 4688's subcategory, Sysmon 1) a ring of
 *     TWINS_BUCKETS one-bit buckets of w/16, i.e. 16 windows of history.
 *     A window is checked bucket-wise (up to w/16 lenient at its ends).  A
 *     window older than the ring, or starting before the host's first
 *     event seen here (or before the marks restarted because the window
 *     was reconfigured), gets no verdict unless a twin is found in it.
 *   - Per host: TWINS_TASKS (16) waiting 106s; when full, the oldest is
 *     dropped without a verdict (later ones still carry the evidence).  One
 *     waiting Sysmon 1 and one waiting 4688: while one waits, later ones are
 *     not queued (the first verdict says the same about the window).  The
 *     state is allocated at a host's first twin-relevant event, the task
 *     list at its first 106 (twins.h).  A waiting event's name (task,
 *     image; at most TWINS_WHAT - 1 bytes) is a heap copy held while it
 *     waits, not a buffer in every wait: most hosts hold a wait or two for
 *     good.  The state is not saved across restarts: after one, windows
 *     that start before the host's first event get no verdict (open gaps
 *     are persist.c's and are found again by key).
 *   - The gap opens at t + w, when the twin was due, so replay and live
 *     write the same id and ttr.  Channel "Security" with key = the
 *     subcategory GUID (the remedy table's spelling), event_ids [4698] or
 *     [4688]; for the reverse twin channel Sysmon, key "sysmon", [1].
 *   - Twins are judged only when the loaded rules need the missing side (a
 *     variant on Security naming 4698 / 4688, or on Sysmon naming 1; a
 *     variant with no event ids needs every event of its channel).  No
 *     rules: no judging.  Marks are kept regardless, so a reload can judge.
 *   - 4719 (SubcategoryGuid, AuditPolicyChanges as "%%8448, %%8450" or the
 *     rendered "Success removed, Failure removed"): success removed from a
 *     subcategory some needed Security event id belongs to opens audit_off
 *     (key = GUID, event_ids = the needed ids of it, up to
 *     GAP_MAX_EVENT_IDS); success added closes it.  GUIDs compare
 *     case-insensitively, braces optional.  Failure changes alone say
 *     nothing about success auditing and are ignored.
 *   - Closing: an audit_off gap on Security closes on any later non-failure
 *     event of its subcategory from the host (the subcategory is on again;
 *     ttr = that event's time - opened), or a 4719 adding success back;
 *     the Sysmon gap closes on the next Sysmon 1.  The closing event must
 *     be dated at or after the opening: an older one arriving late says
 *     nothing about the time since.  One open gap per host and key: a
 *     twin and a 4719 about one subcategory share it.
 *   - blinds: the rules that have a variant needing only the missing events
 *     (its channel, all its event ids in the off subcategory, or Sysmon 1)
 *     and no other variant that can fire on this host (a variant on a
 *     channel the host sends, or on no channel). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coverage_impl.h"
#include "spoor/remedy.h"
#include "spoor/timefmt.h"

#define TWINS_SECURITY "Security"
#define TWINS_SYSMON "Microsoft-Windows-Sysmon/Operational"
#define TWINS_TASKSCHED "Microsoft-Windows-TaskScheduler/Operational"
#define TWINS_SYSMON_KEY "sysmon"
#define TWINS_WINDOW_DEFAULT (INT64_C(300) * 1000000)
#define TWINS_GUID_LEN 36               /* without braces */

enum twins_tri { TWINS_NO, TWINS_YES, TWINS_UNKNOWN };

/* What one event is to the twins. */
struct twins_ev {
        bool sec, sysmon, sysmon1, task106;
        bool proof;                     /* a Security event of a subcategory, not an AUDIT_FAILURE */
        bool sub_task, sub_proc;        /* proof, of 4698's / 4688's subcategory */
        const struct remedy_audit *audit;       /* Security: its subcategory, or NULL */
};

static int64_t twins_window(const struct coverage *cov)
{
        return cov->o.twin_window_us > 0 ? cov->o.twin_window_us : TWINS_WINDOW_DEFAULT;
}

static int64_t twins_bucket(int64_t t, int64_t q)
{
        return t >= 0 ? t / q : -((-t + q - 1) / q);
}

/* ---- GUIDs and names ----------------------------------------------------- */

/* "{0cce9227-...}" or "0CCE9227-..." as "{0CCE9227-...}" into out; false
 * when it is not 36 characters inside optional braces. */
static bool twins_guid_canon(const char *s, char out[TWINS_GUID_LEN + 3])
{
        size_t n;

        if (*s == '{')
                s++;
        n = strlen(s);
        if (n && s[n - 1] == '}')
                n--;
        if (n != TWINS_GUID_LEN)
                return false;
        out[0] = '{';
        for (size_t i = 0; i < n; i++)
                out[i + 1] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
        out[n + 1] = '}';
        out[n + 2] = '\0';
        return true;
}

static bool twins_guid_eq(const char *a, const char *b)
{
        char x[TWINS_GUID_LEN + 3], y[TWINS_GUID_LEN + 3];

        return twins_guid_canon(a, x) && twins_guid_canon(b, y) && strcmp(x, y) == 0;
}

static const char *twins_guid_of(uint16_t event_id)
{
        const struct remedy_audit *a = remedy_audit_for(event_id);

        return a ? a->guid : NULL;
}

static uint64_t twins_hash_lower(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                h = (h ^ (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c)) * 1099511628211ULL;
        }
        return h;
}

static const char *twins_field(const struct winevent *ev, const char *name)
{
        const struct winevent_field *f = winevent_get(ev, name);

        return f ? f->value : NULL;
}

static const char *twins_basename(const char *path)
{
        const char *b = path;

        for (const char *p = path; *p; p++)
                if (*p == '\\' || *p == '/')
                        b = p + 1;
        return *b ? b : path;
}

/* ---- marks ------------------------------------------------------------------ */

static size_t marks_pos(int64_t b)
{
        return (size_t)(((b % TWINS_BUCKETS) + TWINS_BUCKETS) % TWINS_BUCKETS);
}

static bool marks_get(const struct cov_twins_marks *m, int64_t b)
{
        size_t p = marks_pos(b);

        return m->bits[p / 64] >> (p % 64) & 1;
}

static void marks_add(struct cov_twins_marks *m, int64_t b)
{
        size_t p;

        if (!m->any) {
                memset(m->bits, 0, sizeof(m->bits));
                m->top = b;
                m->any = true;
        } else if (b > m->top) {
                if (b - m->top >= TWINS_BUCKETS) {
                        memset(m->bits, 0, sizeof(m->bits));
                } else {
                        for (int64_t x = m->top + 1; x <= b; x++) {
                                p = marks_pos(x);
                                m->bits[p / 64] &= ~(UINT64_C(1) << (p % 64));
                        }
                }
                m->top = b;
        } else if (m->top - b >= TWINS_BUCKETS) {
                return;         /* older than the history */
        }
        p = marks_pos(b);
        m->bits[p / 64] |= UINT64_C(1) << (p % 64);
}

/* Any mark in buckets lo..hi?  UNKNOWN: none, and part of the range is
 * older than the ring. */
static enum twins_tri marks_any(const struct cov_twins_marks *m, int64_t lo, int64_t hi)
{
        int64_t first;

        if (!m->any || lo > m->top)
                return TWINS_NO;
        if (hi > m->top)
                hi = m->top;
        first = m->top - TWINS_BUCKETS + 1;
        for (int64_t b = lo > first ? lo : first; b <= hi; b++)
                if (marks_get(m, b))
                        return TWINS_YES;
        return lo < first ? TWINS_UNKNOWN : TWINS_NO;
}

/* Was there a twin (a mark) within [t - w, t + w]? */
static enum twins_tri twins_seen(const struct cov_twins_state *st, const struct cov_twins_marks *m, int64_t t,
                                 int64_t w)
{
        enum twins_tri r = marks_any(m, twins_bucket(t - w, st->q_us), twins_bucket(t + w, st->q_us));

        return r == TWINS_NO && t - w < st->since_us ? TWINS_UNKNOWN : r;
}

static struct cov_twins_state *twins_state(const struct coverage *cov, struct cov_host *h, int64_t t)
{
        struct cov_twins_state *st = h->twins.st;
        int64_t q = twins_window(cov) / 16;

        if (q < 1)
                q = 1;
        if (!st) {
                if (!(st = calloc(1, sizeof(*st))))
                        return NULL;
                st->q_us = q;
                st->since_us = h->twins.since_us;
                h->twins.st = st;
        } else if (st->q_us != q) {     /* the window was reconfigured: marks restart */
                st->m_task.any = st->m_proc.any = st->m_sysmon1.any = false;
                st->q_us = q;
                st->since_us = t;
        }
        return st;
}

/* ---- opening gaps ------------------------------------------------------------ */

/* Is event `id` of `channel` among what the gap `key` says is off? */
static bool twins_is_off(const char *channel, const char *key, uint16_t id)
{
        const char *guid;

        if (strcasecmp(channel, TWINS_SYSMON) == 0)
                return id == 1;
        guid = twins_guid_of(id);
        return guid && twins_guid_eq(guid, key);
}

static void twins_blinds(const struct coverage *cov, const struct cov_host *h, struct gap *g)
{
        size_t nrules = ruleset_rule_count(cov->rs);

        for (size_t i = 0; i < nrules; i++) {
                const struct sigma_variant *vs;
                size_t nv;
                const struct sigma_rule *r = ruleset_rule_at(cov->rs, i, &vs, &nv);
                bool off = false, live = false;

                for (size_t k = 0; k < nv && !live; k++) {
                        const char *ch = vs[k].source.channel;
                        bool all = vs[k].nevent_ids > 0;

                        if (!ch || !*ch) {
                                live = true;
                                break;
                        }
                        if (strcasecmp(ch, g->channel) == 0) {
                                for (size_t j = 0; j < vs[k].nevent_ids && all; j++)
                                        all = twins_is_off(g->channel, g->key, vs[k].event_ids[j]);
                                if (all) {
                                        off = true;
                                        continue;
                                }
                        }
                        if (cov_chan_find(h, ch))
                                live = true;
                }
                if (off && !live)
                        gap_add_blind(g, r->id, r->title);
        }
}

static void twins_open(struct coverage *cov, struct cov_host *h, const char *channel, const uint16_t *ids, size_t n,
                       const char *key, int64_t opened_us, const char *evidence, const char *remedy)
{
        struct gap *g;

        if (gaps_find_key(&h->gaps, GAP_AUDIT_OFF, channel, key))
                return;
        if (!(g = gap_new(GAP_AUDIT_OFF, h->name, channel, ids, n, NULL, opened_us)))
                return;
        if (gap_set_key(g, key) < 0 || gap_set_evidence(g, "%s", evidence) < 0 || gap_set_remedy(g, remedy) < 0) {
                gap_free(g);
                return;
        }
        twins_blinds(cov, h, g);
        cov_open(cov, h, g);
}

/* " record N" or "" */
static const char *twins_rec(const struct cov_twins_wait *wt, char *buf, size_t len)
{
        if (wt->has_rec)
                snprintf(buf, len, " record %" PRIu64, wt->rec);
        else
                buf[0] = '\0';
        return buf;
}

static const char *twins_what(const struct cov_twins_wait *wt)
{
        return wt->what ? wt->what : "?";
}

/* A wait dropped or decided: its name goes (a held wait owns it). */
static void twins_wait_clear(struct cov_twins_wait *wt)
{
        free(wt->what);
        wt->what = NULL;
        wt->on = false;
}

/* A Security subcategory twin (the task or forward twin) was missing;
 * subject: what waited for it, as the evidence names it. */
static void twins_open_sec(struct coverage *cov, struct cov_host *h, const struct cov_twins_wait *wt, uint16_t eid,
                           const char *subject, int64_t w)
{
        const struct remedy_audit *a = remedy_audit_for(eid);
        char key[TWINS_GUID_LEN + 3], when[TIMEFMT_MAX], evidence[512], remedy[512];

        if (!a || !a->guid || !twins_guid_canon(a->guid, key))
                return;
        snprintf(evidence, sizeof(evidence), "%s at %s: no Security %u nor any other event of %s within ±%llds, "
                 "while the host's Security events kept arriving", subject, timefmt_format(wt->t_us, when),
                 (unsigned)eid, a->subcategory, (long long)(w / 1000000));
        twins_open(cov, h, TWINS_SECURITY, &eid, 1, key, wt->t_us + w, evidence,
                   remedy_for(TWINS_SECURITY, eid, remedy, sizeof(remedy)));
}

static void twins_open_sysmon(struct coverage *cov, struct cov_host *h, const struct cov_twins_wait *wt, int64_t w)
{
        static const uint16_t one = 1;
        char rec[32], when[TIMEFMT_MAX], evidence[512];

        snprintf(evidence, sizeof(evidence), "Security 4688%s (%s) at %s: no Sysmon 1 within ±%llds, while the "
                 "host's Sysmon events kept arriving", twins_rec(wt, rec, sizeof(rec)), twins_what(wt),
                 timefmt_format(wt->t_us, when), (long long)(w / 1000000));
        twins_open(cov, h, TWINS_SYSMON, &one, 1, TWINS_SYSMON_KEY, wt->t_us + w, evidence,
                   "make the Sysmon configuration log ProcessCreate (event 1; an empty <ProcessCreate "
                   "onmatch=\"include\"/> logs none) and forward event 1: NXLog im_msvistalog <Select "
                   "Path=\"" TWINS_SYSMON "\">*</Select>; where Sysmon is missing, install it (sysmon -i <config>)");
}

/* ---- judging --------------------------------------------------------------------- */

enum twins_side { TWINS_TASK, TWINS_FWD, TWINS_REV };

/* The verdict on wt, whose window is over on its twin's channel: open the
 * gap when the twin's channel was flowing and no twin came. */
static void twins_verdict(struct coverage *cov, struct cov_host *h, const struct cov_twins_wait *wt,
                          enum twins_side side)
{
        const struct cov_twins_state *st = h->twins.st;
        const struct cov_twins_fleet *f = &cov->twins;
        int64_t w = twins_window(cov);
        bool needed = side == TWINS_TASK ? f->need_task : side == TWINS_FWD ? f->need_proc : f->need_sysmon1;
        const struct cov_twins_marks *m = side == TWINS_TASK ? &st->m_task :
                                          side == TWINS_FWD ? &st->m_proc : &st->m_sysmon1;
        char subject[TWINS_WHAT + 64], rec[32];

        if (!needed || !cov->rs || !wt->flowing)
                return;
        if (twins_seen(st, m, wt->t_us, w) != TWINS_NO)
                return;
        if (side == TWINS_TASK) {
                snprintf(subject, sizeof(subject), "TaskScheduler 106%s registered task %s",
                         twins_rec(wt, rec, sizeof(rec)), twins_what(wt));
                twins_open_sec(cov, h, wt, 4698, subject, w);
        } else if (side == TWINS_FWD) {
                snprintf(subject, sizeof(subject), "Sysmon 1%s (%s)", twins_rec(wt, rec, sizeof(rec)), twins_what(wt));
                twins_open_sec(cov, h, wt, 4688, subject, w);
        } else {
                twins_open_sysmon(cov, h, wt, w);
        }
}

/* Is wt's window over at y (final: the input has ended)?  Not yet: an
 * event of its twin's channel at y inside the window shows the channel
 * flowing. */
static bool twins_due(struct cov_twins_wait *wt, int64_t y, int64_t w, bool final)
{
        if (!final && y >= wt->t_us - w && y <= wt->t_us + w)
                wt->flowing = true;
        return wt->on && (final ? y >= wt->t_us + w : y > wt->t_us + w);
}

/* The host's Security channel reached y: judge the 106s and the Sysmon 1
 * whose windows are over. */
static void twins_judge_security(struct coverage *cov, struct cov_host *h, int64_t y, bool final)
{
        struct cov_twins_state *st = h->twins.st;
        struct cov_twins_tasks *tk = st->tasks;
        int64_t w = twins_window(cov);
        size_t k = 0;

        for (size_t i = 0; tk && i < tk->n; i++) {
                struct cov_twins_wait wt = tk->w[i];

                if (twins_due(&wt, y, w, final)) {
                        twins_verdict(cov, h, &wt, TWINS_TASK);
                        twins_wait_clear(&wt);
                } else {
                        tk->w[k++] = wt;
                }
        }
        if (tk)
                tk->n = k;
        if (twins_due(&st->fwd, y, w, final)) {
                st->fwd.on = false;
                twins_verdict(cov, h, &st->fwd, TWINS_FWD);
                twins_wait_clear(&st->fwd);
        }
}

static void twins_judge_sysmon(struct coverage *cov, struct cov_host *h, int64_t y, bool final)
{
        struct cov_twins_state *st = h->twins.st;

        if (twins_due(&st->rev, y, twins_window(cov), final)) {
                st->rev.on = false;
                twins_verdict(cov, h, &st->rev, TWINS_REV);
                twins_wait_clear(&st->rev);
        }
}

/* ---- closing ------------------------------------------------------------------------ */

static void twins_close_key(struct coverage *cov, struct cov_host *h, const char *channel, const char *guid,
                            int64_t t)
{
        for (struct gap *g = h->gaps.head, *next; g; g = next) {
                next = g->next;
                if (g->kind != GAP_AUDIT_OFF || !g->key || strcasecmp(g->channel, channel) != 0 ||
                    t < g->opened_us)
                        continue;
                if (guid ? twins_guid_eq(g->key, guid) : strcmp(g->key, TWINS_SYSMON_KEY) == 0)
                        gaps_close(cov->gaps, &h->gaps, g, t);
        }
}

/* ---- 4719 ------------------------------------------------------------------------- */

static bool twins_has(const char *s, const char *raw, const char *text)
{
        return strstr(s, raw) || strcasestr(s, text);
}

static void twins_policy(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
        const struct cov_twins_fleet *f = &cov->twins;
        const char *guid = twins_field(ev, "SubcategoryGuid"), *chg = twins_field(ev, "AuditPolicyChanges");
        const struct remedy_audit *sub = NULL;
        uint16_t ids[GAP_MAX_EVENT_IDS];
        size_t n = 0;
        char key[TWINS_GUID_LEN + 3], when[TIMEFMT_MAX], evidence[512], remedy[512], rec[32] = "";

        if (!guid || !chg || !twins_guid_canon(guid, key))
                return;
        if (twins_has(chg, "%%8449", "success added")) {
                twins_close_key(cov, h, TWINS_SECURITY, key, ev->time_us);
                return;
        }
        if (!twins_has(chg, "%%8448", "success removed") || !cov->rs)
                return;
        for (size_t i = 0; i < f->nsec; i++) {
                const struct remedy_audit *a = remedy_audit_for(f->sec_ids[i]);

                if (!a || !a->guid || !twins_guid_eq(a->guid, key))
                        continue;
                sub = a;
                if (n < GAP_MAX_EVENT_IDS)
                        ids[n++] = f->sec_ids[i];
        }
        if (!sub && !f->sec_any)
                return;
        if (ev->has_record_id)
                snprintf(rec, sizeof(rec), " record %" PRIu64, ev->record_id);
        snprintf(evidence, sizeof(evidence), "4719%s at %s removed success auditing of %s %s",
                 rec, timefmt_format(ev->time_us, when), sub ? sub->subcategory : "subcategory", key);
        if (sub)
                remedy_for(TWINS_SECURITY, ids[0], remedy, sizeof(remedy));
        else
                snprintf(remedy, sizeof(remedy), "auditpol /set /subcategory:%s /success:enable", key);
        twins_open(cov, h, TWINS_SECURITY, ids, n, key, ev->time_us, evidence, remedy);
}

/* ---- events ---------------------------------------------------------------------- */

static void twins_classify(struct cov_twins_fleet *f, const struct winevent *ev, struct twins_ev *x)
{
        const char *type;

        if (!f->guid_task) {
                f->guid_task = twins_guid_of(4698);
                f->guid_proc = twins_guid_of(4688);
        }
        memset(x, 0, sizeof(*x));
        if (strcasecmp(ev->channel, TWINS_SECURITY) == 0) {
                x->sec = true;
                x->audit = ev->event_id <= UINT16_MAX ? remedy_audit_for((uint16_t)ev->event_id) : NULL;
                type = twins_field(ev, "EventType");
                if (!x->audit || !x->audit->guid || (type && strcasecmp(type, "AUDIT_FAILURE") == 0))
                        return;
                x->proof = true;
                x->sub_task = f->guid_task && strcmp(x->audit->guid, f->guid_task) == 0;
                x->sub_proc = f->guid_proc && strcmp(x->audit->guid, f->guid_proc) == 0;
        } else if (strcasecmp(ev->channel, TWINS_SYSMON) == 0) {
                x->sysmon = true;
                x->sysmon1 = ev->event_id == 1;
        } else if (strcasecmp(ev->channel, TWINS_TASKSCHED) == 0) {
                x->task106 = ev->event_id == 106;
        }
}

/* ev waits for a twin on channel c (NULL: not sent yet). */
static void twins_wait_set(struct cov_twins_wait *wt, const struct winevent *ev, const char *what,
                           const struct cov_chan *c, int64_t w)
{
        wt->flowing = c && c->last_us >= ev->time_us - w && c->last_us <= ev->time_us + w;
        wt->on = true;
        wt->t_us = ev->time_us;
        wt->rec = ev->record_id;
        wt->has_rec = ev->has_record_id;
        wt->what = strndup(what && *what ? what : "?", TWINS_WHAT - 1);        /* a free slot: no name held */
}

/* A 106: wait for its 4698 unless the subcategory is known on around it. */
static void twins_task_registered(struct coverage *cov, struct cov_host *h, struct cov_twins_state *st,
                                  const struct winevent *ev)
{
        const char *name = twins_field(ev, "TaskName");
        char key[TWINS_GUID_LEN + 3];
        struct cov_twins_tasks *tk;
        struct cov_twins_wait *wt;

        if (!cov->twins.need_task || !twins_guid_canon(twins_guid_of(4698), key) ||
            gaps_find_key(&h->gaps, GAP_AUDIT_OFF, TWINS_SECURITY, key) ||
            twins_seen(st, &st->m_task, ev->time_us, twins_window(cov)) == TWINS_YES)
                return;
        if (!st->tasks && !(st->tasks = calloc(1, sizeof(*st->tasks))))
                return;
        tk = st->tasks;
        if (tk->n == TWINS_TASKS) {             /* full: the oldest goes without a verdict */
                twins_wait_clear(&tk->w[0]);
                memmove(&tk->w[0], &tk->w[1], --tk->n * sizeof(tk->w[0]));
        }
        wt = &tk->w[tk->n++];
        twins_wait_set(wt, ev, name, cov_chan_find(h, TWINS_SECURITY), twins_window(cov));
        wt->hash = twins_hash_lower(name ? name : "");
}

/* A 4698: the 106s of that task within the window have their twin. */
static void twins_task_created(const struct coverage *cov, struct cov_twins_state *st, const struct winevent *ev)
{
        const char *name = twins_field(ev, "TaskName");
        uint64_t hash = twins_hash_lower(name ? name : "");
        struct cov_twins_tasks *tk = st->tasks;
        int64_t w = twins_window(cov);
        size_t k = 0;

        if (!tk || !name)
                return;
        for (size_t i = 0; i < tk->n; i++) {
                struct cov_twins_wait *wt = &tk->w[i];

                if (wt->hash == hash && ev->time_us >= wt->t_us - w && ev->time_us <= wt->t_us + w) {
                        twins_wait_clear(wt);
                        continue;
                }
                tk->w[k++] = *wt;
        }
        tk->n = k;
}

/* A Sysmon 1 (fwd) or a 4688 (rev) waits for its twin unless one is known
 * around it, or a gap about it is open already. */
static void twins_wait_proc(struct coverage *cov, struct cov_host *h, struct cov_twins_state *st,
                            const struct winevent *ev, enum twins_side side)
{
        const struct cov_twins_fleet *f = &cov->twins;
        struct cov_twins_wait *wt = side == TWINS_FWD ? &st->fwd : &st->rev;
        const struct cov_twins_marks *m = side == TWINS_FWD ? &st->m_proc : &st->m_sysmon1;
        const char *image = twins_field(ev, side == TWINS_FWD ? "Image" : "NewProcessName");
        char key[TWINS_GUID_LEN + 3];

        if (wt->on || !(side == TWINS_FWD ? f->need_proc : f->need_sysmon1))
                return;
        if (side == TWINS_FWD ? !twins_guid_canon(twins_guid_of(4688), key) ||
                                gaps_find_key(&h->gaps, GAP_AUDIT_OFF, TWINS_SECURITY, key)
                              : gaps_find_key(&h->gaps, GAP_AUDIT_OFF, TWINS_SYSMON, TWINS_SYSMON_KEY) != NULL)
                return;
        if (twins_seen(st, m, ev->time_us, twins_window(cov)) == TWINS_YES)
                return;
        twins_wait_set(wt, ev, image ? twins_basename(image) : NULL,
                       cov_chan_find(h, side == TWINS_FWD ? TWINS_SECURITY : TWINS_SYSMON), twins_window(cov));
}

/* A twin arrived: the waiting event of the other side within the window
 * has it (released early; the verdict would say the same). */
static void twins_release(struct cov_twins_wait *wt, int64_t t, int64_t w)
{
        if (wt->on && t >= wt->t_us - w && t <= wt->t_us + w)
                twins_wait_clear(wt);
}

void cov_twins_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
        struct cov_twins_state *st;
        struct twins_ev x;
        int64_t w = twins_window(cov);

        if (!h->twins.started) {
                h->twins.started = true;
                h->twins.since_us = ev->time_us;
        }
        twins_classify(&cov->twins, ev, &x);
        /* 1. the twin's channel moved on: judge what waited for it */
        if (h->twins.st && x.sec)
                twins_judge_security(cov, h, ev->time_us, false);
        if (h->twins.st && x.sysmon)
                twins_judge_sysmon(cov, h, ev->time_us, false);
        /* 2. evidence that a subcategory is on again closes its gap */
        if (x.proof && h->gaps.head)
                twins_close_key(cov, h, TWINS_SECURITY, x.audit->guid, ev->time_us);
        if (x.sysmon1 && h->gaps.head)
                twins_close_key(cov, h, TWINS_SYSMON, NULL, ev->time_us);
        if (x.sec && ev->event_id == 4719)
                twins_policy(cov, h, ev);
        if (!x.sub_task && !x.sub_proc && !x.sysmon1 && !x.task106)
                return;
        /* 3. mark what was seen, release what it answers, queue what waits */
        if (!(st = twins_state(cov, h, ev->time_us)))
                return;
        if (x.sub_task) {
                marks_add(&st->m_task, twins_bucket(ev->time_us, st->q_us));
                if (ev->event_id == 4698)
                        twins_task_created(cov, st, ev);
        }
        if (x.sub_proc) {
                marks_add(&st->m_proc, twins_bucket(ev->time_us, st->q_us));
                twins_release(&st->fwd, ev->time_us, w);
                if (ev->event_id == 4688)
                        twins_wait_proc(cov, h, st, ev, TWINS_REV);
        }
        if (x.sysmon1) {
                marks_add(&st->m_sysmon1, twins_bucket(ev->time_us, st->q_us));
                twins_release(&st->rev, ev->time_us, w);
                twins_wait_proc(cov, h, st, ev, TWINS_FWD);
        }
        if (x.task106)
                twins_task_registered(cov, h, st, ev);
}

void cov_twins_flush(struct coverage *cov, struct cov_host *h)
{
        const struct cov_chan *c;

        if (!h->twins.st)
                return;
        if ((c = cov_chan_find(h, TWINS_SECURITY)))
                twins_judge_security(cov, h, c->last_us, true);
        if ((c = cov_chan_find(h, TWINS_SYSMON)))
                twins_judge_sysmon(cov, h, c->last_us, true);
}

/* ---- rules ------------------------------------------------------------------------ */

static void twins_need_security(struct cov_twins_fleet *f, const struct sigma_variant *v)
{
        if (!v->nevent_ids) {
                f->sec_any = f->need_task = f->need_proc = true;
                return;
        }
        for (size_t j = 0; j < v->nevent_ids; j++) {
                uint16_t id = v->event_ids[j];
                size_t i;
                uint16_t *n;

                f->need_task |= id == 4698;
                f->need_proc |= id == 4688;
                for (i = 0; i < f->nsec && f->sec_ids[i] != id; i++)
                        ;
                if (i < f->nsec || !(n = realloc(f->sec_ids, (f->nsec + 1) * sizeof(*n))))
                        continue;       /* known, or ENOMEM: one need fewer, so fewer gaps */
                f->sec_ids = n;
                f->sec_ids[f->nsec++] = id;
        }
}

void cov_twins_set_rules(struct coverage *cov)
{
        struct cov_twins_fleet *f = &cov->twins;
        size_t nrules = ruleset_rule_count(cov->rs);

        free(f->sec_ids);
        memset(f, 0, sizeof(*f));
        for (size_t i = 0; i < nrules; i++) {
                const struct sigma_variant *vs;
                size_t nv;

                ruleset_rule_at(cov->rs, i, &vs, &nv);
                for (size_t k = 0; k < nv; k++) {
                        const char *ch = vs[k].source.channel;

                        if (!ch)
                                continue;
                        if (strcasecmp(ch, TWINS_SECURITY) == 0) {
                                twins_need_security(f, &vs[k]);
                        } else if (strcasecmp(ch, TWINS_SYSMON) == 0) {
                                for (size_t j = 0; j < vs[k].nevent_ids; j++)
                                        f->need_sysmon1 |= vs[k].event_ids[j] == 1;
                                f->need_sysmon1 |= vs[k].nevent_ids == 0;
                        }
                }
        }
}

void cov_twins_host_fini(struct cov_host *h)
{
        struct cov_twins_state *st = h->twins.st;

        if (st) {
                twins_wait_clear(&st->fwd);
                twins_wait_clear(&st->rev);
                for (size_t i = 0; st->tasks && i < st->tasks->n; i++)
                        twins_wait_clear(&st->tasks->w[i]);
                free(st->tasks);
        }
        free(h->twins.st);
        h->twins.st = NULL;
}

void cov_twins_fleet_fini(struct coverage *cov)
{
        free(cov->twins.sec_ids);
        cov->twins.sec_ids = NULL;
        cov->twins.nsec = 0;
}
