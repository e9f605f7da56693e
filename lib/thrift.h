/*
 * thrift: the Thrift compact protocol, the binary form of Parquet's page
 * headers and file footer (apache/thrift
 * doc/specs/thrift-compact-protocol.md), with no IDL and no generated
 * code: an encoder for the writer and a decoder for the reader.
 *
 * Encoding.  The Parquet writer builds its structures field by field, in
 * increasing field-id order, straight into a growable byte buffer.
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
 * Nothing in the encoder fails at run time: memory comes from xalloc (dies
 * on out of memory).  Misuse that is a programming error (nesting deeper
 * than THRIFT_MAX_DEPTH, a field id not greater than the previous one,
 * ending more structs than were begun) aborts with a message.
 *
 * Decoding.  A struct thrift_in is a cursor over bytes that may be
 * hostile: the caller pulls fields one by one and reads each value with
 * the function for the type it expects, skipping fields it does not know.
 *
 *	struct thrift_in in;
 *	int16_t id;
 *	enum thrift_type type;
 *	thrift_in_init(&in, p, n);
 *	thrift_read_struct_begin(&in, TT_STRUCT);
 *	while (thrift_read_field(&in, &id, &type) == 1) {
 *		if (id == 1) thrift_read_i32(&in, type, &version);
 *		else thrift_skip(&in, type);
 *	}
 *	if (in.err != NULL) ... refuse the input ...
 *
 * Every read is bounded: a length or count larger than the bytes left is
 * an error before anything is allocated or copied, structs and lists nest
 * at most THRIFT_MAX_DEPTH deep (skipping included), and integers must
 * fit the type asked for.  The decoder allocates nothing.  Errors are
 * sticky: the first one sets in.err (a static message) and every later
 * call returns -1 at once, so a caller may check only at the end.
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

/*
 * The same varints over plain bytes, for the other formats that use
 * ULEB128 and zigzag as Thrift does (Parquet's RLE/bit-packed hybrid and
 * DELTA_BINARY_PACKED), so that there is one coder of each.
 *
 * thrift_put_varint writes v at p, which has room for THRIFT_VARINT_MAX
 * bytes, and returns the bytes written.  thrift_get_varint reads one
 * from *p .. end: 0 with *v set, -1 when the bytes end first, -2 when it
 * is longer than 64 bits (more than 10 bytes, or bits past the 64th in
 * the 10th); *p moves past the bytes read, also on an error.
 * thrift_unzigzag undoes zigzag.
 */
#define THRIFT_VARINT_MAX 10
size_t thrift_put_varint(uint8_t *p, uint64_t v);
int thrift_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);
int64_t thrift_unzigzag(uint64_t u);

/* ------------------------------------------------------------------ */
/* Decoding */

struct thrift_in {
	const uint8_t *p, *end;	/* bytes not yet read */
	int depth;		/* open structs */
	int16_t last[THRIFT_MAX_DEPTH];	/* last field id per open struct */
	const char *err;	/* NULL, or why decoding stopped */
	bool truncated;		/* the error is running out of bytes: more
				 * input might have made it valid */
};

/* A decoder over p[0 .. n), which must stay unchanged while it is used. */
void thrift_in_init(struct thrift_in *in, const void *p, size_t n);

/*
 * Opens a struct: the outermost one (pass TT_STRUCT), or the value of a
 * field or list element whose header announced type.  0, or -1 when type
 * is not TT_STRUCT or structs nest deeper than THRIFT_MAX_DEPTH.
 */
int thrift_read_struct_begin(struct thrift_in *in, enum thrift_type type);

/*
 * The next field of the innermost open struct: returns 1 with its id and
 * type (the caller must then read or skip its value), 0 at the struct's
 * stop byte (the struct is then closed), or -1 on error.
 */
int thrift_read_field(struct thrift_in *in, int16_t *id,
    enum thrift_type *type);

/*
 * Values.  type is what the field or list header announced; a value of
 * another type, or one out of range for the result, is an error.  Each
 * returns 0, or -1 with in->err set.
 *   thrift_read_i32:    TT_I8, TT_I16 or TT_I32 (enums are i32)
 *   thrift_read_i64:    any integer type
 *   thrift_read_bool:   a bool field (its value is in its header)
 *   thrift_read_double: TT_DOUBLE
 *   thrift_read_binary: TT_BINARY; *p points into the input (not
 *                       NUL-terminated), *n bytes
 */
int thrift_read_i32(struct thrift_in *in, enum thrift_type type,
    int32_t *v);
int thrift_read_i64(struct thrift_in *in, enum thrift_type type,
    int64_t *v);
int thrift_read_bool(struct thrift_in *in, enum thrift_type type, bool *v);
int thrift_read_double(struct thrift_in *in, enum thrift_type type,
    double *v);
int thrift_read_binary(struct thrift_in *in, enum thrift_type type,
    const uint8_t **p, size_t *n);

/*
 * A list or set header (type TT_LIST or TT_SET): the element type and the
 * count, which is never more than the bytes left (every element takes at
 * least one).  The caller then reads the n elements with the functions
 * above, passing *elem as their type.  0 or -1.
 */
int thrift_read_list(struct thrift_in *in, enum thrift_type type,
    enum thrift_type *elem, uint32_t *n);

/* Skips a field's value of any type, containers included.  0 or -1. */
int thrift_skip(struct thrift_in *in, enum thrift_type type);

#endif
