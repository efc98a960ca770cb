/* coverage.json and attack-layer.json (contract in include/spoor/report.h).
 *
 * Decisions:
 *   - Hosts are written sorted by name, rules and techniques in ruleset
 *     order, so two reports of the same model are byte-identical but for
 *     "generated".
 *   - A rule that cannot fire on a host is "blinded by" the kinds of the
 *     host's open gaps that explain it (channel_missing on a channel one of
 *     its variants reads, field_missing on a field one reads); a host with
 *     neither (still inside the grace period) blinds with "not sent yet".
 *   - coverage.json is streamed (jsonw.c) into the temporary file that
 *     state_publish_stream renames into place: no tree of the whole fleet,
 *     the memory it takes is the sorted host views (tens of bytes a host)
 *     and the groups below.  attack-layer.json is one small tree (a row per
 *     technique).
 *   - Which rules can fire on a host depends only on which of the rules'
 *     channels it sends and on its open gaps of the kinds that block or
 *     explain (host_silent; channel_missing, channel_silent, field_missing,
 *     audit_off on a channel a rule reads).  Live hosts are grouped by that
 *     key while they are written, and the rules are evaluated once per
 *     group: hosts x (channels + gaps) + groups x rules, not hosts x rules
 *     (a fleet of alike hosts has a handful of groups; at worst every host
 *     is its own group, the old cost). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "spoor/coverage.h"
#include "spoor/gaps.h"
#include "spoor/jsonw.h"
#include "spoor/metrics.h"
#include "spoor/record.h"
#include "spoor/report.h"
#include "spoor/ruleset.h"
#include "spoor/state.h"
#include "spoor/timefmt.h"

#define REPORT_NOT_SENT (1u << _GAP_KIND_MAX)   /* reason bit: the channel never arrived, no gap yet */

struct rep_rule {
        const struct sigma_rule *r;
        const struct sigma_variant *vs;
        size_t nv;
        size_t *vchan;                  /* per variant: its channel in rep.chans, SIZE_MAX: none */
        uint64_t can;                   /* live hosts where it can fire */
};

struct rep_tech {
        char id[16];                    /* "T1053.005" */
        size_t *rules;
        size_t nrules;
        uint64_t fire, blind;
        unsigned kinds;                 /* reason bits over the blinded hosts */
};

/* Live hosts alike for the rules (the key: a bit per rep.chans the host
 * sends, then its gaps that matter, see rep_key). */
struct rep_group {
        uint64_t hash;
        size_t key, keylen;             /* in rep.keys */
        size_t host;                    /* its first host, an index in the sorted views */
        uint64_t hosts;
};

struct rep {
        struct rep_rule *rules;
        size_t nrules;
        struct rep_tech *techs;
        size_t ntechs;
        bool *can;                      /* per rule, for the group being tallied */
        unsigned *why;
        /* The distinct channels the variants read (case-insensitive), and
         * an index of them by case-folded name (slot: index + 1, 0: free). */
        const char **chans;
        size_t nchans;
        size_t *chash;
        size_t chash_mask;
        /* the groups, and their index by key (slot: index + 1, 0: free) */
        struct rep_group *groups;
        size_t ngroups, gcap;
        size_t *gidx;
        size_t gidx_mask;
        unsigned char *keys;            /* the groups' keys, one after the other */
        size_t keyslen, keyscap;
        unsigned char *kb;              /* the key being built */
        size_t kblen, kbcap;
};

/* "attack.t1053.005" → "T1053.005"; false when the tag is not a technique */
static bool report_technique(const char *tag, char out[16])
{
        const char *s;
        size_t n;

        if (strncasecmp(tag, "attack.t", 8) != 0)
                return false;
        s = tag + 8;
        for (n = 0; n < 4; n++)
                if (!isdigit((unsigned char)s[n]))
                        return false;
        if (s[4] == '.') {
                for (n = 5; n < 8; n++)
                        if (!isdigit((unsigned char)s[n]))
                                return false;
                if (s[8])
                        return false;
        } else if (s[4]) {
                return false;
        }
        snprintf(out, 16, "T%s", s);
        return true;
}

static void rep_free(struct rep *rp)
{
        for (size_t i = 0; i < rp->ntechs; i++)
                free(rp->techs[i].rules);
        free(rp->techs);
        for (size_t i = 0; rp->rules && i < rp->nrules; i++)
                free(rp->rules[i].vchan);
        free(rp->rules);
        free(rp->can);
        free(rp->why);
        free(rp->chans);
        free(rp->chash);
        free(rp->groups);
        free(rp->gidx);
        free(rp->keys);
        free(rp->kb);
}

/* Index of channel ch in rp->chans (added when new), SIZE_MAX on ENOMEM. */
static size_t rep_chan_index(struct rep *rp, const char *ch)
{
        for (size_t i = 0; i < rp->nchans; i++)
                if (strcasecmp(rp->chans[i], ch) == 0)
                        return i;
        const char **c = realloc(rp->chans, (rp->nchans + 1) * sizeof(*c));
        if (!c)
                return SIZE_MAX;
        rp->chans = c;
        rp->chans[rp->nchans] = ch;
        return rp->nchans++;
}

/* FNV-1a of the case-folded name (channels compare as strcasecmp does) */
static uint64_t rep_fold_hash(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 1099511628211ULL;
        return h;
}

static uint64_t rep_bytes_hash(const unsigned char *p, size_t n)
{
        uint64_t h = 1469598103934665603ULL;

        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * 1099511628211ULL;
        return h;
}

static int rep_chan_hash_build(struct rep *rp)
{
        size_t size = 16;

        while (size < 2 * rp->nchans)
                size *= 2;
        if (!(rp->chash = calloc(size, sizeof(*rp->chash))))
                return -ENOMEM;
        rp->chash_mask = size - 1;
        for (size_t i = 0; i < rp->nchans; i++) {
                size_t s = rep_fold_hash(rp->chans[i]) & rp->chash_mask;

                while (rp->chash[s])
                        s = (s + 1) & rp->chash_mask;
                rp->chash[s] = i + 1;
        }
        return 0;
}

/* Index of channel ch in rp->chans (case-insensitive), SIZE_MAX: no rule
 * reads it. */
static size_t rep_chan_find(const struct rep *rp, const char *ch)
{
        for (size_t s = rep_fold_hash(ch) & rp->chash_mask; rp->chash[s]; s = (s + 1) & rp->chash_mask)
                if (strcasecmp(rp->chans[rp->chash[s] - 1], ch) == 0)
                        return rp->chash[s] - 1;
        return SIZE_MAX;
}

static int rep_add_tech(struct rep *rp, const char *id, size_t rule)
{
        struct rep_tech *t = NULL;
        size_t *n;

        for (size_t i = 0; i < rp->ntechs && !t; i++)
                if (strcmp(rp->techs[i].id, id) == 0)
                        t = &rp->techs[i];
        if (!t) {
                struct rep_tech *nt = realloc(rp->techs, (rp->ntechs + 1) * sizeof(*nt));

                if (!nt)
                        return -ENOMEM;
                rp->techs = nt;
                t = &nt[rp->ntechs++];
                memset(t, 0, sizeof(*t));
                snprintf(t->id, sizeof(t->id), "%s", id);
        }
        if (t->nrules && t->rules[t->nrules - 1] == rule)
                return 0;       /* a rule tagged twice */
        if (!(n = realloc(t->rules, (t->nrules + 1) * sizeof(*n))))
                return -ENOMEM;
        t->rules = n;
        t->rules[t->nrules++] = rule;
        return 0;
}

static int rep_init(struct rep *rp, const struct ruleset *rs)
{
        size_t n = rs ? ruleset_rule_count(rs) : 0;

        memset(rp, 0, sizeof(*rp));
        rp->rules = calloc(n ? n : 1, sizeof(*rp->rules));
        rp->can = calloc(n ? n : 1, sizeof(*rp->can));
        rp->why = calloc(n ? n : 1, sizeof(*rp->why));
        if (!rp->rules || !rp->can || !rp->why)
                return -ENOMEM;
        rp->nrules = n;
        for (size_t i = 0; i < n; i++) {
                struct rep_rule *x = &rp->rules[i];

                x->r = ruleset_rule_at(rs, i, &x->vs, &x->nv);
                if (!(x->vchan = malloc((x->nv ? x->nv : 1) * sizeof(*x->vchan))))
                        return -ENOMEM;
                for (size_t k = 0; k < x->nv; k++) {
                        const char *ch = x->vs[k].source.channel;
                        x->vchan[k] = SIZE_MAX;
                        if (ch && *ch && (x->vchan[k] = rep_chan_index(rp, ch)) == SIZE_MAX)
                                return -ENOMEM;
                }
                for (size_t k = 0; k < x->r->ntags; k++) {
                        char id[16];

                        if (report_technique(x->r->tags[k], id) && rep_add_tech(rp, id, i) < 0)
                                return -ENOMEM;
                }
        }
        return rep_chan_hash_build(rp);
}

static bool rep_reads_field(const struct sigma_variant *v, const char *field)
{
        for (size_t i = 0; i < v->nneeds_fields; i++)
                if (strcasecmp(v->needs_fields[i], field) == 0)
                        return true;
        return false;
}

/* Does open gap g keep variant v (reading channel ch) from firing?  A
 * silent host blinds everything; a silent channel, its readers; audit off,
 * the readers of its event ids; a missing field, the variants reading it.
 * channel_missing only explains (the channel is not sent at all). */
static bool rep_gap_blocks(const struct gap *g, const struct sigma_variant *v, const char *ch)
{
        if (g->kind == GAP_HOST_SILENT)
                return true;
        if (strcasecmp(g->channel, ch) != 0)
                return false;
        switch (g->kind) {
        case GAP_CHANNEL_SILENT:
                return true;
        case GAP_FIELD_MISSING:
                return g->field && rep_reads_field(v, g->field);
        case GAP_AUDIT_OFF:
                if (!v->nevent_ids || !g->nevent_ids)
                        return true;
                for (size_t i = 0; i < g->nevent_ids; i++)
                        for (size_t k = 0; k < v->nevent_ids; k++)
                                if (g->event_ids[i] == v->event_ids[k])
                                        return true;
                return false;
        default:
                return false;
        }
}

/* Which rules can fire on the hosts of a group (rp->can), and why not
 * (rp->why): gaps are the open gaps of one of its hosts, has the key's
 * channel bits. */
static void rep_eval(struct rep *rp, const struct gap *gaps, const unsigned char *has)
{
        for (size_t i = 0; i < rp->nrules; i++) {
                const struct rep_rule *x = &rp->rules[i];
                bool can = false;
                unsigned why = 0;

                for (size_t k = 0; k < x->nv && !can; k++) {
                        const struct sigma_variant *v = &x->vs[k];
                        const char *ch = v->source.channel;
                        bool blocked = false;

                        if (!ch || !*ch) {
                                can = true;
                                break;
                        }
                        for (const struct gap *g = gaps; g; g = g->next) {
                                if (g->kind == GAP_CHANNEL_MISSING && strcasecmp(g->channel, ch) == 0) {
                                        why |= 1u << g->kind;
                                } else if (rep_gap_blocks(g, v, ch)) {
                                        why |= 1u << g->kind;
                                        blocked = true;
                                }
                        }
                        if (blocked)
                                continue;
                        if (has[x->vchan[k] >> 3] & (1u << (x->vchan[k] & 7)))
                                can = true;
                        else if (!(why & (1u << GAP_CHANNEL_MISSING)))
                                why |= REPORT_NOT_SENT;
                }
                rp->can[i] = can;
                rp->why[i] = can ? 0 : why;
        }
}

/* ---- grouping live hosts ---------------------------------------------- */

static bool rep_kb_put(struct rep *rp, const void *p, size_t n)
{
        if (!n)
                return true;    /* kb may still be NULL: no memcpy from or to it */
        if (rp->kbcap - rp->kblen < n) {
                size_t cap = rp->kbcap ? rp->kbcap : 256;
                unsigned char *b;

                while (cap - rp->kblen < n)
                        cap *= 2;
                if (!(b = realloc(rp->kb, cap)))
                        return false;
                rp->kb = b;
                rp->kbcap = cap;
        }
        memcpy(rp->kb + rp->kblen, p, n);
        rp->kblen += n;
        return true;
}

/* The key of a live host into rp->kb: a bit per rp->chans (sent or not),
 * then per open gap that rep_eval can see: its kind, and but for
 * host_silent its channel's index, field_missing's field, audit_off's
 * event ids.  Gaps of other kinds, or on channels no rule reads, change
 * nothing and are left out.  0 or -ENOMEM. */
static int rep_key(struct rep *rp, const struct coverage_host_view *hv)
{
        size_t nb = (rp->nchans + 7) / 8;
        struct coverage_channel_stats st;
        const char *name;

        rp->kblen = 0;
        for (size_t i = 0; i < nb; i++)
                if (!rep_kb_put(rp, "", 1))     /* a zero byte */
                        return -ENOMEM;
        for (size_t i = 0; (name = coverage_host_channel(hv, i, &st)); i++) {
                size_t c = rep_chan_find(rp, name);

                if (c != SIZE_MAX)
                        rp->kb[c >> 3] |= (unsigned char)(1u << (c & 7));
        }
        for (const struct gap *g = hv->gaps; g; g = g->next) {
                unsigned char kind = (unsigned char)g->kind;
                size_t ci;
                uint32_t c;
                uint16_t n;

                switch (g->kind) {
                case GAP_HOST_SILENT:
                        if (!rep_kb_put(rp, &kind, 1))
                                return -ENOMEM;
                        continue;
                case GAP_CHANNEL_MISSING:
                case GAP_CHANNEL_SILENT:
                case GAP_FIELD_MISSING:
                case GAP_AUDIT_OFF:
                        break;
                default:
                        continue;
                }
                if ((ci = rep_chan_find(rp, g->channel)) == SIZE_MAX)
                        continue;
                c = (uint32_t)ci;
                if (!rep_kb_put(rp, &kind, 1) || !rep_kb_put(rp, &c, sizeof(c)))
                        return -ENOMEM;
                if (g->kind == GAP_FIELD_MISSING &&
                    !(g->field ? rep_kb_put(rp, "+", 1) && rep_kb_put(rp, g->field, strlen(g->field) + 1)
                               : rep_kb_put(rp, "-", 1)))
                        return -ENOMEM;
                n = (uint16_t)g->nevent_ids;
                if (g->kind == GAP_AUDIT_OFF &&
                    (!rep_kb_put(rp, &n, sizeof(n)) || !rep_kb_put(rp, g->event_ids, n * sizeof(g->event_ids[0]))))
                        return -ENOMEM;
        }
        return 0;
}

static int rep_gidx_grow(struct rep *rp)
{
        size_t size = rp->gidx ? 2 * (rp->gidx_mask + 1) : 64;
        size_t *idx = calloc(size, sizeof(*idx));

        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < rp->ngroups; i++) {
                size_t s = rp->groups[i].hash & (size - 1);

                while (idx[s])
                        s = (s + 1) & (size - 1);
                idx[s] = i + 1;
        }
        free(rp->gidx);
        rp->gidx = idx;
        rp->gidx_mask = size - 1;
        return 0;
}

/* Count live host `host` (its view hv) in its group.  0 or -ENOMEM. */
static int rep_group_add(struct rep *rp, const struct coverage_host_view *hv, size_t host)
{
        uint64_t hash;
        size_t s;
        struct rep_group *g;

        if (rep_key(rp, hv) < 0)
                return -ENOMEM;
        hash = rep_bytes_hash(rp->kb, rp->kblen);
        if ((!rp->gidx || 2 * (rp->ngroups + 1) > rp->gidx_mask + 1) && rep_gidx_grow(rp) < 0)
                return -ENOMEM;
        for (s = hash & rp->gidx_mask; rp->gidx[s]; s = (s + 1) & rp->gidx_mask) {
                g = &rp->groups[rp->gidx[s] - 1];
                if (g->hash == hash && g->keylen == rp->kblen &&
                    (!rp->kblen || memcmp(rp->keys + g->key, rp->kb, rp->kblen) == 0)) {
                        g->hosts++;
                        return 0;
                }
        }
        if (rp->ngroups == rp->gcap) {
                size_t cap = rp->gcap ? 2 * rp->gcap : 16;
                struct rep_group *n = realloc(rp->groups, cap * sizeof(*n));

                if (!n)
                        return -ENOMEM;
                rp->groups = n;
                rp->gcap = cap;
        }
        if (rp->keyscap - rp->keyslen < rp->kblen) {
                size_t cap = rp->keyscap ? rp->keyscap : 4096;
                unsigned char *k;

                while (cap - rp->keyslen < rp->kblen)
                        cap *= 2;
                if (!(k = realloc(rp->keys, cap)))
                        return -ENOMEM;
                rp->keys = k;
                rp->keyscap = cap;
        }
        if (rp->kblen)          /* an empty key: keys may still be NULL */
                memcpy(rp->keys + rp->keyslen, rp->kb, rp->kblen);
        rp->groups[rp->ngroups] = (struct rep_group){ hash, rp->keyslen, rp->kblen, host, 1 };
        rp->keyslen += rp->kblen;
        rp->gidx[s] = ++rp->ngroups;
        return 0;
}

/* Per rule and technique, the live hosts where it can fire or is blinded
 * (hv: the sorted views the groups point into). */
static void rep_tally(struct rep *rp, const struct coverage_host_view *hv)
{
        for (size_t i = 0; i < rp->ngroups; i++) {
                const struct rep_group *gr = &rp->groups[i];

                rep_eval(rp, hv[gr->host].gaps, rp->keys + gr->key);
                for (size_t k = 0; k < rp->nrules; k++)
                        if (rp->can[k])
                                rp->rules[k].can += gr->hosts;
                for (size_t t = 0; t < rp->ntechs; t++) {
                        struct rep_tech *x = &rp->techs[t];
                        bool fire = false;
                        unsigned why = 0;

                        for (size_t k = 0; k < x->nrules && !fire; k++) {
                                fire = rp->can[x->rules[k]];
                                why |= rp->why[x->rules[k]];
                        }
                        if (fire) {
                                x->fire += gr->hosts;
                        } else {
                                x->blind += gr->hosts;
                                x->kinds |= why;
                        }
                }
        }
}

/* ---- coverage.json ---------------------------------------------------- */

static int view_cmp(const void *a, const void *b)
{
        return strcmp(((const struct coverage_host_view *)a)->name, ((const struct coverage_host_view *)b)->name);
}

/* [{"id","kind","host","channel","field"?,"event_ids","opened"}] of the
 * open gaps */
static void report_gaps(struct jsonw *w, const struct gap *gaps)
{
        jsonw_lit(w, "[");
        for (const struct gap *g = gaps; g; g = g->next) {
                if (g != gaps)
                        jsonw_lit(w, ",");
                jsonw_lit(w, "{\"id\":");
                jsonw_str(w, g->id);
                jsonw_lit(w, ",\"kind\":");
                jsonw_str(w, gap_kind_name(g->kind));
                jsonw_lit(w, ",\"host\":");
                jsonw_str(w, g->host);
                jsonw_lit(w, ",\"channel\":");
                jsonw_str(w, g->channel);
                if (g->field) {
                        jsonw_lit(w, ",\"field\":");
                        jsonw_str(w, g->field);
                }
                jsonw_lit(w, ",\"event_ids\":[");
                for (size_t i = 0; i < g->nevent_ids; i++) {
                        if (i)
                                jsonw_lit(w, ",");
                        jsonw_i64(w, g->event_ids[i]);
                }
                jsonw_lit(w, "],\"opened\":");
                jsonw_time(w, g->opened_us);
                jsonw_lit(w, "}");
        }
        jsonw_lit(w, "]");
}

static void report_host(struct jsonw *w, const struct coverage_host_view *hv, bool live, bool first)
{
        struct coverage_channel_stats st;
        const char *name;

        jsonw_key(w, hv->name, first);
        jsonw_lit(w, "{\"first_seen\":");
        jsonw_time(w, hv->first_us);
        jsonw_lit(w, ",\"last_seen\":");
        jsonw_time(w, hv->last_us);
        if (live)
                jsonw_lit(w, ",\"live\":true,\"channels\":{");
        else
                jsonw_lit(w, ",\"live\":false,\"channels\":{");
        for (size_t i = 0; (name = coverage_host_channel(hv, i, &st)); i++) {
                jsonw_key(w, name, i == 0);
                jsonw_lit(w, "{\"first_seen\":");
                jsonw_time(w, st.first_us);
                jsonw_lit(w, ",\"last_seen\":");
                jsonw_time(w, st.last_us);
                jsonw_lit(w, ",\"count\":");
                jsonw_i64(w, (int64_t)st.count);
                jsonw_lit(w, ",\"event_ids\":{");
                for (size_t k = 0; k < st.neids; k++) {
                        if (k)
                                jsonw_lit(w, ",");
                        jsonw_lit(w, "\"");
                        jsonw_i64(w, st.eids[k].id);
                        jsonw_lit(w, "\":");
                        jsonw_i64(w, (int64_t)st.eids[k].count);
                }
                jsonw_lit(w, "}");
                if (st.eids_dropped) {
                        jsonw_lit(w, ",\"event_ids_other\":");
                        jsonw_i64(w, (int64_t)st.eids_dropped);
                }
                jsonw_lit(w, "}");
        }
        jsonw_lit(w, "},\"open_gaps\":");
        report_gaps(w, hv->gaps);
        jsonw_lit(w, "}");
}

/* Write coverage.json (without its final newline) to w, and count the
 * live hosts into *live and rp's rules and techniques.  0 or -errno. */
static int report_coverage(struct jsonw *w, const struct coverage *cov, struct rep *rp, int64_t grace_us,
                           int64_t now_us, uint64_t *live_out)
{
        size_t n = coverage_host_count(cov);
        struct coverage_host_view *hv = calloc(n ? n : 1, sizeof(*hv));
        int64_t newest = INT64_MIN, live_from;
        uint64_t live = 0, stable = 0, esc = 0;
        double median;
        int r = -ENOMEM;

        if (!hv)
                return -ENOMEM;
        n = coverage_hosts(cov, hv, n);
        qsort(hv, n, sizeof(*hv), view_cmp);
        for (size_t i = 0; i < n; i++)
                if (hv[i].last_us > newest)
                        newest = hv[i].last_us;
        live_from = n ? newest - 2 * grace_us : 0;
        jsonw_lit(w, "{\"generated\":");
        jsonw_time(w, now_us);
        jsonw_lit(w, ",\"hosts\":{");
        for (size_t i = 0; i < n; i++) {
                bool is_live = hv[i].last_us >= live_from;

                report_host(w, &hv[i], is_live, i == 0);
                if (!is_live)
                        continue;
                live++;
                if (rep_group_add(rp, &hv[i], i) < 0)
                        goto out;
        }
        rep_tally(rp, hv);
        jsonw_lit(w, "},\"rules\":{");
        for (size_t k = 0; k < rp->nrules; k++) {
                const struct rep_rule *x = &rp->rules[k];

                jsonw_key(w, x->r->id, k == 0);
                jsonw_lit(w, "{\"title\":");
                jsonw_str(w, x->r->title ? x->r->title : "");
                jsonw_lit(w, ",\"can_fire_hosts\":");
                jsonw_i64(w, (int64_t)x->can);
                jsonw_lit(w, ",\"live_hosts\":");
                jsonw_i64(w, (int64_t)live);
                jsonw_lit(w, ",\"share\":");
                jsonw_num(w, live ? (double)x->can / (double)live : 0);
                jsonw_lit(w, "}");
                if (x->r->status && strcmp(x->r->status, "stable") == 0)
                        stable++;
        }
        for (size_t l = 0; l < sizeof(metrics.leads) / sizeof(metrics.leads[0]); l++)
                esc += metrics.leads[l][RECORD_KIND_ESCALATION];
        jsonw_lit(w, "},\"fleet\":{\"hosts\":");
        jsonw_i64(w, (int64_t)n);
        jsonw_lit(w, ",\"live_hosts\":");
        jsonw_i64(w, (int64_t)live);
        jsonw_lit(w, ",\"gaps_surfaced\":");
        jsonw_i64(w, (int64_t)coverage_surfaced_gaps(cov));
        jsonw_lit(w, ",\"gaps_open\":");
        jsonw_i64(w, (int64_t)coverage_open_gaps(cov));
        jsonw_lit(w, ",\"gaps_closed\":");
        jsonw_i64(w, (int64_t)coverage_closed_gaps(cov));
        jsonw_lit(w, ",\"median_ttr_seconds\":");
        if (coverage_median_ttr(cov, &median))
                jsonw_num(w, median);
        else
                jsonw_lit(w, "null");
        jsonw_lit(w, ",\"rules_loaded\":");
        jsonw_i64(w, (int64_t)rp->nrules);
        jsonw_lit(w, ",\"rules_stable\":");
        jsonw_i64(w, (int64_t)stable);
        jsonw_lit(w, ",\"rules_promoted\":");
        jsonw_i64(w, (int64_t)metrics.rules_promoted);
        jsonw_lit(w, ",\"escalations\":");
        jsonw_i64(w, (int64_t)esc);
        jsonw_lit(w, "},\"fleet_gaps\":");
        report_gaps(w, coverage_fleet_gaps(cov));
        jsonw_lit(w, "}");
        *live_out = live;
        r = w->err;
out:
        free(hv);
        return r;
}

/* ---- attack-layer.json ------------------------------------------------ */

static int add(struct json_object *o, const char *k, struct json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, k, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int push(struct json_object *a, struct json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int report_kinds(char *buf, size_t len, unsigned kinds)
{
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned k = 0; k <= _GAP_KIND_MAX; k++) {
                const char *n = k == _GAP_KIND_MAX ? "not sent yet" : gap_kind_name((enum gap_kind)k);

                if (!(kinds & (1u << k)) || off >= len)
                        continue;
                off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", n);
        }
        return 0;
}

static struct json_object *report_layer(const struct rep *rp, uint64_t live, int64_t now_us)
{
        struct json_object *l = json_object_new_object(), *v, *techs, *g, *colors;
        char desc[256], when[TIMEFMT_MAX];

        if (!l)
                return NULL;
        snprintf(desc, sizeof(desc), "spoor telemetry coverage at %s: score = percent of the %llu live hosts where "
                 "at least one loaded rule tagged with the technique can fire", timefmt_format(now_us, when),
                 (unsigned long long)live);
        if (add(l, "name", json_object_new_string("spoor coverage")) < 0 ||
            add(l, "versions", v = json_object_new_object()) < 0 ||
            add(v, "attack", json_object_new_string("14")) < 0 ||
            add(v, "navigator", json_object_new_string("4.9.1")) < 0 ||
            add(v, "layer", json_object_new_string("4.5")) < 0 ||
            add(l, "domain", json_object_new_string("enterprise-attack")) < 0 ||
            add(l, "description", json_object_new_string(desc)) < 0 ||
            add(l, "techniques", techs = json_object_new_array()) < 0)
                goto fail;
        for (size_t i = 0; i < rp->ntechs; i++) {
                const struct rep_tech *t = &rp->techs[i];
                struct json_object *o = json_object_new_object();
                char kinds[160], comment[256];
                int64_t score = live ? (int64_t)((t->fire * 100 + live / 2) / live) : 0;

                report_kinds(kinds, sizeof(kinds), t->kinds);
                if (t->blind)
                        snprintf(comment, sizeof(comment), "rules: %zu; blinded on %llu hosts by: %s", t->nrules,
                                 (unsigned long long)t->blind, kinds);
                else
                        snprintf(comment, sizeof(comment), "rules: %zu; blinded on 0 hosts", t->nrules);
                if (push(techs, o) < 0 || add(o, "techniqueID", json_object_new_string(t->id)) < 0 ||
                    add(o, "score", json_object_new_int64(score)) < 0 ||
                    add(o, "comment", json_object_new_string(comment)) < 0)
                        goto fail;
        }
        if (add(l, "gradient", g = json_object_new_object()) < 0 ||
            add(g, "colors", colors = json_object_new_array()) < 0 ||
            push(colors, json_object_new_string("#ff6666")) < 0 || push(colors, json_object_new_string("#ffe766")) < 0 ||
            push(colors, json_object_new_string("#8ec843")) < 0 || add(g, "minValue", json_object_new_int(0)) < 0 ||
            add(g, "maxValue", json_object_new_int(100)) < 0 ||
            add(l, "legendItems", json_object_new_array()) < 0 || add(l, "metadata", json_object_new_array()) < 0 ||
            add(l, "showTacticRowBackground", json_object_new_boolean(0)) < 0 ||
            add(l, "selectTechniquesAcrossTactics", json_object_new_boolean(1)) < 0 ||
            add(l, "selectSubtechniquesWithParent", json_object_new_boolean(0)) < 0)
                goto fail;
        return l;
fail:
        json_object_put(l);
        return NULL;
}

/* ---- render, publish -------------------------------------------------- */

int report_render(const struct coverage *cov, const struct ruleset *rs, int64_t grace_us, int64_t now_us,
                  struct json_object **coverage_out, struct json_object **layer_out)
{
        struct rep rp;
        struct jsonw w;
        struct json_tokener *tok = NULL;
        struct json_object *c = NULL;
        uint64_t live = 0;
        int r;

        *coverage_out = *layer_out = NULL;
        jsonw_init_mem(&w);
        if ((r = rep_init(&rp, rs)) < 0 || (r = report_coverage(&w, cov, &rp, grace_us, now_us, &live)) < 0)
                goto out;
        r = -ENOMEM;
        if (w.len > INT32_MAX || !(tok = json_tokener_new()))
                goto out;
        c = json_tokener_parse_ex(tok, w.buf, (int)w.len);
        if (!c || json_tokener_get_error(tok) != json_tokener_success) {
                r = -EINVAL;    /* not JSON: a bug of this file */
                goto out;
        }
        if (!(*layer_out = report_layer(&rp, live, now_us)))
                goto out;
        *coverage_out = c;
        c = NULL;
        r = 0;
out:
        json_object_put(c);
        if (tok)
                json_tokener_free(tok);
        jsonw_fini(&w);
        rep_free(&rp);
        return r;
}

struct report_fill {
        const struct coverage *cov;
        struct rep *rp;
        int64_t grace_us, now_us;
        uint64_t live;
};

static int report_fill_coverage(void *ud, int fd)
{
        struct report_fill *f = ud;
        struct jsonw w;
        int r = jsonw_init_fd(&w, fd);

        if (r == 0 && (r = report_coverage(&w, f->cov, f->rp, f->grace_us, f->now_us, &f->live)) == 0) {
                jsonw_lit(&w, "\n");
                r = jsonw_finish(&w);
        }
        jsonw_fini(&w);
        return r;
}

static int report_publish(int dirfd, const char *name, struct json_object *o)
{
        size_t len;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        char *line;
        int r;

        if (!s || !(line = malloc(len + 1)))
                return -ENOMEM;
        memcpy(line, s, len);
        line[len] = '\n';
        r = state_publish(dirfd, name, line, len + 1);
        free(line);
        return r;
}

int report_write(int dirfd, const struct coverage *cov, const struct ruleset *rs, int64_t grace_us, int64_t now_us)
{
        struct rep rp;
        struct report_fill f = { .cov = cov, .rp = &rp, .grace_us = grace_us, .now_us = now_us };
        struct json_object *l = NULL;
        int r = rep_init(&rp, rs);

        if (r == 0)
                r = state_publish_stream(dirfd, REPORT_COVERAGE_FILE, report_fill_coverage, &f);
        if (r == 0)
                r = (l = report_layer(&rp, f.live, now_us)) ? report_publish(dirfd, REPORT_LAYER_FILE, l) : -ENOMEM;
        json_object_put(l);
        rep_free(&rp);
        return r;
}
