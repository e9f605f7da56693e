#include "compress.h"

#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "xalloc.h"

#define ZSTD_LEVEL_DEFAULT	3
#define GZIP_LEVEL_DEFAULT	6
/* windowBits 15 plus 16 asks zlib for the gzip wrapper (RFC 1952). */
#define GZIP_WINDOW_BITS	(15 + 16)

struct compressor {
	enum codec codec;
	int level;
	ZSTD_CCtx *zstd;
	z_stream gz;
	int gz_ready;		/* gz holds a deflate state to reset */
};

static const struct {
	const char *name;
	enum codec codec;
} names[] = {
	{ "zstd", CODEC_ZSTD }, { "snappy", CODEC_SNAPPY },
	{ "gzip", CODEC_GZIP }, { "none", CODEC_NONE },
	{ "uncompressed", CODEC_NONE },
};

int
codec_parse(const char *name, enum codec *out)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].codec;
			return 0;
		}
	}
	return -1;
}

const char *
codec_name(enum codec c)
{
	switch (c) {
	case CODEC_ZSTD:
		return "zstd";
	case CODEC_SNAPPY:
		return "snappy";
	case CODEC_GZIP:
		return "gzip";
	case CODEC_NONE:
		return "none";
	}
	return "unknown";
}

size_t
codec_bound(enum codec c, size_t n)
{
	switch (c) {
	case CODEC_ZSTD:
		return ZSTD_compressBound(n);
	case CODEC_SNAPPY:
		return snappy_max_compressed_length(n);
	case CODEC_GZIP:
		/* deflateBound() without a stream assumes the zlib
		 * wrapper (6 bytes); gzip's is 18, so add the difference. */
		return compressBound((uLong)n) + 18;
	case CODEC_NONE:
		break;
	}
	return n;
}

struct compressor *
compressor_new(enum codec c, int level)
{
	struct compressor *z = xcalloc(1, sizeof *z);

	z->codec = c;
	z->level = level;
	if (c == CODEC_ZSTD && level == 0)
		z->level = ZSTD_LEVEL_DEFAULT;
	if (c == CODEC_GZIP && level == 0)
		z->level = GZIP_LEVEL_DEFAULT;
	return z;
}

void
compressor_free(struct compressor *z)
{
	if (z == NULL)
		return;
	ZSTD_freeCCtx(z->zstd);
	if (z->gz_ready)
		deflateEnd(&z->gz);
	free(z);
}

enum codec
compressor_codec(const struct compressor *z)
{
	return z->codec;
}

static long long
run_zstd(struct compressor *z, const void *src, size_t n, void *dst,
    size_t cap, char *err, size_t errlen)
{
	size_t r;

	if (z->zstd == NULL && (z->zstd = ZSTD_createCCtx()) == NULL)
		xalloc_fail();
	r = ZSTD_compressCCtx(z->zstd, dst, cap, src, n, z->level);
	if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
		xalloc_fail();
	if (ZSTD_isError(r)) {
		snprintf(err, errlen, "zstd: %s", ZSTD_getErrorName(r));
		return -1;
	}
	return (long long)r;
}

static long long
run_gzip(struct compressor *z, const void *src, size_t n, void *dst,
    size_t cap, char *err, size_t errlen)
{
	int rc;

	/* One deflate state for all pages: deflateReset starts a new gzip
	 * member without freeing the 256 KiB of tables. */
	if (!z->gz_ready) {
		memset(&z->gz, 0, sizeof z->gz);
		rc = deflateInit2(&z->gz, z->level, Z_DEFLATED,
		    GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY);
		if (rc == Z_MEM_ERROR)
			xalloc_fail();
		if (rc != Z_OK) {
			snprintf(err, errlen, "gzip: deflateInit2 failed (%d)",
			    rc);
			return -1;
		}
		z->gz_ready = 1;
	} else if (deflateReset(&z->gz) != Z_OK) {
		snprintf(err, errlen, "gzip: deflateReset failed");
		return -1;
	}
	/* zlib counts in uInt; pages are far below 4 GiB (they are i32). */
	z->gz.next_in = (Bytef *)(uintptr_t)src;
	z->gz.avail_in = (uInt)n;
	z->gz.next_out = dst;
	z->gz.avail_out = (uInt)cap;
	rc = deflate(&z->gz, Z_FINISH);
	if (rc != Z_STREAM_END) {
		snprintf(err, errlen, "gzip: deflate failed (%d)", rc);
		return -1;
	}
	return (long long)(cap - z->gz.avail_out);
}

long long
compressor_run(struct compressor *z, const void *src, size_t n, void *dst,
    size_t cap, char *err, size_t errlen)
{
	size_t out;

	if (n > UINT32_MAX / 2) {
		snprintf(err, errlen, "page of %zu bytes is too large", n);
		return -1;
	}
	switch (z->codec) {
	case CODEC_ZSTD:
		return run_zstd(z, src, n, dst, cap, err, errlen);
	case CODEC_GZIP:
		return run_gzip(z, src, n, dst, cap, err, errlen);
	case CODEC_SNAPPY:
		out = cap;
		if (snappy_compress(src, n, dst, &out) != SNAPPY_OK) {
			snprintf(err, errlen, "snappy: compression failed");
			return -1;
		}
		return (long long)out;
	case CODEC_NONE:
		if (cap < n) {
			snprintf(err, errlen, "output buffer too small");
			return -1;
		}
		memcpy(dst, src, n);
		return (long long)n;
	}
	snprintf(err, errlen, "unknown codec %d", (int)z->codec);
	return -1;
}

static int
gunzip(const void *src, size_t n, void *dst, size_t want, char *err,
    size_t errlen)
{
	z_stream s;
	int rc;

	memset(&s, 0, sizeof s);
	if ((rc = inflateInit2(&s, GZIP_WINDOW_BITS)) != Z_OK) {
		if (rc == Z_MEM_ERROR)
			xalloc_fail();
		snprintf(err, errlen, "gzip: inflateInit2 failed");
		return -1;
	}
	s.next_in = (Bytef *)(uintptr_t)src;
	s.avail_in = (uInt)n;
	s.next_out = dst;
	s.avail_out = (uInt)want;
	if ((rc = inflate(&s, Z_FINISH)) == Z_MEM_ERROR)
		xalloc_fail();
	if (rc != Z_STREAM_END || s.total_out != want || s.avail_in != 0) {
		snprintf(err, errlen, "gzip: corrupt data or wrong length "
		    "(rc %d, %lu of %zu bytes)", rc, s.total_out, want);
		inflateEnd(&s);
		return -1;
	}
	inflateEnd(&s);
	return 0;
}

int
codec_decompress(enum codec c, const void *src, size_t n, void *dst,
    size_t want, char *err, size_t errlen)
{
	size_t got;

	switch (c) {
	case CODEC_ZSTD:
		got = ZSTD_decompress(dst, want, src, n);
		if (ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation)
			xalloc_fail();
		if (ZSTD_isError(got)) {
			snprintf(err, errlen, "zstd: %s", ZSTD_getErrorName(got));
			return -1;
		}
		break;
	case CODEC_GZIP:
		return gunzip(src, n, dst, want, err, errlen);
	case CODEC_SNAPPY:
		if (snappy_uncompressed_length(src, n, &got) != SNAPPY_OK ||
		    got != want) {
			snprintf(err, errlen, "snappy: corrupt data or wrong "
			    "length");
			return -1;
		}
		if (snappy_uncompress(src, n, dst, &got) != SNAPPY_OK) {
			snprintf(err, errlen, "snappy: corrupt data");
			return -1;
		}
		break;
	case CODEC_NONE:
		got = n;
		if (n == want)
			memcpy(dst, src, n);
		break;
	default:
		snprintf(err, errlen, "unknown codec %d", (int)c);
		return -1;
	}
	if (got != want) {
		snprintf(err, errlen, "%s: %zu bytes, expected %zu",
		    codec_name(c), got, want);
		return -1;
	}
	return 0;
}
