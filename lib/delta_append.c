#include "delta_append.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "conform.h"
#include "delta_scan.h"
#include "isotime.h"
#include "jsonw.h"
#include "parquet.h"
#include "partition.h"
#include "record.h"
#include "uuid.h"
#include "xalloc.h"

/* Delta's defaults for which columns get statistics. */
#define STATS_COLUMNS_DEFAULT	32
#define STATS_PREFIX		32

/* A batch's memory is bounded by the bytes its writers hold, looked at
 * every BATCH_BYTES_EVERY rows. */
#define BATCH_BYTES_DEFAULT	(UINT64_C(16) << 20)
#define BATCH_BYTES_EVERY	1024

/* One table column: where its values go in the data files. */
struct column {
	const struct field *f;
	bool partition;
	int node;		/* pq node: a leaf, or a group for a struct */
	int *sub;		/* struct: the leaf of each sub-field */
};

/* One data file of the batch: a partition directory's Parquet file. */
struct part {
	char *dir;		/* relative directory, "" when unpartitioned */
	char *rel;		/* relative file path on disk */
	char *abs;
	int fd;
	struct pq_writer *pw;
	json_t *values;		/* partitionValues */
};

/* A Kafka partition the batch has records from. */
struct source {
	char *app_id;
	int64_t committed;	/* the table's txn version, -1 for none */
	int64_t lo, hi;		/* offsets in this batch; lo > hi if none */
};

struct appender {
	struct append_options o;
	struct delta_table *t;
	bool own_table;			/* false: appender_open_table's */
	const struct schema *s;		/* t->schema, or the one to create */
	struct schema *own_schema;
	char **pcols;			/* partition columns */
	size_t npcols;
	bool create;			/* the first commit creates the table */
	bool merge;			/* the first commit adds columns to it */

	struct column *cols;
	struct pq_schema *pqs;
	struct conform *conform;	/* the record's cells */
	struct record *rec;
	int f_topic, f_partition, f_offset;	/* -1 if absent */
	bool through;		/* f_offset is through_offset: no skipping */

	struct part *parts;
	size_t nparts, parts_cap;
	struct source *src;
	size_t nsrc, src_cap;
	uint64_t batch_rows;
	bool bytes_full;		/* the batch holds batch_bytes */
	int64_t batch_start;		/* monotonic usec of the first row */
	struct append_totals tot;
	int stats_columns;
};

void
append_options_init(struct append_options *o)
{
	memset(o, 0, sizeof *o);
	o->app_id = "vitals-lakehouse";
	o->codec = CODEC_ZSTD;
	o->batch_rows = 500000;
	o->batch_bytes = BATCH_BYTES_DEFAULT;
	o->batch_usec = 30 * USEC_PER_SEC;
	o->checkpoint_interval = 10;
}

static int64_t
mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* ---- opening ---- */

static int
same_partitioning(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int
stats_columns(const struct delta_table *t)
{
	json_t *conf = t && t->metadata ?
	    json_object_get(t->metadata, "configuration") : NULL;
	json_t *v = json_object_get(conf, "delta.dataSkippingNumIndexedCols");
	long long n;

	if (json_is_string(v) && cli_parse_int(json_string_value(v), -1,
	    1000000, &n) == 0)
		return n < 0 ? 1000000 : (int)n;
	return STATS_COLUMNS_DEFAULT;
}

static void
build_columns(struct appender *a)
{
	const struct schema *s = a->s;

	a->cols = xcalloc(s->n, sizeof *a->cols);
	a->conform = conform_new(s);
	a->pqs = pq_schema_new();
	for (size_t i = 0; i < s->n; i++) {
		struct column *c = &a->cols[i];
		c->f = &s->f[i];
		for (size_t k = 0; k < a->npcols; k++)
			if (strcmp(a->pcols[k], c->f->name) == 0)
				c->partition = true;
		if (c->partition)
			continue;
		/* Like Spark, partition values live in the log only. */
		c->node = pq_add_field(a->pqs, 0, c->f);
		if (c->f->type == FT_STRUCT) {
			c->sub = xcalloc(c->f->sub->n, sizeof *c->sub);
			for (size_t k = 0; k < c->f->sub->n; k++) {
				char path[300];
				snprintf(path, sizeof path, "%s.%s", c->f->name,
				    c->f->sub->f[k].name);
				c->sub[k] = pq_find(a->pqs, path);
			}
		}
	}
	a->rec = record_new(s);
	a->f_topic = schema_find(s, "topic", 5);
	a->f_partition = schema_find(s, "partition", 9);
	a->f_offset = schema_find(s, "offset", 6);
	if (a->f_offset < 0) {
		a->f_offset = schema_find(s, "through_offset", 14);
		a->through = a->f_offset >= 0;
	}
	if (a->f_topic < 0 || a->f_partition < 0 || a->f_offset < 0)
		a->f_topic = a->f_partition = a->f_offset = -1;
}

static struct appender *open_on(struct delta_table *t, bool own,
    const struct schema *schema, char *const *partition_by,
    size_t npartition, const struct append_options *o, char *err,
    size_t errlen);

struct appender *
appender_open(const char *root, const struct schema *schema,
    char *const *partition_by, size_t npartition,
    const struct append_options *o, char *err, size_t errlen)
{
	struct delta_table *t = delta_open(root, err, errlen);

	if (t == NULL)
		return NULL;
	return open_on(t, true, schema, partition_by, npartition, o, err,
	    errlen);
}

struct appender *
appender_open_table(struct delta_table *t, const struct append_options *o,
    char *err, size_t errlen)
{
	if (t->version < 0) {
		snprintf(err, errlen, "%s: not a Delta table", t->root);
		return NULL;
	}
	return open_on(t, false, NULL, NULL, 0, o, err, errlen);
}

static struct appender *
open_on(struct delta_table *t, bool own, const struct schema *schema,
    char *const *partition_by, size_t npartition,
    const struct append_options *o, char *err, size_t errlen)
{
	struct appender *a = xcalloc(1, sizeof *a);

	a->o = *o;
	a->t = t;
	a->own_table = own;
	if (a->t->version >= 0) {
		if (delta_check_writable(a->t, err, errlen) != 0)
			goto fail;
		char why[512];
		int added = 0;
		if (schema != NULL && (!o->shape_if_new || o->merge_schema) &&
		    schema_compare(schema, a->t->schema, why, sizeof why) != 0) {
			added = schema_added_columns(schema, a->t->schema);
			if (added <= 0 || !o->merge_schema) {
				snprintf(err, errlen, "%s: the table's schema "
				    "differs from the one given: %s%s", t->root,
				    why, added > 0 ? " (--merge-schema adds the "
				    "new nullable columns to the table)" : "");
				goto fail;
			}
			a->merge = true;
		}
		if (partition_by != NULL && !o->shape_if_new &&
		    !same_partitioning(partition_by,
		    npartition, a->t->partition_cols, a->t->npartition)) {
			snprintf(err, errlen, "%s: the table is partitioned "
			    "differently", t->root);
			goto fail;
		}
		/* Merging, files are written with the schema given, and the
		 * first commit makes it the table's. */
		a->s = a->merge ? schema : a->t->schema;
		a->pcols = a->t->partition_cols;
		a->npcols = a->t->npartition;
	} else {
		if (schema == NULL) {
			snprintf(err, errlen, "%s: no table yet, and no schema "
			    "to create it with (--schema)", t->root);
			goto fail;
		}
		a->create = true;
		a->s = schema;
		a->pcols = (char **)partition_by;
		a->npcols = npartition;
		for (size_t k = 0; k < npartition; k++) {
			int f = schema_find(schema, partition_by[k],
			    strlen(partition_by[k]));
			if (f < 0 || schema->f[f].type == FT_STRUCT ||
			    schema->f[f].type == FT_DOUBLE) {
				snprintf(err, errlen, "cannot partition by '%s': "
				    "%s", partition_by[k], f < 0 ? "no such "
				    "column" : "not a string, number, boolean, "
				    "date or timestamp column");
				goto fail;
			}
		}
		if (npartition >= schema->n) {
			snprintf(err, errlen, "every column is a partition "
			    "column: the data files would be empty");
			goto fail;
		}
	}
	build_columns(a);
	a->stats_columns = stats_columns(a->t);
	return a;
fail:
	appender_free(a);
	return NULL;
}

const struct delta_table *
appender_table(const struct appender *a)
{
	return a->t;
}

void
appender_totals(const struct appender *a, struct append_totals *t)
{
	*t = a->tot;
}

/* ---- Parquet output ---- */

static void
put_cell(struct pq_writer *w, int leaf, enum ftype t, const struct cell *c)
{
	if (c->null) {
		pq_null(w, leaf);
		return;
	}
	switch (t) {
	case FT_STRING:
		pq_put_str(w, leaf, c->s, c->len);
		break;
	case FT_INTEGER:
	case FT_DATE:
		pq_put_i32(w, leaf, (int32_t)c->i);
		break;
	case FT_LONG:
	case FT_TIMESTAMP:
		pq_put_i64(w, leaf, c->i);
		break;
	case FT_DOUBLE:
		pq_put_double(w, leaf, c->d);
		break;
	case FT_BOOLEAN:
		pq_put_bool(w, leaf, c->i != 0);
		break;
	case FT_STRUCT:
		break;
	case FT_BYTE: case FT_SHORT: case FT_FLOAT: case FT_BINARY:
	case FT_DECIMAL:
		break;	/* read only: delta_check_writable refuses them */
	}
}

static void
put_row(struct appender *a, struct pq_writer *w)
{
	for (size_t i = 0; i < a->s->n; i++) {
		const struct column *col = &a->cols[i];
		const struct cell *c = conform_cell(a->conform, i);
		if (col->partition)
			continue;
		if (col->f->type != FT_STRUCT) {
			put_cell(w, col->node, col->f->type, c);
			continue;
		}
		if (c->null) {
			pq_null(w, col->node);
			continue;
		}
		for (size_t k = 0; k < col->f->sub->n; k++)
			put_cell(w, col->sub[k], col->f->sub->f[k].type,
			    conform_subcell(a->conform, i, k));
	}
}

static int
mkdirs(const char *root, const char *rel)
{
	char path[4096];
	size_t n = (size_t)snprintf(path, sizeof path, "%s/", root);

	if (n >= sizeof path || strlen(rel) + n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (safefile_mkdirs(root) != 0)
		return -1;
	for (const char *p = rel; *p != '\0'; p++) {
		path[n++] = *p;
		if (p[1] == '/' || p[1] == '\0') {
			path[n] = '\0';
			if (mkdir(path, 0777) != 0 && errno != EEXIST)
				return -1;
		}
	}
	return 0;
}

static struct part *
open_part(struct appender *a, const char *dir, json_t *values, char *err,
    size_t errlen)
{
	struct part *p;
	struct pq_options po;
	char id[37], name[128];
	size_t n;

	xgrow(&a->parts, &a->parts_cap, a->nparts + 1, sizeof *a->parts);
	p = &a->parts[a->nparts];
	memset(p, 0, sizeof *p);
	p->fd = -1;
	uuid_v4(id);
	snprintf(name, sizeof name, "part-00000-%s.c000.%s.parquet", id,
	    codec_name(a->o.codec));
	n = strlen(dir) + strlen(name) + 2;
	p->rel = xmalloc(n);
	snprintf(p->rel, n, "%s%s%s", dir, *dir ? "/" : "", name);
	if (!path_is_contained(p->rel)) {
		snprintf(err, errlen, "partition path '%s' would leave the "
		    "table", p->rel);
		free(p->rel);
		return NULL;
	}
	n += strlen(a->t->root) + 1;
	p->abs = xmalloc(n);
	snprintf(p->abs, n, "%s/%s", a->t->root, p->rel);
	p->dir = xstrdup(dir);
	if (a->o.dry_run) {
		p->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	} else if (mkdirs(a->t->root, dir) == 0) {
		p->fd = open(p->abs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666);
	}
	if (p->fd < 0) {
		snprintf(err, errlen, "%s: %s", p->abs, strerror(errno));
		free(p->rel);
		free(p->abs);
		free(p->dir);
		return NULL;
	}
	pq_options_init(&po);
	po.codec = a->o.codec;
	po.level = a->o.level;
	/* One row group per file, since a batch is bounded by its rows and
	 * bytes (past row_group_bytes a file gets more row groups). */
	po.row_group_rows = 0;
	p->pw = pq_open(p->fd, a->pqs, &po);
	p->values = json_incref(values);
	a->nparts++;
	return p;
}

/* The batch file for this record's partition, opened on first use. */
static struct part *
route(struct appender *a, char *err, size_t errlen, const char **reason,
    char *detail, size_t dlen)
{
	char dir[4096], seg[PARTITION_SEGMENT_MAX + 1];
	size_t n = 0;
	json_t *values;
	struct part *p;

	dir[0] = '\0';
	for (size_t k = 0; k < a->npcols; k++) {
		int f = schema_find(a->s, a->pcols[k], strlen(a->pcols[k]));
		struct pvalue pv;
		long len;
		if (partition_value(&a->rec->v[f], a->s->f[f].type, &pv) != 0) {
			*reason = "bad_type";
			snprintf(detail, dlen, "%s is not a valid %s",
			    a->pcols[k], ftype_name(a->s->f[f].type));
			return NULL;
		}
		if ((len = partition_segment(a->pcols[k], &pv, seg)) < 0) {
			*reason = "partition_value_too_long";
			snprintf(detail, dlen, "%s escapes to more than %d "
			    "bytes", a->pcols[k], PARTITION_SEGMENT_MAX);
			return NULL;
		}
		n += (size_t)snprintf(dir + n, sizeof dir - n, "%s%s",
		    k ? "/" : "", seg);
	}
	for (size_t i = 0; i < a->nparts; i++)
		if (strcmp(a->parts[i].dir, dir) == 0)
			return &a->parts[i];
	values = json_object();
	for (size_t k = 0; k < a->npcols; k++) {
		int f = schema_find(a->s, a->pcols[k], strlen(a->pcols[k]));
		struct pvalue pv;
		partition_value(&a->rec->v[f], a->s->f[f].type, &pv);
		json_object_set_new(values, a->pcols[k], pv.is_null ?
		    json_null() : json_stringn(pv.value, pv.value_len));
	}
	p = open_part(a, dir, values, err, errlen);
	json_decref(values);
	return p;
}

/* ---- exactly-once ---- */

static struct source *
source_for(struct appender *a, const char *topic, size_t tlen, int64_t part)
{
	char id[512];

	snprintf(id, sizeof id, "%s:%.*s:%lld", a->o.app_id, (int)tlen, topic,
	    (long long)part);
	for (size_t i = 0; i < a->nsrc; i++)
		if (strcmp(a->src[i].app_id, id) == 0)
			return &a->src[i];
	xgrow(&a->src, &a->src_cap, a->nsrc + 1, sizeof *a->src);
	struct source *s = &a->src[a->nsrc++];
	s->app_id = xstrdup(id);
	s->committed = delta_txn_version(a->t, id);
	s->lo = INT64_MAX;
	s->hi = -1;
	return s;
}

/* The bytes the batch holds in its writers.  Summed over every open file,
 * so taken only every BATCH_BYTES_EVERY rows: a batch ends at most that
 * many rows past its bound. */
static uint64_t
batch_bytes(const struct appender *a)
{
	uint64_t n = 0;

	for (size_t i = 0; i < a->nparts; i++)
		if (a->parts[i].pw != NULL)
			n += pq_buffered(a->parts[i].pw);
	return n;
}

int
appender_add(struct appender *a, const char *line, size_t len,
    enum append_status *st, const char **reason, char *detail, size_t dlen,
    char *err, size_t errlen)
{
	struct record *r = a->rec;
	struct source *src = NULL;
	struct part *p;
	int64_t offset = -1;

	*st = APPEND_REJECT;
	*reason = NULL;
	detail[0] = '\0';
	if (record_scan(r, line, len, detail) != 0) {
		*reason = "bad_json";
		return 0;
	}
	if (conform_check(a->conform, r, reason, detail, dlen) != 0)
		return 0;
	if (a->f_topic >= 0 && !a->o.keep_all &&
	    !conform_cell(a->conform, a->f_topic)->null &&
	    !conform_cell(a->conform, a->f_partition)->null &&
	    !conform_cell(a->conform, a->f_offset)->null) {
		const struct cell *t = conform_cell(a->conform, a->f_topic);
		src = source_for(a, t->s, t->len,
		    conform_cell(a->conform, a->f_partition)->i);
		offset = conform_cell(a->conform, a->f_offset)->i;
		if (!a->through && (offset <= src->committed ||
		    (offset >= src->lo && offset <= src->hi))) {
			*st = APPEND_SKIPPED;
			return 0;
		}
	}
	if ((p = route(a, err, errlen, reason, detail, dlen)) == NULL) {
		if (*reason != NULL)
			return 0;
		return -1;
	}
	put_row(a, p->pw);
	if (pq_end_row(p->pw) != 0) {
		snprintf(err, errlen, "%s: %s", p->abs, pq_error(p->pw));
		return -1;
	}
	if (src != NULL) {
		if (offset < src->lo)
			src->lo = offset;
		if (offset > src->hi)
			src->hi = offset;
	}
	if (a->batch_rows++ == 0)
		a->batch_start = mono_usec();
	if (a->batch_rows % BATCH_BYTES_EVERY == 0)
		a->bytes_full = batch_bytes(a) >= a->o.batch_bytes;
	*st = APPEND_OK;
	return 0;
}

bool
appender_due(const struct appender *a)
{
	return a->batch_rows > 0 && (a->batch_rows >= a->o.batch_rows ||
	    a->bytes_full ||
	    mono_usec() - a->batch_start >= a->o.batch_usec);
}

int
appender_ms_until_due(const struct appender *a)
{
	int64_t left;

	if (a->batch_rows == 0)
		return -1;
	left = a->o.batch_usec - (mono_usec() - a->batch_start);
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

/* ---- statistics for add.stats ---- */

/* The first n characters of a UTF-8 string (n code points). */
static size_t
utf8_prefix(const char *s, size_t len, size_t n, size_t *next_cp)
{
	size_t i = 0, count = 0;

	while (i < len && count < n) {
		unsigned char c = (unsigned char)s[i];
		i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		count++;
	}
	if (i > len)
		i = len;
	*next_cp = i < len ? (unsigned char)s[i] : 0;
	return i;
}

enum stat_kind { STAT_MIN, STAT_MAX, STAT_NULLS };

/* Writes one bound of a leaf; false when it has none to write. */
static bool
stat_value(struct writer *w, const struct field *f, const struct pq_stats *ps,
    enum stat_kind k)
{
	char buf[40];
	size_t n, next, cut;
	const char *s;

	if (k == STAT_NULLS) {
		jw_int(w, (int64_t)ps->nulls);
		return true;
	}
	if (!ps->has_bounds || f->type == FT_BOOLEAN ||
	    (f->type == FT_DOUBLE && ps->nans > 0))
		return false;
	bool max = k == STAT_MAX;
	switch (f->type) {
	case FT_STRING:
		s = max ? ps->smax : ps->smin;
		n = max ? ps->smax_len : ps->smin_len;
		cut = utf8_prefix(s, n, STATS_PREFIX, &next);
		if (!max || cut == n) {
			jw_string(w, s, cut);
			return true;
		}
		/* A truncated max must stay above every value: Spark adds
		 * a tie-breaker after the prefix. */
		char tmp[STATS_PREFIX * 4 + 8];
		memcpy(tmp, s, cut);
		if (next < 0x7f) {
			tmp[cut++] = 0x7f;
		} else {
			memcpy(tmp + cut, "\xf4\x8f\xbf\xbf", 4);
			cut += 4;
		}
		jw_string(w, tmp, cut);
		return true;
	case FT_INTEGER:
	case FT_LONG:
		jw_int(w, max ? ps->imax : ps->imin);
		return true;
	case FT_DOUBLE:
		jw_double(w, max ? ps->dmax : ps->dmin);
		return true;
	case FT_DATE:
		n = iso_format_date(buf, (int32_t)(max ? ps->imax : ps->imin));
		jw_string(w, buf, n);
		return true;
	case FT_TIMESTAMP:
		n = iso_format_ms(buf, max ? ps->imax : ps->imin);
		jw_string(w, buf, n);
		return true;
	default:
		return false;
	}
}

/*
 * One of minValues, maxValues or nullCount: the first stats_columns
 * leaves of the data columns, structs as nested objects.  Writes into a
 * memory writer, so that a leaf with no bound leaves no trace.
 */
static void
stats_object(struct appender *a, struct part *p, enum stat_kind k,
    struct writer *w)
{
	int budget = a->stats_columns;
	bool first = true;

	writer_char(w, '{');
	for (size_t i = 0; i < a->s->n && budget > 0; i++) {
		const struct column *c = &a->cols[i];
		size_t mark = w->len;
		if (c->partition)
			continue;
		if (!first)
			writer_char(w, ',');
		jw_string(w, c->f->name, c->f->name_len);
		writer_char(w, ':');
		if (c->f->type != FT_STRUCT) {
			budget--;
			if (!stat_value(w, c->f, pq_stats(p->pw, c->node), k))
				w->len = mark;
			else
				first = false;
			continue;
		}
		bool sub_first = true;
		writer_char(w, '{');
		for (size_t j = 0; j < c->f->sub->n && budget > 0; j++) {
			const struct field *sf = &c->f->sub->f[j];
			size_t m = w->len;
			budget--;
			if (!sub_first)
				writer_char(w, ',');
			jw_string(w, sf->name, sf->name_len);
			writer_char(w, ':');
			if (!stat_value(w, sf, pq_stats(p->pw, c->sub[j]), k))
				w->len = m;
			else
				sub_first = false;
		}
		if (sub_first && k != STAT_NULLS) {
			w->len = mark;	/* an empty struct says nothing */
			continue;
		}
		writer_char(w, '}');
		first = false;
	}
	writer_char(w, '}');
}

static char *
file_stats(struct appender *a, struct part *p)
{
	struct writer w;
	char *text;

	writer_open_memory(&w);
	writer_str(&w, "{\"numRecords\":");
	jw_int(&w, (int64_t)pq_rows(p->pw));
	writer_str(&w, ",\"minValues\":");
	stats_object(a, p, STAT_MIN, &w);
	writer_str(&w, ",\"maxValues\":");
	stats_object(a, p, STAT_MAX, &w);
	writer_str(&w, ",\"nullCount\":");
	stats_object(a, p, STAT_NULLS, &w);
	writer_char(&w, '}');
	text = xstrndup(w.buf, w.len);
	writer_close(&w);
	return text;
}

/* ---- committing ---- */

static void
free_part(struct part *p, bool unlink_file)
{
	pq_free(p->pw);
	if (p->fd >= 0)
		close(p->fd);
	if (unlink_file)
		unlink(p->abs);
	free(p->dir);
	free(p->rel);
	free(p->abs);
	json_decref(p->values);
}

/* Forgets the batch's sources and rows: the next one starts empty and
 * its sources read the table's positions afresh. */
static void
reset_batch(struct appender *a)
{
	for (size_t i = 0; i < a->nsrc; i++)
		free(a->src[i].app_id);
	a->nsrc = 0;
	a->batch_rows = 0;
	a->bytes_full = false;
}

static void
drop_parts(struct appender *a, bool unlink_files)
{
	for (size_t i = 0; i < a->nparts; i++)
		free_part(&a->parts[i], unlink_files && !a->o.dry_run);
	a->nparts = 0;
	reset_batch(a);
}

/* Closes and fsyncs every file and the directories that name them. */
static int
seal_parts(struct appender *a, uint64_t *sizes, char *err, size_t errlen)
{
	for (size_t i = 0; i < a->nparts; i++) {
		struct part *p = &a->parts[i];
		if (pq_close(p->pw, &sizes[i]) != 0) {
			snprintf(err, errlen, "%s: %s", p->abs, pq_error(p->pw));
			return -1;
		}
		/* On a failed fsync the descriptor stays open for
		 * free_part to close; a failed close has closed it. */
		if (!a->o.dry_run && fsync(p->fd) != 0) {
			snprintf(err, errlen, "%s: %s", p->abs, strerror(errno));
			return -1;
		}
		int rc = close(p->fd);
		p->fd = -1;
		if (rc != 0 && !a->o.dry_run) {
			snprintf(err, errlen, "%s: %s", p->abs, strerror(errno));
			return -1;
		}
	}
	if (a->o.dry_run)
		return 0;
	/* New files and directories must be durable before the commit
	 * that names them. */
	for (size_t i = 0; i < a->nparts; i++) {
		char path[4096];
		const char *d = a->parts[i].dir;
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= strcmp(a->parts[k].dir, d) == 0;
		if (seen)
			continue;
		snprintf(path, sizeof path, "%s/%s", a->t->root, d);
		/* Every level of a new partition directory. */
		for (;;) {
			if (safefile_fsync_dir(path) != 0) {
				snprintf(err, errlen, "%s: %s", path,
				    strerror(errno));
				return -1;
			}
			char *slash = strrchr(path, '/');
			if (slash == NULL || (size_t)(slash - path) <
			    strlen(a->t->root))
				break;
			*slash = '\0';
		}
	}
	return 0;
}

/* The add action of a sealed file. */
static json_t *
add_action(struct appender *a, struct part *p, uint64_t size, int64_t now,
    bool data_change)
{
	size_t n = strlen(p->rel);
	char *uri = xmalloc(3 * n + 1);
	char *stats = file_stats(a, p);
	json_t *add;

	uri_escape_path(p->rel, n, uri);
	add = json_pack("{s:{s:s, s:O, s:I, s:I, s:b, s:s}}", "add", "path",
	    uri, "partitionValues", p->values, "size", (json_int_t)size,
	    "modificationTime", (json_int_t)now, "dataChange", data_change,
	    "stats", stats);
	free(uri);
	free(stats);
	return add;
}

static json_t *
commit_actions(struct appender *a, const uint64_t *sizes, int64_t **floors)
{
	json_t *actions = json_array(), *pby = json_array();
	uint64_t rows = 0, bytes = 0;
	int64_t now = delta_now_ms();
	char id[37], *pby_text, num[32];
	size_t k = 0;

	for (size_t i = 0; i < a->nparts; i++) {
		rows += pq_rows(a->parts[i].pw);
		bytes += sizes[i];
	}
	for (size_t i = 0; i < a->npcols; i++)
		json_array_append_new(pby, json_string(a->pcols[i]));
	pby_text = json_dumps(pby, JSON_COMPACT);
	json_decref(pby);
	uuid_v4(id);
	json_t *metrics = json_object();
	snprintf(num, sizeof num, "%zu", a->nparts);
	json_object_set_new(metrics, "numFiles", json_string(num));
	snprintf(num, sizeof num, "%llu", (unsigned long long)rows);
	json_object_set_new(metrics, "numOutputRows", json_string(num));
	snprintf(num, sizeof num, "%llu", (unsigned long long)bytes);
	json_object_set_new(metrics, "numOutputBytes", json_string(num));
	json_array_append_new(actions, json_pack("{s:{s:I, s:s, s:{s:s, s:s}, "
	    "s:b, s:o, s:s, s:s}}", "commitInfo", "timestamp", (json_int_t)now,
	    "operation", "STREAMING UPDATE", "operationParameters", "mode",
	    "Append", "partitionBy", pby_text, "isBlindAppend", 1,
	    "operationMetrics", metrics, "engineInfo",
	    "delta-commit/" VL_VERSION, "txnId", id));
	free(pby_text);
	if (a->create) {
		json_t *c = delta_create_actions(a->s, a->pcols, a->npcols,
		    NULL);
		json_array_extend(actions, c);
		json_decref(c);
	} else if (a->merge) {
		/* The table's metaData, with the schema given: same id,
		 * partitioning and configuration. */
		json_t *md = json_deep_copy(a->t->metadata);
		json_t *sj = schema_to_json(a->s);
		char *text = json_dumps(sj, JSON_COMPACT);
		json_object_set_new(md, "schemaString", json_string(text));
		free(text);
		json_decref(sj);
		json_array_append_new(actions, json_pack("{s:o}", "metaData",
		    md));
	}
	*floors = xcalloc(a->nsrc + 1, sizeof **floors);
	for (size_t i = 0; i < a->nsrc; i++) {
		const struct source *src = &a->src[i];
		if (src->hi < 0 || (a->through && src->hi <= src->committed))
			continue;
		json_array_append_new(actions, json_pack("{s:{s:s, s:I, s:I}}",
		    "txn", "appId", src->app_id, "version",
		    (json_int_t)src->hi, "lastUpdated", (json_int_t)now));
		/* Offsets: none of this batch's may be committed already.
		 * A through_offset: nobody else may have moved it on since
		 * the batch began. */
		(*floors)[k++] = a->through ? src->committed + 1 : src->lo;
	}
	for (size_t i = 0; i < a->nparts; i++)
		json_array_append_new(actions, add_action(a, &a->parts[i],
		    sizes[i], now, true));
	return actions;
}

int
appender_seal(struct appender *a, bool data_change, json_t **adds,
    char *err, size_t errlen)
{
	uint64_t *sizes = xcalloc(a->nparts + 1, sizeof *sizes);
	int64_t now = delta_now_ms();

	*adds = NULL;
	if (seal_parts(a, sizes, err, errlen) != 0) {
		drop_parts(a, true);
		free(sizes);
		return -1;
	}
	*adds = json_array();
	for (size_t i = 0; i < a->nparts; i++) {
		json_array_append_new(*adds, add_action(a, &a->parts[i],
		    sizes[i], now, data_change));
		a->tot.files++;
		a->tot.rows += pq_rows(a->parts[i].pw);
		a->tot.bytes += sizes[i];
	}
	/* The files are the caller's now: forgotten, not deleted. */
	drop_parts(a, false);
	free(sizes);
	return 0;
}

/* ---- another writer got there first ---- */

struct readd {
	struct appender *a;
	struct writer line;
	uint64_t kept, dropped;
	char *err;
	size_t errlen;
};

/* One row of a sealed file of the old batch, added to the new one unless
 * the table holds its offset now. */
static int
readd_row(const struct record *r, void *arg)
{
	struct readd *c = arg;
	enum append_status st;
	const char *reason;
	char detail[512];

	c->line.len = 0;
	record_print(r, &c->line);
	if (appender_add(c->a, c->line.buf, c->line.len, &st, &reason, detail,
	    sizeof detail, c->err, c->errlen) != 0)
		return -1;
	if (st == APPEND_OK) {
		c->kept++;
	} else if (st == APPEND_SKIPPED) {
		c->dropped++;
	} else {
		/* It fitted the table when it was added. */
		snprintf(c->err, c->errlen, "a row read back from the batch "
		    "no longer fits: %s", detail);
		return -1;
	}
	return 0;
}

/*
 * The commit found offsets of this batch committed by another writer (a
 * consumer that took over the Kafka partition after a rebalance, and
 * read it again from the table's position).  Those rows are the other
 * writer's now; the batch is made again without them, from its own
 * sealed files, and committed.  Memory stays one row at a time.
 */
static int
rebuild_without_committed(struct appender *a, uint64_t *dropped, char *err,
    size_t errlen)
{
	struct part *old = a->parts;
	size_t nold = a->nparts;
	struct readd c = { .a = a, .err = err, .errlen = errlen };
	int rc = 0;

	/* The old files stay where they are until the new batch is made. */
	a->parts = NULL;
	a->nparts = a->parts_cap = 0;
	reset_batch(a);
	writer_open_memory(&c.line);
	for (size_t i = 0; i < nold && rc == 0; i++) {
		size_t n = strlen(old[i].rel);
		char *uri = xmalloc(3 * n + 1);
		json_t *add = json_pack("{s:O}", "partitionValues",
		    old[i].values);
		uri_escape_path(old[i].rel, n, uri);
		rc = scan_file(a->t, uri, add, readd_row, &c, err, errlen);
		json_decref(add);
		free(uri);
	}
	writer_close(&c.line);
	for (size_t i = 0; i < nold; i++)
		free_part(&old[i], true);
	free(old);
	*dropped = c.dropped;
	return rc;
}

static int commit_once(struct appender *a, int64_t *version, bool *overlap,
    char *err, size_t errlen);

int
appender_commit(struct appender *a, int64_t *version, uint64_t *dropped,
    char *err, size_t errlen)
{
	bool overlap;
	uint64_t d;

	*dropped = 0;
	/* A rebuilt batch can meet yet another writer; each round drops
	 * rows, so a few rounds settle any real contention. */
	for (int round = 0; round < 4; round++) {
		if (commit_once(a, version, &overlap, err, errlen) == 0)
			return 0;
		if (!overlap)
			return -1;
		if (rebuild_without_committed(a, &d, err, errlen) != 0) {
			drop_parts(a, true);
			return -1;
		}
		*dropped += d;
	}
	drop_parts(a, true);
	return -1;
}

/* One attempt; *overlap tells a batch another writer partly committed
 * (its files are then kept, sealed, for rebuild_without_committed). */
static int
commit_once(struct appender *a, int64_t *version, bool *overlap, char *err,
    size_t errlen)
{
	uint64_t *sizes;
	int64_t *floors = NULL;
	json_t *actions;
	int rc = -1;

	*version = -1;
	*overlap = false;
	if (a->batch_rows == 0)
		return 0;
	sizes = xcalloc(a->nparts, sizeof *sizes);
	if (seal_parts(a, sizes, err, errlen) != 0)
		goto out;
	actions = commit_actions(a, sizes, &floors);
	if (a->o.dry_run) {
		size_t i;
		json_t *act;
		json_array_foreach(actions, i, act) {
			char *line = json_dumps(act, JSON_COMPACT |
			    JSON_REAL_PRECISION(17));
			writer_str(a->o.dry_out, line);
			writer_char(a->o.dry_out, '\n');
			free(line);
		}
		writer_flush(a->o.dry_out);
		json_decref(actions);
		rc = 0;
		goto out;
	}
	switch (delta_commit(a->t, actions, floors, version, err, errlen)) {
	case DELTA_COMMITTED:
		rc = 0;
		break;
	case DELTA_TXN_OVERLAP:
		/* The other writer made the table if this batch was to:
		 * delta_commit has checked it has the same shape, and its
		 * log now reads the batch's files back. */
		*overlap = a->t->version >= 0;
		if (*overlap)
			a->create = false;
		break;
	case DELTA_CONFLICT:	/* a batch removes nothing */
	case DELTA_FAILED:
		break;
	}
	json_decref(actions);
	if (*overlap) {
		free(sizes);
		free(floors);
		return -1;
	}
	if (rc != 0)
		goto out;
	a->create = false;
	if (a->merge) {
		/* The commit replaced the table's partition column list. */
		a->merge = false;
		a->pcols = a->t->partition_cols;
	}
	a->tot.commits++;
	a->tot.files += a->nparts;
	for (size_t i = 0; i < a->nparts; i++) {
		a->tot.rows += pq_rows(a->parts[i].pw);
		a->tot.bytes += sizes[i];
	}
	if (a->o.checkpoint_interval > 0 && *version > 0 &&
	    *version % a->o.checkpoint_interval == 0 &&
	    checkpoint_write(a->t, err, errlen) != 0)
		/* The commit stands; a missing checkpoint only makes the
		 * next open slower.  Say so and go on. */
		cli_warn("checkpoint at version %lld: %s", (long long)*version,
		    err);
out:
	drop_parts(a, rc != 0);
	free(sizes);
	free(floors);
	return rc;
}

void
appender_free(struct appender *a)
{
	if (a == NULL)
		return;
	if (a->cols != NULL)
		drop_parts(a, true);
	for (size_t i = 0; a->cols != NULL && i < a->s->n; i++) {
		free(a->cols[i].sub);
	}
	free(a->cols);
	conform_free(a->conform);
	free(a->parts);
	free(a->src);
	pq_schema_free(a->pqs);
	record_free(a->rec);
	if (a->own_table)
		delta_free(a->t);
	free(a);
}

void
delta_print_positions(const struct delta_table *t, struct writer *w)
{
	for (size_t i = 0; i < t->ntxns; i++) {
		const char *id = t->txns[i].app_id;
		const char *last = strrchr(id, ':');
		const char *prev = last;
		/* "<app>:<topic>:<partition>"; Kafka topics have no ':'. */
		while (prev != NULL && prev > id && prev[-1] != ':')
			prev--;
		if (last == NULL || prev == NULL || prev == id ||
		    last[1] == '\0' || strspn(last + 1, "0123456789") !=
		    strlen(last + 1))
			continue;
		writer_str(w, "{\"app_id\":");
		jw_string(w, id, (size_t)(prev - 1 - id));
		writer_str(w, ",\"topic\":");
		jw_string(w, prev, (size_t)(last - prev));
		writer_str(w, ",\"partition\":");
		writer_str(w, last + 1);
		writer_str(w, ",\"offset\":");
		jw_int(w, t->txns[i].version);
		writer_str(w, "}\n");
	}
}
