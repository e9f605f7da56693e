/*
 * safefile: writing a file so that, whatever happens, the path holds
 * either what it held before or the whole new content, never part of it.
 *
 * The content goes to a temporary file beside the path (same directory,
 * so the rename is atomic), is written in full (short writes and EINTR
 * retried) and fsynced; the temporary file is then renamed over the path
 * and the directory fsynced, so the new name survives a power cut too.
 * On any failure the temporary file is removed and the path untouched.
 */
#ifndef VL_SAFEFILE_H
#define VL_SAFEFILE_H

#include <stddef.h>

/* Writes buf[0..len) to fd in full, retrying short writes and EINTR.
 * 0, or -1 with errno. */
int safefile_write_all(int fd, const void *buf, size_t len);

/*
 * Replaces the file at path with buf[0..len) as described above, mode
 * 0644 before the umask.  0, or -1 with a message naming the path and
 * the failing step in err.  A path that names something other than a
 * regular file or a symbolic link to one (/dev/null, /dev/stdout, a
 * FIFO) cannot be replaced and must not be: buf is written to it
 * directly, in full.
 */
int safefile_write(const char *path, const void *buf, size_t len, char *err,
    size_t errlen);

/* fsyncs a directory; 0 or -1 with errno. */
int safefile_fsync_dir(const char *path);

/* Creates a directory and any missing parents (mode 0777 before the
 * umask); 0, or -1 with errno.  An existing directory is fine. */
int safefile_mkdirs(const char *path);

#endif
