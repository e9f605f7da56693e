#include "delta_optimize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "compress.h"
#include "delta.h"
#include "delta_append.h"
#include "delta_scan.h"
#include "extsort.h"
#include "writer.h"
#include "partition.h"
#include "record.h"
#include "uuid.h"
#include "xalloc.h"

#define CHECKPOINT_INTERVAL_DEFAULT 10

void
optimize_options_init(struct optimize_options *o)
{
	memset(o, 0, sizeof *o);
	o->max_attempts = 2;
	o->sort_memory = OPTIMIZE_DEFAULT_SORT_MEMORY;
	o->checkpoint = OPTIMIZE_CKPT_AFTER;
}

/* ---- the plan ---- */

struct pfile {
	const char *path;	/* add.path (URI-escaped), the table's */
	json_t *add;		/* the add action, the table's */
	uint64_t size;
	char *pkey;		/* partitionValues as canonical JSON */
};

struct bin {
	size_t first, n;	/* files[first .. first + n) */
	uint64_t bytes;
};

static int
cmp_pfile(const void *a, const void *b)
{
	const struct pfile *x = a, *y = b;
	int c = strcmp(x->pkey, y->pkey);

	if (c != 0)
		return c;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* numRecords of an add's stats, or -1 when it does not say. */
static int64_t
num_records(json_t *add)
{
	json_t *st = json_object_get(add, "stats"), *j;
	int64_t n = -1;

	if (!json_is_string(st) ||
	    (j = json_loads(json_string_value(st), 0, NULL)) == NULL)
		return -1;
	if (json_is_integer(json_object_get(j, "numRecords")))
		n = json_integer_value(json_object_get(j, "numRecords"));
	json_decref(j);
	return n;
}

/* The live files in plan order: by partition, then size, then path. */
static struct pfile *
list_files(const struct delta_table *t, size_t *n)
{
	struct pfile *f = xcalloc(json_object_size(t->files) + 1, sizeof *f);
	const char *key;
	json_t *add;

	*n = 0;
	json_object_foreach(t->files, key, add) {
		json_t *sz = json_object_get(add, "size");
		f[*n].path = key;
		f[*n].add = add;
		f[*n].size = json_is_integer(sz) && json_integer_value(sz) > 0 ?
		    (uint64_t)json_integer_value(sz) : 0;
		f[*n].pkey = json_dumps(json_object_get(add,
		    "partitionValues"), JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENCODE_ANY);
		if (f[*n].pkey == NULL)
			f[*n].pkey = xstrdup("{}");
		(*n)++;
	}
	qsort(f, *n, sizeof *f, cmp_pfile);
	return f;
}

static void
free_files(struct pfile *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].pkey);
	free(f);
}

/*
 * Packs each partition's files below the target, smallest first, into
 * bins of at most target bytes; bins of one file are dropped.  Returns
 * the bins (the caller frees them) and counts what it leaves alone.
 */
static struct bin *
plan(const struct optimize_options *o, uint64_t target, struct pfile *f,
    size_t n, size_t *nbins, struct optimize_totals *tot)
{
	struct bin *bins = NULL;
	size_t cap = 0, i = 0;

	*nbins = 0;
	while (i < n) {
		size_t j = i;
		bool had_bin = false;
		while (j < n && strcmp(f[j].pkey, f[i].pkey) == 0)
			j++;
		if (o->partition_filter != NULL && !o->partition_filter(
		    json_object_get(f[i].add, "partitionValues"),
		    o->filter_arg)) {
			tot->files_skipped += j - i;
			i = j;
			continue;
		}
		for (size_t k = i; k < j; ) {
			struct bin b = { .first = k };
			/* Sorted by size: the rest are at or above it. */
			if (f[k].size >= target) {
				tot->files_skipped += j - k;
				break;
			}
			while (k < j && f[k].size < target &&
			    (b.n == 0 || b.bytes + f[k].size <= target)) {
				b.bytes += f[k].size;
				b.n++;
				k++;
			}
			if (b.n < 2) {
				tot->files_skipped += b.n;
				continue;
			}
			xgrow(&bins, &cap, *nbins + 1, sizeof *bins);
			bins[(*nbins)++] = b;
			had_bin = true;
		}
		tot->partitions += had_bin;
		i = j;
	}
	return bins;
}

/* The codec most of a bin's files are written with, by their names
 * ("part-...c000.snappy.parquet"), or zstd. */
static enum codec
bin_codec(const struct pfile *f, size_t n)
{
	static const enum codec all[] = { CODEC_ZSTD, CODEC_SNAPPY,
	    CODEC_GZIP, CODEC_NONE };
	size_t votes[4] = { 0 }, best = 0;

	for (size_t i = 0; i < n; i++) {
		const char *end = strrchr(f[i].path, '.'), *dot;
		if (end == NULL || strcmp(end, ".parquet") != 0)
			continue;
		for (dot = end; dot > f[i].path && dot[-1] != '.' &&
		    dot[-1] != '/'; dot--)
			;
		if (dot == f[i].path || dot[-1] != '.')
			continue;
		char name[16];
		size_t len = (size_t)(end - dot);
		enum codec c;
		if (len >= sizeof name)
			continue;
		memcpy(name, dot, len);
		name[len] = '\0';
		if (codec_parse(name, &c) != 0)
			continue;
		for (size_t k = 0; k < 4; k++)
			if (all[k] == c)
				votes[k]++;
	}
	for (size_t k = 1; k < 4; k++)
		if (votes[k] > votes[best])
			best = k;
	return all[best];
}

/* ---- the rewrite ---- */

struct run {
	const char *root;
	struct delta_table *t;
	const struct optimize_options *o;
	struct optimize_totals *tot;
	struct appender *app[4];	/* one per codec, opened when needed */
	enum codec codec[4];
	size_t napp;
	struct appender *cur;
	json_t *new_adds;		/* files written: to commit or delete */
	struct writer line, key;
	struct extsort *sort;
	int *order_f;			/* schema field of each order column */
	uint64_t rows;			/* read into the current bin */
	char why[1024];			/* a reason of ours, for err */
};

static int
add_line(struct run *x, const char *buf, size_t len)
{
	enum append_status st;
	const char *reason;
	char detail[512];

	if (appender_add(x->cur, buf, len, &st, &reason, detail,
	    sizeof detail, x->why, sizeof x->why) != 0)
		return -1;
	if (st != APPEND_OK) {
		snprintf(x->why, sizeof x->why, "a row of the table does not "
		    "fit its schema (%s): %s", reason ? reason : "skipped",
		    detail);
		return -1;
	}
	return 0;
}

static void
put_be64(struct writer *w, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	writer_mem(w, b, 8);
}

/*
 * The sort key of a row: per order column, 0x00 for null, or 0x01 and
 * the value in bytes that memcmp orders as the type does (integers and
 * times with the sign bit flipped, doubles in IEEE total order, strings
 * as UTF-8 bytes, which is code point order, ended by a 0x00 they never
 * contain).
 */
static void
row_key(struct run *x, const struct record *r)
{
	const struct schema *s = x->t->schema;

	x->key.len = 0;
	for (size_t k = 0; k < x->o->norder; k++) {
		const struct field *f = &s->f[x->order_f[k]];
		const struct jval *v = &r->v[x->order_f[k]];
		uint64_t u;
		double d;

		if (v->kind == JK_ABSENT || v->kind == JK_NULL) {
			writer_char(&x->key, 0);
			continue;
		}
		writer_char(&x->key, 1);
		switch (f->type) {
		case FT_DOUBLE:
			d = v->kind == JK_INT ? (double)v->i : v->d;
			memcpy(&u, &d, sizeof u);
			u = (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
			put_be64(&x->key, u);
			break;
		case FT_BOOLEAN:
			writer_char(&x->key, v->kind == JK_TRUE);
			break;
		case FT_STRING:
			writer_mem(&x->key, v->s, v->len);
			writer_char(&x->key, 0);
			break;
		default:	/* integer, long, date, timestamp */
			put_be64(&x->key, (uint64_t)v->i ^ (UINT64_C(1) << 63));
			break;
		}
	}
}

static int
feed_row(const struct record *r, void *arg)
{
	struct run *x = arg;

	x->line.len = 0;
	record_print(r, &x->line);
	x->rows++;
	if (x->sort == NULL)
		return add_line(x, x->line.buf, x->line.len);
	row_key(x, r);
	return extsort_add(x->sort, x->key.buf, x->key.len, x->line.buf,
	    x->line.len, x->why, sizeof x->why);
}

static int
drain_row(const void *val, size_t len, void *arg)
{
	return add_line(arg, val, len);
}

static struct appender *
appender_for(struct run *x, enum codec c, char *err, size_t errlen)
{
	struct append_options ao;

	for (size_t i = 0; i < x->napp; i++)
		if (x->codec[i] == c)
			return x->app[i];
	append_options_init(&ao);
	ao.codec = c;
	ao.keep_all = true;
	ao.checkpoint_interval = 0;
	/* It borrows our snapshot: only its schema and root are used. */
	x->app[x->napp] = appender_open_table(x->t, &ao, err, errlen);
	if (x->app[x->napp] == NULL)
		return NULL;
	x->codec[x->napp] = c;
	return x->app[x->napp++];
}

static void
unlink_adds(const char *root, json_t *adds)
{
	size_t i;
	json_t *a;

	json_array_foreach(adds, i, a) {
		json_t *p = json_object_get(json_object_get(a, "add"), "path");
		char *rel, *path;
		long n;
		if (!json_is_string(p))
			continue;
		rel = xstrdup(json_string_value(p));
		if ((n = uri_unescape(rel, strlen(rel))) >= 0) {
			rel[n] = '\0';
			if (path_is_contained(rel)) {
				size_t len = strlen(root) + strlen(rel) + 2;
				path = xmalloc(len);
				snprintf(path, len, "%s/%s", root, rel);
				unlink(path);
				free(path);
			}
		}
		free(rel);
	}
}

static json_t *
bin_json(const struct pfile *f, const struct bin *b)
{
	json_t *paths = json_array();

	for (size_t i = 0; i < b->n; i++)
		json_array_append_new(paths, json_string(f[b->first + i].path));
	return json_pack("{s:O, s:o, s:I}", "partitionValues",
	    json_object_get(f[b->first].add, "partitionValues"), "files",
	    paths, "bytes", (json_int_t)b->bytes);
}

/* Rewrites one bin into one new file, appended to x->new_adds. */
static int
write_bin(struct run *x, struct pfile *f, const struct bin *b, char *err,
    size_t errlen)
{
	json_t *adds = NULL, *add;
	int64_t want;

	if ((x->cur = appender_for(x, bin_codec(f + b->first, b->n), err,
	    errlen)) == NULL)
		return -1;
	x->rows = 0;
	for (size_t i = b->first; i < b->first + b->n; i++) {
		uint64_t before = x->rows;
		x->why[0] = '\0';
		if (scan_file(x->t, f[i].path, f[i].add, feed_row, x, err,
		    errlen) != 0) {
			if (x->why[0] != '\0')
				snprintf(err, errlen, "%s: %s", f[i].path,
				    x->why);
			return -1;
		}
		/* Every row of the file, or the rewrite would lose some. */
		want = num_records(f[i].add);
		if (want >= 0 && (uint64_t)want != x->rows - before) {
			snprintf(err, errlen, "%s: read %llu rows, its add "
			    "says %lld", f[i].path, (unsigned long long)
			    (x->rows - before), (long long)want);
			return -1;
		}
		x->tot->files_read++;
		x->tot->bytes_read += f[i].size;
		x->tot->rows_read += x->rows - before;
	}
	if (x->sort != NULL) {
		x->why[0] = '\0';
		if (extsort_drain(x->sort, drain_row, x, err, errlen) != 0) {
			if (x->why[0] != '\0')
				snprintf(err, errlen, "%s", x->why);
			return -1;
		}
	}
	if (cli_stop) {
		snprintf(err, errlen, "stopped by a signal");
		return -1;
	}
	if (appender_seal(x->cur, false, &adds, err, errlen) != 0)
		return -1;
	json_array_extend(x->new_adds, adds);
	add = json_object_get(json_array_get(adds, 0), "add");
	want = num_records(add);
	if (json_array_size(adds) != 1 || want < 0 ||
	    (uint64_t)want != x->rows) {
		snprintf(err, errlen, "the rewrite of %zu files (%llu rows) "
		    "made %zu files of %lld rows", b->n,
		    (unsigned long long)x->rows, json_array_size(adds),
		    (long long)want);
		json_decref(adds);
		return -1;
	}
	x->tot->files_written++;
	x->tot->files_removed += b->n;
	x->tot->rows_written += x->rows;
	x->tot->bytes_written += (uint64_t)json_integer_value(
	    json_object_get(add, "size"));
	if (x->o->verbose > 0)
		cli_warn("%s: %zu files, %llu bytes, %llu rows -> %s, %lld "
		    "bytes", f[b->first].pkey, b->n,
		    (unsigned long long)b->bytes, (unsigned long long)x->rows,
		    json_string_value(json_object_get(add, "path")),
		    (long long)json_integer_value(json_object_get(add,
		    "size")));
	json_decref(adds);
	return 0;
}

static json_t *
str_int(uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return json_string(buf);
}

static json_t *
commit_actions(struct run *x, const struct pfile *f, const struct bin *bins,
    size_t nbins, uint64_t considered)
{
	json_t *actions = json_array(), *params, *metrics, *order;
	int64_t now = delta_now_ms();
	char id[37], *text;

	order = json_array();
	for (size_t k = 0; k < x->o->norder; k++)
		json_array_append_new(order, json_string(x->o->order_by[k]));
	text = json_dumps(order, JSON_COMPACT);
	json_decref(order);
	params = json_pack("{s:s, s:s, s:b}", "predicate", x->o->predicate ?
	    x->o->predicate : "[]", "zOrderBy", "[]", "auto", 0);
	/* Rows ordered linearly, not along a Z-curve: a key of our own. */
	if (x->o->norder > 0)
		json_object_set_new(params, "orderBy", json_string(text));
	free(text);
	metrics = json_object();
	json_object_set_new(metrics, "numRemovedFiles",
	    str_int(x->tot->files_removed));
	json_object_set_new(metrics, "numAddedFiles",
	    str_int(x->tot->files_written));
	json_object_set_new(metrics, "numRemovedBytes",
	    str_int(x->tot->bytes_read));
	json_object_set_new(metrics, "numAddedBytes",
	    str_int(x->tot->bytes_written));
	json_object_set_new(metrics, "numBatches", str_int(nbins));
	json_object_set_new(metrics, "totalConsideredFiles",
	    str_int(considered));
	json_object_set_new(metrics, "totalFilesSkipped",
	    str_int(x->tot->files_skipped));
	json_object_set_new(metrics, "numOutputRows",
	    str_int(x->tot->rows_written));
	uuid_v4(id);
	json_array_append_new(actions, json_pack("{s:{s:I, s:s, s:o, s:I, "
	    "s:b, s:o, s:s, s:s}}", "commitInfo", "timestamp",
	    (json_int_t)now, "operation", "OPTIMIZE", "operationParameters",
	    params, "readVersion", (json_int_t)x->tot->read_version,
	    "isBlindAppend", 0, "operationMetrics", metrics, "engineInfo",
	    "delta-optimize/" VL_VERSION, "txnId", id));
	for (size_t b = 0; b < nbins; b++) {
		for (size_t i = bins[b].first; i < bins[b].first + bins[b].n;
		    i++) {
			json_t *add = f[i].add;
			json_array_append_new(actions, json_pack("{s:{s:s, s:I, "
			    "s:b, s:b, s:O, s:O}}", "remove", "path",
			    f[i].path, "deletionTimestamp", (json_int_t)now,
			    "dataChange", 0, "extendedFileMetadata", 1,
			    "partitionValues", json_object_get(add,
			    "partitionValues"), "size", json_object_get(add,
			    "size")));
		}
	}
	json_array_extend(actions, x->new_adds);
	return actions;
}

static int
checkpoint_interval(const struct delta_table *t)
{
	json_t *conf = json_object_get(t->metadata, "configuration");
	json_t *v = json_object_get(conf, "delta.checkpointInterval");
	long long n;

	if (json_is_string(v) && cli_parse_int(json_string_value(v), 1,
	    1000000, &n) == 0)
		return (int)n;
	return CHECKPOINT_INTERVAL_DEFAULT;
}

/* One plan and its commit; *conflict tells one that lost a file. */
static int
attempt(struct run *x, uint64_t target, bool *conflict, char *err,
    size_t errlen)
{
	size_t nfiles, nbins;
	struct pfile *f = list_files(x->t, &nfiles);
	struct bin *bins;
	json_t *actions = NULL;
	int64_t v;
	int rc = -1;

	*conflict = false;
	x->tot->read_version = x->t->version;
	bins = plan(x->o, target, f, nfiles, &nbins, x->tot);
	for (size_t b = 0; b < nbins && x->o->each_bin != NULL; b++) {
		json_t *j = bin_json(f, &bins[b]);
		x->o->each_bin(j, x->o->bin_arg);
		json_decref(j);
	}
	if (!x->o->dry_run && nbins == 0 &&
	    x->o->checkpoint == OPTIMIZE_CKPT_ALWAYS &&
	    x->t->checkpoint != x->t->version) {
		rc = checkpoint_write(x->t, err, errlen);
		goto out;
	}
	if (x->o->dry_run || nbins == 0) {
		for (size_t b = 0; b < nbins; b++) {
			x->tot->files_read += bins[b].n;
			x->tot->bytes_read += bins[b].bytes;
			x->tot->files_removed += bins[b].n;
			x->tot->files_written++;
		}
		rc = 0;
		goto out;
	}
	x->new_adds = json_array();
	for (size_t b = 0; b < nbins; b++)
		if (write_bin(x, f, &bins[b], err, errlen) != 0)
			goto out;
	actions = commit_actions(x, f, bins, nbins, nfiles);
	switch (delta_commit(x->t, actions, NULL, &v, err, errlen)) {
	case DELTA_COMMITTED:
		x->tot->version = v;
		rc = 0;
		if ((x->o->checkpoint != OPTIMIZE_CKPT_INTERVAL ||
		    v % checkpoint_interval(x->t) == 0) &&
		    checkpoint_write(x->t, err, errlen) != 0)
			/* The commit stands; a missing checkpoint only makes
			 * the next open slower. */
			cli_warn("checkpoint at version %lld: %s",
			    (long long)v, err);
		break;
	case DELTA_CONFLICT:
		*conflict = true;
		break;
	case DELTA_TXN_OVERLAP:
	case DELTA_FAILED:
		break;
	}
out:
	if (rc != 0 && x->new_adds != NULL)
		unlink_adds(x->root, x->new_adds);
	json_decref(x->new_adds);
	x->new_adds = NULL;
	json_decref(actions);
	free(bins);
	free_files(f, nfiles);
	return rc;
}

static int
check_order(struct run *x, char *err, size_t errlen)
{
	const struct schema *s = x->t->schema;

	x->order_f = xcalloc(x->o->norder + 1, sizeof *x->order_f);
	for (size_t k = 0; k < x->o->norder; k++) {
		const char *c = x->o->order_by[k];
		int i = schema_find(s, c, strlen(c));
		if (i < 0 || s->f[i].type == FT_STRUCT) {
			snprintf(err, errlen, "--order-by %s: %s", c, i < 0 ?
			    "the table has no such column" : "a struct "
			    "column cannot be ordered by");
			return -1;
		}
		x->order_f[k] = i;
	}
	return 0;
}

static uint64_t
target_size(const struct optimize_options *o, const struct delta_table *t)
{
	json_t *conf = json_object_get(t->metadata, "configuration");
	json_t *v = json_object_get(conf, "delta.targetFileSize");
	uint64_t n;

	if (o->target_size > 0)
		return o->target_size;
	if (json_is_string(v) && cli_parse_size(json_string_value(v), &n) == 0
	    && n > 0)
		return n;
	return OPTIMIZE_DEFAULT_TARGET;
}

int
optimize_run(const char *root, const struct optimize_options *o,
    struct optimize_totals *tot, char *err, size_t errlen)
{
	struct run x = { .root = root, .o = o, .tot = tot };
	bool conflict = false;
	int rc = -1, tries = o->max_attempts > 0 ? o->max_attempts : 1;

	memset(tot, 0, sizeof *tot);
	tot->version = tot->read_version = -1;
	if ((x.t = delta_open(root, err, errlen)) == NULL)
		return -1;
	if (x.t->version < 0) {
		snprintf(err, errlen, "%s: not a Delta table (no commits in "
		    "_delta_log)", root);
		goto out;
	}
	if (delta_check_writable(x.t, err, errlen) != 0 ||
	    scan_check_readable(x.t, err, errlen) != 0 ||
	    check_order(&x, err, errlen) != 0)
		goto out;
	writer_open_memory(&x.line);
	writer_open_memory(&x.key);
	if (o->norder > 0)
		x.sort = extsort_new(o->sort_memory);
	uint64_t target = target_size(o, x.t);
	for (int n = 1; ; n++) {
		struct optimize_totals keep = { .attempts = n };
		keep.version = keep.read_version = -1;
		*tot = keep;
		rc = attempt(&x, target, &conflict, err, errlen);
		if (rc == 0 || !conflict)
			break;
		if (n >= tries) {
			size_t len = strlen(err);
			snprintf(err + len, errlen - len, "; gave up after %d "
			    "attempts, the table is as it was", n);
			break;
		}
		/* delta_commit caught x.t up: plan again on what is live. */
		if (o->verbose >= 0)
			cli_warn("%s; planning again on version %lld", err,
			    (long long)x.t->version);
		if (x.sort != NULL) {
			extsort_free(x.sort);
			x.sort = extsort_new(o->sort_memory);
		}
	}
	writer_close(&x.line);
	writer_close(&x.key);
out:
	for (size_t i = 0; i < x.napp; i++)
		appender_free(x.app[i]);	/* deletes an unsealed file */
	extsort_free(x.sort);
	free(x.order_f);
	delta_free(x.t);
	return rc;
}
