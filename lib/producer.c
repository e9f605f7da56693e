#include "producer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonw.h"
#include "record.h"
#include "schema.h"
#include "xalloc.h"

struct producer {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct kafka_client *kc;
	int32_t partition;
	struct schema *key_schema;	/* the key field, or no field: no key */
	struct record *rec;
	struct producer_totals tot;
	char first_failure[256];
};

void
producer_defaults(rd_kafka_conf_t *conf)
{
	char err[256];

	/* Idempotence implies acks=all and bounded in-flight requests;
	 * acks is set as well so a reader of -X list sees it stated. */
	kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
	kafka_conf_set(conf, "acks", "all", err, sizeof err);
	/* A typo in -t must be an error, not a new topic. */
	kafka_conf_set(conf, "allow.auto.create.topics", "false", err,
	    sizeof err);
}

/* Runs on the tool's thread, from rd_kafka_poll. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *p = m->_private;

	(void)rk;
	(void)opaque;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		p->tot.delivered++;
		return;
	}
	if (p->tot.failed++ == 0)
		snprintf(p->first_failure, sizeof p->first_failure, "%s",
		    rd_kafka_err2str(m->err));
}

struct producer *
producer_open(rd_kafka_conf_t *conf, struct kafka_client *kc,
    const struct producer_options *o, char *err, size_t errlen)
{
	struct producer *p = xcalloc(1, sizeof *p);
	char text[512];
	int nparts;

	p->kc = kc;
	p->partition = o->partition;
	if (o->key != NULL && *o->key != '\0') {
		snprintf(text, sizeof text, "{\"type\":\"struct\",\"fields\":["
		    "{\"name\":\"%s\",\"type\":\"string\",\"nullable\":true,"
		    "\"metadata\":{}}]}", o->key);
		if (strchr(o->key, '"') != NULL || strchr(o->key, '\\') != NULL
		    || (p->key_schema = schema_parse(text, strlen(text), err,
		    errlen)) == NULL) {
			snprintf(err, errlen, "--key %s: not a field name",
			    o->key);
			rd_kafka_conf_destroy(conf);
			goto fail;
		}
		p->rec = record_new(p->key_schema);
	} else {
		static const char none[] =
		    "{\"type\":\"struct\",\"fields\":[]}";
		if ((p->key_schema = schema_parse(none, strlen(none), err,
		    errlen)) == NULL) {
			rd_kafka_conf_destroy(conf);
			goto fail;
		}
		p->rec = record_new(p->key_schema);
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	if ((p->rk = kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen)) == NULL)
		goto fail;
	if (kafka_check_topic(p->rk, kc, o->topic, o->connect_timeout_ms,
	    &nparts, err, errlen) != 0)
		goto fail;
	if (o->partition >= nparts) {
		snprintf(err, errlen, "topic %s has no partition %d (it has "
		    "%d)", o->topic, (int)o->partition, nparts);
		goto fail;
	}
	p->rkt = rd_kafka_topic_new(p->rk, o->topic, NULL);
	return p;
fail:
	producer_close(p);
	return NULL;
}

/* The key of a record: its key field's text, or none. */
static void
record_key(struct producer *p, const char **key, size_t *len, char *buf)
{
	const struct jval *v;

	*key = NULL;
	*len = 0;
	if (p->key_schema->n == 0)
		return;
	v = &p->rec->v[0];
	if (v->kind == JK_STRING) {
		*key = v->s;
		*len = v->len;
	} else if (v->kind == JK_INT) {
		*len = fmt_int(buf, v->i);
		*key = buf;
	}
}

int
producer_send(struct producer *p, const char *line, size_t len,
    const char **reason, char *detail, size_t detail_len, char *err,
    size_t errlen)
{
	char why[160], num[32];
	const char *key;
	size_t keylen;

	if (record_scan(p->rec, line, len, why) != 0) {
		*reason = "bad_json";
		snprintf(detail, detail_len, "%s", why);
		return 1;
	}
	record_key(p, &key, &keylen, num);
	for (;;) {
		if (p->kc->fatal != 0) {
			snprintf(err, errlen, "%s", p->kc->fatal_msg);
			return -1;
		}
		/* _private carries the producer to the delivery report. */
		if (rd_kafka_produce(p->rkt, p->partition < 0 ?
		    RD_KAFKA_PARTITION_UA : p->partition, RD_KAFKA_MSG_F_COPY,
		    (void *)line, len, key, keylen, p) == 0)
			break;
		if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			snprintf(err, errlen, "%s",
			    rd_kafka_err2str(rd_kafka_last_error()));
			return -1;
		}
		/* The local queue is full: wait for deliveries to drain it. */
		rd_kafka_poll(p->rk, 10);
	}
	p->tot.sent++;
	rd_kafka_poll(p->rk, 0);
	return 0;
}

int
producer_poll(struct producer *p, int ms, char *err, size_t errlen)
{
	rd_kafka_poll(p->rk, ms);
	if (p->kc->fatal != 0) {
		snprintf(err, errlen, "%s", p->kc->fatal_msg);
		return -1;
	}
	return 0;
}

int
producer_wait(struct producer *p, char *err, size_t errlen)
{
	/* Every message handed over ends in a delivery report, at the
	 * latest after message.timeout.ms, also when the producer failed. */
	while (p->tot.delivered + p->tot.failed < p->tot.sent)
		rd_kafka_poll(p->rk, 100);
	if (p->tot.failed == 0)
		return 0;
	snprintf(err, errlen, "%llu message%s not delivered: %s",
	    (unsigned long long)p->tot.failed, p->tot.failed == 1 ? "" : "s",
	    p->kc->fatal != 0 ? p->kc->fatal_msg : p->first_failure);
	return -1;
}

void
producer_totals(const struct producer *p, struct producer_totals *t)
{
	*t = p->tot;
}

void
producer_close(struct producer *p)
{
	if (p == NULL)
		return;
	if (p->rkt != NULL)
		rd_kafka_topic_destroy(p->rkt);
	if (p->rk != NULL)
		rd_kafka_destroy(p->rk);
	record_free(p->rec);
	schema_free(p->key_schema);
	free(p);
}
