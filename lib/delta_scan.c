#include "delta_scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "cli.h"
#include "isotime.h"
#include "jsonw.h"
#include "parquet_read.h"
#include "partition.h"
#include "predicate.h"
#include "record.h"
#include "sparkval.h"
#include "xalloc.h"

/* Earliest and latest instants and days an ISO 8601 text can hold. */
#define MIN_USEC	INT64_C(-62135596800000000)
#define MAX_USEC	INT64_C(253402300799999999)
#define MIN_DAY		(-719162)
#define MAX_DAY		2932896

/* One scan_rows call: the record every row goes through, reused. */
struct cat {
	const struct delta_table *t;
	struct record *rec;
	struct writer *out;	/* NULL: rows go to each */
	int (*each)(const struct record *, void *);
	void *arg;
	const char *const *only;	/* the columns read; NULL: all */
	const struct predicate *where;	/* the rows wanted; NULL: all */
	bool halted;			/* each asked to stop */
	struct writer raw;	/* scratch for struct values */
	int verbose;
	struct scan_totals *tot;
};

/* Whether column name is one the scan reads. */
static bool
selected(const struct cat *c, const char *name)
{
	if (c->only == NULL)
		return true;
	for (size_t i = 0; c->only[i] != NULL; i++)
		if (strcmp(c->only[i], name) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* The table as of a version */

/*
 * A table that needs a newer reader would be silently misread: its rows
 * could include deleted ones or have the wrong column names.  What the
 * protocol makes a reader understand is refused only when it would
 * change what this reader prints:
 *   reader version 2 is column mapping, read by name when its mode is
 *   none (the mode is checked whatever the version says);
 *   reader version 3 lists reader features: deletion vectors matter only
 *   when a live file has one; type widening leaves files of a narrower
 *   type, which are read as the column's type or refused column by column;
 *   vacuumProtocolCheck constrains vacuum, not readers.  Any other feature
 *   (timestampNtz, v2Checkpoint, variantType, ...) is refused by name.
 */
static bool
reader_feature_ok(const struct delta_table *t, const char *name,
    size_t *dvs)
{
	const char *key;
	json_t *add;

	if (strcmp(name, "vacuumProtocolCheck") == 0 ||
	    strcmp(name, "columnMapping") == 0 ||
	    strcmp(name, "typeWidening") == 0 ||
	    strcmp(name, "typeWidening-preview") == 0)
		return true;
	if (strcmp(name, "deletionVectors") != 0)
		return false;
	*dvs = 0;
	json_object_foreach(t->files, key, add)
		*dvs += json_is_object(json_object_get(add, "deletionVector"));
	return *dvs == 0;
}

int
scan_check_readable(const struct delta_table *t, char *err, size_t errlen)
{
	json_t *mode = json_object_get(json_object_get(t->metadata,
	    "configuration"), "delta.columnMapping.mode");
	json_t *features, *f;
	size_t i, dvs = 0, len = 0, bad = 0;
	char names[300] = "";

	if (t->version < 0) {
		snprintf(err, errlen, "%s: not a Delta table (no commits in "
		    "_delta_log)", t->root);
		return -1;
	}
	if (t->min_reader > 3) {
		snprintf(err, errlen, "%s: the table needs reader version %d; "
		    "%s reads versions 1 to 3", t->root, t->min_reader,
		    cli_progname());
		return -1;
	}
	features = json_object_get(t->protocol, "readerFeatures");
	if (t->min_reader == 3 && !json_is_array(features)) {
		snprintf(err, errlen, "%s: the table needs reader version 3 "
		    "but lists no readerFeatures", t->root);
		return -1;
	}
	json_array_foreach(t->min_reader == 3 ? features : NULL, i, f) {
		const char *name = json_string_value(f);
		if (name != NULL && reader_feature_ok(t, name, &dvs))
			continue;
		if (name != NULL && strcmp(name, "deletionVectors") == 0)
			len += (size_t)snprintf(names + len, sizeof names - len,
			    "%sdeletionVectors (%zu live file%s %s one)",
			    bad ? ", " : "", dvs, dvs == 1 ? "" : "s",
			    dvs == 1 ? "has" : "have");
		else
			len += (size_t)snprintf(names + len, sizeof names - len,
			    "%s%s", bad ? ", " : "", name ? name : "(not a "
			    "string)");
		bad++;
		if (len >= sizeof names)
			len = sizeof names - 1;
	}
	if (bad > 0) {
		snprintf(err, errlen, "%s: the table needs reader feature%s "
		    "%s, which %s does not support", t->root, bad == 1 ? "" :
		    "s", names, cli_progname());
		return -1;
	}
	if (json_is_string(mode) && strcmp(json_string_value(mode), "none")
	    != 0) {
		snprintf(err, errlen, "%s: column mapping is on; %s does "
		    "not support it", t->root, cli_progname());
		return -1;
	}
	return 0;
}

/* jansson keeps an object's keys in the order they were set, which for
 * t->files is the log's. */
const char **
scan_live_paths(const struct delta_table *t, size_t *n)
{
	const char **p = xcalloc(json_object_size(t->files) + 1, sizeof *p);
	const char *key;
	json_t *add;

	*n = 0;
	json_object_foreach(t->files, key, add)
		p[(*n)++] = key;
	return p;
}

void
scan_print_adds(const struct delta_table *t, struct writer *out)
{
	scan_print_adds_where(t, NULL, out);
}

void
scan_print_adds_where(const struct delta_table *t,
    const struct predicate *where, struct writer *out)
{
	size_t n;
	const char **paths = scan_live_paths(t, &n);

	for (size_t i = 0; i < n; i++) {
		json_t *add = json_object_get(t->files, paths[i]), *a;
		char *s;
		if (where != NULL && !predicate_may_match_add(where, add))
			continue;
		a = json_pack("{s:O}", "add", add);
		s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
		writer_str(out, s);
		writer_char(out, '\n');
		writer_end_record(out);
		free(s);
		json_decref(a);
	}
	free(paths);
}

/* ------------------------------------------------------------------ */
/* Values */

/*
 * JSON text for a value of field f (NULL when the schema does not say,
 * as inside an array), numbers as the record codec writes them (shortest
 * round-trip doubles).  lib/parquet_read gives a decimal as its exact
 * text, in a JSON string since jansson holds no exact decimal; where f
 * says decimal, the text goes out as the number it is, as Spark's
 * to_json prints it.  Depth is bounded by the Parquet schema's.
 */
static void
put_json(struct writer *w, json_t *v, const struct field *f)
{
	const struct schema *sub = f != NULL && f->type == FT_STRUCT ?
	    f->sub : NULL;
	const char *key;
	json_t *x;
	size_t i;
	bool first = true;
	int k;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		writer_char(w, '{');
		json_object_foreach(v, key, x) {
			if (!first)
				writer_char(w, ',');
			first = false;
			jw_string(w, key, strlen(key));
			writer_char(w, ':');
			k = sub != NULL ? schema_find(sub, key, strlen(key)) : -1;
			put_json(w, x, k >= 0 ? &sub->f[k] : NULL);
		}
		writer_char(w, '}');
		break;
	case JSON_ARRAY:
		writer_char(w, '[');
		json_array_foreach(v, i, x) {
			if (i > 0)
				writer_char(w, ',');
			put_json(w, x, NULL);
		}
		writer_char(w, ']');
		break;
	case JSON_STRING:
		if (f != NULL && f->type == FT_DECIMAL)
			writer_mem(w, json_string_value(v),
			    json_string_length(v));
		else
			jw_string(w, json_string_value(v),
			    json_string_length(v));
		break;
	case JSON_INTEGER:
		jw_int(w, json_integer_value(v));
		break;
	case JSON_REAL:
		jw_double(w, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jw_bool(w, json_is_true(v));
		break;
	case JSON_NULL:
		jw_null(w);
		break;
	}
}

/* A binary or decimal value as the record holds it: the text, copied
 * into the record. */
static void
set_text(struct record *r, int i, enum jkind kind, const char *s,
    size_t len)
{
	r->v[i].kind = kind;
	r->v[i].s = record_copy(r, s, len);
	r->v[i].len = (uint32_t)len;
}

/* Bytes as Spark's to_json prints a binary: a base64 string. */
static void
set_base64(struct cat *c, struct record *r, int i, const char *s,
    size_t len)
{
	c->raw.len = 0;
	base64_write(&c->raw, s, len, false);
	set_text(r, i, JK_STRING, c->raw.buf, c->raw.len);
}

/* A partition value as the column's type (PROTOCOL.md "Partition Value
 * Serialization"); 0, or -1 when the text is not one.  Null and the
 * empty string are null; a timestamp without a zone is taken as UTC. */
static int
partition_jval(struct cat *c, struct record *r, int i,
    const struct field *fd, json_t *pv)
{
	enum ftype type = fd->type;
	char dec[DECIMAL_TEXT_MAX];
	int dlen;
	const char *s = json_string_value(pv);
	size_t len = json_string_length(pv);
	long long n;
	int64_t us;
	int32_t days;
	double d;
	char *end;

	if (!json_is_string(pv) || len == 0)
		return json_is_null(pv) || json_is_string(pv) ? 0 : -1;
	switch (type) {
	case FT_STRING:
		rec_set_str(r, i, s, len);
		return 0;
	case FT_BYTE:
	case FT_SHORT:
	case FT_INTEGER:
	case FT_LONG: {
		static const long long lo[] = { [FT_BYTE] = INT8_MIN,
		    [FT_SHORT] = INT16_MIN, [FT_INTEGER] = INT32_MIN,
		    [FT_LONG] = INT64_MIN };
		static const long long hi[] = { [FT_BYTE] = INT8_MAX,
		    [FT_SHORT] = INT16_MAX, [FT_INTEGER] = INT32_MAX,
		    [FT_LONG] = INT64_MAX };
		if (cli_parse_int(s, lo[type], hi[type], &n) != 0)
			return -1;
		rec_set_int(r, i, n);
		return 0;
	}
	case FT_DOUBLE:
	case FT_FLOAT:
		errno = 0;
		d = strtod(s, &end);
		if (end == s || *end != '\0' || errno != 0)
			return -1;
		rec_set_real(r, i, type == FT_FLOAT ? float_shortest((float)d) :
		    d);
		return 0;
	case FT_DECIMAL:
		if ((dlen = decimal_normalize(s, len, fd->precision, fd->scale,
		    dec)) < 0)
			return -1;
		set_text(r, i, JK_RAW, dec, (size_t)dlen);
		return 0;
	case FT_BINARY:
		/* Spark writes a binary partition's bytes as they are. */
		set_base64(c, r, i, s, len);
		return 0;
	case FT_BOOLEAN:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return -1;
		rec_set_bool(r, i, s[0] == 't');
		return 0;
	case FT_DATE:
		if (iso_parse_date(s, len, &days) != 0)
			return -1;
		rec_set_date(r, i, days);
		return 0;
	case FT_TIMESTAMP:
		if (iso_parse(s, len, &us) != 0)
			return -1;
		rec_set_time(r, i, us);
		return 0;
	case FT_STRUCT:
		break;
	}
	return -1;
}

/* What a column of each table type must be in the Parquet file. */
static bool
compatible(const struct field *fd, const struct pqr_node *n)
{
	if (fd->type == FT_STRUCT)
		return n->shape == PQR_STRUCT;
	if (n->shape != PQR_LEAF)
		return false;
	switch (fd->type) {
	case FT_STRING: return n->type == PQR_STRING;
	case FT_BYTE: case FT_SHORT: case FT_INTEGER: case FT_LONG:
		return n->type == PQR_INT;
	case FT_DOUBLE: case FT_FLOAT: return n->type == PQR_DOUBLE;
	case FT_BOOLEAN: return n->type == PQR_BOOLEAN;
	case FT_TIMESTAMP: return n->type == PQR_TIMESTAMP;
	case FT_DATE: return n->type == PQR_DATE;
	/* Bytes, whatever the file says they mean. */
	case FT_BINARY: return n->type == PQR_BINARY || n->type == PQR_STRING;
	/* The file's digits must fit the table's: as many fraction digits
	 * or fewer (a file from before typeWidening widened the column is
	 * rescaled), as many integral digits or fewer. */
	case FT_DECIMAL:
		return n->type == PQR_DECIMAL && n->scale <= fd->scale &&
		    n->precision - n->scale <= fd->precision - fd->scale;
	case FT_STRUCT: break;
	}
	return false;
}

/* One leaf value into slot i; null stays absent, as the other tools
 * leave absent fields out.  0, or -1 with err. */
static int
leaf_jval(struct cat *c, struct record *r, int i, const struct field *fd,
    const struct pqr_node *pn, const struct pqr_value *v, char *err,
    size_t errlen)
{
	enum ftype t = fd->type;
	char dec[DECIMAL_TEXT_MAX];
	dec128 unscaled;

	if (t == FT_BINARY && (v->type == PQR_BINARY ||
	    v->type == PQR_STRING)) {
		set_base64(c, r, i, v->s, v->len);
		return 0;
	}
	if (t == FT_FLOAT && v->type == PQR_DOUBLE) {
		rec_set_real(r, i, float_shortest((float)v->d));
		return 0;
	}
	switch (v->type) {
	case PQR_NULL:
		return 0;
	case PQR_DECIMAL:
		/* At the table's scale.  compatible() saw to it that the
		 * table's integral digits hold the file's, so the digits
		 * the reader let through still fit 38 after this. */
		unscaled = v->dec;
		for (int k = pn->scale; k < fd->scale; k++)
			unscaled *= 10;
		set_text(r, i, JK_RAW, dec, (size_t)decimal_format(unscaled,
		    fd->scale, dec));
		return 0;
	case PQR_BOOLEAN:
		rec_set_bool(r, i, v->i != 0);
		return 0;
	case PQR_INT:
		rec_set_int(r, i, v->i);
		return 0;
	case PQR_DOUBLE:
		rec_set_real(r, i, v->d);
		return 0;
	case PQR_STRING:
		if (!utf8_valid(v->s, v->len)) {
			snprintf(err, errlen, "a string that is not UTF-8");
			return -1;
		}
		rec_set_str(r, i, v->s, v->len);
		return 0;
	case PQR_TIMESTAMP:
		if (v->i < MIN_USEC || v->i > MAX_USEC) {
			snprintf(err, errlen, "timestamp %lld us is outside "
			    "years 1 to 9999", (long long)v->i);
			return -1;
		}
		rec_set_time(r, i, v->i);
		return 0;
	case PQR_DATE:
		if (v->i < MIN_DAY || v->i > MAX_DAY) {
			snprintf(err, errlen, "date %lld is outside years 1 to "
			    "9999", (long long)v->i);
			return -1;
		}
		rec_set_date(r, i, (int32_t)v->i);
		return 0;
	default:
		break;
	}
	snprintf(err, errlen, "a value of an unexpected type");
	return -1;
}

/* ------------------------------------------------------------------ */
/* Rows */

/* What add.stats says numRecords is, or -1. */
static int64_t
stats_records(json_t *add)
{
	json_t *st = json_object_get(add, "stats"), *j, *n;
	int64_t v = -1;

	if (!json_is_string(st))
		return -1;
	j = json_loads(json_string_value(st), 0, NULL);
	if (json_is_integer(n = json_object_get(j, "numRecords")))
		v = json_integer_value(n);
	json_decref(j);
	return v;
}

/* The file of one add action, decoded once and kept inside the table. */
static char *
file_path(const struct delta_table *t, const char *uri)
{
	char *rel = xstrdup(uri), *full;
	size_t n;

	if (uri_unescape(rel, strlen(rel)) < 0 || !path_is_contained(rel)) {
		free(rel);
		return NULL;
	}
	n = strlen(t->root) + strlen(rel) + 2;
	full = xmalloc(n);
	snprintf(full, n, "%s/%s", t->root, rel);
	free(rel);
	return full;
}

/*
 * Prints the rows of one data file.  Columns come from the file by name,
 * partition columns from the add's partitionValues; a column the file
 * does not have (added to the table later) is null.  0, or -1 with err.
 */
static int
cat_file(struct cat *c, const char *uri, json_t *add, char *err,
    size_t errlen)
{
	const struct schema *s = c->t->schema;
	json_t *pvs = json_object_get(add, "partitionValues");
	struct pqr_options o;
	struct pqr_file *f;
	struct pqr_value v;
	struct record *r = c->rec;
	int *node = xcalloc(s->n + 1, sizeof *node);
	bool *part = xcalloc(s->n + 1, sizeof *part);
	char *path, why[300];
	int64_t rows = 0, nread = 0, want;
	int rc = -1, more;
	struct stat st;

	if ((path = file_path(c->t, uri)) == NULL) {
		snprintf(err, errlen, "add.path %s is not a relative path "
		    "inside the table", uri);
		goto out;
	}
	if (c->verbose > 0)
		cli_warn("reading %s", path);
	pqr_options_init(&o);
	o.omit_nulls = true;
	o.iso_time = true;
	if ((f = pqr_open(path, &o, why, sizeof why)) == NULL) {
		/* pqr_open names the file only when it could not open it;
		 * which file of the table is bad must be said either way. */
		if (strncmp(why, path, strlen(path)) == 0)
			snprintf(err, errlen, "%s", why);
		else
			snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct field *fd = &s->f[i];
		if (!selected(c, fd->name)) {
			node[i] = -1;
			continue;
		}
		for (size_t k = 0; k < c->t->npartition; k++)
			part[i] |= strcmp(c->t->partition_cols[k],
			    fd->name) == 0;
		node[i] = part[i] ? -1 : pqr_child(f, 0, fd->name);
		if (node[i] < 0)
			continue;
		const struct pqr_node *pn = pqr_node(f, node[i]);
		if (pn->shape == PQR_LEAF && pn->type == PQR_UNSUPPORTED) {
			snprintf(err, errlen, "%s: column %s is Parquet %s, "
			    "which %s does not read yet", path, fd->name,
			    pn->why, cli_progname());
			goto close;
		}
		if (!compatible(fd, pn) || pn->rep == PQR_REPEATED) {
			if (fd->type == FT_DECIMAL && pn->shape == PQR_LEAF &&
			    pn->type == PQR_DECIMAL)
				snprintf(err, errlen, "%s: column %s is "
				    "DECIMAL(%d,%d), which does not hold the "
				    "table's decimal(%d,%d)", path, fd->name,
				    pn->precision, pn->scale, fd->precision,
				    fd->scale);
			else
				snprintf(err, errlen, "%s: column %s does not "
				    "hold the table's type %s", path, fd->name,
				    ftype_name(fd->type));
			goto close;
		}
		if (pqr_select(f, node[i]) != 0) {
			snprintf(err, errlen, "%s: %s", path, pqr_error(f));
			goto close;
		}
	}
	while (!cli_stop && (more = pqr_next(f)) == 1) {
		record_clear(r);
		for (size_t i = 0; i < s->n; i++) {
			if (part[i]) {
				json_t *pv = json_object_get(pvs, s->f[i].name);
				if (partition_jval(c, r, (int)i, &s->f[i], pv)
				    != 0) {
					snprintf(err, errlen, "%s: partition "
					    "value of %s is not a %s", uri,
					    s->f[i].name,
					    ftype_name(s->f[i].type));
					goto close;
				}
			} else if (node[i] < 0) {
				continue;
			} else if (s->f[i].type == FT_STRUCT) {
				json_t *j = pqr_json(f, node[i]);
				if (j == NULL)
					break;
				if (!json_is_null(j)) {
					c->raw.len = 0;
					put_json(&c->raw, j, &s->f[i]);
					r->v[i].kind = JK_RAW;
					r->v[i].s = record_copy(r, c->raw.buf,
					    c->raw.len);
					r->v[i].len = (uint32_t)c->raw.len;
				}
				json_decref(j);
			} else if (pqr_value(f, node[i], &v) != 0) {
				break;
			} else if (leaf_jval(c, r, (int)i, &s->f[i],
			    pqr_node(f, node[i]), &v, why, sizeof why) != 0) {
				snprintf(err, errlen, "%s: row %lld, column "
				    "%s: %s", path, (long long)pqr_row(f),
				    s->f[i].name, why);
				goto close;
			}
		}
		if (*pqr_error(f) != '\0')
			break;
		nread++;
		if (c->where != NULL && !predicate_match_record(c->where, r))
			continue;
		if (c->out == NULL) {
			if (c->each(r, c->arg) != 0) {
				c->halted = true;
				break;
			}
		} else {
			record_print(r, c->out);
			if (writer_end_record(c->out) != 0)
				break;
		}
		rows++;
	}
	if (*pqr_error(f) != '\0') {
		snprintf(err, errlen, "%s: %s", path, pqr_error(f));
		goto close;
	}
	c->tot->rows += (uint64_t)rows;
	c->tot->files++;
	rc = 0;
	/* A debugging tool says when the log and the file disagree, and
	 * still prints what the file holds. */
	want = stats_records(add);
	/* Only a file read to its end can disagree on its rows: not one
	 * cut short by a stop, by each, or by a failed output. */
	if (!cli_stop && !c->halted && (c->out == NULL ||
	    c->out->error == 0) && want >= 0 && want != nread) {
		cli_warn("%s: %lld rows, its add says numRecords %lld", path,
		    (long long)nread, (long long)want);
		c->tot->mismatch = true;
	}
	if (stat(path, &st) == 0 && json_is_integer(json_object_get(add,
	    "size")) && st.st_size != json_integer_value(json_object_get(add,
	    "size"))) {
		cli_warn("%s: %lld bytes, its add says size %lld", path,
		    (long long)st.st_size, (long long)json_integer_value(
		    json_object_get(add, "size")));
		c->tot->mismatch = true;
	}
close:
	pqr_close(f);
out:
	free(path);
	free(node);
	free(part);
	return rc;
}

/* Both scans: every live file, in order, until an error or a stop. */
static int
scan(struct cat *c, char *err, size_t errlen)
{
	size_t n;
	const char **paths = scan_live_paths(c->t, &n);
	int rc = 0;

	memset(c->tot, 0, sizeof *c->tot);
	c->rec = record_new(c->t->schema);
	writer_open_memory(&c->raw);
	for (size_t i = 0; i < n && rc == 0 && !cli_stop &&
	    (c->out == NULL || c->out->error == 0) && !c->halted; i++) {
		json_t *add = json_object_get(c->t->files, paths[i]);
		if (c->where != NULL && !predicate_may_match_add(c->where,
		    add)) {
			if (c->verbose > 1)
				cli_warn("skipping %s: no row can match",
				    paths[i]);
			c->tot->skipped++;
			continue;
		}
		rc = cat_file(c, paths[i], add, err, errlen);
	}
	writer_close(&c->raw);
	record_free(c->rec);
	free(paths);
	return rc;
}

int
scan_rows(const struct delta_table *t, struct writer *out, int verbose,
    struct scan_totals *tot, char *err, size_t errlen)
{
	return scan_rows_where(t, NULL, out, verbose, tot, err, errlen);
}

int
scan_rows_where(const struct delta_table *t, const struct predicate *where,
    struct writer *out, int verbose, struct scan_totals *tot, char *err,
    size_t errlen)
{
	struct cat c = { .t = t, .out = out, .verbose = verbose, .tot = tot,
	    .where = where };

	return scan(&c, err, errlen);
}

int
scan_file(const struct delta_table *t, const char *uri, json_t *add,
    int (*each)(const struct record *, void *), void *arg, char *err,
    size_t errlen)
{
	struct scan_totals tot = { 0 };
	struct cat c = { .t = t, .each = each, .arg = arg, .tot = &tot };
	int rc;

	c.rec = record_new(t->schema);
	writer_open_memory(&c.raw);
	rc = cat_file(&c, uri, add, err, errlen);
	if (rc == 0 && (c.halted || cli_stop)) {
		snprintf(err, errlen, "%s: stopped while reading it", uri);
		rc = -1;
	}
	writer_close(&c.raw);
	record_free(c.rec);
	return rc;
}

int
scan_each(const struct delta_table *t, const char *const *only,
    int (*each)(const struct record *, void *), void *arg,
    struct scan_totals *tot, char *err, size_t errlen)
{
	struct cat c = { .t = t, .each = each, .arg = arg, .only = only,
	    .tot = tot };

	return scan(&c, err, errlen);
}
