/* Messages: one line on stderr, "TOOL: what was being done: why". */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"

const char *conch_tool = "conch";
int conch_verbose;

void
conch_init(const char *tool)
{
	const char *v = getenv("CONCH_VERBOSE");

	conch_tool = tool;
	conch_verbose = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/*
 * The length of the UTF-8 character at S (of N bytes) that a terminal
 * shows as text, or 0: an invalid, overlong or surrogate sequence, or a
 * C1 control (U+0080 to U+009F, which some terminals obey as escapes).
 */
static size_t
utf8_printable(const unsigned char *s, size_t n)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < 0xa0 || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

/*
 * LINE as one line of text: control characters, a backslash, and bytes
 * that are not printable UTF-8 are written as C escapes (\n, \t, \r,
 * \\, else \xHH, always two digits). A name with a newline or a
 * terminal escape in it cannot forge a line or move the cursor.
 */
static size_t
escape(const char *line, size_t n, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, o = 0, k;
	char c;

	while (i < n && o + 4 < size) {
		c = s[i] == '\n' ? 'n' : s[i] == '\t' ? 't' : s[i] == '\r' ?
		    'r' : s[i] == '\\' ? '\\' : 0;
		if (c != 0) {
			out[o++] = '\\';
			out[o++] = c;
			i++;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			out[o++] = s[i++];
		} else if ((k = utf8_printable(s + i, n - i)) != 0) {
			if (o + k >= size)
				break;
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i++] & 0xf];
		}
	}
	return o;
}

static void
vmsg(const char *fmt, va_list ap, const char *tail)
{
	char line[1024], out[4 * sizeof(line)];
	size_t o;
	int n;

	/* Format whole, write once: lines of a chain must not interleave. */
	n = snprintf(line, sizeof(line), "%s: ", conch_tool);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n < (int)sizeof(line) && tail != NULL)
		n += snprintf(line + n, sizeof(line) - n, "%s", tail);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	o = escape(line, n, out, sizeof(out) - 1);
	out[o++] = '\n';
	(void)!write(STDERR_FILENO, out, o);
}

void
trace(const char *fmt, ...)
{
	va_list ap;

	if (!conch_verbose)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

void
warnm(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

/* Interrupted, the reason to stop is the signal, whatever failed with it. */
void
die(const char *fmt, ...)
{
	va_list ap;

	if (interrupted())
		interrupt_die();
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
	exit(EXIT_TOOL);
}

static void
vmsg_err(int err, const char *hint, const char *fmt, va_list ap)
{
	char tail[512];

	if (hint != NULL)
		snprintf(tail, sizeof(tail), ": %s (%s)", strerror(err), hint);
	else
		snprintf(tail, sizeof(tail), ": %s", strerror(err));
	vmsg(fmt, ap, tail);
}

/* "TOOL: what: strerror(err)", then " (hint)" when there is one. */
void
warn_err(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_err(err, hint, fmt, ap);
	va_end(ap);
}

void
die_err(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (interrupted())
		interrupt_die();
	va_start(ap, fmt);
	vmsg_err(err, hint, fmt, ap);
	va_end(ap);
	exit(EXIT_TOOL);
}

static noreturn void
print_version(void)
{
	printf("%s (conch) %s\n", conch_tool, CONCH_VERSION);
	exit(fflush(stdout) == 0 ? 0 : EXIT_TOOL);
}

static noreturn void
print_help(const char *text)
{
	fputs(text, stdout);
	exit(fflush(stdout) == 0 ? 0 : EXIT_TOOL);
}

/*
 * getopt_long() with an optstring "+:..." returns ':' for a missing
 * argument and '?' for an unknown option; say which, in our own words.
 */
static noreturn void
die_option(int c, char **argv)
{
	const char *opt = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };

	/* musl leaves optind one past the end when the last option lacks
	 * its argument (glibc stops at the end): opt is then argv[argc]. */
	if (opt == NULL)
		opt = argv[optind - 2];
	/* A short option may sit inside a cluster such as -xyz. */
	if (optopt != 0 && strncmp(opt, "--", 2) != 0)
		opt = shortopt;
	if (c == ':')
		die("option '%s' needs an argument (see %s --help)", opt,
		    conch_tool);
	die("unknown option '%s' (see %s --help)", opt, conch_tool);
}

/*
 * What every tool's getopt loop ends with: -v, -h and -V are the same
 * everywhere, and anything else is an error.
 */
void
common_option(int c, char **argv, const char *usage)
{
	switch (c) {
	case 'v':
		conch_verbose = 1;
		return;
	case 'h':
		print_help(usage);
	case 'V':
		print_version();
	default:
		die_option(c, argv);
	}
}
