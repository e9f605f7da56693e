/*
 * kafka: what kafka-cat-out, kafka-cat-in and kafka-broker share on top
 * of librdkafka.
 *
 * A client is configured in kcat's way: -b sets bootstrap.servers, -X
 * name=value sets any librdkafka property, -F reads a file of such lines
 * (# starts a comment).  Options apply in the order given, after the
 * tool's own safe defaults, so the user always has the last word.
 *
 * Credentials: a property's value is never printed, in an error or
 * anywhere else; messages name the property only.  Pass secrets with -F
 * (a file only its owner can read), never with -X, which puts them in
 * argv where every local user can see them.  TLS is librdkafka's:
 * certificates and host names are verified unless the user turns it off.
 *
 * Errors the client reports while running reach stderr once per kind,
 * as "tool: kafka: ..." (before the check at start succeeds they are only
 * kept, for its message); the fatal ones (a fatal idempotence error,
 * failed authentication) are kept in the struct kafka_client so the
 * tool's loop can stop and exit 1.
 */
#ifndef VL_KAFKA_H
#define VL_KAFKA_H

#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long a tool waits at start for the cluster to answer. */
#define KAFKA_CONNECT_TIMEOUT_MS 10000

/* The options every Kafka tool takes, in kcat's letters: -b, -t, -X, -F
 * and --connect-timeout.  A tool lists KAFKA_LONGOPTS in its table and
 * KAFKA_SHORTOPTS in its getopt string, and passes them to
 * kafka_option(). */
#define KAFKA_SHORTOPTS "b:F:t:X:"
#define KAFKA_LONGOPTS \
	{ "brokers", required_argument, 0, 'b' }, \
	{ "topic", required_argument, 0, 't' }, \
	{ "property", required_argument, 0, 'X' }, \
	{ "config", required_argument, 0, 'F' }, \
	{ "connect-timeout", required_argument, 0, OPT_CONNECT_TIMEOUT }

/* What those options set besides the configuration. */
struct kafka_options {
	const char *topic;		/* -t */
	int connect_timeout_ms;		/* --connect-timeout */
};

/* The error state the client's callbacks fill; one per rd_kafka_t,
 * owned by the tool (a static or main's local that outlives the
 * handle). */
struct kafka_client {
	int verbose;			/* -q: -1, each -v: +1 */
	rd_kafka_resp_err_t fatal;	/* 0 while the client can go on */
	char fatal_msg[512];
	bool connected;			/* kafka_check_topic succeeded: from
					 * then on errors are reported */
	int reported[16];		/* error codes said once already */
	size_t nreported;
	char last_msg[512];		/* the last error the client gave */
	void *user;			/* for the tool's own callbacks */
};

/*
 * A new configuration whose error and log callbacks report through kc.
 * Never NULL.  Hand it to kafka_new() (which takes it) or destroy it.
 * Call it before any client thread starts: it also tunes the process's
 * malloc for librdkafka's traffic of messages.
 */
rd_kafka_conf_t *kafka_conf_new(struct kafka_client *kc, int verbose);

/* Names librdkafka and its version for -V (cli_version_uses);
 * kafka_conf_new calls it. */
void kafka_version_uses(void);

/* Sets one property.  0, or -1 with err naming the property (never its
 * value). */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
    const char *value, char *err, size_t errlen);

/* -X name=value. */
int kafka_conf_assign(rd_kafka_conf_t *conf, const char *arg, char *err,
    size_t errlen);

/* -F file: one name=value per line; blank lines and lines starting with
 * '#' are skipped. */
int kafka_conf_file(rd_kafka_conf_t *conf, const char *path, char *err,
    size_t errlen);

/* Reports a client error the way the callbacks do: once per kind, only
 * after the check at start, never under -q; always kept in last_msg. */
void kafka_report(struct kafka_client *kc, int err, const char *reason);

/*
 * Handles one of the shared options, applying -b, -X and -F to conf in
 * the order given.  True if ch was one of them, false if the tool must
 * handle it.  A bad argument is a usage error (exit 2, naming the
 * property, never its value); -X list prints the properties and exits 0.
 */
bool kafka_option(struct kafka_options *ko, rd_kafka_conf_t *conf, int ch,
    const char *arg, const char *usage);

/* -X list: every property librdkafka knows, with its default, on stdout. */
void kafka_conf_list(void);

/*
 * Blocks, in the calling thread, the signals a tool's own thread handles
 * (the stop signals, SIGPIPE, SIGUSR1 and SIGUSR2), and stores the mask
 * before in *old.  Threads started meanwhile inherit the blocked mask, so
 * those signals always reach the tool's thread; restore the mask with
 * pthread_sigmask(SIG_SETMASK, old, NULL).
 */
void kafka_signals_block(sigset_t *old);

/*
 * A producer or consumer from conf (taken, also on failure).  The
 * client's threads are started with the stop signals blocked, so
 * SIGINT and SIGTERM always reach the tool's own thread and interrupt
 * its reads.  NULL with err on failure.
 */
rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
    char *err, size_t errlen);

/*
 * Asks the cluster about topic, waiting up to timeout_ms: 0 with the
 * number of partitions in *npartitions, or -1 with err saying what went
 * wrong (no broker answered, and the last reason the client gave; the
 * topic does not exist; access denied).  The bounded check every Kafka
 * tool makes before its loop, so a wrong address or topic is an error,
 * never a silent wait.
 */
int kafka_check_topic(rd_kafka_t *rk, struct kafka_client *kc,
    const char *topic, int timeout_ms, int *npartitions, char *err,
    size_t errlen);

#endif
