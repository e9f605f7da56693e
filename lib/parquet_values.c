/*
 * parquet_values: values into the Parquet writer's columns.  The put
 * functions of parquet.h add a slot (its levels) per value or null and
 * the value itself, either as PLAIN bytes or, while a chunk's dictionary
 * pays, as an index into that dictionary: a hash table of the chunk's
 * distinct values, given up for PLAIN when it grows too big or most
 * values are distinct.  The hot path of the writer, so the dictionary
 * keeps its own table rather than lib/strindex: it numbers values of any
 * width in one flat byte buffer (the page's own layout), keeps each
 * string's hash to grow without hashing again, and takes slots from the
 * high bits (Fibonacci hashing) so that fixed-width values need one
 * multiply, not a string hash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "parquet_write_priv.h"
#include "xalloc.h"

/* How often (in new dictionary entries) to ask whether the dictionary
 * still pays, and the test: more than half the values distinct. */
#define DICT_CHECK	4096

/* ------------------------------------------------------------------ */
/* Dictionaries */

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

void
pqw_dict_reset(struct dict *d)
{
	if (d->slots != NULL)
		memset(d->slots, 0, d->nslots * sizeof *d->slots);
	d->n = 0;
	d->last = 0;
	d->bytes.len = 0;
	d->page = 0;
}

void
pqw_dict_free(struct dict *d)
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
		if (pqf_le32(p) == len && memcmp(p + 4, s, len) == 0)
			return d->last;
	}
	if ((size_t)d->n * 2 >= d->nslots)
		dict_grow(d, true);
	h = hash_bytes(s, len, 0);
	i = (size_t)(h >> d->shift);
	while ((e = d->slots[i]) != 0) {
		p = d->bytes.p + d->off[e - 1];
		if (d->keys[e - 1] == h && pqf_le32(p) == len &&
		    memcmp(p + 4, s, len) == 0)
			return d->last = e - 1;
		i = (i + 1) & (d->nslots - 1);
	}
	*added = true;
	e = d->last = dict_new_entry(d, i, h);
	d->off[e] = (uint32_t)d->bytes.len;
	pqf_put_le32(pqf_buf_room(&d->bytes, 4), (uint32_t)len);
	d->bytes.len += 4;
	pqf_buf_add(&d->bytes, s, len);
	d->page = d->bytes.len;
	return e;
}

/* Leaves dictionary mode for the rest of the chunk: the indices so far
 * become PLAIN values. */
void
pqw_to_plain(struct col *c)
{
	size_t nidx = c->nvals;

	c->plain.len = 0;
	for (size_t i = 0; i < nidx; i++) {
		size_t n;
		const uint8_t *p = pqw_dict_entry(c, c->idx[i], &n);
		pqf_buf_add(&c->plain, p, n);
	}
	c->dict_on = false;
	pqw_dict_reset(&c->d);
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
		pqw_to_plain(c);
}

/* ------------------------------------------------------------------ */
/* Putting values */

#define TYPES(a, b)	(1u << (a) | 1u << (b))

static struct col *
leaf_col(struct pq_writer *w, int leaf, unsigned types)
{
	struct col *c;

	if (leaf < 0 || leaf >= w->s->nn || w->node_col[leaf] < 0) {
		pqw_fail(w, "node %d is not a leaf", leaf);
		return NULL;
	}
	c = &w->cols[w->node_col[leaf]];
	if ((types & 1u << c->type) == 0) {
		pqw_fail(w, "column %s: value of the wrong type",
		    pqw_col_name(w, c));
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
	pqf_buf_add(&c->plain, &bits, (size_t)c->width);
}

static void
put_string(struct pq_writer *w, struct col *c, const char *s, size_t len)
{
	if (len > INT32_MAX / 2) {
		pqw_fail(w, "column %s: string of %zu bytes is too long",
		    pqw_col_name(w, c), len);
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
	pqf_put_le32(pqf_buf_room(&c->plain, 4), (uint32_t)len);
	c->plain.len += 4;
	pqf_buf_add(&c->plain, s, len);
}

static bool
check_rep(struct pq_writer *w, struct col *c, int rep)
{
	if (rep < 0 || rep > c->max_rep) {
		pqw_fail(w, "column %s: repetition level %d out of range 0..%d",
		    pqw_col_name(w, c), rep, c->max_rep);
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
	*pqf_buf_room(&c->plain, 1) = v;
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
		pqw_fail(w, "column %s: null at definition level %d, not in "
		    "0..%d", pqw_col_name(w, c), def, c->max_def - 1);
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
		pqw_fail(w, "column %s is inside a repeated node: use the _at "
		    "functions", pqw_col_name(w, c));
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
	*pqf_buf_room(&c->plain, 1) = v;
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
		pqw_fail(w, "pq_null: no node %d", node);
		return;
	}
	n = &w->s->n[node];
	if (n->rep != PQ_OPTIONAL || n->replvl > 0) {
		pqw_fail(w, "%s: a null needs an optional node with no "
		    "repeated ancestor", n->name);
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
		pqw_fail(w, "node %d is not a %s", node,
		    kind == K_MAP ? "map" : "list");
		return NULL;
	}
	n = &w->s->n[node];
	if (n->replvl > 0) {
		pqw_fail(w, "%s is inside a repeated node: use the _at "
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
			pqw_fail(w, "%s: null map key", m->name);
			return;
		}
		pq_put_str_at(w, key, rep, keys[i].p, keys[i].len);
		if (values[i].p != NULL)
			pq_put_str_at(w, val, rep, values[i].p, values[i].len);
		else if (w->s->n[val].rep == PQ_OPTIONAL)
			pq_null_at(w, val, rep, kv->def);
		else
			pqw_fail(w, "%s: null value in a map of required "
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
			pqw_fail(w, "%s: null element in a list of required "
			    "elements", l->name);
	}
}
