/*
 * extras.c: --extras LIST: what a dynamically linked program typically
 * needs and its ELF headers cannot show, because the C library or a
 * library finds it at run time by name:
 *   gconv     glibc's iconv(3) modules and their configuration, from the
 *             machine's library directories (lib/x86_64-linux-gnu/gconv)
 *   nss       the NSS modules (libnss_NAME.so.2) that the root's
 *             /etc/nsswitch.conf names, which is the host's when the
 *             skeleton makes it
 *   certs     the CA certificates, as OpenSSL and GnuTLS look for them
 *             (/etc/ssl/certs, /usr/lib/ssl, /etc/pki)
 *   terminfo  the terminal descriptions of ncurses
 *   locale    the compiled locales of /usr/lib/locale (C.utf8)
 * Each comes at its host path, directories whole (tree.c), with the
 * loader and library closure of every ELF file in it. What is not on
 * this host is passed over, as the C library passes it over.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "elfread.h"
#include "ldpath.h"
#include "mkrootfs.h"

/* By bit: EXTRA_GCONV is 1 << 0, and so on. */
static const char *const names[] = {
	"gconv", "nss", "certs", "terminfo", "locale",
};

static const char *const certs[] = {
	"/etc/ssl/certs", "/usr/lib/ssl", "/etc/pki/tls", "/etc/pki/ca-trust",
	"/etc/ca-certificates",
};
static const char *const terminfo[] = {
	"/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo",
};
static const char *const locale[] = {
	"/usr/lib/locale",
};

/* LIST, comma separated (or "all"), into the mask *EXTRAS. */
void
extras_parse(const char *list, unsigned int *extras)
{
	char buf[256], *rest = buf, *name;
	size_t i;

	pathf(buf, sizeof(buf), "%s", list);
	while ((name = strsep(&rest, ",")) != NULL) {
		if (strcmp(name, "all") == 0) {
			*extras |= (1u << LEN(names)) - 1;
			continue;
		}
		for (i = 0; i < LEN(names); i++)
			if (strcmp(name, names[i]) == 0)
				break;
		if (i == LEN(names))
			die("--extras %s: no extra '%s' (gconv, nss, certs, "
			    "terminfo, locale, all)", list, name);
		*extras |= 1u << i;
	}
}

/* The host paths of LIST that exist, each whole, once. */
static void
copy_paths(struct installer *in, const char *const *list, size_t n,
    const char *what)
{
	char real[PATH_MAX], seen[8][PATH_MAX];
	struct stat st;
	size_t i, k, nseen = 0;

	for (i = 0; i < n; i++) {
		if (stat(list[i], &st) == -1 || realpath(list[i], real) == NULL) {
			trace("%s: no %s here", what, list[i]);
			continue;
		}
		for (k = 0; k < nseen && strcmp(seen[k], real) != 0; k++)
			;
		if (k < nseen)
			continue;	/* the same, under another name */
		if (nseen < LEN(seen))
			strcpy(seen[nseen++], real);
		if (S_ISDIR(st.st_mode))
			copy_tree(in, list[i], what);
		else if (S_ISREG(st.st_mode))
			install_program(in, list[i], list[i], what);
	}
}

/* The ELF class and machine of this program: the host's libraries. */
static void
host_elf(struct elf *e)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd == -1 || !elf_ident_fd(fd, e))
		die_sys("--extras: read /proc/self/exe");
	close(fd);
}

/* gconv: the modules directory of each of the machine's library dirs. */
static void
copy_gconv(struct installer *in)
{
	const char *dirs[8], *const *libdirs;
	char paths[8][PATH_MAX];
	struct elf e = { 0 };
	size_t i, n = 0;

	host_elf(&e);
	libdirs = machine_dirs(&e);
	for (i = 0; libdirs != NULL && libdirs[i] != NULL && n < 6; i++) {
		pathf(paths[n], sizeof(paths[n]), "%s/gconv", libdirs[i]);
		dirs[n] = paths[n];
		n++;
	}
	dirs[n++] = "/usr/lib/gconv";
	copy_paths(in, dirs, n, "--extras gconv");
}

/* The services of nsswitch.conf TEXT, "files dns systemd", into OUT. */
static size_t
nss_services(char *text, char out[][64], size_t max)
{
	char *line, *rest = text, *word, *p;
	size_t n = 0, i;

	while ((line = strsep(&rest, "\n")) != NULL) {
		line[strcspn(line, "#")] = '\0';
		if ((p = strchr(line, ':')) == NULL)
			continue;
		p++;
		while ((word = strsep(&p, " \t")) != NULL) {
			if (*word == '\0' || *word == '[' ||
			    strchr(word, ']') != NULL || strlen(word) >= 64)
				continue;
			for (i = 0; i < n && strcmp(out[i], word) != 0; i++)
				;
			if (i == n && n < max)
				strcpy(out[n++], word);
		}
	}
	return n;
}

/*
 * The root's nsswitch.conf, whole. An image's may be a symlink: it is
 * followed inside the root, never to a host file, and the file is then
 * opened again through that descriptor, without blocking on a FIFO.
 */
static char *
read_nsswitch(struct root *r)
{
	const char *path = "/etc/nsswitch.conf";
	char self[32], *text;
	struct stat st;
	int pfd, fd = -1;

	if ((pfd = in_root(r, path, R_FOLLOW, NULL)) != -1) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
		fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		close(pfd);
	}
	if (fd == -1 || fstat(fd, &st) == -1)
		die_sys("--extras nss: read %s", inside(r, path));
	if (!S_ISREG(st.st_mode))
		die("--extras nss: %s: not a regular file", inside(r, path));
	if ((text = read_all_max(fd, 1 << 20, NULL)) == NULL)
		die_sys("--extras nss: read %s", inside(r, path));
	close(fd);
	return text;
}

/* nss: libnss_NAME.so.2 of every service the root's nsswitch.conf names. */
static void
copy_nss(struct installer *in)
{
	char lib[96], host[PATH_MAX], dest[PATH_MAX];
	char *text = read_nsswitch(in->root);
	char services[64][64];
	struct elf e = { 0 };
	size_t i, n;

	host_elf(&e);
	n = nss_services(text, services, LEN(services));
	for (i = 0; i < n; i++) {
		snprintf(lib, sizeof(lib), "libnss_%s.so.2", services[i]);
		if (!find_library(&in->ldconf, &(struct ldsearch){ &e, "/",
		    "/", NULL, NULL, NULL, "--extras nss" }, lib, host,
		    dest)) {
			trace("--extras nss: %s: not on this host", lib);
			continue;
		}
		install_program(in, host, dest, "--extras nss");
	}
	free(text);
}

void
install_extras(struct installer *in, unsigned int extras)
{
	if (extras & EXTRA_GCONV)
		copy_gconv(in);
	if (extras & EXTRA_NSS)
		copy_nss(in);
	if (extras & EXTRA_CERTS)
		copy_paths(in, certs, LEN(certs), "--extras certs");
	if (extras & EXTRA_TERMINFO)
		copy_paths(in, terminfo, LEN(terminfo), "--extras terminfo");
	if (extras & EXTRA_LOCALE)
		copy_paths(in, locale, LEN(locale), "--extras locale");
}
