/*
 * score_state: per-partition feature state files; see score_state.h.
 */
#include "score_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "safefile.h"
#include "writer.h"
#include "xalloc.h"

#define STATE_MAGIC "VLSTATE1"	/* 8 bytes, no NUL */
#define HEADER 16		/* the magic, the highest offset */

void
score_state_open(struct score_state *ss, const char *dir,
    const struct schema *silver)
{
	memset(ss, 0, sizeof *ss);
	ss->dir = dir;
	ss->f_topic = schema_need(silver, "topic");
	ss->f_partition = schema_need(silver, "partition");
	ss->f_offset = schema_need(silver, "offset");
}

uint32_t
score_state_record(struct score_state *ss, struct extractor *ex,
    const struct record *r, char *err, size_t errlen)
{
	const struct jval *t = &r->v[ss->f_topic];
	const struct jval *p = &r->v[ss->f_partition];
	const struct jval *o = &r->v[ss->f_offset];
	bool kafka = t->kind == JK_STRING && p->kind == JK_INT;

	return score_state_source(ss, ex, kafka ? t->s : NULL,
	    kafka ? t->len : 0, kafka ? p->i : -1, o->kind == JK_INT ?
	    o->i : -1, err, errlen);
}

void
score_state_free(struct score_state *ss)
{
	strindex_free(&ss->keys);
	free(ss->hi);
	memset(ss, 0, sizeof *ss);
}

/* The file name of a source: "<topic>.<partition>.state", or
 * "local.state". */
static size_t
file_name(char *buf, size_t len, const char *topic, size_t tlen,
    int64_t partition)
{
	size_t n = 0;

	if (topic == NULL || partition < 0)
		return (size_t)snprintf(buf, len, "local.state");
	for (size_t i = 0; i < tlen && n + 4 < len; i++) {
		unsigned char c = (unsigned char)topic[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, len - n, "%%%02X", c);
	}
	n += (size_t)snprintf(buf + n, len - n, ".%lld.state",
	    (long long)partition);
	return n < len ? n : len - 1;
}

/* The whole of path into *buf (the caller frees it): 1, 0 when there is
 * no such file, -1 with errno. */
static int
read_whole(const char *path, char **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			close(fd);
			free(*buf);
			*buf = NULL;
			errno = e;
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 1;
}

/* The highest offset the state file at path records, read from its
 * header alone; -1 for none, or no such file. */
static int64_t
file_offset(const char *path)
{
	char head[HEADER];
	int64_t hi = -1;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	do
		n = read(fd, head, sizeof head);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n == HEADER && memcmp(head, STATE_MAGIC, 8) == 0)
		memcpy(&hi, head + 8, sizeof hi);
	return hi;
}

uint32_t
score_state_source(struct score_state *ss, struct extractor *ex,
    const char *topic, size_t tlen, int64_t partition, int64_t offset,
    char *err, size_t errlen)
{
	char name[1024], path[4200], why[256], *buf;
	size_t n = file_name(name, sizeof name, topic, tlen, partition), len;
	bool added;
	uint32_t tag = strindex_add(&ss->keys, name, n, &added);
	int rc;

	if (!added) {
		if (offset > ss->hi[tag])
			ss->hi[tag] = offset;
		return tag;
	}
	xgrow(&ss->hi, &ss->cap, ss->keys.n, sizeof *ss->hi);
	ss->hi[tag] = offset;
	snprintf(path, sizeof path, "%s/%s", ss->dir, name);
	if ((rc = read_whole(path, &buf, &len)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return UINT32_MAX;
	}
	if (rc == 0)
		return tag;
	int taken = -1;
	if (len >= HEADER && memcmp(buf, STATE_MAGIC, 8) == 0 &&
	    (taken = extractor_restore(ex, buf + HEADER, len - HEADER, tag,
	    why, sizeof why)) == -2) {
		/* A new model (a retrain) computes other features: this
		 * state is of no use to it, and is not damaged either. */
		cli_warn("%s: %s; its patients start again", path, why);
		ss->files_stale++;
		free(buf);
		return tag;
	}
	if (taken < 0) {
		snprintf(err, errlen, "%s: %s", path, len < HEADER ||
		    memcmp(buf, STATE_MAGIC, 8) != 0 ? "not a state file of "
		    "iforest-score" : why);
		free(buf);
		return UINT32_MAX;
	}
	ss->files_read++;
	ss->restored += (uint64_t)taken;
	free(buf);
	return tag;
}

int
score_state_save(struct score_state *ss, const struct extractor *ex,
    char *err, size_t errlen)
{
	char path[4200];
	struct writer w;

	if (ss->keys.n > 0 && safefile_mkdirs(ss->dir) != 0) {
		snprintf(err, errlen, "%s: %s", ss->dir, strerror(errno));
		return -1;
	}
	for (uint32_t tag = 0; tag < ss->keys.n; tag++) {
		snprintf(path, sizeof path, "%s/%s", ss->dir,
		    ss->keys.e[tag].s);
		/* Another consumer has gone further in this partition
		 * since: its state is the newer. */
		if (file_offset(path) > ss->hi[tag]) {
			ss->files_kept++;
			continue;
		}
		writer_open_memory(&w);
		writer_mem(&w, STATE_MAGIC, 8);
		writer_mem(&w, &ss->hi[tag], sizeof ss->hi[tag]);
		ss->saved += extractor_save(ex, tag, &w);
		int rc = safefile_write(path, w.buf, w.len, err, errlen);
		writer_close(&w);
		if (rc != 0)
			return -1;
		ss->files_written++;
	}
	return 0;
}
