#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"

volatile sig_atomic_t cli_stop;

static const char *progname = "vitals";
static struct lib_version {
	const char *library, *version;
} uses[4];
static int nuses;

static void
on_stop(int sig)
{
	cli_stop = sig;
}

void
cli_init(int argc, char **argv)
{
	struct sigaction sa;
	const char *slash;

	(void)argc;
	if (argv != NULL && argv[0] != NULL) {
		slash = strrchr(argv[0], '/');
		progname = slash ? slash + 1 : argv[0];
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	/* jansson's allocations die on no memory like every other one, so
	 * that a JSON value is never silently NULL. */
	json_set_alloc_funcs(xmalloc, free);

	/* No SA_RESTART: a read(2) blocked on a quiet pipe must return
	 * EINTR so the tool notices the signal and flushes. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

const char *
cli_progname(void)
{
	return progname;
}

static void
vwarn(const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "%s: %s\n", progname, msg);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	errno = saved;
	vwarn(fmt, ap);
	va_end(ap);
	errno = saved;
}

void
cli_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fputs(usage, stderr);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_USAGE);
}

void
cli_version(void)
{
	printf("%s %s (jansson %s", progname, VL_VERSION, JANSSON_VERSION);
	for (int i = 0; i < nuses; i++)
		printf(", %s %s", uses[i].library, uses[i].version);
	printf(")\n");
	exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL);
}

void
cli_version_uses(const char *library, const char *version)
{
	for (int i = 0; i < nuses; i++)
		if (strcmp(uses[i].library, library) == 0)
			return;
	if (nuses < (int)(sizeof uses / sizeof uses[0]))
		uses[nuses++] = (struct lib_version){ library, version };
}

void
cli_common_init(struct cli_common *c)
{
	memset(c, 0, sizeof *c);
	c->max_line = CLI_DEFAULT_MAX_LINE;
}

bool
cli_common(struct cli_common *c, int opt, const char *arg, const char *usage)
{
	switch (opt) {
	case 'h':
		fputs(usage, stdout);
		exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL);
	case 'V':
		cli_version();
	case 'q':
		c->verbose = -1;
		return true;
	case 'v':
		if (c->verbose < 0)
			c->verbose = 0;
		c->verbose++;
		return true;
	case 'o':
		c->output = arg;
		return true;
	case OPT_UNBUFFERED:
		c->unbuffered = true;
		return true;
	case OPT_STATS:
		c->stats = true;
		return true;
	case OPT_PROGRESS:
		c->progress = true;
		return true;
	case OPT_REJECTS:
		c->rejects = arg;
		return true;
	case OPT_MAX_LINE:
		if (cli_parse_size(arg, &c->max_line) != 0 ||
		    c->max_line < 1024 || c->max_line > (1ull << 30))
			cli_usage_error(usage,
			    "--max-line %s: expected a size from 1k to 1G", arg);
		return true;
	case '?':
		/* getopt_long has already said what was wrong. */
		fputs(usage, stderr);
		exit(EXIT_USAGE);
	}
	return false;
}

int
cli_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cli_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cli_parse_duration(const char *s, int64_t *usec)
{
	char *end;
	double v, unit;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		unit = 1e6;
	else if (strcmp(end, "ms") == 0)
		unit = 1e3;
	else if (strcmp(end, "us") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60e6;
	else if (strcmp(end, "h") == 0)
		unit = 3600e6;
	else if (strcmp(end, "d") == 0)
		unit = 86400e6;
	else
		return -1;
	/* Ten thousand years is more than anyone means. */
	if (v * unit > 3.2e17)
		return -1;
	*usec = (int64_t)llround(v * unit);
	return 0;
}

int
cli_parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1ull << 10;
	else if (*end == 'M')
		mult = 1ull << 20;
	else if (*end == 'G')
		mult = 1ull << 30;
	else if (*end != '\0')
		return -1;
	if (mult != 1 && end[1] != '\0')
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*bytes = v * mult;
	return 0;
}

void
cli_widen_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

void
cli_reraise(void)
{
	int sig = cli_stop;

	if (sig == 0)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}
