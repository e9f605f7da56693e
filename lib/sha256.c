#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "xalloc.h"

struct sha256 {
	EVP_MD_CTX *ctx;
};

struct sha256 *
sha256_new(void)
{
	struct sha256 *h = xcalloc(1, sizeof *h);

	if ((h->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		cli_die(EXIT_FAIL, "SHA-256: out of memory");
	return h;
}

void
sha256_free(struct sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sha256_add(struct sha256 *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->ctx, p, n);
}

void
sha256_add_str(struct sha256 *h, const char *s)
{
	EVP_DigestUpdate(h->ctx, s, strlen(s));
}

void
sha256_hex(const struct sha256 *h, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_MD_CTX *c;

	/* From a copy, so that the running hash can go on. */
	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_MD_CTX_copy_ex(c, h->ctx) != 1 ||
	    EVP_DigestFinal_ex(c, md, &len) != 1)
		cli_die(EXIT_FAIL, "SHA-256: out of memory");
	EVP_MD_CTX_free(c);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
