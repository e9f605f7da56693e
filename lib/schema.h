/*
 * schema: the table schemas in schemas/, Spark StructType JSON
 * ({"type":"struct","fields":[{"name","type","nullable","metadata"}]}), the
 * one source of truth for the record codec, Parquet, Delta and BigQuery.
 *
 * Types: string, integer, long, double, boolean, timestamp (UTC,
 * microseconds), date, and struct of these.  Tables that Spark or
 * delta-rs wrote may also have byte, short, float, binary and
 * decimal(p,s) (or decimal, which is decimal(10,0)): these are read, never
 * written (schema_load and schema_check_writable refuse them, so a
 * writer is never handed one).  Field names are plain
 * identifiers ([A-Za-z_][A-Za-z0-9_]*), unique ignoring case, so they can
 * be written into JSON and SQL without escaping.
 */
#ifndef VL_SCHEMA_H
#define VL_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strindex.h"

enum ftype {
	FT_STRING, FT_INTEGER, FT_LONG, FT_DOUBLE, FT_BOOLEAN,
	FT_TIMESTAMP, FT_DATE, FT_STRUCT,
	/* read only */
	FT_BYTE, FT_SHORT, FT_FLOAT, FT_BINARY, FT_DECIMAL
};

struct schema;

struct field {
	char *name;
	size_t name_len;
	enum ftype type;
	bool nullable;
	struct schema *sub;	/* FT_STRUCT only */
	int precision, scale;	/* FT_DECIMAL only: 1..38, 0..precision */
	json_t *json;		/* the field as written in the schema file */
};

struct schema {
	size_t n;
	struct field *f;
	struct strindex names;	/* field name -> its index in f */
};

/*
 * Parses a StructType from JSON text.  Returns the schema (free with
 * schema_free) or NULL with a message in err.
 */
struct schema *schema_parse(const char *text, size_t len, char *err,
    size_t errlen);

/*
 * Loads a schema by builtin name ("reading", "bronze", "silver", "gold":
 * compiled in from schemas/) or from a file path (anything containing a
 * '/' or ending in ".json"), for a tool to write by: one with a read-only
 * type is refused.  NULL with a message in err on failure.
 */
struct schema *schema_load(const char *name_or_path, char *err,
    size_t errlen);

void schema_free(struct schema *s);

/* A new schema with a's fields, then those of b's fields whose names a
 * does not have.  Never NULL (dies on OOM); free with schema_free. */
struct schema *schema_merge(const struct schema *a, const struct schema *b);

/* Index of the field with that exact name, or -1. */
int schema_find(const struct schema *s, const char *name, size_t len);

/* Like schema_find, but aborts with a message naming the schema: for
 * fields a tool's logic depends on (a missing one is a build error). */
int schema_need(const struct schema *s, const char *name);

/* 0 if every field, those in structs too, has a type the tools write;
 * -1 with a message naming the first that has not. */
int schema_check_writable(const struct schema *s, char *err, size_t errlen);

/*
 * 0 when the two schemas describe the same columns: the same names (exact
 * case) in the same order, each with the same type (a decimal's
 * precision and scale too, a struct's fields compared the same way) and
 * the same nullability.  Metadata (a column's comment, say) is
 * documentation, not shape, and is not compared, so editing a comment in
 * schemas/ never locks out a table written before.  (There are no array
 * or map types to compare: schema_parse refuses them.)  Otherwise -1, and
 * where they first differ in err, "column a.b is long, the table's is
 * integer" with have as "the table".
 */
/*
 * How many columns want adds to have, when want is have's columns (as
 * schema_compare compares them, in the same order) with nullable
 * top-level columns added anywhere among them: the schema evolution a
 * Delta writer may make without rewriting a file, since a reader gives
 * null for a column a file lacks.  0 when they are the same; -1 when want
 * is not such a schema (a column dropped, retyped, reordered, or added
 * non-null).
 */
int schema_added_columns(const struct schema *want, const struct schema *have);

int schema_compare(const struct schema *want, const struct schema *have,
    char *err, size_t errlen);

/* "string", "integer", ...; for FT_STRUCT "struct", for FT_DECIMAL
 * "decimal" (its precision and scale are the field's). */
const char *ftype_name(enum ftype t);

/* The StructType as a new jansson object (caller owns the reference),
 * with every field's four keys, as Delta's schemaString wants it
 * (decimals as "decimal(p,s)"). */
json_t *schema_to_json(const struct schema *s);

#endif
