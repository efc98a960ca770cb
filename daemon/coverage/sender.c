/* The sender gaps: sender_truncation (from rejected frames,
 * coverage_reject) here, clock_skew in skew.c.  State in sender.h.
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
        cov_skew_event(cov, h, ev);
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
