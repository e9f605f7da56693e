/*
 * parquet_read_values: a page's levels and values in the Parquet reader.
 * Levels in the RLE/bit-packed hybrid or the deprecated BIT_PACKED;
 * values in PLAIN, PLAIN_DICTIONARY and RLE_DICTIONARY, RLE (booleans),
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
 * BYTE_STREAM_SPLIT, each converted to its logical meaning (timestamps
 * to microseconds, INT96, FLOAT widened, unsigned INT32).  Every length
 * is checked against the page's bytes before it is used.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "isotime.h"
#include "parquet_buf.h"
#include "parquet_format.h"
#include "parquet_read_priv.h"
#include "parquet_rle.h"
#include "sparkval.h"
#include "thrift.h"

/* The Julian day of 1970-01-01, for INT96 timestamps. */
#define JULIAN_EPOCH	INT64_C(2440588)

/* ------------------------------------------------------------------ */
/* Values */

static const char *
encoding_name(int e)
{
	switch (e) {
	case ENC_GROUP_VAR_INT: return "GROUP_VAR_INT";
	case ENC_BIT_PACKED: return "BIT_PACKED";
	}
	return "unknown";
}

static int
micros(struct pqr_file *f, const struct col *c, int64_t *x)
{
	int64_t v = *x;

	switch (c->n->conv) {
	case CV_MILLIS:
		if (__builtin_mul_overflow(v, 1000, x))
			return pqrd_col_fail(f, c,
			    "timestamp %lld ms is out of range", (long long)v);
		break;
	case CV_NANOS:
		*x = v / 1000 - (v % 1000 < 0);
		break;
	case CV_UNSIGNED:
		*x = (uint32_t)v;
		break;
	default:
		break;
	}
	return 0;
}

/* Spark's INT96: nanoseconds within the day, then the Julian day. */
static int
int96(struct pqr_file *f, const struct col *c, const uint8_t *p, int64_t *us)
{
	uint64_t nanos;
	int64_t day = (int32_t)pqf_le32(p + 8), t;

	memcpy(&nanos, p, 8);
	if (nanos >= UINT64_C(86400000000000) ||
	    __builtin_mul_overflow(day - JULIAN_EPOCH, USEC_PER_DAY, &t) ||
	    __builtin_add_overflow(t, (int64_t)(nanos / 1000), us))
		return pqrd_col_fail(f, c, "INT96 timestamp out of range");
	return 0;
}

int
pqrd_decimal(struct pqr_file *f, const struct col *c, const struct val *v,
    dec128 *out)
{
	const struct pqr_node *n = &c->n->pub;

	if (!pqrd_is_bytes(c->n))
		*out = v->i;
	else if (decimal_from_be(v->s, v->len, out) != 0)
		return pqrd_col_fail(f, c, "row %lld: a DECIMAL of %u bytes",
		    (long long)f->row, (unsigned)v->len);
	if (!decimal_fits(*out, n->precision))
		return pqrd_col_fail(f, c, "row %lld: a value with more digits "
		    "than DECIMAL(%d,%d)", (long long)f->row, n->precision,
		    n->scale);
	return 0;
}

/* n PLAIN values of the column's type from p[0 .. end) into out. */
int
pqrd_plain(struct pqr_file *f, const struct col *c, const uint8_t *p,
    const uint8_t *end, uint32_t n, struct val *out)
{
	size_t have = (size_t)(end - p), width = 0;
	int32_t i32;
	float fl;

	switch (c->n->pub.physical) {
	case PT_BOOLEAN:
		if (have < ((size_t)n + 7) / 8)
			return pqrd_col_fail(f, c,
			    "PLAIN booleans are cut short");
		for (uint32_t k = 0; k < n; k++)
			out[k].i = p[k / 8] >> (k % 8) & 1;
		return 0;
	case PT_INT32: case PT_FLOAT: width = 4; break;
	case PT_INT64: case PT_DOUBLE: width = 8; break;
	case PT_INT96: width = 12; break;
	case PT_FIXED_LEN_BYTE_ARRAY: width = (size_t)c->n->type_length; break;
	case PT_BYTE_ARRAY:
		for (uint32_t k = 0; k < n; k++) {
			uint32_t len;
			if ((size_t)(end - p) < 4 ||
			    (len = pqf_le32(p)) > (size_t)(end - p) - 4)
				return pqrd_col_fail(f, c,
				    "PLAIN byte array %u of %u is cut short",
				    k, n);
			out[k].s = p + 4;
			out[k].len = len;
			p += 4 + (size_t)len;
		}
		return 0;
	}
	if (have / width < n)
		return pqrd_col_fail(f, c,
		    "%u PLAIN values need %zu bytes, the page has %zu", n,
		    (size_t)n * width, have);
	for (uint32_t k = 0; k < n; k++, p += width) {
		switch (c->n->pub.physical) {
		case PT_INT32:
			memcpy(&i32, p, 4);
			out[k].i = i32;
			if (micros(f, c, &out[k].i) != 0)
				return -1;
			break;
		case PT_INT64:
			memcpy(&out[k].i, p, 8);
			if (micros(f, c, &out[k].i) != 0)
				return -1;
			break;
		case PT_FLOAT:
			memcpy(&fl, p, 4);
			out[k].d = fl;
			break;
		case PT_DOUBLE:
			memcpy(&out[k].d, p, 8);
			break;
		case PT_INT96:
			if (int96(f, c, p, &out[k].i) != 0)
				return -1;
			break;
		default:	/* FLBA */
			out[k].s = p;
			out[k].len = (uint32_t)width;
			break;
		}
	}
	return 0;
}

/* width bits (0..64) at bit offset bit of p, LSB first. */
static uint64_t
bits_at(const uint8_t *p, size_t bit, int width)
{
	uint64_t v = 0;
	size_t byte = bit / 8;
	int off = (int)(bit % 8), got = 0;

	while (got < width) {
		v |= (uint64_t)(p[byte++] >> off) << got;
		got += 8 - off;
		off = 0;
	}
	return width < 64 ? v & ((UINT64_C(1) << width) - 1) : v;
}

/* A varint of DELTA_BINARY_PACKED: NULL, or short when the bytes end
 * first. */
static const char *
delta_varint(const uint8_t **p, const uint8_t *end, uint64_t *v,
    const char *short_msg)
{
	switch (thrift_get_varint(p, end, v)) {
	case 0:
		return NULL;
	case -1:
		return short_msg;
	}
	return "a DELTA_BINARY_PACKED varint is longer than 64 bits";
}

/*
 * DELTA_BINARY_PACKED (Encodings.md): exactly n integers into out, as
 * 64-bit patterns (the arithmetic wraps, as the encoding allows); *pp is
 * moved past them.  NULL, or why the bytes are not such integers.
 */
static const char *
delta_packed(const uint8_t **pp, const uint8_t *end, uint64_t *out, size_t n)
{
	static const char hdr_short[] =
	    "a DELTA_BINARY_PACKED header is cut short";
	static const char block_short[] =
	    "a DELTA_BINARY_PACKED block is cut short";
	const uint8_t *p = *pp, *widths;
	const char *why;
	uint64_t bsize, nmini, count, zz, per, k = 0, v;

	if ((why = delta_varint(&p, end, &bsize, hdr_short)) != NULL ||
	    (why = delta_varint(&p, end, &nmini, hdr_short)) != NULL ||
	    (why = delta_varint(&p, end, &count, hdr_short)) != NULL ||
	    (why = delta_varint(&p, end, &zz, hdr_short)) != NULL)
		return why;
	if (bsize == 0 || bsize % 128 != 0 || nmini == 0 || nmini > bsize ||
	    bsize % nmini != 0 || (bsize / nmini) % 32 != 0)
		return "a DELTA_BINARY_PACKED header has bad block sizes";
	if (count != n)
		return "DELTA_BINARY_PACKED holds another number of values "
		    "than the page";
	per = bsize / nmini;
	v = (uint64_t)thrift_unzigzag(zz);
	if (n > 0)
		out[k++] = v;
	while (k < n) {
		if ((why = delta_varint(&p, end, &zz, block_short)) != NULL)
			return why;
		if ((uint64_t)(end - p) < nmini)
			return block_short;
		uint64_t min = (uint64_t)thrift_unzigzag(zz);
		widths = p;
		p += nmini;
		for (uint64_t m = 0; m < nmini && k < n; m++) {
			int w = widths[m];
			uint64_t bytes = per * (uint64_t)w / 8;
			if (w > 64 || (uint64_t)(end - p) < bytes)
				return "a DELTA_BINARY_PACKED miniblock is "
				    "cut short";
			for (uint64_t j = 0; j < per && k < n; j++) {
				v += min + bits_at(p, j * (size_t)w, w);
				out[k++] = v;
			}
			p += bytes;
		}
	}
	*pp = p;
	return NULL;
}

/* The integers of a DELTA_BINARY_PACKED page, as the column's values. */
static int
delta_ints(struct pqr_file *f, struct col *c, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	const char *why;
	int phys = c->n->pub.physical;

	if (phys != PT_INT32 && phys != PT_INT64)
		return pqrd_col_fail(f, c,
		    "DELTA_BINARY_PACKED values that are not integers");
	pqrd_need(&c->wide, &c->widecap, n ? n : 1, sizeof *c->wide);
	if ((why = delta_packed(&p, end, c->wide, n)) != NULL)
		return pqrd_col_fail(f, c, "%s", why);
	for (uint32_t k = 0; k < n; k++) {
		c->vals[k].i = phys == PT_INT32 ?
		    (int32_t)(uint32_t)c->wide[k] : (int64_t)c->wide[k];
		if (micros(f, c, &c->vals[k].i) != 0)
			return -1;
	}
	return 0;
}

/* Lengths (already decoded into lens) and the bytes that follow them. */
static int
split_lengths(struct pqr_file *f, struct col *c, const uint64_t *lens,
    const uint8_t *p, const uint8_t *end, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		if (lens[k] > (uint64_t)(end - p))
			return pqrd_col_fail(f, c, "byte array %u of %u is cut "
			    "short", k, n);
		c->vals[k].s = p;
		c->vals[k].len = (uint32_t)lens[k];
		p += lens[k];
	}
	return 0;
}

/* DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (front coding: each
 * value is a prefix of the one before plus a suffix). */
static int
delta_bytes(struct pqr_file *f, struct col *c, bool front, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	const char *why;
	uint64_t total = 0, prev = 0;
	uint8_t *q;

	if (c->n->pub.physical != PT_BYTE_ARRAY &&
	    (!front || c->n->pub.physical != PT_FIXED_LEN_BYTE_ARRAY))
		return pqrd_col_fail(f, c,
		    "DELTA_%sBYTE_ARRAY values of another type",
		    front ? "" : "LENGTH_");
	pqrd_need(&c->wide, &c->widecap, n ? n : 1, sizeof *c->wide);
	pqrd_need(&c->wide2, &c->wide2cap, n ? n : 1, sizeof *c->wide2);
	if (front && (why = delta_packed(&p, end, c->wide2, n)) != NULL)
		return pqrd_col_fail(f, c, "prefix lengths: %s", why);
	if ((why = delta_packed(&p, end, c->wide, n)) != NULL)
		return pqrd_col_fail(f, c, "lengths: %s", why);
	if (split_lengths(f, c, c->wide, p, end, n) != 0 || !front)
		return 0;
	/* Rebuilt values can outgrow the page many times over: a hostile
	 * page keeps long prefixes.  The total is bounded first. */
	for (uint32_t k = 0; k < n; k++) {
		if (c->wide2[k] > prev)
			return pqrd_col_fail(f, c,
			    "a prefix longer than the value before it");
		prev = c->wide2[k] + c->wide[k];
		total += prev;
		if (total > f->o.max_page)
			return pqrd_col_fail(f, c,
			    "DELTA_BYTE_ARRAY values grow past the page limit");
	}
	q = pqrd_room(&c->aux, &c->auxcap, (size_t)total + 1);
	for (uint32_t k = 0; k < n; k++) {
		size_t pre = (size_t)c->wide2[k];
		if (pre > 0)
			memcpy(q, c->vals[k - 1].s, pre);
		if (c->vals[k].len > 0)
			memcpy(q + pre, c->vals[k].s, c->vals[k].len);
		c->vals[k].s = q;
		c->vals[k].len += (uint32_t)pre;
		q += c->vals[k].len;
	}
	if (c->n->pub.physical == PT_FIXED_LEN_BYTE_ARRAY)
		for (uint32_t k = 0; k < n; k++)
			if (c->vals[k].len != (uint32_t)c->n->type_length)
				return pqrd_col_fail(f, c,
				    "a fixed-length value of %u bytes",
				    c->vals[k].len);
	return 0;
}

/* BYTE_STREAM_SPLIT: byte b of value k is at b * n + k; put the bytes
 * back together and read them as PLAIN. */
static int
stream_split(struct pqr_file *f, struct col *c, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	size_t w;
	uint8_t *q;

	switch (c->n->pub.physical) {
	case PT_INT32: case PT_FLOAT: w = 4; break;
	case PT_INT64: case PT_DOUBLE: w = 8; break;
	case PT_FIXED_LEN_BYTE_ARRAY: w = (size_t)c->n->type_length; break;
	default:
		return pqrd_col_fail(f, c,
		    "BYTE_STREAM_SPLIT values of another type");
	}
	if ((size_t)(end - p) / w < n)
		return pqrd_col_fail(f, c,
		    "BYTE_STREAM_SPLIT values are cut short");
	q = pqrd_room(&c->aux, &c->auxcap, (size_t)n * w + 1);
	for (size_t k = 0; k < n; k++)
		for (size_t b = 0; b < w; b++)
			q[k * w + b] = p[b * n + k];
	return pqrd_plain(f, c, q, q + (size_t)n * w, n, c->vals);
}

int
pqrd_values(struct pqr_file *f, struct col *c, int enc, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	const char *why;
	int width;

	pqrd_need(&c->vals, &c->valcap, n ? n : 1, sizeof *c->vals);
	switch (enc) {
	case ENC_PLAIN:
		return pqrd_plain(f, c, p, end, n, c->vals);
	case ENC_PLAIN_DICTIONARY:
	case ENC_RLE_DICTIONARY:
		if (!c->has_dict)
			return pqrd_col_fail(f, c,
			    "a dictionary-encoded page but no dictionary page");
		if (n == 0)
			return 0;
		if (p >= end || (width = *p++) > 32)
			return pqrd_col_fail(f, c,
			    "bad dictionary index width");
		pqrd_need(&c->idx, &c->idxcap, n, sizeof *c->idx);
		if ((why = pqf_hybrid_decode(p, end, width, c->idx, n)) != NULL)
			return pqrd_col_fail(f, c, "dictionary indices: %s",
			    why);
		for (uint32_t k = 0; k < n; k++) {
			if (c->idx[k] >= c->ndict)
				return pqrd_col_fail(f, c, "dictionary index "
				    "%u, the dictionary has %u entries",
				    c->idx[k], c->ndict);
			c->vals[k] = c->dict[c->idx[k]];
		}
		return 0;
	case ENC_RLE:
		if (c->n->pub.physical != PT_BOOLEAN)
			return pqrd_col_fail(f, c, "RLE values that are not "
			    "booleans");
		if (end - p < 4 || pqf_le32(p) > (size_t)(end - p) - 4)
			return pqrd_col_fail(f, c,
			    "RLE booleans are cut short");
		pqrd_need(&c->idx, &c->idxcap, n ? n : 1, sizeof *c->idx);
		why = pqf_hybrid_decode(p + 4, p + 4 + pqf_le32(p), 1, c->idx,
		    n);
		if (why != NULL)
			return pqrd_col_fail(f, c, "RLE booleans: %s", why);
		for (uint32_t k = 0; k < n; k++)
			c->vals[k].i = c->idx[k];
		return 0;
	case ENC_DELTA_BINARY_PACKED:
		return delta_ints(f, c, p, end, n);
	case ENC_DELTA_LENGTH_BYTE_ARRAY:
	case ENC_DELTA_BYTE_ARRAY:
		return delta_bytes(f, c, enc == ENC_DELTA_BYTE_ARRAY, p, end,
		    n);
	case ENC_BYTE_STREAM_SPLIT:
		return stream_split(f, c, p, end, n);
	}
	return pqrd_col_fail(f, c, "encoding %s (%d) is not supported",
	    encoding_name(enc), enc);
}

/* ------------------------------------------------------------------ */
/* Levels */

/*
 * n levels (each at most max) from [p, end) into out.  v1 pages prefix
 * RLE levels with their byte length (prefixed: *p is moved past them);
 * v2 pages give the exact bytes instead.
 */
int
pqrd_levels(struct pqr_file *f, struct col *c, int enc, const uint8_t **pp,
    const uint8_t *end, bool prefixed, uint32_t n, int max, uint8_t *out)
{
	const uint8_t *p = *pp, *stop = end;
	const char *why;
	int width = pqf_bit_width((uint32_t)max);

	pqrd_need(&c->idx, &c->idxcap, n ? n : 1, sizeof *c->idx);
	if (enc == ENC_RLE) {
		if (prefixed) {
			if (end - p < 4 || pqf_le32(p) > (size_t)(end - p) - 4)
				return pqrd_col_fail(f, c,
				    "levels are cut short");
			stop = p + 4 + pqf_le32(p);
			p += 4;
		}
		why = pqf_hybrid_decode(p, stop, width, c->idx, n);
	} else if (enc == ENC_BIT_PACKED) {
		size_t bytes = ((size_t)n * (size_t)width + 7) / 8;
		if ((size_t)(end - p) < bytes)
			return pqrd_col_fail(f, c, "BIT_PACKED levels are cut "
			    "short");
		why = pqf_bit_packed_decode(p, end, width, c->idx, n);
		stop = p + bytes;
	} else {
		return pqrd_col_fail(f, c, "levels in encoding %s (%d)",
		    encoding_name(enc), enc);
	}
	if (why != NULL)
		return pqrd_col_fail(f, c, "levels: %s", why);
	for (uint32_t k = 0; k < n; k++) {
		if (c->idx[k] > (uint32_t)max)
			return pqrd_col_fail(f, c,
			    "level %u above the maximum %d", c->idx[k], max);
		out[k] = (uint8_t)c->idx[k];
	}
	*pp = stop;
	return 0;
}
