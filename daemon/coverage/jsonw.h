/* A JSON text written as it is produced (daemon/coverage/jsonw.c): to a
 * file descriptor through a fixed buffer, or into a growing buffer in
 * memory.  The reports (report.c) use it so that no document of the whole
 * fleet is ever held as a json-c tree.
 *
 * The text is byte for byte what json_object_to_json_string_ext(...,
 * JSON_C_TO_STRING_PLAIN) gives for the same values (json-c 0.16): strings
 * escaped as json-c escapes them ('/' included), integers as %PRId64,
 * doubles formatted by json-c itself.  The caller writes the punctuation
 * ('{', ':', ',') with jsonw_lit.
 *
 * Errors are sticky: after the first failure (-errno of write(2), or
 * -ENOMEM) every call does nothing and jsonw_finish() returns it. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct jsonw {
        int fd;                 /* -1: the text stays in buf */
        char *buf;
        size_t len, cap;
        uint64_t written;       /* bytes handed to fd so far */
        int err;
};

/* 0 or -ENOMEM (the buffer). */
int jsonw_init_fd(struct jsonw *w, int fd);
void jsonw_init_mem(struct jsonw *w);
/* Write out what is buffered (fd); 0 or the first error. */
int jsonw_finish(struct jsonw *w);
void jsonw_fini(struct jsonw *w);

void jsonw_raw(struct jsonw *w, const char *s, size_t n);
#define jsonw_lit(w, s) jsonw_raw((w), "" s, sizeof(s) - 1)
/* A string, quoted and escaped. */
void jsonw_str(struct jsonw *w, const char *s);
/* An object key: the quoted string and ':' (with a ',' before it unless
 * first). */
void jsonw_key(struct jsonw *w, const char *k, int first);
void jsonw_i64(struct jsonw *w, int64_t v);
/* A number: an integer when v is integral, else json-c's double text. */
void jsonw_num(struct jsonw *w, double v);
/* A time as a quoted timefmt string. */
void jsonw_time(struct jsonw *w, int64_t us);
