/*
 * Layers and their whiteouts (cmd/mkrootfs/whiteout.c, unpack.c) on a
 * scratch root: archives written block by block here and unpacked one
 * over the other; then the tree is looked at. A whiteout deletes what
 * the layers below made, never its own layer's entries, in whatever
 * order they come; an opaque directory keeps only its own layer's
 * content; a member replaces a whole tree in its way; what is refused is
 * refused with the exact message; and the undo leaves the root empty.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs/mkrootfs.h"
#include "mkrootfs/tarread.h"
#include "unit.h"

static char top[] = "/tmp/conch-unit-whiteout.XXXXXX";
static char rootdir[64];
static struct root root;

/* An archive: NAME=DATA files, NAME/ directories, NAME>TARGET links. */
struct archive {
	unsigned char b[1 << 15];
	size_t n;
};

static void
octal(unsigned char *f, size_t len, unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%0*lo", (int)len - 1, v);
	memcpy(f, buf, len - 1);
}

static void
member(struct archive *a, const char *spec)
{
	unsigned char *h = a->b + a->n;
	const char *eq = strchr(spec, '='), *gt = strchr(spec, '>');
	size_t nlen = eq ? (size_t)(eq - spec) : gt ? (size_t)(gt - spec) :
	    strlen(spec), dlen = eq ? strlen(eq + 1) : 0;
	unsigned int sum = 0;
	int i;

	memset(h, 0, 512);
	memcpy(h, spec, nlen);
	octal(h + 100, 8, spec[nlen - 1] == '/' ? 0755 : 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, dlen);
	octal(h + 136, 12, 1700000000);
	h[156] = gt ? '2' : spec[nlen - 1] == '/' ? '5' : '0';
	if (gt)
		memcpy(h + 157, gt + 1, strlen(gt + 1));
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	octal(h + 148, 7, sum);
	a->n += 512;
	if (dlen > 0) {
		memcpy(a->b + a->n, eq + 1, dlen);
		memset(a->b + a->n + dlen, 0, (512 - dlen % 512) % 512);
		a->n += dlen + (512 - dlen % 512) % 512;
	}
}

/* The archive of SPECS (NULL-terminated), unpacked into the root. */
static void
layer_of(bool image, const char *const *specs)
{
	static struct archive a;
	static struct tar t;

	a.n = 0;
	for (; *specs != NULL; specs++)
		member(&a, *specs);
	memset(a.b + a.n, 0, 1024);
	a.n += 1024;
	tar_open_mem(&t, "--tar layer", a.b, a.n);
	unpack_members(&root, &t, image);
}

#define LAYER(...) layer_of(false, (const char *const[]){ __VA_ARGS__, NULL })

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
cleanup(void)
{
	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A scratch root; cleanup() at the end of a case (which ends with
 * _exit), or at the exit of the process a case's die() ends.
 */
static void
scratch(void)
{
	conch_init("mkrootfs");
	if (mkdtemp(top) == NULL)
		unit_skip("mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	snprintf(rootdir, sizeof(rootdir), "%s/root", top);
	umask(022);
	root_open(&root, rootdir);
}

/* What is in the root: "a a/b a/b/c", sorted, directories with a slash. */
static const char *
tree(void)
{
	static char out[2048];
	char cmd[256];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "cd %s && find . -mindepth 1 \\( -type d "
	    "-printf '%%P/\\n' \\) -o -printf '%%P\\n' | LC_ALL=C sort | "
	    "tr '\\n' ' '", rootdir);
	if ((p = popen(cmd, "r")) == NULL)
		return "popen failed";
	n = fread(out, 1, sizeof(out) - 1, p);
	pclose(p);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

static void
test_whiteouts(void)
{
	scratch();
	LAYER("a/", "a/x=x", "a/y=y", "d/", "d/sub/", "d/sub/z=z", "keep=k");
	LAYER("a/.wh.x=", ".wh.d=", ".wh.nothere=", "nodir/.wh.x=");
	CHECK_STR(tree(), "a/ a/y keep");
	/* Undone: what a whiteout removed counts as undone; DIR goes. */
	undo_now();
	CHECK(access(rootdir, F_OK) == -1 && errno == ENOENT);
	cleanup();
}

/* The marker before or after its own entries: they stay either way. */
static void
test_opaque(void)
{
	scratch();
	LAYER("o/", "o/old=1", "o/sub/", "o/sub/old=2", "p/", "p/old=3");
	LAYER("o/.wh..wh..opq=", "o/sub/", "o/sub/new=n");
	LAYER("p/new=n", "p/.wh..wh..opq=");
	CHECK_STR(tree(), "o/ o/sub/ o/sub/new p/ p/new");
	cleanup();
}

/* A whiteout hides the layers below only, never its own layer's. */
static void
test_same_layer(void)
{
	scratch();
	LAYER("f=lower", "g/", "g/lower=1");
	LAYER("f=upper", ".wh.f=", "g/upper=2", ".wh.g=");
	CHECK_STR(tree(), "f g/ g/upper");
	cleanup();
}

/* A member replaces the tree in its way; a directory merges. */
static void
test_replace(void)
{
	scratch();
	LAYER("t/", "t/a/", "t/a/b=1", "l>t", "m/", "m/x=1");
	LAYER("t=file", "l/", "m/", "m/y=2");
	CHECK_STR(tree(), "l/ m/ m/x m/y t");
	cleanup();
}

/* A whiteout through a symlink stays inside the root. */
static void
test_through_symlink(void)
{
	char outside[128];
	int fd;

	scratch();
	snprintf(outside, sizeof(outside), "%s/victim", top);
	if ((fd = creat(outside, 0644)) == -1 || close(fd) == -1)
		unit_skip("creat: %s", strerror(errno));
	LAYER("up>../../../..", "victim=inside");
	LAYER("up/.wh.victim=");
	CHECK_STR(tree(), "up");
	CHECK(access(outside, F_OK) == 0);
	cleanup();
}

static void
bad_whiteout(void *arg)
{
	scratch();
	layer_of(false, (const char *const[]){ arg, NULL });
}

static void
climbing_link(void *arg)
{
	scratch();
	layer_of(true, (const char *const[]){ "a/", "a/b/", arg, NULL });
}

static void
test_refused(void)
{
	char err[256];

	CHECK_DIES(bad_whiteout, "x/.wh.=", "mkrootfs: --tar layer: whiteout "
	    "'x/.wh.' names no file");
	CHECK_DIES(bad_whiteout, ".wh..=", "mkrootfs: --tar layer: whiteout "
	    "'.wh..' names no file");
	CHECK_DIES(bad_whiteout, ".wh...=", "mkrootfs: --tar layer: whiteout "
	    "'.wh...' names no file");
	/* Image layers: Docker's rule on symlinks that climb out. */
	CHECK_DIES(climbing_link, "a/b/l>../../../etc", "mkrootfs: --tar "
	    "layer: symlink 'a/b/l' -> '../../../etc' leads out of the root");
	CHECK_DIES(climbing_link, "l>./a/../..", "mkrootfs: --tar layer: "
	    "symlink 'l' -> './a/../..' leads out of the root");
	CHECK_INT(unit_run(climbing_link, "a/b/l>../../etc", err, sizeof(err)),
	    0);
	CHECK_INT(unit_run(climbing_link, "a/b/l>/../../etc", err,
	    sizeof(err)), 0);
}

/* aufs's own .wh..wh. files are skipped. */
static void
test_aufs_skipped(void)
{
	scratch();
	LAYER(".wh..wh.plnk/", ".wh..wh.aufs=", "f=1");
	CHECK_STR(tree(), "f");
	cleanup();
}

static void
test_pathset(void)
{
	struct pathset s = { 0 };
	char p[64];
	int i;

	conch_init("mkrootfs");
	pathset_add(&s, "/a/b/c");
	CHECK(pathset_has(&s, "/a"));
	CHECK(pathset_has(&s, "/a/b"));
	CHECK(pathset_has(&s, "/a/b/c"));
	CHECK(!pathset_has(&s, "/a/bb"));
	CHECK(!pathset_has(&s, "/a/b/c/d"));
	for (i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/d%d/f%d", i % 7, i);
		pathset_add(&s, p);
	}
	CHECK_UINT(s.n, 3 + 7 + 5000);
	CHECK(pathset_has(&s, "/d3/f4999") == (4999 % 7 == 3));
	CHECK(pathset_has(&s, "/d1/f4999"));
	pathset_clear(&s);
	CHECK(!pathset_has(&s, "/a"));
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_whiteouts),
	UNIT_CASE(test_opaque),
	UNIT_CASE(test_same_layer),
	UNIT_CASE(test_replace),
	UNIT_CASE(test_through_symlink),
	UNIT_CASE(test_refused),
	UNIT_CASE(test_aufs_skipped),
	UNIT_CASE(test_pathset),
};

UNIT_MAIN("whiteout", cases)
