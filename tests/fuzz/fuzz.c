/* fuzz.c: exit() made a jump back into the harness (see fuzz.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

jmp_buf *fuzz_jump;

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));

void
__wrap_exit(int status)
{
	if (fuzz_jump != NULL)
		longjmp(*fuzz_jump, status == 0 ? 256 : status);
	__real_exit(status);
}

char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fuzz_mute(bool on)
{
	static int saved = -1, null = -1;

	if (getenv("FUZZ_VERBOSE") != NULL)
		return;
	if (null == -1) {
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	}
	fflush(stderr);
	dup2(on ? null : saved, STDERR_FILENO);
}
