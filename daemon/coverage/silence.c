/* host_silent and channel_silent: a host that stopped sending while the
 * rest of the fleet still sends, and a channel of a host that stopped while
 * the host still sends its other channels.  Called from coverage.c through
 * the hooks in coverage_impl.h; the state is in silence.h.
 *
 * Decisions:
 *   - Everything is in event time.  The fleet clock is cov->newest_us, the
 *     newest event time seen.  The family is off while coverage.silence is
 *     0 (the configuration's minimum is 1 min; tests of other families
 *     leave it 0).
 *   - Judging runs in sweeps, not per event: the event whose arrival moves
 *     the fleet clock to or past the scheduled time runs one sweep over the
 *     hosts and their channels (O(hosts x channels)), and the next is
 *     scheduled max(silence / 4, 10 s) of fleet time later.  Per event the
 *     cost is O(1) plus a scan of the host's short list of open gaps.
 *   - When the input itself stops (a relay, a network path, spoord's
 *     listener), no event arrives, the fleet clock stops and no sweep runs:
 *     nothing is judged.  When it resumes, the hosts come back with it; see
 *     the health rule for hosts that come back one by one.
 *   - The usual interval u of a host (a channel) is the time-weighted mean
 *     of its quiet periods: sum(g^2) / sum(g) over the gaps g between its
 *     events in event time (an event older than the newest one makes no
 *     gap).  Unlike the plain mean it is not fooled by bursts: a host that
 *     sends 1,000 events at once every hour has u of the order of an hour,
 *     not near zero.  Each gap enters clipped at the limit in force before it, so
 *     one outage barely moves the limit of a host with a day of history,
 *     while a quiet that recurs (a channel idle every night) raises the
 *     limit over a few recurrences instead of opening a gap every night.
 *     Both sums forget: each gap multiplies them by m / (m + g) first,
 *     m = SILENCE_MEMORY_S (one day).
 *   - limit = max(coverage.silence, 10 u).  A host or channel needs
 *     SILENCE_MIN_EVENTS (10) events before it is judged, so one stray
 *     event does not make a host.
 *   - Arrival guard: a host (channel) any of whose events arrived since the
 *     previous sweep is not silent, whatever its timestamps say; a host
 *     whose clock runs behind the fleet keeps sending (clock_skew is its
 *     gap, not this one).
 *   - The input is healthy when more than half of the hosts with history
 *     and no open host_silent gap are sending; sending = an event arrived
 *     since the previous sweep, or quiet no longer than its own limit (a
 *     rare host counts as sending between its events).  The silent host is
 *     one of those counted, so a healthy sweep has at least 2 hosts
 *     sending: a fleet of 2 never judges one silent (it cannot tell it from
 *     a broken input).  Hosts already judged silent leave the count, so
 *     retired hosts do not make the input look broken for ever.  host_silent is
 *     judged only at a healthy sweep: after a relay restarts and only a few
 *     of its hosts have reconnected, the others are not silent yet.
 *   - host_silent: history, no arrival since the previous sweep, fleet
 *     clock - its newest event time > its limit, a healthy sweep.  Channel
 *     "*"; opened = the sweep's fleet clock (deterministic in arrival
 *     order).  Closes on the host's next event newer than its newest so far
 *     (an older one, from an archive or a redelivery, says nothing about
 *     now): closed = that event's time, or the fleet clock when it is dated
 *     before the opening (a backlog delivered late: the remedy happened
 *     now).
 *   - channel_silent: the host has no open host_silent and is sending; the
 *     channel has history and no arrival since the previous sweep; the
 *     host's newest event time - max(the channel's newest, the time the
 *     host last came back from a quiet longer than its limit) > the
 *     channel's limit.  Measured on the host's own clock, not the fleet's,
 *     and restarted when the host comes back, so a channel that arrives a
 *     little after the host's first event does not open a gap.  The fleet's
 *     health is not needed: the host's other channels show that its
 *     forwarder and spoord's input carry it.  opened = the sweep's fleet
 *     clock; closes on the channel's next event like host_silent.
 *   - A recurrence is a new gap: a new opened time, so a new id.
 *   - blinds: host_silent, every rule with a variant reading a channel the
 *     host sent; channel_silent, the rules reading the channel none of
 *     whose variants reads another channel the host sends (one without a
 *     channel_silent gap).  GAP_MAX_BLINDS listed, the rest counted.
 *   - Events without a channel (ETW providers) are counted for the host,
 *     but "" is never channel_silent: there is no channel to enable.
 *   - Bounds: the state is fixed-size per host and per channel (silence.h),
 *     no lists.  It is not persisted: after a restart each host and channel
 *     needs its 10 events again (its own count, not the model's, which a
 *     restored state keeps), so a learnt long interval is not judged
 *     against coverage.silence alone.
 *   - A host whose clock runs ahead pulls the fleet clock forward; the
 *     sweep that follows sees most hosts as sending (arrival guard) and
 *     later sweeps wait until the fleet clock passes that time again. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "coverage_impl.h"
#include "spoor/timefmt.h"

#define SEC 1000000.0

/* a - b, saturated: event times are untrusted (any int64). */
static int64_t silence_sub(int64_t a, int64_t b)
{
        int64_t r;

        if (__builtin_sub_overflow(a, b, &r))
                return b < 0 ? INT64_MAX : INT64_MIN;
        return r;
}

/* ---- usual interval --------------------------------------------------- */

static double silence_usual_s(const struct cov_silence_rate *r)
{
        return r->sum > 0 ? r->sq / r->sum : 0;
}

static int64_t silence_limit_us(const struct coverage *cov, const struct cov_silence_rate *r)
{
        double lim = SILENCE_INTERVALS * silence_usual_s(r) * SEC;

        return lim > (double)cov->o.silence_us ? (int64_t)lim : cov->o.silence_us;
}

/* One in-order gap (µs), clipped at lim_us. */
static void silence_rate_add(struct cov_silence_rate *r, int64_t gap_us, int64_t lim_us)
{
        double g = (double)(gap_us < lim_us ? gap_us : lim_us) / SEC;
        double keep = SILENCE_MEMORY_S / (SILENCE_MEMORY_S + g);

        r->sum = r->sum * keep + g;
        r->sq = r->sq * keep + g * g;
}

/* ---- per event -------------------------------------------------------- */

static int64_t silence_closed_at(const struct coverage *cov, const struct gap *g, int64_t t)
{
        return t >= g->opened_us ? t : cov->newest_us;
}

/* A host (channel) sends again: an event newer than its newest so far.  One
 * dated before it (an archive, a redelivery) proves nothing about now. */
static void silence_close(struct coverage *cov, struct cov_host *h, const struct cov_chan *c, int64_t t)
{
        struct gap *g;

        if (!h->gaps.head)
                return;
        if (t > h->silence.last_us && (g = gaps_find(&h->gaps, GAP_HOST_SILENT, NULL, NULL)))
                gaps_close(cov->gaps, &h->gaps, g, silence_closed_at(cov, g, t));
        if (t > c->silence.last_us && (g = gaps_find(&h->gaps, GAP_CHANNEL_SILENT, c->name, NULL)))
                gaps_close(cov->gaps, &h->gaps, g, silence_closed_at(cov, g, t));
}

static void silence_observe_host(const struct coverage *cov, struct cov_silence_host *s, int64_t t)
{
        if (s->count < UINT32_MAX)
                s->count++;
        s->seen = cov->silence.sweeps;
        if (!s->started) {
                s->started = true;
                s->last_us = s->back_us = t;
                return;
        }
        if (t <= s->last_us)
                return;
        {
                int64_t lim = silence_limit_us(cov, &s->rate);

                if (t - s->last_us > lim)
                        s->back_us = t;
                silence_rate_add(&s->rate, t - s->last_us, lim);
        }
        s->last_us = t;
}

static void silence_observe_chan(const struct coverage *cov, struct cov_silence_chan *s, int64_t t)
{
        if (s->count < UINT32_MAX)
                s->count++;
        s->seen = cov->silence.sweeps;
        if (!s->started) {
                s->started = true;
                s->last_us = t;
                return;
        }
        if (t <= s->last_us)
                return;
        silence_rate_add(&s->rate, t - s->last_us, silence_limit_us(cov, &s->rate));
        s->last_us = t;
}

/* ---- blinds ----------------------------------------------------------- */

/* Every rule with a variant reading a channel h sent. */
static void silence_blinds_host(const struct coverage *cov, const struct cov_host *h, struct gap *g)
{
        size_t nrules = ruleset_rule_count(cov->rs);

        for (size_t i = 0; i < nrules; i++) {
                const struct sigma_variant *vs;
                size_t nv;
                const struct sigma_rule *r = ruleset_rule_at(cov->rs, i, &vs, &nv);

                for (size_t k = 0; k < nv; k++) {
                        const char *ch = vs[k].source.channel;

                        if (ch && *ch && cov_chan_find(h, ch)) {
                                gap_add_blind(g, r->id, r->title);
                                break;
                        }
                }
        }
}

/* Another channel than `silent` that h sends and that is not silent. */
static bool silence_chan_live(const struct cov_host *h, const char *ch, const char *silent)
{
        return ch && *ch && strcasecmp(ch, silent) != 0 && cov_chan_find(h, ch) &&
               !gaps_find(&h->gaps, GAP_CHANNEL_SILENT, ch, NULL);
}

/* The rules reading `channel` that cannot fire elsewhere on h. */
static void silence_blinds_chan(const struct coverage *cov, const struct cov_host *h, struct gap *g,
                                const char *channel)
{
        size_t nrules = ruleset_rule_count(cov->rs);

        for (size_t i = 0; i < nrules; i++) {
                const struct sigma_variant *vs;
                size_t nv;
                const struct sigma_rule *r = ruleset_rule_at(cov->rs, i, &vs, &nv);
                bool reads = false, elsewhere = false;

                for (size_t k = 0; k < nv; k++) {
                        const char *ch = vs[k].source.channel;

                        if (ch && strcasecmp(ch, channel) == 0)
                                reads = true;
                        else if (silence_chan_live(h, ch, channel))
                                elsewhere = true;
                }
                if (reads && !elsewhere)
                        gap_add_blind(g, r->id, r->title);
        }
}

/* ---- opening ---------------------------------------------------------- */

struct silence_sweep {
        int64_t now;                    /* the fleet clock */
        size_t judged, sending;         /* hosts with history and no host_silent; of them sending */
        bool healthy;
};

static void silence_open_host(struct coverage *cov, struct cov_host *h, const struct silence_sweep *sw)
{
        char last[TIMEFMT_MAX], now[TIMEFMT_MAX];
        struct gap *g = gap_new(GAP_HOST_SILENT, h->name, "*", NULL, 0, NULL, sw->now);

        if (!g)
                return;
        gap_set_evidence(g, "last event at %s, %" PRId64 " s before the fleet's newest (%s); usual interval %.0f s; "
                         "%zu of %zu hosts sending", timefmt_format(h->last_us, last),
                         silence_sub(sw->now, h->last_us) / 1000000, timefmt_format(sw->now, now),
                         silence_usual_s(&h->silence.rate), sw->sending, sw->judged);
        gap_set_remedy(g, "check that the host is up and its forwarder is running (NXLog: sc query nxlog; its "
                          "log, nxlog.log) and can reach spoord (address, port, firewall, TLS certificate); "
                          "events written meanwhile wait in the host's event logs until they are overwritten");
        silence_blinds_host(cov, h, g);
        cov_open(cov, h, g);
}

static void silence_open_chan(struct coverage *cov, struct cov_host *h, const struct cov_chan *c, int64_t since,
                              const struct silence_sweep *sw)
{
        char last[TIMEFMT_MAX], newest[TIMEFMT_MAX], remedy[1024];
        struct gap *g = gap_new(GAP_CHANNEL_SILENT, h->name, c->name, NULL, 0, NULL, sw->now);

        if (!g)
                return;
        gap_set_evidence(g, "last %s event at %s; the host sent other channels for %" PRId64 " s since (its newest "
                         "at %s); usual interval %.0f s", c->name, timefmt_format(c->last_us, last),
                         (h->last_us - since) / 1000000, timefmt_format(h->last_us, newest),
                         silence_usual_s(&c->silence.rate));
        snprintf(remedy, sizeof(remedy), "check the channel on the host: wevtutil gl \"%s\" (enabled: false, or a "
                 "full log with retention on, stops it; wevtutil sl \"%s\" /e:true enables it, /ms:<bytes> or "
                 "/rt:false makes room); and that the forwarder still reads it (NXLog im_msvistalog: its Query or "
                 "Channel)", c->name, c->name);
        gap_set_remedy(g, remedy);
        silence_blinds_chan(cov, h, g, c->name);
        cov_open(cov, h, g);
}

/* ---- sweeps ----------------------------------------------------------- */

static bool silence_arrived(const struct coverage *cov, uint64_t seen)
{
        return seen == cov->silence.sweeps;
}

static bool silence_host_sending(const struct coverage *cov, const struct cov_host *h, int64_t now)
{
        return silence_arrived(cov, h->silence.seen) ||
               silence_sub(now, h->last_us) <= silence_limit_us(cov, &h->silence.rate);
}

/* How many hosts are judged and how many of them send. */
static void silence_health(const struct coverage *cov, struct silence_sweep *sw)
{
        for (const struct cov_host *h = cov->lru_head; h; h = h->next) {
                if (h->silence.count < SILENCE_MIN_EVENTS || gaps_find(&h->gaps, GAP_HOST_SILENT, NULL, NULL))
                        continue;
                sw->judged++;
                if (silence_host_sending(cov, h, sw->now))
                        sw->sending++;
        }
        sw->healthy = 2 * sw->sending > sw->judged;
}

static void silence_sweep_chans(struct coverage *cov, struct cov_host *h, const struct silence_sweep *sw)
{
        for (size_t i = 0; i < h->nchans; i++) {
                const struct cov_chan *c = &h->chans[i];
                int64_t since = c->last_us > h->silence.back_us ? c->last_us : h->silence.back_us;

                if (!*c->name || c->silence.count < SILENCE_MIN_EVENTS || silence_arrived(cov, c->silence.seen) ||
                    h->last_us - since <= silence_limit_us(cov, &c->silence.rate) ||
                    gaps_find(&h->gaps, GAP_CHANNEL_SILENT, c->name, NULL))
                        continue;
                silence_open_chan(cov, h, c, since, sw);
        }
}

static void silence_sweep_host(struct coverage *cov, struct cov_host *h, const struct silence_sweep *sw)
{
        if (h->silence.count < SILENCE_MIN_EVENTS || gaps_find(&h->gaps, GAP_HOST_SILENT, NULL, NULL))
                return;
        if (silence_host_sending(cov, h, sw->now)) {
                silence_sweep_chans(cov, h, sw);
                return;
        }
        if (sw->healthy)
                silence_open_host(cov, h, sw);
}

static int64_t silence_period_us(const struct coverage *cov)
{
        int64_t period = cov->o.silence_us / SILENCE_SWEEPS;

        return period > SILENCE_MIN_SWEEP_US ? period : SILENCE_MIN_SWEEP_US;
}

/* A sweep when the fleet clock has reached the scheduled time. */
static void silence_sweep(struct coverage *cov)
{
        struct cov_silence_fleet *f = &cov->silence;
        struct silence_sweep sw = { .now = cov->newest_us };

        if (f->next_sweep_us && sw.now < f->next_sweep_us)
                return;
        if (f->next_sweep_us) {
                silence_health(cov, &sw);
                for (struct cov_host *h = cov->lru_head; h; h = h->next)
                        silence_sweep_host(cov, h, &sw);
                f->sweeps++;
        }
        f->next_sweep_us = silence_sub(sw.now, -silence_period_us(cov));
}

/* ---- hooks ------------------------------------------------------------ */

void cov_silence_event(struct coverage *cov, struct cov_host *h, struct cov_chan *c, const struct winevent *ev)
{
        if (cov->o.silence_us <= 0)
                return;
        silence_close(cov, h, c, ev->time_us);
        silence_observe_host(cov, &h->silence, ev->time_us);
        silence_observe_chan(cov, &c->silence, ev->time_us);
        silence_sweep(cov);
}

void cov_silence_host_fini(struct cov_host *h)
{
        (void)h;        /* plain data: nothing to free */
}
