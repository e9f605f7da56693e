#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "xalloc.h"

#define WRITE_HIGH	(256u << 10)

int
writer_open(struct writer *w, const char *path, bool unbuffered)
{
	memset(w, 0, sizeof *w);
	w->unbuffered = unbuffered;
	if (path == NULL || strcmp(path, "-") == 0) {
		w->fd = STDOUT_FILENO;
		w->name = "<stdout>";
		cli_widen_pipe(w->fd);
	} else {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0666);
		if (w->fd < 0)
			return -1;
		w->name = path;
		w->own_fd = true;
	}
	w->cap = WRITE_HIGH * 2;
	w->buf = xmalloc(w->cap);
	return 0;
}

void
writer_open_fd(struct writer *w, int fd, const char *name)
{
	memset(w, 0, sizeof *w);
	w->fd = fd;
	w->name = name;
	w->cap = WRITE_HIGH * 2;
	w->buf = xmalloc(w->cap);
}

void
writer_open_memory(struct writer *w)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	w->name = "<memory>";
	w->cap = 4096;
	w->buf = xmalloc(w->cap);
}

int
writer_open_append(struct writer *w, const char *path)
{
	memset(w, 0, sizeof *w);
	w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (w->fd < 0)
		return -1;
	w->name = path;
	w->own_fd = true;
	w->cap = WRITE_HIGH * 2;
	w->buf = xmalloc(w->cap);
	return 0;
}

char *
writer_reserve(struct writer *w, size_t n)
{
	if (w->cap - w->len < n) {
		/* Flushing first keeps memory bounded on ordinary records;
		 * only a single huge record grows the buffer. */
		if (w->len > 0 && w->fd >= 0)
			writer_flush(w);
		if (w->cap - w->len < n) {
			w->cap = w->len + n + WRITE_HIGH;
			w->buf = xrealloc(w->buf, w->cap);
		}
	}
	return w->buf + w->len;
}

int
writer_flush(struct writer *w)
{
	size_t off = 0;
	ssize_t n;

	if (w->error != 0) {
		w->len = 0;
		return -1;
	}
	if (w->fd < 0)
		return 0;
	while (off < w->len) {
		n = write(w->fd, w->buf + off, w->len - off);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			struct pollfd p = { .fd = w->fd, .events = POLLOUT };
			poll(&p, 1, -1);
			continue;
		}
		w->error = errno;
		w->len = 0;
		return -1;
	}
	w->len = 0;
	return 0;
}

int
writer_end_record(struct writer *w)
{
	if (w->unbuffered || w->len >= WRITE_HIGH)
		writer_flush(w);
	return w->error != 0 ? -1 : 0;
}

void
writer_flush_hook(void *arg)
{
	writer_flush(arg);
}

int
writer_close(struct writer *w)
{
	int rc = 0;

	if (w->buf == NULL)
		return w->error != 0 ? -1 : 0;
	writer_flush(w);
	if (w->own_fd && close(w->fd) != 0 && w->error == 0)
		w->error = errno;
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	if (w->error != 0) {
		errno = w->error;
		/* Downstream closing the pipe is not an error to report. */
		if (w->error != EPIPE)
			cli_warn("write error: %s: %m", w->name);
		rc = -1;
	}
	return rc;
}
