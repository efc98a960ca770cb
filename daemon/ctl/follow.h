/* Reading one spool stream line by line, as it grows (daemon/ctl/follow.c):
 * `spoorctl tail` reads leads.jsonl and gaps.jsonl through this.
 *
 * A follower holds a name in a directory.  It returns whole lines only: a
 * last line without its newline waits until the newline arrives.  When the
 * name comes to point at another file that holds data (spoord's rotation
 * renames leads.jsonl to leads-<stamp>.jsonl and creates a new one; an
 * external logrotate followed by SIGUSR1 does the same), the follower
 * first reads the old file to its end, then the files spoord rotated in
 * between (when several rotations happened between two reads), then the
 * new one from its start: no line is lost or repeated.  While the name is
 * missing, or names a file still empty, the old file is still read: the
 * writer may not have switched yet.  A file cut shorter than what was read
 * (copytruncate) is read again from its start. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FOLLOW_MAX_LINE ((16u << 20) + 1)      /* a spool record and its newline (spool.h) */

struct ctl_rotated;

struct follow {
        int dirfd;              /* borrowed */
        const char *name;       /* borrowed: "leads.jsonl" */
        char base[64];          /* "leads": the prefix of its rotated names */
        int fd;                 /* -1: the name does not exist (yet) */
        dev_t dev;
        ino_t ino;
        off_t pos;              /* bytes read from fd */
        char *buf;              /* bytes read, not yet returned */
        size_t start, len, cap; /* buf[start .. len) is pending */
        size_t scanned;         /* buf[start .. scanned) holds no newline */
        bool skipping;          /* inside a line too long to keep: up to its newline */
        /* files rotated between the old one and the new one, read in between */
        struct ctl_rotated *between;
        size_t nbetween, ibetween;
        bool in_between;        /* fd is one of them */
        unsigned long rotations, truncations, dropped;  /* what happened (tests, notes) */
        void (*note)(void *ud, const char *msg);        /* told about cut lines, truncation; may be NULL */
        void *ud;
};

/* Start on dirfd/name; the file need not exist yet.  From its start, or
 * from its current end when at_end (then the lines already there are not
 * returned).  0 or -errno (not ENOENT). */
int follow_init(struct follow *f, int dirfd, const char *name, bool at_end);
void follow_fini(struct follow *f);

/* The next whole line, without its newline, in *line / *len (valid until
 * the next call): 1.  0 when there is none now (at the end of the file,
 * or no file yet); call again later.  -errno on a read error (the
 * follower can be called again).  A line longer than FOLLOW_MAX_LINE is
 * skipped (counted in dropped, noted). */
int follow_next(struct follow *f, const char **line, size_t *len);
