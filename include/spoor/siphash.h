/* SipHash-2-4 with a 128-bit key (k0, k1): for hash tables keyed by
 * attacker-controlled bytes.  Pick the key at random per process (or
 * persist it with the table). */
#pragma once
#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const void *src, size_t len, uint64_t k0, uint64_t k1);
