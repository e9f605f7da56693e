/*
 * delta_vacuum: deleting what a Delta table no longer needs; all of
 * delta-vacuum's logic.
 *
 * Data files.  Every regular file under the table directory is one of:
 *   live      named by an add of the current version: always kept;
 *   removed   named by a remove in a commit still in the log, or by a
 *             tombstone of the checkpoint the table opens from (which
 *             stands for the commits below it once they are cleaned
 *             up): deleted once the remove's deletionTimestamp is older
 *             than the retention (time travel to a version within the
 *             retention still finds it);
 *   orphan    named by no commit in the log (a batch a killed writer
 *             never committed, a file a writer is writing right now, or
 *             a file removed so long ago that its commit was cleaned up):
 *             deleted once its modification time is older than the
 *             retention, which is what protects a commit in progress.
 * Entries whose name starts with '_' or '.' (_delta_log, bq-load's
 * _bq_load, hidden files) are never looked at, at any depth, except a
 * partition directory named "column=value".  The walk goes through
 * directory descriptors with O_NOFOLLOW: a symbolic link is never
 * followed nor deleted, so nothing outside the table can be touched.
 * Directories are never removed (a writer may be about to create a file
 * in one that looks empty).
 *
 * The retention is delta.deletedFileRetentionDuration of the table's
 * configuration ("interval 7 days"), or 7 days.  A shorter one is refused
 * unless forced (Delta's retentionDurationCheck).
 *
 * Log files.  Commits and checkpoints older than delta.logRetentionDuration
 * (30 days by default), and older than the file retention too, since the
 * removes in the commits are what protect removed files, are deleted
 * when they lie below a checkpoint C that is itself that old, no newer than
 * the one the table opens from and no newer than the one _last_checkpoint
 * names: C and everything after it stay, so the table still opens and time
 * travel reaches every version from C on.  Age is the file's modification
 * time, as Delta takes it.
 */
#ifndef VL_DELTA_VACUUM_H
#define VL_DELTA_VACUUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delta.h"

#define VACUUM_DEFAULT_RETAIN	(INT64_C(7) * 86400 * 1000000)
#define VACUUM_DEFAULT_LOG_RETAIN (INT64_C(30) * 86400 * 1000000)

struct vacuum_options {
	int64_t retain_usec;	/* -1: the table's, or VACUUM_DEFAULT_RETAIN */
	bool force;		/* allow less than the table's retention */
	bool dry_run;		/* delete nothing, report as if */
	int64_t now_ms;		/* 0: the clock */
	/* Called for each file deleted (or, dry run, to be deleted): its
	 * path relative to the table, and why ("removed", "orphan", "log").
	 * May be NULL. */
	void (*each)(const char *rel, const char *why, void *arg);
	void *arg;
	int verbose;		/* > 0: files kept are named on stderr */
};

void vacuum_options_init(struct vacuum_options *o);

struct vacuum_totals {
	uint64_t files;		/* regular data files found */
	uint64_t live;		/* of those, referenced by the current version */
	uint64_t retained;	/* not referenced, but within the retention */
	uint64_t deleted, bytes;	/* data files deleted (or to be) */
	uint64_t skipped;	/* symlinks and other non-regular entries */
	uint64_t log_deleted;	/* commits and checkpoints deleted */
	int64_t version;	/* the version vacuumed */
	int64_t retain_usec;	/* the retention applied */
};

/*
 * Vacuums the table at root.  Returns 0, or -1 with err: not a table, a
 * table this writer does not support, a retention below the table's
 * without force, or an I/O error (files deleted before it stay deleted;
 * each was safe to delete on its own).  *tot is filled in either way.
 */
int vacuum_run(const char *root, const struct vacuum_options *o,
    struct vacuum_totals *tot, char *err, size_t errlen);

/*
 * A Spark CalendarInterval as table properties hold durations:
 * "interval 7 days", "interval 1 week", "interval 2 hours 30 minutes"
 * (units microsecond ... week, singular or plural, any case), or a
 * duration as cli_parse_duration reads it.  0 and *usec, or -1.
 */
int delta_parse_interval(const char *s, int64_t *usec);

/* A duration property of t's configuration, or dflt when it has none;
 * -1 when the property is there but is not a duration. */
int64_t delta_config_duration(const struct delta_table *t, const char *key,
    int64_t dflt);

#endif
