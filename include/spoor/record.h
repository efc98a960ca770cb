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
