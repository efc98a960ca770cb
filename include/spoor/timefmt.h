/* Time formats of Windows forwarders, to and from UTC microseconds. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A zone for zone-less local timestamps (NXLog CE EventTime): "UTC", a fixed
 * offset "+02:00" / "-0530", or an IANA name "Europe/Berlin" (which must
 * exist under /usr/share/zoneinfo).  Resolving a named zone caches the
 * offset per local hour, so the steady state costs no syscalls. */
struct timefmt_zone {
        int kind;               /* private */
        int offset_s;           /* fixed offset, seconds east of UTC */
        char name[64];
        int64_t cache_hour;     /* private cache for named zones */
        int cache_offset_s;
};

/* 0, or -EINVAL with nothing set when the zone is unknown. */
int timefmt_zone_init(struct timefmt_zone *z, const char *name);

/* The zone's offset from UTC (seconds east) at the UTC instant utc_s: what
 * a local clock in that zone showed then.  Uncached (named zones switch TZ
 * and ask the C library): callers cache.  0 or -EINVAL / -ENOMEM. */
int timefmt_zone_offset_at(const struct timefmt_zone *z, int64_t utc_s, int *out_s);

/* Parse a timestamp into UTC µs.  Accepted:
 *   "2026-11-22 10:11:12"            zone-less (NXLog CE): interpreted in `zone`
 *   "2026-11-22 10:11:12.345"        fraction of up to 9 digits (truncated to µs)
 *   "2026-11-22T10:11:12.3456789Z"   ISO 8601 / RFC 3339, 'T' or ' ', Z or ±hh:mm or ±hhmm
 * Leading/trailing space is not accepted.  0 or -EINVAL. */
int timefmt_parse(const char *s, size_t len, struct timefmt_zone *zone, int64_t *out_us);

/* RFC 3164 "Nov 26 10:00:00" (day may be space-padded): no year, so take the
 * year that puts the result closest to `now_us` (handles New Year).  Local
 * time in `zone`.  0 or -EINVAL. */
int timefmt_parse_3164(const char *s, size_t len, struct timefmt_zone *zone,
                       int64_t now_us, int64_t *out_us);

/* Format as "2026-11-22T10:11:12.345Z" (milliseconds) or with six digits when
 * the sub-millisecond part is non-zero.  buf must hold TIMEFMT_MAX bytes.
 * Returns buf. */
#define TIMEFMT_MAX 40
char *timefmt_format(int64_t us, char buf[TIMEFMT_MAX]);

int64_t timefmt_now_us(void);   /* CLOCK_REALTIME in µs */
