/* Sigma correlation documents → struct sigma_corr, and their references
 * resolved to rules (observers, quiet rules, chaining): the correlation
 * half of the rule loader (sigma_load.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/ruleset.h"
#include "sigma_load.h"

/* ---- correlations ----------------------------------------------------------- */

/* "5m", "30s", "1h", "2d", "1w": a number and one unit.  -1 when invalid. */
int64_t load_timespan(struct json_object *v)
{
        const char *s;
        char *end;
        long long n;
        int64_t unit;

        if (!v)
                return -1;
        if (json_object_is_type(v, json_type_int))
                return json_object_get_int64(v) > 0 ? json_object_get_int64(v) * 1000000 : -1;
        if (!json_object_is_type(v, json_type_string))
                return -1;
        s = json_object_get_string(v);
        errno = 0;
        n = strtoll(s, &end, 10);
        if (errno || end == s || n <= 0 || n > 366LL * 86400)
                return -1;
        switch (*end) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        default: return -1;
        }
        if (end[1] != '\0')
                return -1;
        return (int64_t)n * unit * 1000000;
}

static int load_corr_condition(struct json_object *cond, struct sigma_corr *c, char *err, size_t errlen)
{
        static const struct {
                const char *name;
                enum corr_op op;
        } ops[] = {
                { "gt", CORR_GT }, { "gte", CORR_GTE }, { "lt", CORR_LT },
                { "lte", CORR_LTE }, { "eq", CORR_EQ }, { "neq", CORR_NEQ },
        };

        json_object_object_foreach(cond, key, val) {
                bool known = false;

                if (strcmp(key, "field") == 0) {
                        if (!val || !json_object_is_type(val, json_type_string)) {
                                snprintf(err, errlen, "condition.field must be a field name");
                                return -EINVAL;
                        }
                        c->value_field = strdup(json_object_get_string(val));
                        if (!c->value_field)
                                return -ENOMEM;
                        continue;
                }
                if (strcmp(key, "percentile") == 0) {
                        c->spec.cond.percentile = val ? json_object_get_double(val) : 0;
                        continue;
                }
                for (size_t i = 0; i < ELEMENTSOF(ops); i++) {
                        if (strcmp(key, ops[i].name) != 0)
                                continue;
                        known = true;
                        if (c->spec.cond.ncrit == 2) {
                                snprintf(err, errlen, "condition: at most two criteria (a range)");
                                return -ENOTSUP;
                        }
                        if (!val || !(json_object_is_type(val, json_type_int) ||
                                      json_object_is_type(val, json_type_double))) {
                                snprintf(err, errlen, "condition.%s must be a number", key);
                                return -EINVAL;
                        }
                        c->spec.cond.crit[c->spec.cond.ncrit].op = ops[i].op;
                        c->spec.cond.crit[c->spec.cond.ncrit].value = json_object_get_double(val);
                        c->spec.cond.ncrit++;
                }
                if (!known) {
                        snprintf(err, errlen, "condition: unknown key '%s'", key);
                        return -ENOTSUP;
                }
        }
        return 0;
}

/* `type: first_seen` (the extension, include/spoor/firstseen.h): fields
 * (required), history (default 30d), learning (default 0: fire from the
 * first event); no condition, no timespan. */
static int load_first_seen(struct json_object *cd, struct sigma_corr *c, char *err, size_t errlen)
{
        struct json_object *v;

        if (json_object_object_get_ex(cd, "condition", NULL)) {
                snprintf(err, errlen, "first_seen takes no condition (it fires on a new combination of fields)");
                return -EINVAL;
        }
        if (load_strv(cd, "fields", &c->first_seen.fields, &c->first_seen.nfields) < 0 ||
            c->first_seen.nfields == 0) {
                snprintf(err, errlen, "first_seen needs fields: a list of field names");
                return -EINVAL;
        }
        for (size_t i = 0; i < c->first_seen.nfields; i++)
                if (!*c->first_seen.fields[i]) {
                        snprintf(err, errlen, "first_seen fields: an empty field name");
                        return -EINVAL;
                }
        c->first_seen.history_us = 30LL * 86400 * 1000000;
        if (json_object_object_get_ex(cd, "history", &v)) {
                c->first_seen.history_us = load_timespan(v);
                if (c->first_seen.history_us <= 0) {
                        snprintf(err, errlen, "history must be a number and a unit (s, m, h, d, w), at most 366d");
                        return -EINVAL;
                }
        }
        c->first_seen.learning_us = 0;
        if (json_object_object_get_ex(cd, "learning", &v)) {
                bool zero = v && ((json_object_is_type(v, json_type_int) && json_object_get_int64(v) == 0) ||
                                  (json_object_is_type(v, json_type_string) &&
                                   strcmp(json_object_get_string(v), "0") == 0));

                c->first_seen.learning_us = zero ? 0 : load_timespan(v);
                if (c->first_seen.learning_us < 0) {
                        snprintf(err, errlen, "learning must be 0 or a number and a unit (s, m, h, d, w)");
                        return -EINVAL;
                }
        }
        return 0;
}

int load_correlation(struct loader *L, const char *file, unsigned line, unsigned docno,
                            struct json_object *doc)
{
        struct json_object *cd, *v;
        struct sigma_corr c;
        _cleanup_free_ char *fallback_id = NULL;
        const char *id = load_rule_id(doc, file, docno, &fallback_id), *title = load_str(doc, "title");
        char err[512] = "";
        int r = 0;

        memset(&c, 0, sizeof(c));
        if (!id)
                return -ENOMEM;
        if (!title) {
                load_unsupported(L, file, line, id, "no title");
                return 0;
        }
        if (!json_object_object_get_ex(doc, "correlation", &cd) || !cd || !json_object_is_type(cd, json_type_object)) {
                load_unsupported(L, file, line, id, "correlation must be a mapping");
                return 0;
        }
        c.spec.type = corr_type_from_name(load_str(cd, "type"));
        if (c.spec.type == _CORR_TYPE_INVALID && load_str(cd, "type") &&
            strcmp(load_str(cd, "type"), "first_seen") == 0) {
                c.first_seen.on = true;         /* the extension: not a windowed type */
                c.spec.type = CORR_EVENT_COUNT; /* unused for first_seen */
        }
        if (c.spec.type == _CORR_TYPE_INVALID) {
                load_unsupported(L, file, line, id, "correlation type '%s' is not supported",
                                 load_str(cd, "type") ? load_str(cd, "type") : "(none)");
                return 0;
        }
        r = load_meta(doc, id, file, line, SIGMA_LEVEL_MEDIUM, &c.meta);
        if (r == 0 && (load_strv(cd, "rules", &c.refs, &c.spec.nrefs) < 0 || c.spec.nrefs == 0)) {
                snprintf(err, sizeof(err), "correlation.rules must name at least one rule");
                r = -EINVAL;
        }
        if (r == 0 && c.spec.nrefs > UINT16_MAX) {
                snprintf(err, sizeof(err), "too many referenced rules");
                r = -ENOTSUP;
        }
        if (r == 0 && load_strv(cd, "group-by", &c.group_by, &c.ngroup_by) < 0) {
                snprintf(err, sizeof(err), "group-by must be a list of field names");
                r = -EINVAL;
        }
        if (r == 0 && c.first_seen.on)
                r = load_first_seen(cd, &c, err, sizeof(err));
        if (r == 0 && !c.first_seen.on) {
                c.spec.timespan_us = load_timespan(json_object_object_get_ex(cd, "timespan", &v) ? v : NULL);
                if (c.spec.timespan_us <= 0) {
                        snprintf(err, sizeof(err), "timespan must be a number and a unit (s, m, h, d, w)");
                        r = -EINVAL;
                }
        }
        if (r == 0 && load_suppress(doc, &c.meta->suppress_us) < 0) {
                snprintf(err, sizeof(err), "suppress must be a timespan (30m, 1h, 1d) or 0");
                r = -EINVAL;
        }
        if (r == 0 && json_object_object_get_ex(cd, "generate", &v) && v)
                c.generate = json_object_get_boolean(v);
        if (r == 0 && json_object_object_get_ex(cd, "condition", &v) && v) {
                if (!json_object_is_type(v, json_type_object)) {
                        snprintf(err, sizeof(err), "condition must be a mapping");
                        r = -EINVAL;
                } else {
                        r = load_corr_condition(v, &c, err, sizeof(err));
                }
        }
        if (r == 0 && !c.first_seen.on) {
                bool temporal = c.spec.type == CORR_TEMPORAL || c.spec.type == CORR_TEMPORAL_ORDERED;
                bool valued = c.spec.type != CORR_EVENT_COUNT && !temporal;

                if (!temporal && c.spec.cond.ncrit == 0) {
                        snprintf(err, sizeof(err), "%s needs a condition", corr_type_name(c.spec.type));
                        r = -EINVAL;
                } else if (c.spec.type == CORR_VALUE_PERCENTILE &&
                           (c.spec.cond.percentile < 0 || c.spec.cond.percentile > 100)) {
                        snprintf(err, sizeof(err), "condition.percentile must be within 0..100");
                        r = -EINVAL;
                } else if (valued && !c.value_field) {
                        snprintf(err, sizeof(err), "%s needs condition.field", corr_type_name(c.spec.type));
                        r = -EINVAL;
                }
        }
        /* aliases: {alias: {rule: field, ...}} → alias_fields */
        if (r == 0 && c.ngroup_by) {
                c.alias_fields = calloc(c.ngroup_by * c.spec.nrefs, sizeof(char *));
                if (!c.alias_fields)
                        r = -ENOMEM;
        }
        if (r == 0 && json_object_object_get_ex(cd, "aliases", &v) && v) {
                if (!json_object_is_type(v, json_type_object)) {
                        snprintf(err, sizeof(err), "aliases must be a mapping");
                        r = -EINVAL;
                } else {
                        json_object_object_foreach(v, alias, map) {
                                size_t g;

                                for (g = 0; g < c.ngroup_by && strcmp(c.group_by[g], alias) != 0; g++)
                                        ;
                                if (g == c.ngroup_by || !map || !json_object_is_type(map, json_type_object))
                                        continue;       /* an alias not used in group-by */
                                json_object_object_foreach(map, rname, field) {
                                        size_t k;

                                        for (k = 0; k < c.spec.nrefs && strcmp(c.refs[k], rname) != 0; k++)
                                                ;
                                        if (k == c.spec.nrefs || !field ||
                                            !json_object_is_type(field, json_type_string)) {
                                                snprintf(err, sizeof(err), "alias %s: '%s' is not one of the rules",
                                                         alias, rname);
                                                r = -EINVAL;
                                                break;
                                        }
                                        c.alias_fields[g * c.spec.nrefs + k] = strdup(json_object_get_string(field));
                                }
                                if (r < 0)
                                        break;
                        }
                }
        }
        if (r == 0 && load_find(L, id)) {
                snprintf(err, sizeof(err), "duplicate rule id");
                r = -EINVAL;
        }
        if (r < 0) {
                sigma_corr_fini(&c);
                if (r == -ENOMEM)
                        return r;
                load_unsupported(L, file, line, id, "%s", err);
                return 0;
        }
        {
                struct sigma_corr *n = realloc(L->corrs, (L->ncorrs + 1) * sizeof(*n));
                if (!n) {
                        sigma_corr_fini(&c);
                        return -ENOMEM;
                }
                L->corrs = n;
                L->corrs[L->ncorrs++] = c;
        }
        return 0;
}

static struct sigma_rule *load_find_any(struct loader *L, const char *ref, long *ci)
{
        struct load_pending *p = load_find(L, ref);

        *ci = -1;
        if (p)
                return p->rule;
        for (size_t i = 0; i < L->ncorrs; i++)
                if (strcmp(L->corrs[i].meta->id, ref) == 0 ||
                    (*L->corrs[i].meta->name && strcmp(L->corrs[i].meta->name, ref) == 0)) {
                        *ci = (long)i;
                        return L->corrs[i].meta;
                }
        return NULL;
}

static int load_observe(struct sigma_rule *r, size_t ci, size_t ref)
{
        struct sigma_observer *o = realloc(r->observers, (r->nobservers + 1) * sizeof(*o));

        if (!o)
                return -ENOMEM;
        r->observers = o;
        o[r->nobservers++] = (struct sigma_observer){ (uint32_t)ci, (uint16_t)ref };
        return 0;
}

/* Resolve every correlation's references (rules or correlations, by id or
 * name); drop those with a missing reference or a cycle, then record the
 * observers and which rules stay quiet. */
int load_resolve_correlations(struct loader *L)
{
        bool changed = true;

        /* drop correlations whose references are missing, until stable (a
         * dropped correlation may be referenced by another) */
        while (changed) {
                changed = false;
                for (size_t i = 0; i < L->ncorrs; i++) {
                        struct sigma_corr *c = &L->corrs[i];
                        for (size_t k = 0; k < c->spec.nrefs; k++) {
                                long ci;
                                if (load_find_any(L, c->refs[k], &ci) && ci != (long)i &&
                                    !(c->first_seen.on && ci >= 0))
                                        continue;
                                if (c->first_seen.on && ci >= 0 && ci != (long)i)
                                        load_unsupported(L, c->meta->file, c->meta->line, c->meta->id,
                                                         "first_seen reads detection rules only, not "
                                                         "correlation '%s'", c->refs[k]);
                                else
                                        load_unsupported(L, c->meta->file, c->meta->line, c->meta->id,
                                                         ci == (long)i ? "correlation references itself" :
                                                         "references rule '%s', which is not loaded", c->refs[k]);
                                sigma_corr_fini(c);
                                L->corrs[i] = L->corrs[--L->ncorrs];
                                changed = true;
                                break;
                        }
                        if (changed)
                                break;
                }
        }
        /* cycles: a correlation chain deeper than the number of correlations */
        for (size_t i = 0; i < L->ncorrs; i++) {
                size_t depth = 0, cur = i;
                bool cycle = false;

                for (;;) {
                        long next = -1;
                        for (size_t k = 0; k < L->corrs[cur].spec.nrefs && next < 0; k++) {
                                long ci;
                                load_find_any(L, L->corrs[cur].refs[k], &ci);
                                next = ci;
                        }
                        if (next < 0)
                                break;
                        if (++depth > L->ncorrs) {
                                cycle = true;
                                break;
                        }
                        cur = (size_t)next;
                }
                if (cycle) {
                        snprintf(L->rep->error, sizeof(L->rep->error), "%s:%u: correlation %s: chain loops back to itself",
                                 L->corrs[i].meta->file, L->corrs[i].meta->line, L->corrs[i].meta->id);
                        return -ELOOP;
                }
        }
        for (size_t i = 0; i < L->ncorrs; i++) {
                struct sigma_corr *c = &L->corrs[i];
                for (size_t k = 0; k < c->spec.nrefs; k++) {
                        long ci;
                        struct sigma_rule *r = load_find_any(L, c->refs[k], &ci);
                        int rc = load_observe(r, i, k);
                        if (rc < 0)
                                return rc;
                }
        }
        for (size_t i = 0; i < L->nrules; i++) {
                struct sigma_rule *r = L->rules[i].rule;
                bool gen = false;
                for (size_t k = 0; k < r->nobservers; k++)
                        gen |= L->corrs[r->observers[k].ci].generate;
                r->quiet = r->nobservers > 0 && !gen;
        }
        for (size_t i = 0; i < L->ncorrs; i++) {
                struct sigma_rule *r = L->corrs[i].meta;
                bool gen = false;
                for (size_t k = 0; k < r->nobservers; k++)
                        gen |= L->corrs[r->observers[k].ci].generate;
                r->quiet = r->nobservers > 0 && !gen;
        }
        return 0;
}

