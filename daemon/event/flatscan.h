/* Private to daemon/event/: the fast path for flat events (NXLog CE / EE),
 * which are nearly all of what spoord receives.
 *
 * json-c builds a tree of heap objects and a hash table per event, which
 * decode.c then walks to copy every value once more: measured on
 * scripts/gen-events input, that was most of the cost of an event before
 * any rule ran.  flatscan reads a flat object in one pass, straight into
 * the event's fields.  It takes only a strict subset of JSON and hands
 * everything else back to json-c, so that whatever it accepts decodes to
 * exactly what the json-c path would give (tests/fuzz/fuzz_flatscan.c
 * compares the two on every input):
 *   - one object after optional JSON whitespace, then only whitespace;
 *   - keys: double-quoted, no escapes, no control characters;
 *   - values: strings (no raw control characters; the escapes \" \\ \/
 *     \b \f \n \r \t and \uXXXX outside the surrogates), numbers in
 *     strict JSON grammar (not -0, integers within int64 / uint64), true,
 *     false, null.  An object or an array as a value: json-c;
 *   - at least one NXLog key (EventID, EventTime, Hostname, SourceName,
 *     Channel), and no identifying key twice (json-c rejects those). */
#pragma once
#include <stddef.h>

#include "decode_impl.h"

struct flatscan;

struct flatscan *flatscan_new(void);
void flatscan_free(struct flatscan *fs);

#define FLATSCAN_NOT_MINE 1

/* Decode [json, len) (valid UTF-8) into ev when it is within the subset:
 * decode_map()'s result (0, -EINVAL with *f set, -ENOMEM); or
 * FLATSCAN_NOT_MINE, having touched nothing, for json-c to decide. */
int flatscan_decode(struct flatscan *fs, const char *json, size_t len, const struct decode_ctx *ctx,
                    struct winevent *ev, const struct decode_fail *f);
