/* The syntax of config values that are not plain YAML: sizes ("256KiB"),
 * durations ("1h30m") and addresses ("host:port", "[v6]:port").
 * Parsing and formatting live together so that what the reference and the
 * error messages show is what the loader accepts.  No YAML here: callers
 * pass strings. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "config_schema.h"

/* ---- units ---------------------------------------------------------- */

static const struct {
        const char *name;
        uint64_t mult;
} config_size_units[] = {
        { "TiB", 1024ull * 1024 * 1024 * 1024 }, { "GiB", 1024ull * 1024 * 1024 },
        { "MiB", 1024ull * 1024 }, { "KiB", 1024ull },
        { "TB", 1000ull * 1000 * 1000 * 1000 }, { "GB", 1000ull * 1000 * 1000 },
        { "MB", 1000ull * 1000 }, { "KB", 1000ull }, { "B", 1 },
}, config_duration_units[] = {
        { "w", 7 * 86400 }, { "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 },
};

int config_value_parse_size(const char *s, uint64_t *out)
{
        uint64_t v = 0;
        const char *p = s;

        if (!isdigit((unsigned char)*p))
                return -EINVAL;
        for (; isdigit((unsigned char)*p); p++)
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
                        return -ERANGE;
        while (*p == ' ')
                p++;
        if (*p == '\0') {
                *out = v;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(config_size_units); i++)
                if (strcmp(p, config_size_units[i].name) == 0) {
                        if (__builtin_mul_overflow(v, config_size_units[i].mult, out))
                                return -ERANGE;
                        return 0;
                }
        return -EINVAL;
}

int config_value_parse_duration(const char *s, uint64_t *out)
{
        uint64_t total = 0;
        const char *p = s;

        if (!*p)
                return -EINVAL;
        while (*p) {
                const char *seg = p;
                uint64_t v = 0, mult = 0;
                size_t i;

                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                for (; isdigit((unsigned char)*p); p++)
                        if (__builtin_mul_overflow(v, 10, &v) ||
                            __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
                                return -ERANGE;
                if (*p == '\0') {
                        if (seg != s)
                                return -EINVAL;         /* "1h30": a unit is missing */
                        *out = v;                       /* a plain number of seconds */
                        return 0;
                }
                for (i = 0; i < ELEMENTSOF(config_duration_units); i++)
                        if (*p == config_duration_units[i].name[0]) {
                                mult = config_duration_units[i].mult;
                                break;
                        }
                if (!mult)
                        return -EINVAL;
                p++;
                if (__builtin_mul_overflow(v, mult, &v) || __builtin_add_overflow(total, v, &total))
                        return -ERANGE;
        }
        *out = total;
        return 0;
}

void config_value_format_size(uint64_t v, char *buf, size_t len)
{
        for (size_t i = 0; v && i < ELEMENTSOF(config_size_units) - 1; i++)
                if (v % config_size_units[i].mult == 0) {
                        snprintf(buf, len, "%" PRIu64 "%s", v / config_size_units[i].mult,
                                 config_size_units[i].name);
                        return;
                }
        snprintf(buf, len, "%" PRIu64, v);
}

void config_value_format_duration(uint64_t v, char *buf, size_t len)
{
        size_t n = 0;

        if (v == 0) {
                snprintf(buf, len, "0s");
                return;
        }
        buf[0] = '\0';
        /* days and below: "7d" reads better than "1w" */
        for (size_t i = 1; i < ELEMENTSOF(config_duration_units) && n < len; i++) {
                uint64_t m = config_duration_units[i].mult;

                if (v >= m) {
                        int w = snprintf(buf + n, len - n, "%" PRIu64 "%s", v / m,
                                         config_duration_units[i].name);

                        if (w < 0)
                                return;
                        n += (size_t)w;
                        v %= m;
                }
        }
}

void config_value_format_uint(uint64_t v, char *buf, size_t len)
{
        snprintf(buf, len, "%" PRIu64, v);
}

/* ---- address -------------------------------------------------------- */

int config_split_address(const char *addr, char *host, size_t host_len, unsigned *port)
{
        const char *h, *he, *p;
        unsigned long v = 0;
        size_t hl, i;

        if (!addr)
                return -EINVAL;
        if (addr[0] == '[') {
                char tmp[INET6_ADDRSTRLEN + 1];
                struct in6_addr a6;
                const char *pct;

                h = addr + 1;
                he = strchr(h, ']');
                if (!he || he == h || he[1] != ':')
                        return -EINVAL;
                p = he + 2;
                pct = memchr(h, '%', (size_t)(he - h));         /* fe80::1%eth0 */
                hl = (size_t)((pct ? pct : he) - h);
                if (hl >= sizeof(tmp) || (pct && pct + 1 == he))
                        return -EINVAL;
                memcpy(tmp, h, hl);
                tmp[hl] = '\0';
                if (inet_pton(AF_INET6, tmp, &a6) != 1)
                        return -EINVAL;
        } else {
                bool numeric = true;
                struct in_addr a4;

                h = addr;
                he = strrchr(addr, ':');
                if (!he || he == addr || memchr(h, ':', (size_t)(he - h)))
                        return -EINVAL;         /* no port, no host, or IPv6 without brackets */
                p = he + 1;
                for (const char *c = h; c < he; c++) {
                        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_')
                                return -EINVAL;
                        if (!isdigit((unsigned char)*c) && *c != '.')
                                numeric = false;
                }
                if (numeric) {
                        char tmp[INET_ADDRSTRLEN + 1];

                        if ((size_t)(he - h) >= sizeof(tmp))
                                return -EINVAL;
                        memcpy(tmp, h, (size_t)(he - h));
                        tmp[he - h] = '\0';
                        if (inet_pton(AF_INET, tmp, &a4) != 1)
                                return -EINVAL;
                }
        }
        hl = (size_t)(he - h);
        for (i = 0; p[i]; i++) {
                if (i >= 5 || !isdigit((unsigned char)p[i]))
                        return -EINVAL;
                v = v * 10 + (unsigned long)(p[i] - '0');
        }
        if (i == 0 || v > 65535)
                return -EINVAL;
        if (host) {
                if (hl >= host_len)
                        return -EINVAL;
                memcpy(host, h, hl);
                host[hl] = '\0';
        }
        if (port)
                *port = (unsigned)v;
        return 0;
}
