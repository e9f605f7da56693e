/*
 * kafka_broker: a Kafka cluster inside this process, librdkafka's mock
 * cluster, for kafka-broker(1) and the tests.
 *
 * The mock speaks the real Kafka protocol on loopback TCP (produce,
 * fetch, consumer groups with rebalancing, idempotent producers), on
 * ports the kernel picks.  What it is not: durable (messages live in
 * memory and vanish with the process) or large: it keeps about the last
 * 5 MB of each partition, as if by retention.  Measured with librdkafka
 * 2.0: 30,000 or 60,000 messages of about 230 bytes produced into one
 * partition left the high watermark at 30,000 or 60,000, but a consumer
 * from the beginning got only the last 21,500 or so; 10,000 were kept in
 * full.  So tests that replay keep under about 20,000 such messages per
 * partition, or keep a consumer running while producing.
 */
#ifndef VL_KAFKA_BROKER_H
#define VL_KAFKA_BROKER_H

#include <stdbool.h>
#include <stddef.h>

struct broker_options {
	int brokers;		/* cluster size */
	int partitions;		/* of each topic created at start */
	const char **topics;	/* created at start; borrowed */
	size_t ntopics;
	int produce_errors;	/* the first n produce requests fail with a
				 * retriable error (NOT_LEADER_FOR_PARTITION) */
};

struct kafka_broker;

/* Starts the cluster and creates the topics.  NULL with err on
 * failure.  The cluster's threads run with the stop signals blocked. */
struct kafka_broker *kafka_broker_start(const struct broker_options *o,
    char *err, size_t errlen);

/* "127.0.0.1:port,..." for -b; owned by the broker. */
const char *kafka_broker_bootstraps(const struct kafka_broker *kb);

/* Writes the bootstrap list and a newline to path, atomically (a
 * temporary file renamed into place), so whoever waits for the file
 * never reads half an address.  0, or -1 with err. */
int kafka_broker_write_bootstrap(const struct kafka_broker *kb,
    const char *path, char *err, size_t errlen);

/* Every broker down (connections refused, as in an outage) or up. */
void kafka_broker_set_down(struct kafka_broker *kb, bool down);

/* Stops the cluster; its messages are gone. */
void kafka_broker_stop(struct kafka_broker *kb);

#endif
