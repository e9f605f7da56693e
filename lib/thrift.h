/*
 * thrift: an encoder for the Thrift compact protocol, the binary form of
 * Parquet's page headers and file footer (apache/thrift
 * doc/specs/thrift-compact-protocol.md).  Only writing: the Parquet
 * writer builds its structures field by field, in increasing field-id
 * order, straight into a growable byte buffer, with no IDL and no
 * generated code.
 *
 * A struct is written as its fields' headers and values followed by a stop
 * byte.  A field header carries the id as a delta from the previous field
 * of the same struct, so the encoder keeps the last id of every open
 * struct on a small stack: thrift_struct_begin / thrift_field_struct /
 * thrift_elem_struct push, thrift_struct_end pops.
 *
 *	struct thrift t;
 *	thrift_init(&t);
 *	thrift_struct_begin(&t);		   top-level struct
 *	thrift_field_i32(&t, 1, 1);		   15 02
 *	thrift_field_list(&t, 2, TT_STRUCT, n);    list header
 *	for (...) { thrift_elem_struct(&t); ...; thrift_struct_end(&t); }
 *	thrift_struct_end(&t);			   00
 *	... use t.buf[0 .. t.len) ...
 *	thrift_free(&t);
 *
 * Nothing here fails at run time: memory comes from xalloc (dies on out of
 * memory).  Misuse that is a programming error (nesting deeper than
 * THRIFT_MAX_DEPTH, a field id not greater than the previous one, ending
 * more structs than were begun) aborts with a message.
 */
#ifndef VL_THRIFT_H
#define VL_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compact-protocol type nibbles, as they appear in field and list headers. */
enum thrift_type {
	TT_BOOL_TRUE = 1, TT_BOOL_FALSE = 2, TT_I8 = 3, TT_I16 = 4,
	TT_I32 = 5, TT_I64 = 6, TT_DOUBLE = 7, TT_BINARY = 8, TT_LIST = 9,
	TT_SET = 10, TT_MAP = 11, TT_STRUCT = 12
};
/* In a list header a bool element type is written as 1 (TT_BOOL_TRUE). */
#define TT_BOOL TT_BOOL_TRUE

#define THRIFT_MAX_DEPTH 16

struct thrift {
	uint8_t *buf;		/* the encoded bytes, buf[0 .. len) */
	size_t len, cap;
	int depth;		/* open structs */
	int16_t last[THRIFT_MAX_DEPTH];	/* last field id per open struct */
};

/* An empty encoder; thrift_free releases the buffer. */
void thrift_init(struct thrift *t);
void thrift_free(struct thrift *t);
/* Forgets the bytes and the struct stack, keeps the buffer for reuse. */
void thrift_reset(struct thrift *t);

/* Opens a struct that is not a field (the outermost one). */
void thrift_struct_begin(struct thrift *t);
/* Writes the stop byte of the innermost open struct and closes it. */
void thrift_struct_end(struct thrift *t);

/* Fields of the innermost open struct.  Ids must increase. */
void thrift_field_bool(struct thrift *t, int16_t id, bool v);
void thrift_field_i8(struct thrift *t, int16_t id, int8_t v);
void thrift_field_i16(struct thrift *t, int16_t id, int16_t v);
void thrift_field_i32(struct thrift *t, int16_t id, int32_t v);
void thrift_field_i64(struct thrift *t, int16_t id, int64_t v);
void thrift_field_double(struct thrift *t, int16_t id, double v);
void thrift_field_binary(struct thrift *t, int16_t id, const void *p,
    size_t n);
void thrift_field_string(struct thrift *t, int16_t id, const char *s);
/* A struct-valued field: opens it; close it with thrift_struct_end. */
void thrift_field_struct(struct thrift *t, int16_t id);
/* A list-valued field: writes the header for n elements of type elem;
 * the caller then writes exactly n thrift_elem_* of that type. */
void thrift_field_list(struct thrift *t, int16_t id, enum thrift_type elem,
    uint32_t n);

/* List elements (no field header). */
void thrift_elem_i32(struct thrift *t, int32_t v);
void thrift_elem_i64(struct thrift *t, int64_t v);
void thrift_elem_binary(struct thrift *t, const void *p, size_t n);
void thrift_elem_string(struct thrift *t, const char *s);
/* Opens a struct element; close it with thrift_struct_end. */
void thrift_elem_struct(struct thrift *t);

/* The raw building blocks, exposed for tests and for callers that frame
 * their own bytes: ULEB128 varint, and zigzag-then-varint. */
void thrift_varint(struct thrift *t, uint64_t v);
void thrift_zigzag(struct thrift *t, int64_t v);

#endif
