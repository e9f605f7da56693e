/*
 * parquet, thrift, compress: the writer's bytes checked against hand-worked
 * encodings, and its files read back by a small decoder written here
 * (Thrift compact, page walk, codecs) that shares no code with the writer.
 *
 * test_sample_files writes sample files (every type, nulls, all codecs,
 * dictionary and plain pages, several row groups, a nested struct, a
 * checkpoint-shaped file with maps and lists) and, beside each X.parquet,
 * X.ndjson with the rows it holds, and checks them; with VL_PARQUET_OUT=DIR
 * they are written to DIR and kept, for tests/verify/parquet-check.mjs
 * (tests/cli/parquet_readers.sh runs both).
 *
 * VL_PARQUET_BENCH=N runs the encoder benchmark instead of the tests: it
 * encodes N synthetic Silver rows and prints rows/s and bytes/row per
 * codec (VL_PARQUET_CODEC=zstd for one codec only, VL_PARQUET_RG_ROWS=N
 * for another row-group size); with VL_PARQUET_OUT it also writes the
 * rows as NDJSON for a DuckDB comparison (tests/verify/duckdb-convert.mjs).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include "compress.h"
#include "isotime.h"
#include "jsonw.h"
#include "writer.h"
#include "parquet.h"
#include "rng.h"
#include "schema.h"
#include "thrift.h"

/* ------------------------------------------------------------------ */
/* A Thrift compact decoder for the tests: a tree of values. */

struct tv {
	int type;		/* TT_* (booleans as TT_BOOL_TRUE/FALSE) */
	int id;			/* field id in its struct, 0 in a list */
	int64_t i;		/* integers; booleans as 0/1 */
	double d;
	const uint8_t *p;	/* binary */
	size_t len;
	struct tv *kid;		/* struct fields or list elements */
	size_t nkid;
};

struct tin {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t
t_varint(struct tin *in)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		if (in->p >= in->end) {
			in->bad = true;
			return 0;
		}
		uint8_t b = *in->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return v;
	}
	in->bad = true;
	return 0;
}

static int64_t
t_zigzag(struct tin *in)
{
	uint64_t v = t_varint(in);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void t_value(struct tin *in, int type, struct tv *out);

static struct tv *
t_push(struct tv *parent)
{
	parent->kid = realloc(parent->kid, (parent->nkid + 1) *
	    sizeof *parent->kid);
	memset(&parent->kid[parent->nkid], 0, sizeof *parent->kid);
	return &parent->kid[parent->nkid++];
}

static void
t_struct(struct tin *in, struct tv *out)
{
	int last = 0;

	out->type = TT_STRUCT;
	while (!in->bad && in->p < in->end) {
		uint8_t h = *in->p++;
		if (h == 0)
			return;
		int id = (h >> 4) ? last + (h >> 4) : (int)t_zigzag(in);
		struct tv *f = t_push(out);
		f->id = id;
		t_value(in, h & 15, f);
		last = id;
	}
	in->bad = true;
}

static void
t_value(struct tin *in, int type, struct tv *out)
{
	out->type = type;
	switch (type) {
	case TT_BOOL_TRUE:
		out->i = 1;
		break;
	case TT_BOOL_FALSE:
		out->i = 0;
		break;
	case TT_I8:
		out->i = in->p < in->end ? (int8_t)*in->p++ : 0;
		break;
	case TT_I16:
	case TT_I32:
	case TT_I64:
		out->i = t_zigzag(in);
		break;
	case TT_DOUBLE:
		if (in->end - in->p < 8) {
			in->bad = true;
			break;
		}
		memcpy(&out->d, in->p, 8);
		in->p += 8;
		break;
	case TT_BINARY:
		out->len = t_varint(in);
		if ((size_t)(in->end - in->p) < out->len) {
			in->bad = true;
			break;
		}
		out->p = in->p;
		in->p += out->len;
		break;
	case TT_LIST: {
		uint8_t h = in->p < in->end ? *in->p++ : 0;
		size_t n = h >> 4;
		if (n == 15)
			n = t_varint(in);
		for (size_t k = 0; k < n && !in->bad; k++)
			t_value(in, h & 15, t_push(out));
		out->type = TT_LIST;
		break;
	}
	case TT_STRUCT:
		t_struct(in, out);
		break;
	default:
		in->bad = true;
	}
}

static void
tv_free(struct tv *v)
{
	for (size_t k = 0; k < v->nkid; k++)
		tv_free(&v->kid[k]);
	free(v->kid);
}

/* Field id of a struct, or NULL. */
static const struct tv *
tv_get(const struct tv *s, int id)
{
	for (size_t k = 0; k < s->nkid; k++)
		if (s->kid[k].id == id)
			return &s->kid[k];
	return NULL;
}

static int64_t
tv_int(const struct tv *s, int id)
{
	const struct tv *f = tv_get(s, id);

	assert_non_null(f);
	return f->i;
}

/* Decodes a struct at p; returns the bytes it took. */
static size_t
decode(const uint8_t *p, size_t n, struct tv *out)
{
	struct tin in = { p, p + n, false };

	memset(out, 0, sizeof *out);
	t_struct(&in, out);
	assert_false(in.bad);
	return (size_t)(in.p - p);
}

/* ------------------------------------------------------------------ */
/* An RLE/bit-packed hybrid decoder (Encodings.md), for round trips. */

static size_t
rle_decode(const uint8_t *p, size_t n, int width, uint32_t *out, size_t want)
{
	struct tin in = { p, p + n, false };
	size_t got = 0, vbytes = ((size_t)width + 7) / 8;

	while (got < want && in.p < in.end) {
		uint64_t h = t_varint(&in);
		if ((h & 1) == 0) {
			uint32_t v = 0;
			for (size_t k = 0; k < vbytes; k++)
				v |= (uint32_t)*in.p++ << (8 * k);
			for (uint64_t k = 0; k < (h >> 1) && got < want; k++)
				out[got++] = v;
		} else {
			size_t count = (size_t)(h >> 1) * 8, bit = 0;
			for (size_t k = 0; k < count; k++) {
				uint32_t v = 0;
				for (int b = 0; b < width; b++, bit++)
					if (in.p[bit / 8] >> (bit % 8) & 1)
						v |= 1u << b;
				if (got < want)
					out[got++] = v;
			}
			in.p += count * (size_t)width / 8;
		}
	}
	assert_false(in.bad);
	assert_true(in.p <= in.end);
	return got;
}

/* ------------------------------------------------------------------ */
/* Thrift encoder */

static void
expect_bytes(const struct thrift *t, const char *hex)
{
	char got[1024];
	size_t k = 0;

	for (size_t i = 0; i < t->len && k + 4 < sizeof got; i++)
		k += (size_t)snprintf(got + k, sizeof got - k, "%s%02x",
		    i ? " " : "", t->buf[i]);
	got[k] = '\0';
	assert_string_equal(got, hex);
}

static void
test_thrift_fields(void **state)
{
	(void)state;
	struct thrift t;

	thrift_init(&t);
	thrift_struct_begin(&t);
	thrift_field_i32(&t, 1, 1);		/* 15 02, as in DuckDB footers */
	thrift_field_i32(&t, 2, -1);		/* zigzag(-1) = 1 */
	thrift_field_i64(&t, 4, 300);		/* delta 2; 600 = d8 04 */
	thrift_field_bool(&t, 5, true);		/* value in the header */
	thrift_field_bool(&t, 6, false);
	thrift_field_i8(&t, 7, -2);		/* raw byte, no zigzag */
	thrift_field_string(&t, 8, "ab");
	thrift_field_i16(&t, 30, 5);		/* delta 22: long form */
	thrift_struct_end(&t);
	expect_bytes(&t, "15 02 15 01 26 d8 04 11 12 13 fe 18 02 61 62 "
	    "04 3c 0a 00");
	assert_int_equal(t.depth, 0);
	thrift_free(&t);
}

static void
test_thrift_nesting(void **state)
{
	(void)state;
	struct thrift t;

	thrift_init(&t);
	thrift_struct_begin(&t);
	thrift_field_i32(&t, 3, 0);
	thrift_field_struct(&t, 4);		/* inner ids restart at 0 */
	thrift_field_i32(&t, 1, 7);
	thrift_struct_end(&t);
	thrift_field_i32(&t, 5, 1);		/* delta from 4, not from 1 */
	thrift_field_list(&t, 6, TT_I32, 2);
	thrift_elem_i32(&t, 1);
	thrift_elem_i32(&t, -2);
	thrift_field_list(&t, 7, TT_STRUCT, 1);
	thrift_elem_struct(&t);
	thrift_struct_end(&t);			/* empty struct: just 00 */
	thrift_struct_end(&t);
	expect_bytes(&t, "35 00 1c 15 0e 00 15 02 19 25 02 03 19 1c 00 00");
	thrift_free(&t);

	/* 15 or more elements: long list header, then the size. */
	thrift_init(&t);
	thrift_struct_begin(&t);
	thrift_field_list(&t, 1, TT_BINARY, 20);
	for (int i = 0; i < 20; i++)
		thrift_elem_binary(&t, "", 0);
	thrift_struct_end(&t);
	assert_int_equal(t.len, 1 + 2 + 20 + 1);
	assert_int_equal(t.buf[1], 0xf8);
	assert_int_equal(t.buf[2], 20);
	thrift_free(&t);

	/* Varints past one byte, and the i64 extremes. */
	thrift_init(&t);
	thrift_varint(&t, 0x3fff);
	thrift_zigzag(&t, INT64_MIN);
	assert_int_equal(t.len, 2 + 10);
	assert_memory_equal(t.buf, "\xff\x7f", 2);
	for (int i = 2; i < 11; i++)
		assert_int_equal(t.buf[i], 0xff);	/* 2^64 - 1 */
	assert_int_equal(t.buf[11], 0x01);
	thrift_free(&t);
}

/* ------------------------------------------------------------------ */
/* RLE / bit-packed hybrid */

static void
hybrid(const uint32_t *v, size_t n, int width, const char *hex)
{
	struct thrift t;		/* only for expect_bytes */

	thrift_init(&t);
	pq_rle_encode(&t.buf, &t.len, &t.cap, v, n, width);
	expect_bytes(&t, hex);
	thrift_free(&t);
}

static void
test_rle_vectors(void **state)
{
	(void)state;
	uint32_t ones[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	/* Nulls at rows 0, 3, 6, 9: the DuckDB example in the notes,
	 * which pads to 32 groups where we pad to 2. */
	uint32_t nulls[10] = { 0, 1, 1, 0, 1, 1, 0, 1, 1, 0 };
	uint32_t mixed[10] = { 3, 3, 3, 3, 3, 3, 3, 3, 1, 2 };
	uint32_t wide[3] = { 0x123456, 0x123456, 0x123456 };

	hybrid(ones, 10, 1, "14 01");
	hybrid(nulls, 10, 1, "05 b6 01");
	hybrid(mixed, 10, 2, "10 03 03 09 00");
	hybrid(wide, 3, 21, "06 56 34 12");
	hybrid(ones, 0, 1, "");
}

static void
test_rle_round_trip(void **state)
{
	(void)state;
	struct rng r;
	size_t n = 5000;
	uint32_t *v = malloc(n * sizeof *v), *back = malloc(n * sizeof *v);

	rng_seed(&r, 42);
	for (int width = 1; width <= 32; width++) {
		uint32_t mask = width == 32 ? UINT32_MAX : (1u << width) - 1;
		/* Runs of random length, so both kinds of run occur and a
		 * long run may start anywhere inside a group of 8. */
		for (size_t i = 0; i < n;) {
			uint32_t x = (uint32_t)rng_next(&r) & mask;
			size_t run = rng_below(&r, 4) == 0 ? rng_below(&r, 40) + 1 : 1;
			for (size_t k = 0; k < run && i < n; k++)
				v[i++] = x;
		}
		size_t cut = (size_t)width * 131 % n + 1;	/* odd sizes */
		struct thrift t;
		thrift_init(&t);
		pq_rle_encode(&t.buf, &t.len, &t.cap, v, cut, width);
		memset(back, 0xab, n * sizeof *back);
		assert_int_equal(rle_decode(t.buf, t.len, width, back, cut), cut);
		assert_memory_equal(back, v, cut * sizeof *v);
		thrift_free(&t);
	}
	free(v);
	free(back);
}

/* ------------------------------------------------------------------ */
/* Codecs */

static void
test_codecs(void **state)
{
	(void)state;
	static const struct { const char *name; enum codec c; const char *magic;
	    size_t mlen; } cases[] = {
		{ "zstd", CODEC_ZSTD, "\x28\xb5\x2f\xfd", 4 },
		{ "gzip", CODEC_GZIP, "\x1f\x8b", 2 },
		{ "snappy", CODEC_SNAPPY, NULL, 0 },
		{ "none", CODEC_NONE, NULL, 0 },
	};
	enum codec c;
	size_t n = 100000;
	char *src = malloc(n), *dst, *back = malloc(n), err[128];

	for (size_t i = 0; i < n; i++)
		src[i] = "vitals "[i % 7] + (char)(i / 5000);
	assert_int_equal(codec_parse("ZSTD", &c), 0);
	assert_int_equal(c, CODEC_ZSTD);
	assert_int_equal(codec_parse("uncompressed", &c), 0);
	assert_int_equal(c, CODEC_NONE);
	assert_int_equal(codec_parse("lz4", &c), -1);
	assert_int_equal(CODEC_DEFAULT, CODEC_ZSTD);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct compressor *z = compressor_new(cases[k].c, 0);
		size_t cap = codec_bound(cases[k].c, n);
		long long got;

		assert_string_equal(codec_name(cases[k].c), cases[k].name);
		dst = malloc(cap);
		got = compressor_run(z, src, n, dst, cap, err, sizeof err);
		assert_true(got > 0);
		if (cases[k].c != CODEC_NONE)
			assert_true(got < (long long)n / 4);
		if (cases[k].magic != NULL)
			assert_memory_equal(dst, cases[k].magic, cases[k].mlen);
		if (cases[k].c == CODEC_SNAPPY)	/* raw block: length varint */
			assert_memory_equal(dst, "\xa0\x8d\x06", 3);
		/* Twice through one compressor: the context is reused. */
		for (int round = 0; round < 2; round++) {
			memset(back, 0, n);
			assert_int_equal(codec_decompress(cases[k].c, dst,
			    (size_t)got, back, n, err, sizeof err), 0);
			assert_memory_equal(back, src, n);
			got = compressor_run(z, src, n, dst, cap, err, sizeof err);
		}
		/* The wrong length is an error, not a silent short read. */
		assert_int_equal(codec_decompress(cases[k].c, dst, (size_t)got,
		    back, n - 1, err, sizeof err), -1);
		compressor_free(z);
		free(dst);
	}
	free(src);
	free(back);
}

/* ------------------------------------------------------------------ */
/* Writing files and reading them back */

struct file {
	uint8_t *p;
	size_t len;
	struct tv meta;		/* FileMetaData */
};

static int
scratch_fd(void)
{
	FILE *f = tmpfile();
	int fd;

	assert_non_null(f);
	fd = dup(fileno(f));
	fclose(f);
	return fd;
}

/* Reads the file back, checks the frame (magic, footer length) and
 * decodes the footer. */
static void
load(int fd, uint64_t size, struct file *f)
{
	struct stat st;
	uint32_t flen;

	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, size);
	f->len = (size_t)size;
	f->p = malloc(f->len);
	assert_int_equal(pread(fd, f->p, f->len, 0), (ssize_t)f->len);
	assert_memory_equal(f->p, "PAR1", 4);
	assert_memory_equal(f->p + f->len - 4, "PAR1", 4);
	memcpy(&flen, f->p + f->len - 8, 4);
	assert_true(flen + 12 <= f->len);
	assert_int_equal(decode(f->p + f->len - 8 - flen, flen, &f->meta), flen);
}

static void
unload(struct file *f)
{
	tv_free(&f->meta);
	free(f->p);
}

static const struct tv *
chunk_meta(const struct file *f, size_t rg, size_t col)
{
	const struct tv *rgs = tv_get(&f->meta, 4);
	const struct tv *cols = tv_get(&rgs->kid[rg], 1);
	const struct tv *m = tv_get(&cols->kid[col], 3);

	assert_non_null(m);
	return m;
}

static bool
has_encoding(const struct tv *meta, int enc)
{
	const struct tv *e = tv_get(meta, 2);

	for (size_t k = 0; k < e->nkid; k++)
		if (e->kid[k].i == enc)
			return true;
	return false;
}

/*
 * Walks a chunk's pages: each header decodes, each body decompresses to
 * exactly uncompressed_page_size, the pages exactly fill
 * total_compressed_size, their value counts add up to num_values.
 * Returns the number of data pages and the largest uncompressed one.
 */
static size_t
walk_chunk(const struct file *f, const struct tv *m, size_t *largest)
{
	int64_t dict = tv_get(m, 11) ? tv_int(m, 11) : -1;
	int64_t start = dict >= 0 ? dict : tv_int(m, 9);
	int64_t end = start + tv_int(m, 7), pos = start, values = 0;
	int64_t uncomp = 0;
	size_t pages = 0;
	char err[160];

	*largest = 0;
	while (pos < end) {
		struct tv h;
		size_t hl = decode(f->p + pos, (size_t)(end - pos), &h);
		int64_t raw = tv_int(&h, 2), comp = tv_int(&h, 3);
		uint8_t *body = malloc((size_t)raw + 1);

		assert_true(pos + (int64_t)hl + comp <= end);
		assert_int_equal(codec_decompress((enum codec)tv_int(m, 4),
		    f->p + pos + hl, (size_t)comp, body, (size_t)raw, err,
		    sizeof err), 0);
		if (tv_int(&h, 1) == 0) {
			if (pages == 0)
				assert_int_equal(pos, tv_int(m, 9));
			values += tv_int(tv_get(&h, 5), 1);
			pages++;
			if ((size_t)raw > *largest)
				*largest = (size_t)raw;
		} else {
			assert_int_equal(tv_int(&h, 1), 2);
			assert_int_equal(pos, dict);
		}
		uncomp += (int64_t)hl + raw;
		pos += (int64_t)hl + comp;
		free(body);
		tv_free(&h);
	}
	assert_int_equal(pos, end);
	assert_int_equal(values, tv_int(m, 5));
	assert_int_equal(uncomp, tv_int(m, 6));
	return pages;
}

/* Walks every chunk of every row group; checks num_rows adds up. */
static void
walk_file(const struct file *f)
{
	const struct tv *rgs = tv_get(&f->meta, 4);
	int64_t rows = 0;
	size_t largest;

	for (size_t g = 0; g < rgs->nkid; g++) {
		const struct tv *cols = tv_get(&rgs->kid[g], 1);
		assert_true(tv_int(&rgs->kid[g], 3) > 0);
		rows += tv_int(&rgs->kid[g], 3);
		for (size_t c = 0; c < cols->nkid; c++)
			walk_chunk(f, chunk_meta(f, g, c), &largest);
	}
	assert_int_equal(rows, tv_int(&f->meta, 3));
}

/* A small flat schema: the kinds of column Silver has. */
struct flat {
	struct pq_schema *s;
	int id, ward, hr, temp, alert, ts, day, off;
};

static void
flat_schema(struct flat *x)
{
	x->s = pq_schema_new();
	x->id = pq_leaf(x->s, 0, "patient_id", PQ_STRING, PQ_REQUIRED);
	x->ward = pq_leaf(x->s, 0, "ward", PQ_STRING, PQ_OPTIONAL);
	x->hr = pq_leaf(x->s, 0, "heart_rate", PQ_INT32, PQ_OPTIONAL);
	x->temp = pq_leaf(x->s, 0, "temperature", PQ_DOUBLE, PQ_OPTIONAL);
	x->alert = pq_leaf(x->s, 0, "alert", PQ_BOOLEAN, PQ_OPTIONAL);
	x->ts = pq_leaf(x->s, 0, "event_time", PQ_TIMESTAMP, PQ_REQUIRED);
	x->day = pq_leaf(x->s, 0, "event_date", PQ_DATE, PQ_REQUIRED);
	x->off = pq_leaf(x->s, 0, "offset", PQ_INT64, PQ_OPTIONAL);
}

static void
flat_row(struct pq_writer *w, const struct flat *x, size_t i)
{
	char id[40];
	int n = snprintf(id, sizeof id, "patient-%04zu", i % 50);

	pq_put_str(w, x->id, id, (size_t)n);
	if (i % 9 == 0)
		pq_null(w, x->ward);
	else
		pq_put_str(w, x->ward, i % 2 ? "ICU" : "ward-3", i % 2 ? 3 : 6);
	if (i % 5 == 0)
		pq_null(w, x->hr);
	else
		pq_put_i32(w, x->hr, 40 + (int32_t)(i % 100));
	pq_put_double(w, x->temp, 35.0 + (double)(i % 50) / 10);
	pq_put_bool(w, x->alert, i % 17 == 0);
	pq_put_i64(w, x->ts, INT64_C(1767225600000000) + (int64_t)i * 5000000);
	pq_put_i32(w, x->day, 20454 + (int32_t)(i / 1000));
	pq_put_i64(w, x->off, (int64_t)i * 7919);
}

static struct pq_writer *
write_flat(int fd, const struct flat *x, const struct pq_options *o,
    size_t rows, uint64_t *size)
{
	struct pq_writer *w = pq_open(fd, x->s, o);

	for (size_t i = 0; i < rows; i++) {
		flat_row(w, x, i);
		assert_int_equal(pq_end_row(w), 0);
	}
	assert_int_equal(pq_close(w, size), 0);
	assert_string_equal(pq_error(w), "");
	return w;
}

static void
test_footer(void **state)
{
	(void)state;
	struct flat x;
	struct pq_options o;
	struct file f;
	uint64_t size;
	int fd = scratch_fd();

	flat_schema(&x);
	pq_options_init(&o);
	o.row_group_rows = 1000;
	struct pq_writer *w = pq_open(fd, x.s, &o);
	pq_kv(w, "origin", "test");
	for (size_t i = 0; i < 2500; i++) {
		flat_row(w, &x, i);
		assert_int_equal(pq_end_row(w), 0);
	}
	assert_int_equal(pq_close(w, &size), 0);
	assert_int_equal(pq_bytes_written(w), size);
	assert_int_equal(pq_rows(w), 2500);
	load(fd, size, &f);

	assert_int_equal(tv_int(&f.meta, 1), 1);		/* version */
	assert_int_equal(tv_int(&f.meta, 3), 2500);		/* num_rows */
	const struct tv *schema = tv_get(&f.meta, 2);
	assert_int_equal(schema->nkid, 9);			/* root + 8 */
	assert_int_equal(tv_int(&schema->kid[0], 5), 8);	/* children */
	assert_null(tv_get(&schema->kid[0], 3));		/* root: no rep */
	/* patient_id: BYTE_ARRAY, REQUIRED, UTF8, LogicalType STRING. */
	assert_int_equal(tv_int(&schema->kid[1], 1), 6);
	assert_int_equal(tv_int(&schema->kid[1], 3), 0);
	assert_int_equal(tv_int(&schema->kid[1], 6), 0);
	assert_non_null(tv_get(tv_get(&schema->kid[1], 10), 1));
	/* event_time: INT64, TIMESTAMP_MICROS, TIMESTAMP(UTC, MICROS). */
	const struct tv *lt = tv_get(tv_get(&schema->kid[6], 10), 8);
	assert_int_equal(tv_int(&schema->kid[6], 6), 10);
	assert_int_equal(tv_int(lt, 1), 1);
	assert_non_null(tv_get(tv_get(lt, 2), 2));
	/* heart_rate: INT32, INT_32, INTEGER(32, signed). */
	lt = tv_get(tv_get(&schema->kid[3], 10), 10);
	assert_int_equal(tv_int(&schema->kid[3], 6), 17);
	assert_int_equal(tv_int(lt, 1), 32);
	assert_int_equal(tv_int(lt, 2), 1);
	/* event_date: DATE both ways. */
	assert_int_equal(tv_int(&schema->kid[7], 6), 6);
	assert_non_null(tv_get(tv_get(&schema->kid[7], 10), 6));

	const struct tv *rgs = tv_get(&f.meta, 4);
	assert_int_equal(rgs->nkid, 3);				/* 1000+1000+500 */
	assert_int_equal(tv_int(&rgs->kid[2], 3), 500);
	walk_file(&f);

	const struct tv *kv = tv_get(&f.meta, 5);
	assert_int_equal(kv->nkid, 1);
	assert_memory_equal(tv_get(&kv->kid[0], 1)->p, "origin", 6);
	const struct tv *cb = tv_get(&f.meta, 6);
	assert_true(cb->len > 30);
	assert_memory_equal(cb->p, "vitals-lakehouse version " VL_VERSION
	    " (build ", strlen("vitals-lakehouse version " VL_VERSION " (build "));
	const struct tv *orders = tv_get(&f.meta, 7);
	assert_int_equal(orders->nkid, 8);
	for (size_t k = 0; k < orders->nkid; k++)
		assert_non_null(tv_get(&orders->kid[k], 1));	/* TYPE_ORDER */

	unload(&f);
	pq_free(w);
	pq_schema_free(x.s);
	close(fd);
}

static void
test_codec_files(void **state)
{
	(void)state;
	static const enum codec codecs[] = {
		CODEC_ZSTD, CODEC_SNAPPY, CODEC_GZIP, CODEC_NONE
	};
	struct flat x;

	flat_schema(&x);
	for (size_t k = 0; k < 4; k++) {
		struct pq_options o;
		struct file f;
		uint64_t size;
		int fd = scratch_fd();

		pq_options_init(&o);
		o.codec = codecs[k];
		struct pq_writer *w = write_flat(fd, &x, &o, 3000, &size);
		load(fd, size, &f);
		assert_int_equal(tv_int(chunk_meta(&f, 0, 0), 4), codecs[k]);
		walk_file(&f);
		unload(&f);
		pq_free(w);
		close(fd);
	}
	pq_schema_free(x.s);
}

static void
test_dictionary_choice(void **state)
{
	(void)state;
	struct flat x;
	struct pq_options o;
	struct file f;
	uint64_t size;
	int fd = scratch_fd();

	flat_schema(&x);
	pq_options_init(&o);
	struct pq_writer *w = write_flat(fd, &x, &o, 20000, &size);
	load(fd, size, &f);
	/* 50 patients, 2 wards, 100 rates, 50 temperatures, 21 dates:
	 * dictionaries.  Timestamps and offsets are all distinct: PLAIN. */
	int dict[] = { 1, 1, 1, 1, 0, 0, 1, 0 };
	for (size_t c = 0; c < 8; c++) {
		const struct tv *m = chunk_meta(&f, 0, c);
		assert_int_equal(has_encoding(m, 8), dict[c]);
		assert_int_equal(tv_get(m, 11) != NULL, dict[c]);
	}
	unload(&f);
	pq_free(w);
	close(fd);

	/* dict_bytes 0: no dictionary anywhere. */
	fd = scratch_fd();
	o.dict_bytes = 0;
	w = write_flat(fd, &x, &o, 2000, &size);
	load(fd, size, &f);
	for (size_t c = 0; c < 8; c++)
		assert_false(has_encoding(chunk_meta(&f, 0, c), 8));
	walk_file(&f);
	unload(&f);
	pq_free(w);
	close(fd);
	pq_schema_free(x.s);
}

static void
test_dictionary_fallback(void **state)
{
	(void)state;
	struct pq_schema *s = pq_schema_new();
	int col = pq_leaf(s, 0, "s", PQ_STRING, PQ_OPTIONAL);
	struct pq_options o;
	struct file f;
	uint64_t size;
	char buf[32];
	int fd = scratch_fd();

	/* 300 distinct values repeated: a dictionary pays, but it outgrows
	 * a 1 KiB limit half-way through the chunk. */
	pq_options_init(&o);
	o.dict_bytes = 1024;
	struct pq_writer *w = pq_open(fd, s, &o);
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(buf, sizeof buf, "value-%03d", (i * 7) % 300);
		if (i % 10 == 3)
			pq_null(w, col);
		else
			pq_put_str(w, col, buf, (size_t)n);
		assert_int_equal(pq_end_row(w), 0);
	}
	assert_int_equal(pq_close(w, &size), 0);
	load(fd, size, &f);
	assert_false(has_encoding(chunk_meta(&f, 0, 0), 8));
	walk_file(&f);
	const struct pq_stats *st = pq_stats(w, col);
	assert_int_equal(st->nulls, 300);
	assert_int_equal(st->values, 2700);
	assert_int_equal(st->smin_len, 9);
	assert_memory_equal(st->smin, "value-000", 9);
	assert_memory_equal(st->smax, "value-299", 9);
	unload(&f);
	pq_free(w);
	pq_schema_free(s);
	close(fd);
}

static void
test_pages_bounded(void **state)
{
	(void)state;
	struct flat x;
	struct pq_options o;
	struct file f;
	uint64_t size;
	size_t largest;
	int fd = scratch_fd();

	flat_schema(&x);
	pq_options_init(&o);
	o.page_bytes = 4096;
	o.dict_bytes = 0;
	struct pq_writer *w = write_flat(fd, &x, &o, 10000, &size);
	load(fd, size, &f);
	/* event_time: 80,000 bytes of PLAIN int64 in pages of ~4 KiB. */
	size_t pages = walk_chunk(&f, chunk_meta(&f, 0, 5), &largest);
	assert_int_equal(pages, 20);
	assert_true(largest <= 4096 + 8);
	unload(&f);
	pq_free(w);
	pq_schema_free(x.s);
	close(fd);
}

static void
test_row_group_bytes(void **state)
{
	(void)state;
	struct flat x;
	struct pq_options o;
	struct file f;
	uint64_t size;
	int fd = scratch_fd();

	flat_schema(&x);
	pq_options_init(&o);
	o.row_group_bytes = 64 << 10;
	o.row_group_rows = 0;
	struct pq_writer *w = write_flat(fd, &x, &o, 10000, &size);
	load(fd, size, &f);
	const struct tv *rgs = tv_get(&f.meta, 4);
	/* About 40 buffered bytes a row: several groups, none empty. */
	assert_true(rgs->nkid >= 4);
	for (size_t g = 0; g + 1 < rgs->nkid; g++)
		assert_int_equal(tv_int(&rgs->kid[g], 3) % PQ_CHECK_ROWS, 0);
	walk_file(&f);
	unload(&f);
	pq_free(w);
	pq_schema_free(x.s);
	close(fd);
}

static void
test_statistics(void **state)
{
	(void)state;
	struct pq_schema *s = pq_schema_new();
	int d = pq_leaf(s, 0, "d", PQ_DOUBLE, PQ_OPTIONAL);
	int str = pq_leaf(s, 0, "s", PQ_STRING, PQ_OPTIONAL);
	int i = pq_leaf(s, 0, "i", PQ_INT64, PQ_REQUIRED);
	int z = pq_leaf(s, 0, "z", PQ_DOUBLE, PQ_OPTIONAL);
	int nan = pq_leaf(s, 0, "n", PQ_DOUBLE, PQ_OPTIONAL);
	int none = pq_leaf(s, 0, "none", PQ_INT32, PQ_OPTIONAL);
	struct pq_options o;
	struct file f;
	uint64_t size;
	int fd = scratch_fd();
	/* "\xc3\xa9" (e acute) sorts after "z" unsigned, before it signed. */
	const char *strs[] = { "b", "z", "\xc3\xa9", "", "a\x01" };
	double ds[] = { 2.5, NAN, -1.5, 7.0, 0.0 };

	pq_options_init(&o);
	o.row_group_rows = 3;		/* stats merge across row groups */
	struct pq_writer *w = pq_open(fd, s, &o);
	for (int r = 0; r < 5; r++) {
		pq_put_double(w, d, ds[r]);
		pq_put_str(w, str, strs[r], strlen(strs[r]));
		pq_put_i64(w, i, r == 2 ? INT64_MIN : r == 3 ? INT64_MAX : r);
		pq_put_double(w, z, r % 2 ? 0.0 : -0.0);
		pq_put_double(w, nan, NAN);
		pq_null(w, none);
		assert_int_equal(pq_end_row(w), 0);
	}
	assert_int_equal(pq_close(w, &size), 0);

	const struct pq_stats *st = pq_stats(w, d);
	assert_true(st->has_bounds);
	assert_true(st->dmin == -1.5 && st->dmax == 7.0);
	assert_int_equal(st->nans, 1);
	assert_int_equal(st->values, 5);
	st = pq_stats(w, str);
	assert_int_equal(st->smin_len, 0);
	assert_int_equal(st->smax_len, 2);
	assert_memory_equal(st->smax, "\xc3\xa9", 2);
	st = pq_stats(w, i);
	assert_true(st->imin == INT64_MIN && st->imax == INT64_MAX);
	st = pq_stats(w, z);		/* zeros: min -0.0, max +0.0 */
	assert_true(st->dmin == 0 && signbit(st->dmin));
	assert_true(st->dmax == 0 && !signbit(st->dmax));
	st = pq_stats(w, nan);		/* all NaN: no bounds */
	assert_false(st->has_bounds);
	assert_int_equal(st->nans, 5);
	st = pq_stats(w, none);
	assert_false(st->has_bounds);
	assert_int_equal(st->nulls, 5);
	assert_null(pq_stats(w, 0));

	/* The footer: row group 1 (rows 3, 4) of column s has min "" and
	 * max "a\x01"; z has min_value -0.0; n has nan_count and no bounds;
	 * none has null_count 2. */
	load(fd, size, &f);
	const struct tv *sts = tv_get(chunk_meta(&f, 1, 1), 12);
	assert_int_equal(tv_get(sts, 6)->len, 0);
	assert_int_equal(tv_get(sts, 5)->len, 2);
	assert_null(tv_get(sts, 1));			/* no legacy for strings */
	assert_int_equal(tv_int(sts, 3), 0);
	double zmin;
	sts = tv_get(chunk_meta(&f, 0, 3), 12);
	memcpy(&zmin, tv_get(sts, 6)->p, 8);
	assert_true(zmin == 0 && signbit(zmin));
	sts = tv_get(chunk_meta(&f, 0, 4), 12);
	assert_int_equal(tv_int(sts, 9), 3);
	assert_null(tv_get(sts, 6));
	sts = tv_get(chunk_meta(&f, 1, 5), 12);
	assert_int_equal(tv_int(sts, 3), 2);
	assert_null(tv_get(sts, 5));
	unload(&f);
	pq_free(w);
	pq_schema_free(s);
	close(fd);
}

static void
test_zero_rows(void **state)
{
	(void)state;
	struct flat x;
	struct file f;
	uint64_t size;
	int fd = scratch_fd();

	flat_schema(&x);
	struct pq_writer *w = write_flat(fd, &x, NULL, 0, &size);
	load(fd, size, &f);
	assert_int_equal(tv_int(&f.meta, 3), 0);
	assert_int_equal(tv_get(&f.meta, 4)->nkid, 0);
	/* Nothing but the frame and the footer. */
	uint32_t flen;
	memcpy(&flen, f.p + f.len - 8, 4);
	assert_int_equal((uint64_t)flen + 12, size);
	assert_false(pq_stats(w, x.hr)->has_bounds);
	unload(&f);
	pq_free(w);
	pq_schema_free(x.s);
	close(fd);
}

static void
expect_misuse(void (*fn)(struct pq_writer *, const struct flat *),
    const char *msg)
{
	struct flat x;
	int fd = scratch_fd();

	flat_schema(&x);
	struct pq_writer *w = pq_open(fd, x.s, NULL);
	flat_row(w, &x, 0);
	assert_int_equal(pq_end_row(w), 0);
	fn(w, &x);
	assert_int_equal(pq_end_row(w), -1);
	assert_non_null(strstr(pq_error(w), msg));
	assert_int_equal(pq_close(w, NULL), -1);	/* stays failed */
	pq_free(w);
	pq_schema_free(x.s);
	close(fd);
}

static void
misuse_type(struct pq_writer *w, const struct flat *x)
{
	flat_row(w, x, 1);
	pq_put_i64(w, x->hr, 1);	/* hr is INT32 */
}

static void
misuse_missing(struct pq_writer *w, const struct flat *x)
{
	pq_put_str(w, x->id, "p", 1);	/* nothing else */
}

static void
misuse_twice(struct pq_writer *w, const struct flat *x)
{
	flat_row(w, x, 1);
	pq_put_i32(w, x->hr, 1);
}

static void
misuse_required_null(struct pq_writer *w, const struct flat *x)
{
	flat_row(w, x, 1);
	pq_null(w, x->id);
}

static void
misuse_not_leaf(struct pq_writer *w, const struct flat *x)
{
	flat_row(w, x, 1);
	pq_put_i32(w, 0, 1);
}

static void
test_misuse(void **state)
{
	(void)state;
	expect_misuse(misuse_type, "heart_rate: value of the wrong type");
	expect_misuse(misuse_missing, "no value in row 1");
	expect_misuse(misuse_twice, "heart_rate: more than one value");
	expect_misuse(misuse_required_null, "patient_id: a null needs an "
	    "optional node");
	expect_misuse(misuse_not_leaf, "node 0 is not a leaf");

	/* A row begun but not ended is refused at close. */
	struct flat x;
	int fd = scratch_fd();
	flat_schema(&x);
	struct pq_writer *w = pq_open(fd, x.s, NULL);
	pq_put_str(w, x.id, "p", 1);
	assert_int_equal(pq_close(w, NULL), -1);
	assert_non_null(strstr(pq_error(w), "begun but not ended"));
	pq_free(w);
	pq_schema_free(x.s);
	close(fd);
}

/* A full disk: the first flush fails, and end_row reports it. */
static void
test_io_error_full(void **state)
{
	(void)state;
	struct flat x;
	struct pq_options o;
	struct pq_writer *w;
	int fd, rc = 0;

	if ((fd = open("/dev/full", O_WRONLY)) < 0)
		unit_skip("/dev/full: %s, so no write can be made to fail "
		    "with ENOSPC", strerror(errno));
	flat_schema(&x);
	pq_options_init(&o);
	o.row_group_rows = 100;
	w = pq_open(fd, x.s, &o);
	for (size_t i = 0; i < 100 && rc == 0; i++) {
		flat_row(w, &x, i);
		rc = pq_end_row(w);
	}
	assert_int_equal(rc, -1);
	assert_non_null(strstr(pq_error(w), strerror(ENOSPC)));
	assert_int_equal(pq_close(w, NULL), -1);
	pq_free(w);
	close(fd);
	pq_schema_free(x.s);
}

/* A closed descriptor: the footer write fails at close. */
static void
test_io_error_closed(void **state)
{
	(void)state;
	struct flat x;
	struct pq_writer *w;
	int fd = scratch_fd();

	flat_schema(&x);
	close(fd);
	w = pq_open(fd, x.s, NULL);
	flat_row(w, &x, 0);
	assert_int_equal(pq_end_row(w), 0);
	assert_int_equal(pq_close(w, NULL), -1);
	assert_non_null(strstr(pq_error(w), strerror(EBADF)));
	pq_free(w);
	pq_schema_free(x.s);
}

/* ------------------------------------------------------------------ */
/* Schemas: table schemas, checkpoint nesting, levels */

/* The Delta checkpoint schema (PROTOCOL.md "Checkpoint Schema"), the
 * columns a (1,2) table needs. */
struct ckpt {
	struct pq_schema *s;
	int txn, app, ver, upd;
	int add, path, pv, size, mtime, change, stats, tags;
	int rm, rpath, rts, rchange;
	int md, id, name, fmt, prov, opts, sstr, pcols, conf, ctime;
	int proto, rv, wv;
};

static void
ckpt_schema(struct ckpt *c)
{
	struct pq_schema *s = c->s = pq_schema_new();
	int g;

	c->txn = g = pq_group(s, 0, "txn", PQ_OPTIONAL);
	c->app = pq_leaf(s, g, "appId", PQ_STRING, PQ_OPTIONAL);
	c->ver = pq_leaf(s, g, "version", PQ_INT64, PQ_OPTIONAL);
	c->upd = pq_leaf(s, g, "lastUpdated", PQ_INT64, PQ_OPTIONAL);
	c->add = g = pq_group(s, 0, "add", PQ_OPTIONAL);
	c->path = pq_leaf(s, g, "path", PQ_STRING, PQ_OPTIONAL);
	c->pv = pq_map(s, g, "partitionValues", PQ_OPTIONAL, true);
	c->size = pq_leaf(s, g, "size", PQ_INT64, PQ_OPTIONAL);
	c->mtime = pq_leaf(s, g, "modificationTime", PQ_INT64, PQ_OPTIONAL);
	c->change = pq_leaf(s, g, "dataChange", PQ_BOOLEAN, PQ_OPTIONAL);
	c->stats = pq_leaf(s, g, "stats", PQ_STRING, PQ_OPTIONAL);
	c->tags = pq_map(s, g, "tags", PQ_OPTIONAL, true);
	c->rm = g = pq_group(s, 0, "remove", PQ_OPTIONAL);
	c->rpath = pq_leaf(s, g, "path", PQ_STRING, PQ_OPTIONAL);
	c->rts = pq_leaf(s, g, "deletionTimestamp", PQ_INT64, PQ_OPTIONAL);
	c->rchange = pq_leaf(s, g, "dataChange", PQ_BOOLEAN, PQ_OPTIONAL);
	c->md = g = pq_group(s, 0, "metaData", PQ_OPTIONAL);
	c->id = pq_leaf(s, g, "id", PQ_STRING, PQ_OPTIONAL);
	c->name = pq_leaf(s, g, "name", PQ_STRING, PQ_OPTIONAL);
	c->fmt = pq_group(s, g, "format", PQ_OPTIONAL);
	c->prov = pq_leaf(s, c->fmt, "provider", PQ_STRING, PQ_OPTIONAL);
	c->opts = pq_map(s, c->fmt, "options", PQ_OPTIONAL, true);
	c->sstr = pq_leaf(s, g, "schemaString", PQ_STRING, PQ_OPTIONAL);
	c->pcols = pq_list(s, g, "partitionColumns", PQ_OPTIONAL, PQ_STRING,
	    true);
	c->conf = pq_map(s, g, "configuration", PQ_OPTIONAL, true);
	c->ctime = pq_leaf(s, g, "createdTime", PQ_INT64, PQ_OPTIONAL);
	c->proto = g = pq_group(s, 0, "protocol", PQ_OPTIONAL);
	c->rv = pq_leaf(s, g, "minReaderVersion", PQ_INT32, PQ_OPTIONAL);
	c->wv = pq_leaf(s, g, "minWriterVersion", PQ_INT32, PQ_OPTIONAL);
}

static void
test_schema_levels(void **state)
{
	(void)state;
	struct ckpt c;
	int def, rep;

	ckpt_schema(&c);
	assert_int_equal(pq_columns(c.s), 27);
	pq_levels(c.s, pq_find(c.s, "add.partitionValues.key_value.key"),
	    &def, &rep);
	assert_int_equal(def, 3);	/* add, partitionValues, key_value */
	assert_int_equal(rep, 1);
	pq_levels(c.s, pq_find(c.s, "add.partitionValues.key_value.value"),
	    &def, &rep);
	assert_int_equal(def, 4);
	pq_levels(c.s, pq_find(c.s, "metaData.format.options.key_value.value"),
	    &def, &rep);
	assert_int_equal(def, 5);
	assert_int_equal(rep, 1);
	pq_levels(c.s, pq_find(c.s, "metaData.partitionColumns.list.element"),
	    &def, &rep);
	assert_int_equal(def, 4);
	assert_int_equal(rep, 1);
	/* Columns are numbered depth-first. */
	assert_int_equal(pq_column_node(c.s, 0), c.app);
	assert_int_equal(pq_column_node(c.s, 4),
	    pq_find(c.s, "add.partitionValues.key_value.key"));
	assert_int_equal(pq_column_node(c.s, 27), -1);
	assert_int_equal(pq_find(c.s, "add.nope"), -1);
	assert_int_equal(pq_find(c.s, "add."), -1);
	pq_schema_free(c.s);

	/* Silver, from its table schema: flat fields and truth{3}. */
	char err[200];
	struct schema *t = schema_load("silver", err, sizeof err);
	assert_non_null(t);
	struct pq_schema *s = pq_schema_from(t);
	assert_int_equal(pq_columns(s), (int)t->n - 1 + 3);
	int ep = pq_find(s, "truth.episode");
	pq_levels(s, ep, &def, &rep);
	assert_int_equal(def, 2);
	assert_int_equal(rep, 0);
	pq_levels(s, pq_find(s, "patient_id"), &def, &rep);
	assert_int_equal(def, 0);
	assert_int_equal(pq_column_node(s, pq_columns(s) - 1),
	    pq_find(s, "truth.fault"));
	pq_schema_free(s);
	schema_free(t);
}

/* ------------------------------------------------------------------ */
/* Sample files for the independent readers (VL_PARQUET_OUT) */

struct sample {
	int fd;
	struct writer nd;	/* the expected rows */
	struct pq_writer *w;
	char path[512];
};

static void
sample_open(struct sample *x, const char *dir, const char *name,
    const struct pq_schema *s, const struct pq_options *o)
{
	char nd[600];

	snprintf(x->path, sizeof x->path, "%s/%s.parquet", dir, name);
	snprintf(nd, sizeof nd, "%s/%s.ndjson", dir, name);
	x->fd = open(x->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(x->fd >= 0);
	assert_int_equal(writer_open(&x->nd, nd, false), 0);
	x->w = pq_open(x->fd, s, o);
}

static void
sample_close(struct sample *x)
{
	uint64_t size;

	if (pq_close(x->w, &size) != 0)
		fail_msg("%s: %s", x->path, pq_error(x->w));
	assert_int_equal(writer_close(&x->nd), 0);
	pq_free(x->w);
	assert_int_equal(close(x->fd), 0);
	print_message("wrote %s (%llu bytes)\n", x->path,
	    (unsigned long long)size);
}

static void
end_row(struct sample *x)
{
	writer_char(&x->nd, '}');
	writer_char(&x->nd, '\n');
	if (pq_end_row(x->w) != 0)
		fail_msg("%s: %s", x->path, pq_error(x->w));
}

/* Expected-row JSON for the values put, key by key. */
static void
j_key(struct sample *x, const char *k, bool *first)
{
	jw_key(&x->nd, k, strlen(k), *first);
	*first = false;
}

static void
j_double(struct writer *nd, double v)
{
	if (isnan(v))
		jw_string(nd, "NaN", 3);
	else if (isinf(v))
		jw_string(nd, v > 0 ? "Infinity" : "-Infinity", v > 0 ? 8 : 9);
	else
		jw_double(nd, v);
}

static void
j_i64(struct writer *nd, int64_t v)
{
	char b[32];
	size_t n = fmt_int(b, v);

	/* Past 2^53 a JSON number is not exact in JavaScript. */
	if (v > (INT64_C(1) << 53) || v < -(INT64_C(1) << 53))
		jw_string(nd, b, n);
	else
		writer_mem(nd, b, n);
}

static void
j_ts(struct writer *nd, int64_t us)
{
	char b[32];

	jw_string(nd, b, iso_format(b, us));
}

static void
j_date(struct writer *nd, int32_t days)
{
	char b[16];

	jw_string(nd, b, iso_format_date(b, days));
}

/* Every type, nulls, extremes and awkward strings. */
struct types {
	struct pq_schema *s;
	int s_, i32, i64, dbl, b, date, ts, tr, ep, epid, fault;
};

static void
types_schema(struct types *t)
{
	t->s = pq_schema_new();
	t->s_ = pq_leaf(t->s, 0, "s", PQ_STRING, PQ_OPTIONAL);
	t->i32 = pq_leaf(t->s, 0, "i32", PQ_INT32, PQ_OPTIONAL);
	t->i64 = pq_leaf(t->s, 0, "i64", PQ_INT64, PQ_REQUIRED);
	t->dbl = pq_leaf(t->s, 0, "dbl", PQ_DOUBLE, PQ_OPTIONAL);
	t->b = pq_leaf(t->s, 0, "b", PQ_BOOLEAN, PQ_OPTIONAL);
	t->date = pq_leaf(t->s, 0, "date", PQ_DATE, PQ_REQUIRED);
	t->ts = pq_leaf(t->s, 0, "ts", PQ_TIMESTAMP, PQ_OPTIONAL);
	t->tr = pq_group(t->s, 0, "truth", PQ_OPTIONAL);
	t->ep = pq_leaf(t->s, t->tr, "episode", PQ_STRING, PQ_OPTIONAL);
	t->epid = pq_leaf(t->s, t->tr, "episode_id", PQ_INT64, PQ_OPTIONAL);
	t->fault = pq_leaf(t->s, t->tr, "fault", PQ_STRING, PQ_REQUIRED);
}

static void
types_rows(struct sample *x, const struct types *t, size_t rows)
{
	static const char *strs[] = {
		"", "a", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80 emoji", "zzz",
		"\x7f", "with \"quotes\" and \\", "tab\there", "ICU", "ward-3",
	};
	static const int32_t i32s[] = { INT32_MIN, INT32_MAX, 0, -1, 72 };
	static const int64_t i64s[] = { INT64_MIN, INT64_MAX, 0, -1,
	    INT64_C(9007199254740993) };
	static const double dbls[] = { -0.0, 0.0, 36.6, -40.25, 1e300,
	    NAN, INFINITY, -INFINITY, 5e-324, 98.6 };
	static const int32_t dates[] = { 0, -1, 20454, -719162, 2932896 };
	static const int64_t tss[] = { 0, -1, INT64_C(1767225600123456),
	    INT64_C(-62135596800000000), INT64_C(253402300799999999) };
	char longstr[700];
	struct rng r;

	memset(longstr, 'x', sizeof longstr);
	rng_seed(&r, 7);
	for (size_t i = 0; i < rows; i++) {
		bool first = true;
		struct writer *nd = &x->nd;
		size_t k = rng_below(&r, 12);

		j_key(x, "s", &first);
		if (k == 10) {
			pq_null(x->w, t->s_);
			jw_null(nd);
		} else if (k == 11) {
			size_t n = 100 + i % 600;
			pq_put_str(x->w, t->s_, longstr, n);
			jw_string(nd, longstr, n);
		} else {
			pq_put_str(x->w, t->s_, strs[k], strlen(strs[k]));
			jw_string(nd, strs[k], strlen(strs[k]));
		}
		j_key(x, "i32", &first);
		if (i % 6 == 5) {
			pq_null(x->w, t->i32);
			jw_null(nd);
		} else {
			int32_t v = i < 5 ? i32s[i] : (int32_t)rng_below(&r,
			    200) - 100;
			pq_put_i32(x->w, t->i32, v);
			jw_int(nd, v);
		}
		j_key(x, "i64", &first);
		int64_t v64 = i < 5 ? i64s[i] : (int64_t)rng_next(&r);
		pq_put_i64(x->w, t->i64, v64);
		j_i64(nd, v64);
		j_key(x, "dbl", &first);
		if (i % 8 == 7) {
			pq_null(x->w, t->dbl);
			jw_null(nd);
		} else {
			double d = i < 10 ? dbls[i] :
			    round(rng_range(&r, 30, 45) * 10) / 10;
			pq_put_double(x->w, t->dbl, d);
			j_double(nd, d);
		}
		j_key(x, "b", &first);
		if (i % 4 == 3) {
			pq_null(x->w, t->b);
			jw_null(nd);
		} else {
			pq_put_bool(x->w, t->b, i % 3 == 0);
			jw_bool(nd, i % 3 == 0);
		}
		j_key(x, "date", &first);
		int32_t day = i < 5 ? dates[i] : 20454 + (int32_t)(i % 40);
		pq_put_i32(x->w, t->date, day);
		j_date(nd, day);
		j_key(x, "ts", &first);
		if (i % 10 == 9) {
			pq_null(x->w, t->ts);
			jw_null(nd);
		} else {
			int64_t us = i < 5 ? tss[i] : INT64_C(1767225600000000)
			    + (int64_t)i * 2500000 + (int64_t)rng_below(&r, 999);
			pq_put_i64(x->w, t->ts, us);
			j_ts(nd, us);
		}
		/* truth: mostly null; when present, fault is required. */
		j_key(x, "truth", &first);
		if (i % 5 != 0) {
			pq_null(x->w, t->tr);
			jw_null(nd);
		} else {
			bool f2 = true;	/* the first key opens the brace */
			j_key(x, "episode", &f2);
			if (i % 3 == 0) {
				pq_null(x->w, t->ep);
				jw_null(nd);
			} else {
				pq_put_str(x->w, t->ep, "sepsis", 6);
				jw_string(nd, "sepsis", 6);
			}
			j_key(x, "episode_id", &f2);
			if (i % 2 == 0) {
				pq_null(x->w, t->epid);
				jw_null(nd);
			} else {
				pq_put_i64(x->w, t->epid, (int64_t)i);
				jw_int(nd, (int64_t)i);
			}
			j_key(x, "fault", &f2);
			pq_put_str(x->w, t->fault, i % 2 ? "lead_off" : "",
			    i % 2 ? 8 : 0);
			jw_string(nd, i % 2 ? "lead_off" : "", i % 2 ? 8 : 0);
			writer_char(nd, '}');
		}
		end_row(x);
	}
}

static void
write_types(const char *dir, const char *name, const struct pq_options *o,
    size_t rows)
{
	struct types t;
	struct sample x;

	types_schema(&t);
	sample_open(&x, dir, name, t.s, o);
	types_rows(&x, &t, rows);
	sample_close(&x);
	pq_schema_free(t.s);
}

/* Put a string map from NULL-terminated key/value arrays and write it
 * as a JSON object. */
static void
map_put(struct sample *x, int node, const char *const *kv, size_t n)
{
	struct pq_str k[8], v[8];
	bool first = true;

	writer_char(&x->nd, '{');
	for (size_t i = 0; i < n; i++) {
		k[i].p = kv[2 * i];
		k[i].len = strlen(kv[2 * i]);
		v[i].p = kv[2 * i + 1];
		v[i].len = v[i].p ? strlen(v[i].p) : 0;
		if (!first)
			writer_char(&x->nd, ',');
		first = false;
		jw_string(&x->nd, k[i].p, k[i].len);
		writer_char(&x->nd, ':');
		if (v[i].p)
			jw_string(&x->nd, v[i].p, v[i].len);
		else
			jw_null(&x->nd);
	}
	writer_char(&x->nd, '}');
	pq_put_map(x->w, node, k, v, n);
}

static void
j_str(struct sample *x, int leaf, const char *s)
{
	pq_put_str(x->w, leaf, s, strlen(s));
	jw_string(&x->nd, s, strlen(s));
}

static void
j_long(struct sample *x, int leaf, int64_t v)
{
	pq_put_i64(x->w, leaf, v);
	jw_int(&x->nd, v);
}

/* The other top-level actions of a checkpoint row are null. */
static void
null_except(struct sample *x, const struct ckpt *c, int keep, bool *first)
{
	static const char *names[] = { "txn", "add", "remove", "metaData",
	    "protocol" };
	int nodes[] = { c->txn, c->add, c->rm, c->md, c->proto };

	for (int i = 0; i < 5; i++) {
		if (nodes[i] == keep)
			continue;
		pq_null(x->w, nodes[i]);
		j_key(x, names[i], first);
		jw_null(&x->nd);
	}
}

static void
write_checkpoint(const char *dir, const struct pq_options *o, size_t adds)
{
	struct ckpt c;
	struct sample x;
	bool first;

	ckpt_schema(&c);
	sample_open(&x, dir, "checkpoint", c.s, o);

	/* protocol */
	first = true;
	null_except(&x, &c, c.proto, &first);
	j_key(&x, "protocol", &first);
	writer_str(&x.nd, "{\"minReaderVersion\":1,\"minWriterVersion\":2}");
	pq_put_i32(x.w, c.rv, 1);
	pq_put_i32(x.w, c.wv, 2);
	end_row(&x);

	/* metaData: nested struct, maps (one empty), a list */
	static const char *conf[] = { "delta.appendOnly", "true",
	    "delta.checkpointInterval", "10" };
	first = true;
	null_except(&x, &c, c.md, &first);
	j_key(&x, "metaData", &first);
	writer_str(&x.nd, "{\"id\":");
	j_str(&x, c.id, "5b9c6f0e-8a57-4c8e-9b8e-0d5e8a7e3a10");
	writer_str(&x.nd, ",\"name\":");
	pq_null(x.w, c.name);
	jw_null(&x.nd);
	writer_str(&x.nd, ",\"format\":{\"provider\":");
	j_str(&x, c.prov, "parquet");
	writer_str(&x.nd, ",\"options\":");
	map_put(&x, c.opts, NULL, 0);
	writer_str(&x.nd, "},\"schemaString\":");
	j_str(&x, c.sstr, "{\"type\":\"struct\",\"fields\":[]}");
	writer_str(&x.nd, ",\"partitionColumns\":[");
	struct pq_str pcols[2] = { { "event_date", 10 }, { "ward", 4 } };
	pq_put_list(x.w, c.pcols, pcols, 2);
	writer_str(&x.nd, "\"event_date\",\"ward\"]");
	writer_str(&x.nd, ",\"configuration\":");
	map_put(&x, c.conf, conf, 2);
	writer_str(&x.nd, ",\"createdTime\":");
	j_long(&x, c.ctime, INT64_C(1767225600000));
	writer_char(&x.nd, '}');
	end_row(&x);

	/* txn */
	first = true;
	null_except(&x, &c, c.txn, &first);
	j_key(&x, "txn", &first);
	writer_str(&x.nd, "{\"appId\":");
	j_str(&x, c.app, "vitals:silver:0");
	writer_str(&x.nd, ",\"version\":");
	j_long(&x, c.ver, 41999);
	writer_str(&x.nd, ",\"lastUpdated\":");
	pq_null(x.w, c.upd);
	jw_null(&x.nd);
	writer_char(&x.nd, '}');
	end_row(&x);

	/* remove, with the other leaves of remove absent */
	first = true;
	null_except(&x, &c, c.rm, &first);
	j_key(&x, "remove", &first);
	writer_str(&x.nd, "{\"path\":");
	j_str(&x, c.rpath, "event_date=2025-12-31/part-00000-old.parquet");
	writer_str(&x.nd, ",\"deletionTimestamp\":");
	j_long(&x, c.rts, INT64_C(1767225600500));
	writer_str(&x.nd, ",\"dataChange\":");
	pq_put_bool(x.w, c.rchange, true);
	jw_bool(&x.nd, true);
	writer_char(&x.nd, '}');
	end_row(&x);

	/* adds: partition maps of one or two entries, a null map value,
	 * null and empty tags, long stats strings */
	for (size_t i = 0; i < adds; i++) {
		char path[128], day[16], stats[256];
		const char *pv[] = { "event_date", day, "ward",
		    i % 3 ? "ICU" : NULL };
		static const char *tags[] = { "INSERTION_TIME", "1767225600" };

		iso_format_date(day, 20454 + (int32_t)(i % 30));
		snprintf(path, sizeof path, "event_date=%s/part-%05zu-"
		    "3f1c0de2-aaaa-4bbb-8ccc-%012zu.c000.zstd.parquet", day,
		    i, i * 7);
		snprintf(stats, sizeof stats, "{\"numRecords\":%zu,"
		    "\"minValues\":{\"heart_rate\":%zu},\"maxValues\":"
		    "{\"heart_rate\":%zu},\"nullCount\":{\"heart_rate\":0}}",
		    1000 + i, 40 + i % 20, 140 + i % 40);
		first = true;
		null_except(&x, &c, c.add, &first);
		j_key(&x, "add", &first);
		writer_str(&x.nd, "{\"path\":");
		j_str(&x, c.path, path);
		writer_str(&x.nd, ",\"partitionValues\":");
		map_put(&x, c.pv, pv, i % 4 == 0 ? 1 : 2);
		writer_str(&x.nd, ",\"size\":");
		j_long(&x, c.size, 100000 + (int64_t)i * 37);
		writer_str(&x.nd, ",\"modificationTime\":");
		j_long(&x, c.mtime, INT64_C(1767225600000) + (int64_t)i);
		writer_str(&x.nd, ",\"dataChange\":");
		pq_put_bool(x.w, c.change, true);
		jw_bool(&x.nd, true);
		writer_str(&x.nd, ",\"stats\":");
		j_str(&x, c.stats, stats);
		writer_str(&x.nd, ",\"tags\":");
		if (i % 5 == 0) {
			pq_null(x.w, c.tags);
			jw_null(&x.nd);
		} else {
			map_put(&x, c.tags, tags, i % 5 == 1 ? 0 : 1);
		}
		writer_char(&x.nd, '}');
		end_row(&x);
	}
	sample_close(&x);
	pq_schema_free(c.s);
}

/* A Silver-like row: the table's own schema, filled by name. */
struct silver {
	struct pq_schema *s;
	const struct schema *t;
	int *node;		/* per top-level field */
	int tr, ep, epid, fault;
};

static void
silver_open(struct silver *v, const struct schema *t)
{
	v->t = t;
	v->s = pq_schema_from(t);
	v->node = calloc(t->n, sizeof *v->node);
	for (size_t i = 0; i < t->n; i++)
		v->node[i] = pq_find(v->s, t->f[i].name);
	v->tr = pq_find(v->s, "truth");
	v->ep = pq_find(v->s, "truth.episode");
	v->epid = pq_find(v->s, "truth.episode_id");
	v->fault = pq_find(v->s, "truth.fault");
}

static void
silver_close(struct silver *v)
{
	pq_schema_free(v->s);
	free(v->node);
}

/* Values of one synthetic Silver row, generated before timing so that
 * the benchmark measures the encoder alone. */
struct srow {
	int64_t ts, off, kts, epid;
	double temp, spo2, map, si, score;
	int32_t date, hr, rr, sys, dia, pp, news, n[5], age, part;
	uint16_t patient;
	uint8_t ward, band, flags, sex, cond, episode, fault;
	uint16_t bools;		/* 10 booleans, bit per field */
	uint16_t nulls;		/* some vitals absent */
	bool truth;
};

static const char *const wards[] = { "ICU", "CCU", "ED", "ward-1",
    "ward-2", "ward-3", "ward-4", "oncology", "maternity", "paediatrics" };
static const char *const bands[] = { "low", "low-medium", "medium",
    "high" };
static const char *const flagtxt[] = { NULL, "temperature_fahrenheit",
    "spo2_clamped", "duplicate" };
static const char *const conds[] = { "hypertension", "diabetes",
    "copd,hypertension", "heart_failure", NULL, "asthma" };
static const char *const episodes[] = { NULL, "sepsis", "tachycardia",
    "hypoxia" };
static const char *const faults[] = { NULL, "lead_off", "spike",
    "frozen" };

static void
gen_rows(struct srow *rows, size_t n, char (*ids)[37])
{
	struct rng r;

	rng_seed(&r, 2026);
	for (size_t p = 0; p < 500; p++) {
		uint64_t a = rng_next(&r), b = rng_next(&r);
		snprintf(ids[p], 37, "%08x-%04x-4%03x-%04x-%012llx",
		    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		    (unsigned)a & 0xfff, ((unsigned)(b >> 48) & 0x3fff) | 0x8000,
		    (unsigned long long)(b & 0xffffffffffffULL));
	}
	for (size_t i = 0; i < n; i++) {
		struct srow *x = &rows[i];
		memset(x, 0, sizeof *x);
		x->patient = (uint16_t)(i % 500);
		x->ward = (uint8_t)(i % 500 / 50);
		/* 500 patients read in turn, each every 5 s. */
		x->ts = INT64_C(1767225600000000) + (int64_t)(i / 500) *
		    5000000 + (int64_t)(i % 500) * 1000;
		x->date = usec_to_days(x->ts);
		x->hr = 60 + (int32_t)rng_below(&r, 60);
		x->temp = round(rng_range(&r, 35.5, 39.5) * 10) / 10;
		x->spo2 = round(rng_range(&r, 88, 100) * 10) / 10;
		x->rr = 10 + (int32_t)rng_below(&r, 20);
		x->sys = 90 + (int32_t)rng_below(&r, 70);
		x->dia = 50 + (int32_t)rng_below(&r, 40);
		x->map = round((x->sys + 2.0 * x->dia) / 3 * 10) / 10;
		x->pp = x->sys - x->dia;
		x->si = round((double)x->hr / x->sys * 100) / 100;
		for (int k = 0; k < 5; k++)
			x->n[k] = (int32_t)rng_below(&r, 4);
		x->news = x->n[0] + x->n[1] + x->n[2] + x->n[3] + x->n[4];
		x->band = (uint8_t)(x->news < 5 ? 0 : x->news < 7 ? 1 :
		    x->news < 9 ? 2 : 3);
		x->bools = (uint16_t)(rng_below(&r, 20) == 0 ? rng_below(&r,
		    1024) : 0);
		x->nulls = (uint16_t)(rng_below(&r, 50) == 0 ? rng_below(&r,
		    16) : 0);
		x->flags = (uint8_t)(rng_below(&r, 30) == 0 ? 1 +
		    rng_below(&r, 3) : 0);
		x->age = 20 + (int32_t)(i % 500 * 7 % 70);
		x->sex = (uint8_t)(i % 2);
		x->cond = (uint8_t)(i % 500 % 6);
		x->part = (int32_t)(i % 500 % 4);
		x->off = (int64_t)(i / 4);
		x->kts = x->ts + 1000 + (int64_t)rng_below(&r, 5000);
		x->score = round(rng_uniform(&r) * 10000) / 10000;
		x->truth = rng_below(&r, 10) == 0;
		x->episode = (uint8_t)rng_below(&r, 4);
		x->epid = (int64_t)(i / 1000);
		x->fault = (uint8_t)rng_below(&r, 4);
	}
}

/* Puts one field of a Silver row (and writes its JSON when nd != NULL). */
static void
put_silver(struct pq_writer *w, struct writer *nd, const struct silver *v,
    const struct srow *x, char (*ids)[37], size_t i)
{
	const struct schema *t = v->t;
	const char *name = t->f[i].name;
	int node = v->node[i];
	const char *s = NULL;
	int64_t l = 0;
	double d = 0;
	enum { S, I, L, D, B, TS, DT, NUL } k = NUL;

	/* Fields by name, so the schema may grow. */
#define IS(n) (strcmp(name, n) == 0)
	if (IS("patient_id")) { s = ids[x->patient]; k = S; }
	else if (IS("device_id")) { s = "monitor-7"; k = x->nulls & 1 ? NUL : S; }
	else if (IS("ward")) { s = wards[x->ward]; k = S; }
	else if (IS("event_time")) { l = x->ts; k = TS; }
	else if (IS("event_date")) { l = x->date; k = DT; }
	else if (IS("heart_rate")) { l = x->hr; k = x->nulls & 2 ? NUL : I; }
	else if (IS("temperature")) { d = x->temp; k = D; }
	else if (IS("spo2")) { d = x->spo2; k = x->nulls & 4 ? NUL : D; }
	else if (IS("respiration_rate")) { l = x->rr; k = I; }
	else if (IS("bp_systolic")) { l = x->sys; k = x->nulls & 8 ? NUL : I; }
	else if (IS("bp_diastolic")) { l = x->dia; k = x->nulls & 8 ? NUL : I; }
	else if (IS("mean_arterial_pressure")) { d = x->map; k = x->nulls & 8 ? NUL : D; }
	else if (IS("pulse_pressure")) { l = x->pp; k = x->nulls & 8 ? NUL : I; }
	else if (IS("shock_index")) { d = x->si; k = x->nulls & 8 ? NUL : D; }
	else if (IS("news2_score")) { l = x->news; k = I; }
	else if (IS("news2_band")) { s = bands[x->band]; k = S; }
	else if (IS("news2_respiration")) { l = x->n[0]; k = I; }
	else if (IS("news2_spo2")) { l = x->n[1]; k = I; }
	else if (IS("news2_spo2_scale")) { l = 1 + (x->cond == 2); k = I; }
	else if (IS("news2_systolic")) { l = x->n[2]; k = I; }
	else if (IS("news2_heart_rate")) { l = x->n[3]; k = I; }
	else if (IS("news2_temperature")) { l = x->n[4]; k = I; }
	else if (IS("news2_partial")) { l = x->nulls != 0; k = B; }
	else if (IS("alert_reason")) {
		s = x->score > 0.95 ? "iforest: heart_rate high" : NULL;
		k = s ? S : NUL;
	}
	else if (strncmp(name, "alert_", 6) == 0) {
		static const char *const alerts[] = { "alert_tachycardia",
		    "alert_bradycardia", "alert_fever", "alert_hypothermia",
		    "alert_hypoxia", "alert_hypotension", "alert_hypertension",
		    "alert_tachypnoea" };
		for (int a = 0; a < 8; a++)
			if (IS(alerts[a]))
				l = x->bools >> a & 1;
		k = B;
	}
	else if (IS("quality_flags")) { s = flagtxt[x->flags]; k = s ? S : NUL; }
	else if (IS("age")) { l = x->age; k = I; }
	else if (IS("sex")) { s = x->sex ? "M" : "F"; k = S; }
	else if (IS("conditions")) { s = conds[x->cond]; k = s ? S : NUL; }
	else if (IS("topic")) { s = "vitals.raw"; k = S; }
	else if (IS("partition")) { l = x->part; k = I; }
	else if (IS("offset")) { l = x->off; k = L; }
	else if (IS("kafka_timestamp")) { l = x->kts; k = TS; }
	else if (IS("anomaly_score")) { d = x->score; k = D; }
	else if (IS("is_anomaly")) { l = x->score > 0.9; k = B; }
	else if (IS("alert")) { l = x->score > 0.95; k = B; }
#undef IS
	if (nd != NULL)
		jw_key(nd, name, strlen(name), i == 0);
	if (t->f[i].type == FT_STRUCT) {
		if (!x->truth) {
			pq_null(w, node);
			if (nd)
				jw_null(nd);
			return;
		}
		const char *ep = episodes[x->episode], *f = faults[x->fault];
		if (ep) pq_put_str(w, v->ep, ep, strlen(ep)); else pq_null(w, v->ep);
		if (ep) pq_put_i64(w, v->epid, x->epid); else pq_null(w, v->epid);
		if (f) pq_put_str(w, v->fault, f, strlen(f)); else pq_null(w, v->fault);
		if (nd) {
			jw_key(nd, "episode", 7, true);
			if (ep) jw_string(nd, ep, strlen(ep)); else jw_null(nd);
			jw_key(nd, "episode_id", 10, false);
			if (ep) jw_int(nd, x->epid); else jw_null(nd);
			jw_key(nd, "fault", 5, false);
			if (f) jw_string(nd, f, strlen(f)); else jw_null(nd);
			writer_char(nd, '}');
		}
		return;
	}
	switch (k) {
	case S:
		pq_put_str(w, node, s, strlen(s));
		if (nd) jw_string(nd, s, strlen(s));
		break;
	case I: case DT:
		pq_put_i32(w, node, (int32_t)l);
		if (nd && k == I) jw_int(nd, l);
		if (nd && k == DT) j_date(nd, (int32_t)l);
		break;
	case L: case TS:
		pq_put_i64(w, node, l);
		if (nd && k == L) jw_int(nd, l);
		if (nd && k == TS) j_ts(nd, l);
		break;
	case D:
		pq_put_double(w, node, d);
		if (nd) jw_double(nd, d);
		break;
	case B:
		pq_put_bool(w, node, l != 0);
		if (nd) jw_bool(nd, l != 0);
		break;
	case NUL:
		pq_null(w, node);
		if (nd) jw_null(nd);
		break;
	}
}

static void
write_silver(const char *dir, size_t rows)
{
	char err[200];
	struct schema *t = schema_load("silver", err, sizeof err);
	struct silver v;
	struct sample x;
	struct srow *data = calloc(rows, sizeof *data);
	char (*ids)[37] = calloc(500, 37);

	assert_non_null(t);
	silver_open(&v, t);
	gen_rows(data, rows, ids);
	sample_open(&x, dir, "silver", v.s, NULL);
	for (size_t r = 0; r < rows; r++) {
		for (size_t i = 0; i < t->n; i++)
			put_silver(x.w, &x.nd, &v, &data[r], ids, i);
		end_row(&x);
	}
	sample_close(&x);
	silver_close(&v);
	schema_free(t);
	free(data);
	free(ids);
}

static void
write_samples(const char *dir)
{
	static const enum codec codecs[] = {
		CODEC_ZSTD, CODEC_SNAPPY, CODEC_GZIP, CODEC_NONE
	};
	struct pq_options o;
	char name[64];

	mkdir(dir, 0755);
	for (size_t k = 0; k < 4; k++) {
		pq_options_init(&o);
		o.codec = codecs[k];
		snprintf(name, sizeof name, "types-%s", codec_name(codecs[k]));
		write_types(dir, name, &o, 3000);
	}
	/* PLAIN only, small pages and several row groups. */
	pq_options_init(&o);
	o.dict_bytes = 0;
	o.page_bytes = 2048;
	o.row_group_rows = 1500;
	write_types(dir, "types-plain-pages", &o, 5000);
	/* Dictionaries that overflow mid-chunk, row groups by bytes. */
	pq_options_init(&o);
	o.dict_bytes = 2048;
	o.row_group_bytes = 100 << 10;
	o.codec = CODEC_SNAPPY;
	write_types(dir, "types-dict-fallback", &o, 8000);
	/* Checkpoint-shaped, with pages split inside the maps' columns. */
	pq_options_init(&o);
	o.page_bytes = 4096;
	write_checkpoint(dir, &o, 400);
	write_silver(dir, 20000);
	/* No rows. */
	struct types t;
	struct sample x;
	types_schema(&t);
	sample_open(&x, dir, "empty", t.s, NULL);
	sample_close(&x);
	pq_schema_free(t.s);
}

/*
 * One sample as a reader meets it: the frame and footer decode, every
 * chunk's pages decompress and add up (walk_file), and the footer's
 * num_rows is the number of rows in the NDJSON beside it, each a JSON
 * object, so that tests/verify compares like with like.
 */
static void
check_sample(const char *dir, const char *name)
{
	char path[600], *line = NULL;
	struct file f;
	struct stat st;
	size_t cap = 0;
	int64_t rows = 0;
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "%s/%s.parquet", dir, name);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	load(fd, (uint64_t)st.st_size, &f);
	walk_file(&f);
	close(fd);
	snprintf(path, sizeof path, "%s/%s.ndjson", dir, name);
	assert_non_null(fp = fopen(path, "r"));
	while (getline(&line, &cap, fp) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		if (!json_is_object(j))
			fail_msg("%s:%lld: not a JSON object", path,
			    (long long)rows + 1);
		json_decref(j);
		rows++;
	}
	fclose(fp);
	free(line);
	assert_int_equal(rows, tv_int(&f.meta, 3));
	unload(&f);
}

/*
 * The sample files for the independent readers, written and checked.
 * They go to VL_PARQUET_OUT when it names a directory, and stay there
 * for tests/cli/parquet_readers.sh; otherwise to a scratch directory.
 */
static void
test_sample_files(void **state)
{
	(void)state;
	static const char *const names[] = { "types-zstd", "types-snappy",
	    "types-gzip", "types-none", "types-plain-pages",
	    "types-dict-fallback", "checkpoint", "silver", "empty" };
	const char *out = getenv("VL_PARQUET_OUT");
	char dir[512];
	struct dirent *e;
	DIR *d;
	size_t n = 0, len;

	if (out != NULL && *out != '\0')
		snprintf(dir, sizeof dir, "%s", out);
	else
		unit_tmpdir(dir, sizeof dir, "parquet-samples");
	write_samples(dir);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		check_sample(dir, names[i]);
	/* Nothing else: the readers' check takes every file it finds. */
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		n += len > 8 && strcmp(e->d_name + len - 8, ".parquet") == 0;
	}
	closedir(d);
	assert_int_equal(n, sizeof names / sizeof names[0]);
	if (out == NULL || *out == '\0')
		unit_rmtree(dir);
}

/* ------------------------------------------------------------------ */
/*
 * The encoder benchmark (VL_PARQUET_BENCH=rows).  It measures, it does
 * not test, so it is not one of the unit tests: main runs it instead of
 * them when asked.  Its asserts still stop it on a writer error.
 */

/* Wall-clock and CPU seconds: CPU time is what a shared, busy machine
 * does not distort. */
static double
seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench(size_t rows)
{
	const char *dir = getenv("VL_PARQUET_OUT");
	static const enum codec codecs[] = {
		CODEC_ZSTD, CODEC_SNAPPY, CODEC_GZIP, CODEC_NONE
	};
	char err[200], path[512];
	struct schema *t = schema_load("silver", err, sizeof err);
	struct silver v;
	struct srow *data = calloc(rows, sizeof *data);
	char (*ids)[37] = calloc(500, 37);

	assert_non_null(t);
	silver_open(&v, t);
	gen_rows(data, rows, ids);
	printf("%-8s %8s %8s %12s %10s %12s\n", "codec", "wall s", "cpu s",
	    "rows/cpu s", "bytes/row", "file bytes");
	const char *only = getenv("VL_PARQUET_CODEC");
	for (size_t k = 0; k < 4; k++) {
		if (only != NULL && strcmp(only, codec_name(codecs[k])) != 0)
			continue;
		snprintf(path, sizeof path, "%s/bench-%s.parquet",
		    dir ? dir : "/tmp", codec_name(codecs[k]));
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		struct pq_options o;
		uint64_t size;

		assert_true(fd >= 0);
		pq_options_init(&o);
		o.codec = codecs[k];
		if (getenv("VL_PARQUET_RG_ROWS") != NULL)
			o.row_group_rows = (uint64_t)atol(
			    getenv("VL_PARQUET_RG_ROWS"));
		double t0 = seconds(CLOCK_MONOTONIC);
		double c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
		struct pq_writer *w = pq_open(fd, v.s, &o);
		for (size_t r = 0; r < rows; r++) {
			for (size_t i = 0; i < t->n; i++)
				put_silver(w, NULL, &v, &data[r], ids, i);
			if (pq_end_row(w) != 0)
				fail_msg("%s", pq_error(w));
		}
		assert_int_equal(pq_close(w, &size), 0);
		double dt = seconds(CLOCK_MONOTONIC) - t0;
		double ct = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
		printf("%-8s %8.3f %8.3f %12.0f %10.1f %12llu\n",
		    codec_name(codecs[k]), dt, ct, rows / ct,
		    (double)size / rows, (unsigned long long)size);
		pq_free(w);
		close(fd);
		if (dir == NULL)
			unlink(path);
	}
	if (dir != NULL) {
		/* The same rows as NDJSON, for DuckDB to convert. */
		struct writer nd;
		snprintf(path, sizeof path, "%s/bench.ndjson", dir);
		assert_int_equal(writer_open(&nd, path, false), 0);
		int null = open("/dev/null", O_WRONLY);
		struct pq_writer *w = pq_open(null, v.s, NULL);
		for (size_t r = 0; r < rows; r++) {
			for (size_t i = 0; i < t->n; i++)
				put_silver(w, &nd, &v, &data[r], ids, i);
			writer_mem(&nd, "}\n", 2);
			writer_end_record(&nd);
			pq_end_row(w);
		}
		pq_close(w, NULL);
		close(null);
		pq_free(w);
		assert_int_equal(writer_close(&nd), 0);
		printf("wrote %s\n", path);
	}
	silver_close(&v);
	schema_free(t);
	free(data);
	free(ids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thrift_fields),
		cmocka_unit_test(test_thrift_nesting),
		cmocka_unit_test(test_rle_vectors),
		cmocka_unit_test(test_rle_round_trip),
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_footer),
		cmocka_unit_test(test_codec_files),
		cmocka_unit_test(test_dictionary_choice),
		cmocka_unit_test(test_dictionary_fallback),
		cmocka_unit_test(test_pages_bounded),
		cmocka_unit_test(test_row_group_bytes),
		cmocka_unit_test(test_statistics),
		cmocka_unit_test(test_zero_rows),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_io_error_full),
		cmocka_unit_test(test_io_error_closed),
		cmocka_unit_test(test_schema_levels),
		cmocka_unit_test(test_sample_files),
	};
	const char *bench_rows = getenv("VL_PARQUET_BENCH");

	if (bench_rows != NULL) {
		if (atol(bench_rows) <= 0) {
			fprintf(stderr, "VL_PARQUET_BENCH=%s: not a number of "
			    "rows\n", bench_rows);
			return 2;
		}
		bench((size_t)atol(bench_rows));
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
