/*
 * jsonl: blank lines are skipped, every other line must be one object
 * with no key twice, a bad line is named by file and line and stops the
 * read, a missing file is an error unless allowed, and a last line
 * without its newline is refused only where a torn write matters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "jsonl.h"

static char dir[] = "/tmp/vl-jsonl.XXXXXX", path[64];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/f.ndjson", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void
put(const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

struct seen {
	int n, stop_at;
	long sum;
};

static int
count(json_t *o, void *arg, char *why, size_t whylen)
{
	struct seen *s = arg;

	s->n++;
	s->sum += (long)json_integer_value(json_object_get(o, "k"));
	if (s->n == s->stop_at) {
		snprintf(why, whylen, "enough");
		return -1;
	}
	return 0;
}

static void
test_lines(void **state)
{
	struct seen s = { 0 };
	char err[512];

	(void)state;
	put("{\"k\":1}\n\n  \t\r\n{\"k\":2}\r\n{\"k\":3}");
	assert_int_equal(jsonl_read(path, 0, count, &s, err, sizeof err), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.sum, 6);
	/* The same file written whole or not: the last line is cut. */
	memset(&s, 0, sizeof s);
	assert_int_equal(jsonl_read(path, JSONL_WHOLE_LINES, count, &s, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, ":5: the line is cut short"));
	assert_int_equal(s.n, 2);
}

static void
test_bad_lines(void **state)
{
	static const struct {
		const char *text, *why;
		int before;
	} cases[] = {
		{ "{\"k\":1}\n{\"k\":1,\"k\":2}\n{\"k\":3}\n", ":2: ", 1 },
		{ "{\"k\":1}\n[1]\n", ":2: not a JSON object", 1 },
		{ "{\"k\":1\n", ":1: ", 0 },
		{ "\n\n{\"k\":1} x\n", ":3: ", 0 },
		{ "{\"k\":\"a\\u0000b\"}\n{\"a\0\":1}\n", ":1: ", 0 },
	};
	char err[512], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct seen s = { 0 };
		put(cases[i].text);
		assert_int_equal(jsonl_read(path, 0, count, &s, err,
		    sizeof err), -1);
		snprintf(want, sizeof want, "%s%s", path, cases[i].why);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(s.n, cases[i].before);
	}
}

static void
test_refusal_stops(void **state)
{
	struct seen s = { .stop_at = 2 };
	char err[512], want[128];

	(void)state;
	put("{\"k\":1}\n{\"k\":2}\n{\"k\":3}\n");
	assert_int_equal(jsonl_read(path, 0, count, &s, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: enough", path);
	assert_string_equal(err, want);
	assert_int_equal(s.n, 2);
}

static void
test_missing(void **state)
{
	struct seen s = { 0 };
	char err[512] = "";

	(void)state;
	unlink(path);
	assert_int_equal(jsonl_read(path, JSONL_MISSING_OK, count, &s, err,
	    sizeof err), 0);
	assert_int_equal(jsonl_read(path, 0, count, &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(s.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_refusal_stops),
		cmocka_unit_test(test_missing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
