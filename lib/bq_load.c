#include "bq_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conform.h"
#include "delta.h"
#include "delta_scan.h"
#include "embedded.h"
#include "partition.h"
#include "record.h"
#include "safefile.h"
#include "sha256.h"
#include "uuid.h"
#include "xalloc.h"

/* Job histories are listed this far back, in pages of 1,000. */
#define HISTORY_PAGES	20

/* ---- names ---- */

/* A BigQuery id as bq-load accepts it: what the API allows in project,
 * dataset and table ids, so that it can sit in a URL path, a file name
 * and a SQL identifier without escaping. */
static bool
plain_id(const char *s, bool project)
{
	if (*s == '\0' || strlen(s) > 1024)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' ||
		    (project && (*s == '-' || *s == '.' || *s == ':'))))
			return false;
	return true;
}

static int
check_names(struct bq *b, const struct bq_target *t, char *err,
    size_t errlen)
{
	if (!plain_id(bq_project(b), true)) {
		snprintf(err, errlen, "--project: '%.100s' is not a project id",
		    bq_project(b));
		return -1;
	}
	if (!plain_id(t->dataset, false) || !plain_id(t->table, false)) {
		snprintf(err, errlen, "--dataset and --table take letters, "
		    "digits and '_' only");
		return -1;
	}
	return 0;
}

/* The destination as one token for job ids and file names. */
static void
dest_key(struct bq *b, const struct bq_target *t, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%s_%s_%s", bq_project(b), t->dataset, t->table);
	for (n = 0; buf[n] != '\0'; n++)
		if (buf[n] == '.' || buf[n] == ':')
			buf[n] = '_';
	if (n > 200)
		buf[200] = '\0';
}

/* ---- the schema ---- */

static const char *
bq_type(enum ftype t)
{
	switch (t) {
	case FT_STRING: return "STRING";
	case FT_INTEGER: case FT_LONG: return "INTEGER";
	case FT_DOUBLE: return "FLOAT";
	case FT_BOOLEAN: return "BOOLEAN";
	case FT_TIMESTAMP: return "TIMESTAMP";
	case FT_DATE: return "DATE";
	case FT_STRUCT: return "RECORD";
	/* Not in the tables bq-load loads (Gold), but a schema may say
	 * them: the BigQuery types they would load into. */
	case FT_BYTE: case FT_SHORT: return "INTEGER";
	case FT_FLOAT: return "FLOAT";
	case FT_BINARY: return "BYTES";
	case FT_DECIMAL: return "BIGNUMERIC";
	}
	return "STRING";
}

/* The TableSchema fields of a schema. */
static json_t *
bq_fields(const struct schema *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->f[i];
		const char *comment = json_string_value(json_object_get(
		    json_object_get(f->json, "metadata"), "comment"));
		json_t *o = json_pack("{s:s, s:s, s:s}", "name", f->name,
		    "type", bq_type(f->type), "mode", f->nullable ?
		    "NULLABLE" : "REQUIRED");
		if (comment != NULL)
			json_object_set_new(o, "description",
			    json_stringn(comment, strlen(comment) > 1024 ?
			    1024 : strlen(comment)));
		if (f->type == FT_STRUCT)
			json_object_set_new(o, "fields", bq_fields(f->sub));
		json_array_append_new(a, o);
	}
	return a;
}

/* A type as BigQuery may spell it back: the legacy name. */
static const char *
legacy_type(const char *t)
{
	static const char *const pairs[][2] = {
		{ "INT64", "INTEGER" }, { "FLOAT64", "FLOAT" },
		{ "BOOL", "BOOLEAN" }, { "STRUCT", "RECORD" }
	};

	for (size_t i = 0; t != NULL && i < 4; i++)
		if (strcmp(t, pairs[i][0]) == 0)
			return pairs[i][1];
	return t != NULL ? t : "";
}

/* The field of fields (a TableSchema's) named name, in any case (as
 * BigQuery compares them; the last, should two match), or NULL. */
static json_t *
find_field(json_t *fields, const char *name)
{
	json_t *f, *found = NULL;
	size_t i;

	json_array_foreach(fields, i, f) {
		const char *n = json_string_value(json_object_get(f, "name"));
		if (n != NULL && name != NULL && strcasecmp(n, name) == 0)
			found = f;
	}
	return found;
}

/* Where two field lists differ, into err; 0 when they agree. */
static int
compare_fields(json_t *want, json_t *have, const char *prefix, char *err,
    size_t errlen)
{
	size_t i;
	json_t *w;

	json_array_foreach(want, i, w) {
		const char *name = json_string_value(json_object_get(w,
		    "name"));
		json_t *h = find_field(have, name);
		if (h == NULL) {
			snprintf(err, errlen, "column %s%s is missing", prefix,
			    name);
			return -1;
		}
		const char *wt = json_string_value(json_object_get(w, "type"));
		const char *ht = legacy_type(json_string_value(
		    json_object_get(h, "type")));
		const char *wm = json_string_value(json_object_get(w, "mode"));
		const char *hm = json_string_value(json_object_get(h, "mode"));
		if (hm == NULL)
			hm = "NULLABLE";
		if (strcmp(wt, ht) != 0 || strcmp(wm, hm) != 0) {
			snprintf(err, errlen, "column %s%s is %s %s, Gold's is "
			    "%s %s", prefix, name, hm, ht, wm, wt);
			return -1;
		}
		if (strcmp(wt, "RECORD") == 0) {
			char p[200];
			snprintf(p, sizeof p, "%s%s.", prefix, name);
			if (compare_fields(json_object_get(w, "fields"),
			    json_object_get(h, "fields"), p, err, errlen) != 0)
				return -1;
		}
	}
	return 0;
}

/*
 * The fields of want that have lacks, when they are all NULLABLE and the
 * rest agree: the columns a tables.patch may add to an existing table
 * (BigQuery adds NULLABLE columns, not REQUIRED ones), as delta-commit
 * --merge-schema adds them to Gold.  NULL when there are none, or when
 * anything else differs.
 */
static json_t *
added_fields(json_t *want, json_t *have)
{
	json_t *present = json_array(), *added = json_array(), *w;
	const char *mode;
	char why[256];
	size_t i;

	json_array_foreach(want, i, w) {
		const char *name = json_string_value(json_object_get(w,
		    "name"));
		if (find_field(have, name) != NULL) {
			json_array_append(present, w);
			continue;
		}
		mode = json_string_value(json_object_get(w, "mode"));
		if (mode == NULL || strcmp(mode, "NULLABLE") != 0)
			goto no;
		json_array_append(added, w);
	}
	if (json_array_size(added) == 0 || compare_fields(present, have, "",
	    why, sizeof why) != 0)
		goto no;
	json_decref(present);
	return added;
no:
	json_decref(present);
	json_decref(added);
	return NULL;
}

static void
table_path(const struct bq_target *t, char *buf, size_t len, bool tables)
{
	snprintf(buf, len, "/datasets/%s/tables%s%s", t->dataset,
	    tables ? "" : "/", tables ? "" : t->table);
}

/* tables.patch with have's fields and then add's: the table gains add's
 * columns, NULL in the rows it holds.  0, or -1 with why. */
static int
add_columns(struct bq *b, const struct bq_target *t, const char *path,
    json_t *have, json_t *add, int verbose, char *err, size_t errlen)
{
	json_t *fields = json_deep_copy(have), *body, *out = NULL;
	char why[1024];
	long st;
	int rc;

	json_array_extend(fields, add);
	body = json_pack("{s:{s:o}}", "schema", "fields", fields);
	rc = bq_call(b, "PATCH", path, body, &st, &out, err, errlen);
	json_decref(body);
	if (rc == 0 && !bq_dry_run(b) && st != 200) {
		bq_error_text(st, out, why, sizeof why);
		snprintf(err, errlen, "adding Gold's new columns to %s.%s: %s",
		    t->dataset, t->table, why);
		rc = -1;
	}
	if (rc == 0 && verbose > 0 && !bq_dry_run(b))
		cli_warn("%s.%s: added %zu columns Gold has", t->dataset,
		    t->table, json_array_size(add));
	json_decref(out);
	return rc;
}

int
bq_ensure_table(struct bq *b, const struct bq_target *t, int verbose,
    char *err, size_t errlen)
{
	char path[600], why[1024];
	json_t *out = NULL, *body, *want;
	long st;
	int rc = -1;

	if (check_names(b, t, err, errlen) != 0)
		return -1;
	want = bq_fields(t->schema);
	table_path(t, path, sizeof path, false);
	for (int round = 0; round < 2; round++) {
		if (bq_call(b, "GET", path, NULL, &st, &out, err, errlen) != 0)
			goto done;
		if (st == 200) {
			json_t *have = json_object_get(json_object_get(out,
			    "schema"), "fields"), *add;
			if (compare_fields(want, have, "", why, sizeof why) == 0) {
				rc = 0;
				goto done;
			}
			if ((add = added_fields(want, have)) == NULL) {
				snprintf(err, errlen, "%s.%s.%s exists with "
				    "another schema: %s; nothing loaded",
				    bq_project(b), t->dataset, t->table, why);
				goto done;
			}
			rc = add_columns(b, t, path, have, add, verbose, err,
			    errlen);
			json_decref(add);
			goto done;
		}
		if (st != 404 || round > 0) {
			bq_error_text(st, out, why, sizeof why);
			snprintf(err, errlen, "table %s.%s: %s", t->dataset,
			    t->table, why);
			goto done;
		}
		json_decref(out);
		out = NULL;
		/* The dataset first (409: it is there already). */
		snprintf(path, sizeof path, "/datasets/%s", t->dataset);
		if (bq_call(b, "GET", path, NULL, &st, &out, err, errlen) != 0)
			goto done;
		json_decref(out);
		out = NULL;
		if (st == 404) {
			body = json_pack("{s:{s:s, s:s}}", "datasetReference",
			    "projectId", bq_project(b), "datasetId",
			    t->dataset);
			if (t->location != NULL)
				json_object_set_new(body, "location",
				    json_string(t->location));
			rc = bq_call(b, "POST", "/datasets", body, &st, &out,
			    err, errlen);
			json_decref(body);
			if (rc != 0)
				goto done;
			rc = -1;
			if (st != 200 && st != 409) {
				bq_error_text(st, out, why, sizeof why);
				snprintf(err, errlen, "creating dataset %s: %s",
				    t->dataset, why);
				goto done;
			}
			if (verbose > 0 && st == 200)
				cli_warn("created dataset %s", t->dataset);
			json_decref(out);
			out = NULL;
		}
		body = json_pack("{s:{s:s, s:s, s:s}, s:{s:O}, s:{s:s, s:s}, "
		    "s:{s:[s, s]}, s:s}", "tableReference", "projectId",
		    bq_project(b), "datasetId", t->dataset, "tableId",
		    t->table, "schema", "fields", want, "timePartitioning",
		    "type", "DAY", "field", "event_date", "clustering",
		    "fields", "patient_id", "ward", "description",
		    "Gold: one row per patient and time window "
		    "(vitals-lakehouse, loaded by bq-load)");
		table_path(t, path, sizeof path, true);
		rc = bq_call(b, "POST", path, body, &st, &out, err, errlen);
		json_decref(body);
		if (rc != 0)
			goto done;
		rc = -1;
		if (bq_dry_run(b) || st == 200) {
			if (verbose > 0 && !bq_dry_run(b))
				cli_warn("created table %s.%s", t->dataset,
				    t->table);
			rc = 0;
			goto done;
		}
		if (st != 409) {
			bq_error_text(st, out, why, sizeof why);
			snprintf(err, errlen, "creating table %s.%s: %s",
			    t->dataset, t->table, why);
			goto done;
		}
		/* Someone made it meanwhile: look at it again. */
		json_decref(out);
		out = NULL;
		table_path(t, path, sizeof path, false);
	}
done:
	json_decref(out);
	json_decref(want);
	return rc;
}

/* ---- jobs ---- */

/* What a job that ended said. */
static int
job_outcome(json_t *job, uint64_t *rows, char *err, size_t errlen)
{
	json_t *status = json_object_get(job, "status");
	json_t *er = json_object_get(status, "errorResult");
	const char *n;

	if (er != NULL) {
		json_t *errors = json_object_get(status, "errors"), *e;
		size_t i;
		/* Every message BigQuery gave, with where: the first in
		 * err, the others on stderr. */
		snprintf(err, errlen, "job %s failed: %s (%s)",
		    json_string_value(json_object_get(json_object_get(job,
		    "jobReference"), "jobId")),
		    json_string_value(json_object_get(er, "message")) ?
		    json_string_value(json_object_get(er, "message")) : "?",
		    json_string_value(json_object_get(er, "reason")) ?
		    json_string_value(json_object_get(er, "reason")) : "?");
		json_array_foreach(errors, i, e)
			if (i < 20)
				cli_warn("  %s%s%s", json_string_value(
				    json_object_get(e, "message")) ?
				    json_string_value(json_object_get(e,
				    "message")) : "", json_object_get(e,
				    "location") ? " at " : "",
				    json_string_value(json_object_get(e,
				    "location")) ? json_string_value(
				    json_object_get(e, "location")) : "");
		return -1;
	}
	n = json_string_value(json_object_get(json_object_get(
	    json_object_get(job, "statistics"), "load"), "outputRows"));
	*rows = n != NULL ? strtoull(n, NULL, 10) : 0;
	return 0;
}

/* Whether a failed job is worth the same load again (BigQuery's side
 * failed), or the load itself is wrong. */
static bool
retry_failed(json_t *job)
{
	const char *r = json_string_value(json_object_get(json_object_get(
	    json_object_get(job, "status"), "errorResult"), "reason"));

	return r != NULL && (strcmp(r, "backendError") == 0 ||
	    strcmp(r, "internalError") == 0 || strcmp(r, "timeout") == 0 ||
	    strcmp(r, "rateLimitExceeded") == 0 ||
	    strcmp(r, "jobInternalError") == 0);
}

static const char *
job_location(json_t *job, const char *dflt)
{
	const char *l = json_string_value(json_object_get(json_object_get(job,
	    "jobReference"), "location"));

	return l != NULL ? l : dflt;
}

/*
 * Waits for job id, just inserted (inserted: the insert's answer, for
 * its location), to end.  0 when it succeeded (*rows, *done its
 * resource), 1 when it failed (*done kept, err says how), -1 with err
 * when it could not be followed.
 */
static int
wait_outcome(struct bq *b, const struct bq_target *t, const char *id,
    json_t *inserted, json_t **done, uint64_t *rows, char *err,
    size_t errlen)
{
	if (bq_wait_job(b, id, job_location(inserted, t->location), done, err,
	    errlen) != 0)
		return -1;
	if (job_outcome(*done, rows, err, errlen) == 0)
		return 0;
	bq_note_reason(b, json_string_value(json_object_get(json_object_get(
	    json_object_get(*done, "status"), "errorResult"), "reason")));
	return 1;
}

/*
 * Runs the load of data under base_g<N>: a 409 adopts the job that
 * exists; a job that failed on BigQuery's side is followed by the next
 * generation.  0 with *rows, or -1 with err.
 */
static int
run_load(struct bq *b, const struct bq_target *t, const char *base,
    json_t *load, const void *data, size_t len, int verbose,
    struct bq_load_totals *tot, char *err, size_t errlen)
{
	char id[1100], why[1024];

	for (int gen = 0; gen < 8; gen++) {
		json_t *job, *out = NULL, *done = NULL;
		bool adopted = false;
		uint64_t rows;
		long st;
		int rc;

		snprintf(id, sizeof id, "%s_g%d", base, gen);
		job = json_pack("{s:{s:s, s:s}, s:{s:O}}", "jobReference",
		    "projectId", bq_project(b), "jobId", id, "configuration",
		    "load", load);
		if (t->location != NULL)
			json_object_set_new(json_object_get(job,
			    "jobReference"), "location",
			    json_string(t->location));
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = bq_insert_load(b, job, data, len, &st, &out, err, errlen);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		json_decref(job);
		if (rc != 0)
			return -1;
		if (verbose > 0 && !bq_dry_run(b)) {
			double secs = (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			cli_warn("uploaded %zu bytes in %.3f s (%.1f MB/s)", len,
			    secs, secs > 0 ? (double)len / 1e6 / secs : 0);
		}
		if (bq_dry_run(b)) {
			json_decref(out);
			return 0;
		}
		if (st == 409) {
			adopted = true;
			if (verbose > 0)
				cli_warn("job %s exists: adopting it", id);
		} else if (st != 200) {
			bq_error_text(st, out, why, sizeof why);
			snprintf(err, errlen, "load job %s: %s", id, why);
			json_decref(out);
			return -1;
		}
		rc = wait_outcome(b, t, id, out, &done, &rows, err, errlen);
		json_decref(out);
		if (rc < 0)
			return -1;
		tot->jobs++;
		if (rc == 0) {
			tot->rows_loaded += rows;
			tot->adopted += adopted;
			json_decref(done);
			return 0;
		}
		if (!retry_failed(done)) {
			json_decref(done);
			return -1;
		}
		cli_warn("%s; loading again as generation %d", err, gen + 1);
		json_decref(done);
	}
	return -1;
}

static json_t *
load_config(struct bq *b, const struct bq_target *t)
{
	return json_pack("{s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:i}",
	    "destinationTable", "projectId", bq_project(b), "datasetId",
	    t->dataset, "tableId", t->table, "sourceFormat",
	    "NEWLINE_DELIMITED_JSON", "writeDisposition", "WRITE_APPEND",
	    "createDisposition", "CREATE_NEVER", "maxBadRecords", 0);
}

/* ---- the body: NDJSON in an unlinked temporary file ---- */

struct body {
	int fd;
	struct writer w;
	void *map;
	size_t len;
	struct sha256 *sha;
	uint64_t rows;
};

static int
body_open(struct body *bd, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	memset(bd, 0, sizeof *bd);
	snprintf(path, sizeof path, "%s/bq-load.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((bd->fd = mkstemp(path)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Nothing is left behind, whatever happens to this process. */
	unlink(path);
	writer_open_fd(&bd->w, bd->fd, "the load's temporary file");
	bd->sha = sha256_new();
	return 0;
}

static void
body_line(struct body *bd, const char *s, size_t n)
{
	writer_mem(&bd->w, s, n);
	writer_char(&bd->w, '\n');
	sha256_add(bd->sha, s, n);
	sha256_add(bd->sha, "\n", 1);
	bd->rows++;
	writer_end_record(&bd->w);
}

/* Maps the written body for the upload. */
static int
body_seal(struct body *bd, char *err, size_t errlen)
{
	struct stat st;

	if (writer_flush(&bd->w) != 0 || bd->w.error != 0 ||
	    fstat(bd->fd, &st) != 0) {
		snprintf(err, errlen, "the load's temporary file: %s",
		    strerror(bd->w.error ? bd->w.error : errno));
		return -1;
	}
	bd->len = (size_t)st.st_size;
	if (bd->len > 0 && (bd->map = mmap(NULL, bd->len, PROT_READ,
	    MAP_PRIVATE, bd->fd, 0)) == MAP_FAILED) {
		bd->map = NULL;
		snprintf(err, errlen, "the load's temporary file: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
body_close(struct body *bd)
{
	if (bd->map != NULL)
		munmap(bd->map, bd->len);
	bd->w.error = 0;	/* reported already, if at all */
	free(bd->w.buf);
	bd->w.buf = NULL;
	if (bd->fd >= 0)
		close(bd->fd);
	sha256_free(bd->sha);
}

/* The first 16 hex digits of the SHA-256 of what was hashed: enough to
 * tell contents apart in a job id, which BigQuery caps at 1024 bytes. */
static void
hash_hex(const struct sha256 *sha, char out[17])
{
	char hex[65];

	sha256_hex(sha, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

/* ---- the record and the lock beside the Delta table ---- */

struct record_file {
	char dir[4096], path[4400], lock[4400];
	int lock_fd;
};

static int
record_open(struct record_file *rf, struct bq *b, const struct bq_target *t,
    const char *root, char *err, size_t errlen)
{
	char key[256];

	dest_key(b, t, key, sizeof key);
	snprintf(rf->dir, sizeof rf->dir, "%s/_bq_load", root);
	snprintf(rf->path, sizeof rf->path, "%s/%s.json", rf->dir, key);
	snprintf(rf->lock, sizeof rf->lock, "%s/%s.lock", rf->dir, key);
	rf->lock_fd = -1;
	if (bq_dry_run(b))
		return 0;
	if (mkdir(rf->dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", rf->dir, strerror(errno));
		return -1;
	}
	if ((rf->lock_fd = open(rf->lock, O_RDWR | O_CREAT | O_CLOEXEC,
	    0666)) < 0) {
		snprintf(err, errlen, "%s: %s", rf->lock, strerror(errno));
		return -1;
	}
	if (flock(rf->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "another bq-load is loading %s into "
		    "%s.%s (%s is locked)", root, t->dataset, t->table,
		    rf->lock);
		close(rf->lock_fd);
		rf->lock_fd = -1;
		return -1;
	}
	return 0;
}

static void
record_close(struct record_file *rf)
{
	if (rf->lock_fd >= 0)
		close(rf->lock_fd);
}

/* The last version the record says was loaded; -1 for none. */
static int64_t
record_read(const struct record_file *rf)
{
	json_t *j = json_load_file(rf->path, 0, NULL);
	json_t *v = json_object_get(j, "version");
	int64_t x = json_is_integer(v) ? json_integer_value(v) : -1;

	json_decref(j);
	return x;
}

static int
record_write(const struct record_file *rf, int64_t version, const char *job,
    char *err, size_t errlen)
{
	char text[1400];
	int n = snprintf(text, sizeof text, "{\"version\":%lld,\"job\":\"%s\"}"
	    "\n", (long long)version, job);

	return safefile_write(rf->path, text, (size_t)n, err, errlen);
}

/* ---- the job history ---- */

/*
 * The last version our jobs loaded into this destination, from the
 * project's job history (newest first): the range end of the newest job
 * of ours that succeeded, after waiting for any of ours still running.
 * -1 when the history has none.  -2 with err on failure.
 */
static int64_t
history_version(struct bq *b, const struct bq_target *t, const char *prefix,
    int verbose, char *err, size_t errlen)
{
	char path[1400], token[1100] = "";
	size_t plen = strlen(prefix);

	for (int page = 0; page < HISTORY_PAGES; page++) {
		json_t *out, *jobs, *j;
		long st;
		size_t i;
		size_t n = 0;
		char et[1100];

		et[0] = '\0';
		if (token[0] != '\0')
			url_escape(et, sizeof et, &n, token);
		snprintf(path, sizeof path, "/jobs?projection=minimal&"
		    "maxResults=1000&allUsers=false%s%s", token[0] ?
		    "&pageToken=" : "", et);
		if (bq_call(b, "GET", path, NULL, &st, &out, err, errlen) != 0)
			return -2;
		if (bq_dry_run(b))
			return -1;
		if (st != 200) {
			char why[1024];
			bq_error_text(st, out, why, sizeof why);
			snprintf(err, errlen, "listing jobs: %s", why);
			json_decref(out);
			return -2;
		}
		jobs = json_object_get(out, "jobs");
		json_array_foreach(jobs, i, j) {
			const char *id = json_string_value(json_object_get(
			    json_object_get(j, "jobReference"), "jobId"));
			long long from, to;
			json_t *done = NULL;
			uint64_t rows;
			char e2[512];
			if (id == NULL || strncmp(id, prefix, plen) != 0 ||
			    sscanf(id + plen, "%lld-%lld_", &from, &to) != 2)
				continue;
			/* One of ours: drive it to its end first. */
			int w = wait_outcome(b, t, id, j, &done, &rows, e2,
			    sizeof e2);
			if (w < 0) {
				snprintf(err, errlen, "%s", e2);
				json_decref(done);
				json_decref(out);
				return -2;
			}
			if (w == 0) {
				if (verbose > 0)
					cli_warn("the job history: %s loaded "
					    "versions %lld to %lld", id, from,
					    to);
				json_decref(done);
				json_decref(out);
				return to;
			}
			json_decref(done);
		}
		const char *next = json_string_value(json_object_get(out,
		    "nextPageToken"));
		if (next == NULL || strlen(next) >= sizeof token) {
			json_decref(out);
			return -1;
		}
		snprintf(token, sizeof token, "%s", next);
		json_decref(out);
	}
	return -1;
}

/* ---- from Delta ---- */

struct file_ref {
	char *uri;		/* add.path, URI-escaped */
	json_t *add;
};

struct row_ctx {
	struct body *bd;
	struct writer line;
};

static int
put_row(const struct record *r, void *arg)
{
	struct row_ctx *c = arg;

	c->line.len = 0;
	record_print(r, &c->line);
	body_line(c->bd, c->line.buf, c->line.len);
	return c->bd->w.error != 0 ? -1 : 0;
}

/* The files that versions (from, to] added as new data. */
static int
collect_files(const char *root, int64_t from, int64_t to,
    struct file_ref **files, size_t *n, char *err, size_t errlen)
{
	size_t cap = 0;

	*files = NULL;
	*n = 0;
	for (int64_t v = from + 1; v <= to; v++) {
		json_t *actions, *a;
		size_t i;
		int rc = delta_read_commit(root, v, &actions, err, errlen);
		if (rc == 0)
			snprintf(err, errlen, "%s: version %lld is no longer "
			    "in the log, so what it added cannot be loaded "
			    "(run bq-load more often than the log is cleaned "
			    "up)", root, (long long)v);
		if (rc != 1)
			return -1;
		json_array_foreach(actions, i, a) {
			json_t *add = json_object_get(a, "add");
			json_t *rm = json_object_get(a, "remove");
			json_t *dc;
			if (rm != NULL && json_is_true(json_object_get(rm,
			    "dataChange"))) {
				snprintf(err, errlen, "%s: version %lld "
				    "removes rows (a remove with dataChange "
				    "true); bq-load only appends", root,
				    (long long)v);
				json_decref(actions);
				return -1;
			}
			if (add == NULL)
				continue;
			dc = json_object_get(add, "dataChange");
			/* A rewrite (OPTIMIZE) adds no new data. */
			if (json_is_false(dc))
				continue;
			xgrow(files, &cap, *n + 1, sizeof **files);
			(*files)[*n].uri = xstrdup(json_string_value(
			    json_object_get(add, "path")) ?
			    json_string_value(json_object_get(add, "path")) :
			    "");
			(*files)[(*n)++].add = json_incref(add);
		}
		json_decref(actions);
	}
	return 0;
}

static void
free_files(struct file_ref *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i].uri);
		json_decref(files[i].add);
	}
	free(files);
}

int
bq_load_delta(struct bq *b, const struct bq_target *t, const char *root,
    int verbose, struct bq_load_totals *tot, char *err, size_t errlen)
{
	struct record_file rf;
	struct delta_table *dt = NULL;
	struct file_ref *files = NULL;
	struct body bd = { .fd = -1 };
	struct row_ctx rc_ = { .bd = &bd };
	char key[256], prefix[400], base[1000], hex[17];
	json_t *load = NULL;
	size_t nfiles = 0;
	int64_t last, hist;
	int rc = -1;
	char *cfg_text = NULL;
	char rec_err[600] = "";	/* why the record was not written */

	memset(tot, 0, sizeof *tot);
	tot->from = tot->to = -1;
	if (check_names(b, t, err, errlen) != 0)
		return -1;
	if ((dt = delta_open(root, err, errlen)) == NULL)
		return -1;
	if (dt->version < 0) {
		snprintf(err, errlen, "%s: not a Delta table", root);
		goto out_table;
	}
	if (scan_check_readable(dt, err, errlen) != 0)
		goto out_table;
	if (record_open(&rf, b, t, root, err, errlen) != 0)
		goto out_table;
	dest_key(b, t, key, sizeof key);
	snprintf(prefix, sizeof prefix, "vl_%s_d", key);
	last = record_read(&rf);
	if ((hist = history_version(b, t, prefix, verbose, err, errlen)) < -1)
		goto out;
	if (hist > last) {
		/* The history knows better: the record catches up. */
		last = hist;
		if (!bq_dry_run(b) && record_write(&rf, last, "", rec_err,
		    sizeof rec_err) != 0)
			cli_warn("%s", rec_err);
	}
	if (last >= dt->version) {
		tot->up_to_date = true;
		tot->from = tot->to = dt->version;
		rc = 0;
		goto out;
	}
	if (collect_files(root, last, dt->version, &files, &nfiles, err,
	    errlen) != 0)
		goto out;
	if (body_open(&bd, err, errlen) != 0)
		goto out;
	writer_open_memory(&rc_.line);
	for (size_t i = 0; i < nfiles; i++) {
		if (scan_file(dt, files[i].uri, files[i].add, put_row, &rc_,
		    err, errlen) != 0) {
			writer_close(&rc_.line);
			goto out;
		}
	}
	writer_close(&rc_.line);
	if (body_seal(&bd, err, errlen) != 0)
		goto out;
	tot->rows_in = bd.rows;
	tot->from = last + 1;
	tot->to = dt->version;
	if (bd.rows == 0) {
		/* Only rewrites or metadata: nothing to send, and no job that
		 * the history could show, so the record alone moves on. */
		if (!bq_dry_run(b) && record_write(&rf, dt->version, "",
		    rec_err, sizeof rec_err) != 0)
			cli_warn("%s", rec_err);
		rc = 0;
		goto out;
	}
	/* The id: the destination, the versions, and a hash of the
	 * configuration and of every file loaded. */
	load = load_config(b, t);
	cfg_text = json_dumps(load, JSON_COMPACT | JSON_SORT_KEYS);
	struct sha256 *sha = sha256_new();
	sha256_add_str(sha, key);
	sha256_add_str(sha, cfg_text);
	for (size_t i = 0; i < nfiles; i++) {
		char sz[32];
		snprintf(sz, sizeof sz, "\t%lld\n", (long long)
		    json_integer_value(json_object_get(files[i].add, "size")));
		sha256_add_str(sha, files[i].uri);
		sha256_add_str(sha, sz);
	}
	hash_hex(sha, hex);
	sha256_free(sha);
	snprintf(base, sizeof base, "%s%lld-%lld_%s", prefix,
	    (long long)tot->from, (long long)tot->to, hex);
	if (verbose > 0)
		cli_warn("loading versions %lld to %lld of %s: %zu files, "
		    "%llu rows, %zu bytes", (long long)tot->from,
		    (long long)tot->to, root, nfiles,
		    (unsigned long long)bd.rows, bd.len);
	if (run_load(b, t, base, load, bd.map, bd.len, verbose, tot, err,
	    errlen) != 0)
		goto out;
	/* The load stands whatever happens to the record: the history
	 * finds it next time. */
	if (!bq_dry_run(b) && record_write(&rf, dt->version, base, rec_err,
	    sizeof rec_err) != 0)
		cli_warn("%s", rec_err);
	rc = 0;
out:
	/* A record not written is a write error (exit 1), so a disk going
	 * bad is seen, though nothing is loaded twice for it. */
	if (rc == 0 && rec_err[0] != '\0') {
		snprintf(err, errlen, "the local record was not written; "
		    "BigQuery's job history keeps what was loaded");
		rc = -1;
	}
	free(cfg_text);
	json_decref(load);
	body_close(&bd);
	free_files(files, nfiles);
	record_close(&rf);
out_table:
	delta_free(dt);
	return rc;
}

/* ---- from NDJSON ---- */

int
bq_load_ndjson(struct bq *b, const struct bq_target *t, struct reader *in,
    struct rejects *rj, struct counts *n, int verbose,
    struct bq_load_totals *tot, char *err, size_t errlen)
{
	struct record *r = record_new(t->schema);
	struct conform *cf = conform_new(t->schema);
	const char *reason;
	struct body bd = { .fd = -1 };
	struct line ln;
	char key[256], base[1000], hex[17], detail[512];
	json_t *load = NULL;
	int rc = -1;

	memset(tot, 0, sizeof *tot);
	tot->from = tot->to = -1;
	if (check_names(b, t, err, errlen) != 0 ||
	    body_open(&bd, err, errlen) != 0)
		goto out;
	while (!cli_stop && reader_next(in, &ln) == 1) {
		if (!counts_take(n, rj, &ln))
			continue;
		if (record_scan(r, ln.text, ln.len, detail) != 0) {
			rejects_add(rj, &ln, "bad_json", detail, NULL);
			n->rejected++;
			continue;
		}
		/* The rules delta-commit holds a table's rows to, so a bad
		 * line is rejected here, not by BigQuery for the whole job. */
		if (conform_check(cf, r, &reason, detail, sizeof detail) != 0) {
			rejects_add(rj, &ln, reason, detail, NULL);
			n->rejected++;
			continue;
		}
		body_line(&bd, ln.text, ln.len);
	}
	if (cli_stop) {
		snprintf(err, errlen, "interrupted: nothing loaded");
		goto out;
	}
	if (reader_failed(in)) {
		snprintf(err, errlen, "reading the input failed: nothing "
		    "loaded");
		goto out;
	}
	tot->rows_in = bd.rows;
	if (bd.rows == 0) {
		tot->up_to_date = true;
		rc = 0;
		goto out;
	}
	dest_key(b, t, key, sizeof key);
	load = load_config(b, t);
	char *cfg = json_dumps(load, JSON_COMPACT | JSON_SORT_KEYS);
	sha256_add_str(bd.sha, key);
	sha256_add_str(bd.sha, cfg);
	free(cfg);
	hash_hex(bd.sha, hex);
	snprintf(base, sizeof base, "vl_%s_s_%s", key, hex);
	if (body_seal(&bd, err, errlen) != 0)
		goto out;
	rc = run_load(b, t, base, load, bd.map, bd.len, verbose, tot, err,
	    errlen);
out:
	json_decref(load);
	body_close(&bd);
	conform_free(cf);
	record_free(r);
	return rc;
}

/* ---- the views ---- */

static const char *const views[] = {
	"patient_risk_scores", "ward_alert_counts", "vital_signs_hourly_trend"
};

/* The SQL of a view with its placeholders filled in; the caller frees. */
static char *
view_sql(const char *name, const char *project, const struct bq_target *t)
{
	char path[200];
	size_t len;
	const char *text, *p;
	struct writer w;

	snprintf(path, sizeof path, "schemas/bigquery/%s.sql", name);
	if ((text = embedded_get(path, &len)) == NULL)
		return NULL;
	writer_open_memory(&w);
	for (p = text; *p != '\0'; ) {
		if (strncmp(p, "{{project}}", 11) == 0) {
			writer_str(&w, project);
			p += 11;
		} else if (strncmp(p, "{{dataset}}", 11) == 0) {
			writer_str(&w, t->dataset);
			p += 11;
		} else if (strncmp(p, "{{table}}", 9) == 0) {
			writer_str(&w, t->table);
			p += 9;
		} else {
			writer_char(&w, *p++);
		}
	}
	writer_char(&w, '\0');
	char *out = xstrdup(w.buf);
	writer_close(&w);
	return out;
}

int
bq_create_views(struct bq *b, const struct bq_target *t, int verbose,
    char *err, size_t errlen)
{
	if (check_names(b, t, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
		char *sql = view_sql(views[i], bq_project(b), t);
		char id[200], uuid[37], why[1024];
		json_t *job, *out = NULL, *done = NULL;
		uint64_t rows;
		long st;
		int rc;

		/* CREATE OR REPLACE is idempotent by itself: a fresh id,
		 * so that a view dropped since is made again. */
		uuid_v4(uuid);
		snprintf(id, sizeof id, "vl_view_%s_%s", views[i], uuid);
		job = json_pack("{s:{s:s, s:s}, s:{s:{s:s, s:b}}}",
		    "jobReference", "projectId", bq_project(b), "jobId", id,
		    "configuration", "query", "query", sql, "useLegacySql", 0);
		if (t->location != NULL)
			json_object_set_new(json_object_get(job,
			    "jobReference"), "location",
			    json_string(t->location));
		free(sql);
		rc = bq_call(b, "POST", "/jobs", job, &st, &out, err, errlen);
		json_decref(job);
		if (rc != 0)
			return -1;
		if (bq_dry_run(b)) {
			json_decref(out);
			continue;
		}
		if (st != 200) {
			bq_error_text(st, out, why, sizeof why);
			snprintf(err, errlen, "view %s: %s", views[i], why);
			json_decref(out);
			return -1;
		}
		rc = wait_outcome(b, t, id, out, &done, &rows, err, errlen);
		json_decref(out);
		json_decref(done);
		if (rc != 0)
			return -1;
		if (verbose >= 0)
			cli_warn("view %s.%s created or replaced", t->dataset,
			    views[i]);
	}
	return 0;
}

/* ---- Looker Studio ---- */

/* Appends s %-escaped. */
static void
wr_escaped(struct writer *w, const char *s)
{
	char buf[3 * 1024 + 1];
	size_t n = 0;

	if (url_escape(buf, sizeof buf, &n, s) == 0)
		writer_mem(w, buf, n);
}

void
bq_looker_url(const char *project, const struct bq_target *t, char *buf,
    size_t len)
{
	const char *names[4] = { t->table, views[0], views[1], views[2] };
	struct writer w;

	writer_open_memory(&w);
	writer_str(&w, "https://lookerstudio.google.com/reporting/create?"
	    "c.mode=edit&r.reportName=");
	wr_escaped(&w, "vitals-lakehouse ");
	wr_escaped(&w, t->table);
	for (int i = 0; i < 4; i++) {
		char ds[24];
		snprintf(ds, sizeof ds, "&ds.ds%d.", i);
		writer_str(&w, ds);
		writer_str(&w, "connector=bigQuery");
		writer_str(&w, ds);
		writer_str(&w, "type=TABLE");
		writer_str(&w, ds);
		writer_str(&w, "projectId=");
		wr_escaped(&w, project);
		writer_str(&w, ds);
		writer_str(&w, "datasetId=");
		wr_escaped(&w, t->dataset);
		writer_str(&w, ds);
		writer_str(&w, "tableId=");
		wr_escaped(&w, names[i]);
	}
	snprintf(buf, len, "%.*s", (int)w.len, w.buf);
	writer_close(&w);
}
