#include "kafka.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "isotime.h"

/* Runs on the tool's thread, from rd_kafka_poll or rd_kafka_consumer_poll. */

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka_client *kc = opaque;
	char fatal[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal, sizeof fatal);
		reason = fatal;
	}
	if (err == RD_KAFKA_RESP_ERR__FATAL ||
	    err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
		if (kc->fatal == 0) {
			kc->fatal = err;
			snprintf(kc->fatal_msg, sizeof kc->fatal_msg, "%s",
			    reason);
		}
		return;
	}
	kafka_report(kc, err, reason);
}

void
kafka_report(struct kafka_client *kc, int err, const char *reason)
{
	/* An outage repeats the same errors for every broker and retry:
	 * say each kind once, and keep the last for a final message. */
	snprintf(kc->last_msg, sizeof kc->last_msg, "%s", reason);
	if (!kc->connected || kc->verbose < 0)
		return;
	for (size_t i = 0; i < kc->nreported; i++)
		if (kc->reported[i] == err)
			return;
	if (kc->nreported < sizeof kc->reported / sizeof kc->reported[0])
		kc->reported[kc->nreported++] = err;
	cli_warn("kafka: %s", reason);
}

/* May run on any of the client's threads; only -v asks for it. */
static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	const struct kafka_client *kc = rd_kafka_opaque(rk);

	if (kc != NULL && kc->verbose > 1)
		cli_warn("kafka %d %s: %s", level, fac, buf);
}

void
kafka_version_uses(void)
{
	cli_version_uses("librdkafka", rd_kafka_version_str());
}

rd_kafka_conf_t *
kafka_conf_new(struct kafka_client *kc, int verbose)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

#ifdef __GLIBC__
	/*
	 * librdkafka allocates every message, and frees it on delivery or
	 * once consumed, so the heap grows and shrinks by megabytes all the
	 * time: glibc gave the top of the heap back and the next messages
	 * faulted it in again, a third of kafka-cat-out's CPU.  Keeping 64
	 * MiB of slack at the top costs address space, not memory (RSS
	 * counts only the pages touched).
	 */
	mallopt(M_TOP_PAD, 64 << 20);
#endif
	kafka_version_uses();
	memset(kc, 0, sizeof *kc);
	kc->verbose = verbose;
	rd_kafka_conf_set_opaque(conf, kc);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	return conf;
}

int
kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
    char *err, size_t errlen)
{
	char why[512];

	if (rd_kafka_conf_set(conf, name, value, why, sizeof why) ==
	    RD_KAFKA_CONF_OK)
		return 0;
	/* librdkafka's message may quote the value: only the name is
	 * safe to show, since the value may be a password. */
	if (rd_kafka_conf_set(conf, name, NULL, why, sizeof why) ==
	    RD_KAFKA_CONF_UNKNOWN)
		snprintf(err, errlen, "%s: no such librdkafka property (see "
		    "-X list)", name);
	else
		snprintf(err, errlen, "%s: invalid value", name);
	return -1;
}

int
kafka_conf_assign(rd_kafka_conf_t *conf, const char *arg, char *err,
    size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char name[256];

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof name) {
		snprintf(err, errlen, "-X: expected name=value");
		return -1;
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	return kafka_conf_set(conf, name, eq + 1, err, errlen);
}

int
kafka_conf_file(rd_kafka_conf_t *conf, const char *path, char *err,
    size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[4096], why[512];
	unsigned lineno = 0;
	int rc = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, fp) != NULL) {
		size_t n = strlen(line);
		char *p = line;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
		    line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (kafka_conf_assign(conf, p, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(fp);
	return rc;
}

void
kafka_conf_list(void)
{
	rd_kafka_conf_properties_show(stdout);
}

bool
kafka_option(struct kafka_options *ko, rd_kafka_conf_t *conf, int ch,
    const char *arg, const char *usage)
{
	char err[512];
	int64_t usec;

	switch (ch) {
	case 'b':
		if (kafka_conf_set(conf, "bootstrap.servers", arg, err,
		    sizeof err) != 0)
			cli_usage_error(usage, "-b: %s", err);
		return true;
	case 't':
		ko->topic = arg;
		return true;
	case 'X':
		if (strcmp(arg, "list") == 0) {
			kafka_conf_list();
			exit(EXIT_OK);
		}
		if (kafka_conf_assign(conf, arg, err, sizeof err) != 0)
			cli_usage_error(usage, "%s", err);
		return true;
	case 'F':
		if (kafka_conf_file(conf, arg, err, sizeof err) != 0)
			cli_usage_error(usage, "-F: %s", err);
		return true;
	case OPT_CONNECT_TIMEOUT:
		if (cli_parse_duration(arg, &usec) != 0 || usec < 1000 ||
		    usec > INT64_C(86400000000))
			cli_usage_error(usage, "--connect-timeout %s: expected "
			    "a duration such as 10s", arg);
		ko->connect_timeout_ms = (int)(usec / 1000);
		return true;
	}
	return false;
}

void
kafka_signals_block(sigset_t *old)
{
	sigset_t own;

	sigemptyset(&own);
	sigaddset(&own, SIGINT);
	sigaddset(&own, SIGTERM);
	sigaddset(&own, SIGHUP);
	sigaddset(&own, SIGPIPE);
	sigaddset(&own, SIGUSR1);
	sigaddset(&own, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &own, old);
}

rd_kafka_t *
kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, char *err,
    size_t errlen)
{
	sigset_t old;
	rd_kafka_t *rk;

	kafka_signals_block(&old);
	rk = rd_kafka_new(type, conf, err, errlen);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rk == NULL)
		rd_kafka_conf_destroy(conf);
	return rk;
}

int
kafka_check_topic(rd_kafka_t *rk, struct kafka_client *kc,
    const char *topic, int timeout_ms, int *npartitions, char *err,
    size_t errlen)
{
	int64_t deadline = now_usec() + (int64_t)timeout_ms * 1000;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
	int rc = -1;

	if (rkt == NULL) {
		snprintf(err, errlen, "topic %s: %s", topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		return -1;
	}
	/* Short slices, so a stop signal or a fatal error is noticed. */
	while (!cli_stop && kc->fatal == 0 && now_usec() < deadline) {
		e = rd_kafka_metadata(rk, 0, rkt, &md, 500);
		rd_kafka_poll(rk, 0);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
			continue;
		e = md->topic_cnt == 1 ? md->topics[0].err :
		    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR &&
		    md->topics[0].partition_cnt > 0) {
			*npartitions = md->topics[0].partition_cnt;
			rc = 0;
		}
		rd_kafka_metadata_destroy(md);
		if (rc == 0 || (e != RD_KAFKA_RESP_ERR_NO_ERROR &&
		    e != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE))
			break;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	rd_kafka_topic_destroy(rkt);
	if (rc == 0) {
		kc->connected = true;
		return 0;
	}
	if (kc->fatal != 0)
		snprintf(err, errlen, "%s", kc->fatal_msg);
	else if (cli_stop)
		snprintf(err, errlen, "interrupted while connecting");
	else if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
		snprintf(err, errlen, "topic %s does not exist", topic);
	else if (e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
		snprintf(err, errlen, "topic %s: not authorized", topic);
	else if (e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
	    e == RD_KAFKA_RESP_ERR__TRANSPORT)
		snprintf(err, errlen, "no broker answered within %d s%s%s",
		    (timeout_ms + 999) / 1000, kc->last_msg[0] ? ": " : "",
		    kc->last_msg);
	else
		snprintf(err, errlen, "topic %s: %s", topic,
		    rd_kafka_err2str(e));
	return -1;
}
