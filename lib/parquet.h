/*
 * parquet: a streaming Parquet file writer, for Delta Lake data files and
 * Delta checkpoints, with no Parquet library.
 *
 * What it writes (parquet-writer.md in the project notes has the reasons):
 * data page v1; RLE/bit-packed hybrid definition and repetition levels
 * with their 4-byte length prefix; PLAIN values, or a PLAIN dictionary
 * page plus RLE_DICTIONARY data pages when that is smaller; one codec for
 * the file (zstd by default); LogicalType and ConvertedType on every
 * annotated node; per-chunk Statistics (null_count always, exact
 * min_value/max_value in the column's type order, nan_count for doubles);
 * column_orders = TYPE_ORDER for every leaf; a created_by that
 * parquet-java parses.  Never an empty row group: a file with no rows has
 * row_groups = [] and num_rows = 0 (delta-commit should not write one).
 *
 * Building a schema.  A schema is a tree of nodes named by small integer
 * ids; 0 is the root.  Leaves have a type (enum pq_type); groups are
 * structs, maps or lists.  Build it once and use it for any number of
 * files: a writer reads it and never changes it.
 *
 *	struct pq_schema *s = pq_schema_new();
 *	int id   = pq_leaf(s, 0, "patient_id", PQ_STRING, PQ_REQUIRED);
 *	int hr   = pq_leaf(s, 0, "heart_rate", PQ_INT32, PQ_OPTIONAL);
 *	int tr   = pq_group(s, 0, "truth", PQ_OPTIONAL);
 *	int ep   = pq_leaf(s, tr, "episode", PQ_STRING, PQ_OPTIONAL);
 *	int tags = pq_map(s, 0, "tags", PQ_OPTIONAL, true);  map<string,string>
 *	int cols = pq_list(s, 0, "cols", PQ_OPTIONAL, PQ_STRING, true);
 * or, from a table schema (lib/schema.h): pq_schema_from(silver) and
 * pq_find(s, "truth.episode").
 *
 * Writing rows.  Every leaf gets its values for a row, then pq_end_row()
 * closes the row.  For leaves with no repeated ancestor (flat columns and
 * structs, the hot path):
 *	pq_put_str(w, id, "p1", 2);   pq_put_i32(w, hr, 72);
 *	pq_null(w, tr);		      null struct: all its leaves get a null
 *	pq_put_map(w, tags, keys, values, n);	a whole map (n may be 0)
 *	pq_null(w, tags);			or a null map
 *	if (pq_end_row(w) != 0) ... pq_error(w) ...
 * pq_null on a leaf makes that leaf null; on a group, every leaf under it
 * is null at the group's level (the group itself is null).  Putting a value
 * into a leaf of an optional group implies the group is present, so
 * within one row either pq_null(group) or values/nulls for each of its
 * leaves.
 *
 * Lower level, for nesting the helpers do not cover (a list of structs, a
 * map inside a list): pq_put_*_at() and pq_null_at() append one slot to
 * one leaf with explicit repetition and definition levels, exactly as the
 * Dremel encoding defines them; pq_levels() gives a node's levels.  The
 * writer does not check that levels written this way describe a valid
 * record; it does check each row starts (repetition level 0) exactly once
 * in every leaf.
 *
 * Misuse (a type that does not match the leaf, a null in a required leaf,
 * a leaf missing from a row) and I/O errors put the writer in a failed
 * state that the next pq_end_row() or pq_close() reports: they return -1
 * and pq_error() says why.  After that only pq_error(), pq_stats() and
 * pq_free() are meaningful.  The put functions return nothing, so the hot
 * path checks once per row.
 *
 * Memory: the writer holds one row group at a time, so memory is bounded
 * by the row-group byte limit (checked every PQ_CHECK_ROWS rows) plus one
 * dictionary per column.  Strings passed in are copied; the caller's
 * buffers may be reused at once.  Out of memory exits through xalloc.
 *
 * The writer assumes a little-endian host (PLAIN is little-endian and
 * values are copied as they are); it refuses to compile elsewhere.
 */
#ifndef VL_PARQUET_H
#define VL_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "schema.h"

enum pq_type {
	PQ_BOOLEAN,	/* BOOLEAN */
	PQ_INT32,	/* INT32, INTEGER(32, signed), INT_32: Delta integer */
	PQ_INT64,	/* INT64, INTEGER(64, signed), INT_64: Delta long */
	PQ_DOUBLE,	/* DOUBLE */
	PQ_STRING,	/* BYTE_ARRAY, STRING, UTF8 */
	PQ_DATE,	/* INT32 days since 1970-01-01, DATE */
	PQ_TIMESTAMP	/* INT64 microseconds since the epoch, UTC:
			 * TIMESTAMP(isAdjustedToUTC=true, MICROS) and
			 * TIMESTAMP_MICROS */
};

enum pq_rep { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };

/* Levels nest at most this deep (Delta checkpoints need 4). */
#define PQ_MAX_LEVEL	32
/* The row-group byte limit is checked every this many rows. */
#define PQ_CHECK_ROWS	64

struct pq_schema;

/* An empty schema: just the root (id 0, named "schema").  Never NULL. */
struct pq_schema *pq_schema_new(void);
void pq_schema_free(struct pq_schema *s);

/*
 * Adding nodes.  Each returns the new node's id (> 0).  parent must be the
 * root or a struct group (not a map or list: their inner nodes are made
 * for you).  Names are copied.  A bad parent, an empty name or a duplicate
 * name under one parent is a programming error: these abort with a
 * message, as they do for any id that is not a node.
 */
int pq_leaf(struct pq_schema *s, int parent, const char *name,
    enum pq_type type, enum pq_rep rep);
int pq_group(struct pq_schema *s, int parent, const char *name,
    enum pq_rep rep);
/*
 * map<string,string> in the standard 3-level layout:
 *	<rep> group name (MAP) { repeated group key_value {
 *	    required binary key (STRING); <optional|required> binary value
 *	    (STRING); } }
 * Returns the map node; its key leaf is pq_find(s, "name.key_value.key").
 */
int pq_map(struct pq_schema *s, int parent, const char *name,
    enum pq_rep rep, bool value_nullable);
/*
 * array<elem> in the standard 3-level layout:
 *	<rep> group name (LIST) { repeated group list {
 *	    <optional|required> <elem> element; } }
 * Returns the list node.
 */
int pq_list(struct pq_schema *s, int parent, const char *name,
    enum pq_rep rep, enum pq_type elem, bool elem_nullable);

/*
 * Adds one field of a table schema under parent: a leaf, or for a struct
 * a group with its fields; nullable means OPTIONAL.  Returns its node id.
 * A table schema's types all have a Parquet form, so this cannot fail.
 */
int pq_add_field(struct pq_schema *s, int parent, const struct field *f);
/* A new schema with every field of t, in order.  Never NULL. */
struct pq_schema *pq_schema_from(const struct schema *t);

/* The node at a dotted path from the root ("truth.episode"), or -1. */
int pq_find(const struct pq_schema *s, const char *path);
/* Number of leaves (columns) and of nodes, root included. */
int pq_columns(const struct pq_schema *s);
int pq_nodes(const struct pq_schema *s);
/* A node's definition and repetition levels: the number of optional or
 * repeated (resp. repeated) nodes from the root down to it, inclusive.  A
 * leaf's value slot has def = its definition level. */
void pq_levels(const struct pq_schema *s, int node, int *def, int *rep);
/* The leaf node of column i (0-based, depth-first order), or -1. */
int pq_column_node(const struct pq_schema *s, int i);

struct pq_options {
	enum codec codec;		/* CODEC_ZSTD */
	int level;			/* 0: the codec's default */
	uint64_t row_group_bytes;	/* 128 MiB of buffered data */
	uint64_t row_group_rows;	/* 1,048,576 rows; 0: no limit */
	uint32_t page_bytes;		/* 1 MiB: data pages are split
					 * near this uncompressed size */
	uint32_t dict_bytes;		/* 1 MiB: a chunk whose dictionary
					 * grows past this falls back to
					 * PLAIN; 0 disables dictionaries */
	const char *created_by;		/* NULL: "vitals-lakehouse version
					 * <VERSION> (build vl<VERSION>)" */
};

/* Fills in the defaults above. */
void pq_options_init(struct pq_options *o);

struct pq_writer;

/*
 * A writer of one file onto fd, which the caller opened for writing at
 * offset 0 and closes after pq_close (the writer only write(2)s to it; it
 * never seeks, so a pipe works too).  s must outlive the writer; o may be
 * NULL for the defaults.  Nothing is written before the first row group is
 * flushed.  Never NULL.
 */
struct pq_writer *pq_open(int fd, const struct pq_schema *s,
    const struct pq_options *o);

/* Adds a key/value pair to the footer (copied).  Before pq_close. */
void pq_kv(struct pq_writer *w, const char *key, const char *value);

/* Value into a leaf with no repeated ancestor, at repetition level 0. */
void pq_put_bool(struct pq_writer *w, int leaf, bool v);
void pq_put_i32(struct pq_writer *w, int leaf, int32_t v);	/* INT32, DATE */
void pq_put_i64(struct pq_writer *w, int leaf, int64_t v);	/* INT64, TIMESTAMP */
void pq_put_double(struct pq_writer *w, int leaf, double v);
/* s need not be NUL-terminated; it should be valid UTF-8 (not checked). */
void pq_put_str(struct pq_writer *w, int leaf, const char *s, size_t len);
/* A null at node (a leaf or a group) with no repeated ancestor; node must
 * be optional. */
void pq_null(struct pq_writer *w, int node);

/* A string for the map and list helpers; p == NULL is a null. */
struct pq_str {
	const char *p;
	size_t len;
};

/*
 * A whole map<string,string> (made by pq_map) or list of strings (pq_list
 * with PQ_STRING elements) for the current row; n == 0 writes an empty,
 * not a null, container.  The node must have no repeated ancestor.  A null
 * key, or a null value or element that the schema declares required, is
 * misuse.
 */
void pq_put_map(struct pq_writer *w, int map, const struct pq_str *keys,
    const struct pq_str *values, size_t n);
void pq_put_list(struct pq_writer *w, int list, const struct pq_str *elems,
    size_t n);

/* One slot with explicit levels: a value (its definition level is the
 * leaf's) or a null/empty marker with def below the leaf's level. */
void pq_put_bool_at(struct pq_writer *w, int leaf, int rep, bool v);
void pq_put_i32_at(struct pq_writer *w, int leaf, int rep, int32_t v);
void pq_put_i64_at(struct pq_writer *w, int leaf, int rep, int64_t v);
void pq_put_double_at(struct pq_writer *w, int leaf, int rep, double v);
void pq_put_str_at(struct pq_writer *w, int leaf, int rep, const char *s,
    size_t len);
void pq_null_at(struct pq_writer *w, int leaf, int rep, int def);

/*
 * Ends the current row: checks every leaf got it, and flushes a row group
 * when one of the limits is reached.  Returns 0, or -1 if the writer has
 * failed (misuse, or an I/O error while flushing): see pq_error.
 */
int pq_end_row(struct pq_writer *w);

/*
 * Flushes the rows held and writes the footer.  Returns 0 and the exact
 * file size in *size (may be NULL), or -1 (see pq_error).  The row started
 * but not ended is an error.  Does not close fd and does not free.
 */
int pq_close(struct pq_writer *w, uint64_t *size);

/* Why the writer failed ("" if it has not); an I/O error includes
 * strerror.  Owned by the writer. */
const char *pq_error(const struct pq_writer *w);
/* Rows ended so far, and bytes written to fd so far. */
uint64_t pq_rows(const struct pq_writer *w);
uint64_t pq_bytes_written(const struct pq_writer *w);
/* Bytes of the rows held for the row group not yet flushed: the measure
 * row_group_bytes is compared with, and most of the writer's memory. */
uint64_t pq_buffered(const struct pq_writer *w);

/*
 * Per-leaf statistics over the whole file, as Delta's add.stats wants
 * them, from the same pass that wrote the Parquet Statistics.  Complete
 * after pq_close (before it they cover the flushed row groups).
 */
struct pq_stats {
	uint64_t values;	/* slots holding a value */
	uint64_t nulls;		/* slots without one (null or empty) */
	uint64_t nans;		/* PQ_DOUBLE: NaN values, not in the bounds */
	bool has_bounds;	/* min/max hold: some non-null, non-NaN value */
	int64_t imin, imax;	/* INT32, INT64, DATE, TIMESTAMP; BOOLEAN 0/1 */
	double dmin, dmax;	/* DOUBLE (min -0.0 / max +0.0 for zeros) */
	const char *smin, *smax;	/* STRING: exact bytes, owned by the */
	size_t smin_len, smax_len;	/* writer, valid until pq_free */
};
/* The statistics of a leaf; NULL if leaf is not a leaf. */
const struct pq_stats *pq_stats(const struct pq_writer *w, int leaf);

/* Frees the writer (not the schema, not fd).  NULL is fine. */
void pq_free(struct pq_writer *w);

/*
 * Bytes exposed for tests: the RLE/bit-packed hybrid encoding of v[0..n)
 * at bit width (1..32), appended to *buf (grown with xgrow, *len and *cap
 * updated), without a length prefix.
 */
void pq_rle_encode(uint8_t **buf, size_t *len, size_t *cap,
    const uint32_t *v, size_t n, int width);

#endif
