/* Why an input event was rejected.  Every rejection is counted once, in
 * spoor_events_rejected_total{reason="<name>"}, so that
 *   received = accepted + sum(rejected).
 * Names are the Prometheus label values and appear in logs and in
 * `spoord --replay --dump-events` diagnostics: keep them stable. */
#pragma once

enum reject_reason {
        REJ_NONE = 0,
        /* framing (daemon/ingest/framing.c) */
        REJ_OVERSIZE,           /* frame longer than limits.max_frame_bytes */
        REJ_BAD_OCTET_COUNT,    /* RFC 6587 count 0, leading zero, or too many digits */
        REJ_TRUNCATED,          /* connection closed inside an octet-counted frame */
        /* syslog header (daemon/ingest/syslog.c) */
        REJ_BAD_PRI,            /* "<>", "<abc>", more than 3 digits, no '>' */
        REJ_BAD_SYSLOG,         /* header present but malformed, or no JSON object in MSG */
        /* JSON (daemon/event/decode.c) */
        REJ_NOT_JSON,           /* json-c could not parse it (or it is empty) */
        REJ_NOT_OBJECT,         /* valid JSON but not an object */
        REJ_TRAILING_GARBAGE,   /* non-space bytes after the object */
        REJ_MULTIPLE_OBJECTS,   /* a second JSON value after the first */
        REJ_TOO_DEEP,           /* nesting deeper than the decoder's bound */
        REJ_DUPLICATE_KEY,      /* an identifying key (EventID, Channel, host) twice in one object */
        REJ_UNKNOWN_DIALECT,    /* an object, but none of the known shapes */
        /* identifying fields (daemon/event/dialect.c, host.c) */
        REJ_MISSING_EVENT_ID,
        REJ_BAD_EVENT_ID,       /* not a number, or outside 0..65535 */
        REJ_MISSING_HOST,
        REJ_BAD_HOST,           /* NUL/control characters, '/', "..", too long, bad characters */
        REJ_MISSING_CHANNEL,
        REJ_BAD_CHANNEL,        /* NUL or control characters, too long */
        REJ_BAD_PROVIDER,       /* NUL or control characters, too long */
        REJ_BAD_RECORD_ID,      /* present but not a non-negative integer */
        REJ_BAD_TIME,           /* event time present but unparseable */
        /* spoord itself (daemon/pipeline.c) */
        REJ_INTERNAL,           /* out of memory while decoding; logged */
        _REJ_MAX,
        _REJ_INVALID = -1,
};

/* Stable snake_case name of a reason ("oversize", "bad_octet_count", ...). */
const char *reject_reason_name(enum reject_reason r);
