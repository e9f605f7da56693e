#include "rejects.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "jsonw.h"
#include "xalloc.h"

int
rejects_open(struct rejects *rj, const char *path)
{
	memset(rj, 0, sizeof *rj);
	if (path == NULL)
		return 0;
	if (writer_open(&rj->w, path, false) != 0)
		return -1;
	writer_open_memory(&rj->line);
	rj->open = true;
	return 0;
}

/* Writes the buffered lines.  When that fails, the file is cut back to
 * the whole lines it had before, and the buffered ones are lost. */
static void
flush_lines(struct rejects *rj)
{
	size_t n = rj->w.len;

	if (writer_flush(&rj->w) == 0) {
		rj->kept += n;
		rj->recorded += rj->pending;
	} else {
		struct stat st;
		/* A short write may have left part of a line.  (A pipe
		 * cannot be cut: what its reader got, it got.) */
		if (fstat(rj->w.fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    ftruncate(rj->w.fd, (off_t)rj->kept) != 0)
			cli_warn("%s: may end with part of a line: %s",
			    rj->w.name, strerror(errno));
		rj->lost += rj->pending;
		rj->failed = true;
	}
	rj->pending = 0;
}

static void
count_reason(struct rejects *rj, const char *reason)
{
	for (size_t i = 0; i < rj->nreasons; i++) {
		if (strcmp(rj->reasons[i].name, reason) == 0) {
			rj->reasons[i].n++;
			return;
		}
	}
	xgrow(&rj->reasons, &rj->cap, rj->nreasons + 1, sizeof *rj->reasons);
	snprintf(rj->reasons[rj->nreasons].name,
	    sizeof rj->reasons[0].name, "%s", reason);
	rj->reasons[rj->nreasons++].n = 1;
}

bool
counts_take(struct counts *c, struct rejects *rj, const struct line *ln)
{
	char detail[96];

	if (reader_line_blank(ln)) {
		c->blank++;
		return false;
	}
	c->in++;
	if (ln->truncated) {
		snprintf(detail, sizeof detail, "line of %llu bytes is longer "
		    "than --max-line", (unsigned long long)ln->full_len);
		rejects_add(rj, ln, "line_too_long", detail, NULL);
		c->rejected++;
		return false;
	}
	return true;
}

uint64_t
rejects_count(const struct rejects *rj, const char *reason)
{
	for (size_t i = 0; i < rj->nreasons; i++)
		if (strcmp(rj->reasons[i].name, reason) == 0)
			return rj->reasons[i].n;
	return 0;
}

void
rejects_add(struct rejects *rj, const struct line *ln, const char *reason,
    const char *detail, const struct source_pos *pos)
{
	struct writer *w = &rj->line;
	const char *tool = cli_progname();

	count_reason(rj, reason);
	if (!rj->open)
		return;
	if (rj->failed) {
		rj->lost++;
		return;
	}
	/* Made apart, so that the file's writer, which flushes whatever it
	 * holds when it needs room, only ever holds whole lines. */
	w->len = 0;
	writer_mem(w, "{\"tool\":", 8);
	jw_string(w, tool, strlen(tool));
	writer_mem(w, ",\"reason\":", 10);
	jw_string(w, reason, strlen(reason));
	if (detail != NULL) {
		size_t n = strlen(detail);
		writer_mem(w, ",\"detail\":", 10);
		/* Details quote input, which may be anything. */
		if (utf8_valid(detail, n))
			jw_string(w, detail, n);
		else
			jw_string(w, "(detail not valid UTF-8)", 24);
	}
	if (ln != NULL) {
		writer_mem(w, ",\"source\":", 10);
		jw_string(w, ln->source, strlen(ln->source));
		writer_mem(w, ",\"line\":", 8);
		jw_int(w, (int64_t)ln->lineno);
	}
	if (pos != NULL && pos->topic != NULL) {
		writer_mem(w, ",\"topic\":", 9);
		jw_string(w, pos->topic, pos->topic_len);
		writer_mem(w, ",\"partition\":", 13);
		jw_int(w, pos->partition);
		writer_mem(w, ",\"offset\":", 10);
		jw_int(w, pos->offset);
	}
	if (ln != NULL) {
		if (ln->truncated) {
			writer_mem(w, ",\"truncated\":true,\"length\":", 27);
			jw_int(w, (int64_t)ln->full_len);
		}
		if (utf8_valid(ln->text, ln->len)) {
			writer_mem(w, ",\"text\":", 8);
			jw_string(w, ln->text, ln->len);
		} else {
			writer_mem(w, ",\"text_base64\":", 15);
			jw_base64(w, ln->text, ln->len);
		}
	}
	writer_mem(w, "}\n", 2);
	/* Half the writer's buffer: a line that fits is then copied in
	 * without a flush, and a longer one goes in alone. */
	if (rj->w.len > 0 && rj->w.len + w->len > rj->w.cap / 2)
		flush_lines(rj);
	if (rj->failed) {
		rj->lost++;
		return;
	}
	writer_mem(&rj->w, w->buf, w->len);
	rj->pending++;
}

int
rejects_close(struct rejects *rj)
{
	int rc = 0;

	if (!rj->open)
		return 0;
	if (!rj->failed && rj->pending > 0)
		flush_lines(rj);
	rc = writer_close(&rj->w);
	writer_close(&rj->line);
	if (rj->lost > 0) {
		cli_warn("%s: %llu rejected records not recorded (it holds "
		    "the first %llu, each line whole)", rj->w.name,
		    (unsigned long long)rj->lost,
		    (unsigned long long)rj->recorded);
		rc = -1;
	}
	rj->open = false;
	return rc;
}

void
rejects_free(struct rejects *rj)
{
	rejects_close(rj);
	free(rj->reasons);
	rj->reasons = NULL;
	rj->nreasons = rj->cap = 0;
}

void
counts_report(const struct counts *c, const struct rejects *rj, int verbose,
    bool stats)
{
	if (verbose < 0)
		return;
	fprintf(stderr, "%s: in=%llu out=%llu rejected=%llu duplicates=%llu",
	    cli_progname(), (unsigned long long)c->in,
	    (unsigned long long)c->out, (unsigned long long)c->rejected,
	    (unsigned long long)c->duplicates);
	if (c->blank > 0)
		fprintf(stderr, " blank=%llu", (unsigned long long)c->blank);
	fputc('\n', stderr);
	if (!stats)
		return;
	fprintf(stderr, "{\"tool\":\"%s\",\"in\":%llu,\"out\":%llu,"
	    "\"rejected\":%llu,\"duplicates\":%llu,\"blank\":%llu,"
	    "\"reasons\":{", cli_progname(), (unsigned long long)c->in,
	    (unsigned long long)c->out, (unsigned long long)c->rejected,
	    (unsigned long long)c->duplicates, (unsigned long long)c->blank);
	for (size_t i = 0; rj != NULL && i < rj->nreasons; i++)
		fprintf(stderr, "%s\"%s\":%llu", i ? "," : "",
		    rj->reasons[i].name, (unsigned long long)rj->reasons[i].n);
	fputs("}}\n", stderr);
}
