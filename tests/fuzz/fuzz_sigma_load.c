/* sigma_load.c + match*.c + sigma_cond.c + logsource.c: a YAML rule file →
 * a compiled ruleset, then one Sysmon and one Security event evaluated
 * against it.  The input is written to a memfd and loaded through
 * /proc/self/fd/N.  Checked: a failed load gives no ruleset and an error;
 * a successful one accounts for every rule (loaded or reported), and
 * evaluation returns. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "spoor/ruleset.h"


static void hit(void *ud, const struct sigma_variant *v, const enum tri *sel, struct winevent *ev)
{
        fuzz_assert(v && v->rule && v->rule->id);
        (*(size_t *)ud)++;
}

static void event_add(struct winevent *ev, const char *name, const char *value)
{
        fuzz_assert(winevent_set_field(ev, name, strlen(name), value, strlen(value)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ruleset *rs = NULL;
        struct ruleset_report rep;
        char *paths[1];
        struct ruleset_opts o = { .paths = paths, .npaths = 1 };
        struct winevent ev;
        size_t hits = 0;
        int r;

        if (size > 64 * 1024)
                return 0;
        paths[0] = (char *)fuzz_file("fuzz_sigma_load.yml", data, size);
        r = ruleset_load(&o, &rs, &rep);
        if (r < 0) {
                fuzz_assert(rs == NULL);
                fuzz_assert(rep.error[0] != '\0');
                ruleset_report_fini(&rep);
                return 0;
        }
        fuzz_assert(rs != NULL);
        fuzz_assert(ruleset_rule_count(rs) == rep.loaded);
        fuzz_assert(rep.unsupported <= rep.nproblems);

        winevent_init(&ev);
        ev.channel = "Microsoft-Windows-Sysmon/Operational";
        ev.event_id = 1;
        snprintf(ev.host, sizeof(ev.host), "ws1");
        event_add(&ev, "Image", "C:\\Windows\\System32\\schtasks.exe");
        event_add(&ev, "CommandLine", "schtasks /create /tn x /tr calc.exe -enc SQBFAFgA");
        event_add(&ev, "User", "CORP\\alice");
        event_add(&ev, "EventID", "1");
        ruleset_eval(rs, &ev, hit, &hits);
        winevent_reset(&ev);
        ev.channel = "Security";
        ev.event_id = 4688;
        snprintf(ev.host, sizeof(ev.host), "ws1");
        event_add(&ev, "NewProcessName", "C:\\Windows\\System32\\cmd.exe");
        event_add(&ev, "SubjectUserName", "bob");
        event_add(&ev, "SubjectDomainName", "CORP");
        event_add(&ev, "MandatoryLabel", "S-1-16-12288");
        event_add(&ev, "NewProcessId", "0x1a2c");
        event_add(&ev, "EventID", "4688");
        ruleset_eval(rs, &ev, hit, &hits);
        winevent_free(&ev);
        ruleset_free(rs);
        ruleset_report_fini(&rep);
        return 0;
}
