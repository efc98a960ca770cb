/* spoorctl coverage: what the fleet sends and what that blinds, from
 * <spool>/coverage.json (daemon/coverage/report.c) joined with the open
 * gaps' records in gaps.jsonl (their evidence, remedy and blinded rules):
 *
 *   - hosts x channels: how many events each host sent on each channel;
 *     "-" never, "!" an open gap names that channel on that host;
 *   - the open gaps, with their age (from when they opened to now), the
 *     evidence and the remedy;
 *   - the rules that cannot fire everywhere (share < 1): on how many of
 *     the live hosts they can, and which open gaps blind them.
 *
 * A gap's open record may sit in a rotated gaps-<stamp>.jsonl when it has
 * been open for long: the current file is read first, then the rotated
 * ones newest first, until every open gap is found. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "spoor/timefmt.h"
#include "ctl.h"
#include "coverage.h"
#include "follow.h"

#define COVERAGE_MAX_FILE (1u << 30)   /* coverage.json of 100,000 hosts stays far below */

bool coverage_host_wanted(const struct coverage_cmd *c, const char *host)
{
        return !c->host || (host && fnmatch(c->host, host, FNM_CASEFOLD) == 0);
}

/* ---- reading ---------------------------------------------------------- */

static int coverage_read_json(struct coverage_cmd *c)
{
        _cleanup_close_ int fd = openat(c->dirfd, "coverage.json", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;

        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;

                if (e == ENOENT)
                        ctl_err("coverage: %s/coverage.json does not exist yet (spoord writes it every "
                                "coverage.interval, at the end of a replay and at exit)", c->dir);
                else
                        ctl_err("coverage: %s/coverage.json: %s", c->dir, strerror(e));
                return -e;
        }
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > COVERAGE_MAX_FILE) {
                ctl_err("coverage: %s/coverage.json: not a regular file of a sane size", c->dir);
                return -EINVAL;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (len < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
                len--;
        c->cov = ctl_json_parse(buf, len);
        if (!c->cov) {
                ctl_err("coverage: %s/coverage.json is not a JSON object", c->dir);
                return -EINVAL;
        }
        return 0;
}

/* Note every open gap id (of wanted hosts) as wanted in c->gaps. */
static int coverage_want_gaps(struct coverage_cmd *c)
{
        struct json_object *hosts = ctl_json_obj(c->cov, "hosts");
        struct json_object *fleet = ctl_json_array(c->cov, "fleet_gaps");

        c->gaps = json_object_new_object();
        if (!c->gaps)
                return -ENOMEM;
        if (hosts) {
                json_object_object_foreach(hosts, host, h) {
                        struct json_object *open = ctl_json_array(h, "open_gaps");
                        size_t n = open ? json_object_array_length(open) : 0;

                        if (!coverage_host_wanted(c, host))
                                continue;
                        for (size_t i = 0; i < n; i++) {
                                const char *id = ctl_json_str(json_object_array_get_idx(open, i), "id");

                                if (id && !json_object_object_get_ex(c->gaps, id, NULL)) {
                                        if (json_object_object_add(c->gaps, id, NULL) < 0)
                                                return -ENOMEM;
                                        c->unresolved++;
                                }
                        }
                }
        }
        for (size_t i = 0; fleet && i < json_object_array_length(fleet); i++) {
                struct json_object *g = json_object_array_get_idx(fleet, i);
                const char *id = ctl_json_str(g, "id");

                if (id && coverage_host_wanted(c, ctl_json_str(g, "host") ? ctl_json_str(g, "host") : "*") &&
                    !json_object_object_get_ex(c->gaps, id, NULL)) {
                        if (json_object_object_add(c->gaps, id, NULL) < 0)
                                return -ENOMEM;
                        c->unresolved++;
                }
        }
        return 0;
}

/* Read one gaps file; keep the open records of wanted, unresolved ids. */
static int coverage_scan_gaps(struct coverage_cmd *c, const char *name)
{
        struct follow f;
        const char *line;
        size_t len;
        int r = follow_init(&f, c->dirfd, name, false);

        while (r == 0 && c->unresolved > 0 && (r = follow_next(&f, &line, &len)) > 0) {
                struct json_object *rec, *have;
                const char *id, *state;

                r = 0;
                rec = ctl_json_parse(line, len);
                id = ctl_json_str(rec, "id");
                state = ctl_json_str(rec, "state");
                if (!id || !state || strcmp(state, "open") != 0 || !json_object_object_get_ex(c->gaps, id, &have) ||
                    have) {
                        json_object_put(rec);
                        continue;
                }
                if (json_object_object_add(c->gaps, id, rec) < 0) {
                        json_object_put(rec);
                        r = -ENOMEM;
                        break;
                }
                c->unresolved--;
        }
        follow_fini(&f);
        return r < 0 ? r : 0;
}

static int coverage_join_gaps(struct coverage_cmd *c)
{
        struct ctl_rotated *older = NULL;
        size_t n = 0;
        int r = coverage_want_gaps(c);

        if (r == 0 && c->unresolved)
                r = coverage_scan_gaps(c, "gaps.jsonl");
        if (r == 0 && c->unresolved)
                r = ctl_rotated_list(c->dirfd, "gaps", INT64_MIN, &older, &n);
        for (size_t i = n; r == 0 && c->unresolved && i > 0; i--)
                r = coverage_scan_gaps(c, older[i - 1].name);
        ctl_rotated_free(older, n);
        if (r < 0)
                ctl_err("coverage: %s/gaps.jsonl: %s", c->dir, strerror(-r));
        return r;
}

/* The open record of gap id from gaps.jsonl, or NULL. */
struct json_object *coverage_gap_record(const struct coverage_cmd *c, const char *id)
{
        struct json_object *rec = NULL;

        if (id)
                json_object_object_get_ex(c->gaps, id, &rec);
        return rec;
}

/* ---- command ---------------------------------------------------------- */

static void coverage_usage(FILE *f)
{
        fprintf(f,
"Usage: spoorctl coverage [--spool DIR | -c CONFIG] [--host GLOB] [--json]\n"
"\n"
"What the fleet sends and what that blinds, from the spool's coverage.json (rewritten by\n"
"spoord every coverage.interval) and the open gaps' records in gaps.jsonl:\n"
"  - events per host and channel (- none; ! an open gap names that channel on that host);\n"
"  - the open gaps: kind, channel, event ids, how long they have been open, the evidence,\n"
"    the remedy and the rules they blind;\n"
"  - the rules that cannot fire on every live host, with the gaps that blind them.\n"
"\n"
"      --host GLOB     only hosts matching GLOB (shell pattern, case-insensitive)\n"
"      --json          coverage.json (filtered by --host), each open gap with the evidence,\n"
"                      remedy and blinds of its record\n"
"      --spool DIR     the spool directory\n"
"  -c, --config FILE   take the spool directory from spoord's configuration (spool.dir)\n"
"  -h, --help          this text\n"
"\n"
"Without --spool or -c: %s when it exists, else %s.\n"
"Exit status: 0 success, 1 error (no coverage.json, unreadable spool), 2 usage.\n",
                CTL_SPOOL_SYSTEM, CTL_SPOOL_LOCAL);
}

int ctl_coverage(int argc, char **argv)
{
        enum { OPT_HOST = 256, OPT_JSON, OPT_SPOOL };
        static const struct option opts[] = {
                { "host", required_argument, NULL, OPT_HOST },
                { "json", no_argument, NULL, OPT_JSON },
                { "spool", required_argument, NULL, OPT_SPOOL },
                { "config", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        struct coverage_cmd c = { .dirfd = -1, .now_us = timefmt_now_us() };
        const char *config_path = NULL, *spool = NULL;
        struct config *cfg = NULL;
        int ch, r;

        optind = 1;
        opterr = 0;
        while ((ch = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
                switch (ch) {
                case OPT_HOST: c.host = optarg; break;
                case OPT_JSON: c.json = true; break;
                case OPT_SPOOL: spool = optarg; break;
                case 'c': config_path = optarg; break;
                case 'h': coverage_usage(stdout); return CTL_EXIT_OK;
                case ':':
                        ctl_err("coverage: %s needs a value (see spoorctl coverage --help)", argv[optind - 1]);
                        return CTL_EXIT_USAGE;
                default:
                        ctl_err("coverage: unknown option %s (see spoorctl coverage --help)", argv[optind - 1]);
                        return CTL_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                ctl_err("coverage: unexpected argument '%s' (see spoorctl coverage --help)", argv[optind]);
                return CTL_EXIT_USAGE;
        }
        if (spool && config_path) {
                ctl_err("coverage: --spool and -c are exclusive");
                return CTL_EXIT_USAGE;
        }
        if (config_path && ctl_config_load(config_path, &cfg) < 0)
                return CTL_EXIT_USAGE;
        c.dir = ctl_spool_dir(spool, cfg);
        c.dirfd = open(c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c.dirfd < 0) {
                int e = errno;

                ctl_err("coverage: spool %s: %s%s", c.dir, strerror(e),
                        e == EACCES ? " (the spool is readable by spoord's group, spoor)" : "");
                r = CTL_EXIT_ERROR;
        } else if (coverage_read_json(&c) < 0 || coverage_join_gaps(&c) < 0) {
                r = CTL_EXIT_ERROR;
        } else {
                r = c.json ? coverage_print_json(&c) : coverage_print(&c);
                if (r < 0)
                        ctl_err("coverage: %s", strerror(-r));
                r = r < 0 || fflush(stdout) != 0 ? CTL_EXIT_ERROR : CTL_EXIT_OK;
        }
        if (c.dirfd >= 0)
                close(c.dirfd);
        json_object_put(c.cov);
        json_object_put(c.gaps);
        config_free(cfg);
        return r;
}
