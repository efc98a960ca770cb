/* framing.c: bytes → frames, through the caller loop of framing.h.
 *
 * Input: 4 parameter bytes, then the stream.
 *   [0]     framing mode (% 3: auto, lf, octet)
 *   [1..2]  max_frame = 16 + (big-endian u16 % 4081), i.e. 16..4096
 *   [3]     chunking: 0 = the whole stream at once; otherwise the seed of a
 *           pseudo-random run of chunk sizes (low 2 bits pick the scale:
 *           1-3, 1-17, 1-300 or 1-5000 bytes)
 * The stream is fed in chunks; each call sees an exact-size copy of the
 * unconsumed window, so ASan catches reads past `len`.  Checked:
 *   - consumed <= available; a MSG or REJECT consumes something;
 *   - FRAME_MSG data lies inside the consumed bytes, len <= max_frame, and
 *     the method matches a forced mode;
 *   - REJECT reasons are framing reasons; CLOSE only for a leading 0x16;
 *   - at EOF everything is consumed; the loop terminates (bounded);
 *   - chunked and all-at-once feeding give the same frames. */
#include <stdbool.h>

#include "fuzz.h"
#include "spoor/reject.h"
#include "spoor/framing.h"

#define PARAM_BYTES 4
#define EXACT_COPY_LIMIT 16384  /* above this, pass a window of the input */

struct rec {
        enum frame_kind kind;
        enum frame_method method;
        enum reject_reason why;
        size_t len;
        uint64_t hash;
};

struct run {
        const char *in;         /* the stream, exact-size heap copy */
        size_t len;
        struct framer f;
        struct rec *recs;
        size_t nrecs, cap;
        size_t iters, max_iters;
        bool closed;
};

static uint64_t fnv1a(const char *p, size_t n)
{
        uint64_t h = 1469598103934665603ull;

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)p[i];
                h *= 1099511628211ull;
        }
        return h;
}

static void run_record(struct run *r, const struct frame *fr)
{
        struct rec *x;

        if (r->nrecs == r->cap) {
                r->cap = r->cap ? 2 * r->cap : 16;
                r->recs = realloc(r->recs, r->cap * sizeof(*r->recs));
                if (!r->recs)
                        abort();
        }
        x = &r->recs[r->nrecs++];
        memset(x, 0, sizeof(*x));
        x->kind = fr->kind;
        if (fr->kind == FRAME_MSG) {
                x->method = fr->method;
                x->len = fr->len;
                x->hash = fnv1a(fr->data, fr->len);
        } else if (fr->kind == FRAME_REJECT) {
                x->why = fr->why;
        }
}

/* The caller loop of framing.h over in[*off..avail). */
static void drive(struct run *r, size_t *off, size_t avail, bool eof)
{
        for (;;) {
                struct frame fr;
                size_t n, len = avail - *off;
                const char *buf = r->in + *off;
                char *copy = NULL;

                fuzz_assert(++r->iters <= r->max_iters);        /* no infinite loop */
                if (len <= EXACT_COPY_LIMIT) {
                        copy = fuzz_dup(buf, len);
                        buf = copy;
                }
                memset(&fr, 0xa5, sizeof(fr));
                n = framer_next(&r->f, buf, len, eof, &fr);
                fuzz_assert(n <= len);
                fuzz_assert(fr.kind == FRAME_NONE || fr.kind == FRAME_MSG ||
                            fr.kind == FRAME_REJECT || fr.kind == FRAME_CLOSE);
                switch (fr.kind) {
                case FRAME_MSG:
                        fuzz_assert(n > 0);
                        fuzz_assert(fr.method == FRAME_METHOD_LF || fr.method == FRAME_METHOD_OCTET);
                        fuzz_assert(r->f.mode != FRAMING_LF || fr.method == FRAME_METHOD_LF);
                        fuzz_assert(r->f.mode != FRAMING_OCTET || fr.method == FRAME_METHOD_OCTET);
                        fuzz_assert(fr.len <= r->f.max_frame);
                        fuzz_assert(fr.data != NULL || fr.len == 0);
                        if (fr.len)
                                fuzz_assert(fuzz_within(fr.data, fr.len, buf, n));
                        break;
                case FRAME_REJECT:
                        fuzz_assert(n > 0);
                        fuzz_assert(fr.why == REJ_OVERSIZE || fr.why == REJ_BAD_OCTET_COUNT ||
                                    fr.why == REJ_TRUNCATED);
                        break;
                case FRAME_CLOSE:
                        fuzz_assert(r->len > 0 && (unsigned char)r->in[0] == 0x16);
                        break;
                default:
                        break;
                }
                if (fr.kind != FRAME_NONE)
                        run_record(r, &fr);
                free(copy);
                if (fr.kind == FRAME_CLOSE) {
                        r->closed = true;       /* the caller closes the connection */
                        *off = avail;
                        return;
                }
                *off += n;
                if (n == 0 && fr.kind == FRAME_NONE)
                        return;
        }
}

static void run_dump(const char *what, const struct run *r)
{
        fprintf(stderr, "%s: %zu frames\n", what, r->nrecs);
        for (size_t i = 0; i < r->nrecs; i++) {
                const struct rec *x = &r->recs[i];

                if (x->kind == FRAME_MSG)
                        fprintf(stderr, "  %zu: MSG %s len %zu hash %016llx\n", i, frame_method_name(x->method),
                                x->len, (unsigned long long)x->hash);
                else if (x->kind == FRAME_REJECT)
                        fprintf(stderr, "  %zu: REJECT %s\n", i, reject_reason_name(x->why));
                else
                        fprintf(stderr, "  %zu: kind %d\n", i, (int)x->kind);
        }
}

static size_t next_chunk(uint32_t *state, uint8_t seed)
{
        static const uint32_t scale[4] = { 3, 17, 300, 5000 };
        uint32_t x = *state;

        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *state = x;
        return 1 + x % scale[seed & 3];
}

static void run_stream(struct run *r, enum framing_mode mode, size_t max_frame, uint8_t seed)
{
        uint32_t state = 0x9e3779b9u ^ ((uint32_t)seed * 0x01000193u);
        size_t off = 0, avail = 0;

        framer_init(&r->f, mode, max_frame);
        r->max_iters = 2 * r->len + 16;
        do {
                size_t c = seed ? next_chunk(&state, seed) : r->len;

                avail = c < r->len - avail ? avail + c : r->len;
                drive(r, &off, avail, avail == r->len);
        } while (avail < r->len && !r->closed);
        if (!r->closed) {
                drive(r, &off, avail, true);
                fuzz_assert(off == r->len);     /* at EOF everything is consumed */
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct run whole = { 0 }, chunked = { 0 };
        enum framing_mode mode;
        size_t max_frame;
        uint8_t seed;
        char *in;

        if (size < PARAM_BYTES || size > FUZZ_MAX_INPUT)
                return 0;
        mode = (enum framing_mode)(data[0] % _FRAMING_MODE_MAX);
        max_frame = 16 + (((size_t)data[1] << 8 | data[2]) % 4081);
        seed = data[3];
        in = fuzz_dup(data + PARAM_BYTES, size - PARAM_BYTES);

        whole.in = chunked.in = in;
        whole.len = chunked.len = size - PARAM_BYTES;
        run_stream(&whole, mode, max_frame, 0);
        if (seed) {
                run_stream(&chunked, mode, max_frame, seed);
                /* The frames do not depend on how the bytes arrive. */
                bool same = chunked.nrecs == whole.nrecs;

                for (size_t i = 0; same && i < whole.nrecs; i++)
                        same = memcmp(&chunked.recs[i], &whole.recs[i], sizeof(whole.recs[i])) == 0;
                if (!same) {
                        fprintf(stderr, "mode %s, max_frame %zu, chunk seed %u\n",
                                framing_mode_name(mode), max_frame, seed);
                        run_dump("all at once", &whole);
                        run_dump("chunked", &chunked);
                }
                fuzz_assert(same);
        }
        free(whole.recs);
        free(chunked.recs);
        free(in);
        return 0;
}
