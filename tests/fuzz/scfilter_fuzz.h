/*
 * scfilter_fuzz.h: what the fuzz harnesses of scfilter's profile readers
 * (scfilter_text.c, scfilter_json.c) share, included once by each: their
 * set-up, and the oracle run on whatever the reader accepted.
 */
#ifndef SCFILTER_FUZZ_H
#define SCFILTER_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "conch.h"
#include "fuzz.h"
#include "../unit/scmodel.h"

/*
 * What a die() held is lost on the jump back (fuzz.h): -detect_leaks=0
 * stops libFuzzer's check after each input, and this LeakSanitizer's
 * at exit, which would count them all.
 */
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conch_init("scfilter");
	return 0;
}

/*
 * The rules a reader accepted from data, compiled and run on 200 calls
 * (more on other architectures, and with noexec's gate): the program
 * must decide as the rules do. A filter longer than the kernel takes
 * dies, which is an answer.
 */
static void
check_accepted(const struct profile *p, const uint8_t *data, size_t size)
{
	static char why[512];
	static int rc;

	rc = 0;
	FUZZ_TRY(rc = scmodel_check_all(p, scmodel_seed(data, size), 200, why,
	    sizeof(why)));
	if (rc != 0) {
		fprintf(stderr, "%s\n", why);
		abort();
	}
}

#endif
