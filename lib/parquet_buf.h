/*
 * parquet_buf: the byte plumbing of the Parquet writer (parquet.c and
 * parquet_*.c) and of the RLE/bit-packed hybrid encoder it shares with
 * the reader (parquet_rle.c): growable byte buffers, and the 4-byte
 * little-endian words of PLAIN lengths and level prefixes, which the
 * reader reads with pqf_le32 too.  Private to those files.
 *
 * Inline, because the writer appends every value it is given through
 * them.  Out of memory exits through xalloc.
 */
#ifndef VL_PARQUET_BUF_H
#define VL_PARQUET_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xalloc.h"

/* Bytes p[0 .. len), room for cap. */
struct pqf_buf {
	uint8_t *p;
	size_t len, cap;
};

/* Makes room for n more bytes and returns where they go (b->p + b->len);
 * the caller writes them and adds n to b->len. */
static inline uint8_t *
pqf_buf_room(struct pqf_buf *b, size_t n)
{
	if (b->cap - b->len < n)
		xgrow(&b->p, &b->cap, b->len + n, 1);
	return b->p + b->len;
}

/* Appends p[0 .. n). */
static inline void
pqf_buf_add(struct pqf_buf *b, const void *p, size_t n)
{
	if (n > 0)
		memcpy(pqf_buf_room(b, n), p, n);
	b->len += n;
}

static inline void
pqf_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t
pqf_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

#endif
