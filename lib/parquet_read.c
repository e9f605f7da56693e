/*
 * parquet_read: the Parquet reader's life cycle and rows (parquet_read.h):
 * opening a file or bytes in memory (magic, footer length, then the
 * footer, the schema and the row groups through the other files), the
 * accessors, closing; reading the file's bytes; selecting columns, and
 * moving from row to row: each selected column's chunk opened in turn,
 * its slots of the row collected, pages loaded as the rows reach them.
 * What the other parquet_read_*.c files do is listed in
 * parquet_read_priv.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress.h"
#include "parquet_buf.h"
#include "parquet_format.h"
#include "parquet_read_priv.h"
#include "xalloc.h"

/* Codecs go to compress.h as they are. */
_Static_assert((int)CODEC_NONE == COMP_UNCOMPRESSED &&
    (int)CODEC_SNAPPY == COMP_SNAPPY && (int)CODEC_GZIP == COMP_GZIP &&
    (int)CODEC_ZSTD == COMP_ZSTD, "enum codec is CompressionCodec");

/* ------------------------------------------------------------------ */
/* Options and errors */

void
pqr_options_init(struct pqr_options *o)
{
	memset(o, 0, sizeof *o);
	o->max_footer = (size_t)64 << 20;
	o->max_page = (size_t)256 << 20;
	o->max_page_values = 1u << 24;
	o->max_row_values = 1u << 24;
}

int
pqrd_fail(struct pqr_file *f, const char *fmt, ...)
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
const char *
pqrd_node_path(struct pqr_file *f, int id)
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
int
pqrd_col_fail(struct pqr_file *f, const struct col *c, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return pqrd_fail(f, "column %s, row group %zu: %s",
	    pqrd_node_path(f, c->node), f->rg - 1, msg);
}

/* ------------------------------------------------------------------ */
/* Input */

int
pqrd_src_read(struct pqr_file *f, uint64_t off, void *dst, size_t n)
{
	uint8_t *p = dst;

	if (off > f->size || n > f->size - off)
		return pqrd_fail(f, "a read of %zu bytes at offset %llu runs "
		    "past the end of the file (%llu bytes)", n,
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
			return pqrd_fail(f, "read at offset %llu: %s",
			    (unsigned long long)off, strerror(errno));
		if (k == 0)
			return pqrd_fail(f, "the file is shorter than it was "
			    "when opened");
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* Makes *buf hold at least n bytes; the contents are not kept. */
void *
pqrd_room(void *buf, size_t *cap, size_t n)
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
/* Opening and closing */

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
		pqrd_fail(f, "not a Parquet file: %llu bytes",
		    (unsigned long long)f->size);
		goto fail;
	}
	if (pqrd_src_read(f, f->size - 8, tail, 8) != 0 ||
	    pqrd_src_read(f, 0, head, 4) != 0)
		goto fail;
	if (memcmp(tail + 4, PARQUET_MAGIC_ENCRYPTED, PARQUET_MAGIC_LEN) == 0) {
		pqrd_fail(f, "encrypted Parquet files are not supported");
		goto fail;
	}
	if (memcmp(tail + 4, PARQUET_MAGIC, PARQUET_MAGIC_LEN) != 0 ||
	    memcmp(head, PARQUET_MAGIC, PARQUET_MAGIC_LEN) != 0) {
		pqrd_fail(f, "not a Parquet file: no PAR1 at %s",
		    memcmp(head, PARQUET_MAGIC, PARQUET_MAGIC_LEN) != 0 ?
		    "the start" : "the end");
		goto fail;
	}
	len = pqf_le32(tail);
	if (len > f->size - 12) {
		pqrd_fail(f, "footer length %u does not fit in a file of %llu "
		    "bytes", len, (unsigned long long)f->size);
		goto fail;
	}
	if (len > f->o.max_footer) {
		pqrd_fail(f, "footer of %u bytes is over the limit of %zu", len,
		    f->o.max_footer);
		goto fail;
	}
	f->data_end = f->size - 8 - len;
	footer = xmalloc(len ? len : 1);
	if (pqrd_src_read(f, f->data_end, footer, len) != 0 ||
	    pqrd_read_footer(f, footer, len, &elems, &nelems) != 0 ||
	    pqrd_build_tree(f, elems, nelems) != 0 ||
	    pqrd_check_row_groups(f) != 0)
		goto fail;
	free(footer);
	pqrd_free_elems(elems, nelems);
	f->selected = xcalloc((size_t)f->nleaves, sizeof *f->selected);
	return f;
fail:
	snprintf(err, errlen, "%s", f->err);
	free(footer);
	pqrd_free_elems(elems, nelems);
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
/* Rows */

int
pqr_select(struct pqr_file *f, int node)
{
	const struct node *n;

	if (f->failed)
		return -1;
	if (f->started)
		return pqrd_fail(f, "pqr_select after the first row");
	if (node < 0 || node >= f->nnodes)
		return pqrd_fail(f, "pqr_select: no node %d", node);
	n = &f->nodes[node];
	for (int c = n->col_lo; c < n->col_hi; c++) {
		const struct node *l = &f->nodes[f->leaf[c]];
		if (l->pub.type == PQR_UNSUPPORTED)
			return pqrd_fail(f, "column %s: %s is not supported",
			    pqrd_node_path(f, f->leaf[c]), l->why);
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
		return pqrd_col_fail(f, c, "codec %s (%d) is not supported",
		    codec_label(k->codec), k->codec);
	/* The dictionary page comes first when there is one; some writers
	 * put a zero here for "none". */
	if (k->has_dict_off && k->dict_off > 0 && k->dict_off < start)
		start = k->dict_off;
	if (k->num_values < 0 || k->comp < 0 || start < 4 ||
	    (uint64_t)start > f->data_end ||
	    (uint64_t)k->comp > f->data_end - (uint64_t)start)
		return pqrd_col_fail(f, c, "the chunk (offset %lld, %lld "
		    "bytes, %lld values) is not inside the file's data",
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
		if (pqrd_next_page(f, c) != 0)
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
		return pqrd_col_fail(f, c,
		    "the chunk ends at row %lld, before the row group does",
		    (long long)f->row + 1);
	if (r != 0)
		return pqrd_col_fail(f, c,
		    "a row starts at repetition level %d", r);
	take_slot(c);
	while ((r = peek_rep(f, c)) > 0) {
		if (c->nrow >= f->o.max_row_values)
			return pqrd_col_fail(f, c,
			    "row %lld holds more than %u values",
			    (long long)f->row + 1, f->o.max_row_values);
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
			return pqrd_col_fail(f, c, "more values than the row "
			    "group's %lld rows",
			    (long long)f->rgs[f->rg - 1].rows);
	}
	return 1;
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
	if (!pqrd_have_row(f))
		return pqrd_fail(f, "pqr_value without a current row");
	if (leaf < 0 || leaf >= f->nnodes ||
	    f->nodes[leaf].pub.shape != PQR_LEAF ||
	    f->nodes[leaf].pub.replvl > 0 ||
	    (c = pqrd_col_of_node(f, leaf)) == NULL)
		return pqrd_fail(f, "pqr_value: node %d is not a selected leaf "
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
	} else if (n->pub.type == PQR_DECIMAL) {
		if (pqrd_decimal(f, c, &s->v, &v->dec) != 0) {
			memset(v, 0, sizeof *v);
			return -1;
		}
	} else {
		v->i = s->v.i;
	}
	return 0;
}
