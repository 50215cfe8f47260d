/*
 * decompress.c: what an archive's first bytes say it is, and the gzip and
 * zstd decoders, run in this process through zlib and libzstd: gzip and
 * zstd are the compressions of image layers (the OCI image spec names no
 * other), whose digest is taken over the compressed bytes. Decoding here,
 * the bytes are read once, hashed and inflated in the same pass, from a
 * window of an image archive as well as from a file, with no fork or
 * exec per layer and no decompressor needed in a static root. xz and
 * bzip2 come only as whole tarballs (--tar): filter.c runs their
 * programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "conch.h"
#include "tarread.h"

enum codec
codec_of(const unsigned char *h, size_t n)
{
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return CODEC_GZIP;
	if (n >= 4 && memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0)
		return CODEC_ZSTD;
	if (n >= 6 && memcmp(h, "\xfd" "7zXZ\0", 6) == 0)
		return CODEC_FILTER;
	if (n >= 3 && memcmp(h, "BZh", 3) == 0)
		return CODEC_FILTER;
	return CODEC_PLAIN;
}

/* More compressed bytes into zbuf; false at the end of the input. */
static bool
refill(struct tar *t)
{
	if (t->zpos < t->zlen)
		return true;
	if (t->zeof)
		return false;
	t->zpos = 0;
	t->zlen = tar_raw(t, t->zbuf, sizeof(t->zbuf));
	t->zeof = t->zlen == 0;
	return !t->zeof;
}

/* After a gzip member: another may follow (pigz, cat a.gz b.gz). */
static void
gzip_next_member(struct tar *t, z_stream *z)
{
	if (!refill(t)) {
		t->zend = true;
		return;
	}
	if (t->zbuf[t->zpos] != 0x1f)
		tar_fail(t, "gzip: trailing garbage after the compressed data");
	if (inflateReset(z) != Z_OK)
		tar_fail(t, "gzip: %s", z->msg ? z->msg : "inflateReset");
}

static size_t
gzip_fill(struct tar *t)
{
	z_stream *z = t->z;
	bool more;
	int st;

	z->next_out = t->buf;
	z->avail_out = sizeof(t->buf);
	while (z->avail_out == sizeof(t->buf) && !t->zend) {
		/* With no more input, zlib may still hold output. */
		more = refill(t);
		z->next_in = t->zbuf + t->zpos;
		z->avail_in = t->zlen - t->zpos;
		st = inflate(z, Z_NO_FLUSH);
		t->zpos = t->zlen - z->avail_in;
		if (st == Z_STREAM_END)
			gzip_next_member(t, z);
		else if (st == Z_MEM_ERROR)
			die("out of memory");
		else if (st == Z_BUF_ERROR && !more)
			tar_fail(t, "gzip: unexpected end of the compressed "
			    "data");
		else if (st != Z_OK && st != Z_BUF_ERROR)
			tar_fail(t, "gzip: %s", z->msg ? z->msg :
			    "corrupt data");
	}
	return sizeof(t->buf) - z->avail_out;
}

/*
 * zstd: frames one after the other. t->zlast is the decoder's last
 * answer, 0 when a whole frame was decoded and flushed.
 */
static size_t
zstd_fill(struct tar *t)
{
	ZSTD_outBuffer out = { t->buf, sizeof(t->buf), 0 };
	ZSTD_inBuffer in;
	bool more;
	size_t st;

	while (out.pos == 0 && !t->zend) {
		more = refill(t);
		if (!more && t->zlast == 0) {
			t->zend = true;
			break;
		}
		in = (ZSTD_inBuffer){ t->zbuf, t->zlen, t->zpos };
		st = ZSTD_decompressStream(t->z, &out, &in);
		t->zpos = in.pos;
		if (ZSTD_isError(st))
			tar_fail(t, "zstd: %s", ZSTD_getErrorName(st));
		t->zlast = st;
		if (!more && out.pos == 0)
			tar_fail(t, "zstd: unexpected end of the compressed "
			    "data");
	}
	return out.pos;
}

void
decoder_start(struct tar *t)
{
	z_stream *z;

	if (t->codec == CODEC_GZIP) {
		z = calloc(1, sizeof(*z));
		if (z == NULL)
			die("out of memory");
		/* 16 + 15: a gzip header, the largest window. */
		if (inflateInit2(z, 16 + MAX_WBITS) != Z_OK)
			die("zlib: inflateInit2 failed");
		t->z = z;
	} else {
		if ((t->z = ZSTD_createDStream()) == NULL)
			die("out of memory");
		t->zlast = 1;	/* no frame yet */
	}
	trace("%s: %s, in this process", t->what,
	    t->codec == CODEC_GZIP ? "gzip" : "zstd");
}

/* Decoded bytes into t->buf; 0 at the end of the stream. */
size_t
decoder_fill(struct tar *t)
{
	return t->codec == CODEC_GZIP ? gzip_fill(t) : zstd_fill(t);
}

void
decoder_end(struct tar *t)
{
	if (t->z == NULL)
		return;
	if (t->codec == CODEC_GZIP) {
		inflateEnd(t->z);
		free(t->z);
	} else {
		ZSTD_freeDStream(t->z);
	}
	t->z = NULL;
}
