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
 *   VL_FAIL_NTH=KIND:N       the Nth call of one kind fails with EIO (as
 *                            SQLite's tests fail the Nth I/O): write (to a
 *                            regular file), open (for writing), mkdir,
 *                            fsync, rename (rename and renameat2), link,
 *                            unlink (unlink and unlinkat, rmdir included),
 *                            and, built with -DFAIL_ALLOC, alloc (malloc,
 *                            calloc and realloc return NULL with ENOMEM;
 *                            not under ASan, whose allocator this would
 *                            bypass).  Allocations made by libcrypto,
 *                            by libstdc++ (C++'s new, under libsnappy)
 *                            and by librdkafka are spared and not
 *                            counted: OpenSSL 3.0 dereferences a lock its
 *                            failed start left NULL, new throws through
 *                            snappy's C interface, and librdkafka's
 *                            rd_malloc asserts (aborts) on NULL, in its
 *                            own threads too, and none of them can be
 *                            fixed here
 *   VL_FAIL_COUNT=FILE       at exit, write to FILE how many calls of each
 *                            kind the run made ("write 12" lines), so a
 *                            test knows every N to try
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static long long written;

enum kind {
	K_WRITE, K_OPEN, K_MKDIR, K_FSYNC, K_RENAME, K_LINK, K_UNLINK,
	K_ALLOC, K_COUNT
};
static const char *const kind_name[K_COUNT] = {
	"write", "open", "mkdir", "fsync", "rename", "link", "unlink", "alloc"
};
static long calls[K_COUNT];

/* Counts a call of kind k; true when it is the one to fail. */
static int
nth(enum kind k)
{
	const char *spec = getenv("VL_FAIL_NTH");
	size_t n;

	calls[k]++;
	if (spec == NULL)
		return 0;
	n = strlen(kind_name[k]);
	return strncmp(spec, kind_name[k], n) == 0 && spec[n] == ':' &&
	    atol(spec + n + 1) == calls[k];
}

__attribute__((destructor)) static void
report_counts(void)
{
	const char *path = getenv("VL_FAIL_COUNT");
	int (*real_open)(const char *, int, ...);
	ssize_t (*real_write)(int, const void *, size_t);
	char line[64];
	int fd;

	if (path == NULL)
		return;
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
	    "write");
	if ((fd = real_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return;
	for (int k = 0; k < K_COUNT; k++) {
#ifndef FAIL_ALLOC
		if (k == K_ALLOC)
			continue;
#endif
		int len = snprintf(line, sizeof line, "%s %ld\n", kind_name[k],
		    calls[k]);
		if (real_write(fd, line, (size_t)len) < 0)
			break;
	}
	close(fd);
}

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
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && nth(K_WRITE)) {
		errno = EIO;
		return -1;
	}
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
	if ((flags & (O_WRONLY | O_RDWR | O_CREAT)) && nth(K_OPEN)) {
		errno = EIO;
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
	if (nth(K_MKDIR)) {
		errno = EIO;
		return -1;
	}
	return real(path, mode);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (nth(K_FSYNC)) {
		errno = EIO;
		return -1;
	}
	return real(fd);
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
	if (nth(K_LINK)) {
		errno = EIO;
		return -1;
	}
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
	if (nth(K_RENAME)) {
		errno = EIO;
		return -1;
	}
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
	if (nth(K_RENAME)) {
		errno = EIO;
		return -1;
	}
	return real(dfa, a, dfb, b, flags);
}

int
unlink(const char *path)
{
	static int (*real)(const char *);

	if (real == NULL)
		real = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
	if (nth(K_UNLINK)) {
		errno = EIO;
		return -1;
	}
	return real(path);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	static int (*real)(int, const char *, int);

	if (real == NULL)
		real = (int (*)(int, const char *, int))dlsym(RTLD_NEXT,
		    "unlinkat");
	if (nth(K_UNLINK)) {
		errno = EIO;
		return -1;
	}
	return real(dirfd, path, flags);
}

int
rmdir(const char *path)
{
	static int (*real)(const char *);

	if (real == NULL)
		real = (int (*)(const char *))dlsym(RTLD_NEXT, "rmdir");
	if (nth(K_UNLINK)) {
		errno = EIO;
		return -1;
	}
	return real(path);
}

#ifdef FAIL_ALLOC
/* glibc's own entry points: no dlsym, which itself allocates. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

/* True when the allocation is to fail: counted, not spared, the Nth. */
static int
fail_alloc(const void *caller)
{
	Dl_info info;

	if (dladdr(caller, &info) != 0 && info.dli_fname != NULL &&
	    (strstr(info.dli_fname, "libcrypto.so") != NULL ||
	    strstr(info.dli_fname, "libstdc++.so") != NULL ||
	    strstr(info.dli_fname, "librdkafka.so") != NULL))
		return 0;
	return nth(K_ALLOC);
}

void *
malloc(size_t n)
{
	if (fail_alloc(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	if (fail_alloc(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	if (fail_alloc(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
#endif
