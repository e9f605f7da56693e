/*
 * sparkval: floats in their own shortest digits, decimals from Parquet's
 * unscaled integers and from partition text, at their scale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "jsonw.h"
#include "writer.h"
#include "sparkval.h"

/* What the record codec prints for a double. */
static const char *
printed(double d)
{
	static char buf[64];
	struct writer w;

	writer_open_memory(&w);
	jw_double(&w, d);
	snprintf(buf, sizeof buf, "%.*s", (int)w.len, w.buf);
	writer_close(&w);
	return buf;
}

static void
test_floats(void **state)
{
	(void)state;
	assert_string_equal(printed(float_shortest(1.1f)), printed(1.1));
	assert_string_equal(printed(float_shortest(0.1f)), printed(0.1));
	assert_string_equal(printed(float_shortest(3.4028235e38f)),
	    printed(3.4028235e38));
	assert_string_equal(printed(float_shortest(1e-45f)), printed(1e-45));
	assert_string_equal(printed(float_shortest(16777216.0f)),
	    printed(16777216.0));
	assert_true(float_shortest(0.0f) == 0.0);
	assert_true(signbit(float_shortest(-0.0f)));
	assert_true(isnan(float_shortest(NAN)));
	assert_true(isinf(float_shortest(INFINITY)));
	/* Every float comes back as itself. */
	for (uint32_t bits = 0x00000001; bits < 0x7f800000; bits += 0x00012345) {
		float f;
		memcpy(&f, &bits, sizeof f);
		assert_true((float)float_shortest(f) == f);
		assert_true((float)float_shortest(-f) == -f);
	}
}

/* hex as a big-endian two's-complement unscaled value at scale. */
static void
expect_be(const char *hex, int scale, const char *want)
{
	uint8_t b[32];
	char out[DECIMAL_TEXT_MAX];
	size_t n = strlen(hex) / 2;
	dec128 v;

	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &b[i]);
	assert_int_equal(decimal_from_be(b, n, &v), 0);
	assert_int_equal(decimal_format(v, scale, out), (int)strlen(want));
	assert_string_equal(out, want);
}

static void
test_decimals(void **state)
{
	char out[DECIMAL_TEXT_MAX];
	dec128 v, max38;

	(void)state;
	expect_be("00", 0, "0");
	expect_be("00", 2, "0.00");
	expect_be("013a", 2, "3.14");
	expect_be("96", 0, "-106");
	expect_be("ff", 3, "-0.001");
	expect_be("ff", 2, "-0.01");
	expect_be("80", 1, "-12.8");
	expect_be("3039", 2, "123.45");
	expect_be("00000000000000000000000000000001", 38,
	    "0.00000000000000000000000000000000000001");
	/* 10^38 - 1, the largest decimal(38,0), and its negation. */
	expect_be("4b3b4ca85a86c47a098a223fffffffff", 0,
	    "99999999999999999999999999999999999999");
	expect_be("b4c4b357a5793b85f675ddc000000001", 4,
	    "-9999999999999999999999999999999999.9999");
	/* scale = precision: all fraction. */
	expect_be("b4c4b357a5793b85f675ddc000000001", 38,
	    "-0.99999999999999999999999999999999999999");
	/* Padding that only repeats the sign, past 16 bytes. */
	expect_be("ffffffffffffffffffffffffffffffffff85", 0, "-123");
	expect_be("0000000000000000000000000000000000007b", 1, "12.3");
	/* 17 bytes that mean more than 128 bits, and no bytes at all. */
	assert_int_equal(decimal_from_be((const uint8_t *)
	    "\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 17, &v), -1);
	assert_int_equal(decimal_from_be((const uint8_t *)
	    "\xff\x7f\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 17, &v), -1);
	assert_int_equal(decimal_from_be((const uint8_t *)"", 0, &v), -1);
	/* 39 digits do not fit a decimal. */
	assert_int_equal(decimal_from_be((const uint8_t *)
	    "\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	    16, &v), 0);
	assert_int_equal(decimal_format(v, 0, out), -1);
	assert_int_equal(decimal_format(-v - 1, 0, out), -1);	/* -2^127 */
	assert_int_equal(decimal_format(1, 39, out), -1);
	assert_int_equal(decimal_format(1, -1, out), -1);

	assert_int_equal(decimal_format(314, 2, out), 4);
	assert_string_equal(out, "3.14");
	decimal_format(-5, 3, out);
	assert_string_equal(out, "-0.005");
	decimal_format(INT64_MIN, 0, out);
	assert_string_equal(out, "-9223372036854775808");
	decimal_format(123456789012500, 3, out);
	assert_string_equal(out, "123456789012.500");
	decimal_format(7, 0, out);
	assert_string_equal(out, "7");
	decimal_format(0, 0, out);
	assert_string_equal(out, "0");

	/* Precision: the digits of the unscaled value. */
	decimal_from_be((const uint8_t *)"\x4b\x3b\x4c\xa8\x5a\x86\xc4\x7a"
	    "\x09\x8a\x22\x3f\xff\xff\xff\xff", 16, &max38);
	assert_true(decimal_fits(max38, 38));
	assert_true(decimal_fits(-max38, 38));
	assert_false(decimal_fits(max38 + 1, 38));
	assert_false(decimal_fits(max38, 37));
	assert_true(decimal_fits(9, 1));
	assert_true(decimal_fits(-9, 1));
	assert_false(decimal_fits(10, 1));
	assert_false(decimal_fits(-10, 1));
	assert_true(decimal_fits(0, 1));
	assert_false(decimal_fits(0, 0));
	assert_false(decimal_fits(0, 39));
}

static void
expect_norm(const char *s, int p, int sc, const char *want)
{
	char out[DECIMAL_TEXT_MAX];
	int n = decimal_normalize(s, strlen(s), p, sc, out);

	if (want == NULL) {
		if (n != -1)
			fail_msg("'%s' as decimal(%d,%d): got %s", s, p, sc, out);
		return;
	}
	if (n < 0)
		fail_msg("'%s' as decimal(%d,%d) refused", s, p, sc);
	assert_string_equal(out, want);
}

static void
test_normalize(void **state)
{
	(void)state;
	expect_norm("1.5", 5, 2, "1.50");
	expect_norm("1.50", 5, 2, "1.50");
	expect_norm("-0.05", 5, 2, "-0.05");
	expect_norm("+7", 3, 0, "7");
	expect_norm("007.10", 4, 2, "7.10");
	expect_norm("0", 3, 2, "0.00");
	expect_norm("-0.00", 3, 2, "0.00");
	expect_norm("1E+2", 3, 0, "100");
	expect_norm("1.0E-7", 10, 8, "0.00000010");
	expect_norm(".5", 2, 1, "0.5");
	expect_norm("5.", 2, 1, "5.0");
	expect_norm("1.005", 5, 2, NULL);	/* more fraction than scale */
	expect_norm("1000", 3, 0, NULL);	/* more digits than precision */
	expect_norm("1E+3", 3, 0, NULL);
	expect_norm("", 3, 0, NULL);
	expect_norm("-", 3, 0, NULL);
	expect_norm("1.2.3", 3, 0, NULL);
	expect_norm("1e", 3, 0, NULL);
	expect_norm("abc", 3, 0, NULL);
	expect_norm("12 ", 3, 0, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_normalize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
