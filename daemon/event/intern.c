/* Interned field names: a bounded open-addressing hash set.
 *
 * The strings live in large chunks that are never freed before
 * intern_reset(), so an interned pointer stays valid for the life of the
 * process.  Each string is preceded in its chunk by its id (4 bytes,
 * aligned): intern_id() reads it back without a lookup, which is how a
 * struct winevent indexes its fields.  The table holds at most
 * INTERN_MAX_NAMES names: past that, intern() returns NULL and the caller
 * keeps a private copy.
 *
 * Not thread-safe: spoord decodes on its single event-loop thread. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/intern.h"

#define INTERN_CHUNK_SIZE (64 * 1024)
#define INTERN_MIN_SLOTS 1024

struct intern_chunk {
        struct intern_chunk *next;
        size_t used;
        char data[INTERN_CHUNK_SIZE];
};

struct intern_slot {
        const char *s;
        uint32_t hash;
        uint32_t len;
};

static struct intern_slot *intern_slots;
static size_t intern_nslots;            /* power of two, or 0 */
static size_t intern_n;
static struct intern_chunk *intern_chunks;

/* Reads of 8 bytes at a time (the last read overlapping), multiplied and
 * folded (names are short: 10 to 30 bytes); *has_nul: whether s holds a
 * NUL byte, found on the way ((w - 0x01..) & ~w & 0x80.. is nonzero
 * exactly when a byte of w is zero, in either byte order).
 * Any hash would do for correctness: slots compare length and bytes. */
static uint32_t intern_hash(const char *s, size_t len, bool *has_nul)
{
        const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
        uint64_t h = len * k, w, nul = 0;
        size_t i = 0;

        for (; i + 8 <= len; i += 8) {
                memcpy(&w, s + i, 8);
                nul |= (w - ones) & ~w & highs;
                h = (h ^ w) * k;
                h ^= h >> 32;
        }
        if (i < len && len >= 8) {
                /* the last 8 bytes, overlapping what was read */
                memcpy(&w, s + len - 8, 8);
                nul |= (w - ones) & ~w & highs;
                h = (h ^ w) * k;
                h ^= h >> 32;
        } else if (i < len) {
                w = 0;
                for (size_t b = 0; b < len; b++) {
                        nul |= s[b] == '\0';
                        w = w << 8 | (unsigned char)s[b];
                }
                h = (h ^ w) * k;
                h ^= h >> 32;
        }
        *has_nul = nul != 0;
        h *= k;
        return (uint32_t)(h >> 32);
}

static int intern_grow(void)
{
        size_t nslots = intern_nslots ? intern_nslots * 2 : INTERN_MIN_SLOTS;
        struct intern_slot *slots = calloc(nslots, sizeof(*slots));

        if (!slots)
                return -1;
        for (size_t i = 0; i < intern_nslots; i++) {
                struct intern_slot *o = &intern_slots[i];

                if (!o->s)
                        continue;
                size_t j = o->hash & (nslots - 1);
                while (slots[j].s)
                        j = (j + 1) & (nslots - 1);
                slots[j] = *o;
        }
        free(intern_slots);
        intern_slots = slots;
        intern_nslots = nslots;
        return 0;
}

/* [uint32_t id][bytes][NUL], the id 4-byte aligned; returns the bytes. */
static const char *intern_store(const char *s, size_t len, uint32_t id)
{
        struct intern_chunk *c = intern_chunks;
        size_t need = sizeof(id) + len + 1;

        if (c)
                c->used = (c->used + sizeof(id) - 1) & ~(sizeof(id) - 1);
        if (!c || INTERN_CHUNK_SIZE - c->used < need) {
                c = malloc(sizeof(*c));
                if (!c)
                        return NULL;
                c->next = intern_chunks;
                c->used = 0;
                intern_chunks = c;
        }
        char *p = c->data + c->used + sizeof(id);
        memcpy(p - sizeof(id), &id, sizeof(id));
        memcpy(p, s, len);
        p[len] = '\0';
        c->used += need;
        return p;
}

/* The interned copy of s, or NULL when there is none. */
static const char *intern_lookup(const char *s, size_t len, uint32_t h)
{
        if (!intern_nslots)
                return NULL;
        size_t mask = intern_nslots - 1;
        for (size_t i = h & mask; intern_slots[i].s; i = (i + 1) & mask) {
                const struct intern_slot *sl = &intern_slots[i];
                if (sl->hash == h && sl->len == len && memcmp(sl->s, s, len) == 0)
                        return sl->s;
        }
        return NULL;
}

/* A name intern() can never take (too long, holds a NUL): false.  Else
 * true with its hash in *h. */
static bool intern_hashable(const char *s, size_t len, uint32_t *h)
{
        bool has_nul;

        if (len > INTERN_MAX_LEN)
                return false;
        *h = intern_hash(s, len, &has_nul);
        return !has_nul;
}

const char *intern_find(const char *s, size_t len)
{
        uint32_t h;

        return intern_hashable(s, len, &h) ? intern_lookup(s, len, h) : NULL;
}

uint32_t intern_id(const char *interned)
{
        uint32_t id;

        memcpy(&id, interned - sizeof(id), sizeof(id));
        return id;
}

const char *intern(const char *s, size_t len)
{
        uint32_t h;

        if (!intern_hashable(s, len, &h))
                return NULL;
        const char *found = intern_lookup(s, len, h);

        if (found)
                return found;

        if (intern_n >= INTERN_MAX_NAMES)
                return NULL;
        /* keep the load factor at or below 1/2 */
        if ((intern_n + 1) * 2 > intern_nslots && intern_grow() < 0)
                return NULL;

        const char *copy = intern_store(s, len, (uint32_t)intern_n);
        if (!copy)
                return NULL;

        size_t mask = intern_nslots - 1;
        size_t i = h & mask;
        while (intern_slots[i].s)
                i = (i + 1) & mask;
        intern_slots[i] = (struct intern_slot){ .s = copy, .hash = h, .len = (uint32_t)len };
        intern_n++;
        return copy;
}

size_t intern_count(void)
{
        return intern_n;
}

void intern_reset(void)
{
        while (intern_chunks) {
                struct intern_chunk *next = intern_chunks->next;
                free(intern_chunks);
                intern_chunks = next;
        }
        free(intern_slots);
        intern_slots = NULL;
        intern_nslots = 0;
        intern_n = 0;
}
