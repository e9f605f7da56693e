/*
 * hash: the one hash function of the project's in-memory tables.
 *
 * hash_bytes() hashes n bytes, chained through seed (hash a second field
 * with the first one's hash as its seed).  It reads eight bytes at a
 * time and the last one to seven in at most two loads, then mixes with
 * the 64-bit finaliser of MurmurHash3, so every bit of the result depends
 * on every input bit: tables may take their slot from the low bits (a
 * mask) or the high bits (a shift).  Patient ids are hashed once per
 * reading in several stages, so this is on the hot path of the whole
 * pipeline; a byte-at-a-time FNV of a 36-byte UUID cost several times
 * more.
 *
 * The values are for tables in memory only: they are not stable across
 * versions and must never be written anywhere or used to draw random
 * numbers (rng_seed_of() in lib/rng.h is the stable one for that).
 * Defined inline so that the hot tables need no call.
 */
#ifndef VL_HASH_H
#define VL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t
hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static inline uint64_t
hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = hash_mix(seed ^ n) ^ UINT64_C(0x9e3779b97f4a7c15), x;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&x, s, 8);
		h = (h ^ x) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 29;
	}
	/* The last 1..7 bytes in at most two loads, which may overlap (the
	 * length is in h already): a memcpy of a variable length goes
	 * through the stack byte by byte, and it showed in profiles. */
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		x = (uint64_t)a << 32 | b;
		h = (h ^ x) * UINT64_C(0xff51afd7ed558ccd);
	} else if (n > 0) {
		x = (uint64_t)s[0] << 16 | (uint64_t)s[n / 2] << 8 | s[n - 1];
		h = (h ^ x) * UINT64_C(0xff51afd7ed558ccd);
	}
	return hash_mix(h);
}

#endif
