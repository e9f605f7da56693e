/*
 * delta_optimize: compaction of a Delta table's small files; all of
 * delta-optimize's logic.
 *
 * Plan.  The live files are grouped by partition (their partitionValues).
 * In each partition the files below the target size are packed, smallest
 * first (ties by path), into bins of at most the target size; a file at
 * or above the target is left alone, and so is a bin of one file: there
 * is nothing to gain by rewriting it alone (with --order-by either, which
 * keeps the plan simple and a second run a no-op: a partition written as
 * one unordered file stays unordered).  After a run a partition therefore
 * has at most one file below the target.
 *
 * Rewrite.  Each bin's rows are read file by file (scan_file) and written
 * into one new Parquet file by delta-commit's own writer (lib/
 * delta_append.h, appender_seal): the same layout, statistics, partition
 * directory and codec (the one most of the bin's files are written with,
 * by their names; zstd when none says).  Every row of a file must be
 * read (the add's numRecords, when its stats have it, is checked) and the
 * new file must hold the bin's rows, or the run fails.  With order_by the
 * bin's rows are sorted by those columns (nulls first, then ascending;
 * equal keys keep their order) with an external sort (lib/extsort.h), so
 * memory stays bounded by sort_memory plus the writer's row group (128
 * MiB) whatever the size of a bin or of the table.
 *
 * Commit.  One version: a commitInfo with operation "OPTIMIZE" (Delta's
 * operationParameters and operationMetrics), a remove for every file
 * rewritten (deletionTimestamp, dataChange false, extendedFileMetadata,
 * partitionValues, size) and an add for every new file (dataChange false,
 * stats), so that readers which follow data changes (streaming, bq-load)
 * know no data changed.  It records no txn: the table's keep theirs.
 * Appends committed meanwhile add files the plan does not touch and never
 * conflict; a file of the plan that another writer removed first makes
 * the commit conflict (delta_commit, DELTA_CONFLICT): its new files are
 * deleted and the run is planned again on the newer version, up to
 * max_attempts times, then given up with a message.  Nothing half-done
 * is ever committed: a failure anywhere deletes the new files it wrote,
 * and a killed run leaves only unreferenced files (delta-vacuum deletes
 * them once they are older than the retention).  A checkpoint of the
 * version a compaction commits is written by default, since that commit's
 * removes would otherwise be replayed by every open (bench/optimize.sh:
 * a full read of 2 hours of Gold, 4x the time of a compacted table's
 * without one, 1.5x with one); only at the table's
 * delta.checkpointInterval, as delta-commit does, when asked; and also of
 * the current version when there was nothing to compact, when asked.
 */
#ifndef VL_DELTA_OPTIMIZE_H
#define VL_DELTA_OPTIMIZE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Between delta-rs's 100 MB and Delta's 1 GB: 256 MiB, as Databricks
 * uses for tables of a few hundred GB. */
#define OPTIMIZE_DEFAULT_TARGET	(UINT64_C(256) << 20)
#define OPTIMIZE_DEFAULT_SORT_MEMORY (UINT64_C(64) << 20)

/* When a checkpoint is written. */
enum optimize_checkpoint {
	OPTIMIZE_CKPT_INTERVAL,	/* at delta.checkpointInterval only */
	OPTIMIZE_CKPT_AFTER,	/* of every version a compaction commits */
	OPTIMIZE_CKPT_ALWAYS	/* and of the current one when there was
				 * nothing to compact */
};

struct optimize_options {
	uint64_t target_size;	/* 0: delta.targetFileSize, or the default */
	char *const *order_by;	/* columns to order rows by; NULL: none */
	size_t norder;
	bool dry_run;		/* plan only: write and commit nothing */
	int max_attempts;	/* plans tried against conflicts; 2 */
	uint64_t sort_memory;	/* bytes of rows sorted in memory */
	/*
	 * Which partitions to compact: called with each partition's
	 * partitionValues (an object of strings and nulls, borrowed) and
	 * returns true to compact it; NULL compacts them all.  This is
	 * where a --where on partition values plugs in; predicate is its
	 * text for commitInfo's operationParameters (NULL: none).
	 */
	bool (*partition_filter)(json_t *values, void *arg);
	void *filter_arg;
	const char *predicate;
	/* Called for each bin planned (and, unless dry_run, written) with
	 * {"partitionValues":{...},"files":[paths],"bytes":N}, borrowed.
	 * May be NULL. */
	void (*each_bin)(json_t *bin, void *arg);
	void *bin_arg;
	int verbose;		/* > 0: say on stderr what each bin became */
	enum optimize_checkpoint checkpoint;	/* OPTIMIZE_CKPT_AFTER */
};

void optimize_options_init(struct optimize_options *o);

struct optimize_totals {
	uint64_t files_read, bytes_read;	/* rewritten files */
	uint64_t files_skipped;		/* live files left as they are */
	uint64_t files_written, bytes_written;
	uint64_t files_removed;
	uint64_t rows_read, rows_written;
	uint64_t partitions;		/* partitions with a bin */
	int attempts;
	int64_t read_version;		/* the version planned on */
	int64_t version;		/* committed; -1 when nothing was */
};

/*
 * Compacts the table at root as described above.  Returns 0 (also when
 * there was nothing to compact: tot->version is then -1), or -1 with err:
 * not a table, a table this tool does not support, an order_by column
 * that is not a scalar column of the table, a file that cannot be read,
 * an I/O error, or conflicts on every attempt.  After -1 the table is as
 * it was.  *tot is filled in either way.
 */
int optimize_run(const char *root, const struct optimize_options *o,
    struct optimize_totals *tot, char *err, size_t errlen);

#endif
