/*
 * producer: NDJSON records to a Kafka topic, safely; all of
 * kafka-cat-out's logic.
 *
 * Safe means: the idempotent producer with acks=all (a retried send is
 * never stored twice, a broker failover never loses an acknowledged
 * message), every delivery report read and counted, and nothing that is
 * not a JSON object ever sent.  Each record is keyed by one of its
 * fields, so the default partitioner (librdkafka's consistent_random,
 * which kcat uses too) keeps one patient's readings in order on one
 * partition.  The value sent is the line's own bytes, unchanged.
 *
 * Counts: every record read is, in the end, delivered, rejected (never
 * sent) or failed (sent and not acknowledged); producer_wait() gets the
 * outcome of everything sent.
 */
#ifndef VL_PRODUCER_H
#define VL_PRODUCER_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka.h"

struct producer_options {
	const char *topic;
	int32_t partition;	/* -1: chosen by the key */
	const char *key;	/* field whose value keys a record; NULL or
				 * "": no key */
	int connect_timeout_ms;	/* for the check at start */
};

/* The safe defaults, set before the user's -X and -F can override them. */
void producer_defaults(rd_kafka_conf_t *conf);

struct producer;

/*
 * A producer from conf (taken, also on failure), after checking within
 * o->connect_timeout_ms that the cluster answers and holds the topic
 * (and the partition, if one is given).  kc must outlive the producer.
 * NULL with err on failure.
 */
struct producer *producer_open(rd_kafka_conf_t *conf, struct kafka_client *kc,
    const struct producer_options *o, char *err, size_t errlen);

/*
 * Sends one line.  0: queued (its delivery is counted later); 1: not a
 * JSON object, reason and detail say why, nothing sent; -1: the
 * producer failed for good (err), stop reading.  Waits while the local
 * queue is full, serving delivery reports meanwhile.
 */
int producer_send(struct producer *p, const char *line, size_t len,
    const char **reason, char *detail, size_t detail_len, char *err,
    size_t errlen);

/* Serves delivery reports, waiting up to ms for one.  -1 once the
 * producer has failed for good (err), else 0. */
int producer_poll(struct producer *p, int ms, char *err, size_t errlen);

/*
 * Waits until every message sent is delivered or has failed (bounded by
 * the message.timeout.ms property).  0 when all were delivered; -1 with
 * err naming how many were not, and the first reason.
 */
int producer_wait(struct producer *p, char *err, size_t errlen);

struct producer_totals {
	uint64_t sent;		/* handed to the client */
	uint64_t delivered;	/* acknowledged by the cluster */
	uint64_t failed;	/* given up on */
};
void producer_totals(const struct producer *p, struct producer_totals *t);

void producer_close(struct producer *p);

#endif
