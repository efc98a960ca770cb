/* Private to daemon/event/: what decode.c (json-c) and flatscan.c (the flat
 * fast path) share to turn a parsed event into a struct winevent. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "spoor/decode.h"
#include "spoor/reject.h"
#include "spoor/winevent.h"

/* Where a rejection goes: decode_event()'s *why and detail. */
struct decode_fail {
        enum reject_reason *why;
        char *detail;
        size_t detail_len;
};

/* Set *f->why and the detail; returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
int decode_reject(const struct decode_fail *f, enum reject_reason r, const char *fmt, ...);

/* A printable, bounded rendering of untrusted text for a detail message:
 * printable ASCII only, '?' for anything else, cut at 40 bytes. */
const char *decode_show(const char *s, size_t len, char buf[48]);

/* Whether the decimal digits [d, d+n) (no sign, no leading zero) of an
 * integer, negative when `neg`, lie beyond what json-c holds exactly:
 * below INT64_MIN or above UINT64_MAX (json-c would clamp it). */
bool decode_digits_beyond_64(const char *d, size_t n, bool neg);

/* A value as the mapping sees it, whoever parsed it: its JSON type and its
 * text (strings as they are, NUL bytes included; numbers as json-c prints
 * them: integers in decimal, doubles as written; booleans as true/false). */
enum dval_kind {
        DV_ABSENT = 0,          /* absent or JSON null */
        DV_STRING,
        DV_INT,
        DV_DOUBLE,
        DV_BOOL,
        DV_OTHER,               /* an object or an array (compact JSON text) */
};

struct dval {
        enum dval_kind kind;
        const char *s;
        size_t len;
};

/* The identifying values of an event, located by its dialect. */
struct dsys {
        struct dval event_id, host, channel, provider, record_id, time;
};

/* Appends the event's own fields (before the system fields).  0 or -ENOMEM. */
typedef int (*decode_fields_fn)(void *ud, struct winevent *ev);

/* Validate the identifying values the same way for every dialect (the
 * rules at the top of decode.c), then add the fields and the system
 * fields, and the task XML's derived fields for Security 4698/4702.
 * 0, -EINVAL with *f set, or -ENOMEM. */
int decode_map(const struct decode_ctx *ctx, enum dialect dl, const struct dsys *sys, decode_fields_fn fields,
               void *ud, struct winevent *ev, const struct decode_fail *f);
