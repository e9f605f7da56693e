#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xalloc.h"

#define READ_CHUNK	(256u << 10)

struct reader {
	char *const *paths;
	int npaths, next_path;
	int fd;			/* -1 between sources */
	const char *source;
	uint64_t lineno;
	char *buf;		/* input bytes buf[start..end) */
	size_t cap, start, end, scanned;
	bool eof;		/* current source has no more bytes */
	size_t max_line;
	char *trunc;		/* the kept head of an overlong line */
	bool failed;
	void (*hook)(void *);
	void *hook_arg;
	int (*idle)(void *);
	void *idle_arg;
	bool halted;		/* the idle hook returned READER_HALT */
};

struct reader *
reader_open(char *const *paths, int npaths, size_t max_line)
{
	struct reader *r = xcalloc(1, sizeof *r);

	r->paths = paths;
	r->npaths = npaths;
	r->fd = -1;
	r->max_line = max_line;
	r->cap = READ_CHUNK * 2;
	r->buf = xmalloc(r->cap);
	return r;
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	if (r->fd > 0)
		close(r->fd);
	free(r->buf);
	free(r->trunc);
	free(r);
}

void
reader_on_block(struct reader *r, void (*fn)(void *), void *arg)
{
	r->hook = fn;
	r->hook_arg = arg;
}

void
reader_on_idle(struct reader *r, int (*fn)(void *), void *arg)
{
	r->idle = fn;
	r->idle_arg = arg;
}

/* Waits until the input is readable, running the idle hook on its
 * deadlines.  Returns -1 if a stop signal came meanwhile or the hook
 * halted the reader. */
static int
wait_readable(struct reader *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	int timeout;

	if (r->idle == NULL)
		return 0;
	for (;;) {
		if (cli_stop)
			return -1;
		timeout = r->idle(r->idle_arg);
		if (timeout == READER_HALT) {
			r->halted = true;
			return -1;
		}
		if (cli_stop)
			return -1;
		if (timeout < 0)
			return 0;
		int n = poll(&p, 1, timeout);
		if (n > 0 || (n < 0 && errno != EINTR))
			return 0;
	}
}

bool
reader_failed(const struct reader *r)
{
	return r->failed;
}

bool
reader_line_blank(const struct line *l)
{
	for (size_t i = 0; i < l->len; i++) {
		char c = l->text[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return false;
	}
	return true;
}

/* Opens the next source; false when there is none. */
static bool
next_source(struct reader *r)
{
	const char *path;

	for (;;) {
		if (r->npaths == 0 && r->next_path == 0) {
			path = "-";
		} else if (r->next_path < r->npaths) {
			path = r->paths[r->next_path];
		} else {
			return false;
		}
		r->next_path++;
		r->lineno = 0;
		r->start = r->end = r->scanned = 0;
		r->eof = false;
		if (strcmp(path, "-") == 0) {
			r->fd = STDIN_FILENO;
			r->source = "<stdin>";
			cli_widen_pipe(r->fd);
			return true;
		}
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd >= 0) {
			r->source = path;
			return true;
		}
		cli_warn("%s: %m", path);
		r->failed = true;
		if (r->npaths == 0)
			return false;
	}
}

static void
end_source(struct reader *r)
{
	if (r->fd > 0)
		close(r->fd);
	r->fd = -1;
}

/*
 * Reads more bytes into the buffer.  Returns 1 when bytes arrived, 0 at
 * the end of the source, -1 when a stop signal interrupted the wait.
 */
static int
fill(struct reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scanned -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < READ_CHUNK + 1) {
		r->cap = r->end + READ_CHUNK * 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	if (r->hook != NULL)
		r->hook(r->hook_arg);
	if (wait_readable(r) < 0)
		return -1;
	for (;;) {
		if (cli_stop)
			return -1;
		n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);
		if (n > 0) {
			r->end += (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		cli_warn("%s: read error: %m", r->source);
		r->failed = true;
		return 0;
	}
}

static void
set_line(struct reader *r, struct line *out, char *text, size_t len)
{
	text[len] = '\0';
	if (len > 0 && text[len - 1] == '\r')
		text[--len] = '\0';
	out->text = text;
	out->len = len;
	out->truncated = false;
	out->full_len = len;
	out->source = r->source;
	out->lineno = ++r->lineno;
}

/* Skips the rest of an overlong line, keeping its head in r->trunc. */
static int
skip_long_line(struct reader *r, struct line *out)
{
	uint64_t total = r->end - r->start;
	bool cr = r->buf[r->end - 1] == '\r';	/* the last byte so far */
	char *nl;
	int got;

	if (r->trunc == NULL)
		r->trunc = xmalloc(r->max_line + 1);
	memcpy(r->trunc, r->buf + r->start, r->max_line);
	r->start = r->end = r->scanned = 0;
	for (;;) {
		got = fill(r);
		if (got < 0)
			return 0;
		if (got == 0) {
			r->eof = true;
			break;
		}
		nl = memchr(r->buf, '\n', r->end);
		if (nl != NULL) {
			total += (uint64_t)(nl - r->buf);
			if (nl > r->buf)
				cr = nl[-1] == '\r';
			r->start = r->scanned = (size_t)(nl - r->buf) + 1;
			break;
		}
		total += r->end;
		cr = r->buf[r->end - 1] == '\r';
		r->end = r->scanned = 0;
	}
	set_line(r, out, r->trunc, r->max_line);
	out->truncated = true;
	/* Like len, the real length leaves out a CRLF's CR. */
	out->full_len = total - cr;
	return 1;
}

int
reader_next(struct reader *r, struct line *out)
{
	char *nl;
	int got;

	if (r->halted)
		return 0;
	for (;;) {
		if (r->fd < 0 && !next_source(r))
			return 0;
		nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
		if (nl != NULL) {
			size_t len = (size_t)(nl - (r->buf + r->start));
			char *text = r->buf + r->start;
			/* The cap is on the line, not its line end: CRLF
			 * and LF files hold the same lines. */
			size_t bare = len > 0 && text[len - 1] == '\r' ?
			    len - 1 : len;

			r->start = r->scanned = (size_t)(nl - r->buf) + 1;
			if (bare > r->max_line) {
				/* Keep the documented cap even when the whole
				 * line happened to fit in one read. */
				set_line(r, out, text, r->max_line);
				out->truncated = true;
				out->full_len = bare;
				return 1;
			}
			set_line(r, out, text, len);
			return 1;
		}
		r->scanned = r->end;
		/* A CR just past the cap may be the first half of a CRLF
		 * line end: wait for the byte after it. */
		if (r->end > r->start && r->end - r->start > r->max_line +
		    (r->buf[r->end - 1] == '\r'))
			return skip_long_line(r, out);
		if (!r->eof) {
			got = fill(r);
			if (got < 0)
				return 0;
			if (got == 0)
				r->eof = true;
			continue;
		}
		if (r->end > r->start) {
			/* The last line had no newline. */
			char *text = r->buf + r->start;
			size_t len = r->end - r->start;

			r->start = r->scanned = r->end;
			set_line(r, out, text, len);
			return 1;
		}
		end_source(r);
		if (r->npaths == 0 || r->next_path >= r->npaths)
			return 0;
	}
}
