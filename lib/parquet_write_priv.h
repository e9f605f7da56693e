/*
 * parquet_write_priv: what the files of the Parquet writer share, and
 * nothing outside them sees: the schema tree, the writer's state (its
 * columns with their buffered values, dictionaries and chunks, its row
 * groups and its output), and the functions one file calls in another.
 * The API is parquet.h.  The writer is
 *
 *	parquet.c		the writer's life cycle: open, end of row, row
 *				groups, close, the accessors, free
 *	parquet_schema.c	schemas: the pq_schema API
 *	parquet_values.c	values into a column: the put functions, and
 *				dictionaries (or PLAIN) per chunk
 *	parquet_pages.c		a chunk's dictionary and data pages, encoded,
 *				compressed and emitted, and the output buffer
 *	parquet_stats.c		a chunk's bounds and counts: its Statistics
 *				and the file's pq_stats
 *	parquet_footer.c	the FileMetaData
 *
 * over parquet_format.h (the parquet.thrift enums and field ids, shared
 * with the reader), parquet_rle.c (the RLE/bit-packed hybrid and its bit
 * widths, shared with the reader) and parquet_buf.h (byte buffers).
 */
#ifndef VL_PARQUET_WRITE_PRIV_H
#define VL_PARQUET_WRITE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "parquet.h"
#include "parquet_buf.h"
#include "thrift.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet writer copies values as PLAIN (little-endian) bytes"
#endif

/* ------------------------------------------------------------------ */
/* The schema tree, built by parquet_schema.c */

enum kind { K_ROOT, K_LEAF, K_GROUP, K_MAP, K_LIST, K_INNER };

struct node {
	char *name;
	int parent;
	enum kind kind;		/* K_INNER: the repeated group of a map or
				 * list, made by pq_map/pq_list */
	enum pq_type type;	/* K_LEAF */
	enum pq_rep rep;
	int def, replvl;	/* levels, this node included */
	int *kids;
	int nkids;
	size_t kidcap;
	int column;		/* K_LEAF: column index */
	int first_col, ncols;	/* the leaves under this node */
};

struct pq_schema {
	struct node *n;
	int nn;
	size_t cap;
	int *leaf;		/* column index -> node */
	int nleaves;
};

/* ------------------------------------------------------------------ */
/* The writer's state */

struct chunk {			/* one column chunk, kept for the footer */
	int64_t dict_off;	/* -1: no dictionary page */
	int64_t data_off;
	int64_t comp, uncomp;	/* page headers included */
	int64_t slots;
	bool dict;		/* data pages are RLE_DICTIONARY */
	uint64_t nulls, nans;
	bool has_bounds;
	uint8_t *min, *max;	/* PLAIN bytes (no length prefix) */
	size_t min_len, max_len;
};

struct rowgroup {
	int64_t rows, offset, comp, uncomp;
};

/* A dictionary of the distinct values of one chunk. */
struct dict {
	uint32_t *slots;	/* hash table: entry + 1, 0 empty */
	int shift;		/* slot = hash >> shift */
	size_t nslots;
	uint32_t n;		/* entries */
	uint32_t last;		/* the entry found last: monitors repeat
				 * values, and a compare is cheaper than a
				 * hash */
	uint64_t *keys;		/* fixed types: the value's bits;
				 * strings: the hash */
	uint32_t *off;		/* strings: entry offset in bytes */
	size_t keycap;
	struct pqf_buf bytes;	/* strings: PLAIN entries (length, bytes) */
	uint64_t page;		/* PLAIN size of the dictionary page */
};

struct col {
	int node;
	enum pq_type type;
	int width;		/* PLAIN bytes per value; 0 for strings */
	int max_def, max_rep;
	const char **path;	/* path_in_schema */
	int npath;

	uint8_t *def, *rep;	/* levels per slot (when max > 0) */
	size_t nslots, slotcap;
	uint64_t rows;		/* slots with rep == 0: rows begun */
	size_t nvals;		/* slots holding a value */
	uint64_t nulls, nans;

	bool dict_on;		/* values go to the dictionary */
	uint32_t *idx;		/* dictionary index per value */
	size_t idxcap;
	struct dict d;
	uint64_t plain_equiv;	/* PLAIN size of the values so far */
	struct pqf_buf plain;	/* PLAIN values (booleans: a byte each) */

	struct chunk *chunks;
	size_t nchunks, chunkcap;
	struct pq_stats file;
	struct pqf_buf fmin, fmax;	/* strings: the file bounds */
};

struct kv {
	char *key, *value;
};

struct pq_writer {
	int fd;
	const struct pq_schema *s;
	struct pq_options o;
	char *created_by;
	struct compressor *z;

	struct col *cols;
	int ncols;
	int *node_col;		/* node id -> column, or -1 */

	uint64_t rows;		/* rows ended */
	uint64_t rg_rows;	/* of which in the current row group */
	struct rowgroup *rgs;
	size_t nrgs, rgcap;
	struct kv *kvs;
	size_t nkvs, kvcap;

	int64_t offset;		/* bytes of the file produced so far */
	uint64_t written;	/* of which written to fd */
	struct pqf_buf out;	/* produced, not yet written */
	struct pqf_buf body, cbody;	/* page scratch: raw and compressed */
	uint32_t *lev;		/* levels widened for the encoder */
	size_t levcap;
	struct thrift t;

	bool failed, closed;
	char err[256];
};

/* ------------------------------------------------------------------ */
/* Across the files */

/* parquet.c.  pqw_fail puts the writer in the failed state with a
 * message, unless it failed already (the first cause is the one to
 * report); pqw_col_name is a column's name, for messages. */
void pqw_fail(struct pq_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *pqw_col_name(const struct pq_writer *w, const struct col *c);

/* parquet_values.c: a chunk's dictionary.  pqw_to_plain leaves
 * dictionary mode for the rest of the chunk (the values so far become
 * PLAIN); pqw_dict_reset empties a dictionary for the next chunk. */
void pqw_to_plain(struct col *c);
void pqw_dict_reset(struct dict *d);
void pqw_dict_free(struct dict *d);

/* The PLAIN bytes of c's dictionary entry e, with the length prefix for
 * strings; *n is how many. */
static inline const uint8_t *
pqw_dict_entry(const struct col *c, uint32_t e, size_t *n)
{
	if (c->type == PQ_STRING) {
		const uint8_t *p = c->d.bytes.p + c->d.off[e];
		*n = 4 + pqf_le32(p);
		return p;
	}
	*n = (size_t)c->width;
	return (const uint8_t *)&c->d.keys[e];
}

/* parquet_pages.c.  pqw_emit appends bytes to the file (to the output
 * buffer), pqw_drain writes the buffer to fd: 0, or -1 when the writer
 * has failed.  pqw_dict_page and pqw_data_pages write a chunk's pages and
 * return the bytes that count as uncompressed for the footer, or -1; bw
 * is the dictionary index width (pqf_dict_index_width) when the chunk
 * is dictionary-encoded. */
void pqw_emit(struct pq_writer *w, const void *p, size_t n);
int pqw_drain(struct pq_writer *w);
int64_t pqw_dict_page(struct pq_writer *w, struct col *c);
int64_t pqw_data_pages(struct pq_writer *w, struct col *c, int bw);

/* parquet_stats.c: the chunk's bounds and counts into k (for its
 * Statistics) and into c->file (pq_stats).  After the chunk's last
 * choice between dictionary and PLAIN. */
void pqw_chunk_stats(struct col *c, struct chunk *k);

/* parquet_footer.c: the FileMetaData, into w->t. */
void pqw_footer(struct pq_writer *w);

#endif
