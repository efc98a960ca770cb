/* `spoord --replay FILE...`: files (JSON lines or syslog-framed lines, "-"
 * for stdin) through the same framing and decoding as a live connection.
 * With --dump-events every decoded event is printed as one canonical JSON
 * line and every rejected frame's reason goes to stderr. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/log.h"
#include "spoor/spoord.h"
#include "spoor/timefmt.h"

#define REPLAY_READ_CHUNK (256 * 1024)

struct replay {
        const struct replay_opts *o;
        struct engine engine;
        const char *file;
        uint64_t line;          /* line of the frame being processed */
        uint64_t rejected;
};

/* One canonical JSON line per event: what spoord made of the input. */
static void replay_dump(const struct winevent *ev)
{
        _cleanup_json_ struct json_object *o = json_object_new_object();
        struct json_object *fields = json_object_new_object();
        char t[TIMEFMT_MAX], r[TIMEFMT_MAX];

        json_object_object_add(o, "time", json_object_new_string(timefmt_format(ev->time_us, t)));
        json_object_object_add(o, "received", json_object_new_string(timefmt_format(ev->recv_us, r)));
        json_object_object_add(o, "host", json_object_new_string(ev->host));
        json_object_object_add(o, "channel", json_object_new_string(ev->channel));
        json_object_object_add(o, "provider", json_object_new_string(ev->provider ? ev->provider : ""));
        json_object_object_add(o, "event_id", json_object_new_int((int32_t)ev->event_id));
        json_object_object_add(o, "record_id",
                               ev->has_record_id ? json_object_new_uint64(ev->record_id) : NULL);
        json_object_object_add(o, "dialect", json_object_new_string(dialect_name(ev->dialect)));
        for (size_t i = 0; i < ev->nfields; i++)
                json_object_object_add(fields, ev->fields[i].name,
                                       json_object_new_string_len(ev->fields[i].value, (int)ev->fields[i].len));
        json_object_object_add(o, "fields", fields);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void replay_event(void *ud, struct winevent *ev)
{
        struct replay *rp = ud;

        if (rp->o->dump_events)
                replay_dump(ev);        /* before rules add derived fields */
        engine_event(&rp->engine, ev);
}

static void replay_prepare(void *ud, struct winevent *ev)
{
        struct replay *rp = ud;

        engine_prepare(&rp->engine, ev);
}

static void replay_reject(void *ud, const struct pipeline_src *src, enum reject_reason why,
                          const char *detail, const char *data, size_t len)
{
        struct replay *rp = ud;

        rp->rejected++;
        engine_reject(&rp->engine, src->name, why, data, len);
        /* src, not rp->file and rp->line: on the engine thread, the reader
         * has moved on */
        if (rp->o->dump_events)
                fprintf(stderr, "%s:%llu: rejected (%s)%s%s\n", src->name, (unsigned long long)src->pos,
                        reject_reason_name(why), detail && *detail ? ": " : "", detail ? detail : "");
        else
                log_limited(why, LOG_WARNING, "%s:%llu: rejected (%s)%s%s", src->name,
                            (unsigned long long)src->pos, reject_reason_name(why),
                            detail && *detail ? ": " : "", detail ? detail : "");
}

static void replay_accepted(void *ud, const struct pipeline_src *src, size_t len, const struct winevent *ev)
{
        struct replay *rp = ud;

        engine_accepted(&rp->engine, src->name, len, ev->time_us);
}

static uint64_t replay_count_lf(const char *p, size_t n)
{
        uint64_t lines = 0;
        const char *end = p + n;

        while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
                lines++;
                p++;
        }
        return lines;
}

/* Feed one file through the framer and the pipeline.  0 or -errno. */
static int replay_file(struct pipeline *pipe, struct replay *rp, const char *path,
                       struct timefmt_zone *zone, size_t max_frame)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t cap = max_frame + REPLAY_READ_CHUNK, len = 0;
        struct framer fr;
        struct pipeline_src src = { .zone = zone };
        bool eof = false;

        if (strcmp(path, "-") == 0) {
                fd = dup(STDIN_FILENO);
                rp->file = "<stdin>";
        } else {
                fd = open(path, O_RDONLY | O_CLOEXEC);
                rp->file = path;
        }
        if (fd < 0)
                return -errno;
        src.name = rp->file;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        framer_init(&fr, FRAMING_AUTO, max_frame);
        rp->line = 1;

        while (!eof) {
                size_t off = 0;
                ssize_t n;

                if (len == cap)         /* the framer always consumes a full buffer */
                        return -EOVERFLOW;
                n = read(fd, buf + len, cap - len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        eof = true;
                len += (size_t)n;
                metrics.bytes_received += (uint64_t)n;
                for (;;) {
                        struct frame f;
                        size_t used = framer_next(&fr, buf + off, len - off, eof, &f);
                        uint64_t line0 = rp->line;

                        if (f.kind == FRAME_MSG) {
                                rp->line += replay_count_lf(buf + off, (size_t)(f.data - (buf + off)));
                                src.pos = rp->line;
                                pipeline_frame(pipe, &src, &f);
                        } else if (f.kind == FRAME_REJECT) {
                                src.pos = rp->line;
                                pipeline_frame(pipe, &src, &f);
                        } else if (f.kind == FRAME_CLOSE) {
                                fprintf(stderr, "%s: starts with a TLS handshake byte: not a log file\n",
                                        rp->file);
                                return -EINVAL;
                        }
                        rp->line = line0 + replay_count_lf(buf + off, used);
                        off += used;
                        if (used == 0 && f.kind == FRAME_NONE)
                                break;
                }
                memmove(buf, buf + off, len - off);
                len -= off;
        }
        pipeline_flush(pipe);
        return 0;
}

int replay_run(struct config *cfg, struct ruleset *rs, char **files, int nfiles, const struct replay_opts *o)
{
        struct replay rp = { .o = o, .engine = { .rs = rs } };
        struct pipeline_sink sink = {
                .event = replay_event,
                .reject = replay_reject,
                .accepted = replay_accepted,
                /* --dump-events shows events as decoded: nothing added before */
                .prepare = o->dump_events ? NULL : replay_prepare,
                .prepare_size = o->dump_events ? 0 : ENGINE_PREP_SIZE,
                .ud = &rp,
        };
        struct pipeline pipe;
        struct timefmt_zone zone = cfg->listen[0].zone;
        int rc = 0;

        if (o->timezone && timefmt_zone_init(&zone, o->timezone) < 0) {
                fprintf(stderr, "spoord: --timezone %s: unknown time zone\n", o->timezone);
                engine_fini(&rp.engine);
                return 2;
        }
        rp.engine.replay = true;
        if (engine_configure(&rp.engine, cfg) < 0) {
                fprintf(stderr, "spoord: out of memory\n");
                engine_fini(&rp.engine);
                return 1;
        }
        if (rs && ruleset_rule_count(rs) > 0) {
                char err[512];

                if (engine_open_spool(&rp.engine, cfg, o->spool_dir, err, sizeof(err)) < 0) {
                        fprintf(stderr, "spoord: %s\n", err);
                        engine_fini(&rp.engine);
                        return 1;
                }
        }
        if (pipeline_init(&pipe, (int)cfg->limits.max_json_depth, &sink) < 0) {
                fprintf(stderr, "spoord: out of memory\n");
                engine_fini(&rp.engine);
                return 1;
        }
        if (cfg->engine_thread) {
                int r = pipeline_start_worker(&pipe, 0);
                if (r < 0)
                        fprintf(stderr, "spoord: engine thread: cannot start it (%s); one thread does everything\n",
                                strerror(-r));
        }
        for (int i = 0; i < nfiles; i++) {
                int r = replay_file(&pipe, &rp, files[i], &zone, cfg->limits.max_frame_bytes);
                if (r < 0) {
                        fprintf(stderr, "spoord: %s: %s\n", files[i], strerror(-r));
                        rc = 1;
                }
        }
        pipeline_sync(&pipe);   /* the engine is ours again */
        if (rp.engine.corr) {
                const struct corr_stats *st = correlator_stats(rp.engine.corr);

                fprintf(stderr, "spoord: replay: correlation: %zu windows open at end of input, %zu state bytes "
                        "(peak %zu, bound %zu), %llu evicted\n", st->groups, st->state_bytes, st->state_bytes_peak,
                        rp.engine.corr_opts.max_state_bytes, (unsigned long long)st->evicted);
        }
        /* end of input: every open correlation window is decided */
        engine_advance(&rp.engine, INT64_MAX);
        fflush(stdout);
        fprintf(stderr, "spoord: replay: %llu received, %llu accepted, %llu rejected\n",
                (unsigned long long)metrics.events_received, (unsigned long long)metrics.events_accepted,
                (unsigned long long)metrics_rejected_total());
        if (rp.engine.rs)
                fprintf(stderr, "spoord: replay: %llu leads from %zu rules (%.2f candidate rules per event)\n",
                        (unsigned long long)rp.engine.leads, ruleset_rule_count(rp.engine.rs),
                        rp.engine.events ? (double)rp.engine.candidates / (double)rp.engine.events : 0.0);
        pipeline_fini(&pipe);
        engine_fini(&rp.engine);
        return rc;
}
