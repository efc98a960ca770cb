/* State kept across restarts (daemon/output/state.c): a versioned,
 * checksummed binary container, written as a stream and published
 * atomically (STYLE rule 11), read back whole and verified before anyone
 * parses it.
 *
 * File layout (all integers little-endian):
 *
 *   offset  size  field
 *        0     8  magic "SPOORST\n"
 *        8     4  format version (STATE_VERSION)
 *       12     4  header size (64)
 *       16     8  payload size in bytes (= file size - 64)
 *       24    32  SHA-256 of the payload
 *       56     8  reserved, 0
 *       64     …  payload (the owner's encoding: correlator_save)
 *
 * Binary rather than JSON: the correlation state may hold millions of
 * observations (limits.max_state_bytes), and it is written every
 * state.interval in the event loop.  The owner's encoding is a flat
 * sequence of the put_* values below, described next to its save
 * function (correlator_save).
 *
 * Values: u8/u16/u32/u64 as they are; i64 as its two's complement u64;
 * f64 as its IEEE-754 bits; strings as a u32 length then the bytes (no
 * NUL).  The reader is bounds-checked and sticky: after the first
 * failure every get returns 0 / NULL and state_reader_error() says why
 * ("truncated at payload offset 1234"), so a decoder checks once per
 * record, not per value. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_MAGIC "SPOORST\n"
#define STATE_VERSION 1u
#define STATE_HEADER_BYTES 64u
#define STATE_WHY_MAX 160

struct state_writer {
        int fd;                         /* -1: the whole file image is built in buf */
        unsigned char *buf;
        size_t len, cap;
        uint64_t payload;               /* payload bytes so far */
        void *md;                       /* EVP_MD_CTX over the payload */
        int err;                        /* first failure (-errno), sticky */
};

/* A writer that builds the file image in memory (reload, tests).  0 or
 * -ENOMEM.  After state_writer_finish(): buf[0..len) is the whole file. */
int state_writer_init_mem(struct state_writer *w);
void state_writer_fini(struct state_writer *w);

void state_put_u8(struct state_writer *w, uint8_t v);
void state_put_u16(struct state_writer *w, uint16_t v);
void state_put_u32(struct state_writer *w, uint32_t v);
void state_put_u64(struct state_writer *w, uint64_t v);
void state_put_i64(struct state_writer *w, int64_t v);
void state_put_f64(struct state_writer *w, double v);
void state_put_str(struct state_writer *w, const char *s, size_t len);

/* Complete the header (length, checksum).  0 or the first error. */
int state_writer_finish(struct state_writer *w);

struct state_reader {
        const unsigned char *p;         /* the payload */
        size_t len, off;
        int err;                        /* 0, or -EBADMSG after the first failure */
        char why[STATE_WHY_MAX];
};

/* Verify a whole file image (magic, version, header and payload sizes,
 * checksum) and point r at its payload (borrowed: `file` must outlive r).
 * 0, or -EBADMSG with r->why ("bad magic", "checksum mismatch", ...). */
int state_reader_open(struct state_reader *r, const void *file, size_t len);

uint8_t state_get_u8(struct state_reader *r);
uint16_t state_get_u16(struct state_reader *r);
uint32_t state_get_u32(struct state_reader *r);
uint64_t state_get_u64(struct state_reader *r);
int64_t state_get_i64(struct state_reader *r);
double state_get_f64(struct state_reader *r);
/* A string of at most `max` bytes, borrowed from the image (not
 * NUL-terminated); NULL on failure (too long counts as a failure). */
const char *state_get_str(struct state_reader *r, size_t max, size_t *len);

/* Times in a state file are UTC microseconds within +-2^58 (about 9,000
 * years around 1970: any time an event can carry, years 0000..9999 with
 * any offset), so the difference of two never overflows.
 * state_get_time() reads an i64 and fails the reader ("time out of range")
 * when it is neither within them nor `none` (a sentinel the caller
 * handles, such as INT64_MIN for "no time yet"; pass 0 when there is none). */
#define STATE_TIME_MIN (-(INT64_C(1) << 58))
#define STATE_TIME_MAX (INT64_C(1) << 58)
int64_t state_get_time(struct state_reader *r, int64_t none);

/* Record a decoding failure (an impossible value): the first one wins.
 * Returns -EBADMSG. */
int state_reader_fail(struct state_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int state_reader_error(const struct state_reader *r)
{
        return r->err;
}
static inline size_t state_reader_left(const struct state_reader *r)
{
        return r->len - r->off;
}

/* ---- files in the state directory ---------------------------------------- */

/* Open `path`, creating it 0750 when missing (its parent must exist).  fd
 * or -errno, with err saying what is wrong. */
int state_dir_open(const char *path, char *err, size_t errlen);

/* Write dirfd/name atomically: `fill` puts the payload into a streaming
 * writer on a new temporary file in the same directory (O_EXCL, 0640),
 * then the header is completed, the file fsynced, renamed over `name` and
 * the directory fsynced.  A failure leaves the previous file untouched.
 * 0 or -errno. */
int state_save(int dirfd, const char *name, int (*fill)(void *ud, struct state_writer *w), void *ud);

/* Write dirfd/name atomically with exactly buf[0..len) (no container:
 * JSON reports), the same way as state_save.  0 or -errno. */
int state_publish(int dirfd, const char *name, const void *buf, size_t len);

/* Write dirfd/name atomically from a stream: `fill` writes the whole
 * content to fd (a new temporary file in the same directory) and returns
 * 0 or -errno; then as state_publish (a failure of fill leaves the
 * previous file untouched).  0 or -errno. */
int state_publish_stream(int dirfd, const char *name, int (*fill)(void *ud, int fd), void *ud);

/* Read dirfd/name whole (O_NOFOLLOW: a symlink is refused with -ELOOP; a
 * non-regular file with -EINVAL).  0 with *buf (free it) and *len;
 * -ENOENT when missing; other -errno. */
int state_read(int dirfd, const char *name, void **buf, size_t *len);

/* Rename dirfd/name to name.corrupt-<UTC stamp> (never replacing a file),
 * the new name in `to`.  0 or -errno. */
int state_move_aside(int dirfd, const char *name, char *to, size_t tolen);
