/* Enrichment (daemon/engine/enrich.c): fields spoord adds to every
 * accepted event before the rules see it, so any rule can test them like
 * an event field.  A field an event already carries under one of these
 * names is replaced when spoord sets it; where spoord leaves the field
 * unset (unknown), a field of that name sent by the forwarder stays
 * (events are trusted input to the same degree as every other field).
 *
 * InChangeWindow: "true" / "false".
 *     Set on every event when `change_windows` is configured: "true" when
 *     the event time falls in any window, each window read in its own
 *     time zone (days: the local weekday the window starts on; hours
 *     "08:00-18:00", end exclusive, may be 24:00; "22:00-02:00" crosses
 *     midnight and belongs to the day it starts on).  Without
 *     change_windows the field is absent: a rule cannot claim "outside the
 *     change window" (InChangeWindow: 'false') unless windows were
 *     configured.  Also absent when a window's zone cannot be resolved at
 *     that time and no other window holds.
 *
 * SubjectLogonPrivileged: "true" / "false".
 *     Set only on events with a SubjectLogonId field.  "true" when
 *       - the session got special privileges: a Security 4672 (special
 *         privileges assigned to new logon) with that SubjectLogonId was
 *         seen on the same host (the 4672 itself reads "true"), or
 *       - the logon id is SYSTEM (0x3e7), NETWORK SERVICE (0x3e4) or LOCAL
 *         SERVICE (0x3e5): these sessions hold special privileges
 *         (Windows logs 4672 for them at boot, usually before forwarding
 *         starts), or
 *       - the account is in the `Administrators` placeholder (config
 *         `placeholders: {Administrators: [alice, CORP\bob]}`), compared
 *         case-insensitively with SubjectUserName and with
 *         SubjectDomainName\SubjectUserName.
 *     "false" when a Security 4624 (logon) with that TargetLogonId was seen
 *     on the same host and no 4672 for it (a 4672 arriving later flips it
 *     to "true"; a 4624 more than 5 s away from an earlier 4672 of the same
 *     id is a new logon reusing the id and starts unprivileged).
 *     Absent otherwise (unknown: the logon happened before spoord saw the
 *     host, or its state was evicted).
 *     Sessions are kept per (host, logon id), at most
 *     limits.max_logon_sessions (least recently active evicted,
 *     spoor_logon_sessions_evicted_total); a session inactive for 24 h of
 *     event time is forgotten, and a Security 4634 / 4647 (logoff) of its
 *     TargetLogonId forgets it.  The table is not saved across restarts. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "spoor/winevent.h"

struct config;
struct enrich;

#define ENRICH_FIELD_CHANGE_WINDOW "InChangeWindow"
#define ENRICH_FIELD_PRIVILEGED "SubjectLogonPrivileged"

struct enrich_stats {
        size_t sessions;                /* logon sessions held */
        uint64_t evicted;               /* sessions evicted by max_logon_sessions */
        uint64_t expired;               /* sessions forgotten after 24 h inactive */
};

/* A new enricher with a random table key, configured as the built-in
 * default (no change windows, no administrators).  NULL on ENOMEM. */
struct enrich *enrich_new(void);

/* Take change_windows, placeholders.Administrators, limits.max_logon_sessions
 * and time.max_future from cfg (reload: the sessions are kept, evicted down
 * to a smaller bound).  0, or -ENOMEM with the previous settings kept. */
int enrich_configure(struct enrich *en, const struct config *cfg);

/* Learn from ev (4624, 4672, 4634, 4647 of the Security channel) and add
 * the fields.  O(1) per event; allocates only when the session table grows
 * (and in ev's arena for the field values). */
void enrich_event(struct enrich *en, struct winevent *ev);

const struct enrich_stats *enrich_stats(const struct enrich *en);

void enrich_free(struct enrich *en);
