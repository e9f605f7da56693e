/*
 * delta_append: appending a stream of records to a Delta table in
 * micro-batches; all of delta-commit's logic.
 *
 * Each record is checked against the table's schema (a record that does
 * not fit is refused with a reason and never reaches a file), routed to
 * the Parquet file of its partition in the current batch, and counted.
 * A batch is committed as one Delta version: the data files are closed
 * and fsynced, then one commit holds an add per file (with its
 * statistics), a txn per Kafka partition the records came from, and a
 * commitInfo with the batch's metrics.  A crash before the commit leaves
 * only unreferenced files; the table never sees half a batch.
 *
 * Exactly-once: a record carrying topic, partition and offset is skipped
 * when the table already holds that offset (its txn version for
 * "<app_id>:<topic>:<partition>" is at or above it), so a replayed stream
 * adds nothing twice.
 *
 * A table whose schema has through_offset instead of offset (Gold) keeps
 * positions without skipping: a row's through_offset says how far its
 * source was done when the row was written, many rows share one, and
 * repeats are the writer's to drop (lib/gold_resume.h).  The txn is then
 * the highest through_offset committed, written only when it moves on.
 */
#ifndef VL_DELTA_APPEND_H
#define VL_DELTA_APPEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "delta.h"
#include "writer.h"
#include "schema.h"

struct append_options {
	const char *app_id;		/* txn prefix; default "vitals-lakehouse" */
	enum codec codec;		/* CODEC_ZSTD */
	int level;			/* 0: codec default */
	uint64_t batch_rows;		/* commit at this many rows */
	uint64_t batch_bytes;		/* ... or this many bytes held (the
					 * Parquet writers' pq_buffered) */
	int64_t batch_usec;		/* ... or this long after the first */
	int checkpoint_interval;	/* checkpoint every N versions; 0 never */
	bool dry_run;			/* print actions, write nothing */
	bool shape_if_new;		/* schema and partitioning given only
					 * for creating the table: an existing
					 * table keeps its own */
	bool merge_schema;		/* an existing table takes the nullable
					 * columns the schema given adds
					 * (schema_added_columns), in the
					 * first commit's metaData */
	struct writer *dry_out;		/* where --dry-run prints */
	bool keep_all;			/* rows the table holds already, being
					 * rewritten (delta-optimize): no
					 * exactly-once skipping, no txn */
};

void append_options_init(struct append_options *o);

struct appender;

/*
 * Opens (or, on the first commit, creates) the table at root.  For a new
 * table, schema and partition_by give its shape; for an existing one they
 * must match it or be NULL/0 (the table's own are used).  Refuses a table
 * this writer does not support.  NULL with a message in err on failure.
 */
struct appender *appender_open(const char *root, const struct schema *schema,
    char *const *partition_by, size_t npartition,
    const struct append_options *o, char *err, size_t errlen);

/*
 * The same for a table the caller has open already (it must exist): the
 * appender borrows t, which must outlive it and which appender_free
 * leaves alone; appender_commit commits through it.  For a writer that
 * keeps its own snapshot (delta-optimize), so that a large table's log
 * state is held once.
 */
struct appender *appender_open_table(struct delta_table *t,
    const struct append_options *o, char *err, size_t errlen);

enum append_status { APPEND_OK, APPEND_REJECT, APPEND_SKIPPED };

/*
 * Adds one record (a JSON line).  APPEND_OK: it is in the batch;
 * APPEND_REJECT: reason and detail say why it does not fit;
 * APPEND_SKIPPED: the table (or this batch) already holds its Kafka
 * offset.  Commit with appender_commit when appender_due says so.
 * Returns -1 only when writing the batch failed (err says why); the
 * batch is then lost and the appender unusable.
 */
int appender_add(struct appender *a, const char *line, size_t len,
    enum append_status *st, const char **reason, char *detail,
    size_t detail_len, char *err, size_t errlen);

/* True when the batch has reached --batch-rows or --batch-time. */
bool appender_due(const struct appender *a);
/* Milliseconds until the batch is due by time; -1 with no batch open. */
int appender_ms_until_due(const struct appender *a);

/*
 * Commits the batch (nothing to do when it is empty).  Returns 0, or -1
 * with err; on failure the batch's files are deleted and nothing is
 * committed.  *version is the new version (or -1 when nothing was
 * committed); checkpoints are written as configured.
 *
 * When another writer has meanwhile committed some of the batch's Kafka
 * offsets (after a rebalance, the consumer that took the partition over
 * starts from the table's position), those rows are its now: the batch
 * is made again without them, from its own files, and committed, and
 * *dropped says how many rows were left out.
 */
int appender_commit(struct appender *a, int64_t *version, uint64_t *dropped,
    char *err, size_t errlen);

/*
 * Seals the batch without committing it, for a writer that makes its own
 * commit (delta-optimize): its files are closed and fsynced with their
 * directories, and *adds is a new JSON array (the caller's) of one
 * {"add":{...}} per file, with the statistics and partitionValues
 * appender_commit would write and the dataChange given.  The files are
 * the caller's from then on: to commit, or to delete on failure (their
 * paths are the adds' paths, URI-escaped, relative to the table).  The
 * appender goes on with an empty batch.  0, or -1 with err (the batch's
 * files are then deleted, and *adds is NULL).
 */
int appender_seal(struct appender *a, bool data_change, json_t **adds,
    char *err, size_t errlen);

/* Deletes the files of an uncommitted batch and frees everything. */
void appender_free(struct appender *a);

/* The table (state after the last commit) and its schema. */
const struct delta_table *appender_table(const struct appender *a);

/* Totals since open: committed rows, files and versions. */
struct append_totals {
	uint64_t rows, files, commits, bytes;
};
void appender_totals(const struct appender *a, struct append_totals *t);

/*
 * The source positions a table holds: one line per txn of the form
 * {"app_id":...,"topic":...,"partition":N,"offset":N} (offset is the
 * highest committed), on w.  For kafka-cat-in to resume from.
 */
void delta_print_positions(const struct delta_table *t, struct writer *w);

#endif
