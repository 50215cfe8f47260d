/*
 * digest.h: the SHA-256 digests that name and check an image's blobs
 * (digest.c), "sha256:" and 64 lowercase hex digits, computed through
 * nettle.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <nettle/sha2.h>

#define DIGEST_HEX 64			/* hex digits of a SHA-256 */
#define DIGEST_TEXT (7 + DIGEST_HEX + 1)	/* "sha256:HEX" and a NUL */

struct digest {
	unsigned char sum[SHA256_DIGEST_SIZE];
	char hex[DIGEST_HEX + 1];
};

/* A digest being computed over bytes as they go by. */
struct hasher {
	struct sha256_ctx ctx;
};

/*
 * "sha256:HEX" into D: false for another algorithm or anything but 64
 * lowercase hex digits, so that D->hex is always safe in a path.
 */
bool digest_parse(const char *text, struct digest *d);

void hasher_init(struct hasher *h);
void hasher_update(struct hasher *h, const void *p, size_t n);
void hasher_final(struct hasher *h, struct digest *d);
void digest_of(const void *p, size_t n, struct digest *d);
bool digest_equal(const struct digest *a, const struct digest *b);

#endif
