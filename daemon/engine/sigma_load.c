/* Sigma rule files → compiled variants (include/spoor/ruleset.h).
 *
 * Files: every *.yml / *.yaml under each path, recursively, in name order
 * (hidden directories and symlinked directories are skipped).  Documents:
 *   - a detection rule (title, id, name, status, level, description, tags,
 *     falsepositives, fields, logsource, detection) is compiled once per
 *     telemetry source its logsource resolves to (logsource.c); the custom
 *     attribute `suppress:` (a timespan, or 0) sets its suppression window,
 *     on correlation rules too;
 *   - a Sigma filter document (`filter:` with `rules:`) is applied to the
 *     rules it names, by id or name: they match only when the filter's
 *     condition holds too;
 *   - a correlation rule (`correlation:`) is parsed and resolved in
 *     corr_load.c;
 *   - Sigma v1 `action:` collections, `timeframe` and aggregations in the
 *     condition are reported as unsupported.
 * A rule is skipped whole, with one reason, at the first thing that cannot
 * be compiled: never half-loaded.  The event ids a variant is indexed under
 * come from its logsource, else from a selection the condition requires
 * whose every group pins `EventID` (the usual `service: security` rule). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/logsource.h"
#include "spoor/ruleset.h"
#include "spoor/yaml.h"

#include "sigma_load.h"

char *xstrdup(const char *s)
{
        return strdup(s ? s : "");
}

void load_problem(struct loader *L, const char *file, unsigned line, const char *rule, const char *fmt, ...)
{
        struct ruleset_problem *p;
        char reason[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        p = realloc(L->rep->problems, (L->rep->nproblems + 1) * sizeof(*p));
        if (!p)
                return;
        L->rep->problems = p;
        p = &p[L->rep->nproblems++];
        p->file = xstrdup(file);
        p->line = line;
        p->rule = xstrdup(rule);
        p->reason = xstrdup(reason);
}


/* ---- files ----------------------------------------------------------------- */

static bool load_is_yaml(const char *name)
{
        size_t n = strlen(name);

        return (n > 4 && strcmp(name + n - 4, ".yml") == 0) || (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int load_add_file(struct loader *L, const char *path)
{
        if (L->nfiles >= LOAD_MAX_FILES)
                return -E2BIG;
        if (L->nfiles == L->files_cap) {
                size_t cap = L->files_cap ? L->files_cap * 2 : 256;
                char **f = realloc(L->files, cap * sizeof(*f));
                if (!f)
                        return -ENOMEM;
                L->files = f;
                L->files_cap = cap;
        }
        L->files[L->nfiles] = strdup(path);
        if (!L->files[L->nfiles])
                return -ENOMEM;
        L->nfiles++;
        return 0;
}

static int load_walk(struct loader *L, const char *dir, int depth)
{
        DIR *d;
        struct dirent *e;
        int r = 0;

        if (depth > LOAD_MAX_DEPTH)
                return 0;
        d = opendir(dir);
        if (!d) {
                load_problem(L, dir, 0, "", "cannot open directory: %s", strerror(errno));
                return 0;
        }
        while (r == 0 && (e = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (e->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (lstat(path, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        r = load_walk(L, path, depth + 1);
                else if (load_is_yaml(e->d_name) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
                        r = load_add_file(L, path);
        }
        closedir(d);
        return r;
}

static int load_strcmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- metadata ---------------------------------------------------------------- */

const char *load_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return NULL;
        if (json_object_is_type(v, json_type_string))
                return json_object_get_string(v);
        return NULL;
}

/* A string or a list of strings → a vector.  0, -EINVAL (wrong type) or -ENOMEM. */
int load_strv(struct json_object *o, const char *key, char ***out, size_t *n)
{
        struct json_object *v;
        size_t len;

        *out = NULL;
        *n = 0;
        if (!json_object_object_get_ex(o, key, &v) || !v)
                return 0;
        if (json_object_is_type(v, json_type_string)) {
                *out = calloc(1, sizeof(char *));
                if (!*out || !((*out)[0] = strdup(json_object_get_string(v))))
                        return -ENOMEM;
                *n = 1;
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return -EINVAL;
        len = json_object_array_length(v);
        *out = calloc(len ? len : 1, sizeof(char *));
        if (!*out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                struct json_object *e = json_object_array_get_idx(v, i);
                const char *s = e ? json_object_get_string(e) : "";   /* numbers, bools as text */
                (*out)[i] = strdup(s ? s : "");
                if (!(*out)[i])
                        return -ENOMEM;
                (*n)++;
        }
        return 0;
}

/* ---- detection ------------------------------------------------------------------ */

struct load_env {
        const struct logsource_variant *src;
};

static const char *load_map_field(void *ud, const char *name)
{
        const struct load_env *e = ud;

        return logsource_map_field(e->src, name);
}

/* Compile the detection identifiers of `det` (all keys but condition and
 * timeframe, and `rules` in a filter) for one source. */
static int load_selections(struct json_object *det, const struct match_env *env, struct sigma_selection **out,
                           size_t *nout, char *err, size_t errlen)
{
        struct sigma_selection *sels;
        size_t n = 0;
        int r = 0;

        sels = calloc(SIGMA_MAX_SELECTIONS, sizeof(*sels));
        if (!sels)
                return -ENOMEM;
        json_object_object_foreach(det, key, val) {
                struct sigma_selection *s;

                if (strcmp(key, "condition") == 0 || strcmp(key, "timeframe") == 0 || strcmp(key, "rules") == 0)
                        continue;
                if (n == SIGMA_MAX_SELECTIONS) {
                        snprintf(err, errlen, "more than %d detection identifiers", SIGMA_MAX_SELECTIONS);
                        r = -ENOTSUP;
                        break;
                }
                s = &sels[n++];
                s->name = strdup(key);
                if (!s->name) {
                        r = -ENOMEM;
                        break;
                }
                if (val && json_object_is_type(val, json_type_object)) {
                        /* one group: AND of its items */
                        s->groups = calloc(1, sizeof(*s->groups));
                        if (!s->groups) {
                                r = -ENOMEM;
                                break;
                        }
                        s->ngroups = 1;
                        s->groups[0].items = calloc((size_t)json_object_object_length(val) + 1,
                                                    sizeof(struct match_item *));
                        if (!s->groups[0].items) {
                                r = -ENOMEM;
                                break;
                        }
                        json_object_object_foreach(val, spec, v) {
                                char e2[256] = "";
                                r = match_item_compile(spec, v, env, &s->groups[0].items[s->groups[0].nitems], e2,
                                                       sizeof(e2));
                                if (r < 0) {
                                        snprintf(err, errlen, "%s: %s: %s", key, spec, e2);
                                        break;
                                }
                                s->groups[0].nitems++;
                        }
                        if (r < 0)
                                break;
                        continue;
                }
                if (val && json_object_is_type(val, json_type_array)) {
                        size_t len = json_object_array_length(val), maps = 0;

                        for (size_t i = 0; i < len; i++) {
                                struct json_object *e = json_object_array_get_idx(val, i);
                                if (e && json_object_is_type(e, json_type_object))
                                        maps++;
                                else if (e && (json_object_is_type(e, json_type_array)))
                                        maps = SIZE_MAX / 2;
                        }
                        if (maps > 0 && maps != len) {
                                snprintf(err, errlen, "%s: a list that mixes maps and values", key);
                                r = -ENOTSUP;
                                break;
                        }
                        if (maps == len && len > 0) {
                                /* list of maps: OR of groups */
                                s->groups = calloc(len, sizeof(*s->groups));
                                if (!s->groups) {
                                        r = -ENOMEM;
                                        break;
                                }
                                for (size_t i = 0; i < len && r == 0; i++) {
                                        struct json_object *m = json_object_array_get_idx(val, i);
                                        struct sigma_group *g = &s->groups[s->ngroups++];

                                        g->items = calloc((size_t)json_object_object_length(m) + 1,
                                                          sizeof(struct match_item *));
                                        if (!g->items) {
                                                r = -ENOMEM;
                                                break;
                                        }
                                        json_object_object_foreach(m, spec, v) {
                                                char e2[256] = "";
                                                r = match_item_compile(spec, v, env, &g->items[g->nitems], e2,
                                                                       sizeof(e2));
                                                if (r < 0) {
                                                        snprintf(err, errlen, "%s: %s: %s", key, spec, e2);
                                                        break;
                                                }
                                                g->nitems++;
                                        }
                                }
                                if (r < 0)
                                        break;
                                continue;
                        }
                }
                /* keywords: a value or a list of values, searched in every field */
                if (!val || json_object_is_type(val, json_type_array) || json_object_is_type(val, json_type_string) ||
                    json_object_is_type(val, json_type_int) || json_object_is_type(val, json_type_double) ||
                    json_object_is_type(val, json_type_boolean)) {
                        char e2[256] = "";

                        s->groups = calloc(1, sizeof(*s->groups));
                        if (!s->groups || !(s->groups[0].items = calloc(1, sizeof(struct match_item *)))) {
                                r = -ENOMEM;
                                break;
                        }
                        s->ngroups = 1;
                        r = match_item_compile(NULL, val, env, &s->groups[0].items[0], e2, sizeof(e2));
                        if (r < 0) {
                                snprintf(err, errlen, "%s: keywords: %s", key, e2);
                                break;
                        }
                        s->groups[0].nitems = 1;
                        continue;
                }
                snprintf(err, errlen, "%s: unsupported value type", key);
                r = -ENOTSUP;
                break;
        }
        *out = sels;
        *nout = n;
        return r;
}

static int load_condition(struct json_object *det, struct sigma_selection *sels, size_t nsels,
                          struct cond_node **out, char *err, size_t errlen)
{
        const char *names[SIGMA_MAX_SELECTIONS];
        struct json_object *c;
        int r;

        for (size_t i = 0; i < nsels; i++)
                names[i] = sels[i].name;
        if (!json_object_object_get_ex(det, "condition", &c) || !c) {
                snprintf(err, errlen, "detection has no condition");
                return -EINVAL;
        }
        if (json_object_is_type(c, json_type_string)) {
                const char *text = json_object_get_string(c);
                if (strchr(text, '|')) {
                        snprintf(err, errlen, "aggregation in the condition (Sigma v1): use a correlation rule");
                        return -ENOTSUP;
                }
                return cond_parse(text, names, nsels, out, err, errlen);
        }
        if (json_object_is_type(c, json_type_array)) {
                size_t len = json_object_array_length(c);
                struct cond_node **nodes = calloc(len ? len : 1, sizeof(*nodes));

                if (!nodes)
                        return -ENOMEM;
                for (size_t i = 0; i < len; i++) {
                        struct json_object *e = json_object_array_get_idx(c, i);
                        const char *text = e ? json_object_get_string(e) : "";

                        if (strchr(text, '|')) {
                                snprintf(err, errlen, "aggregation in the condition (Sigma v1): use a correlation rule");
                                r = -ENOTSUP;
                        } else {
                                r = cond_parse(text, names, nsels, &nodes[i], err, errlen);
                        }
                        if (r < 0) {
                                for (size_t k = 0; k < i; k++)
                                        cond_free(nodes[k]);
                                free(nodes);
                                return r;
                        }
                }
                *out = cond_or(nodes, len);
                free(nodes);
                return *out ? 0 : -ENOMEM;
        }
        snprintf(err, errlen, "condition must be a string or a list of strings");
        return -EINVAL;
}

/* Viability of a variant: can the condition be YES when the items whose
 * fields this source lacks are NO?  (UNKNOWN stands for "could be".) */
struct load_viab {
        const struct sigma_selection *sels;
};

static enum tri load_viable_leaf(void *ud, size_t i)
{
        const struct load_viab *v = ud;
        const struct sigma_selection *s = &v->sels[i];

        for (size_t g = 0; g < s->ngroups; g++) {
                bool ok = true;
                for (size_t k = 0; k < s->groups[g].nitems && ok; k++) {
                        const struct match_item *it = s->groups[g].items[k];
                        if (match_item_field(it) && !match_item_event_field(it))
                                ok = false;
                }
                if (ok)
                        return TRI_UNKNOWN;
        }
        return TRI_NO;
}

struct load_req {
        size_t sel;
};

static enum tri load_req_leaf(void *ud, size_t i)
{
        return ((struct load_req *)ud)->sel == i ? TRI_NO : TRI_UNKNOWN;
}

/* Event ids a selection pins: every group must hold a plain `EventID`
 * item with integer values.  Returns how many (0 = not pinned). */
static size_t load_selection_eids(struct json_object *det, const char *name, uint16_t *ids, size_t max)
{
        struct json_object *val, *groups[64];
        size_t ngroups = 0, n = 0;

        if (!json_object_object_get_ex(det, name, &val) || !val)
                return 0;
        if (json_object_is_type(val, json_type_object)) {
                groups[ngroups++] = val;
        } else if (json_object_is_type(val, json_type_array)) {
                size_t len = json_object_array_length(val);
                if (len == 0 || len > 64)
                        return 0;
                for (size_t i = 0; i < len; i++) {
                        struct json_object *m = json_object_array_get_idx(val, i);
                        if (!m || !json_object_is_type(m, json_type_object))
                                return 0;
                        groups[ngroups++] = m;
                }
        } else {
                return 0;
        }
        for (size_t g = 0; g < ngroups; g++) {
                struct json_object *e;
                size_t len;

                if (!json_object_object_get_ex(groups[g], "EventID", &e) || !e)
                        return 0;
                len = json_object_is_type(e, json_type_array) ? json_object_array_length(e) : 1;
                for (size_t i = 0; i < len; i++) {
                        struct json_object *x = json_object_is_type(e, json_type_array) ?
                                json_object_array_get_idx(e, i) : e;
                        int64_t id;
                        bool dup = false;

                        if (!x || !json_object_is_type(x, json_type_int))
                                return 0;
                        id = json_object_get_int64(x);
                        if (id < 0 || id > 65535 || n == max)
                                return 0;
                        for (size_t k = 0; k < n; k++)
                                dup |= ids[k] == (uint16_t)id;
                        if (!dup)
                                ids[n++] = (uint16_t)id;
                }
        }
        return n;
}

static void load_event_ids(struct sigma_variant *v, struct json_object *det)
{
        if (v->source.nevent_ids > 0) {
                for (size_t i = 0; i < v->source.nevent_ids; i++)
                        v->event_ids[i] = v->source.event_ids[i];
                v->nevent_ids = v->source.nevent_ids;
                return;
        }
        for (size_t s = 0; s < v->nsels; s++) {
                struct load_req req = { s };
                uint16_t ids[64];
                size_t n;

                if (cond_eval(v->cond, load_req_leaf, &req) != TRI_NO)
                        continue;       /* the condition does not require this selection */
                n = load_selection_eids(det, v->sels[s].name, ids, 64);
                if (n > 0 && (v->nevent_ids == 0 || n < v->nevent_ids)) {
                        memcpy(v->event_ids, ids, n * sizeof(ids[0]));
                        v->nevent_ids = n;
                }
        }
}

static int load_needs(struct sigma_variant *v)
{
        size_t cap = 16, n = 0;
        const char **f = malloc(cap * sizeof(*f));

        if (!f)
                return -ENOMEM;
        for (size_t s = 0; s < v->nsels; s++)
                for (size_t g = 0; g < v->sels[s].ngroups; g++)
                        for (size_t i = 0; i < v->sels[s].groups[g].nitems; i++) {
                                const struct match_item *it = v->sels[s].groups[g].items[i];
                                const char *names[2] = { match_item_event_field(it), match_item_ref_field(it) };

                                for (size_t k = 0; k < 2; k++) {
                                        bool dup = false;
                                        if (!names[k])
                                                continue;
                                        for (size_t j = 0; j < n && !dup; j++)
                                                dup = strcmp(f[j], names[k]) == 0;
                                        if (dup)
                                                continue;
                                        if (n == cap) {
                                                const char **nf = realloc(f, 2 * cap * sizeof(*f));
                                                if (!nf) {
                                                        free(f);
                                                        return -ENOMEM;
                                                }
                                                f = nf;
                                                cap *= 2;
                                        }
                                        f[n++] = names[k];
                                }
                        }
        v->needs_fields = f;
        v->nneeds_fields = n;
        return 0;
}

/* Compile `det` for one source into *v.  0; 1 when the source cannot
 * satisfy the condition (variant dropped); <0 with err. */
static int load_variant(struct loader *L, struct json_object *det, const struct logsource_variant *src,
                        struct sigma_variant *v, char *err, size_t errlen)
{
        struct load_env le = { src };
        struct match_env env = { .placeholders = L->o->placeholders, .map_field = load_map_field, .map_ud = &le };
        struct load_viab viab;
        int r;

        memset(v, 0, sizeof(*v));
        v->source = *src;
        r = load_selections(det, &env, &v->sels, &v->nsels, err, errlen);
        if (r == 0)
                r = load_condition(det, v->sels, v->nsels, &v->cond, err, errlen);
        if (r < 0) {
                sigma_variant_fini(v);
                return r;
        }
        viab.sels = v->sels;
        if (cond_eval(v->cond, load_viable_leaf, &viab) == TRI_NO) {
                sigma_variant_fini(v);
                return 1;
        }
        load_event_ids(v, det);
        r = load_needs(v);
        if (r < 0)
                sigma_variant_fini(v);
        return r;
}

struct load_pending *load_find(struct loader *L, const char *id)
{
        for (size_t i = 0; i < L->nrules; i++)
                if (strcmp(L->rules[i].rule->id, id) == 0 ||
                    (L->rules[i].rule->name && *L->rules[i].rule->name && strcmp(L->rules[i].rule->name, id) == 0))
                        return &L->rules[i];
        return NULL;
}


/* The custom attribute `suppress:` — absent or null: 0 (the config's
 * default); 0, "0", "0s": SIGMA_SUPPRESS_OFF; else a timespan.  0 or
 * -EINVAL. */
int load_suppress(struct json_object *doc, int64_t *out)
{
        struct json_object *v = NULL;
        bool off = false;

        *out = 0;
        if (!json_object_object_get_ex(doc, "suppress", &v) || !v)
                return 0;
        if (json_object_is_type(v, json_type_int))
                off = json_object_get_int64(v) == 0;
        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                size_t z = strspn(s, "0");

                off = z && (s[z] == '\0' || (strchr("smhdw", s[z]) && s[z + 1] == '\0'));
        }
        if (off) {
                *out = SIGMA_SUPPRESS_OFF;
                return 0;
        }
        *out = load_timespan(v);
        return *out > 0 ? 0 : -EINVAL;
}

/* The id a rule is known by: `id`, else `name`, else "file#document".
 * *fallback holds the latter (caller frees).  NULL on ENOMEM. */
const char *load_rule_id(struct json_object *doc, const char *file, unsigned docno, char **fallback)
{
        const char *id = load_str(doc, "id");

        if (!id || !*id)
                id = load_str(doc, "name");
        if (id && *id)
                return id;
        if (asprintf(fallback, "%s#%u", file, docno) < 0)
                return NULL;
        return *fallback;
}

/* The metadata every rule and correlation carries.  0 or -ENOMEM. */
int load_meta(struct json_object *doc, const char *id, const char *file, unsigned line,
                     enum sigma_level default_level, struct sigma_rule **out)
{
        struct sigma_rule *m = calloc(1, sizeof(*m));
        const char *level = load_str(doc, "level");

        *out = m;
        if (!m)
                return -ENOMEM;
        m->id = xstrdup(id);
        m->name = xstrdup(load_str(doc, "name"));
        m->title = xstrdup(load_str(doc, "title"));
        m->status = xstrdup(load_str(doc, "status"));
        m->description = xstrdup(load_str(doc, "description"));
        m->file = xstrdup(file);
        m->line = line;
        m->level = level ? sigma_level_from_name(level) : default_level;
        if (m->level == _SIGMA_LEVEL_INVALID)
                m->level = default_level;
        if (!m->id || !m->name || !m->title || !m->status || !m->description || !m->file ||
            load_strv(doc, "tags", &m->tags, &m->ntags) == -ENOMEM ||
            load_strv(doc, "fields", &m->fields, &m->nfields) == -ENOMEM ||
            load_strv(doc, "falsepositives", &m->falsepositives, &m->nfalsepositives) == -ENOMEM)
                return -ENOMEM;
        return 0;
}

static int load_rule(struct loader *L, const char *file, unsigned line, unsigned docno, struct json_object *doc)
{
        struct json_object *ls = NULL, *det = NULL;
        struct logsource_resolution res;
        _cleanup_free_ char *fallback_id = NULL;
        struct sigma_rule *rule;
        struct sigma_variant *vars;
        const char *id = load_rule_id(doc, file, docno, &fallback_id), *title = load_str(doc, "title");
        char err[512] = "";
        size_t nv = 0;
        int64_t suppress_us;
        int r;

        if (!id)
                return -ENOMEM;
        if (!title) {
                load_unsupported(L, file, line, id, "no title");
                return 0;
        }
        if (load_find(L, id)) {
                load_unsupported(L, file, line, id, "duplicate rule id");
                return 0;
        }
        if (!json_object_object_get_ex(doc, "logsource", &ls) || !ls || !json_object_is_type(ls, json_type_object)) {
                load_unsupported(L, file, line, id, "no logsource");
                return 0;
        }
        if (!json_object_object_get_ex(doc, "detection", &det) || !det ||
            !json_object_is_type(det, json_type_object)) {
                load_unsupported(L, file, line, id, "no detection");
                return 0;
        }
        if (json_object_object_get_ex(det, "timeframe", NULL)) {
                load_unsupported(L, file, line, id, "timeframe (Sigma v1 aggregation): use a correlation rule");
                return 0;
        }
        if (load_suppress(doc, &suppress_us) < 0) {
                load_unsupported(L, file, line, id, "suppress must be a timespan (30m, 1h, 1d) or 0");
                return 0;
        }
        if (logsource_resolve(load_str(ls, "product"), load_str(ls, "category"), load_str(ls, "service"), &res, err,
                              sizeof(err)) < 0) {
                load_unsupported(L, file, line, id, "%s", err);
                return 0;
        }
        vars = calloc(res.nvariants ? res.nvariants : 1, sizeof(*vars));
        if (!vars)
                return -ENOMEM;
        for (size_t i = 0; i < res.nvariants; i++) {
                r = load_variant(L, det, &res.variants[i], &vars[nv], err, sizeof(err));
                if (r == 1)
                        continue;
                if (r < 0) {
                        for (size_t k = 0; k < nv; k++)
                                sigma_variant_fini(&vars[k]);
                        free(vars);
                        if (r == -ENOMEM)
                                return r;
                        load_unsupported(L, file, line, id, "%s", err);
                        return 0;
                }
                nv++;
        }
        if (nv == 0) {
                free(vars);
                load_unsupported(L, file, line, id, "no telemetry source has the fields its condition needs");
                return 0;
        }

        if (load_meta(doc, id, file, line, SIGMA_LEVEL_INFORMATIONAL, &rule) < 0) {
                sigma_rule_free(rule);
                goto nomem;
        }
        rule->suppress_us = suppress_us;
        if (L->nrules == L->rules_cap) {
                size_t cap = L->rules_cap ? L->rules_cap * 2 : 256;
                struct load_pending *p = realloc(L->rules, cap * sizeof(*p));
                if (!p) {
                        sigma_rule_free(rule);
                        goto nomem;
                }
                L->rules = p;
                L->rules_cap = cap;
        }
        for (size_t k = 0; k < nv; k++)
                vars[k].rule = rule;
        L->rules[L->nrules++] = (struct load_pending){ rule, vars, nv };
        return 0;
nomem:
        for (size_t k = 0; k < nv; k++)
                sigma_variant_fini(&vars[k]);
        free(vars);
        return -ENOMEM;
}

static int load_document(struct loader *L, const char *file, unsigned docno, struct json_object *doc)
{
        unsigned line = 0, col = 0;
        const char *id;

        yaml_node_mark(doc, &line, &col);
        if (!doc || !json_object_is_type(doc, json_type_object)) {
                if (doc)
                        load_problem(L, file, line, "", "document %u is not a mapping", docno);
                return 0;
        }
        id = load_str(doc, "id");
        if (!id)
                id = load_str(doc, "title");
        if (json_object_object_get_ex(doc, "correlation", NULL))
                return load_correlation(L, file, line, docno, doc);
        if (json_object_object_get_ex(doc, "action", NULL)) {
                load_unsupported(L, file, line, id ? id : "", "Sigma v1 'action' collections are not supported");
                return 0;
        }
        if (json_object_object_get_ex(doc, "filter", NULL)) {
                struct load_filter *f = realloc(L->filters, (L->nfilters + 1) * sizeof(*f));
                if (!f)
                        return -ENOMEM;
                L->filters = f;
                f = &f[L->nfilters++];
                f->file = xstrdup(file);
                f->line = line;
                f->name = xstrdup(id ? id : file);
                f->doc = json_object_get(doc);
                return 0;
        }
        return load_rule(L, file, line, docno, doc);
}

/* Apply one filter document to every rule it names. */
static int load_apply_filter(struct loader *L, struct load_filter *flt)
{
        struct json_object *fd, *rules;
        size_t n, applied = 0;

        if (!json_object_object_get_ex(flt->doc, "filter", &fd) || !fd || !json_object_is_type(fd, json_type_object) ||
            !json_object_object_get_ex(fd, "rules", &rules) || !rules) {
                load_problem(L, flt->file, flt->line, flt->name, "filter without 'rules'");
                return 0;
        }
        n = json_object_is_type(rules, json_type_array) ? json_object_array_length(rules) : 1;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_is_type(rules, json_type_array) ?
                        json_object_array_get_idx(rules, i) : rules;
                const char *target = e ? json_object_get_string(e) : "";
                struct load_pending *p = load_find(L, target);

                if (!p) {
                        load_problem(L, flt->file, flt->line, flt->name, "filter names rule '%s', which is not loaded",
                                     target);
                        continue;
                }
                for (size_t k = 0; k < p->nvariants; k++) {
                        struct sigma_variant *v = &p->variants[k];
                        struct load_env le = { &v->source };
                        struct match_env env = { .placeholders = L->o->placeholders,
                                                 .map_field = load_map_field, .map_ud = &le };
                        struct sigma_filter *nf = realloc(v->filters, (v->nfilters + 1) * sizeof(*nf));
                        char err[512] = "";
                        int r;

                        if (!nf)
                                return -ENOMEM;
                        v->filters = nf;
                        nf = &nf[v->nfilters];
                        memset(nf, 0, sizeof(*nf));
                        r = load_selections(fd, &env, &nf->sels, &nf->nsels, err, sizeof(err));
                        if (r == 0)
                                r = load_condition(fd, nf->sels, nf->nsels, &nf->cond, err, sizeof(err));
                        if (r < 0) {
                                v->nfilters++;  /* freed with the variant */
                                if (r == -ENOMEM)
                                        return r;
                                /* the rule stays as it was: drop this filter from every variant */
                                for (size_t j = 0; j <= k; j++) {
                                        struct sigma_variant *w = &p->variants[j];
                                        struct sigma_filter *last = &w->filters[--w->nfilters];
                                        ruleset_selections_free(last->sels, last->nsels);
                                        cond_free(last->cond);
                                }
                                load_problem(L, flt->file, flt->line, flt->name, "cannot apply to rule '%s': %s",
                                             target, err);
                                break;
                        }
                        v->nfilters++;
                        if (k + 1 == p->nvariants)
                                applied++;
                }
        }
        if (applied)
                L->rep->filters++;
        return 0;
}

static void loader_fini(struct loader *L)
{
        for (size_t i = 0; i < L->nfiles; i++)
                free(L->files[i]);
        free(L->files);
        for (size_t i = 0; i < L->nrules; i++) {
                for (size_t k = 0; k < L->rules[i].nvariants; k++)
                        sigma_variant_fini(&L->rules[i].variants[k]);
                free(L->rules[i].variants);
                sigma_rule_free(L->rules[i].rule);
        }
        free(L->rules);
        for (size_t i = 0; i < L->nfilters; i++) {
                free(L->filters[i].file);
                free(L->filters[i].name);
                json_object_put(L->filters[i].doc);
        }
        free(L->filters);
        for (size_t i = 0; i < L->ncorrs; i++)
                sigma_corr_fini(&L->corrs[i]);
        free(L->corrs);
}

int ruleset_load(const struct ruleset_opts *o, struct ruleset **out, struct ruleset_report *rep)
{
        struct loader L = { .o = o, .rep = rep };
        struct ruleset *rs = NULL;
        int r = 0;

        memset(rep, 0, sizeof(*rep));
        *out = NULL;
        for (size_t i = 0; i < o->npaths && r == 0; i++) {
                struct stat st;

                if (stat(o->paths[i], &st) < 0) {
                        load_problem(&L, o->paths[i], 0, "", "rule path: %s", strerror(errno));
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        size_t first = L.nfiles;
                        r = load_walk(&L, o->paths[i], 0);
                        if (r == 0 && L.nfiles > first)
                                qsort(L.files + first, L.nfiles - first, sizeof(char *), load_strcmp);
                } else {
                        r = load_add_file(&L, o->paths[i]);
                }
        }
        for (size_t i = 0; i < L.nfiles && r == 0; i++) {
                struct json_object *docs = NULL;
                struct yaml_error ye;

                r = yaml_load_file(L.files[i], &docs, &ye);
                if (r < 0) {
                        snprintf(rep->error, sizeof(rep->error), "%s:%u:%u: %s", L.files[i], ye.line, ye.column,
                                 ye.msg);
                        break;
                }
                rep->files++;
                for (size_t d = 0; d < json_object_array_length(docs) && r == 0; d++)
                        r = load_document(&L, L.files[i], (unsigned)d + 1, json_object_array_get_idx(docs, d));
                json_object_put(docs);
        }
        for (size_t i = 0; i < L.nfilters && r == 0; i++)
                r = load_apply_filter(&L, &L.filters[i]);
        if (r == 0)
                r = load_resolve_correlations(&L);
        if (r == 0) {
                rs = ruleset_new();
                if (!rs)
                        r = -ENOMEM;
        }
        for (size_t i = 0; i < L.nrules && r == 0; i++) {
                r = ruleset_add(rs, L.rules[i].rule, L.rules[i].variants, L.rules[i].nvariants);
                if (r == 0) {
                        rep->loaded++;
                        rep->variants += L.rules[i].nvariants;
                        L.rules[i].rule = NULL;
                        L.rules[i].variants = NULL;
                        L.rules[i].nvariants = 0;
                }
        }
        if (r == 0) {
                rep->correlations = L.ncorrs;
                rep->loaded += L.ncorrs;
                ruleset_set_corrs(rs, L.corrs, L.ncorrs);
                L.corrs = NULL;
                L.ncorrs = 0;
                r = ruleset_index(rs);
        }
        loader_fini(&L);
        if (r < 0) {
                if (!rep->error[0])
                        snprintf(rep->error, sizeof(rep->error), "loading rules: %s", strerror(-r));
                ruleset_free(rs);
                return r;
        }
        *out = rs;
        return 0;
}

