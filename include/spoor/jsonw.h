/* A JSON text written as it is produced (daemon/output/jsonw.c): to a
 * file descriptor through a fixed buffer, or into a growing buffer in
 * memory.  The coverage reports (coverage/report.c) use it so that no
 * document of the whole fleet is ever held as a json-c tree; the lead
 * records (output/record.c) so that a lead costs one buffer, not a tree.
 *
 * The text is byte for byte what json_object_to_json_string_ext(...,
 * JSON_C_TO_STRING_PLAIN) gives for the same values (json-c 0.16), or with
 * JSON_C_TO_STRING_NOSLASHESCAPE too when the writer has
 * JSONW_NOSLASHESCAPE: strings escaped as json-c escapes them ('/'
 * included unless JSONW_NOSLASHESCAPE), integers as %PRId64 / %PRIu64,
 * doubles formatted by json-c itself.  The caller writes the punctuation
 * ('{', ':', ',') with jsonw_lit.
 *
 * Errors are sticky: after the first failure (-errno of write(2), or
 * -ENOMEM) every call does nothing and jsonw_finish() returns it. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Flags of a writer. */
#define JSONW_NOSLASHESCAPE 1u  /* '/' as it is (JSON_C_TO_STRING_NOSLASHESCAPE) */

struct jsonw {
        int fd;                 /* -1: the text stays in buf */
        char *buf;
        size_t len, cap;
        uint64_t written;       /* bytes handed to fd so far */
        int err;
        unsigned flags;         /* JSONW_* */
};

/* 0 or -ENOMEM (the buffer). */
int jsonw_init_fd(struct jsonw *w, int fd);
void jsonw_init_mem(struct jsonw *w);
/* In memory, with room for `cap` bytes reserved now (0: none) and `flags`.
 * 0 or -ENOMEM (then sticky, as any error). */
int jsonw_init_mem_ext(struct jsonw *w, size_t cap, unsigned flags);
/* Write out what is buffered (fd); 0 or the first error. */
int jsonw_finish(struct jsonw *w);
void jsonw_fini(struct jsonw *w);
/* A memory writer's text, NUL-terminated, handed to the caller (who frees
 * it; *len without the NUL); the writer is left empty.  NULL after an
 * error (the writer keeps it) or on -ENOMEM. */
char *jsonw_take(struct jsonw *w, size_t *len);

void jsonw_raw_slow(struct jsonw *w, const char *s, size_t n);

/* Append n bytes as they are.  Inline: most pieces of a record are a
 * few bytes and fit the buffer. */
static inline void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
        if (n && n <= w->cap - w->len && !w->err) {
                memcpy(w->buf + w->len, s, n);
                w->len += n;
        } else {
                jsonw_raw_slow(w, s, n);
        }
}

#define jsonw_lit(w, s) jsonw_raw((w), "" s, sizeof(s) - 1)
/* A string, quoted and escaped. */
void jsonw_str(struct jsonw *w, const char *s);
/* n bytes of s (NUL bytes included, as \u0000), quoted and escaped. */
void jsonw_str_len(struct jsonw *w, const char *s, size_t n);
/* An object key: the quoted string and ':' (with a ',' before it unless
 * first). */
void jsonw_key(struct jsonw *w, const char *k, int first);
void jsonw_i64(struct jsonw *w, int64_t v);
void jsonw_u64(struct jsonw *w, uint64_t v);
/* A number: an integer when v is integral, else json-c's double text. */
void jsonw_num(struct jsonw *w, double v);
/* A time as a quoted timefmt string. */
void jsonw_time(struct jsonw *w, int64_t us);
