/*
 * mkrootfs's loader search (cmd/mkrootfs/ldpath.c) through its own
 * interface: dynamic string tokens, and RPATH, RUNPATH and $ORIGIN in
 * ld.so's order, over a tree of library stubs made here (an ELF header
 * is all the search reads of a candidate).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs/ldpath.h"
#include "unit.h"

static const struct elf x86_64 = {
	.cls = ELFCLASS64, .data = ELFDATA2LSB, .type = ET_EXEC,
	.machine = EM_X86_64,
};

static void
expand(const char *in, const struct elf *e, const char *origin, char *out)
{
	expand_dst(in, strlen(in), e, origin, out, "--copy prog");
}

static void
test_origin_and_tokens(void)
{
	char out[PATH_MAX];

	expand("$ORIGIN/../lib", &x86_64, "/opt/app/bin", out);
	CHECK_STR(out, "/opt/app/bin/../lib");
	expand("${ORIGIN}/lib", &x86_64, "/usr/bin", out);
	CHECK_STR(out, "/usr/bin/lib");
	expand("/usr/$LIB/x:$PLATFORM", &x86_64, "/", out);
	CHECK_STR(out, "/usr/lib/x86_64-linux-gnu/x:x86_64");
	/* Not tokens: kept as they are, as ld.so does. */
	expand("$FOO/${ORIGIN/x", &x86_64, "/o", out);
	CHECK_STR(out, "$FOO/${ORIGIN/x");
	expand("$", &x86_64, "/o", out);
	CHECK_STR(out, "$");
}

static void
expand_lib_ppc(void *arg)
{
	static const struct elf ppc = { .cls = ELFCLASS64,
	    .data = ELFDATA2MSB, .machine = EM_PPC64 };
	char out[PATH_MAX];

	(void)arg;
	conch_init("mkrootfs");
	expand("$ORIGIN/ok/$LIB", &ppc, "/o", out);
}

static void
expand_too_long(void *arg)
{
	char in[PATH_MAX + 8], out[PATH_MAX];

	(void)arg;
	conch_init("mkrootfs");
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	expand(in, &x86_64, "/o", out);
}

static void
test_token_errors(void)
{
	CHECK_DIES(expand_lib_ppc, NULL,
	    "mkrootfs: --copy prog: cannot expand $LIB for ELF machine 21");
	CHECK_DIES(expand_too_long, NULL,
	    "mkrootfs: --copy prog: RPATH entry too long");
}

/* A tree of stubs: DIR/{bin,lib,rpath,lib32}/. */
static char dir[] = "/tmp/conch-unit-ldpath.XXXXXX";

static void
stub(const char *path, unsigned char cls, uint16_t type)
{
	unsigned char h[64] = { 0x7f, 'E', 'L', 'F', 0, ELFDATA2LSB, 1 };
	char full[PATH_MAX];
	int fd;

	h[EI_CLASS] = cls;
	h[16] = type;
	h[18] = cls == ELFCLASS64 ? EM_X86_64 : EM_386;
	snprintf(full, sizeof(full), "%s/%s", dir, path);
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, h, sizeof(h)) != sizeof(h))
		unit_skip("cannot write %s", full);
	close(fd);
}

static void
make_tree(void)
{
	static const char *const subs[] = { "bin", "lib", "rpath", "lib32" };
	char path[PATH_MAX];
	size_t i;

	if (mkdtemp(dir) == NULL)
		unit_skip("mkdtemp: cannot make a directory in /tmp");
	for (i = 0; i < LEN(subs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		mkdir(path, 0755);
	}
	stub("lib/libfoo.so", ELFCLASS64, ET_DYN);
	stub("rpath/libfoo.so", ELFCLASS64, ET_DYN);
	stub("lib32/libfoo.so", ELFCLASS32, ET_DYN);
	stub("lib/libexec.so", ELFCLASS64, ET_EXEC);
}

static void
remove_tree(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Find NAME for E (origin DIR/bin, /usr/bin inside); HOST, DEST relative. */
static bool
find(const struct elf *e, const char *main_rpath, const char *name,
    char *host, char *dest)
{
	static struct ldconf conf = { .loaded = true };	/* no ld.so.conf */
	char horigin[PATH_MAX], mhorigin[PATH_MAX];
	struct ldsearch s = { e, horigin, "/usr/bin", main_rpath, mhorigin,
	    "/opt/main", "--copy prog" };
	char h[PATH_MAX];
	size_t n = strlen(dir);

	snprintf(horigin, sizeof(horigin), "%s/bin", dir);
	snprintf(mhorigin, sizeof(mhorigin), "%s/rpath", dir);
	if (!find_library(&conf, &s, name, h, dest))
		return false;
	snprintf(host, PATH_MAX, "%s", strncmp(h, dir, n) == 0 ? h + n : h);
	return true;
}

static void
test_runpath_with_origin(void)
{
	struct elf e = x86_64;
	char host[PATH_MAX], dest[PATH_MAX];

	make_tree();
	e.runpath = "::$ORIGIN/../lib";	/* empty entries: never the cwd */
	e.nodeflib = true;
	CHECK(find(&e, NULL, "libfoo.so", host, dest));
	CHECK_STR(host, "/bin/../lib/libfoo.so");
	CHECK_STR(dest, "/usr/bin/../lib/libfoo.so");
	/* RPATH is not read when there is a RUNPATH. */
	e.rpath = "$ORIGIN/../rpath";
	CHECK(find(&e, NULL, "libfoo.so", host, dest));
	CHECK_STR(host, "/bin/../lib/libfoo.so");
	/* A program (ET_EXEC) is no library; nodeflib: nowhere else. */
	CHECK(!find(&e, NULL, "libexec.so", host, dest));
	remove_tree();
}

static void
test_rpath_order(void)
{
	struct elf e = x86_64;
	char host[PATH_MAX], dest[PATH_MAX];

	make_tree();
	e.nodeflib = true;
	e.rpath = "$ORIGIN/../rpath:$ORIGIN/../lib";
	CHECK(find(&e, NULL, "libfoo.so", host, dest));
	CHECK_STR(host, "/bin/../rpath/libfoo.so");
	CHECK_STR(dest, "/usr/bin/../rpath/libfoo.so");
	/* The program's RPATH serves a library that has none... */
	e.rpath = NULL;
	CHECK(find(&e, "$ORIGIN", "libfoo.so", host, dest));
	CHECK_STR(host, "/rpath/libfoo.so");
	CHECK_STR(dest, "/opt/main/libfoo.so");
	/* ...but not one with a RUNPATH. */
	e.runpath = "/nonexistent";
	CHECK(!find(&e, "$ORIGIN", "libfoo.so", host, dest));
	remove_tree();
}

/* A library of another class is passed over, as ld.so does. */
static void
test_class_must_match(void)
{
	struct elf e = x86_64;
	char host[PATH_MAX], dest[PATH_MAX];

	make_tree();
	e.cls = ELFCLASS32;
	e.machine = EM_386;
	e.nodeflib = true;
	e.runpath = "$ORIGIN/../lib:$ORIGIN/../lib32";
	CHECK(find(&e, NULL, "libfoo.so", host, dest));
	CHECK_STR(host, "/bin/../lib32/libfoo.so");
	remove_tree();
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_origin_and_tokens),
	UNIT_CASE(test_token_errors),
	UNIT_CASE(test_runpath_with_origin),
	UNIT_CASE(test_rpath_order),
	UNIT_CASE(test_class_must_match),
};

UNIT_MAIN("ldpath", cases)
