/* What `spoorctl coverage` prints (the reading and joining are in
 * coverage.c): the hosts x channels matrix, the open gaps with their
 * evidence and remedy, the rules that cannot fire everywhere; or, with
 * --json, coverage.json filtered and each open gap completed from its
 * record. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "ctl.h"
#include "coverage.h"

#define COVERAGE_MIN_COL 5
#define COVERAGE_MAX_HOST_COL 40

/* "Microsoft-Windows-Sysmon/Operational" → "Sysmon". */
static void coverage_channel_label(const char *ch, char *out, size_t len)
{
        static const char prefix[] = "Microsoft-Windows-";
        static const char suffix[] = "/Operational";
        size_t n;

        if (strncmp(ch, prefix, sizeof(prefix) - 1) == 0)
                ch += sizeof(prefix) - 1;
        n = strlen(ch);
        if (n > sizeof(suffix) - 1 && strcmp(ch + n - (sizeof(suffix) - 1), suffix) == 0)
                n -= sizeof(suffix) - 1;
        snprintf(out, len, "%.*s", (int)n, ch);
}

/* 1234 → "1234", 123456 → "123k", 1234567 → "1.2M". */
static void coverage_count(int64_t n, char *out, size_t len)
{
        if (n < 100000)
                snprintf(out, len, "%" PRId64, n);
        else if (n < 1000000)
                snprintf(out, len, "%" PRId64 "k", n / 1000);
        else if (n < 100000000)
                snprintf(out, len, "%.1fM", (double)n / 1e6);
        else
                snprintf(out, len, "%" PRId64 "M", n / 1000000);
}

static int coverage_str_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Channels in the order of their column labels (Security before Sysmon). */
static int coverage_channel_cmp(const void *a, const void *b)
{
        char la[128], lb[128];
        int r;

        coverage_channel_label(*(const char *const *)a, la, sizeof(la));
        coverage_channel_label(*(const char *const *)b, lb, sizeof(lb));
        r = strcasecmp(la, lb);
        return r ? r : coverage_str_cmp(a, b);
}

/* Add a channel to the columns (the channels of the wanted hosts, and
 * those their open gaps name; borrowed from c->cov). */
static int coverage_add_channel(const char ***chs, size_t *n, const char *ch)
{
        const char **grown;

        if (!ch || !*ch)
                return 0;
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*chs)[i], ch) == 0)
                        return 0;
        grown = realloc(*chs, (*n + 1) * sizeof(**chs));
        if (!grown)
                return -ENOMEM;
        *chs = grown;
        (*chs)[(*n)++] = ch;
        return 0;
}

static bool coverage_gap_on(struct json_object *h, const char *channel)
{
        struct json_object *open = ctl_json_array(h, "open_gaps");

        for (size_t i = 0; open && i < json_object_array_length(open); i++) {
                const char *ch = ctl_json_str(json_object_array_get_idx(open, i), "channel");

                if (ch && strcmp(ch, channel) == 0)
                        return true;
        }
        return false;
}

static int coverage_print_matrix(struct coverage_cmd *c, struct json_object *hosts)
{
        _cleanup_free_ const char **chs = NULL;
        _cleanup_free_ const char **names = NULL;
        _cleanup_free_ int *width = NULL;
        size_t nch = 0, nhosts = 0;
        int hostw = 4;
        char label[128], cell[32];

        json_object_object_foreach(hosts, host, h) {
                struct json_object *channels = ctl_json_obj(h, "channels");
                struct json_object *open = ctl_json_array(h, "open_gaps");
                const char **grown;

                if (!coverage_host_wanted(c, host))
                        continue;
                grown = realloc(names, (nhosts + 1) * sizeof(*names));
                if (!grown)
                        return -ENOMEM;
                names = grown;
                names[nhosts++] = host;
                if ((int)strlen(host) > hostw)
                        hostw = (int)strlen(host) < COVERAGE_MAX_HOST_COL ? (int)strlen(host) : COVERAGE_MAX_HOST_COL;
                if (channels) {
                        json_object_object_foreach(channels, ch, v) {
                                (void)v;
                                if (coverage_add_channel(&chs, &nch, ch) < 0)
                                        return -ENOMEM;
                        }
                }
                for (size_t i = 0; open && i < json_object_array_length(open); i++)
                        if (coverage_add_channel(&chs, &nch,
                                                 ctl_json_str(json_object_array_get_idx(open, i), "channel")) < 0)
                                return -ENOMEM;
        }
        if (!nhosts) {
                printf("\nNo host%s.\n", c->host ? " matches" : " has sent events yet");
                return 0;
        }
        qsort(names, nhosts, sizeof(*names), coverage_str_cmp);
        qsort(chs, nch, sizeof(*chs), coverage_channel_cmp);
        width = calloc(nch ? nch : 1, sizeof(*width));
        if (!width)
                return -ENOMEM;
        printf("\nEvents per host and channel (- none, ! an open gap names it):\n  ");
        ctl_put_padded(stdout, "HOST", hostw);
        for (size_t j = 0; j < nch; j++) {
                coverage_channel_label(chs[j], label, sizeof(label));
                width[j] = (int)strlen(label) > COVERAGE_MIN_COL ? (int)strlen(label) : COVERAGE_MIN_COL;
                printf("  ");
                ctl_put_padded(stdout, label, width[j]);
        }
        printf("\n");
        for (size_t i = 0; i < nhosts; i++) {
                struct json_object *row = ctl_json_obj(hosts, names[i]);
                struct json_object *channels = ctl_json_obj(row, "channels");
                struct json_object *live;
                bool silent = json_object_object_get_ex(row, "live", &live) && !json_object_get_boolean(live);

                printf("  ");
                ctl_put_padded(stdout, names[i], hostw);
                for (size_t j = 0; j < nch; j++) {
                        struct json_object *ch = ctl_json_obj(channels, chs[j]);
                        size_t l;

                        if (ch)
                                coverage_count(ctl_json_int(ch, "count", 0), cell, sizeof(cell));
                        else
                                snprintf(cell, sizeof(cell), "-");
                        l = strlen(cell);
                        if (coverage_gap_on(row, chs[j]) && l + 1 < sizeof(cell))
                                cell[l] = '!', cell[l + 1] = '\0';
                        printf("  %-*s", j + 1 < nch || silent ? width[j] : 0, cell);
                }
                printf("%s\n", silent ? "  (silent)" : "");
        }
        return 0;
}

static void coverage_print_gap(const struct coverage_cmd *c, struct json_object *g, const char *host)
{
        struct json_object *rec = coverage_gap_record(c, ctl_json_str(g, "id"));
        struct json_object *ids = ctl_json_array(g, "event_ids");
        struct json_object *blinds = ctl_json_array(rec, "blinds");
        const char *s;
        char age[32], opened[CTL_TIME_MAX];
        int64_t at;

        printf("  ");
        ctl_put_padded(stdout, host, 0);
        printf("  %s", (s = ctl_json_str(g, "kind")) ? s : "?");
        if ((s = ctl_json_str(g, "channel")) && *s) {
                printf("  ");
                ctl_put_safe(stdout, s, strlen(s));
        }
        for (size_t i = 0; ids && i < json_object_array_length(ids); i++)
                printf("%s%" PRId64, i ? "," : " [", json_object_get_int64(json_object_array_get_idx(ids, i)));
        if (ids && json_object_array_length(ids))
                printf("]");
        if ((s = ctl_json_str(g, "field")) && *s) {
                printf("  field ");
                ctl_put_safe(stdout, s, strlen(s));
        }
        if ((s = ctl_json_str(g, "opened")) && ctl_parse_time(s, &at) == 0)
                printf("  open %s (since %s)", ctl_format_age((c->now_us - at) / 1000000, age, sizeof(age)),
                       ctl_format_time(at, opened));
        printf("\n");
        if (!rec) {
                printf("      (its record is not in gaps.jsonl: no evidence or remedy to show)\n");
                return;
        }
        if ((s = ctl_json_str(rec, "evidence")) && *s) {
                printf("      evidence: ");
                ctl_put_safe(stdout, s, strlen(s));
                printf("\n");
        }
        if ((s = ctl_json_str(rec, "remedy")) && *s) {
                printf("      remedy:   ");
                ctl_put_safe(stdout, s, strlen(s));
                printf("\n");
        }
        for (size_t i = 0; blinds && i < json_object_array_length(blinds); i++) {
                struct json_object *b = json_object_array_get_idx(blinds, i);

                s = ctl_json_str(b, "title");
                printf("      %s", i ? "          " : "blinds:   ");
                if (!s)
                        s = ctl_json_str(b, "id");
                ctl_put_safe(stdout, s ? s : "?", s ? strlen(s) : 1);
                printf("\n");
        }
        if (ctl_json_int(rec, "blinds_more", 0) > 0)
                printf("                and %" PRId64 " more rules\n", ctl_json_int(rec, "blinds_more", 0));
}

static size_t coverage_print_gaps(struct coverage_cmd *c, struct json_object *hosts)
{
        struct json_object *fleet = ctl_json_array(c->cov, "fleet_gaps");
        size_t shown = 0;

        printf("\nOpen gaps:\n");
        if (hosts) {
                json_object_object_foreach(hosts, host, h) {
                        struct json_object *open = ctl_json_array(h, "open_gaps");

                        if (!coverage_host_wanted(c, host))
                                continue;
                        for (size_t i = 0; open && i < json_object_array_length(open); i++, shown++)
                                coverage_print_gap(c, json_object_array_get_idx(open, i), host);
                }
        }
        for (size_t i = 0; fleet && i < json_object_array_length(fleet); i++) {
                struct json_object *g = json_object_array_get_idx(fleet, i);
                const char *host = ctl_json_str(g, "host") ? ctl_json_str(g, "host") : "*";

                if (coverage_host_wanted(c, host)) {
                        coverage_print_gap(c, g, host);
                        shown++;
                }
        }
        if (!shown)
                printf("  none\n");
        return shown;
}

/* How many open gaps (of the wanted hosts: c->gaps holds only theirs)
 * say in their record that they blind rule id; listed when print. */
static size_t coverage_blinders(struct coverage_cmd *c, const char *rule_id, bool print)
{
        size_t n = 0;

        json_object_object_foreach(c->gaps, id, rec) {
                struct json_object *blinds = ctl_json_array(rec, "blinds");
                const char *s;

                (void)id;
                for (size_t i = 0; blinds && i < json_object_array_length(blinds); i++) {
                        s = ctl_json_str(json_object_array_get_idx(blinds, i), "id");
                        if (!s || strcmp(s, rule_id) != 0)
                                continue;
                        if (print) {
                                printf("%s", n ? ", " : "      blinded by: ");
                                s = ctl_json_str(rec, "host");
                                ctl_put_safe(stdout, s ? s : "?", s ? strlen(s) : 1);
                                printf(" %s", (s = ctl_json_str(rec, "kind")) ? s : "?");
                        }
                        n++;
                        break;
                }
        }
        if (print && n)
                printf("\n");
        return n;
}

static void coverage_print_rules(struct coverage_cmd *c)
{
        struct json_object *rules = ctl_json_obj(c->cov, "rules");
        size_t shown = 0;

        printf("\nRules that cannot fire on every live host:\n");
        if (rules) {
                json_object_object_foreach(rules, id, r) {
                        double share = ctl_json_double(r, "share", 1);
                        const char *title = ctl_json_str(r, "title");

                        /* with --host: only the rules an open gap of those hosts blinds */
                        if (share >= 1 || (c->host && !coverage_blinders(c, id, false)))
                                continue;
                        printf("  ");
                        ctl_put_safe(stdout, title ? title : id, strlen(title ? title : id));
                        printf("  can fire on %" PRId64 " of %" PRId64 " live hosts (%.0f%%)\n      %s\n",
                               ctl_json_int(r, "can_fire_hosts", 0), ctl_json_int(r, "live_hosts", 0), share * 100, id);
                        if (!coverage_blinders(c, id, true))
                                printf("      no open gap names it yet: a live host has not sent what it reads, "
                                       "and coverage.grace has not passed\n");
                        shown++;
                }
        }
        if (!shown)
                printf("  none\n");
}

int coverage_print(struct coverage_cmd *c)
{
        struct json_object *hosts = ctl_json_obj(c->cov, "hosts");
        struct json_object *fleet = ctl_json_obj(c->cov, "fleet");
        const char *generated = ctl_json_str(c->cov, "generated");
        int64_t ttr = ctl_json_int(fleet, "median_ttr_seconds", -1);
        char age[32];
        int r;

        printf("%s/coverage.json", c->dir);
        if (generated)
                printf(" (written %s)", generated);
        printf(": %" PRId64 " hosts, %" PRId64 " live; %" PRId64 " rules; gaps %" PRId64 " open, %" PRId64
               " closed", ctl_json_int(fleet, "hosts", 0), ctl_json_int(fleet, "live_hosts", 0),
               ctl_json_int(fleet, "rules_loaded", 0), ctl_json_int(fleet, "gaps_open", 0),
               ctl_json_int(fleet, "gaps_closed", 0));
        if (ttr >= 0)
                printf(" (median time to remediation %s)", ctl_format_age(ttr, age, sizeof(age)));
        printf("\n");
        if (hosts) {
                r = coverage_print_matrix(c, hosts);
                if (r < 0)
                        return r;
        }
        coverage_print_gaps(c, hosts);
        coverage_print_rules(c);
        return 0;
}

/* ---- --json ----------------------------------------------------------- */

/* Copy evidence, remedy, blinds of the gap's record into g. */
static int coverage_enrich_gap(struct coverage_cmd *c, struct json_object *g)
{
        static const char *const keys[] = { "evidence", "remedy", "blinds", "blinds_more" };
        struct json_object *rec = coverage_gap_record(c, ctl_json_str(g, "id"));

        for (size_t i = 0; rec && i < ELEMENTSOF(keys); i++) {
                struct json_object *v;

                if (json_object_object_get_ex(rec, keys[i], &v) &&
                    json_object_object_add(g, keys[i], json_object_get(v)) < 0) {
                        json_object_put(v);
                        return -ENOMEM;
                }
        }
        return 0;
}

int coverage_print_json(struct coverage_cmd *c)
{
        struct json_object *hosts = ctl_json_obj(c->cov, "hosts");
        struct json_object *fleet = ctl_json_array(c->cov, "fleet_gaps");
        _cleanup_free_ char **drop = NULL;
        size_t ndrop = 0;

        if (hosts) {
                drop = calloc(json_object_object_length(hosts) + 1, sizeof(*drop));
                if (!drop)
                        return -ENOMEM;
                json_object_object_foreach(hosts, host, hv) {
                        struct json_object *open = ctl_json_array(hv, "open_gaps");

                        if (!coverage_host_wanted(c, host)) {
                                drop[ndrop++] = host;
                                continue;
                        }
                        for (size_t i = 0; open && i < json_object_array_length(open); i++)
                                if (coverage_enrich_gap(c, json_object_array_get_idx(open, i)) < 0)
                                        return -ENOMEM;
                }
                for (size_t i = 0; i < ndrop; i++)
                        json_object_object_del(hosts, drop[i]);
        }
        for (size_t i = fleet ? json_object_array_length(fleet) : 0; i > 0; i--) {
                struct json_object *g = json_object_array_get_idx(fleet, i - 1);
                const char *host = ctl_json_str(g, "host") ? ctl_json_str(g, "host") : "*";

                if (!coverage_host_wanted(c, host))
                        json_object_array_del_idx(fleet, i - 1, 1);
                else if (coverage_enrich_gap(c, g) < 0)
                        return -ENOMEM;
        }
        printf("%s\n", json_object_to_json_string_ext(c->cov, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}
