/* spoorctl tail: the leads and gaps in the spool, one line each, merged in
 * the order spoord wrote them; -f keeps following across rotation.
 *
 * Decisions:
 *   - Two streams, leads.jsonl and gaps.jsonl, each read through a
 *     follower (follow.c).  Records are merged by `emitted` (when spoord
 *     wrote them): within one file that is the file's order, so a two-way
 *     merge needs no sorting and no memory beyond one record per stream.
 *     The time shown is the record's own (when the evidence happened); the
 *     order and --since are spoord's (a lead about a late event is new).
 *   - Without -f, the last -n records (default 10; all with --since) that
 *     pass the filters are printed, from the current files only; --since
 *     also reads the rotated files (leads-<stamp>.jsonl) that can hold
 *     records written since then.
 *   - -f waits with inotify on the spool directory (one watch sees writes,
 *     renames and creations of both files), and polls every second anyway
 *     (a file system without inotify, or a missed event); without inotify
 *     it polls every 250 ms.
 *   - --json prints the lines exactly as spoord wrote them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "spoor/timefmt.h"
#include "ctl.h"
#include "filter.h"
#include "follow.h"

#define TAIL_DEFAULT_LINES 10
#define TAIL_POLL_INOTIFY_MS 1000
#define TAIL_POLL_MS 250
#define TAIL_MAX_BAD_NOTES 5

struct tail_stream {
        const char *label;              /* "leads" */
        char name[32];                  /* "leads.jsonl" */
        bool on;
        struct ctl_rotated *older;      /* rotated files to read first, oldest first */
        size_t nolder, iolder;
        struct follow old;              /* the rotated file being read */
        bool old_open;
        struct follow live;
        /* the next record that passed the filters, waiting for the merge */
        struct json_object *head;
        char *head_line;
        size_t head_len;
        int64_t head_order;
        unsigned long bad;
};

struct tail_ring_item {
        struct json_object *rec;
        char *line;
        size_t len;
};

struct tail {
        struct filter filter;
        bool follow, json, colour;
        long lines;                     /* -1: all */
        const char *dir;
        int dirfd;
        struct tail_stream streams[2];
        struct tail_ring_item *ring;
        size_t ring_n, ring_head;
};

/* ---- streams ---------------------------------------------------------- */

static void tail_note(void *ud, const char *msg)
{
        ctl_err("%s", msg);
}

/* The rotated files of s that may hold records written at or after since
 * (ctl_rotated_list), but not the file the live follower holds (renamed
 * between opening it and listing). */
static int tail_list_older(struct tail *t, struct tail_stream *s, int64_t since_us)
{
        size_t keep = 0;
        int r = ctl_rotated_list(t->dirfd, s->label, since_us, &s->older, &s->nolder);

        if (r < 0)
                return r;
        for (size_t i = 0; i < s->nolder; i++) {
                if (s->live.fd >= 0 && s->older[i].dev == s->live.dev && s->older[i].ino == s->live.ino)
                        free(s->older[i].name);
                else
                        s->older[keep++] = s->older[i];
        }
        s->nolder = keep;
        return 0;
}

/* The next line of a stream: rotated files first, then the live one.
 * 1, 0 (none now), -errno. */
static int tail_stream_line(struct tail_stream *s, const char **line, size_t *len)
{
        int r;

        while (s->old_open || s->iolder < s->nolder) {
                if (!s->old_open) {
                        r = follow_init(&s->old, s->live.dirfd, s->older[s->iolder++].name, false);
                        if (r < 0 || s->old.fd < 0) {
                                if (r < 0)
                                        ctl_err("%s: %s", s->older[s->iolder - 1].name, strerror(-r));
                                follow_fini(&s->old);
                                continue;
                        }
                        s->old.note = tail_note;
                        s->old_open = true;
                }
                r = follow_next(&s->old, line, len);
                if (r != 0)
                        return r;
                follow_fini(&s->old);   /* at its end: a rotated file does not grow */
                s->old_open = false;
        }
        return follow_next(&s->live, line, len);
}

static void tail_stream_drop_head(struct tail_stream *s)
{
        json_object_put(s->head);
        s->head = NULL;
        free(s->head_line);
        s->head_line = NULL;
}

/* Read until a record passes the filters: 1 (s->head), 0, -errno. */
static int tail_stream_fill(struct tail *t, struct tail_stream *s)
{
        const char *line;
        size_t len;
        int r;

        while (!s->head) {
                struct json_object *rec;
                int64_t order;

                r = tail_stream_line(s, &line, &len);
                if (r <= 0)
                        return r;
                rec = ctl_json_parse(line, len);
                if (!rec) {
                        if (++s->bad <= TAIL_MAX_BAD_NOTES)
                                ctl_err("%s: a line that is not a JSON record is skipped%s", s->name,
                                        s->bad == TAIL_MAX_BAD_NOTES ? " (no more such notes)" : "");
                        continue;
                }
                order = filter_order(rec);
                if (!filter_match(&t->filter, rec, order)) {
                        json_object_put(rec);
                        continue;
                }
                if (t->json && !(s->head_line = strndup(line, len))) {
                        json_object_put(rec);
                        return -ENOMEM;
                }
                s->head = rec;
                s->head_len = len;
                s->head_order = order;
        }
        return 1;
}

/* ---- output ----------------------------------------------------------- */

static void tail_print(struct tail *t, struct json_object *rec, const char *line, size_t len)
{
        if (t->json) {
                fwrite(line, 1, len, stdout);
                fputc('\n', stdout);
        } else {
                render_record(stdout, rec, t->colour);
        }
}

/* The ring of the last -n records; takes rec and line. */
static void tail_ring_put(struct tail *t, struct json_object *rec, char *line, size_t len)
{
        struct tail_ring_item *it;

        if (t->lines == 0) {
                json_object_put(rec);
                free(line);
                return;
        }
        it = &t->ring[(t->ring_head + t->ring_n) % (size_t)t->lines];
        if (t->ring_n == (size_t)t->lines) {
                it = &t->ring[t->ring_head];
                json_object_put(it->rec);
                free(it->line);
                t->ring_head = (t->ring_head + 1) % (size_t)t->lines;
        } else {
                t->ring_n++;
        }
        *it = (struct tail_ring_item){ rec, line, len };
}

static void tail_ring_flush(struct tail *t)
{
        for (size_t i = 0; i < t->ring_n; i++) {
                struct tail_ring_item *it = &t->ring[(t->ring_head + i) % (size_t)t->lines];

                tail_print(t, it->rec, it->line, it->len);
                json_object_put(it->rec);
                free(it->line);
        }
        t->ring_n = t->ring_head = 0;
}

/* Merge what both streams hold now, oldest write first.  to_ring: keep
 * the last -n instead of printing.  0 or -errno (reported). */
static int tail_pump(struct tail *t, bool to_ring)
{
        for (;;) {
                struct tail_stream *pick = NULL;

                for (size_t i = 0; i < ELEMENTSOF(t->streams); i++) {
                        struct tail_stream *s = &t->streams[i];
                        int r;

                        if (!s->on)
                                continue;
                        r = tail_stream_fill(t, s);
                        if (r < 0) {
                                ctl_err("%s/%s: %s", t->dir, s->name, strerror(-r));
                                return r;
                        }
                        if (s->head && (!pick || s->head_order < pick->head_order))
                                pick = s;
                }
                if (!pick)
                        return 0;
                if (to_ring) {
                        tail_ring_put(t, pick->head, pick->head_line, pick->head_len);
                        pick->head = NULL;
                        pick->head_line = NULL;
                } else {
                        tail_print(t, pick->head, pick->head_line, pick->head_len);
                        tail_stream_drop_head(pick);
                }
        }
}

/* stdout after a batch: 0, or 1 when the reader went away (EPIPE: done). */
static int tail_flush(void)
{
        if (fflush(stdout) == 0 && !ferror(stdout))
                return 0;
        if (errno != EPIPE)
                ctl_err("standard output: %s", strerror(errno));
        return errno == EPIPE ? 1 : -EIO;
}

/* -f: print what arrives until killed or the reader goes away. */
static int tail_follow(struct tail *t)
{
        _cleanup_close_ int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        char evbuf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool watching = ifd >= 0 && inotify_add_watch(ifd, t->dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO |
                                                                   IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE) >= 0;
        int r;

        for (;;) {
                struct pollfd p = { .fd = ifd, .events = POLLIN };

                r = tail_pump(t, false);
                if (r < 0)
                        return CTL_EXIT_ERROR;
                r = tail_flush();
                if (r != 0)
                        return r > 0 ? CTL_EXIT_OK : CTL_EXIT_ERROR;
                if (poll(&p, watching ? 1 : 0, watching ? TAIL_POLL_INOTIFY_MS : TAIL_POLL_MS) < 0 &&
                    errno != EINTR) {
                        ctl_err("poll: %s", strerror(errno));
                        return CTL_EXIT_ERROR;
                }
                while (watching && read(ifd, evbuf, sizeof(evbuf)) > 0)
                        ;       /* which file changed does not matter: both are read */
        }
}

/* ---- command ---------------------------------------------------------- */

static void tail_usage(FILE *f)
{
        fprintf(f,
"Usage: spoorctl tail [-f] [-n N|all] [--kind KIND,...] [--level LEVEL,...] [--host GLOB]\n"
"                     [--rule ID|GLOB] [--since TIME|DURATION] [--json] [--spool DIR | -c CONFIG]\n"
"\n"
"Print the leads (leads.jsonl) and gaps (gaps.jsonl) in spoord's spool, one line each, in\n"
"the order spoord wrote them: time, level (gap-open / gap-closed for gaps), host, the rule\n"
"title or the gap kind and its evidence, and the start of the record's id.  Coloured by\n"
"level on a terminal (unless NO_COLOR is set), plain text when piped.\n"
"\n"
"  -f, --follow        keep printing records as spoord appends them; follows rotation\n"
"                      (leads.jsonl renamed to leads-<stamp>.jsonl): the renamed file is\n"
"                      read to its end, then the new one from its start\n"
"  -n, --lines N|all   print the last N records already there (default 10; all with --since)\n"
"      --kind K,...    lead, gap, a lead kind (match, correlation, escalation, summary) or a\n"
"                      gap kind (channel_missing, field_missing, events_lost, audit_off, ...)\n"
"      --level L,...   leads of these rule levels (informational|info, low, medium, high,\n"
"                      critical; L+ = L and above); gaps have no level and are left out\n"
"      --host GLOB     records of matching hosts (shell pattern, case-insensitive)\n"
"      --rule ID|GLOB  leads of matching rules (id or title); gaps that blind such a rule\n"
"      --since T       records spoord wrote at or after T: a duration back from now (90s,\n"
"                      15m, 1h, 2d, 1w, 1h30m) or an RFC 3339 time (2026-11-22T10:00:00Z);\n"
"                      rotated files that can hold such records are read too\n"
"      --json          the records exactly as written, one per line (for jq)\n"
"      --spool DIR     the spool directory\n"
"  -c, --config FILE   take the spool directory from spoord's configuration (spool.dir)\n"
"  -h, --help          this text\n"
"\n"
"Without --spool or -c: %s when it exists, else %s.\n"
"Exit status: 0 success, 1 error (spool unreadable), 2 usage.\n",
                CTL_SPOOL_SYSTEM, CTL_SPOOL_LOCAL);
}

static int tail_parse_lines(const char *s, long *out)
{
        char *end;
        long n;

        if (strcmp(s, "all") == 0) {
                *out = -1;
                return 0;
        }
        errno = 0;
        n = strtol(s, &end, 10);
        if (errno || end == s || *end || n < 0 || n > 10000000)
                return -EINVAL;
        *out = n;
        return 0;
}

static void tail_fini(struct tail *t)
{
        for (size_t i = 0; i < ELEMENTSOF(t->streams); i++) {
                struct tail_stream *s = &t->streams[i];

                tail_stream_drop_head(s);
                follow_fini(&s->live);
                if (s->old_open)
                        follow_fini(&s->old);
                ctl_rotated_free(s->older, s->nolder);
        }
        for (size_t i = 0; i < t->ring_n; i++) {
                struct tail_ring_item *it = &t->ring[(t->ring_head + i) % (size_t)t->lines];

                json_object_put(it->rec);
                free(it->line);
        }
        free(t->ring);
        if (t->dirfd >= 0)
                close(t->dirfd);
}

/* Parse the options into t.  0, or an exit code. */
static int tail_options(struct tail *t, int argc, char **argv, struct config **cfg)
{
        enum { OPT_KIND = 256, OPT_LEVEL, OPT_HOST, OPT_RULE, OPT_SINCE, OPT_JSON, OPT_SPOOL };
        static const struct option opts[] = {
                { "follow", no_argument, NULL, 'f' },
                { "lines", required_argument, NULL, 'n' },
                { "kind", required_argument, NULL, OPT_KIND },
                { "level", required_argument, NULL, OPT_LEVEL },
                { "host", required_argument, NULL, OPT_HOST },
                { "rule", required_argument, NULL, OPT_RULE },
                { "since", required_argument, NULL, OPT_SINCE },
                { "json", no_argument, NULL, OPT_JSON },
                { "spool", required_argument, NULL, OPT_SPOOL },
                { "config", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *config_path = NULL, *spool = NULL, *lines = NULL;
        int c;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":fn:c:h", opts, NULL)) != -1) {
                switch (c) {
                case 'f': t->follow = true; break;
                case 'n': lines = optarg; break;
                case OPT_KIND:
                        if (filter_parse_kinds(&t->filter, optarg) < 0)
                                return CTL_EXIT_USAGE;
                        break;
                case OPT_LEVEL:
                        if (filter_parse_levels(&t->filter, optarg) < 0)
                                return CTL_EXIT_USAGE;
                        break;
                case OPT_HOST: t->filter.host = optarg; break;
                case OPT_RULE: t->filter.rule = optarg; break;
                case OPT_SINCE:
                        if (ctl_parse_since(optarg, timefmt_now_us(), &t->filter.since_us) < 0) {
                                ctl_err("tail: --since %s: not a duration (1h, 30m, 2d) or an RFC 3339 time",
                                        optarg);
                                return CTL_EXIT_USAGE;
                        }
                        t->filter.by_since = true;
                        break;
                case OPT_JSON: t->json = true; break;
                case OPT_SPOOL: spool = optarg; break;
                case 'c': config_path = optarg; break;
                case 'h': tail_usage(stdout); return CTL_EXIT_OK;
                case ':':
                        ctl_err("tail: %s needs a value (see spoorctl tail --help)", argv[optind - 1]);
                        return CTL_EXIT_USAGE;
                default:
                        ctl_err("tail: unknown option %s (see spoorctl tail --help)", argv[optind - 1]);
                        return CTL_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                ctl_err("tail: unexpected argument '%s' (see spoorctl tail --help)", argv[optind]);
                return CTL_EXIT_USAGE;
        }
        if (spool && config_path) {
                ctl_err("tail: --spool and -c are exclusive");
                return CTL_EXIT_USAGE;
        }
        t->lines = t->filter.by_since ? -1 : TAIL_DEFAULT_LINES;
        if (lines && tail_parse_lines(lines, &t->lines) < 0) {
                ctl_err("tail: -n %s: not a count or 'all'", lines);
                return CTL_EXIT_USAGE;
        }
        if (config_path && ctl_config_load(config_path, cfg) < 0)
                return CTL_EXIT_USAGE;
        t->dir = ctl_spool_dir(spool, *cfg);
        return 0;
}

int ctl_tail(int argc, char **argv)
{
        struct tail t = { .dirfd = -1 };
        struct config *cfg = NULL;
        bool want_leads = false, want_gaps = false;
        int r;

        r = tail_options(&t, argc, argv, &cfg);
        if (r != 0 || !t.dir)
                goto out;
        t.colour = !t.json && ctl_use_colour(stdout);
        for (size_t i = 0; i < t.filter.nkinds; i++) {
                bool lead = filter_kind_is_lead(t.filter.kinds[i]);

                want_leads |= lead;
                want_gaps |= !lead;
        }
        if (!t.filter.nkinds)
                want_leads = want_gaps = true;
        if (t.filter.by_level)
                want_gaps = false;
        t.dirfd = open(t.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t.dirfd < 0) {
                int e = errno;

                ctl_err("tail: spool %s: %s%s", t.dir, strerror(e),
                        e == EACCES ? " (the spool is readable by spoord's group, spoor)" : "");
                r = CTL_EXIT_ERROR;
                goto out;
        }
        if (t.lines > 0 && !(t.ring = calloc((size_t)t.lines, sizeof(*t.ring)))) {
                ctl_err("out of memory");
                r = CTL_EXIT_ERROR;
                goto out;
        }
        for (size_t i = 0; i < ELEMENTSOF(t.streams); i++) {
                struct tail_stream *s = &t.streams[i];

                s->label = i == 0 ? "leads" : "gaps";
                snprintf(s->name, sizeof(s->name), "%s.jsonl", s->label);
                s->on = i == 0 ? want_leads : want_gaps;
                /* -n 0 without --since: only what comes, skip reading what is there */
                r = follow_init(&s->live, t.dirfd, s->name, t.lines == 0 && !t.filter.by_since);
                if (r == 0 && s->on && t.filter.by_since)
                        r = tail_list_older(&t, s, t.filter.since_us);
                if (r < 0) {
                        ctl_err("spool %s/%s: %s", t.dir, s->name, strerror(-r));
                        r = CTL_EXIT_ERROR;
                        goto out;
                }
                s->live.note = tail_note;
        }
        /* what is there now */
        if (tail_pump(&t, t.lines >= 0) < 0) {
                r = CTL_EXIT_ERROR;
                goto out;
        }
        tail_ring_flush(&t);
        r = tail_flush();
        if (r != 0) {
                r = r > 0 ? CTL_EXIT_OK : CTL_EXIT_ERROR;
                goto out;
        }
        r = t.follow ? tail_follow(&t) : CTL_EXIT_OK;
out:
        tail_fini(&t);
        config_free(cfg);
        return r;
}
