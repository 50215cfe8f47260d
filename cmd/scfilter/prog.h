/*
 * prog.h: PROG, found before the filter is loaded, so that exactly one
 * execve follows it, with arguments known in advance.
 */
#ifndef SCFILTER_PROG_H
#define SCFILTER_PROG_H

#include <limits.h>
#include <stdnoreturn.h>

#include "filter.h"

struct exec {
	const char *path;	/* PROG found in PATH */
	char **argv, **envp;
	char found[PATH_MAX];	/* path, when found in PATH */
	char *shell[2];		/* argv, when there is no PROG */
};

void prog_find(struct exec *ex, char **argv);
void prog_gate(struct exec *ex, struct exec_gate *g);
void prog_check_allowed(const struct profile *p, const struct exec *ex);
noreturn void prog_exec(const struct exec *ex);

#endif
