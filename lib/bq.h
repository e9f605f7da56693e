/*
 * bq: the BigQuery REST API v2 as bq-load uses it: JSON calls, load jobs
 * with media upload, and waiting for jobs, with BigQuery's rules for
 * retrying.
 *
 * Retried, with exponential backoff and jitter (first wait
 * BQ_LOAD_BACKOFF_MS, default 1000 ms, doubling to at most 32 s, eight
 * tries in all): no answer (connection refused or dropped), HTTP 429,
 * 500, 502, 503 and 504, and 403 whose reason is rateLimitExceeded or
 * userRateLimitExceeded.  A 401 fetches a new token once.  Anything else
 * is the caller's: *status and the error's own message say what
 * BigQuery said.  quotaExceeded is not retried: a scheduler should back
 * off instead (bq_quota_exceeded).
 *
 * Uploads: multipart up to 5 MiB, resumable beyond, in 8 MiB chunks; a
 * chunk that fails is resumed from what the server says it has (the
 * status query of the resumable protocol), not sent again whole.
 *
 * With a dry-run writer, nothing is sent: each request is printed there
 * (method, URL, the headers but Authorization, the JSON body; a media
 * body as its size) and answered as if BigQuery had nothing yet.
 */
#ifndef VL_BQ_H
#define VL_BQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bq_auth.h"
#include "http.h"
#include "writer.h"

#define BQ_API_DEFAULT	"https://bigquery.googleapis.com"

struct bq_options {
	const char *api;	/* API root; uploads go to its /upload/... */
	const char *project;
	const char *location;	/* NULL: BigQuery's default */
	struct writer *dry;	/* non-NULL: print, send nothing */
};

struct bq;

/* A client; the token and http are borrowed.  NULL with err for a bad
 * API root. */
struct bq *bq_new(const struct bq_options *o, struct bq_token *tok,
    struct http *h, char *err, size_t errlen);
void bq_free(struct bq *b);

bool bq_dry_run(const struct bq *b);
const char *bq_project(const struct bq *b);

/*
 * One JSON call: method on <api>/bigquery/v2/projects/<project><path>,
 * body NULL or a JSON object.  Returns 0 with *status (2xx, or a 4xx the
 * caller looks at) and *out the answer (NULL when empty; the caller's to
 * json_decref); -1 with err when no answer could be had.
 */
int bq_call(struct bq *b, const char *method, const char *path,
    json_t *body, long *status, json_t **out, char *err, size_t errlen);

/* Inserts a load job with its data as media; as bq_call. */
int bq_insert_load(struct bq *b, json_t *job, const void *data, size_t len,
    long *status, json_t **out, char *err, size_t errlen);

/* Gets job id until its state is DONE; *out is then its resource.  0,
 * or -1 with err. */
int bq_wait_job(struct bq *b, const char *id, const char *location,
    json_t **out, char *err, size_t errlen);

/* The message of an error answer: BigQuery's message, and its reason,
 * into buf. */
void bq_error_text(long status, json_t *answer, char *buf, size_t len);

/* The reason of an error answer ("duplicate", "notFound", ...) or "". */
const char *bq_error_reason(json_t *answer);

/* Whether BigQuery has said quotaExceeded (in an answer, or as the
 * reason a job failed, noted with bq_note_reason): a scheduler should
 * back off rather than retry at once. */
bool bq_quota_exceeded(const struct bq *b);
void bq_note_reason(struct bq *b, const char *reason);

#endif
