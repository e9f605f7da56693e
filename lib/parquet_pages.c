/*
 * parquet_pages: a column chunk's pages in the Parquet writer: the
 * dictionary page, and data pages (v1: RLE levels with their length
 * prefix, then PLAIN values or RLE_DICTIONARY indices) cut near
 * page_bytes where a row starts, each compressed and emitted after its
 * PageHeader; and the output buffer in front of fd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_format.h"
#include "parquet_rle.h"
#include "parquet_write_priv.h"
#include "safefile.h"
#include "xalloc.h"

/* A data page never holds more slots than this, whatever its bytes. */
#define PAGE_MAX_SLOTS	(1u << 20)
/* Write the output buffer to fd once it holds this much. */
#define OUT_HIGH	(1u << 20)

/* ------------------------------------------------------------------ */
/* The output buffer */

static int
write_out(struct pq_writer *w, const uint8_t *p, size_t n)
{
	if (safefile_write_all(w->fd, p, n) != 0) {
		pqw_fail(w, "write: %s", strerror(errno));
		return -1;
	}
	w->written += (uint64_t)n;
	return 0;
}

int
pqw_drain(struct pq_writer *w)
{
	int rc = 0;

	if (w->out.len > 0 && !w->failed)
		rc = write_out(w, w->out.p, w->out.len);
	w->out.len = 0;
	return w->failed ? -1 : rc;
}

void
pqw_emit(struct pq_writer *w, const void *p, size_t n)
{
	pqf_buf_add(&w->out, p, n);
	w->offset += (int64_t)n;
}

/* ------------------------------------------------------------------ */
/* Pages */

/* Writes a page (header, then the compressed body) and returns the bytes
 * that count as uncompressed for the footer (header + raw body), or -1. */
static int64_t
emit_page(struct pq_writer *w, int type, uint32_t slots, int encoding,
    uint32_t dict_entries)
{
	const uint8_t *body = w->body.p;
	size_t raw = w->body.len, comp = raw;
	struct thrift *t = &w->t;

	if (compressor_codec(w->z) != CODEC_NONE) {
		size_t bound = codec_bound(compressor_codec(w->z), raw);
		long long n;
		char err[160];

		w->cbody.len = 0;
		pqf_buf_room(&w->cbody, bound);
		n = compressor_run(w->z, body, raw, w->cbody.p, bound, err,
		    sizeof err);
		if (n < 0) {
			pqw_fail(w, "%s", err);
			return -1;
		}
		body = w->cbody.p;
		comp = (size_t)n;
	}
	if (raw > INT32_MAX || comp > INT32_MAX) {
		pqw_fail(w, "a page of %zu bytes does not fit Parquet's i32",
		    raw);
		return -1;
	}
	thrift_reset(t);
	thrift_struct_begin(t);			/* PageHeader */
	thrift_field_i32(t, PH_TYPE, type);
	thrift_field_i32(t, PH_UNCOMPRESSED_PAGE_SIZE, (int32_t)raw);
	thrift_field_i32(t, PH_COMPRESSED_PAGE_SIZE, (int32_t)comp);
	if (type == PGT_DATA_PAGE) {
		thrift_field_struct(t, PH_DATA_PAGE_HEADER);
		thrift_field_i32(t, DPH_NUM_VALUES, (int32_t)slots);
		thrift_field_i32(t, DPH_ENCODING, encoding);
		thrift_field_i32(t, DPH_DEFINITION_LEVEL_ENCODING, ENC_RLE);
		thrift_field_i32(t, DPH_REPETITION_LEVEL_ENCODING, ENC_RLE);
		thrift_struct_end(t);
	} else {
		thrift_field_struct(t, PH_DICTIONARY_PAGE_HEADER);
		thrift_field_i32(t, DICT_NUM_VALUES, (int32_t)dict_entries);
		thrift_field_i32(t, DICT_ENCODING, ENC_PLAIN);
		thrift_field_bool(t, DICT_IS_SORTED, false);
		thrift_struct_end(t);
	}
	thrift_struct_end(t);
	pqw_emit(w, t->buf, t->len);
	pqw_emit(w, body, comp);
	if (w->out.len >= OUT_HIGH && pqw_drain(w) != 0)
		return -1;
	return (int64_t)(t->len + raw);
}

/* Levels with their 4-byte length prefix, as data page v1 wants them. */
static void
encode_levels(struct pq_writer *w, const uint8_t *lev, size_t n, int max)
{
	size_t at = w->body.len;

	pqf_buf_room(&w->body, 4);
	w->body.len += 4;
	if (n > w->levcap) {
		free(w->lev);
		w->lev = xmalloc(n * sizeof *w->lev);
		w->levcap = n;
	}
	for (size_t i = 0; i < n; i++)
		w->lev[i] = lev[i];
	pqf_hybrid_encode(&w->body, w->lev, n, pqf_bit_width((uint32_t)max));
	pqf_put_le32(w->body.p + at, (uint32_t)(w->body.len - at - 4));
}

/* One data page: slots [s0, s1), values [v0, v1), PLAIN bytes [o0, o1). */
static int64_t
data_page(struct pq_writer *w, struct col *c, size_t s0, size_t s1,
    size_t v0, size_t v1, size_t o0, size_t o1, int bw)
{
	w->body.len = 0;
	if (c->max_rep > 0)
		encode_levels(w, c->rep + s0, s1 - s0, c->max_rep);
	if (c->max_def > 0)
		encode_levels(w, c->def + s0, s1 - s0, c->max_def);
	if (c->dict_on) {
		uint8_t b = (uint8_t)bw;
		pqf_buf_add(&w->body, &b, 1);
		pqf_hybrid_encode(&w->body, c->idx + v0, v1 - v0, bw);
	} else if (c->type == PQ_BOOLEAN) {
		/* PLAIN booleans are bit-packed, LSB first. */
		size_t n = v1 - v0;
		uint8_t *p = pqf_buf_room(&w->body, (n + 7) / 8);
		memset(p, 0, (n + 7) / 8);
		for (size_t i = 0; i < n; i++)
			p[i / 8] |= (uint8_t)(c->plain.p[v0 + i] << (i % 8));
		w->body.len += (n + 7) / 8;
	} else if (o1 > o0) {
		/* A chunk of nulls only has no PLAIN buffer: NULL + 0 is
		 * undefined. */
		pqf_buf_add(&w->body, c->plain.p + o0, o1 - o0);
	}
	return emit_page(w, PGT_DATA_PAGE, (uint32_t)(s1 - s0),
	    c->dict_on ? ENC_RLE_DICTIONARY : ENC_PLAIN, 0);
}

int64_t
pqw_dict_page(struct pq_writer *w, struct col *c)
{
	w->body.len = 0;
	if (c->type == PQ_STRING) {
		pqf_buf_add(&w->body, c->d.bytes.p, c->d.bytes.len);
	} else {
		for (uint32_t e = 0; e < c->d.n; e++)
			pqf_buf_add(&w->body, &c->d.keys[e], (size_t)c->width);
	}
	return emit_page(w, PGT_DICTIONARY_PAGE, 0, ENC_PLAIN, c->d.n);
}

/*
 * Cuts the chunk into pages of about page_bytes of values, only where a
 * row starts (repetition level 0), and writes them.  Returns the
 * uncompressed bytes written, or -1.
 */
int64_t
pqw_data_pages(struct pq_writer *w, struct col *c, int bw)
{
	uint64_t page_bits = (uint64_t)w->o.page_bytes * 8;
	size_t s = 0, v = 0, o = 0;
	int64_t total = 0;

	while (s < c->nslots) {
		size_t s0 = s, v0 = v, o0 = o;
		uint64_t bits = 0;

		while (s < c->nslots) {
			if (s > s0 && (c->rep == NULL || c->rep[s] == 0) &&
			    (bits >= page_bits || s - s0 >= PAGE_MAX_SLOTS))
				break;
			if (c->def[s] == c->max_def) {
				if (c->dict_on) {
					bits += (uint64_t)bw;
				} else if (c->type == PQ_STRING) {
					size_t len = pqf_le32(c->plain.p + o);
					o += 4 + len;
					bits += (4 + len) * 8;
				} else {
					o += (size_t)c->width;
					bits += c->type == PQ_BOOLEAN ? 1 :
					    (uint64_t)c->width * 8;
				}
				v++;
			}
			s++;
		}
		int64_t n = data_page(w, c, s0, s, v0, v, o0, o, bw);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}
