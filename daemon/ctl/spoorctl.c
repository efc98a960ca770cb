/* spoorctl: the analyst's side of spoor.
 *   spoorctl test RULE.yml|DIR EVENTS.jsonl [-c FILE] [-v]
 * runs each event (JSON or syslog lines, as spoord accepts them) through the
 * same decoding and rule evaluation as spoord and prints, per event, which
 * rules matched and the result of every selection — the tool for writing a
 * lead pattern.  Other subcommands (tail, status, coverage) come with the
 * spool and HTTP status API. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "spoor/engine.h"
#include "spoor/metrics.h"
#include "spoor/pipeline.h"
#include "spoor/ruleset.h"
#include "spoor/timefmt.h"
#include "spoor-config.h"

struct ctl_test {
        const struct ruleset *rs;
        const char *file;
        unsigned long line;
        bool verbose;
        unsigned long events, matches;
};

static const char *ctl_tri(enum tri t)
{
        return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "unknown";
}

static void ctl_explain(void *ud, const struct sigma_variant *v, bool candidate, enum tri result,
                        const enum tri *sel, struct winevent *ev)
{
        struct ctl_test *t = ud;

        if (!candidate) {
                if (t->verbose)
                        printf("  -      %s [%s]: not a candidate (needs %s%s)\n", v->rule->id, v->source.name,
                               v->source.channel, v->nevent_ids ? " with its event ids" : "");
                return;
        }
        if (result == TRI_YES)
                t->matches++;
        printf("  %-6s %s [%s] %s:", result == TRI_YES ? "MATCH" : result == TRI_NO ? "no" : "cannot",
               v->rule->id, v->source.name, v->rule->title);
        for (size_t i = 0; i < v->nsels; i++)
                printf(" %s=%s", v->sels[i].name, ctl_tri(sel[i]));
        if (result == TRI_UNKNOWN)
                printf(" (a field it needs is missing)");
        printf("\n");
}

static void ctl_event(void *ud, struct winevent *ev)
{
        struct ctl_test *t = ud;
        char ts[TIMEFMT_MAX];

        t->events++;
        printf("%s:%lu: %s %s %s %u", t->file, t->line, timefmt_format(ev->time_us, ts), ev->host,
               ev->channel, ev->event_id);
        if (ev->has_record_id)
                printf(" record %llu", (unsigned long long)ev->record_id);
        printf("\n");
        ruleset_explain(t->rs, ev, ctl_explain, t);
}

static void ctl_reject(void *ud, const struct pipeline_src *src, enum reject_reason why, const char *detail,
                       const char *data, size_t len)
{
        struct ctl_test *t = ud;

        printf("%s:%lu: rejected (%s)%s%s\n", t->file, t->line, reject_reason_name(why),
               detail && *detail ? ": " : "", detail ? detail : "");
}

static int ctl_test(int argc, char **argv)
{
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "verbose", no_argument, NULL, 'v' },
                { NULL, 0, NULL, 0 },
        };
        const char *config_path = NULL;
        struct ctl_test t = { 0 };
        struct config *cfg = NULL;
        struct config_error cerr;
        struct ruleset *rs = NULL;
        struct ruleset_report rep;
        struct ruleset_opts ro;
        struct pipeline pipe;
        struct pipeline_sink sink = { .event = ctl_event, .reject = ctl_reject, .ud = &t };
        struct timefmt_zone utc;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        char *rules[1];
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:v", opts, NULL)) != -1) {
                switch (c) {
                case 'c': config_path = optarg; break;
                case 'v': t.verbose = true; break;
                default: return 2;
                }
        }
        if (argc - optind != 2) {
                fprintf(stderr, "usage: spoorctl test RULE.yml|DIR EVENTS.jsonl [-c CONFIG] [-v]\n");
                return 2;
        }
        if (config_path) {
                if (config_load(config_path, &cfg, &cerr) < 0) {
                        fprintf(stderr, "spoorctl: %s\n", cerr.msg);
                        return 2;
                }
        } else if (!(cfg = config_default())) {
                return 1;
        }
        rules[0] = argv[optind];
        ro = (struct ruleset_opts){ .paths = rules, .npaths = 1, .placeholders = cfg->placeholders };
        if (ruleset_load(&ro, &rs, &rep) < 0) {
                fprintf(stderr, "spoorctl: %s\n", rep.error);
                ruleset_report_fini(&rep);
                config_free(cfg);
                return 2;
        }
        ruleset_print(NULL, &rep, false, stdout);
        ruleset_report_fini(&rep);
        t.rs = rs;
        t.file = argv[optind + 1];
        f = strcmp(t.file, "-") == 0 ? fdopen(dup(0), "r") : fopen(t.file, "re");
        if (!f) {
                fprintf(stderr, "spoorctl: %s: %s\n", t.file, strerror(errno));
                ruleset_free(rs);
                config_free(cfg);
                return 1;
        }
        timefmt_zone_init(&utc, cfg->listen[0].timezone ? cfg->listen[0].timezone : "UTC");
        if (pipeline_init(&pipe, (int)cfg->limits.max_json_depth, &sink) < 0) {
                ruleset_free(rs);
                config_free(cfg);
                return 1;
        }
        while ((n = getline(&line, &cap, f)) >= 0) {
                struct pipeline_src src = { .name = t.file, .zone = &utc };
                struct frame fr = { .kind = FRAME_MSG, .method = FRAME_METHOD_LF, .data = line };

                t.line++;
                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                        n--;
                if (n == 0)
                        continue;
                fr.len = (size_t)n;
                src.pos = t.line;
                pipeline_frame(&pipe, &src, &fr);
        }
        printf("%lu events, %lu matches\n", t.events, t.matches);
        pipeline_fini(&pipe);
        ruleset_free(rs);
        config_free(cfg);
        return 0;
}

static void usage(FILE *f)
{
        fprintf(f,
"Usage: spoorctl test RULE.yml|DIR EVENTS.jsonl [-c CONFIG] [-v]\n"
"         run each event through spoord's decoding and rules; print which rules\n"
"         matched and every selection's result (yes / no / unknown: field missing).\n"
"         -c: take placeholders and the timezone from CONFIG; -v: also list rules\n"
"         the event is not a candidate for (other channel or event id).\n"
"       spoorctl --version | --help\n");
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(stdout);
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("spoorctl %s\n", SPOOR_VERSION);
                return 0;
        }
        if (strcmp(argv[1], "test") == 0)
                return ctl_test(argc - 1, argv + 1);
        fprintf(stderr, "spoorctl: unknown command '%s' (see --help)\n", argv[1]);
        return 2;
}
