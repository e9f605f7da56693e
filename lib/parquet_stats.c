/*
 * parquet_stats: a column chunk's statistics in the Parquet writer: exact
 * bounds in the column's type order (strings unsigned bytewise, doubles
 * without NaN and with Parquet's rule for zeros), in PLAIN form for the
 * chunk's Statistics, and folded into the whole file's bounds and counts
 * that pq_stats() gives (Delta's add.stats).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parquet_write_priv.h"
#include "xalloc.h"

/* Bounds longer than this are left out of the footer: exact but huge
 * bounds (a checkpoint's stats strings) would bloat every reader's
 * metadata.  pq_stats() still has them. */
#define MAX_BOUND_BYTES	4096

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
		size_t len = pqf_le32(p);
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
			bound_value(b, c, pqw_dict_entry(c, e, &n));
		}
		return;
	}
	for (size_t o = 0; o < c->plain.len;) {
		bound_value(b, c, c->plain.p + o);
		o += c->type == PQ_STRING ? 4 + pqf_le32(c->plain.p + o) :
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
keep_string(struct pqf_buf *dst, const uint8_t *p, size_t n, const char **s,
    size_t *len)
{
	dst->len = 0;
	pqf_buf_add(dst, p, n);
	pqf_buf_room(dst, 1);	/* so an empty bound still has a pointer */
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

void
pqw_chunk_stats(struct col *c, struct chunk *k)
{
	struct bounds b;

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
}
