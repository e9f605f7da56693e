/*
 * parquet: the Parquet writer's life cycle (parquet.h): pq_open and its
 * columns, rows ended and checked, row groups cut at their limits and
 * flushed chunk by chunk, pq_close with the footer, the accessors and
 * pq_free.  What the other parquet_*.c files of the writer do is listed
 * in parquet_write_priv.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_format.h"
#include "parquet_rle.h"
#include "parquet_write_priv.h"
#include "xalloc.h"

#ifndef VL_VERSION
#define VL_VERSION "0.0.0"
#endif

/* ------------------------------------------------------------------ */
/* Opening */

void
pqw_fail(struct pq_writer *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;		/* the first cause is the one to report */
	w->failed = true;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof w->err, fmt, ap);
	va_end(ap);
}

const char *
pqw_col_name(const struct pq_writer *w, const struct col *c)
{
	return w->s->n[c->node].name;
}

void
pq_options_init(struct pq_options *o)
{
	memset(o, 0, sizeof *o);
	o->codec = CODEC_DEFAULT;
	o->row_group_bytes = UINT64_C(128) << 20;
	o->row_group_rows = UINT64_C(1) << 20;
	o->page_bytes = 1u << 20;
	o->dict_bytes = 1u << 20;
}

static int
fixed_width(enum pq_type t)
{
	switch (t) {
	case PQ_BOOLEAN:
		return 1;
	case PQ_INT32:
	case PQ_DATE:
		return 4;
	case PQ_INT64:
	case PQ_TIMESTAMP:
	case PQ_DOUBLE:
		return 8;
	case PQ_STRING:
		break;
	}
	return 0;
}

static void
init_col(struct pq_writer *w, struct col *c, int node)
{
	const struct pq_schema *s = w->s;
	const struct node *n = &s->n[node];
	int depth = 0;

	c->node = node;
	c->type = n->type;
	c->width = fixed_width(n->type);
	c->max_def = n->def;
	c->max_rep = n->replvl;
	for (int id = node; id != 0; id = s->n[id].parent)
		depth++;
	c->path = xcalloc((size_t)depth, sizeof *c->path);
	c->npath = depth;
	for (int id = node; id != 0; id = s->n[id].parent)
		c->path[--depth] = s->n[id].name;
	c->dict_on = w->o.dict_bytes > 0 && c->type != PQ_BOOLEAN;
}

struct pq_writer *
pq_open(int fd, const struct pq_schema *s, const struct pq_options *o)
{
	struct pq_writer *w = xcalloc(1, sizeof *w);

	w->fd = fd;
	w->s = s;
	if (o != NULL)
		w->o = *o;
	else
		pq_options_init(&w->o);
	if (w->o.page_bytes == 0)
		w->o.page_bytes = 1u << 20;
	if (w->o.created_by != NULL)
		w->created_by = xstrdup(w->o.created_by);
	else
		w->created_by = xstrdup("vitals-lakehouse version " VL_VERSION
		    " (build vl" VL_VERSION ")");
	w->o.created_by = NULL;
	w->z = compressor_new(w->o.codec, w->o.level);
	thrift_init(&w->t);
	w->ncols = s->nleaves;
	w->cols = xcalloc((size_t)(w->ncols ? w->ncols : 1), sizeof *w->cols);
	w->node_col = xmalloc((size_t)s->nn * sizeof *w->node_col);
	for (int i = 0; i < s->nn; i++)
		w->node_col[i] = s->n[i].column;
	for (int i = 0; i < w->ncols; i++)
		init_col(w, &w->cols[i], s->leaf[i]);
	for (int i = 0; i < s->nn; i++) {
		if (s->n[i].kind != K_LEAF && s->n[i].nkids == 0)
			pqw_fail(w, "group %s has no fields", s->n[i].name);
	}
	if (w->ncols == 0)
		pqw_fail(w, "the schema has no columns");
	return w;
}

void
pq_kv(struct pq_writer *w, const char *key, const char *value)
{
	xgrow(&w->kvs, &w->kvcap, w->nkvs + 1, sizeof *w->kvs);
	w->kvs[w->nkvs].key = xstrdup(key);
	w->kvs[w->nkvs].value = xstrdup(value);
	w->nkvs++;
}

/* ------------------------------------------------------------------ */
/* Row groups */

static uint64_t
buffered(const struct pq_writer *w)
{
	uint64_t n = 0;

	for (int i = 0; i < w->ncols; i++) {
		const struct col *c = &w->cols[i];
		n += c->nslots * (uint64_t)(1 + (c->rep != NULL));
		n += c->plain.len;
		if (c->dict_on)
			n += c->nvals * 4 + c->d.bytes.len + c->d.n * 12 +
			    c->d.nslots * 4;
	}
	return n;
}

/* Whether the dictionary still pays at the end of the chunk: its page
 * plus the bit-packed indices against the PLAIN values. */
static bool
dict_pays(const struct col *c, int bw)
{
	uint64_t plain = c->type == PQ_STRING ? c->plain_equiv :
	    (uint64_t)c->nvals * (uint64_t)c->width;

	return c->d.page + ((uint64_t)c->nvals * (uint64_t)bw + 7) / 8 < plain;
}

/* Column c's chunk of the row group: the last choice between its
 * dictionary and PLAIN, its statistics, then its pages; k gets what the
 * footer needs of it. */
static int
write_chunk(struct pq_writer *w, struct col *c, struct chunk *k)
{
	int64_t start = w->offset, n, uncomp = 0;
	int bw = 0;

	if (c->dict_on) {
		if (c->nvals == 0) {
			c->dict_on = false;
		} else {
			bw = pqf_dict_index_width(c->d.n);
			if (!dict_pays(c, bw))
				pqw_to_plain(c);
		}
	}
	memset(k, 0, sizeof *k);
	k->dict_off = -1;
	k->slots = (int64_t)c->nslots;
	k->nulls = c->nulls;
	k->nans = c->nans;
	k->dict = c->dict_on;

	pqw_chunk_stats(c, k);

	if (c->dict_on) {
		k->dict_off = start;
		if ((n = pqw_dict_page(w, c)) < 0)
			return -1;
		uncomp += n;
	}
	k->data_off = w->offset;
	if ((n = pqw_data_pages(w, c, bw)) < 0)
		return -1;
	uncomp += n;
	k->uncomp = uncomp;
	k->comp = w->offset - start;
	return 0;
}

static void
reset_col(struct pq_writer *w, struct col *c)
{
	c->nslots = 0;
	c->rows = 0;
	c->nvals = 0;
	c->nulls = 0;
	c->nans = 0;
	c->plain.len = 0;
	c->plain_equiv = 0;
	pqw_dict_reset(&c->d);
	c->dict_on = w->o.dict_bytes > 0 && c->type != PQ_BOOLEAN;
}

static int
flush_row_group(struct pq_writer *w)
{
	struct rowgroup *rg;

	if (w->failed)
		return -1;
	if (w->offset == 0)
		pqw_emit(w, PARQUET_MAGIC, PARQUET_MAGIC_LEN);
	xgrow(&w->rgs, &w->rgcap, w->nrgs + 1, sizeof *w->rgs);
	rg = &w->rgs[w->nrgs];
	memset(rg, 0, sizeof *rg);
	rg->rows = (int64_t)w->rg_rows;
	rg->offset = w->offset;
	for (int i = 0; i < w->ncols; i++) {
		struct col *c = &w->cols[i];
		xgrow(&c->chunks, &c->chunkcap, c->nchunks + 1,
		    sizeof *c->chunks);
		if (write_chunk(w, c, &c->chunks[c->nchunks]) != 0)
			return -1;
		rg->comp += c->chunks[c->nchunks].comp;
		rg->uncomp += c->chunks[c->nchunks].uncomp;
		c->nchunks++;
		reset_col(w, c);
	}
	w->nrgs++;
	w->rg_rows = 0;
	return pqw_drain(w);
}

int
pq_end_row(struct pq_writer *w)
{
	uint64_t want = w->rg_rows + 1;

	if (w->failed)
		return -1;
	if (w->closed) {
		pqw_fail(w, "row after pq_close");
		return -1;
	}
	for (int i = 0; i < w->ncols; i++) {
		if (w->cols[i].rows != want) {
			pqw_fail(w, "column %s: %s in row %llu",
			    pqw_col_name(w, &w->cols[i]),
			    w->cols[i].rows < want ? "no value" :
			    "more than one value", (unsigned long long)w->rows);
			return -1;
		}
	}
	w->rg_rows++;
	w->rows++;
	if ((w->o.row_group_rows > 0 && w->rg_rows >= w->o.row_group_rows) ||
	    (w->rg_rows % PQ_CHECK_ROWS == 0 &&
	    buffered(w) >= w->o.row_group_bytes))
		return flush_row_group(w);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Closing */

int
pq_close(struct pq_writer *w, uint64_t *size)
{
	uint8_t len[4];

	if (w->failed)
		return -1;
	if (w->closed) {
		pqw_fail(w, "pq_close called twice");
		return -1;
	}
	for (int i = 0; i < w->ncols; i++) {
		if (w->cols[i].nslots > 0 && w->cols[i].rows > w->rg_rows) {
			pqw_fail(w, "column %s: a row was begun but not ended",
			    pqw_col_name(w, &w->cols[i]));
			return -1;
		}
	}
	w->closed = true;
	if (w->rg_rows > 0 && flush_row_group(w) != 0)
		return -1;
	if (w->offset == 0)
		pqw_emit(w, PARQUET_MAGIC, PARQUET_MAGIC_LEN);
	pqw_footer(w);
	pqw_emit(w, w->t.buf, w->t.len);
	pqf_put_le32(len, (uint32_t)w->t.len);
	pqw_emit(w, len, 4);
	pqw_emit(w, PARQUET_MAGIC, PARQUET_MAGIC_LEN);
	if (pqw_drain(w) != 0)
		return -1;
	if (size != NULL)
		*size = (uint64_t)w->offset;
	return 0;
}

const char *
pq_error(const struct pq_writer *w)
{
	return w->err;
}

uint64_t
pq_rows(const struct pq_writer *w)
{
	return w->rows;
}

uint64_t
pq_bytes_written(const struct pq_writer *w)
{
	return w->written;
}

uint64_t
pq_buffered(const struct pq_writer *w)
{
	return buffered(w);
}

const struct pq_stats *
pq_stats(const struct pq_writer *w, int leaf)
{
	if (leaf < 0 || leaf >= w->s->nn || w->node_col[leaf] < 0)
		return NULL;
	return &w->cols[w->node_col[leaf]].file;
}

void
pq_free(struct pq_writer *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < w->ncols; i++) {
		struct col *c = &w->cols[i];
		free(c->path);
		free(c->def);
		free(c->rep);
		free(c->idx);
		free(c->plain.p);
		pqw_dict_free(&c->d);
		for (size_t k = 0; k < c->nchunks; k++) {
			free(c->chunks[k].min);
			free(c->chunks[k].max);
		}
		free(c->chunks);
		free(c->fmin.p);
		free(c->fmax.p);
	}
	for (size_t i = 0; i < w->nkvs; i++) {
		free(w->kvs[i].key);
		free(w->kvs[i].value);
	}
	free(w->kvs);
	free(w->cols);
	free(w->node_col);
	free(w->rgs);
	free(w->out.p);
	free(w->body.p);
	free(w->cbody.p);
	free(w->lev);
	thrift_free(&w->t);
	compressor_free(w->z);
	free(w->created_by);
	free(w);
}
