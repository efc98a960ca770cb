/* The spool: leads.jsonl and gaps.jsonl, append-only, tailed by analysts
 * (contract in include/spoor/spool.h, format in DESIGN §3.3).
 *
 * Decisions:
 *   - One write(2) per record: the line and its '\n' are copied into one
 *     reusable buffer (queued records already hold their '\n'), so a reader
 *     of an O_APPEND file sees the whole line or none of it.  writev() would
 *     also be one append; one buffer keeps the test hook a plain write(2).
 *   - A short write (ENOSPC, quota, EFBIG) is an error: the bytes it did
 *     write are cut off again (ftruncate to the size before the write, taken
 *     from fstat so another appender cannot make us cut its data) and the
 *     record goes to the retry queue.  The queue is bounded in records and
 *     bytes over both streams; a record it cannot hold is dropped and
 *     counted.  While a stream has queued records, new ones go behind them,
 *     and only spool_tick() retries: a full disk costs one failed write per
 *     tick, not one per record.
 *   - Files are opened with O_NOFOLLOW (a planted symlink is refused) and
 *     O_NONBLOCK (a planted FIFO cannot hang the daemon: fstat refuses
 *     anything not regular, then O_NONBLOCK is cleared).  Everything is
 *     relative to a directory fd, so a chdir() does not move the spool.
 *   - Torn tail repair reads backwards in 16 KiB chunks at most one record
 *     (16 MiB) plus its newline: a tail longer than that cannot come from
 *     spoord, and the file is refused rather than cut.
 *   - Rotation renames only when leads.jsonl is still our inode (after a
 *     failed rotation or an external move it may not be), with
 *     RENAME_NOREPLACE so two rotations in one second become -1, -2 ...
 *     A failed rotation keeps writing to the open file and says so.
 *   - fsync policy: "always" = fdatasync after each record; an interval =
 *     from spool_tick() when that much time has passed and something was
 *     written; "never" = not even at close.
 *   - Logging: errors through log_limited (keys below), rotations and torn
 *     tails through log_info/log_warn; nothing per record. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spoor/cleanup.h"
#include "spoor/log.h"
#include "spoor/metrics.h"
#include "spoor/spool.h"

/* log_limited keys (any stable small integers, distinct from other users). */
enum {
        SPOOL_LOG_WRITE = 56,
        SPOOL_LOG_DROP,
        SPOOL_LOG_FSYNC,
        SPOOL_LOG_ROTATE,
};

#define SPOOL_CHUNK 16384
#define SPOOL_MAX_SUFFIX 1000

struct spool_rec {
        struct spool_rec *next;
        size_t len;             /* including the '\n' */
        char data[];
};

#define SPOOL_CHECK_MS 1000     /* how often spool_tick looks for a removed directory or file */

struct spool_file {
        const char *base;       /* "leads" */
        const char *name;       /* "leads.jsonl" */
        int fd;
        uint64_t size;          /* what we believe the file holds */
        bool dirty;             /* written since the last fsync */
        struct spool_rec *head, *tail;
};

struct spool {
        char *dir;
        int dirfd;
        int64_t fsync_ms;
        uint64_t rotate_bytes;
        struct spool_file files[_SPOOL_STREAM_MAX];
        size_t nqueued, queued_bytes;
        char *buf;
        size_t bufcap;
        int64_t last_fsync_ms;  /* CLOCK_MONOTONIC */
        int64_t last_check_ms;  /* the last spool_check_gone */
        struct spool_stats stats;
};

static ssize_t (*spool_write_fn)(int fd, const void *buf, size_t len) = write;

void spool_set_write_fn(ssize_t (*fn)(int fd, const void *buf, size_t len))
{
        spool_write_fn = fn ? fn : write;
}

static const struct {
        const char *base, *name;
} spool_names[_SPOOL_STREAM_MAX] = {
        [SPOOL_LEADS] = { "leads", "leads.jsonl" },
        [SPOOL_GAPS] = { "gaps", "gaps.jsonl" },
};

static int64_t spool_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- opening -------------------------------------------------------- */

/* mkdir the last component when missing, open it.  fd or -errno. */
static int spool_dir_open(const char *dir, char *err, size_t errlen)
{
        int fd;

        if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
                int e = errno;

                if (e == ENOENT)
                        snprintf(err, errlen, "spool %s: cannot create it: its parent directory does not exist",
                                 dir);
                else
                        snprintf(err, errlen, "spool %s: cannot create it: %s", dir, strerror(e));
                return -e;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;

                snprintf(err, errlen, "spool %s: %s", dir, e == ENOTDIR ? "not a directory" : strerror(e));
                return -e;
        }
        return fd;
}

/* Cut bytes after the last '\n' of a file of `size` bytes (size > 0).
 * *cut = bytes removed.  0 or -errno / -EINVAL (no newline in the last
 * SPOOL_RECORD_MAX + 1 bytes of a bigger file: not a spool file). */
static int spool_repair_tail(struct spool *s, const char *name, int wfd, uint64_t size, uint64_t *cut,
                             char *err, size_t errlen)
{
        _cleanup_close_ int rfd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        struct stat rst, wst;
        char chunk[SPOOL_CHUNK];
        uint64_t end = size, scanned = 0, keep = 0;
        bool found = false;

        *cut = 0;
        if (rfd < 0 || fstat(rfd, &rst) < 0 || fstat(wfd, &wst) < 0) {
                int e = errno;

                snprintf(err, errlen, "spool %s/%s: cannot read its tail: %s", s->dir, name, strerror(e));
                return -e;
        }
        if (rst.st_dev != wst.st_dev || rst.st_ino != wst.st_ino) {
                snprintf(err, errlen, "spool %s/%s: replaced while it was opened", s->dir, name);
                return -EAGAIN;
        }
        while (end > 0 && !found && scanned < (uint64_t)SPOOL_RECORD_MAX + 1) {
                size_t want = end < SPOOL_CHUNK ? (size_t)end : SPOOL_CHUNK;
                ssize_t n = pread(rfd, chunk, want, (off_t)(end - want));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n != (ssize_t)want) {
                        int e = n < 0 ? errno : EIO;

                        snprintf(err, errlen, "spool %s/%s: cannot read its tail: %s", s->dir, name,
                                 strerror(e));
                        return -e;
                }
                for (size_t i = want; i > 0; i--)
                        if (chunk[i - 1] == '\n') {
                                keep = end - want + i;
                                found = true;
                                break;
                        }
                end -= want;
                scanned += want;
        }
        if (!found && end > 0) {
                snprintf(err, errlen, "spool %s/%s: no newline in its last %" PRIu64 " bytes: not a spool file",
                         s->dir, name, scanned);
                return -EINVAL;
        }
        if (keep == size)
                return 0;
        if (ftruncate(wfd, (off_t)keep) < 0) {
                int e = errno;

                snprintf(err, errlen, "spool %s/%s: cannot cut its torn tail: %s", s->dir, name, strerror(e));
                return -e;
        }
        *cut = size - keep;
        return 0;
}

/* Open (creating) one stream file, repairing a torn tail.  fd or -errno
 * with err set; *size = its size afterwards. */
static int spool_file_open(struct spool *s, const char *name, uint64_t *size, char *err, size_t errlen)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        char last;
        uint64_t cut = 0;
        int r;

        fd = openat(s->dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                    0640);
        if (fd < 0) {
                int e = errno;

                if (e == ELOOP)
                        snprintf(err, errlen, "spool %s/%s: is a symbolic link; refusing to follow it",
                                 s->dir, name);
                else
                        snprintf(err, errlen, "spool %s/%s: %s", s->dir, name, strerror(e));
                return -e;
        }
        if (fstat(fd, &st) < 0) {
                int e = errno;

                snprintf(err, errlen, "spool %s/%s: %s", s->dir, name, strerror(e));
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "spool %s/%s: not a regular file", s->dir, name);
                return -EINVAL;
        }
        if (fcntl(fd, F_SETFL, O_APPEND) < 0) {
                int e = errno;

                snprintf(err, errlen, "spool %s/%s: %s", s->dir, name, strerror(e));
                return -e;
        }
        *size = (uint64_t)st.st_size;
        if (*size == 0)
                return TAKE_FD(fd);

        /* the last byte decides whether a repair is needed at all */
        {
                _cleanup_close_ int rfd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

                if (rfd < 0 || pread(rfd, &last, 1, (off_t)(*size - 1)) != 1) {
                        int e = rfd < 0 ? errno : EIO;

                        snprintf(err, errlen, "spool %s/%s: cannot read its tail: %s", s->dir, name,
                                 strerror(e));
                        return -e;
                }
        }
        if (last == '\n')
                return TAKE_FD(fd);
        r = spool_repair_tail(s, name, fd, *size, &cut, err, errlen);
        if (r < 0)
                return r;
        if (cut) {
                *size -= cut;
                s->stats.torn_repaired++;
                metrics.spool_torn_repaired++;
                log_warn("spool %s/%s: cut a torn tail of %" PRIu64 " bytes (an unfinished record)", s->dir,
                         name, cut);
        }
        return TAKE_FD(fd);
}

/* Open every stream into files[] (fds not yet replaced on failure). */
static int spool_open_all(struct spool *s, int fds[_SPOOL_STREAM_MAX], uint64_t sizes[_SPOOL_STREAM_MAX],
                          char *err, size_t errlen)
{
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++)
                fds[i] = -1;
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++) {
                int fd = spool_file_open(s, spool_names[i].name, &sizes[i], err, errlen);

                if (fd < 0) {
                        for (int j = 0; j < i; j++)
                                close(fds[j]);
                        return fd;
                }
                fds[i] = fd;
        }
        return 0;
}

int spool_open(const struct spool_opts *o, struct spool **out, char *err, size_t errlen)
{
        struct spool *s;
        int fds[_SPOOL_STREAM_MAX];
        uint64_t sizes[_SPOOL_STREAM_MAX];
        int r;

        if (!o || !o->dir || !o->dir[0] || !out) {
                snprintf(err, errlen, "spool: no directory given");
                return -EINVAL;
        }
        s = calloc(1, sizeof(*s));
        if (!s || !(s->dir = strdup(o->dir))) {
                free(s);
                snprintf(err, errlen, "spool %s: out of memory", o->dir);
                return -ENOMEM;
        }
        s->fsync_ms = o->fsync_interval_ms;
        s->rotate_bytes = o->rotate_bytes;
        s->last_fsync_ms = spool_now_ms();
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++) {
                s->files[i].base = spool_names[i].base;
                s->files[i].name = spool_names[i].name;
                s->files[i].fd = -1;
        }
        s->dirfd = spool_dir_open(s->dir, err, errlen);
        if (s->dirfd < 0) {
                r = s->dirfd;
                free(s->dir);
                free(s);
                return r;
        }
        r = spool_open_all(s, fds, sizes, err, errlen);
        if (r < 0) {
                close(s->dirfd);
                free(s->dir);
                free(s);
                return r;
        }
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++) {
                s->files[i].fd = fds[i];
                s->files[i].size = sizes[i];
        }
        *out = s;
        return 0;
}

/* ---- writing -------------------------------------------------------- */

static int spool_sync(struct spool *s, struct spool_file *f)
{
        int err;

        if (!f->dirty || f->fd < 0)
                return 0;
        f->dirty = false;
        if (fdatasync(f->fd) == 0)
                return 0;
        err = errno;
        f->dirty = true;        /* not durable yet: the next sync tries again */
        s->stats.write_errors++;
        metrics.spool_write_errors++;
        log_limited(SPOOL_LOG_FSYNC, LOG_ERR, "spool %s/%s: fsync failed: %s", s->dir, f->name, strerror(err));
        return -err;
}

/* A name for the rotated file that does not exist yet, and rename to it. */
static int spool_rename_aside(struct spool *s, struct spool_file *f, char *to, size_t tolen)
{
        time_t now = time(NULL);
        struct tm tm;
        char stamp[32];

        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
        for (unsigned n = 0; n < SPOOL_MAX_SUFFIX; n++) {
                struct stat st;

                if (n == 0)
                        snprintf(to, tolen, "%s-%s.jsonl", f->base, stamp);
                else
                        snprintf(to, tolen, "%s-%s-%u.jsonl", f->base, stamp, n);
                if (renameat2(s->dirfd, f->name, s->dirfd, to, RENAME_NOREPLACE) == 0)
                        return 0;
                if (errno == EEXIST)
                        continue;
                if (errno != EINVAL && errno != ENOSYS)
                        return -errno;
                /* a file system without RENAME_NOREPLACE: check, then rename */
                if (fstatat(s->dirfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (errno != ENOENT)
                        return -errno;
                return renameat(s->dirfd, f->name, s->dirfd, to) < 0 ? -errno : 0;
        }
        return -EEXIST;
}

/* Rename the stream aside (when its name is still our file) and open a new
 * one.  On failure the old fd stays in use.  0 or -errno. */
static int spool_rotate(struct spool *s, struct spool_file *f)
{
        struct stat ours, named;
        char to[128] = "", err[512];
        uint64_t size = 0;
        uint64_t old_size = f->size;
        int fd, r;

        if (fstat(f->fd, &ours) < 0)
                return -errno;
        if (fstatat(s->dirfd, f->name, &named, AT_SYMLINK_NOFOLLOW) == 0 && named.st_dev == ours.st_dev &&
            named.st_ino == ours.st_ino) {
                r = spool_rename_aside(s, f, to, sizeof(to));
                if (r < 0) {
                        log_limited(SPOOL_LOG_ROTATE, LOG_ERR, "spool %s/%s: cannot rotate: %s", s->dir,
                                    f->name, strerror(-r));
                        return r;
                }
        }
        fd = spool_file_open(s, f->name, &size, err, sizeof(err));
        if (fd < 0) {
                log_limited(SPOOL_LOG_ROTATE, LOG_ERR, "%s (still writing to the rotated file)", err);
                return fd;
        }
        if (s->fsync_ms >= 0)
                spool_sync(s, f);
        close(f->fd);
        f->fd = fd;
        f->size = size;
        f->dirty = false;
        s->stats.rotations++;
        metrics.spool_rotations++;
        log_info("spool %s: rotated %s to %s (%" PRIu64 " bytes)", s->dir, f->name, to[0] ? to : "(moved away)",
                 old_size);
        return 0;
}

/* Is the directory, or one of the files, gone from the file system
 * (removed: st_nlink 0)?  Then records would go into unlinked files:
 * reopen, which recreates the directory and the files.  A file renamed
 * away (logrotate without create) is still linked: records go on into it
 * until SIGUSR1, as logrotate expects. */
static void spool_check_gone(struct spool *s)
{
        struct stat st;
        bool gone = fstat(s->dirfd, &st) == 0 && st.st_nlink == 0;

        for (int i = 0; i < _SPOOL_STREAM_MAX && !gone; i++)
                gone = s->files[i].fd >= 0 && fstat(s->files[i].fd, &st) == 0 && st.st_nlink == 0;
        if (!gone)
                return;
        metrics.spool_recreated++;
        log_warn("spool %s: the directory or a stream file was removed; recreating it", s->dir);
        spool_reopen(s);
}

/* Before a record goes into f: is f gone?  Then reopen everything, as
 * spool_check_gone() would.  One fstat: a directory removed with its files
 * has unlinked f first (spool_tick looks at the rest each SPOOL_CHECK_MS). */
static void spool_check_file_gone(struct spool *s, struct spool_file *f)
{
        struct stat st;

        if (f->fd >= 0 && fstat(f->fd, &st) == 0 && st.st_nlink == 0)
                spool_check_gone(s);
}

/* One write(2) of one whole record (`len` includes its '\n').  A short
 * write is cut back off.  0 or -errno. */
static int spool_append(struct spool *s, enum spool_stream st, const char *data, size_t len)
{
        struct spool_file *f = &s->files[st];
        ssize_t n;

        if (s->rotate_bytes && f->size > 0 && f->size + len > s->rotate_bytes)
                (void)spool_rotate(s, f);       /* on failure: keep writing to the open file */
        spool_check_file_gone(s, f);            /* never into a removed file */
        do
                n = spool_write_fn(f->fd, data, len);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)len) {
                f->size += len;
                f->dirty = true;
                s->stats.records[st]++;
                if (s->fsync_ms == 0)
                        spool_sync(s, f);
                return 0;
        }

        int r = n < 0 ? -errno : -ENOSPC;       /* a short write on a regular file: no space */
        struct stat sb;

        s->stats.write_errors++;
        metrics.spool_write_errors++;
        if (n > 0) {
                /* our bytes are the last n of the file (O_APPEND) */
                if (fstat(f->fd, &sb) == 0 && sb.st_size >= n && ftruncate(f->fd, sb.st_size - n) == 0)
                        f->size = (uint64_t)(sb.st_size - n);
                else
                        log_limited(SPOOL_LOG_WRITE, LOG_ERR,
                                    "spool %s/%s: cannot cut a partial record of %zd bytes: %s", s->dir,
                                    f->name, n, strerror(errno));
        }
        log_limited(SPOOL_LOG_WRITE, LOG_ERR, "spool %s/%s: write failed: %s; records wait for a retry",
                    s->dir, f->name, strerror(-r));
        return r;
}

/* Keep a record for the retry; `nl`: data already ends with '\n'.
 * 0 or -ENOBUFS (dropped, counted). */
static int spool_enqueue(struct spool *s, enum spool_stream st, const char *data, size_t len, bool nl)
{
        struct spool_file *f = &s->files[st];
        size_t total = len + (nl ? 0 : 1);
        struct spool_rec *rec;

        if (s->nqueued >= SPOOL_QUEUE_MAX || s->queued_bytes + total > SPOOL_QUEUE_MAX_BYTES ||
            !(rec = malloc(sizeof(*rec) + total))) {
                s->stats.dropped++;
                metrics.spool_dropped++;
                log_limited(SPOOL_LOG_DROP, LOG_ERR,
                            "spool %s/%s: retry queue full (%zu records, %zu bytes): record dropped", s->dir,
                            f->name, s->nqueued, s->queued_bytes);
                return -ENOBUFS;
        }
        memcpy(rec->data, data, len);
        if (!nl)
                rec->data[len] = '\n';
        rec->len = total;
        rec->next = NULL;
        if (f->tail)
                f->tail->next = rec;
        else
                f->head = rec;
        f->tail = rec;
        s->nqueued++;
        s->queued_bytes += total;
        return 0;
}

int spool_write(struct spool *s, enum spool_stream st, const char *line, size_t len)
{
        struct spool_file *f;

        if (!s || st < 0 || st >= _SPOOL_STREAM_MAX || !line)
                return -EINVAL;
        if (len > SPOOL_RECORD_MAX)
                return -E2BIG;
        if (len == 0 || memchr(line, '\n', len))
                return -EINVAL;
        f = &s->files[st];
        if (f->head)
                return spool_enqueue(s, st, line, len, false);
        if (len + 1 > s->bufcap) {
                size_t cap = s->bufcap ? s->bufcap : 4096;
                char *b;

                while (cap < len + 1)
                        cap *= 2;
                b = realloc(s->buf, cap);
                if (!b)
                        return spool_enqueue(s, st, line, len, false);
                s->buf = b;
                s->bufcap = cap;
        }
        memcpy(s->buf, line, len);
        s->buf[len] = '\n';
        if (spool_append(s, st, s->buf, len + 1) == 0)
                return 0;
        return spool_enqueue(s, st, s->buf, len + 1, true);
}

/* Write queued records of one stream in order, until one fails. */
static void spool_drain(struct spool *s, enum spool_stream st)
{
        struct spool_file *f = &s->files[st];
        size_t written = 0;

        while (f->head) {
                struct spool_rec *rec = f->head;

                if (spool_append(s, st, rec->data, rec->len) < 0)
                        break;
                f->head = rec->next;
                if (!f->head)
                        f->tail = NULL;
                s->nqueued--;
                s->queued_bytes -= rec->len;
                free(rec);
                written++;
        }
        if (written && !f->head)
                log_notice("spool %s/%s: writing again; %zu queued records written", s->dir, f->name, written);
}

int spool_dirfd(const struct spool *s)
{
        return s ? s->dirfd : -1;
}

void spool_tick(struct spool *s)
{
        int64_t now;

        if (!s)
                return;
        now = spool_now_ms();
        if (now - s->last_check_ms >= SPOOL_CHECK_MS) {
                s->last_check_ms = now;
                spool_check_gone(s);
        }
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++)
                spool_drain(s, i);
        if (s->fsync_ms <= 0)
                return;         /* always: done per record; never */
        now = spool_now_ms();
        if (now - s->last_fsync_ms < s->fsync_ms)
                return;
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++)
                spool_sync(s, &s->files[i]);
        s->last_fsync_ms = now;
}

int spool_flush(struct spool *s)
{
        int r = 0;

        if (!s)
                return 0;
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++)
                spool_drain(s, i);
        if (s->nqueued)
                return -EIO;    /* the retry queue still holds records: not on disk */
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++) {
                int e = spool_sync(s, &s->files[i]);

                if (e < 0 && r == 0)
                        r = e;
        }
        return r;
}

int spool_reopen(struct spool *s)
{
        int fds[_SPOOL_STREAM_MAX];
        uint64_t sizes[_SPOOL_STREAM_MAX];
        char err[512];
        int dirfd, old_dirfd, r;

        if (!s)
                return -EINVAL;
        dirfd = spool_dir_open(s->dir, err, sizeof(err));
        if (dirfd < 0) {
                log_error("%s (reopen failed; still writing to the old files)", err);
                return dirfd;
        }
        old_dirfd = s->dirfd;
        s->dirfd = dirfd;
        r = spool_open_all(s, fds, sizes, err, sizeof(err));
        if (r < 0) {
                s->dirfd = old_dirfd;
                close(dirfd);
                log_error("%s (reopen failed; still writing to the old files)", err);
                return r;
        }
        close(old_dirfd);
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++) {
                struct spool_file *f = &s->files[i];

                if (s->fsync_ms >= 0)
                        spool_sync(s, f);
                close(f->fd);
                f->fd = fds[i];
                f->size = sizes[i];
                f->dirty = false;
        }
        log_info("spool %s: files reopened", s->dir);
        return 0;
}

void spool_close(struct spool *s)
{
        size_t lost = 0;

        if (!s)
                return;
        for (int i = 0; i < _SPOOL_STREAM_MAX; i++) {
                struct spool_file *f = &s->files[i];

                spool_drain(s, i);
                while (f->head) {
                        struct spool_rec *rec = f->head;

                        f->head = rec->next;
                        free(rec);
                        lost++;
                }
                f->tail = NULL;
                if (s->fsync_ms >= 0)
                        spool_sync(s, f);
                if (f->fd >= 0)
                        close(f->fd);
        }
        if (lost) {
                s->stats.dropped += lost;
                metrics.spool_dropped += lost;
                log_error("spool %s: %zu queued records could not be written before exit", s->dir, lost);
        }
        if (s->dirfd >= 0)
                close(s->dirfd);
        free(s->buf);
        free(s->dir);
        free(s);
}

const struct spool_stats *spool_stats(const struct spool *s)
{
        return &s->stats;
}
