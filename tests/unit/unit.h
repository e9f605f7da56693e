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

#include "schema.h"

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

/* Scratch space for a group of tests: a directory, and the path of a
 * Delta table in it (made by the tests, not here). */
struct unit_scratch {
	char dir[256];
	char table[300];
};

/* Makes s->dir (unit_tmpdir, named after name) and names s->table. */
static inline void
unit_scratch_make(struct unit_scratch *s, const char *name)
{
	unit_tmpdir(s->dir, sizeof s->dir, name);
	snprintf(s->table, sizeof s->table, "%s/table", s->dir);
}

/* Removes the table, if there is one, so the next test starts without. */
static inline void
unit_scratch_no_table(const struct unit_scratch *s)
{
	if (access(s->table, F_OK) == 0)
		unit_rmtree(s->table);
}

/* Removes s->dir and everything in it. */
static inline void
unit_scratch_remove(const struct unit_scratch *s)
{
	unit_rmtree(s->dir);
}

/* One field of a StructType, as JSON text, for schemas written in a
 * test: UNIT_FIELD("hr", "integer", "true"). */
#define UNIT_FIELD(name, type, null) "{\"name\":\"" name "\",\"type\":\"" \
	type "\",\"nullable\":" null ",\"metadata\":{}}"

/* A StructType written in the test; the test fails with the parser's
 * message when it is not one. */
static inline struct schema *
unit_schema(const char *text)
{
	char err[256];
	struct schema *s = schema_parse(text, strlen(text), err, sizeof err);

	if (s == NULL)
		fail_msg("%s", err);
	return s;
}

/* The builtin "reading" schema (schemas/reading.json), for the tests of
 * what reads or writes device readings: loaded by unit_reading_setup and
 * freed by unit_reading_teardown, a group's fixtures. */
static struct schema *unit_reading __attribute__((unused));

static inline int
unit_reading_setup(void **state)
{
	char err[256];

	(void)state;
	if ((unit_reading = schema_load("reading", err, sizeof err)) == NULL)
		print_message("reading schema: %s\n", err);
	return unit_reading == NULL ? -1 : 0;
}

static inline int
unit_reading_teardown(void **state)
{
	(void)state;
	schema_free(unit_reading);
	unit_reading = NULL;
	return 0;
}

#endif
