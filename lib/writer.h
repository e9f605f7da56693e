/*
 * writer: writing records the way a streaming filter must.
 *
 * The writer is an append buffer over write(2).  It never blocks the
 * caller with a flush per record unless asked to (unbuffered).
 */
#ifndef VL_WRITER_H
#define VL_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
writer_mem(struct writer *w, const void *p, size_t n)
{
	if (w->cap - w->len < n)
		writer_reserve(w, n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static inline void
writer_char(struct writer *w, char c)
{
	if (w->len == w->cap)
		writer_reserve(w, 1);
	w->buf[w->len++] = c;
}

static inline void
writer_str(struct writer *w, const char *s)
{
	writer_mem(w, s, strlen(s));
}

#endif
