#include "http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "xalloc.h"

/* A new easy handle for each request, all sharing one connection cache
 * (and DNS and TLS sessions), rather than one handle reset between
 * requests: curl_easy_reset cannot say that it failed (it allocates), and
 * a handle half reset stalls a request, while curl_easy_init and every
 * curl_easy_setopt can, and are checked. */
struct http {
	CURLSH *share;
	char curl_err[CURL_ERROR_SIZE];
};

/* The response as it arrives. */
struct sink {
	struct http_response *r;
	size_t cap;
};

struct source {
	const char *p;
	size_t left;
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	xgrow(&s->r->body, &s->cap, s->r->len + len + 1, 1);
	memcpy(s->r->body + s->r->len, data, len);
	s->r->len += len;
	s->r->body[s->r->len] = '\0';
	return len;
}

/* The value of "Name: value\r\n" when the line is that header. */
static char *
header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v, *end = line + len;

	if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	for (v = line + n + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' '))
		end--;
	char *out = xmalloc((size_t)(end - v) + 1);
	memcpy(out, v, (size_t)(end - v));
	out[end - v] = '\0';
	return out;
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;
	char *v;

	/* A new status line (after a 100 Continue) starts the headers
	 * again. */
	if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(s->r->location);
		free(s->r->range);
		s->r->location = s->r->range = NULL;
	} else if ((v = header_value(line, len, "Location")) != NULL) {
		free(s->r->location);
		s->r->location = v;
	} else if ((v = header_value(line, len, "Range")) != NULL) {
		free(s->r->range);
		s->r->range = v;
	}
	return len;
}

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct source *s = arg;
	size_t len = size * n;

	if (len > s->left)
		len = s->left;
	if (len == 0)
		return 0;
	memcpy(buf, s->p, len);
	s->p += len;
	s->left -= len;
	return len;
}

void
http_version_uses(void)
{
	cli_version_uses("libcurl", curl_version_info(CURLVERSION_NOW)->version);
}

struct http *
http_new(char *err, size_t errlen)
{
	static int started;
	struct http *h;

	if (!started) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			snprintf(err, errlen, "libcurl: cannot start");
			return NULL;
		}
		started = 1;
	}
	h = xcalloc(1, sizeof *h);
	if ((h->share = curl_share_init()) == NULL ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		snprintf(err, errlen, "libcurl: cannot start");
		http_free(h);
		return NULL;
	}
	return h;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	free(h);
}

void
http_response_free(struct http_response *r)
{
	free(r->body);
	free(r->location);
	free(r->range);
	memset(r, 0, sizeof *r);
}

/* The URL without its query, for messages. */
static void
url_for_message(const char *url, char *buf, size_t cap)
{
	size_t n = strcspn(url, "?#");

	snprintf(buf, cap, "%.*s", (int)(n > 300 ? 300 : n), url);
}

/* Appends line to *hl; false, with *hl kept for freeing, when libcurl
 * cannot. */
static bool
add_header(struct curl_slist **hl, const char *line)
{
	struct curl_slist *n = curl_slist_append(*hl, line);

	if (n == NULL)
		return false;
	*hl = n;
	return true;
}

int
http_send(struct http *h, const char *method, const char *url,
    const char *const *headers, const char *bearer, const void *body,
    size_t len, struct http_response *r, char *err, size_t errlen)
{
	struct curl_slist *hl = NULL;
	struct sink sink = { .r = r };
	struct source src = { .p = body, .left = body != NULL ? len : 0 };
	char *auth = NULL, where[320];
	size_t auth_len = 0;
	CURLcode cc = CURLE_OK;
	CURL *c;
	bool ok = true;

	memset(r, 0, sizeof *r);
	r->body = xmalloc(1);
	r->body[0] = '\0';
	sink.cap = 1;
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		ok = ok && add_header(&hl, headers[i]);
	if (bearer != NULL) {
		auth_len = strlen(bearer) + 32;
		auth = xmalloc(auth_len);
		snprintf(auth, auth_len, "Authorization: Bearer %s", bearer);
		ok = ok && add_header(&hl, auth);
	}
	/* libcurl would add these itself, and a PUT would wait a second
	 * for a 100 Continue the servers here do not send. */
	ok = ok && add_header(&hl, "Expect:");
	if ((c = curl_easy_init()) == NULL)
		ok = false;
#define SET(opt, val) (ok = ok && curl_easy_setopt(c, opt, val) == CURLE_OK)
	SET(CURLOPT_SHARE, h->share);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_CUSTOMREQUEST, method);
	SET(CURLOPT_HTTPHEADER, hl);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, &sink);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &sink);
	SET(CURLOPT_ERRORBUFFER, h->curl_err);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled connection ends, as one dropped does: under 1 byte/s
	 * for a minute. */
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, 60L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	if (strcmp(method, "GET") == 0) {
		SET(CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "PUT") == 0 || body != NULL) {
		SET(CURLOPT_UPLOAD, 1L);
		SET(CURLOPT_READFUNCTION, on_read);
		SET(CURLOPT_READDATA, &src);
		SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)src.left);
	} else {
		SET(CURLOPT_POSTFIELDSIZE, 0L);
		SET(CURLOPT_POSTFIELDS, "");
	}
#undef SET
	h->curl_err[0] = '\0';
	if (ok)
		cc = curl_easy_perform(c);
	curl_slist_free_all(hl);
	if (auth != NULL) {
		explicit_bzero(auth, auth_len);
		free(auth);
	}
	if (!ok || cc != CURLE_OK) {
		url_for_message(url, where, sizeof where);
		snprintf(err, errlen, "%s %s: %s", method, where,
		    !ok ? "libcurl could not set up the request (out of "
		    "memory)" : h->curl_err[0] != '\0' ? h->curl_err :
		    curl_easy_strerror(cc));
		http_response_free(r);
		curl_easy_cleanup(c);
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	return 0;
}

int
http_check_url(const char *url, char *err, size_t errlen)
{
	const char *host, *end;
	size_t n;

	if (strncmp(url, "https://", 8) == 0)
		return 0;
	if (strncmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "%.200s: not an http or https URL", url);
		return -1;
	}
	host = url + 7;
	if (*host == '[') {
		end = strchr(host, ']');
		n = end != NULL ? (size_t)(end - host) + 1 : 0;
	} else {
		n = strcspn(host, ":/?#");
	}
	/* A literal 127.x.y.z, not a name that starts like one
	 * (127.0.0.1.example.com resolves anywhere). */
	char lit[64];
	struct in_addr a;
	if (n > 0 && n < sizeof lit) {
		memcpy(lit, host, n);
		lit[n] = '\0';
		if (inet_pton(AF_INET, lit, &a) == 1 &&
		    (ntohl(a.s_addr) >> 24) == 127)
			return 0;
	}
	if ((n == 9 && strncmp(host, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(host, "[::1]", 5) == 0))
		return 0;
	snprintf(err, errlen, "%.200s: plain http only to a loopback address "
	    "(127.0.0.1, localhost, [::1]); use https", url);
	return -1;
}

int
url_escape(char *buf, size_t cap, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' &&
		    ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		    ch == '.' || ch == '_' || ch == '~';
		if (*len + (keep ? 1 : 3) + 1 > cap)
			return -1;
		if (keep) {
			buf[(*len)++] = (char)ch;
		} else {
			buf[(*len)++] = '%';
			buf[(*len)++] = hex[ch >> 4];
			buf[(*len)++] = hex[ch & 15];
		}
	}
	buf[*len] = '\0';
	return 0;
}
