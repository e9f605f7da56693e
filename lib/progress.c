#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define SECOND	INT64_C(1000000)

/* The coarse clock (a few nanoseconds, no system call): a tick per
 * record costs about 1% of the fastest tool. */
static int64_t
mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * SECOND + ts.tv_nsec / 1000;
}

void
progress_init(struct progress *p, bool force, int verbose)
{
	*p = (struct progress){ 0 };
	p->tty = isatty(STDERR_FILENO) == 1;
	p->on = verbose >= 0 && (force || p->tty);
	p->start = p->last_t = mono_usec();
	p->next = p->start + SECOND;
}

bool
progress_due(const struct progress *p)
{
	return p->on && mono_usec() >= p->next;
}

void
progress_tick(struct progress *p, const struct counts *n, int64_t lag)
{
	char line[200];
	int64_t now;
	double rate;
	int len;

	if (!p->on || (now = mono_usec()) < p->next)
		return;
	rate = (double)(n->in - p->last_in) * SECOND / (double)(now - p->last_t);
	len = snprintf(line, sizeof line, "%s: %llu in, %.0f/s, %llu "
	    "rejected, %llu duplicates", cli_progname(),
	    (unsigned long long)n->in, rate, (unsigned long long)n->rejected,
	    (unsigned long long)n->duplicates);
	if (lag >= 0 && len > 0 && (size_t)len < sizeof line)
		snprintf(line + len, sizeof line - (size_t)len, ", lag %lld",
		    (long long)lag);
	/* \r and erase-to-end on a terminal; a plain line elsewhere. */
	fprintf(stderr, p->tty ? "\r\033[K%s" : "%s\n", line);
	fflush(stderr);
	p->drawn = p->tty;
	p->last_in = n->in;
	p->last_t = now;
	p->next = now + SECOND;
}

void
progress_end(struct progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = false;
}
