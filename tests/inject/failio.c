/*
 * An LD_PRELOAD shim that makes file output fail the way a full or
 * read-only disk does, for tests on machines where no small file system
 * can be mounted.  jq's inject_errors.c gave the idea.
 *
 *   VL_FAIL_ENOSPC_AFTER=N   write(2) to regular files fails with ENOSPC
 *                            once N bytes have been written to them
 *   VL_FAIL_EROFS=1          opening a file for writing, mkdir, link and
 *                            rename fail with EROFS
 *   VL_FAIL_COMMIT_WHILE=F   while the file F exists, link, rename and
 *                            renameat2 (how a Delta version is
 *                            published) fail with EIO; a test creates F
 *                            at the moment it wants a commit to fail
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static long long written;

/* Why link or rename should fail now: an errno, or 0. */
static int
publish_error(void)
{
	const char *e = getenv("VL_FAIL_EROFS");
	const char *f = getenv("VL_FAIL_COMMIT_WHILE");

	if (e != NULL && *e == '1')
		return EROFS;
	if (f != NULL && access(f, F_OK) == 0)
		return EIO;
	return 0;
}

static int
erofs(void)
{
	const char *e = getenv("VL_FAIL_EROFS");
	return e != NULL && *e == '1';
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *limit = getenv("VL_FAIL_ENOSPC_AFTER");
	struct stat st;

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
		    "write");
	if (limit != NULL && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (written + (long long)n > atoll(limit)) {
			errno = ENOSPC;
			return -1;
		}
		written += (long long)n;
	}
	return real(fd, buf, n);
}

int
open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	if (real == NULL)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (erofs() && (flags & (O_WRONLY | O_RDWR | O_CREAT))) {
		errno = EROFS;
		return -1;
	}
	return real(path, flags, mode);
}

int
mkdir(const char *path, mode_t mode)
{
	static int (*real)(const char *, mode_t);

	if (real == NULL)
		real = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	if (erofs()) {
		struct stat st;
		errno = stat(path, &st) == 0 ? EEXIST : EROFS;
		return -1;
	}
	return real(path, mode);
}

int
link(const char *a, const char *b)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
		    "link");
	if ((errno = publish_error()) != 0)
		return -1;
	return real(a, b);
}

int
rename(const char *a, const char *b)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
		    "rename");
	if ((errno = publish_error()) != 0)
		return -1;
	return real(a, b);
}

int
renameat2(int dfa, const char *a, int dfb, const char *b, unsigned flags)
{
	static int (*real)(int, const char *, int, const char *, unsigned);

	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *,
		    unsigned))dlsym(RTLD_NEXT, "renameat2");
	if ((errno = publish_error()) != 0)
		return -1;
	return real(dfa, a, dfb, b, flags);
}
