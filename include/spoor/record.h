/* Lead records (daemon/output/record.c): one JSON object per lead, the
 * line written to leads.jsonl (DESIGN §3.3).  A lead explains itself: which
 * rule, which events (with the fields an analyst needs), and why.  Lead ids
 * are deterministic, so a replay or a redelivery writes the same id. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "spoor/sigma.h"
#include "spoor/winevent.h"

#define RECORD_ID_LEN 32        /* hex digits of a lead id */

/* The kinds of lead; metrics.leads[level][kind] uses this order. */
enum record_kind {
        RECORD_KIND_MATCH,
        RECORD_KIND_CORRELATION,
        RECORD_KIND_ESCALATION,
        _RECORD_KIND_MAX,
        _RECORD_KIND_INVALID = -1,
};

/* "match", "correlation", "escalation"; NULL when out of range. */
const char *record_kind_name(enum record_kind k);

/* The lead id: lowercase hex of the first 16 bytes of SHA-256 over the rule
 * id, the kind, the group key and, for each contributing event, its host,
 * channel and record id (event time and event id instead when the event has
 * no record id), every item followed by 0x1f.  NULL strings hash as "".
 * out receives RECORD_ID_LEN digits and a NUL. */
void record_lead_id(const char *rule_id, const char *kind, const char *group,
                    const struct winevent *const *evs, size_t nevs, char out[RECORD_ID_LEN + 1]);

/* One lead of kind "match" as a JSON line (no trailing newline) in *out
 * (malloc'd, NUL-terminated, caller frees; *len without the NUL).
 * `fields`: the event fields to show (those the rule read plus its
 * `fields:` list); the identifying ones (EventID, Channel, Computer,
 * EventRecordID) always come first, then `fields` in the given order, each
 * name once, only those the event has.  `why`: one line for the analyst
 * (NULL: the rule title).  `emitted_us`: when the lead is written (UTC µs).
 * The group key of a match is the event's host.  0 or -ENOMEM / -EINVAL. */
int record_lead_match(const struct sigma_rule *r, const struct winevent *ev, const char *const *fields,
                      size_t nfields, const char *why, int64_t emitted_us, char **out, size_t *len);

/* One lead of kind "correlation": the correlation's metadata, the group-by
 * values (group_values[g] for c->group_by[g]), the count (and the value for
 * value_* types), the window and the contributing events.  host is the
 * events' host, or "*" when they span hosts.  0 or -ENOMEM / -EINVAL. */
int record_lead_correlation(const struct sigma_corr *c, const struct corr_fire *f, const char *const *group_values,
                            const char *why, int64_t emitted_us, char **out, size_t *len);

/* A lead of a first_seen correlation (include/spoor/firstseen.h): as
 * record_lead_correlation, with "correlation":"first_seen" and "fields":
 * {name: value} (field_values[i] for c->first_seen.fields[i]); f holds the
 * triggering event, count 1.  -EINVAL when c is not first_seen. */
int record_lead_first_seen(const struct sigma_corr *c, const struct corr_fire *f, const char *const *group_values,
                           const char *const *field_values, const char *why, int64_t emitted_us, char **out,
                           size_t *len);

/* ---- noise: summaries and escalations (DESIGN §5 "Noise") ----------- */

#define RECORD_ESCALATION_RULE_ID "spoor-escalation"

/* The lead id (as record_lead_id) of contributing events kept as
 * corr_event: a correlation lead's id is
 * record_lead_id_events(c->meta->id, "correlation", f->key, f->events,
 * f->nevents, out) — the id record_lead_correlation() writes. */
void record_lead_id_events(const char *rule_id, const char *kind, const char *group,
                           const struct corr_event *evs, size_t nevs, char out[RECORD_ID_LEN + 1]);

/* Repeated leads of one rule and group key that were suppressed. */
struct record_summary {
        const struct sigma_rule *rule;          /* the suppressed leads' rule (or correlation meta) */
        const char *suppressed_kind;            /* "match" | "correlation" */
        const char *host;                       /* the first suppressed lead's host ("*": several) */
        const char *group_key;                  /* hashed into the id */
        const char *const *group_names;         /* the group, shown: names[i] = values[i] */
        const char *const *group_values;
        size_t ngroup;
        const char *lead_id;                    /* the lead that was written and opened the window */
        int64_t opened_us, window_us;
        uint64_t count;                         /* leads suppressed */
        int64_t first_us, last_us;              /* their earliest / latest event time */
        const char (*ids)[RECORD_ID_LEN + 1];   /* the first few of them */
        size_t nids;
        const struct corr_event *event;         /* the first suppressed lead's first event */
        const char *ended;                      /* "window" | "evicted" | "flush" */
};

/* One record {"type":"lead","kind":"summary",...}: rule, group, count,
 * first, last, window {opened, seconds}, lead, suppressed_ids, ended,
 * events (the first suppressed lead's first event), why ("4 more leads of
 * <title> for host=ws1 between <first> and <last> were suppressed").
 * time = last.  The id hashes the rule id, "summary", the group key and
 * the first suppressed event.  0 or -ENOMEM / -EINVAL. */
int record_lead_summary(const struct record_summary *s, int64_t emitted_us, char **out, size_t *len);

/* A host whose leads crossed a threshold. */
struct record_escalation {
        const char *host;
        uint64_t score, score_threshold;        /* threshold 0: off */
        const char *const *tactics;             /* ATT&CK tactic names */
        size_t ntactics, tactic_threshold;      /* threshold 0: off */
        bool by_score, by_tactics;
        int64_t window_us, first_us, last_us;   /* contributing leads' span */
        const char (*ids)[RECORD_ID_LEN + 1];   /* contributing lead ids, oldest first */
        const struct corr_event *events;        /* their first events */
        size_t nleads;
};

/* One lead {"type":"lead","kind":"escalation",...}: rule {id
 * "spoor-escalation", title "Host escalated: ...", level "high", tags
 * attack.<tactic>}, host, group {host}, count (leads), score, tactics,
 * thresholds {score, tactics}, window {first, last, seconds}, leads (ids),
 * events, why.  time = last.  The id hashes "spoor-escalation",
 * "escalation", the host and the contributing events.  0 or -ENOMEM /
 * -EINVAL. */
int record_lead_escalation(const struct record_escalation *x, int64_t emitted_us, char **out, size_t *len);

/* ---- coverage: caveats and gaps (DESIGN §3.3) ---------------------- */

/* An open gap on the lead's host: {"gap": id, "text": evidence}. */
struct record_caveat {
        const char *gap_id;
        const char *text;
};

/* record_lead_match with "caveats" filled (ncaveats 0: []; -EINVAL when
 * ncaveats is not 0 and caveats is NULL). */
int record_lead_match_caveats(const struct sigma_rule *r, const struct winevent *ev, const char *const *fields,
                              size_t nfields, const char *why, const struct record_caveat *caveats,
                              size_t ncaveats, int64_t emitted_us, char **out, size_t *len);
/* The same, with its id given: record_lead_id(r->id, "match", ev->host,
 * {ev}) as the caller computed it already (the engine's noise control
 * does, for every hit); NULL or "" computes it. */
int record_lead_match_id(const char *id, const struct sigma_rule *r, const struct winevent *ev,
                         const char *const *fields, size_t nfields, const char *why,
                         const struct record_caveat *caveats, size_t ncaveats, int64_t emitted_us, char **out,
                         size_t *len);

/* A rule a gap blinds. */
struct record_blind {
        const char *id, *title;
};

#define RECORD_GAP_NOT_CLOSED INT64_MIN

struct record_gap {
        const char *id;                 /* record_gap_id() */
        const char *state;              /* "open" | "closed" */
        const char *host;               /* or "*" */
        const char *kind;               /* "field_missing", "events_lost", ... */
        const char *channel;
        const uint16_t *event_ids;
        size_t nevent_ids;
        const char *field;              /* NULL: no "field" key */
        int64_t opened_us;
        int64_t closed_us;              /* RECORD_GAP_NOT_CLOSED: closed and ttr_seconds are null */
        const char *evidence;
        const char *remedy;
        const struct record_blind *blinds;
        size_t nblinds;
        uint64_t blinds_more;           /* blinded rules not listed ("blinds_more" when > 0) */
};

/* The gap id: as record_lead_id, SHA-256 over the kind, host, channel,
 * each event id ("e<n>"), the field and the opened time ("t<µs>"), each
 * followed by 0x1f. */
void record_gap_id(const char *kind, const char *host, const char *channel, const uint16_t *event_ids,
                   size_t nevent_ids, const char *field, int64_t opened_us, char out[RECORD_ID_LEN + 1]);

/* {"type":"gap","id","state","host","kind","channel","event_ids","field"?,
 * "opened","closed","ttr_seconds","evidence","remedy","blinds":[{"id","title"}],
 * "emitted"}.  ttr_seconds = closed - opened in whole seconds of event time.
 * 0 or -ENOMEM / -EINVAL. */
int record_gap(const struct record_gap *g, int64_t emitted_us, char **out, size_t *len);
