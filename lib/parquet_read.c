#include "parquet_read.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "compress.h"
#include "isotime.h"
#include "jsonw.h"
#include "parquet_buf.h"
#include "parquet_format.h"
#include "parquet_rle.h"
#include "thrift.h"
#include "xalloc.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet_read.c reads PLAIN (little-endian) values as they are"
#endif

/* A node's repetition is the footer's; codecs go to compress.h as they
 * are. */
_Static_assert((int)PQR_REQUIRED == FRT_REQUIRED &&
    (int)PQR_OPTIONAL == FRT_OPTIONAL && (int)PQR_REPEATED == FRT_REPEATED,
    "enum pqr_rep is FieldRepetitionType");
_Static_assert((int)CODEC_NONE == COMP_UNCOMPRESSED &&
    (int)CODEC_SNAPPY == COMP_SNAPPY && (int)CODEC_GZIP == COMP_GZIP &&
    (int)CODEC_ZSTD == COMP_ZSTD, "enum codec is CompressionCodec");

/* Schema nesting deeper than this is refused: levels are kept in bytes,
 * and the record assembly recurses once per level. */
#define MAX_DEPTH	64
/* A page header (statistics included) is never longer than this. */
#define MAX_HEADER	(16u << 20)
/* The Julian day of 1970-01-01, for INT96 timestamps. */
#define JULIAN_EPOCH	INT64_C(2440588)

/* ------------------------------------------------------------------ */
/* State */

/* How stored values become logical ones. */
enum conv {
	CV_NONE,	/* as stored */
	CV_UNSIGNED,	/* INT32 holding an unsigned value */
	CV_MILLIS,	/* INT64 milliseconds to microseconds */
	CV_NANOS,	/* INT64 nanoseconds to microseconds */
	CV_INT96,	/* Julian day + nanoseconds to microseconds */
	CV_FLOAT	/* FLOAT widened to double */
};

struct node {
	struct pqr_node pub;
	char *name;
	int *kids;
	int type_length;	/* FLBA */
	enum conv conv;
	bool three_level;	/* PQR_LIST: the element is the repeated
				 * group's only field (else the group) */
	int col_lo, col_hi;	/* the columns under this node */
	int sel_first;		/* the first selected column under it, or -1 */
	char why[48];
};

/* One column chunk's metadata, as the footer has it. */
struct chunk {
	int type, codec;
	int64_t num_values, data_off, dict_off, comp;
	bool has_dict_off;
};

struct rowgroup {
	int64_t rows;
	size_t first, n;	/* its chunks in pqr_file.chunks */
};

/* A value as decoded; strings point into a page or dictionary buffer, or
 * into a pin. */
struct val {
	union {
		int64_t i;
		double d;
	};
	const uint8_t *s;
	uint32_t len;
};

struct slot {
	uint8_t rep, def;
	struct val v;		/* when def is the leaf's maximum */
};

/* Strings of a row copied out of a page that is being replaced. */
struct pin {
	struct pin *next;
	uint8_t data[];
};

/* The reading state of one selected column. */
struct col {
	int node;
	const struct node *n;
	int max_def, max_rep;
	const struct chunk *ck;
	uint64_t pos, end;	/* chunk bytes not yet read */
	int64_t left;		/* chunk slots not yet in a page */
	bool seen_data, has_dict;

	struct val *dict;
	uint32_t ndict;
	size_t dictcap;
	uint8_t *dictbuf;
	size_t dictbufcap;

	uint8_t *hdr, *raw, *buf;	/* header window, page as stored,
					 * page decompressed */
	size_t hdrcap, rawcap, bufcap;
	uint8_t *rep, *def;
	size_t levcap;
	uint32_t *idx;		/* scratch for levels and indices */
	size_t idxcap;
	uint64_t *wide, *wide2;	/* scratch for DELTA_* integers */
	size_t widecap, wide2cap;
	uint8_t *aux;		/* values rebuilt from the page
				 * (DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT) */
	size_t auxcap;
	struct val *vals;
	size_t valcap;
	uint32_t nslots, at;	/* slots of the page, and the next one */
	uint32_t nvals, vat;	/* values of the page, and the next one */

	struct slot *row;	/* the current row's slots */
	size_t nrow, rowcap, take;
	struct pin *pins;
};

struct pqr_file {
	int fd;
	const uint8_t *mem;
	uint64_t size, data_end;	/* data_end: where the footer starts */
	struct pqr_options o;

	struct node *nodes;
	int nnodes;
	int *leaf;		/* column -> node */
	int nleaves;
	struct rowgroup *rgs;
	size_t nrgs, rgcap;
	struct chunk *chunks;
	size_t nchunks, chunkcap;
	int64_t num_rows;
	char *created_by;

	bool *selected;		/* per column */
	bool any_selected, started, done, failed;
	int *col_of;		/* column -> index in cols, or -1 */
	struct col *cols;
	int ncols;
	size_t rg;		/* next row group to open */
	int64_t rg_left;	/* rows left in the open one */
	int64_t row;

	char path[256];		/* scratch for column names in messages */
	char err[512];
};

void
pqr_options_init(struct pqr_options *o)
{
	memset(o, 0, sizeof *o);
	o->max_footer = (size_t)64 << 20;
	o->max_page = (size_t)256 << 20;
	o->max_page_values = 1u << 24;
	o->max_row_values = 1u << 24;
}

static int
rfail(struct pqr_file *f, const char *fmt, ...)
{
	va_list ap;

	if (f->failed)
		return -1;	/* the first cause is the one to report */
	f->failed = true;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof f->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* The dotted path of a node, for messages (into f->path). */
static const char *
node_path(struct pqr_file *f, int id)
{
	const char *parts[MAX_DEPTH + 1];
	int n = 0;
	size_t len = 0;

	for (; id > 0 && n <= MAX_DEPTH; id = f->nodes[id].pub.parent)
		parts[n++] = f->nodes[id].name;
	f->path[0] = '\0';
	while (n-- > 0) {
		int k = snprintf(f->path + len, sizeof f->path - len, "%s%s",
		    len ? "." : "", parts[n]);
		if (k < 0 || (size_t)k >= sizeof f->path - len)
			break;
		len += (size_t)k;
	}
	return f->path;
}

/* An error about one column, with the row group and the row. */
static int
col_fail(struct pqr_file *f, const struct col *c, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rfail(f, "column %s, row group %zu: %s", node_path(f, c->node),
	    f->rg - 1, msg);
}

/* ------------------------------------------------------------------ */
/* Input */

static int
src_read(struct pqr_file *f, uint64_t off, void *dst, size_t n)
{
	uint8_t *p = dst;

	if (off > f->size || n > f->size - off)
		return rfail(f, "a read of %zu bytes at offset %llu runs past "
		    "the end of the file (%llu bytes)", n,
		    (unsigned long long)off, (unsigned long long)f->size);
	if (f->mem != NULL) {
		if (n > 0)
			memcpy(dst, f->mem + off, n);
		return 0;
	}
	while (n > 0) {
		ssize_t k = pread(f->fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return rfail(f, "read at offset %llu: %s",
			    (unsigned long long)off, strerror(errno));
		if (k == 0)
			return rfail(f, "the file is shorter than it was "
			    "when opened");
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* Makes *buf hold at least n bytes; the contents are not kept. */
static void *
room(void *buf, size_t *cap, size_t n)
{
	void **p = buf;

	if (*cap < n) {
		free(*p);
		*cap = n < 64 ? 64 : n;
		*p = xmalloc(*cap);
	}
	return *p;
}

/* ------------------------------------------------------------------ */
/* Footer */

/* A schema element as the footer gives it. */
struct elem {
	char *name;
	int32_t type, type_length, rep, nkids, converted, scale, precision;
	bool has_type, has_kids, has_rep, has_name;
	int logical;		/* LogicalType member, 0 if none */
	int unit;		/* TIME, TIMESTAMP */
	bool utc;
	int int_bits;		/* INTEGER: IntType.bitWidth */
	bool is_signed;
	int32_t lscale, lprecision;	/* DECIMAL */
};

/* A field id's bit in a set of the fields seen (ids below 32). */
#define FIELD_BIT(id)	(1u << (id))

/* Field loops share this shape: read each field, dispatch on its id,
 * skip what is not known.  A failed read leaves in->err set. */
#define FIELDS(in, id, t, rc) \
	while (((rc) = thrift_read_field((in), &(id), &(t))) == 1)

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
		return rfail(f, "footer: a column chunk lacks a required "
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
				return rfail(f, "footer: column data in "
				    "another file is not supported");
			break;
		case CC_META_DATA:
			r = read_column_meta(f, in, ft, k);
			meta = true;
			break;
		case CC_CRYPTO_METADATA:
		case CC_ENCRYPTED_COLUMN_METADATA:
			return rfail(f, "footer: encrypted columns are not "
			    "supported");
		default:
			r = thrift_skip(in, ft);
			break;
		}
		if (r != 0)
			return -1;
	}
	if (rc == 0 && !meta)
		return rfail(f, "footer: a column chunk has no metadata");
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
				return rfail(f, "footer: a row group lists "
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
		return rfail(f, "footer: row group %zu has no num_rows",
		    f->nrgs - 1);
	return rc;
}

static void
free_elems(struct elem *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* FileMetaData; the schema elements are handed back for build_tree. */
static int
read_footer(struct pqr_file *f, const uint8_t *p, size_t len,
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
				return rfail(f, "footer: two schemas");
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
				return rfail(f, "footer: two row group lists");
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
			return rfail(f, "encrypted files are not supported");
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
		return rfail(f, "footer: corrupt Thrift at byte %zu: %s",
		    (size_t)(in.p - p), in.err);
	if (!has_schema || !has_rows || !has_rgs)
		return rfail(f, "footer: no %s", !has_schema ? "schema" :
		    !has_rows ? "num_rows" : "row_groups");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Schema */

static bool
is_bytes(const struct node *n)
{
	return n->pub.physical == PT_BYTE_ARRAY ||
	    n->pub.physical == PT_FIXED_LEN_BYTE_ARRAY;
}

static void
unsupported(struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->why, sizeof n->why, fmt, ap);
	va_end(ap);
	n->pub.type = PQR_UNSUPPORTED;
	n->pub.why = n->why;
}

static void
int_type(struct node *n, int bits, bool is_signed)
{
	int width = n->pub.physical == PT_INT32 ? 32 : 64;

	if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
		unsupported(n, "INTEGER(%d)", bits);
	} else if (bits > width) {
		unsupported(n, "INTEGER(%d) in %d bits", bits, width);
	} else if (!is_signed && bits == 64) {
		unsupported(n, "unsigned 64-bit integer");
	} else {
		n->pub.type = PQR_INT;
		if (!is_signed && width == 32)
			n->conv = CV_UNSIGNED;
	}
}

static void
timestamp_type(struct node *n, int unit, bool utc)
{
	if (n->pub.physical != PT_INT64) {
		unsupported(n, "TIMESTAMP not in INT64");
		return;
	}
	n->pub.type = PQR_TIMESTAMP;
	n->pub.utc = utc;
	if (unit == UNIT_MILLIS)
		n->conv = CV_MILLIS;
	else if (unit == UNIT_NANOS)
		n->conv = CV_NANOS;
	else if (unit != UNIT_MICROS)
		unsupported(n, "TIMESTAMP in an unknown unit");
}

/* What a leaf's values mean, from the LogicalType when there is one and
 * the ConvertedType otherwise (LogicalTypes.md). */
static void
leaf_type(struct node *n, const struct elem *e)
{
	int phys = e->type;

	n->pub.physical = phys;
	n->pub.type = PQR_UNSUPPORTED;
	switch (phys) {
	case PT_BOOLEAN:
		n->pub.type = PQR_BOOLEAN;
		break;
	case PT_INT32:
	case PT_INT64:
		n->pub.type = PQR_INT;
		break;
	case PT_INT96:
		/* Spark's legacy timestamps, always UTC instants. */
		n->pub.type = PQR_TIMESTAMP;
		n->pub.utc = true;
		n->conv = CV_INT96;
		break;
	case PT_FLOAT:
		n->pub.type = PQR_DOUBLE;
		n->conv = CV_FLOAT;
		break;
	case PT_DOUBLE:
		n->pub.type = PQR_DOUBLE;
		break;
	case PT_BYTE_ARRAY:
	case PT_FIXED_LEN_BYTE_ARRAY:
		n->pub.type = PQR_BINARY;
		break;
	default:
		unsupported(n, "physical type %d", phys);
		return;
	}
	if (e->logical != 0) {
		switch (e->logical) {
		case LT_STRING:
		case LT_ENUM:
		case LT_JSON:
			if (phys == PT_BYTE_ARRAY)
				n->pub.type = PQR_STRING;
			else
				unsupported(n, "STRING not in BYTE_ARRAY");
			break;
		case LT_BSON:
		case LT_UUID:
		case LT_UNKNOWN:
			break;
		case LT_DATE:
			if (phys == PT_INT32)
				n->pub.type = PQR_DATE;
			else
				unsupported(n, "DATE not in INT32");
			break;
		case LT_TIMESTAMP:
			timestamp_type(n, e->unit, e->utc);
			break;
		case LT_INTEGER:
			if (phys == PT_INT32 || phys == PT_INT64)
				int_type(n, e->int_bits, e->is_signed);
			else
				unsupported(n, "INTEGER not in INT32/INT64");
			break;
		case LT_DECIMAL:
			unsupported(n, "DECIMAL(%d,%d)", e->lprecision,
			    e->lscale);
			break;
		case LT_TIME:
			unsupported(n, "TIME");
			break;
		default:
			unsupported(n, "logical type %d", e->logical);
			break;
		}
		return;
	}
	switch (e->converted) {
	case -1:
		break;
	case CT_UTF8:
	case CT_ENUM:
	case CT_JSON:
		if (phys == PT_BYTE_ARRAY)
			n->pub.type = PQR_STRING;
		break;
	case CT_BSON:
		break;
	case CT_DATE:
		if (phys == PT_INT32)
			n->pub.type = PQR_DATE;
		else
			unsupported(n, "DATE not in INT32");
		break;
	case CT_TIMESTAMP_MILLIS:
	case CT_TIMESTAMP_MICROS:
		timestamp_type(n, e->converted == CT_TIMESTAMP_MILLIS ?
		    UNIT_MILLIS : UNIT_MICROS, true);
		break;
	case CT_INT_8: case CT_INT_16: case CT_INT_32: case CT_INT_64:
		if (phys == PT_INT32 || phys == PT_INT64)
			int_type(n, 8 << (e->converted - CT_INT_8), true);
		else
			unsupported(n, "INT not in INT32/INT64");
		break;
	case CT_UINT_8: case CT_UINT_16: case CT_UINT_32: case CT_UINT_64:
		if (phys == PT_INT32 || phys == PT_INT64)
			int_type(n, 8 << (e->converted - CT_UINT_8), false);
		else
			unsupported(n, "UINT not in INT32/INT64");
		break;
	case CT_DECIMAL:
		unsupported(n, "DECIMAL(%d,%d)", e->precision, e->scale);
		break;
	case CT_TIME_MILLIS:
	case CT_TIME_MICROS:
		unsupported(n, "TIME");
		break;
	case CT_INTERVAL:
		unsupported(n, "INTERVAL");
		break;
	default:
		unsupported(n, "converted type %d", e->converted);
		break;
	}
}

/* LIST and MAP groups by the backward-compatibility rules of
 * LogicalTypes.md; a group that does not have their shape is a struct. */
static void
group_shape(struct pqr_file *f, struct node *n, const struct elem *e)
{
	bool list = e->logical == LT_LIST || (e->logical == 0 &&
	    e->converted == CT_LIST);
	bool map = e->logical == LT_MAP || (e->logical == 0 &&
	    (e->converted == CT_MAP || e->converted == CT_MAP_KEY_VALUE));
	const struct node *r, *k;
	char tuple[300];

	n->pub.shape = PQR_STRUCT;
	if ((!list && !map) || n->pub.nkids != 1)
		return;
	r = &f->nodes[n->kids[0]];
	if (r->pub.rep != PQR_REPEATED)
		return;
	if (list) {
		n->pub.shape = PQR_LIST;
		snprintf(tuple, sizeof tuple, "%s_tuple", n->name);
		n->three_level = r->pub.shape != PQR_LEAF &&
		    r->pub.nkids == 1 && strcmp(r->name, "array") != 0 &&
		    strcmp(r->name, tuple) != 0 &&
		    f->nodes[r->kids[0]].pub.rep != PQR_REPEATED;
		return;
	}
	if (r->pub.shape == PQR_LEAF || r->pub.nkids < 1 || r->pub.nkids > 2)
		return;
	k = &f->nodes[r->kids[0]];
	if (k->pub.shape != PQR_LEAF || k->pub.rep == PQR_REPEATED)
		return;
	if (r->pub.nkids == 2 &&
	    f->nodes[r->kids[1]].pub.rep == PQR_REPEATED)
		return;
	n->pub.shape = PQR_MAP;
}

/* Node id from its element; a group may have at most max_kids children
 * (the elements left in the list). */
static int
make_node(struct pqr_file *f, int id, int parent, const struct elem *e,
    size_t max_kids)
{
	struct node *n = &f->nodes[id];
	const struct node *p = parent >= 0 ? &f->nodes[parent] : NULL;

	n->name = e->name ? e->name : xstrdup("");
	n->pub.name = n->name;
	n->pub.parent = parent;
	n->pub.column = -1;
	n->sel_first = -1;
	n->pub.rep = PQR_REQUIRED;
	if (p != NULL) {
		if (!e->has_rep || e->rep < FRT_REQUIRED ||
		    e->rep > FRT_REPEATED)
			return rfail(f, "schema: %s has no valid repetition",
			    n->name);
		n->pub.rep = (enum pqr_rep)e->rep;
		n->pub.def = p->pub.def + (e->rep != PQR_REQUIRED);
		n->pub.replvl = p->pub.replvl + (e->rep == PQR_REPEATED);
	}
	if (e->has_kids && e->nkids > 0) {
		if ((size_t)e->nkids > max_kids)
			return rfail(f, "schema: %s claims %d children, the "
			    "list has %zu more elements", n->name, e->nkids,
			    max_kids);
		n->pub.shape = PQR_STRUCT;
		n->kids = xcalloc((size_t)e->nkids, sizeof *n->kids);
		n->pub.kids = n->kids;
		return 0;
	}
	if (!e->has_type)
		return rfail(f, "schema: %s is neither a group nor a typed "
		    "column", n->name);
	if (p == NULL)
		return rfail(f, "schema: the root is not a group");
	n->pub.shape = PQR_LEAF;
	n->pub.column = f->nleaves++;
	if (e->type == PT_FIXED_LEN_BYTE_ARRAY) {
		if (e->type_length <= 0 ||
		    (size_t)e->type_length > f->o.max_page)
			return rfail(f, "schema: %s has fixed length %d",
			    n->name, e->type_length);
		n->type_length = e->type_length;
	}
	leaf_type(n, e);
	return 0;
}

/*
 * The footer lists the schema depth-first with child counts; the tree is
 * rebuilt with an explicit stack, so a hostile count can neither recurse
 * nor reach past the list.
 */
static int
build_tree(struct pqr_file *f, struct elem *e, size_t ne)
{
	int stack[MAX_DEPTH + 1], left[MAX_DEPTH + 1], sp = 0, rc;

	if (ne == 0)
		return rfail(f, "schema: empty");
	if ((size_t)INT32_MAX < ne)
		return rfail(f, "schema: too many elements");
	f->nodes = xcalloc(ne, sizeof *f->nodes);
	f->nnodes = (int)ne;
	for (size_t i = 0; i < ne; i++) {
		int parent = -1;

		if (i > 0) {
			if (sp == 0)
				return rfail(f, "schema: %zu elements but the "
				    "tree ends after %zu", ne, i);
			parent = stack[sp - 1];
			f->nodes[parent].kids[f->nodes[parent].pub.nkids++] =
			    (int)i;
			left[sp - 1]--;
		}
		rc = make_node(f, (int)i, parent, &e[i], ne - i - 1);
		e[i].name = NULL;	/* the node owns it now */
		if (rc != 0)
			return -1;
		if (f->nodes[i].pub.shape != PQR_LEAF) {
			if (sp == MAX_DEPTH)
				return rfail(f, "schema: nested deeper than %d",
				    MAX_DEPTH);
			stack[sp] = (int)i;
			left[sp++] = e[i].nkids;
		}
		while (sp > 0 && left[sp - 1] == 0)
			sp--;
	}
	if (sp != 0)
		return rfail(f, "schema: the list ends inside the tree");
	if (f->nleaves == 0)
		return rfail(f, "schema: no columns");
	/* Shapes bottom-up (a map's inner group must be known first), and
	 * the columns under each node: its subtree is the ids that follow
	 * it, so the leaves there are a range of columns. */
	f->leaf = xcalloc((size_t)f->nleaves, sizeof *f->leaf);
	for (int i = f->nnodes - 1; i >= 0; i--) {
		struct node *n = &f->nodes[i];
		if (n->pub.shape == PQR_LEAF) {
			f->leaf[n->pub.column] = i;
			n->col_lo = n->pub.column;
			n->col_hi = n->pub.column + 1;
			continue;
		}
		group_shape(f, n, &e[i]);
		n->col_lo = f->nodes[n->kids[0]].col_lo;
		n->col_hi = f->nodes[n->kids[n->pub.nkids - 1]].col_hi;
	}
	return 0;
}

/* Row groups against the schema: a chunk per column, of its type. */
static int
check_row_groups(struct pqr_file *f)
{
	int64_t rows = 0;

	for (size_t g = 0; g < f->nrgs; g++) {
		const struct rowgroup *rg = &f->rgs[g];
		if (rg->n != (size_t)f->nleaves)
			return rfail(f, "footer: row group %zu has %zu "
			    "columns, the schema %d", g, rg->n, f->nleaves);
		if (rg->rows < 0 || rows > INT64_MAX - rg->rows)
			return rfail(f, "footer: row group %zu has %lld rows",
			    g, (long long)rg->rows);
		rows += rg->rows;
		for (int c = 0; c < f->nleaves; c++) {
			const struct chunk *k = &f->chunks[rg->first + c];
			if (k->type != f->nodes[f->leaf[c]].pub.physical)
				return rfail(f, "footer: column %s has type %d "
				    "in row group %zu, %d in the schema",
				    node_path(f, f->leaf[c]), k->type, g,
				    f->nodes[f->leaf[c]].pub.physical);
		}
	}
	if (rows != f->num_rows)
		return rfail(f, "footer: num_rows is %lld but the row groups "
		    "hold %lld", (long long)f->num_rows, (long long)rows);
	return 0;
}

static struct pqr_file *
open_common(struct pqr_file *f, const struct pqr_options *o, char *err,
    size_t errlen)
{
	uint8_t tail[8], head[4], *footer = NULL;
	struct elem *elems = NULL;
	size_t nelems = 0;
	uint32_t len;

	if (o != NULL)
		f->o = *o;
	else
		pqr_options_init(&f->o);
	f->row = -1;
	if (f->size < 12) {
		rfail(f, "not a Parquet file: %llu bytes",
		    (unsigned long long)f->size);
		goto fail;
	}
	if (src_read(f, f->size - 8, tail, 8) != 0 ||
	    src_read(f, 0, head, 4) != 0)
		goto fail;
	if (memcmp(tail + 4, PARQUET_MAGIC_ENCRYPTED, PARQUET_MAGIC_LEN) == 0) {
		rfail(f, "encrypted Parquet files are not supported");
		goto fail;
	}
	if (memcmp(tail + 4, PARQUET_MAGIC, PARQUET_MAGIC_LEN) != 0 ||
	    memcmp(head, PARQUET_MAGIC, PARQUET_MAGIC_LEN) != 0) {
		rfail(f, "not a Parquet file: no PAR1 at %s",
		    memcmp(head, PARQUET_MAGIC, PARQUET_MAGIC_LEN) != 0 ?
		    "the start" : "the end");
		goto fail;
	}
	len = pqf_le32(tail);
	if (len > f->size - 12) {
		rfail(f, "footer length %u does not fit in a file of %llu "
		    "bytes", len, (unsigned long long)f->size);
		goto fail;
	}
	if (len > f->o.max_footer) {
		rfail(f, "footer of %u bytes is over the limit of %zu", len,
		    f->o.max_footer);
		goto fail;
	}
	f->data_end = f->size - 8 - len;
	footer = xmalloc(len ? len : 1);
	if (src_read(f, f->data_end, footer, len) != 0 ||
	    read_footer(f, footer, len, &elems, &nelems) != 0 ||
	    build_tree(f, elems, nelems) != 0 || check_row_groups(f) != 0)
		goto fail;
	free(footer);
	free_elems(elems, nelems);
	f->selected = xcalloc((size_t)f->nleaves, sizeof *f->selected);
	return f;
fail:
	snprintf(err, errlen, "%s", f->err);
	free(footer);
	free_elems(elems, nelems);
	pqr_close(f);
	return NULL;
}

struct pqr_file *
pqr_open(const char *path, const struct pqr_options *o, char *err,
    size_t errlen)
{
	struct pqr_file *f;
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is
	 * refused below, and regular files ignore the flag. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	return open_common(f, o, err, errlen);
}

struct pqr_file *
pqr_open_mem(const void *p, size_t n, const struct pqr_options *o,
    char *err, size_t errlen)
{
	struct pqr_file *f = xcalloc(1, sizeof *f);

	f->fd = -1;
	f->mem = p ? p : (const uint8_t *)"";
	f->size = n;
	return open_common(f, o, err, errlen);
}

static void
free_pins(struct col *c)
{
	while (c->pins != NULL) {
		struct pin *next = c->pins->next;
		free(c->pins);
		c->pins = next;
	}
}

void
pqr_close(struct pqr_file *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	for (int i = 0; i < f->nnodes; i++) {
		free(f->nodes[i].name);
		free(f->nodes[i].kids);
	}
	for (int i = 0; i < f->ncols; i++) {
		struct col *c = &f->cols[i];
		free(c->dict);
		free(c->dictbuf);
		free(c->hdr);
		free(c->raw);
		free(c->buf);
		free(c->rep);
		free(c->def);
		free(c->idx);
		free(c->wide);
		free(c->wide2);
		free(c->aux);
		free(c->vals);
		free(c->row);
		free_pins(c);
	}
	free(f->nodes);
	free(f->leaf);
	free(f->rgs);
	free(f->chunks);
	free(f->created_by);
	free(f->selected);
	free(f->col_of);
	free(f->cols);
	free(f);
}

int64_t
pqr_num_rows(const struct pqr_file *f)
{
	return f->num_rows;
}

int
pqr_row_groups(const struct pqr_file *f)
{
	return (int)f->nrgs;
}

const char *
pqr_created_by(const struct pqr_file *f)
{
	return f->created_by ? f->created_by : "";
}

int
pqr_nodes(const struct pqr_file *f)
{
	return f->nnodes;
}

const struct pqr_node *
pqr_node(const struct pqr_file *f, int id)
{
	return id >= 0 && id < f->nnodes ? &f->nodes[id].pub : NULL;
}

int
pqr_child(const struct pqr_file *f, int node, const char *name)
{
	if (node < 0 || node >= f->nnodes)
		return -1;
	for (int i = 0; i < f->nodes[node].pub.nkids; i++) {
		int k = f->nodes[node].kids[i];
		if (strcmp(f->nodes[k].name, name) == 0)
			return k;
	}
	return -1;
}

int
pqr_find(const struct pqr_file *f, const char *path)
{
	char name[256];
	int id = 0;

	while (*path != '\0' && id >= 0) {
		size_t len = strcspn(path, ".");
		if (len == 0 || len >= sizeof name)
			return -1;
		memcpy(name, path, len);
		name[len] = '\0';
		id = pqr_child(f, id, name);
		path += len;
		if (*path == '.' && *++path == '\0')
			return -1;
	}
	return id;
}

const char *
pqr_error(const struct pqr_file *f)
{
	return f->err;
}

int64_t
pqr_row(const struct pqr_file *f)
{
	return f->row;
}

/* ------------------------------------------------------------------ */
/* Values */

static const char *
encoding_name(int e)
{
	switch (e) {
	case ENC_GROUP_VAR_INT: return "GROUP_VAR_INT";
	case ENC_BIT_PACKED: return "BIT_PACKED";
	}
	return "unknown";
}

static int
micros(struct pqr_file *f, const struct col *c, int64_t *x)
{
	int64_t v = *x;

	switch (c->n->conv) {
	case CV_MILLIS:
		if (__builtin_mul_overflow(v, 1000, x))
			return col_fail(f, c, "timestamp %lld ms is out of "
			    "range", (long long)v);
		break;
	case CV_NANOS:
		*x = v / 1000 - (v % 1000 < 0);
		break;
	case CV_UNSIGNED:
		*x = (uint32_t)v;
		break;
	default:
		break;
	}
	return 0;
}

/* Spark's INT96: nanoseconds within the day, then the Julian day. */
static int
int96(struct pqr_file *f, const struct col *c, const uint8_t *p, int64_t *us)
{
	uint64_t nanos;
	int64_t day = (int32_t)pqf_le32(p + 8), t;

	memcpy(&nanos, p, 8);
	if (nanos >= UINT64_C(86400000000000) ||
	    __builtin_mul_overflow(day - JULIAN_EPOCH, USEC_PER_DAY, &t) ||
	    __builtin_add_overflow(t, (int64_t)(nanos / 1000), us))
		return col_fail(f, c, "INT96 timestamp out of range");
	return 0;
}

/* n PLAIN values of the column's type from p[0 .. end) into out. */
static int
plain(struct pqr_file *f, const struct col *c, const uint8_t *p,
    const uint8_t *end, uint32_t n, struct val *out)
{
	size_t have = (size_t)(end - p), width = 0;
	int32_t i32;
	float fl;

	switch (c->n->pub.physical) {
	case PT_BOOLEAN:
		if (have < ((size_t)n + 7) / 8)
			return col_fail(f, c, "PLAIN booleans are cut short");
		for (uint32_t k = 0; k < n; k++)
			out[k].i = p[k / 8] >> (k % 8) & 1;
		return 0;
	case PT_INT32: case PT_FLOAT: width = 4; break;
	case PT_INT64: case PT_DOUBLE: width = 8; break;
	case PT_INT96: width = 12; break;
	case PT_FIXED_LEN_BYTE_ARRAY: width = (size_t)c->n->type_length; break;
	case PT_BYTE_ARRAY:
		for (uint32_t k = 0; k < n; k++) {
			uint32_t len;
			if ((size_t)(end - p) < 4 ||
			    (len = pqf_le32(p)) > (size_t)(end - p) - 4)
				return col_fail(f, c, "PLAIN byte array %u of "
				    "%u is cut short", k, n);
			out[k].s = p + 4;
			out[k].len = len;
			p += 4 + (size_t)len;
		}
		return 0;
	}
	if (have / width < n)
		return col_fail(f, c, "%u PLAIN values need %zu bytes, the "
		    "page has %zu", n, (size_t)n * width, have);
	for (uint32_t k = 0; k < n; k++, p += width) {
		switch (c->n->pub.physical) {
		case PT_INT32:
			memcpy(&i32, p, 4);
			out[k].i = i32;
			if (micros(f, c, &out[k].i) != 0)
				return -1;
			break;
		case PT_INT64:
			memcpy(&out[k].i, p, 8);
			if (micros(f, c, &out[k].i) != 0)
				return -1;
			break;
		case PT_FLOAT:
			memcpy(&fl, p, 4);
			out[k].d = fl;
			break;
		case PT_DOUBLE:
			memcpy(&out[k].d, p, 8);
			break;
		case PT_INT96:
			if (int96(f, c, p, &out[k].i) != 0)
				return -1;
			break;
		default:	/* FLBA */
			out[k].s = p;
			out[k].len = (uint32_t)width;
			break;
		}
	}
	return 0;
}

/* Grows a scratch array of elem-sized entries to hold n. */
static void
need(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (*cap < n)
		xgrow(arr, cap, n, elem);
}

/* width bits (0..64) at bit offset bit of p, LSB first. */
static uint64_t
bits_at(const uint8_t *p, size_t bit, int width)
{
	uint64_t v = 0;
	size_t byte = bit / 8;
	int off = (int)(bit % 8), got = 0;

	while (got < width) {
		v |= (uint64_t)(p[byte++] >> off) << got;
		got += 8 - off;
		off = 0;
	}
	return width < 64 ? v & ((UINT64_C(1) << width) - 1) : v;
}

/* A varint of DELTA_BINARY_PACKED: NULL, or short when the bytes end
 * first. */
static const char *
delta_varint(const uint8_t **p, const uint8_t *end, uint64_t *v,
    const char *short_msg)
{
	switch (thrift_get_varint(p, end, v)) {
	case 0:
		return NULL;
	case -1:
		return short_msg;
	}
	return "a DELTA_BINARY_PACKED varint is longer than 64 bits";
}

/*
 * DELTA_BINARY_PACKED (Encodings.md): exactly n integers into out, as
 * 64-bit patterns (the arithmetic wraps, as the encoding allows); *pp is
 * moved past them.  NULL, or why the bytes are not such integers.
 */
static const char *
delta_packed(const uint8_t **pp, const uint8_t *end, uint64_t *out, size_t n)
{
	static const char hdr_short[] =
	    "a DELTA_BINARY_PACKED header is cut short";
	static const char block_short[] =
	    "a DELTA_BINARY_PACKED block is cut short";
	const uint8_t *p = *pp, *widths;
	const char *why;
	uint64_t bsize, nmini, count, zz, per, k = 0, v;

	if ((why = delta_varint(&p, end, &bsize, hdr_short)) != NULL ||
	    (why = delta_varint(&p, end, &nmini, hdr_short)) != NULL ||
	    (why = delta_varint(&p, end, &count, hdr_short)) != NULL ||
	    (why = delta_varint(&p, end, &zz, hdr_short)) != NULL)
		return why;
	if (bsize == 0 || bsize % 128 != 0 || nmini == 0 || nmini > bsize ||
	    bsize % nmini != 0 || (bsize / nmini) % 32 != 0)
		return "a DELTA_BINARY_PACKED header has bad block sizes";
	if (count != n)
		return "DELTA_BINARY_PACKED holds another number of values "
		    "than the page";
	per = bsize / nmini;
	v = (uint64_t)thrift_unzigzag(zz);
	if (n > 0)
		out[k++] = v;
	while (k < n) {
		if ((why = delta_varint(&p, end, &zz, block_short)) != NULL)
			return why;
		if ((uint64_t)(end - p) < nmini)
			return block_short;
		uint64_t min = (uint64_t)thrift_unzigzag(zz);
		widths = p;
		p += nmini;
		for (uint64_t m = 0; m < nmini && k < n; m++) {
			int w = widths[m];
			uint64_t bytes = per * (uint64_t)w / 8;
			if (w > 64 || (uint64_t)(end - p) < bytes)
				return "a DELTA_BINARY_PACKED miniblock is "
				    "cut short";
			for (uint64_t j = 0; j < per && k < n; j++) {
				v += min + bits_at(p, j * (size_t)w, w);
				out[k++] = v;
			}
			p += bytes;
		}
	}
	*pp = p;
	return NULL;
}

/* The integers of a DELTA_BINARY_PACKED page, as the column's values. */
static int
delta_ints(struct pqr_file *f, struct col *c, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	const char *why;
	int phys = c->n->pub.physical;

	if (phys != PT_INT32 && phys != PT_INT64)
		return col_fail(f, c, "DELTA_BINARY_PACKED values that are not "
		    "integers");
	need(&c->wide, &c->widecap, n ? n : 1, sizeof *c->wide);
	if ((why = delta_packed(&p, end, c->wide, n)) != NULL)
		return col_fail(f, c, "%s", why);
	for (uint32_t k = 0; k < n; k++) {
		c->vals[k].i = phys == PT_INT32 ?
		    (int32_t)(uint32_t)c->wide[k] : (int64_t)c->wide[k];
		if (micros(f, c, &c->vals[k].i) != 0)
			return -1;
	}
	return 0;
}

/* Lengths (already decoded into lens) and the bytes that follow them. */
static int
split_lengths(struct pqr_file *f, struct col *c, const uint64_t *lens,
    const uint8_t *p, const uint8_t *end, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		if (lens[k] > (uint64_t)(end - p))
			return col_fail(f, c, "byte array %u of %u is cut "
			    "short", k, n);
		c->vals[k].s = p;
		c->vals[k].len = (uint32_t)lens[k];
		p += lens[k];
	}
	return 0;
}

/* DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (front coding: each
 * value is a prefix of the one before plus a suffix). */
static int
delta_bytes(struct pqr_file *f, struct col *c, bool front, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	const char *why;
	uint64_t total = 0, prev = 0;
	uint8_t *q;

	if (c->n->pub.physical != PT_BYTE_ARRAY &&
	    (!front || c->n->pub.physical != PT_FIXED_LEN_BYTE_ARRAY))
		return col_fail(f, c, "DELTA_%sBYTE_ARRAY values of another "
		    "type", front ? "" : "LENGTH_");
	need(&c->wide, &c->widecap, n ? n : 1, sizeof *c->wide);
	need(&c->wide2, &c->wide2cap, n ? n : 1, sizeof *c->wide2);
	if (front && (why = delta_packed(&p, end, c->wide2, n)) != NULL)
		return col_fail(f, c, "prefix lengths: %s", why);
	if ((why = delta_packed(&p, end, c->wide, n)) != NULL)
		return col_fail(f, c, "lengths: %s", why);
	if (split_lengths(f, c, c->wide, p, end, n) != 0 || !front)
		return 0;
	/* Rebuilt values can outgrow the page many times over: a hostile
	 * page keeps long prefixes.  The total is bounded first. */
	for (uint32_t k = 0; k < n; k++) {
		if (c->wide2[k] > prev)
			return col_fail(f, c, "a prefix longer than the value "
			    "before it");
		prev = c->wide2[k] + c->wide[k];
		total += prev;
		if (total > f->o.max_page)
			return col_fail(f, c, "DELTA_BYTE_ARRAY values grow "
			    "past the page limit");
	}
	q = room(&c->aux, &c->auxcap, (size_t)total + 1);
	for (uint32_t k = 0; k < n; k++) {
		size_t pre = (size_t)c->wide2[k];
		if (pre > 0)
			memcpy(q, c->vals[k - 1].s, pre);
		if (c->vals[k].len > 0)
			memcpy(q + pre, c->vals[k].s, c->vals[k].len);
		c->vals[k].s = q;
		c->vals[k].len += (uint32_t)pre;
		q += c->vals[k].len;
	}
	if (c->n->pub.physical == PT_FIXED_LEN_BYTE_ARRAY)
		for (uint32_t k = 0; k < n; k++)
			if (c->vals[k].len != (uint32_t)c->n->type_length)
				return col_fail(f, c, "a fixed-length value "
				    "of %u bytes", c->vals[k].len);
	return 0;
}

/* BYTE_STREAM_SPLIT: byte b of value k is at b * n + k; put the bytes
 * back together and read them as PLAIN. */
static int
stream_split(struct pqr_file *f, struct col *c, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	size_t w;
	uint8_t *q;

	switch (c->n->pub.physical) {
	case PT_INT32: case PT_FLOAT: w = 4; break;
	case PT_INT64: case PT_DOUBLE: w = 8; break;
	case PT_FIXED_LEN_BYTE_ARRAY: w = (size_t)c->n->type_length; break;
	default:
		return col_fail(f, c, "BYTE_STREAM_SPLIT values of another "
		    "type");
	}
	if ((size_t)(end - p) / w < n)
		return col_fail(f, c, "BYTE_STREAM_SPLIT values are cut short");
	q = room(&c->aux, &c->auxcap, (size_t)n * w + 1);
	for (size_t k = 0; k < n; k++)
		for (size_t b = 0; b < w; b++)
			q[k * w + b] = p[b * n + k];
	return plain(f, c, q, q + (size_t)n * w, n, c->vals);
}

static int
values(struct pqr_file *f, struct col *c, int enc, const uint8_t *p,
    const uint8_t *end, uint32_t n)
{
	const char *why;
	int width;

	need(&c->vals, &c->valcap, n ? n : 1, sizeof *c->vals);
	switch (enc) {
	case ENC_PLAIN:
		return plain(f, c, p, end, n, c->vals);
	case ENC_PLAIN_DICTIONARY:
	case ENC_RLE_DICTIONARY:
		if (!c->has_dict)
			return col_fail(f, c, "a dictionary-encoded page but "
			    "no dictionary page");
		if (n == 0)
			return 0;
		if (p >= end || (width = *p++) > 32)
			return col_fail(f, c, "bad dictionary index width");
		need(&c->idx, &c->idxcap, n, sizeof *c->idx);
		if ((why = pqf_hybrid_decode(p, end, width, c->idx, n)) != NULL)
			return col_fail(f, c, "dictionary indices: %s", why);
		for (uint32_t k = 0; k < n; k++) {
			if (c->idx[k] >= c->ndict)
				return col_fail(f, c, "dictionary index %u, "
				    "the dictionary has %u entries", c->idx[k],
				    c->ndict);
			c->vals[k] = c->dict[c->idx[k]];
		}
		return 0;
	case ENC_RLE:
		if (c->n->pub.physical != PT_BOOLEAN)
			return col_fail(f, c, "RLE values that are not "
			    "booleans");
		if (end - p < 4 || pqf_le32(p) > (size_t)(end - p) - 4)
			return col_fail(f, c, "RLE booleans are cut short");
		need(&c->idx, &c->idxcap, n ? n : 1, sizeof *c->idx);
		why = pqf_hybrid_decode(p + 4, p + 4 + pqf_le32(p), 1, c->idx,
		    n);
		if (why != NULL)
			return col_fail(f, c, "RLE booleans: %s", why);
		for (uint32_t k = 0; k < n; k++)
			c->vals[k].i = c->idx[k];
		return 0;
	case ENC_DELTA_BINARY_PACKED:
		return delta_ints(f, c, p, end, n);
	case ENC_DELTA_LENGTH_BYTE_ARRAY:
	case ENC_DELTA_BYTE_ARRAY:
		return delta_bytes(f, c, enc == ENC_DELTA_BYTE_ARRAY, p, end,
		    n);
	case ENC_BYTE_STREAM_SPLIT:
		return stream_split(f, c, p, end, n);
	}
	return col_fail(f, c, "encoding %s (%d) is not supported",
	    encoding_name(enc), enc);
}

/*
 * n levels (each at most max) from [p, end) into out.  v1 pages prefix
 * RLE levels with their byte length (prefixed: *p is moved past them);
 * v2 pages give the exact bytes instead.
 */
static int
levels(struct pqr_file *f, struct col *c, int enc, const uint8_t **pp,
    const uint8_t *end, bool prefixed, uint32_t n, int max, uint8_t *out)
{
	const uint8_t *p = *pp, *stop = end;
	const char *why;
	int width = pqf_bit_width((uint32_t)max);

	need(&c->idx, &c->idxcap, n ? n : 1, sizeof *c->idx);
	if (enc == ENC_RLE) {
		if (prefixed) {
			if (end - p < 4 || pqf_le32(p) > (size_t)(end - p) - 4)
				return col_fail(f, c, "levels are cut short");
			stop = p + 4 + pqf_le32(p);
			p += 4;
		}
		why = pqf_hybrid_decode(p, stop, width, c->idx, n);
	} else if (enc == ENC_BIT_PACKED) {
		size_t bytes = ((size_t)n * (size_t)width + 7) / 8;
		if ((size_t)(end - p) < bytes)
			return col_fail(f, c, "BIT_PACKED levels are cut "
			    "short");
		why = pqf_bit_packed_decode(p, end, width, c->idx, n);
		stop = p + bytes;
	} else {
		return col_fail(f, c, "levels in encoding %s (%d)",
		    encoding_name(enc), enc);
	}
	if (why != NULL)
		return col_fail(f, c, "levels: %s", why);
	for (uint32_t k = 0; k < n; k++) {
		if (c->idx[k] > (uint32_t)max)
			return col_fail(f, c, "level %u above the maximum %d",
			    c->idx[k], max);
		out[k] = (uint8_t)c->idx[k];
	}
	*pp = stop;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pages */

struct pagehdr {
	int32_t type, usize, csize, crc;
	int32_t nvalues, enc, def_enc, rep_enc;	/* data, dictionary */
	int32_t nnulls, nrows, def_len, rep_len;	/* v2 */
	bool has_crc, compressed;
	unsigned seen, sub;	/* fields present, bit per id */
};

/* Where field id of a page kind's own header goes, when it is an i32 the
 * reader uses; kind is the PageHeader field that holds the header. */
static int32_t *
sub_field(struct pagehdr *h, int kind, int16_t id)
{
	switch (kind) {
	case PH_DATA_PAGE_HEADER:
		switch (id) {
		case DPH_NUM_VALUES: return &h->nvalues;
		case DPH_ENCODING: return &h->enc;
		case DPH_DEFINITION_LEVEL_ENCODING: return &h->def_enc;
		case DPH_REPETITION_LEVEL_ENCODING: return &h->rep_enc;
		}
		break;
	case PH_DICTIONARY_PAGE_HEADER:
		switch (id) {
		case DICT_NUM_VALUES: return &h->nvalues;
		case DICT_ENCODING: return &h->enc;
		}
		break;
	case PH_DATA_PAGE_HEADER_V2:
		switch (id) {
		case DPH2_NUM_VALUES: return &h->nvalues;
		case DPH2_NUM_NULLS: return &h->nnulls;
		case DPH2_NUM_ROWS: return &h->nrows;
		case DPH2_ENCODING: return &h->enc;
		case DPH2_DEFINITION_LEVELS_BYTE_LENGTH: return &h->def_len;
		case DPH2_REPETITION_LEVELS_BYTE_LENGTH: return &h->rep_len;
		}
		break;
	}
	return NULL;
}

static int
read_sub_header(struct thrift_in *in, enum thrift_type t, struct pagehdr *h,
    int kind)
{
	int16_t id;
	enum thrift_type ft;
	int rc, r;
	int32_t *v;

	if (thrift_read_struct_begin(in, t) != 0)
		return -1;
	FIELDS(in, id, ft, rc) {
		if ((v = sub_field(h, kind, id)) != NULL)
			r = thrift_read_i32(in, ft, v);
		else if (kind == PH_DATA_PAGE_HEADER_V2 &&
		    id == DPH2_IS_COMPRESSED)
			r = thrift_read_bool(in, ft, &h->compressed);
		else
			r = thrift_skip(in, ft);
		if (r != 0)
			return -1;
		if (id >= 0 && id < 32)
			h->sub |= FIELD_BIT(id);
	}
	return rc;
}

/*
 * The fields a page of this type needs in its own header, as a set; ~0u
 * (never all there) when the header is of another kind, 0 for pages that
 * need none (index pages, and kinds added later).
 */
static unsigned
sub_required(int32_t type, int kind)
{
	switch (type) {
	case PGT_DATA_PAGE:
		return kind != PH_DATA_PAGE_HEADER ? ~0u :
		    FIELD_BIT(DPH_NUM_VALUES) | FIELD_BIT(DPH_ENCODING) |
		    FIELD_BIT(DPH_DEFINITION_LEVEL_ENCODING) |
		    FIELD_BIT(DPH_REPETITION_LEVEL_ENCODING);
	case PGT_DICTIONARY_PAGE:
		return kind != PH_DICTIONARY_PAGE_HEADER ? ~0u :
		    FIELD_BIT(DICT_NUM_VALUES) | FIELD_BIT(DICT_ENCODING);
	case PGT_DATA_PAGE_V2:
		return kind != PH_DATA_PAGE_HEADER_V2 ? ~0u :
		    FIELD_BIT(DPH2_NUM_VALUES) | FIELD_BIT(DPH2_NUM_NULLS) |
		    FIELD_BIT(DPH2_NUM_ROWS) | FIELD_BIT(DPH2_ENCODING) |
		    FIELD_BIT(DPH2_DEFINITION_LEVELS_BYTE_LENGTH) |
		    FIELD_BIT(DPH2_REPETITION_LEVELS_BYTE_LENGTH);
	}
	return 0;
}

/* A PageHeader; NULL, or why it is not one we can use. */
static const char *
read_page_header(struct thrift_in *in, struct pagehdr *h)
{
	int16_t id;
	enum thrift_type ft;
	int rc, r;
	unsigned need_sub;
	const unsigned need = FIELD_BIT(PH_TYPE) |
	    FIELD_BIT(PH_UNCOMPRESSED_PAGE_SIZE) |
	    FIELD_BIT(PH_COMPRESSED_PAGE_SIZE);
	int kind = 0;

	memset(h, 0, sizeof *h);
	h->compressed = true;
	if (thrift_read_struct_begin(in, TT_STRUCT) != 0)
		return in->err;
	FIELDS(in, id, ft, rc) {
		switch (id) {
		case PH_TYPE:
			r = thrift_read_i32(in, ft, &h->type);
			break;
		case PH_UNCOMPRESSED_PAGE_SIZE:
			r = thrift_read_i32(in, ft, &h->usize);
			break;
		case PH_COMPRESSED_PAGE_SIZE:
			r = thrift_read_i32(in, ft, &h->csize);
			break;
		case PH_CRC:
			r = thrift_read_i32(in, ft, &h->crc);
			h->has_crc = true;
			break;
		case PH_DATA_PAGE_HEADER:
		case PH_DICTIONARY_PAGE_HEADER:
		case PH_DATA_PAGE_HEADER_V2:
			if (kind != 0)
				return "two page kinds in one header";
			kind = id;
			r = read_sub_header(in, ft, h, id);
			break;
		default:
			r = thrift_skip(in, ft);
			break;
		}
		if (r != 0)
			return in->err;
		if (id >= 0 && id < 32)
			h->seen |= FIELD_BIT(id);
	}
	if (rc != 0)
		return in->err;
	if ((h->seen & need) != need)
		return "a required field is missing";
	need_sub = sub_required(h->type, kind);
	if ((h->sub & need_sub) != need_sub)
		return "the page's own header is missing or incomplete";
	return NULL;
}

/* Reads the header at c->pos; *hlen is its length. */
static int
page_header(struct pqr_file *f, struct col *c, struct pagehdr *h,
    size_t *hlen)
{
	uint64_t avail = c->end - c->pos;
	size_t want = avail < 256 ? (size_t)avail : 256;
	struct thrift_in in;
	const char *why;

	/* Headers are short unless they carry big statistics: start with a
	 * small window and widen it while the header runs past it. */
	for (;;) {
		room(&c->hdr, &c->hdrcap, want);
		if (src_read(f, c->pos, c->hdr, want) != 0)
			return -1;
		thrift_in_init(&in, c->hdr, want);
		if ((why = read_page_header(&in, h)) == NULL)
			break;
		if (in.truncated && want < avail && want < MAX_HEADER) {
			want = avail / 16 < want ? (size_t)avail : want * 16;
			if (want > MAX_HEADER)
				want = MAX_HEADER;
			continue;
		}
		return col_fail(f, c, "page header at offset %llu: %s",
		    (unsigned long long)c->pos, why);
	}
	*hlen = (size_t)(in.p - c->hdr);
	return 0;
}

/* The page's stored bytes into c->raw, CRC checked when there is one. */
static int
page_raw(struct pqr_file *f, struct col *c, const struct pagehdr *h,
    uint64_t off)
{
	room(&c->raw, &c->rawcap, (size_t)h->csize);
	if (src_read(f, off, c->raw, (size_t)h->csize) != 0)
		return -1;
	if (h->has_crc && (uint32_t)crc32(0, c->raw, (uInt)h->csize) !=
	    (uint32_t)h->crc)
		return col_fail(f, c, "page at offset %llu fails its CRC",
		    (unsigned long long)off);
	return 0;
}

/* src[0 .. n) decompressed into exactly want bytes: *out is src itself
 * when nothing is compressed, else the buffer *buf. */
static int
expand(struct pqr_file *f, struct col *c, bool compressed, const uint8_t *src,
    size_t n, size_t want, uint8_t **buf, size_t *cap, const uint8_t **out)
{
	char why[160];

	if (!compressed || c->ck->codec == CODEC_NONE) {
		if (n != want)
			return col_fail(f, c, "an uncompressed page of %zu "
			    "bytes says it holds %zu", n, want);
		*out = src;
		return 0;
	}
	room(buf, cap, want ? want : 1);
	if (codec_decompress((enum codec)c->ck->codec, src, n, *buf, want,
	    why, sizeof why) != 0)
		return col_fail(f, c, "%s", why);
	*out = *buf;
	return 0;
}

static int
dict_page(struct pqr_file *f, struct col *c, const struct pagehdr *h,
    uint64_t off)
{
	const uint8_t *body;

	if (c->seen_data || c->has_dict)
		return col_fail(f, c, "a dictionary page %s",
		    c->has_dict ? "twice" : "after data pages");
	if (h->enc != ENC_PLAIN && h->enc != ENC_PLAIN_DICTIONARY)
		return col_fail(f, c, "a dictionary in encoding %d", h->enc);
	if (h->nvalues < 0 || (uint32_t)h->nvalues > f->o.max_page_values)
		return col_fail(f, c, "a dictionary of %d entries",
		    h->nvalues);
	if (page_raw(f, c, h, off) != 0)
		return -1;
	/* The dictionary outlives the pages: it gets its own buffer. */
	if (c->ck->codec == CODEC_NONE) {
		room(&c->dictbuf, &c->dictbufcap, (size_t)h->csize + 1);
		memcpy(c->dictbuf, c->raw, (size_t)h->csize);
	}
	if (expand(f, c, true, c->ck->codec == CODEC_NONE ? c->dictbuf : c->raw,
	    (size_t)h->csize, (size_t)h->usize, &c->dictbuf, &c->dictbufcap,
	    &body) != 0)
		return -1;
	need(&c->dict, &c->dictcap, (size_t)h->nvalues + 1, sizeof *c->dict);
	if (plain(f, c, body, body + h->usize, (uint32_t)h->nvalues,
	    c->dict) != 0)
		return -1;
	c->ndict = (uint32_t)h->nvalues;
	c->has_dict = true;
	return 0;
}

static int
data_page(struct pqr_file *f, struct col *c, const struct pagehdr *h,
    uint64_t off)
{
	uint32_t n = (uint32_t)h->nvalues, nvals = 0;
	const uint8_t *body, *p, *end;
	bool v2 = h->type == PGT_DATA_PAGE_V2;

	if (h->nvalues < 0 || n > f->o.max_page_values)
		return col_fail(f, c, "a page of %d values", h->nvalues);
	if ((int64_t)n > c->left)
		return col_fail(f, c, "a page of %u values, the chunk has "
		    "%lld left", n, (long long)c->left);
	if (page_raw(f, c, h, off) != 0)
		return -1;
	if (c->levcap < n) {
		c->levcap = n;
		c->rep = xrealloc(c->rep, n);
		c->def = xrealloc(c->def, n);
	}
	if (!v2) {
		if (expand(f, c, true, c->raw, (size_t)h->csize,
		    (size_t)h->usize, &c->buf, &c->bufcap, &body) != 0)
			return -1;
		p = body;
		end = body + h->usize;
		if (c->max_rep > 0 && levels(f, c, h->rep_enc, &p, end, true,
		    n, c->max_rep, c->rep) != 0)
			return -1;
		if (c->max_def > 0 && levels(f, c, h->def_enc, &p, end, true,
		    n, c->max_def, c->def) != 0)
			return -1;
	} else {
		int64_t lv = (int64_t)h->rep_len + h->def_len;
		if (h->rep_len < 0 || h->def_len < 0 || lv > h->csize ||
		    lv > h->usize)
			return col_fail(f, c, "v2 page levels of %d and %d "
			    "bytes in a page of %d", h->rep_len, h->def_len,
			    h->csize);
		p = c->raw;
		if (c->max_rep > 0 && levels(f, c, ENC_RLE, &p, p + h->rep_len,
		    false, n, c->max_rep, c->rep) != 0)
			return -1;
		p = c->raw + h->rep_len;
		if (c->max_def > 0 && levels(f, c, ENC_RLE, &p, p + h->def_len,
		    false, n, c->max_def, c->def) != 0)
			return -1;
		if (expand(f, c, h->compressed, c->raw + lv,
		    (size_t)(h->csize - lv), (size_t)(h->usize - lv), &c->buf,
		    &c->bufcap, &body) != 0)
			return -1;
		p = body;
		end = body + (h->usize - lv);
	}
	for (uint32_t k = 0; k < n; k++)
		nvals += c->max_def == 0 || c->def[k] == c->max_def;
	if (values(f, c, h->enc, p, end, nvals) != 0)
		return -1;
	c->nslots = n;
	c->at = 0;
	c->nvals = nvals;
	c->vat = 0;
	c->left -= n;
	c->seen_data = true;
	return 0;
}

/* Copies the current row's strings out of the page about to be replaced
 * (a row may continue on the next page). */
static void
pin_row(struct col *c)
{
	size_t total = 0;
	struct pin *pin;
	uint8_t *q;

	if (!is_bytes(c->n))
		return;
	for (size_t k = 0; k < c->nrow; k++)
		if (c->row[k].def == c->max_def)
			total += c->row[k].v.len;
	pin = xmalloc(sizeof *pin + total + 1);
	pin->next = c->pins;
	c->pins = pin;
	q = pin->data;
	for (size_t k = 0; k < c->nrow; k++) {
		struct val *v = &c->row[k].v;
		if (c->row[k].def != c->max_def)
			continue;
		if (v->len > 0)
			memcpy(q, v->s, v->len);
		v->s = q;
		q += v->len;
	}
}

/* Makes the next data page current; pages of other kinds on the way are
 * taken in (a dictionary) or passed over (index pages). */
static int
next_page(struct pqr_file *f, struct col *c)
{
	struct pagehdr h;
	size_t hlen = 0;
	uint64_t body;

	if (c->nrow > 0)
		pin_row(c);
	for (;;) {
		if (c->pos >= c->end)
			return col_fail(f, c, "the pages end %lld values short "
			    "of the chunk's count", (long long)c->left);
		if (page_header(f, c, &h, &hlen) != 0)
			return -1;
		body = c->pos + hlen;
		if (h.usize < 0 || h.csize < 0)
			return col_fail(f, c, "a page of negative size");
		if ((uint64_t)h.csize > c->end - body)
			return col_fail(f, c, "a page of %d bytes at offset "
			    "%llu runs past its chunk", h.csize,
			    (unsigned long long)c->pos);
		if ((size_t)h.csize > f->o.max_page ||
		    (size_t)h.usize > f->o.max_page)
			return col_fail(f, c, "a page of %d bytes is over the "
			    "limit of %zu", h.usize > h.csize ? h.usize :
			    h.csize, f->o.max_page);
		c->pos = body + (uint64_t)h.csize;
		if (h.type == PGT_DICTIONARY_PAGE) {
			if (dict_page(f, c, &h, body) != 0)
				return -1;
		} else if (h.type == PGT_DATA_PAGE ||
		    h.type == PGT_DATA_PAGE_V2) {
			if (data_page(f, c, &h, body) != 0)
				return -1;
			if (c->nslots > 0)
				return 0;
		}
		/* Index pages, and kinds added later, hold no values. */
	}
}

/* ------------------------------------------------------------------ */
/* Rows */

int
pqr_select(struct pqr_file *f, int node)
{
	const struct node *n;

	if (f->failed)
		return -1;
	if (f->started)
		return rfail(f, "pqr_select after the first row");
	if (node < 0 || node >= f->nnodes)
		return rfail(f, "pqr_select: no node %d", node);
	n = &f->nodes[node];
	for (int c = n->col_lo; c < n->col_hi; c++) {
		const struct node *l = &f->nodes[f->leaf[c]];
		if (l->pub.type == PQR_UNSUPPORTED)
			return rfail(f, "column %s: %s is not supported",
			    node_path(f, f->leaf[c]), l->why);
		f->selected[c] = true;
	}
	f->any_selected = true;
	return 0;
}

/* Sets up a reader per selected column, and each node's first selected
 * column (the one whose levels lead the record assembly). */
static int
start(struct pqr_file *f)
{
	if (!f->any_selected && pqr_select(f, 0) != 0)
		return -1;
	f->started = true;
	f->col_of = xcalloc((size_t)f->nleaves, sizeof *f->col_of);
	f->cols = xcalloc((size_t)f->nleaves, sizeof *f->cols);
	for (int i = 0; i < f->nleaves; i++) {
		f->col_of[i] = -1;
		if (!f->selected[i])
			continue;
		struct col *c = &f->cols[f->ncols];
		c->node = f->leaf[i];
		c->n = &f->nodes[c->node];
		c->max_def = c->n->pub.def;
		c->max_rep = c->n->pub.replvl;
		f->col_of[i] = f->ncols++;
	}
	for (int i = f->nnodes - 1; i >= 0; i--) {
		struct node *n = &f->nodes[i];
		for (int k = n->col_lo; k < n->col_hi && n->sel_first < 0; k++)
			if (f->selected[k])
				n->sel_first = k;
	}
	return 0;
}

static const char *
codec_label(int codec)
{
	static const char *names[] = {
		[COMP_UNCOMPRESSED] = "none", [COMP_SNAPPY] = "SNAPPY",
		[COMP_GZIP] = "GZIP", [COMP_LZO] = "LZO",
		[COMP_BROTLI] = "BROTLI", [COMP_LZ4] = "LZ4",
		[COMP_ZSTD] = "ZSTD", [COMP_LZ4_RAW] = "LZ4_RAW",
	};

	return codec >= 0 && codec < (int)(sizeof names / sizeof *names) ?
	    names[codec] : "unknown";
}

/* Points a column's reader at its chunk in row group g. */
static int
open_chunk(struct pqr_file *f, struct col *c, size_t g)
{
	const struct chunk *k = &f->chunks[f->rgs[g].first +
	    (size_t)c->n->pub.column];
	int64_t start = k->data_off;

	c->ck = k;
	if (k->codec != CODEC_NONE && k->codec != CODEC_SNAPPY &&
	    k->codec != CODEC_GZIP && k->codec != CODEC_ZSTD)
		return col_fail(f, c, "codec %s (%d) is not supported",
		    codec_label(k->codec), k->codec);
	/* The dictionary page comes first when there is one; some writers
	 * put a zero here for "none". */
	if (k->has_dict_off && k->dict_off > 0 && k->dict_off < start)
		start = k->dict_off;
	if (k->num_values < 0 || k->comp < 0 || start < 4 ||
	    (uint64_t)start > f->data_end ||
	    (uint64_t)k->comp > f->data_end - (uint64_t)start)
		return col_fail(f, c, "the chunk (offset %lld, %lld bytes, "
		    "%lld values) is not inside the file's data",
		    (long long)start, (long long)k->comp,
		    (long long)k->num_values);
	c->pos = (uint64_t)start;
	c->end = (uint64_t)start + (uint64_t)k->comp;
	c->left = k->num_values;
	c->seen_data = c->has_dict = false;
	c->ndict = 0;
	c->nslots = c->at = 0;
	c->nvals = c->vat = 0;
	return 0;
}

/* The repetition level of the column's next slot in its chunk, loading
 * the next page when needed; -2 when the chunk has no more slots. */
static int
peek_rep(struct pqr_file *f, struct col *c)
{
	if (c->at == c->nslots) {
		if (c->left == 0)
			return -2;
		if (next_page(f, c) != 0)
			return -1;
	}
	return c->max_rep > 0 ? c->rep[c->at] : 0;
}

static void
take_slot(struct col *c)
{
	struct slot *s;

	if (c->nrow == c->rowcap)
		xgrow(&c->row, &c->rowcap, c->nrow + 1, sizeof *c->row);
	s = &c->row[c->nrow++];
	s->rep = c->max_rep > 0 ? c->rep[c->at] : 0;
	s->def = c->max_def > 0 ? c->def[c->at] : 0;
	if (s->def == c->max_def)
		s->v = c->vals[c->vat++];
	c->at++;
}

/* The slots of the column's next row: one at repetition level 0, then
 * every one that continues it. */
static int
collect_row(struct pqr_file *f, struct col *c)
{
	int r;

	c->nrow = 0;
	c->take = 0;
	free_pins(c);
	if ((r = peek_rep(f, c)) == -1)
		return -1;
	if (r == -2)
		return col_fail(f, c, "the chunk ends at row %lld, before the "
		    "row group does", (long long)f->row + 1);
	if (r != 0)
		return col_fail(f, c, "a row starts at repetition level %d",
		    r);
	take_slot(c);
	while ((r = peek_rep(f, c)) > 0) {
		if (c->nrow >= f->o.max_row_values)
			return col_fail(f, c, "row %lld holds more than %u "
			    "values", (long long)f->row + 1,
			    f->o.max_row_values);
		take_slot(c);
	}
	return r == -1 ? -1 : 0;
}

int
pqr_next(struct pqr_file *f)
{
	if (f->failed)
		return -1;
	if (f->done)
		return 0;
	if (!f->started && start(f) != 0)
		return -1;
	while (f->rg_left == 0) {
		if (f->rg == f->nrgs) {
			f->done = true;
			return 0;
		}
		f->rg_left = f->rgs[f->rg++].rows;
		for (int i = 0; i < f->ncols && f->rg_left > 0; i++)
			if (open_chunk(f, &f->cols[i], f->rg - 1) != 0)
				return -1;
	}
	for (int i = 0; i < f->ncols; i++)
		if (collect_row(f, &f->cols[i]) != 0)
			return -1;
	f->row++;
	if (--f->rg_left > 0)
		return 1;
	/* The row group is done: no column may hold more. */
	for (int i = 0; i < f->ncols; i++) {
		struct col *c = &f->cols[i];
		if (c->at < c->nslots || c->left > 0)
			return col_fail(f, c, "more values than the row "
			    "group's %lld rows",
			    (long long)f->rgs[f->rg - 1].rows);
	}
	return 1;
}

static struct col *
col_of_node(struct pqr_file *f, int node)
{
	int k = f->nodes[node].sel_first;

	return k < 0 ? NULL : &f->cols[f->col_of[k]];
}

static bool
have_row(const struct pqr_file *f)
{
	return f->started && !f->done && f->row >= 0;
}

int
pqr_value(struct pqr_file *f, int leaf, struct pqr_value *v)
{
	const struct node *n;
	const struct slot *s;
	struct col *c;

	memset(v, 0, sizeof *v);
	if (f->failed)
		return -1;
	if (!have_row(f))
		return rfail(f, "pqr_value without a current row");
	if (leaf < 0 || leaf >= f->nnodes ||
	    f->nodes[leaf].pub.shape != PQR_LEAF ||
	    f->nodes[leaf].pub.replvl > 0 ||
	    (c = col_of_node(f, leaf)) == NULL)
		return rfail(f, "pqr_value: node %d is not a selected leaf "
		    "outside any repeated group", leaf);
	n = c->n;
	s = &c->row[0];
	if (s->def < c->max_def)
		return 0;
	v->type = n->pub.type;
	if (n->pub.type == PQR_DOUBLE) {
		v->d = s->v.d;
	} else if (n->pub.type == PQR_STRING || n->pub.type == PQR_BINARY) {
		v->s = (const char *)s->v.s;
		v->len = s->v.len;
	} else {
		v->i = s->v.i;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Record assembly (the Dremel paper's, checked at every slot) */

/*
 * Assembly walks the schema under a node for the current row.  Every
 * selected leaf has a cursor (take) into its row slots; a node's value
 * is decided by the levels of its first selected leaf, and every slot
 * taken from any leaf must carry the repetition level the walk expects
 * (rep: where this occurrence started) and a definition level that fits,
 * so that columns which disagree with each other, or with the schema,
 * are an error rather than a wrong value.  Recursion is bounded by the
 * schema depth (MAX_DEPTH).
 */

static int
bad_levels(struct pqr_file *f, const struct col *c)
{
	return col_fail(f, c, "levels at row %lld do not fit the schema",
	    (long long)f->row);
}

/* The definition level of the node's next slot, checking where it
 * repeats; -1 on error. */
static int
peek_def(struct pqr_file *f, int node, int rep)
{
	struct col *c = col_of_node(f, node);
	const struct slot *s;

	if (c->take >= c->nrow)
		return bad_levels(f, c);
	s = &c->row[c->take];
	if (s->rep != rep)
		return bad_levels(f, c);
	return s->def;
}

/* A null (or empty) node at level def: one slot in every selected leaf
 * under it, all alike. */
static int
skip_null(struct pqr_file *f, int node, int rep, int def)
{
	const struct node *n = &f->nodes[node];

	for (int k = n->col_lo; k < n->col_hi; k++) {
		struct col *c;
		if (!f->selected[k])
			continue;
		c = &f->cols[f->col_of[k]];
		if (c->take >= c->nrow || c->row[c->take].rep != rep ||
		    c->row[c->take].def != def)
			return bad_levels(f, c);
		c->take++;
	}
	return 0;
}

static json_t *field_json(struct pqr_file *f, int node, int rep, int depth);

static json_t *
leaf_json(struct pqr_file *f, struct col *c, const struct val *v)
{
	char buf[40];

	switch (c->n->pub.type) {
	case PQR_BOOLEAN:
		return json_boolean(v->i != 0);
	case PQR_INT:
		return json_integer(v->i);
	case PQR_DOUBLE:
		return isfinite(v->d) ? json_real(v->d) : json_null();
	case PQR_DATE:
		if (f->o.iso_time && v->i >= -719162 && v->i <= 2932896)
			return json_stringn(buf, iso_format_date(buf,
			    (int32_t)v->i));
		return json_integer(v->i);
	case PQR_TIMESTAMP:
		if (f->o.iso_time && v->i >= INT64_C(-62135596800000000) &&
		    v->i <= INT64_C(253402300799999999))
			return json_stringn(buf, iso_format(buf, v->i));
		return json_integer(v->i);
	default:
		if (!utf8_valid((const char *)v->s, v->len)) {
			col_fail(f, c, "a value at row %lld is not valid "
			    "UTF-8", (long long)f->row);
			return NULL;
		}
		return json_stringn((const char *)v->s, v->len);
	}
}

/* One occurrence of node, known to be present. */
static json_t *
instance_json(struct pqr_file *f, int node, int rep, int depth)
{
	const struct node *n = &f->nodes[node];
	json_t *out, *v;

	if (n->pub.shape == PQR_LEAF) {
		struct col *c = col_of_node(f, node);
		const struct slot *s;
		if (c->take >= c->nrow)
			return bad_levels(f, c), NULL;
		s = &c->row[c->take];
		if (s->rep != rep || s->def != c->max_def)
			return bad_levels(f, c), NULL;
		c->take++;
		return leaf_json(f, c, &s->v);
	}
	if (n->pub.shape == PQR_STRUCT) {
		out = json_object();
		for (int i = 0; i < n->pub.nkids; i++) {
			int k = n->kids[i];
			if (f->nodes[k].sel_first < 0)
				continue;
			if ((v = field_json(f, k, rep, depth + 1)) == NULL) {
				json_decref(out);
				return NULL;
			}
			if (f->o.omit_nulls && json_is_null(v))
				json_decref(v);
			else
				json_object_set_new(out, f->nodes[k].name, v);
		}
		return out;
	}
	/* LIST and MAP: the repetition is at the one child. */
	return field_json(f, n->kids[0], rep, depth + 1);
}

/* One entry of a list or map whose repeated group is r. */
static int
entry_json(struct pqr_file *f, const struct node *owner, int r, int rep,
    int depth, json_t *out)
{
	const struct node *rn = &f->nodes[r];
	json_t *k, *v;
	char *text;

	if (owner == NULL || owner->pub.shape == PQR_LIST) {
		int e = owner != NULL && owner->three_level ? rn->kids[0] : r;
		v = e == r ? instance_json(f, r, rep, depth) :
		    field_json(f, e, rep, depth + 1);
		return v == NULL ? -1 : json_array_append_new(out, v);
	}
	if (f->nodes[rn->kids[0]].sel_first < 0)
		return rfail(f, "%s: a map's values without its keys",
		    node_path(f, r));
	if ((k = field_json(f, rn->kids[0], rep, depth + 1)) == NULL)
		return -1;
	if (rn->pub.nkids < 2 || f->nodes[rn->kids[1]].sel_first < 0)
		v = json_null();
	else if ((v = field_json(f, rn->kids[1], rep, depth + 1)) == NULL) {
		json_decref(k);
		return -1;
	}
	/* Object keys are strings; other keys go in as their JSON text. */
	if (json_is_string(k)) {
		json_object_set_new(out, json_string_value(k), v);
	} else {
		text = json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
		json_object_set_new(out, text ? text : "", v);
		free(text);
	}
	json_decref(k);
	return 0;
}

/*
 * The value of node as a field of its parent: null when it is an optional
 * node that is not there, an array when it repeats, else its instance.
 * A repeated node r holds entries for its owner (a LIST or MAP group) or
 * is a bare repeated field (owner NULL: a list).
 */
static json_t *
field_json(struct pqr_file *f, int node, int rep, int depth)
{
	const struct node *n = &f->nodes[node];
	const struct node *owner = n->pub.parent >= 0 ?
	    &f->nodes[n->pub.parent] : NULL;
	struct col *lead;
	json_t *out;
	int d;

	if (depth > MAX_DEPTH + 1) {
		rfail(f, "schema nested too deeply");
		return NULL;
	}
	if (n->pub.rep == PQR_OPTIONAL) {
		if ((d = peek_def(f, node, rep)) < 0)
			return NULL;
		if (d < n->pub.def)
			return skip_null(f, node, rep, d) == 0 ? json_null() :
			    NULL;
	}
	if (n->pub.rep != PQR_REPEATED)
		return instance_json(f, node, rep, depth);

	if (owner != NULL && owner->pub.shape != PQR_LIST &&
	    owner->pub.shape != PQR_MAP)
		owner = NULL;
	out = owner != NULL && owner->pub.shape == PQR_MAP ? json_object() :
	    json_array();
	if ((d = peek_def(f, node, rep)) < 0)
		goto fail;
	if (d < n->pub.def) {
		if (skip_null(f, node, rep, d) != 0)
			goto fail;
		return out;	/* empty */
	}
	lead = col_of_node(f, node);
	for (;;) {
		if (entry_json(f, owner, node, rep, depth, out) != 0)
			goto fail;
		/* Another entry repeats at this node's level. */
		if (lead->take >= lead->nrow ||
		    lead->row[lead->take].rep != n->pub.replvl)
			break;
		rep = n->pub.replvl;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

json_t *
pqr_json(struct pqr_file *f, int node)
{
	const struct node *n;
	json_t *v;

	if (f->failed)
		return NULL;
	if (!have_row(f)) {
		rfail(f, "pqr_json without a current row");
		return NULL;
	}
	if (node < 0 || node >= f->nnodes || f->nodes[node].sel_first < 0 ||
	    (node > 0 && f->nodes[f->nodes[node].pub.parent].pub.replvl > 0)) {
		rfail(f, "pqr_json: node %d has no selected column or is "
		    "inside a repeated group", node);
		return NULL;
	}
	n = &f->nodes[node];
	for (int k = n->col_lo; k < n->col_hi; k++)
		if (f->selected[k])
			f->cols[f->col_of[k]].take = 0;
	v = node == 0 ? instance_json(f, 0, 0, 0) : field_json(f, node, 0, 0);
	if (v == NULL)
		return NULL;
	for (int k = n->col_lo; k < n->col_hi; k++) {
		struct col *c;
		if (!f->selected[k])
			continue;
		c = &f->cols[f->col_of[k]];
		if (c->take != c->nrow) {
			bad_levels(f, c);
			json_decref(v);
			return NULL;
		}
	}
	return v;
}
