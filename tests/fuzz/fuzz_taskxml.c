/* taskxml.c: arbitrary bytes as a 4698 TaskContent value, raw and (when
 * the input does not already start with "&lt;") entity-escaped, with a
 * small depth cap so deep nesting is reached.  Checked: the result is 0 or
 * -EINVAL; on -EINVAL a real reason and a NUL-terminated text; on success
 * triggers is set, strings are NUL-terminated and trimmed, the parse
 * consumed no more than the input; parsing the escaped form of an input
 * gives the same result as the raw one; taskxml_enrich() on an event never
 * fails and leaves TaskParseError or TaskActions. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "spoor/taskxml.h"

static struct winevent ev;

static void fuzz_init(void)
{
        static bool done;

        if (done)
                return;
        winevent_init(&ev);
        done = true;
}

static void fuzz_check_text(const char *s)
{
        if (!s)
                return;
        size_t n = strlen(s);
        if (n == 0)
                return;
        fuzz_assert(s[0] != ' ' && s[0] != '\t' && s[0] != '\r' && s[0] != '\n');
        fuzz_assert(s[n - 1] != ' ' && s[n - 1] != '\t' && s[n - 1] != '\r' && s[n - 1] != '\n');
}

static int fuzz_parse(const char *buf, size_t size, struct taskxml *t)
{
        const struct taskxml_limits lim = { .max_bytes = 256 * 1024, .max_depth = 32 };
        int r = taskxml_parse(buf, size, &lim, t);

        if (r < 0) {
                fuzz_assert(r == -EINVAL);
                fuzz_assert(t->error >= 0 && t->error < _TASKXML_REJ_MAX);
                fuzz_assert(memchr(t->error_text, '\0', sizeof(t->error_text)) != NULL);
                fuzz_assert(t->error_text[0] != '\0');
        } else {
                fuzz_assert(t->error == _TASKXML_REJ_INVALID);
                fuzz_assert(t->triggers != NULL);
                fuzz_assert(t->parsed_bytes <= size);
                fuzz_check_text(t->author);
                fuzz_check_text(t->user_id);
                fuzz_check_text(t->command);
                fuzz_check_text(t->arguments);
                fuzz_check_text(t->com_handler);
                fuzz_assert(t->actions < size);
        }
        return r;
}

static bool fuzz_same(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The input with & < > " escaped, as NXLog pipelines deliver it. */
static char *fuzz_escape(const char *s, size_t n, size_t *out_len)
{
        char *o = malloc(n * 6 + 1);
        size_t k = 0;

        fuzz_assert(o != NULL);
        for (size_t i = 0; i < n; i++) {
                const char *e = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" :
                                s[i] == '"' ? "&quot;" : NULL;
                if (e) {
                        memcpy(o + k, e, strlen(e));
                        k += strlen(e);
                } else {
                        o[k++] = s[i];
                }
        }
        *out_len = k;
        return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct taskxml raw, esc;
        char *buf, *ebuf;
        size_t elen;
        int r1, r2;

        if (size > FUZZ_MAX_INPUT / 8)
                return 0;
        fuzz_init();
        buf = fuzz_dup(data, size);
        r1 = fuzz_parse(buf, size, &raw);

        /* escaped form of an input that starts with '<' after whitespace */
        size_t i = 0;
        while (i < size && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
                i++;
        if (i < size && buf[i] == '<') {
                ebuf = fuzz_escape(buf, size, &elen);
                r2 = fuzz_parse(ebuf, elen, &esc);
                if (r1 == 0 && elen <= 256 * 1024) {
                        fuzz_assert(r2 == 0);
                        fuzz_assert(fuzz_same(raw.command, esc.command));
                        fuzz_assert(fuzz_same(raw.arguments, esc.arguments));
                        fuzz_assert(fuzz_same(raw.user_id, esc.user_id));
                        fuzz_assert(fuzz_same(raw.triggers, esc.triggers));
                        fuzz_assert(raw.actions == esc.actions && raw.hidden == esc.hidden);
                }
                taskxml_release(&esc);
                free(ebuf);
        }
        taskxml_release(&raw);

        /* through an event */
        winevent_reset(&ev);
        ev.event_id = 4698;
        fuzz_assert(winevent_set_field(&ev, "TaskContent", 11, buf, size) == 0);
        fuzz_assert(taskxml_enrich(&ev, NULL) == 0);
        fuzz_assert((winevent_get(&ev, "TaskParseError") != NULL) != (winevent_get(&ev, "TaskActions") != NULL));
        free(buf);
        return 0;
}
