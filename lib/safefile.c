#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

int
safefile_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
safefile_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc, saved;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* The directory part of path: "." when there is none. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	d = xmalloc((size_t)(slash - path) + 1);
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

int
safefile_write(const char *path, const void *buf, size_t len, char *err,
    size_t errlen)
{
	static unsigned serial;
	size_t n = strlen(path) + 48;
	char *tmp, *dir = NULL;
	const char *step;
	struct stat st;
	int fd, saved;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		step = "open";
		if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
			goto fail_direct;
		step = "write";
		if (safefile_write_all(fd, buf, len) != 0) {
			saved = errno;
			close(fd);
			errno = saved;
			goto fail_direct;
		}
		step = "close";
		if (close(fd) != 0)
			goto fail_direct;
		return 0;
fail_direct:
		snprintf(err, errlen, "%s: cannot %s: %s", path, step,
		    strerror(errno));
		return -1;
	}
	tmp = xmalloc(n);

	/* Unique to this process and call, so two writers of one path do
	 * not share a temporary file; the last rename wins whole. */
	snprintf(tmp, n, "%s.tmp.%ld.%u", path, (long)getpid(), serial++);
	step = "create a temporary file";
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		goto fail;
	step = "write";
	if (safefile_write_all(fd, buf, len) != 0)
		goto fail_fd;
	step = "fsync";
	if (fsync(fd) != 0)
		goto fail_fd;
	step = "close";
	if (close(fd) != 0) {
		fd = -1;
		goto fail_fd;
	}
	step = "rename";
	if (rename(tmp, path) != 0) {
		fd = -1;
		goto fail_fd;
	}
	/* The content is in place; a failed directory fsync only risks
	 * the rename on a power cut, and is reported as a failure. */
	dir = dir_of(path);
	step = "fsync its directory";
	if (safefile_fsync_dir(dir) != 0)
		goto fail;
	free(dir);
	free(tmp);
	return 0;
fail_fd:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
fail:
	snprintf(err, errlen, "%s: cannot %s: %s", path, step, strerror(errno));
	free(dir);
	free(tmp);
	return -1;
}

int
safefile_mkdirs(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof buf) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return -1;
	return 0;
}
