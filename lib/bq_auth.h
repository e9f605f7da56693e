/*
 * bq_auth: an OAuth 2 access token for Google APIs, from the first of
 * these that is given:
 *   1. --token-file FILE: its first line;
 *   2. --token-command CMD: the first line CMD prints (run by /bin/sh,
 *      for example "gcloud auth print-access-token");
 *   3. the BQ_ACCESS_TOKEN environment variable;
 *   4. Application Default Credentials: the key file named by
 *      GOOGLE_APPLICATION_CREDENTIALS, else
 *      $CLOUDSDK_CONFIG/application_default_credentials.json (default
 *      ~/.config/gcloud/...): a service-account key (an RS256 JWT signed
 *      with OpenSSL, exchanged at the key's token_uri) or an
 *      authorized_user refresh token (exchanged at its token_uri, default
 *      Google's);
 *   5. the metadata server of a Google Cloud machine (GCE_METADATA_HOST,
 *      default metadata.google.internal).
 *
 * A token is fetched when first asked for and again when it is within a
 * minute of expiring or the API refused it (bq_token_refresh).  Tokens,
 * keys and refresh tokens are held in memory only, cleared when freed,
 * and never printed: error messages say where a token was to come from
 * and why it did not.
 */
#ifndef VL_BQ_AUTH_H
#define VL_BQ_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

struct bq_auth_options {
	const char *token_file;		/* NULL: not given */
	const char *token_command;	/* NULL: not given */
};

struct bq_token;

/* Picks the source (no request is made yet); h is borrowed. */
struct bq_token *bq_token_new(const struct bq_auth_options *o,
    struct http *h);
void bq_token_free(struct bq_token *t);

/* The token, fetched if needed; NULL with err. */
const char *bq_token_get(struct bq_token *t, char *err, size_t errlen);

/* The API refused the token: the next bq_token_get fetches a new one.
 * false when the source can only give the same token again. */
bool bq_token_refresh(struct bq_token *t);

/* Where the token comes from, for messages ("BQ_ACCESS_TOKEN", "token
 * file /x", "service account a@b from /k.json", ...). */
const char *bq_token_source(const struct bq_token *t);

#endif
