/*
 * rejects: the counts every tool keeps add up (in = out + rejected +
 * duplicates, blank lines apart), and a rejected line reaches the rejects
 * file with its reason, where it came from, and its text; when a write
 * to it fails, even half way, it holds whole lines only and the close
 * says how many were not recorded.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "cli.h"
#include "rejects.h"

/* write(2) to regular files, failing the fail_at'th call (EIO), and
 * with short_first writing only half of the call before it, as a disk
 * filling up does.  The test program's definition replaces libc's. */
static long write_calls, fail_at = -1;
static bool short_first;

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	struct stat st;

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
		    "write");
	if (fail_at > 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (++write_calls == fail_at) {
			errno = EIO;
			return -1;
		}
		if (short_first && write_calls == fail_at - 1 && n > 1)
			n /= 2;
	}
	return real(fd, buf, n);
}

static struct line
make_line(char *text, bool truncated, uint64_t full_len, uint64_t lineno)
{
	struct line ln = { .text = text, .len = strlen(text),
	    .truncated = truncated, .full_len = full_len, .source = "in.ndjson",
	    .lineno = lineno };
	return ln;
}

static void
test_counts_take(void **state)
{
	char path[] = "/tmp/test_rejects.XXXXXX";
	char blank[] = " \t", rec[] = "{\"a\":1}", cut[] = "{\"a\":\"xxxx";
	struct line l_blank = make_line(blank, false, 2, 1);
	struct line l_rec = make_line(rec, false, 7, 2);
	struct line l_cut = make_line(cut, true, 20000000, 3);
	struct counts n = { 0 };
	struct rejects rj = { 0 };
	json_error_t je;
	json_t *j;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(rejects_open(&rj, path), 0);

	assert_false(counts_take(&n, &rj, &l_blank));
	assert_true(counts_take(&n, &rj, &l_rec));
	assert_false(counts_take(&n, &rj, &l_cut));
	/* A blank line is neither in nor rejected; the cut one is both. */
	assert_int_equal(n.blank, 1);
	assert_int_equal(n.in, 2);
	assert_int_equal(n.rejected, 1);
	assert_int_equal(rejects_count(&rj, "line_too_long"), 1);
	assert_int_equal(rejects_close(&rj), 0);

	j = json_load_file(path, 0, &je);
	if (j == NULL)
		fail_msg("%s: %s", path, je.text);
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	    "line_too_long");
	assert_string_equal(json_string_value(json_object_get(j, "detail")),
	    "line of 20000000 bytes is longer than --max-line");
	assert_string_equal(json_string_value(json_object_get(j, "source")),
	    "in.ndjson");
	assert_int_equal(json_integer_value(json_object_get(j, "line")), 3);
	/* What was kept of the line, and how long it really was. */
	assert_string_equal(json_string_value(json_object_get(j, "text")), cut);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_int_equal(json_integer_value(json_object_get(j, "length")),
	    20000000);
	json_decref(j);
	rejects_free(&rj);
	unlink(path);
}

/* Adds 8,000 rejects (about 1.2 MB, several 256 kB blocks) with the fail_at'th
 * write failing; checks the file holds the first lines, each whole, and
 * that the close says how many were not recorded. */
static void
fail_writes(long at, bool half)
{
	char path[] = "/tmp/test_rejects.XXXXXX", text[160];
	struct rejects rj;
	FILE *fp;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t got = 0;
	int fd;

	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(rejects_open(&rj, path), 0);
	write_calls = 0;
	fail_at = at;
	short_first = half;
	for (int i = 1; i <= 8000; i++) {
		snprintf(text, sizeof text, "{\"n\":%d,\"pad\":\"%0100d\"}",
		    i, i);
		struct line ln = make_line(text, false, strlen(text),
		    (uint64_t)i);
		rejects_add(&rj, &ln, "bad_type", "a detail", NULL);
	}
	assert_int_equal(rejects_close(&rj), -1);
	fail_at = -1;
	assert_true(rj.recorded < 8000);
	assert_int_equal(rj.recorded + rj.lost, 8000);
	/* Whole lines, the first ones, in order. */
	assert_non_null(fp = fopen(path, "r"));
	while ((len = getline(&buf, &cap, fp)) > 0) {
		json_t *j = json_loadb(buf, (size_t)len, 0, NULL);
		assert_int_equal(buf[len - 1], '\n');
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "line")),
		    (json_int_t)++got);
		json_decref(j);
	}
	fclose(fp);
	free(buf);
	assert_int_equal(got, rj.recorded);
	rejects_free(&rj);
	unlink(path);
}

static void
test_write_fails(void **state)
{
	(void)state;
	/* The first block, a later one, each after half a block went out. */
	fail_writes(1, false);
	fail_writes(3, false);
	fail_writes(2, true);
	fail_writes(4, true);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_take),
		cmocka_unit_test(test_write_fails),
	};

	cli_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
