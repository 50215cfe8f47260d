/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * The code under test reports bad input with die(), which exits; a fuzz
 * target must return instead. The harnesses are linked with
 * -Wl,--wrap=exit: while FUZZ_TRY() runs its code, exit() jumps back to
 * it, and stderr (the messages) goes to /dev/null unless FUZZ_VERBOSE is
 * set (libFuzzer's own reports stay on stderr). Memory the dying code held is lost on that jump: the harnesses
 * that die are run with -detect_leaks=0 (tests/fuzz/run).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern jmp_buf *fuzz_jump;

/* Runs CODE; gives 0, or the status exit() was called with (256 for 0). */
#define FUZZ_TRY(code) __extension__ ({ \
	jmp_buf fuzz_here_; \
	int fuzz_st_ = setjmp(fuzz_here_); \
	if (fuzz_st_ == 0) { \
		fuzz_jump = &fuzz_here_; \
		fuzz_mute(true); \
		code; \
	} \
	fuzz_mute(false); \
	fuzz_jump = NULL; \
	fuzz_st_; \
})

/* DATA as a NUL-terminated string (a copy; free it), or NULL. */
char *fuzz_string(const uint8_t *data, size_t size);

/* stderr to /dev/null (unless FUZZ_VERBOSE is set), or back. */
void fuzz_mute(bool on);

#endif
