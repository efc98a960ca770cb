/* Private to daemon/config*.c: the schema (config.c) as seen by the value
 * syntax (config_value.c) and the printers (config_print.c).  The public
 * contract is include/spoor/config.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum config_type {
        CONFIG_SECTION,         /* a mapping of the keys below it */
        CONFIG_MAP_LIST,        /* a list of mappings (listen[]) */
        CONFIG_STRING,
        CONFIG_BOOL,
        CONFIG_UINT,
        CONFIG_SIZE,            /* bytes: 262144, "256KiB", "16MiB", "1KB" */
        CONFIG_DURATION,        /* seconds: 900, "15m", "1h30m", "7d" */
        CONFIG_ENUM,            /* stored as a string */
        CONFIG_FRAMING,         /* stored as enum framing_mode */
        CONFIG_ADDRESS,         /* "host:port", "[v6]:port" */
        CONFIG_TIMEZONE,        /* name stored at offset, zone at aux */
        CONFIG_STRING_LIST,     /* char *[max] at offset, size_t count at aux */
        CONFIG_FSYNC,           /* "always" | "never" | a duration: int64_t ms, 0 always, -1 never */
        CONFIG_PLACEHOLDERS,    /* name → list of strings: struct json_object * (owned) */
        CONFIG_CHANGE_WINDOWS,  /* list of {days, hours, timezone}: struct change_window_conf[max]
                                 * at offset, size_t count at aux */
        _CONFIG_TYPE_MAX,
};

enum config_base {
        CONFIG_BASE_CONFIG,     /* offset into struct config */
        CONFIG_BASE_LISTEN,     /* offset into struct listen_conf */
};

struct config_key {
        const char *path;       /* "limits.max_frame_bytes", "listen[].address" */
        enum config_type type;
        enum config_base base;
        size_t offset;
        size_t aux;             /* list count / timezone zone offset */
        size_t elem_size;       /* map list: size of one element */
        const char *def;        /* YAML text; NULL: no default */
        const char *def_user;   /* default when not running as root; NULL: def */
        const char *example;    /* reference value of a required key */
        uint64_t min, max;      /* numeric bounds; lists and maps: max entries */
        bool zero_off;          /* sizes, durations: 0 is accepted too (it turns the feature off) */
        const char *const *values;      /* enum */
        bool required;
        bool reloadable;
        const char *doc;
};

/* Loading state and value position; defined in config.c, opaque elsewhere. */
struct config_ctx;
struct config_at;

/* What each enum config_type means: its name in the reference, how a value
 * is set and released, how its bounds and values are shown. */
struct config_type_ops {
        const char *name;
        int (*set)(struct config_ctx *ctx, const struct config_key *k, void *base,
                   const struct config_at *at);
        void (*release)(const struct config_key *k, void *base);
        void (*format_bound)(uint64_t v, char *buf, size_t len);       /* NULL: no bounds */
};

/* The schema, in reference order: a section or list precedes its keys. */
extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/* Indexed by enum config_type. */
extern const struct config_type_ops config_types[_CONFIG_TYPE_MAX];

/* The last component of a path, and the length of what precedes it. */
const char *config_leaf(const char *path, size_t *parent_len);

/* ---- value syntax (config_value.c) ---------------------------------- */

/* "256KiB", "16 MiB", "1KB", "4096" → bytes.  0 or -EINVAL / -ERANGE. */
int config_value_parse_size(const char *s, uint64_t *out);

/* "900", "15m", "1h30m", "7d" → seconds.  0 or -EINVAL / -ERANGE. */
int config_value_parse_duration(const char *s, uint64_t *out);

/* Bytes in the largest unit that divides them: 262144 → "256KiB",
 * 1000 → "1KB", 1023 → "1023". */
void config_value_format_size(uint64_t v, char *buf, size_t len);

/* Seconds as days, hours, minutes, seconds: 900 → "15m", 90061 →
 * "1d1h1m1s", 0 → "0s". */
void config_value_format_duration(uint64_t v, char *buf, size_t len);

/* A plain decimal number. */
void config_value_format_uint(uint64_t v, char *buf, size_t len);
