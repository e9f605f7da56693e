#include "bq_auth.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "jsonw.h"
#include "writer.h"
#include "xalloc.h"

#define SCOPE		"https://www.googleapis.com/auth/bigquery"
#define GOOGLE_TOKEN_URI	"https://oauth2.googleapis.com/token"
#define TOKEN_MAX	8192

enum source {
	SRC_FILE, SRC_COMMAND, SRC_ENV, SRC_SERVICE_ACCOUNT,
	SRC_AUTHORIZED_USER, SRC_METADATA, SRC_NONE
};

struct bq_token {
	enum source src;
	struct http *h;
	char *path;		/* token file, command, or key file */
	json_t *key;		/* a parsed ADC file */
	char what[400];		/* bq_token_source */
	char token[TOKEN_MAX];
	bool have;
	time_t expires;		/* 0: unknown */
};

static void
set_what(struct bq_token *t, const char *fmt, const char *arg)
{
	snprintf(t->what, sizeof t->what, fmt, arg);
}

/* The ADC file to use, or NULL. */
static char *
adc_path(void)
{
	const char *e = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	const char *cfg = getenv("CLOUDSDK_CONFIG"), *home = getenv("HOME");
	char buf[4096];
	FILE *fp;

	if (e != NULL && *e != '\0')
		return xstrdup(e);
	if (cfg != NULL && *cfg != '\0')
		snprintf(buf, sizeof buf,
		    "%s/application_default_credentials.json", cfg);
	else if (home != NULL)
		snprintf(buf, sizeof buf, "%s/.config/gcloud/"
		    "application_default_credentials.json", home);
	else
		return NULL;
	if ((fp = fopen(buf, "r")) == NULL)
		return NULL;
	fclose(fp);
	return xstrdup(buf);
}

struct bq_token *
bq_token_new(const struct bq_auth_options *o, struct http *h)
{
	struct bq_token *t = xcalloc(1, sizeof *t);
	const char *env = getenv("BQ_ACCESS_TOKEN");
	json_error_t je;

	t->h = h;
	if (o->token_file != NULL) {
		t->src = SRC_FILE;
		t->path = xstrdup(o->token_file);
		set_what(t, "token file %s", o->token_file);
	} else if (o->token_command != NULL) {
		t->src = SRC_COMMAND;
		t->path = xstrdup(o->token_command);
		set_what(t, "%s", "--token-command");
	} else if (env != NULL && *env != '\0') {
		t->src = SRC_ENV;
		set_what(t, "%s", "BQ_ACCESS_TOKEN");
	} else if ((t->path = adc_path()) != NULL) {
		const char *type;
		t->key = json_load_file(t->path, 0, &je);
		type = json_string_value(json_object_get(t->key, "type"));
		if (type != NULL && strcmp(type, "service_account") == 0) {
			t->src = SRC_SERVICE_ACCOUNT;
			snprintf(t->what, sizeof t->what, "service account %s "
			    "from %s", json_string_value(json_object_get(t->key,
			    "client_email")) ? json_string_value(
			    json_object_get(t->key, "client_email")) : "?",
			    t->path);
		} else if (type != NULL && strcmp(type, "authorized_user") == 0) {
			t->src = SRC_AUTHORIZED_USER;
			set_what(t, "authorized_user credentials from %s",
			    t->path);
		} else {
			t->src = SRC_NONE;
			snprintf(t->what, sizeof t->what, "%s: %s", t->path,
			    t->key == NULL ? "not JSON" : "neither a "
			    "service_account nor an authorized_user key");
		}
	} else {
		t->src = SRC_METADATA;
		set_what(t, "the metadata server (%s)",
		    getenv("GCE_METADATA_HOST") != NULL ?
		    getenv("GCE_METADATA_HOST") : "metadata.google.internal");
	}
	return t;
}

void
bq_token_free(struct bq_token *t)
{
	if (t == NULL)
		return;
	explicit_bzero(t->token, sizeof t->token);
	if (t->key != NULL) {
		/* The private key's text is in the JSON tree: clear it. */
		json_t *pk = json_object_get(t->key, "private_key");
		json_t *rt = json_object_get(t->key, "refresh_token");
		if (json_is_string(pk))
			explicit_bzero((char *)json_string_value(pk),
			    json_string_length(pk));
		if (json_is_string(rt))
			explicit_bzero((char *)json_string_value(rt),
			    json_string_length(rt));
		json_decref(t->key);
	}
	free(t->path);
	free(t);
}

const char *
bq_token_source(const struct bq_token *t)
{
	return t->what;
}

/* Keeps the first line of text as the token.  -1 when there is none or
 * it has characters a header cannot carry. */
static int
take_line(struct bq_token *t, const char *text, size_t len)
{
	size_t n = 0;

	while (n < len && text[n] != '\n' && text[n] != '\r')
		n++;
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof t->token)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] <= ' ' || text[i] == 0x7f)
			return -1;
	memcpy(t->token, text, n);
	t->token[n] = '\0';
	return 0;
}

static int
from_file(struct bq_token *t, char *err, size_t errlen)
{
	char buf[TOKEN_MAX];
	FILE *fp = fopen(t->path, "r");
	size_t n;
	int rc;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", t->what, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	rc = take_line(t, buf, n);
	explicit_bzero(buf, sizeof buf);
	if (rc != 0)
		snprintf(err, errlen, "%s: no token on its first line",
		    t->what);
	return rc;
}

static int
from_command(struct bq_token *t, char *err, size_t errlen)
{
	char buf[TOKEN_MAX];
	FILE *fp;
	size_t n = 0, got;
	int st, rc;

	fflush(NULL);
	if ((fp = popen(t->path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot run it: %s", t->what,
		    strerror(errno));
		return -1;
	}
	while (n < sizeof buf - 1 && (got = fread(buf + n, 1,
	    sizeof buf - 1 - n, fp)) > 0)
		n += got;
	/* Read to the end so the command is not killed by SIGPIPE. */
	for (char rest[512]; fread(rest, 1, sizeof rest, fp) > 0; )
		explicit_bzero(rest, sizeof rest);
	st = pclose(fp);
	if (st != 0) {
		explicit_bzero(buf, sizeof buf);
		snprintf(err, errlen, "%s failed (exit status %d)", t->what,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -1;
	}
	rc = take_line(t, buf, n);
	explicit_bzero(buf, sizeof buf);
	if (rc != 0)
		snprintf(err, errlen, "%s printed no token", t->what);
	return rc;
}

/* Takes access_token and expires_in from a token endpoint's answer. */
static int
take_answer(struct bq_token *t, const struct http_response *r,
    const char *where, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(r->body, r->len, 0, &je);
	json_t *tok = json_object_get(j, "access_token");
	json_t *exp = json_object_get(j, "expires_in");
	const char *why = json_string_value(json_object_get(j, "error"));
	int rc = -1;

	if (r->status != 200 || !json_is_string(tok)) {
		/* The error code of an OAuth answer names no secret. */
		snprintf(err, errlen, "%s: %s answered HTTP %ld%s%s", t->what,
		    where, r->status, why != NULL ? ": " : "",
		    why != NULL ? why : "");
	} else if (take_line(t, json_string_value(tok),
	    json_string_length(tok)) != 0) {
		snprintf(err, errlen, "%s: %s sent a malformed token", t->what,
		    where);
	} else {
		/* Google's are an hour; a year at most, so that the sum
		 * cannot overflow whatever the answer says. */
		json_int_t in = json_integer_value(exp);
		in = in < 0 ? 0 : in > 366 * 86400 ? 366 * 86400 : in;
		t->expires = json_is_integer(exp) ? time(NULL) + in : 0;
		rc = 0;
	}
	if (json_is_string(tok))
		explicit_bzero((char *)json_string_value(tok),
		    json_string_length(tok));
	json_decref(j);
	return rc;
}

/* POSTs a form to a token endpoint. */
static int
post_form(struct bq_token *t, const char *uri, const char *form,
    char *err, size_t errlen)
{
	static const char *const hdr[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};
	struct http_response r;
	int rc;

	if (http_check_url(uri, err, errlen) != 0)
		return -1;
	if (http_send(t->h, "POST", uri, hdr, NULL, form, strlen(form), &r,
	    err, errlen) != 0)
		return -1;
	rc = take_answer(t, &r, "the token endpoint", err, errlen);
	explicit_bzero(r.body, r.len);
	http_response_free(&r);
	return rc;
}

/* Appends name=value, %-escaped, to a form. */
static void
form_add(struct writer *w, const char *name, const char *value)
{
	char buf[8192];
	size_t n = 0;

	if (w->len > 0)
		writer_char(w, '&');
	writer_str(w, name);
	writer_char(w, '=');
	if (url_escape(buf, sizeof buf, &n, value) == 0)
		writer_mem(w, buf, n);
	explicit_bzero(buf, sizeof buf);
}

/* The JWT of RFC 7523 for a service account, signed RS256. */
static int
service_account(struct bq_token *t, char *err, size_t errlen)
{
	const char *email = json_string_value(json_object_get(t->key,
	    "client_email"));
	const char *pem = json_string_value(json_object_get(t->key,
	    "private_key"));
	const char *kid = json_string_value(json_object_get(t->key,
	    "private_key_id"));
	const char *uri = json_string_value(json_object_get(t->key,
	    "token_uri"));
	struct writer jwt, form;
	json_t *head, *claims;
	char *h, *c;
	unsigned char sig[1024];
	size_t siglen = sizeof sig;
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	BIO *bio;
	time_t now = time(NULL);
	int rc = -1;

	if (email == NULL || pem == NULL) {
		snprintf(err, errlen, "%s: no client_email or private_key",
		    t->what);
		return -1;
	}
	if (uri == NULL)
		uri = GOOGLE_TOKEN_URI;
	head = kid != NULL ? json_pack("{s:s, s:s, s:s}", "alg", "RS256",
	    "typ", "JWT", "kid", kid) : json_pack("{s:s, s:s}", "alg",
	    "RS256", "typ", "JWT");
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", email,
	    "scope", SCOPE, "aud", uri, "iat", (json_int_t)now, "exp",
	    (json_int_t)(now + 3600));
	h = json_dumps(head, JSON_COMPACT);
	c = json_dumps(claims, JSON_COMPACT);
	json_decref(head);
	json_decref(claims);
	writer_open_memory(&jwt);
	base64_write(&jwt, h, strlen(h), true);
	writer_char(&jwt, '.');
	base64_write(&jwt, c, strlen(c), true);
	free(h);
	free(c);
	bio = BIO_new_mem_buf(pem, -1);
	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL || (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSignUpdate(md, jwt.buf, jwt.len) != 1 ||
	    EVP_DigestSignFinal(md, NULL, &siglen) != 1 ||
	    siglen > sizeof sig ||
	    EVP_DigestSignFinal(md, sig, &siglen) != 1) {
		snprintf(err, errlen, "%s: its private_key cannot sign "
		    "(not an RSA key in PEM?)", t->what);
		goto out;
	}
	writer_char(&jwt, '.');
	base64_write(&jwt, sig, siglen, true);
	writer_char(&jwt, '\0');
	writer_open_memory(&form);
	form_add(&form, "grant_type",
	    "urn:ietf:params:oauth:grant-type:jwt-bearer");
	form_add(&form, "assertion", jwt.buf);
	writer_char(&form, '\0');
	rc = post_form(t, uri, form.buf, err, errlen);
	explicit_bzero(form.buf, form.len);
	writer_close(&form);
out:
	explicit_bzero(jwt.buf, jwt.len);
	writer_close(&jwt);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return rc;
}

static int
authorized_user(struct bq_token *t, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(t->key,
	    "client_id"));
	const char *secret = json_string_value(json_object_get(t->key,
	    "client_secret"));
	const char *refresh = json_string_value(json_object_get(t->key,
	    "refresh_token"));
	const char *uri = json_string_value(json_object_get(t->key,
	    "token_uri"));
	struct writer form;
	int rc;

	if (id == NULL || secret == NULL || refresh == NULL) {
		snprintf(err, errlen, "%s: no client_id, client_secret or "
		    "refresh_token", t->what);
		return -1;
	}
	writer_open_memory(&form);
	form_add(&form, "grant_type", "refresh_token");
	form_add(&form, "client_id", id);
	form_add(&form, "client_secret", secret);
	form_add(&form, "refresh_token", refresh);
	writer_char(&form, '\0');
	rc = post_form(t, uri != NULL ? uri : GOOGLE_TOKEN_URI, form.buf,
	    err, errlen);
	explicit_bzero(form.buf, form.len);
	writer_close(&form);
	return rc;
}

static int
metadata(struct bq_token *t, char *err, size_t errlen)
{
	static const char *const hdr[] = { "Metadata-Flavor: Google", NULL };
	const char *host = getenv("GCE_METADATA_HOST");
	char url[512];
	struct http_response r;
	int rc;

	if (host == NULL || *host == '\0')
		host = "metadata.google.internal";
	snprintf(url, sizeof url, "%s%s/computeMetadata/v1/instance/"
	    "service-accounts/default/token", strncmp(host, "http", 4) == 0 ?
	    "" : "http://", host);
	if (http_send(t->h, "GET", url, hdr, NULL, NULL, 0, &r, err,
	    errlen) != 0) {
		char why[400];
		snprintf(why, sizeof why, "%s", err);
		snprintf(err, errlen, "no credentials: no token file or "
		    "command, no BQ_ACCESS_TOKEN, no Application Default "
		    "Credentials, and %s did not answer (%s)", t->what, why);
		return -1;
	}
	rc = take_answer(t, &r, "the metadata server", err, errlen);
	explicit_bzero(r.body, r.len);
	http_response_free(&r);
	return rc;
}

const char *
bq_token_get(struct bq_token *t, char *err, size_t errlen)
{
	int rc;

	if (t->have && (t->expires == 0 || time(NULL) < t->expires - 60))
		return t->token;
	t->have = false;
	switch (t->src) {
	case SRC_FILE:
		rc = from_file(t, err, errlen);
		break;
	case SRC_COMMAND:
		rc = from_command(t, err, errlen);
		break;
	case SRC_ENV:
		rc = take_line(t, getenv("BQ_ACCESS_TOKEN"),
		    strlen(getenv("BQ_ACCESS_TOKEN")));
		if (rc != 0)
			snprintf(err, errlen, "BQ_ACCESS_TOKEN: not a token");
		break;
	case SRC_SERVICE_ACCOUNT:
		rc = service_account(t, err, errlen);
		break;
	case SRC_AUTHORIZED_USER:
		rc = authorized_user(t, err, errlen);
		break;
	case SRC_METADATA:
		rc = metadata(t, err, errlen);
		break;
	default:
		snprintf(err, errlen, "%s", t->what);
		rc = -1;
		break;
	}
	if (rc != 0)
		return NULL;
	t->have = true;
	return t->token;
}

bool
bq_token_refresh(struct bq_token *t)
{
	t->have = false;
	explicit_bzero(t->token, sizeof t->token);
	return t->src != SRC_ENV;
}
