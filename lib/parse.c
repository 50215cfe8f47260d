/* Strict parsing: the whole string, digits only, no overflow. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"

int
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
parse_long(const char *s, long min, long max, long *out)
{
	long v;
	char *end;

	if (!isdigit((unsigned char)s[s[0] == '-' || s[0] == '+']))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A byte count with an optional binary suffix: 512, 64K, 256M, 1G, 2T. */
int
parse_size(const char *s, unsigned long long *out)
{
	static const char suffixes[] = "KMGT";
	unsigned long long v;
	const char *p;
	char *end;
	int shift;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == '\0') {
		*out = v;
		return 0;
	}
	p = strchr(suffixes, toupper((unsigned char)*end));
	if (p == NULL || end[1] != '\0')
		return -1;
	shift = 10 * (int)(p - suffixes + 1);
	if (v > ULLONG_MAX >> shift)
		return -1;
	*out = v << shift;
	return 0;
}
