/* daemon/ctl/follow.c (and the helpers it uses in daemon/ctl/ctl.c): whole
 * lines only, rotation by spoord's own spool writer read without loss or
 * repetition however the reads fall between the writes, logrotate with and
 * without `create`, truncation, torn and overlong lines; --since and age
 * formats.  spoorctl is not part of spoorcore, so its two files are
 * compiled into this test. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spoor/cleanup.h"
#include "spoor/log.h"
#include "spoor/spool.h"
#include "daemon/ctl/ctl.c"
#include "daemon/ctl/follow.c"

static char tmpdir[] = "/tmp/spoor-follow-XXXXXX";

struct scratch {
        char path[256];
        int dirfd;
};

static void scratch_new(struct scratch *s)
{
        static unsigned n;

        snprintf(s->path, sizeof(s->path), "%s/d%d-%u", tmpdir, (int)getpid(), n++);
        ck_assert_int_eq(mkdir(s->path, 0700), 0);
        s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(s->dirfd, 0);
}

static int scratch_open(const struct scratch *s, const char *name, int flags)
{
        int fd = openat(s->dirfd, name, flags | O_WRONLY | O_CLOEXEC, 0600);

        ck_assert_msg(fd >= 0, "%s: %s", name, strerror(errno));
        return fd;
}

static void put(int fd, const char *s)
{
        ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* The next line as a string ("" when none now: the lines tested are never
 * empty). */
static const char *next(struct follow *f)
{
        static char buf[256];
        const char *line;
        size_t len;
        int r = follow_next(f, &line, &len);

        ck_assert_int_ge(r, 0);
        if (r == 0)
                return "";
        ck_assert_uint_lt(len, sizeof(buf));
        memcpy(buf, line, len);
        buf[len] = '\0';
        return buf;
}

START_TEST(test_whole_lines)
{
        struct scratch s;
        struct follow f;
        int fd;

        scratch_new(&s);
        ck_assert_int_eq(follow_init(&f, s.dirfd, "leads.jsonl", false), 0);
        ck_assert_str_eq(next(&f), "");                 /* no file yet */
        fd = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        put(fd, "one\ntw");
        ck_assert_str_eq(next(&f), "one");
        ck_assert_str_eq(next(&f), "");                 /* "tw" waits for its newline */
        put(fd, "o\nthree\n");
        ck_assert_str_eq(next(&f), "two");
        ck_assert_str_eq(next(&f), "three");
        ck_assert_str_eq(next(&f), "");
        ck_assert_uint_eq(f.dropped, 0);
        close(fd);
        follow_fini(&f);
}
END_TEST

START_TEST(test_at_end)
{
        struct scratch s;
        struct follow f;
        int fd;

        scratch_new(&s);
        fd = scratch_open(&s, "gaps.jsonl", O_CREAT | O_APPEND);
        put(fd, "old1\nold2\n");
        ck_assert_int_eq(follow_init(&f, s.dirfd, "gaps.jsonl", true), 0);
        ck_assert_str_eq(next(&f), "");
        put(fd, "new\n");
        ck_assert_str_eq(next(&f), "new");
        close(fd);
        follow_fini(&f);
}
END_TEST

/* spoord's own writer rotating every few records; the reader looks after
 * every `every` records: 1 (each rotation seen), 7 (some), 400 (many
 * rotations between two looks, several in one second: -1, -2 names). */
static const int rotation_every[] = { 1, 7, 400 };

START_TEST(test_spool_rotation)
{
        const int every = rotation_every[_i], total = 400;
        struct scratch s;
        struct follow f;
        struct spool *sp;
        char err[256], rec[128];
        int want = 0;

        scratch_new(&s);
        ck_assert_int_eq(spool_open(&(struct spool_opts){ .dir = s.path, .fsync_interval_ms = -1,
                                                          .rotate_bytes = 300 }, &sp, err, sizeof(err)), 0);
        ck_assert_int_eq(follow_init(&f, s.dirfd, "leads.jsonl", false), 0);
        for (int i = 0; i < total; i++) {
                snprintf(rec, sizeof(rec), "{\"n\":%d,\"pad\":\"%0*d\"}", i, 40 + i % 30, 0);
                ck_assert_int_eq(spool_write(sp, SPOOL_LEADS, rec, strlen(rec)), 0);
                if ((i + 1) % every && i + 1 < total)
                        continue;
                for (const char *l; *(l = next(&f)); want++) {
                        int n = -1;

                        ck_assert_int_eq(sscanf(l, "{\"n\":%d,", &n), 1);
                        ck_assert_int_eq(n, want);      /* in order, none lost, none twice */
                }
        }
        ck_assert_int_eq(want, total);
        ck_assert_uint_gt(spool_stats(sp)->rotations, 50);
        ck_assert_uint_eq(f.dropped, 0);
        if (every == 1)
                ck_assert_uint_eq(f.rotations, spool_stats(sp)->rotations);
        spool_close(sp);
        follow_fini(&f);
}
END_TEST

/* logrotate without `create`: the name disappears while the writer goes
 * on writing to the renamed file until it reopens (SIGUSR1). */
START_TEST(test_logrotate_rename)
{
        struct scratch s;
        struct follow f;
        int w, w2;

        scratch_new(&s);
        w = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        ck_assert_int_eq(follow_init(&f, s.dirfd, "leads.jsonl", false), 0);
        put(w, "l1\n");
        ck_assert_str_eq(next(&f), "l1");
        put(w, "l2\n");
        ck_assert_int_eq(renameat(s.dirfd, "leads.jsonl", s.dirfd, "leads.jsonl.1"), 0);
        ck_assert_str_eq(next(&f), "l2");
        ck_assert_str_eq(next(&f), "");
        put(w, "l3\n");                                 /* still the old file */
        ck_assert_str_eq(next(&f), "l3");
        w2 = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);     /* the reopen */
        put(w, "l4\n");                                 /* cannot happen after a reopen, but the
                                                         * new file is empty: still read */
        ck_assert_str_eq(next(&f), "l4");
        put(w2, "l5\n");
        ck_assert_str_eq(next(&f), "l5");
        ck_assert_str_eq(next(&f), "");
        ck_assert_uint_eq(f.rotations, 1);
        close(w);
        close(w2);
        follow_fini(&f);
}
END_TEST

/* logrotate with `create`: an empty new file appears before the writer
 * reopens; the old one is read until the new one holds data. */
START_TEST(test_logrotate_create)
{
        struct scratch s;
        struct follow f;
        int w, w2;

        scratch_new(&s);
        w = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        ck_assert_int_eq(follow_init(&f, s.dirfd, "leads.jsonl", false), 0);
        put(w, "l1\n");
        ck_assert_str_eq(next(&f), "l1");
        ck_assert_int_eq(renameat(s.dirfd, "leads.jsonl", s.dirfd, "leads.jsonl.1"), 0);
        w2 = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        ck_assert_str_eq(next(&f), "");
        put(w, "l2\n");
        put(w, "l3\n");
        put(w2, "l4\n");
        ck_assert_str_eq(next(&f), "l2");
        ck_assert_str_eq(next(&f), "l3");
        ck_assert_str_eq(next(&f), "l4");
        ck_assert_str_eq(next(&f), "");
        close(w);
        close(w2);
        follow_fini(&f);
}
END_TEST

START_TEST(test_truncated)
{
        struct scratch s;
        struct follow f;
        int w;

        scratch_new(&s);
        w = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        ck_assert_int_eq(follow_init(&f, s.dirfd, "leads.jsonl", false), 0);
        put(w, "aaaa\nbbbb\n");
        ck_assert_str_eq(next(&f), "aaaa");
        ck_assert_str_eq(next(&f), "bbbb");
        ck_assert_int_eq(ftruncate(w, 0), 0);
        put(w, "cc\n");
        ck_assert_str_eq(next(&f), "cc");
        ck_assert_uint_eq(f.truncations, 1);
        close(w);
        follow_fini(&f);
}
END_TEST

/* A rotated file ending without a newline: its last line never completes
 * and is skipped, the new file is read whole. */
START_TEST(test_torn_line_at_rotation)
{
        struct scratch s;
        struct follow f;
        int w, w2;

        scratch_new(&s);
        w = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        ck_assert_int_eq(follow_init(&f, s.dirfd, "leads.jsonl", false), 0);
        put(w, "l1\npart");
        ck_assert_str_eq(next(&f), "l1");
        ck_assert_int_eq(renameat(s.dirfd, "leads.jsonl", s.dirfd, "leads-20261122T101112Z.jsonl"), 0);
        w2 = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        put(w2, "l2\n");
        ck_assert_str_eq(next(&f), "l2");
        ck_assert_str_eq(next(&f), "");
        ck_assert_uint_eq(f.dropped, 1);
        close(w);
        close(w2);
        follow_fini(&f);
}
END_TEST

START_TEST(test_overlong_line)
{
        struct scratch s;
        struct follow f;
        size_t big = FOLLOW_MAX_LINE + 1000;
        char *junk = malloc(big);
        int w;

        ck_assert_ptr_nonnull(junk);
        memset(junk, 'x', big);
        scratch_new(&s);
        w = scratch_open(&s, "leads.jsonl", O_CREAT | O_APPEND);
        ck_assert_int_eq(follow_init(&f, s.dirfd, "leads.jsonl", false), 0);
        put(w, "before\n");
        ck_assert_int_eq(write(w, junk, big), (ssize_t)big);
        ck_assert_str_eq(next(&f), "before");
        ck_assert_str_eq(next(&f), "");
        put(w, "tail of the junk\nafter\n");
        ck_assert_str_eq(next(&f), "after");
        ck_assert_uint_eq(f.dropped, 1);
        ck_assert_uint_le(f.cap, FOLLOW_MAX_LINE + FOLLOW_CHUNK);
        free(junk);
        close(w);
        follow_fini(&f);
}
END_TEST

START_TEST(test_rotated_names)
{
        static const char *const names[] = {
                "leads-20261122T101113Z-1.jsonl", "leads-20261122T101112Z.jsonl", "leads-20261122T101113Z.jsonl",
                "leads-20261122T101113Z-10.jsonl", "leads.jsonl", "gaps-20261122T101112Z.jsonl",
                "leads-20261122T1011Z.jsonl", "leads-20261122T101112Z.jsonl.gz", "leads-x.jsonl",
        };
        struct ctl_rotated *r;
        struct scratch s;
        size_t n;

        scratch_new(&s);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                close(scratch_open(&s, names[i], O_CREAT));
        ck_assert_int_eq(ctl_rotated_list(s.dirfd, "leads", INT64_MIN, &r, &n), 0);
        ck_assert_uint_eq(n, 4);
        ck_assert_str_eq(r[0].name, "leads-20261122T101112Z.jsonl");
        ck_assert_str_eq(r[1].name, "leads-20261122T101113Z.jsonl");
        ck_assert_str_eq(r[2].name, "leads-20261122T101113Z-1.jsonl");
        ck_assert_str_eq(r[3].name, "leads-20261122T101113Z-10.jsonl");
        ctl_rotated_free(r, n);
        /* since: a file renamed two seconds or more before holds nothing newer */
        {
                int64_t since;

                ck_assert_int_eq(ctl_parse_time("2026-11-22T10:11:15Z", &since), 0);
                ck_assert_int_eq(ctl_rotated_list(s.dirfd, "leads", since, &r, &n), 0);
                ck_assert_uint_eq(n, 3);
                ck_assert_str_eq(r[0].name, "leads-20261122T101113Z.jsonl");
                ctl_rotated_free(r, n);
        }
}
END_TEST

static const struct {
        const char *in;
        int64_t back_s;         /* from now; or */
        const char *at;         /* an absolute time */
        int ok;
} since_cases[] = {
        { "90s", 90, NULL, 1 },
        { "15m", 900, NULL, 1 },
        { "1h", 3600, NULL, 1 },
        { "2d", 172800, NULL, 1 },
        { "1w", 604800, NULL, 1 },
        { "1h30m", 5400, NULL, 1 },
        { "2026-11-22T10:00:00Z", 0, "2026-11-22T10:00:00.000Z", 1 },
        { "2026-11-22T12:00:00+02:00", 0, "2026-11-22T10:00:00.000Z", 1 },
        { "2026-11-22", 0, "2026-11-22T00:00:00.000Z", 1 },
        { "", 0, NULL, 0 },
        { "1", 0, NULL, 0 },
        { "h", 0, NULL, 0 },
        { "1y", 0, NULL, 0 },
        { "1h-", 0, NULL, 0 },
        { "yesterday", 0, NULL, 0 },
        { "99999999999999999999d", 0, NULL, 0 },
};

START_TEST(test_since)
{
        const int64_t now = 1795000000ll * 1000000;
        int64_t got = 0, want;
        int r = ctl_parse_since(since_cases[_i].in, now, &got);

        ck_assert_msg((r == 0) == since_cases[_i].ok, "%s: %d", since_cases[_i].in, r);
        if (!since_cases[_i].ok)
                return;
        if (since_cases[_i].at) {
                ck_assert_int_eq(ctl_parse_time(since_cases[_i].at, &want), 0);
                ck_assert_int_eq(got, want);
        } else {
                ck_assert_int_eq(got, now - since_cases[_i].back_s * 1000000);
        }
}
END_TEST

START_TEST(test_age)
{
        static const struct { int64_t s; const char *out; } cases[] = {
                { -5, "0s" }, { 0, "0s" }, { 59, "59s" }, { 60, "1m" }, { 61, "1m 1s" }, { 3600, "1h" },
                { 3660, "1h 1m" }, { 3599, "59m 59s" }, { 86400 * 3 + 3600 * 16 + 59, "3d 16h" },
        };
        char buf[32];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                ck_assert_str_eq(ctl_format_age(cases[i].s, buf, sizeof(buf)), cases[i].out);
}
END_TEST

START_TEST(test_put_safe)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        static const char in[] = "a\033[31mb\x7f\xc2\x9b" "c\xc3\xa9";

        ck_assert_ptr_nonnull(f);
        ctl_put_safe(f, in, sizeof(in) - 1);
        fclose(f);
        ck_assert_str_eq(out, "a\\x1b[31mb\\x7f\\x9bc\xc3\xa9");     /* é passes, CSI does not */
        free(out);
}
END_TEST

static Suite *follow_suite(void)
{
        Suite *s = suite_create("ctl_follow");
        TCase *tc;

        tc = tcase_create("lines");
        tcase_add_test(tc, test_whole_lines);
        tcase_add_test(tc, test_at_end);
        tcase_add_test(tc, test_overlong_line);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);

        tc = tcase_create("rotation");
        tcase_add_loop_test(tc, test_spool_rotation, 0, (int)ELEMENTSOF(rotation_every));
        tcase_add_test(tc, test_logrotate_rename);
        tcase_add_test(tc, test_logrotate_create);
        tcase_add_test(tc, test_truncated);
        tcase_add_test(tc, test_torn_line_at_rotation);
        tcase_add_test(tc, test_rotated_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("formats");
        tcase_add_loop_test(tc, test_since, 0, (int)ELEMENTSOF(since_cases));
        tcase_add_test(tc, test_age);
        tcase_add_test(tc, test_put_safe);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        int rc;

        log_set_max_priority(LOG_WARNING);     /* the spool logs each rotation at info */
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        rc = unit_run(follow_suite());
        unit_rmtree(tmpdir);
        return rc;
}
