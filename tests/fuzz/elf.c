/*
 * mkrootfs's ELF reader (cmd/mkrootfs/elf.c) on any bytes, read from a
 * buffer of exactly their size (ASan sees any read past it) and from a
 * file holding the same bytes. The oracle:
 *   - elf_ident() accepts exactly what a model written here accepts, and
 *     finds the class, byte order, type and machine the model decodes;
 *   - every string elf_read() returns is bytes of the input, NUL
 *     included, shorter than PATH_MAX, and there are at most
 *     ELF_MAX_NEEDED of them;
 *   - a failure is one of the reader's own reasons, and never one that
 *     only a file changing under the reader could cause;
 *   - the file and the buffer read the same.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conch.h"
#include "fuzz.h"
#include "mkrootfs/elfread.h"

static int memfd;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conch_init("mkrootfs");
	if ((memfd = memfd_create("elf", MFD_CLOEXEC)) == -1)
		abort();
	return 0;
}

/* The model: e_ident, then e_type and e_machine in its byte order. */
static bool
model_ident(const uint8_t *h, size_t n, struct elf *e)
{
	if (n < 20 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' ||
	    h[3] != 'F' || (h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
		return false;
	e->cls = h[4];
	e->data = h[5];
	e->type = h[5] == 1 ? h[16] | h[17] << 8 : h[16] << 8 | h[17];
	e->machine = h[5] == 1 ? h[18] | h[19] << 8 : h[18] << 8 | h[19];
	return true;
}

static void
check_string(const char *s, const uint8_t *buf, size_t size)
{
	size_t len;

	if (s == NULL)
		return;
	len = strlen(s);
	if (len >= PATH_MAX || memmem(buf, size, s, len + 1) == NULL)
		abort();
}

static void
check_result(const struct elf *e, const char *why, const uint8_t *buf,
    size_t size)
{
	static const char *const reasons[] = {
		"truncated ELF header", "bad program header table",
		"program headers out of bounds", "bad PT_INTERP",
		"bad PT_DYNAMIC", "too many DT_NEEDED entries",
		"bad DT_STRTAB", "string index out of bounds",
		"unterminated or overlong string",
	};
	size_t i;

	if (e->nneeded > ELF_MAX_NEEDED)
		abort();
	for (i = 0; why != NULL && i < LEN(reasons); i++)
		if (strcmp(why, reasons[i]) == 0)
			break;
	if (why != NULL && i == LEN(reasons))
		abort();
	if (why != NULL)
		return;
	if (e->interp[0] != '\0')
		check_string(e->interp, buf, size);
	for (i = 0; i < e->nneeded; i++) {
		if (e->needed[i] == NULL)
			abort();
		check_string(e->needed[i], buf, size);
	}
	check_string(e->rpath, buf, size);
	check_string(e->runpath, buf, size);
}

static bool
same_string(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The same bytes, read from a file. */
static void
check_file(const uint8_t *buf, size_t size, const struct elf *e,
    const char *why)
{
	struct elf f = { 0 };
	struct elf_src src = { memfd, NULL, size };
	const char *fwhy;
	size_t i;

	if (ftruncate(memfd, 0) == -1 ||
	    pwrite(memfd, buf, size, 0) != (ssize_t)size)
		abort();
	if (!elf_ident_fd(memfd, &f))
		abort();
	fwhy = elf_read(&src, &f);
	if (!same_string(fwhy, why) || f.nneeded != e->nneeded ||
	    f.nodeflib != e->nodeflib || strcmp(f.interp, e->interp) != 0 ||
	    !same_string(f.rpath, e->rpath) ||
	    !same_string(f.runpath, e->runpath))
		abort();
	for (i = 0; i < f.nneeded; i++)
		if (strcmp(f.needed[i], e->needed[i]) != 0)
			abort();
	elf_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct elf e = { 0 }, m = { 0 };
	struct elf_src src = { -1, buf, size };
	const char *why;
	bool ok;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	ok = elf_ident(buf, size, &e);
	if (ok != model_ident(buf, size, &m) || (ok && (e.cls != m.cls ||
	    e.data != m.data || e.type != m.type || e.machine != m.machine)))
		abort();
	if (ok) {
		why = elf_read(&src, &e);
		check_result(&e, why, buf, size);
		check_file(buf, size, &e, why);
		elf_free(&e);
	}
	free(buf);
	return 0;
}
