/*
 * elf.c: the ELF reader: what the dynamic loader reads of an object (its
 * interpreter, the libraries it needs and where to look for them), from
 * the program headers and the dynamic section. Nothing is ever run;
 * every offset and size is checked against the file before it is used,
 * and every count is bounded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfread.h"
#include "mkrootfs.h"

/* The program header table, read whole. */
struct phdrs {
	unsigned char *ph;
	size_t phent, phnum;
};

/* What PT_DYNAMIC says, before its strings are read. */
struct dynamic {
	bool found;
	uint64_t off, size;		/* of PT_DYNAMIC in the file */
	size_t nstr;
	ssize_t rpath, runpath;		/* string table offsets, or -1 */
	uint64_t strtab, strsz;		/* DT_STRTAB (an address), DT_STRSZ */
	bool have_strtab;
	uint64_t strs[ELF_MAX_NEEDED + 2];	/* DT_NEEDED, then the paths */
};

static uint64_t
elf_get(const struct elf *e, const unsigned char *p, int size)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[e->data == ELFDATA2LSB ? i : size - 1 - i]
		    << (8 * i);
	return v;
}

void
elf_free(struct elf *e)
{
	size_t i;

	for (i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->rpath);
	free(e->runpath);
	e->nneeded = 0;
	e->rpath = e->runpath = NULL;
}

/* Is [off, off + len) inside a file of SIZE bytes? */
static bool
in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static bool
pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got, off + got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

/* LEN bytes at OFF of the source; false past its end, as pread says. */
static bool
src_read(const struct elf_src *src, void *buf, size_t len, uint64_t off)
{
	if (src->fd != -1)
		return pread_all(src->fd, buf, len, off);
	if (!in_file(off, len, src->size))
		return false;
	if (len > 0)
		memcpy(buf, src->mem + off, len);
	return true;
}

bool
elf_ident(const unsigned char *h, size_t n, struct elf *e)
{
	if (n < 20 || memcmp(h, ELFMAG, SELFMAG) != 0 ||
	    (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64) ||
	    (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB))
		return false;
	e->cls = h[EI_CLASS];
	e->data = h[EI_DATA];
	e->type = elf_get(e, h + 16, 2);
	e->machine = elf_get(e, h + 18, 2);
	return true;
}

bool
elf_ident_fd(int fd, struct elf *e)
{
	unsigned char h[20];

	return pread_all(fd, h, sizeof(h), 0) && elf_ident(h, sizeof(h), e);
}

/* The file offset of virtual address ADDR, through the PT_LOAD segments. */
static bool
elf_offset(const struct elf *e, const struct phdrs *p, uint64_t addr,
    uint64_t *off)
{
	bool is64 = e->cls == ELFCLASS64;
	uint64_t vaddr, offset, filesz;
	size_t i;

	for (i = 0; i < p->phnum; i++) {
		const unsigned char *ph = p->ph + i * p->phent;

		if (elf_get(e, ph, 4) != PT_LOAD)
			continue;
		offset = elf_get(e, ph + (is64 ? 8 : 4), is64 ? 8 : 4);
		vaddr = elf_get(e, ph + (is64 ? 16 : 8), is64 ? 8 : 4);
		filesz = elf_get(e, ph + (is64 ? 32 : 16), is64 ? 8 : 4);
		if (addr >= vaddr && addr - vaddr < filesz) {
			*off = offset + (addr - vaddr);
			return true;
		}
	}
	return false;
}

/* A NUL-terminated string of at most PATH_MAX - 1 bytes at OFF. */
static const char *
elf_string(const struct elf_src *src, uint64_t off, uint64_t avail,
    char **out)
{
	char buf[PATH_MAX];
	size_t len = avail < sizeof(buf) ? avail : sizeof(buf);

	if (len == 0 || !src_read(src, buf, len, off))
		return "string out of bounds";
	if (memchr(buf, '\0', len) == NULL)
		return "unterminated or overlong string";
	*out = xstrdup(buf);
	return NULL;
}

/* The ELF header's program header table, read whole; none is no error. */
static const char *
elf_phdrs(const struct elf_src *src, const struct elf *e, struct phdrs *p)
{
	unsigned char h[64];
	bool is64 = e->cls == ELFCLASS64;
	uint64_t phoff;

	if (!src_read(src, h, is64 ? 64 : 52, 0))
		return "truncated ELF header";
	phoff = elf_get(e, h + (is64 ? 32 : 28), is64 ? 8 : 4);
	p->phent = elf_get(e, h + (is64 ? 54 : 42), 2);
	p->phnum = elf_get(e, h + (is64 ? 56 : 44), 2);
	if (p->phnum == 0)
		return NULL;
	if (p->phent < (is64 ? 56u : 32u) || p->phnum > ELF_MAX_PHNUM)
		return "bad program header table";
	if (!in_file(phoff, (uint64_t)p->phent * p->phnum, src->size))
		return "program headers out of bounds";
	p->ph = xrealloc(NULL, p->phent * p->phnum);
	if (!src_read(src, p->ph, p->phent * p->phnum, phoff))
		return "cannot read program headers";
	return NULL;
}

/* PT_INTERP into E, and where PT_DYNAMIC is, the first of each. */
static const char *
elf_segments(const struct elf_src *src, struct elf *e, const struct phdrs *p,
    struct dynamic *d)
{
	bool is64 = e->cls == ELFCLASS64;
	uint64_t off, sz;
	size_t i;

	for (i = 0; i < p->phnum; i++) {
		const unsigned char *ph = p->ph + i * p->phent;
		uint32_t type = elf_get(e, ph, 4);

		off = elf_get(e, ph + (is64 ? 8 : 4), is64 ? 8 : 4);
		sz = elf_get(e, ph + (is64 ? 32 : 16), is64 ? 8 : 4);
		if (type == PT_INTERP && e->interp[0] == '\0') {
			if (sz < 2 || sz > PATH_MAX ||
			    !in_file(off, sz, src->size) ||
			    !src_read(src, e->interp, sz, off) ||
			    memchr(e->interp, '\0', sz) == NULL) {
				e->interp[0] = '\0';
				return "bad PT_INTERP";
			}
		} else if (type == PT_DYNAMIC && !d->found) {
			if (sz > ELF_MAX_DYN || !in_file(off, sz, src->size))
				return "bad PT_DYNAMIC";
			d->off = off;
			d->size = sz;
			d->found = true;
		}
	}
	return NULL;
}

/* One entry of the dynamic section. */
static const char *
dynamic_tag(struct elf *e, struct dynamic *d, uint64_t tag, uint64_t val)
{
	switch (tag) {
	case DT_NEEDED:
		if (d->nstr == ELF_MAX_NEEDED)
			return "too many DT_NEEDED entries";
		d->strs[d->nstr++] = val;
		break;
	case DT_RPATH:
		d->rpath = val;
		break;
	case DT_RUNPATH:
		d->runpath = val;
		break;
	case DT_STRTAB:
		d->strtab = val;
		d->have_strtab = true;
		break;
	case DT_STRSZ:
		d->strsz = val;
		break;
	case DT_FLAGS_1:
		e->nodeflib = val & DF_1_NODEFLIB;
		break;
	}
	return NULL;
}

/* The dynamic section's entries, up to DT_NULL. */
static const char *
elf_dynamic(const struct elf_src *src, struct elf *e, struct dynamic *d)
{
	size_t dynent = e->cls == ELFCLASS64 ? 16 : 8, ndyn, i;
	unsigned char *dyn = xrealloc(NULL, d->size ? d->size : 1);
	const char *why = NULL;
	uint64_t tag, val;

	ndyn = d->size / dynent;
	if (!src_read(src, dyn, d->size, d->off))
		why = "cannot read PT_DYNAMIC";
	for (i = 0; why == NULL && i < ndyn; i++) {
		tag = elf_get(e, dyn + i * dynent, dynent / 2);
		val = elf_get(e, dyn + i * dynent + dynent / 2, dynent / 2);
		if (tag == DT_NULL)
			break;
		why = dynamic_tag(e, d, tag, val);
	}
	free(dyn);
	return why;
}

/* The names DT_NEEDED, DT_RPATH and DT_RUNPATH point at, into E. */
static const char *
elf_strings(const struct elf_src *src, struct elf *e, const struct phdrs *p,
    struct dynamic *d)
{
	const char *why;
	uint64_t off;
	size_t i;
	char *s;

	if (!d->have_strtab || !elf_offset(e, p, d->strtab, &off) ||
	    !in_file(off, d->strsz, src->size))
		return "bad DT_STRTAB";
	if (d->rpath != -1)
		d->strs[d->nstr++] = d->rpath;
	if (d->runpath != -1)
		d->strs[d->nstr++] = d->runpath;
	for (i = 0; i < d->nstr; i++) {
		if (d->strs[i] >= d->strsz)
			return "string index out of bounds";
		if ((why = elf_string(src, off + d->strs[i],
		    d->strsz - d->strs[i], &s)) != NULL)
			return why;
		if (d->runpath != -1 && i == d->nstr - 1)
			e->runpath = s;
		else if (d->rpath != -1 &&
		    i == d->nstr - 1 - (d->runpath != -1))
			e->rpath = s;
		else
			e->needed[e->nneeded++] = s;
	}
	return NULL;
}

const char *
elf_read(const struct elf_src *src, struct elf *e)
{
	struct phdrs p = { NULL, 0, 0 };
	struct dynamic d = { .rpath = -1, .runpath = -1 };
	const char *why;

	e->interp[0] = '\0';
	why = elf_phdrs(src, e, &p);
	if (why == NULL && p.phnum > 0)
		why = elf_segments(src, e, &p, &d);
	if (why == NULL && d.found)
		why = elf_dynamic(src, e, &d);
	if (why == NULL && (d.nstr > 0 || d.rpath != -1 || d.runpath != -1))
		why = elf_strings(src, e, &p, &d);
	free(p.ph);
	return why;
}
