/* YAML → json-c, for the config and for Sigma rules.
 *
 * Built on libyaml's event parser: events drive a small stack of open
 * collections; each finished node is attached to its parent.
 *
 * Decisions (the contract is in include/spoor/yaml.h):
 *   - Marks.  Scalars and sequences carry their 1-based line/column packed
 *     into the userdata pointer itself (bit 0 set, no allocation); mappings
 *     carry a small allocated struct that also records the mark of every key
 *     (yaml_key_mark()).  JSON null is a NULL pointer in json-c, so a null
 *     value carries no mark: use the key's mark instead.
 *   - Typing follows the YAML 1.2 core schema for plain scalars only: null
 *     (~, null, Null, NULL, empty), booleans (true/True/TRUE, false/...),
 *     integers (decimal, 0x hex, 0o octal) → int64, floats (incl. .inf, .nan)
 *     → double.  An integer that does not fit int64 stays a string.
 *     Quoted and block scalars are strings.  Tags !!str, !!int, !!float,
 *     !!bool, !!null and the non-specific "!" are honoured (a value that does
 *     not fit its tag is an error); every other tag is ignored.
 *   - Mapping keys keep their source text ("1: x" has key "1"); keys must be
 *     scalars (or aliases of scalars); duplicates are errors.  The YAML 1.1
 *     merge key "<<" has no special meaning.
 *   - Aliases share the anchored json_object (a reference is taken), so the
 *     tree is a DAG: treat it as read-only, or deep-copy before mutating.
 *     Each node and each alias's full expansion size count towards
 *     YAML_MAX_NODES for the whole stream, so walking the result is bounded
 *     (billion laughs fails at the first alias over the budget).  An alias
 *     to an anchor that is not yet complete (recursive) or unknown is an
 *     error.  Anchors are per document.
 *   - Collections nest at most YAML_MAX_DEPTH deep.
 *   - err->msg holds the bare message; err->file/line/column the position
 *     (callers print "file:line:column: msg").  libyaml's 0-based marks are
 *     reported 1-based.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <yaml.h>

#include "spoor/cleanup.h"
#include "spoor/yaml.h"

#define YAML_MAX_FILE_BYTES (64u << 20)
#define YAML_MAP_MAGIC 0x59414d4cu      /* "YAML" */

_Static_assert(sizeof(uintptr_t) >= 8, "marks are packed into a 64-bit pointer");

/* ---- marks ---------------------------------------------------------- */

struct yaml_key_pos {
        char *key;
        unsigned line, column;
};

struct yaml_map_info {
        uint32_t magic;
        unsigned line, column;
        struct yaml_key_pos *keys;
        size_t nkeys, cap;
};

static void *yaml_mark_pack(unsigned line, unsigned column)
{
        return (void *)(((uintptr_t)line << 32) | ((uintptr_t)(column & 0x7fffffffu) << 1) | 1u);
}

static void yaml_map_info_free(struct json_object *o, void *p)
{
        struct yaml_map_info *mi = p;

        (void)o;
        for (size_t i = 0; i < mi->nkeys; i++)
                free(mi->keys[i].key);
        free(mi->keys);
        free(mi);
}

static struct yaml_map_info *yaml_map_info_of(struct json_object *map)
{
        struct yaml_map_info *mi;
        void *ud;

        if (!map || !json_object_is_type(map, json_type_object))
                return NULL;
        ud = json_object_get_userdata(map);
        if (!ud || ((uintptr_t)ud & 1u))
                return NULL;
        mi = ud;
        return mi->magic == YAML_MAP_MAGIC ? mi : NULL;
}

int yaml_node_mark(struct json_object *node, unsigned *line, unsigned *column)
{
        struct yaml_map_info *mi;
        uintptr_t ud;

        if (!node)
                return -ENOENT;
        mi = yaml_map_info_of(node);
        if (mi) {
                *line = mi->line;
                *column = mi->column;
                return 0;
        }
        ud = (uintptr_t)json_object_get_userdata(node);
        if (!(ud & 1u))
                return -ENOENT;
        *line = (unsigned)(ud >> 32);
        *column = (unsigned)((ud >> 1) & 0x7fffffffu);
        return 0;
}

int yaml_key_mark(struct json_object *map, const char *key, unsigned *line, unsigned *column)
{
        struct yaml_map_info *mi = yaml_map_info_of(map);

        if (!mi || !key)
                return -ENOENT;
        for (size_t i = 0; i < mi->nkeys; i++)
                if (strcmp(mi->keys[i].key, key) == 0) {
                        *line = mi->keys[i].line;
                        *column = mi->keys[i].column;
                        return 0;
                }
        return -ENOENT;
}

void yaml_format_mark(char *buf, size_t len, const char *file, struct json_object *node)
{
        unsigned line, column;

        if (!buf || len == 0)
                return;
        if (yaml_node_mark(node, &line, &column) < 0)
                snprintf(buf, len, "%s", file ? file : "?");
        else if (file)
                snprintf(buf, len, "%s:%u:%u", file, line, column);
        else
                snprintf(buf, len, "%u:%u", line, column);
}

/* ---- loader state --------------------------------------------------- */

struct yaml_frame {
        struct json_object *node;       /* owned until attached to the parent */
        bool is_map;
        char *key;                      /* map: pending key, owned */
        char *anchor;                   /* owned */
        uint64_t start_count;
};

struct yaml_anchor {
        struct json_object *node;       /* a reference (may be NULL: null) */
        uint64_t size;                  /* nodes in its full expansion */
};

struct yaml_loader {
        const char *name;
        const char *buf;
        size_t len;
        struct yaml_error *err;
        struct yaml_frame stack[YAML_MAX_DEPTH];
        size_t depth;
        struct json_object *anchor_index;       /* name → index into anchors */
        struct yaml_anchor *anchors;
        size_t nanchors, anchors_cap;
        struct json_object *docs;
        uint64_t count;                 /* nodes produced, aliases expanded */
};

static int yaml_fail(struct yaml_loader *l, unsigned line, unsigned column, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int yaml_fail(struct yaml_loader *l, unsigned line, unsigned column, const char *fmt, ...)
{
        va_list ap;

        snprintf(l->err->file, sizeof(l->err->file), "%s", l->name);
        l->err->line = line;
        l->err->column = column;
        va_start(ap, fmt);
        vsnprintf(l->err->msg, sizeof(l->err->msg), fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* libyaml marks are 0-based */
#define YAML_LINE(m) ((unsigned)(m).line + 1)
#define YAML_COL(m) ((unsigned)(m).column + 1)

static void yaml_anchors_reset(struct yaml_loader *l)
{
        for (size_t i = 0; i < l->nanchors; i++)
                json_object_put(l->anchors[i].node);
        l->nanchors = 0;
        json_object_put(l->anchor_index);
        l->anchor_index = NULL;
}

static void yaml_stack_reset(struct yaml_loader *l)
{
        while (l->depth > 0) {
                struct yaml_frame *f = &l->stack[--l->depth];

                json_object_put(f->node);
                free(f->key);
                free(f->anchor);
        }
}

/* Remember `node` (a new reference is taken) under `name`. */
static int yaml_anchor_add(struct yaml_loader *l, const char *name, struct json_object *node,
                           uint64_t size)
{
        struct json_object *idx;

        if (!l->anchor_index) {
                l->anchor_index = json_object_new_object();
                if (!l->anchor_index)
                        return -ENOMEM;
        }
        if (l->nanchors == l->anchors_cap) {
                size_t cap = l->anchors_cap ? 2 * l->anchors_cap : 16;
                struct yaml_anchor *a = realloc(l->anchors, cap * sizeof(*a));

                if (!a)
                        return -ENOMEM;
                l->anchors = a;
                l->anchors_cap = cap;
        }
        idx = json_object_new_int64((int64_t)l->nanchors);
        if (!idx || json_object_object_add(l->anchor_index, name, idx) < 0) {
                json_object_put(idx);
                return -ENOMEM;
        }
        l->anchors[l->nanchors].node = json_object_get(node);
        l->anchors[l->nanchors].size = size;
        l->nanchors++;
        return 0;
}

static struct yaml_anchor *yaml_anchor_find(struct yaml_loader *l, const char *name)
{
        struct json_object *idx;

        if (!l->anchor_index || !json_object_object_get_ex(l->anchor_index, name, &idx))
                return NULL;
        return &l->anchors[json_object_get_int64(idx)];
}

static int yaml_count(struct yaml_loader *l, uint64_t n, yaml_mark_t m)
{
        if (n > YAML_MAX_NODES || l->count + n > YAML_MAX_NODES)
                return yaml_fail(l, YAML_LINE(m), YAML_COL(m),
                                 "the YAML expands to more than %u nodes (alias bomb?)",
                                 (unsigned)YAML_MAX_NODES);
        l->count += n;
        return 0;
}

/* ---- scalars -------------------------------------------------------- */

static bool yaml_all(const char *s, size_t len, const char *set)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr(set, s[i]) || s[i] == '\0')
                        return false;
        return true;
}

static bool yaml_is_one_of(const char *s, const char *const *words)
{
        for (; *words; words++)
                if (strcmp(s, *words) == 0)
                        return true;
        return false;
}

static bool yaml_is_float(const char *s, size_t len)
{
        size_t i = 0, digits = 0;

        if (i < len && (s[i] == '-' || s[i] == '+'))
                i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
                i++, digits++;
        if (i < len && s[i] == '.') {
                i++;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                        i++, digits++;
        }
        if (digits == 0)
                return false;
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                size_t exp = 0;

                i++;
                if (i < len && (s[i] == '-' || s[i] == '+'))
                        i++;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                        i++, exp++;
                if (exp == 0)
                        return false;
        }
        return i == len;
}

enum yaml_kind { YAML_K_NULL, YAML_K_BOOL, YAML_K_INT, YAML_K_FLOAT, YAML_K_STR };

/* Classify a plain scalar per the YAML 1.2 core schema.  *b, *i, *d get the
 * value for bool, int, float. */
static enum yaml_kind yaml_classify(const char *s, size_t len, bool *b, int64_t *i, double *d)
{
        static const char *const nulls[] = { "~", "null", "Null", "NULL", NULL };
        static const char *const trues[] = { "true", "True", "TRUE", NULL };
        static const char *const falses[] = { "false", "False", "FALSE", NULL };
        static const char *const pinf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
        static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
        static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };
        const char *digits = s;
        size_t dlen = len;
        char *end;

        if (len == 0 || yaml_is_one_of(s, nulls))
                return YAML_K_NULL;
        if (strlen(s) != len)
                return YAML_K_STR;      /* embedded NUL: never a number */
        if (yaml_is_one_of(s, trues)) {
                *b = true;
                return YAML_K_BOOL;
        }
        if (yaml_is_one_of(s, falses)) {
                *b = false;
                return YAML_K_BOOL;
        }
        if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
                int base = s[1] == 'x' ? 16 : 8;
                unsigned long long v;

                if (!yaml_all(s + 2, len - 2, base == 16 ? "0123456789abcdefABCDEF" : "01234567"))
                        return YAML_K_STR;
                errno = 0;
                v = strtoull(s + 2, &end, base);
                if (errno || v > INT64_MAX)
                        return YAML_K_STR;
                *i = (int64_t)v;
                return YAML_K_INT;
        }
        if (dlen > 0 && (s[0] == '-' || s[0] == '+'))
                digits++, dlen--;
        if (yaml_all(digits, dlen, "0123456789")) {
                long long v;

                errno = 0;
                v = strtoll(s, &end, 10);
                if (errno)
                        return YAML_K_STR;      /* does not fit int64: keep the text */
                *i = v;
                return YAML_K_INT;
        }
        if (yaml_is_float(s, len)) {
                *d = strtod(s, &end);
                return YAML_K_FLOAT;
        }
        if (yaml_is_one_of(s, pinf)) {
                *d = INFINITY;
                return YAML_K_FLOAT;
        }
        if (yaml_is_one_of(s, ninf)) {
                *d = -INFINITY;
                return YAML_K_FLOAT;
        }
        if (yaml_is_one_of(s, nans)) {
                *d = NAN;
                return YAML_K_FLOAT;
        }
        return YAML_K_STR;
}

/* Build the node of a scalar event.  0 and *out (NULL for null), or -errno. */
static int yaml_scalar_node(struct yaml_loader *l, const yaml_event_t *ev, struct json_object **out)
{
        const char *s = (const char *)ev->data.scalar.value;
        size_t len = ev->data.scalar.length;
        const char *tag = (const char *)ev->data.scalar.tag;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        enum yaml_kind want = YAML_K_STR, got;
        bool b = false;
        int64_t i = 0;
        double d = 0;
        struct json_object *o;

        if (tag) {
                if (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, "!") == 0)
                        plain = false;
                else if (strcmp(tag, YAML_INT_TAG) == 0)
                        want = YAML_K_INT, plain = true;
                else if (strcmp(tag, YAML_FLOAT_TAG) == 0)
                        want = YAML_K_FLOAT, plain = true;
                else if (strcmp(tag, YAML_BOOL_TAG) == 0)
                        want = YAML_K_BOOL, plain = true;
                else if (strcmp(tag, YAML_NULL_TAG) == 0)
                        want = YAML_K_NULL, plain = true;
                else
                        tag = NULL;     /* other tags are ignored */
        }
        got = plain ? yaml_classify(s, len, &b, &i, &d) : YAML_K_STR;
        if (tag && want != got && !(want == YAML_K_FLOAT && got == YAML_K_INT)) {
                static const char *const names[] = { "!!null", "!!bool", "!!int", "!!float", "!!str" };

                return yaml_fail(l, YAML_LINE(ev->start_mark),
                                 YAML_COL(ev->start_mark),
                                 "'%.64s' is not a valid %s", s, names[want]);
        }
        if (tag && want == YAML_K_FLOAT && got == YAML_K_INT)
                got = YAML_K_FLOAT, d = (double)i;

        switch (got) {
        case YAML_K_NULL:
                *out = NULL;
                return 0;
        case YAML_K_BOOL:
                o = json_object_new_boolean(b);
                break;
        case YAML_K_INT:
                o = json_object_new_int64(i);
                break;
        case YAML_K_FLOAT:
                o = json_object_new_double(d);
                break;
        default:
                o = json_object_new_string_len(s, (int)len);
                break;
        }
        if (!o)
                return -ENOMEM;
        json_object_set_userdata(o, yaml_mark_pack(YAML_LINE(ev->start_mark),
                                                   YAML_COL(ev->start_mark)), NULL);
        *out = o;
        return 0;
}

/* ---- tree building -------------------------------------------------- */

static struct yaml_frame *yaml_top(struct yaml_loader *l)
{
        return l->depth ? &l->stack[l->depth - 1] : NULL;
}

static bool yaml_wants_key(struct yaml_loader *l)
{
        struct yaml_frame *f = yaml_top(l);

        return f && f->is_map && !f->key;
}

/* Make `key` the pending key of the map on top of the stack. */
static int yaml_set_key(struct yaml_loader *l, const char *key, size_t len, yaml_mark_t m)
{
        struct yaml_frame *f = yaml_top(l);
        struct yaml_map_info *mi = yaml_map_info_of(f->node);
        unsigned line = YAML_LINE(m), column = YAML_COL(m);

        if (strlen(key) != len)
                return yaml_fail(l, line, column, "mapping key contains a NUL character");
        if (json_object_object_get_ex(f->node, key, NULL)) {
                unsigned fl = 0, fc = 0;

                yaml_key_mark(f->node, key, &fl, &fc);
                return yaml_fail(l, line, column, "duplicate mapping key '%.128s' (first at line %u)",
                                 key, fl);
        }
        if (mi->nkeys == mi->cap) {
                size_t cap = mi->cap ? 2 * mi->cap : 8;
                struct yaml_key_pos *k = realloc(mi->keys, cap * sizeof(*k));

                if (!k)
                        return -ENOMEM;
                mi->keys = k;
                mi->cap = cap;
        }
        f->key = strdup(key);
        if (!f->key)
                return -ENOMEM;
        mi->keys[mi->nkeys].key = strdup(key);
        if (!mi->keys[mi->nkeys].key)
                return -ENOMEM;
        mi->keys[mi->nkeys].line = line;
        mi->keys[mi->nkeys].column = column;
        mi->nkeys++;
        return 0;
}

/* Attach a finished value (ownership passes) to the open collection, or
 * make it the document's root. */
static int yaml_attach(struct yaml_loader *l, struct json_object *v)
{
        struct yaml_frame *f = yaml_top(l);
        int r;

        if (!f) {
                r = json_object_array_add(l->docs, v);
        } else if (f->is_map) {
                r = json_object_object_add(f->node, f->key, v);
                free(f->key);
                f->key = NULL;
        } else {
                r = json_object_array_add(f->node, v);
        }
        if (r < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int yaml_on_scalar(struct yaml_loader *l, const yaml_event_t *ev)
{
        const char *anchor = (const char *)ev->data.scalar.anchor;
        struct json_object *v = NULL;
        int r;

        r = yaml_count(l, 1, ev->start_mark);
        if (r < 0)
                return r;
        if (yaml_wants_key(l)) {
                r = yaml_set_key(l, (const char *)ev->data.scalar.value, ev->data.scalar.length,
                                 ev->start_mark);
                if (r < 0 || !anchor)
                        return r;
                /* an anchored key: its alias is the key's text */
                v = json_object_new_string_len((const char *)ev->data.scalar.value,
                                               (int)ev->data.scalar.length);
                if (!v)
                        return -ENOMEM;
                json_object_set_userdata(v, yaml_mark_pack(YAML_LINE(ev->start_mark),
                                                           YAML_COL(ev->start_mark)), NULL);
                r = yaml_anchor_add(l, anchor, v, 1);
                json_object_put(v);
                return r;
        }
        r = yaml_scalar_node(l, ev, &v);
        if (r < 0)
                return r;
        if (anchor) {
                r = yaml_anchor_add(l, anchor, v, 1);
                if (r < 0) {
                        json_object_put(v);
                        return r;
                }
        }
        return yaml_attach(l, v);
}

static int yaml_on_alias(struct yaml_loader *l, const yaml_event_t *ev)
{
        const char *name = (const char *)ev->data.alias.anchor;
        struct yaml_anchor *a = yaml_anchor_find(l, name);
        int r;

        if (!a)
                return yaml_fail(l, YAML_LINE(ev->start_mark), YAML_COL(ev->start_mark),
                                 "alias '*%.128s' refers to an unknown anchor (or to the node that contains it)",
                                 name);
        r = yaml_count(l, a->size, ev->start_mark);
        if (r < 0)
                return r;
        if (yaml_wants_key(l)) {
                const char *key;

                if (a->node && (json_object_is_type(a->node, json_type_object) ||
                                json_object_is_type(a->node, json_type_array)))
                        return yaml_fail(l, YAML_LINE(ev->start_mark), YAML_COL(ev->start_mark),
                                         "alias '*%.128s' used as a mapping key is not a scalar", name);
                key = a->node ? json_object_get_string(a->node) : "";
                return yaml_set_key(l, key, strlen(key), ev->start_mark);
        }
        return yaml_attach(l, json_object_get(a->node));
}

static int yaml_on_start(struct yaml_loader *l, const yaml_event_t *ev, bool is_map)
{
        const char *anchor = (const char *)(is_map ? ev->data.mapping_start.anchor
                                                   : ev->data.sequence_start.anchor);
        unsigned line = YAML_LINE(ev->start_mark), column = YAML_COL(ev->start_mark);
        struct yaml_frame *f;
        int r;

        if (yaml_wants_key(l))
                return yaml_fail(l, line, column, "mapping keys must be scalars, not a %s",
                                 is_map ? "mapping" : "sequence");
        if (l->depth >= YAML_MAX_DEPTH)
                return yaml_fail(l, line, column, "nesting deeper than %d levels", YAML_MAX_DEPTH);
        r = yaml_count(l, 1, ev->start_mark);
        if (r < 0)
                return r;

        f = &l->stack[l->depth];
        *f = (struct yaml_frame) { .is_map = is_map, .start_count = l->count - 1 };
        if (is_map) {
                struct yaml_map_info *mi = calloc(1, sizeof(*mi));

                if (!mi)
                        return -ENOMEM;
                mi->magic = YAML_MAP_MAGIC;
                mi->line = line;
                mi->column = column;
                f->node = json_object_new_object();
                if (!f->node) {
                        free(mi);
                        return -ENOMEM;
                }
                json_object_set_userdata(f->node, mi, yaml_map_info_free);
        } else {
                f->node = json_object_new_array();
                if (!f->node)
                        return -ENOMEM;
                json_object_set_userdata(f->node, yaml_mark_pack(line, column), NULL);
        }
        if (anchor) {
                f->anchor = strdup(anchor);
                if (!f->anchor) {
                        json_object_put(f->node);
                        return -ENOMEM;
                }
        }
        l->depth++;
        return 0;
}

static int yaml_on_end(struct yaml_loader *l)
{
        struct yaml_frame f = l->stack[--l->depth];
        int r = 0;

        /* libyaml guarantees a value follows every key */
        free(f.key);
        if (f.anchor) {
                r = yaml_anchor_add(l, f.anchor, f.node, l->count - f.start_count);
                free(f.anchor);
        }
        if (r < 0) {
                json_object_put(f.node);
                return r;
        }
        return yaml_attach(l, f.node);
}

/* Turn libyaml's error into ours. */
static int yaml_parser_fail(struct yaml_loader *l, const yaml_parser_t *p)
{
        char ctx[128] = "";

        if (p->error == YAML_MEMORY_ERROR)
                return -ENOMEM;
        if (p->error == YAML_READER_ERROR) {
                /* the reader reports a byte offset, not a mark */
                unsigned line = 1, column = 1;

                for (size_t i = 0; i < p->problem_offset && i < l->len; i++) {
                        if (l->buf[i] == '\n')
                                line++, column = 1;
                        else
                                column++;
                }
                return yaml_fail(l, line, column, "%s", p->problem ? p->problem : "cannot read input");
        }
        if (p->context)
                snprintf(ctx, sizeof(ctx), " (%s at line %u, column %u)", p->context,
                         (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
        return yaml_fail(l, (unsigned)p->problem_mark.line + 1, (unsigned)p->problem_mark.column + 1,
                         "%s%s", p->problem ? p->problem : "syntax error", ctx);
}

static int yaml_run(struct yaml_loader *l, yaml_parser_t *p)
{
        for (;;) {
                yaml_event_t ev;
                int r = 0;
                bool done = false;

                if (!yaml_parser_parse(p, &ev))
                        return yaml_parser_fail(l, p);

                switch (ev.type) {
                case YAML_SCALAR_EVENT:
                        r = yaml_on_scalar(l, &ev);
                        break;
                case YAML_ALIAS_EVENT:
                        r = yaml_on_alias(l, &ev);
                        break;
                case YAML_SEQUENCE_START_EVENT:
                        r = yaml_on_start(l, &ev, false);
                        break;
                case YAML_MAPPING_START_EVENT:
                        r = yaml_on_start(l, &ev, true);
                        break;
                case YAML_SEQUENCE_END_EVENT:
                case YAML_MAPPING_END_EVENT:
                        r = yaml_on_end(l);
                        break;
                case YAML_DOCUMENT_END_EVENT:
                        yaml_anchors_reset(l);
                        break;
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                default:
                        break;
                }
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                if (done)
                        return 0;
        }
}

int yaml_load_buffer(const char *name, const char *buf, size_t len,
                     struct json_object **docs, struct yaml_error *err)
{
        struct yaml_error dummy;
        struct yaml_loader l = {
                .name = name ? name : "<buffer>",
                .buf = buf,
                .len = len,
                .err = err ? err : &dummy,
        };
        yaml_parser_t p;
        int r;

        memset(l.err, 0, sizeof(*l.err));
        snprintf(l.err->file, sizeof(l.err->file), "%s", l.name);
        if (!docs || (!buf && len))
                return -EINVAL;
        l.docs = json_object_new_array();
        if (!l.docs)
                return -ENOMEM;
        if (!yaml_parser_initialize(&p)) {
                json_object_put(l.docs);
                return -ENOMEM;
        }
        yaml_parser_set_input_string(&p, (const unsigned char *)(buf ? buf : ""), len);

        r = yaml_run(&l, &p);

        yaml_parser_delete(&p);
        yaml_stack_reset(&l);
        yaml_anchors_reset(&l);
        free(l.anchors);
        if (r < 0) {
                if (r == -ENOMEM && !l.err->msg[0])
                        snprintf(l.err->msg, sizeof(l.err->msg), "out of memory");
                json_object_put(l.docs);
                return r;
        }
        *docs = l.docs;
        return 0;
}

int yaml_load_file(const char *path, struct json_object **docs, struct yaml_error *err)
{
        struct yaml_error dummy;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        struct stat st;

        if (!err)
                err = &dummy;
        memset(err, 0, sizeof(*err));
        snprintf(err->file, sizeof(err->file), "%s", path ? path : "?");
        if (!path || !docs)
                return -EINVAL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;

                snprintf(err->msg, sizeof(err->msg), "%s", strerror(e));
                return -e;
        }
        if (S_ISDIR(st.st_mode)) {
                snprintf(err->msg, sizeof(err->msg), "%s", strerror(EISDIR));
                return -EISDIR;
        }
        for (;;) {
                ssize_t n;

                if (len == cap) {
                        char *b;

                        if (cap >= YAML_MAX_FILE_BYTES) {
                                snprintf(err->msg, sizeof(err->msg), "file larger than %u bytes",
                                         YAML_MAX_FILE_BYTES);
                                return -EFBIG;
                        }
                        cap = cap ? 2 * cap : 16384;
                        b = realloc(buf, cap);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;

                        snprintf(err->msg, sizeof(err->msg), "%s", strerror(e));
                        return -e;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        return yaml_load_buffer(path, buf, len, docs, err);
}
