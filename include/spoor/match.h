/* Sigma values and modifiers (daemon/engine/match.c): one compiled
 * detection item, "Field|mod|mod: value(s)", and its evaluation.
 *
 * Every modifier of the Sigma v2.1 appendix is one row of an operator table
 * {name, kind, parse/compile/match hooks} in match.c:
 *   transforms of the value:   base64, base64offset, utf16le, utf16be, utf16,
 *                              wide, windash, expand
 *   comparisons:               contains, startswith, endswith, re (with the
 *                              i, m, s sub-modifiers), cidr, lt, lte, gt, gte,
 *                              exists, fieldref, and the time parts minute,
 *                              hour, day, week, month, year
 *   flags:                     all, cased, neq
 * Matching is case-insensitive unless `cased`; values hold `*` and `?`
 * wildcards with the spec's escapes (`\*`, `\?`, `\\`); `null` matches an
 * absent or empty field, `''` an empty one; a list of values is OR (AND
 * with `all`).  A keyword item (no field) matches when any field value of
 * the event matches.
 *
 * Compilation happens once, at rule load; evaluation allocates nothing. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "spoor/tri.h"
#include "spoor/winevent.h"

struct json_object;
struct match_item;

struct match_env {
        /* Sigma `|expand` placeholders: a json object name → array of
         * strings (the config's `placeholders:`); NULL = none defined. */
        struct json_object *placeholders;
        /* Logsource field mapping for the variant being compiled: the event
         * field that holds the Sigma field `name`, or NULL when this
         * telemetry source does not have it (the item then evaluates to
         * TRI_UNKNOWN).  NULL callback = identity. */
        const char *(*map_field)(void *ud, const char *name);
        void *map_ud;
};

/* Compile one item.  `spec` is the detection key ("CommandLine|contains|all",
 * "Image", "|re"...), or NULL for a keyword item (values searched in every
 * field).  `value` is the YAML value: string, number, bool, null, or an
 * array of those.  Returns 0, -ENOTSUP (an unknown or unsupported
 * modifier, or a placeholder without a value: err says which) or -EINVAL
 * (a value the modifiers cannot use: bad regex, bad CIDR, non-numeric lt).
 * Never logs. */
int match_item_compile(const char *spec, struct json_object *value, const struct match_env *env,
                       struct match_item **out, char *err, size_t errlen);

void match_item_free(struct match_item *it);

/* YES / NO, or UNKNOWN when the field (or a fieldref's other field) is
 * absent from the event or not available in this variant. */
enum tri match_item_eval(const struct match_item *it, const struct winevent *ev);

/* The Sigma field name (before mapping), or NULL for a keyword item. */
const char *match_item_field(const struct match_item *it);

/* The event field it reads after mapping; NULL when unavailable in this
 * variant or for keyword items. */
const char *match_item_event_field(const struct match_item *it);

/* The field a fieldref item compares with (mapped), or NULL. */
const char *match_item_ref_field(const struct match_item *it);

/* Necessary literals (the ruleset's prefilter): when the item evaluates
 * to YES, the ASCII-folded value of its event field contains at least one
 * of needle 0 .. n-1, folded too.  With `all` (every value must match)
 * the needles are one value's variants: the most selective value's.  Returns n, or 0 when the item gives no
 * such guarantee: keyword items, `neq`, `null`, an unavailable field, a
 * value without a literal part (`*`, ''), a regular expression without a
 * leading literal (match_re_literal), and every other comparison (cidr,
 * numbers, exists, fieldref, time parts). */
size_t match_item_needles(const struct match_item *it);

/* True when the item is a plain equality on a field (no wildcard, no
 * `neq`, no other comparison): it is YES only when the field's value is
 * one of its needles exactly (ASCII-folded unless `cased`). */
bool match_item_is_equality(const struct match_item *it);

/* True when the item cannot evaluate to YES on any event: its field is
 * unavailable in this variant and no value sees an absent field (null,
 * exists), so it is UNKNOWN whatever the event holds. */
bool match_item_never_yes(const struct match_item *it);

/* Needle i (< match_item_needles()): bytes and length, not NUL-terminated,
 * not yet folded when *cased. */
void match_item_needle(const struct match_item *it, size_t i, const unsigned char **b, size_t *len,
                       bool *cased);

/* Names of the modifiers this build supports, NULL-terminated (for docs). */
const char *const *match_modifier_names(void);
