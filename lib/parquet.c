#include "parquet.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"
#include "thrift.h"
#include "xalloc.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet.c copies values as PLAIN (little-endian) bytes"
#endif

#ifndef VL_VERSION
#define VL_VERSION "0.0.0"
#endif

/* Thrift enum values from parquet.thrift. */
enum {
	T_BOOLEAN = 0, T_INT32 = 1, T_INT64 = 2, T_DOUBLE = 5,
	T_BYTE_ARRAY = 6
};
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_RLE_DICTIONARY = 8 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };
enum {
	CT_UTF8 = 0, CT_MAP = 1, CT_LIST = 3, CT_DATE = 6,
	CT_TIMESTAMP_MICROS = 10, CT_INT_32 = 17, CT_INT_64 = 18
};

/* A data page never holds more slots than this, whatever its bytes. */
#define PAGE_MAX_SLOTS	(1u << 20)
/* Bounds longer than this are left out of the footer: exact but huge
 * bounds (a checkpoint's stats strings) would bloat every reader's
 * metadata.  pq_stats() still has them. */
#define MAX_BOUND_BYTES	4096
/* Write the output buffer to fd once it holds this much. */
#define OUT_HIGH	(1u << 20)
/* How often (in new dictionary entries) to ask whether the dictionary
 * still pays, and the test: more than half the values distinct. */
#define DICT_CHECK	4096

static const uint8_t magic[4] = { 'P', 'A', 'R', '1' };

/* ------------------------------------------------------------------ */
/* Schema */

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

static _Noreturn void
schema_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("parquet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static struct node *
node_at(const struct pq_schema *s, int id)
{
	if (id < 0 || id >= s->nn)
		schema_bug("no node %d", id);
	return &s->n[id];
}

/* Numbers the leaves depth-first, the order of Parquet's columns. */
static void
number(struct pq_schema *s, int id)
{
	struct node *n = &s->n[id];

	n->first_col = s->nleaves;
	if (n->kind == K_LEAF) {
		n->column = s->nleaves;
		s->leaf[s->nleaves++] = id;
	}
	for (int i = 0; i < n->nkids; i++)
		number(s, n->kids[i]);
	n->ncols = s->nleaves - n->first_col;
}

static void
renumber(struct pq_schema *s)
{
	s->leaf = xrealloc(s->leaf, (size_t)s->nn * sizeof *s->leaf);
	s->nleaves = 0;
	number(s, 0);
}

static int
add_node(struct pq_schema *s, int parent, const char *name, enum kind kind,
    enum pq_rep rep)
{
	struct node *p, *n;
	int id;

	p = node_at(s, parent);
	if (name == NULL || *name == '\0')
		schema_bug("empty name under node %d", parent);
	for (int i = 0; i < p->nkids; i++)
		if (strcmp(s->n[p->kids[i]].name, name) == 0)
			schema_bug("duplicate name %s", name);
	if (rep != PQ_REQUIRED && rep != PQ_OPTIONAL && rep != PQ_REPEATED)
		schema_bug("bad repetition for %s", name);
	xgrow(&s->n, &s->cap, (size_t)s->nn + 1, sizeof *s->n);
	id = s->nn++;
	p = &s->n[parent];
	n = &s->n[id];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->parent = parent;
	n->kind = kind;
	n->rep = rep;
	n->column = -1;
	n->def = p->def + (rep != PQ_REQUIRED);
	n->replvl = p->replvl + (rep == PQ_REPEATED);
	if (n->def > PQ_MAX_LEVEL)
		schema_bug("%s is nested too deeply", name);
	xgrow(&p->kids, &p->kidcap, (size_t)p->nkids + 1, sizeof *p->kids);
	p->kids[p->nkids++] = id;
	renumber(s);
	return id;
}

struct pq_schema *
pq_schema_new(void)
{
	struct pq_schema *s = xcalloc(1, sizeof *s);

	s->cap = 16;
	s->n = xcalloc((size_t)s->cap, sizeof *s->n);
	s->nn = 1;
	s->n[0].name = xstrdup("schema");
	s->n[0].kind = K_ROOT;
	s->n[0].column = -1;
	renumber(s);
	return s;
}

void
pq_schema_free(struct pq_schema *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->nn; i++) {
		free(s->n[i].name);
		free(s->n[i].kids);
	}
	free(s->n);
	free(s->leaf);
	free(s);
}

/* Users add fields to the root and to their own struct groups only: the
 * inner nodes of maps and lists have a fixed shape. */
static void
check_parent(const struct pq_schema *s, int parent)
{
	enum kind k = node_at(s, parent)->kind;

	if (k != K_ROOT && k != K_GROUP)
		schema_bug("node %d cannot have fields added", parent);
}

int
pq_leaf(struct pq_schema *s, int parent, const char *name,
    enum pq_type type, enum pq_rep rep)
{
	int id;

	check_parent(s, parent);
	if ((unsigned)type > PQ_TIMESTAMP)
		schema_bug("bad type for %s", name);
	id = add_node(s, parent, name, K_LEAF, rep);
	s->n[id].type = type;
	return id;
}

int
pq_group(struct pq_schema *s, int parent, const char *name, enum pq_rep rep)
{
	check_parent(s, parent);
	return add_node(s, parent, name, K_GROUP, rep);
}

int
pq_map(struct pq_schema *s, int parent, const char *name, enum pq_rep rep,
    bool value_nullable)
{
	int map, kv, id;

	check_parent(s, parent);
	map = add_node(s, parent, name, K_MAP, rep);
	kv = add_node(s, map, "key_value", K_INNER, PQ_REPEATED);
	id = add_node(s, kv, "key", K_LEAF, PQ_REQUIRED);
	s->n[id].type = PQ_STRING;
	id = add_node(s, kv, "value", K_LEAF,
	    value_nullable ? PQ_OPTIONAL : PQ_REQUIRED);
	s->n[id].type = PQ_STRING;
	return map;
}

int
pq_list(struct pq_schema *s, int parent, const char *name, enum pq_rep rep,
    enum pq_type elem, bool elem_nullable)
{
	int list, inner, id;

	check_parent(s, parent);
	if ((unsigned)elem > PQ_TIMESTAMP)
		schema_bug("bad element type for %s", name);
	list = add_node(s, parent, name, K_LIST, rep);
	inner = add_node(s, list, "list", K_INNER, PQ_REPEATED);
	id = add_node(s, inner, "element", K_LEAF,
	    elem_nullable ? PQ_OPTIONAL : PQ_REQUIRED);
	s->n[id].type = elem;
	return list;
}

int
pq_add_field(struct pq_schema *s, int parent, const struct field *f)
{
	static const enum pq_type map[] = {
		[FT_STRING] = PQ_STRING, [FT_INTEGER] = PQ_INT32,
		[FT_LONG] = PQ_INT64, [FT_DOUBLE] = PQ_DOUBLE,
		[FT_BOOLEAN] = PQ_BOOLEAN, [FT_TIMESTAMP] = PQ_TIMESTAMP,
		[FT_DATE] = PQ_DATE,
	};
	enum pq_rep rep = f->nullable ? PQ_OPTIONAL : PQ_REQUIRED;
	int g;

	if (f->type != FT_STRUCT)
		return pq_leaf(s, parent, f->name, map[f->type], rep);
	g = pq_group(s, parent, f->name, rep);
	for (size_t i = 0; i < f->sub->n; i++)
		pq_add_field(s, g, &f->sub->f[i]);
	return g;
}

struct pq_schema *
pq_schema_from(const struct schema *t)
{
	struct pq_schema *s = pq_schema_new();

	for (size_t i = 0; i < t->n; i++)
		pq_add_field(s, 0, &t->f[i]);
	return s;
}

int
pq_find(const struct pq_schema *s, const char *path)
{
	int id = 0;

	while (*path != '\0') {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		const struct node *n = &s->n[id];
		int next = -1;

		for (int i = 0; i < n->nkids; i++) {
			const char *name = s->n[n->kids[i]].name;
			if (strlen(name) == len && memcmp(name, path, len) == 0)
				next = n->kids[i];
		}
		if (next < 0)
			return -1;
		id = next;
		path += len;
		if (*path == '.' && *++path == '\0')
			return -1;
	}
	return id;
}

int
pq_columns(const struct pq_schema *s)
{
	return s->nleaves;
}

int
pq_nodes(const struct pq_schema *s)
{
	return s->nn;
}

void
pq_levels(const struct pq_schema *s, int node, int *def, int *rep)
{
	const struct node *n = node_at(s, node);

	*def = n->def;
	*rep = n->replvl;
}

int
pq_column_node(const struct pq_schema *s, int i)
{
	return i >= 0 && i < s->nleaves ? s->leaf[i] : -1;
}

/* ------------------------------------------------------------------ */
/* Growable byte buffers */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static uint8_t *
buf_room(struct buf *b, size_t n)
{
	if (b->cap - b->len < n)
		xgrow(&b->p, &b->cap, b->len + n, 1);
	return b->p + b->len;
}

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n > 0)
		memcpy(buf_room(b, n), p, n);
	b->len += n;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------------ */
/* RLE / bit-packed hybrid (Encodings.md) */

static void
raw_varint(struct buf *b, uint64_t v)
{
	uint8_t *p = buf_room(b, 10), *start = p;

	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len += (size_t)(p - start);
}

/* How many values from v[i] on equal v[i], counting at most max. */
static size_t
run_at(const uint32_t *v, size_t i, size_t n, size_t max)
{
	size_t k = 1;

	while (k < max && i + k < n && v[i + k] == v[i])
		k++;
	return k;
}

static void
rle_encode(struct buf *b, const uint32_t *v, size_t n, int width)
{
	size_t vbytes = ((size_t)width + 7) / 8;
	size_t i = 0;

	while (i < n) {
		size_t r = run_at(v, i, n, n - i);

		/* A run of 8 or more, or a tail that is all one value,
		 * goes as an RLE run: count, then the value. */
		if (r >= 8 || r == n - i) {
			raw_varint(b, (uint64_t)r << 1);
			uint8_t *p = buf_room(b, vbytes);
			for (size_t k = 0; k < vbytes; k++)
				p[k] = (uint8_t)(v[i] >> (8 * k));
			b->len += vbytes;
			i += r;
			continue;
		}
		/*
		 * Otherwise bit-pack groups of 8 until a group would start a
		 * run worth an RLE run.  Only the last group of all may be
		 * short: it is padded with zeros, and readers stop at the
		 * page's value count.
		 */
		size_t j = i + 8;
		while (j < n && run_at(v, j, n, 8) < 8)
			j += 8;
		size_t end = j < n ? j : n;
		size_t groups = (end - i + 7) / 8;
		raw_varint(b, (uint64_t)groups << 1 | 1);
		uint8_t *p = buf_room(b, groups * (size_t)width);
		uint64_t acc = 0;
		int bits = 0;
		for (size_t k = i; k < i + groups * 8; k++) {
			acc |= (uint64_t)(k < end ? v[k] : 0) << bits;
			bits += width;
			while (bits >= 8) {
				*p++ = (uint8_t)acc;
				acc >>= 8;
				bits -= 8;
			}
		}
		b->len += groups * (size_t)width;
		i = end;
	}
}

void
pq_rle_encode(uint8_t **p, size_t *len, size_t *cap, const uint32_t *v,
    size_t n, int width)
{
	struct buf b = { *p, *len, *cap };

	rle_encode(&b, v, n, width);
	*p = b.p;
	*len = b.len;
	*cap = b.cap;
}

/* Bits needed for values 0..max, at least 1. */
static int
bit_width(uint32_t max)
{
	int w = 1;

	while (w < 32 && (max >> w) != 0)
		w++;
	return w;
}

/* ------------------------------------------------------------------ */
/* Writer state */

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
	struct buf bytes;	/* strings: PLAIN entries (length, bytes) */
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
	struct buf plain;	/* PLAIN values (booleans: a byte each) */

	struct chunk *chunks;
	size_t nchunks, chunkcap;
	struct pq_stats file;
	struct buf fmin, fmax;	/* strings: the file bounds */
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
	struct buf out;		/* produced, not yet written */
	struct buf body, cbody;	/* page scratch: raw and compressed */
	uint32_t *lev;		/* levels widened for the encoder */
	size_t levcap;
	struct thrift t;

	bool failed, closed;
	char err[256];
};

static void
fail(struct pq_writer *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;		/* the first cause is the one to report */
	w->failed = true;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof w->err, fmt, ap);
	va_end(ap);
}

static const char *
col_name(const struct pq_writer *w, const struct col *c)
{
	return w->s->n[c->node].name;
}

void
pq_options_init(struct pq_options *o)
{
	memset(o, 0, sizeof *o);
	o->codec = CODEC_DEFAULT;
	o->row_group_bytes = UINT64_C(128) << 20;
	o->row_group_rows = UINT64_C(1) << 20;
	o->page_bytes = 1u << 20;
	o->dict_bytes = 1u << 20;
}

static int
fixed_width(enum pq_type t)
{
	switch (t) {
	case PQ_BOOLEAN:
		return 1;
	case PQ_INT32:
	case PQ_DATE:
		return 4;
	case PQ_INT64:
	case PQ_TIMESTAMP:
	case PQ_DOUBLE:
		return 8;
	case PQ_STRING:
		break;
	}
	return 0;
}

static void
init_col(struct pq_writer *w, struct col *c, int node)
{
	const struct pq_schema *s = w->s;
	const struct node *n = &s->n[node];
	int depth = 0;

	c->node = node;
	c->type = n->type;
	c->width = fixed_width(n->type);
	c->max_def = n->def;
	c->max_rep = n->replvl;
	for (int id = node; id != 0; id = s->n[id].parent)
		depth++;
	c->path = xcalloc((size_t)depth, sizeof *c->path);
	c->npath = depth;
	for (int id = node; id != 0; id = s->n[id].parent)
		c->path[--depth] = s->n[id].name;
	c->dict_on = w->o.dict_bytes > 0 && c->type != PQ_BOOLEAN;
}

struct pq_writer *
pq_open(int fd, const struct pq_schema *s, const struct pq_options *o)
{
	struct pq_writer *w = xcalloc(1, sizeof *w);

	w->fd = fd;
	w->s = s;
	if (o != NULL)
		w->o = *o;
	else
		pq_options_init(&w->o);
	if (w->o.page_bytes == 0)
		w->o.page_bytes = 1u << 20;
	if (w->o.created_by != NULL)
		w->created_by = xstrdup(w->o.created_by);
	else
		w->created_by = xstrdup("vitals-lakehouse version " VL_VERSION
		    " (build vl" VL_VERSION ")");
	w->o.created_by = NULL;
	w->z = compressor_new(w->o.codec, w->o.level);
	thrift_init(&w->t);
	w->ncols = s->nleaves;
	w->cols = xcalloc((size_t)(w->ncols ? w->ncols : 1), sizeof *w->cols);
	w->node_col = xmalloc((size_t)s->nn * sizeof *w->node_col);
	for (int i = 0; i < s->nn; i++)
		w->node_col[i] = s->n[i].column;
	for (int i = 0; i < w->ncols; i++)
		init_col(w, &w->cols[i], s->leaf[i]);
	for (int i = 0; i < s->nn; i++) {
		if (s->n[i].kind != K_LEAF && s->n[i].nkids == 0)
			fail(w, "group %s has no fields", s->n[i].name);
	}
	if (w->ncols == 0)
		fail(w, "the schema has no columns");
	return w;
}

void
pq_kv(struct pq_writer *w, const char *key, const char *value)
{
	xgrow(&w->kvs, &w->kvcap, w->nkvs + 1, sizeof *w->kvs);
	w->kvs[w->nkvs].key = xstrdup(key);
	w->kvs[w->nkvs].value = xstrdup(value);
	w->nkvs++;
}

/* ------------------------------------------------------------------ */
/* Dictionaries */

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n, x;

	while (n >= 8) {
		memcpy(&x, s, 8);
		h = (h ^ x) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	/* The last 1..7 bytes in at most two loads, which may overlap (the
	 * length is in h already): a memcpy of a variable length goes
	 * through the stack byte by byte, and it showed in profiles. */
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		x = (uint64_t)a << 32 | b;
		h = (h ^ x) * UINT64_C(0xff51afd7ed558ccd);
	} else if (n > 0) {
		x = (uint64_t)(uint8_t)s[0] << 16 |
		    (uint64_t)(uint8_t)s[n / 2] << 8 | (uint8_t)s[n - 1];
		h = (h ^ x) * UINT64_C(0xff51afd7ed558ccd);
	}
	return mix64(h);
}

/* Fibonacci hashing: the top bits of the product depend on every bit of
 * the value, which is what the table slot is taken from. */
static uint64_t
hash_fixed(uint64_t bits)
{
	return bits * UINT64_C(0x9e3779b97f4a7c15);
}

static void
dict_rehash(struct dict *d, size_t nslots)
{
	free(d->slots);
	d->slots = xcalloc(nslots, sizeof *d->slots);
	d->nslots = nslots;
	d->shift = 64;
	while (nslots > 1) {
		nslots >>= 1;
		d->shift--;
	}
}

static void
dict_reset(struct dict *d)
{
	if (d->slots != NULL)
		memset(d->slots, 0, d->nslots * sizeof *d->slots);
	d->n = 0;
	d->last = 0;
	d->bytes.len = 0;
	d->page = 0;
}

static void
dict_free(struct dict *d)
{
	free(d->slots);
	free(d->keys);
	free(d->off);
	free(d->bytes.p);
	memset(d, 0, sizeof *d);
}

/* Doubles the table when it is half full, from the stored hashes (or,
 * for fixed types, the values). */
static void
dict_grow(struct dict *d, bool strings)
{
	/* Most columns have a handful of distinct values: a small table
	 * to start keeps the 40-odd tables of a row group in cache. */
	size_t want = d->nslots ? d->nslots * 2 : 64;

	dict_rehash(d, want);
	for (uint32_t e = 0; e < d->n; e++) {
		uint64_t h = strings ? d->keys[e] : hash_fixed(d->keys[e]);
		size_t i = (size_t)(h >> d->shift);
		while (d->slots[i] != 0)
			i = (i + 1) & (d->nslots - 1);
		d->slots[i] = e + 1;
	}
}

static uint32_t
dict_new_entry(struct dict *d, size_t slot, uint64_t key)
{
	uint32_t e = d->n++;

	if (e >= d->keycap) {
		size_t cap = d->keycap;
		xgrow(&d->keys, &cap, (size_t)e + 1, sizeof *d->keys);
		d->off = xrealloc(d->off, cap * sizeof *d->off);
		d->keycap = cap;
	}
	d->keys[e] = key;
	d->slots[slot] = e + 1;
	return e;
}

static uint32_t
dict_fixed(struct dict *d, uint64_t bits, int width, bool *added)
{
	size_t i;

	*added = false;
	if (d->n > 0 && d->keys[d->last] == bits)
		return d->last;
	if ((size_t)d->n * 2 >= d->nslots)
		dict_grow(d, false);
	i = (size_t)(hash_fixed(bits) >> d->shift);
	for (;;) {
		uint32_t e = d->slots[i];
		if (e == 0)
			break;
		if (d->keys[e - 1] == bits)
			return d->last = e - 1;
		i = (i + 1) & (d->nslots - 1);
	}
	*added = true;
	d->page += (uint64_t)width;
	return d->last = dict_new_entry(d, i, bits);
}

static uint32_t
dict_string(struct dict *d, const char *s, size_t len, bool *added)
{
	const uint8_t *p;
	uint64_t h;
	size_t i;
	uint32_t e;

	*added = false;
	if (d->n > 0) {
		p = d->bytes.p + d->off[d->last];
		if (get_le32(p) == len && memcmp(p + 4, s, len) == 0)
			return d->last;
	}
	if ((size_t)d->n * 2 >= d->nslots)
		dict_grow(d, true);
	h = hash_bytes(s, len);
	i = (size_t)(h >> d->shift);
	while ((e = d->slots[i]) != 0) {
		p = d->bytes.p + d->off[e - 1];
		if (d->keys[e - 1] == h && get_le32(p) == len &&
		    memcmp(p + 4, s, len) == 0)
			return d->last = e - 1;
		i = (i + 1) & (d->nslots - 1);
	}
	*added = true;
	e = d->last = dict_new_entry(d, i, h);
	d->off[e] = (uint32_t)d->bytes.len;
	put_le32(buf_room(&d->bytes, 4), (uint32_t)len);
	d->bytes.len += 4;
	buf_add(&d->bytes, s, len);
	d->page = d->bytes.len;
	return e;
}

/* The PLAIN bytes of entry e, with the length prefix for strings. */
static const uint8_t *
dict_entry(const struct col *c, uint32_t e, size_t *n)
{
	if (c->type == PQ_STRING) {
		const uint8_t *p = c->d.bytes.p + c->d.off[e];
		*n = 4 + get_le32(p);
		return p;
	}
	*n = (size_t)c->width;
	return (const uint8_t *)&c->d.keys[e];
}

/* Leaves dictionary mode for the rest of the chunk: the indices so far
 * become PLAIN values. */
static void
to_plain(struct col *c)
{
	size_t nidx = c->nvals;

	c->plain.len = 0;
	for (size_t i = 0; i < nidx; i++) {
		size_t n;
		const uint8_t *p = dict_entry(c, c->idx[i], &n);
		buf_add(&c->plain, p, n);
	}
	c->dict_on = false;
	dict_reset(&c->d);
}

static void
add_index(struct pq_writer *w, struct col *c, uint32_t e, bool added)
{
	if (c->nvals >= c->idxcap)
		xgrow(&c->idx, &c->idxcap, c->nvals + 1, sizeof *c->idx);
	c->idx[c->nvals++] = e;
	/* Give up on the dictionary when its page outgrows the limit, or
	 * when most values are distinct: then it cannot pay. */
	if (added && (c->d.page > w->o.dict_bytes ||
	    (c->d.n % DICT_CHECK == 0 && (uint64_t)c->d.n * 2 > c->nvals)))
		to_plain(c);
}

/* ------------------------------------------------------------------ */
/* Putting values */

#define TYPES(a, b)	(1u << (a) | 1u << (b))

static struct col *
leaf_col(struct pq_writer *w, int leaf, unsigned types)
{
	struct col *c;

	if (leaf < 0 || leaf >= w->s->nn || w->node_col[leaf] < 0) {
		fail(w, "node %d is not a leaf", leaf);
		return NULL;
	}
	c = &w->cols[w->node_col[leaf]];
	if ((types & 1u << c->type) == 0) {
		fail(w, "column %s: value of the wrong type", col_name(w, c));
		return NULL;
	}
	return c;
}

static void
grow_slots(struct col *c)
{
	size_t cap = c->slotcap;

	xgrow(&c->def, &cap, c->nslots + 1, 1);
	if (c->max_rep > 0)
		c->rep = xrealloc(c->rep, cap);
	c->slotcap = cap;
}

static inline void
add_slot(struct col *c, int rep, int def)
{
	if (c->nslots == c->slotcap)
		grow_slots(c);
	c->def[c->nslots] = (uint8_t)def;
	if (c->rep != NULL)
		c->rep[c->nslots] = (uint8_t)rep;
	c->nslots++;
	c->rows += rep == 0;
}

static inline void
put_fixed(struct pq_writer *w, struct col *c, uint64_t bits)
{
	if (c->dict_on) {
		bool added;
		uint32_t e = dict_fixed(&c->d, bits, c->width, &added);
		add_index(w, c, e, added);
		return;
	}
	c->nvals++;
	buf_add(&c->plain, &bits, (size_t)c->width);
}

static void
put_string(struct pq_writer *w, struct col *c, const char *s, size_t len)
{
	if (len > INT32_MAX / 2) {
		fail(w, "column %s: string of %zu bytes is too long",
		    col_name(w, c), len);
		return;
	}
	c->plain_equiv += 4 + len;
	if (c->dict_on) {
		bool added;
		uint32_t e = dict_string(&c->d, s, len, &added);
		add_index(w, c, e, added);
		return;
	}
	c->nvals++;
	put_le32(buf_room(&c->plain, 4), (uint32_t)len);
	c->plain.len += 4;
	buf_add(&c->plain, s, len);
}

static bool
check_rep(struct pq_writer *w, struct col *c, int rep)
{
	if (rep < 0 || rep > c->max_rep) {
		fail(w, "column %s: repetition level %d out of range 0..%d",
		    col_name(w, c), rep, c->max_rep);
		return false;
	}
	return true;
}

void
pq_put_bool_at(struct pq_writer *w, int leaf, int rep, bool v)
{
	struct col *c = leaf_col(w, leaf, 1u << PQ_BOOLEAN);

	if (c == NULL || !check_rep(w, c, rep))
		return;
	add_slot(c, rep, c->max_def);
	c->nvals++;
	*buf_room(&c->plain, 1) = v;
	c->plain.len++;
}

void
pq_put_i32_at(struct pq_writer *w, int leaf, int rep, int32_t v)
{
	struct col *c = leaf_col(w, leaf, TYPES(PQ_INT32, PQ_DATE));

	if (c == NULL || !check_rep(w, c, rep))
		return;
	add_slot(c, rep, c->max_def);
	put_fixed(w, c, (uint32_t)v);
}

void
pq_put_i64_at(struct pq_writer *w, int leaf, int rep, int64_t v)
{
	struct col *c = leaf_col(w, leaf, TYPES(PQ_INT64, PQ_TIMESTAMP));

	if (c == NULL || !check_rep(w, c, rep))
		return;
	add_slot(c, rep, c->max_def);
	put_fixed(w, c, (uint64_t)v);
}

void
pq_put_double_at(struct pq_writer *w, int leaf, int rep, double v)
{
	struct col *c = leaf_col(w, leaf, 1u << PQ_DOUBLE);
	uint64_t bits;

	if (c == NULL || !check_rep(w, c, rep))
		return;
	add_slot(c, rep, c->max_def);
	c->nans += v != v;
	memcpy(&bits, &v, 8);
	put_fixed(w, c, bits);
}

void
pq_put_str_at(struct pq_writer *w, int leaf, int rep, const char *s,
    size_t len)
{
	struct col *c = leaf_col(w, leaf, 1u << PQ_STRING);

	if (c == NULL || !check_rep(w, c, rep))
		return;
	add_slot(c, rep, c->max_def);
	put_string(w, c, s, len);
}

void
pq_null_at(struct pq_writer *w, int leaf, int rep, int def)
{
	struct col *c = leaf_col(w, leaf, ~0u);

	if (c == NULL || !check_rep(w, c, rep))
		return;
	if (def < 0 || def >= c->max_def) {
		fail(w, "column %s: null at definition level %d, not in "
		    "0..%d", col_name(w, c), def, c->max_def - 1);
		return;
	}
	add_slot(c, rep, def);
	c->nulls++;
}

/*
 * The row-level puts write one slot at repetition level 0 into a leaf
 * that nothing repeats above: for it "one slot per row" is the whole
 * story.  They are the hot path (41 columns times a million rows), so
 * one lookup checks the node, the type and the flatness at once.
 */
static void
flat_misuse(struct pq_writer *w, int leaf, unsigned types)
{
	struct col *c = leaf_col(w, leaf, types);

	if (c != NULL)
		fail(w, "column %s is inside a repeated node: use the _at "
		    "functions", col_name(w, c));
}

static inline struct col *
flat_col(struct pq_writer *w, int leaf, unsigned types)
{
	if (leaf >= 0 && leaf < w->s->nn && w->node_col[leaf] >= 0) {
		struct col *c = &w->cols[w->node_col[leaf]];
		if ((types >> c->type & 1) && c->max_rep == 0)
			return c;
	}
	flat_misuse(w, leaf, types);
	return NULL;
}

static inline void
add_flat_slot(struct col *c)
{
	if (c->nslots == c->slotcap)
		grow_slots(c);
	c->def[c->nslots++] = (uint8_t)c->max_def;
	c->rows++;
}

void
pq_put_bool(struct pq_writer *w, int leaf, bool v)
{
	struct col *c = flat_col(w, leaf, 1u << PQ_BOOLEAN);

	if (c == NULL)
		return;
	add_flat_slot(c);
	c->nvals++;
	*buf_room(&c->plain, 1) = v;
	c->plain.len++;
}

void
pq_put_i32(struct pq_writer *w, int leaf, int32_t v)
{
	struct col *c = flat_col(w, leaf, TYPES(PQ_INT32, PQ_DATE));

	if (c == NULL)
		return;
	add_flat_slot(c);
	put_fixed(w, c, (uint32_t)v);
}

void
pq_put_i64(struct pq_writer *w, int leaf, int64_t v)
{
	struct col *c = flat_col(w, leaf, TYPES(PQ_INT64, PQ_TIMESTAMP));

	if (c == NULL)
		return;
	add_flat_slot(c);
	put_fixed(w, c, (uint64_t)v);
}

void
pq_put_double(struct pq_writer *w, int leaf, double v)
{
	struct col *c = flat_col(w, leaf, 1u << PQ_DOUBLE);
	uint64_t bits;

	if (c == NULL)
		return;
	add_flat_slot(c);
	c->nans += v != v;
	memcpy(&bits, &v, 8);
	put_fixed(w, c, bits);
}

void
pq_put_str(struct pq_writer *w, int leaf, const char *s, size_t len)
{
	struct col *c = flat_col(w, leaf, 1u << PQ_STRING);

	if (c == NULL)
		return;
	add_flat_slot(c);
	put_string(w, c, s, len);
}

void
pq_null(struct pq_writer *w, int node)
{
	const struct node *n;

	if (node <= 0 || node >= w->s->nn) {
		fail(w, "pq_null: no node %d", node);
		return;
	}
	n = &w->s->n[node];
	if (n->rep != PQ_OPTIONAL || n->replvl > 0) {
		fail(w, "%s: a null needs an optional node with no repeated "
		    "ancestor", n->name);
		return;
	}
	/* The leaves under a node are consecutive columns. */
	for (int i = n->first_col; i < n->first_col + n->ncols; i++) {
		add_slot(&w->cols[i], 0, n->def - 1);
		w->cols[i].nulls++;
	}
}

static const struct node *
container(struct pq_writer *w, int node, enum kind kind)
{
	const struct node *n;

	if (node <= 0 || node >= w->s->nn || w->s->n[node].kind != kind) {
		fail(w, "node %d is not a %s", node,
		    kind == K_MAP ? "map" : "list");
		return NULL;
	}
	n = &w->s->n[node];
	if (n->replvl > 0) {
		fail(w, "%s is inside a repeated node: use the _at "
		    "functions", n->name);
		return NULL;
	}
	return n;
}

/*
 * In both layouts the repeated inner group sits one level below the
 * container: an empty container is a slot at the container's own
 * definition level, and entry i > 0 repeats at level 1.
 */
void
pq_put_map(struct pq_writer *w, int map, const struct pq_str *keys,
    const struct pq_str *values, size_t n)
{
	const struct node *m = container(w, map, K_MAP);
	const struct node *kv;
	int key, val;

	if (m == NULL)
		return;
	kv = &w->s->n[m->kids[0]];
	key = kv->kids[0];
	val = kv->kids[1];
	if (n == 0) {
		pq_null_at(w, key, 0, m->def);
		pq_null_at(w, val, 0, m->def);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int rep = i > 0;
		if (keys[i].p == NULL) {
			fail(w, "%s: null map key", m->name);
			return;
		}
		pq_put_str_at(w, key, rep, keys[i].p, keys[i].len);
		if (values[i].p != NULL)
			pq_put_str_at(w, val, rep, values[i].p, values[i].len);
		else if (w->s->n[val].rep == PQ_OPTIONAL)
			pq_null_at(w, val, rep, kv->def);
		else
			fail(w, "%s: null value in a map of required "
			    "values", m->name);
	}
}

void
pq_put_list(struct pq_writer *w, int list, const struct pq_str *elems,
    size_t n)
{
	const struct node *l = container(w, list, K_LIST);
	const struct node *inner;
	int el;

	if (l == NULL)
		return;
	inner = &w->s->n[l->kids[0]];
	el = inner->kids[0];
	if (n == 0) {
		pq_null_at(w, el, 0, l->def);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int rep = i > 0;
		if (elems[i].p != NULL)
			pq_put_str_at(w, el, rep, elems[i].p, elems[i].len);
		else if (w->s->n[el].rep == PQ_OPTIONAL)
			pq_null_at(w, el, rep, inner->def);
		else
			fail(w, "%s: null element in a list of required "
			    "elements", l->name);
	}
}

/* ------------------------------------------------------------------ */
/* Output */

static int
write_out(struct pq_writer *w, const uint8_t *p, size_t n)
{
	if (write_all(w->fd, p, n) != 0) {
		fail(w, "write: %s", strerror(errno));
		return -1;
	}
	w->written += (uint64_t)n;
	return 0;
}

static int
drain(struct pq_writer *w)
{
	int rc = 0;

	if (w->out.len > 0 && !w->failed)
		rc = write_out(w, w->out.p, w->out.len);
	w->out.len = 0;
	return w->failed ? -1 : rc;
}

static void
emit(struct pq_writer *w, const void *p, size_t n)
{
	buf_add(&w->out, p, n);
	w->offset += (int64_t)n;
}

/* Writes a page (header, then the compressed body) and returns the bytes
 * that count as uncompressed for the footer (header + raw body), or -1. */
static int64_t
emit_page(struct pq_writer *w, int type, uint32_t slots, int encoding,
    uint32_t dict_entries)
{
	const uint8_t *body = w->body.p;
	size_t raw = w->body.len, comp = raw;
	struct thrift *t = &w->t;

	if (compressor_codec(w->z) != CODEC_NONE) {
		size_t bound = codec_bound(compressor_codec(w->z), raw);
		long long n;
		char err[160];

		w->cbody.len = 0;
		buf_room(&w->cbody, bound);
		n = compressor_run(w->z, body, raw, w->cbody.p, bound, err,
		    sizeof err);
		if (n < 0) {
			fail(w, "%s", err);
			return -1;
		}
		body = w->cbody.p;
		comp = (size_t)n;
	}
	if (raw > INT32_MAX || comp > INT32_MAX) {
		fail(w, "a page of %zu bytes does not fit Parquet's i32", raw);
		return -1;
	}
	thrift_reset(t);
	thrift_struct_begin(t);
	thrift_field_i32(t, 1, type);
	thrift_field_i32(t, 2, (int32_t)raw);
	thrift_field_i32(t, 3, (int32_t)comp);
	if (type == PAGE_DATA) {
		thrift_field_struct(t, 5);
		thrift_field_i32(t, 1, (int32_t)slots);
		thrift_field_i32(t, 2, encoding);
		thrift_field_i32(t, 3, ENC_RLE);
		thrift_field_i32(t, 4, ENC_RLE);
		thrift_struct_end(t);
	} else {
		thrift_field_struct(t, 7);
		thrift_field_i32(t, 1, (int32_t)dict_entries);
		thrift_field_i32(t, 2, ENC_PLAIN);
		thrift_field_bool(t, 3, false);
		thrift_struct_end(t);
	}
	thrift_struct_end(t);
	emit(w, t->buf, t->len);
	emit(w, body, comp);
	if (w->out.len >= OUT_HIGH && drain(w) != 0)
		return -1;
	return (int64_t)(t->len + raw);
}

/* Levels with their 4-byte length prefix, as data page v1 wants them. */
static void
encode_levels(struct pq_writer *w, const uint8_t *lev, size_t n, int max)
{
	size_t at = w->body.len;

	buf_room(&w->body, 4);
	w->body.len += 4;
	if (n > w->levcap) {
		free(w->lev);
		w->lev = xmalloc(n * sizeof *w->lev);
		w->levcap = n;
	}
	for (size_t i = 0; i < n; i++)
		w->lev[i] = lev[i];
	rle_encode(&w->body, w->lev, n, bit_width((uint32_t)max));
	put_le32(w->body.p + at, (uint32_t)(w->body.len - at - 4));
}

/* One data page: slots [s0, s1), values [v0, v1), PLAIN bytes [o0, o1). */
static int64_t
data_page(struct pq_writer *w, struct col *c, size_t s0, size_t s1,
    size_t v0, size_t v1, size_t o0, size_t o1, int bw)
{
	w->body.len = 0;
	if (c->max_rep > 0)
		encode_levels(w, c->rep + s0, s1 - s0, c->max_rep);
	if (c->max_def > 0)
		encode_levels(w, c->def + s0, s1 - s0, c->max_def);
	if (c->dict_on) {
		uint8_t b = (uint8_t)bw;
		buf_add(&w->body, &b, 1);
		rle_encode(&w->body, c->idx + v0, v1 - v0, bw);
	} else if (c->type == PQ_BOOLEAN) {
		/* PLAIN booleans are bit-packed, LSB first. */
		size_t n = v1 - v0;
		uint8_t *p = buf_room(&w->body, (n + 7) / 8);
		memset(p, 0, (n + 7) / 8);
		for (size_t i = 0; i < n; i++)
			p[i / 8] |= (uint8_t)(c->plain.p[v0 + i] << (i % 8));
		w->body.len += (n + 7) / 8;
	} else if (o1 > o0) {
		/* A chunk of nulls only has no PLAIN buffer: NULL + 0 is
		 * undefined. */
		buf_add(&w->body, c->plain.p + o0, o1 - o0);
	}
	return emit_page(w, PAGE_DATA, (uint32_t)(s1 - s0),
	    c->dict_on ? ENC_RLE_DICTIONARY : ENC_PLAIN, 0);
}

static int64_t
dict_page(struct pq_writer *w, struct col *c)
{
	w->body.len = 0;
	if (c->type == PQ_STRING) {
		buf_add(&w->body, c->d.bytes.p, c->d.bytes.len);
	} else {
		for (uint32_t e = 0; e < c->d.n; e++)
			buf_add(&w->body, &c->d.keys[e], (size_t)c->width);
	}
	return emit_page(w, PAGE_DICTIONARY, 0, ENC_PLAIN, c->d.n);
}

/*
 * Cuts the chunk into pages of about page_bytes of values, only where a
 * row starts (repetition level 0), and writes them.  Returns the
 * uncompressed bytes written, or -1.
 */
static int64_t
data_pages(struct pq_writer *w, struct col *c, int bw)
{
	uint64_t page_bits = (uint64_t)w->o.page_bytes * 8;
	size_t s = 0, v = 0, o = 0;
	int64_t total = 0;

	while (s < c->nslots) {
		size_t s0 = s, v0 = v, o0 = o;
		uint64_t bits = 0;

		while (s < c->nslots) {
			if (s > s0 && (c->rep == NULL || c->rep[s] == 0) &&
			    (bits >= page_bits || s - s0 >= PAGE_MAX_SLOTS))
				break;
			if (c->def[s] == c->max_def) {
				if (c->dict_on) {
					bits += (uint64_t)bw;
				} else if (c->type == PQ_STRING) {
					size_t len = get_le32(c->plain.p + o);
					o += 4 + len;
					bits += (4 + len) * 8;
				} else {
					o += (size_t)c->width;
					bits += c->type == PQ_BOOLEAN ? 1 :
					    (uint64_t)c->width * 8;
				}
				v++;
			}
			s++;
		}
		int64_t n = data_page(w, c, s0, s, v0, v, o0, o, bw);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

/* ------------------------------------------------------------------ */
/* Statistics */

/* Unsigned bytewise order, a shorter prefix first: Parquet's order for
 * strings (memcmp compares as unsigned char). */
static int
cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);

	if (r != 0)
		return r;
	return an < bn ? -1 : an > bn;
}

struct bounds {
	bool any;
	int64_t imin, imax;
	double dmin, dmax;
	const uint8_t *smin, *smax;
	size_t sminlen, smaxlen;
};

static void
bound_value(struct bounds *b, const struct col *c, const uint8_t *p)
{
	int64_t i;
	double d;
	int32_t i32;

	switch (c->type) {
	case PQ_STRING: {
		size_t len = get_le32(p);
		p += 4;
		if (!b->any || cmp_bytes(p, len, b->smin, b->sminlen) < 0) {
			b->smin = p;
			b->sminlen = len;
		}
		if (!b->any || cmp_bytes(p, len, b->smax, b->smaxlen) > 0) {
			b->smax = p;
			b->smaxlen = len;
		}
		b->any = true;
		return;
	}
	case PQ_DOUBLE:
		memcpy(&d, p, 8);
		if (d != d)
			return;
		if (!b->any || d < b->dmin)
			b->dmin = d;
		if (!b->any || d > b->dmax)
			b->dmax = d;
		b->any = true;
		return;
	case PQ_INT32:
	case PQ_DATE:
		memcpy(&i32, p, 4);
		i = i32;
		break;
	case PQ_BOOLEAN:
		i = *p != 0;
		break;
	default:
		memcpy(&i, p, 8);
		break;
	}
	if (!b->any || i < b->imin)
		b->imin = i;
	if (!b->any || i > b->imax)
		b->imax = i;
	b->any = true;
}

/* Bounds over the chunk's distinct values: its dictionary (every entry
 * is used) or its PLAIN values. */
static void
chunk_bounds(const struct col *c, struct bounds *b)
{
	memset(b, 0, sizeof *b);
	if (c->dict_on) {
		for (uint32_t e = 0; e < c->d.n; e++) {
			size_t n;
			bound_value(b, c, dict_entry(c, e, &n));
		}
		return;
	}
	for (size_t o = 0; o < c->plain.len;) {
		bound_value(b, c, c->plain.p + o);
		o += c->type == PQ_STRING ? 4 + get_le32(c->plain.p + o) :
		    (size_t)c->width;
	}
}

/* Parquet's rule for zeros: a 0 minimum is written -0.0 and a 0 maximum
 * +0.0, so that a reader comparing with either sign keeps the chunk. */
static void
zero_rule(struct bounds *b)
{
	if (b->dmin == 0)
		b->dmin = -0.0;
	if (b->dmax == 0)
		b->dmax = 0.0;
}

static uint8_t *
dup_bytes(const void *p, size_t n)
{
	uint8_t *q = xmalloc(n ? n : 1);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* The PLAIN form of a bound, for the footer. */
static uint8_t *
plain_bound(const struct col *c, const struct bounds *b, bool max, size_t *n)
{
	int32_t i32;
	int64_t i = max ? b->imax : b->imin;
	double d = max ? b->dmax : b->dmin;
	uint8_t v;

	switch (c->type) {
	case PQ_STRING:
		*n = max ? b->smaxlen : b->sminlen;
		return dup_bytes(max ? b->smax : b->smin, *n);
	case PQ_DOUBLE:
		*n = 8;
		return dup_bytes(&d, 8);
	case PQ_INT32:
	case PQ_DATE:
		i32 = (int32_t)i;
		*n = 4;
		return dup_bytes(&i32, 4);
	case PQ_BOOLEAN:
		v = (uint8_t)i;
		*n = 1;
		return dup_bytes(&v, 1);
	default:
		*n = 8;
		return dup_bytes(&i, 8);
	}
}

static void
keep_string(struct buf *dst, const uint8_t *p, size_t n, const char **s,
    size_t *len)
{
	dst->len = 0;
	buf_add(dst, p, n);
	buf_room(dst, 1);	/* so an empty bound still has a pointer */
	*s = (const char *)dst->p;
	*len = n;
}

/* Folds a chunk's bounds into the file's. */
static void
file_bounds(struct col *c, const struct bounds *b)
{
	struct pq_stats *f = &c->file;
	bool first = !f->has_bounds;

	if (!b->any)
		return;
	f->has_bounds = true;
	switch (c->type) {
	case PQ_STRING:
		if (first || cmp_bytes(b->smin, b->sminlen,
		    (const uint8_t *)f->smin, f->smin_len) < 0)
			keep_string(&c->fmin, b->smin, b->sminlen, &f->smin,
			    &f->smin_len);
		if (first || cmp_bytes(b->smax, b->smaxlen,
		    (const uint8_t *)f->smax, f->smax_len) > 0)
			keep_string(&c->fmax, b->smax, b->smaxlen, &f->smax,
			    &f->smax_len);
		break;
	case PQ_DOUBLE:
		/* Chunk bounds follow the zero rule already, so two zero
		 * bounds have the same sign and either may stay. */
		if (first || b->dmin < f->dmin)
			f->dmin = b->dmin;
		if (first || b->dmax > f->dmax)
			f->dmax = b->dmax;
		break;
	default:
		if (first || b->imin < f->imin)
			f->imin = b->imin;
		if (first || b->imax > f->imax)
			f->imax = b->imax;
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Row groups */

static uint64_t
buffered(const struct pq_writer *w)
{
	uint64_t n = 0;

	for (int i = 0; i < w->ncols; i++) {
		const struct col *c = &w->cols[i];
		n += c->nslots * (uint64_t)(1 + (c->rep != NULL));
		n += c->plain.len;
		if (c->dict_on)
			n += c->nvals * 4 + c->d.bytes.len + c->d.n * 12 +
			    c->d.nslots * 4;
	}
	return n;
}

/* Whether the dictionary still pays at the end of the chunk: its page
 * plus the bit-packed indices against the PLAIN values. */
static bool
dict_pays(const struct col *c, int bw)
{
	uint64_t plain = c->type == PQ_STRING ? c->plain_equiv :
	    (uint64_t)c->nvals * (uint64_t)c->width;

	return c->d.page + ((uint64_t)c->nvals * (uint64_t)bw + 7) / 8 < plain;
}

static int
write_chunk(struct pq_writer *w, struct col *c, struct chunk *k)
{
	struct bounds b;
	int64_t start = w->offset, n, uncomp = 0;
	int bw = 0;

	if (c->dict_on) {
		if (c->nvals == 0) {
			c->dict_on = false;
		} else {
			bw = bit_width(c->d.n - 1);
			if (!dict_pays(c, bw))
				to_plain(c);
		}
	}
	memset(k, 0, sizeof *k);
	k->dict_off = -1;
	k->slots = (int64_t)c->nslots;
	k->nulls = c->nulls;
	k->nans = c->nans;
	k->dict = c->dict_on;

	chunk_bounds(c, &b);
	if (b.any && c->type == PQ_DOUBLE)
		zero_rule(&b);
	file_bounds(c, &b);
	c->file.values += c->nvals;
	c->file.nulls += c->nulls;
	c->file.nans += c->nans;
	if (b.any) {
		k->min = plain_bound(c, &b, false, &k->min_len);
		k->max = plain_bound(c, &b, true, &k->max_len);
		k->has_bounds = k->min_len <= MAX_BOUND_BYTES &&
		    k->max_len <= MAX_BOUND_BYTES;
	}

	if (c->dict_on) {
		k->dict_off = start;
		if ((n = dict_page(w, c)) < 0)
			return -1;
		uncomp += n;
	}
	k->data_off = w->offset;
	if ((n = data_pages(w, c, bw)) < 0)
		return -1;
	uncomp += n;
	k->uncomp = uncomp;
	k->comp = w->offset - start;
	return 0;
}

static void
reset_col(struct pq_writer *w, struct col *c)
{
	c->nslots = 0;
	c->rows = 0;
	c->nvals = 0;
	c->nulls = 0;
	c->nans = 0;
	c->plain.len = 0;
	c->plain_equiv = 0;
	dict_reset(&c->d);
	c->dict_on = w->o.dict_bytes > 0 && c->type != PQ_BOOLEAN;
}

static int
flush_row_group(struct pq_writer *w)
{
	struct rowgroup *rg;

	if (w->failed)
		return -1;
	if (w->offset == 0)
		emit(w, magic, 4);
	xgrow(&w->rgs, &w->rgcap, w->nrgs + 1, sizeof *w->rgs);
	rg = &w->rgs[w->nrgs];
	memset(rg, 0, sizeof *rg);
	rg->rows = (int64_t)w->rg_rows;
	rg->offset = w->offset;
	for (int i = 0; i < w->ncols; i++) {
		struct col *c = &w->cols[i];
		xgrow(&c->chunks, &c->chunkcap, c->nchunks + 1,
		    sizeof *c->chunks);
		if (write_chunk(w, c, &c->chunks[c->nchunks]) != 0)
			return -1;
		rg->comp += c->chunks[c->nchunks].comp;
		rg->uncomp += c->chunks[c->nchunks].uncomp;
		c->nchunks++;
		reset_col(w, c);
	}
	w->nrgs++;
	w->rg_rows = 0;
	return drain(w);
}

int
pq_end_row(struct pq_writer *w)
{
	uint64_t want = w->rg_rows + 1;

	if (w->failed)
		return -1;
	if (w->closed) {
		fail(w, "row after pq_close");
		return -1;
	}
	for (int i = 0; i < w->ncols; i++) {
		if (w->cols[i].rows != want) {
			fail(w, "column %s: %s in row %llu",
			    col_name(w, &w->cols[i]),
			    w->cols[i].rows < want ? "no value" :
			    "more than one value", (unsigned long long)w->rows);
			return -1;
		}
	}
	w->rg_rows++;
	w->rows++;
	if ((w->o.row_group_rows > 0 && w->rg_rows >= w->o.row_group_rows) ||
	    (w->rg_rows % PQ_CHECK_ROWS == 0 &&
	    buffered(w) >= w->o.row_group_bytes))
		return flush_row_group(w);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Footer */

static void
schema_element(struct pq_writer *w, int id)
{
	static const int physical[] = {
		[PQ_BOOLEAN] = T_BOOLEAN, [PQ_INT32] = T_INT32,
		[PQ_INT64] = T_INT64, [PQ_DOUBLE] = T_DOUBLE,
		[PQ_STRING] = T_BYTE_ARRAY, [PQ_DATE] = T_INT32,
		[PQ_TIMESTAMP] = T_INT64,
	};
	const struct node *n = &w->s->n[id];
	struct thrift *t = &w->t;
	int converted = -1;

	thrift_elem_struct(t);
	if (n->kind == K_LEAF)
		thrift_field_i32(t, 1, physical[n->type]);
	if (n->kind != K_ROOT)
		thrift_field_i32(t, 3, n->rep);
	thrift_field_string(t, 4, n->name);
	if (n->kind != K_LEAF)
		thrift_field_i32(t, 5, n->nkids);
	if (n->kind == K_MAP)
		converted = CT_MAP;
	else if (n->kind == K_LIST)
		converted = CT_LIST;
	else if (n->kind == K_LEAF) {
		switch (n->type) {
		case PQ_STRING: converted = CT_UTF8; break;
		case PQ_DATE: converted = CT_DATE; break;
		case PQ_TIMESTAMP: converted = CT_TIMESTAMP_MICROS; break;
		case PQ_INT32: converted = CT_INT_32; break;
		case PQ_INT64: converted = CT_INT_64; break;
		default: break;
		}
	}
	if (converted >= 0) {
		thrift_field_i32(t, 6, converted);
		/* LogicalType is a union: one field, an (often empty)
		 * struct. */
		thrift_field_struct(t, 10);
		switch (converted) {
		case CT_MAP:
			thrift_field_struct(t, 2);
			break;
		case CT_LIST:
			thrift_field_struct(t, 3);
			break;
		case CT_UTF8:
			thrift_field_struct(t, 1);
			break;
		case CT_DATE:
			thrift_field_struct(t, 6);
			break;
		case CT_TIMESTAMP_MICROS:
			thrift_field_struct(t, 8);
			thrift_field_bool(t, 1, true);	/* isAdjustedToUTC */
			thrift_field_struct(t, 2);	/* unit */
			thrift_field_struct(t, 2);	/* MICROS */
			thrift_struct_end(t);
			thrift_struct_end(t);
			break;
		default:	/* INT_32, INT_64 */
			thrift_field_struct(t, 10);
			thrift_field_i8(t, 1, converted == CT_INT_32 ? 32 : 64);
			thrift_field_bool(t, 2, true);
			break;
		}
		thrift_struct_end(t);
		thrift_struct_end(t);
	}
	thrift_struct_end(t);
	for (int i = 0; i < n->nkids; i++)
		schema_element(w, n->kids[i]);
}

static void
statistics(struct pq_writer *w, const struct col *c, const struct chunk *k)
{
	struct thrift *t = &w->t;
	/* The deprecated min/max (1, 2) are signed-order bounds: the same
	 * as ours for numbers, wrong for strings, so strings go without. */
	bool legacy = k->has_bounds && c->type != PQ_STRING;

	thrift_field_struct(t, 12);
	if (legacy) {
		thrift_field_binary(t, 1, k->max, k->max_len);
		thrift_field_binary(t, 2, k->min, k->min_len);
	}
	thrift_field_i64(t, 3, (int64_t)k->nulls);
	if (k->has_bounds) {
		thrift_field_binary(t, 5, k->max, k->max_len);
		thrift_field_binary(t, 6, k->min, k->min_len);
		thrift_field_bool(t, 7, true);
		thrift_field_bool(t, 8, true);
	}
	if (c->type == PQ_DOUBLE)
		thrift_field_i64(t, 9, (int64_t)k->nans);
	thrift_struct_end(t);
}

static void
column_chunk(struct pq_writer *w, const struct col *c, const struct chunk *k)
{
	static const int physical[] = {
		[PQ_BOOLEAN] = T_BOOLEAN, [PQ_INT32] = T_INT32,
		[PQ_INT64] = T_INT64, [PQ_DOUBLE] = T_DOUBLE,
		[PQ_STRING] = T_BYTE_ARRAY, [PQ_DATE] = T_INT32,
		[PQ_TIMESTAMP] = T_INT64,
	};
	struct thrift *t = &w->t;
	int enc[3], nenc = 0;
	bool levels = c->max_def > 0 || c->max_rep > 0;

	/* PLAIN is there for the values or for the dictionary page. */
	enc[nenc++] = ENC_PLAIN;
	if (levels)
		enc[nenc++] = ENC_RLE;
	if (k->dict)
		enc[nenc++] = ENC_RLE_DICTIONARY;

	thrift_elem_struct(t);
	thrift_field_i64(t, 2, 0);
	thrift_field_struct(t, 3);
	thrift_field_i32(t, 1, physical[c->type]);
	thrift_field_list(t, 2, TT_I32, (uint32_t)nenc);
	for (int i = 0; i < nenc; i++)
		thrift_elem_i32(t, enc[i]);
	thrift_field_list(t, 3, TT_BINARY, (uint32_t)c->npath);
	for (int i = 0; i < c->npath; i++)
		thrift_elem_string(t, c->path[i]);
	thrift_field_i32(t, 4, (int32_t)compressor_codec(w->z));
	thrift_field_i64(t, 5, k->slots);
	thrift_field_i64(t, 6, k->uncomp);
	thrift_field_i64(t, 7, k->comp);
	thrift_field_i64(t, 9, k->data_off);
	if (k->dict_off >= 0)
		thrift_field_i64(t, 11, k->dict_off);
	statistics(w, c, k);
	thrift_struct_end(t);	/* ColumnMetaData */
	thrift_struct_end(t);	/* ColumnChunk */
}

static void
footer(struct pq_writer *w)
{
	struct thrift *t = &w->t;

	thrift_reset(t);
	thrift_struct_begin(t);
	thrift_field_i32(t, 1, 1);
	thrift_field_list(t, 2, TT_STRUCT, (uint32_t)w->s->nn);
	schema_element(w, 0);
	thrift_field_i64(t, 3, (int64_t)w->rows);
	thrift_field_list(t, 4, TT_STRUCT, (uint32_t)w->nrgs);
	for (size_t g = 0; g < w->nrgs; g++) {
		const struct rowgroup *rg = &w->rgs[g];
		thrift_elem_struct(t);
		thrift_field_list(t, 1, TT_STRUCT, (uint32_t)w->ncols);
		for (int i = 0; i < w->ncols; i++)
			column_chunk(w, &w->cols[i], &w->cols[i].chunks[g]);
		thrift_field_i64(t, 2, rg->uncomp);
		thrift_field_i64(t, 3, rg->rows);
		thrift_field_i64(t, 5, rg->offset);
		thrift_field_i64(t, 6, rg->comp);
		thrift_field_i16(t, 7, (int16_t)g);
		thrift_struct_end(t);
	}
	if (w->nkvs > 0) {
		thrift_field_list(t, 5, TT_STRUCT, (uint32_t)w->nkvs);
		for (size_t i = 0; i < w->nkvs; i++) {
			thrift_elem_struct(t);
			thrift_field_string(t, 1, w->kvs[i].key);
			thrift_field_string(t, 2, w->kvs[i].value);
			thrift_struct_end(t);
		}
	}
	thrift_field_string(t, 6, w->created_by);
	/* ColumnOrder is a union whose only member, TYPE_ORDER, is an
	 * empty struct. */
	thrift_field_list(t, 7, TT_STRUCT, (uint32_t)w->ncols);
	for (int i = 0; i < w->ncols; i++) {
		thrift_elem_struct(t);
		thrift_field_struct(t, 1);
		thrift_struct_end(t);
		thrift_struct_end(t);
	}
	thrift_struct_end(t);
}

int
pq_close(struct pq_writer *w, uint64_t *size)
{
	uint8_t len[4];

	if (w->failed)
		return -1;
	if (w->closed) {
		fail(w, "pq_close called twice");
		return -1;
	}
	for (int i = 0; i < w->ncols; i++) {
		if (w->cols[i].nslots > 0 && w->cols[i].rows > w->rg_rows) {
			fail(w, "column %s: a row was begun but not ended",
			    col_name(w, &w->cols[i]));
			return -1;
		}
	}
	w->closed = true;
	if (w->rg_rows > 0 && flush_row_group(w) != 0)
		return -1;
	if (w->offset == 0)
		emit(w, magic, 4);
	footer(w);
	emit(w, w->t.buf, w->t.len);
	put_le32(len, (uint32_t)w->t.len);
	emit(w, len, 4);
	emit(w, magic, 4);
	if (drain(w) != 0)
		return -1;
	if (size != NULL)
		*size = (uint64_t)w->offset;
	return 0;
}

const char *
pq_error(const struct pq_writer *w)
{
	return w->err;
}

uint64_t
pq_rows(const struct pq_writer *w)
{
	return w->rows;
}

uint64_t
pq_bytes_written(const struct pq_writer *w)
{
	return w->written;
}

const struct pq_stats *
pq_stats(const struct pq_writer *w, int leaf)
{
	if (leaf < 0 || leaf >= w->s->nn || w->node_col[leaf] < 0)
		return NULL;
	return &w->cols[w->node_col[leaf]].file;
}

void
pq_free(struct pq_writer *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < w->ncols; i++) {
		struct col *c = &w->cols[i];
		free(c->path);
		free(c->def);
		free(c->rep);
		free(c->idx);
		free(c->plain.p);
		dict_free(&c->d);
		for (size_t k = 0; k < c->nchunks; k++) {
			free(c->chunks[k].min);
			free(c->chunks[k].max);
		}
		free(c->chunks);
		free(c->fmin.p);
		free(c->fmax.p);
	}
	for (size_t i = 0; i < w->nkvs; i++) {
		free(w->kvs[i].key);
		free(w->kvs[i].value);
	}
	free(w->kvs);
	free(w->cols);
	free(w->node_col);
	free(w->rgs);
	free(w->out.p);
	free(w->body.p);
	free(w->cbody.p);
	free(w->lev);
	thrift_free(&w->t);
	compressor_free(w->z);
	free(w->created_by);
	free(w);
}
