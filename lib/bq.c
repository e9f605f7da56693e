#include "bq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "rng.h"
#include "xalloc.h"

#define MAX_TRIES	8
#define MULTIPART_MAX	(5u << 20)
#define CHUNK		(8u << 20)	/* a multiple of 256 KiB */

struct bq {
	struct bq_options o;
	char *api;		/* without a trailing slash */
	struct bq_token *tok;
	struct http *h;
	int64_t backoff_ms;
	struct rng rng;
	bool quota;		/* quotaExceeded was answered */
};

struct bq *
bq_new(const struct bq_options *o, struct bq_token *tok, struct http *h,
    char *err, size_t errlen)
{
	struct bq *b;
	const char *e = getenv("BQ_LOAD_BACKOFF_MS");
	size_t n;

	if (http_check_url(o->api, err, errlen) != 0)
		return NULL;
	b = xcalloc(1, sizeof *b);
	b->o = *o;
	b->api = xstrdup(o->api);
	n = strlen(b->api);
	while (n > 0 && b->api[n - 1] == '/')
		b->api[--n] = '\0';
	b->tok = tok;
	b->h = h;
	b->backoff_ms = e != NULL && atoll(e) >= 0 ? atoll(e) : 1000;
	rng_seed(&b->rng, (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32);
	return b;
}

void
bq_free(struct bq *b)
{
	if (b == NULL)
		return;
	free(b->api);
	free(b);
}

void
bq_note_reason(struct bq *b, const char *reason)
{
	if (reason != NULL && strcmp(reason, "quotaExceeded") == 0)
		b->quota = true;
}

bool
bq_quota_exceeded(const struct bq *b)
{
	return b->quota;
}

bool
bq_dry_run(const struct bq *b)
{
	return b->o.dry != NULL;
}

const char *
bq_project(const struct bq *b)
{
	return b->o.project;
}

const char *
bq_error_reason(json_t *answer)
{
	json_t *e = json_object_get(json_object_get(answer, "error"),
	    "errors");
	const char *r = json_string_value(json_object_get(json_array_get(e,
	    0), "reason"));

	return r != NULL ? r : "";
}

void
bq_error_text(long status, json_t *answer, char *buf, size_t len)
{
	const char *msg = json_string_value(json_object_get(
	    json_object_get(answer, "error"), "message"));
	const char *reason = bq_error_reason(answer);

	snprintf(buf, len, "HTTP %ld%s%s%s%s%s", status,
	    msg != NULL ? ": " : "", msg != NULL ? msg : "",
	    *reason ? " (" : "", reason, *reason ? ")" : "");
}

/* Whether an answer (or none: status 0) is worth another try. */
static bool
retriable(long status, json_t *answer)
{
	const char *r = bq_error_reason(answer);

	if (status == 0 || status == 429 || status == 500 || status == 502 ||
	    status == 503 || status == 504)
		return true;
	if (status == 403)
		return strcmp(r, "rateLimitExceeded") == 0 ||
		    strcmp(r, "userRateLimitExceeded") == 0;
	return strcmp(r, "backendError") == 0 ||
	    strcmp(r, "internalError") == 0;
}

/* Sleeps before try number k (1, 2, ...): base * 2^(k-1), at most 32 s,
 * then a random half to all of it, so that clients spread out. */
static void
backoff(struct bq *b, int k)
{
	int64_t ms = b->backoff_ms;

	for (int i = 1; i < k && ms < 32000; i++)
		ms *= 2;
	if (ms > 32000)
		ms = 32000;
	ms = ms / 2 + (int64_t)rng_below(&b->rng, (uint64_t)(ms / 2 + 1));
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !cli_stop)
		;
}

/* Prints a request instead of sending it. */
static void
print_request(struct bq *b, const char *method, const char *url,
    const char *const *headers, json_t *body, size_t media)
{
	struct writer *w = b->o.dry;
	char *text;

	writer_str(w, method);
	writer_char(w, ' ');
	writer_str(w, url);
	writer_char(w, '\n');
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		writer_str(w, "  ");
		writer_str(w, headers[i]);
		writer_char(w, '\n');
	}
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
		writer_str(w, "  ");
		writer_str(w, text);
		writer_char(w, '\n');
		free(text);
	}
	if (media > 0) {
		char n[64];
		snprintf(n, sizeof n, "  (%zu bytes of data)\n", media);
		writer_str(w, n);
	}
	writer_flush(w);
}

/*
 * One request with the retry rules, answering 0 with *r when it got a
 * final answer (2xx, or an error not worth retrying), -1 with err when it
 * ran out of tries or got no answer at all.
 */
static int
send_retrying(struct bq *b, const char *method, const char *url,
    const char *const *headers, const void *body, size_t len,
    struct http_response *r, char *err, size_t errlen)
{
	bool refreshed = false;
	const char *token;
	json_t *j;
	int k;

	for (k = 1; k <= MAX_TRIES && !cli_stop; k++) {
		if ((token = bq_token_get(b->tok, err, errlen)) == NULL)
			return -1;
		if (http_send(b->h, method, url, headers, token, body, len, r,
		    err, errlen) != 0) {
			if (k < MAX_TRIES)
				backoff(b, k);
			continue;
		}
		j = json_loadb(r->body, r->len, 0, NULL);
		if (r->status == 401 && !refreshed &&
		    bq_token_refresh(b->tok)) {
			refreshed = true;
			json_decref(j);
			http_response_free(r);
			k--;
			continue;
		}
		if (r->status / 100 == 2 || r->status == 308 ||
		    !retriable(r->status, j) || k == MAX_TRIES) {
			bq_note_reason(b, bq_error_reason(j));
			json_decref(j);
			return 0;
		}
		bq_error_text(r->status, j, err, errlen);
		json_decref(j);
		http_response_free(r);
		backoff(b, k);
	}
	if (cli_stop)
		snprintf(err, errlen, "interrupted");
	return -1;
}

static void
api_url(struct bq *b, char *url, size_t cap, const char *root_path,
    const char *path)
{
	char p[600];
	size_t n = 0;

	url_escape(p, sizeof p, &n, b->o.project);
	snprintf(url, cap, "%s%s/projects/%s%s", b->api, root_path, p, path);
}

/* Parses an answer body into *out (NULL when empty or not JSON). */
static void
take_json(const struct http_response *r, json_t **out)
{
	*out = r->len > 0 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
}

int
bq_call(struct bq *b, const char *method, const char *path, json_t *body,
    long *status, json_t **out, char *err, size_t errlen)
{
	static const char *const json_hdr[] = {
		"Content-Type: application/json; charset=UTF-8", NULL
	};
	struct http_response r;
	char url[2048], *text = NULL;
	int rc;

	*out = NULL;
	*status = 0;
	api_url(b, url, sizeof url, "/bigquery/v2", path);
	if (b->o.dry != NULL) {
		print_request(b, method, url, body ? json_hdr : NULL, body, 0);
		/* As if BigQuery had nothing yet: gets find nothing, inserts
		 * succeed. */
		*status = strcmp(method, "GET") == 0 ? 404 : 200;
		return 0;
	}
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	rc = send_retrying(b, method, url, body ? json_hdr : NULL, text,
	    text ? strlen(text) : 0, &r, err, errlen);
	free(text);
	if (rc != 0)
		return -1;
	*status = r.status;
	take_json(&r, out);
	http_response_free(&r);
	return 0;
}

/* A boundary that does not occur in the data. */
static void
boundary(struct bq *b, const void *data, size_t len, char *out, size_t cap)
{
	do {
		snprintf(out, cap, "vitals_lakehouse_%016llx%016llx",
		    (unsigned long long)rng_next(&b->rng),
		    (unsigned long long)rng_next(&b->rng));
	} while (len > 0 && memmem(data, len, out, strlen(out)) != NULL);
}

static int
upload_multipart(struct bq *b, const char *jobs_url, const char *meta,
    const void *data, size_t len, struct http_response *r, char *err,
    size_t errlen)
{
	char bnd[64], ctype[128], url[2200];
	const char *hdr[] = { ctype, NULL };
	struct writer w;
	int rc;

	boundary(b, data, len, bnd, sizeof bnd);
	snprintf(ctype, sizeof ctype, "Content-Type: multipart/related; "
	    "boundary=%s", bnd);
	snprintf(url, sizeof url, "%s?uploadType=multipart", jobs_url);
	writer_open_memory(&w);
	writer_str(&w, "--");
	writer_str(&w, bnd);
	writer_str(&w, "\r\nContent-Type: application/json; charset=UTF-8\r\n"
	    "\r\n");
	writer_str(&w, meta);
	writer_str(&w, "\r\n--");
	writer_str(&w, bnd);
	writer_str(&w, "\r\nContent-Type: application/octet-stream\r\n\r\n");
	writer_mem(&w, data, len);
	writer_str(&w, "\r\n--");
	writer_str(&w, bnd);
	writer_str(&w, "--\r\n");
	rc = send_retrying(b, "POST", url, hdr, w.buf, w.len, r, err, errlen);
	writer_close(&w);
	return rc;
}

/* The next byte the server wants, from a 308's Range ("bytes=0-N"):
 * N + 1, or 0 when it has none. */
static size_t
next_byte(const struct http_response *r)
{
	const char *dash;

	if (r->range == NULL || (dash = strchr(r->range, '-')) == NULL)
		return 0;
	return (size_t)strtoull(dash + 1, NULL, 10) + 1;
}

static int
upload_resumable(struct bq *b, const char *jobs_url, const char *meta,
    const void *data, size_t len, struct http_response *r, char *err,
    size_t errlen)
{
	char url[2200], lenh[64], range[128];
	const char *init_hdr[] = {
		"Content-Type: application/json; charset=UTF-8",
		"X-Upload-Content-Type: application/octet-stream", lenh, NULL
	};
	const char *put_hdr[] = { range, NULL };
	char *session;
	size_t at = 0;
	int stalls = 0;

	snprintf(url, sizeof url, "%s?uploadType=resumable", jobs_url);
	snprintf(lenh, sizeof lenh, "X-Upload-Content-Length: %zu", len);
	if (send_retrying(b, "POST", url, init_hdr, meta, strlen(meta), r,
	    err, errlen) != 0)
		return -1;
	if (r->status != 200 || r->location == NULL)
		return 0;	/* the caller reads the error */
	if (http_check_url(r->location, err, errlen) != 0) {
		http_response_free(r);
		return -1;
	}
	session = xstrdup(r->location);
	http_response_free(r);
	for (;;) {
		size_t n = len - at > CHUNK ? CHUNK : len - at;
		const char *token = bq_token_get(b->tok, err, errlen);
		int rc;

		if (token == NULL)
			break;
		/* Nothing (left) to send: ask for the outcome, as a
		 * chunk "at-(at - 1)" would be no valid range. */
		if (n == 0)
			snprintf(range, sizeof range, "Content-Range: bytes "
			    "*/%zu", len);
		else
			snprintf(range, sizeof range, "Content-Range: bytes "
			    "%zu-%zu/%zu", at, at + n - 1, len);
		rc = http_send(b->h, "PUT", session, put_hdr, token,
		    (const char *)data + at, n, r, err, errlen);
		if (rc == 0 && (r->status == 200 || r->status == 201)) {
			free(session);
			return 0;
		}
		if (rc == 0 && r->status == 308) {
			size_t was = at;
			at = next_byte(r);
			http_response_free(r);
			if (at > len)
				goto beyond;
			/* Only progress renews the tries: a server that
			 * takes nothing more is not asked forever. */
			if (at > was) {
				stalls = 0;
			} else {
				if (++stalls > MAX_TRIES || cli_stop)
					break;
				backoff(b, stalls);
			}
			continue;
		}
		if (rc == 0 && !retriable(r->status, NULL)) {
			/* 404: the session is gone; the caller tries the
			 * whole insert again under the same job id. */
			free(session);
			return 0;
		}
		if (rc == 0)
			http_response_free(r);
		if (++stalls > MAX_TRIES || cli_stop)
			break;
		backoff(b, stalls);
		/* Ask what arrived, then go on from there. */
		snprintf(range, sizeof range, "Content-Range: bytes */%zu", len);
		if (http_send(b->h, "PUT", session, put_hdr, token, NULL, 0, r,
		    err, errlen) != 0)
			continue;
		if (r->status == 200 || r->status == 201) {
			free(session);
			return 0;
		}
		if (r->status == 308)
			at = next_byte(r);
		http_response_free(r);
		if (at > len)
			goto beyond;
	}
	free(session);
	if (err[0] == '\0')
		snprintf(err, errlen, "upload gave up");
	return -1;
beyond:
	/* Sending from there would read past the data. */
	free(session);
	snprintf(err, errlen, "upload: the server says it has %zu bytes of "
	    "%zu", at, len);
	return -1;
}

int
bq_insert_load(struct bq *b, json_t *job, const void *data, size_t len,
    long *status, json_t **out, char *err, size_t errlen)
{
	struct http_response r;
	char url[2048], *meta;
	int rc;

	*out = NULL;
	*status = 0;
	api_url(b, url, sizeof url, "/upload/bigquery/v2", "/jobs");
	if (b->o.dry != NULL) {
		char u[2200];
		snprintf(u, sizeof u, "%s?uploadType=%s", url,
		    len <= MULTIPART_MAX ? "multipart" : "resumable");
		print_request(b, "POST", u, NULL, job, len);
		*status = 200;
		return 0;
	}
	meta = json_dumps(job, JSON_COMPACT);
	err[0] = '\0';
	rc = len <= MULTIPART_MAX ?
	    upload_multipart(b, url, meta, data, len, &r, err, errlen) :
	    upload_resumable(b, url, meta, data, len, &r, err, errlen);
	free(meta);
	if (rc != 0)
		return -1;
	*status = r.status;
	take_json(&r, out);
	http_response_free(&r);
	return 0;
}

int
bq_wait_job(struct bq *b, const char *id, const char *location,
    json_t **out, char *err, size_t errlen)
{
	char path[2048], eid[1200], eloc[200];
	size_t n = 0, m = 0;
	int64_t wait_ms = 250;
	long status;

	*out = NULL;
	url_escape(eid, sizeof eid, &n, id);
	if (location != NULL)
		url_escape(eloc, sizeof eloc, &m, location);
	snprintf(path, sizeof path, "/jobs/%s%s%s", eid,
	    location != NULL ? "?location=" : "", location != NULL ? eloc :
	    "");
	for (;;) {
		json_t *j;
		if (bq_call(b, "GET", path, NULL, &status, &j, err,
		    errlen) != 0)
			return -1;
		if (b->o.dry != NULL)
			return 0;
		if (status != 200) {
			bq_error_text(status, j, err, errlen);
			json_decref(j);
			return -1;
		}
		const char *state = json_string_value(json_object_get(
		    json_object_get(j, "status"), "state"));
		if (state != NULL && strcmp(state, "DONE") == 0) {
			*out = j;
			return 0;
		}
		json_decref(j);
		if (cli_stop) {
			snprintf(err, errlen, "interrupted while job %s runs",
			    id);
			return -1;
		}
		/* As bq does: quick polls first, then up to 30 s apart. */
		struct timespec ts = { wait_ms / 1000,
		    (wait_ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		if (wait_ms < 30000)
			wait_ms = wait_ms * 3 / 2;
	}
}
