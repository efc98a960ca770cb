/* The sender gaps, part one: clock_skew (from accepted events; hooked by
 * cov_sender_event in sender.c).  State in sender.h.
 *
 * clock_skew — a host whose event times sit far from their receive times,
 * steadily.  Only with live input (cov->o.judge_clock): a replay has no
 * receive time worth the name.
 *   - offset = receive time - event time, per event.  An event within
 *     coverage.max_skew is "in range"; outside, its offset is part of a run
 *     (all outside, all of one sign; a sign change or an in-range event
 *     starts the run again).  The run is sampled at most every 2 s of
 *     receive time into a ring of COV_SKEW_SAMPLES (16), allocated at the
 *     host's first event outside max_skew and freed when it is back.
 *   - Opens when the ring is full (so it spans >= COV_SKEW_SPAN), all the
 *     offsets lie within max_skew / 2 of each other, and the median offset
 *     of the newer half moved from the older half's by no more than
 *     COV_SKEW_JITTER + COV_SKEW_DRIFT_PCT % of the receive time between
 *     them (1 s + 5 %).  A backlog draining (a forwarder catching up after
 *     an outage) is far behind too, but its event time runs faster than
 *     receive time, so its offset shrinks: no gap (from about 1.12x up).
 *     A wrong clock keeps its offset.
 *   - An offset within a minute of a whole (or half) number of hours says
 *     time zone: NXLog CE's zone-less EventTime read in the wrong zone
 *     (listen[].timezone), or the host's zone set wrong.  The evidence says so.
 *   - Closes after COV_SKEW_CLEAR consecutive events within max_skew.
 *   - opened / closed are RECEIVE times (ev->recv_us): the event time is
 *     the thing that is wrong.  Channel "*".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_impl.h"

#define SEC INT64_C(1000000)
#define SKEW_LIMIT (INT64_MAX / 8)

/* ---- clock_skew ------------------------------------------------------ */

struct skew_view {
        int64_t median;         /* receive - event time, µs */
        int64_t spread;         /* max - min of the samples */
        int64_t span;           /* receive time from the first to the last sample */
        int64_t drift;          /* median of the newer half - median of the older half */
        int64_t allowed;        /* the drift a steady offset may show */
};

static int64_t skew_abs(int64_t v)
{
        return v < 0 ? -v : v;
}

/* Sorts v (small n: insertion). */
static int64_t skew_median(int64_t *v, size_t n)
{
        for (size_t i = 1; i < n; i++) {
                int64_t x = v[i];
                size_t j = i;

                for (; j > 0 && v[j - 1] > x; j--)
                        v[j] = v[j - 1];
                v[j] = x;
        }
        return n % 2 ? v[n / 2] : v[n / 2 - 1] / 2 + v[n / 2] / 2;
}

/* The ring is full: is the offset steady over it? */
static bool skew_steady(const struct cov_skew_ring *r, int64_t max_skew_us, struct skew_view *v)
{
        enum { N = COV_SKEW_SAMPLES, H = COV_SKEW_SAMPLES / 2 };
        int64_t all[N], half[2][H], rel[2] = { 0, 0 }, lo = INT64_MAX, hi = INT64_MIN;
        int64_t t0 = r->recv_us[r->next];       /* full: next is the oldest */

        for (unsigned i = 0; i < N; i++) {
                unsigned k = (r->next + i) % N;
                int64_t s = r->skew_us[k];

                all[i] = half[i / H][i % H] = s;
                rel[i / H] += r->recv_us[k] - t0;
                lo = s < lo ? s : lo;
                hi = s > hi ? s : hi;
        }
        v->span = r->recv_us[(r->next + N - 1) % N] - t0;
        v->spread = hi - lo;
        v->median = skew_median(all, N);
        v->drift = skew_median(half[1], H) - skew_median(half[0], H);
        v->allowed = COV_SKEW_JITTER + (rel[1] - rel[0]) / H / 100 * COV_SKEW_DRIFT_PCT;
        return v->span >= COV_SKEW_SPAN && v->spread <= max_skew_us / 2 && skew_abs(v->drift) <= v->allowed;
}

/* "; a whole-hour offset (2 h): ..." when the offset looks like a zone. */
static void skew_zone_hint(int64_t off_us, char *buf, size_t len)
{
        int64_t off = skew_abs(off_us), half = 1800 * SEC, slack = 60 * SEC;
        int64_t halves = (off + half / 2) / half;

        buf[0] = '\0';
        if (halves == 0 || skew_abs(off - halves * half) > slack)
                return;
        snprintf(buf, len, "; a %s offset (%" PRId64 " h%s): a time zone rather than a drifting clock — NXLog CE's "
                 "EventTime carries no zone and is read in the listener's zone (listen[].timezone), or the host's "
                 "own time zone is set wrong", halves % 2 ? "half-hour" : "whole-hour", halves / 2,
                 halves % 2 ? " 30 min" : "");
}

static void skew_open(struct coverage *cov, struct cov_host *h, const struct winevent *ev,
                      const struct cov_skew_ring *r, const struct skew_view *v)
{
        int64_t off = -v->median;       /* event time - receive time: > 0 ahead */
        char hint[320];
        struct gap *g = gap_new(GAP_CLOCK_SKEW, h->name, "*", NULL, 0, NULL, ev->recv_us);

        if (!g)
                return;
        skew_zone_hint(off, hint, sizeof(hint));
        gap_set_evidence(g, "event times %" PRId64 " s %s receive times over %" PRIu64 " events in %" PRId64
                         " s of receive time (median offset %+.1f s; %d samples within %.1f s of each other)%s%s",
                         (skew_abs(off) + SEC / 2) / SEC, off > 0 ? "ahead of" : "behind", r->run_events,
                         (ev->recv_us - r->run_first_us) / SEC, (double)off / SEC, COV_SKEW_SAMPLES,
                         (double)v->spread / SEC, hint,
                         off < 0 && !hint[0] ? "; or the forwarder stays this far behind (a queue that does not drain)"
                                             : "");
        gap_set_remedy(g, "check the host's clock: w32tm /query /status (its time source and last sync), "
                          "w32tm /resync; a domain member takes time from the domain hierarchy "
                          "(w32tm /config /syncfromflags:domhier /update, and the PDC emulator needs a good NTP "
                          "source), a stand-alone host needs an NTP source (w32tm /config "
                          "/manualpeerlist:<server> /syncfromflags:manual /update); for NXLog CE, whose "
                          "EventTime has no zone, set listen[].timezone in spoord.yml to the senders' zone");
        cov_open(cov, h, g);
}

static void skew_in_range(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
        struct cov_sender_host *s = &h->sender;
        struct gap *g;

        if (s->in_range < UINT32_MAX)
                s->in_range++;
        if (s->ring)
                s->ring->n = 0;
        if (s->in_range != COV_SKEW_CLEAR)
                return;
        free(s->ring);
        s->ring = NULL;
        if ((g = gaps_find(&h->gaps, GAP_CLOCK_SKEW, NULL, NULL)))
                gaps_close(cov->gaps, &h->gaps, g, ev->recv_us);
}

void cov_skew_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
        struct cov_sender_host *s = &h->sender;
        struct cov_skew_ring *r;
        struct skew_view v;
        int64_t skew;
        unsigned last;

        if (!cov->o.judge_clock || cov->o.max_skew_us <= 0 || ev->recv_us <= 0)
                return;
        /* bounded, so sums and differences of offsets cannot overflow */
        if (__builtin_sub_overflow(ev->recv_us, ev->time_us, &skew) || skew > SKEW_LIMIT || skew < -SKEW_LIMIT)
                skew = ev->recv_us > ev->time_us ? SKEW_LIMIT : -SKEW_LIMIT;
        if (skew_abs(skew) <= cov->o.max_skew_us) {
                skew_in_range(cov, h, ev);
                return;
        }
        s->in_range = 0;
        if (!s->ring && !(s->ring = calloc(1, sizeof(*s->ring))))
                return;
        r = s->ring;
        last = (r->next + COV_SKEW_SAMPLES - 1) % COV_SKEW_SAMPLES;
        if (r->n && (r->skew_us[last] < 0) != (skew < 0))
                r->n = 0;                       /* the sign changed: a new run */
        if (!r->n) {
                r->next = 0;
                r->run_first_us = ev->recv_us;
                r->run_events = 0;
        }
        r->run_events++;
        if (r->n && ev->recv_us - r->recv_us[last] < COV_SKEW_SPAN / (COV_SKEW_SAMPLES - 1))
                return;                         /* not a sample: too soon after the last */
        r->recv_us[r->next] = ev->recv_us;
        r->skew_us[r->next] = skew;
        r->next = (r->next + 1) % COV_SKEW_SAMPLES;
        if (r->n < COV_SKEW_SAMPLES)
                r->n++;
        if (r->n == COV_SKEW_SAMPLES && !gaps_find(&h->gaps, GAP_CLOCK_SKEW, NULL, NULL) &&
            skew_steady(r, cov->o.max_skew_us, &v))
                skew_open(cov, h, ev, r, &v);
}
