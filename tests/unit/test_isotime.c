/* isotime: ISO 8601 parsing and formatting against hand-checked values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "isotime.h"

static int64_t
parse(const char *s)
{
	int64_t us = INT64_MIN;

	if (iso_parse(s, strlen(s), &us) != 0)
		return INT64_MIN;
	return us;
}

static void
test_parse_forms(void **state)
{
	(void)state;
	/* 2026-01-01T00:00:00Z = 1767225600 s since the epoch. */
	int64_t base = INT64_C(1767225600) * 1000000;

	assert_int_equal(parse("2026-01-01T00:00:00Z"), base);
	assert_int_equal(parse("2026-01-01T00:00:00"), base);
	assert_int_equal(parse("2026-01-01 00:00:00z"), base);
	assert_int_equal(parse("2026-01-01T00:00:00.5Z"), base + 500000);
	assert_int_equal(parse("2026-01-01T00:00:00,123456789Z"),
	    base + 123456);
	assert_int_equal(parse("2026-01-01T01:30:00+01:30"), base);
	assert_int_equal(parse("2026-01-01T01:30:00+0130"), base);
	assert_int_equal(parse("2025-12-31T19:00:00-05"), base);
	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse("1969-12-31T23:59:59.999999Z"), -1);
}

static void
test_parse_rejects(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "2026-01-01", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
		"2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z",
		"2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk",
		"2026-01-01T00:00:00+25:00", "2026/01/01T00:00:00Z",
		"0000-01-01T00:00:00Z", "2026-01-01T00:00:00+01:3",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(parse(bad[i]), INT64_MIN);
	assert_int_not_equal(parse("2024-02-29T00:00:00Z"), INT64_MIN);
}

static void
test_format_round_trip(void **state)
{
	(void)state;
	char buf[32];
	int64_t samples[] = { 0, -1, 1, INT64_C(1767225600123456),
	    INT64_C(-62135596800000000) /* 0001-01-01 */,
	    INT64_C(253402300799999999) /* 9999-12-31T23:59:59.999999 */ };

	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		size_t n = iso_format(buf, samples[i]);
		assert_int_equal(n, 27);
		assert_int_equal(parse(buf), samples[i]);
	}
	iso_format(buf, INT64_C(1767225600123456));
	assert_string_equal(buf, "2026-01-01T00:00:00.123456Z");
	iso_format_ms(buf, INT64_C(1767225600123999));
	assert_string_equal(buf, "2026-01-01T00:00:00.123Z");
	iso_format_ms(buf, -1);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	iso_format_date(buf, usec_to_days(-1));
	assert_string_equal(buf, "1969-12-31");
}

static void
test_dates(void **state)
{
	(void)state;
	int32_t d;

	assert_int_equal(iso_parse_date("1970-01-01", 10, &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(iso_parse_date("2000-03-01", 10, &d), 0);
	assert_int_equal(d, 11017);
	assert_int_equal(iso_parse_date("2000-02-30", 10, &d), -1);
	/* Every day over 800 years survives a round trip. */
	for (int64_t day = -200000; day < 100000; day += 7) {
		int64_t y;
		unsigned m, dd;
		civil_from_days(day, &y, &m, &dd);
		assert_int_equal(days_from_civil(y, m, dd), day);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
