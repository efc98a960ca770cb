/* RecordNumber sequences (contract in include/spoor/recordseq.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/recordseq.h"

void recordseq_reset(struct recordseq *s)
{
        free(s->holes);
        memset(s, 0, sizeof(*s));
}

void recordseq_fini(struct recordseq *s)
{
        recordseq_reset(s);
}

int recordseq_holes_alloc(struct recordseq *s)
{
        if (!s->holes && !(s->holes = malloc(RECORDSEQ_MAX_HOLES * sizeof(*s->holes))))
                return -ENOMEM;
        return 0;
}

void recordseq_allow_restart(struct recordseq *s)
{
        s->restart_ok = true;
}

static void recordseq_confirm(struct recordseq *s, size_t i, struct recordseq_out *out)
{
        const struct recordseq_hole *h = &s->holes[i];

        if (h->filled < h->hi - h->lo + 1 && out->nlost < RECORDSEQ_MAX_HOLES + 1)
                out->lost[out->nlost++] = *h;
        memmove(&s->holes[i], &s->holes[i + 1], (s->nholes - i - 1) * sizeof(s->holes[0]));
        if (--s->nholes == 0) {
                free(s->holes);
                s->holes = NULL;
        }
}

static bool recordseq_fill(struct recordseq *s, uint64_t rec)
{
        for (size_t i = 0; i < s->nholes; i++)
                if (rec >= s->holes[i].lo && rec <= s->holes[i].hi) {
                        s->holes[i].filled++;
                        return true;
                }
        return false;
}

void recordseq_observe(struct recordseq *s, uint64_t rec, struct recordseq_out *out)
{
        uint64_t d;

        out->nlost = 0;
        if (!s->started || (s->restart_ok && rec < s->hwm)) {
                bool restart = s->started;

                recordseq_reset(s);
                s->started = true;
                s->hwm = rec;
                s->seen = 1;
                out->what = restart ? RECORDSEQ_RESTART : RECORDSEQ_IN_ORDER;
                return;
        }
        s->restart_ok = false;  /* only the next record may restart the numbering */
        if (rec > s->hwm) {
                uint64_t shift = rec - s->hwm;

                if (shift > 1) {
                        struct recordseq_hole hole = { s->hwm + 1, rec - 1, 0 };

                        if (s->nholes == RECORDSEQ_MAX_HOLES)
                                recordseq_confirm(s, 0, out);
                        if (recordseq_holes_alloc(s) == 0)
                                s->holes[s->nholes++] = hole;
                        else if (out->nlost < RECORDSEQ_MAX_HOLES + 1)
                                out->lost[out->nlost++] = hole;         /* cannot wait: confirmed now */
                }
                s->seen = shift >= 64 ? 1 : (s->seen << shift) | 1;
                s->hwm = rec;
                for (size_t i = 0; i < s->nholes;) {
                        if (s->hwm - s->holes[i].hi >= RECORDSEQ_WINDOW)
                                recordseq_confirm(s, i, out);
                        else
                                i++;
                }
                out->what = RECORDSEQ_IN_ORDER;
                return;
        }
        d = s->hwm - rec;
        if (d < 64) {
                if (s->seen & (UINT64_C(1) << d)) {
                        out->what = RECORDSEQ_DUPLICATE;
                        return;
                }
                s->seen |= UINT64_C(1) << d;
        }
        if (recordseq_fill(s, rec))
                out->what = RECORDSEQ_REORDERED;
        else
                out->what = d < 64 ? RECORDSEQ_REORDERED : RECORDSEQ_LATE;
}

void recordseq_flush(struct recordseq *s, struct recordseq_out *out)
{
        out->nlost = 0;
        while (s->nholes)
                recordseq_confirm(s, 0, out);
}
