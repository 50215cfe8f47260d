/*
 * source.c: the files of an image, wherever they are: in a directory
 * (an OCI layout, an unpacked docker save), opened inside it with
 * openat2(RESOLVE_IN_ROOT) so that its symlinks cannot lead out; in a
 * plain tar archive (an oci-archive, a docker save), indexed once by
 * the tar reader with its data skipped by lseek, each file then read as
 * a window of the archive; or in memory (the unit tests, the fuzzer).
 * Symlinks and hard links between an archive's files (docker save's
 * ID/layer.tar -> ../HEX.tar) are followed inside the archive.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"
#include "image.h"
#include "mkrootfs.h"
#include "tarread.h"

#define JSON_MAX (4 << 20)	/* registries' limit on manifests */

/*
 * PATH cleaned into OUT: relative, no "." or empty components; ".."
 * takes one away. False when it climbs above the top.
 */
static bool
clean_path(const char *path, char *out, size_t size)
{
	char buf[PATH_MAX], *rest = buf, *c, *slash;
	size_t o = 0;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return false;
	out[0] = '\0';
	while ((c = strsep(&rest, "/")) != NULL) {
		if (*c == '\0' || strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			if (o == 0)
				return false;
			slash = strrchr(out, '/');
			o = slash ? (size_t)(slash - out) : 0;
			out[o] = '\0';
			continue;
		}
		if (o + 1 + strlen(c) >= size)
			return false;
		o += sprintf(out + o, "%s%s", o ? "/" : "", c);
	}
	return o > 0;
}

static void
add_file(struct source *s, const struct srcfile *f)
{
	s->files = grow(s->files, s->nfiles, &s->capfiles, sizeof(*s->files));
	s->files[s->nfiles++] = *f;
}

/* The members of the archive s->fd, where their data is. */
static void
index_archive(struct source *s)
{
	static struct tar t;	/* static: its buffers */
	struct member m = { 0 };
	char name[PATH_MAX];

	tar_open_index(&t, s->name, s->fd);
	while (tar_next(&t, &m)) {
		if (strchr("0127", m.type ? m.type : '0') == NULL ||
		    !clean_path(m.path, name, sizeof(name)))
			continue;
		add_file(s, &(struct srcfile){ xstrdup(name),
		    m.type ? m.type : '0', m.type == '1' || m.type == '2' ?
		    xstrdup(m.link) : NULL, t.off, m.size, NULL });
	}
	member_free(&m);
	trace("%s: %zu files in the archive", s->name, s->nfiles);
}

/* SRC, opened as FD: a directory, or a plain tar archive. */
void
source_open(struct source *s, const char *name, int fd)
{
	unsigned char head[6];
	struct stat st;
	ssize_t n;

	*s = (struct source){ .name = name, .dirfd = -1, .fd = -1 };
	if (fstat(fd, &st) == -1)
		die_sys("%s", name);
	if (S_ISDIR(st.st_mode)) {
		s->dirfd = fd;
		return;
	}
	if (!S_ISREG(st.st_mode))
		die("%s: not a directory or a file (save the archive to a "
		    "file first)", name);
	n = pread(fd, head, sizeof(head), 0);
	if (n == -1)
		die_sys("%s: read", name);
	if (codec_of(head, n) != CODEC_PLAIN)
		die("%s: a compressed archive (decompress it first: docker "
		    "save and skopeo write plain tar)", name);
	s->fd = fd;
	index_archive(s);
}

/* An empty source in memory, whose files source_add() gives. */
void
source_memory(struct source *s, const char *name)
{
	*s = (struct source){ .name = name, .dirfd = -1, .fd = -1 };
}

void
source_add(struct source *s, const char *name, const void *data,
    size_t size)
{
	add_file(s, &(struct srcfile){ xstrdup(name), '0', NULL, 0, size,
	    data });
}

void
source_close(struct source *s)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		free(s->files[i].name);
		free(s->files[i].link);
	}
	free(s->files);
	if (s->dirfd != -1)
		close(s->dirfd);
	if (s->fd != -1)
		close(s->fd);
	s->files = NULL;
	s->nfiles = s->capfiles = 0;
	s->dirfd = s->fd = -1;
}

static const struct srcfile *
lookup(const struct source *s, const char *name)
{
	size_t i;

	for (i = s->nfiles; i-- > 0;)	/* the last of a name wins */
		if (strcmp(s->files[i].name, name) == 0)
			return &s->files[i];
	return NULL;
}

/* NAME in an archive or in memory, its links followed inside it. */
static const struct srcfile *
find_member(const struct source *s, const char *name)
{
	char path[PATH_MAX], next[2 * PATH_MAX + 2], *slash;
	const struct srcfile *f;
	int hops;

	if (!clean_path(name, path, sizeof(path)))
		return NULL;
	for (hops = 0; hops < 16; hops++) {
		if ((f = lookup(s, path)) == NULL || f->type == '0')
			return f;
		if (f->type == '1' || f->link[0] == '/') {
			snprintf(next, sizeof(next), "%s", f->link);
		} else {
			slash = strrchr(path, '/');
			snprintf(next, sizeof(next), "%.*s/%s",
			    slash ? (int)(slash - path) : 0, path, f->link);
		}
		if (!clean_path(next, path, sizeof(path)))
			return NULL;
	}
	return NULL;
}

/* A directory's file NAME, resolved inside it. */
static int
find_in_dir(struct source *s, const char *name, struct blob *b)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fd;

	fd = syscall(SYS_openat2, s->dirfd, name, &how, sizeof(how));
	if (fd == -1 && (errno == ENOENT || errno == ENOTDIR))
		return -1;
	if (fd == -1)
		die_sys("%s: %s", s->name, name);
	if (fstat(fd, &st) == -1)
		die_sys("%s: %s", s->name, name);
	if (!S_ISREG(st.st_mode))
		die("%s: %s: not a regular file", s->name, name);
	*b = (struct blob){ fd, true, 0, st.st_size, NULL };
	return 0;
}

/* The image's file NAME into B: 0, or -1 when there is none. */
int
source_find(struct source *s, const char *name, struct blob *b)
{
	const struct srcfile *f;

	if (s->opened != NULL)
		s->opened(name, s->opened_arg);
	if (s->dirfd != -1)
		return find_in_dir(s, name, b);
	if ((f = find_member(s, name)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	*b = (struct blob){ s->fd, false, f->off, f->size, f->mem };
	return 0;
}

void
blob_close(struct blob *b)
{
	if (b->owned)
		close(b->fd);
	b->owned = false;
}

/* All of B into BUF (B->size bytes). */
static void
blob_bytes(const struct source *s, const char *name, const struct blob *b,
    char *buf)
{
	uint64_t got = 0;
	ssize_t n;

	if (b->mem != NULL) {
		memcpy(buf, b->mem, b->size);
		return;
	}
	while (got < b->size) {
		n = pread(b->fd, buf + got, b->size - got, b->off + got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die_sys("%s: read %s", s->name, name);
		if (n == 0)
			die("%s: %s: the file ends before the blob does",
			    s->name, name);
		got += n;
	}
}

char *
source_read(struct source *s, const char *name, size_t max,
    const struct digest *d, uint64_t size, size_t *len)
{
	struct digest got;
	struct blob b;
	char *buf;

	if (source_find(s, name, &b) == -1)
		die_err(ENOENT, NULL, "%s: %s", s->name, name);
	if (d != NULL && size != SIZE_UNKNOWN && b.size != size)
		die("%s: %s: %llu bytes, where its descriptor says %llu",
		    s->name, name, (unsigned long long)b.size,
		    (unsigned long long)size);
	if (b.size > max)
		die("%s: %s: too big (%llu bytes)", s->name, name,
		    (unsigned long long)b.size);
	buf = xrealloc(NULL, b.size + 1);
	blob_bytes(s, name, &b, buf);
	blob_close(&b);
	buf[b.size] = '\0';
	*len = b.size;
	if (d != NULL) {
		digest_of(buf, b.size, &got);
		if (!digest_equal(&got, d))
			die("%s: %s: the content does not match its digest",
			    s->name, name);
	}
	return buf;
}

json_t *
source_json(struct source *s, const char *name, const struct digest *d,
    uint64_t size)
{
	json_error_t err;
	json_t *j;
	size_t len;
	char *buf;

	buf = source_read(s, name, JSON_MAX, d, size, &len);
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	free(buf);
	if (j == NULL)
		die("%s: %s: bad JSON: %s (line %d)", s->name, name,
		    err.text, err.line);
	return j;
}

void
blob_path(const struct digest *d, char *path)
{
	snprintf(path, 14 + DIGEST_HEX + 1, "blobs/sha256/%s", d->hex);
}
