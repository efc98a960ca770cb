/* event.c and intern.c: the arena, fields, interned names, dialect names. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/winevent.h"
#include "spoor/intern.h"

static void set(struct winevent *ev, const char *name, const char *value)
{
        ck_assert_int_eq(winevent_set_field(ev, name, strlen(name), value, strlen(value)), 0);
}

static void set_n(struct winevent *ev, const char *name, const char *value, size_t len)
{
        ck_assert_int_eq(winevent_set_field(ev, name, strlen(name), value, len), 0);
}

/* Arena strings never move: every pointer handed out stays valid and
 * keeps its content while the arena grows by many blocks. */
START_TEST(test_arena_pointers_stable)
{
        struct winevent ev;
        char *p[2000];
        char buf[64];

        winevent_init(&ev);
        for (int i = 0; i < 2000; i++) {
                int n = snprintf(buf, sizeof(buf), "value-%d-%0*d", i, i % 40, 0);
                p[i] = winevent_strndup(&ev, buf, (size_t)n);
                ck_assert_ptr_nonnull(p[i]);
        }
        /* a big one, larger than any block */
        size_t big_len = 3 * 1024 * 1024;
        _cleanup_free_ char *big = malloc(big_len);
        memset(big, 'x', big_len);
        char *b = winevent_strndup(&ev, big, big_len);
        ck_assert_ptr_nonnull(b);
        ck_assert(b[big_len] == '\0' && b[big_len - 1] == 'x');
        for (int i = 0; i < 2000; i++) {
                snprintf(buf, sizeof(buf), "value-%d-%0*d", i, i % 40, 0);
                ck_assert_str_eq(p[i], buf);
        }
        winevent_free(&ev);
}
END_TEST

START_TEST(test_arena_strndup_nul)
{
        struct winevent ev;

        winevent_init(&ev);
        char *s = winevent_strndup(&ev, "a\0b", 3);
        ck_assert_ptr_nonnull(s);
        ck_assert_mem_eq(s, "a\0b\0", 4);
        char *e = winevent_strndup(&ev, NULL, 0);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e, "");
        winevent_free(&ev);
}
END_TEST

/* winevent_reset keeps one block (grown to fit the largest event seen, so a
 * steady stream does not allocate) and forgets the content. */
START_TEST(test_reset_keeps_memory)
{
        struct winevent ev;
        char buf[200];

        winevent_init(&ev);
        memset(buf, 'v', sizeof(buf));
        for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 300; i++) {
                        char name[16];
                        int n = snprintf(name, sizeof(name), "F%d", i);
                        ck_assert_int_eq(winevent_set_field(&ev, name, (size_t)n, buf, sizeof(buf)), 0);
                }
                ck_assert_uint_eq(ev.nfields, 300);
                struct winevent_field *fields = ev.fields;
                struct winevent_arena_block *arena = ev.arena;
                ev.host[0] = 'h';
                ev.event_id = 4688;
                ev.has_record_id = true;
                winevent_reset(&ev);
                ck_assert_uint_eq(ev.nfields, 0);
                ck_assert_ptr_eq(ev.fields, fields);   /* field array kept */
                ck_assert_ptr_nonnull(ev.arena);
                if (round > 0)
                        ck_assert_ptr_eq(ev.arena, arena);  /* settled: one block, reused */
                ck_assert_str_eq(ev.host, "");
                ck_assert_str_eq(ev.channel, "");
                ck_assert_str_eq(ev.provider, "");
                ck_assert_uint_eq(ev.event_id, 0);
                ck_assert(!ev.has_record_id);
                ck_assert_ptr_null(winevent_get(&ev, "F1"));
        }
        winevent_free(&ev);
        ck_assert_ptr_null(ev.arena);
        ck_assert_ptr_null(ev.fields);
        winevent_free(&ev);        /* idempotent */
}
END_TEST

START_TEST(test_set_field_replaces)
{
        struct winevent ev;

        winevent_init(&ev);
        set(&ev, "EventID", "1");
        set(&ev, "CommandLine", "cmd /c whoami");
        const char *old = winevent_get(&ev, "CommandLine")->value;
        set(&ev, "EventID", "4688");
        ck_assert_uint_eq(ev.nfields, 2);
        ck_assert_str_eq(ev.fields[0].name, "EventID");        /* keeps its place */
        ck_assert_str_eq(ev.fields[0].value, "4688");
        ck_assert_uint_eq(ev.fields[0].len, 4);
        ck_assert_str_eq(old, "cmd /c whoami");                /* old values stay valid */
        winevent_free(&ev);
}
END_TEST

START_TEST(test_get_exact)
{
        struct winevent ev;

        winevent_init(&ev);
        set(&ev, "CommandLine", "a");
        set(&ev, "Commandline", "b");
        ck_assert_str_eq(winevent_get(&ev, "CommandLine")->value, "a");
        ck_assert_str_eq(winevent_get(&ev, "Commandline")->value, "b");
        ck_assert_ptr_null(winevent_get(&ev, "commandline"));
        ck_assert_ptr_null(winevent_get(&ev, "Command"));
        ck_assert_ptr_null(winevent_get(&ev, ""));
        ck_assert_int_eq(winevent_set_field(&ev, "V", 1, "x\0y", 3), 0);
        ck_assert_uint_eq(winevent_get(&ev, "V")->len, 3);
        ck_assert_mem_eq(winevent_get(&ev, "V")->value, "x\0y", 4);
        winevent_free(&ev);
}
END_TEST

START_TEST(test_names_interned)
{
        struct winevent a, b;

        winevent_init(&a);
        winevent_init(&b);
        set(&a, "TaskName", "x");
        set(&b, "TaskName", "y");
        ck_assert_ptr_eq(a.fields[0].name, b.fields[0].name);
        ck_assert_ptr_eq(a.fields[0].name, intern("TaskName", 8));
        winevent_free(&a);
        winevent_free(&b);
}
END_TEST

START_TEST(test_intern_basics)
{
        intern_reset();
        ck_assert_uint_eq(intern_count(), 0);
        const char *a = intern("CommandLine", 11);
        ck_assert_ptr_nonnull(a);
        ck_assert_str_eq(a, "CommandLine");
        ck_assert_ptr_eq(intern("CommandLineXYZ", 11), a);     /* by length */
        ck_assert_ptr_ne(intern("Commandline", 11), a);
        ck_assert_ptr_nonnull(intern("", 0));
        ck_assert_uint_eq(intern_count(), 3);

        char long_name[INTERN_MAX_LEN + 2];
        memset(long_name, 'n', sizeof(long_name));
        ck_assert_ptr_nonnull(intern(long_name, INTERN_MAX_LEN));
        ck_assert_ptr_null(intern(long_name, INTERN_MAX_LEN + 1));
        ck_assert_ptr_null(intern("a\0b", 3));
        intern_reset();
        ck_assert_uint_eq(intern_count(), 0);
}
END_TEST

/* winevent_field_lower() looks 8 bytes at a time for an upper-case
 * letter: every position, neighbours of 'A'..'Z' ('@', '[', '`', '{') and
 * bytes >= 0x80 (0xc1 = 0x41 | 0x80 is not a letter) around it. */
/* Two threads intern and look up at once (the decoding thread and the
 * pipeline's worker): every name gets one pointer and one id, whoever
 * added it, and a lookup never sees a half-added name. */
#define CI_NAMES 6000

struct ci_arg {
        int which;
        const char *got[CI_NAMES];
        bool bad_find;
};

static void ci_name(char *buf, size_t len, int i)
{
        snprintf(buf, len, "Field%05dName", i);
}

static void *ci_thread(void *p)
{
        struct ci_arg *a = p;
        char name[32];

        for (int k = 0; k < CI_NAMES; k++) {
                /* both threads take every name, in opposite orders */
                int i = a->which ? CI_NAMES - 1 - k : k;
                ci_name(name, sizeof(name), i);
                a->got[i] = intern(name, strlen(name));
                const char *f = intern_find(name, strlen(name));
                if (!a->got[i] || f != a->got[i] || strcmp(f, name) != 0)
                        a->bad_find = true;
                /* and look up a name the other thread may be adding */
                ci_name(name, sizeof(name), CI_NAMES - 1 - i);
                f = intern_find(name, strlen(name));
                if (f && strcmp(f, name) != 0)
                        a->bad_find = true;
        }
        return NULL;
}

START_TEST(test_intern_concurrent)
{
        static struct ci_arg a[2];
        pthread_t t[2];
        bool *seen = calloc(CI_NAMES, sizeof(*seen));

        ck_assert_ptr_nonnull(seen);
        intern_reset();
        for (int i = 0; i < 2; i++) {
                memset(&a[i], 0, sizeof(a[i]));
                a[i].which = i;
                ck_assert_int_eq(pthread_create(&t[i], NULL, ci_thread, &a[i]), 0);
        }
        for (int i = 0; i < 2; i++)
                pthread_join(t[i], NULL);
        ck_assert(!a[0].bad_find && !a[1].bad_find);
        ck_assert_uint_eq(intern_count(), CI_NAMES);
        for (int i = 0; i < CI_NAMES; i++) {
                ck_assert_ptr_eq(a[0].got[i], a[1].got[i]);
                uint32_t id = intern_id(a[0].got[i]);
                ck_assert_uint_lt(id, CI_NAMES);
                ck_assert_msg(!seen[id], "id %u given twice", id);
                seen[id] = true;
        }
        free(seen);
        intern_reset();
}
END_TEST

START_TEST(test_field_lower_every_position)
{
        static const unsigned char probes[] = { 'A', 'Z', 'M', '@', '[', '`', '{', 0xc1, 0xda, 0x80, 0xff };
        struct winevent ev;
        char v[40], want[40];

        winevent_init(&ev);
        for (size_t len = 1; len < sizeof(v); len++)
                for (size_t at = 0; at < len; at++)
                        for (size_t p = 0; p < sizeof(probes); p++) {
                                memset(v, 'q', len);
                                v[at] = (char)probes[p];
                                for (size_t k = 0; k < len; k++) {
                                        unsigned char c = (unsigned char)v[k];
                                        want[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                                }
                                winevent_reset(&ev);
                                set_n(&ev, "F", v, len);
                                const struct winevent_field *f = winevent_get(&ev, "F");
                                const char *l = winevent_field_lower(&ev, f);
                                ck_assert_ptr_nonnull(l);
                                ck_assert_msg(memcmp(l, want, len) == 0 && l[len] == '\0',
                                              "len %zu, byte 0x%02x at %zu", len, probes[p], at);
                        }
        winevent_free(&ev);
}
END_TEST

/* winevent_field_lower() folds 8 bytes at a time: values of every
 * length up to 40 made of arbitrary bytes (several letters a word, next
 * to bytes >= 0x80 and NULs) against a byte-by-byte fold. */
START_TEST(test_field_lower_random_bytes)
{
        struct winevent ev;
        unsigned char v[40], want[40];
        uint32_t x = 12345;

        winevent_init(&ev);
        for (int round = 0; round < 200; round++)
                for (size_t len = 0; len < sizeof(v); len++) {
                        for (size_t k = 0; k < len; k++) {
                                x = x * 1103515245u + 12345u;
                                /* half the bytes letters or their neighbours */
                                v[k] = (x >> 24) & 1 ? (unsigned char)('?' + (x >> 16) % 64) : (unsigned char)(x >> 16);
                                want[k] = v[k] >= 'A' && v[k] <= 'Z' ? (unsigned char)(v[k] + 32) : v[k];
                        }
                        winevent_reset(&ev);
                        set_n(&ev, "F", (const char *)v, len);
                        const char *l = winevent_field_lower(&ev, winevent_get(&ev, "F"));
                        ck_assert_ptr_nonnull(l);
                        ck_assert_msg(memcmp(l, want, len) == 0 && l[len] == '\0', "round %d, len %zu", round, len);
                }
        winevent_free(&ev);
}
END_TEST

/* A NUL byte anywhere in a name (the hash looks 8 bytes at a time) is
 * refused, names of every length up to the bound are found again, ids
 * count in order and intern_find() never adds. */
START_TEST(test_intern_ids_find_nul)
{
        char name[INTERN_MAX_LEN + 1];

        intern_reset();
        for (size_t len = 1; len <= 40; len++) {
                memset(name, 'k', len);
                for (size_t at = 0; at < len; at++) {
                        name[at] = '\0';
                        ck_assert_msg(intern(name, len) == NULL, "NUL at %zu of %zu", at, len);
                        ck_assert_ptr_null(intern_find(name, len));
                        name[at] = 'k';
                }
                ck_assert_ptr_null(intern_find(name, len));
                const char *p = intern(name, len);
                ck_assert_ptr_nonnull(p);
                ck_assert_uint_eq(intern_id(p), len - 1);
                ck_assert_ptr_eq(intern_find(name, len), p);
                ck_assert_ptr_eq(intern(name, len), p);
        }
        ck_assert_uint_eq(intern_count(), 40);
        ck_assert_ptr_null(intern_find("Nope", 4));
        ck_assert_uint_eq(intern_count(), 40);
        intern_reset();
}
END_TEST

/* The field index (by intern id) forgets the last event's fields at
 * winevent_reset(), finds replaced fields, and agrees with winevent_get(). */
/* The index grows past its first size (at most half full) and keeps
 * every field findable, through resets, private names among them. */
START_TEST(test_field_index_grows)
{
        struct winevent ev;
        char name[32], value[32], longname[INTERN_MAX_LEN + 20];

        memset(longname, 'L', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        winevent_init(&ev);
        for (int round = 0; round < 3; round++) {
                int n = round == 1 ? 5 : 700;
                for (int i = 0; i < n; i++) {
                        snprintf(name, sizeof(name), "GrowField%d", i);
                        snprintf(value, sizeof(value), "v%d.%d", round, i);
                        set(&ev, name, value);
                        if (i == 3)
                                set(&ev, longname, "private");  /* a name intern() refuses */
                }
                ck_assert_uint_eq(ev.nprivate, 1);
                ck_assert_str_eq(winevent_get(&ev, longname)->value, "private");
                ck_assert_uint_le((ev.nfields - ev.nprivate) * 2, ev.nslots);
                for (int i = 0; i < 700; i++) {
                        snprintf(name, sizeof(name), "GrowField%d", i);
                        snprintf(value, sizeof(value), "v%d.%d", round, i);
                        const struct winevent_field *f = winevent_get(&ev, name);
                        if (i < n) {
                                ck_assert_msg(f && strcmp(f->value, value) == 0, "round %d field %d", round, i);
                                ck_assert_ptr_eq(f, winevent_get_interned(&ev, intern(name, strlen(name))));
                        } else {
                                ck_assert_ptr_null(f);
                        }
                }
                winevent_reset(&ev);
        }
        winevent_free(&ev);
}
END_TEST

START_TEST(test_field_index_reset)
{
        struct winevent ev;
        const char *cl = intern("CommandLine", 11), *img = intern("Image", 5);

        winevent_init(&ev);
        for (int round = 0; round < 3; round++) {
                ck_assert_ptr_null(winevent_get_interned(&ev, cl));
                set(&ev, "Image", "a.exe");
                if (round != 1)
                        set(&ev, "CommandLine", "x");
                set(&ev, "Image", "b.exe");
                ck_assert_str_eq(winevent_get_interned(&ev, img)->value, "b.exe");
                ck_assert_ptr_eq(winevent_get(&ev, "Image"), winevent_get_interned(&ev, img));
                if (round == 1)
                        ck_assert_ptr_null(winevent_get_interned(&ev, cl));
                else
                        ck_assert_str_eq(winevent_get_interned(&ev, cl)->value, "x");
                ck_assert_uint_eq(ev.nfields, round == 1 ? 1 : 2);
                winevent_reset(&ev);
                ck_assert_ptr_null(winevent_get(&ev, "Image"));
        }
        /* the stamp wraps: every slot is forgotten, not reused */
        ev.stamp = UINT32_MAX;
        set(&ev, "Image", "c.exe");
        winevent_reset(&ev);
        ck_assert_ptr_null(winevent_get_interned(&ev, img));
        set(&ev, "CommandLine", "y");
        ck_assert_ptr_null(winevent_get_interned(&ev, img));
        ck_assert_str_eq(winevent_get_interned(&ev, cl)->value, "y");
        winevent_free(&ev);
}
END_TEST

/* winevent_set_field_interned() builds the same event as
 * winevent_set_field() (same order, replacements, index through growth
 * and resets), whichever of the two set a name first. */
START_TEST(test_set_field_interned)
{
        struct winevent a, b;
        char name[32], value[32];

        winevent_init(&a);
        winevent_init(&b);
        for (int round = 0; round < 3; round++) {
                int n = round == 1 ? 7 : 300;
                for (int i = 0; i < n; i++) {
                        /* every third name twice: replaced, not added */
                        for (int twice = 0; twice < (i % 3 == 0 ? 2 : 1); twice++) {
                                int len = snprintf(name, sizeof(name), "SfiField%d", i);
                                int vlen = snprintf(value, sizeof(value), "v%d.%d.%d", round, i, twice);
                                const char *key = intern(name, (size_t)len);
                                ck_assert_int_eq(winevent_set_field(&a, name, (size_t)len, value, (size_t)vlen), 0);
                                /* alternate the two calls on b */
                                if ((i + twice) % 2)
                                        ck_assert_int_eq(winevent_set_field_interned(&b, key, value, (size_t)vlen), 0);
                                else
                                        ck_assert_int_eq(winevent_set_field(&b, name, (size_t)len, value, (size_t)vlen), 0);
                        }
                }
                ck_assert_uint_eq(a.nfields, (size_t)n);
                ck_assert_uint_eq(b.nfields, (size_t)n);
                for (int i = 0; i < n; i++) {
                        snprintf(name, sizeof(name), "SfiField%d", i);
                        const char *key = intern_find(name, strlen(name));
                        ck_assert_ptr_eq(a.fields[i].name, b.fields[i].name);
                        ck_assert_str_eq(a.fields[i].value, b.fields[i].value);
                        ck_assert_ptr_eq(winevent_get_interned(&b, key), &b.fields[i]);
                        ck_assert_ptr_eq(winevent_get(&b, name), &b.fields[i]);
                }
                winevent_reset(&a);
                winevent_reset(&b);
        }
        winevent_free(&a);
        winevent_free(&b);
}
END_TEST

/* intern_literal(): intern()'s pointer, the same on the next call, and
 * after intern_reset() the new table's, not the freed one. */
START_TEST(test_intern_literal)
{
        static const char lit[] = "LiteralName";

        for (int round = 0; round < 3; round++) {
                const char *a = intern_literal(lit);
                ck_assert_ptr_nonnull(a);
                ck_assert_ptr_eq(a, intern(lit, strlen(lit)));
                ck_assert_ptr_eq(intern_literal(lit), a);
                ck_assert_str_eq(a, lit);
                intern_reset();
                ck_assert_ptr_null(intern_find(lit, strlen(lit)));
        }
}
END_TEST

/* intern_reset() while an event holds fields (tests only): the index
 * keeps slots of ids the new table gives to other names; setting a name
 * of such an id adds a field and never lands on the old one. */
START_TEST(test_set_field_interned_stale_slot)
{
        struct winevent ev;

        intern_reset();
        uint32_t epoch = intern_epoch();
        winevent_init(&ev);
        ck_assert_ptr_nonnull(intern("Filler", 6));
        set(&ev, "OldName", "old");
        intern_reset();
        ck_assert_uint_ne(intern_epoch(), epoch);
        /* the new chunk may be the old one's memory: a longer first name
         * puts the name of id 1 elsewhere than OldName */
        ck_assert_ptr_nonnull(intern("FillerLongerName", 16));
        const char *fresh = intern("FreshName", 9);
        ck_assert_uint_eq(intern_id(fresh), 1);                 /* the id OldName had */
        ck_assert_ptr_ne(fresh, ev.fields[0].name);
        ck_assert_int_eq(winevent_set_field_interned(&ev, fresh, "new", 3), 0);
        ck_assert_uint_eq(ev.nfields, 2);
        ck_assert_str_eq(ev.fields[0].value, "old");
        ck_assert_ptr_eq(ev.fields[1].name, fresh);
        ck_assert_str_eq(ev.fields[1].value, "new");
        const struct winevent_field *f = winevent_get_interned(&ev, fresh);
        ck_assert(f == NULL || f == &ev.fields[1]);
        winevent_reset(&ev);
        ck_assert_int_eq(winevent_set_field_interned(&ev, fresh, "again", 5), 0);
        ck_assert_ptr_eq(winevent_get_interned(&ev, fresh), &ev.fields[0]);
        winevent_free(&ev);
        intern_reset();
}
END_TEST

/* Past INTERN_MAX_NAMES the table refuses new names; fields keep working
 * with private copies, including replacement by name. */
START_TEST(test_intern_bounded)
{
        char name[32];
        struct winevent ev;

        intern_reset();
        for (int i = 0; i < INTERN_MAX_NAMES; i++) {
                int n = snprintf(name, sizeof(name), "Name%d", i);
                const char *p = intern(name, (size_t)n);
                ck_assert_ptr_nonnull(p);
                ck_assert_str_eq(p, name);
        }
        ck_assert_uint_eq(intern_count(), INTERN_MAX_NAMES);
        ck_assert_ptr_null(intern("OneTooMany", 10));
        ck_assert_ptr_nonnull(intern("Name17", 6));             /* old names still found */
        ck_assert_str_eq(intern("Name65535", 9), "Name65535");
        ck_assert_uint_eq(intern_count(), INTERN_MAX_NAMES);

        winevent_init(&ev);
        set(&ev, "OneTooMany", "1");
        set(&ev, "Name5", "a");
        set(&ev, "OneTooMany", "2");
        ck_assert_uint_eq(ev.nfields, 2);
        ck_assert_str_eq(winevent_get(&ev, "OneTooMany")->value, "2");
        ck_assert_str_eq(winevent_get(&ev, "Name5")->value, "a");
        winevent_free(&ev);
        intern_reset();
}
END_TEST

START_TEST(test_long_name_private_copy)
{
        struct winevent ev;
        char name[400];

        memset(name, 'K', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        winevent_init(&ev);
        ck_assert_int_eq(winevent_set_field(&ev, name, strlen(name), "1", 1), 0);
        ck_assert_int_eq(winevent_set_field(&ev, name, strlen(name), "2", 1), 0);
        ck_assert_uint_eq(ev.nfields, 1);
        ck_assert_str_eq(winevent_get(&ev, name)->value, "2");
        winevent_free(&ev);
}
END_TEST

/* winevent_get_interned() finds a field by its interned name alone; a
 * name intern() refused lives in a private copy, found by winevent_get().
 * (Only pointers intern() returned may be passed: the index reads the
 * id stored before them, intern_id().) */
START_TEST(test_get_interned)
{
        struct winevent ev;
        char name[400];

        memset(name, 'K', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        winevent_init(&ev);
        set(&ev, "Image", "C:\\x.exe");
        set(&ev, "CommandLine", "x");
        set(&ev, name, "long");
        const char *key = intern("CommandLine", 11);
        ck_assert_ptr_eq(winevent_get_interned(&ev, key), winevent_get(&ev, "CommandLine"));
        ck_assert_ptr_null(winevent_get_interned(&ev, intern("Absent", 6)));
        ck_assert_ptr_null(intern(name, strlen(name)));        /* too long: a private copy */
        ck_assert_str_eq(winevent_get(&ev, name)->value, "long");
        winevent_free(&ev);
}
END_TEST

/* The folded value: A-Z only, NUL bytes kept, computed once, the value
 * itself when nothing needs folding, forgotten when the value is replaced
 * and with the event. */
START_TEST(test_field_lower)
{
        struct winevent ev;

        winevent_init(&ev);
        set(&ev, "Upper", "C:\\Windows\\CMD.EXE \xc3\x89t\xc3\xa9");
        set(&ev, "Lower", "already lower 123");
        ck_assert_int_eq(winevent_set_field(&ev, "Nul", 3, "A\0B", 3), 0);
        set(&ev, "Empty", "");

        const struct winevent_field *u = winevent_get(&ev, "Upper");
        const char *l = winevent_field_lower(&ev, u);
        ck_assert_str_eq(l, "c:\\windows\\cmd.exe \xc3\x89t\xc3\xa9");   /* non-ASCII unchanged */
        ck_assert_ptr_eq(winevent_field_lower(&ev, u), l);                    /* cached */
        ck_assert_str_eq(u->value, "C:\\Windows\\CMD.EXE \xc3\x89t\xc3\xa9");

        const struct winevent_field *lo = winevent_get(&ev, "Lower");
        ck_assert_ptr_eq(winevent_field_lower(&ev, lo), lo->value);

        const struct winevent_field *n = winevent_get(&ev, "Nul");
        ck_assert_mem_eq(winevent_field_lower(&ev, n), "a\0b\0", 4);

        ck_assert_str_eq(winevent_field_lower(&ev, winevent_get(&ev, "Empty")), "");

        set(&ev, "Upper", "NEW");
        u = winevent_get(&ev, "Upper");
        ck_assert_ptr_null(u->lower);
        ck_assert_str_eq(winevent_field_lower(&ev, u), "new");

        winevent_reset(&ev);
        set(&ev, "Upper", "AGAIN");
        u = winevent_get(&ev, "Upper");
        ck_assert_ptr_null(u->lower);
        ck_assert_str_eq(winevent_field_lower(&ev, u), "again");
        winevent_free(&ev);
}
END_TEST

static const struct {
        enum dialect d;
        const char *name;
} dialect_names[] = {
        { DIALECT_NXLOG_CE, "nxlog-ce" },
        { DIALECT_NXLOG_EE, "nxlog-ee" },
        { DIALECT_WINLOGBEAT, "winlogbeat" },
        { DIALECT_EVTX, "evtx" },
        { _DIALECT_INVALID, "invalid" },
        { _DIALECT_MAX, "invalid" },
};

START_TEST(test_dialect_name)
{
        ck_assert_str_eq(dialect_name(dialect_names[_i].d), dialect_names[_i].name);
}
END_TEST

static Suite *event_suite(void)
{
        Suite *s = suite_create("event");
        TCase *tc;

        tc = tcase_create("arena_pointers_stable");
        tcase_add_test(tc, test_arena_pointers_stable);
        tcase_add_test(tc, test_arena_strndup_nul);
        suite_add_tcase(s, tc);

        tc = tcase_create("reset_keeps_memory");
        tcase_add_test(tc, test_reset_keeps_memory);
        suite_add_tcase(s, tc);

        tc = tcase_create("set_field_replaces");
        tcase_add_test(tc, test_set_field_replaces);
        tcase_add_test(tc, test_intern_literal);
        tcase_add_test(tc, test_long_name_private_copy);
        suite_add_tcase(s, tc);

        tc = tcase_create("get_interned");
        tcase_add_test(tc, test_get_interned);
        suite_add_tcase(s, tc);

        tc = tcase_create("set_field_interned");
        tcase_add_test(tc, test_set_field_interned);
        tcase_add_test(tc, test_set_field_interned_stale_slot);
        suite_add_tcase(s, tc);

        tc = tcase_create("field_lower_cache");
        tcase_add_test(tc, test_field_lower);
        tcase_add_test(tc, test_field_lower_every_position);
        tcase_add_test(tc, test_field_lower_random_bytes);
        suite_add_tcase(s, tc);

        tc = tcase_create("get_exact");
        tcase_add_test(tc, test_get_exact);
        suite_add_tcase(s, tc);

        tc = tcase_create("intern");
        tcase_add_test(tc, test_names_interned);
        tcase_add_test(tc, test_intern_basics);
        tcase_add_test(tc, test_intern_bounded);
        tcase_add_test(tc, test_intern_ids_find_nul);
        tcase_add_test(tc, test_intern_concurrent);
        suite_add_tcase(s, tc);

        tc = tcase_create("field_index");
        tcase_add_test(tc, test_field_index_reset);
        tcase_add_test(tc, test_field_index_grows);
        suite_add_tcase(s, tc);

        tc = tcase_create("dialect_name");
        tcase_add_loop_test(tc, test_dialect_name, 0, (int)ELEMENTSOF(dialect_names));
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(event_suite());
}
