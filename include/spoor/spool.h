/* The spool (daemon/output/spool.c): append-only JSONL files analysts tail.
 * Every record is one write(2) of one whole line on an O_APPEND fd opened
 * with O_NOFOLLOW (a symlink planted in the spool is refused), so a reader
 * never sees a partial line from spoord.  At open, a torn tail left by a
 * crash (bytes after the last '\n') is cut off and counted.  Rotation by
 * size renames leads.jsonl to leads-<UTC stamp>.jsonl and opens a new one,
 * so `tail -F` follows.  fsync policy: `always` (after each record),
 * `never`, or an interval (spool_tick() from a timer).  Failed writes
 * (ENOSPC, EIO) are counted in spoor_spool_write_errors_total; the record is
 * kept in a bounded retry queue (SPOOL_QUEUE_MAX records) and written by the
 * next spool_tick(); what the bound drops is counted and logged. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPOOL_QUEUE_MAX 4096                    /* records waiting for a retry, all streams */
#define SPOOL_QUEUE_MAX_BYTES (64u << 20)       /* and their bytes */
#define SPOOL_RECORD_MAX (16u << 20)            /* one record, without its newline */

enum spool_stream {
        SPOOL_LEADS,    /* leads.jsonl */
        SPOOL_GAPS,     /* gaps.jsonl */
        _SPOOL_STREAM_MAX,
};

struct spool_opts {
        const char *dir;
        int64_t fsync_interval_ms;      /* 0 = after every record ("always"), -1 = never */
        uint64_t rotate_bytes;          /* 0 = never rotate */
};

struct spool_stats {
        uint64_t records[_SPOOL_STREAM_MAX];
        uint64_t write_errors;
        uint64_t dropped;               /* records the retry queue could not hold */
        uint64_t torn_repaired;         /* torn tails cut at open */
        uint64_t rotations;
};

struct spool;

/* Create the directory (0750) when missing, open the streams.  0 or -errno
 * with err set ("spool /x: ..."). */
int spool_open(const struct spool_opts *o, struct spool **out, char *err, size_t errlen);

/* Append one record: `line` is a complete JSON object WITHOUT the trailing
 * newline (spool adds it, in the same write).  0 when written (or queued
 * for retry after an error: -EAGAIN is not returned to the caller, it is
 * counted); -E2BIG for a record over 16 MiB; -EINVAL for an empty record
 * or one holding a '\n' (it would not be one line).  While records wait in
 * the retry queue, new ones of that stream go behind them (order is kept). */
int spool_write(struct spool *s, enum spool_stream st, const char *line, size_t len);

/* Retry queued records, fsync when the interval has passed.  Call from a
 * timer (and at exit). */
void spool_tick(struct spool *s);

/* Make every record written so far durable now, whatever the fsync policy:
 * write the retry queue, fdatasync each file.  0, or -EIO while records
 * wait in the retry queue (the disk is full), or fdatasync's -errno.  For
 * acknowledged ingest (POST /v1/events answers only after this). */
int spool_flush(struct spool *s);

/* Reopen every file (SIGUSR1, after an external logrotate). 0 or -errno. */
int spool_reopen(struct spool *s);

/* Write what is queued, fsync, close. */
void spool_close(struct spool *s);

const struct spool_stats *spool_stats(const struct spool *s);

/* The spool directory's descriptor now (it changes when the spool reopens:
 * SIGUSR1, or a directory found removed): coverage.json is written there. */
int spool_dirfd(const struct spool *s);

/* ---- test-only -------------------------------------------------------
 * The write(2) every record goes through.  Unit tests replace it to inject
 * ENOSPC, EIO and short writes (a real full disk needs root); NULL
 * restores write(2).  Daemon code never calls this. */
void spool_set_write_fn(ssize_t (*fn)(int fd, const void *buf, size_t len));
