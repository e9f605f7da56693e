#include "delta.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "jsonl.h"
#include "uuid.h"
#include "xalloc.h"

#define MAX_ATTEMPTS 1000

int64_t
delta_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
log_path(const struct delta_table *t, int64_t version, const char *suffix)
{
	size_t n = strlen(t->root) + 64;
	char *p = xmalloc(n);

	if (version < 0)
		snprintf(p, n, "%s/_delta_log%s", t->root, suffix);
	else
		snprintf(p, n, "%s/_delta_log/%020lld%s", t->root,
		    (long long)version, suffix);
	return p;
}

void
delta_free(struct delta_table *t)
{
	if (t == NULL)
		return;
	free(t->root);
	delta_state_free(t);
	free(t);
}

void
delta_state_free(struct delta_table *t)
{
	json_decref(t->protocol);
	json_decref(t->metadata);
	schema_free(t->schema);
	for (size_t i = 0; i < t->npartition; i++)
		free(t->partition_cols[i]);
	free(t->partition_cols);
	json_decref(t->files);
	json_decref(t->tombstones);
	for (size_t i = 0; i < t->ntxns; i++)
		free(t->txns[i].app_id);
	free(t->txns);
}

int64_t
delta_txn_version(const struct delta_table *t, const char *app_id)
{
	for (size_t i = 0; i < t->ntxns; i++)
		if (strcmp(t->txns[i].app_id, app_id) == 0)
			return t->txns[i].version;
	return -1;
}

static void
set_txn(struct delta_table *t, const char *app_id, int64_t version)
{
	for (size_t i = 0; i < t->ntxns; i++) {
		if (strcmp(t->txns[i].app_id, app_id) == 0) {
			t->txns[i].version = version;
			return;
		}
	}
	xgrow(&t->txns, &t->txn_cap, t->ntxns + 1, sizeof *t->txns);
	t->txns[t->ntxns].app_id = xstrdup(app_id);
	t->txns[t->ntxns++].version = version;
}

static int
set_metadata(struct delta_table *t, json_t *md, char *err, size_t errlen)
{
	json_t *ss = json_object_get(md, "schemaString");
	json_t *pc = json_object_get(md, "partitionColumns");
	struct schema *s;
	size_t i;
	json_t *c;
	char why[256];

	if (!json_is_string(ss) || !json_is_array(pc)) {
		snprintf(err, errlen, "metaData without schemaString or "
		    "partitionColumns");
		return -1;
	}
	s = schema_parse(json_string_value(ss), json_string_length(ss), why,
	    sizeof why);
	if (s == NULL) {
		snprintf(err, errlen, "table schema: %s", why);
		return -1;
	}
	json_array_foreach(pc, i, c) {
		if (!json_is_string(c) || schema_find(s, json_string_value(c),
		    json_string_length(c)) < 0) {
			snprintf(err, errlen, "partition column %zu is not a "
			    "column of the schema", i + 1);
			schema_free(s);
			return -1;
		}
	}
	for (i = 0; i < t->npartition; i++)
		free(t->partition_cols[i]);
	free(t->partition_cols);
	t->npartition = json_array_size(pc);
	t->partition_cols = xcalloc(t->npartition + 1, sizeof(char *));
	json_array_foreach(pc, i, c)
		t->partition_cols[i] = xstrdup(json_string_value(c));
	schema_free(t->schema);
	t->schema = s;
	json_decref(t->metadata);
	t->metadata = json_incref(md);
	return 0;
}

int
delta_apply(struct delta_table *t, json_t *action, char *err, size_t errlen)
{
	json_t *v;

	if ((v = json_object_get(action, "protocol")) != NULL) {
		json_t *r = json_object_get(v, "minReaderVersion");
		json_t *w = json_object_get(v, "minWriterVersion");
		if (!json_is_integer(r) || !json_is_integer(w)) {
			snprintf(err, errlen, "protocol without versions");
			return -1;
		}
		t->min_reader = (int)json_integer_value(r);
		t->min_writer = (int)json_integer_value(w);
		json_decref(t->protocol);
		t->protocol = json_incref(v);
	} else if ((v = json_object_get(action, "metaData")) != NULL) {
		return set_metadata(t, v, err, errlen);
	} else if ((v = json_object_get(action, "add")) != NULL) {
		json_t *p = json_object_get(v, "path");
		if (!json_is_string(p)) {
			snprintf(err, errlen, "add without path");
			return -1;
		}
		json_object_set(t->files, json_string_value(p), v);
		if (t->tombstones != NULL)
			json_object_del(t->tombstones, json_string_value(p));
	} else if ((v = json_object_get(action, "remove")) != NULL) {
		json_t *p = json_object_get(v, "path");
		if (json_is_string(p)) {
			json_object_del(t->files, json_string_value(p));
			if (t->tombstones == NULL)
				t->tombstones = json_object();
			json_object_set(t->tombstones, json_string_value(p),
			    v);
		}
	} else if ((v = json_object_get(action, "txn")) != NULL) {
		json_t *a = json_object_get(v, "appId");
		json_t *ver = json_object_get(v, "version");
		if (!json_is_string(a) || !json_is_integer(ver)) {
			snprintf(err, errlen, "txn without appId or version");
			return -1;
		}
		set_txn(t, json_string_value(a), json_integer_value(ver));
	}
	/* commitInfo and actions of features we do not write are kept out
	 * of the state; delta_check_writable refuses such tables. */
	return 0;
}

int
delta_read_commit(const char *root, int64_t version, json_t **actions,
    char *err, size_t errlen)
{
	size_t n = strlen(root) + 64;
	char *path = xmalloc(n);
	int rc;

	snprintf(path, n, "%s/_delta_log/%020lld.json", root,
	    (long long)version);
	*actions = json_array();
	if ((rc = jsonl_read(path, JSONL_MISSING_OK, jsonl_append, *actions,
	    err, errlen)) != 1) {
		json_decref(*actions);
		*actions = NULL;
	}
	free(path);
	return rc;
}

int
delta_apply_commit(struct delta_table *t, int64_t version, char *err,
    size_t errlen)
{
	json_t *actions, *a;
	size_t i;
	char why[200];
	int rc = delta_read_commit(t->root, version, &actions, err, errlen);

	if (rc != 1)
		return rc;
	json_array_foreach(actions, i, a) {
		if (delta_apply(t, a, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s/_delta_log/%020lld.json: "
			    "action %zu: %s", t->root, (long long)version,
			    i + 1, why);
			rc = -1;
			break;
		}
	}
	json_decref(actions);
	if (rc == 1)
		t->version = version;
	return rc;
}

static int
parse_version(const char *name, const char *suffix, int64_t *v)
{
	size_t n = strlen(suffix);

	if (strlen(name) != 20 + n || strcmp(name + 20, suffix) != 0)
		return -1;
	for (int i = 0; i < 20; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	*v = strtoll(name, NULL, 10);
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct delta_table *
delta_open(const char *root, char *err, size_t errlen)
{
	return delta_open_at(root, -1, err, errlen);
}

struct delta_table *
delta_open_at(const char *root, int64_t at, char *err, size_t errlen)
{
	struct delta_table *t = xcalloc(1, sizeof *t);
	int64_t *versions = NULL, v, ckpt = -1, newest;
	size_t n = 0, cap = 0, first = 0;
	char *dir;
	DIR *d;
	struct dirent *e;

	t->root = xstrdup(root);
	t->version = -1;
	t->checkpoint = -1;
	t->files = json_object();
	dir = log_path(t, -1, "");
	d = opendir(dir);
	if (d == NULL && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(dir);
		delta_free(t);
		return NULL;
	}
	free(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		/* Commits after `at` are not part of that snapshot. */
		if (parse_version(e->d_name, ".json", &v) == 0 &&
		    (at < 0 || v <= at)) {
			xgrow(&versions, &cap, n + 1, sizeof *versions);
			versions[n++] = v;
		}
	}
	if (d != NULL)
		closedir(d);
	if (n == 0 && at < 0)
		return t;	/* not a table yet */
	if (n > 0)
		qsort(versions, n, sizeof *versions, cmp_i64);
	newest = at >= 0 ? at : versions[n - 1];

	ckpt = checkpoint_read_latest(t, newest, err, errlen);
	if (ckpt < -1)
		goto fail;
	if (ckpt >= 0) {
		t->version = ckpt;
		t->checkpoint = ckpt;
		while (first < n && versions[first] <= ckpt)
			first++;
	} else if (n > 0 && versions[0] != 0) {
		snprintf(err, errlen, "%s: the log starts at version %lld and "
		    "no checkpoint could be read", root,
		    (long long)versions[0]);
		goto fail;
	}
	for (size_t i = first; i < n; i++) {
		if (versions[i] != t->version + 1) {
			snprintf(err, errlen, "%s: commit versions are not "
			    "contiguous: %lld follows %lld", root,
			    (long long)versions[i], (long long)t->version);
			goto fail;
		}
		if (delta_apply_commit(t, versions[i], err, errlen) != 1)
			goto fail;
	}
	if (t->version < newest) {
		snprintf(err, errlen, "%s: cannot read version %lld: commit "
		    "%lld is not in the log", root, (long long)at,
		    (long long)t->version + 1);
		goto fail;
	}
	free(versions);
	if (t->protocol == NULL || t->metadata == NULL) {
		snprintf(err, errlen, "%s: the log has no %s at version %lld",
		    root, t->protocol == NULL ? "protocol" : "metaData",
		    (long long)newest);
		delta_free(t);
		return NULL;
	}
	return t;
fail:
	free(versions);
	delta_free(t);
	return NULL;
}

int
delta_update(struct delta_table *t, char *err, size_t errlen)
{
	int rc;

	while ((rc = delta_apply_commit(t, t->version + 1, err, errlen)) == 1)
		;
	return rc < 0 ? -1 : 0;
}

/* Configuration keys that switch on features a (1,2) writer must not
 * ignore. */
static const char *const feature_keys[] = {
	"delta.enableChangeDataFeed", "delta.enableDeletionVectors",
	"delta.enableRowTracking", "delta.enableInCommitTimestamps",
	"delta.checkpointPolicy", NULL
};

int
delta_check_writable(const struct delta_table *t, char *err, size_t errlen)
{
	json_t *conf, *v;
	char why[200];

	if (t->version < 0)
		return 0;
	if (t->min_reader > 1 || t->min_writer > 2 ||
	    json_object_get(t->protocol, "readerFeatures") != NULL ||
	    json_object_get(t->protocol, "writerFeatures") != NULL) {
		snprintf(err, errlen, "%s: protocol (%d, %d)%s is newer than "
		    "this writer supports (1, 2)", t->root, t->min_reader,
		    t->min_writer, json_object_get(t->protocol,
		    "writerFeatures") ? " with table features" : "");
		return -1;
	}
	/* Types other writers write and these tools only read. */
	if (schema_check_writable(t->schema, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", t->root, why);
		return -1;
	}
	conf = json_object_get(t->metadata, "configuration");
	for (int i = 0; feature_keys[i] != NULL; i++) {
		v = json_object_get(conf, feature_keys[i]);
		if (json_is_string(v) && strcmp(json_string_value(v), "false")
		    != 0) {
			snprintf(err, errlen, "%s: %s is set; this writer does "
			    "not support it", t->root, feature_keys[i]);
			return -1;
		}
	}
	v = json_object_get(conf, "delta.columnMapping.mode");
	if (json_is_string(v) && strcmp(json_string_value(v), "none") != 0) {
		snprintf(err, errlen, "%s: column mapping is on; this writer "
		    "does not support it", t->root);
		return -1;
	}
	for (size_t i = 0; i < t->schema->n; i++) {
		json_t *md = json_object_get(t->schema->f[i].json, "metadata");
		if (json_object_get(md, "delta.invariants") != NULL) {
			snprintf(err, errlen, "%s: column %s has invariants; "
			    "this writer does not check them", t->root,
			    t->schema->f[i].name);
			return -1;
		}
	}
	return 0;
}

json_t *
delta_create_actions(const struct schema *s, char *const *partition_cols,
    size_t npartition, json_t *configuration)
{
	char id[37];
	json_t *cols = json_array(), *schema = schema_to_json(s);
	char *schema_string = json_dumps(schema, JSON_COMPACT);

	for (size_t i = 0; i < npartition; i++)
		json_array_append_new(cols, json_string(partition_cols[i]));
	uuid_v4(id);
	json_t *conf = configuration ? json_incref(configuration) :
	    json_object();
	json_t *actions = json_pack("[{s:{s:i,s:i}}, {s:{s:s, s:{s:s,s:{}}, "
	    "s:s, s:o, s:o, s:I}}]",
	    "protocol", "minReaderVersion", 1, "minWriterVersion", 2,
	    "metaData", "id", id, "format", "provider", "parquet", "options",
	    "schemaString", schema_string, "partitionColumns", cols,
	    "configuration", conf, "createdTime", (json_int_t)delta_now_ms());
	free(schema_string);
	json_decref(schema);
	return actions;
}

/* Writes the commit text to a temporary file in the log and fsyncs it. */
static char *
write_temp(struct delta_table *t, const char *text, size_t len, char *err,
    size_t errlen)
{
	char id[37], *dir = log_path(t, -1, ""), *tmp;
	size_t n = strlen(dir) + 64;
	int fd;

	if (safefile_mkdirs(dir) != 0)
		goto fail_dir;
	uuid_v4(id);
	tmp = xmalloc(n);
	/* A name that can never be taken for a version. */
	snprintf(tmp, n, "%s/.tmp-%s.json", dir, id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		goto fail_tmp;
	if (safefile_write_all(fd, text, len) != 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto fail_tmp;
	}
	/* Closed whether or not the fsync worked; the first error is
	 * the one reported. */
	int rc = fsync(fd), saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		errno = saved;
		goto fail_tmp;
	}
	free(dir);
	return tmp;
fail_tmp:
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	free(tmp);
	free(dir);
	return NULL;
fail_dir:
	snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	free(dir);
	return NULL;
}

/* Publishes tmp as version v without ever replacing a file: 0, or -1
 * with errno (EEXIST: the version is taken). */
static int
publish(const char *tmp, const char *final)
{
	if (link(tmp, final) == 0)
		return 0;
	if (errno == EEXIST)
		return -1;
	/* File systems without hard links: rename that refuses to replace. */
	return renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE);
}

/* True if two metaData actions have the same partition columns and
 * schemas that schema_compare finds the same (comments may differ). */
static bool
same_table_shape(json_t *a, json_t *b)
{
	json_t *sa = json_object_get(a, "schemaString");
	json_t *sb = json_object_get(b, "schemaString");
	struct schema *x, *y;
	char why[256];
	bool same;

	if (!json_equal(json_object_get(a, "partitionColumns"),
	    json_object_get(b, "partitionColumns")))
		return false;
	if (json_equal(sa, sb))
		return true;
	x = schema_parse(json_string_value(sa), json_string_length(sa), why,
	    sizeof why);
	y = schema_parse(json_string_value(sb), json_string_length(sb), why,
	    sizeof why);
	same = x != NULL && y != NULL &&
	    schema_compare(x, y, why, sizeof why) == 0;
	schema_free(x);
	schema_free(y);
	return same;
}

/* The path of a remove in actions that t no longer has live, or NULL. */
static const char *
removed_elsewhere(const struct delta_table *t, json_t *actions)
{
	size_t i;
	json_t *a;

	json_array_foreach(actions, i, a) {
		json_t *rm = json_object_get(a, "remove");
		const char *p = json_string_value(json_object_get(rm, "path"));
		if (p != NULL && json_object_get(t->files, p) == NULL)
			return p;
	}
	return NULL;
}

static char *
actions_text(json_t *actions, size_t *len)
{
	size_t i, cap = 0, n = 0;
	json_t *a;
	char *buf = NULL;

	json_array_foreach(actions, i, a) {
		char *line = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
		size_t l = strlen(line);
		xgrow(&buf, &cap, n + l + 2, 1);
		memcpy(buf + n, line, l);
		n += l;
		buf[n++] = '\n';
		free(line);
	}
	*len = n;
	return buf;
}

enum delta_commit_result
delta_commit(struct delta_table *t, json_t *actions, const int64_t *floor,
    int64_t *version, char *err, size_t errlen)
{
	char *text = NULL, *tmp = NULL, *final;
	size_t len, i;
	json_t *a, *ours_md = NULL;
	json_t *seen_md = t->metadata ? json_incref(t->metadata) : NULL;
	enum delta_commit_result res = DELTA_FAILED;

	json_array_foreach(actions, i, a)
		if (json_object_get(a, "metaData") != NULL)
			ours_md = json_object_get(a, "metaData");

	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		size_t k = 0;

		if (delta_check_writable(t, err, errlen) != 0)
			goto out;
		json_array_foreach(actions, i, a) {
			json_t *txn = json_object_get(a, "txn");
			if (txn == NULL)
				continue;
			int64_t have = delta_txn_version(t, json_string_value(
			    json_object_get(txn, "appId")));
			if (floor != NULL && have >= floor[k]) {
				snprintf(err, errlen, "%s: %s was committed up "
				    "to %lld by another writer", t->root,
				    json_string_value(json_object_get(txn,
				    "appId")), (long long)have);
				res = DELTA_TXN_OVERLAP;
				goto out;
			}
			k++;
		}
		const char *gone = removed_elsewhere(t, actions);
		if (gone != NULL) {
			snprintf(err, errlen, "%s: %s, which this commit "
			    "removes, was removed by another writer (version "
			    "%lld)", t->root, gone, (long long)t->version);
			res = DELTA_CONFLICT;
			goto out;
		}
		if (text == NULL) {
			text = actions_text(actions, &len);
			if ((tmp = write_temp(t, text, len, err, errlen)) == NULL)
				goto out;
		}
		final = log_path(t, t->version + 1, ".json");
		if (publish(tmp, final) == 0) {
			char *dir = log_path(t, -1, "");
			unlink(tmp);
			free(tmp);
			tmp = NULL;
			safefile_fsync_dir(dir);
			free(dir);
			free(final);
			json_array_foreach(actions, i, a)
				if (delta_apply(t, a, err, errlen) != 0)
					goto out;
			t->version++;
			*version = t->version;
			res = DELTA_COMMITTED;
			goto out;
		}
		if (errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", final, strerror(errno));
			free(final);
			goto out;
		}
		free(final);
		/* Someone took the version: catch up and look again. */
		bool existed = t->version >= 0;
		if (delta_update(t, err, errlen) != 0)
			goto out;
		if (seen_md != NULL && !same_table_shape(seen_md, t->metadata)) {
			snprintf(err, errlen, "%s: another writer changed the "
			    "table's schema or partitioning", t->root);
			goto out;
		}
		if (ours_md != NULL && !existed) {
			/* We raced to create the table and lost: fine if the
			 * winner made the same table, and then our protocol
			 * and metadata must not be committed again. */
			if (!same_table_shape(ours_md, t->metadata)) {
				snprintf(err, errlen, "%s: another writer "
				    "created the table with another schema",
				    t->root);
				goto out;
			}
			for (i = json_array_size(actions); i-- > 0; ) {
				a = json_array_get(actions, i);
				if (json_object_get(a, "metaData") ||
				    json_object_get(a, "protocol"))
					json_array_remove(actions, i);
			}
			ours_md = NULL;
			unlink(tmp);
			free(tmp);
			tmp = NULL;
			free(text);
			text = NULL;
		}
	}
	snprintf(err, errlen, "%s: gave up after %d conflicting commits",
	    t->root, MAX_ATTEMPTS);
out:
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(text);
	json_decref(seen_md);
	return res;
}
