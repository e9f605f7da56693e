/*
 * cli: the conventions every tool shares.
 *
 * Every tool's main parses its options in one loop,
 *	while ((ch = getopt_long(argc, argv, "...", longopts, NULL)) != -1)
 *		if (!cli_common(&opt, ch, optarg, usage_text))
 *			parse_tool_option(ch, optarg, &cfg);
 * (a Kafka tool adds && !kafka_option(&ko, conf, ch, optarg, usage_text)
 * to the test), where the tool's static parse_tool_option() is one switch
 * over its own options, storing into one struct config (or into the
 * lib's options struct, when that is all they set) and ending in
 * default: cli_usage_error(usage_text, "unexpected option").  Checks
 * that need all the options (a missing operand, options that exclude
 * each other) follow the loop.
 *
 * Diagnostics go to stderr as "tool: message".  Exit status is 0 on success
 * (rejected records are data, not failure), 1 on a data or runtime failure,
 * 2 on a usage error.  SIGINT, SIGTERM and SIGHUP set a flag instead of
 * killing the process, so a tool can flush what it holds; cli_reraise()
 * then dies of the same signal, so a calling shell loop sees the interrupt.
 *
 * Nothing here allocates except cli_init(); nothing here can fail except
 * where stated.
 */
#ifndef VL_CLI_H
#define VL_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef VL_VERSION
#define VL_VERSION "0.0.0"
#endif

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Set once from a signal handler; 0 while running, else the signal. */
extern volatile sig_atomic_t cli_stop;

/* Options every tool spells the same way.  Each tool lists the ones it
 * takes in its own getopt_long table and passes them to cli_common(). */
enum {
	OPT_UNBUFFERED = 1000, OPT_REJECTS, OPT_STATS, OPT_MAX_LINE,
	OPT_SCHEMA, OPT_SEED, OPT_CONNECT_TIMEOUT, OPT_PROGRESS,
	OPT_TOOL_BASE = 1100
};
#define CLI_LONGOPT_HELP       { "help", no_argument, 0, 'h' }
#define CLI_LONGOPT_VERSION    { "version", no_argument, 0, 'V' }
#define CLI_LONGOPT_QUIET      { "quiet", no_argument, 0, 'q' }
#define CLI_LONGOPT_VERBOSE    { "verbose", no_argument, 0, 'v' }
#define CLI_LONGOPT_OUTPUT     { "output", required_argument, 0, 'o' }
#define CLI_LONGOPT_UNBUFFERED { "unbuffered", no_argument, 0, OPT_UNBUFFERED }
#define CLI_LONGOPT_REJECTS    { "rejects", required_argument, 0, OPT_REJECTS }
#define CLI_LONGOPT_STATS      { "stats", no_argument, 0, OPT_STATS }
#define CLI_LONGOPT_MAX_LINE \
	{ "max-line", required_argument, 0, OPT_MAX_LINE }
#define CLI_LONGOPT_PROGRESS   { "progress", no_argument, 0, OPT_PROGRESS }

/* What the common options set. */
struct cli_common {
	int verbose;		/* -q makes it -1, each -v adds 1 */
	bool unbuffered;	/* --unbuffered: flush after every record */
	bool stats;		/* --stats: per-reason counts at exit */
	bool progress;		/* --progress: also when stderr is no tty */
	const char *output;	/* -o FILE, NULL for stdout */
	const char *rejects;	/* --rejects FILE, NULL for none */
	uint64_t max_line;	/* --max-line BYTES */
};

#define CLI_DEFAULT_MAX_LINE (16u << 20)

/* Records argv[0]'s basename as the tool name, sets line-buffered stderr
 * and installs the stop-signal handlers.  Call first in main(). */
void cli_init(int argc, char **argv);
const char *cli_progname(void);

/* Fills defaults into *c. */
void cli_common_init(struct cli_common *c);

/*
 * Handles one of the common options (h V q v o and the OPT_ ones).
 * Returns true if the option was common, false if the tool must handle it.
 * -h prints usage to stdout and exits 0; -V prints the version and exits 0;
 * a bad argument is a usage error (exit 2).
 */
bool cli_common(struct cli_common *c, int opt, const char *arg,
    const char *usage);

/* "tool: message\n" on stderr.  glibc's %m gives strerror(errno). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void cli_die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints the reason and the usage string to stderr and exits 2. */
_Noreturn void cli_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "tool VERSION (jansson X, ...)" to stdout and exits 0, naming
 * each library recorded by cli_version_uses. */
_Noreturn void cli_version(void);
/* Records a library that the tool uses, for -V; called by the module
 * that uses it, before the options are parsed, so that a tool links only
 * what it uses.  The strings must live as long as the process; at most
 * four are kept. */
void cli_version_uses(const char *library, const char *version);

/*
 * Argument parsers.  Each returns 0 and stores the value, or -1 (leaving
 * *out unchanged) when the text is not a valid value in range.
 *   cli_parse_int:      decimal integer in [min, max]
 *   cli_parse_double:   finite decimal number in [min, max]
 *   cli_parse_duration: "250ms", "90", "90s", "5m", "1h", "2d" (a bare
 *                       number is seconds); result in microseconds, >= 0
 *   cli_parse_size:     "4096", "64k", "16M", "1G" (powers of 1024)
 */
int cli_parse_int(const char *s, long long min, long long max, long long *out);
int cli_parse_double(const char *s, double min, double max, double *out);
int cli_parse_duration(const char *s, int64_t *usec);
int cli_parse_size(const char *s, uint64_t *bytes);

/*
 * Asks the kernel for a 1 MiB buffer when fd is a pipe (stdin, stdout),
 * up from Linux's 64 KiB, so that a pipeline's stages hand each other
 * whole 256 KiB chunks instead of waking each other every 64 KiB: a
 * seventh of a five-stage pipeline's CPU time was spent on that.  Best
 * effort: a file, a terminal or a refusal (pipe-max-size, the user's pipe
 * quota) leaves fd as it was.
 */
void cli_widen_pipe(int fd);

/* If a stop signal arrived, restore its default action and raise it again,
 * so the parent sees the tool killed by that signal.  Returns if none. */
void cli_reraise(void);

#endif
