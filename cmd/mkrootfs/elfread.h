/*
 * elfread.h: the ELF reader of mkrootfs (elf.c), on its own: what the
 * dynamic loader reads of a program or library, from a file or from
 * bytes in memory, every offset checked against the size first.
 */
#ifndef ELFREAD_H
#define ELFREAD_H

#include <elf.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_PHNUM 4096
#define ELF_MAX_DYN (1 << 20)
#define ELF_MAX_NEEDED 1024

struct elf {
	unsigned char cls, data;	/* ELFCLASS32/64, ELFDATA2LSB/MSB */
	uint16_t type, machine;
	bool nodeflib;			/* DF_1_NODEFLIB */
	char interp[PATH_MAX];		/* PT_INTERP, or "" */
	char *rpath, *runpath;		/* DT_RPATH, DT_RUNPATH, or NULL */
	char *needed[ELF_MAX_NEEDED];	/* DT_NEEDED */
	size_t nneeded;
};

/* What the reader reads: the file FD, or SIZE bytes at MEM when FD is -1. */
struct elf_src {
	int fd;
	const unsigned char *mem;
	uint64_t size;		/* of the file, as fstat gave it */
};

/*
 * The ELF header only (N bytes at H): is this an ELF file, and of which
 * class, byte order, type and machine. Fills those fields of E.
 */
bool elf_ident(const unsigned char *h, size_t n, struct elf *e);
/* The same, for the header of the open file FD. */
bool elf_ident_fd(int fd, struct elf *e);

/*
 * After elf_ident(): PT_INTERP, and from PT_DYNAMIC the DT_NEEDED,
 * DT_RPATH, DT_RUNPATH names and DT_FLAGS_1. Returns NULL, or why the
 * file is not a well-formed ELF object. elf_free() what it gave, either
 * way.
 */
const char *elf_read(const struct elf_src *src, struct elf *e);
void elf_free(struct elf *e);

#endif
