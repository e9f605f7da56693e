/*
 * predicate: the --where language (conversions, and messages that point
 * at the mistake), and its two judgements: may a data file hold a
 * matching row (partition values, min/max with truncated strings and
 * millisecond timestamps, null counts), and does a row match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "isotime.h"
#include "partition.h"
#include "predicate.h"
#include "record.h"
#include "schema.h"

static const char schema_text[] =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"s\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"i\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"l\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"d\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"b\",\"type\":\"boolean\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"ts\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"dt\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"Mixed_Case\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"st\",\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]},"
    "\"nullable\":true,\"metadata\":{}}]}";

static struct schema *sch;

static int
setup(void **state)
{
	char err[200];

	(void)state;
	sch = schema_parse(schema_text, strlen(schema_text), err, sizeof err);
	return sch == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	schema_free(sch);
	return 0;
}

static struct predicate *
parse_ok(const char *text)
{
	char err[300] = "";
	struct predicate *p = predicate_parse(sch, text, err, sizeof err);

	if (p == NULL)
		fail_msg("'%s': %s", text, err);
	return p;
}

static void
test_conversions(void **state)
{
	struct predicate *p;
	int64_t us;

	(void)state;
	p = parse_ok("s = 'p1' AND i >= -3 and l < 9000000000 AnD d > 1e3");
	assert_int_equal(p->n, 4);
	assert_int_equal(p->t[0].col, 0);
	assert_string_equal(p->t[0].name, "s");
	assert_int_equal(p->t[0].op, PRED_EQ);
	assert_string_equal(p->t[0].v.s, "p1");
	assert_int_equal(p->t[0].v.len, 2);
	assert_int_equal(p->t[1].op, PRED_GE);
	assert_int_equal(p->t[1].v.i, -3);
	assert_int_equal(p->t[2].type, FT_LONG);
	assert_int_equal(p->t[2].v.i, INT64_C(9000000000));
	assert_true(p->t[3].v.d == 1000.0);
	predicate_free(p);

	/* '' is a quote; the string may hold spaces, AND and UTF-8. */
	p = parse_ok("s='it''s AND caf\xc3\xa9'");
	assert_string_equal(p->t[0].v.s, "it's AND caf\xc3\xa9");
	predicate_free(p);
	p = parse_ok("s = ''''");
	assert_string_equal(p->t[0].v.s, "'");
	predicate_free(p);
	p = parse_ok("s = ''");
	assert_int_equal(p->t[0].v.len, 0);
	predicate_free(p);

	/* Integers for doubles; decimals in their forms. */
	p = parse_ok("d = 37 AND d < -0.5 AND d >= .25 AND d <= 2.E-1");
	assert_true(p->t[0].v.d == 37.0);
	assert_true(p->t[1].v.d == -0.5);
	assert_true(p->t[2].v.d == 0.25);
	assert_true(p->t[3].v.d == 0.2);
	predicate_free(p);

	/* Booleans in any case; dates; timestamps with a zone, without
	 * one (UTC), with a space, and a date as its midnight. */
	p = parse_ok("b = TRUE AND b > false AND dt = '2026-01-02' AND "
	    "ts >= '2026-01-01T01:00:00+01:00' AND ts < '2026-01-01 00:00:05.5'"
	    " AND ts > '2026-01-03'");
	assert_int_equal(p->t[0].v.i, 1);
	assert_int_equal(p->t[1].v.i, 0);
	assert_int_equal(p->t[2].v.i, 20455);
	assert_int_equal(iso_parse("2026-01-01T00:00:00Z", 20, &us), 0);
	assert_int_equal(p->t[3].v.i, us);
	assert_int_equal(p->t[4].v.i, us + 5500000);
	assert_int_equal(p->t[5].v.i, us + 2 * USEC_PER_DAY);
	predicate_free(p);

	/* A literal on the left: the comparison turns round. */
	p = parse_ok("5 < i AND 'a' = s AND 7 >= l AND 1 <= d AND 2 > i");
	assert_int_equal(p->t[0].op, PRED_GT);
	assert_int_equal(p->t[1].op, PRED_EQ);
	assert_int_equal(p->t[2].op, PRED_LE);
	assert_int_equal(p->t[3].op, PRED_GE);
	assert_int_equal(p->t[4].op, PRED_LT);
	predicate_free(p);

	/* Space is optional around operators, allowed at both ends. */
	p = parse_ok("  i<=5 AND Mixed_Case>=1\n");
	assert_int_equal(p->t[0].op, PRED_LE);
	assert_int_equal(p->t[1].col, 7);
	predicate_free(p);
}

static void
expect_error(const char *text, const char *want)
{
	char err[300] = "";
	struct predicate *p = predicate_parse(sch, text, err, sizeof err);

	if (p != NULL) {
		predicate_free(p);
		fail_msg("'%s' was accepted", text);
	}
	if (strstr(err, want) == NULL)
		fail_msg("'%s': got \"%s\", expected \"%s\"", text, err, want);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("", "the predicate is empty");
	expect_error("   ", "the predicate is empty");
	expect_error("nope = 1", "at character 1: no column nope in the table");
	expect_error("i = 1 AND nope = 1", "at character 11: no column nope");
	expect_error("mixed_case = 1", "no column mixed_case in the table "
	    "(did you mean Mixed_Case?)");
	expect_error("st = 'a'", "column st is a struct");
	expect_error("i = 1.5", "at character 5: column i (integer) is "
	    "compared with an integer such as 42, not 1.5");
	expect_error("i = '88'", "not '88'");
	expect_error("i = 12abc", "not 12abc");
	expect_error("l = 99999999999999999999", "out of range for column l");
	expect_error("d = 0x10", "column d (double)");
	expect_error("d = 1e", "column d (double)");
	expect_error("d = 1e999", "out of range for column d");
	expect_error("s = 12", "compared with a quoted string");
	expect_error("s = \"p1\"", "at character 5: strings are written in "
	    "single quotes");
	expect_error("s = 'p1", "at character 5: a string that does not end");
	expect_error("s = 'a''", "a string that does not end");
	expect_error("b = 1", "column b (boolean) is compared with true or "
	    "false");
	expect_error("dt = '2026-02-30'", "'2026-02-30' is not a date");
	expect_error("dt = 20260101", "quoted date");
	expect_error("ts = '2026-01-01T25:00:00Z'", "is not an ISO 8601 "
	    "timestamp for column ts");
	expect_error("ts = 5", "quoted ISO 8601 timestamp");
	expect_error("i = null", "a comparison with NULL is never true");
	expect_error("i", "at character 2: expected =, <, <=, > or >= after "
	    "'i', at the end");
	expect_error("i 5", "at character 3: expected =, <, <=, > or >=");
	expect_error("i =", "the predicate ends where a column or a literal "
	    "should follow =");
	expect_error("i != 5", "at character 3: '!=' is not supported");
	expect_error("i <> 5", "'<>' is not supported");
	expect_error("i == 5", "'==' is not supported");
	expect_error("i IS NULL", "IS is not supported");
	expect_error("i = 1 OR i = 2", "at character 7: OR is not supported");
	expect_error("i = 1 AND", "at character 10: the predicate ends where "
	    "a column or a literal should follow AND");
	expect_error("i = 1 AND AND i = 2", "at character 11: expected a "
	    "column or a literal after AND");
	expect_error("i = 1 i = 2", "at character 7: expected AND or the end "
	    "of the predicate, not 'i'");
	expect_error("i = 1)", "at character 6: unexpected ')'");
	expect_error("(i = 1)", "at character 1: unexpected '('");
	expect_error("i = 1 'x'", "not ''x''");
	expect_error("i = l", "compares two columns (i and l)");
	expect_error("1 = 2", "compares two literals");
	/* Characters, not bytes: the message points past the UTF-8. */
	expect_error("s = 'caf\xc3\xa9' AND x = 1", "at character 16: no "
	    "column x");
	expect_error("s = 'a' \xc3\xa9", "at character 9: unexpected "
	    "'\xc3\xa9'");
}

/* A file's stats as delta-commit writes them, for one column. */
static bool
file_may(const char *pred, const char *stats)
{
	struct predicate *p = parse_ok(pred);
	bool may = predicate_may_match_file(p, NULL, stats);

	predicate_free(p);
	return may;
}

static void
test_prune_numbers(void **state)
{
	const char *st = "{\"numRecords\":10,\"minValues\":{\"i\":5,\"l\":-7,"
	    "\"d\":-0.0,\"dt\":\"2026-01-02\"},\"maxValues\":{\"i\":9,"
	    "\"l\":-7,\"d\":2.5,\"dt\":\"2026-01-04\"},\"nullCount\":{\"i\":0,"
	    "\"l\":3,\"d\":0,\"dt\":0}}";

	(void)state;
	assert_false(file_may("i = 4", st));
	assert_true(file_may("i = 5", st));
	assert_true(file_may("i = 9", st));
	assert_false(file_may("i = 10", st));
	assert_false(file_may("i < 5", st));
	assert_true(file_may("i < 6", st));
	assert_false(file_may("i <= 4", st));
	assert_true(file_may("i <= 5", st));
	assert_false(file_may("i > 9", st));
	assert_true(file_may("i > 8", st));
	assert_false(file_may("i >= 10", st));
	assert_true(file_may("i >= 9", st));
	assert_true(file_may("4 < i", st));
	assert_false(file_may("9 < i", st));
	/* A term that cannot match rules the file out whatever the
	 * others say. */
	assert_false(file_may("i >= 0 AND i > 100", st));
	assert_false(file_may("i > 100 AND d = 1", st));
	assert_true(file_may("i > 6 AND i < 8", st));
	/* min == max */
	assert_true(file_may("l = -7", st));
	assert_false(file_may("l > -7", st));
	/* Doubles: -0.0 is 0; an integer literal compares as a number. */
	assert_true(file_may("d = 0", st));
	assert_true(file_may("d <= 0", st));
	assert_false(file_may("d < 0", st));
	assert_false(file_may("d > 2.5", st));
	assert_true(file_may("d >= 2.5", st));
	/* Dates. */
	assert_false(file_may("dt = '2026-01-01'", st));
	assert_true(file_may("dt = '2026-01-02'", st));
	assert_false(file_may("dt > '2026-01-04'", st));
	/* A column without bounds (not among the first 32, or a boolean)
	 * prunes nothing; nor does a bound that is not of its type. */
	assert_true(file_may("b = true", st));
	assert_true(file_may("ts < '1970-01-01'", st));
	assert_true(file_may("i = 1", "{\"numRecords\":3,\"minValues\":"
	    "{\"i\":\"5\"},\"maxValues\":{\"i\":null}}"));
	/* Booleans, where a writer gives bounds. */
	assert_false(file_may("b = true", "{\"numRecords\":3,\"minValues\":"
	    "{\"b\":false},\"maxValues\":{\"b\":false}}"));
	assert_true(file_may("b = false", "{\"numRecords\":3,\"minValues\":"
	    "{\"b\":false},\"maxValues\":{\"b\":false}}"));
}

static void
test_prune_nulls(void **state)
{
	(void)state;
	/* Every row null in i: no comparison on i is true. */
	const char *all = "{\"numRecords\":4,\"minValues\":{},\"maxValues\":"
	    "{},\"nullCount\":{\"i\":4,\"s\":3}}";
	assert_false(file_may("i = 1", all));
	assert_false(file_may("i >= -2147483648", all));
	/* Some null, no bounds: anything may match. */
	assert_true(file_may("s = 'x'", all));
	assert_true(file_may("l = 1", all));
	/* A file of no rows holds no match. */
	assert_false(file_may("s = 'x'", "{\"numRecords\":0}"));
	/* Without stats, or with stats that do not parse, nothing is
	 * known: never skipped. */
	assert_true(file_may("i = 1", NULL));
	assert_true(file_may("i = 1", "not json"));
	assert_true(file_may("i = 1", "[1]"));
	assert_true(file_may("i = 1", "{}"));
	assert_true(file_may("i = 1", "{\"numRecords\":4,\"nullCount\":"
	    "{\"i\":3}}"));
}

static void
test_prune_strings(void **state)
{
	char p32[33], st[400], pred[400];

	(void)state;
	memset(p32, 'a', 32);
	p32[32] = '\0';
	/* Values "aaa...ab" and "aaa...ac" (33 characters): the writer
	 * keeps the first 32 as the minimum, and the maximum as those and
	 * a tie-breaker (DEL) above the 33rd. */
	snprintf(st, sizeof st, "{\"numRecords\":2,\"minValues\":{\"s\":"
	    "\"%s\"},\"maxValues\":{\"s\":\"%s\\u007f\"},\"nullCount\":"
	    "{\"s\":0}}", p32, p32);
	snprintf(pred, sizeof pred, "s = '%sb'", p32);
	assert_true(file_may(pred, st));
	snprintf(pred, sizeof pred, "s = '%sc'", p32);
	assert_true(file_may(pred, st));
	snprintf(pred, sizeof pred, "s >= '%sc'", p32);
	assert_true(file_may(pred, st));
	snprintf(pred, sizeof pred, "s > '%s~~~'", p32);
	assert_true(file_may(pred, st));
	/* Below the prefix or above the tie-breaker: nothing. */
	snprintf(pred, sizeof pred, "s < '%s'", p32);
	assert_false(file_may(pred, st));
	snprintf(pred, sizeof pred, "s = '%.31s'", p32);
	assert_false(file_may(pred, st));
	snprintf(pred, sizeof pred, "s = '%.31sb'", p32);
	assert_false(file_may(pred, st));
	snprintf(pred, sizeof pred, "s >= '%s\x7f'", p32);
	assert_true(file_may(pred, st));
	snprintf(pred, sizeof pred, "s > '%s\x7f'", p32);
	assert_false(file_may(pred, st));
	/* Short values are kept whole. */
	assert_false(file_may("s = 'b'", "{\"numRecords\":1,\"minValues\":"
	    "{\"s\":\"a\"},\"maxValues\":{\"s\":\"a\"}}"));
	assert_false(file_may("s > 'a'", "{\"numRecords\":1,\"minValues\":"
	    "{\"s\":\"a\"},\"maxValues\":{\"s\":\"a\"}}"));
	assert_true(file_may("s >= 'a'", "{\"numRecords\":1,\"minValues\":"
	    "{\"s\":\"a\"},\"maxValues\":{\"s\":\"a\"}}"));
	/* Bytes, that is code points: 'é' is above 'z'. */
	assert_false(file_may("s < 'z'", "{\"numRecords\":1,\"minValues\":"
	    "{\"s\":\"\xc3\xa9\"},\"maxValues\":{\"s\":\"\xc3\xa9t\xc3\xa9\"}}"));
	/* The 33rd character was U+10FFFF: the maximum ends in it, and a
	 * value that continues past it is above it.  Such a maximum bounds
	 * nothing. */
	snprintf(st, sizeof st, "{\"numRecords\":1,\"minValues\":{\"s\":"
	    "\"%s\"},\"maxValues\":{\"s\":\"%s\xf4\x8f\xbf\xbf\"}}", p32, p32);
	snprintf(pred, sizeof pred, "s = '%s\xf4\x8f\xbf\xbfzz'", p32);
	assert_true(file_may(pred, st));
	snprintf(pred, sizeof pred, "s > '%s\xf4\x8f\xbf\xbf'", p32);
	assert_true(file_may(pred, st));
	snprintf(pred, sizeof pred, "s < '%s'", p32);
	assert_false(file_may(pred, st));
}

static void
test_prune_timestamps(void **state)
{
	/* Values from 00:00:01.000400 to 00:00:02.000999: milliseconds,
	 * truncated, in the stats. */
	const char *st = "{\"numRecords\":2,\"minValues\":{\"ts\":"
	    "\"2026-01-01T00:00:01.000Z\"},\"maxValues\":{\"ts\":"
	    "\"2026-01-01T00:00:02.000Z\"},\"nullCount\":{\"ts\":0}}";

	(void)state;
	assert_true(file_may("ts = '2026-01-01T00:00:02.000999Z'", st));
	assert_true(file_may("ts > '2026-01-01T00:00:02.000500Z'", st));
	assert_true(file_may("ts >= '2026-01-01T00:00:02.000999Z'", st));
	assert_false(file_may("ts >= '2026-01-01T00:00:02.001Z'", st));
	assert_false(file_may("ts > '2026-01-01T00:00:02.000999Z'", st));
	assert_true(file_may("ts = '2026-01-01T00:00:01Z'", st));
	assert_false(file_may("ts < '2026-01-01T00:00:01Z'", st));
	assert_false(file_may("ts = '2026-01-01T00:00:00.999999Z'", st));
	/* The same instant in another zone. */
	assert_false(file_may("ts < '2026-01-01T01:00:01+01:00'", st));
	assert_true(file_may("ts <= '2026-01-01T01:00:01+01:00'", st));
	assert_false(file_may("ts >= '2026-01-02'", st));
	assert_true(file_may("ts >= '2026-01-01'", st));
}

/* partitionValues as delta-commit writes them (lib/delta_append.c):
 * the partition_value() text, a JSON null for a null partition, whose
 * directory is __HIVE_DEFAULT_PARTITION__. */
static void
put_partition(json_t *pvs, const char *col, enum ftype t,
    const struct jval *v)
{
	struct pvalue pv;

	assert_int_equal(partition_value(v, t, &pv), 0);
	json_object_set_new(pvs, col, pv.is_null ? json_null() :
	    json_stringn(pv.value, pv.value_len));
}

static bool
part_may(const char *pred, const json_t *pvs, bool whole_file)
{
	struct predicate *p = parse_ok(pred);
	bool may = whole_file ? predicate_may_match_file(p, pvs, NULL) :
	    predicate_may_match_partition(p, pvs);

	predicate_free(p);
	return may;
}

static void
test_partitions(void **state)
{
	json_t *pvs = json_object();
	struct jval absent = { .kind = JK_ABSENT };
	struct jval empty = { .kind = JK_STRING, .s = "", .len = 0 };
	struct jval day = { .kind = JK_DATE, .i = 20454 };
	struct jval five = { .kind = JK_INT, .i = 5 };
	struct jval yes = { .kind = JK_TRUE };
	struct jval noon = { .kind = JK_TIME, .i = 20454 * USEC_PER_DAY +
	    12 * 3600 * USEC_PER_SEC };
	struct pvalue pv;
	char *names[] = { "s", "dt", "i", "b", "ts", "l" };

	(void)state;
	/* A null partition: value null, directory the Hive default. */
	assert_int_equal(partition_value(&absent, FT_STRING, &pv), 0);
	assert_true(pv.is_null);
	assert_string_equal(pv.dir, HIVE_NULL);
	assert_int_equal(partition_value(&empty, FT_STRING, &pv), 0);
	assert_true(pv.is_null);

	put_partition(pvs, "s", FT_STRING, &absent);
	put_partition(pvs, "dt", FT_DATE, &day);
	put_partition(pvs, "i", FT_INTEGER, &five);
	put_partition(pvs, "b", FT_BOOLEAN, &yes);
	put_partition(pvs, "ts", FT_TIMESTAMP, &noon);
	/* Null never compares true, whatever the literal. */
	assert_false(part_may("s = 'x'", pvs, true));
	assert_false(part_may("s >= ''", pvs, true));
	assert_false(part_may("s < '\xf4\x8f\xbf\xbf'", pvs, false));
	assert_false(part_may("s = '__HIVE_DEFAULT_PARTITION__'", pvs, true));
	/* The others decide exactly, in their types. */
	assert_true(part_may("dt = '2026-01-01'", pvs, true));
	assert_false(part_may("dt = '2026-01-02'", pvs, true));
	assert_false(part_may("dt > '2026-01-01'", pvs, true));
	assert_true(part_may("dt <= '2026-01-01'", pvs, true));
	assert_true(part_may("i = 5 AND i >= 5 AND i < 6", pvs, true));
	assert_false(part_may("i = 50", pvs, true));
	assert_false(part_may("i > 10", pvs, true));	/* not as text */
	assert_true(part_may("b = true", pvs, true));
	assert_false(part_may("b = false", pvs, true));
	assert_true(part_may("ts = '2026-01-01T12:00:00Z'", pvs, true));
	assert_false(part_may("ts > '2026-01-01T12:00:00Z'", pvs, false));
	/* Terms on other columns: unknown to the partition check, and
	 * to the file check without stats. */
	assert_true(part_may("l = 1 AND dt = '2026-01-01'", pvs, false));
	assert_false(part_may("l = 1 AND dt = '2026-01-02'", pvs, false));
	assert_true(part_may("l = 1", pvs, true));
	/* With stats, both count. */
	{
		struct predicate *p = parse_ok("dt = '2026-01-01' AND l > 3");
		assert_true(predicate_may_match_file(p, pvs, "{\"numRecords\""
		    ":2,\"minValues\":{\"l\":1},\"maxValues\":{\"l\":4}}"));
		assert_false(predicate_may_match_file(p, pvs, "{\"numRecords"
		    "\":2,\"minValues\":{\"l\":1},\"maxValues\":{\"l\":3}}"));
		assert_string_equal(predicate_outside(p, names, 5), "l");
		assert_null(predicate_outside(p, names, 6));
		predicate_free(p);
	}
	/* Other writers' forms: an empty string is null too; Spark's
	 * timestamps have a space and no zone; a text that is not of the
	 * column's type decides nothing (the reader says so when it reads
	 * the rows). */
	json_object_set_new(pvs, "s", json_string(""));
	json_object_set_new(pvs, "ts", json_string("2026-01-01 12:00:00"));
	json_object_set_new(pvs, "i", json_string("five"));
	assert_false(part_may("s = ''", pvs, true));
	assert_true(part_may("ts = '2026-01-01T12:00:00Z'", pvs, true));
	assert_true(part_may("i = 7", pvs, true));
	/* From the add action. */
	{
		struct predicate *p = parse_ok("dt = '2026-01-02'");
		json_t *add = json_pack("{s:O,s:s}", "partitionValues", pvs,
		    "stats", "{\"numRecords\":1}");
		assert_false(predicate_may_match_add(p, add));
		json_decref(add);
		predicate_free(p);
	}
	json_decref(pvs);
}

static bool
row_matches(const char *pred, const struct record *r)
{
	struct predicate *p = parse_ok(pred);
	bool m = predicate_match_record(p, r);

	predicate_free(p);
	return m;
}

static void
test_records(void **state)
{
	struct record *r = record_new(sch);
	const char *line = "{\"s\":\"p1\",\"i\":88,\"l\":null,\"d\":36,"
	    "\"b\":false,\"ts\":\"2026-01-01T00:00:05.000000Z\","
	    "\"dt\":\"2026-01-01\"}";

	(void)state;
	/* As NDJSON reads it: times as strings, a whole double as an
	 * integer. */
	assert_int_equal(record_scan(r, line, strlen(line), NULL), 0);
	assert_true(row_matches("s = 'p1'", r));
	assert_false(row_matches("s = 'p'", r));
	assert_false(row_matches("s > 'p1'", r));
	assert_true(row_matches("s < 'p10'", r));
	assert_true(row_matches("i = 88 AND i > 87 AND i <= 88", r));
	assert_false(row_matches("i = 88 AND i > 88", r));
	assert_true(row_matches("d = 36 AND d > 35.9", r));
	assert_true(row_matches("b = false AND b < true", r));
	assert_true(row_matches("ts = '2026-01-01T00:00:05Z'", r));
	assert_true(row_matches("ts > '2026-01-01T00:00:04.999999Z'", r));
	assert_true(row_matches("dt = '2026-01-01'", r));
	/* Null and absent match nothing, not even with >= the least. */
	assert_false(row_matches("l = 0", r));
	assert_false(row_matches("l >= -9223372036854775808", r));
	assert_false(row_matches("Mixed_Case <= 0 ", r));

	/* As lib/delta_scan.c sets the slots. */
	record_clear(r);
	rec_set_str(r, 0, "caf\xc3\xa9", 5);
	rec_set_int(r, 1, -1);
	rec_set_int(r, 2, INT64_C(9000000000));
	rec_set_real(r, 3, NAN);
	rec_set_bool(r, 4, true);
	rec_set_time(r, 5, 1500);
	rec_set_date(r, 6, -1);
	assert_true(row_matches("s > 'cafz'", r));
	assert_true(row_matches("i < 0 AND l > 8999999999", r));
	assert_true(row_matches("b = true AND ts = '1970-01-01T00:00:00.0015Z'",
	    r));
	assert_true(row_matches("dt = '1969-12-31' AND dt < '1970-01-01'", r));
	assert_false(row_matches("d = 0", r));
	assert_false(row_matches("d > 0", r));
	assert_false(row_matches("d < 0", r));
	rec_set_real(r, 3, -0.0);
	assert_true(row_matches("d = 0 AND d >= 0.0", r));
	/* A string in an integer column is not a number. */
	rec_set_str(r, 1, "5", 1);
	assert_false(row_matches("i = 5", r));
	record_free(r);
}

/* The types of tables other writers made: bytes and shorts are
 * integers, floats compare as floats, decimals exactly, binary not at
 * all. */
static void
test_other_types(void **state)
{
	const char *text = "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"y\",\"type\":\"byte\",\"nullable\":true,\"metadata\":{}},"
	    "{\"name\":\"h\",\"type\":\"short\",\"nullable\":true,\"metadata\":{}},"
	    "{\"name\":\"f\",\"type\":\"float\",\"nullable\":true,\"metadata\":{}},"
	    "{\"name\":\"bin\",\"type\":\"binary\",\"nullable\":true,\"metadata\":{}},"
	    "{\"name\":\"dec\",\"type\":\"decimal(5,2)\",\"nullable\":true,"
	    "\"metadata\":{}}]}";
	char err[300];
	struct schema *o = schema_parse(text, strlen(text), err, sizeof err);
	struct predicate *p;
	struct record *r;
	json_t *pvs;

	(void)state;
	assert_non_null(o);
	p = predicate_parse(o, "y = -3 AND h <= 300 AND f > 1.1", err,
	    sizeof err);
	assert_non_null(p);
	assert_true(p->t[2].v.d == (double)1.1f);
	/* Stats as Spark writes them for floats: the float's digits. */
	assert_false(predicate_may_match_file(p, NULL, "{\"numRecords\":1,"
	    "\"minValues\":{\"f\":0.5},\"maxValues\":{\"f\":1.1}}"));
	assert_true(predicate_may_match_file(p, NULL, "{\"numRecords\":1,"
	    "\"minValues\":{\"f\":0.5},\"maxValues\":{\"f\":1.2}}"));
	assert_false(predicate_may_match_file(p, NULL, "{\"numRecords\":1,"
	    "\"minValues\":{\"y\":0},\"maxValues\":{\"y\":5}}"));
	/* The row's float, as delta-cat holds it (its shortest digits),
	 * or widened: 1.1 either way. */
	r = record_new(o);
	rec_set_int(r, 0, -3);
	rec_set_int(r, 1, 300);
	rec_set_real(r, 2, 1.2);
	assert_true(predicate_match_record(p, r));
	rec_set_real(r, 2, 1.1);
	assert_false(predicate_match_record(p, r));
	rec_set_real(r, 2, (double)1.1f);
	assert_false(predicate_match_record(p, r));
	predicate_free(p);
	p = predicate_parse(o, "f = 1.1", err, sizeof err);
	assert_true(predicate_match_record(p, r));
	rec_set_real(r, 2, 1.1);
	assert_true(predicate_match_record(p, r));
	predicate_free(p);
	record_free(r);
	/* Partition values of their types. */
	pvs = json_pack("{s:s,s:s,s:s}", "y", "-3", "h", "70000", "f", "1.1");
	p = predicate_parse(o, "y = -3 AND f = 1.1", err, sizeof err);
	assert_true(predicate_may_match_partition(p, pvs));
	predicate_free(p);
	p = predicate_parse(o, "y > -3", err, sizeof err);
	assert_false(predicate_may_match_partition(p, pvs));
	predicate_free(p);
	/* 70000 is no short: the value decides nothing. */
	p = predicate_parse(o, "h = 1", err, sizeof err);
	assert_true(predicate_may_match_partition(p, pvs));
	predicate_free(p);
	json_decref(pvs);
	/* Refused with reasons. */
	assert_null(predicate_parse(o, "y = 1.5", err, sizeof err));
	assert_non_null(strstr(err, "column y (byte) is compared with an "
	    "integer"));
	/* Beyond a float: no float equals it, every float is below. */
	p = predicate_parse(o, "f < 1e39", err, sizeof err);
	assert_true(predicate_may_match_file(p, NULL, "{\"numRecords\":1,"
	    "\"minValues\":{\"f\":3.4028235e38}}"));
	predicate_free(p);
	p = predicate_parse(o, "f >= 1e39", err, sizeof err);
	assert_false(predicate_may_match_file(p, NULL, "{\"numRecords\":1,"
	    "\"maxValues\":{\"f\":3.4028235e38}}"));
	predicate_free(p);
	assert_null(predicate_parse(o, "bin = 'x'", err, sizeof err));
	assert_non_null(strstr(err, "at character 1: column bin is a binary: "
	    "comparing binary columns is not supported"));
	/* Decimals compare exactly at the column's scale: a row's text as
	 * delta-cat gives it, a partition value's text; their stats prune
	 * nothing (JSON numbers are doubles to jansson). */
	p = predicate_parse(o, "dec >= 1.5 AND dec < 999.99", err, sizeof err);
	assert_non_null(p);
	r = record_new(o);
	static const struct { const char *text; bool match; } decs[] = {
		{ "1.50", true }, { "1.49", false }, { "-1.50", false },
		{ "999.98", true }, { "999.99", false }, { "12", true },
		{ "1.505", false },	/* not a decimal(5,2): no value */
	};
	for (size_t k = 0; k < sizeof decs / sizeof decs[0]; k++) {
		r->v[4].kind = JK_RAW;
		r->v[4].s = decs[k].text;
		r->v[4].len = strlen(decs[k].text);
		if (predicate_match_record(p, r) != decs[k].match)
			fail_msg("dec %s: expected %d", decs[k].text,
			    decs[k].match);
	}
	rec_set_null(r, 4);
	assert_false(predicate_match_record(p, r));
	assert_true(predicate_may_match_file(p, NULL, "{\"numRecords\":1,"
	    "\"minValues\":{\"dec\":0.5},\"maxValues\":{\"dec\":1.0}}"));
	pvs = json_pack("{s:s}", "dec", "1.4");
	assert_false(predicate_may_match_partition(p, pvs));
	json_decref(pvs);
	pvs = json_pack("{s:s}", "dec", "2E+1");
	assert_true(predicate_may_match_partition(p, pvs));
	json_decref(pvs);
	record_free(r);
	predicate_free(p);
	p = predicate_parse(o, "dec = -0.10", err, sizeof err);
	assert_non_null(p);
	assert_true(p->t[0].v.dec == -10);
	predicate_free(p);
	assert_null(predicate_parse(o, "dec > 1.005", err, sizeof err));
	assert_non_null(strstr(err, "1.005 is not a decimal(5,2) value for "
	    "column dec"));
	assert_null(predicate_parse(o, "dec > 1000", err, sizeof err));
	assert_non_null(strstr(err, "not a decimal(5,2)"));
	assert_null(predicate_parse(o, "dec > '1'", err, sizeof err));
	assert_non_null(strstr(err, "column dec (decimal) is compared with a "
	    "number"));
	schema_free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_prune_numbers),
		cmocka_unit_test(test_prune_nulls),
		cmocka_unit_test(test_prune_strings),
		cmocka_unit_test(test_prune_timestamps),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_other_types),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
