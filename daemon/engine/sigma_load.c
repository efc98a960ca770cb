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
 *   - correlation rules (issue 4), Sigma v1 `action:` collections,
 *     `timeframe` and aggregations in the condition are reported as
 *     unsupported.
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

#define LOAD_MAX_DEPTH 32
#define LOAD_MAX_FILES 100000

struct load_pending {
        struct sigma_rule *rule;
        struct sigma_variant *variants;
        size_t nvariants;
};

struct load_filter {
        char *file;
        unsigned line;
        char *name;
        struct json_object *doc;        /* owned reference */
};

struct loader {
        const struct ruleset_opts *o;
        struct ruleset_report *rep;
        char **files;
        size_t nfiles, files_cap;
        struct load_pending *rules;
        size_t nrules, rules_cap;
        struct load_filter *filters;
        size_t nfilters;
        struct sigma_corr *corrs;
        size_t ncorrs;
};

static char *xstrdup(const char *s)
{
        return strdup(s ? s : "");
}

__attribute__((format(printf, 5, 6)))
static void load_problem(struct loader *L, const char *file, unsigned line, const char *rule, const char *fmt, ...)
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

/* A rule skipped whole: counted in rep->unsupported. */
#define load_unsupported(L, ...) do { (L)->rep->unsupported++; load_problem((L), __VA_ARGS__); } while (0)

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

static const char *load_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return NULL;
        if (json_object_is_type(v, json_type_string))
                return json_object_get_string(v);
        return NULL;
}

/* A string or a list of strings → a vector.  0, -EINVAL (wrong type) or -ENOMEM. */
static int load_strv(struct json_object *o, const char *key, char ***out, size_t *n)
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

static struct load_pending *load_find(struct loader *L, const char *id)
{
        for (size_t i = 0; i < L->nrules; i++)
                if (strcmp(L->rules[i].rule->id, id) == 0 ||
                    (L->rules[i].rule->name && *L->rules[i].rule->name && strcmp(L->rules[i].rule->name, id) == 0))
                        return &L->rules[i];
        return NULL;
}

static int64_t load_timespan(struct json_object *v);

/* The custom attribute `suppress:` — absent or null: 0 (the config's
 * default); 0, "0", "0s": SIGMA_SUPPRESS_OFF; else a timespan.  0 or
 * -EINVAL. */
static int load_suppress(struct json_object *doc, int64_t *out)
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
static const char *load_rule_id(struct json_object *doc, const char *file, unsigned docno, char **fallback)
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
static int load_meta(struct json_object *doc, const char *id, const char *file, unsigned line,
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

/* ---- correlations ----------------------------------------------------------- */

/* "5m", "30s", "1h", "2d", "1w": a number and one unit.  -1 when invalid. */
static int64_t load_timespan(struct json_object *v)
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

static int load_correlation(struct loader *L, const char *file, unsigned line, unsigned docno,
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
static int load_resolve_correlations(struct loader *L)
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

