/*
 * conform: the rules a table's rows are held to, by delta-commit and
 * bq-load alike: each reason with the column it names, the 32-bit range
 * of "integer", integers accepted as doubles, times and dates converted,
 * a struct's sub-fields checked by the same rules, and nulls allowed
 * only where the schema says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conform.h"
#include "record.h"
#include "schema.h"

static const char table[] =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"string\",\"nullable\":false},"
    "{\"name\":\"n\",\"type\":\"integer\",\"nullable\":true},"
    "{\"name\":\"big\",\"type\":\"long\",\"nullable\":true},"
    "{\"name\":\"x\",\"type\":\"double\",\"nullable\":true},"
    "{\"name\":\"ok\",\"type\":\"boolean\",\"nullable\":true},"
    "{\"name\":\"t\",\"type\":\"timestamp\",\"nullable\":true},"
    "{\"name\":\"d\",\"type\":\"date\",\"nullable\":true},"
    "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"string\",\"nullable\":true},"
    "{\"name\":\"b\",\"type\":\"long\",\"nullable\":false}]},"
    "\"nullable\":true}]}";

struct fixture {
	struct schema *s;
	struct record *r;
	struct conform *c;
};

static int
setup(void **state)
{
	static struct fixture f;
	char err[256];

	f.s = schema_parse(table, strlen(table), err, sizeof err);
	if (f.s == NULL)
		return -1;
	f.r = record_new(f.s);
	f.c = conform_new(f.s);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	conform_free(f->c);
	record_free(f->r);
	schema_free(f->s);
	return 0;
}

/* The reason for line (NULL when it conforms), with its detail. */
static const char *
check(struct fixture *f, const char *line, char *detail, size_t dlen)
{
	const char *reason = NULL;
	char err[256];

	assert_int_equal(record_scan(f->r, line, strlen(line), err), 0);
	detail[0] = '\0';
	if (conform_check(f->c, f->r, &reason, detail, dlen) == 0)
		return NULL;
	assert_non_null(reason);
	return reason;
}

static void
test_reasons(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *line, *reason, *detail;
	} cases[] = {
		{ "{\"id\":\"p\"}", NULL, "" },
		{ "{\"id\":\"p\",\"zz\":1}", "unknown_field",
		    "the table has no column 'zz'" },
		{ "{\"n\":1}", "missing_field", "id is required" },
		{ "{\"id\":null}", "missing_field", "id is required" },
		{ "{\"id\":7}", "schema_mismatch", "id is not a string" },
		{ "{\"id\":\"p\",\"n\":2147483648}", "schema_mismatch",
		    "n is not an integer (32-bit)" },
		{ "{\"id\":\"p\",\"n\":-2147483648}", NULL, "" },
		{ "{\"id\":\"p\",\"n\":1.5}", "schema_mismatch",
		    "n is not an integer (32-bit)" },
		{ "{\"id\":\"p\",\"big\":\"1\"}", "schema_mismatch",
		    "big is not a long" },
		{ "{\"id\":\"p\",\"ok\":1}", "schema_mismatch",
		    "ok is not a boolean" },
		{ "{\"id\":\"p\",\"t\":\"yesterday\"}", "schema_mismatch",
		    "t is not a timestamp" },
		{ "{\"id\":\"p\",\"d\":\"2026-02-30\"}", "schema_mismatch",
		    "d is not a date" },
		{ "{\"id\":\"p\",\"s\":[1]}", "schema_mismatch",
		    "s is not a struct" },
		{ "{\"id\":\"p\",\"s\":{\"b\":1,\"c\":2}}", "unknown_field",
		    "s has no field 'c'" },
		{ "{\"id\":\"p\",\"s\":{\"a\":\"x\"}}", "missing_field",
		    "b is required" },
		{ "{\"id\":\"p\",\"s\":{\"b\":\"x\"}}", "schema_mismatch",
		    "b is not a long" },
		{ "{\"id\":\"p\",\"s\":null}", NULL, "" },
	};
	char detail[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = check(f, cases[i].line, detail,
		    sizeof detail);
		if ((got == NULL) != (cases[i].reason == NULL) ||
		    (got != NULL && strcmp(got, cases[i].reason) != 0) ||
		    strcmp(detail, cases[i].detail) != 0)
			fail_msg("%s: got %s '%s', expected %s '%s'",
			    cases[i].line, got ? got : "ok", detail,
			    cases[i].reason ? cases[i].reason : "ok",
			    cases[i].detail);
	}
}

static void
test_cells(void **state)
{
	struct fixture *f = *state;
	char detail[256];

	assert_null(check(f, "{\"id\":\"p\\u00e9\",\"n\":-3,\"x\":2,"
	    "\"ok\":true,\"t\":\"1970-01-01T00:00:01.5Z\","
	    "\"d\":\"1970-01-03\",\"s\":{\"a\":\"q\",\"b\":9}}", detail,
	    sizeof detail));
	const struct cell *id = conform_cell(f->c, 0);
	assert_int_equal(id->len, 3);
	assert_memory_equal(id->s, "p\xc3\xa9", 3);
	assert_int_equal(conform_cell(f->c, 1)->i, -3);
	assert_true(conform_cell(f->c, 2)->null);
	assert_true(conform_cell(f->c, 3)->d == 2.0);
	assert_int_equal(conform_cell(f->c, 4)->i, 1);
	assert_int_equal(conform_cell(f->c, 5)->i, 1500000);
	assert_int_equal(conform_cell(f->c, 6)->i, 2);
	assert_false(conform_cell(f->c, 7)->null);
	assert_int_equal(conform_subcell(f->c, 7, 0)->len, 1);
	assert_int_equal(conform_subcell(f->c, 7, 1)->i, 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_cells),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
