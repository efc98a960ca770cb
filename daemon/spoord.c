/* The serving daemon: event base, signals, systemd notification, reload. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "coverage/persist.h"
#include "spoor/cleanup.h"
#include "spoor/firstseen.h"
#include "spoor/log.h"
#include "spoor/spoord.h"
#include "spoor/state.h"
#include "spoor/timefmt.h"
#include "spoor-config.h"

#define STATUS_INTERVAL_S 5
#define STATE_FILE "correlation.state"
#define FS_STATE_FILE "first_seen.state"
#define COV_STATE_FILE "coverage.state"
#define MARKER_FILE "running"          /* present while spoord runs: left behind, the run did not end cleanly */
#define STATE_LOG_KEY 310

static void spoord_event(void *ud, struct winevent *ev)
{
        struct spoord *d = ud;

        engine_event(&d->engine, ev);
}

void spoord_sync(struct spoord *d)
{
        pipeline_sync(&d->pipe);
}

/* On the engine thread, in order with the events. */
static void spoord_tick(void *arg, int64_t now_us)
{
        struct spoord *d = arg;

        /* processing time moves correlation watermarks while input is idle */
        engine_advance(&d->engine, now_us);
        if (d->engine.spool)
                spool_tick(d->engine.spool);
}

static void spoord_prepare(void *ud, struct winevent *ev)
{
        struct spoord *d = ud;

        engine_prepare(&d->engine, ev);
}

static void spoord_spool_cb(evutil_socket_t fd, short what, void *arg)
{
        struct spoord *d = arg;

        pipeline_call(&d->pipe, spoord_tick, d, timefmt_now_us());
}

/* ---- state across restarts ------------------------------------------------ */

static int spoord_state_fill(void *ud, struct state_writer *w)
{
        return engine_state_save(ud, w);
}

static int spoord_fs_fill(void *ud, struct state_writer *w)
{
        return engine_first_seen_save(ud, w);
}

static int spoord_cov_fill(void *ud, struct state_writer *w)
{
        const struct engine *e = ud;

        return coverage_save(e->cov, w);
}

/* One state file; false (logged, counted) when it could not be written. */
static bool spoord_state_save_file(struct spoord *d, const char *file, int (*fill)(void *ud, struct state_writer *w),
                                   int log_key)
{
        int r = state_save(d->state_dirfd, file, fill, &d->engine);

        if (r < 0) {
                metrics.state_saves_failed++;
                log_limited(log_key, LOG_ERR, "state: cannot save %s/%s: %s", d->state_dir, file, strerror(-r));
                return false;
        }
        return true;
}

/* Every state file.  True when all were written (or there is nothing to
 * save). */
static bool spoord_state_save(struct spoord *d)
{
        bool ok;

        if (d->state_dirfd < 0)
                return true;
        /* the first_seen baselines and the coverage model, in their own files
         * (include/spoor/firstseen.h, include/spoor/coverage.h) */
        ok = spoord_state_save_file(d, FS_STATE_FILE, spoord_fs_fill, STATE_LOG_KEY + 1);
        ok = spoord_state_save_file(d, COV_STATE_FILE, spoord_cov_fill, STATE_LOG_KEY + 2) && ok;
        if (!spoord_state_save_file(d, STATE_FILE, spoord_state_fill, STATE_LOG_KEY))
                return false;
        metrics.state_saves_ok++;
        return ok;
}

static void spoord_state_cb(evutil_socket_t fd, short what, void *arg)
{
        spoord_sync(arg);
        spoord_state_save(arg);
}

/* Read one state file and hand it to `restore`, before any event: a
 * missing file is a first start; an unusable one is moved aside and spoord
 * starts without it, saying why.  Never fails the start.  True when the
 * file was restored. */
static bool spoord_restore_file(struct spoord *d, const char *file, const char *what,
                                int (*restore)(void *ud, struct state_reader *rd), void *ud)
{
        _cleanup_free_ void *buf = NULL;
        struct state_reader rd;
        const char *why;
        char aside[512];
        size_t len = 0;
        int r = state_read(d->state_dirfd, file, &buf, &len);

        if (r == -ENOENT) {
                log_info("state: no %s/%s yet (first start): %s start empty", d->state_dir, file, what);
                return false;
        }
        if (r == -ELOOP)
                why = "a symbolic link";
        else if (r == -EINVAL)
                why = "not a regular file";
        else if (r < 0) {
                log_warn("state: cannot read %s/%s: %s; %s start empty", d->state_dir, file, strerror(-r), what);
                return false;
        } else {
                r = state_reader_open(&rd, buf, len);
                if (r == 0) {
                        r = restore(ud, &rd);
                        if (r == -ENOMEM) {
                                log_warn("state: %s/%s: out of memory while restoring; %s start empty",
                                         d->state_dir, file, what);
                                return false;
                        }
                }
                why = rd.why;
        }
        if (r == 0)
                return true;
        r = state_move_aside(d->state_dirfd, file, aside, sizeof(aside));
        if (r < 0)
                log_warn("state: %s/%s is unusable (%s) and cannot be moved aside (%s); %s start empty",
                         d->state_dir, file, why, strerror(-r), what);
        else
                log_warn("state: %s/%s is unusable (%s): moved aside to %s/%s; %s start empty",
                         d->state_dir, file, why, d->state_dir, aside, what);
        return false;
}

static int spoord_state_load(void *ud, struct state_reader *rd)
{
        return engine_state_restore(ud, rd);
}

static void spoord_state_restore(struct spoord *d)
{
        const struct corr_stats *st;

        if (!spoord_restore_file(d, STATE_FILE, "correlation windows", spoord_state_load, &d->engine))
                return;
        st = d->engine.corr ? correlator_stats(d->engine.corr) : NULL;
        metrics.state_restored_windows = st ? st->restored : 0;
        if (!st)
                log_notice("state: %s/%s not used: no correlation rules are loaded", d->state_dir, STATE_FILE);
        else
                log_notice("state: restored %" PRIu64 " correlation windows from %s/%s (%" PRIu64
                           " dropped: their correlations are gone or changed)",
                           st->restored, d->state_dir, STATE_FILE, st->restore_dropped);
}

static int spoord_fs_load(void *ud, struct state_reader *rd)
{
        return engine_first_seen_restore(ud, rd);
}

static void spoord_fs_restore(struct spoord *d)
{
        const struct firstseen_stats *st;

        if (!spoord_restore_file(d, FS_STATE_FILE, "first_seen baselines", spoord_fs_load, &d->engine) ||
            !d->engine.fs)
                return;
        st = firstseen_stats(d->engine.fs);
        log_notice("state: restored %" PRIu64 " first_seen entries from %s/%s (%" PRIu64
                   " dropped: their correlations are gone or changed; %" PRIu64 " older than history)",
                   st->restored, d->state_dir, FS_STATE_FILE, st->restore_dropped, st->expired);
}

struct spoord_cov_load {
        struct coverage *cov;
        struct coverage_restored st;
};

static int spoord_cov_load(void *ud, struct state_reader *rd)
{
        struct spoord_cov_load *l = ud;

        return coverage_restore_counted(l->cov, rd, &l->st);
}

static void spoord_cov_restore(struct spoord *d)
{
        struct spoord_cov_load l = { .cov = d->engine.cov };

        if (!spoord_restore_file(d, COV_STATE_FILE, "the coverage model and its open gaps", spoord_cov_load, &l))
                return;
        log_notice("state: restored %" PRIu64 " hosts and %" PRIu64 " open gaps from %s/%s", l.st.hosts, l.st.gaps,
                   d->state_dir, COV_STATE_FILE);
        if (l.st.hosts_dropped || l.st.chans_dropped || l.st.gaps_skipped)
                log_notice("state: %s/%s: %" PRIu64 " hosts beyond the host bound and %" PRIu64 " channels beyond "
                           "%d on a host dropped; %" PRIu64 " gaps of kinds this spoord does not know skipped",
                           d->state_dir, COV_STATE_FILE, l.st.hosts_dropped, l.st.chans_dropped,
                           COVERAGE_MAX_CHANS, l.st.gaps_skipped);
}

/* ---- the crash marker and state_lost ---------------------------------------
 *
 * MARKER_FILE holds the pid and start time of the running spoord: written
 * at start (atomically), removed after the last state save of a clean
 * exit.  Found at start, the previous run crashed or was killed: what it
 * received after its last save is in no state file, and a state_lost gap
 * opens (host "*", receive time).  It closes when every correlation window
 * the lost events could have been in has been decided: the longest
 * timespan of the loaded windowed correlations plus time.allowed_lateness,
 * of processing (wall-clock) time after the start that found it; without
 * windowed correlations, one state.interval (by then the state is whole
 * again on disk).  The close is computed from its opening time, so one
 * saved open (a clean restart before it closed) closes on time. */

/* The oldest modification time of the state files present (0: none). */
static int64_t spoord_state_saved_us(const struct spoord *d)
{
        static const char *const files[] = { STATE_FILE, FS_STATE_FILE, COV_STATE_FILE };
        int64_t oldest = 0;

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                struct stat st;
                int64_t t;

                if (fstatat(d->state_dirfd, files[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                t = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
                if (!oldest || t < oldest)
                        oldest = t;
        }
        return oldest;
}

static int64_t spoord_state_lost_after(const struct spoord *d)
{
        int64_t longest = coverage_longest_window(d->engine.cov);

        if (!longest)
                return (int64_t)d->cfg->state_interval_s * 1000000;
        return longest + d->engine.corr_opts.allowed_lateness_us;
}

static void spoord_state_lost_cb(evutil_socket_t fd, short what, void *arg);

/* Close the state_lost gaps that are due; wake up for the next one. */
static void spoord_state_lost_check(struct spoord *d)
{
        int64_t now = timefmt_now_us();
        int64_t next = coverage_state_lost_due(d->engine.cov, now, d->state_lost_after_us);
        struct timeval tv;

        if (next == INT64_MAX)
                return;
        if (!d->state_lost_timer && !(d->state_lost_timer = evtimer_new(d->base, spoord_state_lost_cb, d))) {
                log_error("state: out of memory: the state_lost gap will not close");
                return;
        }
        next -= now;
        tv.tv_sec = (time_t)(next / 1000000);
        tv.tv_usec = (suseconds_t)(next % 1000000);
        evtimer_add(d->state_lost_timer, &tv);
}

static void spoord_state_lost_cb(evutil_socket_t fd, short what, void *arg)
{
        spoord_sync(arg);
        spoord_state_lost_check(arg);
}

/* The marker a previous run left behind (its text): open the state_lost
 * gap and say why. */
static void spoord_state_lost(struct spoord *d, const char *marker)
{
        char prev[128], saved[160], evidence[768], remedy[768], id[RECORD_ID_LEN + 1], t[TIMEFMT_MAX];
        char started[TIMEFMT_MAX] = "";
        int64_t now = timefmt_now_us(), saved_us = spoord_state_saved_us(d);
        long pid = 0;

        if (sscanf(marker, "pid %ld started %39s", &pid, started) == 2)
                snprintf(prev, sizeof(prev), "spoord pid %ld (started %s)", pid, started);
        else
                snprintf(prev, sizeof(prev), "the previous spoord (its marker is unreadable)");
        if (saved_us)
                snprintf(saved, sizeof(saved), "; the state restored now was saved at %s, %llds before this start: "
                         "the events it received after that", timefmt_format(saved_us, t),
                         (long long)((now - saved_us) / 1000000));
        else
                snprintf(saved, sizeof(saved), " before it saved any state: the events it received");
        snprintf(evidence, sizeof(evidence), "%s did not stop cleanly (%s/%s was left behind)%s are missing from the "
                 "correlation windows, the first_seen baselines and the coverage model", prev, d->state_dir,
                 MARKER_FILE, saved);
        snprintf(remedy, sizeof(remedy), "find why spoord stopped (journalctl -u spoord around that time: a crash, "
                 "an out-of-memory kill, SIGKILL, a power loss); until this gap closes, correlations may miss matches "
                 "that began before the restart (their partial matches were lost), first_seen may report "
                 "combinations again, and gaps opened after the last save may stay open in gaps.jsonl; a shorter "
                 "state.interval (now %" PRIu64 "s) loses less", d->cfg->state_interval_s);
        if (coverage_state_lost(d->engine.cov, evidence, remedy, now, id) < 0) {
                log_error("state: %s; out of memory: no state_lost gap", evidence);
                return;
        }
        log_warn("state: %s; state_lost gap %s opened, it closes in %llds", evidence, id,
                 (long long)(d->state_lost_after_us / 1000000));
}

/* At start, after the state files are restored: a marker left behind
 * opens state_lost; then this run's marker is written. */
static void spoord_marker_start(struct spoord *d)
{
        _cleanup_free_ void *buf = NULL;
        char text[256], t[TIMEFMT_MAX];
        size_t len = 0;
        int n, r = state_read(d->state_dirfd, MARKER_FILE, &buf, &len);

        d->state_lost_after_us = spoord_state_lost_after(d);
        if (r != -ENOENT) {
                if (r < 0)
                        len = 0;
                memcpy(text, buf ? buf : "", len < sizeof(text) ? len : sizeof(text) - 1);
                text[len < sizeof(text) ? len : sizeof(text) - 1] = '\0';
                spoord_state_lost(d, text);
        }
        spoord_state_lost_check(d);     /* this one, or one saved open */
        n = snprintf(text, sizeof(text), "pid %ld\nstarted %s\n", (long)getpid(),
                     timefmt_format(metrics.start_us, t));
        r = state_publish(d->state_dirfd, MARKER_FILE, text, (size_t)n);
        if (r < 0) {
                log_warn("state: cannot write %s/%s: %s; if this run crashes, the next start cannot say so",
                         d->state_dir, MARKER_FILE, strerror(-r));
                return;
        }
        d->marker = true;
}

/* At a clean exit, after the last save: remove the marker, unless that
 * save failed (the next start then reports the state as lost). */
static void spoord_marker_stop(struct spoord *d, bool saved)
{
        if (!d->marker)
                return;
        if (!saved) {
                log_warn("state: the last save failed: %s/%s stays, the next start reports state_lost", d->state_dir,
                         MARKER_FILE);
                return;
        }
        if (unlinkat(d->state_dirfd, MARKER_FILE, 0) < 0 || fsync(d->state_dirfd) < 0)
                log_warn("state: cannot remove %s/%s: %s; the next start reports state_lost", d->state_dir,
                         MARKER_FILE, strerror(errno));
}

static int spoord_state_setup(struct spoord *d)
{
        struct timeval tv = { (time_t)d->cfg->state_interval_s, 0 };
        char err[512];
        int fd;

        d->state_dir = strdup(d->cfg->state_dir);
        if (!d->state_dir)
                return -ENOMEM;
        fd = state_dir_open(d->state_dir, err, sizeof(err));
        if (fd < 0) {
                log_error("%s", err);
                return fd;
        }
        d->state_dirfd = fd;
        spoord_state_restore(d);
        spoord_fs_restore(d);
        spoord_cov_restore(d);
        spoord_marker_start(d);
        d->state_timer = event_new(d->base, -1, EV_PERSIST, spoord_state_cb, d);
        if (!d->state_timer)
                return -ENOMEM;
        event_add(d->state_timer, &tv);
        return 0;
}

/* Reload: carry the windows of the correlations that stay across the
 * rebuild (the same save/restore by rule id, in memory). */
static bool spoord_state_keep(struct spoord *d, struct state_writer *w)
{
        if (state_writer_init_mem(w) < 0)
                return false;
        if (engine_state_save(&d->engine, w) < 0 || state_writer_finish(w) < 0) {
                state_writer_fini(w);
                return false;
        }
        return true;
}

static void spoord_state_carry(struct spoord *d, struct state_writer *w)
{
        struct state_reader rd;
        const struct corr_stats *st;
        int r = state_reader_open(&rd, w->buf, w->len);

        if (r == 0)
                r = engine_state_restore(&d->engine, &rd);
        state_writer_fini(w);
        if (r < 0) {
                log_warn("reload: correlation windows restart empty: %s", r == -ENOMEM ? "out of memory" : rd.why);
                return;
        }
        st = d->engine.corr ? correlator_stats(d->engine.corr) : NULL;
        if (st && (st->restored || st->restore_dropped))
                log_info("reload: kept %" PRIu64 " correlation windows (%" PRIu64
                         " dropped: their correlations are gone or changed)", st->restored, st->restore_dropped);
}

static void spoord_reject_log(void *ud, const struct pipeline_src *src, enum reject_reason why,
                              const char *detail, const char *data, size_t len)
{
        struct spoord *d = ud;

        engine_reject(&d->engine, src->name, why, data, len);
        log_limited(why, LOG_WARNING, "%s: frame %" PRIu64 " rejected (%s)%s%s", src->name, src->pos,
                    reject_reason_name(why), detail && *detail ? ": " : "", detail ? detail : "");
}

static void spoord_accepted(void *ud, const struct pipeline_src *src, size_t len, const struct winevent *ev)
{
        struct spoord *d = ud;

        engine_accepted(&d->engine, src->name, len, ev->time_us);
}

void spoord_notify_status(struct spoord *d)
{
        sd_notifyf(0, "STATUS=%s%" PRIu64 " received, %" PRIu64 " accepted, %" PRIu64
                   " rejected, %zu connections, %" PRIu64 " leads, %zu rules",
                   d->stopping ? "stopping: " : "", metrics.events_received, metrics.events_accepted,
                   metrics_rejected_total(), d->nconns, d->engine.leads, ruleset_rule_count(d->engine.rs));
}

static void spoord_status_cb(evutil_socket_t fd, short what, void *arg)
{
        spoord_sync(arg);
        spoord_notify_status(arg);
}

static void spoord_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
        sd_notify(0, "WATCHDOG=1");
}

static uint64_t spoord_monotonic_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int spoord_log_priority(const char *level)
{
        static const struct { const char *name; int prio; } levels[] = {
                { "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "notice", LOG_NOTICE },
                { "warning", LOG_WARNING }, { "error", LOG_ERR },
        };

        for (size_t i = 0; level && i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(level, levels[i].name) == 0)
                        return levels[i].prio;
        return LOG_INFO;
}

static bool spoord_str_differ(const char *a, const char *b)
{
        return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

static bool spoord_tls_changed(const struct listen_conf *a, const struct listen_conf *b)
{
        const struct listen_tls_conf *x = &a->tls, *y = &b->tls;

        if (spoord_str_differ(x->cert, y->cert) || spoord_str_differ(x->key, y->key) ||
            spoord_str_differ(x->ca, y->ca) || x->verify != y->verify ||
            x->handshake_timeout_s != y->handshake_timeout_s || x->nallowed_peers != y->nallowed_peers ||
            a->bind_host_to_peer != b->bind_host_to_peer)
                return true;
        for (size_t i = 0; i < x->nallowed_peers; i++)
                if (strcmp(x->allowed_peers[i], y->allowed_peers[i]) != 0)
                        return true;
        return false;
}

static bool spoord_listen_changed(const struct config *a, const struct config *b)
{
        if (a->nlisten != b->nlisten || a->http_enabled != b->http_enabled ||
            strcmp(a->http_address, b->http_address) != 0)
                return true;
        for (size_t i = 0; i < a->nlisten; i++)
                if (strcmp(a->listen[i].address, b->listen[i].address) != 0 ||
                    a->listen[i].framing != b->listen[i].framing ||
                    strcmp(a->listen[i].timezone, b->listen[i].timezone) != 0 ||
                    spoord_tls_changed(&a->listen[i], &b->listen[i]))
                        return true;
        return false;
}

/* SIGHUP and POST /v1/reload (include/spoor/spoord.h): load the
 * configuration beside the running one; apply what can change at run
 * time, keep the old one on any error. */
int spoord_reload(struct spoord *d, char *err, size_t errlen)
{
        struct config *nc = NULL;
        struct config_error cerr;
        struct ruleset *rs = NULL;
        struct ruleset_report rep;
        struct state_writer keep;
        bool kept;
        char mono[64];

        spoord_sync(d);
        if (err && errlen)
                err[0] = '\0';
        snprintf(mono, sizeof(mono), "MONOTONIC_USEC=%" PRIu64, spoord_monotonic_us());
        sd_notifyf(0, "RELOADING=1\n%s", mono);
        if (!d->config_path) {
                log_notice("reload: running on the built-in default configuration, nothing to reload");
                metrics.reloads_ok++;
                sd_notify(0, "READY=1");
                return 0;
        }
        if (config_load(d->config_path, &nc, &cerr) < 0) {
                metrics.reloads_failed++;
                log_error("reload failed, keeping the running configuration: %s", cerr.msg);
                sd_notifyf(0, "READY=1\nSTATUS=reload failed: %s", cerr.msg);
                if (err)
                        snprintf(err, errlen, "%s", cerr.msg);
                return -EINVAL;
        }
        /* The new rules are built beside the running ones. */
        if (engine_load_rules(nc, &rs, &rep) < 0) {
                metrics.reloads_failed++;
                log_error("reload failed, keeping the running rules: %s", rep.error);
                sd_notifyf(0, "READY=1\nSTATUS=reload failed: %s", rep.error);
                if (err)
                        snprintf(err, errlen, "%s", rep.error);
                ruleset_report_fini(&rep);
                config_free(nc);
                return -EINVAL;
        }
        /* Listeners and http are bound at start; the rest takes effect now
         * (the frame and connection limits apply to new connections). */
        if (spoord_listen_changed(d->cfg, nc))
                log_warn("reload: listen/http changes take effect only after a restart");
        if (nc->engine_thread != d->cfg->engine_thread)
                log_warn("reload: an engine_thread change takes effect only after a restart");
        for (size_t i = 0; i < d->nlisteners; i++)
                if (d->listeners[i].tls) {
                        log_info("reload: TLS certificates, keys and CAs are read at start: restart spoord "
                                 "to put renewed files to use");
                        break;
                }
        if (nc->limits.max_json_depth != d->cfg->limits.max_json_depth) {
                struct decoder *dec = decoder_new((int)nc->limits.max_json_depth);
                if (!dec) {
                        metrics.reloads_failed++;
                        config_free(nc);
                        log_error("reload failed, keeping the running configuration: out of memory");
                        sd_notify(0, "READY=1\nSTATUS=reload failed: out of memory");
                        ruleset_free(rs);
                        ruleset_report_fini(&rep);
                        if (err)
                                snprintf(err, errlen, "out of memory");
                        return -ENOMEM;
                }
                decoder_free(d->pipe.dec);
                d->pipe.dec = dec;
        }
        config_free(d->cfg);
        d->cfg = nc;
        log_set_max_priority(spoord_log_priority(nc->log_level));
        kept = spoord_state_keep(d, &keep);
        engine_swap(&d->engine, rs);
        if (engine_configure(&d->engine, nc) < 0)
                log_error("correlation windows: out of memory; correlations are off until the next reload");
        if (kept)
                spoord_state_carry(d, &keep);
        engine_log_report(&rep);
        ruleset_report_fini(&rep);
        metrics.reloads_ok++;
        log_notice("configuration reloaded from %s", d->config_path);
        sd_notify(0, "READY=1");
        spoord_notify_status(d);
        return 0;
}

static void spoord_signal_cb(evutil_socket_t sig, short what, void *arg)
{
        struct spoord *d = arg;

        spoord_sync(d);
        switch (sig) {
        case SIGTERM:
        case SIGINT:
                if (d->stopping)
                        return;
                log_notice("%s: draining connections and stopping", strsignal((int)sig));
                d->stopping = true;
                sd_notify(0, "STOPPING=1");
                event_base_loopexit(d->base, NULL);
                break;
        case SIGHUP:
                (void)spoord_reload(d, NULL, 0);        /* logged and counted there */
                break;
        case SIGUSR1:
                if (d->engine.spool && spool_reopen(d->engine.spool) == 0)
                        log_info("SIGUSR1: spool files reopened");
                break;
        default:
                break;
        }
}

static int spoord_setup(struct spoord *d)
{
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
        struct timeval status_tv = { STATUS_INTERVAL_S, 0 };
        uint64_t wd_usec = 0;
        struct pipeline_sink sink = { .event = spoord_event, .reject = spoord_reject_log,
                                      .accepted = spoord_accepted, .prepare = spoord_prepare,
                                      .prepare_size = ENGINE_PREP_SIZE, .ud = d };
        struct timeval spool_tv = { 0, 250000 };
        char err[512];
        int r;

        signal(SIGPIPE, SIG_IGN);
        d->base = event_base_new();
        if (!d->base)
                return -ENOMEM;
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
                d->signals[i] = evsignal_new(d->base, sigs[i], spoord_signal_cb, d);
                if (!d->signals[i] || evsignal_add(d->signals[i], NULL) < 0)
                        return -ENOMEM;
        }
        r = engine_configure(&d->engine, d->cfg);
        if (r < 0)
                return r;
        r = engine_open_spool(&d->engine, d->cfg, NULL, err, sizeof(err));
        if (r < 0) {
                log_error("%s", err);
                return r;
        }
        d->spool_timer = event_new(d->base, -1, EV_PERSIST, spoord_spool_cb, d);
        if (!d->spool_timer)
                return -ENOMEM;
        event_add(d->spool_timer, &spool_tv);
        r = spoord_state_setup(d);     /* before any event is processed */
        if (r < 0)
                return r;
        r = pipeline_init(&d->pipe, (int)d->cfg->limits.max_json_depth, &sink);
        if (r < 0)
                return r;
        if (d->cfg->engine_thread && (r = pipeline_start_worker(&d->pipe, 0)) < 0)
                log_warn("engine thread: cannot start it (%s); one thread does everything", strerror(-r));
        r = listener_open_all(d);
        if (r < 0)
                return r;
        r = http_open(d);
        if (r < 0)
                return r;

        d->status_timer = event_new(d->base, -1, EV_PERSIST, spoord_status_cb, d);
        if (!d->status_timer)
                return -ENOMEM;
        event_add(d->status_timer, &status_tv);
        if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
                struct timeval wd_tv = { (time_t)(wd_usec / 2000000u), (suseconds_t)(wd_usec / 2 % 1000000u) };
                d->watchdog_timer = event_new(d->base, -1, EV_PERSIST, spoord_watchdog_cb, d);
                if (!d->watchdog_timer)
                        return -ENOMEM;
                event_add(d->watchdog_timer, &wd_tv);
        }
        return 0;
}

static void spoord_teardown(struct spoord *d)
{
        if (d->stopping)
                listener_accept_pending(d);
        listener_close_all(d);
        http_close(d);
        if (d->base)
                conn_drain_all(d);
        spoord_sync(d);
        /* the processing time since the last tick moves the watermarks, as a
         * tick would: what it passed is decided, the rest is saved */
        engine_advance(&d->engine, timefmt_now_us());
        /* after the drain: its events are in the windows */
        {
                bool saved = spoord_state_save(d);

                if (saved && d->state_dirfd >= 0)
                        log_notice("state: saved to %s at exit (correlation windows, first_seen baselines, "
                                   "the coverage model)", d->state_dir);
                spoord_marker_stop(d, saved);
        }
        if (d->state_timer)
                event_free(d->state_timer);
        if (d->state_lost_timer)
                event_free(d->state_lost_timer);
        if (d->state_dirfd >= 0)
                close(d->state_dirfd);
        free(d->state_dir);
        free(d->read_buf);
        if (d->status_timer)
                event_free(d->status_timer);
        if (d->spool_timer)
                event_free(d->spool_timer);
        if (d->watchdog_timer)
                event_free(d->watchdog_timer);
        for (size_t i = 0; i < sizeof(d->signals) / sizeof(d->signals[0]); i++)
                if (d->signals[i])
                        event_free(d->signals[i]);
        pipeline_fini(&d->pipe);
        engine_fini(&d->engine);        /* writes what the spool queued, fsyncs, closes */
        if (d->base)
                event_base_free(d->base);
        config_free(d->cfg);
}

int spoord_run(struct config *cfg, const char *config_path, struct ruleset *rs)
{
        struct spoord d;
        int r;

        memset(&d, 0, sizeof(d));
        TAILQ_INIT(&d.conns);
        d.state_dirfd = -1;
        d.cfg = cfg;
        d.engine.rs = rs;
        d.config_path = config_path;
        metrics.start_us = timefmt_now_us();
        metrics.start_mono_us = (int64_t)spoord_monotonic_us();
        log_set_max_priority(spoord_log_priority(cfg->log_level));

        r = spoord_setup(&d);
        if (r < 0) {
                log_error("cannot start: %s", strerror(-r));
                spoord_teardown(&d);
                return 1;
        }
        log_notice("spoord %s ready (config: %s)", SPOOR_VERSION, config_path ? config_path : "built-in default");
        sd_notify(0, "READY=1");
        spoord_notify_status(&d);

        r = event_base_dispatch(d.base);
        d.stopping = true;
        spoord_teardown(&d);
        log_notice("stopped: %" PRIu64 " received, %" PRIu64 " accepted, %" PRIu64 " rejected",
                   metrics.events_received, metrics.events_accepted, metrics_rejected_total());
        return r < 0 ? 1 : 0;
}
