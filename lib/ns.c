/* The namespace types, in the order they are entered (user first). */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "conch.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct nstype nstypes[] = {
	{ "user", CLONE_NEWUSER, 'U' },
	{ "cgroup", CLONE_NEWCGROUP, 'C' },
	{ "ipc", CLONE_NEWIPC, 'i' },
	{ "uts", CLONE_NEWUTS, 'u' },
	{ "net", CLONE_NEWNET, 'n' },
	{ "pid", CLONE_NEWPID, 'p' },
	{ "mnt", CLONE_NEWNS, 'm' },
	{ "time", CLONE_NEWTIME, 'T' },
};
const size_t nstypes_len = LEN(nstypes);

const struct nstype *
nstype_byname(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(nstypes); i++)
		if (strcmp(nstypes[i].name, name) == 0)
			return &nstypes[i];
	return NULL;
}

const struct nstype *
nstype_byopt(int opt)
{
	size_t i;

	for (i = 0; i < LEN(nstypes); i++)
		if (nstypes[i].opt == opt)
			return &nstypes[i];
	return NULL;
}

/* "user,mnt,pid" or "all" to CLONE_NEW* flags; -1 names no type. */
int
ns_flags_parse(const char *list, int *flags)
{
	const struct nstype *t;
	char name[16];
	size_t len;

	*flags = 0;
	for (;;) {
		len = strcspn(list, ",");
		if (len == 0 || len >= sizeof(name))
			return -1;
		memcpy(name, list, len);
		name[len] = '\0';
		if (strcmp(name, "all") == 0) {
			for (t = nstypes; t < nstypes + LEN(nstypes); t++)
				*flags |= t->flag;
		} else if ((t = nstype_byname(name)) != NULL) {
			*flags |= t->flag;
		} else {
			return -1;
		}
		if (list[len] == '\0')
			return 0;
		list += len + 1;
	}
}

void
ns_flags_str(int flags, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < LEN(nstypes) && len < size; i++)
		if (flags & nstypes[i].flag)
			len += snprintf(buf + len, size - len, "%s%s",
			    len ? "," : "", nstypes[i].name);
}
