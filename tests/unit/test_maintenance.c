/*
 * Table maintenance: the durations table properties hold (Spark's
 * CalendarInterval text), as delta-vacuum reads its retentions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "delta_vacuum.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_forms),
		cmocka_unit_test(test_interval_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
