/* Shared by the coverage unit tests (test_coverage, test_twins,
 * test_persist, test_silence): build an event and hand it to the model,
 * load a rule directory. */
#pragma once
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spoor/coverage.h"
#include "spoor/ruleset.h"
#include "spoor/winevent.h"

/* One event to the model: fields as "Name=value", NULL-terminated; rec 0 =
 * no record number; the receive time is the event time. */
static inline void cov_unit_feed(struct coverage *cov, const char *host, const char *channel, unsigned id,
                                 int64_t t, uint64_t rec, ...)
{
        struct winevent ev;
        va_list ap;
        const char *kv;

        winevent_init(&ev);
        snprintf(ev.host, sizeof(ev.host), "%s", host);
        ev.channel = channel;
        ev.provider = "";
        ev.event_id = id;
        ev.time_us = ev.recv_us = t;
        ev.record_id = rec;
        ev.has_record_id = rec != 0;
        va_start(ap, rec);
        while ((kv = va_arg(ap, const char *))) {
                const char *eq = strchr(kv, '=');

                ck_assert_int_eq(winevent_set_field(&ev, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1)), 0);
        }
        va_end(ap);
        coverage_event(cov, &ev);
        winevent_free(&ev);
}

/* The rules of one directory (the load must succeed). */
static inline struct ruleset *cov_unit_load(const char *dir)
{
        char *paths[1] = { (char *)dir };
        struct ruleset_opts o = { .paths = paths, .npaths = 1 };
        struct ruleset_report rep;
        struct ruleset *rs = NULL;

        ck_assert_int_eq(ruleset_load(&o, &rs, &rep), 0);
        ruleset_report_fini(&rep);
        return rs;
}
