/*
 * text.h: scfilter's own profile format, one rule a line, and the
 * built-in profiles written in it.
 */
#ifndef SCFILTER_TEXT_H
#define SCFILTER_TEXT_H

#include "rules.h"

struct builtin {
	const char *name, *text, *summary;
};

const struct builtin *builtin_byname(const char *name);
void list_builtins(void);

/* Adds the rules of text (which they then point into) to p. */
void text_profile_read(struct profile *p, char *text, const char *origin);

#endif
