/*
 * hash_bytes: distinct inputs give distinct values, every input bit moves
 * about half the output bits (so a table may take its slot from the low
 * or the high bits), the seed and the length count, and reads of any
 * length and alignment stay inside the bytes given (checked under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hash.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every string of length 0..24 that differs from all-'a' in one byte
 * (every position, every value): no two share a 64-bit value. */
static void
test_no_collisions(void **state)
{
	size_t cap = 25 * 24 * 256 + 25, n = 0;
	uint64_t *h = malloc(cap * sizeof *h);
	unsigned char buf[24];

	(void)state;
	assert_non_null(h);
	for (size_t len = 0; len <= 24; len++) {
		memset(buf, 'a', sizeof buf);
		h[n++] = hash_bytes(buf, len, 0);
		for (size_t pos = 0; pos < len; pos++) {
			for (int v = 0; v < 256; v++) {
				if (v == 'a')
					continue;
				buf[pos] = (unsigned char)v;
				h[n++] = hash_bytes(buf, len, 0);
			}
			buf[pos] = 'a';
		}
	}
	qsort(h, n, sizeof *h, cmp_u64);
	for (size_t i = 1; i < n; i++)
		assert_int_not_equal(h[i], h[i - 1]);
	free(h);
}

/* Flipping one input bit flips each output bit with probability near
 * 1/2: over every bit of a 36-byte id, the mean is near 32 flipped bits
 * and no output bit is stuck. */
static void
test_avalanche(void **state)
{
	const char *id = "3f1c2a9e-6b7d-4e2f-9a1b-0c8d7e6f5a4b";
	unsigned char buf[36];
	unsigned long total = 0, per_bit[64] = { 0 };
	uint64_t base;
	int trials = 0;

	(void)state;
	memcpy(buf, id, sizeof buf);
	base = hash_bytes(buf, sizeof buf, 0);
	for (size_t i = 0; i < sizeof buf * 8; i++) {
		buf[i / 8] ^= (unsigned char)(1u << (i % 8));
		uint64_t d = hash_bytes(buf, sizeof buf, 0) ^ base;
		buf[i / 8] ^= (unsigned char)(1u << (i % 8));
		total += (unsigned long)__builtin_popcountll(d);
		for (int b = 0; b < 64; b++)
			per_bit[b] += d >> b & 1;
		trials++;
	}
	double mean = (double)total / trials;
	assert_true(mean > 29 && mean < 35);
	for (int b = 0; b < 64; b++)
		assert_true(per_bit[b] > trials / 4 && per_bit[b] < trials * 3 / 4);
}

/* The low bits of sequential ids spread evenly over 1024 slots. */
static void
test_low_bits_spread(void **state)
{
	enum { SLOTS = 1024, N = SLOTS * 64 };
	static unsigned count[SLOTS];
	char id[32];

	(void)state;
	memset(count, 0, sizeof count);
	for (int i = 0; i < N; i++) {
		int len = snprintf(id, sizeof id, "patient-%06d", i);
		count[hash_bytes(id, (size_t)len, 0) & (SLOTS - 1)]++;
	}
	/* Chi-square with 1023 degrees of freedom: about 1023 +- 45. */
	double chi = 0;
	for (int s = 0; s < SLOTS; s++) {
		double d = count[s] - 64.0;
		chi += d * d / 64.0;
	}
	assert_true(chi < 1023 + 6 * 45);
}

static void
test_seed_and_length(void **state)
{
	(void)state;
	assert_int_equal(hash_bytes("abc", 3, 7), hash_bytes("abc", 3, 7));
	assert_int_not_equal(hash_bytes("abc", 3, 7), hash_bytes("abc", 3, 8));
	/* A trailing zero byte is part of the input. */
	assert_int_not_equal(hash_bytes("a", 1, 0), hash_bytes("a\0", 2, 0));
	assert_int_not_equal(hash_bytes("", 0, 0), hash_bytes("\0", 1, 0));
	/* Chaining: a then b is not b then a. */
	assert_int_not_equal(hash_bytes("b", 1, hash_bytes("a", 1, 0)),
	    hash_bytes("a", 1, hash_bytes("b", 1, 0)));
}

/* Every length from 0 to 40 at every alignment, from exactly-sized heap
 * blocks, so that ASan sees any read past the end. */
static void
test_reads_stay_inside(void **state)
{
	(void)state;
	for (size_t len = 0; len <= 40; len++) {
		for (size_t off = 0; off < 8; off++) {
			unsigned char *b = malloc(off + len + (len == 0));
			assert_non_null(b);
			memset(b, 'x', off + len);
			uint64_t h1 = hash_bytes(b + off, len, 0);
			memmove(b, b + off, len);
			assert_int_equal(hash_bytes(b, len, 0), h1);
			free(b);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_collisions),
		cmocka_unit_test(test_avalanche),
		cmocka_unit_test(test_low_bits_spread),
		cmocka_unit_test(test_seed_and_length),
		cmocka_unit_test(test_reads_stay_inside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
