/* spoorctl status / spoorctl reload: ask the running spoord over its HTTP
 * address (GET /v1/status, POST /v1/reload; see daemon/ingest/http.c). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "ctl.h"

#define STATUS_TIMEOUT_S 10
#define RELOAD_TIMEOUT_S 120    /* a reload loads every rule file again */
#define STATUS_ADDR_MAX 300

struct status_opts {
        const char *name;               /* "status" / "reload" */
        bool json;
        int timeout_s;
        char addr[STATUS_ADDR_MAX];
};

static void status_usage(FILE *f, const char *name)
{
        if (strcmp(name, "reload") == 0)
                fprintf(f,
"Usage: spoorctl reload [--http ADDR | -c CONFIG] [--timeout SECONDS]\n"
"\n"
"Make the running spoord reload its configuration file and rules (POST /v1/reload), as\n"
"SIGHUP does, and print the result.  On failure spoord keeps running on the configuration\n"
"it had; the error names file:line:column.\n"
"\n");
        else
                fprintf(f,
"Usage: spoorctl status [--http ADDR | -c CONFIG] [--json] [--timeout SECONDS]\n"
"\n"
"Print what the running spoord reports (GET /v1/status): version, uptime, listeners and\n"
"their connections, events received / accepted / rejected, leads, rules loaded and\n"
"unsupported, hosts tracked, open gaps, spool errors, reloads.\n"
"\n"
"      --json          the status document as spoord sends it\n");
        fprintf(f,
"      --http ADDR     spoord's HTTP address (host:port, [v6]:port)\n"
"  -c, --config FILE   take the address from spoord's configuration (http.address)\n"
"      --timeout S     wait at most S seconds for the answer (default %d)\n"
"  -h, --help          this text\n"
"\n"
"Without --http or -c: %s.\n"
"Exit status: 0 success, 1 error (spoord not answering%s), 2 usage.\n",
                strcmp(name, "reload") == 0 ? RELOAD_TIMEOUT_S : STATUS_TIMEOUT_S, CTL_HTTP_DEFAULT,
                strcmp(name, "reload") == 0 ? ", the reload failed" : "");
}

/* Parse the options.  0, or an exit code (-1: --help printed, exit 0). */
static int status_options(struct status_opts *o, int argc, char **argv)
{
        enum { OPT_HTTP = 256, OPT_JSON, OPT_TIMEOUT };
        static const struct option opts[] = {
                { "http", required_argument, NULL, OPT_HTTP },
                { "config", required_argument, NULL, 'c' },
                { "json", no_argument, NULL, OPT_JSON },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *http = NULL, *config_path = NULL;
        struct config *cfg = NULL;
        bool reload = strcmp(o->name, "reload") == 0;
        char host[256];
        unsigned port;
        char *end;
        long n;
        int c, r;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
                switch (c) {
                case OPT_HTTP: http = optarg; break;
                case 'c': config_path = optarg; break;
                case OPT_JSON:
                        if (reload)
                                goto unknown;
                        o->json = true;
                        break;
                case OPT_TIMEOUT:
                        errno = 0;
                        n = strtol(optarg, &end, 10);
                        if (errno || end == optarg || *end || n < 1 || n > 3600) {
                                ctl_err("%s: --timeout %s: not a number of seconds (1 .. 3600)", o->name, optarg);
                                return CTL_EXIT_USAGE;
                        }
                        o->timeout_s = (int)n;
                        break;
                case 'h':
                        status_usage(stdout, o->name);
                        return -1;
                case ':':
                        ctl_err("%s: %s needs a value (see spoorctl %s --help)", o->name, argv[optind - 1],
                                o->name);
                        return CTL_EXIT_USAGE;
                default:
                unknown:
                        ctl_err("%s: unknown option %s (see spoorctl %s --help)", o->name, argv[optind - 1],
                                o->name);
                        return CTL_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                ctl_err("%s: unexpected argument '%s' (see spoorctl %s --help)", o->name, argv[optind], o->name);
                return CTL_EXIT_USAGE;
        }
        if (http && config_path) {
                ctl_err("%s: --http and -c are exclusive", o->name);
                return CTL_EXIT_USAGE;
        }
        if (config_path && ctl_config_load(config_path, &cfg) < 0)
                return CTL_EXIT_USAGE;
        r = ctl_http_address(http, cfg, o->addr, sizeof(o->addr));
        if (r == -ENOENT)
                ctl_err("%s: %s turns http off (http.enabled: false): nothing to ask", o->name, config_path);
        else if (r < 0 || config_split_address(o->addr, host, sizeof(host), &port) < 0 || port == 0 ||
                 port > 65535) {
                ctl_err("%s: %s: not host:port ([v6]:port for IPv6)", o->name, http ? http : o->addr);
                r = -EINVAL;
        }
        config_free(cfg);
        return r < 0 ? CTL_EXIT_USAGE : 0;
}

/* Ask; 0 with reply, or an exit code (the error printed). */
static int status_ask(const struct status_opts *o, const char *method, const char *path,
                      struct ctl_http_reply *reply)
{
        char err[512];

        int r = ctl_http_request(o->addr, method, path, o->timeout_s, reply, err, sizeof(err));

        if (r < 0) {
                ctl_err("%s: %s%s", o->name, err,
                        r == -ECONNREFUSED ? " (is spoord running, with http enabled on that address?)" : "");
                return CTL_EXIT_ERROR;
        }
        return 0;
}

/* ---- status ----------------------------------------------------------- */

static uint64_t status_u64(struct json_object *o, const char *section, const char *key)
{
        int64_t v = ctl_json_int(section ? ctl_json_obj(o, section) : o, key, 0);

        return v > 0 ? (uint64_t)v : 0;
}

static const char *status_str(struct json_object *o, const char *key)
{
        const char *s = ctl_json_str(o, key);

        return s ? s : "?";
}

/* " (a 1, b 2)" from an object of counts; nothing when all are zero. */
static void status_print_counts(struct json_object *counts)
{
        bool first = true;

        if (!counts)
                return;
        json_object_object_foreach(counts, key, val) {
                int64_t n = json_object_get_int64(val);

                if (n <= 0)
                        continue;
                fputs(first ? " (" : ", ", stdout);
                ctl_put_safe(stdout, key, strlen(key));
                printf(" %" PRId64, n);
                first = false;
        }
        if (!first)
                fputs(")", stdout);
}

static void status_print(struct json_object *s)
{
        struct json_object *listeners = ctl_json_array(s, "listeners");
        const char *str;
        char age[32];
        size_t n = listeners ? json_object_array_length(listeners) : 0;

        printf("spoord %s at %s, up %s", status_str(s, "version"), status_str(s, "http"),
               ctl_format_age(ctl_json_int(s, "uptime_seconds", 0), age, sizeof(age)));
        if ((str = ctl_json_str(s, "started")))
                printf(" (since %s)", str);
        if (json_object_get_boolean(json_object_object_get(s, "stopping")))
                fputs(", stopping", stdout);
        printf("\nconfig:      %s\n", (str = ctl_json_str(s, "config")) ? str : "built-in default");
        printf("listeners:  ");
        for (size_t i = 0; i < n; i++) {
                struct json_object *l = json_object_array_get_idx(listeners, i);

                printf("%s %s (%s, %" PRId64 " connection%s)", i ? "," : "", status_str(l, "address"),
                       status_str(l, "framing"), ctl_json_int(l, "connections", 0),
                       ctl_json_int(l, "connections", 0) == 1 ? "" : "s");
        }
        printf("%s\n", n ? "" : " none");
        printf("events:      %" PRIu64 " received, %" PRIu64 " accepted, %" PRIu64 " rejected",
               status_u64(s, "events", "received"), status_u64(s, "events", "accepted"),
               status_u64(s, "events", "rejected"));
        status_print_counts(ctl_json_obj(ctl_json_obj(s, "events"), "rejected_by_reason"));
        printf(", %" PRIu64 " late\n", status_u64(s, "events", "late"));
        printf("connections: %" PRIu64 " active, %" PRIu64 " accepted, %" PRIu64 " rejected\n",
               status_u64(s, "connections", "active"), status_u64(s, "connections", "accepted"),
               status_u64(s, "connections", "rejected"));
        printf("leads:       %" PRIu64 " written", status_u64(s, "leads", "written"));
        status_print_counts(ctl_json_obj(ctl_json_obj(s, "leads"), "by_level"));
        printf(", %" PRIu64 " suppressed\n", status_u64(s, "leads", "suppressed"));
        printf("rules:       %" PRIu64 " loaded, %" PRIu64 " unsupported\n", status_u64(s, "rules", "loaded"),
               status_u64(s, "rules", "unsupported"));
        printf("hosts:       %" PRIu64 " tracked\n", status_u64(s, "hosts", "tracked"));
        printf("gaps:        %" PRIu64 " open, %" PRIu64 " closed\n", status_u64(s, "gaps", "open"),
               status_u64(s, "gaps", "closed"));
        printf("spool:       %s (%" PRIu64 " write errors, %" PRIu64 " dropped, %" PRIu64 " rotations)\n",
               status_str(ctl_json_obj(s, "spool"), "dir"),
               status_u64(s, "spool", "write_errors"), status_u64(s, "spool", "dropped"),
               status_u64(s, "spool", "rotations"));
        printf("reloads:     %" PRIu64 " ok, %" PRIu64 " failed\n", status_u64(s, "reloads", "ok"),
               status_u64(s, "reloads", "failed"));
}

int ctl_status(int argc, char **argv)
{
        struct status_opts o = { .name = "status", .timeout_s = STATUS_TIMEOUT_S };
        struct ctl_http_reply reply;
        _cleanup_json_ struct json_object *s = NULL;
        int r = status_options(&o, argc, argv);

        if (r != 0)
                return r < 0 ? CTL_EXIT_OK : r;
        r = status_ask(&o, "GET", "/v1/status", &reply);
        if (r != 0)
                return r;
        if (reply.status != 200) {
                ctl_err("status: %s answered HTTP %d to GET /v1/status (is it spoord?)", o.addr, reply.status);
                ctl_http_reply_fini(&reply);
                return CTL_EXIT_ERROR;
        }
        s = ctl_json_parse(reply.body, reply.len && reply.body[reply.len - 1] == '\n' ? reply.len - 1 : reply.len);
        if (!s) {
                ctl_err("status: %s answered something that is not a JSON object", o.addr);
                ctl_http_reply_fini(&reply);
                return CTL_EXIT_ERROR;
        }
        if (o.json)
                printf("%.*s\n", (int)strcspn(reply.body, "\n"), reply.body);        /* as spoord sent it */
        else
                status_print(s);
        ctl_http_reply_fini(&reply);
        return fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERROR;
}

/* ---- reload ----------------------------------------------------------- */

int ctl_reload(int argc, char **argv)
{
        struct status_opts o = { .name = "reload", .timeout_s = RELOAD_TIMEOUT_S };
        struct ctl_http_reply reply;
        _cleanup_json_ struct json_object *res = NULL;
        const char *result, *error;
        int r = status_options(&o, argc, argv);

        if (r != 0)
                return r < 0 ? CTL_EXIT_OK : r;
        r = status_ask(&o, "POST", "/v1/reload", &reply);
        if (r != 0)
                return r;
        res = reply.body ? ctl_json_parse(reply.body, strcspn(reply.body, "\n")) : NULL;
        result = ctl_json_str(res, "result");
        error = ctl_json_str(res, "error");
        if (reply.status == 200 && result && strcmp(result, "ok") == 0) {
                printf("reload: ok (%" PRId64 " rules loaded, %" PRId64 " unsupported)\n",
                       ctl_json_int(res, "rules_loaded", 0), ctl_json_int(res, "rules_unsupported", 0));
                r = CTL_EXIT_OK;
        } else if (reply.status == 200 && result) {
                ctl_err("reload failed, spoord keeps its running configuration: %s", error ? error : "?");
                r = CTL_EXIT_ERROR;
        } else if (reply.status == 503) {
                ctl_err("reload: spoord is busy with another reload; try again");
                r = CTL_EXIT_ERROR;
        } else {
                ctl_err("reload: %s answered HTTP %d to POST /v1/reload%s%s", o.addr, reply.status,
                        error ? ": " : "", error ? error : "");
                r = CTL_EXIT_ERROR;
        }
        ctl_http_reply_fini(&reply);
        return r;
}
