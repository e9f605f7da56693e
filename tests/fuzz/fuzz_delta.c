/*
 * libFuzzer target: the Delta log reader (lib/delta.h, lib/checkpoint.h)
 * on arbitrary logs, written into a table directory under /tmp per run
 * (delta_open reads files).
 *
 * An input that starts with "PAR1" is a classic checkpoint, version 1,
 * with an empty commit 1 beside it and, for odd sizes, a _last_checkpoint
 * naming it.  Anything else is JSON commits 0, 1, ... cut at form feeds
 * (not JSON whitespace).
 *
 * Commits are checked against a replay written here with jansson: every
 * line an action object, protocol with integer versions, metaData with a
 * schema and partition columns the schema has, add with a path, txn with
 * an appId and version, the first of those keys deciding; delta_open
 * must succeed exactly when the replay does, with the same version,
 * protocol, metadata, live files (adds minus removes, each add as it
 * was) and txns; delta_open_at must agree at an earlier version too.
 *
 * A table that opens, from commits or from a checkpoint, is then
 * written as a checkpoint and opened from it alone: what the checkpoint
 * schema holds must come back the same (the protocol, the metadata's
 * fields, each live file's path, partition values, size, time,
 * dataChange, tags and stats, every txn).  A checkpoint that fails to
 * open must say why.  Built and run by `make fuzz`.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "delta.h"
#include "sanitize.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_COMMITS	8

#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);\
		abort();						\
	}								\
} while (0)

static char dir[64], root[96], logdir[128];

static void
clear_log(void)
{
	DIR *d = opendir(logdir);
	struct dirent *e;
	char p[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", logdir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static void
cleanup(void)
{
	clear_log();
	rmdir(logdir);
	rmdir(root);
	rmdir(dir);
}

static void
put(const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", logdir, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (n > 0 && fwrite(p, 1, n, fp) != n)
		abort();
	if (fclose(fp) != 0)
		abort();
}

/* ---- the replay ------------------------------------------------------ */

struct replay {
	bool ok;
	json_int_t reader, writer;
	json_t *protocol, *metadata;	/* borrowed from actions */
	json_t *files;			/* path -> add */
	json_t *txns;			/* appId -> version */
	json_t *actions;		/* every action read, kept alive */
};

static void
replay_init(struct replay *r)
{
	memset(r, 0, sizeof *r);
	r->ok = true;
	r->files = json_object();
	r->txns = json_object();
	r->actions = json_array();
}

static void
replay_free(struct replay *r)
{
	json_decref(r->files);
	json_decref(r->txns);
	json_decref(r->actions);
}

static bool
valid_metadata(json_t *md)
{
	json_t *ss = json_object_get(md, "schemaString");
	json_t *pc = json_object_get(md, "partitionColumns"), *c;
	struct schema *s;
	char why[256];
	size_t i;
	bool ok = true;

	if (!json_is_string(ss) || !json_is_array(pc))
		return false;
	if ((s = schema_parse(json_string_value(ss), json_string_length(ss),
	    why, sizeof why)) == NULL)
		return false;
	json_array_foreach(pc, i, c)
		if (!json_is_string(c) || schema_find(s, json_string_value(c),
		    json_string_length(c)) < 0)
			ok = false;
	schema_free(s);
	return ok;
}

static void
replay_action(struct replay *r, json_t *a)
{
	json_t *v, *x, *y;

	if ((v = json_object_get(a, "protocol")) != NULL) {
		x = json_object_get(v, "minReaderVersion");
		y = json_object_get(v, "minWriterVersion");
		if (!json_is_integer(x) || !json_is_integer(y)) {
			r->ok = false;
			return;
		}
		r->reader = json_integer_value(x);
		r->writer = json_integer_value(y);
		r->protocol = v;
	} else if ((v = json_object_get(a, "metaData")) != NULL) {
		if (!valid_metadata(v))
			r->ok = false;
		else
			r->metadata = v;
	} else if ((v = json_object_get(a, "add")) != NULL) {
		x = json_object_get(v, "path");
		if (!json_is_string(x))
			r->ok = false;
		else
			json_object_set(r->files, json_string_value(x), v);
	} else if ((v = json_object_get(a, "remove")) != NULL) {
		x = json_object_get(v, "path");
		if (json_is_string(x))
			json_object_del(r->files, json_string_value(x));
	} else if ((v = json_object_get(a, "txn")) != NULL) {
		x = json_object_get(v, "appId");
		y = json_object_get(v, "version");
		if (!json_is_string(x) || !json_is_integer(y))
			r->ok = false;
		else
			json_object_set(r->txns, json_string_value(x), y);
	}
}

/* One commit file's text: a line of JSON whitespace is skipped, any
 * other must be one action object. */
static void
replay_commit(struct replay *r, const char *s, size_t n)
{
	size_t at = 0;

	while (r->ok && at < n) {
		const char *nl = memchr(s + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (s + at)) + 1 : n - at;
		const char *line = s + at;
		size_t k = 0;
		json_t *a;

		at += len;
		while (k < len && strchr(" \t\r\n", line[k]) != NULL &&
		    line[k] != '\0')
			k++;
		if (k == len)
			continue;
		/* lib/jsonl's rule: a key twice makes the line unusable. */
		a = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(a)) {
			json_decref(a);
			r->ok = false;
			return;
		}
		json_array_append_new(r->actions, a);
		replay_action(r, a);
	}
}

/* The table must be the replay's state. */
static void
check_replay(const struct delta_table *t, const struct replay *r,
    int64_t version)
{
	const char *k;
	json_t *v;

	check(t->version == version);
	check(t->min_reader == (int)r->reader);
	check(t->min_writer == (int)r->writer);
	check(json_equal(t->protocol, r->protocol));
	check(json_equal(t->metadata, r->metadata));
	check(json_equal(t->files, r->files));
	check(t->ntxns == json_object_size(r->txns));
	json_object_foreach(r->txns, k, v)
		check(delta_txn_version(t, k) == json_integer_value(v));
	check(t->npartition == json_array_size(json_object_get(r->metadata,
	    "partitionColumns")));
	for (size_t i = 0; i < t->npartition; i++)
		check(strcmp(t->partition_cols[i], json_string_value(
		    json_array_get(json_object_get(r->metadata,
		    "partitionColumns"), i))) == 0);
}

/* ---- what a checkpoint keeps ----------------------------------------- */

/* The same JSON value, or absent in b where a holds nothing of type. */
static void
same_typed(json_t *a, json_t *b, bool (*is)(const json_t *))
{
	if (a != NULL && is(a))
		check(b != NULL && json_equal(a, b));
	else
		check(b == NULL || json_is_null(b));
}

static bool
is_string(const json_t *j)
{
	return json_is_string(j);
}

static bool
is_integer(const json_t *j)
{
	return json_is_integer(j);
}

static bool
is_boolean(const json_t *j)
{
	return json_is_boolean(j);
}

/* A map<string,string> column: the same keys, string values kept, any
 * other value null. */
static void
same_map(json_t *a, json_t *b)
{
	const char *k;
	json_t *v;

	if (!json_is_object(a)) {
		check(b == NULL || json_is_null(b));
		return;
	}
	check(json_is_object(b));
	check(json_object_size(a) == json_object_size(b));
	json_object_foreach(a, k, v)
		same_typed(v, json_object_get(b, k), is_string);
}

static void
check_kept(const struct delta_table *a, const struct delta_table *b)
{
	json_t *ma = a->metadata, *mb = b->metadata, *fa, *fb, *add;
	const char *path;

	check(b->min_reader == a->min_reader && b->min_writer == a->min_writer);
	for (const char *const *f = (const char *const[]){ "id", "name",
	    "description", "schemaString", NULL }; *f != NULL; f++)
		same_typed(json_object_get(ma, *f), json_object_get(mb, *f),
		    is_string);
	same_typed(json_object_get(ma, "createdTime"),
	    json_object_get(mb, "createdTime"), is_integer);
	check(json_equal(json_object_get(ma, "partitionColumns"),
	    json_object_get(mb, "partitionColumns")));
	same_map(json_object_get(ma, "configuration"),
	    json_object_get(mb, "configuration"));
	fa = json_object_get(ma, "format");
	fb = json_object_get(mb, "format");
	if (json_is_object(fa)) {
		same_typed(json_object_get(fa, "provider"),
		    json_object_get(fb, "provider"), is_string);
		same_map(json_object_get(fa, "options"),
		    json_object_get(fb, "options"));
	} else {
		check(fb == NULL);
	}
	check(b->npartition == a->npartition);
	check(json_object_size(b->files) == json_object_size(a->files));
	json_object_foreach(a->files, path, add) {
		json_t *got = json_object_get(b->files, path);
		check(json_is_object(got));
		check(strcmp(json_string_value(json_object_get(got, "path")),
		    path) == 0);
		same_map(json_object_get(add, "partitionValues"),
		    json_object_get(got, "partitionValues"));
		same_typed(json_object_get(add, "size"),
		    json_object_get(got, "size"), is_integer);
		same_typed(json_object_get(add, "modificationTime"),
		    json_object_get(got, "modificationTime"), is_integer);
		same_typed(json_object_get(add, "dataChange"),
		    json_object_get(got, "dataChange"), is_boolean);
		same_map(json_object_get(add, "tags"),
		    json_object_get(got, "tags"));
		same_typed(json_object_get(add, "stats"),
		    json_object_get(got, "stats"), is_string);
	}
	check(b->ntxns == a->ntxns);
	for (size_t i = 0; i < a->ntxns; i++)
		check(delta_txn_version(b, a->txns[i].app_id) ==
		    a->txns[i].version);
}

/* Writes t as a checkpoint and reads the table back from it alone. */
static void
round_trip(const struct delta_table *t)
{
	struct delta_table *back;
	char err[1024];
	char name[64];

	if (checkpoint_write(t, err, sizeof err) != 0) {
		fprintf(stderr, "checkpoint_write: %s\n", err);
		abort();
	}
	/* The commits it replaces go: only the checkpoint can answer. */
	for (int64_t v = 0; v < t->version; v++) {
		snprintf(name, sizeof name, "%s/%020lld.json", logdir,
		    (long long)v);
		unlink(name);
	}
	if ((back = delta_open(root, err, sizeof err)) == NULL) {
		fprintf(stderr, "reading the checkpoint back: %s\n", err);
		abort();
	}
	check(back->version == t->version && back->checkpoint == t->version);
	check_kept(t, back);
	delta_free(back);
}

/* ---- the two kinds of input ------------------------------------------ */

static void
run_checkpoint(const uint8_t *data, size_t size)
{
	struct delta_table *t;
	char err[1024] = "", hint[128];
	const char *path;
	json_t *add;

	put("00000000000000000001.checkpoint.parquet", data, size);
	put("00000000000000000001.json", "", 0);
	if (size & 1) {
		int n = snprintf(hint, sizeof hint, "{\"version\":1,"
		    "\"sizeInBytes\":%zu}\n", size);
		put("_last_checkpoint", hint, (size_t)n);
	}
	if ((t = delta_open(root, err, sizeof err)) == NULL) {
		check(err[0] != '\0');
		return;
	}
	check(t->version == 1 && t->checkpoint == 1);
	check(t->protocol != NULL && t->metadata != NULL && t->schema != NULL);
	json_object_foreach(t->files, path, add)
		check(strcmp(json_string_value(json_object_get(add, "path")),
		    path) == 0);
	round_trip(t);
	delta_free(t);
}

static void
run_commits(const char *text, size_t size)
{
	struct replay r[MAX_COMMITS];
	struct delta_table *t;
	const char *part[MAX_COMMITS];
	size_t len[MAX_COMMITS], at = 0;
	char name[32], err[1024];
	int n = 0;

	for (;;) {
		const char *ff = memchr(text + at, '\f', size - at);
		part[n] = text + at;
		len[n] = ff ? (size_t)(ff - part[n]) : size - at;
		at += len[n] + 1;
		snprintf(name, sizeof name, "%020d.json", n);
		put(name, part[n], len[n]);
		n++;
		if (ff == NULL || n == MAX_COMMITS)
			break;
	}
	/* r[k]: the replay of commits 0 to k. */
	for (int k = 0; k < n; k++) {
		replay_init(&r[k]);
		for (int j = 0; j <= k; j++)
			replay_commit(&r[k], part[j], len[j]);
		if (r[k].protocol == NULL || r[k].metadata == NULL)
			r[k].ok = false;
	}

	t = delta_open(root, err, sizeof err);
	check((t != NULL) == r[n - 1].ok);
	if (t != NULL)
		check_replay(t, &r[n - 1], n - 1);
	if (n > 1) {
		int v = (int)(size % (size_t)(n - 1));
		struct delta_table *old = delta_open_at(root, v, err,
		    sizeof err);
		check((old != NULL) == r[v].ok);
		if (old != NULL)
			check_replay(old, &r[v], v);
		delta_free(old);
	}
	if (t != NULL)
		round_trip(t);
	delta_free(t);
	for (int k = 0; k < n; k++)
		replay_free(&r[k]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dir[0] == '\0') {
		strcpy(dir, "/tmp/vl-fuzz-delta.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(root, sizeof root, "%s/t", dir);
		snprintf(logdir, sizeof logdir, "%s/_delta_log", root);
		if (mkdir(root, 0777) != 0 || mkdir(logdir, 0777) != 0)
			abort();
		atexit(cleanup);
	}
	clear_log();
	if (size >= 4 && memcmp(data, "PAR1", 4) == 0)
		run_checkpoint(data, size);
	else
		run_commits((const char *)data, size);
	return 0;
}
