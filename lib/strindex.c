#include "strindex.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hash.h"
#include "xalloc.h"

/* The slot that holds s, or the empty slot where it would go. */
static size_t
slot_of(const struct strindex *t, const char *s, size_t len)
{
	size_t i = (size_t)hash_bytes(s, len, 0) & t->mask;

	for (; t->slot[i] != 0; i = (i + 1) & t->mask) {
		const struct strindex_entry *e = &t->e[t->slot[i] - 1];
		if (e->len == len && memcmp(e->s, s, len) == 0)
			break;
	}
	return i;
}

/* Keeps the table at most half full, so that probes stay short. */
static void
grow(struct strindex *t)
{
	size_t size = t->slot ? (t->mask + 1) * 2 : 64;

	free(t->slot);
	t->slot = xcalloc(size, sizeof *t->slot);
	t->mask = size - 1;
	for (size_t k = 0; k < t->n; k++)
		t->slot[slot_of(t, t->e[k].s, t->e[k].len)] = (uint32_t)k + 1;
}

uint32_t
strindex_add(struct strindex *t, const char *s, size_t len, bool *added)
{
	size_t i;

	if (t->slot == NULL || (t->n + 1) * 2 > t->mask + 1)
		grow(t);
	i = slot_of(t, s, len);
	if (added != NULL)
		*added = t->slot[i] == 0;
	if (t->slot[i] != 0)
		return t->slot[i] - 1;
	if (t->n >= STRINDEX_NONE - 1)
		cli_die(EXIT_FAIL, "more than %u distinct strings",
		    STRINDEX_NONE - 1);
	xgrow(&t->e, &t->cap, t->n + 1, sizeof *t->e);
	t->e[t->n].s = xmalloc(len + 1);
	memcpy(t->e[t->n].s, s, len);
	t->e[t->n].s[len] = '\0';
	t->e[t->n].len = len;
	t->slot[i] = (uint32_t)t->n + 1;
	return (uint32_t)t->n++;
}

uint32_t
strindex_find(const struct strindex *t, const char *s, size_t len)
{
	size_t i;

	if (t->slot == NULL)
		return STRINDEX_NONE;
	i = slot_of(t, s, len);
	return t->slot[i] ? t->slot[i] - 1 : STRINDEX_NONE;
}

void
strindex_free(struct strindex *t)
{
	for (size_t k = 0; k < t->n; k++)
		free(t->e[k].s);
	free(t->e);
	free(t->slot);
	memset(t, 0, sizeof *t);
}
