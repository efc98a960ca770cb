/* Bytes → frames: LF / CRLF lines and RFC 6587 octet counting, sniffed per
 * frame.  See include/spoor/framing.h for the contract.
 *
 * The framer is a small state machine over the caller's buffer.  It keeps no
 * bytes of its own: every call looks at everything not yet consumed, and
 * what it does not consume the caller keeps and passes again (with more bytes
 * behind it).  So a frame split across reads costs nothing but a re-sniff of
 * at most a dozen header bytes; the LF search resumes where the last call
 * stopped (f->scanned).
 *
 * Details beyond the header's contract:
 *   - framer_init(): max_frame 0 means the 256 KiB default; larger than
 *     16 MiB is clamped to 16 MiB.  An unknown mode is taken as `auto`.
 *     framing_mode_name() / frame_method_name() of an out-of-range value is
 *     "invalid" (never NULL, so it is safe in a printf).
 *   - Before any frame, in every mode, LF and CRLF are skipped (so empty
 *     lines, and the LF some senders put after an octet frame, are no
 *     events).  A UTF-8 BOM before a frame's header (an octet count or a
 *     line) is skipped too.
 *   - An LF line that is empty once its CR and BOM are stripped is skipped.
 *     An octet frame whose payload is empty is still a FRAME_MSG (the
 *     sender meant an event; the decoder rejects it).
 *   - Inside an octet frame one trailing "\n" or "\r\n" is stripped, and a
 *     BOM at the start of the payload.
 *   - EOF inside a count ("12", "12 ") or inside an octet frame:
 *     REJ_TRUNCATED, all remaining bytes consumed.  EOF inside an oversize
 *     octet frame being skipped, or inside a line being drained after a
 *     reject: the bytes are dropped silently (the frame was already rejected).
 *   - FRAME_CLOSE consumes the whole buffer, and every later call consumes
 *     everything and returns FRAME_NONE, so no caller loop can spin.
 *   - framer_next() never returns FRAME_MSG or FRAME_REJECT with 0 bytes
 *     consumed, and returns 0 with FRAME_NONE only when it needs more bytes
 *     (or the buffer is empty).  A bad count drops, in the same call, the
 *     bytes up to and including the next LF it can see. */
#include <string.h>

#include "spoor/framing.h"

#define FRAMING_MAX_FRAME_DEFAULT (256u * 1024u)
#define FRAMING_MAX_FRAME_LIMIT (16u * 1024u * 1024u)
#define FRAMING_COUNT_DIGITS_MAX 10     /* 9,999,999,999 fits any uint64_t */

enum framer_state {
        FRAMER_START,   /* at a frame boundary */
        FRAMER_SKIP,    /* dropping skip_left bytes of an oversize octet frame */
        FRAMER_DRAIN,   /* dropping bytes up to and including the next LF */
        FRAMER_CLOSED,  /* FRAME_CLOSE was returned: drop everything */
};

static const char framing_bom[3] = { '\xef', '\xbb', '\xbf' };

static const char *const framing_mode_names[_FRAMING_MODE_MAX] = {
        [FRAMING_AUTO] = "auto",
        [FRAMING_LF] = "lf",
        [FRAMING_OCTET] = "octet",
};

static const char *const frame_method_names[_FRAME_METHOD_MAX] = {
        [FRAME_METHOD_LF] = "lf",
        [FRAME_METHOD_OCTET] = "octet",
};

const char *framing_mode_name(enum framing_mode m)
{
        if (m < 0 || m >= _FRAMING_MODE_MAX)
                return "invalid";
        return framing_mode_names[m];
}

enum framing_mode framing_mode_from_name(const char *s)
{
        if (!s)
                return _FRAMING_MODE_INVALID;
        for (int i = 0; i < _FRAMING_MODE_MAX; i++)
                if (strcmp(s, framing_mode_names[i]) == 0)
                        return (enum framing_mode)i;
        return _FRAMING_MODE_INVALID;
}

const char *frame_method_name(enum frame_method m)
{
        if (m < 0 || m >= _FRAME_METHOD_MAX)
                return "invalid";
        return frame_method_names[m];
}

void framer_init(struct framer *f, enum framing_mode mode, size_t max_frame)
{
        memset(f, 0, sizeof(*f));
        f->mode = (mode >= 0 && mode < _FRAMING_MODE_MAX) ? mode : FRAMING_AUTO;
        if (max_frame == 0)
                max_frame = FRAMING_MAX_FRAME_DEFAULT;
        if (max_frame > FRAMING_MAX_FRAME_LIMIT)
                max_frame = FRAMING_MAX_FRAME_LIMIT;
        f->max_frame = max_frame;
        f->state = FRAMER_START;
}

/* Length of the UTF-8 BOM at p (3), or 0.  -1 when p[0..n) is a proper
 * prefix of a BOM and more bytes could complete it. */
static int framing_bom_len(const char *p, size_t n, bool eof)
{
        if (n >= sizeof(framing_bom))
                return memcmp(p, framing_bom, sizeof(framing_bom)) == 0 ? (int)sizeof(framing_bom) : 0;
        if (n > 0 && !eof && memcmp(p, framing_bom, n) == 0)
                return -1;
        return 0;
}

/* FRAMER_DRAIN: drop p[0..n) up to and including the first LF (then back
 * to a frame boundary), or all of it.  Returns bytes dropped. */
static size_t framing_drain(struct framer *f, const char *p, size_t n)
{
        const char *nl = n ? memchr(p, '\n', n) : NULL;

        f->scanned = 0;
        if (!nl)
                return n;
        f->state = FRAMER_START;
        return (size_t)(nl - p) + 1;
}

static size_t framing_reject(struct frame *out, enum reject_reason why, size_t consumed)
{
        out->kind = FRAME_REJECT;
        out->why = why;
        return consumed;
}

/* Octet counting at p[0..n) (a frame boundary, BOM already skipped).
 * Returns bytes consumed counted from p, with *out set (FRAME_NONE: need
 * more).  *is_line says "not a count, frame it as a line" (auto mode only).
 * A bad count sets FRAMER_DRAIN; the caller drops through the next LF. */
static size_t framing_octet(struct framer *f, const char *p, size_t n, bool eof,
                            struct frame *out, bool *is_line)
{
        size_t d = 0, hdr;
        uint64_t count = 0;

        *is_line = false;
        if (n == 0) {
                /* Only a BOM so far (a read can end right after it). */
                if (!eof)
                        return 0;
                if (f->mode == FRAMING_AUTO) {
                        *is_line = true;
                        return 0;
                }
                return framing_reject(out, REJ_TRUNCATED, 0);
        }
        while (d < n && d <= FRAMING_COUNT_DIGITS_MAX && p[d] >= '0' && p[d] <= '9') {
                count = count * 10 + (uint64_t)(p[d] - '0');
                d++;
        }
        if (d > FRAMING_COUNT_DIGITS_MAX) {
                /* CVE-2018-16881: never accumulate an unbounded digit run. */
                f->state = FRAMER_DRAIN;
                return framing_reject(out, REJ_BAD_OCTET_COUNT, d);
        }
        if (d == 0) {
                if (f->mode == FRAMING_AUTO) {
                        *is_line = true;
                        return 0;
                }
                f->state = FRAMER_DRAIN;
                return framing_reject(out, REJ_BAD_OCTET_COUNT, 0);
        }
        if (d == n) {
                /* The digit run reaches the end of what we have (CVE-2022-38725:
                 * never look past it). */
                if (!eof)
                        return 0;
                return framing_reject(out, REJ_TRUNCATED, n);
        }
        if (p[d] != ' ') {
                if (f->mode == FRAMING_AUTO) {
                        *is_line = true;
                        return 0;
                }
                f->state = FRAMER_DRAIN;
                return framing_reject(out, REJ_BAD_OCTET_COUNT, d);
        }
        hdr = d + 1;
        if (f->mode == FRAMING_AUTO) {
                /* A count only when the payload starts with '<' or '{'. */
                if (n == hdr) {
                        if (!eof)
                                return 0;
                        return framing_reject(out, REJ_TRUNCATED, n);
                }
                if (p[hdr] != '<' && p[hdr] != '{') {
                        *is_line = true;
                        return 0;
                }
        }
        if (p[0] == '0') {
                /* "0" and "007": drop through the next LF. */
                f->state = FRAMER_DRAIN;
                return framing_reject(out, REJ_BAD_OCTET_COUNT, hdr);
        }
        if (count > f->max_frame) {
                /* CVE-2022-24903: never buffer what the sender declares. */
                f->state = FRAMER_SKIP;
                f->skip_left = count;
                return framing_reject(out, REJ_OVERSIZE, hdr);
        }
        if (n - hdr < count) {
                if (!eof)
                        return 0;
                return framing_reject(out, REJ_TRUNCATED, n);
        }

        const char *data = p + hdr;
        size_t len = (size_t)count;

        if (len >= 1 && data[len - 1] == '\n') {
                len--;
                if (len >= 1 && data[len - 1] == '\r')
                        len--;
        }
        if (len >= sizeof(framing_bom) && memcmp(data, framing_bom, sizeof(framing_bom)) == 0) {
                data += sizeof(framing_bom);
                len -= sizeof(framing_bom);
        }
        out->kind = FRAME_MSG;
        out->method = FRAME_METHOD_OCTET;
        out->data = data;
        out->len = len;
        return hdr + (size_t)count;
}

/* An LF-terminated line at p[0..n) (a frame boundary, `bom` bytes of BOM
 * first).  Returns bytes consumed counted from p; 0 with FRAME_NONE means
 * "need more"; *skip says the line was empty and nothing was emitted. */
static size_t framing_line(struct framer *f, const char *p, size_t n, size_t bom, bool eof,
                           struct frame *out, bool *skip)
{
        const char *nl;
        size_t end, used;

        *skip = false;
        if (f->scanned > n)
                f->scanned = 0;         /* the caller did not keep its bytes: rescan */
        nl = memchr(p + f->scanned, '\n', n - f->scanned);
        if (nl) {
                end = (size_t)(nl - p);
                used = end + 1;
        } else if (n - bom > f->max_frame + 1) {
                /* Longer than max_frame (plus a CR) and still no LF: drop it
                 * and everything up to the next LF. */
                f->state = FRAMER_DRAIN;
                f->scanned = 0;
                return framing_reject(out, REJ_OVERSIZE, n);
        } else if (eof) {
                end = used = n;
        } else {
                f->scanned = n;
                return 0;
        }
        f->scanned = 0;
        if (end > bom && p[end - 1] == '\r')
                end--;
        if (end <= bom) {
                *skip = true;
                return used;
        }
        if (end - bom > f->max_frame)
                return framing_reject(out, REJ_OVERSIZE, used);
        out->kind = FRAME_MSG;
        out->method = FRAME_METHOD_LF;
        out->data = p + bom;
        out->len = end - bom;
        return used;
}

size_t framer_next(struct framer *f, const char *buf, size_t len, bool eof, struct frame *out)
{
        size_t consumed = 0;

        memset(out, 0, sizeof(*out));
        out->kind = FRAME_NONE;
        for (;;) {
                const char *p = buf + consumed;
                size_t n = len - consumed;
                size_t used;
                int bom;
                bool is_line, skip;

                switch (f->state) {
                case FRAMER_CLOSED:
                        return len;
                case FRAMER_SKIP: {
                        size_t take = f->skip_left < n ? (size_t)f->skip_left : n;

                        consumed += take;
                        f->skip_left -= take;
                        if (f->skip_left > 0)
                                return consumed;
                        f->state = FRAMER_START;
                        continue;
                }
                case FRAMER_DRAIN:
                        used = framing_drain(f, p, n);
                        consumed += used;
                        if (f->state == FRAMER_DRAIN)
                                return consumed;
                        continue;
                default:
                        break;
                }

                if (n == 0)
                        return consumed;
                if (!f->started) {
                        f->started = true;
                        if (p[0] == 0x16) {
                                f->state = FRAMER_CLOSED;
                                out->kind = FRAME_CLOSE;
                                return len;
                        }
                }
                /* Empty lines (and the LF some senders add after an octet
                 * frame) between frames: skipped, not events. */
                if (p[0] == '\n') {
                        consumed++;
                        f->scanned = 0;
                        continue;
                }
                if (p[0] == '\r') {
                        if (n < 2 && !eof)
                                return consumed;
                        if (n >= 2 && p[1] == '\n') {
                                consumed += 2;
                                f->scanned = 0;
                                continue;
                        }
                }
                bom = framing_bom_len(p, n, eof);
                if (bom < 0)
                        return consumed;

                if (f->mode != FRAMING_LF) {
                        used = framing_octet(f, p + bom, n - (size_t)bom, eof, out, &is_line);
                        if (!is_line) {
                                if (out->kind == FRAME_NONE)
                                        return consumed;        /* need more */
                                /* A line search of an earlier call does not
                                 * apply to what follows this frame. */
                                f->scanned = 0;
                                consumed += (size_t)bom + used;
                                /* A bad count resyncs at the next LF: drop
                                 * what is here now, so that a reject always
                                 * consumes something. */
                                if (f->state == FRAMER_DRAIN)
                                        consumed += framing_drain(f, buf + consumed, len - consumed);
                                return consumed;
                        }
                }
                used = framing_line(f, p, n, (size_t)bom, eof, out, &skip);
                if (skip) {
                        consumed += used;
                        continue;
                }
                if (out->kind == FRAME_NONE)
                        return consumed;
                return consumed + used;
        }
}
