/*
 * delta: partition escaping against Spark's layout in the golden tables,
 * log replay, atomic commits with conflicts between writers, txn overlap,
 * and refusal of tables this writer must not touch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include "delta.h"
#include "isotime.h"
#include "partition.h"
#include "record.h"

static void
segment_for(const char *col, enum ftype t, const char *value, char *out)
{
	struct jval v = { .kind = JK_STRING, .s = value,
	    .len = (uint32_t)strlen(value) };
	struct pvalue pv;

	assert_int_equal(partition_value(&v, t, &pv), 0);
	assert_true(partition_segment(col, &pv, out) > 0);
}

static void
test_escaping(void **state)
{
	(void)state;
	char seg[300], uri[1000];

	/* From delta's golden data-reader-escaped-chars and delta-rs's
	 * special-partition table. */
	segment_for("_2", FT_STRING, "bar+%21", seg);
	assert_string_equal(seg, "_2=bar+%2521");
	uri_escape_path(seg, strlen(seg), uri);
	assert_string_equal(uri, "_2=bar+%252521");
	segment_for("x", FT_STRING, "A/A", seg);
	assert_string_equal(seg, "x=A%2FA");
	uri_escape_path(seg, strlen(seg), uri);
	assert_string_equal(uri, "x=A%252FA");
	/* golden kernel-timestamp-partition-col-ISO8601 */
	segment_for("ts", FT_TIMESTAMP, "2024-01-01T10:00:00Z", seg);
	assert_string_equal(seg, "ts=2024-01-01 10%3A00%3A00");
	uri_escape_path(seg, strlen(seg), uri);
	assert_string_equal(uri, "ts=2024-01-01%2010%253A00%253A00");

	/* A hostile id cannot leave the table. */
	segment_for("patient_id", FT_STRING, "../../etc/passwd", seg);
	assert_string_equal(seg, "patient_id=..%2F..%2Fetc%2Fpasswd");
	assert_true(path_is_contained(seg));
	segment_for("patient_id", FT_STRING, "..", seg);
	assert_true(path_is_contained(seg));
	assert_false(path_is_contained("../x"));
	assert_false(path_is_contained("a/../b"));
	assert_false(path_is_contained("/etc"));
	assert_false(path_is_contained("a//b"));
	assert_false(path_is_contained("a/."));

	/* Nulls and empty strings are Hive's default partition. */
	struct jval null = { .kind = JK_NULL };
	struct pvalue pv;
	assert_int_equal(partition_value(&null, FT_STRING, &pv), 0);
	assert_true(pv.is_null);
	assert_true(partition_segment("c", &pv, seg) > 0);
	assert_string_equal(seg, "c=__HIVE_DEFAULT_PARTITION__");

	/* Too long to be a file name: refused, not truncated. */
	char big[400];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	struct jval v = { .kind = JK_STRING, .s = big, .len = 399 };
	assert_int_equal(partition_value(&v, FT_STRING, &pv), 0);
	assert_int_equal(partition_segment("c", &pv, seg), -1);

	/* Round trip of the second pass. */
	strcpy(uri, "a%2520b%25");
	assert_int_equal(uri_unescape(uri, strlen(uri)), 6);
	assert_string_equal(uri, "a%20b%");
	strcpy(uri, "bad%2");
	assert_int_equal(uri_unescape(uri, strlen(uri)), -1);
}

/*
 * Spark's tables: every add's URI-decoded path exists with its size, and
 * our escaping of its partitionValues gives the directory Spark wrote.
 */
static void
check_golden(const char *name, int expect_files)
{
	char rel[256], err[512], path[8192], seg[300];
	const char *root;
	struct delta_table *t;
	const char *key;
	json_t *add;
	int n = 0;

	snprintf(rel, sizeof rel, "delta-golden/%s", name);
	unit_need_shared(root, rel);
	t = delta_open(root, err, sizeof err);
	if (t == NULL)
		fail_msg("%s: %s", name, err);
	json_object_foreach(t->files, key, add) {
		char dec[2048];
		struct stat st;
		snprintf(dec, sizeof dec, "%s", key);
		assert_true(uri_unescape(dec, strlen(dec)) > 0);
		assert_true(path_is_contained(dec));
		snprintf(path, sizeof path, "%s/%s", root, dec);
		if (stat(path, &st) == 0) {
			assert_int_equal(st.st_size, json_integer_value(
			    json_object_get(add, "size")));
			n++;
		}
		for (size_t i = 0; i < t->npartition; i++) {
			const char *col = t->partition_cols[i];
			json_t *pvj = json_object_get(json_object_get(add,
			    "partitionValues"), col);
			int f = schema_find(t->schema, col, strlen(col));
			struct jval v = { .kind = JK_NULL };
			struct pvalue pv;
			if (json_is_string(pvj)) {
				v.kind = JK_STRING;
				v.s = json_string_value(pvj);
				v.len = (uint32_t)json_string_length(pvj);
			}
			assert_int_equal(partition_value(&v,
			    t->schema->f[f].type, &pv), 0);
			assert_true(partition_segment(col, &pv, seg) > 0);
			/* The directory in Spark's decoded path. */
			assert_memory_equal(dec, seg, strlen(seg));
			assert_int_equal(dec[strlen(seg)], '/');
			/* And the encoded path starts with our encoding. */
			char enc[1000];
			uri_escape_path(seg, strlen(seg), enc);
			assert_memory_equal(key, enc, strlen(enc));
		}
	}
	assert_int_equal(n, expect_files);
	delta_free(t);
}

/* One test per golden table, so that each one absent is a skip of its
 * own and the others still run. */
static void
test_golden_escaped_chars(void **state)
{
	(void)state;
	check_golden("data-reader-escaped-chars", 3);
}

static void
test_golden_timestamp_partition(void **state)
{
	(void)state;
	check_golden("kernel-timestamp-partition-col-ISO8601", 2);
}

static void
test_golden_log_only(void **state)
{
	(void)state;
	/* Log only: adds point at files that are not there. */
	check_golden("checkpoint", 0);
}

/* Types this writer does not write: read, and refused for writing. */
static void
test_golden_unsupported_type(void **state)
{
	(void)state;
	char err[512];
	const char *root;

	unit_need_shared(root,
	    "delta-golden/data-skipping-basic-stats-all-types");
	/* Types this writer does not write: the table opens (for the
	 * readers), the writer refuses it clearly. */
	struct delta_table *t = delta_open(root, err, sizeof err);
	assert_non_null(t);
	assert_int_equal(t->schema->f[2].type, FT_BYTE);
	assert_int_equal(t->schema->f[9].type, FT_DECIMAL);
	assert_int_equal(t->schema->f[9].precision, 1);
	assert_int_equal(t->schema->f[9].scale, 0);
	assert_int_equal(delta_check_writable(t, err, sizeof err), -1);
	assert_non_null(strstr(err, "column as_byte is a byte: tables "
	    "with it can be read, not written"));
	delta_free(t);
}

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/vl-delta-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static json_t *
append_actions(const char *file, int64_t size)
{
	return json_pack("[{s:{s:s,s:{},s:I,s:I,s:b}}]", "add", "path", file,
	    "partitionValues", "size", (json_int_t)size, "modificationTime",
	    (json_int_t)0, "dataChange", 1);
}

static struct schema *
small_schema(void)
{
	return unit_schema("{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"a\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
	    "{\"name\":\"d\",\"type\":\"date\",\"nullable\":false,\"metadata\":{}}]}");
}

static void
test_commits(void **state)
{
	(void)state;
	char *root = tmpdir(), err[512], *cols[] = { "d" };
	struct schema *s = small_schema();
	struct delta_table *a, *b, *c;
	int64_t v;

	a = delta_open(root, err, sizeof err);
	assert_non_null(a);
	assert_int_equal(a->version, -1);
	json_t *create = delta_create_actions(s, cols, 1, NULL);
	json_t *first = append_actions("d=2026-01-01/f0", 10);
	json_array_extend(create, first);
	json_decref(first);
	assert_int_equal(delta_commit(a, create, NULL, &v, err, sizeof err),
	    DELTA_COMMITTED);
	assert_int_equal(v, 0);
	json_decref(create);

	/* A second handle opened now, then two writers race for v1. */
	b = delta_open(root, err, sizeof err);
	assert_non_null(b);
	assert_int_equal(b->version, 0);
	json_t *x = append_actions("d=2026-01-01/f1", 11);
	json_t *y = append_actions("d=2026-01-01/f2", 12);
	assert_int_equal(delta_commit(a, x, NULL, &v, err, sizeof err),
	    DELTA_COMMITTED);
	assert_int_equal(v, 1);
	assert_int_equal(delta_commit(b, y, NULL, &v, err, sizeof err),
	    DELTA_COMMITTED);
	assert_int_equal(v, 2);	/* retried after the conflict */
	json_decref(x);
	json_decref(y);

	/* Replay sees all three files, once each. */
	c = delta_open(root, err, sizeof err);
	assert_non_null(c);
	assert_int_equal(c->version, 2);
	assert_int_equal(json_object_size(c->files), 3);
	assert_int_equal(c->npartition, 1);
	assert_string_equal(c->partition_cols[0], "d");
	delta_free(c);

	/* txn: b records offsets up to 10; a, stale, tries to commit
	 * offsets from 5: an overlap, nothing written. */
	json_t *t1 = json_pack("[{s:{s:s,s:I}}]", "txn", "appId", "app:t:0",
	    "version", (json_int_t)10);
	int64_t floor1 = 0;
	assert_int_equal(delta_commit(b, t1, &floor1, &v, err, sizeof err),
	    DELTA_COMMITTED);
	json_t *t2 = json_pack("[{s:{s:s,s:I}}]", "txn", "appId", "app:t:0",
	    "version", (json_int_t)20);
	int64_t floor2 = 5;
	assert_int_equal(delta_commit(a, t2, &floor2, &v, err, sizeof err),
	    DELTA_TXN_OVERLAP);
	assert_non_null(strstr(err, "app:t:0"));
	floor2 = 11;
	assert_int_equal(delta_commit(a, t2, &floor2, &v, err, sizeof err),
	    DELTA_COMMITTED);
	assert_int_equal(delta_txn_version(a, "app:t:0"), 20);
	json_decref(t1);
	json_decref(t2);

	/* Two compactions race to remove f1: the first wins; the second,
	 * which read f1 as live, conflicts and writes nothing.  A commit
	 * that adds only (an append) never conflicts with them. */
	json_t *rm1 = json_pack("[{s:{s:s,s:b}}]", "remove", "path",
	    "d=2026-01-01/f1", "dataChange", 0);
	json_t *rm2 = json_pack("[{s:{s:s,s:b}}]", "remove", "path",
	    "d=2026-01-01/f1", "dataChange", 0);
	json_t *more = append_actions("d=2026-01-01/f3", 13);
	int64_t before = a->version;
	struct delta_table *d = delta_open(root, err, sizeof err);
	assert_non_null(d);
	assert_non_null(json_object_get(d->files, "d=2026-01-01/f1"));
	assert_int_equal(delta_commit(a, rm1, NULL, &v, err, sizeof err),
	    DELTA_COMMITTED);
	assert_int_equal(delta_commit(b, more, NULL, &v, err, sizeof err),
	    DELTA_COMMITTED);
	assert_int_equal(v, before + 2);
	assert_int_equal(delta_commit(d, rm2, NULL, &v, err, sizeof err),
	    DELTA_CONFLICT);
	assert_non_null(strstr(err, "f1"));
	assert_int_equal(d->version, before + 2);	/* caught up */
	assert_null(json_object_get(d->files, "d=2026-01-01/f1"));
	assert_non_null(json_object_get(d->files, "d=2026-01-01/f3"));
	delta_free(d);
	json_decref(rm1);
	json_decref(rm2);
	json_decref(more);

	/* No temporary files are left in the log. */
	char cmd[600];
	snprintf(cmd, sizeof cmd, "ls -a %s/_delta_log | grep -c tmp", root);
	FILE *p = popen(cmd, "r");
	char out[16] = "";
	assert_non_null(fgets(out, sizeof out, p));
	pclose(p);
	assert_string_equal(out, "0\n");

	delta_free(a);
	delta_free(b);
	schema_free(s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_refusals(void **state)
{
	(void)state;
	char *root = tmpdir(), err[512], path[512], cmd[600];
	struct delta_table *t;
	const char *md = "{\"metaData\":{\"id\":\"x\",\"format\":{\"provider\":"
	    "\"parquet\",\"options\":{}},\"schemaString\":\"{\\\"type\\\":"
	    "\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"a\\\",\\\"type"
	    "\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
	    "\"partitionColumns\":[],\"configuration\":{}}}\n";

	snprintf(path, sizeof path, "%s/_delta_log", root);
	mkdir(path, 0777);
	snprintf(path, sizeof path,
	    "%s/_delta_log/00000000000000000000.json", root);
	write_file(path, "{\"protocol\":{\"minReaderVersion\":3,"
	    "\"minWriterVersion\":7,\"readerFeatures\":[\"deletionVectors\"],"
	    "\"writerFeatures\":[\"deletionVectors\"]}}\n");
	FILE *f = fopen(path, "a");
	fputs(md, f);
	fclose(f);
	t = delta_open(root, err, sizeof err);
	assert_non_null(t);
	assert_int_equal(delta_check_writable(t, err, sizeof err), -1);
	assert_non_null(strstr(err, "(3, 7)"));
	delta_free(t);

	/* A gap in the versions. */
	snprintf(path, sizeof path,
	    "%s/_delta_log/00000000000000000002.json", root);
	write_file(path, "{\"commitInfo\":{}}\n");
	assert_null(delta_open(root, err, sizeof err));
	assert_non_null(strstr(err, "not contiguous"));
	unlink(path);

	/* A commit that is not JSON. */
	snprintf(path, sizeof path,
	    "%s/_delta_log/00000000000000000001.json", root);
	write_file(path, "{\"add\":{\"path\":\n");
	assert_null(delta_open(root, err, sizeof err));
	assert_non_null(strstr(err, "00000000000000000001.json:1"));

	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_golden_escaped_chars),
		cmocka_unit_test(test_golden_timestamp_partition),
		cmocka_unit_test(test_golden_log_only),
		cmocka_unit_test(test_golden_unsupported_type),
		cmocka_unit_test(test_commits),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
