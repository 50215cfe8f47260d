/*
 * cgmake's settings: each FILE=VALUE of the command line checked and
 * converted to what the kernel takes, before anything is made: sizes
 * with K, M, G or T (1024-based) or max, counts, cpu.max as QUOTA
 * [PERIOD], max [PERIOD] or PERCENT% of one CPU, io.max with sizes in
 * its KEY=VALUE tokens; and the controllers the files need.
 */
#include <stdio.h>
#include <string.h>
#include <fnmatch.h>

#include "cgmake.h"

enum kind { VERBATIM, SIZE, COUNT, CPU_MAX, KEY_SIZES };

static const struct {
	const char *pattern;
	enum kind kind;
} value_kinds[] = {
	{ "memory.max", SIZE }, { "memory.high", SIZE },
	{ "memory.low", SIZE }, { "memory.min", SIZE },
	{ "memory.swap.max", SIZE }, { "memory.swap.high", SIZE },
	{ "memory.zswap.max", SIZE }, { "memory.reclaim", SIZE },
	{ "hugetlb.*.max", SIZE },
	{ "pids.max", COUNT },
	{ "cgroup.max.depth", COUNT }, { "cgroup.max.descendants", COUNT },
	{ "cpu.max", CPU_MAX },
	{ "io.max", KEY_SIZES },
};

static enum kind
kind_of(const char *file)
{
	size_t i;

	for (i = 0; i < LEN(value_kinds); i++)
		if (fnmatch(value_kinds[i].pattern, file, 0) == 0)
			return value_kinds[i].kind;
	return VERBATIM;
}

static int
size_value(const char *v, char *out, size_t size)
{
	unsigned long long n;

	if (strcmp(v, "max") == 0)
		return (size_t)snprintf(out, size, "max") < size ? 0 : -1;
	if (parse_size(v, &n) == -1)
		return -1;
	return (size_t)snprintf(out, size, "%llu", n) < size ? 0 : -1;
}

/* "50%" of one CPU: the quota for the kernel's default 100 ms period. */
static int
percent_quota(const char *v, unsigned long long *quota)
{
	unsigned long long whole = 0, milli = 0;
	const char *p = v;
	int digits = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
			milli = milli * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			milli *= 10;
	}
	if (strcmp(p, "%") != 0)
		return -1;
	/* 1% of 100000 us is 1000 us: PERCENT.MILLI * 1000 */
	*quota = whole * 1000 + milli;
	return *quota > 0 ? 0 : -1;
}

/* cpu.max: PERCENT%, QUOTA, QUOTA PERIOD, max, max PERIOD. */
static int
cpu_max_value(const char *v, char *out, size_t size)
{
	unsigned long long quota;
	unsigned long n;
	char buf[64], *period;

	if (strchr(v, '%') != NULL) {
		if (percent_quota(v, &quota) == -1)
			return -1;
		return (size_t)snprintf(out, size, "%llu 100000", quota) <
		    size ? 0 : -1;
	}
	if (strlen(v) >= sizeof(buf))
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	period = strchr(buf, ' ');
	if (period != NULL) {
		*period++ = '\0';
		if (parse_ulong(period, ULONG_MAX, &n) == -1)
			return -1;
	}
	if (strcmp(buf, "max") != 0 && parse_ulong(buf, ULONG_MAX, &n) == -1)
		return -1;
	return (size_t)snprintf(out, size, "%s", v) < size ? 0 : -1;
}

/* io.max "MAJ:MIN rbps=1M wbps=max ...": sizes in KEY=VALUE tokens. */
static int
key_sizes_value(const char *v, char *out, size_t size, char *bad,
    size_t bad_size)
{
	char copy[4096], *rest = copy, *tok, *eq;
	size_t len = 0;
	unsigned long long n;
	int w;

	if (strlen(v) >= sizeof(copy))
		return -1;
	memcpy(copy, v, strlen(v) + 1);
	out[0] = '\0';
	while ((tok = strsep(&rest, " ")) != NULL) {
		eq = strchr(tok, '=');
		if (eq != NULL && strcmp(eq + 1, "max") != 0) {
			if (parse_size(eq + 1, &n) == -1) {
				snprintf(bad, bad_size, "%s", eq + 1);
				return -1;
			}
			w = snprintf(out + len, size - len, "%s%.*s=%llu",
			    len ? " " : "", (int)(eq - tok), tok, n);
		} else {
			w = snprintf(out + len, size - len, "%s%s",
			    len ? " " : "", tok);
		}
		if (w < 0 || (size_t)w >= size - len)
			return -1;
		len += w;
	}
	return 0;
}

/* VALUE converted for FILE of kind KIND into S->value; dies if bad. */
static void
convert(struct setting *s, enum kind kind, const char *v)
{
	char bad[4096] = "";
	int r = 0;

	switch (kind) {
	case SIZE:
		if (size_value(v, s->value, sizeof(s->value)) == -1)
			die("%s: bad size '%s' (a number with an optional K, "
			    "M, G or T suffix, or max)", s->arg, v);
		return;
	case COUNT:
		if (strcmp(v, "max") != 0 &&
		    parse_size(v, &(unsigned long long){ 0 }) == -1)
			die("%s: bad number '%s' (a number, or max)", s->arg,
			    v);
		r = size_value(v, s->value, sizeof(s->value));
		break;
	case CPU_MAX:
		if (cpu_max_value(v, s->value, sizeof(s->value)) == -1)
			die("%s: bad value '%s' (PERCENT%% of one CPU, "
			    "QUOTA [PERIOD] in microseconds, or max [PERIOD])",
			    s->arg, v);
		return;
	case KEY_SIZES:
		r = key_sizes_value(v, s->value, sizeof(s->value), bad,
		    sizeof(bad));
		if (r == -1 && bad[0] != '\0')
			die("%s: bad size '%s' (a number with an optional K, "
			    "M, G or T suffix, or max)", s->arg, bad);
		break;
	case VERBATIM:
		r = snprintf(s->value, sizeof(s->value), "%s", v) <
		    (int)sizeof(s->value) ? 0 : -1;
		break;
	}
	if (r == -1)
		die("%s: value too long", s->arg);
}

/* FILE=VALUE, checked and converted before anything is touched. */
void
setting_parse(struct setting *s, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t n;

	s->arg = arg;
	if (eq == NULL)
		die("'%s': not FILE=VALUE (put -- before PROG)", arg);
	n = eq - arg;
	if (n == 0 || n >= sizeof(s->file) || memchr(arg, '/', n) != NULL ||
	    arg[0] == '.')
		die("%s: '%.*s' is not an interface file name", arg, (int)n,
		    arg);
	memcpy(s->file, arg, n);
	s->file[n] = '\0';
	/*
	 * Writing a PID there moves that process, any process the caller
	 * may move (as root, the host's PID 1): that is cgput's job, done
	 * on the caller's own process or on a -p PID it names on purpose.
	 */
	if (strcmp(s->file, "cgroup.procs") == 0 ||
	    strcmp(s->file, "cgroup.threads") == 0)
		die("%s: refusing to move processes (that is cgput's job: "
		    "cgput -p PID CGROUP)", arg);
	convert(s, kind_of(s->file), eq + 1);
}

/*
 * The controller a FILE belongs to, or "" for the core files (cgroup.*,
 * the pressure files, cpu.stat) that every cgroup has.
 */
static void
controller_of(const char *file, char *out, size_t size)
{
	size_t n = strcspn(file, ".");
	const char *tail = strrchr(file, '.');

	out[0] = '\0';
	if (file[n] == '\0' || n >= size || strncmp(file, "cgroup.", 7) == 0 ||
	    (tail != NULL && strcmp(tail, ".pressure") == 0) ||
	    strncmp(file, "cpu.stat", 8) == 0 || devices_file(file))
		return;
	memcpy(out, file, n);
	out[n] = '\0';
}

/* The controllers the FILEs need, each once, in the order given. */
size_t
controllers_needed(const struct setting *s, size_t n, controller *out,
    size_t max)
{
	size_t i, j, k = 0;
	controller c;

	for (i = 0; i < n; i++) {
		controller_of(s[i].file, c, sizeof(c));
		for (j = 0; j < k && strcmp(out[j], c) != 0; j++)
			;
		if (c[0] == '\0' || j < k)
			continue;
		if (k == max)
			die("%s: too many controllers", s[i].arg);
		memcpy(out[k++], c, sizeof(c));
	}
	return k;
}
