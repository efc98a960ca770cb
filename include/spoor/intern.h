/* Interned field names: one copy of "CommandLine" for the whole process.
 * The table is bounded (INTERN_MAX_NAMES); past the bound intern() returns
 * NULL and callers keep a private copy, so hostile input cannot grow it
 * without limit. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define INTERN_MAX_NAMES 65536
#define INTERN_MAX_LEN 255

const char *intern(const char *s, size_t len);   /* NULL when full or too long */
/* The interned copy of s when s has been interned, else NULL; never adds
 * a name (for lookups by name: a name that was never interned cannot be
 * the name of an interned field). */
const char *intern_find(const char *s, size_t len);
/* The id of a pointer returned by intern(): 0 .. intern_count() - 1, in
 * the order the names were first interned, stable until intern_reset().
 * Only for pointers intern() returned (it reads the bytes before them). */
static inline uint32_t intern_id(const char *interned)
{
        uint32_t id;

        /* intern.c stores it just before the bytes (inline: every field
         * lookup by name asks for it) */
        memcpy(&id, interned - sizeof(id), sizeof(id));
        return id;
}
size_t intern_count(void);
void intern_reset(void);                          /* frees everything (tests, exit) */
/* Changes with every intern_reset(): a cache of interned pointers kept
 * across calls compares it to know whether its pointers are still valid. */
uint32_t intern_epoch(void);
/* intern() of a string that lives as long as the process (a literal),
 * remembered per thread by its address until intern_reset(): for code
 * that names fields by literal on the per-event path, where hashing the
 * name each time cost more than the rest.  NULL when intern() cannot take
 * it. */
const char *intern_literal(const char *s);
