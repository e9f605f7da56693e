/*
 * xalloc: allocation that cannot fail.  Out of memory is not a condition a
 * filter can recover from record by record, so these print
 * "tool: out of memory" and exit 1 instead of returning NULL; call sites
 * stay short and every allocation is checked.
 */
#ifndef VL_XALLOC_H
#define VL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *arr (of elements of size elem) to hold at least need elements,
 * doubling; *cap is updated. */
void xgrow(void *arr, size_t *cap, size_t need, size_t elem);

/* What the functions above do when the allocator fails, for a library
 * that allocates itself and says so (zlib's Z_MEM_ERROR, zstd's
 * memory_allocation): out of memory is never taken for bad data. */
_Noreturn void xalloc_fail(void);

#endif
