/*
 * parquet_read: a Parquet file reader with no Parquet library, for Delta
 * checkpoints and data files, written for files that may be corrupt or
 * hostile.
 *
 * What it reads: the footer and schema tree; every row group; data pages
 * v1 and v2 and dictionary pages; values in PLAIN, PLAIN_DICTIONARY and
 * RLE_DICTIONARY, RLE (booleans), and the DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT
 * encodings that v2 writers use; RLE/bit-packed hybrid and the deprecated
 * BIT_PACKED levels; codecs none, snappy, gzip and zstd; physical types
 * BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY and
 * FIXED_LEN_BYTE_ARRAY; definition and repetition levels for structs,
 * 3-level MAP and LIST, the legacy 2-level list forms and bare repeated
 * fields.  Page CRCs are checked when present.
 *
 * What it refuses, with a message naming the column: INTERVAL, TIME,
 * FLOAT16, unsigned 64-bit integers, DECIMAL of a precision outside 1..38
 * or in another physical type, and logical types it does not know (only when such a column is selected: the rest of the file stays
 * readable); the LZO, BROTLI and LZ4 codecs; encrypted files; column data
 * in other files.
 *
 * Values have their logical meaning (enum pqr_type): strings, integers
 * (INT8..INT64 and unsigned up to 32 bits), doubles (FLOAT widened),
 * booleans, dates as days since 1970-01-01, timestamps as microseconds
 * since the epoch (TIMESTAMP in MILLIS, MICROS or NANOS, the old
 * TIMESTAMP_MILLIS/MICROS, and Spark's INT96), decimals as their
 * unscaled 128-bit integer (DECIMAL in INT32, INT64, FIXED_LEN_BYTE_ARRAY
 * or BYTE_ARRAY; a value with more digits than the precision is an
 * error), raw bytes for unannotated BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY.
 *
 *	struct pqr_file *f = pqr_open(path, NULL, err, sizeof err);
 *	int hr = pqr_find(f, "heart_rate");
 *	pqr_select(f, hr);		 columns to read; none selected = all
 *	while ((rc = pqr_next(f)) == 1) {
 *		struct pqr_value v;
 *		pqr_value(f, hr, &v);	 a leaf with nothing repeated above
 *		json_t *row = pqr_json(f, 0);	 or any node, as JSON
 *	}
 *	if (rc < 0) ... pqr_error(f) ...
 *	pqr_close(f);
 *
 * Safety.  Every offset, size and count read from the file is checked
 * against the file and against the limits in struct pqr_options before it
 * is used or allocated for; nesting is bounded; nothing recurses without
 * a depth limit.  A corrupt file gives an error message, never a crash, a
 * hang or a read out of bounds.  After an error the reader is failed:
 * every later call returns the error again; only pqr_error and pqr_close
 * remain meaningful.
 *
 * Memory is bounded by one page (compressed and decoded) plus one
 * dictionary per selected column, and the current row, not by the file:
 * pages are read with pread(2) as the rows reach them.  Each is held to
 * the limits of struct pqr_options.
 */
#ifndef VL_PARQUET_READ_H
#define VL_PARQUET_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sparkval.h"

/* What a leaf's values mean. */
enum pqr_type {
	PQR_NULL = 0,	/* in a struct pqr_value: no value */
	PQR_BOOLEAN,	/* i: 0 or 1 */
	PQR_INT,	/* i */
	PQR_DOUBLE,	/* d */
	PQR_STRING,	/* s, len: UTF-8 as the file says (not checked) */
	PQR_BINARY,	/* s, len: bytes */
	PQR_DATE,	/* i: days since 1970-01-01 */
	PQR_TIMESTAMP,	/* i: microseconds since 1970-01-01T00:00:00 */
	PQR_DECIMAL,	/* dec: the unscaled value; the node's scale */
	PQR_UNSUPPORTED	/* a leaf this reader refuses to select */
};

/* How a node's values are shaped. */
enum pqr_shape {
	PQR_LEAF,
	PQR_STRUCT,
	PQR_LIST,	/* LIST-annotated group: a JSON array */
	PQR_MAP		/* MAP-annotated group: a JSON object */
};

enum pqr_rep { PQR_REQUIRED = 0, PQR_OPTIONAL = 1, PQR_REPEATED = 2 };

/* A node of the file's schema.  Node 0 is the root; ids are the order of
 * the footer's schema list (depth-first). */
struct pqr_node {
	const char *name;
	int parent;		/* -1 for the root */
	const int *kids;	/* child ids, nkids of them */
	int nkids;
	enum pqr_shape shape;
	enum pqr_rep rep;	/* PQR_REQUIRED for the root */
	int def, replvl;	/* definition / repetition level, this node
				 * included */
	/* Leaves only: */
	int column;		/* column index, -1 for groups */
	enum pqr_type type;
	int physical;		/* Thrift Type: 0 BOOLEAN .. 7 FLBA */
	bool utc;		/* PQR_TIMESTAMP: isAdjustedToUTC */
	int precision, scale;	/* PQR_DECIMAL: 1..38 and 0..precision */
	const char *why;	/* PQR_UNSUPPORTED: what it is, e.g.
				 * "DECIMAL(1,0)" */
};

struct pqr_options {
	size_t max_footer;		/* 64 MiB */
	size_t max_page;		/* 256 MiB: a page's bytes, compressed
					 * or not, and a dictionary's */
	uint32_t max_page_values;	/* 1<<24 slots in one page */
	uint32_t max_row_values;	/* 1<<24 slots of one column in one
					 * row (long lists) */
	bool omit_nulls;		/* pqr_json leaves null struct fields
					 * out of objects (map values stay) */
	bool iso_time;			/* pqr_json writes timestamps as
					 * "1970-01-01T00:00:00.000000Z" and
					 * dates as "1970-01-01", not as
					 * microseconds and days */
};

/* Fills in the defaults above. */
void pqr_options_init(struct pqr_options *o);

struct pqr_file;

/*
 * Opens a file and reads its footer and schema.  o may be NULL for the
 * defaults.  Returns the reader (free with pqr_close), or NULL with a
 * message in err (errlen bytes) when the file cannot be read or is not a
 * Parquet file this reader understands.  The descriptor is closed by
 * pqr_close.
 */
struct pqr_file *pqr_open(const char *path, const struct pqr_options *o,
    char *err, size_t errlen);
/* The same over bytes in memory (p[0 .. n) must outlive the reader). */
struct pqr_file *pqr_open_mem(const void *p, size_t n,
    const struct pqr_options *o, char *err, size_t errlen);
void pqr_close(struct pqr_file *f);

/* The footer: rows, row groups, created_by (may be ""), all owned by f. */
int64_t pqr_num_rows(const struct pqr_file *f);
int pqr_row_groups(const struct pqr_file *f);
const char *pqr_created_by(const struct pqr_file *f);

/* The schema: node count, a node (NULL if id is not one), and the node at
 * a dotted path from the root ("add.partitionValues"), or -1. */
int pqr_nodes(const struct pqr_file *f);
const struct pqr_node *pqr_node(const struct pqr_file *f, int id);
int pqr_find(const struct pqr_file *f, const char *path);
/* The child of node named name, or -1. */
int pqr_child(const struct pqr_file *f, int node, const char *name);

/*
 * Selects the leaves under node (the node itself if it is a leaf; 0 for
 * all) for reading.  Only selected leaves are read; groups are built from
 * their selected leaves.  Call before the first pqr_next; if nothing was
 * selected then, everything is.  Returns 0, or -1 when a leaf under node
 * is PQR_UNSUPPORTED (the message names it; the reader is failed).
 */
int pqr_select(struct pqr_file *f, int node);

/*
 * Moves to the next row: 1, 0 at the end of the file, or -1 on an error
 * (pqr_error says what and where).  Values of the previous row become
 * invalid.
 */
int pqr_next(struct pqr_file *f);

/* The row number of the current row (0-based). */
int64_t pqr_row(const struct pqr_file *f);

struct pqr_value {
	enum pqr_type type;	/* PQR_NULL if the value or a parent is null */
	int64_t i;
	double d;
	const char *s;		/* valid until the next pqr_next */
	size_t len;
	dec128 dec;		/* PQR_DECIMAL */
};

/*
 * The current row's value of a selected leaf that has no repeated
 * ancestor.  0, or -1 when leaf is not such a leaf (the reader is then
 * failed, as for any misuse).
 */
int pqr_value(struct pqr_file *f, int leaf, struct pqr_value *v);

/*
 * The current row's value at node (0 for the whole row) as a new JSON
 * value the caller owns: objects for structs (selected fields only, in
 * schema order), arrays for lists and bare repeated fields, objects for
 * maps (keys that are not strings are written as their JSON text), JSON
 * null for a null.  Strings and binary values must be valid UTF-8 to be
 * shown; NaN and infinities become null; a decimal is a string of its
 * exact text at its scale ("-0.01": a JSON real would round it).  node
 * must have no repeated ancestor and at least one selected leaf.  NULL
 * on error (pqr_error).
 */
json_t *pqr_json(struct pqr_file *f, int node);

/* Why the reader failed, "" if it has not.  Owned by f. */
const char *pqr_error(const struct pqr_file *f);

#endif
