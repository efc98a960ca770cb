/* The flat fast path (daemon/event/flatscan.c) against json-c: the same
 * payload through a decoder with the fast path and one without must give
 * the same result, byte for byte — return code, reason, detail, and for an
 * accepted event its host, identifiers, time, dialect, repairs and every
 * field in order.  Inputs are mostly NXLog-shaped (the seeds), so the
 * fuzzer lives where the fast path decides.  The fast decoder lives
 * across inputs, as in spoord: its guesses of the next key come from
 * earlier inputs as well as from this one. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "spoor/decode.h"

static struct decoder *fast, *slow;
static struct winevent ev_fast, ev_slow;
static struct timefmt_zone utc;

static void fuzz_init(void)
{
        static bool done;

        if (done)
                return;
        fast = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        slow = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        fuzz_assert(fast && slow && decoder_set_fast_path(slow, false) == 0);
        winevent_init(&ev_fast);
        winevent_init(&ev_slow);
        fuzz_assert(timefmt_zone_init(&utc, "UTC") == 0);
        done = true;
}

static bool same_names(const struct winevent *a, const struct winevent *b)
{
        for (size_t i = 0; i < a->nfields; i++)
                if (strcmp(a->fields[i].name, b->fields[i].name) != 0)
                        return false;
        return true;
}

static void same_event(const struct winevent *a, const struct winevent *b)
{
        fuzz_assert(strcmp(a->host, b->host) == 0);
        fuzz_assert(strcmp(a->channel, b->channel) == 0);
        fuzz_assert(strcmp(a->provider, b->provider) == 0);
        fuzz_assert(a->event_id == b->event_id);
        fuzz_assert(a->has_record_id == b->has_record_id);
        fuzz_assert(!a->has_record_id || a->record_id == b->record_id);
        fuzz_assert(a->time_us == b->time_us && a->recv_us == b->recv_us);
        fuzz_assert(a->dialect == b->dialect);
        if (a->nfields != b->nfields || !same_names(a, b)) {
                /* say what differs before failing: the field lists */
                for (size_t i = 0; i < a->nfields || i < b->nfields; i++)
                        fprintf(stderr, "field %zu: fast \"%s\", json-c \"%s\"\n", i,
                                i < a->nfields ? a->fields[i].name : "-", i < b->nfields ? b->fields[i].name : "-");
        }
        fuzz_assert(a->nfields == b->nfields);
        for (size_t i = 0; i < a->nfields; i++) {
                const struct winevent_field *x = &a->fields[i], *y = &b->fields[i];

                fuzz_assert(strcmp(x->name, y->name) == 0);
                fuzz_assert(x->len == y->len && memcmp(x->value, y->value, x->len) == 0);
                fuzz_assert(x->value[x->len] == '\0');
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct decode_ctx ctx = {
                .zone = &utc,
                .recv_us = INT64_C(1795342272) * 1000000,
                .fallback_host = "relay-host",
                .fallback_host_len = 10,
        };
        enum reject_reason why_f = _REJ_INVALID, why_s = _REJ_INVALID;
        char det_f[160], det_s[160];
        char *buf;
        int rf, rs;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        fuzz_init();
        buf = fuzz_dup(data, size);
        rs = decode_event(slow, buf, size, &ctx, &ev_slow, &why_s, det_s, sizeof(det_s));
        /* twice: the second time the fast path guesses every key it has
         * seen follow the one before (its names interned by then) */
        for (int pass = 0; pass < 2; pass++) {
                rf = decode_event(fast, buf, size, &ctx, &ev_fast, &why_f, det_f, sizeof(det_f));
                fuzz_assert(rf == rs);
                fuzz_assert(why_f == why_s);
                fuzz_assert(strcmp(det_f, det_s) == 0);
                fuzz_assert(decoder_repairs(fast) == decoder_repairs(slow));
                if (rf == 0)
                        same_event(&ev_fast, &ev_slow);
        }
        free(buf);
        return 0;
}
