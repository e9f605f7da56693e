/*
 * dedup: repeats found, conflicts told apart, memory bounded by capacity
 * and window, and the table stays correct through many evictions (checked
 * against a plain reference model).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedup.h"
#include "rng.h"

static void
test_basic(void **state)
{
	(void)state;
	struct dedup *d = dedup_new(100, 1000);

	assert_int_equal(dedup_check(d, 1, 10, 0), DEDUP_NEW);
	assert_int_equal(dedup_check(d, 1, 10, 0), DEDUP_REPEAT);
	assert_int_equal(dedup_check(d, 1, 11, 0), DEDUP_CONFLICT);
	assert_int_equal(dedup_check(d, 2, 10, 5), DEDUP_NEW);
	assert_int_equal(dedup_size(d), 2);
	/* Time moves past the window: key 1 is forgotten. */
	assert_int_equal(dedup_check(d, 3, 0, 2000), DEDUP_NEW);
	assert_int_equal(dedup_size(d), 1);
	assert_int_equal(dedup_check(d, 1, 10, 0), DEDUP_NEW);
	dedup_free(d);
}

static void
test_capacity(void **state)
{
	(void)state;
	struct dedup *d = dedup_new(8, INT64_MAX / 2);

	for (uint64_t k = 0; k < 100; k++)
		assert_int_equal(dedup_check(d, k, k, 0), DEDUP_NEW);
	assert_int_equal(dedup_size(d), 8);
	/* The newest 8 are remembered, the older ones forgotten. */
	for (uint64_t k = 92; k < 100; k++)
		assert_int_equal(dedup_check(d, k, k, 0), DEDUP_REPEAT);
	assert_int_equal(dedup_check(d, 5, 5, 0), DEDUP_NEW);
	dedup_free(d);
}

/*
 * Many keys that collide in the table (same low bits) with evictions in
 * between: compare every answer with a linear search over the keys that
 * should still be remembered.
 */
static void
test_against_model(void **state)
{
	(void)state;
	enum { CAP = 64, N = 20000 };
	struct dedup *d = dedup_new(CAP, INT64_MAX / 2);
	uint64_t fifo[CAP], fps[CAP];
	size_t head = 0, count = 0;
	struct rng g;

	rng_seed(&g, 11);
	for (int i = 0; i < N; i++) {
		/* Few distinct keys, crowded into few home slots. */
		uint64_t key = rng_below(&g, 200) << 32;
		uint64_t fp = rng_below(&g, 2);
		int expect = DEDUP_NEW;
		for (size_t j = 0; j < count; j++) {
			size_t at = (head + j) % CAP;
			if (fifo[at] == key) {
				expect = fps[at] == fp ? DEDUP_REPEAT :
				    DEDUP_CONFLICT;
				break;
			}
		}
		assert_int_equal(dedup_check(d, key, fp, i), expect);
		if (expect == DEDUP_NEW) {
			if (count == CAP) {
				head = (head + 1) % CAP;
				count--;
			}
			fifo[(head + count) % CAP] = key;
			fps[(head + count) % CAP] = fp;
			count++;
		}
		assert_int_equal(dedup_size(d), count);
	}
	dedup_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
