/*
 * report: Gold rows folded into what vitals-report shows: the three
 * BigQuery views of schemas/bigquery/ (patient_risk_scores,
 * ward_alert_counts, vital_signs_hourly_trend), each patient's windows
 * for the trend charts, and the anomalous windows for the alert list.
 *
 * The views are computed as their SQL defines them, column for column:
 * the same names in the same order, GROUP BY the same keys, and
 *   SUM, COUNT(*), COUNTIF  as integers;
 *   AVG                     a double, the mean of the non-null values;
 *   MIN, MAX                of the non-null values, typed as the column;
 *   MAX_BY(x, y)            BigQuery's ANY_VALUE(x HAVING MAX y): among
 *                           the rows with the greatest y, a non-null x,
 *                           or null when they have none (a null ward in
 *                           the latest window is a null ward, not the
 *                           ward before it);
 *   TIMESTAMP_TRUNC(t, HOUR) the hour of t, in UTC;
 *   APPROX_COUNT_DISTINCT   the exact count: BigQuery's HyperLogLog++ is
 *                           an estimate of it (exact in practice for the
 *                           few hundred patients of a ward and hour).
 * An empty aggregate (every value null) is null.  Where BigQuery leaves
 * the choice open, this module is deterministic: MAX_BY between rows
 * that tie on y takes the greatest x, and a view's rows come in the
 * order of their GROUP BY keys (nulls first, strings in byte order),
 * which the SQL leaves unspecified.  The tables of output columns in
 * report.c mirror the SQL text; tests/cli/report_views.sh holds them to
 * the SQL run by DuckDB over the Gold Parquet files.
 *
 * Rows are read by column name from the table's own schema, so a Gold
 * table whose columns are in another order, or have more, is read
 * alike; a missing column, or one of another type, is an error.
 *
 * Memory: the views take a few hundred bytes a group; each window of the
 * trend charts about 60 bytes, each alerting window about 200.  Strings
 * from the rows are copied (interned), so a row need live only during
 * report_add_*.
 */
#ifndef VL_REPORT_H
#define VL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conform.h"
#include "writer.h"
#include "record.h"
#include "schema.h"

enum report_view {
	VIEW_PATIENT_RISK, VIEW_WARD_ALERTS, VIEW_HOURLY_TREND, VIEW_COUNT
};

struct report;

/*
 * A new, empty report for rows of schema (borrowed: it must outlive the
 * report), or NULL with err when the schema lacks a column the report
 * reads or types it otherwise.  Never NULL for the built-in Gold schema.
 */
struct report *report_new(const struct schema *schema, char *err,
    size_t errlen);
void report_free(struct report *r);

/* The columns the report reads, NULL-terminated, for scan_each's only:
 * valid while r lives. */
const char *const *report_columns(const struct report *r);

/*
 * Adds one Gold row as lib/delta_scan.c hands it out (typed slots:
 * JK_TIME, JK_DATE, JK_INT, ...).  0, or -1 with err when a required
 * column is null or absent, or a value is not of its column's type.
 */
int report_add_scanned(struct report *r, const struct record *row,
    char *err, size_t errlen);

/* Adds the row a conform checker (lib/conform.h, for r's schema) has
 * just passed.  Cannot fail. */
void report_add_conformed(struct report *r, const struct conform *c);

/* Rows added so far. */
uint64_t report_rows(const struct report *r);

/* "patient_risk_scores" etc. to its view, or -1. */
int report_view_by_name(const char *name);
const char *report_view_name(enum report_view v);

/*
 * Prints the view's rows on w, one JSON object a line, columns in the
 * order of the SQL's SELECT, a null left out (as delta-cat prints rows),
 * timestamps and dates in ISO 8601 as the record codec prints them.
 * Returns the number of rows.
 */
uint64_t report_print_view(const struct report *r, enum report_view v,
    struct writer *w);

/*
 * What the page's data holds: the views (patient_risk_scores and
 * ward_alert_counts, in full), and the trend windows and anomalous
 * windows.  For a live update, the views of the whole table are sent
 * with the windows of a report of only the new rows.
 */
enum {
	REPORT_DATA_VIEWS = 1, REPORT_DATA_WINDOWS = 2,
	REPORT_DATA_ALL = 3
};

/*
 * Writes the parts asked for as members of a JSON object already open
 * on w ("key":value pairs, each preceded by a comma): plain JSON, not yet
 * escaped for HTML (lib/report_html.c does that).  Times are seconds
 * since the epoch, as the page's charts take them; the layout is
 * described in report/page.js.  A view's rows and each patient's windows
 * come sorted (by key, by window_start): the windows are sorted in
 * place, which changes nothing else.
 */
void report_write_data(struct report *r, unsigned parts,
    struct writer *w);

#endif
