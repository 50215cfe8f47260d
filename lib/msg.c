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

static void
vmsg(const char *fmt, va_list ap, const char *tail)
{
	char line[1024];
	int n;

	/* Format whole, write once: lines of a chain must not interleave. */
	n = snprintf(line, sizeof(line), "%s: ", conch_tool);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n < (int)sizeof(line) && tail != NULL)
		n += snprintf(line + n, sizeof(line) - n, "%s", tail);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
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

void
die(const char *fmt, ...)
{
	va_list ap;

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

	va_start(ap, fmt);
	vmsg_err(err, hint, fmt, ap);
	va_end(ap);
	exit(EXIT_TOOL);
}

/*
 * getopt_long() with an optstring "+:..." returns ':' for a missing
 * argument and '?' for an unknown option; say which, in our own words.
 */
void
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

void
print_version(void)
{
	printf("%s (conch) %s\n", conch_tool, CONCH_VERSION);
	exit(fflush(stdout) == 0 ? 0 : EXIT_TOOL);
}

void
print_help(const char *text)
{
	fputs(text, stdout);
	exit(fflush(stdout) == 0 ? 0 : EXIT_TOOL);
}
