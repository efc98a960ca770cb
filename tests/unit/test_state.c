/* state.c and the correlator's save / restore: a restored correlator fires
 * exactly what an uninterrupted one fires; unknown or changed correlations
 * are dropped and counted; every truncation and corruption is rejected
 * cleanly (and leaves the correlator empty); the file operations (atomic
 * publish, O_NOFOLLOW, move aside); the max_state_bytes bound. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "spoor/cleanup.h"
#include "spoor/correlate.h"
#include "spoor/state.h"

#define S(x) ((int64_t)(x) * 1000000)
#define MAXFIRES 8192

struct fire_rec {
        size_t ci;
        char key[32];
        uint64_t count;
        double aggregate;
        int64_t first_us, last_us;
        size_t nevents;
        uint64_t records[4];
};

struct harness {
        struct correlator *c;
        struct fire_rec fires[MAXFIRES];
        size_t n;
};

static void on_fire(void *ud, const struct corr_fire *f)
{
        struct harness *h = ud;
        struct fire_rec *r;

        ck_assert_uint_lt(h->n, MAXFIRES);
        r = &h->fires[h->n++];
        memset(r, 0, sizeof(*r));
        r->ci = f->ci;
        snprintf(r->key, sizeof(r->key), "%s", f->key);
        r->count = f->count;
        r->aggregate = f->aggregate;
        r->first_us = f->first_us;
        r->last_us = f->last_us;
        r->nevents = f->nevents;
        for (size_t i = 0; i < f->nevents && i < 4; i++)
                r->records[i] = f->events[i].record_id;
}

static const struct corr_spec specs[] = {
        { .type = CORR_EVENT_COUNT, .nrefs = 1, .timespan_us = S(60),
          .cond = { .crit = { { CORR_GTE, 3 } }, .ncrit = 1 } },
        { .type = CORR_VALUE_COUNT, .nrefs = 1, .timespan_us = S(60),
          .cond = { .crit = { { CORR_GTE, 3 } }, .ncrit = 1 } },
        { .type = CORR_TEMPORAL, .nrefs = 2, .timespan_us = S(60) },
        { .type = CORR_TEMPORAL_ORDERED, .nrefs = 3, .timespan_us = S(120) },
        { .type = CORR_EVENT_COUNT, .nrefs = 1, .timespan_us = S(60),   /* decided at close */
          .cond = { .crit = { { CORR_EQ, 2 } }, .ncrit = 1 } },
        { .type = CORR_VALUE_SUM, .nrefs = 2, .timespan_us = S(60),
          .cond = { .crit = { { CORR_GT, 10 } }, .ncrit = 1 } },
        { .type = CORR_VALUE_PERCENTILE, .nrefs = 1, .timespan_us = S(90),
          .cond = { .crit = { { CORR_GTE, 5 } }, .ncrit = 1, .percentile = 50 } },
        { .type = CORR_VALUE_COUNT, .nrefs = 1, .timespan_us = S(60),   /* decided at close */
          .cond = { .crit = { { CORR_LT, 3 } }, .ncrit = 1 } },
};
#define NSPECS ELEMENTSOF(specs)

static const char *const ids[NSPECS] = {
        "c-event-count", "c-value-count", "c-temporal", "c-ordered",
        "c-count-eq", "c-sum", "c-percentile", "c-distinct-lt",
};

static void h_init(struct harness *h, const struct corr_spec *sp, size_t n)
{
        struct corr_opts o;

        memset(h, 0, sizeof(*h));
        corr_opts_init(&o);
        o.allowed_lateness_us = S(20);
        o.max_events_per_window = 3;            /* some events are not kept */
        o.fire = on_fire;
        o.ud = h;
        h->c = correlator_new(sp, n, &o);
        ck_assert_ptr_nonnull(h->c);
}

/* A deterministic stream: mostly in order, some arrivals up to 15 s late. */
struct obs {
        size_t ci;
        char key[16];
        int64_t t;
        uint16_t ref;
        char value[16];
        uint64_t record;
};

static size_t gen_stream(struct obs *out, size_t n, uint32_t seed)
{
        uint32_t x = seed;
        int64_t t = S(1000);

        for (size_t i = 0; i < n; i++) {
                struct obs *o = &out[i];
#define RND() (x = x * 1664525u + 1013904223u, x >> 8)
                o->ci = RND() % NSPECS;
                snprintf(o->key, sizeof(o->key), "host%u", RND() % 5);
                t += S(RND() % 9);
                o->t = t - ((RND() % 4 == 0) ? S(RND() % 15) : 0);
                o->ref = (uint16_t)(RND() % specs[o->ci].nrefs);
                snprintf(o->value, sizeof(o->value), "%u", RND() % 7);
                o->record = i + 1;
#undef RND
        }
        return n;
}

static void h_feed(struct harness *h, const struct obs *s, size_t from, size_t to)
{
        for (size_t i = from; i < to; i++) {
                struct corr_event ev = { .time_us = s[i].t, .ref = s[i].ref, .record_id = s[i].record,
                                         .has_record_id = true, .event_id = 4625 };

                snprintf(ev.host, sizeof(ev.host), "%s", s[i].key);
                snprintf(ev.channel, sizeof(ev.channel), "Security");
                correlator_observe(h->c, s[i].ci, s[i].key, &ev, s[i].value);
                if (i % 97 == 0)
                        correlator_advance(h->c, s[i].t);       /* an idle tick, at the same place in both runs */
        }
}

static int fire_cmp(const void *a, const void *b)
{
        const struct fire_rec *x = a, *y = b;
        int k;

        if (x->ci != y->ci)
                return x->ci < y->ci ? -1 : 1;
        if ((k = strcmp(x->key, y->key)))
                return k;
        if (x->first_us != y->first_us)
                return x->first_us < y->first_us ? -1 : 1;
        if (x->last_us != y->last_us)
                return x->last_us < y->last_us ? -1 : 1;
        return x->count < y->count ? -1 : x->count > y->count;
}

/* The file image of h's correlator. */
static unsigned char *save_image(struct harness *h, const char *const *rule_ids, size_t *len)
{
        struct state_writer w;
        unsigned char *img;

        ck_assert_int_eq(state_writer_init_mem(&w), 0);
        ck_assert_int_eq(correlator_save(h->c, rule_ids, &w), 0);
        ck_assert_int_eq(state_writer_finish(&w), 0);
        img = malloc(w.len);
        ck_assert_ptr_nonnull(img);
        memcpy(img, w.buf, w.len);
        *len = w.len;
        state_writer_fini(&w);
        return img;
}

static int restore_image(struct harness *h, const char *const *rule_ids, const unsigned char *img, size_t len)
{
        struct state_reader r;
        int rc = state_reader_open(&r, img, len);

        if (rc < 0)
                return rc;
        return correlator_restore(h->c, rule_ids, NSPECS, &r);
}

#define NOBS 3000
static struct obs stream[NOBS];
static struct harness ha, hb, hc;

/* save after each cut, restore into a new correlator, continue: the union
 * of the fires equals the uninterrupted run's. */
START_TEST(test_round_trip)
{
        static const size_t cuts[] = { 1, 17, 500, 1501, 2999 };

        gen_stream(stream, NOBS, 7);
        h_init(&ha, specs, NSPECS);
        h_feed(&ha, stream, 0, NOBS);
        correlator_advance(ha.c, INT64_MAX);
        ck_assert_uint_gt(ha.n, 100);
        for (size_t ci = 0; ci < NSPECS; ci++) {
                bool seen = false;
                for (size_t i = 0; i < ha.n; i++)
                        seen |= ha.fires[i].ci == ci;
                ck_assert_msg(seen, "correlation %zu never fires: the stream tests nothing for it", ci);
        }
        qsort(ha.fires, ha.n, sizeof(ha.fires[0]), fire_cmp);

        for (size_t k = 0; k < ELEMENTSOF(cuts); k++) {
                size_t len, restored;
                _cleanup_free_ unsigned char *img = NULL;

                h_init(&hb, specs, NSPECS);
                h_feed(&hb, stream, 0, cuts[k]);
                restored = correlator_stats(hb.c)->groups;
                img = save_image(&hb, ids, &len);
                correlator_free(hb.c);

                h_init(&hc, specs, NSPECS);
                ck_assert_int_eq(restore_image(&hc, ids, img, len), 0);
                ck_assert_uint_eq(correlator_stats(hc.c)->restored, restored);
                ck_assert_uint_eq(correlator_stats(hc.c)->groups, restored);
                ck_assert_uint_eq(correlator_stats(hc.c)->restore_dropped, 0);
                h_feed(&hc, stream, cuts[k], NOBS);
                correlator_advance(hc.c, INT64_MAX);
                ck_assert_uint_eq(hb.n + hc.n, ha.n);
                memcpy(hb.fires + hb.n, hc.fires, hc.n * sizeof(hc.fires[0]));
                qsort(hb.fires, hb.n + hc.n, sizeof(hb.fires[0]), fire_cmp);
                for (size_t i = 0; i < ha.n; i++) {
                        const struct fire_rec *x = &ha.fires[i], *y = &hb.fires[i];
                        ck_assert_msg(fire_cmp(x, y) == 0 && x->aggregate == y->aggregate &&
                                      x->nevents == y->nevents && memcmp(x->records, y->records, sizeof(x->records)) == 0,
                                      "cut %zu: fire %zu differs (ci %zu key %s count %llu/%llu agg %g/%g)", cuts[k], i,
                                      x->ci, x->key, (unsigned long long)x->count, (unsigned long long)y->count,
                                      x->aggregate, y->aggregate);
                }
                correlator_free(hc.c);
        }
        correlator_free(ha.c);
}
END_TEST

/* Restoring twice, or into a correlator that has seen events: EBUSY. */
START_TEST(test_restore_needs_new)
{
        size_t len;
        _cleanup_free_ unsigned char *img = NULL;

        gen_stream(stream, 200, 3);
        h_init(&hb, specs, NSPECS);
        h_feed(&hb, stream, 0, 200);
        img = save_image(&hb, ids, &len);
        ck_assert_int_eq(restore_image(&hb, ids, img, len), -EBUSY);
        correlator_free(hb.c);
        h_init(&hc, specs, NSPECS);
        ck_assert_int_eq(restore_image(&hc, ids, img, len), 0);
        ck_assert_int_eq(restore_image(&hc, ids, img, len), -EBUSY);
        correlator_free(hc.c);
}
END_TEST

/* Rules changed between runs: windows of unknown ids, or of a correlation
 * whose type or number of references changed, are dropped and counted; the
 * others are mapped by id onto their new index. */
START_TEST(test_unknown_ids)
{
        struct corr_spec moved[3] = { specs[3], specs[0], specs[2] };
        const char *const moved_ids[3] = { "c-ordered", "c-event-count", "c-temporal" };
        size_t len, per_ci[NSPECS] = { 0 }, want_dropped = 0;
        _cleanup_free_ unsigned char *img = NULL;
        struct state_reader r;
        struct corr_event ev = { .time_us = S(100), .ref = 0 };

        moved[2].nrefs = 3;                     /* c-temporal changed: now three rules */
        h_init(&hb, specs, NSPECS);
        for (size_t ci = 0; ci < NSPECS; ci++)
                for (int k = 0; k < 3; k++) {
                        char key[16], val[8];
                        snprintf(key, sizeof(key), "k%d", k);
                        snprintf(val, sizeof(val), "%d", k);
                        ev.time_us = S(100 + k);
                        correlator_observe(hb.c, ci, key, &ev, val);
                        per_ci[ci] = correlator_stats(hb.c)->groups;
                }
        for (size_t ci = NSPECS; ci-- > 1;)
                per_ci[ci] -= per_ci[ci - 1];
        for (size_t ci = 0; ci < NSPECS; ci++)
                if (ci != 3 && ci != 0)
                        want_dropped += per_ci[ci];
        img = save_image(&hb, ids, &len);
        correlator_free(hb.c);

        h_init(&hc, moved, 3);
        ck_assert_int_eq(state_reader_open(&r, img, len), 0);
        ck_assert_int_eq(correlator_restore(hc.c, moved_ids, 3, &r), 0);
        ck_assert_uint_eq(correlator_stats(hc.c)->restored, per_ci[3] + per_ci[0]);
        ck_assert_uint_eq(correlator_stats(hc.c)->restore_dropped, want_dropped);
        /* the event_count windows (now index 1) kept their observations: 1 more fires */
        ev.time_us = S(110);
        ev.ref = 0;
        correlator_observe(hc.c, 1, "k0", &ev, NULL);
        correlator_observe(hc.c, 1, "k0", &ev, NULL);
        ck_assert_uint_eq(hc.n, 0);             /* decided once the watermark passes 110 s */
        correlator_advance(hc.c, S(110) + S(20) + 1);
        ck_assert_uint_eq(hc.n, 1);
        ck_assert_uint_eq(hc.fires[0].ci, 1);
        ck_assert_uint_eq(hc.fires[0].count, 3);
        correlator_free(hc.c);
}
END_TEST

/* An image whose payload is `payload` (a valid header over it). */
static unsigned char *reseal(const unsigned char *payload, size_t plen, size_t *len)
{
        unsigned char *img = malloc(STATE_HEADER_BYTES + plen + 1);
        unsigned dlen = 0;

        ck_assert_ptr_nonnull(img);
        memset(img, 0, STATE_HEADER_BYTES);
        memcpy(img, STATE_MAGIC, 8);
        img[8] = STATE_VERSION;
        img[12] = STATE_HEADER_BYTES;
        for (int i = 0; i < 8; i++)
                img[16 + i] = (unsigned char)((uint64_t)plen >> (8 * i));
        ck_assert_int_eq(EVP_Digest(payload, plen, img + 24, &dlen, EVP_sha256(), NULL), 1);
        memcpy(img + STATE_HEADER_BYTES, payload, plen);
        *len = STATE_HEADER_BYTES + plen;
        return img;
}

static size_t small_image(unsigned char **img)
{
        size_t len;

        gen_stream(stream, 60, 11);
        h_init(&hb, specs, NSPECS);
        h_feed(&hb, stream, 0, 60);
        ck_assert_uint_gt(correlator_stats(hb.c)->groups, 5);
        *img = save_image(&hb, ids, &len);
        correlator_free(hb.c);
        return len;
}

/* Every prefix of a valid file is rejected by the container; every prefix
 * of its payload, sealed as if valid, by the decoder, which leaves the
 * correlator empty. */
START_TEST(test_truncated)
{
        _cleanup_free_ unsigned char *img = NULL;
        size_t len = small_image(&img), plen = len - STATE_HEADER_BYTES;
        struct state_reader r;

        for (size_t n = 0; n < len; n++) {
                ck_assert_int_eq(state_reader_open(&r, img, n), -EBADMSG);
                ck_assert(r.why[0]);
        }
        for (size_t n = 0; n < plen; n++) {
                size_t l;
                _cleanup_free_ unsigned char *bad = reseal(img + STATE_HEADER_BYTES, n, &l);

                h_init(&hc, specs, NSPECS);
                ck_assert_int_eq(restore_image(&hc, ids, bad, l), -EBADMSG);
                ck_assert_uint_eq(correlator_stats(hc.c)->groups, 0);
                correlator_free(hc.c);
        }
        {       /* trailing garbage */
                _cleanup_free_ unsigned char *p = malloc(plen + 3);
                size_t l;
                memcpy(p, img + STATE_HEADER_BYTES, plen);
                memcpy(p + plen, "xyz", 3);
                _cleanup_free_ unsigned char *bad = reseal(p, plen + 3, &l);
                h_init(&hc, specs, NSPECS);
                ck_assert_int_eq(restore_image(&hc, ids, bad, l), -EBADMSG);
                ck_assert_uint_eq(correlator_stats(hc.c)->groups, 0);
                correlator_free(hc.c);
        }
}
END_TEST

/* Any flipped bit is caught by the checksum; sealed anew, the decoder
 * either accepts a plausible value or rejects it, never crashes, never
 * half-restores. */
START_TEST(test_flipped)
{
        _cleanup_free_ unsigned char *img = NULL;
        size_t len = small_image(&img), plen = len - STATE_HEADER_BYTES, rejected = 0;
        struct state_reader r;

        for (size_t i = 0; i < len; i++) {
                img[i] ^= 0x10;
                ck_assert_int_eq(state_reader_open(&r, img, len), -EBADMSG);
                img[i] ^= 0x10;
        }
        for (size_t i = 0; i < plen; i++)
                for (unsigned bit = 0; bit < 8; bit += 3) {
                        size_t l;
                        _cleanup_free_ unsigned char *bad = NULL;
                        int rc;

                        img[STATE_HEADER_BYTES + i] ^= (unsigned char)(1u << bit);
                        bad = reseal(img + STATE_HEADER_BYTES, plen, &l);
                        img[STATE_HEADER_BYTES + i] ^= (unsigned char)(1u << bit);
                        h_init(&hc, specs, NSPECS);
                        rc = restore_image(&hc, ids, bad, l);
                        ck_assert_msg(rc == 0 || rc == -EBADMSG, "byte %zu bit %u: %d", i, bit, rc);
                        if (rc < 0) {
                                rejected++;
                                ck_assert_uint_eq(correlator_stats(hc.c)->groups, 0);
                        }
                        /* whatever was accepted still works */
                        gen_stream(stream, 50, 5);
                        h_feed(&hc, stream, 0, 50);
                        correlator_advance(hc.c, INT64_MAX);
                        ck_assert_uint_eq(correlator_stats(hc.c)->groups, 0);
                        correlator_free(hc.c);
                }
        ck_assert_uint_gt(rejected, plen / 4);
}
END_TEST

/* Header fields: magic, version, sizes. */
START_TEST(test_header)
{
        _cleanup_free_ unsigned char *img = NULL;
        size_t len = small_image(&img);
        struct state_reader r;

        ck_assert_int_eq(state_reader_open(&r, img, len), 0);
        img[0] = 'X';
        ck_assert_int_eq(state_reader_open(&r, img, len), -EBADMSG);
        ck_assert_str_eq(r.why, "bad magic (not a spoor state file)");
        img[0] = 'S';
        img[8] = 2;
        ck_assert_int_eq(state_reader_open(&r, img, len), -EBADMSG);
        ck_assert_str_eq(r.why, "format version 2 (this spoord reads 1)");
        img[8] = 1;
        img[len - 1] ^= 1;
        ck_assert_int_eq(state_reader_open(&r, img, len), -EBADMSG);
        ck_assert_str_eq(r.why, "checksum mismatch");
        img[len - 1] ^= 1;
        ck_assert_int_eq(state_reader_open(&r, img, len), 0);
}
END_TEST

/* A correlation state of another version (version 1 had no version
 * field: its magic was "CORR") is rejected as a version mismatch, and the
 * correlator stays empty. */
START_TEST(test_corr_version)
{
        static const unsigned char v1[] = { 'C', 'O', 'R', 'R', 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0 };
        static const unsigned char v3[] = { 'C', 'O', 'R', 'W', 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 };
        const unsigned char *const imgs[] = { v1, v3 };

        for (size_t i = 0; i < ELEMENTSOF(imgs); i++) {
                size_t l;
                _cleanup_free_ unsigned char *img = reseal(imgs[i], sizeof(v1), &l);
                struct state_reader r;

                h_init(&hc, specs, NSPECS);
                ck_assert_int_eq(state_reader_open(&r, img, l), 0);
                ck_assert_int_eq(correlator_restore(hc.c, ids, NSPECS, &r), -EBADMSG);
                ck_assert_msg(strstr(r.why, "version mismatch"), "%s", r.why);
                ck_assert_uint_eq(correlator_stats(hc.c)->groups, 0);
                correlator_free(hc.c);
        }
}
END_TEST

/* ---- files ------------------------------------------------------------------------ */

static char tmpdir[256];

static void mk_tmpdir(void)
{
        snprintf(tmpdir, sizeof(tmpdir), "%s/spoor-state.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
        char cmd[300];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        ck_assert_int_eq(system(cmd), 0);
}

static int fill_obs(void *ud, struct state_writer *w)
{
        return correlator_save(ud, ids, w);
}

START_TEST(test_files)
{
        char path[512], err[512], aside[300];
        _cleanup_free_ void *buf = NULL;
        size_t len = 0;
        struct stat st;
        struct state_reader r;
        int dfd, fd;

        mk_tmpdir();
        snprintf(path, sizeof(path), "%s/missing/state", tmpdir);
        ck_assert_int_eq(state_dir_open(path, err, sizeof(err)), -ENOENT);
        ck_assert_ptr_nonnull(strstr(err, "parent directory does not exist"));
        snprintf(path, sizeof(path), "%s/state", tmpdir);
        dfd = state_dir_open(path, err, sizeof(err));
        ck_assert_int_ge(dfd, 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0750);
        ck_assert_int_eq(state_read(dfd, "correlation.state", &buf, &len), -ENOENT);

        /* a temporary file left by a crash does not block the save */
        fd = openat(dfd, "correlation.state.tmp", O_WRONLY | O_CREAT, 0600);
        ck_assert_int_ge(fd, 0);
        close(fd);
        gen_stream(stream, 300, 9);
        h_init(&hb, specs, NSPECS);
        h_feed(&hb, stream, 0, 300);
        ck_assert_int_eq(state_save(dfd, "correlation.state", fill_obs, hb.c), 0);
        ck_assert_int_eq(faccessat(dfd, "correlation.state.tmp", F_OK, 0), -1);
        ck_assert_int_eq(state_read(dfd, "correlation.state", &buf, &len), 0);
        ck_assert_int_eq(state_reader_open(&r, buf, len), 0);
        h_init(&hc, specs, NSPECS);
        ck_assert_int_eq(correlator_restore(hc.c, ids, NSPECS, &r), 0);
        ck_assert_uint_eq(correlator_stats(hc.c)->groups, correlator_stats(hb.c)->groups);
        correlator_free(hc.c);
        free(TAKE_PTR(buf));

        /* no correlations loaded: an empty state, still a valid file */
        ck_assert_int_eq(state_save(dfd, "correlation.state", fill_obs, NULL), 0);
        ck_assert_int_eq(state_read(dfd, "correlation.state", &buf, &len), 0);
        ck_assert_int_eq(state_reader_open(&r, buf, len), 0);
        free(TAKE_PTR(buf));

        /* moved aside, never replacing an earlier one */
        ck_assert_int_eq(state_move_aside(dfd, "correlation.state", aside, sizeof(aside)), 0);
        ck_assert_ptr_nonnull(strstr(aside, "correlation.state.corrupt-"));
        ck_assert_int_eq(faccessat(dfd, aside, F_OK, 0), 0);
        ck_assert_int_eq(state_save(dfd, "correlation.state", fill_obs, hb.c), 0);
        {
                char aside2[300];
                ck_assert_int_eq(state_move_aside(dfd, "correlation.state", aside2, sizeof(aside2)), 0);
                ck_assert_str_ne(aside, aside2);
        }

        /* never through a symlink */
        ck_assert_int_eq(symlinkat("/etc/passwd", dfd, "correlation.state"), 0);
        ck_assert_int_eq(state_read(dfd, "correlation.state", &buf, &len), -ELOOP);
        ck_assert_int_eq(symlinkat("target", dfd, "correlation.state.tmp"), 0);
        ck_assert_int_eq(state_save(dfd, "correlation.state", fill_obs, hb.c), 0);     /* link replaced */
        ck_assert_int_eq(fstatat(dfd, "correlation.state", &st, AT_SYMLINK_NOFOLLOW), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(fstatat(dfd, "target", &st, AT_SYMLINK_NOFOLLOW), -1);
        correlator_free(hb.c);
        close(dfd);
        rm_tmpdir();
}
END_TEST

static int fill_fail(void *ud, struct state_writer *w)
{
        state_put_u32(w, 42);
        return -EIO;
}

START_TEST(test_save_failure_keeps_old)
{
        char path[512], err[512];
        _cleanup_free_ void *buf = NULL;
        size_t len = 0, len2 = 0;
        _cleanup_free_ void *buf2 = NULL;
        int dfd;

        mk_tmpdir();
        snprintf(path, sizeof(path), "%s/state", tmpdir);
        dfd = state_dir_open(path, err, sizeof(err));
        ck_assert_int_ge(dfd, 0);
        gen_stream(stream, 100, 4);
        h_init(&hb, specs, NSPECS);
        h_feed(&hb, stream, 0, 100);
        ck_assert_int_eq(state_save(dfd, "correlation.state", fill_obs, hb.c), 0);
        ck_assert_int_eq(state_read(dfd, "correlation.state", &buf, &len), 0);
        ck_assert_int_eq(state_save(dfd, "correlation.state", fill_fail, NULL), -EIO);
        ck_assert_int_eq(state_read(dfd, "correlation.state", &buf2, &len2), 0);
        ck_assert_uint_eq(len, len2);
        ck_assert_int_eq(memcmp(buf, buf2, len), 0);
        ck_assert_int_eq(faccessat(dfd, "correlation.state.tmp", F_OK, 0), -1);
        correlator_free(hb.c);
        close(dfd);
        rm_tmpdir();
}
END_TEST

/* ---- bounded state ------------------------------------------------------------------ */

/* 100,000 groups against a 1 MiB bound: state_bytes never exceeds it, the
 * least recently active groups go first, evictions are counted. */
START_TEST(test_state_bytes_bound)
{
        static const struct corr_spec sp[] = {
                { .type = CORR_EVENT_COUNT, .nrefs = 1, .timespan_us = S(3600),
                  .cond = { .crit = { { CORR_GTE, 5 } }, .ncrit = 1 } },
        };
        struct corr_opts o;
        struct correlator *c;
        const struct corr_stats *st;
        char key[32];

        corr_opts_init(&o);
        o.max_state_bytes = 1024 * 1024;
        c = correlator_new(sp, 1, &o);
        ck_assert_ptr_nonnull(c);
        st = correlator_stats(c);
        for (int i = 0; i < 100000; i++) {
                struct corr_event ev = { .time_us = S(1000) + i, .ref = 0 };

                snprintf(key, sizeof(key), "ws-%06d.corp.example", i);
                snprintf(ev.host, sizeof(ev.host), "%s", key);
                correlator_observe(c, 0, key, &ev, NULL);
                ck_assert_uint_le(st->state_bytes, o.max_state_bytes);
        }
        ck_assert_uint_le(st->state_bytes_peak, o.max_state_bytes);
        ck_assert_uint_gt(st->evicted, 90000);
        ck_assert_uint_eq(st->evicted + st->groups, 100000);
        /* the newest groups survived: ws-099999 is still counting */
        for (int k = 0; k < 4; k++) {
                struct corr_event ev = { .time_us = S(1001), .ref = 0 };
                correlator_observe(c, 0, "ws-099999.corp.example", &ev, NULL);
        }
        correlator_advance(c, S(1001) + S(300) + 1);    /* the watermark passes 1001 s */
        ck_assert_uint_eq(st->fired, 1);
        correlator_free(c);
}
END_TEST

static Suite *state_suite(void)
{
        Suite *s = suite_create("state");
        struct {
                const char *name;
                const TTest *fn;
        } cases[] = {
                { "round_trip", test_round_trip },
                { "restore_needs_new", test_restore_needs_new },
                { "unknown_ids", test_unknown_ids },
                { "truncated", test_truncated },
                { "flipped", test_flipped },
                { "header", test_header },
                { "corr_version", test_corr_version },
                { "files", test_files },
                { "save_failure_keeps_old", test_save_failure_keeps_old },
                { "state_bytes_bound", test_state_bytes_bound },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_add_test(tc, cases[i].fn);
                tcase_set_timeout(tc, 60);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        return unit_run(state_suite());
}
