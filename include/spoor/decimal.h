/* Unsigned integers in decimal without the printf machinery: the hot
 * paths print several a event or record, and snprintf costs more than
 * the rest of their work. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define DECIMAL_U64_MAX 20      /* the digits of UINT64_MAX */

/* v's digits, at the end of buf: their start, *len their count. */
static inline char *decimal_u64(uint64_t v, char buf[DECIMAL_U64_MAX], size_t *len)
{
        char *p = buf + DECIMAL_U64_MAX;

        do {
                *--p = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        *len = (size_t)(buf + DECIMAL_U64_MAX - p);
        return p;
}
