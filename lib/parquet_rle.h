/*
 * parquet_rle: the RLE/bit-packed hybrid encoding (apache/parquet-format
 * Encodings.md) that Parquet uses for definition and repetition levels,
 * dictionary indices and RLE booleans, and the deprecated BIT_PACKED
 * levels: one encoder and one decoder, shared by the writer (parquet.c
 * and parquet_*.c) and the reader (parquet_read*.c), with the bit widths
 * they are used at.  Private to those files; pq_rle_encode in parquet.h
 * is the encoder as tests see it.
 *
 * "Bit width" is two things in Parquet, and each has its own function:
 *
 *   pqf_bit_width(max)	the bits of max, so the width that values
 *			0..max need: 0 for 0, 1 for 1, 2 for 2 and 3,
 *			32 for anything from 1u << 31 up.  Levels are
 *			coded at the bit width of the column's maximum
 *			level (a column whose maximum is 0 has no levels
 *			at all).
 *   pqf_dict_index_width(n)
 *			the width the writer codes the indices of an
 *			n-entry dictionary at, in the byte that starts an
 *			RLE_DICTIONARY page: pqf_bit_width(n - 1), but never
 *			less than 1.  A one-entry dictionary could be coded
 *			at width 0; the writer has always written 1 there,
 *			and its files stay as they were.  The reader takes
 *			whatever width the page gives, 0 included.
 *
 * Runs.  An RLE run is a ULEB128 header count << 1, then the value in
 * (width + 7) / 8 little-endian bytes; a bit-packed run is a header
 * groups << 1 | 1, then groups * 8 values packed LSB first, width bytes
 * per group.  The varints are thrift_put_varint/thrift_get_varint's.
 */
#ifndef VL_PARQUET_RLE_H
#define VL_PARQUET_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "parquet_buf.h"

int pqf_bit_width(uint32_t max);
int pqf_dict_index_width(uint32_t entries);

/*
 * Appends the hybrid encoding of v[0 .. n) at width (0..32) to b, with no
 * length prefix.  Every value must fit the width.  Runs of 8 or more equal
 * values, and a tail that is all one value, become RLE runs; the rest is
 * bit-packed in groups of 8, the last group of all padded with zeros.
 */
void pqf_hybrid_encode(struct pqf_buf *b, const uint32_t *v, size_t n,
    int width);

/*
 * Decodes n values of width bits (0..32) from the hybrid encoding in
 * p[0 .. end) into out.  Returns NULL, or why the bytes do not hold them.
 * A run may say it holds more values than are needed (the last bit-packed
 * group is padded), and the padding bytes of the last run may be missing.
 */
const char *pqf_hybrid_decode(const uint8_t *p, const uint8_t *end,
    int width, uint32_t *out, size_t n);

/* The same for the deprecated BIT_PACKED encoding: n values of width bits
 * (0..32) packed MSB first, with no runs. */
const char *pqf_bit_packed_decode(const uint8_t *p, const uint8_t *end,
    int width, uint32_t *out, size_t n);

#endif
