/*
 * test_parquet_rle: the helpers that the Parquet writer and reader share
 * (lib/parquet_rle.h, and the plain varint coders of lib/thrift.h), at
 * their edges: bit widths of 0 and of the largest values, RLE/bit-packed
 * hybrid runs at widths 0 and 32, the deprecated BIT_PACKED order, and
 * varints of 1 and 10 bytes and longer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parquet.h"
#include "parquet_rle.h"
#include "thrift.h"

/* The bytes of b as "0a 1b ...". */
static void
expect_hex(const struct pqf_buf *b, const char *hex)
{
	char got[512] = "";
	size_t at = 0;

	for (size_t i = 0; i < b->len && at + 4 < sizeof got; i++)
		at += (size_t)snprintf(got + at, sizeof got - at, "%s%02x",
		    i ? " " : "", b->p[i]);
	assert_string_equal(got, hex);
}

static void
encode(struct pqf_buf *b, const uint32_t *v, size_t n, int width)
{
	b->len = 0;
	pqf_hybrid_encode(b, v, n, width);
}

/* ------------------------------------------------------------------ */
/* Bit widths */

static void
test_bit_width(void **state)
{
	(void)state;
	/* Nothing to code for a maximum of 0: a column whose maximum
	 * level is 0 has no levels. */
	assert_int_equal(pqf_bit_width(0), 0);
	assert_int_equal(pqf_bit_width(1), 1);
	assert_int_equal(pqf_bit_width(2), 2);
	assert_int_equal(pqf_bit_width(3), 2);
	assert_int_equal(pqf_bit_width(4), 3);
	assert_int_equal(pqf_bit_width(255), 8);
	assert_int_equal(pqf_bit_width(256), 9);
	assert_int_equal(pqf_bit_width(INT32_MAX), 31);
	assert_int_equal(pqf_bit_width(UINT32_C(1) << 31), 32);
	assert_int_equal(pqf_bit_width(UINT32_MAX), 32);
	for (int w = 1; w < 32; w++) {
		assert_int_equal(pqf_bit_width((UINT32_C(1) << w) - 1), w);
		assert_int_equal(pqf_bit_width(UINT32_C(1) << w), w + 1);
	}
}

static void
test_dict_index_width(void **state)
{
	(void)state;
	/* One entry (and, never asked, none) still gets 1 bit. */
	assert_int_equal(pqf_dict_index_width(0), 1);
	assert_int_equal(pqf_dict_index_width(1), 1);
	assert_int_equal(pqf_dict_index_width(2), 1);
	assert_int_equal(pqf_dict_index_width(3), 2);
	assert_int_equal(pqf_dict_index_width(4), 2);
	assert_int_equal(pqf_dict_index_width(5), 3);
	assert_int_equal(pqf_dict_index_width(256), 8);
	assert_int_equal(pqf_dict_index_width(257), 9);
	assert_int_equal(pqf_dict_index_width(UINT32_C(1) << 31), 31);
	assert_int_equal(pqf_dict_index_width((UINT32_C(1) << 31) + 1), 32);
	assert_int_equal(pqf_dict_index_width(UINT32_MAX), 32);
	/* Past one entry it is the bit width of the largest index. */
	for (uint32_t n = 2; n < 5000; n++)
		assert_int_equal(pqf_dict_index_width(n), pqf_bit_width(n - 1));
}

/* ------------------------------------------------------------------ */
/* The hybrid */

static void
test_hybrid_width_0(void **state)
{
	(void)state;
	struct pqf_buf b = { 0 };
	uint32_t zeros[20] = { 0 }, out[20];
	/* A bit-packed run of 2 groups at width 0 takes no bytes. */
	static const uint8_t packed[] = { 0x05 };

	encode(&b, zeros, 20, 0);
	expect_hex(&b, "28");		/* RLE run of 20, no value bytes */
	memset(out, 0xab, sizeof out);
	assert_null(pqf_hybrid_decode(b.p, b.p + b.len, 0, out, 20));
	assert_memory_equal(out, zeros, sizeof out);

	memset(out, 0xab, sizeof out);
	assert_null(pqf_hybrid_decode(packed, packed + 1, 0, out, 16));
	assert_memory_equal(out, zeros, 16 * sizeof *out);
	free(b.p);
}

static void
test_hybrid_width_32(void **state)
{
	(void)state;
	struct pqf_buf b = { 0 };
	uint32_t max[3] = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
	uint32_t mixed[9] = { 0, UINT32_MAX, UINT32_C(1) << 31, 1,
	    INT32_MAX, 0x12345678, 0, UINT32_MAX, 7 };
	uint32_t out[9];

	encode(&b, max, 3, 32);
	expect_hex(&b, "06 ff ff ff ff");
	assert_null(pqf_hybrid_decode(b.p, b.p + b.len, 32, out, 3));
	assert_memory_equal(out, max, sizeof max);

	/* Bit-packed: 2 groups of 8 values of 4 bytes, the second padded. */
	encode(&b, mixed, 9, 32);
	assert_int_equal(b.len, 1 + 2 * 32);
	assert_int_equal(b.p[0], 0x05);
	memset(out, 0xab, sizeof out);
	assert_null(pqf_hybrid_decode(b.p, b.p + b.len, 32, out, 9));
	assert_memory_equal(out, mixed, sizeof mixed);
	free(b.p);
}

/* Every width with its largest value, at lengths around a group of 8. */
static void
test_hybrid_max_values(void **state)
{
	(void)state;
	static const size_t lens[] = { 1, 7, 8, 9, 15, 16, 17, 100 };
	struct pqf_buf b = { 0 };
	uint32_t v[100], out[100];

	for (int w = 1; w <= 32; w++) {
		uint32_t top = w == 32 ? UINT32_MAX : (UINT32_C(1) << w) - 1;
		for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
			size_t n = lens[l];
			for (size_t i = 0; i < n; i++)	/* top and 0 mixed */
				v[i] = i % 3 == 0 ? 0 : top;
			encode(&b, v, n, w);
			memset(out, 0xab, sizeof out);
			assert_null(pqf_hybrid_decode(b.p, b.p + b.len, w, out,
			    n));
			assert_memory_equal(out, v, n * sizeof *v);
			for (size_t i = 0; i < n; i++)	/* one long run */
				v[i] = top;
			encode(&b, v, n, w);
			assert_int_equal(b.p[0], (uint8_t)(n << 1));
			assert_null(pqf_hybrid_decode(b.p, b.p + b.len, w, out,
			    n));
			assert_memory_equal(out, v, n * sizeof *v);
		}
	}
	free(b.p);
}

static void
test_hybrid_errors(void **state)
{
	(void)state;
	uint32_t out[16];
	static const uint8_t rle16[] = { 0x02, 0x34 };	/* needs 2 bytes */
	static const uint8_t wide[] = { 0x02, 0x08 };	/* 8 in 3 bits */
	static const uint8_t packed[] = { 0x03, 0xff, 0xff };	/* 8 x 3 bits */
	static const uint8_t padded[] = { 0x03, 0x01, 0x02, 0x03 };
	static const uint8_t overlong[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x02 };

	assert_null(pqf_hybrid_decode(NULL, NULL, 1, out, 0));
	assert_string_equal(pqf_hybrid_decode(rle16, rle16, 1, out, 1),
	    "the runs end before the values do");
	assert_string_equal(pqf_hybrid_decode(rle16, rle16 + 2, 16, out, 1),
	    "an RLE run is cut short");
	assert_string_equal(pqf_hybrid_decode(wide, wide + 2, 3, out, 1),
	    "an RLE run's value does not fit its bit width");
	assert_string_equal(pqf_hybrid_decode(packed, packed + 3, 3, out, 8),
	    "a bit-packed run is cut short");
	/* The last run's padding may be missing: 3 of 8 values at width 8. */
	assert_null(pqf_hybrid_decode(padded, padded + 4, 8, out, 3));
	assert_int_equal(out[0], 1);
	assert_int_equal(out[2], 3);
	/* A run header of 10 bytes whose last carries bits past the 64th:
	 * refused as Thrift refuses such a varint. */
	assert_string_equal(pqf_hybrid_decode(overlong, overlong + 10, 1,
	    out, 1), "a run header is longer than 64 bits");
}

/* pq_rle_encode (parquet.h) is the same encoder. */
static void
test_public_encoder(void **state)
{
	(void)state;
	struct pqf_buf b = { 0 };
	uint8_t *p = NULL;
	size_t len = 0, cap = 0;
	uint32_t v[13] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 2, 3, 4 };

	encode(&b, v, 13, 3);
	pq_rle_encode(&p, &len, &cap, v, 13, 3);
	assert_int_equal(len, b.len);
	assert_memory_equal(p, b.p, len);
	free(p);
	free(b.p);
}

/* ------------------------------------------------------------------ */
/* BIT_PACKED */

static void
test_bit_packed(void **state)
{
	(void)state;
	/* Encodings.md's example: 0..7 at width 3, MSB first. */
	static const uint8_t seq[] = { 0x05, 0x39, 0x77 };
	static const uint8_t w32[] = { 0x80, 0x00, 0x00, 0x01, 0xff, 0xff,
	    0xff, 0xff };
	uint32_t out[8];

	assert_null(pqf_bit_packed_decode(seq, seq + 3, 3, out, 8));
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(out[i], i);
	assert_string_equal(pqf_bit_packed_decode(seq, seq + 2, 3, out, 8),
	    "BIT_PACKED levels are cut short");
	memset(out, 0xab, sizeof out);
	assert_null(pqf_bit_packed_decode(seq, seq, 0, out, 8));
	for (int i = 0; i < 8; i++)
		assert_int_equal(out[i], 0);
	assert_null(pqf_bit_packed_decode(w32, w32 + 8, 32, out, 2));
	assert_int_equal(out[0], 0x80000001u);
	assert_int_equal(out[1], UINT32_MAX);
}

/* ------------------------------------------------------------------ */
/* Varints */

static void
test_varints(void **state)
{
	(void)state;
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384,
	    UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX };
	static const size_t lens[] = { 1, 1, 1, 2, 2, 2, 3, 5, 10, 10 };
	uint8_t buf[THRIFT_VARINT_MAX + 2];
	const uint8_t *p;
	uint64_t v;

	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		size_t n = thrift_put_varint(buf, vals[i]);
		assert_int_equal(n, lens[i]);
		p = buf;
		assert_int_equal(thrift_get_varint(&p, buf + n, &v), 0);
		assert_true(v == vals[i]);
		assert_ptr_equal(p, buf + n);
		/* One byte short. */
		p = buf;
		assert_int_equal(thrift_get_varint(&p, buf + n - 1, &v), -1);
		assert_ptr_equal(p, buf + n - 1);
	}
	/* 2^64 - 1 is nine 0xff and 0x01; a 10th byte of 0x02 or more, or
	 * an 11th byte, is past 64 bits. */
	thrift_put_varint(buf, UINT64_MAX);
	assert_int_equal(buf[9], 0x01);
	buf[9] = 0x02;
	p = buf;
	assert_int_equal(thrift_get_varint(&p, buf + 10, &v), -2);
	buf[9] = 0x81;
	buf[10] = 0x00;
	p = buf;
	assert_int_equal(thrift_get_varint(&p, buf + 11, &v), -2);

	assert_true(thrift_unzigzag(0) == 0);
	assert_true(thrift_unzigzag(1) == -1);
	assert_true(thrift_unzigzag(2) == 1);
	assert_true(thrift_unzigzag(UINT64_MAX - 1) == INT64_MAX);
	assert_true(thrift_unzigzag(UINT64_MAX) == INT64_MIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit_width),
		cmocka_unit_test(test_dict_index_width),
		cmocka_unit_test(test_hybrid_width_0),
		cmocka_unit_test(test_hybrid_width_32),
		cmocka_unit_test(test_hybrid_max_values),
		cmocka_unit_test(test_hybrid_errors),
		cmocka_unit_test(test_public_encoder),
		cmocka_unit_test(test_bit_packed),
		cmocka_unit_test(test_varints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
