/*
 * delta_append: opening (and refusing) tables, records checked against
 * the schema with the reason for each refusal, batches committed as one
 * version each with their files, partitions and statistics (string
 * bounds cut the way the Delta protocol allows), exactly-once by Kafka
 * offset across batches and against another writer, Gold's
 * through_offset, dry runs, checkpoints, when a batch is due, and every
 * write, fsync, mkdir, link and rename the append makes failed in turn:
 * the table then holds the old version or the new one, whole, and no
 * file of a failed batch is left behind.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include <jansson.h>

#include "cli.h"
#include "delta.h"
#include "delta_append.h"
#include "delta_scan.h"
#include "isotime.h"
#include "writer.h"
#include "partition.h"
#include "schema.h"

/* ------------------------------------------------------------------ */
/* Failing the Nth call of a kind, as tests/inject/failio.c does for the
 * tools: these definitions take the place of libc's for the whole test
 * program, library included, and pass through to it otherwise. */

enum io { IO_WRITE, IO_FSYNC, IO_MKDIR, IO_LINK, IO_RENAME, NIO };
static const char *const io_name[NIO] = { "write", "fsync", "mkdir",
    "link", "rename" };
static bool io_on;		/* count (and fail) only while set */
static long io_calls[NIO];
static int io_fail = -1;	/* the kind to fail, and which call */
static long io_fail_at;

static bool
io_fails(enum io k)
{
	if (!io_on)
		return false;
	if ((int)k == io_fail && ++io_calls[k] == io_fail_at) {
		errno = EIO;
		return true;
	}
	if ((int)k != io_fail)
		io_calls[k]++;
	return false;
}

/* libc's own function of that name. */
static void *
libc(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

typedef ssize_t write_fn(int, const void *, size_t);
typedef int fsync_fn(int);
typedef int mkdir_fn(const char *, mode_t);
typedef int link_fn(const char *, const char *);
typedef int renameat2_fn(int, const char *, int, const char *,
    unsigned int);

ssize_t
write(int fd, const void *buf, size_t n)
{
	static write_fn *real;
	struct stat st;

	if (real == NULL)
		real = (write_fn *)libc("write");
	/* Files, as a full disk fails them; not the test's own output. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && io_fails(IO_WRITE))
		return -1;
	return real(fd, buf, n);
}

int
fsync(int fd)
{
	static fsync_fn *real;

	if (real == NULL)
		real = (fsync_fn *)libc("fsync");
	return io_fails(IO_FSYNC) ? -1 : real(fd);
}

int
mkdir(const char *path, mode_t mode)
{
	static mkdir_fn *real;

	if (real == NULL)
		real = (mkdir_fn *)libc("mkdir");
	return io_fails(IO_MKDIR) ? -1 : real(path, mode);
}

int
link(const char *from, const char *to)
{
	static link_fn *real;

	if (real == NULL)
		real = (link_fn *)libc("link");
	return io_fails(IO_LINK) ? -1 : real(from, to);
}

int
rename(const char *from, const char *to)
{
	static link_fn *real;

	if (real == NULL)
		real = (link_fn *)libc("rename");
	return io_fails(IO_RENAME) ? -1 : real(from, to);
}

int
renameat2(int fromfd, const char *from, int tofd, const char *to,
    unsigned int flags)
{
	static renameat2_fn *real;

	if (real == NULL)
		real = (renameat2_fn *)libc("renameat2");
	return io_fails(IO_RENAME) ? -1 : real(fromfd, from, tofd, to, flags);
}

/* ------------------------------------------------------------------ */

/* UNIT_FIELD, short: the schemas below are long. */
#define F UNIT_FIELD

static const char table_schema[] = "{\"type\":\"struct\",\"fields\":["
    F("patient_id", "string", "false") ","
    F("event_date", "date", "false") ","
    F("hr", "integer", "true") ","
    F("score", "double", "true") ","
    F("ok", "boolean", "true") ","
    F("t", "timestamp", "true") ","
    F("note", "string", "true") ","
    "{\"name\":\"truth\",\"type\":{\"type\":\"struct\",\"fields\":["
    F("episode", "string", "true") "," F("episode_id", "long", "true") ","
    F("fault", "string", "true") "]},\"nullable\":true,\"metadata\":{}},"
    F("topic", "string", "true") ","
    F("partition", "integer", "true") ","
    F("offset", "long", "true") "]}";

static const char gold_like[] = "{\"type\":\"struct\",\"fields\":["
    F("patient_id", "string", "false") ","
    F("readings", "long", "false") ","
    F("topic", "string", "true") ","
    F("partition", "integer", "true") ","
    F("through_offset", "long", "true") "]}";

static char *by_date[] = { "event_date" };
static struct unit_scratch scratch;
static char *const root = scratch.table;
static struct schema *ts;

static int
make_dir(void **state)
{
	(void)state;
	unit_scratch_make(&scratch, "delta-append");
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

static struct appender *
open_table(const char *at, const struct schema *s, char **pby, size_t np,
    const struct append_options *o)
{
	struct append_options def;
	struct appender *a;
	char err[512];

	if (o == NULL) {
		append_options_init(&def);
		def.checkpoint_interval = 0;
		o = &def;
	}
	if ((a = appender_open(at, s, pby, np, o, err, sizeof err)) == NULL)
		fail_msg("%s: %s", at, err);
	return a;
}

static enum append_status
add(struct appender *a, const char *line, const char **reason,
    char *detail)
{
	enum append_status st;
	char err[512];

	if (appender_add(a, line, strlen(line), &st, reason, detail, 512, err,
	    sizeof err) != 0)
		fail_msg("appender_add failed: %s", err);
	return st;
}

static void
add_ok(struct appender *a, const char *line)
{
	const char *reason = NULL;
	char detail[512];
	enum append_status st = add(a, line, &reason, detail);

	if (st != APPEND_OK)
		fail_msg("%s: status %d, %s: %s", line, st, reason ? reason :
		    "-", detail);
}

static int64_t
commit(struct appender *a, uint64_t *dropped)
{
	int64_t v;
	uint64_t d;
	char err[512];

	if (appender_commit(a, &v, &d, err, sizeof err) != 0)
		fail_msg("commit: %s", err);
	if (dropped != NULL)
		*dropped = d;
	return v;
}

/* A row of the test table: patient id, date, and more fields. */
static const char *
row(const char *id, const char *date, const char *more)
{
	static char buf[4][2048];
	static int k;
	char *b = buf[k++ % 4];

	snprintf(b, sizeof buf[0], "{\"patient_id\":\"%s\",\"event_date\":"
	    "\"%s\"%s%s}", id, date, *more ? "," : "", more);
	return b;
}

/* A row with a Kafka position. */
static const char *
at_offset(const char *topic, int part, long long off)
{
	char id[32], more[128];

	snprintf(id, sizeof id, "%s-%d-%lld", topic, part, off);
	snprintf(more, sizeof more, "\"topic\":\"%s\",\"partition\":%d,"
	    "\"offset\":%lld", topic, part, off);
	return row(id, "2026-03-01", more);
}

struct collect {
	json_t *rows;
	struct writer w;
};

static int
collect_row(const struct record *r, void *arg)
{
	struct collect *c = arg;

	c->w.len = 0;
	record_print(r, &c->w);
	json_array_append_new(c->rows, json_loadb(c->w.buf, c->w.len, 0,
	    NULL));
	return 0;
}

/* The table's live rows, as JSON objects keyed by patient_id. */
static json_t *
table_rows(const char *at, int64_t *version)
{
	struct collect c = { .rows = json_array() };
	struct scan_totals tot;
	struct delta_table *t;
	char err[512];
	json_t *byid = json_object(), *r;
	size_t i;

	if ((t = delta_open(at, err, sizeof err)) == NULL)
		fail_msg("%s", err);
	if (version != NULL)
		*version = t->version;
	if (t->version >= 0) {
		writer_open_memory(&c.w);
		if (scan_each(t, NULL, collect_row, &c, &tot, err,
		    sizeof err) != 0)
			fail_msg("%s", err);
		writer_close(&c.w);
		assert_false(tot.mismatch);
	}
	json_array_foreach(c.rows, i, r) {
		const char *id = json_string_value(json_object_get(r,
		    "patient_id"));
		assert_non_null(id);
		/* Nothing is in a table twice. */
		assert_null(json_object_get(byid, id));
		json_object_set(byid, id, r);
	}
	json_decref(c.rows);
	delta_free(t);
	return byid;
}

/* Every file under the table that is not in its log; there must be
 * none (data files of failed batches, temporary commits). */
static json_t *stray_live;
static const char *stray_root;
static int stray_count;

static int
stray_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	const char *rel = path + strlen(stray_root) + 1;

	(void)st;
	(void)f;
	if (flag != FTW_F)
		return 0;
	if (strncmp(rel, "_delta_log/", 11) == 0) {
		/* Commits, checkpoints, _last_checkpoint; nothing half
		 * written. */
		if (strstr(rel, ".tmp") != NULL) {
			print_message("stray %s\n", rel);
			stray_count++;
		}
		return 0;
	}
	if (json_object_get(stray_live, rel) == NULL) {
		print_message("stray %s\n", rel);
		stray_count++;
	}
	return 0;
}

static int
strays(const char *at)
{
	struct delta_table *t;
	const char *key;
	json_t *add;
	char err[512], dec[4096];
	struct stat st;

	if (stat(at, &st) != 0)
		return 0;
	stray_live = json_object();
	if ((t = delta_open(at, err, sizeof err)) == NULL)
		fail_msg("%s", err);
	json_object_foreach(t->files, key, add) {
		snprintf(dec, sizeof dec, "%s", key);
		assert_true(uri_unescape(dec, strlen(dec)) >= 0);
		json_object_set_new(stray_live, dec, json_true());
	}
	delta_free(t);
	stray_root = at;
	stray_count = 0;
	assert_int_equal(nftw(at, stray_one, 16, FTW_PHYS), 0);
	json_decref(stray_live);
	return stray_count;
}

/* The actions of commit v, as a JSON array. */
static json_t *
commit_actions(const char *at, int64_t v)
{
	json_t *actions;
	char err[512];

	assert_int_equal(delta_read_commit(at, v, &actions, err, sizeof err),
	    1);
	return actions;
}

/* How many actions of a kind ("add", "txn", ...) commit v has. */
static size_t
count_actions(const char *at, int64_t v, const char *kind)
{
	json_t *actions = commit_actions(at, v), *a;
	size_t i, n = 0;

	json_array_foreach(actions, i, a)
		n += json_object_get(a, kind) != NULL;
	json_decref(actions);
	return n;
}

static void
reset_table(void)
{
	unit_scratch_no_table(&scratch);
}

/* Each test starts without a table, whatever the last one left. */
static int
fresh_table(void **state)
{
	(void)state;
	reset_table();
	return 0;
}

/* Descriptors open now: what a failed append must not leave more of. */
static int
open_fds(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------ */

static void
expect_open_fails(const char *at, const struct schema *s, char **pby,
    size_t np, bool shape_if_new, const char *word)
{
	struct append_options o;
	char err[512] = "";

	append_options_init(&o);
	o.shape_if_new = shape_if_new;
	assert_null(appender_open(at, s, pby, np, &o, err, sizeof err));
	if (strstr(err, word) == NULL)
		fail_msg("\"%s\" does not say %s", err, word);
}

/* Two writers create the table at once, with schemas sa and sb that
 * are the same table's: the second commits after the first, without a
 * second protocol and metaData. */
static void
race_to_create(const struct schema *sa, const struct schema *sb)
{
	struct appender *a = open_table(root, sa, by_date, 1, NULL);
	struct appender *b = open_table(root, sb, by_date, 1, NULL);
	json_t *rows;

	add_ok(a, row("a", "2026-03-01", ""));
	add_ok(b, row("b", "2026-03-01", ""));
	assert_int_equal(commit(a, NULL), 0);
	assert_int_equal(commit(b, NULL), 1);
	assert_int_equal(count_actions(root, 1, "metaData"), 0);
	assert_int_equal(count_actions(root, 1, "protocol"), 0);
	appender_free(a);
	appender_free(b);
	rows = table_rows(root, NULL);
	assert_int_equal(json_object_size(rows), 2);
	json_decref(rows);
}

/* What a table must be for this writer, and what a new one may be. */
static void
test_open(void **state)
{
	(void)state;
	char *by_score[] = { "score" }, *by_truth[] = { "truth" };
	char *by_none[] = { "nope" }, *by_id[] = { "patient_id" };
	char *two[] = { "patient_id", "event_date" };
	struct schema *small = unit_schema("{\"type\":\"struct\",\"fields\":["
	    F("patient_id", "string", "false") ","
	    F("event_date", "date", "false") "]}");
	struct appender *a;

	expect_open_fails(root, NULL, NULL, 0, false, "--schema");
	expect_open_fails(root, ts, by_none, 1, false, "no such column");
	expect_open_fails(root, ts, by_score, 1, false, "not a string");
	expect_open_fails(root, ts, by_truth, 1, false, "not a string");
	expect_open_fails(root, small, two, 2, false, "every column");
	/* Opening a new table writes nothing until the first commit. */
	a = open_table(root, ts, by_date, 1, NULL);
	assert_int_equal(appender_table(a)->version, -1);
	appender_free(a);
	assert_int_equal(access(root, F_OK), -1);

	a = open_table(root, ts, by_date, 1, NULL);
	add_ok(a, row("p", "2026-03-01", ""));
	assert_int_equal(commit(a, NULL), 0);
	appender_free(a);

	/* An existing table: the same shape, or none given. */
	a = open_table(root, ts, by_date, 1, NULL);
	appender_free(a);
	a = open_table(root, NULL, NULL, 0, NULL);
	assert_int_equal(appender_table(a)->npartition, 1);
	appender_free(a);
	expect_open_fails(root, small, by_date, 1, false, "schema differs");
	expect_open_fails(root, ts, by_id, 1, false,
	    "partitioned differently");
	/* No partitioning given is the table's own, as no schema is. */
	a = open_table(root, ts, NULL, 0, NULL);
	assert_string_equal(appender_table(a)->partition_cols[0],
	    "event_date");
	appender_free(a);
	/* With shape_if_new, the table keeps its own. */
	struct append_options o;
	append_options_init(&o);
	o.shape_if_new = true;
	o.checkpoint_interval = 0;
	a = open_table(root, small, by_id, 1, &o);
	assert_string_equal(appender_table(a)->partition_cols[0],
	    "event_date");
	add_ok(a, row("q", "2026-03-02", "\"hr\":1"));
	assert_int_equal(commit(a, NULL), 1);
	appender_free(a);

	/* A table of a newer protocol is not this writer's. */
	char path[512];
	FILE *fp;
	snprintf(path, sizeof path, "%s/_delta_log/%020d.json", root, 2);
	assert_non_null(fp = fopen(path, "w"));
	fputs("{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"
	    "\"readerFeatures\":[\"deletionVectors\"],"
	    "\"writerFeatures\":[\"deletionVectors\"]}}\n", fp);
	fclose(fp);
	expect_open_fails(root, NULL, NULL, 0, false, "(3, 7)");
	/* Nor a log that does not read. */
	snprintf(path, sizeof path, "%s/_delta_log/%020d.json", root, 3);
	assert_non_null(fp = fopen(path, "w"));
	fputs("{\"add\":\n", fp);
	fclose(fp);
	expect_open_fails(root, NULL, NULL, 0, false, "3.json");
	schema_free(small);
	reset_table();
}

/*
 * A batch is one version: one file per partition, an add for each with
 * its partition value and row count, the rows as given, read back.
 */
static void
test_batch(void **state)
{
	(void)state;
	struct appender *a = open_table(root, ts, by_date, 1, NULL);
	struct append_totals tot;
	json_t *rows, *actions, *x;
	int64_t v;
	size_t i, adds = 0;

	/* Nothing to commit: no version. */
	assert_int_equal(commit(a, NULL), -1);
	assert_int_equal(access(root, F_OK), -1);
	add_ok(a, row("a", "2026-03-01", "\"hr\":70,\"score\":0.25,\"ok\":true,"
	    "\"t\":\"2026-03-01T09:00:00.123Z\",\"note\":\"caf\\u00e9\","
	    "\"truth\":{\"episode\":\"sepsis\",\"episode_id\":3,"
	    "\"fault\":null}"));
	add_ok(a, row("b", "2026-03-02", "\"hr\":null,\"score\":-1e300"));
	add_ok(a, row("c", "2026-03-01", "\"score\":3,\"ok\":false"));
	assert_int_equal(commit(a, NULL), 0);
	appender_totals(a, &tot);
	assert_int_equal(tot.rows, 3);
	assert_int_equal(tot.files, 2);
	assert_int_equal(tot.commits, 1);
	assert_true(tot.bytes > 0);
	add_ok(a, row("d", "2026-03-03", ""));
	assert_int_equal(commit(a, NULL), 1);
	appender_totals(a, &tot);
	assert_int_equal(tot.rows, 4);
	assert_int_equal(tot.commits, 2);
	assert_int_equal(appender_table(a)->version, 1);
	appender_free(a);

	actions = commit_actions(root, 0);
	json_array_foreach(actions, i, x) {
		json_t *add = json_object_get(x, "add"), *stats;
		if (i == 0)	/* commitInfo first, as Delta wants */
			assert_non_null(json_object_get(x, "commitInfo"));
		if (add == NULL)
			continue;
		adds++;
		const char *path = json_string_value(json_object_get(add,
		    "path"));
		const char *date = json_string_value(json_object_get(
		    json_object_get(add, "partitionValues"), "event_date"));
		char want[64];
		snprintf(want, sizeof want, "event_date=%s/", date);
		assert_memory_equal(path, want, strlen(want));
		stats = json_loads(json_string_value(json_object_get(add,
		    "stats")), 0, NULL);
		assert_int_equal(json_integer_value(json_object_get(stats,
		    "numRecords")), strcmp(date, "2026-03-01") == 0 ? 2 : 1);
		json_decref(stats);
	}
	assert_int_equal(adds, 2);
	assert_int_equal(count_actions(root, 0, "metaData"), 1);
	assert_int_equal(count_actions(root, 0, "protocol"), 1);
	assert_int_equal(count_actions(root, 1, "metaData"), 0);
	json_decref(actions);

	rows = table_rows(root, &v);
	assert_int_equal(v, 1);
	assert_int_equal(json_object_size(rows), 4);
	x = json_object_get(rows, "a");
	assert_string_equal(json_string_value(json_object_get(x,
	    "event_date")), "2026-03-01");
	assert_int_equal(json_integer_value(json_object_get(x, "hr")), 70);
	assert_true(json_real_value(json_object_get(x, "score")) == 0.25);
	assert_true(json_is_true(json_object_get(x, "ok")));
	int64_t t, want_t;
	assert_int_equal(iso_parse(json_string_value(json_object_get(x, "t")),
	    strlen(json_string_value(json_object_get(x, "t"))), &t), 0);
	assert_int_equal(iso_parse("2026-03-01T09:00:00.123Z", 24, &want_t),
	    0);
	assert_int_equal(t, want_t);
	assert_string_equal(json_string_value(json_object_get(x, "note")),
	    "caf\xc3\xa9");
	json_t *truth = json_pack("{s:s,s:i}", "episode", "sepsis",
	    "episode_id", 3);
	json_t *got = json_object_get(x, "truth");
	json_object_del(got, "fault");	/* null, as it was given */
	assert_true(json_equal(got, truth));
	json_decref(truth);
	x = json_object_get(rows, "b");
	assert_null(json_object_get(x, "hr"));
	assert_true(json_number_value(json_object_get(x, "score")) == -1e300);
	x = json_object_get(rows, "c");
	assert_true(json_number_value(json_object_get(x, "score")) == 3);
	assert_true(json_is_false(json_object_get(x, "ok")));
	json_decref(rows);
	assert_int_equal(strays(root), 0);
	reset_table();
}

static void
expect_reject(struct appender *a, const char *line, const char *reason,
    const char *word)
{
	const char *why = NULL;
	char detail[512] = "";
	enum append_status st = add(a, line, &why, detail);

	if (st != APPEND_REJECT)
		fail_msg("%s: status %d, wanted %s", line, st, reason);
	assert_non_null(why);
	if (strcmp(why, reason) != 0)
		fail_msg("%s: %s (%s), wanted %s", line, why, detail, reason);
	if (word != NULL && strstr(detail, word) == NULL)
		fail_msg("%s: \"%s\" does not name %s", line, detail, word);
}

/* A record that does not fit is refused, with a reason naming the
 * column, and never reaches a file. */
static void
test_rejects(void **state)
{
	(void)state;
	char *by_note[] = { "note" };
	struct appender *a = open_table(root, ts, by_note, 1, NULL);
	char long_note[400], line[600];
	json_t *rows;

	expect_reject(a, "{\"patient_id\":", "bad_json", NULL);
	expect_reject(a, "[1]", "bad_json", NULL);
	expect_reject(a, row("x", "2026-03-01", "\"colour\":\"red\""),
	    "unknown_field", "colour");
	expect_reject(a, "{\"event_date\":\"2026-03-01\"}", "missing_field",
	    "patient_id is required");
	expect_reject(a, row("x", "2026-03-01", "\"patient_id\":null") ,
	    "bad_json", NULL);	/* a key twice is not JSON */
	expect_reject(a, "{\"patient_id\":\"x\"}", "missing_field",
	    "event_date is required");
	/* A struct's keys are checked as a table's are. */
	expect_reject(a, row("x", "2026-03-01", "\"truth\":{\"mood\":1}"),
	    "unknown_field", "truth has no field 'mood'");
	static const struct {
		const char *more, *word;
	} bad[] = {
		{ "\"hr\":\"70\"", "hr is not an integer" },
		{ "\"hr\":70.5", "hr is not an integer" },
		{ "\"hr\":2147483648", "hr is not an integer" },
		{ "\"score\":\"0.5\"", "score is not a double" },
		{ "\"ok\":1", "ok is not a boolean" },
		{ "\"t\":\"noon\"", "t is not a timestamp" },
		{ "\"t\":1772355600", "t is not a timestamp" },
		{ "\"note\":5", "note is not a string" },
		{ "\"truth\":\"x\"", "truth is not a struct" },
		{ "\"truth\":[1]", "truth is not a struct" },
		{ "\"truth\":{\"episode\":5}", "episode is not a string" },
		{ "\"truth\":{\"episode_id\":\"3\"}",
		  "episode_id is not a long" },
		{ "\"partition\":\"3\"", "partition is not an integer" },
		{ "\"offset\":1.5", "offset is not a long" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_reject(a, row("x", "2026-03-01", bad[i].more),
		    "schema_mismatch", bad[i].word);
	expect_reject(a, row("x", "2026-02-30", ""), "schema_mismatch",
	    "event_date is not a date");
	/* A partition value too long for a directory name: 300 bytes. */
	memset(long_note, 'n', 300);
	long_note[300] = '\0';
	snprintf(line, sizeof line, "\"note\":\"%s\"", long_note);
	expect_reject(a, row("x", "2026-03-01", line),
	    "partition_value_too_long", "note");
	/* The largest integer and the values at its edges fit. */
	add_ok(a, row("y", "2026-03-01", "\"hr\":2147483647,\"note\":\"a/b\","
	    "\"truth\":{}"));
	add_ok(a, row("z", "2026-03-01", "\"hr\":-2147483648,\"truth\":null,"
	    "\"offset\":9007199254740993"));
	assert_int_equal(commit(a, NULL), 0);
	appender_free(a);
	rows = table_rows(root, NULL);
	assert_int_equal(json_object_size(rows), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(rows, "y"), "note")), "a/b");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(rows, "z"), "offset")), INT64_C(9007199254740993));
	json_decref(rows);
	reset_table();
}

/*
 * Exactly once: an offset the table (or this batch) holds is skipped, per
 * topic and partition; the txn is the highest offset committed; the
 * positions print as kafka-cat-in reads them.
 */
static void
test_exactly_once(void **state)
{
	(void)state;
	struct append_options o;
	struct appender *a;
	const char *reason;
	char detail[512];
	struct writer w;
	json_t *rows;

	append_options_init(&o);
	o.app_id = "app:x";		/* a ':' in it is fine */
	o.checkpoint_interval = 0;
	a = open_table(root, ts, by_date, 1, &o);
	for (int k = 0; k < 10; k++)
		add_ok(a, at_offset("t", 0, k));
	add_ok(a, at_offset("t", 1, 4));
	/* Within the batch: held already. */
	assert_int_equal(add(a, at_offset("t", 0, 3), &reason, detail),
	    APPEND_SKIPPED);
	assert_int_equal(commit(a, NULL), 0);
	appender_free(a);

	a = open_table(root, NULL, NULL, 0, &o);
	for (int k = 5; k < 15; k++)
		assert_int_equal(add(a, at_offset("t", 0, k), &reason, detail),
		    k < 10 ? APPEND_SKIPPED : APPEND_OK);
	assert_int_equal(add(a, at_offset("t", 1, 4), &reason, detail),
	    APPEND_SKIPPED);
	add_ok(a, at_offset("t", 1, 5));
	add_ok(a, at_offset("u", 0, 0));
	/* No position: nothing to skip by. */
	add_ok(a, row("free", "2026-03-01", ""));
	assert_int_equal(commit(a, NULL), 1);
	/* Each source's txn, once per commit. */
	assert_int_equal(count_actions(root, 1, "txn"), 3);
	assert_int_equal(delta_txn_version(appender_table(a), "app:x:t:0"),
	    14);
	assert_int_equal(delta_txn_version(appender_table(a), "app:x:t:1"),
	    5);

	writer_open_memory(&w);
	delta_print_positions(appender_table(a), &w);
	writer_char(&w, '\0');
	assert_non_null(strstr(w.buf, "{\"app_id\":\"app:x\",\"topic\":\"t\","
	    "\"partition\":0,\"offset\":14}\n"));
	assert_non_null(strstr(w.buf, "{\"app_id\":\"app:x\",\"topic\":\"t\","
	    "\"partition\":1,\"offset\":5}\n"));
	assert_non_null(strstr(w.buf, "{\"app_id\":\"app:x\",\"topic\":\"u\","
	    "\"partition\":0,\"offset\":0}\n"));
	writer_close(&w);
	appender_free(a);

	rows = table_rows(root, NULL);
	/* 0..14 and 4, 5 of t:1, 0 of u, and the free one: 19 rows. */
	assert_int_equal(json_object_size(rows), 19);
	json_decref(rows);
	reset_table();
}

/* A txn this writer did not write is no position to print. */
static void
test_positions_foreign(void **state)
{
	(void)state;
	struct delta_table t = { 0 };
	struct delta_txn txns[] = { { "4f3c-streaming-query", 12 },
	    { "app:t:x", 3 }, { "app:t:", 3 }, { "x:5", 1 },
	    { "a:b:t:7", 9 } };
	struct writer w;

	t.txns = txns;
	t.ntxns = sizeof txns / sizeof txns[0];
	writer_open_memory(&w);
	delta_print_positions(&t, &w);
	writer_char(&w, '\0');
	assert_string_equal(w.buf, "{\"app_id\":\"a:b\",\"topic\":\"t\","
	    "\"partition\":7,\"offset\":9}\n");
	writer_close(&w);
}

/*
 * Another writer commits some of this batch's offsets first (it took the
 * Kafka partition over): the batch is made again without them, from its
 * own files, which are then gone; nothing is in the table twice.
 */
static void
test_other_writer(void **state)
{
	(void)state;
	struct appender *a, *b;
	uint64_t dropped;
	json_t *rows;

	a = open_table(root, ts, by_date, 1, NULL);
	add_ok(a, row("first", "2026-03-01", ""));
	assert_int_equal(commit(a, NULL), 0);
	appender_free(a);
	a = open_table(root, NULL, NULL, 0, NULL);
	b = open_table(root, NULL, NULL, 0, NULL);
	for (int k = 0; k < 10; k++)
		add_ok(a, at_offset("t", 0, k));
	for (int k = 5; k < 15; k++)
		add_ok(b, at_offset("t", 0, k));
	add_ok(b, row("b-only", "2026-03-04", ""));
	assert_int_equal(commit(a, &dropped), 1);
	assert_int_equal(dropped, 0);
	assert_int_equal(commit(b, &dropped), 2);
	assert_int_equal(dropped, 5);
	assert_int_equal(delta_txn_version(appender_table(b),
	    "vitals-lakehouse:t:0"), 14);
	appender_free(a);
	appender_free(b);
	rows = table_rows(root, NULL);
	assert_int_equal(json_object_size(rows), 1 + 15 + 1);
	json_decref(rows);
	/* The files of b's first batch are gone. */
	assert_int_equal(strays(root), 0);
	reset_table();

	/* Two writers create the table at once. */
	race_to_create(ts, ts);
	reset_table();

	/* ... unless it made another table: then nothing of b's is kept. */
	struct schema *other = unit_schema("{\"type\":\"struct\",\"fields\":["
	    F("patient_id", "string", "false") ","
	    F("event_date", "date", "false") "," F("x", "long", "true") "]}");
	char err[512];
	int64_t v;
	a = open_table(root, ts, by_date, 1, NULL);
	b = open_table(root, other, by_date, 1, NULL);
	add_ok(a, row("a", "2026-03-01", ""));
	add_ok(b, row("b", "2026-03-05", ""));
	assert_int_equal(commit(a, NULL), 0);
	assert_int_equal(appender_commit(b, &v, &dropped, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "another schema"));
	appender_free(a);
	appender_free(b);
	assert_int_equal(strays(root), 0);
	rows = table_rows(root, &v);
	assert_int_equal(v, 0);
	assert_int_equal(json_object_size(rows), 1);
	json_decref(rows);
	schema_free(other);
	reset_table();
}

/* The test table's schema with patient_id's comment, hr's type and
 * patient_id's nullability as given. */
static struct schema *
commented(const char *comment, const char *hr_type, const char *id_null)
{
	char text[2048];
	const char *rest = strstr(table_schema, F("score", "double", "true"));

	snprintf(text, sizeof text, "{\"type\":\"struct\",\"fields\":["
	    "{\"name\":\"patient_id\",\"type\":\"string\",\"nullable\":"
	    "%s,\"metadata\":{\"comment\":\"%s\"}},"
	    F("event_date", "date", "false") ","
	    "{\"name\":\"hr\",\"type\":\"%s\",\"nullable\":true,"
	    "\"metadata\":{}},%s", id_null, comment, hr_type, rest);
	return unit_schema(text);
}

/* A column's comment is documentation: editing it in the schema does not
 * lock out a table written before, while a type or nullability change
 * still does. */
static void
test_open_comment(void **state)
{
	struct schema *one = commented("one", "integer", "false");
	struct schema *two = commented("two", "integer", "false");
	struct schema *hr_long = commented("one", "long", "false");
	struct schema *id_null = commented("one", "integer", "true");
	struct appender *a;
	json_t *rows;
	int64_t v;

	(void)state;
	a = open_table(root, one, by_date, 1, NULL);
	add_ok(a, row("p", "2026-03-01", ""));
	assert_int_equal(commit(a, NULL), 0);
	appender_free(a);
	a = open_table(root, two, by_date, 1, NULL);
	add_ok(a, row("q", "2026-03-01", ""));
	assert_int_equal(commit(a, NULL), 1);
	appender_free(a);
	expect_open_fails(root, hr_long, by_date, 1, false,
	    "column hr is long, the table's is integer");
	expect_open_fails(root, id_null, by_date, 1, false,
	    "column patient_id is string, the table's is non-null string");
	rows = table_rows(root, &v);
	assert_int_equal(v, 1);
	assert_int_equal(json_object_size(rows), 2);
	json_decref(rows);
	reset_table();

	/* Two writers create the table at once, with different comments:
	 * the same table. */
	race_to_create(one, two);
	schema_free(one);
	schema_free(two);
	schema_free(hr_long);
	schema_free(id_null);
}

/*
 * A table with through_offset (Gold): no row is skipped, the txn is the
 * highest through_offset, and a commit writes it only when it moves on.
 */
static void
test_through_offset(void **state)
{
	(void)state;
	struct schema *gs = unit_schema(gold_like);
	struct appender *a = open_table(root, gs, NULL, 0, NULL);
	const char *reason;
	char detail[512];
	json_t *rows;

	add_ok(a, "{\"patient_id\":\"a\",\"readings\":1,\"topic\":\"t\","
	    "\"partition\":0,\"through_offset\":5}");
	add_ok(a, "{\"patient_id\":\"b\",\"readings\":1,\"topic\":\"t\","
	    "\"partition\":0,\"through_offset\":7}");
	add_ok(a, "{\"patient_id\":\"c\",\"readings\":1,\"topic\":\"t\","
	    "\"partition\":0,\"through_offset\":7}");
	assert_int_equal(commit(a, NULL), 0);
	assert_int_equal(count_actions(root, 0, "txn"), 1);
	assert_int_equal(delta_txn_version(appender_table(a),
	    "vitals-lakehouse:t:0"), 7);
	/* Below and at the committed position: still rows. */
	assert_int_equal(add(a, "{\"patient_id\":\"d\",\"readings\":1,"
	    "\"topic\":\"t\",\"partition\":0,\"through_offset\":3}", &reason,
	    detail), APPEND_OK);
	add_ok(a, "{\"patient_id\":\"e\",\"readings\":2,\"topic\":\"t\","
	    "\"partition\":0,\"through_offset\":7}");
	assert_int_equal(commit(a, NULL), 1);
	assert_int_equal(count_actions(root, 1, "txn"), 0);
	add_ok(a, "{\"patient_id\":\"f\",\"readings\":1,\"topic\":\"t\","
	    "\"partition\":0,\"through_offset\":9}");
	assert_int_equal(commit(a, NULL), 2);
	assert_int_equal(count_actions(root, 2, "txn"), 1);
	assert_int_equal(delta_txn_version(appender_table(a),
	    "vitals-lakehouse:t:0"), 9);
	appender_free(a);
	rows = table_rows(root, NULL);
	assert_int_equal(json_object_size(rows), 6);
	json_decref(rows);
	schema_free(gs);
	reset_table();
}

/* A dry run prints the actions and writes nothing at all. */
static void
test_dry_run(void **state)
{
	(void)state;
	struct append_options o;
	struct appender *a;
	struct writer out;
	char *line, *save = NULL;
	int adds = 0, md = 0;

	writer_open_memory(&out);
	append_options_init(&o);
	o.dry_run = true;
	o.dry_out = &out;
	a = open_table(root, ts, by_date, 1, &o);
	add_ok(a, row("a", "2026-03-01", "\"hr\":1"));
	add_ok(a, row("b", "2026-03-02", "\"hr\":2"));
	assert_int_equal(commit(a, NULL), -1);
	appender_free(a);
	assert_int_equal(access(root, F_OK), -1);
	writer_char(&out, '\0');
	for (line = strtok_r(out.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		adds += json_object_get(j, "add") != NULL;
		md += json_object_get(j, "metaData") != NULL;
		json_decref(j);
	}
	assert_int_equal(adds, 2);
	assert_int_equal(md, 1);
	writer_close(&out);
}

/* The add's statistics of the one file of commit v. */
static json_t *
file_stats(int64_t v)
{
	json_t *actions = commit_actions(root, v), *a, *stats = NULL;
	size_t i;

	json_array_foreach(actions, i, a) {
		json_t *add = json_object_get(a, "add");
		if (add != NULL) {
			assert_null(stats);
			stats = json_loads(json_string_value(json_object_get(
			    add, "stats")), 0, NULL);
		}
	}
	json_decref(actions);
	assert_non_null(stats);
	return stats;
}

static const char *
stat_str(json_t *stats, const char *kind, const char *col)
{
	return json_string_value(json_object_get(json_object_get(stats, kind),
	    col));
}

/*
 * Statistics: bounds and null counts per column, structs nested, none
 * for partition columns and booleans; a string bound cut at 32
 * characters stays a bound (the Delta protocol lets a max be any value
 * above every value, a min any below): the max gets a tie-breaker after
 * its prefix.  delta.dataSkippingNumIndexedCols limits the columns.
 */
static void
test_stats(void **state)
{
	(void)state;
	char more[1024], a40[41], z40[41], e40[81];
	struct appender *a = open_table(root, ts, by_date, 1, NULL);
	json_t *st;

	memset(a40, 'a', 40);
	a40[40] = '\0';
	memset(z40, 'z', 40);
	z40[40] = '\0';
	for (int i = 0; i < 40; i++)
		memcpy(e40 + 2 * i, "\xc3\xa9", 2);	/* é */
	e40[80] = '\0';
	snprintf(more, sizeof more, "\"hr\":70,\"score\":-2.5,\"ok\":true,"
	    "\"t\":\"2026-03-01T09:00:00.250Z\",\"note\":\"%s\","
	    "\"truth\":{\"episode\":\"sepsis\",\"episode_id\":4}", a40);
	add_ok(a, row("p1", "2026-03-01", more));
	snprintf(more, sizeof more, "\"hr\":55,\"score\":10,"
	    "\"t\":\"2026-03-01T08:00:00Z\",\"note\":\"%s\"", z40);
	add_ok(a, row("p2", "2026-03-01", more));
	add_ok(a, row("p3", "2026-03-01", "\"hr\":90"));
	assert_int_equal(commit(a, NULL), 0);
	st = file_stats(0);
	assert_int_equal(json_integer_value(json_object_get(st,
	    "numRecords")), 3);
	json_t *mn = json_object_get(st, "minValues");
	json_t *mx = json_object_get(st, "maxValues");
	json_t *nc = json_object_get(st, "nullCount");
	assert_int_equal(json_integer_value(json_object_get(mn, "hr")), 55);
	assert_int_equal(json_integer_value(json_object_get(mx, "hr")), 90);
	assert_true(json_number_value(json_object_get(mn, "score")) == -2.5);
	assert_true(json_number_value(json_object_get(mx, "score")) == 10);
	assert_string_equal(stat_str(st, "minValues", "t"),
	    "2026-03-01T08:00:00.000Z");
	assert_string_equal(stat_str(st, "maxValues", "t"),
	    "2026-03-01T09:00:00.250Z");
	assert_string_equal(stat_str(st, "minValues", "patient_id"), "p1");
	assert_string_equal(stat_str(st, "maxValues", "patient_id"), "p3");
	/* No bounds for a boolean, nor for partition columns at all. */
	assert_null(json_object_get(mn, "ok"));
	assert_null(json_object_get(mx, "ok"));
	assert_null(json_object_get(mn, "event_date"));
	assert_null(json_object_get(nc, "event_date"));
	assert_int_equal(json_integer_value(json_object_get(nc, "ok")), 2);
	assert_int_equal(json_integer_value(json_object_get(nc, "hr")), 0);
	assert_int_equal(json_integer_value(json_object_get(nc, "score")), 1);
	assert_int_equal(json_integer_value(json_object_get(nc, "note")), 1);
	/* Structs nest; a sub-field with no value has a null count only. */
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(mn, "truth"), "episode")), "sepsis");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(mx, "truth"), "episode_id")), 4);
	assert_null(json_object_get(json_object_get(mn, "truth"), "fault"));
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(nc, "truth"), "fault")), 3);
	/* 40 a's: the min is their first 32.  40 z's: the max is 32 z's and
	 * a character above any that could follow. */
	const char *smin = stat_str(st, "minValues", "note");
	const char *smax = stat_str(st, "maxValues", "note");
	assert_int_equal(strlen(smin), 32);
	assert_memory_equal(smin, a40, 32);
	assert_true(strcmp(smin, a40) <= 0);
	assert_memory_equal(smax, z40, 32);
	assert_true(strlen(smax) <= 36);
	assert_true(strcmp(smax, z40) > 0);
	json_decref(st);

	/* The same with two-byte characters: 32 characters, 64 bytes. */
	snprintf(more, sizeof more, "\"note\":\"%s\"", e40);
	add_ok(a, row("p4", "2026-03-01", more));
	assert_int_equal(commit(a, NULL), 1);
	st = file_stats(1);
	smin = stat_str(st, "minValues", "note");
	smax = stat_str(st, "maxValues", "note");
	assert_int_equal(strlen(smin), 64);
	assert_memory_equal(smin, e40, 64);
	assert_memory_equal(smax, e40, 64);
	assert_true(strcmp(smax, e40) > 0);
	json_decref(st);
	appender_free(a);
	reset_table();

	/* Only the first N leaves get statistics when the table says so. */
	struct delta_table *t;
	char err[512];
	int64_t v;
	json_t *conf = json_pack("{s:s}", "delta.dataSkippingNumIndexedCols",
	    "2");
	json_t *create = delta_create_actions(ts, by_date, 1, conf);
	assert_non_null(t = delta_open(root, err, sizeof err));
	assert_int_equal(delta_commit(t, create, NULL, &v, err, sizeof err),
	    DELTA_COMMITTED);
	delta_free(t);
	json_decref(create);
	json_decref(conf);
	a = open_table(root, NULL, NULL, 0, NULL);
	add_ok(a, row("p", "2026-03-01",
	    "\"hr\":1,\"score\":2,\"note\":\"n\""));
	assert_int_equal(commit(a, NULL), 1);
	appender_free(a);
	st = file_stats(1);
	/* patient_id and hr (event_date is a partition column). */
	assert_int_equal(json_object_size(json_object_get(st, "nullCount")),
	    2);
	assert_non_null(json_object_get(json_object_get(st, "maxValues"),
	    "hr"));
	assert_null(json_object_get(json_object_get(st, "maxValues"),
	    "score"));
	json_decref(st);
	reset_table();
}

/* Checkpoints every N versions, and the table opens through them. */
static void
test_checkpoint(void **state)
{
	(void)state;
	struct append_options o;
	struct appender *a;
	struct delta_table *t;
	char path[512], err[512];
	json_t *rows;

	append_options_init(&o);
	o.checkpoint_interval = 2;
	a = open_table(root, ts, by_date, 1, &o);
	for (int v = 0; v < 5; v++) {
		char id[16];
		snprintf(id, sizeof id, "r%d", v);
		add_ok(a, row(id, "2026-03-01", ""));
		assert_int_equal(commit(a, NULL), v);
		for (int c = 1; c <= 4; c++) {
			snprintf(path, sizeof path,
			    "%s/_delta_log/%020d.checkpoint.parquet", root, c);
			assert_int_equal(access(path, F_OK) == 0,
			    c <= v && c % 2 == 0);
		}
	}
	appender_free(a);
	assert_non_null(t = delta_open(root, err, sizeof err));
	assert_int_equal(t->checkpoint, 4);
	assert_int_equal(t->version, 4);
	delta_free(t);
	rows = table_rows(root, NULL);
	assert_int_equal(json_object_size(rows), 5);
	json_decref(rows);
	reset_table();
}

/* Due by rows, or by time since the first row of the batch. */
static void
test_due(void **state)
{
	(void)state;
	struct append_options o;
	struct appender *a;
	struct writer out;
	int ms;

	writer_open_memory(&out);
	append_options_init(&o);
	o.batch_rows = 3;
	o.batch_usec = 60 * INT64_C(1000000);
	o.dry_run = true;		/* nothing to write here */
	o.dry_out = &out;
	a = open_table(root, ts, by_date, 1, &o);
	assert_false(appender_due(a));
	assert_int_equal(appender_ms_until_due(a), -1);
	add_ok(a, row("a", "2026-03-01", ""));
	ms = appender_ms_until_due(a);
	assert_true(ms > 0 && ms <= 60000);
	add_ok(a, row("b", "2026-03-01", ""));
	assert_false(appender_due(a));
	add_ok(a, row("c", "2026-03-01", ""));
	assert_true(appender_due(a));
	assert_int_equal(commit(a, NULL), -1);		/* dry */
	assert_false(appender_due(a));
	assert_int_equal(appender_ms_until_due(a), -1);
	appender_free(a);

	/* By time: a millisecond after the first row. */
	o.batch_usec = 1000;
	a = open_table(root, ts, by_date, 1, &o);
	add_ok(a, row("d", "2026-03-01", ""));
	struct timespec pause = { 0, 5000000 };
	nanosleep(&pause, NULL);
	assert_true(appender_due(a));
	assert_int_equal(appender_ms_until_due(a), 0);
	appender_free(a);
	writer_close(&out);
}

/*
 * One append with the Nth call of one kind failing: a table at version 0
 * with 3 rows, 6 more rows in two partitions (one new), a commit with a
 * checkpoint.  Returns whether the append said it failed.
 */
static bool
append_failing(int kind, long nth)
{
	struct append_options o;
	struct appender *a;
	char err[512] = "", detail[512], id[16];
	enum append_status st;
	const char *reason;
	uint64_t dropped;
	int64_t v, version;
	bool failed = false;
	json_t *rows;

	a = open_table(root, ts, by_date, 1, NULL);
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof id, "old%d", i);
		add_ok(a, row(id, "2026-03-01", "\"hr\":1"));
	}
	assert_int_equal(commit(a, NULL), 0);
	appender_free(a);

	int fds = open_fds();
	memset(io_calls, 0, sizeof io_calls);
	io_fail = kind;
	io_fail_at = nth;
	io_on = true;
	append_options_init(&o);
	o.checkpoint_interval = 1;
	a = appender_open(root, NULL, NULL, 0, &o, err, sizeof err);
	assert_non_null(a);
	for (int i = 0; i < 6 && !failed; i++) {
		const char *line;
		snprintf(id, sizeof id, "new%d", i);
		line = row(id, i % 2 ? "2026-03-01" : "2026-03-02", "\"hr\":2");
		if (appender_add(a, line, strlen(line), &st, &reason, detail,
		    sizeof detail, err, sizeof err) != 0)
			failed = true;
		else
			assert_int_equal(st, APPEND_OK);
	}
	if (!failed && appender_commit(a, &v, &dropped, err, sizeof err) != 0)
		failed = true;
	appender_free(a);
	io_on = false;
	if (open_fds() != fds)
		fail_msg("%s #%ld: %d descriptors left open", io_name[kind],
		    nth, open_fds() - fds);

	/* Whatever failed, the table reads back: the old version, or the
	 * new one whole; and no file of the failed batch is left. */
	if (failed && err[0] == '\0')
		fail_msg("%s #%ld: failed without a word", io_name[kind], nth);
	rows = table_rows(root, &version);
	if (failed) {
		assert_int_equal(version, 0);
		assert_int_equal(json_object_size(rows), 3);
	} else {
		assert_int_equal(version, 1);
		assert_int_equal(json_object_size(rows), 9);
	}
	json_decref(rows);
	if (strays(root) != 0)
		fail_msg("%s #%ld: files left behind (%s)", io_name[kind], nth,
		    failed ? err : "committed");
	reset_table();
	return failed;
}

static void
test_io_failures(void **state)
{
	(void)state;
	long total[NIO];
	int failures = 0, runs = 0;

	/* A clean run, counting. */
	assert_false(append_failing(-1, 0));
	memcpy(total, io_calls, sizeof total);
	for (int k = 0; k < NIO; k++) {
		/* Every kind is part of an append. */
		if (total[k] == 0)
			fail_msg("no %s call to fail", io_name[k]);
		for (long n = 1; n <= total[k]; n++) {
			failures += append_failing(k, n);
			runs++;
		}
	}
	print_message("%d runs, %d failed appends\n", runs, failures);
	/* The data files' writes and fsyncs, the commit's, the
	 * directories: most failures are failures. */
	assert_true(failures > runs / 2);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open, fresh_table),
		cmocka_unit_test_setup(test_open_comment, fresh_table),
		cmocka_unit_test_setup(test_batch, fresh_table),
		cmocka_unit_test_setup(test_rejects, fresh_table),
		cmocka_unit_test_setup(test_exactly_once, fresh_table),
		cmocka_unit_test_setup(test_positions_foreign, fresh_table),
		cmocka_unit_test_setup(test_other_writer, fresh_table),
		cmocka_unit_test_setup(test_through_offset, fresh_table),
		cmocka_unit_test_setup(test_dry_run, fresh_table),
		cmocka_unit_test_setup(test_stats, fresh_table),
		cmocka_unit_test_setup(test_checkpoint, fresh_table),
		cmocka_unit_test_setup(test_due, fresh_table),
		cmocka_unit_test_setup(test_io_failures, fresh_table),
	};

	cli_init(argc, argv);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
