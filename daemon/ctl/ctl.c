/* What spoorctl's subcommands share: configuration and spool lookup, time
 * parsing and formatting, terminal output, JSON accessors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "spoor/config.h"
#include "spoor/timefmt.h"
#include "ctl.h"

void ctl_err(const char *fmt, ...)
{
        va_list ap;

        fputs("spoorctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

int ctl_config_load(const char *path, struct config **out)
{
        struct config_error cerr;
        int r = config_load_flags(path, CONFIG_LOAD_SKIP_FILES, out, &cerr);

        if (r < 0)
                ctl_err("%s", cerr.msg);
        return r;
}

const char *ctl_spool_dir(const char *opt, const struct config *cfg)
{
        struct stat st;

        if (opt)
                return opt;
        if (cfg && cfg->spool_dir)
                return cfg->spool_dir;
        if (stat(CTL_SPOOL_SYSTEM, &st) == 0 && S_ISDIR(st.st_mode))
                return CTL_SPOOL_SYSTEM;
        return CTL_SPOOL_LOCAL;
}

int ctl_parse_time(const char *s, int64_t *out_us)
{
        struct timefmt_zone utc;

        if (timefmt_zone_init(&utc, "UTC") < 0)
                return -EINVAL;
        return timefmt_parse(s, strlen(s), &utc, out_us);
}

/* "1h30m": digits and a unit, repeated.  0 or -EINVAL. */
static int ctl_parse_duration(const char *s, int64_t *out_s)
{
        static const struct { char unit; int64_t s; } units[] = {
                { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
        };
        int64_t total = 0;

        if (!*s)
                return -EINVAL;
        while (*s) {
                int64_t n = 0, mul = 0;

                if (*s < '0' || *s > '9')
                        return -EINVAL;
                while (*s >= '0' && *s <= '9') {
                        if (n > (INT64_MAX / 10 - 9) / (7 * 86400))
                                return -EINVAL;
                        n = n * 10 + (*s++ - '0');
                }
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                        if (*s == units[i].unit)
                                mul = units[i].s;
                if (!mul)
                        return -EINVAL;
                s++;
                total += n * mul;
                if (total > INT64_MAX / 2000000)
                        return -EINVAL;
        }
        *out_s = total;
        return 0;
}

int ctl_parse_since(const char *s, int64_t now_us, int64_t *out_us)
{
        int64_t secs;
        char day[32];

        if (ctl_parse_duration(s, &secs) == 0) {
                *out_us = now_us - secs * 1000000;
                return 0;
        }
        /* a date alone: its UTC midnight */
        if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
                snprintf(day, sizeof(day), "%sT00:00:00Z", s);
                return ctl_parse_time(day, out_us);
        }
        return ctl_parse_time(s, out_us);
}

char *ctl_format_time(int64_t us, char buf[CTL_TIME_MAX])
{
        time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, CTL_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, CTL_TIME_MAX, "?");
        return buf;
}

char *ctl_format_age(int64_t seconds, char *buf, size_t len)
{
        static const struct { const char *name; int64_t s; } units[] = {
                { "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 },
        };
        size_t i;

        if (seconds < 0)
                seconds = 0;
        for (i = 0; i < 3 && seconds < units[i].s; i++)
                ;
        if (i == 3 || seconds % units[i].s < units[i + 1].s)
                snprintf(buf, len, "%lld%s", (long long)(seconds / units[i].s), units[i].name);
        else
                snprintf(buf, len, "%lld%s %lld%s", (long long)(seconds / units[i].s), units[i].name,
                         (long long)(seconds % units[i].s / units[i + 1].s), units[i + 1].name);
        return buf;
}

bool ctl_use_colour(FILE *f)
{
        const char *no = getenv("NO_COLOR");
        const char *term = getenv("TERM");

        if (no && *no)
                return false;
        if (term && strcmp(term, "dumb") == 0)
                return false;
        return isatty(fileno(f)) == 1;
}

void ctl_put_safe(FILE *f, const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\x%02x", c);
                else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
                         (unsigned char)s[i + 1] <= 0x9f)
                        fprintf(f, "\\x%02x", (unsigned char)s[++i]);   /* U+0080..U+009F */
                else
                        fputc(c, f);
        }
}

void ctl_put_padded(FILE *f, const char *s, int width)
{
        size_t len = strlen(s);

        ctl_put_safe(f, s, len);
        for (int i = (int)len; i < width; i++)
                fputc(' ', f);
}

static int ctl_rotated_cmp(const void *a, const void *b)
{
        const struct ctl_rotated *x = a, *y = b;

        if (x->stamp_us != y->stamp_us)
                return x->stamp_us < y->stamp_us ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "leads-20261122T101112Z.jsonl" or "...Z-2.jsonl" → stamp and sequence. */
static bool ctl_rotated_name(const char *base, const char *name, int64_t *stamp_us, unsigned *seq)
{
        size_t bl = strlen(base);
        struct tm tm = { 0 };
        const char *p, *end;
        char *e;

        if (strncmp(name, base, bl) != 0 || name[bl] != '-')
                return false;
        p = name + bl + 1;
        end = strptime(p, "%Y%m%dT%H%M%SZ", &tm);
        if (!end || end != p + 16)
                return false;
        *seq = 0;
        if (*end == '-') {
                unsigned long n = strtoul(end + 1, &e, 10);

                if (e == end + 1 || n > 100000)
                        return false;
                *seq = (unsigned)n;
                end = e;
        }
        if (strcmp(end, ".jsonl") != 0)
                return false;
        *stamp_us = (int64_t)timegm(&tm) * 1000000;
        return true;
}

int ctl_rotated_list(int dirfd, const char *base, int64_t since_us, struct ctl_rotated **out, size_t *n)
{
        int fd = dup(dirfd);
        struct ctl_rotated *list = NULL;
        size_t count = 0;
        struct dirent *de;
        DIR *d;

        *out = NULL;
        *n = 0;
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int e = errno;

                close(fd);
                return -e;
        }
        rewinddir(d);
        while ((de = readdir(d)) && count < CTL_MAX_ROTATED) {
                struct ctl_rotated r;
                struct stat st;
                struct ctl_rotated *grown;

                if (!ctl_rotated_name(base, de->d_name, &r.stamp_us, &r.seq) ||
                    (since_us != INT64_MIN && r.stamp_us + 2000000 < since_us) ||
                    fstatat(dirfd, de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                r.dev = st.st_dev;
                r.ino = st.st_ino;
                grown = realloc(list, (count + 1) * sizeof(*list));
                r.name = grown ? strdup(de->d_name) : NULL;
                if (grown)
                        list = grown;
                if (!r.name) {
                        closedir(d);
                        ctl_rotated_free(list, count);
                        return -ENOMEM;
                }
                list[count++] = r;
        }
        closedir(d);
        if (count)
                qsort(list, count, sizeof(*list), ctl_rotated_cmp);
        *out = list;
        *n = count;
        return 0;
}

void ctl_rotated_free(struct ctl_rotated *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(list[i].name);
        free(list);
}

const char *ctl_json_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int64_t ctl_json_int(struct json_object *o, const char *key, int64_t def)
{
        struct json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
                return def;
        return json_object_get_int64(v);
}

double ctl_json_double(struct json_object *o, const char *key, double def)
{
        struct json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
                return def;
        return json_object_get_double(v);
}

struct json_object *ctl_json_obj(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
                return NULL;
        return v;
}

struct json_object *ctl_json_array(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
                return NULL;
        return v;
}

struct json_object *ctl_json_parse(const char *line, size_t len)
{
        struct json_tokener *tok;
        struct json_object *o;

        if (len > INT32_MAX)
                return NULL;
        tok = json_tokener_new();
        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, line, (int)len);
        /* one whole object, nothing after it */
        if (o && (json_tokener_get_error(tok) != json_tokener_success ||
                  (size_t)json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        return o;
}
