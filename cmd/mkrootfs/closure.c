/*
 * closure.c: a host program into the root with everything it needs to
 * run there: its ELF interpreter and DT_NEEDED libraries, found as ld.so
 * would (ldpath.c) by reading the files, never by running them; a
 * script's interpreter, and for #!/usr/bin/env NAME, NAME from PATH.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "elfread.h"
#include "ldpath.h"
#include "mkrootfs.h"

/* NAME in $PATH, as execvp would find it; false if it is nowhere. */
bool
path_lookup(const char *name, char *out)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX * 4], *dir, *rest;
	struct stat st;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	pathf(buf, sizeof(buf), "%s", path);
	rest = buf;
	while ((dir = strsep(&rest, ":")) != NULL) {
		if (*dir != '/')
			continue;	/* never the working directory */
		if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return true;
	}
	return false;
}

enum { O_PROG, O_LIB };
struct obj {
	int kind;	/* O_PROG (ELF or script) or O_LIB (ELF only) */
	int hops;	/* interpreters between the program and this */
	char *host;	/* as found on the host: a library's $ORIGIN */
	char *dest;	/* where the loader looks for it inside the root */
};

/*
 * DT_NEEDED names found already, per ELF class and machine: ld.so loads a
 * name once per process, whoever needs it next.
 */
struct soname {
	unsigned char cls;
	uint16_t machine;
	char *name;
};

/* One program's closure: the objects to install, the program first. */
struct closure {
	struct installer *in;
	const char *what;	/* "--copy FILE", for messages */
	struct obj *objs;
	size_t n, cap;
	struct soname *sonames;
	size_t nsonames, capsonames;
	char *main_rpath;	/* the program's DT_RPATH, with its origins */
	char main_horigin[PATH_MAX], main_dorigin[PATH_MAX];
};

/* Has the installer analysed this host file already? */
static bool
seen_before(struct installer *in, const struct stat *st)
{
	size_t i;

	for (i = 0; i < in->nseen; i++)
		if (in->seen[i].dev == st->st_dev &&
		    in->seen[i].ino == st->st_ino)
			return true;
	in->seen = grow(in->seen, in->nseen, &in->capseen, sizeof(*in->seen));
	in->seen[in->nseen++] = (struct fileid){ st->st_dev, st->st_ino };
	return false;
}

static void
closure_add(struct closure *c, int kind, int hops, const char *host,
    const char *dest)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->objs[i].host, host) == 0 &&
		    strcmp(c->objs[i].dest, dest) == 0)
			return;
	c->objs = grow(c->objs, c->n, &c->cap, sizeof(*c->objs));
	c->objs[c->n++] = (struct obj){ kind, hops, xstrdup(host),
	    xstrdup(dest) };
}

static void
dirname_of(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		strcpy(out, "/");
	else
		pathf(out, PATH_MAX, "%.*s", (int)(slash - path), path);
}

/* E's DT_NEEDED libraries, found as ld.so would, into the closure. */
static void
add_needed(struct closure *c, const struct obj *o, bool is_main,
    const struct elf *e, const char *horigin, const char *dorigin)
{
	const struct ldsearch s = { e, horigin, dorigin,
	    is_main ? NULL : c->main_rpath, c->main_horigin, c->main_dorigin,
	    c->what };
	char host[PATH_MAX], dest[PATH_MAX];
	size_t i, k;

	for (i = 0; i < e->nneeded; i++) {
		const char *name = e->needed[i];

		if (strchr(name, '/') != NULL) {	/* a path, used as is */
			expand_dst(name, strlen(name), e, horigin, host,
			    c->what);
			expand_dst(name, strlen(name), e, dorigin, dest,
			    c->what);
			closure_add(c, O_LIB, o->hops, host, dest);
			continue;
		}
		for (k = 0; k < c->nsonames; k++)
			if (c->sonames[k].cls == e->cls &&
			    c->sonames[k].machine == e->machine &&
			    strcmp(c->sonames[k].name, name) == 0)
				break;
		if (k < c->nsonames)
			continue;
		if (!find_library(&c->in->ldconf, &s, name, host, dest))
			die("%s: library %s needed by %s: not found", c->what,
			    name, o->host);
		trace("%s: %s needs %s: %s", c->what, o->host, name, host);
		c->sonames = grow(c->sonames, c->nsonames, &c->capsonames,
		    sizeof(*c->sonames));
		c->sonames[c->nsonames++] = (struct soname){ e->cls,
		    e->machine, xstrdup(name) };
		closure_add(c, O_LIB, o->hops, host, dest);
	}
}

/*
 * "#!INTERP [ARG]" as the kernel reads it, from the first line. The
 * interpreter joins the closure; for "#!/usr/bin/env NAME", so does NAME
 * as found in PATH.
 */
static void
add_interpreter(struct closure *c, const struct obj *o, char *head,
    size_t n)
{
	char *interp, *arg, *end, found[PATH_MAX];

	head[n] = '\0';
	head[strcspn(head, "\n")] = '\0';
	interp = head + 2 + strspn(head + 2, " \t");
	end = interp + strcspn(interp, " \t");
	arg = *end ? end + 1 + strspn(end + 1, " \t") : end;
	*end = '\0';
	if (*interp == '\0')
		return;		/* "#!" alone: the shell runs it, not exec */
	if (*interp != '/')
		die("%s: %s: relative interpreter '%s'", c->what, o->host,
		    interp);
	if (o->hops >= 4)
		die("%s: %s: interpreters nested too deep", c->what, o->host);
	trace("%s: %s runs with %s", c->what, o->host, interp);
	closure_add(c, O_PROG, o->hops + 1, interp, interp);
	end = strrchr(interp, '/');
	if (strcmp(end, "/env") != 0)
		return;
	if (strncmp(arg, "-S", 2) == 0 && (arg[2] == ' ' || arg[2] == '\t'))
		arg += 3 + strspn(arg + 3, " \t");
	arg[strcspn(arg, " \t")] = '\0';
	if (*arg == '\0' || *arg == '-' || strchr(arg, '=') != NULL)
		return;
	if (strchr(arg, '/') != NULL)
		pathf(found, sizeof(found), "%s", arg);
	else if (!path_lookup(arg, found))
		die("%s: %s: #!%s %s: %s not found in PATH", c->what, o->host,
		    interp, arg, arg);
	closure_add(c, O_PROG, o->hops + 1, found, found);
}

/*
 * Where O's $ORIGIN is, on the host and inside the root. ld.so takes a
 * program's from /proc/self/exe (the real path), a library's from the
 * name it was found under.
 */
static void
object_origins(struct closure *c, const struct obj *o, const char *real,
    char *horigin, char *dorigin)
{
	struct root *r = c->in->root;
	char canon[PATH_MAX];
	int fd;

	if (o->kind == O_PROG) {
		dirname_of(real, horigin);
		fd = in_root(r, o->dest, R_FOLLOW, canon);
		if (fd == -1)
			die_sys("%s: %s", c->what, inside(r, o->dest));
		close(fd);
		dirname_of(canon[0] ? canon : "/", dorigin);
	} else {
		dirname_of(o->host, horigin);
		dirname_of(o->dest, dorigin);
	}
}

/* What object I, O, needs (the ELF file SRC, E identified), queued. */
static void
add_elf_needs(struct closure *c, size_t i, const struct obj *o,
    const struct elf_src *src, const char *real, struct elf *e)
{
	char horigin[PATH_MAX], dorigin[PATH_MAX];
	const char *why;

	if ((why = elf_read(src, e)) != NULL)
		die("%s: %s: malformed ELF (%s)", c->what, real, why);
	close(src->fd);
	object_origins(c, o, real, horigin, dorigin);
	if (i == 0 && e->rpath != NULL) {
		c->main_rpath = xstrdup(e->rpath);
		strcpy(c->main_horigin, horigin);
		strcpy(c->main_dorigin, dorigin);
	}
	if (e->interp[0] != '\0') {
		if (e->interp[0] != '/')
			die("%s: %s: relative ELF interpreter '%s'", c->what,
			    real, e->interp);
		closure_add(c, O_LIB, o->hops, e->interp, e->interp);
	}
	add_needed(c, o, i == 0, e, horigin, dorigin);
	elf_free(e);
}

/* Object I: put it in, then queue what it needs. */
static void
install_object(struct closure *c, size_t i)
{
	char real[PATH_MAX], head[257];
	struct obj o = c->objs[i];	/* c->objs may move */
	struct elf e = { 0 };
	struct stat st;
	ssize_t n;
	int fd;

	fd = place_host_file(c->in->root, o.host, o.dest, real, &st, c->what);
	if (seen_before(c->in, &st)) {
		close(fd);
		return;
	}
	n = pread(fd, head, sizeof(head) - 1, 0);
	if (n == -1)
		die_sys("%s: read %s", c->what, real);
	if (elf_ident((unsigned char *)head, n, &e) &&
	    (e.type == ET_EXEC || e.type == ET_DYN)) {
		add_elf_needs(c, i, &o, &(struct elf_src){ fd, NULL,
		    st.st_size }, real, &e);
		return;
	}
	close(fd);
	if (o.kind == O_PROG && n >= 2 && head[0] == '#' && head[1] == '!')
		add_interpreter(c, &o, head, n);
	else if (o.kind == O_LIB)
		die("%s: %s: not an ELF shared object", c->what, real);
}

/* HOST into the root at DEST, with all it needs to run there. */
void
install_program(struct installer *in, const char *host, const char *dest,
    const char *what)
{
	struct closure c = { .in = in, .what = what };
	size_t i;

	closure_add(&c, O_PROG, 0, host, dest);
	for (i = 0; i < c.n; i++) {
		interrupt_check();
		install_object(&c, i);
	}
	for (i = 0; i < c.n; i++) {
		free(c.objs[i].host);
		free(c.objs[i].dest);
	}
	for (i = 0; i < c.nsonames; i++)
		free(c.sonames[i].name);
	free(c.objs);
	free(c.sonames);
	free(c.main_rpath);
}

/* A library found through ld.so.conf needs the cache to be found again. */
void
copy_ld_cache(struct installer *in)
{
	char real[PATH_MAX];
	struct stat st;
	int fd;

	if (!in->ldconf.need_cache)
		return;
	if (access("/etc/ld.so.cache", F_OK) == -1) {
		trace("no /etc/ld.so.cache on the host to copy");
		return;
	}
	fd = place_host_file(in->root, "/etc/ld.so.cache", "/etc/ld.so.cache",
	    real, &st, "/etc/ld.so.cache");
	close(fd);
}
