/* Scope-bound cleanup, after systemd's _cleanup_ helpers. */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* json_object_put() returns int, so it needs a wrapper.  Only for owned
 * references: never put a borrowed json-c pointer in a cleanup variable. */
struct json_object;
int json_object_put(struct json_object *obj);
static inline void json_putp(struct json_object **o) { if (*o) json_object_put(*o); }
#define _cleanup_json_ _cleanup_(json_putp)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
#define TAKE_FD(fd) ({ int _tf = (fd); (fd) = -1; _tf; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
