/* Private to daemon/coverage: the audit_off twins' state (see twins.c for
 * the decisions).  Plain data; a host's state (about 430 bytes) is
 * allocated at its first twin-relevant event (Security events of 4688's or
 * 4698's subcategory, Sysmon 1, TaskScheduler 106) and its task list
 * (about 2 KB) at its first 106, so hosts that send none cost 24 bytes. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

#define TWINS_BUCKETS 256               /* marks per kind: 16 twin windows of history */
#define TWINS_TASKS 16                  /* TaskScheduler 106 waiting for a 4698, per host */
#define TWINS_WHAT 96                   /* bytes of a task name / image kept for the evidence */

/* Which time buckets (width: the window / 16) had an event of one kind:
 * a ring indexed by bucket number, valid for (top - TWINS_BUCKETS, top]. */
struct cov_twins_marks {
        int64_t top;
        uint64_t bits[TWINS_BUCKETS / 64];
        bool any;
};

/* An event waiting for its twin. */
struct cov_twins_wait {
        int64_t t_us;
        uint64_t rec;
        uint64_t hash;                  /* tasks: FNV-1a of the lower-cased TaskName */
        bool has_rec, on;
        bool flowing;                   /* the twin's channel had an event within [t - w, t + w] */
        char *what;                     /* the task name or the process image (at most TWINS_WHAT - 1
                                         * bytes), owned while the wait is held; NULL: "?" */
};

/* The 106s waiting for their 4698, oldest first. */
struct cov_twins_tasks {
        struct cov_twins_wait w[TWINS_TASKS];
        size_t n;
};

struct cov_twins_state {
        int64_t q_us;                   /* bucket width the marks were made with */
        int64_t since_us;               /* marks are complete for event times >= this */
        struct cov_twins_marks m_task;  /* Security events of 4698's subcategory */
        struct cov_twins_marks m_proc;  /* Security events of 4688's subcategory */
        struct cov_twins_marks m_sysmon1;
        struct cov_twins_wait fwd;      /* a Sysmon 1 waiting for a 4688 */
        struct cov_twins_wait rev;      /* a 4688 waiting for a Sysmon 1 */
        struct cov_twins_tasks *tasks;  /* NULL until the host's first 106 */
};

struct cov_twins_fleet {
        bool need_task, need_proc, need_sysmon1;        /* Security 4698, Security 4688, Sysmon 1 */
        bool sec_any;                   /* a variant reads every Security event */
        uint16_t *sec_ids;              /* the Security event ids the rules name (unique) */
        size_t nsec;
        const char *guid_task, *guid_proc;      /* the subcategories of 4698 and 4688 (remedy table) */
};

struct cov_twins_host {
        struct cov_twins_state *st;     /* NULL until a twin-relevant event */
        int64_t since_us;               /* the host's first event time seen here */
        bool started;
};
