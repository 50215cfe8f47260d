/*
 * ldpath.h: where the dynamic loader looks for a library (ldpath.c):
 * DT_RPATH and DT_RUNPATH with their dynamic string tokens ($ORIGIN,
 * $LIB, $PLATFORM), /etc/ld.so.conf, and the machine's default
 * directories, in ld.so's order.
 */
#ifndef LDPATH_H
#define LDPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "elfread.h"

/* /etc/ld.so.conf, read when a search first gets that far. */
struct ldconf {
	char **dirs;		/* its directories, includes expanded */
	size_t n, cap;
	bool loaded;
	bool need_cache;	/* a library came from one of them */
};

/* One search: the object that needs a library, and its search lists. */
struct ldsearch {
	const struct elf *e;
	const char *horigin, *dorigin;	/* its $ORIGIN: host, inside the root */
	const char *main_rpath;		/* the program's DT_RPATH, or NULL */
	const char *main_horigin, *main_dorigin;
	const char *what;		/* "--copy FILE", for messages */
};

void expand_dst(const char *in, size_t len, const struct elf *e,
    const char *origin, char *out, const char *what);
bool find_library(struct ldconf *conf, const struct ldsearch *s,
    const char *name, char *host, char *dest);

#endif
