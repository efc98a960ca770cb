/* What the schema prints: `spoord --check` (config_print_summary, the
 * loaded values) and `spoord --config-reference` (config_print_reference,
 * every key with its type, default, bounds and doc as commented YAML).
 * Both walk config_keys[] in table order; values and bounds are formatted by
 * config_value.c, the same syntax the loader accepts. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "spoor/config.h"
#include "spoor/framing.h"
#include "config_schema.h"

/* One value as text, for the summary. */
static void config_print_format_value(const struct config_key *k, const void *base, char *buf,
                                      size_t len)
{
        const void *f = (const char *)base + k->offset;

        switch (k->type) {
        case CONFIG_BOOL:
                snprintf(buf, len, "%s", *(const bool *)f ? "true" : "false");
                break;
        case CONFIG_UINT:
        case CONFIG_SIZE:
        case CONFIG_DURATION:
                config_types[k->type].format_bound(*(const uint64_t *)f, buf, len);
                break;
        case CONFIG_FSYNC: {
                int64_t ms = *(const int64_t *)f;

                if (ms <= 0)
                        snprintf(buf, len, "%s", ms == 0 ? "always" : "never");
                else
                        config_value_format_duration((uint64_t)ms / 1000, buf, len);
                break;
        }
        case CONFIG_FRAMING: {
                const char *n = framing_mode_name(*(const enum framing_mode *)f);

                snprintf(buf, len, "%s", n ? n : "?");
                break;
        }
        case CONFIG_STRING:
        case CONFIG_ENUM:
        case CONFIG_ADDRESS:
        case CONFIG_TIMEZONE: {
                const char *s = *(char *const *)f;

                snprintf(buf, len, "%s", s ? s : "(none)");
                break;
        }
        default:
                snprintf(buf, len, "?");
                break;
        }
}

#define CONFIG_SUMMARY_WIDTH 34

/* One line per placeholder: "name: value, value" (long lists end in "..."). */
static void config_print_placeholders(const struct config_key *k, const struct config *c, FILE *f)
{
        struct json_object *map = *(struct json_object *const *)((const char *)c + k->offset);
        bool first = true;

        if (!map || json_object_object_length(map) == 0) {
                fprintf(f, "%-*s (none)\n", CONFIG_SUMMARY_WIDTH, k->path);
                return;
        }
        json_object_object_foreach(map, name, list) {
                size_t n = json_object_array_length(list), w = 0;

                fprintf(f, "%-*s %s:", CONFIG_SUMMARY_WIDTH, first ? k->path : "", name);
                for (size_t i = 0; i < n; i++) {
                        const char *v = json_object_get_string(json_object_array_get_idx(list, i));

                        if (w > 200) {
                                fprintf(f, " ... (%zu values)", n);
                                break;
                        }
                        fprintf(f, "%s %s", i ? "," : "", v);
                        w += strlen(v) + 2;
                }
                fputc('\n', f);
                first = false;
        }
}

/* One line per window: "change_windows[0]  mon,tue,wed 08:00-18:00 Europe/Berlin". */
static void config_print_change_windows(const struct config_key *k, const struct config *c, FILE *f)
{
        static const char *const days[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
        const struct change_window_conf *w = (const struct change_window_conf *)((const char *)c + k->offset);
        size_t n = *(const size_t *)((const char *)c + k->aux);

        if (n == 0)
                fprintf(f, "%-*s (none)\n", CONFIG_SUMMARY_WIDTH, k->path);
        for (size_t i = 0; i < n; i++) {
                char name[64];
                bool first = true;

                snprintf(name, sizeof(name), "%s[%zu]", k->path, i);
                fprintf(f, "%-*s ", CONFIG_SUMMARY_WIDTH, name);
                if (w[i].days == 0x7f)
                        fputs("every day", f);
                for (int d = 0; d < 7 && w[i].days != 0x7f; d++)
                        if (w[i].days & (1u << d)) {
                                fprintf(f, "%s%s", first ? "" : ",", days[d]);
                                first = false;
                        }
                fprintf(f, " %02u:%02u-%02u:%02u %s\n", w[i].start_min / 60u, w[i].start_min % 60u,
                        w[i].end_min / 60u, w[i].end_min % 60u, w[i].timezone ? w[i].timezone : "UTC");
        }
}

/* "listen[0]  127.0.0.1:1514  framing auto  timezone UTC", and for a TLS
 * listener a second line "listen[0].tls  cert ...  key ...". */
static void config_print_listen(const struct config_key *list, const void *elem, size_t e, FILE *f)
{
        const struct listen_conf *lc = elem;
        char prefix[128], name[64], buf[512];
        bool first = true;

        snprintf(prefix, sizeof(prefix), "%s[].", list->path);
        snprintf(name, sizeof(name), "%s[%zu]", list->path, e);
        fprintf(f, "%-*s", CONFIG_SUMMARY_WIDTH, name);
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 1) {
                        if (!lc->tls.cert)
                                break;
                        snprintf(name, sizeof(name), "%s[%zu].tls", list->path, e);
                        fprintf(f, "\n%-*s", CONFIG_SUMMARY_WIDTH, name);
                        first = true;
                }
                for (size_t j = 0; j < config_nkeys; j++) {
                        const struct config_key *ck = &config_keys[j];
                        const char *rel;
                        bool tls_key;

                        if (strncmp(ck->path, prefix, strlen(prefix)) != 0 || ck->type == CONFIG_SECTION)
                                continue;
                        rel = ck->path + strlen(prefix);
                        tls_key = strncmp(rel, "tls.", 4) == 0 || strcmp(rel, "bind_host_to_peer") == 0;
                        if (tls_key != (pass == 1))
                                continue;
                        if (ck->type == CONFIG_STRING_LIST) {
                                char *const *v = (char *const *)((const char *)elem + ck->offset);
                                size_t nv = *(const size_t *)((const char *)elem + ck->aux), w = 0;

                                buf[0] = '\0';
                                for (size_t i = 0; i < nv && w < sizeof(buf); i++) {
                                        int r = snprintf(buf + w, sizeof(buf) - w, "%s%s", i ? "," : "", v[i]);
                                        if (r < 0)
                                                break;
                                        w += (size_t)r;
                                }
                                if (!nv)
                                        snprintf(buf, sizeof(buf), "(any)");
                        } else {
                                config_print_format_value(ck, elem, buf, sizeof(buf));
                        }
                        if (first && pass == 0)
                                fprintf(f, " %s", buf);
                        else
                                fprintf(f, "%s%s %s", first ? " " : "  ",
                                        strncmp(rel, "tls.", 4) == 0 ? rel + 4 : rel, buf);
                        first = false;
                }
        }
        fputc('\n', f);
}

void config_print_summary(const struct config *c, FILE *f)
{
        fprintf(f, "%-*s %s\n", CONFIG_SUMMARY_WIDTH, "config",
                c->path ? c->path : "built-in default (no file)");
        for (size_t i = 0; i < config_nkeys; i++) {
                const struct config_key *k = &config_keys[i];
                char buf[512];

                if (k->base != CONFIG_BASE_CONFIG || k->type == CONFIG_SECTION)
                        continue;
                if (k->type == CONFIG_MAP_LIST) {
                        size_t n = *(const size_t *)((const char *)c + k->aux);

                        if (n == 0)
                                fprintf(f, "%-*s (none)\n", CONFIG_SUMMARY_WIDTH, k->path);
                        for (size_t e = 0; e < n; e++)
                                config_print_listen(k, (const char *)c + k->offset + e * k->elem_size, e, f);
                } else if (k->type == CONFIG_STRING_LIST) {
                        char *const *v = (char *const *)((const char *)c + k->offset);
                        size_t n = *(const size_t *)((const char *)c + k->aux);

                        if (n == 0)
                                fprintf(f, "%-*s (none)\n", CONFIG_SUMMARY_WIDTH, k->path);
                        for (size_t e = 0; e < n; e++)
                                fprintf(f, "%-*s %s\n", CONFIG_SUMMARY_WIDTH, e ? "" : k->path, v[e]);
                } else if (k->type == CONFIG_PLACEHOLDERS) {
                        config_print_placeholders(k, c, f);
                } else if (k->type == CONFIG_CHANGE_WINDOWS) {
                        config_print_change_windows(k, c, f);
                } else {
                        config_print_format_value(k, c, buf, sizeof(buf));
                        fprintf(f, "%-*s %s\n", CONFIG_SUMMARY_WIDTH, k->path, buf);
                }
        }
}

/* "(size, default 256KiB, 1KiB..16MiB, reloadable: yes)" */
static void config_print_describe(const struct config_key *k, char *buf, size_t len)
{
        const struct config_type_ops *t = &config_types[k->type];
        size_t n = 0;
        int w;

#define APPEND(...)                                                     \
        do {                                                            \
                w = snprintf(buf + n, len - n, __VA_ARGS__);            \
                if (w < 0 || (size_t)w >= len - n)                      \
                        return;                                         \
                n += (size_t)w;                                         \
        } while (0)

        APPEND("%s", t->name);
        if (k->values) {
                APPEND(":");
                for (const char *const *v = k->values; *v; v++)
                        APPEND("%s%s", v == k->values ? " " : " | ", *v);
        }
        if (k->required)
                APPEND(", required");
        if (k->def) {
                APPEND(", default %s", k->def);
                if (k->def_user)
                        APPEND(" (%s when not root)", k->def_user);
        }
        if (t->format_bound) {
                char a[32], b[32];

                t->format_bound(k->min, a, sizeof(a));
                t->format_bound(k->max, b, sizeof(b));
                APPEND(", %s%s..%s", k->zero_off ? "0 or " : "", a, b);
        } else if (k->max) {
                APPEND(", at most %" PRIu64 " entries", k->max);
        }
        APPEND(", reloadable: %s", k->reloadable ? "yes" : "no");
#undef APPEND
}

void config_print_reference(FILE *f)
{
        bool in_list = false, first_in_list = false;

        fputs("# spoord configuration reference: every key with its default.\n"
              "# Generated from the schema in daemon/config.c (`spoord --config-reference`);\n"
              "# a key left out, or given as null, keeps its default.\n", f);
        for (size_t i = 0; i < config_nkeys; i++) {
                const struct config_key *k = &config_keys[i];
                const char *leaf = config_leaf(k->path, NULL);
                const char *value = k->def ? k->def : k->example;
                char desc[512];
                int indent = 0;

                config_print_describe(k, desc, sizeof(desc));
                if (k->base == CONFIG_BASE_LISTEN) {
                        /* "listen[].tls.cert": one level below the entry per
                         * dot after "listen[]." */
                        const char *rel = strstr(k->path, "[].");
                        int depth = 4;

                        for (const char *p = rel ? rel + 3 : k->path; *p; p++)
                                depth += *p == '.' ? 2 : 0;
                        fprintf(f, "%*s# %s (%s)\n", depth, "", k->doc, desc);
                        if (first_in_list)
                                fprintf(f, "  - %s:", leaf);
                        else
                                fprintf(f, "%*s%s:", depth, "", leaf);
                        if (k->type != CONFIG_SECTION && value)
                                fprintf(f, " %s", value);
                        fputc('\n', f);
                        first_in_list = false;
                        continue;
                }
                for (const char *p = k->path; *p; p++)
                        indent += *p == '.' ? 2 : 0;
                if (indent == 0)
                        fputc('\n', f);
                in_list = k->type == CONFIG_MAP_LIST;
                first_in_list = in_list;
                fprintf(f, "%*s# %s (%s)\n", indent, "", k->doc, desc);
                if (k->type == CONFIG_SECTION || k->type == CONFIG_MAP_LIST)
                        fprintf(f, "%*s%s:\n", indent, "", leaf);
                else
                        fprintf(f, "%*s%s: %s\n", indent, "", leaf, value ? value : "");
        }
}
