/* The RecordNumber sequence of one (host, channel) (daemon/coverage/
 * recordseq.c): holes (events lost on the way) and repeats (events
 * delivered twice).
 *
 * A forward jump leaves a pending hole.  Arrival out of order within
 * RECORDSEQ_WINDOW records is normal (several forwarder threads, retries):
 * a hole is confirmed lost only once the high-water mark is
 * RECORDSEQ_WINDOW records past its end (or at recordseq_flush, the end of
 * a replay); records that arrive before then fill it.  A record number at
 * or below the high-water mark that was already seen (within the window)
 * is a duplicate; older than the window and not in a pending hole it is
 * RECORDSEQ_LATE: the caller decides (it may fill a confirmed hole).
 *
 * A cleared log (Security 1102, System 104) restarts the numbering: the
 * caller calls recordseq_reset (the channel that was cleared, when known)
 * or recordseq_allow_restart (if the next record jumps backward, that is a
 * restart, not a duplicate).  Pending holes are dropped by either.
 *
 * Memory: the pending holes live in an array allocated at the first hole
 * and freed when none is pending (most channels never have one); without
 * memory for it a new hole is confirmed at once.  recordseq_fini frees it;
 * a struct recordseq may be copied (moved), not duplicated. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORDSEQ_WINDOW 64
#define RECORDSEQ_MAX_HOLES 8

struct recordseq_hole {
        uint64_t lo, hi;        /* missing record numbers lo..hi */
        uint64_t filled;        /* of them, arrived late */
};

struct recordseq {
        bool started;
        bool restart_ok;
        uint8_t nholes;
        uint64_t hwm;           /* highest record number seen */
        uint64_t seen;          /* bit i: record hwm - i seen */
        struct recordseq_hole *holes;   /* pending: RECORDSEQ_MAX_HOLES slots, NULL while none */
};

enum recordseq_what {
        RECORDSEQ_IN_ORDER,     /* a new high-water mark */
        RECORDSEQ_REORDERED,    /* below the mark, fills a pending hole */
        RECORDSEQ_DUPLICATE,
        RECORDSEQ_LATE,         /* older than the window, not in a pending hole */
        RECORDSEQ_RESTART,      /* numbering restarted after a cleared log */
};

struct recordseq_out {
        enum recordseq_what what;
        struct recordseq_hole lost[RECORDSEQ_MAX_HOLES + 1];   /* holes confirmed now, not fully filled */
        size_t nlost;
};

void recordseq_reset(struct recordseq *s);
void recordseq_fini(struct recordseq *s);
/* Room for RECORDSEQ_MAX_HOLES pending holes (a restore fills them).  0 or
 * -ENOMEM. */
int recordseq_holes_alloc(struct recordseq *s);
void recordseq_allow_restart(struct recordseq *s);
void recordseq_observe(struct recordseq *s, uint64_t rec, struct recordseq_out *out);
/* Confirm every pending hole (the end of the input). */
void recordseq_flush(struct recordseq *s, struct recordseq_out *out);
