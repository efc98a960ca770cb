/* Interned field names: a bounded open-addressing hash set.
 *
 * The strings live in large chunks that are never freed before
 * intern_reset(), so an interned pointer stays valid for the life of the
 * process.  The table holds at most INTERN_MAX_NAMES names: past that,
 * intern() returns NULL and the caller keeps a private copy.
 *
 * Not thread-safe: spoord decodes on its single event-loop thread. */
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

/* FNV-1a, 32 bit: names are short, this is fast and good enough. */
static uint32_t intern_hash(const char *s, size_t len)
{
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char)s[i];
                h *= 16777619u;
        }
        return h;
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

static const char *intern_store(const char *s, size_t len)
{
        struct intern_chunk *c = intern_chunks;

        if (!c || INTERN_CHUNK_SIZE - c->used < len + 1) {
                c = malloc(sizeof(*c));
                if (!c)
                        return NULL;
                c->next = intern_chunks;
                c->used = 0;
                intern_chunks = c;
        }
        char *p = c->data + c->used;
        memcpy(p, s, len);
        p[len] = '\0';
        c->used += len + 1;
        return p;
}

const char *intern(const char *s, size_t len)
{
        if (len > INTERN_MAX_LEN || memchr(s, '\0', len))
                return NULL;

        uint32_t h = intern_hash(s, len);

        if (intern_nslots) {
                size_t mask = intern_nslots - 1;
                for (size_t i = h & mask; intern_slots[i].s; i = (i + 1) & mask) {
                        const struct intern_slot *sl = &intern_slots[i];
                        if (sl->hash == h && sl->len == len && memcmp(sl->s, s, len) == 0)
                                return sl->s;
                }
        }

        if (intern_n >= INTERN_MAX_NAMES)
                return NULL;
        /* keep the load factor at or below 1/2 */
        if ((intern_n + 1) * 2 > intern_nslots && intern_grow() < 0)
                return NULL;

        const char *copy = intern_store(s, len);
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
