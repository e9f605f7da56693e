/*
 * parquet_rle: the RLE/bit-packed hybrid encoder and decoder, the
 * deprecated BIT_PACKED decoder, and the bit widths of levels and
 * dictionary indices, shared by the Parquet writer and reader (see
 * parquet_rle.h).
 */
#include "parquet_rle.h"

#include "parquet.h"
#include "thrift.h"

int
pqf_bit_width(uint32_t max)
{
	int w = 0;

	while (w < 32 && (max >> w) != 0)
		w++;
	return w;
}

int
pqf_dict_index_width(uint32_t entries)
{
	int w = pqf_bit_width(entries > 0 ? entries - 1 : 0);

	return w > 0 ? w : 1;
}

/* ------------------------------------------------------------------ */
/* Encoding */

static void
put_varint(struct pqf_buf *b, uint64_t v)
{
	b->len += thrift_put_varint(pqf_buf_room(b, THRIFT_VARINT_MAX), v);
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

void
pqf_hybrid_encode(struct pqf_buf *b, const uint32_t *v, size_t n, int width)
{
	size_t vbytes = ((size_t)width + 7) / 8;
	size_t i = 0;

	while (i < n) {
		size_t r = run_at(v, i, n, n - i);

		/* A run of 8 or more, or a tail that is all one value,
		 * goes as an RLE run: count, then the value. */
		if (r >= 8 || r == n - i) {
			put_varint(b, (uint64_t)r << 1);
			uint8_t *p = pqf_buf_room(b, vbytes);
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
		put_varint(b, (uint64_t)groups << 1 | 1);
		uint8_t *p = pqf_buf_room(b, groups * (size_t)width);
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
	struct pqf_buf b = { *p, *len, *cap };

	pqf_hybrid_encode(&b, v, n, width);
	*p = b.p;
	*len = b.len;
	*cap = b.cap;
}

/* ------------------------------------------------------------------ */
/* Decoding */

/* Unpacks n values of width bits, LSB first; the bytes are there. */
static void
unpack(const uint8_t *p, int width, uint32_t *out, size_t n)
{
	uint64_t acc = 0, mask = (UINT64_C(1) << width) - 1;
	int have = 0;

	for (size_t k = 0; k < n; k++) {
		while (have < width) {
			acc |= (uint64_t)*p++ << have;
			have += 8;
		}
		out[k] = (uint32_t)(acc & mask);
		acc >>= width;
		have -= width;
	}
}

const char *
pqf_hybrid_decode(const uint8_t *p, const uint8_t *end, int width,
    uint32_t *out, size_t n)
{
	size_t k = 0, vbytes = ((size_t)width + 7) / 8;
	uint64_t h, mask = (UINT64_C(1) << width) - 1;
	int rc;

	while (k < n) {
		if ((rc = thrift_get_varint(&p, end, &h)) != 0)
			return rc == -1 ? "the runs end before the values do" :
			    "a run header is longer than 64 bits";
		if ((h & 1) == 0) {
			uint64_t count = h >> 1;
			uint32_t v = 0;
			if ((size_t)(end - p) < vbytes)
				return "an RLE run is cut short";
			for (size_t b = 0; b < vbytes; b++)
				v |= (uint32_t)p[b] << (8 * b);
			p += vbytes;
			if (v > mask)
				return "an RLE run's value does not fit its "
				    "bit width";
			for (; count > 0 && k < n; count--)
				out[k++] = v;
			continue;
		}
		uint64_t groups = h >> 1;
		size_t avail = (size_t)(end - p);
		size_t take = groups > (n - k) / 8 ? n - k : (size_t)groups * 8;
		if (width > 0 && take > avail * 8 / (size_t)width)
			return "a bit-packed run is cut short";
		unpack(p, width, out + k, take);
		k += take;
		if (width > 0)
			p = groups > avail / (size_t)width ? end :
			    p + groups * (size_t)width;
	}
	return NULL;
}

const char *
pqf_bit_packed_decode(const uint8_t *p, const uint8_t *end, int width,
    uint32_t *out, size_t n)
{
	if (width > 0 && n > (size_t)(end - p) * 8 / (size_t)width)
		return "BIT_PACKED levels are cut short";
	for (size_t k = 0; k < n; k++) {
		uint32_t v = 0;
		for (int b = 0; b < width; b++) {
			size_t bit = k * (size_t)width + (size_t)b;
			v = v << 1 | ((p[bit / 8] >> (7 - bit % 8)) & 1);
		}
		out[k] = v;
	}
	return NULL;
}
