/* config.c: a YAML file → struct config (schema, bounds, units, addresses,
 * time zones).  The input is written to a memfd and loaded through
 * /proc/self/fd/N, so no file is left behind.  Checked: success gives a
 * config within the documented bounds; failure gives no config and an
 * error message. */
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "spoor/config.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct config *c = NULL;
        struct config_error err;
        const char *path;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        path = fuzz_file("fuzz_config.yml", data, size);

        memset(&err, 0, sizeof(err));
        r = config_load(path, &c, &err);
        if (r < 0) {
                fuzz_assert(c == NULL);
                fuzz_assert(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
                fuzz_assert(err.msg[0] != '\0');
        } else {
                fuzz_assert(r == 0 && c != NULL);
                fuzz_assert(c->nlisten <= CONFIG_MAX_LISTEN);
                fuzz_assert(c->nrules <= CONFIG_MAX_RULE_PATHS);
                for (size_t i = 0; i < c->nlisten; i++) {
                        fuzz_assert(c->listen[i].address != NULL);
                        fuzz_assert(c->listen[i].framing >= 0 && c->listen[i].framing < _FRAMING_MODE_MAX);
                }
                for (size_t i = 0; i < c->nrules; i++)
                        fuzz_assert(c->rules[i] != NULL && c->rules[i][0] != '\0');
                fuzz_assert(c->limits.max_frame_bytes >= 1024 &&
                            c->limits.max_frame_bytes <= 16u * 1024 * 1024);
                fuzz_assert(c->limits.max_connections >= 1 && c->limits.max_connections <= 65536);
                fuzz_assert(c->limits.max_connections_per_peer >= 1 &&
                            c->limits.max_connections_per_peer <= 65536);
                fuzz_assert(c->limits.idle_timeout_s >= 1 && c->limits.idle_timeout_s <= 7 * 86400);
                fuzz_assert(c->limits.max_json_depth >= 4 && c->limits.max_json_depth <= 64);
                config_free(c);
        }
        return 0;
}
