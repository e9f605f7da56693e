/*
 * thrift: the Thrift compact protocol encoder and decoder, and the plain
 * varint coders that Parquet's encodings share with it (see thrift.h).
 */
#include "thrift.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Encoder misuse is a bug in the caller, not a data error. */
static _Noreturn void
bug(const char *what)
{
	fprintf(stderr, "thrift: %s\n", what);
	abort();
}

static uint8_t *
room(struct thrift *t, size_t n)
{
	if (t->cap - t->len < n)
		xgrow(&t->buf, &t->cap, t->len + n, 1);
	return t->buf + t->len;
}

static void
put_byte(struct thrift *t, uint8_t b)
{
	*room(t, 1) = b;
	t->len++;
}

void
thrift_init(struct thrift *t)
{
	memset(t, 0, sizeof *t);
}

void
thrift_free(struct thrift *t)
{
	free(t->buf);
	memset(t, 0, sizeof *t);
}

void
thrift_reset(struct thrift *t)
{
	t->len = 0;
	t->depth = 0;
}

size_t
thrift_put_varint(uint8_t *p, uint64_t v)
{
	uint8_t *start = p;

	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return (size_t)(p - start);
}

void
thrift_varint(struct thrift *t, uint64_t v)
{
	t->len += thrift_put_varint(room(t, THRIFT_VARINT_MAX), v);
}

void
thrift_zigzag(struct thrift *t, int64_t v)
{
	/* The shift is done unsigned: left-shifting a negative value is
	 * undefined in C. */
	thrift_varint(t, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/*
 * The field header: a 4-bit delta from the previous id of this struct and
 * the type, or, when the delta does not fit (or ids go backwards, which
 * we refuse), the long form: a zero delta, then the id as a zigzag i16.
 */
static void
field_header(struct thrift *t, int16_t id, enum thrift_type type)
{
	int16_t *last;

	if (t->depth == 0)
		bug("field outside a struct");
	last = &t->last[t->depth - 1];
	if (id <= *last)
		bug("field ids must increase");
	if (id - *last <= 15) {
		put_byte(t, (uint8_t)((id - *last) << 4 | type));
	} else {
		put_byte(t, (uint8_t)type);
		thrift_zigzag(t, id);
	}
	*last = id;
}

static void
push(struct thrift *t)
{
	if (t->depth == THRIFT_MAX_DEPTH)
		bug("structs nested too deeply");
	t->last[t->depth++] = 0;
}

void
thrift_struct_begin(struct thrift *t)
{
	push(t);
}

void
thrift_struct_end(struct thrift *t)
{
	if (t->depth == 0)
		bug("struct end without a begin");
	put_byte(t, 0);
	t->depth--;
}

void
thrift_field_bool(struct thrift *t, int16_t id, bool v)
{
	/* Compact protocol: a bool field's value lives in its header. */
	field_header(t, id, v ? TT_BOOL_TRUE : TT_BOOL_FALSE);
}

void
thrift_field_i8(struct thrift *t, int16_t id, int8_t v)
{
	field_header(t, id, TT_I8);
	put_byte(t, (uint8_t)v);
}

void
thrift_field_i16(struct thrift *t, int16_t id, int16_t v)
{
	field_header(t, id, TT_I16);
	thrift_zigzag(t, v);
}

void
thrift_field_i32(struct thrift *t, int16_t id, int32_t v)
{
	field_header(t, id, TT_I32);
	thrift_zigzag(t, v);
}

void
thrift_field_i64(struct thrift *t, int16_t id, int64_t v)
{
	field_header(t, id, TT_I64);
	thrift_zigzag(t, v);
}

void
thrift_field_double(struct thrift *t, int16_t id, double v)
{
	uint64_t bits;
	uint8_t *p;

	field_header(t, id, TT_DOUBLE);
	memcpy(&bits, &v, 8);
	p = room(t, 8);
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(bits >> (8 * i));
	t->len += 8;
}

void
thrift_elem_binary(struct thrift *t, const void *p, size_t n)
{
	thrift_varint(t, n);
	if (n > 0)
		memcpy(room(t, n), p, n);
	t->len += n;
}

void
thrift_elem_string(struct thrift *t, const char *s)
{
	thrift_elem_binary(t, s, strlen(s));
}

void
thrift_field_binary(struct thrift *t, int16_t id, const void *p, size_t n)
{
	field_header(t, id, TT_BINARY);
	thrift_elem_binary(t, p, n);
}

void
thrift_field_string(struct thrift *t, int16_t id, const char *s)
{
	thrift_field_binary(t, id, s, strlen(s));
}

void
thrift_field_struct(struct thrift *t, int16_t id)
{
	field_header(t, id, TT_STRUCT);
	push(t);
}

void
thrift_field_list(struct thrift *t, int16_t id, enum thrift_type elem,
    uint32_t n)
{
	field_header(t, id, TT_LIST);
	if (n < 15) {
		put_byte(t, (uint8_t)(n << 4 | elem));
	} else {
		put_byte(t, (uint8_t)(0xf0 | elem));
		thrift_varint(t, n);
	}
}

void
thrift_elem_i32(struct thrift *t, int32_t v)
{
	thrift_zigzag(t, v);
}

void
thrift_elem_i64(struct thrift *t, int64_t v)
{
	thrift_zigzag(t, v);
}

void
thrift_elem_struct(struct thrift *t)
{
	push(t);
}

/* ------------------------------------------------------------------ */
/* Decoding */

/* Records the first error; later calls see it and stop. */
static int
in_fail(struct thrift_in *in, const char *why)
{
	if (in->err == NULL)
		in->err = why;
	return -1;
}

static int
in_short(struct thrift_in *in)
{
	if (in->err == NULL)
		in->truncated = true;
	return in_fail(in, "truncated");
}

void
thrift_in_init(struct thrift_in *in, const void *p, size_t n)
{
	memset(in, 0, sizeof *in);
	in->p = p;
	in->end = in->p + n;
}

static size_t
in_left(const struct thrift_in *in)
{
	return (size_t)(in->end - in->p);
}

static int
in_byte(struct thrift_in *in, uint8_t *b)
{
	if (in->err != NULL)
		return -1;
	if (in->p >= in->end)
		return in_short(in);
	*b = *in->p++;
	return 0;
}

/* ULEB128, at most 10 bytes, and nothing past 64 bits. */
int
thrift_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	uint8_t b;

	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		b = *(*p)++;
		if (shift == 63 && (b & 0x7e) != 0)
			return -2;
		x |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*v = x;
			return 0;
		}
	}
	return -2;
}

int64_t
thrift_unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static int
in_varint(struct thrift_in *in, uint64_t *v)
{
	int rc;

	if (in->err != NULL)
		return -1;
	if ((rc = thrift_get_varint(&in->p, in->end, v)) == -1)
		return in_short(in);
	if (rc != 0)
		return in_fail(in, "varint longer than 64 bits");
	return 0;
}

static int
in_zigzag(struct thrift_in *in, int64_t *v)
{
	uint64_t u;

	if (in_varint(in, &u) != 0)
		return -1;
	*v = thrift_unzigzag(u);
	return 0;
}

static bool
is_int_type(enum thrift_type t)
{
	return t == TT_I8 || t == TT_I16 || t == TT_I32 || t == TT_I64;
}

int
thrift_read_struct_begin(struct thrift_in *in, enum thrift_type type)
{
	if (in->err != NULL)
		return -1;
	if (type != TT_STRUCT)
		return in_fail(in, "a struct was expected");
	if (in->depth == THRIFT_MAX_DEPTH)
		return in_fail(in, "structs nested too deeply");
	in->last[in->depth++] = 0;
	return 0;
}

int
thrift_read_field(struct thrift_in *in, int16_t *id, enum thrift_type *type)
{
	uint8_t h;
	int64_t v;
	int16_t *last;

	if (in->err != NULL)
		return -1;
	if (in->depth == 0)
		return in_fail(in, "field outside a struct");
	if (in_byte(in, &h) != 0)
		return -1;
	if (h == 0) {
		in->depth--;
		return 0;
	}
	last = &in->last[in->depth - 1];
	*type = (enum thrift_type)(h & 0x0f);
	if (*type < TT_BOOL_TRUE || *type > TT_STRUCT)
		return in_fail(in, "unknown field type");
	if ((h >> 4) != 0) {
		v = *last + (h >> 4);
	} else {
		if (in_zigzag(in, &v) != 0)
			return -1;
	}
	/* Ids are i16; a delta running past that is garbage. */
	if (v < INT16_MIN || v > INT16_MAX)
		return in_fail(in, "field id out of range");
	*id = *last = (int16_t)v;
	return 1;
}

int
thrift_read_i64(struct thrift_in *in, enum thrift_type type, int64_t *v)
{
	uint8_t b;

	if (in->err != NULL)
		return -1;
	if (!is_int_type(type))
		return in_fail(in, "an integer was expected");
	if (type == TT_I8) {
		if (in_byte(in, &b) != 0)
			return -1;
		*v = (int8_t)b;
		return 0;
	}
	if (in_zigzag(in, v) != 0)
		return -1;
	if ((type == TT_I16 && (*v < INT16_MIN || *v > INT16_MAX)) ||
	    (type == TT_I32 && (*v < INT32_MIN || *v > INT32_MAX)))
		return in_fail(in, "integer out of range for its type");
	return 0;
}

int
thrift_read_i32(struct thrift_in *in, enum thrift_type type, int32_t *v)
{
	int64_t x;

	if (in->err != NULL)
		return -1;
	if (type == TT_I64)
		return in_fail(in, "a 32-bit integer was expected");
	if (thrift_read_i64(in, type, &x) != 0)
		return -1;
	*v = (int32_t)x;
	return 0;
}

int
thrift_read_bool(struct thrift_in *in, enum thrift_type type, bool *v)
{
	if (in->err != NULL)
		return -1;
	if (type != TT_BOOL_TRUE && type != TT_BOOL_FALSE)
		return in_fail(in, "a bool was expected");
	*v = type == TT_BOOL_TRUE;
	return 0;
}

int
thrift_read_double(struct thrift_in *in, enum thrift_type type, double *v)
{
	uint64_t bits = 0;

	if (in->err != NULL)
		return -1;
	if (type != TT_DOUBLE)
		return in_fail(in, "a double was expected");
	if (in_left(in) < 8)
		return in_short(in);
	for (int i = 0; i < 8; i++)
		bits |= (uint64_t)in->p[i] << (8 * i);
	in->p += 8;
	memcpy(v, &bits, 8);
	return 0;
}

int
thrift_read_binary(struct thrift_in *in, enum thrift_type type,
    const uint8_t **p, size_t *n)
{
	uint64_t len;

	if (in->err != NULL)
		return -1;
	if (type != TT_BINARY)
		return in_fail(in, "a string was expected");
	if (in_varint(in, &len) != 0)
		return -1;
	if (len > in_left(in))
		return in_short(in);
	*p = in->p;
	*n = (size_t)len;
	in->p += len;
	return 0;
}

int
thrift_read_list(struct thrift_in *in, enum thrift_type type,
    enum thrift_type *elem, uint32_t *n)
{
	uint8_t h;
	uint64_t count;

	if (in->err != NULL)
		return -1;
	if (type != TT_LIST && type != TT_SET)
		return in_fail(in, "a list was expected");
	if (in_byte(in, &h) != 0)
		return -1;
	count = h >> 4;
	if (count == 15 && in_varint(in, &count) != 0)
		return -1;
	*elem = (enum thrift_type)(h & 0x0f);
	/* Bool elements are one byte each; some writers put 2 in the
	 * header for them, as for a false field. */
	if (*elem == TT_BOOL_FALSE)
		*elem = TT_BOOL;
	if (*elem < TT_BOOL_TRUE || *elem > TT_STRUCT)
		return in_fail(in, "unknown list element type");
	/* No element is shorter than a byte, so a count beyond the bytes
	 * left is a lie, and it is caught before anyone allocates for it. */
	if (count > in_left(in))
		return in_short(in);
	*n = (uint32_t)count;
	return 0;
}

static int skip_value(struct thrift_in *in, enum thrift_type type,
    bool element, int depth);

static int
skip_elements(struct thrift_in *in, enum thrift_type type, uint64_t n,
    int depth)
{
	for (uint64_t i = 0; i < n; i++)
		if (skip_value(in, type, true, depth) != 0)
			return -1;
	return 0;
}

/*
 * Skips one value.  A bool is in the header for a field but a byte of its
 * own as a list or map element.  depth counts the containers around the
 * value, so hostile nesting stops at THRIFT_MAX_DEPTH.
 */
static int
skip_value(struct thrift_in *in, enum thrift_type type, bool element,
    int depth)
{
	enum thrift_type elem;
	uint64_t u;
	uint32_t n;
	uint8_t b;
	const uint8_t *p;
	size_t len;
	int16_t id;
	int rc;

	if (in->err != NULL)
		return -1;
	if (depth >= THRIFT_MAX_DEPTH)
		return in_fail(in, "values nested too deeply");
	switch (type) {
	case TT_BOOL_TRUE:
	case TT_BOOL_FALSE:
		return element ? in_byte(in, &b) : 0;
	case TT_I8:
		return in_byte(in, &b);
	case TT_I16:
	case TT_I32:
	case TT_I64:
		return in_varint(in, &u);
	case TT_DOUBLE:
		if (in_left(in) < 8)
			return in_short(in);
		in->p += 8;
		return 0;
	case TT_BINARY:
		return thrift_read_binary(in, type, &p, &len);
	case TT_LIST:
	case TT_SET:
		if (thrift_read_list(in, type, &elem, &n) != 0)
			return -1;
		return skip_elements(in, elem, n, depth + 1);
	case TT_MAP:
		if (in_varint(in, &u) != 0)
			return -1;
		if (u == 0)
			return 0;
		if (u > in_left(in) / 2)
			return in_short(in);
		if (in_byte(in, &b) != 0)
			return -1;
		for (uint64_t i = 0; i < u; i++) {
			if (skip_value(in, (enum thrift_type)(b >> 4), true,
			    depth + 1) != 0 || skip_value(in,
			    (enum thrift_type)(b & 0x0f), true, depth + 1) != 0)
				return -1;
		}
		return 0;
	case TT_STRUCT:
		if (thrift_read_struct_begin(in, type) != 0)
			return -1;
		while ((rc = thrift_read_field(in, &id, &elem)) == 1)
			if (skip_value(in, elem, false, depth + 1) != 0)
				return -1;
		return rc;
	}
	return in_fail(in, "unknown type");
}

int
thrift_skip(struct thrift_in *in, enum thrift_type type)
{
	return skip_value(in, type, false, in->depth);
}
