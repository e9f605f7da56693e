/*
 * predicate: the --where of the readers, a conjunction of comparisons
 * of a column with a literal, parsed against a table's schema, and the
 * two questions a reader asks of it: may this data file hold a matching
 * row (from its partition values and its add.stats), and does this row
 * match.
 *
 * The language is a small piece of SQL:
 *
 *	pred    := cmp { AND cmp }
 *	cmp     := column op literal | literal op column
 *	op      := = | < | <= | > | >=
 *	literal := 'text' ('' is a quote) | integer | decimal | true | false
 *
 * AND, true and false in any case.  Each literal is converted to its
 * column's type when the predicate is parsed: a string column wants a
 * quoted string, byte, short, integer and long columns an integer, float
 * and double columns an integer or a decimal (an exponent allowed),
 * decimal(p, s) columns a number with at most s fraction digits that
 * are not zero and at most p digits in all, boolean columns true or
 * false, date columns a quoted YYYY-MM-DD, timestamp columns a quoted ISO
 * 8601 timestamp (lib/isotime.h: a missing zone is UTC) or a quoted date
 * (its midnight, UTC).  Byte and short columns are integers; float
 * columns compare as floats (the literal, the bounds and the values each
 * rounded to float, so that 1.1 matches the float printed as 1.1);
 * decimals compare exactly, as 128-bit integers at the column's scale.
 * Struct and binary columns cannot be compared.
 *
 * Comparisons follow SQL: a comparison with a null is false, so a row
 * whose column is null (or absent) never matches; strings compare by
 * their bytes (which for UTF-8 is code point order, as Spark and DuckDB
 * compare them); false < true.  A double that is NaN matches nothing.
 *
 * Pruning never skips a file that could hold a matching row.  Partition
 * values decide exactly (a JSON null or an empty string is a null
 * partition: the file Hive and lib/partition.h put under
 * __HIVE_DEFAULT_PARTITION__).  Other columns are pruned by the stats'
 * minValues, maxValues, nullCount and numRecords, taken as bounds: a
 * string's minimum may be a prefix of the true one and its maximum a
 * prefix with a tie-breaker appended (lib/delta_append.c, Spark), so a
 * maximum ending in U+10FFFF (which some longer values may exceed) bounds
 * nothing; a timestamp's bounds are in milliseconds, truncated, so its
 * maximum bounds values up to 999 microseconds above it; a decimal's
 * bounds are JSON numbers, which jansson reads as doubles, not exactly,
 * so they prune nothing (its partition values, text, do).  A bound that
 * is missing or does not parse prunes nothing; nor does a file without
 * stats.
 */
#ifndef VL_PREDICATE_H
#define VL_PREDICATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "schema.h"
#include "sparkval.h"

enum pred_op { PRED_EQ, PRED_LT, PRED_LE, PRED_GT, PRED_GE };

/* A literal in its column's type. */
struct pred_value {
	int64_t i;	/* integer, long; date: days since 1970-01-01;
			 * timestamp: microseconds; boolean: 0 or 1 */
	double d;	/* double */
	dec128 dec;	/* decimal: unscaled, at the column's scale */
	char *s;	/* string: UTF-8 bytes, NUL-terminated, owned */
	size_t len;
};

/* One comparison: column op literal. */
struct pred_term {
	int col;		/* the column's index in the schema */
	char *name;		/* its name, owned */
	enum ftype type;	/* its type: never FT_STRUCT */
	int precision, scale;	/* a decimal's */
	enum pred_op op;
	struct pred_value v;
};

/* All terms must hold.  n >= 1. */
struct predicate {
	size_t n;
	struct pred_term *t;
};

/*
 * Parses text against schema s.  Returns the predicate (free with
 * predicate_free; it does not point into s or text), or NULL with a
 * message in err that names the column or the character (1-based) where
 * the text went wrong: an empty text, a column s does not have, a struct
 * column, a missing operator, a literal that is not of the column's type,
 * an OR, anything left over.
 */
struct predicate *predicate_parse(const struct schema *s, const char *text,
    char *err, size_t errlen);
void predicate_free(struct predicate *p);

/*
 * Whether a data file may hold a row that matches: false only when the
 * file certainly holds none.  pvalues is its add's partitionValues object
 * (NULL for none): a term on a column it has a key for is decided by that
 * value.  stats is its add.stats text (NULL for none): the other terms are
 * pruned by its bounds, and a file whose numRecords is 0 holds nothing.
 */
bool predicate_may_match_file(const struct predicate *p,
    const json_t *pvalues, const char *stats);
/* The same from the add action itself (its partitionValues and stats). */
bool predicate_may_match_add(const struct predicate *p, const json_t *add);

/*
 * Only the terms on columns pvalues has a key for, decided exactly: false
 * when one of them is false for these partition values.  For tools that
 * act on whole partitions; see predicate_outside.
 */
bool predicate_may_match_partition(const struct predicate *p,
    const json_t *pvalues);

/* The name of the first column a term compares that is not among
 * cols[0..n), or NULL when every term is on one of them (for instance
 * the partition columns, to refuse a predicate a partition-only check
 * cannot decide).  The name is p's. */
const char *predicate_outside(const struct predicate *p, char *const *cols,
    size_t n);

/*
 * Whether row r matches every term.  r must be a record of the schema p
 * was parsed against (slots by column index).  A slot holds its value as
 * lib/delta_scan.c sets it (JK_TIME, JK_DATE, ...) or as record_scan reads
 * NDJSON (timestamps and dates as strings, whole doubles as integers);
 * anything else, null or absent does not match.
 */
bool predicate_match_record(const struct predicate *p,
    const struct record *r);

/* "=", "<", ... */
const char *pred_op_name(enum pred_op op);

#endif
