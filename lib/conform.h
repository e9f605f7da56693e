/*
 * conform: whether a record fits a table's schema, the one set of rules
 * for every tool that writes a table (delta-commit, bq-load).
 *
 * A record scanned with the table's schema (record_scan) conforms when
 * it has no key the schema lacks, every required column has a value, and
 * every value has its column's type: a string for a string, an integer
 * for an integer (a 32-bit one for "integer"), a number for a double,
 * true or false for a boolean, an ISO 8601 time or date for a timestamp
 * or date, and for a struct an object whose keys are its sub-fields and
 * whose values fit them by the same rules.  The values are converted on
 * the way (times to microseconds, dates to days), into cells a writer
 * reads.
 *
 * The checker owns the cells; they point into the record (and into the
 * checker's own copy of a struct's object), so they are valid until the
 * record is scanned again or the next conform_check.
 */
#ifndef VL_CONFORM_H
#define VL_CONFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "schema.h"

/* One column's value, converted: i for integers, booleans (0/1), times
 * (microseconds) and dates (days); d for doubles; s and len for
 * strings. */
struct cell {
	bool null;
	int64_t i;
	double d;
	const char *s;
	size_t len;
};

struct conform;

/* A checker for records of schema s, which must outlive it.  Never NULL
 * (dies on no memory). */
struct conform *conform_new(const struct schema *s);
void conform_free(struct conform *c);

/*
 * 0 when r conforms, with every cell set.  Otherwise -1 with *reason
 * one of "unknown_field" (a key the schema has no column for),
 * "missing_field" (no value, or null, for a required column) or
 * "schema_mismatch" (a value of another type), and a detail naming the
 * column.
 */
int conform_check(struct conform *c, const struct record *r,
    const char **reason, char *detail, size_t dlen);

/* Column i's cell, and sub-field k's of struct column i, from the last
 * conform_check that returned 0. */
const struct cell *conform_cell(const struct conform *c, size_t i);
const struct cell *conform_subcell(const struct conform *c, size_t i,
    size_t k);

#endif
