/*
 * parse_size (lib/parse.c) against a model written here: digits, then at
 * most one of K M G T (any case), no overflow of 64 bits. Any disagreement
 * aborts.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"
#include "fuzz.h"

static int
model(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p = s;
	int shift = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (~0ULL - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p != '\0') {
		const char *u = strchr("KMGT", toupper((unsigned char)*p));

		if (u == NULL || *u == '\0' || p[1] != '\0')
			return -1;
		shift = 10 * (int)(u - "KMGT" + 1);
		if (v > ~0ULL >> shift)
			return -1;
	}
	*out = v << shift;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long got = 0, want = 0;
	char *s = fuzz_string(data, size);
	int r, m;

	if (s == NULL || strlen(s) != size) {
		free(s);
		return 0;
	}
	r = parse_size(s, &got);
	m = model(s, &want);
	if (r != m || (r == 0 && got != want))
		abort();
	free(s);
	return 0;
}
