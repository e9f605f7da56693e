/*
 * consumer: a Kafka topic read as a stream of messages, and the Bronze
 * envelope each becomes; all of kafka-cat-in's logic.
 *
 * Two ways to read, as in kcat: as a member of a consumer group (the
 * cluster shares the partitions among the members and moves them on a
 * rebalance), or from partitions and offsets given explicitly.
 *
 * Resuming from the lake: with resume tables (Delta tables written by
 * delta-commit), each partition starts just after the lowest offset the
 * tables hold for it (their txn actions, "<app_id>:<topic>:<partition>"),
 * or at the beginning when one of them holds nothing from it.  The
 * tables are read again at every assignment, so a partition that moves
 * to this consumer starts where the lake says, not where its previous
 * owner was.  delta-commit skips what a table already holds, so every
 * table gains every message exactly once.
 */
#ifndef VL_CONSUMER_H
#define VL_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka.h"
#include "writer.h"

struct consumer_options {
	const char *topic;
	const char *group;		/* NULL: explicit partitions */
	const int32_t *partitions;	/* explicit mode; none: all */
	size_t npartitions;
	int64_t offset;			/* RD_KAFKA_OFFSET_BEGINNING, _END,
					 * _STORED, RD_KAFKA_OFFSET_TAIL(n)
					 * or an offset; where no resume
					 * table says otherwise */
	const char *const *resume;	/* table directories */
	size_t nresume;
	const char *app_id;		/* delta-commit's --app-id */
	bool exit_at_end;		/* -e */
	int connect_timeout_ms;
};

/* The defaults, set before the user's -X and -F can override them. */
void consumer_defaults(rd_kafka_conf_t *conf);

struct consumer;

/* A consumer from conf (taken, also on failure), after checking the
 * cluster and the topic within o->connect_timeout_ms.  kc must outlive
 * it.  NULL with err on failure. */
struct consumer *consumer_open(rd_kafka_conf_t *conf, struct kafka_client *kc,
    const struct consumer_options *o, char *err, size_t errlen);

/*
 * The next message, waiting up to timeout_ms: 1 with *m (give it back
 * with consumer_release), 0 when none came in time, -1 when there is
 * nothing more: with -e every assigned partition is at its end, or the
 * client failed for good (err is then set, else err[0] is '\0').
 */
int consumer_next(struct consumer *c, int timeout_ms, rd_kafka_message_t **m,
    char *err, size_t errlen);
void consumer_release(rd_kafka_message_t *m);

/* Messages not yet read in the assigned partitions, from the client's
 * cached high watermarks (no request to the broker); -1 when no
 * partition's position is known yet. */
int64_t consumer_lag(struct consumer *c);

/* Leaves the group (handing the partitions back) and frees everything. */
void consumer_close(struct consumer *c);

/*
 * One Bronze envelope as schemas/bronze.json states it: topic,
 * partition, offset, key, value (the payload as text), kafka_timestamp,
 * ingest_time, event_date.  A key or value that is not valid UTF-8, or
 * holds a NUL byte (which the record codec refuses as \u0000), is written
 * as key_base64 / value_base64 instead (key or value null), so no message
 * is altered or lost.
 */
void envelope_print(const rd_kafka_message_t *m, int64_t ingest_usec,
    struct writer *w);

#endif
