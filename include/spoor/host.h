/* The one host-name canonicaliser.  Host names come from the event (never
 * the TCP peer); they are compared, hashed and shown in records, and are
 * never used as a file path. */
#pragma once
#include <stddef.h>
#include "spoor/winevent.h"
#include "spoor/reject.h"

/* Canonicalise `in` into out[EVENT_HOST_MAX + 1]: trim ASCII space, drop one
 * trailing '.', lower-case ASCII.  Accepts letters, digits, '-', '_', '.' and
 * '$'; rejects (returns -EINVAL, *why = REJ_BAD_HOST) empty names, names
 * longer than EVENT_HOST_MAX, NUL/control characters, '/', '\\', "..", a
 * leading '.', and anything else. */
int host_canonicalise(const char *in, size_t len, char out[EVENT_HOST_MAX + 1],
                      enum reject_reason *why);
