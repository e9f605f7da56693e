#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "delta_vacuum.h"
#include "parquet.h"
#include "parquet_read.h"
#include "safefile.h"
#include "uuid.h"
#include "xalloc.h"

/* Leaves and groups of Delta's checkpoint schema that we fill. */
struct ckpt_schema {
	struct pq_schema *s;
	int txn, txn_app, txn_version, txn_updated;
	int add, add_path, add_pv, add_size, add_mtime, add_change, add_tags,
	    add_stats;
	int rm, rm_path, rm_ts, rm_change, rm_ext, rm_pv, rm_size;
	int md, md_id, md_name, md_desc, md_format, md_provider, md_options,
	    md_schema, md_pcols, md_conf, md_created;
	int proto, proto_reader, proto_writer;
};

static void
build_schema(struct ckpt_schema *c)
{
	struct pq_schema *s = c->s = pq_schema_new();
	int g;

	c->txn = pq_group(s, 0, "txn", PQ_OPTIONAL);
	c->txn_app = pq_leaf(s, c->txn, "appId", PQ_STRING, PQ_OPTIONAL);
	c->txn_version = pq_leaf(s, c->txn, "version", PQ_INT64, PQ_OPTIONAL);
	c->txn_updated = pq_leaf(s, c->txn, "lastUpdated", PQ_INT64,
	    PQ_OPTIONAL);

	c->add = pq_group(s, 0, "add", PQ_OPTIONAL);
	c->add_path = pq_leaf(s, c->add, "path", PQ_STRING, PQ_OPTIONAL);
	c->add_pv = pq_map(s, c->add, "partitionValues", PQ_OPTIONAL, true);
	c->add_size = pq_leaf(s, c->add, "size", PQ_INT64, PQ_OPTIONAL);
	c->add_mtime = pq_leaf(s, c->add, "modificationTime", PQ_INT64,
	    PQ_OPTIONAL);
	c->add_change = pq_leaf(s, c->add, "dataChange", PQ_BOOLEAN,
	    PQ_OPTIONAL);
	c->add_tags = pq_map(s, c->add, "tags", PQ_OPTIONAL, true);
	c->add_stats = pq_leaf(s, c->add, "stats", PQ_STRING, PQ_OPTIONAL);

	/* Tombstones, without the stats and tags that only commits carry
	 * (PROTOCOL.md "Checkpoints"). */
	c->rm = g = pq_group(s, 0, "remove", PQ_OPTIONAL);
	c->rm_path = pq_leaf(s, g, "path", PQ_STRING, PQ_OPTIONAL);
	c->rm_ts = pq_leaf(s, g, "deletionTimestamp", PQ_INT64, PQ_OPTIONAL);
	c->rm_change = pq_leaf(s, g, "dataChange", PQ_BOOLEAN, PQ_OPTIONAL);
	c->rm_ext = pq_leaf(s, g, "extendedFileMetadata", PQ_BOOLEAN,
	    PQ_OPTIONAL);
	c->rm_pv = pq_map(s, g, "partitionValues", PQ_OPTIONAL, true);
	c->rm_size = pq_leaf(s, g, "size", PQ_INT64, PQ_OPTIONAL);

	c->md = pq_group(s, 0, "metaData", PQ_OPTIONAL);
	c->md_id = pq_leaf(s, c->md, "id", PQ_STRING, PQ_OPTIONAL);
	c->md_name = pq_leaf(s, c->md, "name", PQ_STRING, PQ_OPTIONAL);
	c->md_desc = pq_leaf(s, c->md, "description", PQ_STRING, PQ_OPTIONAL);
	c->md_format = pq_group(s, c->md, "format", PQ_OPTIONAL);
	c->md_provider = pq_leaf(s, c->md_format, "provider", PQ_STRING,
	    PQ_OPTIONAL);
	c->md_options = pq_map(s, c->md_format, "options", PQ_OPTIONAL, true);
	c->md_schema = pq_leaf(s, c->md, "schemaString", PQ_STRING,
	    PQ_OPTIONAL);
	c->md_pcols = pq_list(s, c->md, "partitionColumns", PQ_OPTIONAL,
	    PQ_STRING, true);
	c->md_conf = pq_map(s, c->md, "configuration", PQ_OPTIONAL, true);
	c->md_created = pq_leaf(s, c->md, "createdTime", PQ_INT64,
	    PQ_OPTIONAL);

	c->proto = pq_group(s, 0, "protocol", PQ_OPTIONAL);
	c->proto_reader = pq_leaf(s, c->proto, "minReaderVersion", PQ_INT32,
	    PQ_OPTIONAL);
	c->proto_writer = pq_leaf(s, c->proto, "minWriterVersion", PQ_INT32,
	    PQ_OPTIONAL);
}

/* Every top-level action column null except `keep`. */
static void
null_others(struct pq_writer *w, const struct ckpt_schema *c, int keep)
{
	int groups[] = { c->txn, c->add, c->rm, c->md, c->proto };

	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (groups[i] != keep)
			pq_null(w, groups[i]);
}

static void
put_opt_str(struct pq_writer *w, int leaf, json_t *v)
{
	if (json_is_string(v))
		pq_put_str(w, leaf, json_string_value(v), json_string_length(v));
	else
		pq_null(w, leaf);
}

static void
put_opt_i64(struct pq_writer *w, int leaf, json_t *v)
{
	if (json_is_integer(v))
		pq_put_i64(w, leaf, json_integer_value(v));
	else
		pq_null(w, leaf);
}

/* A JSON object of strings (or nulls) as a map<string,string>. */
static void
put_map(struct pq_writer *w, int map, json_t *obj)
{
	size_t n = json_object_size(obj), i = 0;
	struct pq_str *k, *v;
	const char *key;
	json_t *val;

	if (!json_is_object(obj)) {
		pq_null(w, map);
		return;
	}
	k = xcalloc(n + 1, sizeof *k);
	v = xcalloc(n + 1, sizeof *v);
	json_object_foreach(obj, key, val) {
		k[i].p = key;
		k[i].len = strlen(key);
		if (json_is_string(val)) {
			v[i].p = json_string_value(val);
			v[i].len = json_string_length(val);
		}
		i++;
	}
	pq_put_map(w, map, k, v, n);
	free(k);
	free(v);
}

static void
put_metadata(struct pq_writer *w, const struct ckpt_schema *c, json_t *md)
{
	json_t *fmt = json_object_get(md, "format");
	json_t *pcols = json_object_get(md, "partitionColumns");
	size_t n = json_array_size(pcols);
	struct pq_str *cols = xcalloc(n + 1, sizeof *cols);

	put_opt_str(w, c->md_id, json_object_get(md, "id"));
	put_opt_str(w, c->md_name, json_object_get(md, "name"));
	put_opt_str(w, c->md_desc, json_object_get(md, "description"));
	if (json_is_object(fmt)) {
		put_opt_str(w, c->md_provider, json_object_get(fmt, "provider"));
		put_map(w, c->md_options, json_object_get(fmt, "options"));
	} else {
		pq_null(w, c->md_format);
	}
	put_opt_str(w, c->md_schema, json_object_get(md, "schemaString"));
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(pcols, i);
		cols[i].p = json_string_value(s);
		cols[i].len = json_string_length(s);
	}
	pq_put_list(w, c->md_pcols, cols, n);
	free(cols);
	put_map(w, c->md_conf, json_object_get(md, "configuration"));
	put_opt_i64(w, c->md_created, json_object_get(md, "createdTime"));
}

static void
put_opt_bool(struct pq_writer *w, int leaf, json_t *v)
{
	if (json_is_boolean(v))
		pq_put_bool(w, leaf, json_is_true(v));
	else
		pq_null(w, leaf);
}

/*
 * Whether a tombstone is still needed at now_ms: its deletionTimestamp
 * is within retain_ms.  One without a timestamp has expired, as Spark
 * takes it (a missing timestamp is 0).  With the retention unknown
 * (retain_ms < 0) every one is kept: a tombstone kept too long costs a
 * row, one dropped too early leaves a vacuum to judge its file by the
 * file's age alone, which is older than its removal.
 */
static bool
tombstone_live(json_t *rm, int64_t now_ms, int64_t retain_ms)
{
	json_t *ts = json_object_get(rm, "deletionTimestamp");

	if (retain_ms < 0)
		return true;
	return json_is_integer(ts) &&
	    json_integer_value(ts) >= now_ms - retain_ms;
}

static void
put_remove(struct pq_writer *w, const struct ckpt_schema *c,
    const char *path, json_t *rm)
{
	json_t *pv = json_object_get(rm, "partitionValues");
	json_t *size = json_object_get(rm, "size");
	json_t *ext = json_object_get(rm, "extendedFileMetadata");

	pq_put_str(w, c->rm_path, path, strlen(path));
	put_opt_i64(w, c->rm_ts, json_object_get(rm, "deletionTimestamp"));
	put_opt_bool(w, c->rm_change, json_object_get(rm, "dataChange"));
	/* extendedFileMetadata promises partitionValues and size: said
	 * when both are there, whatever the commit said. */
	if (json_is_object(pv) && json_is_integer(size))
		pq_put_bool(w, c->rm_ext, true);
	else if (json_is_true(ext))
		pq_put_bool(w, c->rm_ext, false);
	else
		put_opt_bool(w, c->rm_ext, ext);
	put_map(w, c->rm_pv, pv);
	put_opt_i64(w, c->rm_size, size);
}

static int
write_rows(struct pq_writer *w, const struct ckpt_schema *c,
    const struct delta_table *t, int64_t now_ms, int64_t retain_ms,
    uint64_t *rows, uint64_t *adds)
{
	const char *path;
	json_t *add;

	null_others(w, c, c->proto);
	pq_put_i32(w, c->proto_reader, t->min_reader);
	pq_put_i32(w, c->proto_writer, t->min_writer);
	if (pq_end_row(w) != 0)
		return -1;
	null_others(w, c, c->md);
	put_metadata(w, c, t->metadata);
	if (pq_end_row(w) != 0)
		return -1;
	for (size_t i = 0; i < t->ntxns; i++) {
		null_others(w, c, c->txn);
		pq_put_str(w, c->txn_app, t->txns[i].app_id,
		    strlen(t->txns[i].app_id));
		pq_put_i64(w, c->txn_version, t->txns[i].version);
		pq_null(w, c->txn_updated);
		if (pq_end_row(w) != 0)
			return -1;
	}
	*rows = 2 + t->ntxns;
	*adds = 0;
	json_object_foreach(t->files, path, add) {
		json_t *dc = json_object_get(add, "dataChange");
		null_others(w, c, c->add);
		pq_put_str(w, c->add_path, path, strlen(path));
		put_map(w, c->add_pv, json_object_get(add, "partitionValues"));
		put_opt_i64(w, c->add_size, json_object_get(add, "size"));
		put_opt_i64(w, c->add_mtime, json_object_get(add,
		    "modificationTime"));
		if (json_is_boolean(dc))
			pq_put_bool(w, c->add_change, json_is_true(dc));
		else
			pq_null(w, c->add_change);
		put_map(w, c->add_tags, json_object_get(add, "tags"));
		put_opt_str(w, c->add_stats, json_object_get(add, "stats"));
		if (pq_end_row(w) != 0)
			return -1;
		(*rows)++;
		(*adds)++;
	}
	json_object_foreach(t->tombstones, path, add) {
		if (!tombstone_live(add, now_ms, retain_ms))
			continue;
		null_others(w, c, c->rm);
		put_remove(w, c, path, add);
		if (pq_end_row(w) != 0)
			return -1;
		(*rows)++;
	}
	return 0;
}

/* Drops the tombstones write_rows left out. */
static void
expire_tombstones(struct delta_table *t, int64_t now_ms, int64_t retain_ms)
{
	const char *path;
	json_t *rm;
	void *tmp;

	json_object_foreach_safe(t->tombstones, tmp, path, rm)
		if (!tombstone_live(rm, now_ms, retain_ms))
			json_object_del(t->tombstones, path);
}

int
checkpoint_write(struct delta_table *t, char *err, size_t errlen)
{
	struct ckpt_schema c;
	struct pq_options po;
	struct pq_writer *w;
	char dir[4096], tmp[4200], final[4200], id[37], last[256];
	uint64_t size = 0, rows = 0, adds = 0;
	int64_t retain, now_ms = delta_now_ms();
	int fd, rc = -1;

	snprintf(dir, sizeof dir, "%s/_delta_log", t->root);
	uuid_v4(id);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%s.checkpoint.parquet", dir, id);
	snprintf(final, sizeof final, "%s/%020lld.checkpoint.parquet", dir,
	    (long long)t->version);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	build_schema(&c);
	pq_options_init(&po);
	/* gzip: every Parquet reader has it (it is in the format since the
	 * start), and zlib reports a failed allocation, where libsnappy,
	 * which Spark uses here, throws a C++ exception through its C API
	 * and aborts the process. */
	po.codec = CODEC_GZIP;
	w = pq_open(fd, c.s, &po);
	/* A retention that is not a duration keeps every tombstone
	 * (tombstone_live). */
	retain = delta_config_duration(t, "delta.deletedFileRetentionDuration",
	    VACUUM_DEFAULT_RETAIN);
	if (retain >= 0)
		retain /= 1000;		/* ms */
	if (write_rows(w, &c, t, now_ms, retain, &rows, &adds) != 0 ||
	    pq_close(w, &size) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, pq_error(w));
		goto out;
	}
	if (fsync(fd) != 0 || rename(tmp, final) != 0) {
		snprintf(err, errlen, "%s: %s", final, strerror(errno));
		goto out;
	}
	safefile_fsync_dir(dir);
	int n = snprintf(last, sizeof last, "{\"version\":%lld,\"size\":%llu,"
	    "\"sizeInBytes\":%llu,\"numOfAddFiles\":%llu}\n",
	    (long long)t->version, (unsigned long long)rows,
	    (unsigned long long)size, (unsigned long long)adds);
	char lastpath[4300];
	snprintf(lastpath, sizeof lastpath, "%s/_last_checkpoint", dir);
	rc = safefile_write(lastpath, last, (size_t)n, err, errlen);
	if (rc == 0)
		expire_tombstones(t, now_ms, retain);
out:
	if (rc != 0)
		unlink(tmp);
	close(fd);
	pq_free(w);
	pq_schema_free(c.s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading */

enum ckpt_kind { CK_CLASSIC, CK_MULTI, CK_V2 };

struct candidate {
	int64_t version;
	enum ckpt_kind kind;
};

static bool
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Checkpoint file names (PROTOCOL.md "Checkpoints"):
 *	<v>.checkpoint.parquet			classic
 *	<v>.checkpoint.<part>.<parts>.parquet	multi-part (10 digits each)
 *	<v>.checkpoint.<uuid>.{json,parquet}	V2
 * Returns 0 with the version and kind, or -1 for any other name. */
static int
checkpoint_name(const char *name, int64_t *v, enum ckpt_kind *kind)
{
	size_t n = strlen(name), r;
	const char *rest = name + 32;

	if (n <= 32 || !digits(name, 20) ||
	    strncmp(name + 20, ".checkpoint.", 12) != 0)
		return -1;
	r = n - 32;
	if (strcmp(rest, "parquet") == 0)
		*kind = CK_CLASSIC;
	else if (r == 29 && digits(rest, 10) && rest[10] == '.' &&
	    digits(rest + 11, 10) && strcmp(rest + 21, ".parquet") == 0)
		*kind = CK_MULTI;
	else if ((r > 8 && strcmp(name + n - 8, ".parquet") == 0) ||
	    (r > 5 && strcmp(name + n - 5, ".json") == 0))
		*kind = CK_V2;
	else
		return -1;
	*v = strtoll(name, NULL, 10);
	return 0;
}

/* Newest first; a classic checkpoint before other kinds of the same
 * version. */
static int
cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->version != y->version)
		return x->version > y->version ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* The checkpoints in dir up to newest, in *c (the caller frees it).  A
 * log that cannot be listed is an error, not a log without checkpoints:
 * replaying from version 0 instead would give the same rows but a
 * table that seems to have no checkpoint, and delta-vacuum would then
 * keep the log it should clean.  0, or -1 with why. */
static int
list_checkpoints(const char *dir, int64_t newest, struct candidate **out,
    size_t *n, char *err, size_t errlen)
{
	struct candidate *c = NULL;
	size_t cap = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	*n = 0;
	*out = NULL;
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		int64_t v;
		enum ckpt_kind k;
		if (checkpoint_name(e->d_name, &v, &k) != 0 || v > newest)
			continue;
		xgrow(&c, &cap, *n + 1, sizeof *c);
		c[*n].version = v;
		c[(*n)++].kind = k;
	}
	closedir(d);
	if (*n > 1)
		qsort(c, *n, sizeof *c, cmp_candidate);
	*out = c;
	return 0;
}

/* What _last_checkpoint says, when it says it in a form we can read. */
struct hint {
	int64_t version, size, bytes;	/* -1 when absent */
};

static void
read_hint(const char *dir, struct hint *h)
{
	char path[4200], buf[1 << 16];
	json_t *j, *v;
	ssize_t n;
	int fd;

	h->version = h->size = h->bytes = -1;
	snprintf(path, sizeof path, "%s/_last_checkpoint", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	/* Ours is a line; Spark's adds the checkpoint schema (about 5 KB).
	 * Anything longer than the buffer is not one we use. */
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n <= 0 || (size_t)n == sizeof buf)
		return;
	j = json_loadb(buf, (size_t)n, 0, NULL);
	if (json_is_integer(v = json_object_get(j, "version")) &&
	    json_integer_value(v) >= 0) {
		h->version = json_integer_value(v);
		if (json_is_integer(v = json_object_get(j, "size")))
			h->size = json_integer_value(v);
		if (json_is_integer(v = json_object_get(j, "sizeInBytes")))
			h->bytes = json_integer_value(v);
	}
	json_decref(j);
}

/* Exchanges the replayed state (not root, version or checkpoint). */
static void
state_swap(struct delta_table *a, struct delta_table *b)
{
	struct delta_table tmp = *a;

	a->min_reader = b->min_reader;
	a->min_writer = b->min_writer;
	a->protocol = b->protocol;
	a->metadata = b->metadata;
	a->schema = b->schema;
	a->partition_cols = b->partition_cols;
	a->npartition = b->npartition;
	a->files = b->files;
	a->tombstones = b->tombstones;
	a->txns = b->txns;
	a->ntxns = b->ntxns;
	a->txn_cap = b->txn_cap;
	b->min_reader = tmp.min_reader;
	b->min_writer = tmp.min_writer;
	b->protocol = tmp.protocol;
	b->metadata = tmp.metadata;
	b->schema = tmp.schema;
	b->partition_cols = tmp.partition_cols;
	b->npartition = tmp.npartition;
	b->files = tmp.files;
	b->tombstones = tmp.tombstones;
	b->txns = tmp.txns;
	b->ntxns = tmp.ntxns;
	b->txn_cap = tmp.txn_cap;
}

/* The action columns a (1, 2) table's state is made of. */
static const char *const action_names[] = {
	"txn", "add", "remove", "metaData", "protocol"
};
#define NACTIONS (sizeof action_names / sizeof action_names[0])

/*
 * Selects the fields of each action column, except the typed copies of
 * the statistics and partition values (stats_parsed,
 * partitionValues_parsed), which repeat what the strings say in types
 * this reader need not know.  node[i] is -1 for an action the file does
 * not have (or has no field of).
 */
static int
select_actions(struct pqr_file *f, int *node)
{
	for (size_t i = 0; i < NACTIONS; i++) {
		const struct pqr_node *a;
		int kids = 0;

		node[i] = pqr_child(f, 0, action_names[i]);
		if (node[i] < 0 || (a = pqr_node(f, node[i]))->shape !=
		    PQR_STRUCT) {
			node[i] = -1;
			continue;
		}
		for (int k = 0; k < a->nkids; k++) {
			const char *name = pqr_node(f, a->kids[k])->name;
			size_t n = strlen(name);
			if (n > 7 && strcmp(name + n - 7, "_parsed") == 0)
				continue;
			if (pqr_select(f, a->kids[k]) != 0)
				return -1;
			kids++;
		}
		if (kids == 0)
			node[i] = -1;
	}
	return 0;
}

/*
 * Reads checkpoint v into s.  rows and bytes, when not -1, are what
 * _last_checkpoint says the file holds.  0, or -1 with why.
 */
static int
load_checkpoint(const char *dir, int64_t v, int64_t rows, int64_t bytes,
    struct delta_table *s, char *why, size_t whylen)
{
	char path[4200], msg[256];
	struct pqr_options o;
	struct pqr_file *f;
	struct stat st;
	int node[NACTIONS], rc;
	int64_t n = 0;

	snprintf(path, sizeof path, "%s/%020lld.checkpoint.parquet", dir,
	    (long long)v);
	if (bytes >= 0 && stat(path, &st) == 0 && st.st_size != bytes) {
		snprintf(why, whylen, "%lld bytes, _last_checkpoint says %lld",
		    (long long)st.st_size, (long long)bytes);
		return -1;
	}
	pqr_options_init(&o);
	/* Absent optional fields come back absent, as in a JSON commit. */
	o.omit_nulls = true;
	if ((f = pqr_open(path, &o, why, whylen)) == NULL)
		return -1;
	if (select_actions(f, node) != 0) {
		snprintf(why, whylen, "%s", pqr_error(f));
		pqr_close(f);
		return -1;
	}
	while ((rc = pqr_next(f)) == 1) {
		n++;
		for (size_t i = 0; i < NACTIONS; i++) {
			json_t *a, *val;
			if (node[i] < 0)
				continue;
			if ((val = pqr_json(f, node[i])) == NULL) {
				rc = -1;
				break;
			}
			if (json_is_null(val)) {
				json_decref(val);
				continue;
			}
			a = json_object();
			json_object_set_new(a, action_names[i], val);
			if (delta_apply(s, a, msg, sizeof msg) != 0) {
				snprintf(why, whylen, "row %lld: %s",
				    (long long)n - 1, msg);
				json_decref(a);
				pqr_close(f);
				return -1;
			}
			json_decref(a);
		}
		if (rc < 0)
			break;
	}
	if (rc < 0)
		snprintf(why, whylen, "%s", pqr_error(f));
	pqr_close(f);
	if (rc < 0)
		return -1;
	if (s->protocol == NULL || s->metadata == NULL) {
		snprintf(why, whylen, "no %s action", s->protocol == NULL ?
		    "protocol" : "metaData");
		return -1;
	}
	if (rows >= 0 && n != rows) {
		snprintf(why, whylen, "%lld actions, _last_checkpoint says "
		    "%lld", (long long)n, (long long)rows);
		return -1;
	}
	return 0;
}

static bool
commit_exists(const char *dir, int64_t v)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof path, "%s/%020lld.json", dir, (long long)v);
	return stat(path, &st) == 0;
}

int64_t
checkpoint_read_latest(struct delta_table *t, int64_t newest_commit,
    char *err, size_t errlen)
{
	char dir[4096], why[512], first_why[512] = "";
	int64_t bad = -1, found = -1;
	struct candidate *c;
	struct hint h;
	size_t n;

	snprintf(dir, sizeof dir, "%s/_delta_log", t->root);
	read_hint(dir, &h);
	if (list_checkpoints(dir, newest_commit, &c, &n, err, errlen) != 0)
		return -2;
	for (size_t i = 0; i < n && found < 0; i++) {
		struct delta_table s;
		int64_t v = c[i].version;

		why[0] = '\0';
		if (c[i].kind != CK_CLASSIC) {
			snprintf(why, sizeof why, "%s checkpoints are not "
			    "supported", c[i].kind == CK_MULTI ? "multi-part" :
			    "V2");
		} else if (v < newest_commit && !commit_exists(dir, v + 1)) {
			/* Commit v + 1 was cleaned up: nothing can bridge
			 * from this checkpoint to the newest commit. */
			snprintf(why, sizeof why, "commit %lld after it is "
			    "gone", (long long)v + 1);
		} else {
			memset(&s, 0, sizeof s);
			s.root = t->root;
			s.version = s.checkpoint = -1;
			s.files = json_object();
			bool hinted = h.version == v;
			if (load_checkpoint(dir, v, hinted ? h.size : -1,
			    hinted ? h.bytes : -1, &s, why, sizeof why) == 0) {
				state_swap(t, &s);
				found = v;
			}
			delta_state_free(&s);
		}
		if (found < 0 && bad < 0) {
			bad = v;
			snprintf(first_why, sizeof first_why, "%s", why);
		}
	}
	free(c);
	if (found >= 0) {
		if (bad >= 0)
			cli_warn("%s: checkpoint %lld cannot be used (%s); "
			    "starting from checkpoint %lld", t->root,
			    (long long)bad, first_why, (long long)found);
		return found;
	}
	if (bad < 0)
		return -1;
	if (commit_exists(dir, 0)) {
		cli_warn("%s: checkpoint %lld cannot be used (%s); replaying "
		    "the log from version 0", t->root, (long long)bad,
		    first_why);
		return -1;
	}
	snprintf(err, errlen, "%s: checkpoint %lld cannot be used (%s), and "
	    "the commits before it are gone", t->root, (long long)bad,
	    first_why);
	return -2;
}
