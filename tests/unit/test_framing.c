/* framing.c: LF / CRLF / RFC 6587 octet counting, resync, limits.
 *
 * Every table case is fed through the caller's protocol (conn.c, replay.c)
 * in one piece, then in chunks of 1, 2, 3, 5, 7 and 13 bytes, and must give
 * the same frames every time.  Small inputs are copied into an exact-size
 * heap buffer on every call so that ASan sees any read past `len`. */
#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/framing.h"

#define MAX_FRAMES 16
#define EXACT_COPY_LIMIT 4096   /* above this, pass a window of one big buffer */

/* One expected frame: "L:payload" (LF frame), "O:payload" (octet frame),
 * "R:reason" (reject), "C" (close). */
struct framing_case {
        const char *name;
        enum framing_mode mode;
        size_t max_frame;
        const char *in;
        size_t in_len;          /* 0: strlen(in) */
        const char *want[MAX_FRAMES];
};

static const char *reason_str(enum reject_reason r)
{
        switch (r) {
        case REJ_OVERSIZE: return "oversize";
        case REJ_BAD_OCTET_COUNT: return "bad_octet_count";
        case REJ_TRUNCATED: return "truncated";
        default: return "?";
        }
}

struct collected {
        char *got[MAX_FRAMES + 8];
        size_t n;
        size_t calls;
};

static void collected_free(struct collected *c)
{
        for (size_t i = 0; i < c->n; i++)
                free(c->got[i]);
        c->n = 0;
}

static void collected_add(struct collected *c, const struct frame *fr)
{
        char *s = NULL;

        switch (fr->kind) {
        case FRAME_MSG:
                ck_assert_msg(fr->method == FRAME_METHOD_LF || fr->method == FRAME_METHOD_OCTET,
                              "bad method %d", fr->method);
                s = malloc(fr->len + 3);
                ck_assert_ptr_nonnull(s);
                s[0] = fr->method == FRAME_METHOD_LF ? 'L' : 'O';
                s[1] = ':';
                memcpy(s + 2, fr->data, fr->len);
                s[fr->len + 2] = '\0';
                break;
        case FRAME_REJECT:
                ck_assert_int_eq(asprintf(&s, "R:%s", reason_str(fr->why)) > 0, 1);
                break;
        case FRAME_CLOSE:
                s = strdup("C");
                break;
        default:
                return;
        }
        ck_assert_msg(c->n < ELEMENTSOF(c->got), "too many frames");
        c->got[c->n++] = s;
}

/* The caller's loop, over in[off..avail).  Returns the new off.  Stops on
 * FRAME_CLOSE (the caller closes the connection). */
static size_t drive(struct framer *f, const char *in, size_t off, size_t avail, bool eof,
                    struct collected *c, bool *closed)
{
        for (unsigned guard = 0;; guard++) {
                struct frame fr;
                size_t n, len = avail - off;
                char *copy = NULL;
                const char *buf = in + off;

                ck_assert_msg(guard < 1000000, "framer_next does not make progress");
                if (len <= EXACT_COPY_LIMIT) {
                        copy = malloc(len ? len : 1);
                        ck_assert_ptr_nonnull(copy);
                        memcpy(copy, buf, len);
                        buf = copy;
                }
                n = framer_next(f, buf, len, eof, &fr);
                c->calls++;
                ck_assert_msg(n <= len, "consumed %zu of %zu", n, len);
                if (fr.kind == FRAME_MSG || fr.kind == FRAME_REJECT)
                        ck_assert_msg(n > 0, "a frame with nothing consumed");
                if (fr.kind == FRAME_MSG) {
                        ck_assert(fr.data >= buf && fr.data + fr.len <= buf + n);
                }
                collected_add(c, &fr);
                free(copy);
                if (fr.kind == FRAME_CLOSE) {
                        *closed = true;
                        return avail;
                }
                off += n;
                if (n == 0 && fr.kind == FRAME_NONE)
                        return off;
        }
}

/* Feed `in` in chunks of `chunk` bytes (0: all at once); the last chunk comes
 * with eof.  Everything must be consumed in the end. */
static void feed(const struct framing_case *t, size_t chunk, struct collected *c)
{
        size_t len = t->in_len ? t->in_len : strlen(t->in);
        char *in = malloc(len ? len : 1);
        struct framer f;
        size_t off = 0, avail = 0;
        bool closed = false;

        ck_assert_ptr_nonnull(in);
        memcpy(in, t->in, len);
        framer_init(&f, t->mode, t->max_frame);
        if (chunk == 0)
                chunk = len ? len : 1;
        do {
                avail = avail + chunk < len ? avail + chunk : len;
                off = drive(&f, in, off, avail, avail == len, c, &closed);
        } while (avail < len && !closed);
        if (!closed) {
                off = drive(&f, in, off, avail, true, c, &closed);
                ck_assert_msg(off == len, "%s: %zu of %zu bytes left unconsumed", t->name, len - off, len);
        }
        free(in);
}

static void check_case(const struct framing_case *t)
{
        static const size_t chunks[] = { 0, 1, 2, 3, 5, 7, 13 };

        for (size_t k = 0; k < ELEMENTSOF(chunks); k++) {
                struct collected c = { .n = 0 };
                size_t nwant = 0;

                feed(t, chunks[k], &c);
                while (nwant < MAX_FRAMES && t->want[nwant])
                        nwant++;
                for (size_t i = 0; i < nwant || i < c.n; i++) {
                        const char *w = i < nwant ? t->want[i] : "(nothing)";
                        const char *g = i < c.n ? c.got[i] : "(nothing)";

                        ck_assert_msg(strcmp(w, g) == 0, "%s (chunk %zu): frame %zu: want \"%s\", got \"%s\"",
                                      t->name, chunks[k], i, w, g);
                }
                collected_free(&c);
        }
}

#define RUN_TABLE(tbl) \
        for (size_t i = 0; i < ELEMENTSOF(tbl); i++) \
                check_case(&(tbl)[i])

#define JS "{\"EventID\":4624}"
#define JSLEN "16"      /* strlen(JS) */
#define SL "<13>1 2024-11-06T10:00:00Z host app - - - {\"a\":1}"
#define SLLEN "49"      /* strlen(SL) */

/* ---- LF / CRLF ---------------------------------------------------------- */

static const struct framing_case lf_cases[] = {
        { "one LF line", FRAMING_AUTO, 0, JS "\n", 0, { "L:" JS } },
        { "two LF lines", FRAMING_AUTO, 0, JS "\n" JS "\n", 0, { "L:" JS, "L:" JS } },
        { "CRLF", FRAMING_AUTO, 0, JS "\r\n" JS "\r\n", 0, { "L:" JS, "L:" JS } },
        { "only one CR stripped", FRAMING_AUTO, 0, "{x}\r\r\n", 0, { "L:{x}\r" } },
        { "CR inside a line kept", FRAMING_AUTO, 0, "{a\rb}\n", 0, { "L:{a\rb}" } },
        { "unterminated last line at EOF", FRAMING_AUTO, 0, JS "\n" JS, 0, { "L:" JS, "L:" JS } },
        { "unterminated CR line at EOF", FRAMING_AUTO, 0, JS "\r", 0, { "L:" JS } },
        { "syslog line", FRAMING_AUTO, 0, SL "\n", 0, { "L:" SL } },
        { "lf mode takes a count as text", FRAMING_LF, 0, "5 {abc}\n", 0, { "L:5 {abc}" } },
        { "negative number is a line", FRAMING_AUTO, 0, "-5 {abc}\n", 0, { "L:-5 {abc}" } },
        { "digits then no SP is a line", FRAMING_AUTO, 0, "12{abc}\n", 0, { "L:12{abc}" } },
        { "count then not < or { is a line", FRAMING_AUTO, 0, "12 abc\n", 0, { "L:12 abc" } },
        { "digit line then LF", FRAMING_AUTO, 0, "12\n", 0, { "L:12" } },
        { "NUL bytes in a line", FRAMING_AUTO, 0, "{\0}\n", 4, { "L:{" } },
};

/* ---- octet counting ----------------------------------------------------- */

static const struct framing_case octet_cases[] = {
        { "one octet frame", FRAMING_AUTO, 0, JSLEN " " JS, 0, { "O:" JS } },
        { "two octet frames back to back", FRAMING_AUTO, 0, JSLEN " " JS JSLEN " " JS, 0,
          { "O:" JS, "O:" JS } },
        { "syslog in octet frame", FRAMING_AUTO, 0, SLLEN " " SL, 0, { "O:" SL } },
        { "payload with embedded LF", FRAMING_AUTO, 0, "7 {a\nb\nc}", 0, { "O:{a\nb\nc}" } },
        { "trailing LF inside the count stripped", FRAMING_AUTO, 0, "4 {ab\n", 0, { "O:{ab" } },
        { "trailing CRLF inside the count stripped", FRAMING_AUTO, 0, "5 {ab\r\n", 0, { "O:{ab" } },
        { "only one trailing LF stripped", FRAMING_AUTO, 0, "5 {ab\n\n", 0, { "O:{ab\n" } },
        { "LF after the frame is skipped", FRAMING_AUTO, 0, "3 {a}\n3 {b}\r\n", 0, { "O:{a}", "O:{b}" } },
        { "octet then LF line", FRAMING_AUTO, 0, "3 {a}{b}\n", 0, { "O:{a}", "L:{b}" } },
        { "LF line then octet", FRAMING_AUTO, 0, "{b}\n3 {a}", 0, { "L:{b}", "O:{a}" } },
        { "octet mode any payload", FRAMING_OCTET, 0, "3 abc", 0, { "O:abc" } },
        { "octet mode LF between frames", FRAMING_OCTET, 0, "3 {a}\n3 {b}", 0, { "O:{a}", "O:{b}" } },
        { "leading zeros, ten digits", FRAMING_AUTO, 0, "0000000003 {a}", 0,
          { "R:bad_octet_count" } },
        { "count exactly max_frame", FRAMING_AUTO, 5, "5 {abc}", 0, { "O:{abc}" } },
};

/* ---- empty lines -------------------------------------------------------- */

static const struct framing_case empty_cases[] = {
        { "empty input", FRAMING_AUTO, 0, "", 0, { NULL } },
        { "LF alone", FRAMING_AUTO, 0, "\n", 0, { NULL } },
        { "CRLF alone", FRAMING_AUTO, 0, "\r\n", 0, { NULL } },
        { "CR alone at EOF", FRAMING_AUTO, 0, "\r", 0, { NULL } },
        { "empty lines around", FRAMING_AUTO, 0, "\n\r\n\n{a}\n\r\n\n{b}\n\n", 0, { "L:{a}", "L:{b}" } },
        { "BOM-only line", FRAMING_AUTO, 0, "\xef\xbb\xbf\r\n{a}\n", 0, { "L:{a}" } },
        { "empty lines in lf mode", FRAMING_LF, 0, "\n\n{a}\n", 0, { "L:{a}" } },
        { "empty octet frame is a frame", FRAMING_OCTET, 0, "1 \n", 0, { "O:" } },
};

/* ---- BOM ---------------------------------------------------------------- */

static const struct framing_case bom_cases[] = {
        { "BOM before LF line", FRAMING_AUTO, 0, "\xef\xbb\xbf" JS "\n", 0, { "L:" JS } },
        { "BOM before each LF line", FRAMING_AUTO, 0, "\xef\xbb\xbf{a}\r\n\xef\xbb\xbf{b}\r\n", 0,
          { "L:{a}", "L:{b}" } },
        { "BOM before octet count", FRAMING_AUTO, 0, "\xef\xbb\xbf" "3 {a}", 0, { "O:{a}" } },
        { "BOM inside octet payload", FRAMING_OCTET, 0, "6 \xef\xbb\xbf{a}", 0, { "O:{a}" } },
        { "partial BOM at EOF is data", FRAMING_AUTO, 0, "\xef\xbb", 0, { "L:\xef\xbb" } },
        { "BOM in the middle kept", FRAMING_AUTO, 0, "{\xef\xbb\xbf}\n", 0, { "L:{\xef\xbb\xbf}" } },
        /* Regressions found by fuzz_framing: a read that ends right after a
         * BOM (chunk 3) once made octet mode reject the count, and left a
         * stale LF-search offset that merged the next two lines. */
        { "regress: octet mode, read ends after a BOM", FRAMING_OCTET, 0, "\xef\xbb\xbf" "3 {a}", 0,
          { "O:{a}" } },
        { "regress: lines after a BOM-split octet frame", FRAMING_AUTO, 0, "\xef\xbb\xbf" "3 {a}}\n{b}\n", 0,
          { "O:{a}", "L:}", "L:{b}" } },
};

/* ---- oversize ----------------------------------------------------------- */

static const struct framing_case oversize_cases[] = {
        { "LF line over max_frame", FRAMING_AUTO, 4, "{abcdef}\n{a}\n", 0, { "R:oversize", "L:{a}" } },
        { "LF line exactly max_frame", FRAMING_AUTO, 4, "{ab}\r\n", 0, { "L:{ab}" } },
        { "LF line max_frame plus CR", FRAMING_AUTO, 4, "{ab}\r", 0, { "L:{ab}" } },
        { "LF line over max_frame unterminated", FRAMING_AUTO, 4, "{abcdefgh", 0, { "R:oversize" } },
        { "long line drained through LF once", FRAMING_AUTO, 4, "{abcdefghijklmnop}\n{b}\n", 0,
          { "R:oversize", "L:{b}" } },
        { "octet over max_frame skipped", FRAMING_AUTO, 4, "9 {abcdefg}3 {a}", 0, { "R:oversize", "O:{a}" } },
        { "octet over max_frame, LF in the skipped bytes", FRAMING_AUTO, 4, "9 {a\nb\nc\nd}3 {a}", 0,
          { "R:oversize", "O:{a}" } },
        { "octet over max_frame cut by EOF", FRAMING_AUTO, 4, "9 {abc", 0, { "R:oversize" } },
};

/* ---- malformed counts and resync --------------------------------------- */

static const struct framing_case badcount_cases[] = {
        { "count 0", FRAMING_AUTO, 0, "0 {a}\n{b}\n", 0, { "R:bad_octet_count", "L:{b}" } },
        { "leading zero", FRAMING_AUTO, 0, "007 {abcde}\n3 {c}", 0, { "R:bad_octet_count", "O:{c}" } },
        { "eleven digits", FRAMING_AUTO, 0, "12345678901 {a}\n{b}\n", 0, { "R:bad_octet_count", "L:{b}" } },
        { "forty digits", FRAMING_AUTO, 0, "1234567890123456789012345678901234567890 <13>x\n{b}\n", 0,
          { "R:bad_octet_count", "L:{b}" } },
        { "eleven digits without LF", FRAMING_AUTO, 0, "99999999999", 0, { "R:bad_octet_count" } },
        { "octet mode no count", FRAMING_OCTET, 0, "{a}\n3 {b}", 0, { "R:bad_octet_count", "O:{b}" } },
        { "octet mode no SP", FRAMING_OCTET, 0, "3{a}\n3 {b}", 0, { "R:bad_octet_count", "O:{b}" } },
        { "octet mode negative", FRAMING_OCTET, 0, "-5 {a}\n3 {b}", 0, { "R:bad_octet_count", "O:{b}" } },
        { "octet mode garbage unterminated", FRAMING_OCTET, 0, "garbage", 0, { "R:bad_octet_count" } },
        { "octet mode 0 count", FRAMING_OCTET, 0, "0 \n3 {b}", 0, { "R:bad_octet_count", "O:{b}" } },
};

/* ---- EOF ---------------------------------------------------------------- */

static const struct framing_case eof_cases[] = {
        { "EOF inside octet frame", FRAMING_AUTO, 0, "10 {abc", 0, { "R:truncated" } },
        { "EOF inside count", FRAMING_AUTO, 0, "{a}\n12", 0, { "L:{a}", "R:truncated" } },
        { "EOF after count and SP", FRAMING_AUTO, 0, "12 ", 0, { "R:truncated" } },
        { "EOF inside count, octet mode", FRAMING_OCTET, 0, "12", 0, { "R:truncated" } },
        { "EOF after header, octet mode", FRAMING_OCTET, 0, "12 ", 0, { "R:truncated" } },
        { "EOF after whole octet frame", FRAMING_AUTO, 0, "3 {a}", 0, { "O:{a}" } },
};

/* ---- TLS on a plain port ----------------------------------------------- */

static const struct framing_case tls_cases[] = {
        { "TLS ClientHello", FRAMING_AUTO, 0, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, { "C" } },
        { "TLS ClientHello, lf mode", FRAMING_LF, 0, "\x16\x03\x01\n{a}\n", 0, { "C" } },
        { "TLS ClientHello, octet mode", FRAMING_OCTET, 0, "\x16\x03\x01", 0, { "C" } },
        { "0x16 later in the stream is data", FRAMING_AUTO, 0, "{a}\n\x16{b}\n", 0, { "L:{a}", "L:\x16{b}" } },
};

/* ---- CVE regressions --------------------------------------------------- */

static const struct framing_case cve_cases[] = {
        /* rsyslog imptcp: a count that overflows a 32-bit int. */
        { "CVE-2018-16881 count 2^32", FRAMING_AUTO, 0, "4294967296 <13>x", 0, { "R:oversize" } },
        { "CVE-2018-16881 count 2^31", FRAMING_AUTO, 0, "2147483648 <13>x", 0, { "R:oversize" } },
        { "CVE-2018-16881 count 2^64", FRAMING_AUTO, 0, "18446744073709551616 <13>x\n{b}\n", 0,
          { "R:bad_octet_count", "L:{b}" } },
        { "CVE-2018-16881 count 10^10-1", FRAMING_OCTET, 0, "9999999999 <13>x", 0, { "R:oversize" } },
        /* rsyslog: a count larger than the buffer must not be copied into it. */
        { "CVE-2022-24903 count above max_frame", FRAMING_AUTO, 16, "17 {aaaaaaaaaaaaaaa}3 {b}", 0,
          { "R:oversize", "O:{b}" } },
        { "CVE-2022-24903 count above 16 MiB", FRAMING_AUTO, 0, "16777217 {", 0, { "R:oversize" } },
        /* syslog-ng: digits at the very end of the buffer. */
        { "CVE-2022-38725 digits at buffer end", FRAMING_AUTO, 0, "123", 0, { "R:truncated" } },
        { "CVE-2022-38725 SP at buffer end", FRAMING_OCTET, 0, "3 ", 0, { "R:truncated" } },
        { "CVE-2022-38725 frame ends at buffer end", FRAMING_AUTO, 0, "3 {a", 0, { "R:truncated" } },
};

START_TEST(test_lf) { RUN_TABLE(lf_cases); }
END_TEST
START_TEST(test_octet) { RUN_TABLE(octet_cases); }
END_TEST
START_TEST(test_empty) { RUN_TABLE(empty_cases); }
END_TEST
START_TEST(test_bom) { RUN_TABLE(bom_cases); }
END_TEST
START_TEST(test_oversize) { RUN_TABLE(oversize_cases); }
END_TEST
START_TEST(test_badcount) { RUN_TABLE(badcount_cases); }
END_TEST
START_TEST(test_eof) { RUN_TABLE(eof_cases); }
END_TEST
START_TEST(test_tls) { RUN_TABLE(tls_cases); }
END_TEST
START_TEST(test_cve) { RUN_TABLE(cve_cases); }
END_TEST

/* ---- behaviours that need a hand-written driver ------------------------- */

/* A partial frame is not consumed, so the caller keeps it; a partial count
 * is "need more" until 10 digits, and bad as soon as there are 11. */
START_TEST(test_partial)
{
        struct framer f;
        struct frame fr;

        framer_init(&f, FRAMING_AUTO, 0);
        ck_assert_uint_eq(framer_next(&f, "1234567890", 10, false, &fr), 0);
        ck_assert_int_eq(fr.kind, FRAME_NONE);
        ck_assert_uint_eq(framer_next(&f, "12345678901", 11, false, &fr), 11);
        ck_assert_int_eq(fr.kind, FRAME_REJECT);
        ck_assert_int_eq(fr.why, REJ_BAD_OCTET_COUNT);

        framer_init(&f, FRAMING_AUTO, 0);
        ck_assert_uint_eq(framer_next(&f, "5 {ab", 5, false, &fr), 0);
        ck_assert_int_eq(fr.kind, FRAME_NONE);
        ck_assert_uint_eq(framer_next(&f, "5 {abc}", 7, false, &fr), 7);
        ck_assert_int_eq(fr.kind, FRAME_MSG);
        ck_assert_int_eq(fr.method, FRAME_METHOD_OCTET);

        /* Empty lines are consumed even when nothing follows yet. */
        framer_init(&f, FRAMING_AUTO, 0);
        ck_assert_uint_eq(framer_next(&f, "\n\r\n{a", 6, false, &fr), 3);
        ck_assert_int_eq(fr.kind, FRAME_NONE);
}
END_TEST

/* The LF search resumes where the previous call stopped. */
START_TEST(test_scanned)
{
        struct framer f;
        struct frame fr;
        const char *line = "{\"a\":\"bcdefghij\"}\n";

        framer_init(&f, FRAMING_AUTO, 0);
        for (size_t i = 1; i < strlen(line); i++) {
                ck_assert_uint_eq(framer_next(&f, line, i, false, &fr), 0);
                ck_assert_int_eq(fr.kind, FRAME_NONE);
                ck_assert_uint_eq(f.scanned, i);
        }
        ck_assert_uint_eq(framer_next(&f, line, strlen(line), false, &fr), strlen(line));
        ck_assert_int_eq(fr.kind, FRAME_MSG);
        ck_assert_uint_eq(f.scanned, 0);
}
END_TEST

/* An oversize octet frame is consumed as it arrives: the caller never has to
 * hold more than one read of it. */
START_TEST(test_skip_streaming)
{
        struct framer f;
        struct frame fr;
        char chunk[4096];
        size_t total = 16u * 1024 * 1024 + 1, left;
        char hdr[32];
        int hl = snprintf(hdr, sizeof(hdr), "%zu {", total);

        memset(chunk, 'x', sizeof(chunk));
        framer_init(&f, FRAMING_AUTO, 256 * 1024);
        ck_assert_uint_eq(framer_next(&f, hdr, (size_t)hl, false, &fr), (size_t)hl - 1);
        ck_assert_int_eq(fr.kind, FRAME_REJECT);
        ck_assert_int_eq(fr.why, REJ_OVERSIZE);
        ck_assert_uint_eq(f.skip_left, total);
        left = total;
        while (left > 0) {
                size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

                ck_assert_uint_eq(framer_next(&f, chunk, n, false, &fr), n);
                ck_assert_int_eq(fr.kind, FRAME_NONE);
                left -= n;
        }
        ck_assert_uint_eq(framer_next(&f, "3 {a}", 5, false, &fr), 5);
        ck_assert_int_eq(fr.kind, FRAME_MSG);
        ck_assert_uint_eq(fr.len, 3);
}
END_TEST

/* A line longer than max_frame is dropped as it arrives; bytes up to the
 * next LF are dropped without another reject. */
START_TEST(test_drain_streaming)
{
        struct framer f;
        struct frame fr;
        char chunk[1024];
        unsigned rejects = 0;

        memset(chunk, 'x', sizeof(chunk));
        chunk[0] = '{';
        framer_init(&f, FRAMING_AUTO, 2048);
        ck_assert_uint_eq(framer_next(&f, chunk, sizeof(chunk), false, &fr), 0);
        for (int i = 0; i < 64; i++) {
                /* The caller holds at most max_frame + a read. */
                static char held[4096];
                size_t n;

                memcpy(held, chunk, sizeof(chunk));
                memcpy(held + sizeof(chunk), chunk, sizeof(chunk));
                memcpy(held + 2 * sizeof(chunk), chunk, sizeof(chunk));
                n = framer_next(&f, held, 3 * sizeof(chunk), false, &fr);
                if (fr.kind == FRAME_REJECT) {
                        ck_assert_int_eq(fr.why, REJ_OVERSIZE);
                        rejects++;
                }
                ck_assert_uint_eq(n, 3 * sizeof(chunk));
        }
        ck_assert_uint_eq(rejects, 1);
        ck_assert_uint_eq(framer_next(&f, "xx\n{a}\n", 7, false, &fr), 7);
        ck_assert_int_eq(fr.kind, FRAME_MSG);
        ck_assert_uint_eq(fr.len, 3);
}
END_TEST

/* After FRAME_CLOSE everything is consumed, so no caller loop spins. */
START_TEST(test_close_sticky)
{
        struct framer f;
        struct frame fr;

        framer_init(&f, FRAMING_AUTO, 0);
        ck_assert_uint_eq(framer_next(&f, "\x16\x03\x01", 3, false, &fr), 3);
        ck_assert_int_eq(fr.kind, FRAME_CLOSE);
        ck_assert_uint_eq(framer_next(&f, "{a}\n", 4, false, &fr), 4);
        ck_assert_int_eq(fr.kind, FRAME_NONE);
        ck_assert_uint_eq(framer_next(&f, "", 0, true, &fr), 0);
        ck_assert_int_eq(fr.kind, FRAME_NONE);
}
END_TEST

START_TEST(test_init)
{
        struct framer f;
        static const struct {
                size_t in, want;
        } t[] = {
                { 0, 256 * 1024 },
                { 1024, 1024 },
                { 16u * 1024 * 1024, 16u * 1024 * 1024 },
                { 64u * 1024 * 1024, 16u * 1024 * 1024 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                framer_init(&f, FRAMING_AUTO, t[i].in);
                ck_assert_uint_eq(f.max_frame, t[i].want);
        }
}
END_TEST

START_TEST(test_names)
{
        static const struct {
                const char *s;
                enum framing_mode m;
        } t[] = {
                { "auto", FRAMING_AUTO },
                { "lf", FRAMING_LF },
                { "octet", FRAMING_OCTET },
                { "Auto", _FRAMING_MODE_INVALID },
                { "", _FRAMING_MODE_INVALID },
                { "octet-counting", _FRAMING_MODE_INVALID },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ck_assert_int_eq(framing_mode_from_name(t[i].s), t[i].m);
                if (t[i].m != _FRAMING_MODE_INVALID)
                        ck_assert_str_eq(framing_mode_name(t[i].m), t[i].s);
        }
        ck_assert_int_eq(framing_mode_from_name(NULL), _FRAMING_MODE_INVALID);
        ck_assert_str_eq(framing_mode_name(_FRAMING_MODE_MAX), "invalid");
        ck_assert_str_eq(frame_method_name(FRAME_METHOD_LF), "lf");
        ck_assert_str_eq(frame_method_name(FRAME_METHOD_OCTET), "octet");
}
END_TEST

static Suite *framing_suite(void)
{
        Suite *s = suite_create("framing");
        const struct {
                const char *name;
                const TTest *fn;
        } tc[] = {
                { "lf", test_lf },
                { "octet", test_octet },
                { "empty_lines", test_empty },
                { "bom", test_bom },
                { "oversize", test_oversize },
                { "bad_count_resync", test_badcount },
                { "eof", test_eof },
                { "tls_on_plain", test_tls },
                { "cve_regressions", test_cve },
                { "partial", test_partial },
                { "scanned_no_rescan", test_scanned },
                { "oversize_octet_streaming", test_skip_streaming },
                { "oversize_line_streaming", test_drain_streaming },
                { "close_sticky", test_close_sticky },
                { "init", test_init },
                { "names", test_names },
        };

        for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
                TCase *t = tcase_create(tc[i].name);

                tcase_add_test(t, tc[i].fn);
                suite_add_tcase(s, t);
        }
        return s;
}

int main(void)
{
        return unit_run(framing_suite());
}
