/*
 * bq and bq_auth against answers no honest server gives, from a loopback
 * server in this process that replies with a fixed script: the cases
 * tests/fuzz/fuzz_bq.c found.  (tests/cli/bq_load.sh runs the real
 * flows against tests/bq/fake_bq.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "bq.h"
#include "bq_auth.h"
#include "http.h"

/* Just past bq.c's multipart limit: the upload is resumable. */
#define BIG	((5u << 20) + 1)
#define MAX_REQUESTS	100

static struct {
	int fd;
	char url[64];
	const char *const *script;	/* responses, NULL-terminated */
	const char *forever;		/* then this one, if not NULL */
	int next;
	int requests;
	char ranges[MAX_REQUESTS][80];	/* each request's Content-Range */
	int metadata;			/* token requests */
} sv;

static void
serve_one(int fd)
{
	static char head[1 << 16];
	char buf[1 << 16], out[4096];
	size_t n = 0, body = 0, got;
	const char *end, *v, *resp;
	ssize_t k;

	for (;;) {
		if (n + 1 >= sizeof head ||
		    (k = recv(fd, head + n, sizeof head - n - 1, 0)) <= 0)
			return;
		n += (size_t)k;
		head[n] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	if ((v = strcasestr(head, "\r\nContent-Length:")) != NULL)
		body = strtoull(v + 17, NULL, 10);
	for (got = n - (size_t)(end + 4 - head); got < body; got += (size_t)k)
		if ((k = recv(fd, buf, sizeof buf, 0)) <= 0)
			return;
	if (sv.requests < MAX_REQUESTS) {
		v = strcasestr(head, "\r\nContent-Range: ");
		snprintf(sv.ranges[sv.requests], sizeof sv.ranges[0], "%.*s",
		    v ? (int)strcspn(v + 17, "\r") : 0, v ? v + 17 : "");
	}
	if (sv.requests++ >= MAX_REQUESTS)
		return;
	if (strstr(head, "/computeMetadata/") != NULL)
		sv.metadata++;
	resp = sv.script[sv.next] != NULL ? sv.script[sv.next++] : sv.forever;
	if (resp == NULL)
		return;
	/* "STATUS\nheaders\n\nbody" into HTTP. */
	const char *hdrs = strchr(resp, '\n'), *b = strstr(resp, "\n\n");
	int hl = b > hdrs ? (int)(b - hdrs - 1) : 0;
	int len = snprintf(out, sizeof out, "HTTP/1.1 %.3s X\r\n%.*s%s"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", resp,
	    hl, hdrs + 1, hl > 0 ? "\r\n" : "", strlen(b + 2), b + 2);
	send(fd, out, (size_t)len, MSG_NOSIGNAL);
}

static void *
serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(sv.fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(fd);
		close(fd);
	}
	return NULL;
}

static int
setup(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	pthread_t th;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((sv.fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(sv.fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(sv.fd, 8) != 0 ||
	    getsockname(sv.fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	snprintf(sv.url, sizeof sv.url, "http://127.0.0.1:%d",
	    ntohs(sa.sin_port));
	setenv("BQ_LOAD_BACKOFF_MS", "0", 1);
	return pthread_create(&th, NULL, serve, NULL);
}

static void
script(const char *const *responses, const char *forever)
{
	sv.script = responses;
	sv.forever = forever;
	sv.next = sv.requests = sv.metadata = 0;
}

/* A resumable upload of BIG bytes; returns bq_insert_load's result. */
static int
upload(char *err, size_t errlen)
{
	struct bq_options o = { .api = sv.url, .project = "p" };
	struct bq_auth_options ao = { 0 };
	char e[256];
	struct http *h = http_new(e, sizeof e);
	struct bq_token *tok;
	struct bq *b;
	json_t *job = json_pack("{s:{s:s}}", "jobReference", "jobId", "j");
	json_t *out = NULL;
	unsigned char *data = calloc(1, BIG);
	long st;
	int rc;

	setenv("BQ_ACCESS_TOKEN", "tok", 1);
	tok = bq_token_new(&ao, h);
	b = bq_new(&o, tok, h, e, sizeof e);
	assert_non_null(b);
	err[0] = '\0';
	rc = bq_insert_load(b, job, data, BIG, &st, &out, err, errlen);
	json_decref(out);
	json_decref(job);
	free(data);
	bq_free(b);
	bq_token_free(tok);
	http_free(h);
	return rc;
}

/* A 308 claiming more bytes than the upload has: the client sent the
 * next chunk from there, reading past the end of its data (ASan saw the
 * read; the server got "bytes 100000000-.../5242881").  It is an error
 * now, and nothing is sent from beyond the end. */
static void
test_range_beyond_upload(void **state)
{
	static char loc[128];
	const char *const resp[] = { loc, "308\nRange: bytes=0-99999999\n\n",
	    "200\n\n{}", NULL };
	char err[256];

	(void)state;
	snprintf(loc, sizeof loc, "200\nLocation: %s/session\n\n", sv.url);
	script(resp, NULL);
	assert_int_equal(upload(err, sizeof err), -1);
	assert_non_null(strstr(err, "says it has 100000000 bytes of 5242881"));
	assert_int_equal(sv.requests, 2);
	assert_string_equal(sv.ranges[1], "bytes 0-5242880/5242881");
}

/* A 308 saying every byte arrived: the client sent "bytes
 * 5242881-5242880/5242881", no valid range.  It asks for the outcome
 * instead, with a range of "*" and the length. */
static void
test_range_complete(void **state)
{
	static char loc[128];
	const char *const resp[] = { loc, "308\nRange: bytes=0-5242880\n\n",
	    "200\n\n{}", NULL };
	char err[256];

	(void)state;
	snprintf(loc, sizeof loc, "200\nLocation: %s/session\n\n", sv.url);
	script(resp, NULL);
	assert_int_equal(upload(err, sizeof err), 0);
	assert_int_equal(sv.requests, 3);
	assert_string_equal(sv.ranges[2], "bytes */5242881");
}

/* A server that answers 308 without ever taking more was asked forever
 * (every 308 renewed the tries).  Only progress renews them now. */
static void
test_range_no_progress(void **state)
{
	static char loc[128];
	const char *const resp[] = { loc, NULL };
	char err[256];

	(void)state;
	snprintf(loc, sizeof loc, "200\nLocation: %s/session\n\n", sv.url);
	script(resp, "308\nRange: bytes=0-99\n\n");
	assert_int_equal(upload(err, sizeof err), -1);
	assert_true(sv.requests < 20);
	assert_string_equal(sv.ranges[2], "bytes 100-5242880/5242881");
}

/* A token answer whose expires_in is near INT64_MAX: time(NULL) plus it
 * overflowed (UBSan: signed integer overflow).  It counts as a year,
 * and the token is kept. */
static void
test_token_expires_in(void **state)
{
	const char *const resp[] = { "200\n\n{\"access_token\":\"ya29.x\","
	    "\"expires_in\":9223372036854775807}", NULL };
	struct bq_auth_options ao = { 0 };
	char err[256];
	struct http *h = http_new(err, sizeof err);
	struct bq_token *t;

	(void)state;
	script(resp, NULL);
	unsetenv("BQ_ACCESS_TOKEN");
	unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
	setenv("CLOUDSDK_CONFIG", "/nonexistent", 1);
	setenv("GCE_METADATA_HOST", sv.url + 7, 1);
	t = bq_token_new(&ao, h);
	assert_string_equal(bq_token_get(t, err, sizeof err), "ya29.x");
	assert_string_equal(bq_token_get(t, err, sizeof err), "ya29.x");
	assert_int_equal(sv.metadata, 1);
	bq_token_free(t);
	http_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_beyond_upload),
		cmocka_unit_test(test_range_complete),
		cmocka_unit_test(test_range_no_progress),
		cmocka_unit_test(test_token_expires_in),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
