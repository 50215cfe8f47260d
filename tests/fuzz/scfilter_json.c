/*
 * scfilter's JSON profile reader (cmd/scfilter/json.c, runc.c, with the
 * names and rules they read with): the input is an OCI, Docker or podman
 * profile. Whatever json_profile_read() accepts (Docker's includes and
 * excludes resolved on this machine, the rules settled and the ENOSYS
 * stub set as runc does it) is compiled to BPF (filter.c, bpf.c), which
 * must pass the kernel's checks, and the program, run in bpfvm on system
 * calls near the rules and away from them, must return what the rules
 * decide (tests/unit/scmodel.c), as read and on x86_64, x86 and x32. A
 * die() on bad input is an answer.
 */
/* fuzz: -detect_leaks=0 */
#include "scfilter/json.h"
#include "scfilter_fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p;

	profile_init(&p);
	if (FUZZ_TRY(json_profile_read(&p, (const char *)data, size,
	    "fuzz")) == 0)
		check_accepted(&p, data, size);
	profile_free(&p);
	return 0;
}
