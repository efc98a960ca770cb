/* Gap lifecycle (daemon/coverage/gaps.c): a telemetry-coverage gap opens
 * once, from evidence, and is written to gaps.jsonl when it opens (state
 * "open") and again when it closes (state "closed", closed, ttr_seconds);
 * a recurrence is a new gap with a new id (DESIGN §3.3).  Gaps are kept in
 * per-host lists the caller owns (struct gap_list); struct gaps counts them
 * and writes the records. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/record.h"

enum gap_kind {
        GAP_CHANNEL_MISSING,
        GAP_FIELD_MISSING,
        GAP_EVENTS_LOST,
        GAP_EVENTS_DUPLICATED,
        GAP_AUDIT_OFF,
        GAP_HOST_SILENT,
        GAP_CHANNEL_SILENT,
        GAP_CLOCK_SKEW,
        GAP_SENDER_TRUNCATION,
        GAP_STATE_LOST,
        _GAP_KIND_MAX,
};

const char *gap_kind_name(enum gap_kind k);

#define GAP_MAX_EVENT_IDS 8
#define GAP_MAX_BLINDS 20

struct gap {
        char id[RECORD_ID_LEN + 1];
        enum gap_kind kind;
        char *host, *channel, *field;   /* field: NULL unless field_missing */
        char *key;                      /* what else tells two gaps of a kind apart (audit_off: the
                                         * subcategory GUID or "sysmon"; sender_truncation: the size);
                                         * in the id, not in the record; NULL: none */
        uint16_t event_ids[GAP_MAX_EVENT_IDS];
        size_t nevent_ids;
        int64_t opened_us;
        char *evidence, *remedy;
        struct record_blind blinds[GAP_MAX_BLINDS];     /* owned strings */
        size_t nblinds;
        uint64_t blinds_more;
        /* kind-specific */
        uint64_t lo, hi, missing;       /* events_lost: range and records still missing */
        uint64_t quiet;                 /* events_duplicated: in-order records since the last repeat */
        uint64_t shared;                /* open: which of host, channel, field, key, remedy and the
                                         * blinds are the struct gaps' shared strings (gaps.c): an
                                         * open gap's strings are not to be set again */
        struct gap *next;
};

struct gap_list {
        struct gap *head;
        uint32_t nkind[_GAP_KIND_MAX];  /* open gaps by kind: gaps_find answers "none" at once */
};

typedef void (*gaps_write_fn)(void *ud, const char *line, size_t len);

struct gaps;

struct gaps *gaps_new(gaps_write_fn write, void *ud);
void gaps_free(struct gaps *gs);

/* A gap to open: fill it (gap_set_*), then gaps_open.  NULL on ENOMEM. */
struct gap *gap_new(enum gap_kind kind, const char *host, const char *channel, const uint16_t *event_ids,
                    size_t nevent_ids, const char *field, int64_t opened_us);
int gap_set_evidence(struct gap *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int gap_set_remedy(struct gap *g, const char *remedy);
int gap_set_key(struct gap *g, const char *key);
/* Append a blinded rule (beyond GAP_MAX_BLINDS: counted in blinds_more). */
int gap_add_blind(struct gap *g, const char *id, const char *title);
void gap_free(struct gap *g);

/* Compute the id, write the open record, put g first on list.  g is owned
 * by the list from now on. */
void gaps_open(struct gaps *gs, struct gap_list *list, struct gap *g);

/* Write the closed record (closed_us: event time), unlink and free g. */
void gaps_close(struct gaps *gs, struct gap_list *list, struct gap *g, int64_t closed_us);

/* The first open gap on list of this kind and channel (NULL: any) and
 * field (NULL: any). */
struct gap *gaps_find(const struct gap_list *list, enum gap_kind kind, const char *channel, const char *field);
/* The same by key (NULL: any). */
struct gap *gaps_find_key(const struct gap_list *list, enum gap_kind kind, const char *channel, const char *key);

/* Put a gap restored from the state file on list without writing a record
 * (its open record was written before the restart); its id is kept. */
void gaps_adopt(struct gaps *gs, struct gap_list *list, struct gap *g);

/* Forget a list's gaps without writing (their host was evicted). */
void gaps_drop(struct gaps *gs, struct gap_list *list);

size_t gaps_open_count(const struct gaps *gs);

/* Gaps closed so far, and the median ttr (seconds) of the last
 * GAPS_TTR_SAMPLES of them (false: none closed yet, or ENOMEM). */
#define GAPS_TTR_SAMPLES 4096
uint64_t gaps_closed_count(const struct gaps *gs);
uint64_t gaps_opened_count(const struct gaps *gs);      /* surfaced: every gaps_open so far */
bool gaps_median_ttr(const struct gaps *gs, double *out);
