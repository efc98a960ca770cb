/* daemon/engine/firstseen.c: the first_seen baseline table. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spoor/firstseen.h"
#include "spoor/state.h"
#include "unit.h"

#define S 1000000LL
#define H (3600 * S)
#define T0 (1795000000LL * S)

/* correlation 0: windowed (not first_seen); 1: history 1d, no learning;
 * 2: history 1d, learning 1h */
static const struct firstseen_spec specs[] = {
        { false, 0, 0 },
        { true, 24 * H, 0 },
        { true, 24 * H, H },
};
static const char *const ids[] = { "w", "fs-a", "fs-b" };
static const char *const sigs[] = { NULL, "sig-a", "sig-b" };

static struct firstseen *fs_new(size_t max)
{
        struct firstseen *fs = firstseen_new(specs, 3, &(struct firstseen_opts){ .max_entries = max });

        ck_assert_ptr_nonnull(fs);
        return fs;
}

static int obs(struct firstseen *fs, size_t ci, const char *group, const char *combo, int64_t t)
{
        return firstseen_observe(fs, ci, group, strlen(group), combo, strlen(combo), t, t);
}

START_TEST(test_new_then_seen)
{
        struct firstseen *fs = fs_new(0);

        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0), 1);
        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0 + S), 0);
        ck_assert_int_eq(obs(fs, 1, "A", "bob", T0 + 2 * S), 1);
        ck_assert_int_eq(obs(fs, 1, "A", "bob", T0 + 3 * S), 0);
        ck_assert_uint_eq(firstseen_stats(fs)->entries, 2);
        ck_assert_uint_eq(firstseen_stats(fs)->fired, 2);
        /* out of order, older than the last sighting: still known */
        ck_assert_int_eq(obs(fs, 1, "A", "bob", T0 - H), 0);
        /* not a first_seen slot, out of range */
        ck_assert_int_eq(obs(fs, 0, "A", "x", T0), -EINVAL);
        ck_assert_int_eq(obs(fs, 3, "A", "x", T0), -EINVAL);
        firstseen_free(fs);
}
END_TEST

START_TEST(test_groups_and_correlations_separate)
{
        struct firstseen *fs = fs_new(0);

        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0), 1);
        ck_assert_int_eq(obs(fs, 1, "B", "alice", T0), 1);
        ck_assert_int_eq(obs(fs, 1, "B", "alice", T0 + S), 0);
        /* the same group and combination in another correlation */
        ck_assert_int_eq(obs(fs, 2, "A", "alice", T0), 0);     /* learning */
        ck_assert_uint_eq(firstseen_stats(fs)->entries, 3);
        firstseen_free(fs);
}
END_TEST

START_TEST(test_history_expiry)
{
        struct firstseen *fs = fs_new(0);

        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0), 1);
        /* exactly history later: still known (and refreshed) */
        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0 + 24 * H), 0);
        /* more than history after the last sighting: first again */
        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0 + 48 * H + S), 1);
        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0 + 48 * H + 2 * S), 0);
        firstseen_free(fs);
}
END_TEST

START_TEST(test_lazy_prune)
{
        struct firstseen *fs = fs_new(0);

        for (int i = 0; i < 10; i++) {
                char u[16];
                snprintf(u, sizeof(u), "u%d", i);
                ck_assert_int_eq(obs(fs, 1, "A", u, T0 + i * S), 1);
        }
        ck_assert_uint_eq(firstseen_stats(fs)->entries, 10);
        /* two days later every old entry is expired: dropped a few at a time */
        for (int i = 0; i < 10; i++)
                obs(fs, 1, "B", "x", T0 + 48 * H + i * S);
        ck_assert_uint_eq(firstseen_stats(fs)->expired, 10);
        ck_assert_uint_eq(firstseen_stats(fs)->entries, 1);
        firstseen_free(fs);
}
END_TEST

START_TEST(test_learning)
{
        struct firstseen *fs = fs_new(0);

        /* learning begins with the first observation's event time */
        ck_assert_int_eq(obs(fs, 2, "A", "alice", T0), 0);
        ck_assert_int_eq(obs(fs, 2, "A", "dave", T0 + H - S), 0);
        ck_assert_uint_eq(firstseen_stats(fs)->learning, 2);
        /* an event dated before the beginning is still learning */
        ck_assert_int_eq(obs(fs, 2, "A", "erin", T0 - H), 0);
        ck_assert_int_eq(obs(fs, 2, "A", "alice", T0 + H), 0);
        ck_assert_int_eq(obs(fs, 2, "A", "dave", T0 + H + S), 0);
        ck_assert_int_eq(obs(fs, 2, "A", "bob", T0 + H), 1);
        firstseen_free(fs);
}
END_TEST

START_TEST(test_skewed_does_not_start_learning)
{
        struct firstseen *fs = fs_new(0);

        /* dated a day ahead of its receive time */
        ck_assert_int_eq(firstseen_observe(fs, 2, "A", 1, "x", 1, T0 + 24 * H, T0), 0);
        ck_assert_int_eq(obs(fs, 2, "A", "y", T0), 0);          /* learning begins here */
        ck_assert_int_eq(obs(fs, 2, "A", "z", T0 + H), 1);
        firstseen_free(fs);
}
END_TEST

START_TEST(test_eviction)
{
        struct firstseen *fs = fs_new(100);

        for (int i = 0; i < 150; i++) {
                char u[16];
                snprintf(u, sizeof(u), "u%d", i);
                ck_assert_int_eq(obs(fs, 1, "A", u, T0 + i * S), 1);
        }
        ck_assert_uint_eq(firstseen_stats(fs)->entries, 100);
        ck_assert_uint_eq(firstseen_stats(fs)->evicted, 50);
        /* the least recently touched went first: u0 is new again, u149 known */
        ck_assert_int_eq(obs(fs, 1, "A", "u149", T0 + 200 * S), 0);
        ck_assert_int_eq(obs(fs, 1, "A", "u0", T0 + 201 * S), 1);
        ck_assert_uint_eq(firstseen_stats(fs)->entries, 100);
        firstseen_free(fs);
}
END_TEST

static void save(const struct firstseen *fs, struct state_writer *w)
{
        ck_assert_int_eq(state_writer_init_mem(w), 0);
        ck_assert_int_eq(firstseen_save(fs, ids, sigs, w), 0);
        ck_assert_int_eq(state_writer_finish(w), 0);
}

START_TEST(test_round_trip)
{
        struct firstseen *fs = fs_new(0), *fs2;
        struct state_writer w;
        struct state_reader r;

        ck_assert_int_eq(obs(fs, 1, "A", "alice", T0), 1);
        ck_assert_int_eq(obs(fs, 1, "B", "bob", T0 + S), 1);
        ck_assert_int_eq(obs(fs, 2, "A", "carol", T0), 0);     /* learning began at T0 */
        save(fs, &w);
        firstseen_free(fs);

        fs2 = fs_new(0);
        ck_assert_int_eq(state_reader_open(&r, w.buf, w.len), 0);
        ck_assert_int_eq(firstseen_restore(fs2, ids, sigs, 3, &r), 0);
        ck_assert_uint_eq(firstseen_stats(fs2)->restored, 3);
        ck_assert_uint_eq(firstseen_stats(fs2)->entries, 3);
        ck_assert_int_eq(obs(fs2, 1, "A", "alice", T0 + H), 0);
        ck_assert_int_eq(obs(fs2, 1, "B", "bob", T0 + H), 0);
        ck_assert_int_eq(obs(fs2, 1, "B", "alice", T0 + H), 1);
        ck_assert_int_eq(obs(fs2, 2, "A", "carol", T0 + 2 * H), 0);
        /* learning is not restarted by the restart: it began at T0 */
        ck_assert_int_eq(obs(fs2, 2, "A", "dan", T0 + 2 * H), 1);
        /* a restore needs a new table */
        ck_assert_int_eq(state_reader_open(&r, w.buf, w.len), 0);
        ck_assert_int_eq(firstseen_restore(fs2, ids, sigs, 3, &r), -EBUSY);
        firstseen_free(fs2);
        state_writer_fini(&w);
}
END_TEST

START_TEST(test_changed_rules)
{
        static const char *const ids2[] = { "w", "fs-a", "fs-c" };
        static const char *const sigs2[] = { NULL, "sig-a-changed", "sig-b" };
        struct firstseen *fs = fs_new(0), *fs2;
        struct state_writer w;
        struct state_reader r;

        obs(fs, 1, "A", "alice", T0);
        obs(fs, 2, "A", "carol", T0);
        save(fs, &w);
        firstseen_free(fs);
        fs2 = fs_new(0);
        ck_assert_int_eq(state_reader_open(&r, w.buf, w.len), 0);
        ck_assert_int_eq(firstseen_restore(fs2, ids2, sigs2, 3, &r), 0);
        ck_assert_uint_eq(firstseen_stats(fs2)->restored, 0);
        ck_assert_uint_eq(firstseen_stats(fs2)->restore_dropped, 2);
        ck_assert_int_eq(obs(fs2, 1, "A", "alice", T0 + S), 1);
        firstseen_free(fs2);
        state_writer_fini(&w);
}
END_TEST

START_TEST(test_restore_expired_and_bound)
{
        struct firstseen *fs = fs_new(0), *fs2;
        struct state_writer w;
        struct state_reader r;

        obs(fs, 1, "A", "old", T0);
        for (int i = 0; i < 5; i++) {
                char u[16];
                snprintf(u, sizeof(u), "u%d", i);
                obs(fs, 1, "B", u, T0 + 30 * H + i * S);
        }
        save(fs, &w);
        firstseen_free(fs);
        fs2 = firstseen_new(specs, 3, &(struct firstseen_opts){ .max_entries = 3 });
        ck_assert_ptr_nonnull(fs2);
        ck_assert_int_eq(state_reader_open(&r, w.buf, w.len), 0);
        ck_assert_int_eq(firstseen_restore(fs2, ids, sigs, 3, &r), 0);
        ck_assert_uint_eq(firstseen_stats(fs2)->entries, 3);
        ck_assert_uint_eq(firstseen_stats(fs2)->evicted, 2);
        ck_assert_int_eq(obs(fs2, 1, "B", "u4", T0 + 31 * H), 0);
        ck_assert_int_eq(obs(fs2, 1, "B", "u0", T0 + 31 * H), 1);
        firstseen_free(fs2);
        state_writer_fini(&w);
}
END_TEST

START_TEST(test_corrupt)
{
        struct firstseen *fs = fs_new(0), *fs2;
        struct state_writer w, w2;
        struct state_reader r;
        unsigned char *img;

        obs(fs, 1, "A", "alice", T0);
        obs(fs, 1, "B", "bob", T0);
        save(fs, &w);
        /* every truncation of the payload is refused, leaving the table empty */
        for (size_t cut = STATE_HEADER_BYTES; cut < w.len; cut++) {
                fs2 = fs_new(0);
                r = (struct state_reader){ .p = w.buf + STATE_HEADER_BYTES, .len = cut - STATE_HEADER_BYTES };
                ck_assert_int_eq(firstseen_restore(fs2, ids, sigs, 3, &r), -EBADMSG);
                ck_assert_uint_eq(firstseen_stats(fs2)->entries, 0);
                ck_assert_int_eq(obs(fs2, 1, "A", "alice", T0 + S), 1);
                firstseen_free(fs2);
        }
        /* a flipped byte fails the checksum */
        img = malloc(w.len);
        memcpy(img, w.buf, w.len);
        img[w.len - 1] ^= 1;
        ck_assert_int_eq(state_reader_open(&r, img, w.len), -EBADMSG);
        free(img);
        /* trailing bytes; a duplicate entry; a bad magic */
        ck_assert_int_eq(state_writer_init_mem(&w2), 0);
        ck_assert_int_eq(firstseen_save(fs, ids, sigs, &w2), 0);
        state_put_u8(&w2, 0);
        ck_assert_int_eq(state_writer_finish(&w2), 0);
        fs2 = fs_new(0);
        ck_assert_int_eq(state_reader_open(&r, w2.buf, w2.len), 0);
        ck_assert_int_eq(firstseen_restore(fs2, ids, sigs, 3, &r), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(r.why, "trailing"));
        firstseen_free(fs2);
        state_writer_fini(&w2);

        ck_assert_int_eq(state_writer_init_mem(&w2), 0);
        state_put_u32(&w2, 0x54535246u);
        state_put_u64(&w2, 1);
        state_put_u64(&w2, 2);
        state_put_i64(&w2, T0);
        state_put_u32(&w2, 1);
        state_put_str(&w2, "fs-a", 4);
        state_put_str(&w2, "sig-a", 5);
        state_put_i64(&w2, T0);
        state_put_u64(&w2, 2);
        for (int i = 0; i < 2; i++) {
                state_put_u32(&w2, 0);
                state_put_u64(&w2, 7);
                state_put_u64(&w2, 8);
                state_put_i64(&w2, T0);
        }
        ck_assert_int_eq(state_writer_finish(&w2), 0);
        fs2 = fs_new(0);
        ck_assert_int_eq(state_reader_open(&r, w2.buf, w2.len), 0);
        ck_assert_int_eq(firstseen_restore(fs2, ids, sigs, 3, &r), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(r.why, "twice"));
        ck_assert_uint_eq(firstseen_stats(fs2)->entries, 0);
        firstseen_free(fs2);
        state_writer_fini(&w2);

        ck_assert_int_eq(state_writer_init_mem(&w2), 0);
        state_put_u32(&w2, 0x52524f43u);   /* a correlation.state payload */
        ck_assert_int_eq(state_writer_finish(&w2), 0);
        fs2 = fs_new(0);
        ck_assert_int_eq(state_reader_open(&r, w2.buf, w2.len), 0);
        ck_assert_int_eq(firstseen_restore(fs2, ids, sigs, 3, &r), -EBADMSG);
        firstseen_free(fs2);
        state_writer_fini(&w2);

        firstseen_free(fs);
        state_writer_fini(&w);
}
END_TEST

START_TEST(test_empty_save)
{
        struct state_writer w;
        struct state_reader r;
        struct firstseen *fs = fs_new(0);

        ck_assert_int_eq(state_writer_init_mem(&w), 0);
        ck_assert_int_eq(firstseen_save(NULL, ids, sigs, &w), 0);
        ck_assert_int_eq(state_writer_finish(&w), 0);
        ck_assert_int_eq(state_reader_open(&r, w.buf, w.len), 0);
        ck_assert_int_eq(firstseen_restore(fs, ids, sigs, 3, &r), 0);
        ck_assert_uint_eq(firstseen_stats(fs)->entries, 0);
        firstseen_free(fs);
        state_writer_fini(&w);
        /* invalid specs */
        ck_assert_ptr_null(firstseen_new((struct firstseen_spec[]){ { true, 0, 0 } }, 1, NULL));
        ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *firstseen_suite(void)
{
        Suite *s = suite_create("firstseen");
        const struct {
                const char *name;
                const TTest *fn;
        } cases[] = {
                { "new_then_seen", test_new_then_seen },
                { "groups_and_correlations_separate", test_groups_and_correlations_separate },
                { "history_expiry", test_history_expiry },
                { "lazy_prune", test_lazy_prune },
                { "learning", test_learning },
                { "skewed_does_not_start_learning", test_skewed_does_not_start_learning },
                { "eviction", test_eviction },
                { "round_trip", test_round_trip },
                { "changed_rules", test_changed_rules },
                { "restore_expired_and_bound", test_restore_expired_and_bound },
                { "corrupt", test_corrupt },
                { "empty_save", test_empty_save },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_add_test(tc, cases[i].fn);
                tcase_set_timeout(tc, 60);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        return unit_run(firstseen_suite());
}
