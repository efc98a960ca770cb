/* What the Windows side must send for the loaded rules (contract in
 * include/spoor/remedy.h, remedy_plan): the channels to forward, the audit
 * subcategories to turn on with their auditpol lines, the command-line
 * policy, Sysmon's event ids — from the same remedy table the gap reporter
 * uses, so the set-up a README shows and the remedies gaps name agree.
 *
 * Decisions:
 *   - A rule counts for a channel when one of its variants reads it; for
 *     an audit subcategory when a variant reads a Security event id of it
 *     (a variant naming no event id counts for the channel only: it asks
 *     for every Security event, which no one subcategory gives).
 *   - One auditpol line per subcategory: the remedy of its event id with
 *     the longest line (the one that also enables failures, a second
 *     subcategory or a SACL note wins).
 *   - Output is Markdown, sorted (channels by name, subcategories by
 *     category then name), so it is stable and can be checked in as
 *     docs/windows.md and compared by a test. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/remedy.h"
#include "spoor/ruleset.h"
#include "spoor/sigma.h"

#define PLAN_MAX 512            /* channels, subcategories, Sysmon ids: far more than any rule set names */
#define PLAN_LINE 1024

struct plan_chan {
        const char *name;
        size_t rules;
};

struct plan_sub {
        const struct remedy_audit *a;
        uint16_t ids[64];
        size_t nids;
        size_t rules;
        char line[PLAN_LINE];
};

struct plan {
        struct plan_chan chans[PLAN_MAX];
        size_t nchans;
        struct plan_sub subs[PLAN_MAX];
        size_t nsubs;
        uint16_t sysmon[PLAN_MAX];
        size_t nsysmon;
        uint16_t always[PLAN_MAX];      /* Security ids written whatever the policy (1102 ...) */
        size_t nalways;
        uint16_t unknown[PLAN_MAX];     /* Security ids the table does not know */
        size_t nunknown;
        size_t cmdline_rules;           /* rules reading CommandLine from Security 4688 */
};

static const char sysmon_channel[] = "Microsoft-Windows-Sysmon/Operational";

static void plan_add_id(uint16_t *ids, size_t *n, size_t max, uint16_t id)
{
        for (size_t i = 0; i < *n; i++)
                if (ids[i] == id)
                        return;
        if (*n < max)
                ids[(*n)++] = id;
}

static struct plan_chan *plan_chan(struct plan *p, const char *name)
{
        for (size_t i = 0; i < p->nchans; i++)
                if (strcasecmp(p->chans[i].name, name) == 0)
                        return &p->chans[i];
        if (p->nchans == PLAN_MAX)
                return NULL;
        p->chans[p->nchans] = (struct plan_chan){ name, 0 };
        return &p->chans[p->nchans++];
}

static struct plan_sub *plan_sub(struct plan *p, const struct remedy_audit *a)
{
        for (size_t i = 0; i < p->nsubs; i++)
                if (strcmp(p->subs[i].a->guid, a->guid) == 0)
                        return &p->subs[i];
        if (p->nsubs == PLAN_MAX)
                return NULL;
        memset(&p->subs[p->nsubs], 0, sizeof(p->subs[0]));
        p->subs[p->nsubs].a = a;
        return &p->subs[p->nsubs++];
}

/* A Security event id a rule reads; *counted: the rule already counted for
 * the subcategory (one flag per subcategory index). */
static void plan_security_id(struct plan *p, uint16_t id, unsigned char *counted)
{
        const struct remedy_audit *a = remedy_audit_for(id);
        struct plan_sub *s;
        char line[PLAN_LINE];

        if (!a) {
                plan_add_id(p->unknown, &p->nunknown, PLAN_MAX, id);
                return;
        }
        if (!a->guid) {
                plan_add_id(p->always, &p->nalways, PLAN_MAX, id);
                return;
        }
        if (!(s = plan_sub(p, a)))
                return;
        plan_add_id(s->ids, &s->nids, sizeof(s->ids) / sizeof(s->ids[0]), id);
        if (!counted[s - p->subs]) {
                counted[s - p->subs] = 1;
                s->rules++;
        }
        remedy_for("Security", id, line, sizeof(line));
        if (strlen(line) > strlen(s->line))
                memcpy(s->line, line, sizeof(line));
}

static bool plan_reads(const struct sigma_variant *v, const char *field)
{
        for (size_t i = 0; i < v->nneeds_fields; i++)
                if (strcmp(v->needs_fields[i], field) == 0)
                        return true;
        return false;
}

static void plan_rule(struct plan *p, const struct sigma_variant *vs, size_t nv)
{
        unsigned char chan_counted[PLAN_MAX] = { 0 }, sub_counted[PLAN_MAX] = { 0 };
        bool cmdline = false;

        for (size_t k = 0; k < nv; k++) {
                const struct sigma_variant *v = &vs[k];
                const char *ch = v->source.channel;
                struct plan_chan *c;

                if (!ch || !*ch || !(c = plan_chan(p, ch)))
                        continue;
                if (!chan_counted[c - p->chans]) {
                        chan_counted[c - p->chans] = 1;
                        c->rules++;
                }
                for (size_t i = 0; i < v->nevent_ids; i++) {
                        if (strcasecmp(ch, "Security") == 0)
                                plan_security_id(p, v->event_ids[i], sub_counted);
                        else if (strcasecmp(ch, sysmon_channel) == 0)
                                plan_add_id(p->sysmon, &p->nsysmon, PLAN_MAX, v->event_ids[i]);
                        if (strcasecmp(ch, "Security") == 0 && v->event_ids[i] == 4688 &&
                            plan_reads(v, "CommandLine"))
                                cmdline = true;
                }
        }
        p->cmdline_rules += cmdline;
}

static int plan_cmp_chan(const void *a, const void *b)
{
        return strcasecmp(((const struct plan_chan *)a)->name, ((const struct plan_chan *)b)->name);
}

static int plan_cmp_sub(const void *a, const void *b)
{
        const struct remedy_audit *x = ((const struct plan_sub *)a)->a, *y = ((const struct plan_sub *)b)->a;
        int c = strcmp(x->category, y->category);

        return c ? c : strcmp(x->subcategory, y->subcategory);
}

static int plan_cmp_u16(const void *a, const void *b)
{
        return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void plan_ids(FILE *out, uint16_t *ids, size_t n)
{
        qsort(ids, n, sizeof(*ids), plan_cmp_u16);
        for (size_t i = 0; i < n; i++)
                fprintf(out, "%s%u", i ? ", " : "", (unsigned)ids[i]);
}

static void plan_print(struct plan *p, size_t nrules, FILE *out)
{
        qsort(p->chans, p->nchans, sizeof(p->chans[0]), plan_cmp_chan);
        qsort(p->subs, p->nsubs, sizeof(p->subs[0]), plan_cmp_sub);
        fprintf(out, "# Windows telemetry for the loaded rules\n\n"
                     "Generated by `spoord --windows-setup` from the %zu loaded detection rules (the correlations\n"
                     "read their events) and the remedy table the gap reporter uses: a gap's remedy names the\n"
                     "same lines.\n\n", nrules);
        fprintf(out, "## Channels to forward\n\n| channel | rules reading it | |\n|---|---|---|\n");
        for (size_t i = 0; i < p->nchans; i++) {
                char line[PLAN_LINE];
                const char *note = "";

                remedy_for(p->chans[i].name, 0, line, sizeof(line));
                if (strncmp(line, "wevtutil", 8) == 0)
                        note = "off by default: `wevtutil sl \"<channel>\" /e:true`";
                else if (strcasecmp(p->chans[i].name, sysmon_channel) == 0)
                        note = "needs Sysmon installed";
                fprintf(out, "| `%s` | %zu | %s |\n", p->chans[i].name, p->chans[i].rules, note);
        }
        fprintf(out, "\nNXLog CE (`im_msvistalog`):\n\n```xml\n<QueryXML>\n    <QueryList>\n        <Query Id=\"0\">\n");
        for (size_t i = 0; i < p->nchans; i++)
                fprintf(out, "            <Select Path=\"%s\">*</Select>\n", p->chans[i].name);
        fprintf(out, "        </Query>\n    </QueryList>\n</QueryXML>\n```\n");
        if (p->nsubs) {
                fprintf(out, "\n## Audit policy\n\n| category | subcategory | GUID | event ids read | rules |\n"
                             "|---|---|---|---|---|\n");
                for (size_t i = 0; i < p->nsubs; i++) {
                        struct plan_sub *s = &p->subs[i];

                        fprintf(out, "| %s | %s | `%s` | ", s->a->category, s->a->subcategory, s->a->guid);
                        plan_ids(out, s->ids, s->nids);
                        fprintf(out, " | %zu |\n", s->rules);
                }
                fprintf(out, "\nIn an elevated prompt (or the same subcategories in a GPO under Advanced Audit Policy\n"
                             "Configuration):\n\n```bat\n");
                for (size_t i = 0; i < p->nsubs; i++) {
                        char *l = p->subs[i].line;

                        for (char *semi; (semi = strstr(l, "; ")); l = semi + 2)
                                fprintf(out, "%.*s\n", (int)(semi - l), l);
                        fprintf(out, "%s\n", l);
                }
                fprintf(out, "```\n");
        }
        if (p->nalways) {
                fprintf(out, "\nWritten whatever the audit policy (forward Security): ");
                plan_ids(out, p->always, p->nalways);
                fprintf(out, ".\n");
        }
        if (p->nunknown) {
                fprintf(out, "\nSecurity event ids the remedy table does not know: ");
                plan_ids(out, p->unknown, p->nunknown);
                fprintf(out, ".\n");
        }
        if (p->cmdline_rules)
                fprintf(out, "\n## Command lines in process creation events\n\n%zu rule%s read `CommandLine` from "
                             "Security 4688, which is empty unless this policy is on:\n\n%s\n",
                        p->cmdline_rules, p->cmdline_rules == 1 ? "" : "s", remedy_cmdline_policy());
        if (p->nsysmon) {
                fprintf(out, "\n## Sysmon\n\nThe rules read Sysmon event ids ");
                plan_ids(out, p->sysmon, p->nsysmon);
                fprintf(out, ": install Sysmon with a configuration that logs them, and forward `%s`.\n",
                        sysmon_channel);
        }
}

int remedy_plan(const struct ruleset *rs, FILE *out)
{
        struct plan *p = calloc(1, sizeof(*p));
        size_t n = ruleset_rule_count(rs);

        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct sigma_variant *vs;
                size_t nv;

                ruleset_rule_at(rs, i, &vs, &nv);
                plan_rule(p, vs, nv);
        }
        plan_print(p, n, out);
        free(p);
        return ferror(out) ? -EIO : 0;
}
