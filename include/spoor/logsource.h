/* Sigma logsource resolution (daemon/engine/logsource.c), at load time.
 *   `service` → one channel (the Windows service table of the Sigma spec
 *   and SigmaHQ's pipelines: security → Security, sysmon →
 *   Microsoft-Windows-Sysmon/Operational, powershell → ..., ...).
 *   `category` → one variant per telemetry source, each with its channel,
 *   event ids and field mapping: process_creation → Sysmon 1 and Security
 *   4688, network_connection → Sysmon 3 and Security 5156, registry_* →
 *   Sysmon 12/13/14 and Security 4657, the other Sysmon categories → their
 *   event ids, ps_script / ps_module → PowerShell 4104 / 4103, ...
 * Field mapping is by name (Image → NewProcessName on 4688); values that a
 * source writes differently (4688's User as domain + name, MandatoryLabel
 * SIDs for IntegrityLevel, hex process ids) are provided by derived fields
 * that logsource_derive() adds to such events before rules see them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/winevent.h"

#define LOGSOURCE_MAX_EVENT_IDS 8
#define LOGSOURCE_MAX_VARIANTS 4

struct logsource_map {
        const char *sigma;      /* Sigma field name, e.g. "Image" */
        const char *event;      /* event field, e.g. "NewProcessName"; NULL = not available */
};

struct logsource_variant {
        const char *name;               /* "sysmon", "security", ... (for --check -v) */
        const char *channel;            /* exact channel name */
        uint16_t event_ids[LOGSOURCE_MAX_EVENT_IDS];
        size_t nevent_ids;              /* 0 = any event of the channel */
        const struct logsource_map *map;        /* NULL-terminated by .sigma; NULL = identity */
        bool map_is_closed;             /* true: fields not in map are unavailable (not identity) */
};

struct logsource_resolution {
        struct logsource_variant variants[LOGSOURCE_MAX_VARIANTS];
        size_t nvariants;
};

/* Resolve a rule's logsource (product, category, service; any may be NULL).
 * 0, or -ENOTSUP with err ("logsource: category 'foo' has no Windows
 * telemetry mapping"; "product 'linux' is not Windows"). */
int logsource_resolve(const char *product, const char *category, const char *service,
                      struct logsource_resolution *out, char *err, size_t errlen);

/* The event field for a Sigma field in this variant, or NULL when the
 * source does not have it. */
const char *logsource_map_field(const struct logsource_variant *v, const char *sigma_field);

/* Add the derived fields some sources need (see above) to an event, once,
 * before rules are evaluated.  Cheap no-op for other events. 0 or -ENOMEM. */
int logsource_derive(struct winevent *ev);
/* Whether logsource_derive() may add a field of this name. */
bool logsource_derived_field(const char *name);
