/* Bytes → frames, per connection (or per replayed file).  Framing is chosen
 * per frame in `auto` mode: a run of 1-10 digits followed by SP and then '<'
 * or '{' is an RFC 6587 octet count; anything else is a line ending in LF
 * (a trailing CR is stripped, so CRLF works).  `lf` and `octet` modes force
 * one method.  The framer never allocates and never sees a socket: the caller
 * owns the buffer and drains what framer_next() says it consumed.
 *
 * Bad input and resync (every case yields exactly one FRAME_REJECT, i.e. one
 * rejected event, except where noted):
 *   - octet count > max_frame: REJ_OVERSIZE; the declared bytes are skipped
 *     without being buffered, then framing continues.
 *   - line longer than max_frame without LF: REJ_OVERSIZE; bytes are dropped
 *     up to and including the next LF.
 *   - count "0", leading zero ("007"), more than 10 digits, or (in `octet`
 *     mode) a frame that does not start with a valid count: REJ_BAD_OCTET_COUNT;
 *     bytes are dropped up to and including the next LF (resync).
 *   - EOF inside an octet frame: REJ_TRUNCATED.  EOF after an unterminated
 *     line: that line is a frame.
 *   - the first byte of a stream is 0x16 (a TLS handshake on a plain port):
 *     FRAME_CLOSE; the caller closes the connection (counted as a rejected
 *     connection, not an event).
 * Empty lines (LF alone, CRLF) are skipped and not counted as events.
 * A UTF-8 BOM at the start of a payload is stripped. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/reject.h"

enum framing_mode {
        FRAMING_AUTO,
        FRAMING_LF,
        FRAMING_OCTET,
        _FRAMING_MODE_MAX,
        _FRAMING_MODE_INVALID = -1,
};

const char *framing_mode_name(enum framing_mode m);             /* "auto", "lf", "octet" */
enum framing_mode framing_mode_from_name(const char *s);        /* _FRAMING_MODE_INVALID if unknown */

enum frame_kind {
        FRAME_NONE,     /* nothing complete: need more bytes (consumed may be > 0: bytes dropped) */
        FRAME_MSG,      /* data/len is one payload; method says which framing carried it */
        FRAME_REJECT,   /* one bad frame; why says which */
        FRAME_CLOSE,    /* unrecoverable for this stream (TLS on plain port) */
};

enum frame_method {
        FRAME_METHOD_LF,
        FRAME_METHOD_OCTET,
        _FRAME_METHOD_MAX,
};

const char *frame_method_name(enum frame_method m);   /* "lf", "octet": spoor_frames_total{framing} */

struct frame {
        enum frame_kind kind;
        enum frame_method method;
        const char *data;       /* FRAME_MSG: points into the caller's buffer */
        size_t len;
        enum reject_reason why; /* FRAME_REJECT */
};

struct framer {
        enum framing_mode mode;
        size_t max_frame;
        /* private */
        int state;
        bool started;
        uint64_t skip_left;     /* bytes still to drop of an oversize octet frame */
        size_t scanned;         /* bytes of the current line already searched for LF */
};

void framer_init(struct framer *f, enum framing_mode mode, size_t max_frame);

/* Look at buf[0..len) (everything received and not yet consumed).  Fills
 * *out and returns how many bytes of buf are consumed; the caller drains
 * them (after using out->data).  Call again while it returns > 0 or a frame.
 * `eof` says no more bytes will come. */
size_t framer_next(struct framer *f, const char *buf, size_t len, bool eof, struct frame *out);
