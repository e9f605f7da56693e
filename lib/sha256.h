/*
 * sha256: a running SHA-256 (OpenSSL's EVP) and its hex digest, for the
 * hashes the project writes down: the training data's in a model's
 * provenance, the content part of a BigQuery load job's id.
 */
#ifndef VL_SHA256_H
#define VL_SHA256_H

#include <stddef.h>

struct sha256;

/* A new hash of nothing.  Never NULL (dies on no memory). */
struct sha256 *sha256_new(void);
void sha256_free(struct sha256 *h);

void sha256_add(struct sha256 *h, const void *p, size_t n);
void sha256_add_str(struct sha256 *h, const char *s);

/* The digest of what was added so far, as 64 lowercase hex digits and a
 * NUL; more can still be added after. */
void sha256_hex(const struct sha256 *h, char hex[65]);

#endif
