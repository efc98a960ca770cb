/* Syslog header → JSON payload.  A payload starting with '{' is raw JSON.
 * Otherwise it must be RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD
 * MSG") or RFC 3164 ("<PRI>Mmm dd hh:mm:ss HOST TAG: MSG"); a header without
 * PRI is accepted for RFC 3164.  MSG must be a JSON object: it starts at the
 * first '{' after the header (a UTF-8 BOM or space before it is skipped).
 *
 * PRI: "<0>".."<191>" are valid.  A number of 1-3 digits above 191 ("<192>",
 * "<999>") is kept with pri_invalid set (counted, the event is not lost).
 * "<>", non-digits, 4+ digits or no '>' are REJ_BAD_PRI. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "spoor/reject.h"

enum syslog_format {
        SYSLOG_NONE,    /* raw JSON, no header */
        SYSLOG_RFC5424,
        SYSLOG_RFC3164,
};

struct syslog_msg {
        enum syslog_format format;
        int pri;                /* -1 when absent or invalid */
        bool pri_invalid;       /* a numeric PRI above 191 */
        const char *hostname;   /* NULL when absent or "-" */
        size_t hostname_len;
        const char *timestamp;  /* NULL when absent or "-" */
        size_t timestamp_len;
        const char *msg;        /* the JSON object text (points into buf) */
        size_t msg_len;
};

/* 0, or -EINVAL with *why = REJ_BAD_PRI / REJ_BAD_SYSLOG, or REJ_NOT_JSON when
 * the payload has neither a syslog header nor a JSON object. */
int syslog_parse(const char *buf, size_t len, struct syslog_msg *out, enum reject_reason *why);
