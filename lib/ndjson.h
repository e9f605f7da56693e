/*
 * ndjson: reading lines and writing records the way a streaming filter
 * must.
 *
 * The reader works on read(2) with its own buffer: any line length up to a
 * cap (a longer line is returned truncated and marked, never a crash),
 * CRLF or LF, a missing final newline, NUL bytes inside a line.  Before
 * every read(2) that may block it calls a hook, which tools use to flush
 * their output: a live stream then flows record by record while a fast
 * stream is still written in large blocks.
 *
 * The writer is an append buffer over write(2).  It never blocks the
 * caller with a flush per record unless asked to (unbuffered).
 */
#ifndef VL_NDJSON_H
#define VL_NDJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct line {
	char *text;		/* NUL-terminated copy owned by the reader,
				 * valid until the next reader_next() */
	size_t len;		/* without "\n" and a trailing "\r" */
	bool truncated;		/* longer than max_line: text holds the first
				 * max_line bytes, the rest was skipped */
	uint64_t full_len;	/* the line's real length */
	const char *source;	/* "<stdin>" or the file name */
	uint64_t lineno;	/* 1-based, within source */
};

struct reader;

/*
 * Reads the named files in order ("-" is stdin); none means stdin.
 * A file that cannot be opened is reported, marks the reader failed and
 * is skipped, as cat(1) does.  Never returns NULL (dies on no memory).
 * paths must outlive the reader.
 */
struct reader *reader_open(char *const *paths, int npaths, size_t max_line);
void reader_close(struct reader *r);

/* fn(arg) is called before each read(2) that may block. */
void reader_on_block(struct reader *r, void (*fn)(void *), void *arg);

/*
 * While waiting for input, calls fn(arg) whenever the input has been idle
 * for fn's own deadline: fn returns how many milliseconds from now it next
 * wants to run (-1: not until more input arrives).  A streaming sink uses
 * it to commit on time when a live stream goes quiet.  fn returns
 * READER_HALT when it failed and nothing more should be read: the reader
 * then ends its input (reader_next returns 0 from then on).  That is the
 * tool's own decision, not a stop signal, so it never touches cli_stop
 * and the tool exits with its own status.
 */
#define READER_HALT (-2)
void reader_on_idle(struct reader *r, int (*fn)(void *), void *arg);

/* 1 and *out filled; 0 at the end of all input, when the idle hook
 * halted the reader, or when a stop signal arrived while waiting for
 * input (check cli_stop). */
int reader_next(struct reader *r, struct line *out);

/* True if some input could not be opened or read (already reported). */
bool reader_failed(const struct reader *r);

/* True if the line holds nothing but JSON whitespace. */
bool line_is_blank(const struct line *l);

struct writer {
	int fd;
	const char *name;	/* for messages: "<stdout>" or the path */
	char *buf;
	size_t len, cap;
	bool unbuffered;	/* flush at every record boundary */
	bool own_fd;		/* close fd in writer_close */
	int error;		/* errno of the first failed write, or 0 */
};

/*
 * Opens path for writing (truncating), or stdout when path is NULL or "-".
 * Returns 0, or -1 with errno set (nothing to close then).
 */
int writer_open(struct writer *w, const char *path, bool unbuffered);
/* A writer onto an open descriptor, which stays the caller's (it is not
 * closed by writer_close). */
void writer_open_fd(struct writer *w, int fd, const char *name);
/* A writer into memory: nothing is ever written out, the buffer just
 * grows; read w->buf[0..w->len) and reset w->len to reuse it.  Free it
 * with writer_close(). */
void writer_open_memory(struct writer *w);

/* Like writer_open, but appends to an existing file. */
int writer_open_append(struct writer *w, const char *path);

/* Writes everything buffered.  0, or -1 with w->error set; later writes
 * are then discarded, so callers may check once, at the end. */
int writer_flush(struct writer *w);

/* Call after each record: flushes when unbuffered or when the buffer is
 * full enough.  Returns 0, or -1 once the output has failed. */
int writer_end_record(struct writer *w);

/* Flushes, closes a file it opened and frees the buffer.  Returns 0, or
 * -1 with errno set if any write or the close failed; it then reports
 * "write error" itself.  Safe to call twice. */
int writer_close(struct writer *w);

/* A flush hook for reader_on_block(): arg is a struct writer *. */
void writer_flush_hook(void *arg);

/* Grows the buffer so that n more bytes fit; returns where they go. */
char *writer_reserve(struct writer *w, size_t n);

static inline void
wr_mem(struct writer *w, const void *p, size_t n)
{
	if (w->cap - w->len < n)
		writer_reserve(w, n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static inline void
wr_char(struct writer *w, char c)
{
	if (w->len == w->cap)
		writer_reserve(w, 1);
	w->buf[w->len++] = c;
}

static inline void
wr_str(struct writer *w, const char *s)
{
	wr_mem(w, s, strlen(s));
}

#endif
