/* spoorctl (daemon/ctl/): the analyst's side of spoor.  One file per
 * subcommand, each with one entry point ctl_<name>(argc, argv) that returns
 * the process exit code; this header holds what they share.
 *
 * Exit codes, the same for every subcommand (documented in --help):
 *   0  success
 *   1  error (spool unreadable, spoord not answering, reload failed, ...)
 *   2  usage (unknown option, bad value, bad configuration file) */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum {
        CTL_EXIT_OK = 0,
        CTL_EXIT_ERROR = 1,
        CTL_EXIT_USAGE = 2,
};

/* Where spoorctl looks for the spool when neither --spool nor -c says. */
#define CTL_SPOOL_SYSTEM "/var/spool/spoor"
#define CTL_SPOOL_LOCAL "./spool"
#define CTL_HTTP_DEFAULT "127.0.0.1:8514"

struct config;
struct json_object;

/* The subcommands. */
int ctl_test(int argc, char **argv);            /* test.c */
int ctl_tail(int argc, char **argv);            /* tail.c */
int ctl_status(int argc, char **argv);          /* status.c */
int ctl_reload(int argc, char **argv);          /* status.c */
int ctl_coverage(int argc, char **argv);        /* coverage.c */

/* ---- ctl.c: shared helpers ------------------------------------------- */

/* "spoorctl: " + message + newline on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load CONFIG with spoord's own loader.  The error (file:line:column) is
 * printed.  0 or -errno. */
int ctl_config_load(const char *path, struct config **out);

/* The spool directory: `opt` (--spool) when given, else cfg's spool.dir
 * when cfg is not NULL, else CTL_SPOOL_SYSTEM when it is a directory, else
 * CTL_SPOOL_LOCAL.  Points into its arguments or static storage. */
const char *ctl_spool_dir(const char *opt, const struct config *cfg);

/* Parse --since: a duration back from now_us ("90s", "15m", "1h", "2d",
 * "1w", combined "1h30m") or an RFC 3339 time ("2026-11-22T10:00:00Z",
 * with an offset, or a date alone meaning its UTC midnight).  0 or
 * -EINVAL. */
int ctl_parse_since(const char *s, int64_t now_us, int64_t *out_us);

/* Parse a record's time string ("2026-11-22T10:11:12.345Z").  0 or -EINVAL. */
int ctl_parse_time(const char *s, int64_t *out_us);

/* "2026-11-22T10:11:12Z" (seconds).  buf holds 32 bytes; returns buf. */
#define CTL_TIME_MAX 32
char *ctl_format_time(int64_t us, char buf[CTL_TIME_MAX]);

/* "3d 4h", "12m 5s", "40s": the two largest units of a duration. */
char *ctl_format_age(int64_t seconds, char *buf, size_t len);

/* Colour on f: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool ctl_use_colour(FILE *f);

/* Write s (len bytes) for a terminal: control characters (C0, DEL and the
 * UTF-8 encoded C1 range) become \xNN, so data from events cannot drive
 * the terminal.  Other bytes pass through. */
void ctl_put_safe(FILE *f, const char *s, size_t len);
/* ctl_put_safe, padded with spaces to `width` bytes (no truncation). */
void ctl_put_padded(FILE *f, const char *s, int width);

/* Files spoord's rotation renamed aside: <base>-<UTC stamp>[-N].jsonl
 * (daemon/output/spool.c). */
struct ctl_rotated {
        char *name;
        int64_t stamp_us;               /* when it was renamed (whole seconds) */
        unsigned seq;                   /* N: a second rotation within the same second */
        dev_t dev;
        ino_t ino;
};

/* The rotated files of base in dirfd that may hold records written at or
 * after since_us (INT64_MIN: all), oldest first: a file renamed at its
 * stamp holds records written before it; the stamp has whole seconds, so
 * two seconds of slack.  At most CTL_MAX_ROTATED.  0 or -errno. */
#define CTL_MAX_ROTATED 4096
int ctl_rotated_list(int dirfd, const char *base, int64_t since_us, struct ctl_rotated **out, size_t *n);
void ctl_rotated_free(struct ctl_rotated *list, size_t n);

/* Borrowed members of a JSON object; NULL / def when absent or of another
 * type. */
const char *ctl_json_str(struct json_object *o, const char *key);
int64_t ctl_json_int(struct json_object *o, const char *key, int64_t def);
double ctl_json_double(struct json_object *o, const char *key, double def);
struct json_object *ctl_json_obj(struct json_object *o, const char *key);
struct json_object *ctl_json_array(struct json_object *o, const char *key);

/* Parse one line (len bytes, no newline) as a JSON object: a new
 * reference, or NULL when it is not one. */
struct json_object *ctl_json_parse(const char *line, size_t len);

/* ---- httpc.c: one HTTP request to spoord (libevent evhttp) ----------- */

struct ctl_http_reply {
        int status;             /* HTTP status; 0 when no answer came */
        char *body;             /* NUL-terminated, malloc'd; NULL without an answer */
        size_t len;
};

/* Send `method` ("GET" / "POST") `path` to addr ("host:port", "[v6]:port")
 * and wait at most timeout_s for the answer.  0 with *reply filled (any
 * status; free with ctl_http_reply_fini), or -errno with err set ("cannot
 * connect to 127.0.0.1:8514: Connection refused"). */
int ctl_http_request(const char *addr, const char *method, const char *path, int timeout_s,
                     struct ctl_http_reply *reply, char *err, size_t errlen);
void ctl_http_reply_fini(struct ctl_http_reply *reply);

/* The HTTP address: `opt` (--http) when given, else cfg's http.address
 * (a wildcard host becomes the loopback address of its family), else
 * CTL_HTTP_DEFAULT.  -ENOENT when cfg disables http.  0 or -errno; out
 * holds at least 160 bytes. */
int ctl_http_address(const char *opt, const struct config *cfg, char *out, size_t len);

/* ---- render.c: a spool record as one line for people ----------------- */

/* Lead or gap record → one line on out (see render.c for the columns);
 * ANSI colour on the level when colour. */
void render_record(FILE *out, struct json_object *rec, bool colour);
