/*
 * confine's rules files (cmd/confine/rules.c): the input is a file's
 * bytes, read by rules_read() as --rules reads it. Whatever it accepts
 * must be a request confine can act on: paths neither empty nor with a
 * newline or edge blanks, port ranges within 0..65535 in order, known
 * scopes and accesses, line numbers within the file. A die() on bad
 * input is an answer, with status 125.
 */
/* fuzz: -detect_leaks=0 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conch.h"
#include "confine/confine.h"
#include "fuzz.h"

static int memfd = -1;
static char path[64];

static void
check(const struct request *req, size_t lines)
{
	const struct path_rule *p;
	const struct port_rule *r;
	size_t i, n;

	for (i = 0; i < req->npaths; i++) {
		p = &req->paths[i];
		n = strlen(p->path);
		if (n == 0 || strchr(p->path, '\n') != NULL ||
		    isblank((unsigned char)p->path[0]) ||
		    isspace((unsigned char)p->path[n - 1]) ||
		    p->grant > GRANT_RW || p->at.line == 0 || p->at.line > lines)
			abort();
	}
	for (i = 0; i < req->nports; i++) {
		r = &req->ports[i];
		if (r->first > r->last || r->last > 65535 ||
		    (r->access != LANDLOCK_ACCESS_NET_BIND_TCP &&
		    r->access != LANDLOCK_ACCESS_NET_CONNECT_TCP) ||
		    r->at.line == 0 || r->at.line > lines)
			abort();
	}
	if (req->scopes & ~(LANDLOCK_SCOPE_SIGNAL |
	    LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET))
		abort();
	if ((req->net_any & ~req->net_named) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conch_init("confine");
	memfd = memfd_create("rules", MFD_CLOEXEC);
	if (memfd == -1)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	size_t i, lines = 1;
	int st;

	if (ftruncate(memfd, 0) == -1 ||
	    pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	memset(&req, 0, sizeof(req));
	st = FUZZ_TRY(rules_read(&req, path));
	if (st != 0 && st != 125)
		abort();
	if (st == 0)
		check(&req, lines);
	request_free(&req);
	return 0;
}
