/*
 * delta_scan: reading a Delta table back: its snapshot as of a version,
 * its live files, and their rows as records; all of delta-cat's logic.
 *
 * A snapshot is a struct delta_table (lib/delta.h) replayed up to the
 * version asked for: the newest checkpoint at or below it, then the JSON
 * commits after it, so time travel works on a table whose early commits
 * were cleaned up.  Its live files are listed in the byte order of their
 * paths, so that the same table prints the same bytes every time.
 *
 * Rows are read from the data files with lib/parquet_read.c and printed
 * with the record codec (lib/record.h), so they look like every other
 * tool's records: fields in schema order, a null left out, timestamps and
 * dates in ISO 8601, doubles shortest round-trip, struct columns as
 * nested objects.  Partition columns come from each add's
 * partitionValues, typed by the table's schema; a column the table has
 * and an older file lacks is null in that file's rows.
 *
 *	t = delta_open_at(root, -1, err, sizeof err);
 *	if (t == NULL || scan_check_readable(t, err, sizeof err) != 0)
 *		... err ...
 *	rc = scan_rows(t, &out, 0, &tot, err, sizeof err);
 *	delta_free(t);
 *
 * Everything here reports on stderr only what a debugging reader should
 * be told and still goes on (a passed-over checkpoint, a file that
 * disagrees with its add); what stops the scan comes back in err.  The
 * scan stops early, without an error, when cli_stop is set.
 */
#ifndef VL_DELTA_SCAN_H
#define VL_DELTA_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delta.h"
#include "predicate.h"
#include "writer.h"
#include "record.h"

/*
 * 0 if this reader reads t as it is meant; -1 with the reason in err
 * otherwise: no table (version -1), a reader version above 3, reader
 * features it does not support (named in err; deletion vectors only when
 * a live file has one), or column mapping by name or id.  The reason
 * names the running tool (cli_progname).  t is not changed.
 */
int scan_check_readable(const struct delta_table *t, char *err,
    size_t errlen);

/*
 * The live files' paths (add.path, still URI-escaped) in the order the
 * log added them (version by version; a checkpoint's files in its row
 * order, first), as a new array of *n pointers (NULL-terminated) that
 * the caller frees; the strings are t's, valid while t is unchanged.
 * Never NULL.  Log order, not byte order: a table delta-commit wrote
 * from Kafka then reads back with each partition's offsets rising, as
 * delta-commit's exactly-once skipping needs when the rows are replayed
 * into another table (Bronze into Silver); in byte order, file names
 * being random, a later batch's rows came before an earlier's and were
 * taken for ones already committed.
 */
const char **scan_live_paths(const struct delta_table *t, size_t *n);

/*
 * Writes each live add action as a {"add":{...}} line, in the order of
 * scan_live_paths.  Cannot fail by itself: a write error is left in
 * out->error for writer_close to report.
 */
void scan_print_adds(const struct delta_table *t, struct writer *out);
/* Only the adds of the files that may hold a row where matches
 * (predicate_may_match_add); all of them for where NULL. */
void scan_print_adds_where(const struct delta_table *t,
    const struct predicate *where, struct writer *out);

/* What scan_rows read.  mismatch: a data file's row count or size
 * differed from its add action's numRecords or size (each is warned
 * about on stderr; the file's rows were still printed).  skipped: the
 * files a predicate pruned, not opened and not in files. */
struct scan_totals {
	uint64_t files, rows, skipped;
	bool mismatch;
};

/*
 * Prints every row of every live file of t on out, one record a line,
 * files in the order of scan_live_paths and rows in file order; with
 * verbose > 0 each file is named on stderr as it is read.  t must have
 * passed scan_check_readable.
 *
 * Returns 0, or -1 with err when a file cannot be read: a path outside
 * the table, a file that is not Parquet this reader reads, a column that
 * does not hold the table's type, a partition value that is not one, or
 * a value a record cannot carry (a string that is not UTF-8, a date or
 * timestamp outside years 1 to 9999).  The scan stops at that file; rows
 * of it read before the error have already been printed.  It also stops,
 * returning 0, when cli_stop is set or out has a write error (left in
 * out->error for writer_close).  *tot is filled in either way: it counts
 * the files that did not fail (one cut short by a stop or a write error
 * included) and the rows printed from them, not those of a failed file.
 */
int scan_rows(const struct delta_table *t, struct writer *out, int verbose,
    struct scan_totals *tot, char *err, size_t errlen);

/*
 * As scan_rows, but only the rows where matches (which must have been
 * parsed against t->schema): a file predicate_may_match_add rules out is
 * not opened (counted in tot->skipped), and each row of the others is
 * printed only if predicate_match_record says so.  tot->rows counts the
 * rows printed; the check of numRecords is on the rows read.  With verbose
 * > 1 each file skipped is named on stderr too.  where NULL is
 * scan_rows.
 */
int scan_rows_where(const struct delta_table *t, const struct predicate *where,
    struct writer *out, int verbose, struct scan_totals *tot, char *err,
    size_t errlen);

/*
 * As scan_rows, but each row goes to each(row, arg) instead of a writer,
 * and only the columns named in only (NULL-terminated; NULL for all) are
 * read: the others are absent from the row.  The row is valid during the
 * call only.  each returns 0 to go on, or non-zero to stop the scan,
 * which then returns 0.
 */
int scan_each(const struct delta_table *t, const char *const *only,
    int (*each)(const struct record *, void *), void *arg,
    struct scan_totals *tot, char *err, size_t errlen);

/*
 * The rows of one data file of t's layout, whether or not the log names
 * it yet: uri is its path inside the table as an add action has it, add
 * an object with at least its partitionValues.  Each row goes to
 * each(row, arg); a non-zero return from it is an error.  0, or -1 with
 * err.
 */
int scan_file(const struct delta_table *t, const char *uri, json_t *add,
    int (*each)(const struct record *, void *), void *arg, char *err,
    size_t errlen);

#endif
