/* utf8.c: validation against the tests' own oracle (tests/fuzz/utf8_oracle.h),
 * with the sequence at every offset of the ASCII blocks the fast path skips. */
#include <check.h>
#include "unit.h"
#include <string.h>

#include "spoor/utf8.h"
#include "../fuzz/utf8_oracle.h"

/* The oracle's answer: the longest valid prefix. */
static size_t oracle_prefix(const unsigned char *s, size_t n)
{
        for (size_t i = n + 1; i-- > 0;)
                if (fuzz_utf8_valid(s, i))
                        return i;
        return 0;
}

static const char *const seqs[] = {
        "\xc3\xa9",             /* valid, 2 bytes */
        "\xe2\x80\x93",         /* valid, 3 */
        "\xf0\x9f\x98\x80",     /* valid, 4 */
        "\x80",                 /* a lone continuation byte */
        "\xc0\xaf",             /* overlong */
        "\xed\xa0\x80",         /* a surrogate */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "\xe2\x80",             /* cut short */
        "\xff",
};

/* One sequence at every offset of ASCII text of every length up to 160
 * (two and a half blocks of 64), and cut at the end of the text. */
START_TEST(test_valid_prefix_every_offset)
{
        const char *q = seqs[_i];
        size_t qn = strlen(q);
        unsigned char buf[256];

        for (size_t n = 0; n <= 160; n++)
                for (size_t pos = 0; pos <= n; pos++) {
                        memset(buf, 'a', sizeof(buf));
                        size_t k = pos + qn <= n ? qn : n - pos;
                        memcpy(buf + pos, q, k);
                        size_t want = oracle_prefix(buf, n), got = utf8_valid_prefix((const char *)buf, n);
                        ck_assert_msg(got == want, "sequence %d, length %zu, offset %zu: %zu, oracle %zu", _i, n,
                                      pos, got, want);
                }
}
END_TEST

/* A high byte in each of the 64 bytes of a block, and after it. */
START_TEST(test_valid_prefix_block_positions)
{
        unsigned char buf[200];

        for (size_t pos = 0; pos < 140; pos++) {
                memset(buf, 'x', sizeof(buf));
                buf[pos] = 0xfe;
                ck_assert_uint_eq(utf8_valid_prefix((const char *)buf, sizeof(buf)), pos);
                buf[pos] = 0xc3;
                buf[pos + 1] = 0xa9;
                ck_assert_uint_eq(utf8_valid_prefix((const char *)buf, sizeof(buf)), sizeof(buf));
        }
}
END_TEST

/* utf8_mend: what it writes is valid, and valid input comes back unchanged. */
START_TEST(test_mend)
{
        static const char in[] = "abc\xff" "def\xc3\xa9g\xe2\x80";
        char out[UTF8_MEND_MAX(sizeof(in)) + 1];
        size_t n = utf8_mend(in, sizeof(in) - 1, out);

        ck_assert(fuzz_utf8_valid((const unsigned char *)out, n));
        ck_assert_mem_eq(out, "abc\xef\xbf\xbd" "def\xc3\xa9g\xef\xbf\xbd\xef\xbf\xbd", n);
        n = utf8_mend("d\xc3\xa9j\xc3\xa0", 7, out);
        ck_assert_uint_eq(n, 7);
        ck_assert_mem_eq(out, "d\xc3\xa9j\xc3\xa0", 7);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("utf8");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_valid_prefix_every_offset, 0, (int)(sizeof(seqs) / sizeof(seqs[0])));
        tcase_add_test(tc, test_valid_prefix_block_positions);
        tcase_add_test(tc, test_mend);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
