#include "extsort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* An entry in memory: its header, then key and value bytes. */
struct entry {
	uint32_t klen, vlen;
	uint64_t seq;		/* insertion order, for stability */
	unsigned char data[];
};

struct run {
	FILE *f;
	struct entry *head;	/* the next entry, or NULL at the end */
	size_t cap;
};

struct extsort {
	size_t budget, used;
	struct entry **mem;
	size_t n, cap;
	struct run *runs;
	size_t nruns, runs_cap;
	uint64_t seq;
};

struct extsort *
extsort_new(size_t mem_bytes)
{
	struct extsort *s = xcalloc(1, sizeof *s);

	s->budget = mem_bytes < 65536 ? 65536 : mem_bytes;
	return s;
}

uint64_t
extsort_count(const struct extsort *s)
{
	return s->seq;
}

size_t
extsort_runs(const struct extsort *s)
{
	return s->nruns;
}

static int
cmp_entry(const struct entry *a, const struct entry *b)
{
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->data, b->data, n);

	if (c != 0)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
cmp_ptr(const void *a, const void *b)
{
	return cmp_entry(*(struct entry *const *)a, *(struct entry *const *)b);
}

static void
clear_mem(struct extsort *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->mem[i]);
	s->n = 0;
	s->used = 0;
}

/* Writes what is in memory, sorted, as a new run. */
static int
spill(struct extsort *s, char *err, size_t errlen)
{
	FILE *f = tmpfile();

	if (f == NULL) {
		snprintf(err, errlen, "a temporary file for sorting: %s",
		    strerror(errno));
		return -1;
	}
	qsort(s->mem, s->n, sizeof *s->mem, cmp_ptr);
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = s->mem[i];
		if (fwrite(e, sizeof *e + e->klen + e->vlen, 1, f) != 1)
			break;
	}
	if (fflush(f) != 0 || ferror(f) || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "writing a sorted run: %s",
		    strerror(errno ? errno : EIO));
		fclose(f);
		return -1;
	}
	xgrow(&s->runs, &s->runs_cap, s->nruns + 1, sizeof *s->runs);
	s->runs[s->nruns++] = (struct run){ .f = f };
	clear_mem(s);
	return 0;
}

int
extsort_add(struct extsort *s, const void *key, size_t klen, const void *val,
    size_t vlen, char *err, size_t errlen)
{
	struct entry *e;

	if (klen > UINT32_MAX || vlen > UINT32_MAX) {
		snprintf(err, errlen, "a sort entry of %zu bytes", klen + vlen);
		return -1;
	}
	if (s->n > 0 && s->used + klen + vlen + sizeof *e > s->budget &&
	    spill(s, err, errlen) != 0)
		return -1;
	e = xmalloc(sizeof *e + klen + vlen);
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	e->seq = s->seq++;
	if (klen > 0)
		memcpy(e->data, key, klen);
	if (vlen > 0)
		memcpy(e->data + klen, val, vlen);
	xgrow(&s->mem, &s->cap, s->n + 1, sizeof *s->mem);
	s->mem[s->n++] = e;
	/* The pointer and the allocator's own header count too. */
	s->used += sizeof *e + klen + vlen + 2 * sizeof(void *);
	return 0;
}

/* Reads a run's next entry into its head: 1, 0 at its end, -1 error. */
static int
run_next(struct run *r, char *err, size_t errlen)
{
	struct entry h;

	if (fread(&h, sizeof h, 1, r->f) != 1) {
		if (ferror(r->f))
			goto fail;
		free(r->head);
		r->head = NULL;
		r->cap = 0;
		return 0;
	}
	size_t need = sizeof h + h.klen + h.vlen;
	if (need > r->cap) {
		free(r->head);
		r->head = xmalloc(need);
		r->cap = need;
	}
	*r->head = h;
	if (h.klen + h.vlen > 0 &&
	    fread(r->head->data, h.klen + h.vlen, 1, r->f) != 1)
		goto fail;
	return 1;
fail:
	snprintf(err, errlen, "reading a sorted run back: %s",
	    ferror(r->f) ? strerror(errno ? errno : EIO) : "cut short");
	return -1;
}

int
extsort_drain(struct extsort *s, int (*each)(const void *, size_t, void *),
    void *arg, char *err, size_t errlen)
{
	int rc = 0;
	size_t mi = 0;

	/* What is in memory is one more run, read from memory. */
	if (s->n > 1)
		qsort(s->mem, s->n, sizeof *s->mem, cmp_ptr);
	for (size_t i = 0; i < s->nruns && rc == 0; i++)
		if (run_next(&s->runs[i], err, errlen) < 0)
			rc = -1;
	while (rc == 0) {
		struct entry *best = mi < s->n ? s->mem[mi] : NULL;
		size_t from = SIZE_MAX;
		/* Few runs: a linear pick costs less than it saves. */
		for (size_t i = 0; i < s->nruns; i++) {
			struct entry *h = s->runs[i].head;
			if (h != NULL &&
			    (best == NULL || cmp_entry(h, best) < 0)) {
				best = h;
				from = i;
			}
		}
		if (best == NULL)
			break;
		rc = each(best->data + best->klen, best->vlen, arg);
		if (rc != 0)
			break;
		if (from == SIZE_MAX)
			mi++;
		else if (run_next(&s->runs[from], err, errlen) < 0)
			rc = -1;
	}
	clear_mem(s);
	for (size_t i = 0; i < s->nruns; i++) {
		fclose(s->runs[i].f);
		free(s->runs[i].head);
	}
	s->nruns = 0;
	return rc;
}

void
extsort_free(struct extsort *s)
{
	if (s == NULL)
		return;
	clear_mem(s);
	for (size_t i = 0; i < s->nruns; i++) {
		fclose(s->runs[i].f);
		free(s->runs[i].head);
	}
	free(s->runs);
	free(s->mem);
	free(s);
}
