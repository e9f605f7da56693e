/*
 * reader and writer (lib/reader, lib/writer): the reader's lines (LF and
 * CRLF, a missing final newline, NUL bytes, the max_line cap at its edge
 * and far beyond it, several files and the ones that cannot be read), its
 * hooks (the flush before a read that may block, the idle deadline, a
 * halt, a stop signal), and the writer's buffering and its failures: a
 * full disk, a closed descriptor and a closed pipe, which is the one
 * failure it does not report.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include "cli.h"
#include "reader.h"
#include "writer.h"

static struct unit_scratch scratch;
static char *const dir = scratch.dir;

static int
make_dir(void **state)
{
	(void)state;
	unit_scratch_make(&scratch, "reader");
	return 0;
}

static int
remove_dir(void **state)
{
	(void)state;
	unit_scratch_remove(&scratch);
	return 0;
}

/* Writes n bytes to a new file name in dir; returns its path (static
 * per slot, so a test can hold a few). */
static char *
file_of(int slot, const char *name, const void *bytes, size_t n)
{
	static char paths[4][512];
	FILE *fp;

	snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
	assert_non_null(fp = fopen(paths[slot], "w"));
	assert_int_equal(fwrite(bytes, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	return paths[slot];
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Expects the next line to be want (want_len bytes), not truncated. */
static void
expect_line(struct reader *r, const char *want, size_t want_len,
    uint64_t lineno)
{
	struct line ln;

	assert_int_equal(reader_next(r, &ln), 1);
	assert_int_equal(ln.len, want_len);
	assert_memory_equal(ln.text, want, want_len);
	/* The copy is a C string as well, for the parsers. */
	assert_int_equal(ln.text[ln.len], '\0');
	assert_false(ln.truncated);
	assert_int_equal(ln.full_len, want_len);
	assert_int_equal(ln.lineno, lineno);
}

/* Runs fn with stderr going to a file; returns what it printed there
 * (static). */
static const char *
stderr_of(void (*fn)(void *), void *arg)
{
	static char text[1024];
	char path[512];
	int saved, fd;
	ssize_t n;

	snprintf(path, sizeof path, "%s/stderr", dir);
	assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, text, sizeof text - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return text;
}

static void
test_line_ends(void **state)
{
	(void)state;
	static const char in[] = "a\nbb\r\n\n \t\r\nlast";
	char *paths[] = { file_of(0, "in", in, sizeof in - 1) };
	struct reader *r = reader_open(paths, 1, 1024);
	struct line ln;

	expect_line(r, "a", 1, 1);
	/* CRLF: the CR is part of the line end, not of the line. */
	expect_line(r, "bb", 2, 2);
	/* An empty line is a line, and blank. */
	assert_int_equal(reader_next(r, &ln), 1);
	assert_int_equal(ln.len, 0);
	assert_true(reader_line_blank(&ln));
	assert_int_equal(ln.lineno, 3);
	assert_int_equal(reader_next(r, &ln), 1);
	assert_true(reader_line_blank(&ln));
	assert_string_equal(ln.source, paths[0]);
	/* No newline at the end: the last line still comes, whole. */
	expect_line(r, "last", 4, 5);
	assert_int_equal(reader_next(r, &ln), 0);
	/* And the end stays the end. */
	assert_int_equal(reader_next(r, &ln), 0);
	assert_false(reader_failed(r));
	reader_close(r);
}

static void
test_blank(void **state)
{
	(void)state;
	char a[] = "", b[] = " \t \r", c[] = "  x ", d[] = "{}";
	struct line l = { 0 };

	l.text = a, l.len = 0;
	assert_true(reader_line_blank(&l));
	l.text = b, l.len = strlen(b);
	assert_true(reader_line_blank(&l));
	l.text = c, l.len = strlen(c);
	assert_false(reader_line_blank(&l));
	l.text = d, l.len = strlen(d);
	assert_false(reader_line_blank(&l));
}

/* NUL bytes are data: the line's length counts them. */
static void
test_nul_bytes(void **state)
{
	(void)state;
	static const char in[] = "x\0y\n\0\n";
	char *paths[] = { file_of(0, "nul", in, sizeof in - 1) };
	struct reader *r = reader_open(paths, 1, 64);
	struct line ln;

	expect_line(r, "x\0y", 3, 1);
	expect_line(r, "\0", 1, 2);
	assert_int_equal(reader_next(r, &ln), 0);
	reader_close(r);
}

/* An empty file and an empty list of lines are no lines, not an error. */
static void
test_empty(void **state)
{
	(void)state;
	char *paths[] = { file_of(0, "empty", "", 0) };
	struct reader *r = reader_open(paths, 1, 64);
	struct line ln;

	assert_int_equal(reader_next(r, &ln), 0);
	assert_false(reader_failed(r));
	reader_close(r);
}

/* Expects a truncated line: the first max bytes, and its real length. */
static void
expect_cut(struct reader *r, char fill, size_t max, uint64_t full,
    uint64_t lineno)
{
	struct line ln;

	assert_int_equal(reader_next(r, &ln), 1);
	assert_true(ln.truncated);
	assert_int_equal(ln.len, max);
	assert_int_equal(ln.full_len, full);
	assert_int_equal(ln.lineno, lineno);
	for (size_t i = 0; i < max; i++)
		assert_int_equal(ln.text[i], fill);
	assert_int_equal(ln.text[max], '\0');
}

static void
test_max_line(void **state)
{
	(void)state;
	/* Far longer than the reader's own reads, so the skipped rest of a
	 * line spans several of them. */
	const size_t big = 300000, max = 8;
	size_t n = 0;
	char *in = malloc(3 * big + 100);
	char *paths[1];
	struct reader *r;
	struct line ln;

	n += (size_t)sprintf(in + n, "12345678\n");	/* exactly max */
	n += (size_t)sprintf(in + n, "123456789\n");	/* one more */
	memset(in + n, 'x', big);
	n += big;
	in[n++] = '\n';
	n += (size_t)sprintf(in + n, "ok\n");
	memset(in + n, 'w', big);		/* CRLF */
	n += big;
	n += (size_t)sprintf(in + n, "\r\n");
	memset(in + n, 'y', big);		/* the last, no newline */
	n += big;
	paths[0] = file_of(0, "long", in, n);
	free(in);

	r = reader_open(paths, 1, max);
	expect_line(r, "12345678", 8, 1);
	assert_int_equal(reader_next(r, &ln), 1);
	assert_true(ln.truncated);
	assert_int_equal(ln.len, max);
	assert_memory_equal(ln.text, "12345678", 8);
	assert_int_equal(ln.full_len, 9);
	expect_cut(r, 'x', max, big, 3);
	/* The line after an overlong one is read from its first byte. */
	expect_line(r, "ok", 2, 4);
	expect_cut(r, 'w', max, big, 5);
	expect_cut(r, 'y', max, big, 6);
	assert_int_equal(reader_next(r, &ln), 0);
	reader_close(r);
}

/*
 * A CRLF line end is not part of the line, for the cap as for len: a
 * line of exactly max bytes is not "longer than max_line" because its
 * file came from Windows.
 */
static void
test_max_line_crlf(void **state)
{
	(void)state;
	static const char in[] = "12345678\r\n123456789\r\nabc\r\n";
	char *paths[] = { file_of(0, "crlf", in, sizeof in - 1) };
	struct reader *r = reader_open(paths, 1, 8);
	struct line ln;

	expect_line(r, "12345678", 8, 1);
	/* Longer: cut, and its real length is without the CR too. */
	assert_int_equal(reader_next(r, &ln), 1);
	assert_true(ln.truncated);
	assert_memory_equal(ln.text, "12345678", 8);
	assert_int_equal(ln.full_len, 9);
	expect_line(r, "abc", 3, 3);
	assert_int_equal(reader_next(r, &ln), 0);
	reader_close(r);
}

/* Feeds a pipe from the idle hook, one chunk before each read(2), so
 * that each read takes exactly one chunk; then ends it. */
struct feed {
	int wfd, calls;
	const char *const *chunk;
};

static int
feed_next(void *arg)
{
	struct feed *f = arg;
	const char *c = f->chunk[f->calls++];

	if (c != NULL) {
		assert_int_equal(write(f->wfd, c, strlen(c)), strlen(c));
	} else if (f->wfd >= 0) {
		close(f->wfd);
		f->wfd = -1;
	}
	return -1;
}

/*
 * The same where a read(2) ends: the CR of a line of exactly max bytes
 * comes in one read and its LF in the next; and the CR of an overlong
 * line ends one read, its LF starts the next.
 */
static void
test_max_line_crlf_split(void **state)
{
	(void)state;
	static const char *const chunks[] = { "12345678\r", "\nz\n",
	    "0123456789abc\r", "\nw\n", NULL, NULL };
	struct feed f = { .chunk = chunks };
	struct reader *r;
	struct line ln;
	int p[2], saved;

	assert_int_equal(pipe(p), 0);
	saved = dup(STDIN_FILENO);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	f.wfd = p[1];
	r = reader_open(NULL, 0, 8);
	reader_on_idle(r, feed_next, &f);
	expect_line(r, "12345678", 8, 1);
	assert_int_equal(f.calls, 2);
	expect_line(r, "z", 1, 2);
	assert_int_equal(reader_next(r, &ln), 1);
	assert_true(ln.truncated);
	assert_memory_equal(ln.text, "01234567", 8);
	assert_int_equal(ln.full_len, 13);
	assert_int_equal(f.calls, 4);
	expect_line(r, "w", 1, 4);
	assert_int_equal(reader_next(r, &ln), 0);
	reader_close(r);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

static void
read_missing(void *arg)
{
	struct reader *r = arg;

	expect_line(r, "1", 1, 1);
	/* A line without a newline ends with its file: it is not joined
	 * to the next file's first line. */
	expect_line(r, "2", 1, 2);
	expect_line(r, "3", 1, 1);
}

/* Files are read in order, numbered each from 1; one that cannot be
 * opened is reported and skipped, and marks the reader failed. */
static void
test_files(void **state)
{
	(void)state;
	char *paths[] = { file_of(0, "one", "1\n2", 3), "/nonexistent/x",
	    file_of(1, "two", "3\n", 2) };
	struct reader *r = reader_open(paths, 3, 64);
	struct line ln;
	const char *said;

	said = stderr_of(read_missing, r);
	assert_non_null(strstr(said, "/nonexistent/x"));
	assert_non_null(strstr(said, strerror(ENOENT)));
	assert_int_equal(reader_next(r, &ln), 0);
	assert_true(reader_failed(r));
	reader_close(r);
}

static void
read_dir(void *arg)
{
	struct line ln;

	assert_int_equal(reader_next(arg, &ln), 0);
}

/* A read error (a directory opens but does not read) ends that input and
 * is reported. */
static void
test_read_error(void **state)
{
	(void)state;
	char *paths[] = { dir };
	struct reader *r = reader_open(paths, 1, 64);
	const char *said;

	said = stderr_of(read_dir, r);
	assert_non_null(strstr(said, "read error"));
	assert_non_null(strstr(said, strerror(EISDIR)));
	assert_true(reader_failed(r));
	reader_close(r);
}

/* "-" and no files at all are stdin. */
static void
test_stdin(void **state)
{
	(void)state;
	char *paths[] = { "-" };
	char *file = file_of(0, "stdin", "s\n", 2);
	int saved = dup(STDIN_FILENO), fd;
	struct reader *r;
	struct line ln;

	for (int k = 0; k < 2; k++) {
		assert_true((fd = open(file, O_RDONLY)) >= 0);
		dup2(fd, STDIN_FILENO);
		close(fd);
		r = k == 0 ? reader_open(paths, 1, 64) :
		    reader_open(NULL, 0, 64);
		expect_line(r, "s", 1, 1);
		assert_int_equal(reader_next(r, &ln), 0);
		assert_false(reader_failed(r));
		reader_close(r);
	}
	dup2(saved, STDIN_FILENO);
	close(saved);
}

/*
 * The flush hook runs before the reader waits: what a tool wrote for the
 * lines it had is out before it blocks on the next one.
 */
static void
test_flush_before_read(void **state)
{
	(void)state;
	char out[512];
	struct writer w;
	struct reader *r;
	struct line ln;
	int p[2], saved;

	snprintf(out, sizeof out, "%s/out", dir);
	assert_int_equal(writer_open(&w, out, false), 0);
	assert_int_equal(pipe(p), 0);
	saved = dup(STDIN_FILENO);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	r = reader_open(NULL, 0, 64);
	reader_on_block(r, writer_flush_hook, &w);
	assert_int_equal(write(p[1], "a\n", 2), 2);
	expect_line(r, "a", 1, 1);
	writer_str(&w, "{\"out\":1}\n");
	assert_int_equal(writer_end_record(&w), 0);
	/* Buffered: a record is not a write(2) of its own. */
	assert_int_equal(file_size(out), 0);
	assert_int_equal(write(p[1], "b\n", 2), 2);
	close(p[1]);
	expect_line(r, "b", 1, 2);
	/* The read that took "b" was preceded by the flush. */
	assert_int_equal(file_size(out), 10);
	assert_int_equal(reader_next(r, &ln), 0);
	reader_close(r);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(writer_close(&w), 0);
}

struct idle {
	int calls;
	int wfd;		/* the pipe's write end */
	int mode;		/* 0: deadline then data; 1: halt */
};

static int
idle_fn(void *arg)
{
	struct idle *id = arg;

	id->calls++;
	if (id->mode == 1)
		return READER_HALT;
	if (id->calls == 1)
		return 20;	/* ms: called again when it passes */
	/* The second deadline: data arrives; none wanted until more. */
	assert_int_equal(write(id->wfd, "late\n", 5), 5);
	return -1;
}

static void
test_idle(void **state)
{
	(void)state;
	struct idle id = { 0 };
	struct reader *r;
	struct line ln;
	int p[2], saved;

	assert_int_equal(pipe(p), 0);
	saved = dup(STDIN_FILENO);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	id.wfd = p[1];
	r = reader_open(NULL, 0, 64);
	reader_on_idle(r, idle_fn, &id);
	expect_line(r, "late", 4, 1);
	assert_int_equal(id.calls, 2);

	/* A halt ends the input, data waiting or not, for good: the hook
	 * is not asked again. */
	id.mode = 1;
	id.calls = 0;
	assert_int_equal(write(p[1], "more\n", 5), 5);
	assert_int_equal(reader_next(r, &ln), 0);
	assert_int_equal(id.calls, 1);
	assert_int_equal(reader_next(r, &ln), 0);
	assert_int_equal(id.calls, 1);
	assert_false(reader_failed(r));
	assert_int_equal(cli_stop, 0);
	reader_close(r);

	/* A stop signal while waiting ends the input too, and leaves
	 * cli_stop for the tool to see. */
	r = reader_open(NULL, 0, 64);
	id.mode = 0;
	id.calls = 0;
	reader_on_idle(r, idle_fn, &id);
	cli_stop = SIGTERM;
	assert_int_equal(reader_next(r, &ln), 0);
	assert_int_equal(id.calls, 0);
	cli_stop = 0;
	reader_close(r);
	close(p[1]);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

/* A memory writer only grows, and writer_reserve gives room for any n. */
static void
test_memory_writer(void **state)
{
	(void)state;
	struct writer w;
	char *p;

	writer_open_memory(&w);
	for (int i = 0; i < 100000; i++) {
		writer_str(&w, "0123456789");
		assert_int_equal(writer_end_record(&w), 0);
	}
	assert_int_equal(w.len, 1000000);
	assert_memory_equal(w.buf + 999990, "0123456789", 10);
	p = writer_reserve(&w, 1 << 20);
	assert_ptr_equal(p, w.buf + w.len);
	memset(p, 'z', 1 << 20);
	w.len += 1 << 20;
	assert_int_equal(w.buf[w.len - 1], 'z');
	assert_int_equal(writer_close(&w), 0);
	assert_null(w.buf);
}

/*
 * A file writer: small records wait in the buffer, a long stream is
 * written as it goes in bounded memory, one huge record still goes out
 * whole, unbuffered flushes at every record, and append appends.
 */
static void
test_file_writer(void **state)
{
	(void)state;
	char path[512], rec[101];
	struct writer w;
	size_t total = 0;
	char *huge;

	snprintf(path, sizeof path, "%s/w", dir);
	memset(rec, 'r', 99);
	rec[99] = '\n';
	rec[100] = '\0';
	assert_int_equal(writer_open(&w, path, false), 0);
	assert_true(w.own_fd);
	assert_string_equal(w.name, path);
	for (int i = 0; i < 20000; i++) {
		writer_str(&w, rec);
		assert_int_equal(writer_end_record(&w), 0);
		total += 100;
		/* Memory does not follow the stream. */
		assert_true(w.cap < (1u << 20));
	}
	assert_true(file_size(path) > 0);
	assert_true(file_size(path) < (off_t)total);
	huge = malloc(4u << 20);
	memset(huge, 'h', 4u << 20);
	writer_mem(&w, huge, 4u << 20);
	writer_char(&w, '\n');
	total += (4u << 20) + 1;
	assert_int_equal(writer_end_record(&w), 0);
	free(huge);
	assert_int_equal(writer_close(&w), 0);
	assert_int_equal(file_size(path), (off_t)total);
	/* Closing twice is harmless. */
	assert_int_equal(writer_close(&w), 0);

	assert_int_equal(writer_open(&w, path, true), 0);	/* truncates */
	assert_int_equal(file_size(path), 0);
	writer_str(&w, "u\n");
	assert_int_equal(writer_end_record(&w), 0);
	assert_int_equal(file_size(path), 2);
	assert_int_equal(writer_close(&w), 0);

	assert_int_equal(writer_open_append(&w, path), 0);
	writer_str(&w, "v\n");
	assert_int_equal(writer_close(&w), 0);
	FILE *fp = fopen(path, "r");
	char back[8] = "";
	assert_non_null(fp);
	assert_int_equal(fread(back, 1, sizeof back, fp), 4);
	fclose(fp);
	assert_memory_equal(back, "u\nv\n", 4);

	/* A path that cannot be opened: -1 and errno, nothing to close. */
	assert_int_equal(writer_open(&w, "/nonexistent/dir/f", false), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(writer_open_append(&w, "/nonexistent/dir/f"), -1);
	assert_int_equal(errno, ENOENT);
}

/* A writer on the caller's descriptor leaves it open. */
static void
test_fd_writer(void **state)
{
	(void)state;
	char path[512];
	struct writer w;
	int fd;

	snprintf(path, sizeof path, "%s/fd", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
	writer_open_fd(&w, fd, "mine");
	assert_false(w.own_fd);
	writer_str(&w, "x\n");
	assert_int_equal(writer_close(&w), 0);
	assert_true(fcntl(fd, F_GETFD) >= 0);
	assert_int_equal(write(fd, "y\n", 2), 2);
	close(fd);
	assert_int_equal(file_size(path), 4);

	assert_int_equal(writer_open(&w, "-", false), 0);
	assert_int_equal(w.fd, STDOUT_FILENO);
	assert_false(w.own_fd);
	assert_string_equal(w.name, "<stdout>");
	assert_int_equal(writer_close(&w), 0);
}

struct closing {
	struct writer *w;
	int rc, err;
};

static void
close_writer(void *arg)
{
	struct closing *c = arg;

	c->rc = writer_close(c->w);
	c->err = errno;
}

/*
 * A full disk: the failed flush is remembered, later writes are dropped
 * (so a caller may check once, at the end), and close says "write
 * error" with the reason and returns -1 with errno.
 */
static void
test_write_error(void **state)
{
	(void)state;
	struct writer w;
	struct closing c = { .w = &w };
	const char *said;
	int rc = 0;

	if (access("/dev/full", W_OK) != 0)
		unit_skip("/dev/full: %s, so no write can fail with ENOSPC",
		    strerror(errno));
	assert_int_equal(writer_open(&w, "/dev/full", false), 0);
	for (int i = 0; i < 10000 && rc == 0; i++) {
		writer_str(&w, "0123456789abcdef0123456789abcdef\n");
		rc = writer_end_record(&w);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(w.error, ENOSPC);
	writer_str(&w, "more\n");
	assert_int_equal(writer_flush(&w), -1);
	assert_int_equal(w.len, 0);
	assert_int_equal(writer_end_record(&w), -1);
	said = stderr_of(close_writer, &c);
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.err, ENOSPC);
	assert_non_null(strstr(said, "write error: /dev/full"));
	assert_non_null(strstr(said, strerror(ENOSPC)));
	/* Closing again still says it failed. */
	assert_int_equal(writer_close(&w), -1);

	/* A descriptor closed under it: EBADF at the final flush.  A high
	 * number, that no file opened meanwhile is given. */
	int fd = open("/dev/null", O_WRONLY);
	assert_int_equal(dup2(fd, 900), 900);
	close(fd);
	close(900);
	writer_open_fd(&w, 900, "gone");
	writer_str(&w, "x\n");
	assert_int_equal(writer_end_record(&w), 0);	/* still buffered */
	said = stderr_of(close_writer, &c);
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.err, EBADF);
	assert_non_null(strstr(said, "write error: gone"));
}

/* A closed pipe downstream (head(1) has what it wanted) fails the
 * writer, but is not an error to print. */
static void
test_closed_pipe(void **state)
{
	(void)state;
	struct writer w;
	struct closing c = { .w = &w };
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int p[2];

	assert_int_equal(pipe(p), 0);
	close(p[0]);
	writer_open_fd(&w, p[1], "<stdout>");
	writer_str(&w, "x\n");
	assert_string_equal(stderr_of(close_writer, &c), "");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.err, EPIPE);
	close(p[1]);
	signal(SIGPIPE, old);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_max_line),
		cmocka_unit_test(test_max_line_crlf),
		cmocka_unit_test(test_max_line_crlf_split),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_flush_before_read),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_memory_writer),
		cmocka_unit_test(test_file_writer),
		cmocka_unit_test(test_fd_writer),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_closed_pipe),
	};

	cli_init(argc, argv);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
