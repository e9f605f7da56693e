#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/*
 * A FIFO ring of entries in arrival order, and an open-addressing table
 * (linear probing) of ring positions.  Forgetting the oldest entry removes
 * its slot with backward-shift deletion, so probe chains stay intact
 * without tombstones.
 */
struct entry {
	uint64_t key, fp;
	int64_t time;
};

struct dedup {
	struct entry *ring;
	size_t cap, head, count;	/* oldest at head */
	uint32_t *table;		/* ring index + 1, 0 = empty */
	size_t mask;
	int64_t window, newest;
};

struct dedup *
dedup_new(size_t capacity, int64_t window_us)
{
	struct dedup *d = xcalloc(1, sizeof *d);
	size_t tsize = 16;

	if (capacity < 1)
		capacity = 1;
	if (capacity > UINT32_MAX / 4)
		capacity = UINT32_MAX / 4;
	while (tsize < capacity * 2)
		tsize *= 2;
	d->ring = xcalloc(capacity, sizeof *d->ring);
	d->cap = capacity;
	d->table = xcalloc(tsize, sizeof *d->table);
	d->mask = tsize - 1;
	d->window = window_us;
	d->newest = INT64_MIN;
	return d;
}

void
dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	free(d->ring);
	free(d->table);
	free(d);
}

size_t
dedup_size(const struct dedup *d)
{
	return d->count;
}

static size_t
home(const struct dedup *d, uint64_t key)
{
	return (size_t)(key ^ (key >> 29)) & d->mask;
}

static void
forget_oldest(struct dedup *d)
{
	uint32_t want = (uint32_t)d->head + 1;
	size_t i = home(d, d->ring[d->head].key), j;

	while (d->table[i] != want)
		i = (i + 1) & d->mask;
	/* Backward-shift: pull later chain members into the hole. */
	for (j = (i + 1) & d->mask; d->table[j] != 0; j = (j + 1) & d->mask) {
		size_t h = home(d, d->ring[d->table[j] - 1].key);
		/* Move j into hole i unless its home lies cyclically in
		 * (i, j]. */
		if (((j - h) & d->mask) >= ((j - i) & d->mask)) {
			d->table[i] = d->table[j];
			i = j;
		}
	}
	d->table[i] = 0;
	d->head = (d->head + 1) % d->cap;
	d->count--;
}

enum dedup_result
dedup_check(struct dedup *d, uint64_t key, uint64_t fp, int64_t time)
{
	size_t i, pos;

	if (time > d->newest)
		d->newest = time;
	while (d->count > 0 &&
	    d->ring[d->head].time < d->newest - d->window)
		forget_oldest(d);
	for (i = home(d, key); d->table[i] != 0; i = (i + 1) & d->mask) {
		const struct entry *e = &d->ring[d->table[i] - 1];
		if (e->key == key)
			return e->fp == fp ? DEDUP_REPEAT : DEDUP_CONFLICT;
	}
	if (d->count == d->cap) {
		forget_oldest(d);
		/* The hole may have been on our probe path. */
		for (i = home(d, key); d->table[i] != 0;
		    i = (i + 1) & d->mask)
			;
	}
	pos = (d->head + d->count) % d->cap;
	d->ring[pos] = (struct entry){ key, fp, time };
	d->table[i] = (uint32_t)pos + 1;
	d->count++;
	return DEDUP_NEW;
}
