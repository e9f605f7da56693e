#include "kafka_broker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"
#include "safefile.h"
#include "xalloc.h"

/* The Produce request's ApiKey in the Kafka protocol (librdkafka keeps
 * its names for them in a private header). */
enum { API_KEY_PRODUCE = 0 };

struct kafka_broker {
	rd_kafka_t *rk;			/* the handle the cluster lives in */
	rd_kafka_mock_cluster_t *mc;
	int brokers;
	char *bootstraps;
};

struct kafka_broker *
kafka_broker_start(const struct broker_options *o, char *err, size_t errlen)
{
	struct kafka_broker *kb = xcalloc(1, sizeof *kb);
	struct kafka_client *kc = xcalloc(1, sizeof *kc);
	rd_kafka_conf_t *conf = kafka_conf_new(kc, -1);
	sigset_t old;

	/* The handle is never used as a client: it only owns the cluster.
	 * Its threads and the cluster's are started with the tool's
	 * signals blocked, so SIGUSR1/2 and the stop signals reach main. */
	kb->brokers = o->brokers;
	if ((kb->rk = kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen)) == NULL)
		goto fail;
	kafka_signals_block(&old);
	kb->mc = rd_kafka_mock_cluster_new(kb->rk, o->brokers);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (kb->mc == NULL) {
		snprintf(err, errlen, "cannot start the mock cluster");
		goto fail;
	}
	for (size_t i = 0; i < o->ntopics; i++) {
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(kb->mc,
		    o->topics[i], o->partitions,
		    o->brokers < 3 ? o->brokers : 3);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errlen, "topic %s: %s", o->topics[i],
			    rd_kafka_err2str(e));
			goto fail;
		}
	}
	for (int i = 0; i < o->produce_errors; i++)
		rd_kafka_mock_push_request_errors(kb->mc, API_KEY_PRODUCE, 1,
		    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
	kb->bootstraps = xstrdup(rd_kafka_mock_cluster_bootstraps(kb->mc));
	return kb;
fail:
	kafka_broker_stop(kb);
	return NULL;
}

const char *
kafka_broker_bootstraps(const struct kafka_broker *kb)
{
	return kb->bootstraps;
}

int
kafka_broker_write_bootstrap(const struct kafka_broker *kb, const char *path,
    char *err, size_t errlen)
{
	size_t n = strlen(kb->bootstraps);
	char *text = xmalloc(n + 2);
	int rc;

	memcpy(text, kb->bootstraps, n);
	text[n] = '\n';
	rc = safefile_write(path, text, n + 1, err, errlen);
	free(text);
	return rc;
}

void
kafka_broker_set_down(struct kafka_broker *kb, bool down)
{
	for (int id = 1; id <= kb->brokers; id++) {
		if (down)
			rd_kafka_mock_broker_set_down(kb->mc, id);
		else
			rd_kafka_mock_broker_set_up(kb->mc, id);
	}
}

void
kafka_broker_stop(struct kafka_broker *kb)
{
	if (kb == NULL)
		return;
	if (kb->mc != NULL)
		rd_kafka_mock_cluster_destroy(kb->mc);
	if (kb->rk != NULL) {
		struct kafka_client *kc = rd_kafka_opaque(kb->rk);
		rd_kafka_destroy(kb->rk);
		free(kc);
	}
	free(kb->bootstraps);
	free(kb);
}
