#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

void
xalloc_fail(void)
{
	cli_die(EXIT_FAIL, "out of memory");
}

static void *
check(void *p)
{
	if (p == NULL)
		xalloc_fail();
	return p;
}

void *
xmalloc(size_t n)
{
	return check(malloc(n ? n : 1));
}

void *
xcalloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1));
}

void *
xrealloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1));
}

char *
xstrdup(const char *s)
{
	return check(strdup(s));
}

char *
xstrndup(const char *s, size_t n)
{
	return check(strndup(s, n));
}

void
xgrow(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	size_t c = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*p = xrealloc(*p, c * elem);
	*cap = c;
}
