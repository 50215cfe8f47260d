/*
 * scfilter's text profile reader (cmd/scfilter/text.c, with the names and
 * rules it reads with): the input is a profile. Whatever
 * text_profile_read() accepts is compiled to BPF (filter.c, bpf.c), which
 * must pass the kernel's checks, and the program, run in bpfvm on system
 * calls near the rules and away from them, must return what the rules
 * decide (tests/unit/scmodel.c): as read, with noexec's gate, and on
 * x86_64, x86 and x32. A die() on bad input is an answer.
 */
/* fuzz: -detect_leaks=0 */
#include "scfilter/text.h"
#include "scfilter_fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p;
	char *text = fuzz_string(data, size);

	if (text == NULL)
		return 0;
	profile_init(&p);
	profile_hold(&p, text, free);	/* the rules point into it */
	if (FUZZ_TRY(text_profile_read(&p, text, "fuzz")) == 0)
		check_accepted(&p, data, size);
	profile_free(&p);
	return 0;
}
