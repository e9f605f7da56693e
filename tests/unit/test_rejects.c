/*
 * rejects: the counts every tool keeps add up (in = out + rejected +
 * duplicates, blank lines apart), and a rejected line reaches the rejects
 * file with its reason, where it came from, and its text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "cli.h"
#include "rejects.h"

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

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_take),
	};

	cli_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
