/* Shared by the libFuzzer harnesses and replay_main.c.
 *
 * Each harness is built twice: with clang -fsanitize=fuzzer as a real
 * libFuzzer binary (`<name>`), and with any compiler as `<name>-replay`,
 * which links replay_main.c and runs the seed corpus under `meson test`.
 * Invariant violations abort() so both builds report them as a crash. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

/* Inputs larger than this are ignored (return 0): the parsers bound their
 * own buffers, and big inputs only slow the fuzzer down. */
#define FUZZ_MAX_INPUT (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant that must hold: on failure say which, then abort(). */
#define fuzz_assert(expr) \
        do { \
                if (!(expr)) { \
                        fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #expr); \
                        abort(); \
                } \
        } while (0)

/* A copy of data[0..size) in a heap block of exactly `size` bytes (one
 * byte when size is 0, never read), so ASan reports any read past the end:
 * the parsers take buffers that are not NUL-terminated. */
static inline char *fuzz_dup(const void *data, size_t size)
{
        char *p = malloc(size ? size : 1);

        if (!p)
                abort();
        if (size)
                memcpy(p, data, size);
        return p;
}

/* [p, p + len) lies inside [base, base + size). */
static inline int fuzz_within(const void *p, size_t len, const void *base, size_t size)
{
        const char *c = p, *b = base;

        return c >= b && c <= b + size && len <= (size_t)(b + size - c);
}

/* The input as a file, for parsers that take a path: written to one memfd
 * (reused between runs, so nothing is left behind) and named through
 * /proc/self/fd.  Returns the path. */
static inline const char *fuzz_file(const char *name, const void *data, size_t size)
{
        static int fd = -1;
        static char path[64];

        if (fd < 0) {
                fd = memfd_create(name, MFD_CLOEXEC);
                fuzz_assert(fd >= 0);
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        }
        fuzz_assert(ftruncate(fd, 0) == 0);
        for (size_t off = 0; off < size;) {
                ssize_t n = pwrite(fd, (const char *)data + off, size - off, (off_t)off);

                if (n < 0 && errno == EINTR)
                        continue;
                fuzz_assert(n > 0);
                off += (size_t)n;
        }
        return path;
}
