/* The one host-name canonicaliser (host.h).
 *
 * "Trim ASCII space" means the space character 0x20 only: a tab, CR or LF
 * in a host name is a control character and rejects it, because it points
 * at a broken or hostile sender rather than at padding. */
#include <errno.h>
#include <string.h>

#include "spoor/host.h"

static bool host_char_ok(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '$';
}

int host_canonicalise(const char *in, size_t len, char out[EVENT_HOST_MAX + 1],
                      enum reject_reason *why)
{
        size_t start = 0, end = len;

        out[0] = '\0';
        if (!in)
                goto bad;
        while (start < end && in[start] == ' ')
                start++;
        while (end > start && in[end - 1] == ' ')
                end--;
        if (end > start && in[end - 1] == '.')
                end--;
        /* "host.." is "..", not "host." with a dot dropped */
        if (end == start || in[end - 1] == '.' || end - start > EVENT_HOST_MAX || in[start] == '.')
                goto bad;

        size_t n = 0;
        for (size_t i = start; i < end; i++) {
                unsigned char c = (unsigned char)in[i];
                if (!host_char_ok(c))
                        goto bad;
                if (c == '.' && i > start && in[i - 1] == '.')
                        goto bad;
                out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
        }
        out[n] = '\0';
        return 0;

bad:
        out[0] = '\0';
        if (why)
                *why = REJ_BAD_HOST;
        return -EINVAL;
}
