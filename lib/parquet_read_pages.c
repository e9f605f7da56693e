/*
 * parquet_read_pages: a column chunk's pages in the Parquet reader, one
 * after the other as the rows reach them: the PageHeader (read through a
 * window that widens for big statistics), the stored bytes with their
 * CRC, decompression, and the dictionary page or the data page (v1 or
 * v2) decoded through parquet_read_values.c; index pages are passed
 * over.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "compress.h"
#include "parquet_format.h"
#include "parquet_read_priv.h"
#include "thrift.h"
#include "xalloc.h"

/* A page header (statistics included) is never longer than this. */
#define MAX_HEADER	(16u << 20)

/* ------------------------------------------------------------------ */
/* Page headers */

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
		pqrd_room(&c->hdr, &c->hdrcap, want);
		if (pqrd_src_read(f, c->pos, c->hdr, want) != 0)
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
		return pqrd_col_fail(f, c, "page header at offset %llu: %s",
		    (unsigned long long)c->pos, why);
	}
	*hlen = (size_t)(in.p - c->hdr);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pages */

/* The page's stored bytes into c->raw, CRC checked when there is one. */
static int
page_raw(struct pqr_file *f, struct col *c, const struct pagehdr *h,
    uint64_t off)
{
	pqrd_room(&c->raw, &c->rawcap, (size_t)h->csize);
	if (pqrd_src_read(f, off, c->raw, (size_t)h->csize) != 0)
		return -1;
	if (h->has_crc && (uint32_t)crc32(0, c->raw, (uInt)h->csize) !=
	    (uint32_t)h->crc)
		return pqrd_col_fail(f, c, "page at offset %llu fails its CRC",
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
			return pqrd_col_fail(f, c, "an uncompressed page of "
			    "%zu bytes says it holds %zu", n, want);
		*out = src;
		return 0;
	}
	pqrd_room(buf, cap, want ? want : 1);
	if (codec_decompress((enum codec)c->ck->codec, src, n, *buf, want,
	    why, sizeof why) != 0)
		return pqrd_col_fail(f, c, "%s", why);
	*out = *buf;
	return 0;
}

static int
dict_page(struct pqr_file *f, struct col *c, const struct pagehdr *h,
    uint64_t off)
{
	const uint8_t *body;

	if (c->seen_data || c->has_dict)
		return pqrd_col_fail(f, c, "a dictionary page %s",
		    c->has_dict ? "twice" : "after data pages");
	if (h->enc != ENC_PLAIN && h->enc != ENC_PLAIN_DICTIONARY)
		return pqrd_col_fail(f, c, "a dictionary in encoding %d",
		    h->enc);
	if (h->nvalues < 0 || (uint32_t)h->nvalues > f->o.max_page_values)
		return pqrd_col_fail(f, c, "a dictionary of %d entries",
		    h->nvalues);
	if (page_raw(f, c, h, off) != 0)
		return -1;
	/* The dictionary outlives the pages: it gets its own buffer. */
	if (c->ck->codec == CODEC_NONE) {
		pqrd_room(&c->dictbuf, &c->dictbufcap, (size_t)h->csize + 1);
		memcpy(c->dictbuf, c->raw, (size_t)h->csize);
	}
	if (expand(f, c, true, c->ck->codec == CODEC_NONE ? c->dictbuf : c->raw,
	    (size_t)h->csize, (size_t)h->usize, &c->dictbuf, &c->dictbufcap,
	    &body) != 0)
		return -1;
	pqrd_need(&c->dict, &c->dictcap, (size_t)h->nvalues + 1,
	    sizeof *c->dict);
	if (pqrd_plain(f, c, body, body + h->usize, (uint32_t)h->nvalues,
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
		return pqrd_col_fail(f, c, "a page of %d values", h->nvalues);
	if ((int64_t)n > c->left)
		return pqrd_col_fail(f, c, "a page of %u values, the chunk has "
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
		if (c->max_rep > 0 && pqrd_levels(f, c, h->rep_enc, &p, end,
		    true, n, c->max_rep, c->rep) != 0)
			return -1;
		if (c->max_def > 0 && pqrd_levels(f, c, h->def_enc, &p, end,
		    true, n, c->max_def, c->def) != 0)
			return -1;
	} else {
		int64_t lv = (int64_t)h->rep_len + h->def_len;
		if (h->rep_len < 0 || h->def_len < 0 || lv > h->csize ||
		    lv > h->usize)
			return pqrd_col_fail(f, c,
			    "v2 page levels of %d and %d bytes in a page of %d",
			    h->rep_len, h->def_len, h->csize);
		p = c->raw;
		if (c->max_rep > 0 && pqrd_levels(f, c, ENC_RLE, &p,
		    p + h->rep_len, false, n, c->max_rep, c->rep) != 0)
			return -1;
		p = c->raw + h->rep_len;
		if (c->max_def > 0 && pqrd_levels(f, c, ENC_RLE, &p,
		    p + h->def_len, false, n, c->max_def, c->def) != 0)
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
	if (pqrd_values(f, c, h->enc, p, end, nvals) != 0)
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

	if (!pqrd_is_bytes(c->n))
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
int
pqrd_next_page(struct pqr_file *f, struct col *c)
{
	struct pagehdr h;
	size_t hlen = 0;
	uint64_t body;

	if (c->nrow > 0)
		pin_row(c);
	for (;;) {
		if (c->pos >= c->end)
			return pqrd_col_fail(f, c, "the pages end %lld values "
			    "short of the chunk's count", (long long)c->left);
		if (page_header(f, c, &h, &hlen) != 0)
			return -1;
		body = c->pos + hlen;
		if (h.usize < 0 || h.csize < 0)
			return pqrd_col_fail(f, c, "a page of negative size");
		if ((uint64_t)h.csize > c->end - body)
			return pqrd_col_fail(f, c, "a page of %d bytes at "
			    "offset %llu runs past its chunk", h.csize,
			    (unsigned long long)c->pos);
		if ((size_t)h.csize > f->o.max_page ||
		    (size_t)h.usize > f->o.max_page)
			return pqrd_col_fail(f, c,
			    "a page of %d bytes is over the limit of %zu",
			    h.usize > h.csize ? h.usize : h.csize,
			    f->o.max_page);
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
