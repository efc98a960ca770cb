/* Following one spool file by name, across rotation (contract in follow.h).
 *
 * Decisions:
 *   - Rotation is noticed at the end of the open file, when the name leads
 *     to another inode.  The switch waits until that new file holds data:
 *     spoord (one writer, one write(2) per record) writes nothing more to
 *     the old file once it writes to the new one, so reading the old file
 *     to its end at that moment gets all of it — also with logrotate's
 *     `create`, where the new file exists before spoord reopens.  A missing
 *     name keeps the old file open for the same reason (renamed, not yet
 *     replaced; or deleted while spoord still writes to it).
 *   - Several rotations between two looks: the files renamed after the old
 *     one (same base, later stamp, daemon/output/spool.c's names) are read
 *     in their order before the new one.  Files renamed otherwise cannot be
 *     told apart and are not looked for.
 *   - A rotated or truncated file that ends without a newline ends with a
 *     line that can never complete: it is skipped and noted, not printed.
 *   - Files are opened O_NONBLOCK: a FIFO planted under the name cannot
 *     hang the reader; anything not a regular file is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "follow.h"

#define FOLLOW_CHUNK 65536

static void follow_note(struct follow *f, const char *what)
{
        char msg[512];

        if (!f->note)
                return;
        snprintf(msg, sizeof(msg), "%s: %s", f->name, what);
        f->note(f->ud, msg);
}

static void follow_reset_buf(struct follow *f)
{
        f->start = f->len = f->scanned = 0;
}

/* Open name (f->name or a rotated file).  1 opened, 0 absent, -errno. */
static int follow_open_name(struct follow *f, const char *name, bool at_end)
{
        struct stat st;
        int fd = openat(f->dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                int e = S_ISREG(st.st_mode) ? errno : EINVAL;

                close(fd);
                return -e;
        }
        f->fd = fd;
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->pos = 0;
        if (at_end) {
                off_t end = lseek(fd, 0, SEEK_END);

                f->pos = end > 0 ? end : 0;
        }
        follow_reset_buf(f);
        return 1;
}

/* The next file to read after a switch: a file rotated in between, or the
 * name itself.  1 opened, 0 absent, -errno. */
static int follow_open_next(struct follow *f)
{
        while (f->ibetween < f->nbetween) {
                int r = follow_open_name(f, f->between[f->ibetween++].name, false);

                if (r != 0) {
                        f->in_between = r > 0;
                        return r;
                }
        }
        ctl_rotated_free(f->between, f->nbetween);
        f->between = NULL;
        f->nbetween = f->ibetween = 0;
        f->in_between = false;
        return follow_open_name(f, f->name, false);
}

int follow_init(struct follow *f, int dirfd, const char *name, bool at_end)
{
        size_t n = strlen(name);
        int r;

        memset(f, 0, sizeof(*f));
        f->dirfd = dirfd;
        f->name = name;
        f->fd = -1;
        if (n > 6 && strcmp(name + n - 6, ".jsonl") == 0 && n - 6 < sizeof(f->base))
                memcpy(f->base, name, n - 6);
        r = follow_open_name(f, name, at_end);
        return r < 0 ? r : 0;
}

void follow_fini(struct follow *f)
{
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
        free(f->buf);
        f->buf = NULL;
        ctl_rotated_free(f->between, f->nbetween);
        f->between = NULL;
        f->nbetween = f->ibetween = 0;
        follow_reset_buf(f);
}

/* The end of what the file now holds: skip an incomplete last line. */
static void follow_drop_partial(struct follow *f, const char *why)
{
        if (f->len > f->start && !f->skipping) {
                f->dropped++;
                follow_note(f, why);
        }
        f->skipping = false;
        follow_reset_buf(f);
}

/* The old file is read to its end and the name holds a new file (dev,
 * ino): note the files spoord rotated after the old one, if any, to read
 * before the new one.  Best effort: without them the new file follows. */
static void follow_find_between(struct follow *f, dev_t dev, ino_t ino)
{
        struct ctl_rotated *all = NULL;
        size_t n = 0, k, keep = 0;

        if (!f->base[0] || ctl_rotated_list(f->dirfd, f->base, INT64_MIN, &all, &n) < 0)
                return;
        for (k = 0; k < n && !(all[k].dev == f->dev && all[k].ino == f->ino); k++)
                ;
        for (size_t i = 0; i < n; i++) {
                if (i > k && k < n && !(all[i].dev == dev && all[i].ino == ino))
                        all[keep++] = all[i];
                else
                        free(all[i].name);
        }
        if (!keep) {
                free(all);
                return;
        }
        f->between = all;
        f->nbetween = keep;
        f->ibetween = 0;
}

/* At the end of the open file: has it been rotated, replaced or cut?
 * 1: read on; 0: nothing new; -errno.  *draining: the old file is being
 * read to its end once more before the switch. */
static int follow_at_end(struct follow *f, bool *draining)
{
        struct stat named, ours;
        int r;

        if (f->in_between) {
                /* a rotated file in between: complete, on to the next */
                follow_drop_partial(f, "a rotated file ends in the middle of a line; that line is skipped");
                close(f->fd);
                f->fd = -1;
                r = follow_open_next(f);
                return r < 0 ? r : 1;
        }
        if (fstatat(f->dirfd, f->name, &named, 0) < 0)
                return errno == ENOENT ? 0 : -errno;    /* renamed, not replaced yet: keep reading it */
        if (named.st_dev != f->dev || named.st_ino != f->ino) {
                if (named.st_size == 0)
                        return 0;       /* the writer has not switched to the new file yet */
                if (!*draining) {
                        *draining = true;       /* read the old file to its end once more */
                        return 1;
                }
                *draining = false;
                follow_drop_partial(f, "the rotated file ends in the middle of a line; that line is skipped");
                follow_find_between(f, named.st_dev, named.st_ino);
                close(f->fd);
                f->fd = -1;
                f->rotations++;
                r = follow_open_next(f);
                return r < 0 ? r : 1;
        }
        if (fstat(f->fd, &ours) < 0)
                return -errno;
        if (ours.st_size < f->pos) {
                follow_drop_partial(f, "the truncated file ended in the middle of a line; that line is skipped");
                if (lseek(f->fd, 0, SEEK_SET) < 0)
                        return -errno;
                f->pos = 0;
                f->truncations++;
                follow_note(f, "truncated; reading it again from its start");
                return 1;
        }
        return 0;
}

/* Room to read into: compact, grow up to one record.  -ENOMEM. */
static int follow_room(struct follow *f)
{
        if (f->start > 0) {
                memmove(f->buf, f->buf + f->start, f->len - f->start);
                f->len -= f->start;
                f->scanned -= f->start;
                f->start = 0;
        }
        if (f->cap - f->len < FOLLOW_CHUNK) {
                size_t cap = f->cap ? f->cap * 2 : FOLLOW_CHUNK * 2;
                char *b;

                if (cap > FOLLOW_MAX_LINE + FOLLOW_CHUNK)
                        cap = FOLLOW_MAX_LINE + FOLLOW_CHUNK;
                if (cap > f->cap) {
                        b = realloc(f->buf, cap);
                        if (!b)
                                return -ENOMEM;
                        f->buf = b;
                        f->cap = cap;
                }
        }
        return 0;
}

int follow_next(struct follow *f, const char **line, size_t *len)
{
        bool draining = false;
        ssize_t n;
        int r;

        for (;;) {
                char *nl = f->len > f->scanned ? memchr(f->buf + f->scanned, '\n', f->len - f->scanned) : NULL;

                if (nl) {
                        size_t at = (size_t)(nl - f->buf);

                        *line = f->buf + f->start;
                        *len = at - f->start;
                        f->start = f->scanned = at + 1;
                        if (f->skipping) {
                                f->skipping = false;
                                continue;
                        }
                        return 1;
                }
                f->scanned = f->len;
                if (f->len - f->start >= FOLLOW_MAX_LINE) {
                        /* longer than any record: skip to its end */
                        if (!f->skipping) {
                                f->dropped++;
                                follow_note(f, "a line longer than any spool record is skipped");
                        }
                        follow_reset_buf(f);
                        f->skipping = true;
                }
                if (f->fd < 0) {
                        r = follow_open_next(f);
                        if (r <= 0)
                                return r;
                        continue;
                }
                r = follow_room(f);
                if (r < 0)
                        return r;
                n = read(f->fd, f->buf + f->len, f->cap - f->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n > 0) {
                        f->len += (size_t)n;
                        f->pos += n;
                        continue;
                }
                r = follow_at_end(f, &draining);
                if (r <= 0)
                        return r;
        }
}
