/*
 * unit: what the unit tests share.  Include it after <cmocka.h>.
 *
 * A test that cannot do its job here (data from ../shared absent, a tool
 * missing) must say so and be counted as skipped, never as passed: a
 * suite that passes only because nothing ran proves nothing.  cmocka's
 * skip() marks it [  SKIPPED ]; the "SKIP: " line before it says why,
 * and make unit shows both.  Skip before allocating anything: skip()
 * leaves the test by longjmp, and ASan would report what it held.
 */
#ifndef VL_TEST_UNIT_H
#define VL_TEST_UNIT_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Skips the running test; the arguments are printf's, a literal first. */
#define unit_skip(...) do {						\
	print_message("SKIP: " __VA_ARGS__);				\
	print_message("\n");						\
	skip();								\
} while (0)

/* Where the shared data is: $VL_SHARED, else ../shared as seen from the
 * top of the tree, where make runs the tests. */
static inline const char *
unit_shared_root(void)
{
	const char *root = getenv("VL_SHARED");

	return root != NULL && *root != '\0' ? root : "../shared";
}

/* The path of rel in the shared data if it is there, else NULL.  In a
 * static buffer, valid until the next call. */
static inline const char *
unit_shared(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof buf, "%s/%s", unit_shared_root(), rel);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

/* As unit_shared, but skips the test when rel is not there. */
#define unit_need_shared(path, rel) do {				\
	if (((path) = unit_shared(rel)) == NULL)			\
		unit_skip("%s/%s is absent (VL_SHARED names the "	\
		    "folder that holds it)", unit_shared_root(), (rel));\
} while (0)

/* A new scratch directory under $TMPDIR (or /tmp), its path in buf. */
static inline char *
unit_tmpdir(char *buf, size_t n, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, n, "%s/vl-%s.XXXXXX", tmp != NULL && *tmp != '\0' ?
	    tmp : "/tmp", name);
	assert_non_null(mkdtemp(buf));
	return buf;
}

static inline int
unit_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a scratch directory and everything in it. */
static inline void
unit_rmtree(const char *dir)
{
	assert_int_equal(nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS),
	    0);
}

#endif
