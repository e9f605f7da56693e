#include "consumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "delta.h"
#include "isotime.h"
#include "jsonw.h"
#include "xalloc.h"

struct consumer {
	rd_kafka_t *rk;
	struct kafka_client *kc;
	struct consumer_options o;
	int npartitions;		/* of the topic, from the metadata */
	bool *at_end;			/* per partition id */
	bool *assigned;
	int nassigned, nend;
	char err[512];			/* a failure inside the rebalance */
};

void
consumer_defaults(rd_kafka_conf_t *conf)
{
	char err[256];

	/* -e needs to know when a partition is at its end. */
	kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
	/* A partition with no committed offset starts at the beginning:
	 * in a lake nothing may be skipped by default. */
	kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
	kafka_conf_set(conf, "allow.auto.create.topics", "false", err,
	    sizeof err);
}

/* Where the resume tables say partition p starts: the lowest of their
 * positions plus one, or the beginning when one holds nothing of p. */
static int64_t
resume_offset(const struct consumer *c, struct delta_table *const *tables,
    int32_t p)
{
	char appid[512];
	int64_t low = INT64_MAX;

	snprintf(appid, sizeof appid, "%s:%s:%d", c->o.app_id, c->o.topic,
	    (int)p);
	for (size_t i = 0; i < c->o.nresume; i++) {
		int64_t v = delta_txn_version(tables[i], appid);
		if (v < low)
			low = v;
	}
	return low < 0 ? RD_KAFKA_OFFSET_BEGINNING : low + 1;
}

/* The resume tables as they are now, each read once per assignment;
 * NULL with c->err set when one cannot be read. */
static struct delta_table **
open_resume_tables(struct consumer *c)
{
	struct delta_table **t = xcalloc(c->o.nresume, sizeof *t);
	char err[400];

	for (size_t i = 0; i < c->o.nresume; i++) {
		if ((t[i] = delta_open(c->o.resume[i], err, sizeof err)) !=
		    NULL)
			continue;
		snprintf(c->err, sizeof c->err, "--resume-from %s", err);
		while (i-- > 0)
			delta_free(t[i]);
		free(t);
		return NULL;
	}
	return t;
}

/* Sets the start of every partition in the list, as the options and the
 * resume tables say. */
static int
set_starts(struct consumer *c, rd_kafka_topic_partition_list_t *l)
{
	struct delta_table **tables = NULL;

	if (c->o.nresume > 0 && (tables = open_resume_tables(c)) == NULL)
		return -1;
	for (int i = 0; i < l->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &l->elems[i];
		if (tables != NULL) {
			tp->offset = resume_offset(c, tables, tp->partition);
		} else if (c->o.group == NULL ||
		    c->o.offset != RD_KAFKA_OFFSET_STORED) {
			tp->offset = c->o.offset;
		}
		if (c->kc->verbose > 0) {
			char at[40];
			if (tp->offset >= 0)
				snprintf(at, sizeof at, "offset %lld",
				    (long long)tp->offset);
			else if (tp->offset == RD_KAFKA_OFFSET_BEGINNING)
				snprintf(at, sizeof at, "the beginning");
			else if (tp->offset == RD_KAFKA_OFFSET_END)
				snprintf(at, sizeof at, "the end");
			else if (tp->offset <= RD_KAFKA_OFFSET_TAIL_BASE)
				snprintf(at, sizeof at, "%lld before the end",
				    (long long)(RD_KAFKA_OFFSET_TAIL_BASE -
				    tp->offset));
			else
				snprintf(at, sizeof at, "the stored offset");
			cli_warn("partition %d starts at %s", tp->partition, at);
		}
	}
	for (size_t i = 0; tables != NULL && i < c->o.nresume; i++)
		delta_free(tables[i]);
	free(tables);
	return 0;
}

/* Records what is assigned, for -e. */
static void
track(struct consumer *c, const rd_kafka_topic_partition_list_t *l)
{
	memset(c->at_end, 0, (size_t)c->npartitions * sizeof *c->at_end);
	memset(c->assigned, 0, (size_t)c->npartitions * sizeof *c->assigned);
	c->nassigned = c->nend = 0;
	for (int i = 0; l != NULL && i < l->cnt; i++) {
		int32_t p = l->elems[i].partition;
		if (p >= 0 && p < c->npartitions && !c->assigned[p]) {
			c->assigned[p] = true;
			c->nassigned++;
		}
	}
}

/* Runs on the tool's thread, from rd_kafka_consumer_poll. */
static void
on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
    rd_kafka_topic_partition_list_t *l, void *opaque)
{
	struct consumer *c = ((struct kafka_client *)opaque)->user;

	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (set_starts(c, l) != 0) {
			rd_kafka_assign(rk, NULL);
			track(c, NULL);
			return;
		}
		if (c->kc->verbose > 0)
			cli_warn("assigned %d partition%s", l->cnt,
			    l->cnt == 1 ? "" : "s");
		rd_kafka_assign(rk, l);
		track(c, l);
	} else {
		if (c->kc->verbose > 0)
			cli_warn("partitions revoked (rebalance)");
		rd_kafka_assign(rk, NULL);
		track(c, NULL);
	}
}

struct consumer *
consumer_open(rd_kafka_conf_t *conf, struct kafka_client *kc,
    const struct consumer_options *o, char *err, size_t errlen)
{
	struct consumer *c = xcalloc(1, sizeof *c);
	rd_kafka_topic_partition_list_t *l = NULL;
	char why[256];

	c->kc = kc;
	c->o = *o;
	kc->user = c;
	if (o->group != NULL) {
		if (kafka_conf_set(conf, "group.id", o->group, err, errlen) != 0)
			goto fail_conf;
		rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	} else if (rd_kafka_conf_set(conf, "enable.auto.commit", "false", why,
	    sizeof why) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", "kafka-cat-in", why,
	    sizeof why) != RD_KAFKA_CONF_OK) {
		/* Explicit partitions need no group, but librdkafka's
		 * consumer API wants an id; with assign() and no commits
		 * it never joins or writes to that group. */
		goto fail_conf;
	}
	if ((c->rk = kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen)) == NULL)
		goto fail;
	if (kafka_check_topic(c->rk, kc, o->topic, o->connect_timeout_ms,
	    &c->npartitions, err, errlen) != 0)
		goto fail;
	c->at_end = xcalloc((size_t)c->npartitions, sizeof *c->at_end);
	c->assigned = xcalloc((size_t)c->npartitions, sizeof *c->assigned);
	rd_kafka_poll_set_consumer(c->rk);
	l = rd_kafka_topic_partition_list_new(c->npartitions);
	if (o->group != NULL) {
		rd_kafka_topic_partition_list_add(l, o->topic,
		    RD_KAFKA_PARTITION_UA);
		if (rd_kafka_subscribe(c->rk, l) != 0) {
			snprintf(err, errlen, "cannot subscribe to %s",
			    o->topic);
			goto fail;
		}
	} else {
		for (int p = 0; p < c->npartitions; p++) {
			bool want = o->npartitions == 0;
			for (size_t i = 0; i < o->npartitions; i++)
				want |= o->partitions[i] == p;
			if (want)
				rd_kafka_topic_partition_list_add(l, o->topic,
				    p);
		}
		for (size_t i = 0; i < o->npartitions; i++)
			if (o->partitions[i] >= c->npartitions) {
				snprintf(err, errlen, "topic %s has no "
				    "partition %d (it has %d)", o->topic,
				    (int)o->partitions[i], c->npartitions);
				goto fail;
			}
		if (set_starts(c, l) != 0) {
			snprintf(err, errlen, "%s", c->err);
			goto fail;
		}
		rd_kafka_assign(c->rk, l);
		track(c, l);
	}
	rd_kafka_topic_partition_list_destroy(l);
	return c;
fail_conf:
	rd_kafka_conf_destroy(conf);
fail:
	if (l != NULL)
		rd_kafka_topic_partition_list_destroy(l);
	consumer_close(c);
	return NULL;
}

int
consumer_next(struct consumer *c, int timeout_ms, rd_kafka_message_t **m,
    char *err, size_t errlen)
{
	rd_kafka_message_t *msg;
	int32_t p;

	err[0] = '\0';
	if (c->kc->fatal != 0) {
		snprintf(err, errlen, "%s", c->kc->fatal_msg);
		return -1;
	}
	if (c->err[0] != '\0') {
		snprintf(err, errlen, "%s", c->err);
		return -1;
	}
	if (c->o.exit_at_end && c->nassigned > 0 && c->nend == c->nassigned)
		return -1;
	if ((msg = rd_kafka_consumer_poll(c->rk, timeout_ms)) == NULL)
		return 0;
	p = msg->partition;
	if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (p >= 0 && p < c->npartitions && c->assigned[p] &&
		    !c->at_end[p]) {
			c->at_end[p] = true;
			c->nend++;
		}
		rd_kafka_message_destroy(msg);
		return 0;
	}
	if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		/* A consumer error is reported and the stream goes on, as
		 * the client retries; a missing topic ends it. */
		if (msg->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		    msg->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
			snprintf(err, errlen, "%s", rd_kafka_message_errstr(msg));
			rd_kafka_message_destroy(msg);
			return -1;
		}
		kafka_report(c->kc, msg->err, rd_kafka_message_errstr(msg));
		rd_kafka_message_destroy(msg);
		return 0;
	}
	if (p >= 0 && p < c->npartitions && c->at_end[p]) {
		c->at_end[p] = false;
		c->nend--;
	}
	*m = msg;
	return 1;
}

int64_t
consumer_lag(struct consumer *c)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	int64_t lag = -1, lo, hi;

	if (rd_kafka_assignment(c->rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	rd_kafka_position(c->rk, l);
	for (int i = 0; i < l->cnt; i++) {
		const rd_kafka_topic_partition_t *tp = &l->elems[i];
		if (tp->offset < 0 || rd_kafka_get_watermark_offsets(c->rk,
		    tp->topic, tp->partition, &lo, &hi) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0)
			continue;
		lag = (lag < 0 ? 0 : lag) + (hi > tp->offset ? hi -
		    tp->offset : 0);
	}
	rd_kafka_topic_partition_list_destroy(l);
	return lag;
}

void
consumer_release(rd_kafka_message_t *m)
{
	rd_kafka_message_destroy(m);
}

void
consumer_close(struct consumer *c)
{
	if (c == NULL)
		return;
	if (c->rk != NULL) {
		rd_kafka_consumer_close(c->rk);
		rd_kafka_destroy(c->rk);
	}
	free(c->at_end);
	free(c->assigned);
	free(c);
}

/* "name":"text", or "name_base64":"..." with "name":null when the bytes
 * are not UTF-8 text; "name":null when there are none.  A NUL byte is
 * valid UTF-8 and JSON can escape it, but the record codec (vitals-clean,
 * delta-commit) refuses \u0000, so such bytes go to base64 too. */
static void
bytes_field(struct writer *w, const char *name, const void *p, size_t n)
{
	writer_char(w, ',');
	jw_string(w, name, strlen(name));
	writer_char(w, ':');
	if (p == NULL) {
		jw_null(w);
	} else if (utf8_valid(p, n) && memchr(p, '\0', n) == NULL) {
		jw_string(w, p, n);
	} else {
		jw_null(w);
		writer_char(w, ',');
		writer_char(w, '"');
		writer_str(w, name);
		writer_str(w, "_base64\":");
		jw_base64(w, p, n);
	}
}

void
envelope_print(const rd_kafka_message_t *m, int64_t ingest_usec,
    struct writer *w)
{
	rd_kafka_timestamp_type_t tstype;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);
	char buf[40];

	writer_str(w, "{\"topic\":");
	jw_string(w, rd_kafka_topic_name(m->rkt),
	    strlen(rd_kafka_topic_name(m->rkt)));
	writer_str(w, ",\"partition\":");
	jw_int(w, m->partition);
	writer_str(w, ",\"offset\":");
	jw_int(w, m->offset);
	bytes_field(w, "key", m->key, m->key_len);
	bytes_field(w, "value", m->payload, m->len);
	writer_str(w, ",\"kafka_timestamp\":");
	if (ts >= 0) {
		writer_char(w, '"');
		writer_mem(w, buf, iso_format_ms(buf, ts * 1000));
		writer_char(w, '"');
	} else {
		jw_null(w);
	}
	writer_str(w, ",\"ingest_time\":\"");
	writer_mem(w, buf, iso_format_ms(buf, ingest_usec));
	writer_str(w, "\",\"event_date\":\"");
	writer_mem(w, buf, iso_format_date(buf, usec_to_days(ts >= 0 ? ts * 1000 :
	    ingest_usec)));
	writer_str(w, "\"}\n");
}
