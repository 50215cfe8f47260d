/*
 * scfilter's JSON profile reader (cmd/scfilter/json.c, runc.c, with the
 * names and rules they read with): the input is an OCI, Docker or podman
 * profile. Whatever json_profile_read() accepts (Docker's includes and
 * excludes resolved on this machine, the rules settled and the ENOSYS
 * stub set as runc does it) is compiled to BPF (filter.c, bpf.c), which
 * must pass the kernel's checks, and the program, run in bpfvm on system
 * calls near the rules and away from them, must return what the rules
 * decide (tests/unit/scmodel.c), as read and on x86_64, x86 and x32. A
 * die() on bad input is an answer, and so is a filter longer than the
 * kernel takes.
 */
/* fuzz: -detect_leaks=0 */
#include <stdio.h>
#include <stdlib.h>

#include "conch.h"
#include "fuzz.h"
#include "scfilter/json.h"
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p;
	static char why[512];
	static int rc;

	profile_init(&p);
	rc = 0;
	if (FUZZ_TRY(json_profile_read(&p, (const char *)data, size,
	    "fuzz")) == 0)
		FUZZ_TRY(rc = scmodel_check_all(&p, scmodel_seed(data, size),
		    200, why, sizeof(why)));
	if (rc != 0) {
		fprintf(stderr, "scfilter_json: %s\n", why);
		abort();
	}
	profile_free(&p);
	return 0;
}
