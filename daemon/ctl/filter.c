/* Which spool records `spoorctl tail` shows (contract in filter.h). */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/gaps.h"
#include "spoor/sigma.h"
#include "ctl.h"
#include "filter.h"

static const char *const filter_lead_kinds[] = { "match", "correlation", "escalation", "summary" };

static bool filter_kind_known(const char *k)
{
        if (strcmp(k, "lead") == 0 || strcmp(k, "gap") == 0)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(filter_lead_kinds); i++)
                if (strcmp(k, filter_lead_kinds[i]) == 0)
                        return true;
        for (int g = 0; g < _GAP_KIND_MAX; g++)
                if (gap_kind_name((enum gap_kind)g) && strcmp(k, gap_kind_name((enum gap_kind)g)) == 0)
                        return true;
        return false;
}

bool filter_kind_is_lead(const char *k)
{
        if (strcmp(k, "lead") == 0)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(filter_lead_kinds); i++)
                if (strcmp(k, filter_lead_kinds[i]) == 0)
                        return true;
        return false;
}

/* --kind a,b: split in place (arg is argv memory).  0 or -EINVAL. */
int filter_parse_kinds(struct filter *fl, char *arg)
{
        char *save = NULL;

        for (char *k = strtok_r(arg, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
                if (!filter_kind_known(k)) {
                        ctl_err("tail: unknown kind '%s' (lead, gap, match, correlation, escalation, summary, "
                                "or a gap kind such as channel_missing, field_missing, events_lost)", k);
                        return -EINVAL;
                }
                if (fl->nkinds == FILTER_MAX_KINDS) {
                        ctl_err("tail: at most %d kinds", FILTER_MAX_KINDS);
                        return -EINVAL;
                }
                fl->kinds[fl->nkinds++] = k;
        }
        return 0;
}

/* --level low,high+ ("high+": high and above).  0 or -EINVAL. */
int filter_parse_levels(struct filter *fl, char *arg)
{
        char *save = NULL;

        for (char *l = strtok_r(arg, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
                size_t n = strlen(l);
                bool up = n > 0 && l[n - 1] == '+';
                enum sigma_level lv;

                if (up)
                        l[n - 1] = '\0';
                lv = strcmp(l, "info") == 0 ? SIGMA_LEVEL_INFORMATIONAL : sigma_level_from_name(l);
                if (lv < 0 || lv >= _SIGMA_LEVEL_MAX) {
                        ctl_err("tail: unknown level '%s' (informational, low, medium, high, critical; "
                                "LEVEL+ for that level and above)", l);
                        return -EINVAL;
                }
                for (int i = lv; i <= (up ? _SIGMA_LEVEL_MAX - 1 : (int)lv); i++)
                        fl->level[i] = true;
        }
        fl->by_level = true;
        return 0;
}

static bool filter_glob(const char *glob, const char *s)
{
        return s && (strcmp(glob, s) == 0 || fnmatch(glob, s, FNM_CASEFOLD) == 0);
}

/* --rule on a gap: one of the rules it blinds. */
static bool filter_gap_blinds(const char *glob, struct json_object *rec)
{
        struct json_object *blinds = ctl_json_array(rec, "blinds");
        size_t n = blinds ? json_object_array_length(blinds) : 0;

        for (size_t i = 0; i < n; i++) {
                struct json_object *b = json_object_array_get_idx(blinds, i);

                if (filter_glob(glob, ctl_json_str(b, "id")) || filter_glob(glob, ctl_json_str(b, "title")))
                        return true;
        }
        return false;
}

/* When spoord wrote the record (its order in the spool). */
int64_t filter_order(struct json_object *rec)
{
        const char *s = ctl_json_str(rec, "emitted");
        int64_t us;

        if (!s)
                s = ctl_json_str(rec, "time");
        return s && ctl_parse_time(s, &us) == 0 ? us : 0;
}

bool filter_match(const struct filter *fl, struct json_object *rec, int64_t order)
{
        const char *type = ctl_json_str(rec, "type");
        const char *kind = ctl_json_str(rec, "kind");
        bool gap = type && strcmp(type, "gap") == 0;

        if (fl->nkinds) {
                bool any = false;

                for (size_t i = 0; i < fl->nkinds && !any; i++)
                        any = strcmp(fl->kinds[i], gap ? "gap" : "lead") == 0 ||
                              (kind && strcmp(fl->kinds[i], kind) == 0);
                if (!any)
                        return false;
        }
        if (fl->by_level) {
                const char *level = ctl_json_str(ctl_json_obj(rec, "rule"), "level");
                enum sigma_level lv = level ? sigma_level_from_name(level) : _SIGMA_LEVEL_INVALID;

                if (gap || lv < 0 || lv >= _SIGMA_LEVEL_MAX || !fl->level[lv])
                        return false;
        }
        if (fl->host && !filter_glob(fl->host, ctl_json_str(rec, "host")))
                return false;
        if (fl->rule) {
                struct json_object *rule = ctl_json_obj(rec, "rule");

                if (gap ? !filter_gap_blinds(fl->rule, rec) :
                          !(filter_glob(fl->rule, ctl_json_str(rule, "id")) ||
                            filter_glob(fl->rule, ctl_json_str(rule, "title"))))
                        return false;
        }
        if (fl->by_since && order < fl->since_us)
                return false;
        return true;
}
