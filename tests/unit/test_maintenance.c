/*
 * Table maintenance: the durations table properties hold (Spark's
 * CalendarInterval text), as delta-vacuum reads its retentions; the
 * external sort delta-optimize --order-by uses, against qsort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "delta_vacuum.h"
#include "extsort.h"

#define SEC INT64_C(1000000)

static int64_t
interval(const char *s)
{
	int64_t us = -42;

	if (delta_parse_interval(s, &us) != 0)
		return -1;
	return us;
}

static void
test_interval_forms(void **state)
{
	(void)state;
	assert_int_equal(interval("interval 7 days"), 7 * 86400 * SEC);
	assert_int_equal(interval("interval 1 week"), 7 * 86400 * SEC);
	assert_int_equal(interval("INTERVAL 30 DAYS"), 30 * 86400 * SEC);
	assert_int_equal(interval("interval 1 day 12 hours"), 36 * 3600 * SEC);
	assert_int_equal(interval("interval 2 hours 30 minutes"), 9000 * SEC);
	assert_int_equal(interval("interval 0 seconds"), 0);
	assert_int_equal(interval("interval 5 milliseconds"), 5000);
	assert_int_equal(interval("interval 1 microsecond"), 1);
	/* What cli_parse_duration reads is taken too. */
	assert_int_equal(interval("7d"), 7 * 86400 * SEC);
	assert_int_equal(interval("90"), 90 * SEC);
}

static void
test_interval_rejects(void **state)
{
	(void)state;
	assert_int_equal(interval("interval"), -1);
	assert_int_equal(interval("interval "), -1);
	assert_int_equal(interval("interval 7"), -1);
	assert_int_equal(interval("interval seven days"), -1);
	assert_int_equal(interval("interval 7 fortnights"), -1);
	assert_int_equal(interval("interval 7 dayss"), -1);
	assert_int_equal(interval("interval -1 days"), -1);
	assert_int_equal(interval("interval 99999999999999 weeks"), -1);
	assert_int_equal(interval("soon"), -1);
}

struct got {
	char (*v)[32];
	size_t n;
};

static int
collect(const void *val, size_t len, void *arg)
{
	struct got *g = arg;

	assert_true(len < 32);
	memcpy(g->v[g->n], val, len);
	g->v[g->n][len] = '\0';
	g->n++;
	return 0;
}

/* "key seq" strings: sorted by key, then seq (stability). */
static int
cmp_text(const void *a, const void *b)
{
	unsigned ka, kb, sa, sb;

	sscanf(a, "%u %u", &ka, &sa);
	sscanf(b, "%u %u", &kb, &sb);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return sa < sb ? -1 : sa > sb;
}

static void
test_extsort(void **state)
{
	(void)state;
	char err[256];
	/* Enough entries that the smallest budget spills many runs, and
	 * few keys, so that ties test stability. */
	for (size_t total = 0; total <= 20000; total += 5000) {
		struct extsort *s = extsort_new(0);
		char (*want)[32] = calloc(total + 1, 32);
		struct got g = { calloc(total + 1, 32), 0 };
		srand(7);
		for (size_t i = 0; i < total; i++) {
			unsigned k = (unsigned)rand() % 500;
			unsigned char key[4] = { k >> 24, k >> 16, k >> 8, k };
			int n = snprintf(want[i], 32, "%u %zu", k, i);
			assert_int_equal(extsort_add(s, key, sizeof key,
			    want[i], (size_t)n, err, sizeof err), 0);
		}
		if (total >= 10000)
			assert_true(extsort_runs(s) > 2);
		assert_int_equal(extsort_drain(s, collect, &g, err,
		    sizeof err), 0);
		qsort(want, total, 32, cmp_text);
		assert_int_equal(g.n, total);
		for (size_t i = 0; i < total; i++)
			assert_string_equal(g.v[i], want[i]);
		free(want);
		free(g.v);
		extsort_free(s);
	}
	/* A sorter freed undrained deletes its runs without a leak. */
	struct extsort *s = extsort_new(0);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(extsort_add(s, "k", 1, "0123456789abcdef",
		    16, err, sizeof err), 0);
	extsort_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_forms),
		cmocka_unit_test(test_interval_rejects),
		cmocka_unit_test(test_extsort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
