/*
 * compress: the page codecs of Parquet, one buffer in, one buffer out.
 *
 * Each codec produces exactly what a Parquet reader expects, with no
 * framing of our own (parquet-format Compression.md):
 *   CODEC_SNAPPY  the raw Snappy block format (snappy-c.h), not the framed
 *                 stream format;
 *   CODEC_GZIP    one RFC 1952 gzip member (zlib, windowBits 15 + 16), not
 *                 a zlib stream or raw deflate;
 *   CODEC_ZSTD    one zstd frame with its content size;
 *   CODEC_NONE    the bytes as they are.
 * The enum values are the Thrift CompressionCodec ids, so they go into the
 * footer as they are.
 *
 * A struct compressor keeps the codec's context (a zstd context, a zlib
 * stream) between pages, so compressing thousands of pages allocates
 * once.  Decompression is here too, for tests and for reading back.
 */
#ifndef VL_COMPRESS_H
#define VL_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum codec {
	CODEC_NONE = 0, CODEC_SNAPPY = 1, CODEC_GZIP = 2, CODEC_ZSTD = 6
};

#define CODEC_DEFAULT CODEC_ZSTD

/* "zstd", "snappy", "gzip", "none" or "uncompressed" (any case).
 * Returns 0 and the codec, or -1 for any other name. */
int codec_parse(const char *name, enum codec *out);
/* "zstd", "snappy", "gzip" or "none"; the same word Spark puts in file
 * names ("uncompressed" for none is only accepted, never printed). */
const char *codec_name(enum codec c);

/* The largest output compress_run can produce from n input bytes. */
size_t codec_bound(enum codec c, size_t n);

struct compressor;

/*
 * A compressor for codec c.  level 0 means the codec's default (zstd 3,
 * gzip 6); snappy and none have no level.  Never returns NULL (dies on
 * out of memory).  Free with compressor_free.
 */
struct compressor *compressor_new(enum codec c, int level);
void compressor_free(struct compressor *z);
enum codec compressor_codec(const struct compressor *z);

/*
 * Compresses src[0 .. n) into dst, which holds cap bytes; cap >=
 * codec_bound(codec, n) always suffices.  Returns the exact number of
 * bytes written, or -1 with a message in err (errlen bytes) when the
 * library reports an error; dst is then undefined.
 */
long long compressor_run(struct compressor *z, const void *src, size_t n,
    void *dst, size_t cap, char *err, size_t errlen);

/*
 * Decompresses src[0 .. n), which must expand to exactly want bytes, into
 * dst (at least want bytes).  Returns 0, or -1 with a message in err when
 * the data is corrupt or its length is not want.
 */
int codec_decompress(enum codec c, const void *src, size_t n, void *dst,
    size_t want, char *err, size_t errlen);

#endif
