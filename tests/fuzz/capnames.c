/*
 * Capability names (lib/capnames.c): whatever capnum() makes of a
 * string must be explained by the table or the kernel's range. A number
 * it accepts is the decimal the string spells, at most 63; a name it
 * accepts is capname() of the answer, with or without "cap_", in any
 * case; a string it refuses is neither. At start, every entry of the
 * table and every number of the kernel's range go round trip.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conch.h"
#include "fuzz.h"

/* The decimal S spells, digits only, or -1 (or past 63: -2). */
static int
decimal(const char *s)
{
	unsigned long n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if ((n = n * 10 + (*s - '0')) > 63)
			n = 64;
	}
	return n > 63 ? -2 : (int)n;
}

static int
names(const char *s, int cap)
{
	const char *name = capname(cap);

	return name != NULL && (strcasecmp(s, name) == 0 ||
	    strcasecmp(s, name + 4) == 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char buf[64];
	int cap;

	(void)argc;
	(void)argv;
	conch_init("capset");
	for (cap = 0; cap < CAPNAMES_LEN; cap++)
		if (capname(cap) == NULL || capnum(capname(cap)) != cap ||
		    capnum(capname(cap) + 4) != cap)
			abort();
	for (cap = 0; cap <= caplast(); cap++) {
		snprintf(buf, sizeof(buf), "%d", cap);
		if (capnum(buf) != cap)
			abort();
	}
	if (capname(CAPNAMES_LEN) != NULL || capname(-1) != NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	int got, num, cap;

	if (s == NULL || strlen(s) != size) {
		free(s);
		return 0;
	}
	got = capnum(s);
	num = decimal(s);
	if (num != -1) {
		if (got != (num >= 0 ? num : -1))
			abort();
	} else if (got >= 0) {
		if (got >= CAPNAMES_LEN || !names(s, got))
			abort();
	} else {
		for (cap = 0; cap < CAPNAMES_LEN; cap++)
			if (names(s, cap))
				abort();
	}
	free(s);
	return 0;
}
