#include "delta_vacuum.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "partition.h"
#include "xalloc.h"

/* Longest path inside the table the sweep follows. */
#define PATH_MAX_REL 4096

void
vacuum_options_init(struct vacuum_options *o)
{
	memset(o, 0, sizeof *o);
	o->retain_usec = -1;
}

/* ---- durations in table properties ---- */

static const struct {
	const char *name;
	int64_t usec;
} units[] = {
	{ "microsecond", 1 },
	{ "millisecond", 1000 },
	{ "second", 1000000 },
	{ "minute", INT64_C(60) * 1000000 },
	{ "hour", INT64_C(3600) * 1000000 },
	{ "day", INT64_C(86400) * 1000000 },
	{ "week", INT64_C(7) * 86400 * 1000000 },
};

int
delta_parse_interval(const char *s, int64_t *usec)
{
	const char *p = s;
	int64_t total = 0;
	int terms = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "interval", 8) != 0 ||
	    !isspace((unsigned char)p[8]))
		return cli_parse_duration(s, usec);
	p += 8;
	for (;;) {
		char *end;
		size_t n;
		size_t u;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno != 0 || end == p || !isspace((unsigned char)*end))
			return -1;
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		for (n = 0; isalpha((unsigned char)p[n]); n++)
			;
		for (u = 0; u < sizeof units / sizeof units[0]; u++) {
			size_t k = strlen(units[u].name);
			if (strncasecmp(p, units[u].name, k) == 0 &&
			    (n == k || (n == k + 1 && tolower(
			    (unsigned char)p[k]) == 's')))
				break;
		}
		if (u == sizeof units / sizeof units[0] ||
		    v > (unsigned long long)(INT64_MAX / units[u].usec) ||
		    total > INT64_MAX - (int64_t)v * units[u].usec)
			return -1;
		total += (int64_t)v * units[u].usec;
		p += n;
		terms++;
	}
	if (terms == 0)
		return -1;
	*usec = total;
	return 0;
}

int64_t
delta_config_duration(const struct delta_table *t, const char *key,
    int64_t dflt)
{
	json_t *conf = t->metadata ?
	    json_object_get(t->metadata, "configuration") : NULL;
	json_t *v = json_object_get(conf, key);
	int64_t usec;

	if (v == NULL)
		return dflt;
	if (!json_is_string(v) ||
	    delta_parse_interval(json_string_value(v), &usec) != 0)
		return -1;
	return usec;
}

/* ---- what the log still references ---- */

static int64_t
mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 +
	    st->st_mtim.tv_nsec / 1000000;
}

/* The on-disk relative path an action's URI names, or NULL. */
static char *
decoded_path(json_t *action)
{
	json_t *p = json_object_get(action, "path");
	char *s;
	long n;

	if (!json_is_string(p))
		return NULL;
	s = xstrdup(json_string_value(p));
	if ((n = uri_unescape(s, strlen(s))) < 0) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

static int
is_version_name(const char *name, const char *suffix, int64_t *v)
{
	size_t n = strlen(name), k = strlen(suffix);

	if (n != 20 + k || strspn(name, "0123456789") != 20 ||
	    strcmp(name + 20, suffix) != 0)
		return 0;
	*v = strtoll(name, NULL, 10);
	return 1;
}

struct logfile {
	int64_t version;
	int64_t mtime;		/* ms */
	bool checkpoint;
};

static int
cmp_logfile(const void *a, const void *b)
{
	const struct logfile *x = a, *y = b;

	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return (int)x->checkpoint - (int)y->checkpoint;
}

/* The commits and classic checkpoints in the log, oldest first. */
static int
list_log(const char *logdir, struct logfile **out, size_t *n, char *err,
    size_t errlen)
{
	DIR *d = opendir(logdir);
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", logdir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct logfile f = { 0 };
		struct stat st;
		if (is_version_name(e->d_name, ".json", &f.version))
			f.checkpoint = false;
		else if (is_version_name(e->d_name, ".checkpoint.parquet",
		    &f.version))
			f.checkpoint = true;
		else
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;	/* cleaned up meanwhile */
		f.mtime = mtime_ms(&st);
		xgrow(out, &cap, *n + 1, sizeof **out);
		(*out)[(*n)++] = f;
	}
	closedir(d);
	if (*n > 0)
		qsort(*out, *n, sizeof **out, cmp_logfile);
	return 0;
}

/* One remove's deletionTimestamp into refs, unless refs has a newer. */
static void
ref_removed(json_t *refs, json_t *rm, int64_t when)
{
	char *path = decoded_path(rm);
	json_t *had;

	if (path == NULL)
		return;
	had = json_object_get(refs, path);
	if (had == NULL || json_integer_value(had) < when)
		json_object_set_new(refs, path, json_integer(when));
	free(path);
}

/*
 * refs: decoded path -> the newest deletionTimestamp of a remove of it
 * in the log, or INT64_MAX when the current version has it.  A remove
 * without a timestamp counts from its commit file's age.  The removes
 * are those of the commits still in the log and the tombstones of the
 * checkpoint the table opened from, which stand for the commits below
 * it that a log cleanup (Spark's, or a retention shorter than the
 * files') has deleted.
 */
static int
collect_refs(const struct delta_table *t, const struct logfile *log,
    size_t nlog, json_t *refs, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	for (size_t i = 0; i < nlog; i++) {
		json_t *actions, *a;
		size_t k;
		if (log[i].checkpoint)
			continue;
		int rc = delta_read_commit(t->root, log[i].version, &actions,
		    err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;	/* cleaned up by another vacuum */
		json_array_foreach(actions, k, a) {
			json_t *rm = json_object_get(a, "remove");
			if (rm == NULL)
				continue;
			json_t *ts = json_object_get(rm, "deletionTimestamp");
			ref_removed(refs, rm, json_is_integer(ts) ?
			    json_integer_value(ts) : log[i].mtime);
		}
		json_decref(actions);
	}
	/* A tombstone without a timestamp came from a commit, still there
	 * (dated above) or not (its file is then judged by its age). */
	json_object_foreach(t->tombstones, key, v) {
		json_t *ts = json_object_get(v, "deletionTimestamp");
		if (json_is_integer(ts))
			ref_removed(refs, v, json_integer_value(ts));
	}
	json_object_foreach(t->files, key, v) {
		char *path = decoded_path(v);
		if (path != NULL)
			json_object_set_new(refs, path, json_integer(INT64_MAX));
		free(path);
	}
	return 0;
}

/* ---- the data-file sweep ---- */

struct sweep {
	const struct delta_table *t;
	const struct vacuum_options *o;
	struct vacuum_totals *tot;
	json_t *refs;
	int64_t cutoff;		/* ms: older than this is expired */
	char *err;
	size_t errlen;
};

/* A name the sweep never looks at: '_' or '.' first, unless it is the
 * directory of a partition column whose name starts so. */
static bool
hidden(const struct delta_table *t, const char *name, bool dir)
{
	const char *eq;

	if (name[0] != '_' && name[0] != '.')
		return false;
	if (!dir || (eq = strchr(name, '=')) == NULL)
		return true;
	for (size_t i = 0; i < t->npartition; i++)
		if (strlen(t->partition_cols[i]) == (size_t)(eq - name) &&
		    strncmp(t->partition_cols[i], name, eq - name) == 0)
			return false;
	return true;
}

static int
sweep_dir(struct sweep *s, int fd, char *rel, size_t rlen)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if ((d = fdopendir(fd)) == NULL) {
		snprintf(s->err, s->errlen, "%s/%s: %s", s->t->root, rel,
		    strerror(errno));
		close(fd);
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		struct stat st;
		size_t n = strlen(name);

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;	/* gone meanwhile */
			snprintf(s->err, s->errlen, "%s/%s%s%s: %s",
			    s->t->root, rel, rlen ? "/" : "", name,
			    strerror(errno));
			rc = -1;
			break;
		}
		if (hidden(s->t, name, S_ISDIR(st.st_mode)))
			continue;
		if (rlen + n + 2 > PATH_MAX_REL) {
			s->tot->skipped++;
			continue;
		}
		size_t nlen = rlen;
		if (rlen > 0)
			rel[nlen++] = '/';
		memcpy(rel + nlen, name, n + 1);
		nlen += n;
		if (S_ISDIR(st.st_mode)) {
			/* O_NOFOLLOW: a directory swapped for a symlink since
			 * the fstatat is refused, not followed. */
			int sub = openat(dirfd(d), name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				snprintf(s->err, s->errlen, "%s/%s: %s",
				    s->t->root, rel, strerror(errno));
				rc = -1;
			} else {
				rc = sweep_dir(s, sub, rel, nlen);
			}
		} else if (!S_ISREG(st.st_mode)) {
			/* Symlinks above all: never followed, never
			 * deleted. */
			s->tot->skipped++;
			if (s->o->verbose > 0)
				cli_warn("%s: not a regular file: left alone",
				    rel);
		} else {
			json_t *r = json_object_get(s->refs, rel);
			int64_t when = r ? json_integer_value(r) : mtime_ms(&st);
			const char *why = r ? "removed" : "orphan";
			s->tot->files++;
			if (r != NULL && when == INT64_MAX) {
				s->tot->live++;
			} else if (when >= s->cutoff) {
				s->tot->retained++;
				if (s->o->verbose > 0)
					cli_warn("%s: %s, within the retention: "
					    "kept", rel, why);
			} else if (!s->o->dry_run &&
			    unlinkat(dirfd(d), name, 0) != 0 &&
			    errno != ENOENT) {
				snprintf(s->err, s->errlen, "%s/%s: %s",
				    s->t->root, rel, strerror(errno));
				rc = -1;
			} else {
				s->tot->deleted++;
				s->tot->bytes += (uint64_t)st.st_size;
				if (s->o->each != NULL)
					s->o->each(rel, why, s->o->arg);
			}
		}
		rel[rlen] = '\0';
	}
	closedir(d);
	return rc;
}

/* ---- log cleanup ---- */

/* The version _last_checkpoint names, or -1. */
static int64_t
last_checkpoint(const char *logdir)
{
	char path[4200];
	json_t *j, *v;
	int64_t version = -1;

	snprintf(path, sizeof path, "%s/_last_checkpoint", logdir);
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return -1;
	v = json_object_get(j, "version");
	if (json_is_integer(v))
		version = json_integer_value(v);
	json_decref(j);
	return version;
}

static int
clean_log(const struct delta_table *t, const struct vacuum_options *o,
    const struct logfile *log, size_t nlog, int64_t cutoff,
    struct vacuum_totals *tot, char *err, size_t errlen)
{
	char logdir[4096], name[64], rel[96];
	int64_t upto = t->checkpoint, last, keep = -1;

	snprintf(logdir, sizeof logdir, "%s/_delta_log", t->root);
	last = last_checkpoint(logdir);
	if (last >= 0 && last < upto)
		upto = last;	/* what other readers start from */
	if (upto < 0)
		return 0;
	/* The newest checkpoint old enough whose commit is old enough. */
	for (size_t i = 0; i < nlog; i++) {
		if (!log[i].checkpoint || log[i].version > upto ||
		    log[i].mtime >= cutoff)
			continue;
		bool young = false;
		for (size_t k = 0; k < nlog; k++)
			if (!log[k].checkpoint && log[k].version ==
			    log[i].version && log[k].mtime >= cutoff)
				young = true;
		if (!young)
			keep = log[i].version;
	}
	if (keep <= 0)
		return 0;
	/* Oldest first, so that an interrupted cleanup leaves a log that
	 * still runs without a gap from a checkpoint. */
	for (size_t i = 0; i < nlog; i++) {
		const struct logfile *f = &log[i];
		if (f->version >= keep)
			break;
		if (f->mtime >= cutoff) {
			if (!f->checkpoint)
				break;
			continue;
		}
		snprintf(name, sizeof name, "%020lld.%s", (long long)f->version,
		    f->checkpoint ? "checkpoint.parquet" : "json");
		snprintf(rel, sizeof rel, "_delta_log/%s", name);
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", logdir, name);
		if (!o->dry_run && unlink(path) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (!f->checkpoint && !o->dry_run) {
			/* The commit's checksum file, if a Spark writer left
			 * one. */
			snprintf(path, sizeof path, "%s/%020lld.crc", logdir,
			    (long long)f->version);
			unlink(path);
		}
		tot->log_deleted++;
		if (o->each != NULL)
			o->each(rel, "log", o->arg);
	}
	return 0;
}

/* ---- the whole run ---- */

int
vacuum_run(const char *root, const struct vacuum_options *o,
    struct vacuum_totals *tot, char *err, size_t errlen)
{
	struct delta_table *t;
	struct logfile *log = NULL;
	size_t nlog = 0;
	json_t *refs = NULL;
	int64_t table_retain, log_retain, now, retain;
	char logdir[4096], rel[PATH_MAX_REL + 1];
	int fd, rc = -1;

	memset(tot, 0, sizeof *tot);
	tot->version = -1;
	if ((t = delta_open(root, err, errlen)) == NULL)
		return -1;
	if (t->version < 0) {
		snprintf(err, errlen, "%s: not a Delta table (no commits in "
		    "_delta_log)", root);
		goto out;
	}
	if (delta_check_writable(t, err, errlen) != 0)
		goto out;
	tot->version = t->version;
	table_retain = delta_config_duration(t,
	    "delta.deletedFileRetentionDuration", VACUUM_DEFAULT_RETAIN);
	log_retain = delta_config_duration(t, "delta.logRetentionDuration",
	    VACUUM_DEFAULT_LOG_RETAIN);
	if (table_retain < 0 || log_retain < 0) {
		snprintf(err, errlen, "%s: delta.%s is not a duration", root,
		    table_retain < 0 ? "deletedFileRetentionDuration" :
		    "logRetentionDuration");
		goto out;
	}
	retain = o->retain_usec >= 0 ? o->retain_usec : table_retain;
	if (!o->force && (retain < table_retain || retain == 0)) {
		snprintf(err, errlen, "%s: a retention of %lld seconds is "
		    "shorter than the table's %lld seconds (or zero): time "
		    "travel within it and writers still committing could lose "
		    "files; --force-retention to do it anyway", root,
		    (long long)(retain / 1000000),
		    (long long)(table_retain / 1000000));
		goto out;
	}
	tot->retain_usec = retain;
	now = o->now_ms > 0 ? o->now_ms : delta_now_ms();

	snprintf(logdir, sizeof logdir, "%s/_delta_log", root);
	if (list_log(logdir, &log, &nlog, err, errlen) != 0)
		goto out;
	refs = json_object();
	if (collect_refs(t, log, nlog, refs, err, errlen) != 0)
		goto out;

	struct sweep s = { .t = t, .o = o, .tot = tot, .refs = refs,
	    .cutoff = now - retain / 1000, .err = err, .errlen = errlen };
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		goto out;
	}
	rel[0] = '\0';
	if (sweep_dir(&s, fd, rel, 0) != 0)
		goto out;
	/* Commits hold the removes that protect removed files: keep them
	 * as long as the files they protect, too. */
	if (clean_log(t, o, log, nlog, now - (log_retain > retain ?
	    log_retain : retain) / 1000, tot, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	json_decref(refs);
	free(log);
	delta_free(t);
	return rc;
}
