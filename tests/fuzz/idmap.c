/*
 * ID maps (lib/idmap.c): the input is one INSIDE:OUTSIDE:COUNT spec a line,
 * added to one map as nsnew --map and idmap -u do. Whatever idmap_parse()
 * accepts must hold what the kernel requires of a uid_map (no overlap
 * inside or outside, no range past 2^32-1, at most 340 lines in 4095
 * bytes), and its text form, idmap_format(), must read back as the same
 * map with idmap_read()'s parser. A die() on bad input is an answer.
 */
/* fuzz: -detect_leaks=0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"
#include "fuzz.h"

static int
overlaps(unsigned long a, unsigned long b, unsigned long na, unsigned long nb)
{
	return a < b + nb && b < a + na;
}

static void
check_kernel_rules(const struct idmap *m)
{
	char buf[IDMAP_MAX * 34];
	size_t i, j;

	if (m->n > IDMAP_MAX)
		abort();
	for (i = 0; i < m->n; i++) {
		const struct idrange *r = &m->r[i];

		if (r->count == 0 || r->inside + r->count > 4294967295UL ||
		    r->outside + r->count > 4294967295UL)
			abort();
		for (j = 0; j < i; j++)
			if (overlaps(r->inside, m->r[j].inside, r->count,
			    m->r[j].count) || overlaps(r->outside,
			    m->r[j].outside, r->count, m->r[j].count))
				abort();
	}
	idmap_format(m, buf, sizeof(buf));
	if (strlen(buf) >= 4096)
		abort();
	/* Read back as the kernel's file would be. */
	for (i = 0; i < m->n; i++) {
		unsigned long a, b, c;
		char *line = strtok(i == 0 ? buf : NULL, "\n");

		if (line == NULL || sscanf(line, "%lu %lu %lu", &a, &b, &c) != 3 ||
		    a != m->r[i].inside || b != m->r[i].outside ||
		    c != m->r[i].count)
			abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conch_init("idmap");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idmap m;
	char *text = fuzz_string(data, size), *line, *rest;

	if (text == NULL)
		return 0;
	memset(&m, 0, sizeof(m));
	for (rest = text; (line = strsep(&rest, "\n")) != NULL;)
		if (FUZZ_TRY(idmap_parse(&m, line, "--map")) != 0)
			break;
	check_kernel_rules(&m);
	free(text);
	return 0;
}
