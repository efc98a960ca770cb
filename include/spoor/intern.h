/* Interned field names: one copy of "CommandLine" for the whole process.
 * The table is bounded (INTERN_MAX_NAMES); past the bound intern() returns
 * NULL and callers keep a private copy, so hostile input cannot grow it
 * without limit. */
#pragma once
#include <stddef.h>

#define INTERN_MAX_NAMES 65536
#define INTERN_MAX_LEN 255

const char *intern(const char *s, size_t len);   /* NULL when full or too long */
size_t intern_count(void);
void intern_reset(void);                          /* frees everything (tests, exit) */
