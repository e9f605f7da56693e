/*
 * http: requests over libcurl for the tools that talk to web APIs
 * (bq-load).  One connection is kept and reused; TLS certificates and
 * host names are always verified (libcurl's defaults, never turned off),
 * and plain http is refused except to a loopback address, so a bearer
 * token never crosses a network in clear.
 *
 * A bearer token is passed apart from the other headers: it goes into
 * the Authorization header of that one request and nowhere else, and the
 * memory that held the header is cleared after it.  Nothing here prints
 * or logs a header; error messages name the method, the URL without its
 * query, and what went wrong.
 */
#ifndef VL_HTTP_H
#define VL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_response {
	long status;		/* HTTP status; 0 when none came */
	char *body;		/* NUL-terminated; len bytes */
	size_t len;
	char *location;		/* Location header, or NULL */
	char *range;		/* Range header, or NULL */
};

struct http;

/* A client; NULL with err when libcurl cannot start. */
struct http *http_new(char *err, size_t errlen);

/* Names libcurl and its version for -V (cli_version_uses). */
void http_version_uses(void);
void http_free(struct http *h);

/*
 * Sends one request and reads the whole response.  headers is a
 * NULL-terminated list of "Name: value" lines (may be NULL), bearer a
 * token or NULL.  Returns 0 when a response came (whatever its status;
 * *r is then filled, free it with http_response_free), -1 when none did
 * (connection refused or dropped, timeout), with err.
 */
int http_send(struct http *h, const char *method, const char *url,
    const char *const *headers, const char *bearer, const void *body,
    size_t len, struct http_response *r, char *err, size_t errlen);
void http_response_free(struct http_response *r);

/* 0 when url is https, or http to a loopback host; -1 with err. */
int http_check_url(const char *url, char *err, size_t errlen);

/* Appends s to buf (at *len of cap) %-escaped for a URL path segment or
 * query value (RFC 3986 unreserved characters kept).  Returns 0, or -1
 * when it does not fit. */
int url_escape(char *buf, size_t cap, size_t *len, const char *s);

#endif
