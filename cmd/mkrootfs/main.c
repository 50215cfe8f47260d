/*
 * mkrootfs: build a root filesystem in DIR, then run PROG (or exit 0).
 *
 * The steps, in this order (all optional but the skeleton):
 *   --overlay  a writable overlay mounted at DIR: what follows lands in
 *              its upper layer, the lower layers stay untouched;
 *   --tar      image tarballs unpacked, in the order given;
 *   skeleton   the directories and /etc files every root needs;
 *   --copy     host programs with their loader and library closure,
 *              found by reading the ELF files (never by running them);
 *   --tools    the conch tools, for the steps of a chain after pivot;
 *   --busybox  a static busybox and its applet links.
 * Nothing that exists is overwritten (--tar replaces files as tar(1)
 * does): what an image or an earlier step put there wins, and running
 * mkrootfs again on the same DIR is harmless. On failure, what this run
 * created is removed again.
 *
 * Layout: merged /usr, as Debian 12: bin, sbin and lib are links into
 * usr. lib64, lib32 and the like are not made up front: --copy mirrors
 * them from the host when a loader path needs them.
 *
 * Every path inside DIR is resolved inside it (root.c): a hostile tree
 * (usr -> /usr) cannot make us write outside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs.h"

static const char usage[] =
"Usage: mkrootfs [OPTION]... DIR [PROG [ARG]...]\n"
"Build a root filesystem in DIR (made if missing), then run PROG.\n"
"\n"
"  -c, --copy FILE          copy host program FILE (a name is looked up in\n"
"                           PATH) with its ELF loader and libraries, or a\n"
"                           script with its interpreter; repeatable\n"
"  -x, --tar ARCHIVE        unpack a tarball (plain, gzip, xz, zstd, bzip2;\n"
"                           - for stdin); repeatable, unpacked in order\n"
"  -b, --busybox[=PATH]     install a static busybox (default: busybox in\n"
"                           PATH) as bin/busybox, with its applet links\n"
"  -t, --tools[=DIR]        install the conch tools (default: those beside\n"
"                           mkrootfs) into bin\n"
"  -o, --overlay LOWER[:LOWER...]\n"
"                           first mount a writable overlay of the LOWER\n"
"                           directories (leftmost on top) at DIR\n"
"  -u, --upper UPPER        keep the overlay's changes in UPPER (work\n"
"                           directory UPPER.work) instead of a tmpfs\n"
"  -v, --verbose            print each step\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n"
"\n"
"Nothing that exists in DIR is overwritten. Exit status: 125 if mkrootfs\n"
"fails, else PROG's (126, 127: PROG cannot be run, not found).\n";

/* The command line. */
struct opts {
	const char *dir;	/* DIR */
	char **prog;		/* PROG [ARG]..., or NULL */
	char **copy;		/* --copy FILEs, then as absolute host paths */
	size_t ncopy;
	const char **tar;	/* --tar ARCHIVEs */
	int *tarfd;		/* each opened before DIR is touched */
	size_t ntar;
	bool want_busybox, tools;
	const char *busybox;	/* --busybox=PATH, then found, or NULL */
	const char *tools_dir;	/* --tools=DIR, or NULL: beside mkrootfs */
	struct layers overlay;	/* --overlay, --upper */
};

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "copy", required_argument, NULL, 'c' },
		{ "tar", required_argument, NULL, 'x' },
		{ "busybox", optional_argument, NULL, 'b' },
		{ "tools", optional_argument, NULL, 't' },
		{ "overlay", required_argument, NULL, 'o' },
		{ "upper", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->copy = xrealloc(NULL, argc * sizeof(*o->copy));
	o->tar = xrealloc(NULL, argc * sizeof(*o->tar));
	while ((c = getopt_long(argc, argv, "+:c:x:b::t::o:u:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			o->copy[o->ncopy++] = optarg;
			break;
		case 'x':
			o->tar[o->ntar++] = optarg;
			break;
		case 'b':
			o->want_busybox = true;
			o->busybox = optarg;
			break;
		case 't':
			o->tools = true;
			o->tools_dir = optarg;
			break;
		case 'o':
			o->overlay.spec = optarg;
			break;
		case 'u':
			o->overlay.upper = optarg;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (o->overlay.upper != NULL && o->overlay.spec == NULL)
		die("--upper needs --overlay");
	if (optind == argc)
		die("missing DIR (see mkrootfs --help)");
	o->dir = argv[optind++];
	o->prog = optind < argc ? argv + optind : NULL;
}

/* --copy FILE: a name is looked up in PATH, a path made absolute. */
static void
resolve_copies(struct opts *o)
{
	char path[PATH_MAX], cwd[PATH_MAX];
	struct stat st;
	size_t i;

	for (i = 0; i < o->ncopy; i++) {
		const char *f = o->copy[i];

		if (*f == '\0')
			die("--copy: empty file name");
		if (strchr(f, '/') == NULL) {
			if (!path_lookup(f, path))
				die("--copy %s: not found in PATH", f);
		} else if (*f != '/') {
			if (getcwd(cwd, sizeof(cwd)) == NULL)
				die_sys("getcwd");
			pathf(path, sizeof(path), "%s/%s", cwd, f);
		} else {
			pathf(path, sizeof(path), "%s", f);
		}
		if (stat(path, &st) == -1)
			die_sys("--copy %s", f);
		if (!S_ISREG(st.st_mode))
			die("--copy %s: not a regular file", f);
		o->copy[i] = xstrdup(path);
	}
}

/* --tar ARCHIVE, opened; "-" is stdin, which PROG keeps. */
static void
open_tars(struct opts *o)
{
	size_t i;

	o->tarfd = xrealloc(NULL, (o->ntar + 1) * sizeof(*o->tarfd));
	for (i = 0; i < o->ntar; i++) {
		if (strcmp(o->tar[i], "-") == 0)
			o->tarfd[i] = fcntl(0, F_DUPFD_CLOEXEC, 3);
		else
			o->tarfd[i] = open(o->tar[i], O_RDONLY | O_CLOEXEC |
			    O_NOCTTY);
		if (o->tarfd[i] == -1)
			die_sys("--tar %s", o->tar[i]);
	}
}

/* --busybox[=PATH]: a name (or none: busybox) is looked up in PATH. */
static void
find_busybox(struct opts *o)
{
	const char *name = o->busybox ? o->busybox : "busybox";
	char path[PATH_MAX];
	struct stat st;

	if (o->busybox == NULL || strchr(o->busybox, '/') == NULL) {
		if (!path_lookup(name, path))
			die("--busybox: %s not found in PATH (install "
			    "busybox-static, or give --busybox=PATH)", name);
		o->busybox = xstrdup(path);
	}
	if (stat(o->busybox, &st) == -1)
		die_sys("--busybox %s", o->busybox);
}

/*
 * Every input is found and opened before DIR is touched: a typo costs
 * nothing to undo.
 */
static void
check_inputs(struct opts *o)
{
	struct stat st;

	resolve_copies(o);
	open_tars(o);
	if (o->want_busybox)
		find_busybox(o);
	if (o->tools_dir != NULL && stat(o->tools_dir, &st) == -1)
		die_sys("--tools %s", o->tools_dir);
	if (o->tools_dir != NULL && !S_ISDIR(st.st_mode))
		die_err(ENOTDIR, NULL, "--tools %s", o->tools_dir);
	if (o->overlay.spec != NULL)
		open_layers(&o->overlay);
}

/* --copy: each program with its closure, at its host path. */
static void
copy_programs(struct installer *in, const struct opts *o)
{
	char what[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < o->ncopy; i++) {
		snprintf(what, sizeof(what), "--copy %s", o->copy[i]);
		install_program(in, o->copy[i], o->copy[i], what);
	}
}

int
main(int argc, char **argv)
{
	/* Static: reachable to the end, and from the undo at exit. */
	static struct opts o;
	static struct root root = { .fd = -1 };
	static struct installer in = { .root = &root };
	mode_t umask_was;
	size_t i;

	conch_init("mkrootfs");
	parse_args(argc, argv, &o);
	interrupt_catch();	/* before the undo: it runs first at exit */
	check_inputs(&o);
	umask_was = umask(0);	/* modes are exact; PROG gets it back */
	root_undo_at_exit(&root);
	root_open(&root, o.dir);
	if (o.overlay.spec != NULL)
		mount_overlay(&root, o.dir, &o.overlay);
	for (i = 0; i < o.ntar; i++)
		unpack_tar(&root, o.tar[i], o.tarfd[i]);
	make_skeleton(&root);
	copy_programs(&in, &o);
	if (o.tools)
		install_tools(&in, o.tools_dir);
	if (o.want_busybox)
		install_busybox(&in, o.busybox);
	copy_ld_cache(&in);
	interrupt_end();
	root.built = true;
	umask(umask_was);
	close(root.fd);
	if (o.prog == NULL)
		return 0;
	exec_prog(o.prog, NULL);
}
