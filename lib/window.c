#include "window.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/*
 * Every window lives in one allocation, a slot: the public part, the
 * caller's data, then the patient_id.  A slot is found three ways:
 *   - by (patient_id, start) in an open-addressing hash table (linear
 *     probing, backward-shift deletion, so no deleted markers);
 *   - while open, from its period's bucket: buckets are the distinct
 *     window starts that have open windows, kept sorted, so the windows
 *     that close next are always those of the first bucket;
 *   - once closed, from the queue of windows being handed out, in
 *     emission order; and, if it was closed early by window_idle, from a
 *     FIFO of such windows kept until the watermark passes their end.
 */
struct slot {
	struct window w;
	struct slot *next;	/* in its bucket, or the early-closed FIFO */
	uint64_t hash;
	bool closed;		/* out of its bucket: readings are late */
	max_align_t mem[];	/* data_size bytes, then the id */
};

struct bucket {
	int64_t start;
	struct slot *head;
	size_t n;
};

struct window_table {
	int64_t width, lateness;
	size_t data_size;	/* rounded up to a multiple of max_align_t */
	void (*release)(void *);

	bool seen;		/* a reading has arrived */
	int64_t max_time;	/* highest event time seen */
	int64_t wm;		/* the watermark */

	struct slot **tab;	/* hash table; NULL = empty */
	size_t mask, held;

	struct bucket *b;	/* sorted by start */
	size_t nb, bcap;
	size_t open, peak;

	struct slot **queue;	/* closed windows, in emission order */
	size_t qlen, qpos, qcap;
	struct slot *handed;	/* last returned by window_next */

	struct slot *early, *early_tail;	/* closed by window_idle */
};

/* ---- keys ---- */

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

/* Eight bytes at a time: a patient_id is hashed once per reading, and a
 * byte-at-a-time hash of a 36-byte UUID would cost more than the rest of
 * the lookup. */
static uint64_t
key_hash(const char *s, size_t n, int64_t start)
{
	uint64_t h = mix((uint64_t)start ^ n), x;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&x, s, 8);
		h = (h ^ x) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 29;
	}
	x = 0;
	memcpy(&x, s, n);
	return mix(h ^ x);
}

static bool
key_equal(const struct slot *s, uint64_t hash, const char *id, size_t len,
    int64_t start)
{
	return s->hash == hash && s->w.start == start && s->w.id_len == len &&
	    memcmp(s->w.patient_id, id, len) == 0;
}

/* ---- the hash table ---- */

static void
tab_put(struct window_table *t, struct slot *s)
{
	size_t i = (size_t)s->hash & t->mask;

	while (t->tab[i] != NULL)
		i = (i + 1) & t->mask;
	t->tab[i] = s;
}

static void
tab_grow(struct window_table *t)
{
	struct slot **old = t->tab;
	size_t n = t->mask + 1;

	t->tab = xcalloc(n * 2, sizeof *t->tab);
	t->mask = n * 2 - 1;
	for (size_t i = 0; i < n; i++)
		if (old[i] != NULL)
			tab_put(t, old[i]);
	free(old);
}

static struct slot *
tab_find(const struct window_table *t, uint64_t hash, const char *id,
    size_t len, int64_t start)
{
	struct slot *s;

	for (size_t i = (size_t)hash & t->mask; (s = t->tab[i]) != NULL;
	    i = (i + 1) & t->mask)
		if (key_equal(s, hash, id, len, start))
			return s;
	return NULL;
}

static void
tab_remove(struct window_table *t, const struct slot *s)
{
	size_t i = (size_t)s->hash & t->mask, j, home;

	while (t->tab[i] != s)
		i = (i + 1) & t->mask;
	/* Pull later members of the probe chain back into the hole, unless
	 * their home lies cyclically in (hole, j]: they must stay behind
	 * their home. */
	for (j = (i + 1) & t->mask; t->tab[j] != NULL; j = (j + 1) & t->mask) {
		home = (size_t)t->tab[j]->hash & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->tab[i] = t->tab[j];
			i = j;
		}
	}
	t->tab[i] = NULL;
}

/* ---- slots ---- */

static struct slot *
slot_new(struct window_table *t, const char *id, size_t len, int64_t start,
    uint64_t hash)
{
	struct slot *s = xmalloc(sizeof *s + t->data_size + len + 1);
	char *copy = (char *)s->mem + t->data_size;

	memcpy(copy, id, len);
	copy[len] = '\0';
	s->w.patient_id = copy;
	s->w.id_len = len;
	s->w.start = start;
	s->w.end = start + t->width;
	s->w.data = s->mem;
	memset(s->mem, 0, t->data_size);
	s->next = NULL;
	s->hash = hash;
	s->closed = false;
	return s;
}

static void
slot_free(struct window_table *t, struct slot *s)
{
	tab_remove(t, s);
	t->held--;
	free(s);
}

/* ---- buckets ---- */

/* The bucket for start, made if needed.  Readings mostly fall into the
 * newest period, so the search runs from the end. */
static struct bucket *
bucket_for(struct window_table *t, int64_t start)
{
	size_t i = t->nb;

	while (i > 0 && t->b[i - 1].start > start)
		i--;
	if (i > 0 && t->b[i - 1].start == start)
		return &t->b[i - 1];
	xgrow(&t->b, &t->bcap, t->nb + 1, sizeof *t->b);
	memmove(&t->b[i + 1], &t->b[i], (t->nb - i) * sizeof *t->b);
	t->nb++;
	t->b[i].start = start;
	t->b[i].head = NULL;
	t->b[i].n = 0;
	return &t->b[i];
}

/* Emission order: end time, then patient_id bytewise. */
static int
by_end_patient(const void *a, const void *b)
{
	const struct window *x = &(*(struct slot *const *)a)->w;
	const struct window *y = &(*(struct slot *const *)b)->w;
	size_t n = x->id_len < y->id_len ? x->id_len : y->id_len;
	int c;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if ((c = memcmp(x->patient_id, y->patient_id, n)) != 0)
		return c;
	return (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

/*
 * Closes every open window that ends at or before limit: they leave their
 * buckets for the queue, which is kept in emission order.  The queue is
 * normally empty here (the caller drains it); whatever is left of it is
 * sorted in with the newcomers.
 */
static void
close_until(struct window_table *t, int64_t limit)
{
	size_t k = 0;
	struct slot *s;

	while (k < t->nb && t->b[k].start + t->width <= limit)
		k++;
	if (k == 0)
		return;
	if (t->qpos > 0) {
		memmove(t->queue, t->queue + t->qpos,
		    (t->qlen - t->qpos) * sizeof *t->queue);
		t->qlen -= t->qpos;
		t->qpos = 0;
	}
	for (size_t i = 0; i < k; i++) {
		xgrow(&t->queue, &t->qcap, t->qlen + t->b[i].n,
		    sizeof *t->queue);
		for (s = t->b[i].head; s != NULL; s = s->next) {
			s->closed = true;
			t->queue[t->qlen++] = s;
		}
		t->open -= t->b[i].n;
	}
	t->nb -= k;
	memmove(&t->b[0], &t->b[k], t->nb * sizeof *t->b);
	qsort(t->queue, t->qlen, sizeof *t->queue, by_end_patient);
}

/* ---- the table ---- */

struct window_table *
window_new(const struct window_options *o)
{
	struct window_table *t = xcalloc(1, sizeof *t);
	size_t align = sizeof(max_align_t);

	t->width = o->width;
	t->lateness = o->lateness;
	t->data_size = (o->data_size + align - 1) / align * align;
	t->release = o->release;
	t->wm = INT64_MIN;
	t->mask = 1023;
	t->tab = xcalloc(t->mask + 1, sizeof *t->tab);
	return t;
}

/* Finishes with the window handed out last: its data is released, and
 * the slot is freed, or kept as a key while its period can still get
 * readings (closed early by window_idle). */
static void
retire_handed(struct window_table *t)
{
	struct slot *s = t->handed;

	if (s == NULL)
		return;
	t->handed = NULL;
	if (t->release != NULL)
		t->release(s->w.data);
	if (s->w.end <= t->wm) {
		slot_free(t, s);
		return;
	}
	s->next = NULL;
	if (t->early_tail != NULL)
		t->early_tail->next = s;
	else
		t->early = s;
	t->early_tail = s;
}

/* Forgets early-closed windows that the watermark has now passed: the
 * watermark alone refuses their readings from here on.  The FIFO is in
 * end order as window_idle closes periods in order; the rare window of an
 * earlier period opened after an early close only waits a little longer
 * behind a later one, which is harmless. */
static void
expire_early(struct window_table *t)
{
	struct slot *s;

	while ((s = t->early) != NULL && s->w.end <= t->wm) {
		t->early = s->next;
		if (t->early == NULL)
			t->early_tail = NULL;
		slot_free(t, s);
	}
}

void
window_free(struct window_table *t)
{
	struct slot *s, *next;

	if (t == NULL)
		return;
	/* Everything still held is freed without a watermark check. */
	t->wm = INT64_MAX;
	retire_handed(t);
	expire_early(t);
	for (size_t i = t->qpos; i < t->qlen; i++) {
		if (t->release != NULL)
			t->release(t->queue[i]->w.data);
		free(t->queue[i]);
	}
	for (size_t i = 0; i < t->nb; i++) {
		for (s = t->b[i].head; s != NULL; s = next) {
			next = s->next;
			if (t->release != NULL)
				t->release(s->w.data);
			free(s);
		}
	}
	free(t->tab);
	free(t->b);
	free(t->queue);
	free(t);
}

int64_t
window_start_of(const struct window_table *t, int64_t time)
{
	int64_t q = time / t->width;

	/* Floor, not truncation, for times before 1970. */
	if (time % t->width < 0)
		q--;
	return q * t->width;
}

enum window_add_status
window_add(struct window_table *t, const char *id, size_t len, int64_t time,
    struct window **w)
{
	int64_t start = window_start_of(t, time);
	uint64_t hash;
	struct bucket *bk;
	struct slot *s;

	retire_handed(t);
	*w = NULL;
	if (!t->seen || time > t->max_time) {
		t->seen = true;
		t->max_time = time;
		if (t->wm < time - t->lateness) {
			t->wm = time - t->lateness;
			expire_early(t);
		}
	}
	if (start + t->width <= t->wm)
		return WINDOW_LATE;
	hash = key_hash(id, len, start);
	if ((s = tab_find(t, hash, id, len, start)) != NULL) {
		if (s->closed)
			return WINDOW_LATE;
		*w = &s->w;
		return WINDOW_FOUND;
	}
	s = slot_new(t, id, len, start, hash);
	if (++t->held * 2 > t->mask + 1)
		tab_grow(t);
	tab_put(t, s);
	bk = bucket_for(t, start);
	s->next = bk->head;
	bk->head = s;
	bk->n++;
	if (++t->open > t->peak)
		t->peak = t->open;
	*w = &s->w;
	return WINDOW_OPENED;
}

void
window_idle(struct window_table *t, int64_t idle)
{
	/* A century of silence is as good as forever, and cannot overflow. */
	if (idle > INT64_C(100) * 366 * 86400 * 1000000)
		idle = INT64_C(100) * 366 * 86400 * 1000000;
	if (t->seen && idle > 0)
		close_until(t, t->max_time + idle - t->lateness);
}

int64_t
window_idle_due(const struct window_table *t)
{
	int64_t due;

	if (t->qpos < t->qlen)
		return 0;
	if (t->nb == 0)
		return -1;
	due = t->b[0].start + t->width + t->lateness - t->max_time;
	return due > 0 ? due : 0;
}

void
window_finish(struct window_table *t)
{
	t->wm = INT64_MAX;
	expire_early(t);
}

const struct window *
window_next(struct window_table *t)
{
	retire_handed(t);
	close_until(t, t->wm);
	if (t->qpos == t->qlen)
		return NULL;
	t->handed = t->queue[t->qpos++];
	return &t->handed->w;
}

int64_t
window_watermark(const struct window_table *t)
{
	return t->wm;
}

size_t
window_open_count(const struct window_table *t)
{
	return t->open;
}

size_t
window_peak_open(const struct window_table *t)
{
	return t->peak;
}

size_t
window_held_count(const struct window_table *t)
{
	return t->held;
}
