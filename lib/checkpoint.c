#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parquet.h"
#include "uuid.h"
#include "xalloc.h"

/* Leaves and groups of Delta's checkpoint schema that we fill. */
struct ckpt_schema {
	struct pq_schema *s;
	int txn, txn_app, txn_version, txn_updated;
	int add, add_path, add_pv, add_size, add_mtime, add_change, add_tags,
	    add_stats;
	int rm;
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

	/* This writer never removes files, but readers expect the column. */
	c->rm = g = pq_group(s, 0, "remove", PQ_OPTIONAL);
	pq_leaf(s, g, "path", PQ_STRING, PQ_OPTIONAL);
	pq_leaf(s, g, "deletionTimestamp", PQ_INT64, PQ_OPTIONAL);
	pq_leaf(s, g, "dataChange", PQ_BOOLEAN, PQ_OPTIONAL);
	pq_leaf(s, g, "extendedFileMetadata", PQ_BOOLEAN, PQ_OPTIONAL);
	pq_map(s, g, "partitionValues", PQ_OPTIONAL, true);
	pq_leaf(s, g, "size", PQ_INT64, PQ_OPTIONAL);

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

static int
write_rows(struct pq_writer *w, const struct ckpt_schema *c,
    const struct delta_table *t, uint64_t *rows, uint64_t *adds)
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
	return 0;
}

/* Writes text to path via a temporary file and rename. */
static int
replace_file(const char *dir, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	char tmp[4200], final[4200], id[37];
	int fd;
	size_t off = 0;

	uuid_v4(id);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%s", dir, id);
	snprintf(final, sizeof final, "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_fd;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail_fd;
	close(fd);
	if (rename(tmp, final) != 0)
		goto fail_unlink;
	return fsync_dir(dir);
fail_fd:
	close(fd);
fail_unlink:
	unlink(tmp);
fail:
	snprintf(err, errlen, "%s: %s", final, strerror(errno));
	return -1;
}

int
checkpoint_write(const struct delta_table *t, char *err, size_t errlen)
{
	struct ckpt_schema c;
	struct pq_options po;
	struct pq_writer *w;
	char dir[4096], tmp[4200], final[4200], id[37], last[256];
	uint64_t size = 0, rows = 0, adds = 0;
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
	/* Spark writes checkpoints with snappy; every reader has it. */
	po.codec = CODEC_SNAPPY;
	w = pq_open(fd, c.s, &po);
	if (write_rows(w, &c, t, &rows, &adds) != 0 ||
	    pq_close(w, &size) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, pq_error(w));
		goto out;
	}
	if (fsync(fd) != 0 || rename(tmp, final) != 0) {
		snprintf(err, errlen, "%s: %s", final, strerror(errno));
		goto out;
	}
	fsync_dir(dir);
	int n = snprintf(last, sizeof last, "{\"version\":%lld,\"size\":%llu,"
	    "\"sizeInBytes\":%llu,\"numOfAddFiles\":%llu}\n",
	    (long long)t->version, (unsigned long long)rows,
	    (unsigned long long)size, (unsigned long long)adds);
	rc = replace_file(dir, "_last_checkpoint", last, (size_t)n, err,
	    errlen);
out:
	if (rc != 0)
		unlink(tmp);
	close(fd);
	pq_free(w);
	pq_schema_free(c.s);
	return rc;
}
