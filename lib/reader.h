/*
 * reader: reading lines the way a streaming filter must.
 *
 * The reader works on read(2) with its own buffer: any line length up to a
 * cap (a longer line is returned truncated and marked, never a crash),
 * CRLF or LF, a missing final newline, NUL bytes inside a line.  Before
 * every read(2) that may block it calls a hook, which tools use to flush
 * their output: a live stream then flows record by record while a fast
 * stream is still written in large blocks.
 */
#ifndef VL_READER_H
#define VL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
bool reader_line_blank(const struct line *l);

#endif
