/* Remedies for telemetry gaps (daemon/coverage/remedy.c): what a Windows
 * admin runs or sets so the missing events arrive.  A table in our own
 * words, from the logsource guides (audit subcategory names and GUIDs,
 * channels that are disabled by default). */
#pragma once
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct remedy_audit {
        uint16_t event_id;              /* Security event id */
        const char *subcategory;        /* "Audit Other Object Access Events" */
        const char *guid;               /* "{0CCE9227-69AE-11D9-BED3-505054503030}" */
        const char *category;           /* "Object Access" */
};

/* The audit subcategory that produces a Security event id, or NULL. */
const struct remedy_audit *remedy_audit_for(uint16_t event_id);

/* One line an admin can run, into buf: for a Security event id the
 * `auditpol /set /subcategory:{GUID} /success:enable` line (plus
 * /failure:enable where failures are what rules read); for another channel
 * `wevtutil sl "<channel>" /e:true` when the channel is disabled by default,
 * and always the forwarder hint (NXLog im_msvistalog Query Path).  Returns
 * buf. */
char *remedy_for(const char *channel, uint16_t event_id, char *buf, size_t len);

/* The policy that puts the command line into 4688: its GPO path and the
 * registry value. */
const char *remedy_cmdline_policy(void);

/* The Windows set-up the rules of rs need, as Markdown (daemon/coverage/
 * plan.c; spoord --windows-setup, docs/windows.md): channels to forward
 * with an NXLog query, audit subcategories with auditpol lines, the
 * command-line policy, Sysmon's event ids.  0, -ENOMEM or -EIO. */
struct ruleset;
int remedy_plan(const struct ruleset *rs, FILE *out);
