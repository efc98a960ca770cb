/* struct winevent: an arena of never-moving blocks plus a field array.
 *
 * Strings handed out by winevent_strndup() are never moved, so field values
 * stay valid while more fields are added.  winevent_reset() keeps the first
 * block (and the field array) and frees the rest; when an event needed more
 * than the first block, the first block is replaced by one big enough for
 * it (up to EVENT_ARENA_KEEP_MAX), so a stream of large events settles at
 * zero allocations per event too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/winevent.h"
#include "spoor/intern.h"

#define EVENT_ARENA_FIRST (16 * 1024)           /* first block */
#define EVENT_ARENA_KEEP_MAX (1024 * 1024)      /* largest block kept by winevent_reset */
#define EVENT_FIELDS_MIN 32

struct winevent_arena_block {
        struct winevent_arena_block *next;         /* older block */
        size_t size;                            /* bytes in data[] */
        size_t used;
        char data[];
};

void winevent_init(struct winevent *ev)
{
        memset(ev, 0, sizeof(*ev));
        ev->channel = "";
        ev->provider = "";
        ev->dialect = _DIALECT_INVALID;
        ev->stamp = 1;
}

static struct winevent_arena_block *event_block_new(size_t size)
{
        struct winevent_arena_block *b = malloc(sizeof(*b) + size);

        if (!b)
                return NULL;
        b->next = NULL;
        b->size = size;
        b->used = 0;
        return b;
}

/* The first (oldest) block is at the end of the list: ev->arena points at
 * the newest block, where allocation happens. */
void winevent_reset(struct winevent *ev)
{
        struct winevent_arena_block *b = ev->arena, *first = NULL;
        size_t total = 0;

        while (b) {
                struct winevent_arena_block *next = b->next;
                total += b->used;
                if (next)
                        free(b);
                else
                        first = b;
                b = next;
        }
        if (first && total > first->size && first->size < EVENT_ARENA_KEEP_MAX) {
                size_t want = first->size;
                while (want < total && want < EVENT_ARENA_KEEP_MAX)
                        want *= 2;
                struct winevent_arena_block *bigger = event_block_new(want);
                if (bigger) {
                        free(first);
                        first = bigger;
                }
        }
        if (first)
                first->used = 0;
        ev->arena = first;

        ev->time_us = 0;
        ev->recv_us = 0;
        ev->host[0] = '\0';
        ev->channel = "";
        ev->provider = "";
        ev->event_id = 0;
        ev->record_id = 0;
        ev->has_record_id = false;
        ev->dialect = _DIALECT_INVALID;
        ev->nfields = 0;
        ev->nprivate = 0;
        ev->prep = NULL;
        if (++ev->stamp == 0) {         /* wrapped: forget every old stamp */
                memset(ev->slots, 0, ev->nslots * sizeof(*ev->slots));
                ev->stamp = 1;
        }
}

void winevent_free(struct winevent *ev)
{
        struct winevent_arena_block *b = ev->arena;

        while (b) {
                struct winevent_arena_block *next = b->next;
                free(b);
                b = next;
        }
        free(ev->fields);
        free(ev->slots);
        winevent_init(ev);
}

size_t winevent_memory(const struct winevent *ev)
{
        size_t n = ev->fields_cap * sizeof(*ev->fields) + ev->nslots * sizeof(*ev->slots);

        for (const struct winevent_arena_block *b = ev->arena; b; b = b->next)
                n += b->size;
        return n;
}

static void *event_alloc(struct winevent *ev, size_t n)
{
        struct winevent_arena_block *b = ev->arena;

        if (!b || b->size - b->used < n) {
                size_t size = b ? b->size * 2 : EVENT_ARENA_FIRST;
                if (size > EVENT_ARENA_KEEP_MAX)
                        size = EVENT_ARENA_KEEP_MAX;
                if (size < n)
                        size = n;
                struct winevent_arena_block *nb = event_block_new(size);
                if (!nb)
                        return NULL;
                nb->next = b;
                ev->arena = nb;
                b = nb;
        }
        void *p = b->data + b->used;
        b->used += n;
        return p;
}

/* winevent_strndup(), inline for event_set(): a call per field cost more
 * than the copy of most values. */
static inline char *event_strndup(struct winevent *ev, const char *s, size_t len)
{
        if (len == SIZE_MAX)
                return NULL;
        char *p = event_alloc(ev, len + 1);
        if (!p)
                return NULL;
        if (len)
                memcpy(p, s, len);
        p[len] = '\0';
        return p;
}

char *winevent_strndup(struct winevent *ev, const char *s, size_t len)
{
        return event_strndup(ev, s, len);
}

#define EVENT_INDEX_MIN 128       /* slots: 1.5 KiB, for up to 64 named fields */

static inline uint32_t event_slot_home(uint32_t id, size_t nslots)
{
        return (uint32_t)((id * UINT32_C(0x9e3779b1)) >> 7) & (uint32_t)(nslots - 1);
}

/* The slot holding id, else the free slot that ends its probe sequence
 * (ev->nslots > 0). */
static inline uint32_t event_slot_probe(const struct winevent *ev, uint32_t id)
{
        uint32_t mask = (uint32_t)ev->nslots - 1, i = event_slot_home(id, ev->nslots);

        while (ev->slots[i].stamp == ev->stamp && ev->slots[i].id != id)
                i = (i + 1) & mask;
        return i;
}

/* The slot of an interned name, or NULL when the field is absent. */
static inline const struct winevent_slot *event_slot(const struct winevent *ev, const char *name)
{
        uint32_t id = intern_id(name);

        if (!ev->nslots)
                return NULL;
        for (uint32_t i = event_slot_home(id, ev->nslots);; i = (i + 1) & (uint32_t)(ev->nslots - 1)) {
                const struct winevent_slot *sl = &ev->slots[i];
                if (sl->stamp != ev->stamp)
                        return NULL;
                if (sl->id == id)
                        return sl;
        }
}

/* Names are interned whenever intern() can take them, and intern() fails
 * (table full, name too long) for a name forever once it has failed for
 * it: so an interned name equals another name exactly when the pointers
 * are equal (found through the index, event_set_interned()), and only a
 * private copy needs strcmp. */
static struct winevent_field *event_find_private(const struct winevent *ev, const char *name)
{
        for (size_t i = 0; i < ev->nfields; i++) {
                struct winevent_field *f = &ev->fields[i];
                if (strcmp(f->name, name) == 0)
                        return f;
        }
        return NULL;
}

/* Index fields[idx] (an interned name, not in the index yet). */
static void event_slot_put(struct winevent *ev, uint32_t id, uint32_t idx)
{
        uint32_t i = event_slot_home(id, ev->nslots);

        while (ev->slots[i].stamp == ev->stamp)
                i = (i + 1) & (uint32_t)(ev->nslots - 1);
        ev->slots[i] = (struct winevent_slot){ .stamp = ev->stamp, .id = id, .idx = idx };
}

/* Room in the index for one more name (at most half full).  0 or -ENOMEM. */
static int event_slots_reserve(struct winevent *ev)
{
        size_t used = ev->nfields - ev->nprivate;

        if ((used + 1) * 2 <= ev->nslots)
                return 0;
        size_t n = ev->nslots ? ev->nslots * 2 : EVENT_INDEX_MIN;
        struct winevent_slot *s = calloc(n, sizeof(*s));
        if (!s)
                return -ENOMEM;
        free(ev->slots);
        ev->slots = s;
        ev->nslots = n;
        /* stamps start at 1: a zeroed slot is free; re-index what there is
         * (the interned names: intern() gave them, a private copy is
         * another pointer; rare, the field array stays 32 bytes a field) */
        for (size_t k = 0; k < ev->nfields; k++) {
                const char *nm = ev->fields[k].name;
                if (intern_find(nm, strlen(nm)) == nm)
                        event_slot_put(ev, intern_id(nm), (uint32_t)k);
        }
        return 0;
}

/* Room for one more field.  0 or -ENOMEM. */
static int event_fields_reserve(struct winevent *ev)
{
        if (ev->nfields < ev->fields_cap)
                return 0;
        size_t cap = ev->fields_cap ? ev->fields_cap * 2 : EVENT_FIELDS_MIN;
        struct winevent_field *nf = realloc(ev->fields, cap * sizeof(*nf));
        if (!nf)
                return -ENOMEM;
        ev->fields = nf;
        ev->fields_cap = cap;
        return 0;
}

static void event_field_replace(struct winevent_field *f, const char *v, size_t len)
{
        f->value = v;
        f->len = len;
        f->lower = NULL;
}

/* Set the field of the interned name n to v, a string of the event's own
 * memory: one probe of the index finds either its slot or where its slot
 * goes. */
static int event_put_interned(struct winevent *ev, const char *n, const char *v, size_t value_len)
{
        uint32_t id = intern_id(n), at = UINT32_MAX;
        size_t nslots = ev->nslots;

        if (nslots) {
                at = event_slot_probe(ev, id);
                const struct winevent_slot *sl = &ev->slots[at];
                if (sl->stamp == ev->stamp) {
                        /* the name check guards against a stale slot (intern_reset) */
                        if (ev->fields[sl->idx].name == n) {
                                event_field_replace(&ev->fields[sl->idx], v, value_len);
                                return 0;
                        }
                        at = UINT32_MAX;
                }
        }
        if (event_slots_reserve(ev) < 0 || event_fields_reserve(ev) < 0)
                return -ENOMEM;
        if (at == UINT32_MAX || ev->nslots != nslots)
                event_slot_put(ev, id, (uint32_t)ev->nfields);
        else
                ev->slots[at] = (struct winevent_slot){ .stamp = ev->stamp, .id = id, .idx = (uint32_t)ev->nfields };
        ev->fields[ev->nfields++] = (struct winevent_field){ .name = n, .value = v, .len = value_len,
                                                              .lower = NULL };
        return 0;
}

static int event_set_interned(struct winevent *ev, const char *n, const char *value, size_t value_len)
{
        char *v = event_strndup(ev, value, value_len);

        return v ? event_put_interned(ev, n, v, value_len) : -ENOMEM;
}

/* Set the field of a name intern() cannot take (n: its arena copy). */
static int event_set_private(struct winevent *ev, const char *n, const char *value, size_t value_len)
{
        char *v = event_strndup(ev, value, value_len);
        if (!v)
                return -ENOMEM;

        struct winevent_field *f = event_find_private(ev, n);
        if (f) {
                event_field_replace(f, v, value_len);
                return 0;
        }
        if (event_fields_reserve(ev) < 0)
                return -ENOMEM;
        ev->nprivate++;
        ev->fields[ev->nfields++] = (struct winevent_field){ .name = n, .value = v, .len = value_len,
                                                              .lower = NULL };
        return 0;
}

int winevent_set_field(struct winevent *ev, const char *name, size_t name_len,
                    const char *value, size_t value_len)
{
        const char *n = intern(name, name_len);

        if (n)
                return event_set_interned(ev, n, value, value_len);
        /* a transient failure would break event_find_private()'s rule */
        if (name_len <= INTERN_MAX_LEN && !memchr(name, '\0', name_len) && intern_count() < INTERN_MAX_NAMES)
                return -ENOMEM;
        n = event_strndup(ev, name, name_len);
        if (!n)
                return -ENOMEM;
        return event_set_private(ev, n, value, value_len);
}

int winevent_set_field_interned(struct winevent *ev, const char *name, const char *value, size_t value_len)
{
        return event_set_interned(ev, name, value, value_len);
}

int winevent_set_field_interned_own(struct winevent *ev, const char *name, const char *value, size_t value_len)
{
        return event_put_interned(ev, name, value, value_len);
}

const struct winevent_field *winevent_get(const struct winevent *ev, const char *name)
{
        size_t len = strlen(name);
        const char *key = intern_find(name, len);

        /* an interned name never has a private copy (see event_find_private) */
        if (key)
                return winevent_get_interned(ev, key);
        if (!ev->nprivate)
                return NULL;
        for (size_t i = 0; i < ev->nfields; i++)
                if (strcmp(ev->fields[i].name, name) == 0)
                        return &ev->fields[i];
        return NULL;
}

const struct winevent_field *winevent_get_interned(const struct winevent *ev, const char *name)
{
        const struct winevent_slot *sl = event_slot(ev, name);

        return sl && ev->fields[sl->idx].name == name ? &ev->fields[sl->idx] : NULL;
}

/* 0x80 in each byte of w that is an ASCII upper-case letter, 0 in the
 * others: adding 0x80 - 'A' to a byte < 0x80 sets its high bit from 'A'
 * up, adding 0x80 - ('Z' + 1) from 'Z' + 1 up (no carries: both sums stay
 * below 0x100); bytes >= 0x80 are masked out.  Exact for every byte, so
 * w | upper >> 2 folds the eight at once. */
static inline uint64_t event_upper8(uint64_t w)
{
        const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
        uint64_t x = w & ~high;

        return (x + ones * (0x80 - 'A')) & ~(x + ones * (0x80 - 'Z' - 1)) & ~w & high;
}

const char *winevent_field_lower(const struct winevent *ev, const struct winevent_field *f)
{
        if (f->lower)
                return f->lower;

        const unsigned char *v = (const unsigned char *)f->value;
        size_t i = 0;
        uint64_t w;

        for (; i + 8 <= f->len; i += 8) {
                memcpy(&w, v + i, 8);
                if (event_upper8(w))
                        break;
        }
        while (i < f->len && !(v[i] >= 'A' && v[i] <= 'Z'))
                i++;
        /* The cache is not part of the event's observable state: casting
         * away const is sound, every struct winevent is a mutable object. */
        struct winevent_field *mf = (struct winevent_field *)f;
        if (i == f->len) {
                mf->lower = f->value;
                return f->lower;
        }
        unsigned char *l = event_alloc((struct winevent *)ev, f->len + 1);
        if (!l)
                return NULL;
        memcpy(l, v, i);
        for (; i + 8 <= f->len; i += 8) {
                memcpy(&w, v + i, 8);
                w |= event_upper8(w) >> 2;
                memcpy(l + i, &w, 8);
        }
        for (; i < f->len; i++)
                l[i] = v[i] >= 'A' && v[i] <= 'Z' ? (unsigned char)(v[i] + 32) : v[i];
        l[f->len] = '\0';
        mf->lower = (const char *)l;
        return f->lower;
}
