/*
 * cgmake --show: a cgroup's state as FILE=VALUE lines, its interface
 * files in a fixed order, each shown as its kind of content asks (one
 * value, a default left out, keyed lines, lines).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgmake.h"

enum how {
	VALUE,	/* FILE=VALUE, lines joined by spaces */
	SET,	/* the same, only when not the default */
	KEYED,	/* "KEY VALUE" lines: FILE.KEY=VALUE, skipping the default */
	LINES,	/* FILE=LINE for each line */
};

static const struct {
	const char *pattern;
	enum how how;
	const char *dflt;
} shown[] = {
	{ "cgroup.type", SET, "domain" },
	{ "cgroup.controllers", VALUE, NULL },
	{ "cgroup.subtree_control", VALUE, NULL },
	{ "cgroup.events", KEYED, NULL },
	{ "cgroup.freeze", SET, "0" },
	{ "cgroup.max.depth", SET, "max" },
	{ "cgroup.max.descendants", SET, "max" },
	{ "cgroup.procs", VALUE, NULL },
	{ "cpuset.cpus", SET, "" },
	{ "cpuset.mems", SET, "" },
	{ "cpuset.cpus.partition", SET, "member" },
	{ "cpuset.cpus.effective", VALUE, NULL },
	{ "cpuset.mems.effective", VALUE, NULL },
	{ "cpu.weight", SET, "100" },
	{ "cpu.idle", SET, "0" },
	{ "cpu.max", SET, "max 100000" },
	{ "cpu.max.burst", SET, "0" },
	{ "cpu.stat", KEYED, NULL },
	{ "io.weight", SET, "default 100" },
	{ "io.max", LINES, NULL },
	{ "io.stat", LINES, NULL },
	{ "memory.min", SET, "0" },
	{ "memory.low", SET, "0" },
	{ "memory.high", SET, "max" },
	{ "memory.max", SET, "max" },
	{ "memory.swap.high", SET, "max" },
	{ "memory.swap.max", SET, "max" },
	{ "memory.zswap.max", SET, "max" },
	{ "memory.oom.group", SET, "0" },
	{ "memory.current", VALUE, NULL },
	{ "memory.peak", VALUE, NULL },
	{ "memory.swap.current", VALUE, NULL },
	{ "memory.events", KEYED, NULL },
	{ "pids.max", SET, "max" },
	{ "pids.current", VALUE, NULL },
	{ "pids.peak", VALUE, NULL },
	{ "pids.events", KEYED, NULL },
	{ "hugetlb.*.max", SET, "max" },
	{ "hugetlb.*.current", VALUE, NULL },
	{ "hugetlb.*.events", KEYED, NULL },
	{ "misc.max", KEYED, "max" },
	{ "misc.current", KEYED, NULL },
	{ "rdma.max", LINES, NULL },
	{ "rdma.current", LINES, NULL },
};

static void
show_file(int fd, const char *path, const char *name, enum how how,
    const char *dflt)
{
	char *text, *rest, *line, *sp;

	text = read_text(fd, name);
	if (text == NULL) {
		/* Gone, or not readable in this kind of cgroup: not state. */
		if (errno == ENOENT || errno == EOPNOTSUPP)
			return;
		die_sys("read %s/%s", path, name);
	}
	switch (how) {
	case SET:
		if (dflt != NULL && strcmp(text, dflt) == 0)
			break;
		/* FALLTHROUGH */
	case VALUE:
		for (sp = text; (sp = strchr(sp, '\n')) != NULL; )
			*sp = ' ';
		printf("%s=%s\n", name, text);
		break;
	case KEYED:
		for (rest = text; (line = strsep(&rest, "\n")) != NULL; ) {
			sp = strchr(line, ' ');
			if (sp == NULL || (dflt != NULL && strcmp(sp + 1,
			    dflt) == 0))
				continue;
			printf("%s.%.*s=%s\n", name, (int)(sp - line), line,
			    sp + 1);
		}
		break;
	case LINES:
		for (rest = text; (line = strsep(&rest, "\n")) != NULL; )
			if (*line != '\0')
				printf("%s=%s\n", name, line);
		break;
	}
	free(text);
}

void
show(int fd, const char *path)
{
	char **names;
	size_t i, j, n;

	n = list_files(fd, path, &names, DT_REG);
	for (i = 0; i < LEN(shown); i++)
		for (j = 0; j < n; j++)
			if (fnmatch(shown[i].pattern, names[j], 0) == 0)
				show_file(fd, path, names[j], shown[i].how,
				    shown[i].dflt);
	free_list(names, n);
	if (fflush(stdout) == EOF || ferror(stdout))
		die_sys("write the state of %s", path);
}
