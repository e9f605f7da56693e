/*
 * bq_load: Gold into a BigQuery table, idempotently.
 *
 * The table: created when missing, with the dataset, from the Gold
 * schema (required columns REQUIRED, comments as descriptions),
 * partitioned by day on event_date and clustered by patient_id and ward;
 * a table that exists must have that schema's columns with those types
 * and modes, or nothing is loaded.
 *
 * From a Delta table: what the table gained since the last load.  The
 * versions after the last one loaded are read from the log (the project's
 * own reader), and the files they added with dataChange true are loaded
 * (a compaction's rewrite, dataChange false, never again), with the
 * partition columns put back into the rows; all of them in one load job,
 * so a run is one table modification whatever the number of versions
 * (BigQuery allows 1,500 a day).
 *
 * Idempotence.  A job's id is made from the destination, the versions it
 * loads (first-last) and a hash of the destination, the load's
 * configuration and every file loaded (path and size), with a generation
 * number: the same load always has the same id.  BigQuery keeps job
 * records for about six months and refuses a second job with an id it
 * has (409); that job is then adopted (waited for and taken as the
 * result), not sent again.  A job that ended in error loaded nothing; the
 * same load goes again under the next generation.  Where the truth lives:
 * in BigQuery's job history.  Each run first lists the project's recent
 * jobs and starts after the newest of ours that succeeded (waiting for
 * one still running), so neither a crash between a job's end and the
 * local record nor the loss of that record makes a second append.  The
 * local record (the last version loaded, in the Delta table's
 * _bq_load directory, which Delta readers ignore) is only the starting
 * point when the history has none of ours, as after six months.  Runs
 * for one destination are serialised by a lock file beside it.
 *
 * From NDJSON: the records, checked against the schema, in one job whose
 * id hashes their bytes: the same input loaded twice is adopted the
 * second time.
 */
#ifndef VL_BQ_LOAD_H
#define VL_BQ_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "bq.h"
#include "writer.h"
#include "rejects.h"
#include "schema.h"

struct bq_target {
	const char *dataset, *table;
	const struct schema *schema;	/* Gold's */
	const char *location;		/* NULL: the dataset's */
};

struct bq_load_totals {
	uint64_t rows_in;	/* rows read from Delta or the input */
	uint64_t rows_loaded;	/* outputRows of the jobs that landed */
	uint64_t jobs, adopted;	/* jobs run; of them, found done already */
	int64_t from, to;	/* Delta versions loaded, -1 for none */
	bool up_to_date;	/* nothing new to load */
};

/* Makes the dataset and table exist with the schema.  0, or -1 with err
 * (a table whose schema differs says where). */
int bq_ensure_table(struct bq *b, const struct bq_target *t, int verbose,
    char *err, size_t errlen);

/* Loads what the Delta table at root gained since the last load. */
int bq_load_delta(struct bq *b, const struct bq_target *t, const char *root,
    int verbose, struct bq_load_totals *tot, char *err, size_t errlen);

/* Loads NDJSON records from in; bad ones go to rj (counted in n). */
int bq_load_ndjson(struct bq *b, const struct bq_target *t,
    struct reader *in, struct rejects *rj, struct counts *n, int verbose,
    struct bq_load_totals *tot, char *err, size_t errlen);

/* Creates or replaces the three materialized views over the table. */
int bq_create_views(struct bq *b, const struct bq_target *t, int verbose,
    char *err, size_t errlen);

/* The Looker Studio Linking API URL of a report on the table, into buf. */
void bq_looker_url(const char *project, const struct bq_target *t,
    char *buf, size_t len);

#endif
