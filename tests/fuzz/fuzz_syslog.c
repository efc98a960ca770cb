/* syslog.c: one frame payload → syslog header fields + the JSON text.
 * Checked: every pointer it returns (msg, hostname, timestamp) lies inside
 * the input; MSG starts at a '{' and runs to the end of the payload; PRI is
 * -1 or 0..191 (pri_invalid only with -1); failures are -EINVAL with a
 * syslog reason. */
#include <errno.h>

#include "fuzz.h"
#include "spoor/syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct syslog_msg m;
        enum reject_reason why = _REJ_INVALID;
        char *buf;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        buf = fuzz_dup(data, size);
        memset(&m, 0xa5, sizeof(m));
        r = syslog_parse(buf, size, &m, &why);
        if (r < 0) {
                fuzz_assert(r == -EINVAL);
                fuzz_assert(why == REJ_BAD_PRI || why == REJ_BAD_SYSLOG || why == REJ_NOT_JSON);
        } else {
                fuzz_assert(r == 0);
                fuzz_assert(m.format == SYSLOG_NONE || m.format == SYSLOG_RFC5424 ||
                            m.format == SYSLOG_RFC3164);
                fuzz_assert(m.pri == -1 || (m.pri >= 0 && m.pri <= 191));
                fuzz_assert(!m.pri_invalid || m.pri == -1);
                fuzz_assert(m.format != SYSLOG_NONE || (m.pri == -1 && !m.hostname && !m.timestamp));
                fuzz_assert(m.msg != NULL && m.msg_len > 0);
                fuzz_assert(fuzz_within(m.msg, m.msg_len, buf, size));
                fuzz_assert(m.msg[0] == '{');
                fuzz_assert(m.msg + m.msg_len == buf + size);
                if (m.hostname)
                        fuzz_assert(fuzz_within(m.hostname, m.hostname_len, buf, size));
                if (m.timestamp)
                        fuzz_assert(fuzz_within(m.timestamp, m.timestamp_len, buf, size));
        }
        free(buf);
        return 0;
}
