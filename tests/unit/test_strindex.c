/*
 * strindex: numbers in order of first addition, the same number for the
 * same bytes, lengths that count (a prefix, and bytes after a NUL, make
 * another string), lookups that add nothing, and a table that keeps every
 * string through many growths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "strindex.h"

static void
test_numbers(void **state)
{
	(void)state;
	struct strindex t = { 0 };
	bool added;

	assert_int_equal(strindex_find(&t, "a", 1), STRINDEX_NONE);
	assert_int_equal(strindex_add(&t, "p-1", 3, &added), 0);
	assert_true(added);
	assert_int_equal(strindex_add(&t, "p-2", 3, &added), 1);
	assert_true(added);
	assert_int_equal(strindex_add(&t, "p-1", 3, &added), 0);
	assert_false(added);
	assert_int_equal(t.n, 2);

	/* Length counts: a prefix, the empty string, and a string with a NUL
	 * inside are three more strings. */
	assert_int_equal(strindex_add(&t, "p-12", 2, NULL), 2);
	assert_int_equal(strindex_add(&t, "", 0, NULL), 3);
	assert_int_equal(strindex_add(&t, "p-1\0x", 5, NULL), 4);
	assert_int_equal(strindex_find(&t, "p-1\0y", 5), STRINDEX_NONE);
	assert_int_equal(strindex_find(&t, "p-1\0x", 5), 4);
	assert_int_equal(t.e[4].len, 5);
	assert_memory_equal(t.e[4].s, "p-1\0x", 6);
	assert_string_equal(t.e[2].s, "p-");
	assert_int_equal(t.n, 5);

	strindex_free(&t);
	assert_int_equal(t.n, 0);
	assert_int_equal(strindex_find(&t, "p-1", 3), STRINDEX_NONE);
	assert_int_equal(strindex_add(&t, "q", 1, NULL), 0);
	strindex_free(&t);
}

/* 100,000 strings: every one keeps its number across the growths, and
 * strings never added are not found. */
static void
test_many(void **state)
{
	(void)state;
	struct strindex t = { 0 };
	char buf[32];
	enum { N = 100000 };

	for (uint32_t i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof buf, "patient-%u", i);
		assert_int_equal(strindex_add(&t, buf, (size_t)n, NULL), i);
	}
	for (uint32_t i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof buf, "patient-%u", i);
		assert_int_equal(strindex_find(&t, buf, (size_t)n), i);
		assert_string_equal(t.e[i].s, buf);
		n = snprintf(buf, sizeof buf, "other-%u", i);
		assert_int_equal(strindex_find(&t, buf, (size_t)n),
		    STRINDEX_NONE);
	}
	assert_true(t.mask + 1 >= 2 * (size_t)N);
	strindex_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
