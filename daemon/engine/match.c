/* Sigma detection items: the modifier table, spec parsing, compilation of
 * the values and their evaluation (include/spoor/match.h).
 *
 * Every modifier is one row of match_ops[] {name, kind, parse, compile,
 * match, free} (STYLE rule 5); the row kinds are described in
 * match_impl.h.  This file holds no per-modifier logic: it parses the
 * chain "Field|m1|m2", checks the combination generically from the rows'
 * class masks, runs the transforms left to right on each value and lets
 * the comparison (or subject) row compile the result.
 *
 * Semantics chosen here (Sigma spec v2.1, rules + modifiers appendix):
 *  - a list of values is OR; `all` makes it AND; variants born from one
 *    value (windash, base64offset, expand) are always OR among themselves;
 *  - `neq` negates the whole item (pySigma: the detection item is
 *    negated), so `neq` with a list means "none of the values", and with
 *    `all` "not all of them"; UNKNOWN stays UNKNOWN;
 *  - a field that is absent from the event, or unavailable in this
 *    logsource variant (map_field returned NULL), gives UNKNOWN, except for
 *    `null` values (YES: the field is absent) and `exists`;
 *  - a keyword item (no field) matches when some field value of the event
 *    matches; its default comparison is `contains` (a full-text search,
 *    as pySigma backends do); it never gives UNKNOWN. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "match_impl.h"
#include "spoor/cleanup.h"
#include "spoor/intern.h"

int match_errf(char *err, size_t errlen, int r, const char *fmt, ...)
{
        if (err && errlen) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

/* ---- parse hooks: how a row records itself in the spec ---------------- */

static int parse_all(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen)
{
        sp->all = true;
        return 0;
}

static int parse_cased(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen)
{
        sp->cased = true;
        return 0;
}

static int parse_neq(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen)
{
        sp->neq = true;
        return 0;
}

static int parse_reflag(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen)
{
        sp->re_flags |= (uint32_t)op->arg;
        return 0;
}

static int parse_transform(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen)
{
        if (sp->nxforms >= MATCH_MODS_MAX)
                return match_errf(err, errlen, -ENOTSUP, "too many modifiers");
        sp->xforms[sp->nxforms++] = op;
        return 0;
}

static int parse_compare(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen)
{
        if (sp->cmp)
                return match_errf(err, errlen, -ENOTSUP,
                                  "modifiers '%s' and '%s' are two comparisons: only one is allowed",
                                  sp->cmp->name, op->name);
        sp->cmp = op;
        return 0;
}

static int parse_subject(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen)
{
        if (sp->subject)
                return match_errf(err, errlen, -ENOTSUP, "modifiers '%s' and '%s' cannot be combined",
                                  sp->subject->name, op->name);
        sp->subject = op;
        return 0;
}

/* ---- the table -------------------------------------------------------- */

#define STR_XF (MXF_ENCODE | MXF_EXPAND)

/* The implicit comparison of a field item without one: equality with wildcards. */
static const struct match_op match_op_equals = {
        "equals", MOP_COMPARE, 0, MCLS_EQ, STR_XF, MOPF_STRINGS | MOPF_NULL_OK,
        parse_compare, match_string_compile, match_string_match, match_string_free,
};

static const struct match_op match_ops[] = {
        /* flags */
        { "all", MOP_FLAG, 0, 0, 0, 0, parse_all, NULL, NULL, NULL },
        { "cased", MOP_FLAG, 0, 0, 0, 0, parse_cased, NULL, NULL, NULL },
        { "neq", MOP_FLAG, 0, 0, 0, 0, parse_neq, NULL, NULL, NULL },
        /* comparisons on Sigma strings */
        { "contains", MOP_COMPARE, MWILD_LEAD | MWILD_TRAIL, MCLS_WILD, STR_XF, MOPF_STRINGS | MOPF_NULL_OK,
          parse_compare, match_string_compile, match_string_match, match_string_free },
        { "startswith", MOP_COMPARE, MWILD_TRAIL, MCLS_WILD, STR_XF, MOPF_STRINGS | MOPF_NULL_OK,
          parse_compare, match_string_compile, match_string_match, match_string_free },
        { "endswith", MOP_COMPARE, MWILD_LEAD, MCLS_WILD, STR_XF, MOPF_STRINGS | MOPF_NULL_OK,
          parse_compare, match_string_compile, match_string_match, match_string_free },
        /* transforms, applied left to right */
        { "base64", MOP_TRANSFORM, 0, 0, MXF_ENCODE, 0, parse_transform, match_base64_compile, NULL, NULL },
        { "base64offset", MOP_TRANSFORM, 0, 0, MXF_ENCODE, 0, parse_transform, match_base64offset_compile, NULL, NULL },
        { "utf16le", MOP_TRANSFORM, MUTF16_LE, 0, MXF_ENCODE, 0, parse_transform, match_utf16_compile, NULL, NULL },
        { "wide", MOP_TRANSFORM, MUTF16_LE, 0, MXF_ENCODE, 0, parse_transform, match_utf16_compile, NULL, NULL },
        { "utf16be", MOP_TRANSFORM, MUTF16_BE, 0, MXF_ENCODE, 0, parse_transform, match_utf16_compile, NULL, NULL },
        { "utf16", MOP_TRANSFORM, MUTF16_BOM, 0, MXF_ENCODE, 0, parse_transform, match_utf16_compile, NULL, NULL },
        { "windash", MOP_TRANSFORM, 0, 0, MXF_ENCODE, 0, parse_transform, match_windash_compile, NULL, NULL },
        { "expand", MOP_TRANSFORM, 0, 0, MXF_EXPAND, 0, parse_transform, match_expand_compile, NULL, NULL },
        /* regular expressions and their sub-modifiers */
        { "re", MOP_COMPARE, 0, MCLS_OTHER, MXF_EXPAND, MOPF_RAW | MOPF_REFLAGS,
          parse_compare, match_re_compile, match_re_match, match_re_free },
        { "i", MOP_REFLAG, PCRE2_CASELESS, 0, 0, 0, parse_reflag, NULL, NULL, NULL },
        { "ignorecase", MOP_REFLAG, PCRE2_CASELESS, 0, 0, 0, parse_reflag, NULL, NULL, NULL },
        { "m", MOP_REFLAG, PCRE2_MULTILINE, 0, 0, 0, parse_reflag, NULL, NULL, NULL },
        { "multiline", MOP_REFLAG, PCRE2_MULTILINE, 0, 0, 0, parse_reflag, NULL, NULL, NULL },
        { "s", MOP_REFLAG, PCRE2_DOTALL, 0, 0, 0, parse_reflag, NULL, NULL, NULL },
        { "dotall", MOP_REFLAG, PCRE2_DOTALL, 0, 0, 0, parse_reflag, NULL, NULL, NULL },
        /* addresses, numbers, presence */
        { "cidr", MOP_COMPARE, 0, MCLS_OTHER, MXF_EXPAND, MOPF_RAW,
          parse_compare, match_cidr_compile, match_cidr_match, NULL },
        { "lt", MOP_COMPARE, MNUM_LT, MCLS_NUM, 0, 0, parse_compare, match_num_compile, match_num_match, NULL },
        { "lte", MOP_COMPARE, MNUM_LTE, MCLS_NUM, 0, 0, parse_compare, match_num_compile, match_num_match, NULL },
        { "gt", MOP_COMPARE, MNUM_GT, MCLS_NUM, 0, 0, parse_compare, match_num_compile, match_num_match, NULL },
        { "gte", MOP_COMPARE, MNUM_GTE, MCLS_NUM, 0, 0, parse_compare, match_num_compile, match_num_match, NULL },
        { "exists", MOP_COMPARE, 0, MCLS_OTHER, 0, MOPF_NEEDS_FIELD,
          parse_compare, match_exists_compile, match_exists_match, NULL },
        /* subjects: what the comparison is applied to */
        { "fieldref", MOP_SUBJECT, 0, MCLS_EQ | MCLS_WILD, 0, MOPF_RAW | MOPF_NEEDS_FIELD,
          parse_subject, match_fieldref_compile, match_fieldref_match, match_fieldref_free },
        { "minute", MOP_SUBJECT, MPART_MINUTE, MCLS_EQ | MCLS_NUM, 0, MOPF_NEEDS_FIELD,
          parse_subject, match_part_compile, match_num_match, NULL },
        { "hour", MOP_SUBJECT, MPART_HOUR, MCLS_EQ | MCLS_NUM, 0, MOPF_NEEDS_FIELD,
          parse_subject, match_part_compile, match_num_match, NULL },
        { "day", MOP_SUBJECT, MPART_DAY, MCLS_EQ | MCLS_NUM, 0, MOPF_NEEDS_FIELD,
          parse_subject, match_part_compile, match_num_match, NULL },
        { "week", MOP_SUBJECT, MPART_WEEK, MCLS_EQ | MCLS_NUM, 0, MOPF_NEEDS_FIELD,
          parse_subject, match_part_compile, match_num_match, NULL },
        { "month", MOP_SUBJECT, MPART_MONTH, MCLS_EQ | MCLS_NUM, 0, MOPF_NEEDS_FIELD,
          parse_subject, match_part_compile, match_num_match, NULL },
        { "year", MOP_SUBJECT, MPART_YEAR, MCLS_EQ | MCLS_NUM, 0, MOPF_NEEDS_FIELD,
          parse_subject, match_part_compile, match_num_match, NULL },
};

static const struct match_op *match_op_find(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(match_ops); i++)
                if (strlen(match_ops[i].name) == len && memcmp(match_ops[i].name, name, len) == 0)
                        return &match_ops[i];
        return NULL;
}

const char *const *match_modifier_names(void)
{
        static const char *names[ELEMENTSOF(match_ops) + 1];

        if (!names[0])
                for (size_t i = 0; i < ELEMENTSOF(match_ops); i++)
                        names[i] = match_ops[i].name;
        return names;
}

/* ---- spec -------------------------------------------------------------- */

/* Split "Field|m1|m2", run the rows' parse hooks, default the comparison
 * and check the combination.  *field_len: bytes of the field name. */
static int spec_parse(const char *spec, struct match_spec *sp, size_t *field_len, char *err, size_t errlen)
{
        const char *p = spec ? strchr(spec, '|') : NULL;
        int r;

        memset(sp, 0, sizeof(*sp));
        *field_len = spec ? (p ? (size_t)(p - spec) : strlen(spec)) : 0;
        sp->keyword = *field_len == 0;

        const struct match_op *reflag = NULL;
        while (p) {
                const char *name = p + 1;
                p = strchr(name, '|');
                size_t n = p ? (size_t)(p - name) : strlen(name);
                const struct match_op *op = match_op_find(name, n);
                if (!op)
                        return match_errf(err, errlen, -ENOTSUP, "unsupported modifier '%.*s'", (int)n, name);
                if (op->kind == MOP_REFLAG && !reflag)
                        reflag = op;
                r = op->parse(sp, op, err, errlen);
                if (r < 0)
                        return r;
        }

        if (!sp->cmp)
                sp->cmp = sp->keyword ? match_op_find("contains", 8) : &match_op_equals;

        const struct match_op *who = sp->subject ? sp->subject : sp->cmp;
        if (sp->subject && !(sp->subject->cls & sp->cmp->cls))
                return match_errf(err, errlen, -ENOTSUP, "'%s' cannot be combined with '%s'",
                                  sp->subject->name, sp->cmp->name);
        for (size_t i = 0; i < sp->nxforms; i++)
                if (sp->subject || !(sp->cmp->xf & sp->xforms[i]->xf))
                        return match_errf(err, errlen, -ENOTSUP, "'%s' cannot be combined with '%s'",
                                          sp->xforms[i]->name, who->name);
        if (reflag && !(sp->cmp->flags & MOPF_REFLAGS))
                return match_errf(err, errlen, -ENOTSUP, "'%s' is a sub-modifier of 're'", reflag->name);
        if (sp->keyword && ((sp->cmp->flags | (sp->subject ? sp->subject->flags : 0)) & MOPF_NEEDS_FIELD))
                return match_errf(err, errlen, -ENOTSUP, "'%s' needs a field name", who->name);
        return 0;
}

/* ---- compile ------------------------------------------------------------ */

struct match_value *match_item_add_value(struct match_item *it, const struct match_op *op, match_fn fn)
{
        if (it->nvalues == it->values_cap) {
                size_t cap = it->values_cap ? it->values_cap * 2 : 4;
                struct match_value *v = realloc(it->values, cap * sizeof(*v));
                if (!v)
                        return NULL;
                it->values = v;
                it->values_cap = cap;
        }
        struct match_value *v = &it->values[it->nvalues++];
        memset(v, 0, sizeof(*v));
        v->op = op;
        v->match = fn;
        return v;
}

/* One YAML value: its variants through the transforms, then the comparison. */
static int item_compile_value(struct match_build *b, const struct match_op *who, char *err, size_t errlen)
{
        const struct match_spec *sp = b->sp;
        int r;

        if (!b->value) {
                if (!(who->flags & MOPF_NULL_OK))
                        return match_errf(err, errlen, -EINVAL, "'%s' does not take a null value", who->name);
                struct match_value *v = match_item_add_value(b->item, NULL, match_null_match);
                if (!v)
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
                v->sees_absent = true;
                return 0;
        }
        if (json_object_is_type(b->value, json_type_array) || json_object_is_type(b->value, json_type_object))
                return match_errf(err, errlen, -EINVAL, "a value must be a scalar");

        if (who->flags & (MOPF_STRINGS | MOPF_RAW)) {
                size_t len;
                const char *text = match_scalar_text(b->value, &len);
                struct mstr s = { 0 };
                if (!text)
                        return match_errf(err, errlen, -EINVAL, "'%s' needs a string value", who->name);
                b->raw = who->flags & MOPF_RAW;
                if (mstr_parse(&s, text, len, b->raw) < 0 || mstr_list_push(&b->vals, &s) < 0) {
                        mstr_free(&s);
                        return match_errf(err, errlen, -ENOMEM, "out of memory");
                }
                for (size_t i = 0; i < sp->nxforms; i++) {
                        r = sp->xforms[i]->compile(b, sp->xforms[i], err, errlen);
                        if (r < 0)
                                return r;
                }
        }
        return who->compile(b, who, err, errlen);
}

static int item_close_group(struct match_item *it)
{
        size_t *g = realloc(it->groups, (it->ngroups + 2) * sizeof(*g));

        if (!g)
                return -ENOMEM;
        it->groups = g;
        it->groups[0] = 0;
        it->groups[++it->ngroups] = it->nvalues;
        return 0;
}

/* The needle of one value: a string comparison's literal run
 * (match_string_needle), a regular expression's leading literal; len 0:
 * none. */
static void value_needle(const struct match_value *v, const unsigned char **b, size_t *len, bool *cased)
{
        *b = NULL;
        *len = 0;
        *cased = false;
        if (v->match == match_string_match) {
                match_string_needle(v, b, len, cased);
        } else if (v->match == match_re_match) {
                *b = v->u.re.lit;
                *len = v->u.re.lit_len;
        }
}

/* How selective a needle is: its length, a quarter of it for digits only
 * (event ids, flags: common in any text). */
static size_t needle_score(const unsigned char *b, size_t len)
{
        size_t digits = 0;

        while (digits < len && b[digits] >= '0' && b[digits] <= '9')
                digits++;
        return digits == len ? (len + 3) / 4 : len;
}

/* The values that give the item's needles, [*from, *to), or false when
 * the item gives none.  Every value is a needle: YES needs some group YES
 * (all of them with `all`), a group is YES when one of its values
 * matches, and a string value matches only where its literal part occurs.
 * A regular expression matches only where its leading literal occurs
 * (match_re_literal).  With `all` every group must be YES, so one group's
 * values are enough: the group whose weakest needle is the most
 * selective.  Folding both sides keeps that true for `cased` values.
 * Computed once at compile time (match_item_needles is O(1)). */
static bool item_needle_values(const struct match_item *it, size_t *from, size_t *to)
{
        size_t best = 0;

        if (it->keyword || it->neq || !it->event_field || it->nvalues == 0)
                return false;
        for (size_t i = 0; i < it->nvalues; i++) {
                const unsigned char *b;
                size_t len;
                bool cased;

                value_needle(&it->values[i], &b, &len, &cased);
                if (len == 0)
                        return false;
        }
        *from = 0;
        *to = it->nvalues;
        if (!it->all || it->ngroups < 2)
                return true;
        for (size_t g = 0; g < it->ngroups; g++) {
                size_t worst = SIZE_MAX;
                for (size_t k = it->groups[g]; k < it->groups[g + 1]; k++) {
                        const unsigned char *b;
                        size_t len;
                        bool cased;

                        value_needle(&it->values[k], &b, &len, &cased);
                        size_t sc = needle_score(b, len);
                        if (sc < worst)
                                worst = sc;
                }
                if (it->groups[g + 1] > it->groups[g] && worst > best) {
                        best = worst;
                        *from = it->groups[g];
                        *to = it->groups[g + 1];
                }
        }
        return true;
}

int match_item_compile(const char *spec, struct json_object *value, const struct match_env *env,
                       struct match_item **out, char *err, size_t errlen)
{
        static const struct match_env no_env = { 0 };
        struct match_spec sp;
        size_t field_len;
        int r;

        *out = NULL;
        if (!env)
                env = &no_env;
        r = spec_parse(spec, &sp, &field_len, err, errlen);
        if (r < 0)
                return r;

        struct match_item *it = calloc(1, sizeof(*it));
        if (!it)
                return match_errf(err, errlen, -ENOMEM, "out of memory");
        it->keyword = sp.keyword;
        it->all = sp.all;
        it->neq = sp.neq;
        if (!sp.keyword) {
                const char *mapped;
                if (!(it->field = strndup(spec, field_len)))
                        goto nomem;
                mapped = env->map_field ? env->map_field(env->map_ud, it->field) : it->field;
                if (mapped && !(it->event_field = strdup(mapped)))
                        goto nomem;
                if (mapped)
                        it->event_key = intern(mapped, strlen(mapped));
        }

        const struct match_op *who = sp.subject ? sp.subject : sp.cmp;
        bool list = json_object_is_type(value, json_type_array);
        size_t n = list ? json_object_array_length(value) : 1;
        if (n == 0) {
                r = match_errf(err, errlen, -EINVAL, "empty list of values");
                goto fail;
        }
        for (size_t i = 0; i < n; i++) {
                struct match_build b = {
                        .sp = &sp, .env = env, .item = it,
                        .value = list ? json_object_array_get_idx(value, i) : value,
                };
                if (list && json_object_is_type(b.value, json_type_array)) {
                        r = match_errf(err, errlen, -EINVAL, "a value must be a scalar");
                        goto fail;
                }
                r = item_compile_value(&b, who, err, errlen);
                mstr_list_clear(&b.vals);
                free(b.vals.v);
                if (r < 0)
                        goto fail;
                if (item_close_group(it) < 0)
                        goto nomem;
        }
        for (size_t i = 0; i < it->nvalues; i++)
                if (it->values[i].match == match_string_match && !it->values[i].u.lit.cased)
                        it->fold = true;
        if (!item_needle_values(it, &it->needle_from, &it->needle_to))
                it->needle_from = it->needle_to = 0;
        *out = it;
        return 0;

nomem:
        r = match_errf(err, errlen, -ENOMEM, "out of memory");
fail:
        match_item_free(it);
        return r;
}

void match_item_free(struct match_item *it)
{
        if (!it)
                return;
        for (size_t i = 0; i < it->nvalues; i++)
                if (it->values[i].op && it->values[i].op->free)
                        it->values[i].op->free(&it->values[i]);
        free(it->values);
        free(it->groups);
        free(it->field);
        free(it->event_field);
        free(it);
}

/* ---- evaluation ----------------------------------------------------------- */

const struct winevent_field *match_field(const struct winevent *ev, const char *name, const char *key)
{
        return key ? winevent_get_interned(ev, key) : winevent_get(ev, name);
}

/* OR over one group's variants against one field value (s NULL: absent). */
static enum tri group_eval(const struct match_item *it, size_t g, const struct winevent *ev,
                           const char *s, size_t len, const char *lower)
{
        enum tri r = TRI_NO;

        for (size_t k = it->groups[g]; k < it->groups[g + 1]; k++) {
                const struct match_value *v = &it->values[k];
                enum tri x = (s || v->sees_absent) ? v->match(v, ev, s, len, lower) : TRI_UNKNOWN;
                r = tri_or(r, x);
                if (r == TRI_YES)
                        break;
        }
        return r;
}

/* A keyword group: YES when some field of the event matches. */
static enum tri group_eval_keyword(const struct match_item *it, size_t g, const struct winevent *ev)
{
        for (size_t i = 0; i < ev->nfields; i++) {
                const struct winevent_field *f = &ev->fields[i];
                const char *lower = it->fold ? winevent_field_lower(ev, f) : NULL;

                if (group_eval(it, g, ev, f->value, f->len, lower) == TRI_YES)
                        return TRI_YES;
        }
        return TRI_NO;
}

enum tri match_item_eval(const struct match_item *it, const struct winevent *ev)
{
        const struct winevent_field *f = NULL;
        const char *lower = NULL;
        enum tri r = it->all ? TRI_YES : TRI_NO;

        if (!it->keyword && it->event_field) {
                f = match_field(ev, it->event_field, it->event_key);
                if (f && it->fold)
                        lower = winevent_field_lower(ev, f);
        }
        for (size_t g = 0; g < it->ngroups; g++) {
                enum tri x = it->keyword ? group_eval_keyword(it, g, ev)
                                         : group_eval(it, g, ev, f ? f->value : NULL, f ? f->len : 0, lower);
                r = it->all ? tri_and(r, x) : tri_or(r, x);
                if (r == (it->all ? TRI_NO : TRI_YES))
                        break;
        }
        return it->neq ? tri_not(r) : r;
}

/* ---- accessors ------------------------------------------------------------ */

const char *match_item_field(const struct match_item *it)
{
        return it->field;
}

const char *match_item_event_field(const struct match_item *it)
{
        return it->event_field;
}

const char *match_item_ref_field(const struct match_item *it)
{
        return it->ref_field;
}

size_t match_item_needles(const struct match_item *it)
{
        return it->needle_to - it->needle_from;
}

bool match_item_is_equality(const struct match_item *it)
{
        if (it->keyword || it->neq || !it->event_field || it->nvalues == 0)
                return false;
        for (size_t i = 0; i < it->nvalues; i++)
                if (it->values[i].match != match_string_match || it->values[i].u.lit.kind != MLIT_EXACT)
                        return false;
        return true;
}

bool match_item_never_yes(const struct match_item *it)
{
        if (it->keyword || it->event_field || it->ngroups == 0)
                return false;
        for (size_t i = 0; i < it->nvalues; i++)
                if (it->values[i].sees_absent)
                        return false;
        return true;
}

void match_item_needle(const struct match_item *it, size_t i, const unsigned char **b, size_t *len,
                       bool *cased)
{
        value_needle(&it->values[it->needle_from + i], b, len, cased);
}
