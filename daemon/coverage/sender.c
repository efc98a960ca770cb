/* The sender gaps: clock_skew (from accepted events) and sender_truncation
 * (from rejected frames, coverage_reject).  State in sender.h.
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
 *
 * sender_truncation — frames that fail to decode at a size senders cut
 * messages to.
 *   - Evidence: a frame rejected as not_json or bad_syslog whose length, or
 *     the length of its JSON (from the first '{'), is one of trunc_sizes[]
 *     exactly, or one less (the sender counted the newline the framer
 *     strips), or one more when it still ends in a newline; and whose JSON
 *     breaks off inside a string or before its closing brace (a complete
 *     object that fails for another reason is not a cut).  The sizes: 1024,
 *     2048, 8096 and 65536 from the issue, and 8192 (rsyslog's 8k default;
 *     8096 is kept as listed).
 *   - Attributed to the host the cut text still names (NXLog "Hostname",
 *     EVTX System "Computer", Winlogbeat winlog "computer_name", else host
 *     "name" / "hostname"; through host_canonicalise), else to the source:
 *     "peer:<address>" (the port dropped, so reconnects are one sender; a
 *     replay's source is its file name).
 *   - The gaps live in cov->fleet_gaps (a cut frame may name a host the
 *     model never saw), host = the host or "peer:<address>", channel "*",
 *     key = the size.  Opens on the first such frame; later frames only
 *     raise the count in the evidence.  At most COV_TRUNC_MAX (256) open
 *     ones, one table row each (~420 bytes); beyond, a frame is logged
 *     (rate-limited) and counted in cov->sender.dropped.
 *   - Closes when the same sender delivers an event bigger than the size:
 *     for a host, an accepted event whose field values alone add up to more
 *     bytes than the size (its frame was longer still, and it decoded); for
 *     a peer, coverage_frame_ok() with the frame's length (to be wired by
 *     the pipeline; until then a peer's gap stays open).
 *   - opened: the event time of the host's latest accepted event when the
 *     model knows the host, else the newest event time of the fleet, else
 *     (nothing accepted yet) the receive time.  closed: the event time of
 *     the event that closes it.  So a replay and a live run over the same
 *     stream write the same records (a cut frame that names a host the
 *     model already knows: every scenario).
 *   - Gaps adopted from the state file are tracked from the first hook
 *     call after coverage_restore (trunc_sync); their evidence is kept as
 *     it was (the count before the restart is not known).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_impl.h"
#include "spoor/host.h"
#include "spoor/log.h"
#include "spoor/timefmt.h"

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

static void skew_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
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

/* ---- sender_truncation: the cut text --------------------------------- */

static const struct {
        uint32_t size;
        const char *remedy;
} trunc_sizes[] = {
        { 1024, "1024 bytes is the RFC 3164 (BSD syslog) limit and the usual cut of syslog over UDP: send over TCP "
                "with octet counting (RFC 6587) instead — NXLog om_tcp rather than om_udp; rsyslog omfwd "
                "protocol=\"tcp\" TCP_Framing=\"octet-counted\"; syslog-ng a tcp or syslog() destination — then "
                "raise any limit the sender keeps (rsyslog maxMessageSize, syslog-ng log-msg-size)" },
        { 2048, "2048 bytes is the least RFC 5424 lets a receiver accept, and a limit relays and syslog agents are "
                "often set to: find the hop that cuts there (rsyslog global(maxMessageSize=...), syslog-ng "
                "options { log-msg-size(...); }, the agent's own setting), raise it to 64k or more, and send over "
                "TCP with octet counting rather than UDP" },
        { 8096, "8096 bytes is just under 8 KiB, the size of rsyslog's default maxMessageSize: put "
                "global(maxMessageSize=\"64k\") at the top of rsyslog.conf (before any input) on every rsyslog "
                "hop, or raise the limit of whichever relay cuts at 8096; send over TCP with octet counting" },
        { 8192, "8 KiB is rsyslog's default maxMessageSize: put global(maxMessageSize=\"64k\") at the top of "
                "rsyslog.conf (before any input) on every rsyslog hop; Logstash's udp input read 8 KiB per "
                "datagram before 1.5 (buffer_size, 65536 now); send over TCP with octet counting" },
        { 65536, "64 KiB is syslog-ng's default log-msg-size (raise it: options { log-msg-size(262144); };), the "
                 "default buffer_size of Logstash's udp input, and the most one UDP datagram can carry; NXLog's "
                 "network and file modules buffer BufferSize bytes (65000 by default: raise it on the om_tcp / "
                 "om_udp instance). Send over TCP with octet counting: over UDP no setting carries more than "
                 "64 KiB. (spoord itself takes frames up to limits.max_frame_bytes.)" },
};

/* What a frame's length says: the size it was cut at. */
struct trunc_cut {
        size_t idx;                     /* into trunc_sizes */
        const char *json;               /* from the first '{' */
        size_t json_len;
        char how[48];
};

static bool trunc_size(size_t n, size_t *idx)
{
        for (size_t i = 0; i < sizeof(trunc_sizes) / sizeof(trunc_sizes[0]); i++)
                if (n == trunc_sizes[i].size) {
                        *idx = i;
                        return true;
                }
        return false;
}

static bool trunc_measure(const char *data, size_t len, struct trunc_cut *c)
{
        static const char *const what[2] = { "frame", "JSON after the header" };
        const char *brace = memchr(data, '{', len);
        size_t lens[2];

        if (!brace)
                return false;
        c->json = brace;
        c->json_len = len - (size_t)(brace - data);
        lens[0] = len;
        lens[1] = c->json_len;
        /* exact; one short (the newline the framer strips was counted);
         * one over (a newline is still there) */
        for (int adj = 0; adj < 3; adj++)
                for (int k = 0; k < 2; k++) {
                        size_t n = lens[k], m = adj == 0 ? n : adj == 1 ? n + 1 : n - 1;

                        if ((k == 1 && c->json_len == len) || (adj == 2 && data[len - 1] != '\n'))
                                continue;
                        if (!trunc_size(m, &c->idx))
                                continue;
                        snprintf(c->how, sizeof(c->how), "%s of %zu bytes%s", what[k], n,
                                 adj == 1 ? " + a newline" : adj == 2 ? " with its newline" : "");
                        return true;
                }
        return false;
}

/* A walk over the (possibly cut) JSON text: does it break off, and which
 * host, channel and event id does it still show? */
#define SCAN_DEPTH 8

struct trunc_scan {
        char host[EVENT_HOST_MAX + 1];
        int host_rank;                  /* 0 best; 3: none */
        char channel[64];
        char event_id[8];
        bool cut;                       /* ends inside a string or before the closing brace */
};

struct scan_str {
        const char *s;
        size_t n;
};

static bool scan_is(struct scan_str a, const char *lit)
{
        return a.s && a.n == strlen(lit) && memcmp(a.s, lit, a.n) == 0;
}

static void scan_copy(char *out, size_t outlen, struct scan_str v)
{
        snprintf(out, outlen, "%.*s", (int)(v.n < outlen ? v.n : outlen - 1), v.s);
}

/* A scalar value (a string's text, or a number) of `key` at depth d whose
 * container was opened by `parent`. */
static void scan_value(struct trunc_scan *sc, struct scan_str key, struct scan_str parent, int d,
                       struct scan_str v, bool is_string)
{
        int rank = 3;

        if ((d == 1 && (scan_is(key, "EventID"))) || (scan_is(parent, "System") && scan_is(key, "EventID")) ||
            (scan_is(parent, "winlog") && scan_is(key, "event_id")))
                scan_copy(sc->event_id, sizeof(sc->event_id), v);
        if ((d == 1 && scan_is(key, "Channel")) || (scan_is(parent, "System") && scan_is(key, "Channel")) ||
            (scan_is(parent, "winlog") && scan_is(key, "channel")))
                scan_copy(sc->channel, sizeof(sc->channel), v);
        if (!is_string)
                return;
        if ((d == 1 && scan_is(key, "Hostname")) || (scan_is(parent, "System") && scan_is(key, "Computer")) ||
            (scan_is(parent, "winlog") && scan_is(key, "computer_name")))
                rank = 0;
        else if (d == 2 && scan_is(parent, "host") && scan_is(key, "name"))
                rank = 1;
        else if (d == 2 && scan_is(parent, "host") && scan_is(key, "hostname"))
                rank = 2;
        if (rank < sc->host_rank) {
                char host[EVENT_HOST_MAX + 1];
                enum reject_reason why;

                if (host_canonicalise(v.s, v.n, host, &why) == 0) {
                        memcpy(sc->host, host, sizeof(host));
                        sc->host_rank = rank;
                }
        }
}

/* The end of the string opened at s[i] (the quote), or n when it does not end. */
static size_t scan_string_end(const char *s, size_t n, size_t i)
{
        for (i++; i < n; i++) {
                if (s[i] == '\\')
                        i++;
                else if (s[i] == '"')
                        return i;
        }
        return n;
}

static void trunc_scan(const char *s, size_t n, struct trunc_scan *sc)
{
        struct scan_str parent[SCAN_DEPTH + 1] = { { 0 } }, key = { 0 }, str = { 0 };
        bool value = false;             /* after "key": */
        int depth = 0;

        memset(sc, 0, sizeof(*sc));
        sc->host_rank = 3;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (c == '"') {
                        size_t end = scan_string_end(s, n, i);

                        if (end == n) {
                                sc->cut = true;         /* breaks off inside a string */
                                return;
                        }
                        str = (struct scan_str){ s + i + 1, end - i - 1 };
                        if (value && depth >= 1)
                                scan_value(sc, key, parent[depth <= SCAN_DEPTH ? depth : 0], depth, str, true);
                        value = false;
                        i = end;
                } else if (c == ':') {
                        key = str;
                        value = true;
                        str = (struct scan_str){ 0 };
                } else if (c == '{' || c == '[') {
                        depth++;
                        if (depth <= SCAN_DEPTH)
                                parent[depth] = value && c == '{' ? key : (struct scan_str){ 0 };
                        value = false;
                } else if (c == '}' || c == ']') {
                        if (--depth <= 0) {
                                sc->cut = false;        /* the object closed: not a cut */
                                return;
                        }
                        value = false;
                } else if (value && ((c >= '0' && c <= '9') || c == '-')) {
                        size_t j = i;

                        while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '-' || s[j] == '.'))
                                j++;
                        if (depth >= 1)
                                scan_value(sc, key, parent[depth <= SCAN_DEPTH ? depth : 0], depth,
                                           (struct scan_str){ s + i, j - i }, false);
                        value = false;
                        i = j - 1;
                } else if (c == ',') {
                        value = false;
                        str = (struct scan_str){ 0 };
                }
        }
        sc->cut = depth > 0;
}

/* ---- sender_truncation: the gaps ------------------------------------- */

/* "peer:<address>": the source name without its port ("10.0.0.5:40112",
 * "[::1]:40112"); other names (a replay's file, "local") as they are. */
static void trunc_peer(const char *peer, char *out, size_t len)
{
        const char *p = peer ? peer : "", *colon, *close;
        size_t n = strlen(p);

        if (p[0] == '[' && (close = strstr(p, "]:"))) {
                p++;
                n = (size_t)(close - p);
        } else if ((colon = strrchr(p, ':')) && !memchr(p, ':', (size_t)(colon - p)) && colon[1] &&
                   strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
                n = (size_t)(colon - p);
        }
        snprintf(out, len, "peer:%.*s", (int)n, p);
}

static struct gap *trunc_gap(const struct coverage *cov, const char *who, uint32_t size)
{
        char key[16];

        snprintf(key, sizeof(key), "%" PRIu32, size);
        for (struct gap *g = cov->fleet_gaps.head; g; g = g->next)
                if (g->kind == GAP_SENDER_TRUNCATION && strcmp(g->host, who) == 0 && g->key &&
                    strcmp(g->key, key) == 0)
                        return g;
        return NULL;
}

static struct cov_trunc *trunc_find(struct cov_sender_fleet *f, const char *who, uint32_t size)
{
        for (size_t i = 0; i < f->ntrunc; i++)
                if (f->trunc[i].size == size && strcmp(f->trunc[i].who, who) == 0)
                        return &f->trunc[i];
        return NULL;
}

static struct cov_trunc *trunc_add(struct cov_sender_fleet *f, const char *who, uint32_t size)
{
        struct cov_trunc *t;

        if (f->ntrunc == COV_TRUNC_MAX)
                return NULL;
        if (f->ntrunc == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 8;

                if (!(t = realloc(f->trunc, cap * sizeof(*t))))
                        return NULL;
                f->trunc = t;
                f->cap = cap;
        }
        t = &f->trunc[f->ntrunc++];
        memset(t, 0, sizeof(*t));
        snprintf(t->who, sizeof(t->who), "%s", who);
        t->size = size;
        if (!f->min_size || size < f->min_size)
                f->min_size = size;
        return t;
}

static void trunc_remove(struct cov_sender_fleet *f, size_t i)
{
        f->trunc[i] = f->trunc[--f->ntrunc];
        f->min_size = 0;
        for (size_t k = 0; k < f->ntrunc; k++)
                if (!f->min_size || f->trunc[k].size < f->min_size)
                        f->min_size = f->trunc[k].size;
}

/* Track the sender_truncation gaps a restart adopted (state file): they
 * close like any other.  Once, at the first hook after coverage_restore. */
static void trunc_sync(struct coverage *cov)
{
        if (cov->sender.synced)
                return;
        cov->sender.synced = true;
        for (const struct gap *g = cov->fleet_gaps.head; g; g = g->next)
                if (g->kind == GAP_SENDER_TRUNCATION && g->key && !trunc_find(&cov->sender, g->host,
                                                                              (uint32_t)strtoul(g->key, NULL, 10)))
                        trunc_add(&cov->sender, g->host, (uint32_t)strtoul(g->key, NULL, 10));
}

static void trunc_evidence(struct gap *g, const struct cov_trunc *t)
{
        bool peer = strncmp(t->who, "peer:", 5) == 0;

        gap_set_evidence(g, "%" PRIu64 " frame%s of exactly %" PRIu32 " bytes from %s%s failed to decode (%s: the "
                         "JSON breaks off before its end; the first: %s%s%s)", t->frames, t->frames == 1 ? "" : "s",
                         t->size, peer ? "source " : "", peer ? t->who + 5 : t->who,
                         reject_reason_name((enum reject_reason)t->why), t->what, t->what[0] ? ", " : "", t->how);
}

static void trunc_open(struct coverage *cov, const char *who, bool is_host, const struct trunc_cut *c,
                       const struct trunc_scan *sc, enum reject_reason why)
{
        const struct cov_host *h = is_host ? cov_host_find(cov, who) : NULL;
        int64_t t = h ? h->last_us : cov->newest_us ? cov->newest_us : timefmt_now_us();
        struct cov_trunc *e = trunc_add(&cov->sender, who, trunc_sizes[c->idx].size);
        struct gap *g;
        char key[16];

        if (!e) {
                cov->sender.dropped++;
                log_limited(350, LOG_WARNING, "sender_truncation: %s cut a frame at %" PRIu32 " bytes; not "
                            "tracked (%d such gaps open already, or out of memory)", who, trunc_sizes[c->idx].size, COV_TRUNC_MAX);
                return;
        }
        e->frames = 1;
        e->why = why;
        snprintf(e->how, sizeof(e->how), "%s", c->how);
        if (sc->channel[0] || sc->event_id[0])
                snprintf(e->what, sizeof(e->what), "%s%s%s", sc->channel, sc->channel[0] && sc->event_id[0] ? " " : "",
                         sc->event_id);
        snprintf(key, sizeof(key), "%" PRIu32, e->size);
        if (!(g = gap_new(GAP_SENDER_TRUNCATION, who, "*", NULL, 0, NULL, t)) || gap_set_key(g, key) < 0) {
                gap_free(g);
                trunc_remove(&cov->sender, (size_t)(e - cov->sender.trunc));
                return;
        }
        trunc_evidence(g, e);
        gap_set_remedy(g, trunc_sizes[c->idx].remedy);
        gaps_open(cov->gaps, &cov->fleet_gaps, g);
}

void coverage_reject(struct coverage *cov, const char *peer, enum reject_reason why, const char *data, size_t len)
{
        struct trunc_cut c;
        struct trunc_scan sc;
        struct cov_trunc *e;
        char who[COV_TRUNC_WHO_MAX + 1];
        struct gap *g;

        if (!cov || !data || !len || (why != REJ_NOT_JSON && why != REJ_BAD_SYSLOG))
                return;
        trunc_sync(cov);
        if (!trunc_measure(data, len, &c))
                return;
        trunc_scan(c.json, c.json_len, &sc);
        if (!sc.cut)
                return;
        if (sc.host[0])
                snprintf(who, sizeof(who), "%s", sc.host);
        else
                trunc_peer(peer, who, sizeof(who));
        if (!(e = trunc_find(&cov->sender, who, trunc_sizes[c.idx].size))) {
                trunc_open(cov, who, sc.host[0] != '\0', &c, &sc, why);
                return;
        }
        if (e->frames && e->frames < UINT64_MAX) {      /* an adopted gap keeps the evidence it had */
                e->frames++;
                if ((g = trunc_gap(cov, who, e->size)))
                        trunc_evidence(g, e);
        }
}

/* Close who's gaps of a size below n (bytes the sender now delivers whole). */
static void trunc_close_below(struct coverage *cov, const char *who, size_t n, int64_t t)
{
        struct cov_sender_fleet *f = &cov->sender;

        for (size_t i = 0; i < f->ntrunc;) {
                struct gap *g;

                if (f->trunc[i].size >= n || strcmp(f->trunc[i].who, who) != 0) {
                        i++;
                        continue;
                }
                if ((g = trunc_gap(cov, who, f->trunc[i].size)))
                        gaps_close(cov->gaps, &cov->fleet_gaps, g, t);
                trunc_remove(f, i);
        }
}

void coverage_frame_ok(struct coverage *cov, const char *peer, size_t len, int64_t time_us)
{
        char who[COV_TRUNC_WHO_MAX + 1];

        if (!cov)
                return;
        trunc_sync(cov);
        if (!cov->sender.ntrunc || len <= cov->sender.min_size)
                return;
        trunc_peer(peer, who, sizeof(who));
        trunc_close_below(cov, who, len, time_us);
}

static void trunc_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
        size_t bytes = 0;

        trunc_sync(cov);
        if (!cov->sender.ntrunc)
                return;
        for (size_t i = 0; i < ev->nfields; i++)
                bytes += ev->fields[i].len;
        if (bytes > cov->sender.min_size)
                trunc_close_below(cov, h->name, bytes, ev->time_us);
}

/* ---- hooks ------------------------------------------------------------ */

void cov_sender_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
        skew_event(cov, h, ev);
        trunc_event(cov, h, ev);
}

void cov_sender_host_fini(struct cov_host *h)
{
        free(h->sender.ring);
        h->sender.ring = NULL;
}

void cov_sender_fleet_fini(struct coverage *cov)
{
        free(cov->sender.trunc);
        cov->sender.trunc = NULL;
        cov->sender.ntrunc = cov->sender.cap = 0;
}
