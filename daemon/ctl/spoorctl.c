/* spoorctl: the analyst's side of spoor.  main() only dispatches: each
 * subcommand lives in its own file (ctl.h). */
#include <stdio.h>
#include <string.h>

#include "spoor-config.h"
#include "ctl.h"

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *synopsis;
        const char *doc;
} ctl_commands[] = {
        { "tail", ctl_tail,
          "tail [-f] [-n N|all] [--kind K,...] [--level L,...] [--host GLOB] [--rule ID|GLOB]\n"
          "              [--since TIME|DURATION] [--json] [--spool DIR | -c CONFIG]",
          "the leads and gaps in the spool, one line each; -f follows (across rotation)" },
        { "status", ctl_status, "status [--http ADDR | -c CONFIG] [--json]",
          "what the running spoord reports (GET /v1/status)" },
        { "reload", ctl_reload, "reload [--http ADDR | -c CONFIG]",
          "make spoord reload its configuration and rules, as SIGHUP (POST /v1/reload)" },
        { "coverage", ctl_coverage, "coverage [--spool DIR | -c CONFIG] [--host GLOB] [--json]",
          "hosts x channels, open gaps with age and remedy, rules blinded" },
        { "test", ctl_test, "test RULE.yml|DIR EVENTS.jsonl [-c CONFIG] [-v]",
          "which events match a rule, and why" },
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: spoorctl COMMAND [OPTION...]\n\n");
        for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
                fprintf(f, "  spoorctl %s\n        %s\n", ctl_commands[i].synopsis, ctl_commands[i].doc);
        fprintf(f,
"  spoorctl --version | --help\n"
"\n"
"spoorctl COMMAND --help describes each command.\n"
"Exit status: 0 success, 1 error (spool unreadable, spoord not answering, reload failed),\n"
"2 usage (unknown command or option, bad value, bad configuration file).\n");
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return CTL_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return CTL_EXIT_OK;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("spoorctl %s\n", SPOOR_VERSION);
                return CTL_EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
                if (strcmp(argv[1], ctl_commands[i].name) == 0)
                        return ctl_commands[i].run(argc - 1, argv + 1);
        ctl_err("unknown command '%s' (see spoorctl --help)", argv[1]);
        return CTL_EXIT_USAGE;
}
