/*
 * parquet_read_footer: the Parquet reader's FileMetaData decoder: the
 * schema elements (with their LogicalType and ConvertedType), num_rows,
 * the row groups with the metadata of each column chunk, created_by.
 * Fields it does not use are skipped; encrypted files and column data in
 * other files are refused.  Field ids are parquet_format.h's.
 */
#include <stdlib.h>
#include <string.h>

#include "parquet_format.h"
#include "parquet_read_priv.h"
#include "thrift.h"
#include "xalloc.h"

/* A TimeUnit union: *unit is its member's id (UNIT_*). */
static int
read_unit(struct thrift_in *in, enum thrift_type t, int *unit)
{
	int16_t id;
	enum thrift_type ft;
	int rc;

	if (thrift_read_struct_begin(in, t) != 0)
		return -1;
	FIELDS(in, id, ft, rc) {
		*unit = id;
		if (thrift_skip(in, ft) != 0)
			return -1;
	}
	return rc;
}

/* TimeType and TimestampType have the same fields, read as one. */
_Static_assert((int)TIME_IS_ADJUSTED_TO_UTC == TS_IS_ADJUSTED_TO_UTC &&
    (int)TIME_UNIT == TS_UNIT, "TimeType and TimestampType differ");

/* Reads, or skips, field sid of the struct that LogicalType member id
 * (DECIMAL, TIME, TIMESTAMP or INTEGER) holds. */
static int
read_logical_field(struct thrift_in *in, int16_t id, int16_t sid,
    enum thrift_type st, struct elem *e)
{
	int32_t v;
	bool b;

	switch (id) {
	case LT_DECIMAL:
		if (sid != DEC_SCALE && sid != DEC_PRECISION)
			break;
		if (thrift_read_i32(in, st, &v) != 0)
			return -1;
		*(sid == DEC_SCALE ? &e->lscale : &e->lprecision) = v;
		return 0;
	case LT_INTEGER:
		if (sid == INT_BIT_WIDTH) {
			if (thrift_read_i32(in, st, &v) != 0)
				return -1;
			e->int_bits = v;
			return 0;
		}
		if (sid != INT_IS_SIGNED)
			break;
		if (thrift_read_bool(in, st, &b) != 0)
			return -1;
		e->is_signed = b;
		return 0;
	default:	/* TIME, TIMESTAMP */
		if (sid == TS_IS_ADJUSTED_TO_UTC) {
			if (thrift_read_bool(in, st, &b) != 0)
				return -1;
			e->utc = b;
			return 0;
		}
		if (sid == TS_UNIT)
			return read_unit(in, st, &e->unit);
		break;
	}
	return thrift_skip(in, st);
}

static int
read_logical(struct thrift_in *in, enum thrift_type t, struct elem *e)
{
	int16_t id, sid;
	enum thrift_type ft, st;
	int rc, src;

	if (thrift_read_struct_begin(in, t) != 0)
		return -1;
	FIELDS(in, id, ft, rc) {
		e->logical = id;
		if (id != LT_DECIMAL && id != LT_TIME && id != LT_TIMESTAMP &&
		    id != LT_INTEGER) {
			if (thrift_skip(in, ft) != 0)
				return -1;
			continue;
		}
		if (thrift_read_struct_begin(in, ft) != 0)
			return -1;
		FIELDS(in, sid, st, src) {
			if (read_logical_field(in, id, sid, st, e) != 0)
				return -1;
		}
		if (src != 0)
			return -1;
	}
	return rc;
}

static int
read_elem(struct thrift_in *in, enum thrift_type t, struct elem *e)
{
	int16_t id;
	enum thrift_type ft;
	const uint8_t *p;
	size_t n;
	int rc, r;

	if (thrift_read_struct_begin(in, t) != 0)
		return -1;
	FIELDS(in, id, ft, rc) {
		switch (id) {
		case SE_TYPE:
			r = thrift_read_i32(in, ft, &e->type);
			e->has_type = true;
			break;
		case SE_TYPE_LENGTH:
			r = thrift_read_i32(in, ft, &e->type_length);
			break;
		case SE_REPETITION_TYPE:
			r = thrift_read_i32(in, ft, &e->rep);
			e->has_rep = true;
			break;
		case SE_NAME:
			r = thrift_read_binary(in, ft, &p, &n);
			if (r == 0) {
				free(e->name);
				e->name = xstrndup((const char *)p, n);
				e->has_name = true;
			}
			break;
		case SE_NUM_CHILDREN:
			r = thrift_read_i32(in, ft, &e->nkids);
			e->has_kids = true;
			break;
		case SE_CONVERTED_TYPE:
			r = thrift_read_i32(in, ft, &e->converted);
			break;
		case SE_SCALE:
			r = thrift_read_i32(in, ft, &e->scale);
			break;
		case SE_PRECISION:
			r = thrift_read_i32(in, ft, &e->precision);
			break;
		case SE_LOGICAL_TYPE:
			r = read_logical(in, ft, e);
			break;
		default:
			r = thrift_skip(in, ft);
			break;
		}
		if (r != 0)
			return -1;
	}
	return rc;
}

static int
read_column_meta(struct pqr_file *f, struct thrift_in *in,
    enum thrift_type t, struct chunk *k)
{
	int16_t id;
	enum thrift_type ft;
	int rc, r;
	unsigned seen = 0;
	const unsigned need = FIELD_BIT(CMD_TYPE) | FIELD_BIT(CMD_CODEC) |
	    FIELD_BIT(CMD_NUM_VALUES) | FIELD_BIT(CMD_TOTAL_COMPRESSED_SIZE) |
	    FIELD_BIT(CMD_DATA_PAGE_OFFSET);
	int32_t v;

	if (thrift_read_struct_begin(in, t) != 0)
		return -1;
	FIELDS(in, id, ft, rc) {
		switch (id) {
		case CMD_TYPE:
		case CMD_CODEC:
			r = thrift_read_i32(in, ft, &v);
			*(id == CMD_TYPE ? &k->type : &k->codec) = v;
			break;
		case CMD_NUM_VALUES:
			r = thrift_read_i64(in, ft, &k->num_values);
			break;
		case CMD_TOTAL_COMPRESSED_SIZE:
			r = thrift_read_i64(in, ft, &k->comp);
			break;
		case CMD_DATA_PAGE_OFFSET:
			r = thrift_read_i64(in, ft, &k->data_off);
			break;
		case CMD_DICTIONARY_PAGE_OFFSET:
			r = thrift_read_i64(in, ft, &k->dict_off);
			k->has_dict_off = true;
			break;
		default:
			r = thrift_skip(in, ft);
			break;
		}
		if (r != 0)
			return -1;
		if (id >= 0 && id < 32)
			seen |= FIELD_BIT(id);
	}
	if (rc != 0)
		return -1;
	if ((seen & need) != need)
		return pqrd_fail(f, "footer: a column chunk lacks a required "
		    "field of its metadata");
	return 0;
}

static int
read_column_chunk(struct pqr_file *f, struct thrift_in *in,
    enum thrift_type t, struct chunk *k)
{
	int16_t id;
	enum thrift_type ft;
	const uint8_t *p;
	size_t n;
	int rc, r;
	bool meta = false;

	if (thrift_read_struct_begin(in, t) != 0)
		return -1;
	FIELDS(in, id, ft, rc) {
		switch (id) {
		case CC_FILE_PATH:
			r = thrift_read_binary(in, ft, &p, &n);
			if (r == 0 && n > 0)
				return pqrd_fail(f, "footer: column data in "
				    "another file is not supported");
			break;
		case CC_META_DATA:
			r = read_column_meta(f, in, ft, k);
			meta = true;
			break;
		case CC_CRYPTO_METADATA:
		case CC_ENCRYPTED_COLUMN_METADATA:
			return pqrd_fail(f, "footer: encrypted columns are not "
			    "supported");
		default:
			r = thrift_skip(in, ft);
			break;
		}
		if (r != 0)
			return -1;
	}
	if (rc == 0 && !meta)
		return pqrd_fail(f, "footer: a column chunk has no metadata");
	return rc;
}

static int
read_row_group(struct pqr_file *f, struct thrift_in *in, enum thrift_type t)
{
	int16_t id;
	enum thrift_type ft, et;
	uint32_t n;
	int rc, r;
	bool has_rows = false;
	struct rowgroup *rg;

	xgrow(&f->rgs, &f->rgcap, f->nrgs + 1, sizeof *f->rgs);
	rg = &f->rgs[f->nrgs++];
	memset(rg, 0, sizeof *rg);
	rg->first = f->nchunks;
	if (thrift_read_struct_begin(in, t) != 0)
		return -1;
	FIELDS(in, id, ft, rc) {
		if (id == RG_COLUMNS) {
			if (rg->n > 0)
				return pqrd_fail(f, "footer: a row group lists "
				    "its columns twice");
			if (thrift_read_list(in, ft, &et, &n) != 0)
				return -1;
			for (uint32_t i = 0; i < n; i++) {
				struct chunk *k;
				/* Grown one by one: what is allocated is
				 * what the footer's bytes really hold. */
				xgrow(&f->chunks, &f->chunkcap,
				    f->nchunks + 1, sizeof *f->chunks);
				k = &f->chunks[f->nchunks];
				memset(k, 0, sizeof *k);
				if (read_column_chunk(f, in, et, k) != 0)
					return -1;
				f->nchunks++;
				rg->n++;
			}
			r = 0;
		} else if (id == RG_NUM_ROWS) {
			r = thrift_read_i64(in, ft, &rg->rows);
			has_rows = true;
		} else {
			r = thrift_skip(in, ft);
		}
		if (r != 0)
			return -1;
	}
	if (rc == 0 && !has_rows)
		return pqrd_fail(f, "footer: row group %zu has no num_rows",
		    f->nrgs - 1);
	return rc;
}

void
pqrd_free_elems(struct elem *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* FileMetaData; the schema elements are handed back for pqrd_build_tree. */
int
pqrd_read_footer(struct pqr_file *f, const uint8_t *p, size_t len,
    struct elem **elems, size_t *nelems)
{
	struct thrift_in in;
	int16_t id;
	enum thrift_type ft, et;
	uint32_t n;
	size_t cap = 0;
	const uint8_t *s;
	size_t slen;
	int rc, r;
	bool has_schema = false, has_rows = false, has_rgs = false;

	thrift_in_init(&in, p, len);
	if (thrift_read_struct_begin(&in, TT_STRUCT) != 0)
		return -1;
	FIELDS(&in, id, ft, rc) {
		switch (id) {
		case FMD_SCHEMA:
			if (has_schema)
				return pqrd_fail(f, "footer: two schemas");
			has_schema = true;
			if ((r = thrift_read_list(&in, ft, &et, &n)) != 0)
				break;
			for (uint32_t i = 0; i < n && r == 0; i++) {
				xgrow(elems, &cap, *nelems + 1, sizeof **elems);
				memset(&(*elems)[*nelems], 0, sizeof **elems);
				r = read_elem(&in, et, &(*elems)[(*nelems)++]);
			}
			break;
		case FMD_NUM_ROWS:
			r = thrift_read_i64(&in, ft, &f->num_rows);
			has_rows = true;
			break;
		case FMD_ROW_GROUPS:
			if (has_rgs)
				return pqrd_fail(f,
				    "footer: two row group lists");
			has_rgs = true;
			if ((r = thrift_read_list(&in, ft, &et, &n)) != 0)
				break;
			for (uint32_t i = 0; i < n && r == 0; i++)
				r = read_row_group(f, &in, et);
			break;
		case FMD_CREATED_BY:
			r = thrift_read_binary(&in, ft, &s, &slen);
			if (r == 0) {
				free(f->created_by);
				f->created_by = xstrndup((const char *)s, slen);
			}
			break;
		case FMD_ENCRYPTION_ALGORITHM:
			return pqrd_fail(f,
			    "encrypted files are not supported");
		default:
			r = thrift_skip(&in, ft);
			break;
		}
		if (r != 0)
			break;
	}
	if (f->failed)
		return -1;
	if (in.err != NULL)
		return pqrd_fail(f, "footer: corrupt Thrift at byte %zu: %s",
		    (size_t)(in.p - p), in.err);
	if (!has_schema || !has_rows || !has_rgs)
		return pqrd_fail(f, "footer: no %s", !has_schema ? "schema" :
		    !has_rows ? "num_rows" : "row_groups");
	return 0;
}
