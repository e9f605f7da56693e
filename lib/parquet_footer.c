/*
 * parquet_footer: the Parquet writer's FileMetaData, in Thrift compact
 * form: the schema (with LogicalType and ConvertedType on annotated
 * nodes), every row group's column chunks with their metadata and
 * Statistics, the key/value pairs, created_by, and TYPE_ORDER for every
 * column.  Field ids are parquet_format.h's.
 */
#include <stdbool.h>
#include <stdint.h>

#include "parquet_format.h"
#include "parquet_write_priv.h"
#include "thrift.h"

/* The footer writes these as they are. */
_Static_assert((int)PQ_REQUIRED == FRT_REQUIRED &&
    (int)PQ_OPTIONAL == FRT_OPTIONAL && (int)PQ_REPEATED == FRT_REPEATED,
    "enum pq_rep is FieldRepetitionType");
_Static_assert((int)CODEC_NONE == COMP_UNCOMPRESSED &&
    (int)CODEC_SNAPPY == COMP_SNAPPY && (int)CODEC_GZIP == COMP_GZIP &&
    (int)CODEC_ZSTD == COMP_ZSTD, "enum codec is CompressionCodec");

/* The physical type of a leaf. */
static int
physical_type(enum pq_type type)
{
	static const int physical[] = {
		[PQ_BOOLEAN] = PT_BOOLEAN, [PQ_INT32] = PT_INT32,
		[PQ_INT64] = PT_INT64, [PQ_DOUBLE] = PT_DOUBLE,
		[PQ_STRING] = PT_BYTE_ARRAY, [PQ_DATE] = PT_INT32,
		[PQ_TIMESTAMP] = PT_INT64,
	};

	return physical[type];
}

/* A SchemaElement for node id, then those of its subtree: the schema
 * list is the tree depth-first. */
static void
schema_element(struct pq_writer *w, int id)
{
	const struct node *n = &w->s->n[id];
	struct thrift *t = &w->t;
	int converted = -1;

	thrift_elem_struct(t);
	if (n->kind == K_LEAF)
		thrift_field_i32(t, SE_TYPE, physical_type(n->type));
	if (n->kind != K_ROOT)
		thrift_field_i32(t, SE_REPETITION_TYPE, n->rep);
	thrift_field_string(t, SE_NAME, n->name);
	if (n->kind != K_LEAF)
		thrift_field_i32(t, SE_NUM_CHILDREN, n->nkids);
	if (n->kind == K_MAP)
		converted = CT_MAP;
	else if (n->kind == K_LIST)
		converted = CT_LIST;
	else if (n->kind == K_LEAF) {
		switch (n->type) {
		case PQ_STRING: converted = CT_UTF8; break;
		case PQ_DATE: converted = CT_DATE; break;
		case PQ_TIMESTAMP: converted = CT_TIMESTAMP_MICROS; break;
		case PQ_INT32: converted = CT_INT_32; break;
		case PQ_INT64: converted = CT_INT_64; break;
		default: break;
		}
	}
	if (converted >= 0) {
		thrift_field_i32(t, SE_CONVERTED_TYPE, converted);
		/* LogicalType is a union: one field, an (often empty)
		 * struct. */
		thrift_field_struct(t, SE_LOGICAL_TYPE);
		switch (converted) {
		case CT_MAP:
			thrift_field_struct(t, LT_MAP);
			break;
		case CT_LIST:
			thrift_field_struct(t, LT_LIST);
			break;
		case CT_UTF8:
			thrift_field_struct(t, LT_STRING);
			break;
		case CT_DATE:
			thrift_field_struct(t, LT_DATE);
			break;
		case CT_TIMESTAMP_MICROS:
			thrift_field_struct(t, LT_TIMESTAMP);
			thrift_field_bool(t, TS_IS_ADJUSTED_TO_UTC, true);
			thrift_field_struct(t, TS_UNIT);
			thrift_field_struct(t, UNIT_MICROS);
			thrift_struct_end(t);
			thrift_struct_end(t);
			break;
		default:	/* INT_32, INT_64 */
			thrift_field_struct(t, LT_INTEGER);
			thrift_field_i8(t, INT_BIT_WIDTH,
			    converted == CT_INT_32 ? 32 : 64);
			thrift_field_bool(t, INT_IS_SIGNED, true);
			break;
		}
		thrift_struct_end(t);	/* the member */
		thrift_struct_end(t);	/* LogicalType */
	}
	thrift_struct_end(t);
	for (int i = 0; i < n->nkids; i++)
		schema_element(w, n->kids[i]);
}

static void
statistics(struct pq_writer *w, const struct col *c, const struct chunk *k)
{
	struct thrift *t = &w->t;
	/* The deprecated min and max are signed-order bounds: the same as
	 * ours for numbers, wrong for strings, so strings go without. */
	bool legacy = k->has_bounds && c->type != PQ_STRING;

	thrift_field_struct(t, CMD_STATISTICS);
	if (legacy) {
		thrift_field_binary(t, STAT_MAX, k->max, k->max_len);
		thrift_field_binary(t, STAT_MIN, k->min, k->min_len);
	}
	thrift_field_i64(t, STAT_NULL_COUNT, (int64_t)k->nulls);
	if (k->has_bounds) {
		thrift_field_binary(t, STAT_MAX_VALUE, k->max, k->max_len);
		thrift_field_binary(t, STAT_MIN_VALUE, k->min, k->min_len);
		thrift_field_bool(t, STAT_IS_MAX_VALUE_EXACT, true);
		thrift_field_bool(t, STAT_IS_MIN_VALUE_EXACT, true);
	}
	if (c->type == PQ_DOUBLE)
		thrift_field_i64(t, STAT_NAN_COUNT, (int64_t)k->nans);
	thrift_struct_end(t);
}

static void
column_chunk(struct pq_writer *w, const struct col *c, const struct chunk *k)
{
	struct thrift *t = &w->t;
	int enc[3], nenc = 0;
	bool levels = c->max_def > 0 || c->max_rep > 0;

	/* PLAIN is there for the values or for the dictionary page. */
	enc[nenc++] = ENC_PLAIN;
	if (levels)
		enc[nenc++] = ENC_RLE;
	if (k->dict)
		enc[nenc++] = ENC_RLE_DICTIONARY;

	thrift_elem_struct(t);
	thrift_field_i64(t, CC_FILE_OFFSET, 0);
	thrift_field_struct(t, CC_META_DATA);
	thrift_field_i32(t, CMD_TYPE, physical_type(c->type));
	thrift_field_list(t, CMD_ENCODINGS, TT_I32, (uint32_t)nenc);
	for (int i = 0; i < nenc; i++)
		thrift_elem_i32(t, enc[i]);
	thrift_field_list(t, CMD_PATH_IN_SCHEMA, TT_BINARY,
	    (uint32_t)c->npath);
	for (int i = 0; i < c->npath; i++)
		thrift_elem_string(t, c->path[i]);
	thrift_field_i32(t, CMD_CODEC, (int32_t)compressor_codec(w->z));
	thrift_field_i64(t, CMD_NUM_VALUES, k->slots);
	thrift_field_i64(t, CMD_TOTAL_UNCOMPRESSED_SIZE, k->uncomp);
	thrift_field_i64(t, CMD_TOTAL_COMPRESSED_SIZE, k->comp);
	thrift_field_i64(t, CMD_DATA_PAGE_OFFSET, k->data_off);
	if (k->dict_off >= 0)
		thrift_field_i64(t, CMD_DICTIONARY_PAGE_OFFSET, k->dict_off);
	statistics(w, c, k);
	thrift_struct_end(t);	/* ColumnMetaData */
	thrift_struct_end(t);	/* ColumnChunk */
}

/* The FileMetaData, into w->t. */
void
pqw_footer(struct pq_writer *w)
{
	struct thrift *t = &w->t;

	thrift_reset(t);
	thrift_struct_begin(t);
	thrift_field_i32(t, FMD_VERSION, PARQUET_FILE_VERSION);
	thrift_field_list(t, FMD_SCHEMA, TT_STRUCT, (uint32_t)w->s->nn);
	schema_element(w, 0);
	thrift_field_i64(t, FMD_NUM_ROWS, (int64_t)w->rows);
	thrift_field_list(t, FMD_ROW_GROUPS, TT_STRUCT, (uint32_t)w->nrgs);
	for (size_t g = 0; g < w->nrgs; g++) {
		const struct rowgroup *rg = &w->rgs[g];
		thrift_elem_struct(t);
		thrift_field_list(t, RG_COLUMNS, TT_STRUCT,
		    (uint32_t)w->ncols);
		for (int i = 0; i < w->ncols; i++)
			column_chunk(w, &w->cols[i], &w->cols[i].chunks[g]);
		thrift_field_i64(t, RG_TOTAL_BYTE_SIZE, rg->uncomp);
		thrift_field_i64(t, RG_NUM_ROWS, rg->rows);
		thrift_field_i64(t, RG_FILE_OFFSET, rg->offset);
		thrift_field_i64(t, RG_TOTAL_COMPRESSED_SIZE, rg->comp);
		thrift_field_i16(t, RG_ORDINAL, (int16_t)g);
		thrift_struct_end(t);
	}
	if (w->nkvs > 0) {
		thrift_field_list(t, FMD_KEY_VALUE_METADATA, TT_STRUCT,
		    (uint32_t)w->nkvs);
		for (size_t i = 0; i < w->nkvs; i++) {
			thrift_elem_struct(t);
			thrift_field_string(t, KV_KEY, w->kvs[i].key);
			thrift_field_string(t, KV_VALUE, w->kvs[i].value);
			thrift_struct_end(t);
		}
	}
	thrift_field_string(t, FMD_CREATED_BY, w->created_by);
	/* ColumnOrder is a union; TYPE_ORDER, the order of the column's
	 * type, is an empty struct. */
	thrift_field_list(t, FMD_COLUMN_ORDERS, TT_STRUCT, (uint32_t)w->ncols);
	for (int i = 0; i < w->ncols; i++) {
		thrift_elem_struct(t);
		thrift_field_struct(t, CO_TYPE_ORDER);
		thrift_struct_end(t);
		thrift_struct_end(t);
	}
	thrift_struct_end(t);
}
