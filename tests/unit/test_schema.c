/*
 * schema: every primitive type of the Delta protocol is parsed (those
 * only other writers write included, decimals with their precision and
 * scale), written back as Delta spells it, and kept from the writers;
 * two schemas compare by names, types and nullability, never comments.
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

#include "unit.h"
#include "schema.h"

static struct schema *
parse(const char *types[], size_t n, char *err, size_t errlen)
{
	char text[4096];
	size_t len = (size_t)snprintf(text, sizeof text,
	    "{\"type\":\"struct\",\"fields\":[");

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof text - len,
		    "%s{\"name\":\"c%zu\",\"type\":%s,\"nullable\":true,"
		    "\"metadata\":{}}", i ? "," : "", i, types[i]);
	snprintf(text + len, sizeof text - len, "]}");
	return schema_parse(text, strlen(text), err, errlen);
}

static void
test_types(void **state)
{
	const char *types[] = { "\"byte\"", "\"short\"", "\"integer\"",
	    "\"long\"", "\"float\"", "\"double\"", "\"decimal(38,18)\"",
	    "\"decimal( 5 , 2 )\"", "\"decimal\"", "\"string\"", "\"binary\"",
	    "\"boolean\"", "\"date\"", "\"timestamp\"",
	    "{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":"
	    "\"float\",\"nullable\":true,\"metadata\":{}}]}" };
	const enum ftype want[] = { FT_BYTE, FT_SHORT, FT_INTEGER, FT_LONG,
	    FT_FLOAT, FT_DOUBLE, FT_DECIMAL, FT_DECIMAL, FT_DECIMAL, FT_STRING,
	    FT_BINARY, FT_BOOLEAN, FT_DATE, FT_TIMESTAMP, FT_STRUCT };
	char err[300];
	struct schema *s = parse(types, 15, err, sizeof err);
	json_t *j;
	char *text;

	(void)state;
	if (s == NULL)
		fail_msg("%s", err);
	for (size_t i = 0; i < 15; i++)
		assert_int_equal(s->f[i].type, want[i]);
	assert_int_equal(s->f[6].precision, 38);
	assert_int_equal(s->f[6].scale, 18);
	assert_int_equal(s->f[7].precision, 5);
	assert_int_equal(s->f[7].scale, 2);
	/* Spark's default decimal. */
	assert_int_equal(s->f[8].precision, 10);
	assert_int_equal(s->f[8].scale, 0);
	assert_string_equal(ftype_name(FT_BYTE), "byte");
	assert_string_equal(ftype_name(FT_DECIMAL), "decimal");
	/* Written back as Delta spells the types. */
	j = schema_to_json(s);
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(text, "\"type\":\"decimal(5,2)\""));
	assert_non_null(strstr(text, "\"type\":\"decimal(10,0)\""));
	assert_non_null(strstr(text, "\"type\":\"byte\""));
	assert_non_null(strstr(text, "\"type\":\"binary\""));
	free(text);
	json_decref(j);
	/* Kept from the writers, the name of the column given; in a
	 * struct too. */
	assert_int_equal(schema_check_writable(s, err, sizeof err), -1);
	assert_string_equal(err, "column c0 is a byte: tables with it can be "
	    "read, not written");
	schema_free(s);
	s = parse(types + 14, 1, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(schema_check_writable(s, err, sizeof err), -1);
	assert_string_equal(err, "column x is a float: tables with it can be "
	    "read, not written");
	schema_free(s);
	s = parse(types + 9, 1, err, sizeof err);
	assert_int_equal(schema_check_writable(s, err, sizeof err), 0);
	schema_free(s);
}

static void
expect_refused(const char *type, const char *want)
{
	char err[300];
	struct schema *s = parse(&type, 1, err, sizeof err);

	if (s != NULL) {
		schema_free(s);
		fail_msg("%s was accepted", type);
	}
	if (strstr(err, want) == NULL)
		fail_msg("%s: \"%s\", expected \"%s\"", type, err, want);
}

static void
test_refused(void **state)
{
	(void)state;
	expect_refused("\"decimal(39,0)\"", "precision must be 1 to 38");
	expect_refused("\"decimal(0,0)\"", "precision must be 1 to 38");
	expect_refused("\"decimal(5,6)\"", "scale 0 to the precision");
	expect_refused("\"decimal(5,-1)\"", "scale 0 to the precision");
	expect_refused("\"decimal(5)\"", "unsupported type 'decimal(5)'");
	expect_refused("\"decimal(5,2)x\"", "unsupported type");
	expect_refused("\"timestamp_ntz\"", "unsupported type 'timestamp_ntz'");
	expect_refused("\"void\"", "unsupported type 'void'");
	expect_refused("{\"type\":\"array\",\"elementType\":\"long\","
	    "\"containsNull\":true}", "not a StructType");
}

static void
test_load(void **state)
{
	char path[] = "/tmp/vl-schema-XXXXXX", err[400];
	const char *text = "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\","
	    "\"type\":\"short\",\"nullable\":true,\"metadata\":{}}]}";
	int fd = mkstemp(path);
	struct schema *s;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	/* A schema a tool loads is one it writes by. */
	assert_null(schema_load(path, err, sizeof err));
	assert_non_null(strstr(err, "column a is a short: tables with it can "
	    "be read, not written"));
	assert_non_null(strstr(err, path));
	unlink(path);
	s = schema_load("silver", err, sizeof err);
	assert_non_null(s);
	schema_free(s);
}

/* A schema of one column a, a struct of b and c, with the given type of
 * c, its nullability and a's comment. */
static struct schema *
nested(const char *ctype, const char *cnull, const char *comment)
{
	char text[1024];

	snprintf(text, sizeof text, "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"a\",\"type\":{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"b\",\"type\":\"long\",\"nullable\":false,"
	    "\"metadata\":{\"comment\":\"%s\"}},"
	    "{\"name\":\"c\",\"type\":\"%s\",\"nullable\":%s,"
	    "\"metadata\":{}}]},\"nullable\":true,"
	    "\"metadata\":{\"comment\":\"%s\"}}]}", comment, ctype, cnull,
	    comment);
	return unit_schema(text);
}

/* Compares two new schemas, expecting why they differ; frees both. */
static void
expect_differs(struct schema *want, struct schema *have, const char *why)
{
	char err[300];

	assert_int_equal(schema_compare(want, have, err, sizeof err), -1);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\", expected \"%s\"", err, why);
	schema_free(want);
	schema_free(have);
}

static void
test_compare(void **state)
{
	struct schema *a = nested("string", "true", "one comment");
	struct schema *b = nested("string", "true", "another comment");
	const char *two[] = { "\"long\"", "\"string\"" };
	const char *swapped[] = { "\"string\"", "\"long\"" };
	const char *bare = "{\"type\":\"struct\",\"fields\":[{\"name\":"
	    "\"c0\",\"type\":\"long\",\"nullable\":true}]}";
	const char *renamed = "{\"type\":\"struct\",\"fields\":[{\"name\":"
	    "\"d0\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}";
	char err[300];

	(void)state;
	/* Comments, nested ones too, and metadata left out: documentation. */
	assert_int_equal(schema_compare(a, b, err, sizeof err), 0);
	assert_int_equal(schema_compare(b, a, err, sizeof err), 0);
	schema_free(a);
	schema_free(b);
	a = schema_parse(bare, strlen(bare), err, sizeof err);
	b = parse(two, 1, err, sizeof err);
	assert_int_equal(schema_compare(a, b, err, sizeof err), 0);
	schema_free(b);
	/* A type, a nullability, inside a struct too: not the same. */
	expect_differs(nested("long", "true", "x"), nested("string", "true",
	    "x"), "column a.c is long, the table's is string");
	expect_differs(nested("string", "false", "x"), nested("string", "true",
	    "x"), "column a.c is non-null string, the table's is string");
	expect_differs(nested("decimal(5,2)", "true", ""),
	    nested("decimal(5,1)", "true", ""),
	    "column a.c is decimal(5,2), the table's is decimal(5,1)");
	/* Columns missing, added, renamed or reordered. */
	expect_differs(parse(two, 1, err, sizeof err), parse(two, 2, err,
	    sizeof err), "the table has column c1 more");
	expect_differs(parse(two, 2, err, sizeof err), parse(two, 1, err,
	    sizeof err), "the table has no column c1");
	expect_differs(a, schema_parse(renamed, strlen(renamed), err,
	    sizeof err), "column 1 is c0, the table's is d0");
	expect_differs(parse(two, 2, err, sizeof err), parse(swapped, 2, err,
	    sizeof err), "column c0 is long, the table's is string");
}

/* Added columns: nullable ones anywhere among the table's, in its order;
 * nothing else. */
static void
test_added_columns(void **state)
{
	const char *t = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"a\",\"type\":\"long\",\"nullable\":false},"
	    "{\"name\":\"b\",\"type\":\"string\",\"nullable\":true}]}";
	const char *middle = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"a\",\"type\":\"long\",\"nullable\":false},"
	    "{\"name\":\"x\",\"type\":\"double\",\"nullable\":true},"
	    "{\"name\":\"b\",\"type\":\"string\",\"nullable\":true},"
	    "{\"name\":\"y\",\"type\":\"boolean\",\"nullable\":true}]}";
	const char *nonnull = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"a\",\"type\":\"long\",\"nullable\":false},"
	    "{\"name\":\"b\",\"type\":\"string\",\"nullable\":true},"
	    "{\"name\":\"y\",\"type\":\"boolean\",\"nullable\":false}]}";
	const char *swapped = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"b\",\"type\":\"string\",\"nullable\":true},"
	    "{\"name\":\"a\",\"type\":\"long\",\"nullable\":false}]}";
	const char *dropped = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"a\",\"type\":\"long\",\"nullable\":false},"
	    "{\"name\":\"y\",\"type\":\"boolean\",\"nullable\":true}]}";
	const char *retyped = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"a\",\"type\":\"integer\",\"nullable\":false},"
	    "{\"name\":\"b\",\"type\":\"string\",\"nullable\":true},"
	    "{\"name\":\"y\",\"type\":\"boolean\",\"nullable\":true}]}";
	struct schema *have = unit_schema(t);
	struct { const char *text; int want; } cases[] = {
		{ t, 0 }, { middle, 2 }, { nonnull, -1 }, { swapped, -1 },
		{ dropped, -1 }, { retyped, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct schema *want = unit_schema(cases[i].text);
		if (schema_added_columns(want, have) != cases[i].want)
			fail_msg("case %zu: %d, expected %d", i,
			    schema_added_columns(want, have), cases[i].want);
		schema_free(want);
	}
	schema_free(have);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_added_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
