/* State files: the checksummed container and its atomic publication
 * (include/spoor/state.h).
 *
 * Decisions:
 *   - The writer streams: the payload goes through a 1 MiB buffer to the
 *     temporary file and through SHA-256; the header (which holds the
 *     payload's size and digest) is written last with pwrite, before the
 *     fsync.  So saving a large state costs no second copy in memory.
 *   - The reader takes the whole file in memory and verifies it before
 *     the owner decodes anything: a decoder never acts on bytes that were
 *     not written by a complete save.
 *   - Temporary files are "<name>.tmp", created O_EXCL|O_NOFOLLOW; one
 *     left by a crash is unlinked and the create retried once.
 *   - The file is never followed through a symlink (O_NOFOLLOW on read,
 *     rename replaces the directory entry itself). */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "spoor/cleanup.h"
#include "spoor/state.h"

#define STATE_FLUSH_BYTES (1024u * 1024u)
#define STATE_DIGEST_BYTES 32u
#define STATE_MAX_SUFFIX 100

/* ---- writer ---------------------------------------------------------------- */

static int state_writer_init(struct state_writer *w, int fd)
{
        memset(w, 0, sizeof(*w));
        w->fd = fd;
        w->cap = fd >= 0 ? STATE_FLUSH_BYTES : 4096;
        w->buf = calloc(1, w->cap);
        w->md = EVP_MD_CTX_new();
        if (!w->buf || !w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
                state_writer_fini(w);
                return -ENOMEM;
        }
        w->len = STATE_HEADER_BYTES;    /* written (fd) or filled (memory) by finish */
        return 0;
}

int state_writer_init_mem(struct state_writer *w)
{
        return state_writer_init(w, -1);
}

void state_writer_fini(struct state_writer *w)
{
        free(w->buf);
        EVP_MD_CTX_free(w->md);
        w->buf = NULL;
        w->md = NULL;
        w->len = w->cap = 0;
}

static int state_write_all(int fd, const unsigned char *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

static void state_flush(struct state_writer *w)
{
        int r;

        if (w->err || w->fd < 0 || w->len == 0)
                return;
        r = state_write_all(w->fd, w->buf, w->len);
        if (r < 0)
                w->err = r;
        w->len = 0;
}

static void state_put(struct state_writer *w, const void *p, size_t n)
{
        if (w->err || n == 0)
                return;
        if (EVP_DigestUpdate(w->md, p, n) != 1) {
                w->err = -ENOMEM;
                return;
        }
        w->payload += n;
        if (w->fd >= 0) {
                if (w->len + n > w->cap)
                        state_flush(w);
                if (n >= w->cap) {
                        int r = state_write_all(w->fd, p, n);
                        if (r < 0 && !w->err)
                                w->err = r;
                        return;
                }
        } else if (w->len + n > w->cap) {
                size_t cap = w->cap;
                unsigned char *b;

                while (cap < w->len + n)
                        cap *= 2;
                b = realloc(w->buf, cap);
                if (!b) {
                        w->err = -ENOMEM;
                        return;
                }
                w->buf = b;
                w->cap = cap;
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
}

static void state_le(unsigned char *b, uint64_t v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                b[i] = (unsigned char)(v >> (8 * i));
}

static void state_put_le(struct state_writer *w, uint64_t v, size_t n)
{
        unsigned char b[8];

        state_le(b, v, n);
        state_put(w, b, n);
}

void state_put_u8(struct state_writer *w, uint8_t v) { state_put_le(w, v, 1); }
void state_put_u16(struct state_writer *w, uint16_t v) { state_put_le(w, v, 2); }
void state_put_u32(struct state_writer *w, uint32_t v) { state_put_le(w, v, 4); }
void state_put_u64(struct state_writer *w, uint64_t v) { state_put_le(w, v, 8); }
void state_put_i64(struct state_writer *w, int64_t v) { state_put_le(w, (uint64_t)v, 8); }

void state_put_f64(struct state_writer *w, double v)
{
        uint64_t u;

        memcpy(&u, &v, sizeof(u));
        state_put_le(w, u, 8);
}

void state_put_str(struct state_writer *w, const char *s, size_t len)
{
        if (len > UINT32_MAX) {
                if (!w->err)
                        w->err = -E2BIG;
                return;
        }
        state_put_u32(w, (uint32_t)len);
        state_put(w, s, len);
}

static void state_header(unsigned char h[STATE_HEADER_BYTES], uint64_t payload, const unsigned char *digest)
{
        memset(h, 0, STATE_HEADER_BYTES);
        memcpy(h, STATE_MAGIC, 8);
        state_le(h + 8, STATE_VERSION, 4);
        state_le(h + 12, STATE_HEADER_BYTES, 4);
        state_le(h + 16, payload, 8);
        memcpy(h + 24, digest, STATE_DIGEST_BYTES);
}

int state_writer_finish(struct state_writer *w)
{
        unsigned char digest[EVP_MAX_MD_SIZE], h[STATE_HEADER_BYTES];
        unsigned dlen = 0;

        if (w->err)
                return w->err;
        if (EVP_DigestFinal_ex(w->md, digest, &dlen) != 1 || dlen != STATE_DIGEST_BYTES)
                return w->err = -ENOMEM;
        state_header(h, w->payload, digest);
        if (w->fd < 0) {
                memcpy(w->buf, h, STATE_HEADER_BYTES);
                return 0;
        }
        state_flush(w);
        if (w->err)
                return w->err;
        if (pwrite(w->fd, h, STATE_HEADER_BYTES, 0) != (ssize_t)STATE_HEADER_BYTES)
                return w->err = errno ? -errno : -EIO;
        return 0;
}

/* ---- reader ---------------------------------------------------------------- */

int state_reader_fail(struct state_reader *r, const char *fmt, ...)
{
        va_list ap;

        if (r->err)
                return r->err;
        va_start(ap, fmt);
        vsnprintf(r->why, sizeof(r->why), fmt, ap);
        va_end(ap);
        r->err = -EBADMSG;
        return r->err;
}

static uint64_t state_rd_le(const unsigned char *b, size_t n)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)b[i] << (8 * i);
        return v;
}

int state_reader_open(struct state_reader *r, const void *file, size_t len)
{
        const unsigned char *f = file;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned dlen = 0;
        uint64_t version, hlen, payload;

        memset(r, 0, sizeof(*r));
        if (len < STATE_HEADER_BYTES)
                return state_reader_fail(r, "truncated header (%zu of %u bytes)", len, STATE_HEADER_BYTES);
        if (memcmp(f, STATE_MAGIC, 8) != 0)
                return state_reader_fail(r, "bad magic (not a spoor state file)");
        version = state_rd_le(f + 8, 4);
        hlen = state_rd_le(f + 12, 4);
        payload = state_rd_le(f + 16, 8);
        if (version != STATE_VERSION)
                return state_reader_fail(r, "format version %llu (this spoord reads %u)",
                                         (unsigned long long)version, STATE_VERSION);
        if (hlen != STATE_HEADER_BYTES || state_rd_le(f + 56, 8) != 0)
                return state_reader_fail(r, "bad header");
        if (payload != len - STATE_HEADER_BYTES)
                return state_reader_fail(r, "truncated or extended: payload is %zu bytes, header says %llu",
                                         len - STATE_HEADER_BYTES, (unsigned long long)payload);
        if (EVP_Digest(f + STATE_HEADER_BYTES, (size_t)payload, digest, &dlen, EVP_sha256(), NULL) != 1 ||
            dlen != STATE_DIGEST_BYTES) {
                r->err = -ENOMEM;
                snprintf(r->why, sizeof(r->why), "out of memory");
                return r->err;
        }
        if (memcmp(digest, f + 24, STATE_DIGEST_BYTES) != 0)
                return state_reader_fail(r, "checksum mismatch");
        r->p = f + STATE_HEADER_BYTES;
        r->len = (size_t)payload;
        return 0;
}

static const unsigned char *state_take(struct state_reader *r, size_t n)
{
        const unsigned char *p;

        if (r->err)
                return NULL;
        if (n > r->len - r->off) {
                state_reader_fail(r, "truncated at payload offset %zu", r->off);
                return NULL;
        }
        p = r->p + r->off;
        r->off += n;
        return p;
}

static uint64_t state_get_le(struct state_reader *r, size_t n)
{
        const unsigned char *p = state_take(r, n);

        return p ? state_rd_le(p, n) : 0;
}

uint8_t state_get_u8(struct state_reader *r) { return (uint8_t)state_get_le(r, 1); }
uint16_t state_get_u16(struct state_reader *r) { return (uint16_t)state_get_le(r, 2); }
uint32_t state_get_u32(struct state_reader *r) { return (uint32_t)state_get_le(r, 4); }
uint64_t state_get_u64(struct state_reader *r) { return state_get_le(r, 8); }
int64_t state_get_i64(struct state_reader *r) { return (int64_t)state_get_le(r, 8); }

int64_t state_get_time(struct state_reader *r, int64_t none)
{
        int64_t t = state_get_i64(r);

        if (r->err || t == none || (t >= STATE_TIME_MIN && t <= STATE_TIME_MAX))
                return t;
        state_reader_fail(r, "time %" PRId64 " out of range", t);
        return 0;
}

double state_get_f64(struct state_reader *r)
{
        uint64_t u = state_get_le(r, 8);
        double d;

        memcpy(&d, &u, sizeof(d));
        return d;
}

const char *state_get_str(struct state_reader *r, size_t max, size_t *len)
{
        size_t at = r->off;
        uint32_t n = state_get_u32(r);
        const unsigned char *p;

        if (r->err)
                return NULL;
        if (n > max) {
                state_reader_fail(r, "string of %u bytes at payload offset %zu (at most %zu)", n, at, max);
                return NULL;
        }
        p = state_take(r, n);
        if (!p)
                return NULL;
        *len = n;
        return (const char *)p;
}

/* ---- files ------------------------------------------------------------------ */

int state_dir_open(const char *path, char *err, size_t errlen)
{
        int fd;

        if (mkdir(path, 0750) < 0 && errno != EEXIST) {
                int e = errno;

                if (e == ENOENT)
                        snprintf(err, errlen, "state_dir %s: cannot create it: its parent directory does not exist",
                                 path);
                else
                        snprintf(err, errlen, "state_dir %s: cannot create it: %s", path, strerror(e));
                return -e;
        }
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;

                snprintf(err, errlen, "state_dir %s: %s", path, e == ENOTDIR ? "not a directory" : strerror(e));
                return -e;
        }
        return fd;
}

static int state_tmp_open(int dirfd, const char *tmp)
{
        for (int attempt = 0; attempt < 2; attempt++) {
                int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);

                if (fd >= 0)
                        return fd;
                if (errno != EEXIST || attempt > 0)
                        return -errno;
                /* left by a crash (we are the only writer of this directory) */
                if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
                        return -errno;
        }
        return -EEXIST;
}

/* Finish a publication: with r == 0 (the content is written), fsync and
 * close the temporary file, rename it over `name` and fsync the folder;
 * otherwise (or on any failure) close and remove it.  0 or -errno. */
static int state_commit(int dirfd, int fd, const char *tmp, const char *name, int r)
{
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        return fsync(dirfd) < 0 ? -errno : 0;
}

int state_save(int dirfd, const char *name, int (*fill)(void *ud, struct state_writer *w), void *ud)
{
        char tmp[256];
        struct state_writer w;
        int fd, r;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        fd = state_tmp_open(dirfd, tmp);
        if (fd < 0)
                return fd;
        r = state_writer_init(&w, fd);
        if (r == 0) {
                r = fill(ud, &w);
                if (r == 0)
                        r = state_writer_finish(&w);
                state_writer_fini(&w);
        }
        return state_commit(dirfd, fd, tmp, name, r);
}

int state_publish_stream(int dirfd, const char *name, int (*fill)(void *ud, int fd), void *ud)
{
        char tmp[256];
        int fd, r;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        fd = state_tmp_open(dirfd, tmp);
        if (fd < 0)
                return fd;
        r = fill(ud, fd);
        return state_commit(dirfd, fd, tmp, name, r);
}

struct state_bytes {
        const void *buf;
        size_t len;
};

static int state_fill_bytes(void *ud, int fd)
{
        const struct state_bytes *b = ud;

        return state_write_all(fd, b->buf, b->len);
}

int state_publish(int dirfd, const char *name, const void *buf, size_t len)
{
        struct state_bytes b = { buf, len };

        return state_publish_stream(dirfd, name, state_fill_bytes, &b);
}

int state_read(int dirfd, const char *name, void **buf, size_t *len)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        _cleanup_free_ unsigned char *b = NULL;
        struct stat st;
        size_t off = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((uint64_t)st.st_size > SIZE_MAX - 1)
                return -EFBIG;
        b = malloc((size_t)st.st_size + 1);
        if (!b)
                return -ENOMEM;
        while (off < (size_t)st.st_size) {
                ssize_t n = read(fd, b + off, (size_t)st.st_size - off);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;          /* shrank while reading: the checksum will tell */
                off += (size_t)n;
        }
        *len = off;
        *buf = TAKE_PTR(b);
        return 0;
}

int state_move_aside(int dirfd, const char *name, char *to, size_t tolen)
{
        time_t now = time(NULL);
        struct tm tm;
        char stamp[32];

        gmtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
        for (unsigned n = 0; n < STATE_MAX_SUFFIX; n++) {
                struct stat st;

                if (n == 0)
                        snprintf(to, tolen, "%s.corrupt-%s", name, stamp);
                else
                        snprintf(to, tolen, "%s.corrupt-%s-%u", name, stamp, n);
                if (renameat2(dirfd, name, dirfd, to, RENAME_NOREPLACE) == 0)
                        return 0;
                if (errno == EEXIST)
                        continue;
                if (errno != EINVAL && errno != ENOSYS)
                        return -errno;
                if (fstatat(dirfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (errno != ENOENT)
                        return -errno;
                return renameat(dirfd, name, dirfd, to) < 0 ? -errno : 0;
        }
        return -EEXIST;
}
