/* One spool record as one line an analyst reads (`spoorctl tail`):
 *
 *   TIME                 LEVEL       HOST              WHAT                               [ID]
 *   2026-11-22T11:30:00Z low         wse.corp.example  schtasks.exe started (Sysmon)      [8a689db6]
 *   2026-11-22T11:00:00Z gap-open    wsc.corp.example  channel_missing: <evidence>        [e47d3782]
 *
 * TIME is the record's own time (a lead's event time; when a gap opened or
 * closed), LEVEL the rule's level or gap-open / gap-closed, WHAT the rule
 * title (and the kind, when not a plain match) or the gap kind and its
 * evidence.  Everything that comes from events passes through
 * ctl_put_safe(): no control character reaches the terminal.  Colour is
 * ANSI SGR on the level column only, and the id dimmed. */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "ctl.h"

#define RENDER_LEVEL_WIDTH 10
#define RENDER_HOST_WIDTH 18
#define RENDER_ID_LEN 8

static const struct {
        const char *level, *label, *sgr;
} render_levels[] = {
        { "critical", "critical", "1;31" },
        { "high", "high", "31" },
        { "medium", "medium", "33" },
        { "low", "low", "36" },
        { "informational", "info", "2" },
        { "gap-open", "gap-open", "35" },
        { "gap-closed", "gap-closed", "32" },
};

static void render_level(FILE *out, const char *level, bool colour)
{
        const char *label = level ? level : "?", *sgr = NULL;

        for (size_t i = 0; level && i < sizeof(render_levels) / sizeof(render_levels[0]); i++)
                if (strcmp(level, render_levels[i].level) == 0) {
                        label = render_levels[i].label;
                        sgr = render_levels[i].sgr;
                }
        if (colour && sgr)
                fprintf(out, "\033[%sm", sgr);
        ctl_put_safe(out, label, strlen(label));
        if (colour && sgr)
                fputs("\033[0m", out);
        for (int i = (int)strlen(label); i <= RENDER_LEVEL_WIDTH; i++)
                fputc(' ', out);
}

static void render_str(FILE *out, const char *s)
{
        if (s)
                ctl_put_safe(out, s, strlen(s));
}

static void render_time(FILE *out, const char *s)
{
        char buf[CTL_TIME_MAX];
        int64_t us;

        if (s && ctl_parse_time(s, &us) == 0)
                fputs(ctl_format_time(us, buf), out);
        else
                ctl_put_padded(out, s ? s : "?", 20);
        fputc(' ', out);
}

static void render_id(FILE *out, const char *id, bool colour)
{
        char shortid[RENDER_ID_LEN + 1];

        snprintf(shortid, sizeof(shortid), "%s", id ? id : "?");
        fputs(colour ? "  \033[2m[" : "  [", out);
        render_str(out, shortid);
        fputs(colour ? "]\033[0m\n" : "]\n", out);
}

static void render_lead(FILE *out, struct json_object *rec, bool colour)
{
        struct json_object *rule = ctl_json_obj(rec, "rule");
        const char *kind = ctl_json_str(rec, "kind");
        int64_t count = ctl_json_int(rec, "count", 1);

        render_time(out, ctl_json_str(rec, "time"));
        render_level(out, ctl_json_str(rule, "level"), colour);
        ctl_put_padded(out, ctl_json_str(rec, "host") ? ctl_json_str(rec, "host") : "?", RENDER_HOST_WIDTH);
        fputs("  ", out);
        render_str(out, ctl_json_str(rule, "title") ? ctl_json_str(rule, "title") : ctl_json_str(rule, "id"));
        if (kind && strcmp(kind, "summary") == 0)
                fprintf(out, " (summary: %lld more suppressed)", (long long)count);
        else if (kind && strcmp(kind, "escalation") == 0)
                fprintf(out, " (escalation, %lld leads)", (long long)count);
        else if (kind && strcmp(kind, "match") != 0 && count > 1)
                fprintf(out, " (%s, %lld events)", kind, (long long)count);
        else if (kind && strcmp(kind, "match") != 0)
                fprintf(out, " (%s)", kind);
        else if (count > 1)
                fprintf(out, " (%lld events)", (long long)count);
        render_id(out, ctl_json_str(rec, "id"), colour);
}

static void render_gap(FILE *out, struct json_object *rec, bool colour)
{
        const char *state = ctl_json_str(rec, "state");
        const char *channel = ctl_json_str(rec, "channel");
        const char *field = ctl_json_str(rec, "field");
        bool closed = state && strcmp(state, "closed") == 0;
        char age[32];

        render_time(out, ctl_json_str(rec, closed ? "closed" : "opened"));
        render_level(out, closed ? "gap-closed" : "gap-open", colour);
        ctl_put_padded(out, ctl_json_str(rec, "host") ? ctl_json_str(rec, "host") : "?", RENDER_HOST_WIDTH);
        fputs("  ", out);
        render_str(out, ctl_json_str(rec, "kind"));
        if (closed) {
                if (channel && *channel) {
                        fputs(" ", out);
                        render_str(out, channel);
                }
                if (field && *field) {
                        fputs(" ", out);
                        render_str(out, field);
                }
                fprintf(out, " closed after %s",
                        ctl_format_age(ctl_json_int(rec, "ttr_seconds", 0), age, sizeof(age)));
        } else {
                fputs(": ", out);
                render_str(out, ctl_json_str(rec, "evidence"));
        }
        render_id(out, ctl_json_str(rec, "id"), colour);
}

void render_record(FILE *out, struct json_object *rec, bool colour)
{
        const char *type = ctl_json_str(rec, "type");

        if (type && strcmp(type, "gap") == 0)
                render_gap(out, rec, colour);
        else
                render_lead(out, rec, colour);
}
