/* Private to daemon/engine/match*.c: the modifier table's row type, the
 * compile-time value representation and the compiled values.
 *
 * A detection item "Field|m1|m2: values" is compiled in three steps, all
 * driven by rows of match_ops[] (match.c):
 *   1. parse: every modifier's row records itself in a struct match_spec
 *      (transforms in order, the one comparison, the subject, flags);
 *   2. per YAML value: the value becomes a list of variants (struct mstr),
 *      each transform row rewrites the list (base64offset: 1 → 3 ...);
 *   3. the comparison row (or the subject row: fieldref, time parts)
 *      compiles the variants into struct match_value entries, one group
 *      per YAML value: a group is OR over its variants.
 * Evaluation calls each value's match hook; it never allocates. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "spoor/match.h"

/* Upper bound of variants one YAML value may expand to (windash on a value
 * with many dashes is 5^n, expand is a cartesian product). */
#define MATCH_VARIANTS_MAX 4096
#define MATCH_MODS_MAX 16
#define MATCH_RE_LITERAL_MAX 32 /* bytes of a regular expression's needle kept */

struct json_object;
struct match_op;

/* A Sigma string during compilation: bytes plus, per byte, whether it is
 * a wildcard (MS_STAR, MS_ONE) or a literal (MS_LIT).  Holds NUL bytes
 * after the UTF-16 transforms: lengths only, never strlen. */
enum { MS_LIT = 0, MS_STAR = 1, MS_ONE = 2 };

struct mstr {
        unsigned char *b;
        unsigned char *sp;      /* MS_* per byte */
        size_t len, cap;
};

struct mstr_list {
        struct mstr *v;
        size_t n, cap;
};

/* Modifier row kinds. */
enum match_op_kind {
        MOP_FLAG,               /* all, cased, neq */
        MOP_REFLAG,             /* i, m, s: sub-modifiers of re */
        MOP_TRANSFORM,          /* rewrites the value's variants */
        MOP_COMPARE,            /* the one comparison of the item */
        MOP_SUBJECT,            /* changes what is compared: fieldref, time parts */
        _MOP_KIND_MAX,
};

/* Comparison classes (struct match_op.cls) and what a subject accepts. */
#define MCLS_EQ         0x01u   /* the implicit equality */
#define MCLS_WILD       0x02u   /* contains, startswith, endswith */
#define MCLS_NUM        0x04u   /* lt, lte, gt, gte */
#define MCLS_OTHER      0x08u   /* re, cidr, exists */

/* Transform classes (struct match_op.xf): which transforms a comparison
 * takes in its xf mask. */
#define MXF_ENCODE      0x01u   /* base64*, utf16*, wide, windash */
#define MXF_EXPAND      0x02u   /* expand */

/* struct match_op.flags */
#define MOPF_STRINGS    0x01u   /* values are Sigma strings: wildcards, escapes */
#define MOPF_RAW        0x02u   /* values are taken verbatim (re, cidr, fieldref) */
#define MOPF_NULL_OK    0x04u   /* accepts a null value (absent or empty field) */
#define MOPF_NEEDS_FIELD 0x08u  /* not for keyword items */
#define MOPF_REFLAGS    0x10u   /* takes the i/m/s sub-modifiers */

/* Wildcard anchoring of the string comparisons (arg of equals/contains/...). */
#define MWILD_LEAD      0x01u   /* a '*' in front */
#define MWILD_TRAIL     0x02u   /* a '*' at the end */

/* Numeric comparisons (arg of lt/lte/gt/gte; equality for time parts). */
enum { MNUM_EQ, MNUM_LT, MNUM_LTE, MNUM_GT, MNUM_GTE };

/* Time parts (arg of minute ... year). */
enum { MPART_MINUTE, MPART_HOUR, MPART_DAY, MPART_WEEK, MPART_MONTH, MPART_YEAR };

/* The parsed modifier chain. */
struct match_spec {
        const struct match_op *xforms[MATCH_MODS_MAX];
        size_t nxforms;
        const struct match_op *cmp;     /* NULL until set; defaulted after parse */
        const struct match_op *subject; /* fieldref / time part, or NULL */
        bool keyword;
        bool all, cased, neq;
        uint32_t re_flags;              /* PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_DOTALL */
};

struct match_value;
/* Match one field value: s, len bytes (NULL: the field is absent, for
 * values with sees_absent).  lower: the same bytes with A-Z folded
 * (winevent_field_lower), or NULL when the caller has none. */
typedef enum tri (*match_fn)(const struct match_value *v, const struct winevent *ev,
                             const char *s, size_t len, const char *lower);

/* Literal matchers, cheapest first. */
enum { MLIT_ANY, MLIT_EXACT, MLIT_PREFIX, MLIT_SUFFIX, MLIT_SUBSTR, MLIT_GLOB };

/* One compiled value. */
struct match_value {
        match_fn match;
        const struct match_op *op;      /* the row whose free hook releases it */
        bool sees_absent;               /* match() is called with s == NULL for an absent field */
        union {
                struct {                /* equals / contains / startswith / endswith */
                        int kind;       /* MLIT_* */
                        bool cased;
                        unsigned char *pat;     /* lower-cased unless cased */
                        unsigned char *sp;      /* MLIT_GLOB: MS_* per byte */
                        size_t len;
                        uint8_t *skip;  /* MLIT_SUBSTR, len >= 2: Horspool shifts */
                } lit;
                struct {
                        pcre2_code *code;
                        pcre2_match_data *md;
                        pcre2_match_context *mctx;
                        unsigned char *lit;     /* match_re_literal(), folded; NULL: none */
                        size_t lit_len;
                } re;
                struct {
                        int af;         /* AF_INET or AF_INET6 */
                        unsigned char net[16];
                        unsigned prefix;
                } cidr;
                struct {
                        int op;         /* MNUM_* */
                        int part;       /* MPART_* or -1 */
                        bool is_int;
                        int64_t i;
                        double d;
                } num;
                struct {
                        bool want;
                } exists;
                struct {
                        char *field;    /* mapped event field, NULL = unavailable */
                        const char *key;        /* field interned, NULL: look it up by name */
                        unsigned wild;  /* MWILD_* */
                        bool cased;
                } ref;
        } u;
};

/* The item. Values of group g are values[groups[g] .. groups[g+1]). */
struct match_item {
        char *field;                    /* Sigma name; NULL for keywords */
        char *event_field;              /* mapped name; NULL = unavailable / keyword */
        const char *event_key;          /* event_field interned; NULL: look it up by name */
        bool fold;                      /* some value matches case-insensitively: pass lower */
        char *ref_field;                /* first fieldref's mapped field */
        bool keyword, all, neq;
        struct match_value *values;
        size_t nvalues, values_cap;
        size_t *groups;                 /* ngroups + 1 offsets */
        size_t ngroups;
        size_t needle_from, needle_to;  /* values giving the prefilter's needles (none: equal) */
};

/* What a compile hook works on. */
struct match_build {
        const struct match_spec *sp;
        const struct match_env *env;
        struct match_item *item;
        struct json_object *value;      /* the YAML value (one list element) */
        struct mstr_list vals;          /* its variants (MOPF_STRINGS / MOPF_RAW rows) */
        bool raw;                       /* variants are verbatim text, no wildcards */
};

/* A modifier: one row of match_ops[] (STYLE rule 5). */
struct match_op {
        const char *name;
        enum match_op_kind kind;
        int arg;                        /* row-specific: MWILD_*, MNUM_*, MPART_*, PCRE2 flag... */
        unsigned cls;                   /* MOP_COMPARE: MCLS_*; MOP_SUBJECT: comparisons accepted */
        unsigned xf;                    /* MOP_TRANSFORM: its MXF_*; MOP_COMPARE: MXF_* accepted */
        unsigned flags;                 /* MOPF_* */
        /* Record the modifier in the spec; 0 or -ENOTSUP with err set. */
        int (*parse)(struct match_spec *sp, const struct match_op *op, char *err, size_t errlen);
        /* Transform: rewrite b->vals.  Compare/subject: append b's values to
         * b->item.  0, -EINVAL, -ENOTSUP or -ENOMEM, err set. */
        int (*compile)(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
        match_fn match;
        void (*free)(struct match_value *v);
};

/* ---- match.c ---- */
struct match_value *match_item_add_value(struct match_item *it, const struct match_op *op, match_fn fn);

/* The field `name` (interned as `key`, or NULL) of the event. */
const struct winevent_field *match_field(const struct winevent *ev, const char *name, const char *key);

/* ---- match_string.c: Sigma strings, literal and glob matching ---- */
extern const unsigned char match_lower[256];
void mstr_free(struct mstr *s);
void mstr_list_clear(struct mstr_list *l);
int mstr_reserve(struct mstr *s, size_t extra);
int mstr_put(struct mstr *s, const void *b, size_t n, unsigned char kind);
int mstr_dup(struct mstr *dst, const struct mstr *src);
int mstr_list_push(struct mstr_list *l, struct mstr *s);       /* takes s */
bool mstr_has_wildcards(const struct mstr *s);
/* Parse a Sigma string: `*`, `?` wildcards, `\*` `\?` `\\` escapes, any
 * other backslash literal.  raw: verbatim. */
int mstr_parse(struct mstr *out, const char *s, size_t len, bool raw);
/* The YAML scalar as text: strings as they are, numbers in decimal, bools
 * "true"/"false".  NULL for other types. */
const char *match_scalar_text(struct json_object *v, size_t *len);
bool match_ci_eq(const unsigned char *a, const unsigned char *lower, size_t n);

int match_string_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
enum tri match_string_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower);
void match_string_free(struct match_value *v);
/* The longest run of literal bytes every match of v contains (len 0: none). */
void match_string_needle(const struct match_value *v, const unsigned char **b, size_t *len, bool *cased);
enum tri match_null_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower);

/* ---- match_transform.c ---- */
int match_base64_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
int match_base64offset_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
int match_utf16_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
int match_windash_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
int match_expand_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
enum { MUTF16_LE, MUTF16_BE, MUTF16_BOM };

/* ---- match_re_literal.c ---- */
/* The ASCII-folded literal (at most max bytes, in out) that every match of
 * the PCRE2 pattern p[0..n) contains, or 0 when it cannot tell (or the
 * literal is too short to select anything).  caseless: compiled with
 * PCRE2_CASELESS. */
size_t match_re_literal(const unsigned char *p, size_t n, bool caseless, unsigned char *out, size_t max);

/* ---- match_compare.c ---- */
int match_re_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
enum tri match_re_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower);
void match_re_free(struct match_value *v);
int match_cidr_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
enum tri match_cidr_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower);
int match_num_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
enum tri match_num_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower);
int match_exists_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
enum tri match_exists_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower);
int match_fieldref_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);
enum tri match_fieldref_match(const struct match_value *v, const struct winevent *ev, const char *s, size_t len,
                          const char *lower);
void match_fieldref_free(struct match_value *v);
int match_part_compile(struct match_build *b, const struct match_op *op, char *err, size_t errlen);

/* snprintf into err (when errlen > 0); returns r. */
int match_errf(char *err, size_t errlen, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
