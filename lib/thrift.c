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

void
thrift_varint(struct thrift *t, uint64_t v)
{
	uint8_t *p = room(t, 10), *start = p;

	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	t->len += (size_t)(p - start);
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
