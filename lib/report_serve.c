/*
 * report_serve: vitals-report --serve; see report_serve.h.
 */
#include "report_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "cli.h"
#include "delta_scan.h"
#include "writer.h"
#include "xalloc.h"

enum {
	KEEP_EVENTS = 64,	/* versions a late client can catch up on */
	POLL_MS = 300,
	KEEPALIVE_S = 15,	/* a comment line, so proxies keep the stream */
};

struct event {
	int64_t version;
	bool reload;
	char *text;		/* the whole SSE message */
	size_t len;
};

struct server {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct report *r;
	struct report_page pg;
	struct event ev[KEEP_EVENTS];	/* ring, by version % KEEP_EVENTS */
	int64_t first;			/* oldest version kept; -1: none */
	bool stopping;
	bool check_host;
	char hosts[3][80];		/* Host values answered on loopback */
};

/* One /events connection. */
struct stream {
	struct server *s;
	int64_t sent;		/* newest version sent */
	char *buf;		/* what is left to send of one message */
	size_t len, off;
};

void
report_serve_init(void)
{
	cli_version_uses("libmicrohttpd", MHD_get_version());
}

static struct MHD_Response *
text_response(const char *text)
{
	struct MHD_Response *rs = MHD_create_response_from_buffer(
	    strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);

	MHD_add_response_header(rs, "Content-Type", "text/plain; charset=utf-8");
	return rs;
}

static void
common_headers(struct MHD_Response *rs, const struct server *s)
{
	MHD_add_response_header(rs, "Cache-Control", "no-store");
	MHD_add_response_header(rs, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(rs, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(rs, "Content-Security-Policy", s->pg.live ?
	    "default-src 'none'; style-src 'unsafe-inline'; script-src "
	    "'unsafe-inline'; img-src data:; connect-src 'self'" :
	    "default-src 'none'");
}

/* The next message for a stream, copied under the lock: the events after
 * st->sent, a reload, a keepalive, or NULL when the server stops. */
static int
next_message(struct stream *st)
{
	struct server *s = st->s;
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += KEEPALIVE_S;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping && st->sent >= s->pg.version && rc == 0)
		rc = pthread_cond_timedwait(&s->cv, &s->mu, &until);
	free(st->buf);
	st->buf = NULL;
	st->off = st->len = 0;
	if (s->stopping) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	if (st->sent >= s->pg.version) {
		st->buf = xstrdup(": keepalive\n\n");
	} else if (s->first < 0 || st->sent + 1 < s->first ||
	    st->sent > s->pg.version) {
		st->buf = xstrdup("event: reload\ndata: {}\n\n");
		st->sent = s->pg.version;
	} else {
		const struct event *e = &s->ev[(st->sent + 1) % KEEP_EVENTS];

		if (e->reload)
			st->buf = xstrdup("event: reload\ndata: {}\n\n");
		else
			st->buf = xstrndup(e->text, e->len);
		st->sent = e->reload ? s->pg.version : e->version;
	}
	st->len = strlen(st->buf);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	size_t n;

	(void)pos;
	/* Thread per connection: waiting here blocks only this client. */
	if (st->off == st->len && next_message(st) != 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = st->len - st->off < max ? st->len - st->off : max;
	memcpy(buf, st->buf + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream *st = cls;

	free(st->buf);
	free(st);
}

static bool
host_ok(const struct server *s, const char *host)
{
	if (!s->check_host)
		return true;
	if (host == NULL)
		return false;
	for (int i = 0; i < 3; i++)
		if (strcmp(host, s->hosts[i]) == 0)
			return true;
	return false;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **con_cls)
{
	struct server *s = cls;
	struct MHD_Response *rs;
	unsigned status = MHD_HTTP_OK;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		rs = text_response("only GET and HEAD\n");
		MHD_add_response_header(rs, "Allow", "GET, HEAD");
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (!host_ok(s, MHD_lookup_connection_value(c,
	    MHD_HEADER_KIND, "Host"))) {
		rs = text_response("this server answers its loopback address "
		    "only\n");
		status = MHD_HTTP_FORBIDDEN;
	} else if (strcmp(url, "/") == 0) {
		struct writer w;
		char *body;
		size_t len;

		writer_open_memory(&w);
		pthread_mutex_lock(&s->mu);
		report_html_write(s->r, &s->pg, &w);
		pthread_mutex_unlock(&s->mu);
		len = w.len;
		body = xmalloc(len + 1);
		memcpy(body, w.buf, len);
		writer_close(&w);
		rs = MHD_create_response_from_buffer(len, body,
		    MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(rs, "Content-Type",
		    "text/html; charset=utf-8");
	} else if (strcmp(url, "/events") == 0) {
		struct stream *st = xcalloc(1, sizeof *st);
		const char *since = MHD_lookup_connection_value(c,
		    MHD_GET_ARGUMENT_KIND, "since");
		const char *last = MHD_lookup_connection_value(c,
		    MHD_HEADER_KIND, "Last-Event-ID");
		long long v;

		st->s = s;
		pthread_mutex_lock(&s->mu);
		st->sent = s->pg.version;
		pthread_mutex_unlock(&s->mu);
		/* A reconnecting EventSource says what it had. */
		if (last != NULL && cli_parse_int(last, -1, INT64_MAX, &v) == 0)
			st->sent = v;
		else if (since != NULL && cli_parse_int(since, -1, INT64_MAX,
		    &v) == 0)
			st->sent = v;
		rs = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
		    stream_read, st, stream_free);
		MHD_add_response_header(rs, "Content-Type",
		    "text/event-stream; charset=utf-8");
	} else {
		rs = text_response("not found\n");
		status = MHD_HTTP_NOT_FOUND;
	}
	common_headers(rs, s);
	ret = MHD_queue_response(c, status, rs);
	MHD_destroy_response(rs);
	return ret;
}

/* scan_file's callback: a new row into the whole report and into the
 * report of this version's rows. */
struct pair {
	struct report *all, *added;
	char *err;
	size_t errlen;
};

static int
take_new(const struct record *row, void *arg)
{
	struct pair *p = arg;

	if (report_add_scanned(p->all, row, p->err, p->errlen) != 0)
		return 1;
	return report_add_scanned(p->added, row, p->err, p->errlen) != 0;
}

static int
take_all(const struct record *row, void *arg)
{
	struct pair *p = arg;

	return report_add_scanned(p->all, row, p->err, p->errlen) != 0;
}

static void
keep_event(struct server *s, int64_t v, bool reload, struct writer *w)
{
	struct event *e = &s->ev[v % KEEP_EVENTS];

	free(e->text);
	e->version = v;
	e->reload = reload;
	e->text = NULL;
	e->len = 0;
	if (w != NULL) {
		e->text = xmalloc(w->len + 1);
		memcpy(e->text, w->buf, w->len);
		e->len = w->len;
	}
	if (s->first < 0 || s->first <= v - KEEP_EVENTS)
		s->first = s->first < 0 ? v : v - KEEP_EVENTS + 1;
}

/* Takes in version t->version + 1 if it is there: 1 taken, 0 none yet,
 * -1 error.  Called with s->mu held. */
static int
take_version(struct server *s, const char *root, struct delta_table *t,
    int verbose, char *err, size_t errlen)
{
	json_t *actions, *a;
	int64_t v = t->version + 1;
	bool removed = false;
	size_t i;
	int rc;

	if ((rc = delta_read_commit(root, v, &actions, err, errlen)) <= 0)
		return rc;
	if (delta_apply_commit(t, v, err, errlen) != 1) {
		json_decref(actions);
		return -1;
	}
	json_array_foreach(actions, i, a) {
		json_t *rm = json_object_get(a, "remove");

		if (rm != NULL && json_is_true(json_object_get(rm,
		    "dataChange")))
			removed = true;
	}
	s->pg.version = v;
	if (removed) {
		/* Rows went away: fold the table again, pages reload. */
		struct report *all = report_new(t->schema, err, errlen);
		struct pair p = { .all = all, .err = err, .errlen = errlen };
		struct scan_totals tot;

		if (all == NULL || scan_each(t, report_columns(all), take_all,
		    &p, &tot, err, errlen) != 0) {
			report_free(all);
			json_decref(actions);
			return -1;
		}
		report_free(s->r);
		s->r = all;
		keep_event(s, v, true, NULL);
	} else {
		struct report *added = report_new(t->schema, err, errlen);
		struct pair p = { .all = s->r, .added = added, .err = err,
		    .errlen = errlen };
		struct writer w;
		char head[64];

		if (added == NULL) {
			json_decref(actions);
			return -1;
		}
		json_array_foreach(actions, i, a) {
			json_t *add = json_object_get(a, "add");
			const char *path = json_string_value(
			    json_object_get(add, "path"));

			/* A rearrangement (compaction) adds no rows. */
			if (path == NULL || json_is_false(json_object_get(add,
			    "dataChange")))
				continue;
			if (scan_file(t, path, add, take_new, &p, err,
			    errlen) != 0) {
				report_free(added);
				json_decref(actions);
				return -1;
			}
		}
		writer_open_memory(&w);
		snprintf(head, sizeof head, "id: %" PRId64 "\ndata: ", v);
		writer_str(&w, head);
		report_html_update(s->r, added, &s->pg, &w);
		writer_str(&w, "\n\n");
		keep_event(s, v, false, &w);
		writer_close(&w);
		if (verbose > 0)
			cli_warn("version=%" PRId64 " rows=%llu", v,
			    (unsigned long long)report_rows(added));
		report_free(added);
	}
	json_decref(actions);
	return 1;
}

int
report_serve(const char *root, struct delta_table *t, struct report **r,
    const struct report_page *pg, const struct serve_options *o, char *err,
    size_t errlen)
{
	struct server s;
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	const char *addr = o->listen != NULL ? o->listen : "127.0.0.1";
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD;
	bool v6 = false, loopback;
	int port, rc = 0;

	memset(&s, 0, sizeof s);
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)o->port);
		loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)o->port);
		loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		v6 = true;
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "--listen %s: not a numeric IPv4 or IPv6 "
		    "address", addr);
		return -1;
	}
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	s.r = *r;
	s.pg = *pg;
	s.pg.live = true;
	s.first = -1;
	d = MHD_start_daemon(flags, 0, NULL, NULL, answer, &s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, 64u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 120u,
	    MHD_OPTION_END);
	if (d == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", addr,
		    o->port, strerror(errno));
		rc = -1;
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info != NULL ? info->port : o->port;
	/* Loopback: only a Host naming it, against DNS rebinding. */
	s.check_host = loopback;
	snprintf(s.hosts[0], sizeof s.hosts[0], v6 ? "[%s]:%d" : "%s:%d",
	    addr, port);
	snprintf(s.hosts[1], sizeof s.hosts[1], "localhost:%d", port);
	snprintf(s.hosts[2], sizeof s.hosts[2], "%s", s.hosts[0]);
	if (o->verbose >= 0)
		cli_warn("serving http://%s/ (version %" PRId64 ")", s.hosts[0],
		    s.pg.version);

	while (!cli_stop) {
		struct timespec nap = { 0, POLL_MS * 1000000L };
		int got;

		nanosleep(&nap, NULL);
		do {
			pthread_mutex_lock(&s.mu);
			got = take_version(&s, root, t, o->verbose, err, errlen);
			if (got > 0)
				pthread_cond_broadcast(&s.cv);
			pthread_mutex_unlock(&s.mu);
		} while (got > 0 && !cli_stop);
		if (got < 0) {
			rc = -1;
			break;
		}
	}
	pthread_mutex_lock(&s.mu);
	s.stopping = true;
	pthread_cond_broadcast(&s.cv);
	pthread_mutex_unlock(&s.mu);
	MHD_stop_daemon(d);
out:
	for (int i = 0; i < KEEP_EVENTS; i++)
		free(s.ev[i].text);
	*r = s.r;
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.mu);
	return rc;
}
