/* The decoded Windows event (DESIGN §4 "struct event"; named winevent
 * because libevent owns struct event and event_*()).  One struct winevent is reused for every frame
 * of a connection: winevent_reset() keeps its memory, so decoding does not
 * allocate in the steady state.  Strings live in the event's arena and stay
 * valid until the next winevent_reset()/winevent_free(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENT_HOST_MAX 255      /* canonical host name, bytes */
#define EVENT_IDENT_MAX 255     /* channel and provider, bytes */

enum dialect {
        DIALECT_NXLOG_CE,       /* flat JSON, zone-less "YYYY-MM-DD HH:MM:SS" EventTime */
        DIALECT_NXLOG_EE,       /* flat JSON, ISO EventTime with offset, ExecutionProcessID, TaskValue */
        DIALECT_WINLOGBEAT,     /* ECS: winlog.*, winlog.event_data.*, @timestamp */
        DIALECT_EVTX,           /* {"Event":{"System":{...},"EventData":{...}}} (evtx_dump, Chainsaw) */
        _DIALECT_MAX,
        _DIALECT_INVALID = -1,
};

const char *dialect_name(enum dialect d);      /* "nxlog-ce", "nxlog-ee", "winlogbeat", "evtx" */

struct winevent_field {
        const char *name;       /* NUL-terminated; interned (intern.h) or arena copy */
        const char *value;      /* NUL-terminated, arena; numbers as decimal text */
        size_t len;             /* strlen(value) unless the value holds NUL bytes */
        const char *lower;      /* cache of winevent_field_lower(): NULL until computed */
};

struct winevent_arena_block;
struct winevent_slot {
        uint32_t stamp;         /* the event's stamp when in use */
        uint32_t id;            /* intern_id() of the field's name */
        uint32_t idx;           /* into fields[] */
};

struct winevent {
        int64_t time_us;        /* event time, UTC microseconds since the epoch */
        int64_t recv_us;        /* when spoord received it, UTC microseconds */
        char host[EVENT_HOST_MAX + 1];  /* canonical (host.c): lower case, trimmed */
        const char *channel;    /* e.g. "Security"; never NULL after a successful decode; "" for
                                 * ETW events that name only a provider */
        const char *provider;   /* e.g. "Microsoft-Windows-Security-Auditing"; "" when absent */
        uint32_t event_id;      /* 0..65535 */
        uint64_t record_id;     /* valid only when has_record_id */
        bool has_record_id;
        enum dialect dialect;

        /* Every field, in input order, names following the Sigma/Windows
         * convention: EventData names as they are (CommandLine, TaskName ...),
         * plus the system fields EventID, Channel, Computer, Provider_Name
         * and EventRecordID added by the dialect mapping. */
        struct winevent_field *fields;
        size_t nfields;
        size_t fields_cap;

        /* Field index by interned name: an open-addressing table by
         * intern_id(name) (linear probing, at most half full), its entries
         * in use when their stamp is the event's (winevent_reset bumps the
         * stamp instead of clearing).  Compact on purpose: the pipeline's
         * two threads hand events over, and every cache line an event
         * touches moves between cores.  nprivate: fields whose name could
         * not be interned (looked up by strcmp). */
        struct winevent_slot *slots;
        size_t nslots;
        uint32_t stamp;
        size_t nprivate;

        struct winevent_arena_block *arena;

        /* What the pipeline's prepare step computed for this event (the
         * engine's struct ruleset_pre), or NULL; set by the pipeline after
         * each decode. */
        void *prep;
};

void winevent_init(struct winevent *ev);
void winevent_reset(struct winevent *ev);     /* forget the content, keep the memory */
void winevent_free(struct winevent *ev);
/* Bytes the event holds (arena blocks, field array, index). */
size_t winevent_memory(const struct winevent *ev);

/* Copy `len` bytes into the arena, NUL-terminated.  NULL on ENOMEM. */
char *winevent_strndup(struct winevent *ev, const char *s, size_t len);

/* Append a field; name and value are copied (name interned).  A field of an
 * existing name is replaced.  0 or -ENOMEM. */
int winevent_set_field(struct winevent *ev, const char *name, size_t name_len,
                    const char *value, size_t value_len);
/* winevent_set_field() for a name intern() returned, which it spares
 * looking up again (the decoder knows the names it has seen before).
 * 0 or -ENOMEM. */
int winevent_set_field_interned(struct winevent *ev, const char *name, const char *value, size_t value_len);
/* winevent_set_field_interned() without the copy: value is already the
 * event's (from winevent_strndup(), NUL at value[value_len]) and stays
 * where it is.  0 or -ENOMEM. */
int winevent_set_field_interned_own(struct winevent *ev, const char *name, const char *value, size_t value_len);

/* The field named `name` (exact, case-sensitive), or NULL.  A hash
 * lookup of the name (intern_find) then an index, unless the event holds
 * fields whose names could not be interned. */
const struct winevent_field *winevent_get(const struct winevent *ev, const char *name);

/* winevent_get() for a name returned by intern(): O(1), through the
 * event's index by intern_id().  Sound because a name intern() accepted
 * once is interned in every event (winevent_set_field), so a field of
 * that name always holds the same pointer.  Callers that could not intern
 * a name use winevent_get(). */
const struct winevent_field *winevent_get_interned(const struct winevent *ev, const char *name);

/* The field's value with ASCII A-Z folded to a-z and every other byte
 * kept (f->len bytes plus a NUL), for case-insensitive matching.
 * Computed at most once per field per event and cached in f->lower (the
 * value itself when it holds no upper-case letter, else an arena copy);
 * the cache is forgotten with the value.  `ev` and `f` are logically
 * unchanged: only the cache is written, which is why they are const here.
 * NULL on ENOMEM (callers fold case themselves then). */
const char *winevent_field_lower(const struct winevent *ev, const struct winevent_field *f);
