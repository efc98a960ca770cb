/* sigma_cond.c: a condition string over a fixed set of selection names.
 * Checked: a parsed condition only references known selections, formats,
 * and evaluates under every leaf assignment the input's bytes pick; a
 * failed parse leaves no tree and says why. */
#include <errno.h>

#include "fuzz.h"
#include "spoor/sigma_cond.h"

static const char *const names[] = { "sel", "sel_a", "sel_b", "selection", "filter", "filter_x", "_x", "keywords" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

struct leaf_ctx {
        unsigned seed;
        size_t calls;
};

static enum tri leaf(void *ud, size_t i)
{
        struct leaf_ctx *c = ud;

        fuzz_assert(i < NNAMES);
        c->calls++;
        return (enum tri)((c->seed >> ((i % 8) * 2)) % 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cond_node *n = NULL;
        char err[256] = "", buf[4096];
        size_t idx[NNAMES];
        char *text;
        int r;

        if (size > 4096)
                return 0;
        text = malloc(size + 1);
        fuzz_assert(text);
        memcpy(text, data, size);
        text[size] = '\0';
        r = cond_parse(text, names, NNAMES, &n, err, sizeof(err));
        if (r < 0) {
                fuzz_assert(r == -EINVAL || r == -ENOTSUP || r == -ENOMEM);
                fuzz_assert(err[0] != '\0');
                free(text);
                return 0;
        }
        fuzz_assert(n != NULL);
        size_t k = cond_selections(n, idx, NNAMES);
        fuzz_assert(k <= NNAMES);
        for (size_t i = 0; i < k; i++)
                fuzz_assert(idx[i] < NNAMES);
        cond_format(n, names, buf, sizeof(buf));
        fuzz_assert(memchr(buf, '\0', sizeof(buf)) != NULL);
        for (unsigned seed = 0; seed < 4; seed++) {
                struct leaf_ctx c = { .seed = seed * 0x9e3779b9u + (size ? data[0] : 0) };
                enum tri t = cond_eval(n, leaf, &c);
                fuzz_assert(t == TRI_YES || t == TRI_NO || t == TRI_UNKNOWN);
        }
        cond_free(n);
        free(text);
        return 0;
}
