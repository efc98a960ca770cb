/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash for tables whose keys
 * come from input (group keys, field values), so a sender cannot aim for
 * collisions. */
#include <stddef.h>
#include <stdint.h>

#include "spoor/siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
        do {                                                                                       \
                v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                          \
                v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                             \
                v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                             \
                v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                          \
        } while (0)

uint64_t siphash24(const void *src, size_t len, uint64_t k0, uint64_t k1)
{
        const unsigned char *p = src;
        uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
        uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
        uint64_t b = (uint64_t)len << 56, m;
        size_t i;

        for (i = 0; i + 8 <= len; i += 8) {
                m = 0;
                for (int k = 0; k < 8; k++)
                        m |= (uint64_t)p[i + k] << (8 * k);
                v3 ^= m;
                SIPROUND;
                SIPROUND;
                v0 ^= m;
        }
        for (int k = 0; i + k < len; k++)
                b |= (uint64_t)p[i + k] << (8 * k);
        v3 ^= b;
        SIPROUND;
        SIPROUND;
        v0 ^= b;
        v2 ^= 0xff;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        return v0 ^ v1 ^ v2 ^ v3;
}
