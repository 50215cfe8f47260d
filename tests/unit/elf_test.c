/*
 * mkrootfs's ELF reader (cmd/mkrootfs/elf.c) through its own interface:
 * objects written byte by byte here (64- and 32-bit, both byte orders,
 * damaged in every way the reader names), and real ones gcc builds at
 * test time, 64-bit and -m32 (read, never run).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs/elfread.h"
#include "unit.h"

#define BASE 0x10000	/* the fixture's load address */

/* What a fixture holds; the builder lays it out as a linker would. */
struct fixture {
	unsigned char cls, data;
	uint16_t type, machine;
	const char *interp;		/* or NULL */
	const char *needed[4];
	const char *rpath, *runpath;	/* or NULL */
	bool nodeflib;
	bool no_strtab;			/* leave DT_STRTAB out */
};

struct image {
	unsigned char b[4096];
	size_t size;
	size_t phoff, interp, strtab, strsz, dynamic;	/* where they went */
};

static void
put(const struct fixture *f, unsigned char *p, uint64_t v, int size)
{
	int i;

	for (i = 0; i < size; i++)
		p[f->data == ELFDATA2LSB ? i : size - 1 - i] = v >> (8 * i);
}

/* A string into the string table; its offset there. */
static uint64_t
add_string(struct image *im, const char *s)
{
	uint64_t off = im->size - im->strtab;

	memcpy(im->b + im->size, s, strlen(s) + 1);
	im->size += strlen(s) + 1;
	return off;
}

static void
put_dyn(const struct fixture *f, struct image *im, uint64_t tag, uint64_t val)
{
	int w = f->cls == ELFCLASS64 ? 8 : 4;

	put(f, im->b + im->size, tag, w);
	put(f, im->b + im->size + w, val, w);
	im->size += 2 * w;
}

static void
put_phdr(const struct fixture *f, unsigned char *p, uint32_t type,
    uint64_t off, uint64_t vaddr, uint64_t size)
{
	bool is64 = f->cls == ELFCLASS64;

	put(f, p, type, 4);
	put(f, p + (is64 ? 8 : 4), off, is64 ? 8 : 4);
	put(f, p + (is64 ? 16 : 8), vaddr, is64 ? 8 : 4);
	put(f, p + (is64 ? 32 : 16), size, is64 ? 8 : 4);
	put(f, p + (is64 ? 40 : 20), size, is64 ? 8 : 4);
}

static void
put_header(const struct fixture *f, struct image *im)
{
	bool is64 = f->cls == ELFCLASS64;

	memcpy(im->b, ELFMAG, SELFMAG);
	im->b[EI_CLASS] = f->cls;
	im->b[EI_DATA] = f->data;
	im->b[EI_VERSION] = EV_CURRENT;
	put(f, im->b + 16, f->type, 2);
	put(f, im->b + 18, f->machine, 2);
	put(f, im->b + 20, EV_CURRENT, 4);
	put(f, im->b + (is64 ? 32 : 28), im->phoff, is64 ? 8 : 4);
	put(f, im->b + (is64 ? 52 : 40), is64 ? 64 : 52, 2);
	put(f, im->b + (is64 ? 54 : 42), is64 ? 56 : 32, 2);
	put(f, im->b + (is64 ? 56 : 44), 3, 2);
}

/* The strings, then the dynamic section that names them. */
static void
put_dynamic(const struct fixture *f, struct image *im)
{
	uint64_t needed[4], rpath = 0, runpath = 0;
	size_t i;

	im->strtab = im->size;
	add_string(im, "");
	for (i = 0; i < LEN(f->needed) && f->needed[i]; i++)
		needed[i] = add_string(im, f->needed[i]);
	if (f->rpath)
		rpath = add_string(im, f->rpath);
	if (f->runpath)
		runpath = add_string(im, f->runpath);
	im->strsz = im->size - im->strtab;
	im->size = (im->size + 7) & ~(size_t)7;
	im->dynamic = im->size;
	for (i = 0; i < LEN(f->needed) && f->needed[i]; i++)
		put_dyn(f, im, DT_NEEDED, needed[i]);
	if (f->rpath)
		put_dyn(f, im, DT_RPATH, rpath);
	if (f->runpath)
		put_dyn(f, im, DT_RUNPATH, runpath);
	if (f->nodeflib)
		put_dyn(f, im, DT_FLAGS_1, DF_1_NODEFLIB);
	if (!f->no_strtab)
		put_dyn(f, im, DT_STRTAB, BASE + im->strtab);
	put_dyn(f, im, DT_STRSZ, im->strsz);
	put_dyn(f, im, DT_NULL, 0);
}

/* Header, three program headers (PT_INTERP, PT_LOAD, PT_DYNAMIC), data. */
static void
build(const struct fixture *f, struct image *im)
{
	bool is64 = f->cls == ELFCLASS64;
	size_t phent = is64 ? 56 : 32;

	memset(im, 0, sizeof(*im));
	im->phoff = is64 ? 64 : 52;
	im->size = im->phoff + 3 * phent;
	im->interp = im->size;
	if (f->interp)
		memcpy(im->b + im->size, f->interp, strlen(f->interp) + 1);
	im->size += f->interp ? strlen(f->interp) + 1 : 0;
	put_dynamic(f, im);
	put_header(f, im);
	put_phdr(f, im->b + im->phoff, f->interp ? PT_INTERP : PT_NOTE,
	    im->interp, BASE + im->interp,
	    f->interp ? strlen(f->interp) + 1 : 0);
	put_phdr(f, im->b + im->phoff + phent, PT_LOAD, 0, BASE, im->size);
	put_phdr(f, im->b + im->phoff + 2 * phent, PT_DYNAMIC, im->dynamic,
	    BASE + im->dynamic, im->size - im->dynamic);
}

/* elf_ident() then elf_read() on N bytes in memory. */
static const char *
read_mem(const unsigned char *b, size_t n, struct elf *e)
{
	struct elf_src src = { -1, b, n };

	memset(e, 0, sizeof(*e));
	if (!elf_ident(b, n, e))
		return "not ELF";
	return elf_read(&src, e);
}

static const struct fixture x86_64 = {
	ELFCLASS64, ELFDATA2LSB, ET_DYN, EM_X86_64,
	"/lib64/ld-linux-x86-64.so.2", { "libm.so.6", "libc.so.6" },
	NULL, "$ORIGIN/../lib", false, false,
};

static void
test_elf64_fields(void)
{
	struct image im;
	struct elf e;

	build(&x86_64, &im);
	CHECK_STR(read_mem(im.b, im.size, &e), NULL);
	CHECK_INT(e.cls, ELFCLASS64);
	CHECK_INT(e.data, ELFDATA2LSB);
	CHECK_INT(e.type, ET_DYN);
	CHECK_INT(e.machine, EM_X86_64);
	CHECK_STR(e.interp, "/lib64/ld-linux-x86-64.so.2");
	CHECK_UINT(e.nneeded, 2);
	CHECK_STR(e.needed[0], "libm.so.6");
	CHECK_STR(e.needed[1], "libc.so.6");
	CHECK_STR(e.rpath, NULL);
	CHECK_STR(e.runpath, "$ORIGIN/../lib");
	CHECK(!e.nodeflib);
	elf_free(&e);
	CHECK_UINT(e.nneeded, 0);
	CHECK(e.runpath == NULL);
}

static void
test_elf32_rpath_and_runpath(void)
{
	static const struct fixture i386 = {
		ELFCLASS32, ELFDATA2LSB, ET_EXEC, EM_386, "/lib/ld-linux.so.2",
		{ "libc.so.6" }, "${ORIGIN}/lib:/opt/lib", "$ORIGIN", true,
		false,
	};
	struct image im;
	struct elf e;

	build(&i386, &im);
	CHECK_STR(read_mem(im.b, im.size, &e), NULL);
	CHECK_INT(e.cls, ELFCLASS32);
	CHECK_INT(e.type, ET_EXEC);
	CHECK_INT(e.machine, EM_386);
	CHECK_STR(e.interp, "/lib/ld-linux.so.2");
	CHECK_UINT(e.nneeded, 1);
	CHECK_STR(e.needed[0], "libc.so.6");
	CHECK_STR(e.rpath, "${ORIGIN}/lib:/opt/lib");
	CHECK_STR(e.runpath, "$ORIGIN");
	CHECK(e.nodeflib);
	elf_free(&e);
}

static void
test_big_endian(void)
{
	static const struct fixture ppc = {
		ELFCLASS64, ELFDATA2MSB, ET_DYN, EM_PPC64, NULL,
		{ "libz.so.1" }, NULL, NULL, false, false,
	};
	struct image im;
	struct elf e;

	build(&ppc, &im);
	CHECK_STR(read_mem(im.b, im.size, &e), NULL);
	CHECK_INT(e.data, ELFDATA2MSB);
	CHECK_INT(e.machine, EM_PPC64);
	CHECK_STR(e.interp, "");
	CHECK_UINT(e.nneeded, 1);
	CHECK_STR(e.needed[0], "libz.so.1");
	elf_free(&e);
}

/* A static object: no PT_DYNAMIC, nothing needed, no error. */
static void
test_no_program_headers(void)
{
	struct image im;
	struct elf e;

	build(&x86_64, &im);
	memset(im.b + 56, 0, 2);	/* e_phnum */
	CHECK_STR(read_mem(im.b, im.size, &e), NULL);
	CHECK_STR(e.interp, "");
	CHECK_UINT(e.nneeded, 0);
	CHECK(e.rpath == NULL && e.runpath == NULL);
}

static void
test_not_elf(void)
{
	static const unsigned char script[] = "#!/bin/sh\necho hello\n";
	struct image im;
	struct elf e;

	CHECK_STR(read_mem(script, sizeof(script), &e), "not ELF");
	build(&x86_64, &im);
	im.b[EI_CLASS] = 3;
	CHECK_STR(read_mem(im.b, im.size, &e), "not ELF");
	build(&x86_64, &im);
	CHECK_STR(read_mem(im.b, 19, &e), "not ELF");
}

/* Every length short of the whole file fails, and says where. */
static void
test_truncated(void)
{
	struct image im;
	struct elf e;
	const char *why;
	size_t n;

	build(&x86_64, &im);
	CHECK_STR(read_mem(im.b, 40, &e), "truncated ELF header");
	CHECK_STR(read_mem(im.b, im.phoff + 100, &e),
	    "program headers out of bounds");
	CHECK_STR(read_mem(im.b, im.interp + 5, &e), "bad PT_INTERP");
	CHECK_STR(read_mem(im.b, im.dynamic + 8, &e), "bad PT_DYNAMIC");
	for (n = 0; n < im.size; n++) {
		why = read_mem(im.b, n, &e);
		CHECK_MSG(why != NULL, "%zu of %zu bytes read as whole", n,
		    im.size);
		elf_free(&e);
	}
}

static void
test_bad_tables(void)
{
	struct image im;
	struct elf e;
	struct fixture f = x86_64;

	build(&x86_64, &im);
	im.b[56] = 0x01, im.b[57] = 0x10;	/* e_phnum 4097 */
	CHECK_STR(read_mem(im.b, im.size, &e), "bad program header table");
	build(&x86_64, &im);
	im.b[54] = 40;				/* e_phentsize */
	CHECK_STR(read_mem(im.b, im.size, &e), "bad program header table");
	build(&x86_64, &im);
	im.b[im.interp + strlen(x86_64.interp)] = 'x';	/* no NUL */
	CHECK_STR(read_mem(im.b, im.size, &e), "bad PT_INTERP");
	f.no_strtab = true;
	build(&f, &im);
	CHECK_STR(read_mem(im.b, im.size, &e), "bad DT_STRTAB");
	build(&x86_64, &im);
	im.b[im.dynamic + 8] = 0xf0;		/* DT_NEEDED's offset */
	CHECK_STR(read_mem(im.b, im.size, &e), "string index out of bounds");
	elf_free(&e);
	build(&x86_64, &im);
	im.b[im.strtab + im.strsz - 1] = 'x';	/* the last NUL */
	CHECK_STR(read_mem(im.b, im.size, &e),
	    "unterminated or overlong string");
	elf_free(&e);
}

static void
test_too_many_needed(void)
{
	static unsigned char b[4096 + 16 * 1030];
	struct fixture f = x86_64;
	struct image im;
	struct elf e;
	size_t i, dyn;

	build(&f, &im);
	memcpy(b, im.b, im.dynamic);
	for (i = 0, dyn = im.dynamic; i < 1025; i++, dyn += 16) {
		put(&f, b + dyn, DT_NEEDED, 8);
		put(&f, b + dyn + 8, 1, 8);
	}
	dyn += 16;	/* DT_NULL */
	put_phdr(&f, b + 64 + 56, PT_LOAD, 0, BASE, dyn);
	put_phdr(&f, b + 64 + 2 * 56, PT_DYNAMIC, im.dynamic,
	    BASE + im.dynamic, dyn - im.dynamic);
	CHECK_STR(read_mem(b, dyn, &e), "too many DT_NEEDED entries");
}

/* gcc's output: FLAGS "" or "-m32"; false if it cannot build one. */
static bool
compile(const char *flags, const char *out)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "printf 'int main(void) { return 0; }\\n' | "
	    "gcc %s -x c -o %s - -Wl,--no-as-needed -lm "
	    "-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib' 2>/dev/null",
	    flags, out);
	return system(cmd) == 0;
}

/* A program gcc builds, read from its file (never run). */
static void
check_real(const char *flags, unsigned char cls, uint16_t machine,
    const char *interp)
{
	char dir[] = "/tmp/conch-unit-elf.XXXXXX", path[64];
	struct elf e = { 0 };
	struct elf_src src;
	struct stat st;
	bool built;
	size_t i;
	int fd;

	if (mkdtemp(dir) == NULL)
		unit_skip("mkdtemp: cannot make a directory in /tmp");
	snprintf(path, sizeof(path), "%s/prog", dir);
	built = compile(flags, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	rmdir(dir);
	if (!built || fd == -1)
		unit_skip("gcc %s cannot build a program here", flags);
	CHECK(fstat(fd, &st) == 0);
	src = (struct elf_src){ fd, NULL, st.st_size };
	CHECK(elf_ident_fd(fd, &e));
	CHECK_STR(elf_read(&src, &e), NULL);
	CHECK_INT(e.cls, cls);
	CHECK_INT(e.machine, machine);
	CHECK_STR(e.interp, interp);
	CHECK_STR(e.runpath, "$ORIGIN/../lib");
	CHECK_STR(e.rpath, NULL);
	for (i = 0; i < e.nneeded; i++)
		if (strcmp(e.needed[i], "libm.so.6") == 0)
			break;
	CHECK_MSG(i < e.nneeded, "libm.so.6 not among %zu DT_NEEDED",
	    e.nneeded);
	elf_free(&e);
	close(fd);
}

static void
test_gcc_64bit(void)
{
	check_real("", ELFCLASS64, EM_X86_64, "/lib64/ld-linux-x86-64.so.2");
}

static void
test_gcc_32bit(void)
{
	check_real("-m32", ELFCLASS32, EM_386, "/lib/ld-linux.so.2");
}

/* The same bytes read from a file and from memory say the same. */
static void
test_file_and_memory_agree(void)
{
	struct image im;
	struct elf a, b;
	struct elf_src src;
	int fd = memfd_create("elf", MFD_CLOEXEC);

	build(&x86_64, &im);
	CHECK(fd != -1 && write(fd, im.b, im.size) == (ssize_t)im.size);
	CHECK_STR(read_mem(im.b, im.size, &a), NULL);
	memset(&b, 0, sizeof(b));
	src = (struct elf_src){ fd, NULL, im.size };
	CHECK(elf_ident_fd(fd, &b));
	CHECK_STR(elf_read(&src, &b), NULL);
	CHECK_STR(b.interp, a.interp);
	CHECK_STR(b.runpath, a.runpath);
	CHECK_UINT(b.nneeded, a.nneeded);
	CHECK_STR(b.needed[1], a.needed[1]);
	close(fd);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_elf64_fields),
	UNIT_CASE(test_elf32_rpath_and_runpath),
	UNIT_CASE(test_big_endian),
	UNIT_CASE(test_no_program_headers),
	UNIT_CASE(test_not_elf),
	UNIT_CASE(test_truncated),
	UNIT_CASE(test_bad_tables),
	UNIT_CASE(test_too_many_needed),
	UNIT_CASE(test_gcc_64bit),
	UNIT_CASE(test_gcc_32bit),
	UNIT_CASE(test_file_and_memory_agree),
};

UNIT_MAIN("elf", cases)
