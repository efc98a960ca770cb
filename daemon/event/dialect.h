/* Private to daemon/event/: the forwarder dialects (dialect.c) as seen by
 * decode.c.  A dialect knows where its identifying values sit and how its
 * fields are named; decode.c validates the identifying values the same way
 * for every dialect. */
#pragma once
#include <stddef.h>

#include "spoor/winevent.h"

struct json_object;

/* Borrowed pointers into the parsed tree; NULL when absent.  A JSON null is
 * reported as absent.  EVTX {"#text": v, "#attributes": {...}} wrappers are
 * already unwrapped. */
struct dialect_system {
        struct json_object *event_id;
        struct json_object *host;
        struct json_object *channel;
        struct json_object *provider;
        struct json_object *record_id;
        struct json_object *time;
};

/* The dialect of a parsed top-level object, or _DIALECT_INVALID:
 *   {"Event": {...}}                      → DIALECT_EVTX
 *   {"winlog": {...}}                     → DIALECT_WINLOGBEAT
 *   flat with EventID/EventTime/Hostname/SourceName/Channel at top level →
 *     DIALECT_NXLOG_EE when ExecutionProcessID is present or EventTime is
 *     ISO ('T' after the date), else DIALECT_NXLOG_CE. */
enum dialect dialect_detect(struct json_object *root);

/* Locate the identifying values of `root` in dialect `d`. */
void dialect_system(enum dialect d, struct json_object *root, struct dialect_system *sys);

/* Append every field of `root` (not the system fields, which decode.c adds
 * after validating them).  0 or -ENOMEM. */
int dialect_fields(enum dialect d, struct json_object *root, struct winevent *ev);

/* The text of a field value: strings as they are (may hold NUL, *len says),
 * integers and booleans as their JSON text, doubles as they were written,
 * null as "", objects and arrays as compact JSON.  The result is owned by
 * the json-c tree (or static, or in buf for integers) and lives as long as
 * `v` (and buf). */
const char *dialect_value_text(struct json_object *v, char buf[32], size_t *len);
