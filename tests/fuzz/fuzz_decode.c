/* decode.c: one JSON payload → struct winevent (max depth 16, zone UTC).
 * Checked on success: host non-empty, canonical (no upper case, no control
 * characters) and NUL-terminated; event_id <= 65535; channel and provider
 * set, at least one of them non-empty; every field has a name and a value.
 * On failure: -EINVAL, a real reason, and a NUL-terminated detail. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "spoor/decode.h"

static struct decoder *dec;
static struct winevent ev;
static struct timefmt_zone utc;

static void fuzz_init(void)
{
        static bool done;

        if (done)
                return;
        dec = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        fuzz_assert(dec != NULL);
        winevent_init(&ev);
        fuzz_assert(timefmt_zone_init(&utc, "UTC") == 0);
        done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct decode_ctx ctx = {
                .zone = &utc,
                .recv_us = INT64_C(1795342272) * 1000000,     /* fixed: reproducible */
        };
        enum reject_reason why = _REJ_INVALID;
        char detail[160];
        char *buf;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        fuzz_init();
        buf = fuzz_dup(data, size);
        memset(detail, 'x', sizeof(detail));
        r = decode_event(dec, buf, size, &ctx, &ev, &why, detail, sizeof(detail));
        if (r < 0) {
                fuzz_assert(r == -EINVAL);
                fuzz_assert(why > REJ_NONE && why < _REJ_MAX);
                fuzz_assert(memchr(detail, '\0', sizeof(detail)) != NULL);
        } else {
                size_t hl;

                fuzz_assert(r == 0);
                fuzz_assert(memchr(ev.host, '\0', sizeof(ev.host)) != NULL);
                hl = strlen(ev.host);
                fuzz_assert(hl > 0);
                for (size_t i = 0; i < hl; i++) {
                        unsigned char c = (unsigned char)ev.host[i];

                        fuzz_assert(!(c >= 'A' && c <= 'Z'));
                        fuzz_assert(c >= 0x20 && c != 0x7f);
                }
                fuzz_assert(ev.event_id <= 65535);
                fuzz_assert(ev.channel != NULL);
                fuzz_assert(strlen(ev.channel) <= EVENT_IDENT_MAX);
                fuzz_assert(ev.provider != NULL);
                /* No channel is allowed only when the provider is named
                 * (decode.c: ETW / analytic logs). */
                fuzz_assert(ev.channel[0] != '\0' || ev.provider[0] != '\0');
                fuzz_assert(strlen(ev.provider) <= EVENT_IDENT_MAX);
                fuzz_assert(ev.dialect >= 0 && ev.dialect < _DIALECT_MAX);
                fuzz_assert(ev.nfields <= ev.fields_cap);
                for (size_t i = 0; i < ev.nfields; i++)
                        fuzz_assert(ev.fields[i].name != NULL && ev.fields[i].value != NULL);
        }
        free(buf);
        return 0;
}
