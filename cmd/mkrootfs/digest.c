/*
 * digest.c: SHA-256 for the image's blobs, through nettle: its
 * sha256_compress uses the CPU's SHA extensions where there are some
 * (Debian builds it "fat"), and libnettle.a links into the static musl
 * build as it is. Only sha256 digests are taken: it is what every image
 * tool writes, and the one the OCI image spec requires.
 */
#include <stdio.h>
#include <string.h>

#include "digest.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool
digest_parse(const char *text, struct digest *d)
{
	size_t i;
	int hi, lo;

	if (strncmp(text, "sha256:", 7) != 0 ||
	    strlen(text + 7) != DIGEST_HEX)
		return false;
	for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
		hi = hexval(text[7 + 2 * i]);
		lo = hexval(text[8 + 2 * i]);
		if (hi < 0 || lo < 0)
			return false;
		d->sum[i] = hi << 4 | lo;
	}
	memcpy(d->hex, text + 7, DIGEST_HEX + 1);
	return true;
}

void
hasher_init(struct hasher *h)
{
	sha256_init(&h->ctx);
}

void
hasher_update(struct hasher *h, const void *p, size_t n)
{
	sha256_update(&h->ctx, n, p);
}

void
hasher_final(struct hasher *h, struct digest *d)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sha256_digest(&h->ctx, sizeof(d->sum), d->sum);
	for (i = 0; i < sizeof(d->sum); i++) {
		d->hex[2 * i] = hex[d->sum[i] >> 4];
		d->hex[2 * i + 1] = hex[d->sum[i] & 15];
	}
	d->hex[DIGEST_HEX] = '\0';
}

void
digest_of(const void *p, size_t n, struct digest *d)
{
	struct hasher h;

	hasher_init(&h);
	hasher_update(&h, p, n);
	hasher_final(&h, d);
}

bool
digest_equal(const struct digest *a, const struct digest *b)
{
	return memcmp(a->sum, b->sum, sizeof(a->sum)) == 0;
}
