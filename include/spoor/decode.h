/* Frame payload (one JSON object) → struct winevent.  Strict where json-c is
 * lenient: exactly one object, no trailing bytes, no duplicate identifying
 * keys (EventID, Channel, Hostname/Computer) in one object, EventID in
 * 0..65535, identifiers without NUL or control characters, bounded depth.
 * Detects the dialect per event (dialect.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/winevent.h"
#include "spoor/reject.h"
#include "spoor/timefmt.h"

#define DECODE_DEFAULT_MAX_DEPTH 16

struct decoder;

/* NULL on ENOMEM.  max_depth bounds JSON nesting (json-c tokener depth). */
struct decoder *decoder_new(int max_depth);
void decoder_free(struct decoder *d);

struct decode_ctx {
        struct timefmt_zone *zone;      /* for zone-less timestamps; NULL = UTC */
        int64_t recv_us;                /* receive time; event time when none is given */
        const char *fallback_host;      /* e.g. the syslog HOSTNAME; may be NULL */
        size_t fallback_host_len;
        int64_t fallback_time_us;       /* e.g. the syslog timestamp; 0 = none */
};

/* Decode `len` bytes at `json` into `ev` (which is reset first).  Returns 0,
 * or -EINVAL with *why set and a short human-readable `detail` (may be NULL)
 * such as "EventID 70000 out of range".  Never logs. */
int decode_event(struct decoder *d, const char *json, size_t len,
                 const struct decode_ctx *ctx, struct winevent *ev,
                 enum reject_reason *why, char *detail, size_t detail_len);

/* What the last decode_event() call had to mend before parsing (a mask):
 *   DECODE_REPAIRED_UTF8     bytes that are not strict UTF-8 (invalid,
 *                            overlong, surrogates, above U+10FFFF) became
 *                            U+FFFD, one per bad byte: the event is kept and
 *                            evaluated (an attacker's odd bytes never hide
 *                            it), and nothing invalid reaches a record;
 *   DECODE_REPAIRED_BIG_INT  an integer literal beyond 64 bits (which json-c
 *                            would clamp to INT64_MIN / UINT64_MAX) became a
 *                            string holding its digits as written: a field
 *                            shows it exactly, EventID / the record id refuse
 *                            it as out of range. */
enum {
        DECODE_REPAIRED_UTF8 = 1u << 0,
        DECODE_REPAIRED_BIG_INT = 1u << 1,
};
unsigned decoder_repairs(const struct decoder *d);

/* Flat NXLog events take a one-pass fast path (daemon/event/flatscan.h)
 * that decodes exactly as json-c would; off, every event goes through
 * json-c.  On by default; tests and benchmarks compare the two.  0 or
 * -ENOMEM. */
int decoder_set_fast_path(struct decoder *d, bool on);
