#include "window.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xalloc.h"

/*
 * Every window lives in one allocation, a slot: the public part, the
 * caller's data, then the patient_id.  A slot is found three ways:
 *   - by (patient_id, start) in an open-addressing hash table (linear
 *     probing, backward-shift deletion, so no deleted markers: windows
 *     are deleted as they close, which lib/strindex, made for tables
 *     that only grow, does not do);
 *   - while open, from its period's bucket in its source: buckets are
 *     the distinct window starts that have open windows, kept sorted, so
 *     the windows that close next are always those of the first bucket;
 *   - until handed out, from its source's list in opening order, whose
 *     head gives window_done;
 *   - once closed, from the queue of windows being handed out, in
 *     emission order; and, if it was closed early by window_idle, from its
 *     source's FIFO of such windows, kept until the watermark passes their
 *     end.
 */
struct slot {
	struct window w;
	struct slot *next;	/* in its bucket, or the early-closed FIFO */
	/* In its source's list of windows not yet handed out, which is in
	 * opening order and so in order of first position. */
	struct slot *older, *newer;
	uint64_t hash;
	int64_t first_pos;	/* position of the reading that opened it */
	bool closed;		/* out of its bucket: readings are late */
	max_align_t mem[];	/* data_size bytes, then the id */
};

struct bucket {
	int64_t start;
	struct slot *head;
	size_t n;
};

/* What each source has of its own: its event time, its windows. */
struct source {
	bool seen;		/* a reading has arrived */
	int64_t max_time;	/* highest event time seen */
	int64_t wm;		/* the watermark */
	int64_t max_pos;	/* highest position seen, -1 for none */
	int64_t last_wall;	/* the clock at its latest reading */

	struct bucket *b;	/* sorted by start */
	size_t nb, bcap;

	struct slot *early, *early_tail;	/* closed by window_idle */
	struct slot *oldest, *newest;		/* not yet handed out */
};

struct window_table {
	int64_t width, lateness;
	size_t data_size;	/* rounded up to a multiple of max_align_t */
	void (*release)(void *);
	int64_t now;		/* window_clock */

	struct source *src;
	size_t nsrc;

	struct slot **tab;	/* hash table; NULL = empty */
	size_t mask, held;
	size_t open, peak;

	struct slot **queue;	/* closed windows, in emission order */
	size_t qlen, qpos, qcap;
	struct slot *handed;	/* last returned by window_next */
};

/* ---- keys ---- */

/* A patient_id is hashed once per reading: hash_bytes reads it eight
 * bytes at a time. */
static uint64_t
key_hash(const char *s, size_t n, int64_t start)
{
	return hash_bytes(s, n, (uint64_t)start);
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
	s->next = s->older = s->newer = NULL;
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

/* ---- sources ---- */

/* The source numbered i, made (with those below it) if new. */
static struct source *
source_get(struct window_table *t, uint32_t i)
{
	size_t cap = t->nsrc;

	if (i < t->nsrc)
		return &t->src[i];
	xgrow(&t->src, &cap, (size_t)i + 1, sizeof *t->src);
	memset(&t->src[t->nsrc], 0, ((size_t)i + 1 - t->nsrc) *
	    sizeof *t->src);
	for (size_t k = t->nsrc; k <= i; k++) {
		t->src[k].wm = INT64_MIN;
		t->src[k].max_pos = -1;
	}
	t->nsrc = (size_t)i + 1;
	return &t->src[i];
}

static struct source *
source_of(struct window_table *t, const struct slot *s)
{
	return &t->src[s->w.source];
}

/* Takes a window out of its source's list of those not yet handed out. */
static void
unlist(struct source *src, struct slot *s)
{
	if (s->older != NULL)
		s->older->newer = s->newer;
	else
		src->oldest = s->newer;
	if (s->newer != NULL)
		s->newer->older = s->older;
	else
		src->newest = s->older;
	s->older = s->newer = NULL;
}

/* ---- buckets ---- */

/* The bucket for start, made if needed.  Readings mostly fall into the
 * newest period, so the search runs from the end. */
static struct bucket *
bucket_for(struct source *src, int64_t start)
{
	size_t i = src->nb;

	while (i > 0 && src->b[i - 1].start > start)
		i--;
	if (i > 0 && src->b[i - 1].start == start)
		return &src->b[i - 1];
	xgrow(&src->b, &src->bcap, src->nb + 1, sizeof *src->b);
	memmove(&src->b[i + 1], &src->b[i], (src->nb - i) * sizeof *src->b);
	src->nb++;
	src->b[i].start = start;
	src->b[i].head = NULL;
	src->b[i].n = 0;
	return &src->b[i];
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
 * Closes every open window of src that ends at or before limit: they
 * leave their buckets for the queue, which is kept in emission order.
 * Whatever is left of the queue (the caller has not drained it, or
 * another source closed windows too) is sorted in with the newcomers.
 */
static void
close_until(struct window_table *t, struct source *src, int64_t limit)
{
	size_t k = 0;
	struct slot *s;

	while (k < src->nb && src->b[k].start + t->width <= limit)
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
		xgrow(&t->queue, &t->qcap, t->qlen + src->b[i].n,
		    sizeof *t->queue);
		for (s = src->b[i].head; s != NULL; s = s->next) {
			s->closed = true;
			t->queue[t->qlen++] = s;
		}
		t->open -= src->b[i].n;
	}
	src->nb -= k;
	memmove(&src->b[0], &src->b[k], src->nb * sizeof *src->b);
	qsort(t->queue + t->qpos, t->qlen - t->qpos, sizeof *t->queue,
	    by_end_patient);
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
	t->mask = 1023;
	t->tab = xcalloc(t->mask + 1, sizeof *t->tab);
	source_get(t, 0);
	return t;
}

/* Finishes with the window handed out last: its data is released, and
 * the slot is freed, or kept as a key while its period can still get
 * readings (closed early by window_idle). */
static void
retire_handed(struct window_table *t)
{
	struct slot *s = t->handed;
	struct source *src;

	if (s == NULL)
		return;
	t->handed = NULL;
	src = source_of(t, s);
	if (t->release != NULL)
		t->release(s->w.data);
	if (s->w.end <= src->wm) {
		slot_free(t, s);
		return;
	}
	s->next = NULL;
	if (src->early_tail != NULL)
		src->early_tail->next = s;
	else
		src->early = s;
	src->early_tail = s;
}

/* Forgets early-closed windows that the watermark has now passed: the
 * watermark alone refuses their readings from here on.  The FIFO is in
 * end order as window_idle closes periods in order; the rare window of an
 * earlier period opened after an early close only waits a little longer
 * behind a later one, which is harmless. */
static void
expire_early(struct window_table *t, struct source *src)
{
	struct slot *s;

	while ((s = src->early) != NULL && s->w.end <= src->wm) {
		src->early = s->next;
		if (src->early == NULL)
			src->early_tail = NULL;
		slot_free(t, s);
	}
}

/* Raises the watermark of src to wm and closes what it passes. */
static void
advance(struct window_table *t, struct source *src, int64_t wm)
{
	if (src->wm >= wm)
		return;
	src->wm = wm;
	expire_early(t, src);
	close_until(t, src, wm);
}

void
window_free(struct window_table *t)
{
	struct slot *s, *next;

	if (t == NULL)
		return;
	/* Everything still held is freed without a watermark check. */
	for (size_t k = 0; k < t->nsrc; k++)
		t->src[k].wm = INT64_MAX;
	retire_handed(t);
	for (size_t i = t->qpos; i < t->qlen; i++) {
		if (t->release != NULL)
			t->release(t->queue[i]->w.data);
		free(t->queue[i]);
	}
	for (size_t k = 0; k < t->nsrc; k++) {
		struct source *src = &t->src[k];
		expire_early(t, src);
		for (size_t i = 0; i < src->nb; i++) {
			for (s = src->b[i].head; s != NULL; s = next) {
				next = s->next;
				if (t->release != NULL)
					t->release(s->w.data);
				free(s);
			}
		}
		free(src->b);
	}
	free(t->src);
	free(t->tab);
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

void
window_clock(struct window_table *t, int64_t now)
{
	t->now = now;
}

/* A new open window of source, last in its opening order. */
static struct window *
open_slot(struct window_table *t, uint32_t source, int64_t pos,
    const char *id, size_t len, int64_t start, uint64_t hash)
{
	struct source *src = &t->src[source];
	struct slot *s = slot_new(t, id, len, start, hash);
	struct bucket *bk;

	s->w.source = source;
	s->first_pos = pos;
	s->older = src->newest;
	if (src->newest != NULL)
		src->newest->newer = s;
	else
		src->oldest = s;
	src->newest = s;
	if (++t->held * 2 > t->mask + 1)
		tab_grow(t);
	tab_put(t, s);
	bk = bucket_for(src, start);
	s->next = bk->head;
	bk->head = s;
	bk->n++;
	if (++t->open > t->peak)
		t->peak = t->open;
	return &s->w;
}

enum window_add_status
window_add(struct window_table *t, uint32_t source, int64_t pos,
    const char *id, size_t len, int64_t time, struct window **w)
{
	int64_t start = window_start_of(t, time);
	struct source *src;
	uint64_t hash;
	struct slot *s;

	retire_handed(t);
	*w = NULL;
	src = source_get(t, source);
	if (pos >= 0) {
		if (pos <= src->max_pos)
			return WINDOW_REPLAYED;
		src->max_pos = pos;
	}
	src->last_wall = t->now;
	if (!src->seen || time > src->max_time) {
		src->seen = true;
		src->max_time = time;
		if (time - t->lateness > src->wm)
			advance(t, src, time - t->lateness);
	}
	if (start + t->width <= src->wm)
		return WINDOW_LATE;
	hash = key_hash(id, len, start);
	if ((s = tab_find(t, hash, id, len, start)) != NULL) {
		if (s->closed)
			return WINDOW_LATE;
		*w = &s->w;
		return WINDOW_FOUND;
	}
	*w = open_slot(t, source, pos, id, len, start, hash);
	return WINDOW_OPENED;
}

bool
window_pass(struct window_table *t, uint32_t source, int64_t pos)
{
	struct source *src = source_get(t, source);

	if (pos < 0 || pos <= src->max_pos)
		return false;
	src->max_pos = pos;
	src->last_wall = t->now;
	return true;
}

/* A century of silence is as good as forever, and cannot overflow. */
#define CENTURY	(INT64_C(100) * 366 * 86400 * 1000000)

void
window_idle(struct window_table *t, int64_t timeout)
{
	for (size_t k = 0; k < t->nsrc; k++) {
		struct source *src = &t->src[k];
		int64_t quiet = t->now - src->last_wall;

		if (!src->seen || src->nb == 0 || quiet < timeout || quiet <= 0)
			continue;
		if (quiet > CENTURY)
			quiet = CENTURY;
		close_until(t, src, src->max_time + quiet - t->lateness);
	}
}

int64_t
window_idle_due(const struct window_table *t, int64_t timeout)
{
	int64_t best = -1;

	if (t->qpos < t->qlen)
		return 0;
	for (size_t k = 0; k < t->nsrc; k++) {
		const struct source *src = &t->src[k];
		int64_t due;

		if (src->nb == 0)
			continue;
		/* Quiet long enough, and event time run on far enough. */
		due = src->b[0].start + t->width + t->lateness - src->max_time;
		if (due < timeout)
			due = timeout;
		due -= t->now - src->last_wall;
		if (due < 0)
			due = 0;
		if (best < 0 || due < best)
			best = due;
	}
	return best;
}

void
window_finish(struct window_table *t)
{
	for (size_t k = 0; k < t->nsrc; k++)
		advance(t, &t->src[k], INT64_MAX);
}

const struct window *
window_next(struct window_table *t)
{
	retire_handed(t);
	if (t->qpos == t->qlen)
		return NULL;
	t->handed = t->queue[t->qpos++];
	unlist(source_of(t, t->handed), t->handed);
	return &t->handed->w;
}

int64_t
window_done(const struct window_table *t, uint32_t source)
{
	const struct source *src;

	if (source >= t->nsrc)
		return -1;
	src = &t->src[source];
	if (src->oldest != NULL)
		return src->oldest->first_pos < 0 ? -1 :
		    src->oldest->first_pos - 1;
	return src->max_pos;
}

uint32_t
window_source_count(const struct window_table *t)
{
	return (uint32_t)t->nsrc;
}

void
window_source_get(const struct window_table *t, uint32_t source,
    struct window_source_state *st)
{
	const struct source *src = &t->src[source];

	st->seen = src->seen;
	st->max_time = src->max_time;
	st->wm = src->wm;
	st->max_pos = src->max_pos;
}

void
window_source_set(struct window_table *t, uint32_t source,
    const struct window_source_state *st)
{
	struct source *src = source_get(t, source);

	src->seen = st->seen;
	src->max_time = st->max_time;
	src->wm = st->wm;
	src->max_pos = st->max_pos;
	src->last_wall = t->now;
}

void
window_each_open(const struct window_table *t, uint32_t source,
    void (*fn)(const struct window *w, int64_t first_pos, void *arg),
    void *arg)
{
	if (source >= t->nsrc)
		return;
	for (const struct slot *s = t->src[source].oldest; s != NULL;
	    s = s->newer)
		fn(&s->w, s->first_pos, arg);
}

struct window *
window_restore(struct window_table *t, uint32_t source, int64_t first_pos,
    const char *id, size_t len, int64_t start)
{
	struct source *src = source_get(t, source);
	uint64_t hash = key_hash(id, len, start);

	if (window_start_of(t, start) != start ||
	    start > INT64_MAX - t->width || start + t->width <= src->wm ||
	    tab_find(t, hash, id, len, start) != NULL)
		return NULL;
	return open_slot(t, source, first_pos, id, len, start, hash);
}

int64_t
window_watermark(const struct window_table *t, uint32_t source)
{
	return source < t->nsrc ? t->src[source].wm : INT64_MIN;
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
