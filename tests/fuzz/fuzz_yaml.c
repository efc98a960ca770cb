/* yaml.c: a YAML buffer → json-c documents (aliases, anchors, tags, the
 * node budget and depth bound).  Checked: success gives an array of
 * documents whose nodes carry marks; failure leaves *docs alone and fills
 * the error message. */
#include <json-c/json.h>

#include "fuzz.h"
#include "spoor/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct json_object *docs = NULL;
        struct yaml_error err;
        char *buf;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        buf = fuzz_dup(data, size);
        r = yaml_load_buffer("fuzz.yml", buf, size, &docs, &err);
        if (r < 0) {
                fuzz_assert(docs == NULL);
                fuzz_assert(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
                fuzz_assert(err.msg[0] != '\0');
        } else {
                size_t n;

                fuzz_assert(r == 0);
                fuzz_assert(docs != NULL && json_object_is_type(docs, json_type_array));
                n = json_object_array_length(docs);
                for (size_t i = 0; i < n; i++) {
                        struct json_object *d = json_object_array_get_idx(docs, i);
                        unsigned line = 0, column = 0;
                        char mark[300];

                        /* A null document is a NULL json_object: no mark. */
                        if (d)
                                fuzz_assert(yaml_node_mark(d, &line, &column) == 0 && line >= 1);
                        yaml_format_mark(mark, sizeof(mark), "fuzz.yml", d);
                }
                json_object_put(docs);
        }
        free(buf);
        return 0;
}
