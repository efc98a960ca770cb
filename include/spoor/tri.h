/* Three-valued results (STYLE rule 6): a matcher says yes, no, or "cannot
 * evaluate" (the field it needs is not in the event).  UNKNOWN is never
 * folded into NO: it is coverage information.  Kleene logic. */
#pragma once

enum tri {
        TRI_NO = 0,
        TRI_YES = 1,
        TRI_UNKNOWN = 2,
};

static inline enum tri tri_not(enum tri a)
{
        return a == TRI_UNKNOWN ? TRI_UNKNOWN : (a == TRI_YES ? TRI_NO : TRI_YES);
}

static inline enum tri tri_and(enum tri a, enum tri b)
{
        if (a == TRI_NO || b == TRI_NO)
                return TRI_NO;
        if (a == TRI_UNKNOWN || b == TRI_UNKNOWN)
                return TRI_UNKNOWN;
        return TRI_YES;
}

static inline enum tri tri_or(enum tri a, enum tri b)
{
        if (a == TRI_YES || b == TRI_YES)
                return TRI_YES;
        if (a == TRI_UNKNOWN || b == TRI_UNKNOWN)
                return TRI_UNKNOWN;
        return TRI_NO;
}
