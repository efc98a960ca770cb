/* The state files read at start (a corrupted state file is input spoord did
 * not write): state.c's container, correlator_restore (correlation.state),
 * firstseen_restore (first_seen.state), coverage_restore (coverage.state).
 *
 * Input: 1 selector byte, then the rest.
 *   selector % 8:
 *     0, 1, 2  the rest is a payload for the correlator, first_seen or the
 *              coverage model: wrapped in a valid container (magic,
 *              version, sizes, SHA-256 computed here, so the checksum does
 *              not stop the fuzzer), opened, restored;
 *     3        the rest is a whole file image for state_reader_open;
 *     4, 5, 6  the rest is a program driving a live correlator, first_seen
 *              table or coverage model (see the prog_* functions); its
 *              state is saved, restored into a new one and saved again;
 *     7        as 3.
 * Checked:
 *   - state_reader_open: 0, or -EBADMSG with a reason; on 0 the payload
 *     lies inside the image;
 *   - restore: 0, -EBADMSG with a reason, or -ENOMEM; never a crash, a leak
 *     or undefined behaviour, whatever the bytes;
 *   - after a successful restore the object works: it is saved, and that
 *     image restores, and from then on restore and save are stable (the
 *     same bytes each round); then events are fed, time is flushed, and every fire and
 *     gap record it writes is sane (correlation leads built with record.c
 *     and gap lines are one line of JSON, fuzz_json_line);
 *   - a program's state restores (0) and is stable the same way.
 * Seeds: FUZZ_STATE_SEEDS=DIR with the replay build writes each program's
 * saved payload to DIR as a mode 0-2 input (tests/fuzz/corpus/fuzz_state/
 * state-*: regenerate them after a format change with
 *   FUZZ_STATE_SEEDS=tests/fuzz/corpus/fuzz_state \
 *     build/tests/fuzz/fuzz_state-replay tests/fuzz/corpus/fuzz_state/prog-*). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>

#include <openssl/sha.h>

#include "fuzz.h"
#include "fuzz_json.h"
#include "spoor/correlate.h"
#include "spoor/coverage.h"
#include "daemon/coverage/persist.h"     /* coverage_state_lost*: spoord.c and tests only */
#include "spoor/firstseen.h"
#include "spoor/record.h"
#include "spoor/sigma.h"
#include "spoor/state.h"

#define SEC INT64_C(1000000)
#define T0 INT64_C(1795341600000000)   /* 2026-11-22T10:00:00Z */
#define MAX_EVENTS 4

enum target { T_CORR, T_FS, T_COV, _T_MAX };

/* ---- the loaded "rules" -------------------------------------------------- */

#define C1(o, v) { .crit = { { o, v } }, .ncrit = 1 }
static const struct corr_spec corr_specs[] = {
        { CORR_EVENT_COUNT, 1, 60 * SEC, C1(CORR_GTE, 3) },
        { CORR_VALUE_COUNT, 2, 300 * SEC, C1(CORR_GTE, 2) },
        { CORR_TEMPORAL, 2, 120 * SEC, { .ncrit = 0 } },
        { CORR_TEMPORAL_ORDERED, 3, 600 * SEC, { .ncrit = 0 } },
        { CORR_VALUE_SUM, 1, 3600 * SEC, C1(CORR_GT, 100) },
        { CORR_VALUE_AVG, 1, 60 * SEC, { .crit = { { CORR_GT, 1 }, { CORR_LTE, 10 } }, .ncrit = 2 } },
        { CORR_VALUE_PERCENTILE, 1, 60 * SEC, { .crit = { { CORR_GT, 5 } }, .ncrit = 1, .percentile = 90 } },
        { CORR_EVENT_COUNT, 1, 60 * SEC, C1(CORR_LT, 2) },
};
#define NCORR (sizeof(corr_specs) / sizeof(corr_specs[0]))
static const char *const corr_ids[NCORR] = { "c-count", "c-values", "c-temporal", "c-ordered",
                                             "c-sum", "c-avg", "c-pct", "c-few" };

static const struct firstseen_spec fs_specs[] = {
        { true, 3600 * SEC, 0 },
        { true, 86400 * SEC, 600 * SEC },
        { false, 0, 0 },
};
#define NFS (sizeof(fs_specs) / sizeof(fs_specs[0]))
static const char *const fs_ids[NFS] = { "fs-a", "fs-b", "not-fs" };
static const char *const fs_sigs[NFS] = { "group:host;fields:User", "group:host;fields:TaskName,User", "" };

static const char *const hosts[] = { "ws1", "ws2.corp.example", "dc1", "srv-9" };
static const char *const channels[] = { "Security", "System", "Microsoft-Windows-Sysmon/Operational",
                                        "Application" };
static const uint16_t eids[] = { 4688, 4698, 1, 104, 1102, 106, 4719, 7045 };

/* ---- record checks --------------------------------------------------- */

static size_t records;

static void gap_line(void *ud, const char *line, size_t len)
{
        struct json_object *o = fuzz_json_line(line, len, false);

        (void)ud;
        records++;
        fuzz_json_str_eq(o, "type", "gap", 3);
        json_object_put(o);
}

static struct sigma_rule corr_rule = { .id = "c", .title = "correlation", .status = "", .level = SIGMA_LEVEL_HIGH };

static void on_fire(void *ud, const struct corr_fire *f)
{
        const struct corr_spec *sp;
        struct sigma_corr sc;
        char *group_by[1] = { "Host" }, *out = NULL;
        const char *gv[1];
        size_t len = 0;

        (void)ud;
        fuzz_assert(f->ci < NCORR);
        sp = &corr_specs[f->ci];
        fuzz_assert(f->key != NULL);
        fuzz_assert(f->nevents <= MAX_EVENTS);
        fuzz_assert(f->nevents == 0 || f->events != NULL);
        fuzz_assert(f->count >= f->nevents);
        fuzz_assert(f->first_us <= f->last_us);
        for (size_t i = 0; i < f->nevents; i++) {
                fuzz_assert(f->events[i].ref < sp->nrefs);
                fuzz_assert(memchr(f->events[i].host, '\0', sizeof(f->events[i].host)) != NULL);
                fuzz_assert(memchr(f->events[i].channel, '\0', sizeof(f->events[i].channel)) != NULL);
        }
        memset(&sc, 0, sizeof(sc));
        sc.meta = &corr_rule;
        sc.spec = *sp;
        sc.group_by = group_by;
        sc.ngroup_by = 1;
        sc.value_field = sp->type >= CORR_VALUE_SUM || sp->type == CORR_VALUE_COUNT ? "Value" : NULL;
        gv[0] = f->key;
        fuzz_assert(record_lead_correlation(&sc, f, gv, NULL, T0, &out, &len) == 0);
        json_object_put(fuzz_json_line(out, len, false));
        free(out);
        records++;
}

/* ---- containers ------------------------------------------------------- */

static void put_le(unsigned char *p, uint64_t v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

/* A whole file image around payload[0..n), in a block of exactly its size. */
static unsigned char *wrap(const void *payload, size_t n, size_t *len)
{
        unsigned char *img = malloc(STATE_HEADER_BYTES + n);

        fuzz_assert(img != NULL);
        memcpy(img, STATE_MAGIC, 8);
        put_le(img + 8, STATE_VERSION, 4);
        put_le(img + 12, STATE_HEADER_BYTES, 4);
        put_le(img + 16, n, 8);
        SHA256(payload, n, img + 24);
        memset(img + 56, 0, 8);
        if (n)
                memcpy(img + STATE_HEADER_BYTES, payload, n);
        *len = STATE_HEADER_BYTES + n;
        return img;
}

static void check_fail(const struct state_reader *r, int rc)
{
        fuzz_assert(rc == -EBADMSG || rc == -ENOMEM);
        if (rc == -EBADMSG) {
                fuzz_assert(memchr(r->why, '\0', sizeof(r->why)) != NULL);
                fuzz_assert(r->why[0] != '\0');
        }
}

/* ---- the three owners ------------------------------------------------- */

struct owner {
        struct correlator *corr;
        struct firstseen *fs;
        struct coverage *cov;
};

static void owner_new(enum target t, struct owner *o)
{
        memset(o, 0, sizeof(*o));
        if (t == T_CORR) {
                struct corr_opts co;

                corr_opts_init(&co);
                co.allowed_lateness_us = 60 * SEC;
                co.max_groups = 64;
                co.max_events_per_window = MAX_EVENTS;
                co.max_state_bytes = 256 * 1024;
                co.fire = on_fire;
                o->corr = correlator_new(corr_specs, NCORR, &co);
                fuzz_assert(o->corr != NULL);
        } else if (t == T_FS) {
                struct firstseen_opts fo = { .max_entries = 256 };

                o->fs = firstseen_new(fs_specs, NFS, &fo);
                fuzz_assert(o->fs != NULL);
        } else {
                struct coverage_opts co = {
                        .grace_us = 3600 * SEC,
                        .silence_us = 7200 * SEC,
                        .max_skew_us = 600 * SEC,
                        .twin_window_us = 60 * SEC,
                        .judge_clock = true,
                        .max_hosts = 8,
                        .write = gap_line,
                };

                o->cov = coverage_new(&co);
                fuzz_assert(o->cov != NULL);
        }
}

static void owner_free(struct owner *o)
{
        correlator_free(o->corr);
        firstseen_free(o->fs);
        coverage_free(o->cov);
}

static int owner_restore(enum target t, struct owner *o, struct state_reader *r)
{
        if (t == T_CORR)
                return correlator_restore(o->corr, corr_ids, NCORR, r);
        if (t == T_FS)
                return firstseen_restore(o->fs, fs_ids, fs_sigs, NFS, r);
        return coverage_restore(o->cov, r);
}

/* Save o: the whole file image in w (state_writer_fini it). */
static void owner_save(enum target t, const struct owner *o, struct state_writer *w)
{
        int r;

        fuzz_assert(state_writer_init_mem(w) == 0);
        if (t == T_CORR)
                r = correlator_save(o->corr, corr_ids, w);
        else if (t == T_FS)
                r = firstseen_save(o->fs, fs_ids, fs_sigs, w);
        else
                r = coverage_save(o->cov, w);
        fuzz_assert(r == 0);
        fuzz_assert(state_writer_finish(w) == 0);
        fuzz_assert(w->len >= STATE_HEADER_BYTES);
}

/* img restored into a new owner (it must restore), saved again into w. */
static void roundtrip(enum target t, const struct state_writer *img, struct state_writer *w)
{
        struct state_reader r;
        struct owner o;
        int rc;

        fuzz_assert(state_reader_open(&r, img->buf, img->len) == 0);
        owner_new(t, &o);
        rc = owner_restore(t, &o, &r);
        if (rc != 0) {
                fprintf(stderr, "a saved state does not restore: %s\n", r.why);
                fuzz_assert(rc == 0);
        }
        owner_save(t, &o, w);
        owner_free(&o);
}

/* A saved image restores, and is stable from the first restore on:
 * save(restore(save(restore(img)))) == save(restore(img)).  (The first
 * restore may drop what the live object kept: first_seen expires old
 * entries eagerly on restore, lazily while running.) */
static void check_stable(enum target t, const struct state_writer *img)
{
        struct state_writer b, c;

        roundtrip(t, img, &b);
        roundtrip(t, &b, &c);
        /* A correlator state without windows: the keyed-hash key is not
         * adopted (nothing was hashed with it), a new one is saved. */
        if (t == T_CORR && b.len >= STATE_HEADER_BYTES + 40 && c.len == b.len &&
            memcmp(b.buf + STATE_HEADER_BYTES + 32, "\0\0\0\0\0\0\0\0", 8) == 0) {
                memcpy(c.buf + STATE_HEADER_BYTES + 16, b.buf + STATE_HEADER_BYTES + 16, 16);
                memcpy(c.buf + 24, b.buf + 24, 32);     /* the checksum covers the key */
        }
        if (c.len != b.len || memcmp(c.buf, b.buf, b.len) != 0) {
                size_t i = 0;

                i = STATE_HEADER_BYTES;         /* the payload's first difference */
                while (i < c.len && i < b.len && c.buf[i] == b.buf[i])
                        i++;
                fprintf(stderr, "a restored state does not save back to the same bytes: %zu vs %zu bytes, "
                        "first difference at %zu\n", c.len, b.len, i);
                for (size_t k = i & ~(size_t)15; k < b.len && k < (i & ~(size_t)15) + 64; k++)
                        fprintf(stderr, "%s%02x/%02x", k % 16 ? " " : "\n  ", b.buf[k], k < c.len ? c.buf[k] : 0);
                fputc('\n', stderr);
                fuzz_assert(!"a restored state saves back to the same bytes");
        }
        state_writer_fini(&b);
        state_writer_fini(&c);
}

/* Use a restored owner: a few events, then flush time. */
static void owner_exercise(enum target t, struct owner *o)
{
        if (t == T_CORR) {
                struct corr_event ev = { .time_us = T0, .recv_us = T0, .host = "ws1", .channel = "Security" };

                for (size_t ci = 0; ci < NCORR; ci++)
                        correlator_observe(o->corr, ci, "ws1", &ev, "7");
                correlator_advance(o->corr, T0 + 3600 * SEC);
                correlator_advance(o->corr, INT64_MAX);
        } else if (t == T_FS) {
                for (size_t ci = 0; ci < NFS; ci++) {
                        int r = firstseen_observe(o->fs, ci, "ws1", 3, "alice", 5, T0, T0);

                        fuzz_assert(r == 0 || r == 1 || (r == -EINVAL && !fs_specs[ci].on));
                }
        } else {
                struct winevent ev;

                winevent_init(&ev);
                for (size_t i = 0; i < 8; i++) {
                        winevent_reset(&ev);
                        snprintf(ev.host, sizeof(ev.host), "%s", hosts[i % 4]);
                        ev.channel = channels[i % 4];
                        ev.provider = "";
                        ev.event_id = eids[i];
                        ev.time_us = ev.recv_us = T0 + (int64_t)i * SEC;
                        ev.record_id = 1000 + i;
                        ev.has_record_id = true;
                        coverage_event(o->cov, &ev);
                }
                winevent_free(&ev);
                coverage_state_lost_due(o->cov, T0 + 86400 * SEC, 0);
                coverage_flush(o->cov);
        }
}

/* ---- mode 0-2: a payload -------------------------------------------------- */

static void run_payload(enum target t, const uint8_t *data, size_t size)
{
        struct state_reader r;
        struct owner o;
        size_t len;
        unsigned char *img = wrap(data, size, &len);
        int rc;

        fuzz_assert(state_reader_open(&r, img, len) == 0);      /* the layout of state.h */
        fuzz_assert(r.len == size && r.off == 0);
        owner_new(t, &o);
        rc = owner_restore(t, &o, &r);
        if (rc < 0) {
                check_fail(&r, rc);
        } else {
                struct state_writer w;

                fuzz_assert(rc == 0);
                owner_save(t, &o, &w);
                check_stable(t, &w);
                state_writer_fini(&w);
                owner_exercise(t, &o);
        }
        owner_free(&o);
        free(img);
}

/* ---- mode 3: a file image --------------------------------------------------- */

static void run_image(const uint8_t *data, size_t size)
{
        struct state_reader r;
        unsigned char *img = (unsigned char *)fuzz_dup(data, size);
        int rc;

        memset(&r, 0, sizeof(r));
        rc = state_reader_open(&r, img, size);
        if (rc < 0) {
                fuzz_assert(rc == -EBADMSG);
                fuzz_assert(memchr(r.why, '\0', sizeof(r.why)) != NULL && r.why[0] != '\0');
        } else {
                fuzz_assert(rc == 0);
                fuzz_assert(fuzz_within(r.p, r.len, img, size));
                /* read it to the end as values of every width */
                for (unsigned i = 0; state_reader_error(&r) == 0 && state_reader_left(&r); i++) {
                        size_t sl;

                        switch (i % 6) {
                        case 0: state_get_u8(&r); break;
                        case 1: state_get_u16(&r); break;
                        case 2: state_get_u32(&r); break;
                        case 3: state_get_u64(&r); break;
                        case 4: state_get_f64(&r); break;
                        default:
                                if (state_get_str(&r, 64, &sl))
                                        fuzz_assert(sl <= 64);
                        }
                        fuzz_assert(r.off <= r.len);
                }
        }
        free(img);
}

/* ---- mode 4-6: programs ------------------------------------------------------- */

/* correlator: 6 bytes per step [op ci ref key dt val] */
static void prog_corr(struct owner *o, const uint8_t *p, size_t n)
{
        int64_t t = T0;
        uint64_t rec = 0;

        for (size_t i = 0; i + 6 <= n; i += 6) {
                uint8_t op = p[i], key = p[i + 3], dt = p[i + 4], val = p[i + 5];
                size_t ci = p[i + 1] % NCORR;
                char keybuf[16], valbuf[16];
                const char *value = NULL;
                struct corr_event ev;

                t += ((int64_t)dt - 64) * SEC;
                if (op % 8 == 7) {
                        correlator_advance(o->corr, t + (int64_t)val * 10 * SEC);
                        continue;
                }
                if (op % 8 == 6) {
                        correlator_clock(o->corr, t, t + (int64_t)(val % 16) * 60 * SEC);
                        continue;
                }
                memset(&ev, 0, sizeof(ev));
                ev.time_us = t;
                ev.recv_us = t + (op & 0x80 ? 3600 * SEC : 0);  /* sometimes skewed */
                ev.record_id = ++rec;
                ev.has_record_id = op & 0x40;
                ev.event_id = eids[key % 8];
                ev.ref = (uint16_t)(p[i + 2] % corr_specs[ci].nrefs);
                snprintf(ev.host, sizeof(ev.host), "%s", hosts[key % 4]);
                snprintf(ev.channel, sizeof(ev.channel), "%s", channels[key % 4]);
                snprintf(keybuf, sizeof(keybuf), "g%u", key % 5);
                if (val < 250) {
                        snprintf(valbuf, sizeof(valbuf), corr_specs[ci].type == CORR_VALUE_COUNT ? "v%u" : "%u",
                                 val % 40);
                        value = valbuf;
                } else if (val < 253) {
                        value = "not a number";
                }
                correlator_observe(o->corr, ci, keybuf, &ev, value);
        }
}

/* first_seen: 5 bytes per step [ci group combo dt recv] */
static void prog_fs(struct owner *o, const uint8_t *p, size_t n)
{
        int64_t t = T0;

        for (size_t i = 0; i + 5 <= n; i += 5) {
                size_t ci = p[i] % NFS;
                int r;

                t += ((int64_t)p[i + 3] - 32) * 600 * SEC;
                r = firstseen_observe(o->fs, ci, &p[i + 1], 1, &p[i + 2], 1, t,
                                      t + (int64_t)(p[i + 4] % 8) * 3600 * SEC);
                fuzz_assert(r == 0 || r == 1 || (r == -EINVAL && !fs_specs[ci].on));
        }
}

/* coverage: 6 bytes per step [op host chan eid dt rec] */
static void prog_cov(struct owner *o, const uint8_t *p, size_t n)
{
        struct winevent ev;
        int64_t t = T0;
        uint64_t recs[4][4] = { { 0 } };

        winevent_init(&ev);
        for (size_t i = 0; i + 6 <= n; i += 6) {
                uint8_t op = p[i], h = p[i + 1] % 4, c = p[i + 2] % 4, rec = p[i + 5];

                t += ((int64_t)p[i + 4] - 16) * 60 * SEC;
                if (op % 16 == 15) {
                        /* a frame cut at 1024 bytes naming a host */
                        char frame[1024];
                        int k = snprintf(frame, sizeof(frame), "{\"EventTime\":\"2026-11-22 10:00:00\",\"Hostname\":"
                                         "\"%s\",\"EventID\":4688,\"CommandLine\":\"", hosts[h]);

                        memset(frame + k, 'a', sizeof(frame) - (size_t)k);
                        coverage_reject(o->cov, "peer:127.0.0.1", REJ_NOT_JSON, frame, sizeof(frame));
                        continue;
                }
                if (op % 16 == 14) {
                        coverage_state_lost(o->cov, "a restart lost state", "nothing", t, NULL);
                        continue;
                }
                if (op % 16 == 13) {
                        coverage_state_lost_due(o->cov, t, 600 * SEC);
                        continue;
                }
                /* record numbers: in order, a hole, a repeat, or none */
                if (rec % 8 == 0)
                        recs[h][c] += 1 + rec / 8;
                else if (rec % 8 != 1)
                        recs[h][c] += 1;
                winevent_reset(&ev);
                snprintf(ev.host, sizeof(ev.host), "%s", hosts[h]);
                ev.channel = channels[c];
                ev.provider = "";
                ev.event_id = eids[p[i + 3] % 8];
                ev.time_us = t;
                ev.recv_us = t + (op & 0x80 ? (int64_t)(op & 0x3f) * 60 * SEC : 0);
                ev.record_id = recs[h][c];
                ev.has_record_id = rec != 255;
                if (ev.event_id == 4688)
                        fuzz_assert(winevent_set_field(&ev, "CommandLine", 11, "cmd /c x", op & 1 ? 0 : 8) == 0);
                coverage_event(o->cov, &ev);
        }
        winevent_free(&ev);
}

static void seed_write(enum target t, const struct state_writer *w, const uint8_t *data, size_t size)
{
        const char *dir = getenv("FUZZ_STATE_SEEDS");
        static const char *const names[_T_MAX] = { "corr", "fs", "cov" };
        char path[4096];
        uint32_t h = 2166136261u;
        unsigned char sel = (unsigned char)t;
        FILE *f;

        if (!dir)
                return;
        for (size_t i = 0; i < size; i++)
                h = (h ^ data[i]) * 16777619u;
        snprintf(path, sizeof(path), "%s/state-%s-%08x", dir, names[t], h);
        f = fopen(path, "wb");
        fuzz_assert(f != NULL);
        fuzz_assert(fwrite(&sel, 1, 1, f) == 1);
        fuzz_assert(fwrite(w->buf + STATE_HEADER_BYTES, 1, w->len - STATE_HEADER_BYTES, f) ==
                    w->len - STATE_HEADER_BYTES);
        fuzz_assert(fclose(f) == 0);
}

static void run_program(enum target t, const uint8_t *data, size_t size)
{
        struct state_writer w;
        struct owner o;

        owner_new(t, &o);
        if (t == T_CORR)
                prog_corr(&o, data, size);
        else if (t == T_FS)
                prog_fs(&o, data, size);
        else
                prog_cov(&o, data, size);
        owner_save(t, &o, &w);
        check_stable(t, &w);
        seed_write(t, &w, data - 1, size + 1);
        state_writer_fini(&w);
        owner_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned mode;

        if (size < 1 || size > 256 * 1024)
                return 0;
        mode = data[0] % 8;
        records = 0;
        switch (mode) {
        case 0:
        case 1:
        case 2:
                run_payload((enum target)mode, data + 1, size - 1);
                break;
        case 4:
        case 5:
        case 6:
                run_program((enum target)(mode - 4), data + 1, size - 1);
                break;
        default:
                run_image(data + 1, size - 1);
        }
        return 0;
}
