/*
 * parquet_read_priv: what the files of the Parquet reader share, and
 * nothing outside them sees: the schema tree and the row groups as the
 * footer gives them, the reading state of each selected column, and the
 * functions one file calls in another.  The API is parquet_read.h.  The
 * reader is
 *
 *	parquet_read.c		opening and closing, the accessors, reading
 *				the file's bytes, and rows: selecting columns,
 *				opening chunks, collecting each column's slots
 *				of a row, pqr_value
 *	parquet_read_footer.c	the FileMetaData decoded
 *	parquet_read_schema.c	the schema tree rebuilt from the footer's list,
 *				what each leaf's values mean, the shapes of
 *				groups, the row groups checked against it
 *	parquet_read_pages.c	a chunk's pages in turn: headers, CRCs,
 *				decompression, dictionary and data pages
 *	parquet_read_values.c	a page's levels and values, in every encoding
 *	parquet_read_json.c	record assembly: a row, or a node of it, as
 *				JSON (pqr_json)
 *
 * over parquet_format.h (the parquet.thrift enums and field ids, shared
 * with the writer), parquet_rle.c (the RLE/bit-packed hybrid, shared with
 * the writer) and thrift.c (the compact protocol).
 */
#ifndef VL_PARQUET_READ_PRIV_H
#define VL_PARQUET_READ_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parquet_format.h"
#include "parquet_read.h"
#include "thrift.h"
#include "xalloc.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet reader reads PLAIN (little-endian) values as they are"
#endif

/* Schema nesting deeper than this is refused: levels are kept in bytes,
 * and the record assembly recurses once per level. */
#define MAX_DEPTH	64

/* ------------------------------------------------------------------ */
/* State */

/* How stored values become logical ones. */
enum conv {
	CV_NONE,	/* as stored */
	CV_UNSIGNED,	/* INT32 holding an unsigned value */
	CV_MILLIS,	/* INT64 milliseconds to microseconds */
	CV_NANOS,	/* INT64 nanoseconds to microseconds */
	CV_INT96,	/* Julian day + nanoseconds to microseconds */
	CV_FLOAT	/* FLOAT widened to double */
};

struct node {
	struct pqr_node pub;
	char *name;
	int *kids;
	int type_length;	/* FLBA */
	enum conv conv;
	bool three_level;	/* PQR_LIST: the element is the repeated
				 * group's only field (else the group) */
	int col_lo, col_hi;	/* the columns under this node */
	int sel_first;		/* the first selected column under it, or -1 */
	char why[48];
};

/* One column chunk's metadata, as the footer has it. */
struct chunk {
	int type, codec;
	int64_t num_values, data_off, dict_off, comp;
	bool has_dict_off;
};

struct rowgroup {
	int64_t rows;
	size_t first, n;	/* its chunks in pqr_file.chunks */
};

/* A value as decoded; strings point into a page or dictionary buffer, or
 * into a pin. */
struct val {
	union {
		int64_t i;
		double d;
	};
	const uint8_t *s;
	uint32_t len;
};

struct slot {
	uint8_t rep, def;
	struct val v;		/* when def is the leaf's maximum */
};

/* Strings of a row copied out of a page that is being replaced. */
struct pin {
	struct pin *next;
	uint8_t data[];
};

/* The reading state of one selected column. */
struct col {
	int node;
	const struct node *n;
	int max_def, max_rep;
	const struct chunk *ck;
	uint64_t pos, end;	/* chunk bytes not yet read */
	int64_t left;		/* chunk slots not yet in a page */
	bool seen_data, has_dict;

	struct val *dict;
	uint32_t ndict;
	size_t dictcap;
	uint8_t *dictbuf;
	size_t dictbufcap;

	uint8_t *hdr, *raw, *buf;	/* header window, page as stored,
					 * page decompressed */
	size_t hdrcap, rawcap, bufcap;
	uint8_t *rep, *def;
	size_t levcap;
	uint32_t *idx;		/* scratch for levels and indices */
	size_t idxcap;
	uint64_t *wide, *wide2;	/* scratch for DELTA_* integers */
	size_t widecap, wide2cap;
	uint8_t *aux;		/* values rebuilt from the page
				 * (DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT) */
	size_t auxcap;
	struct val *vals;
	size_t valcap;
	uint32_t nslots, at;	/* slots of the page, and the next one */
	uint32_t nvals, vat;	/* values of the page, and the next one */

	struct slot *row;	/* the current row's slots */
	size_t nrow, rowcap, take;
	struct pin *pins;
};

struct pqr_file {
	int fd;
	const uint8_t *mem;
	uint64_t size, data_end;	/* data_end: where the footer starts */
	struct pqr_options o;

	struct node *nodes;
	int nnodes;
	int *leaf;		/* column -> node */
	int nleaves;
	struct rowgroup *rgs;
	size_t nrgs, rgcap;
	struct chunk *chunks;
	size_t nchunks, chunkcap;
	int64_t num_rows;
	char *created_by;

	bool *selected;		/* per column */
	bool any_selected, started, done, failed;
	int *col_of;		/* column -> index in cols, or -1 */
	struct col *cols;
	int ncols;
	size_t rg;		/* next row group to open */
	int64_t rg_left;	/* rows left in the open one */
	int64_t row;

	char path[256];		/* scratch for column names in messages */
	char err[512];
};

/* A schema element as the footer gives it. */
struct elem {
	char *name;
	int32_t type, type_length, rep, nkids, converted, scale, precision;
	bool has_type, has_kids, has_rep, has_name;
	int logical;		/* LogicalType member, 0 if none */
	int unit;		/* TIME, TIMESTAMP */
	bool utc;
	int int_bits;		/* INTEGER: IntType.bitWidth */
	bool is_signed;
	int32_t lscale, lprecision;	/* DECIMAL */
};

/* ------------------------------------------------------------------ */
/* Thrift field loops */

/* A field id's bit in a set of the fields seen (ids below 32). */
#define FIELD_BIT(id)	(1u << (id))

/* Field loops share this shape: read each field, dispatch on its id,
 * skip what is not known.  A failed read leaves in->err set. */
#define FIELDS(in, id, t, rc) \
	while (((rc) = thrift_read_field((in), &(id), &(t))) == 1)

/* ------------------------------------------------------------------ */
/* Across the files */

/* parquet_read.c.  pqrd_fail puts the reader in the failed state with a
 * message unless it failed already (the first cause is the one to
 * report) and returns -1; pqrd_col_fail does the same for an error in a
 * column, naming it, its row group and the row; pqrd_node_path is a
 * node's dotted path, for messages (in f->path, until the next call). */
int pqrd_fail(struct pqr_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int pqrd_col_fail(struct pqr_file *f, const struct col *c, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
const char *pqrd_node_path(struct pqr_file *f, int id);

/* parquet_read.c: n bytes of the file at off into dst: 0, or -1 with
 * the reader failed. */
int pqrd_src_read(struct pqr_file *f, uint64_t off, void *dst, size_t n);

/* Scratch buffers.  pqrd_room makes *buf hold at least n bytes and does
 * not keep its contents (parquet_read.c); pqrd_need grows an array of
 * elem-sized entries to hold n, keeping them. */
void *pqrd_room(void *buf, size_t *cap, size_t n);

static inline void
pqrd_need(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (*cap < n)
		xgrow(arr, cap, n, elem);
}

/* For pqr_value and record assembly: the reading state of the column
 * whose levels lead node's (its first selected leaf), NULL if it has
 * none; and whether there is a current row. */
static inline struct col *
pqrd_col_of_node(struct pqr_file *f, int node)
{
	int k = f->nodes[node].sel_first;

	return k < 0 ? NULL : &f->cols[f->col_of[k]];
}

static inline bool
pqrd_have_row(const struct pqr_file *f)
{
	return f->started && !f->done && f->row >= 0;
}

/* parquet_read_footer.c: the FileMetaData in p[0 .. len) into f (its
 * row groups and chunks, num_rows, created_by), and its schema elements
 * into *elems (*nelems of them, which pqrd_free_elems frees) for
 * pqrd_build_tree.  0, or -1 with f failed. */
int pqrd_read_footer(struct pqr_file *f, const uint8_t *p, size_t len,
    struct elem **elems, size_t *nelems);
void pqrd_free_elems(struct elem *e, size_t n);

/* parquet_read_schema.c: the tree from the ne elements (which give up
 * their names to it), and the row groups checked against it.  0, or -1
 * with f failed. */
int pqrd_build_tree(struct pqr_file *f, struct elem *e, size_t ne);
int pqrd_check_row_groups(struct pqr_file *f);

/* Whether a leaf holds byte strings (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY). */
static inline bool
pqrd_is_bytes(const struct node *n)
{
	return n->pub.physical == PT_BYTE_ARRAY ||
	    n->pub.physical == PT_FIXED_LEN_BYTE_ARRAY;
}

/* parquet_read_pages.c: makes the column's next data page current
 * (pinning the current row's strings first).  0, or -1 with f failed. */
int pqrd_next_page(struct pqr_file *f, struct col *c);

/* parquet_read_values.c, for the pages: n PLAIN values of the column's
 * type from p[0 .. end) into out; the n values of a data page in
 * encoding enc into c->vals; n levels (each at most max) in encoding enc
 * into out, from *pp, which moves past them.  Each 0, or -1 with f
 * failed. */
int pqrd_plain(struct pqr_file *f, const struct col *c, const uint8_t *p,
    const uint8_t *end, uint32_t n, struct val *out);
int pqrd_values(struct pqr_file *f, struct col *c, int enc,
    const uint8_t *p, const uint8_t *end, uint32_t n);
int pqrd_levels(struct pqr_file *f, struct col *c, int enc,
    const uint8_t **pp, const uint8_t *end, bool prefixed, uint32_t n,
    int max, uint8_t *out);

/* parquet_read_values.c, for pqr_value and record assembly: a decoded
 * value of a PQR_DECIMAL column as its unscaled integer.  It is checked
 * here, as it is given out, rather than as pages are decoded: a value
 * no row asks for costs nothing.  0, or -1 with f failed when the value
 * has more digits than the column's precision (or, in bytes, none or
 * more than 128 bits). */
int pqrd_decimal(struct pqr_file *f, const struct col *c,
    const struct val *v, dec128 *out);

#endif
