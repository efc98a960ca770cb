/* spoorctl test RULE.yml|DIR EVENTS.jsonl [-c FILE] [-v]: run each event
 * (JSON or syslog lines, as spoord accepts them) through the same decoding
 * and rule evaluation as spoord and print, per event, which rules matched
 * and the result of every selection — the tool for writing a lead pattern. */
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
#include "ctl.h"

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

static void test_usage(FILE *f)
{
        fprintf(f,
"Usage: spoorctl test RULE.yml|DIR EVENTS.jsonl [-c CONFIG] [-v]\n"
"\n"
"Run each event of EVENTS.jsonl (JSON or syslog lines, as spoord accepts them; - = stdin)\n"
"through spoord's decoding and the rules in RULE.yml (or every rule under DIR); print,\n"
"per event, which rules matched and every selection's result (yes / no / unknown: a\n"
"field the rule reads is missing).\n"
"\n"
"  -c, --config FILE   take placeholders and the listen[0] timezone from FILE\n"
"  -v, --verbose       also list the rules the event is not a candidate for (another\n"
"                      channel or event id)\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 success, 1 error (EVENTS unreadable), 2 usage, a bad configuration or a\n"
"rule that does not load (the message names file:line:column).\n");
}

int ctl_test(int argc, char **argv)
{
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
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
        while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
                switch (c) {
                case 'c': config_path = optarg; break;
                case 'v': t.verbose = true; break;
                case 'h': test_usage(stdout); return CTL_EXIT_OK;
                default: return CTL_EXIT_USAGE;
                }
        }
        if (argc - optind != 2) {
                test_usage(stderr);
                return CTL_EXIT_USAGE;
        }
        if (config_path) {
                if (config_load_flags(config_path, CONFIG_LOAD_SKIP_FILES, &cfg, &cerr) < 0) {
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
