/* spoord: command line → one of the modes (serve, --check, --replay). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spoor/config.h"
#include "spoor/engine.h"
#include "spoor/log.h"
#include "spoor/remedy.h"
#include "spoor/spoord.h"
#include "spoor-config.h"

/* The built-in default (no configuration file) hunts with the shipped pack:
 * the installed one, else the source tree's for a spoord run from its build
 * tree (scripts/run); none when neither exists.  0 or -ENOMEM. */
static int main_default_pack(struct config *cfg)
{
        static const char *const packs[] = { CONFIG_DEFAULT_PACK, SPOOR_SOURCE_PACK };

        for (size_t i = 0; i < sizeof(packs) / sizeof(packs[0]); i++) {
                struct stat st;

                if (stat(packs[i], &st) != 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (!(cfg->rules[0] = strdup(packs[i])))
                        return -ENOMEM;
                cfg->nrules = 1;
                return 0;
        }
        return 0;
}

static void usage(FILE *f)
{
        fprintf(f,
"Usage: spoord [-c FILE]                       serve (foreground; systemd supervises)\n"
"       spoord --check [-c FILE]               validate the configuration, print a summary\n"
"       spoord --replay [--dump-events] [-c FILE] [--timezone TZ] [--spool DIR] FILE...\n"
"                                              run files (JSON lines or syslog lines; - = stdin)\n"
"                                              through the live pipeline: decode, rules, leads\n"
"       spoord --config-reference              print every configuration key with its default\n"
"       spoord --windows-setup [-c FILE]       what Windows must send for the loaded rules\n"
"\n"
"Options:\n"
"  -c, --config FILE    configuration file (default %s if it exists,\n"
"                       else the built-in default: listen 127.0.0.1:1514, http 127.0.0.1:8514,\n"
"                       the hunt pack %s (or, run from the build tree, the source's)\n"
"      --check          load the configuration and the rules, print what was understood (with\n"
"                       -v: what each rule needs: channel, event ids, fields), exit 0 if usable\n"
"      --replay         run the files through the same framing and decoding as a live connection\n"
"      --dump-events    with --replay: print each decoded event as one JSON line on stdout and\n"
"                       each rejected line's reason on stderr\n"
"      --timezone TZ    with --replay: zone for zone-less timestamps (default: listen[0]'s)\n"
"      --spool DIR      with --replay: write leads there instead of the configured spool.dir\n"
"      --config-reference  print every key (type, default, bounds, doc) as commented YAML\n"
"      --windows-setup  print, for the loaded rules, what Windows must send: channels (with the\n"
"                       NXLog query), audit subcategories (auditpol lines), command-line policy\n"
"  -v, --verbose        log at debug level\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.\n",
                CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_PACK);
}

enum {
        OPT_CHECK = 256,
        OPT_REPLAY,
        OPT_DUMP,
        OPT_TZ,
        OPT_REFERENCE,
        OPT_SPOOL,
        OPT_WINDOWS,
};

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "check", no_argument, NULL, OPT_CHECK },
                { "replay", no_argument, NULL, OPT_REPLAY },
                { "dump-events", no_argument, NULL, OPT_DUMP },
                { "timezone", required_argument, NULL, OPT_TZ },
                { "config-reference", no_argument, NULL, OPT_REFERENCE },
                { "spool", required_argument, NULL, OPT_SPOOL },
                { "windows-setup", no_argument, NULL, OPT_WINDOWS },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { NULL, 0, NULL, 0 },
        };
        const char *config_path = NULL;
        bool check = false, replay = false, verbose = false, windows = false;
        struct replay_opts ro = { 0 };
        struct config *cfg = NULL;
        struct config_error err;
        struct ruleset *rs = NULL;
        struct ruleset_report rep;
        int c;

        while ((c = getopt_long(argc, argv, "c:vhV", opts, NULL)) != -1) {
                switch (c) {
                case 'c': config_path = optarg; break;
                case OPT_CHECK: check = true; break;
                case OPT_REPLAY: replay = true; break;
                case OPT_DUMP: ro.dump_events = true; break;
                case OPT_TZ: ro.timezone = optarg; break;
                case OPT_SPOOL: ro.spool_dir = optarg; break;
                case OPT_WINDOWS: windows = true; break;
                case OPT_REFERENCE: config_print_reference(stdout); return 0;
                case 'v': verbose = true; break;
                case 'h': usage(stdout); return 0;
                case 'V': printf("spoord %s\n", SPOOR_VERSION); return 0;
                default: usage(stderr); return 2;
                }
        }
        if ((ro.dump_events || ro.timezone || ro.spool_dir) && !replay) {
                fprintf(stderr, "spoord: --dump-events, --timezone and --spool need --replay\n");
                return 2;
        }
        if (replay && optind >= argc) {
                fprintf(stderr, "spoord: --replay needs at least one FILE (- for stdin)\n");
                return 2;
        }
        if (!replay && optind < argc) {
                fprintf(stderr, "spoord: unexpected argument '%s' (see --help)\n", argv[optind]);
                return 2;
        }

        log_init("spoord", getenv("JOURNAL_STREAM") != NULL && !check && !replay,
                 verbose ? LOG_DEBUG : LOG_INFO);

        if (!config_path && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
                config_path = CONFIG_DEFAULT_PATH;
        if (config_path) {
                if (config_load_flags(config_path, replay ? CONFIG_LOAD_SKIP_FILES : 0, &cfg, &err) < 0) {
                        fprintf(stderr, "spoord: %s\n", err.msg);
                        return 2;
                }
        } else {
                cfg = config_default();
                if (!cfg || main_default_pack(cfg) < 0) {
                        fprintf(stderr, "spoord: out of memory\n");
                        config_free(cfg);
                        return 1;
                }
        }
        if (verbose)
                log_set_max_priority(LOG_DEBUG);

        /* Rules are loaded before anything is bound: a broken rule file
         * stops spoord here, naming file:line:column. */
        if (engine_load_rules(cfg, &rs, &rep) < 0) {
                fprintf(stderr, "spoord: %s\n", rep.error);
                ruleset_report_fini(&rep);
                config_free(cfg);
                return 2;
        }
        if (windows) {
                int r = remedy_plan(rs, stdout);

                ruleset_report_fini(&rep);
                ruleset_free(rs);
                config_free(cfg);
                return r < 0 ? 1 : 0;
        }
        if (check) {
                config_print_summary(cfg, stdout);
                ruleset_print(rs, &rep, verbose, stdout);
                printf("configuration OK\n");
                ruleset_report_fini(&rep);
                ruleset_free(rs);
                config_free(cfg);
                return 0;
        }
        if (replay) {
                int rc;

                if (rep.nproblems && verbose)
                        ruleset_print(NULL, &rep, false, stderr);
                ruleset_report_fini(&rep);
                rc = replay_run(cfg, rs, argv + optind, argc - optind, &ro);
                config_free(cfg);
                return rc;
        }
        engine_log_report(&rep);
        ruleset_report_fini(&rep);
        if (verbose) {
                free(cfg->log_level);
                cfg->log_level = strdup("debug");
        }
        return spoord_run(cfg, config_path, rs);
}
