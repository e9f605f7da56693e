/*
 * delta_scan: tables made here file by file (Parquet written with the
 * writer's low-level calls, adds committed by hand, so that nothing of
 * delta_append is involved) and read back: what is readable, the live
 * files in byte order, rows as records (schema order, nulls left out,
 * dates and times in ISO 8601, shortest doubles, structs nested,
 * partition values typed), a column an older file lacks, files that
 * disagree with their add, each kind of file that stops the scan (and
 * what was printed and counted by then), a stop signal and a failing
 * output, scan_each's columns and early stop, scan_file, and time travel
 * through a checkpoint after the early commits are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
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

#include <jansson.h>

#include "checkpoint.h"
#include "cli.h"
#include "delta.h"
#include "delta_scan.h"
#include "isotime.h"
#include "writer.h"
#include "parquet.h"
#include "record.h"
#include "schema.h"

/* UNIT_FIELD, short: the schemas below are long. */
#define F UNIT_FIELD

/* The table: every column type, a struct, and a partition column. */
static const char table_schema[] = "{\"type\":\"struct\",\"fields\":["
    F("id", "string", "false") ","
    F("n", "long", "true") ","
    F("d", "double", "true") ","
    F("b", "boolean", "true") ","
    F("ts", "timestamp", "true") ","
    F("day", "date", "true") ","
    "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":["
    F("x", "long", "true") "," F("y", "string", "true") "]},"
    "\"nullable\":true,\"metadata\":{}},"
    F("k", "integer", "true") ","
    F("part", "string", "true") "]}";

static char *pcols[] = { "k", "part" };
static struct unit_scratch scratch;
static char *const root = scratch.table;
static struct schema *ts;

static int
make_dir(void **state)
{
	(void)state;
	unit_scratch_make(&scratch, "delta-scan");
	ts = unit_schema(table_schema);
	return 0;
}

static int
remove_dir(void **state)
{
	(void)state;
	schema_free(ts);
	unit_scratch_remove(&scratch);
	return 0;
}

static int
fresh_table(void **state)
{
	(void)state;
	unit_scratch_no_table(&scratch);
	return 0;
}

static struct delta_table *
open_table(int64_t at)
{
	struct delta_table *t;
	char err[512];

	if ((t = delta_open_at(root, at, err, sizeof err)) == NULL)
		fail_msg("%s", err);
	return t;
}

/* Commits actions (a JSON array, stolen) to the table at root. */
static void
commit(json_t *actions)
{
	struct delta_table *t = open_table(-1);
	char err[512];
	int64_t v;

	if (delta_commit(t, actions, NULL, &v, err, sizeof err) !=
	    DELTA_COMMITTED)
		fail_msg("%s", err);
	json_decref(actions);
	delta_free(t);
}

/* A new table of schema s, partitioned by its "k" and "part" when the
 * schema has them, with configuration conf (stolen; may be NULL). */
static void
create(const struct schema *s, size_t npart, json_t *conf)
{
	commit(delta_create_actions(s, pcols, npart, conf));
	json_decref(conf);
}

/* The Parquet file being made and its columns. */
struct pqf {
	struct pq_schema *s;
	struct pq_writer *w;
	int fd;
	char path[600];
};

/* Opens rel under the table for a file with the non-partition columns
 * of table schema t. */
static void
pqf_open(struct pqf *f, const char *rel, const struct schema *t)
{
	char sub[600], *slash;

	snprintf(f->path, sizeof f->path, "%s/%s", root, rel);
	snprintf(sub, sizeof sub, "%s", f->path);
	if ((slash = strrchr(sub, '/')) != NULL) {
		*slash = '\0';
		assert_int_equal(safefile_mkdirs(sub), 0);
	}
	f->s = pq_schema_new();
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->f[i].name, "k") != 0 &&
		    strcmp(t->f[i].name, "part") != 0)
			pq_add_field(f->s, 0, &t->f[i]);
	assert_true((f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC,
	    0644)) >= 0);
	f->w = pq_open(f->fd, f->s, NULL);
}

static int
col(struct pqf *f, const char *path)
{
	int n = pq_find(f->s, path);

	assert_true(n > 0);
	return n;
}

/* One row of the main schema's file; NULL or INT64_MIN is a null. */
static void
pqf_row(struct pqf *f, const char *id, int64_t n, double d, int b,
    int64_t t, int64_t day, int64_t x, const char *y)
{
	pq_put_str(f->w, col(f, "id"), id, strlen(id));
	if (n == INT64_MIN)
		pq_null(f->w, col(f, "n"));
	else
		pq_put_i64(f->w, col(f, "n"), n);
	if (isnan(d))
		pq_null(f->w, col(f, "d"));
	else
		pq_put_double(f->w, col(f, "d"), d);
	if (b < 0)
		pq_null(f->w, col(f, "b"));
	else
		pq_put_bool(f->w, col(f, "b"), b != 0);
	if (t == INT64_MIN)
		pq_null(f->w, col(f, "ts"));
	else
		pq_put_i64(f->w, col(f, "ts"), t);
	if (day == INT64_MIN)
		pq_null(f->w, col(f, "day"));
	else
		pq_put_i32(f->w, col(f, "day"), (int32_t)day);
	if (x == INT64_MIN && y == NULL) {
		pq_null(f->w, col(f, "s"));
	} else {
		if (x == INT64_MIN)
			pq_null(f->w, col(f, "s.x"));
		else
			pq_put_i64(f->w, col(f, "s.x"), x);
		if (y == NULL)
			pq_null(f->w, col(f, "s.y"));
		else
			pq_put_str(f->w, col(f, "s.y"), y, strlen(y));
	}
	assert_int_equal(pq_end_row(f->w), 0);
}

/* Closes the file; returns its size. */
static int64_t
pqf_close(struct pqf *f)
{
	uint64_t size;

	if (pq_close(f->w, &size) != 0)
		fail_msg("%s: %s", f->path, pq_error(f->w));
	pq_free(f->w);
	pq_schema_free(f->s);
	close(f->fd);
	return (int64_t)size;
}

/* An add for path (URI-escaped), with partition values pv (stolen; NULL
 * for none), size and numRecords (-1: no stats). */
static json_t *
add_action(const char *path, json_t *pv, int64_t size, int64_t records)
{
	char stats[64];
	json_t *a = json_pack("{s:{s:s,s:o,s:I,s:I,s:b}}", "add", "path", path,
	    "partitionValues", pv ? pv : json_object(), "size",
	    (json_int_t)size, "modificationTime", (json_int_t)0, "dataChange",
	    1);

	if (records >= 0) {
		snprintf(stats, sizeof stats, "{\"numRecords\":%lld}",
		    (long long)records);
		json_object_set_new(json_object_get(a, "add"), "stats",
		    json_string(stats));
	}
	return a;
}

static void
commit_add(const char *path, json_t *pv, int64_t size, int64_t records)
{
	json_t *actions = json_array();

	json_array_append_new(actions, add_action(path, pv, size, records));
	commit(actions);
}

static json_t *
pv_of(const char *k, const char *part)
{
	json_t *pv = json_object();

	json_object_set_new(pv, "k", k ? json_string(k) : json_null());
	json_object_set_new(pv, "part", part ? json_string(part) :
	    json_null());
	return pv;
}

static int64_t
at(const char *iso)
{
	int64_t t;

	assert_int_equal(iso_parse(iso, strlen(iso), &t), 0);
	return t;
}

/* scan_rows into memory; the lines, NUL-terminated in *text. */
static int
scan_text(struct delta_table *t, char **text, struct scan_totals *tot,
    char *err, size_t errlen)
{
	struct writer w;
	int rc;

	writer_open_memory(&w);
	rc = scan_rows(t, &w, 0, tot, err, errlen);
	writer_char(&w, '\0');
	*text = strdup(w.buf);
	writer_close(&w);
	return rc;
}

/* Runs fn with stderr going to a file; returns what it printed. */
static char said[4096];

static void
capture_stderr(void (*fn)(void *), void *arg)
{
	char path[512];
	int saved, fd;
	ssize_t n;

	snprintf(path, sizeof path, "%s/stderr", scratch.dir);
	assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, said, sizeof said - 1, 0);
	said[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

/* ------------------------------------------------------------------ */

/* Writes commit v as the one action a, bypassing the writer's checks. */
static void
write_commit(int v, json_t *a)
{
	char path[600], *text = json_dumps(a, JSON_COMPACT);
	FILE *fp;

	snprintf(path, sizeof path, "%s/_delta_log/%020d.json", root, v);
	assert_non_null(fp = fopen(path, "wx"));
	fprintf(fp, "%s\n", text);
	fclose(fp);
	free(text);
}

static void
expect_unreadable(struct delta_table *t, const char *word)
{
	char err[512] = "";
	int64_t v = t->version;

	assert_int_equal(scan_check_readable(t, err, sizeof err), -1);
	if (strstr(err, word) == NULL)
		fail_msg("\"%s\" does not say %s", err, word);
	assert_int_equal(t->version, v);
}

/* Readable: a table, of reader version 1, without column mapping. */
static void
test_readable(void **state)
{
	(void)state;
	struct delta_table *t;
	char err[512];

	t = open_table(-1);
	expect_unreadable(t, "not a Delta table");
	expect_unreadable(t, root);
	delta_free(t);

	create(ts, 2, json_pack("{s:s}", "delta.columnMapping.mode", "none"));
	t = open_table(-1);
	assert_int_equal(scan_check_readable(t, err, sizeof err), 0);
	delta_free(t);
	/* This writer would not commit these: they go in by hand. */
	json_t *md = json_pack("{s:{s:s,s:s,s:{s:s,s:{}},s:[ss],s:{s:s}}}",
	    "metaData", "id", "x", "schemaString", table_schema, "format",
	    "provider", "parquet", "options", "partitionColumns", "k", "part",
	    "configuration", "delta.columnMapping.mode", "name");
	write_commit(1, md);
	json_decref(md);
	t = open_table(-1);
	expect_unreadable(t, "column mapping");
	/* The reason names the reader. */
	expect_unreadable(t, "test_delta_scan");
	delta_free(t);
	json_t *pr = json_pack("{s:{s:i,s:i,s:[s],s:[s]}}", "protocol",
	    "minReaderVersion", 3, "minWriterVersion", 7, "readerFeatures",
	    "deletionVectors", "writerFeatures", "deletionVectors");
	write_commit(2, pr);
	json_decref(pr);
	/* deletionVectors refuses only once a live file has one (none
	 * here); column mapping still refuses. */
	t = open_table(-1);
	expect_unreadable(t, "column mapping");
	delta_free(t);
}

/*
 * The live files in the byte order of their (escaped) paths, whatever
 * the log's order; a removed file is not live; the adds print in that
 * order, one JSON object a line.
 */
static void
test_live_paths(void **state)
{
	(void)state;
	static const char *const logged[] = { "b.parquet", "a.parquet",
	    "B.parquet", "a%20b.parquet", "%41.parquet", "gone.parquet" };
	/* The log's order, not the bytes': what was removed left out. */
	static const char *const live[] = { "b.parquet", "a.parquet",
	    "B.parquet", "a%20b.parquet", "%41.parquet" };
	struct delta_table *t;
	const char **paths;
	struct writer w;
	size_t n, i = 0;
	char *line, *save = NULL;

	create(ts, 2, NULL);
	for (size_t k = 0; k < sizeof logged / sizeof logged[0]; k++)
		commit_add(logged[k], pv_of(NULL, NULL), 1, 1);
	commit(json_pack("[{s:{s:s,s:I,s:b}}]", "remove", "path",
	    "gone.parquet", "deletionTimestamp", (json_int_t)0, "dataChange",
	    1));
	t = open_table(-1);
	paths = scan_live_paths(t, &n);
	assert_int_equal(n, 5);
	for (size_t k = 0; k < n; k++)
		assert_string_equal(paths[k], live[k]);
	assert_null(paths[n]);
	free(paths);

	writer_open_memory(&w);
	scan_print_adds(t, &w);
	writer_char(&w, '\0');
	for (line = strtok_r(w.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_object_size(j), 1);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(j, "add"), "path")), live[i]);
		json_decref(j);
	}
	assert_int_equal(i, 5);
	writer_close(&w);
	delta_free(t);
}

/*
 * Rows as records: in the schema's order, a null left out, a timestamp
 * and a date in ISO 8601, a double as its shortest round trip, a struct
 * as an object, partition columns typed from partitionValues; files in
 * the order the log added them, rows in file order.
 */
static void
test_rows(void **state)
{
	(void)state;
	struct pqf f;
	struct delta_table *t;
	struct scan_totals tot;
	char err[512], *text, *line, *save = NULL;
	int64_t size_a, size_b;
	int i = 0;

	create(ts, 2, NULL);
	/* b is committed first and comes first, though a sorts first. */
	pqf_open(&f, "k=2/part=x/b.parquet", ts);
	pqf_row(&f, "r3", 3, 1e300, 0, INT64_MIN, INT64_MIN, INT64_MIN, NULL);
	size_b = pqf_close(&f);
	commit_add("k=2/part=x/b.parquet", pv_of("2", "x"), size_b, 1);
	pqf_open(&f, "k=1/part=__HIVE_DEFAULT_PARTITION__/a.parquet", ts);
	pqf_row(&f, "r1", -7, 0.1, 1, at("2026-03-01T09:00:00.000001Z"),
	    20513, 5, "\xc3\xa9t\xc3\xa9");
	pqf_row(&f, "r2", INT64_MIN, NAN, -1, at("1970-01-01T00:00:00Z"), -1,
	    INT64_MIN, "only y");
	size_a = pqf_close(&f);
	commit_add("k=1/part=__HIVE_DEFAULT_PARTITION__/a.parquet",
	    pv_of("1", NULL), size_a, 2);

	t = open_table(-1);
	assert_int_equal(scan_check_readable(t, err, sizeof err), 0);
	assert_int_equal(scan_text(t, &text, &tot, err, sizeof err), 0);
	assert_int_equal(tot.files, 2);
	assert_int_equal(tot.rows, 3);
	assert_false(tot.mismatch);
	/* Shortest round trip: 0.1, not 0.1000000000000000055511. */
	assert_non_null(strstr(text, "\"d\":0.1,"));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		json_error_t je;
		json_t *j = json_loads(line, 0, &je), *v;
		const char *key;
		size_t field = 0;

		if (j == NULL)
			fail_msg("%s: %s", line, je.text);
		/* Keys in the schema's order. */
		json_object_foreach(j, key, v) {
			while (field < ts->n && strcmp(ts->f[field].name, key))
				field++;
			if (field == ts->n)
				fail_msg("%s: %s out of order", line, key);
			assert_false(json_is_null(v));
		}
		if (i == 1) {
			assert_string_equal(json_string_value(json_object_get(j,
			    "id")), "r1");
			assert_int_equal(json_integer_value(json_object_get(j,
			    "n")), -7);
			assert_true(json_real_value(json_object_get(j, "d")) ==
			    0.1);
			assert_true(json_is_true(json_object_get(j, "b")));
			assert_int_equal(at(json_string_value(json_object_get(j,
			    "ts"))), at("2026-03-01T09:00:00.000001Z"));
			/* Day 20513 is 2026-03-01. */
			assert_string_equal(json_string_value(json_object_get(j,
			    "day")), "2026-03-01");
			json_t *want = json_pack("{s:i,s:s}", "x", 5, "y",
			    "\xc3\xa9t\xc3\xa9");
			assert_true(json_equal(json_object_get(j, "s"), want));
			json_decref(want);
			/* An integer partition column is a number. */
			assert_true(json_is_integer(json_object_get(j, "k")));
			assert_int_equal(json_integer_value(json_object_get(j,
			    "k")), 1);
			assert_null(json_object_get(j, "part"));
		} else if (i == 2) {
			assert_string_equal(json_string_value(json_object_get(j,
			    "id")), "r2");
			assert_null(json_object_get(j, "n"));
			assert_null(json_object_get(j, "d"));
			assert_null(json_object_get(j, "b"));
			assert_string_equal(json_string_value(json_object_get(j,
			    "day")), "1969-12-31");
			assert_int_equal(at(json_string_value(json_object_get(j,
			    "ts"))), 0);
			/* A struct with one field null: the other only. */
			json_t *want = json_pack("{s:s}", "y", "only y");
			assert_true(json_equal(json_object_get(j, "s"), want));
			json_decref(want);
		} else {
			assert_string_equal(json_string_value(json_object_get(j,
			    "id")), "r3");
			assert_true(json_real_value(json_object_get(j, "d")) ==
			    1e300);
			assert_true(json_is_false(json_object_get(j, "b")));
			assert_null(json_object_get(j, "s"));
			assert_string_equal(json_string_value(json_object_get(j,
			    "part")), "x");
			assert_int_equal(json_integer_value(json_object_get(j,
			    "k")), 2);
		}
		json_decref(j);
	}
	assert_int_equal(i, 3);
	free(text);

	/* The same table prints the same bytes every time. */
	char *again;
	assert_int_equal(scan_text(t, &text, &tot, err, sizeof err), 0);
	assert_int_equal(scan_text(t, &again, &tot, err, sizeof err), 0);
	assert_string_equal(text, again);
	free(text);
	free(again);
	delta_free(t);
}

/* A column added to the table after a file was written is null in that
 * file's rows, and the file is still read. */
static void
test_older_file(void **state)
{
	(void)state;
	struct schema *old = unit_schema("{\"type\":\"struct\",\"fields\":["
	    F("id", "string", "false") "," F("n", "long", "true") "]}");
	struct schema *now = unit_schema("{\"type\":\"struct\",\"fields\":["
	    F("id", "string", "false") "," F("n", "long", "true") ","
	    F("later", "string", "true") "]}");
	struct delta_table *t;
	struct scan_totals tot;
	struct pqf f;
	char err[512], *text;
	json_t *md;

	create(old, 0, NULL);
	pqf_open(&f, "old.parquet", old);
	pq_put_str(f.w, col(&f, "id"), "o", 1);
	pq_put_i64(f.w, col(&f, "n"), 1);
	assert_int_equal(pq_end_row(f.w), 0);
	commit_add("old.parquet", NULL, pqf_close(&f), 1);
	/* The schema grows. */
	md = delta_create_actions(now, NULL, 0, NULL);
	json_array_remove(md, 0);	/* the protocol stays */
	commit(md);
	t = open_table(-1);
	assert_int_equal(t->schema->n, 3);
	assert_int_equal(scan_text(t, &text, &tot, err, sizeof err), 0);
	assert_string_equal(text, "{\"id\":\"o\",\"n\":1}\n");
	assert_false(tot.mismatch);
	free(text);
	delta_free(t);
	schema_free(old);
	schema_free(now);
}

struct scan_call {
	struct delta_table *t;
	char *text;
	struct scan_totals tot;
	int rc;
	char err[512];
};

static void
run_scan(void *arg)
{
	struct scan_call *c = arg;

	c->rc = scan_text(c->t, &c->text, &c->tot, c->err, sizeof c->err);
}

/* A file whose rows or size are not what its add says: said on stderr,
 * marked, and printed all the same. */
static void
test_disagreeing_add(void **state)
{
	(void)state;
	struct scan_call c = { 0 };
	struct pqf f;
	int64_t size;

	create(ts, 2, NULL);
	pqf_open(&f, "a.parquet", ts);
	pqf_row(&f, "r1", 1, 1, 1, 0, 0, 1, "y");
	pqf_row(&f, "r2", 2, 2, 0, 0, 0, 2, "y");
	size = pqf_close(&f);
	commit_add("a.parquet", pv_of("1", "p"), size, 5);
	c.t = open_table(-1);
	capture_stderr(run_scan, &c);
	assert_int_equal(c.rc, 0);
	assert_true(c.tot.mismatch);
	assert_int_equal(c.tot.rows, 2);
	assert_non_null(strstr(said, "2 rows, its add says numRecords 5"));
	assert_non_null(strstr(c.text, "\"id\":\"r2\""));
	free(c.text);
	delta_free(c.t);

	/* Now the size. */
	commit(json_pack("[{s:{s:s,s:I,s:b}}]", "remove", "path", "a.parquet",
	    "deletionTimestamp", (json_int_t)0, "dataChange", 1));
	commit_add("a.parquet", pv_of("1", "p"), size + 1, 2);
	memset(&c, 0, sizeof c);
	c.t = open_table(-1);
	capture_stderr(run_scan, &c);
	assert_int_equal(c.rc, 0);
	assert_true(c.tot.mismatch);
	assert_non_null(strstr(said, "its add says size"));
	free(c.text);
	delta_free(c.t);
}

/*
 * A file the scan cannot read stops it there with the reason; the files
 * before it were printed and counted, and the rows of the failing file
 * read before the error too (but not counted).  One table per way.
 */
struct bad_case {
	const char *what, *word;
	void (*make)(void);
};

static void
bad_outside(void)
{
	commit_add("..%2Foutside.parquet", pv_of("1", "p"), 1, 1);
}

static void
bad_absent(void)
{
	commit_add("absent.parquet", pv_of("1", "p"), 1, 1);
}

static void
bad_not_parquet(void)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof path, "%s/text.parquet", root);
	assert_non_null(fp = fopen(path, "w"));
	fputs("{\"id\":\"not parquet at all\"}\n", fp);
	fclose(fp);
	commit_add("text.parquet", pv_of("1", "p"), 27, 1);
}

static void
bad_type(void)
{
	struct schema *wrong = unit_schema("{\"type\":\"struct\",\"fields\":["
	    F("id", "string", "false") "," F("n", "string", "true") "]}");
	struct pqf f;

	pqf_open(&f, "wrong.parquet", wrong);
	pq_put_str(f.w, col(&f, "id"), "w", 1);
	pq_put_str(f.w, col(&f, "n"), "7", 1);
	assert_int_equal(pq_end_row(f.w), 0);
	commit_add("wrong.parquet", pv_of("1", "p"), pqf_close(&f), 1);
	schema_free(wrong);
}

static void
bad_partition(void)
{
	struct pqf f;

	pqf_open(&f, "k=abc/p.parquet", ts);
	pqf_row(&f, "p", 1, 1, 1, 0, 0, 1, "y");
	commit_add("k=abc/p.parquet", pv_of("abc", "p"), pqf_close(&f), 1);
}

/* partitionValues are strings; a JSON number is not one. */
static void
bad_partition_number(void)
{
	struct pqf f;
	json_t *pv = json_pack("{s:i,s:s}", "k", 5, "part", "p");

	pqf_open(&f, "k=5/n.parquet", ts);
	pqf_row(&f, "n", 1, 1, 1, 0, 0, 1, "y");
	commit_add("k=5/n.parquet", pv, pqf_close(&f), 1);
}

static void
bad_utf8(void)
{
	struct pqf f;

	pqf_open(&f, "utf8.parquet", ts);
	pqf_row(&f, "read first", 1, 1, 1, 0, 0, 1, "y");
	pqf_row(&f, "bad \xff byte", 1, 1, 1, 0, 0, 1, "y");
	commit_add("utf8.parquet", pv_of("1", "p"), pqf_close(&f), 2);
}

static void
bad_time(void)
{
	struct pqf f;

	pqf_open(&f, "time.parquet", ts);
	/* 10000-01-01T00:00:00Z */
	pqf_row(&f, "late", 1, 1, 1, INT64_C(253402300800000000), 0, 1, "y");
	commit_add("time.parquet", pv_of("1", "p"), pqf_close(&f), 1);
}

static void
bad_date(void)
{
	struct pqf f;

	pqf_open(&f, "date.parquet", ts);
	/* The day after 9999-12-31. */
	pqf_row(&f, "later", 1, 1, 1, 0, 2932897, 1, "y");
	commit_add("date.parquet", pv_of("1", "p"), pqf_close(&f), 1);
}

static void
test_bad_files(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "outside", "not a relative path inside the table",
		  bad_outside },
		{ "absent", "absent.parquet", bad_absent },
		{ "not parquet", "text.parquet", bad_not_parquet },
		{ "type", "column n does not hold the table's type long",
		  bad_type },
		{ "partition", "partition value of k is not a integer",
		  bad_partition },
		{ "partition number", "partition value of k is not a integer",
		  bad_partition_number },
		{ "utf-8", "not UTF-8", bad_utf8 },
		{ "timestamp", "outside years 1 to 9999", bad_time },
		{ "date", "outside years 1 to 9999", bad_date },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scan_call c = { 0 };
		struct pqf f;

		fresh_table(NULL);
		create(ts, 2, NULL);
		/* A good file that sorts before every bad one. */
		pqf_open(&f, "!good.parquet", ts);
		pqf_row(&f, "good1", 1, 1, 1, 0, 0, 1, "y");
		pqf_row(&f, "good2", 2, 2, 0, 0, 0, 2, "y");
		commit_add("!good.parquet", pv_of("1", "p"), pqf_close(&f), 2);
		cases[i].make();
		c.t = open_table(-1);
		capture_stderr(run_scan, &c);
		if (c.rc != -1)
			fail_msg("%s: read", cases[i].what);
		if (strstr(c.err, cases[i].word) == NULL)
			fail_msg("%s: \"%s\" does not say %s", cases[i].what,
			    c.err, cases[i].word);
		assert_int_equal(c.tot.files, 1);
		assert_int_equal(c.tot.rows, 2);
		assert_non_null(strstr(c.text, "good2"));
		if (cases[i].make == bad_utf8)
			assert_non_null(strstr(c.text, "read first"));
		free(c.text);
		delta_free(c.t);
	}
}

struct stop_at {
	int n, stop;
	json_t *rows;
};

static int
take(const struct record *r, void *arg)
{
	struct stop_at *s = arg;
	struct writer w;

	writer_open_memory(&w);
	record_print(r, &w);
	json_array_append_new(s->rows, json_loadb(w.buf, w.len, 0, NULL));
	writer_close(&w);
	return ++s->n == s->stop;
}

/*
 * scan_each: only the columns asked for, partition ones too; each
 * stopping the scan is no error; a stop signal ends it early too.
 */
static void
test_each_and_stops(void **state)
{
	(void)state;
	static const char *const only[] = { "id", "s", "part", NULL };
	struct stop_at s = { 0 };
	struct scan_totals tot;
	struct delta_table *t;
	struct pqf f;
	char err[512], name[32];
	json_t *r;
	size_t i;

	create(ts, 2, NULL);
	for (int k = 0; k < 3; k++) {
		snprintf(name, sizeof name, "f%d.parquet", k);
		pqf_open(&f, name, ts);
		for (int j = 0; j < 4; j++) {
			char id[32];
			snprintf(id, sizeof id, "r%d%d", k, j);
			pqf_row(&f, id, j, j, 1, 0, 0, j, "y");
		}
		commit_add(name, pv_of("1", "p"), pqf_close(&f), 4);
	}
	t = open_table(-1);
	s.rows = json_array();
	s.stop = -1;
	assert_int_equal(scan_each(t, only, take, &s, &tot, err, sizeof err),
	    0);
	assert_int_equal(tot.rows, 12);
	assert_int_equal(tot.files, 3);
	json_array_foreach(s.rows, i, r) {
		assert_int_equal(json_object_size(r), 3);
		assert_non_null(json_object_get(r, "id"));
		assert_non_null(json_object_get(r, "s"));
		assert_string_equal(json_string_value(json_object_get(r,
		    "part")), "p");
	}
	json_decref(s.rows);

	/* Stopped by each at the 6th row: the 2nd file was cut short. */
	memset(&s, 0, sizeof s);
	s.rows = json_array();
	s.stop = 6;
	assert_int_equal(scan_each(t, NULL, take, &s, &tot, err, sizeof err),
	    0);
	assert_int_equal(json_array_size(s.rows), 6);
	assert_int_equal(tot.files, 2);
	assert_int_equal(tot.rows, 5);
	json_decref(s.rows);

	/* A stop signal: nothing more is read, and it is no error. */
	char *text;
	cli_stop = SIGTERM;
	assert_int_equal(scan_text(t, &text, &tot, err, sizeof err), 0);
	cli_stop = 0;
	assert_string_equal(text, "");
	assert_int_equal(tot.rows, 0);
	free(text);

	delta_free(t);
}

struct full_call {
	struct delta_table *t;
	struct writer w;
	struct scan_totals tot;
	int rc;
};

static void
scan_to_full(void *arg)
{
	struct full_call *c = arg;
	char err[512];

	c->rc = scan_rows(c->t, &c->w, 0, &c->tot, err, sizeof err);
}

/*
 * A full disk downstream: the scan stops at once, without an error (the
 * writer's to report), and the file it was cut short in is counted but
 * not taken for one that disagrees with its add: it was not read to
 * its end.
 */
static void
test_output_fails(void **state)
{
	(void)state;
	struct full_call c = { 0 };
	struct pqf f;
	int fd;

	if ((fd = open("/dev/full", O_WRONLY)) < 0)
		unit_skip("/dev/full: %s, so no output can fail with ENOSPC",
		    strerror(errno));
	create(ts, 2, NULL);
	for (int k = 0; k < 2; k++) {
		char name[32];
		snprintf(name, sizeof name, "f%d.parquet", k);
		pqf_open(&f, name, ts);
		for (int j = 0; j < 4; j++)
			pqf_row(&f, "r", j, j, 1, 0, 0, j, "y");
		commit_add(name, pv_of("1", "p"), pqf_close(&f), 4);
	}
	c.t = open_table(-1);
	writer_open_fd(&c.w, fd, "/dev/full");
	c.w.unbuffered = true;
	capture_stderr(scan_to_full, &c);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.w.error, ENOSPC);
	assert_int_equal(c.tot.files, 1);
	assert_int_equal(c.tot.rows, 0);
	assert_false(c.tot.mismatch);
	assert_string_equal(said, "");
	c.w.error = 0;	/* seen here; not for writer_close to say */
	c.w.len = 0;
	writer_close(&c.w);
	close(fd);
	delta_free(c.t);
}

static int
refuse(const struct record *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 1;
}

static int
count(const struct record *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

/* One file, in the log or not yet; each's refusal is an error here. */
static void
test_scan_file(void **state)
{
	(void)state;
	struct delta_table *t;
	struct pqf f;
	char err[512];
	json_t *add;
	int n = 0;

	create(ts, 2, NULL);
	pqf_open(&f, "k=3/part=q/new.parquet", ts);
	pqf_row(&f, "a", 1, 1, 1, 0, 0, 1, "y");
	pqf_row(&f, "b", 1, 1, 1, 0, 0, 1, "y");
	pqf_close(&f);
	t = open_table(-1);
	add = json_pack("{s:o}", "partitionValues", pv_of("3", "q"));
	assert_int_equal(scan_file(t, "k=3/part=q/new.parquet", add, count, &n,
	    err, sizeof err), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(scan_file(t, "k=3/part=q/new.parquet", add, refuse,
	    &n, err, sizeof err), -1);
	assert_int_equal(n, 1);
	assert_true(err[0] != '\0');
	assert_int_equal(scan_file(t, "../new.parquet", add, count, &n, err,
	    sizeof err), -1);
	json_decref(add);
	delta_free(t);
}

/*
 * Time travel: the snapshot as of a version, from the newest checkpoint
 * at or below it and the commits after, so it works once the early
 * commits are deleted; a version before the checkpoint, or beyond the
 * log, is an error.
 */
static void
test_time_travel(void **state)
{
	(void)state;
	struct delta_table *t;
	struct pqf f;
	char err[512], path[600];
	static const char *const names[] = { "a.parquet", "b.parquet",
	    "c.parquet" };

	create(ts, 2, NULL);				/* v0 */
	for (int k = 0; k < 3; k++) {			/* v1, v2, v3 */
		pqf_open(&f, names[k], ts);
		pqf_row(&f, names[k], k, k, 1, 0, 0, k, "y");
		commit_add(names[k], pv_of("1", "p"), pqf_close(&f), 1);
		if (k == 1) {
			t = open_table(-1);
			assert_int_equal(t->version, 2);
			if (checkpoint_write(t, err, sizeof err) != 0)
				fail_msg("%s", err);
			delta_free(t);
		}
	}
	/* v4 */
	commit(json_pack("[{s:{s:s,s:I,s:b}}]", "remove", "path", "a.parquet",
	    "deletionTimestamp", (json_int_t)0, "dataChange", 1));
	for (int v = 0; v < 2; v++) {
		snprintf(path, sizeof path, "%s/_delta_log/%020d.json", root,
		    v);
		assert_int_equal(unlink(path), 0);
	}
	t = open_table(2);
	assert_int_equal(t->version, 2);
	assert_int_equal(t->checkpoint, 2);
	assert_int_equal(json_object_size(t->files), 2);
	delta_free(t);
	t = open_table(3);
	assert_int_equal(json_object_size(t->files), 3);
	delta_free(t);
	t = open_table(4);
	assert_int_equal(json_object_size(t->files), 2);
	assert_null(json_object_get(t->files, "a.parquet"));
	/* Its rows: b and c. */
	struct scan_totals tot;
	char *text;
	assert_int_equal(scan_text(t, &text, &tot, err, sizeof err), 0);
	assert_null(strstr(text, "a.parquet"));
	assert_non_null(strstr(text, "b.parquet"));
	assert_non_null(strstr(text, "c.parquet"));
	free(text);
	delta_free(t);
	assert_null(delta_open_at(root, 1, err, sizeof err));
	assert_null(delta_open_at(root, 5, err, sizeof err));
	assert_true(err[0] != '\0');
}

/*
 * A checkpoint leaves out the tombstones older than the retention (7
 * days by default), and the table in memory forgets them with it, so a
 * long-running writer holds what a fresh open from the checkpoint does.
 */
static void
test_checkpoint_expires_tombstones(void **state)
{
	(void)state;
	struct delta_table *t, *again;
	struct pqf f;
	char err[512];
	json_int_t now = (json_int_t)delta_now_ms(), day = 86400000;
	static const char *const names[] = { "old.parquet", "new.parquet",
	    "live.parquet" };

	create(ts, 2, NULL);
	for (int k = 0; k < 3; k++) {
		pqf_open(&f, names[k], ts);
		pqf_row(&f, names[k], k, k, 1, 0, 0, k, "y");
		commit_add(names[k], pv_of("1", "p"), pqf_close(&f), 1);
	}
	commit(json_pack("[{s:{s:s,s:I,s:b}},{s:{s:s,s:I,s:b}}]",
	    "remove", "path", "old.parquet", "deletionTimestamp", now - 8 * day,
	    "dataChange", 1,
	    "remove", "path", "new.parquet", "deletionTimestamp", now - day,
	    "dataChange", 1));
	t = open_table(-1);
	assert_int_equal(json_object_size(t->tombstones), 2);
	if (checkpoint_write(t, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(json_object_size(t->tombstones), 1);
	assert_non_null(json_object_get(t->tombstones, "new.parquet"));
	assert_int_equal(json_object_size(t->files), 1);
	again = open_table(-1);
	assert_int_equal(again->checkpoint, t->version);
	assert_int_equal(json_object_size(again->tombstones), 1);
	assert_non_null(json_object_get(again->tombstones, "new.parquet"));
	delta_free(again);
	delta_free(t);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_readable, fresh_table),
		cmocka_unit_test_setup(test_live_paths, fresh_table),
		cmocka_unit_test_setup(test_rows, fresh_table),
		cmocka_unit_test_setup(test_older_file, fresh_table),
		cmocka_unit_test_setup(test_disagreeing_add, fresh_table),
		cmocka_unit_test_setup(test_bad_files, fresh_table),
		cmocka_unit_test_setup(test_each_and_stops, fresh_table),
		cmocka_unit_test_setup(test_output_fails, fresh_table),
		cmocka_unit_test_setup(test_scan_file, fresh_table),
		cmocka_unit_test_setup(test_time_travel, fresh_table),
		cmocka_unit_test_setup(test_checkpoint_expires_tombstones,
		    fresh_table),
	};

	cli_init(argc, argv);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
