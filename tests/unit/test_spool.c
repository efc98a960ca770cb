/* daemon/output/spool.c: whole lines in order, torn tails, refused files,
 * rotation, failed and short writes (through the spool_set_write_fn hook),
 * the bounded retry queue, reopen. */
#include <check.h>
#include "unit.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spoor/cleanup.h"
#include "spoor/metrics.h"
#include "spoor/spool.h"

static char tmpdir[] = "/tmp/spoor-spool-XXXXXX";

/* A fresh directory path (not created) under tmpdir; check forks each test,
 * so the pid keeps names apart. */
static const char *fresh_dir(void)
{
        static char path[256];
        static unsigned n;

        snprintf(path, sizeof(path), "%s/s%d-%u", tmpdir, (int)getpid(), n++);
        return path;
}

static const char *path_in(const char *dir, const char *name)
{
        static char path[2][512];
        static int k;

        k ^= 1;
        snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
        return path[k];
}

/* The whole file (NUL-terminated, caller frees); *len its size. */
static char *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "r");
        char *buf = NULL;
        size_t cap = 0, n = 0;

        ck_assert_msg(f, "%s: %s", path, strerror(errno));
        for (;;) {
                if (n + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 8192;
                        buf = realloc(buf, cap);
                        ck_assert_ptr_nonnull(buf);
                }
                size_t got = fread(buf + n, 1, 4096, f);

                n += got;
                if (got == 0)
                        break;
        }
        fclose(f);
        buf[n] = '\0';
        if (len)
                *len = n;
        return buf;
}

static void spit(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

static struct spool *open_ok(const char *dir, int64_t fsync_ms, uint64_t rotate)
{
        struct spool_opts o = { .dir = dir, .fsync_interval_ms = fsync_ms, .rotate_bytes = rotate };
        struct spool *s = NULL;
        char err[512] = "";

        ck_assert_msg(spool_open(&o, &s, err, sizeof(err)) == 0, "%s", err);
        ck_assert_ptr_nonnull(s);
        return s;
}

static void write_rec(struct spool *s, enum spool_stream st, unsigned i)
{
        char line[64];
        int n = snprintf(line, sizeof(line), "{\"n\":%u}", i);

        ck_assert_int_eq(spool_write(s, st, line, (size_t)n), 0);
}

/* The file holds exactly records from..to-1, whole and in order. */
static void assert_records(const char *path, unsigned from, unsigned to)
{
        _cleanup_free_ char *text = slurp(path, NULL);
        const char *p = text;

        for (unsigned i = from; i < to; i++) {
                char want[64];
                int n = snprintf(want, sizeof(want), "{\"n\":%u}\n", i);

                ck_assert_msg(strncmp(p, want, (size_t)n) == 0, "%s: record %u: got '%.40s'", path, i, p);
                p += n;
        }
        ck_assert_msg(*p == '\0', "%s: trailing bytes '%.40s'", path, p);
}

/* ---- write hooks ------------------------------------------------------ */

static int hook_errno;          /* fail with this errno */
static int hook_short;          /* write only half, really */
static unsigned hook_calls;

static ssize_t hook_write(int fd, const void *buf, size_t len)
{
        hook_calls++;
        if (hook_short)
                return write(fd, buf, len / 2);
        if (hook_errno) {
                errno = hook_errno;
                return -1;
        }
        return write(fd, buf, len);
}

static void hook_setup(void)
{
        hook_errno = 0;
        hook_short = 0;
        hook_calls = 0;
        spool_set_write_fn(hook_write);
}

static void hook_teardown(void)
{
        spool_set_write_fn(NULL);
}

/* ---- basics ---------------------------------------------------------- */

START_TEST(test_whole_and_in_order)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, 1000, 0);
        struct stat st;

        for (unsigned i = 0; i < 2000; i++) {
                write_rec(s, SPOOL_LEADS, i);
                if (i % 4 == 0)
                        write_rec(s, SPOOL_GAPS, i / 4);
        }
        spool_tick(s);
        ck_assert_uint_eq(spool_stats(s)->records[SPOOL_LEADS], 2000);
        ck_assert_uint_eq(spool_stats(s)->records[SPOOL_GAPS], 500);
        ck_assert_uint_eq(spool_stats(s)->write_errors, 0);
        spool_close(s);
        assert_records(path_in(dir, "leads.jsonl"), 0, 2000);
        assert_records(path_in(dir, "gaps.jsonl"), 0, 500);

        ck_assert_int_eq(stat(dir, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0750);
        ck_assert_int_eq(stat(path_in(dir, "leads.jsonl"), &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0640);

        /* reopening appends */
        s = open_ok(dir, 0, 0);
        write_rec(s, SPOOL_LEADS, 2000);
        spool_close(s);
        assert_records(path_in(dir, "leads.jsonl"), 0, 2001);
}
END_TEST

START_TEST(test_fsync_policies)
{
        static const int64_t policies[] = { 0, -1, 1 };

        for (size_t k = 0; k < ELEMENTSOF(policies); k++) {
                const char *dir = fresh_dir();
                struct spool *s = open_ok(dir, policies[k], 0);

                for (unsigned i = 0; i < 10; i++) {
                        write_rec(s, SPOOL_LEADS, i);
                        spool_tick(s);
                }
                usleep(2000);
                spool_tick(s);
                ck_assert_uint_eq(spool_stats(s)->write_errors, 0);
                spool_close(s);
                assert_records(path_in(dir, "leads.jsonl"), 0, 10);
        }
}
END_TEST

START_TEST(test_bad_records)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, -1, 0);
        char *big = malloc(SPOOL_RECORD_MAX + 1);

        ck_assert_ptr_nonnull(big);
        memset(big, 'x', SPOOL_RECORD_MAX + 1);
        ck_assert_int_eq(spool_write(s, SPOOL_LEADS, big, SPOOL_RECORD_MAX + 1), -E2BIG);
        free(big);
        ck_assert_int_eq(spool_write(s, SPOOL_LEADS, "{\"a\":\n1}", 8), -EINVAL);
        ck_assert_int_eq(spool_write(s, SPOOL_LEADS, "", 0), -EINVAL);
        ck_assert_int_eq(spool_write(s, _SPOOL_STREAM_MAX, "{}", 2), -EINVAL);
        spool_close(s);
        assert_records(path_in(dir, "leads.jsonl"), 0, 0);
}
END_TEST

/* ---- opening --------------------------------------------------------- */

START_TEST(test_parent_missing)
{
        char dir[512];
        struct spool_opts o = { .dir = dir };
        struct spool *s = NULL;
        char err[512] = "", want[600];

        snprintf(dir, sizeof(dir), "%s/no/such", tmpdir);
        ck_assert_int_eq(spool_open(&o, &s, err, sizeof(err)), -ENOENT);
        ck_assert_ptr_null(s);
        snprintf(want, sizeof(want), "spool %s: cannot create it: its parent directory does not exist", dir);
        ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_dir_is_a_file)
{
        const char *dir = fresh_dir();
        struct spool_opts o = { .dir = dir };
        struct spool *s = NULL;
        char err[512] = "", want[600];

        spit(dir, "x\n");
        ck_assert_int_eq(spool_open(&o, &s, err, sizeof(err)), -ENOTDIR);
        snprintf(want, sizeof(want), "spool %s: not a directory", dir);
        ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_symlink_refused)
{
        const char *dir = fresh_dir();
        char target[512], want[700], err[512] = "";
        struct spool_opts o = { .dir = dir };
        struct spool *s = NULL;
        _cleanup_free_ char *after = NULL;

        ck_assert_int_eq(mkdir(dir, 0750), 0);
        snprintf(target, sizeof(target), "%s/victim", dir);
        spit(target, "precious");
        ck_assert_int_eq(symlink(target, path_in(dir, "leads.jsonl")), 0);
        ck_assert_int_eq(spool_open(&o, &s, err, sizeof(err)), -ELOOP);
        ck_assert_ptr_null(s);
        snprintf(want, sizeof(want), "spool %s/leads.jsonl: is a symbolic link; refusing to follow it", dir);
        ck_assert_str_eq(err, want);
        after = slurp(target, NULL);
        ck_assert_str_eq(after, "precious");     /* not repaired, not appended to */
}
END_TEST

START_TEST(test_fifo_refused)
{
        const char *dir = fresh_dir();
        char want[700], err[512] = "";
        struct spool_opts o = { .dir = dir };
        struct spool *s = NULL;

        ck_assert_int_eq(mkdir(dir, 0750), 0);
        ck_assert_int_eq(mkfifo(path_in(dir, "gaps.jsonl"), 0640), 0);
        /* O_NONBLOCK: fails (ENXIO, no reader) or is refused, never hangs */
        ck_assert_int_lt(spool_open(&o, &s, err, sizeof(err)), 0);
        ck_assert_ptr_null(s);
        snprintf(want, sizeof(want), "spool %s/gaps.jsonl: ", dir);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
}
END_TEST

/* ---- torn tails ------------------------------------------------------ */

static const struct {
        const char *before, *after;
        unsigned repaired;
} torn_cases[] = {
        { "{\"n\":0}\n{\"n\":1}\n{\"n\":", "{\"n\":0}\n{\"n\":1}\n", 1 },
        { "{\"n\":0}\n{\"n\":1}\n", "{\"n\":0}\n{\"n\":1}\n", 0 },
        { "{\"n\":", "", 1 },
        { "\n", "\n", 0 },
        { "x", "", 1 },
};

START_TEST(test_torn_tail)
{
        const char *dir = fresh_dir();
        struct spool *s;
        _cleanup_free_ char *text = NULL;
        uint64_t before = metrics.spool_torn_repaired;

        ck_assert_int_eq(mkdir(dir, 0750), 0);
        spit(path_in(dir, "leads.jsonl"), torn_cases[_i].before);
        s = open_ok(dir, -1, 0);
        ck_assert_uint_eq(spool_stats(s)->torn_repaired, torn_cases[_i].repaired);
        ck_assert_uint_eq(metrics.spool_torn_repaired - before, torn_cases[_i].repaired);
        text = slurp(path_in(dir, "leads.jsonl"), NULL);
        ck_assert_str_eq(text, torn_cases[_i].after);
        write_rec(s, SPOOL_LEADS, 7);
        spool_close(s);
        free(text);
        text = slurp(path_in(dir, "leads.jsonl"), NULL);
        ck_assert_ptr_nonnull(strstr(text, "{\"n\":7}\n"));
        ck_assert_str_eq(text + strlen(torn_cases[_i].after), "{\"n\":7}\n");
}
END_TEST

/* A tail longer than one read chunk, and one longer than any record. */
START_TEST(test_torn_tail_long)
{
        const char *dir = fresh_dir();
        const char *p;
        size_t len;
        char *big = malloc(100001);
        struct spool *s;
        struct spool_opts o;
        char err[512] = "";
        FILE *f;

        ck_assert_ptr_nonnull(big);
        memset(big, 'y', 100000);
        big[100000] = '\0';
        ck_assert_int_eq(mkdir(dir, 0750), 0);
        p = path_in(dir, "leads.jsonl");
        f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fputs("{\"n\":0}\n", f);
        fputs(big, f);
        fclose(f);
        s = open_ok(dir, -1, 0);
        ck_assert_uint_eq(spool_stats(s)->torn_repaired, 1);
        spool_close(s);
        assert_records(p, 0, 1);

        /* no newline in the last 16 MiB + 1 bytes: not ours, refused, untouched */
        f = fopen(p, "a");
        ck_assert_ptr_nonnull(f);
        for (size_t n = 0; n < SPOOL_RECORD_MAX / 100000 + 2; n++)
                fputs(big, f);
        fclose(f);
        free(big);
        o = (struct spool_opts) { .dir = dir };
        s = NULL;
        ck_assert_int_eq(spool_open(&o, &s, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "leads.jsonl: no newline in its last"));
        free(slurp(p, &len));
        ck_assert_uint_eq(len, 8 + 100000 * (SPOOL_RECORD_MAX / 100000 + 2));
}
END_TEST

/* ---- rotation -------------------------------------------------------- */

static int rotated_filter(const struct dirent *d)
{
        return strncmp(d->d_name, "leads-", 6) == 0;
}

START_TEST(test_rotation)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, 0, 100);         /* records are 8..9 bytes */
        struct dirent **names = NULL;
        regex_t re;
        unsigned seen = 0, next = 0;
        int n;
        uint64_t before = metrics.spool_rotations;

        for (unsigned i = 0; i < 60; i++)
                write_rec(s, SPOOL_LEADS, i);
        ck_assert_uint_ge(spool_stats(s)->rotations, 4);
        ck_assert_uint_eq(metrics.spool_rotations - before, spool_stats(s)->rotations);
        spool_close(s);

        /* leads-YYYYMMDDTHHMMSSZ[-N].jsonl, each at most 100 bytes, together
         * with leads.jsonl holding every record once, consecutive per file */
        ck_assert_int_eq(regcomp(&re, "^leads-[0-9]{8}T[0-9]{6}Z(-[0-9]+)?\\.jsonl$", REG_EXTENDED), 0);
        n = scandir(dir, &names, rotated_filter, alphasort);
        ck_assert_int_ge(n, 4);
        /* chronological order: by the first record each holds */
        for (unsigned round = 0; round < (unsigned)n + 1; round++) {
                for (int i = 0; i < n; i++) {
                        _cleanup_free_ char *text = slurp(path_in(dir, names[i]->d_name), NULL);
                        unsigned first;

                        if (sscanf(text, "{\"n\":%u}", &first) != 1 || first != next)
                                continue;
                        ck_assert_msg(regexec(&re, names[i]->d_name, 0, NULL, 0) == 0, "%s", names[i]->d_name);
                        ck_assert_uint_le(strlen(text), 100);
                        for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
                                unsigned v;

                                ck_assert_int_eq(sscanf(p, "{\"n\":%u}", &v), 1);
                                ck_assert_uint_eq(v, next);
                                next++;
                        }
                        seen++;
                }
        }
        ck_assert_uint_eq(seen, (unsigned)n);
        assert_records(path_in(dir, "leads.jsonl"), next, 60);
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        regfree(&re);
}
END_TEST

/* A rotated name that exists already gets -1 (then -2 ...). */
START_TEST(test_rotation_suffix)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, -1, 20);
        time_t now = time(NULL);
        char name[64], suffixed[64];
        bool found = false;

        /* occupy the names of this second and the next few */
        for (int d = 0; d < 5; d++) {
                time_t t = now + d;
                struct tm tm;
                char stamp[32];

                gmtime_r(&t, &tm);
                strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
                snprintf(name, sizeof(name), "leads-%s.jsonl", stamp);
                spit(path_in(dir, name), "placeholder\n");
        }
        write_rec(s, SPOOL_LEADS, 0);
        write_rec(s, SPOOL_LEADS, 1);
        write_rec(s, SPOOL_LEADS, 2);           /* 24 bytes > 20: rotates */
        ck_assert_uint_eq(spool_stats(s)->rotations, 1);
        spool_close(s);
        assert_records(path_in(dir, "leads.jsonl"), 2, 3);
        for (int d = 0; d < 5; d++) {
                time_t t = now + d;
                struct tm tm;
                char stamp[32];
                _cleanup_free_ char *text = NULL;

                gmtime_r(&t, &tm);
                strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
                snprintf(name, sizeof(name), "leads-%s.jsonl", stamp);
                snprintf(suffixed, sizeof(suffixed), "leads-%s-1.jsonl", stamp);
                text = slurp(path_in(dir, name), NULL);
                ck_assert_str_eq(text, "placeholder\n");
                if (access(path_in(dir, suffixed), F_OK) == 0) {
                        assert_records(path_in(dir, suffixed), 0, 2);
                        found = true;
                }
        }
        ck_assert(found);
}
END_TEST

/* A record bigger than rotate_bytes goes alone into a fresh file. */
START_TEST(test_rotation_big_record)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, -1, 10);

        write_rec(s, SPOOL_GAPS, 0);
        write_rec(s, SPOOL_GAPS, 1);
        write_rec(s, SPOOL_GAPS, 2);
        ck_assert_uint_eq(spool_stats(s)->rotations, 2);
        spool_close(s);
        assert_records(path_in(dir, "gaps.jsonl"), 2, 3);
}
END_TEST

/* ---- failures --------------------------------------------------------- */

START_TEST(test_enospc_queue_and_retry)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, 0, 0);
        uint64_t errors = metrics.spool_write_errors;

        write_rec(s, SPOOL_LEADS, 0);
        hook_errno = ENOSPC;
        write_rec(s, SPOOL_LEADS, 1);           /* fails: queued, 0 returned */
        write_rec(s, SPOOL_LEADS, 2);           /* behind the queue, not attempted */
        write_rec(s, SPOOL_GAPS, 0);            /* fails too */
        ck_assert_uint_eq(hook_calls, 3);
        ck_assert_uint_eq(spool_stats(s)->write_errors, 2);
        ck_assert_uint_eq(metrics.spool_write_errors - errors, 2);
        assert_records(path_in(dir, "leads.jsonl"), 0, 1);
        assert_records(path_in(dir, "gaps.jsonl"), 0, 0);

        spool_tick(s);                          /* still failing: one attempt per stream */
        ck_assert_uint_eq(hook_calls, 5);
        assert_records(path_in(dir, "leads.jsonl"), 0, 1);

        hook_errno = 0;
        write_rec(s, SPOOL_LEADS, 3);           /* still behind the queue */
        assert_records(path_in(dir, "leads.jsonl"), 0, 1);
        spool_tick(s);
        assert_records(path_in(dir, "leads.jsonl"), 0, 4);
        assert_records(path_in(dir, "gaps.jsonl"), 0, 1);
        write_rec(s, SPOOL_LEADS, 4);           /* queue empty: written at once */
        assert_records(path_in(dir, "leads.jsonl"), 0, 5);
        ck_assert_uint_eq(spool_stats(s)->records[SPOOL_LEADS], 5);
        ck_assert_uint_eq(spool_stats(s)->dropped, 0);
        spool_close(s);
}
END_TEST

/* spool_flush (POST /v1/events answers after it): -EIO while a record
 * waits in the retry queue, 0 once the queue is written. */
START_TEST(test_flush_durable)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, -1, 0);  /* fsync never: flush still syncs */

        write_rec(s, SPOOL_LEADS, 0);
        ck_assert_int_eq(spool_flush(s), 0);
        hook_errno = ENOSPC;
        write_rec(s, SPOOL_LEADS, 1);
        ck_assert_int_eq(spool_flush(s), -EIO);
        assert_records(path_in(dir, "leads.jsonl"), 0, 1);
        hook_errno = 0;
        ck_assert_int_eq(spool_flush(s), 0);
        assert_records(path_in(dir, "leads.jsonl"), 0, 2);
        ck_assert_int_eq(spool_flush(NULL), 0);
        spool_close(s);
}
END_TEST

START_TEST(test_short_write_cut)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, -1, 0);
        size_t len;

        write_rec(s, SPOOL_LEADS, 0);
        hook_short = 1;
        write_rec(s, SPOOL_LEADS, 1);           /* half of it reaches the file, then is cut */
        ck_assert_uint_eq(spool_stats(s)->write_errors, 1);
        free(slurp(path_in(dir, "leads.jsonl"), &len));
        ck_assert_uint_eq(len, 8);
        assert_records(path_in(dir, "leads.jsonl"), 0, 1);
        hook_short = 0;
        spool_tick(s);
        write_rec(s, SPOOL_LEADS, 2);
        spool_close(s);
        assert_records(path_in(dir, "leads.jsonl"), 0, 3);
}
END_TEST

START_TEST(test_queue_full_drops)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, 1000, 0);
        uint64_t dropped = metrics.spool_dropped;
        char line[64];

        hook_errno = EIO;
        for (unsigned i = 0; i < SPOOL_QUEUE_MAX; i++)
                write_rec(s, SPOOL_LEADS, i);
        for (unsigned i = 0; i < 5; i++) {
                int n = snprintf(line, sizeof(line), "{\"n\":%u}", SPOOL_QUEUE_MAX + i);

                ck_assert_int_eq(spool_write(s, SPOOL_LEADS, line, (size_t)n), -ENOBUFS);
        }
        ck_assert_uint_eq(spool_stats(s)->dropped, 5);
        ck_assert_uint_eq(metrics.spool_dropped - dropped, 5);
        ck_assert_uint_eq(spool_stats(s)->write_errors, 1);
        assert_records(path_in(dir, "leads.jsonl"), 0, 0);

        hook_errno = 0;
        spool_tick(s);
        assert_records(path_in(dir, "leads.jsonl"), 0, SPOOL_QUEUE_MAX);
        write_rec(s, SPOOL_LEADS, SPOOL_QUEUE_MAX);
        spool_close(s);
        assert_records(path_in(dir, "leads.jsonl"), 0, SPOOL_QUEUE_MAX + 1);
}
END_TEST

START_TEST(test_close_counts_unwritten)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, -1, 0);
        uint64_t dropped = metrics.spool_dropped;

        hook_errno = ENOSPC;
        write_rec(s, SPOOL_GAPS, 0);
        write_rec(s, SPOOL_GAPS, 1);
        spool_close(s);
        ck_assert_uint_eq(metrics.spool_dropped - dropped, 2);
        hook_errno = 0;
        assert_records(path_in(dir, "gaps.jsonl"), 0, 0);
}
END_TEST

/* ---- reopen ---------------------------------------------------------- */

START_TEST(test_reopen_after_logrotate)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, 0, 0);
        char moved[600];

        write_rec(s, SPOOL_LEADS, 0);
        snprintf(moved, sizeof(moved), "%s/leads.jsonl.1", dir);
        ck_assert_int_eq(rename(path_in(dir, "leads.jsonl"), moved), 0);
        write_rec(s, SPOOL_LEADS, 1);           /* still the old file until SIGUSR1 */
        ck_assert_int_eq(spool_reopen(s), 0);
        write_rec(s, SPOOL_LEADS, 2);
        spool_close(s);
        assert_records(moved, 0, 2);
        assert_records(path_in(dir, "leads.jsonl"), 2, 3);
}
END_TEST

/* A stream file removed, then the whole directory: the next record of each
 * stream goes into a new file, never into the removed one. */
START_TEST(test_removed_recreated)
{
        const char *dir = fresh_dir();
        struct spool *s = open_ok(dir, 0, 0);

        write_rec(s, SPOOL_LEADS, 0);
        write_rec(s, SPOOL_GAPS, 0);
        ck_assert_int_eq(unlink(path_in(dir, "leads.jsonl")), 0);
        write_rec(s, SPOOL_LEADS, 1);
        assert_records(path_in(dir, "leads.jsonl"), 1, 2);
        write_rec(s, SPOOL_GAPS, 1);            /* the reopen kept gaps.jsonl */
        assert_records(path_in(dir, "gaps.jsonl"), 0, 2);

        ck_assert_int_eq(unlink(path_in(dir, "leads.jsonl")), 0);
        ck_assert_int_eq(unlink(path_in(dir, "gaps.jsonl")), 0);
        ck_assert_int_eq(rmdir(dir), 0);
        write_rec(s, SPOOL_GAPS, 2);
        write_rec(s, SPOOL_LEADS, 2);
        spool_close(s);
        assert_records(path_in(dir, "gaps.jsonl"), 2, 3);
        assert_records(path_in(dir, "leads.jsonl"), 2, 3);
}
END_TEST

static Suite *spool_suite(void)
{
        Suite *s = suite_create("spool");
        TCase *tc;

        tc = tcase_create("write");
        tcase_add_test(tc, test_whole_and_in_order);
        tcase_add_test(tc, test_fsync_policies);
        tcase_add_test(tc, test_bad_records);
        suite_add_tcase(s, tc);

        tc = tcase_create("open");
        tcase_add_test(tc, test_parent_missing);
        tcase_add_test(tc, test_dir_is_a_file);
        tcase_add_test(tc, test_symlink_refused);
        tcase_add_test(tc, test_fifo_refused);
        suite_add_tcase(s, tc);

        tc = tcase_create("torn_tail");
        tcase_add_loop_test(tc, test_torn_tail, 0, (int)ELEMENTSOF(torn_cases));
        tcase_add_test(tc, test_torn_tail_long);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);

        tc = tcase_create("rotation");
        tcase_add_test(tc, test_rotation);
        tcase_add_test(tc, test_rotation_suffix);
        tcase_add_test(tc, test_rotation_big_record);
        suite_add_tcase(s, tc);

        tc = tcase_create("failures");
        tcase_add_checked_fixture(tc, hook_setup, hook_teardown);
        tcase_add_test(tc, test_enospc_queue_and_retry);
        tcase_add_test(tc, test_flush_durable);
        tcase_add_test(tc, test_short_write_cut);
        tcase_add_test(tc, test_queue_full_drops);
        tcase_add_test(tc, test_close_counts_unwritten);
        suite_add_tcase(s, tc);

        tc = tcase_create("reopen");
        tcase_add_test(tc, test_reopen_after_logrotate);
        tcase_add_test(tc, test_removed_recreated);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        int rc;

        umask(022);
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        rc = unit_run(spool_suite());
        unit_rmtree(tmpdir);
        return rc;
}
