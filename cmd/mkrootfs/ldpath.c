/*
 * ldpath.c: where the dynamic loader looks for a library, as Debian's
 * glibc ld.so does: DT_RPATH (the object's, then the program's) unless
 * there is a DT_RUNPATH, DT_RUNPATH, the ld.so.conf directories and the
 * machine's default ones. $ORIGIN differs on the host and inside the
 * root when a program moved, so every search list is expanded twice:
 * where the library is found, and where the loader will look for it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"
#include "ldpath.h"
#include "mkrootfs.h"

/* ---- the machines, and ld.so.conf ---- */

static const struct arch {
	unsigned char cls;
	uint16_t machine;
	const char *lib;	/* $LIB, as Debian's multiarch loader has it */
	const char *platform;	/* $PLATFORM: the kernel's AT_PLATFORM */
	const char *dirs[5];	/* the default directories, in order */
} arches[] = {
	{ ELFCLASS64, EM_X86_64, "lib/x86_64-linux-gnu", "x86_64",
	    { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	      "/lib64", "/usr/lib64" } },
	{ ELFCLASS32, EM_386, "lib/i386-linux-gnu", "i686",
	    { "/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu",
	      "/lib32", "/usr/lib32" } },
	{ ELFCLASS32, EM_X86_64, "lib/x86_64-linux-gnux32", "x86_64",
	    { "/lib/x86_64-linux-gnux32", "/usr/lib/x86_64-linux-gnux32",
	      "/libx32", "/usr/libx32" } },
	{ ELFCLASS64, EM_AARCH64, "lib/aarch64-linux-gnu", "aarch64",
	    { "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	      "/lib64", "/usr/lib64" } },
};

static const struct arch *
arch_of(const struct elf *e)
{
	size_t i;

	for (i = 0; i < LEN(arches); i++)
		if (arches[i].cls == e->cls && arches[i].machine == e->machine)
			return &arches[i];
	return NULL;
}

static void
conf_add(struct ldconf *conf, const char *dir)
{
	size_t i;

	for (i = 0; i < conf->n; i++)
		if (strcmp(conf->dirs[i], dir) == 0)
			return;
	conf->dirs = grow(conf->dirs, conf->n, &conf->cap, sizeof(*conf->dirs));
	conf->dirs[conf->n++] = xstrdup(dir);
}

static void conf_read(struct ldconf *conf, const char *file, int depth);

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * "include DIR/PATTERN", in name order as glob(3) sorts them. Wildcards
 * are taken in the last component only (glob(3) itself would pull NSS
 * into a static build for its ~user expansion).
 */
static void
conf_include(struct ldconf *conf, const char *file, const char *pattern,
    int depth)
{
	char dir[PATH_MAX], path[PATH_MAX], **names = NULL;
	const char *base = strrchr(pattern, '/') + 1;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	DIR *dp;

	pathf(dir, sizeof(dir), "%.*s", (int)(base - pattern), pattern);
	if (strpbrk(dir, "*?[") != NULL)
		die("read %s: include %s: wildcards are supported in the last "
		    "component only", file, pattern);
	if ((dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return;
		die_sys("read %s: include %s", file, dir);
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.' && base[0] != '.')
			continue;
		if (fnmatch(base, d->d_name, FNM_PERIOD) != 0)
			continue;
		names = grow(names, n, &cap, sizeof(*names));
		names[n++] = xstrdup(d->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		pathf(path, sizeof(path), "%s%s", dir, names[i]);
		conf_read(conf, path, depth + 1);
		free(names[i]);
	}
	free(names);
}

/* One ld.so.conf file as ldconfig reads it: directories, "include GLOB". */
static void
conf_read(struct ldconf *conf, const char *file, int depth)
{
	char *line = NULL, *p, *word, pattern[PATH_MAX], dir[PATH_MAX];
	size_t cap = 0;
	FILE *fp;

	if (depth > 8)
		die("read %s: includes nested too deep", file);
	if ((fp = fopen(file, "re")) == NULL) {
		if (errno == ENOENT)
			return;
		die_sys("read %s", file);
	}
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "#\n")] = '\0';
		p = line + strspn(line, " \t");
		if (strncmp(p, "include", 7) == 0 && (p[7] == ' ' ||
		    p[7] == '\t')) {
			p += 7 + strspn(p + 7, " \t");
			p[strcspn(p, " \t")] = '\0';
			if (*p == '\0')
				continue;
			snprintf(dir, sizeof(dir), "%s", file);
			*strrchr(dir, '/') = '\0';	/* file is absolute */
			if (*p == '/')
				pathf(pattern, sizeof(pattern), "%s", p);
			else
				pathf(pattern, sizeof(pattern), "%s/%s", dir,
				    p);
			conf_include(conf, file, pattern, depth);
			continue;
		}
		if (strncmp(p, "hwcap", 5) == 0 &&
		    (p[5] == ' ' || p[5] == '\t'))
			continue;
		while ((word = strsep(&p, " \t,:")) != NULL) {
			/* old "dir=TYPE" */
			word[strcspn(word, "=")] = '\0';
			if (*word == '/')
				conf_add(conf, word);
		}
	}
	if (ferror(fp))
		die_sys("read %s", file);
	free(line);
	fclose(fp);
}

/* ---- search lists ---- */

/*
 * Expand the loader's dynamic string tokens in one RPATH/RUNPATH entry:
 * $ORIGIN (differs on the host and inside when the program moved),
 * $LIB and $PLATFORM.
 */
void
expand_dst(const char *in, size_t len, const struct elf *e,
    const char *origin, char *out, const char *what)
{
	static const char *const names[] = { "ORIGIN", "LIB", "PLATFORM" };
	const struct arch *a = arch_of(e);
	const char *val;
	size_t o = 0, i, k, nlen;
	bool braced;

	for (i = 0; i < len;) {
		if (in[i] != '$') {
			if (o + 1 >= PATH_MAX)
				die("%s: RPATH entry too long", what);
			out[o++] = in[i++];
			continue;
		}
		braced = i + 1 < len && in[i + 1] == '{';
		for (k = 0; k < LEN(names); k++) {
			nlen = strlen(names[k]);
			if (i + 1 + braced + nlen <= len &&
			    strncmp(in + i + 1 + braced, names[k], nlen) == 0 &&
			    (!braced || (i + 2 + nlen < len &&
			    in[i + 2 + nlen] == '}')))
				break;
		}
		if (k == LEN(names)) {	/* not a token: kept, as ld.so does */
			out[o++] = in[i++];
			continue;
		}
		if (k > 0 && a == NULL)
			die("%s: cannot expand $%s for ELF machine %u", what,
			    names[k], e->machine);
		val = k == 0 ? origin : k == 1 ? a->lib : a->platform;
		if (o + strlen(val) >= PATH_MAX)
			die("%s: RPATH entry too long", what);
		strcpy(out + o, val);
		o += strlen(val);
		i += 1 + 2 * braced + nlen;
	}
	out[o] = '\0';
}

/* Does the host file PATH suit an object of E's class and machine? */
static int
open_compatible(const char *path, const struct elf *e)
{
	struct elf c;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (elf_ident_fd(fd, &c) &&
	    c.cls == e->cls && c.data == e->data && c.machine == e->machine &&
	    c.type == ET_DYN)
		return fd;
	close(fd);
	return -1;
}

/*
 * Look for NAME in one search list (a ':'-separated RPATH or RUNPATH,
 * whose $ORIGIN is HORIGIN on the host and DORIGIN inside the root).
 */
static bool
search_list(const char *list, const struct elf *e, const char *horigin,
    const char *dorigin, const char *name, char *host, char *dest,
    const char *what)
{
	char hdir[PATH_MAX], ddir[PATH_MAX];
	const char *p = list;
	size_t len;
	int fd;

	while (p != NULL && *p != '\0') {
		len = strcspn(p, ":");
		if (len > 0) {	/* an empty entry would be the cwd: never */
			expand_dst(p, len, e, horigin, hdir, what);
			expand_dst(p, len, e, dorigin, ddir, what);
			if (snprintf(host, PATH_MAX, "%s/%s", hdir, name) <
			    PATH_MAX && (fd = open_compatible(host, e)) != -1) {
				close(fd);
				pathf(dest, PATH_MAX, "%s/%s", ddir, name);
				return true;
			}
		}
		p = p[len] ? p + len + 1 : NULL;
	}
	return false;
}

static bool
search_dirs(const char *const *dirs, size_t n, const struct elf *e,
    const char *name, char *host)
{
	size_t i;
	int fd;

	for (i = 0; i < n; i++) {
		if (dirs[i] == NULL)
			break;
		if (snprintf(host, PATH_MAX, "%s/%s", dirs[i], name) >=
		    PATH_MAX)
			continue;
		if ((fd = open_compatible(host, e)) != -1) {
			close(fd);
			return true;
		}
	}
	return false;
}

/*
 * In the ld.so.conf directories. The loader finds a library there only
 * through /etc/ld.so.cache, unless the directory is a default one: then
 * the cache must come too.
 */
static bool
search_conf(struct ldconf *conf, const struct elf *e, const char *name,
    char *host)
{
	const struct arch *a = arch_of(e);
	size_t i;

	if (!conf->loaded) {
		conf_read(conf, "/etc/ld.so.conf", 0);
		conf->loaded = true;
	}
	if (!search_dirs((const char *const *)conf->dirs, conf->n, e, name,
	    host))
		return false;
	for (i = 0; a != NULL && i < LEN(a->dirs) && a->dirs[i]; i++)
		if (strncmp(host, a->dirs[i], strlen(a->dirs[i])) == 0 &&
		    host[strlen(a->dirs[i])] == '/')
			break;
	if (a == NULL || i == LEN(a->dirs) || a->dirs[i] == NULL)
		conf->need_cache = true;
	return true;
}

/*
 * Find DT_NEEDED NAME of object S->e as ld.so would: DT_RPATH (of the
 * object, then of the program) when it has no DT_RUNPATH, DT_RUNPATH,
 * then unless DF_1_NODEFLIB the ld.so.conf directories and the default
 * ones. HOST and DEST get where it is on the host and where the loader
 * will look.
 */
bool
find_library(struct ldconf *conf, const struct ldsearch *s, const char *name,
    char *host, char *dest)
{
	static const char *const fallback[] = { "/lib", "/usr/lib" };
	const struct elf *e = s->e;
	const struct arch *a = arch_of(e);

	if (e->runpath == NULL && ((e->rpath != NULL && search_list(e->rpath,
	    e, s->horigin, s->dorigin, name, host, dest, s->what)) ||
	    (s->main_rpath != NULL && search_list(s->main_rpath, e,
	    s->main_horigin, s->main_dorigin, name, host, dest, s->what))))
		return true;
	if (e->runpath != NULL && search_list(e->runpath, e, s->horigin,
	    s->dorigin, name, host, dest, s->what))
		return true;
	if (e->nodeflib)
		return false;
	if (!search_conf(conf, e, name, host) &&
	    !(a != NULL && search_dirs(a->dirs, LEN(a->dirs), e, name, host)) &&
	    !search_dirs(fallback, LEN(fallback), e, name, host))
		return false;
	pathf(dest, PATH_MAX, "%s", host);
	return true;
}
