/*
 * parquet_read, the Thrift decoder and checkpoint_read_latest:
 *   - the decoder against the encoder, skipping of every type, and
 *     hostile bytes (truncation, lying counts, deep nesting);
 *   - files written by the writer (lib/parquet.h) read back value by
 *     value: every type, nulls, nested structs, maps and lists, all
 *     codecs, dictionary and PLAIN, several pages and row groups;
 *   - files built here byte by byte for what our writer never writes:
 *     v2 pages, PLAIN_DICTIONARY, RLE booleans, BIT_PACKED levels, the
 *     DELTA_* and BYTE_STREAM_SPLIT encodings, INT96, FLOAT, FLBA,
 *     timestamp units, unsigned ints, decimals in all four physical
 *     types, legacy lists, rows across pages, CRCs, index pages;
 *   - Spark's files in ../shared/delta-golden, and its checkpoint read
 *     back equal to the JSON replay;
 *   - corrupt files: each a clean error (run under ASan: never a bad
 *     read).
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
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "unit.h"

#include "checkpoint.h"
#include "compress.h"
#include "delta.h"
#include "isotime.h"
#include "parquet.h"
#include "parquet_read.h"
#include "rng.h"
#include "thrift.h"

/* ------------------------------------------------------------------ */
/* Helpers */

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void
add(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
add_le32(struct bytes *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	add(b, x, 4);
}

static void
add_varint(struct bytes *b, uint64_t v)
{
	uint8_t x;

	while (v >= 0x80) {
		x = (uint8_t)(v | 0x80);
		add(b, &x, 1);
		v >>= 7;
	}
	x = (uint8_t)v;
	add(b, &x, 1);
}

/* Reads a whole file written to fd at offset 0. */
static struct bytes
slurp(int fd)
{
	struct bytes b = { 0 };
	uint8_t buf[65536];
	ssize_t n;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		add(&b, buf, (size_t)n);
	return b;
}

static int
scratch_fd(void)
{
	char path[] = "/tmp/vl-pqr-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static struct pqr_file *
open_bytes(const struct bytes *b, const struct pqr_options *o)
{
	char err[512];
	struct pqr_file *f = pqr_open_mem(b->p, b->len, o, err, sizeof err);

	if (f == NULL)
		fail_msg("pqr_open_mem: %s", err);
	return f;
}

/* Reads every row of f as JSON; the rows, or NULL with the reader failed. */
static json_t *
all_rows(struct pqr_file *f)
{
	json_t *rows = json_array(), *r;
	int rc;

	while ((rc = pqr_next(f)) == 1) {
		if ((r = pqr_json(f, 0)) == NULL) {
			rc = -1;
			break;
		}
		json_array_append_new(rows, r);
	}
	if (rc < 0) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* The rows of f must be the JSON text expect (an array). */
static void
expect_rows(struct pqr_file *f, const char *expect)
{
	json_error_t je;
	json_t *want = json_loads(expect, 0, &je), *got = all_rows(f);

	if (want == NULL)
		fail_msg("bad expected JSON: %s", je.text);
	if (got == NULL)
		fail_msg("read failed: %s", pqr_error(f));
	if (!json_equal(want, got)) {
		char *g = json_dumps(got, JSON_COMPACT);
		fail_msg("rows differ:\n got  %s\n want %s", g, expect);
	}
	json_decref(want);
	json_decref(got);
}

/* Reading all of f must fail with an error containing msg. */
static void
expect_read_error(struct pqr_file *f, const char *msg)
{
	json_t *rows = all_rows(f);

	if (rows != NULL)
		fail_msg("read succeeded; expected an error with \"%s\"", msg);
	if (strstr(pqr_error(f), msg) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", pqr_error(f), msg);
	/* Failed stays failed. */
	assert_int_equal(pqr_next(f), -1);
}

static void
expect_open_error(const struct bytes *b, const char *msg)
{
	char err[512] = "";
	struct pqr_file *f = pqr_open_mem(b->p, b->len, NULL, err, sizeof err);

	if (f != NULL)
		fail_msg("open succeeded; expected an error with \"%s\"", msg);
	if (strstr(err, msg) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, msg);
}

/* ------------------------------------------------------------------ */
/* Thrift decoder */

static void
encode_sample(struct thrift *t)
{
	thrift_init(t);
	thrift_struct_begin(t);
	thrift_field_bool(t, 1, true);
	thrift_field_bool(t, 2, false);
	thrift_field_i8(t, 3, -5);
	thrift_field_i16(t, 4, -300);
	thrift_field_i32(t, 5, INT32_MIN);
	thrift_field_i64(t, 6, INT64_MAX);
	thrift_field_double(t, 7, -2.5);
	thrift_field_binary(t, 8, "abc", 3);
	thrift_field_list(t, 9, TT_I32, 20);
	for (int i = 0; i < 20; i++)
		thrift_elem_i32(t, i * -1000);
	thrift_field_struct(t, 40);		/* long-form id */
	thrift_field_string(t, 1, "inner");
	thrift_field_struct(t, 2);
	thrift_field_i64(t, 3, -1);
	thrift_struct_end(t);
	thrift_struct_end(t);
	thrift_field_list(t, 41, TT_STRUCT, 2);
	for (int i = 0; i < 2; i++) {
		thrift_elem_struct(t);
		thrift_field_i32(t, 1, i);
		thrift_struct_end(t);
	}
	thrift_struct_end(t);
}

static void
test_thrift_decode(void **state)
{
	(void)state;
	struct thrift t;
	struct thrift_in in;
	int16_t id;
	enum thrift_type ty, et;
	uint32_t n;
	int64_t i64;
	int32_t i32;
	double d;
	bool b;
	const uint8_t *p;
	size_t len;

	encode_sample(&t);
	thrift_in_init(&in, t.buf, t.len);
	assert_int_equal(thrift_read_struct_begin(&in, TT_STRUCT), 0);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(id, 1);
	assert_int_equal(thrift_read_bool(&in, ty, &b), 0);
	assert_true(b);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_bool(&in, ty, &b), 0);
	assert_false(b);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_i32(&in, ty, &i32), 0);
	assert_int_equal(i32, -5);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_i32(&in, ty, &i32), 0);
	assert_int_equal(i32, -300);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_i32(&in, ty, &i32), 0);
	assert_int_equal(i32, INT32_MIN);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_i64(&in, ty, &i64), 0);
	assert_true(i64 == INT64_MAX);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_double(&in, ty, &d), 0);
	assert_true(d == -2.5);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_binary(&in, ty, &p, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "abc", 3);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_list(&in, ty, &et, &n), 0);
	assert_int_equal(et, TT_I32);
	assert_int_equal(n, 20);		/* the long list header */
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(thrift_read_i32(&in, et, &i32), 0);
		assert_int_equal(i32, (int32_t)k * -1000);
	}
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(id, 40);
	assert_int_equal(ty, TT_STRUCT);
	/* A struct skipped whole, nested struct and all. */
	assert_int_equal(thrift_skip(&in, ty), 0);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(id, 41);
	assert_int_equal(thrift_read_list(&in, ty, &et, &n), 0);
	assert_int_equal(n, 2);
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(thrift_read_struct_begin(&in, et), 0);
		assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
		assert_int_equal(thrift_read_i32(&in, ty, &i32), 0);
		assert_int_equal(i32, (int32_t)k);
		assert_int_equal(thrift_read_field(&in, &id, &ty), 0);
	}
	assert_int_equal(thrift_read_field(&in, &id, &ty), 0);
	assert_null(in.err);
	assert_true(in.p == in.end);

	/* A value of the wrong type is an error, and errors stick. */
	thrift_in_init(&in, t.buf, t.len);
	thrift_read_struct_begin(&in, TT_STRUCT);
	thrift_read_field(&in, &id, &ty);
	assert_int_equal(thrift_read_i32(&in, ty, &i32), -1);
	assert_non_null(in.err);
	assert_int_equal(thrift_read_field(&in, &id, &ty), -1);
	thrift_free(&t);
}

/* Skips the outermost struct of p[0..n): 0, or -1 with in->err. */
static int
skip_all(struct thrift_in *in, const void *p, size_t n)
{
	int16_t id;
	enum thrift_type ty;
	int rc;

	thrift_in_init(in, p, n);
	if (thrift_read_struct_begin(in, TT_STRUCT) != 0)
		return -1;
	while ((rc = thrift_read_field(in, &id, &ty)) == 1)
		if (thrift_skip(in, ty) != 0)
			return -1;
	return rc;
}

static void
test_thrift_skip_types(void **state)
{
	(void)state;
	/* Types the encoder never writes: a map<i32,binary>, a set of
	 * i64, a list of bools (elements are bytes), a list of lists. */
	static const uint8_t msg[] = {
		0x1b, 0x02, 0x58, 0x02, 0x01, 'a', 0x04, 0x02, 'b', 'c',
		0x1a, 0x26, 0x02, 0x04,
		0x19, 0x31, 0x01, 0x02, 0x01,
		0x19, 0x29, 0x15, 0x02, 0x25, 0x04, 0x06,
		0x11,			/* a true bool field */
		0x00
	};
	struct thrift_in in;

	assert_int_equal(skip_all(&in, msg, sizeof msg), 0);
	assert_null(in.err);
	assert_true(in.p == in.end);
}

static void
test_thrift_hostile(void **state)
{
	(void)state;
	struct thrift t;
	struct thrift_in in;
	uint8_t deep[64], buf[32];
	enum thrift_type et;
	uint32_t n;
	int16_t id;
	enum thrift_type ty;
	int32_t i32;

	/* Every truncation of a valid message is an error, marked as
	 * running out of bytes. */
	encode_sample(&t);
	for (size_t cut = 0; cut < t.len; cut++) {
		uint8_t *copy = malloc(cut + 1);
		memcpy(copy, t.buf, cut);
		assert_int_equal(skip_all(&in, copy, cut), -1);
		assert_true(in.truncated);
		free(copy);
	}
	thrift_free(&t);

	/* Nesting deeper than THRIFT_MAX_DEPTH, skipped or read. */
	memset(deep, 0x1c, sizeof deep);	/* field 1: struct, again */
	assert_int_equal(skip_all(&in, deep, sizeof deep), -1);
	assert_string_equal(in.err, "values nested too deeply");
	memset(deep, 0x19, sizeof deep);	/* lists of lists */
	assert_int_equal(skip_all(&in, deep, sizeof deep), -1);
	assert_string_equal(in.err, "values nested too deeply");

	/* A list that claims four billion elements: refused at once. */
	static const uint8_t big[] = { 0x19, 0xf5, 0xff, 0xff, 0xff, 0xff,
	    0x0f, 0x02, 0x00 };
	thrift_in_init(&in, big, sizeof big);
	thrift_read_struct_begin(&in, TT_STRUCT);
	assert_int_equal(thrift_read_field(&in, &id, &ty), 1);
	assert_int_equal(thrift_read_list(&in, ty, &et, &n), -1);
	assert_true(in.truncated);

	/* A map with more entries than bytes. */
	static const uint8_t map[] = { 0x1b, 0xff, 0xff, 0x03, 0x55, 0x00 };
	assert_int_equal(skip_all(&in, map, sizeof map), -1);

	/* A varint longer than 64 bits. */
	memset(buf, 0xff, sizeof buf);
	buf[0] = 0x16;				/* field 1: i64 */
	assert_int_equal(skip_all(&in, buf, sizeof buf), -1);
	assert_string_equal(in.err, "varint longer than 64 bits");

	/* An i32 field holding 2^33; an unknown type nibble. */
	static const uint8_t wide[] = { 0x15, 0x80, 0x80, 0x80, 0x80, 0x40,
	    0x00 };
	thrift_in_init(&in, wide, sizeof wide);
	thrift_read_struct_begin(&in, TT_STRUCT);
	thrift_read_field(&in, &id, &ty);
	assert_int_equal(thrift_read_i32(&in, ty, &i32), -1);
	assert_string_equal(in.err, "integer out of range for its type");
	static const uint8_t odd[] = { 0x1d, 0x00 };
	assert_int_equal(skip_all(&in, odd, sizeof odd), -1);
	assert_string_equal(in.err, "unknown field type");
}

/* ------------------------------------------------------------------ */
/* Round trips through the writer (lib/parquet.h) */

#define MIB	(1u << 20)

struct tschema {
	struct pq_schema *s;
	int str, i32, i64, dbl, b, date, ts, tr, ep, epid, fault, tags, cols;
};

static void
tschema_make(struct tschema *t)
{
	t->s = pq_schema_new();
	t->str = pq_leaf(t->s, 0, "s", PQ_STRING, PQ_OPTIONAL);
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
	t->tags = pq_map(t->s, 0, "tags", PQ_OPTIONAL, true);
	t->cols = pq_list(t->s, 0, "cols", PQ_OPTIONAL, PQ_STRING, true);
}

/* Row i's values: a function of i alone, so the reader's values can be
 * checked against it one by one. */
struct trow {
	bool s_null, i32_null, d_null, b_null, ts_null;
	char s[1024];
	size_t slen;
	int32_t i32, date;
	int64_t i64, ts;
	double d;
	bool b;
	json_t *truth, *tags, *cols;	/* expected JSON (null included) */
	struct pq_str tk[3], tv[3], ce[4];
	size_t ntags, ncols;
	char kbuf[3][24], vbuf[3][24], cbuf[4][48];
};

static void
trow_make(size_t i, struct trow *r)
{
	static const char *const strs[] = { "", "a", "\xc3\xa9t\xc3\xa9",
	    "\xf0\x9f\x98\x80 emoji", "with \"quotes\" and \\", "tab\there",
	    "ICU", "ward-3" };
	static const int32_t i32s[] = { INT32_MIN, INT32_MAX, 0, -1, 72 };
	static const int64_t i64s[] = { INT64_MIN, INT64_MAX, 0, -1,
	    INT64_C(9007199254740993) };
	static const double dbls[] = { -0.0, 0.0, 36.6, -40.25, 1e300, NAN,
	    INFINITY, -INFINITY, 5e-324, 98.6 };
	static const int32_t dates[] = { 0, -1, 20454, -719162, 2932896 };
	static const int64_t tss[] = { 0, -1, INT64_C(1767225600123456),
	    INT64_C(-62135596800000000), INT64_C(253402300799999999) };
	size_t k = i % 11;

	memset(r, 0, sizeof *r);
	r->s_null = k == 8;
	if (k < 8) {
		r->slen = strlen(strs[k]);
		memcpy(r->s, strs[k], r->slen);
	} else if (k == 9) {
		r->slen = 100 + i % 900;
		memset(r->s, 'a' + (int)(i % 26), r->slen);
	} else if (k == 10) {
		r->slen = (size_t)snprintf(r->s, sizeof r->s, "patient-%zu", i);
	}
	r->i32_null = i % 6 == 5;
	r->i32 = i < 5 ? i32s[i] : (int32_t)(i * 7919 % 201) - 100;
	r->i64 = i < 5 ? i64s[i] : (int64_t)(i * UINT64_C(0x9e3779b97f4a7c15));
	r->d_null = i % 8 == 7;
	r->d = i < 10 ? dbls[i] :
	    round((30 + (double)(i % 150) / 10) * 10) / 10;
	r->b_null = i % 4 == 3;
	r->b = i % 3 == 0;
	r->date = i < 5 ? dates[i] : 20454 + (int32_t)(i % 40);
	r->ts_null = i % 10 == 9;
	r->ts = i < 5 ? tss[i] : INT64_C(1767225600000000) +
	    (int64_t)i * 2500000 + (int64_t)(i % 999);
	if (i % 5 != 0)
		r->truth = json_null();
	else
		r->truth = json_pack("{s:o,s:o,s:s}",
		    "episode", i % 3 == 0 ? json_null() : json_string("sepsis"),
		    "episode_id", i % 2 == 0 ? json_null() :
		    json_integer((json_int_t)i),
		    "fault", i % 2 ? "lead_off" : "");
	if (i % 7 == 0) {
		r->tags = json_null();
	} else {
		r->tags = json_object();
		r->ntags = i % 7 == 1 ? 0 : 1 + i % 3;
		for (size_t j = 0; j < r->ntags; j++) {
			snprintf(r->kbuf[j], sizeof r->kbuf[j], "k%zu", j);
			r->tk[j].p = r->kbuf[j];
			r->tk[j].len = strlen(r->kbuf[j]);
			if (j == 1 && i % 2) {
				json_object_set_new(r->tags, r->kbuf[j],
				    json_null());
				continue;
			}
			snprintf(r->vbuf[j], sizeof r->vbuf[j], "v%zu", i + j);
			r->tv[j].p = r->vbuf[j];
			r->tv[j].len = strlen(r->vbuf[j]);
			json_object_set_new(r->tags, r->kbuf[j],
			    json_string(r->vbuf[j]));
		}
	}
	if (i % 6 == 0) {
		r->cols = json_null();
	} else {
		r->cols = json_array();
		r->ncols = i % 6 == 1 ? 0 : 1 + i % 4;
		for (size_t j = 0; j < r->ncols; j++) {
			if (j == 2) {
				json_array_append_new(r->cols, json_null());
				continue;
			}
			snprintf(r->cbuf[j], sizeof r->cbuf[j], "c%zu-%zu", i,
			    j);
			r->ce[j].p = r->cbuf[j];
			r->ce[j].len = strlen(r->cbuf[j]);
			json_array_append_new(r->cols, json_string(r->cbuf[j]));
		}
	}
}

static void
trow_free(struct trow *r)
{
	json_decref(r->truth);
	json_decref(r->tags);
	json_decref(r->cols);
}

static void
trow_put(struct pq_writer *w, const struct tschema *t, const struct trow *r)
{
	json_t *v;

	if (r->s_null)
		pq_null(w, t->str);
	else
		pq_put_str(w, t->str, r->s, r->slen);
	if (r->i32_null)
		pq_null(w, t->i32);
	else
		pq_put_i32(w, t->i32, r->i32);
	pq_put_i64(w, t->i64, r->i64);
	if (r->d_null)
		pq_null(w, t->dbl);
	else
		pq_put_double(w, t->dbl, r->d);
	if (r->b_null)
		pq_null(w, t->b);
	else
		pq_put_bool(w, t->b, r->b);
	pq_put_i32(w, t->date, r->date);
	if (r->ts_null)
		pq_null(w, t->ts);
	else
		pq_put_i64(w, t->ts, r->ts);
	if (json_is_null(r->truth)) {
		pq_null(w, t->tr);
	} else {
		v = json_object_get(r->truth, "episode");
		if (json_is_null(v))
			pq_null(w, t->ep);
		else
			pq_put_str(w, t->ep, "sepsis", 6);
		v = json_object_get(r->truth, "episode_id");
		if (json_is_null(v))
			pq_null(w, t->epid);
		else
			pq_put_i64(w, t->epid, json_integer_value(v));
		v = json_object_get(r->truth, "fault");
		pq_put_str(w, t->fault, json_string_value(v),
		    json_string_length(v));
	}
	if (json_is_null(r->tags))
		pq_null(w, t->tags);
	else
		pq_put_map(w, t->tags, r->tk, r->tv, r->ntags);
	if (json_is_null(r->cols))
		pq_null(w, t->cols);
	else
		pq_put_list(w, t->cols, r->ce, r->ncols);
}

static struct bytes
write_types(const struct tschema *t, const struct pq_options *o, size_t rows)
{
	int fd = scratch_fd();
	struct pq_writer *w = pq_open(fd, t->s, o);
	struct bytes b;

	for (size_t i = 0; i < rows; i++) {
		struct trow r;
		trow_make(i, &r);
		trow_put(w, t, &r);
		trow_free(&r);
		if (pq_end_row(w) != 0)
			fail_msg("%s", pq_error(w));
	}
	assert_int_equal(pq_close(w, NULL), 0);
	pq_free(w);
	b = slurp(fd);
	close(fd);
	return b;
}

static void
value_is(struct pqr_file *f, const char *name, enum pqr_type type,
    struct pqr_value *v)
{
	int node = pqr_find(f, name);

	assert_true(node > 0);
	if (pqr_value(f, node, v) != 0)
		fail_msg("%s: %s", name, pqr_error(f));
	if (v->type != type)
		fail_msg("row %lld, %s: type %d, expected %d",
		    (long long)pqr_row(f), name, v->type, type);
}

static void
expect_json(struct pqr_file *f, const char *name, json_t *want)
{
	json_t *got = pqr_json(f, pqr_find(f, name));

	if (got == NULL)
		fail_msg("%s: %s", name, pqr_error(f));
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_ENCODE_ANY);
		char *w = json_dumps(want, JSON_ENCODE_ANY);
		fail_msg("row %lld, %s: %s, expected %s",
		    (long long)pqr_row(f), name, g, w);
	}
	json_decref(got);
}

/* Every value of every row against trow_make. */
static void
check_types(struct pqr_file *f, size_t rows)
{
	struct pqr_value v;
	size_t i = 0;
	int rc;

	while ((rc = pqr_next(f)) == 1) {
		struct trow r;

		assert_int_equal(pqr_row(f), (int64_t)i);
		trow_make(i, &r);
		value_is(f, "s", r.s_null ? PQR_NULL : PQR_STRING, &v);
		if (!r.s_null) {
			assert_int_equal(v.len, r.slen);
			assert_memory_equal(v.s, r.s, r.slen);
		}
		value_is(f, "i32", r.i32_null ? PQR_NULL : PQR_INT, &v);
		if (!r.i32_null)
			assert_true(v.i == r.i32);
		value_is(f, "i64", PQR_INT, &v);
		assert_true(v.i == r.i64);
		value_is(f, "dbl", r.d_null ? PQR_NULL : PQR_DOUBLE, &v);
		/* Bit for bit: -0.0, NaN and the smallest subnormal too. */
		if (!r.d_null && !(isnan(r.d) && isnan(v.d)))
			assert_memory_equal(&v.d, &r.d, sizeof v.d);
		value_is(f, "b", r.b_null ? PQR_NULL : PQR_BOOLEAN, &v);
		if (!r.b_null)
			assert_int_equal(v.i, r.b);
		value_is(f, "date", PQR_DATE, &v);
		assert_int_equal(v.i, r.date);
		value_is(f, "ts", r.ts_null ? PQR_NULL : PQR_TIMESTAMP, &v);
		if (!r.ts_null)
			assert_true(v.i == r.ts);
		value_is(f, "truth.fault", json_is_null(r.truth) ? PQR_NULL :
		    PQR_STRING, &v);
		expect_json(f, "truth", r.truth);
		expect_json(f, "tags", r.tags);
		expect_json(f, "cols", r.cols);
		trow_free(&r);
		i++;
	}
	if (rc != 0)
		fail_msg("row %zu: %s", i, pqr_error(f));
	assert_int_equal(i, rows);
	assert_int_equal(pqr_next(f), 0);
}

static void
test_round_trips(void **state)
{
	(void)state;
	static const struct {
		enum codec codec;
		uint32_t dict, page;
		uint64_t rg_rows, rg_bytes;
		size_t rows;
		int min_groups;
	} cfg[] = {
		{ CODEC_ZSTD, MIB, MIB, MIB, 128 * MIB, 3000, 1 },
		{ CODEC_SNAPPY, MIB, MIB, MIB, 128 * MIB, 3000, 1 },
		{ CODEC_GZIP, MIB, MIB, MIB, 128 * MIB, 3000, 1 },
		{ CODEC_NONE, MIB, MIB, MIB, 128 * MIB, 3000, 1 },
		/* PLAIN only, small pages, several row groups */
		{ CODEC_ZSTD, 0, 2048, 1500, 128 * MIB, 5000, 4 },
		/* dictionaries that overflow mid-chunk, groups by bytes */
		{ CODEC_SNAPPY, 2048, MIB, 0, 100u << 10, 8000, 2 },
	};
	struct tschema t;

	tschema_make(&t);
	for (size_t k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
		struct pq_options o;
		struct bytes b;
		struct pqr_file *f;

		pq_options_init(&o);
		o.codec = cfg[k].codec;
		o.dict_bytes = cfg[k].dict;
		o.page_bytes = cfg[k].page;
		o.row_group_rows = cfg[k].rg_rows;
		o.row_group_bytes = cfg[k].rg_bytes;
		b = write_types(&t, &o, cfg[k].rows);
		f = open_bytes(&b, NULL);
		assert_int_equal(pqr_num_rows(f), cfg[k].rows);
		assert_true(pqr_row_groups(f) >= cfg[k].min_groups);
		check_types(f, cfg[k].rows);
		pqr_close(f);
		free(b.p);
	}

	/* The schema as the reader sees it. */
	struct bytes b = write_types(&t, NULL, 10);
	struct pqr_file *f = open_bytes(&b, NULL);
	const struct pqr_node *n;
	n = pqr_node(f, pqr_find(f, "tags"));
	assert_int_equal(n->shape, PQR_MAP);
	n = pqr_node(f, pqr_find(f, "tags.key_value.value"));
	assert_int_equal(n->def, 3);
	assert_int_equal(n->replvl, 1);
	assert_int_equal(n->type, PQR_STRING);
	assert_int_equal(pqr_node(f, pqr_find(f, "cols"))->shape, PQR_LIST);
	assert_int_equal(pqr_node(f, pqr_find(f, "truth"))->shape, PQR_STRUCT);
	n = pqr_node(f, pqr_find(f, "ts"));
	assert_int_equal(n->type, PQR_TIMESTAMP);
	assert_true(n->utc);
	assert_int_equal(pqr_node(f, pqr_find(f, "date"))->type, PQR_DATE);
	assert_int_equal(pqr_find(f, "truth.nope"), -1);
	assert_null(pqr_node(f, 999));
	assert_memory_equal(pqr_created_by(f), "vitals-lakehouse version", 24);

	/* Only the selected columns are read; the others are refused. */
	struct pqr_value v;
	assert_int_equal(pqr_select(f, pqr_find(f, "i64")), 0);
	assert_int_equal(pqr_select(f, pqr_find(f, "tags")), 0);
	assert_int_equal(pqr_next(f), 1);
	assert_int_equal(pqr_value(f, pqr_find(f, "i64"), &v), 0);
	assert_true(v.i == INT64_MIN);
	json_t *row = pqr_json(f, 0);
	assert_non_null(row);
	assert_int_equal(json_object_size(row), 2);	/* i64 and tags */
	json_decref(row);
	/* A leaf inside a repeated group has no single value. */
	assert_int_equal(pqr_value(f, pqr_find(f, "tags.key_value.key"), &v),
	    -1);
	assert_non_null(strstr(pqr_error(f), "not a selected leaf"));
	pqr_close(f);

	/* Options: timestamps and dates as text, null fields left out. */
	struct pqr_options ro;
	pqr_options_init(&ro);
	ro.iso_time = true;
	ro.omit_nulls = true;
	f = open_bytes(&b, &ro);
	assert_int_equal(pqr_select(f, pqr_find(f, "date")), 0);
	assert_int_equal(pqr_select(f, pqr_find(f, "ts")), 0);
	assert_int_equal(pqr_select(f, pqr_find(f, "truth")), 0);
	assert_int_equal(pqr_next(f), 1);
	row = pqr_json(f, 0);
	char *text = json_dumps(row, JSON_COMPACT);
	assert_string_equal(text, "{\"date\":\"1970-01-01\",\"ts\":"
	    "\"1970-01-01T00:00:00.000000Z\",\"truth\":{\"fault\":\"\"}}");
	free(text);
	json_decref(row);
	pqr_close(f);
	free(b.p);

	/* No rows at all. */
	b = write_types(&t, NULL, 0);
	f = open_bytes(&b, NULL);
	assert_int_equal(pqr_num_rows(f), 0);
	assert_int_equal(pqr_next(f), 0);
	assert_null(pqr_json(f, 0));		/* no current row */
	pqr_close(f);
	free(b.p);
	pq_schema_free(t.s);
}

/* ------------------------------------------------------------------ */
/* Files built by hand, byte by byte */

enum {
	T_BOOLEAN, T_INT32, T_INT64, T_INT96, T_FLOAT, T_DOUBLE,
	T_BYTE_ARRAY, T_FLBA
};
enum { REQ, OPT, REP };
/* ConvertedType + 1, so that 0 is "none" in the initializers below. */
#define CT(x)	((x) + 1)
enum {
	CT_UTF8 = 0, CT_MAP = 1, CT_MAP_KEY_VALUE = 2, CT_LIST = 3,
	CT_DECIMAL = 5, CT_DATE = 6, CT_TIMESTAMP_MILLIS = 9, CT_UINT_32 = 13
};

/* A schema element; nkids > 0 makes a group, element 0 is the root. */
struct hel {
	const char *name;
	int type, rep, nkids, ct, lt;
	int unit;		/* TIMESTAMP / TIME: 1 ms, 2 us, 3 ns */
	int bits;		/* INTEGER */
	bool is_signed, utc;
	int type_length;	/* FLBA */
	int scale, precision;	/* DECIMAL */
};

struct hchunk {
	int type, codec;
	int64_t nvalues, data_off, dict_off, comp;	/* dict_off 0: none */
};

struct hpage {
	int type;		/* 0 data v1, 1 index, 2 dictionary,
				 * 3 data v2 */
	int32_t nvalues, enc, def_enc, rep_enc;
	int32_t nnulls, nrows, def_len, rep_len;	/* v2 */
	bool v2_plain;		/* v2: is_compressed = false */
	int32_t usize, csize;	/* 0: the body's length */
	int crc;		/* 0 none, 1 right, 2 wrong */
};

static void
hb_start(struct bytes *b)
{
	memset(b, 0, sizeof *b);
	add(b, "PAR1", 4);
}

static void
hb_page(struct bytes *b, const struct hpage *h, const void *body, size_t n)
{
	struct thrift t;

	thrift_init(&t);
	thrift_struct_begin(&t);
	thrift_field_i32(&t, 1, h->type);
	thrift_field_i32(&t, 2, h->usize ? h->usize : (int32_t)n);
	thrift_field_i32(&t, 3, h->csize ? h->csize : (int32_t)n);
	if (h->crc)
		thrift_field_i32(&t, 4, (int32_t)(crc32(0, body, (uInt)n) +
		    (h->crc == 2)));
	switch (h->type) {
	case 0:
		thrift_field_struct(&t, 5);
		thrift_field_i32(&t, 1, h->nvalues);
		thrift_field_i32(&t, 2, h->enc);
		thrift_field_i32(&t, 3, h->def_enc ? h->def_enc : 3);
		thrift_field_i32(&t, 4, h->rep_enc ? h->rep_enc : 3);
		break;
	case 1:
		thrift_field_struct(&t, 6);
		break;
	case 2:
		thrift_field_struct(&t, 7);
		thrift_field_i32(&t, 1, h->nvalues);
		thrift_field_i32(&t, 2, h->enc);
		break;
	default:
		thrift_field_struct(&t, 8);
		thrift_field_i32(&t, 1, h->nvalues);
		thrift_field_i32(&t, 2, h->nnulls);
		thrift_field_i32(&t, 3, h->nrows);
		thrift_field_i32(&t, 4, h->enc);
		thrift_field_i32(&t, 5, h->def_len);
		thrift_field_i32(&t, 6, h->rep_len);
		if (h->v2_plain)
			thrift_field_bool(&t, 7, false);
		break;
	}
	thrift_struct_end(&t);
	thrift_struct_end(&t);
	add(b, t.buf, t.len);
	add(b, body, n);
	thrift_free(&t);
}

/* The footer of a file of nrg row groups of ncols chunks each. */
static void
hb_finish(struct bytes *b, const struct hel *el, int nel,
    const struct hchunk *ck, int ncols, const int64_t *rg_rows, int nrg,
    int64_t num_rows)
{
	struct thrift t;

	thrift_init(&t);
	thrift_struct_begin(&t);
	thrift_field_i32(&t, 1, 1);
	thrift_field_list(&t, 2, TT_STRUCT, (uint32_t)nel);
	for (int i = 0; i < nel; i++) {
		const struct hel *e = &el[i];
		thrift_elem_struct(&t);
		if (e->nkids == 0)
			thrift_field_i32(&t, 1, e->type);
		if (e->type_length)
			thrift_field_i32(&t, 2, e->type_length);
		if (i > 0)
			thrift_field_i32(&t, 3, e->rep);
		thrift_field_string(&t, 4, e->name);
		if (e->nkids)
			thrift_field_i32(&t, 5, e->nkids);
		if (e->ct)
			thrift_field_i32(&t, 6, e->ct - 1);
		if (e->scale)
			thrift_field_i32(&t, 7, e->scale);
		if (e->precision)
			thrift_field_i32(&t, 8, e->precision);
		if (e->lt) {
			thrift_field_struct(&t, 10);
			thrift_field_struct(&t, (int16_t)e->lt);
			if (e->lt == 5) {
				thrift_field_i32(&t, 1, e->scale);
				thrift_field_i32(&t, 2, e->precision);
			} else if (e->lt == 7 || e->lt == 8) {
				thrift_field_bool(&t, 1, e->utc);
				thrift_field_struct(&t, 2);
				thrift_field_struct(&t, (int16_t)e->unit);
				thrift_struct_end(&t);
				thrift_struct_end(&t);
			} else if (e->lt == 10) {
				thrift_field_i8(&t, 1, (int8_t)e->bits);
				thrift_field_bool(&t, 2, e->is_signed);
			}
			thrift_struct_end(&t);
			thrift_struct_end(&t);
		}
		thrift_struct_end(&t);
	}
	thrift_field_i64(&t, 3, num_rows);
	thrift_field_list(&t, 4, TT_STRUCT, (uint32_t)nrg);
	for (int g = 0; g < nrg; g++) {
		thrift_elem_struct(&t);
		thrift_field_list(&t, 1, TT_STRUCT, (uint32_t)ncols);
		for (int c = 0; c < ncols; c++) {
			const struct hchunk *k = &ck[g * ncols + c];
			thrift_elem_struct(&t);
			thrift_field_i64(&t, 2, 0);
			thrift_field_struct(&t, 3);
			thrift_field_i32(&t, 1, k->type);
			thrift_field_list(&t, 2, TT_I32, 1);
			thrift_elem_i32(&t, 0);
			thrift_field_list(&t, 3, TT_BINARY, 1);
			thrift_elem_string(&t, "x");
			thrift_field_i32(&t, 4, k->codec);
			thrift_field_i64(&t, 5, k->nvalues);
			thrift_field_i64(&t, 6, k->comp);
			thrift_field_i64(&t, 7, k->comp);
			thrift_field_i64(&t, 9, k->data_off);
			if (k->dict_off)
				thrift_field_i64(&t, 11, k->dict_off);
			thrift_struct_end(&t);
			thrift_struct_end(&t);
		}
		thrift_field_i64(&t, 2, 0);
		thrift_field_i64(&t, 3, rg_rows[g]);
		thrift_struct_end(&t);
	}
	thrift_field_string(&t, 6, "hand-built");
	thrift_struct_end(&t);
	add(b, t.buf, t.len);
	add_le32(b, (uint32_t)t.len);
	add(b, "PAR1", 4);
	thrift_free(&t);
}

/* A file of one column (leaf under the root) in one row group, from
 * the pages added since off. */
static void
hb_one(struct bytes *b, const struct hel *leaf, int codec, int64_t off,
    int64_t rows, int64_t nvalues)
{
	struct hel el[2] = { { .name = "schema", .nkids = 1 }, *leaf };
	struct hchunk ck = { leaf->type, codec, nvalues, off, 0,
	    (int64_t)b->len - off };

	hb_finish(b, el, 2, &ck, 1, &rows, 1, rows);
}

/* Levels or indices in the hybrid encoding, with the v1 length prefix
 * when asked. */
static void
hybrid(struct bytes *b, const uint32_t *v, size_t n, int width, bool prefix)
{
	uint8_t *p = NULL;
	size_t len = 0, cap = 0;

	pq_rle_encode(&p, &len, &cap, v, n, width);
	if (prefix)
		add_le32(b, (uint32_t)len);
	add(b, p, len);
	free(p);
}

static void
plain_str(struct bytes *b, const char *s)
{
	add_le32(b, (uint32_t)strlen(s));
	add(b, s, strlen(s));
}

static size_t
zstd(const struct bytes *in, struct bytes *out)
{
	struct compressor *z = compressor_new(CODEC_ZSTD, 0);
	char err[160];
	long long n;

	out->len = 0;
	if (out->cap < codec_bound(CODEC_ZSTD, in->len)) {
		out->cap = codec_bound(CODEC_ZSTD, in->len);
		out->p = realloc(out->p, out->cap);
	}
	n = compressor_run(z, in->p, in->len, out->p, out->cap, err,
	    sizeof err);
	assert_true(n > 0);
	out->len = (size_t)n;
	compressor_free(z);
	return in->len;
}

/*
 * A dictionary-encoded optional string column over three pages: v2 with
 * zstd values, an index page, v2 stored plain (is_compressed false) with
 * a CRC, and a zstd v1 page in the legacy PLAIN_DICTIONARY encoding.
 */
static struct bytes
dict_v2_file(int crc)
{
	static const struct hel leaf = { .name = "s", .type = T_BYTE_ARRAY,
	    .rep = OPT, .ct = CT(CT_UTF8) };
	struct bytes b, body = { 0 }, vals = { 0 }, z = { 0 };
	static const uint32_t def1[] = { 1, 0, 1, 1 }, idx1[] = { 1, 0, 2 };
	static const uint32_t def2[] = { 1, 1, 0 };
	static const uint32_t def3[] = { 1, 1 }, idx3[] = { 0, 1 };
	int64_t off;
	uint8_t w = 2;

	hb_start(&b);
	off = (int64_t)b.len;
	plain_str(&body, "alpha");
	plain_str(&body, "beta");
	plain_str(&body, "gamma");
	zstd(&body, &z);
	hb_page(&b, &(struct hpage){ .type = 2, .nvalues = 3, .enc = 2,
	    .usize = (int32_t)body.len }, z.p, z.len);

	/* v2: levels stay uncompressed, values are compressed. */
	body.len = 0;
	hybrid(&body, def1, 4, 1, false);
	size_t dl = body.len;
	add(&vals, &w, 1);
	hybrid(&vals, idx1, 3, 2, false);
	zstd(&vals, &z);
	add(&body, z.p, z.len);
	hb_page(&b, &(struct hpage){ .type = 3, .nvalues = 4, .nnulls = 1,
	    .nrows = 4, .enc = 8, .def_len = (int32_t)dl,
	    .usize = (int32_t)(dl + vals.len) }, body.p, body.len);
	hb_page(&b, &(struct hpage){ .type = 1 }, "", 0);

	body.len = 0;
	hybrid(&body, def2, 3, 1, false);
	dl = body.len;
	plain_str(&body, "gamma");
	plain_str(&body, "gamma");
	hb_page(&b, &(struct hpage){ .type = 3, .nvalues = 3, .nnulls = 1,
	    .nrows = 3, .enc = 0, .def_len = (int32_t)dl, .v2_plain = true,
	    .crc = crc }, body.p, body.len);

	body.len = 0;
	hybrid(&body, def3, 2, 1, true);
	add(&body, &w, 1);
	hybrid(&body, idx3, 2, 2, false);
	zstd(&body, &z);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2, .enc = 2,
	    .usize = (int32_t)body.len }, z.p, z.len);
	hb_one(&b, &leaf, CODEC_ZSTD, off, 9, 9);
	free(body.p);
	free(vals.p);
	free(z.p);
	return b;
}

static void
test_v2_and_dictionary(void **state)
{
	(void)state;
	struct bytes b = dict_v2_file(1);
	struct pqr_file *f = open_bytes(&b, NULL);

	expect_rows(f, "[{\"s\":\"beta\"},{\"s\":null},{\"s\":\"alpha\"},"
	    "{\"s\":\"gamma\"},{\"s\":\"gamma\"},{\"s\":\"gamma\"},"
	    "{\"s\":null},{\"s\":\"alpha\"},{\"s\":\"beta\"}]");
	pqr_close(f);
	free(b.p);

	/* The same file with a CRC that does not match. */
	b = dict_v2_file(2);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "fails its CRC");
	pqr_close(f);
	free(b.p);
}

/*
 * A list of strings whose first row continues on the next page (v1
 * pages may split rows), beside a flat column on one page: the row's
 * first strings must survive the page they came from being replaced.
 */
static struct bytes
list_file(void)
{
	static const struct hel el[] = {
		{ .name = "schema", .nkids = 2 },
		{ .name = "id", .type = T_INT32, .rep = REQ },
		{ .name = "l", .rep = OPT, .nkids = 1, .ct = CT(CT_LIST) },
		{ .name = "list", .rep = REP, .nkids = 1 },
		{ .name = "element", .type = T_BYTE_ARRAY, .rep = OPT,
		    .ct = CT(CT_UTF8) },
	};
	static const uint32_t rep1[] = { 0, 1 }, def1[] = { 3, 3 };
	static const uint32_t rep2[] = { 1, 1, 0, 0, 0, 1 };
	static const uint32_t def2[] = { 3, 3, 1, 0, 2, 3 };
	struct bytes b, body = { 0 };
	struct hchunk ck[2];
	int64_t rows = 4, off;

	hb_start(&b);
	off = (int64_t)b.len;
	for (int32_t i = 0; i < 4; i++)
		add(&body, &i, 4);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 4 }, body.p,
	    body.len);
	ck[0] = (struct hchunk){ T_INT32, 0, 4, off, 0, (int64_t)b.len - off };

	off = (int64_t)b.len;
	body.len = 0;
	hybrid(&body, rep1, 2, 1, true);
	hybrid(&body, def1, 2, 2, true);
	plain_str(&body, "first string, long enough to see");
	plain_str(&body, "b");
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2 }, body.p,
	    body.len);
	body.len = 0;
	hybrid(&body, rep2, 6, 1, true);
	hybrid(&body, def2, 6, 2, true);
	plain_str(&body, "c");
	plain_str(&body, "d, on a page that is longer than the first one");
	plain_str(&body, "e");
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 6 }, body.p,
	    body.len);
	ck[1] = (struct hchunk){ T_BYTE_ARRAY, 0, 8, off, 0,
	    (int64_t)b.len - off };
	hb_finish(&b, el, 5, ck, 2, &rows, 1, rows);
	free(body.p);
	return b;
}

static void
test_rows_across_pages(void **state)
{
	(void)state;
	struct bytes b = list_file();
	struct pqr_file *f = open_bytes(&b, NULL);
	struct pqr_options o;

	expect_rows(f, "[{\"id\":0,\"l\":[\"first string, long enough to see\","
	    "\"b\",\"c\",\"d, on a page that is longer than the first one\"]},"
	    "{\"id\":1,\"l\":[]},{\"id\":2,\"l\":null},{\"id\":3,"
	    "\"l\":[null,\"e\"]}]");
	pqr_close(f);

	/* A row longer than the limit is refused, not buffered. */
	pqr_options_init(&o);
	o.max_row_values = 3;
	f = open_bytes(&b, &o);
	expect_read_error(f, "holds more than 3 values");
	pqr_close(f);
	free(b.p);
}

/* The legacy list forms of LogicalTypes.md and a MAP_KEY_VALUE map. */
static void
test_legacy_lists(void **state)
{
	(void)state;
	static const struct hel el[] = {
		{ .name = "schema", .nkids = 4 },
		{ .name = "nums", .type = T_INT32, .rep = REP },
		{ .name = "old", .rep = OPT, .nkids = 1, .ct = CT(CT_LIST) },
		{ .name = "element", .type = T_INT32, .rep = REP },
		{ .name = "pairs", .rep = OPT, .nkids = 1, .ct = CT(CT_LIST) },
		{ .name = "array", .rep = REP, .nkids = 1 },
		{ .name = "x", .type = T_INT32, .rep = REQ },
		{ .name = "kv", .rep = OPT, .nkids = 1,
		    .ct = CT(CT_MAP_KEY_VALUE) },
		{ .name = "map", .rep = REP, .nkids = 2 },
		{ .name = "key", .type = T_BYTE_ARRAY, .rep = REQ,
		    .ct = CT(CT_UTF8) },
		{ .name = "value", .type = T_INT32, .rep = OPT },
	};
	static const struct {
		int type;
		uint32_t rep[3], def[3];
		int n, maxdef;
		int32_t vals[2];
		const char *strs[2];
	} col[] = {
		{ T_INT32, { 0, 1, 0 }, { 1, 1, 0 }, 3, 1, { 1, 2 }, { 0 } },
		{ T_INT32, { 0, 0 }, { 2, 0 }, 2, 2, { 7 }, { 0 } },
		{ T_INT32, { 0, 1, 0 }, { 2, 2, 1 }, 3, 2, { 5, 6 }, { 0 } },
		{ T_BYTE_ARRAY, { 0, 1, 0 }, { 2, 2, 1 }, 3, 2, { 0 },
		    { "a", "b" } },
		{ T_INT32, { 0, 1, 0 }, { 3, 2, 1 }, 3, 3, { 1 }, { 0 } },
	};
	struct bytes b, body = { 0 };
	struct hchunk ck[5];
	int64_t rows = 2;

	hb_start(&b);
	for (int c = 0; c < 5; c++) {
		int64_t off = (int64_t)b.len;
		int nv = 0;
		body.len = 0;
		hybrid(&body, col[c].rep, (size_t)col[c].n, 1, true);
		hybrid(&body, col[c].def, (size_t)col[c].n,
		    col[c].maxdef > 1 ? 2 : 1, true);
		for (int k = 0; k < col[c].n; k++)
			nv += (int)col[c].def[k] == col[c].maxdef;
		for (int k = 0; k < nv; k++) {
			if (col[c].type == T_INT32)
				add(&body, &col[c].vals[k], 4);
			else
				plain_str(&body, col[c].strs[k]);
		}
		hb_page(&b, &(struct hpage){ .type = 0, .nvalues = col[c].n },
		    body.p, body.len);
		ck[c] = (struct hchunk){ col[c].type, 0, col[c].n, off, 0,
		    (int64_t)b.len - off };
	}
	hb_finish(&b, el, 11, ck, 5, &rows, 1, rows);
	struct pqr_file *f = open_bytes(&b, NULL);
	assert_int_equal(pqr_node(f, pqr_find(f, "old"))->shape, PQR_LIST);
	assert_int_equal(pqr_node(f, pqr_find(f, "kv"))->shape, PQR_MAP);
	expect_rows(f, "[{\"nums\":[1,2],\"old\":[7],\"pairs\":[{\"x\":5},"
	    "{\"x\":6}],\"kv\":{\"a\":1,\"b\":null}},{\"nums\":[],\"old\":null,"
	    "\"pairs\":[],\"kv\":{}}]");
	pqr_close(f);
	free(b.p);
	free(body.p);
}

/* One required column of two rows: the footer element and the page. */
struct tcol {
	struct hel el;
	int enc, def_enc;
	uint8_t body[64];
	size_t len;
};

static void
test_types(void **state)
{
	(void)state;
	struct tcol cols[] = {
		/* INT96: 2000-01-01T08:00Z (Julian day 2451545) and one
		 * microsecond before the epoch. */
		{ { .name = "i96", .type = T_INT96 }, 0, 0,
		    { 0x00, 0x00, 0xc5, 0x85, 0x31, 0x1a, 0, 0, 0x59, 0x68,
		      0x25, 0, 0x18, 0xfc, 0x4e, 0x91, 0x94, 0x4e, 0, 0, 0x8b,
		      0x3d, 0x25, 0 }, 24 },
		{ { .name = "f", .type = T_FLOAT }, 0, 0,
		    { 0, 0, 0xc0, 0x3f, 0, 0, 0x80, 0xbe }, 8 },
		{ { .name = "fixed", .type = T_FLBA, .type_length = 3 }, 0, 0,
		    "abcxyz", 6 },
		{ { .name = "ms", .type = T_INT64, .lt = 8, .unit = 1,
		    .utc = true }, 0, 0,
		    { 0xe8, 0x03, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		      0xff, 0xff, 0xff, 0xff }, 16 },
		{ { .name = "ns", .type = T_INT64, .lt = 8, .unit = 3 }, 0, 0,
		    { 0xcf, 0x07, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		      0xff, 0xff, 0xff, 0xff }, 16 },
		{ { .name = "old_ms", .type = T_INT64,
		    .ct = CT(CT_TIMESTAMP_MILLIS) }, 0, 0,
		    { 5, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0 }, 16 },
		{ { .name = "u32", .type = T_INT32, .ct = CT(CT_UINT_32) },
		    0, 0, { 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0 }, 8 },
		{ { .name = "i8", .type = T_INT32, .lt = 10, .bits = 8,
		    .is_signed = true }, 0, 0,
		    { 0x80, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0 }, 8 },
		{ { .name = "d", .type = T_INT32, .ct = CT(CT_DATE) }, 0, 0,
		    { 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, 8 },
		/* Booleans in RLE: 4 bytes of runs, one true, one false. */
		{ { .name = "flag", .type = T_BOOLEAN }, 3, 0,
		    { 4, 0, 0, 0, 0x02, 0x01, 0x02, 0x00 }, 8 },
		/* Optional, levels in the old BIT_PACKED encoding (MSB first:
		 * 0, 1), then one PLAIN value. */
		{ { .name = "opt", .type = T_INT64, .rep = OPT }, 0, 4,
		    { 0x40, 42, 0, 0, 0, 0, 0, 0, 0 }, 9 },
	};
	enum { N = sizeof cols / sizeof cols[0] };
	struct hel el[N + 2] = { { .name = "schema", .nkids = N + 1 } };
	struct hchunk ck[N + 1];
	struct bytes b;
	int64_t rows = 2;

	hb_start(&b);
	for (int c = 0; c < N; c++) {
		int64_t off = (int64_t)b.len;
		el[c + 1] = cols[c].el;
		hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2,
		    .enc = cols[c].enc, .def_enc = cols[c].def_enc },
		    cols[c].body, cols[c].len);
		ck[c] = (struct hchunk){ cols[c].el.type, 0, 2, off, 0,
		    (int64_t)b.len - off };
	}
	/* And a DECIMAL wider than 128 bits, which is refused only when
	 * selected. */
	int64_t off = (int64_t)b.len;
	el[N + 1] = (struct hel){ .name = "dec", .type = T_INT32,
	    .ct = CT(CT_DECIMAL), .lt = 5, .scale = 2, .precision = 39 };
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2 },
	    "\0\0\0\0\0\0\0", 8);
	ck[N] = (struct hchunk){ T_INT32, 0, 2, off, 0, (int64_t)b.len - off };
	hb_finish(&b, el, N + 2, ck, N + 1, &rows, 1, rows);

	struct pqr_file *f = open_bytes(&b, NULL);
	assert_int_equal(pqr_node(f, pqr_find(f, "i96"))->type, PQR_TIMESTAMP);
	assert_int_equal(pqr_node(f, pqr_find(f, "f"))->type, PQR_DOUBLE);
	assert_int_equal(pqr_node(f, pqr_find(f, "fixed"))->type, PQR_BINARY);
	assert_false(pqr_node(f, pqr_find(f, "ns"))->utc);
	assert_int_equal(pqr_node(f, pqr_find(f, "dec"))->type,
	    PQR_UNSUPPORTED);
	assert_string_equal(pqr_node(f, pqr_find(f, "dec"))->why,
	    "DECIMAL(39,2)");
	for (int c = 0; c < N; c++)
		assert_int_equal(pqr_select(f, c + 1), 0);
	expect_rows(f, "[{\"i96\":946713600000000,\"f\":1.5,\"fixed\":\"abc\","
	    "\"ms\":1000000,\"ns\":1,\"old_ms\":5000,\"u32\":4294967295,"
	    "\"i8\":-128,\"d\":0,\"flag\":true,\"opt\":null},"
	    "{\"i96\":-1,\"f\":-0.25,\"fixed\":\"xyz\",\"ms\":-1000,\"ns\":-1,"
	    "\"old_ms\":6000,\"u32\":7,\"i8\":127,\"d\":-1,\"flag\":false,"
	    "\"opt\":42}]");
	pqr_close(f);

	f = open_bytes(&b, NULL);
	assert_int_equal(pqr_select(f, 0), -1);
	assert_string_equal(pqr_error(f), "column dec: DECIMAL(39,2) is not "
	    "supported");
	pqr_close(f);
	free(b.p);
}

/* A file of one column of decimals, in PLAIN, from n values. */
static struct bytes
decimal_file(const struct hel *leaf, const void *body, size_t len, int n)
{
	struct bytes b;
	int64_t off;

	hb_start(&b);
	off = (int64_t)b.len;
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = n }, body, len);
	hb_one(&b, leaf, 0, off, n, n);
	return b;
}

/* 10^38 - 1 and its negation, in 16 big-endian bytes. */
#define MAX38	"\x4b\x3b\x4c\xa8\x5a\x86\xc4\x7a\x09\x8a\x22\x3f" \
		"\xff\xff\xff\xff"
#define MIN38	"\xb4\xc4\xb3\x57\xa5\x79\x3b\x85\xf6\x75\xdd\xc0" \
		"\x00\x00\x00\x01"

/* DECIMAL in each of its four physical types, by LogicalType and by the
 * old ConvertedType alone, read as the unscaled value (pqr_value) and as
 * its text at the scale (pqr_json); what is refused. */
static void
test_decimals(void **state)
{
	(void)state;
	struct pqr_value v;
	struct bytes b;
	struct pqr_file *f;
	dec128 max38;

	assert_int_equal(decimal_from_be((const uint8_t *)MAX38, 16, &max38),
	    0);
	/* INT32, decimal(9,2): 123.45, -0.01 (LogicalType and ConvertedType). */
	b = decimal_file(&(struct hel){ .name = "d", .type = T_INT32,
	    .ct = CT(CT_DECIMAL), .lt = 5, .scale = 2, .precision = 9 },
	    "\x39\x30\0\0\xff\xff\xff\xff", 8, 2);
	f = open_bytes(&b, NULL);
	assert_int_equal(pqr_node(f, 1)->type, PQR_DECIMAL);
	assert_int_equal(pqr_node(f, 1)->precision, 9);
	assert_int_equal(pqr_node(f, 1)->scale, 2);
	assert_int_equal(pqr_next(f), 1);
	assert_int_equal(pqr_value(f, 1, &v), 0);
	assert_int_equal(v.type, PQR_DECIMAL);
	assert_true(v.dec == 12345);
	assert_int_equal(pqr_next(f), 1);
	assert_int_equal(pqr_value(f, 1, &v), 0);
	assert_true(v.dec == -1);
	pqr_close(f);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"d\":\"123.45\"},{\"d\":\"-0.01\"}]");
	pqr_close(f);
	free(b.p);

	/* INT64, decimal(18,0) by ConvertedType alone: the largest 18
	 * digits and a negative; scale 0 has no point. */
	b = decimal_file(&(struct hel){ .name = "d", .type = T_INT64,
	    .ct = CT(CT_DECIMAL), .scale = 0, .precision = 18 },
	    "\xff\xff\x63\xa7\xb3\xb6\xe0\x0d\xfb\xff\xff\xff\xff\xff\xff"
	    "\xff", 16, 2);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"d\":\"999999999999999999\"},{\"d\":\"-5\"}]");
	pqr_close(f);
	free(b.p);

	/* FIXED_LEN_BYTE_ARRAY(16), decimal(38,38): scale = precision. */
	b = decimal_file(&(struct hel){ .name = "d", .type = T_FLBA,
	    .type_length = 16, .lt = 5, .scale = 38, .precision = 38 },
	    MAX38 MIN38 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 48, 3);
	f = open_bytes(&b, NULL);
	assert_int_equal(pqr_next(f), 1);
	assert_int_equal(pqr_value(f, 1, &v), 0);
	assert_true(v.dec == max38);
	pqr_close(f);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"d\":\"0.99999999999999999999999999999999999999\"},"
	    "{\"d\":\"-0.99999999999999999999999999999999999999\"},"
	    "{\"d\":\"0.00000000000000000000000000000000000000\"}]");
	pqr_close(f);
	free(b.p);

	/* BYTE_ARRAY, decimal(38,0), each value as short as it can be
	 * (Java's BigInteger.toByteArray), one padded to 18 bytes. */
	b = decimal_file(&(struct hel){ .name = "d", .type = T_BYTE_ARRAY,
	    .ct = CT(CT_DECIMAL), .lt = 5, .scale = 0, .precision = 38 },
	    "\x10\0\0\0" MIN38 "\x01\0\0\0\0" "\x01\0\0\0\xff"
	    "\x12\0\0\0\xff\xff" MIN38, 8 + 16 + 5 + 5 + 18, 4);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"d\":\"-99999999999999999999999999999999999999\"},"
	    "{\"d\":\"0\"},{\"d\":\"-1\"},"
	    "{\"d\":\"-99999999999999999999999999999999999999\"}]");
	pqr_close(f);
	free(b.p);

	/* More digits than the precision, an empty byte array, 17 bytes
	 * of value: errors naming the column, not wrong numbers. */
	b = decimal_file(&(struct hel){ .name = "d", .type = T_INT32,
	    .lt = 5, .scale = 0, .precision = 1 }, "\x09\0\0\0\x0a\0\0\0",
	    8, 2);
	f = open_bytes(&b, NULL);
	assert_int_equal(pqr_next(f), 1);
	assert_int_equal(pqr_value(f, 1, &v), 0);
	assert_true(v.dec == 9);
	assert_int_equal(pqr_next(f), 1);
	assert_int_equal(pqr_value(f, 1, &v), -1);
	assert_int_equal(v.type, PQR_NULL);
	assert_non_null(strstr(pqr_error(f), "column d, row group 0: row 1: "
	    "a value with more digits than DECIMAL(1,0)"));
	pqr_close(f);
	free(b.p);
	b = decimal_file(&(struct hel){ .name = "d", .type = T_BYTE_ARRAY,
	    .lt = 5, .scale = 0, .precision = 5 }, "\0\0\0\0", 4, 1);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "a DECIMAL of 0 bytes");
	pqr_close(f);
	free(b.p);
	b = decimal_file(&(struct hel){ .name = "d", .type = T_FLBA,
	    .type_length = 17, .lt = 5, .scale = 0, .precision = 38 },
	    "\x01" MAX38, 17, 1);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "a DECIMAL of 17 bytes");
	pqr_close(f);
	free(b.p);

	/* Refused when selected: a precision beyond 38, a scale beyond the
	 * precision, a DECIMAL in a DOUBLE. */
	static const struct { struct hel el; const char *why; } bad[] = {
		{ { .name = "d", .type = T_FLBA, .type_length = 17, .lt = 5,
		    .scale = 0, .precision = 39 }, "DECIMAL(39,0)" },
		{ { .name = "d", .type = T_INT32, .ct = CT(CT_DECIMAL),
		    .scale = 3, .precision = 2 }, "DECIMAL(2,3)" },
		{ { .name = "d", .type = T_DOUBLE, .lt = 5, .scale = 1,
		    .precision = 5 }, "DECIMAL(5,1) in physical type 5" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = decimal_file(&bad[i].el, "\0\0\0\0\0\0\0\0\0\0\0\0"
		    "\0\0\0\0\0", 17, 1);
		f = open_bytes(&b, NULL);
		assert_int_equal(pqr_node(f, 1)->type, PQR_UNSUPPORTED);
		assert_string_equal(pqr_node(f, 1)->why, bad[i].why);
		assert_int_equal(pqr_select(f, 1), -1);
		pqr_close(f);
		free(b.p);
	}
}

/* DELTA_BINARY_PACKED as parquet-mr writes it: blocks of 128 values in
 * four miniblocks of 32. */
static void
delta_packed(struct bytes *b, const int64_t *v, size_t n)
{
	add_varint(b, 128);
	add_varint(b, 4);
	add_varint(b, n);
	add_varint(b, n ? ((uint64_t)v[0] << 1) ^ (uint64_t)(v[0] >> 63) : 0);
	for (size_t i = 1; i < n; i += 128) {
		size_t m = n - i < 128 ? n - i : 128;
		uint64_t d[128] = { 0 }, min = 0;
		uint8_t widths[4] = { 0 };
		for (size_t k = 0; k < m; k++) {
			d[k] = (uint64_t)v[i + k] - (uint64_t)v[i + k - 1];
			if (k == 0 || (int64_t)d[k] < (int64_t)min)
				min = d[k];
		}
		add_varint(b, (min << 1) ^ (uint64_t)((int64_t)min >> 63));
		for (size_t k = 0; k < m; k++)
			d[k] -= min;
		for (size_t mb = 0; mb < 4; mb++)
			for (size_t k = mb * 32; k < mb * 32 + 32 && k < m; k++)
				while (widths[mb] < 64 && d[k] >> widths[mb])
					widths[mb]++;
		add(b, widths, 4);
		for (size_t mb = 0; mb * 32 < m; mb++) {
			uint8_t out[32 * 8] = { 0 };
			size_t wd = widths[mb];
			for (size_t k = 0; k < 32 * wd; k++)
				if (d[mb * 32 + k / wd] >> (k % wd) & 1)
					out[k / 8] |= (uint8_t)(1 << (k % 8));
			add(b, out, 32 * wd / 8);
		}
	}
}

/* A one-column file of n values in one v2 page of encoding enc. */
static struct bytes
encoded_file(const struct hel *leaf, int enc, const struct bytes *vals,
    int n)
{
	struct bytes b;
	int64_t off;

	hb_start(&b);
	off = (int64_t)b.len;
	hb_page(&b, &(struct hpage){ .type = 3, .nvalues = n, .nrows = n,
	    .enc = enc }, vals->p, vals->len);
	hb_one(&b, leaf, 0, off, n, n);
	return b;
}

static void
test_delta_encodings(void **state)
{
	(void)state;
	static const struct hel i64 = { .name = "n", .type = T_INT64 };
	static const struct hel i32 = { .name = "n", .type = T_INT32 };
	static const struct hel str = { .name = "s", .type = T_BYTE_ARRAY,
	    .ct = CT(CT_UTF8) };
	static const struct hel dbl = { .name = "x", .type = T_DOUBLE };
	int64_t v[300];
	struct bytes vals = { 0 }, b;
	struct pqr_file *f;
	struct pqr_value pv;
	int n = 300, node, i;

	/* Extremes (deltas that wrap), then a curve across three blocks. */
	v[0] = 5; v[1] = 3; v[2] = INT64_MAX; v[3] = INT64_MIN; v[4] = -7;
	for (i = 5; i < n; i++)
		v[i] = (int64_t)i * i - 1000;
	delta_packed(&vals, v, (size_t)n);
	b = encoded_file(&i64, 5, &vals, n);
	f = open_bytes(&b, NULL);
	node = pqr_find(f, "n");
	for (i = 0; pqr_next(f) == 1; i++) {
		assert_int_equal(pqr_value(f, node, &pv), 0);
		assert_true(pv.i == v[i]);
	}
	assert_int_equal(i, n);
	assert_string_equal(pqr_error(f), "");
	pqr_close(f);
	free(b.p);

	/* INT32 through the same encoding. */
	vals.len = 0;
	int64_t w[5] = { INT32_MIN, INT32_MAX, 0, -1, 12345 };
	delta_packed(&vals, w, 5);
	b = encoded_file(&i32, 5, &vals, 5);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"n\":-2147483648},{\"n\":2147483647},{\"n\":0},"
	    "{\"n\":-1},{\"n\":12345}]");
	pqr_close(f);
	free(b.p);

	/* DELTA_LENGTH_BYTE_ARRAY: the lengths, then the bytes. */
	vals.len = 0;
	int64_t lens[4] = { 0, 1, 5, 6 };
	delta_packed(&vals, lens, 4);
	add(&vals, "ahellow\xc3\xb6rld", 12);
	b = encoded_file(&str, 6, &vals, 4);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"s\":\"\"},{\"s\":\"a\"},{\"s\":\"hello\"},"
	    "{\"s\":\"w\xc3\xb6rld\"}]");
	pqr_close(f);
	free(b.p);

	/* DELTA_BYTE_ARRAY: shared prefixes, then suffixes. */
	vals.len = 0;
	int64_t pre[6] = { 0, 4, 4, 0, 3, 0 }, suf[6] = { 5, 3, 1, 6, 1, 0 };
	delta_packed(&vals, pre, 6);
	delta_packed(&vals, suf, 6);
	add(&vals, "appleiedybananad", 16);
	b = encoded_file(&str, 7, &vals, 6);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"s\":\"apple\"},{\"s\":\"applied\"},"
	    "{\"s\":\"apply\"},{\"s\":\"banana\"},{\"s\":\"band\"},"
	    "{\"s\":\"\"}]");
	pqr_close(f);
	free(b.p);
	/* A prefix longer than the value before it. */
	vals.len = 0;
	pre[1] = 9;
	delta_packed(&vals, pre, 6);
	delta_packed(&vals, suf, 6);
	add(&vals, "appleiedybananad", 16);
	b = encoded_file(&str, 7, &vals, 6);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "a prefix longer than the value before it");
	pqr_close(f);
	free(b.p);

	/* BYTE_STREAM_SPLIT: byte k of every value, then byte k + 1. */
	double x[3] = { 1.5, -2.25, 1e300 };
	uint8_t split[24];
	for (int k = 0; k < 3; k++)
		for (int byte = 0; byte < 8; byte++)
			split[byte * 3 + k] = ((uint8_t *)&x[k])[byte];
	vals.len = 0;
	add(&vals, split, 24);
	b = encoded_file(&dbl, 9, &vals, 3);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"x\":1.5},{\"x\":-2.25},{\"x\":1e300}]");
	pqr_close(f);
	free(b.p);
	free(vals.p);
}

/* ------------------------------------------------------------------ */
/* Corrupt and hostile files */

/* Opens and reads everything; true if that failed somewhere (it must
 * never crash or read out of bounds, which ASan checks). */
static bool
fails(const uint8_t *p, size_t n, const struct pqr_options *o)
{
	char err[512];
	struct pqr_file *f = pqr_open_mem(p, n, o, err, sizeof err);
	json_t *rows;

	if (f == NULL) {
		assert_true(err[0] != '\0');
		return true;
	}
	rows = all_rows(f);
	if (rows == NULL)
		assert_true(pqr_error(f)[0] != '\0');
	json_decref(rows);
	pqr_close(f);
	return rows == NULL;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
test_truncated_and_footer(void **state)
{
	(void)state;
	struct tschema t;
	struct pq_options o;
	struct bytes b, c;
	uint32_t flen;

	tschema_make(&t);
	pq_options_init(&o);
	o.codec = CODEC_NONE;
	b = write_types(&t, &o, 100);
	/* Every truncation is refused when the file is opened. */
	for (size_t cut = 0; cut < b.len; cut++) {
		c = (struct bytes){ b.p, cut, cut };
		expect_open_error(&c, cut < 12 ? "not a Parquet file" : "");
	}
	c = (struct bytes){ 0 };
	add(&c, b.p, b.len);
	memcpy(&flen, c.p + c.len - 8, 4);

	put_le32(c.p + c.len - 8, (uint32_t)c.len);
	expect_open_error(&c, "does not fit in a file of");
	put_le32(c.p + c.len - 8, 0xffffffffu);
	expect_open_error(&c, "does not fit in a file of");
	put_le32(c.p + c.len - 8, 0);
	expect_open_error(&c, "footer");
	for (int d = -3; d <= 3; d++) {
		if (d == 0)
			continue;
		put_le32(c.p + c.len - 8, flen + (uint32_t)d);
		assert_true(fails(c.p, c.len, NULL));
	}
	put_le32(c.p + c.len - 8, flen);
	assert_false(fails(c.p, c.len, NULL));

	struct pqr_options ro;
	pqr_options_init(&ro);
	ro.max_footer = flen - 1;
	char err[512];
	assert_null(pqr_open_mem(c.p, c.len, &ro, err, sizeof err));
	assert_non_null(strstr(err, "is over the limit"));

	c.p[0] = 'X';
	expect_open_error(&c, "no PAR1 at the start");
	c.p[0] = 'P';
	memcpy(c.p + c.len - 4, "PARE", 4);
	expect_open_error(&c, "encrypted");
	free(c.p);
	free(b.p);
	pq_schema_free(t.s);
}

/* Every byte of small files flipped in turn, and random stretches
 * overwritten: whatever the reader makes of them, it must not crash,
 * and damage to the frame must be caught. */
static void
test_byte_flips(void **state)
{
	(void)state;
	static const enum codec codecs[] = { CODEC_NONE, CODEC_ZSTD,
	    CODEC_SNAPPY };
	struct tschema t;
	struct rng r;

	tschema_make(&t);
	rng_seed(&r, 11);
	for (size_t k = 0; k < 3; k++) {
		struct pq_options o;
		struct bytes b;
		size_t caught = 0;

		pq_options_init(&o);
		o.codec = codecs[k];
		o.page_bytes = 512;
		b = write_types(&t, &o, 40);
		uint8_t *c = malloc(b.len);
		for (size_t i = 0; i < b.len; i++) {
			memcpy(c, b.p, b.len);
			c[i] ^= 0xff;
			bool bad = fails(c, b.len, NULL);
			caught += bad;
			if (i < 4 || i >= b.len - 8)
				assert_true(bad);	/* magic, length */
		}
		for (int trial = 0; trial < 300; trial++) {
			size_t at = rng_below(&r, b.len);
			size_t n = 1 + rng_below(&r, 32);
			memcpy(c, b.p, b.len);
			for (size_t i = at; i < at + n && i < b.len; i++)
				c[i] = (uint8_t)rng_next(&r);
			fails(c, b.len, NULL);
		}
		print_message("%s: %zu of %zu one-byte flips caught\n",
		    codec_name(codecs[k]), caught, b.len);
		assert_true(caught > b.len / 4);
		free(c);
		free(b.p);
	}
	pq_schema_free(t.s);
}

/* A one-column INT32 file of two rows, with knobs to make it lie. */
struct lie {
	int32_t page_values, page_csize, page_usize, enc;
	size_t body_len;
	int64_t chunk_values, chunk_comp, data_off, rg_rows, num_rows;
	int chunk_type, codec;
};

static void
lie_init(struct lie *l)
{
	memset(l, 0, sizeof *l);
	l->page_values = 2;
	l->body_len = 8;
	l->chunk_values = 2;
	l->chunk_comp = -1;
	l->data_off = 4;
	l->rg_rows = l->num_rows = 2;
	l->chunk_type = T_INT32;
}

static struct bytes
lying_file(const struct lie *l)
{
	static const struct hel el[2] = { { .name = "schema", .nkids = 1 },
	    { .name = "v", .type = T_INT32 } };
	static const uint8_t vals[8] = { 7, 0, 0, 0, 8, 0, 0, 0 };
	struct bytes b;
	struct hchunk ck;

	hb_start(&b);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = l->page_values,
	    .enc = l->enc, .usize = l->page_usize, .csize = l->page_csize },
	    vals, l->body_len);
	ck = (struct hchunk){ l->chunk_type, l->codec, l->chunk_values,
	    l->data_off, 0, l->chunk_comp >= 0 ? l->chunk_comp :
	    (int64_t)b.len - 4 };
	hb_finish(&b, el, 2, &ck, 1, &l->rg_rows, 1, l->num_rows);
	return b;
}

static void
expect_lie(const struct lie *l, const char *msg)
{
	struct bytes b = lying_file(l);
	char err[512] = "";
	struct pqr_file *f = pqr_open_mem(b.p, b.len, NULL, err, sizeof err);

	if (f == NULL) {
		if (strstr(err, msg) == NULL)
			fail_msg("open: \"%s\" lacks \"%s\"", err, msg);
	} else {
		expect_read_error(f, msg);
		pqr_close(f);
	}
	free(b.p);
}

static void
test_lying_sizes(void **state)
{
	(void)state;
	struct lie l;
	struct bytes b;
	struct pqr_file *f;

	lie_init(&l);
	b = lying_file(&l);
	f = open_bytes(&b, NULL);
	expect_rows(f, "[{\"v\":7},{\"v\":8}]");	/* the honest file */
	pqr_close(f);
	free(b.p);

	lie_init(&l); l.chunk_comp = INT64_C(1) << 40;
	expect_lie(&l, "is not inside the file's data");
	lie_init(&l); l.data_off = INT64_C(1) << 40;
	expect_lie(&l, "is not inside the file's data");
	lie_init(&l); l.data_off = -5;
	expect_lie(&l, "is not inside the file's data");
	lie_init(&l); l.page_csize = 1000;
	expect_lie(&l, "runs past its chunk");
	lie_init(&l); l.page_csize = -8;
	expect_lie(&l, "negative size");
	lie_init(&l); l.page_usize = 4;
	expect_lie(&l, "an uncompressed page of 8 bytes says it holds 4");
	lie_init(&l); l.chunk_values = 3; l.rg_rows = l.num_rows = 3;
	expect_lie(&l, "values short of the chunk's count");
	lie_init(&l); l.page_values = 5;
	expect_lie(&l, "a page of 5 values, the chunk has 2 left");
	lie_init(&l); l.num_rows = 3;
	expect_lie(&l, "num_rows is 3 but the row groups hold 2");
	lie_init(&l); l.rg_rows = l.num_rows = -1;
	expect_lie(&l, "row group 0 has -1 rows");
	lie_init(&l); l.rg_rows = l.num_rows = 1;
	expect_lie(&l, "more values than the row group's 1 rows");
	lie_init(&l); l.page_values = INT32_MAX; l.chunk_values = INT32_MAX;
	expect_lie(&l, "a page of 2147483647 values");
	lie_init(&l); l.body_len = 6;
	expect_lie(&l, "2 PLAIN values need 8 bytes, the page has 6");
	lie_init(&l); l.codec = 5;
	expect_lie(&l, "codec LZ4 (5) is not supported");
	lie_init(&l); l.enc = 1;
	expect_lie(&l, "encoding GROUP_VAR_INT (1) is not supported");
	lie_init(&l); l.enc = 8;
	expect_lie(&l, "no dictionary page");
	lie_init(&l); l.chunk_type = T_INT64;
	expect_lie(&l, "has type 2 in row group 0, 1 in the schema");
}

/* Levels, dictionaries and byte arrays that do not add up. */
static void
test_hostile_pages(void **state)
{
	(void)state;
	static const struct hel opt = { .name = "v", .type = T_INT32,
	    .rep = OPT };
	static const struct hel rep = { .name = "v", .type = T_INT32,
	    .rep = REP };
	static const struct hel str = { .name = "v", .type = T_BYTE_ARRAY };
	static const struct hel nested[] = {
		{ .name = "schema", .nkids = 1 },
		{ .name = "g", .rep = OPT, .nkids = 1 },
		{ .name = "v", .type = T_INT32, .rep = OPT },
	};
	static const uint32_t late[] = { 1, 0 };
	/* RLE runs of two 3s: v1 length prefix, header, value. */
	static const uint8_t threes[] = { 2, 0, 0, 0, 0x04, 0x03 };
	struct bytes b, body = { 0 };
	struct hchunk ck;
	struct pqr_file *f;
	int32_t one = 1;
	int64_t off, two = 2;

	/* A definition level wider than the column's bit width, and one
	 * that fits the width but is above the maximum. */
	hb_start(&b);
	off = (int64_t)b.len;
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2 }, threes, 6);
	hb_one(&b, &opt, 0, off, 2, 2);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "an RLE run's value does not fit its bit width");
	pqr_close(f);
	free(b.p);
	hb_start(&b);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2 }, threes, 6);
	ck = (struct hchunk){ T_INT32, 0, 2, 4, 0, (int64_t)b.len - 4 };
	hb_finish(&b, nested, 3, &ck, 1, &two, 1, 2);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "level 3 above the maximum 2");
	pqr_close(f);
	free(b.p);

	/* A row that starts at repetition level 1. */
	hb_start(&b);
	off = (int64_t)b.len;
	body.len = 0;
	hybrid(&body, late, 2, 1, true);
	hybrid(&body, late + 0, 2, 1, true);
	add(&body, &one, 4);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2 }, body.p,
	    body.len);
	hb_one(&b, &rep, 0, off, 1, 2);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "a row starts at repetition level 1");
	pqr_close(f);
	free(b.p);

	/* A dictionary index past the dictionary; a dictionary too big;
	 * a dictionary after the data. */
	static const uint32_t idx[] = { 0, 5 };
	uint8_t w = 3;
	hb_start(&b);
	off = (int64_t)b.len;
	hb_page(&b, &(struct hpage){ .type = 2, .nvalues = 1 }, &one, 4);
	body.len = 0;
	add(&body, &w, 1);
	hybrid(&body, idx, 2, 3, false);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 2, .enc = 8 },
	    body.p, body.len);
	hb_one(&b, &(struct hel){ .name = "v", .type = T_INT32 }, 0, off, 2, 2);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "dictionary index 5, the dictionary has 1");
	pqr_close(f);
	free(b.p);

	hb_start(&b);
	off = (int64_t)b.len;
	hb_page(&b, &(struct hpage){ .type = 2, .nvalues = 1 << 30 }, &one, 4);
	hb_one(&b, &(struct hel){ .name = "v", .type = T_INT32 }, 0, off, 1, 1);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "a dictionary of 1073741824 entries");
	pqr_close(f);
	free(b.p);

	hb_start(&b);
	off = (int64_t)b.len;
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 1 }, &one, 4);
	hb_page(&b, &(struct hpage){ .type = 2, .nvalues = 1 }, &one, 4);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 1 }, &one, 4);
	hb_one(&b, &(struct hel){ .name = "v", .type = T_INT32 }, 0, off, 2, 2);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "a dictionary page after data pages");
	pqr_close(f);
	free(b.p);

	/* A byte array longer than its page. */
	hb_start(&b);
	off = (int64_t)b.len;
	body.len = 0;
	add_le32(&body, 100);
	add(&body, "abc", 3);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 1 }, body.p,
	    body.len);
	hb_one(&b, &str, 0, off, 1, 1);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "PLAIN byte array 0 of 1 is cut short");
	pqr_close(f);
	free(b.p);

	/* v2 levels longer than the page; a header that is not one. */
	hb_start(&b);
	off = (int64_t)b.len;
	hb_page(&b, &(struct hpage){ .type = 3, .nvalues = 1, .def_len = 50 },
	    &one, 4);
	hb_one(&b, &opt, 0, off, 1, 1);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "v2 page levels of 0 and 50 bytes");
	pqr_close(f);
	free(b.p);

	hb_start(&b);
	off = (int64_t)b.len;
	add(&b, "\x15\x00\x15\x08garbage!", 12);
	hb_one(&b, &opt, 0, off, 1, 1);
	f = open_bytes(&b, NULL);
	expect_read_error(f, "page header at offset 4");
	pqr_close(f);
	free(b.p);
	free(body.p);
}

/* Two leaves of one struct that disagree on whether it is there. */
static void
test_columns_disagree(void **state)
{
	(void)state;
	static const struct hel el[] = {
		{ .name = "schema", .nkids = 1 },
		{ .name = "g", .rep = OPT, .nkids = 2 },
		{ .name = "a", .type = T_INT32, .rep = OPT },
		{ .name = "b", .type = T_INT32, .rep = OPT },
	};
	static const uint32_t none[] = { 0 }, both[] = { 2 };
	struct bytes b, body = { 0 };
	struct hchunk ck[2];
	int64_t rows = 1, off;
	int32_t one = 1;

	hb_start(&b);
	off = (int64_t)b.len;
	hybrid(&body, none, 1, 2, true);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 1 }, body.p,
	    body.len);
	ck[0] = (struct hchunk){ T_INT32, 0, 1, off, 0, (int64_t)b.len - off };
	off = (int64_t)b.len;
	body.len = 0;
	hybrid(&body, both, 1, 2, true);
	add(&body, &one, 4);
	hb_page(&b, &(struct hpage){ .type = 0, .nvalues = 1 }, body.p,
	    body.len);
	ck[1] = (struct hchunk){ T_INT32, 0, 1, off, 0, (int64_t)b.len - off };
	hb_finish(&b, el, 4, ck, 2, &rows, 1, rows);
	struct pqr_file *f = open_bytes(&b, NULL);
	expect_read_error(f, "levels at row 0 do not fit the schema");
	pqr_close(f);
	free(b.p);
	free(body.p);
}

/* Schemas whose counts lie, nest without end, or end early. */
static void
test_hostile_schema(void **state)
{
	(void)state;
	struct hel el[80];
	struct hchunk ck = { T_INT32, 0, 0, 4, 0, 0 };
	int64_t rows = 0;
	struct bytes b;

	/* The root claims a billion children. */
	hb_start(&b);
	el[0] = (struct hel){ .name = "schema", .nkids = 1 << 30 };
	el[1] = (struct hel){ .name = "v", .type = T_INT32 };
	hb_finish(&b, el, 2, &ck, 1, &rows, 1, 0);
	expect_open_error(&b, "claims 1073741824 children");
	free(b.p);

	/* 70 groups, one inside the other. */
	hb_start(&b);
	el[0] = (struct hel){ .name = "schema", .nkids = 1 };
	for (int i = 1; i < 71; i++)
		el[i] = (struct hel){ .name = "g", .rep = OPT, .nkids = 1 };
	el[71] = (struct hel){ .name = "v", .type = T_INT32, .rep = OPT };
	hb_finish(&b, el, 72, &ck, 1, &rows, 1, 0);
	expect_open_error(&b, "nested deeper than 64");
	free(b.p);

	/* More children than elements left; the list ends inside the
	 * tree; a root that is a column; a repetition that does not
	 * exist. */
	hb_start(&b);
	el[0] = (struct hel){ .name = "schema", .nkids = 2 };
	el[1] = (struct hel){ .name = "v", .type = T_INT32 };
	hb_finish(&b, el, 2, &ck, 1, &rows, 1, 0);
	expect_open_error(&b, "schema claims 2 children, the list has 1 more");
	free(b.p);
	hb_start(&b);
	el[1] = (struct hel){ .name = "g", .rep = OPT, .nkids = 1 };
	el[2] = (struct hel){ .name = "v", .type = T_INT32 };
	hb_finish(&b, el, 3, &ck, 1, &rows, 1, 0);
	expect_open_error(&b, "the list ends inside the tree");
	free(b.p);
	hb_start(&b);
	el[0] = (struct hel){ .name = "schema" };
	hb_finish(&b, el, 1, &ck, 0, &rows, 1, 0);
	expect_open_error(&b, "the root is not a group");
	free(b.p);
	hb_start(&b);
	el[0] = (struct hel){ .name = "schema", .nkids = 1 };
	el[1] = (struct hel){ .name = "v", .type = T_INT32, .rep = 7 };
	hb_finish(&b, el, 2, &ck, 1, &rows, 1, 0);
	expect_open_error(&b, "v has no valid repetition");
	free(b.p);

	/* A footer list that claims more elements than bytes. */
	hb_start(&b);
	static const uint8_t footer[] = { 0x15, 0x02, 0x19, 0xfc, 0xff, 0xff,
	    0xff, 0x0f, 0x00 };
	add(&b, footer, sizeof footer);
	add_le32(&b, sizeof footer);
	add(&b, "PAR1", 4);
	expect_open_error(&b, "footer: corrupt Thrift at byte");
	free(b.p);
}

/* ------------------------------------------------------------------ */
/* Spark's files, and Delta checkpoints */

/* The stats value of a column in the file's add action (0.json). */
static const char *
golden_stat(const char *dir, const char *file, const char *col)
{
	static char out[64];
	char path[4300], *line = NULL;
	size_t cap = 0;
	FILE *fp;

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/_delta_log/00000000000000000000.json",
	    dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (getline(&line, &cap, fp) > 0) {
		json_t *a = json_loads(line, 0, NULL);
		json_t *add = json_object_get(a, "add");
		const char *p = json_string_value(json_object_get(add, "path"));
		if (p != NULL && strcmp(p, file) == 0) {
			json_t *st = json_loads(json_string_value(
			    json_object_get(add, "stats")), 0, NULL);
			json_t *v = json_object_get(json_object_get(st,
			    "minValues"), col);
			snprintf(out, sizeof out, "%s", json_string_value(v));
			json_decref(st);
		}
		json_decref(a);
	}
	free(line);
	fclose(fp);
	return out;
}

static void
test_golden_types(void **state)
{
	(void)state;
	const char *rel = "delta-golden/data-skipping-basic-stats-all-types";
	static const char *names[] = { "as_int", "as_long", "as_byte",
	    "as_short", "as_float", "as_double", "as_string", "as_date",
	    "as_timestamp", "as_big_decimal" };
	char dir[4096], path[8300], err[512];
	const char *at;
	struct dirent *e;
	DIR *d;
	int files = 0, rows = 0;

	unit_need_shared(at, rel);
	snprintf(dir, sizeof dir, "%s", at);
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "part-", 5) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct pqr_file *f = pqr_open(path, NULL, err, sizeof err);
		if (f == NULL)
			fail_msg("%s", err);
		files++;
		assert_memory_equal(pqr_created_by(f), "parquet-mr", 10);
		/* Spark's decimal(1,0) is an INT32. */
		const struct pqr_node *dn = pqr_node(f, pqr_find(f,
		    "as_big_decimal"));
		assert_int_equal(dn->type, PQR_DECIMAL);
		assert_int_equal(dn->physical, 1);
		assert_int_equal(dn->precision, 1);
		assert_int_equal(dn->scale, 0);
		for (size_t k = 0; k < 10; k++)
			assert_int_equal(pqr_select(f, pqr_find(f, names[k])),
			    0);
		assert_int_equal(pqr_node(f, pqr_find(f,
		    "as_timestamp"))->physical, 3);		/* INT96 */
		if (pqr_num_rows(f) == 0) {
			assert_int_equal(pqr_next(f), 0);
			pqr_close(f);
			continue;
		}
		assert_int_equal(pqr_next(f), 1);
		rows++;
		json_t *row = pqr_json(f, 0);
		json_t *want = json_loads("{\"as_int\":0,\"as_long\":0,"
		    "\"as_byte\":0,\"as_short\":0,\"as_float\":0.0,"
		    "\"as_double\":0.0,\"as_string\":\"0\","
		    "\"as_big_decimal\":\"0\"}", 0, NULL);
		/* The INT96 timestamp and the date against the log's stats
		 * ("2000-01-01T00:00:00.000-08:00", "2000-01-01"). */
		const char *ts = golden_stat(dir, e->d_name, "as_timestamp");
		int64_t us;
		int32_t days;
		assert_int_equal(iso_parse(ts, strlen(ts), &us), 0);
		json_object_set_new(want, "as_timestamp", json_integer(us));
		const char *date = golden_stat(dir, e->d_name, "as_date");
		assert_int_equal(iso_parse_date(date, strlen(date), &days), 0);
		json_object_set_new(want, "as_date", json_integer(days));
		if (!json_equal(row, want))
			fail_msg("%s", json_dumps(row, JSON_COMPACT));
		struct pqr_value v;
		assert_int_equal(pqr_value(f, pqr_find(f, "as_big_decimal"),
		    &v), 0);
		assert_int_equal(v.type, PQR_DECIMAL);
		assert_true(v.dec == 0);
		json_decref(row);
		json_decref(want);
		assert_int_equal(pqr_next(f), 0);
		pqr_close(f);
	}
	closedir(d);
	assert_int_equal(files, 2);
	assert_int_equal(rows, 1);
}

/* The state after commits 0..upto, from the JSON commits alone. */
static struct delta_table *
replay_json(const char *root, int64_t upto)
{
	struct delta_table *t = calloc(1, sizeof *t);
	char path[4300], err[256], *line = NULL;
	size_t cap = 0;

	t->root = strdup(root);
	t->checkpoint = -1;
	t->files = json_object();
	for (int64_t v = 0; v <= upto; v++) {
		snprintf(path, sizeof path, "%s/_delta_log/%020lld.json", root,
		    (long long)v);
		FILE *fp = fopen(path, "r");
		assert_non_null(fp);
		while (getline(&line, &cap, fp) > 0) {
			json_t *a = json_loads(line, 0, NULL);
			assert_non_null(a);
			if (delta_apply(t, a, err, sizeof err) != 0)
				fail_msg("%s: %s", path, err);
			json_decref(a);
		}
		fclose(fp);
	}
	free(line);
	t->version = upto;
	return t;
}

static struct delta_table *
fresh(const char *root)
{
	struct delta_table *t = calloc(1, sizeof *t);

	t->root = strdup(root);
	t->version = t->checkpoint = -1;
	t->files = json_object();
	return t;
}

/* Two states hold the same protocol, metadata, txns and files.  Spark
 * writes dataChange false into checkpoints, so it may be ignored. */
static void
same_state(const struct delta_table *a, const struct delta_table *b,
    bool ignore_data_change)
{
	const char *path;
	json_t *x;

	assert_non_null(a->protocol);
	assert_true(json_equal(a->protocol, b->protocol));
	assert_true(json_equal(a->metadata, b->metadata));
	assert_int_equal(a->npartition, b->npartition);
	assert_int_equal(a->ntxns, b->ntxns);
	for (size_t i = 0; i < a->ntxns; i++)
		assert_int_equal(a->txns[i].version,
		    delta_txn_version(b, a->txns[i].app_id));
	assert_int_equal(json_object_size(a->files),
	    json_object_size(b->files));
	json_object_foreach(a->files, path, x) {
		json_t *y = json_object_get(b->files, path);
		if (y == NULL)
			fail_msg("%s only on one side", path);
		x = json_deep_copy(x);
		y = json_deep_copy(y);
		if (ignore_data_change) {
			json_object_del(x, "dataChange");
			json_object_del(y, "dataChange");
		}
		if (!json_equal(x, y))
			fail_msg("%s: %s against %s", path, json_dumps(x,
			    JSON_COMPACT), json_dumps(y, JSON_COMPACT));
		json_decref(x);
		json_decref(y);
	}
}

/* The same tombstones: paths and deletionTimestamps (Spark writes its
 * checkpoint's removes with dataChange false). */
static void
same_tombstones(const struct delta_table *a, const struct delta_table *b)
{
	const char *path;
	json_t *x, *y;

	assert_int_equal(json_object_size(a->tombstones),
	    json_object_size(b->tombstones));
	json_object_foreach(a->tombstones, path, x) {
		if ((y = json_object_get(b->tombstones, path)) == NULL)
			fail_msg("tombstone %s only on one side", path);
		assert_true(json_equal(json_object_get(x, "deletionTimestamp"),
		    json_object_get(y, "deletionTimestamp")));
	}
}

static void
test_golden_checkpoint(void **state)
{
	(void)state;
	char err[512], root[4096];
	const char *at;
	struct delta_table *ck, *json, *full;

	unit_need_shared(at, "delta-golden/checkpoint");
	snprintf(root, sizeof root, "%s", at);
	/* Spark's checkpoint alone equals the replay of commits 0..10. */
	ck = fresh(root);
	assert_int_equal(checkpoint_read_latest(ck, 14, err, sizeof err), 10);
	json = replay_json(root, 10);
	same_state(ck, json, true);
	assert_int_equal(json_object_size(ck->files), 1);
	/* Its ten tombstones too: removes 1..10 of the JSON commits. */
	same_tombstones(ck, json);
	assert_int_equal(json_object_size(ck->tombstones), 10);
	delta_free(ck);
	delta_free(json);
	/* And the table opened through it equals the whole JSON log. */
	full = delta_open(root, err, sizeof err);
	if (full == NULL)
		fail_msg("%s", err);
	assert_int_equal(full->checkpoint, 10);
	assert_int_equal(full->version, 14);
	json = replay_json(root, 14);
	same_state(full, json, true);
	same_tombstones(full, json);
	delta_free(full);
	delta_free(json);
	/* A version before the checkpoint cannot use it. */
	ck = fresh(root);
	assert_int_equal(checkpoint_read_latest(ck, 9, err, sizeof err), -1);
	assert_null(ck->protocol);
	delta_free(ck);
}

static void
commit(struct delta_table *t, json_t *actions)
{
	char err[512];
	int64_t v;

	if (delta_commit(t, actions, NULL, &v, err, sizeof err) !=
	    DELTA_COMMITTED)
		fail_msg("%s", err);
	json_decref(actions);
}

static json_t *
add_action(const char *path, const char *day, int64_t size)
{
	return json_pack("{s:{s:s,s:{s:s*,s:s},s:I,s:I,s:b,s:s}}", "add",
	    "path", path, "partitionValues", "d", day, "w", "a/b",
	    "size", (json_int_t)size, "modificationTime",
	    (json_int_t)1767225600000, "dataChange", 1, "stats",
	    "{\"numRecords\":3,\"minValues\":{},\"maxValues\":{},"
	    "\"nullCount\":{}}");
}

static void
shell(const char *fmt, const char *root)
{
	char cmd[4500];

	snprintf(cmd, sizeof cmd, fmt, root, root);
	assert_int_equal(system(cmd), 0);
}

/* The schema of the checkpoint tests' tables, partitioned by d and w. */
static const char ckpt_table[] = "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"long\",\"nullable\":true,"
    "\"metadata\":{}},"
    "{\"name\":\"d\",\"type\":\"date\",\"nullable\":true,"
    "\"metadata\":{}},"
    "{\"name\":\"w\",\"type\":\"string\",\"nullable\":true,"
    "\"metadata\":{}}]}";

/* Our own checkpoints read back, and every way one can fail to be. */
static void
test_checkpoint_read(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/vl-ckpt-XXXXXX", err[512];
	const char *root = mkdtemp(tmpl);
	char *cols[] = { "d", "w" };
	struct schema *s = schema_parse(ckpt_table, strlen(ckpt_table), err,
	    sizeof err);
	struct delta_table *t, *c, *j;

	assert_non_null(root);
	assert_non_null(s);
	t = delta_open(root, err, sizeof err);
	json_t *conf = json_pack("{s:s}", "delta.appendOnly", "true");
	json_t *acts = delta_create_actions(s, cols, 2, conf);
	json_decref(conf);
	json_array_append_new(acts, add_action("d=2026-01-01/w=a%252Fb/f0",
	    "2026-01-01", 10));
	commit(t, acts);
	commit(t, json_pack("[o,{s:{s:s,s:I}}]", add_action("f1", "2026-01-02",
	    11), "txn", "appId", "app:t:0", "version", (json_int_t)41));
	commit(t, json_pack("[o]", add_action("f2", NULL, 12)));
	commit(t, json_pack("[{s:{s:s,s:I,s:b}}]", "remove", "path",
	    "d=2026-01-01/w=a%252Fb/f0", "deletionTimestamp", (json_int_t)5,
	    "dataChange", 1));
	commit(t, json_pack("[o,{s:{s:s,s:I}}]", add_action("f3", "2026-01-03",
	    13), "txn", "appId", "app:t:1", "version", (json_int_t)7));
	assert_int_equal(checkpoint_write(t, err, sizeof err), 0);
	commit(t, json_pack("[o]", add_action("f4", "2026-01-04", 14)));
	delta_free(t);

	/* The checkpoint alone equals the JSON replay to version 4, exactly
	 * (a null partition value, the txns, the configuration). */
	c = fresh(root);
	assert_int_equal(checkpoint_read_latest(c, 5, err, sizeof err), 4);
	j = replay_json(root, 4);
	same_state(c, j, false);
	assert_int_equal(json_object_size(c->files), 3);
	delta_free(c);
	delta_free(j);
	t = delta_open(root, err, sizeof err);
	assert_int_equal(t->checkpoint, 4);
	j = replay_json(root, 5);
	same_state(t, j, false);
	delta_free(t);
	delta_free(j);

	/* _last_checkpoint that does not match the file: passed over. */
	shell("cp %s/_delta_log/_last_checkpoint %s/saved", root);
	shell("echo '{\"version\":4,\"size\":99}' > %s/_delta_log/"
	    "_last_checkpoint; : %s", root);
	c = fresh(root);
	assert_int_equal(checkpoint_read_latest(c, 5, err, sizeof err), -1);
	assert_null(c->protocol);
	delta_free(c);
	/* Not JSON at all: harmless, the file is found by its name. */
	shell("echo 'garbage' > %s/_delta_log/_last_checkpoint; : %s", root);
	c = fresh(root);
	assert_int_equal(checkpoint_read_latest(c, 5, err, sizeof err), 4);
	delta_free(c);
	shell("mv %s/saved %s/_delta_log/_last_checkpoint", root);

	/* A newer multi-part checkpoint is passed over for ours. */
	shell(": > %s/_delta_log/00000000000000000005.checkpoint."
	    "0000000001.0000000002.parquet; : %s", root);
	c = fresh(root);
	assert_int_equal(checkpoint_read_latest(c, 5, err, sizeof err), 4);
	delta_free(c);
	shell("rm %s/_delta_log/*.0000000002.parquet; : %s", root);

	/* An older good checkpoint when the newest is corrupt. */
	j = replay_json(root, 2);
	assert_int_equal(checkpoint_write(j, err, sizeof err), 0);
	delta_free(j);
	shell("truncate -s 100 %s/_delta_log/00000000000000000004.checkpoint."
	    "parquet; : %s", root);
	c = fresh(root);
	assert_int_equal(checkpoint_read_latest(c, 5, err, sizeof err), 2);
	j = replay_json(root, 2);
	same_state(c, j, false);
	delta_free(c);
	delta_free(j);
	t = delta_open(root, err, sizeof err);
	j = replay_json(root, 5);
	same_state(t, j, false);
	delta_free(t);
	delta_free(j);

	/* Nothing usable and commit 0 is there: replay from 0. */
	shell("truncate -s 100 %s/_delta_log/00000000000000000002.checkpoint."
	    "parquet; : %s", root);
	c = fresh(root);
	assert_int_equal(checkpoint_read_latest(c, 5, err, sizeof err), -1);
	delta_free(c);
	/* Nothing usable and the early commits gone: a clear error. */
	shell("rm %s/_delta_log/00000000000000000000.json; : %s", root);
	c = fresh(root);
	assert_true(checkpoint_read_latest(c, 5, err, sizeof err) < -1);
	assert_non_null(strstr(err, "checkpoint 4 cannot be used"));
	assert_non_null(strstr(err, "the commits before it are gone"));
	delta_free(c);
	assert_null(delta_open(root, err, sizeof err));
	assert_non_null(strstr(err, "cannot be used"));

	shell("rm -rf %s; : %s", root);
	schema_free(s);
}

/* A remove action of path at deletionTimestamp ts (none if ts < 0),
 * with its partition values and size when full. */
static json_t *
remove_action(const char *path, int64_t ts, bool full)
{
	json_t *rm = json_pack("{s:s,s:b}", "path", path, "dataChange", 0);

	if (ts >= 0)
		json_object_set_new(rm, "deletionTimestamp", json_integer(ts));
	if (full) {
		json_object_set_new(rm, "extendedFileMetadata", json_true());
		json_object_set_new(rm, "partitionValues", json_pack("{s:s,s:s}",
		    "d", "2026-01-01", "w", "a/b"));
		json_object_set_new(rm, "size", json_integer(10));
	}
	return json_pack("[{s:o}]", "remove", rm);
}

/*
 * Tombstones (PROTOCOL.md "Checkpoints"): the replay keeps the newest
 * remove of each path until an add brings it back; a checkpoint holds
 * those within delta.deletedFileRetentionDuration (here 1 hour) of its
 * writing, with their fields, and reads them back; one without a
 * timestamp has expired, as Spark takes it.
 */
static void
test_checkpoint_tombstones(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/vl-tomb-XXXXXX", err[512];
	const char *root = mkdtemp(tmpl);
	char *cols[] = { "d", "w" };
	struct schema *s = schema_parse(ckpt_table, strlen(ckpt_table), err,
	    sizeof err);
	int64_t now = delta_now_ms();
	struct delta_table *t, *c;
	json_t *rm;

	assert_non_null(root);
	t = delta_open(root, err, sizeof err);
	json_t *conf = json_pack("{s:s}", "delta.deletedFileRetentionDuration",
	    "interval 1 hour");
	json_t *acts = delta_create_actions(s, cols, 2, conf);
	json_decref(conf);
	const char *names[] = { "fresh", "recent", "old", "ancient", "undated",
	    "back", "live" };
	for (size_t i = 0; i < 7; i++)
		json_array_append_new(acts, add_action(names[i], "2026-01-01",
		    10));
	commit(t, acts);
	assert_null(t->tombstones);
	commit(t, remove_action("fresh", now, true));
	commit(t, remove_action("recent", now - 30 * 60000, false));
	commit(t, remove_action("old", now - 2 * 3600000, true));
	commit(t, remove_action("ancient", 5, false));
	commit(t, remove_action("undated", -1, false));
	commit(t, remove_action("back", now, true));
	commit(t, json_pack("[o]", add_action("back", "2026-01-01", 11)));
	/* The replay: every remove, but not the path added back. */
	assert_int_equal(json_object_size(t->tombstones), 5);
	assert_null(json_object_get(t->tombstones, "back"));
	assert_non_null(json_object_get(t->files, "back"));
	assert_int_equal(json_object_size(t->files), 2);
	assert_int_equal(checkpoint_write(t, err, sizeof err), 0);
	delta_free(t);

	c = fresh(root);
	assert_int_equal(checkpoint_read_latest(c, 7, err, sizeof err), 7);
	assert_int_equal(json_object_size(c->files), 2);
	assert_int_equal(json_object_size(c->tombstones), 2);
	json_t *want = json_pack("{s:s,s:I,s:b,s:b,s:{s:s,s:s},s:I}", "path",
	    "fresh", "deletionTimestamp", (json_int_t)now, "dataChange", 0,
	    "extendedFileMetadata", 1, "partitionValues", "d", "2026-01-01",
	    "w", "a/b", "size", (json_int_t)10);
	if (!json_equal(json_object_get(c->tombstones, "fresh"), want))
		fail_msg("%s", json_dumps(json_object_get(c->tombstones,
		    "fresh"), JSON_COMPACT));
	json_decref(want);
	rm = json_object_get(c->tombstones, "recent");
	assert_non_null(rm);
	assert_int_equal(json_integer_value(json_object_get(rm,
	    "deletionTimestamp")), now - 30 * 60000);
	assert_null(json_object_get(rm, "extendedFileMetadata"));
	assert_null(json_object_get(rm, "size"));
	delta_free(c);

	/* delta_open from the checkpoint has them too, and the commits
	 * after it add theirs. */
	t = delta_open(root, err, sizeof err);
	assert_int_equal(t->checkpoint, 7);
	commit(t, remove_action("live", now, false));
	delta_free(t);
	t = delta_open(root, err, sizeof err);
	assert_int_equal(json_object_size(t->tombstones), 3);
	assert_non_null(json_object_get(t->tombstones, "live"));
	assert_int_equal(json_object_size(t->files), 1);
	delta_free(t);

	shell("rm -rf %s; : %s", root);
	schema_free(s);
}

/*
 * Found by tests/fuzz/fuzz_delta.c, through checkpoint_write: a column
 * that holds no value in a row group (every row null) has no PLAIN
 * buffer, and its data page added 0 to that NULL pointer, which is
 * undefined.  Clang's UBSan says so (GCC's does not check it, hence make
 * check never did); build this test with clang -fsanitize=undefined to
 * see it.  The columns must read back as nulls.
 */
static void
test_all_null_columns(void **state)
{
	struct pq_schema *s = pq_schema_new();
	int a = pq_leaf(s, 0, "a", PQ_STRING, PQ_OPTIONAL);
	int b = pq_leaf(s, 0, "b", PQ_INT64, PQ_OPTIONAL);
	int m = pq_map(s, 0, "m", PQ_OPTIONAL, true);
	int fd = scratch_fd();
	struct pq_writer *w = pq_open(fd, s, NULL);
	struct pqr_file *f;
	struct bytes bytes;

	(void)state;
	for (int i = 0; i < 3; i++) {
		pq_null(w, a);
		pq_null(w, b);
		pq_null(w, m);
		assert_int_equal(pq_end_row(w), 0);
	}
	assert_int_equal(pq_close(w, NULL), 0);
	pq_free(w);
	bytes = slurp(fd);
	close(fd);
	f = open_bytes(&bytes, NULL);
	expect_rows(f, "[{\"a\":null,\"b\":null,\"m\":null},"
	    "{\"a\":null,\"b\":null,\"m\":null},"
	    "{\"a\":null,\"b\":null,\"m\":null}]");
	pqr_close(f);
	free(bytes.p);
	pq_schema_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thrift_decode),
		cmocka_unit_test(test_thrift_skip_types),
		cmocka_unit_test(test_thrift_hostile),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_v2_and_dictionary),
		cmocka_unit_test(test_rows_across_pages),
		cmocka_unit_test(test_legacy_lists),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_delta_encodings),
		cmocka_unit_test(test_truncated_and_footer),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_lying_sizes),
		cmocka_unit_test(test_hostile_pages),
		cmocka_unit_test(test_columns_disagree),
		cmocka_unit_test(test_hostile_schema),
		cmocka_unit_test(test_golden_types),
		cmocka_unit_test(test_golden_checkpoint),
		cmocka_unit_test(test_checkpoint_read),
		cmocka_unit_test(test_checkpoint_tombstones),
		cmocka_unit_test(test_all_null_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
